/* classmap: CIDR/VLAN -> class, longest-prefix match.
 *
 * Layout for speed: one open-addressing hash table per distinct prefix
 * length, kept sorted from the longest length down, separately for class
 * prefixes and local prefixes. A lookup masks the address once per length
 * and probes; a school has a handful of distinct lengths (/24, /16, /8,
 * /64...), so a lookup is a few multiplications and cache lines. IPv4 keys
 * are 32-bit with 8-byte slots, and an 8 KiB bitmap of the /16s that any
 * IPv4 rule touches answers most remote (non-local) addresses at once; IPv6
 * keys are two 64-bit words. The rule list is kept beside the tables for duplicate checks and
 * for printing. Nothing is freed or moved during a lookup. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cidr.h"
#include "classmap.h"

#define SLOT_EMPTY INT32_MIN
#define CSV_MAX_LINE 4096
#define CSV_MAX_FILE (16u << 20)

struct lpm_slot {
    uint64_t hi, lo;
    int32_t val;
};

struct lpm_level {
    uint64_t mhi, mlo; /* mask of this length */
    size_t capmask;    /* capacity - 1 (power of two) */
    size_t n;
    unsigned len;
    struct lpm_slot *slots;
};

struct lpm {
    unsigned nlevels;
    struct lpm_level lv[129]; /* sorted by len, longest first */
};

/* IPv4 has its own tables with 8-byte slots: a school's class table then
 * fits in a few KiB of cache. */
struct lpm4_slot {
    uint32_t key;
    int32_t val;
};

struct lpm4_level {
    uint32_t mask;
    unsigned len;
    size_t capmask, n;
    struct lpm4_slot *slots;
};

struct lpm4 {
    unsigned nlevels;
    struct lpm4_level lv[33]; /* longest first */
};

struct rule {
    struct cidr pfx;
    int32_t cls; /* class id, or CLASSMAP_LOCAL for a local prefix */
};

struct classmap {
    char **names;
    size_t nclasses, capclasses;
    struct lpm4 cls4, loc4;
    struct lpm cls6, loc6;
    bool local_explicit;
    struct rule *rules;
    size_t nrules, caprules;
    size_t nvlans;
    int32_t vlan[CLASSMAP_VLAN_MAX + 1];
    /* Bit n set: some IPv4 rule (class or local) may match inside n/16.
     * Most packets have one remote address; this turns its miss into one
     * bit test in an 8 KiB table instead of a probe per prefix length. */
    uint64_t v4_any16[65536 / 64];
};

static inline size_t
key_hash(uint64_t hi, uint64_t lo)
{
    uint64_t x = hi ^ (lo * 0x9e3779b97f4a7c15ull);

    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return (size_t)x;
}

static void
key_of(const struct cidr *c, uint64_t *hi, uint64_t *lo)
{
    uint64_t h = 0, l = 0;
    int i;

    if (c->af == AF_INET) {
        for (i = 0; i < 4; i++)
            h = (h << 8) | c->addr[i];
        *hi = h << 32;
        *lo = 0;
        return;
    }
    for (i = 0; i < 8; i++)
        h = (h << 8) | c->addr[i];
    for (i = 8; i < 16; i++)
        l = (l << 8) | c->addr[i];
    *hi = h;
    *lo = l;
}

static void
mask_of(unsigned len, uint64_t *mhi, uint64_t *mlo)
{
    *mhi = len == 0 ? 0 : len >= 64 ? ~0ull : ~0ull << (64 - len);
    *mlo = len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
}

static inline int32_t
lpm_find(const struct lpm *t, uint64_t hi, uint64_t lo)
{
    unsigned i;

    for (i = 0; i < t->nlevels; i++) {
        const struct lpm_level *lv = &t->lv[i];
        uint64_t kh = hi & lv->mhi, kl = lo & lv->mlo;
        size_t h = key_hash(kh, kl) & lv->capmask;

        for (;;) {
            const struct lpm_slot *s = &lv->slots[h];

            if (s->val == SLOT_EMPTY)
                break;
            if (s->hi == kh && s->lo == kl)
                return s->val;
            h = (h + 1) & lv->capmask;
        }
    }
    return SLOT_EMPTY;
}

static void
lpm_clear(struct lpm *t)
{
    unsigned i;

    for (i = 0; i < t->nlevels; i++)
        free(t->lv[i].slots);
    t->nlevels = 0;
}

