/* wire: see wire.h and docs/PROTOCOL.md. Every integer is big-endian.
 * Decoders only read through struct wire_rd, whose getters refuse to go
 * past the end, so a hostile length can never make us read out of bounds. */
#include <errno.h>
#include <string.h>

#include "wire.h"

static uint32_t
load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void
store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

ssize_t
wire_decode(const uint8_t *p, size_t n, size_t max, struct wire_msg *m,
            const char **why)
{
    uint32_t len;

    if (n < WIRE_HDR_LEN)
        return 0;
    if (max > WIRE_MAX_PAYLOAD)
        max = WIRE_MAX_PAYLOAD;
    len = load_be32(p);
    if (p[4] != WIRE_VERSION) {
        *why = "unsupported protocol version";
        return -EPROTO;
    }
    if (len > max) {
        *why = "frame larger than the maximum";
        return -EPROTO;
    }
    if (p[6] != 0 || p[7] != 0) {
        *why = "reserved flags set";
        return -EPROTO;
    }
    if (p[5] < WIRE_HELLO || p[5] > WIRE_ERROR) {
        *why = "unknown frame type";
        return -EPROTO;
    }
    if (n - WIRE_HDR_LEN < len)
        return 0;
    m->type = p[5];
    m->payload = p + WIRE_HDR_LEN;
    m->len = len;
    return (ssize_t)(WIRE_HDR_LEN + len);
}

void
wire_begin(struct buf *b, uint8_t type)
{
    uint8_t h[WIRE_HDR_LEN] = {0, 0, 0, 0, WIRE_VERSION, type, 0, 0};

    buf_reset(b);
    buf_append(b, h, sizeof(h));
}

int
wire_end(struct buf *b)
{
    size_t len;

    if (b->err)
        return b->err;
    if (b->len < WIRE_HDR_LEN)
        return -EINVAL;
    len = b->len - WIRE_HDR_LEN;
    if (len > WIRE_MAX_PAYLOAD)
        return -EMSGSIZE;
    store_be32(b->p, (uint32_t)len);
    return 0;
}

void
wire_put_u8(struct buf *b, uint8_t v)
{
    buf_append(b, &v, 1);
}

void
wire_put_u16(struct buf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    buf_append(b, p, 2);
}

void
wire_put_u32(struct buf *b, uint32_t v)
{
    uint8_t p[4];

    store_be32(p, v);
    buf_append(b, p, 4);
}

void
wire_put_u64(struct buf *b, uint64_t v)
{
    wire_put_u32(b, (uint32_t)(v >> 32));
    wire_put_u32(b, (uint32_t)v);
}

void
wire_put_str(struct buf *b, const char *s)
{
    size_t n = strlen(s);

    if (n > WIRE_MAX_TEXT) {
        if (b->err == 0)
            b->err = -EMSGSIZE;
        return;
    }
    wire_put_u16(b, (uint16_t)n);
    buf_append(b, s, n);
}

void
wire_put_id(struct buf *b, const char *s)
{
    size_t n = strnlen(s, WIRE_MAX_STR + 1);

    if (n > WIRE_MAX_STR)
        n = WIRE_MAX_STR;
    wire_put_u16(b, (uint16_t)n);
    buf_append(b, s, n);
}

int
wire_rec_append(struct buf *out, uint8_t type, const struct buf *body)
{
    uint8_t hdr[3] = {type, (uint8_t)(body->len >> 8), (uint8_t)body->len};

    if (body->err || body->len > UINT16_MAX) {
        if (!out->err)
            out->err = body->err ? body->err : -EMSGSIZE;
        return out->err;
    }
    if (out->err)
        return out->err;
    if (buf_append(out, hdr, 3) != 0 || buf_append(out, body->p, body->len))
        return out->err ? out->err : -EMSGSIZE;
    return 0;
}

void
wire_rd_init(struct wire_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->bad = 0;
}

