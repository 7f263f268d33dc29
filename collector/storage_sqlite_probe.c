/* storage_sqlite_probe: see storage_sqlite_probe.h. Statements are prepared per record: a
 * probe record arrives a few times a day, a reachability record once a
 * minute per target, so caching them would buy nothing. */
#include <errno.h>

#include "log.h"
#include "storage_sqlite.h"
#include "storage_sqlite_probe.h"
#include "wire_probe.h"

static void
bind_u64_or_null(sqlite3_stmt *s, int i, uint64_t v)
{
    if (v == WIRE_UNKNOWN)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

/* bits/s -> Mbit/s as REAL, NULL when the direction did not run */
static void
bind_mbps(sqlite3_stmt *s, int i, uint64_t bps)
{
    if (bps == WIRE_UNKNOWN)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_double(s, i, (double)bps / 1e6);
}

static int
run(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);

    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        log_warnx("store_probe: %s: %s", what, sqlite3_errmsg(db));
        return -EIO;
    }
    return 0;
}

static int
put_capacity(sqlite3 *db, const char *school, const char *agent_id,
             struct wire_rd *body)
{
    struct wire_probe_capacity r;
    sqlite3_stmt *s;

    if (wire_probe_capacity_decode(body, &r) != 0)
        return -EPROTO;
    if (storage_sqlite_prep(
            db,
            "INSERT INTO probe_capacity (ts, school, agent_id, target, "
            "wan_if, link_mbps, status, error, up_bytes, up_ms, up_mbps, "
            "down_bytes, down_ms, down_mbps) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            &s, NULL) != 0) {
        log_warnx("store_probe: prepare: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r.ts);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r.target, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r.wan_if, -1, SQLITE_STATIC);
    bind_u64_or_null(s, 6, r.link_mbps);
    sqlite3_bind_int(s, 7, r.status);
    sqlite3_bind_text(s, 8, r.error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)r.up_bytes);
    sqlite3_bind_int64(s, 10, r.up_ms);
    bind_mbps(s, 11, r.up_bps);
    sqlite3_bind_int64(s, 12, (sqlite3_int64)r.down_bytes);
    sqlite3_bind_int64(s, 13, r.down_ms);
    bind_mbps(s, 14, r.down_bps);
    return run(db, s, "probe_capacity insert");
}

static int
put_reach(sqlite3 *db, const char *school, const char *agent_id,
          struct wire_rd *body)
{
    struct wire_reach_min r;
    sqlite3_stmt *s;

    if (wire_reach_min_decode(body, &r) != 0)
        return -EPROTO;
    if (storage_sqlite_prep(
            db,
            "INSERT INTO reach_minute (minute, school, agent_id, target, "
            "probes, ok, rtt_ms) VALUES (?,?,?,?,?,?,?)",
            &s, NULL) != 0) {
        log_warnx("store_probe: prepare: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r.minute);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r.target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, r.probes);
    sqlite3_bind_int64(s, 6, r.ok);
    if (r.rtt_us == WIRE_UNKNOWN)
        sqlite3_bind_null(s, 7);
    else
        sqlite3_bind_double(s, 7, (double)r.rtt_us / 1000.0);
    return run(db, s, "reach_minute insert");
}

int
store_probe_record(sqlite3 *db, const char *school, const char *agent_id,
                   uint8_t rtype, struct wire_rd *body)
{
    switch (rtype) {
    case WIRE_REC_PROBE_CAPACITY:
        return put_capacity(db, school, agent_id, body);
    case WIRE_REC_REACH_MIN:
        return put_reach(db, school, agent_id, body);
    default:
        return -EPROTO;
    }
}
