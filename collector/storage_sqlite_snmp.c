/* storage_sqlite_snmp: SNMP records into SQLite and the daily Wi-Fi
 * figures (see storage_sqlite_snmp.h). Inserts use statements prepared once per handle; the
 * daily computation reads only one day of area samples per school. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "storage_sqlite.h"
#include "storage_sqlite_snmp.h"
#include "wifi_coverage.h"
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
    /* Not storage_sqlite_prep: cached for the handle's life (persistent). */
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

/* The wire's absent text is "", not NULL: stored as NULL. */
static void
bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
    storage_sqlite_bind_text(s, i, v[0] == '\0' ? NULL : v);
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

/* ---- daily coverage: the rules are wifi_coverage.c's; this reads the
 * rows it needs and stores what it computes ---- */

static int
fail_sql(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
    log_warnx("store_snmp: %s: %s", what, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return -EIO;
}

/* Samples of the day, per area in time order. */
static int
load_samples(sqlite3 *db, const char *school, struct wifi_cov *c)
{
    struct wifi_sample ws;
    sqlite3_stmt *s = NULL;
    int rc;

    /* Samples may start up to a day before and still reach into it. */
    if (storage_sqlite_prep(db,
                            "SELECT area, required, ts, interval_s, state "
                            "FROM wifi_area_sample WHERE school = ?1 AND "
                            "ts >= ?2 - 86400 AND ts < ?3 "
                            "ORDER BY area, ts",
                            &s, NULL) != 0)
        return fail_sql(db, s, "select samples");
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, c->day_start);
    sqlite3_bind_int64(s, 3, c->day_end);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ws.area = storage_sqlite_text(s, 0);
        ws.required = sqlite3_column_int(s, 1);
        ws.ts = sqlite3_column_int64(s, 2);
        ws.interval_s = sqlite3_column_int64(s, 3);
        ws.state = sqlite3_column_int(s, 4);
        if (wifi_cov_sample(c, &ws) != 0) {
            sqlite3_finalize(s);
            return -ENOMEM;
        }
    }
    if (rc != SQLITE_DONE)
        return fail_sql(db, s, "read samples");
    sqlite3_finalize(s);
    return 0;
}

/* Required areas the registry lists for the school (table from 002). */
static int
load_registry(sqlite3 *db, const char *school, struct wifi_cov *c)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (storage_sqlite_prep(db,
                            "SELECT area, required FROM areas WHERE "
                            "school = ?1",
                            &s, NULL) != 0) {
        sqlite3_finalize(s);
        return 0; /* no registry in this database */
    }
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (wifi_cov_registry_area(c, storage_sqlite_text(s, 0),
                                   sqlite3_column_int(s, 1)) != 0) {
            sqlite3_finalize(s);
            return -ENOMEM;
        }
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

    if (storage_sqlite_prep(db, sql, &s, NULL) != 0)
        return fail_sql(db, s, "prepare");
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, a);
    sqlite3_bind_int64(s, 3, b);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out != NULL) {
        *isnull = storage_sqlite_is_null(s, 0);
        *out = sqlite3_column_int64(s, 0);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_sql(db, s, "query");
    sqlite3_finalize(s);
    return 0;
}

/* Per school-hour window, each (agent, target)'s highest client count. */
static int
load_clients(sqlite3 *db, const char *school, struct wifi_cov *c)
{
    const struct store_snmp_window *w;
    sqlite3_stmt *s = NULL;
    size_t nw;
    int rc = 0;

    w = wifi_cov_windows(c, &nw);
    if (storage_sqlite_prep(db,
                            "SELECT agent_id, target, MAX(clients) "
                            "FROM snmp_poll WHERE school = ?1 AND ts >= ?2 "
                            "AND ts < ?3 AND clients IS NOT NULL "
                            "GROUP BY agent_id, target",
                            &s, NULL) != 0)
        return fail_sql(db, s, "prepare clients");
    for (size_t i = 0; i < nw && rc == 0; i++) {
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, w[i].start);
        sqlite3_bind_int64(s, 3, w[i].end);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (wifi_cov_client_peak(c, storage_sqlite_text(s, 0),
                                     storage_sqlite_text(s, 1),
                                     sqlite3_column_int64(s, 2)) != 0) {
                rc = -ENOMEM;
                break;
            }
        }
        if (rc == SQLITE_DONE)
            rc = 0;
        else if (rc != -ENOMEM)
            rc = -EIO;
        sqlite3_reset(s);
    }
    if (rc == -EIO)
        log_warnx("store_snmp: clients: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return rc;
}

