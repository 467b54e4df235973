/* policy/cache.c: the result cache returns what a fresh evaluation
 * returns (randomized over attribute sets x chains x sessions, fixed
 * seed), counts hits and misses, stays within its capacity (least
 * recently used out), replays statement counters on a hit, keys on the
 * session only as far as the chain looks at it, and gives back every
 * reference it took. */
#include <inttypes.h>

#include "tests/unit/policy_test.h"

#define LOCAL_AS 65301

struct fx {
	struct rib_attr_cache *ac;
	struct pol_config *c;
	struct pol_cache *pc;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ac = rib_attr_cache_new();
	f->c = pt_config(LOCAL_AS);
	assert_non_null(f->ac);
	*state = f;
	return 0;
}

static void attrs_all_gone(struct rib_attr_cache *ac)
{
	struct rib_attr_stats st;

	rib_attr_cache_stats(ac, &st);
	assert_int_equal(st.attrs, 0);
	assert_int_equal(st.refs, 0);
	assert_int_equal(st.aspaths + st.commlists + st.unknowns, 0);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pol_cache_free(f->pc);
	pol_config_free(f->c);
	attrs_all_gone(f->ac);
	rib_attr_cache_free(f->ac);
	free(f);
	return 0;
}

static size_t live_attrs(struct rib_attr_cache *ac)
{
	struct rib_attr_stats st;

	rib_attr_cache_stats(ac, &st);
	return st.attrs;
}

static struct pol_cache_stats stats(const struct pol_cache *pc)
{
	struct pol_cache_stats st;

	pol_cache_stats(pc, &st);
	assert_true(st.entries <= st.capacity);
	return st;
}

static const struct pol_env env_a = { .peer_as = 65001, .group = -1, .import = true };
static const struct pol_env env_x = { .peer_as = 65001, .group = -1, .import = false };

static struct rib_attrs *eval_ok(struct fx *f, struct pol_chain *ch, const struct pol_env *env,
				 const char *pfx, struct rib_attrs *in, struct pol_verdict *v)
{
	struct bgp_prefix p = pt_prefix(pfx ? pfx : "10.1.0.0/16");
	struct rib_attrs *out = (struct rib_attrs *)1;

	assert_int_equal(pol_eval(f->pc, f->c, ch, env ? env : &env_x, &p, in, &out, v), 0);
	assert_true(v->accept == (out != NULL));
	return out;
}

/* ---- counters, capacity, least recently used ------------------------------ */

static void t_capacity(void **state)
{
	struct fx *f = *state;
	const size_t want[][2] = { { 0, 0 }, { 1, 4 }, { 4, 4 }, { 5, 8 }, { 16384, 16384 },
				   { 16385, 32768 } };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pol_cache *pc = pol_cache_new(f->ac, want[i][0]);
		assert_non_null(pc);
		assert_int_equal(stats(pc).capacity, want[i][1]);
		assert_int_equal(stats(pc).entries, 0);
		pol_cache_free(pc);
	}
	pol_cache_free(NULL);
	pol_cache_flush(NULL);
}

/* Capacity 4 is one set of 4 ways: least recently used over the whole
 * table. */
