/* fuzz_wire: libFuzzer harness for the agent <-> collector protocol
 * (common/wire.c, common/wire_snmp.c) and for what the agent does with a
 * pushed CONFIG (class map and area map text). The input is a byte stream
 * as it arrives on a socket: frames are decoded one after another exactly
 * as the collector's and the agent's read loops do (wire_decode, then the
 * payload decoder of the frame's type, then, for a BATCH, every record).
 *
 * Besides "no crash, no leak, no UB", decoded messages are re-encoded and
 * must give back the bytes they came from: the encodings are canonical
 * (strings are length-prefixed and refuse NUL bytes), so a difference means
 * a decoder accepted something it misread. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classmap.h"
#include "snmp.h"
#include "wire.h"
#include "wire_snmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void
same_bytes(const struct buf *b, size_t skip, const uint8_t *p, size_t n,
           const char *what)
{
    if (b->err != 0) {
        fprintf(stderr, "fuzz_wire: re-encoding %s failed: %d\n", what,
                b->err);
        abort();
    }
    if (b->len - skip != n || memcmp(b->p + skip, p, n) != 0) {
        fprintf(stderr, "fuzz_wire: %s decoded then encoded differs from "
                "its input (%zu vs %zu bytes)\n", what, b->len - skip, n);
        abort();
    }
}

/* One BATCH record: decode by type, re-encode, compare. */
static void
batch_record(uint8_t rtype, struct wire_rd *body)
{
    const uint8_t *p = body->p;
    size_t n = body->len;
    struct buf b;
    union {
        struct wire_class_min cm;
        struct wire_capture_min cap;
        struct wire_agent_status st;
        struct wire_snmp_poll poll;
        struct wire_snmp_ap ap;
        struct wire_snmp_if ifr;
        struct wire_snmp_area area;
    } u;
    int rc = -1;

    /* Encode inside a batch, as the agent does: wire_batch_add_* count
     * the record in the batch header. */
    buf_init(&b, 1u << 17);
    wire_batch_begin(&b, 1, 1);
    switch (rtype) {
    case WIRE_REC_CLASS_MIN:
        if ((rc = wire_class_min_decode(body, &u.cm)) == 0)
            wire_batch_add_class_min(&b, &u.cm);
        break;
    case WIRE_REC_CAPTURE_MIN:
        if ((rc = wire_capture_min_decode(body, &u.cap)) == 0)
            wire_batch_add_capture_min(&b, &u.cap);
        break;
    case WIRE_REC_AGENT_STATUS:
        if ((rc = wire_agent_status_decode(body, &u.st)) == 0)
            wire_batch_add_agent_status(&b, &u.st);
        break;
    case WIRE_REC_SNMP_POLL:
        if ((rc = wire_snmp_poll_decode(body, &u.poll)) == 0)
            wire_snmp_poll_put(&b, &u.poll);
        break;
    case WIRE_REC_SNMP_AP:
        if ((rc = wire_snmp_ap_decode(body, &u.ap)) == 0)
            wire_snmp_ap_put(&b, &u.ap);
        break;
    case WIRE_REC_SNMP_IF:
        if ((rc = wire_snmp_if_decode(body, &u.ifr)) == 0)
            wire_snmp_if_put(&b, &u.ifr);
        break;
    case WIRE_REC_SNMP_AREA:
        if ((rc = wire_snmp_area_decode(body, &u.area)) == 0)
            wire_snmp_area_put(&b, &u.area);
        break;
    default:
        break;
    }
    if (rc == 0)
        same_bytes(&b, WIRE_HDR_LEN + 20 + 3, p, n, "batch record");
    buf_free(&b);
}

