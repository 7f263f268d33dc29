#!/bin/sh
# snmp_counters: interface byte counters over time, against snmpsimd serving
# a device file generated here (derived data in a temp dir, not a
# recording) whose counters grow at known rates through snmpsim's
# `numeric` variation module: a 64-bit counter at 1 MB/s, a 32-bit one at
# 500 MB/s (it wraps at 2^32 every 8.6 s, on an interface of unknown speed
# so no plausibility bound hides a mistake). The deltas the agent sends
# must match the rates (the oracle: the generator's rate x elapsed time),
# across 32-bit wraps; after the device restarts (snmpsimd restarted:
# sysUpTime and the counters start over) the poll is flagged rebooted and
# carries no delta at all: a reset is never a traffic spike.
. "$(dirname "$0")/../lib.sh"
umask 077

for c in snmpsimd snmpget; do
    command -v $c > /dev/null || skip "snmp_counters: $c not installed"
done
[ -x "$B/tools/snmponce" ] || fail "no $B/tools/snmponce"
[ -f /usr/share/snmpsim/variation/numeric.py ] || skip "snmp_counters: snmpsim numeric variation module not found"
export CLASSBAND_SNMP_PROFILES="$TOP/agent/profiles"

while :; do
    PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
    ss -Huln "sport = :$PORT" | grep -q . || break
done
mkdir -p "$T/data" "$T/cache"
chmod 755 "$T" "$T/data"
RATE64=1000000
RATE32=500000000
cat > "$T/data/dev.snmprec" <<REC
1.3.6.1.2.1.1.1.0|4|classband counter test device
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1
1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=1000000
1.3.6.1.2.1.1.5.0|4|ctr-dev
1.3.6.1.2.1.2.2.1.8.1|2|1
1.3.6.1.2.1.2.2.1.8.2|2|1
1.3.6.1.2.1.2.2.1.10.2|65:numeric|rate=$RATE32,initial=4000000000,wrap=1
1.3.6.1.2.1.2.2.1.16.2|65:numeric|rate=1000,initial=5
1.3.6.1.2.1.31.1.1.1.1.1|4|wan
1.3.6.1.2.1.31.1.1.1.1.2|4|old32
1.3.6.1.2.1.31.1.1.1.6.1|70:numeric|rate=$RATE64,initial=123456789
1.3.6.1.2.1.31.1.1.1.10.1|70:numeric|rate=500000,initial=1000
1.3.6.1.2.1.31.1.1.1.15.1|66|1000
1.3.6.1.2.1.31.1.1.1.15.2|66|0
REC
chmod 644 "$T/data/dev.snmprec"
if [ "$(id -u)" = 0 ]; then
    chown nobody:nogroup "$T/cache"
    asuser="--process-user=nobody --process-group=nogroup"
else
    asuser=""
fi
SIMPID=
start_sim() {
    snmpsimd --data-dir="$T/data" --cache-dir="$T/cache" \
        --agent-udpv4-endpoint=127.0.0.1:$PORT $asuser \
        --logging-method=null >> "$T/snmpsim.log" 2>&1 &
    SIMPID=$!
    PIDS="$PIDS $SIMPID"
    i=0
    until snmpget -v2c -c dev -t 1 -r 0 127.0.0.1:$PORT 1.3.6.1.2.1.1.3.0 > /dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 30 ] || { cat "$T/snmpsim.log"; fail "snmpsimd did not answer"; }
        sleep 0.5
    done
}
start_sim

cat > "$T/c.conf" <<CONF
snmp_target dev v2c:dev@127.0.0.1:$PORT interval 4 timeout 1000 retries 0
CONF
"$B/tools/snmponce" -c "$T/c.conf" -n 7 > "$T/out" 2> "$T/err" &
TOOL=$!
PIDS="$PIDS $TOOL"
# After 4 polls (3 with deltas), restart the "device".
i=0
until grep -q '^poll 4 ' "$T/out"; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$T/out" "$T/err"; fail "no 4 polls"; }
    sleep 0.3
done
kill $SIMPID; wait $SIMPID 2>/dev/null
start_sim
wait $TOOL || { cat "$T/out" "$T/err"; fail "poll loop failed"; }
cat "$T/out" | grep -v '^area'

errors=0
# Deltas of polls 2-4 (before the restart) against the generator's rates.
awk -v r64=$RATE64 -v r32=$RATE32 '
    /^poll / { p = $2 + 0 }
    /^if / && p >= 2 && p <= 4 {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        rate = f["index"] == 1 ? r64 : r32
        if (f["nodelta"] != 0 || f["in"] == "-") { print "FAIL poll " p " if " f["index"] ": no delta"; bad++; next }
        want = rate * f["elapsed"]
        if (f["in"] < want * 0.75 || f["in"] > want * 1.25) {
            print "FAIL poll " p " if " f["index"] ": in " f["in"] " bytes in " f["elapsed"] " s, want about " want; bad++
        } else {
            print "ok   poll " p " if " f["index"] " (" (f["hc"] ? "64" : "32") "-bit): " f["in"] " bytes in " f["elapsed"] " s (rate " rate ")"
        }
        if (f["index"] == 2) sum32 += f["in"]
    }
    END {
        # 3 intervals of ~4 s at 500 MB/s cross 2^32 at least once.
        if (sum32 < 4294967296) { print "FAIL the 32-bit counter never wrapped (" sum32 " bytes)"; bad++ }
        else print "ok   32-bit counter wrapped " int(sum32 / 4294967296) " time(s) in polls 2-4"
        exit bad
    }' "$T/out" || errors=$((errors + 1))
# The first answer after the restart: rebooted, and no delta anywhere.
first=$(awk '/^poll / && $2 > 4 && /state=1/ { print $2; exit }' "$T/out")
[ -n "$first" ] || fail "no successful poll after the restart"
awk -v p=$first '/^poll / { cur = $2 } /^poll / && $2 == p { if ($0 !~ /rebooted=1/) { print "FAIL poll " p " not flagged rebooted"; bad++ } }
    /^if / && cur == p { if ($0 !~ /nodelta=1/ || $0 !~ /in=- out=-/) { print "FAIL after restart: " $0; bad++ } }
    END { if (!bad) print "ok   poll " p " after the restart: rebooted, no deltas"; exit bad }' "$T/out" || errors=$((errors + 1))
# And the next one has deltas again.
next=$(awk -v f=$first '/^poll / && $2 > f && /state=1/ { print $2; exit }' "$T/out")
if [ -n "$next" ]; then
    awk -v p=$next '/^poll / { cur = $2 } /^if / && cur == p && /nodelta=1/ { bad++ }
        END { if (bad) print "FAIL poll " p ": still no delta"; else print "ok   poll " p ": deltas again"; exit bad }' "$T/out" || errors=$((errors + 1))
fi
[ $errors -eq 0 ] || fail "$errors check group(s) failed"
echo "all checks passed"
