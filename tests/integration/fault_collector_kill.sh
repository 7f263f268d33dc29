#!/bin/sh
# Fault (a), issue 5: the collector is killed with SIGKILL every few seconds
# while 200 simulated agents (tools/loadgen, one libuv loop) stream per-minute
# batches in accelerated time; each time it restarts on the same port and
# database. loadgen's agents reconnect with jittered backoff and resend from
# the seq the collector reports at HELLO. At the end loadgen compares its own
# record of every row it sent with the SQLite file: every row stored exactly
# once (rows, byte and packet sums per agent; no (agent, minute, class)
# twice; streams.last_seq = the last seq sent), and no HELLO ever reported a
# lower seq than one already acknowledged.
# Bigger runs (make soak): FAULT_AGENTS FAULT_BATCHES FAULT_INTERVAL
# FAULT_KILLS FAULT_PERIOD.
. "$(dirname "$0")/../lib.sh"

AGENTS=${FAULT_AGENTS:-200}
BATCHES=${FAULT_BATCHES:-120}   # agent minutes each agent sends
INTERVAL=${FAULT_INTERVAL:-100} # real ms per agent minute
KILLS=${FAULT_KILLS:-4}
PERIOD=${FAULT_PERIOD:-2.5}     # seconds between kills
ulimit -n $((AGENTS * 2 + 256)) 2>/dev/null

PORT=$(free_port)
start_collector coll0 --db "$T/c.db" --listen "127.0.0.1:$PORT"
"$B/tools/loadgen" -a "127.0.0.1:$PORT" -n "$AGENTS" -b "$BATCHES" \
    -i "$INTERVAL" --backoff-min 100 --backoff-max 2000 -D "$T/c.db" \
    -T $((BATCHES * INTERVAL / 1000 + KILLS * 5 + 60)) \
    > "$T/lg.out" 2> "$T/lg.err" &
LG=$!
PIDS="$PIDS $LG"

k=1
while [ $k -le "$KILLS" ]; do
    sleep "$PERIOD"
    kill -0 $LG 2>/dev/null || break
    rows=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute" 2>/dev/null)
    kill9_collector
    echo "kill $k: collector SIGKILLed (about $rows rows stored)"
    sleep 0.3
    start_collector "coll$k" --db "$T/c.db" --listen "127.0.0.1:$PORT"
    k=$((k + 1))
done
wait $LG
rc=$?
cat "$T/lg.out"
tail -n 5 "$T/lg.err"
[ $rc -eq 0 ] || fail "loadgen exited $rc (see above)"
[ $((k - 1)) -eq "$KILLS" ] ||
    fail "loadgen finished after $((k - 1)) kills of $KILLS; run longer"
grep -q "^loadgen: verify .* 0 mismatches: OK" "$T/lg.out" ||
    fail "stored rows differ from the rows sent"
lost=$(sed -n 's/.*connections lost \([0-9]*\),.*/\1/p' "$T/lg.out")
[ "${lost:-0}" -ge $((AGENTS * KILLS)) ] ||
    fail "only ${lost:-0} connections lost: the kills did not hit the agents"
# an independent look at the store: rows = agents x batches x 60 classes
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute")
[ "$n" -eq $((AGENTS * BATCHES * 60)) ] ||
    fail "class_minute has $n rows, want $((AGENTS * BATCHES * 60))"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM streams WHERE last_seq = $BATCHES")
[ "$n" -eq "$AGENTS" ] || fail "$n streams at last_seq $BATCHES, want $AGENTS"
echo "fault_collector_kill: ok ($KILLS kills, $AGENTS agents, $n streams complete)"
