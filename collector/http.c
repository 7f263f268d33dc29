/* http: see http.h. libmicrohttpd runs its own listener and a pool of
 * worker threads (epoll where available); this file routes requests,
 * checks tokens, adds CORS headers, serves the dashboard files from memory
 * and lends each request one read-only store connection. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "addr.h"
#include "api.h"
#include "http.h"
#include "log.h"
#include "metrics_prom.h"
#include "storage.h"
#include "storage_api.h"

#define WEB_MAX_FILES 32
#define METRICS_CACHE_MS 5000
#define API_CACHE_MS 2000       /* a wall of dashboards polls the same URLs */
#define API_CACHE_SLOTS 64
#define API_CACHE_MAX_KEY 1024
#define API_CACHE_MAX_BODY (8u << 20)

/* One cached /api/v1 answer (200 only), keyed by path and arguments. */
struct api_cached {
    char *key;
    char *body;
    size_t len;
    const char *ctype;
    char disposition[192];
    int64_t ms;
};
#define WEB_MAX_FILE (8u << 20)

const uint64_t http_commit_bounds_us[HTTP_COMMIT_BUCKETS - 1] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000,
};

struct web_file {
    char name[64];
    const char *ctype;
    char *data;
    size_t len;
};

/* One read-only connection, lent to one request at a time. */
struct ro_conn {
    struct storage *st;
    int busy;
    int64_t deadline_ms;    /* for the progress handler */
};

struct http {
    struct MHD_Daemon *d;
    int port;
    char **tokens;
    size_t *token_len;
    size_t ntokens;
    char *cors;
    struct http_live *live;
    unsigned query_ms;
    struct web_file web[WEB_MAX_FILES];
    size_t nweb;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ro_conn *ro;
    size_t nro;
    struct http_live own;   /* when the caller gives none */
    pthread_mutex_t ac_mu;      /* recent /api/v1 answers */
    struct api_cached ac[API_CACHE_SLOTS];
    pthread_mutex_t mc_mu;      /* the /metrics store part, cached */
    char *mc_text;
    size_t mc_len;
    int64_t mc_ms;
    char *tls_cert, *tls_key;   /* PEM text, for libmicrohttpd's GnuTLS */
    size_t tls_key_len;
};

/* ------------------------------------------------------------------ */
/* live figures                                                         */

void
http_live_init(struct http_live *l, int64_t now)
{
    size_t i;

    atomic_store(&l->conns_open, 0);
    atomic_store(&l->conns_total, 0);
    atomic_store(&l->batches_stored, 0);
    atomic_store(&l->batches_duplicate, 0);
    atomic_store(&l->frames_rejected, 0);
    atomic_store(&l->bytes_in, 0);
    atomic_store(&l->writer_depth, 0);
    atomic_store(&l->ingest_milli_bps, 0);
    atomic_store(&l->commit_count, 0);
    atomic_store(&l->commit_us_sum, 0);
    atomic_store(&l->commit_us_max, 0);
    for (i = 0; i < HTTP_COMMIT_BUCKETS; i++)
        atomic_store(&l->commit_bucket[i], 0);
    atomic_store(&l->http_requests, 0);
    atomic_store(&l->http_unauthorized, 0);
    atomic_store(&l->http_errors, 0);
    atomic_store(&l->started, now);
    atomic_store(&l->updated, now);
    l->prev_batches = 0;
    l->prev_ms = -1;
}

