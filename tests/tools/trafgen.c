/* trafgen: bounded UDP traffic with exact byte accounting, the oracle of
 * the live capture tests (tests/integration/live_*.sh). Every datagram has
 * a chosen IPv4 total length (UDP payload = length - 28, no IP options, at
 * most 1500 so nothing fragments), so the IP bytes the agent must count are
 * known exactly: the tool prints what the kernel accepted, one JSON line.
 *
 *   trafgen send --src IP --dst IP --port N --count N [--sizes L,L,...]
 *                [--pps N]        paced (default 20000/s; 0: as fast as it can)
 *   trafgen raw --if IF --vlan N --smac MAC --dmac MAC --src IP --dst IP
 *               --count N [--sizes L,...] [--pps N]
 *                                 the same datagrams as Ethernet frames with
 *                                 an 802.1Q tag, written to IF with a packet
 *                                 socket (for a VLAN-tagged class where the
 *                                 kernel has no 8021q support)
 *   trafgen sink --port N [--seconds S]
 *                                 binds 0.0.0.0:N and discards what arrives,
 *                                 so no ICMP port-unreachable is sent back
 *                                 (that would be traffic too)
 *
 * A send that fails with ENOBUFS/EAGAIN is retried, so every datagram
 * counted was handed to the IP layer once. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZES 64
#define UDP_IP_HDR 28

static void
usage(void)
{
    fprintf(stderr,
            "usage: trafgen send --src IP --dst IP --port N --count N "
            "[--sizes L,...] [--pps N]\n"
            "       trafgen raw --if IF --vlan N --smac MAC --dmac MAC "
            "--src IP --dst IP --count N [--sizes L,...] [--pps N]\n"
            "       trafgen sink --port N [--seconds S]\n");
    exit(2);
}

static int64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
parse_sizes(const char *s, unsigned *sizes)
{
    int n = 0;
    char *end;
    unsigned long v;

    while (*s != '\0') {
        if (n == MAX_SIZES)
            return -1;
        v = strtoul(s, &end, 10);
        if (end == s || v < UDP_IP_HDR || v > 1500)
            return -1;
        sizes[n++] = (unsigned)v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s != '\0')
            return -1;
    }
    return n;
}

static void
pace(int64_t t0, unsigned long i, unsigned long pps)
{
    int64_t due, wait;

    if (pps == 0 || i % 16 != 0)
        return;
    /* small bursts against the ideal schedule */
    due = t0 + (int64_t)((double)i * 1e9 / (double)pps);
    wait = due - now_ns();
    if (wait > 0) {
        struct timespec ts = {wait / 1000000000, wait % 1000000000};
        nanosleep(&ts, NULL);
    }
}

static int
parse_mac(const char *s, uint8_t *m)
{
    unsigned v[6];
    int i;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5]) != 6)
        return -1;
    for (i = 0; i < 6; i++)
        m[i] = (uint8_t)v[i];
    return 0;
}

