#!/bin/sh
# Fault (c), issue 5: the collector is unreachable for 24 hours of agent
# time. A real agent replays a capture spanning 24 h of timestamps (gencap,
# 1440 minutes, few packets each) into its disk spool while nothing listens
# on the collector's port; then the collector starts on that port. The
# backlog must drain completely and in order: every (minute, class) gencap
# generated is stored with its exact counters, all 1440 minutes have their
# capture record, rows arrived in minute order, and streams.last_seq equals
# the agent's last seq.
# Bigger runs (make soak): FAULT_MINUTES (default 1440 = 24 h).
. "$(dirname "$0")/../lib.sh"

MIN=${FAULT_MINUTES:-1440}
S=1767225600
"$B/tools/gencap" -o "$T/day.pcap" -c "$T/day.csv" -e "$T/day.json" -n 8 \
    -m "$MIN" -p 12 -s 11 --start $S > /dev/null || fail "gencap"

PORT=$(free_port)
"$B/classband-agent" --replay "$T/day.pcap" --classes "$T/day.csv" \
    --collector "127.0.0.1:$PORT" --school BACKLOG --agent-id backlog \
    --spool "$T/spool" > "$T/agent.log" 2>&1 &
AG=$!
PIDS="$PIDS $AG"
# the agent keeps failing to connect (and keeps its spool) for a while
wait_log "$T/agent.log" "retrying in" 10 || fail "agent never tried to connect"
sleep 3
kill -0 $AG 2>/dev/null || { cat "$T/agent.log"; fail "agent gave up"; }
grep -q "connected to" "$T/agent.log" && fail "agent connected to nothing?"
fails=$(grep -c "retrying in" "$T/agent.log")
echo "agent: $fails failed connects, spool $(du -sk "$T/spool" | cut -f1) KiB"

t0=$(now_ms)
start_collector coll --db "$T/c.db" --listen "127.0.0.1:$PORT"
n=0
while kill -0 $AG 2>/dev/null; do
    n=$((n + 1))
    [ $n -le 400 ] || { cat "$T/agent.log"; fail "backlog not drained in 40 s"; }
    sleep 0.1
done
wait $AG || { cat "$T/agent.log"; fail "agent exited non-zero"; }
t1=$(now_ms)
tail -n 3 "$T/agent.log"
last=$(sed -n 's/.*all \([0-9]*\) batches acknowledged.*/\1/p' "$T/agent.log")
[ -n "$last" ] || fail "agent did not report every batch acknowledged"
stored=$(sqlite3 "$T/c.db" "SELECT last_seq FROM streams WHERE agent_id = 'backlog'")
[ "$stored" = "$last" ] || fail "streams.last_seq $stored, agent's last seq $last"
echo "backlog of $last batches drained $((t1 - t0)) ms after the collector started"

"$B/classband-collector" query --db "$T/c.db" --school BACKLOG > "$T/stored.jsonl" ||
    fail "query"
python3 - "$T/day.json" "$T/stored.jsonl" "$T/c.db" "$MIN" $S <<'PY' || fail "backlog not stored exactly and in order"
import json, sqlite3, sys
exp = json.load(open(sys.argv[1]))
nmin, start = int(sys.argv[4]), int(sys.argv[5])
keys = ("bytes_up", "bytes_down", "pkts_up", "pkts_down", "peak_up_bps",
        "peak_down_bps", "devices")
want = {(m["minute"], c["class"]): {k: c[k] for k in keys}
        for m in exp["per_minute"] for c in m["classes"]}
got, dup = {}, 0
for l in open(sys.argv[2]):
    r = json.loads(l)
    k = (r["ts"], r["class"])
    dup += k in got
    got[k] = {x: r[x] for x in keys}
bad = sum(1 for k in set(want) | set(got) if want.get(k) != got.get(k))
db = sqlite3.connect(sys.argv[3])
mins = [r[0] for r in db.execute(
    "SELECT minute FROM capture_minute WHERE agent_id = 'backlog' ORDER BY rowid")]
missing = set(range(start, start + nmin * 60, 60)) - set(mins)
cap_out = sum(1 for a, b in zip(mins, mins[1:]) if b <= a)
cls_out = db.execute(
    "SELECT count(*) FROM (SELECT minute, lag(minute) OVER (ORDER BY rowid) "
    "AS prev FROM class_minute WHERE agent_id = 'backlog') "
    "WHERE minute < prev").fetchone()[0]
span = (max(mins) - min(mins) + 60) / 3600 if mins else 0
print("span %.1f h; class-minutes expected %d stored %d, mismatches %d, "
      "duplicates %d; capture minutes %d, missing %d; out of order: "
      "capture %d, class %d" % (span, len(want), len(got), bad, dup,
                                len(mins), len(missing), cap_out, cls_out))
sys.exit(1 if bad or dup or missing or cap_out or cls_out or
         len(mins) != nmin else 0)
PY
echo "fault_backlog_24h: ok"
