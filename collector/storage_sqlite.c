/* storage_sqlite: SQLite backend of storage.h (and storage_sqlite.h). Every statement is prepared once at
 * open and bound per use; nothing formats SQL text from data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "storage.h"
#include "storage_sqlite.h"
#include "storage_sqlite_probe.h"
#include "storage_sqlite_snmp.h"
#include "wire.h"
#include "wire_probe.h"

struct storage {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *agent_upsert;
    sqlite3_stmt *stream_get;
    sqlite3_stmt *stream_put;
    sqlite3_stmt *ins_class;
    sqlite3_stmt *ins_capture;
    sqlite3_stmt *ins_status;
    sqlite3_stmt *mark_dirty;
    int64_t dirty_hour;     /* last hour marked in this batch; -1: none */
    time_t full_logged;     /* last "disk full" message */
};

/* A full disk fails every batch of every agent: say so once per 10 s. */
static int
full_quiet(struct storage *st)
{
    time_t now = time(NULL);

    if (sqlite3_errcode(st->db) != SQLITE_FULL)
        return 0;
    if (now - st->full_logged < 10)
        return 1;
    st->full_logged = now;
    return 0;
}

static int
db_err(struct storage *st, const char *what)
{
    int code = sqlite3_errcode(st->db);

    if (!full_quiet(st))
        log_warnx("storage: %s: %s: %s", st->path, what,
                  sqlite3_errmsg(st->db));
    return code == SQLITE_FULL ? -ENOSPC : -EIO;
}

static int
exec(struct storage *st, const char *sql)
{
    /* Logged here, not by the helper: a full disk is said once per 10 s
     * and the message names the file. */
    if (storage_sqlite_exec(st->db, sql, NULL) != 0) {
        if (!full_quiet(st))
            log_warnx("storage: %s: %s", st->path, sqlite3_errmsg(st->db));
        return sqlite3_errcode(st->db) == SQLITE_FULL ? -ENOSPC : -EIO;
    }
    return 0;
}

static int
user_version(struct storage *st, int *v)
{
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(st->db, "PRAGMA user_version", &s, NULL) != 0)
        return db_err(st, "user_version");
    rc = sqlite3_step(s);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -EIO;
}

/* Each migration runs in its own transaction together with the version
 * bump, so a crash mid-migration leaves the previous version intact. */
static int
migrate(struct storage *st)
{
    const struct schema_migration *m;
    char pragma[64];
    int cur = 0, rc;

    if ((rc = user_version(st, &cur)) != 0)
        return rc;
    for (m = schema_migrations; m->name != NULL; m++) {
        if (m->version <= cur)
            continue;
        if ((rc = exec(st, "BEGIN IMMEDIATE")) != 0)
            return rc;
        if ((rc = exec(st, m->sql)) != 0) {
            log_warnx("storage: migration %s failed", m->name);
            exec(st, "ROLLBACK");
            return rc;
        }
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
                 m->version);
        if ((rc = exec(st, pragma)) != 0 || (rc = exec(st, "COMMIT")) != 0) {
            exec(st, "ROLLBACK");
            return rc;
        }
        log_info("storage: applied migration %s", m->name);
    }
    return 0;
}

/* Not storage_sqlite_prep: these live as long as st (persistent) and a
 * failure goes through db_err (file name, -ENOSPC). */
static int
prepare(struct storage *st, sqlite3_stmt **s, const char *sql)
{
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
                           NULL) != SQLITE_OK)
        return db_err(st, "prepare");
    return 0;
}

