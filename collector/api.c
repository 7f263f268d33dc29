/* api: see api.h. Every handler builds a jansson tree from bound SQL
 * statements (never from text pasted into SQL) and the router turns it into
 * the response. Rows are turned into objects column by column, with the
 * SQL column names as JSON keys, so that docs/openapi.yaml, the SQL here
 * and the answers say the same thing. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "api.h"
#include "calendar.h"
#include "metrics.h"
#if __has_include("report.h")
#include "evaluate.h"
#include "report.h"
#define API_HAVE_REPORT 1
#endif
#include "storage.h"
#include "storage_api.h"

#define API_MAX_LIMIT 1000
#define API_DEFAULT_LIMIT 100

/* A failed request: status and message, carried up to the router. */
struct api_err {
    int status;
    char msg[200];
};

struct req {
    struct storage *st;
    sqlite3 *db;
    api_arg_fn arg;
    void *ctx;
    int64_t now;
    struct api_err err;
};

static json_t *
fail(struct req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
fail(struct req *r, int status, const char *fmt, ...)
{
    va_list ap;

    r->err.status = status;
    va_start(ap, fmt);
    vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
    va_end(ap);
    return NULL;
}

/* Maps a SQLite failure to a status: an interrupted query (over the
 * request's time budget) or a busy store is 503, anything else 500. */
static json_t *
fail_sql(struct req *r, int rc)
{
    if (rc == SQLITE_INTERRUPT || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return fail(r, 503, "store busy or query over its time budget");
    return fail(r, 500, "store error: %s", sqlite3_errmsg(r->db));
}

/* ------------------------------------------------------------------ */
/* arguments                                                            */

static const char *
arg_str(struct req *r, const char *key)
{
    const char *v = r->arg(r->ctx, key);

    return v != NULL && *v != '\0' ? v : NULL;
}

/* Integer argument in [min, max]; def when absent. 0, or -1 with r->err
 * set (400). */
static int
arg_int(struct req *r, const char *key, long long def, long long min,
        long long max, long long *out)
{
    const char *v = arg_str(r, key);
    char *end;
    long long x;

    if (v == NULL) {
        *out = def;
        return 0;
    }
    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || x < min || x > max) {
        fail(r, 400, "bad %s \"%.40s\": an integer from %lld to %lld", key,
             v, min, max);
        return -1;
    }
    *out = x;
    return 0;
}

/* Time argument: unix seconds or YYYY-MM-DD (UTC midnight). */
static int
arg_time(struct req *r, const char *key, int64_t def, int64_t *out)
{
    const char *v = arg_str(r, key);
    char *end;
    int y, m, d, n = 0;

    if (v == NULL) {
        *out = def;
        return 0;
    }
    if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && v[n] == '\0' &&
        m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 1970) {
        *out = calendar_civil_day(y, m, d) * 86400;
        return 0;
    }
    errno = 0;
    *out = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || *out < 0) {
        fail(r, 400, "bad %s \"%.40s\": unix seconds or YYYY-MM-DD", key, v);
        return -1;
    }
    return 0;
}

/* School codes and pack names are identifiers ([A-Za-z0-9_.:-], 1..64),
 * as the registry accepts them. */
static int
is_ident(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
              c == '-'))
            return 0;
    }
    return n >= 1 && n <= 64;
}

/* ------------------------------------------------------------------ */
/* SQL helpers                                                          */

static int
prep(struct req *r, const char *sql, sqlite3_stmt **s)
{
    int rc = sqlite3_prepare_v2(r->db, sql, -1, s, NULL);

    if (rc != SQLITE_OK) {
        fail_sql(r, rc);
        return -1;
    }
    return 0;
}

static void
bind_text(sqlite3_stmt *s, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(s, name);

    if (i <= 0)
        return;
    if (v == NULL)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static void
bind_int(sqlite3_stmt *s, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(s, name);

    if (i > 0)
        sqlite3_bind_int64(s, i, v);
}

static json_t *
col_json(sqlite3_stmt *s, int i)
{
    const char *t;

    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(s, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(s, i));
    case SQLITE_TEXT:
        t = (const char *)sqlite3_column_text(s, i);
        /* invalid UTF-8 in the store (never from the importers) becomes
         * null rather than a broken document */
        return json_string(t) ?: json_null();
    default:
        return json_null();
    }
}

/* The current row as an object keyed by column names. */
static json_t *
row_object(sqlite3_stmt *s)
{
    json_t *o = json_object();
    int i, n = sqlite3_column_count(s);

    for (i = 0; i < n; i++)
        json_object_set_new(o, sqlite3_column_name(s, i), col_json(s, i));
    return o;
}

/* Steps s to the end, appending each row as an object to arr. 0 or -1
 * (r->err set). Finalizes s. */
