#!/bin/sh
# agent_collector_down: an agent whose collector is down must keep running
# and retrying, spooling meanwhile: a collector outage must not take the
# agents down. Regression test: the agent died with SIGSEGV on its first
# reconnect, ~0.5 s after "connection refused", because up_reset started
# the retry timer with `(uv_timer_cb)up_connect`, so up_connect got the
# uv_timer_t * as its struct uplink * (agent/uplink.c).
# The agent captures on lo, so this needs root (or CAP_NET_RAW).
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || skip "agent_collector_down: needs root to capture on lo"
DEAD=$(free_port)
cat > "$T/a.conf" <<CONF
school SEC01
collector 127.0.0.1:$DEAD
plaintext yes
spool $T/spool
interface lo
class a 10.1.1.0/24
CONF
chmod 600 "$T/a.conf"
# 6 s: backoff 500 ms, 1 s, 2 s ... gives at least three reconnects
timeout -s TERM 6 "$B/classband-agent" -c "$T/a.conf" > "$T/out" 2>&1
rc=$?
tries=$(grep -c 'connection refused; retrying' "$T/out")
echo "agent exit $rc after 6 s, $tries connection attempts logged"
# 124: still running when timeout stopped it; 0: clean exit on SIGTERM
[ $rc -eq 124 ] || [ $rc -eq 0 ] || { cat "$T/out"; fail "agent died (exit $rc) while the collector was down"; }
[ "$tries" -ge 3 ] || { cat "$T/out"; fail "agent did not keep retrying"; }
echo "agent_collector_down: ok"
