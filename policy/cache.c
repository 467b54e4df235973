/* pol_eval and its result cache. Attribute sets are interned, so (chain,
 * input set) is a pointer pair; the parts of the session the chain looks
 * at (neighbour AS, peer group, family) and the direction complete the
 * key. The table is set-associative (4 ways, least recently used out),
 * bounded, and holds a reference on every input and result set, so a
 * pointer in it can never be a freed and reused one. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

#define WAYS 4

struct pc_entry {
	const struct pol_chain *chain;	/* NULL: empty */
	struct rib_attrs *in, *out;	/* out NULL: rejected */
	uint64_t key;
	uint64_t used;
	uint8_t ipol, nst;
	bool nh_self;
	struct pol_stmt *st[POL_TRACE];
};

struct pol_cache {
	struct rib_attr_cache *ac;
	struct pc_entry *e;		/* nsets * WAYS, made on first use */
	size_t nsets, cap, n;
	uint64_t clock;
	struct pol_cache_stats st;
	struct pol_scratch *s;
};

struct pol_cache *pol_cache_new(struct rib_attr_cache *ac, size_t cap)
{
	struct pol_cache *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return NULL;
	pc->ac = ac;
	if (cap) {
		size_t sets = 1;
		while (sets * WAYS < cap)
			sets *= 2;
		pc->nsets = sets;
		pc->cap = sets * WAYS;
	}
	return pc;
}

static void entry_clear(struct pc_entry *e)
{
	rib_attrs_unref(e->in);
	rib_attrs_unref(e->out);
	memset(e, 0, sizeof(*e));
}

void pol_cache_flush(struct pol_cache *pc)
{
	if (!pc || !pc->e)
		return;
	for (size_t i = 0; i < pc->cap; i++)
		if (pc->e[i].chain)
			entry_clear(&pc->e[i]);
	pc->n = 0;
}

void pol_cache_free(struct pol_cache *pc)
{
	if (!pc)
		return;
	pol_cache_flush(pc);
	free(pc->e);
	free(pc->s);
	free(pc);
}

void pol_cache_stats(const struct pol_cache *pc, struct pol_cache_stats *st)
{
	*st = pc->st;
	st->entries = pc->n;
	st->capacity = pc->cap;
}

/* The session and family as far as the chain looks at them. */
static uint64_t env_key(const struct pol_chain *c, const struct pol_env *env, uint8_t family)
{
	uint64_t k = env->import ? 1 : 0;

	if (c->uses & POL_M_NBR_AS)
		k |= (uint64_t)env->peer_as << 32;
	if (c->uses & POL_M_GROUP)
		k |= (uint64_t)(uint16_t)(env->group + 1) << 8;
	if (c->uses & POL_M_FAMILY)
		k |= (uint64_t)family << 1;
	return k;
}

static size_t set_of(const struct pol_cache *pc, const struct pol_chain *c,
		     const struct rib_attrs *in, uint64_t key)
{
	uint64_t h = ((uintptr_t)c * 0x9e3779b97f4a7c15ull) ^ ((uintptr_t)in >> 4) ^ key;

	h *= 0xff51afd7ed558ccdull;
	return (size_t)(h >> 32) & (pc->nsets - 1);
}

static struct pc_entry *cache_find(struct pol_cache *pc, const struct pol_chain *c,
				   const struct rib_attrs *in, uint64_t key)
{
	struct pc_entry *set = &pc->e[set_of(pc, c, in, key) * WAYS];

	for (int w = 0; w < WAYS; w++)
		if (set[w].chain == c && set[w].in == in && set[w].key == key)
			return &set[w];
	return NULL;
}

/* The slot to fill: an empty way, else the least recently used. */
static struct pc_entry *cache_victim(struct pol_cache *pc, const struct pol_chain *c,
				     const struct rib_attrs *in, uint64_t key)
{
	struct pc_entry *set = &pc->e[set_of(pc, c, in, key) * WAYS], *v = &set[0];

	for (int w = 0; w < WAYS; w++) {
		if (!set[w].chain)
			return &set[w];
		if (set[w].used < v->used)
			v = &set[w];
	}
	entry_clear(v);
	pc->n--;
	return v;
}

