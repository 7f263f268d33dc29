/* probe: see probe.h. Two independent machines on one 1-second timer:
 * the capacity probe (one at a time: connect, request, transfer, report,
 * for upload then download) and the reachability rounds (one connect per
 * target, each with its own timeout). Every connection lives in a heap
 * struct freed by its last close callback, so stopping at any moment
 * leaves nothing behind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "log.h"
#include "probe.h"
#include "wire_probe.h"

#define MAX_SCHED 8
#define MAX_TARGETS 16
#define CHUNK (64 * 1024)
#define REACH_TIMEOUT_MS 5000
#define PHASE_GRACE_MS 10000 /* connect + drain beyond probe_seconds */

/* the wire of the probe endpoint (collector/probe_srv.h; docs/PROTOCOL.md) */
#define PROBE_REQ_LEN 8
#define PROBE_REPORT_LEN 16
#define DIR_UP 1
#define DIR_DOWN 2

struct target {
    char spec[128];          /* as configured: tcp:HOST:PORT */
    struct sockaddr_storage ss;
    uint32_t probes, ok;     /* in the open minute */
    uint64_t rtt_sum_us;
};

struct cap_conn;

struct probe_set {
    /* config */
    int sched[MAX_SCHED];    /* minutes after local midnight */
    int nsched;
    int sched_set;
    unsigned seconds;
    char *collector;
    struct sockaddr_storage coll_ss;
    unsigned startup_delay;
    char *wan_if;
    struct target targets[MAX_TARGETS];
    int ntargets;
    unsigned reach_interval;
    unsigned retries;        /* after "busy", at 1-5 minute intervals */
    unsigned spread;         /* scheduled start: random delay up to this */
    /* run time */
    uv_loop_t *loop;
    uv_timer_t tick;
    int started, stopping;
    probe_emit_cb cb;
    void *arg;
    time_t t_start;
    int startup_done;
    int last_sched_min;      /* minute of day the schedule last fired */
    time_t next_reach;
    int64_t reach_minute;
    struct cap_conn *cap;    /* the running capacity probe, or NULL */
    time_t cap_at;           /* a delayed start or retry is due, or 0 */
    unsigned tries;          /* busy answers in this scheduled run */
    struct wire_probe_capacity res;
    struct reach_conn *reach; /* in flight */
};

const char *const probe_conf_keys[] = {
    "probe_schedule", "probe_seconds", "probe_collector",
    "probe_startup_delay", "wan_interface", "reach_target",
    "reach_interval", "probe_retries", "probe_spread", NULL,
};

struct probe_set *
probe_set_new(void)
{
    struct probe_set *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->sched[0] = 2 * 60 + 30;
    p->nsched = 1;
    p->seconds = 5;
    p->reach_interval = 30;
    p->retries = 10;
    p->spread = 600;
    p->last_sched_min = -1;
    return p;
}

void
probe_set_free(struct probe_set *p)
{
    if (p == NULL)
        return;
    free(p->collector);
    free(p->wan_if);
    free(p);
}

static int
parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int
parse_schedule(struct probe_set *p, const char *s, char *err, size_t errlen)
{
    char buf[256], *tok, *save = NULL;
    int n = 0;

    snprintf(buf, sizeof(buf), "%s", s);
    for (tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        unsigned h, m;
        char extra;

        if (n == MAX_SCHED || sscanf(tok, "%u:%u%c", &h, &m, &extra) != 2 ||
            h > 23 || m > 59) {
            snprintf(err, errlen, "probe_schedule: want HH:MM[,HH:MM] "
                     "(at most %d times), got \"%s\"", MAX_SCHED, tok);
            return -1;
        }
        p->sched[n++] = (int)(h * 60 + m);
    }
    if (n == 0) {
        snprintf(err, errlen, "probe_schedule: want HH:MM[,HH:MM]");
        return -1;
    }
    p->nsched = n;
    p->sched_set = 1;
    return 0;
}