static int
rows_into(struct req *r, sqlite3_stmt *s, json_t *arr)
{
    int rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        json_array_append_new(arr, row_object(s));
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        fail_sql(r, rc);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* /status                                                              */

static json_t *
h_status(struct req *r)
{
    sqlite3_stmt *s;
    json_t *o;
    int64_t ver = 0;

    if (prep(r, "PRAGMA user_version", &s) != 0)
        return NULL;
    if (sqlite3_step(s) == SQLITE_ROW)
        ver = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    o = json_pack("{s:s, s:s, s:I, s:I}", "api", "v1", "version",
                  CLASSBAND_VERSION, "now", (json_int_t)r->now,
                  "schema_version", (json_int_t)ver);
    json_object_set_new(o, "registry",
                        json_boolean(storage_api_has(r->st, STORAGE_API_REGISTRY)));
    json_object_set_new(o, "evaluations",
                        json_boolean(storage_api_has(r->st, STORAGE_API_EVALUATIONS)));
    return o;
}

/* ------------------------------------------------------------------ */
/* /schools                                                             */

/* Every school: the registry's, plus those known only from their agents
 * (name and the rest null). With pack and year, each school's verdict in
 * the latest evaluation of that pack and year covering its district:
 * fails if any rule fails, meets if every rule meets, undetermined
 * otherwise, not_evaluated without rows. */
static const char schools_cte_reg[] =
    "WITH s0 AS ("
    " SELECT code, name, district, region, type, students, teachers,"
    "  classes, contracted_kbps, 1 AS registered FROM schools"
    " UNION ALL"
    " SELECT DISTINCT a.school, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL, 0 FROM agents a"
    " WHERE a.school NOT IN (SELECT code FROM schools)),";
static const char schools_cte_noreg[] =
    "WITH s0 AS ("
    " SELECT DISTINCT school AS code, NULL AS name, NULL AS district,"
    "  NULL AS region, NULL AS type, NULL AS students, NULL AS teachers,"
    "  NULL AS classes, NULL AS contracted_kbps, 0 AS registered"
    " FROM agents),";
static const char schools_cte_eval[] =
    " s1 AS (SELECT s0.*, (SELECT MAX(id) FROM evaluations e"
    "  WHERE e.pack = :pack AND e.year = :year"
    "  AND e.district IN ('', s0.district)) AS eval_id FROM s0),"
    " s2 AS (SELECT s1.*, CASE WHEN eval_id IS NULL THEN 'not_evaluated'"
    "  ELSE (SELECT CASE WHEN COUNT(*) = 0 THEN 'not_evaluated'"
    "   WHEN SUM(status = 'fails') > 0 THEN 'fails'"
    "   WHEN SUM(status = 'meets') = COUNT(*) THEN 'meets'"
    "   ELSE 'undetermined' END"
    "   FROM evaluation_school x"
    "   WHERE x.eval_id = s1.eval_id AND x.school = s1.code) END AS verdict"
    "  FROM s1)";
static const char schools_cte_noeval[] =
    " s2 AS (SELECT s0.*, NULL AS eval_id, NULL AS verdict FROM s0)";
static const char schools_where[] =
    " FROM s2 WHERE (:district IS NULL OR district = :district)"
    " AND (:region IS NULL OR region = :region)"
    " AND (:type IS NULL OR type = :type)"
    " AND (:verdict IS NULL OR verdict = :verdict)"
    " AND (:q IS NULL OR instr(code, :q) > 0 OR instr(name, :q) > 0)";

/* The same with each school's latest agent contact, from one pass over
 * agents (agents has no index on school; a per-row subquery would be
 * quadratic in the number of agents). */
static const char schools_where_ag[] =
    " FROM s2 LEFT JOIN (SELECT school, MAX(last_seen) AS last_seen"
    " FROM agents GROUP BY school) ag ON ag.school = s2.code"
    " WHERE (:district IS NULL OR district = :district)"
    " AND (:region IS NULL OR region = :region)"
    " AND (:type IS NULL OR type = :type)"
    " AND (:verdict IS NULL OR verdict = :verdict)"
    " AND (:q IS NULL OR instr(code, :q) > 0 OR instr(name, :q) > 0)";

static json_t *
h_schools(struct req *r)
{
    const char *district = arg_str(r, "district"), *region = arg_str(r,
        "region"), *type = arg_str(r, "type"), *verdict = arg_str(r,
        "verdict"), *pack = arg_str(r, "pack"), *q = arg_str(r, "q");
    long long limit, offset, year;
    int has_reg = storage_api_has(r->st, STORAGE_API_REGISTRY);
    int has_eval = storage_api_has(r->st, STORAGE_API_EVALUATIONS);
    int use_eval;
    char sql[4096];
    sqlite3_stmt *s;
    json_t *o, *items, *it;
    int64_t total = 0;
    int rc;

    if (arg_int(r, "limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT, &limit) ||
        arg_int(r, "offset", 0, 0, INT32_MAX, &offset) ||
        arg_int(r, "year", 0, 0, 9999, &year))
        return NULL;
    if ((pack == NULL) != (year == 0))
        return fail(r, 400, "pack and year go together");
    if (verdict != NULL && pack == NULL)
        return fail(r, 400, "verdict needs pack and year");
    if (verdict != NULL && strcmp(verdict, "meets") != 0 &&
        strcmp(verdict, "fails") != 0 && strcmp(verdict, "undetermined") &&
        strcmp(verdict, "not_evaluated") != 0)
        return fail(r, 400, "verdict is meets, fails, undetermined or "
                            "not_evaluated");
    use_eval = pack != NULL && has_eval;
    if (pack != NULL && !has_eval && verdict != NULL &&
        strcmp(verdict, "not_evaluated") != 0)
        verdict = "\x01"; /* nothing can match: no evaluations stored */

#define BIND_FILTERS(st_) do { \
        bind_text(st_, ":district", district); \
        bind_text(st_, ":region", region); \
        bind_text(st_, ":type", type); \
        bind_text(st_, ":verdict", use_eval || verdict == NULL ? verdict \
                  : (strcmp(verdict, "not_evaluated") == 0 ? NULL : verdict)); \
        bind_text(st_, ":q", q); \
        bind_text(st_, ":pack", pack); \
        bind_int(st_, ":year", year); \
    } while (0)

    snprintf(sql, sizeof(sql), "%s%s SELECT COUNT(*)%s",
             has_reg ? schools_cte_reg : schools_cte_noreg,
             use_eval ? schools_cte_eval : schools_cte_noeval, schools_where);
    if (prep(r, sql, &s) != 0)
        return NULL;
    BIND_FILTERS(s);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        total = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return fail_sql(r, rc);

    snprintf(sql, sizeof(sql),
             "%s%s SELECT code, name, district, region, type, students,"
             " teachers, classes, contracted_kbps, registered,"
             " (SELECT MAX(minute) FROM class_minute m"
             "  WHERE m.school = s2.code) AS last_data,"
             " ag.last_seen AS last_seen,"
             " eval_id, verdict%s ORDER BY code LIMIT :limit OFFSET :offset",
             has_reg ? schools_cte_reg : schools_cte_noreg,
             use_eval ? schools_cte_eval : schools_cte_noeval,
             schools_where_ag);
    if (prep(r, sql, &s) != 0)
        return NULL;
    BIND_FILTERS(s);
#undef BIND_FILTERS
    bind_int(s, ":limit", limit);
    bind_int(s, ":offset", offset);
    items = json_array();
    if (rows_into(r, s, items) != 0) {
        json_decref(items);
        return NULL;
    }
    /* without evaluations the verdict says so, rather than null */
    if (pack != NULL && !use_eval) {
        size_t i;
        json_array_foreach(items, i, it)
            json_object_set_new(it, "verdict", json_string("not_evaluated"));
    }
    /* per rule statuses, for the overview table */
    if (use_eval) {
        size_t i;
        if (prep(r, "SELECT rule, status FROM evaluation_school"
                    " WHERE eval_id = ? AND school = ? ORDER BY rule",
                 &s) != 0) {
            json_decref(items);
            return NULL;
        }
        json_array_foreach(items, i, it) {
            json_t *rules = json_object(), *eid = json_object_get(it,
                                                                 "eval_id");
            if (json_is_integer(eid)) {
                sqlite3_reset(s);
                sqlite3_bind_int64(s, 1, json_integer_value(eid));
                sqlite3_bind_text(s, 2, json_string_value(json_object_get(
                                      it, "code")), -1, SQLITE_TRANSIENT);
                while ((rc = sqlite3_step(s)) == SQLITE_ROW)
                    json_object_set_new(rules,
                        (const char *)sqlite3_column_text(s, 0),
                        json_string((const char *)sqlite3_column_text(s, 1)));
            }
            json_object_set_new(it, "rules", rules);
        }
        sqlite3_finalize(s);
    }
    o = json_pack("{s:I, s:I, s:I}", "total", (json_int_t)total, "limit",
                  (json_int_t)limit, "offset", (json_int_t)offset);
    json_object_set_new(o, "items", items);
    return o;
}

/* ------------------------------------------------------------------ */
/* /schools/{code}                                                      */

static json_t *
school_registry(struct req *r, const char *code, int *found)
{
    sqlite3_stmt *s;
    json_t *o = NULL;
    int rc;

    *found = 0;
    if (!storage_api_has(r->st, STORAGE_API_REGISTRY))
        return json_null();
    if (prep(r, "SELECT code, name, district, region, type, students,"
                " teachers, classes, contracted_kbps,"
                " declared_student_computers, declared_teacher_computers,"
                " updated FROM schools WHERE code = ?", &s) != 0)
        return NULL;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        o = row_object(s);
        *found = 1;
    } else if (rc == SQLITE_DONE) {
        o = json_null();
    } else {
        fail_sql(r, rc);
    }
    sqlite3_finalize(s);
    return o;
}

