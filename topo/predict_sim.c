/* The engine of the policy-intent simulator: one class of prefixes (same
 * originators, same route types) propagated over one family's sessions
 * the way the generated configurations make closbgpd do it, to a fixed
 * point (Bellman-Ford over a work list of the switches whose candidates
 * changed, taken one at a time: see work_pop).
 *
 * - Export (bgpd/export.c): a switch sends a neighbour the first path of
 *   its ECMP set that does not carry the AS it configures for that
 *   neighbour, if its out rule for the neighbour's tier permits it.
 * - AS_PATH (RFC 5065 5.1): inside the confederation the sender's member
 *   AS goes in front in a confederation segment; leaving it, the leading
 *   confederation segments go and the confederation identifier (or the
 *   switch's AS) goes in front.  LOCAL_PREF crosses confederation
 *   sessions only.
 * - Receive (RFC 4271 9.1.2, RFC 5065): a path carrying the receiver's AS
 *   or confederation identifier is dropped; then the receiver's in rule.
 * - Decision (rib/decide.c): a local route first, then LOCAL_PREF, AS_PATH
 *   length with confederation segments counted, eBGP before confederation
 *   eBGP; equal paths are ECMP (multipath-relax), up to 64, ranked by the
 *   sender's router id.
 * AS_PATHs are interned as a tree (each node one AS in front of its
 * parent), so a candidate is three words and equal paths compare by id. */
#include <stdlib.h>
#include <string.h>

#include "topo/predict.h"

#define SIM_NONE UINT32_MAX
#define SIM_MAX_PATHS 64   /* closbgpd's max-paths default, FRR's maximum-paths */
#define SIM_MAX_ASPATH 255 /* ASes in one path; longer is not simulated */

struct sim_slot { /* what a switch receives from one neighbour */
	uint32_t from;
	uint32_t rid; /* the sender's router id: the order of equal paths */
	uint8_t confed;
};

struct sim_out { /* what a switch sends one neighbour */
	uint32_t to, slot;
	uint32_t remote_as;	/* the AS the sender configures for it */
	uint32_t asn, confed_id; /* the neighbour's own (its loop check) */
	uint8_t tier, confed;
};

struct topo_sim_graph {
	size_t ndevs, nslots;
	size_t *in_off, *out_off, *ecmp_off; /* per switch, ndevs + 1 */
	struct sim_slot *in;
	struct sim_out *out;
};

struct sim_route {
	uint32_t path, lpref, types; /* path SIM_NONE: nothing */
};

struct sim_cand {
	uint32_t gen; /* valid for the run of this generation only */
	struct sim_route r;
};

struct sim_node {
	uint32_t gen;
	uint16_t necmp;
	bool local, queued;
	uint32_t prio; /* while queued: the shortest path offered */
};

struct sim_path { /* asn in front of parent; id 0 is the empty path */
	uint32_t asn, parent, seq_root; /* seq_root: without leading confed segments */
	uint16_t nseq, nconf;
	uint64_t sig; /* one bit per AS in the path (a quick "not in it") */
};

struct sim_hash {
	uint32_t gen, id;
};

struct sim_rules {
	size_t off, n; /* into topo_sim.order, by sequence */
	bool memo; /* the rule that decided memo_types last (NULL: denied) */
	uint32_t memo_types;
	const struct topo_rule *memo_rule;
};

struct topo_sim {
	const struct topo_fabric *f;
	const struct topo_sim_graph *g;
	struct sim_cand *cand;
	struct sim_node *node;
	struct sim_route *ecmp;
	struct sim_bucket { /* switches to decide again, by prio, in order */
		uint32_t *v;
		size_t head, n, cap;
	} work[SIM_MAX_ASPATH + 1];
	size_t nwork, minwork; /* switches queued, lowest bucket that may hold one */
	struct sim_path *path;
	size_t npath, cappath;
	struct sim_hash *hash;
	size_t hcap;
	uint32_t gen;
	bool policy_on, oom;
	const struct topo_rule **order;
	struct sim_rules rules[TOPO_NTIERS][TOPO_NTIERS][2]; /* tier, peer tier, out */
	char why[160];
};

