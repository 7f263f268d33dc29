/* cidr: strict CIDR prefix parsing and matching. See cidr.h for the rules.
 * Address syntax is delegated to inet_pton (which already refuses leading
 * zeros and short forms such as "10.1" in IPv4); this file adds the prefix
 * length and the host-bits check. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

static int
fail(const char **why, const char *msg)
{
    if (why != NULL)
        *why = msg;
    return -EINVAL;
}

/* Parses a decimal prefix length without sign, blanks or leading zeros. */
static int
parse_len(const char *s, unsigned max, unsigned *out)
{
    unsigned v = 0;
    size_t i;

    if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
        return -1;
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 3)
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

void
cidr_mask(int af, uint8_t *addr, unsigned len)
{
    unsigned nbytes = af == AF_INET ? 4 : 16;
    unsigned i;

    for (i = 0; i < nbytes; i++) {
        if (len >= 8 * (i + 1))
            continue;
        if (len <= 8 * i)
            addr[i] = 0;
        else
            addr[i] &= (uint8_t)(0xff00u >> (len - 8 * i));
    }
}

int
cidr_parse(const char *s, struct cidr *out, const char **why)
{
    char tmp[INET6_ADDRSTRLEN + 8];
    uint8_t masked[16];
    struct cidr c;
    const char *slash;
    size_t alen;
    unsigned max;

    if (s == NULL || s[0] == '\0')
        return fail(why, "empty prefix");
    slash = strchr(s, '/');
    alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (alen == 0)
        return fail(why, "missing address");
    if (alen >= sizeof(tmp))
        return fail(why, "address too long");
    memcpy(tmp, s, alen);
    tmp[alen] = '\0';
    memset(&c, 0, sizeof(c));
    if (strchr(tmp, ':') != NULL) {
        c.af = AF_INET6;
        max = 128;
    } else {
        c.af = AF_INET;
        max = 32;
    }
    if (inet_pton(c.af, tmp, c.addr) != 1)
        return fail(why, c.af == AF_INET ? "bad IPv4 address"
                                         : "bad IPv6 address");
    if (slash == NULL)
        c.len = max;
    else if (parse_len(slash + 1, max, &c.len) != 0)
        return fail(why, c.af == AF_INET ? "bad prefix length (0..32)"
                                         : "bad prefix length (0..128)");
    memcpy(masked, c.addr, sizeof(masked));
    cidr_mask(c.af, masked, c.len);
    if (memcmp(masked, c.addr, max / 8) != 0)
        return fail(why, "host bits set past the prefix length");
    *out = c;
    return 0;
}

int
cidr_format(const struct cidr *c, char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN];
    int n;

    if (inet_ntop(c->af, c->addr, a, sizeof(a)) == NULL)
        return -EINVAL;
    n = snprintf(buf, len, "%s/%u", a, c->len);
    if (n < 0 || (size_t)n >= len)
        return -ENOSPC;
    return 0;
}

bool
cidr_contains(const struct cidr *c, int af, const void *addr)
{
    const uint8_t *a = addr;
    unsigned full, rem;

    if (af != c->af)
        return false;
    full = c->len / 8;
    rem = c->len % 8;
    if (memcmp(a, c->addr, full) != 0)
        return false;
    if (rem == 0)
        return true;
    return ((a[full] ^ c->addr[full]) & (uint8_t)(0xff00u >> rem)) == 0;
}
