/* fuzz_ingest: libFuzzer harness for what the collector does with the
 * BATCH frames an agent sends: storage_batch (collector/storage_sqlite.c)
 * with the record handlers of every module (traffic, capture, agent status,
 * SNMP records via storage_sqlite_snmp, probe records via
 * storage_sqlite_probe), on an in-memory SQLite store reset before each
 * input. The input is a byte stream of frames, as read from the socket;
 * every BATCH frame goes to storage_batch inside one group-commit
 * transaction, as the writer thread does.
 *
 * Checks besides "no crash, no leak, no UB":
 *   - storage_batch returns STORED, DUPLICATE or -EPROTO (with a reason):
 *     on an in-memory store nothing else can fail, and the writer rolls
 *     back the whole group (other agents' batches too) on -EIO, so a batch
 *     that makes SQLite refuse a row would let one agent disturb others;
 *   - a refused or duplicate batch leaves the store as it was;
 *   - the group commits. */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage.h"
#include "storage_sqlite.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct storage *st;
static sqlite3 *db;
static unsigned char *tmpl;
static sqlite3_int64 tmpl_len;

#define NOW 1764000000

#define CHECK(c)                                                        \
    do {                                                                \
        if (!(c)) {                                                     \
            fprintf(stderr, "fuzz_ingest: %s:%d: check failed: %s\n",   \
                    __FILE__, __LINE__, #c);                            \
            abort();                                                    \
        }                                                               \
    } while (0)

static uint64_t
db_hash(sqlite3 *d)
{
    uint64_t h = 1469598103934665603ULL;
    char sql[160];
    sqlite3_stmt *t, *s;
    int i, n;

    CHECK(sqlite3_prepare_v2(d, "SELECT name FROM sqlite_master WHERE "
                             "type = 'table' AND name NOT LIKE 'sqlite_%' "
                             "ORDER BY name", -1, &t, NULL) == SQLITE_OK);
    while (sqlite3_step(t) == SQLITE_ROW) {
        snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
                 (const char *)sqlite3_column_text(t, 0));
        CHECK(sqlite3_prepare_v2(d, sql, -1, &s, NULL) == SQLITE_OK);
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

/* Pages of the in-memory store, copied (sqlite3_free). */
static unsigned char *
snapshot(sqlite3_int64 *n)
{
    unsigned char *p = sqlite3_serialize(db, "main", n, 0);

    CHECK(p != NULL);
    return p;
}

/* Same content as the snapshot: the same pages (cheap), or, failing that,
 * the same rows (a rollback may lay pages out differently). */
static int
same_as(unsigned char *snap, sqlite3_int64 n)
{
    sqlite3_int64 m = 0;
    unsigned char *p = sqlite3_serialize(db, "main", &m,
                                         SQLITE_SERIALIZE_NOCOPY);
    sqlite3 *old;
    unsigned char *copy;
    uint64_t h;

    if (p != NULL && m == n && memcmp(p, snap, (size_t)n) == 0)
        return 1;
    CHECK(sqlite3_open(":memory:", &old) == SQLITE_OK);
    CHECK((copy = sqlite3_malloc64((sqlite3_uint64)n)) != NULL);
    memcpy(copy, snap, (size_t)n);
    CHECK(sqlite3_deserialize(old, "main", copy, n, n,
                              SQLITE_DESERIALIZE_FREEONCLOSE) == SQLITE_OK);
    h = db_hash(old);
    sqlite3_close(old);
    return db_hash(db) == h;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct storage_hello h = {
        .agent_id = "agent-1", .school = "HF001", .version = "0.1.0",
        .boot_id = "boot", .peer = "127.0.0.1:1", .stream = 7, .now = NOW,
    };
    uint64_t last;

    if (storage_open(":memory:", &st) != 0)
        abort();
    db = storage_db(st);
    CHECK(storage_hello(st, &h, &last) == 0);
    tmpl = sqlite3_serialize(db, "main", &tmpl_len, 0);
    CHECK(tmpl != NULL);
    return 0;
}

static void
restore(void)
{
    unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)tmpl_len);

    CHECK(copy != NULL);
    memcpy(copy, tmpl, (size_t)tmpl_len);
    CHECK(sqlite3_deserialize(db, "main", copy, tmpl_len, tmpl_len,
                              SQLITE_DESERIALIZE_FREEONCLOSE |
                                  SQLITE_DESERIALIZE_RESIZEABLE) ==
          SQLITE_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wire_msg m;
    const char *why;
    size_t off = 0;
    ssize_t n;
    int rc;

    restore();
    CHECK(storage_begin(st) == 0);
    while (off < size) {
        uint64_t stream = 0, ack = 0;
        unsigned char *before;
        sqlite3_int64 nbefore;

        why = NULL;
        n = wire_decode(data + off, size - off, WIRE_MAX_PAYLOAD, &m, &why);
        if (n <= 0)
            break;
        off += (size_t)n;
        if (m.type != WIRE_BATCH)
            continue;
        before = snapshot(&nbefore);
        why = NULL;
        rc = storage_batch(st, "agent-1", "HF001", m.payload, m.len, 0, NOW,
                           &stream, &ack, &why);
        if (rc != STORAGE_STORED && rc != STORAGE_DUPLICATE &&
            rc != -EPROTO) {
            fprintf(stderr, "fuzz_ingest: storage_batch returned %d (%s): "
                    "%s\n", rc, why ? why : "no reason",
                    sqlite3_errmsg(db));
            abort();
        }
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "batch: %d (%s)\n", rc, why ? why : "-");
        if (rc == -EPROTO)
            CHECK(why != NULL);
        if (rc != STORAGE_STORED)
            CHECK(same_as(before, nbefore));
        else
            CHECK(ack != 0);
        sqlite3_free(before);
    }
    CHECK(storage_commit(st) == 0);
    return 0;
}
