/* snmp_poll: one synchronous poll of one target (see snmp_poll.h). Runs in
 * a worker thread. Each poll opens its own net-snmp single session, as
 * net-snmp's README.thread asks; v3 sessions share USM state (user list,
 * engine times) that net-snmp does not lock, so v3 opens and requests are
 * serialised by one mutex here. v1/v2c targets never wait on it. */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "snmp_poll.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t v3_lock = PTHREAD_MUTEX_INITIALIZER;

static const uint32_t o_sysuptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
static const uint32_t o_sysobjid[] = {1, 3, 6, 1, 2, 1, 1, 2, 0};
static const uint32_t o_sysname[] = {1, 3, 6, 1, 2, 1, 1, 5, 0};
static const uint32_t o_ifname[] = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1};
static const uint32_t o_ifdescr[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 2};
static const uint32_t o_ifoper[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 8};
static const uint32_t o_ifhighspeed[] = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15};
static const uint32_t o_ifspeed[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 5};
static const uint32_t o_ifalias[] = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18};
static const uint32_t o_ifhcin[] = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6};
static const uint32_t o_ifhcout[] = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10};
static const uint32_t o_ifin[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 10};
static const uint32_t o_ifout[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 16};
static const uint32_t o_ipnettophys[] = {1, 3, 6, 1, 2, 1, 4, 35, 1, 4};
static const uint32_t o_ipnettomedia[] = {1, 3, 6, 1, 2, 1, 4, 22, 1, 2};
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

struct pollctx {
    void *sp;
    struct snmp_target *t;
    struct snmp_result *r;
    const struct snmp_profile *p;
    unsigned rep;      /* current max-repetitions; 0 = GETNEXT */
    int answered;
};

static void
do_init(void)
{
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
                           NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
                           NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
                           NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
                           NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    /* MIB files are never needed (profiles hold numeric OIDs) and parsing
     * them costs resident memory on a small router. */
    if (getenv("MIBS") == NULL)
        setenv("MIBS", "", 0);
    /* net-snmp prints to stderr when no log handler exists; errors reach
     * us through snmp_sess_error instead. */
    snmp_disable_log();
    netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_EMERG);
    init_snmp("classband");
}

void
snmp_poll_init(void)
{
    pthread_once(&init_once, do_init);
}

const char *
snmp_state_name(int state)
{
    switch (state) {
    case SNMP_ST_OK: return "ok";
    case SNMP_ST_PARTIAL: return "partial";
    case SNMP_ST_UNREACHABLE: return "unreachable";
    case SNMP_ST_AUTH: return "auth_error";
    default: return "error";
    }
}

const char *
snmp_status_src_name(int src)
{
    switch (src) {
    case SNMP_SRC_COLUMN: return "column";
    case SNMP_SRC_PRESENCE: return "presence";
    case SNMP_SRC_COUNT: return "count";
    default: return "none";
    }
}

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
snmp_counter_delta(uint64_t prev, uint64_t cur, int bits, uint64_t max,
                   uint64_t *delta)
{
    uint64_t d;

    if (cur >= prev) {
        d = cur - prev;
    } else if (bits == 32) {
        if (prev > UINT32_MAX || cur > UINT32_MAX)
            return -1;
        d = ((uint64_t)UINT32_MAX - prev) + cur + 1;
    } else {
        d = (UINT64_MAX - prev) + cur + 1;
        /* A 64-bit counter needs years to wrap at any real speed; going
         * backwards far from the top is a reset. */
        if (max == 0 && d > (UINT64_C(1) << 40))
            return -1;
    }
    if (max != 0 && d > max)
        return -1;
    *delta = d;
    return 0;
}

int
snmp_uptime_rebooted(uint32_t prev, uint32_t cur, int64_t elapsed_ms)
{
    const uint64_t wrap = UINT64_C(1) << 32;
    uint64_t ticks = elapsed_ms > 0 ? (uint64_t)elapsed_ms / 10 : 0;
    uint64_t slack = ticks / 10 + 500;
    uint64_t expect = (uint64_t)prev + ticks;

    if (expect + slack < wrap) {
        /* No TimeTicks wrap (497 days) can have happened: going back, or
         * being up for less time than since the last poll, is a restart. */
        return cur < prev || (uint64_t)cur + slack < ticks;
    }
    /* A wrap was due: either not yet (cur still above prev) or cur sits
     * about where the wrap leaves it. */
    if (cur >= prev)
        return 0;
    return (uint64_t)cur > (expect > wrap ? expect - wrap : 0) + slack;
}

/* Octet string -> NUL-terminated printable UTF-8 (control bytes and bad
 * sequences become '?'), so names are safe for JSON, CSV and logs. */
