/* classband-agent: command line, config, and the run loop. Modes:
 *   --replay FILE   read a capture file (tests, audits, class-map checks)
 *   --output -      print the per-minute rows as JSON lines, send nothing
 * Otherwise the rows go to the collector through the uplink. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <uv.h>

#include "agent_conf.h"
#include "buf.h"
#include "capture.h"
#include "classmap.h"
#include "log.h"
#include "memq.h"
#include "rowjson.h"
#include "uplink.h"
#include "wire.h"

/* A batch is flushed before it grows past this, well under the frame cap. */
#define BATCH_SOFT_MAX (256u << 10)

struct agent {
    uv_loop_t *loop;
    struct agent_conf conf;
    const char *school;
    int output;               /* --output -: JSON lines to stdout */
    struct capture *cap;
    uv_idle_t replay_idle;
    int replay_done;
    struct memq *q;
    struct uplink *up;
    uv_timer_t done_timer;
    uv_signal_t sigint, sigterm;
    struct buf recs;          /* records of the batch being built */
    uint32_t nrec;
    int exit_code;
    int stopping;
};

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: classband-agent [-c FILE] [-n] [-v] [--replay CAPTURE]\n"
        "                       [--classes CSV] [--output -]\n"
        "                       [--collector HOST:PORT] [--school CODE] "
        "[--agent-id ID]\n"
        "       classband-agent --help | --version\n"
        "  -c FILE          config file (see classband-agent.conf(5))\n"
        "  -n               check the config and exit 0 or 1 (-v prints it)\n"
        "  --replay FILE    read a pcap/pcapng file instead of capturing\n"
        "  --classes CSV    class map as `class,prefix` / `class,vlan:N`\n"
        "  --output -       print per-class minutes as JSON lines; send "
        "nothing\n"
        "  --collector H:P  collector address (overrides the config)\n"
        "  --school CODE    school code (overrides the config)\n"
        "With --replay and a collector, exits once every batch is "
        "acknowledged.\n");
}

static void agent_stop(struct agent *a);

static uint64_t
random_u64(void)
{
    uint64_t v = 0;

    while (v == 0)
        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
            fatal("agent: getrandom");
    return v;
}

static void
flush_batch(struct agent *a)
{
    int rc;

    if (a->nrec == 0)
        return;
    if (a->recs.err != 0) {
        log_warnx("agent: batch of %u records lost: %s", a->nrec,
                  strerror(-a->recs.err));
    } else if ((rc = memq_append(a->q, a->recs.p, a->recs.len, a->nrec,
                                 NULL)) != 0) {
        log_warnx("agent: batch of %u records lost: %s", a->nrec,
                  strerror(-rc));
    }
    buf_reset(&a->recs);
    a->nrec = 0;
    if (a->up != NULL)
        uplink_kick(a->up);
}

/* Appends one encoded record (built with the wire builder into tmp, then
 * copied without its frame and batch header) to the batch being built. */
static void
add_record(struct agent *a, const struct buf *tmp)
{
    size_t hdr = WIRE_HDR_LEN + 20;

    if (tmp->err != 0 || tmp->len <= hdr)
        return;
    if (a->recs.len + (tmp->len - hdr) > BATCH_SOFT_MAX)
        flush_batch(a);
    buf_append(&a->recs, tmp->p + hdr, tmp->len - hdr);
    a->nrec++;
}

static void
on_minute(void *arg, const struct wire_class_min *rows, size_t n,
          const struct wire_capture_min *cap)
{
    struct agent *a = arg;
    uint8_t mem[1024];
    struct buf tmp;
    size_t i;

    if (a->output) {
        for (i = 0; i < n; i++)
            rowjson_class(stdout, a->school, &rows[i]);
        if (cap != NULL)
            rowjson_capture(stdout, a->school, cap);
        return;
    }
    for (i = 0; i < n; i++) {
        tmp = (struct buf){mem, 0, sizeof(mem), sizeof(mem), 0};
        wire_batch_begin(&tmp, 1, 1);
        wire_batch_add_class_min(&tmp, &rows[i]);
        add_record(a, &tmp);
    }
    if (cap != NULL) {
        tmp = (struct buf){mem, 0, sizeof(mem), sizeof(mem), 0};
        wire_batch_begin(&tmp, 1, 1);
        wire_batch_add_capture_min(&tmp, cap);
        add_record(a, &tmp);
    }
    flush_batch(a);
}

