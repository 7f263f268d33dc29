#!/bin/sh
# make demo: a collector on an embedded SQLite file, an agent replaying a
# generated school capture into it, and the per-class figures read back
# from the store. Everything lives in $DEMO (default ./demo-run).
set -eu
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=$(cd "$BUILD" && pwd)
DEMO=${DEMO:-$top/demo-run}
rm -rf "$DEMO"
mkdir -p "$DEMO"
echo "== classband demo in $DEMO"
"$B/tools/gencap" -o "$DEMO/school.pcap" -c "$DEMO/classes.csv" \
    -e "$DEMO/expected.json" -n 12 -m 10 -p 3000 -s 2026 > /dev/null
echo "generated a school capture: $(wc -l < "$DEMO/classes.csv") class-map lines, 10 minutes"
"$B/classband-collector" serve --listen 127.0.0.1:0 --db "$DEMO/classband.db" \
    > "$DEMO/collector.log" 2>&1 &
cpid=$!
trap 'kill $cpid 2>/dev/null' EXIT
port=""
for i in $(seq 1 100); do
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$DEMO/collector.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$DEMO/collector.log"; exit 1; }
echo "collector listening on 127.0.0.1:$port, store $DEMO/classband.db"
"$B/classband-agent" --replay "$DEMO/school.pcap" --classes "$DEMO/classes.csv" \
    --collector "127.0.0.1:$port" --school 340102001 --agent-id demo-gw \
    2> "$DEMO/agent.log"
tail -n 1 "$DEMO/agent.log" | sed 's/^.*agent: /agent: /'
kill $cpid; wait $cpid 2>/dev/null || true
trap - EXIT
echo
echo "per-class figures read back from the store (school 340102001):"
sqlite3 -header -column "$DEMO/classband.db" "
SELECT class,
       count(*) AS minutes,
       sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down,
       round(max(peak_up_bps) / 1e3, 1) AS peak_up_kbps,
       round(max(peak_down_bps) / 1e3, 1) AS peak_down_kbps,
       max(devices) AS max_devices
FROM class_minute WHERE school = '340102001'
GROUP BY class ORDER BY class;"
