/* storage_sqlite_api: SQLite backend of storage_api.h, on the connection
 * of a struct storage (storage_db). Statements are prepared per call and
 * bound by parameter name; nothing formats SQL text from data. The
 * connection reports primary result codes (storage_sqlite.c turns
 * extended codes off), so SQLITE_BUSY etc. compare directly. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "storage.h"
#include "storage_sqlite.h"
#include "storage_api.h"

static sqlite3 *
db_of(struct storage *st)
{
    return storage_db(st);
}

/* An interrupted query (cancelled by the progress handler) or a busy
 * store is worth retrying later; anything else is an error. */
static int
map_rc(int rc)
{
    if (rc == SQLITE_INTERRUPT || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return -EAGAIN;
    return -EIO;
}

/* prep and finish are the shared helpers plus map_rc: the API answers a
 * busy or interrupted read with 503 (-EAGAIN), the other backend files
 * see -EIO for every failure. */
static int
prep(struct storage *st, const char *sql, sqlite3_stmt **s)
{
    if (storage_sqlite_prep(db_of(st), sql, s, NULL) != 0)
        return map_rc(sqlite3_errcode(db_of(st)));
    return 0;
}

/* Finalizes s after a walk that ended with step result rc, or with a
 * callback's non-zero cbrc. */
static int
finish(sqlite3_stmt *s, int rc, int cbrc)
{
    int r = storage_sqlite_walk_end(s, rc, cbrc);

    return r != 0 && cbrc == 0 ? map_rc(rc) : r;
}

/* Binds by parameter name (":school"): the API's statements name their
 * parameters, and a statement without that name leaves it unbound. */
static void
bind_text(sqlite3_stmt *s, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(s, name);

    if (i > 0)
        storage_sqlite_bind_text(s, i, v);
}

static void
bind_int(sqlite3_stmt *s, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(s, name);

    if (i > 0)
        sqlite3_bind_int64(s, i, v);
}

static int64_t
i64(sqlite3_stmt *s, int i)
{
    return (int64_t)sqlite3_column_int64(s, i);
}

static struct storage_api_int
opt(sqlite3_stmt *s, int i)
{
    struct storage_api_int v = {0, 1};

    if (!storage_sqlite_is_null(s, i)) {
        v.v = i64(s, i);
        v.null = 0;
    }
    return v;
}

/* ------------------------------------------------------------------ */
/* the store itself                                                     */

static int
has_tables(struct storage *st, const char *const *names)
{
    for (; *names != NULL; names++)
        if (!storage_sqlite_has_table(db_of(st), *names))
            return 0;
    return 1;
}

int
storage_api_has(struct storage *st, enum storage_api_feature f)
{
    static const char *const registry[] = {"schools", NULL};
    static const char *const classes[] = {"classes", NULL};
    static const char *const calendar[] = {"calendar", NULL};
    static const char *const packs[] = {"packs", "pack_rules", NULL};
    static const char *const evals[] = {
        "evaluations", "evaluation_rule", "evaluation_school", NULL,
    };
    static const char *const status[] = {"agent_status", NULL};

    switch (f) {
    case STORAGE_API_REGISTRY:
        return has_tables(st, registry);
    case STORAGE_API_CLASS_NAMES:
        return has_tables(st, classes);
    case STORAGE_API_CALENDAR:
        return has_tables(st, calendar);
    case STORAGE_API_PACKS:
        return has_tables(st, packs);
    case STORAGE_API_EVALUATIONS:
        return has_tables(st, evals);
    case STORAGE_API_AGENT_STATUS:
        return has_tables(st, status);
    }
    return 0;
}

int
storage_api_schema_version(struct storage *st, int64_t *version)
{
    sqlite3_stmt *s;
    int rc;

    *version = 0;
    if ((rc = prep(st, "PRAGMA user_version", &s)) != 0)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW)
        *version = i64(s, 0);
    sqlite3_finalize(s);
    return 0;
}

const char *
storage_api_errmsg(struct storage *st)
{
    return sqlite3_errmsg(db_of(st));
}

void
storage_api_set_cancel(struct storage *st, storage_api_cancel_fn check,
                       void *arg)
{
    sqlite3_progress_handler(db_of(st), check ? 10000 : 0, check, arg);
}

