/* rollup: turns raw per-minute rows into hourly and per-school-day rows
 * (schema/005_rollup.sql) and expires raw rows after the retention period.
 * Runs on a thread of its own with its own database connection, in short
 * transactions (one school-hour, one school-day, or a few thousand expired
 * rows each), so the ingest writer waits at most for one of them: rollup
 * work never holds ingest up for long, and never on the event loop.
 *
 * Ingest marks (school, hour) dirty in the batch's own transaction
 * (storage_batch); this module rolls up dirty hours, then recomputes the
 * local days they touch using the district's school calendar (calendar.h).
 * The scheduling, the retention policy and the day statistics (p95,
 * peaks, minutes with data) are here; the rows come and go through
 * storage_hist.h, so this file knows no backend. */
#ifndef ROLLUP_H
#define ROLLUP_H

#include <stdint.h>

struct rollup;

struct rollup_opts {
    const char *db;           /* database path */
    unsigned interval_s;      /* between passes; 0: 30 */
    unsigned retention_days;  /* raw minute rows kept; 0: keep forever */
};

struct rollup_stats {
    uint64_t hours;           /* school-hours rolled up */
    uint64_t days;            /* school-days recomputed */
    uint64_t expired_rows;
    uint64_t passes;
};

/* Starts the thread. 0 or -errno. */
int  rollup_start(const struct rollup_opts *o, struct rollup **out);
/* Runs one full pass on the calling thread, with its own connection (the
 * CLI `rollup` subcommand and tests). now: unix seconds, for retention. */
int  rollup_run_once(const char *db, unsigned retention_days, int64_t now,
                     struct rollup_stats *st);
void rollup_stop(struct rollup *r); /* accepts NULL; joins the thread */
void rollup_get_stats(struct rollup *r, struct rollup_stats *st);

#endif /* ROLLUP_H */
