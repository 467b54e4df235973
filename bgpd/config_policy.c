/* Routing policy from the device configuration: route types, LOCAL_PREF
 * names, defined sets, policies and statements into a struct pol_config
 * (policy/policy.h), then each neighbor's import/export chains and
 * max-prefix. YANG has checked types and references; what it cannot
 * check (regular expressions, length ranges, unreachable statements) is
 * checked here, each error as "FILE: PATH: REASON". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/config_int.h"

struct pol_build {
	struct cfg_err *e;
	struct pol_config *pc;
	uint64_t digest;
};

static size_t count(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n;
	size_t k = 0;

	LY_LIST_FOR(lyd_child(parent), n) k += cfg_is(n, name);
	return k;
}

static void *alloc(size_t n, size_t size, bool *oom)
{
	void *p;

	if (!n)
		return NULL;
	p = calloc(n, size);
	if (!p)
		*oom = true;
	return p;
}

static void err_at(struct pol_build *b, const struct lyd_node *n, const char *leaf, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

static void err_at(struct pol_build *b, const struct lyd_node *n, const char *leaf, const char *fmt,
		   ...)
{
	char path[600], msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_path(n, path, sizeof(path));
	cfg_error(b->e, path, leaf, "%s", msg);
}

/* The policy text, hashed: a reload whose policy text is the same keeps
 * every path as it is (pol_chain_same). */
static void digest_node(struct pol_build *b, const struct lyd_node *n)
{
	char *txt = NULL;

	if (lyd_print_mem(&txt, n, LYD_JSON, LYD_PRINT_SHRINK) != LY_SUCCESS)
		return;
	for (const char *q = txt; q && *q; q++)
		b->digest = (b->digest ^ (uint8_t)*q) * 0x100000001b3ull;
	free(txt);
}

/* ---- named values and sets ---------------------------------------------- */

static int build_named(struct pol_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *n;
	struct pol_config *pc = b->pc;
	bool oom = false;

	pc->lprefs = alloc(count(bgp, "local-preference"), sizeof(*pc->lprefs), &oom);
	pc->rtypes = alloc(count(bgp, "route-type"), sizeof(*pc->rtypes), &oom);
	pc->groups = alloc(count(bgp, "peer-group"), sizeof(*pc->groups), &oom);
	if (oom)
		return -1;
	LY_LIST_FOR(lyd_child(bgp), n) {
		if (cfg_is(n, "local-preference")) {
			struct pol_named_value *v = &pc->lprefs[pc->nlprefs++];
			snprintf(v->name, sizeof(v->name), "%s", cfg_str(n, "name"));
			v->value = cfg_u32(cfg_child(n, "value"));
			digest_node(b, n);
		} else if (cfg_is(n, "route-type")) {
			struct pol_named_value *v = &pc->rtypes[pc->nrtypes++];
			snprintf(v->name, sizeof(v->name), "%s", cfg_str(n, "name"));
			if (!cfg_community(cfg_str(n, "community"), &v->value))
				err_at(b, n, "/community", "bad community \"%s\"", cfg_str(n, "community"));
			digest_node(b, n);
		} else if (cfg_is(n, "peer-group")) {
			snprintf(pc->groups[pc->ngroups++], POL_NAME, "%s", cfg_str(n, "name"));
			digest_node(b, cfg_child(n, "name"));
		}
	}
	return 0;
}

static int build_commset(struct pol_build *b, const struct lyd_node *n, struct pol_commset *s)
{
	const struct lyd_node *m;
	bool oom = false;

	snprintf(s->name, sizeof(s->name), "%s", cfg_str(n, "name"));
	if (!(s->v = alloc(count(n, "member"), sizeof(*s->v), &oom)) && oom)
		return -1;
	LY_LIST_FOR(lyd_child(n), m) {
		if (cfg_is(m, "member") && !cfg_community(lyd_get_value(m), &s->v[s->n++]))
			err_at(b, m, NULL, "bad community \"%s\"", lyd_get_value(m));
	}
	return 0;
}

