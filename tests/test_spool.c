/* Tests for agent/spool: order, identity, acknowledgement, the size cap and
 * its drop counts, and recovery from torn writes, corruption, reboots and a
 * full file system. The oracle for every batch is gen_blob(seq): content,
 * length and counts are a function of the seq, so whatever is read back is
 * checked against what must have been written. */
/* cmocka 1.1.5 needs these four first (blank lines keep the order) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <setjmp.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spool.h"

#define MAXBLOB 4096

struct tdir {
    char path[256];
    char spool[300];
};

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

static uint64_t
append_gen(struct spool *sp)
{
    uint8_t b[MAXBLOB];
    uint32_t nrec, nrows;
    uint64_t seq = 0, want = spool_next_seq(sp);
    size_t len = gen_blob(want, b, &nrec, &nrows);

    assert_int_equal(spool_append(sp, b, len, nrec, nrows, &seq), 0);
    assert_int_equal(seq, want);
    return seq;
}

/* Checks rec against the oracle. */
static void
check_rec(const struct spool_rec *r)
{
    uint8_t b[MAXBLOB];
    uint32_t nrec, nrows;
    size_t len = gen_blob(r->seq, b, &nrec, &nrows);

    assert_int_equal(r->len, len);
    assert_memory_equal(r->blob, b, len);
    assert_int_equal(r->nrec, nrec);
    assert_int_equal(r->nrows, nrows);
}

/* Reads everything after `after`; returns the count, checks order and
 * content, stores the seqs seen (up to cap). */
static size_t
read_all(struct spool *sp, uint64_t after, uint64_t *seqs, size_t cap)
{
    struct spool_rec r;
    uint64_t prev = after;
    size_t n = 0;
    int rc;

    while ((rc = spool_next(sp, prev, &r)) == 1) {
        assert_true(r.seq > prev);
        check_rec(&r);
        if (seqs != NULL && n < cap)
            seqs[n] = r.seq;
        n++;
        prev = r.seq;
    }
    assert_int_equal(rc, 0);
    return n;
}

static int
rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    return remove(p);
}

static int
setup(void **state)
{
    struct tdir *t = calloc(1, sizeof(*t));
    const char *tmp = getenv("TMPDIR");

    if (t == NULL)
        return -1;
    snprintf(t->path, sizeof(t->path), "%s/test_spool.XXXXXX",
             tmp ? tmp : "/tmp");
    if (mkdtemp(t->path) == NULL)
        return -1;
    snprintf(t->spool, sizeof(t->spool), "%s/spool", t->path);
    *state = t;
    return 0;
}

static int
teardown(void **state)
{
    struct tdir *t = *state;

    nftw(t->path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(t);
    return 0;
}

static int
count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    size_t l;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        l = strlen(de->d_name);
        if (l > strlen(suffix) &&
            strcmp(de->d_name + l - strlen(suffix), suffix) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Path of the newest segment (the name with the highest seq). */
static void
last_segment(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char best[256] = "";

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, "seg-", 4) == 0 && strcmp(de->d_name, best) > 0)
            snprintf(best, sizeof(best), "%s", de->d_name);
    closedir(d);
    assert_true(best[0] != '\0');
    snprintf(out, cap, "%s/%s", dir, best);
}

static void
first_segment(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char best[256] = "";

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, "seg-", 4) == 0 &&
            (best[0] == '\0' || strcmp(de->d_name, best) < 0))
            snprintf(best, sizeof(best), "%s", de->d_name);
    closedir(d);
    assert_true(best[0] != '\0');
    snprintf(out, cap, "%s/%s", dir, best);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
    struct stat st;
    uint8_t *p;
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    p = malloc((size_t)st.st_size + 1);
    assert_non_null(p);
    assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
    close(fd);
    *len = (size_t)st.st_size;
    return p;
}

static void
spit(const char *path, const uint8_t *p, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, len), (ssize_t)len);
    close(fd);
}