static struct lpm_slot *
slots_new(size_t cap)
{
    struct lpm_slot *s = malloc(cap * sizeof(*s));
    size_t i;

    if (s == NULL)
        return NULL;
    for (i = 0; i < cap; i++)
        s[i].val = SLOT_EMPTY;
    return s;
}

static void
level_put(struct lpm_level *lv, uint64_t hi, uint64_t lo, int32_t val)
{
    size_t h = key_hash(hi, lo) & lv->capmask;

    while (lv->slots[h].val != SLOT_EMPTY)
        h = (h + 1) & lv->capmask;
    lv->slots[h].hi = hi;
    lv->slots[h].lo = lo;
    lv->slots[h].val = val;
    lv->n++;
}

/* Inserts a key known to be absent. Returns 0 or -ENOMEM (t unchanged). */
static int
lpm_insert(struct lpm *t, const struct cidr *c, int32_t val)
{
    struct lpm_level *lv = NULL;
    uint64_t hi, lo;
    unsigned i;

    for (i = 0; i < t->nlevels; i++) {
        if (t->lv[i].len == c->len) {
            lv = &t->lv[i];
            break;
        }
        if (t->lv[i].len < c->len)
            break;
    }
    if (lv == NULL) {
        struct lpm_slot *s = slots_new(8);

        if (s == NULL)
            return -ENOMEM;
        memmove(&t->lv[i + 1], &t->lv[i],
                (t->nlevels - i) * sizeof(t->lv[0]));
        t->nlevels++;
        lv = &t->lv[i];
        memset(lv, 0, sizeof(*lv));
        lv->len = c->len;
        lv->capmask = 7;
        lv->slots = s;
        mask_of(c->len, &lv->mhi, &lv->mlo);
    }
    if ((lv->n + 1) * 2 > lv->capmask + 1) {
        struct lpm_level grown = *lv;
        size_t j;

        grown.capmask = (lv->capmask + 1) * 2 - 1;
        grown.slots = slots_new(grown.capmask + 1);
        grown.n = 0;
        if (grown.slots == NULL)
            return -ENOMEM; /* an empty new level may stay; harmless */
        for (j = 0; j <= lv->capmask; j++)
            if (lv->slots[j].val != SLOT_EMPTY)
                level_put(&grown, lv->slots[j].hi, lv->slots[j].lo,
                          lv->slots[j].val);
        free(lv->slots);
        *lv = grown;
    }
    key_of(c, &hi, &lo);
    level_put(lv, hi, lo, val);
    return 0;
}

/* Exact-match lookup of a prefix in a table. */
static int32_t
lpm_exact(const struct lpm *t, const struct cidr *c)
{
    uint64_t hi, lo;
    unsigned i;

    key_of(c, &hi, &lo);
    for (i = 0; i < t->nlevels; i++) {
        const struct lpm_level *lv = &t->lv[i];
        size_t h;

        if (lv->len != c->len)
            continue;
        h = key_hash(hi, lo) & lv->capmask;
        while (lv->slots[h].val != SLOT_EMPTY) {
            if (lv->slots[h].hi == hi && lv->slots[h].lo == lo)
                return lv->slots[h].val;
            h = (h + 1) & lv->capmask;
        }
    }
    return SLOT_EMPTY;
}

static inline size_t
hash4(uint32_t k)
{
    return (size_t)(((uint64_t)k * 0x9e3779b97f4a7c15ull) >> 32);
}

static inline int32_t
lpm4_find(const struct lpm4 *t, uint32_t a)
{
    unsigned i;

    for (i = 0; i < t->nlevels; i++) {
        const struct lpm4_level *lv = &t->lv[i];
        uint32_t k = a & lv->mask;
        size_t h = hash4(k) & lv->capmask;

        for (;;) {
            const struct lpm4_slot *s = &lv->slots[h];

            if (s->val == SLOT_EMPTY)
                break;
            if (s->key == k)
                return s->val;
            h = (h + 1) & lv->capmask;
        }
    }
    return SLOT_EMPTY;
}

static uint32_t
addr4_of(const struct cidr *c)
{
    return (uint32_t)c->addr[0] << 24 | (uint32_t)c->addr[1] << 16 |
           (uint32_t)c->addr[2] << 8 | c->addr[3];
}

