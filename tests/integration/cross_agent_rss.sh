#!/bin/sh
# The agent's resident memory at district scale: a school with 500 classes
# (tests/cross/manyclasses.py writes the capture, its class map and the
# per-class totals), replayed through the agent to a real collector on
# loopback with a disk spool, as on a router. Peak RSS (GNU time's max
# resident set) must stay within the router budget of 8 MiB (override:
# RSS_LIMIT_KIB), and what the collector stored must equal the generator's
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

"$C" serve --listen 127.0.0.1:0 --db "$T/c.db" > "$T/coll.log" 2>&1 &
cpid=$!
port=""
for i in $(seq 1 50); do
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/coll.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$T/coll.log"; echo "FAIL: collector did not start"; exit 1; }

rss() { # rss NAME ARGS...: runs the agent under GNU time; prints max RSS KiB
    name=$1; shift
    /usr/bin/time -f %M -o "$T/$name.rss" timeout 120 "$A" "$@" \
        > "$T/$name.out" 2> "$T/$name.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: $name: agent exit $rc"; tail -n 5 "$T/$name.err"
        fail=1
    fi
    tail -n 1 "$T/$name.rss"
}

kib=$(rss uplink --replay "$T/school.pcap" --classes "$T/classes.csv" \
    --collector "127.0.0.1:$port" --school RSS500 --spool "$T/spool")
echo "peak RSS, replay to the collector with a disk spool: $kib KiB"
if [ $asan = 1 ]; then
    echo "note: ASan build: the $limit KiB budget is not applied"
elif [ "$kib" -gt "$limit" ]; then
    echo "FAIL: $kib KiB is over the $limit KiB budget"; fail=1
fi

printf 'max_devices 4096\nspool %s\n' "$T/spool2" > "$T/small.conf"
kib2=$(rss small -c "$T/small.conf" --replay "$T/school.pcap" \
    --classes "$T/classes.csv" --collector "127.0.0.1:$port" \
    --school RSS500B)
echo "peak RSS, same with max_devices 4096: $kib2 KiB"
kib3=$(rss output --replay "$T/school.pcap" --classes "$T/classes.csv" \
    --output -)
echo "peak RSS, --output - (no uplink): $kib3 KiB"

"$C" query --db "$T/c.db" --school RSS500 > "$T/rows.json" || fail=1
python3 - "$T/expected.json" "$T/rows.json" <<'EOF' || fail=1
import json, sys
exp = {c["class"]: (c["bytes_up"], c["bytes_down"], c["pkts_up"],
                    c["pkts_down"]) for c in json.load(open(sys.argv[1]))["classes"]}
got = {}
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    t = got.setdefault(r["class"], [0, 0, 0, 0])
    for i, k in enumerate(("bytes_up", "bytes_down", "pkts_up", "pkts_down")):
        t[i] += r[k]
bad = [k for k in exp if tuple(got.get(k, ())) != exp[k]]
extra = [k for k in got if k not in exp]
print("stored: %d classes; generator: %d; differing: %d; unexpected: %d"
      % (len(got), len(exp), len(bad), len(extra)))
for k in bad[:5]:
    print("  %s: generator %s, collector %s" % (k, exp[k], got.get(k)))
sys.exit(1 if bad or extra or len(exp) != 500 else 0)
EOF
[ $fail -eq 0 ] && echo "cross_agent_rss: passed (peak $kib KiB, budget $limit KiB)"
exit $fail
