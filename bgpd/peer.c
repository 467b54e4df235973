/* A BGP neighbour: drives the RFC 4271 FSM (fsm.c) with events from its
 * connection and timers, checks OPENs, resolves connection collisions
 * (RFC 4271 6.8) and stores what the peer sends in its Adj-RIB-In. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpd/bmp.h"
#include "bgpd/log.h"
#include "bgpd/session.h"

#define HOLD_LARGE 240.0  /* RFC 4271 8.2.2: "a large value", 4 minutes */
#define IDLE_HOLD_MAX 32  /* seconds: cap of the restart backoff */

static void peer_event(struct peer *p, enum fsm_event ev, const struct bgp_error *err);

const char *peer_name(const struct peer *p)
{
	return p->cfg.name;
}

uint64_t peer_uptime(const struct peer *p)
{
	if (p->state != FSM_ESTABLISHED || p->up_since <= 0)
		return 0;
	ev_tstamp t = ev_now(p->d->loop) - p->up_since;
	return t > 0 ? (uint64_t)t : 0;
}

size_t peer_prefixes_received(const struct peer *p)
{
	return p->prefixes_in[0] + p->prefixes_in[1];
}

static void peer_timer_start(struct peer *p, ev_timer *t, double secs)
{
	ev_timer_stop(p->d->loop, t);
	if (secs <= 0)
		return;
	ev_timer_set(t, secs, 0.);
	ev_timer_start(p->d->loop, t);
}

static struct peer *timer_peer(ev_timer *w)
{
	return w->data;
}

static void connect_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	peer_event(timer_peer(w), EV_CONNECT_RETRY_EXPIRES, NULL);
}

static void hold_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct peer *p = timer_peer(w);

	log_event_warn("peer", "hold_expired", peer_name(p), "hold timer expired (%u s)",
		 p->state == FSM_ESTABLISHED || p->state == FSM_OPENCONFIRM ? p->hold_time : 240);
	peer_event(p, EV_HOLD_EXPIRES, NULL);
}

static void keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	peer_event(timer_peer(w), EV_KEEPALIVE_EXPIRES, NULL);
}

static void conn_fail_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct peer *p = timer_peer(w);

	if (p->state == FSM_CONNECT && !p->conn)
		peer_event(p, EV_TCP_CONN_FAILS, NULL);
}

static void idle_hold_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct peer *p = timer_peer(w);

	p->held_down = false;
	if (p->state == FSM_IDLE && !p->cfg.shutdown && !p->d->stopping)
		peer_event(p, p->cfg.passive ? EV_AUTO_START_PASSIVE : EV_AUTO_START, NULL);
}

/* External, confederation-internal or internal, from the configuration
 * (RFC 5065: a member-AS peer is "confederation eBGP"). */
void peer_classify(struct peer *p)
{
	const struct bgp_config *cfg = p->d->cfg;

	p->confed_member = cfg->confed_id && p->cfg.remote_as != cfg->local_as &&
			   config_is_confed_member(cfg, p->cfg.remote_as);
	p->ebgp = p->cfg.remote_as != cfg->local_as && !p->confed_member;
}

struct peer *peer_new(struct bgpd *d, const struct cfg_peer *cfg)
{
	struct peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->d = d;
	p->cfg = *cfg;
	p->state = FSM_IDLE;
	p->state_since = time(NULL);
	ev_init(&p->connect_retry, connect_retry_cb);
	ev_init(&p->hold, hold_cb);
	ev_init(&p->keepalive, keepalive_cb);
	ev_init(&p->idle_hold, idle_hold_cb);
	ev_init(&p->conn_fail, conn_fail_cb);
	p->connect_retry.data = p->hold.data = p->keepalive.data = p->idle_hold.data = p;
	p->conn_fail.data = p;
	route_gr_init(p);
	peer_classify(p);
	return p;
}

static void peer_stop_timers(struct peer *p)
{
	ev_timer_stop(p->d->loop, &p->connect_retry);
	ev_timer_stop(p->d->loop, &p->hold);
	ev_timer_stop(p->d->loop, &p->keepalive);
	ev_timer_stop(p->d->loop, &p->idle_hold);
	ev_timer_stop(p->d->loop, &p->conn_fail);
}

void peer_free(struct peer *p)
{
	if (!p)
		return;
	peer_stop_timers(p);
	route_gr_end(p, "peer freed"); /* no-op after peer_stop */
	route_gr_stop_timer(p);
	conn_free(p->conn);
	conn_free(p->collide);
	export_leave(p);
	bmp_peer_free(p);
	free(p);
}

struct peer *peer_find(struct bgpd *d, const struct sockaddr *sa)
{
	const struct cfg_peer *cp = config_find_peer(d->cfg, sa);

