/* Loads FABRIC.json (compact or explicit form of closbgp-fabric) through
 * libyang, so that type errors are reported by the schema, then copies the
 * validated tree into struct topo_fabric. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libyang/libyang.h>

#include "topo/topo.h"
#include "topo/load_tree.h"

const struct lyd_node *topo_yd_child(const struct lyd_node *p,
				     const char *name)
{
	const struct lyd_node *n;

	if (!p)
		return NULL;
	for (n = lyd_child(p); n; n = n->next)
		if (!strcmp(LYD_NAME(n), name))
			return n;
	return NULL;
}

const char *topo_yd_leaf(const struct lyd_node *p, const char *name)
{
	const struct lyd_node *n = topo_yd_child(p, name);

	return n ? lyd_get_value(n) : NULL;
}

unsigned topo_yd_uint(const struct lyd_node *p, const char *name,
		      unsigned dflt)
{
	const char *v = topo_yd_leaf(p, name);

	return v ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

void topo_yd_copy(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src ? src : "");
}

/* Parses an optional prefix leaf; libyang already checked its syntax. */
int topo_yd_prefix(const struct lyd_node *p, const char *name,
		   struct topo_prefix *out, struct topo_err *err)
{
	const char *v = topo_yd_leaf(p, name);

	memset(out, 0, sizeof(*out));
	if (v && topo_prefix_parse(v, out))
		return topo_errf(err, "%s: '%s' is not an address/length",
				 name, v);
	return 0;
}

static int load_shape(struct topo_fabric *f, const struct lyd_node *s,
		      struct topo_err *err)
{
	static const char *const need[] = {
		"planes", "ssws-per-plane", "pods", "rsws-per-pod"
	};
	size_t i, given = 0;

	for (i = 0; s && i < 4; i++)
		given += topo_yd_leaf(s, need[i]) != NULL;
	if (!given) /* only defaults: no compact form */
		return 0;
	for (i = 0; i < 4; i++)
		if (!topo_yd_leaf(s, need[i]))
			return topo_errf(err, "shape: '%s' is missing", need[i]);
	f->shape.present = true;
	f->shape.planes = topo_yd_uint(s, "planes", 0);
	f->shape.ssws = topo_yd_uint(s, "ssws-per-plane", 0);
	f->shape.pods = topo_yd_uint(s, "pods", 0);
	f->shape.rsws = topo_yd_uint(s, "rsws-per-pod", 0);
	f->shape.servers = topo_yd_uint(s, "servers-per-rack", 0);
	f->shape.plinks = topo_yd_uint(s, "parallel-links", 1);
	return 0;
}

static void load_rule(struct topo_asn_rule *r, const struct lyd_node *n)
{
	static const char *const per[] = {
		"tier", "plane", "pod", "index", "device"
	};
	const char *v = topo_yd_leaf(n, "per");
	size_t i;

	r->base = topo_yd_uint(n, "base", r->base);
	for (i = 0; v && i < 5; i++)
		if (!strcmp(v, per[i]))
			r->per = (enum topo_asn_per)i;
}

static void load_scheme(struct topo_fabric *f, const struct lyd_node *s)
{
	const struct lyd_node *c;

	if (!s)
		return;
	f->scheme.min = topo_yd_uint(s, "min", f->scheme.min);
	f->scheme.max = topo_yd_uint(s, "max", f->scheme.max);
	if ((c = topo_yd_child(s, "ssw")))
		load_rule(&f->scheme.rule[TOPO_SSW], c);
	if ((c = topo_yd_child(s, "fsw")))
		load_rule(&f->scheme.rule[TOPO_FSW], c);
	if ((c = topo_yd_child(s, "rsw")))
		load_rule(&f->scheme.rule[TOPO_RSW], c);
	if ((c = topo_yd_child(s, "confederation"))) {
		const char *e = topo_yd_leaf(c, "enabled");

		f->scheme.confed = !e || !strcmp(e, "true");
		f->scheme.confed_base = topo_yd_uint(c, "identifier-base",
					      f->scheme.confed_base);
	}
}

static int load_pools(struct topo_fabric *f, const struct lyd_node *p,
		      struct topo_err *err)
{
	struct topo_pools *o = &f->pools;
	const struct lyd_node *c;
	const char *m;

