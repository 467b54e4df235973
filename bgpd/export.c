/* Export of Loc-RIB best paths to peers, by update group. Peers whose
 * outbound attributes can only differ in the next hop (same relationship,
 * neighbour AS and negotiated capabilities) share one group: one set of
 * outbound attributes per path (RFC 4271 5.1, RFC 5065 5.1: AS_PATH prepend
 * or confederation segments, next-hop-self, LOCAL_PREF and MED scope), one
 * Adj-RIB-Out that suppresses duplicates, and one encoding of every packed
 * UPDATE; each member gets a copy with its own address patched in as the
 * next hop. Sending stops while a member's socket is over its mark
 * (backpressure) and resumes when it drains. */
#include <stdlib.h>
#include <string.h>

#include "bgpd/log.h"
#include "bgpd/session.h"

#define EXPORT_CHUNK 2048 /* prefixes encoded per round (about two UPDATEs) */

static bool eq_push(struct rib_entry_queue *q, struct rib_entry *e)
{
	if (!rib_entry_queue_push(q, e))
		return false;
	rib_loc_pin(e);
	return true;
}

static void eq_free(struct bgpd *d, struct rib_entry_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		rib_loc_unpin(d->loc, q->v[q->head + i]);
	free(q->v);
	memset(q, 0, sizeof(*q));
}

/* ---- groups ------------------------------------------------------------ */

static void export_key_of(const struct peer *p, struct export_key *k)
{
	memset(k, 0, sizeof(*k));
	k->remote_as = p->cfg.remote_as;
	k->kind = (uint8_t)p->src.kind; /* classified by route_peer_up */
	k->nh_family = (uint8_t)p->local_addr.ss_family;
	k->as4 = p->codec.as4;
	k->ipv4 = p->codec.ipv4;
	k->ipv6 = p->codec.ipv6;
	/* The device state picks the chain; outside LIVE with the drain signal. */
	k->drain = p->d->dev.state != DEV_LIVE;
	k->chain = p->d->dev.state == DEV_LIVE	 ? p->cfg.export
		   : p->d->dev.state == DEV_WARM ? p->cfg.export_warm
						 : p->cfg.export_drained;
	k->group = k->chain && (k->chain->uses & POL_M_GROUP) ? p->cfg.group_idx : -1;
}

static bool export_key_eq(const struct export_key *a, const struct export_key *b)
{
	return a->remote_as == b->remote_as && a->kind == b->kind &&
	       a->nh_family == b->nh_family && a->as4 == b->as4 && a->ipv4 == b->ipv4 &&
	       a->ipv6 == b->ipv6 && a->chain == b->chain && a->group == b->group &&
	       a->drain == b->drain;
}

static void group_memo_clear(struct export_group *g)
{
	if (g->xmemo.in)
		rib_attrs_unref(g->xmemo.in);
	if (g->xmemo.out)
		rib_attrs_unref(g->xmemo.out);
	memset(&g->xmemo, 0, sizeof(g->xmemo));
}

static void group_free(struct export_group *g)
{
	struct export_group **pp = &g->d->groups;

	while (*pp && *pp != g)
		pp = &(*pp)->next;
	if (*pp)
		*pp = g->next;
	group_memo_clear(g);
	/* Pairs first: an entry the queue held is freed when unpinned. */
	rib_loc_out_clear(g->d->loc, g->out_id);
	eq_free(g->d, &g->outq);
	free(g->members);
	free(g);
}

/* The smallest out id no group uses (there are few groups). */
static int group_out_id(const struct bgpd *d, uint16_t *id)
{
	for (uint32_t i = 0; i < RIB_OUT_NONE; i++) {
		const struct export_group *g = d->groups;
		while (g && g->out_id != i)
			g = g->next;
		if (!g) {
			*id = (uint16_t)i;
			return 0;
		}
	}
	return -1;
}

static struct export_group *group_get(struct bgpd *d, const struct peer *p, bool *created)
{
	struct export_key k;
	struct export_group *g;