static void
flip_byte(const char *path, off_t off)
{
    uint8_t c;
    int fd = open(path, O_RDWR);

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x5a;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

/* Opens dir in a child, appends n batches and exits without closing: the
 * state the spool is in when the agent is killed. */
static void
append_in_child_and_die(const char *dir, const struct spool_opts *o, int n)
{
    pid_t pid = fork();
    int st;

    assert_true(pid >= 0);
    if (pid == 0) {
        struct spool *sp;
        uint8_t b[MAXBLOB];
        uint32_t nrec, nrows;
        size_t len;
        int i;

        if (spool_open(dir, 0, o, &sp) != 0)
            _exit(2);
        for (i = 0; i < n; i++) {
            len = gen_blob(spool_next_seq(sp), b, &nrec, &nrows);
            if (spool_append(sp, b, len, nrec, nrows, NULL) != 0)
                _exit(3);
        }
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* stderr capture, to check that errors name the file and the offset */
static int saved_stderr = -1;
static char cap_path[300];

static void
capture_start(const struct tdir *t)
{
    int fd;

    snprintf(cap_path, sizeof(cap_path), "%s/stderr.txt", t->path);
    fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
}

static char *
capture_end(void)
{
    size_t len;
    uint8_t *p;

    dup2(saved_stderr, 2);
    close(saved_stderr);
    p = slurp(cap_path, &len);
    p[len] = '\0';
    fprintf(stderr, "%s", (char *)p); /* keep it visible in the test log */
    return (char *)p;
}

/* ---- tests ------------------------------------------------------------ */

static void
new_spools_get_distinct_random_streams_and_start_at_seq_one(void **state)
{
    struct tdir *t = *state;
    struct spool *a, *b;
    char other[320];

    snprintf(other, sizeof(other), "%s/other", t->path);
    assert_int_equal(spool_open(t->spool, 0, NULL, &a), 0);
    assert_int_equal(spool_open(other, 0, NULL, &b), 0);
    assert_true(spool_stream(a) != 0);
    assert_true(spool_stream(a) != spool_stream(b));
    assert_int_equal(spool_next_seq(a), 1);
    assert_int_equal(append_gen(a), 1);
    assert_int_equal(spool_close(a), 0);
    assert_int_equal(spool_close(b), 0);
}

static void
batches_read_back_in_order_with_their_counts(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 16384};
    struct spool *sp;
    uint64_t seqs[300];
    int i;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (i = 0; i < 300; i++)
        append_gen(sp);
    assert_true(count_files(t->spool, ".dat") > 10);
    assert_int_equal(read_all(sp, 0, seqs, 300), 300);
    for (i = 0; i < 300; i++)
        assert_int_equal(seqs[i], (uint64_t)i + 1);
    /* repositioning into the middle of an older segment */
    assert_int_equal(read_all(sp, 137, seqs, 300), 300 - 137);
    assert_int_equal(seqs[0], 138);
    assert_int_equal(read_all(sp, 300, NULL, 0), 0);
    assert_int_equal(spool_close(sp), 0);
}

static void
reading_while_appending_sees_new_batches(void **state)
{
    struct tdir *t = *state;
    struct spool *sp;
    struct spool_rec r;
    uint64_t last = 0;
    int i;

    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    for (i = 0; i < 20; i++) {
        append_gen(sp);
        assert_int_equal(spool_next(sp, last, &r), 1);
        check_rec(&r);
        assert_int_equal(r.seq, last + 1);
        last = r.seq;
        assert_int_equal(spool_next(sp, last, &r), 0);
    }
    assert_int_equal(spool_close(sp), 0);
}

static void
reopen_after_close_keeps_stream_and_continues_without_gap(void **state)
{
    struct tdir *t = *state;
    struct spool *sp;
    uint64_t stream;
    int i;

    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    stream = spool_stream(sp);
    for (i = 0; i < 10; i++)
        append_gen(sp);
    assert_int_equal(spool_close(sp), 0);
    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    assert_int_equal(spool_stream(sp), stream);
    assert_int_equal(spool_next_seq(sp), 11);
    assert_int_equal(read_all(sp, 0, NULL, 0), 10);
    assert_int_equal(append_gen(sp), 11);
    assert_int_equal(spool_close(sp), 0);
}

static void
a_spool_in_use_cannot_be_opened_twice(void **state)
{
    struct tdir *t = *state;
    struct spool *a, *b = NULL;

    assert_int_equal(spool_open(t->spool, 0, NULL, &a), 0);
    assert_int_equal(spool_open(t->spool, 0, NULL, &b), -EBUSY);
    assert_null(b);
    assert_int_equal(spool_close(a), 0);
    assert_int_equal(spool_open(t->spool, 0, NULL, &b), 0);
    assert_int_equal(spool_close(b), 0);
}

static void
wiped_spool_directory_gets_a_new_stream(void **state)
{
    struct tdir *t = *state;
    struct spool *sp;
    uint64_t stream;

    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    stream = spool_stream(sp);
    append_gen(sp);
    assert_int_equal(spool_close(sp), 0);
    nftw(t->spool, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    assert_true(spool_stream(sp) != stream);
    assert_int_equal(spool_next_seq(sp), 1);
    assert_int_equal(spool_close(sp), 0);
}

static void
acknowledged_segments_are_deleted_and_ack_survives_reopen(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 8192, .keep_acked = 1};
    struct spool *sp;
    struct spool_stats st;
    uint64_t seqs[200];
    int i, before;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (i = 0; i < 200; i++)
        append_gen(sp);
    before = count_files(t->spool, ".dat");
    assert_true(before > 20);
    assert_int_equal(spool_ack(sp, 150), 0);
    assert_true(count_files(t->spool, ".dat") < before / 2);
    /* what is left starts at or below 151 and everything above 150 is
     * still there */
    assert_int_equal(read_all(sp, 150, seqs, 200), 50);
    assert_int_equal(seqs[0], 151);
    spool_stats(sp, &st);
    assert_true(st.first_seq <= 151);
    assert_int_equal(st.dropped_batches, 0);
    assert_int_equal(spool_close(sp), 0);

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    spool_stats(sp, &st);
    assert_int_equal(st.acked, 150);
    assert_int_equal(read_all(sp, 150, NULL, 0), 50);
    assert_int_equal(spool_ack(sp, 200), 0);
    assert_int_equal(count_files(t->spool, ".dat"), 1);
    assert_int_equal(append_gen(sp), 201);
    assert_int_equal(spool_close(sp), 0);
}

static void
acknowledged_batches_within_keep_acked_can_be_read_again(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 8192, .keep_acked = 60};
    struct spool *sp;
    uint64_t seqs[200];

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (int i = 0; i < 200; i++)
        append_gen(sp);
    assert_int_equal(spool_ack(sp, 200), 0);
    /* the collector lost its last 50 commits and asks from 150 */
    assert_int_equal(read_all(sp, 150, seqs, 200), 50);
    assert_int_equal(seqs[0], 151);
    assert_int_equal(spool_close(sp), 0);
}

static void
full_spool_drops_oldest_segments_and_counts_what_was_unacked(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 16384};
    struct spool *sp;
    struct spool_stats st;
    uint64_t seqs[2000], b, r, rows_left = 0, rows_all = 0, acked_rows = 0;
    uint32_t nrec, nrows;
    uint8_t tmp[MAXBLOB];
    size_t n, i;

    assert_int_equal(spool_open(t->spool, 65536, &o, &sp), 0);
    for (i = 1; i <= 10; i++) {
        append_gen(sp);
        gen_blob(i, tmp, &nrec, &nrows);
        rows_all += nrows;
        if (i <= 5)
            acked_rows += nrows;
    }
    /* acked before the drop: those five are not counted as dropped */
    assert_int_equal(spool_ack(sp, 5), 0);
    for (i = 11; i <= 500; i++) {
        append_gen(sp);
        gen_blob(i, tmp, &nrec, &nrows);
        rows_all += nrows;
    }
    spool_stats(sp, &st);
    assert_true(st.bytes <= 65536);
    n = read_all(sp, 0, seqs, 2000);
    assert_true(n < 500 && n > 10);
    for (i = 0; i < n; i++) {
        assert_int_equal(seqs[i], 500 - n + 1 + i); /* newest kept, gapless */
        gen_blob(seqs[i], tmp, &nrec, &nrows);
        rows_left += nrows;
    }
    spool_dropped(sp, &b, &r);
    /* every batch is acked, on disk, or counted: never silently gone */
    assert_int_equal(b, 500 - n - 5);
    assert_int_equal(r, rows_all - rows_left - acked_rows);
    assert_int_equal(spool_close(sp), 0);

    assert_int_equal(spool_open(t->spool, 65536, &o, &sp), 0);
    spool_dropped(sp, &b, &r);
    assert_int_equal(b, 500 - n - 5);
    assert_int_equal(r, rows_all - rows_left - acked_rows);
    assert_int_equal(read_all(sp, 0, NULL, 0), n);
    assert_int_equal(spool_close(sp), 0);
}

