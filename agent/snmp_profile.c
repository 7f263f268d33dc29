/* snmp_profile: parses device profile files and picks one by sysObjectID.
 * The format is one `key args...` per line, `#` comments; docs/SNMP.md is
 * its reference. Deliberately no SNMP I/O here, so it is unit-testable. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_profile.h"

#define PROFILE_MAX_FILE (256 * 1024)
#define PROFILE_MAX_FILES 256

int
snmp_oid_parse(const char *s, uint32_t *oid, size_t cap, size_t *len)
{
    size_t n = 0;
    const char *p = s;

    if (*p == '.')
        p++;
    if (*p == '\0')
        return -EINVAL;
    while (*p != '\0') {
        unsigned long v;
        char *end;

        if (!isdigit((unsigned char)*p) || n == cap)
            return -EINVAL;
        errno = 0;
        v = strtoul(p, &end, 10);
        if (errno != 0 || v > UINT32_MAX)
            return -EINVAL;
        oid[n++] = (uint32_t)v;
        p = end;
        if (*p == '.') {
            p++;
            if (*p == '\0')
                return -EINVAL;
        } else if (*p != '\0') {
            return -EINVAL;
        }
    }
    *len = n;
    return 0;
}

void
snmp_oid_format(const uint32_t *oid, size_t len, char *out, size_t cap)
{
    size_t off = 0;

    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < len && off < cap; i++) {
        int n = snprintf(out + off, cap - off, "%s%u", i ? "." : "", oid[i]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int
snmp_mac_parse(const uint8_t *v, size_t len, uint8_t mac[6])
{
    char t[40];
    unsigned nd = 0, grp = 0, digits = 0;
    uint8_t out[6];
    uint64_t acc = 0;
    int sep = 0;

    if (len == 6) {
        /* Six bytes that read as text ("1:2:3:") are still binary: a real
         * agent returns raw bytes, and 6-char text cannot hold a MAC. */
        memcpy(mac, v, 6);
        return 0;
    }
    if (len == 12) {
        /* bare hex digits: 001b0cfb2818 */
        for (size_t i = 0; i < 12; i++) {
            int hi = hexval(v[i]);
            if (hi < 0)
                goto text;
            if (i % 2 == 0)
                out[i / 2] = (uint8_t)(hi << 4);
            else
                out[i / 2] |= (uint8_t)hi;
        }
        memcpy(mac, out, 6);
        return 0;
    }
text:
    if (len < 11 || len >= sizeof(t))
        return -EINVAL;
    memcpy(t, v, len);
    t[len] = '\0';
    /* Colon/dash form with 1-2 hex digits per group, or Cisco dotted
     * form with 4 digits per group, or 12 bare digits. */
    for (size_t i = 0; i <= len; i++) {
        int c = (unsigned char)t[i];
        int h = hexval(c);

        if (h >= 0) {
            acc = (acc << 4) | (uint64_t)h;
            digits++;
            nd++;
            continue;
        }
        if (c != ':' && c != '-' && c != '.' && c != '\0')
            return -EINVAL;
        if (c != '\0') {
            if (sep != 0 && sep != c)
                return -EINVAL;
            sep = c;
        }
        if (sep == '.') {
            if (digits != 4 || grp >= 3)
                return -EINVAL;
            out[grp * 2] = (uint8_t)(acc >> 8);
            out[grp * 2 + 1] = (uint8_t)acc;
            grp++;
        } else {
            if (digits < 1 || digits > 2 || grp >= 6)
                return -EINVAL;
            out[grp++] = (uint8_t)acc;
        }
        acc = 0;
        digits = 0;
    }
    if ((sep == '.' && grp != 3) || (sep != '.' && grp != 6))
        return -EINVAL;
    memcpy(mac, out, 6);
    return 0;
}

enum snmp_ap_status
snmp_col_status(const struct snmp_col *c, long v)
{
    for (unsigned i = 0; i < c->nup; i++)
        if (c->up[i] == v)
            return SNMP_AP_UP;
    for (unsigned i = 0; i < c->ndown; i++)
        if (c->down[i] == v)
            return SNMP_AP_DOWN;
    return SNMP_AP_UNKNOWN;
}

