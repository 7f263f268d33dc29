/* test_snmp: the agent's SNMP pieces that need no device: profile files
 * (the shipped ones and bad ones), sysObjectID matching, MAC parsing,
 * counter wrap and reboot rules, area matching, config lines, the pushed
 * area map, and the SNMP batch records' encode/decode round trip. Devices
 * are tested in tests/integration/snmp_*.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "buf.h"
#include "snmp.h"
#include "snmp_poll.h"
#include "snmp_profile.h"
#include "wire_snmp.h"

static const char *
profile_dir(void)
{
    const char *d = getenv("CLASSBAND_SNMP_PROFILES");
    return d ? d : "agent/profiles";
}

static void
every_shipped_profile_parses_and_has_a_sysobjectid_match(void **state)
{
    struct snmp_profiles ps;
    char err[256] = "";
    static const char *want[] = {"huawei-ac", "aruba-controller",
                                 "aruba-instant", "cisco-wlc", "ruckus-sz",
                                 "unifi-ap", "mikrotik"};

    int rc = snmp_profiles_load(&ps, profile_dir(), err, sizeof(err));
    if (rc != 0)
        fail_msg("load %s: %s", profile_dir(), err);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct snmp_profile *p = snmp_profiles_find(&ps, want[i]);
        if (p == NULL)
            fail_msg("profile %s missing", want[i]);
        assert_true(p->nmatch >= 1);
    }
    snmp_profiles_free(&ps);
}

static void
recording_sysobjectids_select_their_profiles(void **state)
{
    struct snmp_profiles ps;
    char err[256];
    static const struct {
        const char *oid, *profile;
    } cases[] = {
        {"1.3.6.1.4.1.2011.2.240.6", "huawei-ac"},
        {"1.3.6.1.4.1.14823.1.1.9999", "aruba-controller"},
        {"1.3.6.1.4.1.9.6.1.37.240.1", "cisco-wlc"},
        {"1.3.6.1.4.1.14823.1.2.59", "aruba-instant"},
        {"1.3.6.1.4.1.25053.3.1.11.1", "ruckus-sz"},
        {"1.3.6.1.4.1.8072.3.2.10", "unifi-ap"},
        {"1.3.6.1.4.1.14988.1", "mikrotik"},
        {"1.3.6.1.4.1.9.1.1208", NULL}, /* a Catalyst switch */
    };

    assert_int_equal(snmp_profiles_load(&ps, profile_dir(), err, sizeof(err)),
                     0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t o[SNMP_OID_MAX];
        size_t n;
        assert_int_equal(snmp_oid_parse(cases[i].oid, o, SNMP_OID_MAX, &n),
                         0);
        const struct snmp_profile *p = snmp_profiles_match(&ps, o, n);
        if (cases[i].profile == NULL)
            assert_null(p);
        else if (p == NULL || strcmp(p->name, cases[i].profile) != 0)
            fail_msg("%s -> %s, want %s", cases[i].oid, p ? p->name : "none",
                     cases[i].profile);
    }
    snmp_profiles_free(&ps);
}

static void
longest_prefix_comes_first_among_candidates(void **state)
{
    struct snmp_profiles ps = {0};
    struct snmp_profile v[2];
    char err[128];
    const struct snmp_profile *c[4];
    uint32_t o[8];
    size_t n;

    assert_int_equal(snmp_profile_parse("a", "profile short\nmatch 1.3.6\n",
                                        &v[0], err, sizeof(err)), 0);
    assert_int_equal(snmp_profile_parse("b", "profile long\nmatch 1.3.6.1.4\n"
                                             "require 1.3.6.1.4.1.99\n",
                                        &v[1], err, sizeof(err)), 0);
    ps.v = v;
    ps.n = 2;
    snmp_oid_parse("1.3.6.1.4.1", o, 8, &n);
    assert_int_equal(snmp_profiles_candidates(&ps, o, n, c, 4), 2);
    assert_string_equal(c[0]->name, "long");
    assert_string_equal(c[1]->name, "short");
    assert_int_equal(v[1].requirelen, 7);
}

