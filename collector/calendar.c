/* calendar: see calendar.h. Date arithmetic is done on day numbers with
 * Howard Hinnant's days_from_civil, never through the process time zone,
 * so results do not depend on TZ or on the host. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "calendar.h"
#include "conf.h"
#include "log.h"
#include "storage.h"

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

int
calendar_store(struct storage *st, const struct calendar *c)
{
    sqlite3 *db = storage_handle(st);
    sqlite3_stmt *s = NULL, *d = NULL;
    char date[16];
    size_t i;
    int rc = -EIO, y, m, dd;
    int64_t z;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO calendar (district, "
                           "utc_offset, weekdays, start_min, end_min, "
                           "source, loaded) VALUES (?1,?2,?3,?4,?5,?6,"
                           "strftime('%s','now'))",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM calendar_day WHERE district = ?1",
                           -1, &d, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, c->district, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, c->utc_offset);
    sqlite3_bind_int(s, 3, (int)c->weekdays);
    sqlite3_bind_int(s, 4, c->start_min);
    sqlite3_bind_int(s, 5, c->end_min);
    sqlite3_bind_text(s, 6, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(d, 1, c->district, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE || sqlite3_step(d) != SQLITE_DONE)
        goto out;
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO calendar_day (district, day, "
                           "school_day) VALUES (?1, ?2, ?3)",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    for (i = 0; i < c->nexc; i++) {
        /* civil_from_days, for a readable stored date */
        z = c->exc[i].day + 719468;
        {
            int64_t era = (z >= 0 ? z : z - 146096) / 146097;
            int64_t doe = z - era * 146097;
            int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            int64_t mp = (5 * doy + 2) / 153;

            dd = (int)(doy - (153 * mp + 2) / 5 + 1);
            m = (int)(mp < 10 ? mp + 3 : mp - 9);
            y = (int)(yoe + era * 400 + (m <= 2));
        }
        snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, dd);
        sqlite3_bind_text(s, 1, c->district, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 3, c->exc[i].school_day);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto out;
        sqlite3_reset(s);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        rc = 0;
out:
    if (rc != 0) {
        log_warnx("calendar: store: %s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(d);
    return rc;
}

static int
load_one(sqlite3 *db, const char *district, struct calendar *c)
{
    sqlite3_stmt *s = NULL;
    struct calparse p = { c, 0 };
    int rc, found = 0;
    int64_t day;

    if (sqlite3_prepare_v2(db,
                           "SELECT utc_offset, weekdays, start_min, end_min, "
                           "source FROM calendar WHERE district = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_text(s, 1, district, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        found = 1;
        calendar_default(c);
        snprintf(c->district, sizeof(c->district), "%s", district);
        c->utc_offset = sqlite3_column_int(s, 0);
        c->weekdays = (unsigned)sqlite3_column_int(s, 1);
        c->start_min = sqlite3_column_int(s, 2);
        c->end_min = sqlite3_column_int(s, 3);
        snprintf(c->source, sizeof(c->source), "%s%s%s%s",
                 (const char *)sqlite3_column_text(s, 4),
                 district[0] ? " (" : "", district, district[0] ? ")" : "");
    }
    sqlite3_finalize(s);
    if (!found)
        return 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT day, school_day FROM calendar_day WHERE "
                           "district = ?1 ORDER BY day",
                           -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_text(s, 1, district, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (parse_date((const char *)sqlite3_column_text(s, 0), &day) != 0)
            continue;
        if (add_exc(&p, day, sqlite3_column_int(s, 1)) != 0) {
            sqlite3_finalize(s);
            return -ENOMEM;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 1 : -EIO;
}

int
calendar_get(struct storage *st, const char *district, struct calendar *c)
{
    sqlite3 *db = storage_handle(st);
    int rc;

    calendar_default(c);
    if (district != NULL && district[0] != '\0') {
        rc = load_one(db, district, c);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    rc = load_one(db, "", c);
    return rc < 0 ? rc : 0;
}
