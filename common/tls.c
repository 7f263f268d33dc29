/* tls: see tls.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "tls.h"

/* TLS_AES_128_GCM_SHA256: every TLS 1.3 stack has it; the PSK session
 * must name the suite its key is used with. */
static const unsigned char aes128gcmsha256_id[] = {0x13, 0x01};

struct tls_ctx {
    SSL_CTX *ssl;
    int server;
    tls_lookup_fn lookup;
    void *arg;
    char identity[TLS_IDENTITY_MAX + 1];
    uint8_t key[TLS_KEY_LEN];
};

struct tls_conn {
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    struct tls_ctx *ctx;
    int ready;
    int lookup_rc;    /* why the server refused the identity */
    char identity[TLS_IDENTITY_MAX + 1];
};

static int conn_index = -1;

static SSL_SESSION *
psk_session(SSL *ssl, const uint8_t key[TLS_KEY_LEN])
{
    const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, aes128gcmsha256_id);
    SSL_SESSION *s;

    if (cipher == NULL || (s = SSL_SESSION_new()) == NULL)
        return NULL;
    if (!SSL_SESSION_set1_master_key(s, key, TLS_KEY_LEN) ||
        !SSL_SESSION_set_cipher(s, cipher) ||
        !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
        SSL_SESSION_free(s);
        return NULL;
    }
    return s;
}

static int
find_session_cb(SSL *ssl, const unsigned char *id, size_t idlen,
                SSL_SESSION **sess)
{
    struct tls_conn *t = SSL_get_ex_data(ssl, conn_index);
    uint8_t key[TLS_KEY_LEN];
    int rc;

    *sess = NULL;
    if (t == NULL || idlen == 0 || idlen > TLS_IDENTITY_MAX ||
        memchr(id, '\0', idlen) != NULL) {
        if (t != NULL)
            t->lookup_rc = -ENOENT;
        return 1; /* no session: the handshake fails */
    }
    memcpy(t->identity, id, idlen);
    t->identity[idlen] = '\0';
    rc = t->ctx->lookup(t->ctx->arg, t->identity, key);
    if (rc != 0) {
        t->lookup_rc = rc;
        return 1;
    }
    *sess = psk_session(ssl, key);
    OPENSSL_cleanse(key, sizeof(key));
    return *sess != NULL;
}

static int
use_session_cb(SSL *ssl, const EVP_MD *md, const unsigned char **id,
               size_t *idlen, SSL_SESSION **sess)
{
    struct tls_conn *t = SSL_get_ex_data(ssl, conn_index);

    (void)md;
    *sess = psk_session(ssl, t->ctx->key);
    if (*sess == NULL)
        return 0;
    *id = (const unsigned char *)t->ctx->identity;
    *idlen = strlen(t->ctx->identity);
    return 1;
}

static int
ctx_common(int server, struct tls_ctx **out)
{
    struct tls_ctx *c;

    *out = NULL;
    if (conn_index < 0)
        conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->server = server;
    c->ssl = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (c->ssl == NULL) {
        free(c);
        return -ENOMEM;
    }
    SSL_CTX_set_min_proto_version(c->ssl, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(c->ssl, TLS1_3_VERSION);
    SSL_CTX_set_ciphersuites(c->ssl, "TLS_AES_128_GCM_SHA256");
    /* idle agents should cost little: give the record buffers back */
    SSL_CTX_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_options(c->ssl, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(c->ssl, 0);
    *out = c;
    return 0;
}

int
tls_ctx_server(tls_lookup_fn fn, void *arg, struct tls_ctx **out)
{
    int rc = ctx_common(1, out);

    if (rc != 0)
        return rc;
    (*out)->lookup = fn;
    (*out)->arg = arg;
    SSL_CTX_set_psk_find_session_callback((*out)->ssl, find_session_cb);
    return 0;
}

int
tls_ctx_client(const char *identity, const uint8_t key[TLS_KEY_LEN],
               struct tls_ctx **out)
{
    int rc;

    if (strlen(identity) == 0 || strlen(identity) > TLS_IDENTITY_MAX)
        return -EINVAL;
    if ((rc = ctx_common(0, out)) != 0)
        return rc;
    snprintf((*out)->identity, sizeof((*out)->identity), "%s", identity);
    memcpy((*out)->key, key, TLS_KEY_LEN);
    SSL_CTX_set_psk_use_session_callback((*out)->ssl, use_session_cb);
    return 0;
}

void
tls_ctx_free(struct tls_ctx *c)
{
    if (c == NULL)
        return;
    SSL_CTX_free(c->ssl);
    OPENSSL_cleanse(c->key, sizeof(c->key));
    free(c);
}

int
tls_conn_new(struct tls_ctx *c, struct tls_conn **out)
{
    struct tls_conn *t;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->ctx = c;
    t->ssl = SSL_new(c->ssl);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        return -ENOMEM;
    }
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_ex_data(t->ssl, conn_index, t);
    if (c->server)
        SSL_set_accept_state(t->ssl);
    else
        SSL_set_connect_state(t->ssl);
    *out = t;
    return 0;
}

void
tls_conn_free(struct tls_conn *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl);
    free(t);
}

