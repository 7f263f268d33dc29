/* test_textconv: UTF-8 validation, BOM, GBK <-> UTF-8. The GBK bytes of
 * "合肥一中" (BA CF B7 CA D2 BB D6 D0) come from the GBK code table (checked
 * with `iconv -t GBK`), not from the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textconv.h"

static const char gbk_hefei[] = "\xBA\xCF\xB7\xCA\xD2\xBB\xD6\xD0";

static void
overlong_surrogate_and_truncated_utf8_are_rejected(void **state)
{
    size_t bad = 99;

    assert_int_equal(textconv_utf8_check("abc合肥", 9, NULL), 0);
    assert_int_equal(textconv_utf8_check("ab\xC0\xAF", 4, &bad), -EILSEQ);
    assert_int_equal(bad, 2);
    assert_int_equal(textconv_utf8_check("\xED\xA0\x80", 3, &bad), -EILSEQ);
    assert_int_equal(textconv_utf8_check("x\xE5\x90", 3, &bad), -EILSEQ);
    assert_int_equal(bad, 1);
    assert_int_equal(textconv_utf8_check("\xF4\x90\x80\x80", 4, &bad),
                     -EILSEQ);
}

static void
bom_is_stripped_and_utf8_detected(void **state)
{
    char *out, err[128];
    size_t len;
    enum textconv_enc used;

    assert_int_equal(textconv_decode("\xEF\xBB\xBF合肥", 9, TEXTCONV_AUTO,
                                     &out, &len, &used, err, sizeof(err)),
                     0);
    assert_int_equal(used, TEXTCONV_UTF8);
    assert_string_equal(out, "合肥");
    assert_int_equal(len, 6);
    free(out);
}

static void
gbk_is_detected_and_converted_to_utf8(void **state)
{
    char *out, err[128];
    size_t len;
    enum textconv_enc used;

    assert_int_equal(textconv_decode(gbk_hefei, 8, TEXTCONV_AUTO, &out, &len,
                                     &used, err, sizeof(err)),
                     0);
    assert_int_equal(used, TEXTCONV_GBK);
    assert_string_equal(out, "合肥一中");
    free(out);
}

static void
gbk_that_is_also_valid_utf8_is_still_read_as_gbk(void **state)
{
    /* "学校,名称" in GBK: D1 A7 D0 A3 is well-formed UTF-8 (U+0467 U+0423). */
    static const char in[] = "\xD1\xA7\xD0\xA3,\xC3\xFB\xB3\xC6\r\n";
    char *out, err[128];
    size_t len;
    enum textconv_enc used;

    assert_int_equal(textconv_utf8_check(in, 4, NULL), 0);
    assert_int_equal(textconv_decode(in, strlen(in), TEXTCONV_AUTO, &out,
                                     &len, &used, err, sizeof(err)), 0);
    assert_int_equal(used, TEXTCONV_GBK);
    assert_string_equal(out, "学校,名称\r\n");
    free(out);
    /* Real UTF-8 Chinese stays UTF-8. */
    assert_int_equal(textconv_decode("学校,名称", 13, TEXTCONV_AUTO, &out,
                                     &len, &used, err, sizeof(err)), 0);
    assert_int_equal(used, TEXTCONV_UTF8);
    free(out);
}

static void
gbk_bytes_forced_as_utf8_report_line_and_column(void **state)
{
    char *out = NULL, err[128];
    size_t len;
    enum textconv_enc used;
    char in[64];

    snprintf(in, sizeof(in), "code,name\r\nS1,%s\r\n", gbk_hefei);
    assert_int_equal(textconv_decode(in, strlen(in), TEXTCONV_UTF8, &out,
                                     &len, &used, err, sizeof(err)),
                     -EILSEQ);
    assert_null(out);
    assert_non_null(strstr(err, "2:4:"));
}

static void
utf8_to_gbk_round_trips_and_replaces_the_unrepresentable(void **state)
{
    char *out, *back, err[64];
    size_t len, blen, rep;
    enum textconv_enc used;

    assert_int_equal(textconv_utf8_to_gbk("合肥一中", 12, &out, &len, &rep), 0);
    assert_int_equal(len, 8);
    assert_memory_equal(out, gbk_hefei, 8);
    assert_int_equal(rep, 0);
    assert_int_equal(textconv_decode(out, len, TEXTCONV_GBK, &back, &blen,
                                     &used, err, sizeof(err)),
                     0);
    assert_string_equal(back, "合肥一中");
    free(out);
    free(back);
    /* U+1F600 has no GBK code: one '?' in its place. */
    assert_int_equal(textconv_utf8_to_gbk("a\xF0\x9F\x98\x80" "b", 6, &out,
                                          &len, &rep), 0);
    assert_string_equal(out, "a?b");
    assert_int_equal(rep, 1);
    free(out);
}

static void
encoding_names_parse(void **state)
{
    enum textconv_enc e;

    assert_int_equal(textconv_parse_encoding("UTF-8", &e), 0);
    assert_int_equal(e, TEXTCONV_UTF8);
    assert_int_equal(textconv_parse_encoding("gbk", &e), 0);
    assert_int_equal(e, TEXTCONV_GBK);
    assert_int_equal(textconv_parse_encoding("latin1", &e), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overlong_surrogate_and_truncated_utf8_are_rejected),
        cmocka_unit_test(bom_is_stripped_and_utf8_detected),
        cmocka_unit_test(gbk_is_detected_and_converted_to_utf8),
        cmocka_unit_test(gbk_that_is_also_valid_utf8_is_still_read_as_gbk),
        cmocka_unit_test(gbk_bytes_forced_as_utf8_report_line_and_column),
        cmocka_unit_test(
            utf8_to_gbk_round_trips_and_replaces_the_unrepresentable),
        cmocka_unit_test(encoding_names_parse),
    };
    return cmocka_run_group_tests_name("textconv", tests, NULL, NULL);
}