static void
a_bad_profile_line_is_reported_with_its_line_number(void **state)
{
    struct snmp_profile p;
    char err[256];
    static const char *bad[] = {
        "profile x\nmatch 1.3.6\nap_name 1.3.x.6 key 6\n",
        "profile x\n\nap_status 1.3.6.1 key 6\n",      /* no up list */
        "profile x\nap_clients 1.3.6.1 key 99\n",
        "profile x\ntotal_aps 1.3.6.1\n",              /* get|sum missing */
        "match 1.3.6\n",                               /* no profile line */
        "profile x\nfrobnicate 1\n",
    };
    static const int line[] = {3, 3, 2, 2, 1, 2};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[32];
        assert_int_equal(snmp_profile_parse("f.profile", bad[i], &p, err,
                                            sizeof(err)), -EINVAL);
        snprintf(want, sizeof(want), "f.profile:%d:", line[i]);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("case %zu: \"%s\" does not start with %s", i, err, want);
    }
}

static void
status_values_map_to_up_down_or_unknown(void **state)
{
    struct snmp_profile p;
    char err[128];

    assert_int_equal(snmp_profile_parse("s", "profile s\nap_status 1.3.6.1 "
                                             "up 8 down 1,4\n", &p, err,
                                        sizeof(err)), 0);
    assert_int_equal(p.ncol, 1);
    assert_int_equal(snmp_col_status(&p.col[0], 8), SNMP_AP_UP);
    assert_int_equal(snmp_col_status(&p.col[0], 4), SNMP_AP_DOWN);
    assert_int_equal(snmp_col_status(&p.col[0], 7), SNMP_AP_UNKNOWN);
}

static void
macs_parse_from_raw_bytes_and_every_text_form(void **state)
{
    uint8_t m[6];
    static const uint8_t want[6] = {0x00, 0x1b, 0x0c, 0xfb, 0x28, 0x18};
    static const char *ok[] = {"0:1b:c:fb:28:18", "00:1B:0C:FB:28:18",
                               "00-1b-0c-fb-28-18", "001b.0cfb.2818",
                               "001B0CFB2818"};
    static const char *bad[] = {"0:1b:c:fb:28", "00:1b:0c:fb:28:18:99",
                                "00:1b:0c-fb:28:18", "zz:1b:0c:fb:28:18",
                                "001b.0cfb.28", ""};

    assert_int_equal(snmp_mac_parse(want, 6, m), 0);
    assert_memory_equal(m, want, 6);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        memset(m, 0xee, 6);
        if (snmp_mac_parse((const uint8_t *)ok[i], strlen(ok[i]), m) != 0)
            fail_msg("rejected %s", ok[i]);
        assert_memory_equal(m, want, 6);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (snmp_mac_parse((const uint8_t *)bad[i], strlen(bad[i]), m) == 0)
            fail_msg("accepted %s", bad[i]);
}

static void
counters_wrap_at_32_and_64_bits_and_resets_are_not_traffic(void **state)
{
    uint64_t d;

    assert_int_equal(snmp_counter_delta(100, 350, 64, 0, &d), 0);
    assert_int_equal(d, 250);
    /* 32-bit wrap: 0xffffff00 -> 0x100 is 0x200 bytes. */
    assert_int_equal(snmp_counter_delta(0xffffff00u, 0x100, 32, 0, &d), 0);
    assert_int_equal(d, 0x200);
    /* 64-bit wrap near the top. */
    assert_int_equal(snmp_counter_delta(UINT64_MAX - 9, 5, 64, 0, &d), 0);
    assert_int_equal(d, 15);
    /* A 64-bit counter going back from the middle: a reset. */
    assert_int_equal(snmp_counter_delta(1000000000000ull, 5, 64, 0, &d), -1);
    /* A 32-bit "wrap" that the link speed could not carry: a reset. */
    assert_int_equal(snmp_counter_delta(4000000000u, 10, 32, 1000000, &d),
                     -1);
    /* More than the link could carry, even without a wrap. */
    assert_int_equal(snmp_counter_delta(0, 2000000, 64, 1000000, &d), -1);
}

static void
a_device_reboot_is_told_from_an_uptime_wrap(void **state)
{
    /* Normal: 300 s later, uptime grew by 30000 ticks. */
    assert_int_equal(snmp_uptime_rebooted(100000, 130000, 300000), 0);
    /* Went back: rebooted. */
    assert_int_equal(snmp_uptime_rebooted(100000, 500, 300000), 1);
    /* Up less time than since the last poll: rebooted in between. */
    assert_int_equal(snmp_uptime_rebooted(100, 20000, 300000), 1);
    /* TimeTicks wrap after 497 days: not a reboot. */
    assert_int_equal(snmp_uptime_rebooted(UINT32_MAX - 10000, 20000, 300000),
                     0);
}

