/* rowjson: the JSON-lines shape of a class minute, shared by the agent's
 * `--output -` and the collector's `query`, so the two can be compared
 * line by line. One object per line, keys in a fixed order:
 *   {"school":..,"class":..,"minute":"2024-05-06T08:01:00Z","ts":..,
 *    "bytes_up":..,"bytes_down":..,"pkts_up":..,"pkts_down":..,
 *    "peak_up_bps":..,"peak_down_bps":..,"devices":..}
 * The agent also prints capture rows ({"capture":source,...}); query does
 * not. Uses jansson for escaping. */
#ifndef ROWJSON_H
#define ROWJSON_H

#include <stdio.h>

#include "wire.h"

/* Writes one line. Returns 0 or -EIO / -ENOMEM. */
int rowjson_class(FILE *out, const char *school, const struct wire_class_min *r);
int rowjson_capture(FILE *out, const char *school,
                    const struct wire_capture_min *r);
/* "YYYY-MM-DDTHH:MM:SSZ" of a unix time, into out (cap >= 21). */
void rowjson_time(long long t, char *out, size_t cap);

#endif /* ROWJSON_H */
