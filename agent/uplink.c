/* uplink: see uplink.h. States: IDLE (waiting to reconnect) -> CONNECTING
 * -> HELLO_SENT -> STREAMING; any error goes back to IDLE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "addr.h"
#include "buf.h"
#include "log.h"
#include "tls.h"
#include "uplink.h"

enum up_state { UP_IDLE, UP_CONNECTING, UP_TLS, UP_HELLO_SENT,
                UP_STREAMING, UP_STOPPED };

struct uplink {
    uv_loop_t *loop;
    struct uplink_opts o;
    struct uplink_src src;
    uplink_config_cb cfg;
    void *arg;
    enum up_state state;
    uv_tcp_t *tcp;            /* a fresh handle per connection */
    uv_connect_t creq;
    uv_timer_t timer;
    struct sockaddr_storage addr;
    struct buf rbuf;
    struct buf frame;
    uint64_t acked;           /* highest ACK seen */
    uint64_t sent;            /* highest seq written on this connection */
    unsigned inflight;
    unsigned backoff_ms;
    int handles;              /* open handles, for freeing */
    struct tls_conn *tls;     /* this connection's session, with o.tls */
    uint8_t cipher[65536];    /* ciphertext read buffer */
};

struct up_wreq {
    uv_write_t req;
    uint8_t data[];
};

static void up_connect(struct uplink *u);
static void
retry_cb(uv_timer_t *t)
{
    up_connect(t->data);
}

static void
tcp_close_cb(uv_handle_t *h)
{
    free(h);
}

static void
up_reset(struct uplink *u, const char *why)
{
    unsigned jitter;

    if (u->state == UP_STOPPED || u->state == UP_IDLE)
        return;
    if (why != NULL)
        log_warnx("uplink: %s: %s; retrying in %u ms", u->o.collector, why,
                  u->backoff_ms);
    if (u->tcp != NULL) {
        uv_close((uv_handle_t *)u->tcp, tcp_close_cb);
        u->tcp = NULL;
    }
    tls_conn_free(u->tls);
    u->tls = NULL;
    buf_reset(&u->rbuf);
    u->state = UP_IDLE;
    u->inflight = 0;
    /* Full jitter keeps 2,000 agents from reconnecting in lockstep after a
     * collector restart. */
    if (getrandom(&jitter, sizeof(jitter), 0) != sizeof(jitter))
        jitter = (unsigned)uv_now(u->loop);
    uv_timer_start(&u->timer, retry_cb,
                   u->backoff_ms / 2 + jitter % (u->backoff_ms / 2 + 1), 0);
    u->backoff_ms *= 2;
    if (u->backoff_ms > u->o.backoff_max_ms)
        u->backoff_ms = u->o.backoff_max_ms;
}

static void
write_cb(uv_write_t *req, int status)
{
    free(req);
    (void)status; /* the read side reports a broken connection */
}

static int
up_write_raw(struct uplink *u, const struct buf *f)
{
    struct up_wreq *wr;
    uv_buf_t b;
    int rc;

    if (f->len == 0)
        return 0;
    wr = malloc(sizeof(*wr) + f->len);
    if (wr == NULL)
        return -ENOMEM;
    memcpy(wr->data, f->p, f->len);
    b = uv_buf_init((char *)wr->data, (unsigned)f->len);
    rc = uv_write(&wr->req, (uv_stream_t *)u->tcp, &b, 1, write_cb);
    if (rc != 0)
        free(wr);
    return rc;
}

/* A frame to the collector, encrypted when the link uses TLS. */
static int
up_write(struct uplink *u, const struct buf *f)
{
    struct buf c;
    int rc;

    if (u->tls == NULL)
        return up_write_raw(u, f);
    buf_init(&c, f->len + 4096);
    rc = tls_conn_write(u->tls, f->p, f->len, &c);
    if (rc == 0)
        rc = up_write_raw(u, &c);
    buf_free(&c);
    return rc;
}

static int
send_hello(struct uplink *u)
{
    struct buf hello;
    uint8_t mem[2048];

    hello = (struct buf){mem, 0, sizeof(mem), sizeof(mem), 0};
    u->o.hello.stream = u->src.stream;
    if (wire_hello_encode(&hello, &u->o.hello) != 0 ||
        up_write(u, &hello) != 0)
        return -1;
    u->state = UP_HELLO_SENT;
    return 0;
}

