/* cli_compliance: see cli_compliance.h. Argument handling only; the work
 * is in registry, calendar, packs, evaluate and report. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "cli_compliance.h"
#include "evaluate.h"
#include "log.h"
#include "packs.h"
#include "registry.h"
#include "report.h"
#include "storage.h"
#include "textconv.h"

enum { O_DB = 256, O_ENCODING, O_PACK, O_YEAR, O_DISTRICT, O_VERSION,
       O_MIN_DAYS, O_STALE_DAYS, O_NOW, O_FORMAT, O_LANG, O_OUTPUT,
       O_SUMMARY, O_EVALUATE, O_HELP };

static const struct option long_opts[] = {
    { "db", required_argument, NULL, O_DB },
    { "encoding", required_argument, NULL, O_ENCODING },
    { "pack", required_argument, NULL, O_PACK },
    { "year", required_argument, NULL, O_YEAR },
    { "district", required_argument, NULL, O_DISTRICT },
    { "version", required_argument, NULL, O_VERSION },
    { "min-days", required_argument, NULL, O_MIN_DAYS },
    { "stale-days", required_argument, NULL, O_STALE_DAYS },
    { "now", required_argument, NULL, O_NOW },
    { "format", required_argument, NULL, O_FORMAT },
    { "lang", required_argument, NULL, O_LANG },
    { "output", required_argument, NULL, O_OUTPUT },
    { "summary-output", required_argument, NULL, O_SUMMARY },
    { "evaluate", no_argument, NULL, O_EVALUATE },
    { "help", no_argument, NULL, O_HELP },
    { NULL, 0, NULL, 0 },
};

struct args {
    const char *db, *pack, *district, *version, *output, *summary;
    enum textconv_enc enc;
    int enc_set;
    int year, min_days, stale_days, zh, evaluate, help;
    int64_t now;
    int npos;
    char *pos[4];
};

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: classband-collector import schools|classes|areas|inventory|links "
        "FILE --db DB [--encoding auto|utf-8|gbk]\n"
        "       classband-collector calendar load FILE --db DB\n"
        "       classband-collector pack load FILE --db DB\n"
        "       classband-collector pack check FILE\n"
        "       classband-collector evaluate --pack P --year Y [--district D] "
        "--db DB [--version V] [--min-days N] [--stale-days N] [--now T]\n"
        "       classband-collector report --pack P --year Y [--district D] "
        "--format csv [--lang zh|en] [--encoding utf-8|gbk] "
        "[--output FILE] [--summary-output FILE] --db DB [--evaluate]\n"
        "       classband-collector registry map SCHOOL --db DB\n"
        "Formats: docs/COMPLIANCE.md\n");
}

static int
parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

static int
parse_now(const char *s, int64_t *out)
{
    int y, m, d, n = 0;
    char *end;
    long long v;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && s[n] == '\0') {
        struct calendar c;

        calendar_default(&c);
        *out = calendar_day_start(&c, calendar_civil_day(y, m, d));
        return 0;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < 0)
        return -EINVAL;
    *out = v;
    return 0;
}

/* Parses argv into a; returns 0, or 2 after printing a usage error. */
static int
parse(int argc, char **argv, struct args *a)
{
    int c;

    memset(a, 0, sizeof(*a));
    a->enc = TEXTCONV_AUTO;
    a->min_days = EVALUATE_MIN_DAYS;
    a->stale_days = EVALUATE_STALE_DAYS;
    a->now = (int64_t)time(NULL);
    optind = 0;     /* GNU: restart scanning for this argv */
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case O_DB:
            a->db = optarg;
            break;
        case O_ENCODING:
            if (textconv_parse_encoding(optarg, &a->enc) != 0) {
                fprintf(stderr, "%s: --encoding: \"%s\" is not auto, utf-8 "
                        "or gbk\n", argv[0], optarg);
                return 2;
            }
            a->enc_set = 1;
            break;
        case O_PACK:
            a->pack = optarg;
            break;
        case O_YEAR:
            if (parse_int(optarg, 2000, 2100, &a->year) != 0) {
                fprintf(stderr, "%s: --year: \"%s\" is not a year\n",
                        argv[0], optarg);
                return 2;
            }
            break;
        case O_DISTRICT:
            a->district = optarg;
            break;
        case O_VERSION:
            a->version = optarg;
            break;
        case O_MIN_DAYS:
            if (parse_int(optarg, 1, 366, &a->min_days) != 0) {
                fprintf(stderr, "%s: --min-days: 1-366\n", argv[0]);
                return 2;
            }
            break;
        case O_STALE_DAYS:
            if (parse_int(optarg, 1, 366, &a->stale_days) != 0) {
                fprintf(stderr, "%s: --stale-days: 1-366\n", argv[0]);
                return 2;
            }
            break;
        case O_NOW:
            if (parse_now(optarg, &a->now) != 0) {
                fprintf(stderr, "%s: --now: unix seconds or YYYY-MM-DD\n",
                        argv[0]);
                return 2;
            }
            break;
        case O_FORMAT:
            if (strcmp(optarg, "csv") != 0) {
                fprintf(stderr, "%s: --format: only csv\n", argv[0]);
                return 2;
            }
            break;
        case O_LANG:
            if (strcmp(optarg, "zh") == 0)
                a->zh = 1;
            else if (strcmp(optarg, "en") == 0)
                a->zh = 0;
            else {
                fprintf(stderr, "%s: --lang: zh or en\n", argv[0]);
                return 2;
            }
            break;
        case O_OUTPUT:
            a->output = optarg;
            break;
        case O_SUMMARY:
            a->summary = optarg;
            break;
        case O_EVALUATE:
            a->evaluate = 1;
            break;
        case 'h':
        case O_HELP:
            a->help = 1;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    while (optind < argc) {
        if (a->npos == 4) {
            usage(stderr);
            return 2;
        }
        a->pos[a->npos++] = argv[optind++];
    }
    return 0;
}