static void
areas_match_aps_by_name_glob_or_mac(void **state)
{
    static const uint8_t mac[6] = {0x50, 0x6f, 0x77, 0xea, 0xdc, 0xa0};

    assert_true(snmp_area_match("TestAP-NAME", "TestAP-NAME", NULL));
    assert_false(snmp_area_match("TestAP", "TestAP-NAME", NULL));
    assert_true(snmp_area_match("ar6-*", "ar6-bib4le2n", NULL));
    assert_false(snmp_area_match("ar6-*", "ar1-ind5ib0c", NULL));
    assert_true(snmp_area_match("50:6F:77:EA:DC:A0", "x", mac));
    assert_true(snmp_area_match("50-6f-77-ea-dc-a0", "x", mac));
    assert_false(snmp_area_match("50:6f:77:ea:dc:a1", "x", mac));
    assert_false(snmp_area_match("50:6f:77:ea:dc:a0", "x", NULL));
}

static int
line(struct snmp_set *s, const char *text, char *err, size_t errlen)
{
    char buf[512], *argv[16], *save = NULL, *t;
    int argc = 0;

    snprintf(buf, sizeof(buf), "%s", text);
    for (t = strtok_r(buf, " ", &save); t && argc < 16;
         t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    err[0] = '\0';
    return snmp_conf_line(s, argc, argv, err, errlen);
}

static void
config_lines_accept_good_targets_and_explain_bad_ones(void **state)
{
    struct snmp_set *s = snmp_set_new();
    char err[256];
    static const struct {
        const char *line, *why; /* why: substring of the error, NULL = ok */
    } cases[] = {
        {"snmp_target ac v2c:public@10.0.0.2:161 timeout 1500 retries 2 "
         "interval 60 bulk off max_repetitions 10 profile huawei-ac", NULL},
        {"snmp_target v3 v3:ops:authPriv:SHA:authpass1:AES:privpass1@"
         "[::1]:1161", NULL},
        {"snmp_target v3n v3:ops:noAuthNoPriv@host", NULL},
        {"snmp_target ac v2c:x@h", "defined twice"},
        {"snmp_target b v4c:x@h", "unknown SNMP version"},
        {"snmp_target b v2c:x", "@HOST"},
        {"snmp_target b v2c:x@h:99999", "bad port"},
        {"snmp_target b v3:ops:authPriv:SHA:short:AES:privpass1@h",
         "at least 8"},
        {"snmp_target b v3:ops:authPriv:XXX:authpass1:AES:privpass1@h",
         "MD5, SHA or SHA256"},
        {"snmp_target b v2c:x@h colour blue", "unknown option"},
        {"snmp_target b v2c:x@h timeout 5", "bad value"},
        {"snmp_target b v2c:x@h timeout 5000 retries 3 interval 10",
         "exceeds the interval"},
        {"snmp_target b v3:ops:authPriv:SHA:env:CB_NO_SUCH_VAR:AES:"
         "privpass1@h", "CB_NO_SUCH_VAR"},
        {"area lib required ap1 ap2*", NULL},
        {"area lib optional ap3", "both required and optional"},
        {"area hall sometimes ap1", "required or optional"},
        {"snmp_parallel 0", "1..64"},
    };

    assert_non_null(s);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = line(s, cases[i].line, err, sizeof(err));
        if (cases[i].why == NULL && rc != 0)
            fail_msg("rejected \"%s\": %s", cases[i].line, err);
        if (cases[i].why != NULL &&
            (rc == 0 || strstr(err, cases[i].why) == NULL))
            fail_msg("\"%s\": rc %d, message \"%s\", want \"%s\"",
                     cases[i].line, rc, err, cases[i].why);
        /* Secrets never appear in messages. */
        assert_null(strstr(err, "authpass1"));
        assert_null(strstr(err, "privpass1"));
    }
    assert_int_equal(snmp_set_ntargets(s), 3);
    snmp_set_free(s);
}

static void
the_pushed_area_map_replaces_the_configured_one(void **state)
{
    struct snmp_set *s = snmp_set_new();
    char err[256];
    const char *csv = "area,required,ap\r\nlib,1,ap1\nlib,1,\"ap,2\"\n"
                      "hall,0,\nyard,1,ar6-*\n";

    assert_int_equal(snmp_set_areamap_csv(s, csv, strlen(csv), err,
                                          sizeof(err)), 0);
    assert_int_equal(snmp_set_areamap_csv(s, "lib,2,ap1\n", 10, err,
                                          sizeof(err)), -1);
    assert_non_null(strstr(err, "line 1"));
    snmp_set_free(s);
}

