/* cidr: strict IPv4/IPv6 CIDR prefixes: parse, format, contains. Used by the
 * agent's class map and by the collector's registry import. Pure: no I/O, no
 * allocation. Deliberately strict, because a typo in a school's class map
 * should be an error at load time, not a silently wrong class:
 * "10.1.0.0/16" and "2001:db8::/32" are accepted, so is a bare address
 * (a host prefix, /32 or /128); host bits set past the prefix length
 * ("10.1.2.3/16"), leading zeros, a sign, blanks or a length out of range
 * are refused. */
#ifndef CIDR_H
#define CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and NUL. */
#define CIDR_STRLEN 52

struct cidr {
    int af;          /* AF_INET or AF_INET6 */
    unsigned len;    /* prefix length: 0..32 or 0..128 */
    uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
};

/* Parses s into *out. Returns 0, or -EINVAL with *why (if why is not NULL)
 * pointing at a static reason; *out is set only on success. */
int cidr_parse(const char *s, struct cidr *out, const char **why);

/* Writes "addr/len" into buf (NUL-terminated). Returns 0, or -ENOSPC if
 * buf is smaller than needed (CIDR_STRLEN is always enough). */
int cidr_format(const struct cidr *c, char *buf, size_t len);

/* True if the address (af, addr: 4 or 16 bytes in network order) lies in c.
 * An address of the other family is never contained. */
bool cidr_contains(const struct cidr *c, int af, const void *addr);

/* Clears every bit of addr (4 or 16 bytes) past len. */
void cidr_mask(int af, uint8_t *addr, unsigned len);

#endif /* CIDR_H */
