#!/bin/sh
# Runs the libFuzzer harnesses built by `make fuzz-build` (see README.md).
# Env: FUZZ_BUILD (where the binaries are), FUZZ_SECONDS per harness,
# FUZZ_PARALLEL (harnesses at once), FUZZ_ONLY (e.g. "wire conf").
# Each harness runs on a copy of tests/fuzz/corpus/<name>/ in
# $FUZZ_BUILD/work/<name>/ so the repository is never written; a crash,
# leak, UBSan report, timeout or out-of-memory leaves its reproducer there
# and makes this script fail. Prints executions, exec/s and coverage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-600}
FUZZ_PARALLEL=${FUZZ_PARALLEL:-1}
FUZZ_ONLY=${FUZZ_ONLY:-}

# Largest input worth trying per harness: a few frames, a packet burst, a
# config or CSV file of some hundred lines.
max_len() {
    case $1 in
    wire) echo 16384 ;;
    packet) echo 8192 ;;
    conf) echo 8192 ;;
    registry_csv) echo 16384 ;;
    pack) echo 16384 ;;
    api) echo 4096 ;;
    ingest) echo 16384 ;;
    *) echo 4096 ;;
    esac
}

run_one() {
    name=$1
    bin=$(cd "$FUZZ_BUILD" && pwd)/fuzz_$name
    work=$FUZZ_BUILD/work/$name
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    if [ -d "$here/corpus/$name" ]; then
        cp "$here/corpus/$name"/* "$work/corpus/" 2>/dev/null
    fi
    dict=
    if [ -f "$here/dict/$name.dict" ]; then
        dict=-dict=$here/dict/$name.dict
    fi
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a leak or a
    # runaway allocation; leaks are checked by ASan at every input's end.
    (cd "$work" && "$bin" -max_total_time="$FUZZ_SECONDS" \
        -max_len="$(max_len "$name")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix=artifacts/ $dict \
        corpus >log 2>&1)
    rc=$?
    line=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
    execs=$(grep '^stat::number_of_executed_units' "$work/log" |
        awk '{print $2}')
    eps=$(grep '^stat::average_exec_per_sec' "$work/log" | awk '{print $2}')
    cov=$(echo "$line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    ncorp=$(ls "$work/corpus" | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz_$name: ok: ${execs:-?} execs, ${eps:-?} exec/s," \
            "cov ${cov:-?}, ft ${ft:-?}, corpus $ncorp"
    else
        echo "fuzz_$name: FAILED (exit $rc): see $work/log; reproducer:" \
            "$(ls "$work/artifacts" | head -1)"
        grep -E 'ERROR: |runtime error:|SUMMARY:' "$work/log" | head -5
    fi
    return $rc
}

names=
for f in "$here"/fuzz_*.c; do
    n=$(basename "$f" .c)
    n=${n#fuzz_}
    if [ -n "$FUZZ_ONLY" ]; then
        case " $FUZZ_ONLY " in *" $n "*) ;; *) continue ;; esac
    fi
    if [ ! -x "$FUZZ_BUILD/fuzz_$n" ]; then
        echo "fuzz_$n: not built (make fuzz-build)" >&2
        exit 1
    fi
    names="$names $n"
done

fail=0
out=$FUZZ_BUILD/work/summary
mkdir -p "$FUZZ_BUILD/work"
echo "# $(date -u +%FT%TZ) FUZZ_SECONDS=$FUZZ_SECONDS:$names" >>"$out"
set -- $names
while [ $# -gt 0 ]; do
    pids=
    i=0
    while [ $# -gt 0 ] && [ $i -lt "$FUZZ_PARALLEL" ]; do
        run_one "$1" >"$FUZZ_BUILD/work/$1.result" 2>&1 &
        pids="$pids $!:$1"
        i=$((i + 1))
        shift
    done
    for p in $pids; do
        wait "${p%%:*}" || fail=1
        cat "$FUZZ_BUILD/work/${p#*:}.result" | tee -a "$out"
    done
done
exit $fail
