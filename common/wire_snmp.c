/* wire_snmp: encoders and decoders of the SNMP batch records (see
 * wire_snmp.h). Encoding writes into a stack body first so the record
 * length is known before anything reaches the caller's buffer
 * (wire_rec_append). */
#include <errno.h>
#include <string.h>

#include "wire_snmp.h"

#define BODY_MAX 2048 /* every SNMP record body fits: strings <= 255 */

int
wire_snmp_poll_put(struct buf *out, const struct wire_snmp_poll *r)
{
    uint8_t mem[BODY_MAX];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    wire_put_u64(&b, (uint64_t)r->ts);
    wire_put_id(&b, r->target);
    wire_put_id(&b, r->profile);
    wire_put_id(&b, r->error);
    wire_put_u8(&b, r->state);
    wire_put_u8(&b, r->rebooted);
    wire_put_u32(&b, r->duration_ms);
    wire_put_u32(&b, r->interval_s);
    wire_put_u32(&b, r->uptime);
    wire_put_u32(&b, r->aps);
    wire_put_u32(&b, r->aps_up);
    wire_put_u32(&b, r->aps_down);
    wire_put_u32(&b, r->aps_unknown);
    wire_put_u64(&b, r->total_aps);
    wire_put_u64(&b, r->total_aps_up);
    wire_put_u64(&b, r->clients);
    wire_put_u64(&b, r->neighbours);
    wire_put_u64(&b, r->neighbour_macs);
    wire_put_u64(&b, r->access_mbps);
    return wire_rec_append(out, WIRE_REC_SNMP_POLL, &b);
}

int
wire_snmp_ap_put(struct buf *out, const struct wire_snmp_ap *r)
{
    uint8_t mem[BODY_MAX];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    wire_put_u64(&b, (uint64_t)r->ts);
    wire_put_id(&b, r->target);
    wire_put_id(&b, r->name);
    wire_put_id(&b, r->location);
    wire_put_u8(&b, r->has_mac);
    buf_append(&b, r->mac, 6);
    wire_put_u8(&b, r->status);
    wire_put_u8(&b, r->status_src);
    wire_put_u64(&b, r->clients);
    wire_put_u64(&b, r->speed_mbps);
    return wire_rec_append(out, WIRE_REC_SNMP_AP, &b);
}

int
wire_snmp_if_put(struct buf *out, const struct wire_snmp_if *r)
{
    uint8_t mem[BODY_MAX];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    wire_put_u64(&b, (uint64_t)r->ts);
    wire_put_id(&b, r->target);
    wire_put_id(&b, r->name);
    wire_put_id(&b, r->alias);
    wire_put_u32(&b, r->ifindex);
    wire_put_u8(&b, r->oper);
    wire_put_u8(&b, r->flags);
    wire_put_u32(&b, r->elapsed_s);
    wire_put_u64(&b, r->speed_mbps);
    wire_put_u64(&b, r->in_bytes);
    wire_put_u64(&b, r->out_bytes);
    return wire_rec_append(out, WIRE_REC_SNMP_IF, &b);
}

int
wire_snmp_area_put(struct buf *out, const struct wire_snmp_area *r)
{
    uint8_t mem[BODY_MAX];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    wire_put_u64(&b, (uint64_t)r->ts);
    wire_put_u32(&b, r->interval_s);
    wire_put_id(&b, r->area);
    wire_put_u8(&b, r->required);
    wire_put_u8(&b, r->state);
    wire_put_u16(&b, r->aps);
    wire_put_u16(&b, r->aps_up);
    wire_put_u16(&b, r->aps_down);
    return wire_rec_append(out, WIRE_REC_SNMP_AREA, &b);
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
