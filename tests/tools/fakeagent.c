/* fakeagent: a deliberately simple, blocking agent for protocol tests
 * against a real collector. It speaks the wire protocol from common/wire.h
 * but none of the agent's modules, so the collector is checked from the
 * outside.
 *   fakeagent ADDR dup SCHOOL AGENT      send batch 1, reconnect as if the
 *                                        ACK was lost, send batch 1 again
 *   fakeagent ADDR bad KIND              send one bad frame; exit 0 when the
 *                                        collector closes the connection
 *     KIND: oversized badversion badtype flags garbage nohello badrecord
 *           truncated badhello
 *           stall (HELLO, then half a frame, then silence)
 *           silent (connect and say nothing)
 *   fakeagent ADDR stream SCHOOL AGENT N send N batches, each acknowledged
 * Prints what it saw; exits non-zero on any unexpected answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "wire.h"

static uint64_t stream_id = 0x5eed5eed5eedULL;

/* FAKEAGENT_WAIT_MS: how long to wait for the collector (default 5 s). */
static int
wait_ms(void)
{
    const char *e = getenv("FAKEAGENT_WAIT_MS");

    return e != NULL ? atoi(e) : 5000;
}

static int
dial(const char *spec)
{
    struct sockaddr_storage ss;
    int fd;

    if (addr_parse(spec, &ss) != 0) {
        fprintf(stderr, "bad address %s\n", spec);
        exit(2);
    }
    fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss,
                          ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                  : sizeof(struct sockaddr_in6)) != 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

static void
put(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    ssize_t k;

    while (n > 0) {
        k = write(fd, b, n);
        if (k <= 0) {
            perror("write");
            exit(1);
        }
        b += k;
        n -= (size_t)k;
    }
}

/* Reads one frame within 5 s. Returns its type, 0 on EOF/reset. */
static int
get_frame(int fd, uint8_t *payload, size_t cap, uint32_t *len)
{
    uint8_t h[WIRE_HDR_LEN];
    size_t got = 0, want = WIRE_HDR_LEN;
    struct pollfd p = {fd, POLLIN, 0};
    uint8_t *dst = h;
    ssize_t k;
    int phase = 0;

    for (;;) {
        while (got < want) {
            if (poll(&p, 1, wait_ms()) != 1) {
                fprintf(stderr, "timeout waiting for the collector\n");
                exit(1);
            }
            k = read(fd, dst + got, want - got);
            if (k <= 0)
                return 0;
            got += (size_t)k;
        }
        if (phase == 1)
            return h[5];
        *len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
               (uint32_t)h[2] << 8 | h[3];
        if (*len > cap) {
            fprintf(stderr, "frame too large\n");
            exit(1);
        }
        phase = 1;
        dst = payload;
        got = 0;
        want = *len;
        if (want == 0)
            return h[5];
    }
}

static uint64_t
expect_ack(int fd)
{
    uint8_t p[256];
    uint32_t len;
    struct wire_ack a;
    int t = get_frame(fd, p, sizeof(p), &len);

    if (t != WIRE_ACK || wire_ack_decode(p, len, &a) != 0 ||
        a.stream != stream_id) {
        fprintf(stderr, "expected an ACK, got frame type %d\n", t);
        exit(1);
    }
    return a.seq;
}

static uint64_t
hello(int fd, const char *school, const char *agent)
{
    struct wire_hello h;
    struct buf b;

    memset(&h, 0, sizeof(h));
    snprintf(h.agent_id, sizeof(h.agent_id), "%s", agent);
    snprintf(h.school, sizeof(h.school), "%s", school);
    snprintf(h.version, sizeof(h.version), "fakeagent");
    snprintf(h.boot_id, sizeof(h.boot_id), "test");
    h.stream = stream_id;
    buf_init(&b, 4096);
    wire_hello_encode(&b, &h);
    put(fd, b.p, b.len);
    buf_free(&b);
    return expect_ack(fd);
}

static void
send_batch(int fd, uint64_t seq, int minute_index)
{
    struct wire_class_min r;
    struct buf b;
    int i;

    buf_init(&b, WIRE_HDR_LEN + WIRE_MAX_PAYLOAD);
    wire_batch_begin(&b, stream_id, seq);
    for (i = 0; i < 3; i++) {
        memset(&r, 0, sizeof(r));
        r.minute = 1700000040 + 60 * minute_index;
        snprintf(r.class_id, sizeof(r.class_id), "fake-%d", i);
        r.bytes_up = 1000 + (uint64_t)i;
        r.bytes_down = 2000;
        r.pkts_up = 1;
        r.pkts_down = 2;
        wire_batch_add_class_min(&b, &r);
    }
    wire_batch_end(&b);
    put(fd, b.p, b.len);
    buf_free(&b);
}

