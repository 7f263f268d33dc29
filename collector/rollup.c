/* rollup: see rollup.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "log.h"
#include "rollup.h"
#include "storage.h"
#include "storage_hist.h"

#define DIRTY_PER_PASS 256
#define EXPIRE_CHUNK 5000

struct rollup {
    struct rollup_opts o;
    char *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
    struct rollup_stats st;
};

struct day_key {
    char school[256];
    int64_t day;
};

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Nearest-rank p95 of n values (sorted in place). */
static uint64_t
p95(uint64_t *v, size_t n)
{
    size_t k;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_u64);
    k = (n * 95 + 99) / 100; /* ceil(0.95 n) */
    return v[k ? k - 1 : 0];
}

struct cls_acc {
    char name[256];
    uint64_t *up, *down; /* bytes per school-hour minute slot */
    unsigned minutes;
    uint64_t bytes_up, bytes_down, peak_up, peak_down, max_dev;
};

/* The day's accumulation: per class, then over the school. */
struct day_acc {
    int64_t t0;
    size_t nslots;
    struct cls_acc *cls;
    size_t ncls;
    uint64_t *agg_up, *agg_down;
    unsigned char *seen;
};

static int
day_minute(void *arg, const struct storage_class_row *m)
{
    struct day_acc *a = arg;
    struct cls_acc *c;
    size_t slot;

    if (a->ncls == 0 || strcmp(a->cls[a->ncls - 1].name, m->class_id) != 0) {
        struct cls_acc *n = realloc(a->cls, (a->ncls + 1) * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        a->cls = n;
        c = &a->cls[a->ncls++];
        memset(c, 0, sizeof(*c));
        snprintf(c->name, sizeof(c->name), "%s", m->class_id);
        c->up = calloc(a->nslots, sizeof(uint64_t));
        c->down = calloc(a->nslots, sizeof(uint64_t));
        if (c->up == NULL || c->down == NULL)
            return -ENOMEM;
    }
    c = &a->cls[a->ncls - 1];
    slot = (size_t)((m->minute - a->t0) / 60);
    if (slot >= a->nslots)
        return 0;
    c->up[slot] += m->bytes_up;
    c->down[slot] += m->bytes_down;
    c->minutes++;
    if (m->peak_up_bps > c->peak_up)
        c->peak_up = m->peak_up_bps;
    if (m->peak_down_bps > c->peak_down)
        c->peak_down = m->peak_down_bps;
    if (m->devices > c->max_dev)
        c->max_dev = m->devices;
    a->agg_up[slot] += m->bytes_up;
    a->agg_down[slot] += m->bytes_down;
    a->seen[slot] = 1;
    return 0;
}

/* a minute the agent reported (capture row) is a minute with data even
 * when no class had traffic */
static int
day_capture(void *arg, int64_t minute, int64_t egress_bytes)
{
    struct day_acc *a = arg;
    size_t slot = (size_t)((minute - a->t0) / 60);

    if (slot < a->nslots)
        a->seen[slot] = 1;
    return 0;
}

/* Computes the class and school rows of the day from the accumulation. */
static int
day_store(struct storage *st, const char *school, int64_t day,
          struct day_acc *a)
{
    struct storage_hist_class_day cd;
    struct storage_hist_school_day sd;
    uint64_t sum_pu = 0, sum_pd = 0, pu = 0, pd = 0;
    unsigned with_data = 0;
    size_t i, slot;
    int rc;

    for (i = 0; i < a->ncls; i++) {
        struct cls_acc *c = &a->cls[i];
        for (slot = 0; slot < a->nslots; slot++) {
            c->bytes_up += c->up[slot];
            c->bytes_down += c->down[slot];
        }
        memset(&cd, 0, sizeof(cd));
        cd.school = school;
        cd.class_id = c->name;
        cd.day = day;
        cd.minutes = c->minutes;
        cd.bytes_up = c->bytes_up;
        cd.bytes_down = c->bytes_down;
        cd.p95_up_bps = p95(c->up, a->nslots) * 8 / 60;
        cd.p95_down_bps = p95(c->down, a->nslots) * 8 / 60;
        cd.peak_up_bps = c->peak_up;
        cd.peak_down_bps = c->peak_down;
        cd.max_devices = c->max_dev;
        if ((rc = storage_hist_put_class_day(st, &cd)) != 0)
            return rc;
        sum_pu += c->peak_up;
        sum_pd += c->peak_down;
    }
    for (slot = 0; slot < a->nslots; slot++) {
        with_data += a->seen[slot];
        if (a->agg_up[slot] > pu)
            pu = a->agg_up[slot];
        if (a->agg_down[slot] > pd)
            pd = a->agg_down[slot];
    }
    memset(&sd, 0, sizeof(sd));
    sd.school = school;
    sd.day = day;
    sd.school_minutes = a->nslots;
    sd.minutes_with_data = with_data;
    sd.agg_peak_up_bps = pu * 8 / 60;
    sd.agg_peak_down_bps = pd * 8 / 60;
    sd.sum_class_peak_up_bps = sum_pu;
    sd.sum_class_peak_down_bps = sum_pd;
    return storage_hist_put_school_day(st, &sd);
}

static int
roll_day(struct storage *st, const char *school, int64_t day)
{
    struct calendar cal;
    char district[256];
    struct day_acc a;
    size_t i;
    int64_t t0, t1;
    int rc;

    memset(&a, 0, sizeof(a));
    storage_hist_school_district(st, school, district, sizeof(district));
    if (calendar_get(st, district, &cal) != 0)
        calendar_default(&cal);
    t0 = calendar_day_start(&cal, day) + (int64_t)cal.start_min * 60;
    t1 = calendar_day_start(&cal, day) + (int64_t)cal.end_min * 60;
    a.t0 = t0;
    a.nslots = t1 > t0 ? (size_t)((t1 - t0) / 60) : 0;
    if (storage_begin(st) != 0) {
        calendar_free(&cal);
        return -EIO;
    }
    if ((rc = storage_hist_day_clear(st, school, day)) != 0)
        goto out;
    {
        /* Wi-Fi coverage of the day, from the SNMP area samples */
        struct store_snmp_window w = {t0, t1};
        int school_day = calendar_is_school_day(&cal, day) && a.nslots > 0;
        int64_t ds = calendar_day_start(&cal, day);

        if ((rc = storage_hist_wifi_day(st, school, ds, ds + 86400, &w,
                                        school_day ? 1 : 0,
                                        (int64_t)time(NULL))) != 0 ||
            !school_day)
            goto out;
    }
    a.agg_up = calloc(a.nslots, sizeof(*a.agg_up));
    a.agg_down = calloc(a.nslots, sizeof(*a.agg_down));
    a.seen = calloc(a.nslots, 1);
    if (a.agg_up == NULL || a.agg_down == NULL || a.seen == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = storage_each_class_minute(st, school, t0, t1, STORAGE_BY_CLASS,
                                        day_minute, &a)) != 0 ||
        (rc = storage_each_capture_minute(st, school, t0, t1, day_capture,
                                          &a)) != 0)
        goto out;
    rc = day_store(st, school, day, &a);
out:
    if (rc == 0 && storage_commit(st) != 0)
        rc = -EIO;
    if (rc != 0)
        storage_rollback(st);
    for (i = 0; i < a.ncls; i++) {
        free(a.cls[i].up);
        free(a.cls[i].down);
    }
    free(a.cls);
    free(a.agg_up);
    free(a.agg_down);
    free(a.seen);
    calendar_free(&cal);
    return rc;
}

