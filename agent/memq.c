/* memq: see memq.h. A singly linked FIFO ordered by seq. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memq.h"

struct mq_item {
    struct mq_item *next;
    uint64_t seq;
    uint32_t nrec;
    size_t len;
    uint8_t blob[];
};

struct memq {
    uint64_t stream;
    uint64_t next_seq;
    size_t pending;
    struct mq_item *head, *tail;
};

struct memq *
memq_new(uint64_t stream)
{
    struct memq *q = calloc(1, sizeof(*q));

    if (q != NULL) {
        q->stream = stream;
        q->next_seq = 1;
    }
    return q;
}

void
memq_free(struct memq *q)
{
    struct mq_item *i, *n;

    if (q == NULL)
        return;
    for (i = q->head; i != NULL; i = n) {
        n = i->next;
        free(i);
    }
    free(q);
}

int
memq_append(struct memq *q, const uint8_t *blob, size_t len, uint32_t nrec,
            uint64_t *seq)
{
    struct mq_item *i = malloc(sizeof(*i) + len);

    if (i == NULL)
        return -ENOMEM;
    i->next = NULL;
    i->seq = q->next_seq++;
    i->nrec = nrec;
    i->len = len;
    memcpy(i->blob, blob, len);
    if (q->tail != NULL)
        q->tail->next = i;
    else
        q->head = i;
    q->tail = i;
    q->pending++;
    if (seq != NULL)
        *seq = i->seq;
    return 0;
}

uint64_t
memq_last_seq(const struct memq *q)
{
    return q->next_seq - 1;
}

size_t
memq_pending(const struct memq *q)
{
    return q->pending;
}

static int
mq_next(void *ctx, uint64_t after, uint64_t *seq, const uint8_t **blob,
        size_t *len, uint32_t *nrec)
{
    struct memq *q = ctx;
    struct mq_item *i;

    for (i = q->head; i != NULL && i->seq <= after; i = i->next)
        ;
    if (i == NULL)
        return 0;
    *seq = i->seq;
    *blob = i->blob;
    *len = i->len;
    *nrec = i->nrec;
    return 1;
}

static void
mq_ack(void *ctx, uint64_t seq)
{
    struct memq *q = ctx;
    struct mq_item *i;

    while ((i = q->head) != NULL && i->seq <= seq) {
        q->head = i->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->pending--;
        free(i);
    }
}

void
memq_src(struct memq *q, struct uplink_src *src)
{
    src->ctx = q;
    src->stream = q->stream;
    src->next = mq_next;
    src->ack = mq_ack;
}
