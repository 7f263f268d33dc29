/* api: see api.h. Every handler asks the store through storage_api.h and
 * builds a jansson tree from the rows it hands over; the router turns the
 * tree into the response. The JSON keys are the names of docs/openapi.yaml
 * (and of the store's columns where a figure is stored as it is shown);
 * what is computed from the rows (rates, verdicts, counts of verdicts) is
 * computed here, so that any backend gives the same answers. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"
#include "calendar.h"
#include "metrics.h"
#if __has_include("report.h")
#include "evaluate.h"
#include "report.h"
#define API_HAVE_REPORT 1
#endif
#include "storage.h"
#include "storage_api.h"

#define API_MAX_LIMIT 1000
#define API_DEFAULT_LIMIT 100

/* A failed request: status and message, carried up to the router. */
struct api_err {
    int status;
    char msg[200];
};

struct req {
    struct storage *st;
    api_arg_fn arg;
    void *ctx;
    int64_t now;
    struct api_err err;
};

static json_t *
fail(struct req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
fail(struct req *r, int status, const char *fmt, ...)
{
    va_list ap;

    r->err.status = status;
    va_start(ap, fmt);
    vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
    va_end(ap);
    return NULL;
}

/* Maps a store failure to a status: a cancelled query (over the request's
 * time budget) or a busy store is 503, anything else 500. */
static json_t *
fail_store(struct req *r, int rc)
{
    if (rc == -EAGAIN)
        return fail(r, 503, "store busy or query over its time budget");
    if (rc == -ENOMEM)
        return fail(r, 500, "out of memory");
    return fail(r, 500, "store error: %s", storage_api_errmsg(r->st));
}

/* ------------------------------------------------------------------ */
/* arguments                                                            */

static const char *
arg_str(struct req *r, const char *key)
{
    const char *v = r->arg(r->ctx, key);

    return v != NULL && *v != '\0' ? v : NULL;
}

/* Integer argument in [min, max]; def when absent. 0, or -1 with r->err
 * set (400). */
static int
arg_int(struct req *r, const char *key, long long def, long long min,
        long long max, long long *out)
{
    const char *v = arg_str(r, key);
    char *end;
    long long x;

    if (v == NULL) {
        *out = def;
        return 0;
    }
    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || x < min || x > max) {
        fail(r, 400, "bad %s \"%.40s\": an integer from %lld to %lld", key,
             v, min, max);
        return -1;
    }
    *out = x;
    return 0;
}

/* Time argument: unix seconds or YYYY-MM-DD (UTC midnight). */
static int
arg_time(struct req *r, const char *key, int64_t def, int64_t *out)
{
    const char *v = arg_str(r, key);
    char *end;
    int y, m, d, n = 0;

    if (v == NULL) {
        *out = def;
        return 0;
    }
    if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && v[n] == '\0' &&
        m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 1970) {
        *out = calendar_civil_day(y, m, d) * 86400;
        return 0;
    }
    errno = 0;
    *out = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || *out < 0) {
        fail(r, 400, "bad %s \"%.40s\": unix seconds or YYYY-MM-DD", key, v);
        return -1;
    }
    return 0;
}

/* School codes and pack names are identifiers ([A-Za-z0-9_.:-], 1..64),
 * as the registry accepts them. */
static int
is_ident(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
              c == '-'))
            return 0;
    }
    return n >= 1 && n <= 64;
}

/* ------------------------------------------------------------------ */
/* JSON values of stored fields                                         */

/* A stored text, or null: absent, or not UTF-8 (never from the importers;
 * null rather than a broken document). */
static json_t *
jstr(const char *s)
{
    json_t *j = s != NULL ? json_string(s) : NULL;

    return j != NULL ? j : json_null();
}

static json_t *
jopt(struct storage_api_int v)
{
    return v.null ? json_null() : json_integer(v.v);
}

static void
set_str(json_t *o, const char *key, const char *v)
{
    json_object_set_new(o, key, jstr(v));
}

static void
set_int(json_t *o, const char *key, int64_t v)
{
    json_object_set_new(o, key, json_integer(v));
}

static void
set_opt(json_t *o, const char *key, struct storage_api_int v)
{
    json_object_set_new(o, key, jopt(v));
}

/* Mean rate in Mbit/s of bytes in one minute. */
static double
mbps(int64_t bytes)
{
    return (double)bytes * 8.0 / 60 / 1e6;
}

/* ------------------------------------------------------------------ */
/* /status                                                              */

static json_t *
h_status(struct req *r)
{
    json_t *o;
    int64_t ver = 0;
    int rc;

    if ((rc = storage_api_schema_version(r->st, &ver)) != 0)
        return fail_store(r, rc);
    o = json_pack("{s:s, s:s, s:I, s:I}", "api", "v1", "version",
                  CLASSBAND_VERSION, "now", (json_int_t)r->now,
                  "schema_version", (json_int_t)ver);
    json_object_set_new(o, "registry", json_boolean(
                            storage_api_has(r->st, STORAGE_API_REGISTRY)));
    json_object_set_new(o, "evaluations", json_boolean(
                            storage_api_has(r->st, STORAGE_API_EVALUATIONS)));
    return o;
}

/* ------------------------------------------------------------------ */
/* /schools                                                             */

/* Every school: the registry's, plus those known only from their agents
 * (name and the rest null), filtered, then paged. With pack and year,
 * each school's verdict in the latest evaluation of that pack and year
 * covering its district (its own district's or the all-districts one,
 * whichever is newer): fails if any rule fails, meets if every rule
 * meets, undetermined otherwise, not_evaluated without rows. */

struct school_item {
    json_t *o;              /* code ... registered, in answer order */
    const char *code;       /* in o */
    struct storage_api_int last_seen;
    int64_t eval_id;        /* -1: none */
    json_t *rules;          /* rule -> status, with evaluations */
    int nrules, fails, meets;
    const char *verdict;    /* static; NULL without evaluations */
};

struct eval_district {
    char *district;
    int64_t id;
};

struct schools_walk {
    const char *district, *region, *type, *q;
    struct school_item *it;
    size_t n, cap;
    struct eval_district *ev;
    size_t nev, evcap;
    struct school_item **byid;  /* it sorted by code, for the statuses */
};