static void t_hits_misses_lru(void **state)
{
	struct fx *f = *state;
	struct pol_policy *p = pt_policy(f->c, "P");
	struct pol_stmt *st = pt_stmt(f->c, p, "lp", NULL,
				      &(struct pt_act){ .set_lpref = true, .lpref = 200 });
	struct pol_chain *ch = pt_chain1(f->c, p);
	struct rib_attrs *a[6], *out[6], *o;
	struct pol_verdict v;
	size_t base;

	f->pc = pol_cache_new(f->ac, 4);
	for (int i = 0; i < 6; i++) {
		char asp[16];
		snprintf(asp, sizeof(asp), "%d", 100 + i);
		a[i] = pt_intern(f->ac, &(struct pt_path){ .aspath = asp });
	}
	base = live_attrs(f->ac);
	for (int i = 0; i < 4; i++) {
		out[i] = eval_ok(f, ch, NULL, NULL, a[i], &v);
		assert_ptr_not_equal(out[i], a[i]);
		/* the entry holds the input and the result */
		assert_int_equal(rib_attrs_refcnt(a[i]), 2);
		assert_int_equal(rib_attrs_refcnt(out[i]), 2);
	}
	assert_int_equal(stats(f->pc).misses, 4);
	assert_int_equal(stats(f->pc).hits, 0);
	assert_int_equal(stats(f->pc).entries, 4);
	assert_int_equal(live_attrs(f->ac), base + 4);
	for (int i = 0; i < 4; i++) {
		o = eval_ok(f, ch, NULL, NULL, a[i], &v);
		assert_ptr_equal(o, out[i]);
		assert_ptr_equal(v.stmt, st);
		assert_ptr_equal(v.policy, p);
		rib_attrs_unref(o);
	}
	assert_int_equal(stats(f->pc).hits, 4);
	assert_int_equal(st->matches, 8); /* replayed on every hit */
	assert_int_equal(p->evals, 8);
	for (int i = 0; i < 4; i++)
		rib_attrs_unref(out[i]);
	/* a[0] used last of all: a[1] is the least recently used */
	rib_attrs_unref(eval_ok(f, ch, NULL, NULL, a[0], &v));
	o = eval_ok(f, ch, NULL, NULL, a[4], &v); /* miss: a[1] goes */
	rib_attrs_unref(o);
	assert_int_equal(stats(f->pc).entries, 4);
	assert_int_equal(rib_attrs_refcnt(a[1]), 1);
	assert_int_equal(live_attrs(f->ac), base + 4); /* a[1]'s result freed */
	struct pol_cache_stats before = stats(f->pc);
	rib_attrs_unref(eval_ok(f, ch, NULL, NULL, a[0], &v));
	assert_int_equal(stats(f->pc).hits, before.hits + 1);
	rib_attrs_unref(eval_ok(f, ch, NULL, NULL, a[1], &v)); /* miss: a[2] goes */
	assert_int_equal(stats(f->pc).misses, before.misses + 1);
	assert_int_equal(rib_attrs_refcnt(a[2]), 1);
	rib_attrs_unref(eval_ok(f, ch, NULL, NULL, a[3], &v));
	assert_int_equal(stats(f->pc).hits, before.hits + 2);
	/* flush: every reference back */
	pol_cache_flush(f->pc);
	assert_int_equal(stats(f->pc).entries, 0);
	assert_int_equal(live_attrs(f->ac), base);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(rib_attrs_refcnt(a[i]), 1);
		rib_attrs_unref(a[i]);
	}
}

/* Rejections are results too; nothing is held for them but the input. */
static void t_reject_cached(void **state)
{
	struct fx *f = *state;
	struct pol_policy *p = pt_policy(f->c, "P");
	struct pol_stmt *st = pt_stmt(f->c, p, "no", NULL, &(struct pt_act){ .result = POL_REJECT });
	struct pol_chain *ch = pt_chain1(f->c, p), *deny;
	struct pol_policy *e = pt_policy(f->c, "empty");
	struct rib_attrs *a = pt_intern(f->ac, &(struct pt_path){ .aspath = "1" });
	struct pol_verdict v;

	deny = pt_chain1(f->c, e);
	f->pc = pol_cache_new(f->ac, 64);
	for (int i = 0; i < 3; i++) {
		assert_null(eval_ok(f, ch, NULL, NULL, a, &v));
		assert_ptr_equal(v.stmt, st);
		assert_null(eval_ok(f, deny, NULL, NULL, a, &v));
		assert_null(v.stmt);
		assert_null(v.policy);
	}
	assert_int_equal(stats(f->pc).misses, 2);
	assert_int_equal(stats(f->pc).hits, 4);
	assert_int_equal(st->matches, 3);
	assert_int_equal(e->evals, 3);
	assert_int_equal(rib_attrs_refcnt(a), 3);
	rib_attrs_unref(a);
}

