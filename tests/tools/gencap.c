/* gencap: writes a synthetic school capture, its class map and the totals
 * the agent must find in it. The expected numbers are computed here, from
 * what was generated, with no agent code, so they are an independent
 * oracle for capture/pkt/flowagg (tests/test_capture.c) and for the
 * end-to-end test and demo.
 *
 * The school (n classes, n >= 4):
 *   classes 0..n-4  "一年级1班"...: IPv4 10.(16+i/256).(i%256).0/24; even i
 *                   also IPv6 2001:db8:16:i::/64 (i in hex)
 *   class n-3 "机房"   on VLAN 120 (802.1Q); hosts 10.99.0.x
 *   class n-2 "录播室" on VLAN 320 inside QinQ (outer 0x88a8 id 3000);
 *                   hosts 10.98.0.x
 *   class n-1 "教师办公室" 10.0.0.0/8 (a catch-all: covers the VLAN hosts
 *                   too, so the VLAN rule must win over the prefix); hosts
 *                   10.200.0.x
 *   unclassified    192.168.77.x (local by default, in no class)
 * Remote hosts: 203.0.113.x, 198.51.100.x, 2001:db8:ffff::x.
 * Decoys that must not count: local<->local, L2 broadcast, IPv4 and IPv6
 * multicast, foreign (remote<->remote), malformed IPv4, ARP. Frames shorter
 * than 60 bytes are padded like real Ethernet (bytes must come from the IP
 * header, not the frame). A snap length that cuts a frame before its IP
 * addresses turns it into a malformed frame, and the expected totals say so.
 *
 * Usage: gencap -o out.pcap -c classes.csv -e expected.json [-s seed]
 *          [-n classes] [-m minutes] [-p packets_per_minute]
 *          [--snaplen N] [--start UNIX] [--hosts N]
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_CLASSES 1000
#define MAX_HOSTS 60

enum { UP = 0, DOWN = 1 };

struct opts {
    const char *out, *classes, *expected;
    uint64_t seed;
    int nclasses, minutes, ppm, snaplen, hosts;
    int64_t start;
};

struct cls {
    char name[64];
    int vlan;        /* 0 none */
    int qinq;        /* 1: outer 0x88a8/3000 + inner vlan */
    int v6;          /* has an IPv6 /64 */
    uint8_t net4[3]; /* hosts are net4.(10+h) */
    uint8_t net6[8];
};

struct minute_acc {
    uint64_t bytes[2], pkts[2];
    uint64_t sec[2][60];
    uint64_t devmask; /* bit h: host h active */
};

static uint64_t rng_state;

