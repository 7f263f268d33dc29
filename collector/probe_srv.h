/* probe_srv: the collector's capacity probe endpoint, its own TCP listener
 * on the collector's libuv loop (`probe_listen HOST:PORT`). An agent
 * measures its school's WAN throughput against it: a sink for the upload
 * direction (it counts what arrives and reports bytes and time), a source
 * for the download direction (it sends for the asked seconds). Every test
 * is bounded in bytes and seconds and at most max_tests run at once; a
 * client beyond that is told "busy". The exchange is in docs/PROTOCOL.md
 * ("Probe endpoint"). */
#ifndef PROBE_SRV_H
#define PROBE_SRV_H

#include <stdint.h>

#include <uv.h>

#define PROBE_MAGIC "CBP1"
#define PROBE_REQ_LEN 8    /* "CBP1" | u8 dir | u8 seconds | u16 0 */
#define PROBE_REPORT_LEN 16 /* upload: u64 bytes | u64 microseconds */
#define PROBE_DIR_UP 1     /* client -> collector */
#define PROBE_DIR_DOWN 2   /* collector -> client */
#define PROBE_ACCEPT 'O'
#define PROBE_BUSY 'B'
#define PROBE_BAD 'E'

struct probe_srv;

struct probe_srv_opts {
    const char *listen;    /* HOST:PORT; port 0 picks one */
    unsigned max_tests;    /* concurrent tests; 0: 2 */
    unsigned max_seconds;  /* per test; 0: 10 */
    uint64_t max_bytes;    /* per test; 0: 1 GiB */
};

/* Binds and listens. Logs "probe endpoint listening on ADDR (port N)".
 * Returns 0, -EINVAL (bad address) or a libuv error (logged). */
int probe_srv_start(uv_loop_t *loop, const struct probe_srv_opts *o,
                    struct probe_srv **out);
int probe_srv_port(const struct probe_srv *s);
/* Closes the listener and every test; the memory goes when the loop has
 * run the close callbacks. Accepts NULL. */
void probe_srv_stop(struct probe_srv *s);

#endif /* PROBE_SRV_H */
