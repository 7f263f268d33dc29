/* pkt: frame parsing and direction/class decision. See pkt.h for what is
 * counted and why. Every read is checked against caplen first; nothing here
 * allocates or logs, since it runs once per packet. */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <string.h>
#include <sys/socket.h>

#include "classmap.h"
#include "pkt.h"

#define ET_IP4 0x0800
#define ET_IP6 0x86dd
#define ET_VLAN 0x8100
#define ET_QINQ 0x88a8
#define ET_QINQ_OLD 0x9100
#define ET_PPPOE_SESS 0x8864
#define PPP_IP4 0x0021
#define PPP_IP6 0x0057

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static inline uint16_t
be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline __attribute__((always_inline)) int
parse_ip4(const uint8_t *p, uint32_t len, struct pkt_info *pi)
{
    unsigned ihl;
    uint16_t tot;

    if (len < 20 || (p[0] >> 4) != 4)
        return PKT_MALFORMED;
    ihl = (p[0] & 0x0fu) * 4;
    tot = be16(p + 2);
    if (ihl < 20 || tot < ihl)
        return PKT_MALFORMED;
    pi->src = p + 12;
    pi->dst = p + 16;
    pi->iplen = tot;
    pi->kind = PKT_IP4;
    if ((pi->dst[0] & 0xf0) == 0xe0 ||
        (pi->dst[0] == 0xff && pi->dst[1] == 0xff && pi->dst[2] == 0xff &&
         pi->dst[3] == 0xff))
        pi->flags |= PKT_F_IPGROUP;
    return PKT_IP4;
}

static int
parse_ip6(const uint8_t *p, uint32_t len, struct pkt_info *pi)
{
    if (len < 40 || (p[0] >> 4) != 6)
        return PKT_MALFORMED;
    pi->src = p + 8;
    pi->dst = p + 24;
    pi->iplen = (uint32_t)be16(p + 4) + 40;
    pi->kind = PKT_IP6;
    if (pi->dst[0] == 0xff)
        pi->flags |= PKT_F_IPGROUP;
    return PKT_IP6;
}

static int
parse_ethertype(uint16_t et, const uint8_t *p, uint32_t len,
                struct pkt_info *pi)
{
    if (et == ET_IP4)
        return parse_ip4(p, len, pi);
    if (et == ET_IP6)
        return parse_ip6(p, len, pi);
    return PKT_OTHER;
}

static int
parse_ether(const uint8_t *p, uint32_t caplen, struct pkt_info *pi)
{
    uint32_t off = 14;
    uint16_t et;
    int ntags = 0;

    if (caplen < 14)
        return PKT_MALFORMED;
    pi->dmac = p;
    pi->smac = p + 6;
    pi->flags |= PKT_F_MACS;
    if (p[0] & 1)
        pi->flags |= PKT_F_L2GROUP;
    et = be16(p + 12);
    if (et == ET_IP4) /* the usual frame */
        return parse_ip4(p + 14, caplen - 14, pi);
    while (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD) {
        if (ntags++ == PKT_MAX_TAGS || caplen < off + 4)
            return PKT_MALFORMED;
        pi->vlan = be16(p + off) & 0x0fff;
        pi->flags |= PKT_F_VLAN;
        et = be16(p + off + 2);
        off += 4;
    }
    if (et == ET_PPPOE_SESS) {
        uint16_t proto;

        if (caplen < off + 8)
            return PKT_MALFORMED;
        proto = be16(p + off + 6);
        off += 8;
        if (proto == PPP_IP4)
            return parse_ip4(p + off, caplen - off, pi);
        if (proto == PPP_IP6)
            return parse_ip6(p + off, caplen - off, pi);
        return PKT_OTHER;
    }
    return parse_ethertype(et, p + off, caplen - off, pi);
}

