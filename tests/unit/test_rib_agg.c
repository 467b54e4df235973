/* Aggregate contributor counts (rib/agg.c), driven as the daemon drives
 * them: Loc-RIB changes drained with rib_agg_entry in the drain callback,
 * rib_agg_report after the drain. Table-driven cases (the minimum
 * boundary, route types, which prefixes count, paths, deep chains,
 * reconfiguration) and randomized churn; after every drain the counts, active states and
 * number of contributors are checked against a brute-force count over the
 * whole Loc-RIB, and the reported flips against the reference's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <time.h>

#include "rib/agg.h"

#define COMM_A (65000u << 16 | 1)
#define COMM_B (65000u << 16 | 2)

/* The attribute sets paths carry: communities, and an AS_PATH length (the
 * longer loses the decision). */
enum { AT_PLAIN, AT_A, AT_B, AT_AB, AT_A_LONG, AT_PLAIN_LONG, AT_N };
static const struct {
	uint32_t comm[2];
	uint16_t ncomm;
	uint8_t pathlen;
} at_table[AT_N] = {
	[AT_PLAIN] = { { 0 }, 0, 2 },
	[AT_A] = { { COMM_A }, 1, 2 },
	[AT_B] = { { COMM_B }, 1, 2 },
	[AT_AB] = { { COMM_B, COMM_A }, 2, 2 }, /* A not first */
	[AT_A_LONG] = { { COMM_A }, 1, 3 },
	[AT_PLAIN_LONG] = { { 0 }, 0, 3 },
};

#define NSRC 3	  /* sources; router ids ascending: s0 wins ties */
#define MAXDEF 12 /* definitions per set in these tests */
#define MAXAGG 64 /* aggregates the reference counts */

/* An aggregate as the tests write it; comm 0: any route type. */
struct tdef {
	const char *pfx;
	uint32_t min;
	uint32_t comm;
};

struct fx {
	struct rib_attr_cache *cache;
	struct rib_loc *loc;
	struct rib_agg *agg;
	struct rib_src src[NSRC];
	struct rib_attrs *at[AT_N];
};

/* ---- helpers --------------------------------------------------------------- */

static struct bgp_prefix pfx(const char *s)
{
	struct bgp_prefix p;
	char buf[64];
	const char *slash = strchr(s, '/');

	memset(&p, 0, sizeof(p));
	assert_non_null(slash);
	assert_true((size_t)(slash - s) < sizeof(buf));
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	p.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(p.family, buf, p.addr), 1);
	p.len = (uint8_t)atoi(slash + 1);
	return p;
}

static void pfx_str(const struct bgp_prefix *p, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(out, n, "%s/%u", a, p->len);
}

/* A set with ncomm communities comm and an AS_PATH of pathlen (1..3). */
static struct rib_attrs *intern_set(struct rib_attr_cache *c, const uint32_t *comm,
				    uint16_t ncomm, uint8_t pathlen)
{
	uint8_t ap[2 + 4 * 3];
	struct bgp_attrs a;

	memset(&a, 0, sizeof(a));
	ap[0] = AS_SEQUENCE;
	ap[1] = pathlen;
	for (unsigned i = 0; i < pathlen; i++) {
		uint32_t asn = 65100 + i;
		ap[2 + 4 * i] = (uint8_t)(asn >> 24);
		ap[3 + 4 * i] = (uint8_t)(asn >> 16);
		ap[4 + 4 * i] = (uint8_t)(asn >> 8);
		ap[5 + 4 * i] = (uint8_t)asn;
	}
	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a.aspath = ap;
	a.aspath_len = (uint16_t)(2 + 4 * pathlen);
	a.nexthop.s_addr = htonl(0x0a000001);
	if (ncomm) {
		a.seen |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
		a.communities = comm;
		a.ncommunities = ncomm;
	}
	return rib_attrs_intern(c, &a);
}

static struct rib_attrs *intern(struct rib_attr_cache *c, unsigned k)
{
	return intern_set(c, at_table[k].comm, at_table[k].ncomm, at_table[k].pathlen);
}

static int setup(void **state)
{
	struct rib_decide_cfg cfg = { .multipath_relax = true, .max_paths = 64 };
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || !(fx->cache = rib_attr_cache_new()))
		return -1;
	fx->loc = rib_loc_new(&cfg);
	fx->agg = rib_agg_new();
	if (!fx->loc || !fx->agg)
		return -1;
	for (unsigned i = 0; i < NSRC; i++) {
		fx->src[i].kind = RIB_SRC_EBGP;
		fx->src[i].peer_as = 65001 + i;
		fx->src[i].router_id = 1 + i;
	}
	for (unsigned k = 0; k < AT_N; k++)
		if (!(fx->at[k] = intern(fx->cache, k)))
			return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	rib_agg_free(fx->agg);
	rib_loc_free(fx->loc);
	for (unsigned k = 0; k < AT_N; k++)
		rib_attrs_unref(fx->at[k]);
	rib_attr_cache_free(fx->cache); /* aborts if a reference leaked */
	free(fx);
	return 0;
}

static void drained(struct rib_entry *e, void *arg)
{
	rib_agg_entry(arg, e);
}

static void drain(struct fx *fx)
{
	rib_loc_drain(fx->loc, SIZE_MAX, drained, fx->agg);
}

static size_t tdef_count(const struct tdef *t)
{
	size_t n = 0;

	while (n < MAXDEF && t[n].pfx)
		n++;
	return n;
}

static int configure(struct fx *fx, const struct tdef *t)
{
	struct rib_agg_def d[MAXDEF];
	size_t n = tdef_count(t);

	memset(d, 0, sizeof(d));
	for (size_t i = 0; i < n; i++) {
		d[i].prefix = pfx(t[i].pfx);
		d[i].min = t[i].min;
		d[i].need_community = t[i].comm != 0;
		d[i].community = t[i].comm;
	}
	return rib_agg_configure(fx->agg, d, n, fx->loc);
}

/* Every aggregate as "count" with a '*' when active, in order. */
static void counts_str(const struct rib_agg *a, char *out, size_t n)
{
	struct rib_agg_info info;
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; rib_agg_get(a, i, &info); i++)
		o += (size_t)snprintf(out + o, n - o, "%s%u%s", i ? " " : "", info.count,
				      info.active ? "*" : "");
}

struct flips {
	char s[1024];
	size_t n;
};

static void flip_add(struct flips *f, const struct bgp_prefix *p, bool active)
{
	char ps[64];
	size_t o = strlen(f->s);

	pfx_str(p, ps, sizeof(ps));
	snprintf(f->s + o, sizeof(f->s) - o, "%s%c%s", o ? " " : "", active ? '+' : '-', ps);
	f->n++;
}

static void on_flip(const struct rib_agg_def *d, bool active, void *arg)
{
	flip_add(arg, &d->prefix, active);
}

