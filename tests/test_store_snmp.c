/* test_store_snmp: the collector side of SNMP on an in-memory SQLite with
 * the embedded migrations: records land in their tables with unknown as
 * NULL, malformed ones are refused, and the per school per day Wi-Fi
 * figures follow the documented rules (90% of known school-hour time up;
 * missing/unreachable/unknown never count as down; too little known =
 * unknown; lowest AP speed; clients peak summed over targets). Expected
 * values are worked out by hand from the sample plans below. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "schema.h"
#include "storage_sqlite_snmp.h"
#include "wire_snmp.h"

#define DAY ((int64_t)1790035200) /* a UTC midnight (1790035200 % 86400 == 0) */
#define H(x) (DAY + (int64_t)((x) * 3600))

static int
setup(void **state)
{
    sqlite3 *db;

    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        return -1;
    for (const struct schema_migration *m = schema_migrations; m->name; m++) {
        char *err = NULL;
        if (sqlite3_exec(db, m->sql, NULL, NULL, &err) != SQLITE_OK) {
            fprintf(stderr, "%s: %s\n", m->name, err);
            sqlite3_free(err);
            return -1;
        }
    }
    *state = db;
    return 0;
}

static int
teardown(void **state)
{
    store_snmp_finalize(*state);
    sqlite3_close(*state);
    return 0;
}

/* Stores every record in b through store_snmp_record. */
static int
store_all(sqlite3 *db, struct buf *b)
{
    size_t off = 0;
    uint8_t type;
    struct wire_rd body;
    int rc, more;

    while ((more = wire_snmp_next(b->p, b->len, &off, &type, &body)) == 1)
        if ((rc = store_snmp_record(db, "S1", "agent-1", type, &body)) != 0)
            return rc;
    return more;
}