static int
same(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

static int
eval_group_cb(void *arg, const struct storage_api_eval_group *g)
{
    struct schools_walk *w = arg;
    struct eval_district *nv;

    if (w->nev == w->evcap) {
        w->evcap = w->evcap ? w->evcap * 2 : 8;
        if ((nv = realloc(w->ev, w->evcap * sizeof(*nv))) == NULL)
            return -ENOMEM;
        w->ev = nv;
    }
    if ((w->ev[w->nev].district = strdup(g->district)) == NULL)
        return -ENOMEM;
    w->ev[w->nev++].id = g->max_id;
    return 0;
}

static int
school_item_cb(void *arg, const struct storage_api_school *s)
{
    struct schools_walk *w = arg;
    struct school_item *it, *nit;
    size_t i;
    json_t *o;

    if ((w->district != NULL && !same(s->district, w->district)) ||
        (w->region != NULL && !same(s->region, w->region)) ||
        (w->type != NULL && !same(s->type, w->type)))
        return 0;
    if (w->q != NULL && strstr(s->code, w->q) == NULL &&
        (s->name == NULL || strstr(s->name, w->q) == NULL))
        return 0;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        if ((nit = realloc(w->it, w->cap * sizeof(*nit))) == NULL)
            return -ENOMEM;
        w->it = nit;
    }
    it = &w->it[w->n];
    memset(it, 0, sizeof(*it));
    if ((o = json_object()) == NULL)
        return -ENOMEM;
    w->n++;
    it->o = o;
    set_str(o, "code", s->code);
    set_str(o, "name", s->name);
    set_str(o, "district", s->district);
    set_str(o, "region", s->region);
    set_str(o, "type", s->type);
    set_opt(o, "students", s->students);
    set_opt(o, "teachers", s->teachers);
    set_opt(o, "classes", s->classes);
    set_opt(o, "contracted_kbps", s->contracted_kbps);
    set_int(o, "registered", s->registered);
    it->code = json_string_value(json_object_get(o, "code"));
    if (it->code == NULL)
        it->code = "";
    it->last_seen = s->last_seen;
    it->eval_id = -1;
    for (i = 0; i < w->nev; i++)
        if ((w->ev[i].district[0] == '\0' ||
             same(s->district, w->ev[i].district)) &&
            w->ev[i].id > it->eval_id)
            it->eval_id = w->ev[i].id;
    return 0;
}

static int
by_code(const void *a, const void *b)
{
    const struct school_item *x = *(struct school_item *const *)a;
    const struct school_item *y = *(struct school_item *const *)b;

    return strcmp(x->code, y->code);
}

struct status_walk {
    struct schools_walk *w;
    int64_t id;
};

static int
status_cb(void *arg, const char *school, const char *rule,
          const char *status)
{
    struct status_walk *sw = arg;
    struct school_item key, *kp = &key, **hit;

    key.code = school;
    hit = bsearch(&kp, sw->w->byid, sw->w->n, sizeof(*sw->w->byid),
                  by_code);
    if (hit == NULL || (*hit)->eval_id != sw->id)
        return 0;
    (*hit)->nrules++;
    if (same(status, "fails"))
        (*hit)->fails++;
    else if (same(status, "meets"))
        (*hit)->meets++;
    json_object_set_new((*hit)->rules, rule, jstr(status));
    return 0;
}

/* The verdict of every school, from one walk of each evaluation's rows. */
static int
school_verdicts(struct req *r, struct schools_walk *w)
{
    struct status_walk sw;
    size_t i, j;
    int rc;

    if (w->n == 0)
        return 0;
    if ((w->byid = calloc(w->n, sizeof(*w->byid))) == NULL)
        return -ENOMEM;
    for (i = 0; i < w->n; i++) {
        w->byid[i] = &w->it[i];
        if ((w->it[i].rules = json_object()) == NULL)
            return -ENOMEM;
    }
    qsort(w->byid, w->n, sizeof(*w->byid), by_code);
    sw.w = w;
    for (i = 0; i < w->nev; i++) {
        /* each evaluation once, however many districts point at it */
        for (j = 0; j < i && w->ev[j].id != w->ev[i].id; j++)
            ;
        if (j < i)
            continue;
        sw.id = w->ev[i].id;
        if ((rc = storage_api_eval_statuses(r->st, sw.id, status_cb,
                                            &sw)) != 0)
            return rc;
    }
    for (i = 0; i < w->n; i++) {
        struct school_item *it = &w->it[i];

        if (it->eval_id < 0 || it->nrules == 0)
            it->verdict = "not_evaluated";
        else if (it->fails > 0)
            it->verdict = "fails";
        else if (it->meets == it->nrules)
            it->verdict = "meets";
        else
            it->verdict = "undetermined";
    }
    return 0;
}

static void
schools_walk_free(struct schools_walk *w)
{
    size_t i;

    for (i = 0; i < w->n; i++) {
        json_decref(w->it[i].o);
        json_decref(w->it[i].rules);
    }
    for (i = 0; i < w->nev; i++)
        free(w->ev[i].district);
    free(w->it);
    free(w->ev);
    free(w->byid);
}