/* What rib_agg_report says now, as "+prefix -prefix ..." */
static void report(struct fx *fx, struct flips *f)
{
	memset(f, 0, sizeof(*f));
	size_t n = rib_agg_report(fx->agg, on_flip, f);
	assert_int_equal(n, f->n);
}

/* ---- the reference: counted from scratch over the Loc-RIB ----------------- */

struct ref {
	const struct rib_agg *agg;
	uint32_t count[MAXAGG];
	size_t contributors;
};

/* p strictly inside agg, bit by bit. */
static bool ref_inside(const struct bgp_prefix *agg, const struct bgp_prefix *p)
{
	if (agg->family != p->family || agg->len >= p->len)
		return false;
	for (unsigned b = 0; b < agg->len; b++)
		if ((agg->addr[b / 8] ^ p->addr[b / 8]) & (0x80 >> (b % 8)))
			return false;
	return true;
}

static bool ref_route_type(const struct rib_agg_def *d, const struct rib_entry *e)
{
	const struct bgp_attrs *a = rib_attrs_get(rib_entry_paths(e)->attrs);

	if (!d->need_community)
		return true;
	for (unsigned i = 0; i < a->ncommunities; i++)
		if (a->communities[i] == d->community)
			return true;
	return false;
}

static int ref_one(const struct rib_entry *e, void *arg)
{
	struct ref *r = arg;
	struct rib_agg_info info;
	struct bgp_prefix p;
	bool any = false;

	if (!e->nmulti)
		return 0;
	rib_entry_prefix(e, &p);
	for (size_t i = 0; rib_agg_get(r->agg, i, &info); i++)
		if (ref_inside(&info.def->prefix, &p) && ref_route_type(info.def, e)) {
			r->count[i]++;
			any = true;
		}
	r->contributors += any;
	return 0;
}

/* The counts, active states and contributors equal a count from scratch. */
static void check_ref(const struct fx *fx, bool active[MAXAGG])
{
	struct ref r;
	struct rib_agg_info info;

	memset(&r, 0, sizeof(r));
	r.agg = fx->agg;
	assert_true(rib_agg_count(fx->agg) <= MAXAGG);
	rib_loc_walk(fx->loc, 0, ref_one, &r);
	for (size_t i = 0; rib_agg_get(fx->agg, i, &info); i++) {
		assert_int_equal(info.count, r.count[i]);
		bool want = info.def->min == 0 || r.count[i] >= info.def->min;
		assert_int_equal(info.active, want);
		if (active)
			active[i] = want;
	}
	assert_int_equal(rib_agg_contributors(fx->agg), r.contributors);
}

/* ---- table-driven cases ------------------------------------------------------ */

struct step {
	char op;	    /* '+' usable path, '~' unusable path, '-' withdraw,
			     * 'X' src's session ends, 'C' configure, '=' nothing */
	const char *pfx;
	unsigned arg;	    /* the source; for 'C' the definition set */
	unsigned at;	    /* AT_* of a path */
	bool hold;	    /* leave the change queue undrained */
	const char *counts; /* then: counts_str */
	const char *report; /* and what rib_agg_report says; NULL: not asked */
};

static void step_do(struct fx *fx, const struct tdef (*sets)[MAXDEF], const struct step *s)
{
	struct bgp_prefix p;

	if (s->pfx)
		p = pfx(s->pfx);
	switch (s->op) {
	case '+':
	case '~':
		assert_true(rib_loc_set(fx->loc, &p, &fx->src[s->arg], fx->at[s->at], s->op == '+'));
		break;
	case '-':
		assert_true(rib_loc_unset(fx->loc, &p, &fx->src[s->arg]) & RIB_LOC_GONE);
		break;
	case 'X':
		rib_loc_unset_src(fx->loc, &fx->src[s->arg]);
		break;
	case 'C':
		assert_int_equal(configure(fx, sets[s->arg]), 0);
		break;
	default:
		break;
	}
}

/* Each step, then its counts and report; "#i" in front names the step
 * in a failure. */
static void run_steps(struct fx *fx, const struct tdef (*sets)[MAXDEF], const struct step *s,
		      size_t n)
{
	char got[1100], want[1100], c[512];
	struct flips f;

	for (size_t i = 0; i < n; i++) {
		step_do(fx, sets, &s[i]);
		if (!s[i].hold) {
			drain(fx);
			check_ref(fx, NULL);
		}
		counts_str(fx->agg, c, sizeof(c));
		snprintf(got, sizeof(got), "#%zu %s", i, c);
		snprintf(want, sizeof(want), "#%zu %s", i, s[i].counts);
		assert_string_equal(got, want);
		if (!s[i].report)
			continue;
		report(fx, &f);
		snprintf(got, sizeof(got), "#%zu %s", i, f.s);
		snprintf(want, sizeof(want), "#%zu %s", i, s[i].report);
		assert_string_equal(got, want);
	}
}

#define RUN(fx, sets, steps) run_steps(fx, sets, steps, sizeof(steps) / sizeof(steps[0]))
#define P AT_PLAIN

/* min 3: inactive at 2, one flip at 3 reported once, back at 2; a flip
 * and a flip back between two reports is no report; min 0 is active from
 * the configuration on, with no contributor. */
static void test_minimum_boundary(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 3, 0 }, { "192.168.0.0/16", 0, 0 } },
	};
	static const struct step steps[] = {
		{ 'C', NULL, 0, 0, false, "0 0*", "+192.168.0.0/16" },
		{ '+', "10.1.0.0/24", 0, P, false, "1 0*", "" },
		{ '+', "10.2.0.0/24", 0, P, false, "2 0*", "" },
		{ '+', "10.3.0.0/24", 0, P, false, "3* 0*", "+10.0.0.0/8" },
		{ '=', NULL, 0, 0, false, "3* 0*", "" }, /* reported once */
		{ '+', "10.4.0.0/24", 0, P, false, "4* 0*", "" },
		{ '-', "10.4.0.0/24", 0, 0, false, "3* 0*", "" },
		{ '-', "10.3.0.0/24", 0, 0, false, "2 0*", "-10.0.0.0/8" },
		{ '+', "10.3.0.0/24", 0, P, false, "3* 0*", NULL },
		{ '-', "10.3.0.0/24", 0, 0, false, "2 0*", "" }, /* flipped back */
		{ '+', "10.3.0.0/24", 0, P, false, "3* 0*", NULL },
		{ '=', NULL, 0, 0, false, "3* 0*", "+10.0.0.0/8" },
		{ '+', "10.9.0.0/24", 0, P, true, "3* 0*", NULL }, /* in and out */
		{ '-', "10.9.0.0/24", 0, 0, false, "3* 0*", "" },  /* of one drain */
		{ '+', "192.168.7.0/24", 0, P, false, "3* 1*", "" },
		{ '-', "192.168.7.0/24", 0, 0, false, "3* 0*", "" }, /* min 0 stays */
		{ '-', "10.1.0.0/24", 0, 0, false, "2 0*", "-10.0.0.0/8" },
		{ '-', "10.2.0.0/24", 0, 0, false, "1 0*", "" },
		{ '-', "10.3.0.0/24", 0, 0, false, "0 0*", "" },
	};
	struct fx *fx = *state;

	RUN(fx, sets, steps);
	assert_int_equal(rib_agg_contributors(fx->agg), 0);
}