	if (!cp)
		return NULL;
	for (struct peer *p = d->peers; p; p = p->next)
		if (!p->deleted && strcmp(p->cfg.name, cp->name) == 0)
			return p;
	return NULL;
}

static void peer_set_error(struct peer *p, bool sent, uint8_t code, uint8_t subcode,
			   const char *text)
{
	p->last_error.valid = true;
	p->last_error.sent = sent;
	p->last_error.code = code;
	p->last_error.subcode = subcode;
	p->last_error.when = time(NULL);
	snprintf(p->last_error.text, sizeof(p->last_error.text), "%s", text ? text : "");
}

static void peer_send_msg(struct peer *p, struct conn *c, const uint8_t *msg, size_t len)
{
	if (!c || len == 0)
		return;
	if (conn_send(c, msg, len)) {
		uint8_t type = msg[18];
		p->stats.msgs_out[type < 6 ? type : 0]++;
	}
}

static void peer_send_notification(struct peer *p, struct conn *c, uint8_t code, uint8_t subcode,
				   const uint8_t *data, size_t len, const char *why)
{
	uint8_t msg[BGP_MAX_MSG];
	size_t n = bgp_notification_encode(msg, sizeof(msg), code, subcode, data, len);

	log_event_notice("peer", "notification_sent", peer_name(p),
			 "sending NOTIFICATION %u/%u (%s)%s%s", code, subcode,
		   bgp_err_str(code, subcode), why && *why ? ": " : "", why ? why : "");
	if (c == p->conn)
		bmp_peer_notification_sent(p, msg, n);
	peer_send_msg(p, c, msg, n);
	conn_flush(c);
	if (c == p->conn)
		peer_set_error(p, true, code, subcode, why);
}

static void peer_set_state(struct peer *p, enum fsm_state next)
{
	if (next == p->state)
		return;
	log_event_info("peer", "state_change", peer_name(p), "%s -> %s", fsm_state_str(p->state),
		 fsm_state_str(next));
	p->state = next;
	p->state_since = time(NULL);
	state_startup_check(p->d); /* a session settled: is the initial table in? */
}

/* RELEASE: drop the connection and everything learned over it, or keep it
 * stale when the session ended gracefully (RFC 4724 4.2: a TCP failure,
 * no NOTIFICATION either way). */
static void peer_release(struct peer *p)
{
	bool graceful = p->gr.drop_graceful;

	p->gr.drop_graceful = false;
	conn_free(p->conn);
	p->conn = NULL;
	conn_free(p->collide);
	p->collide = NULL;
	ev_timer_stop(p->d->loop, &p->hold);
	ev_timer_stop(p->d->loop, &p->keepalive);
	if (p->state == FSM_ESTABLISHED)
		bmp_peer_down(p);
	route_peer_down(p, graceful);
	p->eor_received_v4 = p->eor_received_v6 = false;
	p->up_since = 0;
}

static void peer_start_connect(struct peer *p)
{
	conn_free(p->conn);
	p->conn = conn_connect(p);
	if (!p->conn) {
		log_info("peer", "%s: connect: %s", peer_name(p), strerror(errno));
		/* Handled like a failed TCP connection; deferred so the FSM step
		 * that asked for the connect completes first. */
		peer_timer_start(p, &p->conn_fail, 0.001);
	}
}

static void gr_add_afi(struct bgp_caps *c, uint16_t afi, bool forwarding_kept)
{
	unsigned i = c->gr_nafi++;

	c->gr_afi[i].afi = afi;
	c->gr_afi[i].safi = SAFI_UNICAST;
	c->gr_afi[i].flags = forwarding_kept ? 0x80 : 0; /* F bit */
}

static void peer_send_open(struct peer *p, struct conn *c)
{
	const struct bgp_config *cfg = p->d->cfg;
	struct bgp_open o = { .version = BGP_VERSION };
	uint8_t msg[BGP_MAX_MSG];

	/* RFC 5065 4.3: towards peers outside the confederation we are the
	 * confederation identifier; inside it, our member AS. */
	o.asn = (cfg->confed_id && !p->confed_member) ? cfg->confed_id : cfg->local_as;
	o.my_as = o.asn > 0xffff ? BGP_AS_TRANS : (uint16_t)o.asn;
	o.hold_time = p->cfg.timers.hold_time;
	o.bgp_id = ntohl(cfg->router_id.s_addr);
	o.caps.mp_ipv4 = p->cfg.ipv4_unicast;
	o.caps.mp_ipv6 = p->cfg.ipv6_unicast;
	o.caps.mp_seen = true;
	o.caps.as4 = true;
	o.caps.as4_asn = o.asn;
	o.caps.route_refresh = true;
	/* RFC 4724 3: we send End-of-RIB and keep the kernel FIB across a
	 * restart; the R bit and the per-AFI F bits say so after one. */
	o.caps.gr = true;
	o.caps.gr_time = cfg->gr_restart_time;
	o.caps.gr_flags = p->d->restarting ? 0x8000 : 0;
	if (p->cfg.ipv4_unicast)
		gr_add_afi(&o.caps, AFI_IPV4, p->d->restarting);
	if (p->cfg.ipv6_unicast)
		gr_add_afi(&o.caps, AFI_IPV6, p->d->restarting);
	size_t n = bgp_open_encode(msg, sizeof(msg), &o);
	bmp_peer_open_sent(p, msg, n); /* kept for BMP Peer Up */
	peer_send_msg(p, c, msg, n);
}

