/* test_rowjson: the JSON lines of `--output -` and `query`, read back by an
 * independent parser (jansson's json_loads): names that need escaping
 * (quotes, backslashes, control characters, Chinese), the largest
 * counters, unknown counters as null, negative and zero times, a school
 * name longer than the line's stack buffer, and the exact key order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rowjson.h"

/* Runs fn into a memory stream and parses the one line it wrote. */
static json_t *
line_of(const char *school, const struct wire_class_min *r,
        const struct wire_capture_min *c, char **text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_error_t e;
    json_t *j;

    assert_non_null(f);
    if (r != NULL)
        assert_int_equal(rowjson_class(f, school, r), 0);
    else
        assert_int_equal(rowjson_capture(f, school, c), 0);
    assert_int_equal(fclose(f), 0);
    assert_true(len > 2);
    assert_int_equal(buf[len - 1], '\n');
    assert_null(memchr(buf, '\n', len - 1));
    j = json_loads(buf, 0, &e);
    if (j == NULL)
        fail_msg("not JSON (%s): %s", e.text, buf);
    *text = buf;
    return j;
}

static void
class_rows_parse_back_with_every_value(void **state)
{
    static const char *names[] = {
        "c12", "一年级1班", "say \"hi\"", "back\\slash", "tab\there",
        "ctl\x01\x1f", "slash/ok", "del\x7f", "",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct wire_class_min r;
        json_t *j;
        char *text;

        memset(&r, 0, sizeof(r));
        snprintf(r.class_id, sizeof(r.class_id), "%s", names[i]);
        r.minute = 1788220800;
        r.bytes_up = 0;
        r.bytes_down = INT64_MAX; /* the largest counter that is stored */
        r.pkts_up = 1;
        r.pkts_down = 1234567890123ull;
        r.peak_up_bps = WIRE_UNKNOWN;
        r.peak_down_bps = 10;
        r.devices = UINT32_MAX;
        j = line_of("学校 \"A\"", &r, NULL, &text);
        assert_string_equal(json_string_value(json_object_get(j, "school")),
                            "学校 \"A\"");
        assert_string_equal(json_string_value(json_object_get(j, "class")),
                            names[i]);
        assert_string_equal(json_string_value(json_object_get(j, "minute")),
                            "2026-09-01T00:00:00Z");
        assert_int_equal(json_integer_value(json_object_get(j, "ts")),
                         1788220800);
        assert_int_equal(json_integer_value(json_object_get(j, "bytes_up")),
                         0);
        assert_true(json_integer_value(json_object_get(j, "bytes_down")) ==
                    INT64_MAX);
        assert_int_equal(json_integer_value(json_object_get(j, "pkts_down")),
                         1234567890123ll);
        assert_true(json_is_null(json_object_get(j, "peak_up_bps")));
        assert_int_equal(json_integer_value(json_object_get(j, "devices")),
                         UINT32_MAX);
        assert_int_equal(json_object_size(j), 11);
        /* keys in the documented order */
        assert_non_null(strstr(text, "{\"school\":"));
        assert_true(strstr(text, "\"class\":") < strstr(text, "\"minute\":"));
        assert_true(strstr(text, "\"peak_down_bps\":") <
                    strstr(text, "\"devices\":"));
        json_decref(j);
        free(text);
    }
}

static void
capture_rows_with_nulls_long_school_and_old_times(void **state)
{
    struct wire_capture_min c;
    char *school = malloc(3001), *text;
    json_t *j;

    (void)state;
    assert_non_null(school);
    memset(school, 'x', 3000);
    memcpy(school, "学", 3);
    school[3000] = '\0';
    memset(&c, 0, sizeof(c));
    snprintf(c.source, sizeof(c.source), "eth0");
    c.minute = -60; /* 1969-12-31T23:59:00Z */
    c.pkts_seen = 5;
    c.pcap_recv = c.pcap_drop = c.pcap_ifdrop = WIRE_UNKNOWN;
    c.if_pkts = c.if_bytes = WIRE_UNKNOWN;
    c.egress_bytes = 99;
    j = line_of(school, NULL, &c, &text);
    assert_string_equal(json_string_value(json_object_get(j, "school")),
                        school);
    assert_string_equal(json_string_value(json_object_get(j, "capture")),
                        "eth0");
    assert_string_equal(json_string_value(json_object_get(j, "minute")),
                        "1969-12-31T23:59:00Z");
    assert_int_equal(json_integer_value(json_object_get(j, "ts")), -60);
    assert_true(json_is_null(json_object_get(j, "pcap_drop")));
    assert_true(json_is_null(json_object_get(j, "if_bytes")));
    assert_int_equal(json_integer_value(json_object_get(j, "egress_bytes")),
                     99);
    assert_int_equal(json_object_size(j), 13);
    json_decref(j);
    free(text);
    free(school);
}

static void
invalid_utf8_is_refused(void **state)
{
    struct wire_class_min r;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    memset(&r, 0, sizeof(r));
    memcpy(r.class_id, "bad\xff", 5);
    assert_non_null(f);
    assert_int_equal(rowjson_class(f, "S", &r), -EINVAL);
    fclose(f);
    assert_int_equal(len, 0); /* nothing half-written */
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(class_rows_parse_back_with_every_value),
        cmocka_unit_test(capture_rows_with_nulls_long_school_and_old_times),
        cmocka_unit_test(invalid_utf8_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
