/* store_snmp: the per school per day Wi-Fi figures (coverage, full
 * coverage, access speed, clients) on a raw SQLite handle, for backend code
 * that holds one (storage_sqlite*.c). Backend-private despite its name: the
 * name stays because other backend files call store_snmp_coverage; code
 * outside the backend uses storage_hist_wifi_day (storage_hist.h).
 * Does not know the calendar: the caller passes the day's school hours. */
#ifndef STORE_SNMP_H
#define STORE_SNMP_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "storage_hist.h" /* struct store_snmp_window */

/* Computes and stores (replacing) wifi_area_day and wifi_day rows for the
 * school and the day [day_start, day_end), given that day's school-hour
 * windows (none: a day off, nothing is written).
 *   - Each area sample stands for [ts, min(ts + interval, next sample));
 *     its time inside the windows counts as up, down, or unknown (missing,
 *     unreachable, unknown: never as down).
 *   - An area is covered when up >= 90% of its known (up + down) time;
 *     when less than half of the school hours are known, it is unknown.
 *   - Required areas are those of the registry's `areas` table, if it lists
 *     the school, plus those the samples mark required.
 *   - coverage_pct = covered / (required - unknown) x 100 (NULL if no
 *     required area is known); full_coverage = 1 when every required area
 *     is covered, 0 when one is known uncovered, else NULL.
 *   - access_mbps = lowest AP speed reported that day; clients_peak = the
 *     sum over targets of each target's highest client count in school
 *     hours.
 * Returns 0 or -EIO. Runs in the caller's transaction, if any. */
int store_snmp_coverage(sqlite3 *db, const char *school, int64_t day_start,
                        int64_t day_end, const struct store_snmp_window *w,
                        size_t nw, int64_t now);

#endif /* STORE_SNMP_H */
