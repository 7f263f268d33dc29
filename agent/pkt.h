/* pkt: one captured frame -> what the class counters need: IP addresses,
 * the IP length from the header, the innermost VLAN id, link-layer group
 * (broadcast/multicast) bit, MACs; then, with a class map, the direction
 * (up, down, internal, foreign) and the class. Pure and allocation-free:
 * pointers in struct pkt_info point into the caller's frame.
 *
 * Framings: Ethernet (DLT_EN10MB) with any stack of up to 4 VLAN tags
 * (0x8100, 0x88a8, 0x9100; the innermost id is the one used, which with
 * QinQ is the customer tag) and PPPoE sessions; Linux cooked v1 and v2
 * (DLT_LINUX_SLL, DLT_LINUX_SLL2); raw IP (DLT_RAW, DLT_IPV4, DLT_IPV6).
 *
 * What counts: only the OUTER IP header. A GRE, CAPWAP, IPIP or 6in4 tunnel
 * counts as the tunnel endpoints' traffic with the outer length, which is
 * what crosses the WAN link; the inner packet is not looked at. An IP
 * fragment counts as its own packet and length. IPv6 extension headers are
 * not walked: addresses and payload length are in the fixed header.
 *
 * Bytes are the header's IP length (IPv4 total length; IPv6 payload length
 * + 40), whatever the snap length: a frame cut short after the addresses
 * still counts its full length. A frame too short to hold the addresses, or
 * with a bad IPv4 version/IHL/total length or IPv6 version, is malformed. */
#ifndef PKT_H
#define PKT_H

#include <stddef.h>
#include <stdint.h>

struct classmap;

#define PKT_MAX_TAGS 4

enum pkt_kind {
    PKT_MALFORMED = -1, /* IP (or a tag) whose header cannot be trusted */
    PKT_OTHER = 0,      /* not IP: ARP, LLDP, STP, ... */
    PKT_IP4 = 4,
    PKT_IP6 = 6,
};

#define PKT_F_L2GROUP 0x01 /* link-layer destination broadcast/multicast */
#define PKT_F_IPGROUP 0x02 /* IP destination multicast or 255.255.255.255 */
#define PKT_F_MACS 0x04    /* smac and dmac are valid (Ethernet) */
#define PKT_F_VLAN 0x08    /* vlan is valid */

struct pkt_info {
    const uint8_t *src, *dst;   /* 4 or 16 bytes, network order */
    const uint8_t *smac, *dmac; /* 6 bytes each, when PKT_F_MACS */
    uint32_t iplen;             /* bytes from the IP header */
    uint16_t vlan;              /* innermost tag's VLAN id */
    uint8_t flags;
    uint8_t kind;               /* PKT_IP4 or PKT_IP6 when parsed */
};

/* Parses a frame of link type dlt (pcap DLT_* value) with caplen bytes
 * captured. Returns PKT_IP4/PKT_IP6 (pi filled), PKT_OTHER, or
 * PKT_MALFORMED. An unknown dlt gives PKT_OTHER. */
int pkt_parse(int dlt, const uint8_t *p, uint32_t caplen,
              struct pkt_info *pi);

/* True if pkt_parse handles this link type. */
int pkt_dlt_supported(int dlt);

enum pkt_dir {
    PKT_UP = 0,       /* local -> non-local: egress, counted */
    PKT_DOWN = 1,     /* non-local -> local: egress, counted */
    PKT_INTERNAL = 2, /* local <-> local: not egress */
    PKT_FOREIGN = 3,  /* neither side local: not egress */
    PKT_GROUP = 4,    /* broadcast or multicast: never egress */
};

struct pkt_verdict {
    int dir;              /* enum pkt_dir */
    int cls;              /* class id, or CLASSMAP_LOCAL (unclassified) */
    const uint8_t *dev;   /* device identity: local MAC, else local IP */
    unsigned devlen;      /* 6, 4 or 16 */
};

/* Decides direction and class of a parsed IP packet. The class is the VLAN
 * rule's when the frame carries a mapped VLAN, else the longest-prefix
 * class of the local address (CLASSMAP_LOCAL if none). cls and dev are set
 * only for PKT_UP / PKT_DOWN. Returns v->dir. */
int pkt_classify(const struct classmap *cm, const struct pkt_info *pi,
                 struct pkt_verdict *v);

#endif /* PKT_H */
