/* test_evaluate: a golden evaluation on a small district whose truth is
 * known by construction. Class minutes are inserted directly (as ingest
 * would store them), so every expected figure below follows from the
 * numbers in this file, not from the code under test:
 *
 *   calendar 测试区: Mon-Fri 08:00-17:00 UTC+8, 2020-01-01 a holiday;
 *   evaluated "now" = 2020-01-18 00:00 local, so the period has 12 school
 *   days (Jan 2, 3, 6-10, 13-17) of 540 minutes. min_days 10, stale 5.
 *
 *   A urban  400 Mbit/s / 40 classes = exactly 10.0; lab peak 100 devices
 *            every day (850 students -> exactly 8.5); classrooms c1 active
 *            12/12 days, c2 10/12 (83%), c3 9/12 (75%) -> 2 of 3.
 *   B urban  399.999 / 40 = 9.999975 (just below 10); lab peaks 100 on 5
 *            days and 50 on 7 (the 5th highest is 100 -> 8.5).
 *   C urban  1000 / 50 = 20; lab 200 on one day, 90 on the others
 *            (-> 850/90, fails 8.5) plus 500 devices every evening and on
 *            a Saturday, which must not count; no traffic before 12:30
 *            (270 of 540 minutes -> 50% broadband).
 *   D county data on the last 3 school days only -> insufficient_data.
 *   E county data on the first 7 school days only -> not_reporting.
 *   G county 1000 / 50 = 20, data every day -> meets.
 *   H county never reported -> not_reporting.
 *   Wi-Fi (area samples every 5 minutes of school hours): A's required
 *   areas r1 up every day, r2 up on 10 of 12 days and down on 2 -> full
 *   coverage on 83% of days (>= 80%: full), 22 of 24 area-days covered;
 *   C's r2 is down every day -> not full.
 *   Links (SNMP ifHighSpeed, polled at 10:00 each school day): B's WAN
 *   port runs at 200 Mbit/s, below its 399.999 contract -> capacity 200.
 *   C: uplink 1000, backbone 10000, class ports 100 and 1000 (-> 100);
 *   a 10 Mbit/s poll at 20:00 and a port that is down must not count.
 *   Probes (E): capacity probes 40/50 and 250/300 Mbit/s (slower
 *   direction 40 and 250) and one that timed out -> capacity 250 (below
 *   the 1000 contract); reachability on Jan 2 10:00-11:39: 100 minutes
 *   probed, 3 down -> 97%; a failed probe at 20:00 does not count. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "calendar.h"
#include "evaluate.h"
#include "metrics.h"
#include "packs.h"
#include "registry.h"
#include "rollup.h"
#include "storage.h"
#include "storage_sqlite.h"

struct fx {
    char dir[64];
    char path[96];
    struct storage *st;
    sqlite3 *db;
    struct calendar cal;
    sqlite3_stmt *ins;
    int64_t now;
    int64_t eval_id;
};

static const int school_days[12] = { 2, 3, 6, 7, 8, 9, 10, 13, 14, 15, 16,
                                     17 };

static const char *schools_csv =
    "code,name,district,region,type,students,teachers,classes,"
    "contracted_mbps\n"
    "A,甲小学,测试区,urban,primary,850,40,40,400\n"
    "B,乙小学,测试区,urban,primary,850,40,40,399.999\n"
    "C,丙小学,测试区,urban,primary,850,40,50,1000\n"
    "D,丁小学,测试区,county,primary,300,20,10,1000\n"
    "E,戊小学,测试区,county,primary,300,20,10,1000\n"
    "G,庚小学,测试区,county,primary,300,20,50,1000\n"
    "H,辛小学,测试区,county,primary,300,20,10,1000\n";

static const char *classes_csv =
    "school,class,name,kind,vlan\n"
    "A,lab,机房,computer_room,10\n"
    "A,c1,一班,classroom,11\n"
    "A,c2,二班,classroom,12\n"
    "A,c3,三班,classroom,13\n"
    "B,lab,机房,computer_room,10\n"
    "C,lab,机房,computer_room,10\n"
    "C,c1,一班,classroom,11\n"
    "D,c1,一班,classroom,11\n"
    "E,c1,一班,classroom,11\n"
    "G,c1,一班,classroom,11\n"
    "H,c1,一班,classroom,11\n";

static const char *areas_csv =
    "school,area,name,kind,required,aps\n"
    "A,r1,一班教室,classroom,yes,AP-1\n"
    "A,r2,二班教室,classroom,yes,AP-2\n"
    "A,yard,操场,public,no,AP-3\n"
    "C,r1,一班教室,classroom,yes,AP-1\n"
    "C,r2,二班教室,classroom,yes,AP-2\n";

static const char *links_csv =
    "school,link,role,target,interface\n"
    "B,wan,wan,gw,ge-0/0/0\n"
    "C,up,uplink,core,xe-1/0/1\n"
    "C,bb,backbone,core,xe-1/0/[23]\n"
    "C,cls,class_access,*,Class*\n";

static const char *inventory_csv =
    "school,year,item,value\n"
    "A,2020,recording_classrooms,1\n";

static const char *pack_csv =
    "pack,version,rule,year,regions,types,metric,op,threshold,share\n"
    "golden,1,egress-urban,2020,urban,*,egress_mbps_per_class,>=,10,2/3\n"
    "golden,1,egress-urban-667,2020,urban,*,egress_mbps_per_class,>=,10,"
    "66.7%\n"
    "golden,1,egress-urban-20,2020,urban,*,egress_mbps_per_class,>=,20,"
    "100%\n"
    "golden,1,egress-county,2020,county,*,egress_mbps_per_class,>=,10,2/3\n"
    "golden,1,spc,2020,urban,*,students_per_computer,<=,8.5,100%\n"
    "golden,1,multimedia,2020,urban,*,multimedia_class_pct,>=,66.66,1/3\n"
    "golden,1,broadband,2020,urban,*,broadband_uptime_pct,>=,90,100%\n"
    "golden,1,wifi,2020,*,*,wifi_full_coverage,>=,1,100%\n"
    "golden,1,recording,2020,urban,*,inventory:recording_classrooms,>=,1,"
    "1/3\n"
    "golden,1,backbone,2020,urban,*,campus_backbone_mbps,>=,10000,1/3\n";

static const char *calendar_txt =
    "# test district\n"
    "district 测试区\n"
    "utc_offset +08:00\n"
    "weekdays mon tue wed thu fri\n"
    "hours 08:00 17:00\n"
    "holiday 2020-01-01\n";

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int64_t
local(struct fx *fx, int day, int hh, int mm)
{
    return calendar_day_start(&fx->cal, calendar_civil_day(2020, 1, day)) +
           hh * 3600 + mm * 60;
}

static void
row(struct fx *fx, const char *school, const char *cls, int64_t minute,
    int64_t bytes_down, int64_t peak, int devices)
{
    sqlite3_stmt *s = fx->ins;

    sqlite3_bind_int64(s, 1, minute);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, cls, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, bytes_down);
    sqlite3_bind_int64(s, 5, peak);
    sqlite3_bind_int(s, 6, devices);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_reset(s);
}

/* Area samples every 5 minutes over a school day; state 1 up, 2 down. */
static void
area_day(struct fx *fx, const char *school, const char *area, int d,
         int state)
{
    sqlite3_stmt *s;
    int m;

    assert_int_equal(sqlite3_prepare_v2(fx->db,
        "INSERT INTO wifi_area_sample (ts, school, agent_id, area, "
        "required, state, interval_s, aps, aps_up, aps_down) VALUES "
        "(?1, ?2, 'test', ?3, 1, ?4, 300, 1, ?5, ?6)", -1, &s, NULL),
        SQLITE_OK);
    for (m = 0; m < 540; m += 5) {
        sqlite3_bind_int64(s, 1, local(fx, d, 8, 0) + m * 60);
        sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, area, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, state);
        sqlite3_bind_int(s, 5, state == 1);
        sqlite3_bind_int(s, 6, state == 2);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
}

