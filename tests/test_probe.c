/* probe: the probe records round-trip and refuse every malformed body; the
 * config lines are checked; store_probe writes unknowns as NULL; the
 * capture_completeness view flags a shortfall and turns a counter reset
 * into "unknown"; and a real capacity probe runs against the real probe
 * endpoint on loopback, with a second one refused while the only slot is
 * taken. (Accuracy through a shaped link: tests/integration/live_probe.sh.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "probe.h"
#include "probe_srv.h"
#include "schema.h"
#include "storage_sqlite_probe.h"
#include "wire_probe.h"

static struct buf
mkbuf(void)
{
    struct buf b;

    buf_init(&b, 4096);
    return b;
}

/* the body of the single record in b (after u8 type | u16 len) */
static void
body_of(const struct buf *b, uint8_t type, struct wire_rd *rd)
{
    assert_true(b->len >= 3);
    assert_int_equal(b->p[0], type);
    assert_int_equal((size_t)(b->p[1] << 8 | b->p[2]), b->len - 3);
    wire_rd_init(rd, b->p + 3, b->len - 3);
}

static struct wire_probe_capacity
sample_capacity(void)
{
    struct wire_probe_capacity r;

    memset(&r, 0, sizeof(r));
    r.ts = 1788220800;
    strcpy(r.target, "192.0.2.10:7001");
    strcpy(r.wan_if, "pppoe-wan");
    r.link_mbps = WIRE_UNKNOWN;
    r.status = WIRE_PROBE_OK;
    r.up_bytes = 31250000;
    r.up_ms = 5000;
    r.up_bps = 50000000;
    r.down_bytes = 62500000;
    r.down_ms = 5001;
    r.down_bps = 99980003;
    return r;
}

static void
capacity_record_round_trips(void **state)
{
    struct wire_probe_capacity r = sample_capacity(), g;
    struct buf b = mkbuf();
    struct wire_rd rd;

    (void)state;
    assert_int_equal(wire_probe_capacity_put(&b, &r), 0);
    body_of(&b, WIRE_REC_PROBE_CAPACITY, &rd);
    assert_int_equal(wire_probe_capacity_decode(&rd, &g), 0);
    assert_memory_equal(&r, &g, sizeof(r));
    buf_free(&b);
}

static void
reach_record_round_trips(void **state)
{
    struct wire_reach_min r, g;
    struct buf b = mkbuf();
    struct wire_rd rd;

    (void)state;
    memset(&r, 0, sizeof(r));
    r.minute = 1788220860;
    strcpy(r.target, "tcp:[2001:db8::1]:443");
    r.probes = 2;
    r.ok = 1;
    r.rtt_us = 23456;
    assert_int_equal(wire_reach_min_put(&b, &r), 0);
    body_of(&b, WIRE_REC_REACH_MIN, &rd);
    assert_int_equal(wire_reach_min_decode(&rd, &g), 0);
    assert_memory_equal(&r, &g, sizeof(r));
    buf_free(&b);
}

static void
truncated_or_inconsistent_records_are_refused(void **state)
{
    struct wire_probe_capacity c = sample_capacity(), gc;
    struct wire_reach_min r, gr;
    struct buf b = mkbuf();
    struct wire_rd rd;
    size_t cut;

    (void)state;
    assert_int_equal(wire_probe_capacity_put(&b, &c), 0);
    for (cut = 0; cut < b.len - 3; cut++) {
        wire_rd_init(&rd, b.p + 3, cut);
        assert_int_equal(wire_probe_capacity_decode(&rd, &gc), -EPROTO);
    }
    /* one byte too many */
    assert_int_equal(buf_append(&b, "x", 1), 0);
    wire_rd_init(&rd, b.p + 3, b.len - 3);
    assert_int_equal(wire_probe_capacity_decode(&rd, &gc), -EPROTO);
    buf_reset(&b);
    c.status = 9;
    assert_int_equal(wire_probe_capacity_put(&b, &c), 0);
    body_of(&b, WIRE_REC_PROBE_CAPACITY, &rd);
    assert_int_equal(wire_probe_capacity_decode(&rd, &gc), -EPROTO);

    memset(&r, 0, sizeof(r));
    r.minute = 1788220860;
    strcpy(r.target, "tcp:192.0.2.1:80");
    r.probes = 1;
    r.ok = 2; /* more good than tried */
    buf_reset(&b);
    assert_int_equal(wire_reach_min_put(&b, &r), 0);
    body_of(&b, WIRE_REC_REACH_MIN, &rd);
    assert_int_equal(wire_reach_min_decode(&rd, &gr), -EPROTO);
    r.ok = 1;
    r.minute += 7; /* not a minute start */
    buf_reset(&b);
    assert_int_equal(wire_reach_min_put(&b, &r), 0);
    body_of(&b, WIRE_REC_REACH_MIN, &rd);
    assert_int_equal(wire_reach_min_decode(&rd, &gr), -EPROTO);
    buf_free(&b);
}

