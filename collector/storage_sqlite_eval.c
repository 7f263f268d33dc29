/* storage_sqlite_eval: SQLite backend of storage_eval.h, on the connection
 * of the struct storage it is given. Statements are prepared per call
 * (one per walk), except the writer's, which live as long as it does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "storage.h"
#include "storage_sqlite.h"
#include "storage_eval.h"
#include "storage_sqlite_snmp.h"

static sqlite3 *
dbof(struct storage *st)
{
    return storage_db(st);
}

int
storage_eval_has(struct storage *st, enum storage_eval_feature f)
{
    switch (f) {
    case STORAGE_EVAL_ROLLUPS:
        return storage_sqlite_has_table(dbof(st), "school_day") &&
               storage_sqlite_has_table(dbof(st), "class_day") &&
               storage_sqlite_has_table(dbof(st), "class_hour") &&
               storage_sqlite_has_table(dbof(st), "rollup_dirty");
    case STORAGE_EVAL_LINKS:
        return storage_sqlite_has_table(dbof(st), "links") &&
               storage_sqlite_has_table(dbof(st), "snmp_if");
    case STORAGE_EVAL_WIFI:
        return storage_sqlite_has_table(dbof(st), "wifi_day") &&
               storage_sqlite_has_table(dbof(st), "wifi_area_sample");
    case STORAGE_EVAL_PROBE_CAPACITY:
        return storage_sqlite_has_table(dbof(st), "probe_capacity");
    case STORAGE_EVAL_REACH:
        return storage_sqlite_has_table(dbof(st), "reach_minute");
    }
    return 0;
}

const char *
storage_eval_error(struct storage *st)
{
    return sqlite3_errmsg(dbof(st));
}

/* ------------------------------------------------------------------ */
/* registry                                                            */

