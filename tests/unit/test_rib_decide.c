/* The decision process, rule by rule (RFC 4271 9.1.2.2, RFC 5065 5.3), and
 * the multipath equality that builds ECMP sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rib/decide.h"

/* Build a 4-octet AS_PATH from a spec like "S 65000 65001 | C 65301 | T 1 2"
 * (S sequence, T set, C confed sequence, D confed set). */
static uint16_t mkpath(uint8_t *buf, const char *spec)
{
	uint16_t len = 0;
	uint8_t *count = NULL;
	const char *s = spec;

	while (*s) {
		while (*s == ' ' || *s == '|')
			s++;
		if (!*s)
			break;
		if (*s >= 'A' && *s <= 'Z') {
			buf[len++] = *s == 'S' ? AS_SEQUENCE : *s == 'T' ? AS_SET
				   : *s == 'C' ? AS_CONFED_SEQUENCE : AS_CONFED_SET;
			count = &buf[len++];
			*count = 0;
			s++;
			continue;
		}
		uint32_t asn = 0;
		while (*s >= '0' && *s <= '9')
			asn = asn * 10 + (uint32_t)(*s++ - '0');
		buf[len++] = (uint8_t)(asn >> 24);
		buf[len++] = (uint8_t)(asn >> 16);
		buf[len++] = (uint8_t)(asn >> 8);
		buf[len++] = (uint8_t)asn;
		(*count)++;
	}
	return len;
}

struct path {
	struct rib_src src;
	struct bgp_attrs a;
	uint8_t ap[64];
};

static void mk(struct path *p, enum rib_src_kind kind, uint32_t peer_as, uint32_t rid,
	       uint8_t addr_last, const char *aspath)
{
	memset(p, 0, sizeof(*p));
	p->src.kind = kind;
	p->src.peer_as = peer_as;
	p->src.router_id = rid;
	p->src.family = AF_INET;
	p->src.addr[3] = addr_last;
	p->a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	p->a.aspath = p->ap;
	p->a.aspath_len = mkpath(p->ap, aspath);
}

static const struct rib_decide_cfg dflt = { .multipath_relax = true, .max_paths = 64 };

static void expect(const struct path *a, const struct path *b, int want,
		   enum rib_decide_step want_step, const struct rib_decide_cfg *cfg)
{
	enum rib_decide_step st;

	assert_int_equal(rib_path_cmp(cfg, &a->src, &a->a, &b->src, &b->a, &st), want);
	assert_int_equal(st, want_step);
	/* Antisymmetric. */
	assert_int_equal(rib_path_cmp(cfg, &b->src, &b->a, &a->src, &a->a, NULL), -want);
}

static void test_local_pref(void **state)
{
	struct path a, b;

	mk(&a, RIB_SRC_EBGP, 65001, 1, 1, "S 65001 65002 65003");
	mk(&b, RIB_SRC_EBGP, 65002, 2, 2, "S 65002");
	a.a.seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	a.a.local_pref = 200;
	expect(&a, &b, -1, RIB_STEP_LOCAL_PREF, &dflt);
	/* A missing LOCAL_PREF counts as 100. */
	b.a.seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	b.a.local_pref = 100;
	a.a.local_pref = 100;
	expect(&b, &a, -1, RIB_STEP_AS_PATH, &dflt);
}

static void test_as_path_length_confed_and_set(void **state)
{
	struct path a, b;

	/* Confederation segments do not count (RFC 5065 5.3). */
	mk(&a, RIB_SRC_CONFED, 65301, 1, 1, "C 65301 65302 65303 | S 65000");
	mk(&b, RIB_SRC_EBGP, 65000, 2, 2, "S 65000 65001");
	expect(&a, &b, -1, RIB_STEP_AS_PATH, &dflt);
	/* ... unless configured to count them (FRR's "as-path confed"): a
	 * detour through another rack of the pod is then longer. */
	struct rib_decide_cfg confed = dflt;
	confed.count_confed = true;
	mk(&a, RIB_SRC_CONFED, 65401, 1, 1, "C 65401");
	mk(&b, RIB_SRC_CONFED, 65402, 2, 2, "C 65402 65301 65401");
	expect(&a, &b, -1, RIB_STEP_ROUTER_ID, &dflt);
	expect(&a, &b, -1, RIB_STEP_AS_PATH, &confed);
	assert_true(rib_path_multipath(&dflt, &a.src, &a.a, &b.src, &b.a));
	assert_false(rib_path_multipath(&confed, &a.src, &a.a, &b.src, &b.a));
	/* An AS_SET counts as one. */
	mk(&a, RIB_SRC_EBGP, 65000, 1, 1, "S 65000 | T 1 2 3 4");
	mk(&b, RIB_SRC_EBGP, 65000, 2, 2, "S 65000 65001 65002");
	expect(&a, &b, -1, RIB_STEP_AS_PATH, &dflt);
}

static void test_origin(void **state)
{
	struct path a, b;

	mk(&a, RIB_SRC_EBGP, 65001, 9, 9, "S 65001");
	mk(&b, RIB_SRC_EBGP, 65002, 1, 1, "S 65002");
	a.a.origin = BGP_ORIGIN_IGP;
	b.a.origin = BGP_ORIGIN_INCOMPLETE;
	expect(&a, &b, -1, RIB_STEP_ORIGIN, &dflt);
}