/* Chains that look at the prefix are evaluated every time; so are
 * evaluations whose trace is longer than an entry holds. Capacity 0
 * bypasses everything. */
static void t_bypass(void **state)
{
	struct fx *f = *state;
	const char *const ent[] = { "10.0.0.0/8 16 24", NULL };
	const struct pol_pfxset *ps = pt_pfxset(f->c, "p", ent);
	struct pol_policy *p = pt_policy(f->c, "P"), *q = pt_policy(f->c, "long");
	pt_stmt(f->c, p, "in", &(struct pt_match){ .pfx = ps }, NULL);
	struct pol_stmt *last = NULL;
	for (int i = 0; i < 8; i++) {
		char name[8], add[16];
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(add, sizeof(add), "100:%d", i);
		last = pt_stmt(f->c, q, name, NULL,
			       &(struct pt_act){ .result = i < 7 ? POL_NEXT : POL_ACCEPT,
						 .comm_add = add });
	}
	struct pol_chain *ch = pt_chain1(f->c, p), *lc = pt_chain1(f->c, q);
	struct rib_attrs *a = pt_intern(f->ac, &(struct pt_path){ .aspath = "1" });
	struct pol_verdict v;

	f->pc = pol_cache_new(f->ac, 64);
	rib_attrs_unref(eval_ok(f, ch, NULL, "10.1.0.0/16", a, &v));
	assert_true(v.accept);
	assert_null(eval_ok(f, ch, NULL, "10.1.1.128/25", a, &v));
	assert_int_equal(stats(f->pc).bypass, 2);
	assert_int_equal(stats(f->pc).entries, 0);
	for (int i = 0; i < 2; i++) {
		struct rib_attrs *o = eval_ok(f, lc, NULL, NULL, a, &v);
		assert_ptr_equal(v.stmt, last);
		assert_int_equal(rib_attrs_get(o)->ncommunities, 8);
		rib_attrs_unref(o);
	}
	assert_int_equal(stats(f->pc).misses, 2); /* not kept: 8 statements matched */
	assert_int_equal(stats(f->pc).entries, 0);
	assert_int_equal(last->matches, 2);
	pol_cache_free(f->pc);

	f->pc = pol_cache_new(f->ac, 0);
	rib_attrs_unref(eval_ok(f, lc, NULL, NULL, a, &v));
	rib_attrs_unref(eval_ok(f, lc, NULL, NULL, a, &v));
	assert_int_equal(stats(f->pc).bypass, 2);
	assert_int_equal(stats(f->pc).hits + stats(f->pc).misses, 0);
	assert_int_equal(rib_attrs_refcnt(a), 1);
	rib_attrs_unref(a);
}

/* The key has the session's AS, group and the family only when the chain
 * matches on them, and always the direction. */
