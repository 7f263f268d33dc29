/* test_csv: the RFC 4180 reader (positions, errors) and the writer
 * (quoting, CRLF, BOM, formula neutralisation). Expected bytes are written
 * out by hand from RFC 4180, not produced by the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct rd {
    FILE *f;
    struct csv_reader r;
};

static void
rd_open(struct rd *rd, const char *text)
{
    rd->f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(rd->f);
    csv_reader_init(&rd->r, rd->f);
}

static void
rd_close(struct rd *rd)
{
    csv_reader_free(&rd->r);
    fclose(rd->f);
}

static void
plain_records_split_on_commas_and_crlf(void **state)
{
    struct rd rd;

    rd_open(&rd, "a,b,c\r\n1,,3\r\n");
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(rd.r.nfields, 3);
    assert_string_equal(rd.r.fields[0].s, "a");
    assert_string_equal(rd.r.fields[2].s, "c");
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(rd.r.nfields, 3);
    assert_string_equal(rd.r.fields[1].s, "");
    assert_int_equal(rd.r.fields[1].len, 0);
    assert_int_equal(rd.r.fields[2].line, 2);
    assert_int_equal(rd.r.fields[2].col, 4);
    assert_int_equal(csv_read(&rd.r), 0);
    rd_close(&rd);
}

static void
quoted_fields_keep_commas_quotes_and_line_breaks(void **state)
{
    struct rd rd;

    rd_open(&rd, "\"x,y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\nnext,row\n");
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(rd.r.nfields, 3);
    assert_string_equal(rd.r.fields[0].s, "x,y");
    assert_string_equal(rd.r.fields[1].s, "say \"hi\"");
    assert_string_equal(rd.r.fields[2].s, "two\r\nlines");
    assert_int_equal(csv_read(&rd.r), 1);
    /* The record after a quoted line break starts on line 3. */
    assert_int_equal(rd.r.fields[0].line, 3);
    assert_string_equal(rd.r.fields[1].s, "row");
    assert_int_equal(csv_read(&rd.r), 0);
    rd_close(&rd);
}

static void
columns_count_characters_not_bytes(void **state)
{
    struct rd rd;

    /* "合肥" is 6 bytes but 2 characters: the next field is column 4. */
    rd_open(&rd, "合肥,x\n");
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(rd.r.fields[1].col, 4);
    assert_int_equal(rd.r.fields[0].len, 6);
    rd_close(&rd);
}

static void
last_record_without_line_end_is_read(void **state)
{
    struct rd rd;

    rd_open(&rd, "a\r\nb,c");
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(rd.r.nfields, 2);
    assert_string_equal(rd.r.fields[1].s, "c");
    assert_int_equal(csv_read(&rd.r), 0);
    rd_close(&rd);
}

static void
unterminated_quote_is_reported_where_it_opened(void **state)
{
    struct rd rd;

    rd_open(&rd, "a,b\nc,\"open\n\nmore\n");
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(csv_read(&rd.r), -EINVAL);
    assert_int_equal(rd.r.err_line, 2);
    assert_int_equal(rd.r.err_col, 3);
    assert_non_null(strstr(rd.r.err, "not closed"));
    rd_close(&rd);
}

static void
quote_inside_unquoted_field_is_an_error_at_its_column(void **state)
{
    struct rd rd;

    rd_open(&rd, "name,ab\"c\n");
    assert_int_equal(csv_read(&rd.r), -EINVAL);
    assert_int_equal(rd.r.err_line, 1);
    assert_int_equal(rd.r.err_col, 8);
    rd_close(&rd);
}

static void
text_after_closing_quote_is_an_error(void **state)
{
    struct rd rd;

    rd_open(&rd, "\"a\"b,c\n");
    assert_int_equal(csv_read(&rd.r), -EINVAL);
    assert_int_equal(rd.r.err_col, 4);
    rd_close(&rd);
}

static void
numbers_are_recognised_strictly(void **state)
{
    assert_true(csv_is_number("0"));
    assert_true(csv_is_number("-1.5"));
    assert_true(csv_is_number("+3"));
    assert_true(csv_is_number("1e6"));
    assert_true(csv_is_number(".5"));
    assert_false(csv_is_number("-"));
    assert_false(csv_is_number("1-2"));
    assert_false(csv_is_number("-1+2"));
    assert_false(csv_is_number("+cmd"));
    assert_false(csv_is_number(""));
    assert_false(csv_is_number("1e"));
}

static char *
write_cells(const char *const *cells, size_t n, int bom, size_t *len)
{
    char *p = NULL;
    FILE *f = open_memstream(&p, len);
    struct csv_writer w;
    size_t i;

    assert_non_null(f);
    csv_writer_init(&w, f, bom);
    for (i = 0; i < n; i++)
        csv_write_text(&w, cells[i]);
    csv_end_record(&w);
    assert_int_equal(csv_writer_finish(&w), 0);
    fclose(f);
    return p;
}

static void
formula_like_cells_get_an_apostrophe_and_numbers_do_not(void **state)
{
    const char *cells[] = {
        "=HYPERLINK(\"http://x\")", "+1+2", "-5", "@SUM(A1)", "\tx",
        "-cmd|' /C calc'!A0", "+86", "'); DROP TABLE schools;--", "plain",
    };
    size_t len;
    char *out = write_cells(cells, 9, 0, &len);

    assert_string_equal(out,
        "\"'=HYPERLINK(\"\"http://x\"\")\",'+1+2,-5,'@SUM(A1),'\tx,"
        "'-cmd|' /C calc'!A0,+86,'); DROP TABLE schools;--,plain\r\n");
    free(out);
}

static void
bom_is_written_first_and_line_breaks_are_quoted(void **state)
{
    const char *cells[] = { "合肥一中", "a\nb", NULL, "x,y" };
    size_t len;
    char *out = write_cells(cells, 4, 1, &len);

    assert_memory_equal(out, "\xEF\xBB\xBF", 3);
    assert_string_equal(out + 3, "合肥一中,\"a\nb\",,\"x,y\"\r\n");
    free(out);
}

static void
written_cells_read_back_identical_except_the_apostrophe(void **state)
{
    const char *cells[] = { "a \"q\" b", "多行\r\n文本", ",", "=1+1", "" };
    size_t len, i;
    char *out = write_cells(cells, 5, 0, &len);
    struct rd rd;

    rd_open(&rd, out);
    assert_int_equal(csv_read(&rd.r), 1);
    assert_int_equal(rd.r.nfields, 5);
    for (i = 0; i < 5; i++) {
        if (i == 3)
            assert_string_equal(rd.r.fields[i].s, "'=1+1");
        else
            assert_string_equal(rd.r.fields[i].s, cells[i]);
    }
    assert_int_equal(csv_read(&rd.r), 0);
    rd_close(&rd);
    free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_records_split_on_commas_and_crlf),
        cmocka_unit_test(quoted_fields_keep_commas_quotes_and_line_breaks),
        cmocka_unit_test(columns_count_characters_not_bytes),
        cmocka_unit_test(last_record_without_line_end_is_read),
        cmocka_unit_test(unterminated_quote_is_reported_where_it_opened),
        cmocka_unit_test(quote_inside_unquoted_field_is_an_error_at_its_column),
        cmocka_unit_test(text_after_closing_quote_is_an_error),
        cmocka_unit_test(numbers_are_recognised_strictly),
        cmocka_unit_test(
            formula_like_cells_get_an_apostrophe_and_numbers_do_not),
        cmocka_unit_test(bom_is_written_first_and_line_breaks_are_quoted),
        cmocka_unit_test(
            written_cells_read_back_identical_except_the_apostrophe),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
