/* Routes through the daemon: what peers send goes into the Loc-RIB, which
 * is also their Adj-RIB-In (a path that loops or whose next hop is not
 * reachable is kept there, unusable: RFC 4271 9.1.2); configured
 * networks enter it as local paths; once per event-loop turn the changed
 * prefixes are programmed into the kernel (ECMP over the multipath set)
 * and exported to every established peer, in bounded slices so sessions
 * keep running while a big table is processed. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/bmp.h"
#include "bgpd/log.h"
#include "bgpd/session.h"
#include "rib/agg.h"

#define ROUTE_SLICE 20000	 /* Loc-RIB changes handled per loop turn */
#define ROUTE_POL_CACHE 16384	 /* policy results kept (pol_cache) */

/* ---- intake ------------------------------------------------------------ */

/* RFC 4271 9.1.2 / RFC 5065: a path carrying our AS or our confederation
 * identifier has looped and is not a candidate. */
static bool route_usable(const struct bgpd *d, const struct bgp_attrs *a)
{
	const struct bgp_config *cfg = d->cfg;

	if (aspath_contains(a->aspath, a->aspath_len, cfg->local_as))
		return false;
	if (cfg->confed_id && aspath_contains(a->aspath, a->aspath_len, cfg->confed_id))
		return false;
	return aspath_length(a->aspath, a->aspath_len) <= cfg->selection.max_aspath_len;
}

/* RFC 4271 9.1.2.1: a path whose NEXT_HOP cannot be resolved is not a
 * candidate. Sessions are single-hop, so the next hop must sit on a
 * connected network (an IPv6 link-local one is reached over the session's
 * link). Without the kernel FIB (-n) there is nothing to check against. */
static bool route_nexthop_ok(const struct bgpd *d, uint8_t family, const struct bgp_attrs *a)
{
	if (!d->fib)
		return true;
	if (family == AF_INET)
		return fib_addr_ifindex(d->fib, AF_INET, (const uint8_t *)&a->nexthop) != 0;
	if (a->nh6_has_ll || IN6_IS_ADDR_LINKLOCAL(&a->nh6))
		return true;
	return fib_addr_ifindex(d->fib, AF_INET6, a->nh6.s6_addr) != 0;
}

/* ---- import policy ------------------------------------------------------ */

static void route_env(const struct peer *p, bool import, struct pol_env *env)
{
	env->peer_as = p->cfg.remote_as;
	env->group = p->cfg.group_idx;
	env->import = import;
}

/* What the Loc-RIB keeps for in: the import result (a reference the
 * caller owns) and whether it was accepted. A rejected path is kept as
 * filtered (never a candidate), like BIRD's 'import keep filtered', so
 * 'show routes filtered' can show it and a new policy can accept it. */
struct rib_attrs *route_import(struct bgpd *d, const struct peer *p, const struct bgp_prefix *pfx,
			       struct rib_attrs *in, bool *accepted)
{
	struct pol_chain *c = p->cfg.import;
	struct rib_attrs *out = NULL;
	struct pol_verdict v;
	struct pol_env env;

	*accepted = true;
	if (!c && !d->cfg->policy->required)
		return rib_attrs_ref(in);
	if (c) {
		route_env(p, true, &env);
		if (pol_eval(d->pol_cache, d->cfg->policy, c, &env, pfx, in, &out, &v) < 0)
			return NULL;
		if (out)
			return out;
	}
	*accepted = false;
	return rib_attrs_intern_from(d->attr_cache, rib_attrs_get(in), in, RIB_ATTRS_FILTERED);
}

/* Keep the counts exact: what a change did to src's path of family v6,
 * by the flags of rib_loc_set/unset. accepted counts the paths import
 * policy accepted from this session: a stale path (kept from the session
 * before, RFC 4724 4.2) is not one of them, so a restarted peer that sends
 * its table again, even a different one, is held to its max-prefix limit
 * alone and the stale paths it replaces or leaves cost nothing against it
 * (they were within the limit, and go at End-of-RIB or stale-time). */
