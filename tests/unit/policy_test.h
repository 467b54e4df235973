/* Helpers shared by the policy unit tests: configurations built through
 * the policy.h API the way bgpd/config_policy.c builds them (sets, then
 * policies of finished statements, then chains), and attribute sets
 * written the way FRR prints them ("65001 {1,2} (65401 65301)",
 * "65000:1 no-export", "65000:1:2"). */
#ifndef CLOS_POLICY_TEST_H
#define CLOS_POLICY_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "policy/policy.h"

#define PT_SETS 32	/* sets of each kind, policies, statements per policy */
#define PT_LIST 64	/* members of one parsed list */

/* ---- values written as text ---------------------------------------------- */

/* RFC 1997 "ASN:VALUE" or a well-known name (bgpd/config.c). */
static inline uint32_t pt_comm(const char *s)
{
	static const struct {
		const char *name;
		uint32_t v;
	} wk[] = { { "no-export", 0xFFFFFF01u },
		   { "no-advertise", 0xFFFFFF02u },
		   { "no-export-subconfed", 0xFFFFFF03u },
		   { "no-peer", 0xFFFFFF04u } };
	unsigned hi, lo;

	for (size_t i = 0; i < sizeof(wk) / sizeof(wk[0]); i++)
		if (!strcmp(s, wk[i].name))
			return wk[i].v;
	if (sscanf(s, "%u:%u", &hi, &lo) != 2)
		fail_msg("bad community '%s'", s);
	return hi << 16 | lo;
}

/* Whitespace-separated words of s into w (each < 64 chars); the count. */
static inline size_t pt_words(const char *s, char w[][64], size_t max)
{
	size_t n = 0;

	while (s && *s) {
		size_t k = strspn(s, " ");
		s += k;
		k = strcspn(s, " ");
		if (!k)
			break;
		if (n == max || k >= 64)
			fail_msg("list too long: '%s'", s);
		memcpy(w[n], s, k);
		w[n++][k] = '\0';
		s += k;
	}
	return n;
}

static inline size_t pt_comms(const char *s, uint32_t *v)
{
	char w[PT_LIST][64];
	size_t n = pt_words(s, w, PT_LIST);

	for (size_t i = 0; i < n; i++)
		v[i] = pt_comm(w[i]);
	return n;
}

static inline size_t pt_lcomms(const char *s, struct bgp_large_community *v)
{
	char w[PT_LIST][64];
	size_t n = pt_words(s, w, PT_LIST);

	for (size_t i = 0; i < n; i++)
		if (sscanf(w[i], "%u:%u:%u", &v[i].global, &v[i].local1, &v[i].local2) != 3)
			fail_msg("bad large community '%s'", w[i]);
	return n;
}

/* The list as a malloc'd array (what pol_match / pol_actions free);
 * NULL for an empty list. */
static inline uint32_t *pt_comm_array(const char *s, size_t *n)
{
	uint32_t v[PT_LIST], *r;

	*n = pt_comms(s, v);
	if (!*n)
		return NULL;
	r = malloc(*n * sizeof(*r));
	assert_non_null(r);
	memcpy(r, v, *n * sizeof(*r));
	return r;
}

static inline uint32_t *pt_u32_array(const char *s, size_t *n)
{
	char w[PT_LIST][64];
	uint32_t *r;

	*n = pt_words(s, w, PT_LIST);
	if (!*n)
		return NULL;
	r = malloc(*n * sizeof(*r));
	assert_non_null(r);
	for (size_t i = 0; i < *n; i++)
		r[i] = (uint32_t)strtoul(w[i], NULL, 10);
	return r;
}

static inline struct bgp_large_community *pt_lcomm_array(const char *s, size_t *n)
{
	struct bgp_large_community v[PT_LIST], *r;

	*n = pt_lcomms(s, v);
	if (!*n)
		return NULL;
	r = malloc(*n * sizeof(*r));
	assert_non_null(r);
	memcpy(r, v, *n * sizeof(*r));
	return r;
}

/* An AS_PATH written as FRR prints it into wire bytes (4-octet ASNs):
 * bare numbers form AS_SEQUENCEs, {a,b} an AS_SET, (a b) an
 * AS_CONFED_SEQUENCE, [a,b] an AS_CONFED_SET. Returns the length. */
