/* spoolcrash: drives agent/spool for the crash test
 * (tests/integration/spool_crash.sh) and measures it (bench).
 *
 *   spoolcrash append DIR LOG     append (and read and ack, like an uplink)
 *                                 forever, writing each returned seq to LOG;
 *                                 meant to be killed with SIGKILL
 *   spoolcrash verify DIR LOG MIN_DROPPED CUT POWERCUT
 *                                 open what the kill left, check it against
 *                                 LOG and CUT (seqs taken by simulated power
 *                                 cuts; POWERCUT 1 adds the lost tail to
 *                                 it), print "present first last dropped
 *                                 next_seq cut"; exits without closing
 *   SPOOL_BOOT_ID in the environment overrides the boot id (a new value
 *   simulates a reboot).
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
static uint64_t
max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static const struct spool_opts crash_opts = {
    .segment_bytes = 16384,
    .sync_bytes = 32768,
    .keep_acked = 8,
};
#define CRASH_MAX (256u << 10)

static void
opts_from_env(struct spool_opts *o)
{
    *o = crash_opts;
    o->boot_id = getenv("SPOOL_BOOT_ID"); /* a new one = a "reboot" */
}

static int
do_append(const char *dir, const char *logpath)
{
    struct spool *sp;
    struct spool_rec r;
    struct spool_opts o;
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
    opts_from_env(&o);
    rc = spool_open(dir, CRASH_MAX, &o, &sp);
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
                    fprintf(stderr,
                            "append: read back seq %" PRIu64 " after %" PRIu64
                            ": wrong\n",
                            r.seq, sent);
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

/* Reads a file of one seq per line into a growing array; a last line
 * cut by a kill (no newline) is ignored. Seqs are increasing. */
static uint64_t *
load_seqs(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[64];
    uint64_t *v = NULL, *nv, x;
    size_t cap = 0;

    *n = 0;
    if (f == NULL)
        return NULL;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strchr(line, '\n') == NULL || sscanf(line, "%" SCNu64, &x) != 1)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 4096;
            nv = realloc(v, cap * sizeof(*v));
            if (nv == NULL)
                abort();
            v = nv;
        }
        v[(*n)++] = x;
    }
    fclose(f);
    return v;
}

static int
has_seq(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x;
}

/* After a kill (and, with powercut, a cut-off segment tail and a new boot
 * id): opens the spool and checks it against LOG (every seq
 * spool_append returned) and CUT (seqs earlier power cuts took). */