/* With a community required, only best paths carrying it count (another
 * community or none: not); a best path that gains or loses it, or a new
 * best path, moves the count. Nested aggregates may want different route
 * types: one prefix counts in one and not the other. */
static void test_route_types(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 2, COMM_A }, { "10.1.0.0/16", 1, COMM_B } },
	};
	static const struct step steps[] = {
		{ 'C', NULL, 0, 0, false, "0 0", "" },
		{ '+', "10.2.0.0/24", 0, AT_PLAIN, false, "0 0", "" },
		{ '+', "10.3.0.0/24", 0, AT_B, false, "0 0", "" },
		{ '+', "10.4.0.0/24", 0, AT_A, false, "1 0", "" },
		{ '+', "10.5.0.0/24", 0, AT_AB, false, "2* 0", "+10.0.0.0/8" },
		{ '+', "10.1.1.0/24", 0, AT_A, false, "3* 0", "" },
		{ '+', "10.1.1.0/24", 0, AT_B, false, "2* 1*", "+10.1.0.0/16" },
		{ '+', "10.1.1.0/24", 0, AT_AB, false, "3* 1*", "" },
		{ '+', "10.5.0.0/24", 0, AT_B, false, "2* 1*", "" },
		{ '+', "10.4.0.0/24", 0, AT_PLAIN, false, "1 1*", "-10.0.0.0/8" },
		/* 10.3/24: s0's path (B) is best; s1's A path is longer */
		{ '+', "10.3.0.0/24", 1, AT_A_LONG, false, "1 1*", "" },
		{ '-', "10.3.0.0/24", 0, 0, false, "2* 1*", "+10.0.0.0/8" },
		{ '+', "10.3.0.0/24", 0, AT_PLAIN, false, "1 1*", "-10.0.0.0/8" },
		/* an ECMP member with A: the best (s0, lower id) decides */
		{ '+', "10.3.0.0/24", 2, AT_A, false, "1 1*", "" },
		{ '-', "10.3.0.0/24", 0, 0, false, "2* 1*", "+10.0.0.0/8" },
		{ '-', "10.1.1.0/24", 0, 0, false, "1 0", "-10.0.0.0/8 -10.1.0.0/16" },
	};
	struct fx *fx = *state;

	RUN(fx, sets, steps);
}

/* An aggregate never counts its own prefix, nor a less-specific, nor a
 * prefix outside it or of the other family (same leading bytes); a /0
 * counts everything of its family but itself; nested aggregates: a /24
 * counts in /0, /8 and /16, the /16's own route in /0 and /8. */
static void test_which_prefixes_count(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "0.0.0.0/0", 5, 0 },
		  { "10.0.0.0/8", 1, 0 },
		  { "10.1.0.0/16", 1, 0 },
		  { "2001:db8::/32", 2, 0 } },
	};
	static const struct step steps[] = {
		{ 'C', NULL, 0, 0, false, "0 0 0 0", "" },
		{ '+', "10.0.0.0/8", 0, P, false, "1 0 0 0", "" },
		{ '+', "10.0.0.0/7", 0, P, false, "2 0 0 0", "" },
		{ '+', "11.0.0.0/24", 0, P, false, "3 0 0 0", "" },
		{ '+', "9.255.255.0/24", 0, P, false, "4 0 0 0", "" },
		{ '+', "0.0.0.0/0", 0, P, false, "4 0 0 0", "" },
		{ '+', "10.1.2.0/24", 0, P, false, "5* 1* 1* 0",
		  "+0.0.0.0/0 +10.0.0.0/8 +10.1.0.0/16" },
		{ '+', "10.1.0.0/16", 0, P, false, "6* 2* 1* 0", "" },
		{ '+', "10.1.255.255/32", 0, P, false, "7* 3* 2* 0", "" },
		{ '+', "10.2.0.0/16", 0, P, false, "8* 4* 2* 0", "" },
		{ '+', "10.255.255.255/32", 0, P, false, "9* 5* 2* 0", "" },
		{ '+', "a01:200::/24", 0, P, false, "9* 5* 2* 0", "" },
		{ '+', "2001:db8::/32", 0, P, false, "9* 5* 2* 0", "" },
		{ '+', "2001:db8::/31", 0, P, false, "9* 5* 2* 0", "" },
		{ '+', "2001:db9::/48", 0, P, false, "9* 5* 2* 0", "" },
		{ '+', "::/0", 0, P, false, "9* 5* 2* 0", "" },
		{ '+', "2001:db8:1::/48", 0, P, false, "9* 5* 2* 1", "" },
		{ '+', "2001:db8:ffff:ffff::/64", 0, P, false, "9* 5* 2* 2*", "+2001:db8::/32" },
		{ '+', "2001:db8:ffff:ffff::1/128", 0, P, false, "9* 5* 2* 3*", "" },
		{ '-', "10.1.0.0/16", 0, 0, false, "8* 4* 2* 3*", "" },
		{ '-', "10.1.2.0/24", 0, 0, false, "7* 3* 1* 3*", "" },
		{ '-', "10.1.255.255/32", 0, 0, false, "6* 2* 0 3*", "-10.1.0.0/16" },
		{ '-', "2001:db8:1::/48", 0, 0, false, "6* 2* 0 2*", "" },
		{ '-', "2001:db8:ffff:ffff::/64", 0, 0, false, "6* 2* 0 1", "-2001:db8::/32" },
	};
	struct fx *fx = *state;

	RUN(fx, sets, steps);
}

/* More aggregates cover a prefix than its entry's state bits hold (6):
 * its counts go through a record instead, and a prefix under fewer stays
 * inline; both survive reconfigurations that change the chains. */