static inline size_t pt_aspath(const char *s, uint8_t *out, size_t cap)
{
	size_t o = 0, seg = 0;
	uint8_t type = 0;	/* of the open segment, 0: none */
	bool bracket = false;

	while (*s) {
		char c = *s;
		if (c == ' ' || c == ',') {
			s++;
			continue;
		}
		if (c == '{' || c == '(' || c == '[') {
			type = c == '{' ? AS_SET : c == '(' ? AS_CONFED_SEQUENCE : AS_CONFED_SET;
			bracket = true;
			seg = o;
			out[o++] = type;
			out[o++] = 0;
			s++;
			continue;
		}
		if (c == '}' || c == ')' || c == ']') {
			type = 0;
			bracket = false;
			s++;
			continue;
		}
		if (c < '0' || c > '9')
			fail_msg("bad AS_PATH text at '%s'", s);
		if (!bracket && (type != AS_SEQUENCE || out[seg + 1] == 255)) {
			type = AS_SEQUENCE;
			seg = o;
			out[o++] = AS_SEQUENCE;
			out[o++] = 0;
		}
		char *end;
		uint32_t asn = (uint32_t)strtoul(s, &end, 10);
		s = end;
		assert_true(o + 4 <= cap);
		out[o++] = (uint8_t)(asn >> 24);
		out[o++] = (uint8_t)(asn >> 16);
		out[o++] = (uint8_t)(asn >> 8);
		out[o++] = (uint8_t)asn;
		out[seg + 1]++;
	}
	return o;
}

/* ---- attribute sets -------------------------------------------------------- */

/* A path as text (LOCAL_PREF present when lp). */
struct pt_path {
	const char *aspath, *comm, *lcomm;
	uint8_t origin;
	bool lp;
	uint32_t lpref;
	uint32_t med;
};

struct pt_attrs_buf {
	uint8_t aspath[BGP_MAX_MSG];
	uint32_t comm[PT_LIST];
	struct bgp_large_community lcomm[PT_LIST];
	struct bgp_attrs a;
};

/* The attributes a decoder would leave for p (present bits set for what
 * is there; NEXT_HOP 10.0.0.1). */
static inline const struct bgp_attrs *pt_attrs(const struct pt_path *p, struct pt_attrs_buf *b)
{
	struct bgp_attrs *a = &b->a;

	memset(b, 0, sizeof(*b));
	a->seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		  BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a->origin = p->origin;
	a->aspath_len = (uint16_t)pt_aspath(p->aspath ? p->aspath : "", b->aspath,
					    sizeof(b->aspath));
	a->aspath = b->aspath;
	inet_pton(AF_INET, "10.0.0.1", &a->nexthop);
	a->med = p->med;
	if (p->med)
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_MED);
	if (p->lp) {
		a->local_pref = p->lpref;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	}
	a->ncommunities = (uint16_t)pt_comms(p->comm, b->comm);
	a->communities = b->comm;
	if (a->ncommunities)
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	a->nlarge = (uint16_t)pt_lcomms(p->lcomm, b->lcomm);
	a->large = b->lcomm;
	if (a->nlarge)
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	return a;
}

/* p interned: a reference the caller owns. */
static inline struct rib_attrs *pt_intern(struct rib_attr_cache *ac, const struct pt_path *p)
{
	struct pt_attrs_buf b;
	struct rib_attrs *ra = rib_attrs_intern(ac, pt_attrs(p, &b));

	assert_non_null(ra);
	return ra;
}

/* Everything a policy can change, as one line for assert_string_equal. */
static inline char *pt_attrs_str(const struct bgp_attrs *a, char *buf, size_t len)
{
	char path[1024];
	size_t o;

	pol_aspath_str(a->aspath, a->aspath_len, path, sizeof(path));
	o = (size_t)snprintf(buf, len, "path=[%s] origin=%u", path, a->origin);
	if (a->seen & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF))
		o += (size_t)snprintf(buf + o, len - o, " lp=%u", a->local_pref);
	o += (size_t)snprintf(buf + o, len - o, " comm=[");
	for (uint16_t i = 0; i < a->ncommunities; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u:%u", i ? " " : "",
				      a->communities[i] >> 16, a->communities[i] & 0xFFFF);
	o += (size_t)snprintf(buf + o, len - o, "] lcomm=[");
	for (uint16_t i = 0; i < a->nlarge; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u:%u:%u", i ? " " : "",
				      a->large[i].global, a->large[i].local1, a->large[i].local2);
	snprintf(buf + o, len - o, "]");
	return buf;
}

static inline struct bgp_prefix pt_prefix(const char *s)
{
	struct bgp_prefix p;

	if (bgp_prefix_parse(s, &p) != 0)
		fail_msg("bad prefix '%s'", s);
	return p;
}

/* ---- configurations ------------------------------------------------------ */

/* Arrays sized up front: statements point at sets and chains at policies,
 * so nothing may move once built. */
