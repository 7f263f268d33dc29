/* report: see report.h. The CSV is built in memory in UTF-8 and converted
 * once at the end, so the GBK path is the same code plus one iconv. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "evaluate.h"
#include "log.h"
#include "report.h"
#include "storage_eval.h"

struct tr {
    const char *key, *en, *zh;
};

static const struct tr words[] = {
    { "meets", "meets", "达标" },
    { "fails", "fails", "未达标" },
    { "insufficient_data", "insufficient data", "数据不足" },
    { "not_reporting", "not reporting", "未上报" },
    { "no_data", "no data", "无数据" },
    { "pass", "pass", "通过" },
    { "fail", "fail", "未通过" },
    { "undetermined", "undetermined", "待定" },
    { "no_schools", "no schools in scope", "无适用学校" },
    { "urban", "urban", "市区" },
    { "county", "county", "县(市)" },
    { "township", "township", "乡镇" },
    { "village", "village", "村" },
    { "primary", "primary", "小学" },
    { "junior", "junior secondary", "初中" },
    { "senior", "senior secondary", "高中" },
    { "vocational", "vocational", "中职" },
    { "kindergarten", "kindergarten", "幼儿园" },
    { "teaching_point", "teaching point", "教学点" },
    { "contracted", "contracted", "合同带宽" },
    { "measured", "measured", "实测" },
    { "declared", "declared", "申报" },
    { "snmp", "SNMP", "SNMP" },
    { "link speed", "link speed", "链路速率" },
    { "probe", "probe", "带宽探测" },
    { "egress_capacity_mbps", "egress capacity (Mbit/s)", "出口带宽(Mbit/s)" },
    { "egress_mbps_per_class", "egress per class (Mbit/s)",
      "班均出口带宽(Mbit/s)" },
    { "class_p95_down_mbps", "class p95 download (Mbit/s)",
      "班级下行P95(Mbit/s)" },
    { "class_peak_down_mbps", "class peak download (Mbit/s)",
      "班级下行峰值(Mbit/s)" },
    { "wifi_coverage_pct", "Wi-Fi coverage (%)", "无线覆盖率(%)" },
    { "wifi_full_coverage", "full Wi-Fi coverage (1 = yes)",
      "校园无线全覆盖(1=是)" },
    { "wifi_access_mbps", "Wi-Fi access (Mbit/s)", "无线接入带宽(Mbit/s)" },
    { "students_per_computer", "students per computer", "生机比" },
    { "teachers_per_computer", "teachers per computer", "师机比" },
    { "multimedia_class_pct", "classes with multimedia (%)",
      "多媒体到班率(%)" },
    { "broadband_uptime_pct", "broadband available (%)", "宽带可用率(%)" },
    { "school_access_mbps", "school access link (Mbit/s)",
      "到校带宽(Mbit/s)" },
    { "class_access_mbps", "class access (Mbit/s)", "到班带宽(Mbit/s)" },
    { "campus_backbone_mbps", "campus backbone (Mbit/s)",
      "校园主干带宽(Mbit/s)" },
    { NULL, NULL, NULL },
};

static const char *
tr(const struct report_opts *o, const char *key)
{
    const struct tr *t;

    if (key == NULL)
        return "";
    for (t = words; t->key != NULL; t++)
        if (strcmp(t->key, key) == 0)
            return o->zh ? t->zh : t->en;
    return key;
}

/* A ';' list of scope words, translated. */
static void
tr_list(const struct report_opts *o, const char *list, char *buf, size_t len)
{
    char tmp[256], *tok, *save = NULL;
    size_t n = 0;

    if (strcmp(list, "*") == 0) {
        snprintf(buf, len, "%s", o->zh ? "全部" : "all");
        return;
    }
    snprintf(tmp, sizeof(tmp), "%s", list);
    buf[0] = '\0';
    for (tok = strtok_r(tmp, ";", &save); tok != NULL;
         tok = strtok_r(NULL, ";", &save))
        n += (size_t)snprintf(buf + n, len > n ? len - n : 0, "%s%s",
                              n ? "; " : "", tr(o, tok));
}

