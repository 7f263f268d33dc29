/* test_wifi_coverage: the Wi-Fi coverage rules on their own, without any
 * store: samples fed in the order a backend reads them give the per-area
 * and per-day figures the rules document (wifi_coverage.h), so a second
 * backend only has to hand over the same rows. test_store_snmp checks the
 * SQLite backend end to end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "wifi_coverage.h"
#include "wire_snmp.h"

#define DAY ((int64_t)1790035200)
#define H(x) (DAY + (int64_t)((x) * 3600))

static const struct store_snmp_window hours[] = {{H(8), H(12)},
                                                 {H(13), H(17)}};
#define SCHOOL_S (8 * 3600)

static void
feed(struct wifi_cov *c, const char *area, int required, int64_t from,
     int64_t to, int state, int64_t step, int64_t interval)
{
    for (int64_t t = from; t < to; t += step) {
        struct wifi_sample s = {area, required, t, interval, state};
        assert_int_equal(wifi_cov_sample(c, &s), 0);
    }
}

static struct wifi_area_day
area(struct wifi_cov *c, const char *name)
{
    struct wifi_area_day a;
    size_t n = wifi_cov_nareas(c);

    for (size_t i = 0; i < n; i++) {
        wifi_cov_area(c, i, &a);
        if (strcmp(a.area, name) == 0)
            return a;
    }
    fail_msg("no area %s", name);
    return a;
}

static void
time_counts_once_and_unknown_never_counts_as_down(void **state)
{
    struct wifi_cov c;
    struct wifi_area_day a;
    struct wifi_day d;

    (void)state;
    assert_int_equal(wifi_cov_begin(&c, DAY, DAY + 86400, hours, 2),
                     SCHOOL_S);
    /* A: samples every 300 s claiming 600 s: overlap counts once. */
    feed(&c, "A", 1, H(0), H(24), WIRE_AREA_UP, 300, 600);
    /* B: down 08:00-09:15, up after: 84% up, not covered. */
    feed(&c, "B", 1, H(8), H(9.25), WIRE_AREA_DOWN, 300, 300);
    feed(&c, "B", 1, H(9.25), H(17), WIRE_AREA_UP, 300, 300);
    /* C: up in the morning, unreachable after: known half, covered. */
    feed(&c, "C", 1, H(8), H(12), WIRE_AREA_UP, 300, 300);
    feed(&c, "C", 1, H(13), H(17), WIRE_AREA_UNREACHABLE, 300, 300);
    /* D: missing all day: unknown. */
    feed(&c, "D", 1, H(8), H(17), WIRE_AREA_MISSING, 300, 300);
    /* E: optional and down: not part of the day's figures. */
    feed(&c, "E", 0, H(8), H(17), WIRE_AREA_DOWN, 300, 300);
    /* F: only in the registry: required, unknown. */
    assert_int_equal(wifi_cov_registry_area(&c, "F", 1), 0);

    assert_int_equal(wifi_cov_nareas(&c), 6);
    a = area(&c, "A");
    assert_int_equal(a.up_s, SCHOOL_S);
    assert_int_equal(a.unknown_s, 0);
    assert_int_equal(a.covered, 1);
    a = area(&c, "B");
    assert_int_equal(a.down_s, 4500);
    assert_int_equal(a.up_s, SCHOOL_S - 4500);
    assert_int_equal(a.covered, 0);
    a = area(&c, "C");
    assert_int_equal(a.unknown_s, 4 * 3600);
    assert_int_equal(a.covered, 1);
    assert_int_equal(area(&c, "D").covered, -1);
    a = area(&c, "F");
    assert_int_equal(a.required, 1);
    assert_int_equal(a.unknown_s, SCHOOL_S);
    assert_int_equal(a.covered, -1);

    wifi_cov_day(&c, 1, 300, 4, 7, &d);
    assert_int_equal(d.required, 5);
    assert_int_equal(d.covered, 2);
    assert_int_equal(d.uncovered, 1);
    assert_int_equal(d.unknown, 2);
    assert_true(d.has_pct);
    assert_true(fabs(d.coverage_pct - 100.0 * 2 / 3) < 1e-9);
    assert_int_equal(d.full_coverage, 0);
    assert_int_equal(d.access_mbps, 300);
    assert_false(d.has_clients);
    assert_int_equal(d.aps_seen, 4);
    assert_int_equal(d.computed, 7);
    wifi_cov_free(&c);
}