static inline struct pol_config *pt_config(uint32_t local_as)
{
	struct pol_config *c = pol_config_new();

	assert_non_null(c);
	c->local_as = local_as;
	c->digest = 0xcbf29ce484222325ull;
	c->commsets = calloc(PT_SETS, sizeof(*c->commsets));
	c->lcommsets = calloc(PT_SETS, sizeof(*c->lcommsets));
	c->aspathsets = calloc(PT_SETS, sizeof(*c->aspathsets));
	c->pfxsets = calloc(PT_SETS, sizeof(*c->pfxsets));
	c->policies = calloc(PT_SETS, sizeof(*c->policies));
	c->groups = calloc(2, sizeof(*c->groups));
	assert_true(c->commsets && c->lcommsets && c->aspathsets && c->pfxsets && c->policies &&
		    c->groups);
	snprintf(c->groups[0], POL_NAME, "ssw");
	snprintf(c->groups[1], POL_NAME, "rsw");
	c->ngroups = 2;
	return c;
}

static inline const struct pol_commset *pt_commset(struct pol_config *c, const char *name,
						   const char *members)
{
	struct pol_commset *s = &c->commsets[c->ncommsets++];

	assert_true(c->ncommsets <= PT_SETS);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->v = pt_comm_array(members, &s->n);
	return s;
}

static inline const struct pol_lcommset *pt_lcommset(struct pol_config *c, const char *name,
						     const char *members)
{
	struct pol_lcommset *s = &c->lcommsets[c->nlcommsets++];

	assert_true(c->nlcommsets <= PT_SETS);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->v = pt_lcomm_array(members, &s->n);
	return s;
}

/* Regular expressions, NULL-terminated. */
static inline const struct pol_aspathset *pt_aspathset(struct pol_config *c, const char *name,
						       const char *const *re)
{
	struct pol_aspathset *s = &c->aspathsets[c->naspathsets++];
	size_t n = 0;
	char err[128];

	assert_true(c->naspathsets <= PT_SETS);
	while (re[n])
		n++;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->src = calloc(n, sizeof(*s->src));
	s->re = calloc(n, sizeof(*s->re));
	assert_true(s->src && s->re);
	for (size_t i = 0; i < n; i++) {
		if (pol_regex_compile(&s->re[i], re[i], err, sizeof(err)) != 0)
			fail_msg("regex '%s': %s", re[i], err);
		s->src[i] = strdup(re[i]);
		s->n++;
	}
	return s;
}

/* Entries "PREFIX" (exact) or "PREFIX MIN MAX", NULL-terminated. */
static inline const struct pol_pfxset *pt_pfxset(struct pol_config *c, const char *name,
						 const char *const *ent)
{
	struct pol_pfxset *s = &c->pfxsets[c->npfxsets++];
	size_t n = 0;

	assert_true(c->npfxsets <= PT_SETS);
	while (ent[n])
		n++;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->v = calloc(n, sizeof(*s->v));
	assert_non_null(s->v);
	for (size_t i = 0; i < n; i++) {
		char w[3][64];
		size_t k = pt_words(ent[i], w, 3);
		struct pol_pfx *x = &s->v[s->n++];
		x->p = pt_prefix(w[0]);
		x->min = k == 3 ? (uint8_t)atoi(w[1]) : x->p.len;
		x->max = k == 3 ? (uint8_t)atoi(w[2]) : x->p.len;
	}
	return s;
}

static inline struct pol_policy *pt_policy(struct pol_config *c, const char *name)
{
	struct pol_policy *p = &c->policies[c->npolicies++];

	assert_true(c->npolicies <= PT_SETS);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->st = calloc(PT_SETS, sizeof(*p->st));
	assert_non_null(p->st);
	return p;
}

/* Conditions as text; a field left NULL / 0 is not a condition. */
struct pt_match {
	const char *rtypes;		/* communities of route types */
	const struct pol_commset *comm;
	uint8_t comm_mode;
	const struct pol_lcommset *lcomm;
	uint8_t lcomm_mode;
	const struct pol_aspathset *aspath;
	bool aslen;
	uint16_t aslen_min, aslen_max;
	uint8_t origins;		/* 1 << BGP_ORIGIN_* */
	const char *nbr_as;
	const char *groups;		/* group names */
	uint8_t family;
	const struct pol_pfxset *pfx;
	bool pfx_invert;
};

