/* test_calendar: day arithmetic (checked against known weekdays of real
 * dates), school hours, holidays and make-up days, file errors with
 * file:line, and storing/loading per district with the default fallback. */
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

#include "calendar.h"
#include "storage.h"

static char dir[64];

static const char *
write_tmp(const char *name, const char *text)
{
    static char p[128];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void
default_calendar_is_weekdays_8_to_17_in_utc_plus_8(void **state)
{
    struct calendar c;
    /* 2020-01-06 was a Monday; 00:00 UTC = 08:00 in Beijing. */
    int64_t mon = 1578268800;

    calendar_default(&c);
    assert_int_equal(calendar_day(&c, mon), calendar_civil_day(2020, 1, 6));
    assert_true(calendar_in_school_hours(&c, mon));
    assert_false(calendar_in_school_hours(&c, mon - 60));        /* 07:59 */
    assert_true(calendar_in_school_hours(&c, mon + 9 * 3600 - 60));
    assert_false(calendar_in_school_hours(&c, mon + 9 * 3600));  /* 17:00 */
    /* 2020-01-11 was a Saturday. */
    assert_false(calendar_is_school_day(&c, calendar_civil_day(2020, 1, 11)));
    assert_true(calendar_is_school_day(&c, calendar_civil_day(2020, 1, 10)));
    assert_int_equal(calendar_minutes_per_day(&c), 540);
    /* 1970-01-01 and 2000-03-01 as day numbers. */
    assert_int_equal(calendar_civil_day(1970, 1, 1), 0);
    assert_int_equal(calendar_civil_day(2000, 3, 1), 11017);
}

static void
holidays_and_makeup_days_override_weekdays(void **state)
{
    struct calendar c;
    const char *p = write_tmp("cal",
        "# 合肥 2020\n"
        "district \"合肥市\"\n"
        "utc_offset +08:00\n"
        "weekdays mon tue wed thu fri\n"
        "hours 07:30 16:30\n"
        "holiday 2020-10-01 2020-10-08\n"
        "schoolday 2020-09-27\n");

    assert_int_equal(calendar_parse_file(p, &c, stderr), 0);
    assert_string_equal(c.district, "合肥市");
    assert_false(calendar_is_school_day(&c, calendar_civil_day(2020, 10, 1)));
    assert_false(calendar_is_school_day(&c, calendar_civil_day(2020, 10, 8)));
    assert_true(calendar_is_school_day(&c, calendar_civil_day(2020, 10, 9)));
    /* Sunday 2020-09-27 was a make-up school day. */
    assert_true(calendar_is_school_day(&c, calendar_civil_day(2020, 9, 27)));
    assert_int_equal(c.start_min, 450);
    assert_int_equal(calendar_minutes_per_day(&c), 540);
    calendar_free(&c);
}

static void
bad_lines_are_reported_with_file_and_line(void **state)
{
    struct calendar c;
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);
    const char *p = write_tmp("bad",
        "weekdays mon tue funday\n"
        "hours 17:00 08:00\n"
        "holiday 2021-02-30\n"
        "utc_offset 8\n");

    assert_int_equal(calendar_parse_file(p, &c, errs), -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "bad:1:"));
    assert_non_null(strstr(msg, "funday"));
    assert_non_null(strstr(msg, "bad:2:"));
    assert_non_null(strstr(msg, "bad:3:"));
    assert_non_null(strstr(msg, "bad:4:"));
    free(msg);
}

static void
stored_calendars_apply_per_district_with_default_fallback(void **state)
{
    struct storage *st;
    struct calendar c, got;
    char db[96];
    const char *p;

    snprintf(db, sizeof(db), "%s/db", dir);
    assert_int_equal(storage_open(db, &st), 0);
    /* Nothing stored: the built-in default. */
    assert_int_equal(calendar_get(st, "肥东县", &got), 0);
    assert_non_null(strstr(got.source, "built-in default"));
    calendar_free(&got);
    p = write_tmp("d", "district 肥东县\nholiday 2020-05-01 2020-05-05\n");
    assert_int_equal(calendar_parse_file(p, &c, stderr), 0);
    assert_int_equal(calendar_store(st, &c), 0);
    calendar_free(&c);
    p = write_tmp("all", "hours 08:30 17:30\n");
    assert_int_equal(calendar_parse_file(p, &c, stderr), 0);
    assert_int_equal(calendar_store(st, &c), 0);
    calendar_free(&c);
    assert_int_equal(calendar_get(st, "肥东县", &got), 0);
    assert_false(calendar_is_school_day(&got,
                                        calendar_civil_day(2020, 5, 4)));
    assert_int_equal(got.start_min, 480);
    calendar_free(&got);
    assert_int_equal(calendar_get(st, "长丰县", &got), 0);
    assert_int_equal(got.start_min, 510);
    assert_true(calendar_is_school_day(&got, calendar_civil_day(2020, 5, 4)));
    calendar_free(&got);
    storage_close(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_calendar_is_weekdays_8_to_17_in_utc_plus_8),
        cmocka_unit_test(holidays_and_makeup_days_override_weekdays),
        cmocka_unit_test(bad_lines_are_reported_with_file_and_line),
        cmocka_unit_test(
            stored_calendars_apply_per_district_with_default_fallback),
    };
    char cmd[96];
    int rc;

    snprintf(dir, sizeof(dir), "/tmp/test_calendar.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    rc = cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