static void
snmp_records_survive_an_encode_decode_round_trip(void **state)
{
    struct buf b;
    struct wire_snmp_poll p = {.ts = 1790000000, .target = "ac",
                               .profile = "huawei-ac", .error = "",
                               .state = 1, .rebooted = 1,
                               .duration_ms = 123, .interval_s = 300,
                               .uptime = 4242, .aps = 690, .aps_up = 689,
                               .aps_down = 1, .aps_unknown = 0,
                               .total_aps = 1386,
                               .total_aps_up = WIRE_UNKNOWN, .clients = 2654,
                               .neighbours = 7, .neighbour_macs = 7,
                               .access_mbps = WIRE_UNKNOWN};
    struct wire_snmp_ap a = {.ts = 1790000000, .target = "ac",
                             .name = "教学楼-AP1", .location = "",
                             .has_mac = 1,
                             .mac = {0x50, 0x6f, 0x77, 0xea, 0xdc, 0xa0},
                             .status = 2, .status_src = 1, .clients = 0,
                             .speed_mbps = 867};
    struct wire_snmp_if f = {.ts = 1790000000, .target = "sw",
                             .name = "GE0/0/1", .alias = "uplink",
                             .ifindex = 7, .oper = 1,
                             .flags = WIRE_SNMP_IF_HC, .elapsed_s = 300,
                             .speed_mbps = 1000, .in_bytes = 1ull << 40,
                             .out_bytes = WIRE_UNKNOWN};
    struct wire_snmp_area r = {.ts = 1790000000, .interval_s = 300,
                               .area = "lib", .required = 1, .state = 4,
                               .aps = 0, .aps_up = 0, .aps_down = 0};
    struct wire_snmp_poll p2;
    struct wire_snmp_ap a2;
    struct wire_snmp_if f2;
    struct wire_snmp_area r2;
    struct wire_rd body;
    uint8_t type;
    size_t off = 0;

    buf_init(&b, 65536);
    assert_int_equal(wire_snmp_poll_put(&b, &p), 0);
    assert_int_equal(wire_snmp_ap_put(&b, &a), 0);
    assert_int_equal(wire_snmp_if_put(&b, &f), 0);
    assert_int_equal(wire_snmp_area_put(&b, &r), 0);

    assert_int_equal(wire_snmp_next(b.p, b.len, &off, &type, &body), 1);
    assert_int_equal(type, WIRE_REC_SNMP_POLL);
    assert_int_equal(wire_snmp_poll_decode(&body, &p2), 0);
    assert_memory_equal(&p, &p2, sizeof(p));
    assert_int_equal(wire_snmp_next(b.p, b.len, &off, &type, &body), 1);
    assert_int_equal(type, WIRE_REC_SNMP_AP);
    assert_int_equal(wire_snmp_ap_decode(&body, &a2), 0);
    assert_memory_equal(&a, &a2, sizeof(a));
    assert_int_equal(wire_snmp_next(b.p, b.len, &off, &type, &body), 1);
    assert_int_equal(type, WIRE_REC_SNMP_IF);
    assert_int_equal(wire_snmp_if_decode(&body, &f2), 0);
    assert_memory_equal(&f, &f2, sizeof(f));
    assert_int_equal(wire_snmp_next(b.p, b.len, &off, &type, &body), 1);
    assert_int_equal(type, WIRE_REC_SNMP_AREA);
    assert_int_equal(wire_snmp_area_decode(&body, &r2), 0);
    assert_memory_equal(&r, &r2, sizeof(r));
    assert_int_equal(wire_snmp_next(b.p, b.len, &off, &type, &body), 0);

    /* Truncated record list, truncated body, out-of-range state. */
    off = 0;
    assert_int_equal(wire_snmp_next(b.p, b.len - 1, &off, &type, &body), 1);
    off = 0;
    size_t first = 3 + (((size_t)b.p[1] << 8) | b.p[2]);
    assert_int_equal(wire_snmp_next(b.p, first - 1, &off, &type, &body),
                     -EPROTO);
    wire_rd_init(&body, b.p + 3, first - 4);
    assert_int_equal(wire_snmp_poll_decode(&body, &p2), -EPROTO);
    buf_reset(&b);
    r.state = 9;
    assert_int_equal(wire_snmp_area_put(&b, &r), 0);
    wire_rd_init(&body, b.p + 3, b.len - 3);
    assert_int_equal(wire_snmp_area_decode(&body, &r2), -EPROTO);
    buf_free(&b);
}