static void
torn_last_record_at_every_byte_offset_loses_only_that_batch(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.boot_id = "boot-a"};
    char seg[600], stp[400];
    uint8_t *segb, *stb, tmp[MAXBLOB];
    uint32_t nrec, nrows;
    size_t seglen, stlen, start, cut;
    struct spool *sp;
    uint64_t seqs[8];
    int i;

    append_in_child_and_die(t->spool, &o, 6);
    last_segment(t->spool, seg, sizeof(seg));
    snprintf(stp, sizeof(stp), "%s/state", t->spool);
    segb = slurp(seg, &seglen);
    stb = slurp(stp, &stlen);
    start = 32;
    for (i = 1; i < 6; i++)
        start += 32 + gen_blob((uint64_t)i, tmp, &nrec, &nrows);
    assert_int_equal(seglen, start + 32 + gen_blob(6, tmp, &nrec, &nrows));

    for (cut = start; cut < seglen; cut++) {
        spit(seg, segb, cut);
        spit(stp, stb, stlen);
        assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
        assert_int_equal(read_all(sp, 0, seqs, 8), 5);
        assert_int_equal(seqs[4], 5);
        /* same boot: the torn seq was never handed out, so no gap */
        assert_int_equal(append_gen(sp), 6);
        assert_int_equal(read_all(sp, 0, seqs, 8), 6);
        assert_int_equal(spool_close(sp), 0);
    }
    free(segb);
    free(stb);
}