static int
prepare_all(struct storage *st)
{
    int rc;

    if ((rc = prepare(st, &st->agent_upsert,
             "INSERT INTO agents (agent_id, school, version, boot_id, peer,"
             " first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
             " ON CONFLICT (agent_id) DO UPDATE SET school = ?2,"
             " version = ?3, boot_id = ?4, peer = ?5, last_seen = ?6")) != 0)
        return rc;
    if ((rc = prepare(st, &st->stream_get,
             "SELECT last_seq FROM streams WHERE agent_id = ?1 AND "
             "stream = ?2")) != 0)
        return rc;
    if ((rc = prepare(st, &st->stream_put,
             "INSERT INTO streams (agent_id, stream, last_seq, batches, "
             "updated) VALUES (?1, ?2, ?3, 1, ?4) ON CONFLICT (agent_id, "
             "stream) DO UPDATE SET last_seq = ?3, batches = batches + 1, "
             "updated = ?4")) != 0)
        return rc;
    if ((rc = prepare(st, &st->ins_class,
             "INSERT INTO class_minute (minute, school, class, bytes_up, "
             "bytes_down, pkts_up, pkts_down, peak_up_bps, peak_down_bps, "
             "devices, agent_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)")) != 0)
        return rc;
    if ((rc = prepare(st, &st->mark_dirty,
             "INSERT OR IGNORE INTO rollup_dirty (school, hour) "
             "VALUES (?1, ?2)")) != 0)
        return rc;
    if ((rc = prepare(st, &st->ins_status,
             "INSERT INTO agent_status (minute, school, agent_id, "
             "backlog_batches, dropped_batches, dropped_rows, uptime_s) "
             "VALUES (?,?,?,?,?,?,?)")) != 0)
        return rc;
    return prepare(st, &st->ins_capture,
             "INSERT INTO capture_minute (minute, school, agent_id, source, "
             "pkts_seen, pcap_recv, pcap_drop, pcap_ifdrop, if_pkts, "
             "if_bytes, egress_bytes, unclassified_pkts, unclassified_bytes)"
             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
}

static int
open_common(const char *path, int flags, struct storage **out)
{
    struct storage *st;
    int rc;

    *out = NULL;
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        return -ENOMEM;
    st->path = strdup(path);
    if (st->path == NULL) {
        free(st);
        return -ENOMEM;
    }
    rc = sqlite3_open_v2(path, &st->db, flags, NULL);
    if (rc != SQLITE_OK) {
        log_warnx("storage: open %s: %s", path,
                  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        storage_close(st);
        return -EIO;
    }
    /* The rollup thread and the CLI write too; the writer must wait for
     * them rather than fail a batch (which the agent would only resend). */
    sqlite3_busy_timeout(st->db, 60000);
    sqlite3_extended_result_codes(st->db, 0);
    *out = st;
    return 0;
}

int
storage_open(const char *path, struct storage **out)
{
    struct storage *st;
    int rc;

    rc = open_common(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                               SQLITE_OPEN_NOMUTEX, &st);
    if (rc != 0)
        return rc;
    if ((rc = exec(st, "PRAGMA journal_mode = WAL")) != 0 ||
        (rc = exec(st, "PRAGMA synchronous = NORMAL")) != 0 ||
        (rc = exec(st, "PRAGMA foreign_keys = ON")) != 0 ||
        (rc = migrate(st)) != 0 || (rc = prepare_all(st)) != 0) {
        storage_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

int
storage_open_ro(const char *path, struct storage **out)
{
    return open_common(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                       out);
}

void
storage_close(struct storage *st)
{
    if (st == NULL)
        return;
    sqlite3_finalize(st->agent_upsert);
    sqlite3_finalize(st->stream_get);
    sqlite3_finalize(st->stream_put);
    sqlite3_finalize(st->ins_class);
    sqlite3_finalize(st->ins_capture);
    sqlite3_finalize(st->ins_status);
    sqlite3_finalize(st->mark_dirty);
    if (st->db != NULL)
        store_snmp_finalize(st->db);
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

sqlite3 *
storage_db(struct storage *st)
{
    return st->db;
}

int
storage_sqlite_prep(sqlite3 *db, const char *sql, sqlite3_stmt **s,
                    const char *what)
{
    if (sqlite3_prepare_v2(db, sql, -1, s, NULL) != SQLITE_OK) {
        if (what != NULL)
            log_warnx("%s: %s", what, sqlite3_errmsg(db));
        sqlite3_finalize(*s);
        *s = NULL;
        return -EIO;
    }
    return 0;
}

int
storage_sqlite_exec(sqlite3 *db, const char *sql, const char *what)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (what != NULL)
            log_warnx("%s: %s", what, msg ? msg : "error");
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

int
storage_sqlite_walk_end(sqlite3_stmt *s, int step, int cbrc)
{
    sqlite3_finalize(s);
    if (cbrc != 0)
        return cbrc;
    return step == SQLITE_DONE ? 0 : -EIO;
}

const char *
storage_sqlite_text(sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return NULL;
    return (const char *)sqlite3_column_text(s, i);
}

int
storage_sqlite_is_null(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL;
}

int
storage_sqlite_has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *s;
    int r;

    if (storage_sqlite_prep(db,
                            "SELECT 1 FROM sqlite_master WHERE "
                            "type = 'table' AND name = ?1",
                            &s, NULL) != 0)
        return 0;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    r = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return r;
}

void
storage_sqlite_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int
step_done(struct storage *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return db_err(st, what);
    return 0;
}

/* Counters travel as u64; SQLite stores i64. WIRE_UNKNOWN becomes NULL,
 * and anything else at or above 2^63 is not a real measurement. */
static int
bind_u64(sqlite3_stmt *s, int i, uint64_t v, int nullable)
{
    if (v == WIRE_UNKNOWN && nullable)
        return sqlite3_bind_null(s, i);
    if (v > (uint64_t)INT64_MAX)
        return -1;
    return sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static int
get_last_seq(struct storage *st, const char *agent_id, uint64_t stream,
             uint64_t *last)
{
    sqlite3_stmt *s = st->stream_get;
    int rc;

    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)stream);
    rc = sqlite3_step(s);
    *last = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(st, "stream lookup");
    return 0;
}

int
storage_hello(struct storage *st, const struct storage_hello *h,
              uint64_t *last_seq)
{
    sqlite3_stmt *s = st->agent_upsert;
    int rc;

    if ((rc = exec(st, "BEGIN IMMEDIATE")) != 0)
        return rc;
    sqlite3_bind_text(s, 1, h->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, h->school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, h->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, h->boot_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, h->peer, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, h->now);
    if ((rc = step_done(st, s, "agent upsert")) != 0 ||
        (rc = get_last_seq(st, h->agent_id, h->stream, last_seq)) != 0 ||
        (rc = exec(st, "COMMIT")) != 0) {
        storage_rollback(st);
        return rc;
    }
    return 0;
}

int
storage_begin(struct storage *st)
{
    return exec(st, "BEGIN IMMEDIATE");
}

int
storage_commit(struct storage *st)
{
    return exec(st, "COMMIT");
}

void
storage_rollback(struct storage *st)
{
    if (!sqlite3_get_autocommit(st->db))
        exec(st, "ROLLBACK");
}

/* The rollup thread recomputes the hours this marks (rollup.c). A batch
 * is mostly one minute, so remembering the last hour saves the repeats. */
static int
mark_dirty(struct storage *st, const char *school, int64_t minute)
{
    int64_t hour = minute - ((minute % 3600) + 3600) % 3600;

    if (hour == st->dirty_hour)
        return 0;
    st->dirty_hour = hour;
    sqlite3_bind_text(st->mark_dirty, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st->mark_dirty, 2, hour);
    return step_done(st, st->mark_dirty, "mark rollup");
}

static int
put_class(struct storage *st, const char *agent_id, const char *school,
          struct wire_rd *body)
{
    struct wire_class_min r;
    sqlite3_stmt *s = st->ins_class;

    if (wire_class_min_decode(body, &r) != 0)
        return -EPROTO;
    sqlite3_bind_int64(s, 1, r.minute);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r.class_id, -1, SQLITE_TRANSIENT);
    if (bind_u64(s, 4, r.bytes_up, 0) || bind_u64(s, 5, r.bytes_down, 0) ||
        bind_u64(s, 6, r.pkts_up, 0) || bind_u64(s, 7, r.pkts_down, 0) ||
        bind_u64(s, 8, r.peak_up_bps, 0) ||
        bind_u64(s, 9, r.peak_down_bps, 0)) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return -EPROTO;
    }
    sqlite3_bind_int64(s, 10, r.devices);
    sqlite3_bind_text(s, 11, agent_id, -1, SQLITE_STATIC);
    if (step_done(st, s, "insert class_minute") != 0)
        return -EIO;
    return mark_dirty(st, school, r.minute);
}

static int
put_capture(struct storage *st, const char *agent_id, const char *school,
            struct wire_rd *body)
{
    struct wire_capture_min r;
    sqlite3_stmt *s = st->ins_capture;

    if (wire_capture_min_decode(body, &r) != 0)
        return -EPROTO;
    sqlite3_bind_int64(s, 1, r.minute);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r.source, -1, SQLITE_TRANSIENT);
    if (bind_u64(s, 5, r.pkts_seen, 0) || bind_u64(s, 6, r.pcap_recv, 1) ||
        bind_u64(s, 7, r.pcap_drop, 1) || bind_u64(s, 8, r.pcap_ifdrop, 1) ||
        bind_u64(s, 9, r.if_pkts, 1) || bind_u64(s, 10, r.if_bytes, 1) ||
        bind_u64(s, 11, r.egress_bytes, 0) ||
        bind_u64(s, 12, r.unclassified_pkts, 0) ||
        bind_u64(s, 13, r.unclassified_bytes, 0)) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return -EPROTO;
    }
    if (step_done(st, s, "insert capture_minute") != 0)
        return -EIO;
    return mark_dirty(st, school, r.minute);
}