static int
closed_by_peer(int fd)
{
    uint8_t p[4096];
    uint32_t len;
    int t;

    while ((t = get_frame(fd, p, sizeof(p), &len)) != 0) {
        if (t == WIRE_ERROR) {
            char text[256];
            uint16_t code;
            if (wire_error_decode(p, len, &code, text, sizeof(text)) == 0)
                printf("collector error: %s\n", text);
        }
    }
    return 0;
}

static int
bad(const char *addr, const char *kind)
{
    uint8_t f[64] = {0};
    int fd = dial(addr);

    f[4] = WIRE_VERSION;
    if (strcmp(kind, "nohello") == 0) {
        send_batch(fd, 1, 0);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "badhello") == 0) {
        f[3] = 3;
        f[5] = WIRE_HELLO;
        put(fd, f, WIRE_HDR_LEN + 3);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "oversized") == 0) {
        f[0] = 0x7f; /* 2 GiB claimed */
        f[5] = WIRE_BATCH;
        put(fd, f, WIRE_HDR_LEN);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "badversion") == 0) {
        f[4] = 9;
        f[5] = WIRE_HELLO;
        put(fd, f, WIRE_HDR_LEN);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "badtype") == 0 || strcmp(kind, "flags") == 0) {
        f[5] = kind[0] == 'b' ? 77 : WIRE_HELLO;
        f[7] = kind[0] == 'f';
        put(fd, f, WIRE_HDR_LEN);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "garbage") == 0) {
        put(fd, "GET / HTTP/1.1\r\n\r\n", 18);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "badrecord") == 0 || strcmp(kind, "truncated") == 0) {
        struct buf b;
        hello(fd, "BAD", "fake-bad");
        buf_init(&b, 4096);
        wire_batch_begin(&b, stream_id, 1);
        if (kind[0] == 'b') {
            wire_batch_add_raw(&b, 200, (const uint8_t *)"xx", 2);
            wire_batch_end(&b);
            put(fd, b.p, b.len);
        } else {
            wire_batch_end(&b);
            /* a header promising more than ever arrives, then EOF */
            put(fd, b.p, b.len - 4);
            shutdown(fd, SHUT_WR);
        }
        buf_free(&b);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "stall") == 0) {
        hello(fd, "STALL", "fake-stall");
        f[3] = 100;
        f[5] = WIRE_BATCH;
        put(fd, f, WIRE_HDR_LEN + 10);
        return closed_by_peer(fd);
    }
    if (strcmp(kind, "silent") == 0)
        return closed_by_peer(fd);
    fprintf(stderr, "unknown kind %s\n", kind);
    return 2;
}

int
main(int argc, char **argv)
{
    uint64_t last, a;
    int fd, n, i;

    if (argc < 4) {
        fprintf(stderr, "usage: see the comment in tests/tools/fakeagent.c\n");
        return 2;
    }
    if (strcmp(argv[2], "bad") == 0)
        return bad(argv[1], argv[3]);
    if (argc < 5)
        return 2;
    if (strcmp(argv[2], "dup") == 0) {
        fd = dial(argv[1]);
        last = hello(fd, argv[3], argv[4]);
        printf("hello: collector has seq %llu\n", (unsigned long long)last);
        send_batch(fd, last + 1, (int)last);
        a = expect_ack(fd);
        printf("batch %llu: ack %llu\n", (unsigned long long)(last + 1),
               (unsigned long long)a);
        close(fd); /* pretend that ACK never arrived */
        fd = dial(argv[1]);
        a = hello(fd, argv[3], argv[4]);
        printf("hello again: collector has seq %llu\n",
               (unsigned long long)a);
        if (a != last + 1)
            return 1;
        send_batch(fd, last + 1, (int)last);
        a = expect_ack(fd);
        printf("resent batch %llu: ack %llu\n",
               (unsigned long long)(last + 1), (unsigned long long)a);
        close(fd);
        return a == last + 1 ? 0 : 1;
    }
    if (strcmp(argv[2], "stream") == 0 && argc == 6) {
        n = atoi(argv[5]);
        fd = dial(argv[1]);
        last = hello(fd, argv[3], argv[4]);
        for (i = 1; i <= n; i++) {
            send_batch(fd, last + (uint64_t)i, (int)(last + (uint64_t)i));
            if (expect_ack(fd) != last + (uint64_t)i)
                return 1;
            usleep(20000);
        }
        close(fd);
        printf("streamed %d batches\n", n);
        return 0;
    }
    return 2;
}
