/* keys: see keys.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "log.h"
#include "storage.h"
#include "storage_admin.h"

struct key_entry {
    char *identity;
    char *school;
    uint8_t key[TLS_KEY_LEN];
    int64_t expires; /* 0: never */
    int revoked;
};

struct keyring {
    struct key_entry *e; /* sorted by identity */
    size_t n;
};

int
keys_enroll(struct storage *st, const char *school, const char *agent_id,
            int64_t expires, char hex[2 * TLS_KEY_LEN + 1])
{
    uint8_t key[TLS_KEY_LEN];
    int rc;

    if (strlen(agent_id) == 0 || strlen(agent_id) > TLS_IDENTITY_MAX)
        return -EINVAL;
    if (tls_key_new(key, hex) != 0)
        return -EIO;
    rc = storage_key_put(st, agent_id, school, hex, (int64_t)time(NULL),
                         expires);
    memset(key, 0, sizeof(key));
    return rc;
}

int
keys_revoke(struct storage *st, const char *agent_id)
{
    return storage_key_revoke(st, agent_id);
}

static int
cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct key_entry *)a)->identity,
                  ((const struct key_entry *)b)->identity);
}

void
keyring_free(struct keyring *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->n; i++) {
        free(r->e[i].identity);
        free(r->e[i].school);
    }
    memset(r->e, 0, r->n * sizeof(*r->e));
    free(r->e);
    free(r);
}

struct ring_fill {
    struct keyring *r;
    size_t cap;
};

static int
ring_add(void *arg, const struct storage_key *k)
{
    struct ring_fill *f = arg;
    struct keyring *r = f->r;
    struct key_entry *e;

    if (r->n == f->cap) {
        struct key_entry *n;
        size_t cap = f->cap ? f->cap * 2 : 64;

        n = realloc(r->e, cap * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        r->e = n;
        f->cap = cap;
    }
    e = &r->e[r->n];
    memset(e, 0, sizeof(*e));
    if (tls_key_parse(k->key_hex, e->key) != 0) {
        log_warnx("keys: bad key for %s in the database; ignored",
                  k->identity);
        return 0;
    }
    e->identity = strdup(k->identity);
    e->school = strdup(k->school);
    e->expires = k->expires;
    e->revoked = k->revoked;
    if (e->identity == NULL || e->school == NULL) {
        free(e->identity);
        free(e->school);
        return -ENOMEM;
    }
    r->n++;
    return 0;
}

int
keyring_load(const char *path, struct keyring **out)
{
    struct ring_fill f;
    struct storage *st;
    int rc = 0;

    *out = NULL;
    if ((rc = storage_open_ro(path, &st)) != 0)
        return rc;
    f.cap = 0;
    f.r = calloc(1, sizeof(*f.r));
    if (f.r == NULL) {
        storage_close(st);
        return -ENOMEM;
    }
    rc = storage_key_each(st, ring_add, &f);
    storage_close(st);
    if (rc != 0) {
        keyring_free(f.r);
        return rc;
    }
    qsort(f.r->e, f.r->n, sizeof(*f.r->e), cmp_entry);
    *out = f.r;
    return 0;
}

size_t
keyring_size(const struct keyring *r)
{
    return r ? r->n : 0;
}

static const struct key_entry *
find(const struct keyring *r, const char *identity)
{
    struct key_entry k;

    if (r == NULL || r->n == 0)
        return NULL;
    k.identity = (char *)identity;
    return bsearch(&k, r->e, r->n, sizeof(*r->e), cmp_entry);
}

int
keyring_lookup(void *arg, const char *identity, uint8_t key[TLS_KEY_LEN])
{
    const struct keyring *r = *(struct keyring **)arg;
    const struct key_entry *e = find(r, identity);

    if (e == NULL)
        return -ENOENT;
    if (e->revoked)
        return -EKEYREVOKED;
    if (e->expires != 0 && e->expires <= (int64_t)time(NULL))
        return -EKEYEXPIRED;
    memcpy(key, e->key, TLS_KEY_LEN);
    return 0;
}

const char *
keyring_school(const struct keyring *r, const char *identity)
{
    const struct key_entry *e = find(r, identity);

    return e ? e->school : NULL;
}