static void peer_send_keepalive(struct peer *p)
{
	uint8_t msg[BGP_HDR_LEN];

	peer_send_msg(p, p->conn, msg, bgp_keepalive_encode(msg, sizeof(msg)));
}

static void peer_schedule_restart(struct peer *p)
{
	unsigned shift = p->connect_retry_cnt < 6 ? p->connect_retry_cnt : 5;
	double delay = (double)(1u << shift);

	if (delay > IDLE_HOLD_MAX)
		delay = IDLE_HOLD_MAX;
	if (p->cfg.shutdown || p->d->stopping || p->deleted)
		return;
	peer_timer_start(p, &p->idle_hold, delay);
}

static void peer_established(struct peer *p)
{
	socklen_t len = sizeof(p->local_addr);

	getsockname(p->conn->fd, (struct sockaddr *)&p->local_addr, &len);
	p->up_since = ev_now(p->d->loop);
	p->stats.established_count++;
	log_event_notice("peer", "established", peer_name(p),
			 "session established (AS %u, id %s, hold %u s)",
		   p->remote_open.asn, inet_ntoa((struct in_addr){ htonl(p->remote_id) }),
		   p->hold_time);
	bmp_peer_up(p);
	route_peer_up(p);
}

/* Perform one FSM step's actions, in RFC order. */
static void peer_do_actions(struct peer *p, const struct fsm_step *st, const struct bgp_error *err)
{
	uint32_t a = st->actions;

	if (a & ACT_SEND_NOTIFY) {
		uint8_t code = st->notify_code, sub = st->notify_subcode;
		const uint8_t *data = NULL;
		size_t dlen = 0;
		const char *why = st->notify_code == BGP_ERR_HOLD ? "hold timer expired" : "";
		if (!code && err) {
			code = err->code;
			sub = err->subcode;
			data = err->data;
			dlen = err->data_len;
			why = err->reason;
		} else if (code == BGP_ERR_FSM) {
			why = "unexpected message for the FSM state";
		} else if (code == BGP_ERR_CEASE && err) {
			why = err->reason;
		}
		if (code)
			peer_send_notification(p, p->conn, code, sub, data, dlen, why);
	}
	if (a & ACT_RELEASE)
		peer_release(p);
	if (a & ACT_RESET_CONNRETRY_CNT)
		p->connect_retry_cnt = 0;
	if (a & ACT_INC_CONNRETRY_CNT)
		p->connect_retry_cnt++;
	if (a & ACT_STOP_CONNRETRY)
		ev_timer_stop(p->d->loop, &p->connect_retry);
	if (a & ACT_START_CONNRETRY)
		peer_timer_start(p, &p->connect_retry, p->cfg.timers.connect_retry);
	if (a & ACT_CONNECT)
		peer_start_connect(p);
	if (a & ACT_SEND_OPEN)
		peer_send_open(p, p->conn);
	if (a & ACT_SEND_KEEPALIVE)
		peer_send_keepalive(p);
	if (a & ACT_START_HOLD_LARGE)
		peer_timer_start(p, &p->hold, HOLD_LARGE);
	if (a & (ACT_START_HOLD | ACT_RESTART_HOLD))
		peer_timer_start(p, &p->hold, p->hold_time);
	if (a & ACT_START_KEEPALIVE)
		peer_timer_start(p, &p->keepalive, p->keepalive_time);
}

static void peer_event(struct peer *p, enum fsm_event ev, const struct bgp_error *err)
{
	struct fsm_step st = fsm_step(p->state, ev, p->cfg.passive);
	enum fsm_state prev = p->state;

	log_debug("peer", "%s: event %s in %s", peer_name(p), fsm_event_str(ev),
		  fsm_state_str(p->state));
	peer_do_actions(p, &st, err);
	peer_set_state(p, st.next);
	if (st.actions & ACT_ESTABLISHED)
		peer_established(p);
	if (st.next == FSM_IDLE && prev != FSM_IDLE && ev != EV_MANUAL_STOP)
		peer_schedule_restart(p);
}

