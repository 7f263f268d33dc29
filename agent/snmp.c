/* snmp: targets, area map, continuous polling and --snmp-once (see
 * snmp.h). The loop thread only starts work, copies results and calls the
 * agent back; every SNMP request runs in a libuv worker. Secrets given in
 * the config stay in the target struct and are never logged or printed. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "snmp.h"
#include "snmp_poll.h"
#include "wire_snmp.h"

#define DEF_TIMEOUT_MS 2000
#define DEF_RETRIES 1
#define DEF_INTERVAL_S 300
#define DEF_MAX_REP 25
#define DEF_PARALLEL 2
#define MAX_TARGETS 256
#define MAX_AREAS 4096
#define RECORDS_MAX (512 * 1024) /* records of one poll; APs beyond drop */

struct apsnap {
    char name[SNMP_NAME_MAX];
    uint8_t mac[6];
    uint8_t has_mac, status;
};

struct area {
    char name[WIRE_MAX_STR + 1];
    int required;
    char **pat;
    size_t npat;
};

struct tgt {
    struct snmp_target t;
    struct snmp_set *set;
    uv_timer_t timer;
    uv_work_t work;
    int timer_init, inflight, due;
    struct snmp_result res;
    int rc;
    struct buf out;
    uint32_t nrec;
    /* Last poll's APs, for the area map (loop thread only). */
    struct apsnap *snap;
    size_t nsnap;
    int snap_state; /* 0 = never polled */
    int64_t snap_ms;
    int64_t next_due;  /* replay: capture time of the next poll */
    int64_t poll_ts;   /* replay: capture time the running poll stands for */
};

struct snmp_set {
    struct tgt **t;
    size_t nt;
    struct area *areas;
    size_t nareas;
    char *profile_dir;
    struct snmp_profiles profiles;
    int profiles_loaded;
    unsigned parallel, area_interval;
    uv_loop_t *loop;
    snmp_result_cb cb;
    void *arg;
    uv_timer_t area_timer;
    int area_timer_init;
    int inflight, stopping;
    struct buf area_out;
    int replay;        /* polls and stamps follow the capture's clock */
};

const char *const snmp_conf_keys[] = {
    "snmp_target", "snmp_profile_dir", "snmp_parallel", "snmp_area_interval",
    "area", NULL,
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct snmp_set *
snmp_set_new(void)
{
    struct snmp_set *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->parallel = DEF_PARALLEL;
    buf_init(&s->area_out, RECORDS_MAX);
    return s;
}

static void
area_clear(struct area *a)
{
    for (size_t i = 0; i < a->npat; i++)
        free(a->pat[i]);
    free(a->pat);
    a->pat = NULL;
    a->npat = 0;
}

static void
tgt_free(struct tgt *tg)
{
    if (tg == NULL)
        return;
    snmp_result_free(&tg->res);
    snmp_target_reset(&tg->t);
    buf_free(&tg->out);
    free(tg->snap);
    free(tg);
}

static void
areas_free(struct area *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        area_clear(&v[i]);
    free(v);
}

void
snmp_set_free(struct snmp_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nt; i++)
        tgt_free(s->t[i]);
    free(s->t);
    areas_free(s->areas, s->nareas);
    free(s->profile_dir);
    snmp_profiles_free(&s->profiles);
    buf_free(&s->area_out);
    free(s);
}

size_t
snmp_set_ntargets(const struct snmp_set *s)
{
    return s->nt;
}

/* ---- target SPEC ---- */

static int
secret(const char *in, char *out, size_t cap, char *err, size_t errlen)
{
    if (strncmp(in, "env:", 4) == 0) {
        const char *v = getenv(in + 4);
        if (v == NULL) {
            snprintf(err, errlen, "environment variable %s is not set",
                     in + 4);
            return -1;
        }
        in = v;
    } else if (strncmp(in, "file:", 5) == 0) {
        FILE *f = fopen(in + 5, "r");
        char line[256];
        if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
            snprintf(err, errlen, "cannot read secret file %s", in + 5);
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) >= cap) {
            snprintf(err, errlen, "secret in %s is too long", in + 5);
            return -1;
        }
        strcpy(out, line);
        explicit_bzero(line, sizeof(line));
        return 0;
    }
    if (strlen(in) >= cap || in[0] == '\0') {
        snprintf(err, errlen, "secret is empty or too long");
        return -1;
    }
    strcpy(out, in);
    return 0;
}