	if (!p)
		return 0;
	c = topo_yd_child(p, "loopback");
	if (topo_yd_prefix(c, "ipv4", &o->lo4, err) || topo_yd_prefix(c, "ipv6", &o->lo6, err))
		return -1;
	c = topo_yd_child(p, "point-to-point");
	if (topo_yd_prefix(c, "ipv4", &o->p2p4, err) ||
	    topo_yd_prefix(c, "ipv6", &o->p2p6, err))
		return -1;
	m = topo_yd_leaf(c, "ipv6-mode");
	o->p2p6_linklocal = m && !strcmp(m, "link-local");
	c = topo_yd_child(p, "pod");
	if (topo_yd_prefix(c, "ipv4", &o->pod4, err) || topo_yd_prefix(c, "ipv6", &o->pod6, err))
		return -1;
	o->pod4_len = topo_yd_uint(c, "ipv4-length", 0);
	o->pod6_len = topo_yd_uint(c, "ipv6-length", 0);
	c = topo_yd_child(p, "rack");
	o->rack4_len = topo_yd_uint(c, "ipv4-length", o->rack4_len);
	o->rack6_len = topo_yd_uint(c, "ipv6-length", o->rack6_len);
	c = topo_yd_child(p, "vip");
	if (topo_yd_prefix(c, "ipv4", &o->vip4, err) || topo_yd_prefix(c, "ipv6", &o->vip6, err))
		return -1;
	o->vip4_len = topo_yd_uint(c, "ipv4-length", 0);
	o->vip6_len = topo_yd_uint(c, "ipv6-length", 0);
	return 0;
}

static int load_rtypes(struct topo_fabric *f, const struct lyd_node *p,
		       struct topo_err *err)
{
	const struct lyd_node *n;

	for (n = p ? lyd_child(p) : NULL; n; n = n->next) {
		struct topo_route_type *r;

		if (strcmp(LYD_NAME(n), "route-type"))
			continue;
		if (f->nrtypes == TOPO_MAX_ROUTE_TYPES)
			return topo_errf(err, "more than %d route types",
					 TOPO_MAX_ROUTE_TYPES);
		r = &f->rtypes[f->nrtypes++];
		topo_yd_copy(r->name, sizeof(r->name), topo_yd_leaf(n, "name"));
		topo_yd_copy(r->community, sizeof(r->community),
			  topo_yd_leaf(n, "community"));
		topo_yd_copy(r->descr, sizeof(r->descr), topo_yd_leaf(n, "description"));
	}
	return 0;
}

static size_t count(const struct lyd_node *p, const char *name)
{
	const struct lyd_node *n;
	size_t k = 0;

	for (n = p ? lyd_child(p) : NULL; n; n = n->next)
		k += !strcmp(LYD_NAME(n), name);
	return k;
}

static int load_aggs(struct topo_fabric *f, const struct lyd_node *p,
		     struct topo_err *err)
{
	static const char *const scopes[] = { "rack", "pod", "plane" };
	const struct lyd_node *n;
	size_t k = count(p, "aggregate"), i;

	if (!k)
		return 0;
	if (!(f->aggs = calloc(k, sizeof(*f->aggs))))
		return topo_errf(err, "out of memory");
	for (n = lyd_child(p); n; n = n->next) {
		struct topo_aggregate *a = &f->aggs[f->naggs++];
		const char *c = topo_yd_leaf(n, "covers"), *s = topo_yd_leaf(n, "scope");

		topo_tier_parse(topo_yd_leaf(n, "tier"), &a->tier);
		a->route_type = topo_rtype_find(f, topo_yd_leaf(n, "route-type"));
		a->covers = c ? topo_rtype_find(f, c) : -1;
		for (i = 0; i < 3; i++)
			if (s && !strcmp(s, scopes[i]))
				a->scope = (enum topo_agg_scope)i;
		a->min_ms = topo_yd_uint(n, "min-more-specifics", 0);
	}
	return 0;
}

