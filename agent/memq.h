/* memq: unacknowledged batches held in memory, for runs without a spool
 * directory (`--replay` into a collector from a test or an operator's
 * shell). Implements struct uplink_src. Lost if the agent dies; the disk
 * spool (spool.h) is what a gateway uses. */
#ifndef MEMQ_H
#define MEMQ_H

#include <stddef.h>
#include <stdint.h>

#include "uplink.h"

struct memq;

/* stream: the random stream id this run's sequences belong to. */
struct memq *memq_new(uint64_t stream);
void memq_free(struct memq *q);
/* Copies blob; returns 0 and the assigned seq, or -ENOMEM. */
int  memq_append(struct memq *q, const uint8_t *blob, size_t len,
                 uint32_t nrec, uint64_t *seq);
uint64_t memq_last_seq(const struct memq *q);
size_t memq_pending(const struct memq *q);
void memq_src(struct memq *q, struct uplink_src *src);

#endif /* MEMQ_H */
