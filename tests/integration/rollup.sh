#!/bin/sh
# Rollups: hourly and per-school-day rows computed by the collector's
# rollup pass equal figures computed independently (Python) from the raw
# minutes `query` prints; raw rows expire after the retention period while
# rollups stay. The capture starts 2026-09-01 00:00 UTC = 08:00 in the
# default calendar (UTC+8, Mon-Fri 08:00-17:00), a Tuesday.
. "$(dirname "$0")/../lib.sh"

"$B/tools/gencap" -o "$T/s.pcap" -c "$T/s.csv" -e "$T/s.json" -n 6 -m 70 \
    -p 300 -s 11 --start 1788220800 > /dev/null || fail "gencap"
start_collector coll --db "$T/c.db"
"$B/classband-agent" --replay "$T/s.pcap" --classes "$T/s.csv" \
    --collector "127.0.0.1:$COLLECTOR_PORT" --school R1 > "$T/agent.log" 2>&1 ||
    { cat "$T/agent.log"; fail "replay"; }
stop_collector
"$B/classband-collector" rollup --db "$T/c.db" || fail "rollup"
"$B/classband-collector" query --db "$T/c.db" > "$T/raw.jsonl" || fail "query"
sqlite3 -json "$T/c.db" "SELECT * FROM class_hour" > "$T/hour.json"
sqlite3 -json "$T/c.db" "SELECT * FROM class_day" > "$T/day.json"
sqlite3 -json "$T/c.db" "SELECT * FROM school_day" > "$T/sday.json"

python3 - "$T" <<'PY' || fail "rollups differ from the raw minutes"
import json, math, sys, collections
d = sys.argv[1]
raw = [json.loads(l) for l in open(d + "/raw.jsonl")]
hour = json.load(open(d + "/hour.json"))
day = json.load(open(d + "/day.json"))
sday = json.load(open(d + "/sday.json"))
bad = 0
# hourly sums and maxima
H = collections.defaultdict(lambda: dict(minutes=0, bytes_up=0, bytes_down=0,
        pkts_up=0, pkts_down=0, peak_up_bps=0, peak_down_bps=0, max_devices=0))
for r in raw:
    h = H[(r["class"], r["ts"] // 3600 * 3600)]
    h["minutes"] += 1
    for k in ("bytes_up", "bytes_down", "pkts_up", "pkts_down"):
        h[k] += r[k]
    h["peak_up_bps"] = max(h["peak_up_bps"], r["peak_up_bps"])
    h["peak_down_bps"] = max(h["peak_down_bps"], r["peak_down_bps"])
    h["max_devices"] = max(h["max_devices"], r["devices"])
got = {(x["class"], x["hour"]): {k: x[k] for k in H[(x["class"], x["hour"])]} for x in hour}
if got != dict(H):
    print("class_hour differs:", got, dict(H)); bad += 1
# per school day, school hours 08:00-17:00 UTC+8 = 00:00-09:00 UTC
t0 = 1788220800; slots = 540
per = collections.defaultdict(lambda: ([0] * slots, [0] * slots))
for r in raw:
    s = (r["ts"] - t0) // 60
    if 0 <= s < slots:
        per[r["class"]][0][s] += r["bytes_up"]
        per[r["class"]][1][s] += r["bytes_down"]
def p95(v):
    v = sorted(v); k = math.ceil(0.95 * len(v)); return v[k - 1] * 8 // 60
for x in day:
    up, down = per[x["class"]]
    want = (p95(up), p95(down), sum(up), sum(down))
    have = (x["p95_up_bps"], x["p95_down_bps"], x["bytes_up"], x["bytes_down"])
    if want != have:
        print("class_day", x["class"], "want", want, "have", have); bad += 1
if len(day) != len(per):
    print("class_day rows", len(day), "want", len(per)); bad += 1
agg_up = [sum(per[c][0][s] for c in per) for s in range(slots)]
if len(sday) != 1 or sday[0]["agg_peak_up_bps"] != max(agg_up) * 8 // 60 \
        or sday[0]["school_minutes"] != slots or sday[0]["minutes_with_data"] != 70:
    print("school_day", sday, max(agg_up) * 8 // 60); bad += 1
print("hours %d, class-days %d, mismatches %d" % (len(hour), len(day), bad))
sys.exit(1 if bad else 0)
PY

# Retention: 30 days later with 7 days' retention, the raw rows are gone and
# the rollups remain.
"$B/classband-collector" rollup --db "$T/c.db" --retention-days 7 \
    --now 2026-10-01 > "$T/expire.log" || fail "rollup with retention"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_minute")
[ "$n" = 0 ] || fail "$n raw rows left after retention"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM class_day")
[ "$n" -gt 0 ] || fail "rollups lost with the raw rows"
echo "rollup: ok ($(cat "$T/expire.log"))"