static void test_deep_chain(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 1, 0 },  { "10.0.0.0/9", 1, 0 },  { "10.0.0.0/10", 1, 0 },
		  { "10.0.0.0/11", 1, 0 }, { "10.0.0.0/12", 1, 0 }, { "10.0.0.0/13", 1, 0 },
		  { "10.0.0.0/14", 1, 0 }, { "10.0.0.0/15", 1, 0 } },
		{ { "10.0.0.0/8", 1, 0 },  { "10.0.0.0/9", 1, 0 },  { "10.0.0.0/10", 1, 0 } },
	};
	static const struct step steps[] = {
		{ 'C', NULL, 0, 0, false, "0 0 0 0 0 0 0 0", "" },
		{ '+', "10.0.1.0/24", 0, P, false, "1* 1* 1* 1* 1* 1* 1* 1*",
		  "+10.0.0.0/8 +10.0.0.0/9 +10.0.0.0/10 +10.0.0.0/11 +10.0.0.0/12 "
		  "+10.0.0.0/13 +10.0.0.0/14 +10.0.0.0/15" },
		{ '+', "10.0.0.0/12", 1, P, false, "2* 2* 2* 2* 1* 1* 1* 1*", "" },
		{ '+', "10.0.1.0/24", 1, P, false, "2* 2* 2* 2* 1* 1* 1* 1*", "" },
		{ '-', "10.0.1.0/24", 0, 0, false, "2* 2* 2* 2* 1* 1* 1* 1*", "" },
		{ '-', "10.0.1.0/24", 1, 0, false, "1* 1* 1* 1* 0 0 0 0",
		  "-10.0.0.0/12 -10.0.0.0/13 -10.0.0.0/14 -10.0.0.0/15" },
		{ '+', "10.0.2.0/24", 0, P, false, "2* 2* 2* 2* 1* 1* 1* 1*", NULL },
		{ 'C', NULL, 1, 0, false, "2* 2* 2*", NULL },
		{ '-', "10.0.2.0/24", 0, 0, false, "1* 1* 1*", NULL },
		{ '+', "10.0.2.0/24", 0, P, false, "2* 2* 2*", NULL },
		{ 'C', NULL, 0, 0, false, "2* 2* 2* 2* 1* 1* 1* 1*", NULL },
		{ '-', "10.0.0.0/12", 1, 0, false, "1* 1* 1* 1* 1* 1* 1* 1*", NULL },
		{ '-', "10.0.2.0/24", 0, 0, false, "0 0 0 0 0 0 0 0", NULL },
	};
	struct fx *fx = *state;

	RUN(fx, sets, steps);
}

/* Unusable paths never count; a prefix counts once however many paths it
 * has; replacing a path, or a path turning usable or unusable while
 * another is usable, changes nothing; a session going down counts every
 * prefix it leaves without a usable path. */
static void test_paths(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 2, 0 } },
	};
	static const struct step steps[] = {
		{ 'C', NULL, 0, 0, false, "0", "" },
		{ '~', "10.1.0.0/24", 0, P, false, "0", "" },
		{ '~', "10.1.0.0/24", 1, AT_A, false, "0", "" },
		{ '+', "10.1.0.0/24", 2, P, false, "1", "" },
		{ '+', "10.1.0.0/24", 0, P, false, "1", "" },
		{ '+', "10.1.0.0/24", 1, AT_A, false, "1", "" },
		{ '+', "10.1.0.0/24", 0, AT_PLAIN_LONG, false, "1", "" },
		{ '-', "10.1.0.0/24", 2, 0, false, "1", "" },
		{ '~', "10.1.0.0/24", 1, AT_A, false, "1", "" },
		{ '~', "10.1.0.0/24", 0, AT_PLAIN_LONG, false, "0", "" },
		{ '+', "10.2.0.0/24", 0, P, true, "0", NULL },
		{ '+', "10.2.0.0/24", 1, P, true, "0", NULL },
		{ '+', "10.2.0.0/24", 2, P, false, "1", "" }, /* three paths, once */
		{ '+', "10.3.0.0/24", 1, P, false, "2*", "+10.0.0.0/8" },
		{ '+', "10.1.0.0/24", 2, P, false, "3*", "" },
		{ 'X', NULL, 0, 0, false, "3*", "" }, /* 10.2/24 has two more */
		{ 'X', NULL, 1, 0, false, "2*", "" },
		{ 'X', NULL, 2, 0, false, "0", "-10.0.0.0/8" },
	};
	struct fx *fx = *state;

	RUN(fx, sets, steps);
	assert_int_equal(rib_agg_contributors(fx->agg), 0);
}

/* Configuring on a populated Loc-RIB counts from one walk (changes still
 * queued are not counted twice when drained); a reconfiguration reports
 * what flipped against what was last reported, matched by prefix; an
 * aggregate removed while reported active is reported inactive once
 * (first), one removed and back before a report not at all. Duplicate
 * prefixes: the last definition wins, in its place. */
static void test_reconfigure(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 2, 0 }, { "10.1.0.0/16", 1, 0 } },
		{ { "10.1.0.0/16", 3, 0 },
		  { "10.0.0.0/8", 1, 0 },
		  { "172.16.0.0/12", 0, 0 },
		  { "10.0.0.0/8", 5, 0 } },
		{ { NULL, 0, 0 } },
	};
	static const struct step steps[] = {
		{ '+', "10.1.1.0/24", 0, P, false, "", "" }, /* nothing configured */
		{ '+', "10.1.2.0/24", 0, P, false, "", "" },
		{ '+', "10.2.0.0/24", 0, P, false, "", "" },
		{ 'C', NULL, 0, 0, false, "3* 2*", "+10.0.0.0/8 +10.1.0.0/16" },
		{ '+', "10.3.0.0/24", 0, P, true, "3* 2*", NULL },
		{ 'C', NULL, 1, 0, false, "2 0* 4", "-10.1.0.0/16 +172.16.0.0/12 -10.0.0.0/8" },
		{ '+', "10.4.0.0/24", 0, P, false, "2 0* 5*", "+10.0.0.0/8" },
		{ '+', "10.1.3.0/24", 0, P, false, "3* 0* 6*", "+10.1.0.0/16" },
		{ 'C', NULL, 0, 0, false, "6* 3*", "-172.16.0.0/12" },
		{ 'C', NULL, 2, 0, false, "", "-10.0.0.0/8 -10.1.0.0/16" },
		{ 'C', NULL, 1, 0, false, "3* 0* 6*", "+10.1.0.0/16 +172.16.0.0/12 +10.0.0.0/8" },
		{ 'C', NULL, 1, 0, false, "3* 0* 6*", "" },
		{ 'C', NULL, 0, 0, false, "6* 3*", NULL },  /* 172.16/12 retired */
		{ 'C', NULL, 1, 0, false, "3* 0* 6*", "" }, /* and back */
		{ '-', "10.1.3.0/24", 0, 0, false, "2 0* 5*", "-10.1.0.0/16" },
	};
	struct fx *fx = *state;

	RUN(fx, sets, steps);
}

/* Flips are reported in configuration order whichever was counted first
 * (the report starts at the earliest flip); ids come back as given, and
 * rib_agg_has finds exactly the configured prefixes, host bits or not. */