/* ---- the session graph --------------------------------------------------- */

struct sim_pair {
	uint32_t u, v, remote_as;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct sim_pair *x = a, *y = b;

	if (x->u != y->u)
		return x->u < y->u ? -1 : 1;
	return x->v < y->v ? -1 : x->v > y->v;
}

static uint32_t rid_of(const struct topo_device *d)
{
	const uint8_t *a = topo_router_id(d)->addr;

	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static int slot_cmp(const void *a, const void *b)
{
	const struct sim_slot *x = a, *y = b;

	if (x->rid != y->rid)
		return x->rid < y->rid ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* Neighbours of one tier and kind in a row: they are mostly sent the
 * same route (sim_push). */
static int out_cmp(const void *a, const void *b)
{
	const struct sim_out *x = a, *y = b;

	if (x->tier != y->tier || x->confed != y->confed)
		return x->tier != y->tier ? x->tier - y->tier : x->confed - y->confed;
	if (x->remote_as != y->remote_as)
		return x->remote_as < y->remote_as ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

/* Every configured session of family af as (u, v) pairs, sorted, one per
 * pair of switches (parallel links carry the same paths). */
static struct sim_pair *graph_pairs(const struct topo_fabric *f, int af, size_t *np)
{
	struct topo_session *s = NULL;
	struct sim_pair *p = NULL;
	size_t n = 0, cap = 0, scap = 0, k = 0;

	for (size_t i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];
		if (2 * d->nifs + 1 > scap) {
			free(s);
			scap = 2 * d->nifs + 1;
			if (!(s = calloc(scap, sizeof(*s))))
				goto oom;
		}
		size_t ns = topo_sessions(f, d, s);
		for (size_t j = 0; j < ns; j++) {
			if (s[j].af != af)
				continue;
			if (n == cap) {
				struct sim_pair *q = realloc(p, (cap = cap ? 2 * cap : 1024) * sizeof(*p));
				if (!q)
					goto oom;
				p = q;
			}
			p[n++] = (struct sim_pair){(uint32_t)i, (uint32_t)(s[j].peer - f->devs),
						   s[j].remote_as};
		}
	}
	free(s);
	if (n)
		qsort(p, n, sizeof(*p), pair_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || pair_cmp(&p[k - 1], &p[i]))
			p[k++] = p[i];
	*np = k;
	return p ? p : calloc(1, sizeof(*p));
oom:
	free(s);
	free(p);
	return NULL;
}

static const struct sim_pair *pair_find(const struct sim_pair *p, size_t n, uint32_t u, uint32_t v)
{
	struct sim_pair key = {u, v, 0};

	return bsearch(&key, p, n, sizeof(*p), pair_cmp);
}

/* A session is up only when both ends configure it. */
static void graph_fill(struct topo_sim_graph *g, const struct topo_fabric *f,
		       const struct sim_pair *p, size_t np)
{
	size_t *fill = g->ecmp_off; /* scratch until the end */

	for (size_t i = 0; i < np; i++)
		if (pair_find(p, np, p[i].v, p[i].u))
			g->in_off[p[i].v + 1]++, g->out_off[p[i].u + 1]++;
	for (size_t v = 0; v < g->ndevs; v++) {
		g->in_off[v + 1] += g->in_off[v];
		g->out_off[v + 1] += g->out_off[v];
	}
	memcpy(fill, g->in_off, (g->ndevs + 1) * sizeof(*fill));
	for (size_t i = 0; i < np; i++) {
		const struct topo_device *du = &f->devs[p[i].u], *dv = &f->devs[p[i].v];
		if (!pair_find(p, np, p[i].v, p[i].u))
			continue;
		g->in[fill[p[i].v]++] = (struct sim_slot){p[i].u, rid_of(du),
			du->confed_id && du->confed_id == dv->confed_id};
	}
	memcpy(fill, g->out_off, (g->ndevs + 1) * sizeof(*fill));
	for (size_t v = 0; v < g->ndevs; v++) {
		size_t lo = g->in_off[v], hi = g->in_off[v + 1];
		qsort(g->in + lo, hi - lo, sizeof(*g->in), slot_cmp);
		for (size_t k = lo; k < hi; k++) {
			uint32_t u = g->in[k].from;
			g->out[fill[u]++] = (struct sim_out){(uint32_t)v, (uint32_t)k,
				pair_find(p, np, u, (uint32_t)v)->remote_as, f->devs[v].asn,
				f->devs[v].confed_id, (uint8_t)f->devs[v].tier, g->in[k].confed};
		}
	}
	for (size_t u = 0; u < g->ndevs; u++)
		qsort(g->out + g->out_off[u], g->out_off[u + 1] - g->out_off[u], sizeof(*g->out),
		      out_cmp);
	g->ecmp_off[0] = 0;
	for (size_t v = 0; v < g->ndevs; v++) {
		size_t deg = g->in_off[v + 1] - g->in_off[v];
		deg = deg > SIM_MAX_PATHS ? SIM_MAX_PATHS : deg ? deg : 1;
		g->ecmp_off[v + 1] = g->ecmp_off[v] + deg;
	}
}

struct topo_sim_graph *topo_sim_graph_new(const struct topo_fabric *f, int af,
					  struct topo_err *err)
{
	struct topo_sim_graph *g = calloc(1, sizeof(*g));
	size_t np = 0, n = f->ndevs;
	struct sim_pair *p = graph_pairs(f, af, &np);

	if (!g || !p)
		goto oom;
	g->ndevs = n;
	g->in_off = calloc(n + 1, sizeof(size_t));
	g->out_off = calloc(n + 1, sizeof(size_t));
	g->ecmp_off = calloc(n + 1, sizeof(size_t));
	g->in = calloc(np + 1, sizeof(*g->in));
	g->out = calloc(np + 1, sizeof(*g->out));
	if (!g->in_off || !g->out_off || !g->ecmp_off || !g->in || !g->out)
		goto oom;
	graph_fill(g, f, p, np);
	g->nslots = g->in_off[n];
	free(p);
	return g;
oom:
	free(p);
	topo_sim_graph_free(g);
	topo_errf(err, "out of memory for the route prediction");
	return NULL;
}

bool topo_sim_graph_same(const struct topo_sim_graph *a, const struct topo_sim_graph *b)
{
	if (a->ndevs != b->ndevs || a->nslots != b->nslots ||
	    memcmp(a->in_off, b->in_off, (a->ndevs + 1) * sizeof(*a->in_off)))
		return false;
	for (size_t k = 0; k < a->nslots; k++)
		if (a->in[k].from != b->in[k].from)
			return false;
	return true;
}

void topo_sim_graph_free(struct topo_sim_graph *g)
{
	if (!g)
		return;
	free(g->in_off);
	free(g->out_off);
	free(g->ecmp_off);
	free(g->in);
	free(g->out);
	free(g);
}

/* ---- policy ------------------------------------------------------------- */

static int rule_cmp(const void *a, const void *b)
{
	const struct topo_rule *x = *(const struct topo_rule *const *)a;
	const struct topo_rule *y = *(const struct topo_rule *const *)b;

	if (x->tier != y->tier)
		return (int)x->tier - (int)y->tier;
	if (x->peer_tier != y->peer_tier)
		return (int)x->peer_tier - (int)y->peer_tier;
	if (x->out != y->out)
		return (int)x->out - (int)y->out;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int rules_index(struct topo_sim *s)
{
	const struct topo_fabric *f = s->f;

	s->policy_on = topo_policy_on(f);
	if (!(s->order = calloc(f->nrules + 1, sizeof(*s->order))))
		return -1;
	for (size_t i = 0; i < f->nrules; i++)
		s->order[i] = &f->rules[i];
	qsort(s->order, f->nrules, sizeof(*s->order), rule_cmp);
	for (size_t i = 0; i < f->nrules; i++) {
		const struct topo_rule *r = s->order[i];
		struct sim_rules *l = &s->rules[r->tier][r->peer_tier][r->out];
		if (!l->n)
			l->off = i;
		l->n++;
	}
	return 0;
}

/* The rules of tier t towards (out) or from peer: the first whose route
 * types match (any of; none listed: all) decides; what none matches is
 * denied (policy-required).  Without any policy everything passes. */
static const struct topo_rule *rules_find(const struct topo_sim *s, const struct sim_rules *l,
					  uint32_t types)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct topo_rule *r = s->order[l->off + i];
		if (!r->match || (types & r->match))
			return r->permit ? r : NULL;
	}
	return NULL;
}

static bool rules_apply(struct topo_sim *s, enum topo_tier t, enum topo_tier peer, bool out,
			uint32_t *types, uint32_t *lpref)
{
	struct sim_rules *l = &s->rules[t][peer][out];
	const struct topo_rule *r;

	if (!s->policy_on)
		return true;
	if (!l->memo || l->memo_types != *types) { /* one route's types at a time, mostly */
		l->memo = true;
		l->memo_types = *types;
		l->memo_rule = rules_find(s, l, *types);
	}
	if (!(r = l->memo_rule))
		return false;
	*types = (*types & ~r->remove) | r->add; /* policy/eval.c: delete, then add */
	if (r->lpref >= 0)
		*lpref = s->f->lprefs[r->lpref].value;
	return true;
}

/* ---- AS_PATHs ------------------------------------------------------------ */

static uint64_t as_bit(uint32_t asn)
{
	return 1ull << ((asn * 0x9E3779B1u) >> 26);
}

static bool path_has(const struct topo_sim *s, uint32_t id, uint32_t asn)
{
	if (!(s->path[id].sig & as_bit(asn)))
		return false;
	for (; id; id = s->path[id].parent)
		if (s->path[id].asn == asn)
			return true;
	return false;
}

static size_t path_slot(const struct topo_sim *s, uint32_t parent, uint32_t asn, bool confed)
{
	uint64_t h = ((uint64_t)parent << 33 ^ (uint64_t)asn << 1 ^ confed) * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 24) & (s->hcap - 1);
}

