/* classband-agent: command line, config, privilege drop and the run loop.
 * Sources of records: the captures (live interfaces, or one --replay file),
 * and the SNMP poller. Records are grouped into batches, put into the
 * outbox (disk spool, or memory for a replay without --spool) and sent by
 * the uplink; `--output -` prints rows as JSON lines and sends nothing.
 * `--snmp-once` polls SNMP once and prints JSON. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "agent_conf.h"
#include "buf.h"
#include "capture.h"
#include "classmap.h"
#include "log.h"
#include "outbox.h"
#include "probe.h"
#include "rowjson.h"
#include "snmp.h"
#include "tls.h"
#include "uplink.h"
#include "wire.h"

/* A batch is flushed before it grows past this, well under the frame cap. */
#define BATCH_SOFT_MAX (256u << 10)
#define DEFAULT_SPOOL "/var/lib/classband/spool"

struct agent {
    uv_loop_t *loop;
    struct agent_conf conf;
    const char *school;
    int output;               /* --output -: JSON lines to stdout */
    int replay;
    struct capture *caps[AGENT_MAX_IFACES];
    uv_poll_t polls[AGENT_MAX_IFACES];
    int ncaps;
    uv_idle_t replay_idle;
    int replay_done;
    struct outbox *ob;
    struct uplink *up;
    struct tls_ctx *tls;      /* NULL: plain TCP */
    uv_timer_t tick;
    int64_t last_status_min;
    time_t started;
    uv_signal_t sigint, sigterm;
    int snmp_running;
    struct buf recs;          /* records of the batch being built */
    uint32_t nrec;
    int exit_code;
    int stopping;
    int draining;             /* live stop: waiting for the last ACKs */
    int64_t replay_clock;     /* replay: end of the last closed minute */
    time_t drain_until;
};

/* How long a stopping agent waits for the collector to acknowledge its
 * last minutes; what is not acknowledged by then stays in the spool. */
#define DRAIN_SECONDS 5

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: classband-agent -c FILE [-n] [-v] [--spool DIR]\n"
        "       classband-agent [-c FILE] --replay CAPTURE [--classes CSV]\n"
        "                       [--output - | --collector HOST:PORT "
        "--school CODE]\n"
        "       classband-agent [-c FILE] --snmp-once [--target SPEC]\n"
        "       classband-agent --help | --version\n"
        "  -c FILE          config file (see classband-agent.conf(5))\n"
        "  -n               check the config and exit 0 or 1 (-v prints it)\n"
        "  -v               more logging (debug)\n"
        "  --replay FILE    read a pcap/pcapng file instead of capturing\n"
        "  --classes CSV    class map as `class,prefix` / `class,vlan:N`\n"
        "  --output -       print per-class minutes as JSON lines; send "
        "nothing\n"
        "  --collector H:P  collector address (overrides the config)\n"
        "  --school CODE    school code (overrides the config)\n"
        "  --agent-id ID    agent id (default: config, else host name)\n"
        "  --spool DIR      spool directory (overrides the config)\n"
        "  --snmp-once      poll every SNMP target once, print JSON, exit\n"
        "  --target SPEC    with --snmp-once: one device, e.g. "
        "v2c:public@192.0.2.1:161\n"
        "With --replay and a collector, exits once every batch is "
        "acknowledged.\n");
}

static void agent_stop(struct agent *a);

static void
flush_batch(struct agent *a)
{
    if (a->nrec == 0)
        return;
    if (a->recs.err != 0)
        log_warnx("agent: batch of %u records lost: %s", a->nrec,
                  strerror(-a->recs.err));
    else
        outbox_append(a->ob, a->recs.p, a->recs.len, a->nrec, a->nrec);
    buf_reset(&a->recs);
    a->nrec = 0;
    if (a->up != NULL)
        uplink_kick(a->up);
}

