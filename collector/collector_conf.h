/* collector_conf: the collector's config file (key table, defaults,
 * validation). See classband-collector.conf(5) and README "Configuration". */
#ifndef COLLECTOR_CONF_H
#define COLLECTOR_CONF_H

#include <stdio.h>

struct collector_conf {
    char *listen;          /* agent listener, HOST:PORT */
    char *db;              /* SQLite file */
    unsigned max_frame_kb; /* largest frame accepted from an agent */
    unsigned max_inflight; /* batches per agent awaiting commit */
    unsigned max_queue;    /* writer queue length that pauses all reads */
    unsigned idle_timeout; /* seconds */
    unsigned hello_timeout;
    unsigned frame_timeout;  /* seconds a half-received frame may stall */
    unsigned max_agent_kbps; /* KiB/s read per agent connection; 0 none */
    unsigned config_check;   /* seconds between registry checks per agent */
    int plaintext;           /* agents over plain TCP (a lab) */
    unsigned keys_reload;    /* seconds between credential reloads */
    unsigned group_commit; /* batches per transaction at most */
    unsigned retention_days;  /* raw minute rows kept; 0 forever */
    unsigned rollup_interval; /* seconds between rollup passes */
    char *http_listen;     /* HTTP API/dashboard, HOST:PORT; NULL: off */
    char **http_tokens;    /* read tokens (http_token, repeatable) */
    unsigned http_ntokens;
    char *http_cors_origin;
    char *http_web_dir;    /* dashboard files; NULL: built-in default */
    unsigned http_threads;
    unsigned http_max_conns;
    unsigned http_timeout; /* seconds of client inactivity */
    char *http_tls_cert;   /* PEM; with http_tls_key: HTTPS */
    char *http_tls_key;
    char *probe_listen;    /* capacity probe endpoint, HOST:PORT; NULL: off */
    unsigned probe_max_tests;   /* concurrent probe tests; 0: 2 */
    unsigned probe_max_seconds; /* per test; 0: 10 */
    unsigned probe_max_mb;      /* per test; 0: 1024 */
};

void collector_conf_defaults(struct collector_conf *c);
/* Parses path; every error reported to errs as file:line: message.
 * Returns the number of errors, or -1 if unreadable. */
int  collector_conf_load(struct collector_conf *c, const char *path,
                         FILE *errs);
/* Checks cross-key rules after loading and command-line overrides. */
int  collector_conf_check(const struct collector_conf *c, FILE *errs);
void collector_conf_print(const struct collector_conf *c, FILE *out);
void collector_conf_free(struct collector_conf *c);

#endif /* COLLECTOR_CONF_H */
