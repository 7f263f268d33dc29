/* storage_eval: what the compliance evaluation reads from and writes to
 * the store. metrics.c reads the registry and the measurements of one
 * school, evaluate.c refreshes the per-day Wi-Fi rows and stores its
 * results, report.c and evaluate_print read a stored evaluation back.
 * storage_sqlite_eval.c is the SQLite backend; a PostgreSQL backend
 * implements the same functions in its own file.
 *
 * The backend hands over rows; every figure (p95, coverage, uptime,
 * computers, verdicts) is computed by the caller. The few aggregates the
 * backend computes itself are named in the comment of their function and
 * must be reproduced exactly by another backend.
 *
 * Conventions:
 *  - Iterators call cb once per row, in the order stated; a non-zero
 *    return from cb stops the walk and is returned. Row pointers (and the
 *    strings in them) are valid during the call only. Otherwise 0, or
 *    -EIO on a store error (storage_eval_error says which).
 *  - Text order is byte order (SQLite BINARY, PostgreSQL COLLATE "C").
 *  - Time ranges are [from, to) in unix seconds; days are local day
 *    numbers (calendar_day) unless stated otherwise.
 *  - A string column without a value is passed as NULL.
 *  - The functions log nothing of their own: callers decide what to say. */
#ifndef STORAGE_EVAL_H
#define STORAGE_EVAL_H

#include <stddef.h>
#include <stdint.h>

struct storage;

/* Data a store may lack because it was created by an older release
 * (a migration it has not run). Without a feature, the functions that read
 * its data must not be called: they return -EIO. */
enum storage_eval_feature {
    /* Hourly and daily rollups of the class minutes and the list of hours
     * waiting to be rolled up (schema 005). */
    STORAGE_EVAL_ROLLUPS,
    /* The registry's links and the SNMP interface polls (schema 002, 003). */
    STORAGE_EVAL_LINKS,
    /* Per-day Wi-Fi figures and the area samples they are computed from
     * (schema 003). */
    STORAGE_EVAL_WIFI,
    /* Capacity probe results (schema 006). */
    STORAGE_EVAL_PROBE_CAPACITY,
    /* Per-minute reachability probe results (schema 006). */
    STORAGE_EVAL_REACH,
};
/* 1 when the store holds that kind of data, else 0. */
int storage_eval_has(struct storage *st, enum storage_eval_feature f);

/* Human-readable reason of the store's last failed operation, for a log
 * line. Never NULL. */
const char *storage_eval_error(struct storage *st);

/* ------------------------------------------------------------------ */
/* registry                                                            */

/* One school of the registry. Strings are truncated to fit. */
struct storage_eval_school {
    char name[256];
    char district[256];
    char region[16];
    char type[20];
    int64_t students, teachers, classes;
    int64_t contracted_kbps;                /* -1: not known */
    int64_t declared_student_computers;     /* -1: not declared */
    int64_t declared_teacher_computers;     /* -1: not declared */
};
/* 0 with *out filled, -ENOENT (no such school) or -EIO. */
int storage_eval_school_get(struct storage *st, const char *code,
                            struct storage_eval_school *out);

typedef int (*storage_eval_school_cb)(void *arg, const char *code,
                                      const char *district);
/* Schools of district (NULL or "": all), by district, then code. */
int storage_eval_each_school(struct storage *st, const char *district,
                             storage_eval_school_cb cb, void *arg);

typedef int (*storage_eval_class_cb)(void *arg, const char *class_id,
                                     const char *kind);
/* The registry's classes of school, by class id. */
int storage_eval_each_class(struct storage *st, const char *school,
                            storage_eval_class_cb cb, void *arg);

struct storage_eval_link {
    const char *role;       /* wan, uplink, class_access, backbone */
    const char *target;     /* SNMP target name or glob */
    const char *iface;      /* ifName or ifAlias, or glob */
};
typedef int (*storage_eval_link_cb)(void *arg,
                                    const struct storage_eval_link *r);
/* The registry's links of school, by link name. Needs STORAGE_EVAL_LINKS. */
int storage_eval_each_link(struct storage *st, const char *school,
                           storage_eval_link_cb cb, void *arg);

typedef int (*storage_eval_inventory_cb)(void *arg, int year, double value);
/* Every declared value of inventory item for school, one per year, in no
 * particular order. */
