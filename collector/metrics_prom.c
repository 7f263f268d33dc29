/* metrics_prom: see metrics_prom.h. Each metric family writes into its own
 * memory stream while the schools are walked once; the streams are then
 * joined, so that every family's samples stay together under one HELP and
 * TYPE line as the format requires. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics_prom.h"
#include "storage.h"
#include "storage_api.h"

enum fam {
    F_SCHOOL_INFO,
    F_SCHOOL_LAST,
    F_SCHOOL_DOWN,
    F_SCHOOL_UP,
    F_SCHOOL_DEVICES,
    F_CLASS_DOWN,
    F_CLASS_UP,
    F_CLASS_PEAK_DOWN,
    F_CLASS_PEAK_UP,
    F_CLASS_DEVICES,
    F_AGENT_SEEN,
    F_AGENT_BATCHES,
    F_AGENT_COMPLETE,
    F_AGENT_DROP,
    F_AGENT_BACKLOG,
    F_AGENT_LOST_BATCHES,
    F_AGENT_LOST_ROWS,
    F_EVAL_TIME,
    F_RULE_SHARE,
    F_RULE_REQUIRED,
    F_RULE_VERDICT,
    F_SCHOOL_STATUS,
    F_COUNT,
};

static const struct {
    const char *name, *type, *help;
} fams[F_COUNT] = {
    {"classband_school_info", "gauge",
     "Registry facts of a school (value always 1)."},
    {"classband_school_last_data_timestamp_seconds", "gauge",
     "Start of the latest stored minute of the school's traffic."},
    {"classband_school_down_bytes_per_second", "gauge",
     "Mean downstream rate of the school's latest stored minute."},
    {"classband_school_up_bytes_per_second", "gauge",
     "Mean upstream rate of the school's latest stored minute."},
    {"classband_school_devices", "gauge",
     "Active devices in the school's latest stored minute (sum of classes)."},
    {"classband_class_down_bytes_per_second", "gauge",
     "Mean downstream rate of a class in the school's latest stored minute."},
    {"classband_class_up_bytes_per_second", "gauge",
     "Mean upstream rate of a class in the school's latest stored minute."},
    {"classband_class_peak_down_bytes_per_second", "gauge",
     "Busiest 1-second downstream rate of a class in the latest minute "
     "(the agent measures bits; divided by 8)."},
    {"classband_class_peak_up_bytes_per_second", "gauge",
     "Busiest 1-second upstream rate of a class in the latest minute."},
    {"classband_class_devices", "gauge",
     "Active devices of a class in the school's latest stored minute."},
    {"classband_agent_last_seen_timestamp_seconds", "gauge",
     "When the agent last said HELLO or delivered a batch."},
    {"classband_agent_batches_total", "counter",
     "Batches stored from the agent, all streams."},
    {"classband_agent_capture_completeness_ratio", "gauge",
     "Share of the last hour's minutes in which the agent's capture "
     "reported."},
    {"classband_agent_pcap_dropped_packets", "gauge",
     "Packets libpcap dropped at the agent over the last hour."},
    {"classband_agent_spool_backlog_batches", "gauge",
     "Batches in the agent's spool not yet acknowledged (its latest "
     "status)."},
    {"classband_agent_dropped_batches_total", "counter",
     "Batches the agent's spool lost (full, corrupt, failed appends)."},
    {"classband_agent_dropped_rows_total", "counter",
     "Rows of the batches the agent's spool lost."},
    {"classband_evaluation_timestamp_seconds", "gauge",
     "When the latest evaluation of a pack, year and district was made."},
    {"classband_evaluation_rule_share_ratio", "gauge",
     "Share of in-scope schools meeting the rule (latest evaluation)."},
    {"classband_evaluation_rule_required_ratio", "gauge",
     "Share of in-scope schools the rule requires."},
    {"classband_evaluation_rule_verdict", "gauge",
     "1 for the rule's verdict (pass, fail, undetermined)."},
    {"classband_evaluation_school_status", "gauge",
     "1 for a school's status under a rule (meets, fails, "
     "insufficient_data, not_reporting, no_data)."},
};

size_t
metrics_prom_escape(const char *s, char *out, size_t cap)
{
    size_t n = 0;

    if (cap == 0)
        return 0;
    for (; s != NULL && *s != '\0'; s++) {
        const char *rep = NULL;
        char one[2] = {*s, '\0'};

        if (*s == '\\')
            rep = "\\\\";
        else if (*s == '"')
            rep = "\\\"";
        else if (*s == '\n')
            rep = "\\n";
        else
            rep = one;
        if (n + strlen(rep) >= cap)
            break;
        memcpy(out + n, rep, strlen(rep));
        n += strlen(rep);
    }
    out[n] = '\0';
    return n;
}

/* A label value (NULL becomes ""). */
static const char *
esc(const char *s, char *buf, size_t cap)
{
    metrics_prom_escape(s, buf, cap);
    return buf;
}

