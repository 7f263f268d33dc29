/* storage_sqlite_snmp: SNMP records into SQLite and the daily Wi-Fi
 * figures (see storage_sqlite_snmp.h, store_snmp.h). Inserts use statements prepared once per handle; the
 * daily computation reads only one day of area samples per school. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "storage_sqlite_snmp.h"
#include "wire_snmp.h"

enum { S_POLL, S_AP, S_IF, S_AREA, S_N };

#define SQL_POLL                                                              \
    "INSERT INTO snmp_poll (ts, school, agent_id, target, state, error, "    \
    "profile, duration_ms, interval_s, uptime, rebooted, aps, aps_up, "      \
    "aps_down, aps_unknown, total_aps, total_aps_up, clients, neighbours, "  \
    "neighbour_macs, access_mbps) VALUES "                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define SQL_AP                                                                \
    "INSERT INTO snmp_ap (ts, school, agent_id, target, name, mac, "         \
    "location, status, status_src, clients, speed_mbps) VALUES "             \
    "(?,?,?,?,?,?,?,?,?,?,?)"
#define SQL_IF                                                                \
    "INSERT INTO snmp_if (ts, school, agent_id, target, ifindex, name, "     \
    "alias, speed_mbps, oper, hc, in_bytes, out_bytes, elapsed_s) VALUES "   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define SQL_AREA                                                              \
    "INSERT INTO wifi_area_sample (ts, school, agent_id, area, required, "   \
    "state, interval_s, aps, aps_up, aps_down) VALUES (?,?,?,?,?,?,?,?,?,?)"

static const char *const sql_ins[S_N] = {SQL_POLL, SQL_AP, SQL_IF, SQL_AREA};

/* The writer thread's cache; one handle at a time. */
static sqlite3 *cache_db;
static sqlite3_stmt *cache[S_N];

void
store_snmp_finalize(sqlite3 *db)
{
    if (db == NULL || db != cache_db)
        return;
    for (int i = 0; i < S_N; i++) {
        sqlite3_finalize(cache[i]);
        cache[i] = NULL;
    }
    cache_db = NULL;
}

