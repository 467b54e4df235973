/* The Prometheus endpoint of closbgpd: a small non-blocking HTTP/1.x
 * server on the daemon's libev loop that answers GET /metrics with the
 * text exposition format (bgpd/prom.h), read from the same structs as the
 * control socket. Off unless the configuration's metrics/address is set. */
#ifndef CLOS_METRICS_H
#define CLOS_METRICS_H

#include <stddef.h>
#include <sys/socket.h>

#include "bgpd/prom.h"

#define METRICS_MAX_CLIENTS 8	    /* more are answered 503 and closed */
#define METRICS_REQ_MAX 8192	    /* request line and headers */
#define METRICS_BODY_MAX (32u << 20) /* larger: 500 */
#define METRICS_IDLE 10.0	    /* s for the request, then without progress */

struct bgpd;
struct metrics_server;

/* Start, stop or re-bind the endpoint so that it matches d->cfg->metrics
 * (nothing happens when it already does). -1 with the reason in err when
 * it cannot listen: the endpoint is then off until the next try. */
int metrics_configure(struct bgpd *d, char *err, size_t errlen);
/* Close every client and the listener. NULL is ok. */
void metrics_server_free(struct metrics_server *s);
/* Tests: seconds a client may stay without progress. */
void metrics_server_set_idle(struct metrics_server *s, double secs);

/* What a buffered request asks for (the request line and headers, up to
 * the empty line; a body is never read). */
enum metrics_req {
	METRICS_REQ_INCOMPLETE = 0, /* no empty line yet */
	METRICS_REQ_METRICS,	    /* GET /metrics (a query string is ignored) */
	METRICS_REQ_NOT_FOUND,	    /* GET of another path: 404 */
	METRICS_REQ_BAD_METHOD,	    /* not GET: 405 */
	METRICS_REQ_BAD,	    /* not an HTTP/1.x request line: 400 */
	METRICS_REQ_TOO_LARGE,	    /* no empty line in max bytes: 431 */
};
enum metrics_req metrics_parse_request(const char *buf, size_t len, size_t max);

/* Every metric of d, family by family (docs/monitoring.md). */
void metrics_collect(struct bgpd *d, struct prom_buf *b);

#endif