static bool path_is(const struct topo_sim *s, uint32_t id, uint32_t parent, uint32_t asn,
		    bool confed)
{
	const struct sim_path *p = &s->path[id];

	return p->parent == parent && p->asn == asn &&
	       (p->nconf > s->path[parent].nconf) == confed;
}

static bool path_grow(struct topo_sim *s)
{
	size_t cap = s->cappath * 2, hcap = s->hcap * 2;
	struct sim_path *p = realloc(s->path, cap * sizeof(*p));
	struct sim_hash *h = calloc(hcap, sizeof(*h));

	if (p)
		s->path = p;
	if (!p || !h) {
		free(h);
		return false;
	}
	s->cappath = cap;
	free(s->hash);
	s->hash = h;
	s->hcap = hcap;
	for (uint32_t id = 1; id < s->npath; id++) {
		const struct sim_path *q = &s->path[id];
		size_t i = path_slot(s, q->parent, q->asn, q->nconf > s->path[q->parent].nconf);
		while (s->hash[i].gen == s->gen)
			i = (i + 1) & (s->hcap - 1);
		s->hash[i] = (struct sim_hash){s->gen, id};
	}
	return true;
}

/* asn in front of base (a confederation segment when confed): its id, or
 * SIM_NONE (out of memory, or too long: s->why says so). */
