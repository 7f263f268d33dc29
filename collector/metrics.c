/* metrics: see metrics.h. The store (storage_eval.h) hands over rows;
 * every figure is computed here. Days with current rollups are read from
 * them, the others in one pass over the school's raw class minutes, in
 * minute order, filtered to school hours in C (the calendar is not the
 * store's business); per-day and per-class state lives in small arrays
 * sized by the period. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "storage.h"
#include "storage_eval.h"

/* ------------------------------------------------------------------ */
/* exact fractions                                                     */

int
ratio_cmp(struct ratio a, struct ratio b)
{
    __int128 l, r;

    /* den == 0 stands for +infinity (e.g. students per 0 computers). */
    if (a.den == 0 || b.den == 0)
        return (a.den == 0) - (b.den == 0);
    l = (__int128)a.num * b.den;
    r = (__int128)b.num * a.den;
    return (l > r) - (l < r);
}

double
ratio_double(struct ratio r)
{
    return r.den == 0 ? 1e300 : (double)r.num / (double)r.den;
}

int
ratio_parse_decimal(const char *s, struct ratio *out)
{
    int64_t num = 0, den = 1;
    int frac = -1, digits = 0;

    for (; *s != '\0'; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9' || frac >= 6 || num > 1000000000000LL)
            return -EINVAL;
        num = num * 10 + (*s - '0');
        digits++;
        if (frac >= 0) {
            frac++;
            den *= 10;
        }
    }
    if (digits == 0 || frac == 0)
        return -EINVAL;
    out->num = num;
    out->den = den;
    return 0;
}

void
ratio_format(struct ratio r, int digits, char *buf, size_t len)
{
    char *p;

    if (r.den == 0) {
        snprintf(buf, len, "inf");
        return;
    }
    snprintf(buf, len, "%.*f", digits, ratio_double(r));
    if (strchr(buf, '.') == NULL)
        return;
    p = buf + strlen(buf) - 1;
    while (*p == '0')
        *p-- = '\0';
    if (*p == '.')
        *p = '\0';
}

/* ------------------------------------------------------------------ */
/* names                                                               */

static const char *const names[M_COUNT] = {
    [M_EGRESS_CAPACITY] = "egress_capacity_mbps",
    [M_EGRESS_PER_CLASS] = "egress_mbps_per_class",
    [M_CLASS_P95_DOWN] = "class_p95_down_mbps",
    [M_CLASS_PEAK_DOWN] = "class_peak_down_mbps",
    [M_WIFI_COVERAGE_PCT] = "wifi_coverage_pct",
    [M_WIFI_FULL_COVERAGE] = "wifi_full_coverage",
    [M_WIFI_ACCESS] = "wifi_access_mbps",
    [M_STUDENTS_PER_COMPUTER] = "students_per_computer",
    [M_TEACHERS_PER_COMPUTER] = "teachers_per_computer",
    [M_MULTIMEDIA_CLASS_PCT] = "multimedia_class_pct",
    [M_BROADBAND_UPTIME_PCT] = "broadband_uptime_pct",
    [M_SCHOOL_ACCESS] = "school_access_mbps",
    [M_CLASS_ACCESS] = "class_access_mbps",
    [M_CAMPUS_BACKBONE] = "campus_backbone_mbps",
};

int
metrics_lookup(const char *name)
{
    int i;

    if (strncmp(name, "inventory:", 10) == 0) {
        const char *p = name + 10;

        if (*p == '\0' || strlen(p) > 64)
            return -1;
        for (; *p != '\0'; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
                  *p == '.'))
                return -1;
        return M_INVENTORY;
    }
    for (i = 0; i < M_COUNT; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *
metrics_name(int id)
{
    if (id >= 0 && id < M_COUNT)
        return names[id];
    return id == M_INVENTORY ? "inventory" : "?";
}

/* ------------------------------------------------------------------ */
/* computation                                                         */

enum { K_CLASSROOM, K_COMPUTER_ROOM, K_STAFF_OFFICE, K_OTHER };

struct cls {
    char id[72];
    int kind;
};

struct work {
    const struct calendar *cal;
    int64_t from, to;
    int64_t day0;           /* local day number of from */
    int ndays;
    int mpd;                /* school minutes per day */
    unsigned char *school_day;      /* [ndays] */
    unsigned char *minute_seen;     /* bitmap [ndays * mpd] */
    unsigned char *minute_traffic;  /* bitmap: WAN traffic that minute */
    int64_t *peak_cr, *peak_so;     /* daily peak concurrent devices */
    struct cls *classes;
    int nclasses, capclasses;
    unsigned char *active;          /* [nclasses * ndays] */
    unsigned char *rolled;          /* [ndays]: up-to-date rollup exists */
    int64_t raw_from, raw_to;       /* raw rows needed only in here */
    uint64_t *rates;                /* one-minute down rates, bit/s */
    size_t nrates, caprates;
    uint64_t peak_bps;
    uint64_t agg_peak_bps;          /* highest sum of class peaks */
};

static int
cls_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cls *)a)->id, ((const struct cls *)b)->id);
}

static int
find_class(struct work *w, const char *id)
{
    struct cls key, *c;

    if (w->nclasses == 0)
        return -1;
    snprintf(key.id, sizeof(key.id), "%s", id);
    c = bsearch(&key, w->classes, (size_t)w->nclasses, sizeof(key), cls_cmp);
    return c == NULL ? -1 : (int)(c - w->classes);
}

/* Index of minute t among the period's school minutes, or -1 outside
 * school hours. *di gets the day index. */
