/* fuzz_registry_csv: libFuzzer harness for the school registry importer
 * (collector/registry.c over common/csv.c and common/textconv.c) on an
 * in-memory SQLite store. The first input byte picks the file kind
 * (schools, classes, areas, inventory) and the encoding the operator gave
 * (auto, utf-8, gbk); the rest is the file.
 *
 * Every input starts from the same database: a registry with a few
 * schools, classes and areas, serialized once and deserialized before each
 * run. Besides "no crash, no leak, no UB" the harness checks the importer's
 * promises:
 *   - a refused file (-EINVAL) leaves every registry table as it was;
 *   - after an accepted file, the class map and area map the collector
 *     would push to each school's agent are accepted whole by the agent's
 *     own parsers (classmap_load_text, snmp_set_areamap_csv), since an
 *     agent drops a pushed map that has errors.
 * FUZZ_NO_CLASSMAP_CHECK=1 skips the class map check, to go on fuzzing
 * while a known class map bug is open (see README.md, "Findings"). */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classmap.h"
#include "registry.h"
#include "snmp.h"
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
static FILE *devnull;
static int no_classmap_check;

static const char base_schools[] =
    "code,name,district,region,type,students,teachers,classes,"
    "contracted_mbps,declared_student_computers,declared_teacher_computers\n"
    "HF001,合肥市第一中学,合肥市,urban,senior,2400,180,48,1000,300,180\n"
    "HF003,'); DROP TABLE schools;--,肥东县,county,junior,600,50,15,100,,\n"
    "HF004,长丰县下塘镇中心小学,长丰县,township,primary,300,25,6,50,40,25\n";
static const char base_classes[] =
    "school,class,name,grade,kind,subnets,vlan\n"
    "HF001,c1-1,高一(1)班,高一,classroom,10.1.1.0/24,\n"
    "HF001,c1-2,高一(2)班,高一,classroom,10.1.2.0/24;2001:db8:1:2::/64,\n"
    "HF001,lab1,计算机教室,,computer_room,10.1.100.0/24,100\n"
    "HF001,staff,教师办公室,,staff_office,,200\n"
    "HF004,c1,\"一年级,1班\",一年级,classroom,10.4.1.0/24,\n";
static const char base_areas[] =
    "school,area,name,kind,required,aps\n"
    "HF001,r101,高一(1)班教室,classroom,yes,AP-101\n"
    "HF001,office,教师办公室,office,是,AP-OFF-1;AP-OFF-2\n"
    "HF001,yard,操场,public,no,\n";

#define CHECK(c)                                                            \
    do {                                                                    \
        if (!(c)) {                                                         \
            fprintf(stderr, "fuzz_registry_csv: %s:%d: check failed: %s\n", \
                    __FILE__, __LINE__, #c);                                \
            abort();                                                        \
        }                                                                   \
    } while (0)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct registry_result res;

    /* FUZZ_VERBOSE=1 shows the importer's messages (reproducing a case) */
    devnull = getenv("FUZZ_VERBOSE") ? stderr : fopen("/dev/null", "w");
    if (devnull == NULL)
        abort();
    no_classmap_check = getenv("FUZZ_NO_CLASSMAP_CHECK") != NULL;
    if (storage_open(":memory:", &st) != 0)
        abort();
    db = storage_db(st);
    CHECK(registry_import_buf(st, REGISTRY_SCHOOLS, "base", base_schools,
                              strlen(base_schools), TEXTCONV_AUTO, stderr,
                              &res) == 0);
    CHECK(registry_import_buf(st, REGISTRY_CLASSES, "base", base_classes,
                              strlen(base_classes), TEXTCONV_AUTO, stderr,
                              &res) == 0);
    CHECK(registry_import_buf(st, REGISTRY_AREAS, "base", base_areas,
                              strlen(base_areas), TEXTCONV_AUTO, stderr,
                              &res) == 0);
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

/* The maps pushed to each school's agent must load without an error. */
static void
check_maps(void)
{
    sqlite3_stmt *s;
    char *map, err[256];

    CHECK(sqlite3_prepare_v2(db, "SELECT code FROM schools", -1, &s,
                             NULL) == SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(s, 0);
        struct classmap *cm;
        struct snmp_set *ss;
        int n;

        CHECK(registry_class_map(st, code, &map) == 0);
        CHECK((cm = classmap_new()) != NULL);
        n = classmap_load_text(cm, "pushed class map", map, strlen(map),
                               no_classmap_check ? devnull : stderr);
        if (n != 0 && !no_classmap_check) {
            fprintf(stderr, "school %s: class map the agent refuses:\n%s",
                    code, map);
            abort();
        }
        classmap_free(cm);
        free(map);
        CHECK(registry_area_map(st, code, &map) == 0);
        CHECK((ss = snmp_set_new()) != NULL);
        if (snmp_set_areamap_csv(ss, map, strlen(map), err,
                                 sizeof(err)) != 0) {
            fprintf(stderr, "school %s: area map the agent refuses (%s):\n"
                    "%s", code, err, map);
            abort();
        }
        snmp_set_free(ss);
        free(map);
    }
    sqlite3_finalize(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum registry_kind kinds[] = {
        REGISTRY_SCHOOLS, REGISTRY_CLASSES, REGISTRY_AREAS,
        REGISTRY_INVENTORY,
    };
    static const enum textconv_enc encs[] = {TEXTCONV_AUTO, TEXTCONV_UTF8,
                                             TEXTCONV_GBK};
    struct registry_result res;
    int rc;

    if (size < 1)
        return 0;
    restore();
    rc = registry_import_buf(st, kinds[data[0] & 3], "fuzz.csv",
                             (const char *)data + 1, size - 1,
                             encs[(data[0] >> 2) % 3], devnull, &res);
    if (devnull == stderr)
        fprintf(stderr, "import: %d (rows %d, inserted %d, updated %d, "
                "removed %d)\n", rc, res.rows, res.inserted, res.updated,
                res.removed);
    CHECK(rc == 0 || rc == -EINVAL);
    if (rc == 0) {
        CHECK(res.inserted + res.updated <= res.rows);
        check_maps();
    } else {
        CHECK(fuzz_db_same(db, tmpl, tmpl_len, &tmpl_hash));
    }
    return 0;
}
