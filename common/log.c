/* log: see log.h. Each message is formatted into a stack buffer and written
 * with one write(2) so lines from several threads never interleave. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "classband";
static int log_level_debug;
static int log_to_syslog;

void
log_init(const char *ident, int verbose, int use_syslog)
{
    log_ident = ident;
    log_level_debug = verbose > 0;
    log_to_syslog = use_syslog;
    if (use_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_verbose(void)
{
    return log_level_debug;
}

static void
vlog(int pri, const char *errstr, const char *fmt, va_list ap)
{
    char msg[1024], line[1200];
    struct timespec ts;
    struct tm tm;
    int n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (log_to_syslog) {
        if (errstr != NULL)
            syslog(pri, "%s: %s", msg, errstr);
        else
            syslog(pri, "%s", msg);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = snprintf(line, sizeof(line),
        "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d]: %s%s%s\n",
        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
        tm.tm_sec, ts.tv_nsec / 1000000, log_ident, (int)getpid(), msg,
        errstr ? ": " : "", errstr ? errstr : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line);
        line[n - 1] = '\n';
    }
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nowhere left to report it */
    }
}

void
log_warn(const char *fmt, ...)
{
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vlog(LOG_WARNING, strerror(saved), fmt, ap);
    va_end(ap);
    errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_WARNING, NULL, fmt, ap);
    va_end(ap);
}

void
log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_INFO, NULL, fmt, ap);
    va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
    va_list ap;

    if (!log_level_debug)
        return;
    va_start(ap, fmt);
    vlog(LOG_DEBUG, NULL, fmt, ap);
    va_end(ap);
}

void
fatal(const char *fmt, ...)
{
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vlog(LOG_CRIT, strerror(saved), fmt, ap);
    va_end(ap);
    exit(1);
}

void
fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_CRIT, NULL, fmt, ap);
    va_end(ap);
    exit(1);
}