/* Fills one policy rule; leaf-lists become bit sets of route types. */
static void load_policy_rule(struct topo_fabric *f, struct topo_rule *r,
			     const struct lyd_node *n)
{
	const struct lyd_node *c;
	const char *v;
	size_t i;

	topo_tier_parse(topo_yd_leaf(n, "tier"), &r->tier);
	topo_tier_parse(topo_yd_leaf(n, "peer-tier"), &r->peer_tier);
	r->out = !strcmp(topo_yd_leaf(n, "direction"), "out");
	r->seq = topo_yd_uint(n, "sequence", 0);
	r->permit = !strcmp(topo_yd_leaf(n, "action"), "permit");
	topo_yd_copy(r->regex, sizeof(r->regex), topo_yd_leaf(n, "as-path-regex"));
	r->lpref = -1;
	if ((v = topo_yd_leaf(n, "set-local-preference")))
		for (i = 0; i < f->nlprefs; i++)
			if (!strcmp(f->lprefs[i].name, v))
				r->lpref = (int)i;
	for (c = lyd_child(n); c; c = c->next) {
		int t = topo_rtype_find(f, lyd_get_value(c));
		uint32_t bit = t >= 0 ? 1u << t : 0;

		if (!strcmp(LYD_NAME(c), "match-route-type"))
			r->match |= bit;
		else if (!strcmp(LYD_NAME(c), "add-route-type"))
			r->add |= bit;
		else if (!strcmp(LYD_NAME(c), "remove-route-type"))
			r->remove |= bit;
	}
}

static int load_policy(struct topo_fabric *f, const struct lyd_node *p,
		       struct topo_err *err)
{
	const struct lyd_node *n;
	size_t nl = count(p, "local-preference"), nr = count(p, "rule");

	if ((nl && !(f->lprefs = calloc(nl, sizeof(*f->lprefs)))) ||
	    (nr && !(f->rules = calloc(nr, sizeof(*f->rules)))))
		return topo_errf(err, "out of memory");
	for (n = p ? lyd_child(p) : NULL; n; n = n->next) {
		if (!strcmp(LYD_NAME(n), "local-preference")) {
			struct topo_lpref *l = &f->lprefs[f->nlprefs++];

			topo_yd_copy(l->name, sizeof(l->name), topo_yd_leaf(n, "name"));
			l->value = topo_yd_uint(n, "value", 0);
		}
	}
	for (n = p ? lyd_child(p) : NULL; n; n = n->next)
		if (!strcmp(LYD_NAME(n), "rule"))
			load_policy_rule(f, &f->rules[f->nrules++], n);
	return 0;
}

/* graceful-restart: the fabric's timers (YANG defaults), then each tier's
 * own where the file sets them. */
static void load_gr(struct topo_fabric *f, const struct lyd_node *g)
{
	static const char *const leaf[TOPO_GR_NTIMERS] = { "restart-time", "stale-time",
							   "end-of-rib-wait" };
	const struct lyd_node *n;
	enum topo_tier t;

	if (!g)
		return;
	for (int k = 0; k < TOPO_GR_NTIMERS; k++)
		for (t = TOPO_SSW; t < TOPO_NTIERS; t++)
			f->gr[t].t[k] = topo_yd_uint(g, leaf[k], f->gr[t].t[k]);
	LY_LIST_FOR(lyd_child(g), n) {
		if (!n->schema || strcmp(n->schema->name, "tier") ||
		    topo_tier_parse(topo_yd_leaf(n, "name"), &t))
			continue;
		for (int k = 0; k < TOPO_GR_NTIMERS; k++)
			if (topo_yd_leaf(n, leaf[k])) {
				f->gr[t].t[k] = topo_yd_uint(n, leaf[k], 0);
				f->gr[t].own[k] = true;
			}
	}
}

