#!/bin/sh
# The Debian packages under a real systemd, with the units' sandbox in
# force: a Debian 12 container (debootstrap, cached in $BUILD/nspawn-root)
# is booted with systemd-nspawn on a private network, copy-on-write
# (--volatile=overlay: the cached tree is never changed), the two packages
# are installed in it, the collector is started by the package, the agent
# is enrolled and started with systemctl, and then:
#   - both units are active under their sandbox: the agent as classband
#     with CapEff exactly NET_ADMIN+NET_RAW, NoNewPrivs, a seccomp filter;
#     the collector with no capability at all;
#   - the live agent (capturing lo) connects to the collector over TLS;
#   - a capture replayed by a copy of the agent unit (same sandbox, plus
#     --replay) is stored with exactly the generator's per-class totals;
#   - `systemd-analyze security` on the running units says OK or better;
#   - both stop cleanly and purge leaves nothing behind.
# Complements pkg_deb, which runs on this machine where systemd may not be
# PID 1. Slow (first run: debootstrap from the Debian mirror); root only;
# skipped unless CLASSBAND_SLOW_TESTS=1.
#   CLASSBAND_SLOW_TESTS=1 tests/run.sh pkg_systemd
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}

if [ "${CLASSBAND_SLOW_TESTS:-0}" != 1 ]; then
    echo "slow test: set CLASSBAND_SLOW_TESTS=1 to boot a systemd container"
    exit 77
fi
[ "$(id -u)" = 0 ] || { echo "needs root (systemd-nspawn)"; exit 77; }
for t in systemd-nspawn debootstrap nsenter dpkg-buildpackage lintian; do
    command -v $t >/dev/null 2>&1 || {
        echo "needs $t (apt-get install systemd-container debootstrap debhelper lintian)"
        exit 77; }
done

root=$top/$BUILD/nspawn-root
if [ ! -f "$root/.complete" ]; then
    echo "== debootstrap a Debian 12 container into $root (once)"
    rm -rf "$root"
    if ! debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,dbus,adduser,procps,iproute2,libpcap0.8,libsnmp40,libuv1,libjansson4,libsqlite3-0,libmicrohttpd12,libssl3 \
        bookworm "$root" http://deb.debian.org/debian > "$BUILD/nspawn-debootstrap.log" 2>&1
    then
        tail -n 5 "$BUILD/nspawn-debootstrap.log"
        echo "debootstrap failed (no Debian mirror?)"
        rm -rf "$root"
        exit 77
    fi
    touch "$root/.complete"
fi

tmp=$(mktemp -d /tmp/pkg_systemd.XXXXXX)
chmod 755 "$tmp"
npid=""
fail=0
cleanup() {
    if [ -n "$npid" ] && kill -0 "$npid" 2>/dev/null; then
        kill "$npid"
        for i in $(seq 50); do kill -0 "$npid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$npid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
check() {
    d=$1; shift
    if "$@"; then echo "ok:   $d"; else echo "FAIL: $d"; fail=1; fi
}

echo "== make deb"
make --no-print-directory deb BUILD="$BUILD" > "$tmp/deb.log" 2>&1 || {
    tail -n 30 "$tmp/deb.log"; echo "FAIL: make deb"; exit 1; }
ver=$(cat VERSION); arch=$(dpkg --print-architecture)
mkdir -p "$tmp/srv"
cp "$BUILD/deb/classband-agent_${ver}_$arch.deb" \
   "$BUILD/deb/classband-collector_${ver}_$arch.deb" "$tmp/srv/"
gencap=$BUILD/tools/gencap
[ -x "$gencap" ] || make --no-print-directory BUILD="$BUILD" "$gencap" >/dev/null
"$gencap" -o "$tmp/srv/school.pcap" -c "$tmp/srv/classes.csv" \
    -e "$tmp/expected.json" -n 8 -m 3 -s 5 || exit 1
chmod -R a+rX "$tmp/srv"

echo "== boot the container (private network, volatile overlay)"
machine=cbtest$$
systemd-nspawn -q -D "$root" -b --volatile=overlay --private-network \
    --register=no --keep-unit --console=passive -M "$machine" \
    --bind-ro="$tmp/srv:/srv/pkgtest" > "$tmp/nspawn.log" 2>&1 &
npid=$!
leader=""
for i in $(seq 100); do
    leader=$(ps -o pid= --ppid "$npid" 2>/dev/null | head -n 1 | tr -d ' ')
    if [ -n "$leader" ]; then
        st=$(nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null)
        case "$st" in running|degraded) break ;; esac
    fi
    sleep 0.2
