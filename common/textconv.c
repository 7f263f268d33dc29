/* textconv: see textconv.h. iconv is used one buffer at a time: registry
 * files and reports are small (kilobytes to a few MiB), so converting the
 * whole thing in memory keeps error positions exact and the code short. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "textconv.h"

int
textconv_parse_encoding(const char *name, enum textconv_enc *out)
{
    if (strcasecmp(name, "auto") == 0)
        *out = TEXTCONV_AUTO;
    else if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)
        *out = TEXTCONV_UTF8;
    else if (strcasecmp(name, "gbk") == 0 ||
             strcasecmp(name, "gb18030") == 0 ||
             strcasecmp(name, "cp936") == 0 ||
             strcasecmp(name, "gb2312") == 0)
        *out = TEXTCONV_GBK;
    else
        return -EINVAL;
    return 0;
}

const char *
textconv_encoding_name(enum textconv_enc e)
{
    switch (e) {
    case TEXTCONV_UTF8:
        return "utf-8";
    case TEXTCONV_GBK:
        return "gbk";
    default:
        return "auto";
    }
}

size_t
textconv_bom_len(const char *s, size_t n)
{
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        return 3;
    return 0;
}

int
textconv_utf8_check(const char *str, size_t n, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, k, len;
    unsigned long cp, min;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if ((s[i] & 0xE0) == 0xC0) {
            len = 2;
            cp = s[i] & 0x1F;
            min = 0x80;
        } else if ((s[i] & 0xF0) == 0xE0) {
            len = 3;
            cp = s[i] & 0x0F;
            min = 0x800;
        } else if ((s[i] & 0xF8) == 0xF0) {
            len = 4;
            cp = s[i] & 0x07;
            min = 0x10000;
        } else {
            goto bad;
        }
        if (n - i < len)
            goto bad;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += len;
    }
    return 0;
bad:
    if (bad != NULL)
        *bad = i;
    return -EILSEQ;
}

void
textconv_position(const char *s, size_t off, unsigned long *line,
                  unsigned long *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < off; i++) {
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= off || s[i + 1] != '\n'))) {
            (*line)++;
            *col = 1;
        } else if (s[i] != '\r' && (s[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* Runs iconv over the whole input. On EILSEQ with subst != 0, writes '?'
 * for the character and skips it (one byte of UTF-8 lead plus its
 * continuation bytes); otherwise stops and reports the offset. */
static int
convert(const char *to, const char *from, const char *in, size_t n,
        int subst, char **out, size_t *outlen, size_t *bad, size_t *nsub)
{
    iconv_t cd;
    char *buf, *ip, *op, *nb;
    size_t cap = n * 2 + 16, il, ol, r;
    int rc = 0;

    cd = iconv_open(to, from);
    if (cd == (iconv_t)-1)
        return -errno;
    buf = malloc(cap);
    if (buf == NULL) {
        iconv_close(cd);
        return -ENOMEM;
    }
    ip = (char *)in;
    il = n;
    op = buf;
    ol = cap - 1;
    while (il > 0) {
        r = iconv(cd, &ip, &il, &op, &ol);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            size_t used = (size_t)(op - buf);

            cap *= 2;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
            op = buf + used;
            ol = cap - used - 1;
            continue;
        }
        if (subst && errno == EILSEQ && ol > 0) {
            /* Unrepresentable character: skip it whole. */
            *op++ = '?';
            ol--;
            ip++;
            il--;
            while (il > 0 && ((unsigned char)*ip & 0xC0) == 0x80) {
                ip++;
                il--;
            }
            if (nsub != NULL)
                (*nsub)++;
            continue;
        }
        /* EILSEQ or EINVAL (truncated sequence at the end). */
        if (bad != NULL)
            *bad = (size_t)(ip - in);
        rc = -EILSEQ;
        goto out;
    }
    *op = '\0';
    *out = buf;
    *outlen = (size_t)(op - buf);
    buf = NULL;
out:
    free(buf);
    iconv_close(cd);
    return rc;
}

/* Short GBK text can be valid UTF-8 by accident: "学校" in GBK (D1 A7 D0
 * A3) reads as two Cyrillic letters. Chinese text in UTF-8 is made of
 * 3-byte sequences (U+0800 and up), while GBK bytes that happen to be
 * valid UTF-8 mostly form 2-byte ones. So valid UTF-8 with more 2-byte
 * than 3-byte sequences, which also decodes as GBK, is taken as GBK. (A
 * UTF-8 file of accented Latin names without any Chinese would be
 * misread; a BOM or --encoding utf-8 settles it.) */
static int
looks_like_gbk(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i, n2 = 0, n3 = 0;
    iconv_t cd;
    char *ip, *op, out[256];
    size_t il, ol, r;

    for (i = 0; i < n; i++) {
        if ((s[i] & 0xE0) == 0xC0)
            n2++;
        else if ((s[i] & 0xF0) == 0xE0)
            n3++;
    }
    if (n2 == 0 || n2 <= n3)
        return 0;
    cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return 0;
    ip = (char *)str;
    il = n;
    r = 0;
    while (il > 0 && r != (size_t)-1) {
        op = out;
        ol = sizeof(out);
        r = iconv(cd, &ip, &il, &op, &ol);
        if (r == (size_t)-1 && errno == E2BIG)
            r = 0;
    }
    iconv_close(cd);
    return il == 0;
}

int
textconv_decode(const char *in, size_t n, enum textconv_enc enc, char **out,
                size_t *outlen, enum textconv_enc *used, char *err,
                size_t errlen)
{
    size_t bom = textconv_bom_len(in, n), bad = 0;
    unsigned long line, col;
    char *copy;
    int rc;

    /* A UTF-8 BOM settles it, whatever the user guessed. */
    if (bom > 0)
        enc = TEXTCONV_UTF8;
    if (enc == TEXTCONV_AUTO)
        enc = textconv_utf8_check(in, n, NULL) == 0 && !looks_like_gbk(in, n)
                  ? TEXTCONV_UTF8
                  : TEXTCONV_GBK;
    if (enc == TEXTCONV_UTF8) {
        in += bom;
        n -= bom;
        if (textconv_utf8_check(in, n, &bad) != 0) {
            textconv_position(in, bad, &line, &col);
            snprintf(err, errlen,
                     "%lu:%lu: byte 0x%02x is not valid UTF-8 (try "
                     "--encoding gbk)",
                     line, col, (unsigned char)in[bad]);
            return -EILSEQ;
        }
        copy = malloc(n + 1);
        if (copy == NULL)
            return -ENOMEM;
        memcpy(copy, in, n);
        copy[n] = '\0';
        *out = copy;
        *outlen = n;
        *used = enc;
        return 0;
    }
    rc = convert("UTF-8", "GB18030", in, n, 0, out, outlen, &bad, NULL);
    if (rc == -EILSEQ) {
        textconv_position(in, bad, &line, &col);
        snprintf(err, errlen, "%lu:%lu: byte 0x%02x is not valid GBK", line,
                 col, (unsigned char)in[bad]);
        return rc;
    }
    if (rc != 0) {
        snprintf(err, errlen, "iconv: %s", strerror(-rc));
        return rc;
    }
    *used = enc;
    return 0;
}

int
textconv_utf8_to_gbk(const char *in, size_t n, char **out, size_t *outlen,
                     size_t *replaced)
{
    if (replaced != NULL)
        *replaced = 0;
    if (textconv_utf8_check(in, n, NULL) != 0)
        return -EILSEQ;
    return convert("GBK", "UTF-8", in, n, 1, out, outlen, NULL, replaced);
}