bool peer_auth_install(struct peer *p)
{
	char why[sizeof(p->last_error.text)];

	p->auth_refused = false;
	if (p->cfg.auth.kind == CFG_AUTH_NONE)
		return true;
	if (conn_auth_probe(&p->cfg, why, sizeof(why)) == 0 &&
	    listen_auth(p->d, &p->cfg, false, why, sizeof(why)) == 0)
		return true;
	/* Never a session without the authentication asked for. */
	log_event_err("peer", "auth_refused", peer_name(p),
			 "refused, the session stays Idle (no fallback to an "
		"unauthenticated session): %s", why);
	peer_set_error(p, false, 0, 0, why);
	p->auth_refused = true;
	return false;
}

void peer_start(struct peer *p)
{
	if (p->cfg.shutdown || p->state != FSM_IDLE || !peer_auth_install(p))
		return;
	peer_event(p, p->cfg.passive ? EV_AUTO_START_PASSIVE : EV_MANUAL_START, NULL);
}

void peer_stop(struct peer *p, uint8_t cease_subcode, const char *why)
{
	struct bgp_error err = { .code = BGP_ERR_CEASE, .subcode = cease_subcode };

	snprintf(err.reason, sizeof(err.reason), "%s", why ? why : "");
	ev_timer_stop(p->d->loop, &p->idle_hold);
	p->held_down = false;
	/* A Cease ends a restart we were helping with too (RFC 4724 4.2),
	 * whether the peer is back yet or not. */
	route_gr_end(p, why);
	if (p->collide) {
		peer_send_notification(p, p->collide, BGP_ERR_CEASE, cease_subcode, NULL, 0, why);
		conn_free(p->collide);
		p->collide = NULL;
	}
	if (p->state == FSM_IDLE)
		return;
	if (p->state >= FSM_OPENSENT) {
		/* The FSM sends Cease/Administrative Shutdown on ManualStop; use
		 * the caller's subcode (config change, unconfigured, ...). */
		peer_send_notification(p, p->conn, BGP_ERR_CEASE, cease_subcode, NULL, 0, why);
		peer_release(p);
		ev_timer_stop(p->d->loop, &p->connect_retry);
		peer_set_state(p, FSM_IDLE);
		return;
	}
	peer_event(p, EV_MANUAL_STOP, &err);
}

/* RFC 4486 4: Cease/Maximum Number of Prefixes Reached, with the AFI,
 * SAFI and the limit as data; the session stays down for restart-time. */
void peer_stop_maxprefix(struct peer *p)
{
	uint32_t limit = p->cfg.maxpfx.limit;
	uint8_t data[7] = { 0, AFI_IPV4, SAFI_UNICAST, (uint8_t)(limit >> 24),
			    (uint8_t)(limit >> 16), (uint8_t)(limit >> 8), (uint8_t)limit };
	char why[96];

	if (!p->codec.ipv4 && p->codec.ipv6)
		data[1] = AFI_IPV6;
	snprintf(why, sizeof(why), "over the max-prefix limit %u; restarting in %u s", limit,
		 p->cfg.maxpfx.restart_time);
	peer_send_notification(p, p->conn, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX, data,
			       sizeof(data), why);
	peer_release(p);
	ev_timer_stop(p->d->loop, &p->connect_retry);
	peer_set_state(p, FSM_IDLE);
	peer_timer_start(p, &p->idle_hold, p->cfg.maxpfx.restart_time);
	p->held_down = true; /* the peer's own reconnects are refused until then */
}

/* ---- OPEN handling ---------------------------------------------------- */

/* Validate a decoded OPEN against the configuration (RFC 4271 6.2). */
static bool peer_check_open(struct peer *p, const struct bgp_open *o, struct bgp_error *err)
{
	const struct bgp_config *cfg = p->d->cfg;

	memset(err, 0, sizeof(*err));
	err->code = BGP_ERR_OPEN;
	if (o->asn != p->cfg.remote_as) {
		err->subcode = BGP_OPEN_BAD_PEER_AS;
		snprintf(err->reason, sizeof(err->reason), "peer AS %u, configured %u", o->asn,
			 p->cfg.remote_as);
		return false;
	}
	if (o->bgp_id == ntohl(cfg->router_id.s_addr) && !p->ebgp) {
		err->subcode = BGP_OPEN_BAD_BGP_ID;
		snprintf(err->reason, sizeof(err->reason), "peer uses our BGP identifier");
		return false;
	}
	return true;
}

