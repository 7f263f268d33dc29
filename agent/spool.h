/* spool: the agent's store-and-forward queue of batches on the router's
 * flash. A batch goes in (spool_append) before it is sent, and leaves only
 * when the collector has acknowledged it (spool_ack) or when the spool is
 * full and its oldest segment is dropped, which is counted (spool_dropped)
 * so the collector can be told. docs/SPOOL.md describes the on-disk format,
 * the fsync policy and what a crash or power cut can lose.
 *
 * A batch is an opaque blob (the encoded BATCH records, see wire.h) plus a
 * record count and a row count; the spool never looks inside it.
 *
 * Identity: each spool directory has a random 64-bit stream id, made with
 * getrandom(2) when the directory is created. Sequence numbers start at 1
 * in a stream and strictly increase; they can jump forward (a gap) after an
 * unclean shutdown that was followed by a reboot, because seqs handed out
 * after the last fsync may have reached the collector but not the disk.
 * A collector deduplicates on (agent, stream, seq <= last stored), never on
 * "seq == last + 1". A wiped or reinstalled agent gets a new stream.
 *
 * What it deliberately is not: no libuv, no threads, no network. All calls
 * are plain blocking file I/O and must come from one thread. spool_append
 * and spool_ack are O(1) (one pwritev; an occasional small state file
 * rewrite, unlink or fsync). spool_open scans only the newest segment.
 * spool_next is O(1) when called in order, O(records in one segment) header
 * reads when it has to reposition.
 *
 * Ownership: struct spool is allocated by spool_open and freed by
 * spool_close. spool_append copies the blob. The blob spool_next returns is
 * borrowed: it lives in the spool's read buffer until the next call on the
 * spool (spool_append may reuse the buffer when it drops a segment). All errors
 * are logged once, naming the file, with the "spool:" prefix. */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* 72 hours of a 60-class school: 4320 one-minute batches x 60 rows x ~90
 * bytes ~= 22.3 MiB, plus framing; 32 MiB leaves room for that, for the
 * per-minute capture records and for the segment dropped as a unit. */
#define SPOOL_DEFAULT_MAX_BYTES (32ull << 20)
#define SPOOL_DEFAULT_SEGMENT_BYTES (1u << 20)
#define SPOOL_DEFAULT_SYNC_SEC 300
#define SPOOL_DEFAULT_SYNC_BYTES (256u << 10)
#define SPOOL_DEFAULT_KEEP_ACKED 120
#define SPOOL_MAX_BLOB (1u << 20) /* WIRE_MAX_PAYLOAD */

struct spool; /* opaque */

/* Tunables; a zero field takes the default. */
struct spool_opts {
    uint32_t segment_bytes; /* segment file size target (>= 4 KiB) */
    /* fsync policy: unacknowledged data written to the segment is fsynced
     * once sync_bytes of it are pending or the oldest of it is sync_sec
     * old (checked in spool_append and spool_tick), at a segment switch,
     * and in spool_close. sync_always fsyncs after every append. */
    uint32_t sync_sec;
    uint32_t sync_bytes;
    int sync_always;
    /* acknowledged batches still kept (whole segments go only when every
     * batch in them is at least this many seqs behind the ack), so that a
     * collector which lost its last commits can ask for them again. */
    uint32_t keep_acked;
    /* Tests only: the boot id to believe in (NULL reads
     * /proc/sys/kernel/random/boot_id), to simulate a reboot. */
    const char *boot_id;
};

struct spool_stats {
    uint64_t stream;
    uint64_t next_seq;  /* the seq the next append gets */
    uint64_t acked;     /* highest acknowledged seq (0: none) */
    uint64_t first_seq; /* oldest seq still on disk (0: empty) */
    uint64_t bytes;     /* segment bytes on disk */
    uint32_t segments;
    uint64_t dropped_batches; /* unacked batches dropped because full */
    uint64_t dropped_rows;
    uint64_t corrupt_batches; /* seqs lost to corruption (upper bound) */
    uint64_t corrupt_rows;    /* rows of those, where a header survived */
    uint32_t unclean_opens;   /* opens after a crash or power cut */
    /* since open: for write amplification */
    uint64_t appends;
    uint64_t blob_bytes;    /* bytes handed to spool_append */
    uint64_t written_bytes; /* bytes written: segments + state files */
    uint64_t fsyncs;
    uint64_t state_writes;
};