static uint64_t
rnd(void)
{
    uint64_t x = rng_state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static unsigned
rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void
usage(void)
{
    fprintf(stderr,
            "usage: gencap -o out.pcap -c classes.csv -e expected.json\n"
            "              [-s seed] [-n classes (4..1000, default 8)]\n"
            "              [-m minutes (default 3)] [-p packets_per_minute "
            "(default 600)]\n"
            "              [--snaplen N (default 65535)] [--start UNIX "
            "(default 1788220800)]\n"
            "              [--hosts per class (1..60, default 6)]\n");
    exit(2);
}

static long long
num(const char *s, long long min, long long max)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "gencap: bad number \"%s\" (%lld..%lld)\n", s, min,
                max);
        exit(2);
    }
    return v;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"snaplen", required_argument, NULL, 'S'},
        {"start", required_argument, NULL, 'T'},
        {"hosts", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->nclasses = 8;
    o->minutes = 3;
    o->ppm = 600;
    o->snaplen = 65535;
    o->hosts = 6;
    o->start = 1788220800; /* 2026-09-01 00:00:00 UTC */
    while ((ch = getopt_long(argc, argv, "o:c:e:s:n:m:p:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'o': o->out = optarg; break;
        case 'c': o->classes = optarg; break;
        case 'e': o->expected = optarg; break;
        case 's': o->seed = (uint64_t)num(optarg, 0, INT64_MAX); break;
        case 'n': o->nclasses = (int)num(optarg, 4, MAX_CLASSES); break;
        case 'm': o->minutes = (int)num(optarg, 1, 10080); break;
        case 'p': o->ppm = (int)num(optarg, 1, 10000000); break;
        case 'S': o->snaplen = (int)num(optarg, 1, 262144); break;
        case 'T': o->start = num(optarg, 0, 4102444800LL); break;
        case 'H': o->hosts = (int)num(optarg, 1, MAX_HOSTS); break;
        default: usage();
        }
    }
    if (o->out == NULL || o->classes == NULL || o->expected == NULL ||
        optind != argc)
        usage();
}

static const char *const grade_cn[] = {"一", "二", "三", "四", "五", "六"};

static void
build_school(const struct opts *o, struct cls *c)
{
    int i, n = o->nclasses;

    memset(c, 0, sizeof(*c) * (size_t)(n + 1));
    for (i = 0; i < n - 3; i++) {
        int g = i / 4, k = i % 4 + 1;

        if (g < 6)
            snprintf(c[i].name, sizeof(c[i].name), "%s年级%d班", grade_cn[g],
                     k);
        else
            snprintf(c[i].name, sizeof(c[i].name), "%d年级%d班", g + 1, k);
        c[i].net4[0] = 10;
        c[i].net4[1] = (uint8_t)(16 + i / 256);
        c[i].net4[2] = (uint8_t)(i % 256);
        if (i % 2 == 0) {
            uint8_t p[8] = {0x20, 0x01, 0x0d, 0xb8, 0,    0x16,
                            (uint8_t)(i >> 8), (uint8_t)i};

            c[i].v6 = 1;
            memcpy(c[i].net6, p, 8);
        }
    }
    snprintf(c[n - 3].name, sizeof(c[0].name), "机房");
    c[n - 3].vlan = 120;
    memcpy(c[n - 3].net4, (uint8_t[]){10, 99, 0}, 3);
    snprintf(c[n - 2].name, sizeof(c[0].name), "录播室");
    c[n - 2].vlan = 320;
    c[n - 2].qinq = 1;
    memcpy(c[n - 2].net4, (uint8_t[]){10, 98, 0}, 3);
    snprintf(c[n - 1].name, sizeof(c[0].name), "教师办公室");
    memcpy(c[n - 1].net4, (uint8_t[]){10, 200, 0}, 3);
    /* index n: the unclassified hosts */
    snprintf(c[n].name, sizeof(c[0].name), "(unclassified)");
    memcpy(c[n].net4, (uint8_t[]){192, 168, 77}, 3);
}

static int
write_classes(const struct opts *o, const struct cls *c)
{
    FILE *f = fopen(o->classes, "w");
    int i, n = o->nclasses;

    if (f == NULL) {
        perror(o->classes);
        return -1;
    }
    fputs("\xef\xbb\xbf# written by gencap: a synthetic school\n"
          "class,prefix\n", f);
    for (i = 0; i < n - 3; i++) {
        fprintf(f, "%s,10.%d.%d.0/24\n", c[i].name, 16 + i / 256, i % 256);
        if (c[i].v6)
            fprintf(f, "%s,2001:db8:16:%x::/64\n", c[i].name, i);
    }
    fprintf(f, "%s,vlan:%d\n", c[n - 3].name, c[n - 3].vlan);
    fprintf(f, "%s,vlan:%d\n", c[n - 2].name, c[n - 2].vlan);
    fprintf(f, "%s,10.0.0.0/8\n", c[n - 1].name);
    return fclose(f) == 0 ? 0 : -1;
}

/* --- frames -------------------------------------------------------------- */

struct frame {
    uint8_t b[1600];
    unsigned len;   /* bytes on the wire */
    unsigned hdrs;  /* bytes up to the end of the IP addresses */
};

static const uint8_t MAC_GW[6] = {0x02, 0xff, 0xff, 0xff, 0xff, 0x01};

static void
host_mac(int cls, int h, uint8_t *m)
{
    m[0] = 0x02;
    m[1] = 0x10;
    m[2] = (uint8_t)(cls >> 8);
    m[3] = (uint8_t)cls;
    m[4] = 0;
    m[5] = (uint8_t)h;
}

static void
p16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned
l2(struct frame *f, const uint8_t *dmac, const uint8_t *smac, int vlan,
   int qinq, unsigned et)
{
    unsigned off = 12;

    memcpy(f->b, dmac, 6);
    memcpy(f->b + 6, smac, 6);
    if (qinq) {
        p16(f->b + off, 0x88a8);
        p16(f->b + off + 2, 3000);
        off += 4;
    }
    if (vlan) {
        p16(f->b + off, 0x8100);
        p16(f->b + off + 2, (unsigned)vlan);
        off += 4;
    }
    p16(f->b + off, et);
    return off + 2;
}

static void
ip4_hdr(uint8_t *p, const uint8_t *src, const uint8_t *dst, unsigned len,
        unsigned proto)
{
    uint32_t sum = 0;
    int i;

    memset(p, 0, 20);
    p[0] = 0x45;
    p16(p + 2, len);
    p[8] = 64;
    p[9] = (uint8_t)proto;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    for (i = 0; i < 20; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    p16(p + 10, ~sum & 0xffff);
}

static void
ip6_hdr(uint8_t *p, const uint8_t *src, const uint8_t *dst, unsigned len,
        unsigned proto)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    p16(p + 4, len - 40);
    p[6] = (uint8_t)proto;
    p[7] = 64;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
}

/* Fills an IP packet (header, transport header, zero payload) of iplen
 * bytes after an L2 header of l2len bytes; pads the frame to 60. */
static void
ip_frame(struct frame *f, unsigned l2len, int v6, const uint8_t *src,
         const uint8_t *dst, unsigned iplen)
{
    uint8_t *p = f->b + l2len;
    unsigned hl = v6 ? 40 : 20, proto = iplen >= hl + 20 ? 6 : 17;

    memset(p, 0, iplen);
    if (v6)
        ip6_hdr(p, src, dst, iplen, proto);
    else
        ip4_hdr(p, src, dst, iplen, proto);
    if (iplen >= hl + 8) { /* ports */
        p16(p + hl, 40000 + rn(20000));
        p16(p + hl + 2, proto == 6 ? 443 : 53);
        if (proto == 17)
            p16(p + hl + 4, iplen - hl);
        else if (iplen >= hl + 20)
        {
            p[hl + 12] = 0x50; /* TCP data offset 5, ACK, window 65535 */
            p[hl + 13] = 0x10;
            p16(p + hl + 14, 0xffff);
        }
    }
    f->len = l2len + iplen;
    f->hdrs = l2len + hl;
    if (f->len < 60) {
        memset(f->b + f->len, 0, 60 - f->len);
        f->len = 60;
    }
}

static void
host_ip4(const struct cls *c, int h, uint8_t *a)
{
    memcpy(a, c->net4, 3);
    a[3] = (uint8_t)(10 + h);
}

static void
host_ip6(const struct cls *c, int h, uint8_t *a)
{
    memset(a, 0, 16);
    memcpy(a, c->net6, 8);
    a[15] = (uint8_t)(0x10 + h);
}

static void
remote_ip4(uint8_t *a)
{
    if (rn(2)) {
        a[0] = 203, a[1] = 0, a[2] = 113;
    } else {
        a[0] = 198, a[1] = 51, a[2] = 100;
    }
    a[3] = (uint8_t)(1 + rn(250));
}

static void
remote_ip6(uint8_t *a)
{
    static const uint8_t p[6] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff};

    memset(a, 0, 16);
    memcpy(a, p, 6);
    a[15] = (uint8_t)(1 + rn(250));
}