static int64_t
q(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = -12345;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1
                                                      : sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static double
qd(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    double v = NAN;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_type(s, 0) != SQLITE_NULL)
        v = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void
records_are_stored_with_unknown_values_as_null(void **state)
{
    sqlite3 *db = *state;
    struct buf b;
    struct wire_snmp_poll p = {.ts = H(9), .target = "ac", .profile = "x",
                               .error = "", .state = 1, .duration_ms = 40,
                               .interval_s = 300, .aps = 2, .aps_up = 1,
                               .aps_down = 1, .total_aps = WIRE_UNKNOWN,
                               .total_aps_up = WIRE_UNKNOWN, .clients = 12,
                               .neighbours = 7, .neighbour_macs = 6,
                               .access_mbps = WIRE_UNKNOWN};
    struct wire_snmp_ap a = {.ts = H(9), .target = "ac", .name = "ap1",
                             .location = "", .has_mac = 1,
                             .mac = {0, 0x1b, 0xc, 0xfb, 0x28, 0x18},
                             .status = 1, .status_src = 3,
                             .clients = WIRE_UNKNOWN, .speed_mbps = 867};
    struct wire_snmp_if f = {.ts = H(9), .target = "sw", .name = "ge1",
                             .alias = "", .ifindex = 3, .oper = 1,
                             .flags = WIRE_SNMP_IF_HC | WIRE_SNMP_IF_DISC,
                             .speed_mbps = 1000, .in_bytes = 5,
                             .out_bytes = 6};
    struct wire_rd body;

    buf_init(&b, 1 << 16);
    wire_snmp_poll_put(&b, &p);
    wire_snmp_ap_put(&b, &a);
    wire_snmp_if_put(&b, &f);
    assert_int_equal(store_all(db, &b), 0);
    assert_int_equal(q(db, "SELECT COUNT(*) FROM snmp_poll WHERE school='S1' "
                           "AND total_aps IS NULL AND clients=12 AND "
                           "error IS NULL"), 1);
    assert_int_equal(q(db, "SELECT COUNT(*) FROM snmp_ap WHERE "
                           "mac='00:1b:0c:fb:28:18' AND clients IS NULL AND "
                           "speed_mbps=867"), 1);
    /* A counter discontinuity stores no traffic. */
    assert_int_equal(q(db, "SELECT COUNT(*) FROM snmp_if WHERE in_bytes IS "
                           "NULL AND out_bytes IS NULL AND hc=1"), 1);

    /* Unknown type in the range, and a truncated body: refused. */
    wire_rd_init(&body, b.p + 3, 10);
    assert_int_equal(store_snmp_record(db, "S1", "a", 17, &body), -EPROTO);
    wire_rd_init(&body, b.p + 3, 10);
    assert_int_equal(store_snmp_record(db, "S1", "a", WIRE_REC_SNMP_POLL,
                                       &body), -EPROTO);
    buf_free(&b);
}

/* Area samples every `step` seconds over [from, to), each standing for
 * `interval` seconds. */
static void
samples(sqlite3 *db, const char *area, int required, int64_t from,
        int64_t to, int state, unsigned step, unsigned interval)
{
    struct buf b;

    buf_init(&b, 1 << 20);
    for (int64_t t = from; t < to; t += step) {
        struct wire_snmp_area r = {.ts = t, .interval_s = interval,
                                   .required = (uint8_t)required,
                                   .state = (uint8_t)state};
        snprintf(r.area, sizeof(r.area), "%s", area);
        assert_int_equal(wire_snmp_area_put(&b, &r), 0);
    }
    assert_int_equal(store_all(db, &b), 0);
    buf_free(&b);
}

static const struct store_snmp_window hours[] = {{H(8), H(12)},
                                                 {H(13), H(17)}};
#define SCHOOL_S (8 * 3600)

static void
coverage_counts_up_time_against_known_time_only(void **state)
{
    sqlite3 *db = *state;
    struct buf b;

    /* A: up all day, samples every 300 s that each claim 600 s (overlap
     * must not count twice); down at night, outside school hours. */
    samples(db, "A", 1, H(0), H(20), WIRE_AREA_UP, 300, 600);
    samples(db, "A", 1, H(20), H(24), WIRE_AREA_DOWN, 300, 300);
    /* B: down 08:00-09:15 (4500 s = 15.6%), up after: not covered. */
    samples(db, "B", 1, H(8), H(9.25), WIRE_AREA_DOWN, 300, 300);
    samples(db, "B", 1, H(9.25), H(17), WIRE_AREA_UP, 300, 300);
    /* C: up in the morning, controller unreachable all afternoon: known
     * half the time, all of it up: covered. */
    samples(db, "C", 1, H(8), H(12), WIRE_AREA_UP, 300, 300);
    samples(db, "C", 1, H(13), H(17), WIRE_AREA_UNREACHABLE, 300, 300);
    /* D: its AP never in any table: unknown, not uncovered. */
    samples(db, "D", 1, H(8), H(17), WIRE_AREA_MISSING, 300, 300);
    /* E: optional and down: not part of coverage. */
    samples(db, "E", 0, H(8), H(17), WIRE_AREA_DOWN, 300, 300);
    /* G: up only 08:00-10:00 then nothing at all: known 25%: unknown. */
    samples(db, "G", 1, H(8), H(10), WIRE_AREA_UP, 300, 300);

    /* Clients: per target peak within school hours, summed; the 20:00
     * poll is outside school hours. AP speeds: the lowest reported. */
    buf_init(&b, 1 << 16);
    static const struct {
        double h;
        const char *target;
        uint64_t clients;
    } polls[] = {{9, "ac", 50}, {10, "ac", 80}, {11, "sw2", 20},
                 {20, "ac", 999}};
    for (size_t i = 0; i < 4; i++) {
        struct wire_snmp_poll p = {.ts = H(polls[i].h), .state = 1,
                                   .interval_s = 300,
                                   .clients = polls[i].clients,
                                   .total_aps = WIRE_UNKNOWN,
                                   .total_aps_up = WIRE_UNKNOWN,
                                   .neighbours = WIRE_UNKNOWN,
                                   .neighbour_macs = WIRE_UNKNOWN,
                                   .access_mbps = WIRE_UNKNOWN};
        snprintf(p.target, sizeof(p.target), "%s", polls[i].target);
        wire_snmp_poll_put(&b, &p);
    }
    static const uint64_t speeds[] = {867, 300, WIRE_UNKNOWN, 1300};
    for (size_t i = 0; i < 4; i++) {
        struct wire_snmp_ap a = {.ts = H(9), .target = "ac", .status = 1,
                                 .clients = 1, .speed_mbps = speeds[i]};
        snprintf(a.name, sizeof(a.name), "ap%zu", i);
        wire_snmp_ap_put(&b, &a);
    }
    assert_int_equal(store_all(db, &b), 0);
    buf_free(&b);

    assert_int_equal(store_snmp_coverage(db, "S1", DAY, DAY + 86400, hours,
                                         2, 1), 0);
    assert_int_equal(q(db, "SELECT up_s FROM wifi_area_day WHERE area='A'"),
                     SCHOOL_S);
    assert_int_equal(q(db, "SELECT covered FROM wifi_area_day WHERE "
                           "area='A'"), 1);
    assert_int_equal(q(db, "SELECT down_s FROM wifi_area_day WHERE "
                           "area='B'"), 4500);
    assert_int_equal(q(db, "SELECT up_s FROM wifi_area_day WHERE area='B'"),
                     SCHOOL_S - 4500);
    assert_int_equal(q(db, "SELECT covered FROM wifi_area_day WHERE "
                           "area='B'"), 0);
    assert_int_equal(q(db, "SELECT unknown_s FROM wifi_area_day WHERE "
                           "area='C'"), 4 * 3600);
    assert_int_equal(q(db, "SELECT covered FROM wifi_area_day WHERE "
                           "area='C'"), 1);
    assert_int_equal(q(db, "SELECT covered FROM wifi_area_day WHERE "
                           "area='D'"), -1);
    assert_int_equal(q(db, "SELECT covered FROM wifi_area_day WHERE "
                           "area='G'"), -1);
    /* Required A B C D G; covered A C; uncovered B; unknown D G. */
    assert_int_equal(q(db, "SELECT required_areas FROM wifi_day"), 5);
    assert_int_equal(q(db, "SELECT covered_areas FROM wifi_day"), 2);
    assert_int_equal(q(db, "SELECT uncovered_areas FROM wifi_day"), 1);
    assert_int_equal(q(db, "SELECT unknown_areas FROM wifi_day"), 2);
    assert_true(fabs(qd(db, "SELECT coverage_pct FROM wifi_day") -
                     100.0 * 2 / 3) < 1e-9);
    assert_int_equal(q(db, "SELECT full_coverage FROM wifi_day"), 0);
    assert_int_equal(q(db, "SELECT access_mbps FROM wifi_day"), 300);
    assert_int_equal(q(db, "SELECT clients_peak FROM wifi_day"), 100);
    assert_int_equal(q(db, "SELECT aps_seen FROM wifi_day"), 4);

    /* Recomputing replaces, never duplicates. */
    assert_int_equal(store_snmp_coverage(db, "S1", DAY, DAY + 86400, hours,
                                         2, 2), 0);
    assert_int_equal(q(db, "SELECT COUNT(*) FROM wifi_day"), 1);
    assert_int_equal(q(db, "SELECT COUNT(*) FROM wifi_area_day"), 6);
}

static void
full_coverage_is_unknown_rather_than_false_when_only_unknowns_remain(
    void **state)
{
    sqlite3 *db = *state;

    samples(db, "A", 1, H(8), H(17), WIRE_AREA_UP, 300, 300);
    samples(db, "D", 1, H(8), H(17), WIRE_AREA_UNREACHABLE, 300, 300);
    assert_int_equal(store_snmp_coverage(db, "S1", DAY, DAY + 86400, hours,
                                         2, 1), 0);
    assert_int_equal(q(db, "SELECT full_coverage FROM wifi_day"), -1);
    assert_true(fabs(qd(db, "SELECT coverage_pct FROM wifi_day") - 100.0) <
                1e-9);
    /* A required area the registry lists with no sample at all. */
    assert_int_equal(sqlite3_exec(db, "INSERT INTO areas (school, area, name, "
                                      "kind, required, aps) VALUES ('S1', "
                                      "'F', 'Gym', 'public', 1, 'gym-*')",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_snmp_coverage(db, "S1", DAY, DAY + 86400, hours,
                                         2, 1), 0);
    assert_int_equal(q(db, "SELECT required_areas FROM wifi_day"), 3);
    assert_int_equal(q(db, "SELECT unknown_areas FROM wifi_day"), 2);
    /* Once D and F are up, full coverage holds. */
    sqlite3_exec(db, "DELETE FROM wifi_area_sample WHERE area='D'", NULL,
                 NULL, NULL);
    samples(db, "D", 1, H(8), H(17), WIRE_AREA_UP, 300, 300);
    samples(db, "F", 1, H(8), H(17), WIRE_AREA_UP, 300, 300);
    assert_int_equal(store_snmp_coverage(db, "S1", DAY, DAY + 86400, hours,
                                         2, 1), 0);
    assert_int_equal(q(db, "SELECT full_coverage FROM wifi_day"), 1);
    /* A day off (no school hours): nothing computed. */
    assert_int_equal(store_snmp_coverage(db, "S1", DAY + 86400,
                                         DAY + 2 * 86400, NULL, 0, 1), 0);
    assert_int_equal(q(db, "SELECT COUNT(*) FROM wifi_day"), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            records_are_stored_with_unknown_values_as_null, setup, teardown),
        cmocka_unit_test_setup_teardown(
            coverage_counts_up_time_against_known_time_only, setup, teardown),
        cmocka_unit_test_setup_teardown(
            full_coverage_is_unknown_rather_than_false_when_only_unknowns_remain,
            setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
