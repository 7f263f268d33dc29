#!/bin/sh
# sec_registry_hostile: school names built to break SQL or a spreadsheet
# (`'); DROP TABLE schools;--`, `=HYPERLINK("http://x")`, +, -, @ formulas,
# quotes, commas, printf conversions) go through `classband-collector
# import schools` and must come back byte for byte from the database (read
# with Python's sqlite3, not our code), with every table still there; and
# the compliance report CSV (UTF-8 and GBK) must hold each name inert: a
# cell a spreadsheet would run as a formula is prefixed with an apostrophe,
# anything else is the name itself. Oracle: Python's csv module and the
# OWASP CSV-injection rule written out below, not common/csv.c.
. "$(dirname "$0")/../lib.sh"

C=$B/classband-collector
command -v python3 > /dev/null || skip "sec_registry_hostile: python3 not installed"
"$C" --help 2>&1 | grep -q 'import schools' ||
    skip "sec_registry_hostile: classband-collector has no import subcommand yet"
"$C" --help 2>&1 | grep -q 'report --pack' ||
    skip "sec_registry_hostile: classband-collector has no report subcommand yet"

# code,name pairs; the rest of each row is fixed.
cat > "$T/names.csv" <<'CSV'
code,name
H001,'); DROP TABLE schools;--
H002,"=HYPERLINK(""http://x"")"
H003,"=HYPERLINK(""http://x"",""点我"")"
H004,+SUM(1+1)
H005,-2+3
H006,@SUM(1+1)
H007,"Robert""); DELETE FROM classes; --"
H008,"a,b ""quoted"" name"
H009,%s%n%x%%
H010,第一中学'; --
H011,-1.5
H012,=1+1
H013,"x"" OR ""1""=""1"
CSV
python3 - "$T/names.csv" "$T/schools.csv" <<'PY' || fail "writing schools.csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["code", "name", "district", "region", "type", "students",
                "teachers", "classes", "contracted_mbps"])
    for r in rows:
        w.writerow([r["code"], r["name"], "合肥市", "urban", "primary",
                    900, 60, 20, 200])
PY

"$C" import schools "$T/schools.csv" --db "$T/c.db" > "$T/import.log" 2>&1 ||
    { cat "$T/import.log"; fail "import schools refused the file"; }

# The database: every name intact, the schools table and its neighbours
# still there, nothing else inserted.
python3 - "$T/names.csv" "$T/c.db" <<'PY' || fail "names not stored intact"
import csv, sqlite3, sys
want = {r["code"]: r["name"] for r in
        csv.DictReader(open(sys.argv[1], encoding="utf-8", newline=""))}
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True)
tables = {r[0] for r in db.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table'")}
for t in ("schools", "classes", "areas"):
    if t not in tables:
        sys.exit("table %s is gone" % t)
got = dict(db.execute("SELECT code, name FROM schools"))
bad = 0
for code, name in sorted(want.items()):
    if got.get(code) != name:
        print("school %s: stored %r, imported %r" % (code, got.get(code), name))
        bad += 1
    else:
        print("ok   %s %r" % (code, name))
if set(got) != set(want):
    print("schools stored: %s, imported: %s" % (sorted(got), sorted(want)))
    bad += 1
sys.exit(1 if bad else 0)
PY

"$C" pack load "$TOP/schema/packs/hefei.csv" --db "$T/c.db" > "$T/pack.log" 2>&1 ||
    { cat "$T/pack.log"; fail "pack load"; }
"$C" report --pack hefei --year 2019 --format csv --output "$T/r.csv" \
    --db "$T/c.db" > "$T/report.log" 2>&1 ||
    { cat "$T/report.log"; fail "report (utf-8)"; }
"$C" report --pack hefei --year 2019 --format csv --encoding gbk \
    --output "$T/r-gbk.csv" --db "$T/c.db" > "$T/report-gbk.log" 2>&1 ||
    { cat "$T/report-gbk.log"; fail "report (gbk)"; }

for f in r.csv:utf-8-sig r-gbk.csv:gb18030; do
python3 - "$T/names.csv" "$T/${f%%:*}" "${f#*:}" <<'PY' || fail "report ${f%%:*} not inert"
import csv, re, sys
want = {r["code"]: r["name"] for r in
        csv.DictReader(open(sys.argv[1], encoding="utf-8", newline=""))}
number = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
def risky(s):
    # what Excel, WPS and LibreOffice may evaluate (OWASP CSV injection)
    return s[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") and not number.match(s)
def inert(s):
    return "'" + s if risky(s) else s
rows = list(csv.reader(open(sys.argv[2], encoding=sys.argv[3], newline="")))
bad = 0
for i, row in enumerate(rows):
    for cell in row:
        if risky(cell):
            print("line %d: live formula cell %r" % (i + 1, cell))
            bad += 1
seen = set()
for row in rows:
    if len(row) > 1 and row[0] in want:
        seen.add(row[0])
        if row[1] != inert(want[row[0]]):
            print("school %s: report has %r, want %r" %
                  (row[0], row[1], inert(want[row[0]])))
            bad += 1
missing = set(want) - seen
if missing:
    print("schools missing from the report: %s" % sorted(missing))
    bad += 1
print("%s: %d rows, %d schools checked, %d problems" %
      (sys.argv[2].rsplit("/", 1)[-1], len(rows), len(seen), bad))
sys.exit(1 if bad else 0)
PY
done
echo "sec_registry_hostile: ok"