static void peer_negotiate(struct peer *p, const struct bgp_open *o)
{
	const struct bgp_caps *c = &o->caps;
	uint16_t hold = p->cfg.timers.hold_time;

	p->remote_open = *o;
	p->remote_id = o->bgp_id;
	/* RFC 4271 4.2: the smaller hold time; keepalive a third of it. */
	if (o->hold_time < hold)
		hold = o->hold_time;
	p->hold_time = hold;
	p->keepalive_time = hold ? p->cfg.timers.keepalive : 0;
	if (p->keepalive_time > hold / 3)
		p->keepalive_time = hold / 3 ? hold / 3 : 1;
	/* RFC 4760 8: a speaker without MP capabilities does IPv4 unicast. */
	bool v4 = c->mp_seen ? c->mp_ipv4 : true;
	p->codec.as4 = c->as4;
	p->codec.ipv4 = p->cfg.ipv4_unicast && v4;
	p->codec.ipv6 = p->cfg.ipv6_unicast && c->mp_ipv6;
	p->codec.ebgp = p->ebgp;
	p->codec.confed_member = p->confed_member;
}

/* RFC 4271 6.8: two connections with one peer; keep the one initiated by
 * the speaker with the higher BGP Identifier. c is the inbound connection
 * whose OPEN just arrived. Returns false if c is gone. */
static bool peer_resolve_collision(struct peer *p, struct conn *c, const struct bgp_open *o)
{
	uint32_t local_id = ntohl(p->d->cfg->router_id.s_addr);
	/* Our own connect has not even completed (its SYN was lost, e.g. to
	 * an address still in duplicate address detection): no collision,
	 * the peer's connection is the session (Connect state, Event 17). */
	bool ours_pending = p->conn->connecting;
	/* Our connection got no OPEN yet and the peer has not even
	 * acknowledged ours: it is half-open (the peer has no such connection
	 * and its RST never passed our GTSM minimum TTL). No collision either:
	 * without this, a higher router id keeps the dead one and refuses the
	 * peer's every new connection until the 4-minute OpenSent hold time. */
	bool ours_dead = !ours_pending && p->state == FSM_OPENSENT && conn_stalled(p->conn);
	/* If the session's connection is inbound too, the peer restarted and
	 * the newer connection supersedes it. */
	bool keep_new = ours_pending || ours_dead || local_id < o->bgp_id || !p->conn->outbound;

	if (ours_pending)
		log_info("peer", "%s: taking its connection, ours has not connected",
			 peer_name(p));
	else if (ours_dead)
		log_info("peer", "%s: taking its connection, ours is half-open (our OPEN "
			 "unacknowledged)", peer_name(p));
	else
		log_info("peer", "%s: connection collision, keeping the %s connection",
			 peer_name(p), keep_new ? "new inbound" : "existing");
	if (!keep_new) {
		peer_send_notification(p, c, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0,
				       "connection collision resolution");
		conn_free(c);
		p->collide = NULL;
		return false;
	}
	if (!ours_pending && !ours_dead)
		peer_send_notification(p, p->conn, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0,
				       "connection collision resolution");
	p->last_error.valid = false;
	conn_free(p->conn);
	p->conn = c;
	p->collide = NULL;
	/* Our OPEN already went out on c: continue as OpenSent -> OpenConfirm. */
	peer_negotiate(p, o);
	p->state = FSM_OPENSENT;
	peer_event(p, EV_OPEN_OK, NULL);
	return true;
}

static bool peer_recv_open(struct peer *p, struct conn *c, struct rbuf *body)
{
	struct bgp_open o;
	struct bgp_error err;
	struct rbuf raw = *body;

	/* RFC 6608, RFC 4271 8.2.2 (Events 19, 22 in Established): an OPEN
	 * on an established session is an FSM Error 5/3, malformed or not. */
	if (c == p->conn && p->state == FSM_ESTABLISHED) {
		log_warn("peer", "%s: OPEN on an established session", peer_name(p));
		peer_event(p, EV_OPEN_OK, NULL);
		return false;
	}
	if (bgp_open_decode(body, &o, &err) != BGP_OK || !peer_check_open(p, &o, &err)) {
		log_event_warn("peer", "open_rejected", peer_name(p), "bad OPEN: %s", err.reason);
		if (c != p->conn) {
			peer_send_notification(p, c, err.code, err.subcode, err.data,
					       err.data_len, err.reason);
			conn_free(c);
			p->collide = NULL;
			return false;
		}
		peer_event(p, EV_OPEN_ERR, &err);
		return false;
	}
	bmp_peer_open_received(p, raw.p, raw.len); /* kept for BMP Peer Up */
	if (c != p->conn)
		return peer_resolve_collision(p, c, &o);
	if (p->state == FSM_OPENSENT)
		peer_negotiate(p, &o);
	peer_event(p, EV_OPEN_OK, NULL);
	return p->conn == c;
}

/* ---- UPDATE handling -------------------------------------------------- */

/* Our own address: the session's local one, and with the kernel FIB any. */
static bool peer_addr_is_ours(const struct peer *p, uint8_t family, const void *addr)
{
	const struct sockaddr_storage *la = &p->local_addr;

	if (p->d->fib && fib_local_ifindex(p->d->fib, family, addr))
		return true;
	return la->ss_family == family &&
	       memcmp(sockaddr_addr(la), addr, family == AF_INET ? 4 : 16) == 0;
}

