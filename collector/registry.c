/* registry: see registry.h. One import = one store transaction
 * (storage_regimp_*): every row is validated and written inside it, and any
 * error rolls the whole file back, so a half-applied registry never exists.
 * The import's listed set remembers the (school, key) pairs of the file, to
 * catch duplicates and to remove the classes/areas a re-import no longer
 * lists. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cidr.h"
#include "log.h"
#include "registry.h"
#include "storage.h"
#include "storage_admin.h"

/* ------------------------------------------------------------------ */
/* regsheet                                                            */

static int
read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL, *n;
    size_t cap = 0, used = 0, r;

    if (f == NULL)
        return -errno;
    for (;;) {
        if (cap - used < 65536) {
            if (cap > (64u << 20)) {        /* a registry is not 64 MiB */
                free(p);
                fclose(f);
                return -EFBIG;
            }
            cap = cap ? cap * 2 : 65536;
            n = realloc(p, cap);
            if (n == NULL) {
                free(p);
                fclose(f);
                return -ENOMEM;
            }
            p = n;
        }
        r = fread(p + used, 1, cap - used, f);
        used += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        free(p);
        fclose(f);
        return -EIO;
    }
    fclose(f);
    *out = p;
    *len = used;
    return 0;
}

static void
trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    if (i > 0)
        memmove(s, s + i, n - i + 1);
}

int
regsheet_open(struct regsheet *sh, const char *name, const char *path,
              const char *data, size_t len, enum textconv_enc enc,
              const struct regcol *cols, FILE *errs)
{
    char *raw = NULL, err[160];
    size_t rawlen = 0, i, skip;
    unsigned long skipped;
    int rc, c, seen[REGSHEET_MAX_COLS];

    memset(sh, 0, sizeof(*sh));
    sh->name = name;
    sh->cols = cols;
    sh->errs = errs != NULL ? errs : stderr;
    for (sh->ncols = 0; cols[sh->ncols].name != NULL; sh->ncols++)
        sh->idx[sh->ncols] = -1;
    if (path != NULL) {
        rc = read_file(path, &raw, &rawlen);
        if (rc != 0) {
            fprintf(sh->errs, "%s: %s\n", name, strerror(-rc));
            return rc == -ENOENT ? -ENOENT : rc;
        }
        data = raw;
        len = rawlen;
    }
    rc = textconv_decode(data, len, enc, &sh->text, &sh->len, &sh->encoding,
                         err, sizeof(err));
    free(raw);
    if (rc != 0) {
        fprintf(sh->errs, "%s:%s\n", name, err);
        sh->nerr++;
        return rc == -EILSEQ ? -EINVAL : rc;
    }
    /* A leading block of '#' lines is free text (it may hold quotes that
     * are not CSV); later '#' rows must be valid CSV and are skipped. */
    skip = 0;
    skipped = 0;
    while (skip < sh->len && sh->text[skip] == '#') {
        while (skip < sh->len && sh->text[skip] != '\n')
            skip++;
        if (skip < sh->len)
            skip++;
        skipped++;
    }
    sh->mem = sh->len > skip
                  ? fmemopen(sh->text + skip, sh->len - skip, "r") : NULL;
    if (sh->len == skip || sh->mem == NULL) {
        fprintf(sh->errs, "%s:1:1: the file is empty (a header row is "
                "needed)\n", name);
        sh->nerr++;
        return sh->len != skip ? -ENOMEM : -EINVAL;
    }
    csv_reader_init(&sh->rd, sh->mem);
    sh->rd.line += skipped;
    rc = csv_read(&sh->rd);
    if (rc <= 0) {
        if (rc == 0)
            fprintf(sh->errs, "%s:1:1: no header row\n", name);
        else
            fprintf(sh->errs, "%s:%lu:%lu: %s\n", name, sh->rd.err_line,
                    sh->rd.err_col, sh->rd.err);
        sh->nerr++;
        return -EINVAL;
    }
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < sh->rd.nfields; i++) {
        char h[128];

        snprintf(h, sizeof(h), "%s", sh->rd.fields[i].s);
        trim(h);
        for (c = 0; c < sh->ncols; c++) {
            if (strcasecmp(h, cols[c].name) == 0 ||
                (cols[c].alias != NULL && strcmp(h, cols[c].alias) == 0))
                break;
        }
        if (c == sh->ncols) {
            if (h[0] == '\0' && i + 1 == sh->rd.nfields)
                continue;   /* a trailing comma some exporters add */
            fprintf(sh->errs, "%s:%lu:%lu: unknown column \"%s\"\n", name,
                    sh->rd.fields[i].line, sh->rd.fields[i].col, h);
            sh->nerr++;
            continue;
        }
        if (seen[c]++) {
            fprintf(sh->errs, "%s:%lu:%lu: column \"%s\" appears twice\n",
                    name, sh->rd.fields[i].line, sh->rd.fields[i].col,
                    cols[c].name);
            sh->nerr++;
            continue;
        }
        sh->idx[c] = (int)i;
    }
    for (c = 0; c < sh->ncols; c++) {
        if (cols[c].required && sh->idx[c] < 0) {
            fprintf(sh->errs, "%s:1:1: required column \"%s\" is missing\n",
                    name, cols[c].name);
            sh->nerr++;
        }
    }
    return 0;
}

