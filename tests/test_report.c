/* test_report: the report's bytes. Expected lines are typed here from the
 * format in report.h and docs/COMPLIANCE.md: BOM, CRLF, section layout,
 * an exact school row (values known by construction: 200 Mbit/s over 20
 * classes = 10), a formula-like name neutralised, the GBK variant. */
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

#include "evaluate.h"
#include "packs.h"
#include "registry.h"
#include "report.h"
#include "storage.h"

struct fx {
    char dir[64];
    struct storage *st;
    int64_t id;
};

static const char *schools =
    "code,name,district,region,type,students,teachers,classes,"
    "contracted_mbps\n"
    "S1,\"=HYPERLINK(\"\"http://x\"\")\",合肥市,urban,primary,500,40,20,200\n"
    "S2,合肥市第一中学,合肥市,county,junior,500,40,40,100\n";

static const char *pack =
    "pack,version,rule,year,regions,types,metric,op,threshold,share,"
    "source,text\n"
    "p,1,egress,2020,*,*,egress_mbps_per_class,>=,10,2/3,s,每班10M以上\n";

static int
setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct registry_result res;
    struct evaluate_params p = {
        .pack = "p", .year = 2020, .min_days = 1, .stale_days = 1,
        .now = 1609430400, /* 2021-01-01 00:00 +08:00 */
    };
    char path[128], db[128];
    FILE *f;
    int n, already;

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_report.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(db, sizeof(db), "%s/db", fx->dir);
    if (storage_open(db, &fx->st) != 0)
        return -1;
    if (registry_import_buf(fx->st, REGISTRY_SCHOOLS, "s.csv", schools,
                            strlen(schools), TEXTCONV_AUTO, stderr,
                            &res) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/p.csv", fx->dir);
    f = fopen(path, "w");
    fputs(pack, f);
    fclose(f);
    if (packs_load_file(fx->st, path, TEXTCONV_AUTO, stderr, NULL, NULL, &n,
                        &already) != 0 ||
        evaluate_run(fx->st, &p, stderr, &fx->id) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[128];

    storage_close(fx->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = calloc(1, 1 << 16);

    assert_non_null(f);
    *len = fread(p, 1, (1 << 16) - 1, f);
    fclose(f);
    return p;
}

static void
english_report_has_bom_crlf_sections_and_inert_names(void **state)
{
    struct fx *fx = *state;
    struct report_opts o = { .zh = 0, .encoding = TEXTCONV_UTF8 };
    char path[128], *p, *blank1, *blank2;
    size_t len, i;

    snprintf(path, sizeof(path), "%s/r.csv", fx->dir);
    o.output = path;
    assert_int_equal(report_write(fx->st, fx->id, &o, stderr), 0);
    p = slurp(path, &len);
    assert_memory_equal(p, "\xEF\xBB\xBF" "report,pack,version,year,", 28);
    for (i = 0; i < len; i++)
        if (p[i] == '\n')
            assert_int_equal(p[i - 1], '\r');
    blank1 = strstr(p, "\r\n\r\n");
    assert_non_null(blank1);
    assert_true(strncmp(blank1 + 4, "school_code,school_name,", 24) == 0);
    assert_non_null(strstr(p,
        "\r\nS1,\"'=HYPERLINK(\"\"http://x\"\")\",合肥市,urban,primary,"
        "egress,egress per class (Mbit/s),10,>=,10,not reporting,0,"));
    assert_non_null(strstr(p, "\r\nS2,合肥市第一中学,合肥市,county,junior "
                              "secondary,egress,egress per class (Mbit/s),"
                              "2.5,>=,10,not reporting,"));
    blank2 = strstr(blank1 + 4, "\r\n\r\n");
    assert_non_null(blank2);
    /* 0 of 2 meet; both undetermined; 2/3 needed. */
    assert_non_null(strstr(blank2, "\r\negress,egress per class (Mbit/s),>=,"
                                   "10,all,all,2,0,0,2,0.0,66.7,2 of 3,"
                                   "undetermined,每班10M以上\r\n"));
    /* Measurements: every metric, rule or not; 2 x 14 rows. */
    blank1 = strstr(blank2 + 4, "\r\n\r\n");
    assert_non_null(blank1);
    assert_true(strncmp(blank1 + 4, "school_code,school_name,metric,"
                        "measured_value,source,", 52) == 0);
    assert_non_null(strstr(blank1, "\r\nS2,合肥市第一中学,egress capacity "
                                   "(Mbit/s),100,contracted,100000 kbit/s "
                                   "contracted,,0,"));
    for (i = 0, p[len] = '\0'; blank1 != NULL; i++)
        blank1 = strstr(blank1 + 2, "\r\nS");
    assert_int_equal(i - 1, 2 * 14);
    free(p);
}

static void
chinese_gbk_report_has_no_bom_and_gbk_bytes(void **state)
{
    struct fx *fx = *state;
    struct report_opts o = { .zh = 1, .encoding = TEXTCONV_GBK };
    char path[128], sum[128], *p;
    size_t len;

    snprintf(path, sizeof(path), "%s/g.csv", fx->dir);
    snprintf(sum, sizeof(sum), "%s/gs.csv", fx->dir);
    o.output = path;
    o.summary_output = sum;
    assert_int_equal(report_write(fx->st, fx->id, &o, stderr), 0);
    p = slurp(path, &len);
    /* "报告" in GBK is B1 A8 B8 E6. */
    assert_memory_equal(p, "\xB1\xA8\xB8\xE6,", 5);
    /* "合肥市" = BA CF B7 CA CA D0 */
    assert_non_null(strstr(p, ",\xBA\xCF\xB7\xCA\xCA\xD0,"));
    free(p);
    p = slurp(sum, &len);
    assert_non_null(strstr(p, "egress,"));
    free(p);
}

static void
unknown_evaluation_is_enoent(void **state)
{
    struct fx *fx = *state;
    struct report_opts o = { .encoding = TEXTCONV_UTF8 };

    assert_int_equal(report_write(fx->st, fx->id + 100, &o, stderr),
                     -ENOENT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(english_report_has_bom_crlf_sections_and_inert_names),
        cmocka_unit_test(chinese_gbk_report_has_no_bom_and_gbk_bytes),
        cmocka_unit_test(unknown_evaluation_is_enoent),
    };
    return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