static void test_report_order_and_ids(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 1, 0 }, { "11.0.0.0/8", 1, 0 }, { "12.0.0.0/8", 1, 0 } },
	};
	static const struct step steps[] = {
		{ 'C', NULL, 0, 0, false, "0 0 0", "" },
		{ '+', "12.1.0.0/24", 0, P, true, "0 0 0", NULL },
		{ '+', "10.1.0.0/24", 0, P, false, "1* 0 1*", "+10.0.0.0/8 +12.0.0.0/8" },
		{ '+', "11.1.0.0/24", 0, P, false, "1* 1* 1*", "+11.0.0.0/8" },
		{ '-', "11.1.0.0/24", 0, 0, true, "1* 1* 1*", NULL },
		{ '-', "12.1.0.0/24", 0, 0, true, "1* 1* 1*", NULL },
		{ '-', "10.1.0.0/24", 0, 0, false, "0 0 0", "-10.0.0.0/8 -11.0.0.0/8 -12.0.0.0/8" },
		{ '+', "12.1.0.0/24", 0, P, false, "0 0 1*", NULL },
		{ '-', "12.1.0.0/24", 0, 0, false, "0 0 0", NULL }, /* flipped back */
		{ '+', "11.1.0.0/24", 0, P, false, "0 1* 0", "+11.0.0.0/8" },
	};
	struct rib_agg_def d[2];
	struct rib_agg_info info;
	struct fx *fx = *state;
	struct bgp_prefix p;

	RUN(fx, sets, steps);
	memset(d, 0, sizeof(d));
	d[0].prefix = pfx("10.0.0.0/8");
	d[0].id = 7;
	d[1].prefix = pfx("2001:db8::/32");
	d[1].id = 3;
	assert_int_equal(rib_agg_configure(fx->agg, d, 2, fx->loc), 0);
	assert_true(rib_agg_get(fx->agg, 0, &info));
	assert_int_equal(info.def->id, 7);
	assert_true(rib_agg_get(fx->agg, 1, &info));
	assert_int_equal(info.def->id, 3);
	assert_true(rib_agg_has(fx->agg, &d[0].prefix));
	assert_true(rib_agg_has(fx->agg, &d[1].prefix));
	p = pfx("10.1.2.3/8");
	assert_true(rib_agg_has(fx->agg, &p));
	p = pfx("10.0.0.0/9");
	assert_false(rib_agg_has(fx->agg, &p));
	p = pfx("11.0.0.0/8");
	assert_false(rib_agg_has(fx->agg, &p));
	p = pfx("2001:db8::/33");
	assert_false(rib_agg_has(fx->agg, &p));
}

/* Definitions the module refuses keep the running ones; prefixes with
 * host bits are masked (and then duplicates). */
static void test_configure_rejects(void **state)
{
	static const struct {
		struct bgp_prefix p;
		int err;
	} cases[] = {
		{ { 0, 8, { 10 } }, EINVAL },		/* no family */
		{ { AF_INET, 33, { 10 } }, EINVAL },
		{ { AF_INET6, 129, { 0x20 } }, EINVAL },
	};
	static const struct tdef running[MAXDEF] = {
		{ "10.1.2.3/16", 1, 0 }, { "10.1.0.0/16", 2, 0 }, { "10.0.0.0/8", 0, 0 }
	};
	struct fx *fx = *state;
	struct rib_agg_def d[130];
	struct rib_agg_info info;
	struct bgp_prefix masked = pfx("10.1.0.0/16");
	struct flips f;

	assert_int_equal(configure(fx, running), 0);
	assert_int_equal(rib_agg_count(fx->agg), 2);
	assert_true(rib_agg_get(fx->agg, 0, &info));
	assert_int_equal(info.def->min, 2);
	assert_memory_equal(&info.def->prefix, &masked, sizeof(masked));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(d, 0, sizeof(d));
		d[0].prefix = pfx("10.0.0.0/8");
		d[1].prefix = cases[i].p;
		errno = 0;
		assert_int_equal(rib_agg_configure(fx->agg, d, 2, fx->loc), -1);
		assert_int_equal(errno, cases[i].err);
	}
	assert_int_equal(rib_agg_configure(fx->agg, NULL, 1, fx->loc), -1);
	/* 64 nested levels fit a contributor mask, 65 do not. */
	memset(d, 0, sizeof(d));
	for (uint8_t i = 0; i < 65; i++)
		d[i].prefix = (struct bgp_prefix){ AF_INET6, (uint8_t)(32 + i), { 0x20, 0x01, 0x0d, 0xb8 } };
	assert_int_equal(rib_agg_configure(fx->agg, d, 65, fx->loc), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rib_agg_count(fx->agg), 2); /* still the running set */
	report(fx, &f);
	assert_string_equal(f.s, "+10.0.0.0/8");
	assert_int_equal(rib_agg_configure(fx->agg, d, 64, fx->loc), 0);
	d[64].prefix = pfx("2001:db8::1/128");
	assert_true(rib_loc_update(fx->loc, &d[64].prefix, &fx->src[0], fx->at[AT_PLAIN]));
	drain(fx);
	check_ref(fx, NULL);
	assert_true(rib_agg_get(fx->agg, 63, &info));
	assert_int_equal(info.count, 1);
	assert_int_equal(rib_agg_configure(fx->agg, NULL, 0, fx->loc), 0);
	assert_int_equal(rib_agg_count(fx->agg), 0);
	assert_int_equal(rib_agg_contributors(fx->agg), 0);
	report(fx, &f);
	assert_string_equal(f.s, "-10.0.0.0/8");
}

/* ---- randomized churn ------------------------------------------------------ */

static uint32_t rnd(uint32_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 17;
	*r ^= *r << 5;
	return *r;
}

/* A random prefix of length len inside base (its first base_len bits). */
static struct bgp_prefix rnd_inside(uint32_t *r, const char *base, unsigned len)
{
	struct bgp_prefix b = pfx(base), p = b;
	unsigned alen = b.family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < alen; i++)
		p.addr[i] = (uint8_t)rnd(r);
	for (unsigned bit = 0; bit < alen * 8; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));
		if (bit < b.len)
			p.addr[bit / 8] = (uint8_t)((p.addr[bit / 8] & ~m) | (b.addr[bit / 8] & m));
		else if (bit >= len)
			p.addr[bit / 8] &= (uint8_t)~m;
	}
	p.len = (uint8_t)len;
	return p;
}

static const char *const rnd_special[] = {
	"10.0.0.0/8", "10.1.0.0/16", "10.1.128.0/17", "10.1.128.0/24", "10.2.0.0/16",
	"10.0.0.0/7", "2001:db8::/32", "2001:db8:1::/48", "2001:db8::/31", "0.0.0.0/0",
	"11.0.0.0/8", "10.3.0.0/16", "8.0.0.0/6",
};

static struct bgp_prefix rnd_prefix(uint32_t *r)
{
	uint32_t k = rnd(r) % 20, x = rnd(r);

	switch (k) {
	case 0: case 1: case 2: case 3: case 4:
		return rnd_inside(r, "10.1.0.0/16", 17 + x % 16);
	case 5: case 6:
		return rnd_inside(r, "10.1.128.0/24", 25 + x % 8);
	case 7: case 8:
		return rnd_inside(r, "10.2.0.0/16", 17 + x % 16);
	case 9: case 10: case 11:
		return rnd_inside(r, "10.0.0.0/8", 9 + x % 24);
	case 12: case 13:
		return rnd_inside(r, "0.0.0.0/0", x % 33);
	case 14: case 15:
		return rnd_inside(r, "2001:db8::/32", 33 + x % 32);
	case 16:
		return rnd_inside(r, "2001:db8:1::/48", 49 + x % 16);
	case 17:
		return rnd_inside(r, "::/0", x % 65);
	default:
		return pfx(rnd_special[x % (sizeof(rnd_special) / sizeof(rnd_special[0]))]);
	}
}

