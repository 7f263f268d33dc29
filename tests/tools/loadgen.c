/* loadgen: simulates N classband agents over TCP on ONE libuv loop, to load
 * a real collector and check what it stored. Each simulated agent has its
 * own stream and a virtual spool: in accelerated time (one agent minute
 * every --interval ms) it "captures" a batch of CLASS_MIN rows (tools
 * loadrows.h: one row per class), keeps every batch until the collector
 * acknowledges it, reconnects with jittered exponential backoff when the
 * connection fails, and after each HELLO resends from the sequence the
 * collector reports, exactly as docs/PROTOCOL.md asks of a real agent.
 *
 * loadgen keeps its own record of every row it produced (count and byte
 * sums per agent). At the end it opens the collector's SQLite file directly
 * (--verify DB) and checks, per agent: rows stored == rows produced, byte
 * sums equal, no (minute, class) stored twice, and streams.last_seq equal to
 * the agent's last seq. It also fails if a HELLO ever reports a lower seq
 * than one already acknowledged (an acknowledged batch was lost).
 *
 * Figures printed: rows/s from the first batch sent to the last ACK, the
 * time each reconnect took (connection lost -> streaming again) and, per
 * outage, how long until every agent was streaming again. Lines starting
 * "loadgen: result" and "loadgen: outage" are meant for scripts.
 *
 * Usage: loadgen -a HOST:PORT [-n AGENTS] [-b BATCHES] [-c CLASSES]
 *          [-i INTERVAL_MS] [-w WINDOW] [-p PREFIX] [-D DB] [-T SECONDS]
 *          [--hold SECONDS] [--ramp MS] [--backoff-min MS]
 *          [--backoff-max MS] [--together] [-v]
 *   -i 0: every batch is ready at once (throughput benchmark); with
 *         --together they are released only when every agent is connected
 *   -b 0: agents only say HELLO (idle connections, --hold to keep them) */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <sqlite3.h>
#include <uv.h>

#include "addr.h"
#include "buf.h"
#include "loadrows.h"
#include "wire.h"

enum lg_state {
    LG_WAIT,       /* timer running: ramp-up or backoff */
    LG_CONNECTING,
    LG_HELLO_SENT,
    LG_STREAMING,
    LG_CLOSING,    /* uv_close pending */
    LG_FINISHED,   /* final close done */
};

struct lg;

struct lg_agent {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_timer_t timer;
    struct lg *lg;
    unsigned id;
    enum lg_state state;
    uint64_t stream;
    uint64_t produced;   /* highest seq "captured" (in the virtual spool) */
    uint64_t acked;      /* highest seq the collector acknowledged */
    uint64_t next_send;  /* next seq to put on the wire */
    unsigned inflight;
    unsigned backoff_ms;
    int live;            /* streaming since the last loss */
    int first_ack_pending;
    uint32_t skip;       /* bytes left of a CONFIG frame too big to keep */
    uint64_t lost_ms;    /* loop time of the last loss, 0: never lost */
    uint64_t phase_ms;   /* offset of this agent's minute boundary */
    /* the record of what was produced */
    uint64_t rows, bytes_up, bytes_down, pkts;
    size_t rlen;
    uint8_t rbuf[600];
};

struct lg_write {
    uv_write_t req;
    struct lg_agent *a;
    size_t len;
    uint8_t data[];
};

struct lg {
    uv_loop_t *loop;
    struct sockaddr_storage addr;
    const char *addr_s, *prefix, *verify_db;
    unsigned n, classes, window, interval_ms, ramp_ms;
    unsigned backoff_min, backoff_max;
    uint64_t batches;
    unsigned timeout_s, hold_s;
    int verbose;
    int together;         /* -i 0: hold every batch until all said HELLO */
    int released;
    struct lg_agent *agents;
    uv_timer_t clock, report, deadline, hold;
    uv_signal_t sigint, sigterm;
    uint64_t t_start, t_first_send, t_last_ack; /* uv_now ms */
    uint64_t t_start_unix_ms;
    unsigned nlive, ndone, nclosed;
    int finishing;
    int failed;
    /* figures */
    uint64_t acked_batches, sent_batches, connects, conn_failures;
    uint64_t losses, ack_regressions, proto_errors;
    uint64_t *reconn_ms;  /* one per completed reconnect */
    size_t nreconn, reconn_cap;
    /* outages: from the first loss while all were live to all live again */
    int in_outage;
    uint64_t outage_start, outage_first_back;
    unsigned outage_lost, noutages;
    double outage_max_s;
    /* ERROR texts from the collector, counted */
    struct {
        char text[256];
        uint64_t count;
    } errs[8];
    unsigned nerrs;
};

