/* policy/: every match condition and every action, table-driven; statement
 * order, next-statement, chains of policies, default deny, the empty
 * chain, unreachable statements, chain identity across configurations
 * and the AS_PATH text the regular expressions see. Configurations are
 * built through policy.h as bgpd/config_policy.c builds them. The result
 * cache has its own file (test_policy_cache.c). */
#include "tests/unit/policy_test.h"

#define LOCAL_AS 65301

struct fx {
	struct rib_attr_cache *ac;
	struct pol_cache *pc;	/* capacity 0: every evaluation is fresh */
	struct pol_config *c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ac = rib_attr_cache_new();
	f->pc = pol_cache_new(f->ac, 0);
	f->c = pt_config(LOCAL_AS);
	assert_true(f->ac && f->pc);
	*state = f;
	return 0;
}

/* Every reference given back: no attribute set left in the intern table. */
static int teardown(void **state)
{
	struct fx *f = *state;
	struct rib_attr_stats st;

	pol_cache_free(f->pc);
	pol_config_free(f->c);
	rib_attr_cache_stats(f->ac, &st);
	assert_int_equal(st.attrs, 0);
	assert_int_equal(st.refs, 0);
	rib_attr_cache_free(f->ac);
	free(f);
	return 0;
}

static const struct pol_env export_env = { .peer_as = 65001, .group = -1, .import = false };

/* One evaluation of path p for prefix pfx; *out as pol_eval leaves it. */
static void eval(struct fx *f, struct pol_chain *ch, const struct pol_env *env, const char *pfx,
		 struct rib_attrs *in, struct rib_attrs **out, struct pol_verdict *v)
{
	struct bgp_prefix p = pt_prefix(pfx ? pfx : "10.1.0.0/16");
	struct pol_verdict ex;

	memset(v, 0xA5, sizeof(*v));
	assert_int_equal(pol_eval(f->pc, f->c, ch, env ? env : &export_env, &p, in, out, v), 0);
	assert_true(v->accept == (*out != NULL));
	/* the display path gives the same verdict */
	assert_int_equal(pol_explain(f->pc, f->c, ch, env ? env : &export_env, &p, in, &ex), 0);
	assert_int_equal(ex.accept, v->accept);
	assert_ptr_equal(ex.policy, v->policy);
	assert_ptr_equal(ex.stmt, v->stmt);
	assert_int_equal(ex.nh_self, v->nh_self);
}

/* ---- match conditions ---------------------------------------------------- */

struct mcase {
	const char *name;
	/* the condition (sets as text, built per case) */
	const char *rtypes;
	const char *comm;
	uint8_t comm_mode;
	const char *lcomm;
	uint8_t lcomm_mode;
	const char *re[4];
	bool aslen;
	uint16_t aslen_min, aslen_max;
	uint8_t origins;
	const char *nbr_as, *groups;
	uint8_t family;
	const char *pfx[4];
	bool pfx_invert;
	/* the path and the session it comes from */
	struct pt_path path;
	const char *prefix;	/* default 10.1.0.0/16 */
	uint32_t peer_as;	/* default 65001 */
	int group;		/* 0: none, else group index + 1 (1 ssw, 2 rsw) */
	bool match;
};

#define IGP (1u << BGP_ORIGIN_IGP)
#define EGP (1u << BGP_ORIGIN_EGP)
#define INC (1u << BGP_ORIGIN_INCOMPLETE)
#define BLUE "65000:1 no-export"
#define BIG "65000:1:2 4200000000:0:4294967295"
#define PFX_RANGE { "10.0.0.0/8 16 24", NULL }

