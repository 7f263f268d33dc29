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

vg() {
    valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite "$@"
}
np=0
"$B/tools/gencap" -o "$T/s.pcap" -c "$T/s.csv" -e "$T/s.json" -n 4 -m 3 \
    -p 200 -s 5 > /dev/null || fail "gencap"
for f in "$SHARED"/testdata/pcap/*.pcap*; do
    [ -f "$f" ] || continue
    np=$((np + 1))
    if ! vg "$B/classband-agent" --replay "$f" --classes "$T/s.csv" \
            --output - > /dev/null 2> "$T/agent.err"; then
        echo "== agent --replay $f under valgrind:"; tail -n 30 "$T/agent.err"
        bad="$bad agent:$(basename "$f")"
    fi
done
[ "$np" -gt 0 ] || fail "no captures in $SHARED/testdata/pcap"

vg "$B/classband-collector" serve --listen 127.0.0.1:0 --db "$T/c.db" \
    > "$T/coll.log" 2>&1 &
cpid=$!
PIDS="$PIDS $cpid"
port=""
for i in $(seq 600); do
    port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$T/coll.log" |
           head -n 1)
    [ -n "$port" ] && break
    kill -0 "$cpid" 2> /dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { cat "$T/coll.log"; fail "collector under valgrind did not listen"; }
"$B/classband-agent" --replay "$T/s.pcap" --classes "$T/s.csv" \
    --collector "127.0.0.1:$port" --school V1 > "$T/agent.log" 2>&1 ||
    { cat "$T/agent.log"; fail "replay into the collector"; }
# Debian's /usr/bin/valgrind is a script that does not exec: the
# collector's own pid (valgrind keeps the program's) is in its log lines
vpid=$(sed -n 's/.*classband-collector\[\([0-9]*\)\].*/\1/p' "$T/coll.log" |
       head -n 1)
[ -n "$vpid" ] || fail "no collector pid in its log"
PIDS="$PIDS $vpid"
kill -TERM "$vpid"
wait "$cpid"; rc=$?
if [ "$rc" -ne 0 ]; then
    echo "== collector serve under valgrind (exit $rc):"; tail -n 30 "$T/coll.log"
    bad="$bad collector-serve"
fi
vg "$B/classband-collector" query --db "$T/c.db" > "$T/q.jsonl" 2> "$T/q.err" ||
    { tail -n 30 "$T/q.err"; bad="$bad collector-query"; }
rows=$(wc -l < "$T/q.jsonl")
[ "$rows" -gt 0 ] || fail "query printed no rows"
vg "$B/classband-collector" rollup --db "$T/c.db" > /dev/null 2> "$T/r.err" ||
    { tail -n 30 "$T/r.err"; bad="$bad collector-rollup"; }

[ -z "$bad" ] || fail "under valgrind:$bad"
echo "$n unit test binaries, the agent on $np captures, collector serve ($rows rows), query and rollup: clean under valgrind"
