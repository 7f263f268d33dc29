/* storage_api: what the NOC read side (the JSON API in api.c, the
 * Prometheus page in metrics_prom.c, the HTTP server in http.c) reads from
 * the store, as questions a backend answers with rows. storage_sqlite_api.c
 * is the SQLite backend; a PostgreSQL backend implements the same
 * functions in its own storage_pg*.c.
 *
 * Rows are handed over as structs, one callback call per row; strings in
 * them point into the backend's buffers and are valid only during that
 * call. A callback must not ask the store anything itself (a backend may
 * be streaming the rows over the same connection): keep what is needed
 * and ask after the walk. A text field documented as nullable is NULL when the store holds
 * no value (a school known only from its agents has no name). Orders are
 * part of the contract: text orders are bytewise (SQLite BINARY, the
 * "C" collation in PostgreSQL), because the answers list rows in that
 * order.
 *
 * The backend selects rows and does the plain aggregation noted at each
 * function (SUM, MAX, COUNT ... GROUP BY), which a backend must reproduce
 * exactly; everything computed from the rows (rates, verdicts, counts of
 * verdicts, the JSON and text shapes) is the caller's.
 *
 * Return values: 0; -ENOENT where documented (nothing stored); -EAGAIN
 * when the store is busy or the query was cancelled (over its time
 * budget, storage_api_set_cancel); -EIO for any other store failure
 * (storage_api_errmsg says what); or the non-zero value a callback
 * returned, which stops the walk. Every function here only reads. */
#ifndef STORAGE_API_H
#define STORAGE_API_H

#include <stddef.h>
#include <stdint.h>

struct storage;

/* ------------------------------------------------------------------ */
/* the store itself                                                     */

/* Parts of the store that came with later versions of its schema. A store
 * of any age is readable; the read side asks before it reads a part, and
 * answers without it (no registry: schools known from their agents only).
 * Functions documented as needing a feature fail (-EIO) without it; the
 * others answer without the part (no class names, agents' schools only). */
enum storage_api_feature {
    STORAGE_API_REGISTRY,       /* schools of the registry */
    STORAGE_API_CLASS_NAMES,    /* names and kinds of a school's classes */
    STORAGE_API_CALENDAR,       /* district calendars */
    STORAGE_API_PACKS,          /* policy packs and their rules */
    STORAGE_API_EVALUATIONS,    /* stored evaluations, per rule, school */
    STORAGE_API_AGENT_STATUS,   /* the agents' own status reports */
};

/* 1 when the store has feature f, else 0 (also when it cannot tell). */
int storage_api_has(struct storage *st, enum storage_api_feature f);

/* The version of the store's schema (the number of migrations applied),
 * for /status. */
int storage_api_schema_version(struct storage *st, int64_t *version);

/* The backend's message for the last failure on st (for a 500 answer). */
const char *storage_api_errmsg(struct storage *st);

/* Cancellation for a read-only handle: while a query runs, the backend
 * calls check(arg) now and then (SQLite: every 10000 virtual machine
 * steps); a non-zero return aborts the query, which then fails with
 * -EAGAIN. This holds for every reader of the handle, including other
 * modules sharing it (metrics, calendar). check NULL: no checks. */
typedef int (*storage_api_cancel_fn)(void *arg);
void storage_api_set_cancel(struct storage *st, storage_api_cancel_fn check,
                            void *arg);

/* A read transaction, so that several questions see one state of the
 * store (the /metrics families agree with each other). end after begin,
 * also after a failure. */
int  storage_api_read_begin(struct storage *st);
void storage_api_read_end(struct storage *st);

/* An integer the store may lack (NULL in SQL). */
struct storage_api_int {
    int64_t v;
    int null;   /* 1: no value; v is 0 */
};

/* ------------------------------------------------------------------ */
/* schools                                                              */

struct storage_api_school {
    const char *code;
    const char *name, *district, *region, *type;    /* nullable */
    struct storage_api_int students, teachers, classes, contracted_kbps;
    struct storage_api_int declared_student_computers;
    struct storage_api_int declared_teacher_computers;
    struct storage_api_int updated;
    int registered;             /* 1: from the registry; 0: agents only */
    /* storage_api_each_school only: the latest last_seen of the school's
     * agents (MAX over agents), null without agents */
    struct storage_api_int last_seen;
};
typedef int (*storage_api_school_cb)(void *arg,
                                     const struct storage_api_school *s);

/* Every school, ordered by code: those of the registry (registered 1,
 * every field) and those known only from their agents (code and last_seen
 * only, registered 0; without the registry feature that is every
 * school). */