int
probe_conf_line(struct probe_set *p, int argc, char **argv, char *err,
                size_t errlen)
{
    const char *k = argv[0];

    if (argc != 2) {
        snprintf(err, errlen, "%s: takes exactly one value", k);
        return -1;
    }
    if (strcmp(k, "probe_schedule") == 0)
        return parse_schedule(p, argv[1], err, errlen);
    if (strcmp(k, "probe_seconds") == 0) {
        if (parse_uint(argv[1], 1, 60, &p->seconds) != 0) {
            snprintf(err, errlen, "probe_seconds: 1..60");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "probe_startup_delay") == 0) {
        if (parse_uint(argv[1], 0, 86400, &p->startup_delay) != 0) {
            snprintf(err, errlen, "probe_startup_delay: 0..86400 seconds");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "reach_interval") == 0) {
        if (parse_uint(argv[1], 1, 3600, &p->reach_interval) != 0) {
            snprintf(err, errlen, "reach_interval: 1..3600 seconds");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "probe_retries") == 0) {
        if (parse_uint(argv[1], 0, 100, &p->retries) != 0) {
            snprintf(err, errlen, "probe_retries: 0..100");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "probe_spread") == 0) {
        if (parse_uint(argv[1], 0, 3600, &p->spread) != 0) {
            snprintf(err, errlen, "probe_spread: 0..3600 seconds");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "probe_collector") == 0) {
        if (addr_parse(argv[1], &p->coll_ss) != 0) {
            snprintf(err, errlen, "probe_collector: want HOST:PORT "
                     "(numeric), got \"%s\"", argv[1]);
            return -1;
        }
        free(p->collector);
        p->collector = strdup(argv[1]);
        return p->collector != NULL ? 0 : -1;
    }
    if (strcmp(k, "wan_interface") == 0) {
        free(p->wan_if);
        p->wan_if = strdup(argv[1]);
        return p->wan_if != NULL ? 0 : -1;
    }
    if (strcmp(k, "reach_target") == 0) {
        struct target *t;

        if (p->ntargets == MAX_TARGETS) {
            snprintf(err, errlen, "reach_target: at most %d", MAX_TARGETS);
            return -1;
        }
        t = &p->targets[p->ntargets];
        if (strncmp(argv[1], "tcp:", 4) != 0 ||
            strlen(argv[1]) >= sizeof(t->spec) ||
            addr_parse(argv[1] + 4, &t->ss) != 0) {
            snprintf(err, errlen, "reach_target: want tcp:HOST:PORT "
                     "(numeric), got \"%s\"", argv[1]);
            return -1;
        }
        snprintf(t->spec, sizeof(t->spec), "%s", argv[1]);
        p->ntargets++;
        return 0;
    }
    snprintf(err, errlen, "%s: not a probe key", k);
    return -1;
}

int
probe_active(const struct probe_set *p)
{
    return p != NULL && (p->collector != NULL || p->ntargets > 0);
}

long
probe_link_mbps(const char *ifname)
{
    char path[256];
    long v = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/sys/class/net/%s/speed", ifname);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    /* reading fails (EINVAL) on a link that is down or has no speed */
    if (fscanf(f, "%ld", &v) != 1 || v <= 0)
        v = -1;
    fclose(f);
    return v;
}

static void
emit(struct probe_set *p, const uint8_t *rec, size_t len, uint32_t n)
{
    if (!p->stopping && p->cb != NULL && n > 0)
        p->cb(p->arg, rec, len, n);
}

/* --- capacity ----------------------------------------------------------- */

struct cap_conn {
    struct probe_set *p;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t creq;
    uv_shutdown_t sreq;
    int dir;
    int handles;
    int closing;
    int accepted;
    int writing;          /* upload: still sending */
    unsigned inflight;
    uint8_t req[PROBE_REQ_LEN];
    uint8_t in[PROBE_REPORT_LEN + 1];
    size_t inlen;
    uint64_t bytes;       /* download: counted here */
    uint64_t t_first, t_last;
    uint64_t t_end;       /* upload: uv_now() when to stop writing */
    uint8_t rbuf[CHUNK];
};

