#!/bin/sh
# snmp_poll: continuous polling on a libuv loop (tests/tools/snmponce -n),
# against snmpsimd serving the recordings. The 690-AP Aruba controller must
# be polled within its interval every time although a dead target is polled
# beside it, the loop must stay responsive (a 20 ms timer never late by
# more than 250 ms on a busy 2-core box), resident memory must stay bounded, and the area map
# must give the three unknown-is-not-down states: an AP named in the
# recording (oracle: snmpbulkwalk) is up, an AP in no table is "missing",
# and with a controller not answering it is "unreachable". Prints the poll
# time and memory figures.
. "$(dirname "$0")/../lib.sh"
umask 077   # config files hold communities: the agent refuses group/world-readable ones

for c in snmpsimd snmpbulkwalk snmpget; do
    command -v $c > /dev/null || skip "snmp_poll: $c not installed"
done
REC=$SHARED/testdata/snmprec
[ -d "$REC" ] || skip "snmp_poll: no $REC"
[ -x "$B/tools/snmponce" ] || fail "no $B/tools/snmponce"
export CLASSBAND_SNMP_PROFILES="$TOP/agent/profiles"

start_snmpsim "$REC" arubaos
PORT=$SNMPSIM_PORT
H=127.0.0.1:$PORT
DEAD=$(free_udp_port)

# Oracle picks: one Aruba AP name, the Huawei AP's MAC from its table index.
APNAME=$(snmpbulkwalk -v2c -c arubaos -Oqv $H 1.3.6.1.4.1.14823.2.2.1.5.2.1.5.1.16 | head -n 1 | tr -d '"')
HWMAC=$(snmpbulkwalk -v2c -c vrp_ac6605-26 -On $H 1.3.6.1.4.1.2011.6.139.13.3.3.1.4 | head -n 1 |
    awk '{ n = split($1, a, "."); printf "%02x:%02x:%02x:%02x:%02x:%02x", a[n-5], a[n-4], a[n-3], a[n-2], a[n-1], a[n] }')
[ -n "$APNAME" ] && [ -n "$HWMAC" ] || fail "oracle walk failed"
# A MikroTik wlan whose ifOperStatus is down(2) is an AP reported down.
DOWNIF=$(snmpbulkwalk -v2c -c routeros -On -Oe $H 1.3.6.1.2.1.2.2.1.8 | awk '$NF == 2 { n = split($1, a, "."); print a[n] }' |
    while read -r i; do snmpget -v2c -c routeros -Oqv $H 1.3.6.1.4.1.14988.1.1.1.3.1.4.$i 2>/dev/null | grep -qv 'No Such' &&
        snmpget -v2c -c routeros -Oqv $H 1.3.6.1.2.1.31.1.1.1.1.$i | tr -d '"'; done | head -n 1)
[ -n "$DOWNIF" ] || fail "oracle: no down wlan in routeros"
echo "oracle: Aruba AP '$APNAME', Huawei AP MAC $HWMAC"

INTERVAL=4
errors=0
check() {
    if [ "$2" = "$3" ]; then echo "ok   $1 = $2"
    else echo "FAIL $1: got '$2', want '$3'"; errors=$((errors + 1)); fi
}

run() { # run CONF POLLS
    "$B/tools/snmponce" -c "$1" -n "$2" > "$T/run.out" 2> "$T/run.err" || { cat "$T/run.out" "$T/run.err"; fail "poll loop failed"; }
    cat "$T/run.out"
}
area() { awk -v a="$1" '$1 == "area" && $2 == a { s = $4 } END { sub("state=", "", s); print s }' "$T/run.out"; }

cat > "$T/a.conf" <<CONF
snmp_target aruba v2c:arubaos@$H interval $INTERVAL timeout 2000 retries 0
snmp_target huawei v2c:vrp_ac6605-26@$H interval $INTERVAL
snmp_target mikrotik v2c:routeros@$H interval $INTERVAL
snmp_target dead v2c:public@127.0.0.1:$DEAD interval $INTERVAL timeout 1500 retries 1
area closet required $DOWNIF
area library required "$APNAME"
area hall required $HWMAC
area gone required no-such-ap-anywhere
area wing optional "$(echo "$APNAME" | cut -c1-3)*"
CONF
run "$T/a.conf" 16
check "aruba polls completed despite a dead target" "$(grep -c 'target=aruba state=1 aps=690' "$T/run.out")" 4
worst=$(awk '/target=aruba/ { sub("duration_ms=", "", $7); if ($7 > m) m = $7 } END { print m + 0 }' "$T/run.out")
[ "$worst" -lt $((INTERVAL * 1000)) ] || { echo "FAIL aruba poll took $worst ms"; errors=$((errors + 1)); }
lag=$(sed -n 's/.*max_loop_lag_ms=\([0-9]*\).*/\1/p' "$T/run.out")
[ "$lag" -lt 250 ] || { echo "FAIL loop lag $lag ms"; errors=$((errors + 1)); }
rss=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$T/run.out")
# ASan's shadow memory and quarantine inflate RSS; bound it loosely there.
limit=32768
grep -q __asan_init "$B/tools/snmponce" && limit=262144
[ "$rss" -lt $limit ] || { echo "FAIL resident memory $rss kB (limit $limit)"; errors=$((errors + 1)); }
check "area by AP name" "$(area library)" up
check "area whose AP is reported down ($DOWNIF)" "$(area closet)" down
check "area by AP MAC" "$(area hall)" up
check "area by glob" "$(area wing)" up
check "area whose AP is nowhere, a controller down" "$(area gone)" unreachable
grep -q 'target=dead state=3' "$T/run.out" || { echo "FAIL dead target not reported unreachable"; errors=$((errors + 1)); }
echo "figures: 690-AP arubaos poll, worst $worst ms (interval ${INTERVAL}s); max RSS $rss kB; max loop lag $lag ms"

grep -v '^snmp_target dead' "$T/a.conf" > "$T/b.conf"
run "$T/b.conf" 6
check "area whose AP is in no table" "$(area gone)" missing
check "area by AP name (no dead target)" "$(area library)" up

# GETNEXT instead of GETBULK: slower, same data.
cat > "$T/c.conf" <<CONF
snmp_target aruba v2c:arubaos@$H interval 30 timeout 2000 bulk off
CONF
run "$T/c.conf" 1 | grep -q 'aps=690' || { echo "FAIL bulk off"; errors=$((errors + 1)); }
echo "figures: 690-AP arubaos with GETNEXT: $(sed -n 's/.*\(duration_ms=[0-9]*\).*/\1/p' "$T/run.out")"

[ $errors -eq 0 ] || fail "$errors check(s) failed"
echo "all checks passed"
