/* fuzz_api: libFuzzer harness for the JSON API's request handling
 * (collector/api.c: routing, path segments, query arguments, SQL binding,
 * JSON building) and the Prometheus label escaper, on an in-memory store
 * holding a small district, a pack and an evaluation.
 *
 * Input: the first line is the path after "/api/v1" (so "/schools/S1",
 * "/evaluations/latest", "/../x" ...); each further line is one query
 * argument "key=value" (at most 8). libmicrohttpd hands api_handle exactly
 * this: an unescaped path and a lookup of unescaped arguments.
 *
 * Checks besides "no crash, no leak, no UB":
 *   - the status is one the API documents (200, 400, 404, 501, 503);
 *   - a JSON answer parses, and is an object; an error carries "error"
 *     and the same status;
 *   - the store is never written (its change counter stays put). */
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "metrics_prom.h"
#include "storage.h"
#include "storage_sqlite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(c)                                                        \
    do {                                                                \
        if (!(c)) {                                                     \
            fprintf(stderr, "fuzz_api: %s:%d: check failed: %s\n",      \
                    __FILE__, __LINE__, #c);                            \
            abort();                                                    \
        }                                                               \
    } while (0)

static struct storage *st;

static const char fixture[] =
    "INSERT INTO schools (code, name, district, region, type, students,"
    " teachers, classes, contracted_kbps, updated) VALUES"
    " ('S1', '第一小学', 'D1', 'urban', 'primary', 100, 10, 4, 40000, 1),"
    " ('S2', '第二中学', 'D2', 'county', 'junior', 200, 20, 8, NULL, 1);"
    "INSERT INTO classes (school, class, name, kind) VALUES"
    " ('S1', 'a', '一(1)班', 'classroom'),"
    " ('S1', 'lab', '机房', 'computer_room');"
    "INSERT INTO agents VALUES ('ag1', 'S1', '0.1', 'b', 'p', 1600000000,"
    " 1600000600);"
    "INSERT INTO class_minute VALUES (1600000020, 'S1', 'a', 10, 20, 1, 1,"
    " 8, 16, 2, 'ag1'), (1600000080, 'S1', 'lab', 30, 40, 1, 1, 8, 16, 5,"
    " 'ag1'), (1600000080, 'S1', 'a', 1, 2, 1, 1, 0, 0, 0, 'ag1');"
    "INSERT INTO capture_minute VALUES (1600000020, 'S1', 'ag1', 'eth0', 5,"
    " 5, 0, 0, NULL, NULL, 0, 0, 0);"
    "INSERT INTO packs (pack, version, title, digest, loaded) VALUES"
    " ('p', '1', 't', 'x', 1);"
    "INSERT INTO pack_rules (pack, version, rule, year, regions, types,"
    " metric, op, threshold, share_num, share_den, source, text, line)"
    " VALUES ('p', '1', 'r1', 2020, 'urban', '*', 'egress_mbps_per_class',"
    " '>=', '10', 2, 3, 's', 't', 2);"
    "INSERT INTO evaluations (id, pack, version, year, rules_year, district,"
    " period_from, period_to, min_days, stale_days, created, calendar)"
    " VALUES (1, 'p', '1', 2020, 2020, '', 1577808000, 1609430400, 5, 2,"
    " 1609430400, 'built-in default');"
    "INSERT INTO evaluation_rule (eval_id, rule, seq, metric, op, threshold,"
    " regions, types, in_scope, meeting, failing, undetermined, share_num,"
    " share_den, req_num, req_den, verdict, text) VALUES (1, 'r1', 1,"
    " 'egress_mbps_per_class', '>=', '10', 'urban', '*', 1, 1, 0, 0, 1, 1,"
    " 2, 3, 'pass', 't');"
    "INSERT INTO evaluation_school (eval_id, rule, school, name, district,"
    " region, type, metric, value, value_num, value_den, declared, status,"
    " days, school_days, completeness, source, note) VALUES (1, 'r1', 'S1',"
    " '第一小学', 'D1', 'urban', 'primary', 'egress_mbps_per_class', '10',"
    " 10, 1, NULL, 'meets', 5, 5, '100', 'contracted', '');";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *err = NULL;

    (void)argc;
    (void)argv;
    if (storage_open(":memory:", &st) != 0)
        abort();
    if (sqlite3_exec(storage_db(st), fixture, NULL, NULL, &err) !=
        SQLITE_OK) {
        /* a later schema may add columns: the fixture must follow */
        fprintf(stderr, "fuzz_api: fixture: %s\n", err);
        abort();
    }
    return 0;
}

struct args {
    char *k[8];
    char *v[8];
    int n;
};

static const char *
arg(void *ctx, const char *key)
{
    struct args *a = ctx;
    int i;

    for (i = 0; i < a->n; i++)
        if (strcmp(a->k[i], key) == 0)
            return a->v[i];
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct api_resp r;
    struct args a;
    char *buf, *line, *save = NULL, path[512], esc[256];
    int changes, first = 1;
    json_t *j;

    if (size > 4096)
        return 0;
    buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    metrics_prom_escape(buf, esc, sizeof(esc));
    CHECK(strlen(esc) < sizeof(esc));
    memset(&a, 0, sizeof(a));
    snprintf(path, sizeof(path), "/api/v1");
    /* strtok_r skips empty lines: "\n\nx" is the path "x" */
    for (line = strtok_r(buf, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (first) {
            snprintf(path, sizeof(path), "/api/v1%s", line);
            first = 0;
        } else if (a.n < 8) {
            char *eq = strchr(line, '=');
            if (eq == NULL)
                continue;
            *eq = '\0';
            a.k[a.n] = line;
            a.v[a.n] = eq + 1;
            a.n++;
        }
    }
    changes = sqlite3_total_changes(storage_db(st));
    CHECK(api_handle(st, path, arg, &a, 1609430400, &r) == 0);
    CHECK(r.status == 200 || r.status == 400 || r.status == 404 ||
          r.status == 501 || r.status == 503);
    CHECK(r.body != NULL && r.ctype != NULL);
    if (strcmp(r.ctype, "application/json") == 0) {
        j = json_loadb(r.body, r.len, 0, NULL);
        CHECK(j != NULL && json_is_object(j));
        if (r.status != 200) {
            CHECK(json_is_string(json_object_get(j, "error")));
            CHECK(json_integer_value(json_object_get(j, "status")) ==
                  r.status);
        }
        json_decref(j);
    }
    CHECK(sqlite3_total_changes(storage_db(st)) == changes);
    api_resp_free(&r);
    free(buf);
    return 0;
}