static int
parse_spec(const char *spec, struct snmp_target *t, char *err, size_t errlen)
{
    char tmp[512], *at, *host, *port = NULL, *f[8];
    int nf = 0;
    unsigned long pn = 161;

    if (strlen(spec) >= sizeof(tmp)) {
        snprintf(err, errlen, "target spec too long");
        return -1;
    }
    strcpy(tmp, spec);
    at = strrchr(tmp, '@');
    if (at == NULL) {
        snprintf(err, errlen, "target spec needs @HOST[:PORT] "
                              "(v2c:COMMUNITY@HOST:PORT or v3:USER:...)");
        goto fail;
    }
    *at = '\0';
    host = at + 1;
    if (host[0] == '[') {
        char *rb = strchr(host, ']');
        if (rb == NULL) {
            snprintf(err, errlen, "unterminated [IPv6] host");
            goto fail;
        }
        *rb = '\0';
        host++;
        if (rb[1] == ':')
            port = rb + 2;
        else if (rb[1] != '\0') {
            snprintf(err, errlen, "bad text after ]");
            goto fail;
        }
    } else if ((port = strchr(host, ':')) != NULL) {
        *port++ = '\0';
    }
    if (host[0] == '\0') {
        snprintf(err, errlen, "empty host");
        goto fail;
    }
    if (port != NULL) {
        char *end;
        pn = strtoul(port, &end, 10);
        if (*port == '\0' || *end != '\0' || pn == 0 || pn > 65535) {
            snprintf(err, errlen, "bad port \"%s\"", port);
            goto fail;
        }
    }
    snprintf(t->peer, sizeof(t->peer), "%s:%s%s%s:%lu",
             strchr(host, ':') ? "udp6" : "udp", strchr(host, ':') ? "[" : "",
             host, strchr(host, ':') ? "]" : "", pn);
    /* Credentials: split on ':' (a secret holding ':' goes through env:). */
    for (char *p = tmp, *save = NULL, *tok; nf < 8; p = NULL) {
        tok = strtok_r(p, ":", &save);
        if (tok == NULL)
            break;
        /* env:VAR and file:PATH are one field: glue the ':' back. */
        if (nf > 0 && (strcmp(f[nf - 1], "env") == 0 ||
                       strcmp(f[nf - 1], "file") == 0) &&
            tok == f[nf - 1] + strlen(f[nf - 1]) + 1) {
            tok[-1] = ':';
            continue;
        }
        f[nf++] = tok;
    }
    if (nf < 1) {
        snprintf(err, errlen, "target spec needs a version (v1, v2c, v3)");
        goto fail;
    }
    if (strcmp(f[0], "v2c") == 0 || strcmp(f[0], "v1") == 0) {
        t->version = f[0][1] == '1' ? 1 : 2;
        if (nf != 2 || strlen(f[1]) >= sizeof(t->community)) {
            snprintf(err, errlen, "expected %s:COMMUNITY@HOST[:PORT]", f[0]);
            goto fail;
        }
        if (secret(f[1], t->community, sizeof(t->community), err, errlen))
            goto fail;
    } else if (strcmp(f[0], "v3") == 0) {
        t->version = 3;
        if (nf < 3 || strlen(f[1]) >= sizeof(t->user)) {
            snprintf(err, errlen, "expected v3:USER:LEVEL[:AUTH:PASS"
                                  "[:PRIV:PASS]]@HOST[:PORT]");
            goto fail;
        }
        strcpy(t->user, f[1]);
        if (strcmp(f[2], "noAuthNoPriv") == 0 && nf == 3) {
            t->auth = SNMP_AUTH_NONE;
        } else if ((strcmp(f[2], "authNoPriv") == 0 && nf == 5) ||
                   (strcmp(f[2], "authPriv") == 0 && nf == 7)) {
            if (strcasecmp(f[3], "MD5") == 0)
                t->auth = SNMP_AUTH_MD5;
            else if (strcasecmp(f[3], "SHA") == 0)
                t->auth = SNMP_AUTH_SHA;
            else if (strcasecmp(f[3], "SHA256") == 0 ||
                     strcasecmp(f[3], "SHA-256") == 0)
                t->auth = SNMP_AUTH_SHA256;
            else {
                snprintf(err, errlen, "auth protocol must be MD5, SHA or "
                                      "SHA256");
                goto fail;
            }
            if (secret(f[4], t->authpass, sizeof(t->authpass), err, errlen))
                goto fail;
            if (nf == 7) {
                if (strcasecmp(f[5], "AES") == 0 ||
                    strcasecmp(f[5], "AES128") == 0)
                    t->priv = SNMP_PRIV_AES;
                else if (strcasecmp(f[5], "DES") == 0)
                    t->priv = SNMP_PRIV_DES;
                else {
                    snprintf(err, errlen, "privacy protocol must be AES or "
                                          "DES");
                    goto fail;
                }
                if (secret(f[6], t->privpass, sizeof(t->privpass), err,
                           errlen))
                    goto fail;
            }
            if (strlen(t->authpass) < 8 ||
                (t->priv && strlen(t->privpass) < 8)) {
                snprintf(err, errlen, "SNMPv3 pass phrases must have at "
                                      "least 8 characters");
                goto fail;
            }
        } else {
            snprintf(err, errlen, "v3 level must be noAuthNoPriv, "
                                  "authNoPriv:AUTH:PASS or "
                                  "authPriv:AUTH:PASS:PRIV:PASS");
            goto fail;
        }
    } else {
        snprintf(err, errlen, "unknown SNMP version \"%s\" (v1, v2c, v3)",
                 f[0]);
        goto fail;
    }
    explicit_bzero(tmp, sizeof(tmp));
    return 0;
fail:
    explicit_bzero(tmp, sizeof(tmp));
    return -1;
}

static void
target_defaults(struct snmp_target *t)
{
    memset(t, 0, sizeof(*t));
    t->timeout_ms = DEF_TIMEOUT_MS;
    t->retries = DEF_RETRIES;
    t->interval_s = DEF_INTERVAL_S;
    t->bulk = 1;
    t->max_rep = DEF_MAX_REP;
}