static int build_lcommset(struct pol_build *b, const struct lyd_node *n, struct pol_lcommset *s)
{
	const struct lyd_node *m;
	bool oom = false;

	snprintf(s->name, sizeof(s->name), "%s", cfg_str(n, "name"));
	if (!(s->v = alloc(count(n, "member"), sizeof(*s->v), &oom)) && oom)
		return -1;
	LY_LIST_FOR(lyd_child(n), m) {
		if (cfg_is(m, "member") && !cfg_large(lyd_get_value(m), &s->v[s->n++]))
			err_at(b, m, NULL, "bad large community \"%s\": want GLOBAL:LOCAL1:LOCAL2, "
			       "each 0..4294967295", lyd_get_value(m));
	}
	return 0;
}

static int build_aspathset(struct pol_build *b, const struct lyd_node *n, struct pol_aspathset *s)
{
	const struct lyd_node *m;
	size_t k = count(n, "regex");
	bool oom = false;

	snprintf(s->name, sizeof(s->name), "%s", cfg_str(n, "name"));
	s->src = alloc(k, sizeof(*s->src), &oom);
	s->re = alloc(k, sizeof(*s->re), &oom);
	if (oom)
		return -1;
	LY_LIST_FOR(lyd_child(n), m) {
		char why[128], path[600];
		if (!cfg_is(m, "regex"))
			continue;
		if (pol_regex_compile(&s->re[s->n], lyd_get_value(m), why, sizeof(why)) != 0) {
			cfg_path(m, path, sizeof(path));
			cfg_error(b->e, path, NULL, "invalid regular expression \"%s\": %s",
				  lyd_get_value(m), why);
			continue;
		}
		if (!(s->src[s->n] = strdup(lyd_get_value(m)))) {
			regfree(&s->re[s->n]);
			return -1;
		}
		s->n++;
	}
	return 0;
}

static void build_pfx(struct pol_build *b, const struct lyd_node *n, struct pol_pfxset *s)
{
	struct pol_pfx *x = &s->v[s->n];
	const struct lyd_node *mn = cfg_child(n, "min-length"), *mx = cfg_child(n, "max-length");
	unsigned full;

	if (!cfg_prefix(cfg_str(n, "prefix"), &x->p)) {
		err_at(b, n, "/prefix", "not a usable prefix \"%s\"", cfg_str(n, "prefix"));
		return;
	}
	full = x->p.family == AF_INET ? 32 : 128;
	x->min = mn ? ((const struct lyd_node_term *)mn)->value.uint8 : x->p.len;
	x->max = mx ? ((const struct lyd_node_term *)mx)->value.uint8 : (mn ? full : x->p.len);
	if (x->min < x->p.len || x->max > full || x->min > x->max) {
		char range[64];
		snprintf(range, sizeof(range), "%u..%u", x->min, x->max);
		err_at(b, n, NULL, "length range %s must lie within the prefix length..the address "
		       "length and not be empty", range);
		return;
	}
	s->n++;
}

static int build_pfxset(struct pol_build *b, const struct lyd_node *n, struct pol_pfxset *s)
{
	const struct lyd_node *m;
	bool oom = false;

	snprintf(s->name, sizeof(s->name), "%s", cfg_str(n, "name"));
	if (!(s->v = alloc(count(n, "prefix"), sizeof(*s->v), &oom)) && oom)
		return -1;
	LY_LIST_FOR(lyd_child(n), m) {
		if (cfg_is(m, "prefix"))
			build_pfx(b, m, s);
	}
	return 0;
}

static int build_sets(struct pol_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *ds = cfg_child(bgp, "defined-sets"), *n;
	struct pol_config *pc = b->pc;
	bool oom = false;
	int rc = 0;

	if (!ds)
		return 0;
	digest_node(b, ds);
	pc->commsets = alloc(count(ds, "community-set"), sizeof(*pc->commsets), &oom);
	pc->lcommsets = alloc(count(ds, "large-community-set"), sizeof(*pc->lcommsets), &oom);
	pc->aspathsets = alloc(count(ds, "as-path-set"), sizeof(*pc->aspathsets), &oom);
	pc->pfxsets = alloc(count(ds, "prefix-set"), sizeof(*pc->pfxsets), &oom);
	if (oom)
		return -1;
	LY_LIST_FOR(lyd_child(ds), n) {
		if (cfg_is(n, "community-set"))
			rc |= build_commset(b, n, &pc->commsets[pc->ncommsets++]);
		else if (cfg_is(n, "large-community-set"))
			rc |= build_lcommset(b, n, &pc->lcommsets[pc->nlcommsets++]);
		else if (cfg_is(n, "as-path-set"))
			rc |= build_aspathset(b, n, &pc->aspathsets[pc->naspathsets++]);
		else if (cfg_is(n, "prefix-set"))
			rc |= build_pfxset(b, n, &pc->pfxsets[pc->npfxsets++]);
	}
	return rc;
}

