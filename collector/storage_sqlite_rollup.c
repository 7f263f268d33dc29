/* storage_sqlite_rollup: SQLite backend of storage_hist.h. Statements are
 * prepared per call: the rollup thread runs a few of them per school-hour,
 * every interval_s seconds, so caching them would buy nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "storage_hist.h"
#include "storage_sqlite.h"
#include "storage_sqlite_snmp.h"

int
storage_hist_dirty(struct storage *st, struct storage_hist_hour *out,
                   size_t max)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    size_t n = 0;

    if (storage_sqlite_prep(db, "SELECT school, hour FROM rollup_dirty LIMIT ?",
                            &s, "rollup") != 0)
        return -EIO;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)max);
    while (n < max && sqlite3_step(s) == SQLITE_ROW) {
        snprintf(out[n].school, sizeof(out[n].school), "%s",
                 storage_sqlite_text(s, 0));
        out[n].hour = sqlite3_column_int64(s, 1);
        n++;
    }
    sqlite3_finalize(s);
    return (int)n;
}

int
storage_hist_oldest_dirty(struct storage *st, int64_t *hour)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;

    *hour = INT64_MAX;
    if (storage_sqlite_prep(db, "SELECT min(hour) FROM rollup_dirty", &s,
                            "rollup") != 0)
        return -EIO;
    if (sqlite3_step(s) == SQLITE_ROW && !storage_sqlite_is_null(s, 0))
        *hour = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return 0;
}

int
storage_hist_roll_hour(struct storage *st, const char *school, int64_t hour)
{
    static const char *sql[] = {
        "DELETE FROM class_hour WHERE school = ?1 AND hour = ?2",
        "INSERT INTO class_hour (school, class, hour, minutes, bytes_up, "
        "bytes_down, pkts_up, pkts_down, peak_up_bps, peak_down_bps, "
        "max_devices) SELECT school, class, ?2, count(*), sum(bytes_up), "
        "sum(bytes_down), sum(pkts_up), sum(pkts_down), max(peak_up_bps), "
        "max(peak_down_bps), max(devices) FROM class_minute WHERE "
        "school = ?1 AND minute >= ?2 AND minute < ?2 + 3600 GROUP BY class",
        "DELETE FROM rollup_dirty WHERE school = ?1 AND hour = ?2",
    };
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    size_t i;
    int rc = 0;

    if (storage_sqlite_exec(db, "BEGIN IMMEDIATE", "rollup") != 0)
        return -EIO;
    for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == 0; i++) {
        if (storage_sqlite_prep(db, sql[i], &s, "rollup") != 0) {
            rc = -EIO;
            break;
        }
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, hour);
        if (sqlite3_step(s) != SQLITE_DONE) {
            log_warnx("rollup: hour %lld of %s: %s", (long long)hour,
                      school, sqlite3_errmsg(db));
            rc = -EIO;
        }
        sqlite3_finalize(s);
    }
    if (rc == 0 && storage_sqlite_exec(db, "COMMIT", "rollup") == 0)
        return 0;
    storage_sqlite_exec(db, "ROLLBACK", "rollup");
    return rc ? rc : -EIO;
}

int
storage_hist_school_district(struct storage *st, const char *school,
                             char *out, size_t cap)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;

    out[0] = '\0';
    /* the registry may not exist in a bare store: then the default */
    if (storage_sqlite_prep(db, "SELECT district FROM schools WHERE code = ?",
                            &s, NULL) != 0)
        return 0;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && storage_sqlite_text(s, 0) != NULL)
        snprintf(out, cap, "%s", storage_sqlite_text(s, 0));
    sqlite3_finalize(s);
    return 0;
}

int
storage_hist_day_clear(struct storage *st, const char *school, int64_t day)
{
    static const char *sql[] = {
        "DELETE FROM class_day WHERE school = ?1 AND day = ?2",
        "DELETE FROM school_day WHERE school = ?1 AND day = ?2",
    };
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    size_t i;
    int rc = 0;

    for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == 0; i++) {
        if (storage_sqlite_prep(db, sql[i], &s, "rollup") != 0)
            return -EIO;
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, day);
        if (sqlite3_step(s) != SQLITE_DONE) {
            log_warnx("rollup: day %lld of %s: %s", (long long)day, school,
                      sqlite3_errmsg(db));
            rc = -EIO;
        }
        sqlite3_finalize(s);
    }
    return rc;
}

