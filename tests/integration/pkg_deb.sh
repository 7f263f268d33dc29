#!/bin/sh
# Debian packages end to end: `make deb` (lintian-checked), install both
# packages on this machine, start the services as their units say, see the
# agent reach the collector and its figures stored exactly as the capture
# generator's own totals say (an oracle that shares no code with the
# agent), then purge both and check that nothing is left behind.
#
# When systemd is not PID 1 (containers, CI sandboxes) the units cannot be
# started with systemctl: the test then runs each unit's own ExecStartPre=
# and ExecStart= lines, read from the installed unit file, as the unit's
# User= with the unit's AmbientCapabilities= (setpriv), and says so. The
# sandbox directives are then not applied; their score is checked with
# `systemd-analyze security --offline`.
#
# Slow and changes the machine (installs, then purges, two packages): runs
# only as root and with CLASSBAND_SLOW_TESTS=1.
#   CLASSBAND_SLOW_TESTS=1 tests/run.sh pkg_deb
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}

if [ "${CLASSBAND_SLOW_TESTS:-0}" != 1 ]; then
    echo "slow test: set CLASSBAND_SLOW_TESTS=1 to build, install and purge the .debs"
    exit 77
fi
if [ "$(id -u)" != 0 ]; then
    echo "needs root (installs and purges packages)"
    exit 77
fi
for t in dpkg-buildpackage dh lintian fakeroot setpriv; do
    if ! command -v $t >/dev/null 2>&1; then
        echo "needs $t (apt-get install debhelper lintian fakeroot util-linux)"
        exit 77
    fi
done
for p in classband-agent classband-collector; do
    if dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q installed; then
        echo "$p is already installed here; not touching it"
        exit 77
    fi
done