static uint8_t zeros[CHUNK];

static void cap_phase(struct probe_set *p, int dir);

static void
cap_finish(struct probe_set *p)
{
    uint8_t mem[1100];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};
    struct wire_probe_capacity *r = &p->res;

    /* a district's agents share few test slots: busy is not a result,
     * try again in 1 to 5 minutes */
    if (r->status == WIRE_PROBE_BUSY && p->tries < p->retries) {
        p->tries++;
        p->cap_at = time(NULL) + 60 + (time_t)(random() % 240);
        log_info("probe: %s busy; retry %u of %u in %lld s", r->target,
                 p->tries, p->retries,
                 (long long)(p->cap_at - time(NULL)));
        return;
    }
    if (wire_probe_capacity_put(&b, r) == 0)
        emit(p, b.p, b.len, 1);
    if (r->status == WIRE_PROBE_OK)
        log_info("probe: capacity to %s: up %.1f Mbit/s, down %.1f Mbit/s",
                 r->target, (double)r->up_bps / 1e6,
                 (double)r->down_bps / 1e6);
    else
        log_warnx("probe: capacity to %s failed: %s", r->target, r->error);
}

static void
cap_closed(uv_handle_t *h)
{
    struct cap_conn *c = h->data;
    struct probe_set *p = c->p;
    int dir = c->dir;

    if (--c->handles > 0)
        return;
    free(c);
    if (p->cap == c)
        p->cap = NULL;
    if (p->stopping)
        return;
    if (dir == DIR_UP && p->res.status == WIRE_PROBE_OK)
        cap_phase(p, DIR_DOWN);
    else
        cap_finish(p);
}

static void
cap_close(struct cap_conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, cap_closed);
    uv_close((uv_handle_t *)&c->tcp, cap_closed);
}

static void
cap_fail(struct cap_conn *c, int status, const char *what, int err)
{
    struct probe_set *p = c->p;

    if (c->closing)
        return;
    p->res.status = (uint8_t)status;
    snprintf(p->res.error, sizeof(p->res.error), "%s %s%s%s",
             c->dir == DIR_UP ? "upload" : "download", what,
             err != 0 ? ": " : "", err != 0 ? uv_strerror(err) : "");
    cap_close(c);
}

static uint64_t
get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void cap_pump(struct cap_conn *c);

static void
on_cap_write(uv_write_t *w, int status)
{
    struct cap_conn *c = w->data;

    free(w);
    c->inflight--;
    if (c->closing)
        return;
    if (status < 0) {
        cap_fail(c, WIRE_PROBE_IO, "write", status);
        return;
    }
    cap_pump(c);
}

static int
cap_write(struct cap_conn *c, const void *p, size_t n)
{
    uv_write_t *w = malloc(sizeof(*w));
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int rc;

    if (w == NULL)
        return UV_ENOMEM;
    w->data = c;
    rc = uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_cap_write);
    if (rc != 0) {
        free(w);
        return rc;
    }
    c->inflight++;
    return 0;
}

static void
on_cap_shutdown(uv_shutdown_t *r, int status)
{
    struct cap_conn *c = r->data;

    if (status < 0 && status != UV_ECANCELED)
        cap_fail(c, WIRE_PROBE_IO, "shutdown", status);
}

/* upload: keep 4 chunks queued until the deadline, then FIN */
static void
cap_pump(struct cap_conn *c)
{
    int rc;

    if (c->dir != DIR_UP || !c->accepted || !c->writing)
        return;
    if (uv_now(c->p->loop) >= c->t_end) {
        if (c->inflight > 0)
            return;
        c->writing = 0;
        c->sreq.data = c;
        rc = uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_cap_shutdown);
        if (rc != 0)
            cap_fail(c, WIRE_PROBE_IO, "shutdown", rc);
        return;
    }
    while (c->inflight < 4) {
        rc = cap_write(c, zeros, sizeof(zeros));
        if (rc != 0) {
            cap_fail(c, WIRE_PROBE_IO, "write", rc);
            return;
        }
    }
}

