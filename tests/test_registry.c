/* test_registry: registry import into a real SQLite file through
 * storage_open: Chinese names in UTF-8 with BOM and in GBK, formula and
 * SQL-looking names stored verbatim, bad rows reported as
 * file:line:column with nothing applied, re-import in place, and the class
 * and area maps for the agents. Fixtures: tests/data/registry/. The
 * expected values are the fixture files' own text, typed again here. */
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

#include "registry.h"
#include "storage.h"
#include "storage_sqlite.h"

struct fx {
    char dir[64];
    char path[96];
    struct storage *st;
    sqlite3 *db;
};

static char datadir[512];

static const char *
data(const char *name)
{
    static char p[700];

    snprintf(p, sizeof(p), "%s/%s", datadir, name);
    return p;
}

static int
setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_registry.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/db.sqlite", fx->dir);
    if (storage_open(fx->path, &fx->st) != 0)
        return -1;
    fx->db = storage_db(fx->st);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;
    char p[128];

    storage_close(fx->st);
    unlink(fx->path);
    snprintf(p, sizeof(p), "%s-wal", fx->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", fx->path);
    unlink(p);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static char *
query_text(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *s;
    char *r = NULL;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (arg != NULL)
        sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
        r = strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return r;
}

static long long
query_int(sqlite3 *db, const char *sql, const char *arg)
{
    char *t = query_text(db, sql, arg);
    long long v = t ? atoll(t) : -1;

    free(t);
    return v;
}

static void
expect_text(sqlite3 *db, const char *sql, const char *arg, const char *want)
{
    char *t = query_text(db, sql, arg);

    assert_non_null(t);
    assert_string_equal(t, want);
    free(t);
}

static void
utf8_bom_file_imports_with_chinese_and_hostile_names_intact(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools.csv"),
                                          TEXTCONV_AUTO, stderr, &res),
                     0);
    assert_int_equal(res.rows, 4);
    assert_int_equal(res.inserted, 4);
    assert_int_equal(res.encoding, TEXTCONV_UTF8);
    expect_text(fx->db, "SELECT name FROM schools WHERE code = ?1", "HF001",
                "合肥市第一中学");
    expect_text(fx->db, "SELECT name FROM schools WHERE code = ?1", "HF002",
                "=HYPERLINK(\"http://x\")");
    expect_text(fx->db, "SELECT name FROM schools WHERE code = ?1", "HF003",
                "'); DROP TABLE schools;--");
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM schools", NULL),
                     4);
    assert_int_equal(query_int(fx->db, "SELECT contracted_kbps FROM schools "
                               "WHERE code = ?1", "HF001"), 1000000);
    expect_text(fx->db, "SELECT region || '/' || type FROM schools WHERE "
                "code = ?1", "HF004", "township/primary");
    /* Empty optional cells are NULL (unknown), not 0. */
    assert_int_equal(query_int(fx->db, "SELECT declared_student_computers "
                               "IS NULL FROM schools WHERE code = ?1",
                               "HF002"), 1);
}

static void
gbk_file_with_chinese_headers_is_detected_and_converted(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools_gbk.csv"),
                                          TEXTCONV_AUTO, stderr, &res),
                     0);
    assert_int_equal(res.encoding, TEXTCONV_GBK);
    assert_int_equal(res.inserted, 2);
    expect_text(fx->db, "SELECT name || '|' || district || '|' || region || "
                "'|' || contracted_kbps FROM schools WHERE code = ?1",
                "HF102", "巢湖市第四中学|巢湖市|county|2500");
    expect_text(fx->db, "SELECT region FROM schools WHERE code = ?1",
                "HF101", "township");
}

static void
bad_row_is_reported_at_line_and_column_and_nothing_is_applied(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("bad_schools.csv"),
                                          TEXTCONV_AUTO, errs, &res),
                     -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "bad_schools.csv:3:15: region: \"suburb\""));
    assert_non_null(strstr(msg, "bad_schools.csv:3:30: students: \"abc\""));
    /* The good row on line 2 was rolled back with the rest. */
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM schools", NULL),
                     0);
    free(msg);
}

