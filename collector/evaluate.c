/* evaluate: see evaluate.h. Metrics are computed once per school and
 * shared by all rules; one transaction stores the whole evaluation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "evaluate.h"
#include "log.h"
#include "metrics.h"
#include "packs.h"
#include "storage_eval.h"
#include "storage_hist.h"

struct rule_tally {
    int in_scope, meeting, failing, undetermined;
};

static const char *
status_of(const struct pack_rule *r, const struct metrics_school *ms,
          const struct metric_value *mv, int min_days)
{
    if (r->metric_id != M_INVENTORY) {
        if (ms->ev.recent_days_with_data == 0)
            return "not_reporting";
        if (ms->ev.days_with_data < min_days)
            return "insufficient_data";
    }
    if (mv->state != MS_VALUE)
        return "no_data";
    return pack_rule_holds(r, mv->v) ? "meets" : "fails";
}

static void
completeness(const struct metrics_evidence *ev, char *buf, size_t len)
{
    struct ratio r = { 100 * ev->minutes_with_data, ev->school_minutes };

    if (ev->school_minutes == 0) {
        snprintf(buf, len, "0");
        return;
    }
    snprintf(buf, len, "%.1f", ratio_double(r));
}

/* The value as shown: 2 decimals, or more when rounding would put the
 * shown number on the other side of the threshold than the exact one
 * (9.99983 must not read "10" beside "fails"). */
static void
value_text(const struct pack_rule *r, struct ratio v, char *buf, size_t len)
{
    struct ratio shown;
    int digits;

    for (digits = 2; digits <= 6; digits++) {
        ratio_format(v, digits, buf, len);
        if (v.den == 0 || ratio_parse_decimal(buf, &shown) != 0 ||
            pack_rule_holds(r, shown) == pack_rule_holds(r, v))
            return;
    }
}

static int
insert_school(struct storage_eval_writer *w, const struct pack_rule *r,
              const struct metrics_school *ms, const struct metric_value *mv,
              const char *status)
{
    struct storage_eval_school_row row;
    char val[48], comp[16];

    memset(&row, 0, sizeof(row));
    row.rule = r->rule;
    row.school = ms->code;
    row.name = ms->name;
    row.district = ms->district;
    row.region = ms->region;
    row.type = ms->type;
    row.metric = r->metric;
    if (mv->state == MS_VALUE) {
        value_text(r, mv->v, val, sizeof(val));
        row.value = val;
        row.value_num = mv->v.num;
        row.value_den = mv->v.den;
    }
    row.declared = mv->declared;
    row.status = status;
    row.days = ms->ev.days_with_data;
    row.school_days = ms->ev.school_days;
    completeness(&ms->ev, comp, sizeof(comp));
    row.completeness = comp;
    row.source = mv->source;
    row.note = mv->note;
    return storage_eval_write_school(w, &row);
}

/* (Re)computes the per-day Wi-Fi rows of the school for every school day
 * of [from, to) that has area samples, with the district calendar's
 * school hours (the store does not know the calendar). */
