/* timeutil: parsing the times operators type on the command line. Pure. */
#ifndef TIMEUTIL_H
#define TIMEUTIL_H

#include <stdint.h>

/* Accepts unix seconds, "YYYY-MM-DD" (00:00 UTC), "YYYY-MM-DDTHH:MM[:SS]Z"
 * (UTC) and "YYYY-MM-DD HH:MM[:SS]" (UTC). Returns 0 or -EINVAL. */
int timeutil_parse(const char *s, int64_t *out);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t timeutil_days_from_civil(int y, unsigned m, unsigned d);

#endif /* TIMEUTIL_H */