static void
up_pump(struct uplink *u)
{
    const uint8_t *blob;
    uint64_t seq;
    size_t len;
    uint32_t nrec;
    int rc;

    while (u->state == UP_STREAMING && u->inflight < u->o.window) {
        rc = u->src.next(u->src.ctx, u->sent, &seq, &blob, &len, &nrec);
        if (rc <= 0)
            return;
        wire_batch_begin(&u->frame, u->src.stream, seq);
        buf_append(&u->frame, blob, len);
        if (u->frame.err == 0) {
            /* the record count sits after stream and seq */
            u->frame.p[WIRE_HDR_LEN + 16] = (uint8_t)(nrec >> 24);
            u->frame.p[WIRE_HDR_LEN + 17] = (uint8_t)(nrec >> 16);
            u->frame.p[WIRE_HDR_LEN + 18] = (uint8_t)(nrec >> 8);
            u->frame.p[WIRE_HDR_LEN + 19] = (uint8_t)nrec;
        }
        if (wire_batch_end(&u->frame) != 0) {
            log_warnx("uplink: batch %llu does not fit a frame; skipped",
                      (unsigned long long)seq);
            u->sent = seq;
            continue;
        }
        if (up_write(u, &u->frame) != 0) {
            up_reset(u, "write failed");
            return;
        }
        u->sent = seq;
        u->inflight++;
    }
}

static void
up_frame(struct uplink *u, const struct wire_msg *m)
{
    struct wire_ack a;
    struct wire_config c;
    char text[256];
    uint16_t code;

    switch (m->type) {
    case WIRE_ACK:
        if (wire_ack_decode(m->payload, m->len, &a) != 0 ||
            a.stream != u->src.stream) {
            up_reset(u, "bad ACK from collector");
            return;
        }
        if (u->state == UP_HELLO_SENT) {
            /* the collector's stored position: resend everything after */
            log_info("uplink: connected to %s; collector has up to seq "
                     "%llu", u->o.collector, (unsigned long long)a.seq);
            u->state = UP_STREAMING;
            u->sent = a.seq;
            u->backoff_ms = u->o.backoff_min_ms;
        } else if (u->inflight > 0) {
            u->inflight--;
        }
        if (a.seq > u->acked)
            u->acked = a.seq;
        u->src.ack(u->src.ctx, a.seq);
        up_pump(u);
        return;
    case WIRE_CONFIG:
        if (wire_config_decode(m->payload, m->len, &c) != 0) {
            up_reset(u, "bad CONFIG from collector");
            return;
        }
        if (u->cfg != NULL)
            u->cfg(u->arg, &c);
        return;
    case WIRE_ERROR:
        if (wire_error_decode(m->payload, m->len, &code, text,
                              sizeof(text)) == 0)
            log_warnx("uplink: collector says: %s", text);
        up_reset(u, "collector closed the connection");
        return;
    default:
        up_reset(u, "unexpected frame from collector");
    }
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct uplink *u = h->data;

    (void)hint;
    if (u->tls != NULL) {
        *b = uv_buf_init((char *)u->cipher, sizeof(u->cipher));
        return;
    }
    if (buf_reserve(&u->rbuf, 4096) != 0) {
        *b = uv_buf_init(NULL, 0);
        return;
    }
    *b = uv_buf_init((char *)u->rbuf.p + u->rbuf.len,
                     (unsigned)(u->rbuf.cap - u->rbuf.len));
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct uplink *u = s->data;
    struct wire_msg m;
    const char *why = NULL;
    size_t off = 0;
    ssize_t k;

    if (n < 0) {
        up_reset(u, n == UV_EOF ? "collector closed the connection"
                                : uv_strerror((int)n));
        return;
    }
    if (u->tls != NULL) {
        struct buf out;
        const char *twhy = NULL;
        int rc;

        buf_init(&out, 1u << 20);
        rc = tls_conn_feed(u->tls, (const uint8_t *)b->base, (size_t)n,
                           &u->rbuf, &out, &twhy);
        if (up_write_raw(u, &out) != 0)
            rc = -EIO;
        buf_free(&out);
        if (rc != 0) {
            up_reset(u, twhy ? twhy : "TLS error");
            return;
        }
        if (u->state == UP_TLS && tls_conn_ready(u->tls) &&
            send_hello(u) != 0) {
            up_reset(u, "cannot send HELLO");
            return;
        }
    } else {
        u->rbuf.len += (size_t)n;
    }
    while (u->state == UP_HELLO_SENT || u->state == UP_STREAMING) {
        k = wire_decode(u->rbuf.p + off, u->rbuf.len - off, WIRE_MAX_PAYLOAD,
                        &m, &why);
        if (k < 0) {
            up_reset(u, why);
            return;
        }
        if (k == 0)
            break;
        off += (size_t)k;
        up_frame(u, &m);
    }
    if (u->state == UP_HELLO_SENT || u->state == UP_STREAMING)
        buf_consume(&u->rbuf, off);
}

