/* packs: policy packs, the targets of an education plan as data. A pack
 * is a CSV file, one rule per row (format: docs/COMPLIANCE.md):
 *   pack,version,rule,year,regions,types,metric,op,threshold,share,source,text
 * e.g. hefei,2016-2020.1,egress-2019-urban,2019,urban,*,
 *      egress_mbps_per_class,>=,10,2/3,"三(三)","2019年市区2/3学校..."
 * Loading validates every row (errors as file:line:column: message, all
 * reported, nothing stored on error). A (pack, version) once loaded is
 * immutable: loading the same bytes again is a no-op, different bytes
 * under the same version are refused, so that stored evaluations can always
 * be rebuilt from the rules they used. Thresholds and shares are kept as
 * text and exact fractions, never as floats. */
#ifndef PACKS_H
#define PACKS_H

#include <stdint.h>
#include <stdio.h>

#include "metrics.h"
#include "textconv.h"

struct storage;

enum pack_op { OP_GE, OP_LE, OP_GT, OP_LT, OP_EQ };

struct pack_rule {
    char rule[72];
    int year;
    char regions[160];      /* ';'-separated canonical names, or "*" */
    char types[200];
    char metric[96];
    int metric_id;          /* metrics_lookup(metric) */
    enum pack_op op;
    char threshold[32];     /* as written */
    struct ratio thr;
    struct ratio share;     /* required share of in-scope schools */
    char source[200];
    char text[600];
    int line;
};

struct pack {
    char name[72];
    char version[72];
    int rules_year;         /* year whose rules were selected */
    struct pack_rule *rules;    /* owned */
    size_t nrules;
};

const char *pack_op_text(enum pack_op op);
/* 1 when value op threshold holds, exactly. */
int  pack_rule_holds(const struct pack_rule *r, struct ratio value);
/* 1 when the rule's scope covers region and type. */
int  pack_rule_in_scope(const struct pack_rule *r, const char *region,
                        const char *type);

/* Parses "2/3", "100%", "33.3%" into a fraction in [0, 1]. 0 or -EINVAL. */
int  packs_parse_share(const char *s, struct ratio *out);

/* Validates and stores a pack file. On success *name and *version (may be
 * NULL) receive the pack's identity (caller frees) and *nrules its size.
 * Returns 0 (stored, or already stored identically: *already = 1),
 * -EINVAL (errors reported to errs), -EEXIST (version exists with other
 * content; reported), -ENOENT/-EIO. */
int  packs_load_file(struct storage *st, const char *path,
                     enum textconv_enc enc, FILE *errs, char **name,
                     char **version, int *nrules, int *already);
/* The same, validating only (stores nothing). */
int  packs_check_file(const char *path, enum textconv_enc enc, FILE *errs,
                      int *nrules);

/* Loads the rules of pack (version NULL: the latest loaded) that apply to
 * year: the rules of that year, else those of the latest earlier year
 * (targets stay in force after their deadline). Returns 0, -ENOENT (no
 * such pack, or no rules for year or before; reported to errs) or -EIO. */
int  packs_get(struct storage *st, const char *pack, const char *version,
               int year, struct pack *out, FILE *errs);
void packs_free(struct pack *p);

#endif /* PACKS_H */
