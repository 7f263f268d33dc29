/* rowjson: see rowjson.h. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "rowjson.h"

void
rowjson_time(long long t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One line per row, written with one fwrite: json_dumpf writes token by
 * token (dozens of stdio calls a row, a tenth of a replay's CPU with
 * --output -). */
static int
emit(FILE *out, json_t *o)
{
    char stackbuf[1024], *buf = stackbuf;
    size_t n;
    int rc = 0;

    if (o == NULL)
        return -ENOMEM;
    n = json_dumpb(o, buf, sizeof(stackbuf) - 1,
                   JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (n >= sizeof(stackbuf)) {
        buf = malloc(n + 1);
        if (buf == NULL ||
            json_dumpb(o, buf, n, JSON_COMPACT | JSON_PRESERVE_ORDER) != n)
            rc = buf == NULL ? -ENOMEM : -EIO;
    }
    if (rc == 0 && n == 0)
        rc = -EIO;
    if (rc == 0) {
        buf[n] = '\n';
        if (fwrite(buf, 1, n + 1, out) != n + 1)
            rc = -EIO;
    }
    if (buf != stackbuf)
        free(buf);
    json_decref(o);
    return rc;
}

/* Counters are below 2^63 (checked where they are produced/stored), so
 * json_int_t (long long) holds them. WIRE_UNKNOWN prints as null. */
static json_t *
jcount(uint64_t v)
{
    return v == WIRE_UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

int
rowjson_class(FILE *out, const char *school, const struct wire_class_min *r)
{
    char ts[32];

    rowjson_time(r->minute, ts, sizeof(ts));
    return emit(out, json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, "
                               "s:o, s:o, s:I}",
        "school", school, "class", r->class_id, "minute", ts,
        "ts", (json_int_t)r->minute,
        "bytes_up", jcount(r->bytes_up), "bytes_down", jcount(r->bytes_down),
        "pkts_up", jcount(r->pkts_up), "pkts_down", jcount(r->pkts_down),
        "peak_up_bps", jcount(r->peak_up_bps),
        "peak_down_bps", jcount(r->peak_down_bps),
        "devices", (json_int_t)r->devices));
}

int
rowjson_capture(FILE *out, const char *school,
                const struct wire_capture_min *r)
{
    char ts[32];

    rowjson_time(r->minute, ts, sizeof(ts));
    return emit(out, json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, "
                               "s:o, s:o, s:o, s:o, s:o}",
        "school", school, "capture", r->source, "minute", ts,
        "ts", (json_int_t)r->minute, "pkts_seen", jcount(r->pkts_seen),
        "pcap_recv", jcount(r->pcap_recv), "pcap_drop", jcount(r->pcap_drop),
        "pcap_ifdrop", jcount(r->pcap_ifdrop), "if_pkts", jcount(r->if_pkts),
        "if_bytes", jcount(r->if_bytes),
        "egress_bytes", jcount(r->egress_bytes),
        "unclassified_pkts", jcount(r->unclassified_pkts),
        "unclassified_bytes", jcount(r->unclassified_bytes)));
}