void
http_live_update(struct http_live *l, uint64_t conns_open,
                 uint64_t conns_total, uint64_t batches_stored,
                 uint64_t batches_duplicate, uint64_t frames_rejected,
                 uint64_t bytes_in, uint64_t writer_depth, int64_t now,
                 int64_t now_ms)
{
    atomic_store_explicit(&l->conns_open, conns_open, memory_order_relaxed);
    atomic_store_explicit(&l->conns_total, conns_total, memory_order_relaxed);
    atomic_store_explicit(&l->batches_stored, batches_stored,
                          memory_order_relaxed);
    atomic_store_explicit(&l->batches_duplicate, batches_duplicate,
                          memory_order_relaxed);
    atomic_store_explicit(&l->frames_rejected, frames_rejected,
                          memory_order_relaxed);
    atomic_store_explicit(&l->bytes_in, bytes_in, memory_order_relaxed);
    atomic_store_explicit(&l->writer_depth, writer_depth,
                          memory_order_relaxed);
    /* the rate over the window since the previous sample, at least 1 s */
    if (l->prev_ms < 0) {
        l->prev_ms = now_ms;
        l->prev_batches = batches_stored;
    } else if (now_ms - l->prev_ms >= 1000) {
        uint64_t d = batches_stored - l->prev_batches;
        atomic_store_explicit(&l->ingest_milli_bps,
                              d * 1000000 / (uint64_t)(now_ms - l->prev_ms),
                              memory_order_relaxed);
        l->prev_ms = now_ms;
        l->prev_batches = batches_stored;
    }
    atomic_store_explicit(&l->updated, now, memory_order_release);
}

void
http_live_commit(struct http_live *l, uint64_t us)
{
    size_t i;
    uint64_t max;

    for (i = 0; i < HTTP_COMMIT_BUCKETS - 1; i++)
        if (us <= http_commit_bounds_us[i])
            break;
    atomic_fetch_add_explicit(&l->commit_bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->commit_us_sum, us, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->commit_count, 1, memory_order_relaxed);
    max = atomic_load_explicit(&l->commit_us_max, memory_order_relaxed);
    if (us > max)
        atomic_store_explicit(&l->commit_us_max, us, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* tokens                                                               */

int
http_token_equal(const char *given, size_t glen, const char *want,
                 size_t wlen)
{
    unsigned diff = (glen != wlen);
    size_t i;

    /* walks the configured token whatever the presented one holds, so the
     * time says nothing about how many leading bytes matched */
    for (i = 0; i < wlen; i++) {
        unsigned char g = i < glen ? (unsigned char)given[i] : 0;
        diff |= g ^ (unsigned char)want[i];
    }
    return diff == 0;
}

static int
authorized(struct http *h, struct MHD_Connection *c)
{
    const char *v;
    size_t i, glen;
    int ok = 0;

    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_AUTHORIZATION);
    if (h->ntokens == 0)
        return 1;
    if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
        return 0;
    v += 7;
    while (*v == ' ')
        v++;
    glen = strlen(v);
    while (glen > 0 && v[glen - 1] == ' ')
        glen--;
    for (i = 0; i < h->ntokens; i++)
        ok |= http_token_equal(v, glen, h->tokens[i], h->token_len[i]);
    return ok;
}

/* ------------------------------------------------------------------ */
/* dashboard files                                                      */

static const char *
ctype_for(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot == NULL)
        return "application/octet-stream";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".json") == 0 || strcmp(dot, ".map") == 0)
        return "application/json";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    if (strcmp(dot, ".png") == 0)
        return "image/png";
    if (strcmp(dot, ".ico") == 0)
        return "image/x-icon";
    if (strcmp(dot, ".yaml") == 0)
        return "application/yaml";
    return "application/octet-stream";
}

