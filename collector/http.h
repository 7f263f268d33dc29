/* http: the collector's HTTP server for district NOCs: the JSON API
 * (/api/v1, api.c), Prometheus /metrics (metrics_prom.c) and the dashboard
 * page (/ui/, static files from a share directory). It runs on
 * libmicrohttpd's own thread pool, never on the agent loop, and each pool
 * thread borrows one of a fixed set of read-only store connections
 * (storage_open_ro), so a dashboard can never stall ingest: readers do not
 * block the writer thread (SQLite: WAL mode).
 *
 * Limits (all from http_opts): at most max_conns connections (no limit
 * per client address: behind a reverse proxy every client has the proxy's
 * address; limit per client in the proxy), max_header bytes of request head per
 * connection (larger heads get 431), an inactivity timeout that cuts off
 * clients that stop sending or reading, and a time budget per query after
 * which the store cancels it (storage_api_set_cancel) and the client gets
 * 503.
 *
 * Answers to /api/v1 (200 only) are cached for 2 s by path and arguments,
 * and the store part of /metrics for 5 s, so a wall of dashboards polling
 * the same URLs costs one query per URL and period.
 *
 * Access: every /api/v1 and /metrics request needs `Authorization: Bearer
 * TOKEN` with one of the configured tokens (compared in constant time);
 * otherwise 401. With no token configured the server only starts on a
 * loopback address. The static dashboard files hold no data and are served
 * without a token; the page asks for one. TLS: either libmicrohttpd's own
 * (GnuTLS; http_tls_cert/http_tls_key) or a reverse proxy in front
 * (docs/API.md). */
#ifndef HTTP_H
#define HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_COMMIT_BUCKETS 12

/* Live figures of the agent side, for /metrics. The agent loop writes them
 * (http_live_update from a uv timer, http_live_commit from the writer's
 * done callback); HTTP threads read them. Every field is an atomic, so no
 * lock is shared between the loop and the HTTP threads. */
struct http_live {
    _Atomic uint64_t conns_open, conns_total;
    _Atomic uint64_t batches_stored, batches_duplicate, frames_rejected;
    _Atomic uint64_t bytes_in;
    _Atomic uint64_t writer_depth;
    _Atomic uint64_t ingest_milli_bps;  /* batches/s * 1000, last window */
    _Atomic uint64_t commit_count, commit_us_sum, commit_us_max;
    _Atomic uint64_t commit_bucket[HTTP_COMMIT_BUCKETS]; /* not cumulative */
    _Atomic uint64_t http_requests, http_unauthorized, http_errors;
    _Atomic int64_t started;            /* unix seconds; 0: no agent side */
    _Atomic int64_t updated;
    /* loop-thread private: the previous sample for the rate */
    uint64_t prev_batches;
    int64_t prev_ms;
};

/* Upper bounds (microseconds) of the commit latency buckets; the last
 * bucket is +Inf. */
extern const uint64_t http_commit_bounds_us[HTTP_COMMIT_BUCKETS - 1];

void http_live_init(struct http_live *l, int64_t now);
/* Loop thread: copies the server's counters and the writer's queue depth
 * (now_ms: a monotonic clock, for the ingest rate). */
void http_live_update(struct http_live *l, uint64_t conns_open,
                      uint64_t conns_total, uint64_t batches_stored,
                      uint64_t batches_duplicate, uint64_t frames_rejected,
                      uint64_t bytes_in, uint64_t writer_depth,
                      int64_t now, int64_t now_ms);
/* Loop thread: one committed batch and the latency of its commit. */
void http_live_commit(struct http_live *l, uint64_t commit_us);

struct http_opts {
    const char *listen;         /* "HOST:PORT", "[::1]:PORT"; port 0 ok */
    const char *db;             /* the store, opened read-only */
    const char *const *tokens;  /* read tokens */
    size_t ntokens;
    const char *cors_origin;    /* Access-Control-Allow-Origin; NULL: none */
    const char *web_dir;        /* dashboard files; NULL: HTTP_WEB_DIR */
    unsigned threads;           /* 0: 2 */
    unsigned max_conns;         /* 0: 128 */
    unsigned timeout_s;         /* inactivity; 0: 15 */
    unsigned query_ms;          /* per-request query budget; 0: 10000 */
    size_t max_header;          /* bytes per connection; 0: 16384 */
    struct http_live *live;     /* NULL: no collector internals */
    const char *tls_cert;       /* PEM files: serve HTTPS (GnuTLS); */
    const char *tls_key;        /* NULL: plain HTTP */
};

#ifndef HTTP_WEB_DIR
#define HTTP_WEB_DIR "/usr/share/classband/web"
#endif

struct http;

/* Opens the read-only connections, loads the dashboard files and starts
 * listening. Returns 0, -EINVAL (bad address, or no token on a
 * non-loopback address; logged), -EIO (database) or -EADDRINUSE etc. */
int  http_start(const struct http_opts *o, struct http **out);
/* The port actually bound. */
int  http_port(const struct http *h);
/* Stops the threads, closes the connections, frees h. Accepts NULL. */
void http_stop(struct http *h);

/* Constant-time comparison of a presented token against one configured
 * token: the time depends only on the configured token's length. 1 if
 * equal. */
int  http_token_equal(const char *given, size_t glen, const char *want,
                      size_t wlen);

#endif /* HTTP_H */
