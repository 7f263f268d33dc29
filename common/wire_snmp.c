/* wire_snmp: encoders and decoders of the SNMP batch records (see
 * wire_snmp.h). Encoding writes into a stack body first so the record
 * length is known before anything reaches the caller's buffer. */
#include <errno.h>
#include <string.h>

#include "wire_snmp.h"

#define BODY_MAX 2048 /* every SNMP record body fits: strings <= 255 */

struct body {
    uint8_t p[BODY_MAX];
    size_t n;
    int err;
};

static void
put(struct body *b, const void *v, size_t n)
{
    if (b->err || b->n + n > sizeof(b->p)) {
        b->err = -EMSGSIZE;
        return;
    }
    memcpy(b->p + b->n, v, n);
    b->n += n;
}

static void
put_u8(struct body *b, uint8_t v)
{
    put(b, &v, 1);
}

static void
put_u16(struct body *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 2);
}

static void
put_u32(struct body *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}

static void
put_u64(struct body *b, uint64_t v)
{
    put_u32(b, (uint32_t)(v >> 32));
    put_u32(b, (uint32_t)v);
}

static void
put_str(struct body *b, const char *s)
{
    size_t n = strnlen(s, WIRE_MAX_STR + 1);

    if (n > WIRE_MAX_STR)
        n = WIRE_MAX_STR; /* names are capped; never a bad record */
    put_u16(b, (uint16_t)n);
    put(b, s, n);
}

static int
finish(struct buf *out, uint8_t type, struct body *b)
{
    uint8_t hdr[3] = {type, (uint8_t)(b->n >> 8), (uint8_t)b->n};

    if (b->err) {
        if (!out->err)
            out->err = b->err;
        return b->err;
    }
    if (out->err)
        return out->err;
    if (buf_append(out, hdr, 3) != 0 || buf_append(out, b->p, b->n) != 0)
        return out->err ? out->err : -EMSGSIZE;
    return 0;
}

int
wire_snmp_poll_put(struct buf *out, const struct wire_snmp_poll *r)
{
    struct body b = {.n = 0, .err = 0};

    put_u64(&b, (uint64_t)r->ts);
    put_str(&b, r->target);
    put_str(&b, r->profile);
    put_str(&b, r->error);
    put_u8(&b, r->state);
    put_u8(&b, r->rebooted);
    put_u32(&b, r->duration_ms);
    put_u32(&b, r->interval_s);
    put_u32(&b, r->uptime);
    put_u32(&b, r->aps);
    put_u32(&b, r->aps_up);
    put_u32(&b, r->aps_down);
    put_u32(&b, r->aps_unknown);
    put_u64(&b, r->total_aps);
    put_u64(&b, r->total_aps_up);
    put_u64(&b, r->clients);
    put_u64(&b, r->neighbours);
    put_u64(&b, r->neighbour_macs);
    put_u64(&b, r->access_mbps);
    return finish(out, WIRE_REC_SNMP_POLL, &b);
}

int
wire_snmp_ap_put(struct buf *out, const struct wire_snmp_ap *r)
{
    struct body b = {.n = 0, .err = 0};

    put_u64(&b, (uint64_t)r->ts);
    put_str(&b, r->target);
    put_str(&b, r->name);
    put_str(&b, r->location);
    put_u8(&b, r->has_mac);
    put(&b, r->mac, 6);
    put_u8(&b, r->status);
    put_u8(&b, r->status_src);
    put_u64(&b, r->clients);
    put_u64(&b, r->speed_mbps);
    return finish(out, WIRE_REC_SNMP_AP, &b);
}

int
wire_snmp_if_put(struct buf *out, const struct wire_snmp_if *r)
{
    struct body b = {.n = 0, .err = 0};

    put_u64(&b, (uint64_t)r->ts);
    put_str(&b, r->target);
    put_str(&b, r->name);
    put_str(&b, r->alias);
    put_u32(&b, r->ifindex);
    put_u8(&b, r->oper);
    put_u8(&b, r->flags);
    put_u32(&b, r->elapsed_s);
    put_u64(&b, r->speed_mbps);
    put_u64(&b, r->in_bytes);
    put_u64(&b, r->out_bytes);
    return finish(out, WIRE_REC_SNMP_IF, &b);
}

