/* agent_conf: see agent_conf.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent_conf.h"
#include "classmap.h"
#include "conf.h"
#include "probe.h"
#include "snmp.h"
#include "tls.h"

#define AT(f) CONF_AT(struct agent_conf, f)

/* class NAME PREFIX|vlan:N */
static int
key_class(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct agent_conf *c = obj;
    const char *why = NULL;

    if (argc != 3) {
        snprintf(err, errlen, "class: want `class NAME PREFIX|vlan:N`");
        return -1;
    }
    if (classmap_add(c->cm, argv[1], argv[2], &why) != 0) {
        snprintf(err, errlen, "class %s: %s", argv[1],
                 why ? why : "invalid");
        return -1;
    }
    c->nclass_lines++;
    return 0;
}

/* local PREFIX: addresses on the school side that belong to no class */
static int
key_local(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct agent_conf *c = obj;

    if (argc != 2) {
        snprintf(err, errlen, "local: want `local PREFIX`");
        return -1;
    }
    if (classmap_add_local(c->cm, argv[1]) != 0) {
        snprintf(err, errlen, "local: %s is not a valid prefix", argv[1]);
        return -1;
    }
    return 0;
}

/* interface NAME: a LAN-side interface to capture on (repeatable) */
static int
key_iface(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct agent_conf *c = obj;
    int i;

    if (argc != 2) {
        snprintf(err, errlen, "interface: want `interface NAME`");
        return -1;
    }
    if (c->nifaces == AGENT_MAX_IFACES) {
        snprintf(err, errlen, "interface: at most %d", AGENT_MAX_IFACES);
        return -1;
    }
    for (i = 0; i < c->nifaces; i++)
        if (strcmp(c->ifaces[i], argv[1]) == 0) {
            snprintf(err, errlen, "interface %s: given twice", argv[1]);
            return -1;
        }
    c->ifaces[c->nifaces] = strdup(argv[1]);
    if (c->ifaces[c->nifaces] == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->nifaces++;
    return 0;
}

/* Notes the secrets of an SNMP target SPEC (docs/SNMP.md): a v1/v2c
 * community, or v3 pass phrases unless given as file:PATH or env:VAR. */
static void
note_secrets(struct agent_conf *c, const char *spec)
{
    char buf[1024], *tok[16], *save = NULL, *at, *t;
    int n = 0, i, pass_at[2] = {-1, -1};

    if (strncmp(spec, "v1:", 3) == 0 || strncmp(spec, "v2c:", 4) == 0) {
        c->inline_secrets = 1;
        return;
    }
    if (strncmp(spec, "v3:", 3) != 0)
        return;
    snprintf(buf, sizeof(buf), "%s", spec);
    at = strrchr(buf, '@');
    if (at != NULL)
        *at = '\0';
    for (t = strtok_r(buf, ":", &save); t != NULL && n < 16;
         t = strtok_r(NULL, ":", &save))
        tok[n++] = t;
    /* v3 USER LEVEL [PROTO PASS [PRIVPROTO PASS]]; a PASS of the form
     * file:PATH or env:VAR spans two tokens */
    if (n < 3)
        return;
    if (strcmp(tok[2], "authNoPriv") == 0 || strcmp(tok[2], "authPriv") == 0)
        pass_at[0] = 4;
    for (i = 0; i < 2 && pass_at[i] >= 0 && pass_at[i] < n; i++) {
        int p = pass_at[i], next = p + 1;
        if ((strcmp(tok[p], "file") == 0 || strcmp(tok[p], "env") == 0) &&
            p + 1 < n) {
            if (tok[p][0] == 'f' && c->nsecret_files < 16)
                c->secret_files[c->nsecret_files++] = strdup(tok[p + 1]);
            next = p + 2;
        } else {
            c->inline_secrets = 1;
        }
        if (i == 0 && strcmp(tok[2], "authPriv") == 0)
            pass_at[1] = next + 1;
    }
}

/* SNMP keys belong to the snmp module; it validates them. */
static int
key_snmp(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct agent_conf *c = obj;

    if (strcmp(argv[0], "snmp_target") == 0 && argc >= 3)
        note_secrets(c, argv[2]);
    return snmp_conf_line(c->snmp, argc, argv, err, errlen);
}

/* Probe keys belong to the probe module; it validates them. */
static int
key_probe(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct agent_conf *c = obj;

    return probe_conf_line(c->probe, argc, argv, err, errlen);
}

/* tls_key HEX | file:PATH: this agent's credentials from `enroll` */
static int
key_tls(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct agent_conf *c = obj;

    if (argc != 2) {
        snprintf(err, errlen, "tls_key: want `tls_key HEX` or "
                              "`tls_key file:PATH`");
        return -1;
    }
    if (c->tls_key != NULL) {
        snprintf(err, errlen, "tls_key: given more than once");
        return -1;
    }
    if (strncmp(argv[1], "file:", 5) == 0) {
        if (c->nsecret_files < 16)
            c->secret_files[c->nsecret_files++] = strdup(argv[1] + 5);
    } else {
        uint8_t k[TLS_KEY_LEN];
        if (tls_key_parse(argv[1], k) != 0) {
            snprintf(err, errlen, "tls_key: not 64 hex digits (use the line "
                                  "`classband-collector enroll` printed)");
            return -1;
        }
        c->inline_secrets = 1;
    }
    c->tls_key = strdup(argv[1]);
    return c->tls_key ? 0 : -1;
}

static const struct conf_key agent_keys[] = {
    {"agent_id", CONF_STR, 0, 0, AT(agent_id), NULL},
    {"school", CONF_STR, 0, 0, AT(school), NULL},
    {"collector", CONF_STR, 0, 0, AT(collector), NULL},
    {"classes", CONF_STR, 0, 0, AT(classes), NULL},
    {"spool", CONF_STR, 0, 0, AT(spool), NULL},
    {"spool_max_mb", CONF_UINT, 1, 4096, AT(spool_max_mb), NULL},
    {"max_devices", CONF_UINT, 256, 4000000, AT(max_devices), NULL},
    {"window", CONF_UINT, 1, 256, AT(window), NULL},
    {"user", CONF_STR, 0, 0, AT(user), NULL},
    {"tls_key", CONF_FUNC, 0, 0, 0, key_tls},
    {"plaintext", CONF_BOOL, 0, 0, AT(plaintext), NULL},
    {"bpf_filter", CONF_STR, 0, 0, AT(bpf_filter), NULL},
    {"buffer_kib", CONF_UINT, 64, 1048576, AT(buffer_kib), NULL},
    {"snaplen", CONF_UINT, 64, 65535, AT(snaplen), NULL},
    {"promisc", CONF_BOOL, 0, 0, AT(promisc), NULL},
    {"interface", CONF_FUNC, 0, 0, 0, key_iface},
    {"class", CONF_FUNC, 0, 0, 0, key_class},
    {"local", CONF_FUNC, 0, 0, 0, key_local},
    {NULL, 0, 0, 0, 0, NULL},
};

int
agent_conf_init(struct agent_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->spool_max_mb = 32;
    c->max_devices = 65536;
    c->window = 16;
    c->buffer_kib = 2048;
    c->snaplen = 256;
    c->cm = classmap_new();
    c->snmp = snmp_set_new();
    c->probe = probe_set_new();
    return c->cm && c->snmp && c->probe ? 0 : -ENOMEM;
}

int
agent_conf_load(struct agent_conf *c, const char *path, FILE *errs)
{
    struct conf_key keys[sizeof(agent_keys) / sizeof(agent_keys[0]) + 32];
    size_t nk = 0, i;
    int n;

    /* the fixed keys, then one entry per key the SNMP module handles */
    for (i = 0; agent_keys[i].name != NULL; i++)
        keys[nk++] = agent_keys[i];
    for (i = 0; snmp_conf_keys[i] != NULL && nk < sizeof(keys) / sizeof(keys[0]) - 1; i++)
        keys[nk++] = (struct conf_key){snmp_conf_keys[i], CONF_FUNC, 0, 0, 0,
                                       key_snmp};
    for (i = 0; probe_conf_keys[i] != NULL && nk < sizeof(keys) / sizeof(keys[0]) - 1; i++)
        keys[nk++] = (struct conf_key){probe_conf_keys[i], CONF_FUNC, 0, 0, 0,
                                       key_probe};
    keys[nk] = (struct conf_key){NULL, 0, 0, 0, 0, NULL};
    n = conf_parse_file(path, keys, c, errs);
    if (n < 0)
        return n;
    if (c->inline_secrets && conf_check_private(path, errs) != 0)
        n++;
    for (i = 0; i < (size_t)c->nsecret_files; i++)
        if (c->secret_files[i] != NULL &&
            conf_check_private(c->secret_files[i], errs) != 0)
            n++;
    if (c->school != NULL && strlen(c->school) > 64) {
        fprintf(errs, "%s: school: longer than 64 bytes\n", path);
        n++;
    }
    return n;
}

void
agent_conf_print(const struct agent_conf *c, FILE *out)
{
#define S(x) ((x) ? (x) : "(unset)")
    fprintf(out, "agent_id %s\nschool %s\ncollector %s\n", S(c->agent_id),
            S(c->school), S(c->collector));
    if (c->classes)
        fprintf(out, "classes %s\n", c->classes);
    for (int i = 0; i < c->nifaces; i++)
        fprintf(out, "interface %s\n", c->ifaces[i]);
    if (c->user)
        fprintf(out, "user %s\n", c->user);
    if (c->bpf_filter)
        fprintf(out, "bpf_filter \"%s\"\n", c->bpf_filter);
    fprintf(out, "buffer_kib %u\nsnaplen %u\npromisc %s\n", c->buffer_kib,
            c->snaplen, c->promisc ? "yes" : "no");
    fprintf(out, "spool %s\nspool_max_mb %u\nmax_devices %u\nwindow %u\n",
            S(c->spool), c->spool_max_mb, c->max_devices, c->window);
#undef S
    classmap_print(c->cm, out);
}

void
agent_conf_free(struct agent_conf *c)
{
    free(c->agent_id);
    free(c->school);
    free(c->collector);
    free(c->classes);
    free(c->spool);
    free(c->user);
    if (c->tls_key != NULL)
        memset(c->tls_key, 0, strlen(c->tls_key));
    free(c->tls_key);
    free(c->bpf_filter);
    for (int i = 0; i < c->nifaces; i++)
        free(c->ifaces[i]);
    for (int i = 0; i < c->nsecret_files; i++)
        free(c->secret_files[i]);
    classmap_free(c->cm);
    snmp_set_free(c->snmp);
    probe_set_free(c->probe);
    memset(c, 0, sizeof(*c));
}
