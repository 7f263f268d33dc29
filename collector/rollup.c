/* rollup: see rollup.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "calendar.h"
#include "log.h"
#include "rollup.h"
#include "storage.h"
#include "store_snmp.h"

#define DIRTY_PER_PASS 256
#define EXPIRE_CHUNK 5000

struct rollup {
    struct rollup_opts o;
    char *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
    struct rollup_stats st;
};

struct day_key {
    char school[256];
    int64_t day;
};

static int
exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_warnx("rollup: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

static int
roll_hour(sqlite3 *db, const char *school, int64_t hour)
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
    sqlite3_stmt *s;
    size_t i;
    int rc = 0;

    if (exec(db, "BEGIN IMMEDIATE") != 0)
        return -EIO;
    for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == 0; i++) {
        if (sqlite3_prepare_v2(db, sql[i], -1, &s, NULL) != SQLITE_OK) {
            log_warnx("rollup: %s", sqlite3_errmsg(db));
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
    if (rc == 0 && exec(db, "COMMIT") == 0)
        return 0;
    exec(db, "ROLLBACK");
    return rc ? rc : -EIO;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Nearest-rank p95 of n values (sorted in place). */
static uint64_t
p95(uint64_t *v, size_t n)
{
    size_t k;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_u64);
    k = (n * 95 + 99) / 100; /* ceil(0.95 n) */
    return v[k ? k - 1 : 0];
}

struct cls_acc {
    char name[256];
    uint64_t *up, *down; /* bytes per school-hour minute slot */
    unsigned minutes;
    uint64_t bytes_up, bytes_down, peak_up, peak_down, max_dev;
};

