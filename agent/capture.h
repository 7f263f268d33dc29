/* capture: libpcap, offline (a pcap/pcapng file, for replay and tests) or
 * live (an interface, non-blocking, with a selectable fd for uv_poll), feeds
 * every frame through pkt (parse, direction, class) into flowagg (per class
 * per minute counters) and hands each closed minute to the caller's
 * callback. Per packet nothing allocates or logs.
 *
 * The class map is borrowed: it must outlive the capture (or be swapped
 * with capture_set_classmap). Minutes follow the packet timestamps; see
 * flowagg.h for late packets and devices. For offline replay the capture
 * row's pcap_* and if_* counters are WIRE_UNKNOWN; for a live capture they
 * are the deltas of pcap_stats and of the interface's kernel counters
 * (/sys/class/net/IF/statistics, rx+tx) over the minute. */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct classmap;
struct capture;

typedef void (*capture_minute_cb)(void *arg, const struct wire_class_min *rows,
                                  size_t nrows,
                                  const struct wire_capture_min *cap);

struct capture_opts {
    size_t max_devices;  /* distinct (class, device) per minute; 0: 20000 */
    const char *source;  /* name in capture rows; NULL: "replay" or ifname */
    const char *filter;  /* BPF filter expression, NULL for none */
    int snaplen;         /* live: bytes per frame; 0: 256 (headers only) */
    int promisc;         /* live: 1 for a mirror port */
    int buffer_kib;      /* live: kernel ring; 0: 2048 */
};

struct capture_stats {
    uint64_t pkts;          /* frames read */
    uint64_t ip;            /* IPv4 or IPv6 parsed */
    uint64_t other;         /* not IP (ARP, LLDP, ...) */
    uint64_t malformed;     /* truncated or bad IP/tag headers */
    uint64_t group;         /* broadcast/multicast IP */
    uint64_t internal;      /* local <-> local */
    uint64_t foreign;       /* neither side local */
    uint64_t up, down;      /* egress packets (classified or not) */
    uint64_t unclassified;  /* egress packets with no class */
    uint64_t late;          /* stamped before the open minute */
    uint64_t dev_saturated; /* device pairs refused, table full */
};

/* Opens a capture file. Returns 0 and sets *out, or -errno after logging a
 * message that names the file (-ENOENT/-EACCES..., -EINVAL not a capture
 * file or bad filter, -EPROTONOSUPPORT link type not handled, -ENOMEM).
 * o may be NULL. */
int capture_open_offline(const char *path, struct classmap *cm,
                         const struct capture_opts *o, capture_minute_cb cb,
                         void *arg, struct capture **out);
/* Opens interface ifname for live capture, non-blocking. Needs root or
 * CAP_NET_RAW; drop privileges after. Same returns (-EPERM too). */
int capture_open_live(const char *ifname, struct classmap *cm,
                      const struct capture_opts *o, capture_minute_cb cb,
                      void *arg, struct capture **out);

/* Processes up to max_packets frames (all that are ready if <= 0).
 * Offline: returns >0 processed, 0 at end of file (after emitting the last
 * minute; later calls return 0 again). Live: returns >= 0 processed, 0 when
 * nothing was ready. -EIO on a read error (logged). */
int capture_run(struct capture *c, int max_packets);

/* Live: the fd to poll for readability, or -1 (offline, or no such fd). */
int capture_fd(const struct capture *c);
/* Live: emits the open minute once now_sec (wall clock) has left it; call
 * from a timer so that an idle link still reports. */
void capture_tick(struct capture *c, int64_t now_sec);
/* Emits the open minute now (shutdown). */
void capture_flush(struct capture *c);
/* Emits the open minute, then counts with cm from now on. Returns 0 or
 * -ENOMEM (the old map stays in use). */
int capture_set_classmap(struct capture *c, struct classmap *cm);

void capture_stats(const struct capture *c, struct capture_stats *st);
/* The pcap link type (DLT_*) of the capture. */
int capture_datalink(const struct capture *c);
void capture_free(struct capture *c); /* accepts NULL; emits nothing */

#endif /* CAPTURE_H */
