/* flowagg: per class per minute counters. See flowagg.h for the minute and
 * device rules.
 *
 * Layout is for the cache: what each packet updates is one cache line per
 * class, and a device slot is 8 bytes (a 32-bit tag of the hash, the slot
 * index holding more of it, and the generation). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classmap.h"
#include "flowagg.h"
#include "pkt.h"

/* The busiest second is tracked per class as it goes: packets arrive in
 * time order (a late one counts in the latest second), so all of a class's
 * bytes of one second are one run; when the class's second changes, the
 * run is compared with the peak. What every packet touches is one
 * 64-byte-aligned cache line per class (500 classes: 32 KiB, about L1);
 * the peaks, touched once per class-second, live in an array of their
 * own. */
struct fa_class {
    uint64_t bytes[2], pkts[2];
    uint64_t secbytes[2]; /* this class's bytes in second stamp - 1 */
    uint32_t stamp;       /* 1 + second (0..59) of secbytes; 0: untouched */
    uint32_t devices;
} __attribute__((aligned(64)));

struct fa_peak {
    uint64_t v[2]; /* busiest finished second, bytes */
};

struct fa_dev {
    uint32_t tag;
    uint32_t gen;
};

#define FA_PEND 16 /* power of two */

struct flowagg {
    size_t nclasses;
    struct fa_class *cls;
    struct fa_peak *peak;
    char (*names)[WIRE_MAX_STR + 1];
    struct wire_class_min *rows; /* output buffer, nclasses long */
    struct wire_capture_min cap;
    bool open;
    int64_t minute;
    unsigned cur_sec; /* 0..59: second of the latest in-minute packet */
    struct fa_dev *dev;
    size_t devmask, devmax, devused;
    uint32_t gen;
    uint64_t last_key;
    bool last_valid;
    /* Device inserts wait in this ring for PEND packets after their slot
     * was prefetched, so the table's cache miss overlaps other packets'
     * work instead of stalling each one. A slot's class is -1 when it
     * holds nothing; drained before a minute is emitted. */
    unsigned pend_head;
    struct {
        uint64_t key;
        int cls;
    } pend[FA_PEND];
    struct flowagg_stats st;
    flowagg_emit_cb cb;
    void *arg;
};

static void
cap_reset(struct flowagg *fa)
{
    fa->cap.pkts_seen = 0;
    fa->cap.egress_bytes = 0;
    fa->cap.unclassified_pkts = 0;
    fa->cap.unclassified_bytes = 0;
    /* Offline replay knows nothing of the kernel or the interface; a live
     * capture overwrites these in its own callback. */
    fa->cap.pcap_recv = fa->cap.pcap_drop = fa->cap.pcap_ifdrop =
        WIRE_UNKNOWN;
    fa->cap.if_pkts = fa->cap.if_bytes = WIRE_UNKNOWN;
}

struct flowagg *
flowagg_new(const struct classmap *cm, size_t max_devices, const char *source,
            flowagg_emit_cb cb, void *arg)
{
    struct flowagg *fa;
    size_t i, cap;

    if (max_devices == 0)
        max_devices = FLOWAGG_DEFAULT_DEVICES;
    if (max_devices > FLOWAGG_MAX_DEVICES)
        return NULL;
    fa = calloc(1, sizeof(*fa));
    if (fa == NULL)
        return NULL;
    fa->nclasses = classmap_nclasses(cm);
    fa->cls = aligned_alloc(64, (fa->nclasses ? fa->nclasses : 1) *
                                    sizeof(*fa->cls));
    if (fa->cls != NULL)
        memset(fa->cls, 0, (fa->nclasses ? fa->nclasses : 1) *
                               sizeof(*fa->cls));
    fa->peak = calloc(fa->nclasses ? fa->nclasses : 1, sizeof(*fa->peak));
    fa->rows = calloc(fa->nclasses ? fa->nclasses : 1, sizeof(*fa->rows));
    fa->names = calloc(fa->nclasses ? fa->nclasses : 1, sizeof(*fa->names));
    for (cap = 1024; cap < max_devices * 2; cap *= 2)
        ;
    fa->dev = calloc(cap, sizeof(*fa->dev));
    if (fa->cls == NULL || fa->peak == NULL || fa->rows == NULL ||
        fa->names == NULL ||
        fa->dev == NULL) {
        flowagg_free(fa);
        return NULL;
    }
    for (i = 0; i < fa->nclasses; i++)
        snprintf(fa->names[i], sizeof(fa->names[i]), "%s",
                 classmap_class_name(cm, (int)i));
    snprintf(fa->cap.source, sizeof(fa->cap.source), "%s",
             source != NULL ? source : "replay");
    fa->devmask = cap - 1;
    fa->devmax = max_devices;
    fa->gen = 1; /* slots start at generation 0: empty */
    for (i = 0; i < FA_PEND; i++)
        fa->pend[i].cls = -1;
    cap_reset(fa);
    fa->cb = cb;
    fa->arg = arg;
    return fa;
}

