/* Tests for agent/capture: replays captures written by tests/tools/gencap
 * (an independent generator that also writes the expected per class, per
 * minute totals) and compares every emitted row with its expected file, at
 * several snap lengths; then hand-built captures for the edge cases: late
 * packets, Linux cooked framing, unreadable files, unsupported link types,
 * bad filters, calls after end of file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "classmap.h"
#include "log.h"

struct minute {
    struct wire_capture_min cap;
    size_t nrows;
    struct wire_class_min *rows;
};

struct got {
    size_t n;
    struct minute m[2048];
};

static void
collect(void *arg, const struct wire_class_min *rows, size_t nrows,
        const struct wire_capture_min *cap)
{
    struct got *g = arg;
    struct minute *m;

    assert_true(g->n < sizeof(g->m) / sizeof(g->m[0]));
    m = &g->m[g->n++];
    m->cap = *cap;
    m->nrows = nrows;
    m->rows = malloc((nrows ? nrows : 1) * sizeof(*rows));
    memcpy(m->rows, rows, nrows * sizeof(*rows));
}

static void
got_free(struct got *g)
{
    size_t i;

    for (i = 0; i < g->n; i++)
        free(g->m[i].rows);
    free(g);
}

static char tmpdir[64];

static int
mk_tmp(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_capture.XXXXXX");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
rm_tmp(void **state)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* $GENCAP, else the tools/ directory beside this test's directory. */
static void
gencap_path(char *out, size_t len)
{
    char exe[PATH_MAX], *slash;
    ssize_t n;
    const char *env = getenv("GENCAP");

    if (env != NULL) {
        snprintf(out, len, "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    *slash = '\0';
    if (snprintf(out, len, "%s/../tools/gencap", exe) < (int)len &&
        access(out, X_OK) == 0)
        return;
    if (snprintf(out, len, "%s/gencap", exe) < (int)len &&
        access(out, X_OK) == 0)
        return;
    fail_msg("gencap not found beside %s (build tests-build, or set GENCAP)",
             exe);
}

static uint64_t
ju(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    if (!json_is_integer(v))
        fail_msg("expected file: no integer \"%s\"", k);
    return (uint64_t)json_integer_value(v);
}

static void
check_against_expected(const struct got *g, const struct capture_stats *st,
                       const char *expected)
{
    json_error_t err;
    json_t *root = json_load_file(expected, 0, &err), *mins, *dec, *tots;
    uint64_t tot[256][4];
    size_t i, j, k;

    if (root == NULL)
        fail_msg("%s: %s", expected, err.text);
    memset(tot, 0, sizeof(tot));
    mins = json_object_get(root, "per_minute");
    assert_int_equal(g->n, json_array_size(mins));
    for (i = 0; i < g->n; i++) {
        json_t *em = json_array_get(mins, i);
        json_t *rows = json_object_get(em, "classes");
        const struct minute *m = &g->m[i];

        assert_int_equal(m->cap.minute, ju(em, "minute"));
        assert_int_equal(m->cap.pkts_seen, ju(em, "pkts_seen"));
        assert_int_equal(m->cap.egress_bytes, ju(em, "egress_bytes"));
        assert_int_equal(m->cap.unclassified_pkts,
                         ju(em, "unclassified_pkts"));
        assert_int_equal(m->cap.unclassified_bytes,
                         ju(em, "unclassified_bytes"));
        assert_string_equal(m->cap.source, "replay");
        assert_true(m->cap.pcap_recv == WIRE_UNKNOWN);
        assert_int_equal(m->nrows, json_array_size(rows));
        for (j = 0; j < m->nrows; j++) {
            json_t *er = json_array_get(rows, j);
            const struct wire_class_min *r = &m->rows[j];

            assert_string_equal(r->class_id,
                                json_string_value(json_object_get(er, "class")));
            assert_int_equal(r->minute, m->cap.minute);
            assert_int_equal(r->bytes_up, ju(er, "bytes_up"));
            assert_int_equal(r->bytes_down, ju(er, "bytes_down"));
            assert_int_equal(r->pkts_up, ju(er, "pkts_up"));
            assert_int_equal(r->pkts_down, ju(er, "pkts_down"));
            assert_int_equal(r->peak_up_bps, ju(er, "peak_up_bps"));
            assert_int_equal(r->peak_down_bps, ju(er, "peak_down_bps"));
            assert_int_equal(r->devices, ju(er, "devices"));
        }
    }
    /* whole-capture totals, summed from our rows */
    tots = json_object_get(root, "classes");
    for (k = 0; k < json_array_size(tots); k++) {
        json_t *et = json_array_get(tots, k);
        const char *name = json_string_value(json_object_get(et, "class"));
        uint64_t b[4] = {0, 0, 0, 0};

        for (i = 0; i < g->n; i++)
            for (j = 0; j < g->m[i].nrows; j++)
                if (strcmp(g->m[i].rows[j].class_id, name) == 0) {
                    b[0] += g->m[i].rows[j].bytes_up;
                    b[1] += g->m[i].rows[j].bytes_down;
                    b[2] += g->m[i].rows[j].pkts_up;
                    b[3] += g->m[i].rows[j].pkts_down;
                }
        assert_int_equal(b[0], ju(et, "bytes_up"));
        assert_int_equal(b[1], ju(et, "bytes_down"));
        assert_int_equal(b[2], ju(et, "pkts_up"));
        assert_int_equal(b[3], ju(et, "pkts_down"));
    }
    dec = json_object_get(root, "decoys");
    assert_int_equal(st->pkts, ju(root, "packets"));
    assert_int_equal(st->internal, ju(dec, "internal"));
    assert_int_equal(st->foreign, ju(dec, "foreign"));
    assert_int_equal(st->group, ju(dec, "broadcast") + ju(dec, "multicast"));
    assert_int_equal(st->other, ju(dec, "non_ip"));
    assert_int_equal(st->malformed,
                     ju(dec, "malformed") + ju(dec, "egress_cut_by_snaplen"));
    assert_int_equal(st->unclassified, ju(root, "unclassified_pkts"));
    json_decref(root);
}

static void
replay_gencap(const char *args, int chunk, int expect_cut)
{
    char gencap[PATH_MAX], cmd[PATH_MAX * 2], pcap[128], csv[128], exp[128];
    struct classmap *cm = classmap_new();
    struct got *g = calloc(1, sizeof(*g));
    struct capture *c = NULL;
    struct capture_stats st;
    json_t *root;
    int n, calls = 0;

    gencap_path(gencap, sizeof(gencap));
    snprintf(pcap, sizeof(pcap), "%s/school.pcap", tmpdir);
    snprintf(csv, sizeof(csv), "%s/classes.csv", tmpdir);
    snprintf(exp, sizeof(exp), "%s/expected.json", tmpdir);
    snprintf(cmd, sizeof(cmd), "'%s' -o '%s' -c '%s' -e '%s' %s", gencap,
             pcap, csv, exp, args);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(classmap_load_csv(cm, csv, stderr), 0);
    assert_int_equal(capture_open_offline(pcap, cm, NULL, collect, g, &c), 0);
    while ((n = capture_run(c, chunk)) > 0) {
        assert_true(chunk <= 0 || n <= chunk);
        calls++;
    }
    assert_int_equal(n, 0);
    assert_int_equal(capture_run(c, chunk), 0); /* EOF stays EOF */
    capture_stats(c, &st);
    check_against_expected(g, &st, exp);
    root = json_load_file(exp, 0, NULL);
    if (expect_cut)
        assert_true(ju(json_object_get(root, "decoys"),
                       "egress_cut_by_snaplen") > 0);
    else
        assert_int_equal(ju(json_object_get(root, "decoys"),
                            "egress_cut_by_snaplen"), 0);
    json_decref(root);
    capture_free(c);
    classmap_free(cm);
    got_free(g);
}

static void
full_frames_match_the_generator_totals(void **state)
{
    replay_gencap("-s 1 -n 8 -m 4 -p 800", 0, 0);
}

static void
headers_only_snap_length_still_counts_full_ip_lengths(void **state)
{
    replay_gencap("-s 2 -n 12 -m 3 -p 700 --snaplen 64", 97, 0);
}

static void
snap_length_cutting_addresses_makes_those_frames_malformed(void **state)
{
    replay_gencap("-s 3 -n 5 -m 2 -p 900 --snaplen 50 --hosts 40", 1, 1);
}

static void
many_classes_and_minutes_match(void **state)
{
    replay_gencap("-s 4 -n 200 -m 20 -p 500 --start 1800000017", 1000, 0);
}

/* --- hand-built captures -------------------------------------------------- */

struct rec {
    int64_t sec;
    uint8_t b[128];
    unsigned len;
};

static void
write_pcap(const char *path, int dlt, const struct rec *r, size_t n)
{
    pcap_t *dead = pcap_open_dead(dlt, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    size_t i;

    assert_non_null(d);
    for (i = 0; i < n; i++) {
        struct pcap_pkthdr h;

        h.ts.tv_sec = (time_t)r[i].sec;
        h.ts.tv_usec = 0;
        h.caplen = h.len = r[i].len;
        pcap_dump((u_char *)d, &h, r[i].b);
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

static void
eth_ip4(struct rec *r, int64_t sec, const char *src, const char *dst,
        unsigned iplen)
{
    static const uint8_t hdr[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2,
                                    0x08, 0};

    memset(r, 0, sizeof(*r));
    r->sec = sec;
    memcpy(r->b, hdr, 14);
    r->b[14] = 0x45;
    r->b[16] = (uint8_t)(iplen >> 8);
    r->b[17] = (uint8_t)iplen;
    inet_pton(AF_INET, src, r->b + 26);
    inet_pton(AF_INET, dst, r->b + 30);
    r->len = 14 + 20;
}

static void
late_packets_are_counted_in_the_open_minute(void **state)
{
    struct classmap *cm = classmap_new();
    struct got *g = calloc(1, sizeof(*g));
    struct capture *c;
    struct capture_stats st;
    struct rec r[4];
    char path[128];

    assert_int_equal(classmap_add_prefix(cm, "10.1.0.0/16", "a"), 0);
    eth_ip4(&r[0], 61, "10.1.0.5", "8.8.8.8", 100);
    eth_ip4(&r[1], 125, "8.8.8.8", "10.1.0.5", 200);
    eth_ip4(&r[2], 119, "10.1.0.5", "8.8.8.8", 400); /* late */
    eth_ip4(&r[3], 130, "10.1.0.5", "8.8.8.8", 800);
    snprintf(path, sizeof(path), "%s/late.pcap", tmpdir);
    write_pcap(path, DLT_EN10MB, r, 4);
    assert_int_equal(capture_open_offline(path, cm, NULL, collect, g, &c), 0);
    assert_int_equal(capture_datalink(c), DLT_EN10MB);
    assert_int_equal(capture_run(c, 0), 4);
    assert_int_equal(capture_run(c, 0), 0);
    capture_stats(c, &st);
    assert_int_equal(st.late, 1);
    assert_int_equal(g->n, 2);
    assert_int_equal(g->m[0].cap.minute, 60);
    assert_int_equal(g->m[0].rows[0].bytes_up, 100);
    assert_int_equal(g->m[1].cap.minute, 120);
    assert_int_equal(g->m[1].rows[0].bytes_up, 1200);
    assert_int_equal(g->m[1].rows[0].bytes_down, 200);
    /* up counts the source MAC, down the destination MAC; these frames keep
     * one MAC order both ways, so each direction names a different one */
    assert_int_equal(g->m[1].rows[0].devices, 2);
    assert_int_equal(g->m[0].rows[0].devices, 1);
    capture_free(c);
    classmap_free(cm);
    got_free(g);
}

static void
linux_cooked_capture_counts_devices_by_ip(void **state)
{
    struct classmap *cm = classmap_new();
    struct got *g = calloc(1, sizeof(*g));
    struct capture *c;
    struct rec r[3];
    char path[128];
    int i;

    assert_int_equal(classmap_add_prefix(cm, "10.1.0.0/16", "a"), 0);
    for (i = 0; i < 3; i++) {
        struct rec e;

        eth_ip4(&e, 10, i == 2 ? "10.1.0.9" : "10.1.0.5", "8.8.8.8", 60);
        memset(&r[i], 0, sizeof(r[i]));
        r[i].sec = 10;
        r[i].b[1] = 4;     /* outgoing */
        r[i].b[3] = 1;     /* ARPHRD_ETHER */
        r[i].b[5] = 6;     /* halen */
        r[i].b[14] = 0x08; /* IPv4 */
        memcpy(r[i].b + 16, e.b + 14, 20);
        r[i].len = 36;
    }
    snprintf(path, sizeof(path), "%s/sll.pcap", tmpdir);
    write_pcap(path, DLT_LINUX_SLL, r, 3);
    assert_int_equal(capture_open_offline(path, cm, NULL, collect, g, &c), 0);
    while (capture_run(c, 0) > 0)
        ;
    assert_int_equal(g->n, 1);
    assert_int_equal(g->m[0].rows[0].pkts_up, 3);
    assert_int_equal(g->m[0].rows[0].bytes_up, 180);
    assert_int_equal(g->m[0].rows[0].devices, 2);
    capture_free(c);
    classmap_free(cm);
    got_free(g);
}

static void
open_errors_are_reported_as_errno_values(void **state)
{
    struct classmap *cm = classmap_new();
    struct capture *c = NULL;
    struct capture_opts o = {.filter = "this is not bpf"};
    struct rec r;
    char path[128];
    FILE *f;

    assert_int_equal(capture_open_offline("/nonexistent/x.pcap", cm, NULL,
                                          NULL, NULL, &c),
                     -ENOENT);
    snprintf(path, sizeof(path), "%s/garbage.pcap", tmpdir);
    f = fopen(path, "w");
    fputs("this is not a capture file at all, just text\n", f);
    fclose(f);
    assert_int_equal(capture_open_offline(path, cm, NULL, NULL, NULL, &c),
                     -EINVAL);
    eth_ip4(&r, 1, "10.0.0.1", "8.8.8.8", 60);
    snprintf(path, sizeof(path), "%s/wifi.pcap", tmpdir);
    write_pcap(path, 105 /* DLT_IEEE802_11 */, &r, 1);
    assert_int_equal(capture_open_offline(path, cm, NULL, NULL, NULL, &c),
                     -EPROTONOSUPPORT);
    snprintf(path, sizeof(path), "%s/ok.pcap", tmpdir);
    write_pcap(path, DLT_EN10MB, &r, 1);
    assert_int_equal(capture_open_offline(path, cm, &o, NULL, NULL, &c),
                     -EINVAL);
    assert_null(c);
    capture_free(NULL);
    classmap_free(cm);
}

static void
a_filter_limits_what_is_counted(void **state)
{
    struct classmap *cm = classmap_new();
    struct got *g = calloc(1, sizeof(*g));
    struct capture_opts o = {.filter = "dst host 8.8.8.8"};
    struct capture *c;
    struct capture_stats st;
    struct rec r[2];
    char path[128];

    assert_int_equal(classmap_add_prefix(cm, "10.1.0.0/16", "a"), 0);
    eth_ip4(&r[0], 5, "10.1.0.5", "8.8.8.8", 100);
    eth_ip4(&r[1], 6, "8.8.4.4", "10.1.0.5", 300);
    snprintf(path, sizeof(path), "%s/filter.pcap", tmpdir);
    write_pcap(path, DLT_EN10MB, r, 2);
    assert_int_equal(capture_open_offline(path, cm, &o, collect, g, &c), 0);
    while (capture_run(c, 0) > 0)
        ;
    capture_stats(c, &st);
    assert_int_equal(st.pkts, 1);
    assert_int_equal(g->m[0].rows[0].bytes_up, 100);
    assert_int_equal(g->m[0].rows[0].bytes_down, 0);
    capture_free(c);
    classmap_free(cm);
    got_free(g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_frames_match_the_generator_totals),
        cmocka_unit_test(headers_only_snap_length_still_counts_full_ip_lengths),
        cmocka_unit_test(
            snap_length_cutting_addresses_makes_those_frames_malformed),
        cmocka_unit_test(many_classes_and_minutes_match),
        cmocka_unit_test(late_packets_are_counted_in_the_open_minute),
        cmocka_unit_test(linux_cooked_capture_counts_devices_by_ip),
        cmocka_unit_test(open_errors_are_reported_as_errno_values),
        cmocka_unit_test(a_filter_limits_what_is_counted),
    };

    log_init("test_capture", 0, 0);
    return cmocka_run_group_tests_name("capture", tests, mk_tmp, rm_tmp);
}