/* The classes of the school's latest stored minute, with rates: bytes in
 * a minute * 8 / 60 is the mean bit rate of that minute. Registry names
 * and kinds are joined where they exist. */
static json_t *
school_latest(struct req *r, const char *code, int64_t *last)
{
    int has_classes = storage_api_has(r->st, STORAGE_API_CLASS_NAMES);
    sqlite3_stmt *s;
    json_t *o, *arr;
    char sql[1024];
    int rc;

    *last = -1;
    if (prep(r, "SELECT MAX(minute) FROM class_minute WHERE school = ?",
             &s) != 0)
        return NULL;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        *last = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return fail_sql(r, rc);
    if (*last < 0)
        return json_null();
    snprintf(sql, sizeof(sql),
             "SELECT m.class AS class, %s, SUM(bytes_up) AS bytes_up,"
             " SUM(bytes_down) AS bytes_down, SUM(pkts_up) AS pkts_up,"
             " SUM(pkts_down) AS pkts_down,"
             " SUM(bytes_up) * 8.0 / 60 / 1e6 AS up_mbps,"
             " SUM(bytes_down) * 8.0 / 60 / 1e6 AS down_mbps,"
             " MAX(peak_up_bps) AS peak_up_bps,"
             " MAX(peak_down_bps) AS peak_down_bps,"
             " SUM(devices) AS devices"
             " FROM class_minute m %s"
             " WHERE m.school = :school AND m.minute = :minute"
             " GROUP BY m.class ORDER BY m.class",
             has_classes ? "c.name AS name, c.kind AS kind"
                         : "NULL AS name, NULL AS kind",
             has_classes ? "LEFT JOIN classes c ON c.school = m.school"
                           " AND c.class = m.class" : "");
    if (prep(r, sql, &s) != 0)
        return NULL;
    bind_text(s, ":school", code);
    bind_int(s, ":minute", *last);
    arr = json_array();
    if (rows_into(r, s, arr) != 0) {
        json_decref(arr);
        return NULL;
    }
    o = json_pack("{s:I}", "minute", (json_int_t)*last);
    json_object_set_new(o, "classes", arr);
    /* totals over the classes */
    if (prep(r, "SELECT SUM(bytes_up) AS bytes_up, SUM(bytes_down) AS"
                " bytes_down, SUM(bytes_up) * 8.0 / 60 / 1e6 AS up_mbps,"
                " SUM(bytes_down) * 8.0 / 60 / 1e6 AS down_mbps,"
                " SUM(devices) AS devices FROM class_minute"
                " WHERE school = ? AND minute = ?", &s) != 0) {
        json_decref(o);
        return NULL;
    }
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, *last);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW)
        json_object_set_new(o, "totals", row_object(s));
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) {
        json_decref(o);
        return fail_sql(r, rc);
    }
    return o;
}

static const char *const metric_sources_note =
    "value is a decimal string (exact); null when there is no data";

/* Every metric of DESIGN.md for [from, to) by the compliance module's own
 * computation, so that the dashboard and the report agree. */
static json_t *
school_metrics(struct req *r, const char *code, const char *district,
               int64_t from, int64_t to)
{
    struct metrics_school *ms;
    struct calendar cal;
    json_t *o, *vals;
    char buf[64];
    int i, rc;

    ms = calloc(1, sizeof(*ms));
    if (ms == NULL)
        return fail(r, 500, "out of memory");
    if (calendar_get(r->st, district ? district : "", &cal) != 0) {
        free(ms);
        return fail(r, 503, "cannot read the calendar");
    }
    rc = metrics_compute(r->st, code, &cal, from, to, 5, ms);
    calendar_free(&cal);
    if (rc != 0) {
        free(ms);
        if (rc == -ENOENT)
            return json_null();
        return fail(r, 503, "metrics: store busy or query over its budget");
    }
    o = json_pack("{s:I, s:I, s:s}", "from", (json_int_t)from, "to",
                  (json_int_t)to, "note", metric_sources_note);
    json_object_set_new(o, "evidence", json_pack(
        "{s:i, s:i, s:I, s:I, s:I, s:i}",
        "school_days", ms->ev.school_days,
        "days_with_data", ms->ev.days_with_data,
        "school_minutes", (json_int_t)ms->ev.school_minutes,
        "minutes_with_data", (json_int_t)ms->ev.minutes_with_data,
        "last_data", (json_int_t)ms->ev.last_data,
        "recent_days_with_data", ms->ev.recent_days_with_data));
    vals = json_object();
    for (i = 0; i < M_COUNT; i++) {
        const struct metric_value *v = &ms->m[i];
        json_t *mv;

        if (v->state == MS_VALUE) {
            /* as the evaluation and the report write it */
            ratio_format(v->v, 2, buf, sizeof(buf));
            mv = json_pack("{s:s, s:f}", "value", buf, "number",
                           ratio_double(v->v));
        } else {
            mv = json_pack("{s:n, s:n}", "value", "number");
        }
        json_object_set_new(mv, "source", json_string(v->source) ?:
                            json_null());
        json_object_set_new(mv, "declared", v->declared[0]
                            ? (json_string(v->declared) ?: json_null())
                            : json_null());
        json_object_set_new(mv, "note", json_string(v->note) ?:
                            json_null());
        json_object_set_new(vals, metrics_name(i), mv);
    }
    json_object_set_new(o, "values", vals);
    free(ms);
    return o;
}