static const struct mcase mcases[] = {
	/* standard communities, any / all / none, well-known names */
	{ "comm any: member", .comm = BLUE, .path = { .comm = "65000:1" }, .match = true },
	{ "comm any: well-known member", .comm = BLUE, .path = { .comm = "7:7 no-export" },
	  .match = true },
	{ "comm any: other values", .comm = BLUE, .path = { .comm = "65000:2 no-advertise" } },
	{ "comm any: no communities", .comm = BLUE, .path = { .comm = "" } },
	{ "comm all: every member", .comm = BLUE, .comm_mode = POL_SET_ALL,
	  .path = { .comm = "3:3 no-export 65000:1" }, .match = true },
	{ "comm all: one missing", .comm = BLUE, .comm_mode = POL_SET_ALL,
	  .path = { .comm = "65000:1 3:3" } },
	{ "comm none: others only", .comm = BLUE, .comm_mode = POL_SET_NONE,
	  .path = { .comm = "3:3" }, .match = true },
	{ "comm none: no communities", .comm = BLUE, .comm_mode = POL_SET_NONE, .match = true },
	{ "comm none: a member", .comm = BLUE, .comm_mode = POL_SET_NONE,
	  .path = { .comm = "3:3 no-export" } },
	{ "comm well-known no-peer by name", .comm = "no-peer no-export-subconfed",
	  .path = { .comm = "no-peer" }, .match = true },
	{ "comm well-known no-peer by value", .comm = "no-peer",
	  .path = { .comm = "65535:65284" }, .match = true },
	{ "comm well-known: no-advertise is not no-export", .comm = "no-export",
	  .path = { .comm = "no-advertise no-export-subconfed" } },
	/* large communities */
	{ "lcomm any: member", .lcomm = BIG, .path = { .lcomm = "1:1:1 65000:1:2" },
	  .match = true },
	{ "lcomm any: parts of members only", .lcomm = BIG,
	  .path = { .lcomm = "65000:1:3 65000:2:2 4200000000:1:4294967295" } },
	{ "lcomm any: a standard community is not large", .lcomm = "65000:1:2",
	  .path = { .comm = "65000:1" } },
	{ "lcomm all: every member", .lcomm = BIG, .lcomm_mode = POL_SET_ALL,
	  .path = { .lcomm = "4200000000:0:4294967295 1:1:1 65000:1:2" }, .match = true },
	{ "lcomm all: one missing", .lcomm = BIG, .lcomm_mode = POL_SET_ALL,
	  .path = { .lcomm = "65000:1:2" } },
	{ "lcomm none: others only", .lcomm = BIG, .lcomm_mode = POL_SET_NONE,
	  .path = { .lcomm = "1:1:1" }, .match = true },
	{ "lcomm none: a member", .lcomm = BIG, .lcomm_mode = POL_SET_NONE,
	  .path = { .lcomm = "4200000000:0:4294967295" } },
	/* route types: any of their communities */
	{ "route type: one of them", .rtypes = "65520:101 65520:102",
	  .path = { .comm = "1:1 65520:102" }, .match = true },
	{ "route type: another type", .rtypes = "65520:101 65520:102",
	  .path = { .comm = "65520:105" } },
	{ "route type: no communities", .rtypes = "65520:101" },
	/* AS_PATH regular expressions, FRR's '_' */
	{ "regex ^A_: first", .re = { "^65001_" }, .path = { .aspath = "65001 65002" },
	  .match = true },
	{ "regex ^A_: only AS (end is a boundary)", .re = { "^65001_" },
	  .path = { .aspath = "65001" }, .match = true },
	{ "regex ^A_: longer number", .re = { "^65001_" }, .path = { .aspath = "650011 65002" } },
	{ "regex ^A_: not first", .re = { "^65001_" }, .path = { .aspath = "65002 65001" } },
	{ "regex _A$: origin", .re = { "_65001$" }, .path = { .aspath = "65002 65001" },
	  .match = true },
	{ "regex _A$: not the origin", .re = { "_65001$" }, .path = { .aspath = "65001 65002" } },
	{ "regex _A_: transit", .re = { "_65001_" }, .path = { .aspath = "1 65001 2" },
	  .match = true },
	{ "regex _A_: suffix of a number", .re = { "_65001_" },
	  .path = { .aspath = "1 165001 2" } },
	{ "regex _A_: prefix of a number", .re = { "_65001_" }, .path = { .aspath = "1 650012" } },
	{ "regex ^A$: only", .re = { "^65001$" }, .path = { .aspath = "65001" }, .match = true },
	{ "regex ^A$: prepended", .re = { "^65001$" }, .path = { .aspath = "65001 65001" } },
	{ "regex ERE group and repeat", .re = { "^65001_(65002_)+65003$" },
	  .path = { .aspath = "65001 65002 65002 65003" }, .match = true },
	{ "regex ERE group: zero repeats", .re = { "^65001_(65002_)+65003$" },
	  .path = { .aspath = "65001 65003" } },
	{ "regex confed sequence in parentheses", .re = { "^\\(65401 65301\\)_65001$" },
	  .path = { .aspath = "(65401 65301) 65001" }, .match = true },
	{ "regex confed: '(' comes first", .re = { "^65401_" },
	  .path = { .aspath = "(65401 65301) 65001" } },
	{ "regex confed: '(' is a boundary", .re = { "_65401_" },
	  .path = { .aspath = "(65401 65301) 65001" }, .match = true },
	{ "regex confed: ')' is a boundary", .re = { "_65301_" },
	  .path = { .aspath = "(65401 65301) 65001" }, .match = true },
	{ "regex AS_SET: ',' and '}' are boundaries", .re = { "_2_" },
	  .path = { .aspath = "65001 {1,2}" }, .match = true },
	{ "regex AS_SET: '{' is a boundary", .re = { "_1_" }, .path = { .aspath = "65001 {1,2}" },
	  .match = true },
	{ "regex AS_SET: longer member", .re = { "_2_" }, .path = { .aspath = "65001 {1,21}" } },
	{ "regex AS_SET literal", .re = { "^65001 \\{1,2\\}$" },
	  .path = { .aspath = "65001 {1,2}" }, .match = true },
	/* FRR's '_' is (^|[,{}() ]|$): confed-set brackets are no boundary */
	{ "regex confed set: ']' is no boundary (as FRR)", .re = { "_4_" },
	  .path = { .aspath = "[3,4] 1" } },
	{ "regex confed set literal", .re = { "^\\[3,4\\]_1$" }, .path = { .aspath = "[3,4] 1" },
	  .match = true },
	{ "regex empty path", .re = { "^$" }, .match = true },
	{ "regex empty path: not empty", .re = { "^$" }, .path = { .aspath = "1" } },
	{ "regex set of two: second", .re = { "^1_", "_9$" }, .path = { .aspath = "5 9" },
	  .match = true },
	{ "regex set of two: neither", .re = { "^1_", "_9$" }, .path = { .aspath = "5 6" } },
	/* AS_PATH length (RFC 4271 9.1.2.2 a: a set counts 1, confed 0) */
	{ "aslen 2..3: 2", .aslen = true, .aslen_min = 2, .aslen_max = 3,
	  .path = { .aspath = "1 2" }, .match = true },
	{ "aslen 2..3: 1", .aslen = true, .aslen_min = 2, .aslen_max = 3,
	  .path = { .aspath = "1" } },
	{ "aslen 2..3: 4", .aslen = true, .aslen_min = 2, .aslen_max = 3,
	  .path = { .aspath = "1 2 3 4" } },
	{ "aslen: AS_SET counts 1", .aslen = true, .aslen_min = 2, .aslen_max = 2,
	  .path = { .aspath = "1 {2,3,4}" }, .match = true },
	{ "aslen: AS_SET counts 1, too long", .aslen = true, .aslen_min = 2, .aslen_max = 2,
	  .path = { .aspath = "1 2 {3,4}" } },
	{ "aslen: confed segments count 0", .aslen = true, .aslen_max = 1,
	  .path = { .aspath = "(65401 65301) [1,2] 3" }, .match = true },
	{ "aslen: confed and two more", .aslen = true, .aslen_max = 1,
	  .path = { .aspath = "(65401) 3 4" } },
	{ "aslen max 0: empty", .aslen = true, .match = true },
	{ "aslen max 0: one AS", .aslen = true, .path = { .aspath = "1" } },
	/* origin */
	{ "origin igp|incomplete: igp", .origins = IGP | INC, .match = true },
	{ "origin igp|incomplete: incomplete", .origins = IGP | INC,
	  .path = { .origin = BGP_ORIGIN_INCOMPLETE }, .match = true },
	{ "origin igp|incomplete: egp", .origins = IGP | INC,
	  .path = { .origin = BGP_ORIGIN_EGP } },
	{ "origin egp: egp", .origins = EGP, .path = { .origin = BGP_ORIGIN_EGP }, .match = true },
	/* neighbour AS, peer group */
	{ "neighbor AS: listed", .nbr_as = "65001 65002", .peer_as = 65002, .match = true },
	{ "neighbor AS: not listed", .nbr_as = "65001 65002", .peer_as = 65003 },
	{ "peer group: rsw", .groups = "rsw", .group = 2, .match = true },
	{ "peer group: ssw is not rsw", .groups = "rsw", .group = 1 },
	{ "peer group: none", .groups = "rsw" },
	{ "peer group: one of two", .groups = "ssw rsw", .group = 1, .match = true },
	/* address family */
	{ "family ipv6: v6", .family = AF_INET6, .prefix = "2001:db8:1::/48", .match = true },
	{ "family ipv6: v4", .family = AF_INET6 },
	{ "family ipv4: v4", .family = AF_INET, .match = true },
	{ "family ipv4: v6", .family = AF_INET, .prefix = "2001:db8:1::/48" },
	/* prefix sets with length ranges, invert */
	{ "prefix 10/8 16..24: /16", .pfx = PFX_RANGE, .match = true },
	{ "prefix 10/8 16..24: /24", .pfx = PFX_RANGE, .prefix = "10.1.1.0/24", .match = true },
	{ "prefix 10/8 16..24: /25 too long", .pfx = PFX_RANGE, .prefix = "10.1.1.128/25" },
	{ "prefix 10/8 16..24: /8 too short", .pfx = PFX_RANGE, .prefix = "10.0.0.0/8" },
	{ "prefix 10/8 16..24: outside", .pfx = PFX_RANGE, .prefix = "11.1.0.0/16" },
	{ "prefix exact: equal", .pfx = { "192.0.2.0/24", NULL }, .prefix = "192.0.2.0/24",
	  .match = true },
	{ "prefix exact: longer", .pfx = { "192.0.2.0/24", NULL }, .prefix = "192.0.2.0/25" },
	{ "prefix exact: neighbour", .pfx = { "192.0.2.0/24", NULL }, .prefix = "192.0.3.0/24" },
	{ "prefix /9: inside", .pfx = { "10.128.0.0/9 9 32", NULL }, .prefix = "10.200.0.0/16",
	  .match = true },
	{ "prefix /9: other half", .pfx = { "10.128.0.0/9 9 32", NULL },
	  .prefix = "10.100.0.0/16" },
	{ "prefix v6 /32 32..64: /48", .pfx = { "2001:db8::/32 32 64", NULL },
	  .prefix = "2001:db8:1::/48", .match = true },
	{ "prefix v6 /32 32..64: outside", .pfx = { "2001:db8::/32 32 64", NULL },
	  .prefix = "2001:db9::/48" },
	{ "prefix v6 set: a v4 prefix", .pfx = { "2001:db8::/32 32 64", NULL } },
	{ "prefix default 0..32: any v4", .pfx = { "0.0.0.0/0 0 32", NULL },
	  .prefix = "198.51.100.7/32", .match = true },
	{ "prefix default v4: a v6 prefix", .pfx = { "0.0.0.0/0 0 32", NULL },
	  .prefix = "::/0" },
	{ "prefix two families: v6 entry", .pfx = { "10.0.0.0/8 8 32", "2001:db8::/32 32 128" },
	  .prefix = "2001:db8::1/128", .match = true },
	{ "prefix invert: outside", .pfx = PFX_RANGE, .pfx_invert = true, .prefix = "11.1.0.0/16",
	  .match = true },
	{ "prefix invert: inside", .pfx = PFX_RANGE, .pfx_invert = true },
	/* conditions together: all must hold */
	{ "and: all hold", .comm = "65000:1", .aslen = true, .aslen_max = 1, .origins = IGP,
	  .nbr_as = "65001", .path = { .comm = "65000:1", .aspath = "1" }, .match = true },
	{ "and: path too long", .comm = "65000:1", .aslen = true, .aslen_max = 1, .origins = IGP,
	  .nbr_as = "65001", .path = { .comm = "65000:1", .aspath = "1 2" } },
	{ "and: origin egp", .comm = "65000:1", .aslen = true, .aslen_max = 1, .origins = IGP,
	  .nbr_as = "65001", .path = { .comm = "65000:1", .origin = BGP_ORIGIN_EGP } },
	{ "and: regex fails", .rtypes = "65520:101", .re = { "_65001_" },
	  .path = { .comm = "65520:101", .aspath = "65002" } },
};