static int
refresh_wifi_days(struct storage *st, const char *code,
                  const struct calendar *cal, int64_t from, int64_t to,
                  int64_t now)
{
    int64_t lo, hi, d, d0;
    struct store_snmp_window win;
    int rc;

    /* None also when the store keeps no SNMP data; a failed look-up
     * leaves the rows as they are, the evaluation goes on. */
    if (storage_eval_wifi_sample_span(st, code, from - 86400, to, &lo,
                                      &hi) != 0)
        return 0;
    if (lo < from)
        lo = from;
    d0 = calendar_day(cal, lo);
    for (d = d0; d <= calendar_day(cal, hi); d++) {
        int64_t start = calendar_day_start(cal, d);

        if (!calendar_is_school_day(cal, d))
            continue;
        win.start = start + (int64_t)cal->start_min * 60;
        win.end = start + (int64_t)cal->end_min * 60;
        if (win.end > to)
            win.end = to;
        if (win.end <= win.start)
            continue;
        rc = storage_hist_wifi_day(st, code, start, start + 86400, &win, 1,
                                   now);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Local midnight of January 1st of year under cal. */
static int64_t
year_start(const struct calendar *cal, int year)
{
    return calendar_day_start(cal, calendar_civil_day(year, 1, 1));
}

/* Stores every metric of one school, whatever the pack asks about. */
static int
store_metrics(struct storage_eval_writer *w, const struct metrics_school *ms)
{
    struct storage_eval_metric_row row;
    char val[48], comp[16];
    int k, rc;

    for (k = 0; k < M_COUNT; k++) {
        const struct metric_value *mv = &ms->m[k];

        memset(&row, 0, sizeof(row));
        row.school = ms->code;
        row.metric = metrics_name(k);
        row.seq = k;
        if (mv->state == MS_VALUE) {
            ratio_format(mv->v, 2, val, sizeof(val));
            row.value = val;
            row.value_num = mv->v.num;
            row.value_den = mv->v.den;
        }
        row.source = mv->source;
        row.declared = mv->declared;
        row.note = mv->note;
        row.days = ms->ev.days_with_data;
        row.school_days = ms->ev.school_days;
        completeness(&ms->ev, comp, sizeof(comp));
        row.completeness = comp;
        if ((rc = storage_eval_write_metric(w, &row)) != 0)
            return rc;
    }
    return 0;
}

/* One school's figures, computed before the write transaction. */
struct school_result {
    struct metrics_school ms;
};

/* The schools to evaluate, read before any of them is: the walk over
 * the school list is not held open across the Wi-Fi refreshes. */
struct school_list {
    struct school_ref {
        char *code, *district;
    } *v;
    size_t n, cap;
};

static int
list_school(void *arg, const char *code, const char *district)
{
    struct school_list *l = arg;
    struct school_ref *nv;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        nv = realloc(l->v, l->cap * sizeof(*nv));
        if (nv == NULL)
            return -ENOMEM;
        l->v = nv;
    }
    l->v[l->n].code = strdup(code);
    l->v[l->n].district = strdup(district);
    if (l->v[l->n].code == NULL || l->v[l->n].district == NULL) {
        free(l->v[l->n].code);
        free(l->v[l->n].district);
        return -ENOMEM;
    }
    l->n++;
    return 0;
}

static void
school_list_free(struct school_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].code);
        free(l->v[i].district);
    }
    free(l->v);
}

/* Phase 1, outside any long transaction: the school list, each school's
 * Wi-Fi day rows refreshed in a short transaction of its own, and its
 * metrics read. Ingest's writer thread is never held up for more than one
 * school's Wi-Fi refresh. */
