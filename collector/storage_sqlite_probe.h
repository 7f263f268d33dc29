/* storage_sqlite_probe: the SQLite backend stores the probe records of a
 * BATCH (types 20..29: capacity probe, reachability per minute) into
 * probe_capacity and reach_minute (schema/006_probe.sql). Called by
 * storage_sqlite.c's batch decoder inside the batch's transaction, so a
 * refused record refuses the whole batch. Backend-private: only
 * storage_sqlite*.c include it. */
#ifndef STORAGE_SQLITE_PROBE_H
#define STORAGE_SQLITE_PROBE_H

#include <sqlite3.h>
#include <stdint.h>

#include "wire.h"

/* Decodes one record body of type rtype and inserts it. Returns 0, -EPROTO
 * for a malformed record or an unknown type in 20..29, -EIO when SQLite
 * fails (logged). */
int store_probe_record(sqlite3 *db, const char *school, const char *agent_id,
                       uint8_t rtype, struct wire_rd *body);

#endif /* STORAGE_SQLITE_PROBE_H */