static int64_t
slot(struct work *w, int64_t t, int *di)
{
    int64_t day, m;

    if (t < w->from || t >= w->to)
        return -1;
    day = calendar_day(w->cal, t);
    if (day - w->day0 < 0 || day - w->day0 >= w->ndays)
        return -1;
    *di = (int)(day - w->day0);
    if (!w->school_day[*di])
        return -1;
    m = (t - calendar_day_start(w->cal, day)) / 60;
    if (m < w->cal->start_min || m >= w->cal->end_min)
        return -1;
    return (int64_t)*di * w->mpd + (m - w->cal->start_min);
}

static void
setbit(unsigned char *b, int64_t i)
{
    b[i >> 3] |= (unsigned char)(1u << (i & 7));
}

static int
getbit(const unsigned char *b, int64_t i)
{
    return (b[i >> 3] >> (i & 7)) & 1;
}

static int
load_school(struct storage *st, const char *code, struct metrics_school *out)
{
    struct storage_eval_school r;
    int rc;

    if ((rc = storage_eval_school_get(st, code, &r)) != 0)
        return rc;
    snprintf(out->code, sizeof(out->code), "%s", code);
    snprintf(out->name, sizeof(out->name), "%s", r.name);
    snprintf(out->district, sizeof(out->district), "%s", r.district);
    snprintf(out->region, sizeof(out->region), "%s", r.region);
    snprintf(out->type, sizeof(out->type), "%s", r.type);
    out->students = r.students;
    out->teachers = r.teachers;
    out->classes = r.classes;
    out->contracted_kbps = r.contracted_kbps;
    out->declared_student_computers = r.declared_student_computers;
    out->declared_teacher_computers = r.declared_teacher_computers;
    return 0;
}

