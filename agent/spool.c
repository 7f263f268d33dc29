/* spool: on-disk store-and-forward queue of batches; see spool.h for the
 * contract and docs/SPOOL.md for the format and the crash analysis.
 *
 * Layout of the spool directory:
 *   state              stream id, ack cursor, drop/corruption counters, seq
 *                      lease, clean flag; rewritten whole (tmp + rename)
 *   seg-<16 hex>.dat   segment files; the name is the seq the segment was
 *                      opened at (a lower bound of the seqs in it)
 * A segment is a 32-byte header followed by records, each a 32-byte header
 * (magic, length, seq, counts, CRC32C of the body, CRC32C of the header)
 * and the blob. Integers are little-endian.
 *
 * Ordering rules that make crashes harmless:
 *  - a segment is unlinked only after the state file saying why (ack
 *    cursor or drop point) is durable, so a reopened spool deletes such a
 *    leftover silently instead of counting it twice or calling it lost;
 *  - a seq is handed out only below the durable lease (state.reserved), so
 *    after a power cut the next open can skip every seq that may have left
 *    the box without reaching the disk;
 *  - a record is written with one pwrite at the known end; a failed or
 *    partial write is cut off with ftruncate before returning. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"

#define SEG_HDR_LEN 32
#define REC_HDR_LEN 32
#define STATE_LEN 132
#define SEG_MAGIC "CBSPOOL1"
#define STATE_MAGIC "CBSTATE1"
#define REC_MAGIC 0x31524243u /* "CBR1" on disk */
#define FORMAT_VERSION 1
#define STATE_CLEAN 1u
#define LEASE 1024 /* seqs reserved per state write */
#define BOOT_ID_LEN 40
#define SEG_NAME_LEN 32
#define RESYNC_WIN (64u << 10)

struct seg {
    uint64_t first; /* from the file name */
    uint64_t size;  /* bytes; for the write segment see sp->wend */
};

struct rec_hdr {
    uint32_t len;
    uint64_t seq;
    uint32_t nrec;
    uint32_t nrows;
    uint32_t dcrc;
};

/* A pass over one segment's records, verifying as it goes. */
struct walk {
    int fd;
    char name[SEG_NAME_LEN];
    uint64_t off;      /* next record to look at */
    uint64_t end;      /* valid bytes */
    uint64_t prev_seq; /* last good seq seen (seg first - 1 at start) */
    uint64_t end_seq;  /* highest seq that can be in this segment */
    uint64_t rec_off;  /* where the record last returned starts */
    int torn_ok;       /* opening the newest segment: a bad tail is torn */
    uint64_t torn_at;  /* set when a torn tail was found (else UINT64_MAX) */
};

struct spool {
    char *dir;
    int dirfd;
    uint64_t max_bytes;
    struct spool_opts o;
    char boot_id[BOOT_ID_LEN];

    /* persisted in state */
    uint64_t stream;
    uint64_t acked;
    uint64_t drop_upto;
    uint64_t reserved;
    uint64_t dropped_batches, dropped_rows;
    uint64_t corrupt_batches, corrupt_rows, corrupt_upto;
    uint32_t unclean_opens;
    int state_dirty;

    uint64_t next_seq;
    uint64_t last_seq; /* highest seq appended (or found), 0 if none */

    struct seg *segs;
    size_t nsegs, capsegs;
    uint64_t total_bytes;

    int wfd;       /* the newest segment, -1 until the first append */
    uint64_t wend; /* its valid length */
    uint8_t *wbuf;
    size_t wcap;

    /* fsync policy */
    uint64_t unsynced;     /* unacked bytes written since the last fsync */
    uint64_t unsynced_ms;  /* when the first of them was written */
    uint64_t unsynced_seq; /* highest seq among them */
    int dir_dirty;

    /* read cursor of spool_next */
    int rvalid;
    uint64_t rseg_first;
    uint64_t rlast;
    struct walk rw;
    uint8_t *rbuf;
    size_t rcap;

    uint64_t appends, blob_bytes, written_bytes, fsyncs, state_writes;
};

/* CRC32C (Castagnoli), table-driven; detects every burst of up to 32 bits
 * and is what ext4 and iSCSI use for the same job. */
static uint32_t crc_table[256];