static void test_med_same_neighbour_only(void **state)
{
	struct path a, b;

	mk(&a, RIB_SRC_EBGP, 65001, 9, 9, "S 65001 65100");
	mk(&b, RIB_SRC_EBGP, 65001, 1, 1, "S 65001 65200");
	a.a.seen |= BGP_ATTR_BIT(BGP_ATTR_MED);
	a.a.med = 10;
	/* Same neighbour AS: the missing MED (0) of b wins. */
	expect(&b, &a, -1, RIB_STEP_MED, &dflt);
	/* Different neighbour AS: MED is not compared; router id decides. */
	mk(&b, RIB_SRC_EBGP, 65002, 1, 1, "S 65002 65200");
	expect(&b, &a, -1, RIB_STEP_ROUTER_ID, &dflt);
	/* ... unless always-compare-med is on. */
	struct rib_decide_cfg always = dflt;
	always.always_compare_med = true;
	expect(&b, &a, -1, RIB_STEP_MED, &always);
	b.a.seen |= BGP_ATTR_BIT(BGP_ATTR_MED);
	b.a.med = 20;
	expect(&a, &b, -1, RIB_STEP_MED, &always);
}

static void test_peer_type(void **state)
{
	struct path e, c, i;

	mk(&e, RIB_SRC_EBGP, 65001, 9, 9, "S 65001");
	mk(&c, RIB_SRC_CONFED, 65302, 1, 1, "C 65302 | S 65001");
	mk(&i, RIB_SRC_IBGP, 65301, 0, 0, "S 65001");
	expect(&e, &c, -1, RIB_STEP_PEER_TYPE, &dflt);
	expect(&c, &i, -1, RIB_STEP_PEER_TYPE, &dflt);
	expect(&e, &i, -1, RIB_STEP_PEER_TYPE, &dflt);
}

static void test_router_id_then_address(void **state)
{
	struct path a, b;

	mk(&a, RIB_SRC_EBGP, 65001, 0x01010101, 7, "S 65001");
	mk(&b, RIB_SRC_EBGP, 65002, 0x02020202, 3, "S 65002");
	expect(&a, &b, -1, RIB_STEP_ROUTER_ID, &dflt);
	/* Parallel sessions to one router: the lower address wins. */
	mk(&b, RIB_SRC_EBGP, 65001, 0x01010101, 3, "S 65001");
	expect(&b, &a, -1, RIB_STEP_PEER_ADDR, &dflt);
	mk(&b, RIB_SRC_EBGP, 65001, 0x01010101, 7, "S 65001");
	expect(&a, &b, 0, RIB_STEP_EQUAL, &dflt);
}

static void test_local_wins(void **state)
{
	struct path l, e;

	mk(&l, RIB_SRC_LOCAL, 0, 0, 0, "");
	mk(&e, RIB_SRC_EBGP, 65001, 0, 0, "S 65001");
	e.a.seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	e.a.local_pref = 1000;
	expect(&l, &e, -1, RIB_STEP_LOCAL, &dflt);
}

static void test_multipath(void **state)
{
	struct path a, b;
	struct rib_decide_cfg strict = dflt;

	strict.multipath_relax = false;
	/* Two spines of different planes (different ASes), equal length. */
	mk(&a, RIB_SRC_EBGP, 65001, 1, 1, "S 65001 65101");
	mk(&b, RIB_SRC_EBGP, 65002, 2, 2, "S 65002 65101");
	assert_true(rib_path_multipath(&dflt, &a.src, &a.a, &b.src, &b.a));
	assert_false(rib_path_multipath(&strict, &a.src, &a.a, &b.src, &b.a));
	/* Same neighbour AS (parallel links): ECMP even without relax. */
	mk(&b, RIB_SRC_EBGP, 65001, 1, 2, "S 65001 65101");
	assert_true(rib_path_multipath(&strict, &a.src, &a.a, &b.src, &b.a));
	/* Longer path: not ECMP. */
	mk(&b, RIB_SRC_EBGP, 65002, 2, 2, "S 65002 65003 65101");
	assert_false(rib_path_multipath(&dflt, &a.src, &a.a, &b.src, &b.a));
	/* eBGP and iBGP paths are not mixed. */
	mk(&b, RIB_SRC_IBGP, 65002, 2, 2, "S 65002 65101");
	assert_false(rib_path_multipath(&dflt, &a.src, &a.a, &b.src, &b.a));
	/* Backup path with lower LOCAL_PREF stays out of the set. */
	mk(&b, RIB_SRC_EBGP, 65002, 2, 2, "S 65002 65101");
	b.a.seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	b.a.local_pref = 50;
	assert_false(rib_path_multipath(&dflt, &a.src, &a.a, &b.src, &b.a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_pref),
		cmocka_unit_test(test_as_path_length_confed_and_set),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_med_same_neighbour_only),
		cmocka_unit_test(test_peer_type),
		cmocka_unit_test(test_router_id_then_address),
		cmocka_unit_test(test_local_wins),
		cmocka_unit_test(test_multipath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