static int
perr(char *err, size_t errlen, const char *name, int line, const char *fmt,
     ...)
{
    va_list ap;
    int n;

    n = snprintf(err, errlen, "%s:%d: ", name, line);
    if (n < 0 || (size_t)n >= errlen)
        return -EINVAL;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int
parse_vals(const char *s, long *v, unsigned *n)
{
    char tmp[256], *save = NULL, *tok;

    if (strlen(s) >= sizeof(tmp))
        return -EINVAL;
    strcpy(tmp, s);
    for (tok = strtok_r(tmp, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long x;

        errno = 0;
        x = strtol(tok, &end, 10);
        if (errno != 0 || *end != '\0' || end == tok ||
            *n == SNMP_PROFILE_MAXVALS)
            return -EINVAL;
        v[(*n)++] = x;
    }
    return 0;
}

static const struct {
    const char *key;
    enum snmp_col_kind kind;
} colkeys[] = {
    {"ap_name", SNMP_COL_NAME},
    {"ap_mac", SNMP_COL_MAC},
    {"ap_status", SNMP_COL_STATUS},
    {"ap_location", SNMP_COL_LOCATION},
    {"ap_clients", SNMP_COL_CLIENTS},
    {"ap_radio_rate", SNMP_COL_RADIO_RATE},
    {"ap_uplink_speed", SNMP_COL_UPLINK},
    {"total_aps", SNMP_COL_TOTAL_APS},
    {"total_aps_up", SNMP_COL_TOTAL_APS_UP},
    {"total_clients", SNMP_COL_TOTAL_CLIENTS},
};

/* One column line: KEY [get|sum] OID [key N] [ifname] [unit U] [up L]
 * [down L]. */
static int
parse_col(struct snmp_profile *p, enum snmp_col_kind kind, int argc,
          char **argv, const char *name, int line, char *err, size_t errlen)
{
    struct snmp_col *c;
    int i = 1;
    int total = kind >= SNMP_COL_TOTAL_APS;

    if (p->ncol == SNMP_PROFILE_MAXCOL)
        return perr(err, errlen, name, line, "too many columns (max %d)",
                    SNMP_PROFILE_MAXCOL);
    c = &p->col[p->ncol];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->key = p->ap_self ? 0 : 6;
    if (total) {
        if (argc < 3 || (strcmp(argv[1], "get") != 0 &&
                         strcmp(argv[1], "sum") != 0))
            return perr(err, errlen, name, line,
                        "%s: expected `get OID` or `sum OID`", argv[0]);
        c->scalar = strcmp(argv[1], "get") == 0;
        i = 2;
    }
    if (i >= argc)
        return perr(err, errlen, name, line, "%s: missing OID", argv[0]);
    if (snmp_oid_parse(argv[i], c->oid, SNMP_OID_MAX, &c->oidlen) != 0)
        return perr(err, errlen, name, line, "%s: bad OID \"%s\"", argv[0],
                    argv[i]);
    for (i++; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(opt, "ifname") == 0 && kind == SNMP_COL_NAME) {
            c->ifname = 1;
            continue;
        }
        if (val == NULL)
            return perr(err, errlen, name, line, "%s: option %s needs a value",
                        argv[0], opt);
        i++;
        if (strcmp(opt, "key") == 0 && !total) {
            char *end;
            unsigned long k = strtoul(val, &end, 10);
            if (*end != '\0' || k > 16)
                return perr(err, errlen, name, line, "%s: bad key \"%s\"",
                            argv[0], val);
            c->key = (unsigned)k;
        } else if (strcmp(opt, "unit") == 0) {
            if (strcmp(val, "mbps") == 0)
                c->unit = SNMP_UNIT_MBPS;
            else if (strcmp(val, "kbps") == 0)
                c->unit = SNMP_UNIT_KBPS;
            else if (strcmp(val, "bps") == 0)
                c->unit = SNMP_UNIT_BPS;
            else
                return perr(err, errlen, name, line,
                            "%s: unit must be mbps, kbps or bps", argv[0]);
        } else if (strcmp(opt, "up") == 0 && kind == SNMP_COL_STATUS) {
            if (parse_vals(val, c->up, &c->nup) != 0)
                return perr(err, errlen, name, line, "%s: bad up list",
                            argv[0]);
        } else if (strcmp(opt, "down") == 0 && kind == SNMP_COL_STATUS) {
            if (parse_vals(val, c->down, &c->ndown) != 0)
                return perr(err, errlen, name, line, "%s: bad down list",
                            argv[0]);
        } else {
            return perr(err, errlen, name, line, "%s: unknown option \"%s\"",
                        argv[0], opt);
        }
    }
    if (kind == SNMP_COL_STATUS && c->nup == 0)
        return perr(err, errlen, name, line,
                    "ap_status: `up VALUES` is required");
    p->ncol++;
    return 0;
}

static int
parse_line(struct snmp_profile *p, int argc, char **argv, const char *name,
           int line, char *err, size_t errlen)
{
    const char *k = argv[0];

    if (strcmp(k, "profile") == 0) {
        if (argc != 2 || strlen(argv[1]) >= sizeof(p->name))
            return perr(err, errlen, name, line, "profile: expected NAME");
        strcpy(p->name, argv[1]);
        return 0;
    }
    if (p->name[0] == '\0')
        return perr(err, errlen, name, line,
                    "the first line must be `profile NAME`");
    if (strcmp(k, "description") == 0) {
        size_t off = 0;
        p->description[0] = '\0';
        for (int i = 1; i < argc; i++) {
            int n = snprintf(p->description + off,
                             sizeof(p->description) - off, "%s%s",
                             i > 1 ? " " : "", argv[i]);
            if (n < 0 || (size_t)n >= sizeof(p->description) - off)
                break;
            off += (size_t)n;
        }
        return 0;
    }
    if (strcmp(k, "match") == 0) {
        if (argc != 2 || p->nmatch == SNMP_PROFILE_MAXMATCH ||
            snmp_oid_parse(argv[1], p->match[p->nmatch], SNMP_OID_MAX,
                           &p->matchlen[p->nmatch]) != 0)
            return perr(err, errlen, name, line,
                        "match: expected one sysObjectID prefix (max %d)",
                        SNMP_PROFILE_MAXMATCH);
        p->nmatch++;
        return 0;
    }
    if (strcmp(k, "require") == 0) {
        if (argc != 2 || snmp_oid_parse(argv[1], p->require, SNMP_OID_MAX,
                                        &p->requirelen) != 0)
            return perr(err, errlen, name, line, "require: expected one OID");
        return 0;
    }
    if (strcmp(k, "ap_self") == 0) {
        if (argc != 1 || p->ncol > 0)
            return perr(err, errlen, name, line,
                        "ap_self: takes no argument and must precede columns");
        p->ap_self = 1;
        return 0;
    }
    if (strcmp(k, "ap_uplink_ifname") == 0) {
        if (argc != 2 || strlen(argv[1]) >= sizeof(p->uplink_ifname))
            return perr(err, errlen, name, line,
                        "ap_uplink_ifname: expected one name or glob");
        strcpy(p->uplink_ifname, argv[1]);
        return 0;
    }
    if (strcmp(k, "status_fallback") == 0) {
        if (argc == 2 && strcmp(argv[1], "none") == 0)
            p->fallback = SNMP_FALLBACK_NONE;
        else if (argc == 2 && strcmp(argv[1], "presence") == 0)
            p->fallback = SNMP_FALLBACK_PRESENCE;
        else if (argc == 3 && strcmp(argv[1], "count") == 0 &&
                 snmp_oid_parse(argv[2], p->count_oid, SNMP_OID_MAX,
                                &p->count_oidlen) == 0)
            p->fallback = SNMP_FALLBACK_COUNT;
        else
            return perr(err, errlen, name, line,
                        "status_fallback: expected none, presence or "
                        "`count OID`");
        return 0;
    }
    if (strcmp(k, "ap_mac") == 0 && argc == 2 &&
        strcmp(argv[1], "index") == 0) {
        p->mac_from_index = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof(colkeys) / sizeof(colkeys[0]); i++)
        if (strcmp(k, colkeys[i].key) == 0)
            return parse_col(p, colkeys[i].kind, argc, argv, name, line, err,
                             errlen);
    return perr(err, errlen, name, line, "unknown key \"%s\"", k);
}

int
snmp_profile_parse(const char *name, const char *text, struct snmp_profile *p,
                   char *err, size_t errlen)
{
    const char *s = text;
    int line = 0;

    memset(p, 0, sizeof(*p));
    while (*s != '\0') {
        char buf[1024], *argv[32], *q, *save = NULL;
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        int argc = 0, rc;

        line++;
        if (n >= sizeof(buf))
            return perr(err, errlen, name, line, "line too long");
        memcpy(buf, s, n);
        buf[n] = '\0';
        s += n + (nl ? 1 : 0);
        if ((q = strchr(buf, '#')) != NULL)
            *q = '\0';
        for (q = strtok_r(buf, " \t\r", &save); q != NULL;
             q = strtok_r(NULL, " \t\r", &save)) {
            if (argc == 32)
                return perr(err, errlen, name, line, "too many words");
            argv[argc++] = q;
        }
        if (argc == 0)
            continue;
        rc = parse_line(p, argc, argv, name, line, err, errlen);
        if (rc != 0)
            return rc;
    }
    if (p->name[0] == '\0')
        return perr(err, errlen, name, line, "no `profile NAME` line");
    return 0;
}

static int
read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "r");
    char *b;
    size_t n;

    if (f == NULL)
        return -errno;
    b = malloc(PROFILE_MAX_FILE + 1);
    if (b == NULL) {
        fclose(f);
        return -ENOMEM;
    }
    n = fread(b, 1, PROFILE_MAX_FILE + 1, f);
    fclose(f);
    if (n > PROFILE_MAX_FILE) {
        free(b);
        return -EFBIG;
    }
    b[n] = '\0';
    *out = b;
    return 0;
}

