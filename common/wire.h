/* wire: the agent <-> collector protocol, version 1. Framing, the message
 * payloads and the records a BATCH carries, all in explicit big-endian
 * byte order. Pure: no I/O, no libuv; every decoder checks every length
 * against the bytes it was given and never allocates. docs/PROTOCOL.md is
 * the normative description; keep the two in step.
 *
 * Frame: u32 payload length | u8 version | u8 type | u16 flags (0) | payload
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define WIRE_VERSION 1
#define WIRE_HDR_LEN 8
#define WIRE_MAX_PAYLOAD (1u << 20) /* protocol ceiling; peers may set less */
#define WIRE_MAX_STR 255            /* ids, names, versions */
#define WIRE_MAX_TEXT 65535         /* CONFIG sections, ERROR text */

enum wire_type {
    WIRE_HELLO = 1,  /* agent -> collector, first frame */
    WIRE_BATCH = 2,  /* agent -> collector */
    WIRE_ACK = 3,    /* collector -> agent */
    WIRE_CONFIG = 4, /* collector -> agent */
    WIRE_ERROR = 5,  /* either way, before closing */
};

/* Record types inside a BATCH. A collector refuses a batch holding a record
 * type it does not know (the batch stays in the agent's spool). */
enum wire_rec {
    WIRE_REC_CLASS_MIN = 1,   /* per class per minute traffic */
    WIRE_REC_CAPTURE_MIN = 2, /* per capture source per minute: completeness */
    WIRE_REC_AGENT_STATUS = 3, /* per minute: spool backlog, losses */
};

#define WIRE_UNKNOWN UINT64_MAX /* a counter the agent could not read */

struct wire_msg {
    uint8_t type;
    const uint8_t *payload; /* borrowed from the decoded input */
    uint32_t len;
};

/* Decodes one frame header from p[0..n). Returns bytes consumed (> 0) and
 * fills m, 0 when more input is needed, or -EPROTO with *why set to a static
 * reason when the frame is bad. A length above max (<= WIRE_MAX_PAYLOAD) is
 * rejected from the header alone, before the payload arrives. */
ssize_t wire_decode(const uint8_t *p, size_t n, size_t max,
                    struct wire_msg *m, const char **why);

/* Frame building: wire_begin reserves the header, the caller appends the
 * payload with the wire_put_* functions, wire_end fills in the length.
 * Errors are sticky in b->err; wire_end returns it (or -EMSGSIZE). */
void wire_begin(struct buf *b, uint8_t type);
int  wire_end(struct buf *b);
void wire_put_u8(struct buf *b, uint8_t v);
void wire_put_u16(struct buf *b, uint16_t v);
void wire_put_u32(struct buf *b, uint32_t v);
void wire_put_u64(struct buf *b, uint64_t v);
void wire_put_str(struct buf *b, const char *s);     /* u16 len + bytes */
/* An identifier (name, target, error text): cut to WIRE_MAX_STR bytes so a
 * long one never makes the record unreadable. */
void wire_put_id(struct buf *b, const char *s);
/* Appends one record, u8 type | u16 len | body, to a record list. A sticky
 * error in body or out is returned (and kept in out). */
int  wire_rec_append(struct buf *out, uint8_t type, const struct buf *body);

/* Reading a payload: every getter checks the remaining length; a short
 * read sets bad and returns 0/empty, so a decoder checks once at the end. */
struct wire_rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    int bad;
};
void     wire_rd_init(struct wire_rd *r, const uint8_t *p, size_t len);
uint8_t  wire_get_u8(struct wire_rd *r);
uint16_t wire_get_u16(struct wire_rd *r);
uint32_t wire_get_u32(struct wire_rd *r);
uint64_t wire_get_u64(struct wire_rd *r);
/* Copies a string of at most cap-1 bytes into out (NUL-terminated); a longer
 * string, or one holding a NUL byte, sets bad. */
void     wire_get_str(struct wire_rd *r, char *out, size_t cap);
/* 0 if every byte was consumed and nothing was short, else -EPROTO. */
int      wire_rd_done(const struct wire_rd *r);

/* HELLO */
struct wire_hello {
    char agent_id[WIRE_MAX_STR + 1];
    char school[WIRE_MAX_STR + 1];
    char version[WIRE_MAX_STR + 1];
    char boot_id[WIRE_MAX_STR + 1];
    uint64_t stream; /* spool identity; sequence numbers are per stream */
};
int wire_hello_encode(struct buf *b, const struct wire_hello *h);
int wire_hello_decode(const uint8_t *p, size_t n, struct wire_hello *h,
                      const char **why);

