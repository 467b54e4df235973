/* The control socket server: accepts closctl connections on a Unix socket,
 * answers bgpd/control.proto requests from struct bgpd, and streams list
 * replies page by page without ever blocking the daemon's event loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bgpd/bgpd.h"
#include "bgpd/control.h"
#include "bgpd/control.pb-c.h"
#include "bgpd/ctl_fib.h"
#include "bgpd/log.h"
#include "bgpd/session.h"

#define CTL_PAGE_BYTES (768u << 10) /* keep a page well under CTL_MAX_MSG */
#define CTL_READ_CHUNK 4096

/* ST_ROUTES: the Loc-RIB; ST_RECEIVED: the Adj-RIBs-In. */
enum ctl_stream_kind { ST_NONE = 0, ST_PEERS, ST_ROUTES, ST_RECEIVED, ST_FIB };


/* A list reply in progress and where it resumes. */
struct ctl_stream {
	enum ctl_stream_kind kind;
	size_t peer_idx;	   /* ST_PEERS: peers sent so far */
	char filter_peer[INET6_ADDRSTRLEN];
	bool filter_prefix;
	struct bgp_prefix prefix;
	char cur_peer[sizeof(((struct cfg_peer *)0)->name)]; /* "" = start */
	uint8_t family;		   /* AF_INET, then AF_INET6 */
	bool have_cursor;	   /* cursor = last prefix sent for (peer, family) */
	struct bgp_prefix cursor;
	uint32_t cursor_paths;	   /* ST_ROUTES: paths of the cursor prefix sent */
	bool filtered;		   /* ST_ROUTES: the paths import policy rejected */
	struct fib_snap *fib;	   /* ST_FIB: the copy being sent */
	size_t fib_idx;		   /* ST_FIB: routes sent so far */
};

struct ctl_client {
	struct ctl_client *next;
	struct ctl_server *srv;
	int fd;
	ev_io rio, wio;
	uint8_t *in;
	size_t inlen, incap;
	uint8_t *out;
	size_t outlen, outoff, outcap;
	struct ctl_stream st;
	bool closing; /* flush what is queued, then close */
	bool admin;   /* may change the device state (ctl_cred_is_admin) */
	uid_t uid;    /* SO_PEERCRED, for the log */
};

struct ctl_server {
	struct bgpd *d;
	int fd;
	ev_io lio;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct ctl_client *clients;
	size_t nclients;
};

/* Forget the list reply in progress (and what it holds). */
static void stream_end(struct ctl_stream *st)
{
	fib_snap_free(st->fib);
	memset(st, 0, sizeof(*st));
}

/* ---- per-reply memory: freed after the reply is packed ---------------- */
struct ctl_pool {
	struct ctl_pool *next;
	size_t used, cap;
	max_align_t data[];
};

static void *pool_alloc(struct ctl_pool **pp, size_t n)
{
	struct ctl_pool *b = *pp;
	size_t cap = 64u << 10;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!b || b->cap - b->used < n) {
		if (n > cap)
			cap = n;
		b = calloc(1, sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->next = *pp;
		*pp = b;
	}
	b->used += n;
	return (uint8_t *)b->data + b->used - n;
}

static char *pool_strdup(struct ctl_pool **pp, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = pool_alloc(pp, n);

	if (r)
		memcpy(r, s, n);
	return r;
}

static void pool_free(struct ctl_pool *b)
{
	while (b) {
		struct ctl_pool *next = b->next;
		free(b);
		b = next;
	}
}

/* ---- output ------------------------------------------------------------ */
static size_t client_pending(const struct ctl_client *c)
{
	return c->outlen - c->outoff;
}

static int client_queue(struct ctl_client *c, const Closbgp__Ctl__Response *r)
{
	size_t len;
	uint8_t *frame = ctl_frame_pack(&r->base, &len);

	if (!frame)
		return -1;
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, client_pending(c));
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outcap - c->outlen < len) {
		size_t cap = c->outlen + len;
		uint8_t *n = realloc(c->out, cap);
		if (!n) {
			free(frame);
			return -1;
		}
		c->out = n;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, frame, len);
	c->outlen += len;
	free(frame);
	return 0;
}

static void client_error(struct ctl_client *c, const char *msg, bool close_after)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;

	r.error = (char *)msg;
	if (client_queue(c, &r) < 0)
		close_after = true;
	stream_end(&c->st);
	if (close_after)
		c->closing = true;
}

