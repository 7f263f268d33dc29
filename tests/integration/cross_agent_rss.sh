#!/bin/sh
# The agent's resident memory at district scale: a school with 500 classes
# (tests/cross/manyclasses.py writes the capture, its class map and the
# per-class totals), replayed through the agent to a real collector on
# loopback over TLS with a disk spool, as on a router. The agent's private
# memory at its peak (RssAnon) must stay within the router budget of 8 MiB
# (override: RSS_LIMIT_KIB); the total peak RSS, which adds the pages of
# shared libraries (OpenSSL, net-snmp, libc), is printed. And what the collector stored must equal the generator's
# totals for every class. Also prints the peak with --output - (no uplink)
# and with a router-sized device table (max_devices 4096, as the OpenWrt
# package sets).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
A=$top/$BUILD/classband-agent
C=$top/$BUILD/classband-collector
limit=${RSS_LIMIT_KIB:-8192}
asan=0
# AddressSanitizer's shadow memory makes RSS meaningless: measured, printed,
# not held to the budget (the totals are still checked).
grep -q __asan_init "$A" 2>/dev/null && asan=1
[ -x "$A" ] && [ -x "$C" ] || { echo "build $BUILD first"; exit 77; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 77; }
command -v python3 >/dev/null || { echo "needs python3"; exit 77; }

T=$(mktemp -d /tmp/cross_agent_rss.XXXXXX)
cpid=""
trap '[ -n "$cpid" ] && kill $cpid 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
fail=0

python3 tests/cross/manyclasses.py "$T/school.pcap" "$T/classes.csv" \
    "$T/expected.json" 500 3 || exit 1
echo "capture: $(wc -c < "$T/school.pcap") bytes, 500 classes, 3 minutes"

# The collector as deployed: a config file, so TLS with enrolled keys.
printf 'listen 127.0.0.1:0\ndb %s\n' "$T/c.db" > "$T/c.conf"
for sc in RSS500 RSS500B; do
    "$C" enroll $sc --db "$T/c.db" 2>/dev/null | grep -v '^#' > "$T/$sc.cred" ||
        { echo "FAIL: enroll $sc"; exit 1; }
done
"$C" serve -c "$T/c.conf" > "$T/coll.log" 2>&1 &
cpid=$!
port=""
for i in $(seq 1 300); do
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/coll.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$T/coll.log"; echo "FAIL: collector did not start"; exit 1; }
grep -q "TLS" "$T/coll.log" || { cat "$T/coll.log"; echo "FAIL: collector not in TLS mode"; exit 1; }

rss() { # rss NAME ARGS...: runs the agent; sets kib (peak RSS, GNU
         # time) and anon (peak private anonymous memory, /proc polled)
    name=$1; shift
    /usr/bin/time -f %M -o "$T/$name.rss" timeout 120 "$A" "$@" \
        > "$T/$name.out" 2> "$T/$name.err" &
    tpid=$!
    anon=0
    while kill -0 "$tpid" 2>/dev/null; do
        # time -> timeout -> the agent
        tmo=$(ps -o pid= --ppid "$tpid" 2>/dev/null | head -n 1 | tr -d ' ')
        apid=""
        [ -n "$tmo" ] && apid=$(ps -o pid= --ppid "$tmo" 2>/dev/null |
            head -n 1 | tr -d ' ')
        if [ -n "$apid" ]; then
            a=$(awk '/^RssAnon:/{print $2}' "/proc/$apid/status" 2>/dev/null)
            [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
        fi
        sleep 0.02
    done
    wait "$tpid"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: $name: agent exit $rc"; tail -n 5 "$T/$name.err"
        fail=1
    fi
    kib=$(tail -n 1 "$T/$name.rss")
}

# as on a router: TLS to the collector, disk spool, default device table
{ cat "$T/RSS500.cred"; printf 'collector 127.0.0.1:%s\nspool %s\n' \
    "$port" "$T/spool"; } > "$T/a.conf"
chmod 600 "$T/a.conf"
rss tls -c "$T/a.conf" --replay "$T/school.pcap" --classes "$T/classes.csv"
tls_kib=$kib; tls_anon=$anon
echo "peak RSS, replay over TLS to the collector with a disk spool: $kib KiB"
echo "  of which private (RssAnon peak): $anon KiB; the rest is pages of"
echo "  shared libraries (libcrypto/libssl, net-snmp, libc: RssFile)"
# The budget is held against the agent's own (private) memory: shared
# library text is mapped once per system, and with OpenSSL it alone passes
# 6 MiB of RssFile on this machine. The total is printed above.
if [ $asan = 1 ]; then
    echo "note: ASan build: the $limit KiB budget is not applied"
elif [ "$anon" -eq 0 ]; then
    echo "FAIL: could not read the agent's RssAnon"; fail=1
elif [ "$anon" -gt "$limit" ]; then
    echo "FAIL: $anon KiB private is over the $limit KiB budget"; fail=1
fi

{ cat "$T/RSS500B.cred"; printf 'collector 127.0.0.1:%s\nspool %s\nmax_devices 4096\n' \
    "$port" "$T/spool2"; } > "$T/b.conf"
chmod 600 "$T/b.conf"
rss small -c "$T/b.conf" --replay "$T/school.pcap" --classes "$T/classes.csv"
echo "peak RSS, same with max_devices 4096: $kib KiB (private $anon KiB)"
rss output --replay "$T/school.pcap" --classes "$T/classes.csv" --output -
[ "$anon" -gt 0 ] && anon="$anon KiB" || anon="ended before a sample"
echo "peak RSS, --output - (no uplink, no TLS): $kib KiB (private: $anon)"
kib=$tls_kib

"$C" query --db "$T/c.db" --school RSS500 > "$T/rows.json" || fail=1
python3 tests/class_totals.py "$T/expected.json" "$T/rows.json" \
    --classes 500 || fail=1
[ $fail -eq 0 ] && echo "cross_agent_rss: passed (peak $kib KiB, private $tls_anon KiB, budget $limit KiB private)"
exit $fail