static void route_count(struct peer *p, bool v6, unsigned r, bool accepted_now, bool stale_now)
{
	bool old = r & (RIB_LOC_GONE | RIB_LOC_REPLACED);
	bool was = old && !(r & (RIB_LOC_OLD_FILTERED | RIB_LOC_OLD_STALE));
	bool was_stale = old && (r & RIB_LOC_OLD_STALE);

	if (r & RIB_LOC_SAME)
		return;
	if (r & RIB_LOC_GONE)
		accepted_now = stale_now = false; /* a withdraw, or no memory for the new path */
	p->accepted += (size_t)(accepted_now && !stale_now) - (size_t)was;
	p->gr.stale[v6] += (size_t)stale_now - (size_t)was_stale;
}

/* max-prefix (RFC 4486 4): true when the session must go. */
bool route_maxpfx(struct peer *p)
{
	const struct cfg_maxpfx *m = &p->cfg.maxpfx;
	uint64_t warn = (uint64_t)m->limit * m->warn_pct / 100;

	if (!m->limit)
		return false;
	if (p->accepted <= warn) {
		p->maxpfx_warned = p->maxpfx_over = false;
		return false;
	}
	if (!p->maxpfx_warned) {
		log_warn("route", "%s: %zu accepted prefixes, %u%% of the max-prefix limit %u",
			 peer_name(p), p->accepted, m->warn_pct, m->limit);
		p->maxpfx_warned = true;
	}
	if (p->accepted <= m->limit) {
		p->maxpfx_over = false;
		return false;
	}
	if (!p->maxpfx_over)
		log_warn("route", "%s: %zu accepted prefixes, over the max-prefix limit %u%s",
			 peer_name(p), p->accepted, m->limit,
			 m->restart ? "" : " (warning only)");
	p->maxpfx_over = true;
	return m->restart;
}

/* One family's NLRI of an UPDATE: import policy once per attribute set
 * (per prefix when the chain looks at prefixes), into the Loc-RIB. */
static void route_nlri(struct peer *p, const struct bgp_update *u, struct rib_attrs *ra,
		       bool usable, const bool nh_ok[2])
{
	struct bgpd *d = p->d;
	struct rib_attrs *cur[2] = { NULL, NULL };
	bool acc[2] = { false, false };
	bool per_prefix = p->cfg.import && (p->cfg.import->uses & POL_M_PREFIX);

	for (size_t i = 0; i < u->nnlri; i++) {
		const struct bgp_prefix *pfx = &u->nlri[i];
		bool v6 = pfx->family == AF_INET6;
		if (!cur[v6] || per_prefix) {
			rib_attrs_unref(cur[v6]);
			if (!(cur[v6] = route_import(d, p, pfx, ra, &acc[v6]))) {
				log_err("route", "%s: out of memory for import policy", peer_name(p));
				continue;
			}
		}
		unsigned r = rib_loc_set(d->loc, pfx, &p->src, cur[v6], acc[v6] && nh_ok[v6]);
		if (r & RIB_LOC_NEW)
			p->prefixes_in[v6]++;
		route_count(p, v6, r, acc[v6], false);
		if (r & RIB_LOC_SAME)
			continue; /* a duplicate */
		if (acc[v6] && usable && !nh_ok[v6]) {
			char a[64], b[INET6_ADDRSTRLEN];
			log_debug("route", "%s: %s: next hop %s is not on a connected network; "
				  "not used", peer_name(p), bgp_prefix_str(pfx, a, sizeof(a)),
				  inet_ntop(pfx->family, pfx->family == AF_INET
							 ? (const void *)&u->attrs.nexthop
							 : (const void *)&u->attrs.nh6, b, sizeof(b)));
		}
	}
	rib_attrs_unref(cur[0]);
	rib_attrs_unref(cur[1]);
}

