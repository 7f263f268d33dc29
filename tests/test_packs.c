/* test_packs: the shipped packs (schema/packs/NAME.csv) load; a district's
 * bad pack is refused with file:line:column for each bad cell; a loaded
 * version is immutable; shares and thresholds parse exactly; the rules of
 * the latest year at or before the evaluated one apply. */
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

#include "packs.h"
#include "storage.h"

static char srcdir[512];

struct fx {
    char dir[64];
    char path[96];
    struct storage *st;
};

static int
setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_packs.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/db.sqlite", fx->dir);
    if (storage_open(fx->path, &fx->st) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[160];

    storage_close(fx->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static const char *
write_tmp(struct fx *fx, const char *name, const char *text)
{
    static char p[160];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", fx->dir, name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void
every_shipped_pack_loads(void **state)
{
    struct fx *fx = *state;
    static const char *packs[] = { "hefei", "yunnan", "chengdu", "yinchuan",
                                   "shaoyang" };
    static const int nrules[] = { 46, 7, 5, 7, 2 };
    char path[700], *name, *version;
    int i, n, already;

    for (i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "%s/schema/packs/%s.csv", srcdir,
                 packs[i]);
        assert_int_equal(packs_load_file(fx->st, path, TEXTCONV_AUTO, stderr,
                                         &name, &version, &n, &already),
                         0);
        assert_string_equal(name, packs[i]);
        assert_int_equal(n, nrules[i]);
        assert_int_equal(already, 0);
        free(name);
        free(version);
        /* The same bytes again: accepted, nothing changes. */
        assert_int_equal(packs_load_file(fx->st, path, TEXTCONV_AUTO, stderr,
                                         NULL, NULL, &n, &already), 0);
        assert_int_equal(already, 1);
    }
}

static void
hefei_2019_rules_hold_the_plan_figures(void **state)
{
    struct fx *fx = *state;
    struct pack p;
    char path[700];
    int n, already;
    size_t i;
    const struct pack_rule *urban = NULL;

    snprintf(path, sizeof(path), "%s/schema/packs/hefei.csv", srcdir);
    assert_int_equal(packs_load_file(fx->st, path, TEXTCONV_AUTO, stderr,
                                     NULL, NULL, &n, &already), 0);
    assert_int_equal(packs_get(fx->st, "hefei", NULL, 2019, &p, stderr), 0);
    assert_int_equal(p.rules_year, 2019);
    for (i = 0; i < p.nrules; i++)
        if (strcmp(p.rules[i].rule, "2019-egress-urban") == 0)
            urban = &p.rules[i];
    assert_non_null(urban);
    /* 市区2/3学校班均出口达10M以上 */
    assert_int_equal(urban->share.num, 2);
    assert_int_equal(urban->share.den, 3);
    assert_int_equal(urban->op, OP_GE);
    assert_true(pack_rule_holds(urban, (struct ratio){ 10, 1 }));
    assert_true(pack_rule_holds(urban, (struct ratio){ 400, 40 }));
    assert_false(pack_rule_holds(urban, (struct ratio){ 9999999, 1000000 }));
    assert_true(pack_rule_in_scope(urban, "urban", "primary"));
    assert_false(pack_rule_in_scope(urban, "county", "primary"));
    assert_false(pack_rule_in_scope(urban, "urban", "kindergarten"));
    packs_free(&p);
    /* 2023 has no rules of its own: the 2020 targets stay in force. */
    assert_int_equal(packs_get(fx->st, "hefei", NULL, 2023, &p, stderr), 0);
    assert_int_equal(p.rules_year, 2020);
    packs_free(&p);
    assert_int_equal(packs_get(fx->st, "hefei", NULL, 2015, &p, NULL),
                     -ENOENT);
}

static void
bad_cells_are_reported_with_line_and_column_and_nothing_stored(void **state)
{
    struct fx *fx = *state;
    const char *bad =
        "# my district's pack\n"
        "pack,version,rule,year,regions,types,metric,op,threshold,share\n"
        "mine,1,r1,2020,urban,*,egress_mbps_per_class,>=,10,100%\n"
        "mine,1,r2,2020,suburb,*,egress_mbps_per_class,>=,10,100%\n"
        "mine,1,r3,2020,*,*,egress_per_class,>=,10,100%\n"
        "mine,1,r4,2020,*,*,egress_mbps_per_class,=>,1O,3/2\n"
        "mine,1,r1,1999,*,*,wifi_full_coverage,>=,1,all\n";
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);
    struct pack p;
    int n, already;

    assert_int_equal(packs_load_file(fx->st, write_tmp(fx, "p.csv", bad),
                                     TEXTCONV_AUTO, errs, NULL, NULL, &n,
                                     &already), -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "p.csv:4:16: regions: \"suburb\""));
    assert_non_null(strstr(msg, "p.csv:5:20: metric: \"egress_per_class\""));
    assert_non_null(strstr(msg, "p.csv:6:42: op: \"=>\""));
    assert_non_null(strstr(msg, "p.csv:6:45: threshold: \"1O\""));
    assert_non_null(strstr(msg, "p.csv:6:48: share: \"3/2\""));
    assert_non_null(strstr(msg, "p.csv:7:8: rule: rule \"r1\" already "
                                "defined on line 3"));
    assert_non_null(strstr(msg, "p.csv:7:11: year: \"1999\""));
    free(msg);
    assert_int_equal(packs_get(fx->st, "mine", NULL, 2020, &p, NULL),
                     -ENOENT);
}

