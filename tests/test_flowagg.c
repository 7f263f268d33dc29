/* Tests for agent/flowagg: minute rollover and emission, the busiest
 * 1-second rate, device counting and saturation, late packets, unclassified
 * counters, and a randomized run checked against a naive recomputation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "classmap.h"
#include "flowagg.h"
#include "pkt.h"

#define MAXROWS 64
#define MAXMIN 32

struct got {
    int nmin;
    int64_t minute[MAXMIN];
    size_t nrows[MAXMIN];
    struct wire_class_min rows[MAXMIN][MAXROWS];
    struct wire_capture_min cap[MAXMIN];
};

static void
collect(void *arg, const struct wire_class_min *rows, size_t nrows,
        const struct wire_capture_min *cap)
{
    struct got *g = arg;

    assert_true(g->nmin < MAXMIN);
    assert_true(nrows <= MAXROWS);
    g->minute[g->nmin] = cap->minute;
    g->nrows[g->nmin] = nrows;
    memcpy(g->rows[g->nmin], rows, nrows * sizeof(*rows));
    g->cap[g->nmin] = *cap;
    g->nmin++;
}

static struct classmap *
three_classes(void)
{
    struct classmap *cm = classmap_new();

    assert_int_equal(classmap_add_prefix(cm, "10.0.1.0/24", "一班"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.0.2.0/24", "二班"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.0.3.0/24", "三班"), 0);
    return cm;
}

static const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 0xa};
static const uint8_t MAC_B[6] = {2, 0, 0, 0, 0, 0xb};

static void
a_later_minute_emits_the_previous_one_with_only_active_classes(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 100, "eth1", collect, g);

    flowagg_packet(fa, 120);
    flowagg_egress(fa, 2, PKT_UP, 100, MAC_A, 6);
    flowagg_packet(fa, 130);
    flowagg_egress(fa, 0, PKT_DOWN, 1500, MAC_A, 6);
    flowagg_packet(fa, 179); /* a non-IP frame: seen only */
    assert_int_equal(g->nmin, 0);
    flowagg_packet(fa, 180);
    flowagg_egress(fa, 0, PKT_UP, 40, MAC_B, 6);
    assert_int_equal(g->nmin, 1);
    assert_int_equal(g->minute[0], 120);
    assert_int_equal(g->nrows[0], 2);
    assert_string_equal(g->rows[0][0].class_id, "一班");
    assert_int_equal(g->rows[0][0].bytes_down, 1500);
    assert_int_equal(g->rows[0][0].pkts_down, 1);
    assert_int_equal(g->rows[0][0].bytes_up, 0);
    assert_string_equal(g->rows[0][1].class_id, "三班");
    assert_int_equal(g->rows[0][1].bytes_up, 100);
    assert_int_equal(g->rows[0][1].minute, 120);
    assert_int_equal(g->cap[0].pkts_seen, 3);
    assert_int_equal(g->cap[0].egress_bytes, 1600);
    assert_string_equal(g->cap[0].source, "eth1");
    assert_true(g->cap[0].pcap_recv == WIRE_UNKNOWN);
    assert_true(g->cap[0].if_bytes == WIRE_UNKNOWN);
    flowagg_finish(fa);
    assert_int_equal(g->nmin, 2);
    assert_int_equal(g->minute[1], 180);
    assert_int_equal(g->nrows[1], 1);
    assert_string_equal(g->rows[1][0].class_id, "一班");
    assert_int_equal(g->rows[1][0].bytes_up, 40);
    flowagg_finish(fa); /* nothing open: no second emission */
    assert_int_equal(g->nmin, 2);
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
minutes_without_packets_are_skipped(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 100, NULL, collect, g);

    flowagg_packet(fa, 60);
    flowagg_packet(fa, 300);
    flowagg_finish(fa);
    assert_int_equal(g->nmin, 2);
    assert_int_equal(g->minute[0], 60);
    assert_int_equal(g->minute[1], 300);
    assert_int_equal(g->nrows[0], 0);
    assert_string_equal(g->cap[0].source, "replay");
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
peak_is_the_busiest_whole_second_each_way(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 100, NULL, collect, g);

    flowagg_packet(fa, 603);
    flowagg_egress(fa, 1, PKT_UP, 1000, MAC_A, 6);
    flowagg_packet(fa, 603);
    flowagg_egress(fa, 1, PKT_UP, 500, MAC_A, 6);
    flowagg_packet(fa, 604);
    flowagg_egress(fa, 1, PKT_UP, 1200, MAC_A, 6);
    flowagg_packet(fa, 604);
    flowagg_egress(fa, 1, PKT_DOWN, 9000, MAC_A, 6);
    flowagg_packet(fa, 659);
    flowagg_egress(fa, 1, PKT_DOWN, 100, MAC_A, 6);
    flowagg_finish(fa);
    assert_int_equal(g->nrows[0], 1);
    assert_int_equal(g->rows[0][0].peak_up_bps, 1500 * 8);
    assert_int_equal(g->rows[0][0].peak_down_bps, 9000 * 8);
    assert_int_equal(g->rows[0][0].bytes_up, 2700);
    assert_int_equal(g->rows[0][0].bytes_down, 9100);
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
devices_are_distinct_per_class_and_per_minute(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 100, NULL, collect, g);
    uint8_t ip[4] = {10, 0, 1, 9};

    flowagg_packet(fa, 0);
    flowagg_egress(fa, 0, PKT_UP, 60, MAC_A, 6);
    flowagg_egress(fa, 0, PKT_DOWN, 60, MAC_B, 6);
    flowagg_egress(fa, 0, PKT_UP, 60, MAC_A, 6);
    flowagg_egress(fa, 0, PKT_UP, 60, MAC_B, 6);
    flowagg_egress(fa, 0, PKT_UP, 60, ip, 4);
    flowagg_egress(fa, 1, PKT_UP, 60, MAC_A, 6); /* same MAC, other class */
    flowagg_packet(fa, 60);
    flowagg_egress(fa, 0, PKT_UP, 60, MAC_A, 6);
    flowagg_finish(fa);
    assert_int_equal(g->nmin, 2);
    assert_int_equal(g->rows[0][0].devices, 3);
    assert_int_equal(g->rows[0][1].devices, 1);
    assert_int_equal(g->rows[1][0].devices, 1); /* new minute, new count */
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
a_full_device_table_gives_a_lower_bound_and_counts_saturation(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 3, NULL, collect, g);
    struct flowagg_stats st;
    uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
    int i;

    flowagg_packet(fa, 0);
    for (i = 0; i < 5; i++) {
        mac[5] = (uint8_t)i;
        flowagg_egress(fa, 0, PKT_UP, 60, mac, 6);
    }
    mac[5] = 0; /* already counted: found even though the table is full */
    flowagg_egress(fa, 0, PKT_UP, 60, mac, 6);
    flowagg_packet(fa, 60); /* the next minute starts empty again */
    for (i = 0; i < 3; i++) {
        mac[5] = (uint8_t)(100 + i);
        flowagg_egress(fa, 2, PKT_UP, 60, mac, 6);
    }
    flowagg_finish(fa);
    flowagg_stats(fa, &st);
    assert_int_equal(g->rows[0][0].devices, 3);
    assert_int_equal(g->rows[0][0].pkts_up, 6);
    assert_int_equal(g->rows[1][0].devices, 3);
    assert_int_equal(st.dev_saturated, 2);
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
late_packets_count_in_the_open_minute(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 100, NULL, collect, g);
    struct flowagg_stats st;

    flowagg_packet(fa, 181);
    flowagg_egress(fa, 0, PKT_UP, 100, MAC_A, 6);
    flowagg_packet(fa, 179); /* out of order across the boundary */
    flowagg_egress(fa, 0, PKT_UP, 300, MAC_A, 6);
    flowagg_finish(fa);
    flowagg_stats(fa, &st);
    assert_int_equal(g->nmin, 1);
    assert_int_equal(g->minute[0], 180);
    assert_int_equal(g->rows[0][0].bytes_up, 400);
    assert_int_equal(g->rows[0][0].peak_up_bps, 400 * 8);
    assert_int_equal(g->cap[0].pkts_seen, 2);
    assert_int_equal(st.late_pkts, 1);
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
unclassified_egress_is_counted_in_the_capture_row_only(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 100, NULL, collect, g);

    flowagg_packet(fa, 0);
    flowagg_egress(fa, CLASSMAP_LOCAL, PKT_UP, 700, MAC_A, 6);
    flowagg_packet(fa, 1);
    flowagg_egress(fa, 1, PKT_DOWN, 50, MAC_A, 6);
    flowagg_finish(fa);
    assert_int_equal(g->nrows[0], 1);
    assert_int_equal(g->cap[0].unclassified_pkts, 1);
    assert_int_equal(g->cap[0].unclassified_bytes, 700);
    assert_int_equal(g->cap[0].egress_bytes, 750);
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
advance_closes_an_idle_minute_only_once_it_is_over(void **s)
{
    struct classmap *cm = three_classes();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa = flowagg_new(cm, 100, NULL, collect, g);

    flowagg_advance(fa, 1000); /* nothing open */
    flowagg_packet(fa, 1201);
    flowagg_advance(fa, 1259);
    assert_int_equal(g->nmin, 0);
    flowagg_advance(fa, 1260);
    assert_int_equal(g->nmin, 1);
    assert_int_equal(g->minute[0], 1200);
    flowagg_finish(fa);
    assert_int_equal(g->nmin, 1);
    assert_int_equal(flowagg_minute(-1), -60);
    assert_int_equal(flowagg_minute(59), 0);
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

/* Random packets over a few minutes; the expected rows are recomputed here
 * the slow obvious way. */
static void
random_traffic_matches_a_naive_recomputation(void **s)
{
    enum { NCLS = 5, NMIN = 4, NPKT = 5000, NDEV = 40 };
    struct classmap *cm = classmap_new();
    struct got *g = calloc(1, sizeof(*g));
    struct flowagg *fa;
    static uint64_t bytes[NMIN][NCLS][2], pkts[NMIN][NCLS][2];
    static uint64_t secb[NMIN][NCLS][2][60];
    static uint8_t seen[NMIN][NCLS][NDEV];
    int64_t t = 6000;
    int i, m, c, d, k;
    char name[16], pfx[32];

    for (c = 0; c < NCLS; c++) {
        snprintf(name, sizeof(name), "c%d", c);
        snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", c);
        assert_int_equal(classmap_add_prefix(cm, pfx, name), 0);
    }
    fa = flowagg_new(cm, 1000, NULL, collect, g);
    srand(99);
    for (i = 0; i < NPKT; i++) {
        uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
        uint32_t b = 40 + (uint32_t)(rand() % 1461);

        t += rand() % 3 == 0 ? 1 : 0;
        if (t >= 6000 + NMIN * 60)
            break;
        m = (int)((t - 6000) / 60);
        c = rand() % NCLS;
        d = rand() % 2;
        k = rand() % NDEV;
        mac[5] = (uint8_t)k;
        flowagg_packet(fa, t);
        flowagg_egress(fa, c, d, b, mac, 6);
        bytes[m][c][d] += b;
        pkts[m][c][d]++;
        secb[m][c][d][t % 60] += b;
        seen[m][c][k] = 1;
    }
    flowagg_finish(fa);
    assert_int_equal(g->nmin, NMIN);
    for (m = 0; m < NMIN; m++) {
        size_t r = 0;

        for (c = 0; c < NCLS; c++) {
            uint64_t pk[2] = {0, 0};
            unsigned ndev = 0;

            if (pkts[m][c][0] + pkts[m][c][1] == 0)
                continue;
            for (d = 0; d < 2; d++)
                for (k = 0; k < 60; k++)
                    if (secb[m][c][d][k] * 8 > pk[d])
                        pk[d] = secb[m][c][d][k] * 8;
            for (k = 0; k < NDEV; k++)
                ndev += seen[m][c][k];
            assert_true(r < g->nrows[m]);
            snprintf(name, sizeof(name), "c%d", c);
            assert_string_equal(g->rows[m][r].class_id, name);
            assert_int_equal(g->rows[m][r].bytes_up, bytes[m][c][PKT_UP]);
            assert_int_equal(g->rows[m][r].bytes_down, bytes[m][c][PKT_DOWN]);
            assert_int_equal(g->rows[m][r].pkts_up, pkts[m][c][PKT_UP]);
            assert_int_equal(g->rows[m][r].pkts_down, pkts[m][c][PKT_DOWN]);
            assert_int_equal(g->rows[m][r].peak_up_bps, pk[PKT_UP]);
            assert_int_equal(g->rows[m][r].peak_down_bps, pk[PKT_DOWN]);
            assert_int_equal(g->rows[m][r].devices, ndev);
            r++;
        }
        assert_int_equal(g->nrows[m], r);
    }
    flowagg_free(fa);
    classmap_free(cm);
    free(g);
}

static void
memory_for_500_classes_and_20000_devices_is_small(void **s)
{
    struct classmap *cm = classmap_new();
    struct flowagg *fa;
    char name[16], pfx[32];
    int c;

    for (c = 0; c < 500; c++) {
        snprintf(name, sizeof(name), "c%d", c);
        snprintf(pfx, sizeof(pfx), "10.%d.%d.0/24", c / 256, c % 256);
        assert_int_equal(classmap_add_prefix(cm, pfx, name), 0);
    }
    fa = flowagg_new(cm, 20000, NULL, NULL, NULL);
    assert_non_null(fa);
    assert_true(flowagg_footprint(fa) < 3u << 20);
    assert_null(flowagg_new(cm, (size_t)FLOWAGG_MAX_DEVICES + 1, NULL, NULL,
                            NULL));
    flowagg_free(fa);
    flowagg_free(NULL);
    classmap_free(cm);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            a_later_minute_emits_the_previous_one_with_only_active_classes),
        cmocka_unit_test(minutes_without_packets_are_skipped),
        cmocka_unit_test(peak_is_the_busiest_whole_second_each_way),
        cmocka_unit_test(devices_are_distinct_per_class_and_per_minute),
        cmocka_unit_test(
            a_full_device_table_gives_a_lower_bound_and_counts_saturation),
        cmocka_unit_test(late_packets_count_in_the_open_minute),
        cmocka_unit_test(
            unclassified_egress_is_counted_in_the_capture_row_only),
        cmocka_unit_test(advance_closes_an_idle_minute_only_once_it_is_over),
        cmocka_unit_test(random_traffic_matches_a_naive_recomputation),
        cmocka_unit_test(memory_for_500_classes_and_20000_devices_is_small),
    };
    return cmocka_run_group_tests_name("flowagg", tests, NULL, NULL);
}
