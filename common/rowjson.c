/* rowjson: see rowjson.h.
 *
 * A row is formatted here rather than built as a jansson object: the keys
 * are fixed and every value but the names is an integer or null, and
 * building and dumping an 11-key object took some 24,000 instructions a
 * row (allocation per key, key sorting, stdio per token) — at 500 classes
 * a minute, a tenth of a replay's CPU with --output -. Strings still go
 * through jansson, which escapes them exactly as before. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
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

/* A line under construction: a stack buffer that moves to the heap if a
 * row ever needs more (names are at most 255 bytes; a school name read
 * from a store might not be). */
struct line {
    char *p;
    size_t len, cap;
    int err;
    char stack[1024];
};

static void
line_init(struct line *l)
{
    l->p = l->stack;
    l->len = 0;
    l->cap = sizeof(l->stack);
    l->err = 0;
}

static int
line_reserve(struct line *l, size_t n)
{
    char *np;
    size_t cap;

    if (l->len + n < l->cap)
        return 0;
    for (cap = l->cap * 2; cap <= l->len + n; cap *= 2)
        ;
    np = l->p == l->stack ? malloc(cap) : realloc(l->p, cap);
    if (np == NULL) {
        l->err = -ENOMEM;
        return -1;
    }
    if (l->p == l->stack)
        memcpy(np, l->stack, l->len);
    l->p = np;
    l->cap = cap;
    return 0;
}

static void __attribute__((format(printf, 2, 3)))
line_printf(struct line *l, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->err)
        return;
    va_start(ap, fmt);
    n = vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        l->err = -EIO;
        return;
    }
    if ((size_t)n >= l->cap - l->len) {
        if (line_reserve(l, (size_t)n + 1) != 0)
            return;
        va_start(ap, fmt);
        vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
        va_end(ap);
    }
    l->len += (size_t)n;
}

/* ,"key":"escaped value" (or {"key":... when first) */
static void
line_str(struct line *l, const char *key, const char *s)
{
    json_t *j;
    size_t n;

    line_printf(l, "%s\"%s\":", l->len == 0 ? "{" : ",", key);
    if (l->err)
        return;
    j = json_string(s); /* NULL: not valid UTF-8, as json_pack refused */
    if (j == NULL) {
        l->err = -EINVAL;
        return;
    }
    n = json_dumpb(j, l->p + l->len, l->cap - l->len, JSON_ENCODE_ANY);
    if (n >= l->cap - l->len && line_reserve(l, n + 1) == 0)
        n = json_dumpb(j, l->p + l->len, l->cap - l->len, JSON_ENCODE_ANY);
    json_decref(j);
    if (l->err)
        return;
    if (n == 0)
        l->err = -EIO;
    else
        l->len += n;
}

/* Counters are below 2^63 (checked where they are produced/stored);
 * WIRE_UNKNOWN prints as null. */
static void
line_count(struct line *l, const char *key, uint64_t v)
{
    if (v == WIRE_UNKNOWN)
        line_printf(l, ",\"%s\":null", key);
    else
        line_printf(l, ",\"%s\":%" PRIu64, key, v);
}

static void
line_head(struct line *l, const char *school, const char *kind,
          const char *name, long long minute)
{
    char ts[32];

    rowjson_time(minute, ts, sizeof(ts));
    line_str(l, "school", school);
    line_str(l, kind, name);
    line_str(l, "minute", ts);
    line_printf(l, ",\"ts\":%lld", minute);
}

static int
line_emit(struct line *l, FILE *out)
{
    int rc;

    line_printf(l, "}\n");
    rc = l->err;
    if (rc == 0 && fwrite(l->p, 1, l->len, out) != l->len)
        rc = -EIO;
    if (l->p != l->stack)
        free(l->p);
    return rc;
}

int
rowjson_class(FILE *out, const char *school, const struct wire_class_min *r)
{
    struct line l;

    line_init(&l);
    line_head(&l, school, "class", r->class_id, (long long)r->minute);
    line_count(&l, "bytes_up", r->bytes_up);
    line_count(&l, "bytes_down", r->bytes_down);
    line_count(&l, "pkts_up", r->pkts_up);
    line_count(&l, "pkts_down", r->pkts_down);
    line_count(&l, "peak_up_bps", r->peak_up_bps);
    line_count(&l, "peak_down_bps", r->peak_down_bps);
    line_printf(&l, ",\"devices\":%" PRIu32, (uint32_t)r->devices);
    return line_emit(&l, out);
}

int
rowjson_capture(FILE *out, const char *school,
                const struct wire_capture_min *r)
{
    struct line l;

    line_init(&l);
    line_head(&l, school, "capture", r->source, (long long)r->minute);
    line_count(&l, "pkts_seen", r->pkts_seen);
    line_count(&l, "pcap_recv", r->pcap_recv);
    line_count(&l, "pcap_drop", r->pcap_drop);
    line_count(&l, "pcap_ifdrop", r->pcap_ifdrop);
    line_count(&l, "if_pkts", r->if_pkts);
    line_count(&l, "if_bytes", r->if_bytes);
    line_count(&l, "egress_bytes", r->egress_bytes);
    line_count(&l, "unclassified_pkts", r->unclassified_pkts);
    line_count(&l, "unclassified_bytes", r->unclassified_bytes);
    return line_emit(&l, out);
}
