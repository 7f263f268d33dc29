#!/bin/sh
# sec_secrets_log: secrets given in config files never reach stdout,
# stderr or the logs. Every secret is a unique marker string; after each
# run the combined output is searched for every marker (grep -F, an oracle
# that knows nothing of our code). Runs:
#   - agent `-n -v` on a valid config holding a v2c community, v3 auth and
#     privacy pass phrases inline, from file: and from env:; and one with
#     the agent's TLS key (run as a daemon too, its collector down);
#   - agent `-n -v` on a config whose secret-bearing lines are each wrong
#     in a different way (typo'd key, bad port, bad option, short pass
#     phrase, bad protocol, duplicate, bad version, no host) - the error
#     messages must name the problem, not echo the secret;
#   - agent `--snmp-once -v` with nothing listening (timeouts, v3 engine
#     discovery failure);
#   - when snmpd is installed: `--snmp-once -v` against a real snmpd with a
#     wrong community, a wrong auth key, a wrong privacy key and an unknown
#     user, and the agent running (-v) for a few seconds polling them;
#   - collector `serve -n -v` with an HTTP bearer token, and with one too
#     short to accept.
. "$(dirname "$0")/../lib.sh"

A=$B/classband-agent
C=$B/classband-collector
"$A" --help 2>&1 | grep -q -- --snmp-once ||
    skip "sec_secrets_log: agent has no --snmp-once yet"
export CLASSBAND_SNMP_PROFILES="$TOP/agent/profiles"
export MIBS=""

# a UDP port nothing listens on, for the unreachable targets
while :; do
    DEAD=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
    ss -Huln "sport = :$DEAD" | grep -q . || break
done

S_COMM=Cmty-s3cr3t-$$-a
S_AUTH=AuthPass-$$-s3cr3t-b
S_PRIV=PrivPass-$$-s3cr3t-c
S_FILE=FileAuth-$$-s3cr3t-d
S_ENV=EnvPriv-$$-s3cr3t-e
S_TOKEN=HttpTok-$$-s3cr3t-ffffffffffff
S_SHORT=Tk$$s3g
SECRETS="$S_COMM $S_AUTH $S_PRIV $S_FILE $S_ENV $S_TOKEN $S_SHORT"
i=0
while [ $i -lt 9 ]; do
    i=$((i + 1))
    SECRETS="$SECRETS Bad$i-$$-s3cr3t"
done
export CB_SEC_ENV="$S_ENV"

printf '%s\n' "$S_FILE" > "$T/auth.secret"
chmod 600 "$T/auth.secret"
umask 077

errors=0
# check NAME FILE: no secret marker in FILE
check() {
    found=
    for s in $SECRETS; do
        grep -Fq -- "$s" "$2" && found="$found $s"
    done
    if [ -n "$found" ]; then
        echo "FAIL $1: printed secret(s):$found"
        grep -Fn -e "$(echo $found | cut -d' ' -f1)" "$2" | head -5 | sed 's/^/    /'
        errors=$((errors + 1))
    else
        echo "ok   $1 ($(wc -l < "$2") lines of output, no secret)"
    fi
}

cat > "$T/agent.conf" <<CONF
school SEC01
collector 127.0.0.1:$DEAD
plaintext yes
spool $T/spool
interface lo
class "一年级1班" 10.1.1.0/24
snmp_target wlc v2c:$S_COMM@127.0.0.1:$DEAD timeout 200 retries 0
snmp_target core v3:cbuser:authPriv:SHA:$S_AUTH:AES:$S_PRIV@127.0.0.1:$DEAD timeout 200 retries 0
snmp_target sw v3:cbuser:authPriv:SHA256:file:$T/auth.secret:AES:env:CB_SEC_ENV@127.0.0.1:$DEAD timeout 200 retries 0
CONF
"$A" -n -v -c "$T/agent.conf" > "$T/n.out" 2>&1 ||
    { cat "$T/n.out"; fail "agent -n -v refused the valid config"; }
check "agent -n -v" "$T/n.out"

# the agent's TLS pre-shared key (64 hex digits), where the agent has one
S_TLS=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
SECRETS="$SECRETS $S_TLS"
{ grep -v '^snmp_target' "$T/agent.conf"; echo "agent_id sec-agent-1"
  echo "tls_key $S_TLS"; } > "$T/tls.conf"
if "$A" -n -v -c "$T/tls.conf" > "$T/tls.out" 2>&1; then
    check "agent -n -v, tls_key" "$T/tls.out"
    timeout -s INT 3 "$A" -v -c "$T/tls.conf" > "$T/tls-run.out" 2>&1
    check "agent daemon -v, tls_key, collector down" "$T/tls-run.out"
else
    echo "note: agent has no tls_key: $(head -1 "$T/tls.out")"
fi

cat > "$T/bad.conf" <<CONF
school SEC01
collector 127.0.0.1:$DEAD
plaintext yes
interface lo
class a 10.1.1.0/24
snmp_targte wlc v2c:Bad1-$$-s3cr3t@127.0.0.1
snmp_target w1 v2c:Bad2-$$-s3cr3t@127.0.0.1:99999
snmp_target w2 v2c:Bad3-$$-s3cr3t@127.0.0.1 bogus 1
snmp_target w3 v3:u:authPriv:SHA:Short:AES:Bad4-$$-s3cr3t@127.0.0.1
snmp_target w4 v3:u:authPriv:SHA1:Bad5-$$-s3cr3t:AES:Bad6-$$-s3cr3t@127.0.0.1
snmp_target w5 v2c:public@127.0.0.1
snmp_target w5 v2c:Bad7-$$-s3cr3t@127.0.0.1
snmp_target w6 v9:Bad8-$$-s3cr3t@127.0.0.1
snmp_target w7 v2c:Bad9-$$-s3cr3t
CONF
if "$A" -n -v -c "$T/bad.conf" > "$T/bad.out" 2>&1; then
    cat "$T/bad.out"; fail "agent -n accepted a config full of errors"
