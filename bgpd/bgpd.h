/* The daemon context and the peer (one BGP neighbour and its session).
 * Everything lives in struct bgpd; there are no process-wide globals, so a
 * module can be tested with a context of its own. */
#ifndef CLOS_BGPD_H
#define CLOS_BGPD_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "bgpd/config.h"
#include "bgpd/fsm.h"
#include "bgpd/wire.h"
#include "fib/fib.h"
#include "rib/loc.h"
#include "rib/rib.h"

struct ctl_server;
struct metrics_server;
struct bmp;
struct bmp_peer;

/* The address bytes of an AF_INET or AF_INET6 socket address. */
static inline const void *sockaddr_addr(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
					: (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static inline size_t sockaddr_addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? 4 : 16;
}

/* Output queue chunk; the queue is bounded by PEER_OUTQ_HIWAT bytes. */
struct outbuf {
	struct outbuf *next;
	size_t len, off;
	uint8_t data[];
};
#define PEER_OUTQ_HIWAT (4u << 20)

/* One TCP connection while it is being set up or running. */
struct conn {
	int fd;
	bool outbound;		/* we initiated it */
	bool connecting;	/* non-blocking connect() in progress */
	ev_io rio, wio;
	uint8_t in[BGP_MAX_MSG * 16]; /* 64 KB: one read carries ~16 UPDATEs */
	size_t inlen;
	struct outbuf *outq, *outq_tail;
	size_t outq_bytes;
	struct peer *peer;
};

struct peer_stats {
	uint64_t msgs_in[6], msgs_out[6]; /* indexed by message type, 0 = other */
	uint64_t updates_in, updates_out;
	uint32_t prefixes_out;		  /* prefixes advertised, currently */
	uint32_t established_count;	  /* times the session came up */
	uint32_t treat_as_withdraw, attr_discard;
};

struct peer_error {
	bool valid;
	bool sent;		/* we sent it (else received) */
	uint8_t code, subcode;
	time_t when;
	char text[160];		/* human reason */
};

/* What makes the outbound attributes of two peers identical but for the
 * next hop (our address on each session): they share an update group. The
 * neighbour AS is part of it so that a route is never sent to an AS that
 * is already in its AS_PATH (the receiver would drop it as a loop). */
struct export_key {
	uint32_t remote_as;
	uint8_t kind;		/* RIB_SRC_EBGP, RIB_SRC_CONFED or RIB_SRC_IBGP */
	uint8_t nh_family;	/* family of our session address: the next hop */
	bool as4, ipv4, ipv6;	/* negotiated */
	struct pol_chain *chain; /* export policy (NULL: none) */
	int group;		/* peer group, when the chain matches on it; else -1 */
	bool drain;		/* WARM or DRAINED: with the drain signal */
};

/* An update group: one Adj-RIB-Out, one queue of changes and one encoding
 * of every UPDATE for all its members; each member gets a copy with its own
 * next hop patched in. */
struct export_group {
	struct export_group *next;
	struct bgpd *d;
	struct export_key key;
	struct bgp_codec_ctx codec;
	uint32_t id;
	struct peer **members;	 /* Established peers in it */
	size_t nmembers, cmembers;
	uint16_t out_id;	 /* its Adj-RIB-Out pairs in the Loc-RIB entries:
				    what the members were sent (next hop 0) */
	size_t nout;		 /* prefixes in its Adj-RIB-Out */
	/* Adj-RIB-Out changes not yet on the wire, each entry pinned while
	 * queued; what is sent is read from the group's pair at send time
	 * (present: announce, absent: withdraw). */
	struct rib_entry_queue outq;
	struct {		 /* last Loc-RIB attributes -> what we sent for them */
		struct rib_attrs *in, *out;
		uint8_t family, kind;
	} xmemo;
	uint64_t updates_encoded; /* messages built once for all members */
};

/* Graceful restart, helper side (RFC 4724 4.2): the peer's paths kept,
 * marked stale (RIB_ATTRS_STALE in their attribute sets), over its restart.
 * Families index [0] IPv4, [1] IPv6. */
struct peer_gr {
	bool restarting;	/* its session is down, its paths kept: restart timer */
	bool waiting[2];	/* back up: the family's stale paths wait for End-of-RIB */
	bool drop_graceful;	/* the session ends without a NOTIFICATION (TCP) */
	size_t stale[2];	/* its stale paths in the Loc-RIB */
	ev_timer timer;		/* restart time while down, then what is left of stale-time */
	ev_tstamp stale_end;	/* monotonic: stale-time ends (from the drop) */
	ev_tstamp timer_end;	/* monotonic: the timer fires */
	uint32_t count;		/* restarts helped */
	uint16_t warned_time;	/* restart time last warned about (log once) */
};

struct peer {
	struct peer *next;
	struct bgpd *d;
	struct cfg_peer cfg;
	enum fsm_state state;
	struct conn *conn;	 /* the session's connection */
	struct conn *collide;	 /* second (inbound) connection during 6.8 collision */
	ev_timer connect_retry, hold, keepalive;
	uint32_t connect_retry_cnt; /* backoff exponent */

	/* negotiated after OPEN */
	struct bgp_open remote_open;
	uint32_t remote_id;
	uint16_t hold_time, keepalive_time; /* negotiated seconds */
	struct bgp_codec_ctx codec;
	bool ebgp, confed_member;

	struct sockaddr_storage local_addr; /* our end of the session */
	ev_timer idle_hold;	 /* automatic restart after an error (backoff) */
	bool held_down;		 /* idle_hold is max-prefix restart-time: refuse it */
	ev_timer conn_fail;	 /* deferred TcpConnectionFails after a failed connect() */
	bool eor_sent;
	time_t state_since;	 /* wall clock of the last state change */
	ev_tstamp up_since;	 /* monotonic when Established */
	bool eor_received_v4, eor_received_v6;
	struct peer_stats stats;
	struct peer_error last_error;
	size_t prefixes_in[2];	 /* its paths in the Loc-RIB (its Adj-RIB-In),
				    IPv4 and IPv6, usable or not */
	size_t accepted;	 /* of those, accepted by import policy and not stale
				    (max-prefix: what this session sent) */
	struct peer_gr gr;	 /* graceful restart, helper side */
	bool maxpfx_warned, maxpfx_over; /* logged once per crossing */
	bool reimport;		 /* its import policy changed (reload) */
	struct export_group *xg; /* its update group while Established */
	/* catch-up: the group's Adj-RIB-Out for this member alone (joined
	 * late, route refresh) */
	struct rib_entry_queue outq;
	struct rib_src src;	 /* this peer as a Loc-RIB path source */
	uint32_t ifindex;	 /* interface of the session (0 unknown) */
	bool deleted;		 /* removed by reconfiguration; freed when idle */
	bool join_deferred;	 /* Established while we restart: its table and
				    End-of-RIB wait for our route selection */
	bool auth_refused;	 /* its TCP-MD5/TCP-AO cannot be set up: Idle,
				    its connections refused (peer_auth_install) */
	struct bmp_peer *bmp;	 /* its OPENs and end for BMP (bgpd/bmp_peer.c) */
};

/* The device state (state.c, docs/operations.md). */
struct devstate {
	enum dev_state state;	/* in effect: what export sends */
	enum dev_state target;	/* where the operator (or the state file) wants it */
	time_t since;		/* wall clock of the last change */
	ev_tstamp since_mono;
	uint32_t transitions;
	bool initial;		/* a start: the initial table has not arrived yet */
	ev_timer timer;		/* drain-time in WARM before DRAINED */
	ev_timer startup;	/* end-of-rib-wait for the initial table */
};

struct bgpd {
	struct ev_loop *loop;
	struct bgp_config *cfg;
	const char *cfg_path;
	struct peer *peers;
	struct rib_attr_cache *attr_cache;
	struct pol_cache *pol_cache; /* policy results (route.c, export.c) */
	struct rib_loc *loc;	/* Loc-RIB */
	struct rib_adj *originated; /* our configured networks, as interned */
	struct rib_agg *agg;	/* aggregates' contributor counts (rib/agg.h) */
	struct rib_adj *aggregated; /* our active aggregates, as interned */
	struct export_group *groups; /* update groups of Established peers */
	struct export_buf *xbuf; /* encoding scratch (export.c) */
	uint32_t next_group_id;
	struct rib_src local_src;   /* source of originated routes */
	struct rib_src agg_src;	    /* source of originated aggregates */
	struct fib *fib;	/* NULL with -n */
	ev_prepare route_prep;	/* exports Loc-RIB changes once per loop turn */
	struct rib_entry_queue ackq; /* FIB acknowledgement: entries waiting for
					the kernel's answer, pinned (route.c) */
	ev_idle route_idle;	/* keeps the loop turning while work is left */
	ev_timer sweep_timer;	/* end-of-RIB wait before removing stale FIB routes */
	bool fib_swept;
	bool restarting;	/* started with our routes still in the kernel */
	struct arena scratch;	/* per-UPDATE decode arena */
	void *scratch_block;
	struct ctl_server *ctl;
	struct metrics_server *metrics; /* HTTP /metrics (NULL: off) */
	struct bmp *bmp;	/* BMP collectors (NULL: none configured) */
	int *listen_fds;
	ev_io *listen_io;
	size_t nlisten;
	ev_signal sig_hup, sig_term, sig_int, sig_usr2;
	time_t started;
	struct devstate dev;	/* LIVE, WARM, DRAINED */
	bool no_fib;		/* -n: never touch the kernel FIB */
	bool stopping;
};

/* peer.c */
struct peer *peer_new(struct bgpd *d, const struct cfg_peer *cfg);
void peer_free(struct peer *p);
void peer_start(struct peer *p);
/* Its TCP authentication (RFC 2385 / RFC 5925) set up on the listening
 * sockets, after a try on a socket of its own; false, logged and
 * auth_refused set, when the kernel cannot: the session stays Idle. True
 * without authentication. peer_start does it. */
bool peer_auth_install(struct peer *p);
void peer_stop(struct peer *p, uint8_t cease_subcode, const char *why);
/* Cease/Maximum Number of Prefixes Reached; Idle for the restart time. */
void peer_stop_maxprefix(struct peer *p);
void peer_accept(struct bgpd *d, int fd, const struct sockaddr_storage *from); /* new inbound TCP */
void peer_classify(struct peer *p);
/* The session's link or local address went away: close at once. */
void peer_link_lost(struct peer *p, const char *why);
/* The session's link or a local address came up: retry a waiting connect. */
void peer_connect_now(struct peer *p, const char *why);
struct peer *peer_find(struct bgpd *d, const struct sockaddr *sa);
const char *peer_name(const struct peer *p);
/* Seconds in Established (0 in any other state). */
uint64_t peer_uptime(const struct peer *p);
/* Its paths in the Loc-RIB (its Adj-RIB-In), both families, usable or not. */
size_t peer_prefixes_received(const struct peer *p);

#endif
