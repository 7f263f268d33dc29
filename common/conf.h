/* conf: table-driven "key value..." config parser (OpenBSD/Redis shape).
 * Line format: `key arg arg ...`; `#` starts a comment; arguments are split
 * on blanks and may be "double quoted" (\" and \\ escapes) to hold blanks.
 * Every error is reported as `file:line: message` to the given stream, and
 * parsing goes on so that all errors are reported at once. No I/O besides
 * reading the file; no libuv. */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <stdio.h>

#define CONF_MAX_ARGS 16
#define CONF_MAX_LINE 4096

enum conf_type {
    CONF_STR,   /* char * at off; strdup'ed, previous value freed */
    CONF_UINT,  /* unsigned int at off; min..max inclusive */
    CONF_U64,   /* uint64_t at off; min..max inclusive; k/M/G suffixes */
    CONF_BOOL,  /* int at off: yes/no, on/off, true/false, 1/0 */
    CONF_FUNC,  /* fn handles the arguments; may repeat */
};

/* A CONF_FUNC handler. argv[0] is the key. Returns 0, or -1 after writing
 * a message (without file:line) into err. */
typedef int (*conf_fn)(void *obj, int argc, char **argv, char *err,
                       size_t errlen);

struct conf_key {
    const char *name;
    enum conf_type type;
    unsigned long long min, max;
    size_t off;
    conf_fn fn;
};

#define CONF_AT(type, field) offsetof(type, field)

/* Parses path into obj through keys (terminated by a {NULL} entry).
 * Returns the number of errors (0 on success), or -1 if the file cannot
 * be read (reported too). Errors go to errs (stderr if NULL). */
int conf_parse_file(const char *path, const struct conf_key *keys, void *obj,
                    FILE *errs);
/* The same over a string; name is used in the messages. */
int conf_parse_string(const char *name, const char *text,
                      const struct conf_key *keys, void *obj, FILE *errs);

/* For a file that holds secrets: 0 when other users can neither read nor
 * write it, else -1 after printing `path: holds secrets but ...` with the
 * fix to errs. A file that cannot be stat'ed is reported too. */
int conf_check_private(const char *path, FILE *errs);

/* Bounded number parsing shared with command-line handling. Return 0 or
 * -EINVAL / -ERANGE; *out set only on success. */
int conf_parse_u64(const char *s, unsigned long long min,
                   unsigned long long max, unsigned long long *out);
int conf_parse_bool(const char *s, int *out);

#endif /* CONF_H */
