/* probe: the agent's capacity and reachability probes, on the agent's
 * libuv loop (nothing blocks; every connection has a timer).
 *
 * Capacity (issue 3, item 5): at the configured local times
 * (`probe_schedule HH:MM[,HH:MM...]`, default 02:30, outside school hours),
 * or once `probe_startup_delay` seconds after start, a bounded TCP
 * throughput test against the collector's probe endpoint
 * (`probe_collector HOST:PORT`): upload for `probe_seconds` (default 5;
 * the collector counts what arrives), then download for as long (the agent
 * counts). The result, with the WAN link speed the OS reports for
 * `wan_interface IF` (/sys/class/net/IF/speed), is one PROBE_CAPACITY
 * record. A scheduled start is delayed by a random 0..`probe_spread`
 * seconds (default 600) so a district's agents do not all start at once;
 * an endpoint that answers "busy" is tried again 1-5 minutes later, up to
 * `probe_retries` times (default 10), and only the final outcome is sent.
 *
 * Reachability (item 6): every `reach_interval` seconds (default 30) a TCP
 * connect to each `reach_target tcp:HOST:PORT` (repeatable, numeric
 * addresses), 5 s timeout. A connection accepted or actively refused (RST)
 * proves the line works; a timeout or an unreachable error does not. Once
 * a minute, one REACH_MIN record per target: probes finished, how many got
 * through, mean connect time.
 *
 * Records go to the caller's callback as encoded batch records (the same
 * shape as the SNMP poller's). */
#ifndef PROBE_H
#define PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct probe_set;

/* records: n whole batch records (u8 type | u16 len | body) */
typedef void (*probe_emit_cb)(void *arg, const uint8_t *records, size_t len,
                              uint32_t n);

extern const char *const probe_conf_keys[]; /* NULL-terminated */

struct probe_set *probe_set_new(void);
void probe_set_free(struct probe_set *p); /* accepts NULL; after stop */
/* One config line (argv[0] is one of probe_conf_keys). Returns 0, or -1
 * with a message in err. */
int probe_conf_line(struct probe_set *p, int argc, char **argv, char *err,
                    size_t errlen);
/* True if there is anything to probe (a probe collector or a target). */
int probe_active(const struct probe_set *p);

/* Starts the timers. 0 or a libuv error. */
int probe_start(struct probe_set *p, uv_loop_t *loop, probe_emit_cb cb,
                void *arg);
/* Cancels what runs and closes every handle; nothing is emitted after.
 * Accepts NULL and a set that was never started. */
void probe_stop(struct probe_set *p);

/* For tests: starts one capacity probe now (if none is running). */
void probe_capacity_now(struct probe_set *p);
/* Link speed of ifname in Mbit/s from sysfs, or -1 (unknown, down, or a
 * virtual link). */
long probe_link_mbps(const char *ifname);

#endif /* PROBE_H */
