#!/bin/sh
# Authenticated agents (issue: security). A collector with TLS 1.3 and
# per-agent keys; while a legitimate agent streams, 10,000 connection
# attempts with a wrong key, an unknown identity, an expired key, a revoked
# key, another school's credentials, no TLS, and garbage store nothing and
# do not disturb it. A recorded session replayed later stores nothing. The
# real agent, enrolled, replays a capture whose totals are checked.
. "$(dirname "$0")/../lib.sh"
C="$B/classband-collector"
N=${SEC_TLS_ATTEMPTS:-10000}

cred() { sed -n "s/^tls_key //p" "$T/$1.cred"; }
$C enroll 340102001 --db "$T/c.db" --agent-id gw-a > "$T/a.cred" 2>/dev/null || fail "enroll a"
$C enroll 340102002 --db "$T/c.db" --agent-id gw-b > "$T/b.cred" 2>/dev/null || fail "enroll b"
$C enroll 340102003 --db "$T/c.db" --agent-id gw-x --expires 2020-01-01 > "$T/x.cred" 2>/dev/null || fail "enroll x"
$C enroll 340102004 --db "$T/c.db" --agent-id gw-r > "$T/r.cred" 2>/dev/null || fail "enroll r"
$C enroll --revoke gw-r --db "$T/c.db" > /dev/null 2>&1 || fail "revoke"
grep -q "^tls_key [0-9a-f]\{64\}$" "$T/a.cred" || fail "enroll printed no key"

printf 'db %s\nlisten 127.0.0.1:0\n' "$T/c.db" > "$T/c.conf"
"$C" serve -c "$T/c.conf" > "$T/coll.log" 2>&1 &
COLLECTOR_PID=$!
PIDS="$PIDS $COLLECTOR_PID"
for i in $(seq 1 50); do
    PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/coll.log" | head -n 1)
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { cat "$T/coll.log"; fail "collector did not start"; }
grep -q "TLS 1.3 with per-agent keys; 4 agents enrolled" "$T/coll.log" ||
    fail "collector is not using TLS"
ADDR=127.0.0.1:$PORT
P="$B/tools/tlsprobe"

# a legitimate agent streams during the whole attack
"$P" "$ADDR" legit gw-a "$(cred a)" 340102001 600 > "$T/legit.log" 2>&1 &
legit=$!
t0=$(date +%s)
"$P" "$ADDR" attack "$N" gw-a 0000000000000000000000000000000000000000000000000000000000000000 \
    340102001 gw-b "$(cred b)" gw-x "$(cred x)" gw-r "$(cred r)" > "$T/attack.log" 2>&1 ||
    { cat "$T/attack.log"; fail "an attack attempt was accepted"; }
t1=$(date +%s)
wait $legit || { cat "$T/legit.log"; fail "the legitimate agent was disturbed"; }
cat "$T/attack.log"
echo "$N attempts in $((t1 - t0)) s; $(cat "$T/legit.log")"
kill -0 "$COLLECTOR_PID" || fail "collector died"

n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute")
[ "$n" = 600 ] || fail "$n rows stored, want the legitimate 600"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM streams WHERE agent_id <> 'gw-a'")
[ "$n" = 0 ] || fail "an attacker got a delivery stream"
for why in "unknown agent identity" "credentials expired" "credentials revoked" \
           "credentials are for another school" "does not speak TLS" \
           "handshake failed"; do
    grep -q "$why" "$T/coll.log" || fail "no refusal logged for: $why"
done

# a recorded session sent again stores nothing new
before=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute")
"$P" "$ADDR" replay gw-a "$(cred a)" 340102001 > "$T/replay.log" 2>&1 ||
    { cat "$T/replay.log"; fail "replay tool"; }
sleep 0.5
after=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute")
[ "$after" = $((before + 1)) ] ||
    fail "replayed session: $before -> $after rows (want exactly the original 1)"
cat "$T/replay.log"

# the real agent, with the credentials enroll printed
"$B/tools/gencap" -o "$T/s.pcap" -c "$T/s.csv" -e "$T/s.json" -n 5 -m 3 -p 400 > /dev/null
{ grep -v '^#' "$T/b.cred"; echo "collector $ADDR"; } > "$T/agent.conf"
chmod 600 "$T/agent.conf"
"$B/classband-agent" -c "$T/agent.conf" --replay "$T/s.pcap" --classes "$T/s.csv" \
    > "$T/agent.log" 2>&1 || { cat "$T/agent.log"; fail "enrolled agent"; }
python3 - "$T/s.json" "$T/c.db" <<'PY' || fail "agent totals over TLS differ"
import json, sqlite3, sys
exp = {c["class"]: c["bytes_up"] + c["bytes_down"] for c in json.load(open(sys.argv[1]))["classes"]}
db = sqlite3.connect(sys.argv[2])
got = dict(db.execute("SELECT class, sum(bytes_up + bytes_down) FROM class_minute "
                      "WHERE school = '340102002' GROUP BY class"))
sys.exit(0 if exp == got else 1)
PY
echo "sec_tls: ok"