static int
line(struct probe_set *p, const char *k, const char *v)
{
    char err[256] = "";
    char *argv[2] = {(char *)k, (char *)v};

    return probe_conf_line(p, 2, argv, err, sizeof(err));
}

static void
probe_config_lines_are_checked(void **state)
{
    struct probe_set *p = probe_set_new();

    (void)state;
    assert_non_null(p);
    assert_false(probe_active(p));
    assert_int_equal(line(p, "probe_schedule", "02:30,23:05"), 0);
    assert_int_equal(line(p, "probe_schedule", "24:00"), -1);
    assert_int_equal(line(p, "probe_schedule", "7:5x"), -1);
    assert_int_equal(line(p, "probe_schedule", ""), -1);
    assert_int_equal(line(p, "probe_seconds", "5"), 0);
    assert_int_equal(line(p, "probe_seconds", "0"), -1);
    assert_int_equal(line(p, "probe_seconds", "61"), -1);
    assert_int_equal(line(p, "probe_collector", "collector.example:7001"), -1);
    assert_int_equal(line(p, "reach_target", "192.0.2.1:80"), -1);
    assert_int_equal(line(p, "reach_target", "icmp:192.0.2.1"), -1);
    assert_false(probe_active(p));
    assert_int_equal(line(p, "reach_target", "tcp:192.0.2.1:80"), 0);
    assert_true(probe_active(p));
    assert_int_equal(line(p, "probe_collector", "192.0.2.10:7001"), 0);
    assert_int_equal(line(p, "reach_interval", "0"), -1);
    assert_int_equal(line(p, "wan_interface", "eth0"), 0);
    probe_set_free(p);
}

static sqlite3 *
schema_db(void)
{
    const struct schema_migration *m;
    sqlite3 *db;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    for (m = schema_migrations; m->name != NULL; m++)
        assert_int_equal(sqlite3_exec(db, m->sql, NULL, NULL, NULL),
                         SQLITE_OK);
    return db;
}

static void
sql_row(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s;
    size_t n = 0;
    int i;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    out[0] = '\0';
    for (i = 0; i < sqlite3_column_count(s); i++) {
        const unsigned char *t = sqlite3_column_text(s, i);

        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "|" : "",
                              t ? (const char *)t : "NULL");
    }
    sqlite3_finalize(s);
}

static void
records_are_stored_with_unknowns_as_null(void **state)
{
    struct wire_probe_capacity c = sample_capacity();
    struct wire_reach_min r;
    struct buf b = mkbuf();
    struct wire_rd rd;
    sqlite3 *db = schema_db();
    char row[512];

    (void)state;
    c.down_bps = WIRE_UNKNOWN; /* the download did not run */
    assert_int_equal(wire_probe_capacity_put(&b, &c), 0);
    body_of(&b, WIRE_REC_PROBE_CAPACITY, &rd);
    assert_int_equal(store_probe_record(db, "S1", "gw1", b.p[0], &rd), 0);
    sql_row(db, "SELECT school, agent_id, target, wan_if, link_mbps, status,"
                " up_mbps, down_mbps, up_bytes FROM probe_capacity",
            row, sizeof(row));
    assert_string_equal(row, "S1|gw1|192.0.2.10:7001|pppoe-wan|NULL|0|50.0|"
                             "NULL|31250000");

    memset(&r, 0, sizeof(r));
    r.minute = 1788220860;
    strcpy(r.target, "tcp:192.0.2.1:80");
    r.probes = 2;
    r.ok = 0;
    r.rtt_us = WIRE_UNKNOWN;
    buf_reset(&b);
    assert_int_equal(wire_reach_min_put(&b, &r), 0);
    body_of(&b, WIRE_REC_REACH_MIN, &rd);
    assert_int_equal(store_probe_record(db, "S1", "gw1", b.p[0], &rd), 0);
    sql_row(db, "SELECT minute, target, probes, ok, rtt_ms FROM reach_minute",
            row, sizeof(row));
    assert_string_equal(row, "1788220860|tcp:192.0.2.1:80|2|0|NULL");
    sql_row(db, "SELECT up FROM reach_school_minute", row, sizeof(row));
    assert_string_equal(row, "0");

    /* a type in the probe range that this collector does not know */
    wire_rd_init(&rd, b.p + 3, b.len - 3);
    assert_int_equal(store_probe_record(db, "S1", "gw1", 25, &rd), -EPROTO);
    /* a malformed body */
    wire_rd_init(&rd, b.p + 3, b.len - 4);
    assert_int_equal(store_probe_record(db, "S1", "gw1", 21, &rd), -EPROTO);
    sqlite3_close(db);
    buf_free(&b);
}