static int32_t
lpm4_exact(const struct lpm4 *t, const struct cidr *c)
{
    uint32_t k = addr4_of(c);
    unsigned i;

    for (i = 0; i < t->nlevels; i++) {
        const struct lpm4_level *lv = &t->lv[i];
        size_t h;

        if (lv->len != c->len)
            continue;
        h = hash4(k) & lv->capmask;
        while (lv->slots[h].val != SLOT_EMPTY) {
            if (lv->slots[h].key == k)
                return lv->slots[h].val;
            h = (h + 1) & lv->capmask;
        }
    }
    return SLOT_EMPTY;
}

static struct lpm4_slot *
slots4_new(size_t cap)
{
    struct lpm4_slot *s = malloc(cap * sizeof(*s));
    size_t i;

    if (s == NULL)
        return NULL;
    for (i = 0; i < cap; i++)
        s[i].val = SLOT_EMPTY;
    return s;
}

static void
level4_put(struct lpm4_level *lv, uint32_t k, int32_t val)
{
    size_t h = hash4(k) & lv->capmask;

    while (lv->slots[h].val != SLOT_EMPTY)
        h = (h + 1) & lv->capmask;
    lv->slots[h].key = k;
    lv->slots[h].val = val;
    lv->n++;
}

static int
lpm4_insert(struct lpm4 *t, const struct cidr *c, int32_t val)
{
    struct lpm4_level *lv = NULL;
    unsigned i;

    for (i = 0; i < t->nlevels; i++) {
        if (t->lv[i].len == c->len) {
            lv = &t->lv[i];
            break;
        }
        if (t->lv[i].len < c->len)
            break;
    }
    if (lv == NULL) {
        struct lpm4_slot *s = slots4_new(8);

        if (s == NULL)
            return -ENOMEM;
        memmove(&t->lv[i + 1], &t->lv[i],
                (t->nlevels - i) * sizeof(t->lv[0]));
        t->nlevels++;
        lv = &t->lv[i];
        memset(lv, 0, sizeof(*lv));
        lv->len = c->len;
        lv->mask = c->len == 0 ? 0 : ~0u << (32 - c->len);
        lv->capmask = 7;
        lv->slots = s;
    }
    if ((lv->n + 1) * 2 > lv->capmask + 1) {
        struct lpm4_level grown = *lv;
        size_t j;

        grown.capmask = (lv->capmask + 1) * 2 - 1;
        grown.slots = slots4_new(grown.capmask + 1);
        grown.n = 0;
        if (grown.slots == NULL)
            return -ENOMEM;
        for (j = 0; j <= lv->capmask; j++)
            if (lv->slots[j].val != SLOT_EMPTY)
                level4_put(&grown, lv->slots[j].key, lv->slots[j].val);
        free(lv->slots);
        *lv = grown;
    }
    level4_put(lv, addr4_of(c), val);
    return 0;
}

static void
lpm4_clear(struct lpm4 *t)
{
    unsigned i;

    for (i = 0; i < t->nlevels; i++)
        free(t->lv[i].slots);
    t->nlevels = 0;
}

/* Table-kind dispatch for the add paths (not the lookup path). */
static int32_t
tab_exact(struct classmap *cm, int local, const struct cidr *c)
{
    if (c->af == AF_INET)
        return lpm4_exact(local ? &cm->loc4 : &cm->cls4, c);
    return lpm_exact(local ? &cm->loc6 : &cm->cls6, c);
}

static int
tab_insert(struct classmap *cm, int local, const struct cidr *c, int32_t val)
{
    if (c->af == AF_INET)
        return lpm4_insert(local ? &cm->loc4 : &cm->cls4, c, val);
    return lpm_insert(local ? &cm->loc6 : &cm->cls6, c, val);
}

static bool
utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i], need, cp, k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + need >= n)
            return false;
        for (k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += need + 1;
    }
    return true;
}

static int
name_check(const char *name, const char **why)
{
    size_t n, i;

    if (name == NULL || name[0] == '\0') {
        *why = "empty class name";
        return -EINVAL;
    }
    n = strlen(name);
    if (n > CLASSMAP_NAME_MAX) {
        *why = "class name longer than 255 bytes";
        return -EINVAL;
    }
    for (i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            *why = "control character in class name";
            return -EINVAL;
        }
    }
    if (!utf8_valid(name, n)) {
        *why = "class name is not valid UTF-8";
        return -EINVAL;
    }
    return 0;
}

