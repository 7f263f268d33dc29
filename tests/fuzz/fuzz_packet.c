/* fuzz_packet: libFuzzer harness for the capture path of the agent, as
 * agent/capture.c drives it: pkt_parse on a frame of some link type, then
 * pkt_classify against a small class map, then flowagg counting. The input
 * is a burst of packets, each
 *     u8 link type selector | u32 ts low | u8 ts high | u16 caplen | frame
 * (a last, short frame takes what is left), so minutes open and close and
 * timestamps go backwards as a live capture can.
 *
 * Besides "no crash, no leak, no UB" (frames are copied into exact-size
 * heap buffers so ASan sees any read past caplen), the harness checks what
 * the callers rely on: pointers inside the frame, lengths as documented,
 * and that flowagg's minute rows add up to the bytes and packets fed in. */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classmap.h"
#include "flowagg.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct classmap *cm;

static const int dlts[] = {
    DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6,
};

struct sums {
    uint64_t pkts, egress_bytes, unclassified_bytes, class_bytes;
    uint64_t class_pkts;
};
static struct sums fed, emitted;

#define CHECK(c)                                                        \
    do {                                                                \
        if (!(c)) {                                                     \
            fprintf(stderr, "fuzz_packet: %s:%d: check failed: %s\n",   \
                    __FILE__, __LINE__, #c);                            \
            abort();                                                    \
        }                                                               \
    } while (0)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const rules[][2] = {
        {"一年级1班", "10.1.1.0/24"},   {"一年级2班", "10.1.2.0/25"},
        {"staff", "10.1.0.0/16"},       {"staff", "vlan:200"},
        {"lab", "2001:db8::/48"},       {"guest", "vlan:30"},
        {"guest", "192.168.100.0/24"},  {"lab", "fd00:1::/64"},
    };
    size_t i;

    if ((cm = classmap_new()) == NULL)
        abort();
    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (classmap_add(cm, rules[i][0], rules[i][1], NULL) != 0)
            abort();
    if (classmap_add_local(cm, "10.0.0.0/8") != 0 ||
        classmap_add_local(cm, "192.168.0.0/16") != 0 ||
        classmap_add_local(cm, "fc00::/7") != 0)
        abort();
    return 0;
}

static void
on_minute(void *arg, const struct wire_class_min *rows, size_t nrows,
          const struct wire_capture_min *cap)
{
    uint64_t bytes = 0;
    size_t i;

    CHECK(cap->minute % 60 == 0);
    CHECK(nrows <= classmap_nclasses(cm));
    for (i = 0; i < nrows; i++) {
        CHECK(rows[i].minute == cap->minute);
        CHECK(classmap_class_id(cm, rows[i].class_id) >= 0);
        CHECK(rows[i].devices <= rows[i].pkts_up + rows[i].pkts_down);
        /* a busiest second cannot carry more than the whole minute */
        CHECK(rows[i].peak_up_bps <= rows[i].bytes_up * 8);
        CHECK(rows[i].peak_down_bps <= rows[i].bytes_down * 8);
        bytes += rows[i].bytes_up + rows[i].bytes_down;
        emitted.class_pkts += rows[i].pkts_up + rows[i].pkts_down;
    }
    CHECK(bytes + cap->unclassified_bytes == cap->egress_bytes);
    emitted.pkts += cap->pkts_seen;
    emitted.egress_bytes += cap->egress_bytes;
    emitted.unclassified_bytes += cap->unclassified_bytes;
    emitted.class_bytes += bytes;
}