static void match_case(const struct mcase *k)
{
	struct fx *f;
	void *fs;
	struct pt_match m = { 0 };
	struct pol_env env = { .peer_as = k->peer_as ? k->peer_as : 65001,
			       .group = k->group - 1,
			       .import = true };
	struct rib_attrs *in, *out;
	struct pol_verdict v;
	char name[64];

	setup(&fs);
	f = fs;
	snprintf(name, sizeof(name), "%s", k->name);
	m.rtypes = k->rtypes;
	if (k->comm)
		m.comm = pt_commset(f->c, "c", k->comm), m.comm_mode = k->comm_mode;
	if (k->lcomm)
		m.lcomm = pt_lcommset(f->c, "l", k->lcomm), m.lcomm_mode = k->lcomm_mode;
	if (k->re[0])
		m.aspath = pt_aspathset(f->c, "a", k->re);
	m.aslen = k->aslen;
	m.aslen_min = k->aslen_min;
	m.aslen_max = k->aslen_max;
	m.origins = k->origins;
	m.nbr_as = k->nbr_as;
	m.groups = k->groups;
	m.family = k->family;
	if (k->pfx[0])
		m.pfx = pt_pfxset(f->c, "p", k->pfx), m.pfx_invert = k->pfx_invert;
	struct pol_policy *p = pt_policy(f->c, "P");
	struct pol_stmt *st = pt_stmt(f->c, p, "s", &m, NULL);
	assert_true(st->m.has != 0);
	struct pol_chain *ch = pt_chain1(f->c, p);

	in = pt_intern(f->ac, &k->path);
	eval(f, ch, &env, k->prefix, in, &out, &v);
	if (v.accept != k->match)
		fail_msg("%s: %s, want %s", name, v.accept ? "matched" : "did not match",
			 k->match ? "a match" : "no match");
	assert_int_equal(st->matches, k->match);
	assert_int_equal(p->evals, 1);
	if (k->match) {
		assert_ptr_equal(out, in); /* nothing changed: the input itself */
		assert_ptr_equal(v.stmt, st);
		assert_ptr_equal(v.policy, p);
	} else {
		assert_null(v.stmt);	/* default deny */
		assert_null(v.policy);
	}
	rib_attrs_unref(out);
	rib_attrs_unref(in);
	teardown(&fs);
}

static void t_match_table(void **state)
{
	size_t nmatch = 0;

	for (size_t i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		match_case(&mcases[i]);
		nmatch += mcases[i].match;
	}
	/* both outcomes for every condition */
	assert_true(nmatch > 30 && sizeof(mcases) / sizeof(mcases[0]) - nmatch > 30);
}

/* ---- actions ------------------------------------------------------------- */

struct acase {
	const char *name;
	struct pt_act a;
	struct pt_path in, want;
	bool same;		/* the result is the input set itself */
};