static int
drain(struct tls_conn *t, struct buf *out)
{
    char tmp[16384];
    int n;

    while ((n = BIO_read(t->wbio, tmp, sizeof(tmp))) > 0)
        if (buf_append(out, tmp, (size_t)n) != 0)
            return -ENOMEM;
    return 0;
}

static const char *
refusal(const struct tls_conn *t)
{
    switch (t->lookup_rc) {
    case -ENOENT: return "TLS: unknown agent identity";
    case -EKEYEXPIRED: return "TLS: agent credentials expired";
    case -EKEYREVOKED: return "TLS: agent credentials revoked";
    default: return NULL;
    }
}

static int
step(struct tls_conn *t, struct buf *out, const char **why)
{
    int rc, err;

    if (t->ready)
        return 0;
    rc = SSL_do_handshake(t->ssl);
    if (drain(t, out) != 0)
        return -ENOMEM;
    if (rc == 1) {
        t->ready = 1;
        return 0;
    }
    err = SSL_get_error(t->ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return 0;
    *why = refusal(t);
    if (*why == NULL) {
        unsigned long e = ERR_peek_last_error();
        *why = e != 0 && ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER
                   ? "TLS: peer does not speak TLS"
                   : "TLS: handshake failed (wrong key, or not TLS 1.3 PSK)";
    }
    ERR_clear_error();
    return -EPROTO;
}

int
tls_conn_start(struct tls_conn *t, struct buf *out)
{
    const char *why;

    return step(t, out, &why);
}

int
tls_conn_feed(struct tls_conn *t, const uint8_t *p, size_t n,
              struct buf *plain, struct buf *out, const char **why)
{
    char tmp[16384];
    int rc, err;

    *why = NULL;
    if (n > 0 && BIO_write(t->rbio, p, (int)n) != (int)n)
        return -ENOMEM;
    if ((rc = step(t, out, why)) != 0 || !t->ready)
        return rc;
    for (;;) {
        rc = SSL_read(t->ssl, tmp, sizeof(tmp));
        if (rc > 0) {
            if (buf_append(plain, tmp, (size_t)rc) != 0) {
                *why = "TLS: plaintext over the buffer limit";
                return -EPROTO;
            }
            continue;
        }
        err = SSL_get_error(t->ssl, rc);
        if (drain(t, out) != 0)
            return -ENOMEM;
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            /* nothing buffered now: an idle session keeps no record
             * buffers (thousands of agents are idle most of the minute) */
            SSL_free_buffers(t->ssl);
            return 0;
        }
        if (err == SSL_ERROR_ZERO_RETURN) {
            *why = "TLS: peer closed the session";
            return -EPROTO;
        }
        ERR_clear_error();
        *why = "TLS: bad record (tampered or replayed data)";
        return -EPROTO;
    }
}

int
tls_conn_write(struct tls_conn *t, const uint8_t *p, size_t n,
               struct buf *out)
{
    int rc;

    if (!t->ready)
        return -EAGAIN;
    while (n > 0) {
        rc = SSL_write(t->ssl, p, n > 16384 ? 16384 : (int)n);
        if (rc <= 0) {
            ERR_clear_error();
            return -EIO;
        }
        p += rc;
        n -= (size_t)rc;
    }
    return drain(t, out);
}

int
tls_conn_ready(const struct tls_conn *t)
{
    return t->ready;
}

const char *
tls_conn_identity(const struct tls_conn *t)
{
    return t->identity;
}

int
tls_key_parse(const char *hex, uint8_t key[TLS_KEY_LEN])
{
    size_t i;
    unsigned v;

    if (strlen(hex) != 2 * TLS_KEY_LEN)
        return -EINVAL;
    for (i = 0; i < TLS_KEY_LEN; i++) {
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
            strchr("0123456789abcdefABCDEF", hex[2 * i]) == NULL ||
            strchr("0123456789abcdefABCDEF", hex[2 * i + 1]) == NULL)
            return -EINVAL;
        key[i] = (uint8_t)v;
    }
    return 0;
}

int
tls_key_new(uint8_t key[TLS_KEY_LEN], char hex[2 * TLS_KEY_LEN + 1])
{
    size_t i;

    if (RAND_bytes(key, TLS_KEY_LEN) != 1)
        return -EIO;
    for (i = 0; i < TLS_KEY_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    return 0;
}
