/* evaluate: see evaluate.h. Metrics are computed once per school and
 * shared by all rules; one transaction stores the whole evaluation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calendar.h"
#include "evaluate.h"
#include "log.h"
#include "metrics.h"
#include "packs.h"
#include "storage.h"
#include "store_snmp.h"

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
insert_school(sqlite3_stmt *s, int64_t id, const struct pack_rule *r,
              const struct metrics_school *ms, const struct metric_value *mv,
              const char *status)
{
    char val[48], comp[16];

    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, r->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, ms->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, ms->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, ms->district, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, ms->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, ms->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, r->metric, -1, SQLITE_STATIC);
    if (mv->state == MS_VALUE) {
        value_text(r, mv->v, val, sizeof(val));
        sqlite3_bind_text(s, 9, val, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 10, mv->v.num);
        sqlite3_bind_int64(s, 11, mv->v.den);
    } else {
        sqlite3_bind_null(s, 9);
        sqlite3_bind_null(s, 10);
        sqlite3_bind_null(s, 11);
    }
    sqlite3_bind_text(s, 12, mv->declared, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 13, status, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 14, ms->ev.days_with_data);
    sqlite3_bind_int(s, 15, ms->ev.school_days);
    completeness(&ms->ev, comp, sizeof(comp));
    sqlite3_bind_text(s, 16, comp, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 17, mv->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 18, mv->note, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -EIO;
    sqlite3_reset(s);
    return 0;
}

/* (Re)computes the per-day Wi-Fi rows of the school for every school day
 * of [from, to) that has area samples, with the district calendar's
 * school hours (store_snmp does not know the calendar). */
static int
refresh_wifi_days(sqlite3 *db, const char *code, const struct calendar *cal,
                  int64_t from, int64_t to, int64_t now)
{
    sqlite3_stmt *s;
    int64_t lo = 0, hi = 0, d, d0;
    struct store_snmp_window win;
    int rc, have = 0;

    if (sqlite3_prepare_v2(db, "SELECT min(ts), max(ts) FROM "
                           "wifi_area_sample WHERE school = ?1 AND ts >= "
                           "?2 - 86400 AND ts < ?3", -1, &s, NULL) !=
        SQLITE_OK)
        return 0;   /* no SNMP tables in this database */
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    if (sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_type(s, 0) != SQLITE_NULL) {
        lo = sqlite3_column_int64(s, 0);
        hi = sqlite3_column_int64(s, 1);
        have = 1;
    }
    sqlite3_finalize(s);
    if (!have)
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
        rc = store_snmp_coverage(db, code, start, start + 86400, &win, 1,
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
store_metrics(sqlite3_stmt *s, int64_t id, const struct metrics_school *ms)
{
    char val[48], comp[16];
    int k;

    for (k = 0; k < M_COUNT; k++) {
        const struct metric_value *mv = &ms->m[k];

        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, ms->code, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, metrics_name(k), -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, k);
        if (mv->state == MS_VALUE) {
            ratio_format(mv->v, 2, val, sizeof(val));
            sqlite3_bind_text(s, 5, val, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s, 6, mv->v.num);
            sqlite3_bind_int64(s, 7, mv->v.den);
        } else {
            sqlite3_bind_null(s, 5);
            sqlite3_bind_null(s, 6);
            sqlite3_bind_null(s, 7);
        }
        sqlite3_bind_text(s, 8, mv->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 9, mv->declared, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 10, mv->note, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 11, ms->ev.days_with_data);
        sqlite3_bind_int(s, 12, ms->ev.school_days);
        completeness(&ms->ev, comp, sizeof(comp));
        sqlite3_bind_text(s, 13, comp, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) != SQLITE_DONE)
            return -EIO;
        sqlite3_reset(s);
    }
    return 0;
}

/* One school's figures, computed before the write transaction. */
struct school_result {
    struct metrics_school ms;
};

/* Phase 1, outside any long transaction: the school list, each school's
 * Wi-Fi day rows refreshed in a short transaction of its own, and its
 * metrics read. Ingest's writer thread is never held up for more than one
 * school's Wi-Fi refresh. */
