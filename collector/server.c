/* server: see server.h.
 *
 * Connection life: WAIT_HELLO -> (HELLO job in the writer) -> READY ->
 * CLOSING. A connection is freed only when its handle has closed AND no
 * writer job still points at it (refs == 0), so a commit that finishes
 * after the peer went away never touches freed memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "keys.h"
#include "log.h"
#include "server.h"
#include "tls.h"

enum conn_state { C_WAIT_HELLO, C_HELLO_PENDING, C_READY, C_CLOSING };

struct conn {
    uv_tcp_t tcp;
    struct server *srv;
    struct conn *prev, *next;
    enum conn_state state;
    struct buf rbuf;
    struct tls_conn *tls;   /* NULL on a plaintext listener */
    char *agent_id;         /* from the HELLO; NULL before it */
    char *school;
    char peer[64];
    unsigned refs;        /* writer jobs in flight + 1 while the handle lives */
    unsigned inflight;    /* batches awaiting commit */
    int reading;
    int rate_paused;      /* over its byte budget for this second */
    uint64_t last_active; /* uv_now, ms */
    uint64_t partial_since; /* uv_now when a frame began arriving; 0 none */
    uint64_t bytes_this_sec;
    uint64_t cfg_hash;      /* of the maps last pushed; 0 none */
    uint64_t cfg_checked;   /* uv_now of the last registry check */
    int cfg_pending;        /* a WRITER_CONFIG job is out */
    uint64_t prev_seq;      /* seq of the last BATCH read on this connection
                               (the HELLO answer before the first) */
};

struct server {
    uv_loop_t *loop;
    struct server_opts o;
    struct writer *w;
    uv_tcp_t listener;
    uint8_t cipher[65536];
    uint64_t storage_log_ms;     /* last "storage" refusal logged */
    uint64_t storage_suppressed; /* refusals not logged since */
    uv_timer_t sweep;
    struct conn *conns;
    int stopped;
    int queue_paused;
    struct server_stats stats;
};

/* A write request owns its bytes until the callback (the uv_write rule). */
struct wreq {
    uv_write_t req;
    size_t len;
    uint8_t data[];
};

static void conn_close(struct conn *c, const char *why);
static void conn_process(struct conn *c);

static void
conn_unref(struct conn *c)
{
    if (--c->refs > 0)
        return;
    buf_free(&c->rbuf);
    tls_conn_free(c->tls);
    free(c->agent_id);
    free(c->school);
    free(c);
}

static void
write_cb(uv_write_t *req, int status)
{
    (void)status; /* a failed write shows up as a read error too */
    free(req);
}

static void conn_write_raw(struct conn *c, const struct buf *bytes);

/* Sends one frame, through TLS when the listener has it. */
static void
conn_send(struct conn *c, const struct buf *frame)
{
    struct buf cipher;

    if (c->state == C_CLOSING || frame->err)
        return;
    if (c->tls == NULL) {
        conn_write_raw(c, frame);
        return;
    }
    if (!tls_conn_ready(c->tls))
        return; /* nothing may be said before the peer is authenticated */
    buf_init(&cipher, frame->len + 4096);
    if (tls_conn_write(c->tls, frame->p, frame->len, &cipher) == 0)
        conn_write_raw(c, &cipher);
    buf_free(&cipher);
}

static void
conn_write_raw(struct conn *c, const struct buf *frame)
{
    struct wreq *wr;
    uv_buf_t b;

    if (c->state == C_CLOSING || frame->err || frame->len == 0)
        return;
    wr = malloc(sizeof(*wr) + frame->len);
    if (wr == NULL) {
        conn_close(c, "out of memory");
        return;
    }
    wr->len = frame->len;
    memcpy(wr->data, frame->p, frame->len);
    b = uv_buf_init((char *)wr->data, (unsigned)wr->len);
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &b, 1, write_cb) != 0) {
        free(wr);
        conn_close(c, "write failed");
    }
}