static void
check_done(uv_timer_t *t)
{
    struct agent *a = t->data;

    if (!a->replay_done || a->stopping)
        return;
    if (a->output || memq_pending(a->q) == 0) {
        if (!a->output)
            log_info("agent: replay finished; all %llu batches "
                     "acknowledged", (unsigned long long)memq_last_seq(a->q));
        agent_stop(a);
    }
}

/* The capture is read in slices from an idle handle so the uplink keeps
 * sending and receiving ACKs while a large file is replayed. */
static void
replay_step(uv_idle_t *h)
{
    struct agent *a = h->data;
    int n;

    /* don't run ahead of the collector by more than a few MiB of batches */
    if (!a->output && memq_pending(a->q) > 4096)
        return;
    n = capture_run(a->cap, 8192);
    if (n > 0)
        return;
    if (n < 0)
        a->exit_code = 1;
    uv_idle_stop(h);
    a->replay_done = 1;
    flush_batch(a);
    if (a->up != NULL)
        uplink_kick(a->up);
    check_done(&a->done_timer);
}

static void
on_signal(uv_signal_t *h, int signum)
{
    struct agent *a = h->data;

    log_info("agent: signal %d, stopping", signum);
    if (!a->replay_done || (a->q != NULL && memq_pending(a->q) > 0))
        a->exit_code = 1;
    agent_stop(a);
}

