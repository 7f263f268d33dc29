/* metrics: every school-level metric of DESIGN.md, computed from what the
 * store holds for one school over one period, restricted to school hours
 * of the district calendar, each with its evidence (school days with data,
 * completeness, source). Values are exact fractions (struct ratio) so that
 * "at least 10.0" and "2/3 of schools" are decided without floating point.
 *
 * What each figure rests on (details and caveats: docs/COMPLIANCE.md):
 *  - egress_capacity_mbps: contracted bandwidth (registry); lowered by the
 *    WAN link speed or the capacity probe when the store keeps them
 *    (asked at run time: storage_eval_has). Source says which one won.
 *  - egress_mbps_per_class: capacity / registry classes.
 *  - class_p95_down_mbps, class_peak_down_mbps: per-class one-minute rates
 *    (class_minute) over school hours: p95 of all class-minutes, and the
 *    highest 1-second peak.
 *  - students_per_computer / teachers_per_computer: registry students
 *    (teachers) / computers, where computers = the highest device count
 *    reached on at least 5 school days by the daily peak of concurrent
 *    devices in computer_room (staff_office) classes. class_minute holds
 *    device counts, not identities, so this is a lower bound of distinct
 *    devices (two pupils using one PC at different times count once; a
 *    PC never on at the same time as the others is missed).
 *  - multimedia_class_pct: classroom-kind classes that had at least one
 *    device during school hours on >= 80% of the school days with data.
 *  - broadband_uptime_pct: school-hour minutes in which the agent's
 *    capture reported (capture_minute), over school-hour minutes of the
 *    period; reachability probe results replace this where they exist.
 *  - wifi_*, school_access_mbps, class_access_mbps, campus_backbone_mbps:
 *    from SNMP data when present; otherwise "no data".
 *  - inventory:<item>: the district's declared inventory.
 * Reads only, through storage_eval.h; never writes. */
#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

#include "calendar.h"

struct storage;

struct ratio {
    int64_t num;
    int64_t den;        /* > 0 */
};

/* -1, 0, 1 as a <, =, > b, exactly. */
int    ratio_cmp(struct ratio a, struct ratio b);
double ratio_double(struct ratio r);
/* Parses a non-negative decimal ("10", "8.5", "0.333") into an exact
 * fraction. 0 or -EINVAL. */
int    ratio_parse_decimal(const char *s, struct ratio *out);
/* Formats with up to `digits` decimals, trailing zeros dropped. */
void   ratio_format(struct ratio r, int digits, char *buf, size_t len);

enum metric_id {
    M_EGRESS_CAPACITY,
    M_EGRESS_PER_CLASS,
    M_CLASS_P95_DOWN,
    M_CLASS_PEAK_DOWN,
    M_WIFI_COVERAGE_PCT,
    M_WIFI_FULL_COVERAGE,
    M_WIFI_ACCESS,
    M_STUDENTS_PER_COMPUTER,
    M_TEACHERS_PER_COMPUTER,
    M_MULTIMEDIA_CLASS_PCT,
    M_BROADBAND_UPTIME_PCT,
    M_SCHOOL_ACCESS,
    M_CLASS_ACCESS,
    M_CAMPUS_BACKBONE,
    M_COUNT,
    M_INVENTORY = 100,  /* "inventory:<item>" */
};

/* Canonical metric name -> id (M_INVENTORY for "inventory:x"), or -1. */
int         metrics_lookup(const char *name);
const char *metrics_name(int id);

/* Evidence common to a school and period. */
struct metrics_evidence {
    int64_t from, to;           /* period evaluated: [from, to) */
    int school_days;            /* school days in [from, to) */
    int days_with_data;         /* of those, days with any agent data */
    int64_t school_minutes;     /* school-hour minutes in [from, to) */
    int64_t minutes_with_data;  /* of those, minutes with agent data */
    int64_t last_data;          /* latest agent minute in the period, or 0 */
    int recent_days_with_data;  /* of the last stale_days school days */
};

enum metric_state {
    MS_VALUE = 0,       /* value is set */
    MS_NO_DATA,         /* nothing to compute it from (no such data, no row) */
};

struct metric_value {
    enum metric_state state;
    struct ratio v;
    char source[48];    /* contracted, link speed, probe, measured, ... */
    char declared[48];  /* registry figure shown beside, or "" */
    char note[160];
};

struct metrics_school {
    char code[72];
    char name[256];
    char district[256];
    char region[16];
    char type[20];
    int64_t students, teachers, classes;
    int64_t contracted_kbps;    /* -1 unknown */
    int64_t declared_student_computers, declared_teacher_computers;
    struct metrics_evidence ev;
    struct metric_value m[M_COUNT];
};

/* Computes everything for school code over [from, to) under cal.
 * stale_days: how many final school days of the period are checked for
 * recent data. Inventory metrics are computed on demand with
 * metrics_inventory. Returns 0, -ENOENT (no such school) or -EIO. */
int metrics_compute(struct storage *st, const char *code,
                    const struct calendar *cal, int64_t from, int64_t to,
                    int stale_days, struct metrics_school *out);

/* Declared inventory value of item for school and year. */
int metrics_inventory(struct storage *st, const char *code, int year,
                      const char *item, struct metric_value *out);

#endif /* METRICS_H */