/* What some file systems leave after a power cut: the size grew but the
 * data blocks never arrived (zeros), or stale bytes of an earlier file. */
static void
zero_or_garbage_tail_after_a_power_cut_is_cut_off(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.boot_id = "boot-a"};
    char seg[600];
    uint8_t junk[8192];
    struct spool *sp;
    struct stat s0, s1;
    int round, fd;

    append_in_child_and_die(t->spool, &o, 5);
    last_segment(t->spool, seg, sizeof(seg));
    assert_int_equal(stat(seg, &s0), 0);
    for (round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = round == 0 ? 0 : (uint8_t)(i * 131 + 7);
        fd = open(seg, O_WRONLY | O_APPEND);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
        close(fd);
        assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
        assert_int_equal(read_all(sp, 0, NULL, 0), 5 + (uint64_t)round);
        assert_int_equal(stat(seg, &s1), 0);
        assert_true(s1.st_size < s0.st_size + (off_t)sizeof(junk));
        assert_int_equal(append_gen(sp), 6 + (uint64_t)round);
        assert_int_equal(read_all(sp, 0, NULL, 0), 6 + (uint64_t)round);
        assert_int_equal(spool_close(sp), 0);
        assert_int_equal(stat(seg, &s0), 0);
    }
}

static void
unclean_shutdown_then_reboot_skips_seqs_that_may_have_left(void **state)
{
    struct tdir *t = *state;
    struct spool_opts a = {.boot_id = "boot-a"};
    struct spool_opts b = {.boot_id = "boot-b"};
    char seg[600];
    struct spool *sp;
    struct spool_stats st;
    uint64_t seq;
    uint8_t tmp[MAXBLOB];
    uint32_t nrec, nrows;
    off_t keep = 32;

    append_in_child_and_die(t->spool, &a, 5);
    /* the power cut took the unsynced tail: seqs 4 and 5 may already be
     * at the collector, so they must never be used again */
    for (int i = 1; i <= 3; i++)
        keep += 32 + (off_t)gen_blob((uint64_t)i, tmp, &nrec, &nrows);
    last_segment(t->spool, seg, sizeof(seg));
    assert_int_equal(truncate(seg, keep + 100), 0);
    assert_int_equal(spool_open(t->spool, 0, &b, &sp), 0);
    assert_int_equal(read_all(sp, 0, NULL, 0), 3);
    seq = append_gen(sp);
    assert_true(seq > 5);
    spool_stats(sp, &st);
    assert_int_equal(st.unclean_opens, 1);
    assert_int_equal(spool_close(sp), 0);
    /* a clean close continues exactly where it stopped */
    assert_int_equal(spool_open(t->spool, 0, &b, &sp), 0);
    assert_int_equal(spool_next_seq(sp), seq + 1);
    assert_int_equal(spool_close(sp), 0);
}

