/* replaysum: replays a capture through the agent's packet path (capture ->
 * pkt -> flowagg) without the rest of the agent, and prints the rows as the
 * agent's `--output -` does (JSON lines, common/rowjson), or a one-line
 * summary of the packet verdicts (--stats), or a throughput comparison with
 * a bare libpcap read loop over the same file (--bench N: N passes each).
 * Used by tests/integration/pcap_vs_tshark.sh when the agent binary is not
 * built, and to measure the parser.
 *
 * Usage: replaysum --classes CSV [--stats] [--bench N] FILE */
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "classmap.h"
#include "log.h"
#include "rowjson.h"

static int quiet;

static void
on_minute(void *arg, const struct wire_class_min *rows, size_t n,
          const struct wire_capture_min *cap)
{
    size_t i;

    if (quiet)
        return;
    for (i = 0; i < n; i++)
        rowjson_class(stdout, "replay", &rows[i]);
    rowjson_capture(stdout, "replay", cap);
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
count_cb(u_char *u, const struct pcap_pkthdr *h, const u_char *p)
{
    (*(unsigned long *)u) += h->caplen > 0 ? p[0] & 1 : 0;
}

/* Reads the file `passes` times; returns seconds spent, packets in *np. */
static double
bare_loop(const char *path, int passes, unsigned long *np)
{
    char err[PCAP_ERRBUF_SIZE];
    unsigned long sink = 0, n = 0;
    double t0 = now();
    int i, k;

    for (i = 0; i < passes; i++) {
        pcap_t *p = pcap_open_offline(path, err);

        if (p == NULL) {
            fprintf(stderr, "replaysum: %s: %s\n", path, err);
            exit(1);
        }
        while ((k = pcap_dispatch(p, -1, count_cb, (u_char *)&sink)) > 0)
            n += (unsigned long)k;
        pcap_close(p);
    }
    *np = n + (sink & 0);
    return now() - t0;
}

static int
replay(const char *path, struct classmap *cm, struct capture_stats *st)
{
    struct capture *c;
    int n;

    if (capture_open_offline(path, cm, NULL, on_minute, NULL, &c) != 0)
        return -1;
    while ((n = capture_run(c, 4096)) > 0)
        ;
    capture_stats(c, st);
    capture_free(c);
    return n;
}

int
main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"classes", required_argument, NULL, 'c'},
        {"stats", no_argument, NULL, 's'},
        {"bench", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    const char *classes = NULL;
    struct classmap *cm;
    struct capture_stats st;
    int ch, stats = 0, bench = 0, i;

    log_init("replaysum", 0, 0);
    while ((ch = getopt_long(argc, argv, "c:sb:", lo, NULL)) != -1) {
        switch (ch) {
        case 'c': classes = optarg; break;
        case 's': stats = 1; break;
        case 'b': bench = atoi(optarg); break;
        default: goto usage;
        }
    }
    if (optind + 1 != argc || classes == NULL)
        goto usage;
    cm = classmap_new();
    if (cm == NULL || classmap_load_csv(cm, classes, stderr) != 0)
        return 1;
    if (bench > 0) {
        unsigned long n = 0;
        double tb = 1e9, ta = 1e9, t;
        int round;

        /* Best of 5 alternating rounds: the machine is shared, and the
         * minimum is the figure least disturbed by other work. */
        quiet = 1;
        for (round = 0; round < 5; round++) {
            t = bare_loop(argv[optind], bench, &n);
            if (t < tb)
                tb = t;
            t = now();
            for (i = 0; i < bench; i++)
                if (replay(argv[optind], cm, &st) != 0)
                    return 1;
            t = now() - t;
            if (t < ta)
                ta = t;
        }
        printf("packets %lu  bare-libpcap %.0f pkt/s  agent-path %.0f "
               "pkt/s  ratio %.2f\n",
               n, (double)n / tb, (double)n / ta, tb / ta);
        classmap_free(cm);
        return 0;
    }
    if (replay(argv[optind], cm, &st) != 0)
        return 1;
    if (stats)
        fprintf(stderr,
                "pkts %llu ip %llu other %llu malformed %llu group %llu "
                "internal %llu foreign %llu up %llu down %llu "
                "unclassified %llu late %llu\n",
                (unsigned long long)st.pkts, (unsigned long long)st.ip,
                (unsigned long long)st.other,
                (unsigned long long)st.malformed,
                (unsigned long long)st.group,
                (unsigned long long)st.internal,
                (unsigned long long)st.foreign, (unsigned long long)st.up,
                (unsigned long long)st.down,
                (unsigned long long)st.unclassified,
                (unsigned long long)st.late);
    classmap_free(cm);
    return 0;
usage:
    fprintf(stderr, "usage: replaysum --classes CSV [--stats] [--bench N] "
                    "FILE\n");
    return 2;
}