/* ---- statements ---------------------------------------------------------- */

/* The values of leaf-list `name` under parent, parsed by one of the
 * community parsers; appended to *v (n entries). */
static int comm_list(struct pol_build *b, const struct lyd_node *parent, const char *name,
		     uint32_t **v, size_t *n)
{
	const struct lyd_node *m;
	size_t k = count(parent, name);
	uint32_t *nv;

	if (!k)
		return 0;
	if (!(nv = realloc(*v, (*n + k) * sizeof(*nv))))
		return -1;
	*v = nv;
	LY_LIST_FOR(lyd_child(parent), m) {
		if (!cfg_is(m, name))
			continue;
		if (cfg_community(lyd_get_value(m), &nv[*n]))
			(*n)++;
		else
			err_at(b, m, NULL, "bad community \"%s\"", lyd_get_value(m));
	}
	return 0;
}

static int lcomm_list(struct pol_build *b, const struct lyd_node *parent, const char *name,
		      struct bgp_large_community **v, size_t *n)
{
	const struct lyd_node *m;
	size_t k = count(parent, name);

	if (!k)
		return 0;
	if (!(*v = calloc(k, sizeof(**v))))
		return -1;
	LY_LIST_FOR(lyd_child(parent), m) {
		if (!cfg_is(m, name))
			continue;
		if (cfg_large(lyd_get_value(m), &(*v)[*n]))
			(*n)++;
		else
			err_at(b, m, NULL, "bad large community \"%s\"", lyd_get_value(m));
	}
	return 0;
}

/* Route-type names under parent -> their communities appended to *v. */
static int rtype_list(struct pol_build *b, const struct lyd_node *parent, const char *name,
		      uint32_t **v, size_t *n)
{
	const struct lyd_node *m;
	size_t k = count(parent, name);
	uint32_t *nv;

	if (!k)
		return 0;
	if (!(nv = realloc(*v, (*n + k) * sizeof(*nv))))
		return -1;
	*v = nv;
	LY_LIST_FOR(lyd_child(parent), m) {
		if (!cfg_is(m, name))
			continue;
		const struct pol_named_value *rt =
			pol_named_find(b->pc->rtypes, b->pc->nrtypes, lyd_get_value(m));
		if (rt)
			nv[(*n)++] = rt->value;
		else
			err_at(b, m, NULL, "unknown route-type \"%s\"", lyd_get_value(m));
	}
	return 0;
}

static uint8_t setmatch(const struct lyd_node *c)
{
	const char *v = cfg_str(c, "match");

	return !v || !strcmp(v, "any") ? POL_SET_ANY : !strcmp(v, "all") ? POL_SET_ALL : POL_SET_NONE;
}

/* A reference YANG has resolved; NULL only if the set was refused. */
static void set_ref(struct pol_build *b, const struct lyd_node *c, const void *found)
{
	if (!found)
		err_at(b, c, "/set", "unknown or invalid set \"%s\"", cfg_str(c, "set"));
}

static void match_sets(struct pol_build *b, const struct lyd_node *mn, struct pol_match *m)
{
	const struct lyd_node *c;

	if ((c = cfg_child(mn, "community"))) {
		m->has |= POL_M_COMM;
		m->comm = pol_commset_find(b->pc, cfg_str(c, "set"));
		m->comm_mode = setmatch(c);
		set_ref(b, c, m->comm);
	}
	if ((c = cfg_child(mn, "large-community"))) {
		m->has |= POL_M_LCOMM;
		m->lcomm = pol_lcommset_find(b->pc, cfg_str(c, "set"));
		m->lcomm_mode = setmatch(c);
		set_ref(b, c, m->lcomm);
	}
	if ((c = cfg_child(mn, "prefix"))) {
		const char *mode = cfg_str(c, "match");
		m->has |= POL_M_PREFIX;
		m->pfx = pol_pfxset_find(b->pc, cfg_str(c, "set"));
		m->pfx_invert = mode && !strcmp(mode, "invert");
		set_ref(b, c, m->pfx);
	}
	if ((c = cfg_child(mn, "as-path-set"))) {
		m->has |= POL_M_ASPATH;
		m->aspath = pol_aspathset_find(b->pc, lyd_get_value(c));
		if (!m->aspath || !m->aspath->n)
			err_at(b, c, NULL, "unknown or invalid as-path-set \"%s\"", lyd_get_value(c));
	}
}