static int
compute_schools(struct storage *st, const struct evaluate_params *p,
                const char *district, struct school_result **out,
                size_t *nout)
{
    struct school_list list;
    struct school_result *res = NULL;
    struct calendar dcal;
    size_t n = 0;
    int rc;

    memset(&dcal, 0, sizeof(dcal));
    memset(&list, 0, sizeof(list));
    if ((rc = storage_eval_each_school(st, district, list_school, &list)) !=
        0)
        goto out;
    res = calloc(list.n + 1, sizeof(*res));
    if (res == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (n = 0; n < list.n; n++) {
        const char *code = list.v[n].code;
        int64_t sfrom, sto;

        /* Each school is measured against its own district's calendar. */
        calendar_free(&dcal);
        if ((rc = calendar_get(st, list.v[n].district, &dcal)) != 0)
            goto out;
        sfrom = year_start(&dcal, p->year);
        sto = year_start(&dcal, p->year + 1);
        if (sto > p->now)
            sto = p->now - p->now % 60;
        rc = -EIO;
        if (storage_eval_begin(st) != 0)
            goto out;
        if (refresh_wifi_days(st, code, &dcal, sfrom, sto, p->now) != 0 ||
            storage_eval_commit(st) != 0) {
            storage_eval_rollback(st);
            goto out;
        }
        rc = metrics_compute(st, code, &dcal, sfrom, sto, p->stale_days,
                             &res[n].ms);
        if (rc != 0)
            goto out;
    }
    rc = 0;
out:
    if (rc == -EIO)
        log_warnx("evaluate: %s", storage_eval_error(st));
    calendar_free(&dcal);
    school_list_free(&list);
    if (rc != 0) {
        free(res);
        return rc;
    }
    *out = res;
    *nout = n;
    return 0;
}

/* meeting / in_scope >= num / den, in integers. */
static const char *
verdict_of(const struct pack_rule *r, const struct rule_tally *t)
{
    int64_t lhs = (int64_t)t->meeting * r->share.den;
    int64_t best = (int64_t)(t->meeting + t->undetermined) * r->share.den;
    int64_t rhs = r->share.num * (int64_t)t->in_scope;

    if (t->in_scope == 0)
        return "no_schools";
    if (lhs >= rhs)
        return "pass";
    if (best >= rhs)
        return "undetermined";
    return "fail";
}

int
evaluate_run(struct storage *st, const struct evaluate_params *p, FILE *errs,
             int64_t *eval_id)
{
    struct storage_eval_writer *wr = NULL;
    struct storage_eval_head head;
    struct storage_eval_rule_row row;
    struct pack pack;
    struct calendar cal;
    struct rule_tally *tally = NULL;
    struct school_result *res = NULL;
    struct metric_value inv;
    const struct metric_value *mv;
    const char *district = p->district != NULL ? p->district : "";
    const char *status;
    int64_t from, to, id = 0;
    size_t i, k, nres = 0;
    int rc;

    if (errs == NULL)
        errs = stderr;
    rc = packs_get(st, p->pack, p->version, p->year, &pack, errs);
    if (rc != 0)
        return rc;
    memset(&cal, 0, sizeof(cal));
    if ((rc = calendar_get(st, district, &cal)) != 0)
        goto out;
    from = year_start(&cal, p->year);
    to = year_start(&cal, p->year + 1);
    if (to > p->now)
        to = p->now - p->now % 60;
    if (to <= from) {
        fprintf(errs, "evaluate: %d has not started yet\n", p->year);
        rc = -EINVAL;
        goto out;
    }
    tally = calloc(pack.nrules + 1, sizeof(*tally));
    if (tally == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = compute_schools(st, p, district, &res, &nres)) != 0)
        goto out;

    /* Phase 2: one short write transaction for the whole record. */
    if ((rc = storage_eval_write_begin(st, &wr)) != 0)
        goto out;
    memset(&head, 0, sizeof(head));
    head.pack = pack.name;
    head.version = pack.version;
    head.year = p->year;
    head.rules_year = pack.rules_year;
    head.district = district;
    head.from = from;
    head.to = to;
    head.min_days = p->min_days;
    head.stale_days = p->stale_days;
    head.created = p->now;
    head.calendar = cal.source;
    if (storage_eval_write_head(wr, &head, &id) != 0)
        goto fail;
    for (k = 0; k < nres; k++) {
        const struct metrics_school *ms = &res[k].ms;

        if (store_metrics(wr, ms) != 0)
            goto fail;
        for (i = 0; i < pack.nrules; i++) {
            const struct pack_rule *r = &pack.rules[i];

            if (!pack_rule_in_scope(r, ms->region, ms->type))
                continue;
            if (r->metric_id == M_INVENTORY) {
                if (metrics_inventory(st, ms->code, p->year, r->metric + 10,
                                      &inv) != 0)
                    goto fail;
                mv = &inv;
            } else if (r->metric_id >= 0 && r->metric_id < M_COUNT) {
                mv = &ms->m[r->metric_id];
            } else {
                continue;
            }
            status = status_of(r, ms, mv, p->min_days);
            tally[i].in_scope++;
            if (strcmp(status, "meets") == 0)
                tally[i].meeting++;
            else if (strcmp(status, "fails") == 0)
                tally[i].failing++;
            else
                tally[i].undetermined++;
            if (insert_school(wr, r, ms, mv, status) != 0)
                goto fail;
        }
    }
    for (i = 0; i < pack.nrules; i++) {
        const struct pack_rule *r = &pack.rules[i];
        const struct rule_tally *t = &tally[i];

        memset(&row, 0, sizeof(row));
        row.rule = r->rule;
        row.seq = (int)i;
        row.metric = r->metric;
        row.op = pack_op_text(r->op);
        row.threshold = r->threshold;
        row.regions = r->regions;
        row.types = r->types;
        row.in_scope = t->in_scope;
        row.meeting = t->meeting;
        row.failing = t->failing;
        row.undetermined = t->undetermined;
        row.share_num = t->meeting;
        row.share_den = t->in_scope;
        row.req_num = r->share.num;
        row.req_den = r->share.den;
        row.verdict = verdict_of(r, t);
        row.text = r->text;
        if (storage_eval_write_rule(wr, &row) != 0)
            goto fail;
    }
    if (storage_eval_write_commit(wr) != 0)
        goto fail;
    wr = NULL;
    *eval_id = id;
    rc = 0;
    goto out;
fail:
    log_warnx("evaluate: %s", storage_eval_error(st));
    rc = -EIO;
    storage_eval_write_abort(wr);
out:
    calendar_free(&cal);
    free(tally);
    free(res);
    packs_free(&pack);
    return rc;
}