int
storage_eval_school_get(struct storage *st, const char *code,
                        struct storage_eval_school *out)
{
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT name, district, region, type, students, teachers, "
            "classes, contracted_kbps, declared_student_computers, "
            "declared_teacher_computers FROM schools WHERE code = ?1",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(out->name, sizeof(out->name), "%s", storage_sqlite_text(s, 0));
        snprintf(out->district, sizeof(out->district), "%s",
                 storage_sqlite_text(s, 1));
        snprintf(out->region, sizeof(out->region), "%s",
                 storage_sqlite_text(s, 2));
        snprintf(out->type, sizeof(out->type), "%s", storage_sqlite_text(s, 3));
        out->students = sqlite3_column_int64(s, 4);
        out->teachers = sqlite3_column_int64(s, 5);
        out->classes = sqlite3_column_int64(s, 6);
#define OPT(i)                                                                 \
    (storage_sqlite_is_null(s, (i)) ? -1 : sqlite3_column_int64(s, (i)))
        out->contracted_kbps = OPT(7);
        out->declared_student_computers = OPT(8);
        out->declared_teacher_computers = OPT(9);
#undef OPT
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

int
storage_eval_each_school(struct storage *st, const char *district,
                         storage_eval_school_cb cb, void *arg)
{
    sqlite3_stmt *s;
    int rc, r = 0;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT code, district FROM schools WHERE ?1 = '' OR "
            "district = ?1 ORDER BY district, code",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, district != NULL ? district : "", -1,
                      SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((r = cb(arg, storage_sqlite_text(s, 0),
                    storage_sqlite_text(s, 1))) != 0)
            break;
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_class(struct storage *st, const char *school,
                        storage_eval_class_cb cb, void *arg)
{
    sqlite3_stmt *s;
    int rc, r = 0;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT class, kind FROM classes WHERE school = ?1 ORDER "
            "BY class",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((r = cb(arg, storage_sqlite_text(s, 0),
                    storage_sqlite_text(s, 1))) != 0)
            break;
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_link(struct storage *st, const char *school,
                       storage_eval_link_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_link l;
    int rc, r = 0;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT role, target, interface FROM links WHERE school "
            "= ?1 ORDER BY link",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        l.role = storage_sqlite_text(s, 0);
        l.target = storage_sqlite_text(s, 1);
        l.iface = storage_sqlite_text(s, 2);
        if ((r = cb(arg, &l)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_inventory(struct storage *st, const char *school,
                            const char *item, storage_eval_inventory_cb cb,
                            void *arg)
{
    sqlite3_stmt *s;
    int rc, r = 0;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT year, value FROM inventory WHERE school = ?1 AND "
            "item = ?2",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, item, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((r = cb(arg, sqlite3_column_int(s, 0),
                    sqlite3_column_double(s, 1))) != 0)
            break;
    return storage_sqlite_walk_end(s, rc, r);
}

/* ------------------------------------------------------------------ */
/* measurements                                                        */

/* Prepares sql and binds ?1 = school, ?2 = from, ?3 = to. */
static int
prep_range(struct storage *st, const char *sql, const char *school,
           int64_t from, int64_t to, sqlite3_stmt **s)
{
    if (storage_sqlite_prep(dbof(st), sql, s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(*s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*s, 2, from);
    sqlite3_bind_int64(*s, 3, to);
    return 0;
}

int
storage_eval_each_school_day(struct storage *st, const char *school,
                             int64_t day_from, int64_t day_to,
                             storage_eval_school_day_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_school_day d;
    int rc, r = 0;

    if (prep_range(st, "SELECT day, minutes_with_data, "
                   "sum_class_peak_down_bps FROM school_day WHERE school = "
                   "?1 AND day >= ?2 AND day < ?3",
                   school, day_from, day_to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        d.day = sqlite3_column_int64(s, 0);
        d.minutes_with_data = sqlite3_column_int64(s, 1);
        d.sum_class_peak_down_bps = (uint64_t)sqlite3_column_int64(s, 2);
        if ((r = cb(arg, &d)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_dirty_hour(struct storage *st, const char *school,
                             int64_t from, int64_t to,
                             storage_eval_hour_cb cb, void *arg)
{
    sqlite3_stmt *s;
    int rc, r = 0;

    if (prep_range(st, "SELECT hour FROM rollup_dirty WHERE school = ?1 AND "
                   "hour >= ?2 AND hour < ?3", school, from, to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((r = cb(arg, sqlite3_column_int64(s, 0))) != 0)
            break;
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_class_hour(struct storage *st, const char *school,
                             int64_t from, int64_t to,
                             storage_eval_class_hour_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_class_hour h;
    int rc, r = 0;

    if (prep_range(st, "SELECT hour, bytes_up, bytes_down, minutes FROM "
                   "class_hour WHERE school = ?1 AND hour >= ?2 AND hour < "
                   "?3 ORDER BY hour", school, from, to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        h.hour = sqlite3_column_int64(s, 0);
        h.bytes_up = (uint64_t)sqlite3_column_int64(s, 1);
        h.bytes_down = (uint64_t)sqlite3_column_int64(s, 2);
        h.minutes = sqlite3_column_int64(s, 3);
        if ((r = cb(arg, &h)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_class_day(struct storage *st, const char *school,
                            int64_t day_from, int64_t day_to,
                            storage_eval_class_day_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_class_day d;
    int rc, r = 0;

    if (prep_range(st, "SELECT class, day, max_devices, p95_down_bps, "
                   "peak_down_bps FROM class_day WHERE school = ?1 AND day "
                   ">= ?2 AND day < ?3", school, day_from, day_to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        d.class_id = storage_sqlite_text(s, 0);
        d.day = sqlite3_column_int64(s, 1);
        d.max_devices = sqlite3_column_int64(s, 2);
        d.p95_down_bps = (uint64_t)sqlite3_column_int64(s, 3);
        d.peak_down_bps = (uint64_t)sqlite3_column_int64(s, 4);
        if ((r = cb(arg, &d)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_if_poll(struct storage *st, const char *school,
                          int64_t from, int64_t to, storage_eval_if_cb cb,
                          void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_if_poll p;
    int rc, r = 0;

    if (prep_range(st, "SELECT ts, target, name, alias, speed_mbps, oper "
                   "FROM snmp_if WHERE school = ?1 AND ts >= ?2 AND ts < ?3",
                   school, from, to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        p.ts = sqlite3_column_int64(s, 0);
        p.target = storage_sqlite_text(s, 1);
        p.name = storage_sqlite_text(s, 2);
        p.alias = storage_sqlite_text(s, 3);
        p.speed_mbps = sqlite3_column_int64(s, 4);     /* NULL: 0 */
        p.oper = sqlite3_column_int(s, 5);
        if ((r = cb(arg, &p)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_wifi_day(struct storage *st, const char *school,
                           int64_t from, int64_t to,
                           storage_eval_wifi_day_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_wifi_day d;
    int rc, r = 0;

    if (prep_range(st, "SELECT day, required_areas, covered_areas, "
                   "unknown_areas, full_coverage, access_mbps FROM wifi_day "
                   "WHERE school = ?1 AND day >= ?2 AND day < ?3 ORDER BY "
                   "day", school, from, to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        d.day = sqlite3_column_int64(s, 0);
        d.required_areas = sqlite3_column_int64(s, 1);
        d.covered_areas = sqlite3_column_int64(s, 2);
        d.unknown_areas = sqlite3_column_int64(s, 3);
        d.full_known = !storage_sqlite_is_null(s, 4);
        d.full_coverage = sqlite3_column_int(s, 4);
        d.access_known = !storage_sqlite_is_null(s, 5);
        d.access_mbps = sqlite3_column_int64(s, 5);
        if ((r = cb(arg, &d)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_wifi_sample_span(struct storage *st, const char *school,
                              int64_t from, int64_t to, int64_t *lo,
                              int64_t *hi)
{
    sqlite3_stmt *s;
    int rc = -ENOENT;

    /* A store without the SNMP tables has no samples. */
    if (prep_range(st, "SELECT min(ts), max(ts) FROM wifi_area_sample "
                   "WHERE school = ?1 AND ts >= ?2 AND ts < ?3",
                   school, from, to, &s) != 0)
        return -ENOENT;
    if (sqlite3_step(s) != SQLITE_ROW) {
        rc = -EIO;
    } else if (!storage_sqlite_is_null(s, 0)) {
        *lo = sqlite3_column_int64(s, 0);
        *hi = sqlite3_column_int64(s, 1);
        rc = 0;
    }
    sqlite3_finalize(s);
    return rc;
}

int
storage_eval_each_capacity_probe(struct storage *st, const char *school,
                                 int64_t from, int64_t to,
                                 storage_eval_probe_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_probe p;
    int rc, r = 0;

    if (prep_range(st, "SELECT ts, status, up_mbps, down_mbps, link_mbps "
                   "FROM probe_capacity WHERE school = ?1 AND ts >= ?2 AND "
                   "ts < ?3", school, from, to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        p.ts = sqlite3_column_int64(s, 0);
        p.status = sqlite3_column_int(s, 1);
        p.up_known = !storage_sqlite_is_null(s, 2);
        p.up_mbps = sqlite3_column_double(s, 2);
        p.down_known = !storage_sqlite_is_null(s, 3);
        p.down_mbps = sqlite3_column_double(s, 3);
        p.link_known = !storage_sqlite_is_null(s, 4);
        p.link_mbps = sqlite3_column_int64(s, 4);
        if ((r = cb(arg, &p)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_eval_each_reach_minute(struct storage *st, const char *school,
                               int64_t from, int64_t to,
                               storage_eval_reach_cb cb, void *arg)
{
    sqlite3_stmt *s;
    int rc, r = 0;

    if (prep_range(st, "SELECT minute, probes, ok FROM reach_minute WHERE "
                   "school = ?1 AND minute >= ?2 AND minute < ?3 ORDER BY "
                   "minute", school, from, to, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((r = cb(arg, sqlite3_column_int64(s, 0),
                    sqlite3_column_int64(s, 1),
                    sqlite3_column_int64(s, 2))) != 0)
            break;
    return storage_sqlite_walk_end(s, rc, r);
}

/* ------------------------------------------------------------------ */
/* transactions                                                        */

int
storage_eval_begin(struct storage *st)
{
    return storage_sqlite_exec(dbof(st), "BEGIN IMMEDIATE", NULL);
}

int
storage_eval_commit(struct storage *st)
{
    return storage_sqlite_exec(dbof(st), "COMMIT", NULL);
}

void
storage_eval_rollback(struct storage *st)
{
    storage_sqlite_exec(dbof(st), "ROLLBACK", NULL);
}

/* ------------------------------------------------------------------ */
/* stored evaluations                                                  */

struct storage_eval_writer {
    struct storage *st;
    int64_t id;
    sqlite3_stmt *school, *metric, *rule;
};

int
storage_eval_write_begin(struct storage *st, struct storage_eval_writer **out)
{
    struct storage_eval_writer *w;

    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return -ENOMEM;
    w->st = st;
    if (storage_eval_begin(st) != 0) {
        free(w);
        return -EIO;
    }
    *out = w;
    return 0;
}

static void
writer_free(struct storage_eval_writer *w)
{
    sqlite3_finalize(w->school);
    sqlite3_finalize(w->metric);
    sqlite3_finalize(w->rule);
    free(w);
}

int
storage_eval_write_head(struct storage_eval_writer *w,
                        const struct storage_eval_head *h, int64_t *id)
{
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(
            dbof(w->st),
            "INSERT INTO evaluations (pack, version, year, "
            "rules_year, district, period_from, period_to, min_days, "
            "stale_days, created, calendar) VALUES (?1,?2,?3,?4,?5,?6,?7,"
            "?8,?9,?10,?11)",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, h->pack, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, h->version, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, h->year);
    sqlite3_bind_int(s, 4, h->rules_year);
    sqlite3_bind_text(s, 5, h->district, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, h->from);
    sqlite3_bind_int64(s, 7, h->to);
    sqlite3_bind_int(s, 8, h->min_days);
    sqlite3_bind_int(s, 9, h->stale_days);
    sqlite3_bind_int64(s, 10, h->created);
    sqlite3_bind_text(s, 11, h->calendar, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return -EIO;
    w->id = sqlite3_last_insert_rowid(dbof(w->st));
    if (storage_sqlite_prep(
            dbof(w->st),
            "INSERT INTO evaluation_school (eval_id, rule, school, "
            "name, district, region, type, metric, value, value_num, "
            "value_den, declared, status, days, school_days, completeness, "
            "source, note) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
            "?13,?14,?15,?16,?17,?18)",
            &w->school, NULL) != 0 ||
        storage_sqlite_prep(
            dbof(w->st),
            "INSERT INTO evaluation_metric (eval_id, school, metric, "
            "seq, value, value_num, value_den, source, declared, note, "
            "days, school_days, completeness) VALUES (?1,?2,?3,?4,?5,?6,"
            "?7,?8,?9,?10,?11,?12,?13)",
            &w->metric, NULL) != 0 ||
        storage_sqlite_prep(
            dbof(w->st),
            "INSERT INTO evaluation_rule (eval_id, rule, seq, "
            "metric, op, threshold, regions, types, in_scope, meeting, "
            "failing, undetermined, share_num, share_den, req_num, "
            "req_den, verdict, text) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,"
            "?10,?11,?12,?13,?14,?15,?16,?17,?18)",
            &w->rule, NULL) != 0)
        return -EIO;
    *id = w->id;
    return 0;
}

/* Binds value (text, num, den at i, i+1, i+2), or three NULLs. */
static void
bind_value(sqlite3_stmt *s, int i, const char *value, int64_t num,
           int64_t den)
{
    if (value == NULL) {
        sqlite3_bind_null(s, i);
        sqlite3_bind_null(s, i + 1);
        sqlite3_bind_null(s, i + 2);
        return;
    }
    sqlite3_bind_text(s, i, value, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, i + 1, num);
    sqlite3_bind_int64(s, i + 2, den);
}

static int
step_reset(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);

    if (rc != SQLITE_DONE)
        return -EIO;
    sqlite3_reset(s);
    return 0;
}

int
storage_eval_write_school(struct storage_eval_writer *w,
                          const struct storage_eval_school_row *r)
{
    sqlite3_stmt *s = w->school;

    sqlite3_bind_int64(s, 1, w->id);
    sqlite3_bind_text(s, 2, r->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->district, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, r->metric, -1, SQLITE_STATIC);
    bind_value(s, 9, r->value, r->value_num, r->value_den);
    sqlite3_bind_text(s, 12, r->declared, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 13, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 14, r->days);
    sqlite3_bind_int64(s, 15, r->school_days);
    sqlite3_bind_text(s, 16, r->completeness, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 17, r->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 18, r->note, -1, SQLITE_STATIC);
    return step_reset(s);
}

int
storage_eval_write_metric(struct storage_eval_writer *w,
                          const struct storage_eval_metric_row *r)
{
    sqlite3_stmt *s = w->metric;

    sqlite3_bind_int64(s, 1, w->id);
    sqlite3_bind_text(s, 2, r->school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->metric, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, r->seq);
    bind_value(s, 5, r->value, r->value_num, r->value_den);
    sqlite3_bind_text(s, 8, r->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, r->declared, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, r->note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 11, r->days);
    sqlite3_bind_int64(s, 12, r->school_days);
    sqlite3_bind_text(s, 13, r->completeness, -1, SQLITE_TRANSIENT);
    return step_reset(s);
}

int
storage_eval_write_rule(struct storage_eval_writer *w,
                        const struct storage_eval_rule_row *r)
{
    sqlite3_stmt *s = w->rule;

    sqlite3_bind_int64(s, 1, w->id);
    sqlite3_bind_text(s, 2, r->rule, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, r->seq);
    sqlite3_bind_text(s, 4, r->metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->op, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->threshold, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->regions, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, r->types, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, r->in_scope);
    sqlite3_bind_int64(s, 10, r->meeting);
    sqlite3_bind_int64(s, 11, r->failing);
    sqlite3_bind_int64(s, 12, r->undetermined);
    sqlite3_bind_int64(s, 13, r->share_num);
    sqlite3_bind_int64(s, 14, r->share_den);
    sqlite3_bind_int64(s, 15, r->req_num);
    sqlite3_bind_int64(s, 16, r->req_den);
    sqlite3_bind_text(s, 17, r->verdict, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 18, r->text, -1, SQLITE_STATIC);
    return step_reset(s);
}

int
storage_eval_write_commit(struct storage_eval_writer *w)
{
    int rc = storage_eval_commit(w->st);

    if (rc != 0)
        return rc;      /* the caller aborts, which frees */
    writer_free(w);
    return 0;
}

void
storage_eval_write_abort(struct storage_eval_writer *w)
{
    if (w == NULL)
        return;
    storage_eval_rollback(w->st);
    writer_free(w);
}

int
storage_eval_latest(struct storage *st, const char *pack, int year,
                    const char *district, int64_t *id)
{
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT max(id) FROM evaluations WHERE pack = ?1 AND year "
            "= ?2 AND district = ?3",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, pack, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, year);
    sqlite3_bind_text(s, 3, district != NULL ? district : "", -1,
                      SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && !storage_sqlite_is_null(s, 0)) {
        *id = sqlite3_column_int64(s, 0);
        rc = 0;
    } else {
        rc = rc == SQLITE_ROW ? -ENOENT : -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

int
storage_eval_head_get(struct storage *st, int64_t id,
                      storage_eval_head_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_head h;
    int rc;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT pack, version, district, year, rules_year, "
            "min_days, stale_days, period_from, period_to, created, "
            "calendar FROM evaluations WHERE id = ?1",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        h.pack = storage_sqlite_text(s, 0);
        h.version = storage_sqlite_text(s, 1);
        h.district = storage_sqlite_text(s, 2);
        h.year = sqlite3_column_int(s, 3);
        h.rules_year = sqlite3_column_int(s, 4);
        h.min_days = sqlite3_column_int(s, 5);
        h.stale_days = sqlite3_column_int(s, 6);
        h.from = sqlite3_column_int64(s, 7);
        h.to = sqlite3_column_int64(s, 8);
        h.created = sqlite3_column_int64(s, 9);
        h.calendar = storage_sqlite_text(s, 10);
        rc = cb(arg, &h);
    } else {
        rc = rc == SQLITE_DONE ? -ENOENT : -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

int
storage_eval_each_rule(struct storage *st, int64_t id,
                       storage_eval_rule_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_rule_row r;
    int rc, cr = 0;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT rule, seq, metric, op, threshold, regions, types, "
            "in_scope, meeting, failing, undetermined, share_num, "
            "share_den, req_num, req_den, verdict, text FROM "
            "evaluation_rule WHERE eval_id = ?1 ORDER BY seq",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r.rule = storage_sqlite_text(s, 0);
        r.seq = sqlite3_column_int(s, 1);
        r.metric = storage_sqlite_text(s, 2);
        r.op = storage_sqlite_text(s, 3);
        r.threshold = storage_sqlite_text(s, 4);
        r.regions = storage_sqlite_text(s, 5);
        r.types = storage_sqlite_text(s, 6);
        r.in_scope = sqlite3_column_int64(s, 7);
        r.meeting = sqlite3_column_int64(s, 8);
        r.failing = sqlite3_column_int64(s, 9);
        r.undetermined = sqlite3_column_int64(s, 10);
        r.share_num = sqlite3_column_int64(s, 11);
        r.share_den = sqlite3_column_int64(s, 12);
        r.req_num = sqlite3_column_int64(s, 13);
        r.req_den = sqlite3_column_int64(s, 14);
        r.verdict = storage_sqlite_text(s, 15);
        r.text = storage_sqlite_text(s, 16);
        if ((cr = cb(arg, &r)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, cr);
}

int
storage_eval_each_school_row(struct storage *st, int64_t id,
                             storage_eval_school_row_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_school_row r;
    int rc, cr = 0;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT es.rule, es.school, es.name, es.district, "
            "es.region, es.type, es.metric, es.value, es.value_num, "
            "es.value_den, es.declared, es.status, es.days, "
            "es.school_days, es.completeness, es.source, es.note, er.op, "
            "er.threshold FROM evaluation_school es JOIN evaluation_rule "
            "er ON er.eval_id = es.eval_id AND er.rule = es.rule WHERE "
            "es.eval_id = ?1 ORDER BY es.district, es.school, er.seq",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r.rule = storage_sqlite_text(s, 0);
        r.school = storage_sqlite_text(s, 1);
        r.name = storage_sqlite_text(s, 2);
        r.district = storage_sqlite_text(s, 3);
        r.region = storage_sqlite_text(s, 4);
        r.type = storage_sqlite_text(s, 5);
        r.metric = storage_sqlite_text(s, 6);
        r.value = storage_sqlite_text(s, 7);
        r.value_num = sqlite3_column_int64(s, 8);
        r.value_den = sqlite3_column_int64(s, 9);
        r.declared = storage_sqlite_text(s, 10);
        r.status = storage_sqlite_text(s, 11);
        r.days = sqlite3_column_int64(s, 12);
        r.school_days = sqlite3_column_int64(s, 13);
        r.completeness = storage_sqlite_text(s, 14);
        r.source = storage_sqlite_text(s, 15);
        r.note = storage_sqlite_text(s, 16);
        r.op = storage_sqlite_text(s, 17);
        r.threshold = storage_sqlite_text(s, 18);
        if ((cr = cb(arg, &r)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, cr);
}

int
storage_eval_each_metric_row(struct storage *st, int64_t id,
                             storage_eval_metric_row_cb cb, void *arg)
{
    sqlite3_stmt *s;
    struct storage_eval_metric_row r;
    int rc, cr = 0;

    if (storage_sqlite_prep(
            dbof(st),
            "SELECT em.school, em.metric, em.seq, em.value, "
            "em.value_num, em.value_den, em.source, em.declared, em.note, "
            "em.days, em.school_days, em.completeness, s.name, s.district "
            "FROM evaluation_metric em LEFT JOIN (SELECT DISTINCT school, "
            "name, district FROM evaluation_school WHERE eval_id = ?1) s "
            "ON s.school = em.school WHERE em.eval_id = ?1 ORDER BY "
            "s.district, em.school, em.seq",
            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r.school = storage_sqlite_text(s, 0);
        r.metric = storage_sqlite_text(s, 1);
        r.seq = sqlite3_column_int(s, 2);
        r.value = storage_sqlite_text(s, 3);
        r.value_num = sqlite3_column_int64(s, 4);
        r.value_den = sqlite3_column_int64(s, 5);
        r.source = storage_sqlite_text(s, 6);
        r.declared = storage_sqlite_text(s, 7);
        r.note = storage_sqlite_text(s, 8);
        r.days = sqlite3_column_int64(s, 9);
        r.school_days = sqlite3_column_int64(s, 10);
        r.completeness = storage_sqlite_text(s, 11);
        r.name = storage_sqlite_text(s, 12);
        r.district = storage_sqlite_text(s, 13);
        if ((cr = cb(arg, &r)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, cr);
}