static void
changed_rules_under_a_loaded_version_are_refused(void **state)
{
    struct fx *fx = *state;
    const char *v1 =
        "pack,version,rule,year,regions,types,metric,op,threshold,share\n"
        "mine,1,r1,2020,*,*,egress_mbps_per_class,>=,10,100%\n";
    const char *v1b =
        "pack,version,rule,year,regions,types,metric,op,threshold,share\n"
        "mine,1,r1,2020,*,*,egress_mbps_per_class,>=,8,100%\n";
    const char *v2 =
        "pack,version,rule,year,regions,types,metric,op,threshold,share\n"
        "mine,2,r1,2020,*,*,egress_mbps_per_class,>=,8,100%\n";
    struct pack p;
    int n, already;

    assert_int_equal(packs_load_file(fx->st, write_tmp(fx, "a.csv", v1),
                                     TEXTCONV_AUTO, stderr, NULL, NULL, &n,
                                     &already), 0);
    assert_int_equal(packs_load_file(fx->st, write_tmp(fx, "b.csv", v1b),
                                     TEXTCONV_AUTO, NULL, NULL, NULL, &n,
                                     &already), -EEXIST);
    assert_int_equal(packs_get(fx->st, "mine", "1", 2020, &p, NULL), 0);
    assert_string_equal(p.rules[0].threshold, "10");
    packs_free(&p);
    assert_int_equal(packs_load_file(fx->st, write_tmp(fx, "c.csv", v2),
                                     TEXTCONV_AUTO, stderr, NULL, NULL, &n,
                                     &already), 0);
    assert_int_equal(packs_get(fx->st, "mine", NULL, 2020, &p, NULL), 0);
    assert_string_equal(p.version, "2");
    packs_free(&p);
}

static void
shares_and_thresholds_parse_exactly(void **state)
{
    struct ratio r;

    assert_int_equal(packs_parse_share("2/3", &r), 0);
    assert_int_equal(r.num * 3, r.den * 2);
    assert_int_equal(packs_parse_share("33.3%", &r), 0);
    assert_int_equal(r.num, 333);
    assert_int_equal(r.den, 1000);
    assert_int_equal(packs_parse_share("100%", &r), 0);
    assert_int_equal(r.num, r.den);
    assert_int_equal(packs_parse_share("101%", &r), -EINVAL);
    assert_int_equal(packs_parse_share("0.5", &r), -EINVAL);
    assert_int_equal(packs_parse_share("1/0", &r), -EINVAL);
    assert_int_equal(ratio_parse_decimal("8.5", &r), 0);
    assert_int_equal(ratio_cmp(r, (struct ratio){ 17, 2 }), 0);
    assert_int_equal(ratio_parse_decimal("10.", &r), -EINVAL);
    assert_int_equal(ratio_parse_decimal("-1", &r), -EINVAL);
    /* 1/3 is below 0.333334 and above 0.333333. */
    assert_int_equal(ratio_cmp((struct ratio){ 1, 3 },
                               (struct ratio){ 333333, 1000000 }), 1);
    assert_int_equal(ratio_cmp((struct ratio){ 1, 3 },
                               (struct ratio){ 333334, 1000000 }), -1);
}

int
main(void)
{
    const char *src = getenv("SRCDIR");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_shipped_pack_loads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            hefei_2019_rules_hold_the_plan_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(
            bad_cells_are_reported_with_line_and_column_and_nothing_stored,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            changed_rules_under_a_loaded_version_are_refused, setup,
            teardown),
        cmocka_unit_test(shares_and_thresholds_parse_exactly),
    };

    snprintf(srcdir, sizeof(srcdir), "%s", src != NULL ? src : ".");
    return cmocka_run_group_tests_name("packs", tests, NULL, NULL);
}
