/* storage_sqlite_snmp: the SQLite backend's side of the agents' SNMP
 * records (types 10..19, common/wire_snmp.h): storing them in the tables of
 * schema/003_snmp.sql, called by storage_sqlite.c's batch decoder inside
 * the batch's transaction, and the per school per day Wi-Fi figures
 * (store_snmp_coverage). Writer thread only: prepared statements are cached
 * per database handle. Backend-private: only storage_sqlite*.c include it;
 * code outside the backend uses storage_hist_wifi_day (storage_hist.h). */
#ifndef STORAGE_SQLITE_SNMP_H
#define STORAGE_SQLITE_SNMP_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "storage_hist.h" /* struct store_snmp_window */
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

/* Computes and stores (replacing) wifi_area_day and wifi_day rows for the
 * school and the day [day_start, day_end), given that day's school-hour
 * windows (none: a day off, nothing is written), by the rules of
 * wifi_coverage.h: this reads the day's rows and stores the figures, the
 * rules themselves are backend-neutral C. Does not know the calendar: the
 * caller passes the day's school hours. Returns 0 or -EIO. Runs in the
 * caller's transaction, if any. */
int store_snmp_coverage(sqlite3 *db, const char *school, int64_t day_start,
                        int64_t day_end, const struct store_snmp_window *w,
                        size_t nw, int64_t now);

#endif /* STORAGE_SQLITE_SNMP_H */