void
flowagg_free(struct flowagg *fa)
{
    if (fa == NULL)
        return;
    free(fa->cls);
    free(fa->peak);
    free(fa->rows);
    free(fa->names);
    free(fa->dev);
    free(fa);
}

static uint64_t
peak_bps(const struct flowagg *fa, size_t cls, int dir)
{
    const struct fa_class *c = &fa->cls[cls];
    uint64_t p = fa->peak[cls].v[dir];

    return (c->secbytes[dir] > p ? c->secbytes[dir] : p) * 8;
}

static bool dev_insert(struct flowagg *fa, uint64_t key);

static inline void
pend_settle(struct flowagg *fa, unsigned t)
{
    int cls = fa->pend[t].cls;

    if (cls >= 0 && dev_insert(fa, fa->pend[t].key))
        fa->cls[cls].devices++;
    fa->pend[t].cls = -1;
}

static void
pend_drain(struct flowagg *fa)
{
    unsigned t;

    for (t = 0; t < FA_PEND; t++)
        pend_settle(fa, t);
}

static void
emit(struct flowagg *fa)
{
    size_t i, n = 0;

    pend_drain(fa);
    for (i = 0; i < fa->nclasses; i++) {
        struct fa_class *c = &fa->cls[i];
        struct wire_class_min *r;

        if (c->stamp == 0)
            continue;
        r = &fa->rows[n++];
        memcpy(r->class_id, fa->names[i], sizeof(r->class_id));
        r->minute = fa->minute;
        r->bytes_up = c->bytes[PKT_UP];
        r->bytes_down = c->bytes[PKT_DOWN];
        r->pkts_up = c->pkts[PKT_UP];
        r->pkts_down = c->pkts[PKT_DOWN];
        r->peak_up_bps = peak_bps(fa, i, PKT_UP);
        r->peak_down_bps = peak_bps(fa, i, PKT_DOWN);
        r->devices = c->devices;
    }
    fa->cap.minute = fa->minute;
    if (fa->cb != NULL)
        fa->cb(fa->arg, fa->rows, n, &fa->cap);
    fa->st.minutes++;
}

static void
reset(struct flowagg *fa)
{
    size_t i;

    for (i = 0; i < fa->nclasses; i++)
        if (fa->cls[i].stamp != 0) {
            memset(&fa->cls[i], 0, sizeof(fa->cls[i]));
            memset(&fa->peak[i], 0, sizeof(fa->peak[i]));
        }
    cap_reset(fa);
    fa->gen++;
    fa->devused = 0;
    fa->last_valid = false;
}

void
flowagg_packet(struct flowagg *fa, int64_t sec)
{
    int64_t m;

    /* nearly every packet falls in the open minute */
    if (fa->open && (uint64_t)(sec - fa->minute) < 60) {
        fa->st.pkts++;
        fa->cur_sec = (unsigned)(sec - fa->minute);
        fa->cap.pkts_seen++;
        return;
    }
    m = flowagg_minute(sec);

    fa->st.pkts++;
    if (!fa->open) {
        fa->open = true;
        fa->minute = m;
    } else if (m > fa->minute) {
        emit(fa);
        reset(fa);
        fa->minute = m;
    } else if (m < fa->minute) {
        fa->st.late_pkts++;
        fa->cap.pkts_seen++;
        return; /* cur_sec stays: counted in the latest second */
    }
    fa->cur_sec = (unsigned)(sec - m);
    fa->cap.pkts_seen++;
}

/* One multiply and a fold: a bijection of x whose high half (the tag) and
 * low bits (the slot) both depend on every input bit. Two devices share a
 * slot and a tag only if their keys agree in 32 + log2(slots) bits. */
static inline uint64_t
mix64(uint64_t x)
{
    x *= 0x9e3779b97f4a7c15ull;
    return x ^ (x >> 32);
}

/* A 64-bit hash of (class, device). A MAC or IPv4 address fits one word
 * with the class, so the usual case is one mix; IPv6 takes two. */
