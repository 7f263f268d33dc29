#!/bin/sh
# The collector pushes a school's class map from the registry to its agent
# (CONFIG frame) when the agent connects, and again within `config_check`
# seconds after the registry changes. A live agent and the collector run in
# a network namespace of the test's own, on its loopback.
. "$(dirname "$0")/../lib.sh"

ns=cbpush$$
ip netns add $ns 2>/dev/null || skip "cannot create a network namespace"
trap 'ip netns del $ns 2>/dev/null; cleanup' EXIT INT TERM
ip -n $ns link set lo up
NS="ip netns exec $ns"

cat > "$T/schools.csv" <<CSV
code,name,district,region,type,students,teachers,classes,contracted_mbps
PUSH1,推送测试学校,测试区,urban,primary,400,30,2,100
CSV
cat > "$T/classes1.csv" <<CSV
school,class,name,grade,kind,subnets,vlan
PUSH1,c1,一年级1班,一年级,classroom,10.16.1.0/24,
PUSH1,c2,一年级2班,一年级,classroom,10.16.2.0/24,
CSV
cat > "$T/classes2.csv" <<CSV
school,class,name,grade,kind,subnets,vlan
PUSH1,c1,一年级1班,一年级,classroom,10.16.1.0/24,
PUSH1,c2,一年级2班,一年级,classroom,10.16.2.0/24,
PUSH1,c3,一年级3班,一年级,classroom,10.16.3.0/24,
CSV
C="$B/classband-collector"
$C import schools "$T/schools.csv" --db "$T/c.db" > /dev/null || fail "import schools"
$C import classes "$T/classes1.csv" --db "$T/c.db" > /dev/null || fail "import classes"
printf 'db %s\nconfig_check 1\nplaintext yes\n' "$T/c.db" > "$T/c.conf"

$NS "$C" serve -c "$T/c.conf" --listen 127.0.0.1:0 > "$T/coll.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 1 50); do
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/coll.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "collector did not start"
cat > "$T/a.conf" <<CONF
school PUSH1
collector 127.0.0.1:$port
plaintext yes
interface lo
class placeholder 192.0.2.0/24
spool $T/spool
CONF
$NS "$B/classband-agent" -c "$T/a.conf" > "$T/agent.log" 2>&1 &
PIDS="$PIDS $!"

wait_log() { # PATTERN SECONDS
    for i in $(seq 1 $(($2 * 10))); do
        grep -q "$1" "$T/agent.log" && return 0
        sleep 0.1
    done
    cat "$T/agent.log"; fail "agent never logged: $1"
}
wait_log "class map version .* from the collector: 2 classes" 10
$C import classes "$T/classes2.csv" --db "$T/c.db" > /dev/null || fail "re-import"
wait_log "class map version .* from the collector: 3 classes" 10
grep -q "pushed config" "$T/coll.log" || fail "collector did not log the push"
echo "config push: ok"