	export_key_of(p, &k);
	*created = false;
	for (g = d->groups; g; g = g->next)
		if (export_key_eq(&g->key, &k))
			return g;
	g = calloc(1, sizeof(*g));
	if (!g || group_out_id(d, &g->out_id) < 0) {
		free(g);
		return NULL;
	}
	g->d = d;
	g->key = k;
	g->codec = p->codec;
	g->id = ++d->next_group_id;
	g->next = d->groups;
	d->groups = g;
	*created = true;
	return g;
}

/* ---- outbound attributes ------------------------------------------------ */

/* May this path go to this group at all? */
static bool export_allowed(const struct export_group *g, const struct rib_path *best)
{
	const struct rib_src *s = best->src;

	if (s->owner && ((const struct peer *)s->owner)->xg == g)
		return false; /* never back to the peer it came from */
	/* RFC 4271 9.2: iBGP-learned routes are not sent to iBGP peers. */
	if (s->kind == RIB_SRC_IBGP && g->key.kind == RIB_SRC_IBGP)
		return false;
	return true;
}

/* WARM and DRAINED (bgpd/state.c): paths go out less preferred, so that
 * neighbours with another path move their traffic there. Towards eBGP our
 * AS (or confederation identifier) goes in front prepend more times;
 * inside, LOCAL_PREF is the configured low value; and everywhere the
 * GRACEFUL_SHUTDOWN community (RFC 8326 4) asks the neighbour to lower
 * the path's preference itself. comm has room for one more community than
 * the path carries. */
static bool export_drain_signal(const struct export_group *g, struct bgp_attrs *out,
				uint8_t *aspath_buf, size_t bufsize, size_t *len, uint32_t *comm)
{
	const struct cfg_devstate *ds = &g->d->cfg->dev;
	uint8_t tmp[BGP_MAX_MSG];
	uint16_t i;

	if (g->key.kind == RIB_SRC_EBGP) {
		uint32_t as = g->d->cfg->confed_id ? g->d->cfg->confed_id : g->d->cfg->local_as;
		for (unsigned k = 0; k < ds->prepend; k++) {
			if (*len > sizeof(tmp))
				return false;
			memcpy(tmp, aspath_buf, *len);
			*len = aspath_prepend(aspath_buf, bufsize, tmp, *len, AS_SEQUENCE, as);
			if (*len == 0 || *len > bufsize)
				return false;
		}
	} else {
		out->local_pref = ds->local_pref;
	}
	if (!ds->gshut)
		return true;
	for (i = 0; i < out->ncommunities; i++)
		if (out->communities[i] == BGP_COMM_GRACEFUL_SHUTDOWN)
			return true;
	if (out->ncommunities >= BGP_MAX_MSG / 4)
		return false;
	if (out->ncommunities) /* (a NULL list when there is none) */
		memcpy(comm, out->communities, out->ncommunities * sizeof(*comm));
	comm[out->ncommunities] = BGP_COMM_GRACEFUL_SHUTDOWN;
	out->communities = comm;
	out->ncommunities++;
	out->seen |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	return true;
}

/* Build the attributes as sent to the group; the next hop is left 0 and
 * patched per member. aspath_buf holds the new AS_PATH. NULL-equivalent
 * (false) when the path cannot or need not go: the receiving AS is in it. */
