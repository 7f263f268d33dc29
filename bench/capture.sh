#!/bin/sh
# Capture benchmark (issue 3, item 8): a benchmark, not a test (exit 0 unless
# something could not run). Writes a large school capture with benchcap
# (default 5,000,000 packets, 40% small / 50% full-size, 500 classes,
# 20,000 devices, snap length 128), then times three readers of the same
# file:
#   floor     a bare libpcap loop with an empty callback, built here
#   agent     classband-agent --replay FILE --classes CSV --output -
#   pmacctd   pmacctd -f CONF (pcap_savefile, aggregate src_net, dst_net over
#             the class prefixes; 512 MiB plugin pipe so that it does not
#             stall on its plugin)
# (CPU = user+sys and peak RSS from wait4's rusage, what /usr/bin/time -v
# reports, at microsecond resolution)
# and prints a markdown table: packets/s by CPU time (user+sys, the figure
# that does not depend on what else the machine runs) and by wall time,
# CPU seconds, peak RSS; then the goals (agent >= 80% of the floor, >= 10x
# pmacctd, <= 8 MiB RSS). Each reader runs BENCH_RUNS times (default 5,
# floor and agent in turn;
# pmacctd once, BENCH_PMACCT_RUNS) and the run with the least CPU counts.
# The agent's own output is checked: its per-minute pkts_seen must add up
# to the packets written.
# Env: BUILD (default build), BENCH_PKTS, BENCH_RUNS, BENCH_PMACCT_RUNS,
# BENCH_DIR (where the ~600 MB capture goes; default /dev/shm, else /tmp).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
BUILD=${BUILD:-build}
PKTS=${BENCH_PKTS:-5000000}
RUNS=${BENCH_RUNS:-5}
PMRUNS=${BENCH_PMACCT_RUNS:-1}
CC=${CC:-cc}
B=$TOP/$BUILD
case "$BUILD" in /*) B=$BUILD ;; esac
if [ ! -x "$B/classband-agent" ] || [ ! -x "$B/tools/benchcap" ]; then
    make --no-print-directory BUILD="$BUILD" all tools > /dev/null || exit 1
fi
dir=${BENCH_DIR:-/dev/shm}
[ -d "$dir" ] && [ -w "$dir" ] || dir=/tmp
T=$(mktemp -d "$dir/classband-bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

cat > "$T/floor.c" <<'EOF'
/* the floor: read every frame of a capture file, do nothing with it */
#include <pcap/pcap.h>
#include <stdio.h>
static void
cb(u_char *u, const struct pcap_pkthdr *h, const u_char *b)
{
    (void)u; (void)h; (void)b;
}
int
main(int argc, char **argv)
{
    char e[PCAP_ERRBUF_SIZE];
    pcap_t *p;
    int n;

    if (argc != 2 || (p = pcap_open_offline(argv[1], e)) == NULL) {
        fprintf(stderr, "floor: %s\n", argc == 2 ? e : "usage: floor FILE");
        return 1;
    }
    n = pcap_dispatch(p, -1, cb, NULL);
    if (n < 0) {
        fprintf(stderr, "floor: %s\n", pcap_geterr(p));
        return 1;
    }
    printf("%d\n", n);
    pcap_close(p);
    return 0;
}
EOF
$CC -O2 -o "$T/floor" "$T/floor.c" $(pkg-config --cflags --libs libpcap) ||
    { echo "bench: cannot build the floor loop" >&2; exit 1; }

echo "bench: writing $PKTS packets to $T/bench.pcap" >&2
"$B/tools/benchcap" -o "$T/bench.pcap" -c "$T/classes.csv" \
    --networks "$T/nets.txt" -p "$PKTS" > "$T/benchcap.json" || exit 1
cat "$T/benchcap.json" >&2
# page the file in so the first reader does not pay for the disk
cat "$T/bench.pcap" > /dev/null

