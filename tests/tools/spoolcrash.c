/* spoolcrash: drives agent/spool for the crash test
 * (tests/integration/spool_crash.sh) and measures it (bench).
 *
 *   spoolcrash append DIR LOG     append (and read and ack, like an uplink)
 *                                 forever, writing each returned seq to LOG;
 *                                 meant to be killed with SIGKILL
 *   spoolcrash verify DIR LOG MIN_DROPPED
 *                                 open what the kill left, check it, print
 *                                 "present first last dropped corrupt";
 *                                 exits without closing (another crash)
 *   spoolcrash bench DIR N MODE [BYTES]
 *                                 append N batches (default 60 rows x 90
 *                                 bytes);
 *                                 MODE "acked" (link up: acked as they go)
 *                                 "outage" (nothing acked) or "always"
 *                                 (outage, fsync every batch); prints
 *                                 batches/s, MiB/s and write amplification
 *
 * Every batch's content is a function of its seq (gen_blob), so verify
 * checks each byte it reads against what must have been written. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"

#define MAXBLOB 8192

static size_t
gen_blob(uint64_t seq, uint8_t *out, uint32_t *nrec, uint32_t *nrows)
{
    uint64_t x = seq * 0x9e3779b97f4a7c15ull + 1;
    size_t len = 40 + (size_t)((seq * 2654435761u) % 3000), i;

    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = (uint8_t)x;
    }
    *nrec = (uint32_t)(seq % 7 + 1);
    *nrows = (uint32_t)(seq % 61 + 1);
    return len;
}

/* Small segments and a small cap so that every code path (segment switch,
 * drop when full, ack deletion, state rewrite, lease renewal) runs many
 * times a second and a random kill lands in all of them. */
static const struct spool_opts crash_opts = {
    .segment_bytes = 16384,
    .sync_bytes = 32768,
    .keep_acked = 8,
};
#define CRASH_MAX (256u << 10)

static int
do_append(const char *dir, const char *logpath)
{
    struct spool *sp;
    struct spool_rec r;
    uint8_t b[MAXBLOB];
    uint32_t nrec, nrows;
    uint64_t seq, sent = 0, n = 0;
    char line[32];
    size_t len;
    int fd, rc, l;

    fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        log_warn("spoolcrash: %s", logpath);
        return 1;
    }
    rc = spool_open(dir, CRASH_MAX, &crash_opts, &sp);
    if (rc != 0)
        return 1;
    for (;;) {
        len = gen_blob(spool_next_seq(sp), b, &nrec, &nrows);
        rc = spool_append(sp, b, len, nrec, nrows, &seq);
        if (rc != 0)
            return 1;
        l = snprintf(line, sizeof(line), "%" PRIu64 "\n", seq);
        if (write(fd, line, (size_t)l) != l)
            return 1;
        n++;
        /* an uplink that sends two of every three and acks with a lag */
        if (n % 3 != 0) {
            rc = spool_next(sp, sent, &r);
            if (rc < 0)
                return 1;
            if (rc == 1) {
                /* what the uplink would send must be intact too */
                uint8_t want[MAXBLOB];
                uint32_t wrec, wrows;

                len = gen_blob(r.seq, want, &wrec, &wrows);
                if (r.seq <= sent || r.len != len ||
                    memcmp(r.blob, want, len) != 0 || r.nrec != wrec ||
                    r.nrows != wrows) {
                    fprintf(stderr, "append: read back seq %" PRIu64
                            " after %" PRIu64 ": wrong\n", r.seq, sent);
                    return 3;
                }
                sent = r.seq;
            }
        }
        if (n % 5 == 0 && sent > 3 && spool_ack(sp, sent - 3) != 0)
            return 1;
        if (n % 50 == 0 && spool_tick(sp) != 0)
            return 1;
    }
}

static uint64_t
last_logged(const char *logpath)
{
    FILE *f = fopen(logpath, "r");
    char line[64];
    uint64_t last = 0, v;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strchr(line, '\n') != NULL &&
            sscanf(line, "%" SCNu64, &v) == 1)
            last = v; /* a line cut by the kill has no newline */
    fclose(f);
    return last;
}