bool route_peer_update(struct peer *p, const struct bgp_update *u)
{
	struct bgpd *d = p->d;
	bool usable = u->nnlri && route_usable(d, &u->attrs);
	bool nh_ok[2] = { usable && route_nexthop_ok(d, AF_INET, &u->attrs),
			  usable && route_nexthop_ok(d, AF_INET6, &u->attrs) };

	for (size_t i = 0; i < u->nwithdrawn; i++) {
		const struct bgp_prefix *pfx = &u->withdrawn[i];
		unsigned r = rib_loc_unset(d->loc, pfx, &p->src);
		if (r & RIB_LOC_GONE)
			p->prefixes_in[pfx->family == AF_INET6]--;
		route_count(p, pfx->family == AF_INET6, r, false, false);
	}
	if (u->nnlri) {
		/* One intern per UPDATE: every NLRI shares the attribute set. */
		struct rib_attrs *ra = rib_attrs_intern(d->attr_cache, &u->attrs);
		if (!ra) {
			log_err("route", "%s: out of memory for attributes", peer_name(p));
			return false;
		}
		route_nlri(p, u, ra, usable, nh_ok);
		rib_attrs_unref(ra);
	}
	return route_maxpfx(p);
}


/* ---- a new import policy (SIGHUP) ---------------------------------------- */

struct reimport_ctx {
	struct bgpd *d;
	size_t paths, changed;
};

/* Re-run the import policy of one stored path from what the peer sent
 * (rib_attrs_origin): the same as if the peer had sent it again. */
static void reimport_path(struct reimport_ctx *c, struct rib_entry *e, const struct rib_src *src)
{
	struct peer *p = src->owner;
	struct bgp_prefix pfx;
	unsigned idx;
	bool acc;
	const struct rib_path *path = rib_loc_path_of(e, src, &idx);
	struct rib_attrs *in = rib_attrs_origin(path->attrs), *ra;
	const struct bgp_attrs *a = rib_attrs_get(in);
	/* A stale path stays stale: only the peer sending it again refreshes it. */
	bool stale = rib_attrs_flags(path->attrs) & RIB_ATTRS_STALE;
	bool was_filtered = rib_attrs_flags(path->attrs) & RIB_ATTRS_FILTERED;
	const struct rib_attrs *before = path->attrs;

	rib_entry_prefix(e, &pfx);
	if (!(ra = route_import(c->d, p, &pfx, in, &acc))) {
		log_err("route", "%s: out of memory for import policy", peer_name(p));
		return;
	}
	if (stale) {
		struct rib_attrs *sa = rib_attrs_with_flags(ra, RIB_ATTRS_STALE, 0);
		rib_attrs_unref(ra);
		if (!(ra = sa)) {
			log_err("route", "%s: out of memory for import policy", peer_name(p));
			return;
		}
	}
	bool usable = acc && route_usable(c->d, a) && route_nexthop_ok(c->d, pfx.family, a);
	/* Attributes are interned: the same pointer, the same post-policy path
	 * (before is not used once set_entry may have released it). */
	bool new_attrs = ra != before;
	unsigned r = rib_loc_set_entry(c->d->loc, e, src, ra, usable);
	if (c->d->bmp && r && new_attrs)
		bmp_route_reimported(p, &pfx, was_filtered, ra);
	rib_attrs_unref(ra);
	route_count(p, pfx.family == AF_INET6, r, acc, stale);
	c->paths++;
	c->changed += !(r & RIB_LOC_SAME);
}

