#!/bin/sh
# End to end: gencap writes a school capture with known per-class totals;
# a real collector on loopback stores what a real agent replays into it;
# the stored totals must equal the generator's exactly, per class and per
# minute. Also: the agent's --output rows equal the stored rows (same
# shape), a re-sent batch is stored once, and bad frames from other peers
# close only their own connections while a good agent streams.
. "$(dirname "$0")/../lib.sh"

"$B/tools/gencap" -o "$T/s.pcap" -c "$T/s.csv" -e "$T/s.json" -n 8 -m 5 \
    -p 2000 -s 7 > /dev/null || fail "gencap"

start_collector coll --db "$T/c.db"
ADDR=127.0.0.1:$COLLECTOR_PORT

"$B/classband-agent" --replay "$T/s.pcap" --classes "$T/s.csv" \
    --collector "$ADDR" --school E2E --agent-id e2e-agent \
    > "$T/agent.log" 2>&1 || { cat "$T/agent.log"; fail "agent replay"; }
grep -q "all .* batches acknowledged" "$T/agent.log" ||
    fail "agent did not report every batch acknowledged"

"$B/classband-collector" query --db "$T/c.db" --school E2E > "$T/stored.jsonl" ||
    fail "query"
"$B/classband-agent" --replay "$T/s.pcap" --classes "$T/s.csv" --school E2E \
    --output - > "$T/agent.jsonl" || fail "agent --output"

python3 - "$T/s.json" "$T/stored.jsonl" "$T/agent.jsonl" <<'PY' || fail "totals differ"
import json, sys
exp = json.load(open(sys.argv[1]))
stored = [json.loads(l) for l in open(sys.argv[2])]
agent = [json.loads(l) for l in open(sys.argv[3]) if '"class"' in l]
keys = ("bytes_up", "bytes_down", "pkts_up", "pkts_down")
tot = {}
for r in stored:
    t = tot.setdefault(r["class"], dict.fromkeys(keys, 0))
    for k in keys:
        t[k] += r[k]
want = {c["class"]: {k: c[k] for k in keys} for c in exp["classes"]}
bad = 0
for c in sorted(set(want) | set(tot)):
    if want.get(c) != tot.get(c):
        print("class %s: expected %s stored %s" % (c, want.get(c), tot.get(c)))
        bad += 1
# per minute, per class, including peaks and devices
mkeys = keys + ("peak_up_bps", "peak_down_bps", "devices")
pm = {(m["minute"], c["class"]): {k: c[k] for k in mkeys}
      for m in exp["per_minute"] for c in m["classes"]}
got = {(r["ts"], r["class"]): {k: r[k] for k in mkeys} for r in stored}
for k in sorted(set(pm) | set(got)):
    if pm.get(k) != got.get(k):
        print("minute/class %s: expected %s stored %s" % (k, pm.get(k), got.get(k)))
        bad += 1
# the agent's --output lines and the stored lines have one shape
norm = lambda rows: sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows)
if norm(agent) != norm(stored):
    print("agent --output and collector query differ")
    bad += 1
print("classes %d, class-minutes %d, mismatches %d" % (len(want), len(pm), bad))
sys.exit(1 if bad else 0)
PY

# A batch re-sent after a lost ACK is acknowledged and stored once.
"$B/tools/fakeagent" "$ADDR" dup DUP dup-agent || fail "dup exchange"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute WHERE school='DUP'")
[ "$n" = 3 ] || fail "duplicate batch stored $n rows, want 3"

# Bad frames close their own connection only; a good agent keeps streaming.
"$B/tools/fakeagent" "$ADDR" stream GOOD good-agent 40 > "$T/good.log" 2>&1 &
good=$!
for k in oversized badversion badtype flags garbage nohello badrecord \
         truncated badhello; do
    "$B/tools/fakeagent" "$ADDR" bad $k > "$T/bad-$k.log" 2>&1 ||
        fail "bad frame '$k' did not close its connection"
done
wait $good || { cat "$T/good.log"; fail "good agent disturbed"; }
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute WHERE school='GOOD'")
[ "$n" = 120 ] || fail "good agent: $n rows stored, want 120"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute WHERE school='BAD'")
[ "$n" = 0 ] || fail "rows from a rejected batch were stored"
grep -q "closing: frame larger than the maximum" "$T/coll.log" ||
    fail "collector did not log the oversized frame"
kill -0 "$COLLECTOR_PID" || fail "collector died"
echo "e2e: ok"
