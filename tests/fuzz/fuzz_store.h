/* fuzz_store: what the harnesses that fuzz the SQLite store share (ingest,
 * pack, registry): "does the store hold what it held before?" — the same
 * pages (cheap, no copy), or failing that the same rows, since a rollback
 * may leave the pages laid out differently. Each harness is a program of
 * its own, so the functions are static. */
#ifndef FUZZ_STORE_H
#define FUZZ_STORE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a over every row of every table, in table order, so no harness
 * needs to know the store's columns (the schema keeps growing). */
static uint64_t
fuzz_db_hash(sqlite3 *d)
{
    uint64_t h = 1469598103934665603ULL;
    char sql[160];
    sqlite3_stmt *t, *s;
    int i, n;

    if (sqlite3_prepare_v2(d, "SELECT name FROM sqlite_master WHERE "
                           "type = 'table' AND name NOT LIKE 'sqlite_%' "
                           "ORDER BY name", -1, &t, NULL) != SQLITE_OK)
        abort();
    while (sqlite3_step(t) == SQLITE_ROW) {
        snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
                 (const char *)sqlite3_column_text(t, 0));
        if (sqlite3_prepare_v2(d, sql, -1, &s, NULL) != SQLITE_OK)
            abort();
        while (sqlite3_step(s) == SQLITE_ROW) {
            n = sqlite3_column_count(s);
            for (i = 0; i < n; i++) {
                const unsigned char *v = sqlite3_column_text(s, i);
                size_t k, len = (size_t)sqlite3_column_bytes(s, i);

                h = (h ^ (uint64_t)sqlite3_column_type(s, i)) *
                    1099511628211ULL;
                for (k = 0; v != NULL && k < len; k++)
                    h = (h ^ v[k]) * 1099511628211ULL;
            }
        }
        sqlite3_finalize(s);
    }
    sqlite3_finalize(t);
    return h;
}

/* 1 when d holds the content of snap (n bytes, from sqlite3_serialize).
 * snap_hash is fuzz_db_hash of that content when the caller keeps it
 * (a template compared often); NULL computes it from snap, only when the
 * pages differ. */
static int
fuzz_db_same(sqlite3 *d, const unsigned char *snap, sqlite3_int64 n,
             const uint64_t *snap_hash)
{
    sqlite3_int64 m = 0;
    unsigned char *p = sqlite3_serialize(d, "main", &m,
                                         SQLITE_SERIALIZE_NOCOPY);
    unsigned char *copy;
    sqlite3 *old;
    uint64_t h;

    if (p != NULL && m == n && memcmp(p, snap, (size_t)n) == 0)
        return 1;
    if (snap_hash != NULL)
        return fuzz_db_hash(d) == *snap_hash;
    if (sqlite3_open(":memory:", &old) != SQLITE_OK ||
        (copy = sqlite3_malloc64((sqlite3_uint64)n)) == NULL)
        abort();
    memcpy(copy, snap, (size_t)n);
    if (sqlite3_deserialize(old, "main", copy, n, n,
                            SQLITE_DESERIALIZE_FREEONCLOSE) != SQLITE_OK)
        abort();
    h = fuzz_db_hash(old);
    sqlite3_close(old);
    return fuzz_db_hash(d) == h;
}

#endif /* FUZZ_STORE_H */