static const char *
school_district(sqlite3 *db, const char *school, char *out, size_t cap)
{
    sqlite3_stmt *s;

    out[0] = '\0';
    /* the registry may not exist in a bare store: then the default */
    if (sqlite3_prepare_v2(db, "SELECT district FROM schools WHERE code = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return out;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
}

static int
roll_day(struct storage *st, sqlite3 *db, const char *school, int64_t day)
{
    struct calendar cal;
    char district[256];
    struct cls_acc *cls = NULL;
    size_t ncls = 0, i, slot, nslots;
    int64_t t0, t1, m;
    uint64_t *agg_up = NULL, *agg_down = NULL, v, sum_pu = 0, sum_pd = 0;
    unsigned char *seen = NULL;
    unsigned with_data = 0;
    sqlite3_stmt *s = NULL;
    int rc = -EIO;

    school_district(db, school, district, sizeof(district));
    if (calendar_get(st, district, &cal) != 0)
        calendar_default(&cal);
    t0 = calendar_day_start(&cal, day) + (int64_t)cal.start_min * 60;
    t1 = calendar_day_start(&cal, day) + (int64_t)cal.end_min * 60;
    nslots = t1 > t0 ? (size_t)((t1 - t0) / 60) : 0;
    if (exec(db, "BEGIN IMMEDIATE") != 0) {
        calendar_free(&cal);
        return -EIO;
    }
    if (sqlite3_prepare_v2(db, "DELETE FROM class_day WHERE school = ?1 AND "
                           "day = ?2", -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, day);
    sqlite3_step(s);
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(db, "DELETE FROM school_day WHERE school = ?1 AND "
                           "day = ?2", -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, day);
    sqlite3_step(s);
    sqlite3_finalize(s);
    s = NULL;
    {
        /* Wi-Fi coverage of the day, from the SNMP area samples */
        struct store_snmp_window w = {t0, t1};
        int school_day = calendar_is_school_day(&cal, day) && nslots > 0;
        int64_t ds = calendar_day_start(&cal, day);

        if (store_snmp_coverage(db, school, ds, ds + 86400, &w,
                                school_day ? 1 : 0, (int64_t)time(NULL)) != 0)
            goto out;
        if (!school_day) {
            rc = 0;
            goto out;
        }
    }
    agg_up = calloc(nslots, sizeof(*agg_up));
    agg_down = calloc(nslots, sizeof(*agg_down));
    seen = calloc(nslots, 1);
    if (agg_up == NULL || agg_down == NULL || seen == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if (sqlite3_prepare_v2(db, "SELECT class, minute, bytes_up, bytes_down, "
            "peak_up_bps, peak_down_bps, devices FROM class_minute WHERE "
            "school = ?1 AND minute >= ?2 AND minute < ?3 ORDER BY class",
            -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t0);
    sqlite3_bind_int64(s, 3, t1);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        struct cls_acc *c;

        if (ncls == 0 || strcmp(cls[ncls - 1].name, name) != 0) {
            struct cls_acc *n = realloc(cls, (ncls + 1) * sizeof(*cls));
            if (n == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            cls = n;
            c = &cls[ncls++];
            memset(c, 0, sizeof(*c));
            snprintf(c->name, sizeof(c->name), "%s", name);
            c->up = calloc(nslots, sizeof(uint64_t));
            c->down = calloc(nslots, sizeof(uint64_t));
            if (c->up == NULL || c->down == NULL) {
                rc = -ENOMEM;
                goto out;
            }
        }
        c = &cls[ncls - 1];
        m = sqlite3_column_int64(s, 1);
        slot = (size_t)((m - t0) / 60);
        if (slot >= nslots)
            continue;
        c->up[slot] += (uint64_t)sqlite3_column_int64(s, 2);
        c->down[slot] += (uint64_t)sqlite3_column_int64(s, 3);
        c->minutes++;
        v = (uint64_t)sqlite3_column_int64(s, 4);
        if (v > c->peak_up)
            c->peak_up = v;
        v = (uint64_t)sqlite3_column_int64(s, 5);
        if (v > c->peak_down)
            c->peak_down = v;
        v = (uint64_t)sqlite3_column_int64(s, 6);
        if (v > c->max_dev)
            c->max_dev = v;
        agg_up[slot] += (uint64_t)sqlite3_column_int64(s, 2);
        agg_down[slot] += (uint64_t)sqlite3_column_int64(s, 3);
        seen[slot] = 1;
    }
    sqlite3_finalize(s);
    s = NULL;
    /* a minute the agent reported (capture row) is a minute with data even
     * when no class had traffic */
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT minute FROM capture_minute "
            "WHERE school = ?1 AND minute >= ?2 AND minute < ?3", -1, &s,
            NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, t0);
        sqlite3_bind_int64(s, 3, t1);
        while (sqlite3_step(s) == SQLITE_ROW) {
            slot = (size_t)((sqlite3_column_int64(s, 0) - t0) / 60);
            if (slot < nslots)
                seen[slot] = 1;
        }
        sqlite3_finalize(s);
        s = NULL;
    }
    if (sqlite3_prepare_v2(db, "INSERT INTO class_day (school, class, day, "
            "minutes, bytes_up, bytes_down, p95_up_bps, p95_down_bps, "
            "peak_up_bps, peak_down_bps, max_devices) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
        goto out;
    for (i = 0; i < ncls; i++) {
        struct cls_acc *c = &cls[i];
        for (slot = 0; slot < nslots; slot++) {
            c->bytes_up += c->up[slot];
            c->bytes_down += c->down[slot];
        }
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, day);
        sqlite3_bind_int64(s, 4, c->minutes);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)c->bytes_up);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)c->bytes_down);
        sqlite3_bind_int64(s, 7, (sqlite3_int64)(p95(c->up, nslots) * 8 / 60));
        sqlite3_bind_int64(s, 8,
                           (sqlite3_int64)(p95(c->down, nslots) * 8 / 60));
        sqlite3_bind_int64(s, 9, (sqlite3_int64)c->peak_up);
        sqlite3_bind_int64(s, 10, (sqlite3_int64)c->peak_down);
        sqlite3_bind_int64(s, 11, (sqlite3_int64)c->max_dev);
        if (sqlite3_step(s) != SQLITE_DONE) {
            log_warnx("rollup: class_day: %s", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(s);
        sum_pu += c->peak_up;
        sum_pd += c->peak_down;
    }
    sqlite3_finalize(s);
    s = NULL;
    for (slot = 0; slot < nslots; slot++)
        with_data += seen[slot];
    if (sqlite3_prepare_v2(db, "INSERT INTO school_day (school, day, "
            "school_minutes, minutes_with_data, agg_peak_up_bps, "
            "agg_peak_down_bps, sum_class_peak_up_bps, "
            "sum_class_peak_down_bps) VALUES (?,?,?,?,?,?,?,?)", -1, &s,
            NULL) != SQLITE_OK)
        goto out;
    {
        uint64_t pu = 0, pd = 0;
        for (slot = 0; slot < nslots; slot++) {
            if (agg_up[slot] > pu)
                pu = agg_up[slot];
            if (agg_down[slot] > pd)
                pd = agg_down[slot];
        }
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, day);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)nslots);
        sqlite3_bind_int64(s, 4, with_data);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)(pu * 8 / 60));
        sqlite3_bind_int64(s, 6, (sqlite3_int64)(pd * 8 / 60));
        sqlite3_bind_int64(s, 7, (sqlite3_int64)sum_pu);
        sqlite3_bind_int64(s, 8, (sqlite3_int64)sum_pd);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto out;
    }
    rc = 0;
