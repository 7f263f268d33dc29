/* Tests for agent/pkt: hand-built frames for every framing the agent reads
 * (Ethernet untagged, 802.1Q, QinQ, PPPoE, Linux cooked v1/v2, raw IP), IPv4
 * and IPv6, truncated and malformed headers, broadcast/multicast, and the
 * direction/class decision (up, down, internal, foreign, unclassified, VLAN
 * over prefix). Truncation at every length and random bytes must never read
 * out of bounds (run under SANITIZE=1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "classmap.h"
#include "pkt.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static const uint8_t MAC_HOST[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t MAC_GW[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MAC_MCAST[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};

struct frame {
    uint8_t b[2048];
    uint32_t len;
};

static void
put(struct frame *f, const void *p, size_t n)
{
    memcpy(f->b + f->len, p, n);
    f->len += (uint32_t)n;
}

static void
put16(struct frame *f, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    put(f, b, 2);
}

static void
eth(struct frame *f, const uint8_t *dmac, const uint8_t *smac)
{
    f->len = 0;
    put(f, dmac, 6);
    put(f, smac, 6);
}

static void
tag(struct frame *f, uint16_t tpid, uint16_t vid)
{
    put16(f, tpid);
    put16(f, vid);
}

/* IPv4 header claiming totlen bytes; payload written only up to caplen. */
static void
ip4(struct frame *f, const char *src, const char *dst, uint16_t totlen)
{
    uint8_t h[20] = {0x45, 0};

    h[2] = (uint8_t)(totlen >> 8);
    h[3] = (uint8_t)totlen;
    h[8] = 64;
    h[9] = 6;
    assert_int_equal(inet_pton(AF_INET, src, h + 12), 1);
    assert_int_equal(inet_pton(AF_INET, dst, h + 16), 1);
    put(f, h, 20);
}

static void
ip6(struct frame *f, const char *src, const char *dst, uint16_t plen)
{
    uint8_t h[40] = {0x60, 0};

    h[4] = (uint8_t)(plen >> 8);
    h[5] = (uint8_t)plen;
    h[6] = 17;
    h[7] = 64;
    assert_int_equal(inet_pton(AF_INET6, src, h + 8), 1);
    assert_int_equal(inet_pton(AF_INET6, dst, h + 24), 1);
    put(f, h, 40);
}

static void
pad(struct frame *f, size_t n)
{
    memset(f->b + f->len, 0xab, n);
    f->len += (uint32_t)n;
}

static struct classmap *
school(void)
{
    struct classmap *cm = classmap_new();

    assert_non_null(cm);
    assert_int_equal(classmap_add_prefix(cm, "10.1.1.0/24", "c1"), 0);
    assert_int_equal(classmap_add_prefix(cm, "10.1.2.0/24", "c2"), 0);
    assert_int_equal(classmap_add_prefix(cm, "2001:db8:1:1::/64", "c1"), 0);
    assert_int_equal(classmap_add_vlan(cm, 120, "lab"), 0);
    assert_int_equal(classmap_add_vlan(cm, 320, "qinq"), 0);
    return cm;
}

static void
untagged_ipv4_upload_counts_the_total_length_for_the_source_class(void **s)
{
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "93.184.216.34", 1000);
    pad(&f, 980);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pi.iplen, 1000);
    assert_false(pi.flags & PKT_F_VLAN);
    assert_true(pi.flags & PKT_F_MACS);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_UP);
    assert_string_equal(classmap_class_name(cm, v.cls), "c1");
    assert_int_equal(v.devlen, 6);
    assert_memory_equal(v.dev, MAC_HOST, 6);
    classmap_free(cm);
}

static void
dot1q_download_takes_the_vlan_class_over_the_prefix_class(void **s)
{
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;

    eth(&f, MAC_HOST, MAC_GW);
    tag(&f, 0x8100, 0x2000 | 120); /* PCP bits must be masked off */
    put16(&f, 0x0800);
    ip4(&f, "93.184.216.34", "10.1.2.9", 576);
    pad(&f, 556);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_true(pi.flags & PKT_F_VLAN);
    assert_int_equal(pi.vlan, 120);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_DOWN);
    assert_string_equal(classmap_class_name(cm, v.cls), "lab");
    assert_memory_equal(v.dev, MAC_HOST, 6);
    classmap_free(cm);
}