static int
add_class(void *arg, const char *id, const char *k)
{
    struct work *w = arg;
    struct cls *n;

    if (w->nclasses == w->capclasses) {
        w->capclasses = w->capclasses ? w->capclasses * 2 : 32;
        n = realloc(w->classes, (size_t)w->capclasses * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        w->classes = n;
    }
    snprintf(w->classes[w->nclasses].id, sizeof(w->classes[0].id), "%s", id);
    w->classes[w->nclasses].kind =
        strcmp(k, "classroom") == 0       ? K_CLASSROOM
        : strcmp(k, "computer_room") == 0 ? K_COMPUTER_ROOM
        : strcmp(k, "staff_office") == 0  ? K_STAFF_OFFICE
                                          : K_OTHER;
    w->nclasses++;
    return 0;
}

/* The store hands classes over in byte order, the order find_class's
 * bsearch needs. */
static int
load_classes(struct storage *st, const char *code, struct work *w)
{
    return storage_eval_each_class(st, code, add_class, w);
}

static int
add_rate(struct work *w, uint64_t bps)
{
    uint64_t *n;

    if (w->nrates == w->caprates) {
        w->caprates = w->caprates ? w->caprates * 2 : 4096;
        n = realloc(w->rates, w->caprates * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        w->rates = n;
    }
    w->rates[w->nrates++] = bps;
    return 0;
}

static void
close_minute(struct work *w, int di, int64_t cr, int64_t so, uint64_t agg)
{
    if (di < 0)
        return;
    if (cr > w->peak_cr[di])
        w->peak_cr[di] = cr;
    if (so > w->peak_so[di])
        w->peak_so[di] = so;
    if (agg > w->agg_peak_bps)
        w->agg_peak_bps = agg;
}

/* State of the walk over class minutes: the minute being summed. */
struct minute_scan {
    struct work *w;
    int64_t cur;            /* minute being summed, -1: none yet */
    int cdi;                /* its day index */
    int64_t cr, so;         /* its computer-room, staff-office devices */
    uint64_t agg;           /* its sum of class peaks */
};

static int
class_minute_row(void *arg, const struct storage_class_row *r)
{
    struct minute_scan *ms = arg;
    struct work *w = ms->w;
    int64_t idx;
    int di = -1, ci, kind;

    idx = slot(w, r->minute, &di);
    if (idx < 0 || w->rolled[di])
        return 0;
    if (r->minute != ms->cur) {
        close_minute(w, ms->cdi, ms->cr, ms->so, ms->agg);
        ms->cur = r->minute;
        ms->cdi = di;
        ms->cr = ms->so = 0;
        ms->agg = 0;
    }
    setbit(w->minute_seen, idx);
    if (r->bytes_down + r->bytes_up > 0)
        setbit(w->minute_traffic, idx);
    if (add_rate(w, r->bytes_down * 8 / 60) != 0)
        return -ENOMEM;
    if (r->peak_down_bps > w->peak_bps)
        w->peak_bps = r->peak_down_bps;
    ms->agg += r->peak_down_bps;
    ci = find_class(w, r->class_id);
    if (ci < 0)
        return 0;           /* a class the registry does not list */
    kind = w->classes[ci].kind;
    if (r->devices > 0)
        w->active[(size_t)ci * (size_t)w->ndays + (size_t)di] = 1;
    if (kind == K_COMPUTER_ROOM)
        ms->cr += r->devices;
    else if (kind == K_STAFF_OFFICE)
        ms->so += r->devices;
    return 0;
}

static int
scan_class_minutes(struct storage *st, const char *code, struct work *w)
{
    struct minute_scan ms = { .w = w, .cur = -1, .cdi = -1 };
    int rc;

    rc = storage_each_class_minute(st, code, w->raw_from, w->raw_to,
                                   STORAGE_BY_MINUTE, class_minute_row, &ms);
    if (rc != 0)
        return rc;
    close_minute(w, ms.cdi, ms.cr, ms.so, ms.agg);
    return 0;
}

/* One row per capture source: a minute is seen when any source reported
 * it, and had traffic when any source saw egress bytes. */
static int
capture_minute_row(void *arg, int64_t minute, int64_t egress_bytes)
{
    struct work *w = arg;
    int64_t idx;
    int di;

    idx = slot(w, minute, &di);
    if (idx < 0 || w->rolled[di])
        return 0;
    setbit(w->minute_seen, idx);
    if (egress_bytes > 0)
        setbit(w->minute_traffic, idx);
    return 0;
}

static int
scan_capture_minutes(struct storage *st, const char *code, struct work *w)
{
    return storage_each_capture_minute(st, code, w->raw_from, w->raw_to,
                                       capture_minute_row, w);
}

/* Marks the days whose rollups are complete and current: a school_day
 * row exists and no hour of the day waits in rollup_dirty. Those days are
 * read from the rollups (DESIGN: annual reports never scan raw minutes);
 * only the others are read raw, over [raw_from, raw_to). */
static int
rolled_day(void *arg, const struct storage_eval_school_day *r)
{
    struct work *w = arg;

    w->rolled[r->day - w->day0] = 1;
    return 0;
}

static int
dirty_hour(void *arg, int64_t h)
{
    struct work *w = arg;
    int64_t d;

    for (d = calendar_day(w->cal, h); d <= calendar_day(w->cal, h + 3599);
         d++)
        if (d - w->day0 >= 0 && d - w->day0 < w->ndays)
            w->rolled[d - w->day0] = 0;
    return 0;
}

static int
mark_rolled(struct storage *st, const char *code, struct work *w)
{
    int64_t d, first = -1, last = -1;
    int rc;

    w->raw_from = w->from;
    w->raw_to = w->to;
    if (!storage_eval_has(st, STORAGE_EVAL_ROLLUPS))
        return 0;
    if ((rc = storage_eval_each_school_day(st, code, w->day0,
                                           w->day0 + w->ndays, rolled_day,
                                           w)) != 0 ||
        (rc = storage_eval_each_dirty_hour(st, code, w->from - 3600, w->to,
                                           dirty_hour, w)) != 0)
        return rc;
    for (d = 0; d < w->ndays; d++) {
        if (w->rolled[d] || !w->school_day[d])
            continue;
        if (first < 0)
            first = d;
        last = d;
    }
    if (first < 0) {
        w->raw_from = w->raw_to = w->from;  /* nothing to read raw */
        return 0;
    }
    w->raw_from = calendar_day_start(w->cal, w->day0 + first);
    w->raw_to = calendar_day_start(w->cal, w->day0 + last + 1);
    if (w->raw_from < w->from)
        w->raw_from = w->from;
    if (w->raw_to > w->to)
        w->raw_to = w->to;
    return 0;
}

/* State of the walks over the rollups. */
struct rollup_scan {
    struct work *w;
    unsigned char *has;
    struct metrics_evidence *ev;
    int64_t *traffic;
    int64_t hour;           /* class_hour: the hour being summed, or -1 */
    int64_t hour_bytes;     /* its bytes, all classes */
    int64_t hour_minutes;   /* its highest class minutes */
};

static int
rollup_school_day(void *arg, const struct storage_eval_school_day *r)
{
    struct rollup_scan *rs = arg;
    struct work *w = rs->w;
    int64_t minutes = r->minutes_with_data, end;
    int d = (int)(r->day - w->day0);

    if (!w->rolled[d] || !w->school_day[d] || minutes <= 0)
        return 0;
    if (minutes > w->mpd)
        minutes = w->mpd;
    rs->has[d] = 2;                 /* 2: from rollups */
    rs->ev->minutes_with_data += minutes;
    if (r->sum_class_peak_down_bps > w->agg_peak_bps)
        w->agg_peak_bps = r->sum_class_peak_down_bps;
    /* Latest day with data: its school hours' end, at most. */
    end = calendar_day_start(w->cal, r->day) + (int64_t)w->cal->end_min * 60 -
          60;
    if (end > rs->ev->last_data)
        rs->ev->last_data = end;
    return 0;
}

/* An hour of a rollup day that moved bytes counts its minutes with rows
 * (the highest of its classes), within school hours. */
static void
close_hour(struct rollup_scan *rs)
{
    struct work *w = rs->w;
    int64_t t, in = 0;

    if (rs->hour < 0 || rs->hour_bytes <= 0)
        return;
    for (t = rs->hour; t < rs->hour + 3600; t += 60) {
        int di;

        if (slot(w, t, &di) >= 0 && rs->has[di] == 2)
            in++;
    }
    *rs->traffic += rs->hour_minutes < in ? rs->hour_minutes : in;
}

static int
rollup_class_hour(void *arg, const struct storage_eval_class_hour *r)
{
    struct rollup_scan *rs = arg;

    if (r->hour != rs->hour) {
        close_hour(rs);
        rs->hour = r->hour;
        rs->hour_bytes = 0;
        rs->hour_minutes = r->minutes;
    }
    rs->hour_bytes += (int64_t)r->bytes_up + (int64_t)r->bytes_down;
    if (r->minutes > rs->hour_minutes)
        rs->hour_minutes = r->minutes;
    return 0;
}

static int
rollup_class_day(void *arg, const struct storage_eval_class_day *r)
{
    struct rollup_scan *rs = arg;
    struct work *w = rs->w;
    int d = (int)(r->day - w->day0), ci;

    if (rs->has[d] != 2)
        return 0;
    /* A day's p95 stands in for its minutes in the period's p95. */
    if (add_rate(w, r->p95_down_bps) != 0)
        return -ENOMEM;
    if (r->peak_down_bps > w->peak_bps)
        w->peak_bps = r->peak_down_bps;
    ci = find_class(w, r->class_id);
    if (ci < 0)
        return 0;
    if (r->max_devices > 0)
        w->active[(size_t)ci * (size_t)w->ndays + (size_t)d] = 1;
    if (w->classes[ci].kind == K_COMPUTER_ROOM)
        w->peak_cr[d] += r->max_devices;
    else if (w->classes[ci].kind == K_STAFF_OFFICE)
        w->peak_so[d] += r->max_devices;
    return 0;
}

/* Fills the rolled days (mark_rolled) from the rollups (class_day,
 * school_day, class_hour; collector/rollup.c), marking them in has[]. What a rollup
 * cannot give exactly is approximated and said so in docs/COMPLIANCE.md:
 * concurrent devices of several computer-room classes are summed from
 * each class's daily maximum, minutes with traffic are counted to the
 * hour (class_hour), and a day's p95 stands for its minutes. */
static int
scan_rollups(struct storage *st, const char *code, struct work *w,
             unsigned char *has, struct metrics_evidence *ev,
             int64_t *traffic)
{
    struct rollup_scan rs = { .w = w, .has = has, .ev = ev,
                              .traffic = traffic, .hour = -1 };
    int rc;

    if (!storage_eval_has(st, STORAGE_EVAL_ROLLUPS))
        return 0;
    if ((rc = storage_eval_each_school_day(st, code, w->day0,
                                           w->day0 + w->ndays,
                                           rollup_school_day, &rs)) != 0)
        return rc;
    /* Minutes with traffic, to the hour. */
    if ((rc = storage_eval_each_class_hour(st, code, w->from - 3600, w->to,
                                           rollup_class_hour, &rs)) != 0)
        return rc;
    close_hour(&rs);
    return storage_eval_each_class_day(st, code, w->day0, w->day0 + w->ndays,
                                       rollup_class_day, &rs);
}

static int
u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

static int
i64_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x < y) - (x > y);
}

