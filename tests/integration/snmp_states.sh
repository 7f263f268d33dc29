#!/bin/sh
# snmp_states: AP status rules and the area states, on devices generated
# here (derived data in a temp dir, served by snmpsimd) whose contents fix
# the expected answer:
#   hwcount: a Huawei AC (huawei-ac profile) without hwWlanApRunState and a
#     joined-AP count (1) that differs from its 2 listed APs: the documented
#     rule cannot tell which is joined, so both are unknown, never down;
#   hwstate: the same controller with hwWlanApRunState: normal(8) = up,
#     fault(4) = down, download(7) = unknown.
# Areas over them must come out up / down / unknown / missing, and with a
# third target that does not answer, an area matching nothing becomes
# unreachable instead of missing (--snmp-once JSON).
. "$(dirname "$0")/../lib.sh"
umask 077

for c in snmpsimd snmpget jq; do
    command -v $c > /dev/null || skip "snmp_states: $c not installed"
done
export CLASSBAND_SNMP_PROFILES="$TOP/agent/profiles"
once_conf() {
    if "$B/classband-agent" --help 2>&1 | grep -q -- --snmp-once; then
        "$B/classband-agent" -c "$1" --snmp-once
    else
        "$B/tools/snmponce" -c "$1"
    fi
}
free_udp_port() {
    while :; do
        p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
        ss -Huln "sport = :$p" | grep -q . || { echo $p; return; }
    done
}
PORT=$(free_udp_port)
DEAD=$(free_udp_port)
mkdir -p "$T/data" "$T/cache"
chmod 755 "$T" "$T/data"
AP=1.3.6.1.4.1.2011.6.139.13.3.3.1
# MACs as index: 0.1.2.3.4.N
cat > "$T/data/hwcount.snmprec" <<REC
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2011.2.240.6
1.3.6.1.2.1.1.3.0|67|123456
1.3.6.1.2.1.1.5.0|4|hwcount
1.3.6.1.4.1.2011.6.139.12.1.2.1.0|2|1
$AP.4.0.1.2.3.4.1|4|ap-a
$AP.4.0.1.2.3.4.2|4|ap-b
REC
cat > "$T/data/hwstate.snmprec" <<REC
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2011.2.240.6
1.3.6.1.2.1.1.3.0|67|123456
1.3.6.1.2.1.1.5.0|4|hwstate
1.3.6.1.4.1.2011.6.139.12.1.2.1.0|2|3
$AP.4.0.1.2.3.4.3|4|ap-c
$AP.4.0.1.2.3.4.4|4|ap-d
$AP.4.0.1.2.3.4.5|4|ap-e
$AP.6.0.1.2.3.4.3|2|8
$AP.6.0.1.2.3.4.4|2|4
$AP.6.0.1.2.3.4.5|2|7
REC
chmod 644 "$T/data"/*.snmprec
if [ "$(id -u)" = 0 ]; then
    chown nobody:nogroup "$T/cache"
    asuser="--process-user=nobody --process-group=nogroup"
else
    asuser=""
fi
snmpsimd --data-dir="$T/data" --cache-dir="$T/cache" \
    --agent-udpv4-endpoint=127.0.0.1:$PORT $asuser \
    --logging-method=null > "$T/snmpsim.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until snmpget -v2c -c hwstate -t 1 -r 0 127.0.0.1:$PORT 1.3.6.1.2.1.1.3.0 > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 30 ] || { cat "$T/snmpsim.log"; fail "snmpsimd did not answer"; }
    sleep 0.5
done

errors=0
check() {
    if [ "$2" = "$3" ]; then echo "ok   $1 = $2"
    else echo "FAIL $1: got '$2', want '$3'"; errors=$((errors + 1)); fi
}
J() { jq -r "$1" "$T/out.json"; }

cat > "$T/a.conf" <<CONF
snmp_target hwcount v2c:hwcount@127.0.0.1:$PORT
snmp_target hwstate v2c:hwstate@127.0.0.1:$PORT
area count-a required ap-a
area up required ap-c
area down required ap-d
area dl required ap-e
area mixed required ap-d ap-c
area bymac required 00:01:02:03:04:04
area none required ap-zzz
CONF
once_conf "$T/a.conf" > "$T/out.json" 2> "$T/err" || { cat "$T/err"; fail "poll failed"; }
st() { J ".targets[] | select(.name == \"$1\") | .aps[] | select(.name == \"$2\") | .status + \"/\" + .status_source"; }
ar() { J ".areas[] | select(.name == \"$1\") | .state"; }
check "joined count != listed APs: ap-a" "$(st hwcount ap-a)" unknown/none
check "joined count != listed APs: ap-b" "$(st hwcount ap-b)" unknown/none
check "hwWlanApRunState normal(8)" "$(st hwstate ap-c)" up/column
check "hwWlanApRunState fault(4)" "$(st hwstate ap-d)" down/column
check "hwWlanApRunState download(7)" "$(st hwstate ap-e)" unknown/column
check "area of an AP with unknown status" "$(ar count-a)" unknown
check "area of an up AP" "$(ar up)" up
check "area of a down AP" "$(ar down)" down
check "area of a transitional AP" "$(ar dl)" unknown
check "area with one AP down, one up" "$(ar mixed)" up
check "area by MAC (down AP)" "$(ar bymac)" down
check "area matching no AP" "$(ar none)" missing

cp "$T/a.conf" "$T/b.conf"
echo "snmp_target dead v2c:x@127.0.0.1:$DEAD timeout 300 retries 0" >> "$T/b.conf"
once_conf "$T/b.conf" > "$T/out.json" 2> "$T/err"
check "exit code with a silent target" $? 1
check "area matching no AP, a controller silent" "$(ar none)" unreachable
check "area of a down AP, a controller silent" "$(ar down)" down
check "area of an up AP, a controller silent" "$(ar up)" up

[ $errors -eq 0 ] || fail "$errors check(s) failed"
echo "all checks passed"