static unsigned
pick_len(int v6)
{
    unsigned r = rn(10), min = v6 ? 60 : 40;

    if (r < 3)
        return min;
    if (r < 6)
        return 1500;
    return min + 24 + rn(1500 - min - 24);
}

/* --- main loop ----------------------------------------------------------- */

struct decoys {
    uint64_t internal, broadcast, multicast, foreign, malformed, non_ip,
        cut_by_snaplen;
};

struct gen {
    const struct opts *o;
    struct cls *c;
    pcap_dumper_t *d;
    struct minute_acc *acc; /* nclasses + 1 (unclassified) */
    uint64_t (*tot)[4];     /* per class: bytes up/down, pkts up/down */
    uint64_t unc_pkts, unc_bytes, seen;
    struct decoys dec;
};

static void
dump(struct gen *g, const struct frame *f, int64_t usec)
{
    struct pcap_pkthdr h;

    h.ts.tv_sec = (time_t)(usec / 1000000);
    h.ts.tv_usec = (suseconds_t)(usec % 1000000);
    h.len = f->len;
    h.caplen = f->len < (unsigned)g->o->snaplen ? f->len
                                                : (unsigned)g->o->snaplen;
    pcap_dump((u_char *)g->d, &h, f->b);
    g->seen++;
}

/* One egress packet of class ci (nclasses: unclassified). Returns the frame
 * and accounts for it unless the snap length cut its addresses off. */
