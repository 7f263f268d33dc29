# Shared helpers for integration scripts (sourced, not run).
# Gives: $TOP, $B (absolute build dir), $T (a temp dir removed on exit),
# start_collector NAME ARGS... (sets COLLECTOR_PID, COLLECTOR_PORT),
# fail MSG, skip MSG. Every daemon started here is killed on exit.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
B=$(cd "${BUILD:-build}" && pwd)
SHARED=${SHARED:-$(cd "$TOP/.." && pwd)/shared}
T=$(mktemp -d /tmp/classband-test.XXXXXX)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }

# start_collector LOGNAME ARGS...: runs `classband-collector serve ARGS
# --listen 127.0.0.1:0`, waits for it to listen and reads the bound port
# from its log. COLLECTOR_WRAP, if set, is a command that execs the
# collector (e.g. valgrind), so COLLECTOR_PID is still the collector's.
start_collector() {
    log=$T/$1.log; shift
    # shellcheck disable=SC2086
    ${COLLECTOR_WRAP:-} "$B/classband-collector" serve --listen 127.0.0.1:0 \
        "$@" > "$log" 2>&1 &
    COLLECTOR_PID=$!
    PIDS="$PIDS $COLLECTOR_PID"
    i=0
    while [ $i -lt 100 ]; do
        COLLECTOR_PORT=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$log" | head -n 1)
        [ -n "$COLLECTOR_PORT" ] && return 0
        kill -0 "$COLLECTOR_PID" 2>/dev/null || { cat "$log"; fail "collector exited"; }
        sleep 0.1; i=$((i + 1))
    done
    cat "$log"; fail "collector did not start listening"
}

# stop_collector: SIGTERM, then returns the collector's exit status.
stop_collector() {
    kill "$COLLECTOR_PID" 2>/dev/null
    wait "$COLLECTOR_PID" 2>/dev/null
}

# --- helpers for the fault tests and benchmarks (issue 5) ---

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now
# (for a collector that must come back on the same port after a restart,
# or that agents dial before it exists).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_log FILE PATTERN SECONDS: waits until grep -E finds PATTERN in FILE;
# returns 1 on timeout.
wait_log() {
    _n=$(( $3 * 10 ))
    while [ "$_n" -gt 0 ]; do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.1; _n=$((_n - 1))
    done
    return 1
}

# vmrss_kb PID: resident set size of PID in KiB, from /proc/PID/status.
vmrss_kb() {
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

# kill9_collector: SIGKILL the collector started last and reap it.
kill9_collector() {
    kill -9 "$COLLECTOR_PID" 2>/dev/null
    wait "$COLLECTOR_PID" 2>/dev/null
    return 0
}

# now_ms: wall clock in milliseconds.
now_ms() {
    date +%s%3N
}

# free_udp_port: a UDP port nothing listens on, 20000..39999.
free_udp_port() {
    while :; do
        p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
        ss -Huln "sport = :$p" | grep -q . || { echo $p; return; }
    done
}

# start_snmpsim DATADIR COMMUNITY: snmpsimd serving DATADIR (one community
# per .snmprec file) on a free loopback port, as nobody when run as root;
# sets SNMPSIM_PORT once COMMUNITY answers (30 s at most).
start_snmpsim() {
    SNMPSIM_PORT=$(free_udp_port)
    mkdir -p "$T/snmpsim-cache"
    _as=""
    if [ "$(id -u)" = 0 ]; then
        chown nobody:nogroup "$T/snmpsim-cache"; chmod 755 "$T"
        _as="--process-user=nobody --process-group=nogroup"
    fi
    snmpsimd --data-dir="$1" --cache-dir="$T/snmpsim-cache" \
        --agent-udpv4-endpoint=127.0.0.1:$SNMPSIM_PORT $_as \
        --logging-method=null > "$T/snmpsim.log" 2>&1 &
    PIDS="$PIDS $!"
    _i=0
    until snmpget -v2c -c "$2" -t 1 -r 0 127.0.0.1:$SNMPSIM_PORT \
            1.3.6.1.2.1.1.3.0 > /dev/null 2>&1; do
        _i=$((_i + 1))
        [ $_i -lt 30 ] || { cat "$T/snmpsim.log"; fail "snmpsimd did not answer"; }
        sleep 1
    done
}