static void
seq_lease_is_renewed_before_it_runs_out(void **state)
{
    struct tdir *t = *state;
    struct spool_opts a = {.boot_id = "boot-a", .segment_bytes = 65536};
    struct spool_opts b = {.boot_id = "boot-b", .segment_bytes = 65536};
    struct spool *sp;
    uint64_t next;

    /* 3000 appends run through several leases; each reopen after a
     * "reboot" must land above everything handed out */
    append_in_child_and_die(t->spool, &a, 3000);
    assert_int_equal(spool_open(t->spool, 0, &b, &sp), 0);
    next = spool_next_seq(sp);
    assert_true(next > 3000);
    assert_int_equal(spool_close(sp), 0);
}

static void
ack_past_next_seq_moves_next_seq_beyond_it(void **state)
{
    struct tdir *t = *state;
    struct spool *sp;

    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    append_gen(sp);
    capture_start(t);
    assert_int_equal(spool_ack(sp, 41), 0);
    free(capture_end());
    assert_int_equal(spool_next_seq(sp), 42);
    assert_int_equal(append_gen(sp), 42);
    assert_int_equal(spool_close(sp), 0);
    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    assert_int_equal(spool_next_seq(sp), 43);
    assert_int_equal(spool_close(sp), 0);
}

static void
corrupt_byte_in_an_old_segment_is_reported_skipped_and_counted(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 16384};
    struct spool *sp;
    char seg[600], *log, want[64];
    uint8_t tmp[MAXBLOB];
    uint32_t nrec, nrows, rows3;
    uint64_t seqs[100], b, r;
    size_t n, off;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (int i = 0; i < 60; i++)
        append_gen(sp);
    assert_int_equal(spool_close(sp), 0);
    first_segment(t->spool, seg, sizeof(seg));
    /* a byte in the body of seq 3 */
    off = 32 + 32 + gen_blob(1, tmp, &nrec, &nrows) + 32 +
          gen_blob(2, tmp, &nrec, &nrows);
    gen_blob(3, tmp, &nrec, &rows3);
    flip_byte(seg, (off_t)(off + 32 + 10));

    capture_start(t);
    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    n = read_all(sp, 0, seqs, 100);
    log = capture_end();
    assert_int_equal(n, 59);
    assert_int_equal(seqs[1], 2);
    assert_int_equal(seqs[2], 4);
    assert_non_null(strstr(log, strrchr(seg, '/') + 1));
    snprintf(want, sizeof(want), "offset %zu", off);
    assert_non_null(strstr(log, want));
    free(log);
    spool_dropped(sp, &b, &r);
    assert_int_equal(b, 1);
    assert_int_equal(r, rows3);
    /* reading again does not count it twice */
    assert_int_equal(read_all(sp, 0, NULL, 0), 59);
    spool_dropped(sp, &b, &r);
    assert_int_equal(b, 1);
    assert_int_equal(spool_close(sp), 0);
    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    assert_int_equal(read_all(sp, 0, NULL, 0), 59);
    spool_dropped(sp, &b, &r);
    assert_int_equal(b, 1);
    assert_int_equal(spool_close(sp), 0);
}