int
classmap_class_id(const struct classmap *cm, const char *name)
{
    size_t i;

    for (i = 0; i < cm->nclasses; i++)
        if (strcmp(cm->names[i], name) == 0)
            return (int)i;
    return CLASSMAP_NOMATCH;
}

/* Returns the id of name, adding it if new; -ENOMEM or -ENOSPC. */
static int
class_intern(struct classmap *cm, const char *name)
{
    int id = classmap_class_id(cm, name);
    char *copy;

    if (id >= 0)
        return id;
    if (cm->nclasses >= CLASSMAP_MAX_CLASSES)
        return -ENOSPC;
    if (cm->nclasses == cm->capclasses) {
        size_t cap = cm->capclasses ? cm->capclasses * 2 : 16;
        char **n = realloc(cm->names, cap * sizeof(*n));

        if (n == NULL)
            return -ENOMEM;
        cm->names = n;
        cm->capclasses = cap;
    }
    copy = strdup(name);
    if (copy == NULL)
        return -ENOMEM;
    cm->names[cm->nclasses] = copy;
    return (int)cm->nclasses++;
}

static int
rule_append(struct classmap *cm, const struct cidr *c, int32_t cls)
{
    if (cm->nrules == cm->caprules) {
        size_t cap = cm->caprules ? cm->caprules * 2 : 32;
        struct rule *r = realloc(cm->rules, cap * sizeof(*r));

        if (r == NULL)
            return -ENOMEM;
        cm->rules = r;
        cm->caprules = cap;
    }
    cm->rules[cm->nrules].pfx = *c;
    cm->rules[cm->nrules].cls = cls;
    cm->nrules++;
    return 0;
}

static void
any16_mark(struct classmap *cm, const struct cidr *c)
{
    uint32_t a, first, n, i;

    if (c->af != AF_INET)
        return;
    a = (uint32_t)c->addr[0] << 8 | c->addr[1];
    first = a;
    n = c->len >= 16 ? 1 : 1u << (16 - c->len);
    for (i = first; i < first + n; i++)
        cm->v4_any16[i / 64] |= 1ull << (i % 64);
}

static void
any16_rebuild(struct classmap *cm)
{
    size_t i;

    memset(cm->v4_any16, 0, sizeof(cm->v4_any16));
    for (i = 0; i < cm->nrules; i++)
        any16_mark(cm, &cm->rules[i].pfx);
}

/* Drops a class that was interned by a failed add and has no rule yet. */
static void
class_unintern_last(struct classmap *cm, int id, size_t nbefore)
{
    if ((size_t)id + 1 == cm->nclasses && cm->nclasses > nbefore) {
        free(cm->names[id]);
        cm->nclasses--;
    }
}

static int
add_prefix(struct classmap *cm, const char *cidr, const char *name,
           const char **why)
{
    struct cidr c;
    size_t nbefore = cm->nclasses;
    int32_t old;
    int id, rc;

    rc = name_check(name, why);
    if (rc != 0)
        return rc;
    rc = cidr_parse(cidr, &c, why);
    if (rc != 0)
        return rc;
    old = tab_exact(cm, 0, &c);
    if (old != SLOT_EMPTY) {
        if (strcmp(cm->names[old], name) == 0)
            return 0;
        *why = "prefix already maps to another class";
        return -EEXIST;
    }
    id = class_intern(cm, name);
    if (id < 0) {
        *why = id == -ENOSPC ? "too many classes" : "out of memory";
        return id == -ENOSPC ? -EINVAL : id;
    }
    rc = rule_append(cm, &c, id);
    if (rc == 0) {
        rc = tab_insert(cm, 0, &c, id);
        if (rc != 0)
            cm->nrules--;
        else
            any16_mark(cm, &c);
    }
    if (rc != 0) {
        class_unintern_last(cm, id, nbefore);
        *why = "out of memory";
    }
    return rc;
}

static int
add_vlan(struct classmap *cm, unsigned vlan, const char *name,
         const char **why)
{
    int rc, id;

    rc = name_check(name, why);
    if (rc != 0)
        return rc;
    if (vlan < 1 || vlan > CLASSMAP_VLAN_MAX) {
        *why = "VLAN id out of range (1..4094)";
        return -EINVAL;
    }
    if (cm->vlan[vlan] >= 0) {
        if (strcmp(cm->names[cm->vlan[vlan]], name) == 0)
            return 0;
        *why = "VLAN already maps to another class";
        return -EEXIST;
    }
    id = class_intern(cm, name);
    if (id < 0) {
        *why = id == -ENOSPC ? "too many classes" : "out of memory";
        return id == -ENOSPC ? -EINVAL : id;
    }
    cm->vlan[vlan] = id;
    cm->nvlans++;
    return 0;
}

