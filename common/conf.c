/* conf: see conf.h. A line is tokenised in place into argv (quotes and
 * escapes removed), then looked up in the key table. Scalars may appear
 * once; a repeated scalar is an error, since the later line silently
 * winning is how operators lose a setting. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "conf.h"

int
conf_parse_u64(const char *s, unsigned long long min, unsigned long long max,
               unsigned long long *out)
{
    unsigned long long v, mult = 1;
    char *end;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    if (end == s)
        return -EINVAL;
    if (*end != '\0') {
        switch (*end) {
        case 'k': case 'K': mult = 1024ULL; break;
        case 'M': mult = 1024ULL * 1024; break;
        case 'G': mult = 1024ULL * 1024 * 1024; break;
        default: return -EINVAL;
        }
        if (end[1] != '\0')
            return -EINVAL;
        if (v > ULLONG_MAX / mult)
            return -ERANGE;
        v *= mult;
    }
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int
conf_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"yes", "on", "true", "1"};
    static const char *const no[] = {"no", "off", "false", "0"};
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -EINVAL;
}

/* Splits line in place. Returns argc, or -1 with *why set. */
static int
tokenize(char *line, char **argv, const char **why)
{
    char *r = line, *w;
    int argc = 0;

    for (;;) {
        while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
            r++;
        if (*r == '\0' || *r == '#')
            return argc;
        if (argc == CONF_MAX_ARGS) {
            *why = "too many arguments";
            return -1;
        }
        argv[argc++] = w = r;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '\0') {
                    *why = "unterminated quoted string";
                    return -1;
                }
                if (*r == '"') {
                    r++;
                    break;
                }
                if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
                    r++;
                *w++ = *r++;
            }
            if (*r != '\0' && *r != ' ' && *r != '\t' && *r != '\r' &&
                *r != '\n') {
                *why = "text after closing quote";
                return -1;
            }
        } else {
            while (*r != '\0' && *r != ' ' && *r != '\t' && *r != '\r' &&
                   *r != '\n' && *r != '#')
                *w++ = *r++;
        }
        if (*r == '#') {
            *w = '\0';
            return argc;
        }
        if (*r != '\0')
            r++;
        *w = '\0';
    }
}

static int apply_value(const struct conf_key *k, void *obj, char **argv,
                       char *err, size_t errlen);

static int
apply(const struct conf_key *k, void *obj, int argc, char **argv,
      unsigned char *seen, char *err, size_t errlen)
{
    if (k->type == CONF_FUNC)
        return k->fn(obj, argc, argv, err, errlen);
    if (*seen) {
        snprintf(err, errlen, "%s: given more than once", k->name);
        return -1;
    }
    if (argc != 2) {
        snprintf(err, errlen, "%s: takes exactly one value", k->name);
        return -1;
    }
    if (apply_value(k, obj, argv, err, errlen) != 0)
        return -1;
    *seen = 1;
    return 0;
}

static int
apply_value(const struct conf_key *k, void *obj, char **argv, char *err,
            size_t errlen)
{
    unsigned long long v;
    int b, rc;
    char **sp;

    switch (k->type) {
    case CONF_STR:
        sp = (char **)(void *)((char *)obj + k->off);
        free(*sp);
        *sp = strdup(argv[1]);
        if (*sp == NULL) {
            snprintf(err, errlen, "%s: out of memory", k->name);
            return -1;
        }
        return 0;
    case CONF_UINT:
    case CONF_U64:
        rc = conf_parse_u64(argv[1], k->min, k->max, &v);
        if (rc == -ERANGE) {
            snprintf(err, errlen, "%s: %s is outside %llu..%llu", k->name,
                     argv[1], k->min, k->max);
            return -1;
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s: %s is not a number", k->name,
                     argv[1]);
            return -1;
        }
        if (k->type == CONF_UINT)
            *(unsigned *)(void *)((char *)obj + k->off) = (unsigned)v;
        else
            *(uint64_t *)(void *)((char *)obj + k->off) = v;
        return 0;
    case CONF_BOOL:
        if (conf_parse_bool(argv[1], &b) != 0) {
            snprintf(err, errlen, "%s: %s is not yes or no", k->name,
                     argv[1]);
            return -1;
        }
        *(int *)(void *)((char *)obj + k->off) = b;
        return 0;
    default:
        snprintf(err, errlen, "%s: bad key table", k->name);
        return -1;
    }
}

