/* flowagg: per class per minute counters. See flowagg.h for the minute and
 * device rules. Per class, bytes of each second of the open minute are kept
 * (60 buckets each way) so that the busiest whole second is exact even for
 * packets that arrive slightly out of order within the minute; at 500
 * classes that is under 0.5 MiB, allocated once. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classmap.h"
#include "flowagg.h"
#include "pkt.h"

struct fa_class {
    uint64_t bytes[2], pkts[2];
    uint64_t sec_bytes[2][60];
    uint32_t devices;
    bool touched;
};

struct fa_dev {
    uint64_t key;
    uint32_t gen;
};

struct flowagg {
    size_t nclasses;
    struct fa_class *cls;
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
    fa->cls = calloc(fa->nclasses ? fa->nclasses : 1, sizeof(*fa->cls));
    fa->rows = calloc(fa->nclasses ? fa->nclasses : 1, sizeof(*fa->rows));
    fa->names = calloc(fa->nclasses ? fa->nclasses : 1, sizeof(*fa->names));
    for (cap = 1024; cap < max_devices * 2; cap *= 2)
        ;
    fa->dev = calloc(cap, sizeof(*fa->dev));
    if (fa->cls == NULL || fa->rows == NULL || fa->names == NULL ||
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
    free(fa->rows);
    free(fa->names);
    free(fa->dev);
    free(fa);
}

static uint64_t
peak_bps(const uint64_t *b)
{
    uint64_t m = 0;
    int i;

    for (i = 0; i < 60; i++)
        if (b[i] > m)
            m = b[i];
    return m * 8;
}

static void
emit(struct flowagg *fa)
{
    size_t i, n = 0;

    for (i = 0; i < fa->nclasses; i++) {
        struct fa_class *c = &fa->cls[i];
        struct wire_class_min *r;

        if (!c->touched)
            continue;
        r = &fa->rows[n++];
        memcpy(r->class_id, fa->names[i], sizeof(r->class_id));
        r->minute = fa->minute;
        r->bytes_up = c->bytes[PKT_UP];
        r->bytes_down = c->bytes[PKT_DOWN];
        r->pkts_up = c->pkts[PKT_UP];
        r->pkts_down = c->pkts[PKT_DOWN];
        r->peak_up_bps = peak_bps(c->sec_bytes[PKT_UP]);
        r->peak_down_bps = peak_bps(c->sec_bytes[PKT_DOWN]);
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
        if (fa->cls[i].touched)
            memset(&fa->cls[i], 0, sizeof(fa->cls[i]));
    cap_reset(fa);
    fa->gen++;
    fa->devused = 0;
    fa->last_valid = false;
}

void
flowagg_packet(struct flowagg *fa, int64_t sec)
{
    int64_t m = flowagg_minute(sec);

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

static inline uint64_t
dev_key(int cls, const uint8_t *dev, unsigned len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)(uint32_t)cls;
    unsigned i;

    for (i = 0; i < len; i++)
        h = (h ^ dev[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Returns true if (cls, dev) is new this minute and was added. */
static bool
dev_insert(struct flowagg *fa, uint64_t key)
{
    size_t h = (size_t)key & fa->devmask;

    for (;;) {
        struct fa_dev *d = &fa->dev[h];

        if (d->gen != fa->gen) {
            if (fa->devused >= fa->devmax) {
                fa->st.dev_saturated++;
                return false;
            }
            d->gen = fa->gen;
            d->key = key;
            fa->devused++;
            return true;
        }
        if (d->key == key)
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
    c->touched = true;
    c->bytes[dir] += bytes;
    c->pkts[dir]++;
    c->sec_bytes[dir][fa->cur_sec] += bytes;
    if (dev == NULL || devlen == 0)
        return;
    key = dev_key(cls, dev, devlen);
    if (fa->last_valid && key == fa->last_key)
        return; /* same device as the previous packet: already counted */
    if (dev_insert(fa, key))
        c->devices++;
    fa->last_key = key;
    fa->last_valid = true;
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
    *st = fa->st;
}

size_t
flowagg_footprint(const struct flowagg *fa)
{
    return sizeof(*fa) +
           fa->nclasses *
               (sizeof(*fa->cls) + sizeof(*fa->rows) + sizeof(*fa->names)) +
           (fa->devmask + 1) * sizeof(*fa->dev);
}
