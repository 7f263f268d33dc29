/* registry: the district's school registry (schools, their classes, their
 * rooms and areas, declared inventory) imported from the CSV files offices
 * keep, and the class and area maps derived from it for the agents.
 *
 * An import is all or nothing: the whole file is validated and applied in
 * one transaction, and any bad row (reported as `file:line:column: message`,
 * all of them, not just the first) leaves the database untouched.
 * Re-importing updates in place: a school row is updated by its code; the
 * classes (or areas) of every school named in a classes (areas) file are
 * replaced by the file's list for that school. Schools missing from a
 * schools file are kept (districts import partial files). Formats:
 * docs/COMPLIANCE.md.
 *
 * The regsheet helpers underneath (decode, RFC 4180, header by name, error
 * positions) are shared with packs.c and calendar.c. Nothing here talks to
 * agents: the lead's CONFIG push calls registry_class_map/area_map. */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdio.h>

#include "csv.h"
#include "textconv.h"

struct storage;

enum registry_kind {
    REGISTRY_SCHOOLS,
    REGISTRY_CLASSES,
    REGISTRY_AREAS,
    REGISTRY_INVENTORY,
    REGISTRY_LINKS,
};

struct registry_result {
    int rows;       /* data rows in the file */
    int inserted;   /* new schools / classes / areas / items */
    int updated;    /* existing ones changed in place */
    int removed;    /* classes or areas no longer listed */
    enum textconv_enc encoding;  /* what the file turned out to be */
};

/* "schools", "classes", "areas", "inventory", "links" -> kind.
 * 0 or -EINVAL. */
int registry_parse_kind(const char *s, enum registry_kind *out);

/* Imports path. Messages go to errs. Returns 0 (applied; *res filled),
 * -EINVAL (the file has errors, all reported; nothing applied), -ENOENT or
 * -EIO (cannot read / database error; nothing applied). */
int registry_import_file(struct storage *st, enum registry_kind kind,
                         const char *path, enum textconv_enc enc, FILE *errs,
                         struct registry_result *res);
/* The same over bytes in memory; name is used in messages. */
int registry_import_buf(struct storage *st, enum registry_kind kind,
                        const char *name, const char *data, size_t len,
                        enum textconv_enc enc, FILE *errs,
                        struct registry_result *res);

/* The school's class map for its agent, one `class,prefix` or
 * `class,vlan:N` line per subnet or VLAN (LF line ends), ordered by class.
 * *out is malloc'ed (caller frees); an unknown school yields "".
 * Returns 0, -ENOMEM or -EIO. */
int registry_class_map(struct storage *st, const char *school, char **out);
/* The school's area map: one `area,required,ap` line per AP serving an
 * area (required is 1 or 0; an area with no AP gets one line with an empty
 * ap field). Same ownership and returns as registry_class_map. */
int registry_area_map(struct storage *st, const char *school, char **out);

/* Canonical region ("urban", "county", "township", "village") or school
 * type ("primary", ...) for an English name or a Chinese alias; NULL if
 * unknown. */
const char *registry_region(const char *s);
const char *registry_school_type(const char *s);

/* ------------------------------------------------------------------ */
/* Shared CSV-sheet input (for packs.c, calendar.c).                   */

#define REGSHEET_MAX_COLS 24
#define REGSHEET_MAX_ERRORS 100     /* printed; the rest are counted */

struct regcol {
    const char *name;       /* English header */
    const char *alias;      /* Chinese header, or NULL */
    int required;
};

struct regsheet {
    const char *name;       /* file name for messages (borrowed) */
    char *text;             /* decoded UTF-8 */
    size_t len;
    FILE *mem;
    struct csv_reader rd;
    const struct regcol *cols;
    int ncols;
    int idx[REGSHEET_MAX_COLS];     /* field index per column, -1 absent */
    FILE *errs;
    int nerr;
    enum textconv_enc encoding;
};

/* Reads (path != NULL) or takes data, decodes, reads the header row.
 * Header errors are reported and counted in sh->nerr (the caller checks it
 * after the loop). Returns 0, -ENOENT/-EIO (file unreadable, reported),
 * -EINVAL (undecodable or no header, reported), -ENOMEM. */
int  regsheet_open(struct regsheet *sh, const char *name, const char *path,
                   const char *data, size_t len, enum textconv_enc enc,
                   const struct regcol *cols, FILE *errs);
/* Next data row; blank rows and rows whose first cell starts with '#' are
 * skipped. Returns 1, 0 at the end, or -EINVAL on a CSV syntax error
 * (reported; stop reading). */
int  regsheet_next(struct regsheet *sh);
/* Cell of column c (index into cols) in the current row, blanks trimmed;
 * "" when the column is absent or the row is short. Valid until next. */
const char *regsheet_get(struct regsheet *sh, int c);
/* Reports `name:line:column: message` for column c of the current row
 * (c < 0: the row's start) and counts it. */
void regsheet_error(struct regsheet *sh, int c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void regsheet_close(struct regsheet *sh);

/* Value checks used by the importers. */
int  regsheet_is_ident(const char *s);  /* [A-Za-z0-9_.:-]{1,64} */
int  regsheet_is_label(const char *s);  /* 1..200 bytes, no control chars */
/* A class, area or link id: 1..96 bytes (Chinese allowed), no control
 * characters, no , ; or " (they would break the agents' map lines), not
 * starting with # or a blank. */
int  regsheet_is_key(const char *s);
/* Parses a non-negative integer <= max. 0 or -EINVAL. */
int  regsheet_uint(const char *s, long long max, long long *out);
/* Parses a non-negative decimal with up to 3 fraction digits into
 * thousandths (e.g. "2.5" -> 2500). 0 or -EINVAL. */
int  regsheet_milli(const char *s, long long *out);

#endif /* REGISTRY_H */
