/* Internal interfaces between the daemon's session pieces: connections
 * (conn.c), the peer FSM driver (peer.c), routes in and out (route.c,
 * export.c), listeners (listen.c) and reload (reload.c). Not used outside bgpd/. */
#ifndef CLOS_SESSION_H
#define CLOS_SESSION_H

#include "bgpd/bgpd.h"

/* conn.c */
struct conn *conn_new(struct peer *p, int fd, bool outbound, bool connecting);
void conn_free(struct conn *c);
/* Queue a whole message; false if the queue is over its high-water mark or
 * the socket failed (the caller then resets the session). */
bool conn_send(struct conn *c, const uint8_t *msg, size_t len);
/* Try hard (briefly) to push out what is queued; used before close. */
void conn_flush(struct conn *c);
/* Open a non-blocking outbound connection for p; NULL with errno on error. */
struct conn *conn_connect(struct peer *p);
/* Socket options for a BGP session socket: GTSM (RFC 5082), no delay. */
int conn_setsockopts(int fd, int family, const struct cfg_peer *cfg);
/* tcp_auth.c: TCP authentication for cfg's address on fd, a connecting or
 * a listening socket: its TCP-MD5 key (RFC 2385) or TCP-AO MKTs (RFC
 * 5925) set, or removed; nothing without auth. -1 with errno. */
int conn_auth_set(int fd, const struct cfg_peer *cfg, bool listening, bool remove);
/* Can this kernel sign cfg's session as configured? Tried on a socket of
 * its own: 0, or -1 with the reason (ENOPROTOOPT: no TCP-AO/TCP-MD5). */
int conn_auth_probe(const struct cfg_peer *cfg, char *why, size_t len);
/* From old's TCP-AO MKTs to nw's on fd (config_ao_rekeyable): new ones
 * added, then, on a connection, nw's first made current and RNext, then
 * the ones nw lacks deleted. -1 with errno (the session must be reset). */
int conn_ao_rekey(int fd, const struct cfg_peer *old, const struct cfg_peer *nw, bool listening);
/* A connection's TCP-AO state (TCP_AO_INFO): the KeyIDs in use and its
 * segment counters. -1 with errno (ENOENT: no TCP-AO on it). */
struct conn_ao_state {
	bool has_current, has_rnext;
	uint8_t current_key;	/* SendID of the MKT we send with */
	uint8_t rnext_key;	/* RecvID we ask the peer to send with */
	uint64_t good, bad, key_not_found, ao_required;
};
int conn_ao_state(int fd, struct conn_ao_state *st);
bool conn_writable_room(const struct conn *c);
/* TCP has been retransmitting unacknowledged data on c: the peer does not
 * answer on it (e.g. it has no such connection any more and its RST, sent
 * with a low TTL, is dropped by our GTSM minimum TTL). */
bool conn_stalled(const struct conn *c);

/* peer.c: callbacks from conn.c. A handler returns false when the
 * connection has been freed and must not be touched again. */
bool peer_conn_connected(struct peer *p, struct conn *c, int err);
bool peer_conn_message(struct peer *p, struct conn *c, uint8_t type, struct rbuf *body);
bool peer_conn_header_error(struct peer *p, struct conn *c, const struct bgp_error *err);
bool peer_conn_closed(struct peer *p, struct conn *c, int err);
void peer_output_drained(struct peer *p); /* the queue fell below the mark */

/* route.c (graceful.c: the helper side of graceful restart): routes in
 * (Adj-RIB-In -> Loc-RIB) and out (Loc-RIB -> FIB and
 * every peer's Adj-RIB-Out), batched once per event-loop turn. */
int route_init(struct bgpd *d, char *err, size_t errlen);
void route_free(struct bgpd *d);
void route_originate(struct bgpd *d);	     /* (re)apply configured networks */
/* The path we originate for a network (and, with more, an aggregate). */
void route_network_attrs(const struct cfg_network *n, struct bgp_attrs *a);
void route_selection_cfg(const struct bgp_config *cfg, struct rib_decide_cfg *dc);
/* aggregate.c: configured aggregates (re)applied, counts redone (-1: no
 * memory); after a drain, the ones that reached or left their minimum. */
int route_agg_configure(struct bgpd *d);
/* The prefixes of adj that listed() says are no longer configured, in a
 * malloc'd array the caller frees (*v, may be NULL); how many. */
size_t route_unlisted(const struct bgpd *d, const struct rib_adj *adj,
		      bool (*listed)(const struct bgpd *d, const struct bgp_prefix *p),
		      struct bgp_prefix **v);
void route_agg_apply(struct bgpd *d);
/* Into the Loc-RIB through import policy; true when the peer went over
 * its max-prefix limit with restart: the caller closes the session. */