static int
namecmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
snmp_profiles_load(struct snmp_profiles *ps, const char *dir, char *err,
                   size_t errlen)
{
    DIR *d;
    struct dirent *de;
    char *names[PROFILE_MAX_FILES];
    size_t nn = 0;
    int rc = 0;

    ps->v = NULL;
    ps->n = 0;
    d = opendir(dir);
    if (d == NULL) {
        rc = -errno;
        snprintf(err, errlen, "profile dir %s: %s", dir, strerror(-rc));
        return rc;
    }
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 9 || strcmp(de->d_name + l - 8, ".profile") != 0 ||
            de->d_name[0] == '.')
            continue;
        if (nn == PROFILE_MAX_FILES) {
            snprintf(err, errlen, "profile dir %s: more than %d profiles", dir,
                     PROFILE_MAX_FILES);
            rc = -E2BIG;
            break;
        }
        names[nn] = strdup(de->d_name);
        if (names[nn] == NULL) {
            rc = -ENOMEM;
            break;
        }
        nn++;
    }
    closedir(d);
    /* Sorted, so that loading and duplicate detection are reproducible. */
    qsort(names, nn, sizeof(names[0]), namecmp);
    if (rc == 0 && nn > 0) {
        ps->v = calloc(nn, sizeof(*ps->v));
        if (ps->v == NULL)
            rc = -ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < nn; i++) {
        char path[4096], *text = NULL;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        rc = read_file(path, &text);
        if (rc != 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(-rc));
            break;
        }
        rc = snmp_profile_parse(path, text, &ps->v[ps->n], err, errlen);
        free(text);
        if (rc != 0)
            break;
        if (snmp_profiles_find(ps, ps->v[ps->n].name) != NULL) {
            snprintf(err, errlen, "%s: profile \"%s\" defined twice", path,
                     ps->v[ps->n].name);
            rc = -EINVAL;
            break;
        }
        ps->n++;
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    return rc;
}