static json_t *
school_agents(struct req *r, const char *code)
{
    sqlite3_stmt *s;
    json_t *arr = json_array();

    if (prep(r, "SELECT agent_id, version, peer, first_seen, last_seen"
                " FROM agents WHERE school = ? ORDER BY agent_id", &s) != 0) {
        json_decref(arr);
        return NULL;
    }
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    if (rows_into(r, s, arr) != 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *
h_school(struct req *r, const char *code)
{
    json_t *reg, *latest, *agents, *o, *mx = NULL;
    const char *district = NULL;
    int64_t last, from, to;
    int found;

    reg = school_registry(r, code, &found);
    if (reg == NULL)
        return NULL;
    latest = school_latest(r, code, &last);
    if (latest == NULL) {
        json_decref(reg);
        return NULL;
    }
    agents = school_agents(r, code);
    if (agents == NULL) {
        json_decref(reg);
        json_decref(latest);
        return NULL;
    }
    if (!found && last < 0 && json_array_size(agents) == 0) {
        json_decref(reg);
        json_decref(latest);
        json_decref(agents);
        return fail(r, 404, "no school \"%s\"", code);
    }
    o = json_pack("{s:s, s:b}", "code", code, "registered", found);
    json_object_set_new(o, "school", reg);
    json_object_set_new(o, "last_data", last < 0 ? json_null()
                                                 : json_integer(last));
    json_object_set_new(o, "latest", latest);
    json_object_set_new(o, "agents", agents);
    /* the metrics need the registry (students, classes, calendar) */
    if (found) {
        district = json_string_value(json_object_get(reg, "district"));
        to = last >= 0 ? (last / 86400 + 1) * 86400 : r->now;
        if (arg_time(r, "to", to, &to) != 0 ||
            arg_time(r, "from", to - 30 * 86400, &from) != 0) {
            json_decref(o);
            return NULL;
        }
        if (from >= to) {
            json_decref(o);
            return fail(r, 400, "from must be before to");
        }
        /* metrics walk the period day by day: bound it */
        if (to - from > 400 * 86400) {
            json_decref(o);
            return fail(r, 400, "at most 400 days of metrics per request");
        }
        mx = school_metrics(r, code, district, from, to);
        if (mx == NULL) {
            json_decref(o);
            return NULL;
        }
    }
    json_object_set_new(o, "metrics", mx ? mx : json_null());
    return o;
}

/* ------------------------------------------------------------------ */
/* /schools/{code}/series                                               */

/* The metrics series shows per day; other metrics stay in the school's
 * period view. */
static const int daily_ids[] = {
    M_WIFI_COVERAGE_PCT, M_BROADBAND_UPTIME_PCT, M_EGRESS_CAPACITY,
    M_CLASS_P95_DOWN,
};

static int
daily_metrics(struct req *r, const char *code, const char *district,
              json_t *o, int64_t from, int64_t nb)
{
    struct metrics_school *ms;
    struct calendar cal;
    json_t *cols[sizeof(daily_ids) / sizeof(daily_ids[0])], *dm;
    size_t k, nk = sizeof(daily_ids) / sizeof(daily_ids[0]);
    int64_t i;
    int rc = 0;

    ms = calloc(1, sizeof(*ms));
    if (ms == NULL) {
        fail(r, 500, "out of memory");
        return -1;
    }
    if (calendar_get(r->st, district, &cal) != 0) {
        free(ms);
        fail(r, 503, "cannot read the calendar");
        return -1;
    }
    dm = json_object();
    for (k = 0; k < nk; k++) {
        cols[k] = json_array();
        json_object_set_new(dm, metrics_name(daily_ids[k]), cols[k]);
    }
    for (i = 0; i < nb && rc == 0; i++) {
        rc = metrics_compute(r->st, code, &cal, from + i * 86400,
                             from + (i + 1) * 86400, 1, ms);
        for (k = 0; k < nk && rc == 0; k++) {
            const struct metric_value *v = &ms->m[daily_ids[k]];
            json_array_append_new(cols[k], v->state == MS_VALUE ?
                                  json_real(ratio_double(v->v)) :
                                  json_null());
        }
    }
    calendar_free(&cal);
    free(ms);
    json_object_set_new(o, "daily_metrics", dm);
    if (rc != 0) {
        fail(r, 503, "metrics: store busy or query over its budget");
        return -1;
    }
    return 0;
}

/* Column arrays (one slot per bucket, null where nothing was stored), the
 * shape chart libraries take. Buckets are aligned to local midnight (day)
 * or to the hour, in the district calendar's UTC offset. */
static json_t *
h_series(struct req *r, const char *code)
{
    const char *bucket = arg_str(r, "bucket");
    int has_classes = storage_api_has(r->st, STORAGE_API_CLASS_NAMES);
    int64_t width, off = 480 * 60, from, to, last = -1, nb, i;
    long long maxb;
    struct calendar cal;
    sqlite3_stmt *s;
    json_t *o, *t, *classes, *cl = NULL, *devices, *capture, *data;
    const char *prev = NULL;
    char *prevbuf = NULL;
    char sql[1024], district[256] = "";
    long long want_metrics;
    int rc, found;
    json_t *reg;

    if (bucket == NULL || strcmp(bucket, "day") == 0) {
        bucket = "day";
        width = 86400;
        maxb = 400;
    } else if (strcmp(bucket, "hour") == 0) {
        width = 3600;
        maxb = 24 * 62;
    } else if (strcmp(bucket, "minute") == 0) {
        width = 60;
        maxb = 60 * 48;
    } else {
        return fail(r, 400, "bucket is day, hour or minute");
    }
    if (arg_int(r, "metrics", 0, 0, 1, &want_metrics) != 0)
        return NULL;
    if (want_metrics && width != 86400)
        return fail(r, 400, "metrics=1 needs bucket=day");
    reg = school_registry(r, code, &found);
    if (reg == NULL)
        return NULL;
    if (found)
        snprintf(district, sizeof(district), "%s", json_string_value(
                     json_object_get(reg, "district")));
    json_decref(reg);
    if (want_metrics && !found)
        return fail(r, 400, "metrics=1 needs a school in the registry");
    /* the offset of the school's district calendar, when it has one */
    if (found && storage_api_has(r->st, STORAGE_API_CALENDAR) &&
        calendar_get(r->st, district, &cal) == 0) {
        off = (int64_t)cal.utc_offset * 60;
        calendar_free(&cal);
    }
    if (prep(r, "SELECT MAX(minute) FROM class_minute WHERE school = ?",
             &s) != 0)
        return NULL;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_type(s, 0) != SQLITE_NULL)
        last = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    /* default: the 30 days (48 hours, 3 hours) up to the latest data */
    to = last >= 0 ? last + 60 : r->now;
    if (arg_time(r, "to", to, &to) != 0)
        return NULL;
    to = ((to + off + width - 1) / width) * width - off;
    if (arg_time(r, "from", to - (width == 86400 ? 30 * 86400 :
                                  width == 3600 ? 2 * 86400 : 3 * 3600),
                 &from) != 0)
        return NULL;
    from = ((from + off) / width) * width - off;
    if (from >= to)
        return fail(r, 400, "from must be before to");
    nb = (to - from) / width;
    if (want_metrics)
        maxb = 62;
    if (nb > maxb)
        return fail(r, 400, "at most %lld %s buckets per request%s", maxb,
                    bucket, want_metrics ? " with metrics=1" : "");

    o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "school", code, "bucket",
                  bucket, "utc_offset", (json_int_t)(off / 60), "from",
                  (json_int_t)from, "to", (json_int_t)to, "buckets",
                  (json_int_t)nb);
    t = json_array();
    devices = json_array();
    capture = json_array();
    data = json_array();
    for (i = 0; i < nb; i++) {
        json_array_append_new(t, json_integer(from + i * width));
        json_array_append_new(devices, json_null());
        json_array_append_new(capture, json_null());
        json_array_append_new(data, json_null());
    }
    json_object_set_new(o, "t", t);
    classes = json_array();
    json_object_set_new(o, "classes", classes);
    json_object_set_new(o, "devices_max", devices);
    json_object_set_new(o, "data_minutes", data);
    json_object_set_new(o, "capture_minutes", capture);

    /* per class per bucket */
    snprintf(sql, sizeof(sql),
             "SELECT m.class, (m.minute - :from) / :w AS b, SUM(bytes_up),"
             " SUM(bytes_down), MAX(peak_up_bps), MAX(peak_down_bps),"
             " MAX(devices), COUNT(*), %s FROM class_minute m %s"
             " WHERE m.school = :school AND m.minute >= :from"
             " AND m.minute < :to GROUP BY m.class, b ORDER BY m.class, b",
             has_classes ? "(SELECT name FROM classes c WHERE c.school ="
                           " m.school AND c.class = m.class),"
                           " (SELECT kind FROM classes c WHERE c.school ="
                           " m.school AND c.class = m.class)"
                         : "NULL, NULL", "");
    if (prep(r, sql, &s) != 0)
        goto err;
    bind_text(s, ":school", code);
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    bind_int(s, ":w", width);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(s, 0);
        int64_t b = sqlite3_column_int64(s, 1);
        static const char *const keys[] = {
            "bytes_up", "bytes_down", "peak_up_bps", "peak_down_bps",
            "devices_max", "minutes",
        };
        size_t k;

        if (prev == NULL || strcmp(prev, c) != 0) {
            free(prevbuf);
            prevbuf = strdup(c);
            prev = prevbuf;
            cl = json_pack("{s:s}", "class", c);
            json_object_set_new(cl, "name", col_json(s, 8));
            json_object_set_new(cl, "kind", col_json(s, 9));
            for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                json_t *a = json_array();
                for (i = 0; i < nb; i++)
                    json_array_append_new(a, json_null());
                json_object_set_new(cl, keys[k], a);
            }
            json_array_append_new(classes, cl);
        }
        if (b < 0 || b >= nb)
            continue;
        for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            json_array_set_new(json_object_get(cl, keys[k]), (size_t)b,
                               json_integer(sqlite3_column_int64(
                                   s, 2 + (int)k)));
    }
    free(prevbuf);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        fail_sql(r, rc);
        goto err;
    }

    /* devices at the busiest minute, and minutes with any class data */
    if (prep(r, "SELECT b, MAX(d), COUNT(*) FROM (SELECT (minute - :from)"
                " / :w AS b, SUM(devices) AS d FROM class_minute"
                " WHERE school = :school AND minute >= :from AND minute < :to"
                " GROUP BY minute) GROUP BY b", &s) != 0)
        goto err;
    bind_text(s, ":school", code);
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    bind_int(s, ":w", width);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(s, 0);
        if (b < 0 || b >= nb)
            continue;
        json_array_set_new(devices, (size_t)b,
                           json_integer(sqlite3_column_int64(s, 1)));
        json_array_set_new(data, (size_t)b,
                           json_integer(sqlite3_column_int64(s, 2)));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        fail_sql(r, rc);
        goto err;
    }
    /* per-day metrics by the compliance module's own computation (Wi-Fi
     * coverage, uptime, capacity, p95), on request: a day costs one
     * metrics_compute */
    if (want_metrics && daily_metrics(r, code, district, o, from, nb) != 0)
        goto err;
    /* minutes in which a capture reported: the data coverage */
    if (prep(r, "SELECT (minute - :from) / :w AS b, COUNT(DISTINCT minute)"
                " FROM capture_minute WHERE school = :school"
                " AND minute >= :from AND minute < :to GROUP BY b", &s) != 0)
        goto err;
    bind_text(s, ":school", code);
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    bind_int(s, ":w", width);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(s, 0);
        if (b < 0 || b >= nb)
            continue;
        json_array_set_new(capture, (size_t)b,
                           json_integer(sqlite3_column_int64(s, 1)));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        fail_sql(r, rc);
        goto err;
    }
    return o;