/* Appends encoded records (u8 type | u16 len | body, n of them). */
static void
add_records(struct agent *a, const uint8_t *p, size_t len, uint32_t n)
{
    if (a->recs.len + len > BATCH_SOFT_MAX)
        flush_batch(a);
    buf_append(&a->recs, p, len);
    a->nrec += n;
}

/* Records are encoded with the wire builder into a scratch frame and
 * copied without the frame and batch headers. */
#define SCRATCH_HDR (WIRE_HDR_LEN + 20)

static void
add_built(struct agent *a, const struct buf *tmp)
{
    if (tmp->err != 0 || tmp->len <= SCRATCH_HDR)
        return;
    add_records(a, tmp->p + SCRATCH_HDR, tmp->len - SCRATCH_HDR, 1);
}

static void
on_minute(void *arg, const struct wire_class_min *rows, size_t n,
          const struct wire_capture_min *cap)
{
    struct agent *a = arg;
    uint8_t mem[1024];
    struct buf tmp;
    size_t i;

    if (cap != NULL && cap->minute + 60 > a->replay_clock)
        a->replay_clock = cap->minute + 60;
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
        add_built(a, &tmp);
    }
    if (cap != NULL) {
        tmp = (struct buf){mem, 0, sizeof(mem), sizeof(mem), 0};
        wire_batch_begin(&tmp, 1, 1);
        wire_batch_add_capture_min(&tmp, cap);
        add_built(a, &tmp);
    }
    flush_batch(a);
}

static void
on_snmp(void *arg, const uint8_t *records, size_t len, uint32_t n)
{
    struct agent *a = arg;

    if (a->output || a->stopping)
        return;
    add_records(a, records, len, n);
    flush_batch(a);
}

static void
send_status(struct agent *a, int64_t minute)
{
    struct wire_agent_status st;
    uint8_t mem[256];
    struct buf tmp = {mem, 0, sizeof(mem), sizeof(mem), 0};

    memset(&st, 0, sizeof(st));
    st.minute = minute;
    st.backlog_batches = outbox_backlog(a->ob);
    outbox_dropped(a->ob, &st.dropped_batches, &st.dropped_rows);
    st.uptime_s = (uint64_t)(time(NULL) - a->started);
    wire_batch_begin(&tmp, 1, 1);
    wire_batch_add_agent_status(&tmp, &st);
    add_built(a, &tmp);
    flush_batch(a);
}

/* Once a second: live captures close their minute even on an idle link;
 * once a minute the agent reports its own health; a finished replay
 * exits when everything is acknowledged. */
static void
on_tick(uv_timer_t *t)
{
    struct agent *a = t->data;
    time_t now = time(NULL);
    int64_t minute = (int64_t)now / 60 * 60;
    int i;

    if (a->stopping)
        return;
    if (a->draining) {
        if (a->ob == NULL || outbox_all_acked(a->ob) ||
            now >= a->drain_until)
            agent_stop(a);
        return;
    }
    if (!a->replay) {
        for (i = 0; i < a->ncaps; i++)
            capture_tick(a->caps[i], (int64_t)now);
        if (minute != a->last_status_min && now % 60 >= 2) {
            a->last_status_min = minute;
            send_status(a, minute);
        }
        outbox_tick(a->ob);
        return;
    }
    if (!a->replay_done)
        return;
    if (a->output || outbox_all_acked(a->ob)) {
        if (!a->output)
            log_info("agent: replay finished; all %llu batches "
                     "acknowledged",
                     (unsigned long long)outbox_last_seq(a->ob));
        agent_stop(a);
    }
}

/* The capture file is read in slices from an idle handle so the uplink
 * keeps sending and receiving ACKs while a large file is replayed. */