static uint64_t
unix_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static uint64_t
rnd(void)
{
    static uint64_t s;

    if (s == 0 && getrandom(&s, sizeof(s), 0) != sizeof(s))
        s = unix_ms();
    s = loadrows_mix(s);
    return s;
}

static void agent_connect(struct lg_agent *a);
static void agent_pump(struct lg_agent *a);
static void agent_produce(struct lg_agent *a, uint64_t upto);
static void lg_check_done(struct lg *g);

static double
since(const struct lg *g, uint64_t t)
{
    return (double)(t - g->t_start) / 1000.0;
}

static void
note_error_text(struct lg *g, const char *text)
{
    unsigned i;

    for (i = 0; i < g->nerrs; i++)
        if (strcmp(g->errs[i].text, text) == 0) {
            g->errs[i].count++;
            return;
        }
    if (g->nerrs < sizeof(g->errs) / sizeof(g->errs[0])) {
        snprintf(g->errs[g->nerrs].text, sizeof(g->errs[0].text), "%s", text);
        g->errs[g->nerrs++].count = 1;
    }
}

static void
set_live(struct lg_agent *a)
{
    struct lg *g = a->lg;
    uint64_t now = uv_now(g->loop);

    if (a->live)
        return;
    a->live = 1;
    g->nlive++;
    if (a->lost_ms != 0) {
        if (g->nreconn == g->reconn_cap) {
            size_t cap = g->reconn_cap ? g->reconn_cap * 2 : 1024;
            uint64_t *p = realloc(g->reconn_ms, cap * sizeof(*p));
            if (p != NULL) {
                g->reconn_ms = p;
                g->reconn_cap = cap;
            }
        }
        if (g->nreconn < g->reconn_cap)
            g->reconn_ms[g->nreconn++] = now - a->lost_ms;
        a->lost_ms = 0;
        if (g->in_outage && g->outage_first_back == 0)
            g->outage_first_back = now;
    }
    if (g->nlive == g->n && g->together && !g->released) {
        unsigned i;
        g->released = 1;
        printf("loadgen: all %u agents connected; releasing their "
               "batches\n", g->n);
        for (i = 0; i < g->n; i++) {
            agent_produce(&g->agents[i], g->batches);
            agent_pump(&g->agents[i]);
        }
        fflush(stdout);
        return;
    }
    if (g->nlive == g->n) {
        if (g->in_outage) {
            double s = (double)(now - g->outage_start) / 1000.0;
            g->in_outage = 0;
            g->noutages++;
            if (s > g->outage_max_s)
                g->outage_max_s = s;
            printf("loadgen: outage %u: %u agents lost at +%.3f s; first "
                   "back after %.3f s; all %u streaming again after %.3f s "
                   "(unix_ms %" PRIu64 ")\n",
                   g->noutages, g->outage_lost, since(g, g->outage_start),
                   (double)(g->outage_first_back - g->outage_start) / 1000.0,
                   g->n, s, g->t_start_unix_ms + (now - g->t_start));
        } else {
            printf("loadgen: all %u agents streaming at +%.3f s (unix_ms %"
                   PRIu64 ")\n", g->n, since(g, now),
                   g->t_start_unix_ms + (now - g->t_start));
        }
        fflush(stdout);
    }
}

static void
set_lost(struct lg_agent *a)
{
    struct lg *g = a->lg;
    uint64_t now = uv_now(g->loop);

    /* a failed reconnect keeps the time of the loss it follows */
    if (!a->live)
        return;
    a->live = 0;
    a->lost_ms = now;
    if (g->nlive == g->n && !g->in_outage) {
        g->in_outage = 1;
        g->outage_start = now;
        g->outage_first_back = 0;
        g->outage_lost = 0;
    }
    g->nlive--;
    g->losses++;
    if (g->in_outage)
        g->outage_lost++;
}

static void
backoff_cb(uv_timer_t *t)
{
    agent_connect(t->data);
}