static uint16_t
ip_csum(const uint8_t *h, size_t n)
{
    uint32_t s = 0;
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static int
do_raw(const char *ifname, unsigned vlan, const char *smac, const char *dmac,
       const char *src, const char *dst, int port, unsigned long count,
       const unsigned *sizes, int nsizes, unsigned long pps)
{
    static uint8_t f[1518];
    struct sockaddr_ll ll;
    struct in_addr s4, d4;
    uint64_t bytes = 0, pkts = 0, retries = 0;
    unsigned long i;
    int64_t t0;
    int fd;

    memset(f, 0, sizeof(f));
    if (parse_mac(dmac, f) != 0 || parse_mac(smac, f + 6) != 0 ||
        inet_pton(AF_INET, src, &s4) != 1 ||
        inet_pton(AF_INET, dst, &d4) != 1 || vlan < 1 || vlan > 4094) {
        fprintf(stderr, "trafgen: bad MAC, address or VLAN\n");
        return 2;
    }
    f[12] = 0x81; f[13] = 0x00;
    f[14] = (uint8_t)(vlan >> 8); f[15] = (uint8_t)vlan;
    f[16] = 0x08; f[17] = 0x00;
    memset(&ll, 0, sizeof(ll));
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_ALL);
    ll.sll_ifindex = (int)if_nametoindex(ifname);
    ll.sll_halen = 6;
    memcpy(ll.sll_addr, f, 6);
    fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0 || ll.sll_ifindex == 0) {
        perror("trafgen: packet socket");
        return 1;
    }
    t0 = now_ns();
    for (i = 0; i < count; i++) {
        unsigned len = sizes[i % (unsigned long)nsizes];
        uint8_t *ip = f + 18, *udp = ip + 20;
        uint16_t c;

        pace(t0, i, pps);
        ip[0] = 0x45; ip[1] = 0;
        ip[2] = (uint8_t)(len >> 8); ip[3] = (uint8_t)len;
        ip[4] = (uint8_t)(i >> 8); ip[5] = (uint8_t)i;
        ip[6] = 0x40; ip[7] = 0; ip[8] = 64; ip[9] = 17;
        ip[10] = ip[11] = 0;
        memcpy(ip + 12, &s4, 4);
        memcpy(ip + 16, &d4, 4);
        c = ip_csum(ip, 20);
        ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
        udp[0] = udp[2] = (uint8_t)(port >> 8);
        udp[1] = udp[3] = (uint8_t)port;
        udp[4] = (uint8_t)((len - 20) >> 8); udp[5] = (uint8_t)(len - 20);
        udp[6] = udp[7] = 0; /* no UDP checksum: allowed for IPv4 */
        while (sendto(fd, f, 18 + len, 0, (struct sockaddr *)&ll,
                      sizeof(ll)) < 0) {
            if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
                perror("trafgen: sendto");
                close(fd);
                return 1;
            }
            retries++;
            usleep(100);
        }
        pkts++;
        bytes += len;
    }
    close(fd);
    printf("{\"src\":\"%s\",\"dst\":\"%s\",\"vlan\":%u,\"pkts\":%llu,"
           "\"ip_bytes\":%llu,\"retries\":%llu,\"seconds\":%.3f}\n",
           src, dst, vlan, (unsigned long long)pkts,
           (unsigned long long)bytes, (unsigned long long)retries,
           (double)(now_ns() - t0) / 1e9);
    return 0;
}

static int
do_send(const char *src, const char *dst, int port, unsigned long count,
        const unsigned *sizes, int nsizes, unsigned long pps)
{
    static uint8_t payload[1500];
    struct sockaddr_in sa, da;
    unsigned long i;
    uint64_t bytes = 0, pkts = 0, retries = 0;
    int64_t t0;
    int fd;

    memset(&sa, 0, sizeof(sa));
    memset(&da, 0, sizeof(da));
    sa.sin_family = da.sin_family = AF_INET;
    da.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
        inet_pton(AF_INET, dst, &da.sin_addr) != 1) {
        fprintf(stderr, "trafgen: bad address\n");
        return 2;
    }
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("trafgen: socket/bind");
        return 1;
    }
    memset(payload, 0xa5, sizeof(payload));
    t0 = now_ns();
    for (i = 0; i < count; i++) {
        unsigned len = sizes[i % (unsigned long)nsizes];
        ssize_t k;

        pace(t0, i, pps);
        for (;;) {
            k = sendto(fd, payload, len - UDP_IP_HDR, 0,
                       (struct sockaddr *)&da, sizeof(da));
            if (k >= 0)
                break;
            if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
                perror("trafgen: sendto");
                close(fd);
                printf("{\"pkts\":%llu,\"ip_bytes\":%llu,\"error\":1}\n",
                       (unsigned long long)pkts, (unsigned long long)bytes);
                return 1;
            }
            retries++;
            usleep(100);
        }
        pkts++;
        bytes += len;
    }
    close(fd);
    printf("{\"src\":\"%s\",\"dst\":\"%s\",\"pkts\":%llu,\"ip_bytes\":%llu,"
           "\"retries\":%llu,\"seconds\":%.3f}\n",
           src, dst, (unsigned long long)pkts, (unsigned long long)bytes,
           (unsigned long long)retries, (double)(now_ns() - t0) / 1e9);
    return 0;
}