static void
completeness_view_flags_shortfall_and_treats_reset_as_unknown(void **state)
{
    sqlite3 *db = schema_db();
    char row[512];

    (void)state;
    /* minute, source, pkts_seen, if_pkts (NULL: unknown; negative: the
     * agent's delta across a counter reset) */
    assert_int_equal(sqlite3_exec(db,
        "INSERT INTO capture_minute (minute, school, agent_id, source,"
        " pkts_seen, pcap_recv, pcap_drop, pcap_ifdrop, if_pkts, if_bytes,"
        " egress_bytes, unclassified_pkts, unclassified_bytes) VALUES"
        " (60, 'S', 'a', 'eth1', 990, 990, 0, 0, 1000, 1, 0, 0, 0),"
        " (120, 'S', 'a', 'eth1', 900, 900, 0, 0, 1000, 1, 0, 0, 0),"
        " (180, 'S', 'a', 'eth1', 900, 900, 0, 0, -123456, -5, 0, 0, 0),"
        " (240, 'S', 'a', 'eth1', 10, 10, 0, 0, 50, 1, 0, 0, 0),"
        " (300, 'S', 'a', 'eth1', 500, 500, 0, 0, 500, 1, 0, 0, 0),"
        " (300, 'S', 'a', 'eth2', 500, NULL, NULL, NULL, NULL, NULL, 0, 0, 0),"
        " (360, 'S', 'a', 'eth1', 600, 600, 0, 0, 500, 1, 0, 0, 0),"
        " (360, 'S', 'a', 'eth2', 100, 100, 0, 0, 1000, 1, 0, 0, 0)",
        NULL, NULL, NULL), SQLITE_OK);
    sql_row(db, "SELECT group_concat(minute || ':' || coalesce(completeness,"
                " 'NULL') || ':' || coalesce(shortfall, 'NULL'), ' ') FROM"
                " (SELECT * FROM capture_completeness WHERE school = 'S'"
                " ORDER BY minute)", row, sizeof(row));
    /* 99% ok; 90% flagged; reset unknown; 50 packets too few to judge;
     * one source unknown makes the minute unknown; sources add up
     * (700 of 1500) even when one alone is over 1 */
    assert_string_equal(row, "60:0.99:0 120:0.9:1 180:NULL:NULL 240:0.2:0 "
                             "300:NULL:NULL 360:0.466666666666667:1");
    sqlite3_close(db);
}

static void
capacity_is_the_lowest_evidence_and_a_weak_probe_is_flagged(void **state)
{
    sqlite3 *db = schema_db();
    char row[512];

    (void)state;
    /* A: contracted 100, link 1000, latest good probe 70 up / 95 down
     * (an older, faster probe and a later failed one do not count);
     * B: contracted 50, link 40, probe 48/49; C: contracted only */
    assert_int_equal(sqlite3_exec(db,
        "INSERT INTO schools (code, name, district, region, type, students,"
        " teachers, classes, contracted_kbps, updated) VALUES"
        " ('A', 'a', 'd', 'urban', 'primary', 1, 1, 1, 100000, 0),"
        " ('B', 'b', 'd', 'urban', 'primary', 1, 1, 1, 50000, 0),"
        " ('C', 'c', 'd', 'urban', 'primary', 1, 1, 1, 20000, 0);"
        "INSERT INTO probe_capacity (ts, school, agent_id, target, wan_if,"
        " link_mbps, status, error, up_bytes, up_ms, up_mbps, down_bytes,"
        " down_ms, down_mbps) VALUES"
        " (100, 'A', 'a', 't', 'w', 1000, 0, '', 1, 1, 99.0, 1, 1, 99.0),"
        " (200, 'A', 'a', 't', 'w', 1000, 0, '', 1, 1, 70.0, 1, 1, 95.0),"
        " (300, 'A', 'a', 't', 'w', 1000, 3, 'busy', 0, 0, NULL, 0, 0, NULL),"
        " (200, 'B', 'b', 't', 'w', 40, 0, '', 1, 1, 48.0, 1, 1, 49.0)",
        NULL, NULL, NULL), SQLITE_OK);
    sql_row(db, "SELECT group_concat(school || ':' || coalesce(capacity_mbps,"
                " 'NULL') || ':' || coalesce(probe_mbps, 'NULL') || ':' ||"
                " coalesce(probe_flag, 'NULL'), ' ') FROM (SELECT * FROM"
                " capacity_evidence ORDER BY school)", row, sizeof(row));
    /* A: 70 < 80% of 100 -> flagged; B: link 40 is the lowest, probe 48
     * is 96% of 50 -> not flagged; C: contracted only, nothing to flag */
    assert_string_equal(row, "A:70.0:70.0:1 B:40.0:48.0:0 C:20.0:NULL:NULL");
    sqlite3_close(db);
}