int
regsheet_next(struct regsheet *sh)
{
    size_t i;
    int rc;

    for (;;) {
        rc = csv_read(&sh->rd);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            fprintf(sh->errs, "%s:%lu:%lu: %s\n", sh->name, sh->rd.err_line,
                    sh->rd.err_col, sh->rd.err);
            sh->nerr++;
            return -EINVAL;
        }
        for (i = 0; i < sh->rd.nfields; i++)
            trim((char *)sh->rd.fields[i].s);
        if (sh->rd.fields[0].s[0] == '#')
            continue;
        for (i = 0; i < sh->rd.nfields; i++)
            if (sh->rd.fields[i].s[0] != '\0')
                break;
        if (i == sh->rd.nfields)
            continue;       /* blank row, or ",,,," from a spreadsheet */
        return 1;
    }
}

const char *
regsheet_get(struct regsheet *sh, int c)
{
    int i = sh->idx[c];

    if (i < 0 || (size_t)i >= sh->rd.nfields)
        return "";
    return sh->rd.fields[i].s;
}

void
regsheet_error(struct regsheet *sh, int c, const char *fmt, ...)
{
    unsigned long line = sh->rd.fields[0].line, col = sh->rd.fields[0].col;
    va_list ap;
    int i = c >= 0 ? sh->idx[c] : -1;

    if (i >= 0 && (size_t)i < sh->rd.nfields) {
        line = sh->rd.fields[i].line;
        col = sh->rd.fields[i].col;
    }
    sh->nerr++;
    if (sh->nerr > REGSHEET_MAX_ERRORS)
        return;
    fprintf(sh->errs, "%s:%lu:%lu: ", sh->name, line, col);
    if (c >= 0)
        fprintf(sh->errs, "%s: ", sh->cols[c].name);
    va_start(ap, fmt);
    vfprintf(sh->errs, fmt, ap);
    va_end(ap);
    fputc('\n', sh->errs);
}

void
regsheet_close(struct regsheet *sh)
{
    if (sh->nerr > REGSHEET_MAX_ERRORS)
        fprintf(sh->errs, "%s: %d more errors not shown\n", sh->name,
                sh->nerr - REGSHEET_MAX_ERRORS);
    csv_reader_free(&sh->rd);
    if (sh->mem != NULL)
        fclose(sh->mem);
    free(sh->text);
    sh->mem = NULL;
    sh->text = NULL;
}

int
regsheet_is_ident(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++, n++) {
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
            *s != ':' && *s != '-')
            return 0;
    }
    return n >= 1 && n <= 64;
}

int
regsheet_is_key(const char *s)
{
    size_t n = strlen(s), i;

    if (n < 1 || n > 96 || s[0] == '#' || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == ',' ||
            s[i] == '"' || s[i] == ';')
            return 0;
    return 1;
}

int
regsheet_is_label(const char *s)
{
    size_t n = strlen(s), i;

    if (n < 1 || n > 200)
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int
regsheet_uint(const char *s, long long max, long long *out)
{
    long long v = 0;

    if (*s == '\0')
        return -EINVAL;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -EINVAL;
    }
    *out = v;
    return 0;
}