static bool export_attrs(const struct export_group *g, const struct rib_path *best,
			 const struct bgp_attrs *in, uint8_t family, struct bgp_attrs *out,
			 uint8_t *aspath_buf, size_t bufsize, uint32_t *comm)
{
	const struct bgp_config *cfg = g->d->cfg;
	uint8_t tmp[BGP_MAX_MSG];
	size_t len = in->aspath_len;

	if (family == AF_INET ? !g->key.ipv4 : !g->key.ipv6)
		return false;
	if (g->key.nh_family != family)
		return false; /* no next hop of that family on these sessions */
	/* Sender-side loop avoidance: the neighbour AS would drop it (RFC
	 * 4271 9.1.2; RFC 5065 for member ASes in confederation segments). */
	if (g->key.kind != RIB_SRC_IBGP && aspath_contains(in->aspath, in->aspath_len,
							      g->key.remote_as))
		return false;
	*out = *in;
	out->seen &= ~(BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_MP_REACH) |
		       BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF));
	memset(&out->nexthop, 0, sizeof(out->nexthop));
	memset(&out->nh6, 0, sizeof(out->nh6));
	out->nh6_has_ll = false;
	out->seen |= BGP_ATTR_BIT(family == AF_INET ? BGP_ATTR_NEXT_HOP : BGP_ATTR_MP_REACH);
	if (g->key.kind == RIB_SRC_EBGP) {
		/* RFC 5065 5.1: confederation segments never leave it; then our
		 * AS (or the confederation identifier) goes in front. */
		len = aspath_strip_confed(tmp, sizeof(tmp), in->aspath, in->aspath_len);
		len = aspath_prepend(aspath_buf, bufsize, tmp, len, AS_SEQUENCE,
				     cfg->confed_id ? cfg->confed_id : cfg->local_as);
		/* RFC 4271 5.1.4: a MED learned from a neighbouring AS stays here. */
		if (best->src->kind != RIB_SRC_LOCAL)
			out->seen &= ~BGP_ATTR_BIT(BGP_ATTR_MED);
	} else {
		if (g->key.kind == RIB_SRC_CONFED)
			len = aspath_prepend(aspath_buf, bufsize, in->aspath, in->aspath_len,
					     AS_CONFED_SEQUENCE, cfg->local_as);
		else if (len <= bufsize)
			memcpy(aspath_buf, in->aspath, len);
		/* RFC 4271 5.1.5: LOCAL_PREF inside the AS/confederation. */
		out->local_pref = (in->seen & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF)) ? in->local_pref : 100;
		out->seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	}
	if ((len == 0 && in->aspath_len) || len > bufsize)
		return false;
	if (g->key.drain && !export_drain_signal(g, out, aspath_buf, bufsize, &len, comm))
		return false;
	out->aspath = aspath_buf;
	out->aspath_len = (uint16_t)len;
	out->seen |= BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	return true;
}

/* Export policy on best's attributes: the result (a reference the caller
 * owns), or NULL when the policy rejects the path or memory ran out. */
static struct rib_attrs *export_policy(struct export_group *g, const struct rib_path *best,
				       const struct bgp_prefix *pfx)
{
	struct bgpd *d = g->d;
	struct pol_env env = { .peer_as = g->key.remote_as, .group = g->key.group };
	struct rib_attrs *res = NULL;
	struct pol_verdict v;

	if (!g->key.chain)
		return d->cfg->policy->required ? NULL : rib_attrs_ref(best->attrs);
	if (pol_eval(d->pol_cache, d->cfg->policy, g->key.chain, &env, pfx, best->attrs, &res,
		     &v) < 0)
		log_err("export", "update group %u: out of memory for export policy", g->id);
	return res;
}

/* The interned outbound attributes of best for g, or NULL if it does not
 * go. Consecutive prefixes mostly share their attributes (one UPDATE's
 * worth), so the last answer is remembered: no rebuild, no re-intern
 * (unless the export policy looks at prefixes). */
static struct rib_attrs *export_out(struct export_group *g, const struct rib_path *best,
				    const struct bgp_prefix *pfx)
{
	uint8_t aspath[BGP_MAX_MSG], family = pfx->family;
	uint32_t comm[BGP_MAX_MSG / 4 + 1];
	struct bgp_attrs out;
	struct rib_attrs *ra = NULL, *pol;
	bool memo = !g->key.chain || !(g->key.chain->uses & POL_M_PREFIX);

	if (memo && g->xmemo.in == best->attrs && g->xmemo.family == family &&
	    g->xmemo.kind == best->src->kind)
		return g->xmemo.out;
	pol = export_policy(g, best, pfx);
	if (pol && export_attrs(g, best, rib_attrs_get(pol), family, &out, aspath,
				sizeof(aspath), comm)) {
		ra = rib_attrs_intern(g->d->attr_cache, &out);
		if (!ra) {
			rib_attrs_unref(pol);
			return NULL;
		}
	}
	rib_attrs_unref(pol);
	group_memo_clear(g);
	g->xmemo.in = rib_attrs_ref(best->attrs);
	g->xmemo.out = ra; /* the intern reference (NULL: not sent) */
	g->xmemo.family = family;
	g->xmemo.kind = (uint8_t)best->src->kind;
	return ra;
}

