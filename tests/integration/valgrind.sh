#!/bin/sh
# The release build under valgrind (memcheck): no invalid read or write,
# no use of uninitialised memory, no definite leak. The ASan build checks
# the same from inside; this checks the binaries as built for release (the
# agent's objects with LTO), which ASan does not see:
#   - every unit test binary;
#   - the agent replaying every capture of $SHARED/testdata/pcap;
#   - a collector serving a real agent's replay, then `query` and
#     `rollup` on what it stored.
# Skipped for a sanitizer build (valgrind cannot run ASan binaries).
. "$(dirname "$0")/../lib.sh"

command -v valgrind > /dev/null || skip "valgrind not installed"
if nm "$B/tests/test_wire" 2> /dev/null | grep -q __asan_init; then
    skip "sanitizer build: valgrind cannot run ASan binaries"
fi
# word-split on purpose where used
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
n=0; bad=""
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    n=$((n + 1))
    if ! $VG "$t" > "$T/$name.log" 2>&1; then
        echo "== $name under valgrind:"; tail -n 30 "$T/$name.log"
        bad="$bad $name"
    fi
done
[ "$n" -gt 10 ] || fail "only $n unit test binaries found in $B/tests"

np=0
"$B/tools/gencap" -o "$T/s.pcap" -c "$T/s.csv" -e "$T/s.json" -n 4 -m 3 \
    -p 200 -s 5 > /dev/null || fail "gencap"
for f in "$SHARED"/testdata/pcap/*.pcap*; do
    [ -f "$f" ] || continue
    np=$((np + 1))
    if ! $VG "$B/classband-agent" --replay "$f" --classes "$T/s.csv" \
            --output - > /dev/null 2> "$T/agent.err"; then
        echo "== agent --replay $f under valgrind:"; tail -n 30 "$T/agent.err"
        bad="$bad agent:$(basename "$f")"
    fi
done
[ "$np" -gt 0 ] || fail "no captures in $SHARED/testdata/pcap"

COLLECTOR_WRAP=$VG
start_collector coll --db "$T/c.db"
COLLECTOR_WRAP=
"$B/classband-agent" --replay "$T/s.pcap" --classes "$T/s.csv" \
    --collector "127.0.0.1:$COLLECTOR_PORT" --school V1 > "$T/agent.log" 2>&1 ||
    { cat "$T/agent.log"; fail "replay into the collector"; }
stop_collector; rc=$?
if [ "$rc" -ne 0 ]; then
    echo "== collector serve under valgrind (exit $rc):"; tail -n 30 "$T/coll.log"
    bad="$bad collector-serve"
fi
$VG "$B/classband-collector" query --db "$T/c.db" > "$T/q.jsonl" 2> "$T/q.err" ||
    { tail -n 30 "$T/q.err"; bad="$bad collector-query"; }
rows=$(wc -l < "$T/q.jsonl")
[ "$rows" -gt 0 ] || fail "query printed no rows"
$VG "$B/classband-collector" rollup --db "$T/c.db" > /dev/null 2> "$T/r.err" ||
    { tail -n 30 "$T/r.err"; bad="$bad collector-rollup"; }

[ -z "$bad" ] || fail "under valgrind:$bad"
echo "$n unit test binaries, the agent on $np captures, collector serve ($rows rows), query and rollup: clean under valgrind"