static void
closed_cb(uv_handle_t *h)
{
    struct lg_agent *a = h->data;
    struct lg *g = a->lg;
    uint64_t delay;

    a->rlen = 0;
    a->skip = 0;
    a->inflight = 0;
    if (g->finishing) {
        a->state = LG_FINISHED;
        return;
    }
    a->state = LG_WAIT;
    delay = a->backoff_ms / 2 + rnd() % (a->backoff_ms / 2 + 1);
    a->backoff_ms *= 2;
    if (a->backoff_ms > g->backoff_max)
        a->backoff_ms = g->backoff_max;
    uv_timer_start(&a->timer, backoff_cb, delay, 0);
}

/* The connection failed or the collector closed it: everything not yet
 * acknowledged stays in the virtual spool for the next connection. */
static void
agent_drop(struct lg_agent *a)
{
    if (a->state == LG_CLOSING || a->state == LG_WAIT ||
        a->state == LG_FINISHED)
        return;
    set_lost(a);
    a->state = LG_CLOSING;
    uv_close((uv_handle_t *)&a->tcp, closed_cb);
}

static void
write_cb(uv_write_t *req, int status)
{
    struct lg_write *w = (struct lg_write *)req;

    if (status < 0 && status != UV_ECANCELED)
        agent_drop(w->a);
    free(w);
}

static int
agent_send(struct lg_agent *a, const struct buf *b)
{
    struct lg_write *w;
    uv_buf_t ub;

    if (b->err != 0)
        return -1;
    w = malloc(sizeof(*w) + b->len);
    if (w == NULL)
        return -1;
    w->a = a;
    w->len = b->len;
    memcpy(w->data, b->p, b->len);
    ub = uv_buf_init((char *)w->data, (unsigned)w->len);
    if (uv_write(&w->req, (uv_stream_t *)&a->tcp, &ub, 1, write_cb) != 0) {
        free(w);
        agent_drop(a);
        return -1;
    }
    return 0;
}

static void
send_hello(struct lg_agent *a)
{
    struct wire_hello h;
    uint8_t mem[2048];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    memset(&h, 0, sizeof(h));
    loadrows_agent_id(h.agent_id, sizeof(h.agent_id), a->lg->prefix, a->id);
    loadrows_school(h.school, sizeof(h.school), a->lg->prefix, a->id);
    snprintf(h.version, sizeof(h.version), "loadgen");
    snprintf(h.boot_id, sizeof(h.boot_id), "loadgen-%u", a->id);
    h.stream = a->stream;
    wire_hello_encode(&b, &h);
    agent_send(a, &b);
}

static void
send_batch(struct lg_agent *a, uint64_t seq)
{
    struct wire_class_min r;
    struct buf b;
    unsigned c;

    buf_init(&b, WIRE_HDR_LEN + WIRE_MAX_PAYLOAD);
    wire_batch_begin(&b, a->stream, seq);
    for (c = 0; c < a->lg->classes; c++) {
        loadrows_fill(&r, a->id, seq, c);
        wire_batch_add_class_min(&b, &r);
    }
    wire_batch_end(&b);
    agent_send(a, &b);
    buf_free(&b);
}

static void
agent_pump(struct lg_agent *a)
{
    struct lg *g = a->lg;

    while (a->state == LG_STREAMING && a->inflight < g->window &&
           a->next_send <= a->produced) {
        if (g->t_first_send == 0)
            g->t_first_send = uv_now(g->loop);
        send_batch(a, a->next_send);
        if (a->state != LG_STREAMING)
            return;
        a->next_send++;
        a->inflight++;
        g->sent_batches++;
    }
}

/* Puts batches into the virtual spool as agent time passes. The record of
 * what was produced is kept here, once per seq. */
static void
agent_produce(struct lg_agent *a, uint64_t upto)
{
    struct wire_class_min r;
    unsigned c;

    if (upto > a->lg->batches)
        upto = a->lg->batches;
    while (a->produced < upto) {
        a->produced++;
        for (c = 0; c < a->lg->classes; c++) {
            loadrows_fill(&r, a->id, a->produced, c);
            a->rows++;
            a->bytes_up += r.bytes_up;
            a->bytes_down += r.bytes_down;
            a->pkts += r.pkts_up + r.pkts_down;
        }
    }
}