static sqlite3_stmt *
stmt(sqlite3 *db, int which)
{
    if (cache_db != db) {
        /* A different handle: the old one's statements belong to it and
         * are dropped (it should have been finalized before closing). */
        for (int i = 0; i < S_N; i++)
            cache[i] = NULL;
        cache_db = db;
    }
    if (cache[which] == NULL &&
        sqlite3_prepare_v3(db, sql_ins[which], -1, SQLITE_PREPARE_PERSISTENT,
                           &cache[which], NULL) != SQLITE_OK) {
        log_warnx("store_snmp: prepare: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return cache[which];
}

static void
bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
    if (v == WIRE_UNKNOWN || v > INT64_MAX)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static void
bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
    if (v[0] == '\0')
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int
step(sqlite3 *db, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE) {
        log_warnx("store_snmp: insert: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    return 0;
}

static void
bind_head(sqlite3_stmt *s, int64_t ts, const char *school,
          const char *agent_id)
{
    sqlite3_bind_int64(s, 1, ts);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, agent_id, -1, SQLITE_TRANSIENT);
}

int
store_snmp_record(sqlite3 *db, const char *school, const char *agent_id,
                  uint8_t rtype, struct wire_rd *body)
{
    sqlite3_stmt *s;

    switch (rtype) {
    case WIRE_REC_SNMP_POLL: {
        struct wire_snmp_poll r;
        if (wire_snmp_poll_decode(body, &r) != 0)
            return -EPROTO;
        if ((s = stmt(db, S_POLL)) == NULL)
            return -EIO;
        bind_head(s, r.ts, school, agent_id);
        sqlite3_bind_text(s, 4, r.target, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 5, r.state);
        bind_text_or_null(s, 6, r.error);
        bind_text_or_null(s, 7, r.profile);
        sqlite3_bind_int64(s, 8, r.duration_ms);
        sqlite3_bind_int64(s, 9, r.interval_s);
        if (r.state == 1 || r.state == 2)
            sqlite3_bind_int64(s, 10, r.uptime);
        else
            sqlite3_bind_null(s, 10);
        sqlite3_bind_int(s, 11, r.rebooted);
        sqlite3_bind_int64(s, 12, r.aps);
        sqlite3_bind_int64(s, 13, r.aps_up);
        sqlite3_bind_int64(s, 14, r.aps_down);
        sqlite3_bind_int64(s, 15, r.aps_unknown);
        bind_u64(s, 16, r.total_aps);
        bind_u64(s, 17, r.total_aps_up);
        bind_u64(s, 18, r.clients);
        bind_u64(s, 19, r.neighbours);
        bind_u64(s, 20, r.neighbour_macs);
        bind_u64(s, 21, r.access_mbps);
        return step(db, s);
    }
    case WIRE_REC_SNMP_AP: {
        struct wire_snmp_ap r;
        char mac[18];
        if (wire_snmp_ap_decode(body, &r) != 0)
            return -EPROTO;
        if ((s = stmt(db, S_AP)) == NULL)
            return -EIO;
        bind_head(s, r.ts, school, agent_id);
        sqlite3_bind_text(s, 4, r.target, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, r.name, -1, SQLITE_TRANSIENT);
        if (r.has_mac) {
            snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
                     r.mac[0], r.mac[1], r.mac[2], r.mac[3], r.mac[4],
                     r.mac[5]);
            sqlite3_bind_text(s, 6, mac, -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(s, 6);
        }
        bind_text_or_null(s, 7, r.location);
        sqlite3_bind_int(s, 8, r.status);
        sqlite3_bind_int(s, 9, r.status_src);
        bind_u64(s, 10, r.clients);
        bind_u64(s, 11, r.speed_mbps);
        return step(db, s);
    }
    case WIRE_REC_SNMP_IF: {
        struct wire_snmp_if r;
        int disc;
        if (wire_snmp_if_decode(body, &r) != 0)
            return -EPROTO;
        if ((s = stmt(db, S_IF)) == NULL)
            return -EIO;
        disc = (r.flags & WIRE_SNMP_IF_DISC) != 0;
        bind_head(s, r.ts, school, agent_id);
        sqlite3_bind_text(s, 4, r.target, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 5, r.ifindex);
        sqlite3_bind_text(s, 6, r.name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 7, r.alias, -1, SQLITE_TRANSIENT);
        bind_u64(s, 8, r.speed_mbps);
        sqlite3_bind_int(s, 9, r.oper);
        sqlite3_bind_int(s, 10, (r.flags & WIRE_SNMP_IF_HC) != 0);
        bind_u64(s, 11, disc ? WIRE_UNKNOWN : r.in_bytes);
        bind_u64(s, 12, disc ? WIRE_UNKNOWN : r.out_bytes);
        sqlite3_bind_int64(s, 13, r.elapsed_s);
        return step(db, s);
    }
    case WIRE_REC_SNMP_AREA: {
        struct wire_snmp_area r;
        if (wire_snmp_area_decode(body, &r) != 0 || r.interval_s == 0)
            return -EPROTO;
        if ((s = stmt(db, S_AREA)) == NULL)
            return -EIO;
        bind_head(s, r.ts, school, agent_id);
        sqlite3_bind_text(s, 4, r.area, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 5, r.required);
        sqlite3_bind_int(s, 6, r.state);
        sqlite3_bind_int64(s, 7, r.interval_s);
        sqlite3_bind_int(s, 8, r.aps);
        sqlite3_bind_int(s, 9, r.aps_up);
        sqlite3_bind_int(s, 10, r.aps_down);
        return step(db, s);
    }
    default:
        return -EPROTO;
    }
}

/* ---- daily coverage ---- */

struct areaday {
    char *name;
    int required;
    int64_t up, down, unknown;
};

struct days {
    struct areaday *v;
    size_t n, cap;
};

static struct areaday *
area_get(struct days *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i].name, name) == 0)
            return &d->v[i];
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        struct areaday *nv = realloc(d->v, nc * sizeof(*nv));
        if (nv == NULL)
            return NULL;
        d->v = nv;
        d->cap = nc;
    }
    struct areaday *a = &d->v[d->n];
    memset(a, 0, sizeof(*a));
    if ((a->name = strdup(name)) == NULL)
        return NULL;
    d->n++;
    return a;
}