static const struct acase acases[] = {
	{ "accept", .in = { .aspath = "65001", .comm = "1:1" },
	  .want = { .aspath = "65001", .comm = "1:1" }, .same = true },
	{ "set LOCAL_PREF", .a = { .set_lpref = true, .lpref = 200 }, .in = { .aspath = "1" },
	  .want = { .aspath = "1", .lp = true, .lpref = 200 } },
	{ "set LOCAL_PREF over another", .a = { .set_lpref = true, .lpref = 90 },
	  .in = { .lp = true, .lpref = 100 }, .want = { .lp = true, .lpref = 90 } },
	{ "set LOCAL_PREF to what it is", .a = { .set_lpref = true, .lpref = 100 },
	  .in = { .lp = true, .lpref = 100 }, .want = { .lp = true, .lpref = 100 }, .same = true },
	{ "comm add: appended in order", .a = { .comm_add = "65000:9 65000:3" },
	  .in = { .comm = "65000:5 65000:1" },
	  .want = { .comm = "65000:5 65000:1 65000:3 65000:9" } },
	{ "comm add: to none", .a = { .comm_add = "no-export" }, .want = { .comm = "no-export" } },
	{ "comm add: present already", .a = { .comm_add = "65000:1" },
	  .in = { .comm = "65000:1 2:2" }, .want = { .comm = "65000:1 2:2" }, .same = true },
	{ "comm remove", .a = { .comm_del = "65000:1 no-export" },
	  .in = { .comm = "2:2 65000:1 no-export 3:3" }, .want = { .comm = "2:2 3:3" } },
	{ "comm remove: the last ones", .a = { .comm_del = "1:1 2:2" },
	  .in = { .comm = "2:2 1:1" }, .want = { .comm = "" } },
	{ "comm remove: absent", .a = { .comm_del = "9:9" }, .in = { .comm = "1:1" },
	  .want = { .comm = "1:1" }, .same = true },
	{ "comm replace", .a = { .comm_replace = true, .comm_repl = "9:9 8:8" },
	  .in = { .comm = "1:1 2:2" }, .want = { .comm = "8:8 9:9" } },
	{ "comm replace: on none", .a = { .comm_replace = true, .comm_repl = "9:9" },
	  .want = { .comm = "9:9" } },
	{ "comm remove-all", .a = { .comm_replace = true }, .in = { .comm = "1:1 2:2" },
	  .want = { .comm = "" } },
	{ "comm remove-all, add", .a = { .comm_replace = true, .comm_add = "7:7" },
	  .in = { .comm = "1:1 2:2" }, .want = { .comm = "7:7" } },
	{ "comm replace, then remove, then add",
	  .a = { .comm_replace = true, .comm_repl = "1:1 2:2", .comm_del = "2:2 3:3",
		 .comm_add = "3:3 4:4" },
	  .in = { .comm = "5:5" }, .want = { .comm = "1:1 3:3 4:4" } },
	{ "comm remove, then add the same", .a = { .comm_del = "1:1", .comm_add = "1:1" },
	  .in = { .comm = "1:1 2:2" }, .want = { .comm = "2:2 1:1" } },
	{ "comm edits leave large communities", .a = { .comm_replace = true },
	  .in = { .comm = "1:1", .lcomm = "1:1:1" }, .want = { .lcomm = "1:1:1" } },
	{ "lcomm add", .a = { .lcomm_add = "65000:1:2 4200000000:0:1" },
	  .in = { .lcomm = "1:2:3" }, .want = { .lcomm = "1:2:3 65000:1:2 4200000000:0:1" } },
	{ "lcomm add: present already", .a = { .lcomm_add = "1:2:3" }, .in = { .lcomm = "1:2:3" },
	  .want = { .lcomm = "1:2:3" }, .same = true },
	{ "lcomm remove", .a = { .lcomm_del = "1:2:3" }, .in = { .lcomm = "1:2:3 1:2:4" },
	  .want = { .lcomm = "1:2:4" } },
	{ "lcomm remove: the last one", .a = { .lcomm_del = "1:2:3" }, .in = { .lcomm = "1:2:3" },
	  .want = { .lcomm = "" } },
	{ "lcomm replace", .a = { .lcomm_replace = true, .lcomm_repl = "9:9:9 8:8:8" },
	  .in = { .lcomm = "1:2:3" }, .want = { .lcomm = "8:8:8 9:9:9" } },
	{ "lcomm remove-all", .a = { .lcomm_replace = true },
	  .in = { .comm = "1:1", .lcomm = "1:2:3 4:5:6" }, .want = { .comm = "1:1" } },
	{ "lcomm replace, then remove, then add",
	  .a = { .lcomm_replace = true, .lcomm_repl = "1:1:1 2:2:2", .lcomm_del = "2:2:2 3:3:3",
		 .lcomm_add = "3:3:3 4:4:4" },
	  .in = { .lcomm = "5:5:5" }, .want = { .lcomm = "1:1:1 3:3:3 4:4:4" } },
	{ "prepend: local AS once", .a = { .prepend_n = 1 }, .in = { .aspath = "65001 65002" },
	  .want = { .aspath = "65301 65001 65002" } },
	{ "prepend: local AS, repeat 3", .a = { .prepend_n = 3 }, .in = { .aspath = "65001" },
	  .want = { .aspath = "65301 65301 65301 65001" } },
	{ "prepend: given AS, repeat 2", .a = { .prepend_as = 4200000001u, .prepend_n = 2 },
	  .in = { .aspath = "65001" }, .want = { .aspath = "4200000001 4200000001 65001" } },
	{ "prepend: to the empty path", .a = { .prepend_n = 1 }, .want = { .aspath = "65301" } },
	{ "prepend: before an AS_SET", .a = { .prepend_n = 1 }, .in = { .aspath = "{1,2}" },
	  .want = { .aspath = "65301 {1,2}" } },
	{ "remove private: both ranges, bounds",
	  .a = { .remove_private = true },
	  .in = { .aspath = "64512 3356 65534 4200000000 4294967294 4294967295 65535 64511" },
	  .want = { .aspath = "3356 4294967295 65535 64511" } },
	{ "remove private: in an AS_SET", .a = { .remove_private = true },
	  .in = { .aspath = "65001 65002 {64512,1}" }, .want = { .aspath = "{1}" } },
	{ "remove private: an AS_SET left empty goes", .a = { .remove_private = true },
	  .in = { .aspath = "174 {64512,64513}" }, .want = { .aspath = "174" } },
	{ "remove private: confed segments stay", .a = { .remove_private = true },
	  .in = { .aspath = "(65401 65301) 65001 174" },
	  .want = { .aspath = "(65401 65301) 174" } },
	{ "remove private: all of them", .a = { .remove_private = true },
	  .in = { .aspath = "65001 65002" }, .want = { .aspath = "" } },
	{ "remove private: none there", .a = { .remove_private = true },
	  .in = { .aspath = "64511 65535 4199999999" },
	  .want = { .aspath = "64511 65535 4199999999" }, .same = true },
	{ "remove private, then prepend ours", .a = { .remove_private = true, .prepend_n = 1 },
	  .in = { .aspath = "65001 174" }, .want = { .aspath = "65301 174" } },
	{ "everything at once",
	  .a = { .set_lpref = true, .lpref = 300, .comm_del = "1:1", .comm_add = "65101:9",
		 .lcomm_add = "65301:0:1", .prepend_n = 2, .remove_private = true },
	  .in = { .aspath = "65001 174", .comm = "1:1 2:2", .origin = BGP_ORIGIN_EGP, .med = 5 },
	  .want = { .aspath = "65301 65301 174", .comm = "2:2 65101:9", .lcomm = "65301:0:1",
		    .lp = true, .lpref = 300, .origin = BGP_ORIGIN_EGP, .med = 5 } },
};