static void
qinq_uses_the_inner_customer_tag(void **s)
{
    static const uint16_t outer[] = {0x88a8, 0x9100, 0x8100};
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;
    size_t i;

    for (i = 0; i < 3; i++) {
        eth(&f, MAC_GW, MAC_HOST);
        tag(&f, outer[i], 3000);
        tag(&f, 0x8100, 320);
        put16(&f, 0x0800);
        ip4(&f, "10.1.1.5", "8.8.8.8", 60);
        pad(&f, 40);
        assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
        assert_int_equal(pi.vlan, 320);
        assert_int_equal(pkt_classify(cm, &pi, &v), PKT_UP);
        assert_string_equal(classmap_class_name(cm, v.cls), "qinq");
    }
    /* an unmapped VLAN falls back to the prefix class */
    eth(&f, MAC_GW, MAC_HOST);
    tag(&f, 0x8100, 77);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "8.8.8.8", 60);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_UP);
    assert_string_equal(classmap_class_name(cm, v.cls), "c1");
    classmap_free(cm);
}

static void
more_than_four_tags_is_malformed(void **s)
{
    struct frame f;
    struct pkt_info pi;
    int i;

    eth(&f, MAC_GW, MAC_HOST);
    for (i = 0; i < 5; i++)
        tag(&f, 0x8100, (uint16_t)(10 + i));
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "8.8.8.8", 20);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_MALFORMED);
}

static void
ipv6_length_is_payload_plus_forty(void **s)
{
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x86dd);
    ip6(&f, "2001:db8:1:1::5", "2a00:1450::1", 960);
    pad(&f, 100);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP6);
    assert_int_equal(pi.iplen, 1000);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_UP);
    assert_string_equal(classmap_class_name(cm, v.cls), "c1");
    classmap_free(cm);
}

static void
snap_length_cut_after_the_header_still_counts_the_header_length(void **s)
{
    struct frame f;
    struct pkt_info pi;

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "8.8.8.8", 1500);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pi.iplen, 1500);
}

static void
frames_too_short_for_the_addresses_are_malformed(void **s)
{
    struct frame f;
    struct pkt_info pi;

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "8.8.8.8", 1500);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, 14 + 19, &pi), PKT_MALFORMED);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, 13, &pi), PKT_MALFORMED);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, 0, &pi), PKT_MALFORMED);

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x86dd);
    ip6(&f, "2001:db8:1:1::5", "2a00:1450::1", 0);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len - 1, &pi),
                     PKT_MALFORMED);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP6);
    assert_int_equal(pi.iplen, 40);

    eth(&f, MAC_GW, MAC_HOST);
    tag(&f, 0x8100, 5);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, 16, &pi), PKT_MALFORMED);
}

static void
bad_ipv4_version_ihl_or_total_length_is_malformed(void **s)
{
    struct frame f;
    struct pkt_info pi;

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "8.8.8.8", 100);
    pad(&f, 80);
    f.b[14] = 0x55; /* version 5 */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_MALFORMED);
    f.b[14] = 0x44; /* IHL 4 */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_MALFORMED);
    f.b[14] = 0x46; /* IHL 6 but total length 19 */
    f.b[16] = 0;
    f.b[17] = 23;
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_MALFORMED);
    f.b[17] = 24; /* options present and within total length: fine */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pi.iplen, 24);
    f.b[14] = 0x60; /* IPv6 version under the IPv4 ethertype */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_MALFORMED);
}

static void
broadcast_and_multicast_are_never_egress(void **s)
{
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;

    eth(&f, MAC_BCAST, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "8.8.8.8", 60); /* L2 broadcast, IP unicast */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_GROUP);

    eth(&f, MAC_MCAST, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "8.8.8.8", 60);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_GROUP);

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "224.0.0.251", 60); /* IP multicast, L2 unicast */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_GROUP);

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "255.255.255.255", 60);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_GROUP);

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x86dd);
    ip6(&f, "2001:db8:1:1::5", "ff0e::1", 8);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP6);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_GROUP);
    classmap_free(cm);
}