static int
day_known(const struct day_key *d, size_t n, const char *school, int64_t day)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (d[i].day == day && strcmp(d[i].school, school) == 0)
            return 1;
    return 0;
}

/* One pass: dirty hours, then the local days they touch. */
static int
pass_dirty(struct storage *st, struct rollup_stats *rs)
{
    struct storage_hist_hour hrs[DIRTY_PER_PASS];
    struct day_key days[DIRTY_PER_PASS * 2];
    size_t nh, nd = 0, i;
    struct calendar cal;
    char district[256];
    int64_t d;
    int n;

    if ((n = storage_hist_dirty(st, hrs, DIRTY_PER_PASS)) < 0)
        return -EIO;
    nh = (size_t)n;
    for (i = 0; i < nh; i++) {
        /* the writer comes first: let it take the lock between our short
         * transactions */
        usleep(2000);
        if (storage_hist_roll_hour(st, hrs[i].school, hrs[i].hour) != 0)
            return -EIO;
        rs->hours++;
        storage_hist_school_district(st, hrs[i].school, district,
                                     sizeof(district));
        if (calendar_get(st, district, &cal) != 0)
            calendar_default(&cal);
        /* an hour lies in at most two local days */
        d = calendar_day(&cal, hrs[i].hour);
        if (!day_known(days, nd, hrs[i].school, d)) {
            memcpy(days[nd].school, hrs[i].school, sizeof(days[nd].school));
            days[nd++].day = d;
        }
        d = calendar_day(&cal, hrs[i].hour + 3599);
        if (!day_known(days, nd, hrs[i].school, d)) {
            memcpy(days[nd].school, hrs[i].school, sizeof(days[nd].school));
            days[nd++].day = d;
        }
        calendar_free(&cal);
    }
    for (i = 0; i < nd; i++) {
        usleep(2000);
        if (roll_day(st, days[i].school, days[i].day) != 0)
            return -EIO;
        rs->days++;
    }
    return (int)nh;
}