static int
compute_schools(struct storage *st, const struct evaluate_params *p,
                const char *district, struct school_result **out,
                size_t *nout)
{
    sqlite3 *db = storage_handle(st);
    sqlite3_stmt *sch = NULL;
    struct school_result *res = NULL, *nr;
    struct calendar dcal;
    size_t n = 0, cap = 0;
    int rc = -EIO;

    memset(&dcal, 0, sizeof(dcal));
    if (sqlite3_prepare_v2(db,
                           "SELECT code, district FROM schools WHERE ?1 = '' "
                           "OR district = ?1 ORDER BY district, code",
                           -1, &sch, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(sch, 1, district, -1, SQLITE_STATIC);
    while (sqlite3_step(sch) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(sch, 0);
        const char *sd = (const char *)sqlite3_column_text(sch, 1);
        int64_t sfrom, sto;

        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            nr = realloc(res, cap * sizeof(*nr));
            if (nr == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            res = nr;
        }
        /* Each school is measured against its own district's calendar. */
        calendar_free(&dcal);
        if ((rc = calendar_get(st, sd, &dcal)) != 0)
            goto out;
        sfrom = year_start(&dcal, p->year);
        sto = year_start(&dcal, p->year + 1);
        if (sto > p->now)
            sto = p->now - p->now % 60;
        rc = -EIO;
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
            SQLITE_OK)
            goto out;
        if (refresh_wifi_days(db, code, &dcal, sfrom, sto, p->now) != 0 ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
        rc = metrics_compute(st, code, &dcal, sfrom, sto, p->stale_days,
                             &res[n].ms);
        if (rc != 0)
            goto out;
        n++;
    }
    rc = 0;
out:
    if (rc == -EIO)
        log_warnx("evaluate: %s", sqlite3_errmsg(db));
    sqlite3_finalize(sch);
    calendar_free(&dcal);
    if (rc != 0) {
        free(res);
        return rc;
    }
    *out = res;
    *nout = n;
    return 0;
}

int
evaluate_run(struct storage *st, const struct evaluate_params *p, FILE *errs,
             int64_t *eval_id)
{
    sqlite3 *db = storage_handle(st);
    sqlite3_stmt *ins = NULL, *rule = NULL, *ev = NULL, *met = NULL;
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
    rc = -EIO;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO evaluations (pack, version, year, "
                           "rules_year, district, period_from, period_to, "
                           "min_days, stale_days, created, calendar) VALUES "
                           "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                           -1, &ev, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(ev, 1, pack.name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 2, pack.version, -1, SQLITE_STATIC);
    sqlite3_bind_int(ev, 3, p->year);
    sqlite3_bind_int(ev, 4, pack.rules_year);
    sqlite3_bind_text(ev, 5, district, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ev, 6, from);
    sqlite3_bind_int64(ev, 7, to);
    sqlite3_bind_int(ev, 8, p->min_days);
    sqlite3_bind_int(ev, 9, p->stale_days);
    sqlite3_bind_int64(ev, 10, p->now);
    sqlite3_bind_text(ev, 11, cal.source, -1, SQLITE_STATIC);
    if (sqlite3_step(ev) != SQLITE_DONE)
        goto fail;
    id = sqlite3_last_insert_rowid(db);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO evaluation_school (eval_id, rule, "
                           "school, name, district, region, type, metric, "
                           "value, value_num, value_den, declared, status, "
                           "days, school_days, completeness, source, note) "
                           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
                           "?13,?14,?15,?16,?17,?18)",
                           -1, &ins, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO evaluation_metric (eval_id, school, "
                           "metric, seq, value, value_num, value_den, "
                           "source, declared, note, days, school_days, "
                           "completeness) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,"
                           "?9,?10,?11,?12,?13)",
                           -1, &met, NULL) != SQLITE_OK)
        goto fail;
    for (k = 0; k < nres; k++) {
        const struct metrics_school *ms = &res[k].ms;

        if (store_metrics(met, id, ms) != 0)
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
            if (insert_school(ins, id, r, ms, mv, status) != 0)
                goto fail;
        }
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO evaluation_rule (eval_id, rule, seq, "
                           "metric, op, threshold, regions, types, in_scope, "
                           "meeting, failing, undetermined, share_num, "
                           "share_den, req_num, req_den, verdict, text) "
                           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
                           "?13,?14,?15,?16,?17,?18)",
                           -1, &rule, NULL) != SQLITE_OK)
        goto fail;
    for (i = 0; i < pack.nrules; i++) {
        const struct pack_rule *r = &pack.rules[i];
        const struct rule_tally *t = &tally[i];
        const char *verdict;
        /* meeting / in_scope >= num / den, in integers. */
        int64_t lhs = (int64_t)t->meeting * r->share.den;
        int64_t best = (int64_t)(t->meeting + t->undetermined) * r->share.den;
        int64_t rhs = r->share.num * (int64_t)t->in_scope;

        if (t->in_scope == 0)
            verdict = "no_schools";
        else if (lhs >= rhs)
            verdict = "pass";
        else if (best >= rhs)
            verdict = "undetermined";
        else
            verdict = "fail";
        sqlite3_bind_int64(rule, 1, id);
        sqlite3_bind_text(rule, 2, r->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int(rule, 3, (int)i);
        sqlite3_bind_text(rule, 4, r->metric, -1, SQLITE_STATIC);
        sqlite3_bind_text(rule, 5, pack_op_text(r->op), -1, SQLITE_STATIC);
        sqlite3_bind_text(rule, 6, r->threshold, -1, SQLITE_STATIC);
        sqlite3_bind_text(rule, 7, r->regions, -1, SQLITE_STATIC);
        sqlite3_bind_text(rule, 8, r->types, -1, SQLITE_STATIC);
        sqlite3_bind_int(rule, 9, t->in_scope);
        sqlite3_bind_int(rule, 10, t->meeting);
        sqlite3_bind_int(rule, 11, t->failing);
        sqlite3_bind_int(rule, 12, t->undetermined);
        sqlite3_bind_int64(rule, 13, t->meeting);
        sqlite3_bind_int64(rule, 14, t->in_scope);
        sqlite3_bind_int64(rule, 15, r->share.num);
        sqlite3_bind_int64(rule, 16, r->share.den);
        sqlite3_bind_text(rule, 17, verdict, -1, SQLITE_STATIC);
        sqlite3_bind_text(rule, 18, r->text, -1, SQLITE_STATIC);
        if (sqlite3_step(rule) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(rule);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    *eval_id = id;
    rc = 0;
    goto out;
fail:
    log_warnx("evaluate: %s", sqlite3_errmsg(db));
    rc = -EIO;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(ev);
    sqlite3_finalize(ins);
    sqlite3_finalize(rule);
    sqlite3_finalize(met);
    calendar_free(&cal);
    free(tally);
    free(res);
    packs_free(&pack);
    return rc;
}

int
evaluate_latest(struct storage *st, const char *pack, int year,
                const char *district, int64_t *eval_id)
{
    sqlite3 *db = storage_handle(st);
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(db, "SELECT max(id) FROM evaluations WHERE pack "
                           "= ?1 AND year = ?2 AND district = ?3", -1, &s,
                           NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_text(s, 1, pack, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, year);
    sqlite3_bind_text(s, 3, district != NULL ? district : "", -1,
                      SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        *eval_id = sqlite3_column_int64(s, 0);
        rc = 0;
    } else {
        rc = rc == SQLITE_ROW ? -ENOENT : -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

int
evaluate_info(struct storage *st, int64_t eval_id, struct evaluate_info *out)
{
    sqlite3 *db = storage_handle(st);
    sqlite3_stmt *s;
    int rc;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db, "SELECT pack, version, district, year, "
                           "rules_year, min_days, stale_days, period_from, "
                           "period_to, created, calendar FROM evaluations WHERE id = "
                           "?1", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(s, 1, eval_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(out->pack, sizeof(out->pack), "%s",
                 (const char *)sqlite3_column_text(s, 0));
        snprintf(out->version, sizeof(out->version), "%s",
                 (const char *)sqlite3_column_text(s, 1));
        snprintf(out->district, sizeof(out->district), "%s",
                 (const char *)sqlite3_column_text(s, 2));
        out->year = sqlite3_column_int(s, 3);
        out->rules_year = sqlite3_column_int(s, 4);
        out->min_days = sqlite3_column_int(s, 5);
        out->stale_days = sqlite3_column_int(s, 6);
        out->from = sqlite3_column_int64(s, 7);
        out->to = sqlite3_column_int64(s, 8);
        out->created = sqlite3_column_int64(s, 9);
        snprintf(out->calendar, sizeof(out->calendar), "%s",
                 (const char *)sqlite3_column_text(s, 10));
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? -ENOENT : -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

static void
share_text(int64_t num, int64_t den, char *buf, size_t len)
{
    if (den == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1f%%", 100.0 * (double)num / (double)den);
}

int
evaluate_print(struct storage *st, int64_t eval_id, FILE *out)
{
    sqlite3 *db = storage_handle(st);
    sqlite3_stmt *s;
    struct evaluate_info info;
    char share[16], req[16], cond[64];
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
    if (sqlite3_prepare_v2(db, "SELECT rule, metric, op, threshold, "
                           "in_scope, meeting, failing, undetermined, "
                           "share_num, share_den, req_num, req_den, verdict "
                           "FROM evaluation_rule WHERE eval_id = ?1 ORDER BY "
                           "seq", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(s, 1, eval_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(cond, sizeof(cond), "%s %s",
                 (const char *)sqlite3_column_text(s, 2),
                 (const char *)sqlite3_column_text(s, 3));
        share_text(sqlite3_column_int64(s, 8), sqlite3_column_int64(s, 9),
                   share, sizeof(share));
        share_text(sqlite3_column_int64(s, 10), sqlite3_column_int64(s, 11),
                   req, sizeof(req));
        fprintf(out, "%-28s %-30s %-12s %5d %5d %5d %5d %7s %7s  %s\n",
                (const char *)sqlite3_column_text(s, 0),
                (const char *)sqlite3_column_text(s, 1), cond,
                sqlite3_column_int(s, 4), sqlite3_column_int(s, 5),
                sqlite3_column_int(s, 6), sqlite3_column_int(s, 7), share,
                req, (const char *)sqlite3_column_text(s, 12));
    }
    sqlite3_finalize(s);
    fprintf(out, "\n%-10s %-28s %-30s %10s %-17s %9s %6s\n", "school",
            "rule", "metric", "value", "status", "days", "compl%");
    if (sqlite3_prepare_v2(db, "SELECT es.school, es.rule, es.metric, "
                           "es.value, es.status, es.days, es.school_days, "
                           "es.completeness, es.name FROM evaluation_school "
                           "es JOIN evaluation_rule er ON er.eval_id = "
                           "es.eval_id AND er.rule = es.rule WHERE "
                           "es.eval_id = ?1 ORDER BY es.district, es.school, "
                           "er.seq", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(s, 1, eval_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        char days[24];

        snprintf(days, sizeof(days), "%d/%d", sqlite3_column_int(s, 5),
                 sqlite3_column_int(s, 6));
        fprintf(out, "%-10s %-28s %-30s %10s %-17s %9s %6s  %s\n",
                (const char *)sqlite3_column_text(s, 0),
                (const char *)sqlite3_column_text(s, 1),
                (const char *)sqlite3_column_text(s, 2),
                sqlite3_column_type(s, 3) == SQLITE_NULL
                    ? "-" : (const char *)sqlite3_column_text(s, 3),
                (const char *)sqlite3_column_text(s, 4), days,
                (const char *)sqlite3_column_text(s, 7),
                (const char *)sqlite3_column_text(s, 8));
    }
    sqlite3_finalize(s);
    return 0;
}