static int reimport_entry(const struct rib_entry *ce, void *arg)
{
	/* The walk hands out const entries; changing paths in place is what
	 * rib_loc_set_entry allows during a walk. */
	struct rib_entry *e = (struct rib_entry *)ce;
	const struct rib_src *stack[64], **todo = stack;
	size_t n = 0;

	if (e->npaths > sizeof(stack) / sizeof(stack[0]) &&
	    !(todo = malloc(e->npaths * sizeof(*todo))))
		return 0; /* out of memory: this prefix keeps the old result */
	/* Collected first: a replaced path moves in the list. */
	for (const struct rib_path *path = rib_entry_paths(e); path; path = path->next) {
		const struct peer *p = path->src->owner;
		if (p && p->reimport)
			todo[n++] = path->src;
	}
	for (size_t i = 0; i < n; i++)
		reimport_path(arg, e, todo[i]);
	if (todo != stack)
		free(todo);
	return 0;
}

size_t route_reimport(struct bgpd *d)
{
	struct reimport_ctx c = { .d = d };
	size_t npeers = 0;

	for (struct peer *p = d->peers; p; p = p->next)
		npeers += p->reimport;
	if (npeers)
		rib_loc_walk(d->loc, 0, reimport_entry, &c);
	for (struct peer *p = d->peers; p; p = p->next)
		p->reimport = false;
	if (d->bmp)
		bmp_reimport_done(d);
	if (npeers)
		log_info("route", "import policy: %zu paths of %zu peers re-evaluated, %zu changed",
			 c.paths, npeers, c.changed);
	return c.changed;
}

/* ---- origination ------------------------------------------------------- */

struct unlisted_ctx {
	const struct bgpd *d;
	bool (*listed)(const struct bgpd *d, const struct bgp_prefix *p);
	struct bgp_prefix *v;
	size_t n, cap;
};

static int collect_unlisted(const struct bgp_prefix *pfx, const struct rib_attrs *ra, void *arg)
{
	struct unlisted_ctx *u = arg;

	if (u->listed(u->d, pfx))
		return 0;
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		struct bgp_prefix *v = realloc(u->v, cap * sizeof(*v));
		if (!v)
			return 1;
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n++] = *pfx;
	return 0;
}

size_t route_unlisted(const struct bgpd *d, const struct rib_adj *adj,
		      bool (*listed)(const struct bgpd *d, const struct bgp_prefix *p),
		      struct bgp_prefix **v)
{
	struct unlisted_ctx u = { .d = d, .listed = listed };

	rib_adj_walk(adj, 0, collect_unlisted, &u);
	*v = u.v;
	return u.n;
}

static bool network_listed(const struct bgpd *d, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < d->cfg->nnetworks; i++)
		if (bgp_prefix_cmp(&d->cfg->networks[i].prefix, p) == 0)
			return true;
	return false;
}

void route_network_attrs(const struct cfg_network *n, struct bgp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	a->origin = BGP_ORIGIN_IGP;
	if (n->ncommunities) {
		a->communities = n->communities;
		a->ncommunities = (uint16_t)n->ncommunities;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	}
	if (n->nlarge) {
		a->large = n->large;
		a->nlarge = (uint16_t)n->nlarge;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	}
}

void route_originate(struct bgpd *d)
{
	const struct bgp_config *cfg = d->cfg;
	struct bgp_prefix *gone;
	size_t ngone;

	for (size_t i = 0; i < cfg->nnetworks; i++) {
		const struct cfg_network *n = &cfg->networks[i];
		struct bgp_attrs a;
		route_network_attrs(n, &a);
		if (rib_adj_update(d->originated, &n->prefix, &a))
			rib_loc_update(d->loc, &n->prefix, &d->local_src,
				       (struct rib_attrs *)rib_adj_get(d->originated, &n->prefix));
	}
	ngone = route_unlisted(d, d->originated, network_listed, &gone);
	for (size_t i = 0; i < ngone; i++) {
		rib_adj_withdraw(d->originated, &gone[i]);
		rib_loc_withdraw(d->loc, &gone[i], &d->local_src);
	}
	free(gone);
	if (route_agg_configure(d) < 0)
		log_err("route", "out of memory for aggregates");
}

