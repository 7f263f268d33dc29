#!/bin/sh
# snmp_v3: SNMPv3 USM authPriv (SHA + AES) against net-snmp's snmpd started
# here on a loopback port with a user made by createUser in a temp config
# and persistent dir. The agent's answer (sysName, interfaces, speeds) must
# equal snmpget/snmpbulkwalk with the same credentials; a wrong auth key, a
# wrong privacy key and an unknown user must each fail with a clear
# message; secrets given as env: must work and never be printed.
. "$(dirname "$0")/../lib.sh"
umask 077   # config files hold communities: the agent refuses group/world-readable ones

for c in snmpd snmpget snmpbulkwalk jq; do
    command -v $c > /dev/null || skip "snmp_v3: $c not installed"
done
export CLASSBAND_SNMP_PROFILES="$TOP/agent/profiles"
export MIBS=""   # snmpd/snmpget: no MIB parsing noise
once() {
    if "$B/classband-agent" --help 2>&1 | grep -q -- --snmp-once; then
        "$B/classband-agent" --snmp-once --target "$@"
    else
        "$B/tools/snmponce" -t "$@"
    fi
}
while :; do
    PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
    ss -Huln "sport = :$PORT" | grep -q . || break
done
AUTH=cb-auth-$$-secret
PRIV=cb-priv-$$-secret
mkdir -p "$T/persist"
cat > "$T/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:$PORT
createUser cbuser SHA "$AUTH" AES "$PRIV"
rouser cbuser priv
sysName classband-v3-$$
CONF
SNMP_PERSISTENT_DIR="$T/persist" snmpd -f -C -c "$T/snmpd.conf" -Lf "$T/snmpd.log" \
    -p "$T/snmpd.pid" > /dev/null 2>&1 &
PIDS="$PIDS $!"
V3="-v3 -u cbuser -l authPriv -a SHA -A $AUTH -x AES -X $PRIV -t 2 -r 0"
i=0
until snmpget $V3 127.0.0.1:$PORT 1.3.6.1.2.1.1.5.0 > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 30 ] || { cat "$T/snmpd.log"; fail "snmpd did not answer"; }
    sleep 0.3
done

errors=0
check() {
    if [ "$2" = "$3" ]; then echo "ok   $1 = $2"
    else echo "FAIL $1: agent '$2', oracle '$3'"; errors=$((errors + 1)); fi
}
J() { jq -r "$1" "$T/out.json"; }

once "v3:cbuser:authPriv:SHA:$AUTH:AES:$PRIV@127.0.0.1:$PORT" > "$T/out.json" 2> "$T/err" ||
    { cat "$T/err"; fail "v3 authPriv poll failed"; }
check "v3 state" "$(J '.targets[0].state')" ok
check "v3 sysName" "$(J '.targets[0].sysName')" "$(snmpget $V3 -Oqv 127.0.0.1:$PORT 1.3.6.1.2.1.1.5.0 | tr -d '"')"
check "v3 interfaces" "$(J '.targets[0].interfaces | length')" \
    "$(snmpbulkwalk $V3 -On 127.0.0.1:$PORT 1.3.6.1.2.1.31.1.1.1.1 | grep -c '^\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.1\.')"
check "v3 interface names" "$(J '.targets[0].interfaces[].name' | sort | tr '\n' ,)" \
    "$(snmpbulkwalk $V3 -Oqv 127.0.0.1:$PORT 1.3.6.1.2.1.31.1.1.1.1 | tr -d '"' | sort | tr '\n' ,)"
check "v3 ifHighSpeed" "$(J '.targets[0].interfaces[] | "\(.index) \(.speed_mbps)"' | sort | tr '\n' ,)" \
    "$(snmpbulkwalk $V3 -On 127.0.0.1:$PORT 1.3.6.1.2.1.31.1.1.1.15 | awk '{ n = split($1, a, "."); print a[n], $NF }' | sort | tr '\n' ,)"

# Secrets from the environment (a pass phrase never has to be on argv).
CB_A=$AUTH CB_P=$PRIV once "v3:cbuser:authPriv:SHA:env:CB_A:AES:env:CB_P@127.0.0.1:$PORT" > "$T/out.json" 2> "$T/err"
check "v3 env: secrets" "$(J '.targets[0].state')" ok

# Wrong keys and user: refused, clearly, quickly.
bad() { # bad WHAT SPEC PATTERN
    s0=$(date +%s)
    once "$2" > "$T/out.json" 2> "$T/err"; rc=$?
    check "$1 exit" $rc 1
    check "$1 state" "$(J '.targets[0].state')" auth_error
    if grep -qi -- "$3" "$T/err"; then echo "ok   $1 message: $(cat "$T/err")"
    else echo "FAIL $1 message: $(cat "$T/err")"; errors=$((errors + 1)); fi
    [ $(( $(date +%s) - s0 )) -lt 10 ] || { echo "FAIL $1 too slow"; errors=$((errors + 1)); }
    if grep -q -- "$AUTH\|$PRIV\|wrong-auth-key\|wrong-priv-key" "$T/out.json" "$T/err"; then
        echo "FAIL $1: a secret was printed"; errors=$((errors + 1))
    fi
}
bad "wrong auth key" "v3:cbuser:authPriv:SHA:wrong-auth-key:AES:$PRIV@127.0.0.1:$PORT" "authentication failure"
bad "wrong privacy key" "v3:cbuser:authPriv:SHA:$AUTH:AES:wrong-priv-key@127.0.0.1:$PORT" "privacy pass phrase"
bad "unknown user" "v3:nobody:authPriv:SHA:$AUTH:AES:$PRIV@127.0.0.1:$PORT" "unknown user"
if grep -q -- "$AUTH\|$PRIV" "$T/out.json"; then echo "FAIL secret in JSON"; errors=$((errors + 1)); fi

[ $errors -eq 0 ] || fail "$errors check(s) failed"
echo "all checks passed"
