/* packs: see packs.h. A pack file is read completely into memory and
 * validated before anything touches the database; storing is one
 * transaction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "packs.h"
#include "registry.h"
#include "storage.h"
#include "storage_admin.h"

enum { P_PACK, P_VERSION, P_RULE, P_YEAR, P_REGIONS, P_TYPES, P_METRIC,
       P_OP, P_THRESHOLD, P_SHARE, P_SOURCE, P_TEXT };
static const struct regcol pack_cols[] = {
    { "pack", NULL, 1 },
    { "version", NULL, 1 },
    { "rule", NULL, 1 },
    { "year", NULL, 1 },
    { "regions", NULL, 1 },
    { "types", NULL, 1 },
    { "metric", NULL, 1 },
    { "op", NULL, 1 },
    { "threshold", NULL, 1 },
    { "share", NULL, 1 },
    { "source", NULL, 0 },
    { "text", NULL, 0 },
    { NULL, NULL, 0 },
};

static const char *op_texts[] = { ">=", "<=", ">", "<", "=" };

const char *
pack_op_text(enum pack_op op)
{
    return op_texts[op];
}

int
pack_rule_holds(const struct pack_rule *r, struct ratio value)
{
    int c = ratio_cmp(value, r->thr);

    switch (r->op) {
    case OP_GE:
        return c >= 0;
    case OP_LE:
        return c <= 0;
    case OP_GT:
        return c > 0;
    case OP_LT:
        return c < 0;
    case OP_EQ:
        return c == 0;
    }
    return 0;
}

static int
in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    const char *p = list;

    if (strcmp(list, "*") == 0)
        return 1;
    while (*p != '\0') {
        if (strncmp(p, word, n) == 0 && (p[n] == ';' || p[n] == '\0'))
            return 1;
        p = strchr(p, ';');
        if (p == NULL)
            break;
        p++;
    }
    return 0;
}

int
pack_rule_in_scope(const struct pack_rule *r, const char *region,
                   const char *type)
{
    return in_list(r->regions, region) && in_list(r->types, type);
}

int
packs_parse_share(const char *s, struct ratio *out)
{
    struct ratio r;
    long long p, q;
    char buf[32];
    size_t n = strlen(s);

    if (n == 0 || n >= sizeof(buf))
        return -EINVAL;
    if (strcmp(s, "all") == 0) {
        out->num = out->den = 1;
        return 0;
    }
    if (s[n - 1] == '%') {
        memcpy(buf, s, n - 1);
        buf[n - 1] = '\0';
        if (ratio_parse_decimal(buf, &r) != 0 || r.num > r.den * 100)
            return -EINVAL;
        out->num = r.num;
        out->den = r.den * 100;
        return 0;
    }
    snprintf(buf, sizeof(buf), "%s", s);
    {
        char *slash = strchr(buf, '/');

        if (slash == NULL)
            return -EINVAL;
        *slash = '\0';
        if (regsheet_uint(buf, 1000000, &p) != 0 ||
            regsheet_uint(slash + 1, 1000000, &q) != 0 || q == 0 || p > q)
            return -EINVAL;
    }
    out->num = p;
    out->den = q;
    return 0;
}

static int
parse_op(const char *s, enum pack_op *op)
{
    static const struct { const char *s; enum pack_op op; } ops[] = {
        { ">=", OP_GE }, { "≥", OP_GE }, { "<=", OP_LE }, { "≤", OP_LE },
        { ">", OP_GT }, { "<", OP_LT }, { "=", OP_EQ }, { "==", OP_EQ },
    };
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(s, ops[i].s) == 0) {
            *op = ops[i].op;
            return 0;
        }
    return -EINVAL;
}

/* Canonicalises a ';'-separated scope list through lookup; "*" stays. */
static int
scope_list(struct regsheet *sh, int col, const char *(*lookup)(const char *),
           char *out, size_t len)
{
    char buf[400], *tok, *save = NULL;
    const char *v = regsheet_get(sh, col), *c;
    size_t o = 0;

    if (strcmp(v, "*") == 0) {
        snprintf(out, len, "*");
        return 0;
    }
    snprintf(buf, sizeof(buf), "%s", v);
    out[0] = '\0';
    for (tok = strtok_r(buf, ";", &save); tok != NULL;
         tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        c = lookup(tok);
        if (c == NULL) {
            regsheet_error(sh, col, "\"%s\" is not known (write * for all, "
                           "or names separated by ;)", tok);
            return -EINVAL;
        }
        if (!in_list(out, c) || o == 0)
            o += (size_t)snprintf(out + o, len > o ? len - o : 0, "%s%s",
                                  o ? ";" : "", c);
    }
    if (o == 0) {
        regsheet_error(sh, col, "empty scope (write * for all)");
        return -EINVAL;
    }
    return 0;
}

