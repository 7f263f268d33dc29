/* wifi_coverage: see wifi_coverage.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wifi_coverage.h"
#include "wire_snmp.h"

struct wifi_cov_area {
    char *name;
    int required;
    int64_t up, down, unknown;
};

struct wifi_cov_peak {
    char key[2 * WIRE_MAX_STR + 2];
    int64_t max;
};

int64_t
wifi_cov_begin(struct wifi_cov *c, int64_t day_start, int64_t day_end,
               const struct store_snmp_window *win, size_t nwin)
{
    memset(c, 0, sizeof(*c));
    c->day_start = day_start;
    c->day_end = day_end;
    for (size_t i = 0; i < nwin && c->nw < WIFI_COV_MAX_WINDOWS; i++) {
        int64_t lo = win[i].start > day_start ? win[i].start : day_start;
        int64_t hi = win[i].end < day_end ? win[i].end : day_end;
        if (hi > lo) {
            c->w[c->nw].start = lo;
            c->w[c->nw++].end = hi;
            c->school_s += hi - lo;
        }
    }
    return c->school_s;
}

const struct store_snmp_window *
wifi_cov_windows(const struct wifi_cov *c, size_t *nw)
{
    *nw = c->nw;
    return c->w;
}

static struct wifi_cov_area *
area_get(struct wifi_cov *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].name, name) == 0)
            return &c->v[i];
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        struct wifi_cov_area *nv = realloc(c->v, nc * sizeof(*nv));
        if (nv == NULL)
            return NULL;
        c->v = nv;
        c->cap = nc;
    }
    struct wifi_cov_area *a = &c->v[c->n];
    memset(a, 0, sizeof(*a));
    if ((a->name = strdup(name)) == NULL)
        return NULL;
    c->n++;
    return a;
}

/* Seconds of [a, b) inside the windows. */
static int64_t
overlap(const struct wifi_cov *c, int64_t a, int64_t b)
{
    int64_t t = 0;

    for (size_t i = 0; i < c->nw; i++) {
        int64_t lo = a > c->w[i].start ? a : c->w[i].start;
        int64_t hi = b < c->w[i].end ? b : c->w[i].end;
        if (hi > lo)
            t += hi - lo;
    }
    return t;
}

/* Closes the open sample: it lasts until its interval ends or the next
 * sample of the same area (starting at next; none: INT64_MAX) begins,
 * whichever is first. */
static void
close_sample(struct wifi_cov *c, int64_t next)
{
    struct wifi_cov_area *a = c->cur;
    int64_t end = c->pend, secs;

    if (a == NULL || c->pstate == 0)
        return;
    if (next < end)
        end = next;
    if (end > c->day_end)
        end = c->day_end;
    secs = overlap(c, c->pts < c->day_start ? c->day_start : c->pts, end);
    if (c->pstate == WIRE_AREA_UP)
        a->up += secs;
    else if (c->pstate == WIRE_AREA_DOWN)
        a->down += secs;
    else
        a->unknown += secs;
    c->pstate = 0;
}

int
wifi_cov_sample(struct wifi_cov *c, const struct wifi_sample *s)
{
    int newarea = c->cur == NULL || strcmp(c->cur->name, s->area) != 0;

    close_sample(c, newarea ? INT64_MAX : s->ts);
    if (newarea && (c->cur = area_get(c, s->area)) == NULL)
        return -ENOMEM;
    if (s->required)
        c->cur->required = 1;
    c->pts = s->ts;
    c->pend = s->ts + s->interval_s;
    c->pstate = s->state;
    return 0;
}

int
wifi_cov_registry_area(struct wifi_cov *c, const char *area, int required)
{
    struct wifi_cov_area *a;

    close_sample(c, INT64_MAX);
    c->cur = NULL; /* area_get may move the areas */
    if ((a = area_get(c, area)) == NULL)
        return -ENOMEM;
    if (required)
        a->required = 1;
    return 0;
}

int
wifi_cov_client_peak(struct wifi_cov *c, const char *agent_id,
                     const char *target, int64_t max)
{
    char k[sizeof(c->p[0].key)];
    size_t j;

    snprintf(k, sizeof(k), "%s/%s", agent_id, target);
    for (j = 0; j < c->np; j++)
        if (strcmp(c->p[j].key, k) == 0)
            break;
    if (j == c->np) {
        struct wifi_cov_peak *nvp = realloc(c->p, (c->np + 1) * sizeof(*nvp));
        if (nvp == NULL)
            return -ENOMEM;
        c->p = nvp;
        memcpy(c->p[c->np].key, k, sizeof(k));
        c->p[c->np++].max = max;
    } else if (max > c->p[j].max) {
        c->p[j].max = max;
    }
    return 0;
}

size_t
wifi_cov_nareas(struct wifi_cov *c)
{
    close_sample(c, INT64_MAX);
    return c->n;
}

/* 1 covered, 0 not, -1 unknown. */
static int
covered(const struct wifi_cov *c, const struct wifi_cov_area *a)
{
    int64_t known = a->up + a->down;

    if (known * 2 >= c->school_s && known > 0)
        return a->up * 10 >= known * 9;
    return -1;
}

void
wifi_cov_area(struct wifi_cov *c, size_t i, struct wifi_area_day *out)
{
    const struct wifi_cov_area *a;
    int64_t unk;

    close_sample(c, INT64_MAX);
    a = &c->v[i];
    /* Time no sample covers is unknown too. */
    unk = c->school_s - (a->up + a->down);
    out->area = a->name;
    out->required = a->required;
    out->school_s = c->school_s;
    out->up_s = a->up;
    out->down_s = a->down;
    out->unknown_s = unk < 0 ? 0 : unk;
    out->covered = covered(c, a);
}

void
wifi_cov_day(struct wifi_cov *c, int has_access, int64_t access_mbps,
             int64_t aps_seen, int64_t now, struct wifi_day *out)
{
    memset(out, 0, sizeof(*out));
    close_sample(c, INT64_MAX);
    for (size_t i = 0; i < c->n; i++) {
        int cov;

        if (!c->v[i].required)
            continue;
        out->required++;
        cov = covered(c, &c->v[i]);
        if (cov < 0)
            out->unknown++;
        else if (cov)
            out->covered++;
        else
            out->uncovered++;
    }
    if (out->required - out->unknown > 0) {
        out->has_pct = 1;
        out->coverage_pct =
            100.0 * out->covered / (out->required - out->unknown);
    }
    if (out->required == 0 || (out->uncovered == 0 && out->unknown > 0))
        out->full_coverage = -1;
    else
        out->full_coverage = out->uncovered == 0 && out->unknown == 0;
    out->has_access = has_access;
    out->access_mbps = has_access ? access_mbps : 0;
    for (size_t j = 0; j < c->np; j++) {
        out->clients_peak += c->p[j].max;
        out->has_clients = 1;
    }
    out->aps_seen = aps_seen;
    out->computed = now;
}

void
wifi_cov_free(struct wifi_cov *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].name);
    free(c->v);
    free(c->p);
    c->v = NULL;
    c->p = NULL;
    c->n = c->cap = c->np = 0;
    c->cur = NULL;
}