static void t_key(void **state)
{
	struct fx *f = *state;
	struct pol_policy *p = pt_policy(f->c, "by-as"), *q = pt_policy(f->c, "lp");
	pt_stmt(f->c, p, "one", &(struct pt_match){ .nbr_as = "65001" },
		&(struct pt_act){ .set_lpref = true, .lpref = 1 });
	pt_stmt(f->c, p, "other", NULL, &(struct pt_act){ .set_lpref = true, .lpref = 2 });
	pt_stmt(f->c, q, "lp", NULL, &(struct pt_act){ .set_lpref = true, .lpref = 3 });
	struct pol_chain *by_as = pt_chain1(f->c, p), *plain = pt_chain1(f->c, q);
	struct rib_attrs *a = pt_intern(f->ac, &(struct pt_path){ .aspath = "1" }), *o;
	struct pol_env e1 = env_a, e2 = env_a, ex = env_a;
	struct pol_verdict v;

	e2.peer_as = 65002;
	e2.group = 1;
	ex.import = false;
	f->pc = pol_cache_new(f->ac, 64);
	o = eval_ok(f, by_as, &e1, NULL, a, &v);
	assert_int_equal(rib_attrs_get(o)->local_pref, 1);
	rib_attrs_unref(o);
	o = eval_ok(f, by_as, &e2, NULL, a, &v);
	assert_int_equal(rib_attrs_get(o)->local_pref, 2);
	rib_attrs_unref(o);
	assert_int_equal(stats(f->pc).misses, 2);
	o = eval_ok(f, by_as, &e1, "2001:db8::/32", a, &v); /* family not looked at */
	assert_int_equal(rib_attrs_get(o)->local_pref, 1);
	rib_attrs_unref(o);
	assert_int_equal(stats(f->pc).hits, 1);

	rib_attrs_unref(eval_ok(f, plain, &e1, NULL, a, &v));
	rib_attrs_unref(eval_ok(f, plain, &e2, NULL, a, &v)); /* AS, group not looked at */
	assert_int_equal(stats(f->pc).hits, 2);
	/* the other direction: a result without an origin */
	struct rib_attrs *imp = eval_ok(f, plain, &e1, NULL, a, &v);
	struct rib_attrs *exp = eval_ok(f, plain, &ex, NULL, a, &v);
	assert_int_equal(stats(f->pc).misses, 4);
	assert_ptr_equal(rib_attrs_origin(imp), a);
	assert_ptr_equal(rib_attrs_origin(exp), exp);
	assert_ptr_not_equal(imp, exp);
	rib_attrs_unref(imp);
	rib_attrs_unref(exp);
	/* pol_explain: the verdict only, no counters, no entries */
	struct pol_cache_stats before = stats(f->pc);
	struct bgp_prefix pfx = pt_prefix("10.0.0.0/8");
	assert_int_equal(pol_explain(f->pc, f->c, by_as, &e2, &pfx, a, &v), 0);
	assert_true(v.accept);
	assert_ptr_equal(v.stmt, &p->st[1]);
	assert_int_equal(p->st[1].matches, 1);
	assert_int_equal(p->evals, 3);
	struct pol_cache_stats after = stats(f->pc);
	assert_int_equal(after.hits, before.hits);
	assert_int_equal(after.misses, before.misses);
	assert_int_equal(after.bypass, before.bypass);
	assert_int_equal(after.entries, before.entries);
	rib_attrs_unref(a);
}

/* ---- randomized: cached equals fresh -------------------------------------- */

/* xorshift64*: the same sequence on every platform */
static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

#define NCHAINS 9

/* The same configuration each time it is called: chains over every kind
 * of condition and action, some of several policies. */
