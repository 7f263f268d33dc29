/* tls: TLS 1.3 with external pre-shared keys (RFC 8446 PSK with (EC)DHE),
 * over a byte stream that the caller moves itself (libuv on both sides).
 * OpenSSL does the cryptography through memory BIOs: ciphertext from the
 * socket goes in with tls_conn_feed, plaintext comes out into a buffer;
 * plaintext to send goes in with tls_conn_write and ciphertext comes out
 * for the caller to write. No I/O, no libuv here.
 *
 * Why PSK and not certificates: every agent gets its own 256-bit key and
 * identity from `classband-collector enroll`, bound to one school; there is
 * no CA to run on a district server and nothing to expire by surprise on
 * 300 routers. With (EC)DHE the session keys are still forward-secret, and a
 * recorded session cannot be replayed: each handshake has fresh randoms. */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TLS_KEY_LEN 32
#define TLS_IDENTITY_MAX 128

struct tls_ctx;
struct tls_conn;

/* Server side: looks an identity up. Fills key (TLS_KEY_LEN bytes) and
 * returns 0, or returns -ENOENT (unknown), -EKEYEXPIRED, -EKEYREVOKED. Runs
 * on the caller's thread during tls_conn_feed; must not block. */
typedef int (*tls_lookup_fn)(void *arg, const char *identity,
                             uint8_t key[TLS_KEY_LEN]);

int  tls_ctx_server(tls_lookup_fn fn, void *arg, struct tls_ctx **out);
/* Client side: the identity and key this agent presents. */
int  tls_ctx_client(const char *identity, const uint8_t key[TLS_KEY_LEN],
                    struct tls_ctx **out);
void tls_ctx_free(struct tls_ctx *c); /* accepts NULL */

int  tls_conn_new(struct tls_ctx *c, struct tls_conn **out);
void tls_conn_free(struct tls_conn *t); /* accepts NULL */
/* Client: starts the handshake; its first bytes are appended to out. */
int  tls_conn_start(struct tls_conn *t, struct buf *out);
/* Ciphertext in. Decrypted bytes are appended to plain, handshake or
 * alert bytes to send are appended to out. Returns 0, or -EPROTO with
 * *why set (a static reason: bad key, unknown identity, ...). */
int  tls_conn_feed(struct tls_conn *t, const uint8_t *p, size_t n,
                   struct buf *plain, struct buf *out, const char **why);
/* Plaintext to send, after the handshake: ciphertext appended to out. */
int  tls_conn_write(struct tls_conn *t, const uint8_t *p, size_t n,
                    struct buf *out);
int  tls_conn_ready(const struct tls_conn *t);
/* Server: the identity the peer authenticated with ("" before). */
const char *tls_conn_identity(const struct tls_conn *t);

/* Parses 64 hex digits into a key. 0 or -EINVAL. */
int  tls_key_parse(const char *hex, uint8_t key[TLS_KEY_LEN]);
/* A fresh random key and its hex form (65 bytes with the NUL). */
int  tls_key_new(uint8_t key[TLS_KEY_LEN], char hex[2 * TLS_KEY_LEN + 1]);

#endif /* TLS_H */
