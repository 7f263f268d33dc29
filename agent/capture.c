/* capture: libpcap -> pkt -> flowagg. See capture.h. The per-packet
 * callback is the whole hot path: one parse, at most two class lookups and
 * one counter update, no allocation, no logging (problems are counted in
 * struct capture_stats and reported by the caller once per minute). */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "classmap.h"
#include "flowagg.h"
#include "log.h"
#include "pkt.h"

struct capture {
    pcap_t *p;
    int dlt;
    int live;
    int eof;
    struct classmap *cm;
    struct flowagg *fa;
    struct capture_stats st;
    size_t max_devices;
    char source[WIRE_MAX_STR + 1];
    char ifname[64];
    capture_minute_cb cb;
    void *arg;
    /* live: last readings, for per-minute deltas */
    int have_ps;
    struct pcap_stat ps;
    int have_if;
    uint64_t if_pkts, if_bytes;
    struct flowagg_stats fa_base; /* of flowaggs replaced by a new map */
};

static int
read_if_counter(const char *ifname, const char *name, uint64_t *v)
{
    char path[256];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname,
             name);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    ok = fscanf(f, "%" SCNu64, v) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

static int
read_if(const char *ifname, uint64_t *pkts, uint64_t *bytes)
{
    uint64_t rp, tp, rb, tb;

    if (read_if_counter(ifname, "rx_packets", &rp) != 0 ||
        read_if_counter(ifname, "tx_packets", &tp) != 0 ||
        read_if_counter(ifname, "rx_bytes", &rb) != 0 ||
        read_if_counter(ifname, "tx_bytes", &tb) != 0)
        return -1;
    *pkts = rp + tp;
    *bytes = rb + tb;
    return 0;
}

/* Once per minute (not per packet): completes the capture row with the
 * kernel's counters for a live capture, then hands the minute on. */
static void
on_minute(void *arg, const struct wire_class_min *rows, size_t nrows,
          const struct wire_capture_min *cap)
{
    struct capture *c = arg;
    struct wire_capture_min row = *cap;

    if (c->live) {
        struct pcap_stat ps;
        uint64_t ip, ib;

        if (pcap_stats(c->p, &ps) == 0) {
            if (c->have_ps) {
                /* u_int counters wrap at 2^32: unsigned subtraction copes */
                row.pcap_recv = (uint32_t)(ps.ps_recv - c->ps.ps_recv);
                row.pcap_drop = (uint32_t)(ps.ps_drop - c->ps.ps_drop);
                row.pcap_ifdrop = (uint32_t)(ps.ps_ifdrop - c->ps.ps_ifdrop);
            }
            c->ps = ps;
            c->have_ps = 1;
        }
        if (read_if(c->ifname, &ip, &ib) == 0) {
            /* /sys counters are 64-bit: going backwards means the interface
             * was reset (driver reload, reboot of a bridge member), not a
             * wrap; that minute's delta is unknown, never a spike */
            if (c->have_if && ip >= c->if_pkts && ib >= c->if_bytes) {
                row.if_pkts = ip - c->if_pkts;
                row.if_bytes = ib - c->if_bytes;
            }
            c->if_pkts = ip;
            c->if_bytes = ib;
            c->have_if = 1;
        }
    }
    if (c->cb != NULL)
        c->cb(c->arg, rows, nrows, &row);
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct capture *c = (struct capture *)user;
    struct pkt_info pi;
    struct pkt_verdict v;
    int k;

    c->st.pkts++;
    flowagg_packet(c->fa, (int64_t)h->ts.tv_sec);
    k = pkt_parse(c->dlt, bytes, h->caplen, &pi);
    if (k == PKT_MALFORMED) {
        c->st.malformed++;
        return;
    }
    if (k == PKT_OTHER) {
        c->st.other++;
        return;
    }
    c->st.ip++;
    switch (pkt_classify(c->cm, &pi, &v)) {
    case PKT_UP:
    case PKT_DOWN:
        if (v.dir == PKT_UP)
            c->st.up++;
        else
            c->st.down++;
        if (v.cls < 0)
            c->st.unclassified++;
        flowagg_egress(c->fa, v.cls, v.dir, pi.iplen, v.dev, v.devlen);
        break;
    case PKT_GROUP:
        c->st.group++;
        break;
    case PKT_INTERNAL:
        c->st.internal++;
        break;
    default:
        c->st.foreign++;
        break;
    }
}

static int
setup(struct capture *c, const char *what, const char *filter)
{
    c->dlt = pcap_datalink(c->p);
    if (!pkt_dlt_supported(c->dlt)) {
        const char *n = pcap_datalink_val_to_name(c->dlt);

        log_warnx("capture: %s: link type %s (%d) is not supported "
                  "(Ethernet, Linux cooked, raw IP are)",
                  what, n != NULL ? n : "unknown", c->dlt);
        return -EPROTONOSUPPORT;
    }
    if (filter != NULL && filter[0] != '\0') {
        struct bpf_program prog;

        if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            log_warnx("capture: %s: filter \"%s\": %s", what, filter,
                      pcap_geterr(c->p));
            return -EINVAL;
        }
        if (pcap_setfilter(c->p, &prog) != 0) {
            log_warnx("capture: %s: setfilter: %s", what, pcap_geterr(c->p));
            pcap_freecode(&prog);
            return -EINVAL;
        }
        pcap_freecode(&prog);
    }
    c->fa = flowagg_new(c->cm, c->max_devices, c->source, on_minute, c);
    if (c->fa == NULL) {
        log_warnx("capture: %s: out of memory for %zu classes, %zu devices",
                  what, classmap_nclasses(c->cm), c->max_devices);
        return -ENOMEM;
    }
    return 0;
}

