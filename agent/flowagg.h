/* flowagg: per class, per minute traffic counters for the capture path:
 * bytes and packets up and down, the busiest whole second each way, and
 * distinct active devices; plus the per-minute capture completeness row.
 * Everything is allocated by flowagg_new, sized from the class count and
 * max_devices; the per-packet calls never allocate, log or fail.
 *
 * Minutes come from the packets' own timestamps (UTC, floored to 60 s).
 * The first packet opens a minute; a packet in a later minute closes it:
 * the callback receives one struct wire_class_min per class that had egress
 * in it (in class id order) and one struct wire_capture_min, then the new
 * minute opens. Minutes without packets are not emitted (flowagg_advance
 * closes an idle minute on a live capture). A packet stamped EARLIER than
 * the open minute (slightly out of order, e.g. from another CPU's ring) is
 * counted in the open minute, in the second of the latest packet seen, and
 * counted in stats.late_pkts.
 *
 * Devices: a preallocated open-addressing table of 64-bit hashes of
 * (class, device) with a per-minute generation, so a new minute costs no
 * clearing. At most max_devices distinct (class, device) pairs are counted
 * per minute; past that the counts are lower bounds and each refused pair
 * is counted in stats.dev_saturated. */
#ifndef FLOWAGG_H
#define FLOWAGG_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct classmap;
struct flowagg;

/* rows and cap are borrowed for the duration of the call. */
typedef void (*flowagg_emit_cb)(void *arg, const struct wire_class_min *rows,
                                size_t nrows,
                                const struct wire_capture_min *cap);

struct flowagg_stats {
    uint64_t pkts;          /* flowagg_packet calls */
    uint64_t late_pkts;     /* stamped before the open minute */
    uint64_t dev_saturated; /* device pairs refused: table full */
    uint64_t minutes;       /* minutes emitted */
};

#define FLOWAGG_DEFAULT_DEVICES 20000
#define FLOWAGG_MAX_DEVICES (1u << 24)

/* Class names are copied from cm (which may be freed after); the class ids
 * passed to flowagg_egress are cm's. source names the capture ("eth1",
 * "replay"); cb receives each closed minute. max_devices 0 means the
 * default. Returns NULL if out of memory or max_devices is too large. */
struct flowagg *flowagg_new(const struct classmap *cm, size_t max_devices,
                            const char *source, flowagg_emit_cb cb, void *arg);
void flowagg_free(struct flowagg *fa); /* accepts NULL; emits nothing */

/* Every captured frame, first: moves to the packet's minute (emitting the
 * previous one) and counts it as seen. */
void flowagg_packet(struct flowagg *fa, int64_t sec);
/* An egress packet of the frame just passed to flowagg_packet: cls is a
 * class id or CLASSMAP_LOCAL (unclassified: counted in the capture row
 * only), dir PKT_UP or PKT_DOWN, bytes its IP length, dev/devlen the device
 * identity (MAC or IP bytes). */
void flowagg_egress(struct flowagg *fa, int cls, int dir, uint32_t bytes,
                    const uint8_t *dev, unsigned devlen);
/* Emits the open minute if now_sec lies in a later minute (a live capture
 * with no packets for a while). */
void flowagg_advance(struct flowagg *fa, int64_t now_sec);
/* Emits the open minute, if any (end of file, shutdown). */
void flowagg_finish(struct flowagg *fa);

void flowagg_stats(const struct flowagg *fa, struct flowagg_stats *st);
/* Bytes held, for the memory budget check. */
size_t flowagg_footprint(const struct flowagg *fa);

static inline int64_t
flowagg_minute(int64_t sec)
{
    return (sec >= 0 ? sec / 60 : (sec - 59) / 60) * 60;
}

#endif /* FLOWAGG_H */