tmp=$(mktemp -d /tmp/pkg_deb.XXXXXX)
chmod 755 "$tmp"
cpid=""; apid=""
fail=0
cleanup() {
    [ -n "$apid" ] && kill "$apid" 2>/dev/null
    [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
    [ -n "$cpid" ] && wait "$cpid" 2>/dev/null
    if dpkg-query -W classband-agent classband-collector >/dev/null 2>&1; then
        dpkg --purge classband-agent classband-collector >/dev/null 2>&1
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
check() { # check DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then echo "ok:   $d"; else echo "FAIL: $d"; fail=1; fi
}

# ---- build ------------------------------------------------------------------
echo "== make deb"
if ! make --no-print-directory deb BUILD="$BUILD" > "$tmp/deb.log" 2>&1; then
    tail -n 40 "$tmp/deb.log"
    echo "FAIL: make deb (lintian errors or warnings fail it)"
    exit 1
fi
grep -E '^(E|W|I): ' "$tmp/deb.log" && {
    echo "FAIL: lintian tags not overridden"; fail=1; }
echo "ok:   make deb, lintian clean (overrides: packaging/debian/*.lintian-overrides)"
ver=$(cat VERSION)
arch=$(dpkg --print-architecture)
adeb=$BUILD/deb/classband-agent_${ver}_$arch.deb
cdeb=$BUILD/deb/classband-collector_${ver}_$arch.deb
ls -l "$adeb" "$cdeb" || exit 1

# test data: a synthetic school capture and the generator's own totals
gencap=$BUILD/tools/gencap
[ -x "$gencap" ] || make --no-print-directory BUILD="$BUILD" "$gencap" >/dev/null
"$gencap" -o "$tmp/school.pcap" -c "$tmp/classes.csv" -e "$tmp/expected.json" \
    -n 8 -m 3 -s 7 || exit 1
chmod 644 "$tmp"/*

# ---- install ----------------------------------------------------------------
echo "== install"
if ! dpkg -i "$cdeb" "$adeb" > "$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "FAIL: dpkg -i"
    exit 1
fi
check "user classband exists" getent passwd classband
check "binaries installed" test -x /usr/sbin/classband-agent -a \
    -x /usr/sbin/classband-collector
check "--version of both" sh -c \
    "/usr/sbin/classband-agent --version | grep -qx 'classband-agent $ver' &&
     /usr/sbin/classband-collector --version |
         grep -qx 'classband-collector $ver'"
check "man pages installed" test -f /usr/share/man/man8/classband-agent.8.gz \
    -a -f /usr/share/man/man5/classband-agent.conf.5.gz \
    -a -f /usr/share/man/man8/classband-collector.8.gz \
    -a -f /usr/share/man/man5/classband-collector.conf.5.gz
check "profiles and policy packs installed" sh -c \
    'ls /usr/share/classband/profiles/*.profile >/dev/null &&
     ls /usr/share/classband/schema/packs/*.csv >/dev/null'
for f in agent collector; do
    check "/etc/classband/$f.conf is root:classband 0640" \
        test "$(stat -c %U:%G:%a /etc/classband/$f.conf)" = root:classband:640
done
check "/var/lib/classband belongs to classband" \
    test "$(stat -c %U /var/lib/classband)" = classband
for u in classband-agent classband-collector; do
    s=$(systemd-analyze security --offline=true \
        /lib/systemd/system/$u.service 2>/dev/null | tail -n 1)
    echo "      $u: $s"
    case "$s" in
    *"exposure level"*" OK "*|*"exposure level"*" SAFE "*) ;;
    *) echo "FAIL: $u: systemd-analyze security is not OK"; fail=1 ;;
    esac
done

# ---- configure for a loopback test ---------------------------------------------
# a free loopback port
port=0
for p in $(shuf -i 20000-45000 -n 20); do
    if ! ss -ltnH "sport = :$p" | grep -q .; then port=$p; break; fi
done
[ $port -ne 0 ] || { echo "FAIL: no free port"; exit 1; }
sed -i "s/^listen .*/listen 127.0.0.1:$port/" /etc/classband/collector.conf
cp "$tmp/classes.csv" /etc/classband/classes.csv
db=$(sed -n 's/^db[[:space:]]\{1,\}//p' /etc/classband/collector.conf)
# credentials the packaged way: enroll on the collector (as its user),
# the printed lines into the agent's config (root:classband 0640)
if ! runuser -u classband -- /usr/sbin/classband-collector enroll PKGTEST1 \
    --db "$db" > "$tmp/enroll.out" 2> "$tmp/enroll.err"; then
    cat "$tmp/enroll.err"; echo "FAIL: enroll"; exit 1
fi
check "enroll printed agent_id, school and tls_key" sh -c \
    "grep -q '^agent_id ' $tmp/enroll.out && grep -q '^school PKGTEST1' \
     $tmp/enroll.out && grep -q '^tls_key [0-9a-f]\{64\}\$' $tmp/enroll.out"
grep -v '^#' "$tmp/enroll.out" >> /etc/classband/agent.conf
cat >> /etc/classband/agent.conf <<EOF
collector   127.0.0.1:$port
classes     /etc/classband/classes.csv
interface   lo
EOF

# ---- start ----------------------------------------------------------------------
unit_val() { # unit_val UNIT KEY: the last KEY= line of the installed unit
    sed -n "s/^$2=//p" "/lib/systemd/system/$1.service" | tail -n 1
}
caps_of() { # AmbientCapabilities= -> setpriv's +net_raw,+net_admin
    echo "$1" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ \+/,/g'
}
run_as_unit() { # run_as_unit UNIT COMMAND...  ($EXEC=exec: replace the shell)
    u=$(unit_val "$1" User); g=$(unit_val "$1" Group)
    amb=$(unit_val "$1" AmbientCapabilities)
    shift
    if [ -n "$amb" ]; then
        c=$(caps_of "$amb")
        $EXEC setpriv --reuid="$u" --regid="$g" --init-groups --inh-caps="$c" \
            --ambient-caps="$c" --no-new-privs -- "$@"
    else
        $EXEC setpriv --reuid="$u" --regid="$g" --init-groups --inh-caps=-all \
            --no-new-privs -- "$@"
    fi
}

EXEC=
pid1=$(ps -p 1 -o comm=)
if [ "$pid1" = systemd ]; then
    echo "== start (systemd is PID 1: systemctl)"
    systemctl daemon-reload
    systemctl restart classband-collector   # new port, new key
    check "collector unit active" systemctl is-active -q classband-collector
    systemctl start classband-agent
    sleep 3
    check "agent unit active" systemctl is-active -q classband-agent
    apid=$(systemctl show -p MainPID --value classband-agent)
    cpid=""
else
    echo "== start: systemd is not PID 1 here (PID 1 is \"$pid1\"), so the"
    echo "   units' ExecStartPre=/ExecStart= lines are run as their User= with"
    echo "   their AmbientCapabilities= (setpriv); the sandbox is not applied"
    cpre=$(unit_val classband-collector ExecStartPre)
    cexe=$(unit_val classband-collector ExecStart)
    echo "   collector: $cexe"
    # shellcheck disable=SC2086
    check "collector ExecStartPre (config check) passes" \
        run_as_unit classband-collector $cpre
    # shellcheck disable=SC2086
    # in a subshell that becomes the daemon, so that $! is the daemon
    (EXEC=exec run_as_unit classband-collector $cexe) > "$tmp/collector.log" 2>&1 &
    cpid=$!
    # a loaded machine may take a while to open, migrate and listen
    for i in $(seq 300); do
        ss -ltnH "sport = :$port" | grep -q . && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    if ss -ltnH "sport = :$port" | grep -q .; then
        echo "ok:   collector listens on 127.0.0.1:$port"
    else
        echo "FAIL: collector does not listen on 127.0.0.1:$port; its log:"
        tail -n 20 "$tmp/collector.log"
        fail=1
    fi
    apre=$(unit_val classband-agent ExecStartPre)
    aexe=$(unit_val classband-agent ExecStart)
    echo "   agent: $aexe"
    # shellcheck disable=SC2086
    check "agent ExecStartPre (config check) passes" \
        run_as_unit classband-agent $apre
    # shellcheck disable=SC2086
    (EXEC=exec run_as_unit classband-agent $aexe) > "$tmp/agent.log" 2>&1 &
    apid=$!
    # until it has said HELLO (or died), at most 20 s
    for i in $(seq 200); do
        grep -q "agent .* school PKGTEST1" "$tmp/collector.log" && break
        kill -0 "$apid" 2>/dev/null || break
        sleep 0.1
    done
    sleep 1
fi

# The live agent: capturing on lo as classband, with only the capture
# capabilities, connected to the collector.
if [ -n "$apid" ] && kill -0 "$apid" 2>/dev/null; then
    echo "ok:   agent running (live capture on lo)"
    st=/proc/$apid/status
    uid=$(awk '/^Uid:/{print $2}' "$st")
    check "agent runs as classband (uid $uid)" \
        test "$uid" = "$(id -u classband)"
    echo "      live agent (capturing lo): $(grep -E '^Vm(RSS|HWM):' "$st" |
        tr -s ' \t' ' ' | tr '\n' ' ')"
    capeff=$(awk '/^CapEff:/{print $2}' "$st")
    # CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13: 0x3000 and nothing else
    check "agent's effective capabilities are NET_ADMIN+NET_RAW only ($capeff)" \
        test "$(printf '%x' "0x$capeff")" = 3000
    if [ "$pid1" = systemd ]; then
        systemctl stop classband-agent
    else
        kill "$apid"; wait "$apid" 2>/dev/null
    fi
    apid=""
else
    echo "FAIL: agent is not running; its log:"
    cat "$tmp/agent.log" 2>/dev/null | tail -n 20
    fail=1
    apid=""
fi
[ "$pid1" = systemd ] &&
    journalctl -u classband-collector --no-pager > "$tmp/collector.log" 2>&1
check "the live agent (the unit's command) connected to the collector" \
    grep -q "agent .* school PKGTEST1" "$tmp/collector.log"

# ---- the agent reaches the collector: a replay, same command line -----------
echo "== replay a generated capture through the installed agent"
aexe=$(unit_val classband-agent ExecStart)
# the same school: the key is bound to it
# shellcheck disable=SC2086
if run_as_unit classband-agent timeout 120 $aexe \
    --replay "$tmp/school.pcap" > "$tmp/replay.log" 2>&1; then
    echo "ok:   replay finished with every batch acknowledged"
else
    echo "FAIL: replay; its log:"; tail -n 20 "$tmp/replay.log"; fail=1
fi
# the capture's own minutes (the live agent's rows, if any, are today's)
t0=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['start'])" \
    "$tmp/expected.json")
