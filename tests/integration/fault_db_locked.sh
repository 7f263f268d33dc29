#!/bin/sh
# Fault, issue 5 (found by loadgen): a storage error on one batch must not
# lose that batch. Another process (here python's sqlite3; in production
# the rollup thread, a backup, an operator's sqlite3 shell) holds the
# database's write lock longer than the collector's busy timeout while 20
# simulated agents stream. The batch the writer was trying to store fails
# ("database is locked"), its connection is closed with an ERROR, and the
# agent must get it stored on its next connection. Checked by loadgen's own
# record against the SQLite file: every row stored exactly once.
#
# The failure this exposes: batches the same connection had already queued
# behind the failed one are still stored once the lock is gone, so the
# stream's last_seq passes the failed seq; at the next HELLO the agent is
# told the collector holds everything up to there and never resends it.
# Env: FAULT_LOCK_SECS (7.5; must exceed the collector's busy timeout, 5 s).
. "$(dirname "$0")/../lib.sh"

LOCK=${FAULT_LOCK_SECS:-7.5}
start_collector coll --db "$T/c.db"
"$B/tools/loadgen" -a "127.0.0.1:$COLLECTOR_PORT" -n 20 -b 240 -i 50 \
    --backoff-min 100 --backoff-max 1000 -D "$T/c.db" -T 60 \
    > "$T/lg.out" 2> "$T/lg.err" &
LG=$!
PIDS="$PIDS $LG"
wait_log "$T/lg.out" "all 20 agents streaming" 20 || fail "agents did not connect"
sleep 1
python3 - "$T/c.db" "$LOCK" <<'PY' || fail "could not lock the database"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
print("write lock held for %s s" % sys.argv[2])
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
PY
wait $LG
rc=$?
cat "$T/lg.out"
grep "database is locked" "$T/coll.log" | head -n 3
grep -q "database is locked" "$T/coll.log" ||
    echo "note: no storage error happened (busy timeout above ${LOCK}s?)"
if [ $rc -ne 0 ]; then
    sqlite3 "$T/c.db" "SELECT agent_id, last_seq FROM streams" > "$T/streams.txt"
    python3 - "$T/c.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for agent, last in db.execute("SELECT agent_id, last_seq FROM streams"):
    have = {r[0] for r in db.execute(
        "SELECT DISTINCT (minute - 1767225600) / 60 + 1 FROM class_minute "
        "WHERE agent_id = ?", (agent,))}
    gone = sorted(set(range(1, last + 1)) - have)
    if gone:
        print("%s: streams.last_seq %d but seqs %s were never stored"
              % (agent, last, gone))
PY
    fail "a batch refused on a storage error was lost (see above)"
fi
echo "fault_db_locked: ok"