static void match_path(struct pol_build *b, const struct lyd_node *mn, struct pol_match *m)
{
	const struct lyd_node *c;

	if ((c = cfg_child(mn, "as-path-length"))) {
		const struct lyd_node *lo = cfg_child(c, "min"), *hi = cfg_child(c, "max");
		m->has |= POL_M_ASLEN;
		m->aslen_min = lo ? cfg_u16(lo) : 0;
		m->aslen_max = hi ? cfg_u16(hi) : UINT16_MAX;
		if (m->aslen_min > m->aslen_max)
			err_at(b, c, NULL, "%s", "min is greater than max: nothing can match");
	}
	LY_LIST_FOR(lyd_child(mn), c) {
		if (cfg_is(c, "origin")) {
			const char *o = lyd_get_value(c);
			m->has |= POL_M_ORIGIN;
			m->origins |= 1u << (!strcmp(o, "igp") ? BGP_ORIGIN_IGP
					     : !strcmp(o, "egp") ? BGP_ORIGIN_EGP
								 : BGP_ORIGIN_INCOMPLETE);
		} else if (cfg_is(c, "address-family")) {
			m->has |= POL_M_FAMILY;
			m->family = !strcmp(lyd_get_value(c), "ipv6-unicast") ? AF_INET6 : AF_INET;
		}
	}
}

static int match_session(struct pol_build *b, const struct lyd_node *mn, struct pol_match *m)
{
	const struct lyd_node *c;
	bool oom = false;

	m->nbr_as = alloc(count(mn, "neighbor-as"), sizeof(uint32_t), &oom);
	m->groups = alloc(count(mn, "peer-group"), sizeof(int), &oom);
	if (oom)
		return -1;
	LY_LIST_FOR(lyd_child(mn), c) {
		if (cfg_is(c, "neighbor-as")) {
			m->has |= POL_M_NBR_AS;
			m->nbr_as[m->nnbr_as++] = cfg_u32(c);
		} else if (cfg_is(c, "peer-group")) {
			int g = pol_group_index(b->pc, lyd_get_value(c));
			m->has |= POL_M_GROUP;
			if (g < 0)
				err_at(b, c, NULL, "unknown peer-group \"%s\"", lyd_get_value(c));
			else
				m->groups[m->ngroups++] = g;
		}
	}
	return 0;
}

static int build_match(struct pol_build *b, const struct lyd_node *mn, struct pol_match *m)
{
	if (!mn)
		return 0;
	if (rtype_list(b, mn, "route-type", &m->rtypes, &m->nrtypes) < 0)
		return -1;
	if (m->nrtypes)
		m->has |= POL_M_RTYPE;
	match_sets(b, mn, m);
	match_path(b, mn, m);
	return match_session(b, mn, m);
}

static int comm_edit(struct pol_build *b, const struct lyd_node *c, struct pol_comm_edit *e)
{
	if (!c)
		return 0;
	e->replace = cfg_child(c, "replace") || cfg_child(c, "remove-all");
	if (comm_list(b, c, "replace", &e->repl, &e->nrepl) < 0 ||
	    comm_list(b, c, "remove", &e->del, &e->ndel) < 0 ||
	    comm_list(b, c, "add", &e->add, &e->nadd) < 0)
		return -1;
	return 0;
}

static int lcomm_edit(struct pol_build *b, const struct lyd_node *c, struct pol_lcomm_edit *e)
{
	if (!c)
		return 0;
	e->replace = cfg_child(c, "replace") || cfg_child(c, "remove-all");
	if (lcomm_list(b, c, "replace", &e->repl, &e->nrepl) < 0 ||
	    lcomm_list(b, c, "remove", &e->del, &e->ndel) < 0 ||
	    lcomm_list(b, c, "add", &e->add, &e->nadd) < 0)
		return -1;
	return 0;
}