static void
conn_send_ack(struct conn *c, uint64_t stream, uint64_t seq)
{
    struct wire_ack a = {stream, seq};
    uint8_t mem[64];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    wire_ack_encode(&b, &a);
    conn_send(c, &b);
}

/* FNV-1a over both maps: the CONFIG version, and how a change is seen. */
static uint64_t
maps_hash(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    const char *p;

    for (p = a; *p != '\0'; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (p = b; *p != '\0'; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return h ? h : 1;
}

/* Pushes the school's registry maps when they differ from what this agent
 * was last sent. An agent of a school without registry entries keeps its
 * own config. */
static void
conn_push_config(struct conn *c, const struct writer_job *j)
{
    struct wire_config cfg;
    struct buf b;
    uint64_t h;

    if (j->classmap == NULL || j->areamap == NULL)
        return;
    if (j->classmap[0] == '\0' && j->areamap[0] == '\0')
        return;
    h = maps_hash(j->classmap, j->areamap);
    if (h == c->cfg_hash)
        return;
    memset(&cfg, 0, sizeof(cfg));
    cfg.version = h;
    if (j->classmap[0] != '\0') {
        cfg.sec[cfg.nsections].kind = WIRE_CFG_CLASSMAP;
        cfg.sec[cfg.nsections].text = j->classmap;
        cfg.sec[cfg.nsections++].len = (uint32_t)strlen(j->classmap);
    }
    if (j->areamap[0] != '\0') {
        cfg.sec[cfg.nsections].kind = WIRE_CFG_AREAMAP;
        cfg.sec[cfg.nsections].text = j->areamap;
        cfg.sec[cfg.nsections++].len = (uint32_t)strlen(j->areamap);
    }
    buf_init(&b, WIRE_HDR_LEN + WIRE_MAX_PAYLOAD);
    if (wire_config_encode(&b, &cfg) == 0) {
        conn_send(c, &b);
        c->cfg_hash = h;
        log_info("server: %s: pushed config %016llx to agent %s",
                 c->peer, (unsigned long long)h, c->agent_id);
    } else {
        log_warnx("server: config for school %s does not fit a frame",
                  c->school);
    }
    buf_free(&b);
}

static void
close_cb(uv_handle_t *h)
{
    conn_unref(h->data);
}

static void
conn_close(struct conn *c, const char *why)
{
    uint8_t mem[512];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    if (c->state == C_CLOSING)
        return;
    if (why != NULL && strncmp(why, "collector storage", 17) == 0) {
        /* one line per 10 s for storage trouble, which hits every agent
         * at once; the count says how many were turned away */
        uint64_t now = uv_now(c->srv->loop);
        if (now - c->srv->storage_log_ms >= 10000) {
            log_warnx("server: %s (%s): closing: %s (%llu more agents turned "
                      "away since the last such message)", c->peer,
                      c->agent_id ? c->agent_id : "no hello",
                      why, (unsigned long long)c->srv->storage_suppressed);
            c->srv->storage_log_ms = now;
            c->srv->storage_suppressed = 0;
        } else {
            c->srv->storage_suppressed++;
        }
        wire_error_encode(&b, 1, why);
        conn_send(c, &b);
    } else if (why != NULL) {
        log_warnx("server: %s (%s): closing: %s", c->peer,
                  c->agent_id ? c->agent_id : "no hello",
                  why);
        wire_error_encode(&b, 1, why);
        conn_send(c, &b);
    }
    c->state = C_CLOSING;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->srv->stats.conns_open--;
    uv_close((uv_handle_t *)&c->tcp, close_cb);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *out)
{
    struct conn *c = h->data;
    size_t room = 4096, need;

    (void)hint;
    if (c->tls != NULL) {
        /* ciphertext is decrypted into rbuf as soon as it arrives, so one
         * buffer serves every TLS connection of the loop */
        *out = uv_buf_init((char *)c->srv->cipher, sizeof(c->srv->cipher));
        return;
    }
    /* Read what the frame in progress still needs (its header says), in
     * 4..64 KiB steps: an idle agent costs 4 KiB at most, and never more
     * than one whole frame is buffered (the header check in wire_decode
     * rejects a longer one before its payload arrives). */
    if (c->rbuf.len >= WIRE_HDR_LEN) {
        need = WIRE_HDR_LEN + ((size_t)c->rbuf.p[0] << 24 |
                               (size_t)c->rbuf.p[1] << 16 |
                               (size_t)c->rbuf.p[2] << 8 | c->rbuf.p[3]);
        need = need > c->rbuf.len ? need - c->rbuf.len : 0;
        room = need < 4096 ? 4096 : need > 65536 ? 65536 : need;
    }
    if (c->rbuf.max - c->rbuf.len < room)
        room = c->rbuf.max - c->rbuf.len;
    if (room == 0 || buf_reserve(&c->rbuf, room) != 0) {
        *out = uv_buf_init(NULL, 0);
        return;
    }
    *out = uv_buf_init((char *)c->rbuf.p + c->rbuf.len, (unsigned)room);
}

static void
conn_pause(struct conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

static void
conn_resume(struct conn *c)
{
    if (c->state == C_CLOSING || c->reading || c->rate_paused)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0)
        c->reading = 1;
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = s->data;

    (void)b;
    if (n == UV_ENOBUFS) {
        conn_close(c, "read buffer full");
        return;
    }
    if (n < 0) {
        if (n != UV_EOF)
            log_info("server: %s: read: %s", c->peer, uv_strerror((int)n));
        conn_close(c, NULL);
        return;
    }
    if (c->tls != NULL) {
        struct buf out;
        const char *why = NULL;
        int rc;

        buf_init(&out, 1u << 20);
        rc = tls_conn_feed(c->tls, (const uint8_t *)b->base, (size_t)n,
                           &c->rbuf, &out, &why);
        conn_write_raw(c, &out);
        buf_free(&out);
        if (rc != 0) {
            c->srv->stats.frames_rejected++;
            conn_close(c, why ? why : "TLS error");
            return;
        }
    } else {
        c->rbuf.len += (size_t)n;
    }
    c->srv->stats.bytes_in += (uint64_t)n;
    c->last_active = uv_now(c->srv->loop);
    c->bytes_this_sec += (uint64_t)n;
    conn_process(c);
    if (c->state == C_CLOSING)
        return;
    /* a frame that has begun must finish in time (slowloris) */
    if (c->rbuf.len == 0)
        c->partial_since = 0;
    else if (c->partial_since == 0)
        c->partial_since = c->last_active;
    /* per-agent rate limit: stop reading until the next second */
    if (c->srv->o.max_rate_bps != 0 &&
        c->bytes_this_sec > c->srv->o.max_rate_bps) {
        c->rate_paused = 1;
        conn_pause(c);
    }
}

static void
submit(struct conn *c, struct writer_job *j)
{
    j->owner = c;
    c->refs++;
    writer_submit(c->srv->w, j);
    if (writer_depth(c->srv->w) >= c->srv->o.max_queue &&
        !c->srv->queue_paused) {
        struct conn *p;
        c->srv->queue_paused = 1;
        log_warnx("server: writer queue at %zu jobs; pausing all reads",
                  writer_depth(c->srv->w));
        for (p = c->srv->conns; p != NULL; p = p->next)
            conn_pause(p);
    }
}

/* Handles one complete frame. Returns 0 to go on, -1 if the connection
 * was closed or must wait (HELLO pending, too many in flight). */
static int
conn_frame(struct conn *c, const struct wire_msg *m)
{
    struct writer_job *j;
    struct wire_hello hello;
    const char *why = NULL;

    switch (m->type) {
    case WIRE_HELLO:
        if (c->state != C_WAIT_HELLO) {
            conn_close(c, "second HELLO");
            return -1;
        }
        if (wire_hello_decode(m->payload, m->len, &hello, &why) != 0) {
            conn_close(c, why);
            return -1;
        }
        if (c->tls != NULL) {
            /* the key decides who this is: an agent may write only as the
             * agent and for the school its credentials were issued for */
            const char *id = tls_conn_identity(c->tls);
            const char *school = keyring_school(*c->srv->o.ring, id);
            if (strcmp(id, hello.agent_id) != 0) {
                conn_close(c, "HELLO agent id does not match its "
                              "credentials");
                return -1;
            }
            if (school == NULL || strcmp(school, hello.school) != 0) {
                conn_close(c, "credentials are for another school");
                return -1;
            }
        }
        j = calloc(1, sizeof(*j));
        if (j == NULL) {
            conn_close(c, "out of memory");
            return -1;
        }
        j->kind = WRITER_HELLO;
        j->hello = hello;
        /* only the two ids stay with the connection: an idle agent should
         * cost little */
        c->agent_id = strdup(hello.agent_id);
        c->school = strdup(hello.school);
        if (c->agent_id == NULL || c->school == NULL) {
            free(j);
            conn_close(c, "out of memory");
            return -1;
        }
        snprintf(j->peer, sizeof(j->peer), "%s", c->peer);
        c->state = C_HELLO_PENDING;
        submit(c, j);
        return 0;
    case WIRE_BATCH:
        if (c->state != C_READY) {
            conn_close(c, "BATCH before HELLO");
            return -1;
        }
        j = calloc(1, sizeof(*j));
        if (j == NULL || (j->payload = malloc(m->len ? m->len : 1)) == NULL) {
            free(j);
            conn_close(c, "out of memory");
            return -1;
        }
        memcpy(j->payload, m->payload, m->len);
        j->len = m->len;
        j->kind = WRITER_BATCH;
        /* the writer stores this batch only if the one before it on this
         * connection was stored: a failed batch must not be overtaken by
         * the ones queued behind it, or its seq would count as held */
        j->prev_seq = c->prev_seq;
        {
            struct wire_batch_it it;
            if (wire_batch_open(m->payload, m->len, &it) == 0 &&
                it.seq > c->prev_seq)
                c->prev_seq = it.seq;
        }
        snprintf(j->agent_id, sizeof(j->agent_id), "%s", c->agent_id);
        snprintf(j->school, sizeof(j->school), "%s", c->school);
        c->inflight++;
        submit(c, j);
        return 0;
    case WIRE_ERROR: {
        uint16_t code;
        char text[256];
        if (wire_error_decode(m->payload, m->len, &code, text,
                              sizeof(text)) == 0)
            log_warnx("server: %s: peer error %u: %s", c->peer, code, text);
        conn_close(c, NULL);
        return -1;
    }
    default:
        conn_close(c, "unexpected frame type from an agent");
        return -1;
    }
}

static void
conn_process(struct conn *c)
{
    struct wire_msg m;
    const char *why = "malformed frame";
    size_t off = 0;
    ssize_t n;

    while (c->state != C_CLOSING) {
        /* wait for the HELLO's answer before reading batches, and keep the
         * number of uncommitted batches per agent bounded */
        if (c->state == C_HELLO_PENDING ||
            c->inflight >= c->srv->o.max_inflight) {
            conn_pause(c);
            break;
        }
        n = wire_decode(c->rbuf.p + off, c->rbuf.len - off,
                        c->srv->o.max_frame, &m, &why);
        if (n < 0) {
            c->srv->stats.frames_rejected++;
            conn_close(c, why);
            return;
        }
        if (n == 0)
            break;
        off += (size_t)n;
        if (conn_frame(c, &m) != 0)
            break;
    }
    if (c->state != C_CLOSING) {
        buf_consume(&c->rbuf, off);
        /* an agent that sent one big frame should not keep its buffer */
        if (c->rbuf.len == 0 && c->rbuf.cap > 16384)
            buf_free(&c->rbuf);
    }
}

void
server_job_done(void *arg, struct writer_job *j)
{
    struct server *s = arg;
    struct conn *c = j->owner, *p;

    if (j->kind == WRITER_BATCH)
        c->inflight--;
    if (j->kind == WRITER_CONFIG)
        c->cfg_pending = 0;
    if (c->state != C_CLOSING) {
        if (j->kind == WRITER_CONFIG) {
            conn_push_config(c, j);
        } else if (j->kind == WRITER_HELLO) {
            if (j->rc != 0) {
                conn_close(c, j->rc == -ENOSPC
                                  ? "collector storage full; try later"
                                  : "collector storage unavailable");
            } else {
                log_info("server: %s: agent %s school %s version %s "
                         "stream %016llx resumes after seq %llu", c->peer,
                         j->hello.agent_id, j->hello.school,
                         j->hello.version,
                         (unsigned long long)j->hello.stream,
                         (unsigned long long)j->ack_seq);
                c->state = C_READY;
                c->prev_seq = j->ack_seq;
                conn_send_ack(c, j->stream, j->ack_seq);
                c->cfg_checked = uv_now(s->loop);
                conn_push_config(c, j);
            }
        } else if (j->rc == STORAGE_STORED || j->rc == STORAGE_DUPLICATE) {
            if (j->rc == STORAGE_STORED)
                s->stats.batches_stored++;
            else
                s->stats.batches_duplicate++;
            conn_send_ack(c, j->stream, j->ack_seq);
        } else if (j->rc == -EPROTO) {
            s->stats.frames_rejected++;
            conn_close(c, j->why ? j->why : "bad batch");
        } else if (j->rc == -EAGAIN) {
            /* the agent resends from the collector's position */
            conn_close(c, j->why);
        } else {
            conn_close(c, j->rc == -ENOSPC
                              ? "collector storage full; batch not stored"
                              : "collector storage error; batch not stored");
        }
    }
    if (c->state != C_CLOSING && !s->queue_paused) {
        conn_process(c);
        if (c->state != C_CLOSING && c->state != C_HELLO_PENDING &&
            c->inflight < s->o.max_inflight)
            conn_resume(c);
    }
    free(j->payload);
    free(j->classmap);
    free(j->areamap);
    free(j);
    conn_unref(c);
    if (s->queue_paused && writer_depth(s->w) <= s->o.max_queue / 2) {
        s->queue_paused = 0;
        log_info("server: writer queue drained; reading again");
        for (p = s->conns; p != NULL; p = p->next) {
            conn_process(p);
            if (p->state == C_READY && p->inflight < s->o.max_inflight)
                conn_resume(p);
            else if (p->state == C_WAIT_HELLO)
                conn_resume(p);
        }
    }
}

static void
on_connection(uv_stream_t *ls, int status)
{
    struct server *s = ls->data;
    struct sockaddr_storage ss;
    struct conn *c;
    int len = sizeof(ss);

    if (status < 0) {
        log_warnx("server: accept: %s", uv_strerror(status));
        return;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    c->srv = s;
    c->refs = 1;
    /* with TLS a read may decrypt to a whole record more than one frame */
    buf_init(&c->rbuf, WIRE_HDR_LEN + s->o.max_frame +
                           (s->o.tls != NULL ? sizeof(s->cipher) + 1024 : 0));
    if (s->o.tls != NULL && tls_conn_new(s->o.tls, &c->tls) != 0) {
        free(c);
        return;
    }
    uv_tcp_init(s->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, close_cb);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        addr_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
    else
        snprintf(c->peer, sizeof(c->peer), "?");
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
    s->stats.conns_open++;
    s->stats.conns_total++;
    c->last_active = uv_now(s->loop);
    if (!s->queue_paused)
        conn_resume(c);
}

/* One timer for all peers: cheaper than a timer per connection, and idle
 * limits need only second resolution. */
static void
sweep_cb(uv_timer_t *t)
{
    struct server *s = t->data;
    struct conn *c, *next;
    uint64_t now = uv_now(s->loop);

    for (c = s->conns; c != NULL; c = next) {
        next = c->next;
        c->bytes_this_sec = 0;
        if (c->rate_paused) {
            c->rate_paused = 0;
            if (!s->queue_paused && c->inflight < s->o.max_inflight &&
                c->state != C_HELLO_PENDING)
                conn_resume(c);
        }
        /* a peer that does not read its ACKs holds our memory */
        if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) >
            (1u << 20)) {
            conn_close(c, "peer does not read its acknowledgements");
            continue;
        }
        if (c->partial_since != 0 && c->reading &&
            now - c->partial_since > (uint64_t)s->o.frame_timeout_s * 1000) {
            conn_close(c, "frame not completed in time");
            continue;
        }
        /* registry changes reach connected agents within config_check */
        if (c->state == C_READY && !c->cfg_pending &&
            now - c->cfg_checked >= (uint64_t)s->o.config_check_s * 1000) {
            struct writer_job *j = calloc(1, sizeof(*j));
            if (j != NULL) {
                j->kind = WRITER_CONFIG;
                snprintf(j->school, sizeof(j->school), "%s", c->school);
                c->cfg_pending = 1;
                c->cfg_checked = now;
                submit(c, j);
            }
        }
        if (c->inflight > 0 || c->state == C_HELLO_PENDING)
            continue;
        if (c->state == C_WAIT_HELLO &&
            now - c->last_active > (uint64_t)s->o.hello_timeout_s * 1000)
            conn_close(c, "no HELLO in time");
        else if (now - c->last_active > (uint64_t)s->o.idle_timeout_s * 1000)
            conn_close(c, "idle timeout");
    }
}

int
server_start(uv_loop_t *loop, const struct server_opts *o, struct writer *w,
             struct server **out)
{
    struct sockaddr_storage ss;
    struct server *s;
    int rc;

    *out = NULL;
    if (addr_parse(o->listen, &ss) != 0) {
        log_warnx("server: bad listen address \"%s\" (want HOST:PORT)",
                  o->listen);
        return UV_EINVAL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return UV_ENOMEM;
    s->loop = loop;
    s->o = *o;
    if (s->o.max_frame == 0 || s->o.max_frame > WIRE_MAX_PAYLOAD)
        s->o.max_frame = WIRE_MAX_PAYLOAD;
    if (s->o.max_inflight == 0)
        s->o.max_inflight = 8;
    if (s->o.max_queue == 0)
        s->o.max_queue = 4096;
    if (s->o.idle_timeout_s == 0)
        s->o.idle_timeout_s = 300;
    if (s->o.hello_timeout_s == 0)
        s->o.hello_timeout_s = 30;
    if (s->o.frame_timeout_s == 0)
        s->o.frame_timeout_s = 30;
    if (s->o.config_check_s == 0)
        s->o.config_check_s = 60;
    s->w = w;
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    if ((rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&s->listener, 1024,
                        on_connection)) != 0) {
        log_warnx("server: listen on %s: %s", o->listen, uv_strerror(rc));
        uv_close((uv_handle_t *)&s->listener, NULL);
        s->stopped = 1;
        *out = s;
        return rc;
    }
    uv_timer_init(loop, &s->sweep);
    s->sweep.data = s;
    uv_timer_start(&s->sweep, sweep_cb, 1000, 1000);
    *out = s;
    return 0;
}

int
server_port(const struct server *s)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);

    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    return addr_port((struct sockaddr *)&ss);
}

void
server_stop(struct server *s)
{
    if (s == NULL || s->stopped)
        return;
    s->stopped = 1;
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_timer_stop(&s->sweep);
    uv_close((uv_handle_t *)&s->sweep, NULL);
    while (s->conns != NULL)
        conn_close(s->conns, NULL);
}

void
server_free(struct server *s)
{
    free(s);
}

const struct server_stats *
server_stats(const struct server *s)
{
    return &s->stats;
}