static void
gbk_file_forced_as_utf8_fails_with_position(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools_gbk.csv"),
                                          TEXTCONV_UTF8, errs, &res),
                     -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "schools_gbk.csv:1:3: byte 0xb4 is not valid UTF-8"));
    free(msg);
}

static void
reimport_updates_in_place_and_replaces_class_lists(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    const char *v2 =
        "code,name,district,region,type,students,teachers,classes\n"
        "HF001,合肥一中(新校区),合肥市,urban,senior,2500,181,50\n";
    const char *classes2 =
        "school,class,name,kind,subnets\n"
        "HF001,c1-1,高一(1)班,classroom,10.1.1.0/25\n";
    char *map;

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools.csv"),
                                          TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_file(fx->st, REGISTRY_CLASSES,
                                          data("classes.csv"),
                                          TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(res.inserted, 4);
    assert_int_equal(registry_class_map(fx->st, "HF001", &map), 0);
    assert_string_equal(map, "c1-1,10.1.1.0/24\n"
                             "c1-2,10.1.2.0/24\n"
                             "c1-2,2001:db8:1:2::/64\n"
                             "lab1,10.1.100.0/24\n"
                             "lab1,vlan:100\n"
                             "staff,vlan:200\n");
    free(map);

    assert_int_equal(registry_import_buf(fx->st, REGISTRY_SCHOOLS, "v2.csv",
                                         v2, strlen(v2), TEXTCONV_AUTO,
                                         stderr, &res), 0);
    assert_int_equal(res.updated, 1);
    assert_int_equal(res.inserted, 0);
    expect_text(fx->db, "SELECT name || '|' || classes FROM schools WHERE "
                "code = ?1", "HF001", "合肥一中(新校区)|50");
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM schools", NULL),
                     4);

    assert_int_equal(registry_import_buf(fx->st, REGISTRY_CLASSES, "c2.csv",
                                         classes2, strlen(classes2),
                                         TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(res.updated, 1);
    assert_int_equal(res.removed, 3);
    assert_int_equal(registry_class_map(fx->st, "HF001", &map), 0);
    assert_string_equal(map, "c1-1,10.1.1.0/25\n");
    free(map);
}

static void
classes_of_unknown_schools_and_bad_prefixes_are_refused(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    const char *bad =
        "school,class,name,kind,subnets,vlan\n"
        "NOPE,c1,一班,classroom,10.0.0.0/24,\n"
        "HF001,c2,二班,classroom,10.0.0.1/24,\n"
        "HF001,c3,三班,教室,,5000\n"
        "HF001,c4,四班,classroom,,\n";
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools.csv"),
                                          TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_CLASSES, "c.csv",
                                         bad, strlen(bad), TEXTCONV_AUTO,
                                         errs, &res), -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "c.csv:2:1: school: school \"NOPE\""));
    assert_non_null(strstr(msg, "c.csv:3:23: subnets: \"10.0.0.1/24\""));
    assert_non_null(strstr(msg, "c.csv:4:17: vlan: \"5000\""));
    assert_non_null(strstr(msg, "c.csv:5:"));
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM classes", NULL),
                     0);
    free(msg);
}

static void
chinese_class_ids_are_kept_and_separators_refused(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    const char *good =
        "school,class,name,kind,subnets\n"
        "HF001,一年级1班,一年级1班,classroom,10.2.1.0/24\n";
    const char *bad =
        "school,class,name,kind,subnets\n"
        "HF001,\"一年级,1班\",x,classroom,10.2.1.0/24\n";
    char *map, *msg = NULL;
    size_t len = 0;
    FILE *errs;

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools.csv"),
                                          TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_CLASSES, "g.csv",
                                         good, strlen(good), TEXTCONV_AUTO,
                                         stderr, &res), 0);
    assert_int_equal(registry_class_map(fx->st, "HF001", &map), 0);
    assert_string_equal(map, "一年级1班,10.2.1.0/24\n");
    free(map);
    errs = open_memstream(&msg, &len);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_CLASSES, "b.csv",
                                         bad, strlen(bad), TEXTCONV_AUTO,
                                         errs, &res), -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "b.csv:2:7: class:"));
    free(msg);
}