/* Write what the socket takes. -1 on a fatal error. */
static int client_flush(struct ctl_client *c)
{
	while (client_pending(c) > 0) {
		ssize_t n = send(c->fd, c->out + c->outoff, client_pending(c), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */
#define addr_norm ctl_addr_norm

static bool peer_matches(const struct peer *p, const char *filter)
{
	char a[INET6_ADDRSTRLEN];

	if (!filter[0])
		return true;
	addr_norm(p->cfg.name, a, sizeof(a));
	return strcmp(a, filter) == 0;
}

static bool peer_any_matches(const struct bgpd *d, const char *filter)
{
	for (const struct peer *p = d->peers; p; p = p->next)
		if (!p->deleted && peer_matches(p, filter))
			return true;
	return false;
}

static uint64_t age_since(time_t when)
{
	time_t now = time(NULL);

	return when > 0 && now > when ? (uint64_t)(now - when) : 0;
}

static uint64_t msgs_total(const uint64_t m[6])
{
	uint64_t t = 0;

	for (int i = 0; i < 6; i++)
		t += m[i];
	return t;
}

/* The AS we present to the peer: the confederation identifier outside the
 * confederation (RFC 5065 4), our member AS inside it. */
static uint32_t peer_local_as(const struct bgpd *d, const struct peer *p)
{
	const struct bgp_config *cfg = d->cfg;

	if (!cfg->confed_id || p->cfg.remote_as == cfg->local_as)
		return cfg->local_as;
	for (size_t i = 0; i < cfg->nconfed_members; i++)
		if (cfg->confed_members[i] == p->cfg.remote_as)
			return cfg->local_as;
	return cfg->confed_id;
}

/* ---- show summary ------------------------------------------------------- */
static int fill_peer_summary(struct ctl_pool **pool, const struct peer *p,
			     Closbgp__Ctl__PeerSummary *ps)
{
	closbgp__ctl__peer_summary__init(ps);
	ps->address = pool_strdup(pool, p->cfg.name);
	if (!ps->address)
		return -1;
	ps->remote_as = p->cfg.remote_as;
	ps->state = (char *)fsm_state_str(p->state);
	ps->uptime = peer_uptime(p);
	ps->state_age = age_since(p->state_since);
	ps->prefixes_received = peer_prefixes_received(p);
	ps->prefixes_sent = p->stats.prefixes_out;
	ps->messages_received = msgs_total(p->stats.msgs_in);
	ps->messages_sent = msgs_total(p->stats.msgs_out);
	return 0;
}

static int summary_peers(struct bgpd *d, struct ctl_pool **pool, Closbgp__Ctl__Summary *s)
{
	size_t n = 0;

	for (struct peer *p = d->peers; p; p = p->next)
		n += !p->deleted;
	s->peers = pool_alloc(pool, (n ? n : 1) * sizeof(*s->peers));
	if (!s->peers)
		return -1;
	for (struct peer *p = d->peers; p; p = p->next) {
		if (p->deleted)
			continue;
		Closbgp__Ctl__PeerSummary *ps = pool_alloc(pool, sizeof(*ps));
		if (!ps || fill_peer_summary(pool, p, ps) < 0)
			return -1;
		s->peers[s->n_peers++] = ps;
		s->peers_configured++;
		s->peers_established += p->state == FSM_ESTABLISHED;
		s->prefixes_received += ps->prefixes_received;
	}
	return 0;
}

static void fill_fib_stats(Closbgp__Ctl__FibStats *m, const struct fib_stats *st);

static void summary_memory(struct bgpd *d, Closbgp__Ctl__MemorySummary *m)
{
	struct rib_attr_stats as = { 0 };

	if (d->attr_cache)
		rib_attr_cache_stats(d->attr_cache, &as);
	m->attr_sets = as.attrs;
	m->attr_bytes = as.attrs_bytes;
	m->aspaths = as.aspaths;
	m->aspath_bytes = as.aspath_bytes;
	m->community_lists = as.commlists;
	m->community_bytes = as.commlist_bytes;
	m->unknown_attrs = as.unknowns;
	m->unknown_bytes = as.unknown_bytes;
	m->intern_table_bytes = as.table_bytes;
	m->refs = as.refs;
	m->loc_rib_bytes = d->loc ? rib_loc_bytes(d->loc) : 0;
	/* The Adj-RIBs-In are the Loc-RIB's paths: counted in loc_rib_bytes. */
	/* The Adj-RIBs-Out are pairs in the Loc-RIB entries: part of
	 * loc_rib_bytes, shown on their own too. */
	m->adj_rib_out_bytes = d->loc ? rib_loc_out_bytes(d->loc) : 0;
	for (const struct export_group *g = d->groups; g; g = g->next)
		m->update_groups++;
}

static void do_summary(struct ctl_client *c)
{
	struct bgpd *d = c->srv->d;
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__Summary s = CLOSBGP__CTL__SUMMARY__INIT;
	Closbgp__Ctl__LocRibSummary loc = CLOSBGP__CTL__LOC_RIB_SUMMARY__INIT;
	Closbgp__Ctl__MemorySummary mem = CLOSBGP__CTL__MEMORY_SUMMARY__INIT;
	Closbgp__Ctl__FibStats fs;
	struct fib_stats fst;
	struct ctl_pool *pool = NULL;
	char rid[INET_ADDRSTRLEN];

	if (d->loc) {
		loc.ipv4 = rib_loc_count(d->loc, AF_INET);
		loc.ipv6 = rib_loc_count(d->loc, AF_INET6);
		loc.paths = rib_loc_paths(d->loc);
	}
	s.loc_rib = &loc;
	if (d->fib) {
		fib_get_stats(d->fib, &fst);
		fill_fib_stats(&fs, &fst);
		s.fib = &fs;
	}
	summary_memory(d, &mem);
	s.memory = &mem;

	inet_ntop(AF_INET, &d->cfg->router_id, rid, sizeof(rid));
	s.router_id = rid;
	s.local_as = d->cfg->local_as;
	s.confed_id = d->cfg->confed_id;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_SUMMARY;
	r.summary = &s;
	if (summary_peers(d, &pool, &s) < 0 || client_queue(c, &r) < 0)
		client_error(c, "out of memory", true);
	pool_free(pool);
}

/* ---- show peers ----------------------------------------------------------- */
static void fill_counters(Closbgp__Ctl__MessageCounters *m, const uint64_t v[6])
{
	closbgp__ctl__message_counters__init(m);
	m->open = v[BGP_OPEN];
	m->update = v[BGP_UPDATE];
	m->notification = v[BGP_NOTIFICATION];
	m->keepalive = v[BGP_KEEPALIVE];
	m->route_refresh = v[BGP_ROUTE_REFRESH];
}

/* Capabilities in effect: only meaningful once both OPENs were exchanged. */
static void fill_caps(Closbgp__Ctl__Capabilities *cp, const struct peer *p)
{
	closbgp__ctl__capabilities__init(cp);
	if (p->state != FSM_OPENCONFIRM && p->state != FSM_ESTABLISHED)
		return;
	cp->ipv4_unicast = p->codec.ipv4;
	cp->ipv6_unicast = p->codec.ipv6;
	cp->as4 = p->codec.as4;
	cp->route_refresh = p->remote_open.caps.route_refresh;
	cp->graceful_restart = p->remote_open.caps.gr;
}

/* Graceful restart, helper side: the peer's capability and what we keep. */
static Closbgp__Ctl__GracefulRestart *make_gr(struct ctl_pool **pool, const struct peer *p)
{
	Closbgp__Ctl__GracefulRestart *g = pool_alloc(pool, sizeof(*g));
	char **fam = pool_alloc(pool, 4 * sizeof(char *));
	const struct bgp_caps *c = &p->remote_open.caps;
	static const char *const names[2] = { "ipv4-unicast", "ipv6-unicast" };

	if (!g || !fam)
		return NULL;
	closbgp__ctl__graceful_restart__init(g);
	g->helper = p->cfg.gr.helper;
	g->stale_time = p->cfg.gr.stale_time;
	g->peer_capable = c->gr;
	g->restart_time = c->gr ? c->gr_time : 0;
	g->families = fam;
	g->forwarding = fam + 2;
	for (unsigned i = 0; c->gr && i < c->gr_nafi && i < 4; i++) {
		int v6 = c->gr_afi[i].afi == AFI_IPV6;
		if (c->gr_afi[i].safi != SAFI_UNICAST ||
		    (c->gr_afi[i].afi != AFI_IPV4 && !v6) || g->n_families == 2)
			continue;
		g->families[g->n_families++] = (char *)names[v6];
		if (c->gr_afi[i].flags & 0x80)
			g->forwarding[g->n_forwarding++] = (char *)names[v6];
	}
	g->stale_paths = p->gr.stale[0] + p->gr.stale[1];
	g->state = p->gr.restarting ? "restarting"
		   : p->gr.waiting[0] || p->gr.waiting[1] ? "waiting-eor" : "";
	if (ev_is_active(&p->gr.timer)) {
		ev_tstamp left = p->gr.timer_end - ev_now(p->d->loop);
		g->timer_left = left > 0 ? (uint32_t)(left + 0.999) : 0;
	}
	g->restarts = p->gr.count;
	return g;
}

static Closbgp__Ctl__PeerError *make_peer_error(struct ctl_pool **pool, const struct peer_error *e)
{
	Closbgp__Ctl__PeerError *pe;

	if (!e->valid)
		return NULL;
	pe = pool_alloc(pool, sizeof(*pe));
	if (!pe)
		return NULL;
	closbgp__ctl__peer_error__init(pe);
	pe->sent = e->sent;
	pe->code = e->code;
	pe->subcode = e->subcode;
	pe->name = (char *)bgp_err_str(e->code, e->subcode);
	pe->text = pool_strdup(pool, e->text);
	pe->age = age_since(e->when);
	return pe->text ? pe : NULL;
}

/* Everything but the strings and sub-messages of one Peer. */
static void fill_peer_scalars(struct bgpd *d, const struct peer *p, Closbgp__Ctl__Peer *m)
{
	m->remote_as = p->cfg.remote_as;
	m->local_as = peer_local_as(d, p);
	m->state = (char *)fsm_state_str(p->state);
	m->uptime = peer_uptime(p);
	m->state_age = age_since(p->state_since);
	m->hold_time = p->hold_time;
	m->keepalive = p->keepalive_time;
	m->prefixes_received = peer_prefixes_received(p);
	m->prefixes_sent = p->stats.prefixes_out;
	m->established_count = p->stats.established_count;
	if (p->xg) {
		m->update_group = p->xg->id;
		m->update_group_members = (uint32_t)p->xg->nmembers;
		m->update_group_messages = p->xg->updates_encoded;
	}
}

/* The TCP-AO state of p's connection, or NULL (none, or no pool memory:
 * the field is optional either way). */
static Closbgp__Ctl__TcpAo *make_tcp_ao(struct ctl_pool **pool, const struct peer *p)
{
	struct conn_ao_state st;
	Closbgp__Ctl__TcpAo *m;

	if (p->cfg.auth.kind != CFG_AUTH_AO || !p->conn || conn_ao_state(p->conn->fd, &st) < 0 ||
	    !(m = pool_alloc(pool, sizeof(*m))))
		return NULL;
	closbgp__ctl__tcp_ao__init(m);
	m->mkts = 1u + p->cfg.auth.naccept;
	m->configured_send_id = p->cfg.auth.send_id;
	m->has_current = st.has_current;
	m->current_key = st.current_key;
	m->has_rnext = st.has_rnext;
	m->rnext_key = st.rnext_key;
	m->good = st.good;
	m->bad = st.bad;
	m->key_not_found = st.key_not_found;
	m->ao_required = st.ao_required;
	return m;
}

static int fill_peer(struct bgpd *d, struct ctl_pool **pool, const struct peer *p,
		     Closbgp__Ctl__Peer *m)
{
	struct in_addr rid = { htonl(p->remote_id) };
	char *ridbuf = pool_alloc(pool, INET_ADDRSTRLEN);
	Closbgp__Ctl__MessageCounters *mc = pool_alloc(pool, 2 * sizeof(*mc));
	Closbgp__Ctl__Capabilities *cp = pool_alloc(pool, sizeof(*cp));

	closbgp__ctl__peer__init(m);
	if (!ridbuf || !mc || !cp)
		return -1;
	fill_peer_scalars(d, p, m);
	m->address = pool_strdup(pool, p->cfg.name);
	m->description = pool_strdup(pool, p->cfg.description);
	m->group = pool_strdup(pool, p->cfg.group);
	m->remote_id = (char *)inet_ntop(AF_INET, &rid, ridbuf, INET_ADDRSTRLEN);
	fill_counters(&mc[0], p->stats.msgs_in);
	fill_counters(&mc[1], p->stats.msgs_out);
	m->messages_received = &mc[0];
	m->messages_sent = &mc[1];
	fill_caps(cp, p);
	m->capabilities = cp;
	m->last_error = make_peer_error(pool, &p->last_error);
	if (p->last_error.valid && !m->last_error)
		return -1;
	if (!(m->graceful_restart = make_gr(pool, p)))
		return -1;
	m->tcp_ao = make_tcp_ao(pool, p);
	return m->address && m->description && m->group ? 0 : -1;
}

/* One PeerList page: up to CTL_PAGE_PEERS peers after st->peer_idx. */
static void produce_peers(struct ctl_client *c)
{
	struct bgpd *d = c->srv->d;
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__PeerList pl = CLOSBGP__CTL__PEER_LIST__INIT;
	Closbgp__Ctl__Peer *ptrs[CTL_PAGE_PEERS];
	struct ctl_pool *pool = NULL;
	size_t idx = 0;
	int rc = 0;

	pl.peers = ptrs;
	pl.last = true;
	for (struct peer *p = d->peers; p && rc == 0; p = p->next) {
		if (p->deleted || !peer_matches(p, c->st.filter_peer) || idx++ < c->st.peer_idx)
			continue;
		if (pl.n_peers == CTL_PAGE_PEERS) {
			pl.last = false;
			break;
		}
		ptrs[pl.n_peers] = pool_alloc(&pool, sizeof(Closbgp__Ctl__Peer));
		rc = ptrs[pl.n_peers] ? fill_peer(d, &pool, p, ptrs[pl.n_peers]) : -1;
		pl.n_peers++;
	}
	c->st.peer_idx += pl.n_peers;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_PEERS;
	r.peers = &pl;
	if (rc < 0 || client_queue(c, &r) < 0)
		client_error(c, "out of memory", true);
	else if (pl.last)
		stream_end(&c->st);
	pool_free(pool);
}

/* ---- show routes ------------------------------------------------------------ */
struct route_page {
	Closbgp__Ctl__RouteList *rl;
	struct ctl_pool **pool;
	struct bgpd *d;
	const struct peer *peer; /* the received view: whose Adj-RIB-In */
	struct ctl_stream *st;
	size_t bytes;
	bool full, oom;
};

/* The order rib_adj_walk and rib_loc_walk visit prefixes: by address,
 * shorter first. */
static int route_order_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	int r = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (r)
		return r;
	return (int)a->len - (int)b->len;
}

static char *fmt_addr(struct ctl_pool **pool, int af, const void *a)
{
	char *s = pool_alloc(pool, INET6_ADDRSTRLEN);

	return s ? (char *)inet_ntop(af, a, s, INET6_ADDRSTRLEN) : NULL;
}

static Closbgp__Ctl__Uint32Value *make_u32(struct ctl_pool **pool, bool present, uint32_t v)
{
	Closbgp__Ctl__Uint32Value *u;

	if (!present || !(u = pool_alloc(pool, sizeof(*u))))
		return NULL;
	closbgp__ctl__uint32_value__init(u);
	u->value = v;
	return u;
}

static int fill_large(struct ctl_pool **pool, const struct bgp_attrs *a, Closbgp__Ctl__Route *m)
{
	Closbgp__Ctl__LargeCommunity *lc;

	if (!a->nlarge)
		return 0;
	lc = pool_alloc(pool, a->nlarge * sizeof(*lc));
	m->large_communities = pool_alloc(pool, a->nlarge * sizeof(*m->large_communities));
	if (!lc || !m->large_communities)
		return -1;
	for (size_t i = 0; i < a->nlarge; i++) {
		closbgp__ctl__large_community__init(&lc[i]);
		lc[i].global = a->large[i].global;
		lc[i].local1 = a->large[i].local1;
		lc[i].local2 = a->large[i].local2;
		m->large_communities[i] = &lc[i];
	}
	m->n_large_communities = a->nlarge;
	return 0;
}

/* Our own networks carry no next hop: that shows as 0.0.0.0 / ::. */
static int fill_nexthop(struct ctl_pool **pool, const struct bgp_prefix *pfx,
			const struct bgp_attrs *a, Closbgp__Ctl__Route *m)
{
	if (pfx->family == AF_INET) {
		m->next_hop = fmt_addr(pool, AF_INET, &a->nexthop);
		return m->next_hop ? 0 : -1;
	}
	m->next_hop = fmt_addr(pool, AF_INET6, &a->nh6);
	if (a->nh6_has_ll)
		m->next_hop_link_local = fmt_addr(pool, AF_INET6, &a->nh6_ll);
	return m->next_hop && m->next_hop_link_local ? 0 : -1;
}

/* Prefix and attributes; the caller sets peer, source and the marks. */
static int fill_route(struct ctl_pool **pool, const struct bgp_prefix *pfx,
		      const struct bgp_attrs *a, Closbgp__Ctl__Route *m)
{
	size_t aplen = (size_t)a->aspath_len * 3 + 16; /* "4294967295 " per 4 octets */

	closbgp__ctl__route__init(m);
	m->prefix = pool_alloc(pool, INET6_ADDRSTRLEN + 4);
	m->as_path = pool_alloc(pool, aplen);
	if (!m->prefix || !m->as_path || fill_nexthop(pool, pfx, a, m) < 0 || fill_large(pool, a, m) < 0)
		return -1;
	bgp_prefix_str(pfx, m->prefix, INET6_ADDRSTRLEN + 4);
	aspath_str(a->aspath, a->aspath_len, m->as_path, aplen);
	m->origin = a->origin <= BGP_ORIGIN_INCOMPLETE ? (Closbgp__Ctl__Origin)a->origin
						       : CLOSBGP__CTL__ORIGIN__INCOMPLETE;
	m->med = make_u32(pool, a->seen & BGP_ATTR_BIT(BGP_ATTR_MED), a->med);
	m->local_pref = make_u32(pool, a->seen & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF), a->local_pref);
	m->communities = (uint32_t *)a->communities; /* packed before the loop runs again */
	m->n_communities = a->ncommunities;
	m->atomic_aggregate = (a->seen & BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE)) != 0;
	return 0;
}

