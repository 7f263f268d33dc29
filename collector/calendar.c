/* calendar: see calendar.h. Date arithmetic is done on day numbers with
 * Howard Hinnant's days_from_civil, never through the process time zone,
 * so results do not depend on TZ or on the host. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"
#include "conf.h"
#include "log.h"
#include "storage.h"
#include "storage_admin.h"

void
calendar_default(struct calendar *c)
{
    memset(c, 0, sizeof(*c));
    c->utc_offset = 8 * 60;
    c->weekdays = 0x1f;             /* Monday to Friday */
    c->start_min = 8 * 60;
    c->end_min = 17 * 60;
    snprintf(c->source, sizeof(c->source),
             "built-in default (Mon-Fri 08:00-17:00 UTC+08:00)");
}

void
calendar_free(struct calendar *c)
{
    if (c == NULL)
        return;
    free(c->exc);
    c->exc = NULL;
    c->nexc = 0;
}

int64_t
calendar_civil_day(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t
floordiv(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t
calendar_day(const struct calendar *c, int64_t t)
{
    return floordiv(t + (int64_t)c->utc_offset * 60, 86400);
}

int64_t
calendar_day_start(const struct calendar *c, int64_t day)
{
    return day * 86400 - (int64_t)c->utc_offset * 60;
}

int
calendar_is_school_day(const struct calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->nexc, mid;
    int wd;

    while (lo < hi) {
        mid = (lo + hi) / 2;
        if (c->exc[mid].day == day)
            return c->exc[mid].school_day;
        if (c->exc[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* 1970-01-01 was a Thursday (weekday index 3 with Monday = 0). */
    wd = (int)(((day % 7) + 7 + 3) % 7);
    return (c->weekdays >> wd) & 1;
}

int
calendar_in_school_hours(const struct calendar *c, int64_t t)
{
    int64_t day = calendar_day(c, t);
    int64_t m = (t - calendar_day_start(c, day)) / 60;

    return m >= c->start_min && m < c->end_min &&
           calendar_is_school_day(c, day);
}

int
calendar_minutes_per_day(const struct calendar *c)
{
    return c->end_min - c->start_min;
}

/* ------------------------------------------------------------------ */
/* file                                                                */

static int
parse_date(const char *s, int64_t *day)
{
    int y, m, d, n = 0;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
        s[n] != '\0' || strlen(s) != 10 || m < 1 || m > 12 || d < 1 ||
        d > 31 || y < 2000 || y > 2200)
        return -EINVAL;
    *day = calendar_civil_day(y, m, d);
    /* Reject 2021-02-30 and the like: it would roll into March. */
    if (calendar_civil_day(y, m, 1) + d - 1 != *day ||
        (m < 12 ? calendar_civil_day(y, m + 1, 1)
                : calendar_civil_day(y + 1, 1, 1)) <= *day)
        return -EINVAL;
    return 0;
}

static int
parse_hhmm(const char *s, int *min)
{
    int h, m, n = 0;

    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] != '\0' || h < 0 ||
        h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
        return -EINVAL;
    *min = h * 60 + m;
    return 0;
}

struct calparse {
    struct calendar *c;
    size_t cap;
};

static int
add_exc(struct calparse *p, int64_t day, int school_day)
{
    struct calendar *c = p->c;
    struct calendar_exc *n;

    if (c->nexc == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        if (p->cap > 100000)
            return -E2BIG;
        n = realloc(c->exc, p->cap * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        c->exc = n;
    }
    c->exc[c->nexc].day = day;
    c->exc[c->nexc].school_day = school_day;
    c->nexc++;
    return 0;
}

static int
k_district(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct calparse *p = obj;

    if (argc != 2 || strlen(argv[1]) >= sizeof(p->c->district)) {
        snprintf(err, errlen, "district: takes one name (quote it if it "
                 "holds blanks)");
        return -1;
    }
    snprintf(p->c->district, sizeof(p->c->district), "%s", argv[1]);
    return 0;
}

static int
k_offset(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct calparse *p = obj;
    int h, m, n = 0;
    char sign;

    if (argc != 2 || sscanf(argv[1], "%c%2d:%2d%n", &sign, &h, &m, &n) != 3 ||
        argv[1][n] != '\0' || (sign != '+' && sign != '-') || h > 14 ||
        m > 59) {
        snprintf(err, errlen, "utc_offset: expected +HH:MM, e.g. +08:00");
        return -1;
    }
    p->c->utc_offset = (sign == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

static int
k_weekdays(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    static const char *names[] = { "mon", "tue", "wed", "thu", "fri",
                                   "sat", "sun" };
    struct calparse *p = obj;
    unsigned bits = 0;
    int i, k;

    for (i = 1; i < argc; i++) {
        for (k = 0; k < 7; k++)
            if (strcasecmp(argv[i], names[k]) == 0)
                break;
        if (k == 7) {
            snprintf(err, errlen, "weekdays: \"%s\" is not one of mon tue "
                     "wed thu fri sat sun", argv[i]);
            return -1;
        }
        bits |= 1u << k;
    }
    if (bits == 0) {
        snprintf(err, errlen, "weekdays: name at least one day");
        return -1;
    }
    p->c->weekdays = bits;
    return 0;
}

static int
k_hours(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct calparse *p = obj;
    int a, b;

    if (argc != 3 || parse_hhmm(argv[1], &a) != 0 ||
        parse_hhmm(argv[2], &b) != 0 || a >= b) {
        snprintf(err, errlen, "hours: expected START END as HH:MM with "
                 "START before END, e.g. 08:00 17:00");
        return -1;
    }
    p->c->start_min = a;
    p->c->end_min = b;
    return 0;
}

static int
k_days(void *obj, int argc, char **argv, char *err, size_t errlen,
       int school_day)
{
    struct calparse *p = obj;
    int64_t a, b, d;

    if (argc < 2 || argc > 3 || parse_date(argv[1], &a) != 0 ||
        (argc == 3 && parse_date(argv[2], &b) != 0)) {
        snprintf(err, errlen, "%s: expected a date YYYY-MM-DD or an "
                 "inclusive range FROM TO", argv[0]);
        return -1;
    }
    if (argc == 2)
        b = a;
    if (b < a || b - a > 366) {
        snprintf(err, errlen, "%s: the range must run forward and span at "
                 "most a year", argv[0]);
        return -1;
    }
    for (d = a; d <= b; d++)
        if (add_exc(p, d, school_day) != 0) {
            snprintf(err, errlen, "%s: too many days", argv[0]);
            return -1;
        }
    return 0;
}

static int
k_holiday(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    return k_days(obj, argc, argv, err, errlen, 0);
}

static int
k_schoolday(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    return k_days(obj, argc, argv, err, errlen, 1);
}

static int
exc_cmp(const void *a, const void *b)
{
    const struct calendar_exc *x = a, *y = b;

    return (x->day > y->day) - (x->day < y->day);
}

int
calendar_parse_file(const char *path, struct calendar *c, FILE *errs)
{
    static const struct conf_key keys[] = {
        { "district", CONF_FUNC, 0, 0, 0, k_district },
        { "utc_offset", CONF_FUNC, 0, 0, 0, k_offset },
        { "weekdays", CONF_FUNC, 0, 0, 0, k_weekdays },
        { "hours", CONF_FUNC, 0, 0, 0, k_hours },
        { "holiday", CONF_FUNC, 0, 0, 0, k_holiday },
        { "schoolday", CONF_FUNC, 0, 0, 0, k_schoolday },
        { NULL, 0, 0, 0, 0, NULL },
    };
    struct calparse p = { c, 0 };
    size_t i, o;
    int rc;

    calendar_default(c);
    rc = conf_parse_file(path, keys, &p, errs);
    if (rc < 0) {
        calendar_free(c);
        return -ENOENT;
    }
    if (rc > 0) {
        calendar_free(c);
        return -EINVAL;
    }
    if (c->nexc > 0)
        qsort(c->exc, c->nexc, sizeof(*c->exc), exc_cmp);
    /* A day listed twice keeps its last meaning only if both agree. */
    for (i = 0, o = 0; i < c->nexc; i++) {
        if (o > 0 && c->exc[o - 1].day == c->exc[i].day) {
            if (c->exc[o - 1].school_day != c->exc[i].school_day) {
                fprintf(errs ? errs : stderr, "%s: a day is both a holiday "
                        "and a school day\n", path);
                calendar_free(c);
                return -EINVAL;
            }
            continue;
        }
        c->exc[o++] = c->exc[i];
    }
    c->nexc = o;
    snprintf(c->source, sizeof(c->source), "%s", path);
    return 0;
}

/* civil_from_days: the stored form of an exception day is its readable
 * date. */
static void
format_day(int64_t day, char *buf, size_t len)
{
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int dd, m, y;

    dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y = (int)(yoe + era * 400 + (m <= 2));
    snprintf(buf, len, "%04d-%02d-%02d", y, m, dd);
}

int
calendar_store(struct storage *st, const struct calendar *c)
{
    struct storage_calendar sc;
    struct storage_calendar_day *days = NULL;
    char (*dates)[16] = NULL;
    size_t i;
    int rc;

    if (c->nexc > 0) {
        days = calloc(c->nexc, sizeof(*days));
        dates = calloc(c->nexc, sizeof(*dates));
        if (days == NULL || dates == NULL) {
            free(days);
            free(dates);
            log_warnx("calendar: store: out of memory");
            return -EIO;
        }
    }
    for (i = 0; i < c->nexc; i++) {
        format_day(c->exc[i].day, dates[i], sizeof(dates[i]));
        days[i].date = dates[i];
        days[i].school_day = c->exc[i].school_day;
    }
    sc.district = c->district;
    sc.utc_offset = c->utc_offset;
    sc.weekdays = c->weekdays;
    sc.start_min = c->start_min;
    sc.end_min = c->end_min;
    sc.source = c->source;
    rc = storage_calendar_put(st, &sc, days, c->nexc);
    free(days);
    free(dates);
    return rc;
}

static int
load_day(void *arg, const struct storage_calendar_day *d)
{
    int64_t day;

    if (parse_date(d->date, &day) != 0)
        return 0;
    return add_exc(arg, day, d->school_day) != 0 ? -ENOMEM : 0;
}

/* Loads district's stored calendar into c, which holds the built-in
 * default with no exceptions. 1 found, 0 none stored, -errno. */
static int
load_one(struct storage *st, const char *district, struct calendar *c)
{
    struct storage_calendar_head h;
    struct calparse p = { c, 0 };
    int rc;

    rc = storage_calendar_get(st, district, &h, load_day, &p);
    if (rc != 1)
        return rc;
    snprintf(c->district, sizeof(c->district), "%s", district);
    c->utc_offset = h.utc_offset;
    c->weekdays = h.weekdays;
    c->start_min = h.start_min;
    c->end_min = h.end_min;
    /* Truncation keeps the start, which names the file. */
    if (snprintf(c->source, sizeof(c->source), "%s%s%s%s", h.source,
                 district[0] ? " (" : "", district,
                 district[0] ? ")" : "") < 0)
        c->source[0] = '\0';
    return 1;
}

int
calendar_get(struct storage *st, const char *district, struct calendar *c)
{
    int rc;

    calendar_default(c);
    if (district != NULL && district[0] != '\0') {
        rc = load_one(st, district, c);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    rc = load_one(st, "", c);
    return rc < 0 ? rc : 0;
}