/* RFC 4271 6.3: a NEXT_HOP that is the receiving speaker's own address is
 * semantically incorrect: the route is ignored, no NOTIFICATION; the
 * MP_REACH_NLRI IPv6 next hop alike. The codec cannot know our addresses,
 * so it is checked here, treat-as-withdraw per family (RFC 7606 2).
 * Returns how many prefixes were withdrawn, -1 if out of scratch memory. */
static int peer_own_nexthop(struct peer *p, struct bgp_update *u)
{
	static const uint8_t fams[2] = { AF_INET, AF_INET6 };
	const void *nh[2] = { &u->attrs.nexthop, &u->attrs.nh6 };
	bool has[2] = { false, false };
	int total = 0;

	for (size_t i = 0; i < u->nnlri; i++)
		has[u->nlri[i].family == AF_INET6] = true;
	for (int f = 0; f < 2; f++) {
		char buf[INET6_ADDRSTRLEN];
		int n;
		if (!has[f] || !peer_addr_is_ours(p, fams[f], nh[f]))
			continue;
		if ((n = bgp_update_withdraw_family(u, &p->d->scratch, fams[f])) < 0)
			return -1;
		log_warn("peer", "%s: treat-as-withdraw for %d prefixes: next hop %s is our "
			 "own address", peer_name(p), n, inet_ntop(fams[f], nh[f], buf, sizeof(buf)));
		total += n;
	}
	return total;
}

static bool peer_recv_update(struct peer *p, struct rbuf *body)
{
	struct bgpd *d = p->d;
	struct bgp_update u;
	struct bgp_error err;
	enum bgp_verdict v;
	struct rbuf raw = *body;
	bool over;

	if (p->state != FSM_ESTABLISHED) {
		peer_event(p, EV_UPDATE, NULL); /* FSM error */
		return false;
	}
	arena_reset(&d->scratch);
	v = bgp_update_decode(body, &p->codec, &d->scratch, &u, &err);
	if (v == BGP_SESSION_RESET) {
		log_event_warn("peer", "update_malformed", peer_name(p),
				 "malformed UPDATE: %s", err.reason);
		peer_event(p, EV_UPDATE_ERR, &err);
		return false;
	}
	peer_event(p, EV_UPDATE, NULL); /* restarts the hold timer */
	p->stats.updates_in++;
	switch (peer_own_nexthop(p, &u)) {
	case -1:
		memset(&err, 0, sizeof(err));
		err.code = BGP_ERR_CEASE;
		err.subcode = BGP_CEASE_OUT_OF_RESOURCES;
		snprintf(err.reason, sizeof(err.reason), "UPDATE scratch arena exhausted");
		peer_event(p, EV_UPDATE_ERR, &err);
		return false;
	case 0:
		break;
	default:
		if (v == BGP_OK)
			p->stats.treat_as_withdraw++;
	}
	if (u.nignored)
		log_warn("peer", "%s: ignored %u prefixes: %s", peer_name(p), u.nignored, u.reason);
	if (u.ndiscarded) {
		p->stats.attr_discard += u.ndiscarded;
		log_info("peer", "%s: discarded %u attribute(s): %s", peer_name(p), u.ndiscarded,
			 u.reason);
	}
	if (v == BGP_TREAT_AS_WITHDRAW) {
		p->stats.treat_as_withdraw++;
		log_warn("peer", "%s: treat-as-withdraw for %zu prefixes: %s", peer_name(p),
			 u.nwithdrawn, u.reason);
	} else if (u.reason[0] && !u.ndiscarded && !u.nignored) {
		/* RFC 7606 6: errors without effect (no NLRI, RFC 6793 rules) logged too. */
		log_info("peer", "%s: UPDATE: %s", peer_name(p), u.reason);
	}
	over = route_peer_update(p, &u);
	if (d->bmp)
		bmp_route_in(p, raw.p, raw.len, &u);
	if (over) {
		peer_stop_maxprefix(p);
		return false;
	}
	if (u.eor) {
		if (u.eor_afi == AFI_IPV6)
			p->eor_received_v6 = true;
		else
			p->eor_received_v4 = true;
		log_info("peer", "%s: End-of-RIB for %s, %zu prefixes", peer_name(p),
			 u.eor_afi == AFI_IPV6 ? "IPv6" : "IPv4",
			 p->prefixes_in[u.eor_afi == AFI_IPV6]);
		route_peer_eor(p, u.eor_afi);
	}
	return true;
}

/* Drop the session's connection and go on with the colliding one, which
 * already carries our OPEN: OpenSent, waiting for the peer's OPEN. */
