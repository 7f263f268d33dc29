/* outbox: where the agent's batches wait for the collector's ACK — the
 * disk spool (spool.h) when a spool directory is configured, else memory
 * (memq.h; `--replay` runs only). One interface for main.c and the uplink,
 * so the run loop does not care which. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "uplink.h"

struct outbox;

/* dir NULL: memory. max_bytes 0: the spool default. 0 or -errno. */
int  outbox_open(const char *dir, uint64_t max_bytes, struct outbox **out);
void outbox_close(struct outbox *o); /* accepts NULL; syncs the spool */
/* Copies the batch in. On failure the rows are counted as lost (and
 * reported with the dropped counts). 0 or -errno. */
int  outbox_append(struct outbox *o, const uint8_t *blob, size_t len,
                   uint32_t nrec, uint32_t nrows);
void outbox_src(struct outbox *o, struct uplink_src *src);
/* The last seq appended, and whether the collector has acknowledged it. */
uint64_t outbox_last_seq(const struct outbox *o);
int  outbox_all_acked(const struct outbox *o);
/* Batches not yet acknowledged (approximate for the spool). */
uint64_t outbox_backlog(const struct outbox *o);
/* Cumulative dropped batches/rows (spool full, corruption, lost appends). */
void outbox_dropped(const struct outbox *o, uint64_t *batches,
                    uint64_t *rows);
void outbox_tick(struct outbox *o); /* call every few seconds */

#endif /* OUTBOX_H */
