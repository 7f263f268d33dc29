#!/bin/sh
# snmp_e2e: the real agent polls snmpsimd (the 690-AP Aruba controller and
# the Huawei AC) and sends its SNMP records in its batches to a real
# collector on loopback; the collector's SQLite then holds, per poll, the
# AP list (as many APs as snmpbulkwalk finds distinct AP MACs), the
# controller totals (as snmpget reads them), the interfaces, and area
# samples in the right states (AP by name and glob: up; an AP in no
# table: missing). Also reports the agent's peak resident memory.
. "$(dirname "$0")/../lib.sh"
umask 077   # config files hold communities: the agent refuses group/world-readable ones

[ "$(id -u)" = 0 ] || skip "snmp_e2e: the agent needs root to capture on lo"
for c in snmpsimd snmpbulkwalk snmpget sqlite3; do
    command -v $c > /dev/null || skip "snmp_e2e: $c not installed"
done
REC=$SHARED/testdata/snmprec
[ -d "$REC" ] || skip "snmp_e2e: no $REC"

while :; do
    PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
    ss -Huln "sport = :$PORT" | grep -q . || break
done
mkdir -p "$T/cache" "$T/spool"
chown nobody:nogroup "$T/cache"; chmod 755 "$T"
snmpsimd --data-dir="$REC" --cache-dir="$T/cache" \
    --agent-udpv4-endpoint=127.0.0.1:$PORT --process-user=nobody \
    --process-group=nogroup --logging-method=null > "$T/snmpsim.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until snmpget -v2c -c arubaos -t 1 -r 0 127.0.0.1:$PORT 1.3.6.1.2.1.1.3.0 > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 30 ] || fail "snmpsimd did not answer"
    sleep 1
done
H=127.0.0.1:$PORT

start_collector collector --db "$T/c.db"
cat > "$T/agent.conf" <<CONF
agent_id snmp-e2e
school S1
collector 127.0.0.1:$COLLECTOR_PORT
plaintext yes
spool $T/spool
interface lo
class c1 10.0.0.0/8
snmp_profile_dir $TOP/agent/profiles
snmp_target aruba v2c:arubaos@$H interval 3 timeout 2000 retries 0
snmp_target huawei v2c:vrp_ac6605-26@$H interval 3 retries 0
area lib required ar6-*
area hall required TestAP-NAME
area gone required nothing-here
CONF
"$B/classband-agent" -c "$T/agent.conf" > "$T/agent.log" 2>&1 &
APID=$!
PIDS="$PIDS $APID"

db() { sqlite3 "$T/c.db" "$1" 2>/dev/null; }
i=0
until [ "$(db "SELECT COUNT(*) FROM snmp_poll WHERE target='aruba' AND state=1")" -ge 2 ] 2>/dev/null &&
      [ "$(db "SELECT COUNT(DISTINCT ts) FROM wifi_area_sample")" -ge 1 ] 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 60 ] || { cat "$T/agent.log"; fail "no SNMP rows reached the collector in 30 s"; }
    kill -0 $APID 2>/dev/null || { cat "$T/agent.log"; fail "agent exited"; }
    sleep 0.5
done
hwm=$(awk '/VmHWM/ { print $2 }' /proc/$APID/status)

errors=0
check() {
    if [ "$2" = "$3" ]; then echo "ok   $1 = $2"
    else echo "FAIL $1: stored '$2', oracle '$3'"; errors=$((errors + 1)); fi
}
W=1.3.6.1.4.1.14823.2.2.1
naps=$(snmpbulkwalk -v2c -c arubaos -On -Cr25 $H $W.5.2.1.5.1.16 |
    awk '{ n = split($1, a, "."); print a[n-6] "." a[n-5] "." a[n-4] "." a[n-3] "." a[n-2] "." a[n-1] }' | sort -u | wc -l)
ts=$(db "SELECT MIN(ts) FROM snmp_poll WHERE target='aruba' AND state=1")
check "APs stored for one aruba poll" "$(db "SELECT COUNT(*) FROM snmp_ap WHERE target='aruba' AND ts=$ts")" "$naps"
check "AP rows with a MAC" "$(db "SELECT COUNT(*) FROM snmp_ap WHERE target='aruba' AND ts=$ts AND mac IS NOT NULL")" "$naps"
check "aruba clients (controller total)" "$(db "SELECT clients FROM snmp_poll WHERE target='aruba' AND ts=$ts")" \
    "$(snmpget -v2c -c arubaos -Oqv $H $W.1.3.2.0)"
check "aruba total APs" "$(db "SELECT total_aps FROM snmp_poll WHERE target='aruba' AND ts=$ts")" \
    "$(snmpget -v2c -c arubaos -Oqv $H $W.1.3.1.0)"
check "aruba interfaces stored" "$(db "SELECT COUNT(*) FROM snmp_if WHERE target='aruba' AND ts=$ts")" \
    "$(snmpbulkwalk -v2c -c arubaos -On $H 1.3.6.1.2.1.31.1.1.1.1 | grep -c '^\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.1\.')"
check "aruba neighbours" "$(db "SELECT neighbours FROM snmp_poll WHERE target='aruba' AND ts=$ts")" \
    "$(snmpbulkwalk -v2c -c arubaos -On $H 1.3.6.1.2.1.4.22.1.2 | grep -c '^\.1\.3\.6\.1\.2\.1\.4\.22\.1\.2\.')"
check "huawei AP by name" "$(db "SELECT name || ' ' || status FROM snmp_ap WHERE target='huawei' LIMIT 1")" \
    "$(snmpbulkwalk -v2c -c vrp_ac6605-26 -Oqv $H 1.3.6.1.4.1.2011.6.139.13.3.3.1.4 | tr -d '"') 1"
# Counters: no delta on the first poll; recorded counters are static, so
# every later delta is 0 (never a spike, never NULL without a reason).
check "first poll: no traffic deltas" "$(db "SELECT COUNT(*) FROM snmp_if WHERE target='aruba' AND ts=$ts AND in_bytes IS NOT NULL")" 0
ts2=$(db "SELECT MIN(ts) FROM snmp_poll WHERE target='aruba' AND state=1 AND ts > $ts")
check "second poll: zero deltas on every interface with counters" \
    "$(db "SELECT COUNT(*) FROM snmp_if WHERE target='aruba' AND ts=$ts2 AND in_bytes = 0 AND out_bytes = 0")" \
    "$(snmpbulkwalk -v2c -c arubaos -On $H 1.3.6.1.2.1.31.1.1.1.6 | grep -c '^\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.6\.')"
last=$(db "SELECT MAX(ts) FROM wifi_area_sample")
check "area by glob" "$(db "SELECT state FROM wifi_area_sample WHERE area='lib' AND ts=$last")" 1
check "area by name" "$(db "SELECT state FROM wifi_area_sample WHERE area='hall' AND ts=$last")" 1
check "area whose AP is in no table: missing" "$(db "SELECT state FROM wifi_area_sample WHERE area='gone' AND ts=$last")" 3
# ASan's shadow memory and quarantine inflate RSS; bound it loosely there.
limit=32768
grep -q __asan_init "$B/classband-agent" && limit=262144
[ "$hwm" -lt $limit ] || { echo "FAIL agent peak RSS $hwm kB (limit $limit)"; errors=$((errors + 1)); }
echo "figures: agent peak RSS $hwm kB while polling the 690-AP controller (capture on lo running)"
kill $APID; wait $APID 2>/dev/null
[ $errors -eq 0 ] || fail "$errors check(s) failed"
echo "all checks passed"