void
snmp_profiles_free(struct snmp_profiles *ps)
{
    if (ps == NULL)
        return;
    free(ps->v);
    ps->v = NULL;
    ps->n = 0;
}

const struct snmp_profile *
snmp_profiles_match(const struct snmp_profiles *ps, const uint32_t *sysobjid,
                    size_t len)
{
    const struct snmp_profile *best = NULL;
    size_t bestlen = 0;

    for (size_t i = 0; i < ps->n; i++) {
        const struct snmp_profile *p = &ps->v[i];
        for (unsigned m = 0; m < p->nmatch; m++) {
            size_t ml = p->matchlen[m];
            if (ml > len || ml <= bestlen)
                continue;
            if (memcmp(p->match[m], sysobjid, ml * sizeof(uint32_t)) == 0) {
                best = p;
                bestlen = ml;
            }
        }
    }
    return best;
}

size_t
snmp_profiles_candidates(const struct snmp_profiles *ps,
                         const uint32_t *sysobjid, size_t len,
                         const struct snmp_profile **out, size_t max)
{
    size_t n = 0, mlen[16];

    if (max > 16)
        max = 16;
    for (size_t i = 0; i < ps->n; i++) {
        const struct snmp_profile *p = &ps->v[i];
        size_t best = 0;

        for (unsigned m = 0; m < p->nmatch; m++) {
            size_t ml = p->matchlen[m];
            if (ml <= len && ml > best &&
                memcmp(p->match[m], sysobjid, ml * sizeof(uint32_t)) == 0)
                best = ml;
        }
        if (best == 0)
            continue;
        /* insertion by descending prefix length */
        size_t j = n < max ? n++ : max;
        while (j > 0 && mlen[j - 1] < best) {
            if (j < max) {
                out[j] = out[j - 1];
                mlen[j] = mlen[j - 1];
            }
            j--;
        }
        if (j < max) {
            out[j] = p;
            mlen[j] = best;
        }
    }
    return n;
}

const struct snmp_profile *
snmp_profiles_find(const struct snmp_profiles *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->v[i].name, name) == 0)
            return &ps->v[i];
    return NULL;
}
