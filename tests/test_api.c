/* test_api: the HTTP modules in process: api_handle on a real SQLite store
 * holding rows this test writes (every expected figure is the test's own
 * arithmetic on those rows), metrics_prom_render's text, the constant-time
 * token comparison, the commit-latency histogram, and http_start serving a
 * real loopback socket with and without the token. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "api.h"
#include "http.h"
#include "log.h"
#include "metrics_prom.h"
#include "schema.h"
#include "storage.h"
#include "storage_sqlite.h"
#include "storage_api.h"

#define NOW 1700000000
#define T0 1699999200           /* a minute boundary before NOW */

struct fx {
    char dir[64];
    char path[96];
    struct storage *st;         /* read-write, for the fixture rows */
    struct storage *ro;         /* what the API reads through */
};

struct args {
    const char *k[8];
    const char *v[8];
};

static const char *
arg(void *ctx, const char *key)
{
    struct args *a = ctx;
    int i;

    for (i = 0; i < 8 && a->k[i] != NULL; i++)
        if (strcmp(a->k[i], key) == 0)
            return a->v[i];
    return NULL;
}

static void
exec(struct fx *fx, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(storage_db(fx->st), sql, NULL, NULL, &err) != 0)
        fail_msg("%s: %s", sql, err);
}

static int
setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    char sql[512];
    int m, c;

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_api.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/db.sqlite", fx->dir);
    if (storage_open(fx->path, &fx->st) != 0)
        return -1;
    fx->ro = NULL;
    /* two schools; S1 has three classes over 5 minutes, S2 one minute */
    exec(fx, "INSERT INTO schools (code, name, district, region, type,"
             " students, teachers, classes, contracted_kbps, updated) VALUES"
             " ('S1', '第一小学', 'D1', 'urban', 'primary', 100, 10, 4,"
             "  40000, 1),"
             " ('S2', '第二中学', 'D2', 'county', 'junior', 200, 20, 8,"
             "  NULL, 1)");
    exec(fx, "INSERT INTO classes (school, class, name, kind) VALUES"
             " ('S1', 'a', '一(1)班', 'classroom'),"
             " ('S1', 'b', '一(2)班', 'classroom'),"
             " ('S1', 'lab', '机房', 'computer_room')");
    exec(fx, "INSERT INTO agents VALUES ('ag1', 'S1', '0.1.0', 'b', 'p',"
             " 1699990000, 1699999990)");
    exec(fx, "INSERT INTO agents VALUES ('ag2', 'S3', NULL, NULL, NULL,"
             " 1699990000, 1699990000)");
    for (m = 0; m < 5; m++)
        for (c = 0; c < 3; c++) {
            /* bytes_down = 1000 * (c + 1) + m, devices = c + 1 */
            snprintf(sql, sizeof(sql),
                     "INSERT INTO class_minute VALUES (%d, 'S1', '%s', %d,"
                     " %d, 1, 1, %d, %d, %d, 'ag1')", T0 + 60 * m,
                     c == 0 ? "a" : c == 1 ? "b" : "lab", 100 * (c + 1),
                     1000 * (c + 1) + m, 8000, 16000 * (c + 1), c + 1);
            exec(fx, sql);
        }
    for (m = 0; m < 3; m++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO capture_minute VALUES (%d, 'S1', 'ag1', 'eth0',"
                 " 10, 10, 2, 0, NULL, NULL, 0, 0, 0)", T0 + 60 * m);
        exec(fx, sql);
    }
    exec(fx, "INSERT INTO class_minute VALUES (1699000020, 'S2', 'x', 1, 2,"
             " 1, 1, 0, 0, 0, 'ag9')");
    if (storage_open_ro(fx->path, &fx->ro) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[200];

    storage_close(fx->ro);
    storage_close(fx->st);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static json_t *
call(struct fx *fx, const char *path, struct args *a, int want_status)
{
    struct api_resp r;
    struct args none = {{NULL}, {NULL}};
    json_error_t e;
    json_t *j;

    assert_int_equal(api_handle(fx->ro, path, arg, a ? a : &none, NOW, &r),
                     0);
    if (r.status != want_status)
        fail_msg("%s: status %d, want %d: %.*s", path, r.status,
                 want_status, (int)r.len, r.body);
    j = json_loadb(r.body, r.len, 0, &e);
    if (j == NULL)
        fail_msg("%s: not JSON: %s", path, e.text);
    api_resp_free(&r);
    return j;
}

static void
test_schools_lists_registry_and_agent_only_schools(void **state)
{
    struct fx *fx = *state;
    json_t *j = call(fx, "/api/v1/schools", NULL, 200), *it;

    /* S1, S2 from the registry; S3 known only from agent ag2 */
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    it = json_array_get(json_object_get(j, "items"), 2);
    assert_string_equal(json_string_value(json_object_get(it, "code")), "S3");
    assert_true(json_is_null(json_object_get(it, "name")));
    assert_int_equal(json_integer_value(json_object_get(it, "registered")),
                     0);
    it = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "name")),
                        "第一小学");
    assert_int_equal(json_integer_value(json_object_get(it, "last_data")),
                     T0 + 240);
    json_decref(j);
}