int
storage_api_read_begin(struct storage *st)
{
    return storage_sqlite_exec(db_of(st), "BEGIN", NULL);
}

void
storage_api_read_end(struct storage *st)
{
    storage_sqlite_exec(db_of(st), "COMMIT", NULL);
}

/* ------------------------------------------------------------------ */
/* schools                                                              */

#define SCHOOL_COLS \
    "code, name, district, region, type, students, teachers, classes," \
    " contracted_kbps, declared_student_computers," \
    " declared_teacher_computers, updated"

static void
school_row(sqlite3_stmt *s, struct storage_api_school *r)
{
    memset(r, 0, sizeof(*r));
    r->code = storage_sqlite_text(s, 0);
    r->name = storage_sqlite_text(s, 1);
    r->district = storage_sqlite_text(s, 2);
    r->region = storage_sqlite_text(s, 3);
    r->type = storage_sqlite_text(s, 4);
    r->students = opt(s, 5);
    r->teachers = opt(s, 6);
    r->classes = opt(s, 7);
    r->contracted_kbps = opt(s, 8);
    r->declared_student_computers = opt(s, 9);
    r->declared_teacher_computers = opt(s, 10);
    r->updated = opt(s, 11);
    r->last_seen.null = 1;
}

/* Agents have no index on school: their latest contact per school comes
 * from one grouped pass. */
static const char schools_reg[] =
    "WITH ag AS (SELECT school, MAX(last_seen) AS last_seen FROM agents"
    "  GROUP BY school),"
    " s0 AS (SELECT " SCHOOL_COLS ", 1 AS registered FROM schools"
    "  UNION ALL"
    "  SELECT school, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "   NULL, NULL, 0 FROM ag WHERE school NOT IN (SELECT code FROM schools))"
    " SELECT s0.*, ag.last_seen FROM s0 LEFT JOIN ag ON ag.school = s0.code"
    " ORDER BY s0.code";
static const char schools_noreg[] =
    "SELECT school, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL, 0, MAX(last_seen) FROM agents GROUP BY school"
    " ORDER BY school";

int
storage_api_each_school(struct storage *st, storage_api_school_cb cb,
                        void *arg)
{
    struct storage_api_school r;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, storage_api_has(st, STORAGE_API_REGISTRY) ?
                   schools_reg : schools_noreg, &s)) != 0)
        return rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        school_row(s, &r);
        r.registered = sqlite3_column_int(s, 12);
        r.last_seen = opt(s, 13);
        if ((cbrc = cb(arg, &r)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_school(struct storage *st, const char *code,
                   storage_api_school_cb cb, void *arg)
{
    struct storage_api_school r;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, "SELECT " SCHOOL_COLS " FROM schools"
                       " WHERE code = :code", &s)) != 0)
        return rc;
    bind_text(s, ":code", code);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        school_row(s, &r);
        r.registered = 1;
        cbrc = cb(arg, &r);
        rc = SQLITE_DONE;
    } else if (rc == SQLITE_DONE) {
        sqlite3_finalize(s);
        return -ENOENT;
    }
    return finish(s, rc, cbrc);
}

/* ------------------------------------------------------------------ */
/* class minutes                                                        */

int
storage_api_last_minute(struct storage *st, const char *school,
                        int64_t *minute)
{
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT MAX(minute) FROM class_minute"
                       " WHERE school = :school", &s)) != 0)
        return rc;
    bind_text(s, ":school", school);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        rc = storage_sqlite_is_null(s, 0) ? -ENOENT : 0;
        *minute = i64(s, 0);
        sqlite3_finalize(s);
        return rc;
    }
    return finish(s, rc, 0);
}

