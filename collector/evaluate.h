/* evaluate: a pack's rules against the schools of a district for a year.
 * For every in-scope school and rule: the metric's value, evidence and a
 * status; for every rule: schools in scope, meeting, failing, undetermined,
 * the share meeting, the required share and the verdict. Everything is
 * stored (tables evaluations, evaluation_rule, evaluation_school) with the
 * pack version and the parameters used, so a report for a past year is
 * rebuilt from what was decided then, not recomputed.
 *
 * School status, first match wins (non-inventory metrics):
 *   not_reporting      no agent data on any of the last stale_days school
 *                      days of the period (including "never reported");
 *   insufficient_data  fewer than min_days school days with data;
 *   no_data            the metric has nothing to be computed from;
 *   meets / fails      value compared with the threshold, exactly.
 * Only "meets" counts as meeting. Rule verdict: pass when meeting /
 * in_scope >= required share (exact integer arithmetic); undetermined when
 * it would pass if every undetermined school met it; fail otherwise.
 * Inventory metrics (declared, not measured) skip the data checks.
 *
 * Safe beside a running collector: metrics are read outside any long
 * transaction (each school's Wi-Fi day rows are refreshed in a short one),
 * and the results are written in one short transaction at the end, so the
 * ingest writer never waits for a whole evaluation. */
#ifndef EVALUATE_H
#define EVALUATE_H

#include <stdint.h>
#include <stdio.h>

struct storage;

#define EVALUATE_MIN_DAYS 20    /* default school days of data needed */
#define EVALUATE_STALE_DAYS 5   /* default: last school week */

struct evaluate_params {
    const char *pack;
    const char *version;    /* NULL: latest loaded */
    int year;
    const char *district;   /* NULL or "": all districts */
    int min_days;
    int stale_days;
    int64_t now;            /* unix seconds; caps the period */
};

/* Runs and stores an evaluation. *eval_id receives its id. Messages
 * (unknown pack, year in the future) go to errs. Returns 0, -ENOENT,
 * -EINVAL or -EIO. */
int evaluate_run(struct storage *st, const struct evaluate_params *p,
                 FILE *errs, int64_t *eval_id);

/* The newest stored evaluation for pack/year/district (district NULL or
 * "" = all). 0 with *eval_id set, -ENOENT or -EIO. */
int evaluate_latest(struct storage *st, const char *pack, int year,
                    const char *district, int64_t *eval_id);

/* Prints the evaluation as text tables (rules, then schools). */
int evaluate_print(struct storage *st, int64_t eval_id, FILE *out);

struct evaluate_info {
    char pack[72], version[72], district[256];
    int year, rules_year, min_days, stale_days;
    int64_t from, to, created;
    char calendar[160];
};
int evaluate_info(struct storage *st, int64_t eval_id,
                  struct evaluate_info *out);

#endif /* EVALUATE_H */