/* Seconds of [a, b) inside the windows. */
static int64_t
overlap(int64_t a, int64_t b, const struct store_snmp_window *w, size_t nw)
{
    int64_t t = 0;

    for (size_t i = 0; i < nw; i++) {
        int64_t lo = a > w[i].start ? a : w[i].start;
        int64_t hi = b < w[i].end ? b : w[i].end;
        if (hi > lo)
            t += hi - lo;
    }
    return t;
}

static int
fail_sql(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
    log_warnx("store_snmp: %s: %s", what, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return -EIO;
}

/* Samples of the day, per area in time order, into d. */
static int
load_samples(sqlite3 *db, const char *school, int64_t day_start,
             int64_t day_end, const struct store_snmp_window *w, size_t nw,
             struct days *d)
{
    sqlite3_stmt *s = NULL;
    char prev[WIRE_MAX_STR + 1] = "";
    int64_t pts = 0, pend = 0;
    int pstate = 0, rc;

    /* Samples may start up to a day before and still reach into it. */
    if (sqlite3_prepare_v2(db,
                           "SELECT area, required, ts, interval_s, state "
                           "FROM wifi_area_sample WHERE school = ?1 AND "
                           "ts >= ?2 - 86400 AND ts < ?3 "
                           "ORDER BY area, ts",
                           -1, &s, NULL) != SQLITE_OK)
        return fail_sql(db, s, "select samples");
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, day_start);
    sqlite3_bind_int64(s, 3, day_end);
    struct areaday *cur = NULL;
    for (;;) {
        rc = sqlite3_step(s);
        const char *name =
            rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
        int64_t ts = rc == SQLITE_ROW ? sqlite3_column_int64(s, 2) : 0;
        int newarea = name == NULL || strcmp(name, prev) != 0;

        /* Close the previous sample: it lasts until its interval ends or
         * the next sample of the same area begins, whichever is first. */
        if (cur != NULL && pstate != 0) {
            int64_t end = pend;
            if (!newarea && ts < end)
                end = ts;
            if (end > day_end)
                end = day_end;
            int64_t secs = overlap(pts < day_start ? day_start : pts, end, w,
                                   nw);
            if (pstate == WIRE_AREA_UP)
                cur->up += secs;
            else if (pstate == WIRE_AREA_DOWN)
                cur->down += secs;
            else
                cur->unknown += secs;
        }
        if (rc != SQLITE_ROW)
            break;
        if (newarea) {
            snprintf(prev, sizeof(prev), "%s", name);
            if ((cur = area_get(d, name)) == NULL) {
                sqlite3_finalize(s);
                return -ENOMEM;
            }
        }
        if (sqlite3_column_int(s, 1))
            cur->required = 1;
        pts = ts;
        pend = ts + sqlite3_column_int64(s, 3);
        pstate = sqlite3_column_int(s, 4);
    }
    if (rc != SQLITE_DONE)
        return fail_sql(db, s, "read samples");
    sqlite3_finalize(s);
    return 0;
}

/* Required areas the registry lists for the school (table from 002). */
static int
load_registry(sqlite3 *db, const char *school, struct days *d)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "SELECT area, required FROM areas WHERE "
                           "school = ?1",
                           -1, &s, NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return 0; /* no registry in this database */
    }
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct areaday *a = area_get(d, (const char *)sqlite3_column_text(s, 0));
        if (a == NULL) {
            sqlite3_finalize(s);
            return -ENOMEM;
        }
        if (sqlite3_column_int(s, 1))
            a->required = 1;
    }
    if (rc != SQLITE_DONE)
        return fail_sql(db, s, "read areas");
    sqlite3_finalize(s);
    return 0;
}