static int
read_whole(int dfd, const char *name, char **out, size_t *len)
{
    struct stat sb;
    char *p;
    size_t got = 0;
    ssize_t n;
    int fd;

    fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (size_t)sb.st_size > WEB_MAX_FILE) {
        close(fd);
        return -EINVAL;
    }
    p = malloc((size_t)sb.st_size + 1);
    if (p == NULL) {
        close(fd);
        return -ENOMEM;
    }
    while (got < (size_t)sb.st_size) {
        n = read(fd, p + got, (size_t)sb.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    p[got] = '\0';
    *out = p;
    *len = got;
    return 0;
}

/* Reads every regular file of dir (not recursive) into memory once, so
 * that serving the page never touches the disk nor resolves a path a
 * client chose. */
static void
web_load(struct http *h, const char *dir)
{
    struct dirent *e;
    DIR *d;
    int dfd;

    d = opendir(dir);
    if (d == NULL) {
        log_info("http: no dashboard files in %s (build them with "
                 "collector/web/build.sh); / explains", dir);
        return;
    }
    dfd = dirfd(d);
    while ((e = readdir(d)) != NULL && h->nweb < WEB_MAX_FILES) {
        struct web_file *f = &h->web[h->nweb];

        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(f->name))
            continue;
        if (read_whole(dfd, e->d_name, &f->data, &f->len) != 0)
            continue;
        snprintf(f->name, sizeof(f->name), "%s", e->d_name);
        f->ctype = ctype_for(f->name);
        h->nweb++;
    }
    closedir(d);
    log_debug("http: %zu dashboard files from %s", h->nweb, dir);
}

static const struct web_file *
web_find(const struct http *h, const char *name)
{
    size_t i;

    for (i = 0; i < h->nweb; i++)
        if (strcmp(h->web[i].name, name) == 0)
            return &h->web[i];
    return NULL;
}

static const char no_dashboard[] =
    "<!doctype html><meta charset=utf-8><title>classband</title>"
    "<h1>Dashboard not installed / 未安装仪表板</h1>"
    "<p>This collector found no dashboard files. Build them with "
    "<code>sh collector/web/build.sh BUILD_DIR</code> (needs npm) and "
    "point <code>http_web_dir</code> at <code>BUILD_DIR/web</code>, or "
    "install them to <code>" HTTP_WEB_DIR "</code>.</p>"
    "<p>The JSON API (<code>/api/v1/</code>) and <code>/metrics</code> "
    "work without it.</p>\n";

/* ------------------------------------------------------------------ */
/* read-only connections                                                */

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The store calls this now and then while a query runs
 * (storage_api_set_cancel): past the request's budget the query is
 * cancelled and the request answers 503. */
static int
ro_progress(void *arg)
{
    struct ro_conn *rc = arg;

    return mono_ms() > rc->deadline_ms;
}

static struct ro_conn *
ro_get(struct http *h)
{
    struct ro_conn *rc = NULL;
    size_t i;

    pthread_mutex_lock(&h->mu);
    for (;;) {
        for (i = 0; i < h->nro; i++)
            if (!h->ro[i].busy) {
                rc = &h->ro[i];
                break;
            }
        if (rc != NULL)
            break;
        pthread_cond_wait(&h->cv, &h->mu);
    }
    rc->busy = 1;
    pthread_mutex_unlock(&h->mu);
    rc->deadline_ms = mono_ms() + h->query_ms;
    return rc;
}

static void
ro_put(struct http *h, struct ro_conn *rc)
{
    pthread_mutex_lock(&h->mu);
    rc->busy = 0;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* ------------------------------------------------------------------ */
/* requests                                                             */

static void
add_common_headers(struct http *h, struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (h->cors != NULL) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", h->cors);
        MHD_add_response_header(r, "Vary", "Origin");
    }
}

static enum MHD_Result
send_buf(struct http *h, struct MHD_Connection *c, int status,
         const char *ctype, char *body, size_t len, enum MHD_ResponseMemoryMode
         mode, const char *disposition)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, body, mode);
    if (r == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (disposition != NULL && disposition[0] != '\0')
        MHD_add_response_header(r, "Content-Disposition", disposition);
    add_common_headers(h, r);
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"classband\"");
    if (status >= 400)
        atomic_fetch_add(&h->live->http_errors, 1);
    ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
send_error(struct http *h, struct MHD_Connection *c, int status,
           const char *msg)
{
    char *b;
    int n;

    n = asprintf(&b, "{\"error\":\"%s\",\"status\":%d}\n", msg, status);
    if (n < 0)
        return MHD_NO;
    return send_buf(h, c, status, "application/json", b, (size_t)n,
                    MHD_RESPMEM_MUST_FREE, NULL);
}

