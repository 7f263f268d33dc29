/* snmp_profile: device profiles as data. A profile says which OIDs of a
 * wireless controller (or AP) give the AP list, the AP status, clients per
 * AP, radio/uplink speeds and controller totals, and which sysObjectID
 * prefixes select it. Profiles are text files (docs/SNMP.md has the format)
 * so that a district can add a controller without recompiling.
 * Pure: parsing and lookup only, no SNMP, no libuv. The standard MIBs
 * (IF-MIB, IP-MIB) are not described here: every target gets them. */
#ifndef SNMP_PROFILE_H
#define SNMP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define SNMP_OID_MAX 64      /* sub-ids in one OID we handle */
#define SNMP_PROFILE_NAME 48
#define SNMP_PROFILE_MAXCOL 24
#define SNMP_PROFILE_MAXMATCH 8
#define SNMP_PROFILE_MAXVALS 16

enum snmp_col_kind {
    SNMP_COL_NAME = 1,     /* rows define APs; value is the AP name */
    SNMP_COL_MAC,          /* AP MAC (6 raw bytes or text) */
    SNMP_COL_STATUS,       /* AP status, mapped by up/down value lists */
    SNMP_COL_LOCATION,
    SNMP_COL_CLIENTS,      /* summed per AP over all rows (radios, VAPs) */
    SNMP_COL_RADIO_RATE,   /* per AP: the highest radio rate */
    SNMP_COL_UPLINK,       /* per AP: the lowest uplink speed */
    SNMP_COL_TOTAL_APS,    /* controller totals: scalar, or a summed column */
    SNMP_COL_TOTAL_APS_UP,
    SNMP_COL_TOTAL_CLIENTS,
};

enum snmp_unit { SNMP_UNIT_MBPS = 0, SNMP_UNIT_KBPS, SNMP_UNIT_BPS };

struct snmp_col {
    enum snmp_col_kind kind;
    uint32_t oid[SNMP_OID_MAX];
    size_t oidlen;
    unsigned key;           /* index sub-ids that identify the AP */
    int scalar;             /* totals: GET oid (else walk and sum) */
    int ifname;             /* NAME: AP named by ifName[key sub-id] */
    enum snmp_unit unit;
    long up[SNMP_PROFILE_MAXVALS], down[SNMP_PROFILE_MAXVALS];
    unsigned nup, ndown;
};

enum snmp_fallback {
    SNMP_FALLBACK_NONE = 0, /* no status column answered: status unknown */
    SNMP_FALLBACK_PRESENCE, /* listed by the controller = up */
    SNMP_FALLBACK_COUNT,    /* joined-AP count == listed APs: all up */
};

struct snmp_profile {
    char name[SNMP_PROFILE_NAME];
    char description[128];
    uint32_t match[SNMP_PROFILE_MAXMATCH][SNMP_OID_MAX];
    size_t matchlen[SNMP_PROFILE_MAXMATCH];
    unsigned nmatch;
    uint32_t require[SNMP_OID_MAX]; /* subtree that must be non-empty */
    size_t requirelen;              /* 0: no requirement */
    int ap_self;            /* the device itself is one AP (named sysName) */
    int mac_from_index;     /* the AP key's first 6 sub-ids are its MAC */
    char uplink_ifname[64]; /* ap_self: uplink = ifHighSpeed of this glob */
    enum snmp_fallback fallback;
    uint32_t count_oid[SNMP_OID_MAX]; /* SNMP_FALLBACK_COUNT */
    size_t count_oidlen;
    struct snmp_col col[SNMP_PROFILE_MAXCOL];
    unsigned ncol;
};

/* Parses one profile from text (name is used in messages). Returns 0, or
 * -EINVAL with "name:line: message" in err. */
int snmp_profile_parse(const char *name, const char *text,
                       struct snmp_profile *p, char *err, size_t errlen);

/* A list of profiles loaded from a directory (*.profile files). */
struct snmp_profiles {
    struct snmp_profile *v;
    size_t n;
};
/* Loads every DIR/ *.profile; a bad file fails the whole load (0 or -errno,
 * message in err). Call snmp_profiles_free on success and failure. */
int snmp_profiles_load(struct snmp_profiles *ps, const char *dir, char *err,
                       size_t errlen);
void snmp_profiles_free(struct snmp_profiles *ps);
/* Profile whose match prefix is the longest prefix of sysobjid; NULL if
 * none (the caller then polls the standard MIBs only). Borrowed. */
const struct snmp_profile *snmp_profiles_match(const struct snmp_profiles *ps,
                                               const uint32_t *sysobjid,
                                               size_t len);
/* Every profile matching sysobjid, longest prefix first, into out[max];
 * returns the count. The poller takes the first whose `require` subtree
 * answers, so a shared sysObjectID (net-snmp's Linux one) is disambiguated. */
size_t snmp_profiles_candidates(const struct snmp_profiles *ps,
                                const uint32_t *sysobjid, size_t len,
                                const struct snmp_profile **out, size_t max);
const struct snmp_profile *snmp_profiles_find(const struct snmp_profiles *ps,
                                              const char *name);

/* "1.3.6.1.2.1" (a leading dot is allowed) -> sub-ids. 0 or -EINVAL. */
int snmp_oid_parse(const char *s, uint32_t *oid, size_t cap, size_t *len);
/* Formats an OID in dotted form into out (always NUL-terminated). */
void snmp_oid_format(const uint32_t *oid, size_t len, char *out, size_t cap);

/* MAC from an SNMP value: 6 raw bytes, or text "0:1b:c:fb:28:18" /
 * "00-1B-0C-FB-28-18" / "001b.0cfb.2818" / "001b0cfb2818". 0 or -EINVAL. */
int snmp_mac_parse(const uint8_t *v, size_t len, uint8_t mac[6]);

/* Status value -> SNMP_AP_UP / SNMP_AP_DOWN / SNMP_AP_UNKNOWN. */
enum snmp_ap_status { SNMP_AP_UNKNOWN = 0, SNMP_AP_UP = 1, SNMP_AP_DOWN = 2 };
enum snmp_ap_status snmp_col_status(const struct snmp_col *c, long v);

#endif /* SNMP_PROFILE_H */
