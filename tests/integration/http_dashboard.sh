#!/bin/sh
# The dashboard end to end in headless Chromium (Debian package, driven by
# playwright-core from collector/web's npm lock): the page loads the demo
# district from a real collector, the filters and sorting give what the
# store says (expectations computed here with SQL), the drill-down chart
# renders with one series per class, English labels work, a wrong token is
# refused, and no request leaves the collector (no CDN). Screenshots:
# $BUILD/screenshots/.
. "$(dirname "$0")/http/common.sh"
need_dashboard

noc_district
noc_start
python3 tests/integration/http/expect.py "$DB" HF101 > "$T/expect.json" ||
    fail "expectations"
SHOTS=$B/screenshots
mkdir -p "$SHOTS"
WEB_DIR=$TOP/collector/web CHROMIUM=$CHROMIUM timeout 120 \
    node tests/integration/http/dashboard.mjs "$URL" "$TOKEN" "$SHOTS" \
    "$T/expect.json" || fail "dashboard checks"
echo "screenshots: $(ls "$SHOTS" | tr '\n' ' ')"
noc_stop
echo "http_dashboard: all checks passed"
