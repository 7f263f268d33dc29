#!/bin/sh
# Memory per idle agent connection (issue 5, item 9; goal <= 16 KiB).
# For each N (0, 1,000, 2,000) a fresh collector is started, N simulated
# agents (tools/loadgen) connect and then sit idle, and the collector's
# VmRSS (/proc/PID/status) is read once they are all connected; per
# connection = (RSS(N) - RSS(0)) / N. Two kinds of idle agent:
#   hello   connected and answered, nothing sent yet
#   1 batch each has sent one 60-class minute, acknowledged; then silent
#           (the steady state between two minutes of a real agent)
#   1 big batch  the same with one 600-record batch (~41 KB): the
#           collector's per-connection read buffer keeps the pages the
#           largest frame touched, so idle cost depends on batch size
# Env: BENCH_CONNS ("1000 2000").
. "$(dirname "$0")/bench.inc"

NS=${BENCH_CONNS:-1000 2000}
max=0
for n in $NS; do [ "$n" -gt $max ] && max=$n; done
ulimit -n $((max * 2 + 512)) 2>/dev/null

# rss_with N BATCHES CLASSES: prints the collector's VmRSS in KiB with N
# agents connected and idle after sending BATCHES batches each.
rss_with() {
    rm -f "$T"/c.db*
    start_collector "coll-$1-$2" --db "$T/c.db"
    sleep 0.5
    if [ "$1" -eq 0 ]; then
        vmrss_kb "$COLLECTOR_PID"
        stop_pid "$COLLECTOR_PID"
        return
    fi
    "$B/tools/loadgen" -a "127.0.0.1:$COLLECTOR_PORT" -n "$1" -b "$2" \
        -c "$3" -i 0 --ramp 1000 --hold 120 -T 120 > "$T/lg.out" 2>&1 &
    lg=$!
    wait_log "$T/lg.out" "holding" 60 || { cat "$T/lg.out" >&2; fail "loadgen"; }
    sleep 1
    vmrss_kb "$COLLECTOR_PID"
    stop_pid $lg
    stop_pid "$COLLECTOR_PID"
}

echo "## memory per idle agent connection (collector VmRSS)"
echo
echo "| idle agents | after | collector VmRSS KiB | per connection KiB |"
echo "|---|---|---|---|"
for kind in hello batch big; do
    case $kind in
    hello) label="HELLO only"; nb=0; nc=60 ;;
    batch) label="1 batch (60 classes) each"; nb=1; nc=60 ;;
    big) label="1 batch (600 classes) each"; nb=1; nc=600 ;;
    esac
    r0=$(rss_with 0 0 60)
    echo "| 0 | - | $r0 | - |"
    for n in $NS; do
        r=$(rss_with "$n" $nb $nc)
        echo "| $n | $label | $r | $(awk "BEGIN {printf \"%.1f\", ($r - $r0) / $n}") |"
    done
done
echo
echo "goal: <= 16 KiB per idle connection"
echo
