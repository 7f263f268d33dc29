/* schema: the SQL migrations from schema/NNN_*.sql, embedded at build time
 * by schema/embed.sh. Ordered by number; terminated by a NULL name. */
#ifndef SCHEMA_H
#define SCHEMA_H

struct schema_migration {
    int version;      /* NNN of the file name */
    const char *name; /* file name, for messages */
    const char *sql;
};

extern const struct schema_migration schema_migrations[];

#endif /* SCHEMA_H */