static int
do_sink(int port, double seconds)
{
    static uint8_t b[65536];
    struct sockaddr_in sa;
    struct pollfd pfd;
    uint64_t pkts = 0, bytes = 0;
    int64_t end = seconds > 0 ? now_ns() + (int64_t)(seconds * 1e9) : 0;
    int fd, one = 1;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("trafgen: socket");
        return 1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("trafgen: bind");
        return 1;
    }
    pfd.fd = fd;
    pfd.events = POLLIN;
    /* "ready" tells the caller the socket is bound */
    printf("ready\n");
    fflush(stdout);
    while (end == 0 || now_ns() < end) {
        ssize_t k;

        if (poll(&pfd, 1, 200) <= 0)
            continue;
        while ((k = recv(fd, b, sizeof(b), MSG_DONTWAIT)) >= 0) {
            pkts++;
            bytes += (uint64_t)k + UDP_IP_HDR;
        }
    }
    printf("{\"pkts\":%llu,\"ip_bytes\":%llu}\n", (unsigned long long)pkts,
           (unsigned long long)bytes);
    close(fd);
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"src", required_argument, NULL, 's'},
        {"dst", required_argument, NULL, 'd'},
        {"port", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'n'},
        {"sizes", required_argument, NULL, 'z'},
        {"pps", required_argument, NULL, 'r'},
        {"seconds", required_argument, NULL, 't'},
        {"if", required_argument, NULL, 'i'},
        {"vlan", required_argument, NULL, 'v'},
        {"smac", required_argument, NULL, 'S'},
        {"dmac", required_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    const char *src = NULL, *dst = NULL, *mode, *ifname = NULL;
    const char *smac = NULL, *dmac = NULL;
    unsigned vlan = 0;
    unsigned sizes[MAX_SIZES] = {1000};
    int nsizes = 1, port = 0, ch;
    unsigned long count = 0, pps = 20000;
    double seconds = 0;

    if (argc < 2)
        usage();
    mode = argv[1];
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': src = optarg; break;
        case 'd': dst = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'n': count = strtoul(optarg, NULL, 10); break;
        case 'r': pps = strtoul(optarg, NULL, 10); break;
        case 't': seconds = atof(optarg); break;
        case 'i': ifname = optarg; break;
        case 'v': vlan = (unsigned)atoi(optarg); break;
        case 'S': smac = optarg; break;
        case 'D': dmac = optarg; break;
        case 'z':
            nsizes = parse_sizes(optarg, sizes);
            if (nsizes <= 0) {
                fprintf(stderr, "trafgen: --sizes: IP lengths 28..1500\n");
                return 2;
            }
            break;
        default: usage();
        }
    }
    if (port <= 0 || port > 65535)
        usage();
    if (strcmp(mode, "send") == 0) {
        if (src == NULL || dst == NULL || count == 0)
            usage();
        return do_send(src, dst, port, count, sizes, nsizes, pps);
    }
    if (strcmp(mode, "raw") == 0) {
        if (ifname == NULL || smac == NULL || dmac == NULL || src == NULL ||
            dst == NULL || count == 0)
            usage();
        return do_raw(ifname, vlan, smac, dmac, src, dst, port, count, sizes,
                      nsizes, pps);
    }
    if (strcmp(mode, "sink") == 0)
        return do_sink(port, seconds);
    usage();
    return 2;
}