static void
copy_text(char *out, size_t cap, const uint8_t *v, size_t len)
{
    size_t o = 0, i = 0;

    while (i < len && o + 1 < cap) {
        uint8_t c = v[i];
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2
                                : (c & 0xf0) == 0xe0 ? 3
                                : (c & 0xf8) == 0xf0 ? 4 : 0;
        int ok = n > 0 && i + n <= len && o + n < cap;

        for (size_t k = 1; ok && k < n; k++)
            if ((v[i + k] & 0xc0) != 0x80)
                ok = 0;
        if (ok && n == 1 && (c < 0x20 || c == 0x7f))
            ok = 0;
        if (!ok) {
            if (c == 0 && i + 1 == len)
                break; /* trailing NUL some agents add */
            out[o++] = '?';
            i++;
            continue;
        }
        memcpy(out + o, v + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
}

static int
val_u64(const netsnmp_variable_list *v, uint64_t *out)
{
    switch (v->type) {
    case ASN_INTEGER:
        if (*v->val.integer < 0)
            return -1;
        *out = (uint64_t)*v->val.integer;
        return 0;
    case ASN_COUNTER:
    case ASN_GAUGE:
    case ASN_TIMETICKS:
    case ASN_UINTEGER:
        *out = (uint64_t)(uint32_t)*v->val.integer;
        return 0;
    case ASN_COUNTER64:
        *out = ((uint64_t)v->val.counter64->high << 32) |
               (uint32_t)v->val.counter64->low;
        return 0;
    default:
        return -1;
    }
}

static int
val_long(const netsnmp_variable_list *v, long *out)
{
    if (v->type == ASN_INTEGER) {
        *out = *v->val.integer;
        return 0;
    }
    uint64_t u;
    if (val_u64(v, &u) != 0)
        return -1;
    *out = (long)u;
    return 0;
}

static void
setmsg(struct pollctx *c, const char *fmt, const char *detail)
{
    if (c->r->error[0] == '\0')
        snprintf(c->r->error, sizeof(c->r->error), fmt, detail);
}

/* Sends pdu (consumed) and waits. Returns 0 with *resp, or -ETIMEDOUT,
 * -EACCES (v3 refused), -EMSGSIZE (tooBig), -ENOENT (v1 noSuchName) or
 * -EIO, with the reason in r->error. */
static int
request(struct pollctx *c, netsnmp_pdu *pdu, netsnmp_pdu **resp)
{
    int status, rc, v3 = c->t->version == 3;

    *resp = NULL;
    if (v3)
        pthread_mutex_lock(&v3_lock);
    status = snmp_sess_synch_response(c->sp, pdu, resp);
    c->r->requests++;
    if (status == STAT_SUCCESS) {
        long es = (*resp)->errstat;
        if (v3)
            pthread_mutex_unlock(&v3_lock);
        c->answered = 1;
        if (es == SNMP_ERR_NOERROR)
            return 0;
        snmp_free_pdu(*resp);
        *resp = NULL;
        if (es == SNMP_ERR_TOOBIG)
            return -EMSGSIZE;
        if (es == SNMP_ERR_NOSUCHNAME)
            return -ENOENT;
        setmsg(c, "agent returned error: %s", snmp_errstring((int)es));
        return -EIO;
    }
    if (status == STAT_TIMEOUT) {
        if (v3)
            pthread_mutex_unlock(&v3_lock);
        char why[160];
        /* Agents ignore a wrong community instead of refusing it. */
        snprintf(why, sizeof(why), "%u ms x %u tries%s", c->t->timeout_ms,
                 c->t->retries + 1,
                 c->answered ? ""
                 : c->t->version == 3
                     ? " (host down or wrong port?)"
                     : " (host down, wrong port or wrong community?)");
        setmsg(c, "timeout: no answer within %s", why);
        if (*resp != NULL) {
            snmp_free_pdu(*resp);
            *resp = NULL;
        }
        return -ETIMEDOUT;
    }
    int liberr = 0, syserr = 0;
    char *msg = NULL;
    snmp_sess_error(c->sp, &syserr, &liberr, &msg);
    if (v3)
        pthread_mutex_unlock(&v3_lock);
    switch (liberr) {
    case SNMPERR_TIMEOUT:
        rc = -ETIMEDOUT;
        setmsg(c, "%s", "timeout: no answer to SNMPv3 engine discovery");
        break;
    case SNMPERR_AUTHENTICATION_FAILURE:
    case SNMPERR_DECRYPTION_ERR:
    case SNMPERR_UNKNOWN_USER_NAME:
    case SNMPERR_USM_AUTHENTICATIONFAILURE:
    case SNMPERR_USM_DECRYPTIONERROR:
    case SNMPERR_USM_UNKNOWNSECURITYNAME:
    case SNMPERR_UNSUPPORTED_SEC_LEVEL:
    case SNMPERR_USM_UNSUPPORTEDSECURITYLEVEL:
    case SNMPERR_KRB5:
    case SNMPERR_USM_GENERICERROR:
        rc = -EACCES;
        setmsg(c, "SNMPv3 authentication refused: %s (check user, "
                  "keys and protocols)",
               msg ? msg : "?");
        break;
    default:
        rc = -EIO;
        setmsg(c, "request failed: %s", msg ? msg : "?");
        break;
    }
    free(msg);
    if (*resp != NULL) {
        snmp_free_pdu(*resp);
        *resp = NULL;
    }
    return rc;
}

typedef void (*walk_cb)(struct pollctx *c, void *arg, const oid *idx,
                        size_t idxlen, const netsnmp_variable_list *v);

/* Walks the subtree under root, calling fn per varbind with the index (the
 * sub-ids after root). GETBULK with max-repetitions when the target has
 * bulk on; a tooBig answer halves max-repetitions. Returns 0 or -errno. */
static int
walk(struct pollctx *c, const uint32_t *root, size_t rootlen, walk_cb fn,
     void *arg)
{
    oid cur[MAX_OID_LEN], oroot[MAX_OID_LEN];
    size_t curlen = rootlen, rows = 0;
    int rc, shrunk = 0;

    if (rootlen > MAX_OID_LEN)
        return -EINVAL;
    for (size_t i = 0; i < rootlen; i++)
        oroot[i] = cur[i] = root[i];
    for (;;) {
        netsnmp_pdu *pdu, *resp;
        netsnmp_variable_list *vp;
        int done = 0, got = 0;

        pdu = snmp_pdu_create(c->rep ? SNMP_MSG_GETBULK : SNMP_MSG_GETNEXT);
        if (pdu == NULL)
            return -ENOMEM;
        if (c->rep) {
            pdu->non_repeaters = 0;
            pdu->max_repetitions = (long)c->rep;
        }
        snmp_add_null_var(pdu, cur, curlen);
        rc = request(c, pdu, &resp);
        if (rc == -ENOENT)
            return 0; /* v1: end of the MIB view */
        if (rc == -EMSGSIZE && c->rep > 1) {
            c->rep /= 2;
            continue;
        }
        /* A device that answered earlier in this poll and now times out
         * on a GETBULK is likely dropping an answer too big for one
         * datagram (some agents do not send tooBig): retry smaller, at
         * most twice per walk. */
        if (rc == -ETIMEDOUT && c->answered && c->rep > 1 && shrunk < 2) {
            c->rep = c->rep > 4 ? c->rep / 4 : 1;
            shrunk++;
            c->r->error[0] = '\0';
            continue;
        }
        if (rc != 0)
            return rc;
        for (vp = resp->variables; vp != NULL; vp = vp->next_variable) {
            if (vp->type == SNMP_ENDOFMIBVIEW ||
                vp->type == SNMP_NOSUCHOBJECT ||
                vp->type == SNMP_NOSUCHINSTANCE ||
                vp->name_length <= rootlen ||
                snmp_oidtree_compare(oroot, rootlen, vp->name,
                                     vp->name_length) != 0) {
                done = 1;
                break;
            }
            if (snmp_oid_compare(vp->name, vp->name_length, cur, curlen) <=
                0) {
                setmsg(c, "%s", "agent returned OIDs out of order");
                snmp_free_pdu(resp);
                return -EIO;
            }
            fn(c, arg, vp->name + rootlen, vp->name_length - rootlen, vp);
            memcpy(cur, vp->name, vp->name_length * sizeof(oid));
            curlen = vp->name_length;
            got = 1;
            if (++rows >= SNMP_MAX_ROWS) {
                done = 1;
                break;
            }
        }
        snmp_free_pdu(resp);
        if (done || !got)
            return 0;
    }
}

/* ---- APs: a small open-addressing hash from AP key to index in aps ---- */

struct aphash {
    uint32_t *slot; /* index + 1; 0 = empty */
    size_t cap;
};

static uint32_t
key_hash(const uint32_t *k, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++) {
        h ^= k[i];
        h *= 16777619u;
    }
    return h ^ (uint32_t)n;
}

static int
aph_grow(struct aphash *h, const struct snmp_result *r)
{
    size_t cap = h->cap ? h->cap * 2 : 256;
    uint32_t *s = calloc(cap, sizeof(*s));

    if (s == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < r->naps; i++) {
        const struct snmp_ap *a = &r->aps[i];
        size_t j = key_hash(a->key, a->keylen) & (cap - 1);
        while (s[j] != 0)
            j = (j + 1) & (cap - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(h->slot);
    h->slot = s;
    h->cap = cap;
    return 0;
}

static struct snmp_ap *
ap_find(struct aphash *h, struct snmp_result *r, const uint32_t *k, size_t n,
        int create)
{
    size_t j;

    if (h->cap == 0 && !create)
        return NULL;
    if (h->cap == 0 && aph_grow(h, r) != 0)
        return NULL;
    j = key_hash(k, n) & (h->cap - 1);
    while (h->slot[j] != 0) {
        struct snmp_ap *a = &r->aps[h->slot[j] - 1];
        if (a->keylen == n && memcmp(a->key, k, n * sizeof(*k)) == 0)
            return a;
        j = (j + 1) & (h->cap - 1);
    }
    if (!create || r->naps >= SNMP_MAX_APS)
        return NULL;
    if (r->naps == r->capaps) {
        size_t nc = r->capaps ? r->capaps * 2 : 64;
        struct snmp_ap *na = realloc(r->aps, nc * sizeof(*na));
        if (na == NULL)
            return NULL;
        r->aps = na;
        r->capaps = nc;
    }
    struct snmp_ap *a = &r->aps[r->naps];
    memset(a, 0, sizeof(*a));
    memcpy(a->key, k, n * sizeof(*k));
    a->keylen = (uint8_t)n;
    a->clients = a->radio_mbps = a->uplink_mbps = SNMP_UNKNOWN;
    r->naps++;
    h->slot[j] = (uint32_t)r->naps;
    if (r->naps * 2 > h->cap) {
        if (aph_grow(h, r) != 0) {
            r->naps--;
            return NULL;
        }
    }
    return &r->aps[r->naps - 1];
}

/* ---- interfaces: kept sorted by ifIndex ---- */

static struct snmp_if *
if_find(struct snmp_result *r, uint32_t index, int create)
{
    size_t lo = 0, hi = r->nifs;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->ifs[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->nifs && r->ifs[lo].index == index)
        return &r->ifs[lo];
    if (!create || r->nifs >= SNMP_MAX_IFS)
        return NULL;
    if (r->nifs == r->capifs) {
        size_t nc = r->capifs ? r->capifs * 2 : 32;
        struct snmp_if *ni = realloc(r->ifs, nc * sizeof(*ni));
        if (ni == NULL)
            return NULL;
        r->ifs = ni;
        r->capifs = nc;
    }
    memmove(&r->ifs[lo + 1], &r->ifs[lo], (r->nifs - lo) * sizeof(*r->ifs));
    r->nifs++;
    struct snmp_if *f = &r->ifs[lo];
    memset(f, 0, sizeof(*f));
    f->index = index;
    f->speed_mbps = f->din = f->dout = SNMP_UNKNOWN;
    return f;
}

enum ifcol { IFC_NAME, IFC_DESCR, IFC_OPER, IFC_HIGHSPEED, IFC_SPEED,
             IFC_ALIAS, IFC_HCIN, IFC_HCOUT, IFC_IN, IFC_OUT };

static void
if_cb(struct pollctx *c, void *arg, const oid *idx, size_t idxlen,
      const netsnmp_variable_list *v)
{
    enum ifcol col = (enum ifcol)(long)arg;
    int create = col == IFC_NAME || col == IFC_OPER || col == IFC_HIGHSPEED;
    struct snmp_if *f;
    uint64_t u;

    if (idxlen != 1 || idx[0] > UINT32_MAX)
        return;
    f = if_find(c->r, (uint32_t)idx[0], create);
    if (f == NULL)
        return;
    switch (col) {
    case IFC_NAME:
    case IFC_DESCR:
        if (v->type == ASN_OCTET_STR && f->name[0] == '\0')
            copy_text(f->name, sizeof(f->name), v->val.string, v->val_len);
        break;
    case IFC_ALIAS:
        if (v->type == ASN_OCTET_STR)
            copy_text(f->alias, sizeof(f->alias), v->val.string, v->val_len);
        break;
    case IFC_OPER:
        if (val_u64(v, &u) == 0 && u < 256)
            f->oper = (uint8_t)u;
        break;
    case IFC_HIGHSPEED:
        if (val_u64(v, &u) == 0)
            f->speed_mbps = u;
        break;
    case IFC_SPEED:
        /* ifSpeed saturates at 4294967295 for >= 4.3 Gbit/s. */
        if (f->speed_mbps == SNMP_UNKNOWN && val_u64(v, &u) == 0 &&
            u < UINT32_MAX)
            f->speed_mbps = u / 1000000;
        break;
    case IFC_HCIN:
        if (val_u64(v, &u) == 0) {
            f->in = u;
            f->has_in = 1;
            f->hc |= 1;
        }
        break;
    case IFC_HCOUT:
        if (val_u64(v, &u) == 0) {
            f->out = u;
            f->has_out = 1;
            f->hc |= 2;
        }
        break;
    case IFC_IN:
        if (!f->has_in && val_u64(v, &u) == 0) {
            f->in = u;
            f->has_in = 1;
        }
        break;
    case IFC_OUT:
        if (!f->has_out && val_u64(v, &u) == 0) {
            f->out = u;
            f->has_out = 1;
        }
        break;
    }
}

static int
poll_ifs(struct pollctx *c)
{
    static const struct {
        const uint32_t *oid;
        size_t len;
        enum ifcol col;
    } cols[] = {
        {o_ifname, LEN(o_ifname), IFC_NAME},
        {o_ifoper, LEN(o_ifoper), IFC_OPER},
        {o_ifhighspeed, LEN(o_ifhighspeed), IFC_HIGHSPEED},
        {o_ifalias, LEN(o_ifalias), IFC_ALIAS},
        {o_ifhcin, LEN(o_ifhcin), IFC_HCIN},
        {o_ifhcout, LEN(o_ifhcout), IFC_HCOUT},
    };
    int rc, need_in = 0, need_speed = 0, need_name = 0;

    for (size_t i = 0; i < LEN(cols); i++) {
        rc = walk(c, cols[i].oid, cols[i].len, if_cb, (void *)(long)cols[i].col);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < c->r->nifs; i++) {
        const struct snmp_if *f = &c->r->ifs[i];
        need_in |= !f->has_in || !f->has_out;
        need_speed |= f->speed_mbps == SNMP_UNKNOWN;
        need_name |= f->name[0] == '\0';
    }
    /* 32-bit counters, ifSpeed and ifDescr only where the IF-MIB ifXTable
     * left a gap: most devices never pay for these walks. */
    if (need_in) {
        if ((rc = walk(c, o_ifin, LEN(o_ifin), if_cb, (void *)IFC_IN)) ||
            (rc = walk(c, o_ifout, LEN(o_ifout), if_cb, (void *)IFC_OUT)))
            return rc;
    }
    if (need_speed &&
        (rc = walk(c, o_ifspeed, LEN(o_ifspeed), if_cb, (void *)IFC_SPEED)))
        return rc;
    if (need_name &&
        (rc = walk(c, o_ifdescr, LEN(o_ifdescr), if_cb, (void *)IFC_DESCR)))
        return rc;
    return 0;
}

static const struct snmp_ifstate *
prev_find(const struct snmp_target *t, uint32_t index)
{
    size_t lo = 0, hi = t->nprev;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->prev[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->nprev && t->prev[lo].index == index ? &t->prev[lo] : NULL;
}

/* Deltas against the previous poll, then the new counters become the
 * previous ones. A reboot makes every delta a discontinuity. */
static void
if_deltas(struct snmp_target *t, struct snmp_result *r, int64_t now_ms)
{
    int usable = t->have_prev && !r->rebooted && now_ms > t->prev_mono_ms;
    double secs = usable ? (double)(now_ms - t->prev_mono_ms) / 1000.0 : 0;
    struct snmp_ifstate *ns = NULL;

    for (size_t i = 0; i < r->nifs; i++) {
        struct snmp_if *f = &r->ifs[i];
        const struct snmp_ifstate *p = usable ? prev_find(t, f->index) : NULL;
        uint64_t max = 0;

        f->disc = 1;
        if (p == NULL)
            continue;
        if (f->speed_mbps != SNMP_UNKNOWN && f->speed_mbps > 0)
            max = (uint64_t)((double)f->speed_mbps * 1e6 / 8 * secs * 1.5) +
                  (1u << 20);
        int okin = f->has_in && p->has_in && p->hc_in == !!(f->hc & 1) &&
                   snmp_counter_delta(p->in, f->in, (f->hc & 1) ? 64 : 32,
                                      max, &f->din) == 0;
        int okout = f->has_out && p->has_out && p->hc_out == !!(f->hc & 2) &&
                    snmp_counter_delta(p->out, f->out, (f->hc & 2) ? 64 : 32,
                                       max, &f->dout) == 0;
        if (!okin)
            f->din = SNMP_UNKNOWN;
        if (!okout)
            f->dout = SNMP_UNKNOWN;
        f->disc = !(okin && okout);
    }
    if (r->nifs > 0)
        ns = malloc(r->nifs * sizeof(*ns));
    if (ns != NULL || r->nifs == 0) {
        for (size_t i = 0; i < r->nifs; i++) {
            const struct snmp_if *f = &r->ifs[i];
            ns[i] = (struct snmp_ifstate){
                .index = f->index, .in = f->in, .out = f->out,
                .has_in = f->has_in, .has_out = f->has_out,
                .hc_in = (f->hc & 1) != 0, .hc_out = (f->hc & 2) != 0};
        }
        free(t->prev);
        t->prev = ns;
        t->nprev = r->nifs;
    }
    r->elapsed_s = usable ? (unsigned)(secs + 0.5) : 0;
}

/* ---- profile columns ---- */

struct colarg {
    const struct snmp_col *col;
    struct aphash *h;
    uint64_t sum;
    int any;
};

static uint64_t
to_mbps(uint64_t v, enum snmp_unit u)
{
    switch (u) {
    case SNMP_UNIT_KBPS: return v / 1000;
    case SNMP_UNIT_BPS: return v / 1000000;
    default: return v;
    }
}

static void
col_cb(struct pollctx *c, void *arg, const oid *idx, size_t idxlen,
       const netsnmp_variable_list *v)
{
    struct colarg *a = arg;
    const struct snmp_col *col = a->col;
    struct snmp_result *r = c->r;
    uint32_t key[16];
    struct snmp_ap *ap;
    uint64_t u;
    long l;

    if (col->kind >= SNMP_COL_TOTAL_APS) {
        if (val_u64(v, &u) == 0) {
            a->sum += u;
            a->any = 1;
        }
        return;
    }
    a->any = 1;
    if (idxlen < col->key) {
        r->orphans++;
        return;
    }
    for (unsigned i = 0; i < col->key; i++)
        key[i] = (uint32_t)idx[i];
    ap = ap_find(a->h, r, key, c->p->ap_self ? 0 : col->key,
                 col->kind == SNMP_COL_NAME && !c->p->ap_self);
    if (ap == NULL) {
        r->orphans++;
        return;
    }
    switch (col->kind) {
    case SNMP_COL_NAME:
        if (ap->named)
            break;
        if (col->ifname && col->key == 1) {
            const struct snmp_if *f = if_find(r, key[0], 0);
            if (f != NULL && f->name[0] != '\0') {
                snprintf(ap->name, sizeof(ap->name), "%s", f->name);
                ap->named = 1;
            }
        } else if (v->type == ASN_OCTET_STR) {
            copy_text(ap->name, sizeof(ap->name), v->val.string, v->val_len);
            ap->named = 1;
        }
        break;
    case SNMP_COL_MAC:
        if (v->type == ASN_OCTET_STR &&
            snmp_mac_parse(v->val.string, v->val_len, ap->mac) == 0)
            ap->has_mac = 1;
        break;
    case SNMP_COL_STATUS:
        if (val_long(v, &l) == 0) {
            enum snmp_ap_status s = snmp_col_status(col, l);
            r->status_column = 1;
            /* Several rows per AP (per radio): any up row makes it up. */
            if (ap->status_src != SNMP_SRC_COLUMN || s == SNMP_AP_UP ||
                (s == SNMP_AP_DOWN && ap->status == SNMP_AP_UNKNOWN))
                ap->status = (uint8_t)s;
            ap->status_src = SNMP_SRC_COLUMN;
        }
        break;
    case SNMP_COL_LOCATION:
        if (v->type == ASN_OCTET_STR)
            copy_text(ap->location, sizeof(ap->location), v->val.string,
                      v->val_len);
        break;
    case SNMP_COL_CLIENTS:
        if (val_u64(v, &u) == 0)
            ap->clients = (ap->clients == SNMP_UNKNOWN ? 0 : ap->clients) + u;
        break;
    case SNMP_COL_RADIO_RATE:
        if (val_u64(v, &u) == 0 && (u = to_mbps(u, col->unit)) > 0 &&
            (ap->radio_mbps == SNMP_UNKNOWN || u > ap->radio_mbps))
            ap->radio_mbps = u;
        break;
    case SNMP_COL_UPLINK:
        if (val_u64(v, &u) == 0 && (u = to_mbps(u, col->unit)) > 0 &&
            (ap->uplink_mbps == SNMP_UNKNOWN || u < ap->uplink_mbps))
            ap->uplink_mbps = u;
        break;
    default:
        break;
    }
}

/* GET of n scalars; vals[i] set (or left UNKNOWN) per answer. */
static int
get_u64s(struct pollctx *c, const uint32_t *const *oids, const size_t *lens,
         size_t n, uint64_t *vals)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp;
    netsnmp_variable_list *vp;
    oid o[MAX_OID_LEN];
    size_t i;
    int rc;

    if (pdu == NULL)
        return -ENOMEM;
    for (i = 0; i < n; i++) {
        for (size_t k = 0; k < lens[i]; k++)
            o[k] = oids[i][k];
        snmp_add_null_var(pdu, o, lens[i]);
        vals[i] = SNMP_UNKNOWN;
    }
    rc = request(c, pdu, &resp);
    if (rc == -ENOENT)
        return 0; /* v1: one of them does not exist */
    if (rc != 0)
        return rc;
    for (i = 0, vp = resp->variables; vp && i < n; vp = vp->next_variable, i++)
        if (val_u64(vp, &vals[i]) != 0)
            vals[i] = SNMP_UNKNOWN;
    snmp_free_pdu(resp);
    return 0;
}

static int
poll_system(struct pollctx *c)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp;
    netsnmp_variable_list *vp;
    oid o[16];
    int rc;

    if (pdu == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < LEN(o_sysuptime); k++)
        o[k] = o_sysuptime[k];
    snmp_add_null_var(pdu, o, LEN(o_sysuptime));
    for (size_t k = 0; k < LEN(o_sysobjid); k++)
        o[k] = o_sysobjid[k];
    snmp_add_null_var(pdu, o, LEN(o_sysobjid));
    for (size_t k = 0; k < LEN(o_sysname); k++)
        o[k] = o_sysname[k];
    snmp_add_null_var(pdu, o, LEN(o_sysname));
    rc = request(c, pdu, &resp);
    if (rc != 0)
        return rc;
    vp = resp->variables;
    if (vp && vp->type == ASN_TIMETICKS)
        c->r->uptime = (uint32_t)*vp->val.integer;
    vp = vp ? vp->next_variable : NULL;
    if (vp && vp->type == ASN_OBJECT_ID) {
        uint32_t tmp[SNMP_OID_MAX];
        size_t n = vp->val_len / sizeof(oid);
        if (n > SNMP_OID_MAX)
            n = SNMP_OID_MAX;
        for (size_t k = 0; k < n; k++)
            tmp[k] = (uint32_t)vp->val.objid[k];
        snmp_oid_format(tmp, n, c->r->sysobjid, sizeof(c->r->sysobjid));
    }
    vp = vp ? vp->next_variable : NULL;
    if (vp && vp->type == ASN_OCTET_STR)
        copy_text(c->r->sysname, sizeof(c->r->sysname), vp->val.string,
                  vp->val_len);
    snmp_free_pdu(resp);
    return 0;
}

/* One GETNEXT: does anything live under root? */
static int
subtree_exists(struct pollctx *c, const uint32_t *root, size_t rootlen,
               int *exists)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETNEXT), *resp;
    netsnmp_variable_list *vp;
    oid o[MAX_OID_LEN];
    int rc;

    *exists = 0;
    if (pdu == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < rootlen; k++)
        o[k] = root[k];
    snmp_add_null_var(pdu, o, rootlen);
    rc = request(c, pdu, &resp);
    if (rc == -ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    vp = resp->variables;
    if (vp != NULL && vp->type != SNMP_ENDOFMIBVIEW &&
        vp->type != SNMP_NOSUCHOBJECT && vp->type != SNMP_NOSUCHINSTANCE &&
        vp->name_length > rootlen &&
        snmp_oidtree_compare(o, rootlen, vp->name, vp->name_length) == 0)
        *exists = 1;
    snmp_free_pdu(resp);
    return 0;
}

static int
pick_profile(struct pollctx *c, const struct snmp_profiles *ps)
{
    const struct snmp_profile *cand[16];
    uint32_t so[SNMP_OID_MAX];
    size_t solen = 0, n;

    if (c->t->profile[0] != '\0') {
        c->p = snmp_profiles_find(ps, c->t->profile);
        if (c->p == NULL) {
            setmsg(c, "unknown profile \"%s\"", c->t->profile);
            return -ENOENT;
        }
        return 0;
    }
    if (snmp_oid_parse(c->r->sysobjid, so, SNMP_OID_MAX, &solen) != 0)
        return 0;
    n = snmp_profiles_candidates(ps, so, solen, cand, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        int rows = 0, rc;
        unsigned rep = c->rep;

        if (cand[i]->requirelen == 0) {
            c->p = cand[i];
            return 0;
        }
        (void)rep;
        rc = subtree_exists(c, cand[i]->require, cand[i]->requirelen, &rows);
        if (rc != 0)
            return rc;
        if (rows > 0) {
            c->p = cand[i];
            return 0;
        }
    }
    return 0;
}

static void
count_mac_cb(struct pollctx *c, void *arg, const oid *idx, size_t idxlen,
             const netsnmp_variable_list *v)
{
    struct {
        uint8_t (*macs)[6];
        size_t n, cap;
        uint64_t rows;
    } *m = arg;
    uint8_t mac[6];

    m->rows++;
    if (v->type != ASN_OCTET_STR ||
        snmp_mac_parse(v->val.string, v->val_len, mac) != 0)
        return;
    if (memcmp(mac, "\0\0\0\0\0\0", 6) == 0 ||
        memcmp(mac, "\xff\xff\xff\xff\xff\xff", 6) == 0)
        return;
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        void *nm;
        if (nc > SNMP_MAX_ROWS)
            return;
        nm = realloc(m->macs, nc * 6);
        if (nm == NULL)
            return;
        m->macs = nm;
        m->cap = nc;
    }
    memcpy(m->macs[m->n++], mac, 6);
}

