#!/bin/sh
# Makes a target-architecture sysroot for cross-building the agent and for
# running its unit tests under qemu-user, from Debian's own packages.
#
# Why not `apt-get install libpcap-dev:arm64 ...` (multiarch)? Multi-Arch:
# same packages must have one version on every architecture, and on this
# machine (Debian 12, Nov 2026) the amd64 libraries installed are at other
# versions than the mirror's foreign-architecture indexes carry:
#   libssl3      amd64 3.0.22-1~deb12u2, arm64 index 3.0.20-1~deb12u2
#                (needed by libsnmp40 and libssl-dev: libsnmp-dev:ARCH)
#   liblzma5     amd64 5.4.1-1,          arm64 index 5.4.1-1+deb12u1
#                (libpcap0.8 -> libdbus-1-3 -> libsystemd0 -> liblzma5)
#   linux-libc-dev amd64 6.1.187-1,      arm64 index 6.1.176-1
#                (libc6-dev:ARCH, needed by every -dev:ARCH)
# so libsnmp-dev:ARCH and libpcap0.8-dev:ARCH cannot be installed without
# changing the host's own libraries (libuv1-dev, libjansson-dev and
# libcmocka-dev:ARCH alone would install). When the multiarch -dev packages
# are installed anyway (tests/cross/build.sh checks with pkg-config) they
# are used; otherwise this script fetches the same Debian packages for ARCH
# with `apt-get download` and unpacks them with `dpkg-deb -x` into DIR,
# which changes nothing on the host.
#
# Usage: tests/cross/sysroot.sh ARCH DIR     (ARCH: arm64, armhf, mipsel)
# DIR/.complete marks a finished sysroot; rerunning is then a no-op.
set -eu
arch=$1
dir=$2
[ -f "$dir/.complete" ] && exit 0

# The agent's libraries, the collector's (the test binaries link all three
# static libraries), cmocka for the tests, and the runtime closure of their
# shared objects (libpcap -> dbus -> systemd -> cap/gcrypt/lz4/lzma/zstd;
# net-snmp -> ssl), plus libc6 so that qemu runs the tests against the
# target's own loader and gconv modules (GBK conversion in textconv).
PKGS="libc6 libc6-dev linux-libc-dev libcrypt1 libcrypt-dev libgcc-s1 libatomic1
libpcap0.8 libpcap0.8-dev libdbus-1-3 libdbus-1-dev libsystemd0 libcap2 libgcrypt20
libgpg-error0 liblz4-1 liblzma5 libzstd1
libsnmp40 libsnmp-dev libssl3 libssl-dev
libuv1 libuv1-dev libjansson4 libjansson-dev libsqlite3-0 libsqlite3-dev
libcmocka0 libcmocka-dev"

# apt-get download ARCH packages needs ARCH in dpkg's list and its indexes.
if [ "$arch" != "$(dpkg --print-architecture)" ] &&
   ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    if [ "$(id -u)" != 0 ]; then
        echo "sysroot: run as root: dpkg --add-architecture $arch &&" \
             "apt-get update" >&2
        exit 1
    fi
    dpkg --add-architecture "$arch"
    apt-get update >&2 || true
fi
mkdir -p "$dir/.debs"
cd "$dir/.debs"
want=""
for p in $PKGS; do want="$want $p:$arch"; done
# apt-get download warns when run as root ("unsandboxed"); harmless.
if ! apt-get download $want; then
    echo "sysroot: apt-get download failed for$want" >&2
    echo "sysroot: (run apt-get update? is $arch enabled: dpkg --add-architecture $arch?)" >&2
    exit 1
fi
for d in ./*.deb; do
    dpkg-deb -x "$d" ..
done
cd ..
# Debian's .pc files say prefix=/usr; pkg-config with PKG_CONFIG_SYSROOT_DIR
# rewrites -I/-L to the sysroot. Absolute symlinks (libfoo.so -> /lib/...)
# are made relative so that they resolve inside the sysroot.
find . -type l | while read -r l; do
    t=$(readlink "$l")
    case "$t" in
    /*) ln -sfn "$(pwd)$t" "$l" ;;
    esac
done
touch .complete
echo "sysroot: $arch ready in $dir"
