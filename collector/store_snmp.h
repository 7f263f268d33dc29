/* store_snmp: the collector side of the agents' SNMP records (types 10..19,
 * common/wire_snmp.h): storing them in the tables of schema/003_snmp.sql,
 * and the per school per day Wi-Fi figures (coverage, full coverage,
 * access speed, clients) computed from the stored area samples. Writer
 * thread only: prepared statements are cached per database handle.
 * Does not know the calendar: the caller passes the day's school hours. */
#ifndef STORE_SNMP_H
#define STORE_SNMP_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "wire.h"

#define STORE_SNMP_REC_LO 10
#define STORE_SNMP_REC_HI 19

/* Stores one record (body as wire_batch_next gave it), inside the caller's
 * transaction. Returns 0, -EPROTO (malformed or unknown type in 10..19) or
 * -EIO (SQLite error, logged). */
int store_snmp_record(sqlite3 *db, const char *school, const char *agent_id,
                      uint8_t rtype, struct wire_rd *body);

/* Finalizes the statements cached for db; call before closing db. */
void store_snmp_finalize(sqlite3 *db);

/* School hours of one day as unix-second intervals [start, end). */
struct store_snmp_window {
    int64_t start, end;
};

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