/* ---- output: FIB and peers --------------------------------------------- */

/* A path's next hop for the kernel; false for one of our own. */
static bool route_nh(const struct rib_entry *e, const struct rib_path *path, struct fib_nh *nh)
{
	const struct bgp_attrs *a = rib_attrs_get(path->attrs);
	const struct peer *src = path->src->owner;

	if (path->src->kind == RIB_SRC_LOCAL)
		return false; /* our own networks are not installed */
	memset(nh, 0, sizeof(*nh));
	nh->family = rib_entry_family(e);
	if (nh->family == AF_INET) {
		memcpy(nh->addr, &a->nexthop, 4);
	} else {
		const struct in6_addr *g = a->nh6_has_ll ? &a->nh6_ll : &a->nh6;
		memcpy(nh->addr, g, 16);
		if (IN6_IS_ADDR_LINKLOCAL(g))
			nh->ifindex = src->ifindex;
	}
	return true;
}

/* The backup set (rib_loc_nbackup), from p, its first path. The FIB keeps
 * it in the kernel as a standby route one metric behind (fib_route_set_backup):
 * when links take the whole ECMP set down, the kernel forwards on it from
 * the link event on, and the RIB's recomputation finds it done. */
static size_t route_backup(struct bgpd *d, const struct rib_entry *e, const struct rib_path *p,
			   struct fib_nh *bk, size_t max)
{
	uint16_t nb = rib_loc_nbackup(d->loc, e);
	size_t n = 0;

	for (uint16_t i = 0; p && i < nb && n < max; i++, p = p->next)
		if (route_nh(e, p, &bk[n]))
			n++;
	return n;
}

/* FIB acknowledgement (the paper's agent): a path is advertised only once
 * the kernel has its route. Export skips an entry whose route is pending
 * (the group keeps what it sent before: the old path stays advertised) or
 * was refused (never advertised). The kernel's acknowledgement
 * (fib_route_done: within the loop turn's FIB flush, which is synchronous,
 * or at once for a route the kernel already has) queues the entry here,
 * pinned, and it goes to export after the flush. No batching delay. */
void route_ack_push(struct bgpd *d, struct rib_entry *e)
{
	if (!rib_entry_queue_push(&d->ackq, e)) {
		log_err("route", "out of memory for the FIB acknowledgement queue");
		return;
	}
	rib_loc_pin(e);
	ev_idle_start(d->loop, &d->route_idle); /* exported on the next turn at the latest */
}

static void route_ack_export(struct bgpd *d)
{
	while (d->ackq.n) {
		struct rib_entry *e = rib_entry_queue_pop(&d->ackq);
		export_entry(d, e);
		rib_loc_unpin(d->loc, e);
	}
}

static void route_fib(struct bgpd *d, struct rib_entry *e)
{
	struct fib_nh nh[64], bk[64];
	size_t n = 0, nb = 0;
	const struct rib_path *path = rib_entry_paths(e);
	struct bgp_prefix pfx;
	int rc;
	uint16_t i;

	rib_entry_prefix(e, &pfx);
	if (path && e->nmulti && path->src == &d->agg_src) {
		e->fib = RIB_FIB_PENDING;
		if (fib_route_blackhole(d->fib, &pfx) < 0)
			e->fib = RIB_FIB_FAILED;
		return;
	}
	for (i = 0; path && i < e->nmulti && n < 64; i++, path = path->next) {
		if (!route_nh(e, path, &nh[n]))
			break; /* one of ours is best: nothing installed */
		n++;
	}
	if (n && path && i == e->nmulti)
		nb = route_backup(d, e, path, bk, 64);
	e->fib = n ? RIB_FIB_PENDING : RIB_FIB_NONE;
	rc = fib_route_set_backup(d->fib, &pfx, nh, n, bk, nb);
	if (rc < 0) {
		e->fib = RIB_FIB_FAILED;
		char buf[64];
		log_warn("route", "%s: no next hop on a connected network; not installed",
			 bgp_prefix_str(&pfx, buf, sizeof(buf)));
	}
}