static void
local_to_local_is_internal_and_remote_to_remote_is_foreign(void **s)
{
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "10.1.2.5", 60);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_INTERNAL);

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "10.1.1.5", "192.168.3.3", 60); /* default local, no class */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_INTERNAL);

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x0800);
    ip4(&f, "203.0.113.1", "198.51.100.1", 60);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_FOREIGN);

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x86dd);
    ip6(&f, "fe80::1", "fd00::2", 8);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP6);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_INTERNAL);
    classmap_free(cm);
}

static void
a_local_address_without_a_class_is_unclassified_egress(void **s)
{
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;

    eth(&f, MAC_HOST, MAC_GW);
    put16(&f, 0x0800);
    ip4(&f, "100.64.1.1", "172.20.0.9", 60); /* CGNAT is not local */
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_DOWN);
    assert_int_equal(v.cls, CLASSMAP_LOCAL);
    classmap_free(cm);
}

static void
non_ip_frames_are_other(void **s)
{
    struct frame f;
    struct pkt_info pi;

    eth(&f, MAC_BCAST, MAC_HOST);
    put16(&f, 0x0806); /* ARP */
    pad(&f, 28);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_OTHER);
    eth(&f, MAC_MCAST, MAC_HOST);
    put16(&f, 46); /* 802.3 length field (LLC, STP) */
    pad(&f, 46);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_OTHER);
    assert_int_equal(pkt_parse(147 /* DLT_USER0 */, f.b, f.len, &pi),
                     PKT_OTHER);
    assert_false(pkt_dlt_supported(147));
}

static void
pppoe_session_frames_carry_ip(void **s)
{
    struct frame f;
    struct pkt_info pi;
    uint8_t pppoe[6] = {0x11, 0x00, 0x12, 0x34, 0x05, 0xde};

    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x8864);
    put(&f, pppoe, 6);
    put16(&f, 0x0021);
    ip4(&f, "10.1.1.5", "8.8.8.8", 1492);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pi.iplen, 1492);
    eth(&f, MAC_GW, MAC_HOST);
    put16(&f, 0x8864);
    put(&f, pppoe, 6);
    put16(&f, 0xc021); /* LCP */
    pad(&f, 20);
    assert_int_equal(pkt_parse(DLT_EN10MB, f.b, f.len, &pi), PKT_OTHER);
}

static void
linux_cooked_captures_use_the_local_ip_as_device(void **s)
{
    struct classmap *cm = school();
    struct frame f;
    struct pkt_info pi;
    struct pkt_verdict v;
    uint8_t a[4];

    f.len = 0; /* SLL v1: pkttype 4 (outgoing), hatype 1, halen 6 */
    put16(&f, 4);
    put16(&f, 1);
    put16(&f, 6);
    put(&f, MAC_HOST, 6);
    put16(&f, 0);
    put16(&f, 0x0800);
    ip4(&f, "10.1.2.3", "8.8.4.4", 300);
    assert_int_equal(pkt_parse(DLT_LINUX_SLL, f.b, f.len, &pi), PKT_IP4);
    assert_false(pi.flags & PKT_F_MACS);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_UP);
    assert_int_equal(v.devlen, 4);
    inet_pton(AF_INET, "10.1.2.3", a);
    assert_memory_equal(v.dev, a, 4);
    f.b[1] = 1; /* broadcast */
    assert_int_equal(pkt_parse(DLT_LINUX_SLL, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_GROUP);
    assert_int_equal(pkt_parse(DLT_LINUX_SLL, f.b, 15, &pi), PKT_MALFORMED);

    f.len = 0; /* SLL v2 */
    put16(&f, 0x86dd);
    put16(&f, 0);
    put16(&f, 0);
    put16(&f, 3); /* ifindex */
    put16(&f, 1);
    f.b[f.len++] = 0; /* pkttype host */
    f.b[f.len++] = 6;
    put(&f, MAC_HOST, 6);
    put16(&f, 0);
    ip6(&f, "2a00:1450::1", "2001:db8:1:1::7", 100);
    assert_int_equal(pkt_parse(DLT_LINUX_SLL2, f.b, f.len, &pi), PKT_IP6);
    assert_int_equal(pi.iplen, 140);
    assert_int_equal(pkt_classify(cm, &pi, &v), PKT_DOWN);
    assert_int_equal(v.devlen, 16);
    assert_int_equal(pkt_parse(DLT_LINUX_SLL2, f.b, 19, &pi), PKT_MALFORMED);
    classmap_free(cm);
}

