/* The policy-intent prediction (docs/topology.md): how many prefixes each
 * switch will hold, per family, from the fabric description alone.  The
 * originated prefixes are grouped into classes that behave alike — the
 * same originating switches with the same route types: a switch's
 * loopbacks, a rack's prefixes, a pod's aggregates — and each class is
 * propagated once (predict_sim.c), IPv4 and IPv6 together when their
 * sessions are the same.  An aggregate with a minimum of more-specifics is
 * originated where the prediction puts enough of them (of its covered
 * route type) at that switch; that changes which classes exist, so the
 * rounds repeat, re-simulating only changed classes, until it settles. */
#include <stdlib.h>
#include <string.h>

#include "topo/predict.h"

#define PRED_MAX_ROUNDS 16

struct pred_orig { /* one switch originating one prefix */
	struct topo_prefix pfx;
	uint32_t dev, types;
	int agg; /* its conditional aggregate, -1: always originated */
};

struct pred_agg { /* an aggregate with a minimum, at one switch */
	struct topo_prefix pfx;
	uint32_t dev, need; /* need: the contributors' route type, 0: any */
	unsigned min;
};

struct pred_entry { /* one distinct prefix: its originators */
	size_t first, n; /* into origs */
};

struct pred_contrib {
	uint32_t agg, n;
};

struct pred_class {
	uint64_t *key; /* active originators: dev << 32 | route types */
	size_t nkey;
	uint32_t *ents; /* its prefixes */
	size_t nents;
	uint32_t n[2]; /* IPv4, IPv6 prefixes */
	uint64_t *bits[2]; /* switches that hold them (one array when alike) */
	struct pred_contrib *contrib;
	size_t ncontrib;
};

struct pred {
	const struct topo_fabric *f;
	struct pred_orig *origs;
	size_t norigs;
	struct pred_agg *aggs;
	size_t naggs;
	struct pred_entry *ents;
	size_t nents;
	bool *active;
	uint32_t *count; /* contributors per aggregate */
	struct topo_sim_graph *g[2];
	struct topo_sim *sim[2];
	bool same; /* IPv4 and IPv6 have the same sessions */
	struct pred_class *cls;
	size_t ncls, words;
	unsigned sims;
	char why[200];
};

static int fam(const struct topo_prefix *p)
{
	return p->af == 6;
}

/* ---- originated prefixes ------------------------------------------------------ */

static int orig_cmp(const void *a, const void *b)
{
	const struct pred_orig *x = a, *y = b;
	int c = topo_prefix_cmp(&x->pfx, &y->pfx);

	if (c)
		return c;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->types < y->types ? -1 : x->types > y->types;
}

/* An aggregate with min-more-specifics n > 0: counted contributors are
 * more-specifics of its covers route type (closbgpd's contributor-route-
 * type, emitted when the fabric has a policy), any type otherwise. */
static void add_agg(struct pred *p, const struct topo_device *d, const struct topo_orig *o,
		    uint32_t dev)
{
	const struct topo_aggregate *a = topo_orig_intent(p->f, d, o);

	p->aggs[p->naggs++] = (struct pred_agg){topo_prefix_net(&o->pfx), dev,
		a && a->covers >= 0 && topo_policy_on(p->f) ? 1u << a->covers : 0,
		(unsigned)o->min_ms};
}

static int pred_collect(struct pred *p, struct topo_err *err)
{
	const struct topo_fabric *f = p->f;
	size_t n = 0;

	for (size_t i = 0; i < f->ndevs; i++)
		n += f->devs[i].tier == TOPO_SERVER ? 0 : f->devs[i].norigs;
	p->origs = calloc(n + 1, sizeof(*p->origs));
	p->aggs = calloc(n + 1, sizeof(*p->aggs));
	p->ents = calloc(n + 1, sizeof(*p->ents));
	if (!p->origs || !p->aggs || !p->ents)
		return topo_errf(err, "out of memory for the route prediction");
	for (size_t i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];
		for (size_t j = 0; d->tier != TOPO_SERVER && j < d->norigs; j++) {
			const struct topo_orig *o = &d->origs[j];
			int agg = -1;
			if (o->min_ms > 0) {
				agg = (int)p->naggs;
				add_agg(p, d, o, (uint32_t)i);
			}
			p->origs[p->norigs++] = (struct pred_orig){topo_prefix_net(&o->pfx),
				(uint32_t)i, o->route_type >= 0 ? 1u << o->route_type : 0, agg};
		}
	}
	qsort(p->origs, p->norigs, sizeof(*p->origs), orig_cmp);
	for (size_t i = 0; i < p->norigs; i++) {
		if (i && !topo_prefix_cmp(&p->origs[i - 1].pfx, &p->origs[i].pfx)) {
			p->ents[p->nents - 1].n++;
			continue;
		}
		p->ents[p->nents++] = (struct pred_entry){i, 1};
	}
	p->active = calloc(p->naggs + 1, sizeof(*p->active));
	p->count = calloc(p->naggs + 1, sizeof(*p->count));
	return p->active && p->count ? 0 : topo_errf(err, "out of memory for the route prediction");
}