static uint32_t path_prepend(struct topo_sim *s, uint32_t base, uint32_t asn, bool confed)
{
	struct sim_path b = s->path[base];
	size_t i;

	if (b.nseq + b.nconf >= SIM_MAX_ASPATH) {
		snprintf(s->why, sizeof(s->why), "an AS_PATH grows beyond %d ASes", SIM_MAX_ASPATH);
		return SIM_NONE;
	}
	if (2 * (s->npath + 1) > s->hcap && !path_grow(s)) {
		s->oom = true;
		return SIM_NONE;
	}
	for (i = path_slot(s, base, asn, confed); s->hash[i].gen == s->gen;
	     i = (i + 1) & (s->hcap - 1))
		if (path_is(s, s->hash[i].id, base, asn, confed))
			return s->hash[i].id;
	uint32_t id = (uint32_t)s->npath++;
	s->path[id] = (struct sim_path){asn, base, confed ? b.seq_root : id,
		(uint16_t)(b.nseq + !confed), (uint16_t)(b.nconf + confed), b.sig | as_bit(asn)};
	s->hash[i] = (struct sim_hash){s->gen, id};
	return id;
}

/* ---- one class ------------------------------------------------------------ */

static struct sim_node *node_get(struct topo_sim *s, uint32_t v)
{
	struct sim_node *n = &s->node[v];