struct arg_ctx {
    struct MHD_Connection *c;
};

static const char *
get_arg(void *ctx, const char *key)
{
    struct arg_ctx *a = ctx;

    return MHD_lookup_connection_value(a->c, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result
serve_static(struct http *h, struct MHD_Connection *c, const char *url)
{
    const struct web_file *f;
    const char *name;

    if (strcmp(url, "/") == 0 || strcmp(url, "/ui") == 0) {
        struct MHD_Response *r;
        enum MHD_Result ret;

        r = MHD_create_response_from_buffer(0, (void *)"",
                                            MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, "/ui/");
        ret = MHD_queue_response(c, MHD_HTTP_FOUND, r);
        MHD_destroy_response(r);
        return ret;
    }
    name = url + 4; /* after "/ui/" */
    if (*name == '\0')
        name = "index.html";
    f = web_find(h, name);
    if (f == NULL && strcmp(name, "index.html") == 0)
        return send_buf(h, c, MHD_HTTP_OK, "text/html; charset=utf-8",
                        (char *)no_dashboard, sizeof(no_dashboard) - 1,
                        MHD_RESPMEM_PERSISTENT, NULL);
    if (f == NULL)
        return send_error(h, c, MHD_HTTP_NOT_FOUND, "not found");
    return send_buf(h, c, MHD_HTTP_OK, f->ctype, f->data, f->len,
                    MHD_RESPMEM_PERSISTENT, NULL);
}

/* ------------------------------------------------------------------ */
/* answer cache                                                         */

struct key_buf {
    char *p;
    size_t len, cap;
    int overflow;
};

static enum MHD_Result
key_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct key_buf *kb = cls;
    int n;

    (void)kind;
    n = snprintf(kb->p + kb->len, kb->cap - kb->len, "%c%s=%s",
                 kb->len ? '&' : '?', k, v ? v : "");
    if (n < 0 || (size_t)n >= kb->cap - kb->len) {
        kb->overflow = 1;
        return MHD_NO;
    }
    kb->len += (size_t)n;
    return MHD_YES;
}

/* The cache key of a request: path and arguments in the order sent (a
 * dashboard sends its own URLs the same way each time). 0, or -1 when the
 * request is too long to be worth caching. */
static int
cache_key(struct MHD_Connection *c, const char *url, char *key, size_t cap)
{
    struct key_buf kb = {key, 0, cap, 0};
    int n;

    n = snprintf(key, cap, "%s", url);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    kb.p = key + n;
    kb.cap = cap - (size_t)n;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, key_arg, &kb);
    return kb.overflow ? -1 : 0;
}

/* A fresh copy of a cached answer into *ar, or 0 when there is none. */
static int
cache_get(struct http *h, const char *key, struct api_resp *ar)
{
    int64_t now = mono_ms();
    size_t i;
    int hit = 0;

    pthread_mutex_lock(&h->ac_mu);
    for (i = 0; i < API_CACHE_SLOTS; i++) {
        struct api_cached *e = &h->ac[i];

        if (e->key == NULL || now - e->ms > API_CACHE_MS ||
            strcmp(e->key, key) != 0)
            continue;
        memset(ar, 0, sizeof(*ar));
        ar->body = malloc(e->len + 1);
        if (ar->body != NULL) {
            memcpy(ar->body, e->body, e->len + 1);
            ar->len = e->len;
            ar->status = 200;
            ar->ctype = e->ctype;
            memcpy(ar->disposition, e->disposition, sizeof(ar->disposition));
            hit = 1;
        }
        break;
    }
    pthread_mutex_unlock(&h->ac_mu);
    return hit;
}

