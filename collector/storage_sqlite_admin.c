/* storage_sqlite_admin: SQLite backend of storage_admin.h (registry, packs,
 * calendar, agent keys), on the connection of a struct storage. Tables:
 * schema/002_registry.sql and schema/007_agent_keys.sql. An import's
 * scratch sets are temporary tables of the connection, emptied when an
 * import begins. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "storage.h"
#include "storage_sqlite.h"
#include "storage_admin.h"

/* Text of column i, "" for NULL (every column read here is NOT NULL in the
 * schema; this only keeps a hand-edited database from crashing us). Not
 * storage_sqlite_text, which gives NULL: callers here print these. */
static const char *
col_text(sqlite3_stmt *s, int i)
{
    const char *v = storage_sqlite_text(s, i);

    return v ? v : "";
}

static void
bind_opt_int(sqlite3_stmt *s, int i, int present, int64_t v)
{
    if (present)
        sqlite3_bind_int64(s, i, (sqlite3_int64)v);
    else
        sqlite3_bind_null(s, i);
}

/* ------------------------------------------------------------------ */
/* registry import                                                     */

struct storage_regimp {
    sqlite3 *db;
    enum storage_reg_kind kind;
    sqlite3_stmt *up;       /* upsert of the kind's row */
    sqlite3_stmt *ex;       /* does the kind's row exist */
    sqlite3_stmt *sch;      /* does the school exist */
    sqlite3_stmt *seen;     /* temp.regseen insert */
    sqlite3_stmt *net;      /* temp.regnet claim (classes only) */
};

static const char *const upsert_sql[] = {
    [STORAGE_REG_SCHOOLS] =
        "INSERT INTO schools (code, name, district, region, type, "
        "students, teachers, classes, contracted_kbps, "
        "declared_student_computers, declared_teacher_computers, "
        "updated) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
        "ON CONFLICT (code) DO UPDATE SET name = ?2, district = ?3, "
        "region = ?4, type = ?5, students = ?6, teachers = ?7, "
        "classes = ?8, contracted_kbps = ?9, "
        "declared_student_computers = ?10, "
        "declared_teacher_computers = ?11, updated = ?12",
    [STORAGE_REG_CLASSES] =
        "INSERT INTO classes (school, class, name, grade, kind, "
        "subnets, vlan) VALUES (?1,?2,?3,?4,?5,?6,?7) "
        "ON CONFLICT (school, class) DO UPDATE SET name = ?3, "
        "grade = ?4, kind = ?5, subnets = ?6, vlan = ?7",
    [STORAGE_REG_AREAS] =
        "INSERT INTO areas (school, area, name, kind, required, aps) "
        "VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT (school, area) DO "
        "UPDATE SET name = ?3, kind = ?4, required = ?5, aps = ?6",
    [STORAGE_REG_INVENTORY] =
        "INSERT INTO inventory (school, year, item, value) VALUES "
        "(?1,?2,?3,?4) ON CONFLICT (school, year, item) DO UPDATE SET "
        "value = ?4",
    [STORAGE_REG_LINKS] =
        "INSERT INTO links (school, link, role, target, interface) "
        "VALUES (?1,?2,?3,?4,?5) ON CONFLICT (school, link) DO UPDATE "
        "SET role = ?3, target = ?4, interface = ?5",
};

static const char *const exists_sql[] = {
    [STORAGE_REG_SCHOOLS] = "SELECT 1 FROM schools WHERE code = ?1",
    [STORAGE_REG_CLASSES] =
        "SELECT 1 FROM classes WHERE school = ?1 AND class = ?2",
    [STORAGE_REG_AREAS] =
        "SELECT 1 FROM areas WHERE school = ?1 AND area = ?2",
    [STORAGE_REG_INVENTORY] = ("SELECT 1 FROM inventory WHERE school = ?1 "
                               "AND year = ?2 AND item = ?3"),
    [STORAGE_REG_LINKS] =
        "SELECT 1 FROM links WHERE school = ?1 AND link = ?2",
};

