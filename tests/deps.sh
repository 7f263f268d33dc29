#!/bin/sh
# Installs the Debian packages that building, testing and the demo need.
# As root: apt-get install of whatever is missing. Otherwise: prints the line.
# Kept as one list so CI, `make test` and `make demo` agree on it.
PKGS="build-essential pkg-config clang libpcap-dev libsnmp-dev libuv1-dev time libsqlite3-dev libcmocka-dev libssl-dev libjansson-dev sqlite3 tshark tcpdump snmp snmpd snmpsim iproute2 iputils-ping python3 valgrind libreoffice-calc-nogui jq libmicrohttpd-dev curl prometheus chromium fonts-wqy-microhei nodejs wrk python3-jsonschema python3-yaml openssl pmacct musl-tools"
# Only the slow tests (CLASSBAND_SLOW_TESTS=1: Debian packages, cross builds
# under qemu, a systemd container) need these; plain `make test` skips them.
SLOW_PKGS="debhelper lintian fakeroot file qemu-user-static gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-mipsel-linux-gnu gcc-s390x-linux-gnu systemd-container debootstrap"
[ "${CLASSBAND_SLOW_TESTS:-0}" = 1 ] && PKGS="$PKGS $SLOW_PKGS"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "classband: missing Debian packages; run as root:" >&2
    echo "  apt-get install -y$missing" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    debconf-set-selections 2>/dev/null || true
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update && apt-get install -y --no-install-recommends $missing
fi