int
storage_hist_put_class_day(struct storage *st,
                           const struct storage_hist_class_day *r)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    int rc = 0;

    if (storage_sqlite_prep(
            db,
            "INSERT INTO class_day (school, class, day, minutes, "
            "bytes_up, bytes_down, p95_up_bps, p95_down_bps, "
            "peak_up_bps, peak_down_bps, max_devices) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?)",
            &s, "rollup") != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, r->school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->class_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, r->day);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)r->minutes);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)r->bytes_up);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)r->bytes_down);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)r->p95_up_bps);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)r->p95_down_bps);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)r->peak_up_bps);
    sqlite3_bind_int64(s, 10, (sqlite3_int64)r->peak_down_bps);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)r->max_devices);
    if (sqlite3_step(s) != SQLITE_DONE) {
        log_warnx("rollup: class_day: %s", sqlite3_errmsg(db));
        rc = -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

int
storage_hist_put_school_day(struct storage *st,
                            const struct storage_hist_school_day *r)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    int rc = 0;

    if (storage_sqlite_prep(
            db,
            "INSERT INTO school_day (school, day, school_minutes, "
            "minutes_with_data, agg_peak_up_bps, agg_peak_down_bps, "
            "sum_class_peak_up_bps, sum_class_peak_down_bps) VALUES "
            "(?,?,?,?,?,?,?,?)",
            &s, "rollup") != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, r->school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, r->day);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)r->school_minutes);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)r->minutes_with_data);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)r->agg_peak_up_bps);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)r->agg_peak_down_bps);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)r->sum_class_peak_up_bps);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)r->sum_class_peak_down_bps);
    if (sqlite3_step(s) != SQLITE_DONE) {
        log_warnx("rollup: school_day: %s", sqlite3_errmsg(db));
        rc = -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

int
storage_hist_wifi_day(struct storage *st, const char *school,
                      int64_t day_start, int64_t day_end,
                      const struct store_snmp_window *w, size_t nw,
                      int64_t now)
{
    return store_snmp_coverage(storage_db(st), school, day_start, day_end, w,
                               nw, now);
}

int
storage_hist_expire_chunk(struct storage *st, enum storage_hist_raw t,
                          int64_t cutoff, unsigned max)
{
    static const char *const sql[STORAGE_HIST_RAW_N] = {
        [STORAGE_HIST_RAW_CLASS] =
            "DELETE FROM class_minute WHERE rowid IN (SELECT rowid FROM "
            "class_minute WHERE minute < ?1 LIMIT ?2)",
        [STORAGE_HIST_RAW_CAPTURE] =
            "DELETE FROM capture_minute WHERE rowid IN (SELECT rowid FROM "
            "capture_minute WHERE minute < ?1 LIMIT ?2)",
        [STORAGE_HIST_RAW_STATUS] =
            "DELETE FROM agent_status WHERE rowid IN (SELECT rowid FROM "
            "agent_status WHERE minute < ?1 LIMIT ?2)",
    };
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    int n;

    if ((unsigned)t >= STORAGE_HIST_RAW_N)
        return -EINVAL;
    if (storage_sqlite_prep(db, sql[t], &s, NULL) != 0)
        return -EIO;
    if (storage_sqlite_exec(db, "BEGIN IMMEDIATE", "rollup") != 0) {
        sqlite3_finalize(s);
        return -EBUSY;
    }
    sqlite3_bind_int64(s, 1, cutoff);
    sqlite3_bind_int64(s, 2, max);
    if (sqlite3_step(s) != SQLITE_DONE) {
        sqlite3_finalize(s);
        storage_sqlite_exec(db, "ROLLBACK", "rollup");
        return -EBUSY;
    }
    n = sqlite3_changes(db);
    sqlite3_finalize(s);
    if (storage_sqlite_exec(db, "COMMIT", "rollup") != 0) {
        storage_sqlite_exec(db, "ROLLBACK", "rollup");
        return -EBUSY;
    }
    return n;
}
