# Helpers for the http_*.sh integration tests, on top of tests/lib.sh
# (sourced, not run; this directory is not scanned by tests/run.sh).
# Gives: $TOP, $B (absolute build dir), $T (temp dir removed on exit),
# $TOKEN, noc_district (a collector store holding the demo district, built
# and evaluated), noc_start [EXTRA CONFIG LINES] (a collector serving agents
# and HTTP on loopback; sets NOC_PID, AGENT_PORT, HTTP_PORT, URL), fail,
# need_dashboard, skip. Every process started here is killed on exit.
. "$(dirname "$0")/../lib.sh"
TOKEN=noc-test-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
C=$B/classband-collector
[ -x "$C" ] || fail "no $C (build first)"
command -v curl >/dev/null || skip "curl not installed"
command -v python3 >/dev/null || skip "python3 not installed"
# a Python with jsonschema and yaml (Debian's python3-jsonschema and
# python3-yaml install into /usr/bin/python3, which may not be first in PATH)
PY=""
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import jsonschema, yaml' 2>/dev/null; then PY=$p; break; fi
done
DB=$T/noc.db

# need_dashboard: node, Chromium ($CHROMIUM) and the built dashboard with
# playwright-core for the browser tests (builds it if needed), else skip.
need_dashboard() {
    command -v node >/dev/null || skip "node not installed"
    CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
    [ -x "$CHROMIUM" ] || skip "chromium not installed"
    if [ ! -f "$B/web/app.js" ] ||
       [ ! -d collector/web/node_modules/playwright-core ]; then
        sh collector/web/build.sh "$B" || {
            rc=$?
            [ $rc = 77 ] && skip "npm not installed: dashboard not built"
            fail "dashboard build"
        }
    fi
    [ -d collector/web/node_modules/playwright-core ] ||
        skip "playwright-core not installed (npm ci in collector/web)"
}

# noc_district: schema by the collector itself, registry through `import`,
# agent data from gen_district.py, the Hefei pack and a 2020 evaluation.
noc_district() {
    # first pass: registry CSV files only (no store yet)
    python3 tests/integration/http/gen_district.py "$T" "$DB" 0 ||
        fail "gen_district"
    "$C" import schools "$T/schools.csv" --db "$DB" >/dev/null ||
        fail "import schools"
    "$C" import classes "$T/classes.csv" --db "$DB" >/dev/null ||
        fail "import classes"
    python3 tests/integration/http/gen_district.py "$T" "$DB" "$(date +%s)" ||
        fail "gen_district"
    "$C" pack load schema/packs/hefei.csv --db "$DB" >/dev/null ||
        fail "pack load"
    "$C" evaluate --pack hefei --year 2020 --db "$DB" --min-days 5 \
        --stale-days 2 --now 2020-12-12 > "$T/evaluate.txt" ||
        fail "evaluate"
}

# noc_start [CONFIG LINES...]: config file with the test token, then serve.
noc_start() {
    conf=$T/collector.conf
    {
        echo "listen 127.0.0.1:0"
        echo "plaintext yes"   # the simulated agents speak plain TCP
        echo "db $DB"
        echo "http_listen 127.0.0.1:0"
        echo "http_token $TOKEN"
        echo "http_token second-token-for-scrapers"
        echo "http_web_dir $B/web"
        for l in "$@"; do echo "$l"; done
    } > "$conf"
    chmod 600 "$conf"   # it holds tokens: the collector insists
    log=$T/collector.log
    : > "$log"
    "$C" serve -c "$conf" > "$log" 2>&1 &
    NOC_PID=$!
    PIDS="$PIDS $NOC_PID"
    i=0
    while [ $i -lt 100 ]; do
        AGENT_PORT=$(sed -n 's/.*collector: version .*(port \([0-9]*\)).*/\1/p' "$log" | head -n 1)
        HTTP_PORT=$(sed -n 's/.*http: listening on .*(port \([0-9]*\)).*/\1/p' "$log" | head -n 1)
        if [ -n "$AGENT_PORT" ] && [ -n "$HTTP_PORT" ]; then
            URL=http://127.0.0.1:$HTTP_PORT
            return 0
        fi
        kill -0 "$NOC_PID" 2>/dev/null || { cat "$log"; fail "collector exited"; }
        sleep 0.1; i=$((i + 1))
    done
    cat "$log"; fail "collector did not start listening"
}

# noc_stop: SIGTERM, then the log must be free of sanitizer reports (a
# SANITIZE=1 build prints leaks and UB there) and end with "stopped".
noc_stop() {
    kill "$NOC_PID" 2>/dev/null
    wait "$NOC_PID" 2>/dev/null
    if grep -q -e "Sanitizer" -e "runtime error" "$T/collector.log"; then
        cat "$T/collector.log"
        fail "sanitizer report in the collector log"
    fi
    grep -q "collector: stopped" "$T/collector.log" ||
        { tail -5 "$T/collector.log"; fail "collector did not stop cleanly"; }
}