int
storage_api_minute_classes(struct storage *st, const char *school,
                           int64_t minute, storage_api_class_minute_cb cb,
                           void *arg)
{
    struct storage_api_class_minute c;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    rc = prep(st, storage_api_has(st, STORAGE_API_CLASS_NAMES) ?
        "SELECT m.class, c.name, c.kind, SUM(bytes_up), SUM(bytes_down),"
        " SUM(pkts_up), SUM(pkts_down), MAX(peak_up_bps),"
        " MAX(peak_down_bps), SUM(devices)"
        " FROM class_minute m LEFT JOIN classes c ON c.school = m.school"
        " AND c.class = m.class"
        " WHERE m.school = :school AND m.minute = :minute"
        " GROUP BY m.class ORDER BY m.class" :
        "SELECT class, NULL, NULL, SUM(bytes_up), SUM(bytes_down),"
        " SUM(pkts_up), SUM(pkts_down), MAX(peak_up_bps),"
        " MAX(peak_down_bps), SUM(devices) FROM class_minute"
        " WHERE school = :school AND minute = :minute"
        " GROUP BY class ORDER BY class", &s);
    if (rc != 0)
        return rc;
    bind_text(s, ":school", school);
    bind_int(s, ":minute", minute);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        c.class_id = storage_sqlite_text(s, 0);
        c.name = storage_sqlite_text(s, 1);
        c.kind = storage_sqlite_text(s, 2);
        c.bytes_up = i64(s, 3);
        c.bytes_down = i64(s, 4);
        c.pkts_up = i64(s, 5);
        c.pkts_down = i64(s, 6);
        c.peak_up_bps = i64(s, 7);
        c.peak_down_bps = i64(s, 8);
        c.devices = i64(s, 9);
        if ((cbrc = cb(arg, &c)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

static void
bind_range(sqlite3_stmt *s, const char *school, int64_t from, int64_t to,
           int64_t width)
{
    bind_text(s, ":school", school);
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    bind_int(s, ":w", width);
}

int
storage_api_class_buckets(struct storage *st, const char *school,
                          int64_t from, int64_t to, int64_t width,
                          storage_api_class_bucket_cb cb, void *arg)
{
    struct storage_api_class_bucket b;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    rc = prep(st, storage_api_has(st, STORAGE_API_CLASS_NAMES) ?
        "SELECT m.class, (m.minute - :from) / :w AS b, SUM(bytes_up),"
        " SUM(bytes_down), MAX(peak_up_bps), MAX(peak_down_bps),"
        " MAX(devices), COUNT(*),"
        " (SELECT name FROM classes c WHERE c.school = m.school"
        "  AND c.class = m.class),"
        " (SELECT kind FROM classes c WHERE c.school = m.school"
        "  AND c.class = m.class)"
        " FROM class_minute m"
        " WHERE m.school = :school AND m.minute >= :from"
        " AND m.minute < :to GROUP BY m.class, b ORDER BY m.class, b" :
        "SELECT m.class, (m.minute - :from) / :w AS b, SUM(bytes_up),"
        " SUM(bytes_down), MAX(peak_up_bps), MAX(peak_down_bps),"
        " MAX(devices), COUNT(*), NULL, NULL FROM class_minute m"
        " WHERE m.school = :school AND m.minute >= :from"
        " AND m.minute < :to GROUP BY m.class, b ORDER BY m.class, b", &s);
    if (rc != 0)
        return rc;
    bind_range(s, school, from, to, width);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        b.class_id = storage_sqlite_text(s, 0);
        b.bucket = i64(s, 1);
        b.bytes_up = i64(s, 2);
        b.bytes_down = i64(s, 3);
        b.peak_up_bps = i64(s, 4);
        b.peak_down_bps = i64(s, 5);
        b.devices_max = i64(s, 6);
        b.minutes = i64(s, 7);
        b.name = storage_sqlite_text(s, 8);
        b.kind = storage_sqlite_text(s, 9);
        if ((cbrc = cb(arg, &b)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

static int
buckets(struct storage *st, const char *sql, const char *school,
        int64_t from, int64_t to, int64_t width, storage_api_bucket_cb cb,
        void *arg)
{
    struct storage_api_bucket b;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, sql, &s)) != 0)
        return rc;
    bind_range(s, school, from, to, width);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        b.bucket = i64(s, 0);
        b.value = i64(s, 1);
        b.minutes = i64(s, 2);
        if ((cbrc = cb(arg, &b)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_school_buckets(struct storage *st, const char *school,
                           int64_t from, int64_t to, int64_t width,
                           storage_api_bucket_cb cb, void *arg)
{
    return buckets(st,
        "SELECT b, MAX(d), COUNT(*) FROM (SELECT (minute - :from)"
        " / :w AS b, SUM(devices) AS d FROM class_minute"
        " WHERE school = :school AND minute >= :from AND minute < :to"
        " GROUP BY minute) GROUP BY b", school, from, to, width, cb, arg);
}

int
storage_api_capture_buckets(struct storage *st, const char *school,
                            int64_t from, int64_t to, int64_t width,
                            storage_api_bucket_cb cb, void *arg)
{
    return buckets(st,
        "SELECT (minute - :from) / :w AS b, COUNT(DISTINCT minute),"
        " COUNT(DISTINCT minute) FROM capture_minute WHERE school = :school"
        " AND minute >= :from AND minute < :to GROUP BY b", school, from, to,
        width, cb, arg);
}

/* ------------------------------------------------------------------ */
/* agents                                                               */

int
storage_api_agent_count(struct storage *st, const char *school, int64_t *n)
{
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT COUNT(*) FROM agents WHERE"
                       " (:school IS NULL OR school = :school)", &s)) != 0)
        return rc;
    bind_text(s, ":school", school);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *n = i64(s, 0);
        rc = SQLITE_DONE;
    }
    return finish(s, rc, 0);
}

int
storage_api_each_agent(struct storage *st, const char *school, int64_t limit,
                       int64_t offset, storage_api_agent_cb cb, void *arg)
{
    struct storage_api_agent a;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st,
            "SELECT agent_id, school, version, boot_id, peer, first_seen,"
            " last_seen, (SELECT COALESCE(SUM(batches), 0) FROM streams x"
            "  WHERE x.agent_id = a.agent_id)"
            " FROM agents a WHERE (:school IS NULL OR school = :school)"
            " ORDER BY school, agent_id LIMIT :limit OFFSET :offset",
            &s)) != 0)
        return rc;
    bind_text(s, ":school", school);
    bind_int(s, ":limit", limit < 0 ? -1 : limit);
    bind_int(s, ":offset", offset);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        a.agent_id = storage_sqlite_text(s, 0);
        a.school = storage_sqlite_text(s, 1);
        a.version = storage_sqlite_text(s, 2);
        a.boot_id = storage_sqlite_text(s, 3);
        a.peer = storage_sqlite_text(s, 4);
        a.first_seen = i64(s, 5);
        a.last_seen = i64(s, 6);
        a.batches = i64(s, 7);
        if ((cbrc = cb(arg, &a)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_agent_streams(struct storage *st, const char *agent_id,
                          storage_api_stream_cb cb, void *arg)
{
    struct storage_api_stream r;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, "SELECT stream, last_seq, batches, updated"
                       " FROM streams WHERE agent_id = :agent"
                       " ORDER BY stream", &s)) != 0)
        return rc;
    bind_text(s, ":agent", agent_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r.stream = i64(s, 0);
        r.last_seq = i64(s, 1);
        r.batches = i64(s, 2);
        r.updated = i64(s, 3);
        if ((cbrc = cb(arg, &r)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_agent_capture(struct storage *st, const char *school,
                          const char *agent_id, int64_t from, int64_t to,
                          struct storage_api_capture *out)
{
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st,
            "SELECT COUNT(DISTINCT minute), SUM(pkts_seen), SUM(pcap_recv),"
            " SUM(pcap_drop), SUM(pcap_ifdrop), SUM(unclassified_pkts),"
            " MAX(minute) FROM capture_minute WHERE school = :school"
            " AND minute >= :from AND minute < :to AND agent_id = :agent",
            &s)) != 0)
        return rc;
    bind_text(s, ":school", school);
    bind_text(s, ":agent", agent_id);
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        out->minutes = i64(s, 0);
        out->pkts_seen = opt(s, 1);
        out->pcap_recv = opt(s, 2);
        out->pcap_drop = opt(s, 3);
        out->pcap_ifdrop = opt(s, 4);
        out->unclassified_pkts = opt(s, 5);
        out->last_minute = opt(s, 6);
        rc = SQLITE_DONE;
    }
    return finish(s, rc, 0);
}