/* While we restart (our kernel routes adopted, not swept yet), route
 * selection is deferred (RFC 4724 4.1): the kernel keeps what it had and
 * peers get our table, until End-of-RIB from every peer or the
 * end-of-rib-wait (route_sweep). */
bool route_deferring(const struct bgpd *d)
{
	return d->restarting && d->fib && !d->fib_swept;
}

static void route_changed(struct rib_entry *e, void *arg)
{
	struct bgpd *d = arg;
	size_t acked = d->ackq.n;

	if (d->fib && !route_deferring(d))
		route_fib(d, e);
	rib_agg_entry(d->agg, e);
	/* A pending route goes to export on its acknowledgement
	 * (route_ack_push), as does one the kernel already had: route_fib's
	 * fib_route_set acknowledged it at once and queued it. */
	if (d->ackq.n != acked)
		return;
	if (!(d->fib && d->cfg->fib_ack && e->fib == RIB_FIB_PENDING))
		export_entry(d, e);
}

static void route_prep_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct bgpd *d = w->data;

	rib_loc_drain(d->loc, ROUTE_SLICE, route_changed, d);
	route_agg_apply(d); /* aggregates in or out: queued for the next turn */
	if (d->fib)
		fib_flush(d->fib); /* the kernel first: its answers gate export */
	route_ack_export(d);
	export_flush_all(d);
	if (d->dev.state != d->dev.target)
		state_poll(d); /* an undrain waits for the kernel */
	/* More left: do not block in the next loop turn. */
	if (rib_loc_pending(d->loc))
		ev_idle_start(loop, &d->route_idle);
	else
		ev_idle_stop(loop, &d->route_idle);
}

static void route_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	/* Nothing: its only job is to make the loop turn (and prepare run). */
}

void route_peer_up(struct peer *p)
{
	struct bgpd *d = p->d;
	const struct cfg_peer *c = &p->cfg;

	/* Before the source changes: stale paths are sorted by the old one. */
	route_gr_up(p);
	route_gr_check_peer(p);
	p->src.kind = p->ebgp ? RIB_SRC_EBGP : p->confed_member ? RIB_SRC_CONFED : RIB_SRC_IBGP;
	p->src.peer_as = c->remote_as;
	p->src.router_id = p->remote_id;
	p->src.owner = p;
	p->src.family = (uint8_t)c->addr.ss_family;
	memset(p->src.addr, 0, sizeof(p->src.addr));
	memcpy(p->src.addr, sockaddr_addr(&c->addr), sockaddr_addr_len(&c->addr));
	p->ifindex = 0;
	if (d->fib)
		p->ifindex = fib_local_ifindex(d->fib, (uint8_t)p->local_addr.ss_family,
					       sockaddr_addr(&p->local_addr));
	if (!p->ifindex && c->interface[0])
		p->ifindex = if_nametoindex(c->interface);
	/* The whole table through its update group; the queue drains as the
	 * socket allows, then End-of-RIB (RFC 4724 2). While we restart
	 * (kernel routes adopted, not swept yet) selection is deferred (RFC
	 * 4724 4.1): an End-of-RIB now would follow a partial table, and a
	 * helper would drop the stale paths it did not contain. */
	if (route_deferring(d)) {
		p->join_deferred = true;
		log_info("route", "%s: our table and End-of-RIB wait for the end of our restart",
			 peer_name(p));
		return;
	}
	if (state_startup_waiting(d)) {
		p->join_deferred = true;
		export_eor_now(p);
		log_info("route", "%s: End-of-RIB alone; our table waits for the initial table",
			 peer_name(p));
		state_startup_check(d);
		return;
	}
	export_join(p);
}

