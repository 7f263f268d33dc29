#!/bin/sh
# OpenWrt's C library is musl, not glibc. Without the OpenWrt SDK, this
# compiles every agent/ and common/ source against musl's headers (Debian's
# musl-dev, through musl-gcc) with the project's warning flags, the
# libraries' own headers (libpcap, net-snmp, libuv, jansson, OpenSSL) taken
# after musl's: a glibc-only function, type or macro the agent uses is an
# error here. Compile only (-fsyntax-only): there are no musl builds of the
# libraries to link with.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
command -v musl-gcc >/dev/null 2>&1 ||
    { echo "needs musl-gcc (apt-get install musl-tools musl-dev)"; exit 77; }
tmp=$(mktemp -d /tmp/cross_musl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# only the libraries' header trees, so that libc's headers come from musl
mkdir -p "$tmp/inc"
multi=$(gcc -print-multiarch 2>/dev/null)
for d in pcap pcap.h net-snmp uv uv.h jansson.h jansson_config.h openssl; do
    [ -e "/usr/include/$d" ] && ln -s "/usr/include/$d" "$tmp/inc/$d"
done
mkdir -p "$tmp/arch"
for d in openssl net-snmp; do
    [ -e "/usr/include/$multi/$d" ] && ln -s "/usr/include/$multi/$d" "$tmp/arch/$d"
done
fail=0; n=0
for f in common/*.c agent/*.c; do
    n=$((n + 1))
    if ! musl-gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
        -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -O2 \
        -DCLASSBAND_VERSION='"musl"' -Icommon -Iagent \
        -idirafter "$tmp/arch" -idirafter "$tmp/inc" -fsyntax-only "$f" \
        2> "$tmp/err"; then
        echo "FAIL: $f does not compile against musl:"
        head -n 20 "$tmp/err"
        fail=1
    fi
done
[ $fail -eq 0 ] && echo "cross_musl: $n agent/common sources compile against musl"
exit $fail