	if (n->gen != s->gen)
		*n = (struct sim_node){.gen = s->gen};
	return n;
}

/* Which path of u's ECMP set goes to a neighbour u configures as AS
 * remote_as: the first that does not carry it (bgpd/export.c
 * export_pick); necmp when none. */
static size_t sim_pick(const struct topo_sim *s, uint32_t u, uint32_t remote_as)
{
	const struct sim_route *set = s->ecmp + s->g->ecmp_off[u];
	size_t i, n = s->node[u].necmp;

	for (i = 0; i < n && path_has(s, set[i].path, remote_as); i++)
		;
	return i;
}

/* Path `pick` of u's ECMP set as u sends it over e (the out rule, the
 * AS_PATH the session makes), before the receiver looks at it. */
static bool sim_export(struct topo_sim *s, uint32_t u, size_t pick, const struct sim_out *e,
		       struct sim_route *r)
{
	const struct topo_device *du = &s->f->devs[u];
	const struct sim_route *p = s->ecmp + s->g->ecmp_off[u] + pick;

	*r = *p;
	if (!rules_apply(s, du->tier, (enum topo_tier)e->tier, true, &r->types, &r->lpref))
		return false;
	if (e->confed) {
		r->path = path_prepend(s, p->path, du->asn, true);
	} else { /* LOCAL_PREF does not leave the confederation / AS */
		r->path = path_prepend(s, s->path[p->path].seq_root,
				       du->confed_id ? du->confed_id : du->asn, false);
		r->lpref = 100;
	}
	return r->path != SIM_NONE;
}

static bool sim_receive(struct topo_sim *s, enum topo_tier from, const struct sim_out *e,
			struct sim_route *r)
{
	if (path_has(s, r->path, e->asn) || (e->confed_id && path_has(s, r->path, e->confed_id)))
		return false;
	return rules_apply(s, (enum topo_tier)e->tier, from, false, &r->types, &r->lpref);
}

/* ---- the work list ------------------------------------------------------- */

/* Which switch decides next: the one offered the shortest path (or
 * losing one), first come first served among equals.  Taking the
 * switches one at a time in this order lets a withdrawal near the origin
 * overtake the path exploration behind it, as it does in a network; in
 * plain rounds the fabric's equal eBGP and confederation paths (an FSW
 * prefers a path over another pod's FSW through the spine to an equally
 * long one over its RSWs) would flip together for ever — DISAGREE, whose
 * stable states all hold the same prefixes.  Buckets by length; a switch
 * offered a shorter path is queued again and its older entry skipped. */
static void work_add(struct topo_sim *s, uint32_t v, uint32_t prio)
{
	struct sim_node *n = node_get(s, v);
	struct sim_bucket *b;

	/* An originator's own route wins whatever it is offered; a switch
	 * queued for a path as short stays where it is. */
	if (n->local || (n->queued && n->prio <= prio))
		return;
	if (prio > SIM_MAX_ASPATH)
		prio = SIM_MAX_ASPATH;
	b = &s->work[prio];
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		uint32_t *q = realloc(b->v, cap * sizeof(*q));
		if (!q) {
			s->oom = true;
			return;
		}
		b->v = q;
		b->cap = cap;
	}
	b->v[b->n++] = v;
	s->nwork += !n->queued;
	n->queued = true;
	n->prio = prio;
	if (prio < s->minwork)
		s->minwork = prio;
}

static uint32_t work_pop(struct topo_sim *s)
{
	for (;;) {
		struct sim_bucket *b = &s->work[s->minwork];
		if (b->head == b->n) {
			b->head = b->n = 0;
			s->minwork++;
			continue;
		}
		uint32_t v = b->v[b->head++];
		struct sim_node *n = &s->node[v];
		if (n->queued && n->prio == s->minwork) {
			n->queued = false;
			s->nwork--;
			return v;
		}
	}
}

