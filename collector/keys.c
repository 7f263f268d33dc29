/* keys: see keys.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "keys.h"
#include "log.h"
#include "storage.h"

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
    sqlite3 *db = storage_handle(st);
    uint8_t key[TLS_KEY_LEN];
    sqlite3_stmt *s;
    int rc;

    if (strlen(agent_id) == 0 || strlen(agent_id) > TLS_IDENTITY_MAX)
        return -EINVAL;
    if (tls_key_new(key, hex) != 0)
        return -EIO;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO agent_keys (identity, "
            "school, key_hex, created, expires, revoked) VALUES "
            "(?1, ?2, ?3, ?4, ?5, 0)", -1, &s, NULL) != SQLITE_OK) {
        log_warnx("keys: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
    if (expires != 0)
        sqlite3_bind_int64(s, 5, expires);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
    if (rc != 0)
        log_warnx("keys: enroll %s: %s", agent_id, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    memset(key, 0, sizeof(key));
    return rc;
}

int
keys_revoke(struct storage *st, const char *agent_id)
{
    sqlite3 *db = storage_handle(st);
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(db, "UPDATE agent_keys SET revoked = 1 WHERE "
                           "identity = ?1", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
    if (rc == 0 && sqlite3_changes(db) == 0)
        rc = -ENOENT;
    sqlite3_finalize(s);
    return rc;
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

int
keyring_load(const char *path, struct keyring **out)
{
    struct keyring *r;
    struct storage *st;
    sqlite3_stmt *s;
    size_t cap = 0;
    int rc = 0;

    *out = NULL;
    if ((rc = storage_open_ro(path, &st)) != 0)
        return rc;
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        storage_close(st);
        return -ENOMEM;
    }
    if (sqlite3_prepare_v2(storage_handle(st), "SELECT identity, school, "
            "key_hex, expires, revoked FROM agent_keys", -1, &s,
            NULL) != SQLITE_OK) {
        storage_close(st);
        keyring_free(r);
        return -EIO;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct key_entry *e;
        if (r->n == cap) {
            struct key_entry *n;
            cap = cap ? cap * 2 : 64;
            n = realloc(r->e, cap * sizeof(*n));
            if (n == NULL) {
                rc = -ENOMEM;
                break;
            }
            r->e = n;
        }
        e = &r->e[r->n];
        memset(e, 0, sizeof(*e));
        if (tls_key_parse((const char *)sqlite3_column_text(s, 2), e->key) !=
            0) {
            log_warnx("keys: bad key for %s in the database; ignored",
                      (const char *)sqlite3_column_text(s, 0));
            continue;
        }
        e->identity = strdup((const char *)sqlite3_column_text(s, 0));
        e->school = strdup((const char *)sqlite3_column_text(s, 1));
        e->expires = sqlite3_column_int64(s, 3);
        e->revoked = sqlite3_column_int(s, 4);
        if (e->identity == NULL || e->school == NULL) {
            free(e->identity);
            free(e->school);
            rc = -ENOMEM;
            break;
        }
        r->n++;
    }
    sqlite3_finalize(s);
    storage_close(st);
    if (rc != 0) {
        keyring_free(r);
        return rc;
    }
    qsort(r->e, r->n, sizeof(*r->e), cmp_entry);
    *out = r;
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
