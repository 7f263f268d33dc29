/* tlsprobe: a blocking TLS client of the agent protocol for security tests
 * against a real collector. It uses common/tls.c for the TLS side and
 * common/wire.c for frames, none of the agent.
 *   tlsprobe ADDR legit ID KEYHEX SCHOOL N     N batches, each acknowledged
 *   tlsprobe ADDR attack N ID KEYHEX SCHOOL OTHER_ID OTHER_KEY EXPIRED_ID
 *            EXPIRED_KEY REVOKED_ID REVOKED_KEY
 *       N attempts cycling through: wrong key, unknown identity, expired
 *       key, revoked key, other school's credentials, no TLS at all,
 *       garbage; every one must end without an ACK for its batch
 *   tlsprobe ADDR idle N SECONDS ID KEYHEX SCHOOL  N TLS sessions that
 *       say HELLO and then stay idle for SECONDS (memory per connection)
 *   tlsprobe ADDR replay ID KEYHEX SCHOOL     a real session's bytes,
 *       recorded and sent again on a new connection: must be refused
 * Prints counts; exits 1 on any unexpected acceptance. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "tls.h"
#include "wire.h"

static const char *addr_spec;
static struct buf recorded; /* client -> server bytes of a session */
static int recording;

static int
dial(void)
{
    struct sockaddr_storage ss;
    int fd;

    if (addr_parse(addr_spec, &ss) != 0)
        exit(2);
    fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss,
                          ss.ss_family == AF_INET
                              ? sizeof(struct sockaddr_in)
                              : sizeof(struct sockaddr_in6)) != 0) {
        perror("connect");
        exit(1);
    }
    /* like the agent: no Nagle delay between handshake and HELLO */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    return fd;
}

