/* probe_srv: see probe_srv.h. One struct ptest per connection; a timer
 * bounds every phase (request, transfer) so a silent or slow client cannot
 * hold a slot. Nothing blocks: reads and writes are libuv's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "probe_srv.h"

#define CHUNK (64 * 1024)
#define INFLIGHT 4          /* download writes queued at once */
#define REQ_TIMEOUT_MS 5000

struct probe_srv {
    uv_loop_t *loop;
    uv_tcp_t listener;
    struct probe_srv_opts o;
    unsigned active;        /* accepted tests */
    struct ptest *tests;    /* every open connection */
    int stopping;
};

enum pt_state { PT_REQ, PT_UP, PT_DOWN, PT_DRAIN, PT_DONE };

struct ptest {
    struct probe_srv *srv;
    struct ptest *next, **pprev;
    uv_tcp_t tcp;
    uv_timer_t timer;
    int state;
    int counted;            /* holds one of the max_tests slots */
    int closing;
    int handles;            /* open handles, freed at 0 */
    uint8_t req[PROBE_REQ_LEN];
    size_t reqlen;
    uint64_t bytes, limit;
    uint64_t t_first, t_last; /* uv_hrtime of first and last byte */
    uint64_t deadline;      /* uv_now() ms */
    unsigned inflight;
    uint8_t rbuf[CHUNK];
    uint8_t reply[1 + PROBE_REPORT_LEN];
};

static uint8_t zeros[CHUNK]; /* the download payload */

static void
on_handle_closed(uv_handle_t *h)
{
    struct ptest *t = h->data;

    if (--t->handles == 0)
        free(t);
}

static void
pt_close(struct ptest *t)
{
    if (t->closing)
        return;
    t->closing = 1;
    if (t->counted)
        t->srv->active--;
    *t->pprev = t->next;
    if (t->next != NULL)
        t->next->pprev = t->pprev;
    uv_timer_stop(&t->timer);
    uv_close((uv_handle_t *)&t->timer, on_handle_closed);
    uv_close((uv_handle_t *)&t->tcp, on_handle_closed);
}

static void
on_write_then_close(uv_write_t *w, int status)
{
    struct ptest *t = w->data;

    (void)status;
    free(w);
    pt_close(t);
}

static void
send_then_close(struct ptest *t, const uint8_t *p, size_t n)
{
    uv_write_t *w = malloc(sizeof(*w));
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);

    if (w == NULL || (w->data = t,
                      uv_write(w, (uv_stream_t *)&t->tcp, &b, 1,
                               on_write_then_close)) != 0) {
        free(w);
        pt_close(t);
    }
}