err:
    json_decref(o);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* /agents                                                              */

static json_t *
h_agents(struct req *r)
{
    const char *school = arg_str(r, "school");
    long long limit, offset, window;
    sqlite3_stmt *s, *sst, *cap, *ast = NULL;
    json_t *o, *items, *it;
    int64_t total = 0, from;
    size_t i;
    int rc;

    if (arg_int(r, "limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT, &limit) ||
        arg_int(r, "offset", 0, 0, INT32_MAX, &offset) ||
        arg_int(r, "window", 86400, 60, 31 * 86400, &window))
        return NULL;
    from = r->now - window;
    if (prep(r, "SELECT COUNT(*) FROM agents WHERE"
                " (:school IS NULL OR school = :school)", &s) != 0)
        return NULL;
    bind_text(s, ":school", school);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW)
        total = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return fail_sql(r, rc);
    if (prep(r, "SELECT agent_id, school, version, boot_id, peer,"
                " first_seen, last_seen, :now - last_seen AS age_s"
                " FROM agents WHERE (:school IS NULL OR school = :school)"
                " ORDER BY school, agent_id LIMIT :limit OFFSET :offset",
             &s) != 0)
        return NULL;
    bind_text(s, ":school", school);
    bind_int(s, ":now", r->now);
    bind_int(s, ":limit", limit);
    bind_int(s, ":offset", offset);
    items = json_array();
    if (rows_into(r, s, items) != 0) {
        json_decref(items);
        return NULL;
    }
    if (prep(r, "SELECT stream, last_seq, batches, updated FROM streams"
                " WHERE agent_id = ? ORDER BY stream", &sst) != 0) {
        json_decref(items);
        return NULL;
    }
    /* capture completeness: minutes of the window in which this agent's
     * capture reported, over the window's minutes */
    if (prep(r, "SELECT COUNT(DISTINCT minute) AS minutes,"
                " SUM(pkts_seen) AS pkts_seen, SUM(pcap_recv) AS pcap_recv,"
                " SUM(pcap_drop) AS pcap_drop,"
                " SUM(pcap_ifdrop) AS pcap_ifdrop,"
                " SUM(unclassified_pkts) AS unclassified_pkts,"
                " MAX(minute) AS last_minute"
                " FROM capture_minute WHERE school = :school"
                " AND minute >= :from AND minute < :to"
                " AND agent_id = :agent", &cap) != 0) {
        sqlite3_finalize(sst);
        json_decref(items);
        return NULL;
    }
    if (storage_api_has(r->st, STORAGE_API_AGENT_STATUS) &&
        prep(r, "SELECT minute, backlog_batches, dropped_batches,"
                " dropped_rows, uptime_s FROM agent_status"
                " WHERE agent_id = ? ORDER BY minute DESC LIMIT 1",
             &ast) != 0) {
        sqlite3_finalize(sst);
        sqlite3_finalize(cap);
        json_decref(items);
        return NULL;
    }
    json_array_foreach(items, i, it) {
        const char *aid = json_string_value(json_object_get(it, "agent_id"));
        json_t *streams = json_array(), *c;
        int64_t mins = 0;

        sqlite3_reset(sst);
        sqlite3_bind_text(sst, 1, aid, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(sst)) == SQLITE_ROW)
            json_array_append_new(streams, row_object(sst));
        json_object_set_new(it, "streams", streams);
        sqlite3_reset(cap);
        bind_text(cap, ":school",
                  json_string_value(json_object_get(it, "school")));
        bind_text(cap, ":agent", aid);
        bind_int(cap, ":from", from);
        bind_int(cap, ":to", r->now);
        if ((rc = sqlite3_step(cap)) != SQLITE_ROW) {
            sqlite3_finalize(sst);
            sqlite3_finalize(cap);
            json_decref(items);
            return fail_sql(r, rc);
        }
        c = row_object(cap);
        mins = sqlite3_column_int64(cap, 0);
        json_object_set_new(c, "window_s", json_integer(window));
        json_object_set_new(c, "completeness_pct",
                            json_real(100.0 * (double)mins /
                                      (double)(window / 60)));
        json_object_set_new(it, "capture", c);
        /* the agent's latest own report (AGENT_STATUS records), when
         * the store and the agent have them */
        json_object_set_new(it, "status", json_null());
        if (ast != NULL) {
            sqlite3_reset(ast);
            sqlite3_bind_text(ast, 1, aid, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(ast);
            if (rc == SQLITE_ROW) {
                json_object_set_new(it, "status", row_object(ast));
            } else if (rc != SQLITE_DONE) {
                sqlite3_finalize(sst);
                sqlite3_finalize(cap);
                sqlite3_finalize(ast);
                json_decref(items);
                return fail_sql(r, rc);
            }
        }
    }
    sqlite3_finalize(ast);
    sqlite3_finalize(sst);
    sqlite3_finalize(cap);
    o = json_pack("{s:I, s:I, s:I}", "total", (json_int_t)total, "limit",
                  (json_int_t)limit, "offset", (json_int_t)offset);
    json_object_set_new(o, "items", items);
    return o;
}

