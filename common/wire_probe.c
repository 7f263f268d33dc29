/* wire_probe: encoders and decoders of the probe batch records (see
 * wire_probe.h). A body is built in a stack buffer first so its length is
 * known before anything reaches the caller's buffer. */
#include <errno.h>
#include <string.h>

#include "wire_probe.h"

#define BODY_MAX 1024 /* three strings of <= 255 bytes and the numbers */

int
wire_probe_capacity_put(struct buf *out, const struct wire_probe_capacity *r)
{
    uint8_t mem[BODY_MAX];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    wire_put_u64(&b, (uint64_t)r->ts);
    wire_put_id(&b, r->target);
    wire_put_id(&b, r->wan_if);
    wire_put_u64(&b, r->link_mbps);
    wire_put_u8(&b, r->status);
    wire_put_id(&b, r->error);
    wire_put_u64(&b, r->up_bytes);
    wire_put_u32(&b, r->up_ms);
    wire_put_u64(&b, r->up_bps);
    wire_put_u64(&b, r->down_bytes);
    wire_put_u32(&b, r->down_ms);
    wire_put_u64(&b, r->down_bps);
    return wire_rec_append(out, WIRE_REC_PROBE_CAPACITY, &b);
}

int
wire_reach_min_put(struct buf *out, const struct wire_reach_min *r)
{
    uint8_t mem[BODY_MAX];
    struct buf b = {mem, 0, sizeof(mem), sizeof(mem), 0};

    wire_put_u64(&b, (uint64_t)r->minute);
    wire_put_id(&b, r->target);
    wire_put_u32(&b, r->probes);
    wire_put_u32(&b, r->ok);
    wire_put_u64(&b, r->rtt_us);
    return wire_rec_append(out, WIRE_REC_REACH_MIN, &b);
}

int
wire_probe_capacity_decode(struct wire_rd *d, struct wire_probe_capacity *r)
{
    memset(r, 0, sizeof(*r));
    r->ts = (int64_t)wire_get_u64(d);
    wire_get_str(d, r->target, sizeof(r->target));
    wire_get_str(d, r->wan_if, sizeof(r->wan_if));
    r->link_mbps = wire_get_u64(d);
    r->status = wire_get_u8(d);
    wire_get_str(d, r->error, sizeof(r->error));
    r->up_bytes = wire_get_u64(d);
    r->up_ms = wire_get_u32(d);
    r->up_bps = wire_get_u64(d);
    r->down_bytes = wire_get_u64(d);
    r->down_ms = wire_get_u32(d);
    r->down_bps = wire_get_u64(d);
    if (wire_rd_done(d) != 0 || r->status > WIRE_PROBE_TIMEOUT ||
        r->target[0] == '\0')
        return -EPROTO;
    return 0;
}

int
wire_reach_min_decode(struct wire_rd *d, struct wire_reach_min *r)
{
    memset(r, 0, sizeof(*r));
    r->minute = (int64_t)wire_get_u64(d);
    wire_get_str(d, r->target, sizeof(r->target));
    r->probes = wire_get_u32(d);
    r->ok = wire_get_u32(d);
    r->rtt_us = wire_get_u64(d);
    if (wire_rd_done(d) != 0 || r->target[0] == '\0' || r->ok > r->probes ||
        r->minute % 60 != 0)
        return -EPROTO;
    return 0;
}
