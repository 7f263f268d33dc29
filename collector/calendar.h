/* calendar: the district school calendar that every school-level statistic
 * is taken over: which weekdays are school days, the school hours, the
 * holidays and the extra (make-up) school days, in local time.
 *
 * File format (one directive per line, `#` comments, UTF-8; parsed with
 * common/conf, errors as file:line: message):
 *     district 合肥市                # omit for the default of all districts
 *     utc_offset +08:00
 *     weekdays mon tue wed thu fri
 *     hours 08:00 17:00             # start inclusive, end exclusive
 *     holiday 2020-01-18 2020-02-16 # one day or an inclusive range
 *     schoolday 2020-09-27          # a weekend day that is a school day
 * Loading a calendar replaces that district's calendar as a whole.
 *
 * Without any loaded calendar the built-in default applies: Monday to
 * Friday, 08:00-17:00 at UTC+08:00 (Asia/Shanghai; China has one time zone
 * and no daylight saving time, so a fixed offset is exact), no holidays.
 * Reports say which calendar was used. */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stdint.h>
#include <stdio.h>

struct storage;

struct calendar_exc {
    int64_t day;            /* local days since 1970-01-01 */
    int school_day;         /* 0 holiday, 1 extra school day */
};

struct calendar {
    char district[128];     /* "" = default for all districts */
    int utc_offset;         /* minutes east of UTC */
    unsigned weekdays;      /* bit 0 Monday ... bit 6 Sunday */
    int start_min, end_min; /* school hours, minutes after local midnight */
    struct calendar_exc *exc;       /* sorted by day; owned */
    size_t nexc;
    char source[160];       /* "built-in default", or "FILE (district)" */
};

/* Fills c with the built-in default. */
void    calendar_default(struct calendar *c);
void    calendar_free(struct calendar *c);  /* frees exc; c reusable */

/* Parses a calendar file into c (which it initialises). Errors go to errs
 * as path:line: message. Returns 0, -EINVAL (errors reported) or -ENOENT /
 * -EIO. */
int     calendar_parse_file(const char *path, struct calendar *c, FILE *errs);
/* Stores c as its district's calendar (replacing it). 0 or -EIO. */
int     calendar_store(struct storage *st, const struct calendar *c);
/* Loads the calendar for district: its own, else the stored default (""),
 * else the built-in default. Returns 0 or -EIO. */
int     calendar_get(struct storage *st, const char *district,
                     struct calendar *c);

/* Local day number of unix time t, and unix time of local midnight of a
 * day. */
int64_t calendar_day(const struct calendar *c, int64_t t);
int64_t calendar_day_start(const struct calendar *c, int64_t day);
/* Day number of a civil date (proleptic Gregorian). */
int64_t calendar_civil_day(int y, int m, int d);
/* 1 when day is a school day (weekday rule, then exceptions). */
int     calendar_is_school_day(const struct calendar *c, int64_t day);
/* 1 when minute t (unix seconds) lies in school hours of a school day. */
int     calendar_in_school_hours(const struct calendar *c, int64_t t);
/* School-hour minutes per school day. */
int     calendar_minutes_per_day(const struct calendar *c);

#endif /* CALENDAR_H */