static int build_actions(struct pol_build *b, const struct lyd_node *an, struct pol_actions *a)
{
	const struct lyd_node *c;
	const char *res = cfg_str(an, "result");

	a->result = !res || !strcmp(res, "accept") ? POL_ACCEPT
		    : !strcmp(res, "reject")	    ? POL_REJECT
						    : POL_NEXT;
	if ((c = cfg_child(an, "set-local-preference"))) {
		const struct pol_named_value *lp =
			pol_named_find(b->pc->lprefs, b->pc->nlprefs, lyd_get_value(c));
		if (!lp) {
			err_at(b, c, NULL, "unknown local-preference \"%s\"", lyd_get_value(c));
		} else {
			a->set_lpref = true;
			a->lpref = lp->value;
			snprintf(a->lpref_name, sizeof(a->lpref_name), "%s", lp->name);
		}
	}
	if (comm_edit(b, cfg_child(an, "community"), &a->comm) < 0 ||
	    lcomm_edit(b, cfg_child(an, "large-community"), &a->lcomm) < 0 ||
	    rtype_list(b, an, "add-route-type", &a->comm.add, &a->comm.nadd) < 0 ||
	    rtype_list(b, an, "remove-route-type", &a->comm.del, &a->comm.ndel) < 0)
		return -1;
	if ((c = cfg_child(an, "as-path-prepend"))) {
		const struct lyd_node *asn = cfg_child(c, "asn"), *rep = cfg_child(c, "repeat");
		a->prepend_as = asn ? cfg_u32(asn) : 0;
		a->prepend_n = rep ? ((const struct lyd_node_term *)rep)->value.uint8 : 1;
	}
	if ((c = cfg_child(an, "remove-private-as")))
		a->remove_private = cfg_bool(c);
	if ((c = cfg_child(an, "next-hop-self")))
		a->nh_self = cfg_bool(c);
	return 0;
}

static int build_policy(struct pol_build *b, const struct lyd_node *n, struct pol_policy *p)
{
	const struct lyd_node *s;
	bool oom = false;
	size_t by;
	int j;

	snprintf(p->name, sizeof(p->name), "%s", cfg_str(n, "name"));
	if (!(p->st = alloc(count(n, "statement"), sizeof(*p->st), &oom)) && oom)
		return -1;
	LY_LIST_FOR(lyd_child(n), s) {
		struct pol_stmt *st;
		if (!cfg_is(s, "statement"))
			continue;
		st = &p->st[p->n++];
		snprintf(st->name, sizeof(st->name), "%s", cfg_str(s, "name"));
		if (build_match(b, cfg_child(s, "match"), &st->m) < 0 ||
		    build_actions(b, cfg_child(s, "actions"), &st->a) < 0)
			return -1;
		pol_stmt_finish(st);
	}
	if ((j = pol_policy_unreachable(p, &by)) >= 0) {
		LY_LIST_FOR(lyd_child(n), s) {
			if (cfg_is(s, "statement") && !strcmp(cfg_str(s, "name"), p->st[j].name))
				break;
		}
		err_at(b, s ? s : n, NULL,
		       "can never be reached: statement \"%s\" before it has %s and a final "
		       "result (%s)", p->st[by].name,
		       p->st[by].m.has ? "the same conditions" : "no conditions",
		       p->st[by].a.result == POL_ACCEPT ? "accept" : "reject");
	}
	return 0;
}

int cfg_policy_build(struct cfg_err *e, const struct lyd_node *bgp, struct bgp_config *c)
{
	struct pol_build b = { .e = e, .digest = 0xcbf29ce484222325ull };
	const struct lyd_node *n;
	bool oom = false;

	if (!(c->policy = b.pc = pol_config_new()))
		return -1;
	b.pc->local_as = c->confed_id ? c->confed_id : c->local_as;
	if ((n = cfg_child(bgp, "policy-required")))
		b.pc->required = cfg_bool(n);
	if (build_named(&b, bgp) < 0 || build_sets(&b, bgp) < 0)
		return -1;
	if (!(b.pc->policies = alloc(count(bgp, "policy"), sizeof(*b.pc->policies), &oom)) && oom)
		return -1;
	LY_LIST_FOR(lyd_child(bgp), n) {
		if (!cfg_is(n, "policy"))
			continue;
		digest_node(&b, n);
		if (build_policy(&b, n, &b.pc->policies[b.pc->npolicies++]) < 0)
			return -1;
	}
	b.pc->digest = b.digest;
	return 0;
}