static void build_world(struct pol_config *c, struct pol_chain *ch[NCHAINS])
{
	const struct pol_commset *blue = pt_commset(c, "blue", "1:1 no-export");
	const struct pol_commset *nine = pt_commset(c, "nine", "9:9");
	const struct pol_commset *one = pt_commset(c, "one", "1:1");
	const struct pol_lcommset *big = pt_lcommset(c, "big", "65000:1:2 65000:1:3");
	const char *const re2[] = { "_65002_", NULL }, *const reo[] = { "_65001$", "^\\(", NULL };
	const struct pol_aspathset *via2 = pt_aspathset(c, "via2", re2);
	const struct pol_aspathset *orig = pt_aspathset(c, "orig", reo);
	const char *const ent[] = { "10.0.0.0/8 16 24", "2001:db8::/32 32 64", NULL };
	const struct pol_pfxset *pfx = pt_pfxset(c, "pfx", ent);
	struct pol_policy *p;

	/* 0: communities */
	struct pol_policy *pcomm = p = pt_policy(c, "comm");
	pt_stmt(c, p, "blue", &(struct pt_match){ .comm = blue }, &(struct pt_act){ .result = 1 });
	pt_stmt(c, p, "big", &(struct pt_match){ .lcomm = big, .lcomm_mode = POL_SET_ALL },
		&(struct pt_act){ .set_lpref = true, .lpref = 200 });
	pt_stmt(c, p, "rest", NULL, &(struct pt_act){ .comm_add = "65101:9" });
	/* 1: AS_PATH */
	p = pt_policy(c, "path");
	pt_stmt(c, p, "via2", &(struct pt_match){ .aspath = via2 },
		&(struct pt_act){ .result = POL_NEXT, .comm_add = "7:7" });
	pt_stmt(c, p, "short", &(struct pt_match){ .aslen = true, .aslen_max = 2 },
		&(struct pt_act){ .prepend_n = 1 });
	pt_stmt(c, p, "origin", &(struct pt_match){ .aspath = orig, .origins = 1 },
		&(struct pt_act){ .remove_private = true });
	/* 2: the session */
	p = pt_policy(c, "session");
	pt_stmt(c, p, "as1", &(struct pt_match){ .nbr_as = "65001" },
		&(struct pt_act){ .set_lpref = true, .lpref = 100 });
	pt_stmt(c, p, "rsw", &(struct pt_match){ .groups = "rsw" },
		&(struct pt_act){ .set_lpref = true, .lpref = 90, .nh_self = true });
	pt_stmt(c, p, "not1", &(struct pt_match){ .comm = one, .comm_mode = POL_SET_NONE },
		&(struct pt_act){ .result = POL_NEXT, .comm_del = "2:2" });
	pt_stmt(c, p, "v6", &(struct pt_match){ .family = AF_INET6 }, NULL);
	/* 3: route types and family */
	p = pt_policy(c, "rtype");
	pt_stmt(c, p, "rack6", &(struct pt_match){ .family = AF_INET6, .rtypes = "65520:101" },
		&(struct pt_act){ .lcomm_add = "65301:0:6" });
	pt_stmt(c, p, "agg", &(struct pt_match){ .rtypes = "65520:102" },
		&(struct pt_act){ .result = POL_REJECT });
	pt_stmt(c, p, "rest", &(struct pt_match){ .origins = 6 },
		&(struct pt_act){ .comm_replace = true, .lcomm_replace = true,
				  .lcomm_repl = "1:1:1" });
	/* 4: several policies, edits carried across */
	struct pol_policy *ptag = p = pt_policy(c, "tag");
	pt_stmt(c, p, "tag", NULL, &(struct pt_act){ .result = POL_NEXT, .comm_add = "9:9" });
	pt_stmt(c, p, "nhs", &(struct pt_match){ .nbr_as = "65003" },
		&(struct pt_act){ .result = POL_NEXT, .nh_self = true });
	struct pol_policy *pfin = p = pt_policy(c, "final");
	pt_stmt(c, p, "nine", &(struct pt_match){ .comm = nine },
		&(struct pt_act){ .set_lpref = true, .lpref = 300, .prepend_as = 64999,
				  .prepend_n = 2 });
	/* 5: eight statements matched: too long a trace to keep */
	p = pt_policy(c, "long");
	for (int i = 0; i < 8; i++) {
		char name[8], add[16];
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(add, sizeof(add), "100:%d", i);
		pt_stmt(c, p, name, NULL,
			&(struct pt_act){ .result = i < 7 ? POL_NEXT : POL_ACCEPT, .comm_add = add });
	}
	struct pol_policy *plong = p;
	/* 6: prefixes (never cached) */
	p = pt_policy(c, "prefix");
	pt_stmt(c, p, "in", &(struct pt_match){ .pfx = pfx }, NULL);
	pt_stmt(c, p, "out", &(struct pt_match){ .pfx = pfx, .pfx_invert = true },
		&(struct pt_act){ .set_lpref = true, .lpref = 1 });
	/* 7: nothing */
	struct pol_policy *pempty = pt_policy(c, "empty");

	for (int i = 0; i < 4; i++)
		ch[i] = pt_chain1(c, &c->policies[i]);
	struct pol_policy *l4[] = { ptag, pcomm, pfin };
	ch[4] = pt_chain(c, l4, 3);
	ch[5] = pt_chain1(c, plong);
	ch[6] = pt_chain1(c, &c->policies[c->npolicies - 2]);
	ch[7] = pt_chain1(c, pempty);
	struct pol_policy *l8[] = { ptag, plong, &c->policies[2], &c->policies[1] };
	ch[8] = pt_chain(c, l8, 4);
}

