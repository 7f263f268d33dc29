/* storage_admin: the store's interface for district administration data:
 * the school registry (schools, classes, areas, inventory, links), policy
 * packs, the school calendar and the agents' keys. registry.c, packs.c,
 * calendar.c and keys.c parse, validate and shape; the functions here only
 * read and write rows. storage_sqlite_admin.c is the SQLite backend; a
 * PostgreSQL backend implements the same functions.
 *
 * Conventions: a struct storage is used by one thread at a time (see
 * storage.h). Strings handed to a callback are valid during the call only.
 * Functions return 0 (or a flag >= 0) on success and a negative errno
 * otherwise; a database error is -EIO. Where a function says "logged", the
 * backend logs the database's message with the caller's module prefix
 * ("registry: ...", "packs: ..."), since only it still has the message.
 * A non-zero return from a callback stops the walk and is returned.
 *
 * Ordering: "ordered by" a text column means by its bytes (memcmp; SQLite's
 * BINARY collation, COLLATE "C" in PostgreSQL), so that maps pushed to the
 * agents and reports do not depend on a locale. */
#ifndef STORAGE_ADMIN_H
#define STORAGE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

struct storage;

/* ------------------------------------------------------------------ */
/* Registry import                                                     */

/* An import is all or nothing: storage_regimp_begin opens a write
 * transaction, the importer writes row by row as it validates, and then
 * either commits or rolls back (any bad row anywhere in the file). Inside
 * the transaction reads see the import's own writes.
 *
 * Besides the registry tables an import keeps two scratch sets that live as
 * long as the transaction: the (school, key) pairs the file listed (to find
 * rows listed twice, and to prune rows no longer listed), and the claimed
 * network keys of a classes file (prefix or VLAN -> first class and line). */
enum storage_reg_kind {
    STORAGE_REG_SCHOOLS,
    STORAGE_REG_CLASSES,
    STORAGE_REG_AREAS,
    STORAGE_REG_INVENTORY,
    STORAGE_REG_LINKS,
};

struct storage_regimp;

/* Starts an import of kind (its writes are prepared here). Returns 0 and
 * sets *out, -ENOMEM or -EIO (logged). */
int  storage_regimp_begin(struct storage *st, enum storage_reg_kind kind,
                          struct storage_regimp **out);
/* Commits and ends the import. 0, or -EIO (logged; rolled back). */
int  storage_regimp_commit(struct storage_regimp *im);
/* Rolls back and ends the import; accepts NULL. */
void storage_regimp_rollback(struct storage_regimp *im);

/* Adds (school, key) to the listed set. 0 when new, 1 when the file already
 * listed it, -EIO (logged). A schools file lists its codes with key "". */
int  storage_regimp_list(struct storage_regimp *im, const char *school,
                         const char *key);
/* 1 when a school with code is in the registry (this import's writes
 * included), 0 when not, -EIO (logged). */
int  storage_regimp_has_school(struct storage_regimp *im, const char *code);
/* Claims network key (e.g. "net:10.1.2.0/24", "vlan:12") of school for
 * class_id on line, unless already claimed. Either way the holder (first
 * claimer) is copied into holder (truncated to len) and *holder_line: a
 * holder_line other than line means another row has it. 0 or -EIO
 * (logged). */
int  storage_regimp_claim_net(struct storage_regimp *im, const char *school,
                              const char *key, const char *class_id,
                              int64_t line, char *holder, size_t len,
                              int64_t *holder_line);

/* Inserts or updates one row by its key. *existed is set to 1 when the row
 * was there before (an update), else 0. Returns 0, 1 when the store refused
 * the row on a constraint (nothing written; the importer's own checks make
 * that unreachable for valid data), or -EIO (logged). */
struct storage_reg_school {
    const char *code, *name, *district;
    const char *region;     /* canonical: "urban", ... */
    const char *type;       /* canonical: "primary", ... */
    int64_t students, teachers, classes;
    int has_contract;       /* 0: contracted bandwidth not declared */
    int64_t contracted_kbps;
    int has_student_computers;
    int64_t student_computers;
    int has_teacher_computers;
    int64_t teacher_computers;
    int64_t updated;        /* unix seconds */
};
int  storage_regimp_put_school(struct storage_regimp *im,
                               const struct storage_reg_school *s,
                               int *existed);

struct storage_reg_class {
    const char *school, *class_id, *name, *grade, *kind;
    const char *subnets;    /* blank-separated canonical prefixes, or "" */
    int has_vlan;
    int64_t vlan;
};
int  storage_regimp_put_class(struct storage_regimp *im,
                              const struct storage_reg_class *c,
                              int *existed);

struct storage_reg_area {
    const char *school, *area, *name, *kind;
    int required;           /* 0 or 1 */
    const char *aps;        /* ';'-separated, as written */
};
int  storage_regimp_put_area(struct storage_regimp *im,
                             const struct storage_reg_area *a,
                             int *existed);

struct storage_reg_inventory {
    const char *school;
    int64_t year;
    const char *item;
    double value;
};
int  storage_regimp_put_inventory(struct storage_regimp *im,
                                  const struct storage_reg_inventory *v,
                                  int *existed);

struct storage_reg_link {
    const char *school, *link, *role, *target, *interface;
};
int  storage_regimp_put_link(struct storage_regimp *im,
                             const struct storage_reg_link *l, int *existed);