/* Which path the group is sent: the best, or, when the best came from one
 * of its members or carries its AS (it would be a loop there), the first
 * other member of the ECMP set that does not — the set is equal in every
 * rule, and this is what lets a rack switch pass the fabric's backup
 * paths up to the FSW its own best path goes through. NULL: none. */
static const struct rib_path *export_pick(const struct export_group *g, const struct rib_entry *e)
{
	const struct rib_path *p = rib_entry_paths(e);

	if (e->nmulti <= 1)
		return e->nmulti && export_allowed(g, p) ? p : NULL;
	for (uint16_t i = 0; p && i < e->nmulti; i++, p = p->next) {
		const struct bgp_attrs *a = rib_attrs_get(p->attrs);
		if (!export_allowed(g, p))
			continue;
		if (g->key.kind != RIB_SRC_IBGP &&
		    aspath_contains(a->aspath, a->aspath_len, g->key.remote_as))
			continue;
		return p;
	}
	return NULL;
}

static void group_entry(struct export_group *g, struct rib_entry *e)
{
	const struct rib_path *best;
	struct rib_attrs *out = NULL;

	/* FIB acknowledgement: pending, it goes out when the kernel answers
	 * (route.c, route_ack_push); refused, never. What was sent stays. */
	if (g->d->fib && g->d->cfg->fib_ack &&
	    (e->fib == RIB_FIB_PENDING || e->fib == RIB_FIB_FAILED))
		return;
	best = export_pick(g, e);

	if (best) {
		struct bgp_prefix pfx;
		rib_entry_prefix(e, &pfx);
		out = export_out(g, best, &pfx);
	}
	switch (rib_loc_out_set(g->d->loc, e, g->out_id, out)) {
	case RIB_OUT_SAME:
		return;
	case RIB_OUT_ADDED:
		g->nout++;
		break;
	case RIB_OUT_REMOVED:
		g->nout--;
		break;
	case RIB_OUT_REPLACED:
		break;
	default:
		log_err("export", "update group %u: out of memory for its Adj-RIB-Out", g->id);
		return;
	}
	if (!eq_push(&g->outq, e))
		log_err("export", "update group %u: out of memory for its queue", g->id);
}

void export_entry(struct bgpd *d, struct rib_entry *e)
{
	for (struct export_group *g = d->groups; g; g = g->next)
		group_entry(g, e);
}

/* ---- membership ---------------------------------------------------------- */

static int dump_one(const struct rib_entry *e, void *arg)
{
	/* The Loc-RIB hands out const entries; the group's pair is ours. */
	group_entry(arg, (struct rib_entry *)e);
	return 0;
}

static int catchup_one(struct rib_entry *e, void *arg)
{
	struct peer *p = arg;

	return eq_push(&p->outq, e) ? 0 : 1;
}

/* p into the group of its key: a new group is filled from the whole
 * Loc-RIB (its queue goes to all members), an existing one hands p what
 * it has sent so far (p's own catch-up queue). */
static bool group_add(struct peer *p)
{
	bool created;
	struct export_group *g = group_get(p->d, p, &created);

	if (!g) {
		log_err("export", "%s: out of memory for its update group", peer_name(p));
		return false;
	}
	if (g->nmembers == g->cmembers) {
		size_t cap = g->cmembers ? 2 * g->cmembers : 4;
		struct peer **v = realloc(g->members, cap * sizeof(*v));
		if (!v) {
			log_err("export", "%s: out of memory for its update group", peer_name(p));
			if (created)
				group_free(g);
			return false;
		}
		g->members = v;
		g->cmembers = cap;
	}
	g->members[g->nmembers++] = p;
	p->xg = g;
	if (created) /* the whole Loc-RIB, through the group */
		rib_loc_walk(p->d->loc, 0, dump_one, g);
	else	     /* what the group has sent so far, for p alone */
		rib_loc_out_walk(p->d->loc, g->out_id, catchup_one, p);
	log_info("export", "%s: update group %u (%s, AS %u), %zu member%s", peer_name(p), g->id,
		 g->key.kind == RIB_SRC_EBGP ? "eBGP" : g->key.kind == RIB_SRC_CONFED
			 ? "confederation eBGP" : "iBGP",
		 g->key.remote_as, g->nmembers, g->nmembers == 1 ? "" : "s");
	return true;
}