int
conf_parse_string(const char *name, const char *text,
                  const struct conf_key *keys, void *obj, FILE *errs)
{
    char line[CONF_MAX_LINE + 2], err[512];
    char *argv[CONF_MAX_ARGS + 1];
    const char *p = text, *nl, *why;
    unsigned char seen[256] = {0};
    size_t n, nkeys = 0;
    int errors = 0, lineno = 0, argc;
    const struct conf_key *k;

    if (errs == NULL)
        errs = stderr;
    while (keys[nkeys].name != NULL && nkeys < sizeof(seen))
        nkeys++;
    /* A UTF-8 BOM from Windows editors is not part of the first key. */
    if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (*p != '\0') {
        lineno++;
        nl = strchr(p, '\n');
        n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > CONF_MAX_LINE) {
            fprintf(errs, "%s:%d: line longer than %d bytes\n", name, lineno,
                    CONF_MAX_LINE);
            errors++;
            p += n + (nl != NULL);
            continue;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (nl != NULL);
        if (memchr(line, '\0', n) != NULL) {
            fprintf(errs, "%s:%d: NUL byte in line\n", name, lineno);
            errors++;
            continue;
        }
        why = NULL;
        argc = tokenize(line, argv, &why);
        if (argc < 0) {
            fprintf(errs, "%s:%d: %s\n", name, lineno, why);
            errors++;
            continue;
        }
        if (argc == 0)
            continue;
        argv[argc] = NULL;
        for (k = keys; k->name != NULL; k++)
            if (strcmp(k->name, argv[0]) == 0)
                break;
        if (k->name == NULL) {
            fprintf(errs, "%s:%d: unknown key \"%s\"\n", name, lineno,
                    argv[0]);
            errors++;
            continue;
        }
        err[0] = '\0';
        if (apply(k, obj, argc, argv, &seen[k - keys], err, sizeof(err)) !=
            0) {
            fprintf(errs, "%s:%d: %s\n", name, lineno,
                    err[0] ? err : "invalid value");
            errors++;
        }
    }
    return errors;
}

int
conf_parse_file(const char *path, const struct conf_key *keys, void *obj,
                FILE *errs)
{
    FILE *f;
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    int rc;

    if (errs == NULL)
        errs = stderr;
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(errs, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (cap - len < 4096) {
            char *t;
            if (cap > (16u << 20)) {
                fprintf(errs, "%s: larger than 16 MiB\n", path);
                free(text);
                fclose(f);
                return -1;
            }
            cap = cap ? cap * 2 : 8192;
            t = realloc(text, cap + 1);
            if (t == NULL) {
                fprintf(errs, "%s: out of memory\n", path);
                free(text);
                fclose(f);
                return -1;
            }
            text = t;
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(errs, "%s: read error\n", path);
        free(text);
        fclose(f);
        return -1;
    }
    fclose(f);
    text[len] = '\0';
    if (strlen(text) != len) {
        fprintf(errs, "%s: holds a NUL byte; not a text file\n", path);
        free(text);
        return -1;
    }
    rc = conf_parse_string(path, text, keys, obj, errs);
    free(text);
    return rc;
}

int
conf_check_private(const char *path, FILE *errs)
{
    struct stat sb;

    if (errs == NULL)
        errs = stderr;
    if (stat(path, &sb) != 0) {
        fprintf(errs, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    /* group access is the packaged root:classband 0640 setup; only "other"
     * users are refused */
    if (sb.st_mode & (S_IROTH | S_IWOTH)) {
        fprintf(errs, "%s: holds secrets but is readable or writable by "
                      "other users (mode %04o); chmod 600 (or 640 with the "
                      "service's group)\n", path,
                (unsigned)(sb.st_mode & 07777));
        return -1;
    }
    return 0;
}