static int
put_status(struct storage *st, const char *agent_id, const char *school,
           struct wire_rd *body)
{
    struct wire_agent_status r;
    sqlite3_stmt *s = st->ins_status;

    if (wire_agent_status_decode(body, &r) != 0)
        return -EPROTO;
    sqlite3_bind_int64(s, 1, r.minute);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, agent_id, -1, SQLITE_STATIC);
    if (bind_u64(s, 4, r.backlog_batches, 0) ||
        bind_u64(s, 5, r.dropped_batches, 0) ||
        bind_u64(s, 6, r.dropped_rows, 0) || bind_u64(s, 7, r.uptime_s, 0)) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return -EPROTO;
    }
    return step_done(st, s, "insert agent_status");
}

typedef int (*rec_fn)(struct storage *, const char *, const char *,
                      struct wire_rd *);
/* Modules with record types of their own store them through the raw
 * handle, in the batch's transaction: (db, school, agent_id, type, body). */
typedef int (*ext_fn)(sqlite3 *, const char *, const char *, uint8_t,
                      struct wire_rd *);

/* Record type -> handler. Modules that add record types add a row here. */
static const struct {
    uint8_t type;
    rec_fn fn;
} rec_handlers[] = {
    {WIRE_REC_CLASS_MIN, put_class},
    {WIRE_REC_CAPTURE_MIN, put_capture},
    {WIRE_REC_AGENT_STATUS, put_status},
};

