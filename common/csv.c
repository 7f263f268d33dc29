/* csv: see csv.h. The reader is a small state machine over getc(); field
 * bytes of one record live in one growable buffer, capped at
 * CSV_MAX_RECORD so a file without line breaks cannot eat memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void
csv_reader_init(struct csv_reader *r, FILE *f)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->line = 1;
    r->col = 1;
}

void
csv_reader_free(struct csv_reader *r)
{
    if (r == NULL)
        return;
    free(r->data);
    r->data = NULL;
    r->datalen = r->datacap = 0;
}

/* Position of the byte most recently returned by next(). */
struct pos {
    unsigned long line, col;
};

static int
next(struct csv_reader *r, struct pos *p)
{
    int c = getc(r->f);

    p->line = r->line;
    p->col = r->col;
    if (c == EOF)
        return EOF;
    if (c == '\r') {
        r->line++;
        r->col = 1;
    } else if (c == '\n') {
        /* CRLF is one line break: the CR already counted it. */
        if (!r->prev_cr)
            r->line++;
        r->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        r->col++;       /* continuation bytes do not start a character */
    }
    r->prev_cr = (c == '\r');
    return c;
}

static int
fail(struct csv_reader *r, int rc, const struct pos *p, const char *msg)
{
    snprintf(r->err, sizeof(r->err), "%s", msg);
    r->err_line = p->line;
    r->err_col = p->col;
    return rc;
}

static int
put(struct csv_reader *r, int c)
{
    char *n;
    size_t cap;

    if (r->datalen + 1 >= r->datacap) {
        if (r->datacap >= CSV_MAX_RECORD)
            return -E2BIG;
        cap = r->datacap ? r->datacap * 2 : 256;
        if (cap > CSV_MAX_RECORD)
            cap = CSV_MAX_RECORD;
        n = realloc(r->data, cap);
        if (n == NULL)
            return -ENOMEM;
        r->data = n;
        r->datacap = cap;
    }
    r->data[r->datalen++] = (char)c;
    return 0;
}

static int
end_field(struct csv_reader *r, const struct pos *start)
{
    int rc = put(r, '\0');

    if (rc != 0)
        return rc;
    r->fields[r->nfields].line = start->line;
    r->fields[r->nfields].col = start->col;
    r->nfields++;
    return 0;
}

int
csv_read(struct csv_reader *r)
{
    struct pos p, start;
    int c, rc;
    size_t i;

    r->datalen = 0;
    r->nfields = 0;
    r->err[0] = '\0';
    c = next(r, &p);
    /* A record that ended in CR swallows the LF of a CRLF pair. */
    if (c == '\n' && r->ended_cr)
        c = next(r, &p);
    r->ended_cr = 0;
    if (c == EOF) {
        if (ferror(r->f))
            return fail(r, -EIO, &p, "read error");
        return 0;
    }
    r->rec_line = p.line;
    for (;;) {
        if (r->nfields == CSV_MAX_FIELDS)
            return fail(r, -E2BIG, &p, "too many fields");
        start = p;
        r->off[r->nfields] = r->datalen;
        if (c == '"') {
            for (;;) {
                c = next(r, &p);
                if (c == EOF)
                    return fail(r, -EINVAL, &start,
                                "quoted field is not closed");
                if (c == '"') {
                    c = next(r, &p);
                    if (c != '"')
                        break;
                }
                if ((rc = put(r, c)) != 0)
                    return fail(r, rc, &p, "record too long");
            }
            if (c != ',' && c != '\r' && c != '\n' && c != EOF)
                return fail(r, -EINVAL, &p,
                            "text after the closing quote of a field");
        } else {
            while (c != ',' && c != '\r' && c != '\n' && c != EOF) {
                if (c == '"')
                    return fail(r, -EINVAL, &p,
                                "quote inside an unquoted field");
                if ((rc = put(r, c)) != 0)
                    return fail(r, rc, &p, "record too long");
                c = next(r, &p);
            }
        }
        if ((rc = end_field(r, &start)) != 0)
            return fail(r, rc, &p, "record too long");
        if (c == ',') {
            c = next(r, &p);
            continue;
        }
        if (c == EOF && ferror(r->f))
            return fail(r, -EIO, &p, "read error");
        r->ended_cr = (c == '\r');
        break;
    }
    for (i = 0; i < r->nfields; i++) {
        r->fields[i].s = r->data + r->off[i];
        r->fields[i].len = (i + 1 < r->nfields ? r->off[i + 1]
                                               : r->datalen) -
                           r->off[i] - 1;
    }
    return 1;
}

int
csv_is_number(const char *s)
{
    int digits = 0;

    if (*s == '+' || *s == '-')
        s++;
    while (*s >= '0' && *s <= '9') {
        s++;
        digits++;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            s++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

int
csv_needs_neutralising(const char *s)
{
    switch (s[0]) {
    case '=':
    case '@':
    case '\t':
    case '\r':
    case '\n':
        return 1;
    case '+':
    case '-':
        return !csv_is_number(s);
    default:
        return 0;
    }
}

void
csv_writer_init(struct csv_writer *w, FILE *f, int bom)
{
    w->f = f;
    w->nfield = 0;
    w->err = 0;
    if (bom && fputs("\xEF\xBB\xBF", f) == EOF)
        w->err = -EIO;
}

static void
wput(struct csv_writer *w, const char *s, size_t n)
{
    if (n > 0 && fwrite(s, 1, n, w->f) != n)
        w->err = -EIO;
}

void
csv_write_text(struct csv_writer *w, const char *s)
{
    const char *q;

    if (w->nfield++ > 0)
        wput(w, ",", 1);
    if (s == NULL || *s == '\0')
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        if (csv_needs_neutralising(s))
            wput(w, "'", 1);
        wput(w, s, strlen(s));
        return;
    }
    wput(w, "\"", 1);
    if (csv_needs_neutralising(s))
        wput(w, "'", 1);
    while ((q = strchr(s, '"')) != NULL) {
        wput(w, s, (size_t)(q - s) + 1);
        wput(w, "\"", 1);
        s = q + 1;
    }
    wput(w, s, strlen(s));
    wput(w, "\"", 1);
}

void
csv_write_raw(struct csv_writer *w, const char *s)
{
    if (w->nfield++ > 0)
        wput(w, ",", 1);
    if (s != NULL)
        wput(w, s, strlen(s));
}

void
csv_end_record(struct csv_writer *w)
{
    wput(w, "\r\n", 2);
    w->nfield = 0;
}

int
csv_writer_finish(struct csv_writer *w)
{
    if (fflush(w->f) != 0)
        w->err = -EIO;
    return w->err;
}