int
wire_snmp_area_put(struct buf *out, const struct wire_snmp_area *r)
{
    struct body b = {.n = 0, .err = 0};

    put_u64(&b, (uint64_t)r->ts);
    put_u32(&b, r->interval_s);
    put_str(&b, r->area);
    put_u8(&b, r->required);
    put_u8(&b, r->state);
    put_u16(&b, r->aps);
    put_u16(&b, r->aps_up);
    put_u16(&b, r->aps_down);
    return finish(out, WIRE_REC_SNMP_AREA, &b);
}

int
wire_snmp_poll_decode(struct wire_rd *d, struct wire_snmp_poll *r)
{
    memset(r, 0, sizeof(*r));
    r->ts = (int64_t)wire_get_u64(d);
    wire_get_str(d, r->target, sizeof(r->target));
    wire_get_str(d, r->profile, sizeof(r->profile));
    wire_get_str(d, r->error, sizeof(r->error));
    r->state = wire_get_u8(d);
    r->rebooted = wire_get_u8(d);
    r->duration_ms = wire_get_u32(d);
    r->interval_s = wire_get_u32(d);
    r->uptime = wire_get_u32(d);
    r->aps = wire_get_u32(d);
    r->aps_up = wire_get_u32(d);
    r->aps_down = wire_get_u32(d);
    r->aps_unknown = wire_get_u32(d);
    r->total_aps = wire_get_u64(d);
    r->total_aps_up = wire_get_u64(d);
    r->clients = wire_get_u64(d);
    r->neighbours = wire_get_u64(d);
    r->neighbour_macs = wire_get_u64(d);
    r->access_mbps = wire_get_u64(d);
    if (wire_rd_done(d) != 0 || r->state < 1 || r->state > 5)
        return -EPROTO;
    return 0;
}

int
wire_snmp_ap_decode(struct wire_rd *d, struct wire_snmp_ap *r)
{
    memset(r, 0, sizeof(*r));
    r->ts = (int64_t)wire_get_u64(d);
    wire_get_str(d, r->target, sizeof(r->target));
    wire_get_str(d, r->name, sizeof(r->name));
    wire_get_str(d, r->location, sizeof(r->location));
    r->has_mac = wire_get_u8(d);
    for (int i = 0; i < 6; i++)
        r->mac[i] = wire_get_u8(d);
    r->status = wire_get_u8(d);
    r->status_src = wire_get_u8(d);
    r->clients = wire_get_u64(d);
    r->speed_mbps = wire_get_u64(d);
    if (wire_rd_done(d) != 0 || r->status > 2 || r->status_src > 3 ||
        r->has_mac > 1)
        return -EPROTO;
    return 0;
}

int
wire_snmp_if_decode(struct wire_rd *d, struct wire_snmp_if *r)
{
    memset(r, 0, sizeof(*r));
    r->ts = (int64_t)wire_get_u64(d);
    wire_get_str(d, r->target, sizeof(r->target));
    wire_get_str(d, r->name, sizeof(r->name));
    wire_get_str(d, r->alias, sizeof(r->alias));
    r->ifindex = wire_get_u32(d);
    r->oper = wire_get_u8(d);
    r->flags = wire_get_u8(d);
    r->elapsed_s = wire_get_u32(d);
    r->speed_mbps = wire_get_u64(d);
    r->in_bytes = wire_get_u64(d);
    r->out_bytes = wire_get_u64(d);
    if (wire_rd_done(d) != 0)
        return -EPROTO;
    return 0;
}

int
wire_snmp_area_decode(struct wire_rd *d, struct wire_snmp_area *r)
{
    memset(r, 0, sizeof(*r));
    r->ts = (int64_t)wire_get_u64(d);
    r->interval_s = wire_get_u32(d);
    wire_get_str(d, r->area, sizeof(r->area));
    r->required = wire_get_u8(d);
    r->state = wire_get_u8(d);
    r->aps = wire_get_u16(d);
    r->aps_up = wire_get_u16(d);
    r->aps_down = wire_get_u16(d);
    if (wire_rd_done(d) != 0 || r->state < 1 || r->state > 5 ||
        r->required > 1 || r->area[0] == '\0')
        return -EPROTO;
    return 0;
}

int
wire_snmp_next(const uint8_t *rec, size_t len, size_t *off, uint8_t *rtype,
               struct wire_rd *body)
{
    size_t o = *off, n;

    if (o == len)
        return 0;
    if (len - o < 3)
        return -EPROTO;
    n = ((size_t)rec[o + 1] << 8) | rec[o + 2];
    if (len - o - 3 < n)
        return -EPROTO;
    *rtype = rec[o];
    wire_rd_init(body, rec + o + 3, n);
    *off = o + 3 + n;
    return 1;
}