static void
a_vlan_or_prefix_of_two_classes_is_refused_at_the_second(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    /* The agent's class map refuses both (the fuzzer found it). */
    const char *bad =
        "school,class,name,kind,subnets,vlan\n"
        "HF001,a,A,classroom,10.9.0.0/24,100\n"
        "HF001,b,B,classroom,,100\n"
        "HF001,c,C,classroom,10.9.0.0/24,\n"
        "HF004,d,D,classroom,10.9.0.0/24,100\n";
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools.csv"),
                                          TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_buf(fx->st, REGISTRY_CLASSES, "v.csv",
                                         bad, strlen(bad), TEXTCONV_AUTO,
                                         errs, &res), -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "v.csv:3:22: vlan: VLAN 100 is already used "
                                "by class \"a\" on line 2"));
    assert_non_null(strstr(msg, "v.csv:4:21: subnets: prefix 10.9.0.0/24 is "
                                "already used by class \"a\" on line 2"));
    /* Another school may use the same VLAN and prefix. */
    assert_null(strstr(msg, "v.csv:5:"));
    free(msg);
}

static void
area_map_lists_each_ap_with_the_required_flag(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    char *map;

    assert_int_equal(registry_import_file(fx->st, REGISTRY_SCHOOLS,
                                          data("schools.csv"),
                                          TEXTCONV_AUTO, stderr, &res), 0);
    assert_int_equal(registry_import_file(fx->st, REGISTRY_AREAS,
                                          data("areas.csv"), TEXTCONV_AUTO,
                                          stderr, &res), 0);
    assert_int_equal(registry_area_map(fx->st, "HF001", &map), 0);
    assert_string_equal(map, "office,1,AP-OFF-1\n"
                             "office,1,AP-OFF-2\n"
                             "r101,1,AP-101\n"
                             "yard,0,\n");
    free(map);
    assert_int_equal(registry_area_map(fx->st, "NONE", &map), 0);
    assert_string_equal(map, "");
    free(map);
}

static void
unknown_and_missing_columns_are_reported(void **state)
{
    struct fx *fx = *state;
    struct registry_result res;
    const char *bad = "code,name,distrct,region\nX,y,z,urban\n";
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);

    assert_int_equal(registry_import_buf(fx->st, REGISTRY_SCHOOLS, "h.csv",
                                         bad, strlen(bad), TEXTCONV_AUTO,
                                         errs, &res), -EINVAL);
    fclose(errs);
    assert_non_null(strstr(msg, "h.csv:1:11: unknown column \"distrct\""));
    assert_non_null(strstr(msg, "required column \"students\" is missing"));
    free(msg);
}

int
main(void)
{
    const char *src = getenv("SRCDIR");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            utf8_bom_file_imports_with_chinese_and_hostile_names_intact,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            gbk_file_with_chinese_headers_is_detected_and_converted, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            bad_row_is_reported_at_line_and_column_and_nothing_is_applied,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            gbk_file_forced_as_utf8_fails_with_position, setup, teardown),
        cmocka_unit_test_setup_teardown(
            reimport_updates_in_place_and_replaces_class_lists, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            classes_of_unknown_schools_and_bad_prefixes_are_refused, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            chinese_class_ids_are_kept_and_separators_refused, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            a_vlan_or_prefix_of_two_classes_is_refused_at_the_second, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            area_map_lists_each_ap_with_the_required_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(
            unknown_and_missing_columns_are_reported, setup, teardown),
    };

    snprintf(datadir, sizeof(datadir), "%s/tests/data/registry",
             src != NULL ? src : ".");
    return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