done
[ -n "$leader" ] || { cat "$tmp/nspawn.log"; echo "FAIL: container did not boot"; exit 1; }
ct() { nsenter -t "$leader" -a "$@"; }
echo "ok:   container up, systemd $(ct systemctl --version | head -n 1 |
    cut -d' ' -f2) is its PID 1 (state: $st)"

echo "== install"
ct dpkg -i /srv/pkgtest/classband-collector_${ver}_$arch.deb \
    /srv/pkgtest/classband-agent_${ver}_$arch.deb > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; echo "FAIL: dpkg -i"; exit 1; }
ct systemd-analyze verify --man=no classband-agent.service \
    classband-collector.service > "$tmp/verify" 2>&1
check "systemd-analyze verify: both units clean" sh -c \
    "! grep -v '^\$' $tmp/verify | grep -q ."
grep -v '^$' "$tmp/verify" | sed 's/^/      /'
check "collector enabled and started by the package" \
    ct systemctl is-active -q classband-collector
check "agent installed disabled (needs a config first)" sh -c \
    "[ \"\$(nsenter -t $leader -a systemctl is-enabled classband-agent)\" = disabled ]"

db=$(ct sed -n 's/^db[[:space:]]\{1,\}//p' /etc/classband/collector.conf)
ct runuser -u classband -- classband-collector enroll PKGSD1 --db "$db" \
    > "$tmp/enroll.out" 2>&1 || { cat "$tmp/enroll.out"; echo "FAIL: enroll"; exit 1; }
ct sh -c "grep -v '^#' >> /etc/classband/agent.conf
cp /srv/pkgtest/classes.csv /etc/classband/classes.csv
cat >> /etc/classband/agent.conf <<EOF
collector 127.0.0.1:7411
classes /etc/classband/classes.csv
interface lo
EOF" < "$tmp/enroll.out"
# the key was enrolled after the collector read its keyring
ct systemctl restart classband-collector
ct systemctl enable --now classband-agent > /dev/null 2>&1
# until the agent has said HELLO (or 20 s)
for i in $(seq 40); do
    ct journalctl -u classband-collector --no-pager 2>/dev/null |
        grep -q "agent .* school PKGSD1" && break
    sleep 0.5
done
sleep 1
check "agent unit active" ct systemctl is-active -q classband-agent
check "collector unit active" ct systemctl is-active -q classband-collector

apid=$(ct systemctl show -p MainPID --value classband-agent)
cpid=$(ct systemctl show -p MainPID --value classband-collector)
ct cat "/proc/$apid/status" > "$tmp/agent.status" 2>/dev/null
ct cat "/proc/$cpid/status" > "$tmp/collector.status" 2>/dev/null
field() { awk -v k="$1:" '$1 == k {print $2}' "$2"; }
auid=$(ct id -u classband)
echo "      live agent (capturing lo, buffer_kib default): VmRSS $(field VmRSS \
    "$tmp/agent.status") kB, VmHWM $(field VmHWM "$tmp/agent.status") kB"
check "agent runs as classband" test "$(field Uid "$tmp/agent.status")" = "$auid"
check "agent CapEff is NET_ADMIN+NET_RAW only" \
    test "$(field CapEff "$tmp/agent.status")" = 0000000000003000
check "agent CapBnd is NET_ADMIN+NET_RAW only" \
    test "$(field CapBnd "$tmp/agent.status")" = 0000000000003000