static void group_remove(struct export_group *g, struct peer *p)
{
	for (size_t i = 0; i < g->nmembers; i++)
		if (g->members[i] == p) {
			g->members[i] = g->members[--g->nmembers];
			break;
		}
	p->xg = NULL;
	if (g->nmembers == 0)
		group_free(g);
}

void export_join(struct peer *p)
{
	export_leave(p);
	p->eor_sent = false;
	if (group_add(p))
		export_flush(p);
}

/* ---- a new configuration (SIGHUP) ------------------------------------------ */

/* p's export policy now differs from its group's: to the group of its new
 * key, without a session reset. What the old group sent is queued for p
 * too, so prefixes the new group does not send are withdrawn. */
static void group_move(struct peer *p)
{
	struct export_group *old = p->xg;

	rib_loc_out_walk(p->d->loc, old->out_id, catchup_one, p);
	group_remove(old, p);
	if (!group_add(p))
		eq_free(p->d, &p->outq); /* nothing can be sent: stays groupless */
}

/* The key most of g's members have under the new configuration. */
static void group_new_key(const struct export_group *g, struct export_key *k)
{
	size_t best = 0;

	for (size_t i = 0; i < g->nmembers; i++) {
		struct export_key ki, kj;
		size_t n = 0;
		export_key_of(g->members[i], &ki);
		for (size_t j = 0; j < g->nmembers; j++) {
			export_key_of(g->members[j], &kj);
			n += export_key_eq(&ki, &kj);
		}
		if (n > best) {
			best = n;
			*k = ki;
		}
	}
}

/* Re-key g; members with another key move, and when another group has
 * g's new key, all of g moves there: two groups never share a key. False
 * when g is gone (merged). */
static bool group_rekey(struct export_group *g, bool redo_all)
{
	struct export_key k, km;

	group_new_key(g, &k);
	for (size_t m = g->nmembers; m-- > 0;) {
		export_key_of(g->members[m], &km);
		if (!export_key_eq(&km, &k))
			group_move(g->members[m]);
	}
	for (const struct export_group *h = g->d->groups; h; h = h->next)
		if (h != g && export_key_eq(&h->key, &k)) {
			g->key.kind = UINT8_MAX; /* matches no peer: group_get skips it */
			while (g->nmembers > 1)
				group_move(g->members[g->nmembers - 1]);
			group_move(g->members[0]); /* the last one frees g */
			return false;
		}
	bool same = !redo_all && pol_chain_same(g->key.chain, k.chain) && g->key.group == k.group &&
		    g->key.drain == k.drain;
	g->key = k; /* the new configuration's chain */
	if (!same) {
		group_memo_clear(g);
		rib_loc_walk(g->d->loc, 0, dump_one, g);
		log_info("export", "update group %u: export policy changed, %zu prefixes now", g->id,
			 g->nout);
	}
	return true;
}

void export_reconfigure(struct bgpd *d, bool redo_all)
{
	struct export_group *gs[64], **v = gs;
	size_t n = 0;

	for (struct export_group *g = d->groups; g; g = g->next)
		n++;
	if (n > sizeof(gs) / sizeof(gs[0]) && !(v = malloc(n * sizeof(*v)))) {
		log_err("export", "out of memory to apply the new export policy");
		return;
	}
	n = 0; /* moved members may make groups: only the ones there now */
	for (struct export_group *g = d->groups; g; g = g->next)
		v[n++] = g;
	for (size_t i = 0; i < n; i++)
		group_rekey(v[i], redo_all); /* only v[i] itself may go */
	if (v != gs)
		free(v);
	export_flush_all(d);
}

void export_refresh(struct peer *p)
{
	if (!p->xg)
		return;
	/* RFC 2918 3: the Adj-RIB-Out again; only to this member. */
	eq_free(p->d, &p->outq);
	rib_loc_out_walk(p->d->loc, p->xg->out_id, catchup_one, p);
	export_flush(p);
}

void export_leave(struct peer *p)
{
	struct export_group *g = p->xg;

	eq_free(p->d, &p->outq);
	p->stats.prefixes_out = 0;
	p->eor_sent = false;
	p->join_deferred = false;
	if (g)
		group_remove(g, p);
}

