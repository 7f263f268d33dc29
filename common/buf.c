/* buf: see buf.h. Growth doubles up to max so appends stay amortised O(1). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void
buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->err = 0;
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    b->err = 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
    size_t want, cap;
    uint8_t *p;

    if (n > b->max || b->len > b->max - n)
        return -EMSGSIZE;
    want = b->len + n;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    p = realloc(b->p, cap);
    if (p == NULL)
        return -ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
    int rc;

    if (b->err)
        return b->err;
    rc = buf_reserve(b, n);
    if (rc != 0) {
        b->err = rc;
        return rc;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}