static int
put(int fd, const uint8_t *p, size_t n)
{
    ssize_t k;

    if (recording)
        buf_append(&recorded, p, n);
    while (n > 0) {
        k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

struct sess {
    int fd;
    struct tls_conn *t;
    struct buf plain;
};

/* Reads ciphertext until plain holds a frame, the peer closes or 5 s pass.
 * Returns the frame type and consumes it, 0 on close/refusal. */
static int
get_frame(struct sess *s, struct wire_msg *m, uint8_t *copy, size_t cap)
{
    struct pollfd p = {s->fd, POLLIN, 0};
    uint8_t in[16384];
    struct buf out;
    const char *why;
    ssize_t n, k;

    for (;;) {
        k = wire_decode(s->plain.p, s->plain.len, WIRE_MAX_PAYLOAD, m, &why);
        if (k < 0)
            return 0;
        if (k > 0) {
            if (m->len > cap)
                return 0;
            memcpy(copy, m->payload, m->len);
            m->payload = copy;
            buf_consume(&s->plain, (size_t)k);
            return m->type;
        }
        if (poll(&p, 1, 5000) != 1)
            return 0;
        n = read(s->fd, in, sizeof(in));
        if (n <= 0)
            return 0;
        buf_init(&out, 1u << 20);
        if (tls_conn_feed(s->t, in, (size_t)n, &s->plain, &out, &why) != 0) {
            buf_free(&out);
            return 0;
        }
        put(s->fd, out.p, out.len);
        buf_free(&out);
    }
}

static int
handshake(struct sess *s)
{
    struct pollfd p = {s->fd, POLLIN, 0};
    uint8_t in[16384];
    struct buf out;
    const char *why;
    ssize_t n;

    buf_init(&out, 1u << 20);
    tls_conn_start(s->t, &out);
    put(s->fd, out.p, out.len);
    buf_reset(&out);
    while (!tls_conn_ready(s->t)) {
        if (poll(&p, 1, 5000) != 1)
            break;
        n = read(s->fd, in, sizeof(in));
        if (n <= 0)
            break;
        if (tls_conn_feed(s->t, in, (size_t)n, &s->plain, &out, &why) != 0)
            break;
        put(s->fd, out.p, out.len);
        buf_reset(&out);
    }
    buf_free(&out);
    return tls_conn_ready(s->t) ? 0 : -1;
}

static int
send_frame(struct sess *s, const struct buf *f)
{
    struct buf out;
    int rc;

    if (s->t == NULL)
        return put(s->fd, f->p, f->len);
    buf_init(&out, f->len + 4096);
    rc = tls_conn_write(s->t, f->p, f->len, &out);
    if (rc == 0)
        rc = put(s->fd, out.p, out.len);
    buf_free(&out);
    return rc;
}

static void
hello_frame(struct buf *b, const char *id, const char *school)
{
    struct wire_hello h;

    memset(&h, 0, sizeof(h));
    snprintf(h.agent_id, sizeof(h.agent_id), "%s", id);
    snprintf(h.school, sizeof(h.school), "%s", school);
    snprintf(h.version, sizeof(h.version), "tlsprobe");
    snprintf(h.boot_id, sizeof(h.boot_id), "x");
    h.stream = 0x7157;
    wire_hello_encode(b, &h);
}

static void
batch_frame(struct buf *b, uint64_t seq, const char *cls)
{
    struct wire_class_min r;

    memset(&r, 0, sizeof(r));
    r.minute = 1700000040 + 60 * (int64_t)seq;
    snprintf(r.class_id, sizeof(r.class_id), "%s", cls);
    r.bytes_up = 1000;
    r.bytes_down = 2000;
    r.pkts_up = 1;
    r.pkts_down = 2;
    wire_batch_begin(b, 0x7157, seq);
    wire_batch_add_class_min(b, &r);
    wire_batch_end(b);
}

/* One session: TLS (unless key is NULL), HELLO as (hid, school), then
 * batches seq first..first+n-1. Returns the number of batches that were
 * acknowledged (-1 if even the HELLO was refused). */
static int
session(const char *id, const uint8_t *key, const char *hid,
        const char *school, uint64_t first, int n, int pause_ms)
{
    struct tls_ctx *ctx = NULL;
    struct sess s = {0};
    struct wire_msg m;
    struct wire_ack a;
    struct buf f;
    uint8_t copy[4096];
    int acked = -1, i;

    buf_init(&s.plain, 1u << 20);
    buf_init(&f, 1u << 20);
    s.fd = dial();
    if (key != NULL) {
        if (tls_ctx_client(id, key, &ctx) != 0 ||
            tls_conn_new(ctx, &s.t) != 0)
            exit(2);
        if (handshake(&s) != 0)
            goto out;
    }
    hello_frame(&f, hid, school);
    if (send_frame(&s, &f) != 0 || get_frame(&s, &m, copy, sizeof(copy)) !=
                                       WIRE_ACK)
        goto out;
    acked = 0;
    for (i = 0; i < n; i++) {
        batch_frame(&f, first + (uint64_t)i, "probe");
        if (send_frame(&s, &f) != 0 ||
            get_frame(&s, &m, copy, sizeof(copy)) != WIRE_ACK ||
            wire_ack_decode(m.payload, m.len, &a) != 0 ||
            a.seq != first + (uint64_t)i)
            break;
        acked++;
        if (pause_ms > 0)
            usleep((useconds_t)pause_ms * 1000);
    }
out:
    close(s.fd);
    tls_conn_free(s.t);
    tls_ctx_free(ctx);
    buf_free(&s.plain);
    buf_free(&f);
    return acked;
}

static void
key_or_die(const char *hex, uint8_t k[TLS_KEY_LEN])
{
    if (tls_key_parse(hex, k) != 0) {
        fprintf(stderr, "bad key %s\n", hex);
        exit(2);
    }
}

int
main(int argc, char **argv)
{
    uint8_t k[TLS_KEY_LEN], ok[TLS_KEY_LEN], ek[TLS_KEY_LEN], rk[TLS_KEY_LEN];
    uint8_t wrong[TLS_KEY_LEN];
    char hex[2 * TLS_KEY_LEN + 1];
    int n, i, bad = 0, got;
    int counts[7] = {0};
    static const char *const kinds[7] = {
        "wrong key", "unknown identity", "expired key", "revoked key",
        "other school", "no TLS", "garbage"};

    if (argc < 4)
        return 2;
    addr_spec = argv[1];
    if (strcmp(argv[2], "legit") == 0 && argc == 7) {
        key_or_die(argv[4], k);
        n = atoi(argv[6]);
        got = session(argv[3], k, argv[3], argv[5],
                      (uint64_t)time(NULL) * 1000, n, 10);
        printf("legit: %d of %d batches acknowledged\n", got, n);
        return got == n ? 0 : 1;
    }
    if (strcmp(argv[2], "idle") == 0 && argc == 8) {
        struct tls_ctx *ctx;
        struct sess *ss;
        struct buf f;
        struct wire_msg m;
        uint8_t copy[4096];
        int up = 0;

        n = atoi(argv[3]);
        key_or_die(argv[6], k);
        if (tls_ctx_client(argv[5], k, &ctx) != 0)
            return 2;
        ss = calloc((size_t)n, sizeof(*ss));
        buf_init(&f, 4096);
        for (i = 0; i < n && ss != NULL; i++) {
            buf_init(&ss[i].plain, 1u << 16);
            ss[i].fd = dial();
            if (tls_conn_new(ctx, &ss[i].t) != 0 || handshake(&ss[i]) != 0)
                continue;
            hello_frame(&f, argv[5], argv[7]);
            if (send_frame(&ss[i], &f) == 0 &&
                get_frame(&ss[i], &m, copy, sizeof(copy)) == WIRE_ACK)
                up++;
        }
        printf("idle: %d of %d sessions up\n", up, n);
        fflush(stdout);
        sleep((unsigned)atoi(argv[4]));
        return up == n ? 0 : 1;
    }
    if (strcmp(argv[2], "replay") == 0 && argc == 6) {
        struct sess s = {0};
        struct wire_msg m;
        uint8_t copy[4096];
        int t;

        key_or_die(argv[4], k);
        buf_init(&recorded, 1u << 20);
        recording = 1;
        /* a seq above any the legit mode used on this stream */
        got = session(argv[3], k, argv[3], argv[5],
                      (uint64_t)time(NULL) * 1000 + 500000, 1, 0);
        recording = 0;
        if (got != 1) {
            fprintf(stderr, "replay: the original session failed\n");
            return 1;
        }
        /* the same bytes again, on a new connection */
        s.fd = dial();
        buf_init(&s.plain, 1u << 20);
        put(s.fd, recorded.p, recorded.len);
        t = read(s.fd, copy, sizeof(copy)) > 0 ? 1 : 0;
        (void)m;
        close(s.fd);
        printf("replay: %zu recorded bytes sent again; collector answered "
               "%s\n", recorded.len, t ? "with TLS bytes (a new handshake)"
                                        : "by closing");
        return 0;
    }
    if (strcmp(argv[2], "attack") == 0 && argc == 13) {
        n = atoi(argv[3]);
        key_or_die(argv[5], k);
        key_or_die(argv[8], ok);
        key_or_die(argv[10], ek);
        key_or_die(argv[12], rk);
        for (i = 0; i < n; i++) {
            int kind = i % 7;
            tls_key_new(wrong, hex);
            switch (kind) {
            case 0: got = session(argv[4], wrong, argv[4], argv[6], 1, 1, 0); break;
            case 1: got = session(hex, wrong, hex, argv[6], 1, 1, 0); break;
            case 2: got = session(argv[9], ek, argv[9], argv[6], 1, 1, 0); break;
            case 3: got = session(argv[11], rk, argv[11], argv[6], 1, 1, 0); break;
            /* valid credentials of another school, claiming this one */
            case 4: got = session(argv[7], ok, argv[7], argv[6], 1, 1, 0); break;
            case 5: got = session(argv[4], NULL, argv[4], argv[6], 1, 1, 0); break;
            default: {
                int fd = dial();
                uint8_t junk[64];
                tls_key_new(junk, hex);
                put(fd, (const uint8_t *)hex, 64);
                got = read(fd, junk, sizeof(junk)) > 0 ? 0 : -1;
                close(fd);
            }
            }
            if (got > 0) {
                fprintf(stderr, "attempt %d (%s): a batch was accepted\n", i,
                        kinds[kind]);
                bad++;
            }
            counts[kind]++;
        }
        for (i = 0; i < 7; i++)
            printf("attack: %d attempts with %s, none stored\n", counts[i],
                   kinds[i]);
        return bad ? 1 : 0;
    }
    fprintf(stderr, "usage: see tests/tools/tlsprobe.c\n");
    return 2;
}