static int
info_head(void *arg, const struct storage_eval_head *h)
{
    struct evaluate_info *out = arg;

    snprintf(out->pack, sizeof(out->pack), "%s", h->pack);
    snprintf(out->version, sizeof(out->version), "%s", h->version);
    snprintf(out->district, sizeof(out->district), "%s", h->district);
    out->year = h->year;
    out->rules_year = h->rules_year;
    out->min_days = h->min_days;
    out->stale_days = h->stale_days;
    out->from = h->from;
    out->to = h->to;
    out->created = h->created;
    snprintf(out->calendar, sizeof(out->calendar), "%s", h->calendar);
    return 0;
}

int
evaluate_latest(struct storage *st, const char *pack, int year,
                const char *district, int64_t *eval_id)
{
    return storage_eval_latest(st, pack, year, district, eval_id);
}

int
evaluate_info(struct storage *st, int64_t eval_id, struct evaluate_info *out)
{
    memset(out, 0, sizeof(*out));
    return storage_eval_head_get(st, eval_id, info_head, out);
}

static void
share_text(int64_t num, int64_t den, char *buf, size_t len)
{
    if (den == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1f%%", 100.0 * (double)num / (double)den);
}

static int
print_rule(void *arg, const struct storage_eval_rule_row *r)
{
    FILE *out = arg;
    char share[16], req[16], cond[64];

    snprintf(cond, sizeof(cond), "%s %s", r->op, r->threshold);
    share_text(r->share_num, r->share_den, share, sizeof(share));
    share_text(r->req_num, r->req_den, req, sizeof(req));
    fprintf(out, "%-28s %-30s %-12s %5d %5d %5d %5d %7s %7s  %s\n", r->rule,
            r->metric, cond, (int)r->in_scope, (int)r->meeting,
            (int)r->failing, (int)r->undetermined, share, req, r->verdict);
    return 0;
}

static int
print_school(void *arg, const struct storage_eval_school_row *r)
{
    FILE *out = arg;
    char days[24];

    snprintf(days, sizeof(days), "%d/%d", (int)r->days, (int)r->school_days);
    fprintf(out, "%-10s %-28s %-30s %10s %-17s %9s %6s  %s\n", r->school,
            r->rule, r->metric, r->value == NULL ? "-" : r->value, r->status,
            days, r->completeness, r->name);
    return 0;
}

int
evaluate_print(struct storage *st, int64_t eval_id, FILE *out)
{
    struct evaluate_info info;
    int rc;

    if ((rc = evaluate_info(st, eval_id, &info)) != 0)
        return rc;
    fprintf(out, "evaluation %lld: pack %s version %s, year %d (rules of "
            "%d), district %s, min %d school days\n",
            (long long)eval_id, info.pack, info.version, info.year,
            info.rules_year, info.district[0] ? info.district : "(all)",
            info.min_days);
    fprintf(out, "%-28s %-30s %-12s %5s %5s %5s %5s %7s %7s  %s\n", "rule",
            "metric", "target", "scope", "meet", "fail", "undet", "share",
            "needed", "verdict");
    if ((rc = storage_eval_each_rule(st, eval_id, print_rule, out)) != 0)
        return rc;
    fprintf(out, "\n%-10s %-28s %-30s %10s %-17s %9s %6s\n", "school",
            "rule", "metric", "value", "status", "days", "compl%");
    return storage_eval_each_school_row(st, eval_id, print_school, out);
}
