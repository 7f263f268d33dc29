#!/bin/sh
# The dashboard on the demo district (tests/demo.sh: 12 schools replayed
# through real agents into a collector, registry, Hefei pack, 2020
# evaluation): a collector serves that store over HTTP and headless
# Chromium checks the overview, filters, sorting, a drill-down chart and
# the agents against what the store holds (SQL). Screenshots:
# $BUILD/screenshots/demo/.
. "$(dirname "$0")/http/common.sh"
[ -f tests/demo.sh ] || skip "no tests/demo.sh"
need_dashboard
# snmpsimd in the demo drops to user nobody: it must reach $T/demo
chmod 711 "$T"
DEMO=$T/demo BUILD=$B sh tests/demo.sh > "$T/demo.log" 2>&1 ||
    { tail -30 "$T/demo.log"; fail "tests/demo.sh"; }
tail -n 1 "$T/demo.log"
DB=$T/demo/classband.db
noc_start
python3 tests/integration/http/expect.py "$DB" > "$T/expect.json" ||
    fail "expectations"
cat "$T/expect.json"
SHOTS=$B/screenshots/demo
mkdir -p "$SHOTS"
WEB_DIR=$TOP/collector/web CHROMIUM=$CHROMIUM timeout 120 \
    node tests/integration/http/dashboard.mjs "$URL" "$TOKEN" "$SHOTS" \
    "$T/expect.json" || fail "dashboard checks on the demo district"
echo "screenshots: $(ls "$SHOTS" | tr '\n' ' ')"
noc_stop
echo "http_demo: all checks passed"