static inline uint64_t
dev_key(int cls, const uint8_t *dev, unsigned len)
{
    uint64_t w, w2 = 0;
    uint32_t a;
    uint16_t b;

    /* Fixed-size loads: a variable-length memcpy into w would defeat
     * store forwarding and stall on every packet. */
    if (len == 6) {
        memcpy(&a, dev, 4);
        memcpy(&b, dev + 4, 2);
        w = (uint64_t)a | (uint64_t)b << 32;
        return mix64(w ^ (uint64_t)(uint32_t)cls << 48 ^ 6ull << 61);
    }
    if (len == 4) {
        memcpy(&a, dev, 4);
        return mix64((uint64_t)a ^ (uint64_t)(uint32_t)cls << 48 ^
                     4ull << 61);
    }
    if (len == 16) {
        memcpy(&w, dev, 8);
        memcpy(&w2, dev + 8, 8);
        return mix64(mix64(w ^ (uint64_t)(uint32_t)cls) ^ w2);
    }
    w = 0;
    memcpy(&w, dev, len < 8 ? len : 8);
    return mix64(w ^ (uint64_t)(uint32_t)cls << 48 ^ (uint64_t)len << 56);
}

/* Returns true if (cls, dev) is new this minute and was added. */
static bool
dev_insert(struct flowagg *fa, uint64_t key)
{
    size_t h = (size_t)key & fa->devmask;
    uint32_t tag = (uint32_t)(key >> 32);

    for (;;) {
        struct fa_dev *d = &fa->dev[h];

        if (d->gen != fa->gen) {
            if (fa->devused >= fa->devmax) {
                fa->st.dev_saturated++;
                return false;
            }
            d->gen = fa->gen;
            d->tag = tag;
            fa->devused++;
            return true;
        }
        if (d->tag == tag)
            return false;
        h = (h + 1) & fa->devmask;
    }
}

void
flowagg_egress(struct flowagg *fa, int cls, int dir, uint32_t bytes,
               const uint8_t *dev, unsigned devlen)
{
    struct fa_class *c;
    uint64_t key;
    unsigned t;

    if (!fa->open)
        return; /* flowagg_packet was not called: nothing to attach to */
    fa->cap.egress_bytes += bytes;
    if (cls < 0 || (size_t)cls >= fa->nclasses) {
        fa->cap.unclassified_pkts++;
        fa->cap.unclassified_bytes += bytes;
        return;
    }
    dir = dir == PKT_UP ? PKT_UP : PKT_DOWN;
    c = &fa->cls[cls];
    if (c->stamp != fa->cur_sec + 1) {
        /* a new second for this class (or its first packet this minute,
         * stamp 0 and secbytes 0): the run that ended may be the busiest */
        struct fa_peak *p = &fa->peak[cls];

        if (c->secbytes[0] > p->v[0])
            p->v[0] = c->secbytes[0];
        if (c->secbytes[1] > p->v[1])
            p->v[1] = c->secbytes[1];
        c->secbytes[0] = c->secbytes[1] = 0;
        c->stamp = fa->cur_sec + 1;
    }
    c->bytes[dir] += bytes;
    c->pkts[dir]++;
    c->secbytes[dir] += bytes;
    if (dev == NULL || devlen == 0)
        return;
    key = dev_key(cls, dev, devlen);
    if (fa->last_valid && key == fa->last_key)
        return; /* same device as the previous packet: already counted */
    fa->last_key = key;
    fa->last_valid = true;
    /* the slot written PEND packets ago is settled, then reused */
    t = fa->pend_head;
    pend_settle(fa, t);
    __builtin_prefetch(&fa->dev[(size_t)key & fa->devmask], 1);
    fa->pend[t].key = key;
    fa->pend[t].cls = cls;
    fa->pend_head = (t + 1) & (FA_PEND - 1);
}

void
flowagg_advance(struct flowagg *fa, int64_t now_sec)
{
    if (fa->open && flowagg_minute(now_sec) > fa->minute) {
        emit(fa);
        reset(fa);
        fa->open = false;
    }
}

void
flowagg_finish(struct flowagg *fa)
{
    if (!fa->open)
        return;
    emit(fa);
    reset(fa);
    fa->open = false;
}

void
flowagg_stats(const struct flowagg *fa, struct flowagg_stats *st)
{
    /* dev_saturated may still grow by the pending inserts (< FA_PEND);
     * they are settled when the minute is emitted. */
    *st = fa->st;
}

size_t
flowagg_footprint(const struct flowagg *fa)
{
    return sizeof(*fa) +
           fa->nclasses * (sizeof(*fa->cls) + sizeof(*fa->peak) +
                           sizeof(*fa->rows) +
                           sizeof(*fa->names)) +
           (fa->devmask + 1) * sizeof(*fa->dev);
}
