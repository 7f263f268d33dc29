#!/bin/sh
# Reconnect after a collector restart (issue 5, item 3; goal: 2,000 agents
# all streaming again within 60 s). Runs tests/integration/
# fault_restart_2000.sh (2,000 loadgen agents, collector SIGKILLed and
# started again on the same port after BENCH_DOWN_SECS) BENCH_ROUNDS times
# and tabulates: time from the new collector's start until the last agent
# had a batch acknowledged on its new connection, and each agent's own
# reconnect time (connection lost -> streaming) as min / median / p99 / max.
# Env: BENCH_AGENTS (2000) BENCH_ROUNDS (2) BENCH_DOWN_SECS (2).
. "$(dirname "$0")/bench.inc"

AGENTS=${BENCH_AGENTS:-2000}
ROUNDS=${BENCH_ROUNDS:-2}
DOWN=${BENCH_DOWN_SECS:-2}
echo "## reconnect: $AGENTS agents, collector down ${DOWN} s then restarted"
echo
echo "| round | all streaming again after restart | per-agent reconnect min / median / p99 / max (from loss) | rows verified |"
echo "|---|---|---|---|"
r=1
while [ $r -le "$ROUNDS" ]; do
    FAULT_AGENTS=$AGENTS FAULT_DOWN_SECS=$DOWN BUILD=$BUILD \
        sh tests/integration/fault_restart_2000.sh > "$T/r$r.out" 2>&1 ||
        { tail -n 20 "$T/r$r.out"; fail "fault_restart_2000"; }
    took=$(sed -n 's/^restart: all .* again \([0-9]*\) ms after.*/\1/p' "$T/r$r.out")
    st=$(sed -n 's/^loadgen: reconnect .* min \([0-9.]*\) s median \([0-9.]*\) s p99 \([0-9.]*\) s max \([0-9.]*\) s.*/\1 \/ \2 \/ \3 \/ \4 s/p' "$T/r$r.out")
    rows=$(sed -n 's/^loadgen: verify .*: \([0-9]*\) agents, \([0-9]*\) rows stored.*OK/\2 rows, OK/p' "$T/r$r.out")
    echo "| $r | $(awk "BEGIN {printf \"%.2f s\", $took / 1000}") | $st | $rows |"
    r=$((r + 1))
done
echo
echo "goal: all $AGENTS streaming again within 60 s of the restart"
echo