static const char *const prune_sql[] = {
    [STORAGE_REG_SCHOOLS] = NULL,
    [STORAGE_REG_CLASSES] =
        "DELETE FROM classes WHERE school IN (SELECT school FROM "
        "temp.regseen) AND (school, class) NOT IN (SELECT school, key "
        "FROM temp.regseen)",
    [STORAGE_REG_AREAS] =
        "DELETE FROM areas WHERE school IN (SELECT school FROM "
        "temp.regseen) AND (school, area) NOT IN (SELECT school, key "
        "FROM temp.regseen)",
    [STORAGE_REG_INVENTORY] = NULL,
    [STORAGE_REG_LINKS] =
        "DELETE FROM links WHERE school IN (SELECT school FROM "
        "temp.regseen) AND (school, link) NOT IN (SELECT school, key "
        "FROM temp.regseen)",
};

/* Steps a write statement; returns 0, or 1 for a constraint violation
 * (duplicate key), or -EIO (logged). Resets s. Not storage_sqlite_walk_end:
 * s is reused for the next row and a duplicate key is an answer. */
static int
reg_step(struct storage_regimp *im, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_CONSTRAINT)
        return 1;
    log_warnx("registry: %s", sqlite3_errmsg(im->db));
    return -EIO;
}

/* 1 when s yields a row, 0 when not, -EIO (logged). Resets s. */
static int
reg_exists(struct storage_regimp *im, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s), r;

    r = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_warnx("registry: %s", sqlite3_errmsg(im->db));
        r = -EIO;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return r;
}

static void
regimp_free(struct storage_regimp *im)
{
    sqlite3_finalize(im->up);
    sqlite3_finalize(im->ex);
    sqlite3_finalize(im->sch);
    sqlite3_finalize(im->seen);
    sqlite3_finalize(im->net);
    free(im);
}

int
storage_regimp_begin(struct storage *st, enum storage_reg_kind kind,
                     struct storage_regimp **out)
{
    struct storage_regimp *im;

    *out = NULL;
    if ((unsigned)kind > STORAGE_REG_LINKS)
        return -EINVAL;
    im = calloc(1, sizeof(*im));
    if (im == NULL)
        return -ENOMEM;
    im->db = storage_db(st);
    im->kind = kind;
    if (storage_sqlite_exec(
            im->db,
            "CREATE TEMP TABLE IF NOT EXISTS regseen (school TEXT, "
            "key TEXT, PRIMARY KEY (school, key)); "
            "CREATE TEMP TABLE IF NOT EXISTS regnet (school TEXT, "
            "key TEXT, class TEXT, line INTEGER, PRIMARY KEY "
            "(school, key)); "
            "BEGIN IMMEDIATE; DELETE FROM temp.regseen; "
            "DELETE FROM temp.regnet",
            NULL) != 0) {
        log_warnx("registry: begin: %s", sqlite3_errmsg(im->db));
        /* The BEGIN may have run before a later statement failed. */
        if (!sqlite3_get_autocommit(im->db))
            storage_sqlite_exec(im->db, "ROLLBACK", NULL);
        free(im);
        return -EIO;
    }
    if (storage_sqlite_prep(im->db, upsert_sql[kind], &im->up,
                            "registry: prepare") != 0 ||
        storage_sqlite_prep(im->db, exists_sql[kind], &im->ex,
                            "registry: prepare") != 0 ||
        storage_sqlite_prep(im->db, "SELECT 1 FROM schools WHERE code = ?1",
                            &im->sch, "registry: prepare") != 0 ||
        storage_sqlite_prep(im->db,
                            "INSERT INTO temp.regseen (school, key) VALUES "
                            "(?1, ?2)",
                            &im->seen, "registry: prepare") != 0 ||
        (kind == STORAGE_REG_CLASSES &&
         storage_sqlite_prep(
             im->db,
             "INSERT INTO temp.regnet (school, key, class, line) "
             "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (school, key) DO "
             "UPDATE SET line = line RETURNING class, line",
             &im->net, "registry: prepare") != 0)) {
        storage_regimp_rollback(im);
        return -EIO;
    }
    *out = im;
    return 0;
}

