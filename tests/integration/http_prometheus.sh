#!/bin/sh
# /metrics scraped by a real Prometheus (Debian package) on loopback, with
# the bearer token from a credentials file, while a fake agent streams
# batches. The page passes `promtool check metrics`; the series are then
# read back through Prometheus' own HTTP API and compared with the store
# (SQL) and with what the fake agent sent.
. "$(dirname "$0")/http/common.sh"
command -v prometheus >/dev/null || skip "prometheus not installed"
FAKE=$B/tools/fakeagent
[ -x "$FAKE" ] || skip "no $FAKE (make tools)"

noc_district
noc_start
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/metrics" > "$T/metrics.txt" ||
    fail "GET /metrics"
if command -v promtool >/dev/null; then
    promtool check metrics < "$T/metrics.txt" > "$T/promtool.txt" 2>&1 ||
        { cat "$T/promtool.txt"; fail "promtool check metrics"; }
    echo "ok: promtool check metrics: clean"
fi

# a live agent: N batches, each acknowledged
N=40
"$FAKE" "127.0.0.1:$AGENT_PORT" stream PROM1 prom-agent $N > "$T/fake.log" 2>&1 ||
    { cat "$T/fake.log"; fail "fakeagent"; }

PP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '%s' "$TOKEN" > "$T/token"
cat > "$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: classband
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials_file: $T/token
    static_configs:
      - targets: ["127.0.0.1:$HTTP_PORT"]
YML
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address="127.0.0.1:$PP" > "$T/prometheus.log" 2>&1 &
PIDS="$PIDS $!"
P=http://127.0.0.1:$PP

# promq EXPR: the first sample's value, or nothing
promq() {
    curl -s --get "$P/api/v1/query" --data-urlencode "query=$1" |
        python3 -c 'import json,sys
d = json.load(sys.stdin)
r = d.get("data", {}).get("result", [])
print(r[0]["value"][1] if r else "")'
}
i=0
while [ $i -lt 60 ]; do
    [ "$(promq 'up{job="classband"}' 2>/dev/null)" = 1 ] &&
        [ -n "$(promq 'classband_school_devices' 2>/dev/null)" ] && break
    sleep 0.5; i=$((i + 1))
done
[ $i -lt 60 ] || { tail -20 "$T/prometheus.log"; fail "Prometheus never scraped the collector"; }
echo "ok: Prometheus scrapes the collector with the bearer token"

sq() { python3 -c 'import sqlite3,sys
print(sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True).execute(sys.argv[2]).fetchone()[0])' "$DB" "$1"; }
same() { # NAME GOT WANT [TOLERANCE]
    python3 -c 'import sys; g, w, tol = sys.argv[2], sys.argv[3], float(sys.argv[4])
sys.exit(0 if g != "" and abs(float(g) - float(w)) <= max(tol, 1e-6 * max(1, abs(float(w)))) else 1)' \
        "$1" "$2" "$3" "${4:-0}" ||
        fail "$1: Prometheus says '$2', expected $3"
    echo "ok: $1 = $2"
}

same "devices of HF101 (latest minute)" \
    "$(promq 'classband_school_devices{school="HF101"}')" \
    "$(sq "SELECT SUM(devices) FROM class_minute WHERE school = 'HF101' AND minute = (SELECT MAX(minute) FROM class_minute WHERE school = 'HF101')")"
same "lab downstream bytes/s of HF104" \
    "$(promq 'classband_class_down_bytes_per_second{school="HF104",class="lab"}')" \
    "$(sq "SELECT SUM(bytes_down) / 60.0 FROM class_minute WHERE school = 'HF104' AND class = 'lab' AND minute = (SELECT MAX(minute) FROM class_minute WHERE school = 'HF104')")"
same "class series" "$(promq 'count(classband_class_devices)')" \
    "$(sq "SELECT COUNT(*) FROM (SELECT DISTINCT m.school, m.class FROM class_minute m WHERE m.minute = (SELECT MAX(minute) FROM class_minute x WHERE x.school = m.school))")"
same "schools in the registry" "$(promq 'count(classband_school_info)')" \
    "$(sq "SELECT COUNT(*) FROM schools")"
same "2020-egress-urban share" \
    "$(promq 'classband_evaluation_rule_share_ratio{pack="hefei",year="2020",rule="2020-egress-urban"}')" \
    "$(sq "SELECT share_num * 1.0 / share_den FROM evaluation_rule WHERE rule = '2020-egress-urban' AND eval_id = (SELECT MAX(id) FROM evaluations)")"
same "2020-egress-urban verdict" \
    "$(promq 'count(classband_evaluation_rule_verdict{rule="2020-egress-urban",verdict="'"$(sq "SELECT verdict FROM evaluation_rule WHERE rule = '2020-egress-urban'")"'"})')" 1
same "failing school-rule pairs" \
    "$(promq 'count(classband_evaluation_school_status{status="fails"})')" \
    "$(sq "SELECT COUNT(*) FROM evaluation_school WHERE status = 'fails'")"
same "spool backlog of gw-hf105" \
    "$(promq 'classband_agent_spool_backlog_batches{agent="gw-hf105"}')" \
    "$(sq "SELECT backlog_batches FROM agent_status WHERE agent_id = 'gw-hf105' ORDER BY minute DESC LIMIT 1")"
# (one minute of slack: the hour may move on between the scrape and here)
same "capture completeness of gw-hf101 (last hour)" \
    "$(promq 'classband_agent_capture_completeness_ratio{agent="gw-hf101"}')" \
    "$(sq "SELECT COUNT(DISTINCT minute) / 60.0 FROM capture_minute WHERE agent_id = 'gw-hf101' AND minute >= strftime('%s','now') / 60 * 60 - 3600 AND minute < strftime('%s','now') / 60 * 60")" 0.0167
# collector internals: the fake agent's batches
same "batches stored by the collector" \
    "$(promq 'classband_collector_batches_stored_total')" "$N"
same "commits observed" \
    "$(promq 'classband_collector_commit_duration_seconds_count')" "$N"
same "prom-agent batches (streams table)" \
    "$(promq 'classband_agent_batches_total{agent="prom-agent"}')" "$N"
q=$(promq 'histogram_quantile(0.99, classband_collector_commit_duration_seconds_bucket)')
[ -n "$q" ] || fail "no commit latency quantile"
echo "ok: p99 commit latency (Prometheus histogram_quantile): $q s"
d=$(promq 'classband_collector_writer_queue_depth')
[ "$d" = 0 ] || fail "writer queue depth $d after the agent finished"
echo "ok: writer queue depth 0 at rest"
noc_stop
echo "http_prometheus: all checks passed"
