/* addr: "HOST:PORT" and "[V6]:PORT" to a sockaddr, numeric only (a router
 * without working DNS must still reach its collector; names are resolved
 * by the operator when writing the config). Pure. */
#ifndef ADDR_H
#define ADDR_H

#include <sys/socket.h>

/* Returns 0 and fills ss, or -EINVAL. "localhost" is accepted as 127.0.0.1. */
int addr_parse(const char *spec, struct sockaddr_storage *ss);
/* Formats ss as "ip:port" / "[ip]:port" into out (cap >= 64). */
void addr_format(const struct sockaddr *sa, char *out, size_t cap);
/* The port of an AF_INET or AF_INET6 address, or -1. */
int addr_port(const struct sockaddr *sa);

#endif /* ADDR_H */