static int
add_local(struct classmap *cm, const char *cidr, const char **why)
{
    struct cidr c;
    int rc;

    rc = cidr_parse(cidr, &c, why);
    if (rc != 0)
        return rc;
    if (!cm->local_explicit) {
        size_t i, j = 0;

        lpm4_clear(&cm->loc4);
        lpm_clear(&cm->loc6);
        for (i = 0; i < cm->nrules; i++)
            if (cm->rules[i].cls != CLASSMAP_LOCAL)
                cm->rules[j++] = cm->rules[i];
        cm->nrules = j;
        cm->local_explicit = true;
        any16_rebuild(cm);
    }
    if (tab_exact(cm, 1, &c) != SLOT_EMPTY)
        return 0;
    rc = rule_append(cm, &c, CLASSMAP_LOCAL);
    if (rc == 0) {
        rc = tab_insert(cm, 1, &c, CLASSMAP_LOCAL);
        if (rc != 0)
            cm->nrules--;
        else
            any16_mark(cm, &c);
    }
    if (rc != 0)
        *why = "out of memory";
    return rc;
}

static const char *const default_locals[] = {
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10",
};

struct classmap *
classmap_new(void)
{
    struct classmap *cm = calloc(1, sizeof(*cm));
    const char *why;
    size_t i;

    if (cm == NULL)
        return NULL;
    for (i = 0; i <= CLASSMAP_VLAN_MAX; i++)
        cm->vlan[i] = CLASSMAP_NOMATCH;
    for (i = 0; i < sizeof(default_locals) / sizeof(default_locals[0]); i++) {
        struct cidr c;

        if (cidr_parse(default_locals[i], &c, &why) != 0 ||
            rule_append(cm, &c, CLASSMAP_LOCAL) != 0 ||
            tab_insert(cm, 1, &c, CLASSMAP_LOCAL) != 0) {
            classmap_free(cm);
            return NULL;
        }
    }
    any16_rebuild(cm);
    return cm;
}

void
classmap_free(struct classmap *cm)
{
    size_t i;

    if (cm == NULL)
        return;
    for (i = 0; i < cm->nclasses; i++)
        free(cm->names[i]);
    free(cm->names);
    free(cm->rules);
    lpm4_clear(&cm->cls4);
    lpm_clear(&cm->cls6);
    lpm4_clear(&cm->loc4);
    lpm_clear(&cm->loc6);
    free(cm);
}

int
classmap_add_prefix(struct classmap *cm, const char *cidr,
                    const char *class_name)
{
    const char *why;

    return add_prefix(cm, cidr, class_name, &why);
}

int
classmap_add_vlan(struct classmap *cm, unsigned vlan, const char *class_name)
{
    const char *why;

    return add_vlan(cm, vlan, class_name, &why);
}

int
classmap_add_local(struct classmap *cm, const char *cidr)
{
    const char *why;

    return add_local(cm, cidr, &why);
}

/* "vlan:N" with N decimal, no sign or blanks. Returns 1 if s has the vlan:
 * form (then *vlan or *why is set), 0 otherwise. */
static int
parse_vlan_target(const char *s, unsigned *vlan, const char **why)
{
    unsigned long v = 0;
    size_t i;

    if (strncasecmp(s, "vlan:", 5) != 0)
        return 0;
    s += 5;
    if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0')) {
        *why = "bad VLAN id";
        *vlan = 0;
        return 1;
    }
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 5) {
            *why = "bad VLAN id";
            *vlan = 0;
            return 1;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *vlan = (unsigned)v;
    *why = NULL;
    return 1;
}

int
classmap_add(struct classmap *cm, const char *class_name, const char *target,
             const char **why)
{
    const char *dummy, *vwhy = NULL;
    unsigned vlan;

    if (why == NULL)
        why = &dummy;
    if (target == NULL || target[0] == '\0') {
        *why = "missing prefix or vlan:N";
        return -EINVAL;
    }
    if (parse_vlan_target(target, &vlan, &vwhy)) {
        if (vwhy != NULL) {
            *why = vwhy;
            return -EINVAL;
        }
        return add_vlan(cm, vlan, class_name, why);
    }
    return add_prefix(cm, target, class_name, why);
}