#define NATTRS 48
#define NEVALS 6000

static void random_path(struct pt_path *p, char *comm, char *lcomm)
{
	static const char *const aspaths[] = {
		"", "65001", "65001 65002", "65002 64512 174", "(65401 65301) 65001",
		"65001 {1,2}", "65003 65002 65001 4200000001", "1 2 3 4", "65002",
	};
	static const char *const comms[] = { "1:1", "2:2", "9:9", "no-export", "65520:101",
					     "65520:102", "7:7" };
	static const char *const lcomms[] = { "65000:1:2", "65000:1:3", "1:2:3" };

	memset(p, 0, sizeof(*p));
	p->aspath = aspaths[rnd(sizeof(aspaths) / sizeof(aspaths[0]))];
	comm[0] = lcomm[0] = '\0';
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++)
		if (rnd(3) == 0)
			strcat(strcat(comm, " "), comms[i]);
	for (size_t i = 0; i < sizeof(lcomms) / sizeof(lcomms[0]); i++)
		if (rnd(2) == 0)
			strcat(strcat(lcomm, " "), lcomms[i]);
	p->comm = comm;
	p->lcomm = lcomm;
	p->origin = (uint8_t)rnd(3);
	p->lp = rnd(2);
	p->lpref = 100;
	p->med = rnd(3);
}

struct world {
	struct pol_config *c;
	struct pol_chain *ch[NCHAINS];
	struct pol_cache *pc;
	uint64_t evals;
};

/* A verdict as indices, comparable across configurations. */
static void verdict_key(const struct world *w, const struct pol_verdict *v, long k[4])
{
	k[0] = v->accept;
	k[1] = v->nh_self;
	k[2] = v->policy ? (long)(v->policy - w->c->policies) : -1;
	k[3] = v->stmt ? (long)(v->stmt - v->policy->st) : -1;
	if (v->stmt)
		assert_true(k[3] >= 0 && (size_t)k[3] < v->policy->n);
}