static void
samples_reach_in_from_the_day_before_and_end_at_the_next(void **state)
{
    struct wifi_cov c;
    struct store_snmp_window all = {DAY - 3600, DAY + 3600};
    struct wifi_sample s1 = {"A", 1, DAY - 100, 400, WIRE_AREA_UP};
    struct wifi_sample s2 = {"A", 1, DAY + 60, 3600, WIRE_AREA_DOWN};
    struct wifi_sample s3 = {"A", 1, DAY + 120, 60, 0};
    struct wifi_area_day a;

    (void)state;
    /* the window is clipped to the day: 3600 s */
    assert_int_equal(wifi_cov_begin(&c, DAY, DAY + 86400, &all, 1), 3600);
    assert_int_equal(wifi_cov_sample(&c, &s1), 0);
    assert_int_equal(wifi_cov_sample(&c, &s2), 0);
    /* a sample of no state counts nowhere, but ends the one before */
    assert_int_equal(wifi_cov_sample(&c, &s3), 0);
    wifi_cov_nareas(&c);
    wifi_cov_area(&c, 0, &a);
    assert_int_equal(a.up_s, 60);
    assert_int_equal(a.down_s, 60);
    assert_int_equal(a.unknown_s, 3600 - 120);
    assert_int_equal(a.covered, -1);
    wifi_cov_free(&c);
}

static void
clients_are_each_targets_peak_summed(void **state)
{
    struct wifi_cov c;
    struct wifi_day d;

    (void)state;
    assert_int_equal(wifi_cov_begin(&c, DAY, DAY + 86400, hours, 2),
                     SCHOOL_S);
    /* window 1, then window 2: ac peaks at 80, sw2 at 20 */
    assert_int_equal(wifi_cov_client_peak(&c, "a1", "ac", 80), 0);
    assert_int_equal(wifi_cov_client_peak(&c, "a1", "sw2", 20), 0);
    assert_int_equal(wifi_cov_client_peak(&c, "a1", "ac", 50), 0);
    /* the same target name behind another agent is another target */
    assert_int_equal(wifi_cov_client_peak(&c, "a2", "ac", 5), 0);
    wifi_cov_day(&c, 0, 0, 0, 1, &d);
    assert_true(d.has_clients);
    assert_int_equal(d.clients_peak, 105);
    assert_false(d.has_access);
    assert_int_equal(d.required, 0);
    assert_false(d.has_pct);
    assert_int_equal(d.full_coverage, -1);
    wifi_cov_free(&c);
}

static void
full_coverage_is_unknown_while_only_unknowns_remain(void **state)
{
    struct wifi_cov c;
    struct wifi_day d;

    (void)state;
    wifi_cov_begin(&c, DAY, DAY + 86400, hours, 2);
    feed(&c, "A", 1, H(8), H(17), WIRE_AREA_UP, 300, 300);
    feed(&c, "D", 1, H(8), H(17), WIRE_AREA_UNREACHABLE, 300, 300);
    wifi_cov_day(&c, 0, 0, 0, 1, &d);
    assert_int_equal(d.full_coverage, -1);
    assert_true(fabs(d.coverage_pct - 100.0) < 1e-9);
    wifi_cov_free(&c);

    wifi_cov_begin(&c, DAY, DAY + 86400, hours, 2);
    feed(&c, "A", 1, H(8), H(17), WIRE_AREA_UP, 300, 300);
    feed(&c, "D", 1, H(8), H(17), WIRE_AREA_UP, 300, 300);
    wifi_cov_day(&c, 0, 0, 0, 1, &d);
    assert_int_equal(d.full_coverage, 1);
    wifi_cov_free(&c);
}

static void
a_day_off_has_nothing_to_compute(void **state)
{
    struct wifi_cov c;

    (void)state;
    assert_int_equal(wifi_cov_begin(&c, DAY, DAY + 86400, NULL, 0), 0);
    wifi_cov_free(&c);
    /* windows wholly outside the day count for nothing either */
    assert_int_equal(wifi_cov_begin(&c, DAY + 86400, DAY + 2 * 86400,
                                    hours, 2), 0);
    wifi_cov_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_counts_once_and_unknown_never_counts_as_down),
        cmocka_unit_test(
            samples_reach_in_from_the_day_before_and_end_at_the_next),
        cmocka_unit_test(clients_are_each_targets_peak_summed),
        cmocka_unit_test(full_coverage_is_unknown_while_only_unknowns_remain),
        cmocka_unit_test(a_day_off_has_nothing_to_compute),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
