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
 * windows (none: a day off, nothing is written), by the rules of
 * wifi_coverage.h: this reads the day's rows and stores the figures, the
 * rules themselves are backend-neutral C. Returns 0 or -EIO. Runs in the
 * caller's transaction, if any. */
int store_snmp_coverage(sqlite3 *db, const char *school, int64_t day_start,
                        int64_t day_end, const struct store_snmp_window *w,
                        size_t nw, int64_t now);

#endif /* STORE_SNMP_H */