static int
exec_bind(sqlite3 *db, const char *sql, const char *school, int64_t a,
          int64_t b, sqlite3_int64 *out, int *isnull)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return fail_sql(db, s, "prepare");
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, a);
    sqlite3_bind_int64(s, 3, b);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out != NULL) {
        *isnull = sqlite3_column_type(s, 0) == SQLITE_NULL;
        *out = sqlite3_column_int64(s, 0);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_sql(db, s, "query");
    sqlite3_finalize(s);
    return 0;
}

struct peak {
    char key[2 * WIRE_MAX_STR + 2];
    int64_t max;
};

/* Sum over (agent, target) of the highest client count in the windows. */
static int
clients_peak(sqlite3 *db, const char *school, const struct store_snmp_window *w,
             size_t nw, int64_t *out, int *isnull)
{
    sqlite3_stmt *s = NULL;
    struct peak *p = NULL;
    size_t np = 0;
    int rc = 0;

    *isnull = 1;
    *out = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT agent_id || '/' || target, MAX(clients) "
                           "FROM snmp_poll WHERE school = ?1 AND ts >= ?2 "
                           "AND ts < ?3 AND clients IS NOT NULL "
                           "GROUP BY agent_id, target",
                           -1, &s, NULL) != SQLITE_OK)
        return fail_sql(db, s, "prepare clients");
    for (size_t i = 0; i < nw && rc == 0; i++) {
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, w[i].start);
        sqlite3_bind_int64(s, 3, w[i].end);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *k = (const char *)sqlite3_column_text(s, 0);
            int64_t v = sqlite3_column_int64(s, 1);
            size_t j;
            for (j = 0; j < np; j++)
                if (strcmp(p[j].key, k) == 0)
                    break;
            if (j == np) {
                struct peak *nvp = realloc(p, (np + 1) * sizeof(*nvp));
                if (nvp == NULL) {
                    rc = -ENOMEM;
                    break;
                }
                p = nvp;
                snprintf(p[np].key, sizeof(p[np].key), "%s", k);
                p[np++].max = v;
            } else if (v > p[j].max) {
                p[j].max = v;
            }
        }
        if (rc == SQLITE_DONE)
            rc = 0;
        else if (rc != -ENOMEM)
            rc = -EIO;
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    for (size_t j = 0; j < np; j++) {
        *out += p[j].max;
        *isnull = 0;
    }
    free(p);
    if (rc == -EIO)
        log_warnx("store_snmp: clients: %s", sqlite3_errmsg(db));
    return rc;
}