/* ------------------------------------------------------------------ */
/* /packs, /evaluations                                                 */

static json_t *
h_packs(struct req *r)
{
    sqlite3_stmt *s;
    json_t *o, *items = json_array();

    if (!storage_api_has(r->st, STORAGE_API_PACKS)) {
        o = json_object();
        json_object_set_new(o, "items", items);
        return o;
    }
    if (prep(r, "SELECT p.pack, p.version, p.title, p.loaded,"
                " (SELECT COUNT(*) FROM pack_rules x WHERE x.pack = p.pack"
                "  AND x.version = p.version) AS rules,"
                " (SELECT group_concat(year, ',') FROM (SELECT DISTINCT year"
                "  FROM pack_rules x WHERE x.pack = p.pack"
                "  AND x.version = p.version ORDER BY year)) AS years"
                " FROM packs p ORDER BY p.pack, p.loaded, p.version",
             &s) != 0) {
        json_decref(items);
        return NULL;
    }
    if (rows_into(r, s, items) != 0) {
        json_decref(items);
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, "items", items);
    return o;
}

static const char eval_cols[] =
    "SELECT e.id, e.pack, e.version, e.year, e.rules_year, e.district,"
    " e.period_from, e.period_to, e.min_days, e.stale_days, e.created,"
    " (SELECT COUNT(*) FROM evaluation_rule x WHERE x.eval_id = e.id"
    "  AND x.verdict = 'pass') AS rules_pass,"
    " (SELECT COUNT(*) FROM evaluation_rule x WHERE x.eval_id = e.id"
    "  AND x.verdict = 'fail') AS rules_fail,"
    " (SELECT COUNT(*) FROM evaluation_rule x WHERE x.eval_id = e.id"
    "  AND x.verdict NOT IN ('pass', 'fail')) AS rules_undetermined"
    " FROM evaluations e";

