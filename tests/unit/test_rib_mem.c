/* Memory per route: 100k routes sharing ~100 attribute sets in an Adj-RIB,
 * measured with the trie and intern-cache byte counters and printed. Fails
 * above 64 bytes/route (BIRD is ~100-150 all-in). RIB_MEM_ROUTES=n scales. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "rib/rib.h"
#include "rib/rib_int.h"

#define NSETS 100

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static size_t nroutes(void)
{
	const char *e = getenv("RIB_MEM_ROUTES");
	return e ? strtoul(e, NULL, 10) : 100000;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum layout { DENSE, RANDOM };

/* DENSE: consecutive /24s from 10.0.0.0 (a full binary tree of glue).
 * RANDOM: random addresses, lengths /16../32. */
static struct bgp_prefix make_prefix(uint8_t family, enum layout l, size_t i, struct rng *g)
{
	struct bgp_prefix p;
	memset(&p, 0, sizeof(p));
	p.family = family;
	unsigned alen = family == AF_INET ? 4 : 16;
	if (l == DENSE) {
		p.len = family == AF_INET ? 24 : 64;
		p.addr[0] = family == AF_INET ? 10 : 0x20;
		p.addr[p.len / 8 - 3] = (uint8_t)(i >> 16);
		p.addr[p.len / 8 - 2] = (uint8_t)(i >> 8);
		p.addr[p.len / 8 - 1] = (uint8_t)i;
		return p;
	}
	for (unsigned k = 0; k < alen; k++)
		p.addr[k] = (uint8_t)rnd(g);
	p.len = (uint8_t)(family == AF_INET ? 16 + rnd(g) % 17 : 32 + rnd(g) % 33);
	for (unsigned b = p.len; b < alen * 8; b++)
		p.addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	return p;
}

static int count_cb(const struct bgp_prefix *p, const struct rib_attrs *ra, void *arg)
{
	(void)p;
	(void)ra;
	(*(size_t *)arg)++;
	return 0;
}

static void measure(uint8_t family, enum layout l, const char *name)
{
	size_t n = nroutes();
	struct rng g = { 0x2545f4914f6cdd1dull };
	struct rib_attr_cache *c = rib_attr_cache_new();
	struct rib_adj *adj = rib_adj_new(c);
	static uint8_t aspath[NSETS][10];
	struct bgp_attrs sets[NSETS];
	uint32_t comm[2] = { 65000u << 16 | 1, 65000u << 16 | 100 };
	for (unsigned s = 0; s < NSETS; s++) {
		static const uint8_t ap[10] = { AS_SEQUENCE, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfe, 0 };
		memcpy(aspath[s], ap, sizeof(ap));
		aspath[s][9] = (uint8_t)(s % 25); /* 25 AS_PATHs, 4 next hops */
		memset(&sets[s], 0, sizeof(sets[s]));
		sets[s].seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
			       BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
		sets[s].aspath = aspath[s];
		sets[s].aspath_len = sizeof(aspath[s]);
		sets[s].nexthop.s_addr = htonl(0x0a000001 + s / 25);
		sets[s].communities = comm;
		sets[s].ncommunities = 2;
	}
	double t0 = now();
	size_t stored = 0;
	for (size_t i = 0; i < n; i++) {
		struct bgp_prefix p = make_prefix(family, l, i, &g);
		stored += rib_adj_update(adj, &p, &sets[i % NSETS]);
	}
	double t1 = now();
	size_t routes = rib_adj_count(adj, family);
	assert_true(stored >= routes); /* re-announcing with another set also counts */
	assert_true(routes > n * 9 / 10); /* random prefixes rarely collide */

	struct rib_attr_stats st;
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.attrs, NSETS);
	assert_int_equal(st.aspaths, 25);
	assert_int_equal(st.refs, routes);
	size_t cache = st.attrs_bytes + st.aspath_bytes + st.commlist_bytes + st.unknown_bytes +
		       st.table_bytes;
	size_t table = rib_adj_bytes(adj);
	size_t walked = 0;
	assert_int_equal(rib_adj_walk(adj, family, count_cb, &walked), 0);
	assert_int_equal(walked, routes);
	double per_route = (double)table / routes;
	double all_in = (double)(table + cache) / routes;
	printf("rib-mem %-4s %-6s routes=%zu table=%zu B (%.1f B/route) cache=%zu B "
	       "all-in=%.1f B/route insert=%.0f ns/route\n",
	       family == AF_INET ? "ipv4" : "ipv6", name, routes, table, per_route, cache, all_in,
	       (t1 - t0) * 1e9 / n);
	if (family == AF_INET) {
		assert_true(per_route < 64.0);
		assert_true(all_in < 64.0);
	}
	rib_adj_free(adj);
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.attrs, 0);
	rib_attr_cache_free(c);
}

/* Node accounting for one table, to show where the bytes go. */
static void test_node_breakdown(void **state)
{
	(void)state;
	struct rng g = { 7 };
	struct rib_table *t = rib_table_new(AF_INET);
	size_t n = nroutes();
	for (size_t i = 0; i < n; i++) {
		struct bgp_prefix p = make_prefix(AF_INET, RANDOM, i, &g);
		rib_table_insert(t, &p, (void *)(uintptr_t)(i + 1));
	}
	struct rib_table_nodes nd;
	rib_table_nodes(t, &nd);
	assert_int_equal(nd.route_nodes, rib_table_count(t));
	assert_true(nd.glue_nodes < nd.route_nodes);
	printf("rib-mem ipv4 random nodes: %zu route x %zu B + %zu glue x %zu B, %zu B total\n",
	       nd.route_nodes, nd.route_node_size, nd.glue_nodes, nd.glue_node_size, nd.bytes);
	rib_table_free(t, NULL, NULL);
}

static void test_v4_dense(void **state)
{
	(void)state;
	measure(AF_INET, DENSE, "dense");
}

static void test_v4_random(void **state)
{
	(void)state;
	measure(AF_INET, RANDOM, "random");
}

static void test_v6_random(void **state)
{
	(void)state;
	measure(AF_INET6, RANDOM, "random");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_dense),
		cmocka_unit_test(test_v4_random),
		cmocka_unit_test(test_v6_random),
		cmocka_unit_test(test_node_breakdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
