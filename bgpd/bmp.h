/* BMP (RFC 7854) export of closbgpd to the collectors of the configuration
 * (docs/monitoring.md). d->bmp is NULL when none is configured: every hook
 * on a hot path is behind that one test. */
#ifndef CLOS_BMP_H
#define CLOS_BMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bgpd;
struct peer;
struct bgp_update;
struct bgp_prefix;
struct rib_attrs;

/* Start, stop and change collectors so that they match d->cfg->bmp; the
 * BGP sessions are not touched. A removed collector gets a Termination. */
void bmp_configure(struct bgpd *d);
/* Shutdown: a Termination to every collector, flushed briefly, closed. */
void bmp_free(struct bgpd *d);

/* Peer hooks (bgpd/peer.c). The OPENs are kept whether BMP is on or not,
 * so a collector added later gets Peer Up for sessions already up. */
void bmp_peer_open_sent(struct peer *p, const uint8_t *msg, size_t len); /* whole message */
void bmp_peer_open_received(struct peer *p, const uint8_t *body, size_t len); /* after the header */
/* An Established session ends with a NOTIFICATION we send (msg, whole) or
 * receive (body), or the peer closes it: what Peer Down will say. */
void bmp_peer_notification_sent(struct peer *p, const uint8_t *msg, size_t len);
void bmp_peer_notification_received(struct peer *p, const uint8_t *body, size_t len);
void bmp_peer_closed_by_peer(struct peer *p);
void bmp_peer_up(struct peer *p);	/* Established */
void bmp_peer_down(struct peer *p);	/* its session is being released */
void bmp_peer_free(struct peer *p);
/* Route Monitoring of one UPDATE: body as received (pre-policy) and the
 * decoded u, once the Loc-RIB has it (post-policy). Only with d->bmp. */
void bmp_route_in(struct peer *p, const uint8_t *body, size_t len, const struct bgp_update *u);
/* A new import policy (route_reimport) changed p's path for pfx to now:
 * the post-policy view gets it, or its withdrawal when now is filtered and
 * the path was not. Batched until bmp_reimport_done(d), which sends them;
 * now must stay in the Loc-RIB until then. Only with d->bmp. */
void bmp_route_reimported(struct peer *p, const struct bgp_prefix *pfx, bool was_filtered,
			  struct rib_attrs *now);
void bmp_reimport_done(struct bgpd *d);

#endif
