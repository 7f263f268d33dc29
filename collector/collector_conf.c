/* collector_conf: see collector_conf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector_conf.h"
#include "conf.h"

#define AT(f) CONF_AT(struct collector_conf, f)

/* http_token may repeat: one line per dashboard or scraper. */
static int
add_token(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct collector_conf *c = obj;
    char **t;

    if (argc != 2 || strlen(argv[1]) < 16) {
        snprintf(err, errlen, "http_token takes one token of at least 16 "
                              "characters");
        return -1;
    }
    t = realloc(c->http_tokens, (c->http_ntokens + 1) * sizeof(*t));
    if (t == NULL || (t[c->http_ntokens] = strdup(argv[1])) == NULL) {
        if (t != NULL)
            c->http_tokens = t;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->http_tokens = t;
    c->http_ntokens++;
    return 0;
}

static const struct conf_key collector_keys[] = {
    {"listen", CONF_STR, 0, 0, AT(listen), NULL},
    {"db", CONF_STR, 0, 0, AT(db), NULL},
    {"max_frame_kb", CONF_UINT, 1, 1024, AT(max_frame_kb), NULL},
    {"max_inflight", CONF_UINT, 1, 256, AT(max_inflight), NULL},
    {"max_queue", CONF_UINT, 16, 1000000, AT(max_queue), NULL},
    {"idle_timeout", CONF_UINT, 10, 86400, AT(idle_timeout), NULL},
    {"hello_timeout", CONF_UINT, 1, 3600, AT(hello_timeout), NULL},
    {"frame_timeout", CONF_UINT, 1, 3600, AT(frame_timeout), NULL},
    {"max_agent_kbps", CONF_UINT, 0, 10000000, AT(max_agent_kbps), NULL},
    {"config_check", CONF_UINT, 1, 86400, AT(config_check), NULL},
    {"plaintext", CONF_BOOL, 0, 0, AT(plaintext), NULL},
    {"keys_reload", CONF_UINT, 1, 86400, AT(keys_reload), NULL},
    {"group_commit", CONF_UINT, 1, 100000, AT(group_commit), NULL},
    {"retention_days", CONF_UINT, 0, 36500, AT(retention_days), NULL},
    {"rollup_interval", CONF_UINT, 1, 86400, AT(rollup_interval), NULL},
    {"http_listen", CONF_STR, 0, 0, AT(http_listen), NULL},
    {"http_token", CONF_FUNC, 0, 0, 0, add_token},
    {"http_cors_origin", CONF_STR, 0, 0, AT(http_cors_origin), NULL},
    {"http_web_dir", CONF_STR, 0, 0, AT(http_web_dir), NULL},
    {"http_threads", CONF_UINT, 1, 64, AT(http_threads), NULL},
    {"http_max_conns", CONF_UINT, 4, 100000, AT(http_max_conns), NULL},
    {"http_timeout", CONF_UINT, 1, 3600, AT(http_timeout), NULL},
    {"http_tls_cert", CONF_STR, 0, 0, AT(http_tls_cert), NULL},
    {"http_tls_key", CONF_STR, 0, 0, AT(http_tls_key), NULL},
    {"probe_listen", CONF_STR, 0, 0, AT(probe_listen), NULL},
    {"probe_max_tests", CONF_UINT, 1, 64, AT(probe_max_tests), NULL},
    {"probe_max_seconds", CONF_UINT, 1, 60, AT(probe_max_seconds), NULL},
    {"probe_max_mb", CONF_UINT, 1, 100000, AT(probe_max_mb), NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

void
collector_conf_defaults(struct collector_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->max_frame_kb = 1024;
    c->max_inflight = 8;
    c->max_queue = 4096;
    c->idle_timeout = 300;
    c->hello_timeout = 30;
    c->frame_timeout = 30;
    c->max_agent_kbps = 4096;
    c->config_check = 60;
    c->keys_reload = 30;
    c->group_commit = 512;
    c->http_threads = 2;
    c->http_max_conns = 128;
    c->http_timeout = 15;
}

int
collector_conf_load(struct collector_conf *c, const char *path, FILE *errs)
{
    int n = conf_parse_file(path, collector_keys, c, errs);

    /* bearer tokens are secrets: the file must not be world-readable */
    if (n >= 0 && c->http_ntokens > 0 && conf_check_private(path, errs) != 0)
        n++;
    return n;
}

int
collector_conf_check(const struct collector_conf *c, FILE *errs)
{
    int n = 0;

    if (c->listen == NULL) {
        fprintf(errs, "collector: no listen address (config `listen` or "
                      "--listen HOST:PORT)\n");
        n++;
    }
    if (c->db == NULL) {
        fprintf(errs, "collector: no database (config `db` or --db FILE)\n");
        n++;
    }
    return n;
}

void
collector_conf_print(const struct collector_conf *c, FILE *out)
{
    fprintf(out, "listen %s\n", c->listen ? c->listen : "(unset)");
    fprintf(out, "db %s\n", c->db ? c->db : "(unset)");
    fprintf(out, "max_frame_kb %u\n", c->max_frame_kb);
    fprintf(out, "max_inflight %u\n", c->max_inflight);
    fprintf(out, "max_queue %u\n", c->max_queue);
    fprintf(out, "idle_timeout %u\n", c->idle_timeout);
    fprintf(out, "hello_timeout %u\n", c->hello_timeout);
    fprintf(out, "frame_timeout %u\n", c->frame_timeout);
    fprintf(out, "max_agent_kbps %u\n", c->max_agent_kbps);
    fprintf(out, "config_check %u\n", c->config_check);
    fprintf(out, "plaintext %s\n", c->plaintext ? "yes" : "no");
    fprintf(out, "keys_reload %u\n", c->keys_reload);
    fprintf(out, "group_commit %u\n", c->group_commit);
    fprintf(out, "retention_days %u\n", c->retention_days);
    fprintf(out, "rollup_interval %u\n", c->rollup_interval);
    fprintf(out, "http_listen %s\n", c->http_listen ? c->http_listen
                                                    : "(unset)");
    fprintf(out, "http_token (%u set)\n", c->http_ntokens);
    if (c->http_cors_origin != NULL)
        fprintf(out, "http_cors_origin %s\n", c->http_cors_origin);
    if (c->http_web_dir != NULL)
        fprintf(out, "http_web_dir %s\n", c->http_web_dir);
    fprintf(out, "http_threads %u\n", c->http_threads);
    fprintf(out, "http_max_conns %u\n", c->http_max_conns);
    fprintf(out, "http_timeout %u\n", c->http_timeout);
    if (c->http_tls_cert != NULL)
        fprintf(out, "http_tls_cert %s\n", c->http_tls_cert);
    if (c->http_tls_key != NULL)
        fprintf(out, "http_tls_key %s\n", c->http_tls_key);
    if (c->probe_listen != NULL)
        fprintf(out, "probe_listen %s\n", c->probe_listen);
}

void
collector_conf_free(struct collector_conf *c)
{
    unsigned i;

    free(c->listen);
    free(c->db);
    c->listen = c->db = NULL;
    for (i = 0; i < c->http_ntokens; i++)
        free(c->http_tokens[i]);
    free(c->http_tokens);
    free(c->http_listen);
    free(c->http_cors_origin);
    free(c->http_web_dir);
    free(c->http_tls_cert);
    free(c->http_tls_key);
    free(c->probe_listen);
    c->probe_listen = NULL;
    c->http_tls_cert = c->http_tls_key = NULL;
    c->http_tokens = NULL;
    c->http_ntokens = 0;
    c->http_listen = c->http_cors_origin = c->http_web_dir = NULL;
}
