/* Tests for agent/classmap: longest-prefix match against a brute-force
 * oracle, VLAN rules, local defaults, CSV loading with every error reported
 * as file:line (golden file tests/data/classmap_bad.csv.err), BOM, CRLF and
 * Chinese class names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cidr.h"
#include "classmap.h"

/* Finds tests/data/NAME from the working directory or above the binary. */
static void
data_path(const char *name, char *out, size_t len)
{
    char exe[PATH_MAX], *slash;
    ssize_t n;

    snprintf(out, len, "tests/data/%s", name);
    if (access(out, R_OK) == 0)
        return;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    while ((slash = strrchr(exe, '/')) != NULL) {
        *slash = '\0';
        if (snprintf(out, len, "%s/tests/data/%s", exe, name) < (int)len &&
            access(out, R_OK) == 0)
            return;
    }
    snprintf(out, len, "tests/data/%s", name);
}

static int
look(const struct classmap *cm, const char *addr)
{
    uint8_t a[16];
    int af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;

    assert_int_equal(inet_pton(af, addr, a), 1);
    return classmap_lookup(cm, af, a);
}

static const char *
look_name(const struct classmap *cm, const char *addr)
{
    int id = look(cm, addr);

    return id >= 0 ? classmap_class_name(cm, id) : "-";
}