static void
put_u64(uint8_t *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static void
on_report_written(uv_write_t *w, int status)
{
    struct ptest *t = w->data;

    free(w);
    if (status < 0)
        pt_close(t);
}

/* Upload finished: report what arrived. At the client's EOF (or the
 * deadline) the report ends the test; at the byte limit the client is
 * still sending, so the rest is read and dropped until its EOF (bounded by
 * the timer): closing with unread data would reset the connection before
 * the client has read the report. */
static void
up_report(struct ptest *t, int eof)
{
    uint64_t us = t->bytes > 0 ? (t->t_last - t->t_first) / 1000 : 0;
    uv_write_t *w;
    uv_buf_t b;

    if (t->state != PT_UP)
        return;
    /* The measurement is over: the slot is free before the report goes
     * out. Released only at close, the agent's download test (started as
     * soon as it reads this report) could be refused as busy by its own
     * upload, still draining or not yet closed here. */
    if (t->counted) {
        t->srv->active--;
        t->counted = 0;
    }
    put_u64(t->reply, t->bytes);
    put_u64(t->reply + 8, us);
    if (eof) {
        t->state = PT_DONE;
        uv_read_stop((uv_stream_t *)&t->tcp);
        send_then_close(t, t->reply, PROBE_REPORT_LEN);
        return;
    }
    t->state = PT_DRAIN;
    b = uv_buf_init((char *)t->reply, PROBE_REPORT_LEN);
    w = malloc(sizeof(*w));
    if (w == NULL) {
        pt_close(t);
        return;
    }
    w->data = t;
    if (uv_write(w, (uv_stream_t *)&t->tcp, &b, 1, on_report_written) != 0) {
        free(w);
        pt_close(t);
    }
}

static void
down_pump(struct ptest *t);

static void
on_down_write(uv_write_t *w, int status)
{
    struct ptest *t = w->data;

    free(w);
    t->inflight--;
    if (t->closing)
        return;
    if (status < 0) {
        pt_close(t);
        return;
    }
    down_pump(t);
}

static void
on_shutdown(uv_shutdown_t *r, int status)
{
    struct ptest *t = r->data;

    (void)status;
    free(r);
    pt_close(t);
}

/* Keeps INFLIGHT chunks queued until the byte or time limit, then ends the
 * stream with a FIN so the client sees EOF. */
static void
down_pump(struct ptest *t)
{
    uv_loop_t *loop = t->srv->loop;

    if (t->state != PT_DOWN)
        return;
    if (t->bytes >= t->limit || uv_now(loop) >= t->deadline) {
        uv_shutdown_t *r;

        if (t->inflight > 0)
            return; /* the last completion comes back here */
        t->state = PT_DONE;
        r = malloc(sizeof(*r));
        if (r == NULL) {
            pt_close(t);
            return;
        }
        r->data = t;
        if (uv_shutdown(r, (uv_stream_t *)&t->tcp, on_shutdown) != 0) {
            free(r);
            pt_close(t);
        }
        return;
    }
    while (t->inflight < INFLIGHT && t->bytes < t->limit) {
        uint64_t n = t->limit - t->bytes < CHUNK ? t->limit - t->bytes : CHUNK;
        uv_write_t *w = malloc(sizeof(*w));
        uv_buf_t b = uv_buf_init((char *)zeros, (unsigned)n);

        if (w == NULL) {
            pt_close(t);
            return;
        }
        w->data = t;
        if (uv_write(w, (uv_stream_t *)&t->tcp, &b, 1, on_down_write) != 0) {
            free(w);
            pt_close(t);
            return;
        }
        t->inflight++;
        t->bytes += n;
    }
}

static void
on_timer_kill(uv_timer_t *h)
{
    pt_close(h->data);
}

static void
on_timer(uv_timer_t *h)
{
    struct ptest *t = h->data;

    switch (t->state) {
    case PT_REQ:
        pt_close(t); /* no request in time */
        break;
    case PT_UP:
        up_report(t, 1);
        break;
    case PT_DOWN:
        down_pump(t); /* sees the deadline and ends the stream */
        /* writes still queued: give them a moment, then cut a client
         * that does not read */
        if (t->state == PT_DOWN)
            uv_timer_start(&t->timer, on_timer_kill, 3000, 0);
        break;
    default:
        pt_close(t); /* a reply that never drained */
        break;
    }
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct ptest *t = h->data;

    (void)hint;
    *b = uv_buf_init((char *)t->rbuf, sizeof(t->rbuf));
}

static void
start_test(struct ptest *t)
{
    struct probe_srv *s = t->srv;
    unsigned secs = t->req[5];
    uint8_t ok = PROBE_ACCEPT;
    uv_buf_t b;
    uv_write_t *w;

    if (memcmp(t->req, PROBE_MAGIC, 4) != 0 ||
        (t->req[4] != PROBE_DIR_UP && t->req[4] != PROBE_DIR_DOWN) ||
        secs == 0) {
        t->reply[0] = PROBE_BAD;
        send_then_close(t, t->reply, 1);
        t->state = PT_DONE;
        return;
    }
    if (s->active >= s->o.max_tests) {
        log_info("probe: %s test refused: %u running",
                 t->req[4] == PROBE_DIR_UP ? "upload" : "download",
                 s->active);
        t->reply[0] = PROBE_BUSY;
        send_then_close(t, t->reply, 1);
        t->state = PT_DONE;
        return;
    }
    if (secs > s->o.max_seconds)
        secs = s->o.max_seconds;
    s->active++;
    t->counted = 1;
    t->limit = s->o.max_bytes;
    t->deadline = uv_now(s->loop) + (uint64_t)secs * 1000;
    t->reply[0] = ok;
    b = uv_buf_init((char *)t->reply, 1);
    w = malloc(sizeof(*w));
    if (w == NULL) {
        pt_close(t);
        return;
    }
    w->data = t;
    t->inflight++;
    if (uv_write(w, (uv_stream_t *)&t->tcp, &b, 1, on_down_write) != 0) {
        free(w);
        pt_close(t);
        return;
    }
    if (t->req[4] == PROBE_DIR_UP) {
        /* the client stops at its own deadline; allow it a second more */
        t->state = PT_UP;
        uv_timer_start(&t->timer, on_timer, (uint64_t)secs * 1000 + 1000, 0);
    } else {
        t->state = PT_DOWN;
        uv_timer_start(&t->timer, on_timer, (uint64_t)secs * 1000, 0);
    }
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    struct ptest *t = st->data;
    size_t off = 0, k;

    if (n < 0) {
        if (t->state == PT_UP)
            up_report(t, 1);
        else
            pt_close(t);
        return;
    }
    if (t->state == PT_DRAIN)
        return;
    if (t->state == PT_REQ) {
        k = PROBE_REQ_LEN - t->reqlen;
        if ((size_t)n < k)
            k = (size_t)n;
        memcpy(t->req + t->reqlen, b->base, k);
        t->reqlen += k;
        off = k;
        if (t->reqlen < PROBE_REQ_LEN)
            return;
        uv_timer_stop(&t->timer);
        start_test(t);
        if (t->state == PT_DOWN) {
            down_pump(t);
            return;
        }
    }
    if (t->state == PT_UP && (size_t)n > off) {
        uint64_t now = uv_hrtime();

        if (t->bytes == 0)
            t->t_first = now;
        t->t_last = now;
        t->bytes += (size_t)n - off;
        if (t->bytes >= t->limit)
            up_report(t, 0);
    }
}

static void
on_conn(uv_stream_t *l, int status)
{
    struct probe_srv *s = l->data;
    struct ptest *t;

    if (status < 0) {
        log_warnx("probe: accept: %s", uv_strerror(status));
        return;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return;
    t->srv = s;
    uv_tcp_init(s->loop, &t->tcp);
    uv_timer_init(s->loop, &t->timer);
    t->tcp.data = t->timer.data = t;
    t->handles = 2;
    t->next = s->tests;
    t->pprev = &s->tests;
    if (s->tests != NULL)
        s->tests->pprev = &t->next;
    s->tests = t;
    if (uv_accept(l, (uv_stream_t *)&t->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&t->tcp, on_alloc, on_read) != 0) {
        pt_close(t);
        return;
    }
    uv_timer_start(&t->timer, on_timer, REQ_TIMEOUT_MS, 0);
}

static void
on_listener_closed(uv_handle_t *h)
{
    free(h->data);
}

int
probe_srv_start(uv_loop_t *loop, const struct probe_srv_opts *o,
                struct probe_srv **out)
{
    struct sockaddr_storage ss;
    struct probe_srv *s;
    char name[64];
    int rc;

    if (addr_parse(o->listen, &ss) != 0) {
        log_warnx("probe: bad probe_listen address \"%s\" (want HOST:PORT)",
                  o->listen);
        return -EINVAL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->loop = loop;
    s->o = *o;
    if (s->o.max_tests == 0)
        s->o.max_tests = 2;
    if (s->o.max_seconds == 0)
        s->o.max_seconds = 10;
    if (s->o.max_bytes == 0)
        s->o.max_bytes = 1ull << 30;
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    if ((rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&s->listener, 64, on_conn)) != 0) {
        log_warnx("probe: listen on %s: %s", o->listen, uv_strerror(rc));
        uv_close((uv_handle_t *)&s->listener, on_listener_closed);
        return rc;
    }
    addr_format((struct sockaddr *)&ss, name, sizeof(name));
    log_info("probe endpoint listening on %s (port %d)", name,
             probe_srv_port(s));
    *out = s;
    return 0;
}

int
probe_srv_port(const struct probe_srv *s)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);

    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    return addr_port((struct sockaddr *)&ss);
}

void
probe_srv_stop(struct probe_srv *s)
{
    if (s == NULL || s->stopping)
        return;
    s->stopping = 1;
    while (s->tests != NULL)
        pt_close(s->tests);
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}