/* Record type ranges owned by other modules. */
static const struct {
    uint8_t lo, hi;
    ext_fn fn;
} ext_handlers[] = {
    {STORE_SNMP_REC_LO, STORE_SNMP_REC_HI, store_snmp_record},
    {WIRE_REC_PROBE_FIRST, WIRE_REC_PROBE_LAST, store_probe_record},
};

static rec_fn
rec_lookup(uint8_t type)
{
    size_t i;

    for (i = 0; i < sizeof(rec_handlers) / sizeof(rec_handlers[0]); i++)
        if (rec_handlers[i].type == type)
            return rec_handlers[i].fn;
    return NULL;
}

static ext_fn
ext_lookup(uint8_t type)
{
    size_t i;

    for (i = 0; i < sizeof(ext_handlers) / sizeof(ext_handlers[0]); i++)
        if (ext_handlers[i].fn != NULL && type >= ext_handlers[i].lo &&
            type <= ext_handlers[i].hi)
            return ext_handlers[i].fn;
    return NULL;
}

int
storage_batch(struct storage *st, const char *agent_id, const char *school,
              const uint8_t *payload, size_t len, uint64_t prev_seq,
              int64_t now, uint64_t *stream, uint64_t *ack_seq,
              const char **why)
{
    struct wire_batch_it it;
    struct wire_rd body;
    uint64_t last;
    uint8_t rtype;
    rec_fn fn;
    ext_fn efn;
    sqlite3_stmt *s;
    int rc, more;

    if (wire_batch_open(payload, len, &it) != 0) {
        *why = "malformed BATCH header";
        return -EPROTO;
    }
    *stream = it.stream;
    if ((rc = get_last_seq(st, agent_id, it.stream, &last)) != 0)
        return rc;
    if (it.seq <= last) {
        *ack_seq = last;
        return STORAGE_DUPLICATE;
    }
    if (prev_seq > last) {
        /* the batch before this one on the connection was not stored */
        *why = "an earlier batch of this connection was not stored";
        return -EAGAIN;
    }
    st->dirty_hour = -1;
    /* A savepoint makes the batch all-or-nothing inside the group commit. */
    if ((rc = exec(st, "SAVEPOINT batch")) != 0)
        return rc;
    while ((more = wire_batch_next(&it, &rtype, &body)) == 1) {
        fn = rec_lookup(rtype);
        if (fn != NULL) {
            rc = fn(st, agent_id, school, &body);
        } else if ((efn = ext_lookup(rtype)) != NULL) {
            rc = efn(st->db, school, agent_id, rtype, &body);
        } else {
            *why = "unknown record type in BATCH";
            rc = -EPROTO;
            break;
        }
        if (rc != 0) {
            if (rc == -EPROTO)
                *why = "malformed record in BATCH";
            break;
        }
    }
    if (rc == 0 && more < 0) {
        *why = "BATCH record list does not match its length or count";
        rc = -EPROTO;
    }
    if (rc == 0) {
        s = st->stream_put;
        sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)it.stream);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)it.seq);
        sqlite3_bind_int64(s, 4, now);
        rc = step_done(st, s, "stream update");
    }
    if (rc != 0) {
        exec(st, "ROLLBACK TO batch");
        exec(st, "RELEASE batch");
        return rc;
    }
    if ((rc = exec(st, "RELEASE batch")) != 0)
        return rc;
    *ack_seq = it.seq;
    return STORAGE_STORED;
}