/* v's candidate from one neighbour is now r (NULL: none); v decides again
 * if it changed. */
static void sim_offer(struct topo_sim *s, uint32_t slot, uint32_t v, const struct sim_route *r)
{
	static const struct sim_route none = {SIM_NONE, 0, 0};
	struct sim_cand *c = &s->cand[slot];
	const struct sim_route *old = c->gen == s->gen ? &c->r : &none;
	uint32_t len = UINT32_MAX;

	if (!r)
		r = &none;
	if (old->path == r->path && old->lpref == r->lpref && old->types == r->types)
		return;
	if (old->path != SIM_NONE)
		len = s->path[old->path].nseq + s->path[old->path].nconf;
	if (r->path != SIM_NONE && s->path[r->path].nseq + s->path[r->path].nconf < len)
		len = s->path[r->path].nseq + s->path[r->path].nconf;
	c->gen = s->gen;
	c->r = *r;
	work_add(s, v, len);
}

/* u's ECMP set changed: what it sends each neighbour.  Neighbours of one
 * tier and kind sent the same path get the same route (out-edges are
 * sorted that way), so it is made once for them. */
static void sim_push(struct topo_sim *s, uint32_t u)
{
	const struct topo_sim_graph *g = s->g;
	const struct sim_out *prev = NULL;
	const enum topo_tier from = s->f->devs[u].tier;
	struct sim_route x = {SIM_NONE, 0, 0}, r;
	size_t xpick = SIZE_MAX, pick = 0, n = s->node[u].necmp;
	bool have = false;

	for (size_t k = g->out_off[u]; k < g->out_off[u + 1]; k++) {
		const struct sim_out *e = &g->out[k];
		if (k == g->out_off[u] || e->remote_as != e[-1].remote_as)
			pick = sim_pick(s, u, e->remote_as);
		if (pick == n) {
			sim_offer(s, e->slot, e->to, NULL);
			continue;
		}
		if (!prev || pick != xpick || prev->tier != e->tier || prev->confed != e->confed)
			have = sim_export(s, u, pick, e, &x);
		prev = e;
		xpick = pick;
		r = x;
		sim_offer(s, e->slot, e->to, have && sim_receive(s, from, e, &r) ? &r : NULL);
	}
}

/* Is (lp, len, kind) better than the best so far (rib/decide.c)? */
static bool key_better(uint32_t lp, unsigned len, unsigned kind, uint32_t blp, unsigned blen,
		       unsigned bkind)
{
	if (lp != blp)
		return lp > blp;
	if (len != blen)
		return len < blen;
	return kind < bkind;
}

/* v's ECMP set from its candidates; true when it changed. */
static bool sim_decide(struct topo_sim *s, uint32_t v)
{
	const struct topo_sim_graph *g = s->g;
	const bool confed = s->f->devs[v].confed_id != 0;
	struct sim_route set[SIM_MAX_PATHS], *cur = s->ecmp + g->ecmp_off[v];
	struct sim_node *nd = node_get(s, v);
	uint32_t blp = 0;
	unsigned blen = 0, bkind = 0;
	size_t n = 0;

	/* One pass in router-id order: a better path starts the set again.
	 * Confederation members count the confederation segments: closgen
	 * sets count-confederation-segments (FRR: bgp bestpath as-path
	 * confed) on them. */
	for (size_t k = g->in_off[v]; k < g->in_off[v + 1]; k++) {
		const struct sim_cand *c = &s->cand[k];
		if (c->gen != s->gen || c->r.path == SIM_NONE)
			continue;
		const struct sim_path *p = &s->path[c->r.path];
		unsigned len = confed ? (unsigned)p->nseq + p->nconf : p->nseq;
		unsigned kind = g->in[k].confed;
		if (!n || key_better(c->r.lpref, len, kind, blp, blen, bkind)) {
			blp = c->r.lpref, blen = len, bkind = kind;
			n = 0;
		} else if (c->r.lpref != blp || len != blen || kind != bkind || n == SIM_MAX_PATHS) {
			continue;
		}
		set[n++] = c->r;
	}
	if (n == nd->necmp && (!n || !memcmp(set, cur, n * sizeof(*set))))
		return false;
	memcpy(cur, set, n * sizeof(*set));
	nd->necmp = (uint16_t)n;
	return true;
}