/* Counters as a fresh evaluation would have moved them. */
static void replay(struct pol_chain *c, const struct pc_entry *e)
{
	for (size_t i = 0; i < c->n && i <= e->ipol; i++)
		c->pol[i]->evals++;
	for (size_t i = 0; i < e->nst; i++)
		e->st[i]->matches++;
}

static void verdict_of(struct pol_chain *c, size_t ipol, const struct pol_stmt *st, bool accept,
		       bool nh_self, struct pol_verdict *v)
{
	v->accept = accept;
	v->policy = ipol < c->n ? c->pol[ipol] : NULL;
	v->stmt = st;
	v->nh_self = nh_self;
}

/* A decided evaluation ends with its deciding statement. */
static struct pol_stmt *decider_of(const struct pc_entry *e)
{
	return e->ipol < e->chain->n && e->nst ? e->st[e->nst - 1] : NULL;
}

/* A fresh evaluation; the result interned (or in itself). */
static int eval_fresh(struct pol_cache *pc, struct pol_run *r, struct pol_chain *c,
		      struct rib_attrs *in, struct rib_attrs **out)
{
	*out = NULL;
	pol_run_chain(r, c);
	if (!r->accept)
		return 0;
	if (r->cur == rib_attrs_get(in)) {
		*out = rib_attrs_ref(in);
		return 0;
	}
	*out = r->env->import ? rib_attrs_intern_from(pc->ac, r->cur, in, 0)
			      : rib_attrs_intern(pc->ac, r->cur);
	return *out ? 0 : -1;
}

static void cache_store(struct pol_cache *pc, struct pol_chain *c, struct rib_attrs *in,
			uint64_t key, const struct pol_run *r, struct rib_attrs *out)
{
	struct pc_entry *e;

	if (!pc->e && !(pc->e = calloc(pc->cap, sizeof(*pc->e))))
		return;
	e = cache_victim(pc, c, in, key);
	e->chain = c;
	e->in = rib_attrs_ref(in);
	e->out = out ? rib_attrs_ref(out) : NULL;
	e->key = key;
	e->used = ++pc->clock;
	e->ipol = (uint8_t)r->ipol;
	e->nst = (uint8_t)r->nst;
	e->nh_self = r->nh_self;
	memcpy(e->st, r->st, r->nst * sizeof(r->st[0]));
	pc->n++;
}

int pol_explain(struct pol_cache *pc, const struct pol_config *cfg, struct pol_chain *c,
		const struct pol_env *env, const struct bgp_prefix *pfx, const struct rib_attrs *in,
		struct pol_verdict *v)
{
	if (!pc->s && !(pc->s = malloc(sizeof(*pc->s))))
		return -1;
	struct pol_run r = { .cfg = cfg, .env = env, .pfx = pfx, .cur = rib_attrs_get(in),
			     .s = pc->s, .quiet = true };
	pol_run_chain(&r, c);
	verdict_of(c, r.ipol, r.decider, r.accept, r.nh_self, v);
	return 0;
}

int pol_eval(struct pol_cache *pc, const struct pol_config *cfg, struct pol_chain *c,
	     const struct pol_env *env, const struct bgp_prefix *pfx, struct rib_attrs *in,
	     struct rib_attrs **out, struct pol_verdict *v)
{
	bool cacheable = pc->cap && !(c->uses & POL_M_PREFIX) && c->n < 256;
	uint64_t key = env_key(c, env, pfx->family);
	struct pc_entry *e = cacheable && pc->e ? cache_find(pc, c, in, key) : NULL;

	if (e) {
		pc->st.hits++;
		e->used = ++pc->clock;
		replay(c, e);
		*out = e->out ? rib_attrs_ref(e->out) : NULL;
		verdict_of(c, e->ipol, decider_of(e), e->out != NULL, e->nh_self, v);
		return 0;
	}
	if (!pc->s && !(pc->s = malloc(sizeof(*pc->s))))
		return -1;
	struct pol_run r = { .cfg = cfg, .env = env, .pfx = pfx, .cur = rib_attrs_get(in),
			     .s = pc->s };
	if (eval_fresh(pc, &r, c, in, out) < 0)
		return -1;
	verdict_of(c, r.ipol, r.decider, r.accept, r.nh_self, v);
	if (!cacheable) {
		pc->st.bypass++;
		return 0;
	}
	pc->st.misses++;
	if (r.nst <= POL_TRACE)
		cache_store(pc, c, in, key, &r, *out);
	return 0;
}
