#!/bin/sh
# Fault (b), issue 5: a real classband-agent with a disk spool is killed
# with SIGKILL in the middle of streaming a replay to a real collector, and
# restarted on the same spool. The restarted agent learns from HELLO what
# the collector holds, resends the rest from its spool (including batches
# the collector committed after the kill, whose ACK never arrived) and then
# streams a second capture. Stored rows are compared with gencap's expected
# totals for both captures, per (minute, class): nothing lost, nothing
# stored twice, and the stream ends at the agent's last seq.
#
# To be sure the kill lands mid-stream, the collector is frozen (SIGSTOP)
# while the agent reads the whole capture into its spool, then thawed in
# 10 ms slices until it has stored a few batches; frozen again, the agent
# (with batches in flight in the collector's socket) is killed, and only
# then does the collector thaw and commit what had already arrived.
# Bigger runs (make soak): FAULT_MINUTES (agent minutes in the first capture).
. "$(dirname "$0")/../lib.sh"

M1=${FAULT_MINUTES:-1440}
M2=30
S1=1767225600
"$B/tools/gencap" -o "$T/p1.pcap" -c "$T/p1.csv" -e "$T/p1.json" -n 8 \
    -m "$M1" -p 20 -s 7 --start $S1 > /dev/null || fail "gencap 1"
"$B/tools/gencap" -o "$T/p2.pcap" -c "$T/p2.csv" -e "$T/p2.json" -n 8 \
    -m $M2 -p 20 -s 8 --start $((S1 + M1 * 60)) > /dev/null || fail "gencap 2"
cmp -s "$T/p1.csv" "$T/p2.csv" || fail "gencap class maps differ"

start_collector coll --db "$T/c.db"
ADDR=127.0.0.1:$COLLECTOR_PORT
agent() {
    "$B/classband-agent" --replay "$1" --classes "$T/p1.csv" \
        --collector "$ADDR" --school AKILL --agent-id akill \
        --spool "$T/spool" > "$2" 2>&1
}

kill -STOP "$COLLECTOR_PID"
# not through agent(): $! must be the agent itself, not a subshell
"$B/classband-agent" --replay "$T/p1.pcap" --classes "$T/p1.csv" \
    --collector "$ADDR" --school AKILL --agent-id akill \
    --spool "$T/spool" > "$T/agent1.log" 2>&1 &
A1=$!
PIDS="$PIDS $A1"
sleep 2 # the agent has connected, said HELLO and spooled the capture
python3 - "$T/c.db" "$COLLECTOR_PID" "$A1" <<'PY' || fail "could not stop the agent mid-stream"
import os, signal, sqlite3, sys, time
db, coll, agent = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seq = 0
try:
    for i in range(500):
        os.kill(coll, signal.SIGCONT)
        time.sleep(0.01)
        os.kill(coll, signal.SIGSTOP)
        time.sleep(0.01)
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
        seq = con.execute("SELECT max(last_seq) FROM streams WHERE "
                          "agent_id = 'akill'").fetchone()[0] or 0
        con.close()
        if seq >= 5:
            break
    else:
        print("collector never stored 5 batches")
        sys.exit(1)
    os.kill(agent, signal.SIGKILL)
    print("collector frozen at seq %d; agent killed" % seq)
finally:
    os.kill(coll, signal.SIGCONT)
PY
wait $A1
rc=$?
[ $rc -eq 137 ] || { cat "$T/agent1.log"; fail "agent 1 exited $rc, not killed"; }
sleep 1
L1=$(sqlite3 "$T/c.db" "SELECT last_seq FROM streams WHERE agent_id = 'akill'")
echo "after the kill the collector holds seq $L1 of $M1"
[ "$L1" -lt "$M1" ] || fail "agent 1 delivered everything before the kill"
grep -q "all .* batches acknowledged" "$T/agent1.log" && fail "agent 1 finished"

agent "$T/p2.pcap" "$T/agent2.log" || { cat "$T/agent2.log"; fail "agent 2"; }
cat "$T/agent2.log"
last=$(sed -n 's/.*all \([0-9]*\) batches acknowledged.*/\1/p' "$T/agent2.log")
[ "$last" = $((M1 + M2)) ] || fail "agent 2 ended at seq $last, want $((M1 + M2))"
n=$(sqlite3 "$T/c.db" "SELECT count(*) || ' ' || max(last_seq) FROM streams WHERE agent_id = 'akill'")
[ "$n" = "1 $last" ] || fail "streams for akill: '$n', want '1 $last'"

"$B/classband-collector" query --db "$T/c.db" --school AKILL > "$T/stored.jsonl" ||
    fail "query"
python3 - "$T/p1.json" "$T/p2.json" "$T/stored.jsonl" "$T/c.db" <<'PY' || fail "stored rows differ from gencap"
import json, sqlite3, sys
keys = ("bytes_up", "bytes_down", "pkts_up", "pkts_down", "peak_up_bps",
        "peak_down_bps", "devices")
want = {}
for f in sys.argv[1:3]:
    for m in json.load(open(f))["per_minute"]:
        for c in m["classes"]:
            want[(m["minute"], c["class"])] = {k: c[k] for k in keys}
got, dup = {}, 0
for l in open(sys.argv[3]):
    r = json.loads(l)
    k = (r["ts"], r["class"])
    dup += k in got
    got[k] = {x: r[x] for x in keys}
bad = sum(1 for k in set(want) | set(got) if want.get(k) != got.get(k))
db = sqlite3.connect(sys.argv[4])
capdup = db.execute("SELECT count(*) - count(DISTINCT minute) FROM "
                    "capture_minute WHERE agent_id = 'akill'").fetchone()[0]
print("class-minutes expected %d stored %d, mismatches %d, duplicates %d, "
      "duplicate capture minutes %d" % (len(want), len(got), bad, dup, capdup))
sys.exit(1 if bad or dup or capdup else 0)
PY
echo "fault_agent_kill: ok (killed at collector seq $L1, resumed to $last)"