static void
one(struct flowagg *fa, int dlt, int64_t sec, const uint8_t *fr,
    uint32_t caplen)
{
    struct pkt_info pi;
    struct pkt_verdict v;
    const uint8_t *end = fr + caplen;
    int k, dir;

    fed.pkts++;
    flowagg_packet(fa, sec);
    memset(&pi, 0, sizeof(pi));
    k = pkt_parse(dlt, fr, caplen, &pi);
    CHECK(k == PKT_MALFORMED || k == PKT_OTHER || k == PKT_IP4 ||
          k == PKT_IP6);
    if (!pkt_dlt_supported(dlt))
        CHECK(k == PKT_OTHER);
    if (k != PKT_IP4 && k != PKT_IP6)
        return;
    {
        unsigned alen = k == PKT_IP4 ? 4 : 16;

        CHECK(pi.kind == k);
        CHECK(pi.src >= fr && pi.src + alen <= end);
        CHECK(pi.dst >= fr && pi.dst + alen <= end);
        if (pi.flags & PKT_F_MACS) {
            CHECK(pi.smac >= fr && pi.smac + 6 <= end);
            CHECK(pi.dmac >= fr && pi.dmac + 6 <= end);
        }
        if (pi.flags & PKT_F_VLAN)
            CHECK(pi.vlan <= 4095);
        CHECK(k == PKT_IP4 ? pi.iplen >= 20 && pi.iplen <= 65535
                           : pi.iplen >= 40 && pi.iplen <= 65535 + 40);
    }
    memset(&v, 0, sizeof(v));
    dir = pkt_classify(cm, &pi, &v);
    CHECK(dir == v.dir);
    CHECK(dir >= PKT_UP && dir <= PKT_GROUP);
    if (dir != PKT_UP && dir != PKT_DOWN)
        return;
    CHECK(v.cls == CLASSMAP_LOCAL ||
          (v.cls >= 0 && (size_t)v.cls < classmap_nclasses(cm)));
    CHECK(v.devlen == 4 || v.devlen == 6 || v.devlen == 16);
    CHECK(v.dev >= fr && v.dev + v.devlen <= end);
    fed.egress_bytes += pi.iplen;
    if (v.cls < 0)
        fed.unclassified_bytes += pi.iplen;
    else
        fed.class_bytes += pi.iplen;
    flowagg_egress(fa, v.cls, v.dir, pi.iplen, v.dev, v.devlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct flowagg *fa;
    struct flowagg_stats st;
    size_t off = 0;

    memset(&fed, 0, sizeof(fed));
    memset(&emitted, 0, sizeof(emitted));
    /* 64 devices: small enough that the table saturates */
    fa = flowagg_new(cm, 64, "fuzz", on_minute, NULL);
    if (fa == NULL)
        abort();
    while (size - off >= 8) {
        uint8_t sel = data[off];
        int64_t sec = (int64_t)((uint64_t)data[off + 5] << 32 |
                                (uint64_t)data[off + 1] << 24 |
                                (uint64_t)data[off + 2] << 16 |
                                (uint64_t)data[off + 3] << 8 |
                                data[off + 4]);
        size_t len = (size_t)data[off + 6] << 8 | data[off + 7];
        uint8_t *fr;
        int dlt;

        off += 8;
        if (len > size - off)
            len = size - off;
        dlt = sel < sizeof(dlts) / sizeof(dlts[0]) ? dlts[sel] : sel;
        /* an exact-size copy: ASan flags any read past caplen */
        if ((fr = malloc(len ? len : 1)) == NULL)
            abort();
        memcpy(fr, data + off, len);
        one(fa, dlt, sec, fr, (uint32_t)len);
        free(fr);
        off += len;
        if (data[off - 1 < size ? off - 1 : 0] == 0xa5)
            flowagg_advance(fa, sec + 61);
    }
    flowagg_finish(fa);
    flowagg_stats(fa, &st);
    CHECK(st.pkts == fed.pkts);
    CHECK(emitted.pkts == fed.pkts);
    CHECK(emitted.egress_bytes == fed.egress_bytes);
    CHECK(emitted.unclassified_bytes == fed.unclassified_bytes);
    CHECK(emitted.class_bytes == fed.class_bytes);
    flowagg_free(fa);
    return 0;
}