static void
on_cap_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct cap_conn *c = h->data;

    (void)hint;
    *b = uv_buf_init((char *)c->rbuf, sizeof(c->rbuf));
}

static void
on_cap_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct cap_conn *c = s->data;
    struct probe_set *p = c->p;
    const uint8_t *d = (const uint8_t *)b->base;
    size_t off = 0;

    if (c->closing)
        return;
    if (n < 0) {
        if (n == UV_EOF && c->accepted && c->dir == DIR_DOWN) {
            uint64_t us = (c->t_last - c->t_first) / 1000;

            p->res.down_bytes = c->bytes;
            p->res.down_ms = (uint32_t)(us / 1000);
            p->res.down_bps = us > 0 ? c->bytes * 8 * 1000000 / us : 0;
            cap_close(c);
        } else if (n == UV_EOF && c->accepted) {
            cap_fail(c, WIRE_PROBE_IO, "ended without a report", 0);
        } else {
            cap_fail(c, WIRE_PROBE_IO, "read", n == UV_EOF ? 0 : (int)n);
        }
        return;
    }
    if (!c->accepted && n > 0) {
        if (d[0] == 'B') {
            cap_fail(c, WIRE_PROBE_BUSY, "refused: endpoint busy", 0);
            return;
        }
        if (d[0] != 'O') {
            cap_fail(c, WIRE_PROBE_IO, "refused: bad request", 0);
            return;
        }
        c->accepted = 1;
        off = 1;
        if (c->dir == DIR_UP) {
            c->writing = 1;
            c->t_end = uv_now(p->loop) + (uint64_t)p->seconds * 1000;
            cap_pump(c);
        }
    }
    if ((size_t)n <= off)
        return;
    if (c->dir == DIR_DOWN) {
        uint64_t now = uv_hrtime();

        if (c->bytes == 0)
            c->t_first = now;
        c->t_last = now;
        c->bytes += (uint64_t)n - off;
        return;
    }
    /* upload: the endpoint's report */
    while (off < (size_t)n && c->inlen < PROBE_REPORT_LEN)
        c->in[c->inlen++] = d[off++];
    if (c->inlen == PROBE_REPORT_LEN) {
        uint64_t bytes = get_u64(c->in), us = get_u64(c->in + 8);

        p->res.up_bytes = bytes;
        p->res.up_ms = (uint32_t)(us / 1000);
        p->res.up_bps = us > 0 ? bytes * 8 * 1000000 / us : 0;
        cap_close(c);
    }
}

static void
on_cap_connect(uv_connect_t *r, int status)
{
    struct cap_conn *c = r->data;
    int rc;

    if (c->closing)
        return;
    if (status < 0) {
        cap_fail(c, WIRE_PROBE_CONNECT, "connect", status);
        return;
    }
    memcpy(c->req, "CBP1", 4);
    c->req[4] = (uint8_t)c->dir;
    c->req[5] = (uint8_t)c->p->seconds;
    c->req[6] = c->req[7] = 0;
    if ((rc = uv_read_start((uv_stream_t *)&c->tcp, on_cap_alloc,
                            on_cap_read)) != 0 ||
        (rc = cap_write(c, c->req, sizeof(c->req))) != 0)
        cap_fail(c, WIRE_PROBE_IO, "request", rc);
}

static void
on_cap_timeout(uv_timer_t *t)
{
    cap_fail(t->data, WIRE_PROBE_TIMEOUT, "timed out", 0);
}

