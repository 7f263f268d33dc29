/* rowjson: see rowjson.h.
 *
 * A row is formatted here rather than built as a jansson object: the keys
 * are fixed and every value but the names is an integer or null, and
 * building and dumping an 11-key object took some 24,000 instructions a
 * row (allocation per key, key sorting, stdio per token) — at 500 classes
 * a minute, a tenth of a replay's CPU with --output -. Strings still go
 * through jansson, which escapes them exactly as before. */
#include <errno.h>
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

static void
line_put(struct line *l, const char *p, size_t n)
{
    if (l->err || line_reserve(l, n) != 0)
        return;
    memcpy(l->p + l->len, p, n);
    l->len += n;
}

/* ,"key": (or {"key": when first); keys are plain ASCII */
static void
line_key(struct line *l, const char *key)
{
    line_put(l, l->len == 0 ? "{\"" : ",\"", 2);
    line_put(l, key, strlen(key));
    line_put(l, "\":", 2);
}

/* A string that JSON takes as it is: printable ASCII without quote or
 * backslash (class ids like "c12", time stamps). Anything else (Chinese
 * names, escapes) goes through jansson. */
static int
plain_ascii(const char *s, size_t *n)
{
    const char *p;

    for (p = s; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
            return 0;
    *n = (size_t)(p - s);
    return 1;
}

static void
line_str(struct line *l, const char *key, const char *s)
{
    json_t *j;
    size_t n;

    line_key(l, key);
    if (l->err)
        return;
    if (plain_ascii(s, &n)) {
        line_put(l, "\"", 1);
        line_put(l, s, n);
        line_put(l, "\"", 1);
        return;
    }
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

/* Decimal digits of v (printf costs ~800 instructions a number). */
static void
line_u64(struct line *l, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);

    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    line_put(l, d + i, sizeof(d) - i);
}

/* Counters are below 2^63 (checked where they are produced/stored);
 * WIRE_UNKNOWN prints as null. */
static void
line_count(struct line *l, const char *key, uint64_t v)
{
    line_key(l, key);
    if (v == WIRE_UNKNOWN)
        line_put(l, "null", 4);
    else
        line_u64(l, v);
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
    line_key(l, "ts");
    if (minute < 0) {
        line_put(l, "-", 1);
        line_u64(l, (uint64_t)0 - (uint64_t)minute);
    } else {
        line_u64(l, (uint64_t)minute);
    }
}

static int
line_emit(struct line *l, FILE *out)
{
    int rc;

    line_put(l, "}\n", 2);
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
    line_count(&l, "devices", r->devices);
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
