/* fuzz_conf: libFuzzer harness for the config parser (common/conf.c) as the
 * two programs use it. The first input byte picks the consumer, the rest
 * is the file:
 *   0  the agent's full load, agent_conf_load (its key table, class lines
 *      into the class map, the SNMP keys into the snmp module), then the
 *      `-n -v` print;
 *   1  the collector's collector_conf_load, check and print;
 *   2  conf_parse_string with a table holding every key type (CONF_U64 is
 *      in neither program's table yet) and a repeatable function key.
 * The loaders take a path: the bytes go into a memfd opened by path
 * (/proc/self/fd/N), so the real code path, fopen included, is exercised.
 *
 * SNMP pass phrases may be `file:PATH`; inputs naming a device or /proc
 * path there are skipped, since reading /dev/stdin would hang the run and
 * says nothing about the parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_conf.h"
#include "collector_conf.h"
#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static int mfd = -1;
static char mpath[64];

struct all {
    char *s;
    unsigned u;
    uint64_t big;
    int b;
    int calls;
};

static int
fn_any(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct all *a = obj;
    int i;

    if (argc < 1 || argc > CONF_MAX_ARGS)
        abort();
    for (i = 0; i < argc; i++)
        if (argv[i] == NULL || strlen(argv[i]) >= CONF_MAX_LINE)
            abort();
    if (argv[argc - 1][0] == '!') {
        snprintf(err, errlen, "refused %s", argv[argc - 1]);
        return -1;
    }
    a->calls++;
    return 0;
}

#define AT(f) CONF_AT(struct all, f)
static const struct conf_key all_keys[] = {
    {"str", CONF_STR, 0, 0, AT(s), NULL},
    {"uint", CONF_UINT, 3, 70000, AT(u), NULL},
    {"big", CONF_U64, 1024, 1ULL << 40, AT(big), NULL},
    {"bool", CONF_BOOL, 0, 0, AT(b), NULL},
    {"fn", CONF_FUNC, 0, 0, 0, fn_any},
    {NULL, 0, 0, 0, 0, NULL},
};

static int
hostile_secret_path(const uint8_t *d, size_t n)
{
    return memmem(d, n, "file:", 5) != NULL &&
           (memmem(d, n, "dev", 3) != NULL || memmem(d, n, "proc", 4) != NULL ||
            memmem(d, n, "fd", 2) != NULL || memmem(d, n, "sys", 3) != NULL);
}

static void
to_memfd(const uint8_t *d, size_t n)
{
    if (ftruncate(mfd, 0) != 0 || pwrite(mfd, d, n, 0) != (ssize_t)n)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int has_nul;

    if (devnull == NULL) {
        if ((devnull = fopen("/dev/null", "w")) == NULL)
            abort();
        /* 0600: a config holding secrets must not be readable by others,
         * and the checks after that one should run too */
        if ((mfd = memfd_create("fuzz_conf", 0)) < 0 || fchmod(mfd, 0600))
            abort();
        snprintf(mpath, sizeof(mpath), "/proc/self/fd/%d", mfd);
    }
    if (size < 1 || hostile_secret_path(data, size))
        return 0;
    has_nul = memchr(data + 1, '\0', size - 1) != NULL;
    switch (data[0] % 3) {
    case 0: {
        struct agent_conf c;

        if (agent_conf_init(&c) != 0)
            abort();
        to_memfd(data + 1, size - 1);
        if (agent_conf_load(&c, mpath, devnull) < 0 && !has_nul)
            abort(); /* -1 is for unreadable files (and NUL bytes) */
        agent_conf_print(&c, devnull);
        agent_conf_free(&c);
        break;
    }
    case 1: {
        struct collector_conf c;

        collector_conf_defaults(&c);
        to_memfd(data + 1, size - 1);
        if (collector_conf_load(&c, mpath, devnull) < 0 && !has_nul)
            abort();
        collector_conf_check(&c, devnull);
        collector_conf_print(&c, devnull);
        collector_conf_free(&c);
        break;
    }
    default: {
        struct all a;
        char *text = malloc(size);
        int n;

        if (text == NULL)
            abort();
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        memset(&a, 0, sizeof(a));
        n = conf_parse_string("fuzz", text, all_keys, &a, devnull);
        if (n < 0)
            abort();
        if (n == 0 && (a.u != 0 && (a.u < 3 || a.u > 70000)))
            abort();
        if (n == 0 && a.big != 0 && (a.big < 1024 || a.big > 1ULL << 40))
            abort();
        free(a.s);
        free(text);
        break;
    }
    }
    return 0;
}