int
storage_regimp_commit(struct storage_regimp *im)
{
    sqlite3 *db = im->db;
    int rc = 0;

    /* Statements are reset after every use: none is pending here. */
    regimp_free(im);
    if (storage_sqlite_exec(db, "COMMIT", NULL) != 0) {
        log_warnx("registry: commit: %s", sqlite3_errmsg(db));
        storage_sqlite_exec(db, "ROLLBACK", NULL);
        rc = -EIO;
    }
    return rc;
}

void
storage_regimp_rollback(struct storage_regimp *im)
{
    sqlite3 *db;

    if (im == NULL)
        return;
    db = im->db;
    regimp_free(im);
    storage_sqlite_exec(db, "ROLLBACK", NULL);
}

int
storage_regimp_list(struct storage_regimp *im, const char *school,
                    const char *key)
{
    storage_sqlite_bind_text(im->seen, 1, school);
    storage_sqlite_bind_text(im->seen, 2, key);
    return reg_step(im, im->seen);
}

int
storage_regimp_has_school(struct storage_regimp *im, const char *code)
{
    storage_sqlite_bind_text(im->sch, 1, code);
    return reg_exists(im, im->sch);
}

int
storage_regimp_claim_net(struct storage_regimp *im, const char *school,
                         const char *key, const char *class_id, int64_t line,
                         char *holder, size_t len, int64_t *holder_line)
{
    sqlite3_stmt *s = im->net;
    int rc;

    if (s == NULL)
        return -EINVAL;
    storage_sqlite_bind_text(s, 1, school);
    storage_sqlite_bind_text(s, 2, key);
    storage_sqlite_bind_text(s, 3, class_id);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)line);
    if (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(holder, len, "%s", col_text(s, 0));
        *holder_line = sqlite3_column_int64(s, 1);
        rc = 0;
    } else {
        log_warnx("registry: %s", sqlite3_errmsg(im->db));
        rc = -EIO;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

/* Sets *existed from the kind's exists statement (bound by the caller),
 * then steps the bound upsert. */
static int
reg_put(struct storage_regimp *im, int *existed)
{
    int e = reg_exists(im, im->ex), rc;

    *existed = e > 0;
    rc = reg_step(im, im->up);
    return e < 0 ? -EIO : rc;
}

int
storage_regimp_put_school(struct storage_regimp *im,
                          const struct storage_reg_school *s, int *existed)
{
    sqlite3_stmt *up = im->up;

    if (im->kind != STORAGE_REG_SCHOOLS)
        return -EINVAL;
    storage_sqlite_bind_text(im->ex, 1, s->code);
    storage_sqlite_bind_text(up, 1, s->code);
    storage_sqlite_bind_text(up, 2, s->name);
    storage_sqlite_bind_text(up, 3, s->district);
    storage_sqlite_bind_text(up, 4, s->region);
    storage_sqlite_bind_text(up, 5, s->type);
    sqlite3_bind_int64(up, 6, (sqlite3_int64)s->students);
    sqlite3_bind_int64(up, 7, (sqlite3_int64)s->teachers);
    sqlite3_bind_int64(up, 8, (sqlite3_int64)s->classes);
    bind_opt_int(up, 9, s->has_contract, s->contracted_kbps);
    bind_opt_int(up, 10, s->has_student_computers, s->student_computers);
    bind_opt_int(up, 11, s->has_teacher_computers, s->teacher_computers);
    sqlite3_bind_int64(up, 12, (sqlite3_int64)s->updated);
    return reg_put(im, existed);
}

int
storage_regimp_put_class(struct storage_regimp *im,
                         const struct storage_reg_class *c, int *existed)
{
    sqlite3_stmt *up = im->up;

    if (im->kind != STORAGE_REG_CLASSES)
        return -EINVAL;
    storage_sqlite_bind_text(im->ex, 1, c->school);
    storage_sqlite_bind_text(im->ex, 2, c->class_id);
    storage_sqlite_bind_text(up, 1, c->school);
    storage_sqlite_bind_text(up, 2, c->class_id);
    storage_sqlite_bind_text(up, 3, c->name);
    storage_sqlite_bind_text(up, 4, c->grade);
    storage_sqlite_bind_text(up, 5, c->kind);
    storage_sqlite_bind_text(up, 6, c->subnets);
    bind_opt_int(up, 7, c->has_vlan, c->vlan);
    return reg_put(im, existed);
}

int
storage_regimp_put_area(struct storage_regimp *im,
                        const struct storage_reg_area *a, int *existed)
{
    sqlite3_stmt *up = im->up;

    if (im->kind != STORAGE_REG_AREAS)
        return -EINVAL;
    storage_sqlite_bind_text(im->ex, 1, a->school);
    storage_sqlite_bind_text(im->ex, 2, a->area);
    storage_sqlite_bind_text(up, 1, a->school);
    storage_sqlite_bind_text(up, 2, a->area);
    storage_sqlite_bind_text(up, 3, a->name);
    storage_sqlite_bind_text(up, 4, a->kind);
    sqlite3_bind_int(up, 5, a->required);
    storage_sqlite_bind_text(up, 6, a->aps);
    return reg_put(im, existed);
}

int
storage_regimp_put_inventory(struct storage_regimp *im,
                             const struct storage_reg_inventory *v,
                             int *existed)
{
    sqlite3_stmt *up = im->up;

    if (im->kind != STORAGE_REG_INVENTORY)
        return -EINVAL;
    storage_sqlite_bind_text(im->ex, 1, v->school);
    sqlite3_bind_int64(im->ex, 2, (sqlite3_int64)v->year);
    storage_sqlite_bind_text(im->ex, 3, v->item);
    storage_sqlite_bind_text(up, 1, v->school);
    sqlite3_bind_int64(up, 2, (sqlite3_int64)v->year);
    storage_sqlite_bind_text(up, 3, v->item);
    sqlite3_bind_double(up, 4, v->value);
    return reg_put(im, existed);
}

int
storage_regimp_put_link(struct storage_regimp *im,
                        const struct storage_reg_link *l, int *existed)
{
    sqlite3_stmt *up = im->up;

    if (im->kind != STORAGE_REG_LINKS)
        return -EINVAL;
    storage_sqlite_bind_text(im->ex, 1, l->school);
    storage_sqlite_bind_text(im->ex, 2, l->link);
    storage_sqlite_bind_text(up, 1, l->school);
    storage_sqlite_bind_text(up, 2, l->link);
    storage_sqlite_bind_text(up, 3, l->role);
    storage_sqlite_bind_text(up, 4, l->target);
    storage_sqlite_bind_text(up, 5, l->interface);
    return reg_put(im, existed);
}

int
storage_regimp_prune(struct storage_regimp *im, int *removed)
{
    sqlite3_stmt *del = NULL;
    int rc;

    *removed = 0;
    if (prune_sql[im->kind] == NULL)
        return -EINVAL;
    if (storage_sqlite_prep(im->db, prune_sql[im->kind], &del,
                            "registry: prepare") != 0)
        return -EIO;
    rc = reg_step(im, del);
    sqlite3_finalize(del);
    if (rc != 0)
        return -EIO;
    *removed = sqlite3_changes(im->db);
    return 0;
}

/* ------------------------------------------------------------------ */
/* registry reads                                                      */

/* Prepares a per-school map query, logging as the registry does. */
static int
map_prep(sqlite3 *db, const char *sql, const char *school, sqlite3_stmt **s)
{
    if (storage_sqlite_prep(db, sql, s, "registry: map") != 0)
        return -EIO;
    storage_sqlite_bind_text(*s, 1, school);
    return 0;
}

int
storage_reg_each_class_net(struct storage *st, const char *school,
                           storage_reg_class_net_cb cb, void *arg)
{
    struct storage_reg_class_net c;
    sqlite3_stmt *s;
    int rc, r = 0;

    if (map_prep(storage_db(st), "SELECT class, subnets, vlan FROM "
                 "classes WHERE school = ?1 ORDER BY class", school,
                 &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        c.class_id = col_text(s, 0);
        c.subnets = col_text(s, 1);
        c.has_vlan = !storage_sqlite_is_null(s, 2);
        c.vlan = sqlite3_column_int(s, 2);
        if ((r = cb(arg, &c)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

int
storage_reg_each_area_aps(struct storage *st, const char *school,
                          storage_reg_area_aps_cb cb, void *arg)
{
    struct storage_reg_area_aps a;
    sqlite3_stmt *s;
    int rc, r = 0;

    if (map_prep(storage_db(st), "SELECT area, aps, required FROM "
                 "areas WHERE school = ?1 ORDER BY area", school, &s) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        a.area = col_text(s, 0);
        a.aps = col_text(s, 1);
        a.required = sqlite3_column_int(s, 2);
        if ((r = cb(arg, &a)) != 0)
            break;
    }
    return storage_sqlite_walk_end(s, rc, r);
}

/* ------------------------------------------------------------------ */
/* packs                                                               */

int
storage_pack_put(struct storage *st, const struct storage_pack *p,
                 char *digest, size_t len)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s = NULL;
    size_t i;
    int rc = -EIO;

    if (storage_sqlite_exec(db, "BEGIN IMMEDIATE", NULL) != 0)
        goto out;
    if (storage_sqlite_prep(db,
                            "SELECT digest FROM packs WHERE pack = ?1 "
                            "AND version = ?2",
                            &s, NULL) != 0)
        goto out;
    sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p->version, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(digest, len, "%s", col_text(s, 0));
        rc = 1;
        goto out;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (storage_sqlite_prep(db,
                            "INSERT INTO packs (pack, version, title, "
                            "digest, loaded) VALUES (?1, ?2, ?1, ?3, "
                            "strftime('%s','now'))",
                            &s, NULL) != 0)
        goto out;
    sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, p->digest, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        goto out;
    sqlite3_finalize(s);
    s = NULL;
    if (storage_sqlite_prep(db,
                            "INSERT INTO pack_rules (pack, version, rule, "
                            "year, regions, types, metric, op, threshold, "
                            "share_num, share_den, source, text, line) VALUES "
                            "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
                            &s, NULL) != 0)
        goto out;
    for (i = 0; i < p->nrules; i++) {
        const struct storage_pack_rule *r = &p->rules[i];

        sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, p->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, r->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, r->year);
        sqlite3_bind_text(s, 5, r->regions, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, r->types, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, r->metric, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, r->op, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 9, r->threshold, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 10, (sqlite3_int64)r->share_num);
        sqlite3_bind_int64(s, 11, (sqlite3_int64)r->share_den);
        sqlite3_bind_text(s, 12, r->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 13, r->text, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 14, r->line);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto out;
        sqlite3_reset(s);
    }
    rc = 0;
out:
    if (rc == 0 && storage_sqlite_exec(db, "COMMIT", NULL) != 0)
        rc = -EIO;
    if (rc == -EIO)
        log_warnx("packs: %s: %s", p->origin, sqlite3_errmsg(db));
    if (rc != 0)
        storage_sqlite_exec(db, "ROLLBACK", NULL);
    sqlite3_finalize(s);
    return rc;
}

int
storage_pack_latest(struct storage *st, const char *pack, char *version,
                    size_t len)
{
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(storage_db(st),
                            "SELECT version FROM packs "
                            "WHERE pack = ?1 ORDER BY loaded DESC, version "
                            "DESC LIMIT 1",
                            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, pack, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(version, len, "%s", col_text(s, 0));
        rc = 1;
    } else {
        rc = rc == SQLITE_DONE ? 0 : -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

int
storage_pack_rules_year(struct storage *st, const char *pack,
                        const char *version, int year, int *out)
{
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(storage_db(st),
                            "SELECT max(year) FROM "
                            "pack_rules WHERE pack = ?1 AND version = ?2 AND "
                            "year <= ?3",
                            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, pack, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, version, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, year);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && !storage_sqlite_is_null(s, 0)) {
        *out = sqlite3_column_int(s, 0);
        rc = 1;
    } else {
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
    }
    sqlite3_finalize(s);
    return rc;
}

int
storage_pack_each_rule(struct storage *st, const char *pack,
                       const char *version, int year,
                       storage_pack_rule_cb cb, void *arg)
{
    struct storage_pack_rule r;
    sqlite3_stmt *s;
    int rc, cr = 0;

    if (storage_sqlite_prep(storage_db(st),
                            "SELECT rule, year, regions, "
                            "types, metric, op, threshold, share_num, "
                            "share_den, source, text, line FROM pack_rules "
                            "WHERE pack = ?1 AND version = ?2 AND year = ?3 "
                            "ORDER BY line",
                            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, pack, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, version, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, year);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r.rule = col_text(s, 0);
        r.year = sqlite3_column_int(s, 1);
        r.regions = col_text(s, 2);
        r.types = col_text(s, 3);
        r.metric = col_text(s, 4);
        r.op = col_text(s, 5);
        r.threshold = col_text(s, 6);
        r.share_num = sqlite3_column_int64(s, 7);
        r.share_den = sqlite3_column_int64(s, 8);
        r.source = col_text(s, 9);
        r.text = col_text(s, 10);
        r.line = sqlite3_column_int(s, 11);
        if ((cr = cb(arg, &r)) != 0)
            break;
    }
    sqlite3_finalize(s);
    if (cr != 0)
        return cr;
    return rc == SQLITE_DONE ? 0 : -EIO;
}

/* ------------------------------------------------------------------ */
/* calendar                                                            */

int
storage_calendar_put(struct storage *st, const struct storage_calendar *c,
                     const struct storage_calendar_day *days, size_t ndays)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s = NULL, *d = NULL;
    size_t i;
    int rc = -EIO;

    if (storage_sqlite_exec(db, "BEGIN IMMEDIATE", NULL) != 0)
        goto out;
    if (storage_sqlite_prep(db,
                            "INSERT OR REPLACE INTO calendar (district, "
                            "utc_offset, weekdays, start_min, end_min, "
                            "source, loaded) VALUES (?1,?2,?3,?4,?5,?6,"
                            "strftime('%s','now'))",
                            &s, NULL) != 0 ||
        storage_sqlite_prep(db, "DELETE FROM calendar_day WHERE district = ?1",
                            &d, NULL) != 0)
        goto out;
    sqlite3_bind_text(s, 1, c->district, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, c->utc_offset);
    sqlite3_bind_int(s, 3, (int)c->weekdays);
    sqlite3_bind_int(s, 4, c->start_min);
    sqlite3_bind_int(s, 5, c->end_min);
    sqlite3_bind_text(s, 6, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(d, 1, c->district, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE || sqlite3_step(d) != SQLITE_DONE)
        goto out;
    sqlite3_finalize(s);
    s = NULL;
    if (storage_sqlite_prep(db,
                            "INSERT INTO calendar_day (district, day, "
                            "school_day) VALUES (?1, ?2, ?3)",
                            &s, NULL) != 0)
        goto out;
    for (i = 0; i < ndays; i++) {
        sqlite3_bind_text(s, 1, c->district, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, days[i].date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 3, days[i].school_day);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto out;
        sqlite3_reset(s);
    }
    if (storage_sqlite_exec(db, "COMMIT", NULL) == 0)
        rc = 0;
out:
    if (rc != 0) {
        log_warnx("calendar: store: %s", sqlite3_errmsg(db));
        storage_sqlite_exec(db, "ROLLBACK", NULL);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(d);
    return rc;
}

int
storage_calendar_get(struct storage *st, const char *district,
                     struct storage_calendar_head *head,
                     storage_calendar_day_cb cb, void *arg)
{
    sqlite3 *db = storage_db(st);
    struct storage_calendar_day d;
    sqlite3_stmt *s = NULL;
    int rc, cr = 0, found = 0;

    if (storage_sqlite_prep(db,
                            "SELECT utc_offset, weekdays, start_min, end_min, "
                            "source FROM calendar WHERE district = ?1",
                            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, district, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        found = 1;
        head->utc_offset = sqlite3_column_int(s, 0);
        head->weekdays = (unsigned)sqlite3_column_int(s, 1);
        head->start_min = sqlite3_column_int(s, 2);
        head->end_min = sqlite3_column_int(s, 3);
        snprintf(head->source, sizeof(head->source), "%s", col_text(s, 4));
    }
    sqlite3_finalize(s);
    if (!found)
        return 0;
    if (storage_sqlite_prep(db,
                            "SELECT day, school_day FROM calendar_day WHERE "
                            "district = ?1 ORDER BY day",
                            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, district, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        d.date = col_text(s, 0);
        d.school_day = sqlite3_column_int(s, 1);
        if ((cr = cb(arg, &d)) != 0)
            break;
    }
    sqlite3_finalize(s);
    if (cr != 0)
        return cr;
    return rc == SQLITE_DONE ? 1 : -EIO;
}

/* ------------------------------------------------------------------ */
/* agent keys                                                          */

int
storage_key_put(struct storage *st, const char *identity, const char *school,
                const char *key_hex, int64_t created, int64_t expires)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(
            db,
            "INSERT OR REPLACE INTO agent_keys (identity, "
            "school, key_hex, created, expires, revoked) VALUES "
            "(?1, ?2, ?3, ?4, ?5, 0)",
            &s, NULL) != 0) {
        log_warnx("keys: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    sqlite3_bind_text(s, 1, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, school, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, key_hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)created);
    if (expires != 0)
        sqlite3_bind_int64(s, 5, (sqlite3_int64)expires);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
    if (rc != 0)
        log_warnx("keys: enroll %s: %s", identity, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return rc;
}

int
storage_key_revoke(struct storage *st, const char *identity)
{
    sqlite3 *db = storage_db(st);
    sqlite3_stmt *s;
    int rc;

    if (storage_sqlite_prep(db,
                            "UPDATE agent_keys SET revoked = 1 WHERE "
                            "identity = ?1",
                            &s, NULL) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, identity, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
    if (rc == 0 && sqlite3_changes(db) == 0)
        rc = -ENOENT;
    sqlite3_finalize(s);
    return rc;
}

int
storage_key_each(struct storage *st, storage_key_cb cb, void *arg)
{
    struct storage_key k;
    sqlite3_stmt *s;
    int rc, cr = 0;

    if (storage_sqlite_prep(storage_db(st),
                            "SELECT identity, school, "
                            "key_hex, expires, revoked FROM agent_keys",
                            &s, NULL) != 0)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        k.identity = col_text(s, 0);
        k.school = col_text(s, 1);
        k.key_hex = col_text(s, 2);
        k.expires = sqlite3_column_int64(s, 3);
        k.revoked = sqlite3_column_int(s, 4);
        if ((cr = cb(arg, &k)) != 0)
            break;
    }
    sqlite3_finalize(s);
    if (cr != 0)
        return cr;
    return rc == SQLITE_DONE ? 0 : -EIO;
}