static void peer_continue_on_collide(struct peer *p)
{
	conn_free(p->conn);
	p->conn = p->collide;
	p->collide = NULL;
	ev_timer_stop(p->d->loop, &p->keepalive);
	ev_timer_stop(p->d->loop, &p->connect_retry);
	peer_timer_start(p, &p->hold, HOLD_LARGE);
	peer_set_state(p, FSM_OPENSENT);
}

static bool peer_recv_notification(struct peer *p, struct conn *c, struct rbuf *body)
{
	struct bgp_notification n;
	struct bgp_error err;
	char text[160];
	struct rbuf raw = *body;

	if (bgp_notification_decode(body, &n, &err) != BGP_OK)
		n.code = n.subcode = 0;
	snprintf(text, sizeof(text), "%s", bgp_err_str(n.code, n.subcode));
	log_event_notice("peer", "notification_received", peer_name(p),
			 "received NOTIFICATION %u/%u (%s)", n.code, n.subcode,
		   text);
	if (c != p->conn) {
		conn_free(c);
		p->collide = NULL;
		return false;
	}
	if (n.code == BGP_ERR_CEASE && n.subcode == BGP_CEASE_COLLISION && p->collide &&
	    p->state != FSM_ESTABLISHED) {
		/* The peer resolved the collision first and kept its own
		 * connection, which is our pending one (it has our OPEN):
		 * continue there and wait for its OPEN. */
		log_info("peer", "%s: the peer kept its connection; continuing on it", peer_name(p));
		peer_continue_on_collide(p);
		return false;
	}
	peer_set_error(p, false, n.code, n.subcode, text);
	bmp_peer_notification_received(p, raw.p, raw.len);
	/* RFC 4271 8.2.2: a version error in OpenSent/OpenConfirm is Event 24. */
	peer_event(p, n.code == BGP_ERR_OPEN && n.subcode == BGP_OPEN_BAD_VERSION ?
			      EV_NOTIF_VERSION_ERR : EV_NOTIF, NULL);
	return false;
}

static bool peer_recv_refresh(struct peer *p, struct rbuf *body)
{
	uint16_t afi;
	uint8_t safi;
	struct bgp_error err;

	if (p->state != FSM_ESTABLISHED) {
		peer_event(p, EV_UPDATE, NULL);
		return false;
	}
	if (bgp_refresh_decode(body, &afi, &safi, &err) != BGP_OK) {
		peer_event(p, EV_UPDATE_ERR, &err);
		return false;
	}
	/* RFC 2918 3: re-send the Adj-RIB-Out for that AFI/SAFI. */
	log_info("peer", "%s: route refresh for AFI %u SAFI %u", peer_name(p), afi, safi);
	export_refresh(p);
	return true;
}

bool peer_conn_message(struct peer *p, struct conn *c, uint8_t type, struct rbuf *body)
{
	p->stats.msgs_in[type < 6 ? type : 0]++;
	/* The colliding connection only gets as far as its OPEN. */
	if (c != p->conn && type != BGP_OPEN && type != BGP_NOTIFICATION) {
		peer_send_notification(p, c, BGP_ERR_FSM, 1, NULL, 0, "unexpected message");
		conn_free(c);
		p->collide = NULL;
		return false;
	}
	switch (type) {
	case BGP_OPEN:
		return peer_recv_open(p, c, body);
	case BGP_UPDATE:
		return peer_recv_update(p, body);
	case BGP_NOTIFICATION:
		return peer_recv_notification(p, c, body);
	case BGP_KEEPALIVE:
		peer_event(p, EV_KEEPALIVE, NULL);
		return p->conn == c;
	case BGP_ROUTE_REFRESH:
		return peer_recv_refresh(p, body);
	default:
		return true; /* bgp_header_decode rejected unknown types */
	}
}

bool peer_conn_header_error(struct peer *p, struct conn *c, const struct bgp_error *err)
{
	log_warn("peer", "%s: bad message header: %s", peer_name(p), err->reason);
	if (c != p->conn) {
		peer_send_notification(p, c, err->code, err->subcode, err->data, err->data_len,
				       err->reason);
		conn_free(c);
		p->collide = NULL;
		return false;
	}
	peer_event(p, EV_HEADER_ERR, err);
	return false;
}

bool peer_conn_closed(struct peer *p, struct conn *c, int err)
{
	log_event_info("peer", "connection_closed", peer_name(p),
			 "connection closed%s%s", err ? ": " : "",
		 err ? strerror(err) : " by peer");
	if (c != p->conn) {
		conn_free(c);
		p->collide = NULL;
		return false;
	}
	if (p->state == FSM_ESTABLISHED && !p->last_error.valid) {
		peer_set_error(p, false, 0, 0, err ? strerror(err) : "connection closed by peer");
	}
	bmp_peer_closed_by_peer(p);
	/* No NOTIFICATION: the peer may be restarting (RFC 4724 4.2). */
	p->gr.drop_graceful = p->state == FSM_ESTABLISHED;
	peer_event(p, EV_TCP_CONN_FAILS, NULL);
	return false;
}

