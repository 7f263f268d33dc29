#!/bin/sh
# Collector limits: a peer that never says HELLO, one that stalls half-way
# through a frame, and one that sends faster than its byte budget are dealt
# with (closed, closed, slowed down) while a good agent is not affected; a
# slowed agent loses nothing.
. "$(dirname "$0")/../lib.sh"

cat > "$T/c.conf" <<CONF
db $T/c.db
plaintext yes
hello_timeout 1
frame_timeout 2
max_agent_kbps 1
CONF
start_collector coll -c "$T/c.conf"
ADDR=127.0.0.1:$COLLECTOR_PORT
export FAKEAGENT_WAIT_MS=8000

t0=$(date +%s)
"$B/tools/fakeagent" "$ADDR" bad silent > "$T/silent.log" 2>&1 &
p1=$!
"$B/tools/fakeagent" "$ADDR" bad stall > "$T/stall.log" 2>&1 &
p2=$!
# 40 batches of ~200 bytes at 1 KiB/s take several seconds, none lost
"$B/tools/fakeagent" "$ADDR" stream RATE rate-agent 40 > "$T/rate.log" 2>&1 ||
    { cat "$T/rate.log"; fail "rate-limited agent failed"; }
t1=$(date +%s)
wait $p1 || fail "silent peer was not closed"
wait $p2 || fail "stalled peer was not closed"
grep -q "closing: no HELLO in time" "$T/coll.log" || fail "no HELLO timeout logged"
grep -q "closing: frame not completed in time" "$T/coll.log" ||
    fail "stalled frame not logged"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute WHERE school='RATE'")
[ "$n" = 120 ] || fail "rate-limited agent: $n rows, want 120"
[ $((t1 - t0)) -ge 3 ] || fail "rate limit did not slow the agent ($((t1 - t0)) s)"
echo "limits: ok (rate-limited stream took $((t1 - t0)) s)"