size_t
classmap_nclasses(const struct classmap *cm)
{
    return cm->nclasses;
}

const char *
classmap_class_name(const struct classmap *cm, int id)
{
    if (id < 0 || (size_t)id >= cm->nclasses)
        return NULL;
    return cm->names[id];
}

size_t
classmap_nvlans(const struct classmap *cm)
{
    return cm->nvlans;
}

int
classmap_lookup_vlan(const struct classmap *cm, unsigned vlan)
{
    if (vlan > CLASSMAP_VLAN_MAX)
        return CLASSMAP_NOMATCH;
    return cm->vlan[vlan];
}

static inline int
find4(const struct classmap *cm, uint32_t addr)
{
    uint32_t b = addr >> 16;
    int32_t v;

    if (!(cm->v4_any16[b / 64] & (1ull << (b % 64))))
        return CLASSMAP_NOMATCH;
    v = lpm4_find(&cm->cls4, addr);
    if (v != SLOT_EMPTY)
        return v;
    v = lpm4_find(&cm->loc4, addr);
    return v != SLOT_EMPTY ? CLASSMAP_LOCAL : CLASSMAP_NOMATCH;
}

int
classmap_lookup4(const struct classmap *cm, uint32_t addr)
{
    return find4(cm, addr);
}

void
classmap_lookup4_pair(const struct classmap *cm, uint32_t src, uint32_t dst,
                      int *sc, int *dc)
{
    *sc = find4(cm, src);
    *dc = find4(cm, dst);
}

int
classmap_lookup6(const struct classmap *cm, const uint8_t addr[16])
{
    uint64_t hi = 0, lo = 0;
    int32_t v;
    int i;

    for (i = 0; i < 8; i++)
        hi = (hi << 8) | addr[i];
    for (i = 8; i < 16; i++)
        lo = (lo << 8) | addr[i];
    v = lpm_find(&cm->cls6, hi, lo);
    if (v != SLOT_EMPTY)
        return v;
    v = lpm_find(&cm->loc6, hi, lo);
    return v != SLOT_EMPTY ? CLASSMAP_LOCAL : CLASSMAP_NOMATCH;
}

int
classmap_lookup(const struct classmap *cm, int af, const void *addr)
{
    const uint8_t *a = addr;

    if (af == AF_INET)
        return classmap_lookup4(cm, (uint32_t)a[0] << 24 |
                                        (uint32_t)a[1] << 16 |
                                        (uint32_t)a[2] << 8 | a[3]);
    if (af == AF_INET6)
        return classmap_lookup6(cm, a);
    return CLASSMAP_NOMATCH;
}