static void
corrupt_record_header_is_skipped_by_resynchronising(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 65536};
    struct spool *sp;
    char seg[600];
    uint8_t tmp[MAXBLOB];
    uint32_t nrec, nrows;
    uint64_t seqs[100], b;
    size_t n, off = 32;
    int i;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (i = 0; i < 10; i++)
        append_gen(sp);
    assert_int_equal(spool_close(sp), 0);
    /* headers of seqs 4 and 5 in the newest (and only) segment: not a
     * torn tail, since intact records follow */
    for (i = 1; i < 4; i++)
        off += 32 + gen_blob((uint64_t)i, tmp, &nrec, &nrows);
    last_segment(t->spool, seg, sizeof(seg));
    flip_byte(seg, (off_t)off + 9);
    off += 32 + gen_blob(4, tmp, &nrec, &nrows);
    flip_byte(seg, (off_t)off);

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    n = read_all(sp, 0, seqs, 100);
    assert_int_equal(n, 8);
    assert_int_equal(seqs[2], 3);
    assert_int_equal(seqs[3], 6);
    spool_dropped(sp, &b, NULL);
    assert_int_equal(b, 2);
    assert_int_equal(append_gen(sp), 11);
    assert_int_equal(read_all(sp, 0, NULL, 0), 9);
    assert_int_equal(spool_close(sp), 0);
}

static void
junk_between_two_records_is_skipped_without_losing_a_batch(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 65536};
    struct spool *sp;
    char seg[600];
    uint8_t tmp[MAXBLOB], *f, *g;
    uint32_t nrec, nrows;
    uint64_t seqs[20], b;
    size_t len, off = 32;
    int i;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (i = 0; i < 10; i++)
        append_gen(sp);
    assert_int_equal(spool_close(sp), 0);
    for (i = 1; i <= 3; i++)
        off += 32 + gen_blob((uint64_t)i, tmp, &nrec, &nrows);
    last_segment(t->spool, seg, sizeof(seg));
    f = slurp(seg, &len);
    g = malloc(len + 100);
    assert_non_null(g);
    memcpy(g, f, off);
    memset(g + off, 0xa5, 100);
    memcpy(g + off + 100, f + off, len - off);
    spit(seg, g, len + 100);
    free(f);
    free(g);
    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    assert_int_equal(read_all(sp, 0, seqs, 20), 10);
    assert_int_equal(seqs[3], 4);
    spool_dropped(sp, &b, NULL);
    assert_int_equal(b, 0);
    assert_int_equal(spool_close(sp), 0);
}

static void
garbage_segment_header_does_not_stop_the_spool_opening(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 8192};
    struct spool *sp;
    char seg[600];
    int i;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (i = 0; i < 30; i++)
        append_gen(sp);
    assert_int_equal(spool_close(sp), 0);
    first_segment(t->spool, seg, sizeof(seg));
    flip_byte(seg, 3);
    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    assert_int_equal(read_all(sp, 0, NULL, 0), 30);
    assert_int_equal(spool_close(sp), 0);
}

static void
empty_segment_left_by_a_crash_at_creation_is_removed(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 8192, .boot_id = "a"};
    struct spool *sp;
    char seg[600];
    uint64_t seqs[40];
    int i;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (i = 0; i < 30; i++)
        append_gen(sp);
    assert_int_equal(spool_close(sp), 0);
    /* a segment whose header never made it to disk */
    snprintf(seg, sizeof(seg), "%s/seg-%016x.dat", t->spool, 31);
    spit(seg, (const uint8_t *)"\0\0\0\0\0\0\0", 7);
    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    assert_int_equal(read_all(sp, 0, seqs, 40), 30);
    assert_int_equal(append_gen(sp), 31);
    assert_int_equal(spool_close(sp), 0);
}