static void
longest_prefix_wins_over_a_covering_prefix(void **state)
{
    struct classmap *cm = classmap_new();

    assert_non_null(cm);
    assert_int_equal(classmap_add_prefix(cm, "10.1.0.0/16", "office"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.1.1.0/24", "g1c1"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.1.1.128/25", "lab"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.1.1.7", "printer"), 0);
    assert_string_equal(look_name(cm, "10.1.1.5"), "g1c1");
    assert_string_equal(look_name(cm, "10.1.1.200"), "lab");
    assert_string_equal(look_name(cm, "10.1.1.7"), "printer");
    assert_string_equal(look_name(cm, "10.1.2.1"), "office");
    assert_int_equal(look(cm, "10.2.0.1"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "8.8.8.8"), CLASSMAP_NOMATCH);
    assert_int_equal(classmap_nclasses(cm), 4);
    classmap_free(cm);
}

static void
default_locals_are_rfc1918_ula_and_link_local_but_not_cgnat(void **state)
{
    struct classmap *cm = classmap_new();

    assert_int_equal(look(cm, "10.255.0.1"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "172.16.0.1"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "172.31.255.254"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "172.32.0.1"), CLASSMAP_NOMATCH);
    assert_int_equal(look(cm, "192.168.44.4"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "100.64.0.1"), CLASSMAP_NOMATCH);
    assert_int_equal(look(cm, "fd12::1"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "fe80::1"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "2001:db8::1"), CLASSMAP_NOMATCH);
    classmap_free(cm);
}

static void
an_explicit_local_prefix_replaces_the_defaults(void **state)
{
    struct classmap *cm = classmap_new();

    assert_int_equal(classmap_add_local(cm, "100.64.0.0/10"), 0);
    assert_int_equal(classmap_add_local(cm, "2001:db8:aa::/48"), 0);
    assert_int_equal(look(cm, "100.64.3.3"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "10.0.0.1"), CLASSMAP_NOMATCH);
    assert_int_equal(look(cm, "2001:db8:aa:1::1"), CLASSMAP_LOCAL);
    assert_int_equal(look(cm, "fe80::1"), CLASSMAP_NOMATCH);
    assert_int_equal(classmap_add_local(cm, "100.64.0.1/10"), -EINVAL);
    classmap_free(cm);
}

static void
ipv6_prefixes_match_by_longest_prefix(void **state)
{
    struct classmap *cm = classmap_new();

    assert_int_equal(classmap_add_prefix(cm, "2001:db8::/32", "school"), 0);
    assert_int_equal(classmap_add_prefix(cm, "2001:db8:1:2::/64", "c2"), 0);
    assert_int_equal(classmap_add_prefix(cm, "2001:db8:1:2:8000::/65", "c3"),
                     0);
    assert_string_equal(look_name(cm, "2001:db8:1:2::1"), "c2");
    assert_string_equal(look_name(cm, "2001:db8:1:2:8000::1"), "c3");
    assert_string_equal(look_name(cm, "2001:db8:ffff::1"), "school");
    assert_int_equal(look(cm, "2001:db9::1"), CLASSMAP_NOMATCH);
    /* an IPv4 rule never matches IPv6 and vice versa */
    assert_int_equal(classmap_add_prefix(cm, "0.0.0.0/0", "all4"), 0);
    assert_int_equal(look(cm, "2001:db9::1"), CLASSMAP_NOMATCH);
    assert_string_equal(look_name(cm, "1.2.3.4"), "all4");
    classmap_free(cm);
}

static void
vlan_rules_map_ids_and_refuse_reserved_ones(void **state)
{
    struct classmap *cm = classmap_new();
    const char *why = NULL;

    assert_int_equal(classmap_nvlans(cm), 0);
    assert_int_equal(classmap_add_vlan(cm, 120, "机房"), 0);
    assert_int_equal(classmap_add(cm, "机房", "vlan:121", &why), 0);
    assert_int_equal(classmap_add_vlan(cm, 0, "x"), -EINVAL);
    assert_int_equal(classmap_add_vlan(cm, 4095, "x"), -EINVAL);
    assert_int_equal(classmap_add(cm, "x", "vlan:", &why), -EINVAL);
    assert_int_equal(classmap_add(cm, "x", "vlan:-1", &why), -EINVAL);
    assert_int_equal(classmap_add_vlan(cm, 120, "other"), -EEXIST);
    assert_int_equal(classmap_nvlans(cm), 2);
    assert_int_equal(classmap_nclasses(cm), 1);
    assert_string_equal(classmap_class_name(cm, classmap_lookup_vlan(cm, 121)),
                        "机房");
    assert_int_equal(classmap_lookup_vlan(cm, 122), CLASSMAP_NOMATCH);
    assert_int_equal(classmap_lookup_vlan(cm, 99999), CLASSMAP_NOMATCH);
    classmap_free(cm);
}

static void
a_conflicting_duplicate_leaves_the_map_unchanged(void **state)
{
    struct classmap *cm = classmap_new();

    assert_int_equal(classmap_add_prefix(cm, "10.9.0.0/16", "a"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.9.0.0/16", "a"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.9.0.0/16", "b"), -EEXIST);
    assert_int_equal(classmap_nclasses(cm), 1);
    assert_int_equal(classmap_class_id(cm, "b"), CLASSMAP_NOMATCH);
    assert_string_equal(look_name(cm, "10.9.1.1"), "a");
    assert_int_equal(classmap_add_prefix(cm, "10.9.0.0/99", "c"), -EINVAL);
    assert_int_equal(classmap_add_prefix(cm, "10.10.0.0/16", ""), -EINVAL);
    assert_int_equal(classmap_add_prefix(cm, "10.10.0.0/16", "a\tb"),
                     -EINVAL);
    assert_int_equal(classmap_add_prefix(cm, "10.10.0.0/16", "\xc3\x28"),
                     -EINVAL);
    assert_int_equal(classmap_nclasses(cm), 1);
    classmap_free(cm);
}

/* Random prefixes of every length; each lookup is checked against a linear
 * scan with cidr_contains picking the longest match. */
static void
lookups_agree_with_a_brute_force_scan(void **state)
{
    enum { NPFX = 600, NLOOK = 20000 };
    struct classmap *cm = classmap_new();
    struct cidr *pfx = calloc(NPFX, sizeof(*pfx));
    int *cls = calloc(NPFX, sizeof(*cls));
    unsigned seed = 12345;
    size_t np = 0, i, j;
    char name[32], buf[CIDR_STRLEN];

    assert_non_null(pfx);
    srand(seed);
    for (i = 0; i < NPFX; i++) {
        struct cidr c;
        int v6 = rand() % 3 == 0, rc;

        memset(&c, 0, sizeof(c));
        c.af = v6 ? AF_INET6 : AF_INET;
        c.len = (unsigned)(rand() % (v6 ? 129 : 33));
        /* cluster addresses so that prefixes overlap */
        c.addr[0] = v6 ? 0x20 : 10;
        c.addr[1] = (uint8_t)(rand() % 4);
        for (j = 2; j < 16; j++)
            c.addr[j] = (uint8_t)(rand() % 3 == 0 ? rand() : 0);
        cidr_mask(c.af, c.addr, c.len);
        cidr_format(&c, buf, sizeof(buf));
        snprintf(name, sizeof(name), "c%zu", i % 50);
        rc = classmap_add_prefix(cm, buf, name);
        assert_true(rc == 0 || rc == -EEXIST);
        if (rc == 0) {
            pfx[np] = c;
            cls[np] = classmap_class_id(cm, name);
            np++;
        }
    }
    for (i = 0; i < NLOOK; i++) {
        uint8_t a[16] = {0};
        int v6 = rand() % 3 == 0, want = CLASSMAP_NOMATCH, best = -1;
        int af = v6 ? AF_INET6 : AF_INET;

        a[0] = v6 ? 0x20 : 10;
        a[1] = (uint8_t)(rand() % 4);
        for (j = 2; j < 16; j++)
            a[j] = (uint8_t)(rand() % 3 == 0 ? rand() : 0);
        if (rand() % 5 == 0) /* exercise broad misses as well */
            a[0] = (uint8_t)rand();
        for (j = 0; j < np; j++) {
            if (cidr_contains(&pfx[j], af, a) && (int)pfx[j].len > best) {
                best = (int)pfx[j].len;
                want = cls[j];
            }
        }
        if (want == CLASSMAP_NOMATCH &&
            ((!v6 && a[0] == 10) || (!v6 && a[0] == 172 &&
                                     (a[1] & 0xf0) == 16) ||
             (!v6 && a[0] == 192 && a[1] == 168) ||
             (v6 && (a[0] & 0xfe) == 0xfc) ||
             (v6 && a[0] == 0xfe && (a[1] & 0xc0) == 0x80)))
            want = CLASSMAP_LOCAL;
        assert_int_equal(classmap_lookup(cm, af, a), want);
        if (!v6) {
            /* the packet path's two-address lookup, this address on
             * either side, against another address */
            uint32_t h = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
                         (uint32_t)a[2] << 8 | a[3];
            uint32_t far = 0x5db8d822; /* 93.184.216.34 */
            int farwant = classmap_lookup4(cm, far), sc, dc;

            classmap_lookup4_pair(cm, h, far, &sc, &dc);
            assert_int_equal(sc, want);
            assert_int_equal(dc, farwant);
            classmap_lookup4_pair(cm, far, h, &sc, &dc);
            assert_int_equal(sc, farwant);
            assert_int_equal(dc, want);
            classmap_lookup4_pair(cm, h, h, &sc, &dc);
            assert_int_equal(sc, want);
            assert_int_equal(dc, want);
        }
    }
    free(pfx);
    free(cls);
    classmap_free(cm);
}

/* Class and local prefixes of every length added in random order (so the
 * direct-index tables are built, refreshed, shared and rebuilt when the
 * first local prefix drops the defaults), against a brute-force scan. */
static void
ipv4_lookups_agree_with_a_scan_in_any_order(void **state)
{
    enum { NPFX = 400, NLOOK = 30000 };
    struct classmap *cm = classmap_new();
    struct cidr *pfx = calloc(NPFX, sizeof(*pfx));
    int *cls = calloc(NPFX, sizeof(*cls));
    size_t np = 0, i, j;
    char name[32], buf[CIDR_STRLEN];

    assert_non_null(cm);
    assert_non_null(pfx);
    assert_non_null(cls);
    srand(4242);
    for (i = 0; i < NPFX; i++) {
        struct cidr c;
        int local = rand() % 4 == 0, rc;

        memset(&c, 0, sizeof(c));
        c.af = AF_INET;
        /* mostly /8../32 near each other, a few very short ones */
        c.len = (unsigned)(rand() % 10 == 0 ? rand() % 8 : 8 + rand() % 25);
        c.addr[0] = (uint8_t)(rand() % 8 == 0 ? rand() : 10);
        c.addr[1] = (uint8_t)(rand() % 3);
        c.addr[2] = (uint8_t)(rand() % 4);
        c.addr[3] = (uint8_t)rand();
        cidr_mask(c.af, c.addr, c.len);
        cidr_format(&c, buf, sizeof(buf));
        if (local) {
            assert_int_equal(classmap_add_local(cm, buf), 0);
            cls[np] = CLASSMAP_LOCAL;
        } else {
            snprintf(name, sizeof(name), "c%zu", i % 40);
            rc = classmap_add_prefix(cm, buf, name);
            assert_true(rc == 0 || rc == -EEXIST);
            if (rc != 0)
                continue;
            cls[np] = classmap_class_id(cm, name);
        }
        pfx[np++] = c;
    }
    for (i = 0; i < NLOOK; i++) {
        uint8_t a[4];
        int want = CLASSMAP_NOMATCH, best = -1, local = 0, sc, dc;
        uint32_t h;

        a[0] = (uint8_t)(rand() % 4 == 0 ? rand() : 10);
        a[1] = (uint8_t)(rand() % 3);
        a[2] = (uint8_t)(rand() % 5);
        a[3] = (uint8_t)rand();
        for (j = 0; j < np; j++) {
            if (!cidr_contains(&pfx[j], AF_INET, a))
                continue;
            if (cls[j] == CLASSMAP_LOCAL)
                local = 1;
            else if ((int)pfx[j].len > best) {
                best = (int)pfx[j].len;
                want = cls[j];
            }
        }
        if (want == CLASSMAP_NOMATCH && local)
            want = CLASSMAP_LOCAL;
        h = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
            (uint32_t)a[2] << 8 | a[3];
        assert_int_equal(classmap_lookup4(cm, h), want);
        classmap_lookup4_pair(cm, 0xc6336401u, h, &sc, &dc);
        assert_int_equal(dc, want);
    }
    free(pfx);
    free(cls);
    classmap_free(cm);
}

static void
csv_with_bom_crlf_header_and_chinese_names_loads(void **state)
{
    struct classmap *cm = classmap_new();
    char path[PATH_MAX];

    data_path("classmap_good.csv", path, sizeof(path));
    assert_int_equal(classmap_load_csv(cm, path, stderr), 0);
    assert_int_equal(classmap_nclasses(cm), 5);
    assert_string_equal(classmap_class_name(cm, 0), "一年级1班");
    assert_string_equal(look_name(cm, "10.1.1.9"), "一年级1班");
    assert_string_equal(look_name(cm, "10.1.2.9"), "一年级2班");
    assert_string_equal(look_name(cm, "10.1.7.9"), "教师办公室");
    assert_string_equal(look_name(cm, "10.1.3.130"), "Lab, room 3");
    assert_string_equal(look_name(cm, "10.1.3.1"), "教师办公室");
    assert_string_equal(look_name(cm, "2001:db8:1:1::42"), "一年级1班");
    assert_string_equal(
        classmap_class_name(cm, classmap_lookup_vlan(cm, 121)), "机房");
    classmap_free(cm);
}

static void
csv_errors_are_all_reported_with_file_and_line(void **state)
{
    struct classmap *cm = classmap_new();
    char path[PATH_MAX], golden[PATH_MAX], line[512], want[600];
    char *out = NULL;
    size_t outlen = 0;
    FILE *errs = open_memstream(&out, &outlen);
    FILE *g;
    const char *p;
    int n;

    data_path("classmap_bad.csv", path, sizeof(path));
    data_path("classmap_bad.csv.err", golden, sizeof(golden));
    n = classmap_load_csv(cm, path, errs);
    fclose(errs);
    g = fopen(golden, "r");
    assert_non_null(g);
    p = out;
    while (fgets(line, sizeof(line), g) != NULL) {
        size_t wl;

        if (snprintf(want, sizeof(want), "%s:%s", path, line) >=
            (int)sizeof(want))
            fail_msg("path too long");
        wl = strlen(want);
        if (strncmp(p, want, wl) != 0)
            fail_msg("expected: %s got: %.*s", want,
                     (int)strcspn(p, "\n") + 1, p);
        p += wl;
    }
    fclose(g);
    assert_string_equal(p, ""); /* nothing beyond the golden lines */
    assert_int_equal(n, 13);
    /* the good lines were still added */
    assert_string_equal(look_name(cm, "10.8.3.3"), "class8");
    assert_string_equal(look_name(cm, "10.12.3.3"), "class12");
    free(out);
    classmap_free(cm);
}

static void
unreadable_csv_returns_minus_one_and_names_the_file(void **state)
{
    struct classmap *cm = classmap_new();
    char *out = NULL;
    size_t outlen = 0;
    FILE *errs = open_memstream(&out, &outlen);

    assert_int_equal(classmap_load_csv(cm, "/nonexistent/classes.csv", errs),
                     -1);
    fclose(errs);
    assert_non_null(strstr(out, "/nonexistent/classes.csv"));
    free(out);
    classmap_free(cm);
}

static void
printed_map_loads_back_to_the_same_map(void **state)
{
    struct classmap *a = classmap_new(), *b = classmap_new();
    char path[PATH_MAX];
    char *o1 = NULL, *o2 = NULL;
    size_t l1 = 0, l2 = 0;
    FILE *f;

    data_path("classmap_good.csv", path, sizeof(path));
    assert_int_equal(classmap_load_csv(a, path, stderr), 0);
    f = open_memstream(&o1, &l1);
    classmap_print(a, f);
    fclose(f);
    assert_int_equal(classmap_load_text(b, "printed", o1, l1, stderr), 0);
    f = open_memstream(&o2, &l2);
    classmap_print(b, f);
    fclose(f);
    assert_string_equal(o1, o2);
    assert_non_null(strstr(o1, "\"Lab, room 3\",10.1.3.128/25\n"));
    free(o1);
    free(o2);
    classmap_free(a);
    classmap_free(b);
}

static void
free_accepts_null(void **state)
{
    classmap_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(longest_prefix_wins_over_a_covering_prefix),
        cmocka_unit_test(
            default_locals_are_rfc1918_ula_and_link_local_but_not_cgnat),
        cmocka_unit_test(an_explicit_local_prefix_replaces_the_defaults),
        cmocka_unit_test(ipv6_prefixes_match_by_longest_prefix),
        cmocka_unit_test(vlan_rules_map_ids_and_refuse_reserved_ones),
        cmocka_unit_test(a_conflicting_duplicate_leaves_the_map_unchanged),
        cmocka_unit_test(lookups_agree_with_a_brute_force_scan),
        cmocka_unit_test(ipv4_lookups_agree_with_a_scan_in_any_order),
        cmocka_unit_test(csv_with_bom_crlf_header_and_chinese_names_loads),
        cmocka_unit_test(csv_errors_are_all_reported_with_file_and_line),
        cmocka_unit_test(unreadable_csv_returns_minus_one_and_names_the_file),
        cmocka_unit_test(printed_map_loads_back_to_the_same_map),
        cmocka_unit_test(free_accepts_null),
    };
    return cmocka_run_group_tests_name("classmap", tests, NULL, NULL);
}
