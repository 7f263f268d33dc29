#!/bin/sh
# Issue 5, item 3: after a collector restart, 2,000 agents reconnect and are
# all streaming again within 60 seconds. 2,000 simulated agents (loadgen,
# one loop, jittered exponential backoff from 0.5 s as in the agent) stream
# per-minute batches; once all are streaming the collector is killed
# (SIGKILL, like a crash) and started again on the same port and database.
# Measured: from the moment the new collector is started to the moment the
# last agent has had a batch acknowledged on its new connection. Then
# loadgen checks every row it sent is stored exactly once.
# Bigger runs (make soak): FAULT_AGENTS FAULT_BATCHES FAULT_DOWN_SECS.
. "$(dirname "$0")/../lib.sh"

AGENTS=${FAULT_AGENTS:-2000}
BATCHES=${FAULT_BATCHES:-12}
INTERVAL=${FAULT_INTERVAL:-2000}
DOWN=${FAULT_DOWN_SECS:-2}
LIMIT_MS=60000
ulimit -n $((AGENTS * 2 + 512)) 2>/dev/null ||
    skip "cannot raise the fd limit to $((AGENTS * 2 + 512))"

PORT=$(free_port)
start_collector coll0 --db "$T/c.db" --listen "127.0.0.1:$PORT"
"$B/tools/loadgen" -a "127.0.0.1:$PORT" -n "$AGENTS" -b "$BATCHES" \
    -i "$INTERVAL" --ramp 2000 -D "$T/c.db" \
    -T $((BATCHES * INTERVAL / 1000 + DOWN + 240)) > "$T/lg.out" 2> "$T/lg.err" &
LG=$!
PIDS="$PIDS $LG"
wait_log "$T/lg.out" "all $AGENTS agents streaming" 30 ||
    { cat "$T/lg.out" "$T/lg.err"; fail "agents did not all connect"; }
sleep 2
kill9_collector
sleep "$DOWN"
t_start=$(now_ms)
start_collector coll1 --db "$T/c.db" --listen "127.0.0.1:$PORT"
# wait well past the limit, so a miss is measured rather than cut off
wait_log "$T/lg.out" "outage 1:" 240 ||
    { cat "$T/lg.out"; tail "$T/lg.err"; fail "agents not all back in 240 s"; }
t_all=$(sed -n 's/^loadgen: outage 1:.*(unix_ms \([0-9]*\)).*/\1/p' "$T/lg.out")
took=$((t_all - t_start))
wait $LG
rc=$?
cat "$T/lg.out"
[ $rc -eq 0 ] || { tail "$T/lg.err"; fail "loadgen exited $rc"; }
grep -q "^loadgen: verify .* 0 mismatches: OK" "$T/lg.out" ||
    fail "stored rows differ from the rows sent"
echo "restart: all $AGENTS agents streaming again $took ms after the collector was started (down ${DOWN}s)"
[ "$took" -le $LIMIT_MS ] || fail "took $took ms, limit $LIMIT_MS ms"
echo "fault_restart_2000: ok"