/* Export direction: the result is interned on its own (no origin). */
static void action_case(const struct acase *k)
{
	struct fx *f;
	void *fs;
	struct rib_attrs *in, *want, *out;
	struct pol_verdict v;
	char got_s[512], want_s[512];
	const struct pt_act *a = &k->a;

	setup(&fs);
	f = fs;
	struct pol_policy *p = pt_policy(f->c, "P");
	struct pol_stmt *st = pt_stmt(f->c, p, "s", NULL, a);
	assert_int_equal(st->a.modifies,
			 a->set_lpref || a->comm_replace || a->comm_del || a->comm_add ||
				 a->lcomm_replace || a->lcomm_del || a->lcomm_add ||
				 a->prepend_n || a->remove_private);
	struct pol_chain *ch = pt_chain1(f->c, p);
	assert_int_equal(ch->modifies, st->a.modifies);

	in = pt_intern(f->ac, &k->in);
	want = pt_intern(f->ac, &k->want);
	eval(f, ch, NULL, NULL, in, &out, &v);
	assert_true(v.accept);
	assert_ptr_equal(v.stmt, st);
	pt_attrs_str(rib_attrs_get(out), got_s, sizeof(got_s));
	pt_attrs_str(rib_attrs_get(want), want_s, sizeof(want_s));
	if (strcmp(got_s, want_s) != 0)
		fail_msg("%s:\n  got  %s\n  want %s", k->name, got_s, want_s);
	/* exactly: every field and present bit, so the same interned set */
	if (out != want)
		fail_msg("%s: same text, different attributes (present bits?)", k->name);
	if (k->same)
		assert_ptr_equal(out, in);
	else
		assert_ptr_not_equal(out, in);
	rib_attrs_unref(out);
	rib_attrs_unref(want);
	rib_attrs_unref(in);
	teardown(&fs);
}

static void t_action_table(void **state)
{
	for (size_t i = 0; i < sizeof(acases) / sizeof(acases[0]); i++)
		action_case(&acases[i]);
}

/* Import: a changed result remembers what the peer sent; an unchanged one
 * is that set itself. */
static void t_action_import_origin(void **state)
{
	struct fx *f = *state;
	const struct pol_env env = { .peer_as = 65001, .group = -1, .import = true };
	const struct pt_path pin = { .aspath = "65001", .comm = "1:1" };
	const struct pt_path pwant = { .aspath = "65001", .comm = "1:1", .lp = true, .lpref = 90 };
	struct pol_policy *p = pt_policy(f->c, "lp"), *q = pt_policy(f->c, "plain");
	struct pol_chain *chp, *chq;
	struct rib_attrs *in = pt_intern(f->ac, &pin), *want = pt_intern(f->ac, &pwant), *out;
	struct pol_verdict v;

	pt_stmt(f->c, p, "s", NULL, &(struct pt_act){ .set_lpref = true, .lpref = 90 });
	pt_stmt(f->c, q, "s", NULL, NULL);
	chp = pt_chain1(f->c, p);
	chq = pt_chain1(f->c, q);

	eval(f, chp, &env, NULL, in, &out, &v);
	assert_ptr_not_equal(out, want); /* a set of its own: it has an origin */
	assert_ptr_equal(rib_attrs_origin(out), in);
	assert_ptr_equal(rib_attrs_origin(in), in);
	/* the same content as the plain set of the result */
	struct rib_attrs *plain = rib_attrs_intern(f->ac, rib_attrs_get(out));
	assert_ptr_equal(plain, want);
	rib_attrs_unref(plain);
	/* evaluated again from its result, the origin is still the peer's */
	struct rib_attrs *again;
	eval(f, chp, &env, NULL, out, &again, &v);
	assert_ptr_equal(again, out);
	rib_attrs_unref(again);
	rib_attrs_unref(out);

	eval(f, chq, &env, NULL, in, &out, &v);
	assert_ptr_equal(out, in);
	rib_attrs_unref(out);
	rib_attrs_unref(want);
	rib_attrs_unref(in);
}

static void t_action_reject(void **state)
{
	struct fx *f = *state;
	struct pol_policy *p = pt_policy(f->c, "P");
	struct pol_stmt *st = pt_stmt(f->c, p, "no", NULL,
				      &(struct pt_act){ .result = POL_REJECT, .set_lpref = true,
							.lpref = 5 });
	struct rib_attrs *in = pt_intern(f->ac, &(struct pt_path){ .aspath = "1" }), *out;
	struct pol_verdict v;

	eval(f, pt_chain1(f->c, p), NULL, NULL, in, &out, &v);
	assert_false(v.accept);
	assert_null(out);
	assert_ptr_equal(v.stmt, st); /* rejected by a statement, not by default */
	assert_ptr_equal(v.policy, p);
	assert_int_equal(rib_attrs_refcnt(in), 1); /* nothing kept */
	rib_attrs_unref(in);
}

/* next-hop-self is a verdict, not an attribute edit: the set is the input. */
static void t_action_nh_self(void **state)
{
	struct fx *f = *state;
	struct pol_policy *p = pt_policy(f->c, "P"), *q = pt_policy(f->c, "Q");
	struct rib_attrs *in = pt_intern(f->ac, &(struct pt_path){ .aspath = "1" }), *out;
	struct pol_verdict v;

	struct pol_stmt *st = pt_stmt(f->c, p, "nhs", NULL, &(struct pt_act){ .nh_self = true });
	assert_false(st->a.modifies);
	pt_stmt(f->c, q, "plain", NULL, NULL);

	eval(f, pt_chain1(f->c, p), NULL, NULL, in, &out, &v);
	assert_true(v.accept && v.nh_self);
	assert_ptr_equal(out, in);
	rib_attrs_unref(out);
	eval(f, pt_chain1(f->c, q), NULL, NULL, in, &out, &v);
	assert_true(v.accept);
	assert_false(v.nh_self);
	rib_attrs_unref(out);
	/* a next-statement's next-hop-self holds for the accepting one after it */
	struct pol_policy *r = pt_policy(f->c, "R");
	pt_stmt(f->c, r, "nhs", NULL, &(struct pt_act){ .result = POL_NEXT, .nh_self = true });
	pt_stmt(f->c, r, "ok", NULL, NULL);
	eval(f, pt_chain1(f->c, r), NULL, NULL, in, &out, &v);
	assert_true(v.accept && v.nh_self);
	rib_attrs_unref(out);
	rib_attrs_unref(in);
}

