/* benchcap: writes the capture the capture benchmark (bench/capture.sh)
 * replays: a large school at a gateway, as fast as a disk can take it.
 *
 * The school: n classes (default 500) on 10.(16+i/256).(i%256).0/24 with h
 * devices each (default 40: 20,000 devices), each device with its own MAC;
 * remote hosts from a pool of 10,000 addresses spread over 20.0.0.0 -
 * 99.255.255.255. Sizes like a real school link: 40% small (TCP ACKs, IP
 * length 40 or 52, mostly up), 50% full-size (1500, mostly down), 10%
 * anything in between. Ethernet + IPv4 + TCP headers, snap length 128 by
 * default, timestamps spread evenly over m minutes.
 *
 * Also writes the class map (class,prefix CSV) and, for pmacctd, the same
 * prefixes one per line (--networks). Prints one JSON line: packets, IP
 * bytes up and down (an oracle for the figures, not needed by the timing).
 *
 * Usage: benchcap -o FILE.pcap -c CLASSES.csv [--networks FILE]
 *          [-p packets] [-n classes] [--hosts N] [-m minutes] [--snaplen N]
 *          [-s seed] */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NREMOTE 10000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: fast and good enough for a traffic mix */
static uint64_t
rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned
rn(unsigned n)
{
    return (unsigned)((rnd() >> 32) % n);
}

static void
put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32h(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* pcap file headers are in the writer's order */
}

