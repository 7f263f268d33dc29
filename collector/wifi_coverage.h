/* wifi_coverage: the rules of the per school per day Wi-Fi figures
 * (coverage, full coverage, access speed, clients), in plain C on rows a
 * backend hands over. The backend reads the day's area samples, the
 * registry's areas and the SNMP poll figures, feeds them here in the order
 * documented below, and stores what wifi_cov_area and wifi_cov_day give
 * back (storage_sqlite_snmp.c does this for SQLite).
 *
 * The rules:
 *   - Each area sample stands for [ts, min(ts + interval, next sample));
 *     its time inside the windows counts as up, down, or unknown (missing,
 *     unreachable, unknown: never as down).
 *   - An area is covered when up >= 90% of its known (up + down) time;
 *     when less than half of the school hours are known, it is unknown.
 *   - Required areas are those of the registry's `areas` table, if it lists
 *     the school, plus those the samples mark required.
 *   - coverage_pct = covered / (required - unknown) x 100 (none if no
 *     required area is known); full_coverage = 1 when every required area
 *     is covered, 0 when one is known uncovered, else unknown.
 *   - access_mbps = lowest AP speed reported that day; clients_peak = the
 *     sum over targets of each target's highest client count in school
 *     hours. */
#ifndef WIFI_COVERAGE_H
#define WIFI_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "storage_hist.h" /* struct store_snmp_window */

#define WIFI_COV_MAX_WINDOWS 64

/* One stored area sample. */
struct wifi_sample {
    const char *area;
    int required;
    int64_t ts, interval_s;
    int state;                  /* WIRE_AREA_* (common/wire_snmp.h) */
};

/* One area's figures for the day (a wifi_area_day row). */
struct wifi_area_day {
    const char *area;           /* valid until wifi_cov_free */
    int required;
    int64_t school_s, up_s, down_s, unknown_s;
    int covered;                /* 1, 0, or -1: unknown */
};

/* The school's figures for the day (a wifi_day row). */
struct wifi_day {
    int required, covered, uncovered, unknown;
    int has_pct;                /* 0: coverage_pct is unknown */
    double coverage_pct;
    int full_coverage;          /* 1, 0, or -1: unknown */
    int has_access;             /* 0: access_mbps is unknown */
    int64_t access_mbps;
    int has_clients;            /* 0: clients_peak is unknown */
    int64_t clients_peak;
    int64_t aps_seen;
    int64_t computed;           /* unix seconds */
};

struct wifi_cov_area;
struct wifi_cov_peak;

/* The day's accumulation. Fields are private. */
struct wifi_cov {
    int64_t day_start, day_end, school_s;
    struct store_snmp_window w[WIFI_COV_MAX_WINDOWS];
    size_t nw;
    struct wifi_cov_area *v;
    size_t n, cap;
    struct wifi_cov_area *cur;  /* area of the open sample */
    int64_t pts, pend;          /* the open sample */
    int pstate;
    struct wifi_cov_peak *p;
    size_t np;
};

/* Starts the day [day_start, day_end) with its school-hour windows (at
 * most WIFI_COV_MAX_WINDOWS are used), clipped to the day. Returns the
 * school seconds of the day; 0 means a day off: nothing is to be computed
 * or stored. wifi_cov_free must follow either way. */
int64_t wifi_cov_begin(struct wifi_cov *c, int64_t day_start,
                       int64_t day_end, const struct store_snmp_window *w,
                       size_t nw);

/* The clipped windows, for reading the client counts of school hours. */
const struct store_snmp_window *wifi_cov_windows(const struct wifi_cov *c,
                                                 size_t *nw);

/* Feeds the school's area samples with day_start - 86400 <= ts < day_end
 * (a sample may start up to a day before and still reach into the day),
 * all samples of one area one after the other, each area's in ts order.
 * 0 or -ENOMEM. */
int wifi_cov_sample(struct wifi_cov *c, const struct wifi_sample *s);

/* Feeds an area the registry lists for the school, after the samples.
 * 0 or -ENOMEM. */
int wifi_cov_registry_area(struct wifi_cov *c, const char *area,
                           int required);

/* Feeds, for one window and one (agent_id, target), the highest client
 * count the target reported in it (rows without a count left out).
 * 0 or -ENOMEM. */
int wifi_cov_client_peak(struct wifi_cov *c, const char *agent_id,
                         const char *target, int64_t max);

/* The areas of the day, after the samples and the registry areas: i in
 * [0, wifi_cov_nareas). */
size_t wifi_cov_nareas(struct wifi_cov *c);
void   wifi_cov_area(struct wifi_cov *c, size_t i, struct wifi_area_day *out);

/* The school's figures. has_access/access_mbps: the lowest positive AP
 * speed of the day, if any; aps_seen: the distinct (agent, target, AP
 * name) of the day; now stamps the result. */
void wifi_cov_day(struct wifi_cov *c, int has_access, int64_t access_mbps,
                  int64_t aps_seen, int64_t now, struct wifi_day *out);

void wifi_cov_free(struct wifi_cov *c);

#endif /* WIFI_COVERAGE_H */
