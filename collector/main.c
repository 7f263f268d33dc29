/* classband-collector: subcommand dispatch, `serve` (the agent listener and
 * its writer thread on one libuv loop) and `query`. Other subcommands live
 * in their modules and are listed in the table below. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "cli_compliance.h"
#include "collector_conf.h"
#include "conf.h"
#include "http.h"
#include "keys.h"
#include "log.h"
#include "probe_srv.h"
#include "rollup.h"
#include "rowjson.h"
#include "server.h"
#include "storage.h"
#include "timeutil.h"
#include "tls.h"
#include "writer.h"

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: classband-collector serve [-c FILE] [--listen HOST:PORT] "
        "[--db FILE] [--http HOST:PORT] [-n] [-v]\n"
        "       classband-collector query --db FILE [--school CODE] "
        "[--from T] [--to T]\n"
        "       classband-collector rollup --db FILE [--retention-days N] "
        "[--now T]\n"
        "       classband-collector enroll SCHOOL --db FILE [--agent-id ID] "
        "[--days N | --expires T]\n"
        "       classband-collector enroll --revoke AGENT_ID --db FILE\n"
        "       classband-collector import schools|classes|areas FILE.csv "
        "--db FILE [--encoding auto|utf-8|gbk]\n"
        "       classband-collector pack load FILE --db FILE\n"
        "       classband-collector evaluate --pack P --year Y "
        "[--district D] --db FILE\n"
        "       classband-collector report --pack P --year Y [--district D] "
        "--format csv [--lang zh|en]\n"
        "                          [--encoding utf-8|gbk] [--output FILE] "
        "--db FILE\n"
        "       classband-collector --help | --version\n"
        "T is unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC).\n"
        "See classband-collector(8).\n");
}

struct serve_ctx {
    uv_loop_t *loop;
    struct server *srv;
    struct writer *w;
    uv_signal_t sigint, sigterm;
    int stopping;
    struct rollup *rollup;
    struct http *http;          /* NULL when http_listen is unset */
    struct http_live live;      /* agent-side figures for /metrics */
    uv_timer_t live_timer;
    struct probe_srv *probe;    /* NULL when probe_listen is unset */
    struct tls_ctx *tls;        /* NULL: plain TCP */
    struct keyring *ring;       /* agent credentials, swapped on reload */
    uv_timer_t keys_timer;
    uv_work_t keys_work;
    struct keyring *new_ring;
    const char *db;
    int keys_busy;
};

/* The keyring is reloaded in a worker thread (it reads the database) and
 * swapped in on the loop, so a handshake never waits on the disk. */
static void
keys_work_cb(uv_work_t *w)
{
    struct serve_ctx *x = w->data;

    if (keyring_load(x->db, &x->new_ring) != 0)
        x->new_ring = NULL;
}

static void
keys_after_cb(uv_work_t *w, int status)
{
    struct serve_ctx *x = w->data;

    x->keys_busy = 0;
    if (status != 0 || x->new_ring == NULL)
        return;
    if (keyring_size(x->new_ring) != keyring_size(x->ring))
        log_info("collector: %zu agent credentials loaded",
                 keyring_size(x->new_ring));
    keyring_free(x->ring);
    x->ring = x->new_ring;
    x->new_ring = NULL;
    if (x->stopping) {
        keyring_free(x->ring);
        x->ring = NULL;
    }
}

static void
on_keys_timer(uv_timer_t *t)
{
    struct serve_ctx *x = t->data;

    if (x->keys_busy || x->stopping)
        return;
    x->keys_work.data = x;
    if (uv_queue_work(x->loop, &x->keys_work, keys_work_cb,
                      keys_after_cb) == 0)
        x->keys_busy = 1;
}

/* The writer's done callback: notes the commit latency for /metrics, then
 * hands the job to the server (which may free it). */
static void
serve_job_done(void *arg, struct writer_job *job)
{
    struct serve_ctx *x = arg;

    if (job->kind == WRITER_BATCH && job->rc == STORAGE_STORED)
        http_live_commit(&x->live, job->commit_us);
    server_job_done(x->srv, job);
}

/* Copies the server's counters for the HTTP threads, once a second. */
static void
on_live_timer(uv_timer_t *t)
{
    struct serve_ctx *x = t->data;
    const struct server_stats *ss = server_stats(x->srv);

    http_live_update(&x->live, ss->conns_open, ss->conns_total,
                     ss->batches_stored, ss->batches_duplicate,
                     ss->frames_rejected, ss->bytes_in, writer_depth(x->w),
                     (int64_t)time(NULL), (int64_t)uv_now(x->loop));
}

