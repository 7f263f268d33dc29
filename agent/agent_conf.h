/* agent_conf: the agent's config file: key table, defaults, validation and
 * the normalized print used by `-n -v`. Class lines go straight into the
 * class map. See classband-agent.conf(5). */
#ifndef AGENT_CONF_H
#define AGENT_CONF_H

#include <stdio.h>

struct classmap;
struct snmp_set;
struct probe_set;

#define AGENT_MAX_IFACES 8

struct agent_conf {
    char *agent_id;
    char *school;
    char *collector;       /* HOST:PORT */
    char *classes;         /* class map CSV file */
    char *spool;           /* spool directory */
    unsigned spool_max_mb;
    unsigned max_devices;  /* device table size (distinct devices/minute) */
    unsigned window;       /* batches in flight to the collector */
    char *user;            /* drop to this user after opening captures */
    char *tls_key;         /* hex PSK, or file:PATH holding it */
    int plaintext;         /* talk to the collector without TLS (a lab) */
    char *bpf_filter;
    unsigned buffer_kib;   /* kernel capture ring per interface */
    unsigned snaplen;
    int promisc;
    char *ifaces[AGENT_MAX_IFACES];
    int nifaces;
    struct classmap *cm;   /* owned */
    struct snmp_set *snmp; /* owned */
    struct probe_set *probe; /* owned: capacity and reachability probes */
    int nclass_lines;
    /* secrets seen while parsing: inline ones make the config file itself
     * secret; file: references name files that must be private too */
    int inline_secrets;
    char *secret_files[16];
    int nsecret_files;
};

/* Sets defaults and creates the empty class map. 0 or -ENOMEM. */
int  agent_conf_init(struct agent_conf *c);
/* Parses path; errors to errs as file:line: message, all of them. Returns
 * the number of errors, or -1 if the file cannot be read. */
int  agent_conf_load(struct agent_conf *c, const char *path, FILE *errs);
void agent_conf_print(const struct agent_conf *c, FILE *out);
void agent_conf_free(struct agent_conf *c);

#endif /* AGENT_CONF_H */