/* ---- statement order, chains, default deny ------------------------------- */

static const struct pt_act act_next_add9 = { .result = POL_NEXT, .comm_add = "9:9" };
static const struct pt_act act_reject = { .result = POL_REJECT };

static void t_first_match_wins(void **state)
{
	struct fx *f = *state;
	const struct pol_commset *a = pt_commset(f->c, "a", "1:1");
	struct pol_policy *p = pt_policy(f->c, "P");
	struct pol_stmt *s1 = pt_stmt(f->c, p, "a-first", &(struct pt_match){ .comm = a },
				      &(struct pt_act){ .set_lpref = true, .lpref = 200 });
	struct pol_stmt *s2 = pt_stmt(f->c, p, "a-again", &(struct pt_match){ .comm = a },
				      &(struct pt_act){ .set_lpref = true, .lpref = 50 });
	struct pol_stmt *s3 = pt_stmt(f->c, p, "rest", NULL, &act_reject);
	struct pol_chain *ch = pt_chain1(f->c, p);
	struct rib_attrs *with = pt_intern(f->ac, &(struct pt_path){ .comm = "1:1" });
	struct rib_attrs *without = pt_intern(f->ac, &(struct pt_path){ .comm = "2:2" });
	struct rib_attrs *out;
	struct pol_verdict v;

	eval(f, ch, NULL, NULL, with, &out, &v);
	assert_ptr_equal(v.stmt, s1);
	assert_int_equal(rib_attrs_get(out)->local_pref, 200);
	rib_attrs_unref(out);
	eval(f, ch, NULL, NULL, without, &out, &v);
	assert_false(v.accept);
	assert_ptr_equal(v.stmt, s3);
	assert_int_equal(s1->matches, 1);
	assert_int_equal(s2->matches, 0); /* never looked at: the first decided */
	assert_int_equal(s3->matches, 1);
	assert_int_equal(p->evals, 2);
	rib_attrs_unref(with);
	rib_attrs_unref(without);
}

/* next-statement applies its edits and goes on; later conditions see them. */
static void t_next_statement(void **state)
{
	struct fx *f = *state;
	const struct pol_commset *nine = pt_commset(f->c, "nine", "9:9");
	struct pol_policy *p = pt_policy(f->c, "P");
	struct pol_stmt *s1 = pt_stmt(f->c, p, "tag", NULL, &act_next_add9);
	struct pol_stmt *s2 = pt_stmt(f->c, p, "tagged",
				      &(struct pt_match){ .comm = nine },
				      &(struct pt_act){ .result = POL_NEXT, .prepend_n = 1 });
	const char *const re[] = { "^65301_", NULL };
	const struct pol_aspathset *ours = pt_aspathset(f->c, "ours", re);
	struct pol_stmt *s3 = pt_stmt(f->c, p, "prepended", &(struct pt_match){ .aspath = ours },
				      &(struct pt_act){ .set_lpref = true, .lpref = 7 });
	struct rib_attrs *in = pt_intern(f->ac, &(struct pt_path){ .aspath = "1" });
	struct rib_attrs *want = pt_intern(f->ac, &(struct pt_path){ .aspath = "65301 1",
								      .comm = "9:9", .lp = true,
								      .lpref = 7 });
	struct rib_attrs *out;
	struct pol_verdict v;

	eval(f, pt_chain1(f->c, p), NULL, NULL, in, &out, &v);
	assert_true(v.accept);
	assert_ptr_equal(v.stmt, s3);
	assert_ptr_equal(out, want);
	assert_int_equal(s1->matches, 1);
	assert_int_equal(s2->matches, 1);
	assert_int_equal(s3->matches, 1);
	rib_attrs_unref(out);

	/* edits of next-statements are lost when the path is then rejected */
	struct pol_policy *q = pt_policy(f->c, "Q");
	pt_stmt(f->c, q, "tag", NULL, &act_next_add9);
	struct pol_stmt *no = pt_stmt(f->c, q, "no", &(struct pt_match){ .comm = nine },
				      &act_reject);
	eval(f, pt_chain1(f->c, q), NULL, NULL, in, &out, &v);
	assert_false(v.accept);
	assert_null(out);
	assert_ptr_equal(v.stmt, no);
	rib_attrs_unref(want);
	rib_attrs_unref(in);
}

/* Nothing accepts: rejected, by no statement (default deny). */
static void t_default_deny(void **state)
{
	struct fx *f = *state;
	const struct pol_commset *a = pt_commset(f->c, "a", "1:1");
	struct pol_policy *p = pt_policy(f->c, "P"), *e = pt_policy(f->c, "empty");
	struct pol_stmt *s1 = pt_stmt(f->c, p, "tag", NULL, &act_next_add9);
	pt_stmt(f->c, p, "a", &(struct pt_match){ .comm = a }, NULL);
	struct rib_attrs *in = pt_intern(f->ac, &(struct pt_path){ .comm = "2:2" }), *out;
	struct pol_verdict v;

	eval(f, pt_chain1(f->c, p), NULL, NULL, in, &out, &v);
	assert_false(v.accept);
	assert_null(out);
	assert_null(v.stmt);
	assert_null(v.policy);
	assert_int_equal(s1->matches, 1);
	/* a policy with no statements accepts nothing */
	eval(f, pt_chain1(f->c, e), NULL, NULL, in, &out, &v);
	assert_false(v.accept);
	assert_null(v.stmt);
	assert_int_equal(e->evals, 1);
	rib_attrs_unref(in);
}

/* Policies in a chain run in order; the first final result ends the chain,
 * next-statement edits carry over into the next policy. */