static void
date_text(int64_t t, char *buf, size_t len)
{
    /* Periods are stored as UTC instants of local midnights; the report
     * shows the UTC+8 date, the zone every Chinese calendar uses. */
    time_t tt = (time_t)(t + 8 * 3600);
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

static void
num(struct csv_writer *w, long long v)
{
    char b[32];

    snprintf(b, sizeof(b), "%lld", v);
    csv_write_raw(w, b);
}

static void
pct(struct csv_writer *w, int64_t n, int64_t d)
{
    char b[32];

    if (d == 0) {
        csv_write_raw(w, "");
        return;
    }
    snprintf(b, sizeof(b), "%.1f", 100.0 * (double)n / (double)d);
    csv_write_raw(w, b);
}

/* A text cell: a missing value is an empty cell. */
static const char *
col(const char *t)
{
    return t != NULL ? t : "";
}

/* What a section walk writes to. */
struct section {
    struct csv_writer *w;
    const struct report_opts *o;
};

static int
header_section(struct csv_writer *w, const struct report_opts *o,
               const struct evaluate_info *in, int64_t id)
{
    static const char *en[] = { "report", "pack", "version", "year",
                                "rules_of_year", "district", "period_from",
                                "period_to", "calendar", "min_school_days",
                                "evaluation_id", "generated_by" };
    static const char *zh[] = { "报告", "政策包", "版本", "年度",
                                "适用规则年度", "区县", "统计起始",
                                "统计截止", "校历", "最少上课天数",
                                "评估编号", "生成程序" };
    char from[16], to[16];
    size_t i;

    for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
        csv_write_text(w, o->zh ? zh[i] : en[i]);
    csv_end_record(w);
    date_text(in->from, from, sizeof(from));
    /* period_to is exclusive; show the last day included. */
    date_text(in->to - 1, to, sizeof(to));
    csv_write_text(w, o->zh ? "教育信息化达标年度报告"
                            : "annual compliance report");
    csv_write_text(w, in->pack);
    csv_write_text(w, in->version);
    num(w, in->year);
    num(w, in->rules_year);
    csv_write_text(w, in->district[0] ? in->district
                                      : (o->zh ? "全部" : "all"));
    csv_write_text(w, from);
    csv_write_text(w, to);
    csv_write_text(w, in->calendar);
    num(w, in->min_days);
    num(w, id);
    csv_write_text(w, "classband " CLASSBAND_VERSION);
    csv_end_record(w);
    return 0;
}

static int
school_row(void *arg, const struct storage_eval_school_row *r)
{
    struct section *sc = arg;
    struct csv_writer *w = sc->w;
    const struct report_opts *o = sc->o;

    csv_write_text(w, col(r->school));
    csv_write_text(w, col(r->name));
    csv_write_text(w, col(r->district));
    csv_write_text(w, tr(o, col(r->region)));
    csv_write_text(w, tr(o, col(r->type)));
    csv_write_text(w, col(r->rule));
    csv_write_text(w, tr(o, col(r->metric)));
    /* "inf" (no computer at all) stays text; numbers stay numbers. */
    csv_write_text(w, col(r->value));
    csv_write_text(w, col(r->op));
    csv_write_raw(w, col(r->threshold));
    csv_write_text(w, tr(o, col(r->status)));
    num(w, r->days);
    num(w, r->school_days);
    csv_write_raw(w, col(r->completeness));
    csv_write_text(w, tr(o, col(r->source)));
    csv_write_text(w, col(r->declared));
    csv_write_text(w, col(r->note));
    csv_end_record(w);
    return 0;
}

static int
school_section(struct storage *st, struct csv_writer *w,
               const struct report_opts *o, int64_t id)
{
    static const char *en[] = { "school_code", "school_name", "district",
                                "region", "school_type", "rule", "metric",
                                "measured_value", "comparison", "threshold",
                                "verdict", "school_days_with_data",
                                "school_days", "completeness_pct", "source",
                                "declared", "note" };
    static const char *zh[] = { "学校代码", "学校名称", "区县", "区域",
                                "学校类型", "规则", "指标", "测量值",
                                "比较", "目标值", "结论", "有数据上课天数",
                                "上课天数", "数据完整度(%)", "数据来源",
                                "申报值", "说明" };
    struct section sc = { w, o };
    size_t i;

    for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
        csv_write_text(w, o->zh ? zh[i] : en[i]);
    csv_end_record(w);
    return storage_eval_each_school_row(st, id, school_row, &sc);
}

/* The exact required share, in words ("2 of 3", "3分之2", "all"): written
 * as "2/3" a spreadsheet would turn it into a date. */
static void
share_words(const struct report_opts *o, long long num, long long den,
            char *buf, size_t len)
{
    long long a = num, b = den, t;

    while (b != 0) {
        t = a % b;
        a = b;
        b = t;
    }
    if (a > 1) {
        num /= a;
        den /= a;
    }
    if (num == den)
        snprintf(buf, len, "%s", o->zh ? "全部" : "all");
    else if (o->zh)
        snprintf(buf, len, "%lld分之%lld", den, num);
    else
        snprintf(buf, len, "%lld of %lld", num, den);
}

static int
summary_row(void *arg, const struct storage_eval_rule_row *r)
{
    struct section *sc = arg;
    struct csv_writer *w = sc->w;
    const struct report_opts *o = sc->o;
    char buf[256];

    csv_write_text(w, col(r->rule));
    csv_write_text(w, tr(o, col(r->metric)));
    csv_write_text(w, col(r->op));
    csv_write_raw(w, col(r->threshold));
    tr_list(o, col(r->regions), buf, sizeof(buf));
    csv_write_text(w, buf);
    tr_list(o, col(r->types), buf, sizeof(buf));
    csv_write_text(w, buf);
    num(w, r->in_scope);
    num(w, r->meeting);
    num(w, r->failing);
    num(w, r->undetermined);
    pct(w, r->share_num, r->share_den);
    pct(w, r->req_num, r->req_den);
    share_words(o, r->req_num, r->req_den, buf, sizeof(buf));
    csv_write_text(w, buf);
    csv_write_text(w, tr(o, col(r->verdict)));
    csv_write_text(w, col(r->text));
    csv_end_record(w);
    return 0;
}

static int
summary_section(struct storage *st, struct csv_writer *w,
                const struct report_opts *o, int64_t id)
{
    static const char *en[] = { "rule", "metric", "comparison", "threshold",
                                "regions", "school_types", "schools_in_scope",
                                "meeting", "failing", "undetermined",
                                "share_meeting_pct", "required_share_pct",
                                "required_share", "verdict", "target_text" };
    static const char *zh[] = { "规则", "指标", "比较", "目标值", "区域",
                                "学校类型", "适用学校数", "达标学校数",
                                "未达标学校数", "待定学校数", "达标比例(%)",
                                "要求比例(%)", "要求比例", "结论",
                                "规划原文" };
    struct section sc = { w, o };
    size_t i;

    for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
        csv_write_text(w, o->zh ? zh[i] : en[i]);
    csv_end_record(w);
    return storage_eval_each_rule(st, id, summary_row, &sc);
}

static int
metric_row(void *arg, const struct storage_eval_metric_row *r)
{
    struct section *sc = arg;
    struct csv_writer *w = sc->w;
    const struct report_opts *o = sc->o;

    csv_write_text(w, col(r->school));
    csv_write_text(w, col(r->name));
    csv_write_text(w, tr(o, col(r->metric)));
    csv_write_text(w, col(r->value));
    csv_write_text(w, tr(o, col(r->source)));
    csv_write_text(w, col(r->declared));
    csv_write_text(w, col(r->note));
    num(w, r->days);
    num(w, r->school_days);
    csv_write_raw(w, col(r->completeness));
    csv_end_record(w);
    return 0;
}

static int
metrics_section(struct storage *st, struct csv_writer *w,
                const struct report_opts *o, int64_t id)
{
    static const char *en[] = { "school_code", "school_name", "metric",
                                "measured_value", "source", "declared",
                                "note", "school_days_with_data",
                                "school_days", "completeness_pct" };
    static const char *zh[] = { "学校代码", "学校名称", "指标", "测量值",
                                "数据来源", "申报值", "说明",
                                "有数据上课天数", "上课天数",
                                "数据完整度(%)" };
    struct section sc = { w, o };
    size_t i;

    for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
        csv_write_text(w, o->zh ? zh[i] : en[i]);
    csv_end_record(w);
    return storage_eval_each_metric_row(st, id, metric_row, &sc);
}

/* Writes buf (UTF-8 with BOM) to path (NULL: stdout) in o's encoding. */
static int
emit(const struct report_opts *o, const char *path, const char *buf,
     size_t len, FILE *errs)
{
    char *conv = NULL, tmp[4096];
    size_t clen = 0, rep = 0;
    FILE *f;
    int rc = 0;

    if (o->encoding == TEXTCONV_GBK) {
        /* GBK files carry no BOM: skip ours before converting. */
        if (textconv_utf8_to_gbk(buf + 3, len - 3, &conv, &clen, &rep) != 0)
            return -EIO;
        if (rep > 0)
            fprintf(errs, "report: %zu character%s not in GBK written as "
                    "'?'\n", rep, rep == 1 ? "" : "s");
        buf = conv;
        len = clen;
    }
    if (path == NULL) {
        if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
            rc = -EIO;
        free(conv);
        return rc;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
    f = fopen(tmp, "wb");
    if (f == NULL) {
        fprintf(errs, "report: %s: %s\n", tmp, strerror(errno));
        free(conv);
        return -EIO;
    }
    if (fwrite(buf, 1, len, f) != len || fflush(f) != 0 ||
        fsync(fileno(f)) != 0)
        rc = -EIO;
    if (fclose(f) != 0)
        rc = -EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -EIO;
    if (rc != 0) {
        fprintf(errs, "report: %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(conv);
    return rc;
}

int
report_write(struct storage *st, int64_t eval_id,
             const struct report_opts *o, FILE *errs)
{
    struct evaluate_info in;
    struct csv_writer w, ws;
    char *buf = NULL, *sbuf = NULL;
    size_t len = 0, slen = 0;
    FILE *f = NULL, *sf = NULL;
    int rc;

    if (errs == NULL)
        errs = stderr;
    if ((rc = evaluate_info(st, eval_id, &in)) != 0)
        return rc;
    f = open_memstream(&buf, &len);
    if (f == NULL)
        return -ENOMEM;
    csv_writer_init(&w, f, 1);
    header_section(&w, o, &in, eval_id);
    csv_end_record(&w);
    if ((rc = school_section(st, &w, o, eval_id)) != 0)
        goto out;
    if (o->summary_output == NULL) {
        csv_end_record(&w);
        rc = summary_section(st, &w, o, eval_id);
    } else {
        sf = open_memstream(&sbuf, &slen);
        if (sf == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        csv_writer_init(&ws, sf, 1);
        header_section(&ws, o, &in, eval_id);
        csv_end_record(&ws);
        rc = summary_section(st, &ws, o, eval_id);
        if (csv_writer_finish(&ws) != 0)
            rc = -EIO;
    }
    if (rc != 0)
        goto out;
    /* Every metric of every school, rule or not, last. */
    csv_end_record(&w);
    if ((rc = metrics_section(st, &w, o, eval_id)) != 0)
        goto out;
    if (csv_writer_finish(&w) != 0) {
        rc = -EIO;
        goto out;
    }
    fclose(f);
    f = NULL;
    if (sf != NULL) {
        fclose(sf);
        sf = NULL;
    }
    rc = emit(o, o->output, buf, len, errs);
    if (rc == 0 && o->summary_output != NULL)
        rc = emit(o, o->summary_output, sbuf, slen, errs);
out:
    if (f != NULL)
        fclose(f);
    if (sf != NULL)
        fclose(sf);
    free(buf);
    free(sbuf);
    if (rc == -EIO)
        log_warnx("report: %s", storage_eval_error(st));
    return rc;
}