static int
open_db(const struct args *a, struct storage **st)
{
    if (a->db == NULL) {
        fprintf(stderr, "classband-collector: --db FILE is required\n");
        return 2;
    }
    log_init("classband-collector", 0, 0);
    if (storage_open(a->db, st) != 0)
        return 1;
    return 0;
}

int
cli_import(int argc, char **argv)
{
    struct args a;
    struct storage *st;
    struct registry_result res;
    enum registry_kind kind;
    int rc;

    if ((rc = parse(argc, argv, &a)) != 0)
        return rc;
    if (a.help) {
        usage(stdout);
        return 0;
    }
    if (a.npos != 2 || registry_parse_kind(a.pos[0], &kind) != 0) {
        usage(stderr);
        return 2;
    }
    if ((rc = open_db(&a, &st)) != 0)
        return rc;
    rc = registry_import_file(st, kind, a.pos[1], a.enc, stderr, &res);
    storage_close(st);
    if (rc != 0)
        return 1;
    printf("%s: %d rows (%s): %d new, %d updated, %d removed\n", a.pos[1],
           res.rows, textconv_encoding_name(res.encoding), res.inserted,
           res.updated, res.removed);
    return 0;
}

int
cli_calendar(int argc, char **argv)
{
    struct args a;
    struct storage *st;
    struct calendar cal;
    int rc;

    if ((rc = parse(argc, argv, &a)) != 0)
        return rc;
    if (a.help) {
        usage(stdout);
        return 0;
    }
    if (a.npos != 2 || strcmp(a.pos[0], "load") != 0) {
        usage(stderr);
        return 2;
    }
    if (calendar_parse_file(a.pos[1], &cal, stderr) != 0)
        return 1;
    if ((rc = open_db(&a, &st)) != 0) {
        calendar_free(&cal);
        return rc;
    }
    rc = calendar_store(st, &cal);
    storage_close(st);
    if (rc == 0)
        printf("%s: calendar for %s: %zu holiday/extra days\n", a.pos[1],
               cal.district[0] ? cal.district : "all districts (default)",
               cal.nexc);
    calendar_free(&cal);
    return rc == 0 ? 0 : 1;
}