static void
usage(void)
{
    fprintf(stderr, "usage: benchcap -o FILE.pcap -c CLASSES.csv "
                    "[--networks FILE] [-p packets] [-n classes] "
                    "[--hosts N] [-m minutes] [--snaplen N] [-s seed]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"networks", required_argument, NULL, 'N'},
        {"hosts", required_argument, NULL, 'H'},
        {"snaplen", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    static uint8_t remote[NREMOTE][4];
    static uint8_t buf[1 << 20];
    const char *out = NULL, *csv = NULL, *nets = NULL;
    unsigned long long npkts = 5000000, i;
    unsigned nclasses = 500, hosts = 40, minutes = 5, snaplen = 128;
    unsigned long long bytes[2] = {0, 0}, pkts[2] = {0, 0};
    uint8_t hdr[24], f[16 + 128];
    size_t used = 0;
    FILE *fo, *fc;
    int ch;

    while ((ch = getopt_long(argc, argv, "o:c:p:n:m:s:", lo, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'c': csv = optarg; break;
        case 'N': nets = optarg; break;
        case 'p': npkts = strtoull(optarg, NULL, 10); break;
        case 'n': nclasses = (unsigned)atoi(optarg); break;
        case 'H': hosts = (unsigned)atoi(optarg); break;
        case 'm': minutes = (unsigned)atoi(optarg); break;
        case 'S': snaplen = (unsigned)atoi(optarg); break;
        case 's': rng_state ^= strtoull(optarg, NULL, 10) * 0x9e37ull; break;
        default: usage();
        }
    }
    if (out == NULL || csv == NULL || nclasses < 1 || nclasses > 60000 ||
        hosts < 1 || hosts > 200 || minutes < 1 || snaplen < 54 ||
        snaplen > 128 || npkts == 0)
        usage();

    fc = fopen(csv, "w");
    if (fc == NULL) {
        perror(csv);
        return 1;
    }
    fprintf(fc, "class,prefix\n");
    for (i = 0; i < nclasses; i++)
        fprintf(fc, "c%llu,10.%llu.%llu.0/24\n", i, 16 + i / 256, i % 256);
    if (fclose(fc) != 0)
        return 1;
    if (nets != NULL) {
        fc = fopen(nets, "w");
        if (fc == NULL) {
            perror(nets);
            return 1;
        }
        for (i = 0; i < nclasses; i++)
            fprintf(fc, "10.%llu.%llu.0/24\n", 16 + i / 256, i % 256);
        if (fclose(fc) != 0)
            return 1;
    }
    for (i = 0; i < NREMOTE; i++) {
        remote[i][0] = (uint8_t)(20 + rn(80));
        remote[i][1] = (uint8_t)rn(256);
        remote[i][2] = (uint8_t)rn(256);
        remote[i][3] = (uint8_t)(1 + rn(254));
    }

    fo = fopen(out, "wb");
    if (fo == NULL) {
        perror(out);
        return 1;
    }
    put32h(hdr, 0xa1b2c3d4);
    {
        uint16_t ver[2] = {2, 4}; /* host order, like the magic */

        memcpy(hdr + 4, ver, 4);
    }
    memset(hdr + 8, 0, 8);
    put32h(hdr + 16, snaplen);
    put32h(hdr + 20, 1); /* DLT_EN10MB */
    fwrite(hdr, 1, sizeof(hdr), fo);

    for (i = 0; i < npkts; i++) {
        unsigned r = rn(100), iplen, up, cls, host, caplen, flen;
        const uint8_t *rem = remote[rn(NREMOTE)];
        uint64_t usec = 1788220800ull * 1000000 +
                        i * (uint64_t)minutes * 60000000 / npkts;
        uint8_t *e = f + 16, *ip = e + 14, loc[4];
        const uint8_t *s, *d;

        if (r < 40) {              /* small: ACKs, mostly up */
            iplen = rn(2) ? 40 : 52;
            up = rn(10) < 7;
        } else if (r < 90) {       /* full-size, mostly down */
            iplen = 1500;
            up = rn(100) < 15;
        } else {
            iplen = 100 + rn(1300);
            up = rn(2);
        }
        cls = rn(nclasses);
        host = rn(hosts);
        loc[0] = 10;
        loc[1] = (uint8_t)(16 + cls / 256);
        loc[2] = (uint8_t)(cls % 256);
        loc[3] = (uint8_t)(10 + host);
        flen = 14 + iplen;
        caplen = flen < snaplen ? flen : snaplen;
        put32h(f, (uint32_t)(usec / 1000000));
        put32h(f + 4, (uint32_t)(usec % 1000000));
        put32h(f + 8, caplen);
        put32h(f + 12, flen);
        /* the gateway's MAC and the device's (class and host in it) */
        {
            uint8_t gw[6] = {0x02, 0, 0, 0, 0, 1};
            uint8_t dev[6] = {0x02, 0x10, (uint8_t)(cls >> 8), (uint8_t)cls,
                              0, (uint8_t)host};

            memcpy(e, up ? gw : dev, 6);
            memcpy(e + 6, up ? dev : gw, 6);
        }
        put16(e + 12, 0x0800);
        memset(ip, 0, 40);
        ip[0] = 0x45;
        put16(ip + 2, iplen);
        put16(ip + 4, (unsigned)i);
        ip[6] = 0x40;
        ip[8] = 64;
        ip[9] = 6;
        s = up ? loc : rem;
        d = up ? rem : loc;
        memcpy(ip + 12, s, 4);
        memcpy(ip + 16, d, 4);
        put16(ip + 20, up ? 40000 + host : 443);
        put16(ip + 22, up ? 443 : 40000 + host);
        ip[32] = iplen == 40 ? 0x50 : 0x80; /* data offset */
        ip[33] = 0x10;                      /* ACK */
        if (used + 16 + caplen > sizeof(buf)) {
            fwrite(buf, 1, used, fo);
            used = 0;
        }
        memcpy(buf + used, f, 16 + caplen);
        used += 16 + caplen;
        bytes[!up] += iplen;
        pkts[!up]++;
    }
    fwrite(buf, 1, used, fo);
    if (fclose(fo) != 0) {
        perror(out);
        return 1;
    }
    printf("{\"packets\":%llu,\"classes\":%u,\"devices\":%u,"
           "\"pkts_up\":%llu,\"pkts_down\":%llu,\"bytes_up\":%llu,"
           "\"bytes_down\":%llu}\n",
           npkts, nclasses, nclasses * hosts, pkts[0], pkts[1], bytes[0],
           bytes[1]);
    return 0;
}
