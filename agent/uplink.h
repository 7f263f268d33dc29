/* uplink: the agent's connection to its collector. Connects, says HELLO,
 * learns from the first ACK the last sequence the collector has stored,
 * streams every batch after it (at most `window` unacknowledged at a time),
 * and passes each ACK to the batch source so acknowledged batches can be
 * released. On any failure it closes, and reconnects after a jittered
 * exponential backoff; batches stay in the source until acknowledged, so
 * nothing is lost by a reconnect and nothing is stored twice (the
 * collector drops sequences it has). Runs on the agent's libuv loop. */
#ifndef UPLINK_H
#define UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "wire.h"

/* Where unacknowledged batches live (memory queue or the disk spool).
 * A blob is the batch's record list; the uplink adds the BATCH header. */
struct uplink_src {
    void *ctx;
    uint64_t stream;
    /* The oldest batch with seq > after: returns 1 and fills the outputs,
     * 0 when none, <0 on error. *blob is valid until the next call. */
    int (*next)(void *ctx, uint64_t after, uint64_t *seq,
                const uint8_t **blob, size_t *len, uint32_t *nrec);
    /* Everything <= seq is stored by the collector. */
    void (*ack)(void *ctx, uint64_t seq);
};

struct tls_ctx;

struct uplink_opts {
    const char *collector;   /* HOST:PORT */
    struct tls_ctx *tls;     /* NULL: plain TCP (a lab) */
    struct wire_hello hello; /* stream is filled from the source */
    unsigned window;         /* batches in flight */
    unsigned backoff_min_ms, backoff_max_ms;
};

/* A CONFIG frame from the collector, borrowed for the callback. */
typedef void (*uplink_config_cb)(void *arg, const struct wire_config *c);

struct uplink;

int  uplink_start(uv_loop_t *loop, const struct uplink_opts *o,
                  const struct uplink_src *src, uplink_config_cb cfg,
                  void *arg, struct uplink **out);
/* Call after the source gained a batch: sends it if the window allows. */
void uplink_kick(struct uplink *u);
/* Highest sequence the collector acknowledged (0: none yet). */
uint64_t uplink_acked(const struct uplink *u);
int  uplink_connected(const struct uplink *u);
/* Closes the connection and timers; the loop then finishes. Frees u in the
 * close callbacks. */
void uplink_stop(struct uplink *u);

#endif /* UPLINK_H */
