/* storage_sqlite: what the SQLite backend's own files (storage_sqlite*.c)
 * share beyond storage.h. Backend-private: nothing outside the backend
 * includes it, so sqlite3 types stay out of the interface headers. */
#ifndef STORAGE_SQLITE_H
#define STORAGE_SQLITE_H

#include <sqlite3.h>

#include "storage.h"

/* The connection behind st. A backend file that runs statements on it
 * follows st's threading rule (one thread at a time) and leaves no
 * transaction open that it did not find open. */
sqlite3 *storage_db(struct storage *st);

/* Helpers every backend file uses on such a connection. Where a helper
 * takes what, a failure is logged as "what: <sqlite message>"; a NULL
 * what logs nothing. Failures are -EIO. */

/* Prepares sql on db into *s (NULL on failure). */
int storage_sqlite_prep(sqlite3 *db, const char *sql, sqlite3_stmt **s,
                        const char *what);
/* Runs sql (no rows wanted) on db. */
int storage_sqlite_exec(sqlite3 *db, const char *sql, const char *what);
/* Ends a row walk: finalizes s; the callback's non-zero cbrc, else 0 when
 * the last step gave SQLITE_DONE, else -EIO. */
int storage_sqlite_walk_end(sqlite3_stmt *s, int step, int cbrc);
/* Text of column i, NULL for SQL NULL. */
const char *storage_sqlite_text(sqlite3_stmt *s, int i);
/* 1 when column i is SQL NULL. */
int storage_sqlite_is_null(sqlite3_stmt *s, int i);
/* 1 when db has a table called name; 0 when not, or on error. */
int storage_sqlite_has_table(sqlite3 *db, const char *name);
/* Binds v (copied) to parameter i, or NULL when v is NULL. */
void storage_sqlite_bind_text(sqlite3_stmt *s, int i, const char *v);

#endif /* STORAGE_SQLITE_H */