int
storage_api_agent_status(struct storage *st, const char *agent_id,
                         struct storage_api_agent_status *out)
{
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT minute, backlog_batches, dropped_batches,"
                       " dropped_rows, uptime_s FROM agent_status"
                       " WHERE agent_id = :agent ORDER BY minute DESC"
                       " LIMIT 1", &s)) != 0)
        return rc;
    bind_text(s, ":agent", agent_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(s);
        return -ENOENT;
    }
    if (rc == SQLITE_ROW) {
        out->minute = i64(s, 0);
        out->backlog_batches = i64(s, 1);
        out->dropped_batches = i64(s, 2);
        out->dropped_rows = i64(s, 3);
        out->uptime_s = i64(s, 4);
        rc = SQLITE_DONE;
    }
    return finish(s, rc, 0);
}

/* ------------------------------------------------------------------ */
/* packs and evaluations                                                */

int
storage_api_each_pack(struct storage *st, storage_api_pack_cb cb, void *arg)
{
    struct storage_api_pack p;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, "SELECT pack, version, title, loaded FROM packs"
                       " ORDER BY pack, loaded, version", &s)) != 0)
        return rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        p.pack = storage_sqlite_text(s, 0);
        p.version = storage_sqlite_text(s, 1);
        p.title = storage_sqlite_text(s, 2);
        p.loaded = i64(s, 3);
        if ((cbrc = cb(arg, &p)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_pack_years(struct storage *st, const char *pack,
                       const char *version, storage_api_year_cb cb,
                       void *arg)
{
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, "SELECT year, COUNT(*) FROM pack_rules"
                       " WHERE pack = :pack AND version = :version"
                       " GROUP BY year ORDER BY year", &s)) != 0)
        return rc;
    bind_text(s, ":pack", pack);
    bind_text(s, ":version", version);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((cbrc = cb(arg, i64(s, 0), i64(s, 1))) != 0)
            break;
    return finish(s, rc, cbrc);
}