/* Writes a CSV field, quoted when it holds a comma, quote or edge blank. */
static void
print_field(FILE *out, const char *s)
{
    size_t n = strlen(s);

    if (strpbrk(s, ",\"") == NULL && n > 0 && s[0] != ' ' &&
        s[n - 1] != ' ' && s[0] != '#') {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void
classmap_print(const struct classmap *cm, FILE *out)
{
    char buf[CIDR_STRLEN];
    size_t id, i;

    fputs("class,prefix\n", out);
    for (id = 0; id < cm->nclasses; id++) {
        for (i = 0; i < cm->nrules; i++) {
            if (cm->rules[i].cls != (int32_t)id)
                continue;
            cidr_format(&cm->rules[i].pfx, buf, sizeof(buf));
            print_field(out, cm->names[id]);
            fprintf(out, ",%s\n", buf);
        }
        for (i = 1; i <= CLASSMAP_VLAN_MAX; i++) {
            if (cm->vlan[i] != (int32_t)id)
                continue;
            print_field(out, cm->names[id]);
            fprintf(out, ",vlan:%zu\n", i);
        }
    }
    fprintf(out, "# local prefixes%s:", cm->local_explicit ? ""
                                                           : " (defaults)");
    for (i = 0; i < cm->nrules; i++) {
        if (cm->rules[i].cls != CLASSMAP_LOCAL)
            continue;
        cidr_format(&cm->rules[i].pfx, buf, sizeof(buf));
        fprintf(out, " %s", buf);
    }
    fputc('\n', out);
}

/* --- CSV loading --------------------------------------------------------- */

static void
trim(char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Splits line (NUL-terminated, modified in place) into up to max fields.
 * Returns the number of fields, or -1 with *why set on bad quoting. */
static int
csv_split(char *line, char **f, int max, const char **why)
{
    char *p = line;
    int nf = 0;

    for (;;) {
        char *start, *w;
        size_t n;

        while (*p == ' ' || *p == '\t')
            p++;
        if (nf == max) {
            *why = "too many fields (expected class,prefix or "
                   "class,vlan:N)";
            return -1;
        }
        if (*p == '"') {
            start = w = ++p;
            for (;;) {
                if (*p == '\0') {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                    continue;
                }
                if (*p == '"')
                    break;
                *w++ = *p++;
            }
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p != ',' && *p != '\0') {
                *why = "text after a closing quote";
                return -1;
            }
            *w = '\0';
            f[nf++] = start;
        } else {
            char term;

            start = p;
            while (*p != ',' && *p != '\0')
                p++;
            term = *p;
            n = (size_t)(p - start);
            trim(&start, &n);
            if (memchr(start, '"', n) != NULL) {
                *why = "quote inside an unquoted field";
                return -1;
            }
            start[n] = '\0';
            f[nf++] = start;
            if (term == '\0')
                return nf;
            p++;
            continue;
        }
        if (*p == '\0')
            return nf;
        *p++ = '\0';
    }
}

int
classmap_load_text(struct classmap *cm, const char *name, const char *text,
                   size_t len, FILE *errs)
{
    char line[CSV_MAX_LINE + 1];
    const char *p = text, *end = text + len;
    unsigned lineno = 0;
    bool seen_content = false;
    int nerr = 0;

    if (errs == NULL)
        errs = stderr;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
        char *f[2], *s;
        const char *why = NULL;
        size_t sn;
        int nf, rc;

        lineno++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > CSV_MAX_LINE) {
            fprintf(errs, "%s:%u: line longer than %d bytes\n", name, lineno,
                    CSV_MAX_LINE);
            nerr++;
            goto next;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        s = line;
        sn = n;
        trim(&s, &sn);
        s[sn] = '\0';
        if (sn == 0 || s[0] == '#')
            goto next;
        if (memchr(s, '\0', sn) != NULL || !utf8_valid(s, sn)) {
            fprintf(errs, "%s:%u: not valid UTF-8 text\n", name, lineno);
            nerr++;
            goto next;
        }
        nf = csv_split(s, f, 2, &why);
        if (nf >= 0 && !seen_content && nf == 2 &&
            strcasecmp(f[0], "class") == 0 &&
            strcasecmp(f[1], "prefix") == 0) {
            seen_content = true;
            goto next;
        }
        seen_content = true;
        if (nf < 0) {
            fprintf(errs, "%s:%u: %s\n", name, lineno, why);
            nerr++;
            goto next;
        }
        if (nf != 2) {
            fprintf(errs,
                    "%s:%u: expected class,prefix or class,vlan:N\n", name,
                    lineno);
            nerr++;
            goto next;
        }
        rc = classmap_add(cm, f[0], f[1], &why);
        if (rc == -EEXIST) {
            fprintf(errs, "%s:%u: %s: %s\n", name, lineno, f[1], why);
            nerr++;
        } else if (rc != 0) {
            fprintf(errs, "%s:%u: %s%s%s\n", name, lineno,
                    why != NULL ? why : "error",
                    rc == -EINVAL && f[1][0] != '\0' ? ": " : "",
                    rc == -EINVAL && f[1][0] != '\0' ? f[1] : "");
            nerr++;
        }
    next:
        if (eol == NULL)
            break;
        p = eol + 1;
    }
    return nerr;
}

int
classmap_load_csv(struct classmap *cm, const char *path, FILE *errs)
{
    FILE *fp;
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    int rc;

    if (errs == NULL)
        errs = stderr;
    fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(errs, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            char *t;

            if (cap >= CSV_MAX_FILE) {
                fprintf(errs, "%s: larger than %u bytes\n", path,
                        CSV_MAX_FILE);
                rc = -1;
                goto out;
            }
            cap = cap ? cap * 2 : 8192;
            t = realloc(text, cap);
            if (t == NULL) {
                fprintf(errs, "%s: out of memory\n", path);
                rc = -1;
                goto out;
            }
            text = t;
        }
        got = fread(text + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        fprintf(errs, "%s: read error\n", path);
        rc = -1;
        goto out;
    }
    rc = classmap_load_text(cm, path, text != NULL ? text : "", len, errs);
out:
    free(text);
    fclose(fp);
    return rc;
}
