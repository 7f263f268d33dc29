/* wire_snmp: the SNMP records a BATCH carries (record types 10..19): one
 * poll summary per target per poll, one row per AP, per interface, and per
 * Wi-Fi area state. Each record is u8 type | u16 len | body, big-endian,
 * strings as u16 length + bytes; a value the agent could not read is
 * WIRE_UNKNOWN. Pure: no I/O; decoders never allocate. docs/SNMP.md lists
 * the bodies field by field. */
#ifndef WIRE_SNMP_H
#define WIRE_SNMP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "wire.h"

enum wire_snmp_rec {
    WIRE_REC_SNMP_POLL = 10,
    WIRE_REC_SNMP_AP = 11,
    WIRE_REC_SNMP_IF = 12,
    WIRE_REC_SNMP_AREA = 13,
};

/* Area state for one sample (docs/SNMP.md, "Three kinds of unknown"). */
enum wire_area_state {
    WIRE_AREA_UP = 1,          /* an AP mapped to it reported up */
    WIRE_AREA_DOWN = 2,        /* its APs were reported down */
    WIRE_AREA_MISSING = 3,     /* none of its APs is in the AP table */
    WIRE_AREA_UNREACHABLE = 4, /* a controller did not answer */
    WIRE_AREA_UNKNOWN = 5,     /* listed, but no status available */
};

struct wire_snmp_poll {
    int64_t ts;               /* unix seconds, poll start */
    char target[WIRE_MAX_STR + 1];
    char profile[WIRE_MAX_STR + 1];
    char error[WIRE_MAX_STR + 1];
    uint8_t state;            /* enum snmp_state (agent/snmp_poll.h) */
    uint8_t rebooted;
    uint32_t duration_ms;
    uint32_t interval_s;
    uint32_t uptime;          /* sysUpTime ticks */
    uint32_t aps, aps_up, aps_down, aps_unknown;
    uint64_t total_aps, total_aps_up, clients; /* controller's figures */
    uint64_t neighbours, neighbour_macs;
    uint64_t access_mbps;     /* lowest AP speed where reported */
};

struct wire_snmp_ap {
    int64_t ts;
    char target[WIRE_MAX_STR + 1];
    char name[WIRE_MAX_STR + 1];
    char location[WIRE_MAX_STR + 1];
    uint8_t has_mac;
    uint8_t mac[6];
    uint8_t status;           /* 0 unknown, 1 up, 2 down */
    uint8_t status_src;       /* enum snmp_status_src */
    uint64_t clients;
    uint64_t speed_mbps;      /* min(uplink, best radio), where reported */
};

struct wire_snmp_if {
    int64_t ts;
    char target[WIRE_MAX_STR + 1];
    char name[WIRE_MAX_STR + 1];
    char alias[WIRE_MAX_STR + 1];
    uint32_t ifindex;
    uint8_t oper;
    uint8_t flags;            /* bit 0: 64-bit counters; bit 1: no delta */
    uint32_t elapsed_s;
    uint64_t speed_mbps;
    uint64_t in_bytes, out_bytes; /* deltas since the previous poll */
};
#define WIRE_SNMP_IF_HC 1
#define WIRE_SNMP_IF_DISC 2

struct wire_snmp_area {
    int64_t ts;
    uint32_t interval_s;      /* the sample stands for [ts, ts+interval) */
    char area[WIRE_MAX_STR + 1];
    uint8_t required;
    uint8_t state;            /* enum wire_area_state */
    uint16_t aps, aps_up, aps_down;
};

/* Append one whole record (type, length, body) to b; errors are sticky in
 * b->err and returned. */
int wire_snmp_poll_put(struct buf *b, const struct wire_snmp_poll *r);
int wire_snmp_ap_put(struct buf *b, const struct wire_snmp_ap *r);
int wire_snmp_if_put(struct buf *b, const struct wire_snmp_if *r);
int wire_snmp_area_put(struct buf *b, const struct wire_snmp_area *r);

/* Decode a record body (the reader wire_batch_next gave). 0 or -EPROTO. */
int wire_snmp_poll_decode(struct wire_rd *body, struct wire_snmp_poll *r);
int wire_snmp_ap_decode(struct wire_rd *body, struct wire_snmp_ap *r);
int wire_snmp_if_decode(struct wire_rd *body, struct wire_snmp_if *r);
int wire_snmp_area_decode(struct wire_rd *body, struct wire_snmp_area *r);

/* Walks concatenated records rec[0..len): returns 1 with the next one's
 * type and body reader, 0 at the end, -EPROTO on a truncated record. */
int wire_snmp_next(const uint8_t *rec, size_t len, size_t *off,
                   uint8_t *rtype, struct wire_rd *body);

#endif /* WIRE_SNMP_H */
