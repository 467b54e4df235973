/* rib/adj.c: update/withdraw, duplicate suppression, counts per family,
 * walk order, and that every reference goes back to the cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rib/rib.h"

static struct bgp_prefix pfx(uint8_t family, const char *addr, uint8_t len)
{
	struct bgp_prefix p;
	memset(&p, 0, sizeof(p));
	p.family = family;
	p.len = len;
	assert_int_equal(inet_pton(family, addr, p.addr), 1);
	return p;
}

static struct bgp_attrs attrs_with_nh(uint32_t nh, const uint8_t *aspath, uint16_t aplen)
{
	struct bgp_attrs a;
	memset(&a, 0, sizeof(a));
	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a.nexthop.s_addr = htonl(nh);
	a.aspath = aspath;
	a.aspath_len = aplen;
	return a;
}

static const uint8_t AP[6] = { AS_SEQUENCE, 1, 0, 0, 0xfd, 0xe9 };

static size_t cache_refs(const struct rib_attr_cache *c)
{
	struct rib_attr_stats st;
	rib_attr_cache_stats(c, &st);
	return st.refs;
}

static void test_update_withdraw(void **state)
{
	(void)state;
	struct rib_attr_cache *c = rib_attr_cache_new();
	struct rib_adj *adj = rib_adj_new(c);
	struct bgp_prefix p = pfx(AF_INET, "10.1.0.0", 16);
	struct bgp_attrs a1 = attrs_with_nh(1, AP, sizeof(AP));
	struct bgp_attrs a2 = attrs_with_nh(2, AP, sizeof(AP));

	assert_true(rib_adj_update(adj, &p, &a1));   /* new prefix */
	assert_false(rib_adj_update(adj, &p, &a1));  /* duplicate: suppressed */
	uint8_t copy[6];
	memcpy(copy, AP, sizeof(copy));
	struct bgp_attrs a1b = attrs_with_nh(1, copy, sizeof(copy));
	assert_false(rib_adj_update(adj, &p, &a1b)); /* equal content elsewhere */
	const struct rib_attrs *ra = rib_adj_get(adj, &p);
	assert_non_null(ra);
	assert_int_equal(rib_attrs_refcnt(ra), 1);   /* the table's one ref */
	assert_int_equal(cache_refs(c), 1);

	assert_true(rib_adj_update(adj, &p, &a2));   /* changed attributes */
	assert_int_equal(ntohl(rib_attrs_get(rib_adj_get(adj, &p))->nexthop.s_addr), 2);
	assert_int_equal(cache_refs(c), 1);	     /* old set released */
	assert_int_equal(rib_adj_count(adj, AF_INET), 1);

	struct bgp_prefix other = pfx(AF_INET, "10.1.0.0", 17);
	assert_false(rib_adj_withdraw(adj, &other));
	assert_null(rib_adj_get(adj, &other));
	assert_true(rib_adj_withdraw(adj, &p));
	assert_false(rib_adj_withdraw(adj, &p));
	assert_int_equal(rib_adj_count(adj, 0), 0);
	assert_int_equal(cache_refs(c), 0);

	struct bgp_prefix bad = p;
	bad.family = 99;
	assert_false(rib_adj_update(adj, &bad, &a1));
	assert_false(rib_adj_withdraw(adj, &bad));
	assert_int_equal(rib_adj_count(adj, 99), 0);
	rib_adj_free(adj);
	rib_attr_cache_free(c);
}

struct seen {
	char s[8][64];
	int n;
};

static int seen_cb(const struct bgp_prefix *p, const struct rib_attrs *ra, void *arg)
{
	struct seen *w = arg;
	char a[INET6_ADDRSTRLEN];
	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(w->s[w->n], sizeof(w->s[0]), "%s/%u nh%u", a, p->len,
		 (unsigned)ntohl(rib_attrs_get(ra)->nexthop.s_addr));
	w->n++;
	return 0;
}

static void test_counts_walk_clear(void **state)
{
	(void)state;
	struct rib_attr_cache *c = rib_attr_cache_new();
	struct rib_adj *in = rib_adj_new(c), *out = rib_adj_new(c);
	struct bgp_attrs a1 = attrs_with_nh(1, AP, sizeof(AP));
	struct bgp_attrs a2 = attrs_with_nh(2, AP, sizeof(AP));
	struct bgp_prefix v4a = pfx(AF_INET, "10.2.0.0", 16), v4b = pfx(AF_INET, "10.1.0.0", 16);
	struct bgp_prefix v6a = pfx(AF_INET6, "2001:db8::", 32), v6b = pfx(AF_INET6, "2001:db8::", 48);

	assert_true(rib_adj_update(in, &v6b, &a1));
	assert_true(rib_adj_update(in, &v4a, &a2));
	assert_true(rib_adj_update(in, &v6a, &a1));
	assert_true(rib_adj_update(in, &v4b, &a1));
	assert_true(rib_adj_update(out, &v4b, &a1)); /* another Adj-RIB, same set */
	assert_int_equal(rib_adj_count(in, AF_INET), 2);
	assert_int_equal(rib_adj_count(in, AF_INET6), 2);
	assert_int_equal(rib_adj_count(in, 0), 4);
	assert_int_equal(rib_attrs_refcnt(rib_adj_get(in, &v4b)), 4);
	assert_true(rib_adj_bytes(in) > 0);

	struct seen w = { .n = 0 };
	assert_int_equal(rib_adj_walk(in, 0, seen_cb, &w), 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.s[0], "10.1.0.0/16 nh1");
	assert_string_equal(w.s[1], "10.2.0.0/16 nh2");
	assert_string_equal(w.s[2], "2001:db8::/32 nh1");
	assert_string_equal(w.s[3], "2001:db8::/48 nh1");
	struct seen w6 = { .n = 0 };
	rib_adj_walk(in, AF_INET6, seen_cb, &w6);
	assert_int_equal(w6.n, 2);
	assert_string_equal(w6.s[0], "2001:db8::/32 nh1");

	rib_adj_clear(in);
	assert_int_equal(rib_adj_count(in, 0), 0);
	assert_int_equal(cache_refs(c), 1); /* only out's route is left */
	assert_true(rib_adj_update(in, &v4a, &a2)); /* usable after clear */
	rib_adj_free(in);
	rib_adj_free(out);
	struct rib_attr_stats st;
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.attrs, 0);
	assert_int_equal(st.aspaths, 0);
	rib_attr_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_withdraw),
		cmocka_unit_test(test_counts_walk_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