#define CHURN_POOL 600
#define CHURN_STEPS 20000

struct churn {
	struct fx *fx;
	uint32_t r;
	struct bgp_prefix pool[CHURN_POOL];
	const struct tdef *set;	     /* configured now */
	bool reported[MAXDEF];	     /* the reference's last reported states */
	size_t drains, flips, reports, max_contrib;
};

/* Configure set; the reference carries what was reported by prefix. */
static void churn_configure(struct churn *c, const struct tdef *set)
{
	bool rep[MAXDEF] = { false };

	for (size_t i = 0; i < tdef_count(set); i++)
		for (size_t j = 0; c->set && j < tdef_count(c->set); j++)
			if (strcmp(set[i].pfx, c->set[j].pfx) == 0)
				rep[i] = c->reported[j];
	memcpy(c->reported, rep, sizeof(rep));
	c->set = set;
	assert_int_equal(configure(c->fx, set), 0);
}

/* Drain, check against the reference, and now and then report: the
 * flips are exactly the reference's changes since its last report. */
static void churn_drain(struct churn *c)
{
	bool active[MAXAGG];
	struct flips want, got;
	struct rib_agg_info info;

	drain(c->fx);
	check_ref(c->fx, active);
	c->drains++;
	if (rib_agg_contributors(c->fx->agg) > c->max_contrib)
		c->max_contrib = rib_agg_contributors(c->fx->agg);
	if (rnd(&c->r) % 3 == 0)
		return;
	memset(&want, 0, sizeof(want));
	for (size_t i = 0; rib_agg_get(c->fx->agg, i, &info); i++)
		if (active[i] != c->reported[i]) {
			flip_add(&want, &info.def->prefix, active[i]);
			c->reported[i] = active[i];
		}
	report(c->fx, &got);
	assert_string_equal(got.s, want.s);
	c->flips += got.n;
	c->reports++;
}

static void churn_step(struct churn *c, bool adding)
{
	struct fx *fx = c->fx;
	uint32_t x = rnd(&c->r);
	const struct bgp_prefix *p = &c->pool[x % CHURN_POOL];
	const struct rib_src *src = &fx->src[(x >> 12) % NSRC];

	if ((x >> 16) % 4000 == 0) {
		rib_loc_unset_src(fx->loc, src);
	} else if ((x >> 20) % 100 < (adding ? 90u : 5u)) {
		unsigned at = rnd(&c->r) % AT_N;
		rib_loc_set(fx->loc, p, src, fx->at[at], rnd(&c->r) % 8 != 0);
	} else {
		rib_loc_unset(fx->loc, p, src);
	}
}

/* 20000 random changes in bursts of adds and bursts of withdrawals over a
 * pool of prefixes inside, around and outside nested aggregates of both
 * families (with and without route types), drained after random batches,
 * reconfigured halfway (other minimums and route types, other order, two
 * more aggregates). */
static void test_random_churn(void **state)
{
	/* minimums about halfway through each count's swing */
	static const struct tdef set_a[MAXDEF] = {
		{ "10.0.0.0/8", 150, 0 },	 { "10.1.0.0/16", 40, COMM_A },
		{ "10.1.128.0/17", 60, 0 },	 { "10.1.128.0/24", 8, COMM_B },
		{ "10.2.0.0/16", 12, COMM_B },	 { "2001:db8::/32", 35, 0 },
		{ "2001:db8:1::/48", 7, COMM_A }, { "10.3.0.0/16", 0, 0 },
	};
	static const struct tdef set_b[MAXDEF] = {
		{ "2001:db8:1::/48", 22, 0 },	 { "10.1.128.0/24", 30, 0 },
		{ "0.0.0.0/0", 250, 0 },	 { "10.1.0.0/16", 110, 0 },
		{ "10.0.0.0/8", 90, COMM_B },	 { "10.2.0.0/16", 0, COMM_A },
		{ "11.0.0.0/8", 1, 0 },		 { "10.1.128.0/17", 40, COMM_A },
		{ "2001:db8::/32", 30, COMM_A }, { "10.3.0.0/16", 1, 0 },
	};
	struct churn churn, *c = &churn; /* on the stack: nothing leaks when a check fails */
	size_t batch = 1, phase = 0;
	bool adding = true;

	memset(c, 0, sizeof(*c));
	c->fx = *state;
	c->r = 0x2545f491;
	for (size_t i = 0; i < CHURN_POOL; i++)
		c->pool[i] = rnd_prefix(&c->r);
	churn_configure(c, set_a);
	for (size_t step = 0; step < CHURN_STEPS; step++) {
		if (phase-- == 0) { /* a burst of adds, then of withdrawals */
			adding = !adding;
			phase = 300 + rnd(&c->r) % 1700;
		}
		churn_step(c, adding);
		if (--batch == 0) {
			churn_drain(c);
			batch = 1 + rnd(&c->r) % 64;
		}
		if (step == CHURN_STEPS / 2) { /* changes may be queued still */
			churn_configure(c, set_b);
			churn_drain(c);
		}
	}
	churn_drain(c);
	print_message("agg churn: %d steps, %zu drains checked, %zu reports, %zu flips, "
		      "up to %zu contributors\n",
		      CHURN_STEPS, c->drains, c->reports, c->flips, c->max_contrib);
	assert_true(c->flips > 50);  /* the minimums were crossed, both ways */
}

/* ---- the last chain (rib_agg_entry's inline part) ---------------------------- */

/* Prefixes of one length inside base, numbered: the n-th is base's
 * address plus n in the bits just above the length. */
static struct bgp_prefix nth_inside(const char *base, unsigned len, uint32_t n)
{
	struct bgp_prefix p = pfx(base);

	for (int bit = (int)len - 1, b = 0; b < 16 && bit >= p.len; bit--, b++)
		if (n >> b & 1)
			p.addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	p.len = (uint8_t)len;
	return p;
}

/* Runs of changes inside one block (as one UPDATE's NLRI), each block a
 * different chain: one route type, none, different ones, 6 levels deep
 * (the most the state bits hold) and 7 (a record), IPv4 and IPv6. Random
 * attribute sets (with the route type first, not first, absent), unusable
 * paths, several sources, withdrawals of a few and of a whole run, drained
 * after random batches: most changes go by the last chain, and each drain
 * is checked against the reference. */