/* Raw rows older than cutoff, a chunk per transaction; a table whose
 * transaction cannot run is left for the next pass. */
static int
expire(struct storage *st, int64_t cutoff, struct rollup_stats *rs)
{
    int t, n;

    for (t = 0; t < STORAGE_HIST_RAW_N; t++) {
        do {
            n = storage_hist_expire_chunk(st, (enum storage_hist_raw)t,
                                          cutoff, EXPIRE_CHUNK);
            if (n == -EBUSY)
                break;
            if (n < 0)
                return -EIO;
            rs->expired_rows += (uint64_t)n;
        } while (n == EXPIRE_CHUNK);
    }
    return 0;
}

static int
full_pass(struct storage *st, unsigned retention_days, int64_t now,
          struct rollup_stats *rs)
{
    int64_t oldest, cutoff;
    int n;

    while ((n = pass_dirty(st, rs)) == DIRTY_PER_PASS)
        ;
    if (n < 0)
        return n;
    rs->passes++;
    if (retention_days == 0)
        return 0;
    cutoff = now - (int64_t)retention_days * 86400;
    /* never expire raw rows of an hour whose rollup is still pending */
    if (storage_hist_oldest_dirty(st, &oldest) == 0 && oldest < cutoff)
        cutoff = oldest;
    return expire(st, cutoff, rs);
}

int
rollup_run_once(const char *db, unsigned retention_days, int64_t now,
                struct rollup_stats *rs)
{
    struct storage *st;
    int rc;

    memset(rs, 0, sizeof(*rs));
    if ((rc = storage_open(db, &st)) != 0)
        return rc;
    rc = full_pass(st, retention_days, now, rs);
    storage_close(st);
    return rc;
}

static void *
rollup_main(void *arg)
{
    struct rollup *r = arg;
    struct rollup_stats rs;
    struct storage *st = NULL;
    struct timespec ts;

    for (;;) {
        pthread_mutex_lock(&r->mu);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += r->o.interval_s;
        while (!r->stopping &&
               pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
            ;
        if (r->stopping) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        pthread_mutex_unlock(&r->mu);
        if (st == NULL && storage_open(r->db, &st) != 0) {
            st = NULL;
            continue;
        }
        memset(&rs, 0, sizeof(rs));
        if (full_pass(st, r->o.retention_days, (int64_t)time(NULL), &rs) != 0)
            log_warnx("rollup: pass failed; retrying in %us",
                      r->o.interval_s);
        pthread_mutex_lock(&r->mu);
        r->st.hours += rs.hours;
        r->st.days += rs.days;
        r->st.expired_rows += rs.expired_rows;
        r->st.passes++;
        pthread_mutex_unlock(&r->mu);
    }
    storage_close(st);
    return NULL;
}

int
rollup_start(const struct rollup_opts *o, struct rollup **out)
{
    struct rollup *r;
    int rc;

    *out = NULL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->o = *o;
    if (r->o.interval_s == 0)
        r->o.interval_s = 30;
    r->db = strdup(o->db);
    if (r->db == NULL) {
        free(r);
        return -ENOMEM;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if ((rc = pthread_create(&r->thread, NULL, rollup_main, r)) != 0) {
        free(r->db);
        free(r);
        return -rc;
    }
    *out = r;
    return 0;
}

void
rollup_stop(struct rollup *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->db);
    free(r);
}

void
rollup_get_stats(struct rollup *r, struct rollup_stats *st)
{
    pthread_mutex_lock(&r->mu);
    *st = r->st;
    pthread_mutex_unlock(&r->mu);
}