/* Replaces the day's per-area rows. */
static int
store_areas(sqlite3 *db, const char *school, struct wifi_cov *c)
{
    struct wifi_area_day a;
    sqlite3_stmt *s = NULL;
    size_t i, n;
    int rc;

    rc = exec_bind(db, "DELETE FROM wifi_area_day WHERE school = ?1 AND "
                       "day = ?2 AND ?3 = ?3",
                   school, c->day_start, 0, NULL, NULL);
    if (rc != 0)
        return rc;
    if (storage_sqlite_prep(db,
                            "INSERT INTO wifi_area_day (school, day, area, "
                            "required, school_s, up_s, down_s, unknown_s, "
                            "covered) VALUES (?,?,?,?,?,?,?,?,?)",
                            &s, NULL) != 0)
        return fail_sql(db, s, "prepare area day");
    n = wifi_cov_nareas(c);
    for (i = 0; i < n; i++) {
        wifi_cov_area(c, i, &a);
        sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, c->day_start);
        sqlite3_bind_text(s, 3, a.area, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, a.required);
        sqlite3_bind_int64(s, 5, a.school_s);
        sqlite3_bind_int64(s, 6, a.up_s);
        sqlite3_bind_int64(s, 7, a.down_s);
        sqlite3_bind_int64(s, 8, a.unknown_s);
        if (a.covered < 0)
            sqlite3_bind_null(s, 9);
        else
            sqlite3_bind_int(s, 9, a.covered);
        if (sqlite3_step(s) != SQLITE_DONE)
            return fail_sql(db, s, "insert area day");
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return 0;
}

static int
store_day(sqlite3 *db, const char *school, int64_t day,
          const struct wifi_day *d)
{
    sqlite3_stmt *s = NULL;

    if (storage_sqlite_prep(db,
                            "INSERT OR REPLACE INTO wifi_day (school, day, "
                            "required_areas, covered_areas, uncovered_areas, "
                            "unknown_areas, coverage_pct, full_coverage, "
                            "access_mbps, clients_peak, aps_seen, computed) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                            &s, NULL) != 0)
        return fail_sql(db, s, "prepare wifi_day");
    sqlite3_bind_text(s, 1, school, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, day);
    sqlite3_bind_int(s, 3, d->required);
    sqlite3_bind_int(s, 4, d->covered);
    sqlite3_bind_int(s, 5, d->uncovered);
    sqlite3_bind_int(s, 6, d->unknown);
    if (d->has_pct)
        sqlite3_bind_double(s, 7, d->coverage_pct);
    else
        sqlite3_bind_null(s, 7);
    if (d->full_coverage < 0)
        sqlite3_bind_null(s, 8);
    else
        sqlite3_bind_int(s, 8, d->full_coverage);
    if (d->has_access)
        sqlite3_bind_int64(s, 9, d->access_mbps);
    else
        sqlite3_bind_null(s, 9);
    if (d->has_clients)
        sqlite3_bind_int64(s, 10, d->clients_peak);
    else
        sqlite3_bind_null(s, 10);
    sqlite3_bind_int64(s, 11, d->aps_seen);
    sqlite3_bind_int64(s, 12, d->computed);
    if (sqlite3_step(s) != SQLITE_DONE)
        return fail_sql(db, s, "insert wifi_day");
    sqlite3_finalize(s);
    return 0;
}

int
store_snmp_coverage(sqlite3 *db, const char *school, int64_t day_start,
                    int64_t day_end, const struct store_snmp_window *win,
                    size_t nwin, int64_t now)
{
    struct wifi_cov c;
    struct wifi_day d;
    sqlite3_int64 access = 0, aps_seen = 0;
    int access_null = 1, dummy, rc;

    if (wifi_cov_begin(&c, day_start, day_end, win, nwin) == 0) {
        wifi_cov_free(&c);
        return 0;
    }
    if ((rc = load_samples(db, school, &c)) != 0 ||
        (rc = load_registry(db, school, &c)) != 0 ||
        (rc = store_areas(db, school, &c)) != 0)
        goto out;
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
        (rc = load_clients(db, school, &c)) != 0)
        goto out;
    wifi_cov_day(&c, !access_null, access, aps_seen, now, &d);
    rc = store_day(db, school, day_start, &d);
out:
    wifi_cov_free(&c);
    return rc == -ENOMEM ? -EIO : rc;
}