static void
test_school_filters_and_paging(void **state)
{
    struct fx *fx = *state;
    struct args a = {{"region", NULL}, {"county", NULL}};
    struct args p = {{"limit", "offset", NULL}, {"1", "1", NULL}};
    struct args bad = {{"limit", NULL}, {"0", NULL}};
    json_t *j;

    j = call(fx, "/api/v1/schools", &a, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    j = call(fx, "/api/v1/schools", &p, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
                            json_object_get(j, "items"), 0), "code")), "S2");
    json_decref(j);
    json_decref(call(fx, "/api/v1/schools", &bad, 400));
}

static void
test_school_latest_minute_sums_classes(void **state)
{
    struct fx *fx = *state;
    json_t *j = call(fx, "/api/v1/schools/S1", NULL, 200), *l, *c;

    l = json_object_get(j, "latest");
    assert_int_equal(json_integer_value(json_object_get(l, "minute")),
                     T0 + 240);
    /* minute 4: bytes_down 1004, 2004, 3004; devices 1 + 2 + 3 */
    c = json_array_get(json_object_get(l, "classes"), 2);
    assert_string_equal(json_string_value(json_object_get(c, "class")),
                        "lab");
    assert_string_equal(json_string_value(json_object_get(c, "kind")),
                        "computer_room");
    assert_int_equal(json_integer_value(json_object_get(c, "bytes_down")),
                     3004);
    assert_true(json_real_value(json_object_get(c, "down_mbps")) ==
                3004 * 8.0 / 60 / 1e6);
    c = json_object_get(l, "totals");
    assert_int_equal(json_integer_value(json_object_get(c, "bytes_down")),
                     1004 + 2004 + 3004);
    assert_int_equal(json_integer_value(json_object_get(c, "devices")), 6);
    assert_true(json_is_object(json_object_get(j, "metrics")));
    json_decref(j);
    json_decref(call(fx, "/api/v1/schools/NOPE", NULL, 404));
    json_decref(call(fx, "/api/v1/schools/a%20b", NULL, 404));
}

static void
test_series_buckets_per_class_by_local_day(void **state)
{
    struct fx *fx = *state;
    struct args a = {{"bucket", "from", "to", NULL},
                     {"hour", "1699993800", "1700004600", NULL}};
    json_t *j = call(fx, "/api/v1/schools/S1/series", &a, 200), *c;
    json_t *t = json_object_get(j, "t");
    size_t i, hit = (size_t)-1;
    int64_t sum = 0;

    /* hour buckets aligned to :00 in UTC+8 (any hour is) */
    assert_int_equal(json_integer_value(json_array_get(t, 0)) % 3600, 0);
    for (i = 0; i < json_array_size(t); i++)
        if (json_integer_value(json_array_get(t, i)) == T0 - T0 % 3600)
            hit = i;
    assert_true(hit != (size_t)-1);
    c = json_array_get(json_object_get(j, "classes"), 0);   /* class a */
    for (i = 0; i < 5; i++)
        sum += 1000 + (int64_t)i;
    assert_int_equal(json_integer_value(json_array_get(
                         json_object_get(c, "bytes_down"), hit)), sum);
    assert_int_equal(json_integer_value(json_array_get(
                         json_object_get(c, "minutes"), hit)), 5);
    /* devices at the busiest minute: 1 + 2 + 3 */
    assert_int_equal(json_integer_value(json_array_get(
                         json_object_get(j, "devices_max"), hit)), 6);
    assert_int_equal(json_integer_value(json_array_get(
                         json_object_get(j, "capture_minutes"), hit)), 3);
    assert_true(json_is_null(json_array_get(
                    json_object_get(c, "bytes_down"), 0)));
    json_decref(j);
}