static void
on_ack(struct lg_agent *a, const struct wire_ack *ack)
{
    struct lg *g = a->lg;
    uint64_t now = uv_now(g->loop);

    if (ack->stream != a->stream) {
        g->proto_errors++;
        fprintf(stderr, "loadgen: agent %u: ACK for stream %016" PRIx64
                " (ours %016" PRIx64 ")\n", a->id, ack->stream, a->stream);
        agent_drop(a);
        return;
    }
    if (a->state == LG_HELLO_SENT) {
        /* the collector's word on what it holds decides where to resume */
        if (ack->seq > a->produced) {
            g->proto_errors++;
            fprintf(stderr, "loadgen: agent %u: collector claims seq %"
                    PRIu64 ", only %" PRIu64 " produced\n", a->id, ack->seq,
                    a->produced);
        }
        if (ack->seq < a->acked) {
            g->ack_regressions++;
            fprintf(stderr, "loadgen: agent %u: collector reports seq %"
                    PRIu64 " after acknowledging %" PRIu64 ": acknowledged "
                    "batches lost\n", a->id, ack->seq, a->acked);
            a->acked = ack->seq;
        }
        if (ack->seq > a->acked) {
            /* committed before the last connection died, ACK never seen */
            g->acked_batches += ack->seq - a->acked;
            a->acked = ack->seq;
            g->t_last_ack = now;
        }
        a->next_send = ack->seq + 1;
        a->inflight = 0;
        a->state = LG_STREAMING;
        a->backoff_ms = g->backoff_min;
        if (a->next_send > a->produced)
            set_live(a);
        else
            a->first_ack_pending = 1;
        agent_pump(a);
        lg_check_done(g);
        return;
    }
    if (a->state != LG_STREAMING || a->inflight == 0 ||
        ack->seq >= a->next_send) {
        g->proto_errors++;
        fprintf(stderr, "loadgen: agent %u: unexpected ACK %" PRIu64 "\n",
                a->id, ack->seq);
        agent_drop(a);
        return;
    }
    a->inflight--;
    if (ack->seq > a->acked) {
        g->acked_batches += ack->seq - a->acked;
        a->acked = ack->seq;
        g->t_last_ack = now;
    }
    if (a->first_ack_pending) {
        a->first_ack_pending = 0;
        set_live(a);
    }
    agent_pump(a);
    lg_check_done(g);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *out)
{
    struct lg_agent *a = h->data;

    (void)hint;
    *out = uv_buf_init((char *)a->rbuf + a->rlen,
                       (unsigned)(sizeof(a->rbuf) - a->rlen));
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *ub)
{
    struct lg_agent *a = s->data;
    struct lg *g = a->lg;
    struct wire_msg m;
    struct wire_ack ack;
    const char *why;
    size_t off = 0;
    ssize_t k;

    (void)ub;
    if (n < 0) {
        agent_drop(a);
        return;
    }
    a->rlen += (size_t)n;
    while (a->state == LG_HELLO_SENT || a->state == LG_STREAMING) {
        const uint8_t *h = a->rbuf + off;
        if (a->skip > 0) {
            size_t d = a->rlen - off < a->skip ? a->rlen - off : a->skip;
            off += d;
            a->skip -= (uint32_t)d;
            if (a->skip > 0)
                break;
            continue;
        }
        /* a CONFIG push (class maps) may not fit the small read buffer;
         * simulated agents ignore it, so skip it as it streams past */
        if (a->rlen - off >= WIRE_HDR_LEN && h[5] == WIRE_CONFIG &&
            h[4] == WIRE_VERSION) {
            uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
                           (uint32_t)h[2] << 8 | h[3];
            if (len > sizeof(a->rbuf) - WIRE_HDR_LEN) {
                off += WIRE_HDR_LEN;
                a->skip = len;
                continue;
            }
        }
        k = wire_decode(a->rbuf + off, a->rlen - off,
                        sizeof(a->rbuf) - WIRE_HDR_LEN, &m, &why);
        if (k == 0)
            break;
        if (k < 0) {
            g->proto_errors++;
            fprintf(stderr, "loadgen: agent %u: bad frame: %s\n", a->id, why);
            agent_drop(a);
            return;
        }
        off += (size_t)k;
        if (m.type == WIRE_ACK && wire_ack_decode(m.payload, m.len, &ack) == 0) {
            on_ack(a, &ack);
        } else if (m.type == WIRE_ERROR) {
            char text[256];
            uint16_t code;
            if (wire_error_decode(m.payload, m.len, &code, text,
                                  sizeof(text)) != 0)
                snprintf(text, sizeof(text), "(undecodable ERROR)");
            note_error_text(g, text);
            agent_drop(a);
            return;
        } else if (m.type != WIRE_CONFIG) {
            g->proto_errors++;
            agent_drop(a);
            return;
        }
    }
    if (a->state == LG_HELLO_SENT || a->state == LG_STREAMING) {
        memmove(a->rbuf, a->rbuf + off, a->rlen - off);
        a->rlen -= off;
    }
}