bool peer_conn_connected(struct peer *p, struct conn *c, int err)
{
	if (err) {
		log_info("peer", "%s: connect: %s", peer_name(p), strerror(err));
		if (p->collide) {
			/* The peer's connection is there and has our OPEN:
			 * continue on it in OpenSent. */
			peer_continue_on_collide(p);
			return false;
		}
		peer_event(p, EV_TCP_CONN_FAILS, NULL);
		return false;
	}
	log_debug("peer", "%s: connected", peer_name(p));
	peer_event(p, EV_TCP_CONN_CONFIRMED, NULL);
	return true;
}

void peer_output_drained(struct peer *p)
{
	export_flush(p);
}

void peer_link_lost(struct peer *p, const char *why)
{
	log_event_notice("peer", "link_lost", peer_name(p), "%s, closing the session at once", why);
	if (p->state == FSM_ESTABLISHED)
		peer_set_error(p, false, 0, 0, why);
	peer_event(p, EV_TCP_CONN_FAILS, NULL);
}

/* The session's link or a local address on it just became usable: a peer
 * waiting out its ConnectRetryTimer (Connect or Active, after a connect that
 * could not work yet) tries now, as if the timer had expired (Event 9).
 * Idle peers keep their restart backoff: they are down for a reason. */
void peer_connect_now(struct peer *p, const char *why)
{
	if (p->cfg.passive || p->cfg.shutdown || p->d->stopping)
		return;
	if (p->state != FSM_CONNECT && p->state != FSM_ACTIVE)
		return;
	log_info("peer", "%s: %s, connecting now", peer_name(p), why);
	peer_event(p, EV_CONNECT_RETRY_EXPIRES, NULL);
}

/* A TCP connection arrived from a configured peer (listen.c checked). */
void peer_accept(struct bgpd *d, int fd, const struct sockaddr_storage *from)
{
	struct peer *p = peer_find(d, (const struct sockaddr *)from);
	struct conn *c;

	if (!p || p->cfg.shutdown || d->stopping || p->auth_refused ||
	    (p->state == FSM_IDLE && p->held_down)) {
		close(fd); /* Idle refuses connections (RFC 4271 8.2.2) */
		return;
	}
	if (p->state == FSM_ESTABLISHED && p->cfg.gr.helper && p->remote_open.caps.gr &&
	    p->remote_open.caps.gr_nafi) {
		/* A GR-capable peer connecting while its session is up has
		 * restarted (its end of the old one is gone; its RST may never
		 * pass our GTSM minimum TTL): the old session ends as a TCP
		 * failure, its paths stay stale, and the new connection is the
		 * restarted session (as BIRD does). */
		log_event_notice("peer", "restarted", peer_name(p),
				 "new connection while Established: the peer restarted");
		peer_set_error(p, false, 0, 0, "peer restarted (new connection)");
		p->gr.drop_graceful = true;
		peer_event(p, EV_TCP_CONN_FAILS, NULL);
	}
	if (p->state == FSM_IDLE) {
		/* Only waiting out the restart backoff: the peer is back first.
		 * Start now with passive TCP establishment (Event 5), then take
		 * its connection (Event 14), instead of refusing it. */
		ev_timer_stop(d->loop, &p->idle_hold);
		peer_event(p, EV_AUTO_START_PASSIVE, NULL);
	}
	conn_setsockopts(fd, from->ss_family, &p->cfg);
	c = conn_new(p, fd, false, false);
	if (!c) {
		close(fd);
		return;
	}
	switch (p->state) {
	case FSM_CONNECT:
		if (p->conn && p->conn->connecting) {
			/* Both sides are connecting at once: keep both and let
			 * the OPENs decide (6.8), or dropping ours and the peer
			 * dropping its own would leave no connection at all. */
			conn_free(p->collide);
			p->collide = c;
			peer_send_open(p, c);
			break;
		}
		/* fall through */
	case FSM_ACTIVE:
		/* Take the inbound connection, drop our own attempt. */
		conn_free(p->conn);
		p->conn = c;
		peer_event(p, EV_TCP_CONN_VALID, NULL);
		break;
	case FSM_OPENSENT:
	case FSM_OPENCONFIRM:
		/* 6.8: run the new connection up to its OPEN, then decide. */
		conn_free(p->collide);
		p->collide = c;
		peer_send_open(p, c);
		break;
	default:
		/* Established: the existing session wins (6.8, last paragraph). */
		peer_send_notification(p, c, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0,
				       "connection collision with an established session");
		conn_free(c);
		break;
	}
}
