/* rowjson: see rowjson.h.
 *
 * A row is formatted here rather than built as a jansson object: the keys
 * are fixed and every value but the names is an integer or null, and
 * building and dumping an 11-key object took some 44,000 instructions a
 * row (allocation per key, key sorting, stdio per token), a fifth of all
 * the instructions of a 500-class replay with --output -; this takes about
 * 6,000. Strings still go through jansson, which escapes them exactly as
 * before. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "rowjson.h"

void
rowjson_time(long long t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A row is built in a struct buf (its sticky err: append everything,
 * check once); a line is a few hundred bytes, the cap only stops a
 * runaway school name read from a store. */
#define LINE_MAX_BYTES (1u << 20)

/* ,"key": (or {"key": when first); keys are plain ASCII */
static void
put_key(struct buf *b, const char *key)
{
    buf_append(b, b->len == 0 ? "{\"" : ",\"", 2);
    buf_append(b, key, strlen(key));
    buf_append(b, "\":", 2);
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
put_str(struct buf *b, const char *key, const char *s)
{
    json_t *j;
    size_t n;

    put_key(b, key);
    if (plain_ascii(s, &n)) {
        buf_append(b, "\"", 1);
        buf_append(b, s, n);
        buf_append(b, "\"", 1);
        return;
    }
    j = json_string(s); /* NULL: not valid UTF-8, as json_pack refused */
    if (j == NULL) {
        if (b->err == 0)
            b->err = -EINVAL;
        return;
    }
    n = json_dumpb(j, NULL, 0, JSON_ENCODE_ANY);
    if (b->err == 0 && n > 0 && (b->err = buf_reserve(b, n)) == 0) {
        json_dumpb(j, (char *)b->p + b->len, n, JSON_ENCODE_ANY);
        b->len += n;
    } else if (b->err == 0) {
        b->err = -EIO;
    }
    json_decref(j);
}

/* Decimal digits of v (printf costs ~800 instructions a number). */
static void
put_u64(struct buf *b, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);

    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    buf_append(b, d + i, sizeof(d) - i);
}

/* Counters are below 2^63 (checked where they are produced/stored);
 * WIRE_UNKNOWN prints as null. */
static void
put_count(struct buf *b, const char *key, uint64_t v)
{
    put_key(b, key);
    if (v == WIRE_UNKNOWN)
        buf_append(b, "null", 4);
    else
        put_u64(b, v);
}

static void
put_head(struct buf *b, const char *school, const char *kind,
         const char *name, long long minute)
{
    char ts[32];

    rowjson_time(minute, ts, sizeof(ts));
    put_str(b, "school", school);
    put_str(b, kind, name);
    put_str(b, "minute", ts);
    put_key(b, "ts");
    if (minute < 0) {
        buf_append(b, "-", 1);
        put_u64(b, (uint64_t)0 - (uint64_t)minute);
    } else {
        put_u64(b, (uint64_t)minute);
    }
}

static int
emit(struct buf *b, FILE *out)
{
    int rc;

    buf_append(b, "}\n", 2);
    rc = b->err;
    if (rc == 0 && fwrite(b->p, 1, b->len, out) != b->len)
        rc = -EIO;
    buf_free(b);
    return rc;
}

int
rowjson_class(FILE *out, const char *school, const struct wire_class_min *r)
{
    struct buf b;

    buf_init(&b, LINE_MAX_BYTES);
    put_head(&b, school, "class", r->class_id, (long long)r->minute);
    put_count(&b, "bytes_up", r->bytes_up);
    put_count(&b, "bytes_down", r->bytes_down);
    put_count(&b, "pkts_up", r->pkts_up);
    put_count(&b, "pkts_down", r->pkts_down);
    put_count(&b, "peak_up_bps", r->peak_up_bps);
    put_count(&b, "peak_down_bps", r->peak_down_bps);
    put_count(&b, "devices", r->devices);
    return emit(&b, out);
}

int
rowjson_capture(FILE *out, const char *school,
                const struct wire_capture_min *r)
{
    struct buf b;

    buf_init(&b, LINE_MAX_BYTES);
    put_head(&b, school, "capture", r->source, (long long)r->minute);
    put_count(&b, "pkts_seen", r->pkts_seen);
    put_count(&b, "pcap_recv", r->pcap_recv);
    put_count(&b, "pcap_drop", r->pcap_drop);
    put_count(&b, "pcap_ifdrop", r->pcap_ifdrop);
    put_count(&b, "if_pkts", r->if_pkts);
    put_count(&b, "if_bytes", r->if_bytes);
    put_count(&b, "egress_bytes", r->egress_bytes);
    put_count(&b, "unclassified_pkts", r->unclassified_pkts);
    put_count(&b, "unclassified_bytes", r->unclassified_bytes);
    return emit(&b, out);
}