int
store_snmp_coverage(sqlite3 *db, const char *school, int64_t day_start,
                    int64_t day_end, const struct store_snmp_window *win,
                    size_t nwin, int64_t now)
{
    struct store_snmp_window w[64];
    struct days d = {NULL, 0, 0};
    sqlite3_stmt *s = NULL;
    int64_t school_s = 0, clients = 0;
    sqlite3_int64 access = 0, aps_seen = 0;
    int access_null = 1, clients_null = 1, dummy, rc;
    int required = 0, covered = 0, uncovered = 0, unknown = 0;
    size_t nw = 0;

    /* Windows clipped to the day. */
    for (size_t i = 0; i < nwin && nw < 64; i++) {
        int64_t lo = win[i].start > day_start ? win[i].start : day_start;
        int64_t hi = win[i].end < day_end ? win[i].end : day_end;
        if (hi > lo) {
            w[nw].start = lo;
            w[nw++].end = hi;
            school_s += hi - lo;
        }
    }
    if (school_s == 0)
        return 0;
    if ((rc = load_samples(db, school, day_start, day_end, w, nw, &d)) != 0 ||
        (rc = load_registry(db, school, &d)) != 0)
        goto out;
    rc = exec_bind(db, "DELETE FROM wifi_area_day WHERE school = ?1 AND "
                       "day = ?2 AND ?3 = ?3",
                   school, day_start, 0, NULL, NULL);
    if (rc != 0)
        goto out;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO wifi_area_day (school, day, area, "
                           "required, school_s, up_s, down_s, unknown_s, "
                           "covered) VALUES (?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = fail_sql(db, s, "prepare area day");
        goto out;
    }
    for (size_t i = 0; i < d.n; i++) {
        struct areaday *a = &d.v[i];
        int64_t known = a->up + a->down;
        /* Time no sample covers is unknown too. */
        int64_t unk = school_s - known;
        int cov = -1;

        if (known * 2 >= school_s && known > 0)
            cov = a->up * 10 >= known * 9;
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, day_start);
        sqlite3_bind_text(s, 3, a->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, a->required);
        sqlite3_bind_int64(s, 5, school_s);
        sqlite3_bind_int64(s, 6, a->up);
        sqlite3_bind_int64(s, 7, a->down);
        sqlite3_bind_int64(s, 8, unk < 0 ? 0 : unk);
        if (cov < 0)
            sqlite3_bind_null(s, 9);
        else
            sqlite3_bind_int(s, 9, cov);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = fail_sql(db, s, "insert area day");
            s = NULL;
            goto out;
        }
        sqlite3_reset(s);
        if (a->required) {
            required++;
            if (cov < 0)
                unknown++;
            else if (cov)
                covered++;
            else
                uncovered++;
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    if ((rc = exec_bind(db,
                        "SELECT MIN(speed_mbps) FROM snmp_ap WHERE "
                        "school = ?1 AND ts >= ?2 AND ts < ?3 AND "
                        "speed_mbps > 0",
                        school, day_start, day_end, &access,
                        &access_null)) != 0 ||
        (rc = exec_bind(db,
                        "SELECT COUNT(DISTINCT agent_id || '/' || target || "
                        "'/' || name) FROM snmp_ap WHERE school = ?1 AND "
                        "ts >= ?2 AND ts < ?3",
                        school, day_start, day_end, &aps_seen, &dummy)) != 0 ||
        (rc = clients_peak(db, school, w, nw, &clients, &clients_null)) != 0)
        goto out;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO wifi_day (school, day, "
                           "required_areas, covered_areas, uncovered_areas, "
                           "unknown_areas, coverage_pct, full_coverage, "
                           "access_mbps, clients_peak, aps_seen, computed) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = fail_sql(db, s, "prepare wifi_day");
        s = NULL;
        goto out;
    }
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, day_start);
    sqlite3_bind_int(s, 3, required);
    sqlite3_bind_int(s, 4, covered);
    sqlite3_bind_int(s, 5, uncovered);
    sqlite3_bind_int(s, 6, unknown);
    if (required - unknown > 0)
        sqlite3_bind_double(s, 7, 100.0 * covered / (required - unknown));
    else
        sqlite3_bind_null(s, 7);
    if (required == 0 || (uncovered == 0 && unknown > 0))
        sqlite3_bind_null(s, 8);
    else
        sqlite3_bind_int(s, 8, uncovered == 0 && unknown == 0);
    if (access_null)
        sqlite3_bind_null(s, 9);
    else
        sqlite3_bind_int64(s, 9, access);
    if (clients_null)
        sqlite3_bind_null(s, 10);
    else
        sqlite3_bind_int64(s, 10, clients);
    sqlite3_bind_int64(s, 11, aps_seen);
    sqlite3_bind_int64(s, 12, now);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = fail_sql(db, s, "insert wifi_day");
        s = NULL;
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    for (size_t i = 0; i < d.n; i++)
        free(d.v[i].name);
    free(d.v);
    return rc == -ENOMEM ? -EIO : rc;
}