static const char *src_kind_str(enum rib_src_kind k)
{
	switch (k) {
	case RIB_SRC_LOCAL: return "local";
	case RIB_SRC_EBGP: return "ebgp";
	case RIB_SRC_CONFED: return "confed";
	case RIB_SRC_IBGP: return "ibgp";
	}
	return "?";
}

/* The neighbour a Loc-RIB path came from, "local" for our networks. */
static const char *src_name(const struct rib_src *src)
{
	const struct peer *p = src->owner;

	if (src->kind == RIB_SRC_LOCAL)
		return "local";
	return p ? p->cfg.name : "?";
}

static bool src_matches(const struct rib_src *src, const char *filter)
{
	if (!filter[0])
		return true;
	if (src->kind == RIB_SRC_LOCAL)
		return strcmp(filter, "local") == 0;
	return src->owner && peer_matches(src->owner, filter);
}

/* Append m to the page; marks it full at the route or byte limit. */
static void page_push(struct route_page *pg, Closbgp__Ctl__Route *m)
{
	pg->rl->routes[pg->rl->n_routes++] = m;
	pg->bytes += protobuf_c_message_get_packed_size(&m->base) + 8;
	pg->full = pg->rl->n_routes == CTL_PAGE_ROUTES || pg->bytes >= CTL_PAGE_BYTES;
}