/* One batch returned by spool_next. blob is borrowed (see above). */
struct spool_rec {
    uint64_t seq;
    const uint8_t *blob;
    uint32_t len;
    uint32_t nrec;
    uint32_t nrows;
};

/* Creates (mkdir 0700, new stream id) or reopens the spool in dir. On
 * reopen it removes leftovers of interrupted deletions, verifies the
 * newest segment record by record and truncates a torn tail. max_bytes 0
 * means SPOOL_DEFAULT_MAX_BYTES; opts NULL means all defaults. Sets *out
 * only on success. The directory is locked (flock) while open. Returns 0,
 * -EINVAL (bad max/opts), -EBUSY (another process has it open), -ENOMEM,
 * or the -errno of the failing file operation (logged with its path). */
int spool_open(const char *dir, uint64_t max_bytes,
               const struct spool_opts *opts, struct spool **out);

/* Clean shutdown: fsyncs, records the ack cursor and "closed cleanly" (so
 * the next open continues with no seq gap), frees sp. Returns 0 or the
 * first -errno; sp is freed either way. Accepts NULL. */
int spool_close(struct spool *sp);

uint64_t spool_stream(const struct spool *sp);
uint64_t spool_next_seq(const struct spool *sp);

/* Appends one batch, assigns it the next seq (*seq, may be NULL) and
 * returns 0 once it is in the segment file (in the page cache: it survives
 * the process being killed; a power cut survives per the fsync policy).
 * When the spool would exceed max_bytes, the oldest segments go first and
 * their unacknowledged batches and rows are counted as dropped. Returns
 * -EMSGSIZE for len 0 or > SPOOL_MAX_BLOB (or above a quarter of
 * max_bytes), -ENOSPC when the file system is full (nothing appended, seq
 * not used, spool intact), other -errno on I/O errors. */
int spool_append(struct spool *sp, const void *blob, size_t len, uint32_t nrec,
                 uint32_t nrows, uint64_t *seq);

/* The oldest batch on disk with seq > after (after 0: from the start).
 * Returns 1 and fills *rec, 0 when there is none, or -errno. A returned
 * seq above after + 1 means the batches between are gone (acknowledged and
 * deleted, dropped, or lost to corruption, which is logged and counted).
 * Acknowledged batches still on disk are returned too: the caller asks
 * from the seq the collector says it has stored. */
int spool_next(struct spool *sp, uint64_t after, struct spool_rec *rec);

/* The collector has committed every seq <= seq of this stream. Whole
 * segments whose batches are all acknowledged (minus keep_acked) are
 * deleted. The cursor is persisted when a segment goes, in the periodic
 * fsync and at close, not on every ack: after a crash the agent may resend
 * a few batches the collector already has, which it deduplicates. An ack
 * at or past next_seq (a collector that knows seqs this spool forgot)
 * moves next_seq past it, so no seq is ever reused. Returns 0 or -errno. */
int spool_ack(struct spool *sp, uint64_t seq);

/* Applies the time part of the fsync policy; call it from a timer (every
 * few seconds to a minute). May fsync. Returns 0 or -errno. */
int spool_tick(struct spool *sp);

/* fsyncs pending data and the state file now. Returns 0 or -errno. */
int spool_sync(struct spool *sp);

/* Adapters with the signatures of struct uplink_src (uplink.h) so the
 * uplink can stream from the spool without this header including libuv:
 *   src.ctx = sp; src.stream = spool_stream(sp);
 *   src.next = spool_src_next; src.ack = spool_src_ack;
 * ctx is the struct spool. An ack error is logged by the spool and
 * otherwise ignored (the batches stay and are resent at worst). */
int spool_src_next(void *ctx, uint64_t after, uint64_t *seq,
                   const uint8_t **blob, size_t *len, uint32_t *nrec);
void spool_src_ack(void *ctx, uint64_t seq);

/* Batches and rows lost in this spool since it was created: dropped when
 * full plus lost to corruption. Persisted; the agent reports it. */
void spool_dropped(const struct spool *sp, uint64_t *batches, uint64_t *rows);

/* Adds batches and rows the agent lost outside the spool (a batch whose
 * spool_append failed, say) to the dropped counters above, so a single
 * count reaches the collector. Persisted with the next state write. */
void spool_note_lost(struct spool *sp, uint64_t batches, uint64_t rows);

void spool_stats(const struct spool *sp, struct spool_stats *st);

#endif /* SPOOL_H */
