/* classmap: local address -> traffic class ("一年级1班", "staff", "guest") by
 * longest-prefix match over CIDR rules, plus VLAN id -> class rules, plus
 * the set of "local" (school side) prefixes that decides direction.
 * Pure: no libuv, no pcap; the only I/O is classmap_load_csv reading its
 * file. Lookups never allocate and take no locks, so they are safe per
 * packet; adding rules allocates and is meant for load time.
 *
 * Local: an address is local when it matches a class prefix or a `local`
 * prefix. Until the first classmap_add_local, the local prefixes are the
 * defaults 10/8, 172.16/12, 192.168/16, fc00::/7 and fe80::/10 (100.64/10
 * is NOT local: carrier-grade NAT space lies on the WAN side).
 *
 * Class ids are small integers 0..nclasses-1 in order of first mention;
 * they are stable for the life of the map. */
#ifndef CLASSMAP_H
#define CLASSMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLASSMAP_NOMATCH (-1) /* not a local address */
#define CLASSMAP_LOCAL (-2)   /* local, but no class prefix covers it */
#define CLASSMAP_NAME_MAX 255 /* bytes of UTF-8; = WIRE_MAX_STR */
#define CLASSMAP_MAX_CLASSES 65535
#define CLASSMAP_VLAN_MAX 4094

struct classmap;

struct classmap *classmap_new(void); /* NULL if out of memory */
void classmap_free(struct classmap *cm); /* accepts NULL */

/* Maps the prefix cidr (see cidr.h; "10.1.2.0/24", "2001:db8:1::/48") to the
 * class named class_name (copied; 1..255 bytes of valid UTF-8 without
 * control characters). Returns 0, -EINVAL (bad prefix or name), -EEXIST
 * (the same prefix already maps to another class), or -ENOMEM. The map is
 * unchanged on error. Mapping a prefix again to the same class is a no-op. */
int classmap_add_prefix(struct classmap *cm, const char *cidr,
                        const char *class_name);
/* Maps VLAN id vlan (1..4094) to a class. Same returns as above. */
int classmap_add_vlan(struct classmap *cm, unsigned vlan,
                      const char *class_name);
/* Adds a local (school side) prefix. The first call drops the defaults.
 * Returns 0, -EINVAL or -ENOMEM. */
int classmap_add_local(struct classmap *cm, const char *cidr);

/* One rule as it appears in a CSV line or an agent.conf `class` line:
 * target is a prefix or "vlan:N". Same returns as above; on error *why
 * (if not NULL) is set to a static English reason. */
int classmap_add(struct classmap *cm, const char *class_name,
                 const char *target, const char **why);

/* Loads a class map CSV: one `class,prefix` or `class,vlan:N` per line; a
 * "double quoted" class name may hold commas ("" is a quote); blank lines
 * and lines starting with # are skipped, as is a first line `class,prefix`;
 * a UTF-8 BOM and CRLF line ends are accepted. Every bad line is reported
 * to errs (stderr if NULL) as "file:line: message" and loading goes on, so
 * all errors show at once; good lines are added. Returns the number of
 * errors (0 = success; the caller discards the map otherwise), or -1 if
 * the file cannot be read (reported to errs too). */
int classmap_load_csv(struct classmap *cm, const char *path, FILE *errs);
/* The same over text[0..len) (e.g. a CONFIG section); name labels the
 * messages. Never returns -1. */
int classmap_load_text(struct classmap *cm, const char *name,
                       const char *text, size_t len, FILE *errs);

size_t classmap_nclasses(const struct classmap *cm);
/* Name of class id (0..nclasses-1), or NULL. Owned by the map. */
const char *classmap_class_name(const struct classmap *cm, int id);
/* Class id of a name, or CLASSMAP_NOMATCH. Linear; not for the packet path. */
int classmap_class_id(const struct classmap *cm, const char *name);

/* Per-packet lookups. addr is 4 (AF_INET) or 16 (AF_INET6) bytes in network
 * order. Return the class id of the longest matching class prefix, else
 * CLASSMAP_LOCAL if a local prefix matches, else CLASSMAP_NOMATCH. */
int classmap_lookup(const struct classmap *cm, int af, const void *addr);
/* IPv4 fast path; addr in host byte order. */
int classmap_lookup4(const struct classmap *cm, uint32_t addr);
int classmap_lookup6(const struct classmap *cm, const uint8_t addr[16]);
/* Both ends of an IPv4 packet (host byte order) at once: the results of
 * two classmap_lookup4 calls, in one call per packet. */
void classmap_lookup4_pair(const struct classmap *cm, uint32_t src,
                           uint32_t dst, int *sc, int *dc);
/* Class of a VLAN id, or CLASSMAP_NOMATCH. */
int classmap_lookup_vlan(const struct classmap *cm, unsigned vlan);
/* Number of VLAN rules (0 lets the packet path skip the VLAN lookup). */
size_t classmap_nvlans(const struct classmap *cm);

/* Writes the map as normalized CSV (classes in id order, then local
 * prefixes, as "local,PREFIX" comments) for `-n -v` style golden output. */
void classmap_print(const struct classmap *cm, FILE *out);

#endif /* CLASSMAP_H */