/* For a classes, areas or links import: deletes the rows of every school
 * the file listed whose key (class, area, link) the file did not list.
 * *removed gets the number deleted. 0, -EIO (logged), or -EINVAL for the
 * other kinds. */
int  storage_regimp_prune(struct storage_regimp *im, int *removed);

/* ------------------------------------------------------------------ */
/* Registry reads (the agents' maps)                                   */

struct storage_reg_class_net {
    const char *class_id;
    const char *subnets;    /* as stored, "" when none */
    int has_vlan;
    int vlan;
};
typedef int (*storage_reg_class_net_cb)(void *arg,
                                    const struct storage_reg_class_net *c);
/* Calls cb for each class of school, ordered by class id. 0 or -EIO
 * (logged). */
int  storage_reg_each_class_net(struct storage *st, const char *school,
                            storage_reg_class_net_cb cb, void *arg);

struct storage_reg_area_aps {
    const char *area;
    const char *aps;        /* as stored, "" when none */
    int required;
};
typedef int (*storage_reg_area_aps_cb)(void *arg,
                                   const struct storage_reg_area_aps *a);
/* Calls cb for each area of school, ordered by area id. 0 or -EIO
 * (logged). */
int  storage_reg_each_area_aps(struct storage *st, const char *school,
                           storage_reg_area_aps_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* Policy packs                                                        */

/* One stored rule; op and threshold are kept as text, the share as an
 * exact fraction. */
struct storage_pack_rule {
    const char *rule;
    int year;
    const char *regions, *types, *metric;
    const char *op;         /* ">=", "<=", ">", "<", "=" */
    const char *threshold;
    int64_t share_num, share_den;
    const char *source, *text;
    int line;
};

struct storage_pack {
    const char *name, *version;
    const char *digest;     /* hex digest of the file's text */
    const struct storage_pack_rule *rules;
    size_t nrules;
    const char *origin;     /* file name, for log messages only */
};
/* Stores pack p and its rules in one transaction, unless (name, version)
 * is already stored: then nothing is written and its stored digest is
 * copied into digest (len bytes, NUL-terminated). The check and the insert
 * are atomic. Returns 0 (stored), 1 (already there) or -EIO (logged;
 * nothing stored). The load time is set by the store. */
int  storage_pack_put(struct storage *st, const struct storage_pack *p,
                      char *digest, size_t len);
/* Copies the version of pack loaded last (ties: the greatest version by
 * bytes) into version (len bytes). 1 found, 0 no such pack, -EIO. */
int  storage_pack_latest(struct storage *st, const char *pack,
                         char *version, size_t len);
/* The greatest year <= year that has rules in (pack, version), into
 * *out. 1 found, 0 none, -EIO. (A plain max() in SQL.) */
int  storage_pack_rules_year(struct storage *st, const char *pack,
                             const char *version, int year, int *out);
typedef int (*storage_pack_rule_cb)(void *arg,
                                    const struct storage_pack_rule *r);
/* Calls cb for each rule of (pack, version) with exactly that year,
 * ordered by line. 0 or -EIO. */
int  storage_pack_each_rule(struct storage *st, const char *pack,
                            const char *version, int year,
                            storage_pack_rule_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* School calendar                                                     */

/* A district's calendar; district "" is the default for all districts.
 * Exception days are local dates as "YYYY-MM-DD" text. */
struct storage_calendar {
    const char *district;
    int utc_offset;         /* minutes east of UTC */
    unsigned weekdays;      /* bit 0 Monday ... bit 6 Sunday */
    int start_min, end_min;
    const char *source;
};
struct storage_calendar_day {
    const char *date;       /* "YYYY-MM-DD" */
    int school_day;         /* 0 holiday, 1 extra school day */
};
/* Replaces c->district's calendar and its exception days as a whole, in
 * one transaction. The load time is set by the store. 0 or -EIO (logged;
 * nothing changed). */
int  storage_calendar_put(struct storage *st, const struct storage_calendar *c,
                          const struct storage_calendar_day *days,
                          size_t ndays);

/* The stored header of a district's calendar. */
struct storage_calendar_head {
    int utc_offset;
    unsigned weekdays;
    int start_min, end_min;
    char source[256];       /* as stored (truncated to fit) */
};
typedef int (*storage_calendar_day_cb)(void *arg,
                                       const struct storage_calendar_day *d);
/* Loads district's calendar: fills *head and calls cb for each exception
 * day ordered by date. Returns 1 (found), 0 (none stored for district; cb
 * not called), -EIO, or cb's non-zero return. */
int  storage_calendar_get(struct storage *st, const char *district,
                          struct storage_calendar_head *head,
                          storage_calendar_day_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* Agent keys                                                          */

/* Issues or replaces identity's key (not revoked). expires 0 = never;
 * created in unix seconds. 0 or -EIO (logged). */
int  storage_key_put(struct storage *st, const char *identity,
                     const char *school, const char *key_hex,
                     int64_t created, int64_t expires);
/* Marks identity's key revoked. 0, -ENOENT (no such key) or -EIO. */
int  storage_key_revoke(struct storage *st, const char *identity);

struct storage_key {
    const char *identity, *school, *key_hex;
    int64_t expires;        /* 0: never */
    int revoked;
};
typedef int (*storage_key_cb)(void *arg, const struct storage_key *k);
/* Calls cb for every stored key, in no particular order. 0 or -EIO. */
int  storage_key_each(struct storage *st, storage_key_cb cb, void *arg);

#endif /* STORAGE_ADMIN_H */
