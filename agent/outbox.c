/* outbox: see outbox.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "memq.h"
#include "outbox.h"
#include "spool.h"

struct outbox {
    struct spool *sp;   /* one of sp / mq */
    struct memq *mq;
    uint64_t last_seq;
    uint64_t acked;
    uint64_t lost_batches, lost_rows; /* memory mode */
};

static uint64_t
random_stream(void)
{
    uint64_t v = 0;
    FILE *f = fopen("/dev/urandom", "rb");

    while (f != NULL && v == 0)
        if (fread(&v, sizeof(v), 1, f) != 1)
            break;
    if (f != NULL)
        fclose(f);
    return v ? v : 1;
}

int
outbox_open(const char *dir, uint64_t max_bytes, struct outbox **out)
{
    struct outbox *o;
    int rc;

    *out = NULL;
    o = calloc(1, sizeof(*o));
    if (o == NULL)
        return -ENOMEM;
    if (dir != NULL) {
        rc = spool_open(dir, max_bytes, NULL, &o->sp);
        if (rc != 0) {
            free(o);
            return rc;
        }
        o->last_seq = spool_next_seq(o->sp) - 1;
    } else {
        o->mq = memq_new(random_stream());
        if (o->mq == NULL) {
            free(o);
            return -ENOMEM;
        }
    }
    *out = o;
    return 0;
}

void
outbox_close(struct outbox *o)
{
    if (o == NULL)
        return;
    spool_close(o->sp);
    memq_free(o->mq);
    free(o);
}

int
outbox_append(struct outbox *o, const uint8_t *blob, size_t len,
              uint32_t nrec, uint32_t nrows)
{
    uint64_t seq;
    int rc;

    if (o->sp != NULL)
        rc = spool_append(o->sp, blob, len, nrec, nrows, &seq);
    else
        rc = memq_append(o->mq, blob, len, nrec, &seq);
    if (rc != 0) {
        log_warnx("outbox: batch of %u rows lost: %s", nrows,
                  strerror(-rc));
        if (o->sp != NULL)
            spool_note_lost(o->sp, 1, nrows);
        else {
            o->lost_batches++;
            o->lost_rows += nrows;
        }
        return rc;
    }
    o->last_seq = seq;
    return 0;
}

static int
sp_next(void *ctx, uint64_t after, uint64_t *seq, const uint8_t **blob,
        size_t *len, uint32_t *nrec)
{
    struct outbox *o = ctx;
    struct spool_rec r;
    int rc = spool_next(o->sp, after, &r);

    if (rc != 1)
        return rc;
    *seq = r.seq;
    *blob = r.blob;
    *len = r.len;
    *nrec = r.nrec;
    return 1;
}

static void
sp_ack(void *ctx, uint64_t seq)
{
    struct outbox *o = ctx;

    if (seq > o->acked)
        o->acked = seq;
    spool_ack(o->sp, seq);
}

static void
mq_ack_wrap(void *ctx, uint64_t seq)
{
    struct outbox *o = ctx;
    struct uplink_src s;

    if (seq > o->acked)
        o->acked = seq;
    memq_src(o->mq, &s);
    s.ack(s.ctx, seq);
}

static int
mq_next_wrap(void *ctx, uint64_t after, uint64_t *seq, const uint8_t **blob,
             size_t *len, uint32_t *nrec)
{
    struct outbox *o = ctx;
    struct uplink_src s;

    memq_src(o->mq, &s);
    return s.next(s.ctx, after, seq, blob, len, nrec);
}

void
outbox_src(struct outbox *o, struct uplink_src *src)
{
    src->ctx = o;
    if (o->sp != NULL) {
        src->stream = spool_stream(o->sp);
        src->next = sp_next;
        src->ack = sp_ack;
    } else {
        struct uplink_src s;
        memq_src(o->mq, &s);
        src->stream = s.stream;
        src->next = mq_next_wrap;
        src->ack = mq_ack_wrap;
    }
}

uint64_t
outbox_last_seq(const struct outbox *o)
{
    return o->last_seq;
}

int
outbox_all_acked(const struct outbox *o)
{
    return o->acked >= o->last_seq;
}

uint64_t
outbox_backlog(const struct outbox *o)
{
    return o->last_seq > o->acked ? o->last_seq - o->acked : 0;
}

void
outbox_dropped(const struct outbox *o, uint64_t *batches, uint64_t *rows)
{
    if (o->sp != NULL) {
        spool_dropped(o->sp, batches, rows);
        return;
    }
    *batches = o->lost_batches;
    *rows = o->lost_rows;
}

void
outbox_tick(struct outbox *o)
{
    if (o->sp != NULL)
        spool_tick(o->sp);
}