static void
test_series_refuses_too_many_buckets(void **state)
{
    struct fx *fx = *state;
    struct args a = {{"bucket", "from", "to", NULL},
                     {"minute", "2020-01-01", "2020-02-01", NULL}};
    struct args b = {{"bucket", NULL}, {"week", NULL}};

    json_decref(call(fx, "/api/v1/schools/S1/series", &a, 400));
    json_decref(call(fx, "/api/v1/schools/S1/series", &b, 400));
}

static void
test_agents_completeness_over_window(void **state)
{
    struct fx *fx = *state;
    struct args a = {{"window", NULL}, {"3600", NULL}};
    json_t *j = call(fx, "/api/v1/agents", &a, 200), *ag, *cap;

    assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
    ag = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(ag, "agent_id")),
                        "ag1");
    cap = json_object_get(ag, "capture");
    /* 3 capture minutes in the hour before NOW */
    assert_int_equal(json_integer_value(json_object_get(cap, "minutes")), 3);
    assert_true(json_real_value(json_object_get(cap, "completeness_pct")) ==
                100.0 * 3 / 60);
    assert_int_equal(json_integer_value(json_object_get(cap, "pcap_drop")),
                     6);
    assert_int_equal(json_integer_value(json_object_get(ag, "age_s")),
                     NOW - 1699999990);
    json_decref(j);
}

static void
test_unknown_paths_and_missing_evaluations(void **state)
{
    struct fx *fx = *state;
    struct args a = {{"pack", "year", NULL}, {"hefei", "2020", NULL}};
    json_t *j;

    json_decref(call(fx, "/api/v1/nope", NULL, 404));
    json_decref(call(fx, "/api/v1/evaluations/1", NULL, 404));
    json_decref(call(fx, "/api/v1/evaluations/latest", &a, 404));
    j = call(fx, "/api/v1/evaluations", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* a verdict filter with nothing evaluated: every school not_evaluated */
    j = call(fx, "/api/v1/schools", &a, 200);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
                            json_object_get(j, "items"), 0), "verdict")),
                        "not_evaluated");
    json_decref(j);
}

static int
cancel_always(void *arg)
{
    (void)arg;
    return 1;
}

/* The time budget http.c gives a read-only handle: a cancelled query is a
 * 503 for the API and a failed store part for /metrics; without the
 * check the same handle answers again. */
static void
test_cancelled_query_answers_503(void **state)
{
    struct fx *fx = *state;
    char *out = NULL;
    size_t len;
    json_t *j;

    /* enough agents that walking them takes the backend a while (SQLite
     * checks every 10000 steps) */
    exec(fx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
             " FROM n WHERE i < 20000) INSERT INTO agents SELECT"
             " 'bulk' || i, 'S9', NULL, NULL, NULL, 1, 2 FROM n");
    storage_api_set_cancel(fx->ro, cancel_always, NULL);
    j = call(fx, "/api/v1/schools", NULL, 503);
    assert_string_equal(json_string_value(json_object_get(j, "error")),
                        "store busy or query over its time budget");
    json_decref(j);
    json_decref(call(fx, "/api/v1/agents", NULL, 503));
    assert_int_equal(metrics_prom_store(fx->ro, NOW, &out, &len), -EIO);
    storage_api_set_cancel(fx->ro, NULL, NULL);
    json_decref(call(fx, "/api/v1/schools", NULL, 200));
}

