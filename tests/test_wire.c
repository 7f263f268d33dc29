/* wire: every message round-trips, and every kind of bad frame is refused
 * without reading past the bytes given. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static struct buf
mkbuf(void)
{
    struct buf b;

    buf_init(&b, WIRE_HDR_LEN + WIRE_MAX_PAYLOAD);
    return b;
}

static void
hello_round_trips(void **state)
{
    struct wire_hello h = {0}, g;
    struct wire_msg m;
    struct buf b = mkbuf();
    const char *why = NULL;

    (void)state;
    strcpy(h.agent_id, "gw-1");
    strcpy(h.school, "340102001");
    strcpy(h.version, "classband-agent 0.1.0");
    strcpy(h.boot_id, "abc");
    h.stream = 0x0123456789abcdefULL;
    assert_int_equal(wire_hello_encode(&b, &h), 0);
    assert_int_equal(wire_decode(b.p, b.len, WIRE_MAX_PAYLOAD, &m, &why),
                     (ssize_t)b.len);
    assert_int_equal(m.type, WIRE_HELLO);
    assert_int_equal(wire_hello_decode(m.payload, m.len, &g, &why), 0);
    assert_string_equal(g.agent_id, "gw-1");
    assert_string_equal(g.school, "340102001");
    assert_string_equal(g.boot_id, "abc");
    assert_true(g.stream == h.stream);
    buf_free(&b);
}

static void
batch_with_class_and_capture_rows_round_trips(void **state)
{
    struct wire_class_min c = {0}, c2;
    struct wire_capture_min k = {0}, k2;
    struct wire_batch_it it;
    struct wire_rd body;
    struct wire_msg m;
    struct buf b = mkbuf();
    const char *why;
    uint8_t t;

    (void)state;
    memset(&c2, 0, sizeof(c2));
    memset(&k2, 0, sizeof(k2));
    c.minute = 1700000040;
    strcpy(c.class_id, "一年级(2)班");
    c.bytes_up = 1ULL << 40;
    c.bytes_down = 12345;
    c.pkts_up = 7;
    c.pkts_down = 9;
    c.peak_up_bps = 8000;
    c.peak_down_bps = 16000;
    c.devices = 31;
    k.minute = 1700000040;
    strcpy(k.source, "eth1");
    k.pcap_recv = WIRE_UNKNOWN;
    k.pkts_seen = 99;
    wire_batch_begin(&b, 42, 7);
    wire_batch_add_class_min(&b, &c);
    wire_batch_add_capture_min(&b, &k);
    assert_int_equal(wire_batch_end(&b), 0);
    assert_true(wire_decode(b.p, b.len, WIRE_MAX_PAYLOAD, &m, &why) > 0);
    assert_int_equal(wire_batch_open(m.payload, m.len, &it), 0);
    assert_true(it.stream == 42 && it.seq == 7 && it.nrec == 2);
    assert_int_equal(wire_batch_next(&it, &t, &body), 1);
    assert_int_equal(t, WIRE_REC_CLASS_MIN);
    assert_int_equal(wire_class_min_decode(&body, &c2), 0);
    assert_memory_equal(&c, &c2, sizeof(c));
    assert_int_equal(wire_batch_next(&it, &t, &body), 1);
    assert_int_equal(t, WIRE_REC_CAPTURE_MIN);
    assert_int_equal(wire_capture_min_decode(&body, &k2), 0);
    assert_memory_equal(&k, &k2, sizeof(k));
    assert_int_equal(wire_batch_next(&it, &t, &body), 0);
    buf_free(&b);
}

static void
ack_error_and_config_round_trip(void **state)
{
    struct wire_ack a = {5, 6}, a2;
    struct wire_config c = {0}, c2;
    struct wire_msg m;
    struct buf b = mkbuf();
    const char *why;
    char text[64];
    uint16_t code;

    (void)state;
    assert_int_equal(wire_ack_encode(&b, &a), 0);
    assert_true(wire_decode(b.p, b.len, 1024, &m, &why) > 0);
    assert_int_equal(wire_ack_decode(m.payload, m.len, &a2), 0);
    assert_true(a2.stream == 5 && a2.seq == 6);
    assert_int_equal(wire_error_encode(&b, 3, "nope"), 0);
    assert_true(wire_decode(b.p, b.len, 1024, &m, &why) > 0);
    assert_int_equal(wire_error_decode(m.payload, m.len, &code, text,
                                       sizeof(text)), 0);
    assert_int_equal(code, 3);
    assert_string_equal(text, "nope");
    c.version = 9;
    c.nsections = 1;
    c.sec[0].kind = WIRE_CFG_CLASSMAP;
    c.sec[0].text = "a,10.0.0.0/24\n";
    c.sec[0].len = 14;
    assert_int_equal(wire_config_encode(&b, &c), 0);
    assert_true(wire_decode(b.p, b.len, 1024, &m, &why) > 0);
    assert_int_equal(wire_config_decode(m.payload, m.len, &c2), 0);
    assert_true(c2.version == 9 && c2.nsections == 1);
    assert_memory_equal(c2.sec[0].text, "a,10.0.0.0/24\n", 14);
    buf_free(&b);
}

static void
oversized_frame_is_refused_from_the_header_alone(void **state)
{
    uint8_t h[WIRE_HDR_LEN] = {0, 0x10, 0, 0, WIRE_VERSION, WIRE_BATCH, 0, 0};
    struct wire_msg m;
    const char *why = NULL;

    (void)state;
    /* 1 MiB + nothing else: only the 8 header bytes are available */
    assert_int_equal(wire_decode(h, sizeof(h), 65536, &m, &why), -EPROTO);
    assert_non_null(why);
}

