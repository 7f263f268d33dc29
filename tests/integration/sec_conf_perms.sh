#!/bin/sh
# sec_conf_perms: a config file that holds a secret (an SNMP community or
# v3 pass phrase, the agent's TLS key, an HTTP bearer token) and that other
# users can read must
# be refused with a message naming the file and the fix; the same file at
# mode 0600 is accepted, and a config holding no secret is accepted at
# 0644 (no needless refusal). A pass phrase kept in a `file:` secret file
# readable by others is refused the same way.
# Group access (0640) is allowed: the packaged setup is root:classband
# 0640 (packaging/conf/agent.conf.sample), so it is not tested here.
. "$(dirname "$0")/../lib.sh"

A=$B/classband-agent
C=$B/classband-collector
errors=0
# expect NAME ok|refused CMD...: runs CMD (config check, -n), checks the
# outcome; a refusal must name the file and say why.
expect() {
    name=$1 want=$2 file=$3; shift 3
    "$@" > "$T/out" 2>&1
    rc=$?
    if [ "$want" = ok ]; then
        if [ $rc -eq 0 ]; then echo "ok   $name: accepted"
        else echo "FAIL $name: refused (exit $rc):"; sed 's/^/    /' "$T/out"
            errors=$((errors + 1)); fi
        return
    fi
    if [ $rc -eq 0 ]; then
        echo "FAIL $name: accepted; want a refusal naming $file"
        errors=$((errors + 1))
    elif ! grep -F -- "$file" "$T/out" | grep -Eqi 'readable|permission|chmod|mode'; then
        echo "FAIL $name: refused (exit $rc) but not with a message naming" \
            "$file and its permissions:"; sed 's/^/    /' "$T/out"
        errors=$((errors + 1))
    else
        echo "ok   $name: refused: $(grep -F -- "$file" "$T/out" | head -1)"
    fi
}

base() {
    cat <<CONF
school SEC01
collector 127.0.0.1:9
plaintext yes
spool $T/spool
interface lo
class a 10.1.1.0/24
CONF
}

base > "$T/plain.conf"
chmod 644 "$T/plain.conf"
expect "agent, no secret, 0644" ok "$T/plain.conf" "$A" -n -c "$T/plain.conf"

{ base; echo "snmp_target wlc v2c:s3cr3t-community@192.0.2.10"; } > "$T/v2c.conf"
chmod 600 "$T/v2c.conf"
expect "agent, community, 0600" ok "$T/v2c.conf" "$A" -n -c "$T/v2c.conf"
chmod 644 "$T/v2c.conf"
expect "agent, community, 0644" refused "$T/v2c.conf" "$A" -n -c "$T/v2c.conf"
chmod 604 "$T/v2c.conf"
expect "agent, community, 0604" refused "$T/v2c.conf" "$A" -n -c "$T/v2c.conf"
chmod 606 "$T/v2c.conf"
expect "agent, community, 0606" refused "$T/v2c.conf" "$A" -n -c "$T/v2c.conf"

{ base; echo "snmp_target core v3:u:authPriv:SHA:auth-s3cr3t:AES:priv-s3cr3t@192.0.2.1"; } > "$T/v3.conf"
chmod 644 "$T/v3.conf"
expect "agent, v3 pass phrases, 0644" refused "$T/v3.conf" "$A" -n -c "$T/v3.conf"
# the daemon itself, not only -n
expect "agent daemon, v3 pass phrases, 0644" refused "$T/v3.conf" \
    timeout 5 "$A" -c "$T/v3.conf"

# secrets kept elsewhere: the config may be 0644, the secret file not
printf 'file-auth-s3cr3t\n' > "$T/auth.secret"
{ base; echo "snmp_target core v3:u:authPriv:SHA:file:$T/auth.secret:AES:env:CB_PRIV@192.0.2.1"; } > "$T/ref.conf"
chmod 644 "$T/ref.conf"
chmod 600 "$T/auth.secret"
CB_PRIV=env-priv-s3cr3t expect "agent, file:/env: secrets, conf 0644, secret 0600" ok \
    "$T/ref.conf" "$A" -n -c "$T/ref.conf"
chmod 644 "$T/auth.secret"
CB_PRIV=env-priv-s3cr3t expect "agent, file: secret 0644" refused \
    "$T/auth.secret" "$A" -n -c "$T/ref.conf"

# the agent's own TLS pre-shared key, where the agent has one
KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
{ base; echo "agent_id sec-agent-1"; echo "tls_key $KEY"; } > "$T/tls.conf"
chmod 600 "$T/tls.conf"
if "$A" -n -c "$T/tls.conf" > "$T/out" 2>&1; then
    expect "agent, tls_key, 0600" ok "$T/tls.conf" "$A" -n -c "$T/tls.conf"
    chmod 644 "$T/tls.conf"
    expect "agent, tls_key, 0644" refused "$T/tls.conf" "$A" -n -c "$T/tls.conf"
else
    echo "note: tls_key case skipped, agent refused it at 0600: $(head -1 "$T/out")"
fi

cat > "$T/coll.conf" <<CONF
listen 127.0.0.1:0
db $T/c.db
CONF
chmod 644 "$T/coll.conf"
expect "collector, no token, 0644" ok "$T/coll.conf" "$C" serve -n -c "$T/coll.conf"
echo "http_token s3cr3t-token-0123456789" >> "$T/coll.conf"
chmod 600 "$T/coll.conf"
expect "collector, token, 0600" ok "$T/coll.conf" "$C" serve -n -c "$T/coll.conf"
chmod 644 "$T/coll.conf"
expect "collector, token, 0644" refused "$T/coll.conf" "$C" serve -n -c "$T/coll.conf"

[ $errors -eq 0 ] || fail "$errors case(s) wrong"
echo "sec_conf_perms: ok"