static uint64_t
fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Reads and validates path into p. *digest gets the text's hash. */
static int
parse_pack(const char *path, enum textconv_enc enc, FILE *errs,
           struct pack *p, uint64_t *digest)
{
    struct regsheet sh;
    struct pack_rule *r, *n;
    size_t cap = 0, i;
    long long year;
    int rc, hdr;
    const char *v;

    memset(p, 0, sizeof(*p));
    rc = regsheet_open(&sh, path, path, NULL, 0, enc, pack_cols, errs);
    if (rc != 0) {
        regsheet_close(&sh);
        return rc;
    }
    *digest = fnv1a(sh.text, sh.len);
    hdr = sh.nerr;      /* after a header error every row would fail */
    while (hdr == 0 && (rc = regsheet_next(&sh)) == 1) {
        if (p->nrules == cap) {
            cap = cap ? cap * 2 : 32;
            n = realloc(p->rules, cap * sizeof(*n));
            if (n == NULL) {
                rc = -ENOMEM;
                break;
            }
            p->rules = n;
        }
        r = &p->rules[p->nrules];
        memset(r, 0, sizeof(*r));
        r->line = (int)sh.rd.fields[0].line;
        v = regsheet_get(&sh, P_PACK);
        if (!regsheet_is_ident(v))
            regsheet_error(&sh, P_PACK, "\"%s\" is not a pack name", v);
        else if (p->name[0] == '\0')
            snprintf(p->name, sizeof(p->name), "%s", v);
        else if (strcmp(p->name, v) != 0)
            regsheet_error(&sh, P_PACK, "\"%s\": one file holds one pack "
                           "(\"%s\" above)", v, p->name);
        v = regsheet_get(&sh, P_VERSION);
        if (!regsheet_is_ident(v))
            regsheet_error(&sh, P_VERSION, "\"%s\" is not a version", v);
        else if (p->version[0] == '\0')
            snprintf(p->version, sizeof(p->version), "%s", v);
        else if (strcmp(p->version, v) != 0)
            regsheet_error(&sh, P_VERSION, "\"%s\": every row must carry "
                           "the same version (\"%s\" above)", v, p->version);
        v = regsheet_get(&sh, P_RULE);
        if (!regsheet_is_ident(v))
            regsheet_error(&sh, P_RULE, "\"%s\" is not a rule id", v);
        snprintf(r->rule, sizeof(r->rule), "%s", v);
        for (i = 0; i < p->nrules; i++)
            if (strcmp(p->rules[i].rule, r->rule) == 0) {
                regsheet_error(&sh, P_RULE, "rule \"%s\" already defined "
                               "on line %d", r->rule, p->rules[i].line);
                break;
            }
        if (regsheet_uint(regsheet_get(&sh, P_YEAR), 2100, &year) != 0 ||
            year < 2000)
            regsheet_error(&sh, P_YEAR, "\"%s\" is not a year 2000-2100",
                           regsheet_get(&sh, P_YEAR));
        r->year = (int)year;
        scope_list(&sh, P_REGIONS, registry_region, r->regions,
                   sizeof(r->regions));
        scope_list(&sh, P_TYPES, registry_school_type, r->types,
                   sizeof(r->types));
        v = regsheet_get(&sh, P_METRIC);
        snprintf(r->metric, sizeof(r->metric), "%s", v);
        r->metric_id = metrics_lookup(v);
        if (r->metric_id < 0)
            regsheet_error(&sh, P_METRIC, "\"%s\" is not a metric (see "
                           "docs/COMPLIANCE.md, or inventory:<item>)", v);
        if (parse_op(regsheet_get(&sh, P_OP), &r->op) != 0)
            regsheet_error(&sh, P_OP, "\"%s\" is not one of >= <= > < =",
                           regsheet_get(&sh, P_OP));
        v = regsheet_get(&sh, P_THRESHOLD);
        snprintf(r->threshold, sizeof(r->threshold), "%s", v);
        if (strlen(v) >= sizeof(r->threshold) ||
            ratio_parse_decimal(v, &r->thr) != 0)
            regsheet_error(&sh, P_THRESHOLD, "\"%s\" is not a number >= 0 "
                           "(decimal point, at most 6 decimals)", v);
        if (packs_parse_share(regsheet_get(&sh, P_SHARE), &r->share) != 0)
            regsheet_error(&sh, P_SHARE, "\"%s\" is not a share such as "
                           "100%%, 20%% or 2/3",
                           regsheet_get(&sh, P_SHARE));
        v = regsheet_get(&sh, P_SOURCE);
        if (strlen(v) >= sizeof(r->source))
            regsheet_error(&sh, P_SOURCE, "too long");
        snprintf(r->source, sizeof(r->source), "%s", v);
        v = regsheet_get(&sh, P_TEXT);
        if (strlen(v) >= sizeof(r->text))
            regsheet_error(&sh, P_TEXT, "too long");
        snprintf(r->text, sizeof(r->text), "%s", v);
        p->nrules++;
    }
    if (rc == 0 && sh.nerr == 0 && p->nrules == 0) {
        fprintf(errs ? errs : stderr, "%s: no rules\n", path);
        sh.nerr++;
    }
    if (rc >= 0 && sh.nerr > 0)
        rc = -EINVAL;
    else if (rc > 0)
        rc = 0;
    regsheet_close(&sh);
    if (rc != 0)
        packs_free(p);
    return rc;
}