static json_t *
h_schools(struct req *r)
{
    const char *district = arg_str(r, "district"), *region = arg_str(r,
        "region"), *type = arg_str(r, "type"), *verdict = arg_str(r,
        "verdict"), *pack = arg_str(r, "pack"), *q = arg_str(r, "q");
    long long limit, offset, year;
    int has_eval = storage_api_has(r->st, STORAGE_API_EVALUATIONS);
    struct schools_walk w;
    json_t *o, *items;
    int64_t total = 0;
    int use_eval, rc;
    size_t i;

    if (arg_int(r, "limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT, &limit) ||
        arg_int(r, "offset", 0, 0, INT32_MAX, &offset) ||
        arg_int(r, "year", 0, 0, 9999, &year))
        return NULL;
    if ((pack == NULL) != (year == 0))
        return fail(r, 400, "pack and year go together");
    if (verdict != NULL && pack == NULL)
        return fail(r, 400, "verdict needs pack and year");
    if (verdict != NULL && strcmp(verdict, "meets") != 0 &&
        strcmp(verdict, "fails") != 0 && strcmp(verdict, "undetermined") &&
        strcmp(verdict, "not_evaluated") != 0)
        return fail(r, 400, "verdict is meets, fails, undetermined or "
                            "not_evaluated");
    use_eval = pack != NULL && has_eval;

    memset(&w, 0, sizeof(w));
    w.district = district;
    w.region = region;
    w.type = type;
    w.q = q;
    rc = 0;
    if (use_eval)
        rc = storage_api_eval_groups(r->st, pack, year, eval_group_cb, &w);
    if (rc == 0)
        rc = storage_api_each_school(r->st, school_item_cb, &w);
    if (rc == 0 && use_eval)
        rc = school_verdicts(r, &w);
    if (rc != 0) {
        schools_walk_free(&w);
        return fail_store(r, rc);
    }

    /* without evaluations stored every school is not_evaluated: that
     * filter keeps all, any other none */
    items = json_array();
    for (i = 0; i < w.n; i++) {
        struct school_item *it = &w.it[i];
        const char *v = use_eval ? it->verdict : "not_evaluated";
        json_t *io = it->o;
        int64_t last;

        if (verdict != NULL && strcmp(v, verdict) != 0)
            continue;
        if (total++ < offset || total > offset + limit)
            continue;
        rc = storage_api_last_minute(r->st, it->code, &last);
        if (rc != 0 && rc != -ENOENT) {
            json_decref(items);
            schools_walk_free(&w);
            return fail_store(r, rc);
        }
        json_object_set_new(io, "last_data", rc == 0 ? json_integer(last)
                                                     : json_null());
        set_opt(io, "last_seen", it->last_seen);
        json_object_set_new(io, "eval_id", use_eval && it->eval_id >= 0 ?
                            json_integer(it->eval_id) : json_null());
        json_object_set_new(io, "verdict", pack != NULL ? json_string(v)
                                                        : json_null());
        /* per rule statuses, for the overview table */
        if (use_eval)
            json_object_set(io, "rules", it->rules);
        json_array_append(items, io);
    }
    schools_walk_free(&w);
    o = json_pack("{s:I, s:I, s:I}", "total", (json_int_t)total, "limit",
                  (json_int_t)limit, "offset", (json_int_t)offset);
    json_object_set_new(o, "items", items);
    return o;
}

/* ------------------------------------------------------------------ */
/* /schools/{code}                                                      */

static int
registry_cb(void *arg, const struct storage_api_school *s)
{
    json_t *o = json_object();

    set_str(o, "code", s->code);
    set_str(o, "name", s->name);
    set_str(o, "district", s->district);
    set_str(o, "region", s->region);
    set_str(o, "type", s->type);
    set_opt(o, "students", s->students);
    set_opt(o, "teachers", s->teachers);
    set_opt(o, "classes", s->classes);
    set_opt(o, "contracted_kbps", s->contracted_kbps);
    set_opt(o, "declared_student_computers", s->declared_student_computers);
    set_opt(o, "declared_teacher_computers", s->declared_teacher_computers);
    set_opt(o, "updated", s->updated);
    *(json_t **)arg = o;
    return 0;
}

static json_t *
school_registry(struct req *r, const char *code, int *found)
{
    json_t *o = NULL;
    int rc;

    *found = 0;
    if (!storage_api_has(r->st, STORAGE_API_REGISTRY))
        return json_null();
    rc = storage_api_school(r->st, code, registry_cb, &o);
    if (rc == -ENOENT)
        return json_null();
    if (rc != 0) {
        json_decref(o);
        return fail_store(r, rc);
    }
    *found = 1;
    return o;
}

struct latest_walk {
    json_t *arr;
    int64_t bytes_up, bytes_down, devices;
};

static int
latest_cb(void *arg, const struct storage_api_class_minute *c)
{
    struct latest_walk *w = arg;
    json_t *o = json_object();

    set_str(o, "class", c->class_id);
    set_str(o, "name", c->name);
    set_str(o, "kind", c->kind);
    set_int(o, "bytes_up", c->bytes_up);
    set_int(o, "bytes_down", c->bytes_down);
    set_int(o, "pkts_up", c->pkts_up);
    set_int(o, "pkts_down", c->pkts_down);
    json_object_set_new(o, "up_mbps", json_real(mbps(c->bytes_up)));
    json_object_set_new(o, "down_mbps", json_real(mbps(c->bytes_down)));
    set_int(o, "peak_up_bps", c->peak_up_bps);
    set_int(o, "peak_down_bps", c->peak_down_bps);
    set_int(o, "devices", c->devices);
    json_array_append_new(w->arr, o);
    w->bytes_up += c->bytes_up;
    w->bytes_down += c->bytes_down;
    w->devices += c->devices;
    return 0;
}

/* The classes of the school's latest stored minute, with rates: bytes in
 * a minute * 8 / 60 is the mean bit rate of that minute. Registry names
 * and kinds where they exist. */
static json_t *
school_latest(struct req *r, const char *code, int64_t *last)
{
    struct latest_walk w;
    json_t *o, *t;
    int rc;

    *last = -1;
    rc = storage_api_last_minute(r->st, code, last);
    if (rc == -ENOENT) {
        *last = -1;
        return json_null();
    }
    if (rc != 0) {
        *last = -1;
        return fail_store(r, rc);
    }
    memset(&w, 0, sizeof(w));
    w.arr = json_array();
    if ((rc = storage_api_minute_classes(r->st, code, *last, latest_cb,
                                         &w)) != 0) {
        json_decref(w.arr);
        return fail_store(r, rc);
    }
    o = json_pack("{s:I}", "minute", (json_int_t)*last);
    json_object_set_new(o, "classes", w.arr);
    /* totals over the classes */
    t = json_object();
    set_int(t, "bytes_up", w.bytes_up);
    set_int(t, "bytes_down", w.bytes_down);
    json_object_set_new(t, "up_mbps", json_real(mbps(w.bytes_up)));
    json_object_set_new(t, "down_mbps", json_real(mbps(w.bytes_down)));
    set_int(t, "devices", w.devices);
    json_object_set_new(o, "totals", t);
    return o;
}

static const char *const metric_sources_note =
    "value is a decimal string (exact); null when there is no data";

/* Every metric of DESIGN.md for [from, to) by the compliance module's own
 * computation, so that the dashboard and the report agree. */
static json_t *
school_metrics(struct req *r, const char *code, const char *district,
               int64_t from, int64_t to)
{
    struct metrics_school *ms;
    struct calendar cal;
    json_t *o, *vals;
    char buf[64];
    int i, rc;

    ms = calloc(1, sizeof(*ms));
    if (ms == NULL)
        return fail(r, 500, "out of memory");
    if (calendar_get(r->st, district ? district : "", &cal) != 0) {
        free(ms);
        return fail(r, 503, "cannot read the calendar");
    }
    rc = metrics_compute(r->st, code, &cal, from, to, 5, ms);
    calendar_free(&cal);
    if (rc != 0) {
        free(ms);
        if (rc == -ENOENT)
            return json_null();
        return fail(r, 503, "metrics: store busy or query over its budget");
    }
    o = json_pack("{s:I, s:I, s:s}", "from", (json_int_t)from, "to",
                  (json_int_t)to, "note", metric_sources_note);
    json_object_set_new(o, "evidence", json_pack(
        "{s:i, s:i, s:I, s:I, s:I, s:i}",
        "school_days", ms->ev.school_days,
        "days_with_data", ms->ev.days_with_data,
        "school_minutes", (json_int_t)ms->ev.school_minutes,
        "minutes_with_data", (json_int_t)ms->ev.minutes_with_data,
        "last_data", (json_int_t)ms->ev.last_data,
        "recent_days_with_data", ms->ev.recent_days_with_data));
    vals = json_object();
    for (i = 0; i < M_COUNT; i++) {
        const struct metric_value *v = &ms->m[i];
        json_t *mv;

        if (v->state == MS_VALUE) {
            /* as the evaluation and the report write it */
            ratio_format(v->v, 2, buf, sizeof(buf));
            mv = json_pack("{s:s, s:f}", "value", buf, "number",
                           ratio_double(v->v));
        } else {
            mv = json_pack("{s:n, s:n}", "value", "number");
        }
        json_object_set_new(mv, "source", json_string(v->source) ?:
                            json_null());
        json_object_set_new(mv, "declared", v->declared[0]
                            ? (json_string(v->declared) ?: json_null())
                            : json_null());
        json_object_set_new(mv, "note", json_string(v->note) ?:
                            json_null());
        json_object_set_new(vals, metrics_name(i), mv);
    }
    json_object_set_new(o, "values", vals);
    free(ms);
    return o;
}

static int
school_agent_cb(void *arg, const struct storage_api_agent *a)
{
    json_t *o = json_object();

    set_str(o, "agent_id", a->agent_id);
    set_str(o, "version", a->version);
    set_str(o, "peer", a->peer);
    set_int(o, "first_seen", a->first_seen);
    set_int(o, "last_seen", a->last_seen);
    json_array_append_new(arg, o);
    return 0;
}

static json_t *
school_agents(struct req *r, const char *code)
{
    json_t *arr = json_array();
    int rc;

    if ((rc = storage_api_each_agent(r->st, code, -1, 0, school_agent_cb,
                                     arr)) != 0) {
        json_decref(arr);
        return fail_store(r, rc);
    }
    return arr;
}

static json_t *
h_school(struct req *r, const char *code)
{
    json_t *reg, *latest, *agents, *o, *mx = NULL;
    const char *district = NULL;
    int64_t last, from, to;
    int found;

    reg = school_registry(r, code, &found);
    if (reg == NULL)
        return NULL;
    latest = school_latest(r, code, &last);
    if (latest == NULL) {
        json_decref(reg);
        return NULL;
    }
    agents = school_agents(r, code);
    if (agents == NULL) {
        json_decref(reg);
        json_decref(latest);
        return NULL;
    }
    if (!found && last < 0 && json_array_size(agents) == 0) {
        json_decref(reg);
        json_decref(latest);
        json_decref(agents);
        return fail(r, 404, "no school \"%s\"", code);
    }
    o = json_pack("{s:s, s:b}", "code", code, "registered", found);
    json_object_set_new(o, "school", reg);
    json_object_set_new(o, "last_data", last < 0 ? json_null()
                                                 : json_integer(last));
    json_object_set_new(o, "latest", latest);
    json_object_set_new(o, "agents", agents);
    /* the metrics need the registry (students, classes, calendar) */
    if (found) {
        district = json_string_value(json_object_get(reg, "district"));
        to = last >= 0 ? (last / 86400 + 1) * 86400 : r->now;
        if (arg_time(r, "to", to, &to) != 0 ||
            arg_time(r, "from", to - 30 * 86400, &from) != 0) {
            json_decref(o);
            return NULL;
        }
        if (from >= to) {
            json_decref(o);
            return fail(r, 400, "from must be before to");
        }
        /* metrics walk the period day by day: bound it */
        if (to - from > 400 * 86400) {
            json_decref(o);
            return fail(r, 400, "at most 400 days of metrics per request");
        }
        mx = school_metrics(r, code, district, from, to);
        if (mx == NULL) {
            json_decref(o);
            return NULL;
        }
    }
    json_object_set_new(o, "metrics", mx ? mx : json_null());
    return o;
}

/* ------------------------------------------------------------------ */
/* /schools/{code}/series                                               */

/* The metrics series shows per day; other metrics stay in the school's
 * period view. */
static const int daily_ids[] = {
    M_WIFI_COVERAGE_PCT, M_BROADBAND_UPTIME_PCT, M_EGRESS_CAPACITY,
    M_CLASS_P95_DOWN,
};

static int
daily_metrics(struct req *r, const char *code, const char *district,
              json_t *o, int64_t from, int64_t nb)
{
    struct metrics_school *ms;
    struct calendar cal;
    json_t *cols[sizeof(daily_ids) / sizeof(daily_ids[0])], *dm;
    size_t k, nk = sizeof(daily_ids) / sizeof(daily_ids[0]);
    int64_t i;
    int rc = 0;

    ms = calloc(1, sizeof(*ms));
    if (ms == NULL) {
        fail(r, 500, "out of memory");
        return -1;
    }
    if (calendar_get(r->st, district, &cal) != 0) {
        free(ms);
        fail(r, 503, "cannot read the calendar");
        return -1;
    }
    dm = json_object();
    for (k = 0; k < nk; k++) {
        cols[k] = json_array();
        json_object_set_new(dm, metrics_name(daily_ids[k]), cols[k]);
    }
    for (i = 0; i < nb && rc == 0; i++) {
        rc = metrics_compute(r->st, code, &cal, from + i * 86400,
                             from + (i + 1) * 86400, 1, ms);
        for (k = 0; k < nk && rc == 0; k++) {
            const struct metric_value *v = &ms->m[daily_ids[k]];
            json_array_append_new(cols[k], v->state == MS_VALUE ?
                                  json_real(ratio_double(v->v)) :
                                  json_null());
        }
    }
    calendar_free(&cal);
    free(ms);
    json_object_set_new(o, "daily_metrics", dm);
    if (rc != 0) {
        fail(r, 503, "metrics: store busy or query over its budget");
        return -1;
    }
    return 0;
}

struct series_walk {
    json_t *classes, *cl;       /* cl: the current class's object */
    char *prev;                 /* its class id */
    int64_t nb;
    json_t *devices, *data, *capture;
};

static const char *const series_keys[] = {
    "bytes_up", "bytes_down", "peak_up_bps", "peak_down_bps",
    "devices_max", "minutes",
};
#define NSERIES_KEYS (sizeof(series_keys) / sizeof(series_keys[0]))

static int
class_bucket_cb(void *arg, const struct storage_api_class_bucket *b)
{
    struct series_walk *w = arg;
    int64_t v[NSERIES_KEYS];
    size_t k;
    int64_t i;

    if (w->prev == NULL || strcmp(w->prev, b->class_id) != 0) {
        free(w->prev);
        if ((w->prev = strdup(b->class_id)) == NULL)
            return -ENOMEM;
        w->cl = json_pack("{s:s}", "class", b->class_id);
        json_object_set_new(w->cl, "name", jstr(b->name));
        json_object_set_new(w->cl, "kind", jstr(b->kind));
        for (k = 0; k < NSERIES_KEYS; k++) {
            json_t *a = json_array();
            for (i = 0; i < w->nb; i++)
                json_array_append_new(a, json_null());
            json_object_set_new(w->cl, series_keys[k], a);
        }
        json_array_append_new(w->classes, w->cl);
    }
    if (b->bucket < 0 || b->bucket >= w->nb)
        return 0;
    v[0] = b->bytes_up;
    v[1] = b->bytes_down;
    v[2] = b->peak_up_bps;
    v[3] = b->peak_down_bps;
    v[4] = b->devices_max;
    v[5] = b->minutes;
    for (k = 0; k < NSERIES_KEYS; k++)
        json_array_set_new(json_object_get(w->cl, series_keys[k]),
                           (size_t)b->bucket, json_integer(v[k]));
    return 0;
}

static int
school_bucket_cb(void *arg, const struct storage_api_bucket *b)
{
    struct series_walk *w = arg;

    if (b->bucket < 0 || b->bucket >= w->nb)
        return 0;
    json_array_set_new(w->devices, (size_t)b->bucket,
                       json_integer(b->value));
    json_array_set_new(w->data, (size_t)b->bucket,
                       json_integer(b->minutes));
    return 0;
}

static int
capture_bucket_cb(void *arg, const struct storage_api_bucket *b)
{
    struct series_walk *w = arg;

    if (b->bucket < 0 || b->bucket >= w->nb)
        return 0;
    json_array_set_new(w->capture, (size_t)b->bucket,
                       json_integer(b->minutes));
    return 0;
}

/* Column arrays (one slot per bucket, null where nothing was stored), the
 * shape chart libraries take. Buckets are aligned to local midnight (day)
 * or to the hour, in the district calendar's UTC offset. */
static json_t *
h_series(struct req *r, const char *code)
{
    const char *bucket = arg_str(r, "bucket");
    int64_t width, off = 480 * 60, from, to, last = -1, nb, i;
    long long maxb;
    struct calendar cal;
    struct series_walk w;
    json_t *o, *t;
    char district[256] = "";
    long long want_metrics;
    int rc, found;
    json_t *reg;

    if (bucket == NULL || strcmp(bucket, "day") == 0) {
        bucket = "day";
        width = 86400;
        maxb = 400;
    } else if (strcmp(bucket, "hour") == 0) {
        width = 3600;
        maxb = 24 * 62;
    } else if (strcmp(bucket, "minute") == 0) {
        width = 60;
        maxb = 60 * 48;
    } else {
        return fail(r, 400, "bucket is day, hour or minute");
    }
    if (arg_int(r, "metrics", 0, 0, 1, &want_metrics) != 0)
        return NULL;
    if (want_metrics && width != 86400)
        return fail(r, 400, "metrics=1 needs bucket=day");
    reg = school_registry(r, code, &found);
    if (reg == NULL)
        return NULL;
    if (found)
        snprintf(district, sizeof(district), "%s", json_string_value(
                     json_object_get(reg, "district")));
    json_decref(reg);
    if (want_metrics && !found)
        return fail(r, 400, "metrics=1 needs a school in the registry");
    /* the offset of the school's district calendar, when it has one */
    if (found && storage_api_has(r->st, STORAGE_API_CALENDAR) &&
        calendar_get(r->st, district, &cal) == 0) {
        off = (int64_t)cal.utc_offset * 60;
        calendar_free(&cal);
    }
    rc = storage_api_last_minute(r->st, code, &last);
    if (rc == -ENOENT)
        last = -1;
    else if (rc != 0)
        return fail_store(r, rc);
    /* default: the 30 days (48 hours, 3 hours) up to the latest data */
    to = last >= 0 ? last + 60 : r->now;
    if (arg_time(r, "to", to, &to) != 0)
        return NULL;
    to = ((to + off + width - 1) / width) * width - off;
    if (arg_time(r, "from", to - (width == 86400 ? 30 * 86400 :
                                  width == 3600 ? 2 * 86400 : 3 * 3600),
                 &from) != 0)
        return NULL;
    from = ((from + off) / width) * width - off;
    if (from >= to)
        return fail(r, 400, "from must be before to");
    nb = (to - from) / width;
    if (want_metrics)
        maxb = 62;
    if (nb > maxb)
        return fail(r, 400, "at most %lld %s buckets per request%s", maxb,
                    bucket, want_metrics ? " with metrics=1" : "");

    o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "school", code, "bucket",
                  bucket, "utc_offset", (json_int_t)(off / 60), "from",
                  (json_int_t)from, "to", (json_int_t)to, "buckets",
                  (json_int_t)nb);
    memset(&w, 0, sizeof(w));
    w.nb = nb;
    t = json_array();
    w.devices = json_array();
    w.capture = json_array();
    w.data = json_array();
    for (i = 0; i < nb; i++) {
        json_array_append_new(t, json_integer(from + i * width));
        json_array_append_new(w.devices, json_null());
        json_array_append_new(w.capture, json_null());
        json_array_append_new(w.data, json_null());
    }
    json_object_set_new(o, "t", t);
    w.classes = json_array();
    json_object_set_new(o, "classes", w.classes);
    json_object_set_new(o, "devices_max", w.devices);
    json_object_set_new(o, "data_minutes", w.data);
    json_object_set_new(o, "capture_minutes", w.capture);

    /* per class per bucket */
    rc = storage_api_class_buckets(r->st, code, from, to, width,
                                   class_bucket_cb, &w);
    free(w.prev);
    if (rc != 0) {
        fail_store(r, rc);
        goto err;
    }
    /* devices at the busiest minute, and minutes with any class data */
    if ((rc = storage_api_school_buckets(r->st, code, from, to, width,
                                         school_bucket_cb, &w)) != 0) {
        fail_store(r, rc);
        goto err;
    }
    /* per-day metrics by the compliance module's own computation (Wi-Fi
     * coverage, uptime, capacity, p95), on request: a day costs one
     * metrics_compute */
    if (want_metrics && daily_metrics(r, code, district, o, from, nb) != 0)
        goto err;
    /* minutes in which a capture reported: the data coverage */
    if ((rc = storage_api_capture_buckets(r->st, code, from, to, width,
                                          capture_bucket_cb, &w)) != 0) {
        fail_store(r, rc);
        goto err;
    }
    return o;
err:
    json_decref(o);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* /agents                                                              */

struct agents_walk {
    json_t *items;
    int64_t now;
};

static int
agent_cb(void *arg, const struct storage_api_agent *a)
{
    struct agents_walk *w = arg;
    json_t *o = json_object();

    set_str(o, "agent_id", a->agent_id);
    set_str(o, "school", a->school);
    set_str(o, "version", a->version);
    set_str(o, "boot_id", a->boot_id);
    set_str(o, "peer", a->peer);
    set_int(o, "first_seen", a->first_seen);
    set_int(o, "last_seen", a->last_seen);
    set_int(o, "age_s", w->now - a->last_seen);
    json_array_append_new(w->items, o);
    return 0;
}

static int
stream_cb(void *arg, const struct storage_api_stream *s)
{
    json_t *o = json_object();

    set_int(o, "stream", s->stream);
    set_int(o, "last_seq", s->last_seq);
    set_int(o, "batches", s->batches);
    set_int(o, "updated", s->updated);
    json_array_append_new(arg, o);
    return 0;
}

/* An agent's streams, capture completeness over the window and latest own
 * report into its item. */
static int
agent_detail(struct req *r, json_t *it, int64_t from, long long window,
             int has_status)
{
    const char *aid = json_string_value(json_object_get(it, "agent_id"));
    const char *school = json_string_value(json_object_get(it, "school"));
    struct storage_api_capture cap;
    struct storage_api_agent_status as;
    json_t *streams = json_array(), *c;
    int rc;

    json_object_set_new(it, "streams", streams);
    if ((rc = storage_api_agent_streams(r->st, aid, stream_cb,
                                        streams)) != 0)
        return rc;
    /* capture completeness: minutes of the window in which this agent's
     * capture reported, over the window's minutes */
    if ((rc = storage_api_agent_capture(r->st, school, aid, from, r->now,
                                        &cap)) != 0)
        return rc;
    c = json_object();
    set_int(c, "minutes", cap.minutes);
    set_opt(c, "pkts_seen", cap.pkts_seen);
    set_opt(c, "pcap_recv", cap.pcap_recv);
    set_opt(c, "pcap_drop", cap.pcap_drop);
    set_opt(c, "pcap_ifdrop", cap.pcap_ifdrop);
    set_opt(c, "unclassified_pkts", cap.unclassified_pkts);
    set_opt(c, "last_minute", cap.last_minute);
    json_object_set_new(c, "window_s", json_integer(window));
    json_object_set_new(c, "completeness_pct",
                        json_real(100.0 * (double)cap.minutes /
                                  (double)(window / 60)));
    json_object_set_new(it, "capture", c);
    /* the agent's latest own report (AGENT_STATUS records), when the
     * store and the agent have them */
    json_object_set_new(it, "status", json_null());
    if (!has_status)
        return 0;
    rc = storage_api_agent_status(r->st, aid, &as);
    if (rc == -ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    c = json_object();
    set_int(c, "minute", as.minute);
    set_int(c, "backlog_batches", as.backlog_batches);
    set_int(c, "dropped_batches", as.dropped_batches);
    set_int(c, "dropped_rows", as.dropped_rows);
    set_int(c, "uptime_s", as.uptime_s);
    json_object_set_new(it, "status", c);
    return 0;
}

static json_t *
h_agents(struct req *r)
{
    const char *school = arg_str(r, "school");
    long long limit, offset, window;
    struct agents_walk w;
    json_t *o, *it;
    int64_t total = 0, from;
    int has_status;
    size_t i;
    int rc;

    if (arg_int(r, "limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT, &limit) ||
        arg_int(r, "offset", 0, 0, INT32_MAX, &offset) ||
        arg_int(r, "window", 86400, 60, 31 * 86400, &window))
        return NULL;
    from = r->now - window;
    if ((rc = storage_api_agent_count(r->st, school, &total)) != 0)
        return fail_store(r, rc);
    w.items = json_array();
    w.now = r->now;
    if ((rc = storage_api_each_agent(r->st, school, limit, offset, agent_cb,
                                     &w)) != 0) {
        json_decref(w.items);
        return fail_store(r, rc);
    }
    has_status = storage_api_has(r->st, STORAGE_API_AGENT_STATUS);
    json_array_foreach(w.items, i, it) {
        if ((rc = agent_detail(r, it, from, window, has_status)) != 0) {
            json_decref(w.items);
            return fail_store(r, rc);
        }
    }
    o = json_pack("{s:I, s:I, s:I}", "total", (json_int_t)total, "limit",
                  (json_int_t)limit, "offset", (json_int_t)offset);
    json_object_set_new(o, "items", w.items);
    return o;
}

/* ------------------------------------------------------------------ */
/* /packs, /evaluations                                                 */

static int
pack_cb(void *arg, const struct storage_api_pack *p)
{
    json_t *o = json_object();

    set_str(o, "pack", p->pack);
    set_str(o, "version", p->version);
    set_str(o, "title", p->title);
    set_int(o, "loaded", p->loaded);
    json_array_append_new(arg, o);
    return 0;
}

struct years_walk {
    int64_t rules;
    char years[512];
    size_t len;
};

static int
year_cb(void *arg, int64_t year, int64_t rules)
{
    struct years_walk *w = arg;
    int n;

    w->rules += rules;
    n = snprintf(w->years + w->len, sizeof(w->years) - w->len, "%s%" PRId64,
                 w->len ? "," : "", year);
    if (n > 0 && (size_t)n < sizeof(w->years) - w->len)
        w->len += (size_t)n;
    return 0;
}

/* Each pack with its number of rules and the years they cover
 * ("2020,2021"; null without rules). */
static json_t *
h_packs(struct req *r)
{
    json_t *o, *it, *items = json_array();
    size_t i;
    int rc;

    if (!storage_api_has(r->st, STORAGE_API_PACKS)) {
        o = json_object();
        json_object_set_new(o, "items", items);
        return o;
    }
    if ((rc = storage_api_each_pack(r->st, pack_cb, items)) != 0) {
        json_decref(items);
        return fail_store(r, rc);
    }
    json_array_foreach(items, i, it) {
        struct years_walk yw;

        memset(&yw, 0, sizeof(yw));
        rc = storage_api_pack_years(r->st,
            json_string_value(json_object_get(it, "pack")),
            json_string_value(json_object_get(it, "version")), year_cb, &yw);
        if (rc != 0) {
            json_decref(items);
            return fail_store(r, rc);
        }
        set_int(it, "rules", yw.rules);
        json_object_set_new(it, "years", yw.len ? json_string(yw.years)
                                                : json_null());
    }
    o = json_object();
    json_object_set_new(o, "items", items);
    return o;
}

static int
eval_cb(void *arg, const struct storage_api_eval *e)
{
    json_t *o = json_object();

    set_int(o, "id", e->id);
    set_str(o, "pack", e->pack);
    set_str(o, "version", e->version);
    set_int(o, "year", e->year);
    set_int(o, "rules_year", e->rules_year);
    set_str(o, "district", e->district);
    set_int(o, "period_from", e->period_from);
    set_int(o, "period_to", e->period_to);
    set_int(o, "min_days", e->min_days);
    set_int(o, "stale_days", e->stale_days);
    set_int(o, "created", e->created);
    json_array_append_new(arg, o);
    return 0;
}

struct verdict_count {
    int64_t pass, fail, other;
};

static int
verdict_cb(void *arg, const struct storage_api_eval_rule *x)
{
    struct verdict_count *c = arg;

    if (x->verdict == NULL)
        return 0;
    if (strcmp(x->verdict, "pass") == 0)
        c->pass++;
    else if (strcmp(x->verdict, "fail") == 0)
        c->fail++;
    else
        c->other++;
    return 0;
}

/* The evaluation's rules counted by verdict into its object. */
static int
eval_counts(struct req *r, json_t *e)
{
    struct verdict_count c;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = storage_api_eval_rules(r->st, json_integer_value(json_object_get(
                                    e, "id")), NULL, verdict_cb, &c);
    if (rc != 0)
        return rc;
    set_int(e, "rules_pass", c.pass);
    set_int(e, "rules_fail", c.fail);
    set_int(e, "rules_undetermined", c.other);
    return 0;
}

static json_t *
h_evaluations(struct req *r)
{
    const char *pack = arg_str(r, "pack"), *district = arg_str(r,
                                                               "district");
    long long year, limit;
    json_t *o, *it, *items = json_array();
    size_t i;
    int rc;

    if (arg_int(r, "year", 0, 0, 9999, &year) ||
        arg_int(r, "limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT, &limit)) {
        json_decref(items);
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, "items", items);
    if (!storage_api_has(r->st, STORAGE_API_EVALUATIONS))
        return o;
    rc = storage_api_each_eval(r->st, pack, year, district, limit, eval_cb,
                               items);
    json_array_foreach(items, i, it) {
        if (rc == 0)
            rc = eval_counts(r, it);
    }
    if (rc != 0) {
        json_decref(o);
        return fail_store(r, rc);
    }
    return o;
}

struct latest_walk_eval {
    const char *district;
    int64_t id;
};

static int
latest_eval_cb(void *arg, const struct storage_api_eval_group *g)
{
    struct latest_walk_eval *w = arg;

    if (strcmp(g->district, w->district) == 0)
        w->id = g->max_id;
    return 0;
}

/* The latest evaluation id of pack and year for district (NULL: the one
 * of all districts), or -1; -2 with r->err set. */
static int64_t
latest_eval(struct req *r, const char *pack, long long year,
            const char *district)
{
    struct latest_walk_eval w;
    int rc;

    w.district = district ? district : "";
    w.id = -1;
    if ((rc = storage_api_eval_groups(r->st, pack, year, latest_eval_cb,
                                      &w)) != 0) {
        fail_store(r, rc);
        return -2;
    }
    return w.id;
}

static int
eval_one_cb(void *arg, const struct storage_api_eval *e)
{
    json_t *arr = json_array();
    int rc;

    rc = eval_cb(arr, e);
    *(json_t **)arg = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return rc;
}

static int
rule_cb(void *arg, const struct storage_api_eval_rule *x)
{
    json_t *o = json_object();

    set_str(o, "rule", x->rule);
    set_int(o, "seq", x->seq);
    set_str(o, "metric", x->metric);
    set_str(o, "op", x->op);
    set_str(o, "threshold", x->threshold);
    set_str(o, "regions", x->regions);
    set_str(o, "types", x->types);
    set_int(o, "in_scope", x->in_scope);
    set_int(o, "meeting", x->meeting);
    set_int(o, "failing", x->failing);
    set_int(o, "undetermined", x->undetermined);
    set_int(o, "share_num", x->share_num);
    set_int(o, "share_den", x->share_den);
    set_int(o, "req_num", x->req_num);
    set_int(o, "req_den", x->req_den);
    set_str(o, "verdict", x->verdict);
    set_str(o, "text", x->text);
    json_array_append_new(arg, o);
    return 0;
}

static int
eval_school_cb(void *arg, const struct storage_api_eval_school *x)
{
    json_t *o = json_object();

    set_str(o, "school", x->school);
    set_str(o, "name", x->name);
    set_str(o, "district", x->district);
    set_str(o, "region", x->region);
    set_str(o, "type", x->type);
    set_str(o, "rule", x->rule);
    set_str(o, "metric", x->metric);
    set_str(o, "value", x->value);
    set_str(o, "declared", x->declared);
    set_str(o, "status", x->status);
    set_int(o, "days", x->days);
    set_int(o, "school_days", x->school_days);
    set_str(o, "completeness", x->completeness);
    set_str(o, "source", x->source);
    set_str(o, "note", x->note);
    json_array_append_new(arg, o);
    return 0;
}

static json_t *
h_evaluation(struct req *r, const char *which)
{
    const char *school = arg_str(r, "school"), *rule = arg_str(r, "rule");
    json_t *o, *e = NULL, *rules, *schools;
    char *end;
    int64_t id;
    int rc;

    if (!storage_api_has(r->st, STORAGE_API_EVALUATIONS))
        return fail(r, 404, "no evaluations stored");
    if (strcmp(which, "latest") == 0) {
        const char *pack = arg_str(r, "pack");
        long long year;

        if (arg_int(r, "year", 0, 1970, 9999, &year) != 0)
            return NULL;
        if (pack == NULL || year == 0)
            return fail(r, 400, "latest needs pack and year");
        id = latest_eval(r, pack, year, arg_str(r, "district"));
        if (id == -2)
            return NULL;
        if (id < 0)
            return fail(r, 404, "no evaluation of %s for %lld", pack, year);
    } else {
        errno = 0;
        id = strtoll(which, &end, 10);
        if (errno != 0 || *end != '\0' || end == which || id < 0)
            return fail(r, 404, "no evaluation \"%.40s\"", which);
    }
    rc = storage_api_eval(r->st, id, eval_one_cb, &e);
    if (rc == 0)
        rc = eval_counts(r, e);
    if (rc != 0) {
        json_decref(e);
        if (rc == -ENOENT)
            return fail(r, 404, "no evaluation %" PRId64, id);
        return fail_store(r, rc);
    }
    o = json_object();
    json_object_set_new(o, "evaluation", e);
    rules = json_array();
    json_object_set_new(o, "rules", rules);
    if ((rc = storage_api_eval_rules(r->st, id, rule, rule_cb,
                                     rules)) != 0) {
        json_decref(o);
        return fail_store(r, rc);
    }
    schools = json_array();
    json_object_set_new(o, "schools", schools);
    if ((rc = storage_api_eval_schools(r->st, id, school, rule,
                                       eval_school_cb, schools)) != 0) {
        json_decref(o);
        return fail_store(r, rc);
    }
    return o;
}

/* ------------------------------------------------------------------ */
/* /report.csv                                                          */

#ifdef API_HAVE_REPORT
/* The report module writes files (to a temporary name, then renamed), so
 * the CSV is made in a private temporary directory and read back. */
static int
h_report(struct req *r, struct api_resp *out)
{
    struct report_opts ro;
    const char *pack = arg_str(r, "pack"), *lang = arg_str(r, "lang"),
               *enc = arg_str(r, "encoding"), *district = arg_str(r,
                                                                 "district");
    char dir[] = "/tmp/classband-report.XXXXXX", path[64];
    long long year;
    int64_t id;
    char *ebuf = NULL, *body = NULL;
    size_t elen = 0, blen = 0, cap = 0;
    FILE *errs, *f;
    int rc;

    if (arg_int(r, "year", 0, 1970, 9999, &year) != 0)
        return -1;
    if (pack == NULL || year == 0 || !is_ident(pack)) {
        fail(r, 400, "report needs pack and year");
        return -1;
    }
    memset(&ro, 0, sizeof(ro));
    if (lang == NULL || strcmp(lang, "zh") == 0)
        ro.zh = 1;
    else if (strcmp(lang, "en") != 0) {
        fail(r, 400, "lang is zh or en");
        return -1;
    }
    if (enc == NULL || strcmp(enc, "utf-8") == 0)
        ro.encoding = TEXTCONV_UTF8;
    else if (strcmp(enc, "gbk") == 0)
        ro.encoding = TEXTCONV_GBK;
    else {
        fail(r, 400, "encoding is utf-8 or gbk");
        return -1;
    }
    rc = evaluate_latest(r->st, pack, (int)year, district, &id);
    if (rc == -ENOENT) {
        fail(r, 404, "no evaluation of %s for %lld%s%.60s", pack, year,
             district ? " in " : "", district ? district : "");
        return -1;
    }
    if (rc != 0) {
        fail(r, 503, "store busy or query over its time budget");
        return -1;
    }
    if (mkdtemp(dir) == NULL) {
        fail(r, 500, "cannot make a temporary directory");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/report.csv", dir);
    ro.output = path;
    errs = open_memstream(&ebuf, &elen);
    if (errs == NULL) {
        rmdir(dir);
        fail(r, 500, "out of memory");
        return -1;
    }
    rc = report_write(r->st, id, &ro, errs);
    fclose(errs);
    if (rc == 0 && (f = fopen(path, "rb")) != NULL) {
        char chunk[8192];
        size_t n;

        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
            if (blen + n > cap) {
                char *nb;
                cap = (blen + n) * 2;
                if ((nb = realloc(body, cap)) == NULL) {
                    rc = -ENOMEM;
                    break;
                }
                body = nb;
            }
            memcpy(body + blen, chunk, n);
            blen += n;
        }
        fclose(f);
    } else if (rc == 0) {
        rc = -EIO;
    }
    unlink(path);
    rmdir(dir);
    if (rc != 0) {
        size_t n = ebuf ? strlen(ebuf) : 0;
        while (n > 0 && (ebuf[n - 1] == '\n' || ebuf[n - 1] == '\r'))
            ebuf[--n] = '\0';
        fail(r, rc == -ENOENT ? 404 : 503, "report: %.150s",
             ebuf && *ebuf ? ebuf : "failed");
        free(ebuf);
        free(body);
        return -1;
    }
    free(ebuf);
    out->status = 200;
    out->ctype = ro.encoding == TEXTCONV_GBK ?
                 "text/csv; charset=gbk; header=present" :
                 "text/csv; charset=utf-8; header=present";
    out->body = body ? body : strdup("");
    out->len = blen;
    snprintf(out->disposition, sizeof(out->disposition),
             "attachment; filename=\"classband-%s-%lld%s%s.csv\"", pack,
             year, district && is_ident(district) ? "-" : "",
             district && is_ident(district) ? district : "");
    return 0;
}

#else
static int
h_report(struct req *r, struct api_resp *out)
{
    (void)out;
    fail(r, 501, "this collector was built without the report module");
    return -1;
}
#endif

/* ------------------------------------------------------------------ */
/* router                                                               */

static const char index_doc[] =
    "{\"api\":\"v1\",\"openapi\":\"docs/openapi.yaml\",\"endpoints\":["
    "\"/api/v1/status\",\"/api/v1/schools\",\"/api/v1/schools/{code}\","
    "\"/api/v1/schools/{code}/series\",\"/api/v1/agents\","
    "\"/api/v1/packs\",\"/api/v1/evaluations\","
    "\"/api/v1/evaluations/{id}\",\"/api/v1/evaluations/latest\","
    "\"/api/v1/report.csv\"]}\n";

static int
set_json(struct api_resp *out, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);

    json_decref(j);
    if (s == NULL)
        return -ENOMEM;
    out->status = status;
    out->ctype = "application/json";
    out->len = strlen(s);
    out->body = s;
    return 0;
}

static int
set_error(struct api_resp *out, const struct api_err *e)
{
    json_t *j = json_pack("{s:s, s:i}", "error", e->msg, "status",
                          e->status);
    char msg[sizeof(e->msg)];
    size_t i;

    if (j == NULL) {
        /* the message quotes client bytes that are not UTF-8: keep the
         * ASCII of it rather than fail the answer */
        for (i = 0; e->msg[i] != '\0' && i < sizeof(msg) - 1; i++)
            msg[i] = (unsigned char)e->msg[i] >= 0x80 ||
                     (unsigned char)e->msg[i] < 0x20 ? '?' : e->msg[i];
        msg[i] = '\0';
        j = json_pack("{s:s, s:i}", "error", msg, "status", e->status);
    }
    if (j == NULL)
        return -ENOMEM;
    return set_json(out, e->status, j);
}

int
api_handle(struct storage *st, const char *path, api_arg_fn arg, void *ctx,
           int64_t now, struct api_resp *out)
{
    struct req r;
    json_t *j = NULL;
    char code[80];
    const char *p;
    size_t n;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    r.st = st;
    r.arg = arg;
    r.ctx = ctx;
    r.now = now;
    r.err.status = 404;
    snprintf(r.err.msg, sizeof(r.err.msg), "no such endpoint");
    if (strncmp(path, "/api/v1", 7) != 0)
        return set_error(out, &r.err);
    p = path + 7;
    if (strcmp(p, "") == 0 || strcmp(p, "/") == 0) {
        out->status = 200;
        out->ctype = "application/json";
        out->body = strdup(index_doc);
        out->len = out->body ? strlen(out->body) : 0;
        return out->body ? 0 : -ENOMEM;
    }
    if (strcmp(p, "/status") == 0)
        j = h_status(&r);
    else if (strcmp(p, "/schools") == 0)
        j = h_schools(&r);
    else if (strcmp(p, "/agents") == 0)
        j = h_agents(&r);
    else if (strcmp(p, "/packs") == 0)
        j = h_packs(&r);
    else if (strcmp(p, "/evaluations") == 0)
        j = h_evaluations(&r);
    else if (strncmp(p, "/evaluations/", 13) == 0 && p[13] != '\0' &&
             strchr(p + 13, '/') == NULL)
        j = h_evaluation(&r, p + 13);
    else if (strcmp(p, "/report.csv") == 0) {
        if (h_report(&r, out) == 0)
            return 0;
        return set_error(out, &r.err);
    } else if (strncmp(p, "/schools/", 9) == 0) {
        const char *rest = p + 9, *slash = strchr(rest, '/');

        n = slash ? (size_t)(slash - rest) : strlen(rest);
        if (n == 0 || n >= sizeof(code))
            return set_error(out, &r.err);
        memcpy(code, rest, n);
        code[n] = '\0';
        if (!is_ident(code)) {
            fail(&r, 404, "no school \"%.64s\"", code);
            return set_error(out, &r.err);
        }
        if (slash == NULL)
            j = h_school(&r, code);
        else if (strcmp(slash, "/series") == 0)
            j = h_series(&r, code);
    }
    if (j == NULL)
        return set_error(out, &r.err);
    return set_json(out, 200, j);
}

void
api_resp_free(struct api_resp *r)
{
    free(r->body);
    r->body = NULL;
}
