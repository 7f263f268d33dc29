#!/bin/sh
# HTTP JSON API end to end: a real collector on loopback serving the demo
# district (registry imported, agent data stored, Hefei 2020 evaluated);
# every endpoint called over HTTP, every figure recomputed from the store
# by check_api.py (its own SQL), every response checked against
# docs/openapi.yaml. Then the limits: an oversized request head, a client
# that stops mid-request (cut off after http_timeout), more connections
# than http_max_conns, HTTPS with the collector's own TLS, and the refusal
# to serve a non-loopback address without a token.
. "$(dirname "$0")/http/common.sh"
[ -n "$PY" ] || skip "python3-jsonschema / python3-yaml not installed"

# the document itself, by an OpenAPI validator (npm, collector/web's lock)
if command -v node >/dev/null && command -v npm >/dev/null; then
    [ -d collector/web/node_modules/@apidevtools/swagger-parser ] ||
        sh collector/web/build.sh "$B" > "$T/web-build.log" 2>&1 ||
        { cat "$T/web-build.log"; fail "npm ci / dashboard build"; }
    node tests/integration/http/openapi_check.mjs collector/web \
        docs/openapi.yaml || fail "docs/openapi.yaml is not valid OpenAPI"
else
    echo "note: no node/npm: docs/openapi.yaml itself not validated"
fi

noc_district
noc_start "http_cors_origin https://noc.example" "http_timeout 2" \
    "http_max_conns 16"
COLLECTOR=$C "$PY" tests/integration/http/check_api.py "$DB" "$URL" "$TOKEN" \
    docs/openapi.yaml || fail "API checks"

# an oversized request head is refused (431), and the server lives on
big=$(head -c 40000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" \
    -H "Authorization: Bearer $TOKEN" "$URL/api/v1/status")
[ "$code" = 431 ] || [ "$code" = 413 ] || [ "$code" = 000 ] ||
    fail "40 kB header answered $code"
echo "ok: 40 kB request head refused ($code)"

# a slow client: half a request line, then silence; cut off after the
# 2 s timeout while other clients are served
python3 - "$HTTP_PORT" <<'PY' || fail "slow client was not cut off"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/v1/sta")
s.settimeout(10)
t0 = time.time()
data = s.recv(100)
dt = time.time() - t0
print("ok: slow client cut off after %.1f s (%r)" % (dt, data[:20]))
sys.exit(0 if data == b"" and 1.0 <= dt <= 8 else 1)
PY
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/status" >/dev/null ||
    fail "server not answering after the slow client"

# connections over the limit are refused; the server still answers after
python3 - "$HTTP_PORT" <<'PY' || fail "connection limit"
import socket, sys
socks, refused = [], 0
for i in range(40):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
        s.sendall(b"GET /api/v1/st")
        socks.append(s)
    except OSError:
        refused += 1
# the server closes what it does not accept: count peers closed at once
closed = 0
for s in socks:
    s.settimeout(0.5)
    try:
        if s.recv(1) == b"":
            closed += 1
    except socket.timeout:
        pass
    except OSError:
        closed += 1
print("ok: 40 connections: %d refused or closed, limit 16" % (refused + closed))
sys.exit(0 if refused + closed >= 40 - 16 else 1)
PY
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/status" >/dev/null ||
    fail "server not answering after the connection flood"
noc_stop

# HTTPS with the collector's own TLS (libmicrohttpd + GnuTLS): a
# self-signed certificate for 127.0.0.1 made here
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" \
        -out "$T/cert.pem" > "$T/openssl.log" 2>&1 || fail "openssl"
    noc_start "http_tls_cert $T/cert.pem" "http_tls_key $T/key.pem"
    grep -q "https" "$T/collector.log" || fail "no https in the log"
    out=$(curl -s --cacert "$T/cert.pem" -H "Authorization: Bearer $TOKEN" \
        "https://127.0.0.1:$HTTP_PORT/api/v1/status") || fail "https GET"
    echo "$out" | grep -q '"api":"v1"' || fail "https answer: $out"
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" \
        "https://127.0.0.1:$HTTP_PORT/api/v1/status")
    [ "$code" = 401 ] || fail "https without token answered $code"
    if curl -s -m 5 -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$HTTP_PORT/api/v1/status" | grep -q '"api"'; then
        fail "plain HTTP answered on the TLS port"
    fi
    echo "ok: HTTPS with the collector's own TLS; plain HTTP refused there"
    noc_stop
fi

# no token on a non-loopback address: refused before binding anything
if "$C" serve --listen 127.0.0.1:0 --db "$DB" --http 0.0.0.0:0 \
    > "$T/open.log" 2>&1; then
    fail "served 0.0.0.0 without a token"
fi
grep -q "without a read token" "$T/open.log" || { cat "$T/open.log"; fail "no reason given"; }
echo "ok: no token on 0.0.0.0 refused"
echo "http_api: all checks passed"
