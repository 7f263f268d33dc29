#!/bin/sh
# spool_crash: kill -9 a process that appends to, reads from and acks an
# agent spool at random moments (mid-write, mid-fsync, mid state rewrite,
# mid segment switch or drop), then reopen what it left and check: it opens,
# every record's CRC and content verify against the seq-derived oracle, the
# seqs on disk are gapless, nothing spool_append returned is missing, the
# next seq follows without a gap, nothing counted corrupt, the drop count
# never goes down, the size cap holds. SPOOL_CRASH_ITERS (default 30) kills.
# Env: BUILD (build dir, relative to the repo root).
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=$top/$BUILD/tools/spoolcrash
iters=${SPOOL_CRASH_ITERS:-30}

if [ ! -x "$tool" ]; then
    echo "spool_crash: $tool not built (make BUILD=$BUILD tests-build)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spool_crash.XXXXXX") || exit 1
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rand() { # 0..$1-1
    echo $(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1 ))
}

dropped=0
i=1
while [ "$i" -le "$iters" ]; do
    "$tool" append "$tmp/spool" "$tmp/log" 2>>"$tmp/append.err" &
    pid=$!
    ms=$(( 20 + $(rand 300) ))
    sleep "$(printf '0.%03d' "$ms")"
    if ! kill -9 "$pid" 2>/dev/null; then
        echo "spool_crash: iteration $i: the writer had already exited:"
        tail -n 5 "$tmp/append.err"
        exit 1
    fi
    wait "$pid" 2>/dev/null
    pid=
    if ! out=$("$tool" verify "$tmp/spool" "$tmp/log" "$dropped" \
               2>"$tmp/verify.err"); then
        echo "spool_crash: iteration $i (killed after ${ms} ms): verify failed:"
        cat "$tmp/verify.err"
        exit 1
    fi
    set -- $out
    echo "iteration $i: killed after ${ms} ms; present $1 (seqs $2..$3)," \
         "dropped $4, corrupt $5"
    dropped=$4
    i=$((i + 1))
done
last=$(tail -n 1 "$tmp/log")
if [ "${last:-0}" -lt 100 ]; then
    echo "spool_crash: only ${last:-0} batches appended in $iters runs;" \
         "the test exercised too little"
    exit 1
fi
if [ "$dropped" -eq 0 ]; then
    echo "spool_crash: the spool never filled up; drops were not exercised"
    exit 1
fi
echo "spool_crash: $iters kills, $last batches appended, $dropped dropped" \
     "and counted, no loss, no corruption"
exit 0
