#!/bin/sh
# The dashboard end to end in headless Chromium (Debian package, driven by
# playwright-core from collector/web's npm lock): the page loads the demo
# district from a real collector, the filters and sorting give what the
# store says (expectations computed here with SQL), the drill-down chart
# renders with one series per class, English labels work, a wrong token is
# refused, and no request leaves the collector (no CDN). Screenshots:
# $BUILD/screenshots/.
. "$(dirname "$0")/http/common.sh"
command -v node >/dev/null || skip "node not installed"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "chromium not installed"
if [ ! -f "$B/web/app.js" ] || [ ! -d collector/web/node_modules/playwright-core ]; then
    sh collector/web/build.sh "$B" || {
        rc=$?
        [ $rc = 77 ] && skip "npm not installed: dashboard not built"
        fail "dashboard build"
    }
fi
[ -d collector/web/node_modules/playwright-core ] ||
    skip "playwright-core not installed (npm ci in collector/web)"

noc_district
noc_start
python3 - "$DB" > "$T/expect.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
q = lambda s, *a: db.execute(s, a).fetchall()
eid = q("SELECT MAX(id) FROM evaluations WHERE pack = 'hefei' AND year = 2020")[0][0]
fails = 0
for code, in q("SELECT code FROM schools"):
    st = [s for (s,) in q("SELECT status FROM evaluation_school WHERE eval_id = ? AND school = ?", eid, code)]
    fails += "fails" in st
print(json.dumps({
    "total": q("SELECT COUNT(*) FROM schools")[0][0],
    "county": q("SELECT COUNT(*) FROM schools WHERE region = 'county'")[0][0],
    "fails": fails,
    "school": "HF101",
    "school_name": q("SELECT name FROM schools WHERE code = 'HF101'")[0][0],
    "classes": q("SELECT COUNT(DISTINCT class) FROM class_minute WHERE school = 'HF101'")[0][0],
    "last_code": q("SELECT MAX(code) FROM schools")[0][0],
    "agents": q("SELECT COUNT(*) FROM agents")[0][0],
}))
PY
SHOTS=$B/screenshots
mkdir -p "$SHOTS"
WEB_DIR=$TOP/collector/web CHROMIUM=$CHROMIUM timeout 120 \
    node tests/integration/http/dashboard.mjs "$URL" "$TOKEN" "$SHOTS" \
    "$T/expect.json" || fail "dashboard checks"
echo "screenshots: $(ls "$SHOTS" | tr '\n' ' ')"
noc_stop
echo "http_dashboard: all checks passed"