#define COMPUTER_DAYS 5     /* DESIGN.md: seen on at least 5 school days */

/* The largest count reached on at least COMPUTER_DAYS days with data:
 * the COMPUTER_DAYS-th highest daily peak. -1 with too few days. */
static int64_t
computers(struct work *w, const int64_t *peak, const unsigned char *has)
{
    int64_t *v, r;
    int n = 0, i;

    v = calloc((size_t)w->ndays + 1, sizeof(*v));
    if (v == NULL)
        return -1;
    for (i = 0; i < w->ndays; i++)
        if (has[i])
            v[n++] = peak[i];
    if (n < COMPUTER_DAYS) {
        free(v);
        return -1;
    }
    qsort(v, (size_t)n, sizeof(*v), i64_desc);
    r = v[COMPUTER_DAYS - 1];
    free(v);
    return r;
}

static void
set_value(struct metric_value *m, int64_t num, int64_t den,
          const char *source)
{
    m->state = MS_VALUE;
    m->v.num = num;
    m->v.den = den;
    snprintf(m->source, sizeof(m->source), "%s", source);
}

static void
per_computer(struct work *w, const unsigned char *has, int kind,
             const int64_t *peak, int64_t people, int64_t declared,
             struct metric_value *m)
{
    int i, nk = 0;
    int64_t c;

    for (i = 0; i < w->nclasses; i++)
        nk += w->classes[i].kind == kind;
    if (declared > 0) {
        char r[32];

        ratio_format((struct ratio){ people, declared }, 2, r, sizeof(r));
        snprintf(m->declared, sizeof(m->declared), "%lld computers: %s",
                 (long long)declared, r);
    }
    snprintf(m->source, sizeof(m->source), "measured");
    if (nk == 0) {
        m->state = MS_NO_DATA;
        snprintf(m->note, sizeof(m->note), "no %s class in the registry",
                 kind == K_COMPUTER_ROOM ? "computer_room" : "staff_office");
        return;
    }
    c = computers(w, peak, has);
    if (c < 0) {
        m->state = MS_NO_DATA;
        snprintf(m->note, sizeof(m->note), "fewer than %d school days with "
                 "data", COMPUTER_DAYS);
        return;
    }
    /* 0 computers: people per computer is unbounded (den 0). */
    set_value(m, people, c, "measured");
    snprintf(m->note, sizeof(m->note), "%lld computers seen on >= %d school "
             "days (peak concurrent devices)", (long long)c, COMPUTER_DAYS);
}


/* Wi-Fi figures of the period from the per-day rows store_snmp computes
 * (wifi_day; evaluate refreshes them first). Days that are not school days
 * under cal are ignored. Coverage = covered / known required areas summed
 * over the days; full coverage = full on >= 80% of the days where it is
 * known; access = the lowest daily access speed. */
struct wifi_scan {
    const struct calendar *cal;
    int64_t from;
    int64_t covered, known, access;
    int days, full_known, full;
};

static int
wifi_day_row(void *arg, const struct storage_eval_wifi_day *r)
{
    struct wifi_scan *ws = arg;

    /* The middle of the day names it whatever its start's offset. */
    if (!calendar_is_school_day(ws->cal, calendar_day(ws->cal,
                                                      r->day + 43200)) ||
        r->day + 43200 < ws->from)
        return 0;
    ws->days++;
    if (r->required_areas - r->unknown_areas > 0) {
        ws->covered += r->covered_areas;
        ws->known += r->required_areas - r->unknown_areas;
    }
    if (r->full_known) {
        ws->full_known++;
        ws->full += r->full_coverage == 1;
    }
    if (r->access_known && r->access_mbps > 0 &&
        (ws->access < 0 || r->access_mbps < ws->access))
        ws->access = r->access_mbps;
    return 0;
}

