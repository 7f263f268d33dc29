/* csv: RFC 4180 reader and writer.
 *
 * The reader streams records from a FILE * (use fmemopen for a buffer) and
 * remembers where each field started (line and column, 1-based; the column
 * counts UTF-8 characters, not bytes) so that callers can report
 * `file:line:column: message` for a bad value. It accepts CRLF or LF record
 * ends, quoted fields with "" escapes and line breaks inside quotes, and
 * rejects a quote inside an unquoted field, text after a closing quote and
 * an unterminated quote. It does not detect encodings or strip a BOM: that
 * is textconv's job, done before the bytes reach the reader.
 *
 * The writer produces what Excel, WPS and LibreOffice open safely: CRLF
 * record ends, fields quoted when they hold a comma, quote, CR or LF, an
 * optional UTF-8 BOM, and every text cell that a spreadsheet would run as a
 * formula (first character =, +, -, @, tab, CR or LF) prefixed with an
 * apostrophe, unless the cell is a plain number such as -1.5 or +3, which
 * stays a number. Nothing here knows about SQLite or the registry. */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_FIELDS 256
#define CSV_MAX_RECORD (1024 * 1024)    /* bytes of field data per record */

struct csv_field {
    const char *s;      /* NUL-terminated; borrowed until the next read */
    size_t len;
    unsigned long line; /* where the field starts */
    unsigned long col;
};

struct csv_reader {
    FILE *f;            /* borrowed */
    unsigned long line; /* current position */
    unsigned long col;
    char *data;         /* field bytes of the current record */
    size_t datalen, datacap;
    size_t off[CSV_MAX_FIELDS];
    struct csv_field fields[CSV_MAX_FIELDS];
    size_t nfields;
    unsigned long rec_line; /* line where the current record starts */
    int prev_cr;        /* the last byte read was CR (CRLF = one line) */
    int ended_cr;       /* the last record ended in CR: skip one LF */
    char err[160];      /* message of the last error, without position */
    unsigned long err_line, err_col;
};

/* Sets up a reader over f (not owned; the caller closes it). */
void csv_reader_init(struct csv_reader *r, FILE *f);
void csv_reader_free(struct csv_reader *r);     /* frees field storage */
/* Reads the next record. Returns 1 with r->fields/r->nfields set, 0 at end
 * of input, or -EINVAL (syntax error; r->err, r->err_line, r->err_col say
 * what and where), -E2BIG (too many fields or too long), -ENOMEM, -EIO.
 * A completely empty line is returned as one empty field. */
int  csv_read(struct csv_reader *r);

/* Returns 1 when s is a plain decimal number ([+-]digits[.digits][e[+-]d]),
 * the only kind of cell the writer leaves unprefixed when it starts with +
 * or -. */
int  csv_is_number(const char *s);
/* Returns 1 when a spreadsheet could treat s as a formula: its first byte
 * is =, +, -, @, tab, CR or LF, and it is not a plain number. */
int  csv_needs_neutralising(const char *s);

struct csv_writer {
    FILE *f;            /* borrowed */
    int nfield;         /* fields written in the current record */
    int err;            /* sticky: first write error (-EIO) */
};

/* Sets up a writer over f. bom: write the UTF-8 byte order mark first. */
void csv_writer_init(struct csv_writer *w, FILE *f, int bom);
/* Appends a text cell (NULL is written as an empty cell), neutralised and
 * quoted as needed. */
void csv_write_text(struct csv_writer *w, const char *s);
/* Appends a cell that the caller guarantees to be a number it formatted
 * itself; written as is. */
void csv_write_raw(struct csv_writer *w, const char *s);
/* Ends the record with CRLF. */
void csv_end_record(struct csv_writer *w);
/* Returns 0, or -EIO if any write failed. Does not close f. */
int  csv_writer_finish(struct csv_writer *w);

#endif /* CSV_H */