static void
connect_cb(uv_connect_t *req, int status)
{
    struct lg_agent *a = req->data;
    struct lg *g = a->lg;

    if (a->state != LG_CONNECTING)
        return;
    if (status < 0) {
        g->conn_failures++;
        agent_drop(a);
        return;
    }
    g->connects++;
    uv_tcp_nodelay(&a->tcp, 1);
    a->state = LG_HELLO_SENT;
    a->rlen = 0;
    if (uv_read_start((uv_stream_t *)&a->tcp, alloc_cb, read_cb) != 0) {
        agent_drop(a);
        return;
    }
    send_hello(a);
}

static void
agent_connect(struct lg_agent *a)
{
    struct lg *g = a->lg;
    int rc;

    if (g->finishing)
        return;
    uv_tcp_init(g->loop, &a->tcp);
    a->tcp.data = a;
    a->creq.data = a;
    a->state = LG_CONNECTING;
    rc = uv_tcp_connect(&a->creq, &a->tcp, (struct sockaddr *)&g->addr,
                        connect_cb);
    if (rc != 0) {
        /* e.g. EMFILE or no ephemeral port: back off like any failure */
        g->conn_failures++;
        agent_drop(a);
    }
}

/* Agent time: agent i's minute m ends at phase_i + m * interval. */
static void
clock_cb(uv_timer_t *t)
{
    struct lg *g = t->data;
    uint64_t now = uv_now(g->loop) - g->t_start;
    unsigned i;

    for (i = 0; i < g->n; i++) {
        struct lg_agent *a = &g->agents[i];
        uint64_t due;

        if (a->produced >= g->batches || now < a->phase_ms)
            continue;
        due = (now - a->phase_ms) / g->interval_ms + 1;
        if (due > a->produced) {
            agent_produce(a, due);
            agent_pump(a);
        }
    }
    lg_check_done(g);
}

static void
report_cb(uv_timer_t *t)
{
    struct lg *g = t->data;

    fprintf(stderr, "loadgen: +%.1f s live %u/%u, done %u, acked %" PRIu64
            " batches, connects %" PRIu64 ", failed connects %" PRIu64 "\n",
            since(g, uv_now(g->loop)), g->nlive, g->n, g->ndone,
            g->acked_batches, g->connects, g->conn_failures);
}

static void
close_agent_cb(uv_handle_t *h)
{
    struct lg_agent *a = h->data;

    a->state = LG_FINISHED;
}

static void
lg_finish(struct lg *g)
{
    unsigned i;

    if (g->finishing)
        return;
    g->finishing = 1;
    uv_timer_stop(&g->clock);
    uv_close((uv_handle_t *)&g->clock, NULL);
    uv_close((uv_handle_t *)&g->report, NULL);
    uv_close((uv_handle_t *)&g->deadline, NULL);
    uv_close((uv_handle_t *)&g->hold, NULL);
    uv_close((uv_handle_t *)&g->sigint, NULL);
    uv_close((uv_handle_t *)&g->sigterm, NULL);
    for (i = 0; i < g->n; i++) {
        struct lg_agent *a = &g->agents[i];
        uv_close((uv_handle_t *)&a->timer, NULL);
        if (a->state == LG_CONNECTING || a->state == LG_HELLO_SENT ||
            a->state == LG_STREAMING) {
            a->state = LG_CLOSING;
            uv_close((uv_handle_t *)&a->tcp, close_agent_cb);
        }
    }
}

static void
hold_cb(uv_timer_t *t)
{
    lg_finish(t->data);
}

static void
lg_check_done(struct lg *g)
{
    unsigned i, done = 0;

    if (g->finishing || uv_is_active((uv_handle_t *)&g->hold))
        return;
    for (i = 0; i < g->n; i++) {
        struct lg_agent *a = &g->agents[i];
        if (a->acked >= g->batches && a->live)
            done++;
    }
    g->ndone = done;
    if (done < g->n)
        return;
    if (g->hold_s > 0) {
        printf("loadgen: holding %u connections for %u s\n", g->n,
               g->hold_s);
        fflush(stdout);
        uv_timer_stop(&g->deadline);
        uv_timer_start(&g->hold, hold_cb, (uint64_t)g->hold_s * 1000, 0);
        return;
    }
    lg_finish(g);
}

