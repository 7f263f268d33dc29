/* storage_hist: the history side of the store, for the rollup thread
 * (rollup.c): raw per-minute rows rolled up into hourly and per-school-day
 * rows (schema/005_rollup.sql), the daily Wi-Fi figures, and the expiry of
 * raw rows. Backend-neutral: rollup.c decides what to roll and when, and
 * computes the day statistics (p95, peaks, minutes with data) in C from
 * the rows handed over here; the backend (storage_sqlite_rollup.c for
 * SQLite) only reads, writes and deletes rows.
 *
 * Ingest marks (school, hour) dirty in the batch's own transaction
 * (storage_batch); the functions below read and clear those marks.
 *
 * Every function returns 0 (or a count) on success and a negative errno
 * on failure (logged by the backend). Same threading rule as storage.h:
 * one thread per struct storage. */
#ifndef STORAGE_HIST_H
#define STORAGE_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "storage.h"

/* ---- dirty hours ---- */

struct storage_hist_hour {
    char school[256];
    int64_t hour;               /* unix seconds, a multiple of 3600 */
};

/* Fills out with up to max dirty (school, hour) marks, in no particular
 * order. Returns how many, or -EIO. */
int storage_hist_dirty(struct storage *st, struct storage_hist_hour *out,
                       size_t max);

/* The earliest dirty hour, or INT64_MAX in *hour when none is. */
int storage_hist_oldest_dirty(struct storage *st, int64_t *hour);

/* Rolls up one school-hour in a transaction of its own: replaces the
 * school's hourly rows of [hour, hour + 3600) by one row per class of the
 * raw minutes (count of minutes, sums of bytes and packets, maxima of the
 * peaks and of devices) and clears the mark. The aggregation is plain
 * GROUP BY in the backend; another backend must give the same sums and
 * maxima. 0 or -EIO. */
int storage_hist_roll_hour(struct storage *st, const char *school,
                           int64_t hour);

/* The district the registry gives the school, or "" when the school is
 * not registered or the store holds no registry. Always 0. */
int storage_hist_school_district(struct storage *st, const char *school,
                                 char *out, size_t cap);

/* ---- one school-day ----
 * rollup.c recomputes a day inside storage_begin .. storage_commit (or
 * storage_rollback): storage_hist_day_clear, the Wi-Fi figures, the reads
 * of the day's minutes, then the day rows. */

/* Deletes the day's class and school rows of the school. */
int storage_hist_day_clear(struct storage *st, const char *school,
                           int64_t day);

/* One raw class minute of the day, for the day statistics. */
/* A day's class and capture minutes are read with
 * storage_each_class_minute (STORAGE_BY_CLASS) and
 * storage_each_capture_minute (storage.h). */

/* One class's school-day row (class_day). Rates in bits/s. */
struct storage_hist_class_day {
    const char *school, *class_id;
    int64_t day;
    uint64_t minutes, bytes_up, bytes_down;
    uint64_t p95_up_bps, p95_down_bps, peak_up_bps, peak_down_bps;
    uint64_t max_devices;
};
int storage_hist_put_class_day(struct storage *st,
                               const struct storage_hist_class_day *r);

/* The school's school-day row (school_day). */
struct storage_hist_school_day {
    const char *school;
    int64_t day;
    uint64_t school_minutes, minutes_with_data;
    uint64_t agg_peak_up_bps, agg_peak_down_bps;
    uint64_t sum_class_peak_up_bps, sum_class_peak_down_bps;
};
int storage_hist_put_school_day(struct storage *st,
                                const struct storage_hist_school_day *r);

/* ---- Wi-Fi day ---- */

/* School hours of one day as unix-second intervals [start, end). */
struct store_snmp_window {
    int64_t start, end;
};

/* Computes and stores (replacing) the school's per-area and per-day Wi-Fi
 * figures for the day [day_start, day_end) from the stored SNMP samples,
 * given that day's school-hour windows (none: a day off, nothing is
 * written); the rules are wifi_coverage.h's. now stamps the row. Runs in
 * the caller's transaction, if any. 0 or -EIO. */
int storage_hist_wifi_day(struct storage *st, const char *school,
                          int64_t day_start, int64_t day_end,
                          const struct store_snmp_window *w, size_t nw,
                          int64_t now);

/* ---- retention ---- */

/* The raw per-minute tables retention applies to. */
enum storage_hist_raw {
    STORAGE_HIST_RAW_CLASS,     /* class minutes */
    STORAGE_HIST_RAW_CAPTURE,   /* capture minutes */
    STORAGE_HIST_RAW_STATUS,    /* agent status minutes */
    STORAGE_HIST_RAW_N
};

/* Deletes at most max rows of the raw table with minute < cutoff, in a
 * transaction of its own, so the writer never waits long. Returns the
 * number deleted (less than max: nothing older is left), -EBUSY when the
 * transaction could not run (try the next table), or -EIO. */
int storage_hist_expire_chunk(struct storage *st, enum storage_hist_raw t,
                              int64_t cutoff, unsigned max);

#endif /* STORAGE_HIST_H */