static void
agent_stop(struct agent *a)
{
    if (a->stopping)
        return;
    a->stopping = 1;
    if (a->cap != NULL)
        uv_idle_stop(&a->replay_idle);
    uv_close((uv_handle_t *)&a->replay_idle, NULL);
    uv_timer_stop(&a->done_timer);
    uv_close((uv_handle_t *)&a->done_timer, NULL);
    uv_close((uv_handle_t *)&a->sigint, NULL);
    uv_close((uv_handle_t *)&a->sigterm, NULL);
    if (a->up != NULL)
        uplink_stop(a->up);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"replay", required_argument, NULL, 'r'},
        {"classes", required_argument, NULL, 'C'},
        {"output", required_argument, NULL, 'o'},
        {"collector", required_argument, NULL, 'L'},
        {"school", required_argument, NULL, 's'},
        {"agent-id", required_argument, NULL, 'i'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct agent a;
    struct capture_opts co;
    struct uplink_opts uo;
    struct uplink_src src;
    const char *cfile = NULL, *replay = NULL, *classes = NULL;
    const char *output = NULL, *collector = NULL, *school = NULL;
    const char *agent_id = NULL;
    char host[64], bootid[40];
    int ch, check = 0, verbose = 0, errors = 0, rc;

    memset(&a, 0, sizeof(a));
    while ((ch = getopt_long(argc, argv, "c:nvhV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': cfile = optarg; break;
        case 'n': check = 1; break;
        case 'v': verbose++; break;
        case 'r': replay = optarg; break;
        case 'C': classes = optarg; break;
        case 'o': output = optarg; break;
        case 'L': collector = optarg; break;
        case 's': school = optarg; break;
        case 'i': agent_id = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("classband-agent %s\n", CLASSBAND_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (output != NULL && strcmp(output, "-") != 0) {
        fprintf(stderr, "classband-agent: --output takes only \"-\" "
                        "(stdout)\n");
        return 2;
    }
    log_init("classband-agent", verbose > 1 || (verbose && !check), 0);
    if (agent_conf_init(&a.conf) != 0)
        fatalx("agent: out of memory");
    if (cfile != NULL) {
        rc = agent_conf_load(&a.conf, cfile, stderr);
        if (rc != 0)
            errors += rc < 0 ? 1 : rc;
    } else if (classes == NULL) {
        fprintf(stderr, "classband-agent: need -c FILE, or --classes CSV "
                        "for a replay\n");
        return 2;
    }
    if (classes == NULL)
        classes = a.conf.classes;
    if (classes != NULL) {
        rc = classmap_load_csv(a.conf.cm, classes, stderr);
        if (rc != 0)
            errors += rc < 0 ? 1 : rc;
    }
    if (classmap_nclasses(a.conf.cm) == 0 && errors == 0) {
        fprintf(stderr, "%s: no classes defined (`class` lines or "
                        "`classes FILE`)\n", cfile ? cfile : "command line");
        errors++;
    }
    a.school = school ? school : a.conf.school;
    if (collector == NULL)
        collector = a.conf.collector;
    if (output == NULL && !check) {
        if (a.school == NULL) {
            fprintf(stderr, "%s: no school code (`school` or --school)\n",
                    cfile ? cfile : "command line");
            errors++;
        }
        if (collector == NULL) {
            fprintf(stderr, "%s: no collector (`collector` or "
                            "--collector HOST:PORT)\n",
                    cfile ? cfile : "command line");
            errors++;
        }
    }
    if (errors > 0 || check) {
        if (check && errors == 0 && verbose)
            agent_conf_print(&a.conf, stdout);
        agent_conf_free(&a.conf);
        return errors > 0 ? 1 : 0;
    }
    if (a.school == NULL)
        a.school = "-";
    if (replay == NULL) {
        fprintf(stderr, "classband-agent: live capture needs `interface` "
                        "(issue: live capture); use --replay FILE\n");
        agent_conf_free(&a.conf);
        return 2;
    }

    a.loop = uv_default_loop();
    signal(SIGPIPE, SIG_IGN);
    memset(&co, 0, sizeof(co));
    co.max_devices = a.conf.max_devices;
    if (capture_open_offline(replay, a.conf.cm, &co, on_minute, &a,
                             &a.cap) != 0) {
        agent_conf_free(&a.conf);
        return 1;
    }
    a.output = output != NULL;
    buf_init(&a.recs, WIRE_MAX_PAYLOAD - 64);
    uv_idle_init(a.loop, &a.replay_idle);
    a.replay_idle.data = &a;
    uv_idle_start(&a.replay_idle, replay_step);
    uv_timer_init(a.loop, &a.done_timer);
    a.done_timer.data = &a;
    uv_timer_start(&a.done_timer, check_done, 100, 100);
    uv_signal_init(a.loop, &a.sigint);
    uv_signal_init(a.loop, &a.sigterm);
    a.sigint.data = a.sigterm.data = &a;
    uv_signal_start(&a.sigint, on_signal, SIGINT);
    uv_signal_start(&a.sigterm, on_signal, SIGTERM);

    if (!a.output) {
        a.q = memq_new(random_u64());
        if (a.q == NULL)
            fatalx("agent: out of memory");
        memq_src(a.q, &src);
        memset(&uo, 0, sizeof(uo));
        uo.collector = collector;
        uo.window = a.conf.window;
        if (gethostname(host, sizeof(host)) != 0)
            snprintf(host, sizeof(host), "agent");
        host[sizeof(host) - 1] = '\0';
        snprintf(uo.hello.agent_id, sizeof(uo.hello.agent_id), "%s",
                 agent_id ? agent_id
                          : a.conf.agent_id ? a.conf.agent_id : host);
        snprintf(uo.hello.school, sizeof(uo.hello.school), "%s", a.school);
        snprintf(uo.hello.version, sizeof(uo.hello.version),
                 "classband-agent %s", CLASSBAND_VERSION);
        snprintf(bootid, sizeof(bootid), "%016llx%016llx",
                 (unsigned long long)random_u64(),
                 (unsigned long long)random_u64());
        snprintf(uo.hello.boot_id, sizeof(uo.hello.boot_id), "%s", bootid);
        if (uplink_start(a.loop, &uo, &src, NULL, &a, &a.up) != 0)
            return 1;
    }
    uv_run(a.loop, UV_RUN_DEFAULT);
    if (fflush(stdout) != 0)
        a.exit_code = 1;
    capture_free(a.cap);
    memq_free(a.q);
    buf_free(&a.recs);
    uv_loop_close(a.loop);
    agent_conf_free(&a.conf);
    return a.exit_code;
}