/* ---- encoding ------------------------------------------------------------ */

struct item {
	struct bgp_prefix prefix;
	const struct rib_attrs *attrs; /* NULL: withdraw */
};

static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	uintptr_t pa = (uintptr_t)a->attrs, pb = (uintptr_t)b->attrs;

	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return 0;
}

/* Distinct (family, attributes) keys a chunk is grouped by without a
 * sort; a chunk with more is sorted. */
#define EXPORT_KEYS 16

/* it[0..n) into out grouped by key, stable, the groups in the order
 * their keys first appear: one pass to number the keys (mostly the one
 * of the item before), one to place. A chunk mixing the aggregates'
 * or a few neighbours' attribute sets into a run of one costs a few
 * instructions per item, where qsort cost a thousand. false with more
 * than EXPORT_KEYS keys. */
static bool items_group(const struct item *it, size_t n, struct item *out, uint8_t *gid)
{
	const struct item *key[EXPORT_KEYS];
	size_t at[EXPORT_KEYS];
	unsigned nk = 0, g = 0;

	for (size_t i = 0; i < n; i++) {
		if (!nk || item_cmp(&it[i], key[g]) != 0) {
			for (g = 0; g < nk && item_cmp(&it[i], key[g]) != 0; g++)
				;
			if (g == nk) {
				if (nk == EXPORT_KEYS)
					return false;
				key[nk] = &it[i];
				at[nk++] = 0;
			}
		}
		gid[i] = (uint8_t)g;
		at[g]++;
	}
	for (size_t k = 0, sum = 0; k < nk; k++) { /* counts to first places */
		size_t c = at[k];
		at[k] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		out[at[gid[i]]++] = it[i];
	return true;
}

/* The members a queue goes to. */
struct targets {
	struct peer **v;
	size_t n;
};

static bool targets_have_room(const struct targets *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i]->conn || !conn_writable_room(t->v[i]->conn))
			return false;
	return true;
}

/* One encoded UPDATE to every target, each with its own next hop. */
static bool send_copies(const struct targets *t, uint8_t *msg, size_t len, bool announce)
{
	size_t off = 0, nhlen = 0;

	if (announce && !bgp_update_nexthop_at(msg, len, &off, &nhlen))
		return false;
	for (size_t i = 0; i < t->n; i++) {
		struct peer *p = t->v[i];
		if (announce) {
			size_t alen = sockaddr_addr_len(&p->local_addr);
			memcpy(msg + off, sockaddr_addr(&p->local_addr), nhlen < alen ? nhlen : alen);
		}
		if (!conn_send(p->conn, msg, len)) {
			log_err("export", "%s: output queue overflow", peer_name(p));
			return false;
		}
		p->stats.msgs_out[BGP_UPDATE]++;
		p->stats.updates_out++;
	}
	return true;
}

/* Encoding scratch, kept between flushes: allocating it per flush costs an
 * mmap, page faults and an munmap every loop turn (it is 170 KB). */
struct export_buf {
	struct item it[EXPORT_CHUNK];
	struct item grouped[EXPORT_CHUNK];
	struct bgp_prefix pfx[EXPORT_CHUNK];
	uint8_t gid[EXPORT_CHUNK];
};

/* Send runs of prefixes sharing family and attributes, packed. Returns
 * false if a connection refused more. */