static int
num(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int
conf_target(struct snmp_set *s, int argc, char **argv, char *err,
            size_t errlen)
{
    struct tgt *tg;
    struct snmp_target *t;

    if (argc < 3 || argc % 2 == 0) {
        snprintf(err, errlen, "usage: snmp_target NAME SPEC [timeout MS] "
                              "[retries N] [interval S] [bulk on|off] "
                              "[max_repetitions N] [profile NAME] "
                              "[context NAME]");
        return -1;
    }
    if (strlen(argv[1]) >= SNMP_NAME_MAX) {
        snprintf(err, errlen, "target name too long");
        return -1;
    }
    for (size_t i = 0; i < s->nt; i++)
        if (strcmp(s->t[i]->t.name, argv[1]) == 0) {
            snprintf(err, errlen, "target \"%s\" defined twice", argv[1]);
            return -1;
        }
    if (s->nt == MAX_TARGETS) {
        snprintf(err, errlen, "too many targets (max %d)", MAX_TARGETS);
        return -1;
    }
    tg = calloc(1, sizeof(*tg));
    if (tg == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t = &tg->t;
    target_defaults(t);
    strcpy(t->name, argv[1]);
    if (parse_spec(argv[2], t, err, errlen) != 0)
        goto fail;
    for (int i = 3; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        int bad = 0;

        if (strcmp(k, "timeout") == 0)
            bad = num(v, 10, 60000, &t->timeout_ms);
        else if (strcmp(k, "retries") == 0)
            bad = num(v, 0, 10, &t->retries);
        else if (strcmp(k, "interval") == 0)
            bad = num(v, 1, 86400, &t->interval_s);
        else if (strcmp(k, "max_repetitions") == 0)
            bad = num(v, 1, 1000, &t->max_rep);
        else if (strcmp(k, "bulk") == 0) {
            if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0)
                t->bulk = 1;
            else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0)
                t->bulk = 0;
            else
                bad = 1;
        } else if (strcmp(k, "profile") == 0 &&
                   strlen(v) < sizeof(t->profile))
            strcpy(t->profile, v);
        else if (strcmp(k, "context") == 0 && strlen(v) < sizeof(t->context))
            strcpy(t->context, v);
        else {
            snprintf(err, errlen, "snmp_target: unknown option \"%s\"", k);
            goto fail;
        }
        if (bad) {
            snprintf(err, errlen, "snmp_target: bad value \"%s\" for %s", v,
                     k);
            goto fail;
        }
    }
    if ((uint64_t)t->timeout_ms * (t->retries + 1) > (uint64_t)t->interval_s * 1000) {
        snprintf(err, errlen, "snmp_target: timeout x (retries+1) exceeds "
                              "the interval");
        goto fail;
    }
    struct tgt **nv = realloc(s->t, (s->nt + 1) * sizeof(*nv));
    if (nv == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->t = nv;
    tg->set = s;
    buf_init(&tg->out, RECORDS_MAX);
    s->t[s->nt++] = tg;
    return 0;
fail:
    snmp_target_reset(t);
    explicit_bzero(t->community, sizeof(t->community));
    free(tg);
    return -1;
}

static int
area_add(struct area **v, size_t *n, const char *name, int required,
         char **pats, size_t npat, char *err, size_t errlen)
{
    struct area *a, *nv;

    if (strlen(name) > WIRE_MAX_STR || name[0] == '\0') {
        snprintf(err, errlen, "area name empty or too long");
        return -1;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*v)[i].name, name) == 0) {
            a = &(*v)[i];
            if (a->required != required) {
                snprintf(err, errlen, "area \"%s\" both required and "
                                      "optional", name);
                return -1;
            }
            goto add;
        }
    }
    if (*n == MAX_AREAS) {
        snprintf(err, errlen, "too many areas (max %d)", MAX_AREAS);
        return -1;
    }
    nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (nv == NULL)
        goto oom;
    *v = nv;
    a = &nv[(*n)++];
    memset(a, 0, sizeof(*a));
    strcpy(a->name, name);
    a->required = required;
