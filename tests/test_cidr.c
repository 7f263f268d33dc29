/* Tests for common/cidr: strict parsing, formatting round trips and
 * containment at prefix boundaries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

static void
ipv4_prefix_parses_and_formats_back(void **state)
{
    struct cidr c;
    char buf[CIDR_STRLEN];

    assert_int_equal(cidr_parse("10.20.0.0/16", &c, NULL), 0);
    assert_int_equal(c.af, AF_INET);
    assert_int_equal(c.len, 16);
    assert_int_equal(c.addr[0], 10);
    assert_int_equal(c.addr[1], 20);
    assert_int_equal(cidr_format(&c, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "10.20.0.0/16");
}

static void
ipv6_prefix_parses_and_formats_in_canonical_form(void **state)
{
    struct cidr c;
    char buf[CIDR_STRLEN];

    assert_int_equal(cidr_parse("2001:0db8:0:0::/32", &c, NULL), 0);
    assert_int_equal(c.af, AF_INET6);
    assert_int_equal(c.len, 32);
    assert_int_equal(cidr_format(&c, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "2001:db8::/32");
}

static void
bare_address_is_a_host_prefix(void **state)
{
    struct cidr c;

    assert_int_equal(cidr_parse("192.168.1.7", &c, NULL), 0);
    assert_int_equal(c.len, 32);
    assert_int_equal(cidr_parse("fe80::1", &c, NULL), 0);
    assert_int_equal(c.len, 128);
}

static void
zero_length_prefix_matches_everything_of_its_family(void **state)
{
    struct cidr c;
    uint8_t a4[4] = {203, 0, 113, 9};
    uint8_t a6[16] = {0x20, 0x01};

    assert_int_equal(cidr_parse("0.0.0.0/0", &c, NULL), 0);
    assert_true(cidr_contains(&c, AF_INET, a4));
    assert_false(cidr_contains(&c, AF_INET6, a6));
}

static void
bad_input_is_rejected_with_a_reason(void **state)
{
    static const char *bad[] = {
        "", "/24", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1",
        "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8 ", " 10.0.0.0/8",
        "10.0.0/24", "10.0.0.256/32", "010.0.0.0/8", "10.1.2.3/16",
        "2001:db8::/129", "2001:db8::1/64", "2001:db8:::/48", "gggg::/16",
        "10.0.0.0/8/8", "10.0.0.0/1000", "hello", "::ffff:1.2.3.4.5/128",
    };
    struct cidr c, before;
    const char *why;
    size_t i;

    memset(&before, 0x5a, sizeof(before));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = before;
        why = NULL;
        if (cidr_parse(bad[i], &c, &why) != -EINVAL)
            fail_msg("accepted bad prefix \"%s\"", bad[i]);
        assert_non_null(why);
        assert_memory_equal(&c, &before, sizeof(c)); /* untouched */
    }
    assert_int_equal(cidr_parse(NULL, &c, NULL), -EINVAL);
}

static void
host_bits_past_the_length_are_named_in_the_reason(void **state)
{
    struct cidr c;
    const char *why = NULL;

    assert_int_equal(cidr_parse("192.168.1.1/24", &c, &why), -EINVAL);
    assert_non_null(strstr(why, "host bits"));
}

static void
contains_respects_the_prefix_boundary(void **state)
{
    struct cidr c;
    uint8_t in[4], out[4];
    uint8_t in6[16], out6[16];

    assert_int_equal(cidr_parse("172.16.0.0/12", &c, NULL), 0);
    inet_pton(AF_INET, "172.31.255.255", in);
    inet_pton(AF_INET, "172.32.0.0", out);
    assert_true(cidr_contains(&c, AF_INET, in));
    assert_false(cidr_contains(&c, AF_INET, out));
    assert_false(cidr_contains(&c, AF_INET6, in));

    assert_int_equal(cidr_parse("fe80::/10", &c, NULL), 0);
    inet_pton(AF_INET6, "febf:ffff::1", in6);
    inet_pton(AF_INET6, "fec0::1", out6);
    assert_true(cidr_contains(&c, AF_INET6, in6));
    assert_false(cidr_contains(&c, AF_INET6, out6));
}

static void
format_refuses_a_short_buffer(void **state)
{
    struct cidr c;
    char buf[8];

    assert_int_equal(cidr_parse("10.20.30.0/24", &c, NULL), 0);
    assert_int_equal(cidr_format(&c, buf, sizeof(buf)), -ENOSPC);
}

static void
mask_clears_bits_past_the_length(void **state)
{
    uint8_t a[4] = {10, 255, 255, 255};

    cidr_mask(AF_INET, a, 9);
    assert_int_equal(a[0], 10);
    assert_int_equal(a[1], 128);
    assert_int_equal(a[2], 0);
    assert_int_equal(a[3], 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv4_prefix_parses_and_formats_back),
        cmocka_unit_test(ipv6_prefix_parses_and_formats_in_canonical_form),
        cmocka_unit_test(bare_address_is_a_host_prefix),
        cmocka_unit_test(zero_length_prefix_matches_everything_of_its_family),
        cmocka_unit_test(bad_input_is_rejected_with_a_reason),
        cmocka_unit_test(host_bits_past_the_length_are_named_in_the_reason),
        cmocka_unit_test(contains_respects_the_prefix_boundary),
        cmocka_unit_test(format_refuses_a_short_buffer),
        cmocka_unit_test(mask_clears_bits_past_the_length),
    };
    return cmocka_run_group_tests_name("cidr", tests, NULL, NULL);
}