static void
cap_phase(struct probe_set *p, int dir)
{
    struct cap_conn *c = calloc(1, sizeof(*c));
    int rc;

    if (c == NULL) {
        p->res.status = WIRE_PROBE_IO;
        snprintf(p->res.error, sizeof(p->res.error), "out of memory");
        cap_finish(p);
        return;
    }
    c->p = p;
    c->dir = dir;
    uv_tcp_init(p->loop, &c->tcp);
    uv_timer_init(p->loop, &c->timer);
    c->tcp.data = c->timer.data = c->creq.data = c;
    c->handles = 2;
    p->cap = c;
    uv_timer_start(&c->timer, on_cap_timeout,
                   (uint64_t)p->seconds * 1000 + PHASE_GRACE_MS, 0);
    rc = uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&p->coll_ss,
                        on_cap_connect);
    if (rc != 0)
        cap_fail(c, WIRE_PROBE_CONNECT, "connect", rc);
}

void
probe_capacity_now(struct probe_set *p)
{
    struct wire_probe_capacity *r = &p->res;
    long mbps;

    if (p->cap != NULL || p->collector == NULL || p->stopping ||
        !p->started)
        return;
    memset(r, 0, sizeof(*r));
    r->ts = (int64_t)time(NULL);
    snprintf(r->target, sizeof(r->target), "%s", p->collector);
    snprintf(r->wan_if, sizeof(r->wan_if), "%s",
             p->wan_if != NULL ? p->wan_if : "");
    mbps = p->wan_if != NULL ? probe_link_mbps(p->wan_if) : -1;
    r->link_mbps = mbps > 0 ? (uint64_t)mbps : WIRE_UNKNOWN;
    r->up_bps = r->down_bps = WIRE_UNKNOWN;
    r->status = WIRE_PROBE_OK;
    cap_phase(p, DIR_UP);
}

/* --- reachability ------------------------------------------------------- */

struct reach_conn {
    struct probe_set *p;
    struct reach_conn *next, **pprev;
    int target;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t creq;
    int handles, closing;
    uint64_t t0;
};

static void
reach_closed(uv_handle_t *h)
{
    struct reach_conn *r = h->data;

    if (--r->handles == 0)
        free(r);
}

static void
reach_close(struct reach_conn *r)
{
    if (r->closing)
        return;
    r->closing = 1;
    *r->pprev = r->next;
    if (r->next != NULL)
        r->next->pprev = r->pprev;
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, reach_closed);
    uv_close((uv_handle_t *)&r->tcp, reach_closed);
}

static void
reach_done(struct reach_conn *r, int ok)
{
    struct target *t = &r->p->targets[r->target];

    if (r->closing)
        return;
    if (!r->p->stopping) {
        t->probes++;
        if (ok) {
            t->ok++;
            t->rtt_sum_us += (uv_hrtime() - r->t0) / 1000;
        }
    }
    reach_close(r);
}

static void
on_reach_connect(uv_connect_t *c, int status)
{
    /* accepted, or refused by the far end: the line carried it */
    reach_done(c->data, status == 0 || status == UV_ECONNREFUSED);
}

static void
on_reach_timeout(uv_timer_t *t)
{
    reach_done(t->data, 0);
}

static void
reach_round(struct probe_set *p)
{
    int i;

    for (i = 0; i < p->ntargets; i++) {
        struct reach_conn *r = calloc(1, sizeof(*r));

        if (r == NULL)
            return;
        r->p = p;
        r->target = i;
        uv_tcp_init(p->loop, &r->tcp);
        uv_timer_init(p->loop, &r->timer);
        r->tcp.data = r->timer.data = r->creq.data = r;
        r->handles = 2;
        r->next = p->reach;
        r->pprev = &p->reach;
        if (p->reach != NULL)
            p->reach->pprev = &r->next;
        p->reach = r;
        r->t0 = uv_hrtime();
        uv_timer_start(&r->timer, on_reach_timeout, REACH_TIMEOUT_MS, 0);
        if (uv_tcp_connect(&r->creq, &r->tcp,
                           (struct sockaddr *)&p->targets[i].ss,
                           on_reach_connect) != 0)
            reach_done(r, 0);
    }
}