/* --- a real probe on loopback ------------------------------------------ */

struct got {
    int n;
    struct wire_probe_capacity r[2];
    struct probe_set *sets[2];
    struct probe_srv *srv;
};

static void
on_records(void *arg, const uint8_t *rec, size_t len, uint32_t n)
{
    struct got *g = arg;
    struct wire_rd rd;
    int i;

    assert_int_equal(n, 1);
    assert_int_equal(rec[0], WIRE_REC_PROBE_CAPACITY);
    wire_rd_init(&rd, rec + 3, len - 3);
    assert_true(g->n < 2);
    assert_int_equal(wire_probe_capacity_decode(&rd, &g->r[g->n]), 0);
    if (++g->n == 2) {
        for (i = 0; i < 2; i++)
            probe_stop(g->sets[i]);
        probe_srv_stop(g->srv);
    }
}

static void
capacity_probe_runs_against_the_endpoint_and_a_second_is_busy(void **state)
{
    struct probe_srv_opts o = {"127.0.0.1:0", 1, 10, 64u << 20};
    uv_loop_t loop;
    struct got g;
    char addr[64];
    int i, ok = -1, busy = -1;

    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(probe_srv_start(&loop, &o, &g.srv), 0);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", probe_srv_port(g.srv));
    for (i = 0; i < 2; i++) {
        g.sets[i] = probe_set_new();
        assert_int_equal(line(g.sets[i], "probe_collector", addr), 0);
        assert_int_equal(line(g.sets[i], "probe_seconds", "1"), 0);
        assert_int_equal(line(g.sets[i], "wan_interface", "lo"), 0);
        assert_int_equal(line(g.sets[i], "probe_retries", "0"), 0);
        assert_int_equal(probe_start(g.sets[i], &loop, on_records, &g), 0);
        probe_capacity_now(g.sets[i]);
    }
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(g.n, 2);
    for (i = 0; i < 2; i++) {
        if (g.r[i].status == WIRE_PROBE_OK)
            ok = i;
        else if (g.r[i].status == WIRE_PROBE_BUSY)
            busy = i;
        probe_set_free(g.sets[i]);
    }
    assert_true(ok >= 0 && busy >= 0);
    /* loopback: at least some Mbit/s each way; each direction ended at
     * the endpoint's byte limit or at the 1 s asked for, whichever came
     * first (the download exactly at the limit: the endpoint counts what
     * it queues); lo has no link speed */
    assert_true(g.r[ok].up_bps > 1000000 && g.r[ok].down_bps > 1000000);
    assert_true(g.r[ok].up_bytes >= o.max_bytes || g.r[ok].up_ms >= 900);
    assert_true(g.r[ok].down_bytes == o.max_bytes ||
                (g.r[ok].down_bytes < o.max_bytes && g.r[ok].down_ms >= 900));
    assert_true(g.r[ok].up_ms <= 3000 && g.r[ok].down_ms <= 3000);
    assert_true(g.r[ok].link_mbps == WIRE_UNKNOWN);
    assert_string_equal(g.r[ok].wan_if, "lo");
    assert_true(g.r[busy].up_bps == WIRE_UNKNOWN);
    assert_true(strstr(g.r[busy].error, "busy") != NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capacity_record_round_trips),
        cmocka_unit_test(reach_record_round_trips),
        cmocka_unit_test(truncated_or_inconsistent_records_are_refused),
        cmocka_unit_test(probe_config_lines_are_checked),
        cmocka_unit_test(records_are_stored_with_unknowns_as_null),
        cmocka_unit_test(
            completeness_view_flags_shortfall_and_treats_reset_as_unknown),
        cmocka_unit_test(
            capacity_is_the_lowest_evidence_and_a_weak_probe_is_flagged),
        cmocka_unit_test(
            capacity_probe_runs_against_the_endpoint_and_a_second_is_busy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