/* Linux cooked v1: pkttype(2) hatype(2) halen(2) addr(8) protocol(2). */
static int
parse_sll(const uint8_t *p, uint32_t caplen, struct pkt_info *pi)
{
    uint16_t pkttype;

    if (caplen < 16)
        return PKT_MALFORMED;
    pkttype = be16(p);
    if (pkttype == 1 || pkttype == 2)
        pi->flags |= PKT_F_L2GROUP;
    return parse_ethertype(be16(p + 14), p + 16, caplen - 16, pi);
}

/* Linux cooked v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1)
 * halen(1) addr(8). */
static int
parse_sll2(const uint8_t *p, uint32_t caplen, struct pkt_info *pi)
{
    if (caplen < 20)
        return PKT_MALFORMED;
    if (p[10] == 1 || p[10] == 2)
        pi->flags |= PKT_F_L2GROUP;
    return parse_ethertype(be16(p), p + 20, caplen - 20, pi);
}

static int
parse_raw(const uint8_t *p, uint32_t caplen, struct pkt_info *pi)
{
    if (caplen < 1)
        return PKT_MALFORMED;
    if ((p[0] >> 4) == 4)
        return parse_ip4(p, caplen, pi);
    if ((p[0] >> 4) == 6)
        return parse_ip6(p, caplen, pi);
    return PKT_MALFORMED;
}

int
pkt_dlt_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return 1;
    default:
        return 0;
    }
}

int
pkt_parse(int dlt, const uint8_t *p, uint32_t caplen, struct pkt_info *pi)
{
    pi->flags = 0;
    pi->vlan = 0;
    pi->kind = 0;
    switch (dlt) {
    case DLT_EN10MB:
        return parse_ether(p, caplen, pi);
    case DLT_LINUX_SLL:
        return parse_sll(p, caplen, pi);
    case DLT_LINUX_SLL2:
        return parse_sll2(p, caplen, pi);
    case DLT_RAW:
        return parse_raw(p, caplen, pi);
    case DLT_IPV4:
        return caplen > 0 ? parse_ip4(p, caplen, pi) : PKT_MALFORMED;
    case DLT_IPV6:
        return caplen > 0 ? parse_ip6(p, caplen, pi) : PKT_MALFORMED;
    default:
        return PKT_OTHER;
    }
}

int
pkt_classify(const struct classmap *cm, const struct pkt_info *pi,
             struct pkt_verdict *v)
{
    int sc, dc, local;
    const uint8_t *laddr;

    if (pi->flags & (PKT_F_L2GROUP | PKT_F_IPGROUP))
        return v->dir = PKT_GROUP;
    if (pi->kind == PKT_IP4) {
        uint32_t s4, d4;

        memcpy(&s4, pi->src, 4);
        memcpy(&d4, pi->dst, 4);
        classmap_lookup4_pair(cm, ntohl(s4), ntohl(d4), &sc, &dc);
    } else {
        sc = classmap_lookup6(cm, pi->src);
        dc = classmap_lookup6(cm, pi->dst);
    }
    if (sc != CLASSMAP_NOMATCH && dc != CLASSMAP_NOMATCH)
        return v->dir = PKT_INTERNAL;
    if (sc == CLASSMAP_NOMATCH && dc == CLASSMAP_NOMATCH)
        return v->dir = PKT_FOREIGN;
    if (sc != CLASSMAP_NOMATCH) {
        v->dir = PKT_UP;
        local = sc;
        laddr = pi->src;
        v->dev = (pi->flags & PKT_F_MACS) ? pi->smac : NULL;
    } else {
        v->dir = PKT_DOWN;
        local = dc;
        laddr = pi->dst;
        v->dev = (pi->flags & PKT_F_MACS) ? pi->dmac : NULL;
    }
    if (v->dev != NULL) {
        v->devlen = 6;
    } else {
        v->dev = laddr;
        v->devlen = pi->kind == PKT_IP4 ? 4 : 16;
    }
    v->cls = local;
    if ((pi->flags & PKT_F_VLAN) && classmap_nvlans(cm) > 0) {
        int vc = classmap_lookup_vlan(cm, pi->vlan);

        if (vc >= 0)
            v->cls = vc;
    }
    return v->dir;
}