static int
wifi_metrics(struct storage *st, const char *code, const struct calendar *cal,
             int64_t from, int64_t to, struct metrics_school *out)
{
    struct wifi_scan ws = { .cal = cal, .from = from, .access = -1 };
    int rc;

    if (!storage_eval_has(st, STORAGE_EVAL_WIFI))
        return 0;
    /* Rows are keyed by the local day's start, which may precede from. */
    if ((rc = storage_eval_each_wifi_day(st, code, from - 86399, to,
                                         wifi_day_row, &ws)) != 0)
        return rc;
    if (ws.known > 0) {
        set_value(&out->m[M_WIFI_COVERAGE_PCT], 100 * ws.covered, ws.known,
                  "snmp");
        snprintf(out->m[M_WIFI_COVERAGE_PCT].note, sizeof(out->m[0].note),
                 "%lld of %lld known required area-days covered (%d days)",
                 (long long)ws.covered, (long long)ws.known, ws.days);
    } else if (ws.days > 0) {
        snprintf(out->m[M_WIFI_COVERAGE_PCT].note, sizeof(out->m[0].note),
                 "no required area with known state on %d days", ws.days);
    }
    if (ws.full_known > 0) {
        set_value(&out->m[M_WIFI_FULL_COVERAGE],
                  ws.full * 5 >= ws.full_known * 4 ? 1 : 0, 1, "snmp");
        snprintf(out->m[M_WIFI_FULL_COVERAGE].note, sizeof(out->m[0].note),
                 "full coverage on %d of %d days with known state (80%% "
                 "needed)", ws.full, ws.full_known);
    }
    if (ws.access > 0) {
        set_value(&out->m[M_WIFI_ACCESS], ws.access, 1, "snmp");
        snprintf(out->m[M_WIFI_ACCESS].note, sizeof(out->m[0].note),
                 "lowest AP speed reported over %d days", ws.days);
    }
    return 0;
}

enum { R_WAN, R_UPLINK, R_CLASS_ACCESS, R_BACKBONE, R_COUNT };

struct link {
    int role;
    char target[208];
    char iface[208];
};

static int
glob_match(const char *pattern, const char *s)
{
    return s != NULL && fnmatch(pattern, s, 0) == 0;
}

#define MAX_LINKS 64

struct link_scan {
    const struct calendar *cal;
    struct link links[MAX_LINKS];
    int n;
    int64_t *min;
    int *nmatch;
};

static int
link_row(void *arg, const struct storage_eval_link *l)
{
    static const char *roles[R_COUNT] = { "wan", "uplink", "class_access",
                                          "backbone" };
    struct link_scan *ls = arg;
    int r;

    for (r = 0; r < R_COUNT; r++)
        if (strcmp(l->role, roles[r]) == 0)
            break;
    if (r == R_COUNT)
        return 0;
    ls->links[ls->n].role = r;
    snprintf(ls->links[ls->n].target, sizeof(ls->links[0].target), "%s",
             l->target);
    snprintf(ls->links[ls->n].iface, sizeof(ls->links[0].iface), "%s",
             l->iface);
    ls->n++;
    return ls->n < MAX_LINKS ? 0 : 1;   /* 1: enough, stop */
}

static int
if_poll_row(void *arg, const struct storage_eval_if_poll *p)
{
    struct link_scan *ls = arg;
    int i, r;

    /* A port that is down has no speed worth judging (2 = down). */
    if (p->speed_mbps <= 0 || !calendar_in_school_hours(ls->cal, p->ts) ||
        p->oper == 2)
        return 0;
    for (i = 0; i < ls->n; i++) {
        if (!glob_match(ls->links[i].target, p->target) ||
            !(glob_match(ls->links[i].iface, p->name) ||
              glob_match(ls->links[i].iface, p->alias)))
            continue;
        r = ls->links[i].role;
        ls->nmatch[r]++;
        if (ls->min[r] < 0 || p->speed_mbps < ls->min[r])
            ls->min[r] = p->speed_mbps;
    }
    return 0;
}

/* Lowest reported speed (SNMP ifHighSpeed) per role over the school-hour
 * polls of the period, of the interfaces the registry's links table names
 * (the first MAX_LINKS). min[role] is -1 when nothing matched. */
static int
link_speeds(struct storage *st, const char *code, const struct calendar *cal,
            int64_t from, int64_t to, int64_t min[R_COUNT], int nmatch[R_COUNT])
{
    struct link_scan *ls;
    int r, rc;

    for (r = 0; r < R_COUNT; r++) {
        min[r] = -1;
        nmatch[r] = 0;
    }
    if (!storage_eval_has(st, STORAGE_EVAL_LINKS))
        return 0;
    ls = calloc(1, sizeof(*ls));
    if (ls == NULL)
        return -ENOMEM;
    ls->cal = cal;
    ls->min = min;
    ls->nmatch = nmatch;
    rc = storage_eval_each_link(st, code, link_row, ls);
    if (rc == 1)
        rc = 0;
    if (rc == 0 && ls->n > 0)
        rc = storage_eval_each_if_poll(st, code, from, to, if_poll_row, ls);
    free(ls);
    return rc;
}

struct probe_scan {
    int have;
    double best;            /* highest slower direction, Mbit/s */
    int64_t link;           /* lowest OS link speed, or -1 */
    int n;
};

