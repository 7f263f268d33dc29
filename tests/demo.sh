#!/bin/sh
# make demo: the main job on the embedded default (SQLite), in one command.
#   - a district of 12 schools of 合肥市 (urban and county, Chinese names),
#     some built to meet the Hefei 2020 targets and some to miss them
#     (tests/demo/district.py says which and why);
#   - a real collector on loopback storing into $DEMO/classband.db;
#   - per school, the real agent replaying generated captures of its school
#     days (6 days, 08:00-09:00 local) into the collector;
#   - the registry imported, the Hefei pack loaded, the evaluation for 2020,
#     a summary table and the path of the annual CSV report.
# Everything lives in $DEMO (default ./demo-run).
set -eu
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=$(cd "$BUILD" && pwd)
DEMO=${DEMO:-$top/demo-run}
C="$B/classband-collector"
rm -rf "$DEMO"
mkdir -p "$DEMO/captures"
t0=$(date +%s)
say() { printf '%s\n' "$*"; }

say "== classband demo: a district of 12 schools, store $DEMO/classband.db"
# one school shape for all: 12 classrooms, a computer room on VLAN 120, a
# recording room on QinQ, a staff office; 20 devices per class
"$B/tools/gencap" -o "$DEMO/shape.pcap" -c "$DEMO/classmap.csv" \
    -e "$DEMO/shape.json" -n 15 -m 1 -p 10 --hosts 20 > /dev/null
python3 tests/demo/district.py "$DEMO" "$DEMO/classmap.csv"

"$C" import schools "$DEMO/schools.csv" --db "$DEMO/classband.db" 2> "$DEMO/import.log"
"$C" import classes "$DEMO/classes.csv" --db "$DEMO/classband.db" 2>> "$DEMO/import.log"
"$C" import inventory "$DEMO/inventory.csv" --db "$DEMO/classband.db" 2>> "$DEMO/import.log"
"$C" pack load schema/packs/hefei.csv --db "$DEMO/classband.db" 2>> "$DEMO/import.log"
say "registry: $(($(wc -l < "$DEMO/schools.csv") - 1)) schools, $(($(wc -l < "$DEMO/classes.csv") - 1)) classes imported; Hefei 2016-2020 pack loaded"

"$C" serve --listen 127.0.0.1:0 --db "$DEMO/classband.db" > "$DEMO/collector.log" 2>&1 &
cpid=$!
trap 'kill $cpid 2>/dev/null' EXIT
port=""
for i in $(seq 1 100); do
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$DEMO/collector.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$DEMO/collector.log"; exit 1; }
say "collector listening on 127.0.0.1:$port"

# school days: Thu 2020-12-24, Fri 25, Mon 28 .. Thu 31, 08:00-09:00 Beijing time
days="1608768000 1608854400 1609113600 1609200000 1609286400 1609372800"
n=0
while read -r code mode; do
    [ "$mode" = send ] || { say "  $code: no agent (this school stopped reporting)"; continue; }
    n=$((n + 1))
    for d in $days; do
        cap="$DEMO/captures/$code-$d.pcap"
        "$B/tools/gencap" -o "$cap" -c "$DEMO/captures/$code.csv" \
            -e "$DEMO/captures/$code-$d.json" -n 15 -m 60 -p 600 --hosts 20 \
            --snaplen 128 -s "$n$d" --start "$d" > /dev/null
        "$B/classband-agent" --replay "$cap" --classes "$DEMO/classmap.csv" \
            --collector "127.0.0.1:$port" --school "$code" \
            --agent-id "gw-$code" --spool "$DEMO/spool-$code" \
            2>> "$DEMO/agent-$code.log"
        rm -f "$cap"
    done
    say "  $code: 6 school days replayed, $(grep -c 'acknowledged' "$DEMO/agent-$code.log") runs acknowledged"
done < "$DEMO/plan.txt"
kill $cpid; wait $cpid 2>/dev/null || true
trap - EXIT
"$C" rollup --db "$DEMO/classband.db" > /dev/null

say ""
say "== evaluation: Hefei pack, 2020 (period ends 2020-12-31; 5 school days of data suffice here)"
"$C" evaluate --pack hefei --year 2020 --db "$DEMO/classband.db" \
    --min-days 5 --stale-days 3 --now 2021-01-01
"$C" report --pack hefei --year 2020 --format csv --lang zh \
    --db "$DEMO/classband.db" --output "$DEMO/hefei-2020.csv" \
    --summary-output "$DEMO/hefei-2020-summary.csv"
say ""
say "annual report (UTF-8 with BOM, opens in Excel/WPS): $DEMO/hefei-2020.csv"
say "summary per rule: $DEMO/hefei-2020-summary.csv"
say "demo finished in $(( $(date +%s) - t0 )) s"
