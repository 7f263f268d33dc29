#!/bin/sh
# make demo: the main job on the embedded default (SQLite), in one command.
#   - a district of 12 schools of 合肥市 (urban and county, Chinese names),
#     some built to meet the Hefei 2020 targets and some to miss them
#     (tests/demo/district.py says which and why);
#   - a real collector on loopback storing into $DEMO/classband.db;
#   - per school, the real agent replaying generated captures of its school
#     days (6 days, 08:00-17:00 local) into the collector, while polling the
#     school's wireless controller: real recordings of real devices served
#     by snmpsim on loopback (SNMP results carry the capture's clock);
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
SHARED=${SHARED:-$(cd "$top/.." && pwd)/shared}
[ -d "$SHARED/testdata/snmprec" ] || { say "no $SHARED/testdata/snmprec"; exit 1; }
snmp_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$DEMO/snmpsim-cache"
chown nobody:nogroup "$DEMO/snmpsim-cache" 2>/dev/null || true
user_opts=""
[ "$(id -u)" = 0 ] && user_opts="--process-user=nobody --process-group=nogroup"
snmpsimd --data-dir="$SHARED/testdata/snmprec" --cache-dir="$DEMO/snmpsim-cache" \
    --agent-udpv4-endpoint=127.0.0.1:$snmp_port $user_opts \
    --logging-method=null > "$DEMO/snmpsim.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
for i in $(seq 1 60); do
    snmpget -v2c -c ciscowlc_cbw240ac -t 1 -r 0 127.0.0.1:$snmp_port \
        1.3.6.1.2.1.1.2.0 > /dev/null 2>&1 && break
    sleep 0.5
done
say "snmpsim serves the recorded wireless controllers on udp 127.0.0.1:$snmp_port"
# one school shape for all: 12 classrooms, a computer room on VLAN 120, a
# recording room on QinQ, a staff office; 20 devices per class
"$B/tools/gencap" -o "$DEMO/shape.pcap" -c "$DEMO/classmap.csv" \
    -e "$DEMO/shape.json" -n 15 -m 1 -p 10 --hosts 20 > /dev/null
DEMO_SNMP_PORT=$snmp_port DEMO_PROFILES="$top/agent/profiles" \
    python3 tests/demo/district.py "$DEMO" "$DEMO/classmap.csv"

"$C" import schools "$DEMO/schools.csv" --db "$DEMO/classband.db" 2> "$DEMO/import.log"
"$C" import classes "$DEMO/classes.csv" --db "$DEMO/classband.db" 2>> "$DEMO/import.log"
"$C" import areas "$DEMO/areas.csv" --db "$DEMO/classband.db" 2>> "$DEMO/import.log"
"$C" import inventory "$DEMO/inventory.csv" --db "$DEMO/classband.db" 2>> "$DEMO/import.log"
"$C" pack load schema/packs/hefei.csv --db "$DEMO/classband.db" 2>> "$DEMO/import.log"
say "registry: $(($(wc -l < "$DEMO/schools.csv") - 1)) schools, $(($(wc -l < "$DEMO/classes.csv") - 1)) classes imported; Hefei 2016-2020 pack loaded"

"$C" serve --listen 127.0.0.1:0 --db "$DEMO/classband.db" > "$DEMO/collector.log" 2>&1 &
cpid=$!
trap 'kill $cpid $spid 2>/dev/null' EXIT
port=""
for i in $(seq 1 100); do
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$DEMO/collector.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$DEMO/collector.log"; exit 1; }
say "collector listening on 127.0.0.1:$port"

# school days: Thu 2020-12-24, Fri 25, Mon 28 .. Thu 31, 08:00-17:00 Beijing
# time: a busy first lesson (08:00-09:00), then a quieter day
days="1608768000 1608854400 1609113600 1609200000 1609286400 1609372800"
replay_school() { # CODE N
    code=$1
    for d in $days; do
        for part in busy quiet; do
            if [ $part = busy ]; then m=60; p=600; st=$d
            else m=480; p=30; st=$((d + 3600)); fi
            cap="$DEMO/captures/$code-$st.pcap"
            "$B/tools/gencap" -o "$cap" -c "$DEMO/captures/$code.csv" \
                -e "$DEMO/captures/$code-$st.json" -n 15 -m $m -p $p \
                --hosts 20 --snaplen 128 -s "$2$st" --start "$st" > /dev/null
            "$B/classband-agent" -c "$DEMO/agent-$code.conf" --replay "$cap" \
                --classes "$DEMO/classmap.csv" --collector "127.0.0.1:$port" \
                --spool "$DEMO/spool-$code" 2>> "$DEMO/agent-$code.log" ||
                { echo "agent for $code failed; see $DEMO/agent-$code.log"; return 1; }
            rm -f "$cap"
        done
    done
}
n=0
pids=""
while read -r code mode wlc; do
    [ "$mode" = send ] || { say "  $code: no agent (this school stopped reporting)"; continue; }
    n=$((n + 1))
    replay_school "$code" "$n" &
    pids="$pids $!"
    # two schools at a time: this machine has two cores
    if [ $((n % 2)) = 0 ]; then
        for p in $pids; do wait "$p" || exit 1; done
        pids=""
    fi
done < "$DEMO/plan.txt"
for p in $pids; do wait "$p" || exit 1; done
while read -r code mode wlc; do
    [ "$mode" = send ] || continue
    say "  $code: 6 school days replayed ($(grep -c 'acknowledged' "$DEMO/agent-$code.log") runs acknowledged), Wi-Fi from the $wlc recording"
done < "$DEMO/plan.txt"
kill $cpid $spid; wait $cpid 2>/dev/null || true
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
