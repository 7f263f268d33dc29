#!/bin/sh
# Capacity and reachability probes (issue 3, items 5 and 6), live:
#   SCHOOL (agent) --a0/c0, shaped with tbf 50mbit each way-- DISTRICT
# The collector runs in DISTRICT with its probe endpoint; the agent in
# SCHOOL runs one capacity probe a second after start (probe_startup_delay)
# and TCP reachability probes every second against a reachable target and a
# black-holed one. Checks:
#  - the stored probe (both directions) is within 10% of the shaped rate
#    (goodput under a 50 Mbit/s tbf is ~47.8 Mbit/s: 1448 payload bytes per
#    1514-byte frame), and the link speed is what the kernel reports for a0;
#  - reach_minute: the reachable target got through every time, the
#    black-holed one never, and reach_school_minute counts the school up;
#  - a second probe while the only test slot is taken is refused as busy.
# Exit 77 if namespaces or tbf are not available.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip "live_probe: needs root for network namespaces"
for t in ip tc sqlite3 python3; do
    command -v $t > /dev/null 2>&1 || skip "live_probe: $t not installed"
done
NS=cbp$$
SCH=${NS}sch DIS=${NS}dis
ns_cleanup() { for n in $SCH $DIS; do ip netns del "$n" 2>/dev/null; done; }
trap 'cleanup; ns_cleanup' EXIT
trap 'exit 1' INT TERM
ip netns add "$SCH" 2>/dev/null || skip "live_probe: cannot create network namespaces"
ip netns add "$DIS" || fail "netns add"
ip link add a0 netns "$SCH" type veth peer name c0 netns "$DIS" || fail "veth"
ip -n "$SCH" addr add 10.9.0.1/24 dev a0
ip -n "$DIS" addr add 10.9.0.2/24 dev c0
for n in $SCH $DIS; do ip -n "$n" link set lo up; done
ip -n "$SCH" link set a0 up
ip -n "$DIS" link set c0 up
ip -n "$SCH" route add blackhole 10.9.9.0/24
ip netns exec "$SCH" tc qdisc add dev a0 root tbf rate 50mbit burst 32kb latency 100ms ||
    skip "live_probe: tc tbf not available"
ip netns exec "$DIS" tc qdisc add dev c0 root tbf rate 50mbit burst 32kb latency 100ms ||
    skip "live_probe: tc tbf not available"

printf 'plaintext yes\nprobe_listen 10.9.0.2:0\nprobe_max_tests 1\nprobe_max_seconds 10\n' > "$T/coll.conf"
ip netns exec "$DIS" "$B/classband-collector" serve -c "$T/coll.conf" \
    --listen 10.9.0.2:0 --db "$T/c.db" > "$T/coll.log" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"
i=0
while :; do
    PORT=$(sed -n 's/.*collector: .*listening on .* (port \([0-9]*\)).*/\1/p' "$T/coll.log" | head -n 1)
    PPORT=$(sed -n 's/.*probe endpoint listening on .* (port \([0-9]*\)).*/\1/p' "$T/coll.log" | head -n 1)
    [ -n "$PORT" ] && [ -n "$PPORT" ] && break
    kill -0 $CPID 2>/dev/null || { cat "$T/coll.log"; fail "collector exited"; }
    [ $i -lt 100 ] || { cat "$T/coll.log"; fail "collector did not listen"; }
    sleep 0.1; i=$((i + 1))
done

cat > "$T/agent.conf" <<EOF
school PROBE
agent_id probe-agent
collector 10.9.0.2:$PORT
plaintext yes
spool $T/spool
interface a0
local 10.8.0.0/16
class x 10.8.0.0/24
probe_collector 10.9.0.2:$PPORT
probe_seconds 4
probe_startup_delay 1
wan_interface a0
reach_target tcp:10.9.0.2:$PPORT
reach_target tcp:10.9.9.9:80
reach_interval 1
EOF
ip netns exec "$SCH" "$B/classband-agent" -c "$T/agent.conf" > "$T/agent.log" 2>&1 &
APID=$!
PIDS="$PIDS $APID"
i=0
until grep -q "probe: capacity" "$T/agent.log" 2>/dev/null; do
    kill -0 $APID 2>/dev/null || { cat "$T/agent.log"; fail "agent exited"; }
    [ $i -lt 300 ] || { cat "$T/agent.log"; fail "no capacity probe result"; }
    sleep 0.1; i=$((i + 1))