static void
crc_init(void)
{
    uint32_t c;
    int i, k;

    if (crc_table[1] != 0)
        return;
    for (i = 0; i < 256; i++) {
        c = (uint32_t)i;
        for (k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t
crc32c(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = data;

    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void
put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
seg_name(char *out, uint64_t first)
{
    snprintf(out, SEG_NAME_LEN, "seg-%016" PRIx64 ".dat", first);
}

static uint64_t
max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Everything at or below this seq is gone for a good reason. */
static uint64_t
spool_floor(const struct spool *sp)
{
    return max64(sp->acked, sp->drop_upto);
}

static uint64_t
seg_end_of(const struct spool *sp, size_t i)
{
    return i + 1 == sp->nsegs && sp->wfd >= 0 ? sp->wend : sp->segs[i].size;
}

/* Highest seq segment i can hold. */
static uint64_t
seg_last_bound(const struct spool *sp, size_t i)
{
    if (i + 1 < sp->nsegs)
        return sp->segs[i + 1].first - 1;
    return sp->next_seq - 1;
}

static int
grow(uint8_t **p, size_t *cap, size_t need)
{
    uint8_t *n;
    size_t c = *cap ? *cap : 8192;

    if (need <= *cap)
        return 0;
    while (c < need)
        c *= 2;
    n = realloc(*p, c);
    if (n == NULL)
        return -ENOMEM;
    *p = n;
    *cap = c;
    return 0;
}

/* pread that retries short reads; returns bytes read (< n only at EOF). */
static ssize_t
pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    ssize_t r;

    while (got < n) {
        r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int
pwrite_full(int fd, const void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    ssize_t r;

    while (done < n) {
        r = pwrite(fd, (const uint8_t *)buf + done, n - done,
                   (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -EIO;
        done += (size_t)r;
    }
    return 0;
}

static int
io_err(const struct spool *sp, const char *name, const char *what)
{
    int e = errno ? errno : EIO;

    log_warn("spool: %s/%s: %s", sp->dir, name, what);
    return -e;
}

/* ---- state file ---------------------------------------------------- */

static void
state_encode(const struct spool *sp, uint8_t *b, int clean)
{
    memset(b, 0, STATE_LEN);
    memcpy(b, STATE_MAGIC, 8);
    put64(b + 8, sp->stream);
    put64(b + 16, sp->acked);
    put64(b + 24, sp->drop_upto);
    put64(b + 32, clean ? sp->next_seq : sp->reserved);
    put64(b + 40, sp->dropped_batches);
    put64(b + 48, sp->dropped_rows);
    put64(b + 56, sp->corrupt_batches);
    put64(b + 64, sp->corrupt_rows);
    put64(b + 72, sp->corrupt_upto);
    put32(b + 80, clean ? STATE_CLEAN : 0);
    put32(b + 84, sp->unclean_opens);
    memcpy(b + 88, sp->boot_id, BOOT_ID_LEN);
    put32(b + 128, crc32c(0, b, 128));
}

/* Rewrites the state file atomically and durably: tmp, fsync, rename,
 * fsync of the directory. Callers rely on it being on disk on return. */
static int
state_write(struct spool *sp, int clean)
{
    uint8_t b[STATE_LEN];
    int fd, rc;

    state_encode(sp, b, clean);
    fd = openat(sp->dirfd, "state.tmp",
                O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_err(sp, "state.tmp", "open");
    rc = pwrite_full(fd, b, sizeof(b), 0);
    if (rc != 0) {
        errno = -rc;
        rc = io_err(sp, "state.tmp", "write");
        goto fail;
    }
    if (fsync(fd) != 0) {
        rc = io_err(sp, "state.tmp", "fsync");
        goto fail;
    }
    close(fd);
    fd = -1;
    if (renameat(sp->dirfd, "state.tmp", sp->dirfd, "state") != 0) {
        rc = io_err(sp, "state", "rename from state.tmp");
        goto fail;
    }
    if (fsync(sp->dirfd) != 0) {
        rc = io_err(sp, ".", "fsync");
        goto fail;
    }
    sp->dir_dirty = 0;
    sp->state_dirty = 0;
    sp->state_writes++;
    sp->written_bytes += sizeof(b);
    sp->fsyncs += 2;
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlinkat(sp->dirfd, "state.tmp", 0);
    return rc;
}

/* Returns 1 with the fields loaded, 0 if there is no usable state file
 * (logged when it exists but is bad), -errno on I/O errors. */
static int
state_read(struct spool *sp, int *clean, char *boot)
{
    uint8_t b[STATE_LEN];
    ssize_t n;
    int fd;

    fd = openat(sp->dirfd, "state", O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0)
        return io_err(sp, "state", "open");
    n = pread_full(fd, b, sizeof(b), 0);
    if (n < 0) {
        int rc = io_err(sp, "state", "read");

        close(fd);
        return rc;
    }
    close(fd);
    if (n != STATE_LEN || memcmp(b, STATE_MAGIC, 8) != 0 ||
        get32(b + 128) != crc32c(0, b, 128)) {
        log_warnx("spool: %s/state: bad state file (%zd bytes, bad magic "
                  "or CRC); recovering from the segments",
                  sp->dir, n);
        return 0;
    }
    sp->stream = get64(b + 8);
    sp->acked = get64(b + 16);
    sp->drop_upto = get64(b + 24);
    sp->reserved = get64(b + 32);
    sp->dropped_batches = get64(b + 40);
    sp->dropped_rows = get64(b + 48);
    sp->corrupt_batches = get64(b + 56);
    sp->corrupt_rows = get64(b + 64);
    sp->corrupt_upto = get64(b + 72);
    *clean = (get32(b + 80) & STATE_CLEAN) != 0;
    sp->unclean_opens = get32(b + 84);
    memcpy(boot, b + 88, BOOT_ID_LEN);
    boot[BOOT_ID_LEN - 1] = '\0';
    return 1;
}

/* ---- records --------------------------------------------------------- */

/* Returns 1 if a well-formed header lies at off within end, 0 if not,
 * -errno on a read error. */
static int
hdr_read(struct spool *sp, struct walk *w, uint64_t off, struct rec_hdr *h)
{
    uint8_t b[REC_HDR_LEN];
    ssize_t n;

    if (off + REC_HDR_LEN > w->end)
        return 0;
    n = pread_full(w->fd, b, sizeof(b), off);
    if (n < 0)
        return io_err(sp, w->name, "read");
    if (n != REC_HDR_LEN || get32(b) != REC_MAGIC ||
        get32(b + 28) != crc32c(0, b, 28))
        return 0;
    h->len = get32(b + 4);
    h->seq = get64(b + 8);
    h->nrec = get32(b + 16);
    h->nrows = get32(b + 20);
    h->dcrc = get32(b + 24);
    if (h->len == 0 || h->len > SPOOL_MAX_BLOB || h->seq == 0 ||
        off + REC_HDR_LEN + h->len > w->end)
        return 0;
    return 1;
}

/* Reads the body of h at off into sp->rbuf and checks its CRC. */
static int
body_read(struct spool *sp, struct walk *w, uint64_t off,
          const struct rec_hdr *h)
{
    ssize_t n;
    int rc;

    rc = grow(&sp->rbuf, &sp->rcap, h->len);
    if (rc != 0)
        return rc;
    n = pread_full(w->fd, sp->rbuf, h->len, off + REC_HDR_LEN);
    if (n < 0)
        return io_err(sp, w->name, "read");
    if ((size_t)n != h->len)
        return 0;
    return crc32c(0, sp->rbuf, h->len) == h->dcrc;
}

/* Looks for the next intact record (header and body CRCs, seq above
 * w->prev_seq) at or after from. Returns 1 and sets *at, 0 if none. */
static int
resync(struct spool *sp, struct walk *w, uint64_t from, uint64_t *at)
{
    uint8_t *win;
    uint8_t m[4];
    struct rec_hdr h;
    uint64_t pos;
    ssize_t n;
    size_t i;
    int rc = 0;

    win = malloc(RESYNC_WIN);
    if (win == NULL)
        return -ENOMEM;
    put32(m, REC_MAGIC);
    for (pos = from; pos + REC_HDR_LEN <= w->end; pos += RESYNC_WIN - 3) {
        n = pread_full(w->fd, win, RESYNC_WIN, pos);
        if (n < 0) {
            rc = io_err(sp, w->name, "read");
            break;
        }
        for (i = 0; i + 4 <= (size_t)n; i++) {
            if (memcmp(win + i, m, 4) != 0)
                continue;
            rc = hdr_read(sp, w, pos + i, &h);
            if (rc == 1 && h.seq > w->prev_seq)
                rc = body_read(sp, w, pos + i, &h);
            else if (rc == 1)
                rc = 0;
            if (rc < 0)
                goto out;
            if (rc == 1) {
                *at = pos + i;
                goto out;
            }
        }
        if ((size_t)n < RESYNC_WIN)
            break;
    }
    rc = 0;
out:
    free(win);
    return rc;
}

/* Seqs lo..hi of w's segment were found unreadable at off: log once and
 * count those not already counted or no longer wanted. */
static void
note_corrupt(struct spool *sp, const struct walk *w, uint64_t off,
             uint64_t skipped, uint64_t lo, uint64_t hi, uint64_t rows,
             const char *why)
{
    uint64_t floor = max64(spool_floor(sp), sp->corrupt_upto);

    if (hi < lo) {
        /* junk between two consecutive seqs: nothing lost */
        log_warnx("spool: %s/%s: offset %" PRIu64 ": %s; skipped %" PRIu64
                  " bytes, no batch lost",
                  sp->dir, w->name, off, why, skipped);
        return;
    }
    if (hi <= floor) {
        log_debug("spool: %s/%s: offset %" PRIu64 ": %s (already counted)",
                  sp->dir, w->name, off, why);
        return;
    }
    if (lo <= floor) {
        lo = floor + 1;
        rows = 0; /* the known rows may belong to a counted seq */
    }
    log_warnx("spool: %s/%s: offset %" PRIu64 ": %s; skipped %" PRIu64
              " bytes, batches %" PRIu64 "..%" PRIu64 " lost",
              sp->dir, w->name, off, why, skipped, lo, hi);
    sp->corrupt_batches += hi - lo + 1;
    sp->corrupt_rows += rows;
    sp->corrupt_upto = hi;
    sp->state_dirty = 1;
}

/* Next intact record of the segment: returns 1 with *h (and its body in
 * sp->rbuf) at w->rec_off, 0 at the end, -errno on I/O error. Damage is
 * skipped, logged and counted, except a torn tail when w->torn_ok. */
static int
walk_next(struct spool *sp, struct walk *w, struct rec_hdr *h)
{
    uint64_t at;
    int rc;

    for (;;) {
        if (w->off >= w->end)
            return 0;
        rc = hdr_read(sp, w, w->off, h);
        if (rc < 0)
            return rc;
        if (rc == 1 && h->seq > w->prev_seq && h->seq <= w->end_seq) {
            rc = body_read(sp, w, w->off, h);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                w->rec_off = w->off;
                w->off += REC_HDR_LEN + h->len;
                w->prev_seq = h->seq;
                return 1;
            }
            if (!w->torn_ok || w->off + REC_HDR_LEN + h->len < w->end) {
                /* the header survived: exactly one batch, rows known */
                note_corrupt(sp, w, w->off, REC_HDR_LEN + h->len, h->seq,
                             h->seq, h->nrows, "bad data CRC");
                w->prev_seq = h->seq;
                w->off += REC_HDR_LEN + h->len;
                continue;
            }
        }
        rc = resync(sp, w, w->off + 1, &at);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (w->torn_ok) {
                w->torn_at = w->off;
                return 0;
            }
            note_corrupt(sp, w, w->off, w->end - w->off, w->prev_seq + 1,
                         w->end_seq == UINT64_MAX ? sp->last_seq : w->end_seq,
                         0, "bad record, none intact after it");
            w->off = w->end;
            return 0;
        }
        /* header of the found record: re-read by the next iteration */
        {
            struct rec_hdr h2;

            rc = hdr_read(sp, w, at, &h2);
            if (rc < 0)
                return rc;
            note_corrupt(sp, w, w->off, at - w->off, w->prev_seq + 1,
                         h2.seq - 1, 0, "bad record header");
        }
        w->off = at;
    }
}

static int
walk_open(struct spool *sp, size_t i, struct walk *w)
{
    memset(w, 0, sizeof(*w));
    seg_name(w->name, sp->segs[i].first);
    w->fd = openat(sp->dirfd, w->name, O_RDONLY | O_CLOEXEC);
    if (w->fd < 0)
        return io_err(sp, w->name, "open");
    w->off = SEG_HDR_LEN;
    w->end = seg_end_of(sp, i);
    w->prev_seq = sp->segs[i].first - 1;
    w->end_seq = i + 1 < sp->nsegs ? sp->segs[i + 1].first - 1 : UINT64_MAX;
    w->torn_at = UINT64_MAX;
    return 0;
}

/* ---- segments -------------------------------------------------------- */

static void
cursor_reset(struct spool *sp)
{
    if (sp->rvalid && sp->rw.fd >= 0)
        close(sp->rw.fd);
    sp->rvalid = 0;
}

static ssize_t
seg_find(const struct spool *sp, uint64_t first)
{
    size_t lo = 0, hi = sp->nsegs, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (sp->segs[mid].first < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sp->nsegs && sp->segs[lo].first == first ? (ssize_t)lo : -1;
}

/* Removes the n oldest segments; the state saying why must be durable. */
static int
segs_unlink(struct spool *sp, size_t n)
{
    char name[SEG_NAME_LEN];
    size_t i;
    int rc = 0;

    for (i = 0; i < n; i++) {
        seg_name(name, sp->segs[i].first);
        if (sp->rvalid && sp->rseg_first == sp->segs[i].first)
            cursor_reset(sp);
        if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT) {
            rc = io_err(sp, name, "unlink");
            break;
        }
        sp->total_bytes -= sp->segs[i].size;
        sp->dir_dirty = 1;
    }
    if (i > 0) {
        memmove(sp->segs, sp->segs + i, (sp->nsegs - i) * sizeof(*sp->segs));
        sp->nsegs -= i;
    }
    return rc;
}

/* Deletes the old segments whose every batch is acknowledged (and
 * keep_acked behind) or below the drop point. Never the write segment. */
static int
segs_gc(struct spool *sp)
{
    size_t n = 0;
    uint64_t last;
    int rc;

    while (n + 1 < sp->nsegs) {
        last = seg_last_bound(sp, n);
        if (last > sp->drop_upto && (sp->acked < sp->o.keep_acked ||
                                     last > sp->acked - sp->o.keep_acked))
            break;
        n++;
    }
    if (n == 0)
        return 0;
    if (sp->state_dirty) {
        rc = state_write(sp, 0);
        if (rc != 0)
            return rc;
    }
    return segs_unlink(sp, n);
}

/* The spool is full: drops the oldest segment, counting the batches in it
 * the collector has not acknowledged. */
static int
seg_drop_oldest(struct spool *sp)
{
    struct walk w;
    struct rec_hdr h;
    uint64_t floor = spool_floor(sp), n = 0, rows = 0, last, old_upto;
    int rc;

    rc = walk_open(sp, 0, &w);
    if (rc != 0)
        return rc;
    while ((rc = walk_next(sp, &w, &h)) == 1) {
        if (h.seq > floor) {
            n++;
            rows += h.nrows;
        }
    }
    close(w.fd);
    if (rc < 0)
        return rc;
    last = seg_last_bound(sp, 0);
    old_upto = sp->drop_upto;
    sp->dropped_batches += n;
    sp->dropped_rows += rows;
    sp->drop_upto = max64(sp->drop_upto, last);
    rc = state_write(sp, 0);
    if (rc != 0) {
        /* not unlinked: undo, so the count is not taken twice */
        sp->dropped_batches -= n;
        sp->dropped_rows -= rows;
        sp->drop_upto = old_upto;
        return rc;
    }
    log_warnx("spool: %s: full (%" PRIu64 " of %" PRIu64 " bytes): dropped "
              "%s, %" PRIu64 " unacknowledged batches, %" PRIu64 " rows",
              sp->dir, sp->total_bytes, sp->max_bytes, w.name, n, rows);
    return segs_unlink(sp, 1);
}

static int
sync_data(struct spool *sp)
{
    char name[SEG_NAME_LEN];

    if (sp->wfd >= 0 && sp->unsynced > 0) {
        if (fsync(sp->wfd) != 0) {
            seg_name(name, sp->segs[sp->nsegs - 1].first);
            return io_err(sp, name, "fsync");
        }
        sp->fsyncs++;
    }
    sp->unsynced = 0;
    if (sp->dir_dirty) {
        if (fsync(sp->dirfd) != 0)
            return io_err(sp, ".", "fsync");
        sp->fsyncs++;
        sp->dir_dirty = 0;
    }
    return 0;
}

/* Starts a new segment named after next_seq. */
static int
seg_roll(struct spool *sp)
{
    char name[SEG_NAME_LEN];
    uint8_t b[SEG_HDR_LEN];
    struct seg *ns;
    int fd, rc;

    if (sp->wfd >= 0) {
        /* an older segment is never left with unsynced unacked data, so a
         * power cut can only tear the newest one */
        rc = sync_data(sp);
        if (rc != 0)
            return rc;
        sp->segs[sp->nsegs - 1].size = sp->wend;
        close(sp->wfd);
        sp->wfd = -1;
    }
    if (sp->nsegs == sp->capsegs) {
        size_t c = sp->capsegs ? sp->capsegs * 2 : 16;

        ns = realloc(sp->segs, c * sizeof(*ns));
        if (ns == NULL)
            return -ENOMEM;
        sp->segs = ns;
        sp->capsegs = c;
    }
    seg_name(name, sp->next_seq);
    fd = openat(sp->dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_err(sp, name, "create");
    memcpy(b, SEG_MAGIC, 8);
    put64(b + 8, sp->stream);
    put64(b + 16, sp->next_seq);
    put32(b + 24, FORMAT_VERSION);
    put32(b + 28, crc32c(0, b, 28));
    rc = pwrite_full(fd, b, sizeof(b), 0);
    if (rc != 0) {
        errno = -rc;
        io_err(sp, name, "write");
        close(fd);
        unlinkat(sp->dirfd, name, 0);
        return rc;
    }
    sp->written_bytes += sizeof(b);
    sp->wfd = fd;
    sp->wend = SEG_HDR_LEN;
    sp->segs[sp->nsegs].first = sp->next_seq;
    sp->segs[sp->nsegs].size = SEG_HDR_LEN;
    sp->nsegs++;
    sp->total_bytes += SEG_HDR_LEN;
    sp->dir_dirty = 1;
    return segs_gc(sp);
}

/* ---- open ------------------------------------------------------------ */

static int
seg_cmp(const void *a, const void *b)
{
    const struct seg *x = a, *y = b;

    return x->first < y->first ? -1 : x->first > y->first;
}

static int
segs_list(struct spool *sp)
{
    struct dirent *de;
    struct stat st;
    DIR *d;
    int fd, rc = 0;
    uint64_t first;
    char tail[8];

    fd = openat(sp->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_err(sp, ".", "open");
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return io_err(sp, ".", "opendir");
    }
    while ((errno = 0, de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "seg-", 4) != 0 || strlen(de->d_name) != 24 ||
            sscanf(de->d_name, "seg-%16" SCNx64 "%7s", &first, tail) != 2 ||
            strcmp(tail, ".dat") != 0 || first == 0)
            continue;
        if (fstatat(sp->dirfd, de->d_name, &st, 0) != 0) {
            rc = io_err(sp, de->d_name, "stat");
            break;
        }
        if (sp->nsegs == sp->capsegs) {
            size_t c = sp->capsegs ? sp->capsegs * 2 : 16;
            struct seg *ns = realloc(sp->segs, c * sizeof(*ns));

            if (ns == NULL) {
                rc = -ENOMEM;
                break;
            }
            sp->segs = ns;
            sp->capsegs = c;
        }
        sp->segs[sp->nsegs].first = first;
        sp->segs[sp->nsegs].size = (uint64_t)st.st_size;
        sp->nsegs++;
        sp->total_bytes += (uint64_t)st.st_size;
    }
    if (rc == 0 && errno != 0)
        rc = io_err(sp, ".", "readdir");
    closedir(d);
    if (rc == 0 && sp->nsegs > 1)
        qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), seg_cmp);
    return rc;
}

/* Stream id of a segment's header; 0 if the header is not intact. */
static uint64_t
seg_stream(struct spool *sp, size_t i)
{
    char name[SEG_NAME_LEN];
    uint8_t b[SEG_HDR_LEN];
    ssize_t n;
    int fd;

    seg_name(name, sp->segs[i].first);
    fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = pread_full(fd, b, sizeof(b), 0);
    close(fd);
    if (n != SEG_HDR_LEN || memcmp(b, SEG_MAGIC, 8) != 0 ||
        get32(b + 28) != crc32c(0, b, 28) || get64(b + 16) != sp->segs[i].first)
        return 0;
    return get64(b + 8);
}

/* Verifies the newest segment record by record, cuts a torn tail and opens
 * it for appending. Returns 0 or -errno. */
static int
seg_recover_last(struct spool *sp)
{
    struct walk w;
    struct rec_hdr h;
    size_t i = sp->nsegs - 1;
    uint64_t good_end, last = 0;
    int rc, fd;

    rc = walk_open(sp, i, &w);
    if (rc != 0)
        return rc;
    w.torn_ok = 1;
    good_end = SEG_HDR_LEN;
    while ((rc = walk_next(sp, &w, &h)) == 1) {
        last = h.seq;
        good_end = w.off;
    }
    close(w.fd);
    if (rc < 0)
        return rc;
    if (last == 0 && seg_stream(sp, i) != sp->stream) {
        /* nothing intact, not even the header: a segment being created
         * when the power went; start it afresh */
        log_info("spool: %s/%s: no intact record or header, removed", sp->dir,
                 w.name);
        if (unlinkat(sp->dirfd, w.name, 0) != 0)
            return io_err(sp, w.name, "unlink");
        sp->total_bytes -= sp->segs[i].size;
        sp->nsegs--;
        sp->dir_dirty = 1;
        /* the segment before it (if any) holds seqs below this name */
        sp->last_seq = sp->segs[i].first - 1;
        return 0;
    }
    fd = openat(sp->dirfd, w.name, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return io_err(sp, w.name, "open");
    if (good_end < sp->segs[i].size) {
        log_warnx("spool: %s/%s: torn record at offset %" PRIu64 " (%" PRIu64
                  " bytes) cut off",
                  sp->dir, w.name, good_end, sp->segs[i].size - good_end);
        if (ftruncate(fd, (off_t)good_end) != 0) {
            rc = io_err(sp, w.name, "truncate");
            close(fd);
            return rc;
        }
        sp->total_bytes -= sp->segs[i].size - good_end;
        sp->segs[i].size = good_end;
    }
    sp->wfd = fd;
    sp->wend = good_end;
    sp->last_seq = max64(last, sp->segs[i].first - 1);
    return 0;
}

static void
read_boot_id(struct spool *sp)
{
    ssize_t n;
    int fd;

    memset(sp->boot_id, 0, sizeof(sp->boot_id));
    if (sp->o.boot_id != NULL) {
        snprintf(sp->boot_id, sizeof(sp->boot_id), "%s", sp->o.boot_id);
        return;
    }
    fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* unknown: every unclean open is treated as a reboot */
    n = read(fd, sp->boot_id, sizeof(sp->boot_id) - 1);
    close(fd);
    if (n > 0 && sp->boot_id[n - 1] == '\n')
        sp->boot_id[n - 1] = '\0';
}

static int
new_stream(struct spool *sp)
{
    ssize_t n;

    do {
        n = getrandom(&sp->stream, sizeof(sp->stream), 0);
        if (n < 0 && errno != EINTR)
            return io_err(sp, ".", "getrandom");
    } while (n != (ssize_t)sizeof(sp->stream) || sp->stream == 0);
    return 0;
}

int
spool_open(const char *dir, uint64_t max_bytes, const struct spool_opts *opts,
           struct spool **out)
{
    struct spool *sp;
    char prev_boot[BOOT_ID_LEN];
    uint64_t found_next, s;
    int rc, have_state, clean = 0;
    size_t i;

    crc_init();
    if (max_bytes == 0)
        max_bytes = SPOOL_DEFAULT_MAX_BYTES;
    if (max_bytes < 64 * 1024) {
        log_warnx("spool: %s: max size %" PRIu64 " below 64 KiB", dir,
                  max_bytes);
        return -EINVAL;
    }
    sp = calloc(1, sizeof(*sp));
    if (sp == NULL)
        return -ENOMEM;
    sp->dirfd = -1;
    sp->wfd = -1;
    sp->max_bytes = max_bytes;
    if (opts != NULL)
        sp->o = *opts;
    if (sp->o.segment_bytes == 0)
        sp->o.segment_bytes = SPOOL_DEFAULT_SEGMENT_BYTES;
    if (sp->o.segment_bytes > max_bytes / 4)
        sp->o.segment_bytes = (uint32_t)(max_bytes / 4);
    if (sp->o.segment_bytes < 4096)
        sp->o.segment_bytes = 4096;
    if (sp->o.sync_sec == 0)
        sp->o.sync_sec = SPOOL_DEFAULT_SYNC_SEC;
    if (sp->o.sync_bytes == 0)
        sp->o.sync_bytes = SPOOL_DEFAULT_SYNC_BYTES;
    if (sp->o.keep_acked == 0)
        sp->o.keep_acked = SPOOL_DEFAULT_KEEP_ACKED;
    sp->dir = strdup(dir);
    if (sp->dir == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    read_boot_id(sp);

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = -errno;
        log_warn("spool: %s: mkdir", dir);
        goto fail;
    }
    sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sp->dirfd < 0) {
        rc = -errno;
        log_warn("spool: %s: open", dir);
        goto fail;
    }
    /* two agents on one spool would interleave appends: refuse the second
     * (the lock goes with the process, so a killed agent never holds it) */
    if (flock(sp->dirfd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
        if (rc == -EBUSY)
            log_warnx("spool: %s: in use by another process", dir);
        else
            log_warn("spool: %s: flock", dir);
        goto fail;
    }
    unlinkat(sp->dirfd, "state.tmp", 0);
    rc = state_read(sp, &clean, prev_boot);
    if (rc < 0)
        goto fail;
    have_state = rc;
    rc = segs_list(sp);
    if (rc != 0)
        goto fail;

    if (!have_state) {
        for (i = 0; i < sp->nsegs && sp->stream == 0; i++)
            sp->stream = seg_stream(sp, i);
        if (sp->stream == 0) {
            if (sp->nsegs > 0)
                log_warnx("spool: %s: %zu segments but no stream id "
                          "readable; starting a new stream",
                          dir, sp->nsegs);
            rc = new_stream(sp);
            if (rc != 0)
                goto fail;
        }
    }
    /* Leftovers of deletions that were decided but not carried out. The
     * write segment is never removed here; next_seq bounds it below. */
    sp->next_seq = sp->nsegs ? sp->segs[sp->nsegs - 1].first : 1;
    rc = segs_gc(sp);
    if (rc != 0)
        goto fail;
    for (i = 0; i + 1 < sp->nsegs; i++) {
        s = seg_stream(sp, i);
        if (s != sp->stream)
            log_warnx("spool: %s/seg-%016" PRIx64 ".dat: header %s; "
                      "records are still read",
                      dir, sp->segs[i].first,
                      s == 0 ? "damaged" : "of another stream");
    }
    if (sp->nsegs > 0) {
        rc = seg_recover_last(sp);
        if (rc != 0)
            goto fail;
    }
    /* a process killed between starting a segment and dropping the oldest
     * one leaves the spool a segment header over its cap: finish the drop */
    while (sp->total_bytes > sp->max_bytes && sp->nsegs > 1) {
        rc = seg_drop_oldest(sp);
        if (rc != 0)
            goto fail;
    }
    found_next = sp->last_seq + 1;
    if (sp->nsegs > 0 && sp->wfd < 0)
        found_next = max64(found_next, sp->segs[sp->nsegs - 1].first);
    found_next = max64(found_next, spool_floor(sp) + 1);
    found_next = max64(found_next, sp->corrupt_upto + 1);

    if (!have_state && sp->nsegs > 0) {
        /* the lease is unknown: skip well past anything it could cover */
        log_warnx("spool: %s: no state file; seqs continue from %" PRIu64, dir,
                  found_next + 2 * LEASE);
        found_next += 2 * LEASE;
        sp->unclean_opens++;
    } else if (have_state && clean) {
        found_next = max64(found_next, sp->reserved);
    } else if (have_state) {
        sp->unclean_opens++;
        if (sp->boot_id[0] == '\0' || strcmp(prev_boot, sp->boot_id) != 0) {
            /* a reboot since: seqs above the last fsync may have been
             * sent but not kept; never hand them out again */
            if (sp->reserved > found_next)
                log_warnx("spool: %s: unclean shutdown and reboot; seqs "
                          "%" PRIu64 "..%" PRIu64 " skipped",
                          dir, found_next, sp->reserved - 1);
            found_next = max64(found_next, sp->reserved);
        } else {
            /* Same boot: everything a killed process appended is in the
             * page cache, so the newest record on disk is the last seq it
             * handed out -- unless that process had itself jumped past a
             * lease after a reboot and died before appending. The lease it
             * wrote at its open (reserved - LEASE is where it started) is
             * a floor then, or those skipped seqs would come back. */
            if (sp->reserved >= LEASE)
                found_next = max64(found_next, sp->reserved - LEASE);
            log_info("spool: %s: process ended without closing the spool; "
                     "continuing at seq %" PRIu64,
                     dir, found_next);
        }
    }
    sp->next_seq = found_next;
    sp->reserved = sp->next_seq + LEASE;
    /* Dirty from here until spool_close; this write also makes the spool
     * directory itself durable on first creation. */
    rc = state_write(sp, 0);
    if (rc != 0)
        goto fail;
    *out = sp;
    return 0;
fail:
    if (sp->wfd >= 0)
        close(sp->wfd);
    if (sp->dirfd >= 0)
        close(sp->dirfd);
    free(sp->segs);
    free(sp->dir);
    free(sp);
    return rc;
}

/* ---- operations ----------------------------------------------------- */

static int
maybe_sync(struct spool *sp)
{
    int rc;

    if (sp->unsynced == 0)
        return 0;
    if (!sp->o.sync_always && sp->unsynced < sp->o.sync_bytes &&
        now_ms() - sp->unsynced_ms < (uint64_t)sp->o.sync_sec * 1000)
        return 0;
    rc = sync_data(sp);
    if (rc == 0 && sp->state_dirty)
        rc = state_write(sp, 0);
    return rc;
}

int
spool_append(struct spool *sp, const void *blob, size_t len, uint32_t nrec,
             uint32_t nrows, uint64_t *seq)
{
    char name[SEG_NAME_LEN];
    uint8_t *b;
    size_t rl;
    int rc;

    if (len == 0 || len > SPOOL_MAX_BLOB || len > sp->max_bytes / 4)
        return -EMSGSIZE;
    rl = REC_HDR_LEN + len;
    if (sp->next_seq >= sp->reserved) {
        uint64_t old = sp->reserved;

        sp->reserved = sp->next_seq + LEASE;
        rc = state_write(sp, 0);
        if (rc != 0) {
            sp->reserved = old;
            return rc;
        }
    }
    if (sp->wfd < 0 ||
        (sp->wend > SEG_HDR_LEN && sp->wend + rl > sp->o.segment_bytes)) {
        rc = seg_roll(sp);
        if (rc != 0)
            return rc;
    }
    while (sp->total_bytes + rl > sp->max_bytes && sp->nsegs > 1) {
        rc = seg_drop_oldest(sp);
        if (rc != 0)
            return rc;
    }
    rc = grow(&sp->wbuf, &sp->wcap, rl);
    if (rc != 0)
        return rc;
    b = sp->wbuf;
    put32(b, REC_MAGIC);
    put32(b + 4, (uint32_t)len);
    put64(b + 8, sp->next_seq);
    put32(b + 16, nrec);
    put32(b + 20, nrows);
    put32(b + 24, crc32c(0, blob, len));
    put32(b + 28, crc32c(0, b, 28));
    memcpy(b + REC_HDR_LEN, blob, len);
    rc = pwrite_full(sp->wfd, b, rl, sp->wend);
    if (rc != 0) {
        seg_name(name, sp->segs[sp->nsegs - 1].first);
        errno = -rc;
        io_err(sp, name, "append");
        /* cut off what part of the record made it, so the next append
         * (which writes at wend anyway) leaves no junk behind */
        if (ftruncate(sp->wfd, (off_t)sp->wend) != 0)
            io_err(sp, name, "truncate after failed append");
        return rc;
    }
    sp->wend += rl;
    sp->total_bytes += rl;
    sp->written_bytes += rl;
    sp->blob_bytes += len;
    sp->appends++;
    if (sp->unsynced == 0)
        sp->unsynced_ms = now_ms();
    sp->unsynced += rl;
    sp->unsynced_seq = sp->next_seq;
    sp->last_seq = sp->next_seq;
    if (seq != NULL)
        *seq = sp->next_seq;
    sp->next_seq++;
    /* the batch is appended; a failed fsync is reported but it stays */
    rc = maybe_sync(sp);
    return rc;
}

int
spool_next(struct spool *sp, uint64_t after, struct spool_rec *rec)
{
    struct rec_hdr h;
    ssize_t i;
    size_t lo, hi, mid;
    int rc;

    if (sp->rvalid && sp->rlast != after)
        cursor_reset(sp);
    for (;;) {
        if (!sp->rvalid) {
            if (sp->nsegs == 0)
                return 0;
            /* the last segment whose first seq is <= after + 1 */
            lo = 0;
            hi = sp->nsegs;
            while (hi - lo > 1) {
                mid = lo + (hi - lo) / 2;
                if (sp->segs[mid].first <= after + 1)
                    lo = mid;
                else
                    hi = mid;
            }
            rc = walk_open(sp, lo, &sp->rw);
            if (rc != 0)
                return rc;
            sp->rvalid = 1;
            sp->rseg_first = sp->segs[lo].first;
            sp->rlast = after;
        }
        i = seg_find(sp, sp->rseg_first);
        if (i < 0) {
            cursor_reset(sp);
            continue;
        }
        sp->rw.end = seg_end_of(sp, (size_t)i);
        sp->rw.end_seq =
            (size_t)i + 1 < sp->nsegs ? sp->segs[i + 1].first - 1 : UINT64_MAX;
        rc = walk_next(sp, &sp->rw, &h);
        if (rc < 0) {
            cursor_reset(sp);
            return rc;
        }
        if (rc == 1) {
            if (h.seq <= after)
                continue;
            rec->seq = h.seq;
            rec->blob = sp->rbuf;
            rec->len = h.len;
            rec->nrec = h.nrec;
            rec->nrows = h.nrows;
            sp->rlast = h.seq;
            return 1;
        }
        if ((size_t)i + 1 >= sp->nsegs)
            return 0; /* at the end; appends may extend this segment */
        close(sp->rw.fd);
        sp->rvalid = 0;
        rc = walk_open(sp, (size_t)i + 1, &sp->rw);
        if (rc != 0)
            return rc;
        sp->rvalid = 1;
        sp->rseg_first = sp->segs[i + 1].first;
    }
}

int
spool_ack(struct spool *sp, uint64_t seq)
{
    if (seq <= sp->acked)
        return 0;
    if (seq >= sp->next_seq) {
        /* the collector holds seqs we never handed out (or forgot after a
         * crash): continue above them so none is reused */
        log_warnx("spool: %s: ack %" PRIu64 " at or past next seq %" PRIu64
                  "; continuing at %" PRIu64,
                  sp->dir, seq, sp->next_seq, seq + 1);
        sp->next_seq = seq + 1;
        sp->acked = seq;
        sp->reserved = max64(sp->reserved, sp->next_seq + LEASE);
        return state_write(sp, 0);
    }
    sp->acked = seq;
    sp->state_dirty = 1;
    if (sp->acked >= sp->unsynced_seq)
        sp->unsynced = 0; /* all of it is at the collector already */
    return segs_gc(sp);
}

int
spool_src_next(void *ctx, uint64_t after, uint64_t *seq, const uint8_t **blob,
               size_t *len, uint32_t *nrec)
{
    struct spool_rec r;
    int rc;

    rc = spool_next(ctx, after, &r);
    if (rc == 1) {
        *seq = r.seq;
        *blob = r.blob;
        *len = r.len;
        *nrec = r.nrec;
    }
    return rc;
}

void
spool_src_ack(void *ctx, uint64_t seq)
{
    (void)spool_ack(ctx, seq); /* logged inside; batches stay on error */
}

int
spool_tick(struct spool *sp)
{
    return maybe_sync(sp);
}

int
spool_sync(struct spool *sp)
{
    int rc;

    rc = sync_data(sp);
    if (rc == 0 && sp->state_dirty)
        rc = state_write(sp, 0);
    return rc;
}

int
spool_close(struct spool *sp)
{
    int rc = 0;

    if (sp == NULL)
        return 0;
    if (sp->wfd >= 0 && fsync(sp->wfd) != 0) {
        char name[SEG_NAME_LEN];

        seg_name(name, sp->segs[sp->nsegs - 1].first);
        rc = io_err(sp, name, "fsync");
    }
    if (rc == 0)
        rc = state_write(sp, 1);
    cursor_reset(sp);
    if (sp->wfd >= 0)
        close(sp->wfd);
    close(sp->dirfd);
    free(sp->segs);
    free(sp->wbuf);
    free(sp->rbuf);
    free(sp->dir);
    free(sp);
    return rc;
}

uint64_t
spool_stream(const struct spool *sp)
{
    return sp->stream;
}

uint64_t
spool_next_seq(const struct spool *sp)
{
    return sp->next_seq;
}

void
spool_dropped(const struct spool *sp, uint64_t *batches, uint64_t *rows)
{
    if (batches != NULL)
        *batches = sp->dropped_batches + sp->corrupt_batches;
    if (rows != NULL)
        *rows = sp->dropped_rows + sp->corrupt_rows;
}

void
spool_note_lost(struct spool *sp, uint64_t batches, uint64_t rows)
{
    sp->dropped_batches += batches;
    sp->dropped_rows += rows;
    sp->state_dirty = 1;
}

void
spool_stats(const struct spool *sp, struct spool_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->stream = sp->stream;
    st->next_seq = sp->next_seq;
    st->acked = sp->acked;
    st->first_seq = sp->nsegs ? max64(sp->segs[0].first, 1) : 0;
    st->bytes = sp->total_bytes;
    st->segments = (uint32_t)sp->nsegs;
    st->dropped_batches = sp->dropped_batches;
    st->dropped_rows = sp->dropped_rows;
    st->corrupt_batches = sp->corrupt_batches;
    st->corrupt_rows = sp->corrupt_rows;
    st->unclean_opens = sp->unclean_opens;
    st->appends = sp->appends;
    st->blob_bytes = sp->blob_bytes;
    st->written_bytes = sp->written_bytes;
    st->fsyncs = sp->fsyncs;
    st->state_writes = sp->state_writes;
}