static int
do_verify(const char *dir, const char *logpath, uint64_t min_dropped)
{
    struct spool *sp;
    struct spool_rec r;
    struct spool_stats st;
    uint8_t want[MAXBLOB];
    uint32_t nrec, nrows;
    uint64_t prev = 0, first = 0, present = 0, logged, b, rows;
    size_t len;
    int rc;

    logged = last_logged(logpath);
    rc = spool_open(dir, CRASH_MAX, &crash_opts, &sp);
    if (rc != 0) {
        fprintf(stderr, "verify: open failed: %s\n", strerror(-rc));
        return 1;
    }
    while ((rc = spool_next(sp, prev, &r)) == 1) {
        len = gen_blob(r.seq, want, &nrec, &nrows);
        if (r.len != len || memcmp(r.blob, want, len) != 0 ||
            r.nrec != nrec || r.nrows != nrows) {
            fprintf(stderr, "verify: seq %" PRIu64 ": wrong content\n",
                    r.seq);
            return 1;
        }
        if (first == 0)
            first = r.seq;
        else if (r.seq != prev + 1) {
            fprintf(stderr, "verify: gap: %" PRIu64 " after %" PRIu64 "\n",
                    r.seq, prev);
            return 1;
        }
        prev = r.seq;
        present++;
    }
    if (rc != 0) {
        fprintf(stderr, "verify: read failed: %s\n", strerror(-rc));
        return 1;
    }
    spool_stats(sp, &st);
    spool_dropped(sp, &b, &rows);
    /* a killed process loses nothing spool_append returned: the newest
     * seq on disk is the last logged one, or the one appended just
     * before the kill and not yet logged */
    if (logged > 0 && (prev < logged || prev > logged + 1)) {
        fprintf(stderr, "verify: last seq %" PRIu64 ", last returned %"
                PRIu64 "\n", prev, logged);
        return 1;
    }
    if (st.next_seq != prev + 1 && logged > 0) {
        fprintf(stderr, "verify: next seq %" PRIu64 " after %" PRIu64 "\n",
                st.next_seq, prev);
        return 1;
    }
    if (st.corrupt_batches != 0) {
        fprintf(stderr, "verify: %" PRIu64 " batches counted corrupt\n",
                st.corrupt_batches);
        return 1;
    }
    /* what is below the oldest present seq was acked or counted dropped */
    if (first > 1 && first - 1 > st.acked + b) {
        fprintf(stderr, "verify: seqs below %" PRIu64 " unaccounted: acked %"
                PRIu64 " dropped %" PRIu64 "\n", first, st.acked, b);
        return 1;
    }
    if (b < min_dropped) {
        fprintf(stderr, "verify: dropped count went down: %" PRIu64
                " < %" PRIu64 "\n", b, min_dropped);
        return 1;
    }
    if (st.bytes > CRASH_MAX) {
        fprintf(stderr, "verify: %" PRIu64 " bytes > cap\n", st.bytes);
        return 1;
    }
    printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
           present, first, prev, b, st.corrupt_batches);
    fflush(stdout);
    _exit(0); /* no spool_close: the next writer opens a crashed spool */
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* bytes this process caused to be written to storage (/proc/self/io) */
static uint64_t
io_write_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    uint64_t v = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "write_bytes: %" SCNu64, &v) == 1)
            break;
    fclose(f);
    return v;
}

static int
do_bench(const char *dir, long n, const char *mode, size_t blen)
{
    struct spool *sp;
    struct spool_stats st;
    uint8_t b[65536];
    uint64_t seq, io0, io1;
    double t0, t1, ta, worst = 0;
    struct spool_opts o = { .sync_always = strcmp(mode, "always") == 0 };
    int acked = strcmp(mode, "acked") == 0;
    long i;

    if (blen == 0 || blen > sizeof(b))
        blen = 60 * 90; /* 60 classes x ~90 bytes a row */
    for (i = 0; i < (long)blen; i++)
        b[i] = (uint8_t)(i * 7);
    if (spool_open(dir, 0, &o, &sp) != 0)
        return 1;
    io0 = io_write_bytes();
    t0 = now_s();
    for (i = 0; i < n; i++) {
        b[0] = (uint8_t)i;
        ta = now_s();
        if (spool_append(sp, b, blen, 61, 60, &seq) != 0)
            return 1;
        if (acked && spool_ack(sp, seq) != 0)
            return 1;
        ta = now_s() - ta;
        if (ta > worst)
            worst = ta;
    }
    if (spool_sync(sp) != 0)
        return 1;
    t1 = now_s();
    spool_stats(sp, &st);
    if (spool_close(sp) != 0)
        return 1;
    io1 = io_write_bytes();
    printf("mode %s: %ld batches of %zu bytes in %.3f s: %.0f batches/s, "
           "%.1f MiB/s; written by the spool %" PRIu64 " bytes for %" PRIu64
           " bytes of batches (amplification %.4f), %" PRIu64 " fsyncs, "
           "%" PRIu64 " state writes; kernel write_bytes %" PRIu64
           " (amplification %.4f); slowest append(+ack) %.1f ms\n", mode, n, blen, t1 - t0,
           (double)n / (t1 - t0),
           (double)n * (double)blen / (t1 - t0) / (1 << 20),
           st.written_bytes, st.blob_bytes,
           (double)st.written_bytes / (double)st.blob_bytes, st.fsyncs,
           st.state_writes, io1 - io0,
           (double)(io1 - io0) / (double)st.blob_bytes, worst * 1e3);
    return 0;
}

int
main(int argc, char **argv)
{
    log_init("spoolcrash", 0, 0);
    if (argc == 4 && strcmp(argv[1], "append") == 0)
        return do_append(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "verify") == 0)
        return do_verify(argv[2], argv[3], strtoull(argv[4], NULL, 10));
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "bench") == 0)
        return do_bench(argv[2], atol(argv[3]), argv[4],
                        argc == 6 ? (size_t)atol(argv[5]) : 0);
    fprintf(stderr, "usage: spoolcrash append DIR LOG | verify DIR LOG "
            "MIN_DROPPED | bench DIR N acked|outage|always [BYTES]\n");
    return 2;
}