static void
connect_cb(uv_connect_t *req, int status)
{
    struct uplink *u = req->data;
    struct buf out;
    int rc;

    if (u->state != UP_CONNECTING)
        return;
    if (status < 0) {
        up_reset(u, uv_strerror(status));
        return;
    }
    uv_tcp_nodelay(u->tcp, 1);
    if (uv_read_start((uv_stream_t *)u->tcp, alloc_cb, read_cb) != 0) {
        up_reset(u, "cannot read");
        return;
    }
    if (u->o.tls == NULL) {
        if (send_hello(u) != 0)
            up_reset(u, "cannot send HELLO");
        return;
    }
    /* TLS first; HELLO goes once the collector has proven it knows our
     * key (read_cb) */
    if (tls_conn_new(u->o.tls, &u->tls) != 0) {
        up_reset(u, "out of memory");
        return;
    }
    u->state = UP_TLS;
    buf_init(&out, 65536);
    rc = tls_conn_start(u->tls, &out);
    if (rc == 0)
        rc = up_write_raw(u, &out);
    buf_free(&out);
    if (rc != 0)
        up_reset(u, "TLS handshake could not start");
}

static void
up_connect(struct uplink *u)
{
    int rc;

    if (u->state != UP_IDLE)
        return;
    u->tcp = malloc(sizeof(*u->tcp));
    if (u->tcp == NULL)
        return;
    uv_tcp_init(u->loop, u->tcp);
    u->tcp->data = u;
    u->creq.data = u;
    u->state = UP_CONNECTING;
    rc = uv_tcp_connect(&u->creq, u->tcp, (struct sockaddr *)&u->addr,
                        connect_cb);
    if (rc != 0)
        up_reset(u, uv_strerror(rc));
}

int
uplink_start(uv_loop_t *loop, const struct uplink_opts *o,
             const struct uplink_src *src, uplink_config_cb cfg, void *arg,
             struct uplink **out)
{
    struct uplink *u;

    *out = NULL;
    u = calloc(1, sizeof(*u));
    if (u == NULL)
        return -ENOMEM;
    if (addr_parse(o->collector, &u->addr) != 0) {
        log_warnx("uplink: bad collector address \"%s\" (want HOST:PORT)",
                  o->collector);
        free(u);
        return -EINVAL;
    }
    u->loop = loop;
    u->o = *o;
    if (u->o.window == 0)
        u->o.window = 16;
    if (u->o.backoff_min_ms == 0)
        u->o.backoff_min_ms = 500;
    /* 30 s at most: with full jitter every agent is back within 30 s of
     * a collector restart, however long it was down */
    if (u->o.backoff_max_ms < u->o.backoff_min_ms)
        u->o.backoff_max_ms = 30000;
    u->backoff_ms = u->o.backoff_min_ms;
    u->src = *src;
    u->cfg = cfg;
    u->arg = arg;
    buf_init(&u->rbuf, WIRE_HDR_LEN + WIRE_MAX_PAYLOAD);
    buf_init(&u->frame, WIRE_HDR_LEN + WIRE_MAX_PAYLOAD);
    uv_timer_init(loop, &u->timer);
    u->timer.data = u;
    u->state = UP_IDLE;
    up_connect(u);
    *out = u;
    return 0;
}

void
uplink_kick(struct uplink *u)
{
    up_pump(u);
}

uint64_t
uplink_acked(const struct uplink *u)
{
    return u->acked;
}

int
uplink_connected(const struct uplink *u)
{
    return u->state == UP_STREAMING;
}

static void
timer_close_cb(uv_handle_t *h)
{
    struct uplink *u = h->data;

    buf_free(&u->rbuf);
    buf_free(&u->frame);
    free(u);
}

void
uplink_stop(struct uplink *u)
{
    if (u == NULL || u->state == UP_STOPPED)
        return;
    if (u->tcp != NULL) {
        uv_close((uv_handle_t *)u->tcp, tcp_close_cb);
        u->tcp = NULL;
    }
    tls_conn_free(u->tls);
    u->tls = NULL;
    u->state = UP_STOPPED;
    uv_timer_stop(&u->timer);
    uv_close((uv_handle_t *)&u->timer, timer_close_cb);
}
