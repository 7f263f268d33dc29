/* snmponce: drives the agent's SNMP module without the agent: one-shot
 * JSON like `classband-agent --snmp-once`, or continuous polling on a libuv
 * loop for N polls, printing per-poll time, records and resident memory
 * (used to measure the 690-AP recording).
 *   snmponce [-p PROFILE_DIR] (-t SPEC | -c CONFIG)        one shot, JSON
 *   snmponce [-p DIR] -c CONFIG -n POLLS                    loop mode
 * CONFIG holds snmp_* and area lines (other keys are rejected). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "conf.h"
#include "log.h"
#include "snmp.h"
#include "wire_snmp.h"

static int
line_fn(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    return snmp_conf_line(obj, argc, argv, err, errlen);
}

struct loopst {
    uv_loop_t *loop;
    struct snmp_set *set;
    unsigned want, polls;
    uint64_t records, bytes, areas;
    uv_timer_t guard, tick;
    uint64_t last_tick, max_lag;
};

static long
rss_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, key, strlen(key)) == 0)
            v = strtol(line + strlen(key) + 1, NULL, 10);
    fclose(f);
    return v;
}

static void
on_records(void *arg, const uint8_t *rec, size_t len, uint32_t n)
{
    struct loopst *st = arg;
    size_t off = 0;
    uint8_t type;
    struct wire_rd body;

    st->records += n;
    st->bytes += len;
    while (wire_snmp_next(rec, len, &off, &type, &body) == 1) {
        if (type == WIRE_REC_SNMP_POLL) {
            struct wire_snmp_poll p;
            if (wire_snmp_poll_decode(&body, &p) != 0) {
                fprintf(stderr, "snmponce: bad poll record\n");
                exit(1);
            }
            st->polls++;
            printf("poll %u target=%s state=%u aps=%u up=%u duration_ms=%u "
                   "records=%u bytes=%zu rss_kb=%ld rebooted=%u\n",
                   st->polls, p.target, p.state, p.aps, p.aps_up,
                   p.duration_ms, n, len, rss_kb("VmRSS:"), p.rebooted);
            fflush(stdout);
        } else if (type == WIRE_REC_SNMP_IF) {
            struct wire_snmp_if f;
            if (wire_snmp_if_decode(&body, &f) != 0) {
                fprintf(stderr, "snmponce: bad interface record\n");
                exit(1);
            }
            /* "-" for no delta; counters as the collector would get them */
            printf("if target=%s index=%u name=%s hc=%d nodelta=%d "
                   "elapsed=%u in=", f.target, f.ifindex, f.name,
                   (f.flags & WIRE_SNMP_IF_HC) != 0,
                   (f.flags & WIRE_SNMP_IF_DISC) != 0, f.elapsed_s);
            if (f.in_bytes == WIRE_UNKNOWN)
                printf("- out=");
            else
                printf("%llu out=", (unsigned long long)f.in_bytes);
            if (f.out_bytes == WIRE_UNKNOWN)
                printf("-\n");
            else
                printf("%llu\n", (unsigned long long)f.out_bytes);
        } else if (type == WIRE_REC_SNMP_AREA) {
            struct wire_snmp_area a;
            static const char *names[] = {"?", "up", "down", "missing",
                                          "unreachable", "unknown"};
            if (wire_snmp_area_decode(&body, &a) != 0) {
                fprintf(stderr, "snmponce: bad area record\n");
                exit(1);
            }
            st->areas++;
            printf("area %s required=%u state=%s aps=%u up=%u down=%u "
                   "interval=%u\n", a.area, a.required, names[a.state],
                   a.aps, a.aps_up, a.aps_down, a.interval_s);
        }
    }
    if (st->polls >= st->want && !uv_is_closing((uv_handle_t *)&st->guard)) {
        snmp_stop(st->set);
        uv_close((uv_handle_t *)&st->guard, NULL);
        uv_close((uv_handle_t *)&st->tick, NULL);
    }
}

/* Loop responsiveness: how late a 20 ms timer fires while polls run. */
static void
tick_cb(uv_timer_t *t)
{
    struct loopst *st = t->data;
    uint64_t now = uv_hrtime() / 1000000;

    if (st->last_tick != 0 && now - st->last_tick > 20 &&
        now - st->last_tick - 20 > st->max_lag)
        st->max_lag = now - st->last_tick - 20;
    st->last_tick = now;
}

static void
guard_cb(uv_timer_t *t)
{
    struct loopst *st = t->data;

    fprintf(stderr, "snmponce: timed out waiting for polls\n");
    snmp_stop(st->set);
    uv_close((uv_handle_t *)&st->guard, NULL);
    uv_close((uv_handle_t *)&st->tick, NULL);
}

int
main(int argc, char **argv)
{
    const char *target = NULL, *conf = NULL, *pdir = NULL;
    unsigned loops = 0;
    struct snmp_set *set;
    int c, rc;

    log_init("snmponce", getenv("SNMPONCE_DEBUG") != NULL, 0);
    while ((c = getopt(argc, argv, "t:c:p:n:")) != -1) {
        switch (c) {
        case 't': target = optarg; break;
        case 'c': conf = optarg; break;
        case 'p': pdir = optarg; break;
        case 'n': loops = (unsigned)atoi(optarg); break;
        default:
            fprintf(stderr, "usage: snmponce [-p DIR] (-t SPEC | -c CONF) "
                            "[-n POLLS]\n");
            return 2;
        }
    }
    set = snmp_set_new();
    if (set == NULL)
        return 2;
    if (pdir != NULL) {
        char *a[2] = {"snmp_profile_dir", (char *)pdir};
        char err[128];
        if (snmp_conf_line(set, 2, a, err, sizeof(err)) != 0)
            return 2;
    }
    if (conf != NULL) {
        struct conf_key keys[8];
        size_t k = 0;
        memset(keys, 0, sizeof(keys));
        for (const char *const *p = snmp_conf_keys; *p != NULL && k < 7; p++)
            keys[k++] = (struct conf_key){*p, CONF_FUNC, 0, 0, 0, line_fn};
        if (conf_parse_file(conf, keys, set, stderr) != 0) {
            snmp_set_free(set);
            return 2;
        }
    }
    if (loops == 0) {
        rc = snmp_once(set, target, stdout);
        snmp_set_free(set);
        return rc;
    }
    struct loopst st;
    memset(&st, 0, sizeof(st));
    st.loop = uv_default_loop();
    st.set = set;
    st.want = loops;
    uv_timer_init(st.loop, &st.guard);
    st.guard.data = &st;
    uv_timer_start(&st.guard, guard_cb, 600000, 0);
    uv_timer_init(st.loop, &st.tick);
    st.tick.data = &st;
    uv_timer_start(&st.tick, tick_cb, 20, 20);
    if ((rc = snmp_start(set, st.loop, on_records, &st)) != 0) {
        fprintf(stderr, "snmponce: snmp_start: %s\n", strerror(-rc));
        return 2;
    }
    uv_run(st.loop, UV_RUN_DEFAULT);
    printf("done polls=%u records=%llu bytes=%llu area_records=%llu "
           "maxrss_kb=%ld max_loop_lag_ms=%llu\n",
           st.polls, (unsigned long long)st.records,
           (unsigned long long)st.bytes, (unsigned long long)st.areas,
           rss_kb("VmHWM:"), (unsigned long long)st.max_lag);
    uv_loop_close(st.loop);
    snmp_set_free(set);
    return st.polls >= loops ? 0 : 1;
}