static int load_tree(struct topo_fabric *f, const struct lyd_node *fab,
		     struct topo_err *err)
{
	topo_yd_copy(f->name, sizeof(f->name), topo_yd_leaf(fab, "name"));
	if (load_shape(f, topo_yd_child(fab, "shape"), err))
		return -1;
	load_scheme(f, topo_yd_child(fab, "asn-scheme"));
	if (load_pools(f, topo_yd_child(fab, "address-pools"), err) ||
	    load_rtypes(f, topo_yd_child(fab, "route-types"), err))
		return -1;
	if (topo_yd_child(fab, "timers")) {
		const struct lyd_node *t = topo_yd_child(fab, "timers");

		f->timers.hold = topo_yd_uint(t, "hold-time", 30);
		f->timers.keepalive = topo_yd_uint(t, "keepalive", 10);
		f->timers.connect_retry = topo_yd_uint(t, "connect-retry", 5);
	}
	load_gr(f, topo_yd_child(fab, "graceful-restart"));
	if (topo_yd_child(fab, "max-prefix")) {
		const struct lyd_node *m = topo_yd_child(fab, "max-prefix");
		const char *act = topo_yd_leaf(m, "action");

		f->maxpfx.limit = topo_yd_uint(m, "limit", 0);
		f->maxpfx.warning_only = act && !strcmp(act, "warning");
		f->maxpfx.restart_time = topo_yd_uint(m, "restart-time", 60);
		f->maxpfx.threshold = topo_yd_uint(m, "warning-threshold", 75);
	}
	if (load_aggs(f, topo_yd_child(fab, "aggregation"), err) ||
	    load_policy(f, topo_yd_child(fab, "policy"), err))
		return -1;
	if (topo_defaults(f, err) || topo_load_devices(f, fab, err))
		return -1;
	if (!f->shape.present && !f->explicit_form)
		return topo_errf(err, "fabric '%s' has neither 'shape' nor "
				 "'device' entries", f->name);
	return 0;
}

static int yang_error(const struct ly_ctx *ctx, const char *path,
		      struct topo_err *err)
{
	const struct ly_err_item *e = ly_err_last(ctx);

	if (!e)
		return topo_errf(err, "%s: cannot be loaded", path);
	return topo_errf(err, "%s: %s%s%s%s", path, e->msg,
			 e->path ? " (at " : "", e->path ? e->path : "",
			 e->path ? ")" : "");
}

struct topo_schema {
	struct ly_ctx *ctx; /* closbgp-fabric loaded; never holds data */
};

struct topo_schema *topo_schema_new(const char *yang_dir, struct topo_err *err)
{
	struct topo_schema *s = calloc(1, sizeof(*s));

	if (!s) {
		topo_errf(err, "out of memory");
		return NULL;
	}
	ly_log_options(LY_LOSTORE_LAST);
	if (ly_ctx_new(yang_dir, 0, &s->ctx) != LY_SUCCESS) {
		topo_errf(err, "libyang context cannot be created");
		free(s);
		return NULL;
	}
	if (!ly_ctx_load_module(s->ctx, "closbgp-fabric", NULL, NULL)) {
		topo_errf(err, "YANG module closbgp-fabric not found in %s",
			  yang_dir);
		topo_schema_free(s);
		return NULL;
	}
	ly_err_clean(s->ctx, NULL);
	return s;
}

void topo_schema_free(struct topo_schema *s)
{
	if (!s)
		return;
	ly_ctx_destroy(s->ctx);
	free(s);
}

/* The context leaves as it came: the data tree freed, the stored error
 * cleared (before too: yang_error reports the last one, which must be
 * this file's). */
int topo_schema_load(struct topo_schema *s, struct topo_fabric *f,
		     const char *path, struct topo_err *err)
{
	struct lyd_node *tree = NULL;
	int rc = -1;

	ly_log_options(LY_LOSTORE_LAST);
	ly_err_clean(s->ctx, NULL);
	if (lyd_parse_data_path(s->ctx, path, LYD_JSON, LYD_PARSE_STRICT,
				LYD_VALIDATE_PRESENT, &tree) != LY_SUCCESS) {
		yang_error(s->ctx, path, err);
		goto out;
	}
	if (!tree || strcmp(LYD_NAME(tree), "fabric")) {
		topo_errf(err, "%s: no closbgp-fabric:fabric container", path);
		goto out;
	}
	rc = load_tree(f, tree, err);
out:
	lyd_free_all(tree);
	ly_err_clean(s->ctx, NULL);
	return rc;
}

int topo_load(struct topo_fabric *f, const char *path, const char *yang_dir,
	      struct topo_err *err)
{
	struct topo_schema *s = topo_schema_new(yang_dir, err);
	int rc;

	if (!s)
		return -1;
	rc = topo_schema_load(s, f, path, err);
	topo_schema_free(s);
	return rc;
}