/* A store of the first schema version only (agents and their minutes):
 * no registry, packs or evaluations to ask for, and the API answers with
 * what there is. */
static void
test_store_of_the_first_version(void **state)
{
    struct fx *fx = *state;
    struct storage *old, *ro = fx->ro;
    char path[128];
    sqlite3 *db;
    json_t *j, *it;

    snprintf(path, sizeof(path), "%s/old.sqlite", fx->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(schema_migrations[0].version, 1);
    assert_int_equal(sqlite3_exec(db, schema_migrations[0].sql, NULL, NULL,
                                  NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "PRAGMA user_version = 1;"
        "INSERT INTO agents VALUES ('ag1', 'S1', '0.1.0', 'b', 'p',"
        " 1699990000, 1699999990);"
        "INSERT INTO class_minute VALUES (1699999200, 'S1', 'a', 100,"
        " 1000, 1, 1, 8000, 16000, 3, 'ag1');", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(storage_open_ro(path, &old), 0);
    assert_int_equal(storage_api_has(old, STORAGE_API_REGISTRY), 0);
    assert_int_equal(storage_api_has(old, STORAGE_API_EVALUATIONS), 0);
    assert_int_equal(storage_api_has(old, STORAGE_API_AGENT_STATUS), 0);
    assert_int_equal(storage_api_has(fx->ro, STORAGE_API_REGISTRY), 1);
    assert_int_equal(storage_api_has(fx->ro, STORAGE_API_EVALUATIONS), 1);

    fx->ro = old;   /* call() reads through fx->ro */
    j = call(fx, "/api/v1/status", NULL, 200);
    assert_true(json_is_false(json_object_get(j, "registry")));
    assert_true(json_is_false(json_object_get(j, "evaluations")));
    assert_int_equal(json_integer_value(json_object_get(j,
                                                        "schema_version")), 1);
    json_decref(j);
    j = call(fx, "/api/v1/schools", NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    it = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "code")), "S1");
    assert_int_equal(json_integer_value(json_object_get(it, "last_data")),
                     1699999200);
    json_decref(j);
    j = call(fx, "/api/v1/schools/S1", NULL, 200);
    it = json_array_get(json_object_get(json_object_get(j, "latest"),
                                        "classes"), 0);
    assert_true(json_is_null(json_object_get(it, "name")));
    assert_int_equal(json_integer_value(json_object_get(it, "bytes_down")),
                     1000);
    json_decref(j);
    j = call(fx, "/api/v1/packs", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    json_decref(call(fx, "/api/v1/evaluations/1", NULL, 404));
    json_decref(call(fx, "/api/v1/agents", NULL, 200));
    storage_close(old);
    fx->ro = ro;
}

static void
test_prometheus_page_has_families_once(void **state)
{
    struct fx *fx = *state;
    struct http_live live;
    char *out, *p;
    size_t len;
    int n = 0;

    http_live_init(&live, NOW - 10);
    http_live_commit(&live, 400);       /* <= 0.5 ms */
    http_live_commit(&live, 3000);      /* <= 5 ms */
    http_live_commit(&live, 5000000);   /* +Inf */
    assert_int_equal(metrics_prom_render(fx->ro, &live, NOW, &out, &len), 0);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "classband_school_devices{school=\"S1\"} 6\n"));
    /* 3004 bytes in the minute / 60 */
    assert_non_null(strstr(out, "classband_class_down_bytes_per_second{"
                                "school=\"S1\",class=\"lab\","
                                "kind=\"computer_room\"} 50.067\n"));
    assert_non_null(strstr(out, "classband_school_info{school=\"S1\","
                                "name=\"第一小学\",district=\"D1\","
                                "region=\"urban\",type=\"primary\"} 1\n"));
    assert_non_null(strstr(out, "_bucket{le=\"0.0005\"} 1\n"));
    assert_non_null(strstr(out, "_bucket{le=\"0.005\"} 2\n"));
    assert_non_null(strstr(out, "_bucket{le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(out, "commit_duration_seconds_count 3\n"));
    for (p = out; (p = strstr(p, "# TYPE classband_school_devices ")); p++)
        n++;
    assert_int_equal(n, 1);
    free(out);
}

static void
test_label_values_are_escaped(void **state)
{
    char buf[32];

    (void)state;
    metrics_prom_escape("a\"b\\c\nd", buf, sizeof(buf));
    assert_string_equal(buf, "a\\\"b\\\\c\\nd");
    metrics_prom_escape("abcdefgh", buf, 5);
    assert_string_equal(buf, "abcd");
}

static void
test_token_comparison(void **state)
{
    (void)state;
    assert_true(http_token_equal("secret-token", 12, "secret-token", 12));
    assert_false(http_token_equal("secret-tokeN", 12, "secret-token", 12));
    assert_false(http_token_equal("secret-toke", 11, "secret-token", 12));
    assert_false(http_token_equal("secret-token1", 13, "secret-token", 12));
    assert_false(http_token_equal("", 0, "secret-token", 12));
}

/* One HTTP/1.0 request over loopback; returns the status code. */
static int
http_get(int port, const char *path, const char *auth, char *body,
         size_t cap)
{
    struct sockaddr_in sa;
    char req[512], resp[65536];
    size_t got = 0;
    ssize_t n;
    int fd, status = -1;
    char *p;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        return -1;
    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n%s%s%s\r\n", path,
             auth ? "Authorization: Bearer " : "", auth ? auth : "",
             auth ? "\r\n" : "");
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        return -1;
    while (got < sizeof(resp) - 1 &&
           (n = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    resp[got] = '\0';
    sscanf(resp, "HTTP/1.%*d %d", &status);
    p = strstr(resp, "\r\n\r\n");
    snprintf(body, cap, "%s", p ? p + 4 : "");
    return status;
}

static void
test_server_answers_only_with_the_token(void **state)
{
    struct fx *fx = *state;
    const char *tokens[] = {"0123456789abcdef"};
    struct http_opts o;
    struct http *h;
    char body[4096];
    int port;

    memset(&o, 0, sizeof(o));
    o.listen = "127.0.0.1:0";
    o.db = fx->path;
    o.tokens = tokens;
    o.ntokens = 1;
    o.web_dir = "/nonexistent";
    assert_int_equal(http_start(&o, &h), 0);
    port = http_port(h);
    assert_true(port > 0);
    assert_int_equal(http_get(port, "/api/v1/status", NULL, body,
                              sizeof(body)), 401);
    assert_int_equal(http_get(port, "/api/v1/status", "0123456789abcdeX",
                              body, sizeof(body)), 401);
    assert_int_equal(http_get(port, "/api/v1/status", tokens[0], body,
                              sizeof(body)), 200);
    assert_non_null(strstr(body, "\"api\":\"v1\""));
    assert_int_equal(http_get(port, "/metrics", tokens[0], body,
                              sizeof(body)), 200);
    assert_non_null(strstr(body, "classband_http_unauthorized_total 2"));
    /* no dashboard files: the page says how to build them */
    assert_int_equal(http_get(port, "/ui/", NULL, body, sizeof(body)), 200);
    assert_non_null(strstr(body, "build.sh"));
    http_stop(h);
    /* without tokens only loopback may be served */
    o.ntokens = 0;
    o.listen = "0.0.0.0:0";
    assert_int_equal(http_start(&o, &h), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_schools_lists_registry_and_agent_only_schools, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_school_filters_and_paging,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_school_latest_minute_sums_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_series_buckets_per_class_by_local_day, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_series_refuses_too_many_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_agents_completeness_over_window, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_unknown_paths_and_missing_evaluations, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_prometheus_page_has_families_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_cancelled_query_answers_503, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store_of_the_first_version, setup, teardown),
        cmocka_unit_test(test_label_values_are_escaped),
        cmocka_unit_test(test_token_comparison),
        cmocka_unit_test_setup_teardown(
            test_server_answers_only_with_the_token, setup, teardown),
    };

    log_init("test_api", 0, 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
