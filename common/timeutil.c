/* timeutil: see timeutil.h. Civil-date arithmetic is Howard Hinnant's
 * days_from_civil, so no timegm()/TZ state is involved. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

int64_t
timeutil_days_from_civil(int y, unsigned m, unsigned d)
{
    int era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

int
timeutil_parse(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    char *end;
    long long v;

    if (s == NULL || *s == '\0')
        return -EINVAL;
    if (strchr(s, '-') == NULL) {
        v = strtoll(s, &end, 10);
        if (*end != '\0')
            return -EINVAL;
        *out = v;
        return 0;
    }
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -EINVAL;
    s += n;
    if (*s == 'T' || *s == ' ') {
        s++;
        n = 0;
        if (sscanf(s, "%2d:%2d%n", &h, &mi, &n) != 2)
            return -EINVAL;
        s += n;
        if (*s == ':') {
            n = 0;
            if (sscanf(s, ":%2d%n", &sec, &n) != 1)
                return -EINVAL;
            s += n;
        }
        if (*s == 'Z')
            s++;
    }
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
        return -EINVAL;
    *out = timeutil_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
           h * 3600 + mi * 60 + sec;
    return 0;
}