#define EVAL_COLS \
    "SELECT id, pack, version, year, rules_year, district, period_from," \
    " period_to, min_days, stale_days, created FROM evaluations"

static int
eval_walk(sqlite3_stmt *s, storage_api_eval_cb cb, void *arg, int *rows)
{
    struct storage_api_eval e;
    int rc, cbrc = 0;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        e.id = i64(s, 0);
        e.pack = storage_sqlite_text(s, 1);
        e.version = storage_sqlite_text(s, 2);
        e.year = i64(s, 3);
        e.rules_year = i64(s, 4);
        e.district = storage_sqlite_text(s, 5);
        e.period_from = i64(s, 6);
        e.period_to = i64(s, 7);
        e.min_days = i64(s, 8);
        e.stale_days = i64(s, 9);
        e.created = i64(s, 10);
        (*rows)++;
        if ((cbrc = cb(arg, &e)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_each_eval(struct storage *st, const char *pack, int64_t year,
                      const char *district, int64_t limit,
                      storage_api_eval_cb cb, void *arg)
{
    sqlite3_stmt *s;
    int rc, rows = 0;

    if ((rc = prep(st, EVAL_COLS " WHERE (:pack IS NULL OR pack = :pack)"
                       " AND (:year = 0 OR year = :year)"
                       " AND (:district IS NULL OR district = :district)"
                       " ORDER BY id DESC LIMIT :limit", &s)) != 0)
        return rc;
    bind_text(s, ":pack", pack);
    bind_text(s, ":district", district);
    bind_int(s, ":year", year);
    bind_int(s, ":limit", limit);
    return eval_walk(s, cb, arg, &rows);
}

int
storage_api_eval(struct storage *st, int64_t id, storage_api_eval_cb cb,
                 void *arg)
{
    sqlite3_stmt *s;
    int rc, rows = 0;

    if ((rc = prep(st, EVAL_COLS " WHERE id = :id", &s)) != 0)
        return rc;
    bind_int(s, ":id", id);
    rc = eval_walk(s, cb, arg, &rows);
    return rc == 0 && rows == 0 ? -ENOENT : rc;
}

int
storage_api_eval_groups(struct storage *st, const char *pack, int64_t year,
                        storage_api_eval_group_cb cb, void *arg)
{
    struct storage_api_eval_group g;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, "SELECT pack, year, district, MAX(id), MAX(created)"
                       " FROM evaluations WHERE :pack IS NULL"
                       " OR (pack = :pack AND year = :year)"
                       " GROUP BY pack, year, district"
                       " ORDER BY pack, year, district", &s)) != 0)
        return rc;
    bind_text(s, ":pack", pack);
    bind_int(s, ":year", year);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        g.pack = storage_sqlite_text(s, 0);
        g.year = i64(s, 1);
        g.district = storage_sqlite_text(s, 2);
        g.max_id = i64(s, 3);
        g.max_created = i64(s, 4);
        if ((cbrc = cb(arg, &g)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_eval_rules(struct storage *st, int64_t id, const char *rule,
                       storage_api_eval_rule_cb cb, void *arg)
{
    struct storage_api_eval_rule r;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, "SELECT rule, seq, metric, op, threshold, regions,"
                       " types, in_scope, meeting, failing, undetermined,"
                       " share_num, share_den, req_num, req_den, verdict,"
                       " text FROM evaluation_rule WHERE eval_id = :id"
                       " AND (:rule IS NULL OR rule = :rule) ORDER BY seq",
                   &s)) != 0)
        return rc;
    bind_int(s, ":id", id);
    bind_text(s, ":rule", rule);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r.rule = storage_sqlite_text(s, 0);
        r.seq = i64(s, 1);
        r.metric = storage_sqlite_text(s, 2);
        r.op = storage_sqlite_text(s, 3);
        r.threshold = storage_sqlite_text(s, 4);
        r.regions = storage_sqlite_text(s, 5);
        r.types = storage_sqlite_text(s, 6);
        r.in_scope = i64(s, 7);
        r.meeting = i64(s, 8);
        r.failing = i64(s, 9);
        r.undetermined = i64(s, 10);
        r.share_num = i64(s, 11);
        r.share_den = i64(s, 12);
        r.req_num = i64(s, 13);
        r.req_den = i64(s, 14);
        r.verdict = storage_sqlite_text(s, 15);
        r.text = storage_sqlite_text(s, 16);
        if ((cbrc = cb(arg, &r)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_eval_schools(struct storage *st, int64_t id, const char *school,
                         const char *rule, storage_api_eval_school_cb cb,
                         void *arg)
{
    struct storage_api_eval_school x;
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st,
            "SELECT x.school, x.name, x.district, x.region, x.type,"
            " x.rule, x.metric, x.value, x.declared, x.status, x.days,"
            " x.school_days, x.completeness, x.source, x.note"
            " FROM evaluation_school x LEFT JOIN evaluation_rule y"
            " ON y.eval_id = x.eval_id AND y.rule = x.rule"
            " WHERE x.eval_id = :id"
            " AND (:school IS NULL OR x.school = :school)"
            " AND (:rule IS NULL OR x.rule = :rule)"
            " ORDER BY x.school, y.seq", &s)) != 0)
        return rc;
    bind_int(s, ":id", id);
    bind_text(s, ":school", school);
    bind_text(s, ":rule", rule);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        x.school = storage_sqlite_text(s, 0);
        x.name = storage_sqlite_text(s, 1);
        x.district = storage_sqlite_text(s, 2);
        x.region = storage_sqlite_text(s, 3);
        x.type = storage_sqlite_text(s, 4);
        x.rule = storage_sqlite_text(s, 5);
        x.metric = storage_sqlite_text(s, 6);
        x.value = storage_sqlite_text(s, 7);
        x.declared = storage_sqlite_text(s, 8);
        x.status = storage_sqlite_text(s, 9);
        x.days = i64(s, 10);
        x.school_days = i64(s, 11);
        x.completeness = storage_sqlite_text(s, 12);
        x.source = storage_sqlite_text(s, 13);
        x.note = storage_sqlite_text(s, 14);
        if ((cbrc = cb(arg, &x)) != 0)
            break;
    }
    return finish(s, rc, cbrc);
}

int
storage_api_eval_statuses(struct storage *st, int64_t id,
                          storage_api_status_cb cb, void *arg)
{
    sqlite3_stmt *s;
    int rc, cbrc = 0;

    if ((rc = prep(st, "SELECT school, rule, status FROM evaluation_school"
                       " WHERE eval_id = :id ORDER BY school, rule",
                   &s)) != 0)
        return rc;
    bind_int(s, ":id", id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((cbrc = cb(arg, storage_sqlite_text(s, 0),
                       storage_sqlite_text(s, 1), storage_sqlite_text(s, 2))) !=
            0)
            break;
    return finish(s, rc, cbrc);
}
