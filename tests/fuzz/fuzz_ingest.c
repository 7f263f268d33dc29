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
#include "fuzz_store.h"
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

/* Pages of the in-memory store, copied (sqlite3_free). */
static unsigned char *
snapshot(sqlite3_int64 *n)
{
    unsigned char *p = sqlite3_serialize(db, "main", n, 0);

    CHECK(p != NULL);
    return p;
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
            CHECK(fuzz_db_same(db, before, nbefore, NULL));
        else
            CHECK(ack != 0);
        sqlite3_free(before);
    }
    CHECK(storage_commit(st) == 0);
    return 0;
}
