/* storage: the collector's store. The store is reached only through the
 * backend-neutral interface headers, one per kind of work:
 *   storage.h        open/close, agent HELLO and BATCH ingest (group
 *                    commit), the raw class minutes `query` prints;
 *   storage_hist.h   rollups, retention and the daily Wi-Fi figures;
 *   storage_eval.h   what compliance evaluation and the report read, and
 *                    the stored evaluations;
 *   storage_api.h    what the JSON API and /metrics read, capabilities,
 *                    cancellation;
 *   storage_admin.h  registry import, packs, calendar, agent keys.
 * The SQLite backend implements them all in storage_sqlite*.c (its private
 * headers are storage_sqlite*.h); no other file includes sqlite3.h or holds
 * SQL, which tests/integration/storage_boundary.sh checks. A PostgreSQL
 * backend is new storage_pg*.c files implementing the same headers, chosen
 * at build time (make STORAGE=pg builds collector/storage_pg*.c instead); metrics, evaluation, report, API, registry and ingest
 * stay as they are. Where a header keeps an aggregate in the backend (sums
 * of a GROUP BY, min/max) it says so, since another backend must give the
 * same figures; every other figure is computed in C from the rows handed
 * over.
 *
 * Threading: a struct storage is used by one thread at a time. The writer
 * thread owns the read-write handle; readers open their own with
 * storage_open_ro.
 *
 * Durability: synchronous=NORMAL in WAL mode. A committed transaction
 * survives a crash of the collector process; on power loss or an OS crash
 * the last transactions before the most recent WAL sync may be lost. The
 * agent resends from the last sequence the collector reports at HELLO, and
 * keeps a batch in its spool until that report covers it, so that window is
 * refilled from the agents (docs/PROTOCOL.md, "Durability"). */
#ifndef STORAGE_H
#define STORAGE_H

#include <stddef.h>
#include <stdint.h>

struct storage;

/* Opens (creating if needed) the database at path and applies the embedded
 * migrations above PRAGMA user_version. Returns 0 and sets *out, or -EIO
 * (message logged naming the path). */
int  storage_open(const char *path, struct storage **out);
/* Read-only handle for query threads. */
int  storage_open_ro(const char *path, struct storage **out);
void storage_close(struct storage *st); /* accepts NULL */

struct storage_hello {
    const char *agent_id;
    const char *school;
    const char *version;
    const char *boot_id;
    const char *peer; /* "ip:port", for operators */
    uint64_t stream;
    int64_t now;      /* unix seconds */
};
/* Records an agent's HELLO (commits) and returns the highest committed
 * sequence of its stream in *last_seq (0 when the stream is new). */
int storage_hello(struct storage *st, const struct storage_hello *h,
                  uint64_t *last_seq);

/* Group commit: storage_begin, any number of storage_batch, storage_commit
 * (or storage_rollback). Acks may be sent only after storage_commit
 * returned 0. */
int  storage_begin(struct storage *st);
int  storage_commit(struct storage *st);
void storage_rollback(struct storage *st);

enum storage_batch_result {
    STORAGE_STORED = 1,
    STORAGE_DUPLICATE = 2, /* seq at or below the stream's last: not stored */
};
/* Stores one BATCH payload for (agent_id, school) inside the open
 * transaction; all of the batch or none of it. prev_seq is the seq of the
 * batch the agent sent before it on the same connection: if that one is
 * not stored (it failed), this one is refused with -EAGAIN, so a failed
 * batch can never be skipped over and lost. Returns STORAGE_STORED or
 * STORAGE_DUPLICATE with *ack_seq set to the stream's highest sequence,
 * -EPROTO with *why set when the content is malformed (nothing stored;
 * the connection should be closed), -EAGAIN, or -EIO / -ENOSPC. */
int storage_batch(struct storage *st, const char *agent_id,
                  const char *school, const uint8_t *payload, size_t len,
                  uint64_t prev_seq, int64_t now, uint64_t *stream,
                  uint64_t *ack_seq, const char **why);

/* One stored class minute, as `query` prints it. */
struct storage_class_row {
    const char *school;
    const char *class_id;
    int64_t minute;
    uint64_t bytes_up, bytes_down, pkts_up, pkts_down;
    uint64_t peak_up_bps, peak_down_bps;
    uint32_t devices;
};
typedef int (*storage_class_cb)(void *arg, const struct storage_class_row *r);
enum storage_order {
    STORAGE_BY_MINUTE, /* school, minute, class: `query`, per-minute sums */
    STORAGE_BY_CLASS,  /* school, class, minute: per-class day figures */
};
/* Calls cb for every stored class minute of school (NULL: all) with
 * from <= minute < to, in the order asked. Strings are valid during the
 * callback. A non-zero return from cb stops the walk and is returned;
 * -EIO on a store error (logged). */
int storage_each_class_minute(struct storage *st, const char *school,
                              int64_t from, int64_t to,
                              enum storage_order order, storage_class_cb cb,
                              void *arg);

typedef int (*storage_capture_cb)(void *arg, int64_t minute,
                                  int64_t egress_bytes);
/* Calls cb for every capture-completeness row of school with
 * from <= minute < to: one per capture source and minute, in any order
 * (a minute the agent reported, even without traffic). egress_bytes is 0
 * when unknown. Same returns as storage_each_class_minute. */
int storage_each_capture_minute(struct storage *st, const char *school,
                                int64_t from, int64_t to,
                                storage_capture_cb cb, void *arg);

#endif /* STORAGE_H */