static void
gen_egress(struct gen *g, int ci, struct frame *f, int64_t usec)
{
    const struct cls *c = &g->c[ci];
    int n = g->o->nclasses, h = (int)rn((unsigned)g->o->hosts);
    int dir = rn(10) < 4 ? UP : DOWN, v6 = c->v6 && rn(10) < 4;
    uint8_t hm[6], ha[16], ra[16];
    unsigned l2len, iplen = pick_len(v6), sec;
    struct minute_acc *a = &g->acc[ci];

    host_mac(ci, h, hm);
    if (v6) {
        host_ip6(c, h, ha);
        remote_ip6(ra);
    } else {
        host_ip4(c, h, ha);
        remote_ip4(ra);
    }
    l2len = l2(f, dir == UP ? MAC_GW : hm, dir == UP ? hm : MAC_GW, c->vlan,
               c->qinq, v6 ? 0x86dd : 0x0800);
    ip_frame(f, l2len, v6, dir == UP ? ha : ra, dir == UP ? ra : ha, iplen);
    dump(g, f, usec);
    if ((unsigned)g->o->snaplen < f->hdrs) {
        g->dec.cut_by_snaplen++;
        return;
    }
    if (ci == n) {
        g->unc_pkts++;
        g->unc_bytes += iplen;
        a->bytes[dir] += iplen; /* minute totals for the capture row */
        a->pkts[dir]++;
        return;
    }
    sec = (unsigned)((usec / 1000000) % 60);
    a->bytes[dir] += iplen;
    a->pkts[dir]++;
    a->sec[dir][sec] += iplen;
    a->devmask |= 1ull << h;
    g->tot[ci][dir] += iplen;
    g->tot[ci][2 + dir]++;
}