static int
do_verify(const char *dir, const char *logpath, uint64_t min_dropped,
          const char *cutpath, int powercut)
{
    struct spool *sp;
    struct spool_rec r;
    struct spool_stats st;
    struct spool_opts o;
    uint8_t want[MAXBLOB];
    uint32_t nrec, nrows;
    uint64_t prev = 0, first = 0, b, rows, *log, *cut, *pres = NULL, maxlog;
    uint64_t below = 0;
    size_t nlog, ncut, npres = 0, cap = 0, i, len;
    FILE *cf;
    int rc;

    log = load_seqs(logpath, &nlog);
    cut = load_seqs(cutpath, &ncut);
    maxlog = nlog ? log[nlog - 1] : 0;
    opts_from_env(&o);
    rc = spool_open(dir, CRASH_MAX, &o, &sp);
    if (rc != 0) {
        fprintf(stderr, "verify: open failed: %s\n", strerror(-rc));
        return 1;
    }
    while ((rc = spool_next(sp, prev, &r)) == 1) {
        len = gen_blob(r.seq, want, &nrec, &nrows);
        if (r.len != len || memcmp(r.blob, want, len) != 0 || r.nrec != nrec ||
            r.nrows != nrows || r.seq <= prev) {
            fprintf(stderr, "verify: seq %" PRIu64 ": wrong content\n", r.seq);
            return 1;
        }
        /* only seqs spool_append returned (or the one it was returning
         * when killed) may exist */
        if (!has_seq(log, nlog, r.seq) && r.seq != maxlog + 1) {
            fprintf(stderr, "verify: seq %" PRIu64 " was never returned\n",
                    r.seq);
            return 1;
        }
        if (first == 0)
            first = r.seq;
        if (npres == cap) {
            cap = cap ? cap * 2 : 1024;
            pres = realloc(pres, cap * sizeof(*pres));
            if (pres == NULL)
                abort();
        }
        pres[npres++] = r.seq;
        prev = r.seq;
    }
    if (rc != 0) {
        fprintf(stderr, "verify: read failed: %s\n", strerror(-rc));
        return 1;
    }
    spool_stats(sp, &st);
    spool_dropped(sp, &b, &rows);
    cf = powercut ? fopen(cutpath, "a") : NULL;
    for (i = 0; i < nlog; i++) {
        uint64_t s = log[i];

        if (has_seq(cut, ncut, s))
            continue;
        if (s < first || npres == 0) {
            if (s > st.acked)
                below++; /* gone before the oldest present: dropped */
            continue;
        }
        if (s > prev) {
            /* the tail after the newest present seq: only a power cut
             * may take it; remember it as taken */
            if (!powercut) {
                fprintf(stderr,
                        "verify: returned seq %" PRIu64 " lost "
                        "(newest on disk %" PRIu64 ")\n",
                        s, prev);
                return 1;
            }
            fprintf(cf, "%" PRIu64 "\n", s);
            continue;
        }
        if (!has_seq(pres, npres, s)) {
            fprintf(stderr,
                    "verify: returned seq %" PRIu64 " missing "
                    "between %" PRIu64 " and %" PRIu64 "\n",
                    s, first, prev);
            return 1;
        }
    }
    if (cf != NULL)
        fclose(cf);
    /* never hand out a seq that may have left the box */
    if (st.next_seq <= maxlog || st.next_seq <= prev) {
        fprintf(stderr,
                "verify: next seq %" PRIu64 " would reuse (last "
                "returned %" PRIu64 ", newest on disk %" PRIu64 ")\n",
                st.next_seq, maxlog, prev);
        return 1;
    }
    if (!powercut && st.next_seq != max64(prev, maxlog) + 1 && nlog > 0) {
        fprintf(stderr,
                "verify: gap after a plain kill: next seq %" PRIu64
                ", newest %" PRIu64 "\n",
                st.next_seq, prev);
        return 1;
    }
    if (st.corrupt_batches != 0) {
        fprintf(stderr, "verify: %" PRIu64 " batches counted corrupt\n",
                st.corrupt_batches);
        return 1;
    }
    if (below > b) {
        fprintf(stderr,
                "verify: %" PRIu64 " unacknowledged seqs below %" PRIu64
                " but only %" PRIu64 " counted dropped\n",
                below, first, b);
        return 1;
    }
    if (b < min_dropped) {
        fprintf(stderr,
                "verify: dropped count went down: %" PRIu64 " < %" PRIu64 "\n",
                b, min_dropped);
        return 1;
    }
    if (st.bytes > CRASH_MAX) {
        fprintf(stderr, "verify: %" PRIu64 " bytes > cap\n", st.bytes);
        return 1;
    }
    printf("%zu %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
           npres, first, prev, b, st.next_seq, (uint64_t)ncut);
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

static long
peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    long v = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmHWM: %ld", &v) == 1)
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
    struct spool_opts o = {.sync_always = strcmp(mode, "always") == 0};
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
           " (amplification %.4f); slowest append(+ack) %.1f ms\n",
           mode, n, blen, t1 - t0, (double)n / (t1 - t0),
           (double)n * (double)blen / (t1 - t0) / (1 << 20), st.written_bytes,
           st.blob_bytes, (double)st.written_bytes / (double)st.blob_bytes,
           st.fsyncs, st.state_writes, io1 - io0,
           (double)(io1 - io0) / (double)st.blob_bytes, worst * 1e3);
    /* replay: reopen (recovery scan included) and read everything kept */
    {
        struct spool_rec r;
        uint64_t prev = 0, nread = 0, bytes = 0;
        double t2 = now_s(), t3;
        int rc;

        if (spool_open(dir, 0, &o, &sp) != 0)
            return 1;
        while ((rc = spool_next(sp, prev, &r)) == 1) {
            prev = r.seq;
            nread++;
            bytes += r.len;
        }
        t3 = now_s();
        if (rc != 0 || spool_close(sp) != 0)
            return 1;
        printf("mode %s: reopen + replay of %" PRIu64 " batches in %.3f s: "
               "%.0f batches/s, %.1f MiB/s; peak RSS %ld KiB\n",
               mode, nread, t3 - t2, (double)nread / (t3 - t2),
               (double)bytes / (t3 - t2) / (1 << 20), peak_rss_kib());
    }
    return 0;
}

int
main(int argc, char **argv)
{
    log_init("spoolcrash", 0, 0);
    if (argc == 4 && strcmp(argv[1], "append") == 0)
        return do_append(argv[2], argv[3]);
    if (argc == 7 && strcmp(argv[1], "verify") == 0)
        return do_verify(argv[2], argv[3], strtoull(argv[4], NULL, 10), argv[5],
                         atoi(argv[6]));
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "bench") == 0)
        return do_bench(argv[2], atol(argv[3]), argv[4],
                        argc == 6 ? (size_t)atol(argv[5]) : 0);
    fprintf(stderr, "usage: spoolcrash append DIR LOG | verify DIR LOG "
                    "MIN_DROPPED CUT POWERCUT |\n"
                    "       bench DIR N acked|outage|always [BYTES]\n");
    return 2;
}