/* Keeps a copy of a 200 answer, replacing the oldest entry. */
static void
cache_put(struct http *h, const char *key, const struct api_resp *ar)
{
    struct api_cached *old;
    char *k, *b;
    size_t i;

    if (ar->status != 200 || ar->len > API_CACHE_MAX_BODY)
        return;
    k = strdup(key);
    b = malloc(ar->len + 1);
    if (k == NULL || b == NULL) {
        free(k);
        free(b);
        return;
    }
    memcpy(b, ar->body, ar->len);
    b[ar->len] = '\0';
    pthread_mutex_lock(&h->ac_mu);
    old = &h->ac[0];
    for (i = 0; i < API_CACHE_SLOTS; i++) {
        if (h->ac[i].key == NULL || strcmp(h->ac[i].key, key) == 0) {
            old = &h->ac[i];
            break;
        }
        if (h->ac[i].ms < old->ms)
            old = &h->ac[i];
    }
    free(old->key);
    free(old->body);
    old->key = k;
    old->body = b;
    old->len = ar->len;
    old->ctype = ar->ctype;
    memcpy(old->disposition, ar->disposition, sizeof(old->disposition));
    old->ms = mono_ms();
    pthread_mutex_unlock(&h->ac_mu);
}

/* /metrics: the collector internals fresh, the part read from the store
 * from a cache at most METRICS_CACHE_MS old, so that several scrapers (or
 * a flood of requests) cost one store walk per period. */
static int
metrics_page(struct http *h, struct ro_conn *rc, char **out, size_t *len)
{
    char *live = NULL, *store = NULL;
    size_t llen, slen = 0;
    int64_t now = mono_ms();
    int rv;

    if ((rv = metrics_prom_live(h->live, &live, &llen)) != 0)
        return rv;
    pthread_mutex_lock(&h->mc_mu);
    if (h->mc_text == NULL || now - h->mc_ms > METRICS_CACHE_MS) {
        pthread_mutex_unlock(&h->mc_mu);
        rv = metrics_prom_store(rc->st, (int64_t)time(NULL), &store, &slen);
        if (rv != 0) {
            free(live);
            return rv;
        }
        pthread_mutex_lock(&h->mc_mu);
        free(h->mc_text);
        h->mc_text = store;
        h->mc_len = slen;
        h->mc_ms = now;
    }
    *out = malloc(llen + h->mc_len + 1);
    if (*out != NULL) {
        memcpy(*out, live, llen);
        memcpy(*out + llen, h->mc_text, h->mc_len + 1);
        *len = llen + h->mc_len;
    }
    pthread_mutex_unlock(&h->mc_mu);
    free(live);
    return *out != NULL ? 0 : -ENOMEM;
}

