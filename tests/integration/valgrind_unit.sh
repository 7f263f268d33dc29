#!/bin/sh
# Every unit test binary again under valgrind (memcheck): no invalid read
# or write, no use of uninitialised memory, no definite leak. The ASan
# build checks the same from inside; this checks the binaries as built
# for release (the agent's objects with LTO), which ASan does not see.
# Skipped for a sanitizer build (valgrind cannot run ASan binaries).
. "$(dirname "$0")/../lib.sh"

command -v valgrind > /dev/null || skip "valgrind not installed"
if nm "$B/tests/test_wire" 2> /dev/null | grep -q __asan_init; then
    skip "sanitizer build: valgrind cannot run ASan binaries"
fi
n=0; bad=""
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    n=$((n + 1))
    if ! valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite "$t" > "$T/$name.log" 2>&1; then
        echo "== $name under valgrind:"; tail -n 30 "$T/$name.log"
        bad="$bad $name"
    fi
done
[ "$n" -gt 10 ] || fail "only $n unit test binaries found in $B/tests"
[ -z "$bad" ] || fail "under valgrind:$bad"
echo "$n unit test binaries clean under valgrind"
