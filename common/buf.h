/* buf: growable byte buffer with a hard cap. Used for frames being built
 * and for bytes read from a socket. Never grows past max: an append that
 * would is refused (-EMSGSIZE) and sets the sticky err flag, so a writer can
 * append a whole message and check once at the end. */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max;     /* hard cap on len */
    int err;        /* sticky: first failed append (-ENOMEM / -EMSGSIZE) */
};

/* Sets up an empty buffer that may hold up to max bytes. No allocation. */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);           /* frees storage; b reusable */
void buf_reset(struct buf *b);          /* len = 0, err = 0; keeps storage */
/* Makes room for n more bytes. Returns 0, -ENOMEM or -EMSGSIZE. */
int  buf_reserve(struct buf *b, size_t n);
int  buf_append(struct buf *b, const void *p, size_t n);
/* Drops the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);

#endif /* BUF_H */