static void
raw_ip_link_types_parse_both_families(void **s)
{
    struct frame f;
    struct pkt_info pi;

    f.len = 0;
    ip4(&f, "10.1.1.5", "8.8.8.8", 40);
    assert_int_equal(pkt_parse(DLT_RAW, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_parse(DLT_IPV4, f.b, f.len, &pi), PKT_IP4);
    assert_int_equal(pkt_parse(DLT_IPV6, f.b, f.len, &pi), PKT_MALFORMED);
    f.len = 0;
    ip6(&f, "2001:db8:1:1::5", "2a00:1450::1", 0);
    assert_int_equal(pkt_parse(DLT_RAW, f.b, f.len, &pi), PKT_IP6);
    assert_int_equal(pkt_parse(DLT_IPV6, f.b, f.len, &pi), PKT_IP6);
    f.b[0] = 0x20;
    assert_int_equal(pkt_parse(DLT_RAW, f.b, f.len, &pi), PKT_MALFORMED);
    assert_int_equal(pkt_parse(DLT_RAW, f.b, 0, &pi), PKT_MALFORMED);
}

/* Every prefix of valid frames, then random bytes: the parser must stay in
 * bounds (ASan checks it: each copy is exactly caplen bytes on the heap)
 * and never report addresses beyond caplen. */
static void
truncation_at_every_length_and_random_bytes_stay_in_bounds(void **s)
{
    static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
                               DLT_RAW};
    struct frame f;
    struct pkt_info pi;
    uint32_t n;
    int i, d, r;

    eth(&f, MAC_GW, MAC_HOST);
    tag(&f, 0x88a8, 1);
    tag(&f, 0x8100, 2);
    put16(&f, 0x86dd);
    ip6(&f, "2001:db8:1:1::5", "2a00:1450::1", 0);
    for (n = 0; n <= f.len; n++) {
        uint8_t *copy = malloc(n ? n : 1);

        memcpy(copy, f.b, n);
        r = pkt_parse(DLT_EN10MB, copy, n, &pi);
        assert_int_equal(r, n == f.len ? PKT_IP6 : PKT_MALFORMED);
        free(copy);
    }
    srand(7);
    for (i = 0; i < 20000; i++) {
        uint32_t len = (uint32_t)(rand() % 96);
        uint8_t *copy = malloc(len ? len : 1);

        for (n = 0; n < len; n++)
            copy[n] = (uint8_t)rand();
        if (len > 13 && rand() % 2) { /* steer towards IP parsing */
            copy[12] = rand() % 2 ? 0x08 : 0x86;
            copy[13] = copy[12] == 0x08 ? 0x00 : 0xdd;
        }
        for (d = 0; d < 4; d++) {
            r = pkt_parse(dlts[d], copy, len, &pi);
            if (r == PKT_IP4 || r == PKT_IP6) {
                unsigned al = r == PKT_IP4 ? 4 : 16;

                assert_true(pi.src >= copy && pi.dst + al <= copy + len);
            }
        }
        free(copy);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            untagged_ipv4_upload_counts_the_total_length_for_the_source_class),
        cmocka_unit_test(
            dot1q_download_takes_the_vlan_class_over_the_prefix_class),
        cmocka_unit_test(qinq_uses_the_inner_customer_tag),
        cmocka_unit_test(more_than_four_tags_is_malformed),
        cmocka_unit_test(ipv6_length_is_payload_plus_forty),
        cmocka_unit_test(
            snap_length_cut_after_the_header_still_counts_the_header_length),
        cmocka_unit_test(frames_too_short_for_the_addresses_are_malformed),
        cmocka_unit_test(bad_ipv4_version_ihl_or_total_length_is_malformed),
        cmocka_unit_test(broadcast_and_multicast_are_never_egress),
        cmocka_unit_test(
            local_to_local_is_internal_and_remote_to_remote_is_foreign),
        cmocka_unit_test(a_local_address_without_a_class_is_unclassified_egress),
        cmocka_unit_test(non_ip_frames_are_other),
        cmocka_unit_test(pppoe_session_frames_carry_ip),
        cmocka_unit_test(linux_cooked_captures_use_the_local_ip_as_device),
        cmocka_unit_test(raw_ip_link_types_parse_both_families),
        cmocka_unit_test(
            truncation_at_every_length_and_random_bytes_stay_in_bounds),
    };
    return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}