/* ACK: the highest sequence of `stream` that is committed. */
struct wire_ack {
    uint64_t stream;
    uint64_t seq;
};
int wire_ack_encode(struct buf *b, const struct wire_ack *a);
int wire_ack_decode(const uint8_t *p, size_t n, struct wire_ack *a);

/* ERROR: a reason sent before closing. */
int wire_error_encode(struct buf *b, uint16_t code, const char *text);
int wire_error_decode(const uint8_t *p, size_t n, uint16_t *code, char *text,
                      size_t cap);

/* CONFIG: a version and sections of UTF-8 text. */
enum wire_cfg_kind {
    WIRE_CFG_CLASSMAP = 1, /* class map CSV: class,prefix | class,vlan:N */
    WIRE_CFG_AREAMAP = 2,  /* area map CSV (see docs/PROTOCOL.md) */
    WIRE_CFG_SETTINGS = 3, /* agent config lines, "key value" */
};
struct wire_cfg_section {
    uint8_t kind;
    const char *text; /* borrowed; not NUL-terminated */
    uint32_t len;
};
#define WIRE_CFG_MAX_SECTIONS 8
struct wire_config {
    uint64_t version;
    unsigned nsections;
    struct wire_cfg_section sec[WIRE_CFG_MAX_SECTIONS];
};
int wire_config_encode(struct buf *b, const struct wire_config *c);
int wire_config_decode(const uint8_t *p, size_t n, struct wire_config *c);

/* BATCH: stream, sequence, then records, each u8 type | u16 len | body. */
struct wire_class_min {
    int64_t minute; /* unix seconds, multiple of 60, UTC */
    char class_id[WIRE_MAX_STR + 1];
    uint64_t bytes_up, bytes_down;
    uint64_t pkts_up, pkts_down;
    uint64_t peak_up_bps, peak_down_bps; /* busiest 1-second, bits/s */
    uint32_t devices;                    /* distinct active devices */
};
struct wire_capture_min {
    int64_t minute;
    char source[WIRE_MAX_STR + 1]; /* interface name, or "replay" */
    uint64_t pkts_seen;            /* packets the agent parsed */
    uint64_t pcap_recv, pcap_drop, pcap_ifdrop; /* pcap_stats deltas */
    uint64_t if_pkts, if_bytes; /* kernel interface counter deltas, rx+tx */
    uint64_t egress_bytes;      /* IP bytes counted as up or down */
    uint64_t unclassified_pkts, unclassified_bytes; /* local, no class */
};

/* The agent's own health, once a minute. Counts are cumulative over the
 * life of the spool, so a lost status record loses nothing. */
struct wire_agent_status {
    int64_t minute;
    uint64_t backlog_batches; /* appended, not yet acknowledged */
    uint64_t dropped_batches; /* spool full, corruption, failed appends */
    uint64_t dropped_rows;
    uint64_t uptime_s;        /* since the agent started */
};

/* Builder: begin, add records, end. Fails (sticky) past max_payload. */
void wire_batch_begin(struct buf *b, uint64_t stream, uint64_t seq);
void wire_batch_add_class_min(struct buf *b, const struct wire_class_min *r);
void wire_batch_add_capture_min(struct buf *b,
                                const struct wire_capture_min *r);
void wire_batch_add_agent_status(struct buf *b,
                                 const struct wire_agent_status *r);
/* Appends a record whose body the caller has encoded already. */
void wire_batch_add_raw(struct buf *b, uint8_t rtype, const uint8_t *body,
                        uint16_t len);
int  wire_batch_end(struct buf *b); /* fills length and record count */

struct wire_batch_it {
    struct wire_rd rd;
    uint64_t stream, seq;
    uint32_t nrec, left;
};
/* Opens a BATCH payload. Returns 0 or -EPROTO. */
int wire_batch_open(const uint8_t *p, size_t n, struct wire_batch_it *it);
/* Next record: returns 1 and sets *rtype and a reader over its body, 0 at
 * the end (after checking no bytes are left over), -EPROTO if malformed. */
int wire_batch_next(struct wire_batch_it *it, uint8_t *rtype,
                    struct wire_rd *body);
int wire_class_min_decode(struct wire_rd *body, struct wire_class_min *r);
int wire_capture_min_decode(struct wire_rd *body, struct wire_capture_min *r);
int wire_agent_status_decode(struct wire_rd *body,
                             struct wire_agent_status *r);

#endif /* WIRE_H */