static void sim_reset(struct topo_sim *s)
{
	if (++s->gen == 0) { /* wrapped: every stamp is stale again */
		memset(s->cand, 0, s->g->nslots * sizeof(*s->cand));
		memset(s->node, 0, s->g->ndevs * sizeof(*s->node));
		memset(s->hash, 0, s->hcap * sizeof(*s->hash));
		s->gen = 1;
	}
	s->npath = 1;
	for (size_t i = 0; i <= SIM_MAX_ASPATH; i++)
		s->work[i].head = s->work[i].n = 0;
	s->nwork = 0;
	s->minwork = SIM_MAX_ASPATH;
	s->why[0] = '\0';
}

int topo_sim_run(struct topo_sim *s, const struct topo_sim_origin *o, size_t n,
		 struct topo_err *err)
{
	size_t pops = 0, limit = 256 * s->g->ndevs + 1024;

	sim_reset(s);
	for (size_t i = 0; i < n; i++) {
		struct sim_node *nd = node_get(s, o[i].dev);
		if (nd->local)
			continue;
		*nd = (struct sim_node){.gen = s->gen, .necmp = 1, .local = true};
		s->ecmp[s->g->ecmp_off[o[i].dev]] = (struct sim_route){0, 100, o[i].types};
	}
	for (size_t i = 0; i < n; i++)
		if (i == 0 || o[i].dev != o[i - 1].dev)
			sim_push(s, o[i].dev);
	while (s->nwork && !s->oom && !s->why[0]) {
		uint32_t v = work_pop(s);
		if (sim_decide(s, v))
			sim_push(s, v);
		if (++pops > limit)
			snprintf(s->why, sizeof(s->why), "routes of %s do not settle",
				 s->f->devs[o[0].dev].name);
	}
	if (s->oom)
		return topo_errf(err, "out of memory for the route prediction");
	return s->why[0] ? 1 : 0;
}

bool topo_sim_has(const struct topo_sim *s, uint32_t dev, uint32_t *types)
{
	const struct sim_node *n = &s->node[dev];

	if (n->gen != s->gen || !n->necmp)
		return false;
	*types = s->ecmp[s->g->ecmp_off[dev]].types;
	return true;
}

const char *topo_sim_why(const struct topo_sim *s)
{
	return s->why;
}

struct topo_sim *topo_sim_new(const struct topo_fabric *f, const struct topo_sim_graph *g,
			      struct topo_err *err)
{
	struct topo_sim *s = calloc(1, sizeof(*s));

	if (!s)
		goto oom;
	s->f = f;
	s->g = g;
	s->cand = calloc(g->nslots + 1, sizeof(*s->cand));
	s->node = calloc(g->ndevs + 1, sizeof(*s->node));
	s->ecmp = calloc(g->ecmp_off[g->ndevs] + 1, sizeof(*s->ecmp));
	s->cappath = 1024;
	s->hcap = 2048;
	s->path = calloc(s->cappath, sizeof(*s->path));
	s->hash = calloc(s->hcap, sizeof(*s->hash));
	if (!s->cand || !s->node || !s->ecmp || !s->path || !s->hash ||
	    rules_index(s))
		goto oom;
	s->npath = 1; /* the empty path, id 0 */
	return s;
oom:
	topo_sim_free(s);
	topo_errf(err, "out of memory for the route prediction");
	return NULL;
}

void topo_sim_free(struct topo_sim *s)
{
	if (!s)
		return;
	free(s->cand);
	free(s->node);
	free(s->ecmp);
	for (size_t i = 0; i <= SIM_MAX_ASPATH; i++)
		free(s->work[i].v);
	free(s->path);
	free(s->hash);
	free(s->order);
	free(s);
}
