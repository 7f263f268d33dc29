/* api: the JSON API under /api/v1 (docs/API.md, docs/openapi.yaml),
 * independent of the HTTP library so that it can be tested by calling it:
 * http.c hands it a path, a query-argument getter and a read-only store,
 * and sends back what it fills in.
 *
 * It asks the store through storage_api.h, the read side's interface
 * (latest minute per school, time buckets, evaluation rows), and shapes
 * the answers itself. Parts of later schema versions (registry,
 * evaluations) are asked for at run time (storage_api_has), so the API
 * answers with what exists on a store of any age: schools known only from
 * their agents, no evaluations yet. Every handler reads; none writes. */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

struct storage;

struct api_resp {
    int status;                 /* HTTP status */
    const char *ctype;          /* static string */
    char *body;                 /* malloc'ed; caller frees (api_resp_free) */
    size_t len;
    char disposition[192];      /* Content-Disposition value, or "" */
};

/* Returns the value of query argument key, or NULL. */
typedef const char *(*api_arg_fn)(void *ctx, const char *key);

/* Answers GET path (starting with "/api/v1/") at time now (unix seconds).
 * Always fills out (errors as a JSON {"error": ...} with their status);
 * returns 0, or -ENOMEM when not even the error could be built. */
int  api_handle(struct storage *st, const char *path, api_arg_fn arg,
                void *ctx, int64_t now, struct api_resp *out);
void api_resp_free(struct api_resp *r);

#endif /* API_H */
