/* snmp: the agent's SNMP side. Holds the targets and the Wi-Fi area map
 * from the config file (or the collector's push), polls every target on
 * its interval off the libuv loop thread (uv_queue_work; each poll is one
 * net-snmp single session in a worker, see snmp_poll.h), evaluates the
 * area map, and hands timestamped batch records (common/wire_snmp.h) to
 * the agent. `--snmp-once` polls once and prints JSON. docs/SNMP.md is
 * the user-facing description. Does not write to disk or the network
 * other than SNMP requests. */
#ifndef SNMP_H
#define SNMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#define SNMP_PROFILE_DIR_DEFAULT "/usr/share/classband/profiles"

struct snmp_set; /* all targets + area map from config */

struct snmp_set *snmp_set_new(void);        /* NULL if out of memory */
void snmp_set_free(struct snmp_set *s);     /* accepts NULL; after snmp_stop
                                               and the loop has drained */

/* One config line routed here (argv[0] is one of snmp_conf_keys). Returns
 * 0, or -1 with a message in err (the caller prefixes file:line). Keys:
 *   snmp_target NAME SPEC [timeout MS] [retries N] [interval S]
 *               [bulk on|off] [max_repetitions N] [profile NAME]
 *               [context NAME]
 *     SPEC  v2c:COMMUNITY@HOST[:PORT] | v1:COMMUNITY@HOST[:PORT]
 *         | v3:USER:noAuthNoPriv@HOST[:PORT]
 *         | v3:USER:authNoPriv:MD5|SHA|SHA256:AUTHPASS@HOST[:PORT]
 *         | v3:USER:authPriv:MD5|SHA|SHA256:AUTHPASS:DES|AES:PRIVPASS@HOST[:PORT]
 *     a pass phrase may be env:VAR or file:PATH instead of the secret.
 *   snmp_profile_dir DIR
 *   snmp_parallel N          polls in flight at once (default 2)
 *   snmp_area_interval S     area evaluation period (default: the
 *                            shortest target interval)
 *   area NAME required|optional AP-MATCH...   AP name, MAC or name glob */
int snmp_conf_line(struct snmp_set *s, int argc, char **argv, char *err,
                   size_t errlen);
extern const char *const snmp_conf_keys[]; /* NULL-terminated */

/* Replaces the area map with the collector's pushed one: CSV lines
 * `area,required,ap` (required 1/0; empty ap = an area with no AP; a first
 * line starting with "area," is a header). 0 or -1 with err set. */
int snmp_set_areamap_csv(struct snmp_set *s, const char *text, size_t len,
                         char *err, size_t errlen);

/* Polls every target once (or only `target`, a SPEC, with the profile
 * chosen by sysObjectID) and prints JSON to out. Blocking: for the CLI,
 * never on the loop. Returns a process exit code: 0 every target answered,
 * 1 some did not (their errors are in the JSON and on stderr), 2 bad
 * target or profiles. */
int snmp_once(struct snmp_set *s, const char *target, FILE *out);

/* Continuous polling on loop. For each completed poll (and each area
 * evaluation), cb gets concatenated records (u8 type | u16 len | body),
 * borrowed for the call only. Returns 0 or -errno. */
typedef void (*snmp_result_cb)(void *arg, const uint8_t *records, size_t len,
                               uint32_t nrecords);
int snmp_start(struct snmp_set *s, uv_loop_t *loop, snmp_result_cb cb,
               void *arg);
/* Stops timers and closes handles. Polls already running finish in their
 * worker (bounded by timeout x retries per request); run the loop until it
 * returns before snmp_set_free and uv_loop_close. */
void snmp_stop(struct snmp_set *s);

/* Replay (`--replay` with SNMP targets): call before snmp_start. Polls are
 * then due by the capture's clock, fed with snmp_replay_clock, and results
 * and area samples are stamped with it, so a replayed school day carries
 * SNMP evidence for that day. The devices are polled for real, now; only
 * the time stamp is the capture's. */
void snmp_set_replay(struct snmp_set *s, int on);
/* The capture clock reached t (unix seconds): starts the polls that are
 * due. Returns the polls in flight; the replay waits while it is not 0. */
int  snmp_replay_clock(struct snmp_set *s, int64_t t);

/* Number of targets configured. */
size_t snmp_set_ntargets(const struct snmp_set *s);

/* AP match rule of the area map, exported for tests: pattern is a MAC
 * (aa:bb:cc:dd:ee:ff, any case, - or : separated), a glob (* ? [), or an
 * exact name. mac may be NULL. Returns 1 on match. */
int snmp_area_match(const char *pattern, const char *name,
                    const uint8_t *mac);

#endif /* SNMP_H */