static int
maccmp(const void *a, const void *b)
{
    return memcmp(a, b, 6);
}

/* ipNetToPhysicalTable, else the older ipNetToMediaTable. */
static int
poll_neighbours(struct pollctx *c)
{
    struct {
        uint8_t (*macs)[6];
        size_t n, cap;
        uint64_t rows;
    } m = {NULL, 0, 0, 0};
    int rc;

    c->r->neigh_table = "ipNetToPhysical";
    rc = walk(c, o_ipnettophys, LEN(o_ipnettophys), count_mac_cb, &m);
    if (rc == 0 && m.rows == 0) {
        c->r->neigh_table = "ipNetToMedia";
        rc = walk(c, o_ipnettomedia, LEN(o_ipnettomedia), count_mac_cb, &m);
    }
    if (rc == 0) {
        size_t u = 0;
        if (m.rows == 0)
            c->r->neigh_table = "";
        if (m.n > 0)
            qsort(m.macs, m.n, 6, maccmp);
        for (size_t i = 0; i < m.n; i++)
            if (i == 0 || memcmp(m.macs[i], m.macs[i - 1], 6) != 0)
                u++;
        c->r->neigh = m.rows;
        c->r->neigh_macs = u;
    }
    free(m.macs);
    return rc;
}

static int
poll_profile(struct pollctx *c)
{
    const struct snmp_profile *p = c->p;
    struct snmp_result *r = c->r;
    struct aphash h = {NULL, 0};
    int rc = 0;

    if (p->ap_self) {
        uint32_t nokey[1] = {0};
        struct snmp_ap *ap = ap_find(&h, r, nokey, 0, 1);
        if (ap == NULL)
            return -ENOMEM;
        snprintf(ap->name, sizeof(ap->name), "%s",
                 r->sysname[0] ? r->sysname : c->t->name);
        ap->named = 1;
        if (p->uplink_ifname[0] != '\0') {
            for (size_t i = 0; i < r->nifs; i++) {
                const struct snmp_if *f = &r->ifs[i];
                if (fnmatch(p->uplink_ifname, f->name, 0) == 0 &&
                    f->speed_mbps != SNMP_UNKNOWN && f->speed_mbps > 0 &&
                    (ap->uplink_mbps == SNMP_UNKNOWN ||
                     f->speed_mbps < ap->uplink_mbps))
                    ap->uplink_mbps = f->speed_mbps;
            }
        }
    }
    /* Names first: they define the AP list the other columns attach to. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        for (unsigned i = 0; i < p->ncol && rc == 0; i++) {
            const struct snmp_col *col = &p->col[i];
            struct colarg a = {col, &h, 0, 0};
            uint64_t *tot = NULL;

            if ((col->kind == SNMP_COL_NAME) != (pass == 0))
                continue;
            if (col->kind == SNMP_COL_TOTAL_APS)
                tot = &r->total_aps;
            else if (col->kind == SNMP_COL_TOTAL_APS_UP)
                tot = &r->total_aps_up;
            else if (col->kind == SNMP_COL_TOTAL_CLIENTS)
                tot = &r->total_clients;
            if (tot != NULL && col->scalar) {
                const uint32_t *o = col->oid;
                uint64_t v;
                rc = get_u64s(c, &o, &col->oidlen, 1, &v);
                if (rc == 0 && v != SNMP_UNKNOWN)
                    *tot = (*tot == SNMP_UNKNOWN ? 0 : *tot) + v;
                continue;
            }
            rc = walk(c, col->oid, col->oidlen, col_cb, &a);
            if (rc == 0 && tot != NULL && a.any)
                *tot = (*tot == SNMP_UNKNOWN ? 0 : *tot) + a.sum;
        }
    }
    free(h.slot);
    if (rc != 0)
        return rc;
    if (p->mac_from_index) {
        for (size_t i = 0; i < r->naps; i++) {
            struct snmp_ap *ap = &r->aps[i];
            int ok = ap->keylen >= 6 && !ap->has_mac;
            for (unsigned k = 0; ok && k < 6; k++)
                ok = ap->key[k] < 256;
            if (!ok)
                continue;
            for (unsigned k = 0; k < 6; k++)
                ap->mac[k] = (uint8_t)ap->key[k];
            ap->has_mac = 1;
        }
    }
    for (size_t i = 0; i < r->naps; i++) {
        struct snmp_ap *ap = &r->aps[i];
        if (!ap->named) { /* e.g. ifname naming with no such ifIndex */
            char k[16];
            snprintf(k, sizeof(k), "%u", ap->keylen ? ap->key[0] : 0);
            snprintf(ap->name, sizeof(ap->name), "%.40s-%s", c->t->name, k);
        }
    }
    /* The documented rule for devices whose status column is absent. */
    if (!r->status_column && r->naps > 0) {
        int src = SNMP_SRC_NONE;
        if (p->fallback == SNMP_FALLBACK_PRESENCE || p->ap_self) {
            src = SNMP_SRC_PRESENCE;
        } else if (p->fallback == SNMP_FALLBACK_COUNT) {
            const uint32_t *o = p->count_oid;
            uint64_t v;
            rc = get_u64s(c, &o, &p->count_oidlen, 1, &v);
            if (rc != 0)
                return rc;
            if (v == r->naps)
                src = SNMP_SRC_COUNT;
        }
        for (size_t i = 0; i < r->naps; i++) {
            r->aps[i].status_src = (uint8_t)src;
            r->aps[i].status =
                src == SNMP_SRC_NONE ? SNMP_AP_UNKNOWN : SNMP_AP_UP;
        }
    }
    return 0;
}

