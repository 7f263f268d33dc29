/* metrics_prom: see metrics_prom.h. Each metric family writes into its own
 * memory stream while the schools are walked once; the streams are then
 * joined, so that every family's samples stay together under one HELP and
 * TYPE line as the format requires. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "api.h"
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

static int64_t
col64(sqlite3_stmt *s, int i)
{
    return (int64_t)sqlite3_column_int64(s, i);
}

/* A label value from a column (NULL becomes ""). */
static const char *
esc(sqlite3_stmt *s, int i, char *buf, size_t cap)
{
    metrics_prom_escape((const char *)sqlite3_column_text(s, i), buf, cap);
    return buf;
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

static int
schools(sqlite3 *db, struct out *o, int has_reg, int has_classes)
{
    sqlite3_stmt *ls = NULL, *last = NULL, *cls = NULL;
    char a[512], b[512], c[512], d[512], e[512];
    int rc;

    rc = sqlite3_prepare_v2(db, has_reg ?
        "SELECT code, name, district, region, type, 1 FROM schools"
        " UNION SELECT DISTINCT school, '', '', '', '', 0 FROM agents"
        " WHERE school NOT IN (SELECT code FROM schools) ORDER BY 1" :
        "SELECT DISTINCT school, '', '', '', '', 0 FROM agents ORDER BY 1",
        -1, &ls, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT MAX(minute) FROM class_minute"
                                    " WHERE school = ?", -1, &last, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, has_classes ?
            "SELECT m.class, SUM(bytes_down), SUM(bytes_up),"
            " MAX(peak_down_bps), MAX(peak_up_bps), SUM(devices),"
            " COALESCE((SELECT kind FROM classes c WHERE c.school = m.school"
            "  AND c.class = m.class), '')"
            " FROM class_minute m WHERE school = ? AND minute = ?"
            " GROUP BY m.class ORDER BY m.class" :
            "SELECT class, SUM(bytes_down), SUM(bytes_up), MAX(peak_down_bps),"
            " MAX(peak_up_bps), SUM(devices), '' FROM class_minute"
            " WHERE school = ? AND minute = ? GROUP BY class ORDER BY class",
            -1, &cls, NULL);
    if (rc != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(ls)) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(ls, 0);
        uint64_t down = 0, up = 0, dev = 0;
        int64_t minute;

        esc(ls, 0, a, sizeof(a));
        if (sqlite3_column_int(ls, 5))
            fprintf(o->f[F_SCHOOL_INFO],
                    "classband_school_info{school=\"%s\",name=\"%s\","
                    "district=\"%s\",region=\"%s\",type=\"%s\"} 1\n", a,
                    esc(ls, 1, b, sizeof(b)), esc(ls, 2, c, sizeof(c)),
                    esc(ls, 3, d, sizeof(d)), esc(ls, 4, e, sizeof(e)));
        sqlite3_reset(last);
        sqlite3_bind_text(last, 1, code, -1, SQLITE_TRANSIENT);
        if ((rc = sqlite3_step(last)) != SQLITE_ROW)
            goto out;
        if (sqlite3_column_type(last, 0) == SQLITE_NULL)
            continue;
        minute = col64(last, 0);
        fprintf(o->f[F_SCHOOL_LAST],
                "classband_school_last_data_timestamp_seconds{school=\"%s\"}"
                " %" PRId64 "\n", a, minute);
        sqlite3_reset(cls);
        sqlite3_bind_text(cls, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(cls, 2, minute);
        while ((rc = sqlite3_step(cls)) == SQLITE_ROW) {
            uint64_t cd = (uint64_t)col64(cls, 1);
            uint64_t cu = (uint64_t)col64(cls, 2);
            uint64_t cdev = (uint64_t)col64(cls, 5);

            esc(cls, 0, b, sizeof(b));
            esc(cls, 6, c, sizeof(c));
            down += cd;
            up += cu;
            dev += cdev;
            fprintf(o->f[F_CLASS_DOWN],
                    "classband_class_down_bytes_per_second{school=\"%s\","
                    "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c,
                    (double)cd / 60);
            fprintf(o->f[F_CLASS_UP],
                    "classband_class_up_bytes_per_second{school=\"%s\","
                    "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c,
                    (double)cu / 60);
            fprintf(o->f[F_CLASS_PEAK_DOWN],
                    "classband_class_peak_down_bytes_per_second{school=\"%s\","
                    "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c,
                    (double)col64(cls, 3) / 8);
            fprintf(o->f[F_CLASS_PEAK_UP],
                    "classband_class_peak_up_bytes_per_second{school=\"%s\","
                    "class=\"%s\",kind=\"%s\"} %.3f\n", a, b, c,
                    (double)col64(cls, 4) / 8);
            fprintf(o->f[F_CLASS_DEVICES],
                    "classband_class_devices{school=\"%s\",class=\"%s\","
                    "kind=\"%s\"} %" PRIu64 "\n", a, b, c, cdev);
        }
        if (rc != SQLITE_DONE)
            goto out;
        fprintf(o->f[F_SCHOOL_DOWN],
                "classband_school_down_bytes_per_second{school=\"%s\"} %.3f\n",
                a, (double)down / 60);
        fprintf(o->f[F_SCHOOL_UP],
                "classband_school_up_bytes_per_second{school=\"%s\"} %.3f\n",
                a, (double)up / 60);
        fprintf(o->f[F_SCHOOL_DEVICES],
                "classband_school_devices{school=\"%s\"} %" PRIu64 "\n", a,
                dev);
    }
out:
    sqlite3_finalize(ls);
    sqlite3_finalize(last);
    sqlite3_finalize(cls);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int
agents(sqlite3 *db, struct out *o, int64_t now, int has_status)
{
    sqlite3_stmt *s = NULL, *cap = NULL, *ast = NULL;
    char a[512], b[512], c[512];
    int rc;

    rc = sqlite3_prepare_v2(db,
        "SELECT agent_id, school, COALESCE(version, ''), last_seen,"
        " (SELECT COALESCE(SUM(batches), 0) FROM streams x"
        "  WHERE x.agent_id = a.agent_id)"
        " FROM agents a ORDER BY school, agent_id", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
            "SELECT COUNT(DISTINCT minute), SUM(pcap_drop) FROM capture_minute"
            " WHERE school = ? AND minute >= ? AND minute < ?"
            " AND agent_id = ?", -1, &cap, NULL);
    if (rc == SQLITE_OK && has_status)
        rc = sqlite3_prepare_v2(db,
            "SELECT backlog_batches, dropped_batches, dropped_rows"
            " FROM agent_status WHERE agent_id = ?"
            " ORDER BY minute DESC LIMIT 1", -1, &ast, NULL);
    if (rc != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        esc(s, 0, a, sizeof(a));
        esc(s, 1, b, sizeof(b));
        esc(s, 2, c, sizeof(c));
        fprintf(o->f[F_AGENT_SEEN],
                "classband_agent_last_seen_timestamp_seconds{agent=\"%s\","
                "school=\"%s\",version=\"%s\"} %" PRId64 "\n", a, b, c,
                col64(s, 3));
        fprintf(o->f[F_AGENT_BATCHES],
                "classband_agent_batches_total{agent=\"%s\",school=\"%s\"} "
                "%" PRId64 "\n", a, b, col64(s, 4));
        sqlite3_reset(cap);
        sqlite3_bind_value(cap, 1, sqlite3_column_value(s, 1));
        /* the last whole hour of minutes before now */
        sqlite3_bind_int64(cap, 2, (now / 60) * 60 - 3600);
        sqlite3_bind_int64(cap, 3, (now / 60) * 60);
        sqlite3_bind_value(cap, 4, sqlite3_column_value(s, 0));
        if ((rc = sqlite3_step(cap)) != SQLITE_ROW)
            goto out;
        fprintf(o->f[F_AGENT_COMPLETE],
                "classband_agent_capture_completeness_ratio{agent=\"%s\","
                "school=\"%s\"} %.4f\n", a, b,
                (double)col64(cap, 0) / 60.0);
        fprintf(o->f[F_AGENT_DROP],
                "classband_agent_pcap_dropped_packets{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b,
                col64(cap, 1));
        if (ast == NULL)
            continue;
        sqlite3_reset(ast);
        sqlite3_bind_value(ast, 1, sqlite3_column_value(s, 0));
        rc = sqlite3_step(ast);
        if (rc == SQLITE_DONE)
            continue;
        if (rc != SQLITE_ROW)
            goto out;
        fprintf(o->f[F_AGENT_BACKLOG],
                "classband_agent_spool_backlog_batches{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b, col64(ast, 0));
        fprintf(o->f[F_AGENT_LOST_BATCHES],
                "classband_agent_dropped_batches_total{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b, col64(ast, 1));
        fprintf(o->f[F_AGENT_LOST_ROWS],
                "classband_agent_dropped_rows_total{agent=\"%s\","
                "school=\"%s\"} %" PRId64 "\n", a, b, col64(ast, 2));
        rc = SQLITE_ROW;
    }
out:
    sqlite3_finalize(s);
    sqlite3_finalize(cap);
    sqlite3_finalize(ast);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

/* The latest evaluation of every (pack, year, district). */
static int
evaluations(sqlite3 *db, struct out *o)
{
    sqlite3_stmt *s = NULL, *r = NULL, *x = NULL;
    char p[256], d[512], k[256], sc[512];
    int rc;

    rc = sqlite3_prepare_v2(db,
        "SELECT pack, year, district, MAX(id), MAX(created) FROM evaluations"
        " GROUP BY pack, year, district ORDER BY pack, year, district",
        -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
            "SELECT rule, share_num, share_den, req_num, req_den, verdict"
            " FROM evaluation_rule WHERE eval_id = ? ORDER BY seq",
            -1, &r, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
            "SELECT rule, school, status FROM evaluation_school"
            " WHERE eval_id = ? ORDER BY school, rule", -1, &x, NULL);
    if (rc != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = col64(s, 3);
        int year = sqlite3_column_int(s, 1);

        esc(s, 0, p, sizeof(p));
        esc(s, 2, d, sizeof(d));
        fprintf(o->f[F_EVAL_TIME],
                "classband_evaluation_timestamp_seconds{pack=\"%s\","
                "year=\"%d\",district=\"%s\"} %" PRId64 "\n", p, year, d,
                col64(s, 4));
        sqlite3_reset(r);
        sqlite3_bind_int64(r, 1, id);
        while ((rc = sqlite3_step(r)) == SQLITE_ROW) {
            int64_t sd = col64(r, 2);
            int64_t rd = col64(r, 4);

            esc(r, 0, k, sizeof(k));
            fprintf(o->f[F_RULE_SHARE],
                    "classband_evaluation_rule_share_ratio{pack=\"%s\","
                    "year=\"%d\",district=\"%s\",rule=\"%s\"} %.6f\n", p,
                    year, d, k, sd > 0 ? (double)col64(r, 1) /
                                         (double)sd : 0.0);
            fprintf(o->f[F_RULE_REQUIRED],
                    "classband_evaluation_rule_required_ratio{pack=\"%s\","
                    "year=\"%d\",district=\"%s\",rule=\"%s\"} %.6f\n", p,
                    year, d, k, rd > 0 ? (double)col64(r, 3) /
                                         (double)rd : 0.0);
            fprintf(o->f[F_RULE_VERDICT],
                    "classband_evaluation_rule_verdict{pack=\"%s\","
                    "year=\"%d\",district=\"%s\",rule=\"%s\","
                    "verdict=\"%s\"} 1\n", p, year, d, k,
                    esc(r, 5, sc, sizeof(sc)));
        }
        if (rc != SQLITE_DONE)
            goto out;
        sqlite3_reset(x);
        sqlite3_bind_int64(x, 1, id);
        while ((rc = sqlite3_step(x)) == SQLITE_ROW) {
            char st[64];

            esc(x, 0, k, sizeof(k));
            esc(x, 1, sc, sizeof(sc));
            fprintf(o->f[F_SCHOOL_STATUS],
                    "classband_evaluation_school_status{pack=\"%s\","
                    "year=\"%d\",district=\"%s\",rule=\"%s\",school=\"%s\","
                    "status=\"%s\"} 1\n", p, year, d, k, sc,
                    esc(x, 2, st, sizeof(st)));
        }
        if (rc != SQLITE_DONE)
            goto out;
    }
out:
    sqlite3_finalize(s);
    sqlite3_finalize(r);
    sqlite3_finalize(x);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int
metrics_prom_store(struct storage *st, int64_t now, char **out, size_t *len)
{
    sqlite3 *db = storage_handle(st);
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
    if (rc == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        rc = -EIO;
    if (rc == 0)
        rc = schools(db, &o, storage_api_has(st, STORAGE_API_REGISTRY),
                     storage_api_has(st, STORAGE_API_CLASS_NAMES));
    if (rc == 0)
        rc = agents(db, &o, now, storage_api_has(st, STORAGE_API_AGENT_STATUS));
    if (rc == 0 && storage_api_has(st, STORAGE_API_EVALUATIONS))
        rc = evaluations(db, &o);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
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