static void t_chain_order(void **state)
{
	struct fx *f = *state;
	const struct pol_commset *bad = pt_commset(f->c, "bad", "666:666");
	const struct pol_commset *nine = pt_commset(f->c, "nine", "9:9");
	struct pol_policy *p1 = pt_policy(f->c, "filter"), *p2 = pt_policy(f->c, "tag"),
			  *p3 = pt_policy(f->c, "prefer"), *p4 = pt_policy(f->c, "never");
	struct pol_stmt *drop = pt_stmt(f->c, p1, "bad", &(struct pt_match){ .comm = bad },
					&act_reject);
	pt_stmt(f->c, p2, "tag", NULL, &act_next_add9);
	struct pol_stmt *pref = pt_stmt(f->c, p3, "tagged", &(struct pt_match){ .comm = nine },
					&(struct pt_act){ .set_lpref = true, .lpref = 300 });
	struct pol_stmt *late = pt_stmt(f->c, p4, "all", NULL, NULL);
	struct pol_policy *list[] = { p1, p2, p3, p4 };
	struct pol_chain *ch = pt_chain(f->c, list, 4);
	struct rib_attrs *good = pt_intern(f->ac, &(struct pt_path){ .comm = "1:1" });
	struct rib_attrs *evil = pt_intern(f->ac, &(struct pt_path){ .comm = "666:666" });
	struct rib_attrs *want = pt_intern(f->ac, &(struct pt_path){ .comm = "1:1 9:9", .lp = true,
								      .lpref = 300 });
	struct rib_attrs *out;
	struct pol_verdict v;

	eval(f, ch, NULL, NULL, good, &out, &v);
	assert_ptr_equal(v.policy, p3);
	assert_ptr_equal(v.stmt, pref);
	assert_ptr_equal(out, want);
	rib_attrs_unref(out);
	eval(f, ch, NULL, NULL, evil, &out, &v);
	assert_false(v.accept);
	assert_ptr_equal(v.policy, p1);
	assert_ptr_equal(v.stmt, drop);
	assert_int_equal(p1->evals, 2);
	assert_int_equal(p2->evals, 1);
	assert_int_equal(p3->evals, 1);
	assert_int_equal(p4->evals, 0);
	assert_int_equal(late->matches, 0);
	assert_true(ch->uses == POL_M_COMM && ch->modifies);
	/* the order of the list is the order of evaluation */
	struct pol_policy *rev[] = { p4, p3, p2, p1 };
	struct pol_chain *ch2 = pt_chain(f->c, rev, 4);
	assert_ptr_not_equal(ch2, ch);
	eval(f, ch2, NULL, NULL, evil, &out, &v);
	assert_ptr_equal(v.stmt, late);
	assert_ptr_equal(out, evil);
	rib_attrs_unref(out);
	rib_attrs_unref(want);
	rib_attrs_unref(good);
	rib_attrs_unref(evil);
}

/* One chain object per list of policies; no policies, no chain. */
static void t_chain_get(void **state)
{
	struct fx *f = *state;
	struct pol_policy *a = pt_policy(f->c, "a"), *b = pt_policy(f->c, "b");
	struct pol_policy *ab[] = { a, b }, *ab2[] = { a, b }, *ba[] = { b, a };
	bool oom = true;

	assert_null(pol_chain_get(f->c, ab, 0, &oom));
	assert_false(oom);
	assert_ptr_equal(pt_chain(f->c, ab, 2), pt_chain(f->c, ab2, 2));
	assert_ptr_not_equal(pt_chain(f->c, ab, 2), pt_chain(f->c, ba, 2));
	assert_ptr_not_equal(pt_chain(f->c, ab, 1), pt_chain(f->c, ab, 2));
	assert_ptr_equal(pol_policy_find(f->c, "b"), b);
	assert_null(pol_policy_find(f->c, "c"));
	assert_int_equal(pol_group_index(f->c, "rsw"), 1);
	assert_int_equal(pol_group_index(f->c, ""), -1);
	assert_int_equal(pol_group_index(f->c, "fsw"), -1);
}

/* Across configurations with the same policy text, chains compare by the
 * list of policy names: ["ab", "c"] is not ["a", "bc"]. */
static void t_chain_same(void **state)
{
	struct fx *f = *state;
	struct pol_config *c2 = pt_config(LOCAL_AS);
	struct pol_policy *x[4], *y[4];
	const char *names[] = { "ab", "c", "a", "bc" };

	for (int i = 0; i < 4; i++) {
		x[i] = pt_policy(f->c, names[i]);
		y[i] = pt_policy(c2, names[i]);
	}
	struct pol_policy *ab_c[] = { x[0], x[1] }, *ab_c2[] = { y[0], y[1] };
	struct pol_policy *a_bc2[] = { y[2], y[3] };
	struct pol_chain *old = pt_chain(f->c, ab_c, 2);

	assert_true(pol_chain_same(old, pt_chain(c2, ab_c2, 2)));
	assert_false(pol_chain_same(old, pt_chain(c2, a_bc2, 2)));
	assert_false(pol_chain_same(old, pt_chain(c2, ab_c2, 1)));
	assert_false(pol_chain_same(old, NULL));
	assert_true(pol_chain_same(NULL, NULL));
	/* other policy text: other chains */
	c2->digest ^= 1;
	struct pol_policy *c_only[] = { y[1] };
	struct pol_chain *c_chain = pt_chain(c2, c_only, 1);
	struct pol_policy *c_old[] = { x[1] };
	assert_false(pol_chain_same(pt_chain(f->c, c_old, 1), c_chain));
	pol_config_free(c2);
}

/* ---- unreachable statements ---------------------------------------------- */

static void t_unreachable(void **state)
{
	struct fx *f = *state;
	const struct pol_commset *a = pt_commset(f->c, "a", "1:1");
	const struct pol_commset *a2 = pt_commset(f->c, "a2", "1:1");
	size_t by = 99;

	/* same conditions, final result before: unreachable */
	struct pol_policy *p = pt_policy(f->c, "p");
	pt_stmt(f->c, p, "x", &(struct pt_match){ .comm = a }, NULL);
	pt_stmt(f->c, p, "y", &(struct pt_match){ .comm = a }, &act_reject);
	assert_int_equal(pol_policy_unreachable(p, &by), 1);
	assert_int_equal(by, 0);

	/* a statement without conditions shadows everything after it */
	struct pol_policy *q = pt_policy(f->c, "q");
	pt_stmt(f->c, q, "x", &(struct pt_match){ .nbr_as = "1" }, NULL);
	pt_stmt(f->c, q, "all", NULL, &act_reject);
	pt_stmt(f->c, q, "late", &(struct pt_match){ .origins = IGP }, NULL);
	assert_int_equal(pol_policy_unreachable(q, &by), 2);
	assert_int_equal(by, 1);

	/* lists compare once sorted */
	struct pol_policy *r = pt_policy(f->c, "r");
	pt_stmt(f->c, r, "x", &(struct pt_match){ .nbr_as = "2 1 2" }, &act_reject);
	pt_stmt(f->c, r, "y", &(struct pt_match){ .nbr_as = "1 2" }, NULL);
	assert_int_equal(pol_policy_unreachable(r, &by), 1);
	assert_int_equal(by, 0);

	/* reachable: next-statement before, other mode, other set, other range */
	struct pol_policy *s = pt_policy(f->c, "s");
	pt_stmt(f->c, s, "next", &(struct pt_match){ .comm = a }, &act_next_add9);
	pt_stmt(f->c, s, "any", &(struct pt_match){ .comm = a }, NULL);
	pt_stmt(f->c, s, "all", &(struct pt_match){ .comm = a, .comm_mode = POL_SET_ALL }, NULL);
	pt_stmt(f->c, s, "other set", &(struct pt_match){ .comm = a2 }, NULL);
	pt_stmt(f->c, s, "len", &(struct pt_match){ .aslen = true, .aslen_max = 3 }, NULL);
	pt_stmt(f->c, s, "len2", &(struct pt_match){ .aslen = true, .aslen_max = 4 }, NULL);
	pt_stmt(f->c, s, "v6", &(struct pt_match){ .family = AF_INET6 }, NULL);
	pt_stmt(f->c, s, "v6 rsw", &(struct pt_match){ .family = AF_INET6, .groups = "rsw" },
		NULL);
	pt_stmt(f->c, s, "all", NULL, &act_reject);
	assert_int_equal(pol_policy_unreachable(s, &by), -1);
	/* ... until the last one, with no conditions, is followed by another */
	pt_stmt(f->c, s, "after", &(struct pt_match){ .family = AF_INET }, NULL);
	assert_int_equal(pol_policy_unreachable(s, &by), 9);
	assert_int_equal(by, 8);
	/* no statements, one statement */
	assert_int_equal(pol_policy_unreachable(pt_policy(f->c, "empty"), &by), -1);
}