bool route_peer_update(struct peer *p, const struct bgp_update *u);
struct rib_attrs *route_import(struct bgpd *d, const struct peer *p, const struct bgp_prefix *pfx,
			       struct rib_attrs *in, bool *accepted);
/* Re-run import policy on the stored paths of peers marked reimport
 * (from what they sent); returns how many paths changed. */
size_t route_reimport(struct bgpd *d);
bool route_maxpfx(struct peer *p);	     /* over max-prefix with restart */
void route_peer_up(struct peer *p);	     /* Established: dump the table */
/* FIB acknowledgement: e to export once the kernel has answered for it. */
void route_ack_push(struct bgpd *d, struct rib_entry *e);
/* Our own graceful restart: selection, our table and End-of-RIB wait. */
bool route_deferring(const struct bgpd *d);
/* The session ended: withdraw what it sent, or, graceful (no NOTIFICATION,
 * RFC 4724 4.2) with a GR-capable peer, keep it stale for its restart. */
void route_peer_down(struct peer *p, bool graceful);
void route_peer_eor(struct peer *p, uint16_t afi); /* it finished its dump of afi */
/* Graceful restart: its stale paths go now (NOTIFICATION, stop, removed,
 * link lost, helper switched off); no-op when it has none. */
void route_gr_end(struct peer *p, const char *why);
/* Back in Established, before its table (route_peer_up): RFC 4724 4.2
 * checks of its new OPEN; the stale paths kept wait for End-of-RIB. */
void route_gr_up(struct peer *p);
void route_gr_eor(struct peer *p, uint16_t afi); /* its End-of-RIB: the rest goes */
void route_gr_init(struct peer *p);	     /* its timer (peer_new) */
void route_gr_stop_timer(struct peer *p);    /* peer_free */
/* Timer-consistency warnings (docs/config.md): the configuration's, at start
 * and reload, and a peer's restart time against ours when it comes up. */
void route_gr_check_config(struct bgpd *d);
void route_gr_check_peer(struct peer *p);

/* export.c: Loc-RIB entries towards peers, by update group: outbound
 * attributes, Adj-RIB-Out (duplicate suppression), packed UPDATEs encoded
 * once per group, next hop patched per member. */
void export_join(struct peer *p);    /* Established: join a group, get its table */
void export_leave(struct peer *p);   /* session down: leave (last one frees it) */
/* After a reload: groups take the new export chains; members whose policy
 * now differs move, groups whose policy changed (or all, redo_all) are
 * re-evaluated against the Loc-RIB and send the difference. */
void export_reconfigure(struct bgpd *d, bool redo_all);
void export_refresh(struct peer *p); /* route refresh: the group's table again */
void export_entry(struct bgpd *d, struct rib_entry *e); /* to every group */
void export_flush(struct peer *p);   /* p's group and catch-up, while sockets have room */
void export_flush_all(struct bgpd *d);
void export_free(struct bgpd *d);    /* at exit: its scratch buffer */
void export_eor_now(struct peer *p); /* End-of-RIB alone (start-up wait) */

/* state.c: device states (LIVE, WARM, DRAINED) and the start-up wait for
 * the initial table, before which nothing is advertised. */
const char *state_name(enum dev_state s);
bool state_parse(const char *s, enum dev_state *out);
void state_init(struct bgpd *d);	/* the kept (or initial) state; waits */
void state_free(struct bgpd *d);
/* The operator's (or auto-undrain's) target; kept in the state file. */
void state_request(struct bgpd *d, enum dev_state target, const char *who);
void state_poll(struct bgpd *d);	/* a step towards the target if it may */
size_t state_fib_pending(const struct bgpd *d); /* best routes not in the kernel yet */
/* Start-up: peers join their update groups (after an End-of-RIB alone)
 * only once every established peer's initial table is in, or after
 * end-of-rib-wait. Checked as sessions come and go and tables end. */
bool state_startup_waiting(const struct bgpd *d);
void state_startup_check(struct bgpd *d);
void state_startup_end(struct bgpd *d, const char *why);

/* priv.c: become user (-u) with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE
 * only; -1 with err set when that fails (the daemon must not start). */
int priv_drop(struct bgpd *d, const char *user, char *err, size_t errlen);

/* listen.c */
int listen_open(struct bgpd *d, char *err, size_t errlen);
void listen_close(struct bgpd *d);
/* cp's TCP-MD5 key or TCP-AO MKTs on every listening socket of its family,
 * or removed from them; -1 with the reason when one refuses. */
int listen_auth(struct bgpd *d, const struct cfg_peer *cp, bool remove, char *why, size_t len);
/* conn_ao_rekey on every listening socket of nw's family. */
int listen_ao_rekey(struct bgpd *d, const struct cfg_peer *old, const struct cfg_peer *nw,
		    char *why, size_t len);

/* reload.c */
int bgpd_reload(struct bgpd *d);

#endif
