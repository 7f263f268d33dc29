#!/bin/sh
# Load (issue 7, item 6): 1,000 simulated agents (tests/tools/loadgen)
# stream into a real collector while 50 concurrent API clients (wrk,
# cycling over schools, a school, series, agents, the evaluation, /metrics)
# read from it. Measured twice: throughput (agents send as fast as ACKs
# allow) and paced (each agent a batch every PACE ms), each with and
# without the API clients. Passes when no API request fails and ingest is
# at least 80% of its rate without API load. Opt-in (minutes of CPU on a
# 2-core machine): HTTP_LOAD=1 sh tests/integration/http_load.sh
. "$(dirname "$0")/http/common.sh"
[ "${HTTP_LOAD:-0}" = 1 ] || skip "load test is opt-in: HTTP_LOAD=1"
command -v wrk >/dev/null || skip "wrk not installed"
LG=$B/tools/loadgen
[ -x "$LG" ] || skip "no $LG (make tools)"
AGENTS=${AGENTS:-1000}
BATCHES=${BATCHES:-30}
PACE=${PACE:-500}
CLIENTS=${CLIENTS:-50}
ulimit -n 8192 2>/dev/null || true

noc_district
noc_start "http_max_conns 256" "http_threads ${HTTP_THREADS:-2}"
export TOKEN

# run_lg NAME INTERVAL: prints rows/s of one loadgen run
run_lg() {
    "$LG" -a "127.0.0.1:$AGENT_PORT" -n "$AGENTS" -b "$BATCHES" -c 8 \
        -i "$2" -p "$1" -T 300 > "$T/lg-$1.log" 2>&1 ||
        { tail "$T/lg-$1.log"; fail "loadgen $1"; }
    sed -n 's/.*rows_per_s=\([0-9.]*\).*/\1/p' "$T/lg-$1.log"
}
# with_api NAME INTERVAL: the same with wrk running for its whole length
with_api() {
    wrk -t 2 -c "$CLIENTS" -d 600s --timeout 10s -s tests/integration/http/mixed.lua \
        "$URL" > "$T/wrk-$1.log" 2>&1 &
    wpid=$!
    # and a scraper, once a second
    ( while :; do
          curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
              -H "Authorization: Bearer $TOKEN" "$URL/metrics"
          sleep 1
      done ) > "$T/scrape-$1.log" 2>&1 &
    spid=$!
    sleep 2
    r=$(run_lg "$1" "$2")
    kill $spid 2>/dev/null; wait $spid 2>/dev/null
    kill -INT $wpid 2>/dev/null; wait $wpid 2>/dev/null
    echo "$r"
}
base_tp=$(run_lg tp0 0)
api_tp=$(with_api tp1 0)
base_pace=$(run_lg pc0 "$PACE")
api_pace=$(with_api pc1 "$PACE")
# wrk interrupted by SIGINT still prints its summary (done())
grep -h "^wrk:" "$T/wrk-tp1.log" "$T/wrk-pc1.log" || { cat "$T/wrk-tp1.log"; fail "no wrk summary"; }
for f in "$T"/scrape-*.log; do
    awk '$1 != 200 { bad++ } { n++; if ($2 > max) max = $2 }
         END { printf "load: /metrics scrapes %d, failed %d, slowest %.3f s\n", n, bad, max
               exit bad > 0 }' "$f" || fail "a /metrics scrape failed"
done
echo "load: agents=$AGENTS batches/agent=$BATCHES classes=8 api_clients=$CLIENTS"
echo "load: throughput rows/s: alone $base_tp, with API $api_tp"
echo "load: paced ($PACE ms/agent) rows/s: alone $base_pace, with API $api_pace"
noc_stop
python3 - "$base_tp" "$api_tp" "$base_pace" "$api_pace" "$T/wrk-tp1.log" "$T/wrk-pc1.log" <<'PY'
import re, sys
b_tp, a_tp, b_pc, a_pc = map(float, sys.argv[1:5])
ok = True
for f in sys.argv[5:]:
    m = re.search(r"requests=(\d+) non2xx=(\d+) errors=(\d+)", open(f).read())
    if not m or int(m.group(2)) or int(m.group(3)) or not int(m.group(1)):
        print("load: API requests failed: %s" % (m.group(0) if m else "no summary"))
        ok = False
print("load: throughput with API = %.0f%% of alone; paced = %.0f%%" % (100 * a_tp / b_tp, 100 * a_pc / b_pc))
if a_pc < 0.8 * b_pc:
    print("load: paced ingest slowed by more than 20%")
    ok = False
sys.exit(0 if ok else 1)
PY
