/* ingestceil: the ceiling for the ingest benchmark. Inserts the very rows
 * loadgen sends (loadrows.h) straight into class_minute with one prepared
 * statement in large transactions (default 1,000,000 rows: a ceiling is
 * the best case, and here larger transactions measured faster): no
 * network, no framing, no per-batch sequence bookkeeping. The database is opened through storage_open, so it
 * has the collector's schema, pragmas (WAL, synchronous=NORMAL) and index;
 * the difference between this figure and loadgen's is what the collector's
 * protocol, loop and writer cost.
 *
 * Usage: ingestceil -D DB [-n AGENTS] [-b BATCHES] [-c CLASSES]
 *          [-t ROWS_PER_TRANSACTION] [-p PREFIX]
 * Prints "ingestceil: result rows=N secs=S rows_per_s=R cpu_secs=C
 * rows_per_cpu_s=RC" (inserting only; rows are generated untimed) and
 * checks the row count afterwards. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "loadrows.h"
#include "storage.h"
#include "storage_sqlite.h"

static double
clock_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
run(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "ingestceil: %s: %s\n", sql, msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    const char *path = NULL, *prefix = "lg";
    unsigned n = 1000, classes = 60, per_txn = 1000000, a, c;
    uint64_t batches = 10, seq, rows = 0, in_txn = 0, stored = 0;
    struct storage *st;
    struct wire_class_min *rowsv;
    sqlite3 *db;
    sqlite3_stmt *s, *q;
    char school[64], agent[64];
    double t0, t1, c0, secs = 0, cpu = 0;
    int ch;

    while ((ch = getopt(argc, argv, "D:n:b:c:t:p:")) != -1) {
        switch (ch) {
        case 'D': path = optarg; break;
        case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'b': batches = strtoull(optarg, NULL, 10); break;
        case 'c': classes = (unsigned)strtoul(optarg, NULL, 10); break;
        case 't': per_txn = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'p': prefix = optarg; break;
        default:
            fprintf(stderr, "usage: ingestceil -D DB [-n AGENTS] "
                    "[-b BATCHES] [-c CLASSES] [-t ROWS_PER_TXN] "
                    "[-p PREFIX]\n");
            return 2;
        }
    }
    if (path == NULL || per_txn == 0 || strlen(prefix) > 40)
        return 2;
    if (storage_open(path, &st) != 0)
        return 1;
    db = storage_db(st);
    if (sqlite3_prepare_v2(db,
            "INSERT INTO class_minute (minute, school, class, bytes_up, "
            "bytes_down, pkts_up, pkts_down, peak_up_bps, peak_down_bps, "
            "devices, agent_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &s,
            NULL) != SQLITE_OK) {
        fprintf(stderr, "ingestceil: prepare: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    rowsv = calloc((size_t)n * classes, sizeof(*rowsv));
    if (rowsv == NULL)
        return 1;
    if (run(db, "BEGIN IMMEDIATE") != 0)
        return 1;
    /* the collector's arrival order: every agent's minute 1, then 2...
     * Rows are generated outside the timed part: the collector gets them
     * from loadgen, another process, so only inserting is compared. */
    for (seq = 1; seq <= batches; seq++) {
        for (a = 0; a < n; a++)
            for (c = 0; c < classes; c++)
                loadrows_fill(&rowsv[(size_t)a * classes + c], a, seq, c);
        t0 = clock_s(CLOCK_MONOTONIC);
        c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        for (a = 0; a < n; a++) {
            loadrows_school(school, sizeof(school), prefix, a);
            loadrows_agent_id(agent, sizeof(agent), prefix, a);
            for (c = 0; c < classes; c++) {
                const struct wire_class_min *r = &rowsv[(size_t)a * classes + c];
                sqlite3_bind_int64(s, 1, r->minute);
                sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
                sqlite3_bind_text(s, 3, r->class_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 4, (sqlite3_int64)r->bytes_up);
                sqlite3_bind_int64(s, 5, (sqlite3_int64)r->bytes_down);
                sqlite3_bind_int64(s, 6, (sqlite3_int64)r->pkts_up);
                sqlite3_bind_int64(s, 7, (sqlite3_int64)r->pkts_down);
                sqlite3_bind_int64(s, 8, (sqlite3_int64)r->peak_up_bps);
                sqlite3_bind_int64(s, 9, (sqlite3_int64)r->peak_down_bps);
                sqlite3_bind_int64(s, 10, r->devices);
                sqlite3_bind_text(s, 11, agent, -1, SQLITE_STATIC);
                if (sqlite3_step(s) != SQLITE_DONE) {
                    fprintf(stderr, "ingestceil: insert: %s\n",
                            sqlite3_errmsg(db));
                    return 1;
                }
                sqlite3_reset(s);
                rows++;
                if (++in_txn == per_txn) {
                    if (run(db, "COMMIT") != 0 ||
                        run(db, "BEGIN IMMEDIATE") != 0)
                        return 1;
                    in_txn = 0;
                }
            }
        }
        if (seq == batches && run(db, "COMMIT") != 0)
            return 1;
        t1 = clock_s(CLOCK_MONOTONIC);
        secs += t1 - t0;
        cpu += clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    free(rowsv);
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM class_minute", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        stored = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    storage_close(st);
    printf("ingestceil: result rows=%" PRIu64 " secs=%.3f rows_per_s=%.0f "
           "cpu_secs=%.3f rows_per_cpu_s=%.0f rows_per_txn=%u\n", rows, secs,
           (double)rows / secs, cpu, (double)rows / cpu, per_txn);
    if (stored < rows) {
        fprintf(stderr, "ingestceil: only %" PRIu64 " rows in the table\n",
                stored);
        return 1;
    }
    return 0;
}