static void
an_oversized_record_list_fails_without_a_partial_record(void **state)
{
    struct buf b;
    struct wire_snmp_area r = {.ts = 1, .interval_s = 60, .area = "a",
                               .required = 1, .state = 1};
    int n = 0;

    buf_init(&b, 100);
    while (wire_snmp_area_put(&b, &r) == 0)
        n++;
    assert_true(n > 0);
    assert_int_equal(b.len % (size_t)(b.len / n), 0); /* whole records */
    buf_free(&b);
}

struct looprec {
    int polls, areas, area_state;
    struct snmp_set *s;
};

static void
loop_cb(void *arg, const uint8_t *rec, size_t len, uint32_t n)
{
    struct looprec *lr = arg;
    size_t off = 0;
    uint8_t type;
    struct wire_rd body;

    while (wire_snmp_next(rec, len, &off, &type, &body) == 1) {
        if (type == WIRE_REC_SNMP_POLL) {
            struct wire_snmp_poll p;
            assert_int_equal(wire_snmp_poll_decode(&body, &p), 0);
            assert_int_not_equal(p.state, 1);
            lr->polls++;
        } else if (type == WIRE_REC_SNMP_AREA) {
            struct wire_snmp_area a;
            assert_int_equal(wire_snmp_area_decode(&body, &a), 0);
            lr->area_state = a.state;
            lr->areas++;
        }
    }
    if (lr->areas > 0)
        snmp_stop(lr->s);
}

static void
a_pushed_area_map_is_evaluated_and_a_silent_target_is_unreachable(
    void **state)
{
    uv_loop_t loop;
    struct looprec lr = {0, 0, 0, NULL};
    char err[256];
    const char *csv = "lib,1,ap1\n";

    lr.s = snmp_set_new();
    assert_int_equal(line(lr.s, "snmp_target t v2c:x@127.0.0.1:9 interval 1 "
                                "timeout 100 retries 0", err, sizeof(err)),
                     0);
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(snmp_start(lr.s, &loop, loop_cb, &lr), 0);
    /* The map arrives after start, as a collector push would. */
    assert_int_equal(snmp_set_areamap_csv(lr.s, csv, strlen(csv), err,
                                          sizeof(err)), 0);
    uv_run(&loop, UV_RUN_DEFAULT); /* returns once snmp_stop closed all */
    assert_true(lr.polls >= 1);
    assert_int_equal(lr.areas, 1);
    assert_int_equal(lr.area_state, WIRE_AREA_UNREACHABLE);
    assert_int_equal(uv_loop_close(&loop), 0);
    snmp_set_free(lr.s);
}

static void
a_forced_profile_that_does_not_exist_stops_before_polling(void **state)
{
    struct snmp_set *s = snmp_set_new();
    char err[256], dirline[600];
    FILE *out = fopen("/dev/null", "w");

    snprintf(dirline, sizeof(dirline), "snmp_profile_dir %s", profile_dir());
    assert_int_equal(line(s, dirline, err, sizeof(err)), 0);
    assert_int_equal(line(s, "snmp_target x v2c:a@192.0.2.1 profile nope",
                          err, sizeof(err)), 0);
    assert_int_equal(snmp_once(s, NULL, out), 2);
    fclose(out);
    snmp_set_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_shipped_profile_parses_and_has_a_sysobjectid_match),
        cmocka_unit_test(recording_sysobjectids_select_their_profiles),
        cmocka_unit_test(longest_prefix_comes_first_among_candidates),
        cmocka_unit_test(a_bad_profile_line_is_reported_with_its_line_number),
        cmocka_unit_test(status_values_map_to_up_down_or_unknown),
        cmocka_unit_test(macs_parse_from_raw_bytes_and_every_text_form),
        cmocka_unit_test(counters_wrap_at_32_and_64_bits_and_resets_are_not_traffic),
        cmocka_unit_test(a_device_reboot_is_told_from_an_uptime_wrap),
        cmocka_unit_test(areas_match_aps_by_name_glob_or_mac),
        cmocka_unit_test(config_lines_accept_good_targets_and_explain_bad_ones),
        cmocka_unit_test(the_pushed_area_map_replaces_the_configured_one),
        cmocka_unit_test(snmp_records_survive_an_encode_decode_round_trip),
        cmocka_unit_test(an_oversized_record_list_fails_without_a_partial_record),
        cmocka_unit_test(a_pushed_area_map_is_evaluated_and_a_silent_target_is_unreachable),
        cmocka_unit_test(a_forced_profile_that_does_not_exist_stops_before_polling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