static enum MHD_Result
serve_data(struct http *h, struct MHD_Connection *c, const char *url)
{
    struct ro_conn *rc;
    struct api_resp ar;
    struct arg_ctx ac;
    char *body = NULL, key[API_CACHE_MAX_KEY];
    size_t len = 0;
    int rv, cacheable;

    if (!authorized(h, c)) {
        atomic_fetch_add(&h->live->http_unauthorized, 1);
        return send_error(h, c, MHD_HTTP_UNAUTHORIZED,
                          "missing or wrong bearer token");
    }
    /* the same question asked again within API_CACHE_MS: the same answer
     * without touching the store */
    cacheable = strcmp(url, "/metrics") != 0 &&
                cache_key(c, url, key, sizeof(key)) == 0;
    if (cacheable && cache_get(h, key, &ar))
        return send_buf(h, c, ar.status, ar.ctype, ar.body, ar.len,
                        MHD_RESPMEM_MUST_FREE, ar.disposition);
    rc = ro_get(h);
    storage_api_set_cancel(rc->st, ro_progress, rc);
    if (strcmp(url, "/metrics") == 0) {
        rv = metrics_page(h, rc, &body, &len);
        ro_put(h, rc);
        if (rv != 0)
            return send_error(h, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                              "store busy or query over its time budget");
        return send_buf(h, c, MHD_HTTP_OK, METRICS_PROM_CTYPE, body, len,
                        MHD_RESPMEM_MUST_FREE, NULL);
    }
    ac.c = c;
    rv = api_handle(rc->st, url, get_arg, &ac, (int64_t)time(NULL), &ar);
    ro_put(h, rc);
    if (rv != 0)
        return send_error(h, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          "out of memory");
    if (cacheable)
        cache_put(h, key, &ar);
    return send_buf(h, c, ar.status, ar.ctype, ar.body, ar.len,
                    MHD_RESPMEM_MUST_FREE, ar.disposition);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_len, void **state)
{
    struct http *h = cls;
    static int first_call;

    (void)version;
    (void)upload;
    /* The first call carries the headers only. No request of ours has a
     * body: another method is refused at once, without reading its body
     * (libmicrohttpd then closes the connection). */
    if (*state == NULL) {
        *state = &first_call;
        if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
            strcmp(method, "OPTIONS") == 0)
            return MHD_YES;
        atomic_fetch_add(&h->live->http_requests, 1);
        return send_error(h, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "only GET, HEAD and OPTIONS");
    }
    if (*upload_len != 0) {
        *upload_len = 0; /* a body on a GET: discarded */
        return MHD_YES;
    }
    atomic_fetch_add(&h->live->http_requests, 1);
    if (strcmp(method, "OPTIONS") == 0) {
        struct MHD_Response *r;
        enum MHD_Result ret;

        r = MHD_create_response_from_buffer(0, (void *)"",
                                            MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        add_common_headers(h, r);
        if (h->cors != NULL) {
            MHD_add_response_header(r, "Access-Control-Allow-Methods",
                                    "GET, HEAD, OPTIONS");
            MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                    "Authorization");
            MHD_add_response_header(r, "Access-Control-Max-Age", "600");
        }
        ret = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/ui") == 0 ||
        strncmp(url, "/ui/", 4) == 0)
        return serve_static(h, c, url);
    if (strcmp(url, "/metrics") == 0 || strncmp(url, "/api/v1/", 8) == 0 ||
        strcmp(url, "/api/v1") == 0)
        return serve_data(h, c, url);
    return send_error(h, c, MHD_HTTP_NOT_FOUND, "not found");
}

static void
mhd_log(void *arg, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)arg;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_debug("http: %s", msg);
}

/* ------------------------------------------------------------------ */
/* start / stop                                                         */

/* Reads the PEM certificate chain and key; libmicrohttpd hands them to
 * GnuTLS. */
static int
tls_load(struct http *h, const struct http_opts *o)
{
    size_t len;
    int rc;

    if (o->tls_cert == NULL || o->tls_key == NULL) {
        log_warnx("http: TLS needs both http_tls_cert and http_tls_key");
        return -EINVAL;
    }
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        log_warnx("http: this libmicrohttpd has no TLS support; serve "
                  "behind a reverse proxy (docs/API.md)");
        return -ENOTSUP;
    }
    if ((rc = read_whole(AT_FDCWD, o->tls_cert, &h->tls_cert, &len)) != 0) {
        log_warnx("http: cannot read certificate %s: %s", o->tls_cert,
                  strerror(-rc));
        return rc;
    }
    if ((rc = read_whole(AT_FDCWD, o->tls_key, &h->tls_key,
                         &h->tls_key_len)) != 0) {
        log_warnx("http: cannot read key %s: %s", o->tls_key,
                  strerror(-rc));
        return rc;
    }
    return 0;
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    return 0;
}

