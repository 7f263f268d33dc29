#!/bin/sh
# Privileges (issue 3, item 7): the agent is started as root with
# `user nobody`, opens its live capture on a veth in a namespace, and must
# then run as nobody: /proc/PID/status shows nobody's ids in every Uid and
# Gid field, no supplementary groups but nobody's, no effective
# capabilities, while the capture still counts: UDP sent with trafgen after
# the switch is stored per class with exactly trafgen's byte counts.
# Exit 77 without root or namespaces.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip "live_privdrop: needs root"
for t in ip sqlite3 python3 getent; do
    command -v $t > /dev/null 2>&1 || skip "live_privdrop: $t not installed"
done
getent passwd nobody > /dev/null || skip "live_privdrop: no user nobody"
NUID=$(getent passwd nobody | cut -d: -f3)
NGID=$(getent passwd nobody | cut -d: -f4)
NS=cbv$$
LAN=${NS}lan GW=${NS}gw
ns_cleanup() { for n in $LAN $GW; do ip netns del "$n" 2>/dev/null; done; }
trap 'cleanup; ns_cleanup' EXIT
trap 'exit 1' INT TERM
ip netns add "$LAN" 2>/dev/null || skip "live_privdrop: cannot create network namespaces"
ip netns add "$GW" || fail "netns add"
ip link add g0 netns "$GW" type veth peer name l0 netns "$LAN" || fail "veth"
for n in $LAN $GW; do
    ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 > /dev/null
    ip -n "$n" link set lo up
done
ip -n "$LAN" addr add 10.2.1.10/24 dev l0
ip -n "$GW" addr add 10.2.1.1/24 dev g0
ip -n "$GW" addr add 198.51.100.1/32 dev lo
ip -n "$LAN" link set l0 up
ip -n "$GW" link set g0 up
ip -n "$LAN" route add default via 10.2.1.1
ip netns exec "$LAN" ping -c 1 -W 2 198.51.100.1 > /dev/null || fail "no route"
# the spool and temp dir must be reachable by nobody
chmod 755 "$T"

ip netns exec "$GW" "$B/classband-collector" serve --listen 127.0.0.1:0 \
    --db "$T/c.db" > "$T/coll.log" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"
i=0
until PORT=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$T/coll.log" | head -n 1); [ -n "$PORT" ]; do
    kill -0 $CPID 2>/dev/null || { cat "$T/coll.log"; fail "collector exited"; }
    [ $i -lt 100 ] || fail "collector did not listen"
    sleep 0.1; i=$((i + 1))
done
ip netns exec "$GW" "$B/tools/trafgen" sink --port 9000 > /dev/null 2>&1 &
PIDS="$PIDS $!"

cat > "$T/agent.conf" <<EOF2
school PRIV
agent_id priv-agent
collector 127.0.0.1:$PORT
plaintext yes
spool $T/spool
interface g0
user nobody
local 10.2.0.0/16
class k1 10.2.1.0/24
EOF2
ip netns exec "$GW" "$B/classband-agent" -c "$T/agent.conf" > "$T/agent.log" 2>&1 &
APID=$!
PIDS="$PIDS $APID"
i=0
until grep -q "capturing on" "$T/agent.log" 2>/dev/null; do
    kill -0 $APID 2>/dev/null || { cat "$T/agent.log"; fail "agent exited"; }
    [ $i -lt 100 ] || fail "agent did not start"
    sleep 0.05; i=$((i + 1))
done
grep Uid /proc/$APID/status
grep Gid /proc/$APID/status
grep Groups /proc/$APID/status
grep CapEff /proc/$APID/status
set -- $(sed -n 's/^Uid:\t*//p' /proc/$APID/status)
[ "$1 $2 $3 $4" = "$NUID $NUID $NUID $NUID" ] || fail "Uid is $*, want $NUID everywhere"
set -- $(sed -n 's/^Gid:\t*//p' /proc/$APID/status)
[ "$1 $2 $3 $4" = "$NGID $NGID $NGID $NGID" ] || fail "Gid is $*, want $NGID everywhere"
groups=$(sed -n 's/^Groups:[ \t]*//p' /proc/$APID/status | tr -d ' \t')
[ -z "$groups" ] || [ "$groups" = "$NGID" ] || fail "supplementary groups: $groups"
grep -q '^CapEff:[[:space:]]*0*$' /proc/$APID/status || fail "effective capabilities left"

# still capturing as nobody
ip netns exec "$LAN" "$B/tools/trafgen" send --src 10.2.1.10 \
    --dst 198.51.100.1 --port 9000 --count 500 --sizes 1500,60 > "$T/sent" ||
    fail "trafgen"
sleep 1
set -- $(sed -n 's/^Uid:\t*//p' /proc/$APID/status)
[ "$1" = "$NUID" ] || fail "uid changed back"
kill -TERM $APID
wait $APID || { cat "$T/agent.log"; fail "agent exit status"; }
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' > "$T/empty.pcap"
chmod 644 "$T/empty.pcap"
timeout 20 ip netns exec "$GW" "$B/classband-agent" -c "$T/agent.conf" \
    --replay "$T/empty.pcap" > "$T/drain.log" 2>&1 || { cat "$T/drain.log" "$T/coll.log"; fail "drain"; }
want=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["ip_bytes"], r["pkts"])' "$T/sent")
got=$(sqlite3 "$T/c.db" "SELECT sum(bytes_up), sum(pkts_up) FROM class_minute WHERE school='PRIV' AND class='k1'" | tr '|' ' ')
echo "trafgen: $want; stored: $got"
[ "$want" = "$got" ] || fail "stored $got, trafgen sent $want"
echo "live_privdrop: ok"