/* ---- classes ----------------------------------------------------------------- */

struct kref {
	const uint64_t *key;
	size_t nkey;
	uint32_t ent;
};

static int key_cmp(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	for (size_t i = 0; i < na && i < nb; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

static int kref_cmp(const void *a, const void *b)
{
	const struct kref *x = a, *y = b;
	int c = key_cmp(x->key, x->nkey, y->key, y->nkey);

	return c ? c : x->ent < y->ent ? -1 : x->ent > y->ent;
}

static int class_cmp(const void *a, const void *b)
{
	const struct pred_class *x = a, *y = b;
	int c = key_cmp(x->key, x->nkey, y->key, y->nkey);

	if (c)
		return c;
	for (size_t i = 0; i < x->nents && i < y->nents; i++)
		if (x->ents[i] != y->ents[i])
			return x->ents[i] < y->ents[i] ? -1 : 1;
	return x->nents < y->nents ? -1 : x->nents > y->nents;
}

static void class_free(struct pred_class *c)
{
	free(c->key);
	free(c->ents);
	if (c->bits[1] != c->bits[0])
		free(c->bits[1]);
	free(c->bits[0]);
	free(c->contrib);
	memset(c, 0, sizeof(*c));
}

static void classes_free(struct pred_class *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		class_free(&c[i]);
	free(c);
}

/* One class per distinct set of active originators; a prefix no switch
 * originates now is in none. */
static int class_make(struct pred_class *c, const struct kref *r, size_t n,
		      const struct pred *p)
{
	c->nkey = r[0].nkey;
	c->key = malloc(c->nkey * sizeof(*c->key));
	c->ents = malloc(n * sizeof(*c->ents));
	if (!c->key || !c->ents)
		return -1;
	memcpy(c->key, r[0].key, c->nkey * sizeof(*c->key));
	for (size_t i = 0; i < n; i++) {
		c->ents[i] = r[i].ent;
		c->n[fam(&p->origs[p->ents[r[i].ent].first].pfx)]++;
	}
	c->nents = n;
	return 0;
}

static int pred_classes(const struct pred *p, struct pred_class **out, size_t *nout)
{
	uint64_t *keys = calloc(p->norigs + 1, sizeof(*keys));
	struct kref *r = calloc(p->nents + 1, sizeof(*r));
	struct pred_class *c = calloc(p->nents + 1, sizeof(*c));
	size_t nk = 0, nr = 0, n = 0;
	int rc = -1;

	if (!keys || !r || !c)
		goto done;
	for (size_t e = 0; e < p->nents; e++) {
		size_t k0 = nk;
		for (size_t i = 0; i < p->ents[e].n; i++) {
			const struct pred_orig *o = &p->origs[p->ents[e].first + i];
			if (o->agg < 0 || p->active[o->agg])
				keys[nk++] = (uint64_t)o->dev << 32 | o->types;
		}
		if (nk > k0)
			r[nr++] = (struct kref){keys + k0, nk - k0, (uint32_t)e};
	}
	qsort(r, nr, sizeof(*r), kref_cmp);
	for (size_t i = 0, j; i < nr; i = j) {
		for (j = i + 1; j < nr && !key_cmp(r[i].key, r[i].nkey, r[j].key, r[j].nkey); j++)
			;
		if (class_make(&c[n++], r + i, j - i, p))
			goto done;
	}
	*out = c;
	*nout = n;
	c = NULL;
	rc = 0;
done:
	classes_free(c, n);
	free(keys);
	free(r);
	return rc;
}

/* ---- simulating a class ------------------------------------------------------ */

static int add_contrib(struct pred_class *c, uint32_t agg, uint32_t n)
{
	struct pred_contrib *v = realloc(c->contrib, (c->ncontrib + 1) * sizeof(*v));

	if (!v)
		return -1;
	c->contrib = v;
	v[c->ncontrib++] = (struct pred_contrib){agg, n};
	return 0;
}

/* After a run for the families in mask: where the class is, and how many
 * of its prefixes count towards each conditional aggregate (strictly
 * more specific, of the family, a usable best path of the covered type). */
static int class_record(struct pred *p, struct pred_class *c, const struct topo_sim *s,
			unsigned mask, uint64_t *bits)
{
	uint32_t t;

	for (size_t v = 0; v < p->f->ndevs; v++)
		if (topo_sim_has(s, (uint32_t)v, &t))
			bits[v / 64] |= 1ull << (v % 64);
	for (size_t a = 0; a < p->naggs; a++) {
		const struct pred_agg *g = &p->aggs[a];
		uint32_t n = 0;
		if (!(mask & (1u << fam(&g->pfx))) || !topo_sim_has(s, g->dev, &t) ||
		    (g->need && !(t & g->need)))
			continue;
		for (size_t i = 0; i < c->nents; i++) {
			const struct topo_prefix *q = &p->origs[p->ents[c->ents[i]].first].pfx;
			n += q->len > g->pfx.len && topo_prefix_contains(&g->pfx, q);
		}
		if (n && add_contrib(c, (uint32_t)a, n))
			return -1;
	}
	return 0;
}

/* 0 simulated, 1 not predictable (p->why), -1 error. */
static int class_sim(struct pred *p, struct pred_class *c, struct topo_err *err)
{
	struct topo_sim_origin *o = calloc(c->nkey + 1, sizeof(*o));
	int rc = -1;

	if (!o)
		return topo_errf(err, "out of memory for the route prediction");
	for (size_t i = 0; i < c->nkey; i++)
		o[i] = (struct topo_sim_origin){(uint32_t)(c->key[i] >> 32), (uint32_t)c->key[i]};
	for (int af = 0; af < 2; af++) {
		unsigned mask = p->same ? (c->n[0] ? 1u : 0) | (c->n[1] ? 2u : 0) : 1u << af;
		if (!c->n[af] || (p->same && af == 1 && c->n[0]))
			continue; /* none of this family, or simulated with IPv4 */
		if (!(c->bits[af] = calloc(p->words, sizeof(uint64_t))))
			goto oom;
		rc = topo_sim_run(p->sim[af], o, c->nkey, err);
		if (rc == 1)
			snprintf(p->why, sizeof(p->why), "%s", topo_sim_why(p->sim[af]));
		if (rc)
			goto done;
		p->sims++;
		if (class_record(p, c, p->sim[af], mask, c->bits[af]))
			goto oom;
		if (p->same && af == 0 && c->n[1])
			c->bits[1] = c->bits[0];
	}
	rc = 0;
	goto done;
oom:
	rc = topo_errf(err, "out of memory for the route prediction");
done:
	free(o);
	return rc;
}

/* ---- rounds ---------------------------------------------------------------------- */

/* This round's classes: the unchanged ones keep last round's result. */
static int pred_round(struct pred *p, struct topo_err *err)
{
	struct pred_class *c = NULL, *old = p->cls;
	size_t n = 0;
	int rc = 0;

	if (pred_classes(p, &c, &n))
		return topo_errf(err, "out of memory for the route prediction");
	for (size_t i = 0; i < n && !rc; i++) {
		struct pred_class *was = old ? bsearch(&c[i], old, p->ncls, sizeof(*old), class_cmp)
					     : NULL;
		if (was && (was->bits[0] || was->bits[1])) {
			memcpy(c[i].bits, was->bits, sizeof(c[i].bits));
			c[i].contrib = was->contrib;
			c[i].ncontrib = was->ncontrib;
			memset(was->bits, 0, sizeof(was->bits));
			was->contrib = NULL;
			continue;
		}
		rc = class_sim(p, &c[i], err);
	}
	classes_free(old, p->ncls);
	p->cls = c;
	p->ncls = n;
	return rc;
}

/* Aggregates whose activity changed with this round's contributors. */
static bool pred_settle(struct pred *p)
{
	bool changed = false;

	memset(p->count, 0, p->naggs * sizeof(*p->count));
	for (size_t i = 0; i < p->ncls; i++)
		for (size_t k = 0; k < p->cls[i].ncontrib; k++)
			p->count[p->cls[i].contrib[k].agg] += p->cls[i].contrib[k].n;
	for (size_t a = 0; a < p->naggs; a++) {
		bool on = p->count[a] >= p->aggs[a].min;
		changed |= on != p->active[a];
		p->active[a] = on;
	}
	return changed;
}

static void pred_count(const struct pred *p, struct topo_prediction *out)
{
	for (size_t i = 0; i < p->ncls; i++)
		for (int af = 0; af < 2; af++) {
			const uint64_t *b = p->cls[i].bits[af];
			uint32_t *sum = af ? out->v6 : out->v4;
			for (size_t v = 0; b && v < p->f->ndevs; v++)
				if (b[v / 64] >> (v % 64) & 1)
					sum[v] += p->cls[i].n[af];
		}
}

/* The standard intent matches route types only; an AS_PATH regex would
 * need the regex engine of each daemon. */
static bool pred_simulable(const struct topo_fabric *f, char *why, size_t len)
{
	for (size_t i = 0; topo_policy_on(f) && i < f->nrules; i++) {
		const struct topo_rule *r = &f->rules[i];
		if (r->regex[0]) {
			snprintf(why, len, "the %s rule %s %s sequence %u matches an as-path-regex, "
				 "which the prediction does not simulate", topo_tier_name(r->tier),
				 r->out ? "out to" : "in from", topo_tier_name(r->peer_tier), r->seq);
			return false;
		}
	}
	return true;
}

static int pred_setup(struct pred *p, struct topo_err *err)
{
	for (int af = 0; af < 2; af++)
		if (!(p->g[af] = topo_sim_graph_new(p->f, af ? 6 : 4, err)) ||
		    !(p->sim[af] = topo_sim_new(p->f, p->g[af], err)))
			return -1;
	p->same = topo_sim_graph_same(p->g[0], p->g[1]);
	p->words = (p->f->ndevs + 63) / 64;
	return pred_collect(p, err);
}

static void pred_free(struct pred *p)
{
	classes_free(p->cls, p->ncls);
	for (int af = 0; af < 2; af++) {
		topo_sim_free(p->sim[af]);
		topo_sim_graph_free(p->g[af]);
	}
	free(p->origs);
	free(p->aggs);
	free(p->ents);
	free(p->active);
	free(p->count);
}

int topo_predict(const struct topo_fabric *f, struct topo_prediction *out, struct topo_err *err)
{
	struct pred p = {.f = f};
	int rc = -1;
	unsigned round;

	memset(out, 0, sizeof(*out));
	out->ndevs = f->ndevs;
	out->v4 = calloc(f->ndevs + 1, sizeof(*out->v4));
	out->v6 = calloc(f->ndevs + 1, sizeof(*out->v6));
	if (!out->v4 || !out->v6) {
		topo_errf(err, "out of memory for the route prediction");
		goto done;
	}
	if (!pred_simulable(f, out->note, sizeof(out->note))) {
		rc = 0;
		goto done;
	}
	if (pred_setup(&p, err))
		goto done;
	for (round = 1; round <= PRED_MAX_ROUNDS; round++) {
		int r = pred_round(&p, err);
		if (r < 0)
			goto done;
		if (r > 0) {
			snprintf(out->note, sizeof(out->note), "%s", p.why);
			rc = 0;
			goto done;
		}
		if (!pred_settle(&p))
			break;
	}
	rc = 0;
	if (round > PRED_MAX_ROUNDS) {
		snprintf(out->note, sizeof(out->note), "aggregates with a minimum of "
			 "more-specifics do not settle after %d rounds", PRED_MAX_ROUNDS);
		goto done;
	}
	pred_count(&p, out);
	out->ok = true;
	out->classes = (unsigned)p.ncls;
	out->simulations = p.sims;
	out->rounds = round;
done:
	pred_free(&p);
	return rc;
}

void topo_prediction_free(struct topo_prediction *p)
{
	free(p->v4);
	free(p->v6);
	memset(p, 0, sizeof(*p));
}
