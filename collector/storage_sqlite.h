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

#endif /* STORAGE_SQLITE_H */