int
storage_each_class_minute(struct storage *st, const char *school,
                          int64_t from, int64_t to, enum storage_order order,
                          storage_class_cb cb, void *arg)
{
    static const char *const sql[] = {
        [STORAGE_BY_MINUTE] = "SELECT school, class, minute, bytes_up, "
            "bytes_down, pkts_up, pkts_down, peak_up_bps, peak_down_bps, "
            "devices FROM class_minute WHERE (?1 IS NULL OR school = ?1) "
            "AND minute >= ?2 AND minute < ?3 ORDER BY school, minute, class",
        [STORAGE_BY_CLASS] = "SELECT school, class, minute, bytes_up, "
            "bytes_down, pkts_up, pkts_down, peak_up_bps, peak_down_bps, "
            "devices FROM class_minute WHERE (?1 IS NULL OR school = ?1) "
            "AND minute >= ?2 AND minute < ?3 ORDER BY school, class, minute",
    };
    sqlite3_stmt *s;
    struct storage_class_row r;
    int rc, step = SQLITE_DONE;

    if (storage_sqlite_prep(st->db, sql[order == STORAGE_BY_CLASS], &s,
                            NULL) != 0)
        return db_err(st, "class minutes");
    if (school != NULL)
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    rc = 0;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
        r.school = storage_sqlite_text(s, 0);
        r.class_id = storage_sqlite_text(s, 1);
        r.minute = sqlite3_column_int64(s, 2);
        r.bytes_up = (uint64_t)sqlite3_column_int64(s, 3);
        r.bytes_down = (uint64_t)sqlite3_column_int64(s, 4);
        r.pkts_up = (uint64_t)sqlite3_column_int64(s, 5);
        r.pkts_down = (uint64_t)sqlite3_column_int64(s, 6);
        r.peak_up_bps = (uint64_t)sqlite3_column_int64(s, 7);
        r.peak_down_bps = (uint64_t)sqlite3_column_int64(s, 8);
        r.devices = (uint32_t)sqlite3_column_int64(s, 9);
        rc = cb(arg, &r);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_err(st, "class minutes");
    sqlite3_finalize(s);
    return rc;
}

int
storage_each_capture_minute(struct storage *st, const char *school,
                            int64_t from, int64_t to, storage_capture_cb cb,
                            void *arg)
{
    sqlite3_stmt *s;
    int rc, step = SQLITE_DONE;

    if (storage_sqlite_prep(st->db,
                            "SELECT minute, egress_bytes FROM "
                            "capture_minute WHERE school = ?1 AND minute >= "
                            "?2 AND minute < ?3",
                            &s, NULL) != 0)
        return db_err(st, "capture minutes");
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    rc = 0;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
        rc = cb(arg, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_err(st, "capture minutes");
    sqlite3_finalize(s);
    return rc;
}