static void
gen_decoy(struct gen *g, struct frame *f, int64_t usec)
{
    static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t mc4[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    static const uint8_t mc6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0xfb};
    int n = g->o->nclasses, k = (int)rn(8), c1 = (int)rn((unsigned)n - 3);
    int c2 = (int)rn((unsigned)n - 3);
    uint8_t m1[6], m2[6], a1[16], a2[16];
    unsigned l2len;
    uint64_t *cat;

    host_mac(c1, 1, m1);
    host_mac(c2, 2, m2);
    host_ip4(&g->c[c1], 1, a1);
    host_ip4(&g->c[c2], 2, a2);
    switch (k) {
    case 0: /* local <-> local, e.g. to the school's file server */
        l2len = l2(f, m2, m1, 0, 0, 0x0800);
        ip_frame(f, l2len, 0, a1, a2, pick_len(0));
        cat = &g->dec.internal;
        break;
    case 1: /* DHCP-style broadcast */
        l2len = l2(f, bc, m1, 0, 0, 0x0800);
        memset(a2, 0xff, 4);
        ip_frame(f, l2len, 0, a1, a2, 328);
        cat = &g->dec.broadcast;
        break;
    case 2: /* mDNS over IPv4 */
        l2len = l2(f, mc4, m1, 0, 0, 0x0800);
        memcpy(a2, (uint8_t[]){224, 0, 0, 251}, 4);
        ip_frame(f, l2len, 0, a1, a2, 120);
        cat = &g->dec.multicast;
        break;
    case 3: /* mDNS over IPv6, from a class with a /64 */
        l2len = l2(f, mc6, m1, 0, 0, 0x86dd);
        host_ip6(&g->c[0], 1, a1);
        memset(a2, 0, 16);
        a2[0] = 0xff, a2[1] = 0x02, a2[15] = 0xfb;
        ip_frame(f, l2len, 1, a1, a2, 140);
        cat = &g->dec.multicast;
        break;
    case 4: /* remote <-> remote (transit that leaked onto the mirror) */
        l2len = l2(f, MAC_GW, m1, 0, 0, 0x0800);
        remote_ip4(a1);
        remote_ip4(a2);
        ip_frame(f, l2len, 0, a1, a2, pick_len(0));
        cat = &g->dec.foreign;
        break;
    case 5: /* IPv4 with IHL 3 from a class host to a remote */
        l2len = l2(f, MAC_GW, m1, 0, 0, 0x0800);
        remote_ip4(a2);
        ip_frame(f, l2len, 0, a1, a2, 200);
        f->b[l2len] = 0x43;
        cat = &g->dec.malformed;
        break;
    case 6: /* frame cut inside the IPv4 header (its addresses missing) */
        l2len = l2(f, MAC_GW, m1, 0, 0, 0x0800);
        remote_ip4(a2);
        ip_frame(f, l2len, 0, a1, a2, 1500);
        f->len = l2len + 10;
        cat = &g->dec.malformed;
        break;
    default: /* ARP request */
        l2len = l2(f, bc, m1, 0, 0, 0x0806);
        memset(f->b + l2len, 0, 46);
        f->len = 60;
        f->hdrs = 0;
        cat = &g->dec.non_ip;
        break;
    }
    /* A snap length that cuts the addresses off makes any IP frame
     * malformed, whatever it was meant to be. */
    if (k != 7 && (unsigned)g->o->snaplen < f->hdrs)
        cat = &g->dec.malformed;
    (*cat)++;
    dump(g, f, usec);
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static json_t *
minute_json(struct gen *g, int64_t minute, uint64_t seen)
{
    json_t *m = json_object(), *rows = json_array();
    int n = g->o->nclasses, i, d, s;
    uint64_t egress = 0;

    for (i = 0; i <= n; i++) {
        struct minute_acc *a = &g->acc[i];
        uint64_t pk[2] = {0, 0};
        json_t *r;

        egress += a->bytes[UP] + a->bytes[DOWN];
        if (i == n || a->pkts[UP] + a->pkts[DOWN] == 0)
            continue;
        for (d = 0; d < 2; d++)
            for (s = 0; s < 60; s++)
                if (a->sec[d][s] * 8 > pk[d])
                    pk[d] = a->sec[d][s] * 8;
        r = json_object();
        json_object_set_new(r, "class", json_string(g->c[i].name));
        json_object_set_new(r, "bytes_up", json_integer((json_int_t)a->bytes[UP]));
        json_object_set_new(r, "bytes_down",
                            json_integer((json_int_t)a->bytes[DOWN]));
        json_object_set_new(r, "pkts_up", json_integer((json_int_t)a->pkts[UP]));
        json_object_set_new(r, "pkts_down",
                            json_integer((json_int_t)a->pkts[DOWN]));
        json_object_set_new(r, "peak_up_bps", json_integer((json_int_t)pk[UP]));
        json_object_set_new(r, "peak_down_bps",
                            json_integer((json_int_t)pk[DOWN]));
        json_object_set_new(r, "devices",
                            json_integer(__builtin_popcountll(a->devmask)));
        json_array_append_new(rows, r);
    }
    json_object_set_new(m, "minute", json_integer(minute));
    json_object_set_new(m, "pkts_seen", json_integer((json_int_t)seen));
    json_object_set_new(m, "egress_bytes", json_integer((json_int_t)egress));
    json_object_set_new(
        m, "unclassified_pkts",
        json_integer((json_int_t)(g->acc[n].pkts[UP] + g->acc[n].pkts[DOWN])));
    json_object_set_new(m, "unclassified_bytes",
                        json_integer((json_int_t)(g->acc[n].bytes[UP] +
                                                  g->acc[n].bytes[DOWN])));
    json_object_set_new(m, "classes", rows);
    return m;
}

int
main(int argc, char **argv)
{
    struct opts o;
    struct gen g;
    struct cls c[MAX_CLASSES + 1];
    struct frame f;
    pcap_t *dead;
    json_t *root, *mins, *tots, *dec;
    int64_t *ts;
    int mi, i, n;

    parse_opts(argc, argv, &o);
    n = o.nclasses;
    rng_state = o.seed * 0x9e3779b97f4a7c15ull + 0x1234567;
    build_school(&o, c);
    if (write_classes(&o, c) != 0)
        return 1;
    memset(&g, 0, sizeof(g));
    g.o = &o;
    g.c = c;
    g.acc = calloc((size_t)n + 1, sizeof(*g.acc));
    g.tot = calloc((size_t)n + 1, sizeof(*g.tot));
    ts = calloc((size_t)o.ppm, sizeof(*ts));
    if (g.acc == NULL || g.tot == NULL || ts == NULL) {
        fprintf(stderr, "gencap: out of memory\n");
        return 1;
    }
    dead = pcap_open_dead(DLT_EN10MB, o.snaplen);
    g.d = pcap_dump_open(dead, o.out);
    if (g.d == NULL) {
        fprintf(stderr, "gencap: %s: %s\n", o.out, pcap_geterr(dead));
        return 1;
    }
    root = json_object();
    mins = json_array();
    for (mi = 0; mi < o.minutes; mi++) {
        int64_t m0 = o.start - o.start % 60 + 60LL * mi;
        uint64_t seen0 = g.seen;

        memset(g.acc, 0, ((size_t)n + 1) * sizeof(*g.acc));
        for (i = 0; i < o.ppm; i++)
            ts[i] = m0 * 1000000 + (int64_t)(rnd() % 60000000ull);
        qsort(ts, (size_t)o.ppm, sizeof(*ts), cmp_i64);
        for (i = 0; i < o.ppm; i++) {
            unsigned r = rn(100);

            if (r < 80) {
                /* 8% of egress from unclassified hosts; busy classes vary */
                int ci = rn(100) < 8 ? n : (int)rn((unsigned)n);

                gen_egress(&g, ci, &f, ts[i]);
            } else {
                gen_decoy(&g, &f, ts[i]);
            }
        }
        json_array_append_new(mins, minute_json(&g, m0, g.seen - seen0));
    }
    pcap_dump_close(g.d);
    pcap_close(dead);

    tots = json_array();
    for (i = 0; i < n; i++) {
        json_t *r = json_object();

        json_object_set_new(r, "class", json_string(c[i].name));
        json_object_set_new(r, "bytes_up", json_integer((json_int_t)g.tot[i][0]));
        json_object_set_new(r, "bytes_down",
                            json_integer((json_int_t)g.tot[i][1]));
        json_object_set_new(r, "pkts_up", json_integer((json_int_t)g.tot[i][2]));
        json_object_set_new(r, "pkts_down",
                            json_integer((json_int_t)g.tot[i][3]));
        json_array_append_new(tots, r);
    }
    dec = json_object();
    json_object_set_new(dec, "internal", json_integer((json_int_t)g.dec.internal));
    json_object_set_new(dec, "broadcast",
                        json_integer((json_int_t)g.dec.broadcast));
    json_object_set_new(dec, "multicast",
                        json_integer((json_int_t)g.dec.multicast));
    json_object_set_new(dec, "foreign", json_integer((json_int_t)g.dec.foreign));
    json_object_set_new(dec, "malformed",
                        json_integer((json_int_t)g.dec.malformed));
    json_object_set_new(dec, "non_ip", json_integer((json_int_t)g.dec.non_ip));
    json_object_set_new(dec, "egress_cut_by_snaplen",
                        json_integer((json_int_t)g.dec.cut_by_snaplen));
    json_object_set_new(root, "generator", json_string("gencap"));
    json_object_set_new(root, "seed", json_integer((json_int_t)o.seed));
    json_object_set_new(root, "snaplen", json_integer(o.snaplen));
    json_object_set_new(root, "start", json_integer(o.start));
    json_object_set_new(root, "packets", json_integer((json_int_t)g.seen));
    json_object_set_new(root, "classes", tots);
    json_object_set_new(root, "unclassified_pkts",
                        json_integer((json_int_t)g.unc_pkts));
    json_object_set_new(root, "unclassified_bytes",
                        json_integer((json_int_t)g.unc_bytes));
    json_object_set_new(root, "decoys", dec);
    json_object_set_new(root, "per_minute", mins);
    if (json_dump_file(root, o.expected, JSON_INDENT(1)) != 0) {
        fprintf(stderr, "gencap: %s: cannot write\n", o.expected);
        return 1;
    }
    json_decref(root);
    free(g.acc);
    free(g.tot);
    free(ts);
    return 0;
}