/* -- the Loc-RIB view (and its filtered paths) -- */

/* Why import policy rejected path: the policy evaluated again, quietly
 * (no counters move), on what the peer sent. */
static Closbgp__Ctl__Rejection *make_rejection(struct route_page *pg, const struct bgp_prefix *pfx,
					       const struct rib_path *path)
{
	Closbgp__Ctl__Rejection *r = pool_alloc(pg->pool, sizeof(*r));
	const struct peer *p = path->src->owner;
	struct bgpd *d = pg->d;
	struct pol_verdict v = { 0 };

	if (!r)
		return NULL;
	closbgp__ctl__rejection__init(r);
	if (!p || !p->cfg.import) {
		r->reason = "no import policy (policy-required)";
		return r;
	}
	struct pol_env env = { .peer_as = p->cfg.remote_as, .group = p->cfg.group_idx,
			       .import = true };
	if (pol_explain(d->pol_cache, d->cfg->policy, p->cfg.import, &env, pfx,
			rib_attrs_origin(path->attrs), &v) < 0)
		return NULL;
	if (v.accept)
		r->reason = "accepted now (pending re-evaluation)";
	else if (v.stmt) {
		r->policy = (char *)v.policy->name;
		r->statement = (char *)v.stmt->name;
		r->reason = "rejected by statement";
	} else
		r->reason = "default deny (no statement accepted)";
	return r;
}

static int loc_add_path(struct route_page *pg, const struct rib_entry *e, const struct rib_path *p,
			unsigned idx)
{
	Closbgp__Ctl__Route *m = pool_alloc(pg->pool, sizeof(*m));
	struct bgp_prefix pfx;

	rib_entry_prefix(e, &pfx);
	if (!m || fill_route(pg->pool, &pfx, rib_attrs_get(p->attrs), m) < 0) {
		pg->oom = true;
		return -1;
	}
	m->peer = (char *)src_name(p->src);
	m->source = (char *)src_kind_str(p->src->kind);
	m->stale = rib_attrs_flags(p->attrs) & RIB_ATTRS_STALE;
	if (pg->st->filtered) {
		m->filtered = true;
		m->fib = "";
		if (!(m->filtered_by = make_rejection(pg, &pfx, p))) {
			pg->oom = true;
			return -1;
		}
	} else {
		m->best = idx == 0;
		m->multipath = idx < e->nmulti;
		m->valid = true;
		m->fib = (char *)rib_fib_state_str((enum rib_fib_state)e->fib);
	}
	page_push(pg, m);
	return 0;
}

/* The paths a view shows: the candidates, or the filtered ones. */
static bool loc_shows(const struct ctl_stream *st, const struct rib_entry *e,
		      const struct rib_path *p, unsigned idx)
{
	if (st->filtered)
		return rib_attrs_flags(p->attrs) & RIB_ATTRS_FILTERED;
	return idx < e->nusable;
}

/* One entry's paths that pass the peer filter, resuming inside the entry
 * the last page stopped in. Non-zero stops the walk (page full). */
static int loc_entry_cb(const struct rib_entry *e, void *arg)
{
	struct route_page *pg = arg;
	struct ctl_stream *st = pg->st;
	uint32_t skip = 0, seen = 0;
	unsigned idx = 0;
	struct bgp_prefix pfx;

	if (pg->full || pg->oom)
		return 1;
	rib_entry_prefix(e, &pfx);
	if (st->have_cursor && bgp_prefix_cmp(&pfx, &st->cursor) == 0) {
		skip = st->cursor_paths;
	} else {
		st->have_cursor = true;
		st->cursor = pfx;
		st->cursor_paths = 0;
	}
	/* Only the candidates (or the filtered): the rest is in the
	 * Adj-RIB-In view. Candidates come first in the list. */
	for (const struct rib_path *p = rib_entry_paths(e);
	     p && (st->filtered || idx < e->nusable); p = p->next, idx++) {
		if (!loc_shows(st, e, p, idx) || !src_matches(p->src, st->filter_peer) ||
		    seen++ < skip)
			continue;
		if (pg->full || loc_add_path(pg, e, p, idx) < 0)
			return 1;
		st->cursor_paths++;
	}
	return pg->full;
}

static void loc_fill_family(struct route_page *pg)
{
	struct ctl_stream *st = pg->st;
	const struct rib_entry *e;

	if (!st->filter_prefix) {
		rib_loc_walk_from(pg->d->loc, st->family, st->have_cursor ? &st->cursor : NULL,
				  loc_entry_cb, pg);
		return;
	}
	if (st->prefix.family == st->family && (e = rib_loc_get(pg->d->loc, &st->prefix)) && e->npaths)
		loc_entry_cb(e, pg);
}

/* -- the Adj-RIB-In view -- */
/* Where path idx of e stands: a candidate (best, multipath) or not (looped,
 * next hop unreachable). */
static void loc_marks(const struct rib_entry *e, unsigned idx, Closbgp__Ctl__Route *m)
{
	m->valid = idx < e->nusable;
	m->best = m->valid && idx == 0;
	m->multipath = idx < e->nmulti;
	m->fib = (char *)rib_fib_state_str(m->best ? (enum rib_fib_state)e->fib : RIB_FIB_NONE);
}

/* Append one received route (path idx of e) to the page. */
static int page_add(struct route_page *pg, const struct rib_entry *e, const struct rib_path *path,
		    unsigned idx)
{
	const struct rib_attrs *ra = path->attrs;
	Closbgp__Ctl__Route *m = pool_alloc(pg->pool, sizeof(*m));
	struct bgp_prefix pfx;

	rib_entry_prefix(e, &pfx);
	if (!m || fill_route(pg->pool, &pfx, rib_attrs_get(ra), m) < 0) {
		pg->oom = true;
		return 1;
	}
	m->peer = (char *)pg->peer->cfg.name;
	m->source = (char *)src_kind_str(pg->peer->src.kind);
	m->stale = rib_attrs_flags(ra) & RIB_ATTRS_STALE;
	loc_marks(e, idx, m);
	page_push(pg, m);
	pg->st->have_cursor = true;
	pg->st->cursor = pfx;
	return pg->full;
}