static void
replay_step(uv_idle_t *h)
{
    struct agent *a = h->data;
    int n;

    /* don't run ahead of the collector by more than a few thousand
     * batches: memory (or spool) would fill for nothing */
    if (!a->output && outbox_backlog(a->ob) > 4096)
        return;
    if (a->snmp_running) {
        /* SNMP follows the capture's clock: wait for the polls that are
         * due, so their results carry the time they stand for, and read
         * in small slices so the clock does not run far past a due time */
        if (a->replay_clock > 0 &&
            snmp_replay_clock(a->conf.snmp, a->replay_clock) > 0)
            return;
        n = capture_run(a->caps[0], 64);
    } else {
        n = capture_run(a->caps[0], 8192);
    }
    if (n > 0)
        return;
    /* the last polls' results belong to this replay too */
    if (n == 0 && a->snmp_running &&
        snmp_replay_clock(a->conf.snmp, a->replay_clock) > 0)
        return;
    if (n < 0)
        a->exit_code = 1;
    uv_idle_stop(h);
    a->replay_done = 1;
    flush_batch(a);
    if (a->up != NULL)
        uplink_kick(a->up);
    on_tick(&a->tick);
}

static void
on_readable(uv_poll_t *p, int status, int events)
{
    struct agent *a = p->data;
    int i = (int)(p - a->polls);

    (void)events;
    if (status < 0) {
        log_warnx("agent: capture poll: %s", uv_strerror(status));
        return;
    }
    /* bounded work per wakeup so one busy interface can't starve the
     * others or the uplink */
    if (capture_run(a->caps[i], 4096) < 0)
        log_warnx("agent: capture read error; continuing");
}

static void
on_config(void *arg, const struct wire_config *c)
{
    struct agent *a = arg;
    struct classmap *cm;
    unsigned i;
    int k, errors;

    for (i = 0; i < c->nsections; i++) {
        if (c->sec[i].kind == WIRE_CFG_CLASSMAP) {
            cm = classmap_new();
            if (cm == NULL)
                continue;
            errors = classmap_load_text(cm, "collector class map",
                                        c->sec[i].text, c->sec[i].len,
                                        stderr);
            if (errors != 0 || classmap_nclasses(cm) == 0) {
                log_warnx("agent: class map from the collector (version "
                          "%llu) refused: %d errors; keeping the old one",
                          (unsigned long long)c->version, errors);
                classmap_free(cm);
                continue;
            }
            for (k = 0; k < a->ncaps; k++)
                capture_set_classmap(a->caps[k], cm);
            /* the captures now use cm; the old map goes when all have
             * switched (capture_set_classmap emits the open minute first) */
            classmap_free(a->conf.cm);
            a->conf.cm = cm;
            log_info("agent: class map version %llu from the collector: "
                     "%zu classes", (unsigned long long)c->version,
                     classmap_nclasses(cm));
        } else if (c->sec[i].kind == WIRE_CFG_AREAMAP) {
            char err[256];
            if (snmp_set_areamap_csv(a->conf.snmp, c->sec[i].text,
                                     c->sec[i].len, err, sizeof(err)) != 0)
                log_warnx("agent: area map from the collector refused: %s",
                          err);
        }
    }
}

static void
on_signal(uv_signal_t *h, int signum)
{
    struct agent *a = h->data;

    log_info("agent: signal %d, stopping", signum);
    if (a->replay && (!a->replay_done || !outbox_all_acked(a->ob)))
        a->exit_code = 1;
    if (a->draining) /* a second signal: stop now */
        a->drain_until = 0;
    agent_stop(a);
}