/* ---- restart: stale kernel routes -------------------------------------- */

static int route_fib_one(const struct rib_entry *ce, void *arg)
{
	/* The walk hands out const entries; route_fib records the FIB state. */
	route_fib(arg, (struct rib_entry *)ce);
	return 0;
}

static void route_sweep(struct bgpd *d, const char *why)
{
	if (d->fib_swept || !d->fib)
		return;
	d->fib_swept = true;
	ev_timer_stop(d->loop, &d->sweep_timer);
	/* What the Loc-RIB decided meanwhile: pending changes, then every
	 * prefix into the kernel (deferred while restarting; routes that are
	 * already right there are claimed without a message). */
	while (rib_loc_pending(d->loc))
		rib_loc_drain(d->loc, ROUTE_SLICE, route_changed, d);
	if (d->restarting)
		rib_loc_walk(d->loc, 0, route_fib_one, d);
	log_info("route", "initial convergence done (%s); removing stale kernel routes", why);
	fib_sweep_stale(d->fib);
	state_startup_end(d, why); /* the deferred peers get our table */
}

static void sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	route_sweep(w->data, "end-of-RIB wait expired");
}

void route_peer_eor(struct peer *p, uint16_t afi)
{
	struct bgpd *d = p->d;

	route_gr_eor(p, afi);
	state_startup_check(d);

	for (struct peer *q = d->peers; q; q = q->next) {
		if (q->cfg.shutdown)
			continue;
		if (q->state != FSM_ESTABLISHED)
			return;
		if ((q->codec.ipv4 && !q->eor_received_v4) || (q->codec.ipv6 && !q->eor_received_v6))
			return;
	}
	route_sweep(d, "End-of-RIB from every peer");
}

/* ---- set-up ------------------------------------------------------------ */

/* Peers of this family whose address is on the network of ifindex (or
 * whose link-local session runs over it). */
static void route_nudge(struct bgpd *d, uint32_t ifindex, uint8_t family, const char *why)
{
	for (struct peer *p = d->peers; p; p = p->next) {
		if (p->cfg.addr.ss_family != family)
			continue;
		bool on_link = fib_addr_ifindex(d->fib, family, sockaddr_addr(&p->cfg.addr)) == ifindex ||
			       (p->cfg.interface[0] && if_nametoindex(p->cfg.interface) == ifindex);
		if (on_link)
			peer_connect_now(p, why);
	}
}

static void fib_link_change(void *arg, uint32_t ifindex, bool up)
{
	struct bgpd *d = arg;

	if (up) {
		/* IPv4 addresses stay through a link flap; IPv6 ones redo
		 * duplicate address detection and are reported by addr_add. */
		route_nudge(d, ifindex, AF_INET, "link up");
		return;
	}
	for (struct peer *p = d->peers; p; p = p->next) {
		if (p->ifindex != ifindex)
			continue;
		if (p->conn)
			peer_link_lost(p, "link down");
		/* Restarting over this link: its forwarding state is gone
		 * (RFC 4724 4.2: "monitoring layer two information"). */
		route_gr_end(p, "link down");
	}
}

/* The FIB acknowledges a route: the RIB records it. With FIB
 * acknowledgement a route programmed now (later than its change: a retry
 * that succeeded, a re-add after a link event) goes to export. */
static void fib_route_done(void *arg, const struct bgp_prefix *p, int err)
{
	struct bgpd *d = arg;
	enum rib_fib_state old = RIB_FIB_NONE;
	struct rib_entry *e = rib_loc_set_fib(d->loc, p, err ? RIB_FIB_FAILED : RIB_FIB_INSTALLED,
					      &old);

	if (e && !err && old != RIB_FIB_INSTALLED && d->cfg->fib_ack)
		route_ack_push(d, e);
}