static int page_walk_cb(const struct rib_entry *e, void *arg)
{
	struct route_page *pg = arg;
	const struct rib_path *path;
	unsigned idx;
	struct bgp_prefix pfx;

	rib_entry_prefix(e, &pfx);
	if (pg->st->have_cursor && route_order_cmp(&pfx, &pg->st->cursor) <= 0)
		return 0; /* sent on an earlier page */
	path = rib_loc_path_of(e, &pg->peer->src, &idx);
	return path ? page_add(pg, e, path, idx) : 0;
}

/* Fill the page from one (peer, family) of the cursor: the peer's paths in
 * the Loc-RIB, usable or not, are its Adj-RIB-In. */
static void page_fill_family(struct route_page *pg)
{
	struct ctl_stream *st = pg->st;
	const struct rib_entry *e;

	if (!pg->d->loc)
		return;
	if (!st->filter_prefix) {
		rib_loc_walk_from(pg->d->loc, st->family, st->have_cursor ? &st->cursor : NULL,
				  page_walk_cb, pg);
		return;
	}
	if (st->prefix.family == st->family && !st->have_cursor &&
	    (e = rib_loc_get(pg->d->loc, &st->prefix)))
		page_walk_cb(e, pg);
}

/* The peer the stream is at: the first matching one, or the one of the last
 * page (NULL if it was removed since: the stream then ends). */
static struct peer *stream_peer(struct bgpd *d, const struct ctl_stream *st)
{
	for (struct peer *p = d->peers; p; p = p->next) {
		if (p->deleted)
			continue;
		if (st->cur_peer[0] ? strcmp(p->cfg.name, st->cur_peer) == 0
				    : peer_matches(p, st->filter_peer))
			return p;
	}
	return NULL;
}

/* Advance the cursor to the next (peer, family) that passes the filter. */
static struct peer *stream_next(struct ctl_stream *st, struct peer *p)
{
	st->have_cursor = false;
	if (st->family == AF_INET) {
		st->family = AF_INET6;
		return p;
	}
	st->family = AF_INET;
	for (p = p->next; p && (p->deleted || !peer_matches(p, st->filter_peer)); p = p->next)
		;
	return p;
}

static void queue_routes(struct ctl_client *c, Closbgp__Ctl__RouteList *rl, struct route_page *pg)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;

	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES;
	r.routes = rl;
	if (pg->oom || client_queue(c, &r) < 0)
		client_error(c, "out of memory", true);
	else if (rl->last)
		stream_end(&c->st);
}

/* One RouteList page of the Adj-RIB-In view: peer by peer, IPv4 then IPv6. */
static void produce_received(struct ctl_client *c)
{
	Closbgp__Ctl__RouteList rl = CLOSBGP__CTL__ROUTE_LIST__INIT;
	Closbgp__Ctl__Route *ptrs[CTL_PAGE_ROUTES];
	struct ctl_pool *pool = NULL;
	struct route_page pg = { .rl = &rl, .pool = &pool, .d = c->srv->d, .st = &c->st };
	struct peer *p = stream_peer(c->srv->d, &c->st);

	rl.routes = ptrs;
	while (p && !pg.full && !pg.oom) {
		pg.peer = p;
		page_fill_family(&pg);
		snprintf(c->st.cur_peer, sizeof(c->st.cur_peer), "%s", p->cfg.name);
		if (!pg.full)
			p = stream_next(&c->st, p);
	}
	rl.last = !p;
	queue_routes(c, &rl, &pg);
	pool_free(pool);
}

/* One RouteList page of the Loc-RIB view: IPv4 then IPv6, each prefix's
 * paths best first. */
static void produce_loc(struct ctl_client *c)
{
	Closbgp__Ctl__RouteList rl = CLOSBGP__CTL__ROUTE_LIST__INIT;
	Closbgp__Ctl__Route *ptrs[CTL_PAGE_ROUTES];
	struct ctl_pool *pool = NULL;
	struct ctl_stream *st = &c->st;
	struct route_page pg = { .rl = &rl, .pool = &pool, .d = c->srv->d, .st = st };

	rl.routes = ptrs;
	if (!pg.d->loc)
		st->family = 0;
	while (st->family && !pg.full && !pg.oom) {
		loc_fill_family(&pg);
		if (pg.full || pg.oom)
			break;
		st->family = st->family == AF_INET ? AF_INET6 : 0;
		st->have_cursor = false;
	}
	rl.last = !st->family;
	queue_routes(c, &rl, &pg);
	pool_free(pool);
}

/* ---- show fib ----------------------------------------------------------------- */
static void fill_fib_stats(Closbgp__Ctl__FibStats *m, const struct fib_stats *st)
{
	closbgp__ctl__fib_stats__init(m);
	m->routes = st->routes;
	m->installed = st->routes_installed;
	m->failed = st->routes_failed;
	m->stale = st->routes_stale;
	m->nexthops = st->nexthops;
	m->groups = st->groups;
	m->batches = st->batches;
	m->messages = st->msgs_sent;
	m->errors = st->errors;
	m->retries = st->retries;
	m->nexthop_objects = st->nexthop_objects;
	m->failovers = st->failovers;
	m->takeovers = st->takeovers;
}

/* FibNexthop messages for the snapshot's members mem[first .. first + n). */
static Closbgp__Ctl__FibNexthop **fill_fib_nexthops(struct ctl_pool **pool, const struct fib *f,
						   const struct fib_snap *s, uint32_t first, uint32_t n)
{
	Closbgp__Ctl__FibNexthop *nh = pool_alloc(pool, n * sizeof(*nh));
	Closbgp__Ctl__FibNexthop **v = pool_alloc(pool, n * sizeof(*v));

	if (!nh || !v)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		const struct fib_snap_member *mb = &s->mem[first + i];
		closbgp__ctl__fib_nexthop__init(&nh[i]);
		nh[i].id = mb->id;
		nh[i].gateway = fmt_addr(pool, mb->family == AF_INET6 ? AF_INET6 : AF_INET, mb->addr);
		nh[i].interface = (char *)(f ? fib_ifname(f, mb->ifindex) : "?");
		if (!nh[i].gateway)
			return NULL;
		v[i] = &nh[i];
	}
	return v;
}

static int fill_fib_route(struct ctl_pool **pool, const struct fib *f, const struct fib_snap *s,
			  const struct fib_snap_route *sr, Closbgp__Ctl__FibRoute *m)
{
	const struct fib_snap_obj *o = fib_snap_obj(s, sr->nh_id);

	closbgp__ctl__fib_route__init(m);
	m->prefix = pool_alloc(pool, INET6_ADDRSTRLEN + 4);
	if (!m->prefix)
		return -1;
	bgp_prefix_str(&sr->prefix, m->prefix, INET6_ADDRSTRLEN + 4);
	m->nexthop_id = sr->nh_id;
	m->metric = sr->metric;
	m->standby_id = sr->standby_id;
	m->group = sr->group;
	m->blackhole = sr->blackhole;
	m->state = (char *)sr->state;
	if (o && o->n) {
		if (!(m->nexthops = fill_fib_nexthops(pool, f, s, o->first, o->n)))
			return -1;
		m->n_nexthops = o->n;
	}
	if (o && o->nbk) {
		if (!(m->backups = fill_fib_nexthops(pool, f, s, o->first + o->n, o->nbk)))
			return -1;
		m->n_backups = o->nbk;
	}
	return 0;
}

