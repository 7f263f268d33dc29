#!/bin/sh
# Runs every unit test binary ($BUILD/tests/test_*) and every integration
# script (tests/integration/*.sh), each with its output in
# $BUILD/test-logs/NAME.log, and ends with the line "N passed, N failed,
# N skipped". An integration script exits 0 (pass), 77 (skipped, with the
# reason on its last line) or anything else (fail).
# Usage: tests/run.sh [PATTERN]   (only tests whose name contains PATTERN)
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
SHARED=${SHARED:-$(cd "$top/.." && pwd)/shared}
export BUILD SHARED
logs=$BUILD/test-logs
mkdir -p "$logs"
pass=0; fail=0; skip=0; failed=""
pat=${1:-}

run_one() {
    name=$1; shift
    case "$name" in *"$pat"*) ;; *) return ;; esac
    start=$(date +%s)
    "$@" > "$logs/$name.log" 2>&1 < /dev/null
    rc=$?
    secs=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1)); echo "PASS  $name (${secs}s)"
    elif [ $rc -eq 77 ]; then
        skip=$((skip + 1))
        echo "SKIP  $name: $(tail -n 1 "$logs/$name.log")"
    else
        fail=$((fail + 1)); failed="$failed $name"
        echo "FAIL  $name (exit $rc, ${secs}s); last lines of $logs/$name.log:"
        tail -n 25 "$logs/$name.log" | sed 's/^/    /'
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for s in tests/integration/*.sh; do
    [ -f "$s" ] || continue
    run_one "$(basename "$s" .sh)" sh "$s"
done
echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