out:
    if (s != NULL)
        sqlite3_finalize(s);
    if (rc == 0 && exec(db, "COMMIT") != 0)
        rc = -EIO;
    if (rc != 0)
        exec(db, "ROLLBACK");
    for (i = 0; i < ncls; i++) {
        free(cls[i].up);
        free(cls[i].down);
    }
    free(cls);
    free(agg_up);
    free(agg_down);
    free(seen);
    calendar_free(&cal);
    return rc;
}

static int
day_known(const struct day_key *d, size_t n, const char *school, int64_t day)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (d[i].day == day && strcmp(d[i].school, school) == 0)
            return 1;
    return 0;
}

/* One pass: dirty hours, then the local days they touch. */
static int
pass_dirty(struct storage *st, sqlite3 *db, struct rollup_stats *rs)
{
    struct { char school[256]; int64_t hour; } hrs[DIRTY_PER_PASS];
    struct day_key days[DIRTY_PER_PASS * 2];
    size_t nh = 0, nd = 0, i;
    struct calendar cal;
    char district[256];
    sqlite3_stmt *s;
    int64_t d;

    if (sqlite3_prepare_v2(db, "SELECT school, hour FROM rollup_dirty "
                           "LIMIT ?", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int(s, 1, DIRTY_PER_PASS);
    while (sqlite3_step(s) == SQLITE_ROW && nh < DIRTY_PER_PASS) {
        snprintf(hrs[nh].school, sizeof(hrs[nh].school), "%s",
                 (const char *)sqlite3_column_text(s, 0));
        hrs[nh].hour = sqlite3_column_int64(s, 1);
        nh++;
    }
    sqlite3_finalize(s);
    for (i = 0; i < nh; i++) {
        /* the writer comes first: let it take the lock between our short
         * transactions */
        usleep(2000);
        if (roll_hour(db, hrs[i].school, hrs[i].hour) != 0)
            return -EIO;
        rs->hours++;
        school_district(db, hrs[i].school, district, sizeof(district));
        if (calendar_get(st, district, &cal) != 0)
            calendar_default(&cal);
        /* an hour lies in at most two local days */
        d = calendar_day(&cal, hrs[i].hour);
        if (!day_known(days, nd, hrs[i].school, d)) {
            memcpy(days[nd].school, hrs[i].school, sizeof(days[nd].school));
            days[nd++].day = d;
        }
        d = calendar_day(&cal, hrs[i].hour + 3599);
        if (!day_known(days, nd, hrs[i].school, d)) {
            memcpy(days[nd].school, hrs[i].school, sizeof(days[nd].school));
            days[nd++].day = d;
        }
        calendar_free(&cal);
    }
    for (i = 0; i < nd; i++) {
        usleep(2000);
        if (roll_day(st, db, days[i].school, days[i].day) != 0)
            return -EIO;
        rs->days++;
    }
    return (int)nh;
}

static int
expire(sqlite3 *db, int64_t cutoff, struct rollup_stats *rs)
{
    static const char *const tables[] = {
        "DELETE FROM class_minute WHERE rowid IN (SELECT rowid FROM "
        "class_minute WHERE minute < ?1 LIMIT ?2)",
        "DELETE FROM capture_minute WHERE rowid IN (SELECT rowid FROM "
        "capture_minute WHERE minute < ?1 LIMIT ?2)",
        "DELETE FROM agent_status WHERE rowid IN (SELECT rowid FROM "
        "agent_status WHERE minute < ?1 LIMIT ?2)",
    };
    sqlite3_stmt *s;
    size_t i;
    int n;

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (sqlite3_prepare_v2(db, tables[i], -1, &s, NULL) != SQLITE_OK)
            return -EIO;
        do {
            if (exec(db, "BEGIN IMMEDIATE") != 0)
                break;
            sqlite3_bind_int64(s, 1, cutoff);
            sqlite3_bind_int(s, 2, EXPIRE_CHUNK);
            if (sqlite3_step(s) != SQLITE_DONE) {
                exec(db, "ROLLBACK");
                break;
            }
            n = sqlite3_changes(db);
            sqlite3_reset(s);
            exec(db, "COMMIT");
            rs->expired_rows += (uint64_t)n;
        } while (n == EXPIRE_CHUNK);
        sqlite3_finalize(s);
    }
    return 0;
}

static int
oldest_dirty(sqlite3 *db, int64_t *hour)
{
    sqlite3_stmt *s;
    int rc = 0;

    *hour = INT64_MAX;
    if (sqlite3_prepare_v2(db, "SELECT min(hour) FROM rollup_dirty", -1, &s,
                           NULL) != SQLITE_OK)
        return -EIO;
    if (sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_type(s, 0) != SQLITE_NULL)
        *hour = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc;
}

static int
full_pass(struct storage *st, unsigned retention_days, int64_t now,
          struct rollup_stats *rs)
{
    sqlite3 *db = storage_handle(st);
    int64_t oldest, cutoff;
    int n;

    while ((n = pass_dirty(st, db, rs)) == DIRTY_PER_PASS)
        ;
    if (n < 0)
        return n;
    rs->passes++;
    if (retention_days == 0)
        return 0;
    cutoff = now - (int64_t)retention_days * 86400;
    /* never expire raw rows of an hour whose rollup is still pending */
    if (oldest_dirty(db, &oldest) == 0 && oldest < cutoff)
        cutoff = oldest;
    return expire(db, cutoff, rs);
}

int
rollup_run_once(const char *db, unsigned retention_days, int64_t now,
                struct rollup_stats *rs)
{
    struct storage *st;
    int rc;

    memset(rs, 0, sizeof(*rs));
    if ((rc = storage_open(db, &st)) != 0)
        return rc;
    rc = full_pass(st, retention_days, now, rs);
    storage_close(st);
    return rc;
}

static void *
rollup_main(void *arg)
{
    struct rollup *r = arg;
    struct rollup_stats rs;
    struct storage *st = NULL;
    struct timespec ts;

    for (;;) {
        pthread_mutex_lock(&r->mu);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += r->o.interval_s;
        while (!r->stopping &&
               pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
            ;
        if (r->stopping) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        pthread_mutex_unlock(&r->mu);
        if (st == NULL && storage_open(r->db, &st) != 0) {
            st = NULL;
            continue;
        }
        memset(&rs, 0, sizeof(rs));
        if (full_pass(st, r->o.retention_days, (int64_t)time(NULL), &rs) != 0)
            log_warnx("rollup: pass failed; retrying in %us",
                      r->o.interval_s);
        pthread_mutex_lock(&r->mu);
        r->st.hours += rs.hours;
        r->st.days += rs.days;
        r->st.expired_rows += rs.expired_rows;
        r->st.passes++;
        pthread_mutex_unlock(&r->mu);
    }
    storage_close(st);
    return NULL;
}

int
rollup_start(const struct rollup_opts *o, struct rollup **out)
{
    struct rollup *r;
    int rc;

    *out = NULL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->o = *o;
    if (r->o.interval_s == 0)
        r->o.interval_s = 30;
    r->db = strdup(o->db);
    if (r->db == NULL) {
        free(r);
        return -ENOMEM;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if ((rc = pthread_create(&r->thread, NULL, rollup_main, r)) != 0) {
        free(r->db);
        free(r);
        return -rc;
    }
    *out = r;
    return 0;
}

void
rollup_stop(struct rollup *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->db);
    free(r);
}

void
rollup_get_stats(struct rollup *r, struct rollup_stats *st)
{
    pthread_mutex_lock(&r->mu);
    *st = r->st;
    pthread_mutex_unlock(&r->mu);
}