/* ---- the AS_PATH text ----------------------------------------------------- */

/* pol_regex_compile refuses expressions glibc's regcomp would take seconds
 * or gigabytes for (found by the config fuzz target) and accepts the
 * usual ones ('{5,}': five plain copies and one starred). */
static void t_regex_cost(void **state)
{
	static const char *const ok[] = {
		"_65001_", "^65001_", "(_[0-9]+)*", "^65001(_65001)*$", "^([0-9]+_){5,}",
		"^65001_65002_65003_65004_65005_65006_65007$", "(____)*", "(a+)+",
	};
	static const char *const refused[] = {
		"_________", /* 9 in a row: 18 anchors */
		"(_____)*", "_*_*_*_*_*", "((a+)+)+", "a***", "(_[0-9]+){1,40}",
		"______________________+_______",
		"_____________************************************************************",
	};
	char err[256];
	regex_t re;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		err[0] = '\0';
		if (pol_regex_compile(&re, ok[i], err, sizeof(err)) != 0)
			fail_msg("refused %s: %s", ok[i], err);
		regfree(&re);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		if (pol_regex_compile(&re, refused[i], err, sizeof(err)) == 0) {
			regfree(&re);
			fail_msg("accepted %s", refused[i]);
		}
		assert_non_null(strstr(err, "too complex"));
	}
}

static void t_aspath_str(void **state)
{
	static const char *const paths[] = {
		"", "65001", "65001 65002", "65001 {1,2}", "{1}", "(65401 65301) 65001",
		"[3,4] 1", "(65401) [3,4] 65001 {5,6,7} 8", "4294967295 0",
	};
	uint8_t ap[256];
	char buf[256];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		size_t len = pt_aspath(paths[i], ap, sizeof(ap));
		assert_string_equal(pol_aspath_str(ap, len, buf, sizeof(buf)), paths[i]);
	}
	/* two AS_SEQUENCE segments read as one sequence, as FRR prints them */
	static const uint8_t two[] = { AS_SEQUENCE, 1, 0, 0, 0, 1, AS_SEQUENCE, 2, 0, 0, 0, 2,
				       0, 0, 0, 3 };
	assert_string_equal(pol_aspath_str(two, sizeof(two), buf, sizeof(buf)), "1 2 3");
	/* a segment longer than the data: what came before it */
	static const uint8_t cut[] = { AS_SEQUENCE, 1, 0, 0, 0, 1, AS_SEQUENCE, 2, 0, 0, 0, 2 };
	assert_string_equal(pol_aspath_str(cut, sizeof(cut), buf, sizeof(buf)), "1");
	/* truncated like snprintf: a prefix of the text, NUL-terminated */
	size_t len = pt_aspath("65001 65002 {1,2}", ap, sizeof(ap));
	for (size_t n = 1; n < 18; n++) {
		memset(buf, 'X', sizeof(buf));
		pol_aspath_str(ap, len, buf, n);
		assert_true(strlen(buf) < n);
		if (strncmp(buf, "65001 65002 {1,2}", strlen(buf)) != 0)
			fail_msg("buffer of %zu: '%s' is not a prefix of the path", n, buf);
		assert_int_equal(buf[n], 'X'); /* nothing written past the buffer */
	}
	memset(buf, 'X', sizeof(buf));
	pol_aspath_str(ap, len, buf, 0);
	assert_int_equal(buf[0], 'X');
}

/* A path as long as an UPDATE allows still prints whole (the scratch
 * holds the longest text) and matches at its end. */
static void t_aspath_long(void **state)
{
	struct fx *f = *state;
	static char text[900 * 11 + 1];
	size_t o = 0;

	for (int i = 0; i < 900; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%u", i ? " " : "",
				      4200000000u + (unsigned)i);
	const char *const re[] = { "_4200000899$", NULL };
	const struct pol_aspathset *s = pt_aspathset(f->c, "end", re);
	struct pol_policy *p = pt_policy(f->c, "P");
	pt_stmt(f->c, p, "end", &(struct pt_match){ .aspath = s }, NULL);
	struct pt_attrs_buf *b = malloc(sizeof(*b));
	assert_non_null(b);
	struct rib_attrs *in = rib_attrs_intern(f->ac, pt_attrs(&(struct pt_path){ .aspath = text },
							       b));
	struct rib_attrs *out;
	struct pol_verdict v;

	assert_int_equal(aspath_length(rib_attrs_get(in)->aspath, rib_attrs_get(in)->aspath_len),
			 900);
	eval(f, pt_chain1(f->c, p), NULL, NULL, in, &out, &v);
	assert_true(v.accept);
	rib_attrs_unref(out);
	rib_attrs_unref(in);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_match_table),
		cmocka_unit_test(t_action_table),
		cmocka_unit_test_setup_teardown(t_action_import_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(t_action_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(t_action_nh_self, setup, teardown),
		cmocka_unit_test_setup_teardown(t_first_match_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(t_next_statement, setup, teardown),
		cmocka_unit_test_setup_teardown(t_default_deny, setup, teardown),
		cmocka_unit_test_setup_teardown(t_chain_order, setup, teardown),
		cmocka_unit_test_setup_teardown(t_chain_get, setup, teardown),
		cmocka_unit_test_setup_teardown(t_chain_same, setup, teardown),
		cmocka_unit_test_setup_teardown(t_unreachable, setup, teardown),
		cmocka_unit_test(t_aspath_str),
		cmocka_unit_test(t_regex_cost),
		cmocka_unit_test_setup_teardown(t_aspath_long, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
