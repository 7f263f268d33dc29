/* metrics_prom: the collector's /metrics page in the Prometheus text
 * exposition format (version 0.0.4): per-school and per-class figures of
 * each school's latest stored minute, agent health (last seen, capture
 * completeness and pcap drops over the last hour), the latest stored
 * evaluation per pack and year, and the collector's own internals (agent
 * connections, ingest counters and rate, writer queue depth, commit
 * latency histogram) from struct http_live.
 *
 * Every series is derived from the store with indexed lookups per school,
 * so a scrape costs O(schools * log rows), not a scan of the minute table.
 * Metric names and labels: docs/API.md, "Prometheus". */
#ifndef METRICS_PROM_H
#define METRICS_PROM_H

#include <stddef.h>
#include <stdint.h>

struct storage;
struct http_live;

#define METRICS_PROM_CTYPE "text/plain; version=0.0.4; charset=utf-8"

/* Renders the page into *out (malloc'ed, NUL-terminated, *len bytes).
 * live may be NULL. Returns 0, -ENOMEM or -EIO (query failed; *out
 * unset). It is metrics_prom_live followed by metrics_prom_store. */
int metrics_prom_render(struct storage *st, const struct http_live *live,
                        int64_t now, char **out, size_t *len);
/* The part read from the store (schools, classes, agents, evaluations):
 * the costly part, which http.c caches for a few seconds. */
int metrics_prom_store(struct storage *st, int64_t now, char **out,
                       size_t *len);
/* The part from memory: build info, HTTP counters, collector internals. */
int metrics_prom_live(const struct http_live *live, char **out, size_t *len);

/* Escapes a label value (backslash, double quote, newline) into out.
 * Returns the length written, truncating to cap - 1. */
size_t metrics_prom_escape(const char *s, char *out, size_t cap);

#endif /* METRICS_PROM_H */
