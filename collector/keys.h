/* keys: agent credentials. `enroll` issues a key bound to a school and an
 * agent id (schema/007_agent_keys.sql); the running collector keeps every
 * key in memory (a keyring) so that a TLS handshake never waits on the
 * database, and reloads the ring off the loop every `keys_reload` seconds,
 * so a newly enrolled or revoked agent takes effect without a restart. */
#ifndef KEYS_H
#define KEYS_H

#include <stdint.h>
#include <stdio.h>

#include "tls.h"

struct storage;
struct keyring;

/* Issues (or replaces) the key of agent_id for school; expires 0 = never.
 * Writes the hex key into hex. 0 or -errno (logged). */
int keys_enroll(struct storage *st, const char *school, const char *agent_id,
                int64_t expires, char hex[2 * TLS_KEY_LEN + 1]);
/* Marks agent_id's key revoked. 0, -ENOENT or -EIO. */
int keys_revoke(struct storage *st, const char *agent_id);

/* Loads every key of the database at path (read-only). 0 or -errno. */
int  keyring_load(const char *path, struct keyring **out);
void keyring_free(struct keyring *r);
size_t keyring_size(const struct keyring *r);
/* tls_lookup_fn for tls_ctx_server; arg is a struct keyring **, so the
 * ring can be swapped under a running server. */
int  keyring_lookup(void *arg, const char *identity,
                    uint8_t key[TLS_KEY_LEN]);
/* The school identity's key is bound to, or NULL. */
const char *keyring_school(const struct keyring *r, const char *identity);

#endif /* KEYS_H */