/* ---- per neighbor -------------------------------------------------------- */

/* The chain of leaf-list dir ("import"/"export") of a policy container. */
static int peer_chain(struct cfg_err *e, struct pol_config *pc, const struct lyd_node *pol,
		      const char *dir, struct pol_chain **out, const char *base)
{
	struct pol_policy *v[64];
	const struct lyd_node *m;
	size_t n = 0;
	bool oom;

	LY_LIST_FOR(lyd_child(pol), m) {
		if (!cfg_is(m, dir))
			continue;
		if (n == 64) {
			cfg_error(e, base, "/policy", "more than 64 %s policies", dir);
			return 0;
		}
		if (!(v[n] = pol_policy_find(pc, lyd_get_value(m)))) {
			cfg_error(e, base, "/policy", "unknown policy \"%s\"", lyd_get_value(m));
			return 0;
		}
		n++;
	}
	*out = pol_chain_get(pc, v, n, &oom);
	return oom ? -1 : 0;
}

static void peer_maxpfx(const struct lyd_node *mp, struct cfg_maxpfx *m)
{
	const struct lyd_node *n;
	const char *act = cfg_str(mp, "action");

	memset(m, 0, sizeof(*m));
	if (!mp)
		return;
	m->limit = cfg_u32(cfg_child(mp, "limit"));
	m->restart = !act || strcmp(act, "warning") != 0;
	m->restart_time = (n = cfg_child(mp, "restart-time")) ? cfg_u16(n) : 60;
	m->warn_pct = (n = cfg_child(mp, "warning-threshold"))
			      ? ((const struct lyd_node_term *)n)->value.uint8 : 75;
}

/* The neighbor's own container if it gives one, else its group's. */
static const struct lyd_node *own_or_group(const struct lyd_node *n, const struct lyd_node *g,
					   const char *name, const char *leaf)
{
	const struct lyd_node *c = cfg_child(n, name);

	if (c && (!leaf || cfg_child(c, leaf)))
		return c;
	c = g ? cfg_child(g, name) : NULL;
	return c && (!leaf || cfg_child(c, leaf)) ? c : NULL;
}

int cfg_policy_peer(struct cfg_err *e, const struct bgp_config *c, const struct lyd_node *n,
		    const struct lyd_node *group, struct cfg_peer *p, const char *base)
{
	struct pol_config *pc = c->policy;

	p->group_idx = pol_group_index(pc, p->group);
	if (peer_chain(e, pc, own_or_group(n, group, "policy", "import"), "import", &p->import,
		       base) < 0 ||
	    peer_chain(e, pc, own_or_group(n, group, "policy", "export"), "export", &p->export,
		       base) < 0 ||
	    peer_chain(e, pc, own_or_group(n, group, "policy", "export-warm"), "export-warm",
		       &p->export_warm, base) < 0 ||
	    peer_chain(e, pc, own_or_group(n, group, "policy", "export-drained"),
		       "export-drained", &p->export_drained, base) < 0)
		return -1;
	/* Absent state chains: DRAINED sends what WARM sends, WARM what LIVE does. */
	if (!p->export_warm)
		p->export_warm = p->export;
	if (!p->export_drained)
		p->export_drained = p->export_warm;
	peer_maxpfx(own_or_group(n, group, "max-prefix", NULL), &p->maxpfx);
	return 0;
}

int cfg_policy_network_rtypes(struct cfg_err *e, const struct bgp_config *c,
			      const struct lyd_node *n, struct cfg_network *net)
{
	struct pol_build b = { .e = e, .pc = c->policy };

	return rtype_list(&b, n, "route-type", &net->communities, &net->ncommunities);
}

int cfg_policy_aggregate_rtype(struct cfg_err *e, const struct bgp_config *c,
			       const struct lyd_node *n, struct cfg_aggregate *agg)
{
	struct pol_build b = { .e = e, .pc = c->policy };
	uint32_t *v = NULL;
	size_t k = 0;

	if (rtype_list(&b, n, "contributor-route-type", &v, &k) < 0)
		return -1;
	agg->need_community = k > 0;
	agg->community = k ? v[0] : 0;
	free(v);
	return 0;
}