# rusage of one command with microsecond CPU times (GNU time rounds to
# 10 ms, too coarse for a run of a third of a second), from a small C
# parent: a child forked from a big one (python) would report the parent's
# RSS as its peak. Prints "wall cpu rss_kb".
cat > "$T/rusage.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int
main(int argc, char **argv)
{
    struct timespec a, b;
    struct rusage ru;
    int st, fd;
    pid_t pid;

    if (argc < 4)
        return 2;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid = fork();
    if (pid == 0) {
        fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        execvp(argv[3], argv + 3);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.4f %.4f %ld\n",
           (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
           ru.ru_maxrss);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
EOF
$CC -O2 -o "$T/rusage" "$T/rusage.c" || { echo "bench: cannot build rusage" >&2; exit 1; }

# once NAME CMD...: one run; keeps it in $T/NAME.best if it used the least
# CPU so far
once() {
    name=$1; shift
    line=$("$T/rusage" "$T/$name.out" "$T/$name.err" "$@") ||
        { cat "$T/$name.err" >&2; echo "bench: $name failed" >&2; return 1; }
    cpu=$(echo "$line" | awk '{print $2}')
    best=$(awk '{print $3}' "$T/$name.best" 2>/dev/null)
    if [ -z "$best" ] || [ "$(echo "$cpu $best" | awk '{print ($1 < $2)}')" = 1 ]; then
        echo "$name $line" > "$T/$name.best"
        cp "$T/$name.out" "$T/$name.bestout"
    fi
}

# floor and agent alternate, so that a busy moment of a shared machine
# does not fall on one of them only
k=0
while [ $k -lt "$RUNS" ]; do
    once floor "$T/floor" "$T/bench.pcap" || exit 1
    once agent "$B/classband-agent" --replay "$T/bench.pcap" \
        --classes "$T/classes.csv" --output - || exit 1
    k=$((k + 1))
done
cat "$T/floor.best" "$T/agent.best" > "$T/results"
[ "$(cat "$T/floor.bestout")" = "$PKTS" ] || { echo "bench: floor read $(cat "$T/floor.bestout") packets" >&2; exit 1; }
seen=$(grep '"pkts_seen"' "$T/agent.bestout" |
    sed 's/.*"pkts_seen":\([0-9]*\).*/\1/' | awk '{s += $1} END {print s + 0}')
[ "$seen" = "$PKTS" ] || { echo "bench: the agent saw $seen of $PKTS packets" >&2; exit 1; }
if command -v pmacctd > /dev/null 2>&1; then
    cat > "$T/pmacctd.conf" <<EOF
daemonize: false
pcap_savefile: $T/bench.pcap
plugins: print
aggregate: src_net, dst_net
networks_file: $T/nets.txt
print_output: csv
print_output_file: $T/pmacctd.csv
print_refresh_time: 3600
plugin_pipe_size: 536870912
plugin_buffer_size: 4194304
EOF
    k=0
    while [ $k -lt "$PMRUNS" ]; do
        once pmacctd pmacctd -f "$T/pmacctd.conf" || exit 1
        k=$((k + 1))
    done
    cat "$T/pmacctd.best" >> "$T/results"
else
    echo "bench: pmacctd not installed (Debian package pmacct); row skipped" >&2
fi

awk -v pkts="$PKTS" '
{ name[NR] = $1; wall[NR] = $2; cpu[NR] = $3; rss[NR] = $4; idx[$1] = NR }
END {
    printf "| reader | packets/s (CPU) | packets/s (wall) | CPU s | wall s | peak RSS MiB |\n"
    printf "|---|---:|---:|---:|---:|---:|\n"
    for (i = 1; i <= NR; i++)
        printf "| %s | %.2f M | %.2f M | %.2f | %.2f | %.1f |\n", name[i],
            pkts / (cpu[i] > 0 ? cpu[i] : 0.001) / 1e6,
            pkts / (wall[i] > 0 ? wall[i] : 0.001) / 1e6, cpu[i], wall[i],
            rss[i] / 1024
    f = idx["floor"]; a = idx["agent"]; p = idx["pmacctd"]
    printf "\n%d packets. agent vs floor (CPU): %.2f (goal >= 0.80: %s)\n",
        pkts, cpu[f] / cpu[a], ((cpu[f] / cpu[a] >= 0.8) ? "met" : "MISSED")
    if (p)
        printf "agent vs pmacctd (CPU): %.1fx (goal >= 10: %s)\n",
            cpu[p] / cpu[a], ((cpu[p] / cpu[a] >= 10) ? "met" : "MISSED")
    printf "agent peak RSS: %.1f MiB (goal <= 8: %s)\n", rss[a] / 1024,
        ((rss[a] <= 8192) ? "met" : "MISSED")
}' "$T/results"