int
packs_check_file(const char *path, enum textconv_enc enc, FILE *errs,
                 int *nrules)
{
    struct pack p;
    uint64_t d;
    int rc = parse_pack(path, enc, errs, &p, &d);

    if (rc == 0)
        *nrules = (int)p.nrules;
    packs_free(&p);
    return rc;
}

int
packs_load_file(struct storage *st, const char *path, enum textconv_enc enc,
                FILE *errs, char **name, char **version, int *nrules,
                int *already)
{
    struct storage_pack sp;
    struct storage_pack_rule *rows = NULL;
    struct pack p;
    uint64_t digest;
    char hex[20], stored[20];
    size_t i;
    int rc;

    *already = 0;
    if (errs == NULL)
        errs = stderr;
    rc = parse_pack(path, enc, errs, &p, &digest);
    if (rc != 0)
        return rc;
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)digest);
    rows = calloc(p.nrules ? p.nrules : 1, sizeof(*rows));
    if (rows == NULL) {
        packs_free(&p);
        return -ENOMEM;
    }
    for (i = 0; i < p.nrules; i++) {
        const struct pack_rule *r = &p.rules[i];

        rows[i].rule = r->rule;
        rows[i].year = r->year;
        rows[i].regions = r->regions;
        rows[i].types = r->types;
        rows[i].metric = r->metric;
        rows[i].op = pack_op_text(r->op);
        rows[i].threshold = r->threshold;
        rows[i].share_num = r->share.num;
        rows[i].share_den = r->share.den;
        rows[i].source = r->source;
        rows[i].text = r->text;
        rows[i].line = r->line;
    }
    sp.name = p.name;
    sp.version = p.version;
    sp.digest = hex;
    sp.rules = rows;
    sp.nrules = p.nrules;
    sp.origin = path;
    rc = storage_pack_put(st, &sp, stored, sizeof(stored));
    if (rc == 1) {
        if (strcmp(stored, hex) == 0) {
            *already = 1;
            rc = 0;
        } else {
            fprintf(errs, "%s: pack %s version %s is already loaded with "
                    "different rules; give the changed pack a new version\n",
                    path, p.name, p.version);
            rc = -EEXIST;
        }
    }
    free(rows);
    if (rc == 0) {
        *nrules = (int)p.nrules;
        if (name != NULL)
            *name = strdup(p.name);
        if (version != NULL)
            *version = strdup(p.version);
    }
    packs_free(&p);
    return rc;
}