int
http_start(const struct http_opts *o, struct http **out)
{
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *di;
    struct http *h;
    struct MHD_OptionItem mo[12];
    unsigned threads, conns, timeout, flags;
    size_t i, mem, n;

    *out = NULL;
    if (o->listen == NULL || addr_parse(o->listen, &ss) != 0) {
        log_warnx("http: bad listen address \"%s\" (HOST:PORT)",
                  o->listen ? o->listen : "");
        return -EINVAL;
    }
    if (o->ntokens == 0 && !is_loopback(&ss)) {
        log_warnx("http: refusing to serve %s without a read token: set "
                  "http_token in the config, or listen on loopback",
                  o->listen);
        return -EINVAL;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return -ENOMEM;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    pthread_mutex_init(&h->mc_mu, NULL);
    pthread_mutex_init(&h->ac_mu, NULL);
    h->live = o->live;
    if (h->live == NULL) {
        http_live_init(&h->own, 0);
        h->live = &h->own;
    }
    h->query_ms = o->query_ms ? o->query_ms : 10000;
    threads = o->threads ? o->threads : 2;
    conns = o->max_conns ? o->max_conns : 128;
    timeout = o->timeout_s ? o->timeout_s : 15;
    mem = o->max_header ? o->max_header : 16384;
    if (mem < 4096)
        mem = 4096;
    if (o->cors_origin != NULL && (h->cors = strdup(o->cors_origin)) == NULL)
        goto nomem;
    h->tokens = calloc(o->ntokens + 1, sizeof(*h->tokens));
    h->token_len = calloc(o->ntokens + 1, sizeof(*h->token_len));
    if (h->tokens == NULL || h->token_len == NULL)
        goto nomem;
    for (i = 0; i < o->ntokens; i++) {
        if ((h->tokens[i] = strdup(o->tokens[i])) == NULL)
            goto nomem;
        h->token_len[i] = strlen(h->tokens[i]);
        h->ntokens++;
    }
    /* one connection per worker thread, so no request waits for a
     * connection while a thread idles */
    h->nro = threads;
    h->ro = calloc(h->nro, sizeof(*h->ro));
    if (h->ro == NULL)
        goto nomem;
    for (i = 0; i < h->nro; i++)
        if (storage_open_ro(o->db, &h->ro[i].st) != 0) {
            http_stop(h);
            return -EIO;
        }
    web_load(h, o->web_dir ? o->web_dir : HTTP_WEB_DIR);
    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
            MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    n = 0;
    mo[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    mo[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads,
                                      NULL};
    mo[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, conns,
                                      NULL};
    mo[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                                      NULL};
    mo[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                      (intptr_t)mem, NULL};
    mo[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
                                      NULL};
    if (o->tls_cert != NULL || o->tls_key != NULL) {
        if (tls_load(h, o) != 0) {
            http_stop(h);
            return -EINVAL;
        }
        flags |= MHD_USE_TLS;
        mo[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
                                          h->tls_key};
        mo[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                          h->tls_cert};
    }
    mo[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_ARRAY, mo, MHD_OPTION_END);
    if (h->d == NULL) {
        log_warnx("http: cannot listen on %s", o->listen);
        http_stop(h);
        return -EADDRINUSE;
    }
    di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : 0;
    log_info("http: listening on %s (port %d), %s, %u threads, "
             "%zu token(s)%s", o->listen, h->port,
             h->tls_cert ? "https" : "http", threads, h->ntokens,
             h->nweb ? "" : ", no dashboard files");
    *out = h;
    return 0;
nomem:
    http_stop(h);
    return -ENOMEM;
}

int
http_port(const struct http *h)
{
    return h->port;
}

void
http_stop(struct http *h)
{
    size_t i;

    if (h == NULL)
        return;
    if (h->d != NULL)
        MHD_stop_daemon(h->d);
    for (i = 0; i < h->nro; i++)
        storage_close(h->ro[i].st);
    free(h->ro);
    for (i = 0; i < h->ntokens; i++) {
        /* the tokens are secrets: do not leave them in freed memory */
        explicit_bzero(h->tokens[i], h->token_len[i]);
        free(h->tokens[i]);
    }
    free(h->tokens);
    free(h->token_len);
    for (i = 0; i < h->nweb; i++)
        free(h->web[i].data);
    free(h->cors);
    free(h->tls_cert);
    if (h->tls_key != NULL) {
        explicit_bzero(h->tls_key, h->tls_key_len);
        free(h->tls_key);
    }
    free(h->mc_text);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mc_mu);
    for (i = 0; i < API_CACHE_SLOTS; i++) {
        free(h->ac[i].key);
        free(h->ac[i].body);
    }
    pthread_mutex_destroy(&h->ac_mu);
    free(h);
}