check "agent NoNewPrivs" test "$(field NoNewPrivs "$tmp/agent.status")" = 1
check "agent seccomp filter" test "$(field Seccomp "$tmp/agent.status")" = 2
check "collector runs as classband" \
    test "$(field Uid "$tmp/collector.status")" = "$auid"
check "collector has no capability" \
    test "$(field CapEff "$tmp/collector.status")" = 0000000000000000
nofile=$(ct cat "/proc/$cpid/limits" | awk '/^Max open files/{print $4}')
# LimitNOFILE=65536, or as much as the container's own ceiling allows
ceil=$(ct cat /proc/1/limits | awk '/^Max open files/{print $5}')
want=65536
[ "$ceil" -lt "$want" ] 2>/dev/null && want=$ceil
check "collector may hold $want descriptors, one per agent (LimitNOFILE; has $nofile)" \
    test "$nofile" = "$want"
check "collector seccomp filter" \
    test "$(field Seccomp "$tmp/collector.status")" = 2
ct journalctl -u classband-collector --no-pager > "$tmp/collector.journal" 2>&1
check "the live agent connected to the collector (TLS)" \
    grep -q "agent .* school PKGSD1" "$tmp/collector.journal"

ct systemd-analyze security --no-pager classband-agent classband-collector \
    > "$tmp/security" 2>&1
grep -A3 '^UNIT ' "$tmp/security" | sed 's/^/      /'
grep '✗' "$tmp/security" | sed 's/^/      open: /' | cut -c1-100
for u in classband-agent classband-collector; do
    check "$u: systemd-analyze security OK or better" \
        grep -Eq "^$u.service +[0-9.]+ +(OK|SAFE|PERFECT)" "$tmp/security"
done

echo "== replay through a copy of the agent unit (same sandbox)"
ct systemctl stop classband-agent
ct sh -c "sed -e 's|^ExecStart=\\(.*\\)|ExecStart=\\1 --replay /srv/pkgtest/school.pcap|' \
    -e 's/^Type=simple/Type=oneshot/' -e '/^Restart/d' \
    /lib/systemd/system/classband-agent.service \
    > /run/systemd/system/classband-agent-replay.service"
ct systemctl daemon-reload
if ct timeout 120 systemctl start classband-agent-replay; then
    echo "ok:   replay unit finished with every batch acknowledged"
else
    echo "FAIL: replay unit"
    ct journalctl -u classband-agent-replay --no-pager | tail -n 15
    fail=1
fi
t0=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['start'])" \
    "$tmp/expected.json")
ct runuser -u classband -- classband-collector query --db "$db" \
    --school PKGSD1 --from "$t0" --to "$((t0 + 3 * 60 - 1))" > "$tmp/rows.json"
echo "      $(wc -l < "$tmp/rows.json") minute rows stored for the capture"
if python3 tests/class_totals.py "$tmp/expected.json" "$tmp/rows.json"
then
    echo "ok:   stored per-class totals equal the generator's"
else
    echo "FAIL: stored totals differ from the generator's"; fail=1
fi

echo "== stop, purge"
ct systemctl stop classband-agent classband-collector
check "collector stopped cleanly" sh -c \
    "nsenter -t $leader -a journalctl -u classband-collector --no-pager |
     grep -q 'collector: stopped'"
ct rm -f /run/systemd/system/classband-agent-replay.service /etc/classband/classes.csv
ct dpkg --purge classband-agent classband-collector > "$tmp/purge.log" 2>&1 ||
    { cat "$tmp/purge.log"; fail=1; }
left=$(ct sh -c 'for f in /etc/classband /var/lib/classband /usr/sbin/classband-agent \
    /usr/sbin/classband-collector /usr/share/classband \
    /lib/systemd/system/classband-agent.service \
    /lib/systemd/system/classband-collector.service \
    /etc/systemd/system/multi-user.target.wants/classband-agent.service \
    /etc/systemd/system/multi-user.target.wants/classband-collector.service; do
    [ -e "$f" ] && echo "$f"; done')
check "purge left nothing behind${left:+ (left: $left)}" test -z "$left"
[ $fail -eq 0 ] && echo "pkg_systemd: passed"
exit $fail