/* One REACH_MIN per target that was probed in the closing minute. */
static void
reach_emit(struct probe_set *p, int64_t minute)
{
    uint8_t mem[MAX_TARGETS * 300];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};
    uint32_t n = 0;
    int i;

    for (i = 0; i < p->ntargets; i++) {
        struct target *t = &p->targets[i];
        struct wire_reach_min r;

        if (t->probes == 0)
            continue;
        memset(&r, 0, sizeof(r));
        r.minute = minute;
        snprintf(r.target, sizeof(r.target), "%s", t->spec);
        r.probes = t->probes;
        r.ok = t->ok;
        r.rtt_us = t->ok > 0 ? t->rtt_sum_us / t->ok : WIRE_UNKNOWN;
        if (wire_reach_min_put(&b, &r) == 0)
            n++;
        t->probes = t->ok = 0;
        t->rtt_sum_us = 0;
    }
    emit(p, b.p, b.len, n);
}

/* --- schedule ----------------------------------------------------------- */

static void
on_tick(uv_timer_t *h)
{
    struct probe_set *p = h->data;
    time_t now = time(NULL);
    int64_t minute = (int64_t)now / 60 * 60;
    struct tm lt;
    int i, mod;

    if (p->ntargets > 0) {
        if (minute != p->reach_minute) {
            reach_emit(p, p->reach_minute);
            p->reach_minute = minute;
        }
        if (now >= p->next_reach) {
            reach_round(p);
            p->next_reach = now + p->reach_interval;
        }
    }
    if (p->collector == NULL)
        return;
    if (p->startup_delay > 0 && !p->startup_done &&
        now >= p->t_start + (time_t)p->startup_delay) {
        p->startup_done = 1;
        p->tries = 0;
        probe_capacity_now(p);
    }
    if (p->cap_at != 0 && now >= p->cap_at && p->cap == NULL) {
        p->cap_at = 0;
        probe_capacity_now(p);
    }
    localtime_r(&now, &lt);
    mod = lt.tm_hour * 60 + lt.tm_min;
    for (i = 0; i < p->nsched; i++)
        if (p->sched[i] == mod && p->last_sched_min != mod) {
            /* spread the district's agents over a few minutes */
            p->last_sched_min = mod;
            p->tries = 0;
            p->cap_at = now + (p->spread > 0 ? (time_t)(random() %
                                                       p->spread) : 0);
        }
}

int
probe_start(struct probe_set *p, uv_loop_t *loop, probe_emit_cb cb,
            void *arg)
{
    int rc;

    p->loop = loop;
    p->cb = cb;
    p->arg = arg;
    p->t_start = time(NULL);
    srandom((unsigned)p->t_start ^ (unsigned)getpid());
    p->reach_minute = (int64_t)p->t_start / 60 * 60;
    p->next_reach = p->t_start;
    if ((rc = uv_timer_init(loop, &p->tick)) != 0)
        return rc;
    p->tick.data = p;
    p->started = 1;
    if (p->collector != NULL && !p->sched_set && p->startup_delay == 0)
        log_info("probe: capacity probe against %s daily at 02:30 "
                 "(probe_schedule)", p->collector);
    return uv_timer_start(&p->tick, on_tick, 1000, 1000);
}

void
probe_stop(struct probe_set *p)
{
    if (p == NULL || !p->started || p->stopping)
        return;
    /* the reachability counts of the open minute are real data */
    if (p->ntargets > 0)
        reach_emit(p, p->reach_minute);
    p->stopping = 1;
    uv_timer_stop(&p->tick);
    uv_close((uv_handle_t *)&p->tick, NULL);
    if (p->cap != NULL)
        cap_close(p->cap);
    while (p->reach != NULL)
        reach_close(p->reach);
}