static void
on_signal(uv_signal_t *h, int signum)
{
    struct serve_ctx *x = h->data;

    if (x->stopping)
        return;
    x->stopping = 1;
    log_info("collector: signal %d: finishing queued commits and stopping",
             signum);
    server_stop(x->srv);
    probe_srv_stop(x->probe);
    writer_stop(x->w);
    rollup_stop(x->rollup);
    x->rollup = NULL;
    if (x->tls != NULL) {
        uv_timer_stop(&x->keys_timer);
        uv_close((uv_handle_t *)&x->keys_timer, NULL);
    }
    if (x->http != NULL)
        uv_close((uv_handle_t *)&x->live_timer, NULL);
    uv_close((uv_handle_t *)&x->sigint, NULL);
    uv_close((uv_handle_t *)&x->sigterm, NULL);
}

static int
cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'd'},
        {"http", required_argument, NULL, 'H'},
        {"verbose", no_argument, NULL, 'v'},
        {"check", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct collector_conf conf;
    struct serve_ctx x;
    struct server_opts so;
    struct storage *st;
    const char *cfile = NULL, *listen = NULL, *db = NULL, *http = NULL;
    struct http_opts ho;
    int ch, verbose = 0, check = 0, rc;

    collector_conf_defaults(&conf);
    while ((ch = getopt_long(argc, argv, "c:l:d:H:vnh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': cfile = optarg; break;
        case 'l': listen = optarg; break;
        case 'd': db = optarg; break;
        case 'H': http = optarg; break;
        case 'v': verbose++; break;
        case 'n': check = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (cfile != NULL && collector_conf_load(&conf, cfile, stderr) != 0) {
        collector_conf_free(&conf);
        return 1;
    }
    if (listen != NULL) {
        free(conf.listen);
        conf.listen = strdup(listen);
    }
    if (db != NULL) {
        free(conf.db);
        conf.db = strdup(db);
    }
    if (http != NULL) {
        free(conf.http_listen);
        conf.http_listen = strdup(http);
    }
    if (collector_conf_check(&conf, stderr) != 0) {
        collector_conf_free(&conf);
        return 1;
    }
    if (check) {
        if (verbose)
            collector_conf_print(&conf, stdout);
        collector_conf_free(&conf);
        return 0;
    }
    log_init("classband-collector", verbose, 0);
    if (storage_open(conf.db, &st) != 0)
        fatalx("collector: cannot open database %s", conf.db);
    memset(&x, 0, sizeof(x));
    x.loop = uv_default_loop();
    signal(SIGPIPE, SIG_IGN);
    http_live_init(&x.live, (int64_t)time(NULL));
    if ((rc = writer_start(x.loop, st, conf.group_commit, serve_job_done,
                           &x, &x.w)) != 0)
        fatalx("collector: writer thread: %s", strerror(-rc));
    x.db = conf.db;
    if (cfile == NULL || conf.plaintext) {
        log_warnx("collector: agents connect over plain TCP, unauthenticated "
                  "(%s): lab use only", cfile == NULL ? "no config file"
                                                      : "plaintext yes");
    } else {
        if ((rc = keyring_load(conf.db, &x.ring)) != 0)
            fatalx("collector: cannot read agent credentials from %s",
                   conf.db);
        if (tls_ctx_server(keyring_lookup, &x.ring, &x.tls) != 0)
            fatalx("collector: cannot set up TLS");
        log_info("collector: TLS 1.3 with per-agent keys; %zu agents "
                 "enrolled", keyring_size(x.ring));
        uv_timer_init(x.loop, &x.keys_timer);
        x.keys_timer.data = &x;
        uv_timer_start(&x.keys_timer, on_keys_timer,
                       (uint64_t)conf.keys_reload * 1000,
                       (uint64_t)conf.keys_reload * 1000);
    }
    memset(&so, 0, sizeof(so));
    so.tls = x.tls;
    so.ring = &x.ring;
    so.listen = conf.listen;
    so.max_frame = (size_t)conf.max_frame_kb * 1024;
    so.max_inflight = conf.max_inflight;
    so.max_queue = conf.max_queue;
    so.idle_timeout_s = conf.idle_timeout;
    so.hello_timeout_s = conf.hello_timeout;
    so.frame_timeout_s = conf.frame_timeout;
    so.max_rate_bps = (uint64_t)conf.max_agent_kbps * 1024;
    so.config_check_s = conf.config_check;
    if (server_start(x.loop, &so, x.w, &x.srv) != 0)
        fatalx("collector: cannot listen on %s", conf.listen);
    /* serve_job_done reads x.srv, set just above */
    if (conf.http_listen != NULL) {
        memset(&ho, 0, sizeof(ho));
        ho.listen = conf.http_listen;
        ho.db = conf.db;
        ho.tokens = (const char *const *)conf.http_tokens;
        ho.ntokens = conf.http_ntokens;
        ho.cors_origin = conf.http_cors_origin;
        ho.web_dir = conf.http_web_dir;
        ho.threads = conf.http_threads;
        ho.max_conns = conf.http_max_conns;
        ho.timeout_s = conf.http_timeout;
        ho.tls_cert = conf.http_tls_cert;
        ho.tls_key = conf.http_tls_key;
        ho.live = &x.live;
        if (http_start(&ho, &x.http) != 0)
            fatalx("collector: cannot serve HTTP on %s", conf.http_listen);
        uv_timer_init(x.loop, &x.live_timer);
        x.live_timer.data = &x;
        uv_timer_start(&x.live_timer, on_live_timer, 0, 1000);
    }
    {
        struct rollup_opts ro = {conf.db, conf.rollup_interval,
                                 conf.retention_days};
        if (rollup_start(&ro, &x.rollup) != 0)
            fatalx("collector: cannot start the rollup thread");
    }
    if (conf.probe_listen != NULL) {
        struct probe_srv_opts po = {conf.probe_listen, conf.probe_max_tests,
                                    conf.probe_max_seconds,
                                    (uint64_t)conf.probe_max_mb << 20};
        if (probe_srv_start(x.loop, &po, &x.probe) != 0)
            fatalx("collector: cannot listen for probes on %s",
                   conf.probe_listen);
    }
    uv_signal_init(x.loop, &x.sigint);
    uv_signal_init(x.loop, &x.sigterm);
    x.sigint.data = x.sigterm.data = &x;
    uv_signal_start(&x.sigint, on_signal, SIGINT);
    uv_signal_start(&x.sigterm, on_signal, SIGTERM);
    log_info("collector: version %s listening on %s (port %d), db %s",
             CLASSBAND_VERSION, conf.listen, server_port(x.srv), conf.db);
    uv_run(x.loop, UV_RUN_DEFAULT);
    tls_ctx_free(x.tls);
    keyring_free(x.ring);
    http_stop(x.http);
    server_free(x.srv);
    uv_loop_close(x.loop);
    collector_conf_free(&conf);
    log_info("collector: stopped");
    return 0;
}

static int
print_row(void *arg, const struct storage_class_row *r)
{
    struct wire_class_min w;

    (void)arg;
    memset(&w, 0, sizeof(w));
    w.minute = r->minute;
    snprintf(w.class_id, sizeof(w.class_id), "%s", r->class_id);
    w.bytes_up = r->bytes_up;
    w.bytes_down = r->bytes_down;
    w.pkts_up = r->pkts_up;
    w.pkts_down = r->pkts_down;
    w.peak_up_bps = r->peak_up_bps;
    w.peak_down_bps = r->peak_down_bps;
    w.devices = r->devices;
    return rowjson_class(stdout, r->school, &w);
}

static int
cmd_query(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"school", required_argument, NULL, 's'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct storage *st;
    const char *db = NULL, *school = NULL;
    int64_t from = INT64_MIN, to = INT64_MAX;
    int ch, rc;

    while ((ch = getopt_long(argc, argv, "d:s:f:t:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 's': school = optarg; break;
        case 'f':
        case 't':
            if (timeutil_parse(optarg, ch == 'f' ? &from : &to) != 0) {
                fprintf(stderr, "query: bad time \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (db == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    log_init("classband-collector", 0, 0);
    if (storage_open_ro(db, &st) != 0)
        return 1;
    rc = storage_each_class_minute(st, school, from, to, STORAGE_BY_MINUTE,
                                   print_row, NULL);
    storage_close(st);
    if (fflush(stdout) != 0)
        rc = -EIO;
    return rc == 0 ? 0 : 1;
}

static int
cmd_rollup(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"retention-days", required_argument, NULL, 'r'},
        {"now", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct rollup_stats rs;
    const char *db = NULL;
    unsigned long long ret = 0;
    int64_t now = (int64_t)time(NULL);
    int ch, rc;

    while ((ch = getopt_long(argc, argv, "d:r:N:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 'r':
            if (conf_parse_u64(optarg, 0, 36500, &ret) != 0) {
                fprintf(stderr, "rollup: bad --retention-days %s\n",
                        optarg);
                return 2;
            }
            break;
        case 'N':
            if (timeutil_parse(optarg, &now) != 0) {
                fprintf(stderr, "rollup: bad time \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (db == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    log_init("classband-collector", 0, 0);
    rc = rollup_run_once(db, (unsigned)ret, now, &rs);
    printf("rollup: %llu school-hours, %llu school-days, %llu raw rows "
           "expired\n", (unsigned long long)rs.hours,
           (unsigned long long)rs.days, (unsigned long long)rs.expired_rows);
    return rc == 0 ? 0 : 1;
}

/* enroll SCHOOL --db FILE [--agent-id ID] [--days N]: issues credentials
 * and prints the lines to put on the school's router. */
static int
cmd_enroll(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"agent-id", required_argument, NULL, 'i'},
        {"days", required_argument, NULL, 'D'},
        {"expires", required_argument, NULL, 'e'},
        {"revoke", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct storage *st;
    const char *db = NULL, *school, *agent_id = NULL;
    char hex[2 * TLS_KEY_LEN + 1], idbuf[TLS_IDENTITY_MAX + 1];
    unsigned long long days = 0;
    int64_t expires = 0;
    int ch, rc, revoke = 0;

    while ((ch = getopt_long(argc, argv, "d:i:D:e:rh", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 'i': agent_id = optarg; break;
        case 'D':
            if (conf_parse_u64(optarg, 1, 36500, &days) != 0) {
                fprintf(stderr, "enroll: bad --days %s\n", optarg);
                return 2;
            }
            expires = (int64_t)time(NULL) + (int64_t)days * 86400;
            break;
        case 'e':
            if (timeutil_parse(optarg, &expires) != 0) {
                fprintf(stderr, "enroll: bad --expires %s\n", optarg);
                return 2;
            }
            break;
        case 'r': revoke = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (db == NULL || optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    school = argv[optind];
    log_init("classband-collector", 0, 0);
    if (storage_open(db, &st) != 0)
        return 1;
    if (revoke) {
        /* `enroll --revoke ID`: the argument is the agent id */
        rc = keys_revoke(st, school);
        storage_close(st);
        if (rc != 0) {
            fprintf(stderr, "enroll: no agent \"%s\" to revoke\n", school);
            return 1;
        }
        printf("revoked %s; the collector refuses it within its "
               "keys_reload period\n", school);
        return 0;
    }
    if (agent_id == NULL) {
        /* SCHOOL-xxxxxxxx: a second router of the same school gets its own
         * id (the random part comes from a throw-away key) */
        uint8_t scratch[TLS_KEY_LEN];
        if (tls_key_new(scratch, hex) != 0) {
            storage_close(st);
            return 1;
        }
        snprintf(idbuf, sizeof(idbuf), "%s-%.8s", school, hex);
        agent_id = idbuf;
    }
    rc = keys_enroll(st, school, agent_id, expires, hex);
    storage_close(st);
    if (rc != 0) {
        fprintf(stderr, "enroll: cannot store the credentials\n");
        return 1;
    }
    printf("# classband agent credentials for school %s (agent %s)%s\n",
           school, agent_id, expires ? "" : ", no expiry");
    printf("# Put these lines into the agent's config (agent.conf) on the "
           "school's router,\n# make the file readable by root and the "
           "agent only (chmod 640, group classband),\n# and restart the "
           "agent. Keep the key secret: it lets its holder write\n# this "
           "school's figures.\n");
    printf("agent_id %s\nschool %s\ntls_key %s\n", agent_id, school, hex);
    memset(hex, 0, sizeof(hex));
    return 0;
}

/* Subcommands. Modules add their entry here. */
static const struct {
    const char *name;
    int (*fn)(int, char **);
} commands[] = {
    {"serve", cmd_serve},
    {"query", cmd_query},
    {"rollup", cmd_rollup},
    {"enroll", cmd_enroll},
    /* compliance subcommands (collector/cli_compliance.c) go below */
    {"import", cli_import},
    {"calendar", cli_calendar},
    {"pack", cli_pack},
    {"evaluate", cli_evaluate},
    {"report", cli_report},
    {"registry", cli_registry},
};

int
main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("classband-collector %s\n", CLASSBAND_VERSION);
        return 0;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "classband-collector: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
