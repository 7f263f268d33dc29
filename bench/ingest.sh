#!/bin/sh
# Ingest benchmark (issue 5, item 9): rows per second stored end to end by a
# real collector from 1,000 connected simulated agents (tools/loadgen,
# 60-class per-minute batches, all agents connected before any batch is
# released, every row then verified in the SQLite file), next to the
# ceiling measured in the same run on the same disk: the same rows inserted
# by tools/ingestceil with one prepared statement in 1,000,000-row
# transactions into a database with the collector's schema. Rounds
# alternate the two; the table shows every round and the medians.
# Two figures each: wall-clock rows/s (what the goal is about; sensitive to
# whatever else the machine runs) and rows per CPU-second of the storing
# process (the collector, both threads, from /proc/PID/stat; ingestceil's
# own inserting time), which does not depend on other load.
# Env: BENCH_AGENTS (1000) BENCH_BATCHES (30) BENCH_ROUNDS (3) BENCH_TMP.
. "$(dirname "$0")/bench.inc"

AGENTS=${BENCH_AGENTS:-1000}
BATCHES=${BENCH_BATCHES:-30}
ROUNDS=${BENCH_ROUNDS:-3}
HZ=$(getconf CLK_TCK)
ulimit -n $((AGENTS * 2 + 512)) 2>/dev/null
pct() { awk "BEGIN {printf \"%.0f%%\", 100 * $1 / $2}"; }

e2e=""; ceil=""; e2ec=""; ceilc=""; ratios=""
echo "## ingest: $AGENTS agents x $BATCHES batches x 60 classes = $((AGENTS * BATCHES * 60)) rows per run"
echo "($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; db in $(df -T "$T" | awk 'NR==2 {print $2}') $T)"
echo
echo "| round | end to end rows/s | ceiling rows/s | ratio | end to end rows/CPU-s | ceiling rows/CPU-s | ratio |"
echo "|---|---|---|---|---|---|---|"
r=1
while [ $r -le "$ROUNDS" ]; do
    rm -f "$T"/c.db* "$T"/ceil.db*
    start_collector coll$r --db "$T/c.db"
    sleep 0.3
    t0=$(cpu_ticks "$COLLECTOR_PID")
    "$B/tools/loadgen" -a "127.0.0.1:$COLLECTOR_PORT" -n "$AGENTS" \
        -b "$BATCHES" -i 0 --together --ramp 1000 -D "$T/c.db" -T 300 \
        > "$T/lg$r.out" 2>&1 || { cat "$T/lg$r.out"; fail "loadgen"; }
    t1=$(cpu_ticks "$COLLECTOR_PID")
    stop_pid "$COLLECTOR_PID"
    a=$(sed -n 's/^loadgen: result .*rows_per_s=\([0-9]*\).*/\1/p' "$T/lg$r.out")
    rows=$(sed -n 's/^loadgen: result .* rows=\([0-9]*\).*/\1/p' "$T/lg$r.out")
    ac=$(awk "BEGIN {printf \"%.0f\", $rows * $HZ / ($t1 - $t0)}")
    "$B/tools/ingestceil" -D "$T/ceil.db" -n "$AGENTS" -b "$BATCHES" \
        > "$T/ceil$r.out" 2> "$T/ceil$r.err" ||
        { cat "$T/ceil$r.err"; fail "ingestceil"; }
    c=$(sed -n 's/^ingestceil: result .*rows_per_s=\([0-9]*\) .*/\1/p' "$T/ceil$r.out")
    cc=$(sed -n 's/^ingestceil: result .*rows_per_cpu_s=\([0-9]*\).*/\1/p' "$T/ceil$r.out")
    echo "| $r | $a | $c | $(pct $a $c) | $ac | $cc | $(pct $ac $cc) |"
    e2e="$e2e $a"; ceil="$ceil $c"; e2ec="$e2ec $ac"; ceilc="$ceilc $cc"
    ratios="$ratios $(awk "BEGIN {printf \"%.1f\", 100 * $a / $c}")"
    r=$((r + 1))
done
ma=$(median $e2e); mc=$(median $ceil); mac=$(median $e2ec); mcc=$(median $ceilc)
echo "| median | $ma | $mc | $(pct $ma $mc) | $mac | $mcc | $(pct $mac $mcc) |"
echo
mr=$(median $ratios)
echo "median of the per-round ratios (same round, same disk): ${mr}%"
echo "goal: end to end >= 60% of the ceiling: $(awk "BEGIN {print ($mr >= 60) ? \"met\" : \"NOT met\"}")"
echo
