/* fuzz_pack: libFuzzer harness for the policy pack loader
 * (collector/packs.c over the regsheet/CSV/textconv readers) on an
 * in-memory SQLite store. The first input byte picks the encoding the
 * operator gave (auto, utf-8, gbk); the rest is the pack file, written to
 * a memfd that the loader opens by path (/proc/self/fd/N) as the CLI does.
 *
 * Every input starts from the same database, which already holds a small
 * pack "base" version "1" (so a fuzzed file can collide with it). Checks
 * besides "no crash, no leak, no UB":
 *   - packs_check_file and packs_load_file agree on validity;
 *   - a refused file leaves the database as it was;
 *   - loading the same bytes again is a no-op (*already = 1), as packs.h
 *     promises, so evaluations can always be rebuilt from their rules;
 *   - the stored rules come back through packs_get, each with a share in
 *     [0, 1] and a threshold its own comparison decides exactly. */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "packs.h"
#include "storage.h"
#include "storage_sqlite.h"
#include "fuzz_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct storage *st;
static sqlite3 *db;
static unsigned char *tmpl;
static sqlite3_int64 tmpl_len;
static uint64_t tmpl_hash;
static FILE *errs;
static int mfd = -1;
static char mpath[64];

static const char base_pack[] =
    "pack,version,rule,year,regions,types,metric,op,threshold,share,"
    "source,text\n"
    "base,1,egress-urban,2019,urban,*,egress_mbps_per_class,>=,10,2/3,"
    "\"三(三)\",\"2019年市区2/3学校班均出口达10M\"\n"
    "base,1,egress-county,2020,county;township,primary,"
    "egress_mbps_per_class,>=,4.5,50%,x,y\n";

#define CHECK(c)                                                        \
    do {                                                                \
        if (!(c)) {                                                     \
            fprintf(stderr, "fuzz_pack: %s:%d: check failed: %s\n",     \
                    __FILE__, __LINE__, #c);                            \
            abort();                                                    \
        }                                                               \
    } while (0)

static void
to_memfd(const void *d, size_t n)
{
    if (ftruncate(mfd, 0) != 0 || pwrite(mfd, d, n, 0) != (ssize_t)n)
        abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *name = NULL, *version = NULL;
    int n, already;

    /* FUZZ_VERBOSE=1 shows the loader's messages (reproducing a case) */
    errs = getenv("FUZZ_VERBOSE") ? stderr : fopen("/dev/null", "w");
    if (errs == NULL)
        abort();
    if ((mfd = memfd_create("fuzz_pack", 0)) < 0)
        abort();
    snprintf(mpath, sizeof(mpath), "/proc/self/fd/%d", mfd);
    if (storage_open(":memory:", &st) != 0)
        abort();
    db = storage_db(st);
    to_memfd(base_pack, strlen(base_pack));
    CHECK(packs_load_file(st, mpath, TEXTCONV_AUTO, stderr, &name, &version,
                          &n, &already) == 0);
    CHECK(n == 2 && !already);
    free(name);
    free(version);
    tmpl = sqlite3_serialize(db, "main", &tmpl_len, 0);
    CHECK(tmpl != NULL);
    tmpl_hash = fuzz_db_hash(db);
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

static void
check_rules(const char *name, const char *version, int nrules)
{
    static const struct ratio probes[] = {
        {0, 1}, {1, 1}, {2, 3}, {1000000, 1}, {999999999999LL, 1000000},
    };
    struct pack p;
    size_t i, k;
    int rc;

    /* year 2100: the latest rules, which a stored pack always has */
    rc = packs_get(st, name, version, 2100, &p, errs);
    CHECK(rc == 0);
    CHECK(strcmp(p.name, name) == 0 && strcmp(p.version, version) == 0);
    CHECK(p.nrules >= 1 && p.nrules <= (size_t)nrules);
    for (i = 0; i < p.nrules; i++) {
        const struct pack_rule *r = &p.rules[i];
        int eq;

        CHECK(r->year == p.rules_year);
        CHECK(r->share.den > 0 && r->share.num >= 0 &&
              r->share.num <= r->share.den);
        CHECK(r->thr.den > 0 && r->thr.num >= 0);
        eq = pack_rule_holds(r, r->thr);
        CHECK(eq == (r->op == OP_GE || r->op == OP_LE || r->op == OP_EQ));
        for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
            (void)pack_rule_holds(r, probes[k]);
        (void)pack_rule_in_scope(r, "urban", "primary");
        (void)pack_rule_in_scope(r, "village", "teaching_point");
    }
    packs_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum textconv_enc encs[] = {TEXTCONV_AUTO, TEXTCONV_UTF8,
                                             TEXTCONV_GBK};
    enum textconv_enc enc;
    char *name = NULL, *version = NULL;
    int rc, crc, n = 0, n2 = 0, nc = 0, already = 0;

    if (size < 1)
        return 0;
    enc = encs[data[0] % 3];
    restore();
    to_memfd(data + 1, size - 1);
    crc = packs_check_file(mpath, enc, errs, &nc);
    rc = packs_load_file(st, mpath, enc, errs, &name, &version, &n,
                         &already);
    if (errs == stderr)
        fprintf(stderr, "check %d, load %d (rules %d, already %d)\n", crc,
                rc, n, already);
    CHECK(rc == 0 || rc == -EINVAL || rc == -EEXIST);
    CHECK(crc == 0 || crc == -EINVAL);
    CHECK((crc == 0) == (rc == 0 || rc == -EEXIST));
    if (rc != 0) {
        CHECK(fuzz_db_same(db, tmpl, tmpl_len, &tmpl_hash));
        return 0;
    }
    CHECK(n == nc && n > 0 && name != NULL && version != NULL);
    if (!already) {
        /* the same bytes again: a no-op */
        char *name2 = NULL, *version2 = NULL;
        int again = 0;
        uint64_t h = fuzz_db_hash(db);

        CHECK(packs_load_file(st, mpath, enc, errs, &name2, &version2, &n2,
                              &again) == 0);
        CHECK(again == 1 && n2 == n);
        CHECK(strcmp(name, name2) == 0 && strcmp(version, version2) == 0);
        CHECK(fuzz_db_hash(db) == h);
        free(name2);
        free(version2);
    } else {
        CHECK(fuzz_db_same(db, tmpl, tmpl_len, &tmpl_hash));
    }
    check_rules(name, version, n);
    free(name);
    free(version);
    return 0;
}
