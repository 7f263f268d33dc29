#!/bin/sh
# Registry, calendar, packs, evaluation through the real collector binary
# and a real SQLite file; stored state is read back with the sqlite3 CLI
# (an independent reader). Checks: imports in UTF-8+BOM and GBK with
# Chinese names intact, a bad file reported as file:line:column with
# nothing applied and exit 1, re-import in place, every shipped pack loads,
# a changed pack under the same version is refused, and an evaluation of
# one school built by construction (exactly 10.0 Mbit/s per class passes,
# a school with data on too few days is "insufficient data").
. "$(dirname "$0")/../lib.sh"
C="$B/classband-collector"
D=tests/data/registry
DB=$T/c.db
command -v sqlite3 > /dev/null || skip "sqlite3 CLI not installed"

q() { sqlite3 "$DB" "$1"; }

$C import schools $D/schools.csv --db "$DB" > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "import schools"; }
$C import schools $D/schools_gbk.csv --db "$DB" > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "import GBK schools"; }
grep -q "(gbk)" "$T/out" || fail "GBK not detected: $(cat "$T/out")"
[ "$(q "SELECT name FROM schools WHERE code='HF102'")" = "巢湖市第四中学" ] ||
    fail "GBK name not intact"
[ "$(q "SELECT name FROM schools WHERE code='HF003'")" = "'); DROP TABLE schools;--" ] ||
    fail "SQL-looking name not stored verbatim"
[ "$(q "SELECT count(*) FROM schools")" = 6 ] || fail "expected 6 schools"

# All or nothing: line 2 is good, line 3 is bad; nothing may be applied.
$C import schools $D/bad_schools.csv --db "$DB" > "$T/out" 2>&1
[ $? -eq 1 ] || fail "bad file did not exit 1"
grep -q "bad_schools.csv:3:15: region:" "$T/out" || { cat "$T/out"; fail "no file:line:column"; }
grep -q "bad_schools.csv:3:30: students:" "$T/out" || fail "second error not reported"
[ "$(q "SELECT count(*) FROM schools WHERE code='HF010'")" = 0 ] ||
    fail "good row of a bad file was applied"

# GBK bytes forced as UTF-8: refused with a position.
$C import schools $D/schools_gbk.csv --db "$DB" --encoding utf-8 > "$T/out" 2>&1
[ $? -eq 1 ] || fail "GBK as UTF-8 accepted"
grep -q "schools_gbk.csv:1:3: byte 0xb4 is not valid UTF-8" "$T/out" || { cat "$T/out"; fail "GBK as UTF-8 message"; }

$C import classes $D/classes.csv --db "$DB" > /dev/null 2>&1 || fail "import classes"
$C import areas $D/areas.csv --db "$DB" > /dev/null 2>&1 || fail "import areas"
$C registry map HF001 --db "$DB" > "$T/map" 2> /dev/null || fail "registry map"
grep -qx "lab1,vlan:100" "$T/map" || fail "class map lacks lab1,vlan:100"
grep -qx "office,1,AP-OFF-2" "$T/map" || fail "area map lacks office,1,AP-OFF-2"

# Re-import updates in place.
printf 'code,name,district,region,type,students,teachers,classes,contracted_mbps\r\nHF001,合肥一中,合肥市,urban,senior,2400,180,100,1000\r\n' > "$T/s2.csv"
$C import schools "$T/s2.csv" --db "$DB" > "$T/out" 2>&1 || fail "re-import"
grep -q "0 new, 1 updated" "$T/out" || fail "re-import not counted as update: $(cat "$T/out")"
[ "$(q "SELECT name || '|' || classes FROM schools WHERE code='HF001'")" = "合肥一中|100" ] ||
    fail "re-import did not update"

for p in hefei yunnan chengdu yinchuan shaoyang; do
    $C pack load schema/packs/$p.csv --db "$DB" > "$T/out" 2>&1 ||
        { cat "$T/out"; fail "pack $p"; }
done
[ "$(q "SELECT count(*) FROM packs")" = 5 ] || fail "5 packs expected"
sed 's/,10,100%,/,8,100%,/' schema/packs/hefei.csv > "$T/hefei-changed.csv"
$C pack load "$T/hefei-changed.csv" --db "$DB" > "$T/out" 2>&1
[ $? -eq 1 ] || fail "changed pack under the same version accepted"
printf 'pack,version,rule,year,regions,types,metric,op,threshold,share\nx,1,r,2020,*,*,nope,>=,1,100%%\n' > "$T/bad.csv"
$C pack load "$T/bad.csv" --db "$DB" > "$T/out" 2>&1
[ $? -eq 1 ] || fail "bad pack accepted"
grep -q "bad.csv:2:16: metric:" "$T/out" || { cat "$T/out"; fail "bad pack position"; }

# Calendar: 2020-12-30 is declared a holiday.
printf 'utc_offset +08:00\nweekdays mon tue wed thu fri\nhours 08:00 17:00\nholiday 2020-12-30\n' > "$T/cal"
$C calendar load "$T/cal" --db "$DB" > /dev/null 2>&1 || fail "calendar load"

# One pack, one school built to sit exactly on the boundary: HF001 has
# 1000 Mbit/s and now 100 classes = 10.0 per class. Data on Dec 29 and 31
# (school days; Dec 30 is the holiday), every minute 08:00-16:59 +08:00.
cat > "$T/pack.csv" <<'P'
pack,version,rule,year,regions,types,metric,op,threshold,share
t,1,egress,2020,urban,*,egress_mbps_per_class,>=,10.0,100%
P
$C pack load "$T/pack.csv" --db "$DB" > /dev/null 2>&1 || fail "test pack"
q "WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM m WHERE i < 539),
   d(t) AS (VALUES (1609200000), (1609372800), (1609286400))
   INSERT INTO class_minute SELECT t + i*60, 'HF001', 'c1-1', 0, 7500000, 0, 0,
   0, 0, 3, 'a' FROM m, d" || fail "insert minutes"
$C evaluate --pack t --year 2020 --db "$DB" --now 2021-01-01 --min-days 2 \
    --stale-days 3 > "$T/eval" 2>&1 || { cat "$T/eval"; fail "evaluate"; }
cat "$T/eval"
[ "$(q "SELECT status || '|' || days || '|' || value FROM evaluation_school WHERE school='HF001'")" = "meets|2|10" ] ||
    fail "HF001: $(q "SELECT * FROM evaluation_school WHERE school='HF001'")"
# HF002 never reported; with --min-days 3 HF001 has too few days.
[ "$(q "SELECT status FROM evaluation_school WHERE school='HF002'")" = not_reporting ] ||
    fail "HF002 should be not_reporting"
$C evaluate --pack t --year 2020 --db "$DB" --now 2021-01-01 --min-days 3 \
    --stale-days 3 > /dev/null 2>&1 || fail "evaluate 2"
[ "$(q "SELECT status FROM evaluation_school WHERE school='HF001' AND eval_id=(SELECT max(id) FROM evaluations)")" = insufficient_data ] ||
    fail "HF001 with 2 of 3 days should be insufficient_data"
[ "$(q "SELECT verdict FROM evaluation_rule WHERE eval_id=(SELECT max(id) FROM evaluations)")" = undetermined ] ||
    fail "rule with undetermined schools should be undetermined"
echo "compliance CLI: ok"