static void fib_addr_del(void *arg, uint32_t ifindex, uint8_t family, const uint8_t *addr)
{
	struct bgpd *d = arg;

	for (struct peer *p = d->peers; p; p = p->next) {
		const struct sockaddr_storage *la = &p->local_addr;
		if (la->ss_family != family || memcmp(sockaddr_addr(la), addr, sockaddr_addr_len(la)))
			continue;
		if (p->conn)
			peer_link_lost(p, "local address removed");
		route_gr_end(p, "local address removed");
	}
}

static void fib_addr_add(void *arg, uint32_t ifindex, uint8_t family, const uint8_t *addr)
{
	route_nudge(arg, ifindex, family, "local address usable");
}

void route_selection_cfg(const struct bgp_config *cfg, struct rib_decide_cfg *dc)
{
	dc->max_paths = cfg->selection.max_paths;
	dc->multipath_relax = cfg->selection.multipath_relax;
	dc->always_compare_med = cfg->selection.always_compare_med;
	dc->count_confed = cfg->selection.count_confed;
}

int route_init(struct bgpd *d, char *err, size_t errlen)
{
	struct rib_decide_cfg dc;
	struct fib_ops ops = { .link_change = fib_link_change, .addr_del = fib_addr_del,
			       .addr_add = fib_addr_add,
			       .route_done = fib_route_done, .arg = d };

	route_selection_cfg(d->cfg, &dc);
	d->loc = rib_loc_new(&dc);
	d->originated = rib_adj_new(d->attr_cache);
	d->aggregated = rib_adj_new(d->attr_cache);
	d->agg = rib_agg_new();
	/* CLOSBGPD_POLICY_CACHE=0: no result cache (tests/bench --policy). */
	const char *pce = getenv("CLOSBGPD_POLICY_CACHE");
	d->pol_cache = pol_cache_new(d->attr_cache,
				     pce && !strcmp(pce, "0") ? 0 : ROUTE_POL_CACHE);
	if (!d->loc || !d->originated || !d->aggregated || !d->agg || !d->pol_cache) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->local_src.kind = RIB_SRC_LOCAL;
	d->local_src.router_id = ntohl(d->cfg->router_id.s_addr);
	d->agg_src = d->local_src;
	if (!d->no_fib) {
		struct fib_stats st;
		d->fib = fib_new(d->loop, &ops, err, errlen);
		if (!d->fib)
			return -1;
		fib_get_stats(d->fib, &st);
		d->restarting = st.routes_stale > 0;
		ev_timer_init(&d->sweep_timer, sweep_cb, d->cfg->selection.eor_wait, 0.);
		d->sweep_timer.data = d;
		ev_timer_start(d->loop, &d->sweep_timer);
	}
	ev_prepare_init(&d->route_prep, route_prep_cb);
	d->route_prep.data = d;
	ev_prepare_start(d->loop, &d->route_prep);
	ev_idle_init(&d->route_idle, route_idle_cb);
	route_originate(d);
	route_gr_check_config(d);
	return 0;
}

void route_free(struct bgpd *d)
{
	if (d->loop) {
		ev_prepare_stop(d->loop, &d->route_prep);
		ev_idle_stop(d->loop, &d->route_idle);
		ev_timer_stop(d->loop, &d->sweep_timer);
	}
	while (d->ackq.n)
		rib_loc_unpin(d->loc, rib_entry_queue_pop(&d->ackq));
	free(d->ackq.v);
	memset(&d->ackq, 0, sizeof(d->ackq));
	/* Routes stay in the kernel: a restarted daemon adopts them. */
	fib_free(d->fib, false);
	d->fib = NULL;
	export_free(d);
	rib_loc_free(d->loc);
	d->loc = NULL;
	rib_adj_free(d->originated);
	d->originated = NULL;
	rib_adj_free(d->aggregated);
	d->aggregated = NULL;
	rib_agg_free(d->agg);
	d->agg = NULL;
	pol_cache_free(d->pol_cache);
	d->pol_cache = NULL;
}