int
regsheet_milli(const char *s, long long *out)
{
    long long v = 0;
    int frac = -1;

    if (*s == '\0' || *s == '.')
        return -EINVAL;
    for (; *s != '\0'; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9' || frac == 3)
            return -EINVAL;
        v = v * 10 + (*s - '0');
        if (frac >= 0)
            frac++;
        if (v > 1000000000000LL)
            return -EINVAL;
    }
    if (frac == 0)
        return -EINVAL;     /* "10." */
    for (frac = frac < 0 ? 0 : frac; frac < 3; frac++)
        v *= 10;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* vocabularies                                                        */

struct word {
    const char *name;
    const char *alias[4];
};

static const struct word regions[] = {
    { "urban", { "市区", "城区", "城市", NULL } },
    { "county", { "县", "县(市)", "县（市）", "县城" } },
    { "township", { "乡镇", "镇", "镇区", NULL } },
    { "village", { "村", "农村", "乡村", NULL } },
    { NULL, { NULL } },
};

static const struct word types[] = {
    { "primary", { "小学", NULL } },
    { "junior", { "初中", "初级中学", NULL } },
    { "senior", { "高中", "高级中学", NULL } },
    { "vocational", { "中职", "职业学校", "中等职业学校", NULL } },
    { "kindergarten", { "幼儿园", NULL } },
    { "teaching_point", { "教学点", NULL } },
    { NULL, { NULL } },
};

static const struct word class_kinds[] = {
    { "classroom", { "教室", "普通教室", NULL } },
    { "computer_room", { "机房", "计算机教室", "微机室", NULL } },
    { "staff_office", { "办公室", "教师办公室", NULL } },
    { "wifi", { "无线", "无线网络", NULL } },
    { "other", { "其他", NULL } },
    { NULL, { NULL } },
};

static const struct word area_kinds[] = {
    { "classroom", { "教室", NULL } },
    { "office", { "办公室", "办公", NULL } },
    { "public", { "公共区域", "公共", "公共活动场所", NULL } },
    { "other", { "其他", NULL } },
    { NULL, { NULL } },
};

static const char *
lookup_word(const struct word *w, const char *s)
{
    int k;

    for (; w->name != NULL; w++) {
        if (strcasecmp(s, w->name) == 0)
            return w->name;
        for (k = 0; k < 4 && w->alias[k] != NULL; k++)
            if (strcmp(s, w->alias[k]) == 0)
                return w->name;
    }
    return NULL;
}

static const char *
word_list(const struct word *w, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (; w->name != NULL && o < len; w++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
                              w->name);
    return buf;
}

const char *
registry_region(const char *s)
{
    return lookup_word(regions, s);
}

const char *
registry_school_type(const char *s)
{
    return lookup_word(types, s);
}

static int
parse_bool(const char *s, int *out)
{
    static const char *yes[] = { "1", "yes", "y", "true", "是", "必需", NULL };
    static const char *no[] = { "0", "no", "n", "false", "否", "", NULL };
    int i;

    for (i = 0; yes[i] != NULL; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
    for (i = 0; no[i] != NULL; i++)
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* import                                                              */

enum { S_CODE, S_NAME, S_DISTRICT, S_REGION, S_TYPE, S_STUDENTS, S_TEACHERS,
       S_CLASSES, S_CONTRACT, S_DSC, S_DTC };
static const struct regcol school_cols[] = {
    { "code", "学校代码", 1 },
    { "name", "学校名称", 1 },
    { "district", "区县", 1 },
    { "region", "区域", 1 },
    { "type", "学校类型", 1 },
    { "students", "学生数", 1 },
    { "teachers", "教师数", 1 },
    { "classes", "班级数", 1 },
    { "contracted_mbps", "出口带宽", 0 },
    { "declared_student_computers", "学生用计算机", 0 },
    { "declared_teacher_computers", "教师用计算机", 0 },
    { NULL, NULL, 0 },
};

enum { C_SCHOOL, C_CLASS, C_NAME, C_GRADE, C_KIND, C_SUBNETS, C_VLAN };
static const struct regcol class_cols[] = {
    { "school", "学校代码", 1 },
    { "class", "班级代码", 1 },
    { "name", "班级名称", 1 },
    { "grade", "年级", 0 },
    { "kind", "类型", 1 },
    { "subnets", "网段", 0 },
    { "vlan", "VLAN", 0 },
    { NULL, NULL, 0 },
};

enum { A_SCHOOL, A_AREA, A_NAME, A_KIND, A_REQUIRED, A_APS };
static const struct regcol area_cols[] = {
    { "school", "学校代码", 1 },
    { "area", "区域代码", 1 },
    { "name", "名称", 1 },
    { "kind", "类型", 1 },
    { "required", "必须覆盖", 1 },
    { "aps", "AP", 0 },
    { NULL, NULL, 0 },
};

enum { I_SCHOOL, I_YEAR, I_ITEM, I_VALUE };
static const struct regcol inventory_cols[] = {
    { "school", "学校代码", 1 },
    { "year", "年度", 1 },
    { "item", "项目", 1 },
    { "value", "数值", 1 },
    { NULL, NULL, 0 },
};

enum { L_SCHOOL, L_LINK, L_ROLE, L_TARGET, L_INTERFACE };
static const struct regcol link_cols[] = {
    { "school", "学校代码", 1 },
    { "link", "链路代码", 1 },
    { "role", "用途", 1 },
    { "target", "设备", 0 },
    { "interface", "接口", 1 },
    { NULL, NULL, 0 },
};

static const struct word link_roles[] = {
    { "wan", { "出口", "互联网出口", NULL } },
    { "uplink", { "到校", "上联", "接入链路", NULL } },
    { "class_access", { "到班", "班级接入", NULL } },
    { "backbone", { "主干", "校园主干", NULL } },
    { NULL, { NULL } },
};

struct imp {
    struct regsheet sh;
    struct storage_regimp *tx;
    struct registry_result *res;
    int dberr;
};

/* Notes a store error (already logged by the store): the import goes on
 * validating, to report every bad row, but will not commit. */
static int
dbcheck(struct imp *im, int rc)
{
    if (rc < 0)
        im->dberr = 1;
    return rc;
}

/* Lists (school, key) for this file; 0 when new, non-zero (reported when
 * a duplicate) when the row must be skipped. */
static int
list_once(struct imp *im, const char *school, const char *key)
{
    return dbcheck(im, storage_regimp_list(im->tx, school, key));
}

static void
count_put(struct imp *im, int rc, int existed)
{
    if (existed)
        im->res->updated++;
    else
        im->res->inserted++;
    dbcheck(im, rc);
}

static int
import_schools(struct imp *im)
{
    struct regsheet *sh = &im->sh;
    struct storage_reg_school row;
    long long n[3], contract = 0, dsc = 0, dtc = 0;
    const char *region, *type, *v;
    char list[160];
    int rc, i, nerr, hasc, hasdsc, hasdtc, existed;

    while ((rc = regsheet_next(sh)) == 1) {
        im->res->rows++;
        nerr = sh->nerr;
        if (!regsheet_is_ident(regsheet_get(sh, S_CODE)))
            regsheet_error(sh, S_CODE, "\"%s\" is not a school code "
                           "(1-64 of A-Z a-z 0-9 _ . : -)",
                           regsheet_get(sh, S_CODE));
        for (i = S_NAME; i <= S_DISTRICT; i++)
            if (!regsheet_is_label(regsheet_get(sh, i)))
                regsheet_error(sh, i, "must be 1-200 bytes of text "
                               "without control characters");
        region = lookup_word(regions, regsheet_get(sh, S_REGION));
        if (region == NULL)
            regsheet_error(sh, S_REGION, "\"%s\" is not one of %s",
                           regsheet_get(sh, S_REGION),
                           word_list(regions, list, sizeof(list)));
        type = lookup_word(types, regsheet_get(sh, S_TYPE));
        if (type == NULL)
            regsheet_error(sh, S_TYPE, "\"%s\" is not one of %s",
                           regsheet_get(sh, S_TYPE),
                           word_list(types, list, sizeof(list)));
        for (i = S_STUDENTS; i <= S_CLASSES; i++)
            if (regsheet_uint(regsheet_get(sh, i), 10000000,
                              &n[i - S_STUDENTS]) != 0)
                regsheet_error(sh, i, "\"%s\" is not a whole number "
                               "0-10000000", regsheet_get(sh, i));
        v = regsheet_get(sh, S_CONTRACT);
        hasc = v[0] != '\0';
        if (hasc && regsheet_milli(v, &contract) != 0)
            regsheet_error(sh, S_CONTRACT, "\"%s\" is not a bandwidth in "
                           "Mbit/s (e.g. 100 or 2.5)", v);
        v = regsheet_get(sh, S_DSC);
        hasdsc = v[0] != '\0';
        if (hasdsc && regsheet_uint(v, 10000000, &dsc) != 0)
            regsheet_error(sh, S_DSC, "\"%s\" is not a whole number", v);
        v = regsheet_get(sh, S_DTC);
        hasdtc = v[0] != '\0';
        if (hasdtc && regsheet_uint(v, 10000000, &dtc) != 0)
            regsheet_error(sh, S_DTC, "\"%s\" is not a whole number", v);
        if (sh->nerr != nerr || im->dberr)
            continue;
        if ((rc = list_once(im, regsheet_get(sh, S_CODE), "")) != 0) {
            if (rc == 1)
                regsheet_error(sh, S_CODE, "school \"%s\" appears twice in "
                               "the file", regsheet_get(sh, S_CODE));
            continue;
        }
        memset(&row, 0, sizeof(row));
        row.code = regsheet_get(sh, S_CODE);
        row.name = regsheet_get(sh, S_NAME);
        row.district = regsheet_get(sh, S_DISTRICT);
        row.region = region;
        row.type = type;
        row.students = n[0];
        row.teachers = n[1];
        row.classes = n[2];
        /* Stored in kbit/s so that 2.5 Mbit/s stays an exact integer. */
        row.has_contract = hasc;
        row.contracted_kbps = contract;
        row.has_student_computers = hasdsc;
        row.student_computers = dsc;
        row.has_teacher_computers = hasdtc;
        row.teacher_computers = dtc;
        row.updated = (int64_t)time(NULL);
        rc = storage_regimp_put_school(im->tx, &row, &existed);
        count_put(im, rc, existed);
    }
    return 0;
}

/* Checks a school code cell against the registry (which, inside the
 * transaction, already holds this import's own rows). */
static int
known_school(struct imp *im, int col)
{
    const char *code = im->sh.rd.nfields ? regsheet_get(&im->sh, col) : "";

    if (!regsheet_is_ident(code)) {
        regsheet_error(&im->sh, col, "\"%s\" is not a school code", code);
        return 0;
    }
    if (dbcheck(im, storage_regimp_has_school(im->tx, code)) <= 0) {
        regsheet_error(&im->sh, col, "school \"%s\" is not in the registry "
                       "(import schools first)", code);
        return 0;
    }
    return 1;
}

static int
check_subnets(struct regsheet *sh, const char *v, char *norm, size_t len)
{
    char buf[1024], *tok, *save = NULL, one[CIDR_STRLEN];
    struct cidr c;
    const char *why;
    size_t o = 0;

    snprintf(buf, sizeof(buf), "%s", v);
    norm[0] = '\0';
    for (tok = strtok_r(buf, " ;", &save); tok != NULL;
         tok = strtok_r(NULL, " ;", &save)) {
        if (cidr_parse(tok, &c, &why) != 0) {
            regsheet_error(sh, C_SUBNETS, "\"%s\": %s", tok, why);
            return -EINVAL;
        }
        cidr_format(&c, one, sizeof(one));
        o += (size_t)snprintf(norm + o, len > o ? len - o : 0, "%s%s",
                              o ? " " : "", one);
    }
    return 0;
}

/* The agent's class map refuses a prefix or VLAN that maps to two
 * classes, and drops a pushed map with errors: so within one school every
 * prefix and VLAN of the file is unique, checked here with the line of
 * the first use (the store keeps the first claimer of each key). */
static void
unique_nets(struct imp *im, const char *subnets, long long vlan)
{
    struct regsheet *sh = &im->sh;
    char buf[1024], key[64], holder[128], *tok, *save = NULL;
    int64_t line = (int64_t)sh->rd.fields[0].line, hline;
    int col;

    snprintf(buf, sizeof(buf), "%s", subnets);
    tok = strtok_r(buf, " ", &save);
    for (;;) {
        if (tok != NULL) {
            snprintf(key, sizeof(key), "net:%s", tok);
            col = C_SUBNETS;
        } else if (vlan > 0) {
            snprintf(key, sizeof(key), "vlan:%lld", vlan);
            col = C_VLAN;
            vlan = 0;
        } else {
            break;
        }
        if (dbcheck(im, storage_regimp_claim_net(im->tx,
                    regsheet_get(sh, C_SCHOOL), key,
                    regsheet_get(sh, C_CLASS), line, holder, sizeof(holder),
                    &hline)) == 0 && hline != line)
            regsheet_error(sh, col, "%s %s is already used by class \"%s\" "
                           "on line %lld (an agent cannot map it to two "
                           "classes)", col == C_VLAN ? "VLAN" : "prefix",
                           key + (col == C_VLAN ? 5 : 4), holder,
                           (long long)hline);
        if (tok != NULL)
            tok = strtok_r(NULL, " ", &save);
    }
}

/* Removes what a classes, areas or links file no longer lists. */
static void
prune(struct imp *im)
{
    int removed = 0;

    if (im->sh.nerr != 0 || im->dberr)
        return;
    dbcheck(im, storage_regimp_prune(im->tx, &removed));
    im->res->removed = removed;
}

static int
import_classes(struct imp *im)
{
    struct regsheet *sh = &im->sh;
    struct storage_reg_class row;
    const char *kind, *v;
    char list[160], subnets[1024];
    long long vlan = 0;
    int rc, nerr, hasvlan, existed;

    while ((rc = regsheet_next(sh)) == 1) {
        im->res->rows++;
        nerr = sh->nerr;
        known_school(im, C_SCHOOL);
        if (!regsheet_is_key(regsheet_get(sh, C_CLASS)))
            regsheet_error(sh, C_CLASS, "\"%s\" is not a class id (1-96 "
                           "bytes without , ; \" or control characters)",
                           regsheet_get(sh, C_CLASS));
        if (!regsheet_is_label(regsheet_get(sh, C_NAME)))
            regsheet_error(sh, C_NAME, "must be 1-200 bytes of text");
        v = regsheet_get(sh, C_GRADE);
        if (v[0] != '\0' && !regsheet_is_label(v))
            regsheet_error(sh, C_GRADE, "must be 1-200 bytes of text");
        kind = lookup_word(class_kinds, regsheet_get(sh, C_KIND));
        if (kind == NULL)
            regsheet_error(sh, C_KIND, "\"%s\" is not one of %s",
                           regsheet_get(sh, C_KIND),
                           word_list(class_kinds, list, sizeof(list)));
        check_subnets(sh, regsheet_get(sh, C_SUBNETS), subnets,
                      sizeof(subnets));
        v = regsheet_get(sh, C_VLAN);
        hasvlan = v[0] != '\0';
        if (hasvlan && (regsheet_uint(v, 4094, &vlan) != 0 || vlan < 1))
            regsheet_error(sh, C_VLAN, "\"%s\" is not a VLAN id 1-4094", v);
        if (!hasvlan && regsheet_get(sh, C_SUBNETS)[0] == '\0')
            regsheet_error(sh, C_SUBNETS, "a class needs subnets, a vlan, "
                           "or both");
        if (sh->nerr == nerr && !im->dberr)
            unique_nets(im, subnets, hasvlan ? vlan : 0);
        if (sh->nerr != nerr || im->dberr)
            continue;
        if ((rc = list_once(im, regsheet_get(sh, C_SCHOOL),
                            regsheet_get(sh, C_CLASS))) != 0) {
            if (rc == 1)
                regsheet_error(sh, C_CLASS, "class \"%s\" of school \"%s\" "
                               "appears twice in the file",
                               regsheet_get(sh, C_CLASS),
                               regsheet_get(sh, C_SCHOOL));
            continue;
        }
        row.school = regsheet_get(sh, C_SCHOOL);
        row.class_id = regsheet_get(sh, C_CLASS);
        row.name = regsheet_get(sh, C_NAME);
        row.grade = regsheet_get(sh, C_GRADE);
        row.kind = kind;
        row.subnets = subnets;
        row.has_vlan = hasvlan;
        row.vlan = vlan;
        rc = storage_regimp_put_class(im->tx, &row, &existed);
        count_put(im, rc, existed);
    }
    prune(im);
    return 0;
}

static int
check_aps(struct regsheet *sh, const char *v)
{
    for (; *v != '\0'; v++) {
        if ((unsigned char)*v < 0x20 || *v == ',' || *v == '"') {
            regsheet_error(sh, A_APS, "AP names may not hold commas, quotes "
                           "or control characters (separate APs with ;)");
            return -EINVAL;
        }
    }
    return 0;
}

static int
import_areas(struct imp *im)
{
    struct regsheet *sh = &im->sh;
    struct storage_reg_area row;
    const char *kind;
    char list[160];
    int rc, nerr, req = 0, existed;

    while ((rc = regsheet_next(sh)) == 1) {
        im->res->rows++;
        nerr = sh->nerr;
        known_school(im, A_SCHOOL);
        if (!regsheet_is_key(regsheet_get(sh, A_AREA)))
            regsheet_error(sh, A_AREA, "\"%s\" is not an area id (1-96 "
                           "bytes without , ; \" or control characters)",
                           regsheet_get(sh, A_AREA));
        if (!regsheet_is_label(regsheet_get(sh, A_NAME)))
            regsheet_error(sh, A_NAME, "must be 1-200 bytes of text");
        kind = lookup_word(area_kinds, regsheet_get(sh, A_KIND));
        if (kind == NULL)
            regsheet_error(sh, A_KIND, "\"%s\" is not one of %s",
                           regsheet_get(sh, A_KIND),
                           word_list(area_kinds, list, sizeof(list)));
        if (parse_bool(regsheet_get(sh, A_REQUIRED), &req) != 0)
            regsheet_error(sh, A_REQUIRED, "\"%s\" is not yes or no",
                           regsheet_get(sh, A_REQUIRED));
        check_aps(sh, regsheet_get(sh, A_APS));
        if (sh->nerr != nerr || im->dberr)
            continue;
        if ((rc = list_once(im, regsheet_get(sh, A_SCHOOL),
                            regsheet_get(sh, A_AREA))) != 0) {
            if (rc == 1)
                regsheet_error(sh, A_AREA, "area \"%s\" of school \"%s\" "
                               "appears twice in the file",
                               regsheet_get(sh, A_AREA),
                               regsheet_get(sh, A_SCHOOL));
            continue;
        }
        row.school = regsheet_get(sh, A_SCHOOL);
        row.area = regsheet_get(sh, A_AREA);
        row.name = regsheet_get(sh, A_NAME);
        row.kind = kind;
        row.required = req;
        row.aps = regsheet_get(sh, A_APS);
        rc = storage_regimp_put_area(im->tx, &row, &existed);
        count_put(im, rc, existed);
    }
    prune(im);
    return 0;
}

static int
import_inventory(struct imp *im)
{
    struct regsheet *sh = &im->sh;
    struct storage_reg_inventory row;
    long long year = 0, milli = 0;
    char key[96];
    int rc, nerr, existed;

    while ((rc = regsheet_next(sh)) == 1) {
        im->res->rows++;
        nerr = sh->nerr;
        known_school(im, I_SCHOOL);
        if (regsheet_uint(regsheet_get(sh, I_YEAR), 2200, &year) != 0 ||
            year < 2000)
            regsheet_error(sh, I_YEAR, "\"%s\" is not a year",
                           regsheet_get(sh, I_YEAR));
        if (!regsheet_is_ident(regsheet_get(sh, I_ITEM)))
            regsheet_error(sh, I_ITEM, "\"%s\" is not an item name",
                           regsheet_get(sh, I_ITEM));
        if (regsheet_milli(regsheet_get(sh, I_VALUE), &milli) != 0)
            regsheet_error(sh, I_VALUE, "\"%s\" is not a number >= 0",
                           regsheet_get(sh, I_VALUE));
        if (sh->nerr != nerr || im->dberr)
            continue;
        snprintf(key, sizeof(key), "%lld/%s", year, regsheet_get(sh, I_ITEM));
        if ((rc = list_once(im, regsheet_get(sh, I_SCHOOL), key)) != 0) {
            if (rc == 1)
                regsheet_error(sh, I_ITEM, "appears twice in the file");
            continue;
        }
        row.school = regsheet_get(sh, I_SCHOOL);
        row.year = year;
        row.item = regsheet_get(sh, I_ITEM);
        row.value = (double)milli / 1000.0;
        rc = storage_regimp_put_inventory(im->tx, &row, &existed);
        count_put(im, rc, existed);
    }
    return 0;
}

static int
import_links(struct imp *im)
{
    struct regsheet *sh = &im->sh;
    struct storage_reg_link row;
    const char *role, *target;
    char list[160];
    int rc, nerr, existed;

    while ((rc = regsheet_next(sh)) == 1) {
        im->res->rows++;
        nerr = sh->nerr;
        known_school(im, L_SCHOOL);
        if (!regsheet_is_key(regsheet_get(sh, L_LINK)))
            regsheet_error(sh, L_LINK, "\"%s\" is not a link id",
                           regsheet_get(sh, L_LINK));
        role = lookup_word(link_roles, regsheet_get(sh, L_ROLE));
        if (role == NULL)
            regsheet_error(sh, L_ROLE, "\"%s\" is not one of %s",
                           regsheet_get(sh, L_ROLE),
                           word_list(link_roles, list, sizeof(list)));
        target = regsheet_get(sh, L_TARGET);
        if (target[0] == '\0')
            target = "*";
        if (!regsheet_is_label(target))
            regsheet_error(sh, L_TARGET, "must be 1-200 bytes of text");
        if (!regsheet_is_label(regsheet_get(sh, L_INTERFACE)))
            regsheet_error(sh, L_INTERFACE, "must be 1-200 bytes of text "
                           "(ifName, ifAlias or a glob)");
        if (sh->nerr != nerr || im->dberr)
            continue;
        if ((rc = list_once(im, regsheet_get(sh, L_SCHOOL),
                            regsheet_get(sh, L_LINK))) != 0) {
            if (rc == 1)
                regsheet_error(sh, L_LINK, "link \"%s\" of school \"%s\" "
                               "appears twice in the file",
                               regsheet_get(sh, L_LINK),
                               regsheet_get(sh, L_SCHOOL));
            continue;
        }
        row.school = regsheet_get(sh, L_SCHOOL);
        row.link = regsheet_get(sh, L_LINK);
        row.role = role;
        row.target = target;
        row.interface = regsheet_get(sh, L_INTERFACE);
        rc = storage_regimp_put_link(im->tx, &row, &existed);
        count_put(im, rc, existed);
    }
    prune(im);
    return 0;
}

int
registry_parse_kind(const char *s, enum registry_kind *out)
{
    if (strcmp(s, "schools") == 0)
        *out = REGISTRY_SCHOOLS;
    else if (strcmp(s, "classes") == 0)
        *out = REGISTRY_CLASSES;
    else if (strcmp(s, "areas") == 0)
        *out = REGISTRY_AREAS;
    else if (strcmp(s, "inventory") == 0)
        *out = REGISTRY_INVENTORY;
    else if (strcmp(s, "links") == 0)
        *out = REGISTRY_LINKS;
    else
        return -EINVAL;
    return 0;
}

static int
import(struct storage *st, enum registry_kind kind, const char *name,
       const char *path, const char *data, size_t len, enum textconv_enc enc,
       FILE *errs, struct registry_result *res)
{
    static const struct regcol *cols[] = {
        [REGISTRY_SCHOOLS] = school_cols,
        [REGISTRY_CLASSES] = class_cols,
        [REGISTRY_AREAS] = area_cols,
        [REGISTRY_INVENTORY] = inventory_cols,
        [REGISTRY_LINKS] = link_cols,
    };
    static const enum storage_reg_kind kinds[] = {
        [REGISTRY_SCHOOLS] = STORAGE_REG_SCHOOLS,
        [REGISTRY_CLASSES] = STORAGE_REG_CLASSES,
        [REGISTRY_AREAS] = STORAGE_REG_AREAS,
        [REGISTRY_INVENTORY] = STORAGE_REG_INVENTORY,
        [REGISTRY_LINKS] = STORAGE_REG_LINKS,
    };
    struct imp im;
    int rc;

    memset(res, 0, sizeof(*res));
    memset(&im, 0, sizeof(im));
    im.res = res;
    rc = regsheet_open(&im.sh, name, path, data, len, enc, cols[kind], errs);
    if (rc != 0)
        goto out;
    res->encoding = im.sh.encoding;
    if (storage_regimp_begin(st, kinds[kind], &im.tx) != 0) {
        rc = -EIO;
        goto out;
    }
    /* After a header error every row would fail the same way: stop. */
    switch (im.sh.nerr > 0 ? -1 : (int)kind) {
    case REGISTRY_SCHOOLS:
        import_schools(&im);
        break;
    case REGISTRY_CLASSES:
        import_classes(&im);
        break;
    case REGISTRY_AREAS:
        import_areas(&im);
        break;
    case REGISTRY_INVENTORY:
        import_inventory(&im);
        break;
    case REGISTRY_LINKS:
        import_links(&im);
        break;
    default:
        break;
    }
    if (im.sh.nerr == 0 && !im.dberr) {
        rc = storage_regimp_commit(im.tx);  /* a failure is logged */
        im.tx = NULL;
        if (rc == 0)
            goto out;
    } else {
        storage_regimp_rollback(im.tx);
        im.tx = NULL;
    }
    rc = im.dberr || im.sh.nerr == 0 ? -EIO : -EINVAL;
    if (rc == -EINVAL)
        fprintf(im.sh.errs, "%s: %d error%s; nothing imported\n", name,
                im.sh.nerr, im.sh.nerr == 1 ? "" : "s");
out:
    if (rc != 0 && rc != -EINVAL && rc != -EIO && rc != -ENOENT)
        rc = rc == -ENOMEM ? rc : -EIO;
    regsheet_close(&im.sh);
    return rc;
}

int
registry_import_file(struct storage *st, enum registry_kind kind,
                     const char *path, enum textconv_enc enc, FILE *errs,
                     struct registry_result *res)
{
    return import(st, kind, path, path, NULL, 0, enc, errs, res);
}

int
registry_import_buf(struct storage *st, enum registry_kind kind,
                    const char *name, const char *data, size_t len,
                    enum textconv_enc enc, FILE *errs,
                    struct registry_result *res)
{
    return import(st, kind, name, NULL, data, len, enc, errs, res);
}

/* ------------------------------------------------------------------ */
/* maps for the agents                                                 */

/* The map being written: one line per prefix/VLAN or per AP. */
static int
class_line(void *arg, const struct storage_reg_class_net *c)
{
    FILE *f = arg;
    char buf[1024], *tok, *save = NULL;

    snprintf(buf, sizeof(buf), "%s", c->subnets);
    for (tok = strtok_r(buf, " ", &save); tok != NULL;
         tok = strtok_r(NULL, " ", &save)) {
        trim(tok);
        if (*tok != '\0')
            fprintf(f, "%s,%s\n", c->class_id, tok);
    }
    if (c->has_vlan)
        fprintf(f, "%s,vlan:%d\n", c->class_id, c->vlan);
    return 0;
}

static int
area_line(void *arg, const struct storage_reg_area_aps *a)
{
    FILE *f = arg;
    char buf[1024], *tok, *save = NULL;
    int emitted = 0;

    snprintf(buf, sizeof(buf), "%s", a->aps);
    for (tok = strtok_r(buf, ";", &save); tok != NULL;
         tok = strtok_r(NULL, ";", &save)) {
        trim(tok);
        if (*tok == '\0')
            continue;
        fprintf(f, "%s,%d,%s\n", a->area, a->required, tok);
        emitted = 1;
    }
    if (!emitted)
        fprintf(f, "%s,%d,\n", a->area, a->required);
    return 0;
}

static int
map_text(struct storage *st, const char *school, int area, char **out)
{
    char *p = NULL;
    size_t len = 0;
    FILE *f;
    int rc;

    *out = NULL;
    f = open_memstream(&p, &len);
    if (f == NULL)
        return -ENOMEM;
    if (area)
        rc = storage_reg_each_area_aps(st, school, area_line, f);
    else
        rc = storage_reg_each_class_net(st, school, class_line, f);
    if (fclose(f) != 0 || p == NULL) {
        free(p);
        return -ENOMEM;
    }
    if (rc != 0) {
        free(p);
        return -EIO;
    }
    *out = p;
    return 0;
}

int
registry_class_map(struct storage *st, const char *school, char **out)
{
    return map_text(st, school, 0, out);
}

int
registry_area_map(struct storage *st, const char *school, char **out)
{
    return map_text(st, school, 1, out);
}