static void
io_errors_name_the_path(void **state)
{
    struct tdir *t = *state;
    struct spool *sp = NULL;
    char bad[400], *log;

    snprintf(bad, sizeof(bad), "%s/afile", t->path);
    spit(bad, (const uint8_t *)"x", 1);
    snprintf(bad, sizeof(bad), "%s/afile/spool", t->path);
    capture_start(t);
    assert_int_equal(spool_open(bad, 0, NULL, &sp), -ENOTDIR);
    log = capture_end();
    assert_null(sp);
    assert_non_null(strstr(log, bad));
    free(log);
}

static void
oversized_and_empty_batches_are_refused(void **state)
{
    struct tdir *t = *state;
    struct spool *sp;
    static uint8_t big[SPOOL_MAX_BLOB + 1];

    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    assert_int_equal(spool_append(sp, big, 0, 0, 0, NULL), -EMSGSIZE);
    assert_int_equal(spool_append(sp, big, sizeof(big), 1, 1, NULL), -EMSGSIZE);
    assert_int_equal(spool_append(sp, big, SPOOL_MAX_BLOB, 1, 1, NULL), 0);
    assert_int_equal(spool_next_seq(sp), 2);
    assert_int_equal(spool_close(sp), 0);
}

static void
uplink_source_adapters_stream_and_release_batches(void **state)
{
    struct tdir *t = *state;
    struct spool_opts o = {.segment_bytes = 8192, .keep_acked = 1};
    struct spool *sp;
    const uint8_t *blob;
    uint8_t want[MAXBLOB];
    uint32_t nrec, nrows, wrec;
    uint64_t seq, after = 0;
    size_t len;
    int i;

    assert_int_equal(spool_open(t->spool, 0, &o, &sp), 0);
    for (i = 0; i < 40; i++)
        append_gen(sp);
    for (i = 0; i < 40; i++) {
        assert_int_equal(spool_src_next(sp, after, &seq, &blob, &len, &nrec),
                         1);
        assert_int_equal(seq, after + 1);
        assert_int_equal(len, gen_blob(seq, want, &wrec, &nrows));
        assert_memory_equal(blob, want, len);
        assert_int_equal(nrec, wrec);
        after = seq;
        if (i % 4 == 3)
            spool_src_ack(sp, seq - 2);
    }
    assert_int_equal(spool_src_next(sp, after, &seq, &blob, &len, &nrec), 0);
    spool_src_ack(sp, 40);
    assert_int_equal(count_files(t->spool, ".dat"), 1);
    assert_int_equal(spool_close(sp), 0);
}

static void
losses_noted_by_the_agent_are_counted_and_persisted(void **state)
{
    struct tdir *t = *state;
    struct spool *sp;
    uint64_t b, r;

    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    spool_note_lost(sp, 2, 120);
    spool_dropped(sp, &b, &r);
    assert_int_equal(b, 2);
    assert_int_equal(r, 120);
    assert_int_equal(spool_close(sp), 0);
    assert_int_equal(spool_open(t->spool, 0, NULL, &sp), 0);
    spool_dropped(sp, &b, &r);
    assert_int_equal(b, 2);
    assert_int_equal(r, 120);
    assert_int_equal(spool_close(sp), 0);
}

