/* log: OpenBSD log.c shape. Messages go to stderr (default) or syslog.
 * log_warn appends strerror(errno); log_warnx does not. fatal/fatalx exit(1)
 * and are for startup only. Nothing here allocates; safe to call from any
 * thread (each call is one write). Messages start with the module name. */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#define LOG_ATTR(f, a) __attribute__((format(printf, f, a)))

/* Call once from main. verbose: 0 warnings+info, 1 adds debug.
 * use_syslog: 1 sends to syslog(3) under ident, else stderr. */
void log_init(const char *ident, int verbose, int use_syslog);
int  log_verbose(void);
void log_warn(const char *fmt, ...) LOG_ATTR(1, 2);
void log_warnx(const char *fmt, ...) LOG_ATTR(1, 2);
void log_info(const char *fmt, ...) LOG_ATTR(1, 2);
void log_debug(const char *fmt, ...) LOG_ATTR(1, 2);
void fatal(const char *fmt, ...) LOG_ATTR(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_ATTR(1, 2) __attribute__((noreturn));

#endif /* LOG_H */