static int
sess_open(struct pollctx *c)
{
    struct snmp_target *t = c->t;
    netsnmp_session s;

    snmp_sess_init(&s);
    s.peername = t->peer;
    s.timeout = (long)t->timeout_ms * 1000;
    s.retries = (int)t->retries;
    if (t->version != 3) {
        s.version = t->version == 1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
        s.community = (u_char *)t->community;
        s.community_len = strlen(t->community);
    } else {
        s.version = SNMP_VERSION_3;
        s.securityName = t->user;
        s.securityNameLen = strlen(t->user);
        s.securityLevel = t->auth == SNMP_AUTH_NONE ? SNMP_SEC_LEVEL_NOAUTH
                          : t->priv == SNMP_PRIV_NONE
                              ? SNMP_SEC_LEVEL_AUTHNOPRIV
                              : SNMP_SEC_LEVEL_AUTHPRIV;
        if (t->context[0] != '\0') {
            s.contextName = t->context;
            s.contextNameLen = strlen(t->context);
        }
        if (t->auth != SNMP_AUTH_NONE) {
            switch (t->auth) {
            case SNMP_AUTH_MD5:
                s.securityAuthProto = usmHMACMD5AuthProtocol;
                s.securityAuthProtoLen = OID_LENGTH(usmHMACMD5AuthProtocol);
                break;
            case SNMP_AUTH_SHA256:
                s.securityAuthProto = usmHMAC192SHA256AuthProtocol;
                s.securityAuthProtoLen =
                    OID_LENGTH(usmHMAC192SHA256AuthProtocol);
                break;
            default:
                s.securityAuthProto = usmHMACSHA1AuthProtocol;
                s.securityAuthProtoLen = OID_LENGTH(usmHMACSHA1AuthProtocol);
                break;
            }
            s.securityAuthKeyLen = USM_AUTH_KU_LEN;
            if (generate_Ku(s.securityAuthProto, s.securityAuthProtoLen,
                            (u_char *)t->authpass, strlen(t->authpass),
                            s.securityAuthKey,
                            &s.securityAuthKeyLen) != SNMPERR_SUCCESS) {
                setmsg(c, "%s", "cannot derive the auth key (passphrase "
                                "must be at least 8 characters)");
                return -EINVAL;
            }
        }
        if (t->priv != SNMP_PRIV_NONE) {
            if (t->priv == SNMP_PRIV_DES) {
                s.securityPrivProto = usmDESPrivProtocol;
                s.securityPrivProtoLen = OID_LENGTH(usmDESPrivProtocol);
            } else {
                s.securityPrivProto = usmAESPrivProtocol;
                s.securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
            }
            s.securityPrivKeyLen = USM_PRIV_KU_LEN;
            if (generate_Ku(s.securityAuthProto, s.securityAuthProtoLen,
                            (u_char *)t->privpass, strlen(t->privpass),
                            s.securityPrivKey,
                            &s.securityPrivKeyLen) != SNMPERR_SUCCESS) {
                setmsg(c, "%s", "cannot derive the privacy key (passphrase "
                                "must be at least 8 characters)");
                return -EINVAL;
            }
        }
    }
    if (t->version == 3)
        pthread_mutex_lock(&v3_lock);
    c->sp = snmp_sess_open(&s);
    if (c->sp == NULL) {
        int liberr = 0, syserr = 0;
        char *msg = NULL;
        snmp_error(&s, &syserr, &liberr, &msg);
        if (t->version == 3)
            pthread_mutex_unlock(&v3_lock);
        if (liberr == SNMPERR_TIMEOUT) {
            setmsg(c, "%s", "timeout: no answer to SNMPv3 engine discovery");
            free(msg);
            return -ETIMEDOUT;
        }
        setmsg(c, "cannot open session: %s", msg ? msg : "?");
        free(msg);
        return -EIO;
    }
    if (t->version == 3)
        pthread_mutex_unlock(&v3_lock);
    /* The keys were copied into the session; wipe the stack copies. */
    memset(s.securityAuthKey, 0, sizeof(s.securityAuthKey));
    memset(s.securityPrivKey, 0, sizeof(s.securityPrivKey));
    return 0;
}