static void
agent_stop(struct agent *a)
{
    int i;

    if (a->stopping)
        return;
    if (!a->replay && !a->draining) {
        /* the open minute is real data: spool it, and give the collector a
         * few seconds to acknowledge it before leaving */
        probe_stop(a->conf.probe); /* emits the open minute's reach counts */
        for (i = 0; i < a->ncaps; i++) {
            uv_poll_stop(&a->polls[i]);
            capture_flush(a->caps[i]);
        }
        flush_batch(a);
        a->draining = 1;
        a->drain_until = time(NULL) + DRAIN_SECONDS;
        if (a->up != NULL && !outbox_all_acked(a->ob))
            return; /* on_tick finishes the stop */
    }
    if (a->replay)
        probe_stop(a->conf.probe);
    a->stopping = 1;
    if (a->draining && a->ob != NULL && !outbox_all_acked(a->ob))
        log_warnx("agent: stopping with %llu batches not yet acknowledged; "
                  "they stay in the spool",
                  (unsigned long long)outbox_backlog(a->ob));
    for (i = 0; i < a->ncaps; i++)
        if (!a->replay)
            uv_close((uv_handle_t *)&a->polls[i], NULL);
    if (a->replay)
        uv_close((uv_handle_t *)&a->replay_idle, NULL);
    uv_timer_stop(&a->tick);
    uv_close((uv_handle_t *)&a->tick, NULL);
    uv_close((uv_handle_t *)&a->sigint, NULL);
    uv_close((uv_handle_t *)&a->sigterm, NULL);
    if (a->snmp_running)
        snmp_stop(a->conf.snmp);
    if (a->up != NULL)
        uplink_stop(a->up);
}

/* Gives the spool directory (and what is in it) to the unprivileged user
 * before the switch, so a spool made by an earlier root run stays usable. */
static void
chown_tree(const char *dir, uid_t uid, gid_t gid)
{
    char path[4096];
    struct dirent *e;
    DIR *d;

    if (chown(dir, uid, gid) != 0 && errno != ENOENT)
        log_warn("agent: chown %s", dir);
    d = opendir(dir);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (chown(path, uid, gid) != 0)
            log_warn("agent: chown %s", path);
    }
    closedir(d);
}

static void
drop_privileges(const char *user, const char *spool, int live)
{
    struct passwd *pw;

    if (geteuid() != 0)
        return;
    if (user == NULL && !live)
        return; /* a replay reads a file: nothing to protect */
    if (user == NULL) {
        log_warnx("agent: running as root: set `user` in the config to drop "
                  "privileges after opening the captures");
        return;
    }
    pw = getpwnam(user);
    if (pw == NULL)
        fatalx("agent: user \"%s\" does not exist", user);
    if (spool != NULL) {
        if (mkdir(spool, 0700) != 0 && errno != EEXIST)
            log_warn("agent: mkdir %s", spool);
        chown_tree(spool, pw->pw_uid, pw->pw_gid);
    }
    if (setgroups(1, &pw->pw_gid) != 0 ||
        setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
        setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
        fatal("agent: cannot drop privileges to %s", user);
    if (setuid(0) == 0)
        fatalx("agent: privileges were not dropped");
    log_info("agent: running as %s (uid %u)", user, (unsigned)pw->pw_uid);
}

/* The key of `tls_key HEX` or `tls_key file:PATH` (first line of the
 * file). 0, or -1 after saying why on stderr. */
static int
load_key(const char *spec, uint8_t key[TLS_KEY_LEN])
{
    char line[256];
    FILE *f;
    int rc;

    if (strncmp(spec, "file:", 5) != 0)
        return tls_key_parse(spec, key) == 0 ? 0 : -1;
    f = fopen(spec + 5, "r");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", spec + 5, strerror(errno));
        return -1;
    }
    line[0] = '\0';
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, " \t\r\n")] = '\0';
    rc = tls_key_parse(line, key);
    memset(line, 0, sizeof(line));
    if (rc != 0) {
        fprintf(stderr, "%s: does not hold a 64-hex-digit key\n", spec + 5);
        return -1;
    }
    return 0;
}