add:
    for (size_t i = 0; i < npat; i++) {
        char **np;
        if (pats[i][0] == '\0')
            continue;
        np = realloc(a->pat, (a->npat + 1) * sizeof(*np));
        if (np == NULL)
            goto oom;
        a->pat = np;
        if ((a->pat[a->npat] = strdup(pats[i])) == NULL)
            goto oom;
        a->npat++;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int
snmp_conf_line(struct snmp_set *s, int argc, char **argv, char *err,
               size_t errlen)
{
    const char *k = argv[0];

    if (strcmp(k, "snmp_target") == 0)
        return conf_target(s, argc, argv, err, errlen);
    if (strcmp(k, "snmp_profile_dir") == 0) {
        if (argc != 2) {
            snprintf(err, errlen, "usage: snmp_profile_dir DIR");
            return -1;
        }
        free(s->profile_dir);
        s->profile_dir = strdup(argv[1]);
        if (s->profile_dir == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "snmp_parallel") == 0) {
        if (argc != 2 || num(argv[1], 1, 64, &s->parallel) != 0) {
            snprintf(err, errlen, "usage: snmp_parallel N (1..64)");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "snmp_area_interval") == 0) {
        if (argc != 2 || num(argv[1], 1, 86400, &s->area_interval) != 0) {
            snprintf(err, errlen, "usage: snmp_area_interval SECONDS");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "area") == 0) {
        int req;
        if (argc < 4) {
            snprintf(err, errlen, "usage: area NAME required|optional "
                                  "AP-MATCH...");
            return -1;
        }
        if (strcmp(argv[2], "required") == 0)
            req = 1;
        else if (strcmp(argv[2], "optional") == 0)
            req = 0;
        else {
            snprintf(err, errlen, "area: expected required or optional, "
                                  "not \"%s\"", argv[2]);
            return -1;
        }
        return area_add(&s->areas, &s->nareas, argv[1], req, argv + 3,
                        (size_t)argc - 3, err, errlen);
    }
    snprintf(err, errlen, "snmp: unknown key \"%s\"", k);
    return -1;
}

/* Minimal CSV field split with "quoted" fields ("" = one quote). */
static int
csv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;

    while (n < max) {
        char *o;
        if (*p == '"') {
            f[n++] = o = ++p;
            while (*p != '\0') {
                if (*p == '"' && p[1] == '"') {
                    *o++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
            char *rest = p;
            *o = '\0';
            p = rest;
        } else {
            f[n++] = p;
            p += strcspn(p, ",");
        }
        if (*p != ',') {
            *p = '\0';
            break;
        }
        *p++ = '\0';
    }
    return n;
}

static uint64_t first_delay_ms(unsigned interval_s);
static void area_timer_cb(uv_timer_t *h);

/* Starts area evaluation once there are both targets and areas (the area
 * map may arrive later, pushed by the collector). */
static int
area_timer_start(struct snmp_set *s)
{
    if (s->area_timer_init || s->loop == NULL || s->stopping ||
        s->nareas == 0 || s->nt == 0 || s->area_interval == 0)
        return 0;
    uv_timer_init(s->loop, &s->area_timer);
    s->area_timer.data = s;
    s->area_timer_init = 1;
    /* Half a period after the polls, so fresh results are in. */
    return uv_timer_start(&s->area_timer, area_timer_cb,
                          first_delay_ms(s->area_interval) +
                              (uint64_t)s->area_interval * 500,
                          (uint64_t)s->area_interval * 1000);
}

int
snmp_set_areamap_csv(struct snmp_set *s, const char *text, size_t len,
                     char *err, size_t errlen)
{
    struct area *v = NULL;
    size_t n = 0, off = 0;
    int line = 0;

    while (off < len) {
        char buf[1024], *f[4];
        size_t l = 0;
        int nf;

        while (off + l < len && text[off + l] != '\n')
            l++;
        line++;
        if (l >= sizeof(buf)) {
            snprintf(err, errlen, "area map line %d too long", line);
            goto fail;
        }
        memcpy(buf, text + off, l);
        buf[l] = '\0';
        off += l + 1;
        if (l > 0 && buf[l - 1] == '\r')
            buf[l - 1] = '\0';
        if (buf[0] == '\0' || (line == 1 && strncmp(buf, "area,", 5) == 0))
            continue;
        nf = csv_fields(buf, f, 4);
        if (nf != 3 || (strcmp(f[1], "0") != 0 && strcmp(f[1], "1") != 0)) {
            snprintf(err, errlen, "area map line %d: expected area,0|1,ap",
                     line);
            goto fail;
        }
        if (area_add(&v, &n, f[0], f[1][0] == '1', &f[2], 1, err, errlen))
            goto fail;
    }
    areas_free(s->areas, s->nareas);
    s->areas = v;
    s->nareas = n;
    if (area_timer_start(s) != 0) {
        snprintf(err, errlen, "cannot start the area timer");
        return -1;
    }
    return 0;
fail:
    areas_free(v, n);
    return -1;
}

int
snmp_area_match(const char *pattern, const char *name, const uint8_t *mac)
{
    uint8_t pm[6];

    if (snmp_mac_parse((const uint8_t *)pattern, strlen(pattern), pm) == 0 &&
        strlen(pattern) >= 12)
        return mac != NULL && memcmp(pm, mac, 6) == 0;
    if (strpbrk(pattern, "*?[") != NULL)
        return fnmatch(pattern, name, 0) == 0;
    return strcmp(pattern, name) == 0;
}

/* ---- area evaluation ---- */

struct areastat {
    uint8_t state;
    uint16_t aps, up, down;
};

static void
snap_update(struct tgt *tg, const struct snmp_result *r)
{
    tg->snap_state = r->state;
    tg->snap_ms = now_ms();
    if (r->state != SNMP_ST_OK && r->state != SNMP_ST_PARTIAL) {
        tg->nsnap = 0;
        return;
    }
    struct apsnap *ns = r->naps ? malloc(r->naps * sizeof(*ns)) : NULL;
    if (r->naps && ns == NULL) {
        tg->nsnap = 0;
        tg->snap_state = SNMP_ST_ERROR;
        return;
    }
    for (size_t i = 0; i < r->naps; i++) {
        memcpy(ns[i].name, r->aps[i].name, sizeof(ns[i].name));
        memcpy(ns[i].mac, r->aps[i].mac, 6);
        ns[i].has_mac = r->aps[i].has_mac;
        ns[i].status = r->aps[i].status;
    }
    free(tg->snap);
    tg->snap = ns;
    tg->nsnap = r->naps;
}

static struct areastat
area_eval(const struct snmp_set *s, const struct area *a, int64_t now,
          int check_age)
{
    struct areastat st = {0, 0, 0, 0};
    int unreach = 0, unknown = 0;

    for (size_t i = 0; i < s->nt; i++) {
        const struct tgt *tg = s->t[i];
        int64_t maxage = (int64_t)tg->t.interval_s * 2000 +
                         (int64_t)tg->t.timeout_ms * (tg->t.retries + 1);

        if (tg->snap_state != SNMP_ST_OK &&
            tg->snap_state != SNMP_ST_PARTIAL) {
            unreach = 1;
            continue;
        }
        if (check_age && now - tg->snap_ms > maxage) {
            unreach = 1;
            continue;
        }
        if (tg->snap_state == SNMP_ST_PARTIAL)
            unreach = 1;
        for (size_t j = 0; j < tg->nsnap; j++) {
            const struct apsnap *ap = &tg->snap[j];
            int m = 0;
            for (size_t k = 0; k < a->npat && !m; k++)
                m = snmp_area_match(a->pat[k], ap->name,
                                    ap->has_mac ? ap->mac : NULL);
            if (!m)
                continue;
            if (st.aps < UINT16_MAX)
                st.aps++;
            if (ap->status == SNMP_AP_UP && st.up < UINT16_MAX)
                st.up++;
            else if (ap->status == SNMP_AP_DOWN && st.down < UINT16_MAX)
                st.down++;
            else
                unknown = 1;
        }
    }
    st.state = st.up ? WIRE_AREA_UP
               : st.down ? WIRE_AREA_DOWN
               : unreach ? WIRE_AREA_UNREACHABLE
               : unknown ? WIRE_AREA_UNKNOWN
                         : WIRE_AREA_MISSING;
    return st;
}

static const char *
area_state_name(int st)
{
    switch (st) {
    case WIRE_AREA_UP: return "up";
    case WIRE_AREA_DOWN: return "down";
    case WIRE_AREA_MISSING: return "missing";
    case WIRE_AREA_UNREACHABLE: return "unreachable";
    default: return "unknown";
    }
}

/* ---- records ---- */

static uint64_t
ap_speed(const struct snmp_ap *a)
{
    if (a->uplink_mbps == SNMP_UNKNOWN)
        return a->radio_mbps;
    if (a->radio_mbps == SNMP_UNKNOWN)
        return a->uplink_mbps;
    return a->uplink_mbps < a->radio_mbps ? a->uplink_mbps : a->radio_mbps;
}

static void
counts(const struct snmp_result *r, uint32_t *up, uint32_t *down,
       uint32_t *unk, uint64_t *access)
{
    *up = *down = *unk = 0;
    *access = SNMP_UNKNOWN;
    for (size_t i = 0; i < r->naps; i++) {
        uint64_t sp = ap_speed(&r->aps[i]);
        if (r->aps[i].status == SNMP_AP_UP)
            (*up)++;
        else if (r->aps[i].status == SNMP_AP_DOWN)
            (*down)++;
        else
            (*unk)++;
        if (sp != SNMP_UNKNOWN && (*access == SNMP_UNKNOWN || sp < *access))
            *access = sp;
    }
}

static void
encode_result(struct tgt *tg)
{
    const struct snmp_result *r = &tg->res;
    struct wire_snmp_poll p;
    size_t i;

    buf_reset(&tg->out);
    tg->nrec = 0;
    memset(&p, 0, sizeof(p));
    p.ts = r->ts;
    snprintf(p.target, sizeof(p.target), "%s", tg->t.name);
    snprintf(p.profile, sizeof(p.profile), "%s", r->profile);
    snprintf(p.error, sizeof(p.error), "%s", r->error);
    p.state = (uint8_t)r->state;
    p.rebooted = (uint8_t)r->rebooted;
    p.duration_ms = r->duration_ms;
    p.interval_s = tg->t.interval_s;
    p.uptime = r->uptime;
    p.aps = (uint32_t)r->naps;
    counts(r, &p.aps_up, &p.aps_down, &p.aps_unknown, &p.access_mbps);
    p.total_aps = r->total_aps;
    p.total_aps_up = r->total_aps_up;
    p.clients = r->total_clients;
    if (p.clients == SNMP_UNKNOWN) {
        /* No controller total: the APs' own counts, if any were given. */
        for (i = 0; i < r->naps; i++)
            if (r->aps[i].clients != SNMP_UNKNOWN)
                p.clients = (p.clients == SNMP_UNKNOWN ? 0 : p.clients) +
                            r->aps[i].clients;
    }
    p.neighbours = r->neigh;
    p.neighbour_macs = r->neigh_macs;
    if (wire_snmp_poll_put(&tg->out, &p) == 0)
        tg->nrec++;
    for (i = 0; i < r->naps && tg->out.err == 0; i++) {
        const struct snmp_ap *a = &r->aps[i];
        struct wire_snmp_ap w;
        memset(&w, 0, sizeof(w));
        w.ts = r->ts;
        snprintf(w.target, sizeof(w.target), "%s", tg->t.name);
        snprintf(w.name, sizeof(w.name), "%s", a->name);
        snprintf(w.location, sizeof(w.location), "%s", a->location);
        w.has_mac = a->has_mac;
        memcpy(w.mac, a->mac, 6);
        w.status = a->status;
        w.status_src = a->status_src;
        w.clients = a->clients;
        w.speed_mbps = ap_speed(a);
        if (wire_snmp_ap_put(&tg->out, &w) == 0)
            tg->nrec++;
    }
    for (i = 0; i < r->nifs && tg->out.err == 0; i++) {
        const struct snmp_if *f = &r->ifs[i];
        struct wire_snmp_if w;
        memset(&w, 0, sizeof(w));
        w.ts = r->ts;
        snprintf(w.target, sizeof(w.target), "%s", tg->t.name);
        snprintf(w.name, sizeof(w.name), "%s", f->name);
        snprintf(w.alias, sizeof(w.alias), "%s", f->alias);
        w.ifindex = f->index;
        w.oper = f->oper;
        w.flags = (uint8_t)(((f->hc & 3) == 3 ? WIRE_SNMP_IF_HC : 0) |
                            (f->disc ? WIRE_SNMP_IF_DISC : 0));
        w.elapsed_s = r->elapsed_s;
        w.speed_mbps = f->speed_mbps;
        w.in_bytes = f->din;
        w.out_bytes = f->dout;
        if (wire_snmp_if_put(&tg->out, &w) == 0)
            tg->nrec++;
    }
}

/* ---- continuous polling ---- */

static void poll_kick(struct snmp_set *s);
static void area_emit(struct snmp_set *s, int64_t ts, uint32_t interval);

static void
work_cb(uv_work_t *w)
{
    struct tgt *tg = w->data;

    tg->rc = snmp_poll_target(&tg->set->profiles, &tg->t, &tg->res);
    if (tg->set->replay)
        tg->res.ts = tg->poll_ts;
    encode_result(tg);
}

static void
after_cb(uv_work_t *w, int status)
{
    struct tgt *tg = w->data;
    struct snmp_set *s = tg->set;

    tg->inflight = 0;
    s->inflight--;
    if (status == 0 && !s->stopping) {
        const struct snmp_result *r = &tg->res;
        if (r->state != SNMP_ST_OK)
            log_warnx("snmp: %s: %s: %s", tg->t.name,
                      snmp_state_name(r->state), r->error);
        else
            log_debug("snmp: %s: %zu APs, %zu interfaces in %u ms (%zu "
                      "requests)", tg->t.name, r->naps, r->nifs,
                      r->duration_ms, r->requests);
        if (tg->out.err != 0)
            log_warnx("snmp: %s: records over %u bytes, some dropped",
                      tg->t.name, RECORDS_MAX);
        snap_update(tg, r);
        if (s->cb != NULL && tg->nrec > 0)
            s->cb(s->arg, tg->out.p, tg->out.len, tg->nrec);
        if (s->replay && s->nareas > 0)
            area_emit(s, tg->poll_ts, tg->t.interval_s);
    }
    snmp_result_free(&tg->res);
    buf_reset(&tg->out);
    if (!s->stopping)
        poll_kick(s);
}

static void
poll_kick(struct snmp_set *s)
{
    for (size_t i = 0; i < s->nt && s->inflight < (int)s->parallel; i++) {
        struct tgt *tg = s->t[i];
        if (!tg->due || tg->inflight)
            continue;
        tg->due = 0;
        tg->inflight = 1;
        tg->work.data = tg;
        if (uv_queue_work(s->loop, &tg->work, work_cb, after_cb) != 0) {
            tg->inflight = 0;
            continue;
        }
        s->inflight++;
    }
}

static void
timer_cb(uv_timer_t *h)
{
    struct tgt *tg = h->data;

    /* A poll still running when the next is due is skipped, not queued
     * twice: the interval is too short for the device. */
    if (tg->inflight)
        log_warnx("snmp: %s: poll still running after %u s; skipping one",
                  tg->t.name, tg->t.interval_s);
    else
        tg->due = 1;
    poll_kick(tg->set);
}

static void
area_timer_cb(uv_timer_t *h)
{
    struct snmp_set *s = h->data;

    area_emit(s, (int64_t)time(NULL), s->area_interval);
}

/* One sample per area, standing for [ts, ts + interval). */
static void
area_emit(struct snmp_set *s, int64_t ts, uint32_t interval)
{
    int64_t now = now_ms();
    uint32_t n = 0;

    /* Nothing to say before every target has been polled once. */
    for (size_t i = 0; i < s->nt; i++)
        if (s->t[i]->snap_state == 0)
            return;
    buf_reset(&s->area_out);
    for (size_t i = 0; i < s->nareas; i++) {
        struct areastat st = area_eval(s, &s->areas[i], now, 1);
        struct wire_snmp_area w;
        memset(&w, 0, sizeof(w));
        w.ts = ts;
        w.interval_s = interval;
        snprintf(w.area, sizeof(w.area), "%s", s->areas[i].name);
        w.required = (uint8_t)s->areas[i].required;
        w.state = st.state;
        w.aps = st.aps;
        w.aps_up = st.up;
        w.aps_down = st.down;
        if (wire_snmp_area_put(&s->area_out, &w) == 0)
            n++;
    }
    if (n > 0 && s->cb != NULL)
        s->cb(s->arg, s->area_out.p, s->area_out.len, n);
}

static int
load_profiles(struct snmp_set *s, int strict)
{
    char err[512];
    const char *dir = s->profile_dir;
    int explicit = dir != NULL;

    if (s->profiles_loaded)
        return 0;
    if (dir == NULL)
        dir = getenv("CLASSBAND_SNMP_PROFILES");
    explicit |= dir != NULL;
    if (dir == NULL)
        dir = SNMP_PROFILE_DIR_DEFAULT;
    if (snmp_profiles_load(&s->profiles, dir, err, sizeof(err)) != 0) {
        snmp_profiles_free(&s->profiles);
        if (explicit || strict) {
            log_warnx("snmp: %s", err);
            return -EINVAL;
        }
        log_warnx("snmp: %s; polling standard MIBs only", err);
    }
    s->profiles_loaded = 1;
    /* A forced profile that does not exist is a config error, caught
     * before the first poll rather than at every poll. */
    for (size_t i = 0; i < s->nt; i++) {
        const char *name = s->t[i]->t.profile;
        if (name[0] != '\0' && snmp_profiles_find(&s->profiles, name) == NULL) {
            log_warnx("snmp: target %s: no profile \"%s\" in %s",
                      s->t[i]->t.name, name, dir);
            return -EINVAL;
        }
    }
    return 0;
}

static uint64_t
first_delay_ms(unsigned interval_s)
{
    struct timespec ts;
    uint64_t now, per = (uint64_t)interval_s * 1000;

    clock_gettime(CLOCK_REALTIME, &ts);
    now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    return per - now % per;
}

int
snmp_start(struct snmp_set *s, uv_loop_t *loop, snmp_result_cb cb, void *arg)
{
    int rc;

    snmp_poll_init();
    if ((rc = load_profiles(s, 0)) != 0)
        return rc;
    s->loop = loop;
    s->cb = cb;
    s->arg = arg;
    s->stopping = 0;
    if (s->replay)
        return 0; /* snmp_replay_clock drives the polls */
    for (size_t i = 0; i < s->nt; i++) {
        struct tgt *tg = s->t[i];
        uv_timer_init(loop, &tg->timer);
        tg->timer.data = tg;
        tg->timer_init = 1;
        rc = uv_timer_start(&tg->timer, timer_cb,
                            first_delay_ms(tg->t.interval_s),
                            (uint64_t)tg->t.interval_s * 1000);
        if (rc != 0)
            return rc;
        if (s->area_interval == 0 || tg->t.interval_s < s->area_interval)
            s->area_interval = tg->t.interval_s;
    }
    return area_timer_start(s);
}

void
snmp_stop(struct snmp_set *s)
{
    s->stopping = 1;
    for (size_t i = 0; i < s->nt; i++) {
        struct tgt *tg = s->t[i];
        if (tg->timer_init) {
            uv_timer_stop(&tg->timer);
            uv_close((uv_handle_t *)&tg->timer, NULL);
            tg->timer_init = 0;
        }
        if (tg->inflight)
            uv_cancel((uv_req_t *)&tg->work);
        tg->due = 0;
    }
    if (s->area_timer_init) {
        uv_timer_stop(&s->area_timer);
        uv_close((uv_handle_t *)&s->area_timer, NULL);
        s->area_timer_init = 0;
    }
}

/* ---- --snmp-once ---- */

static json_t *
ju64(uint64_t v)
{
    return v == SNMP_UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

static const char *
ap_status_name(int st)
{
    return st == SNMP_AP_UP ? "up" : st == SNMP_AP_DOWN ? "down" : "unknown";
}

static const char *
oper_name(int v)
{
    static const char *n[] = {"", "up", "down", "testing", "unknown",
                              "dormant", "notPresent", "lowerLayerDown"};
    return v >= 1 && v <= 7 ? n[v] : "unreported";
}

static json_t *
result_json(const struct tgt *tg)
{
    const struct snmp_result *r = &tg->res;
    json_t *o = json_object(), *aps = json_array(), *ifs = json_array();
    uint32_t up, down, unk;
    uint64_t access, apclients = SNMP_UNKNOWN;
    char mac[18];
    int src = SNMP_SRC_NONE;

    counts(r, &up, &down, &unk, &access);
    json_object_set_new(o, "name", json_string(tg->t.name));
    json_object_set_new(o, "peer", json_string(tg->t.peer));
    json_object_set_new(o, "version",
                        json_string(tg->t.version == 3   ? "v3"
                                    : tg->t.version == 1 ? "v1"
                                                         : "v2c"));
    json_object_set_new(o, "state", json_string(snmp_state_name(r->state)));
    json_object_set_new(o, "error", r->error[0] ? json_string(r->error)
                                                : json_null());
    json_object_set_new(o, "duration_ms", json_integer(r->duration_ms));
    json_object_set_new(o, "requests", json_integer((json_int_t)r->requests));
    json_object_set_new(o, "sysName", json_string(r->sysname));
    json_object_set_new(o, "sysObjectID", json_string(r->sysobjid));
    json_object_set_new(o, "sysUpTime", json_integer(r->uptime));
    json_object_set_new(o, "profile", r->profile[0] ? json_string(r->profile)
                                                    : json_null());
    for (size_t i = 0; i < r->naps; i++) {
        const struct snmp_ap *a = &r->aps[i];
        json_t *j = json_object();

        if (i == 0)
            src = a->status_src;
        if (a->clients != SNMP_UNKNOWN)
            apclients = (apclients == SNMP_UNKNOWN ? 0 : apclients) +
                        a->clients;
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
                 a->mac[0], a->mac[1], a->mac[2], a->mac[3], a->mac[4],
                 a->mac[5]);
        json_object_set_new(j, "name", json_string(a->name));
        json_object_set_new(j, "mac", a->has_mac ? json_string(mac)
                                                 : json_null());
        json_object_set_new(j, "status",
                            json_string(ap_status_name(a->status)));
        json_object_set_new(j, "status_source",
                            json_string(snmp_status_src_name(a->status_src)));
        json_object_set_new(j, "clients", ju64(a->clients));
        json_object_set_new(j, "speed_mbps", ju64(ap_speed(a)));
        if (a->location[0])
            json_object_set_new(j, "location", json_string(a->location));
        json_array_append_new(aps, j);
    }
    json_object_set_new(o, "ap_count", json_integer((json_int_t)r->naps));
    json_object_set_new(o, "aps_up", json_integer(up));
    json_object_set_new(o, "aps_down", json_integer(down));
    json_object_set_new(o, "aps_unknown", json_integer(unk));
    json_object_set_new(o, "status_source",
                        json_string(snmp_status_src_name(src)));
    json_object_set_new(o, "orphan_rows", json_integer((json_int_t)r->orphans));
    json_object_set_new(o, "total_aps", ju64(r->total_aps));
    json_object_set_new(o, "total_aps_up", ju64(r->total_aps_up));
    json_object_set_new(o, "clients_total", ju64(r->total_clients));
    json_object_set_new(o, "ap_clients_sum", ju64(apclients));
    json_object_set_new(o, "wifi_access_mbps", ju64(access));
    json_object_set_new(o, "aps", aps);
    for (size_t i = 0; i < r->nifs; i++) {
        const struct snmp_if *f = &r->ifs[i];
        json_t *j = json_object();
        json_object_set_new(j, "index", json_integer(f->index));
        json_object_set_new(j, "name", json_string(f->name));
        json_object_set_new(j, "alias", json_string(f->alias));
        json_object_set_new(j, "speed_mbps", ju64(f->speed_mbps));
        json_object_set_new(j, "status", json_string(oper_name(f->oper)));
        json_object_set_new(j, "hc_counters", json_boolean((f->hc & 3) == 3));
        json_array_append_new(ifs, j);
    }
    json_object_set_new(o, "interfaces", ifs);
    json_object_set_new(o, "neighbours", ju64(r->neigh));
    json_object_set_new(o, "neighbour_macs", ju64(r->neigh_macs));
    json_object_set_new(o, "neighbour_table",
                        r->neigh_table[0] ? json_string(r->neigh_table)
                                          : json_null());
    return o;
}

int
snmp_once(struct snmp_set *s, const char *target, FILE *out)
{
    json_t *root, *tv, *av;
    struct tgt *single = NULL;
    int code = 0;
    char err[256];

    snmp_poll_init();
    if (load_profiles(s, 0) != 0)
        return 2;
    if (target != NULL) {
        single = calloc(1, sizeof(*single));
        if (single == NULL)
            return 2;
        target_defaults(&single->t);
        if (parse_spec(target, &single->t, err, sizeof(err)) != 0) {
            fprintf(stderr, "snmp: --target: %s\n", err);
            free(single);
            return 2;
        }
        const char *h = strrchr(target, '@');
        snprintf(single->t.name, sizeof(single->t.name), "%s", h + 1);
        single->set = s;
        buf_init(&single->out, RECORDS_MAX);
    } else if (s->nt == 0) {
        fprintf(stderr, "snmp: no snmp_target configured\n");
        return 2;
    }
    root = json_object();
    tv = json_array();
    av = json_array();
    for (size_t i = 0; i < (single ? 1 : s->nt); i++) {
        struct tgt *tg = single ? single : s->t[i];

        if (snmp_poll_target(&s->profiles, &tg->t, &tg->res) != 0)
            code = 1;
        if (tg->res.state != SNMP_ST_OK) {
            fprintf(stderr, "snmp: %s: %s: %s\n", tg->t.name,
                    snmp_state_name(tg->res.state), tg->res.error);
            code = 1;
        }
        json_array_append_new(tv, result_json(tg));
        if (!single)
            snap_update(tg, &tg->res);
        snmp_result_free(&tg->res);
    }
    for (size_t i = 0; !single && i < s->nareas; i++) {
        struct areastat st = area_eval(s, &s->areas[i], now_ms(), 0);
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(s->areas[i].name));
        json_object_set_new(j, "required",
                            json_boolean(s->areas[i].required));
        json_object_set_new(j, "state",
                            json_string(area_state_name(st.state)));
        json_object_set_new(j, "aps", json_integer(st.aps));
        json_object_set_new(j, "aps_up", json_integer(st.up));
        json_object_set_new(j, "aps_down", json_integer(st.down));
        json_array_append_new(av, j);
    }
    json_object_set_new(root, "time", json_integer((json_int_t)time(NULL)));
    json_object_set_new(root, "targets", tv);
    json_object_set_new(root, "areas", av);
    if (json_dumpf(root, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0)
        code = 2;
    fputc('\n', out);
    fflush(out);
    json_decref(root);
    tgt_free(single);
    return code;
}

void
snmp_set_replay(struct snmp_set *s, int on)
{
    s->replay = on;
}

int
snmp_replay_clock(struct snmp_set *s, int64_t t)
{
    for (size_t i = 0; i < s->nt; i++) {
        struct tgt *tg = s->t[i];

        if (tg->inflight || tg->due)
            continue;
        if (tg->next_due != 0 && t < tg->next_due)
            continue;
        /* a replay that jumped over several intervals polls once, at the
         * current time: a device cannot be asked about the past */
        tg->poll_ts = t;
        tg->next_due = t + tg->t.interval_s;
        tg->due = 1;
    }
    poll_kick(s);
    return s->inflight;
}
