#!/bin/sh
# Fault (d), issue 5: the collector's disk fills up. Its database lives on a
# small tmpfs mounted for this test (root only; skipped otherwise). After a
# first load is acknowledged, the filesystem is filled; then a real agent
# (disk spool, replaying a gencap capture) and 20 simulated agents
# (loadgen) stream. Checked: the collector logs a clear "disk is full"
# error and tells the agents, it stays up, the agents keep their batches
# (the real agent is still running with its spool; loadgen's records are
# intact), nothing acknowledged before is lost (count and byte sums of the
# first load unchanged), and once space is freed ingest resumes by itself:
# loadgen's verify and gencap's per-minute totals match exactly.
# Bigger runs (make soak): FAULT_FULL_SECS (how long the disk stays full).
. "$(dirname "$0")/../lib.sh"

FULL_SECS=${FAULT_FULL_SECS:-4}
[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
mkdir "$T/fs"
mount -t tmpfs -o size=48m,mode=0700 tmpfs "$T/fs" 2>/dev/null ||
    skip "cannot mount a tmpfs here"
cleanup_fs() {
    for p in $PIDS; do kill "$p" 2>/dev/null; kill -CONT "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    umount "$T/fs" 2>/dev/null || umount -l "$T/fs"
    cleanup
}
trap cleanup_fs EXIT INT TERM

DB=$T/fs/c.db
start_collector coll --db "$DB"
ADDR=127.0.0.1:$COLLECTOR_PORT

# 1. a first load, acknowledged and verified
"$B/tools/loadgen" -a "$ADDR" -n 20 -b 10 -i 0 -p pre -D "$DB" -T 60 \
    > "$T/lg1.out" 2>&1 || { cat "$T/lg1.out"; fail "first load"; }
q_pre="SELECT count(*), sum(bytes_up), sum(bytes_down) FROM class_minute WHERE agent_id LIKE 'pre-%'"
before=$(sqlite3 "$DB" "$q_pre")
echo "acknowledged before the disk filled: $before (rows, up, down)"

# 2. fill the filesystem
dd if=/dev/zero of="$T/fs/filler" bs=64k > /dev/null 2>&1
dd if=/dev/zero of="$T/fs/filler2" bs=512 > /dev/null 2>&1
df -k "$T/fs" | tail -n 1

# 3. agents stream into a full disk: loadgen first, the agent once ingest
# has failed
"$B/tools/gencap" -o "$T/s.pcap" -c "$T/s.csv" -e "$T/s.json" -n 8 -m 60 \
    -p 200 -s 5 --start 1767225600 > /dev/null || fail "gencap"
"$B/tools/loadgen" -a "$ADDR" -n 20 -b 60 -i 20 -p dur --backoff-min 100 \
    --backoff-max 1000 -D "$DB" -T 90 > "$T/lg2.out" 2> "$T/lg2.err" &
LG=$!
PIDS="$PIDS $LG"

wait_log "$T/coll.log" "database or disk is full" 30 ||
    { tail "$T/coll.log"; fail "collector did not report the full disk"; }
grep -m 1 "database or disk is full" "$T/coll.log"
# a refused batch or HELLO says "storage full" (one line per 10 s: every
# agent is turned away at once)
wait_log "$T/coll.log" "closing: collector storage full; (batch not stored|try later)" 10 ||
    fail "collector did not say why it closed the agents"
# the real agent starts while ingest is refused
"$B/classband-agent" --replay "$T/s.pcap" --classes "$T/s.csv" \
    --collector "$ADDR" --school FULL --agent-id full --spool "$T/spool" \
    > "$T/agent.log" 2>&1 &
AG=$!
PIDS="$PIDS $AG"
sleep "$FULL_SECS"
kill -0 "$COLLECTOR_PID" 2>/dev/null || fail "collector died on a full disk"
kill -0 $AG 2>/dev/null || { cat "$T/agent.log"; fail "agent stopped while the disk was full"; }
kill -0 $LG 2>/dev/null || { cat "$T/lg2.out"; fail "loadgen stopped while the disk was full"; }
grep -q "collector says: collector storage" "$T/agent.log" ||
    { cat "$T/agent.log"; fail "agent was not told about the full disk"; }
spool_kb=$(du -sk "$T/spool" | cut -f1)
full_errs=$(grep -c "database or disk is full" "$T/coll.log")
during=$(sqlite3 "$DB" "$q_pre")
[ "$during" = "$before" ] || fail "acknowledged rows changed: $before -> $during"
echo "disk full for ${FULL_SECS}s: $full_errs storage errors logged, agent spool ${spool_kb} KiB"

# 4. space returns: ingest resumes without a restart (the free space then
# holds several times what is left to store)
rm -f "$T/fs/filler" "$T/fs/filler2"
t0=$(now_ms)
wait $LG
rc=$?
cat "$T/lg2.out"
[ $rc -eq 0 ] || { tail "$T/lg2.err"; fail "loadgen after the disk was freed"; }
n=0
while kill -0 $AG 2>/dev/null; do
    n=$((n + 1)); [ $n -le 600 ] || fail "agent did not drain in 60 s"
    sleep 0.1
done
wait $AG || { cat "$T/agent.log"; fail "agent exited non-zero"; }
echo "ingest resumed; all drained $(( $(now_ms) - t0 )) ms after space returned"
grep "batches acknowledged" "$T/agent.log" || fail "agent: not all acknowledged"
after=$(sqlite3 "$DB" "$q_pre")
[ "$after" = "$before" ] || fail "acknowledged rows changed: $before -> $after"
grep -q "verify .* 0 mismatches: OK" "$T/lg2.out" || fail "loadgen verify"

"$B/classband-collector" query --db "$DB" --school FULL > "$T/stored.jsonl" ||
    fail "query"
python3 - "$T/s.json" "$T/stored.jsonl" <<'PY' || fail "agent rows differ from gencap"
import json, sys
keys = ("bytes_up", "bytes_down", "pkts_up", "pkts_down", "peak_up_bps",
        "peak_down_bps", "devices")
want = {(m["minute"], c["class"]): {k: c[k] for k in keys}
        for m in json.load(open(sys.argv[1]))["per_minute"]
        for c in m["classes"]}
got, dup = {}, 0
for l in open(sys.argv[2]):
    r = json.loads(l)
    k = (r["ts"], r["class"])
    dup += k in got
    got[k] = {x: r[x] for x in keys}
bad = sum(1 for k in set(want) | set(got) if want.get(k) != got.get(k))
print("class-minutes expected %d stored %d, mismatches %d, duplicates %d"
      % (len(want), len(got), bad, dup))
sys.exit(1 if bad or dup else 0)
PY
kill -0 "$COLLECTOR_PID" || fail "collector died"
echo "fault_disk_full: ok"