static int
state_of(int rc)
{
    switch (rc) {
    case -ETIMEDOUT: return SNMP_ST_UNREACHABLE;
    case -EACCES: return SNMP_ST_AUTH;
    default: return SNMP_ST_ERROR;
    }
}

int
snmp_poll_target(const struct snmp_profiles *ps, struct snmp_target *t,
                 struct snmp_result *r)
{
    struct pollctx c = {0};
    int64_t start = mono_ms();
    int rc;

    memset(r, 0, sizeof(*r));
    r->ts = (int64_t)time(NULL);
    r->total_aps = r->total_aps_up = r->total_clients = SNMP_UNKNOWN;
    r->neigh = r->neigh_macs = SNMP_UNKNOWN;
    r->neigh_table = "";
    c.t = t;
    c.r = r;
    c.rep = t->bulk && t->version != 1 ? t->max_rep : 0;
    snmp_poll_init();
    rc = sess_open(&c);
    if (rc != 0) {
        r->state = state_of(rc);
        goto out;
    }
    rc = poll_system(&c);
    if (rc == -ETIMEDOUT && t->version == 3 && t->priv != SNMP_PRIV_NONE &&
        snmp_sess_session(c.sp) != NULL &&
        snmp_sess_session(c.sp)->securityEngineIDLen > 0) {
        /* The agent answered engine discovery (the session opened) but
         * not our encrypted request: it could not decrypt it, and agents
         * drop such packets without a report. */
        snprintf(r->error, sizeof(r->error),
                 "SNMPv3 authentication refused: the agent answered engine "
                 "discovery but dropped the encrypted request (wrong "
                 "privacy pass phrase or protocol?)");
        rc = -EACCES;
    }
    if (rc != 0) {
        r->state = state_of(rc);
        goto out;
    }
    r->state = SNMP_ST_OK;
    if (t->have_prev)
        r->rebooted =
            snmp_uptime_rebooted(t->prev_uptime, r->uptime, start - t->prev_mono_ms);
    rc = pick_profile(&c, ps);
    if (rc == 0 && c.p != NULL)
        snprintf(r->profile, sizeof(r->profile), "%s", c.p->name);
    if (rc == 0)
        rc = poll_ifs(&c);
    if (rc == 0) {
        if_deltas(t, r, start);
        t->prev_uptime = r->uptime;
        t->prev_mono_ms = start;
        t->have_prev = 1;
    }
    if (rc == 0 && c.p != NULL)
        rc = poll_profile(&c);
    if (rc == 0)
        rc = poll_neighbours(&c);
    if (rc == -ENOMEM)
        goto out;
    if (rc != 0)
        r->state = SNMP_ST_PARTIAL;
out:
    if (c.sp != NULL) {
        if (t->version == 3)
            pthread_mutex_lock(&v3_lock);
        snmp_sess_close(c.sp);
        if (t->version == 3)
            pthread_mutex_unlock(&v3_lock);
    }
    r->duration_ms = (unsigned)(mono_ms() - start);
    if (rc == -ENOMEM) {
        r->state = SNMP_ST_ERROR;
        snprintf(r->error, sizeof(r->error), "out of memory");
        return -ENOMEM;
    }
    if (r->state == SNMP_ST_OK)
        r->error[0] = '\0';
    return 0;
}

void
snmp_result_free(struct snmp_result *r)
{
    if (r == NULL)
        return;
    free(r->aps);
    free(r->ifs);
    r->aps = NULL;
    r->ifs = NULL;
    r->naps = r->nifs = r->capaps = r->capifs = 0;
}

void
snmp_target_reset(struct snmp_target *t)
{
    free(t->prev);
    t->prev = NULL;
    t->nprev = 0;
    t->have_prev = 0;
    explicit_bzero(t->authpass, sizeof(t->authpass));
    explicit_bzero(t->privpass, sizeof(t->privpass));
}