int
cli_pack(int argc, char **argv)
{
    struct args a;
    struct storage *st;
    char *name = NULL, *version = NULL;
    int rc, n = 0, already = 0;

    if ((rc = parse(argc, argv, &a)) != 0)
        return rc;
    if (a.help) {
        usage(stdout);
        return 0;
    }
    if (a.npos != 2 ||
        (strcmp(a.pos[0], "load") != 0 && strcmp(a.pos[0], "check") != 0)) {
        usage(stderr);
        return 2;
    }
    if (strcmp(a.pos[0], "check") == 0) {
        rc = packs_check_file(a.pos[1], a.enc, stderr, &n);
        if (rc == 0)
            printf("%s: %d rules, valid\n", a.pos[1], n);
        return rc == 0 ? 0 : 1;
    }
    if ((rc = open_db(&a, &st)) != 0)
        return rc;
    rc = packs_load_file(st, a.pos[1], a.enc, stderr, &name, &version, &n,
                         &already);
    storage_close(st);
    if (rc == 0)
        printf("%s: pack %s version %s: %d rules%s\n", a.pos[1], name,
               version, n, already ? " (already loaded, unchanged)" : "");
    free(name);
    free(version);
    return rc == 0 ? 0 : 1;
}

static int
need_pack_year(const struct args *a)
{
    if (a->pack == NULL || a->year == 0) {
        fprintf(stderr, "classband-collector: --pack and --year are "
                "required\n");
        usage(stderr);
        return 2;
    }
    if (a->npos != 0) {
        usage(stderr);
        return 2;
    }
    return 0;
}

static int
run_evaluation(struct storage *st, const struct args *a, int64_t *id)
{
    struct evaluate_params p = {
        .pack = a->pack, .version = a->version, .year = a->year,
        .district = a->district, .min_days = a->min_days,
        .stale_days = a->stale_days, .now = a->now,
    };

    return evaluate_run(st, &p, stderr, id);
}

int
cli_evaluate(int argc, char **argv)
{
    struct args a;
    struct storage *st;
    int64_t id;
    int rc;

    if ((rc = parse(argc, argv, &a)) != 0)
        return rc;
    if (a.help) {
        usage(stdout);
        return 0;
    }
    if ((rc = need_pack_year(&a)) != 0)
        return rc;
    if ((rc = open_db(&a, &st)) != 0)
        return rc;
    rc = run_evaluation(st, &a, &id);
    if (rc == 0)
        rc = evaluate_print(st, id, stdout);
    storage_close(st);
    return rc == 0 ? 0 : 1;
}

int
cli_report(int argc, char **argv)
{
    struct args a;
    struct storage *st;
    struct report_opts o;
    int64_t id = 0;
    int rc;

    if ((rc = parse(argc, argv, &a)) != 0)
        return rc;
    if (a.help) {
        usage(stdout);
        return 0;
    }
    if ((rc = need_pack_year(&a)) != 0)
        return rc;
    if (a.enc_set && a.enc == TEXTCONV_AUTO) {
        fprintf(stderr, "report: --encoding is utf-8 or gbk\n");
        return 2;
    }
    if ((rc = open_db(&a, &st)) != 0)
        return rc;
    /* The stored evaluation is the record; evaluate only when there is
     * none yet, or when asked to. */
    rc = a.evaluate ? -ENOENT
                    : evaluate_latest(st, a.pack, a.year, a.district, &id);
    if (rc == -ENOENT)
        rc = run_evaluation(st, &a, &id);
    if (rc == 0) {
        memset(&o, 0, sizeof(o));
        o.zh = a.zh;
        o.encoding = a.enc == TEXTCONV_GBK ? TEXTCONV_GBK : TEXTCONV_UTF8;
        o.output = a.output;
        o.summary_output = a.summary;
        rc = report_write(st, id, &o, stderr);
    }
    storage_close(st);
    if (rc == 0 && a.output != NULL)
        fprintf(stderr, "report: evaluation %lld written to %s%s%s\n",
                (long long)id, a.output, a.summary ? " and " : "",
                a.summary ? a.summary : "");
    return rc == 0 ? 0 : 1;
}

int
cli_registry(int argc, char **argv)
{
    struct args a;
    struct storage *st;
    char *cm = NULL, *am = NULL;
    int rc;

    if ((rc = parse(argc, argv, &a)) != 0)
        return rc;
    if (a.help) {
        usage(stdout);
        return 0;
    }
    if (a.npos != 2 || strcmp(a.pos[0], "map") != 0) {
        usage(stderr);
        return 2;
    }
    if ((rc = open_db(&a, &st)) != 0)
        return rc;
    rc = registry_class_map(st, a.pos[1], &cm);
    if (rc == 0)
        rc = registry_area_map(st, a.pos[1], &am);
    storage_close(st);
    if (rc == 0)
        printf("# class map\n%s# area map\n%s", cm, am);
    free(cm);
    free(am);
    return rc == 0 ? 0 : 1;
}