static void test_last_chain_runs(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 1, COMM_A }, { "10.1.0.0/16", 90, COMM_A },
		  { "10.2.0.0/16", 0, COMM_A }, { "2001:db8::/32", 3, COMM_A } },
		{ { "10.0.0.0/8", 1, 0 }, { "10.1.0.0/16", 90, 0 },
		  { "10.2.0.0/16", 2, 0 }, { "2001:db8::/32", 3, 0 } },
		{ { "10.0.0.0/8", 1, COMM_B }, { "10.1.0.0/16", 90, COMM_A },
		  { "10.2.0.0/16", 2, 0 }, { "2001:db8::/32", 3, COMM_A },
		  { "2001:db8::/40", 3, COMM_B } },
		{ { "10.0.0.0/8", 1, COMM_A }, { "10.1.0.0/16", 1, COMM_A },
		  { "10.1.0.0/17", 1, COMM_A }, { "10.1.0.0/18", 1, COMM_A },
		  { "10.1.0.0/19", 1, COMM_A }, { "10.1.0.0/20", 80, COMM_A },
		  { "10.2.0.0/16", 0, 0 }, { "2001:db8::/40", 3, 0 } },
		{ { "10.0.0.0/8", 1, 0 }, { "10.1.0.0/16", 1, 0 }, { "10.1.0.0/17", 1, 0 },
		  { "10.1.0.0/18", 1, 0 }, { "10.1.0.0/19", 1, 0 }, { "10.1.0.0/20", 1, 0 },
		  { "10.1.0.0/21", 70, 0 }, { "2001:db8::/32", 3, COMM_A } },
	};
	static const struct {
		const char *base;
		unsigned len;
	} blocks[] = {
		{ "10.1.0.0/21", 24 }, { "10.2.0.0/16", 24 }, { "10.3.0.0/16", 24 },
		{ "10.1.0.0/21", 28 }, { "2001:db8::/40", 48 }, { "2001:db8:100::/40", 64 },
	};
	struct fx *fx = *state;
	uint32_t r = 0x9e3779b9;

	for (size_t set = 0; set < sizeof(sets) / sizeof(sets[0]); set++) {
		assert_int_equal(configure(fx, sets[set]), 0);
		for (unsigned run = 0; run < 60; run++) {
			size_t b = rnd(&r) % (sizeof(blocks) / sizeof(blocks[0]));
			unsigned n = 1 + rnd(&r) % 200, at = rnd(&r) % AT_N;
			bool withdraw = rnd(&r) % 3 == 0;
			for (unsigned i = 0; i < n; i++) {
				struct bgp_prefix p = nth_inside(blocks[b].base, blocks[b].len, i);
				const struct rib_src *src = &fx->src[rnd(&r) % 4 == 0 ? 1 : 0];
				if (withdraw)
					rib_loc_unset(fx->loc, &p, src);
				else if (rnd(&r) % 8 == 0) /* now and then another set */
					rib_loc_set(fx->loc, &p, src, fx->at[rnd(&r) % AT_N],
						    rnd(&r) % 6 != 0);
				else
					rib_loc_set(fx->loc, &p, src, fx->at[at], true);
				if (rnd(&r) % 50 == 0) {
					drain(fx);
					check_ref(fx, NULL);
				}
			}
			drain(fx);
			check_ref(fx, NULL);
			if (rnd(&r) % 4 == 0) {
				struct flips f;
				report(fx, &f);
			}
		}
		rib_loc_unset_src(fx->loc, &fx->src[0]);
		rib_loc_unset_src(fx->loc, &fx->src[1]);
		drain(fx);
		check_ref(fx, NULL);
		assert_int_equal(rib_agg_contributors(fx->agg), 0);
	}
}

static size_t live_sets(const struct fx *fx)
{
	struct rib_attr_stats st;

	rib_attr_cache_stats(fx->cache, &st);
	return st.attrs;
}

/* The set the last chain knows to carry the route type outlives its
 * paths (a reference): a set interned after it is gone never passes for
 * it, even at its address. A configure lets it go. */
static void test_last_chain_set_lifetime(void **state)
{
	static const struct tdef set[MAXDEF] = { { "10.0.0.0/8", 1, COMM_A } };
	const uint32_t a = COMM_A;
	struct fx *fx = *state;
	struct bgp_prefix p[3] = { pfx("10.1.0.0/24"), pfx("10.1.1.0/24"), pfx("10.1.2.0/24") };
	struct rib_attrs *t, *u;
	struct rib_agg_info info;

	assert_int_equal(configure(fx, set), 0);
	assert_non_null(t = intern_set(fx->cache, &a, 1, 1));
	assert_true(rib_loc_update(fx->loc, &p[0], &fx->src[0], t));
	assert_true(rib_loc_update(fx->loc, &p[1], &fx->src[0], t));
	drain(fx);
	check_ref(fx, NULL);
	assert_true(rib_loc_withdraw(fx->loc, &p[0], &fx->src[0]));
	assert_true(rib_loc_withdraw(fx->loc, &p[1], &fx->src[0]));
	rib_attrs_unref(t);
	drain(fx);
	check_ref(fx, NULL);
	assert_int_equal(live_sets(fx), AT_N + 1); /* t, kept */
	assert_non_null(u = intern_set(fx->cache, NULL, 0, 1)); /* no route type */
	assert_true(rib_loc_update(fx->loc, &p[2], &fx->src[0], u));
	drain(fx);
	check_ref(fx, NULL);
	assert_true(rib_agg_get(fx->agg, 0, &info));
	assert_int_equal(info.count, 0);
	assert_int_equal(configure(fx, set), 0);
	assert_int_equal(live_sets(fx), AT_N + 1); /* t is gone, u stays */
	rib_attrs_unref(u);
}

/* A retired definition (rib_agg_report's callback) keeps nothing. */
static void on_retired(const struct rib_agg_def *d, bool active, void *arg)
{
	struct fx *fx = arg;
	struct rib_attrs *ra = intern(fx->cache, AT_A);

	assert_false(active);
	assert_null(rib_agg_attrs(fx->agg, d));
	assert_false(rib_agg_keep_attrs(fx->agg, d, ra));
	rib_attrs_unref(ra);
}

/* The caller's attribute sets kept per aggregate: lent back until the next
 * configure (also a failed one) or a replacement, refused for a retired
 * definition and for a pointer that is no definition. */