/* Actions as text; result POL_ACCEPT unless given. */
struct pt_act {
	uint8_t result;
	bool set_lpref;
	uint32_t lpref;
	bool comm_replace;
	const char *comm_repl, *comm_del, *comm_add;
	bool lcomm_replace;
	const char *lcomm_repl, *lcomm_del, *lcomm_add;
	uint32_t prepend_as;
	uint8_t prepend_n;
	bool remove_private, nh_self;
};

static inline void pt_fill_match(const struct pol_config *c, const struct pt_match *x,
				 struct pol_match *m)
{
	memset(m, 0, sizeof(*m));
	if (x->rtypes) {
		m->rtypes = pt_comm_array(x->rtypes, &m->nrtypes);
		m->has |= POL_M_RTYPE;
	}
	if (x->comm) {
		m->has |= POL_M_COMM;
		m->comm = x->comm;
		m->comm_mode = x->comm_mode;
	}
	if (x->lcomm) {
		m->has |= POL_M_LCOMM;
		m->lcomm = x->lcomm;
		m->lcomm_mode = x->lcomm_mode;
	}
	if (x->aspath) {
		m->has |= POL_M_ASPATH;
		m->aspath = x->aspath;
	}
	if (x->aslen) {
		m->has |= POL_M_ASLEN;
		m->aslen_min = x->aslen_min;
		m->aslen_max = x->aslen_max;
	}
	if (x->origins) {
		m->has |= POL_M_ORIGIN;
		m->origins = x->origins;
	}
	if (x->nbr_as) {
		m->has |= POL_M_NBR_AS;
		m->nbr_as = pt_u32_array(x->nbr_as, &m->nnbr_as);
	}
	if (x->groups) {
		char w[PT_LIST][64];
		size_t n = pt_words(x->groups, w, PT_LIST);
		m->has |= POL_M_GROUP;
		m->groups = calloc(n, sizeof(int));
		assert_non_null(m->groups);
		for (size_t i = 0; i < n; i++) {
			m->groups[i] = pol_group_index(c, w[i]);
			assert_true(m->groups[i] >= 0);
		}
		m->ngroups = n;
	}
	if (x->family) {
		m->has |= POL_M_FAMILY;
		m->family = x->family;
	}
	if (x->pfx) {
		m->has |= POL_M_PREFIX;
		m->pfx = x->pfx;
		m->pfx_invert = x->pfx_invert;
	}
}

static inline void pt_fill_act(const struct pt_act *x, struct pol_actions *a)
{
	memset(a, 0, sizeof(*a));
	a->result = x->result;
	if (x->set_lpref) {
		a->set_lpref = true;
		a->lpref = x->lpref;
		snprintf(a->lpref_name, sizeof(a->lpref_name), "lp%u", a->lpref);
	}
	a->comm.replace = x->comm_replace;
	a->comm.repl = pt_comm_array(x->comm_repl, &a->comm.nrepl);
	a->comm.del = pt_comm_array(x->comm_del, &a->comm.ndel);
	a->comm.add = pt_comm_array(x->comm_add, &a->comm.nadd);
	a->lcomm.replace = x->lcomm_replace;
	a->lcomm.repl = pt_lcomm_array(x->lcomm_repl, &a->lcomm.nrepl);
	a->lcomm.del = pt_lcomm_array(x->lcomm_del, &a->lcomm.ndel);
	a->lcomm.add = pt_lcomm_array(x->lcomm_add, &a->lcomm.nadd);
	a->prepend_as = x->prepend_as;
	a->prepend_n = x->prepend_n;
	a->remove_private = x->remove_private;
	a->nh_self = x->nh_self;
}

/* A finished statement appended to p (NULL m / a: no conditions / accept). */
static inline struct pol_stmt *pt_stmt(const struct pol_config *c, struct pol_policy *p,
				       const char *name, const struct pt_match *m,
				       const struct pt_act *a)
{
	static const struct pt_match none_m;
	static const struct pt_act accept_a;
	struct pol_stmt *st = &p->st[p->n++];

	assert_true(p->n <= PT_SETS);
	snprintf(st->name, sizeof(st->name), "%s", name);
	pt_fill_match(c, m ? m : &none_m, &st->m);
	pt_fill_act(a ? a : &accept_a, &st->a);
	pol_stmt_finish(st);
	return st;
}

static inline struct pol_chain *pt_chain(struct pol_config *c, struct pol_policy *const *pol,
					 size_t n)
{
	bool oom = true;
	struct pol_chain *ch = pol_chain_get(c, pol, n, &oom);

	assert_false(oom);
	assert_non_null(ch);
	return ch;
}

static inline struct pol_chain *pt_chain1(struct pol_config *c, struct pol_policy *p)
{
	return pt_chain(c, &p, 1);
}

#endif