static int
probe_row(void *arg, const struct storage_eval_probe *p)
{
    struct probe_scan *ps = arg;
    double slower;

    if (p->status != 0 || !p->up_known || !p->down_known)
        return 0;
    ps->n++;
    slower = p->up_mbps < p->down_mbps ? p->up_mbps : p->down_mbps;
    if (!ps->have || slower > ps->best)
        ps->best = slower;
    ps->have = 1;
    if (p->link_known && (ps->link < 0 || p->link_mbps < ps->link))
        ps->link = p->link_mbps;
    return 0;
}

/* Capacity probes of the period: the highest result of the slower
 * direction among successful probes (the throughput the line can achieve;
 * one probe during a busy lesson should not define it), in kbit/s, and the
 * lowest WAN link speed the agent's OS reported with them. -1 when
 * none. */
static int
probe_capacity(struct storage *st, const char *code, int64_t from,
               int64_t to, int64_t *probe_kbps, int64_t *link_mbps,
               int *nprobes)
{
    struct probe_scan ps = { .link = -1 };
    int rc;

    *probe_kbps = *link_mbps = -1;
    *nprobes = 0;
    if (!storage_eval_has(st, STORAGE_EVAL_PROBE_CAPACITY))
        return 0;
    rc = storage_eval_each_capacity_probe(st, code, from, to, probe_row, &ps);
    if (rc != 0)
        return rc;
    if (ps.have)
        *probe_kbps = (int64_t)(ps.best * 1000.0);
    *link_mbps = ps.link;
    *nprobes = ps.n;
    return 0;
}

struct reach_scan {
    const struct calendar *cal;
    int64_t minute;         /* minute being summed, or -1 */
    int up;                 /* a probe of it got through */
    int64_t *probed, *ok;
};

static void
close_reach(struct reach_scan *rs)
{
    if (rs->minute < 0 || !calendar_in_school_hours(rs->cal, rs->minute))
        return;
    (*rs->probed)++;
    *rs->ok += rs->up;
}

static int
reach_row(void *arg, int64_t minute, int64_t probes, int64_t ok)
{
    struct reach_scan *rs = arg;

    if (probes <= 0)
        return 0;
    if (minute != rs->minute) {
        close_reach(rs);
        rs->minute = minute;
        rs->up = 0;
    }
    if (ok > 0)
        rs->up = 1;
    return 0;
}

/* Reachability probes: school-hour minutes probed (by any target) and
 * minutes up (a probe of any target got through). */
static int
reach_minutes(struct storage *st, const char *code,
              const struct calendar *cal, int64_t from, int64_t to,
              int64_t *probed, int64_t *up)
{
    struct reach_scan rs = { .cal = cal, .minute = -1, .probed = probed,
                             .ok = up };
    int rc;

    *probed = *up = 0;
    if (!storage_eval_has(st, STORAGE_EVAL_REACH))
        return 0;
    rc = storage_eval_each_reach_minute(st, code, from, to, reach_row, &rs);
    if (rc != 0)
        return rc;
    close_reach(&rs);
    return 0;
}