static void
ifrow(struct fx *fx, const char *school, int64_t ts, const char *target,
      const char *name, const char *alias, int speed, int oper)
{
    sqlite3_stmt *s;

    assert_int_equal(sqlite3_prepare_v2(fx->db,
        "INSERT INTO snmp_if (ts, school, agent_id, target, ifindex, name, "
        "alias, speed_mbps, oper, hc, in_bytes, out_bytes, elapsed_s) "
        "VALUES (?1, ?2, 'test', ?3, 1, ?4, ?5, ?6, ?7, 1, 0, 0, 300)", -1,
        &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, ts);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, target, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, alias, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, speed);
    sqlite3_bind_int(s, 7, oper);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

/* A whole school day, 08:00-16:59: bytes_down 7500000 per minute (1 Mbit/s)
 * unless idle, devices as given. from_min skips traffic before it. */
static void
day(struct fx *fx, const char *school, const char *cls, int d, int devices,
    int from_min)
{
    int m;

    for (m = 0; m < 540; m++)
        row(fx, school, cls, local(fx, d, 8, 0) + m * 60,
            (devices > 0 && m >= from_min) ? 7500000 : 0,
            devices > 0 ? 2000000 : 0, devices);
}

static int
setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct registry_result res;
    char p[160];
    int i, n, already;

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_evaluate.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/db.sqlite", fx->dir);
    if (storage_open(fx->path, &fx->st) != 0)
        return -1;
    fx->db = storage_db(fx->st);
    snprintf(p, sizeof(p), "%s/cal.txt", fx->dir);
    write_file(p, calendar_txt);
    assert_int_equal(calendar_parse_file(p, &fx->cal, stderr), 0);
    assert_int_equal(calendar_store(fx->st, &fx->cal), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_SCHOOLS, "s.csv",
                                         schools_csv, strlen(schools_csv),
                                         TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_CLASSES, "c.csv",
                                         classes_csv, strlen(classes_csv),
                                         TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_AREAS, "a.csv",
                                         areas_csv, strlen(areas_csv),
                                         TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_LINKS, "l.csv",
                                         links_csv, strlen(links_csv),
                                         TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_INVENTORY, "i.csv",
                                         inventory_csv,
                                         strlen(inventory_csv),
                                         TEXTCONV_AUTO, stderr, &res), 0);
    snprintf(p, sizeof(p), "%s/pack.csv", fx->dir);
    write_file(p, pack_csv);
    assert_int_equal(packs_load_file(fx->st, p, TEXTCONV_AUTO, stderr, NULL,
                                     NULL, &n, &already), 0);

    assert_int_equal(sqlite3_prepare_v2(fx->db,
        "INSERT INTO class_minute (minute, school, class, bytes_up, "
        "bytes_down, pkts_up, pkts_down, peak_up_bps, peak_down_bps, "
        "devices, agent_id) VALUES (?1, ?2, ?3, 0, ?4, 0, 0, 0, ?5, ?6, "
        "'test')", -1, &fx->ins, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(fx->db, "BEGIN", NULL, NULL, NULL),
                     SQLITE_OK);
    for (i = 0; i < 12; i++) {
        int d = school_days[i];

        day(fx, "A", "lab", d, 100, 0);
        day(fx, "A", "c1", d, 1, 0);
        day(fx, "A", "c2", d, i < 10 ? 1 : 0, 0);
        day(fx, "A", "c3", d, i < 9 ? 1 : 0, 0);
        day(fx, "B", "lab", d, i < 5 ? 100 : 50, 0);
        day(fx, "C", "lab", d, i == 0 ? 200 : 90, 270);
        day(fx, "C", "c1", d, 1, 270);
        /* Outside school hours: must not count. */
        row(fx, "C", "lab", local(fx, d, 20, 0), 7500000, 0, 500);
        row(fx, "C", "lab", local(fx, d, 7, 59), 7500000, 0, 500);
        if (i >= 9)
            day(fx, "D", "c1", d, 1, 0);
        if (i < 7)
            day(fx, "E", "c1", d, 1, 0);
        day(fx, "G", "c1", d, 1, 0);
        area_day(fx, "A", "r1", d, 1);
        area_day(fx, "A", "r2", d, i < 10 ? 1 : 2);
        area_day(fx, "C", "r1", d, 1);
        area_day(fx, "C", "r2", d, 2);
        ifrow(fx, "B", local(fx, d, 10, 0), "gw", "ge-0/0/0", "WAN", 200, 1);
        ifrow(fx, "C", local(fx, d, 10, 0), "core", "xe-1/0/1", "", 1000, 1);
        ifrow(fx, "C", local(fx, d, 10, 0), "core", "xe-1/0/2", "", 10000, 1);
        ifrow(fx, "C", local(fx, d, 10, 0), "core", "xe-1/0/3", "", 10000, 1);
        ifrow(fx, "C", local(fx, d, 10, 0), "sw1", "ge-0/1", "Class1", 100, 1);
        ifrow(fx, "C", local(fx, d, 10, 0), "sw1", "ge-0/2", "Class2", 1000,
              1);
        ifrow(fx, "C", local(fx, d, 10, 0), "sw1", "ge-0/3", "Class3", 10, 2);
        ifrow(fx, "C", local(fx, d, 20, 0), "core", "xe-1/0/2", "", 10, 1);
    }
    assert_int_equal(sqlite3_exec(fx->db,
        "INSERT INTO probe_capacity (ts, school, agent_id, target, wan_if, "
        "link_mbps, status, error, up_bytes, up_ms, up_mbps, down_bytes, "
        "down_ms, down_mbps) VALUES "
        "(1577944800, 'E', 't', 'c', '', NULL, 0, '', 1, 1, 50, 1, 1, 40),"
        "(1578031200, 'E', 't', 'c', '', NULL, 0, '', 1, 1, 300, 1, 1, 250),"
        "(1578117600, 'E', 't', 'c', '', NULL, 4, 'timeout', 0, 0, NULL, 0, "
        "0, NULL)", NULL, NULL, NULL), SQLITE_OK);
    for (i = 0; i < 100; i++) {
        char sql[200];

        snprintf(sql, sizeof(sql), "INSERT INTO reach_minute VALUES (%lld, "
                 "'E', 't', 'tcp:x:1', 3, %d, 5.0)",
                 (long long)local(fx, 2, 10, i), i < 3 ? 0 : 3);
        assert_int_equal(sqlite3_exec(fx->db, sql, NULL, NULL, NULL),
                         SQLITE_OK);
    }
    {
        char sql[200];

        snprintf(sql, sizeof(sql), "INSERT INTO reach_minute VALUES (%lld, "
                 "'E', 't', 'tcp:x:1', 3, 0, NULL)",
                 (long long)local(fx, 2, 20, 0));
        assert_int_equal(sqlite3_exec(fx->db, sql, NULL, NULL, NULL),
                         SQLITE_OK);
    }
    /* Saturday the 4th and the New Year holiday are not school days. */
    day(fx, "C", "lab", 4, 500, 0);
    day(fx, "C", "lab", 1, 500, 0);
    assert_int_equal(sqlite3_exec(fx->db, "COMMIT", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_finalize(fx->ins);
    fx->now = local(fx, 18, 0, 0);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[160];

    calendar_free(&fx->cal);
    storage_close(fx->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static void
run(struct fx *fx)
{
    struct evaluate_params p = {
        .pack = "golden", .year = 2020, .district = "测试区",
        .min_days = 10, .stale_days = 5, .now = fx->now,
    };

    assert_int_equal(evaluate_run(fx->st, &p, stderr, &fx->eval_id), 0);
}

static char *
q(struct fx *fx, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *s;
    char *r = NULL;

    assert_int_equal(sqlite3_prepare_v2(fx->db, sql, -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, fx->eval_id);
    if (a != NULL)
        sqlite3_bind_text(s, 2, a, -1, SQLITE_STATIC);
    if (b != NULL)
        sqlite3_bind_text(s, 3, b, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        r = strdup(sqlite3_column_text(s, 0) != NULL
                       ? (const char *)sqlite3_column_text(s, 0) : "NULL");
    sqlite3_finalize(s);
    assert_non_null(r);
    return r;
}

static void
expect_status(struct fx *fx, const char *rule, const char *school,
              const char *want)
{
    char *got = q(fx, "SELECT status FROM evaluation_school WHERE eval_id = "
                  "?1 AND rule = ?2 AND school = ?3", rule, school);

    if (strcmp(got, want) != 0)
        fail_msg("%s/%s: status %s, expected %s", rule, school, got, want);
    free(got);
}

static void
expect_rule(struct fx *fx, const char *rule, const char *want)
{
    char *got = q(fx, "SELECT in_scope || '/' || meeting || '/' || failing "
                  "|| '/' || undetermined || ' ' || verdict FROM "
                  "evaluation_rule WHERE eval_id = ?1 AND rule = ?2", rule,
                  NULL);

    if (strcmp(got, want) != 0)
        fail_msg("rule %s: %s, expected %s", rule, got, want);
    free(got);
}

static void
exactly_ten_mbit_per_class_meets_and_just_below_fails(void **state)
{
    struct fx *fx = *state;
    char *v;

    run(fx);
    expect_status(fx, "egress-urban", "A", "meets");
    expect_status(fx, "egress-urban", "B", "fails");
    expect_status(fx, "egress-urban", "C", "meets");
    v = q(fx, "SELECT value_num || '/' || value_den FROM evaluation_school "
          "WHERE eval_id = ?1 AND rule = ?2 AND school = ?3",
          "egress-urban", "A");
    assert_string_equal(v, "400000/40000");
    free(v);
}

static void
exactly_two_thirds_passes_a_two_thirds_rule_but_not_66_7_percent(
    void **state)
{
    struct fx *fx = *state;

    run(fx);
    expect_rule(fx, "egress-urban", "3/2/1/0 pass");
    expect_rule(fx, "egress-urban-667", "3/2/1/0 fail");
    expect_rule(fx, "egress-urban-20", "3/1/2/0 fail");
}

static void
insufficient_and_not_reporting_schools_never_pass(void **state)
{
    struct fx *fx = *state;

    run(fx);
    expect_status(fx, "egress-county", "D", "insufficient_data");
    expect_status(fx, "egress-county", "E", "not_reporting");
    expect_status(fx, "egress-county", "G", "meets");
    expect_status(fx, "egress-county", "H", "not_reporting");
    /* 1 of 4 meets; it could still reach 2/3: undetermined, not fail. */
    expect_rule(fx, "egress-county", "4/1/0/3 undetermined");
}

static void
computers_are_counted_on_five_school_days_in_school_hours_only(
    void **state)
{
    struct fx *fx = *state;

    run(fx);
    expect_status(fx, "spc", "A", "meets");     /* 850 / 100 = 8.5 */
    expect_status(fx, "spc", "B", "meets");     /* 5th highest day: 100 */
    expect_status(fx, "spc", "C", "fails");     /* 850 / 90 */
    expect_rule(fx, "spc", "3/2/1/0 fail");
}

static void
multimedia_counts_classrooms_active_on_80_percent_of_days(void **state)
{
    struct fx *fx = *state;
    char *v;

    run(fx);
    expect_status(fx, "multimedia", "A", "meets");
    expect_status(fx, "multimedia", "B", "no_data");
    expect_status(fx, "multimedia", "C", "meets");
    v = q(fx, "SELECT value_num || '/' || value_den FROM evaluation_school "
          "WHERE eval_id = ?1 AND rule = ?2 AND school = ?3", "multimedia",
          "A");
    assert_string_equal(v, "200/3");
    free(v);
    expect_rule(fx, "multimedia", "3/2/0/1 pass");
}

static void
broadband_wifi_and_inventory_follow_their_sources(void **state)
{
    struct fx *fx = *state;
    char *v;

    run(fx);
    expect_status(fx, "broadband", "A", "meets");
    expect_status(fx, "broadband", "C", "fails");
    v = q(fx, "SELECT value FROM evaluation_school WHERE eval_id = ?1 AND "
          "rule = ?2 AND school = ?3", "broadband", "C");
    assert_string_equal(v, "50");
    free(v);
    expect_status(fx, "wifi", "A", "meets");
    expect_status(fx, "wifi", "C", "fails");
    expect_status(fx, "wifi", "B", "no_data");
    /* 1 meets, 1 fails: even if the 5 others met, 6/7 < 100%. */
    expect_rule(fx, "wifi", "7/1/1/5 fail");
    expect_status(fx, "recording", "A", "meets");
    expect_status(fx, "recording", "B", "no_data");
    expect_rule(fx, "recording", "3/1/0/2 pass");
    expect_status(fx, "backbone", "C", "meets");
    expect_status(fx, "backbone", "A", "no_data");
    expect_rule(fx, "backbone", "3/1/0/2 pass");
}

static void
evidence_counts_school_days_and_minutes(void **state)
{
    struct fx *fx = *state;
    struct metrics_school ms;
    int64_t from = local(fx, 1, 0, 0);

    assert_int_equal(metrics_compute(fx->st, "E", &fx->cal, from, fx->now, 5,
                                     &ms), 0);
    assert_int_equal(ms.ev.school_days, 12);
    assert_int_equal(ms.ev.days_with_data, 7);
    assert_int_equal(ms.ev.school_minutes, 12 * 540);
    assert_int_equal(ms.ev.minutes_with_data, 7 * 540);
    assert_int_equal(ms.ev.recent_days_with_data, 0);
    assert_string_equal(ms.m[M_EGRESS_CAPACITY].source, "probe");
    assert_int_equal(ratio_cmp(ms.m[M_EGRESS_CAPACITY].v,
                               (struct ratio){ 250, 1 }), 0);
    assert_non_null(strstr(ms.m[M_EGRESS_CAPACITY].note, "below 80%"));
    assert_string_equal(ms.m[M_BROADBAND_UPTIME_PCT].source, "probe");
    assert_int_equal(ratio_cmp(ms.m[M_BROADBAND_UPTIME_PCT].v,
                               (struct ratio){ 97, 1 }), 0);
    assert_int_equal(metrics_compute(fx->st, "A", &fx->cal, from, fx->now, 5,
                                     &ms), 0);
    assert_int_equal(ms.ev.days_with_data, 12);
    /* Every class minute carries 1 Mbit/s or 0; 2 Mbit/s peaks. */
    assert_int_equal(ratio_cmp(ms.m[M_CLASS_P95_DOWN].v,
                               (struct ratio){ 1, 1 }), 0);
    assert_int_equal(ratio_cmp(ms.m[M_CLASS_PEAK_DOWN].v,
                               (struct ratio){ 2, 1 }), 0);
    /* wifi_day rows were written by the evaluations run before. */
    assert_int_equal(ms.m[M_WIFI_COVERAGE_PCT].state, MS_VALUE);
    assert_int_equal(ratio_cmp(ms.m[M_WIFI_COVERAGE_PCT].v,
                               (struct ratio){ 100 * 22, 24 }), 0);
    assert_int_equal(ratio_cmp(ms.m[M_WIFI_FULL_COVERAGE].v,
                               (struct ratio){ 1, 1 }), 0);
    assert_int_equal(ms.m[M_CAMPUS_BACKBONE].state, MS_NO_DATA);
    assert_int_equal(metrics_compute(fx->st, "B", &fx->cal, from, fx->now, 5,
                                     &ms), 0);
    assert_int_equal(ratio_cmp(ms.m[M_EGRESS_CAPACITY].v,
                               (struct ratio){ 200, 1 }), 0);
    assert_string_equal(ms.m[M_EGRESS_CAPACITY].source, "link speed");
    assert_int_equal(metrics_compute(fx->st, "C", &fx->cal, from, fx->now, 5,
                                     &ms), 0);
    assert_string_equal(ms.m[M_EGRESS_CAPACITY].source, "contracted");
    assert_int_equal(ratio_cmp(ms.m[M_SCHOOL_ACCESS].v,
                               (struct ratio){ 1000, 1 }), 0);
    assert_int_equal(ratio_cmp(ms.m[M_CAMPUS_BACKBONE].v,
                               (struct ratio){ 10000, 1 }), 0);
    assert_int_equal(ratio_cmp(ms.m[M_CLASS_ACCESS].v,
                               (struct ratio){ 100, 1 }), 0);
}

static void
stored_evaluation_is_reproducible_after_new_data(void **state)
{
    struct fx *fx = *state;
    int64_t first, latest;
    char *before, *after;

    run(fx);
    first = fx->eval_id;
    before = q(fx, "SELECT group_concat(rule || school || status || "
               "ifnull(value, '-'), ';') FROM (SELECT * FROM "
               "evaluation_school WHERE eval_id = ?1 ORDER BY rule, school)",
               NULL, NULL);
    /* B is split into fewer classes afterwards (200 Mbit/s / 10 = 20): a
     * new evaluation sees it, the stored one does not change. */
    assert_int_equal(sqlite3_exec(fx->db, "UPDATE schools SET classes = 10 "
                                  "WHERE code = 'B'", NULL, NULL, NULL),
                     SQLITE_OK);
    run(fx);
    assert_true(fx->eval_id > first);
    expect_status(fx, "egress-urban", "B", "meets");
    assert_int_equal(evaluate_latest(fx->st, "golden", 2020, "测试区",
                                     &latest), 0);
    assert_int_equal(latest, fx->eval_id);
    fx->eval_id = first;
    after = q(fx, "SELECT group_concat(rule || school || status || "
              "ifnull(value, '-'), ';') FROM (SELECT * FROM "
              "evaluation_school WHERE eval_id = ?1 ORDER BY rule, school)",
              NULL, NULL);
    assert_string_equal(before, after);
    expect_status(fx, "egress-urban", "B", "fails");
    free(before);
    free(after);
}

static void
every_shipped_pack_evaluates(void **state)
{
    struct fx *fx = *state;
    static const char *packs[] = { "hefei", "yunnan", "chengdu", "yinchuan",
                                   "shaoyang" };
    static const int years[] = { 2020, 2020, 2014, 2020, 2015 };
    const char *src = getenv("SRCDIR");
    char path[700];
    int i, n, already;

    for (i = 0; i < 5; i++) {
        struct evaluate_params p = {
            .pack = packs[i], .year = years[i], .district = "",
            .min_days = 10, .stale_days = 5, .now = fx->now + 86400LL * 365 * 11,
        };
        char *cnt;

        snprintf(path, sizeof(path), "%s/schema/packs/%s.csv",
                 src != NULL ? src : ".", packs[i]);
        assert_int_equal(packs_load_file(fx->st, path, TEXTCONV_AUTO, stderr,
                                         NULL, NULL, &n, &already), 0);
        assert_int_equal(evaluate_run(fx->st, &p, stderr, &fx->eval_id), 0);
        cnt = q(fx, "SELECT count(*) FROM evaluation_rule WHERE eval_id = ?1",
                NULL, NULL);
        assert_true(atoi(cnt) > 0);
        free(cnt);
    }
}

static char *
all_statuses(struct fx *fx)
{
    return q(fx, "SELECT group_concat(rule || ':' || school || ':' || status, "
             "' ') FROM (SELECT * FROM evaluation_school WHERE eval_id = ?1 "
             "ORDER BY rule, school)", NULL, NULL);
}

/* Last: rolls everything up, then expires every raw row. Verdicts read
 * from the rollups must be the ones read from raw minutes. */
static void
verdicts_survive_raw_rows_expiring_into_rollups(void **state)
{
    struct fx *fx = *state;
    struct rollup_stats rs;
    char *before, *after, *n;

    run(fx);
    before = all_statuses(fx);
    /* Rows were inserted directly, not through ingest: mark their hours. */
    assert_int_equal(sqlite3_exec(fx->db, "INSERT OR IGNORE INTO "
                                  "rollup_dirty SELECT DISTINCT school, "
                                  "minute - minute % 3600 FROM class_minute",
                                  NULL, NULL, NULL), SQLITE_OK);
    /* Rolled up, raw rows kept: evaluation reads the rollups. */
    assert_int_equal(rollup_run_once(fx->path, 0, fx->now + 86400 * 30, &rs),
                     0);
    run(fx);
    after = all_statuses(fx);
    assert_string_equal(before, after);
    free(after);
    /* Raw rows expired. */
    assert_int_equal(rollup_run_once(fx->path, 1, fx->now + 86400 * 30, &rs),
                     0);
    n = q(fx, "SELECT count(*) || '/' || (SELECT count(*) FROM class_day) "
          "FROM class_minute", NULL, NULL);
    assert_true(strncmp(n, "0/", 2) == 0 && strcmp(n, "0/0") != 0);
    free(n);
    run(fx);
    after = all_statuses(fx);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exactly_ten_mbit_per_class_meets_and_just_below_fails),
        cmocka_unit_test(
            exactly_two_thirds_passes_a_two_thirds_rule_but_not_66_7_percent),
        cmocka_unit_test(insufficient_and_not_reporting_schools_never_pass),
        cmocka_unit_test(
            computers_are_counted_on_five_school_days_in_school_hours_only),
        cmocka_unit_test(
            multimedia_counts_classrooms_active_on_80_percent_of_days),
        cmocka_unit_test(broadband_wifi_and_inventory_follow_their_sources),
        cmocka_unit_test(evidence_counts_school_days_and_minutes),
        cmocka_unit_test(stored_evaluation_is_reproducible_after_new_data),
        cmocka_unit_test(every_shipped_pack_evaluates),
        cmocka_unit_test(verdicts_survive_raw_rows_expiring_into_rollups),
    };

    /* One district, built once; each test evaluates it afresh. */
    return cmocka_run_group_tests_name("evaluate", tests, setup, teardown);
}