struct rules_fill {
    struct pack *out;
    size_t cap;
};

static int
add_rule(void *arg, const struct storage_pack_rule *row)
{
    struct rules_fill *f = arg;
    struct pack *out = f->out;
    struct pack_rule *r, *n;

    if (out->nrules == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;

        n = realloc(out->rules, cap * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        out->rules = n;
        f->cap = cap;
    }
    r = &out->rules[out->nrules++];
    memset(r, 0, sizeof(*r));
    snprintf(r->rule, sizeof(r->rule), "%s", row->rule);
    r->year = row->year;
    snprintf(r->regions, sizeof(r->regions), "%s", row->regions);
    snprintf(r->types, sizeof(r->types), "%s", row->types);
    snprintf(r->metric, sizeof(r->metric), "%s", row->metric);
    r->metric_id = metrics_lookup(r->metric);
    if (parse_op(row->op, &r->op) != 0)
        r->op = OP_GE;
    snprintf(r->threshold, sizeof(r->threshold), "%s", row->threshold);
    if (ratio_parse_decimal(r->threshold, &r->thr) != 0)
        return -EIO;
    r->share.num = row->share_num;
    r->share.den = row->share_den;
    snprintf(r->source, sizeof(r->source), "%s", row->source);
    snprintf(r->text, sizeof(r->text), "%s", row->text);
    r->line = row->line;
    return 0;
}

int
packs_get(struct storage *st, const char *pack, const char *version,
          int year, struct pack *out, FILE *errs)
{
    struct rules_fill f;
    int rc;

    memset(out, 0, sizeof(*out));
    if (errs == NULL)
        errs = stderr;
    snprintf(out->name, sizeof(out->name), "%s", pack);
    if (version != NULL) {
        snprintf(out->version, sizeof(out->version), "%s", version);
    } else {
        rc = storage_pack_latest(st, pack, out->version,
                                 sizeof(out->version));
        if (rc == 0) {
            fprintf(errs, "pack \"%s\" is not loaded (classband-collector "
                    "pack load FILE)\n", pack);
            rc = -ENOENT;
        }
        if (rc < 0)
            goto out;
    }
    rc = storage_pack_rules_year(st, pack, out->version, year,
                                 &out->rules_year);
    if (rc == 0) {
        fprintf(errs, "pack \"%s\" version %s has no rules for %d or "
                "earlier\n", pack, out->version, year);
        rc = -ENOENT;
    }
    if (rc < 0)
        goto out;
    f.out = out;
    f.cap = 0;
    rc = storage_pack_each_rule(st, pack, out->version, out->rules_year,
                                add_rule, &f);
out:
    if (rc != 0)
        packs_free(out);
    return rc;
}

void
packs_free(struct pack *p)
{
    if (p == NULL)
        return;
    free(p->rules);
    p->rules = NULL;
    p->nrules = 0;
}