static void
batch(const uint8_t *p, size_t n)
{
    struct wire_batch_it it;
    struct wire_rd body;
    uint8_t rtype;
    size_t off = 0;
    int more;

    if (wire_batch_open(p, n, &it) != 0)
        return;
    while ((more = wire_batch_next(&it, &rtype, &body)) == 1)
        batch_record(rtype, &body);
    /* The agent's SNMP path hands concatenated records around without the
     * batch header: walk the same bytes that way too. */
    if (n > 20) {
        while (wire_snmp_next(p + 20, n - 20, &off, &rtype, &body) == 1)
            batch_record(rtype, &body);
    }
}

/* What the agent does with a CONFIG push (agent/main.c). */
static void
config(const uint8_t *p, size_t n)
{
    struct wire_config c;
    struct classmap *cm;
    struct snmp_set *ss;
    char err[256];
    unsigned i;

    if (wire_config_decode(p, n, &c) != 0)
        return;
    for (i = 0; i < c.nsections; i++) {
        if (c.sec[i].kind == WIRE_CFG_CLASSMAP) {
            if ((cm = classmap_new()) == NULL)
                abort();
            classmap_load_text(cm, "fuzz", c.sec[i].text, c.sec[i].len,
                               devnull);
            classmap_print(cm, devnull);
            classmap_free(cm);
        } else if (c.sec[i].kind == WIRE_CFG_AREAMAP) {
            if ((ss = snmp_set_new()) == NULL)
                abort();
            snmp_set_areamap_csv(ss, c.sec[i].text, c.sec[i].len, err,
                                 sizeof(err));
            snmp_set_free(ss);
        }
    }
}

static void
frame(const struct wire_msg *m, const uint8_t *whole, size_t wlen)
{
    struct wire_hello h;
    struct wire_ack a;
    struct buf b;
    char text[WIRE_MAX_TEXT + 1];
    const char *why = NULL;
    uint16_t code;

    buf_init(&b, WIRE_MAX_PAYLOAD + WIRE_HDR_LEN);
    switch (m->type) {
    case WIRE_HELLO:
        if (wire_hello_decode(m->payload, m->len, &h, &why) == 0) {
            wire_hello_encode(&b, &h);
            same_bytes(&b, 0, whole, wlen, "HELLO");
        } else if (why == NULL) {
            fprintf(stderr, "fuzz_wire: HELLO refused without a reason\n");
            abort();
        }
        break;
    case WIRE_ACK:
        if (wire_ack_decode(m->payload, m->len, &a) == 0) {
            wire_ack_encode(&b, &a);
            same_bytes(&b, 0, whole, wlen, "ACK");
        }
        break;
    case WIRE_ERROR:
        if (wire_error_decode(m->payload, m->len, &code, text,
                              sizeof(text)) == 0) {
            wire_error_encode(&b, code, text);
            same_bytes(&b, 0, whole, wlen, "ERROR");
        }
        /* the agent's buffer for the reason is smaller */
        wire_error_decode(m->payload, m->len, &code, text, 64);
        break;
    case WIRE_CONFIG:
        config(m->payload, m->len);
        break;
    case WIRE_BATCH:
        batch(m->payload, m->len);
        break;
    default:
        fprintf(stderr, "fuzz_wire: wire_decode let type %u through\n",
                m->type);
        abort();
    }
    buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wire_msg m;
    const char *why;
    size_t off = 0, max;
    ssize_t n;

    if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
        abort();
    if (size < 1)
        return 0;
    /* First byte picks the frame size limit a peer configured. */
    max = (size_t)data[0] << 12;
    data++;
    size--;
    while (off < size) {
        why = NULL;
        n = wire_decode(data + off, size - off, max, &m, &why);
        if (n == 0)
            break;
        if (n < 0) {
            if (n != -EPROTO || why == NULL)
                abort();
            break;
        }
        if ((size_t)n > size - off || m.len != (size_t)n - WIRE_HDR_LEN ||
            m.payload != data + off + WIRE_HDR_LEN)
            abort();
        frame(&m, data + off, (size_t)n);
        off += (size_t)n;
    }
    return 0;
}