static void
unknown_version_type_or_flags_are_refused(void **state)
{
    uint8_t h[WIRE_HDR_LEN] = {0, 0, 0, 0, 2, WIRE_ACK, 0, 0};
    struct wire_msg m;
    const char *why;

    (void)state;
    assert_int_equal(wire_decode(h, sizeof(h), 1024, &m, &why), -EPROTO);
    h[4] = WIRE_VERSION;
    h[5] = 99;
    assert_int_equal(wire_decode(h, sizeof(h), 1024, &m, &why), -EPROTO);
    h[5] = WIRE_ACK;
    h[7] = 1;
    assert_int_equal(wire_decode(h, sizeof(h), 1024, &m, &why), -EPROTO);
}

static void
truncated_frames_wait_for_more_input(void **state)
{
    struct wire_ack a = {1, 1};
    struct wire_msg m;
    struct buf b = mkbuf();
    const char *why;
    size_t n;

    (void)state;
    wire_ack_encode(&b, &a);
    for (n = 0; n < b.len; n++)
        assert_int_equal(wire_decode(b.p, n, 1024, &m, &why), 0);
    buf_free(&b);
}

static void
every_truncation_of_a_batch_payload_is_malformed(void **state)
{
    struct wire_class_min c = {0}, c2;
    struct wire_batch_it it;
    struct wire_rd body;
    struct buf b = mkbuf();
    size_t n, plen;
    uint8_t t;
    int rc;

    (void)state;
    c.minute = 600;
    strcpy(c.class_id, "c1");
    wire_batch_begin(&b, 1, 1);
    wire_batch_add_class_min(&b, &c);
    wire_batch_end(&b);
    plen = b.len - WIRE_HDR_LEN;
    for (n = 0; n < plen; n++) {
        /* a heap copy of exactly n bytes lets ASan catch any overread */
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, b.p + WIRE_HDR_LEN, n);
        rc = wire_batch_open(p, n, &it);
        if (rc == 0) {
            rc = wire_batch_next(&it, &t, &body);
            if (rc == 1)
                rc = wire_class_min_decode(&body, &c2);
            if (rc == 0)
                rc = wire_batch_next(&it, &t, &body);
        }
        assert_true(rc < 0);
        free(p);
    }
    buf_free(&b);
}

static void
class_name_with_nul_or_overlong_is_malformed(void **state)
{
    uint8_t body[300];
    struct wire_rd r;
    struct wire_class_min c;

    (void)state;
    memset(body, 'a', sizeof(body));
    memset(body, 0, 8);
    body[8] = 0;
    body[9] = 2;
    body[10] = 'x';
    body[11] = '\0';
    wire_rd_init(&r, body, 12 + 6 * 8 + 4);
    assert_int_equal(wire_class_min_decode(&r, &c), -EPROTO);
    body[8] = 1; /* 256+ bytes: over WIRE_MAX_STR */
    body[9] = 0;
    wire_rd_init(&r, body, sizeof(body));
    assert_int_equal(wire_class_min_decode(&r, &c), -EPROTO);
}

static void
record_count_mismatch_is_malformed(void **state)
{
    struct wire_class_min c = {0};
    struct wire_batch_it it;
    struct wire_rd body;
    struct buf b = mkbuf();
    uint8_t t;

    (void)state;
    c.minute = 60;
    strcpy(c.class_id, "c");
    wire_batch_begin(&b, 1, 1);
    wire_batch_add_class_min(&b, &c);
    wire_batch_end(&b);
    b.p[WIRE_HDR_LEN + 19] = 2; /* claims two records, holds one */
    assert_int_equal(wire_batch_open(b.p + WIRE_HDR_LEN,
                                     b.len - WIRE_HDR_LEN, &it), 0);
    assert_int_equal(wire_batch_next(&it, &t, &body), 1);
    assert_int_equal(wire_batch_next(&it, &t, &body), -EPROTO);
    b.p[WIRE_HDR_LEN + 19] = 0; /* claims none, holds one */
    assert_int_equal(wire_batch_open(b.p + WIRE_HDR_LEN,
                                     b.len - WIRE_HDR_LEN, &it), 0);
    assert_int_equal(wire_batch_next(&it, &t, &body), -EPROTO);
    buf_free(&b);
}

static void
builder_refuses_to_grow_past_its_cap(void **state)
{
    struct wire_class_min c = {0};
    struct buf b;
    int i;

    (void)state;
    buf_init(&b, 200);
    c.minute = 60;
    strcpy(c.class_id, "c");
    wire_batch_begin(&b, 1, 1);
    for (i = 0; i < 10; i++)
        wire_batch_add_class_min(&b, &c);
    assert_int_equal(wire_batch_end(&b), -EMSGSIZE);
    buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_round_trips),
        cmocka_unit_test(batch_with_class_and_capture_rows_round_trips),
        cmocka_unit_test(ack_error_and_config_round_trip),
        cmocka_unit_test(oversized_frame_is_refused_from_the_header_alone),
        cmocka_unit_test(unknown_version_type_or_flags_are_refused),
        cmocka_unit_test(truncated_frames_wait_for_more_input),
        cmocka_unit_test(every_truncation_of_a_batch_payload_is_malformed),
        cmocka_unit_test(class_name_with_nul_or_overlong_is_malformed),
        cmocka_unit_test(record_count_mismatch_is_malformed),
        cmocka_unit_test(builder_refuses_to_grow_past_its_cap),
    };
    return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