static json_t *
h_evaluations(struct req *r)
{
    const char *pack = arg_str(r, "pack"), *district = arg_str(r,
                                                               "district");
    long long year, limit;
    char sql[2048];
    sqlite3_stmt *s;
    json_t *o, *items = json_array();

    if (arg_int(r, "year", 0, 0, 9999, &year) ||
        arg_int(r, "limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT, &limit)) {
        json_decref(items);
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, "items", items);
    if (!storage_api_has(r->st, STORAGE_API_EVALUATIONS))
        return o;
    snprintf(sql, sizeof(sql), "%s WHERE (:pack IS NULL OR e.pack = :pack)"
             " AND (:year = 0 OR e.year = :year)"
             " AND (:district IS NULL OR e.district = :district)"
             " ORDER BY e.id DESC LIMIT :limit", eval_cols);
    if (prep(r, sql, &s) != 0) {
        json_decref(o);
        return NULL;
    }
    bind_text(s, ":pack", pack);
    bind_text(s, ":district", district);
    bind_int(s, ":year", year);
    bind_int(s, ":limit", limit);
    if (rows_into(r, s, items) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The latest evaluation id of pack and year for district ("" = all), or
 * -1. */
static int64_t
latest_eval(struct req *r, const char *pack, long long year,
            const char *district)
{
    sqlite3_stmt *s;
    int64_t id = -1;

    if (prep(r, "SELECT MAX(id) FROM evaluations WHERE pack = ? AND year = ?"
                " AND district = ?", &s) != 0)
        return -2;
    sqlite3_bind_text(s, 1, pack, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, year);
    sqlite3_bind_text(s, 3, district ? district : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_type(s, 0) != SQLITE_NULL)
        id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return id;
}

static json_t *
h_evaluation(struct req *r, const char *which)
{
    const char *school = arg_str(r, "school"), *rule = arg_str(r, "rule");
    char sql[2048], *end;
    sqlite3_stmt *s;
    json_t *o, *rules, *schools;
    int64_t id;
    int rc;

    if (!storage_api_has(r->st, STORAGE_API_EVALUATIONS))
        return fail(r, 404, "no evaluations stored");
    if (strcmp(which, "latest") == 0) {
        const char *pack = arg_str(r, "pack");
        long long year;

        if (arg_int(r, "year", 0, 1970, 9999, &year) != 0)
            return NULL;
        if (pack == NULL || year == 0)
            return fail(r, 400, "latest needs pack and year");
        id = latest_eval(r, pack, year, arg_str(r, "district"));
        if (id == -2)
            return NULL;
        if (id < 0)
            return fail(r, 404, "no evaluation of %s for %lld", pack, year);
    } else {
        errno = 0;
        id = strtoll(which, &end, 10);
        if (errno != 0 || *end != '\0' || end == which || id < 0)
            return fail(r, 404, "no evaluation \"%.40s\"", which);
    }
    snprintf(sql, sizeof(sql), "%s WHERE e.id = ?", eval_cols);
    if (prep(r, sql, &s) != 0)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(s);
        return fail(r, 404, "no evaluation %" PRId64, id);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return fail_sql(r, rc);
    }
    o = json_object();
    json_object_set_new(o, "evaluation", row_object(s));
    sqlite3_finalize(s);
    if (prep(r, "SELECT rule, seq, metric, op, threshold, regions, types,"
                " in_scope, meeting, failing, undetermined, share_num,"
                " share_den, req_num, req_den, verdict, text"
                " FROM evaluation_rule WHERE eval_id = ?"
                " AND (:rule IS NULL OR rule = :rule) ORDER BY seq", &s)) {
        json_decref(o);
        return NULL;
    }
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, ":rule", rule);
    rules = json_array();
    json_object_set_new(o, "rules", rules);
    if (rows_into(r, s, rules) != 0) {
        json_decref(o);
        return NULL;
    }
    if (prep(r, "SELECT x.school, x.name, x.district, x.region, x.type,"
                " x.rule, x.metric, x.value, x.declared, x.status, x.days,"
                " x.school_days, x.completeness, x.source, x.note"
                " FROM evaluation_school x LEFT JOIN evaluation_rule y"
                " ON y.eval_id = x.eval_id AND y.rule = x.rule"
                " WHERE x.eval_id = :id"
                " AND (:school IS NULL OR x.school = :school)"
                " AND (:rule IS NULL OR x.rule = :rule)"
                " ORDER BY x.school, y.seq", &s)) {
        json_decref(o);
        return NULL;
    }
    bind_int(s, ":id", id);
    bind_text(s, ":school", school);
    bind_text(s, ":rule", rule);
    schools = json_array();
    json_object_set_new(o, "schools", schools);
    if (rows_into(r, s, schools) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ------------------------------------------------------------------ */
/* /report.csv                                                          */

#ifdef API_HAVE_REPORT
/* The report module writes files (to a temporary name, then renamed), so
 * the CSV is made in a private temporary directory and read back. */
static int
h_report(struct req *r, struct api_resp *out)
{
    struct report_opts ro;
    const char *pack = arg_str(r, "pack"), *lang = arg_str(r, "lang"),
               *enc = arg_str(r, "encoding"), *district = arg_str(r,
                                                                 "district");
    char dir[] = "/tmp/classband-report.XXXXXX", path[64];
    long long year;
    int64_t id;
    char *ebuf = NULL, *body = NULL;
    size_t elen = 0, blen = 0, cap = 0;
    FILE *errs, *f;
    int rc;

    if (arg_int(r, "year", 0, 1970, 9999, &year) != 0)
        return -1;
    if (pack == NULL || year == 0 || !is_ident(pack)) {
        fail(r, 400, "report needs pack and year");
        return -1;
    }
    memset(&ro, 0, sizeof(ro));
    if (lang == NULL || strcmp(lang, "zh") == 0)
        ro.zh = 1;
    else if (strcmp(lang, "en") != 0) {
        fail(r, 400, "lang is zh or en");
        return -1;
    }
    if (enc == NULL || strcmp(enc, "utf-8") == 0)
        ro.encoding = TEXTCONV_UTF8;
    else if (strcmp(enc, "gbk") == 0)
        ro.encoding = TEXTCONV_GBK;
    else {
        fail(r, 400, "encoding is utf-8 or gbk");
        return -1;
    }
    rc = evaluate_latest(r->st, pack, (int)year, district, &id);
    if (rc == -ENOENT) {
        fail(r, 404, "no evaluation of %s for %lld%s%.60s", pack, year,
             district ? " in " : "", district ? district : "");
        return -1;
    }
    if (rc != 0) {
        fail(r, 503, "store busy or query over its time budget");
        return -1;
    }
    if (mkdtemp(dir) == NULL) {
        fail(r, 500, "cannot make a temporary directory");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/report.csv", dir);
    ro.output = path;
    errs = open_memstream(&ebuf, &elen);
    if (errs == NULL) {
        rmdir(dir);
        fail(r, 500, "out of memory");
        return -1;
    }
    rc = report_write(r->st, id, &ro, errs);
    fclose(errs);
    if (rc == 0 && (f = fopen(path, "rb")) != NULL) {
        char chunk[8192];
        size_t n;

        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
            if (blen + n > cap) {
                char *nb;
                cap = (blen + n) * 2;
                if ((nb = realloc(body, cap)) == NULL) {
                    rc = -ENOMEM;
                    break;
                }
                body = nb;
            }
            memcpy(body + blen, chunk, n);
            blen += n;
        }
        fclose(f);
    } else if (rc == 0) {
        rc = -EIO;
    }
    unlink(path);
    rmdir(dir);
    if (rc != 0) {
        size_t n = ebuf ? strlen(ebuf) : 0;
        while (n > 0 && (ebuf[n - 1] == '\n' || ebuf[n - 1] == '\r'))
            ebuf[--n] = '\0';
        fail(r, rc == -ENOENT ? 404 : 503, "report: %.150s",
             ebuf && *ebuf ? ebuf : "failed");
        free(ebuf);
        free(body);
        return -1;
    }
    free(ebuf);
    out->status = 200;
    out->ctype = ro.encoding == TEXTCONV_GBK ?
                 "text/csv; charset=gbk; header=present" :
                 "text/csv; charset=utf-8; header=present";
    out->body = body ? body : strdup("");
    out->len = blen;
    snprintf(out->disposition, sizeof(out->disposition),
             "attachment; filename=\"classband-%s-%lld%s%s.csv\"", pack,
             year, district && is_ident(district) ? "-" : "",
             district && is_ident(district) ? district : "");
    return 0;
}

#else
static int
h_report(struct req *r, struct api_resp *out)
{
    (void)out;
    fail(r, 501, "this collector was built without the report module");
    return -1;
}
#endif

/* ------------------------------------------------------------------ */
/* router                                                               */

static const char index_doc[] =
    "{\"api\":\"v1\",\"openapi\":\"docs/openapi.yaml\",\"endpoints\":["
    "\"/api/v1/status\",\"/api/v1/schools\",\"/api/v1/schools/{code}\","
    "\"/api/v1/schools/{code}/series\",\"/api/v1/agents\","
    "\"/api/v1/packs\",\"/api/v1/evaluations\","
    "\"/api/v1/evaluations/{id}\",\"/api/v1/evaluations/latest\","
    "\"/api/v1/report.csv\"]}\n";

static int
set_json(struct api_resp *out, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);

    json_decref(j);
    if (s == NULL)
        return -ENOMEM;
    out->status = status;
    out->ctype = "application/json";
    out->len = strlen(s);
    out->body = s;
    return 0;
}

static int
set_error(struct api_resp *out, const struct api_err *e)
{
    json_t *j = json_pack("{s:s, s:i}", "error", e->msg, "status",
                          e->status);
    char msg[sizeof(e->msg)];
    size_t i;

    if (j == NULL) {
        /* the message quotes client bytes that are not UTF-8: keep the
         * ASCII of it rather than fail the answer */
        for (i = 0; e->msg[i] != '\0' && i < sizeof(msg) - 1; i++)
            msg[i] = (unsigned char)e->msg[i] >= 0x80 ||
                     (unsigned char)e->msg[i] < 0x20 ? '?' : e->msg[i];
        msg[i] = '\0';
        j = json_pack("{s:s, s:i}", "error", msg, "status", e->status);
    }
    if (j == NULL)
        return -ENOMEM;
    return set_json(out, e->status, j);
}

int
api_handle(struct storage *st, const char *path, api_arg_fn arg, void *ctx,
           int64_t now, struct api_resp *out)
{
    struct req r;
    json_t *j = NULL;
    char code[80];
    const char *p;
    size_t n;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    r.st = st;
    r.db = storage_handle(st);
    r.arg = arg;
    r.ctx = ctx;
    r.now = now;
    r.err.status = 404;
    snprintf(r.err.msg, sizeof(r.err.msg), "no such endpoint");
    if (strncmp(path, "/api/v1", 7) != 0)
        return set_error(out, &r.err);
    p = path + 7;
    if (strcmp(p, "") == 0 || strcmp(p, "/") == 0) {
        out->status = 200;
        out->ctype = "application/json";
        out->body = strdup(index_doc);
        out->len = out->body ? strlen(out->body) : 0;
        return out->body ? 0 : -ENOMEM;
    }
    if (strcmp(p, "/status") == 0)
        j = h_status(&r);
    else if (strcmp(p, "/schools") == 0)
        j = h_schools(&r);
    else if (strcmp(p, "/agents") == 0)
        j = h_agents(&r);
    else if (strcmp(p, "/packs") == 0)
        j = h_packs(&r);
    else if (strcmp(p, "/evaluations") == 0)
        j = h_evaluations(&r);
    else if (strncmp(p, "/evaluations/", 13) == 0 && p[13] != '\0' &&
             strchr(p + 13, '/') == NULL)
        j = h_evaluation(&r, p + 13);
    else if (strcmp(p, "/report.csv") == 0) {
        if (h_report(&r, out) == 0)
            return 0;
        return set_error(out, &r.err);
    } else if (strncmp(p, "/schools/", 9) == 0) {
        const char *rest = p + 9, *slash = strchr(rest, '/');

        n = slash ? (size_t)(slash - rest) : strlen(rest);
        if (n == 0 || n >= sizeof(code))
            return set_error(out, &r.err);
        memcpy(code, rest, n);
        code[n] = '\0';
        if (!is_ident(code)) {
            fail(&r, 404, "no school \"%.64s\"", code);
            return set_error(out, &r.err);
        }
        if (slash == NULL)
            j = h_school(&r, code);
        else if (strcmp(slash, "/series") == 0)
            j = h_series(&r, code);
    }
    if (j == NULL)
        return set_error(out, &r.err);
    return set_json(out, 200, j);
}

void
api_resp_free(struct api_resp *r)
{
    free(r->body);
    r->body = NULL;
}
