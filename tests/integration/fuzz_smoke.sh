#!/bin/sh
# fuzz_smoke: builds every libFuzzer harness (tests/fuzz/fuzz_*.c) with
# clang + ASan + UBSan and runs each for 20 s on its seed corpus
# (`make fuzz-smoke`); fails on any crash, leak, UBSan report or hang.
# Slow (a clang build of everything plus ~2 minutes), so it runs only with
# CLASSBAND_SLOW_TESTS=1. The full 10-minute runs: `make fuzz`.
. "$(dirname "$0")/../lib.sh"

[ "${CLASSBAND_SLOW_TESTS:-0}" = 1 ] ||
    skip "fuzz_smoke: slow (clang build + 20 s per harness); set CLASSBAND_SLOW_TESTS=1"
command -v "${FUZZ_CC:-clang}" > /dev/null ||
    skip "fuzz_smoke: ${FUZZ_CC:-clang} not installed"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ return 0; }\n' > "$T/probe.c"
"${FUZZ_CC:-clang}" -fsanitize=fuzzer,address,undefined -o "$T/probe" "$T/probe.c" \
    > "$T/probe.log" 2>&1 ||
    skip "fuzz_smoke: ${FUZZ_CC:-clang} cannot link -fsanitize=fuzzer (libFuzzer missing)"

make --no-print-directory BUILD="${BUILD:-build}" fuzz-smoke || fail "make fuzz-smoke"
echo "fuzz_smoke: ok"
