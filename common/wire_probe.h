/* wire_probe: the probe records a BATCH carries (record types 20..29): the
 * result of one capacity probe against the collector (both directions, with
 * the WAN link speed the OS reports) and one reachability summary per
 * target per minute. Each record is u8 type | u16 len | body, big-endian,
 * strings as u16 length + bytes; a value the agent could not get is
 * WIRE_UNKNOWN. Pure: no I/O; decoders never allocate. docs/PROTOCOL.md
 * ("Probe records") lists the bodies field by field. */
#ifndef WIRE_PROBE_H
#define WIRE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "wire.h"

enum wire_probe_rec {
    WIRE_REC_PROBE_CAPACITY = 20,
    WIRE_REC_REACH_MIN = 21,
};
#define WIRE_REC_PROBE_FIRST 20
#define WIRE_REC_PROBE_LAST 29

/* Outcome of a capacity probe. */
enum wire_probe_status {
    WIRE_PROBE_OK = 0,
    WIRE_PROBE_CONNECT = 1, /* could not connect to the probe endpoint */
    WIRE_PROBE_IO = 2,      /* connection broke, or a bad reply */
    WIRE_PROBE_BUSY = 3,    /* the endpoint refused: too many tests */
    WIRE_PROBE_TIMEOUT = 4, /* no progress within the time limit */
};

struct wire_probe_capacity {
    int64_t ts;                        /* unix seconds, probe start */
    char target[WIRE_MAX_STR + 1];     /* HOST:PORT of the endpoint */
    char wan_if[WIRE_MAX_STR + 1];     /* "" when not configured */
    uint64_t link_mbps;                /* OS link speed, or WIRE_UNKNOWN */
    uint8_t status;                    /* enum wire_probe_status */
    char error[WIRE_MAX_STR + 1];      /* "" when ok */
    uint64_t up_bytes;                 /* counted by the receiver */
    uint32_t up_ms;                    /* receiver: first byte to end */
    uint64_t up_bps;                   /* WIRE_UNKNOWN if it did not run */
    uint64_t down_bytes;
    uint32_t down_ms;
    uint64_t down_bps;
};

struct wire_reach_min {
    int64_t minute;                    /* unix seconds, multiple of 60 */
    char target[WIRE_MAX_STR + 1];     /* e.g. tcp:192.0.2.1:443 */
    uint32_t probes;                   /* attempts that finished */
    uint32_t ok;                       /* of which got through */
    uint64_t rtt_us;                   /* mean connect time of the good
                                          ones, or WIRE_UNKNOWN */
};

/* Append one whole record (type, length, body) to b; errors are sticky in
 * b->err and returned. */
int wire_probe_capacity_put(struct buf *b,
                            const struct wire_probe_capacity *r);
int wire_reach_min_put(struct buf *b, const struct wire_reach_min *r);

/* Decode a record body (the reader wire_batch_next gave). 0 or -EPROTO. */
int wire_probe_capacity_decode(struct wire_rd *body,
                               struct wire_probe_capacity *r);
int wire_reach_min_decode(struct wire_rd *body, struct wire_reach_min *r);

#endif /* WIRE_PROBE_H */