/* Strings kept from a walk of the store for the questions asked after it
 * (a callback does not query the store itself). */
struct strv {
    char **v;
    size_t n, cap;
};

static int
strv_add(struct strv *sv, const char *s)
{
    char **nv;

    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 64;
        if ((nv = realloc(sv->v, sv->cap * sizeof(*nv))) == NULL)
            return -ENOMEM;
        sv->v = nv;
    }
    if ((sv->v[sv->n] = strdup(s ? s : "")) == NULL)
        return -ENOMEM;
    sv->n++;
    return 0;
}

static void
strv_free(struct strv *sv)
{
    size_t i;

    for (i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
}

struct out {
    FILE *f[F_COUNT];
    char *buf[F_COUNT];
    size_t len[F_COUNT];
};

static void
internals(FILE *f, const struct http_live *l)
{
    uint64_t cum = 0, count, sum, max;
    size_t i;

    fprintf(f,
            "# HELP classband_http_requests_total HTTP requests answered.\n"
            "# TYPE classband_http_requests_total counter\n"
            "classband_http_requests_total %" PRIu64 "\n"
            "# HELP classband_http_unauthorized_total Requests refused for "
            "a missing or wrong token.\n"
            "# TYPE classband_http_unauthorized_total counter\n"
            "classband_http_unauthorized_total %" PRIu64 "\n"
            "# HELP classband_http_errors_total Responses with status 400 or "
            "above.\n"
            "# TYPE classband_http_errors_total counter\n"
            "classband_http_errors_total %" PRIu64 "\n",
            atomic_load(&l->http_requests),
            atomic_load(&l->http_unauthorized), atomic_load(&l->http_errors));
    if (atomic_load(&l->started) == 0)
        return;
    fprintf(f,
            "# HELP classband_collector_start_time_seconds When the "
            "collector started.\n"
            "# TYPE classband_collector_start_time_seconds gauge\n"
            "classband_collector_start_time_seconds %" PRId64 "\n"
            "# HELP classband_collector_agent_connections Agent connections "
            "open.\n"
            "# TYPE classband_collector_agent_connections gauge\n"
            "classband_collector_agent_connections %" PRIu64 "\n"
            "# HELP classband_collector_agent_connections_total Agent "
            "connections accepted.\n"
            "# TYPE classband_collector_agent_connections_total counter\n"
            "classband_collector_agent_connections_total %" PRIu64 "\n"
            "# HELP classband_collector_batches_stored_total Batches "
            "committed to the store.\n"
            "# TYPE classband_collector_batches_stored_total counter\n"
            "classband_collector_batches_stored_total %" PRIu64 "\n"
            "# HELP classband_collector_batches_duplicate_total Batches "
            "received again and acknowledged without storing.\n"
            "# TYPE classband_collector_batches_duplicate_total counter\n"
            "classband_collector_batches_duplicate_total %" PRIu64 "\n"
            "# HELP classband_collector_frames_rejected_total Bad frames "
            "(connection closed).\n"
            "# TYPE classband_collector_frames_rejected_total counter\n"
            "classband_collector_frames_rejected_total %" PRIu64 "\n"
            "# HELP classband_collector_received_bytes_total Bytes read from "
            "agents.\n"
            "# TYPE classband_collector_received_bytes_total counter\n"
            "classband_collector_received_bytes_total %" PRIu64 "\n"
            "# HELP classband_collector_ingest_batches_per_second Batches "
            "stored per second over the last sampling window.\n"
            "# TYPE classband_collector_ingest_batches_per_second gauge\n"
            "classband_collector_ingest_batches_per_second %.3f\n"
            "# HELP classband_collector_writer_queue_depth Jobs queued for "
            "the writer thread and not yet handed back.\n"
            "# TYPE classband_collector_writer_queue_depth gauge\n"
            "classband_collector_writer_queue_depth %" PRIu64 "\n",
            atomic_load(&l->started), atomic_load(&l->conns_open),
            atomic_load(&l->conns_total), atomic_load(&l->batches_stored),
            atomic_load(&l->batches_duplicate),
            atomic_load(&l->frames_rejected), atomic_load(&l->bytes_in),
            (double)atomic_load(&l->ingest_milli_bps) / 1000.0,
            atomic_load(&l->writer_depth));
    fprintf(f,
            "# HELP classband_collector_commit_duration_seconds Commit time "
            "of the transaction that carried each stored batch.\n"
            "# TYPE classband_collector_commit_duration_seconds histogram\n");
    for (i = 0; i < HTTP_COMMIT_BUCKETS; i++) {
        cum += atomic_load(&l->commit_bucket[i]);
        if (i < HTTP_COMMIT_BUCKETS - 1)
            fprintf(f, "classband_collector_commit_duration_seconds_bucket"
                       "{le=\"%g\"} %" PRIu64 "\n",
                    (double)http_commit_bounds_us[i] / 1e6, cum);
        else
            fprintf(f, "classband_collector_commit_duration_seconds_bucket"
                       "{le=\"+Inf\"} %" PRIu64 "\n", cum);
    }
    /* read after the buckets: _count >= the +Inf bucket never misleads
     * more than one in-flight increment */
    count = atomic_load(&l->commit_count);
    sum = atomic_load(&l->commit_us_sum);
    max = atomic_load(&l->commit_us_max);
    fprintf(f,
            "classband_collector_commit_duration_seconds_sum %.6f\n"
            "classband_collector_commit_duration_seconds_count %" PRIu64 "\n"
            "# HELP classband_collector_commit_duration_max_seconds Longest "
            "commit since start.\n"
            "# TYPE classband_collector_commit_duration_max_seconds gauge\n"
            "classband_collector_commit_duration_max_seconds %.6f\n",
            (double)sum / 1e6, cum > count ? cum : count, (double)max / 1e6);
}

/* ------------------------------------------------------------------ */
/* schools                                                              */

struct school_walk {
    struct out *o;
    struct strv codes;      /* code, escaped code; per school */
};

static int
school_cb(void *arg, const struct storage_api_school *s)
{
    struct school_walk *w = arg;
    char a[512], b[512], c[512], d[512], e[512];

    esc(s->code, a, sizeof(a));
    if (s->registered)
        fprintf(w->o->f[F_SCHOOL_INFO],
                "classband_school_info{school=\"%s\",name=\"%s\","
                "district=\"%s\",region=\"%s\",type=\"%s\"} 1\n", a,
                esc(s->name, b, sizeof(b)), esc(s->district, c, sizeof(c)),
                esc(s->region, d, sizeof(d)), esc(s->type, e, sizeof(e)));
    if (strv_add(&w->codes, s->code) != 0 || strv_add(&w->codes, a) != 0)
        return -ENOMEM;
    return 0;
}

struct class_walk {
    struct out *o;
    const char *a;          /* the school, escaped */
    uint64_t down, up, dev;
};

static int
class_cb(void *arg, const struct storage_api_class_minute *m)
{
    struct class_walk *w = arg;
    struct out *o = w->o;
    const char *a = w->a;
    uint64_t cd = (uint64_t)m->bytes_down;
    uint64_t cu = (uint64_t)m->bytes_up;
    uint64_t cdev = (uint64_t)m->devices;
    char b[512], c[512];

    esc(m->class_id, b, sizeof(b));
    esc(m->kind, c, sizeof(c));
    w->down += cd;
    w->up += cu;
    w->dev += cdev;
    fprintf(o->f[F_CLASS_DOWN],
            "classband_class_down_bytes_per_second{school=\"%s\","
            "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c, (double)cd / 60);
    fprintf(o->f[F_CLASS_UP],
            "classband_class_up_bytes_per_second{school=\"%s\","
            "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c, (double)cu / 60);
    fprintf(o->f[F_CLASS_PEAK_DOWN],
            "classband_class_peak_down_bytes_per_second{school=\"%s\","
            "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c,
            (double)m->peak_down_bps / 8);
    fprintf(o->f[F_CLASS_PEAK_UP],
            "classband_class_peak_up_bytes_per_second{school=\"%s\","
            "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c,
            (double)m->peak_up_bps / 8);
    fprintf(o->f[F_CLASS_DEVICES],
            "classband_class_devices{school=\"%s\",class=\"%s\","
            "kind=\"%s\"} %" PRIu64 "\n", a, b, c, cdev);
    return 0;
}

/* Per school: its registry facts, and the classes of its latest stored
 * minute with the school's sums of them. */
static int
schools(struct storage *st, struct out *o)
{
    struct school_walk w;
    struct class_walk cw;
    size_t i;
    int rc;

    memset(&w, 0, sizeof(w));
    w.o = o;
    rc = storage_api_each_school(st, school_cb, &w);
    for (i = 0; rc == 0 && i + 1 < w.codes.n; i += 2) {
        const char *code = w.codes.v[i], *a = w.codes.v[i + 1];
        int64_t minute;

        rc = storage_api_last_minute(st, code, &minute);
        if (rc == -ENOENT) {
            rc = 0;
            continue;
        }
        if (rc != 0)
            break;
        fprintf(o->f[F_SCHOOL_LAST],
                "classband_school_last_data_timestamp_seconds{school=\"%s\"}"
                " %" PRId64 "\n", a, minute);
        memset(&cw, 0, sizeof(cw));
        cw.o = o;
        cw.a = a;
        if ((rc = storage_api_minute_classes(st, code, minute, class_cb,
                                             &cw)) != 0)
            break;
        fprintf(o->f[F_SCHOOL_DOWN],
                "classband_school_down_bytes_per_second{school=\"%s\"} %.3f\n",
                a, (double)cw.down / 60);
        fprintf(o->f[F_SCHOOL_UP],
                "classband_school_up_bytes_per_second{school=\"%s\"} %.3f\n",
                a, (double)cw.up / 60);
        fprintf(o->f[F_SCHOOL_DEVICES],
                "classband_school_devices{school=\"%s\"} %" PRIu64 "\n", a,
                cw.dev);
    }
    strv_free(&w.codes);
    return rc;
}

/* ------------------------------------------------------------------ */
/* agents                                                               */

struct agent_walk {
    struct out *o;
    struct strv ids;        /* agent_id, school, their labels; per agent */
};

static int
agent_cb(void *arg, const struct storage_api_agent *ag)
{
    struct agent_walk *w = arg;
    struct out *o = w->o;
    char a[512], b[512], c[512];

    esc(ag->agent_id, a, sizeof(a));
    esc(ag->school, b, sizeof(b));
    esc(ag->version, c, sizeof(c));
    fprintf(o->f[F_AGENT_SEEN],
            "classband_agent_last_seen_timestamp_seconds{agent=\"%s\","
            "school=\"%s\",version=\"%s\"} %" PRId64 "\n", a, b, c,
            ag->last_seen);
    fprintf(o->f[F_AGENT_BATCHES],
            "classband_agent_batches_total{agent=\"%s\",school=\"%s\"} "
            "%" PRId64 "\n", a, b, ag->batches);
    if (strv_add(&w->ids, ag->agent_id) != 0 ||
        strv_add(&w->ids, ag->school) != 0 || strv_add(&w->ids, a) != 0 ||
        strv_add(&w->ids, b) != 0)
        return -ENOMEM;
    return 0;
}

/* Per agent: last contact, batches, the capture over the last whole hour
 * of minutes before now, and its latest own status report. */
static int
agents(struct storage *st, struct out *o, int64_t now, int has_status)
{
    struct agent_walk w;
    struct storage_api_capture cap;
    struct storage_api_agent_status as;
    size_t i;
    int rc;

    memset(&w, 0, sizeof(w));
    w.o = o;
    rc = storage_api_each_agent(st, NULL, -1, 0, agent_cb, &w);
    for (i = 0; rc == 0 && i + 3 < w.ids.n; i += 4) {
        const char *aid = w.ids.v[i], *school = w.ids.v[i + 1];
        const char *a = w.ids.v[i + 2], *b = w.ids.v[i + 3];

        rc = storage_api_agent_capture(st, school, aid,
                                       (now / 60) * 60 - 3600,
                                       (now / 60) * 60, &cap);
        if (rc != 0)
            break;
        fprintf(o->f[F_AGENT_COMPLETE],
                "classband_agent_capture_completeness_ratio{agent=\"%s\","
                "school=\"%s\"} %.4f\n", a, b, (double)cap.minutes / 60.0);
        fprintf(o->f[F_AGENT_DROP],
                "classband_agent_pcap_dropped_packets{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b, cap.pcap_drop.v);
        if (!has_status)
            continue;
        rc = storage_api_agent_status(st, aid, &as);
        if (rc == -ENOENT) {
            rc = 0;
            continue;
        }
        if (rc != 0)
            break;
        fprintf(o->f[F_AGENT_BACKLOG],
                "classband_agent_spool_backlog_batches{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b, as.backlog_batches);
        fprintf(o->f[F_AGENT_LOST_BATCHES],
                "classband_agent_dropped_batches_total{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b, as.dropped_batches);
        fprintf(o->f[F_AGENT_LOST_ROWS],
                "classband_agent_dropped_rows_total{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b, as.dropped_rows);
    }
    strv_free(&w.ids);
    return rc;
}

/* ------------------------------------------------------------------ */
/* evaluations                                                          */

struct eval_label {
    int64_t id;
    int year;
    char *p, *d;            /* pack, district: escaped */
};

struct eval_walk {
    struct out *o;
    struct eval_label *e;
    size_t n, cap;
    const struct eval_label *cur;
};

static int
group_cb(void *arg, const struct storage_api_eval_group *g)
{
    struct eval_walk *w = arg;
    struct eval_label *ne, *e;
    char p[256], d[512];

    esc(g->pack, p, sizeof(p));
    esc(g->district, d, sizeof(d));
    fprintf(w->o->f[F_EVAL_TIME],
            "classband_evaluation_timestamp_seconds{pack=\"%s\","
            "year=\"%d\",district=\"%s\"} %" PRId64 "\n", p, (int)g->year,
            d, g->max_created);
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        if ((ne = realloc(w->e, w->cap * sizeof(*ne))) == NULL)
            return -ENOMEM;
        w->e = ne;
    }
    e = &w->e[w->n];
    e->id = g->max_id;
    e->year = (int)g->year;
    e->p = strdup(p);
    e->d = strdup(d);
    w->n++;
    return e->p != NULL && e->d != NULL ? 0 : -ENOMEM;
}

static int
rule_cb(void *arg, const struct storage_api_eval_rule *x)
{
    struct eval_walk *w = arg;
    const struct eval_label *e = w->cur;
    struct out *o = w->o;
    char k[256], sc[512];

    esc(x->rule, k, sizeof(k));
    fprintf(o->f[F_RULE_SHARE],
            "classband_evaluation_rule_share_ratio{pack=\"%s\","
            "year=\"%d\",district=\"%s\",rule=\"%s\"} %.6f\n", e->p,
            e->year, e->d, k, x->share_den > 0 ? (double)x->share_num /
                                  (double)x->share_den : 0.0);
    fprintf(o->f[F_RULE_REQUIRED],
            "classband_evaluation_rule_required_ratio{pack=\"%s\","
            "year=\"%d\",district=\"%s\",rule=\"%s\"} %.6f\n", e->p,
            e->year, e->d, k, x->req_den > 0 ? (double)x->req_num /
                                (double)x->req_den : 0.0);
    fprintf(o->f[F_RULE_VERDICT],
            "classband_evaluation_rule_verdict{pack=\"%s\","
            "year=\"%d\",district=\"%s\",rule=\"%s\","
            "verdict=\"%s\"} 1\n", e->p, e->year, e->d, k,
            esc(x->verdict, sc, sizeof(sc)));
    return 0;
}

static int
status_cb(void *arg, const char *school, const char *rule,
          const char *status)
{
    struct eval_walk *w = arg;
    const struct eval_label *e = w->cur;
    char k[256], sc[512], st[64];

    esc(rule, k, sizeof(k));
    esc(school, sc, sizeof(sc));
    fprintf(w->o->f[F_SCHOOL_STATUS],
            "classband_evaluation_school_status{pack=\"%s\","
            "year=\"%d\",district=\"%s\",rule=\"%s\",school=\"%s\","
            "status=\"%s\"} 1\n", e->p, e->year, e->d, k, sc,
            esc(status, st, sizeof(st)));
    return 0;
}

/* The latest evaluation of every (pack, year, district). */
static int
evaluations(struct storage *st, struct out *o)
{
    struct eval_walk w;
    size_t i;
    int rc;

    memset(&w, 0, sizeof(w));
    w.o = o;
    rc = storage_api_eval_groups(st, NULL, 0, group_cb, &w);
    for (i = 0; rc == 0 && i < w.n; i++) {
        w.cur = &w.e[i];
        rc = storage_api_eval_rules(st, w.e[i].id, NULL, rule_cb, &w);
        if (rc == 0)
            rc = storage_api_eval_statuses(st, w.e[i].id, status_cb, &w);
    }
    for (i = 0; i < w.n; i++) {
        free(w.e[i].p);
        free(w.e[i].d);
    }
    free(w.e);
    return rc;
}

int
metrics_prom_store(struct storage *st, int64_t now, char **out, size_t *len)
{
    struct out o;
    char *all = NULL;
    size_t alen = 0;
    FILE *f;
    int i, rc = 0;

    memset(&o, 0, sizeof(o));
    for (i = 0; i < F_COUNT; i++)
        if ((o.f[i] = open_memstream(&o.buf[i], &o.len[i])) == NULL)
            rc = -ENOMEM;
    /* one read transaction, so the families agree with each other */
    if (rc == 0 && storage_api_read_begin(st) != 0)
        rc = -EIO;
    if (rc == 0)
        rc = schools(st, &o);
    if (rc == 0)
        rc = agents(st, &o, now,
                    storage_api_has(st, STORAGE_API_AGENT_STATUS));
    if (rc == 0 && storage_api_has(st, STORAGE_API_EVALUATIONS))
        rc = evaluations(st, &o);
    storage_api_read_end(st);
    /* the header's contract: a failed store walk is -EIO */
    if (rc != 0 && rc != -ENOMEM)
        rc = -EIO;
    for (i = 0; i < F_COUNT; i++)
        if (o.f[i] != NULL)
            fclose(o.f[i]);
    if (rc == 0 && (f = open_memstream(&all, &alen)) != NULL) {
        for (i = 0; i < F_COUNT; i++) {
            if (o.len[i] == 0)
                continue;
            fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fams[i].name,
                    fams[i].help, fams[i].name, fams[i].type);
            fwrite(o.buf[i], 1, o.len[i], f);
        }
        if (fclose(f) != 0)
            rc = -ENOMEM;
    } else if (rc == 0) {
        rc = -ENOMEM;
    }
    for (i = 0; i < F_COUNT; i++)
        free(o.buf[i]);
    if (rc != 0) {
        free(all);
        return rc;
    }
    *out = all;
    *len = alen;
    return 0;
}

int
metrics_prom_live(const struct http_live *live, char **out, size_t *len)
{
    FILE *f = open_memstream(out, len);

    if (f == NULL)
        return -ENOMEM;
    fprintf(f, "# HELP classband_build_info Collector version.\n"
               "# TYPE classband_build_info gauge\n"
               "classband_build_info{version=\"%s\"} 1\n",
            CLASSBAND_VERSION);
    if (live != NULL)
        internals(f, live);
    if (fclose(f) != 0) {
        free(*out);
        return -ENOMEM;
    }
    return 0;
}

int
metrics_prom_render(struct storage *st, const struct http_live *live,
                    int64_t now, char **out, size_t *len)
{
    char *a, *b;
    size_t al, bl;
    int rc;

    if ((rc = metrics_prom_live(live, &a, &al)) != 0)
        return rc;
    if ((rc = metrics_prom_store(st, now, &b, &bl)) != 0) {
        free(a);
        return rc;
    }
    *out = realloc(a, al + bl + 1);
    if (*out == NULL) {
        free(a);
        free(b);
        return -ENOMEM;
    }
    memcpy(*out + al, b, bl + 1);
    free(b);
    *len = al + bl;
    return 0;
}
