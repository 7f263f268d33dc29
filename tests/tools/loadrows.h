/* loadrows: the synthetic school minutes that loadgen sends and ingestceil
 * inserts, so the benchmark compares the collector with its ceiling on
 * exactly the same rows. Header-only (two tool binaries include it); every
 * value is a pure function of (agent, seq, class), so a batch resent after
 * a reconnect is byte-identical to the first copy and the expected totals
 * can be recomputed without storing what was sent.
 *
 * Agent i is "PREFIX-%05u" at school "PREFIX%05u"-upper; batch seq s holds
 * minute LOADROWS_T0 + (s - 1) * 60, one CLASS_MIN per class "c%02u". */
#ifndef LOADROWS_H
#define LOADROWS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

#define LOADROWS_T0 1767225600 /* 2026-01-01T00:00:00Z, a whole minute */

static inline uint64_t
loadrows_mix(uint64_t x)
{
    /* splitmix64: cheap, well spread, deterministic */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline void
loadrows_fill(struct wire_class_min *r, unsigned agent, uint64_t seq,
              unsigned cls)
{
    uint64_t h = loadrows_mix(((uint64_t)agent << 40) ^ (seq << 10) ^ cls);
    uint64_t g = loadrows_mix(h);

    memset(r, 0, sizeof(*r));
    r->minute = (int64_t)LOADROWS_T0 + (int64_t)(seq - 1) * 60;
    snprintf(r->class_id, sizeof(r->class_id), "c%02u", cls);
    /* a busy classroom minute: up to ~50 MB down, ~12 MB up */
    r->bytes_down = h % 50000000u;
    r->bytes_up = g % 12000000u;
    r->pkts_down = r->bytes_down / 900 + (h >> 60);
    r->pkts_up = r->bytes_up / 400 + (g >> 60);
    r->peak_down_bps = r->bytes_down * 8 / 20 + 1;
    r->peak_up_bps = r->bytes_up * 8 / 20 + 1;
    r->devices = (uint32_t)(g >> 58) + 1;
}

static inline void
loadrows_agent_id(char *out, size_t cap, const char *prefix, unsigned agent)
{
    snprintf(out, cap, "%s-%05u", prefix, agent);
}

static inline void
loadrows_school(char *out, size_t cap, const char *prefix, unsigned agent)
{
    size_t i;

    snprintf(out, cap, "%s%05u", prefix, agent);
    for (i = 0; out[i] != '\0'; i++)
        if (out[i] >= 'a' && out[i] <= 'z')
            out[i] = (char)(out[i] - 'a' + 'A');
}

#endif /* LOADROWS_H */