/* One FibList page from the snapshot; the stats ride on the first. */
static void produce_fib(struct ctl_client *c)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__FibList fl = CLOSBGP__CTL__FIB_LIST__INIT;
	Closbgp__Ctl__FibRoute *ptrs[CTL_PAGE_ROUTES];
	Closbgp__Ctl__FibStats stats;
	struct ctl_pool *pool = NULL;
	struct ctl_stream *st = &c->st;
	const struct fib_snap *s = st->fib;
	size_t bytes = 0;
	int rc = 0;

	fl.routes = ptrs;
	if (st->fib_idx == 0) {
		fill_fib_stats(&stats, &s->stats);
		fl.stats = &stats;
	}
	while (st->fib_idx < s->nroutes && fl.n_routes < CTL_PAGE_ROUTES && bytes < CTL_PAGE_BYTES) {
		Closbgp__Ctl__FibRoute *m = pool_alloc(&pool, sizeof(*m));
		rc = m ? fill_fib_route(&pool, c->srv->d->fib, s, &s->routes[st->fib_idx], m) : -1;
		if (rc < 0)
			break;
		ptrs[fl.n_routes++] = m;
		bytes += protobuf_c_message_get_packed_size(&m->base) + 8;
		st->fib_idx++;
	}
	fl.last = st->fib_idx == s->nroutes;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_FIB;
	r.fib = &fl;
	if (rc < 0 || client_queue(c, &r) < 0)
		client_error(c, "out of memory", true);
	else if (fl.last)
		stream_end(st);
	pool_free(pool);
}

/* ---- show policy ---------------------------------------------------------------- */
static const char *result_str(uint8_t r)
{
	return r == POL_ACCEPT ? "accept" : r == POL_REJECT ? "reject" : "next-statement";
}

static bool chain_has(const struct pol_chain *c, const struct pol_policy *pol)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->pol[i] == pol)
			return true;
	return false;
}

/* The neighbours with pol in their import (or export) chain. */
static int policy_peers(struct ctl_pool **pool, const struct bgpd *d,
			const struct pol_policy *pol, bool import, char ***v, size_t *n)
{
	size_t k = 0;

	for (const struct peer *p = d->peers; p; p = p->next)
		k += chain_has(import ? p->cfg.import : p->cfg.export, pol);
	*n = 0;
	if (!k)
		return 0;
	if (!(*v = pool_alloc(pool, k * sizeof(**v))))
		return -1;
	for (const struct peer *p = d->peers; p; p = p->next)
		if (chain_has(import ? p->cfg.import : p->cfg.export, pol))
			(*v)[(*n)++] = (char *)p->cfg.name;
	return 0;
}

static Closbgp__Ctl__Policy *make_policy(struct ctl_pool **pool, const struct bgpd *d,
					 const struct pol_policy *pol)
{
	Closbgp__Ctl__Policy *m = pool_alloc(pool, sizeof(*m));
	Closbgp__Ctl__PolicyStatement *st = pool_alloc(pool, (pol->n + 1) * sizeof(*st));

	if (!m || !st)
		return NULL;
	closbgp__ctl__policy__init(m);
	if (!(m->statements = pool_alloc(pool, (pol->n + 1) * sizeof(*m->statements))))
		return NULL;
	m->name = (char *)pol->name;
	m->evaluations = pol->evals;
	for (size_t i = 0; i < pol->n; i++) {
		closbgp__ctl__policy_statement__init(&st[i]);
		st[i].name = (char *)pol->st[i].name;
		st[i].result = (char *)result_str(pol->st[i].a.result);
		st[i].matches = pol->st[i].matches;
		m->statements[i] = &st[i];
	}
	m->n_statements = pol->n;
	if (policy_peers(pool, d, pol, true, &m->import_peers, &m->n_import_peers) < 0 ||
	    policy_peers(pool, d, pol, false, &m->export_peers, &m->n_export_peers) < 0)
		return NULL;
	return m;
}

static void do_policy(struct ctl_client *c, const Closbgp__Ctl__ShowPolicyRequest *q)
{
	const struct bgpd *d = c->srv->d;
	const struct pol_config *pc = d->cfg ? d->cfg->policy : NULL;
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__PolicyList pl = CLOSBGP__CTL__POLICY_LIST__INIT;
	Closbgp__Ctl__PolicyCache cache = CLOSBGP__CTL__POLICY_CACHE__INIT;
	const char *name = q->name ? q->name : "";
	struct pol_cache_stats cs = { 0 };
	struct ctl_pool *pool = NULL;
	size_t n = pc ? pc->npolicies : 0;
	int rc = 0;

	stream_end(&c->st);
	if (name[0] && (!pc || !pol_policy_find(pc, name))) {
		client_error(c, "no such policy", false);
		return;
	}
	if (n && !(pl.policies = pool_alloc(&pool, n * sizeof(*pl.policies))))
		rc = -1;
	for (size_t i = 0; !rc && i < n; i++) {
		if (name[0] && strcmp(pc->policies[i].name, name) != 0)
			continue;
		if (!(pl.policies[pl.n_policies++] = make_policy(&pool, d, &pc->policies[i])))
			rc = -1;
	}
	if (d->pol_cache)
		pol_cache_stats(d->pol_cache, &cs);
	cache.entries = cs.entries;
	cache.capacity = cs.capacity;
	cache.hits = cs.hits;
	cache.misses = cs.misses;
	cache.bypass = cs.bypass;
	pl.cache = &cache;
	pl.required = pc && pc->required;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_POLICIES;
	r.policies = &pl;
	if (rc < 0 || client_queue(c, &r) < 0)
		client_error(c, "out of memory", true);
	pool_free(pool);
}

/* ---- requests ----------------------------------------------------------------- */
static void start_peers(struct ctl_client *c, const Closbgp__Ctl__ShowPeersRequest *q)
{
	stream_end(&c->st);
	addr_norm(q->address ? q->address : "", c->st.filter_peer, sizeof(c->st.filter_peer));
	if (!peer_any_matches(c->srv->d, c->st.filter_peer)) {
		client_error(c, "no such peer", false);
		return;
	}
	c->st.kind = ST_PEERS;
}

static void start_routes(struct ctl_client *c, const Closbgp__Ctl__ShowRoutesRequest *q)
{
	struct ctl_stream *st = &c->st;

	stream_end(st);
	st->family = AF_INET;
	addr_norm(q->peer ? q->peer : "", st->filter_peer, sizeof(st->filter_peer));
	if (q->prefix && q->prefix[0]) {
		if (bgp_prefix_parse(q->prefix, &st->prefix) < 0) {
			client_error(c, "invalid prefix", false);
			return;
		}
		st->filter_prefix = true;
	}
	if (st->filter_peer[0] && !(strcmp(st->filter_peer, "local") == 0 && !q->received) &&
	    !peer_any_matches(c->srv->d, st->filter_peer)) {
		client_error(c, "no such peer", false);
		return;
	}
	st->filtered = q->filtered;
	st->kind = q->received && !q->filtered ? ST_RECEIVED : ST_ROUTES;
}

static void start_fib(struct ctl_client *c)
{
	const struct fib *f = c->srv->d->fib;

	stream_end(&c->st);
	if (!f) {
		client_error(c, CTL_ERR_NO_FIB, false);
		return;
	}
	c->st.fib = fib_snap_take(f);
	if (!c->st.fib) {
		client_error(c, "out of memory", false);
		return;
	}
	c->st.kind = ST_FIB;
}