static void t_random(void **state)
{
	struct fx *f = *state;
	/* fresh (capacity 0), small (evicts), large (mostly hits) */
	struct world w[3];
	const size_t caps[3] = { 0, 64, 4096 };
	struct rib_attrs *in[NATTRS];
	static const char *const pfxs[] = { "10.1.0.0/16", "10.1.1.0/24", "10.2.0.0/25",
					    "2001:db8:1::/48", "2001:db8::/32", "11.0.0.0/16" };

	for (int i = 0; i < 3; i++) {
		w[i].c = i ? pt_config(LOCAL_AS) : f->c;
		build_world(w[i].c, w[i].ch);
		w[i].pc = pol_cache_new(f->ac, caps[i]);
		w[i].evals = 0;
		assert_non_null(w[i].pc);
	}
	rng = 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < NATTRS; i++) {
		struct pt_path p;
		char comm[128], lcomm[128];
		random_path(&p, comm, lcomm);
		in[i] = pt_intern(f->ac, &p);
	}
	size_t inputs = live_attrs(f->ac); /* equal draws share a set */

	for (int n = 0; n < NEVALS; n++) {
		struct pol_env env = { .peer_as = 65001 + rnd(3), .group = (int)rnd(3) - 1,
				       .import = rnd(2) };
		struct bgp_prefix pfx = pt_prefix(pfxs[rnd(sizeof(pfxs) / sizeof(pfxs[0]))]);
		uint32_t ci = rnd(NCHAINS);
		/* skewed, as real tables are: a few sets carry most paths */
		struct rib_attrs *a = in[rnd(4) ? rnd(6) : rnd(NATTRS)], *out[3];
		struct pol_verdict v[3];
		long k[3][4];

		for (int i = 0; i < 3; i++) {
			assert_int_equal(pol_eval(w[i].pc, w[i].c, w[i].ch[ci], &env, &pfx, a, &out[i],
						  &v[i]), 0);
			w[i].evals++;
			verdict_key(&w[i], &v[i], k[i]);
			struct pol_cache_stats st = stats(w[i].pc);
			assert_int_equal(st.hits + st.misses + st.bypass, w[i].evals);
		}
		for (int i = 1; i < 3; i++) {
			if (memcmp(k[0], k[i], sizeof(k[0])) != 0 || out[0] != out[i])
				fail_msg("evaluation %d (chain %u, cache of %zu): fresh %ld/%ld/%ld/%ld "
					 "%p, cached %ld/%ld/%ld/%ld %p", n, ci, caps[i], k[0][0],
					 k[0][1], k[0][2], k[0][3], (void *)out[0], k[i][0], k[i][1],
					 k[i][2], k[i][3], (void *)out[i]);
		}
		for (int i = 0; i < 3; i++)
			rib_attrs_unref(out[i]);
		if (n == NEVALS / 2) {
			pol_cache_flush(w[2].pc);
			assert_int_equal(stats(w[2].pc).entries, 0);
		}
	}
	/* the caches did their part */
	struct pol_cache_stats s0 = stats(w[0].pc), s1 = stats(w[1].pc), s2 = stats(w[2].pc);
	assert_int_equal(s0.hits + s0.misses, 0);
	print_message("fresh %" PRIu64 " bypass; cache of 64: %" PRIu64 " hits %" PRIu64
		      " misses; of 4096: %" PRIu64 " hits %" PRIu64 " misses %zu entries\n",
		      s0.bypass, s1.hits, s1.misses, s2.hits, s2.misses, s2.entries);
	assert_true(s1.hits > NEVALS / 10 && s1.misses > 2 * s1.capacity);
	assert_int_equal(s1.entries, s1.capacity); /* full, evicting */
	assert_true(s2.hits > NEVALS / 4 && s2.hits > s1.hits);
	assert_int_equal(s0.bypass, NEVALS);
	assert_true(s1.bypass > 0 && s1.bypass == s2.bypass); /* the prefix chain */
	/* statement and policy counters as if every evaluation were fresh */
	for (int i = 1; i < 3; i++) {
		assert_int_equal(w[i].c->npolicies, w[0].c->npolicies);
		for (size_t pi = 0; pi < w[0].c->npolicies; pi++) {
			const struct pol_policy *p0 = &w[0].c->policies[pi], *pn = &w[i].c->policies[pi];
			assert_int_equal(pn->evals, p0->evals);
			for (size_t s = 0; s < p0->n; s++)
				if (pn->st[s].matches != p0->st[s].matches)
					fail_msg("%s/%s: %" PRIu64 " matches cached, %" PRIu64 " fresh",
						 p0->name, p0->st[s].name, pn->st[s].matches,
						 p0->st[s].matches);
		}
	}
	assert_true(w[0].c->policies[0].st[0].matches > 0);
	/* references: the caches hold results until they go */
	for (int i = 0; i < 3; i++)
		pol_cache_free(w[i].pc);
	assert_int_equal(live_attrs(f->ac), inputs);
	for (int i = 0; i < NATTRS; i++)
		rib_attrs_unref(in[i]);
	for (int i = 1; i < 3; i++)
		pol_config_free(w[i].c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(t_hits_misses_lru, setup, teardown),
		cmocka_unit_test_setup_teardown(t_reject_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bypass, setup, teardown),
		cmocka_unit_test_setup_teardown(t_key, setup, teardown),
		cmocka_unit_test_setup_teardown(t_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
