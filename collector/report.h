/* report: the annual compliance report as CSV, built from a stored
 * evaluation (so a past year's report is rebuilt exactly as decided).
 *
 * Layout (one file by default): a header section (pack, version, year,
 * district, period, calendar, parameters), a blank line, one row per school
 * and rule (measured value, threshold, verdict, evidence, completeness,
 * source, declared figure), a blank line, the summary: one row per rule
 * (schools in scope, meeting, share, required share, verdict), a blank
 * line, and the measurements: every metric of every school, whether a rule
 * uses it or not, with source and evidence. With a summary path the
 * summary goes to that second file instead.
 *
 * Spreadsheet safety comes from csv.c: RFC 4180 quoting, CRLF, UTF-8 with
 * BOM (or GBK without BOM for old Excel/WPS setups), and no text cell that
 * could run as a formula; numbers are written as plain numbers. Labels are
 * in Chinese (--lang zh) or English. */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "textconv.h"

struct storage;

struct report_opts {
    int zh;                     /* Chinese labels */
    enum textconv_enc encoding; /* TEXTCONV_UTF8 (with BOM) or _GBK */
    const char *output;         /* NULL: stdout */
    const char *summary_output; /* NULL: summary section in output */
};

/* Writes the report of evaluation eval_id. Files are written to a
 * temporary name and renamed, so a reader never sees half a report.
 * Returns 0, -ENOENT (no such evaluation) or -EIO (reported to errs). */
int report_write(struct storage *st, int64_t eval_id,
                 const struct report_opts *o, FILE *errs);

#endif /* REPORT_H */