static uint64_t
random_u64(void)
{
    uint64_t v = 0;

    while (v == 0)
        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
            fatal("agent: getrandom");
    return v;
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
        {"spool", required_argument, NULL, 'S'},
        {"snmp-once", no_argument, NULL, 'O'},
        {"target", required_argument, NULL, 'T'},
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
    const char *agent_id = NULL, *spool = NULL, *target = NULL;
    char host[64];
    int ch, check = 0, verbose = 0, errors = 0, once = 0, rc, i;

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
        case 'S': spool = optarg; break;
        case 'O': once = 1; break;
        case 'T': target = optarg; break;
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
    if (target != NULL && !once) {
        fprintf(stderr, "classband-agent: --target goes with --snmp-once\n");
        return 2;
    }
    log_init("classband-agent", check ? verbose > 1 : verbose, 0);
    if (agent_conf_init(&a.conf) != 0)
        fatalx("agent: out of memory");
    if (cfile != NULL) {
        rc = agent_conf_load(&a.conf, cfile, stderr);
        if (rc != 0)
            errors += rc < 0 ? 1 : rc;
    } else if (classes == NULL && !once) {
        fprintf(stderr, "classband-agent: need -c FILE (or --classes CSV "
                        "with --replay, or --snmp-once --target SPEC)\n");
        agent_conf_free(&a.conf);
        return 2;
    }
    if (once) {
        if (errors > 0) {
            agent_conf_free(&a.conf);
            return 1;
        }
        if (target == NULL && snmp_set_ntargets(a.conf.snmp) == 0) {
            fprintf(stderr, "classband-agent: --snmp-once: no snmp_target "
                            "in the config and no --target\n");
            agent_conf_free(&a.conf);
            return 2;
        }
        rc = snmp_once(a.conf.snmp, target, stdout);
        agent_conf_free(&a.conf);
        return rc;
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
    if (spool == NULL)
        spool = a.conf.spool;
    if (output == NULL) {
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
    if (output == NULL && a.conf.tls_key != NULL && agent_id == NULL &&
        a.conf.agent_id == NULL) {
        fprintf(stderr, "%s: tls_key needs the agent_id it was issued for\n",
                cfile ? cfile : "command line");
        errors++;
    }
    if (output == NULL && a.conf.tls_key == NULL && !a.conf.plaintext &&
        cfile != NULL) {
        fprintf(stderr, "%s: no tls_key: put in the lines `classband-collector "
                        "enroll %s` prints, or `plaintext yes` for a lab\n",
                cfile, a.school ? a.school : "SCHOOL");
        errors++;
    }
    if (replay == NULL && a.conf.nifaces == 0 && output == NULL) {
        fprintf(stderr, "%s: no `interface` to capture on (or --replay "
                        "FILE)\n", cfile ? cfile : "command line");
        errors++;
    }
    if (errors > 0 || check) {
        if (check && errors == 0 && verbose)
            agent_conf_print(&a.conf, stdout);
        agent_conf_free(&a.conf);
        return errors > 0 ? 1 : 0;
    }
    if (a.school == NULL)
        a.school = "-";
    a.replay = replay != NULL;
    a.output = output != NULL;
    if (!a.replay && spool == NULL)
        spool = DEFAULT_SPOOL;

    /* the key file may be readable by root only: read it before the drop */
    if (!a.output && a.conf.tls_key != NULL) {
        uint8_t key[TLS_KEY_LEN];
        const char *id = agent_id ? agent_id : a.conf.agent_id;
        if (load_key(a.conf.tls_key, key) != 0 ||
            tls_ctx_client(id, key, &a.tls) != 0)
            fatalx("agent: cannot set up TLS with tls_key");
        memset(key, 0, sizeof(key));
    } else if (!a.output) {
        log_warnx("agent: talking to the collector over plain TCP, "
                  "unauthenticated (%s): lab use only",
                  a.conf.plaintext ? "plaintext yes" : "no config file");
    }
    a.loop = uv_default_loop();
    a.started = time(NULL);
    signal(SIGPIPE, SIG_IGN);
    memset(&co, 0, sizeof(co));
    co.max_devices = a.conf.max_devices;
    co.filter = a.conf.bpf_filter;
    co.snaplen = (int)a.conf.snaplen;
    co.promisc = a.conf.promisc;
    co.buffer_kib = (int)a.conf.buffer_kib;
    if (a.replay) {
        if (capture_open_offline(replay, a.conf.cm, &co, on_minute, &a,
                                 &a.caps[0]) != 0) {
            agent_conf_free(&a.conf);
            return 1;
        }
        a.ncaps = 1;
    } else {
        for (i = 0; i < a.conf.nifaces; i++) {
            if (capture_open_live(a.conf.ifaces[i], a.conf.cm, &co,
                                  on_minute, &a, &a.caps[i]) != 0)
                fatalx("agent: cannot capture on %s", a.conf.ifaces[i]);
            a.ncaps++;
        }
    }
    /* captures are open: nothing below needs root */
    drop_privileges(a.conf.user, a.output ? NULL : spool, !a.replay);
    if (!a.output) {
        rc = outbox_open(spool, (uint64_t)a.conf.spool_max_mb << 20, &a.ob);
        if (rc != 0)
            fatalx("agent: cannot open spool %s: %s",
                   spool ? spool : "(memory)", strerror(-rc));
    }
    buf_init(&a.recs, WIRE_MAX_PAYLOAD - 64);
    if (a.replay) {
        uv_idle_init(a.loop, &a.replay_idle);
        a.replay_idle.data = &a;
        uv_idle_start(&a.replay_idle, replay_step);
    } else {
        for (i = 0; i < a.ncaps; i++) {
            if (uv_poll_init(a.loop, &a.polls[i], capture_fd(a.caps[i])) != 0)
                fatalx("agent: cannot poll capture %s", a.conf.ifaces[i]);
            a.polls[i].data = &a;
            uv_poll_start(&a.polls[i], UV_READABLE, on_readable);
        }
    }
    uv_timer_init(a.loop, &a.tick);
    a.tick.data = &a;
    a.last_status_min = (int64_t)time(NULL) / 60 * 60;
    uv_timer_start(&a.tick, on_tick, 100, a.replay ? 100 : 1000);
    uv_signal_init(a.loop, &a.sigint);
    uv_signal_init(a.loop, &a.sigterm);
    a.sigint.data = a.sigterm.data = &a;
    uv_signal_start(&a.sigint, on_signal, SIGINT);
    uv_signal_start(&a.sigterm, on_signal, SIGTERM);

    if (!a.output) {
        outbox_src(a.ob, &src);
        memset(&uo, 0, sizeof(uo));
        uo.collector = collector;
        uo.tls = a.tls;
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
        snprintf(uo.hello.boot_id, sizeof(uo.hello.boot_id),
                 "%016llx%016llx", (unsigned long long)random_u64(),
                 (unsigned long long)random_u64());
        if (uplink_start(a.loop, &uo, &src, on_config, &a, &a.up) != 0)
            return 1;
        if (snmp_set_ntargets(a.conf.snmp) > 0) {
            snmp_set_replay(a.conf.snmp, a.replay);
            if (snmp_start(a.conf.snmp, a.loop, on_snmp, &a) != 0)
                log_warnx("agent: SNMP polling could not start");
            else
                a.snmp_running = 1;
        }
        if (!a.replay && probe_active(a.conf.probe) &&
            probe_start(a.conf.probe, a.loop, on_snmp, &a) != 0)
            log_warnx("agent: probes could not start");
    }
    log_info("agent: version %s, school %s, %s %s", CLASSBAND_VERSION,
             a.school, a.replay ? "replaying" : "capturing on",
             a.replay ? replay : a.conf.ifaces[0]);
    uv_run(a.loop, UV_RUN_DEFAULT);
    if (fflush(stdout) != 0)
        a.exit_code = 1;
    for (i = 0; i < a.ncaps; i++)
        capture_free(a.caps[i]);
    outbox_close(a.ob);
    tls_ctx_free(a.tls);
    buf_free(&a.recs);
    uv_loop_close(a.loop);
    agent_conf_free(&a.conf);
    return a.exit_code;
}