int
metrics_compute(struct storage *st, const char *code,
                const struct calendar *cal, int64_t from, int64_t to,
                int stale_days, struct metrics_school *out)
{
    struct work w;
    struct metrics_evidence *ev = &out->ev;
    unsigned char *has = NULL;
    int64_t day, i, seen, traffic, kbps, lmin[R_COUNT];
    int64_t probe_kbps, os_link_mbps, probed, probed_up;
    int lmatch[R_COUNT], nprobes;
    const char *src;
    int d, k, rc, nroom, good, recent;
    char buf[64];

    memset(out, 0, sizeof(*out));
    memset(&w, 0, sizeof(w));
    rc = load_school(st, code, out);
    if (rc != 0)
        return rc;
    for (k = 0; k < M_COUNT; k++)
        out->m[k].state = MS_NO_DATA;
    w.cal = cal;
    w.from = from;
    w.to = to > from ? to : from;
    w.day0 = calendar_day(cal, from);
    w.ndays = w.to > w.from ? (int)(calendar_day(cal, w.to - 1) - w.day0 + 1)
                            : 0;
    w.mpd = calendar_minutes_per_day(cal);
    ev->from = w.from;
    ev->to = w.to;
    rc = -ENOMEM;
    w.school_day = calloc((size_t)w.ndays + 1, 1);
    w.minute_seen = calloc(((size_t)w.ndays * (size_t)w.mpd) / 8 + 1, 1);
    w.minute_traffic = calloc(((size_t)w.ndays * (size_t)w.mpd) / 8 + 1, 1);
    w.peak_cr = calloc((size_t)w.ndays + 1, sizeof(int64_t));
    w.peak_so = calloc((size_t)w.ndays + 1, sizeof(int64_t));
    has = calloc((size_t)w.ndays + 1, 1);
    if (w.school_day == NULL || w.minute_seen == NULL ||
        w.minute_traffic == NULL || w.peak_cr == NULL || w.peak_so == NULL ||
        has == NULL)
        goto out;
    /* School days and school minutes that fall inside [from, to). */
    for (d = 0; d < w.ndays; d++) {
        int64_t s0, s1;

        day = w.day0 + d;
        if (!calendar_is_school_day(cal, day))
            continue;
        s0 = calendar_day_start(cal, day) + (int64_t)cal->start_min * 60;
        s1 = calendar_day_start(cal, day) + (int64_t)cal->end_min * 60;
        if (s0 < w.from)
            s0 = w.from;
        if (s1 > w.to)
            s1 = w.to;
        if (s1 <= s0)
            continue;
        w.school_day[d] = 1;
        ev->school_days++;
        ev->school_minutes += (s1 - s0 + 59) / 60;
    }
    if ((rc = load_classes(st, code, &w)) != 0)
        goto out;
    w.active = calloc((size_t)w.nclasses * (size_t)w.ndays + 1, 1);
    if (w.active == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    w.rolled = calloc((size_t)w.ndays + 1, 1);
    if (w.rolled == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = mark_rolled(st, code, &w)) != 0)
        goto out;
    if ((rc = scan_class_minutes(st, code, &w)) != 0 ||
        (rc = scan_capture_minutes(st, code, &w)) != 0)
        goto out;

    /* Evidence: raw minutes for the days not rolled up yet, rollups for
     * the others (including days whose raw rows have expired). */
    traffic = 0;
    for (d = 0; d < w.ndays; d++) {
        seen = 0;
        for (i = 0; i < w.mpd && w.school_day[d]; i++) {
            if (getbit(w.minute_seen, (int64_t)d * w.mpd + i)) {
                seen++;
                ev->last_data = calendar_day_start(cal, w.day0 + d) +
                                ((int64_t)cal->start_min + i) * 60;
            }
            traffic += getbit(w.minute_traffic, (int64_t)d * w.mpd + i);
        }
        ev->minutes_with_data += seen;
        if (seen > 0)
            has[d] = 1;
    }
    if ((rc = scan_rollups(st, code, &w, has, ev, &traffic)) != 0)
        goto out;
    for (d = 0; d < w.ndays; d++)
        ev->days_with_data += has[d] != 0;
    recent = 0;
    for (d = w.ndays - 1; d >= 0 && recent < stale_days; d--) {
        if (!w.school_day[d])
            continue;
        recent++;
        ev->recent_days_with_data += has[d] != 0;
    }

    /* Egress capacity: the lowest of the contract, the WAN link speed (SNMP
     * or the agent's OS) and the best capacity probe of the period. */
    if ((rc = link_speeds(st, code, cal, w.from, w.to, lmin, lmatch)) != 0)
        goto out;
    if ((rc = probe_capacity(st, code, w.from, w.to, &probe_kbps,
                             &os_link_mbps, &nprobes)) != 0)
        goto out;
    kbps = out->contracted_kbps;
    src = "contracted";
    if (os_link_mbps > 0 && (lmin[R_WAN] <= 0 || os_link_mbps < lmin[R_WAN]))
        lmin[R_WAN] = os_link_mbps;
    if (lmin[R_WAN] > 0 && (kbps < 0 || lmin[R_WAN] * 1000 < kbps)) {
        kbps = lmin[R_WAN] * 1000;
        src = "link speed";
    }
    if (probe_kbps > 0 && (kbps < 0 || probe_kbps < kbps)) {
        kbps = probe_kbps;
        src = "probe";
    }
    if (kbps >= 0) {
        set_value(&out->m[M_EGRESS_CAPACITY], kbps, 1000, src);
        if (w.agg_peak_bps > 0) {
            struct ratio peak = { (int64_t)(w.agg_peak_bps / 1000), 1000 };

            ratio_format(peak, 1, buf, sizeof(buf));
            snprintf(out->m[M_EGRESS_CAPACITY].note,
                     sizeof(out->m[0].note), "%sobserved peak %s Mbit/s",
                     (uint64_t)kbps * 1000 < w.agg_peak_bps
                         ? "FLAG: peak above capacity; " : "",
                     buf);
        }
        if (probe_kbps > 0) {
            size_t o = strlen(out->m[M_EGRESS_CAPACITY].note);
            struct ratio pr = { probe_kbps, 1000 };

            ratio_format(pr, 1, buf, sizeof(buf));
            snprintf(out->m[M_EGRESS_CAPACITY].note + o,
                     sizeof(out->m[0].note) - o, "%sbest of %d probes %s "
                     "Mbit/s%s", o ? "; " : "", nprobes, buf,
                     out->contracted_kbps > 0 &&
                             probe_kbps * 10 < out->contracted_kbps * 8
                         ? " (FLAG: below 80% of contract)" : "");
        }
        if (out->classes > 0) {
            set_value(&out->m[M_EGRESS_PER_CLASS], kbps,
                      1000 * out->classes, src);
            snprintf(out->m[M_EGRESS_PER_CLASS].note,
                     sizeof(out->m[0].note), "%lld classes (registry)",
                     (long long)out->classes);
        } else {
            snprintf(out->m[M_EGRESS_PER_CLASS].note,
                     sizeof(out->m[0].note), "registry has 0 classes");
        }
    } else {
        snprintf(out->m[M_EGRESS_CAPACITY].note, sizeof(out->m[0].note),
                 "no contracted bandwidth in the registry");
        snprintf(out->m[M_EGRESS_PER_CLASS].note, sizeof(out->m[0].note),
                 "no contracted bandwidth in the registry");
    }
    if (out->contracted_kbps >= 0)
        snprintf(out->m[M_EGRESS_CAPACITY].declared,
                 sizeof(out->m[0].declared), "%lld kbit/s contracted",
                 (long long)out->contracted_kbps);

    /* Observed per-class throughput. Nearest-rank p95. */
    if (w.nrates > 0) {
        size_t r;

        qsort(w.rates, w.nrates, sizeof(*w.rates), u64_cmp);
        r = (w.nrates * 95 + 99) / 100;
        set_value(&out->m[M_CLASS_P95_DOWN], (int64_t)w.rates[r - 1],
                  1000000, "measured");
        set_value(&out->m[M_CLASS_PEAK_DOWN], (int64_t)w.peak_bps, 1000000,
                  "measured");
        snprintf(out->m[M_CLASS_P95_DOWN].note, sizeof(out->m[0].note),
                 "%zu class-minutes in school hours", w.nrates);
    }

    per_computer(&w, has, K_COMPUTER_ROOM, w.peak_cr, out->students,
                 out->declared_student_computers,
                 &out->m[M_STUDENTS_PER_COMPUTER]);
    per_computer(&w, has, K_STAFF_OFFICE, w.peak_so, out->teachers,
                 out->declared_teacher_computers,
                 &out->m[M_TEACHERS_PER_COMPUTER]);

    /* Multimedia: a classroom whose subnet had an active terminal on at
     * least 80% of the school days with data. */
    nroom = good = 0;
    for (k = 0; k < w.nclasses; k++) {
        int act = 0;

        if (w.classes[k].kind != K_CLASSROOM)
            continue;
        nroom++;
        for (d = 0; d < w.ndays; d++)
            act += has[d] && w.active[(size_t)k * (size_t)w.ndays + d];
        if (ev->days_with_data > 0 && act * 5 >= ev->days_with_data * 4)
            good++;
    }
    if (nroom > 0 && ev->days_with_data > 0) {
        set_value(&out->m[M_MULTIMEDIA_CLASS_PCT], 100LL * good, nroom,
                  "measured");
        snprintf(out->m[M_MULTIMEDIA_CLASS_PCT].note,
                 sizeof(out->m[0].note), "%d of %d classrooms active on >= "
                 "80%% of %d days", good, nroom, ev->days_with_data);
    } else {
        snprintf(out->m[M_MULTIMEDIA_CLASS_PCT].note,
                 sizeof(out->m[0].note), "%s",
                 nroom == 0 ? "no classroom class in the registry"
                            : "no data in the period");
    }
    if (out->classes > 0 && nroom > 0 && nroom != out->classes)
        snprintf(out->m[M_MULTIMEDIA_CLASS_PCT].declared,
                 sizeof(out->m[0].declared), "%lld classes in registry",
                 (long long)out->classes);

    /* Broadband: reachability probes where they ran, else minutes with
     * WAN traffic over school minutes. */
    if ((rc = reach_minutes(st, code, cal, w.from, w.to, &probed,
                            &probed_up)) != 0)
        goto out;
    if (probed > 0) {
        set_value(&out->m[M_BROADBAND_UPTIME_PCT], 100 * probed_up, probed,
                  "probe");
        snprintf(out->m[M_BROADBAND_UPTIME_PCT].note,
                 sizeof(out->m[0].note), "%lld of %lld probed school-hour "
                 "minutes reachable", (long long)probed_up,
                 (long long)probed);
    } else if (ev->school_minutes > 0) {
        set_value(&out->m[M_BROADBAND_UPTIME_PCT], 100 * traffic,
                  ev->school_minutes, "measured");
        snprintf(out->m[M_BROADBAND_UPTIME_PCT].note,
                 sizeof(out->m[0].note), "school-hour minutes with WAN "
                 "traffic (no probe table)");
    }

    for (k = 0; k < M_COUNT; k++) {
        if (k != M_WIFI_COVERAGE_PCT && k != M_WIFI_FULL_COVERAGE &&
            k != M_WIFI_ACCESS && k != M_SCHOOL_ACCESS &&
            k != M_CLASS_ACCESS && k != M_CAMPUS_BACKBONE)
            continue;
        snprintf(out->m[k].source, sizeof(out->m[k].source), "snmp");
        snprintf(out->m[k].note, sizeof(out->m[k].note), "no SNMP data");
    }
    for (k = R_UPLINK; k < R_COUNT; k++) {
        static const int mid[R_COUNT] = { 0, M_SCHOOL_ACCESS, M_CLASS_ACCESS,
                                          M_CAMPUS_BACKBONE };
        struct metric_value *m = &out->m[mid[k]];

        if (lmin[k] <= 0)
            continue;
        set_value(m, lmin[k], 1, "link speed");
        snprintf(m->note, sizeof(m->note), "lowest ifHighSpeed of %d "
                 "school-hour polls of the registry's links", lmatch[k]);
    }
    if ((rc = wifi_metrics(st, code, cal, w.from, w.to, out)) != 0)
        goto out;
    rc = 0;
out:
    free(w.school_day);
    free(w.minute_seen);
    free(w.minute_traffic);
    free(w.peak_cr);
    free(w.peak_so);
    free(w.classes);
    free(w.active);
    free(w.rolled);
    free(w.rates);
    free(has);
    return rc;
}

struct inventory_scan {
    int year;               /* latest declaration at or before this year */
    int found;
    int best;
    double value;
};

static int
inventory_row(void *arg, int year, double value)
{
    struct inventory_scan *is = arg;

    if (year > is->year || (is->found && year <= is->best))
        return 0;
    is->found = 1;
    is->best = year;
    is->value = value;
    return 0;
}

int
metrics_inventory(struct storage *st, const char *code, int year,
                  const char *item, struct metric_value *out)
{
    struct inventory_scan is = { .year = year };
    int rc;
    char buf[64];

    memset(out, 0, sizeof(*out));
    out->state = MS_NO_DATA;
    snprintf(out->source, sizeof(out->source), "declared");
    rc = storage_eval_each_inventory(st, code, item, inventory_row, &is);
    if (rc == 0 && is.found) {
        /* Stored as REAL with at most 3 decimals: back to thousandths. */
        snprintf(buf, sizeof(buf), "%.3f", is.value);
        if (ratio_parse_decimal(buf, &out->v) == 0)
            out->state = MS_VALUE;
    } else {
        snprintf(out->note, sizeof(out->note), "not in the inventory");
    }
    return rc;
}