static const uint8_t *
rd_take(struct wire_rd *r, size_t n)
{
    const uint8_t *p;

    if (r->bad || r->len - r->off < n) {
        r->bad = 1;
        return NULL;
    }
    p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t
wire_get_u8(struct wire_rd *r)
{
    const uint8_t *p = rd_take(r, 1);

    return p ? p[0] : 0;
}

uint16_t
wire_get_u16(struct wire_rd *r)
{
    const uint8_t *p = rd_take(r, 2);

    return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t
wire_get_u32(struct wire_rd *r)
{
    const uint8_t *p = rd_take(r, 4);

    return p ? load_be32(p) : 0;
}

uint64_t
wire_get_u64(struct wire_rd *r)
{
    uint64_t hi = wire_get_u32(r);

    return hi << 32 | wire_get_u32(r);
}

void
wire_get_str(struct wire_rd *r, char *out, size_t cap)
{
    uint16_t n = wire_get_u16(r);
    const uint8_t *p;

    out[0] = '\0';
    if (r->bad)
        return;
    if ((size_t)n >= cap) {
        r->bad = 1;
        return;
    }
    p = rd_take(r, n);
    if (p == NULL)
        return;
    if (memchr(p, '\0', n) != NULL) {
        r->bad = 1;
        return;
    }
    memcpy(out, p, n);
    out[n] = '\0';
}

int
wire_rd_done(const struct wire_rd *r)
{
    return (r->bad || r->off != r->len) ? -EPROTO : 0;
}

int
wire_hello_encode(struct buf *b, const struct wire_hello *h)
{
    wire_begin(b, WIRE_HELLO);
    wire_put_str(b, h->agent_id);
    wire_put_str(b, h->school);
    wire_put_str(b, h->version);
    wire_put_str(b, h->boot_id);
    wire_put_u64(b, h->stream);
    return wire_end(b);
}

int
wire_hello_decode(const uint8_t *p, size_t n, struct wire_hello *h,
                  const char **why)
{
    struct wire_rd r;

    wire_rd_init(&r, p, n);
    wire_get_str(&r, h->agent_id, sizeof(h->agent_id));
    wire_get_str(&r, h->school, sizeof(h->school));
    wire_get_str(&r, h->version, sizeof(h->version));
    wire_get_str(&r, h->boot_id, sizeof(h->boot_id));
    h->stream = wire_get_u64(&r);
    if (wire_rd_done(&r) != 0) {
        *why = "malformed HELLO";
        return -EPROTO;
    }
    if (h->agent_id[0] == '\0' || h->school[0] == '\0') {
        *why = "HELLO without agent id or school";
        return -EPROTO;
    }
    if (h->stream == 0) {
        *why = "HELLO with stream 0";
        return -EPROTO;
    }
    return 0;
}

int
wire_ack_encode(struct buf *b, const struct wire_ack *a)
{
    wire_begin(b, WIRE_ACK);
    wire_put_u64(b, a->stream);
    wire_put_u64(b, a->seq);
    return wire_end(b);
}

int
wire_ack_decode(const uint8_t *p, size_t n, struct wire_ack *a)
{
    struct wire_rd r;

    wire_rd_init(&r, p, n);
    a->stream = wire_get_u64(&r);
    a->seq = wire_get_u64(&r);
    return wire_rd_done(&r);
}

int
wire_error_encode(struct buf *b, uint16_t code, const char *text)
{
    wire_begin(b, WIRE_ERROR);
    wire_put_u16(b, code);
    wire_put_str(b, text);
    return wire_end(b);
}

int
wire_error_decode(const uint8_t *p, size_t n, uint16_t *code, char *text,
                  size_t cap)
{
    struct wire_rd r;

    wire_rd_init(&r, p, n);
    *code = wire_get_u16(&r);
    wire_get_str(&r, text, cap);
    return wire_rd_done(&r);
}

int
wire_config_encode(struct buf *b, const struct wire_config *c)
{
    unsigned i;

    if (c->nsections > WIRE_CFG_MAX_SECTIONS)
        return -EINVAL;
    wire_begin(b, WIRE_CONFIG);
    wire_put_u64(b, c->version);
    wire_put_u8(b, (uint8_t)c->nsections);
    for (i = 0; i < c->nsections; i++) {
        wire_put_u8(b, c->sec[i].kind);
        wire_put_u32(b, c->sec[i].len);
        buf_append(b, c->sec[i].text, c->sec[i].len);
    }
    return wire_end(b);
}

int
wire_config_decode(const uint8_t *p, size_t n, struct wire_config *c)
{
    struct wire_rd r;
    unsigned i;
    uint32_t len;
    const uint8_t *t;

    wire_rd_init(&r, p, n);
    c->version = wire_get_u64(&r);
    c->nsections = wire_get_u8(&r);
    if (r.bad || c->nsections > WIRE_CFG_MAX_SECTIONS)
        return -EPROTO;
    for (i = 0; i < c->nsections; i++) {
        c->sec[i].kind = wire_get_u8(&r);
        len = wire_get_u32(&r);
        t = rd_take(&r, len);
        if (t == NULL)
            return -EPROTO;
        c->sec[i].text = (const char *)t;
        c->sec[i].len = len;
    }
    return wire_rd_done(&r);
}

/* Batch header: u64 stream | u64 seq | u32 nrec. nrec is patched in by
 * wire_batch_end, counted from the records actually appended. */
#define BATCH_NREC_OFF (WIRE_HDR_LEN + 16)

void
wire_batch_begin(struct buf *b, uint64_t stream, uint64_t seq)
{
    wire_begin(b, WIRE_BATCH);
    wire_put_u64(b, stream);
    wire_put_u64(b, seq);
    wire_put_u32(b, 0);
}

static void
batch_count(struct buf *b)
{
    if (b->err || b->len < BATCH_NREC_OFF + 4)
        return;
    store_be32(b->p + BATCH_NREC_OFF, load_be32(b->p + BATCH_NREC_OFF) + 1);
}

/* Records are built in place: type, a length placeholder, the body, then
 * the length is patched once the body size is known. */
static size_t
rec_begin(struct buf *b, uint8_t rtype)
{
    wire_put_u8(b, rtype);
    wire_put_u16(b, 0);
    return b->len;
}

static void
rec_end(struct buf *b, size_t body_off)
{
    size_t n;

    if (b->err)
        return;
    n = b->len - body_off;
    if (n > UINT16_MAX) {
        b->err = -EMSGSIZE;
        return;
    }
    b->p[body_off - 2] = (uint8_t)(n >> 8);
    b->p[body_off - 1] = (uint8_t)n;
    batch_count(b);
}

void
wire_batch_add_class_min(struct buf *b, const struct wire_class_min *r)
{
    size_t off = rec_begin(b, WIRE_REC_CLASS_MIN);

    wire_put_u64(b, (uint64_t)r->minute);
    wire_put_str(b, r->class_id);
    wire_put_u64(b, r->bytes_up);
    wire_put_u64(b, r->bytes_down);
    wire_put_u64(b, r->pkts_up);
    wire_put_u64(b, r->pkts_down);
    wire_put_u64(b, r->peak_up_bps);
    wire_put_u64(b, r->peak_down_bps);
    wire_put_u32(b, r->devices);
    rec_end(b, off);
}

void
wire_batch_add_capture_min(struct buf *b, const struct wire_capture_min *r)
{
    size_t off = rec_begin(b, WIRE_REC_CAPTURE_MIN);

    wire_put_u64(b, (uint64_t)r->minute);
    wire_put_str(b, r->source);
    wire_put_u64(b, r->pkts_seen);
    wire_put_u64(b, r->pcap_recv);
    wire_put_u64(b, r->pcap_drop);
    wire_put_u64(b, r->pcap_ifdrop);
    wire_put_u64(b, r->if_pkts);
    wire_put_u64(b, r->if_bytes);
    wire_put_u64(b, r->egress_bytes);
    wire_put_u64(b, r->unclassified_pkts);
    wire_put_u64(b, r->unclassified_bytes);
    rec_end(b, off);
}

void
wire_batch_add_agent_status(struct buf *b, const struct wire_agent_status *r)
{
    size_t off = rec_begin(b, WIRE_REC_AGENT_STATUS);

    wire_put_u64(b, (uint64_t)r->minute);
    wire_put_u64(b, r->backlog_batches);
    wire_put_u64(b, r->dropped_batches);
    wire_put_u64(b, r->dropped_rows);
    wire_put_u64(b, r->uptime_s);
    rec_end(b, off);
}

void
wire_batch_add_raw(struct buf *b, uint8_t rtype, const uint8_t *body,
                   uint16_t len)
{
    size_t off = rec_begin(b, rtype);

    buf_append(b, body, len);
    rec_end(b, off);
}

int
wire_batch_end(struct buf *b)
{
    return wire_end(b);
}

int
wire_batch_open(const uint8_t *p, size_t n, struct wire_batch_it *it)
{
    wire_rd_init(&it->rd, p, n);
    it->stream = wire_get_u64(&it->rd);
    it->seq = wire_get_u64(&it->rd);
    it->nrec = wire_get_u32(&it->rd);
    it->left = it->nrec;
    if (it->rd.bad || it->stream == 0 || it->seq == 0)
        return -EPROTO;
    return 0;
}

int
wire_batch_next(struct wire_batch_it *it, uint8_t *rtype,
                struct wire_rd *body)
{
    uint16_t len;
    const uint8_t *p;

    if (it->left == 0)
        return wire_rd_done(&it->rd) == 0 ? 0 : -EPROTO;
    *rtype = wire_get_u8(&it->rd);
    len = wire_get_u16(&it->rd);
    p = rd_take(&it->rd, len);
    if (p == NULL)
        return -EPROTO;
    wire_rd_init(body, p, len);
    it->left--;
    return 1;
}

int
wire_class_min_decode(struct wire_rd *body, struct wire_class_min *r)
{
    r->minute = (int64_t)wire_get_u64(body);
    wire_get_str(body, r->class_id, sizeof(r->class_id));
    r->bytes_up = wire_get_u64(body);
    r->bytes_down = wire_get_u64(body);
    r->pkts_up = wire_get_u64(body);
    r->pkts_down = wire_get_u64(body);
    r->peak_up_bps = wire_get_u64(body);
    r->peak_down_bps = wire_get_u64(body);
    r->devices = wire_get_u32(body);
    if (wire_rd_done(body) != 0 || r->class_id[0] == '\0' ||
        r->minute % 60 != 0)
        return -EPROTO;
    return 0;
}

int
wire_capture_min_decode(struct wire_rd *body, struct wire_capture_min *r)
{
    r->minute = (int64_t)wire_get_u64(body);
    wire_get_str(body, r->source, sizeof(r->source));
    r->pkts_seen = wire_get_u64(body);
    r->pcap_recv = wire_get_u64(body);
    r->pcap_drop = wire_get_u64(body);
    r->pcap_ifdrop = wire_get_u64(body);
    r->if_pkts = wire_get_u64(body);
    r->if_bytes = wire_get_u64(body);
    r->egress_bytes = wire_get_u64(body);
    r->unclassified_pkts = wire_get_u64(body);
    r->unclassified_bytes = wire_get_u64(body);
    if (wire_rd_done(body) != 0 || r->minute % 60 != 0)
        return -EPROTO;
    return 0;
}

int
wire_agent_status_decode(struct wire_rd *body, struct wire_agent_status *r)
{
    r->minute = (int64_t)wire_get_u64(body);
    r->backlog_batches = wire_get_u64(body);
    r->dropped_batches = wire_get_u64(body);
    r->dropped_rows = wire_get_u64(body);
    r->uptime_s = wire_get_u64(body);
    if (wire_rd_done(body) != 0 || r->minute % 60 != 0)
        return -EPROTO;
    return 0;
}