/* ---- device state --------------------------------------------------------- */

static Closbgp__Ctl__DeviceState state_pb(enum dev_state s)
{
	return s == DEV_LIVE ? CLOSBGP__CTL__DEVICE_STATE__LIVE
	       : s == DEV_WARM ? CLOSBGP__CTL__DEVICE_STATE__WARM
			       : CLOSBGP__CTL__DEVICE_STATE__DRAINED;
}

/* The policies of a chain joined by spaces ("" for none). */
static char *chain_names(struct ctl_pool **pool, const struct pol_chain *ch)
{
	size_t n = 1;
	char *s;

	for (size_t i = 0; ch && i < ch->n; i++)
		n += strlen(ch->pol[i]->name) + 1;
	if (!(s = pool_alloc(pool, n)))
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; ch && i < ch->n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, ch->pol[i]->name);
	}
	return s;
}

static int state_group(struct ctl_pool **pool, const struct export_group *g,
		       Closbgp__Ctl__StateGroup *sg)
{
	closbgp__ctl__state_group__init(sg);
	sg->update_group = g->id;
	sg->drain_signal = g->key.drain;
	sg->prefixes = (uint32_t)g->nout;
	sg->peer_group = g->nmembers ? (char *)g->members[0]->cfg.group : "";
	sg->export_chain = chain_names(pool, g->key.chain);
	sg->n_members = g->nmembers;
	sg->members = pool_alloc(pool, (g->nmembers ? g->nmembers : 1) * sizeof(char *));
	if (!sg->export_chain || !sg->members)
		return -1;
	for (size_t i = 0; i < g->nmembers; i++)
		sg->members[i] = (char *)g->members[i]->cfg.name;
	return 0;
}

static void do_state(struct ctl_client *c)
{
	struct bgpd *d = c->srv->d;
	const struct devstate *v = &d->dev;
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__DeviceStateInfo st = CLOSBGP__CTL__DEVICE_STATE_INFO__INIT;
	struct ctl_pool *pool = NULL;
	size_t n = 0;
	int rc = 0;

	st.state = state_pb(v->state);
	st.target = state_pb(v->target);
	st.since = (uint64_t)v->since;
	st.transitions = v->transitions;
	st.kernel_pending = d->loc ? state_fib_pending(d) : 0;
	st.initial_table_wait = v->initial;
	st.state_file = d->cfg->dev.state_file;
	st.drain_time = d->cfg->dev.drain_time;
	if (ev_is_active(&v->timer))
		st.drain_left = ev_timer_remaining(d->loop, (ev_timer *)&v->timer);
	for (const struct export_group *g = d->groups; g; g = g->next)
		n++;
	st.groups = pool_alloc(&pool, (n ? n : 1) * sizeof(*st.groups));
	rc = st.groups ? 0 : -1;
	for (const struct export_group *g = d->groups; !rc && g; g = g->next) {
		Closbgp__Ctl__StateGroup *sg = pool_alloc(&pool, sizeof(*sg));
		rc = sg ? state_group(&pool, g, sg) : -1;
		st.groups[st.n_groups++] = sg;
	}
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_STATE;
	r.state = &st;
	if (rc < 0 || client_queue(c, &r) < 0)
		client_error(c, "out of memory", true);
	pool_free(pool);
}

/* drain, undrain, state X: the new target, then the state as it is. */
static void do_set_state(struct ctl_client *c, enum dev_state target)
{
	state_request(c->srv->d, target, "closctl");
	do_state(c);
}

/* ---- who may do what (docs/security.md) -------------------------------------- */
#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13 */
#endif

bool ctl_cred_is_admin(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, uid_t self,
		       const gid_t *admin_gid)
{
	if (uid == 0 || uid == self)
		return true;
	if (!admin_gid)
		return false;
	if (gid == *admin_gid)
		return true;
	for (size_t i = 0; i < ngroups; i++)
		if (groups[i] == *admin_gid)
			return true;
	return false;
}

const char *ctl_request_admin_only(int req_case)
{
	switch (req_case) {
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_SUMMARY:
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_PEERS:
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES:
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_FIB:
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_POLICY:
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_STATE:
		return NULL;
	case CLOSBGP__CTL__REQUEST__REQ_DRAIN:
		return "drain";
	case CLOSBGP__CTL__REQUEST__REQ_UNDRAIN:
		return "undrain";
	case CLOSBGP__CTL__REQUEST__REQ_SET_STATE:
		return "state";
	case CLOSBGP__CTL__REQUEST__REQ_PEER_RESET:
		return "clear";
	default: /* unknown to us: answered "unknown request" anyway */
		return NULL;
	}
}

/* The kernel's word on the client (SO_PEERCRED; SO_PEERGROUPS for its
 * supplementary groups): root, our own user and, when control/admin-group
 * is set, that group's members are admins. Any failure: not an admin. */
static bool client_admin(const struct ctl_server *s, int fd, uid_t *uid)
{
	const struct bgp_config *cfg = s->d->cfg;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t small[64], *groups = small, admin_gid;
	const struct group *g = NULL;
	bool admin;

	*uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	*uid = cr.uid;
	if (cfg && cfg->ctl_admin_group[0] && (g = getgrnam(cfg->ctl_admin_group)))
		admin_gid = g->gr_gid;
	len = sizeof(small);
	if (g && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, small, &len) < 0) {
		if (errno != ERANGE || !(groups = malloc(len)) ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			len = 0;
	}
	if (!g)
		len = 0;
	admin = ctl_cred_is_admin(cr.uid, cr.gid, groups, len / sizeof(gid_t), geteuid(),
				  g ? &admin_gid : NULL);
	if (groups != small)
		free(groups);
	return admin;
}

static void client_handle(struct ctl_client *c, const Closbgp__Ctl__Request *q)
{
	const char *what = ctl_request_admin_only(q->req_case);

	if (what && !c->admin) {
		char msg[96];
		snprintf(msg, sizeof(msg), "permission denied: %s needs the admin group", what);
		log_notice("ctl", "uid %ld refused: %s", (long)c->uid, what);
		client_error(c, msg, false);
		return;
	}
	switch (q->req_case) {
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_SUMMARY:
		do_summary(c);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_PEERS:
		start_peers(c, q->show_peers);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES:
		start_routes(c, q->show_routes);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_FIB:
		start_fib(c);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_POLICY:
		do_policy(c, q->show_policy);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_STATE:
		do_state(c);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_DRAIN:
		do_set_state(c, DEV_DRAINED);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_UNDRAIN:
		do_set_state(c, DEV_LIVE);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SET_STATE:
		switch (q->set_state->state) {
		case CLOSBGP__CTL__DEVICE_STATE__LIVE:
			do_set_state(c, DEV_LIVE);
			break;
		case CLOSBGP__CTL__DEVICE_STATE__WARM:
			do_set_state(c, DEV_WARM);
			break;
		case CLOSBGP__CTL__DEVICE_STATE__DRAINED:
			do_set_state(c, DEV_DRAINED);
			break;
		default:
			client_error(c, "no such state", false);
			break;
		}
		break;
	case CLOSBGP__CTL__REQUEST__REQ_PEER_RESET:
		client_error(c, CTL_ERR_UNSUPPORTED, false);
		break;
	default: /* a newer client: answer, keep the connection */
		client_error(c, "unknown request", false);
		break;
	}
}