static void
deadline_cb(uv_timer_t *t)
{
    struct lg *g = t->data;

    fprintf(stderr, "loadgen: not done after %u s\n", g->timeout_s);
    report_cb(&g->report);
    g->failed = 1;
    lg_finish(g);
}

static void
sigint_cb(uv_signal_t *h, int signum)
{
    struct lg *g = h->data;

    (void)signum;
    if (uv_is_active((uv_handle_t *)&g->hold)) {
        lg_finish(g); /* the script is done with the idle connections */
        return;
    }
    fprintf(stderr, "loadgen: interrupted\n");
    g->failed = 1;
    lg_finish(g);
}

static int
cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

    return a < b ? -1 : a > b;
}

static void
print_figures(struct lg *g)
{
    uint64_t rows = g->acked_batches * g->classes;
    double secs = 0;
    unsigned i;

    if (g->t_first_send != 0 && g->t_last_ack > g->t_first_send)
        secs = (double)(g->t_last_ack - g->t_first_send) / 1000.0;
    printf("loadgen: agents %u, batches/agent %" PRIu64 ", classes %u, "
           "window %u, interval %u ms\n", g->n, g->batches, g->classes,
           g->window, g->interval_ms);
    printf("loadgen: connects %" PRIu64 ", failed connects %" PRIu64
           ", connections lost %" PRIu64 ", outages %u (longest %.3f s)\n",
           g->connects, g->conn_failures, g->losses, g->noutages,
           g->outage_max_s);
    for (i = 0; i < g->nerrs; i++)
        printf("loadgen: collector ERROR x%" PRIu64 ": %s\n",
               g->errs[i].count, g->errs[i].text);
    if (g->nreconn > 0) {
        qsort(g->reconn_ms, g->nreconn, sizeof(uint64_t), cmp_u64);
        printf("loadgen: reconnect (loss -> streaming) n=%zu min %.3f s "
               "median %.3f s p99 %.3f s max %.3f s\n", g->nreconn,
               g->reconn_ms[0] / 1000.0,
               g->reconn_ms[g->nreconn / 2] / 1000.0,
               g->reconn_ms[g->nreconn * 99 / 100] / 1000.0,
               g->reconn_ms[g->nreconn - 1] / 1000.0);
    }
    printf("loadgen: result batches=%" PRIu64 " rows=%" PRIu64
           " secs=%.3f rows_per_s=%.0f sent_batches=%" PRIu64
           " ack_regressions=%" PRIu64 " proto_errors=%" PRIu64 "\n",
           g->acked_batches, rows, secs, secs > 0 ? (double)rows / secs : 0,
           g->sent_batches, g->ack_regressions, g->proto_errors);
}

