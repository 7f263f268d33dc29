#!/bin/sh
# Memory per idle agent connection over TLS (issue 5 item 9 with the
# security issue's TLS in place; goal <= 16 KiB). A collector with a config
# file (TLS 1.3, per-agent keys); N sessions (tools/tlsprobe idle) complete
# the handshake, say HELLO and sit idle; per connection = (RSS(N) - RSS(0))
# / N from /proc/PID/status. Env: BENCH_TLS_CONNS (default 2000).
. "$(dirname "$0")/bench.inc"

N=${BENCH_TLS_CONNS:-2000}
ulimit -n $((N * 2 + 512)) 2>/dev/null
"$B/classband-collector" enroll S1 --db "$T/c.db" --agent-id a1 > "$T/cred" 2>/dev/null ||
    fail "enroll"
key=$(sed -n 's/^tls_key //p' "$T/cred")
printf 'db %s\nidle_timeout 600\n' "$T/c.db" > "$T/c.conf"
start_collector coll -c "$T/c.conf"
sleep 0.5
r0=$(vmrss_kb "$COLLECTOR_PID")
"$B/tools/tlsprobe" "127.0.0.1:$COLLECTOR_PORT" idle "$N" 30 a1 "$key" S1 \
    > "$T/idle.out" 2>&1 &
probe=$!
PIDS="$PIDS $probe"
wait_log "$T/idle.out" "sessions up" 60 || fail "sessions did not come up"
sleep 1
r1=$(vmrss_kb "$COLLECTOR_PID")
echo "| idle TLS connections | collector RSS | per connection |"
echo "|---:|---:|---:|"
echo "| 0 | $r0 KiB | |"
echo "| $N | $r1 KiB | $(( (r1 - r0) * 1024 / N )) bytes |"
cat "$T/idle.out"