int storage_api_each_school(struct storage *st, storage_api_school_cb cb,
                            void *arg);
/* The registry's row of school code: cb is called once, or not at all
 * (returns -ENOENT) when the registry does not hold it. Needs
 * STORAGE_API_REGISTRY. last_seen is null. */
int storage_api_school(struct storage *st, const char *code,
                       storage_api_school_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* class minutes                                                        */

/* The start of the latest minute stored for school (MAX(minute)), or
 * -ENOENT. */
int storage_api_last_minute(struct storage *st, const char *school,
                            int64_t *minute);

/* One class's figures of one minute, over the agents that reported it:
 * the byte and packet counts and devices summed (SUM), the peaks the
 * highest (MAX). */
struct storage_api_class_minute {
    const char *class_id;
    const char *name, *kind;    /* nullable: not in the registry */
    int64_t bytes_up, bytes_down, pkts_up, pkts_down;
    int64_t peak_up_bps, peak_down_bps, devices;
};
typedef int (*storage_api_class_minute_cb)(void *arg,
    const struct storage_api_class_minute *c);
/* Every class of school in minute, ordered by class. */
int storage_api_minute_classes(struct storage *st, const char *school,
                               int64_t minute,
                               storage_api_class_minute_cb cb, void *arg);

/* Time buckets: minutes from <= minute < to grouped by bucket
 * (minute - from) / width (integer division), for the series charts. The
 * grouping stays in the backend: a month of minutes is tens of thousands
 * of rows per class, a month of days thirty. */
struct storage_api_class_bucket {
    const char *class_id;
    const char *name, *kind;    /* nullable: not in the registry */
    int64_t bucket;
    int64_t bytes_up, bytes_down;           /* SUM */
    int64_t peak_up_bps, peak_down_bps;     /* MAX */
    int64_t devices_max;                    /* MAX(devices) */
    int64_t minutes;                        /* COUNT(*) of rows */
};
typedef int (*storage_api_class_bucket_cb)(void *arg,
    const struct storage_api_class_bucket *b);
/* Per class per bucket, ordered by class, bucket. */
int storage_api_class_buckets(struct storage *st, const char *school,
                              int64_t from, int64_t to, int64_t width,
                              storage_api_class_bucket_cb cb, void *arg);

struct storage_api_bucket {
    int64_t bucket;
    int64_t value;
    int64_t minutes;
};
typedef int (*storage_api_bucket_cb)(void *arg,
                                     const struct storage_api_bucket *b);
/* Per bucket over the school's classes: value is the devices of the
 * busiest minute (MAX over minutes of SUM(devices) of the minute), minutes
 * the minutes with any class data (COUNT of distinct minutes). Buckets
 * without rows are left out; order unspecified. */
int storage_api_school_buckets(struct storage *st, const char *school,
                               int64_t from, int64_t to, int64_t width,
                               storage_api_bucket_cb cb, void *arg);
/* Per bucket: minutes in which any capture of school reported
 * (COUNT(DISTINCT minute) of the capture rows), in minutes and value
 * alike. Buckets without rows are left out; order unspecified. */
int storage_api_capture_buckets(struct storage *st, const char *school,
                                int64_t from, int64_t to, int64_t width,
                                storage_api_bucket_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* agents                                                               */

struct storage_api_agent {
    const char *agent_id, *school;
    const char *version, *boot_id, *peer;   /* nullable */
    int64_t first_seen, last_seen;
    int64_t batches;            /* SUM of its streams' batches, 0 if none */
};
typedef int (*storage_api_agent_cb)(void *arg,
                                    const struct storage_api_agent *a);

/* The number of agents of school (NULL: all). */
int storage_api_agent_count(struct storage *st, const char *school,
                            int64_t *n);
/* The agents of school (NULL: all) ordered by school, agent_id, from the
 * offset'th on, at most limit (< 0: all). */
int storage_api_each_agent(struct storage *st, const char *school,
                           int64_t limit, int64_t offset,
                           storage_api_agent_cb cb, void *arg);

struct storage_api_stream {
    int64_t stream, last_seq, batches, updated;
};
typedef int (*storage_api_stream_cb)(void *arg,
                                     const struct storage_api_stream *s);
/* The agent's streams, ordered by stream. */
int storage_api_agent_streams(struct storage *st, const char *agent_id,
                              storage_api_stream_cb cb, void *arg);

/* The capture reports of one agent for school with from <= minute < to:
 * minutes is COUNT(DISTINCT minute), the counts are SUMs (null without
 * rows, or when no row has the figure), last_minute MAX(minute). */
struct storage_api_capture {
    int64_t minutes;
    struct storage_api_int pkts_seen, pcap_recv, pcap_drop, pcap_ifdrop;
    struct storage_api_int unclassified_pkts, last_minute;
};
int storage_api_agent_capture(struct storage *st, const char *school,
                              const char *agent_id, int64_t from, int64_t to,
                              struct storage_api_capture *out);

/* The agent's latest status report (the highest minute), or -ENOENT.
 * Needs STORAGE_API_AGENT_STATUS. */
struct storage_api_agent_status {
    int64_t minute, backlog_batches, dropped_batches, dropped_rows;
    int64_t uptime_s;
};
int storage_api_agent_status(struct storage *st, const char *agent_id,
                             struct storage_api_agent_status *out);

/* ------------------------------------------------------------------ */
/* packs and evaluations                                                */

/* The pack functions need STORAGE_API_PACKS, the evaluation functions
 * STORAGE_API_EVALUATIONS. */

struct storage_api_pack {
    const char *pack, *version, *title;
    int64_t loaded;
};
typedef int (*storage_api_pack_cb)(void *arg,
                                   const struct storage_api_pack *p);
/* Every loaded (pack, version), ordered by pack, loaded, version. */
int storage_api_each_pack(struct storage *st, storage_api_pack_cb cb,
                          void *arg);

/* The rules of (pack, version) counted per year (COUNT GROUP BY year),
 * ordered by year. */
typedef int (*storage_api_year_cb)(void *arg, int64_t year, int64_t rules);
int storage_api_pack_years(struct storage *st, const char *pack,
                           const char *version, storage_api_year_cb cb,
                           void *arg);

struct storage_api_eval {
    int64_t id;
    const char *pack, *version;
    int64_t year, rules_year;
    const char *district;       /* "" = all districts */
    int64_t period_from, period_to, min_days, stale_days, created;
};
typedef int (*storage_api_eval_cb)(void *arg,
                                   const struct storage_api_eval *e);
/* Evaluations matching pack (NULL: any), year (0: any) and district
 * (NULL: any), newest (highest id) first, at most limit. */
int storage_api_each_eval(struct storage *st, const char *pack, int64_t year,
                          const char *district, int64_t limit,
                          storage_api_eval_cb cb, void *arg);
/* Evaluation id: cb once, or -ENOENT. */
int storage_api_eval(struct storage *st, int64_t id, storage_api_eval_cb cb,
                     void *arg);

/* The latest evaluation per (pack, year, district): max_id is MAX(id),
 * max_created MAX(created) of the group. */
struct storage_api_eval_group {
    const char *pack;
    int64_t year;
    const char *district;
    int64_t max_id, max_created;
};
typedef int (*storage_api_eval_group_cb)(void *arg,
    const struct storage_api_eval_group *g);
/* Groups of pack (NULL: all) and year (with pack), ordered by pack, year,
 * district. */
int storage_api_eval_groups(struct storage *st, const char *pack,
                            int64_t year, storage_api_eval_group_cb cb,
                            void *arg);

struct storage_api_eval_rule {
    const char *rule;
    int64_t seq;
    const char *metric, *op, *threshold, *regions, *types;
    int64_t in_scope, meeting, failing, undetermined;
    int64_t share_num, share_den, req_num, req_den;
    const char *verdict, *text;
};
typedef int (*storage_api_eval_rule_cb)(void *arg,
    const struct storage_api_eval_rule *r);
/* The rules of evaluation id (rule NULL: all, else that one), ordered by
 * seq. */
int storage_api_eval_rules(struct storage *st, int64_t id, const char *rule,
                           storage_api_eval_rule_cb cb, void *arg);

struct storage_api_eval_school {
    const char *school, *name, *district, *region, *type, *rule, *metric;
    const char *value, *declared;   /* nullable */
    const char *status;
    int64_t days, school_days;
    const char *completeness, *source, *note;
};
typedef int (*storage_api_eval_school_cb)(void *arg,
    const struct storage_api_eval_school *x);
/* The per-school rows of evaluation id, filtered by school and rule (NULL:
 * any), ordered by school and then by the rule's seq. */
int storage_api_eval_schools(struct storage *st, int64_t id,
                             const char *school, const char *rule,
                             storage_api_eval_school_cb cb, void *arg);

/* Only school, rule and status of each per-school row of evaluation id,
 * ordered by school, rule (the verdict of every school in one pass). */
typedef int (*storage_api_status_cb)(void *arg, const char *school,
                                     const char *rule, const char *status);
int storage_api_eval_statuses(struct storage *st, int64_t id,
                              storage_api_status_cb cb, void *arg);

#endif /* STORAGE_API_H */