done
grep "probe: capacity" "$T/agent.log"

# the only slot taken by a slow download: a second client is refused busy
ip netns exec "$SCH" python3 - 10.9.0.2 "$PPORT" <<'PY' || fail "busy refusal"
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
a = socket.create_connection((host, port), timeout=5)
a.sendall(b"CBP1\x02\x03\x00\x00")
assert a.recv(1) == b"O", "first test not accepted"
b = socket.create_connection((host, port), timeout=5)
b.sendall(b"CBP1\x01\x03\x00\x00")
r = b.recv(1)
print("second test while one runs:", r)
sys.exit(0 if r == b"B" else 1)
PY

sleep 1
kill -TERM $APID
wait $APID || { cat "$T/agent.log"; fail "agent exit status"; }
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' > "$T/empty.pcap"
timeout 20 ip netns exec "$SCH" "$B/classband-agent" -c "$T/agent.conf" \
    --replay "$T/empty.pcap" > "$T/drain.log" 2>&1 || { cat "$T/drain.log" "$T/coll.log"; fail "drain"; }
LINK=$(ip netns exec "$SCH" cat /sys/class/net/a0/speed 2>/dev/null || echo -1)

python3 - "$T/c.db" "$PPORT" "$LINK" <<'PY' || fail "probe results"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1]); pport = sys.argv[2]; link = int(sys.argv[3])
bad = 0
rows = con.execute("SELECT status, error, up_mbps, down_mbps, up_bytes, up_ms,"
                   " down_bytes, down_ms, link_mbps, wan_if FROM probe_capacity"
                   " WHERE school='PROBE'").fetchall()
print("probe_capacity:", rows)
if len(rows) != 1:
    print("want exactly one probe"); sys.exit(1)
st, err, up, down, ub, ums, db, dms, lm, wif = rows[0]
shaped = 50.0
for name, v in (("up", up), ("down", down)):
    if st != 0 or v is None or abs(v - shaped) / shaped > 0.10:
        print("%s: %s Mbit/s, not within 10%% of %s" % (name, v, shaped)); bad += 1
    else:
        print("%s: %.2f Mbit/s, %.1f%% from the shaped %s" % (name, v, 100 * (v - shaped) / shaped, shaped))
# the rate is bytes over time as stored, not a separate guess
if up and abs(ub * 8 / (ums * 1000) - up) / up > 0.02:
    print("up rate does not follow from bytes and time"); bad += 1
want_link = link if link > 0 else None
if lm != want_link or wif != "a0":
    print("link speed %s, kernel says %s" % (lm, want_link)); bad += 1
reach = {t: (p, o) for t, p, o in con.execute(
    "SELECT target, sum(probes), sum(ok) FROM reach_minute WHERE school='PROBE'"
    " GROUP BY target")}
print("reach:", reach)
good = reach.get("tcp:10.9.0.2:" + pport)
dead = reach.get("tcp:10.9.9.9:80")
if not good or good[0] < 5 or good[1] != good[0]:
    print("reachable target not counted up every time"); bad += 1
if not dead or dead[0] < 5 or dead[1] != 0:
    print("black-holed target not counted down"); bad += 1
up_min = con.execute("SELECT count(*), sum(up) FROM reach_school_minute"
                     " WHERE school='PROBE'").fetchone()
print("school minutes (count, up):", up_min)
if up_min[0] == 0 or up_min[1] != up_min[0]:
    print("school should be up every minute"); bad += 1
sys.exit(1 if bad else 0)
PY
echo "live_probe: ok"