fi
[ "$(grep -c 'bad.conf:[0-9]*:' "$T/bad.out")" -ge 8 ] ||
    { cat "$T/bad.out"; fail "agent -n did not report every bad line"; }
check "agent -n -v, bad secret lines" "$T/bad.out"

timeout 60 "$A" -v -c "$T/agent.conf" --snmp-once > "$T/once.out" 2>&1
[ $? -eq 1 ] || { cat "$T/once.out"; fail "--snmp-once against nothing: want exit 1"; }
grep -q '"state": *"unreachable"' "$T/once.out" ||
    { cat "$T/once.out"; fail "--snmp-once: no unreachable target"; }
check "agent --snmp-once -v, nothing listening" "$T/once.out"

if command -v snmpd > /dev/null && command -v snmpget > /dev/null; then
    while :; do
        PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
        [ "$PORT" != "$DEAD" ] || continue
        ss -Huln "sport = :$PORT" | grep -q . || break
    done
    mkdir -p "$T/persist"
    cat > "$T/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:$PORT
rocommunity right-community-$$ 127.0.0.1
createUser cbuser SHA "right-auth-$$-key" AES "right-priv-$$-key"
rouser cbuser priv
CONF
    SNMP_PERSISTENT_DIR="$T/persist" snmpd -f -C -c "$T/snmpd.conf" \
        -Lf "$T/snmpd.log" -p "$T/snmpd.pid" > /dev/null 2>&1 &
    PIDS="$PIDS $!"
    i=0
    until snmpget -v2c -c "right-community-$$" -t 1 -r 0 127.0.0.1:$PORT \
            1.3.6.1.2.1.1.5.0 > /dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 30 ] || { cat "$T/snmpd.log"; fail "snmpd did not answer"; }
        sleep 0.3
    done
    cat > "$T/wrong.conf" <<CONF
school SEC01
collector 127.0.0.1:$DEAD
plaintext yes
spool $T/spool2
interface lo
class a 10.1.1.0/24
snmp_target comm v2c:$S_COMM@127.0.0.1:$PORT timeout 300 retries 0 interval 1
snmp_target auth v3:cbuser:authPriv:SHA:$S_AUTH:AES:right-priv-$$-key@127.0.0.1:$PORT timeout 300 retries 0 interval 1
snmp_target priv v3:cbuser:authPriv:SHA:right-auth-$$-key:AES:$S_PRIV@127.0.0.1:$PORT timeout 300 retries 0 interval 1
snmp_target user v3:nosuchuser:authPriv:SHA:file:$T/auth.secret:AES:env:CB_SEC_ENV@127.0.0.1:$PORT timeout 300 retries 0 interval 1
CONF
    timeout 60 "$A" -v -c "$T/wrong.conf" --snmp-once > "$T/wrong.out" 2>&1
    [ $? -eq 1 ] || { cat "$T/wrong.out"; fail "--snmp-once with wrong credentials: want exit 1"; }
    [ "$(grep -c '"state": *"ok"' "$T/wrong.out")" -eq 0 ] ||
        { cat "$T/wrong.out"; fail "a wrong credential was accepted"; }
    check "agent --snmp-once -v, wrong credentials vs snmpd" "$T/wrong.out"

    # The daemon, polling every second. Its collector is a listener that
    # accepts and stays silent, so the uplink waits for an ACK instead of
    # reconnecting (a reconnect is not what this test is about).
    python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
c = s.accept(); time.sleep(30)' > "$T/sink.port" &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$T/sink.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    sed "s/^collector .*/collector 127.0.0.1:$(cat "$T/sink.port")/" "$T/wrong.conf" > "$T/run.conf"
    timeout -s INT 5 "$A" -v -c "$T/run.conf" > "$T/run.out" 2>&1
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 124 ] || { cat "$T/run.out"; fail "agent daemon exited $rc"; }
    [ "$(grep -c 'snmp.*: \(auth\|comm\|priv\|user\)' "$T/run.out")" -ge 4 ] ||
        { cat "$T/run.out"; fail "agent daemon did not report the four failing targets"; }
    check "agent daemon -v, 5 s polling with wrong credentials" "$T/run.out"
else
    echo "note: snmpd/snmpget not installed; wrong-credential runs skipped"
fi

cat > "$T/coll.conf" <<CONF
listen 127.0.0.1:0
db $T/c.db
http_listen 127.0.0.1:0
http_token $S_TOKEN
CONF
"$C" serve -n -v -c "$T/coll.conf" > "$T/coll.out" 2>&1 ||
    { cat "$T/coll.out"; fail "collector -n -v refused the valid config"; }
check "collector serve -n -v" "$T/coll.out"
echo "http_token $S_SHORT" >> "$T/coll.conf"
if "$C" serve -n -v -c "$T/coll.conf" > "$T/coll-bad.out" 2>&1; then
    cat "$T/coll-bad.out"; fail "collector accepted a token of 7 characters"
fi
check "collector serve -n -v, short token" "$T/coll-bad.out"

[ $errors -eq 0 ] || fail "$errors run(s) printed a secret"
echo "sec_secrets_log: ok"
