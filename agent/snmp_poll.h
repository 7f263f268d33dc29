/* snmp_poll: polls one SNMP target once, synchronously, through one
 * net-snmp single-session handle (snmp_sess_*), so that it can run in a
 * libuv worker thread: sysUpTime/sysObjectID/sysName, the profile's AP
 * columns and totals, IF-MIB and the IP-MIB neighbour table. The result is
 * plain data; snmp.c turns it into JSON or batch records. Never logs
 * secrets. Does not touch libuv. */
#ifndef SNMP_POLL_H
#define SNMP_POLL_H

#include <stddef.h>
#include <stdint.h>

#include "snmp_profile.h"

#define SNMP_UNKNOWN UINT64_MAX /* same value as WIRE_UNKNOWN */
#define SNMP_NAME_MAX 64
#define SNMP_MAX_APS 8192       /* per target; rows beyond are dropped */
#define SNMP_MAX_IFS 8192
#define SNMP_MAX_ROWS 200000    /* varbinds in one walk */

enum snmp_auth { SNMP_AUTH_NONE = 0, SNMP_AUTH_MD5, SNMP_AUTH_SHA,
                 SNMP_AUTH_SHA256 };
enum snmp_priv { SNMP_PRIV_NONE = 0, SNMP_PRIV_DES, SNMP_PRIV_AES };

/* Poll outcome. Only OK and PARTIAL carry AP data. */
enum snmp_state {
    SNMP_ST_OK = 1,
    SNMP_ST_PARTIAL = 2,     /* answered, but a later walk failed */
    SNMP_ST_UNREACHABLE = 3, /* no answer within timeout x retries */
    SNMP_ST_AUTH = 4,        /* v3 authentication/decryption refused */
    SNMP_ST_ERROR = 5,       /* anything else (bad host, protocol error) */
};
const char *snmp_state_name(int state);

/* Where an AP's status came from (docs/SNMP.md, "AP status"). */
enum snmp_status_src {
    SNMP_SRC_NONE = 0,     /* no status: unknown */
    SNMP_SRC_COLUMN = 1,   /* the profile's status column */
    SNMP_SRC_PRESENCE = 2, /* listed = up (profile's declared rule) */
    SNMP_SRC_COUNT = 3,    /* joined count == listed APs */
};
const char *snmp_status_src_name(int src);

struct snmp_ifstate {      /* counters kept between polls */
    uint32_t index;
    uint64_t in, out;
    uint8_t has_in, has_out, hc_in, hc_out;
};

struct snmp_target {
    char name[SNMP_NAME_MAX];
    char peer[300];        /* net-snmp peer name: udp:HOST:PORT */
    int version;           /* 1, 2 (v2c) or 3 */
    char community[128];
    char user[64];
    enum snmp_auth auth;
    enum snmp_priv priv;
    char authpass[128], privpass[128]; /* never logged or printed */
    char context[64];
    unsigned timeout_ms, retries, interval_s, max_rep;
    int bulk;
    char profile[SNMP_PROFILE_NAME]; /* forced profile, "" = by sysObjectID */
    /* State carried from one poll to the next; only the poll in flight
     * touches it. */
    struct snmp_ifstate *prev;
    size_t nprev;
    uint32_t prev_uptime;
    int64_t prev_mono_ms;
    int have_prev;
};

struct snmp_ap {
    uint32_t key[16];
    uint8_t keylen;
    uint8_t has_mac;
    uint8_t status;        /* enum snmp_ap_status */
    uint8_t status_src;    /* enum snmp_status_src */
    uint8_t mac[6];
    char name[SNMP_NAME_MAX];
    char location[SNMP_NAME_MAX];
    uint64_t clients;      /* SNMP_UNKNOWN if no client column answered */
    uint64_t radio_mbps;   /* highest radio rate, or SNMP_UNKNOWN */
    uint64_t uplink_mbps;  /* lowest uplink speed, or SNMP_UNKNOWN */
    int named;
};

struct snmp_if {
    uint32_t index;
    uint8_t oper;          /* ifOperStatus, 0 if not reported */
    uint8_t hc;            /* 64-bit counters used */
    uint8_t has_in, has_out;
    uint8_t disc;          /* no delta: first poll, reboot, implausible */
    char name[48];
    char alias[SNMP_NAME_MAX];
    uint64_t speed_mbps;   /* ifHighSpeed (else ifSpeed/1e6), or UNKNOWN */
    uint64_t in, out;      /* raw counters */
    uint64_t din, dout;    /* bytes since the previous poll, or UNKNOWN */
};

struct snmp_result {
    int64_t ts;            /* unix seconds at poll start */
    unsigned duration_ms;
    unsigned elapsed_s;    /* since the previous poll (0 = first) */
    int state;             /* enum snmp_state */
    char error[256];
    char sysname[SNMP_NAME_MAX];
    char sysobjid[160];
    char profile[SNMP_PROFILE_NAME]; /* "" = standard MIBs only */
    uint32_t uptime;       /* sysUpTime, 1/100 s */
    int rebooted;
    struct snmp_ap *aps;
    size_t naps, capaps;
    size_t orphans;        /* rows naming an AP not in the AP list */
    int status_column;     /* a status column answered */
    uint64_t total_aps, total_aps_up, total_clients; /* or UNKNOWN */
    struct snmp_if *ifs;
    size_t nifs, capifs;
    uint64_t neigh, neigh_macs; /* or UNKNOWN */
    const char *neigh_table;    /* "ipNetToPhysical", "ipNetToMedia", "" */
    size_t requests;
};

/* Calls init_snmp once (thread-safe; call early from the main thread).
 * Reads no net-snmp config files and loads no MIBs. */
void snmp_poll_init(void);

/* Polls t once. Blocking: run it off the loop. profiles is read-only and
 * may be shared between threads. Fills r (caller frees with
 * snmp_result_free); r->state tells the outcome. Returns 0, or -ENOMEM. */
int snmp_poll_target(const struct snmp_profiles *ps, struct snmp_target *t,
                     struct snmp_result *r);
void snmp_result_free(struct snmp_result *r);
void snmp_target_reset(struct snmp_target *t); /* frees carried state */

/* Counter delta with 32/64-bit wrap. max is the most bytes the interface
 * can have moved in the interval (0 = unknown). Returns 0 and *delta, or
 * -1 when the change is a discontinuity (reset, implausible wrap), which
 * must not be read as traffic. Pure; exported for tests. */
int snmp_counter_delta(uint64_t prev, uint64_t cur, int bits, uint64_t max,
                       uint64_t *delta);
/* 1 if sysUpTime went from prev to cur over elapsed_ms by a restart rather
 * than by running on (or wrapping at 2^32 ticks). Pure. */
int snmp_uptime_rebooted(uint32_t prev, uint32_t cur, int64_t elapsed_ms);

#endif /* SNMP_POLL_H */