int storage_eval_each_inventory(struct storage *st, const char *school,
                                const char *item,
                                storage_eval_inventory_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* measurements                                                        */

/* One class minute as the agent reported it. */
/* Class and capture minutes are read with storage_each_class_minute and
 * storage_each_capture_minute (storage.h). */

/* Rollups (collector/rollup.c). All need STORAGE_EVAL_ROLLUPS. */

struct storage_eval_school_day {
    int64_t day;                        /* local day number */
    int64_t minutes_with_data;
    uint64_t sum_class_peak_down_bps;
};
typedef int (*storage_eval_school_day_cb)(
    void *arg, const struct storage_eval_school_day *r);
/* Rolled-up days of school with day_from <= day < day_to, in any order. */
int storage_eval_each_school_day(struct storage *st, const char *school,
                                 int64_t day_from, int64_t day_to,
                                 storage_eval_school_day_cb cb, void *arg);

typedef int (*storage_eval_hour_cb)(void *arg, int64_t hour);
/* Hours of school with from <= hour < to that received rows since they
 * were last rolled up, in any order. */
int storage_eval_each_dirty_hour(struct storage *st, const char *school,
                                 int64_t from, int64_t to,
                                 storage_eval_hour_cb cb, void *arg);

struct storage_eval_class_hour {
    int64_t hour;
    uint64_t bytes_up, bytes_down;
    int64_t minutes;                    /* minutes with a row */
};
typedef int (*storage_eval_class_hour_cb)(
    void *arg, const struct storage_eval_class_hour *r);
/* Per-class hour rollups of school with from <= hour < to, by hour (the
 * classes of one hour in any order). */
int storage_eval_each_class_hour(struct storage *st, const char *school,
                                 int64_t from, int64_t to,
                                 storage_eval_class_hour_cb cb, void *arg);

struct storage_eval_class_day {
    const char *class_id;
    int64_t day;                        /* local day number */
    int64_t max_devices;
    uint64_t p95_down_bps, peak_down_bps;
};
typedef int (*storage_eval_class_day_cb)(
    void *arg, const struct storage_eval_class_day *r);
/* Per-class day rollups of school with day_from <= day < day_to, in any
 * order. */
int storage_eval_each_class_day(struct storage *st, const char *school,
                                int64_t day_from, int64_t day_to,
                                storage_eval_class_day_cb cb, void *arg);

/* SNMP. */

struct storage_eval_if_poll {
    int64_t ts;
    const char *target, *name, *alias;
    int64_t speed_mbps;                 /* ifHighSpeed; 0: not reported */
    int oper;                           /* ifOperStatus; 0: not reported */
};
typedef int (*storage_eval_if_cb)(void *arg,
                                  const struct storage_eval_if_poll *r);
/* Interface polls of school with from <= ts < to, in any order. Needs
 * STORAGE_EVAL_LINKS. */
int storage_eval_each_if_poll(struct storage *st, const char *school,
                              int64_t from, int64_t to,
                              storage_eval_if_cb cb, void *arg);

struct storage_eval_wifi_day {
    int64_t day;            /* unix seconds of the local day's start */
    int64_t required_areas, covered_areas, unknown_areas;
    int full_known;         /* full_coverage is known */
    int full_coverage;      /* 1 or 0 */
    int access_known;       /* access_mbps is known */
    int64_t access_mbps;
};
typedef int (*storage_eval_wifi_day_cb)(
    void *arg, const struct storage_eval_wifi_day *r);
/* Per-day Wi-Fi rows of school with from <= day < to, by day. Needs
 * STORAGE_EVAL_WIFI. */
int storage_eval_each_wifi_day(struct storage *st, const char *school,
                               int64_t from, int64_t to,
                               storage_eval_wifi_day_cb cb, void *arg);

/* The earliest and the latest Wi-Fi area sample of school with
 * from <= ts < to (an aggregate: min(ts), max(ts); a scan in C would read
 * every sample of the year). 0 with *lo, *hi set; -ENOENT when there is
 * none or the store keeps no Wi-Fi data; -EIO. */
int storage_eval_wifi_sample_span(struct storage *st, const char *school,
                                  int64_t from, int64_t to, int64_t *lo,
                                  int64_t *hi);

/* The day's Wi-Fi rows themselves are (re)computed by
 * storage_hist_wifi_day (storage_hist.h), shared with the rollup. */

/* Probes. */

struct storage_eval_probe {
    int64_t ts;
    int status;             /* 0 ok, else failed */
    int up_known, down_known;
    double up_mbps, down_mbps;
    int link_known;         /* the agent's OS reported the WAN speed */
    int64_t link_mbps;
};
typedef int (*storage_eval_probe_cb)(void *arg,
                                     const struct storage_eval_probe *r);
/* Capacity probes of school with from <= ts < to, in any order. Needs
 * STORAGE_EVAL_PROBE_CAPACITY. */
int storage_eval_each_capacity_probe(struct storage *st, const char *school,
                                     int64_t from, int64_t to,
                                     storage_eval_probe_cb cb, void *arg);

typedef int (*storage_eval_reach_cb)(void *arg, int64_t minute,
                                     int64_t probes, int64_t ok);
/* Reachability rows of school with from <= minute < to, one per target
 * and minute, by minute. Needs STORAGE_EVAL_REACH. */
int storage_eval_each_reach_minute(struct storage *st, const char *school,
                                   int64_t from, int64_t to,
                                   storage_eval_reach_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* transactions                                                        */

/* A write transaction that holds the write lock from its start
 * (BEGIN IMMEDIATE). 0 or -EIO; nothing is logged. */
int  storage_eval_begin(struct storage *st);
int  storage_eval_commit(struct storage *st);
void storage_eval_rollback(struct storage *st);

/* ------------------------------------------------------------------ */
/* stored evaluations                                                  */

/* The parameters an evaluation ran with. */
struct storage_eval_head {
    const char *pack, *version;
    int year, rules_year;
    const char *district;               /* "" = all districts */
    int64_t from, to;                   /* period evaluated */
    int min_days, stale_days;
    int64_t created;
    const char *calendar;               /* calendar source used */
};

/* One school against one rule. */
struct storage_eval_school_row {
    const char *rule, *school, *name, *district, *region, *type, *metric;
    const char *value;                  /* as shown; NULL: no value */
    int64_t value_num, value_den;       /* exact value, when value is set */
    const char *declared, *status;
    int64_t days, school_days;
    const char *completeness, *source, *note;
    /* Read back only: the rule's comparison and threshold. */
    const char *op, *threshold;
};

/* One metric of one school, rule or not. */
struct storage_eval_metric_row {
    const char *school, *metric;
    int seq;                            /* metric order */
    const char *value;                  /* NULL: no value */
    int64_t value_num, value_den;
    const char *source, *declared, *note;
    int64_t days, school_days;
    const char *completeness;
    /* Read back only: the school's name and district as its rule rows
     * have them (NULL when the school has none). */
    const char *name, *district;
};

/* One rule and its tally. */
struct storage_eval_rule_row {
    const char *rule;
    int seq;                            /* order of the pack file */
    const char *metric, *op, *threshold, *regions, *types;
    int64_t in_scope, meeting, failing, undetermined;
    int64_t share_num, share_den, req_num, req_den;
    const char *verdict, *text;
};

/* Writing: storage_eval_write_begin opens a write transaction
 * (BEGIN IMMEDIATE) and returns a writer (on failure there is nothing to
 * abort); storage_eval_write_head stores the evaluation and gives its id;
 * then any number of school, metric and rule rows; storage_eval_write_commit
 * commits and frees the writer. On any error after begin (commit's
 * included) the caller calls storage_eval_write_abort, which rolls back
 * and frees. The caller may read the store between the calls, inside the
 * transaction. All return 0 or -EIO (-ENOMEM from begin). */
struct storage_eval_writer;
int  storage_eval_write_begin(struct storage *st,
                              struct storage_eval_writer **out);
int  storage_eval_write_head(struct storage_eval_writer *w,
                             const struct storage_eval_head *h, int64_t *id);
int  storage_eval_write_school(struct storage_eval_writer *w,
                               const struct storage_eval_school_row *r);
int  storage_eval_write_metric(struct storage_eval_writer *w,
                               const struct storage_eval_metric_row *r);
int  storage_eval_write_rule(struct storage_eval_writer *w,
                             const struct storage_eval_rule_row *r);
int  storage_eval_write_commit(struct storage_eval_writer *w);
void storage_eval_write_abort(struct storage_eval_writer *w); /* NULL ok */

/* The newest evaluation of pack, year and district ("" = all districts):
 * the highest id. 0 with *id set, -ENOENT or -EIO. */
int storage_eval_latest(struct storage *st, const char *pack, int year,
                        const char *district, int64_t *id);

typedef int (*storage_eval_head_cb)(void *arg,
                                    const struct storage_eval_head *h);
/* Calls cb with evaluation id's parameters: its return value, -ENOENT (no
 * such evaluation) or -EIO. */
int storage_eval_head_get(struct storage *st, int64_t id,
                          storage_eval_head_cb cb, void *arg);

typedef int (*storage_eval_rule_cb)(void *arg,
                                    const struct storage_eval_rule_row *r);
/* The rules of evaluation id, by seq. */
int storage_eval_each_rule(struct storage *st, int64_t id,
                           storage_eval_rule_cb cb, void *arg);

typedef int (*storage_eval_school_row_cb)(
    void *arg, const struct storage_eval_school_row *r);
/* The school rows of evaluation id with their rule's op and threshold, by
 * district, school, then the rule's seq. Rows whose rule is not stored are
 * left out. */
int storage_eval_each_school_row(struct storage *st, int64_t id,
                                 storage_eval_school_row_cb cb, void *arg);

typedef int (*storage_eval_metric_row_cb)(
    void *arg, const struct storage_eval_metric_row *r);
/* The metric rows of evaluation id with the school's name and district
 * from its school rows, by district (schools without one first), school,
 * then seq. */
int storage_eval_each_metric_row(struct storage *st, int64_t id,
                                 storage_eval_metric_row_cb cb, void *arg);

#endif /* STORAGE_EVAL_H */