runuser -u classband -- /usr/sbin/classband-collector query --db "$db" \
    --school PKGTEST1 --from "$t0" --to "$((t0 + 3 * 60 - 1))" \
    > "$tmp/rows.json" 2> "$tmp/query.err" || {
    echo "FAIL: query"; cat "$tmp/query.err"; fail=1; }
echo "      $(wc -l < "$tmp/rows.json") minute rows stored for the capture"
# stored totals per class == the generator's totals
if python3 tests/class_totals.py "$tmp/expected.json" "$tmp/rows.json"
then
    echo "ok:   stored per-class totals equal the generator's"
else
    echo "FAIL: stored totals differ from the generator's"; fail=1
fi

# ---- stop ---------------------------------------------------------------------
if [ "$pid1" = systemd ]; then
    systemctl stop classband-agent classband-collector
else
    kill "$cpid"
    wait "$cpid"; rc=$?
    cpid=""
    check "collector stopped cleanly on SIGTERM (exit $rc)" test $rc -eq 0
fi

# ---- remove and purge -------------------------------------------------------
echo "== remove, then purge"
dpkg --remove classband-agent classband-collector > "$tmp/remove.log" 2>&1 ||
    { cat "$tmp/remove.log"; fail=1; }
check "config kept after remove" test -f /etc/classband/collector.conf
dpkg --purge classband-agent classband-collector > "$tmp/purge.log" 2>&1 ||
    { cat "$tmp/purge.log"; fail=1; }
rm -f /etc/classband/classes.csv  # ours, not the package's
rmdir /etc/classband 2>/dev/null
left=""
for f in /etc/classband /var/lib/classband /usr/sbin/classband-agent \
         /usr/sbin/classband-collector /usr/share/classband \
         /lib/systemd/system/classband-agent.service \
         /lib/systemd/system/classband-collector.service \
         /usr/share/doc/classband-agent /usr/share/doc/classband-collector; do
    [ -e "$f" ] && left="$left $f"
done
check "purge left nothing behind${left:+ (left:$left)}" test -z "$left"
check "dpkg knows neither package" sh -c \
    '! dpkg-query -W classband-agent classband-collector >/dev/null 2>&1'
getent passwd classband >/dev/null &&
    echo "note: the classband system user stays after purge (Debian practice)"

[ $fail -eq 0 ] && echo "pkg_deb: passed"
exit $fail
