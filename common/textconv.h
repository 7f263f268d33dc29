/* textconv: the text encodings district offices hand us. Strict UTF-8
 * validation, UTF-8 BOM handling, and GBK <-> UTF-8 through glibc's iconv
 * (GBK is decoded as GB18030, its superset, so every GBK file converts).
 * Everything inside classband is UTF-8; conversion happens once, at the
 * edge (import, report). Pure apart from iconv: no I/O. */
#ifndef TEXTCONV_H
#define TEXTCONV_H

#include <stddef.h>

enum textconv_enc {
    TEXTCONV_AUTO = 0,  /* BOM or valid UTF-8 -> UTF-8, else GBK */
    TEXTCONV_UTF8,
    TEXTCONV_GBK,
};

/* "auto", "utf-8"/"utf8", "gbk"/"gb18030"/"cp936" (case-insensitive).
 * Returns 0 or -EINVAL. */
int         textconv_parse_encoding(const char *name, enum textconv_enc *out);
const char *textconv_encoding_name(enum textconv_enc e);

/* Length of a UTF-8 BOM at the start of s (3), else 0. */
size_t      textconv_bom_len(const char *s, size_t n);

/* Returns 0 when s[0..n) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else -EILSEQ with *bad set to the
 * offset of the first bad byte (bad may be NULL). */
int         textconv_utf8_check(const char *s, size_t n, size_t *bad);

/* Line and column (1-based, column in characters) of byte offset off in
 * s, for error messages. Assumes s[0..off) is text in an ASCII-compatible
 * encoding; counts bytes >= 0x80 as one column each. */
void        textconv_position(const char *s, size_t off, unsigned long *line,
                              unsigned long *col);

/* Turns a file's bytes into UTF-8 without BOM. enc: what the user said
 * (TEXTCONV_AUTO to detect: a BOM or well-formed UTF-8 that is not better
 * read as GBK means UTF-8, anything else GBK). A UTF-8 BOM always means
 * UTF-8. On success *out is a malloc'ed, NUL-terminated
 * string the caller frees, *outlen its length, *used the encoding found.
 * Returns 0, -EILSEQ (bytes invalid in the encoding; err holds
 * "line:column: ..." of the first bad byte) or -ENOMEM. */
int         textconv_decode(const char *in, size_t n, enum textconv_enc enc,
                            char **out, size_t *outlen,
                            enum textconv_enc *used, char *err,
                            size_t errlen);

/* UTF-8 -> GBK (CP936). Characters GBK cannot hold become '?' and are
 * counted in *replaced (may be NULL). *out is malloc'ed (caller frees),
 * NUL-terminated. Returns 0, -EILSEQ (input not UTF-8) or -ENOMEM. */
int         textconv_utf8_to_gbk(const char *in, size_t n, char **out,
                                 size_t *outlen, size_t *replaced);

#endif /* TEXTCONV_H */
