#!/bin/sh
# Cross-builds the agent (and the unit tests that need only agent/ and
# common/ code) for a router CPU with Debian's cross toolchain, into
# OUT (a build dir of its own), and writes OUT/classband-agent.stripped.
#
# Usage: tests/cross/build.sh ARCH OUT  (ARCH: arm64, armhf, mipsel, s390x)
# Needs gcc-<triplet> (gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf,
# gcc-mipsel-linux-gnu). Libraries come from the multiarch -dev packages
# when they are installed, else from a sysroot that tests/cross/sysroot.sh
# unpacks from Debian's packages (see there for why).
# Prints the test binaries it built, one per line, on fd 3 if open.
set -eu
arch=$1
out=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
case "$arch" in
arm64)  triplet=aarch64-linux-gnu ;;
armhf)  triplet=arm-linux-gnueabihf ;;
mipsel) triplet=mipsel-linux-gnu ;;
# Not a router CPU: big-endian, standing in for the big-endian MIPS routers
# (OpenWrt ath79, lantiq) that Debian no longer builds libraries for.
s390x)  triplet=s390x-linux-gnu ;;
*) echo "cross: unknown architecture $arch (arm64, armhf, mipsel, s390x)" >&2
   exit 2 ;;
esac
cc=$triplet-gcc
# 32-bit targets: 64-bit off_t and ino_t, or readdir/stat fail with
# EOVERFLOW on file systems with 64-bit directory cookies or inode numbers
# (found by test_spool under qemu-arm on this host). Harmless on 64-bit; the
# native Makefile would do well to add it too. OpenWrt's musl is always
# 64-bit here.
lfs="-D_FILE_OFFSET_BITS=64"
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "cross: $cc not found (apt-get install gcc-$triplet)" >&2
    exit 3
fi
mods="libpcap netsnmp libuv jansson libssl libcrypto sqlite3 cmocka"

if PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig pkg-config --exists $mods \
   2>/dev/null; then
    # multiarch -dev packages installed: the toolchain finds them itself
    echo "cross: $arch: using installed multiarch -dev packages"
    pclibdir=/usr/lib/$triplet/pkgconfig
    sysroot=""
    ldextra=""
else
    sysroot=$(mkdir -p "$out" && cd "$out" && pwd)/sysroot
    sh "$top/tests/cross/sysroot.sh" "$arch" "$sysroot" >&2
    pclibdir=$sysroot/usr/lib/$triplet/pkgconfig:$sysroot/usr/share/pkgconfig
    # --sysroot makes the target's headers system headers (no -Werror on
    # them) and its libc the one linked; rpath-link follows DT_NEEDED
    # chains (libpcap -> libdbus -> libsystemd ...) at link time.
    ldextra="-Wl,-rpath-link=$sysroot/usr/lib/$triplet:$sysroot/lib/$triplet"
    cc="$cc --sysroot=$sysroot"
fi

tests=""
# Unit tests whose code is agent/ and common/ only: every header they
# include from the tree lives in agent/ or common/.
for t in "$top"/tests/test_*.c; do
    [ -f "$t" ] || continue
    ok=1
    for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$t"); do
        if [ -f "$top/collector/$h" ] && [ ! -f "$top/agent/$h" ] &&
           [ ! -f "$top/common/$h" ]; then
            ok=0
        fi
    done
    [ $ok = 1 ] && tests="$tests $out/tests/$(basename "$t" .c)"
done

cd "$top"
export PKG_CONFIG_LIBDIR="$pclibdir" PKG_CONFIG_SYSROOT_DIR="$sysroot" \
    PKG_CONFIG_PATH=
# The Makefile does not track flags: rebuild when they change.
flags="$cc $lfs $ldextra"
if [ "$(cat "$out/.flags" 2>/dev/null)" != "$flags" ]; then
    rm -rf "$out/obj" "$out"/*.a "$out/classband-agent" "$out/tests"
    echo "$flags" > "$out/.flags"
fi
make --no-print-directory BUILD="$out" CC="$cc" AR="$triplet-ar" \
    CFLAGS="-O2 -g $lfs" LDFLAGS="$ldextra" "$out/classband-agent" >&2
# The Makefile links every test with all three libraries; these need only
# two, so they are linked here and the collector's dependencies (SQLite,
# HTTP) need not exist for the target.
ver=$(cat VERSION 2>/dev/null || echo 0.0.0)
cflags="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
    -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -O2 -g $lfs
    -Icommon -Iagent $(pkg-config --cflags libpcap netsnmp libuv jansson libssl libcrypto cmocka)"
libs="$(pkg-config --libs libpcap netsnmp libuv jansson libssl libcrypto cmocka) -lm"
mkdir -p "$out/tests"
for t in $tests; do
    src=tests/$(basename "$t").c
    if [ ! -x "$t" ] || [ "$src" -nt "$t" ] || [ "$out/libagent.a" -nt "$t" ]
    then
        echo "$cc ... $src -> $t" >&2
        # shellcheck disable=SC2086
        $cc $cflags -DCLASSBAND_VERSION="\"$ver\"" $ldextra -o "$t" "$src" \
            "$out/libagent.a" "$out/libcommon.a" $libs
    fi
done
"$triplet-strip" -o "$out/classband-agent.stripped" "$out/classband-agent"
if { true >&3; } 2>/dev/null; then
    for t in $tests; do echo "$t" >&3; done
fi
size=$(wc -c < "$out/classband-agent.stripped")
echo "cross: $arch: $out/classband-agent ($(file -b "$out/classband-agent" |
    cut -d, -f1-2)); stripped $size bytes"
