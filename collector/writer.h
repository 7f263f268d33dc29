/* writer: the one thread that writes to the store. The loop thread hands it
 * jobs (an agent's HELLO, a BATCH to store); it runs them in arrival order,
 * groups consecutive batches into one transaction, commits, and hands the
 * finished jobs back to the loop through a uv_async_t, where the caller
 * sends the ACKs. So the loop never waits on disk, and nothing is
 * acknowledged before it is committed. */
#ifndef WRITER_H
#define WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "storage.h"
#include "wire.h"

enum writer_kind {
    WRITER_HELLO,  /* register the agent; also fetches its config maps */
    WRITER_BATCH,  /* store a batch */
    WRITER_CONFIG, /* fetch the school's config maps only (no write) */
};

/* Allocated and freed by the caller (the server); the writer only borrows
 * it between writer_submit and the done callback. */
struct writer_job {
    struct writer_job *next;
    enum writer_kind kind;
    void *owner;              /* the connection, for the done callback */
    char agent_id[WIRE_MAX_STR + 1];
    char school[WIRE_MAX_STR + 1];
    struct wire_hello hello;  /* WRITER_HELLO */
    char peer[64];
    uint8_t *payload;         /* WRITER_BATCH; owned by the job's owner */
    uint64_t prev_seq;        /* WRITER_BATCH: seq of the batch before it
                                 on the same connection */
    size_t len;
    /* results, valid in the done callback */
    int rc;                   /* STORAGE_STORED/DUPLICATE, 0 (hello), -errno */
    uint64_t stream;
    uint64_t ack_seq;
    const char *why;          /* static reason when rc == -EPROTO */
    uint64_t commit_us;       /* how long the commit that carried it took */
    char *classmap;           /* HELLO/CONFIG: registry maps, malloc'ed; */
    char *areamap;            /* "" when the registry has none; owner frees */
};

typedef void (*writer_done_cb)(void *arg, struct writer_job *job);

struct writer;

/* Starts the thread. st is owned by the writer from here on (closed by
 * writer_stop). done runs on loop's thread for each finished job. */
int  writer_start(uv_loop_t *loop, struct storage *st, size_t max_group,
                  writer_done_cb done, void *arg, struct writer **out);
/* Sets the done callback's argument (when it exists only after start). */
void writer_set_arg(struct writer *w, void *arg);
/* Thread-safe. Jobs finish in submission order. */
void writer_submit(struct writer *w, struct writer_job *job);
/* Jobs submitted and not yet handed back; for backpressure and /metrics. */
size_t writer_depth(struct writer *w);
uint64_t writer_rows_batches(struct writer *w);
/* Finishes the queued jobs, joins the thread, closes the store. Their done
 * callbacks run from the loop before the async handle closes, so call this
 * with the loop still runnable and run it afterwards. */
void writer_stop(struct writer *w);

#endif /* WRITER_H */