/* In a child with its own mount namespace: a 256 KiB tmpfs fills up. */
static int
enospc_child(const char *mnt)
{
    struct spool_opts o = {.segment_bytes = 65536, .sync_always = 1};
    struct spool *sp;
    struct spool_rec r;
    char dir[400], filler[400];
    uint8_t b[MAXBLOB];
    uint32_t nrec, nrows;
    uint64_t n = 0, prev = 0, got = 0;
    size_t len;
    int rc, fd;

    if (unshare(CLONE_NEWNS) != 0)
        return 77;
    /* the type is ignored for a propagation change; "none" rather than
     * NULL keeps valgrind quiet */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        return 77;
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=256k") != 0)
        return 77;
    snprintf(dir, sizeof(dir), "%s/spool", mnt);
    snprintf(filler, sizeof(filler), "%s/filler", mnt);
    fd = open(filler, O_WRONLY | O_CREAT, 0600);
    memset(b, 0, sizeof(b));
    for (int i = 0; i < 16; i++)
        if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
            return 10;
    close(fd);
    if (spool_open(dir, 1 << 20, &o, &sp) != 0)
        return 11;
    for (;;) {
        len = gen_blob(spool_next_seq(sp), b, &nrec, &nrows);
        rc = spool_append(sp, b, len, nrec, nrows, NULL);
        if (rc == -ENOSPC)
            break;
        if (rc != 0)
            return 12;
        if (++n > 1000)
            return 13;
    }
    if (n < 5)
        return 14;
    /* a failed append uses no seq and leaves no junk */
    if (spool_next_seq(sp) != n + 1)
        return 15;
    while ((rc = spool_next(sp, prev, &r)) == 1) {
        uint8_t want[MAXBLOB];

        if (r.seq != prev + 1 ||
            r.len != gen_blob(r.seq, want, &nrec, &nrows) ||
            memcmp(r.blob, want, r.len) != 0)
            return 16;
        prev = r.seq;
        got++;
    }
    if (rc != 0 || got != n)
        return 17;
    /* space comes back: appends work again and reopening is clean */
    unlink(filler);
    len = gen_blob(spool_next_seq(sp), b, &nrec, &nrows);
    if (spool_append(sp, b, len, nrec, nrows, NULL) != 0)
        return 18;
    if (spool_close(sp) != 0)
        return 19;
    if (spool_open(dir, 1 << 20, &o, &sp) != 0)
        return 20;
    prev = 0;
    got = 0;
    while ((rc = spool_next(sp, prev, &r)) == 1) {
        prev = r.seq;
        got++;
    }
    if (rc != 0 || got != n + 1)
        return 21;
    spool_close(sp);
    umount(mnt);
    return 0;
}

static void
full_file_system_returns_enospc_and_leaves_the_spool_intact(void **state)
{
    struct tdir *t = *state;
    char mnt[400];
    pid_t pid;
    int st;

    snprintf(mnt, sizeof(mnt), "%s/mnt", t->path);
    assert_int_equal(mkdir(mnt, 0700), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(enospc_child(mnt));
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77)
        skip(); /* no mount namespace here (not root, or a container) */
    assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(new_spools_get_distinct_random_streams_and_start_at_seq_one),
        T(batches_read_back_in_order_with_their_counts),
        T(reading_while_appending_sees_new_batches),
        T(reopen_after_close_keeps_stream_and_continues_without_gap),
        T(a_spool_in_use_cannot_be_opened_twice),
        T(wiped_spool_directory_gets_a_new_stream),
        T(acknowledged_segments_are_deleted_and_ack_survives_reopen),
        T(acknowledged_batches_within_keep_acked_can_be_read_again),
        T(full_spool_drops_oldest_segments_and_counts_what_was_unacked),
        T(torn_last_record_at_every_byte_offset_loses_only_that_batch),
        T(zero_or_garbage_tail_after_a_power_cut_is_cut_off),
        T(unclean_shutdown_then_reboot_skips_seqs_that_may_have_left),
        T(seq_lease_is_renewed_before_it_runs_out),
        T(ack_past_next_seq_moves_next_seq_beyond_it),
        T(corrupt_byte_in_an_old_segment_is_reported_skipped_and_counted),
        T(corrupt_record_header_is_skipped_by_resynchronising),
        T(junk_between_two_records_is_skipped_without_losing_a_batch),
        T(garbage_segment_header_does_not_stop_the_spool_opening),
        T(empty_segment_left_by_a_crash_at_creation_is_removed),
        T(io_errors_name_the_path),
        T(oversized_and_empty_batches_are_refused),
        T(uplink_source_adapters_stream_and_release_batches),
        T(losses_noted_by_the_agent_are_counted_and_persisted),
        T(full_file_system_returns_enospc_and_leaves_the_spool_intact),
    };
#undef T
    return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