/* Reads the collector's store directly and compares it with the record. */
static int
verify(struct lg *g)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    char lo[64], hi[64], name[64];
    const char *id;
    size_t plen = strlen(g->prefix);
    uint8_t *seen;
    unsigned i, bad = 0, nagents = 0;
    uint64_t rows = 0, dups = 0;
    int rc;

    if (sqlite3_open_v2(g->verify_db, &db, SQLITE_OPEN_READONLY, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "loadgen: verify: open %s: %s\n", g->verify_db,
                sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    seen = calloc(g->n, 1);
    if (seen == NULL)
        return -1;
    /* agent ids are PREFIX-NNNNN: the range [PREFIX-, PREFIX.) holds them */
    snprintf(lo, sizeof(lo), "%s-", g->prefix);
    snprintf(hi, sizeof(hi), "%s.", g->prefix);
    rc = sqlite3_prepare_v2(db,
        "SELECT agent_id, count(*), sum(bytes_up), sum(bytes_down), "
        "sum(pkts_up + pkts_down) FROM class_minute WHERE agent_id >= ?1 "
        "AND agent_id < ?2 GROUP BY agent_id", -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto sqlerr;
    sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct lg_agent *a;
        id = (const char *)sqlite3_column_text(s, 0);
        i = (unsigned)strtoul(id + plen + 1, NULL, 10);
        loadrows_agent_id(name, sizeof(name), g->prefix, i);
        if (i >= g->n || strcmp(name, id) != 0) {
            fprintf(stderr, "verify: rows of unknown agent %s\n", id);
            bad++;
            continue;
        }
        a = &g->agents[i];
        seen[i] = 1;
        nagents++;
        rows += (uint64_t)sqlite3_column_int64(s, 1);
        if ((uint64_t)sqlite3_column_int64(s, 1) != a->rows ||
            (uint64_t)sqlite3_column_int64(s, 2) != a->bytes_up ||
            (uint64_t)sqlite3_column_int64(s, 3) != a->bytes_down ||
            (uint64_t)sqlite3_column_int64(s, 4) != a->pkts) {
            if (bad++ < 10)
                fprintf(stderr, "verify: %s: stored rows %lld up %lld down "
                        "%lld pkts %lld; sent rows %" PRIu64 " up %" PRIu64
                        " down %" PRIu64 " pkts %" PRIu64 "\n", id,
                        sqlite3_column_int64(s, 1),
                        sqlite3_column_int64(s, 2),
                        sqlite3_column_int64(s, 3),
                        sqlite3_column_int64(s, 4), a->rows, a->bytes_up,
                        a->bytes_down, a->pkts);
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        goto sqlerr;
    for (i = 0; i < g->n; i++)
        if (!seen[i] && g->agents[i].rows > 0) {
            if (bad++ < 10)
                fprintf(stderr, "verify: agent %u: nothing stored, %" PRIu64
                        " rows sent\n", i, g->agents[i].rows);
        }
    rc = sqlite3_prepare_v2(db,
        "SELECT count(*) FROM (SELECT 1 FROM class_minute WHERE agent_id >= "
        "?1 AND agent_id < ?2 GROUP BY agent_id, minute, class HAVING "
        "count(*) > 1)", -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto sqlerr;
    sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        dups = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (dups > 0) {
        fprintf(stderr, "verify: %" PRIu64 " (agent, minute, class) stored "
                "more than once\n", dups);
        bad++;
    }
    memset(seen, 0, g->n);
    rc = sqlite3_prepare_v2(db,
        "SELECT agent_id, stream, last_seq FROM streams WHERE agent_id >= ?1 "
        "AND agent_id < ?2", -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto sqlerr;
    sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        id = (const char *)sqlite3_column_text(s, 0);
        i = (unsigned)strtoul(id + plen + 1, NULL, 10);
        if (i >= g->n ||
            (uint64_t)sqlite3_column_int64(s, 1) != g->agents[i].stream)
            continue; /* an earlier run's stream */
        seen[i] = 1;
        if ((uint64_t)sqlite3_column_int64(s, 2) != g->agents[i].produced) {
            if (bad++ < 10)
                fprintf(stderr, "verify: %s: streams.last_seq %lld, last "
                        "seq sent %" PRIu64 "\n", id,
                        sqlite3_column_int64(s, 2), g->agents[i].produced);
        }
    }
    sqlite3_finalize(s);
    for (i = 0; i < g->n; i++)
        if (!seen[i] && g->agents[i].produced > 0 && bad++ < 10)
            fprintf(stderr, "verify: agent %u: no stream row\n", i);
    sqlite3_close(db);
    free(seen);
    printf("loadgen: verify %s: %u agents, %" PRIu64 " rows stored, %"
           PRIu64 " duplicates, %u mismatches: %s\n", g->verify_db, nagents,
           rows, dups, bad, bad ? "FAIL" : "OK");
    return bad ? -1 : 0;
sqlerr:
    fprintf(stderr, "loadgen: verify: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    free(seen);
    return -1;
}

static void
usage(void)
{
    fprintf(stderr,
        "usage: loadgen -a HOST:PORT [-n AGENTS] [-b BATCHES] [-c CLASSES]\n"
        "         [-i INTERVAL_MS] [-w WINDOW] [-p PREFIX] [-D DB] "
        "[-T SECONDS]\n"
        "         [--hold SECONDS] [--ramp MS] [--backoff-min MS] "
        "[--backoff-max MS] [--together] [-v]\n");
    exit(2);
}

static void
raise_fd_limit(unsigned need)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < (rlim_t)need + 64)
        fprintf(stderr, "loadgen: fd limit %llu is low for %u agents "
                "(ulimit -n)\n", (unsigned long long)rl.rlim_cur, need);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"collector", required_argument, NULL, 'a'},
        {"agents", required_argument, NULL, 'n'},
        {"batches", required_argument, NULL, 'b'},
        {"classes", required_argument, NULL, 'c'},
        {"interval", required_argument, NULL, 'i'},
        {"window", required_argument, NULL, 'w'},
        {"prefix", required_argument, NULL, 'p'},
        {"verify", required_argument, NULL, 'D'},
        {"timeout", required_argument, NULL, 'T'},
        {"hold", required_argument, NULL, 'H'},
        {"ramp", required_argument, NULL, 'R'},
        {"backoff-min", required_argument, NULL, 'm'},
        {"backoff-max", required_argument, NULL, 'M'},
        {"together", no_argument, NULL, 'G'},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    struct lg g;
    unsigned i;
    int ch, rc = 0;

    memset(&g, 0, sizeof(g));
    g.n = 100;
    g.batches = 10;
    g.classes = 60;
    g.interval_ms = 1000;
    g.window = 8;
    g.prefix = "lg";
    g.timeout_s = 120;
    g.ramp_ms = 1000;
    g.backoff_min = 500;
    g.backoff_max = 30000; /* as agent/uplink.c */
    while ((ch = getopt_long(argc, argv, "a:n:b:c:i:w:p:D:T:v", opts,
                             NULL)) != -1) {
        switch (ch) {
        case 'a': g.addr_s = optarg; break;
        case 'n': g.n = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'b': g.batches = strtoull(optarg, NULL, 10); break;
        case 'c': g.classes = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'i': g.interval_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'w': g.window = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'p': g.prefix = optarg; break;
        case 'D': g.verify_db = optarg; break;
        case 'T': g.timeout_s = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'H': g.hold_s = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'R': g.ramp_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'm': g.backoff_min = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'M': g.backoff_max = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'G': g.together = 1; break;
        case 'v': g.verbose = 1; break;
        default: usage();
        }
    }
    if (g.addr_s == NULL || optind != argc || g.n == 0 || g.window == 0 ||
        g.classes == 0 || g.classes > 10000 || g.backoff_min < 2 ||
        strlen(g.prefix) > 40)
        usage();
    if (g.backoff_max < g.backoff_min)
        g.backoff_max = g.backoff_min;
    if (addr_parse(g.addr_s, &g.addr) != 0) {
        fprintf(stderr, "loadgen: bad address %s\n", g.addr_s);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(g.n);
    g.agents = calloc(g.n, sizeof(*g.agents));
    if (g.agents == NULL)
        return 1;
    g.loop = uv_default_loop();
    uv_update_time(g.loop);
    g.t_start = uv_now(g.loop);
    g.t_start_unix_ms = unix_ms();
    for (i = 0; i < g.n; i++) {
        struct lg_agent *a = &g.agents[i];
        a->lg = &g;
        a->id = i;
        do
            a->stream = rnd();
        while (a->stream == 0 || a->stream > (uint64_t)INT64_MAX);
        a->backoff_ms = g.backoff_min;
        a->phase_ms = g.interval_ms ? rnd() % g.interval_ms : 0;
        a->state = LG_WAIT;
        uv_timer_init(g.loop, &a->timer);
        a->timer.data = a;
        /* spread the first connects like agents booting at random times */
        uv_timer_start(&a->timer, backoff_cb,
                       g.ramp_ms ? (uint64_t)i * g.ramp_ms / g.n : 0, 0);
        if (g.interval_ms == 0 && !g.together)
            agent_produce(a, g.batches);
    }
    uv_timer_init(g.loop, &g.clock);
    g.clock.data = &g;
    if (g.interval_ms > 0)
        uv_timer_start(&g.clock, clock_cb, 0,
                       g.interval_ms < 50 ? g.interval_ms : 10);
    uv_timer_init(g.loop, &g.report);
    g.report.data = &g;
    if (g.verbose)
        uv_timer_start(&g.report, report_cb, 1000, 1000);
    uv_timer_init(g.loop, &g.deadline);
    g.deadline.data = &g;
    uv_timer_start(&g.deadline, deadline_cb, (uint64_t)g.timeout_s * 1000, 0);
    uv_timer_init(g.loop, &g.hold);
    g.hold.data = &g;
    uv_signal_init(g.loop, &g.sigint);
    g.sigint.data = &g;
    uv_signal_start(&g.sigint, sigint_cb, SIGINT);
    uv_signal_init(g.loop, &g.sigterm);
    g.sigterm.data = &g;
    uv_signal_start(&g.sigterm, sigint_cb, SIGTERM);
    uv_run(g.loop, UV_RUN_DEFAULT);
    uv_loop_close(g.loop);
    print_figures(&g);
    if (g.ack_regressions > 0 || g.proto_errors > 0)
        rc = 1;
    if (g.failed)
        rc = 1;
    if (g.verify_db != NULL && verify(&g) != 0)
        rc = 1;
    free(g.reconn_ms);
    free(g.agents);
    return rc;
}