static bool export_send(struct export_group *g, const struct targets *t, struct item *it,
			size_t n, struct export_buf *xb)
{
	struct bgp_prefix *pfx = xb->pfx;
	uint8_t msg[BGP_MAX_MSG];
	size_t i = 0;

	/* Most chunks are one UPDATE's worth of prefixes with one attribute
	 * set: group only when they are not in runs already. */
	for (size_t k = 1; k < n; k++)
		if (item_cmp(&it[k - 1], &it[k]) > 0) {
			if (items_group(it, n, xb->grouped, xb->gid))
				it = xb->grouped;
			else
				qsort(it, n, sizeof(*it), item_cmp);
			break;
		}
	while (i < n) {
		size_t j = i, k = 0;
		while (j < n && item_cmp(&it[i], &it[j]) == 0)
			pfx[k++] = it[j++].prefix;
		const struct bgp_attrs *a = it[i].attrs ? rib_attrs_get(it[i].attrs) : NULL;
		for (size_t done = 0; done < k;) {
			size_t took = 0, len;
			if (a)
				len = bgp_update_encode(msg, sizeof(msg), &g->codec, a, NULL, 0, NULL,
							pfx + done, k - done, &took);
			else
				len = bgp_update_encode(msg, sizeof(msg), &g->codec, NULL, pfx + done,
							k - done, &took, NULL, 0, NULL);
			if (len == 0 || took == 0) {
				log_err("export", "update group %u: cannot encode an UPDATE; "
					"dropping %zu prefixes", g->id, k - done);
				break;
			}
			g->updates_encoded++;
			if (!send_copies(t, msg, len, a != NULL))
				return false;
			done += took;
		}
		i = j;
	}
	return true;
}

/* Drain q to the targets while all of them have room. */
static void export_drain(struct export_group *g, struct rib_entry_queue *q, const struct targets *t)
{
	struct bgpd *d = g->d;

	if (!q->n || !t->n)
		return;
	if (!d->xbuf && !(d->xbuf = malloc(sizeof(*d->xbuf)))) {
		log_err("export", "update group %u: out of memory to encode", g->id);
		return;
	}
	struct item *it = d->xbuf->it;
	while (q->n && targets_have_room(t)) {
		size_t n = q->n < EXPORT_CHUNK ? q->n : EXPORT_CHUNK;
		for (size_t i = 0; i < n; i++) {
			struct rib_entry *e = rib_entry_queue_pop(q);
			rib_entry_prefix(e, &it[i].prefix);
			it[i].attrs = rib_loc_out_get(e, g->out_id);
			rib_loc_unpin(d->loc, e); /* a live pair keeps its attrs */
		}
		if (!export_send(g, t, it, n, d->xbuf))
			break;
	}
}

void export_free(struct bgpd *d)
{
	free(d->xbuf);
	d->xbuf = NULL;
}

/* End-of-RIB for every negotiated family, nothing before it: what we send
 * while our own initial table is still arriving (bgpd/state.c), so that a
 * neighbour starting with us does not wait for our table while we wait
 * for its. */
void export_eor_now(struct peer *p)
{
	uint8_t msg[64];

	if (p->codec.ipv4 && conn_send(p->conn, msg, bgp_eor_encode(msg, sizeof(msg), AFI_IPV4)))
		p->stats.msgs_out[BGP_UPDATE]++;
	if (p->codec.ipv6 && conn_send(p->conn, msg, bgp_eor_encode(msg, sizeof(msg), AFI_IPV6)))
		p->stats.msgs_out[BGP_UPDATE]++;
}

static void export_eor(struct peer *p)
{
	export_eor_now(p);
	p->eor_sent = true;
	log_info("export", "%s: initial table sent (%zu prefixes), End-of-RIB", peer_name(p),
		 p->xg->nout);
}

/* The group's shared queue to all members, then each member's catch-up,
 * then End-of-RIB to members that have the whole table (RFC 4724 2). */
static void group_flush(struct export_group *g)
{
	struct targets all = { g->members, g->nmembers };

	export_drain(g, &g->outq, &all);
	for (size_t i = 0; i < g->nmembers; i++) {
		struct peer *p = g->members[i];
		struct targets one = { &g->members[i], 1 };
		if (p->outq.n)
			export_drain(g, &p->outq, &one);
		if (!p->outq.n && !g->outq.n && !p->eor_sent && p->conn)
			export_eor(p);
		p->stats.prefixes_out = (uint32_t)g->nout;
	}
}

void export_flush(struct peer *p)
{
	if (p->state == FSM_ESTABLISHED && p->conn && p->xg)
		group_flush(p->xg);
}

void export_flush_all(struct bgpd *d)
{
	for (struct export_group *g = d->groups; g; g = g->next) {
		bool work = g->outq.n > 0;
		for (size_t i = 0; !work && i < g->nmembers; i++)
			work = g->members[i]->outq.n || !g->members[i]->eor_sent;
		if (work)
			group_flush(g);
	}
}