static struct capture *
capture_alloc(struct classmap *cm, const struct capture_opts *o,
              const char *defsource, capture_minute_cb cb, void *arg)
{
    struct capture *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->cm = cm;
    c->cb = cb;
    c->arg = arg;
    c->max_devices = o != NULL ? o->max_devices : 0;
    snprintf(c->source, sizeof(c->source), "%s",
             o != NULL && o->source != NULL ? o->source : defsource);
    return c;
}

int
capture_open_offline(const char *path, struct classmap *cm,
                     const struct capture_opts *o, capture_minute_cb cb,
                     void *arg, struct capture **out)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct capture *c;
    FILE *fp;
    int rc;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        rc = -errno;
        log_warn("capture: %s", path);
        return rc;
    }
    c = capture_alloc(cm, o, "replay", cb, arg);
    if (c == NULL) {
        fclose(fp);
        log_warnx("capture: %s: out of memory", path);
        return -ENOMEM;
    }
    errbuf[0] = '\0';
    c->p = pcap_fopen_offline(fp, errbuf);
    if (c->p == NULL) {
        fclose(fp);
        log_warnx("capture: %s: not a readable capture file: %s", path,
                  errbuf);
        free(c);
        return -EINVAL;
    }
    rc = setup(c, path, o != NULL ? o->filter : NULL);
    if (rc != 0) {
        capture_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int
capture_open_live(const char *ifname, struct classmap *cm,
                  const struct capture_opts *o, capture_minute_cb cb,
                  void *arg, struct capture **out)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct capture *c;
    int rc, snap, buf;

    c = capture_alloc(cm, o, ifname, cb, arg);
    if (c == NULL)
        return -ENOMEM;
    c->live = 1;
    snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
    errbuf[0] = '\0';
    c->p = pcap_create(ifname, errbuf);
    if (c->p == NULL) {
        log_warnx("capture: %s: %s", ifname, errbuf);
        free(c);
        return -ENODEV;
    }
    snap = o != NULL && o->snaplen > 0 ? o->snaplen : 256;
    buf = o != NULL && o->buffer_kib > 0 ? o->buffer_kib : 2048;
    pcap_set_snaplen(c->p, snap);
    pcap_set_promisc(c->p, o != NULL && o->promisc);
    pcap_set_timeout(c->p, 250);
    pcap_set_buffer_size(c->p, buf * 1024);
    rc = pcap_activate(c->p);
    if (rc < 0) {
        log_warnx("capture: %s: %s", ifname, pcap_geterr(c->p));
        rc = rc == PCAP_ERROR_PERM_DENIED     ? -EPERM
             : rc == PCAP_ERROR_NO_SUCH_DEVICE ? -ENODEV
                                               : -EIO;
        capture_free(c);
        return rc;
    }
    if (rc > 0)
        log_warnx("capture: %s: %s", ifname, pcap_geterr(c->p));
    if (pcap_setnonblock(c->p, 1, errbuf) != 0) {
        log_warnx("capture: %s: nonblock: %s", ifname, errbuf);
        capture_free(c);
        return -EIO;
    }
    rc = setup(c, ifname, o != NULL ? o->filter : NULL);
    if (rc != 0) {
        capture_free(c);
        return rc;
    }
    /* First readings, so the first minute gets deltas. */
    if (pcap_stats(c->p, &c->ps) == 0)
        c->have_ps = 1;
    if (read_if(c->ifname, &c->if_pkts, &c->if_bytes) == 0)
        c->have_if = 1;
    *out = c;
    return 0;
}

int
capture_run(struct capture *c, int max_packets)
{
    int n;

    if (c->eof)
        return 0;
    n = pcap_dispatch(c->p, max_packets > 0 ? max_packets : -1, on_packet,
                      (u_char *)c);
    if (n == PCAP_ERROR) {
        log_warnx("capture: %s: read: %s", c->source, pcap_geterr(c->p));
        return -EIO;
    }
    if (n == PCAP_ERROR_BREAK)
        n = 0;
    if (n == 0 && !c->live) {
        flowagg_finish(c->fa);
        c->eof = 1;
    }
    return n;
}

int
capture_fd(const struct capture *c)
{
    return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

void
capture_tick(struct capture *c, int64_t now_sec)
{
    flowagg_advance(c->fa, now_sec);
}

void
capture_flush(struct capture *c)
{
    flowagg_finish(c->fa);
}

int
capture_set_classmap(struct capture *c, struct classmap *cm)
{
    struct flowagg *fa;
    struct flowagg_stats old;

    fa = flowagg_new(cm, c->max_devices, c->source, on_minute, c);
    if (fa == NULL)
        return -ENOMEM;
    flowagg_finish(c->fa);
    flowagg_stats(c->fa, &old);
    c->fa_base.late_pkts += old.late_pkts;
    c->fa_base.dev_saturated += old.dev_saturated;
    flowagg_free(c->fa);
    c->fa = fa;
    c->cm = cm;
    return 0;
}

void
capture_stats(const struct capture *c, struct capture_stats *st)
{
    struct flowagg_stats fs;

    *st = c->st;
    st->late = c->fa_base.late_pkts;
    st->dev_saturated = c->fa_base.dev_saturated;
    if (c->fa != NULL) {
        flowagg_stats(c->fa, &fs);
        st->late += fs.late_pkts;
        st->dev_saturated += fs.dev_saturated;
    }
}

int
capture_datalink(const struct capture *c)
{
    return c->dlt;
}

void
capture_free(struct capture *c)
{
    if (c == NULL)
        return;
    if (c->p != NULL)
        pcap_close(c->p);
    flowagg_free(c->fa);
    free(c);
}
