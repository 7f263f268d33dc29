/* server: the agent-facing TCP listener. Accepts agents on one libuv loop,
 * decodes frames (wire.h), hands HELLO and BATCH to the writer thread and
 * sends each ACK once the writer reports the batch committed. A bad frame
 * closes that one connection with a logged reason (and an ERROR frame to the
 * peer); other agents are not affected. Memory is bounded: each connection's
 * read buffer is capped at one maximum frame, each connection has a bounded
 * number of batches in flight, and all connections pause reading while the
 * writer's queue is over its limit. */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "writer.h"

struct tls_ctx;
struct keyring;

struct server_opts {
    struct tls_ctx *tls;      /* NULL: plain TCP (a lab) */
    struct keyring **ring;    /* with tls: identity -> school binding */
    const char *listen;       /* "HOST:PORT"; IPv6 as "[::1]:PORT" */
    size_t max_frame;         /* payload bytes; <= WIRE_MAX_PAYLOAD */
    unsigned max_inflight;    /* batches per connection awaiting commit */
    size_t max_queue;         /* writer jobs before every reader pauses */
    unsigned idle_timeout_s;  /* close a peer silent for this long */
    unsigned hello_timeout_s; /* close a peer that sends no HELLO in time */
    unsigned frame_timeout_s; /* close a peer whose frame stalls half-sent */
    uint64_t max_rate_bps;    /* bytes/s read per agent; 0: unlimited */
    unsigned config_check_s;  /* how often each agent's registry maps are
                                 re-read and, if changed, pushed */
};

struct server_stats {
    uint64_t conns_open;
    uint64_t conns_total;
    uint64_t batches_stored;
    uint64_t batches_duplicate;
    uint64_t frames_rejected;
    uint64_t bytes_in;
};

struct server;

/* Binds and listens. The server submits to w; the caller routes the writer's
 * done callback to server_job_done. Returns 0 or a negative uv error. */
int  server_start(uv_loop_t *loop, const struct server_opts *o,
                  struct writer *w, struct server **out);
void server_job_done(void *arg, struct writer_job *job); /* arg = server */
/* Stops accepting and closes every connection; safe to call once. */
void server_stop(struct server *s);
void server_free(struct server *s); /* after the loop has closed handles */
const struct server_stats *server_stats(const struct server *s);
/* The port actually bound (useful with port 0). */
int  server_port(const struct server *s);


#endif /* SERVER_H */