static void test_kept_attrs(void **state)
{
	static const struct tdef sets[][MAXDEF] = {
		{ { "10.0.0.0/8", 1, 0 }, { "11.0.0.0/8", 0, 0 } },
		{ { "11.0.0.0/8", 0, 0 } },
	};
	const uint32_t a = COMM_A, b = COMM_B;
	struct fx *fx = *state;
	struct rib_attrs *x, *y, *z;
	struct rib_agg_info info;
	struct rib_agg_def copy, bad[2];
	struct flips f;
	struct bgp_prefix p = pfx("10.1.0.0/24");

	assert_int_equal(configure(fx, sets[0]), 0);
	assert_true(rib_agg_get(fx->agg, 0, &info));
	assert_null(rib_agg_attrs(fx->agg, info.def));
	assert_non_null(x = intern_set(fx->cache, &a, 1, 1));
	assert_non_null(y = intern_set(fx->cache, &b, 1, 1));
	assert_true(rib_agg_keep_attrs(fx->agg, info.def, x)); /* ours no more */
	assert_ptr_equal(rib_agg_attrs(fx->agg, info.def), x);
	assert_true(rib_agg_get(fx->agg, 1, &info));
	assert_null(rib_agg_attrs(fx->agg, info.def));
	copy = *info.def;
	assert_false(rib_agg_keep_attrs(fx->agg, &copy, y));
	assert_null(rib_agg_attrs(fx->agg, &copy));
	assert_true(rib_agg_get(fx->agg, 0, &info));
	assert_true(rib_agg_keep_attrs(fx->agg, info.def, y)); /* x let go */
	assert_ptr_equal(rib_agg_attrs(fx->agg, info.def), y);
	assert_int_equal(live_sets(fx), AT_N + 1);
	/* A failed configure drops them too: the configuration changed. */
	memset(bad, 0, sizeof(bad));
	bad[0].prefix = pfx("10.0.0.0/8");
	bad[1].prefix = (struct bgp_prefix){ AF_INET, 33, { 10 } };
	assert_int_equal(rib_agg_configure(fx->agg, bad, 2, fx->loc), -1);
	assert_int_equal(rib_agg_count(fx->agg), 2);
	assert_null(rib_agg_attrs(fx->agg, info.def));
	assert_int_equal(live_sets(fx), AT_N);
	/* Kept again, then a configure that retires its aggregate. */
	assert_true(rib_loc_update(fx->loc, &p, &fx->src[0], fx->at[AT_PLAIN]));
	drain(fx);
	report(fx, &f);
	assert_string_equal(f.s, "+10.0.0.0/8 +11.0.0.0/8");
	assert_non_null(z = intern_set(fx->cache, &a, 1, 2));
	assert_true(rib_agg_keep_attrs(fx->agg, info.def, z));
	assert_int_equal(configure(fx, sets[1]), 0);
	assert_int_equal(live_sets(fx), AT_N);
	assert_true(rib_agg_get(fx->agg, 0, &info));
	assert_null(rib_agg_attrs(fx->agg, info.def));
	assert_int_equal(rib_agg_report(fx->agg, on_retired, fx), 1);
}

/* ---- timing (printed, not asserted) --------------------------------------- */

struct held {
	struct rib_entry **v;
	size_t n;
};

/* Hold the drained entries (pinned: withdrawn ones stay until unpinned) to
 * time rib_agg_entry alone on them. */
static void hold(struct rib_entry *e, void *arg)
{
	struct held *h = arg;

	rib_loc_pin(e);
	h->v[h->n++] = e;
}

static double ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per rib_agg_entry over the drained changes; then unpinned. */
static double timed_entries(struct fx *fx, struct held *h)
{
	h->n = 0;
	rib_loc_drain(fx->loc, SIZE_MAX, hold, h);
	double t0 = ns_now();
	for (size_t i = 0; i < h->n; i++)
		rib_agg_entry(fx->agg, h->v[i]);
	double ns = (ns_now() - t0) / (double)(h->n ? h->n : 1);
	for (size_t i = 0; i < h->n; i++)
		rib_loc_unpin(fx->loc, h->v[i]);
	return ns;
}

static void churn_100k(struct fx *fx, struct held *h, uint8_t first, double ns[2])
{
	const size_t n = 100000;

	for (size_t i = 0; i < n; i++) {
		struct bgp_prefix p = { AF_INET, 25, { first, (uint8_t)(i >> 9), (uint8_t)(i >> 1),
						       (uint8_t)((i & 1) << 7) } };
		rib_loc_update(fx->loc, &p, &fx->src[0], fx->at[AT_A]);
	}
	ns[0] = timed_entries(fx, h);
	rib_loc_unset_src(fx->loc, &fx->src[0]);
	ns[1] = timed_entries(fx, h);
}

/* 100k /25s in 10.0.0.0/8 (under 256 /16 aggregates, half of them with a
 * route type, and the /8), added and withdrawn; then outside every
 * aggregate (11/8), and with none configured. */
static void test_timing(void **state)
{
	struct fx *fx = *state;
	struct rib_agg_def d[258];
	struct held h = { calloc(100000, sizeof(struct rib_entry *)), 0 };
	struct rib_agg_info info;
	double in[2], out[2], none[2];

	assert_non_null(h.v);
	memset(d, 0, sizeof(d));
	for (unsigned i = 0; i < 256; i++) {
		d[i].prefix = (struct bgp_prefix){ AF_INET, 16, { 10, (uint8_t)i } };
		d[i].min = 100;
		d[i].need_community = i % 2;
		d[i].community = COMM_A;
	}
	d[256].prefix = pfx("10.0.0.0/8");
	d[256].min = 1000;
	d[257].prefix = pfx("2001:db8::/32");
	assert_int_equal(rib_agg_configure(fx->agg, d, 258, fx->loc), 0);
	churn_100k(fx, &h, 10, in);
	assert_true(rib_agg_get(fx->agg, 256, &info));
	assert_int_equal(info.count, 0);
	/* the peak: everything in again, and what the module holds for it */
	for (size_t i = 0; i < 100000; i++) {
		struct bgp_prefix p = { AF_INET, 25, { 10, (uint8_t)(i >> 9), (uint8_t)(i >> 1),
						       (uint8_t)((i & 1) << 7) } };
		rib_loc_update(fx->loc, &p, &fx->src[1], fx->at[AT_A]);
	}
	double t0 = ns_now();
	assert_int_equal(rib_agg_configure(fx->agg, d, 258, fx->loc), 0);
	double conf_ms = (ns_now() - t0) / 1e6;
	assert_true(rib_agg_get(fx->agg, 256, &info));
	assert_int_equal(info.count, 100000);
	size_t bytes = rib_agg_bytes(fx->agg), nrec = rib_agg_contributors(fx->agg);
	rib_loc_unset_src(fx->loc, &fx->src[1]);
	drain(fx);
	assert_int_equal(rib_agg_contributors(fx->agg), 0);
	churn_100k(fx, &h, 11, out);
	assert_int_equal(rib_agg_configure(fx->agg, NULL, 0, fx->loc), 0);
	churn_100k(fx, &h, 10, none);
	print_message("agg timing: ns per rib_agg_entry, add/withdraw of 100k: covered %.0f/%.0f, "
		      "outside %.0f/%.0f, no aggregates %.0f/%.0f; configure walk of 100k %.1f ms; "
		      "%zu contributors, %.1f B each\n",
		      in[0], in[1], out[0], out[1], none[0], none[1], conf_ms, nrec,
		      (double)bytes / (double)nrec);
	free(h.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_minimum_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_which_prefixes_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_order_and_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_chain_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_chain_set_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_attrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