/* Handle one buffered request if there is a whole one. 1 if handled. */
static int client_parse_one(struct ctl_client *c)
{
	size_t blen;
	int r = ctl_frame_check(c->in, c->inlen, &blen);
	Closbgp__Ctl__Request *q;

	if (r == 0)
		return 0;
	if (r < 0) {
		client_error(c, "request too large", true);
		return 1;
	}
	q = closbgp__ctl__request__unpack(NULL, blen, c->in + 4);
	memmove(c->in, c->in + 4 + blen, c->inlen - 4 - blen);
	c->inlen -= 4 + blen;
	if (!q) {
		log_info("ctl", "malformed request, closing the client");
		client_error(c, "malformed request", true);
		return 1;
	}
	client_handle(c, q);
	closbgp__ctl__request__free_unpacked(q, NULL);
	return 1;
}

/* ---- client lifecycle ----------------------------------------------------------- */
static void client_close(struct ctl_client *c)
{
	struct ctl_server *s = c->srv;

	for (struct ctl_client **pp = &s->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->nclients--;
	ev_io_stop(s->d->loop, &c->rio);
	ev_io_stop(s->d->loop, &c->wio);
	close(c->fd);
	stream_end(&c->st);
	free(c->in);
	free(c->out);
	free(c);
}

static bool client_can_read(const struct ctl_client *c)
{
	return !c->closing && c->st.kind == ST_NONE && client_pending(c) < CTL_OUT_HIWAT;
}

/* Run requests and produce pages while the output is under the high-water
 * mark, write, and set the watchers. May free c. */
static void client_kick(struct ctl_client *c)
{
	struct ev_loop *loop = c->srv->d->loop;

	for (;;) {
		if (c->st.kind == ST_PEERS)
			produce_peers(c);
		else if (c->st.kind == ST_ROUTES)
			produce_loc(c);
		else if (c->st.kind == ST_RECEIVED)
			produce_received(c);
		else if (c->st.kind == ST_FIB)
			produce_fib(c);
		else if (!client_can_read(c) || !client_parse_one(c))
			break;
		if (client_pending(c) >= CTL_OUT_HIWAT)
			break;
	}
	if (client_flush(c) < 0 || (c->closing && client_pending(c) == 0)) {
		client_close(c);
		return;
	}
	/* Also while a stream has pages left: the flush may have emptied the
	 * buffer, and the next writable event produces the next pages. */
	if (client_pending(c) > 0 || c->st.kind != ST_NONE)
		ev_io_start(loop, &c->wio);
	else
		ev_io_stop(loop, &c->wio);
	if (client_can_read(c))
		ev_io_start(loop, &c->rio);
	else
		ev_io_stop(loop, &c->rio);
}

static int client_read(struct ctl_client *c)
{
	ssize_t n;

	if (c->incap - c->inlen < CTL_READ_CHUNK) {
		size_t cap = c->incap ? c->incap * 2 : 2 * CTL_READ_CHUNK;
		uint8_t *b;
		if (cap > 4 + CTL_MAX_MSG + CTL_READ_CHUNK)
			cap = 4 + CTL_MAX_MSG + CTL_READ_CHUNK;
		if (cap <= c->incap || !(b = realloc(c->in, cap)))
			return -1;
		c->in = b;
		c->incap = cap;
	}
	n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1; /* the client is gone */
	c->inlen += (size_t)n;
	return 0;
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	if (client_read(c) < 0) {
		client_close(c);
		return;
	}
	client_kick(c);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	client_kick(w->data);
}

/* Over the limit: tell the client why, without waiting for it. */
static void reject_client(int fd)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	size_t len;
	uint8_t *frame;

	r.error = "too many clients";
	frame = ctl_frame_pack(&r.base, &len);
	if (frame && send(fd, frame, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("ctl", "reject: %s", strerror(errno));
	free(frame);
	close(fd);
}

static void client_new(struct ctl_server *s, int fd)
{
	struct ctl_client *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	c->admin = client_admin(s, fd, &c->uid);
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	c->rio.data = c->wio.data = c;
	c->next = s->clients;
	s->clients = c;
	s->nclients++;
	ev_io_start(s->d->loop, &c->rio);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_server *s = w->data;
	int fd;

	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (s->nclients >= CTL_MAX_CLIENTS) {
			log_info("ctl", "client refused: %d clients already", CTL_MAX_CLIENTS);
			reject_client(fd);
			continue;
		}
		client_new(s, fd);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		log_warn("ctl", "accept on %s: %s", s->path, strerror(errno));
}

/* ---- the listening socket ------------------------------------------------------ */
/* mkdir -p of the socket's directory. */
static int make_parent_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
	return -1;
}

/* A socket file left behind is removed, unless a daemon still answers. */
static int remove_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "exists and is not a socket");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another closbgpd is listening on it");
		return -1;
	}
	if (unlink(sun->sun_path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* control/socket-group and socket-mode: who may connect at all. */
static int socket_access(struct ctl_server *s, char *err, size_t errlen)
{
	const struct bgp_config *cfg = s->d->cfg;
	mode_t mode = cfg && cfg->ctl_mode ? cfg->ctl_mode : 0600;

	if (cfg && cfg->ctl_group[0]) {
		const struct group *g = getgrnam(cfg->ctl_group);
		if (!g) {
			snprintf(err, errlen, "control/socket-group: no group '%s'", cfg->ctl_group);
			return -1;
		}
		if (chown(s->path, (uid_t)-1, g->gr_gid) < 0) {
			snprintf(err, errlen, "chown to group %s: %s", cfg->ctl_group,
				 strerror(errno));
			return -1;
		}
	}
	if (chmod(s->path, mode) < 0) {
		snprintf(err, errlen, "chmod %04o: %s", (unsigned)mode, strerror(errno));
		return -1;
	}
	/* Looked up per client (a reload may change it): only a warning here. */
	if (cfg && cfg->ctl_admin_group[0] && !getgrnam(cfg->ctl_admin_group))
		log_warn("ctl", "control/admin-group: no group '%s' (only root and our own "
			 "user may change the state)", cfg->ctl_admin_group);
	return 0;
}

static int listen_socket(struct ctl_server *s, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int rc;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->path);
	if (make_parent_dir(s->path, err, errlen) < 0 || remove_stale(&sun, err, errlen) < 0)
		return -1;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0177); /* created 0600, then opened as configured */
	rc = bind(s->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (socket_access(s, err, errlen) < 0)
		return -1;
	if (listen(s->fd, CTL_MAX_CLIENTS) < 0 || stat(s->path, &st) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

struct ctl_server *ctl_server_new(struct bgpd *d, const char *path, char *err, size_t errlen)
{
	struct ctl_server *s;

	if (strlen(path) >= sizeof(s->path) || !path[0]) {
		snprintf(err, errlen, "socket path empty or too long");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->d = d;
	s->fd = -1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (listen_socket(s, err, errlen) < 0) {
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	ev_io_init(&s->lio, accept_cb, s->fd, EV_READ);
	s->lio.data = s;
	ev_io_start(d->loop, &s->lio);
	log_info("ctl", "control socket %s", s->path);
	return s;
}

void ctl_server_free(struct ctl_server *s)
{
	struct stat st;

	if (!s)
		return;
	while (s->clients)
		client_close(s->clients);
	ev_io_stop(s->d->loop, &s->lio);
	close(s->fd);
	/* Only our own socket: a newer daemon may have replaced it. */
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s);
}

int ctl_server_chown(struct ctl_server *s, uid_t uid, char *err, size_t errlen)
{
	struct stat st;

	if (chown(s->path, uid, (gid_t)-1) < 0 || stat(s->path, &st) < 0) {
		snprintf(err, errlen, "control socket %s: chown: %s", s->path, strerror(errno));
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

size_t ctl_server_nclients(const struct ctl_server *s)
{
	return s ? s->nclients : 0;
}
