/* rib/attr.c: interning (equal -> same pointer, deep copy), shared pieces,
 * reference counts and the per-type counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rib/rib.h"

/* A set as the decoder would leave it: pieces in caller (scratch) memory. */
struct scratch {
	uint8_t aspath[10];
	uint32_t comm[2];
	struct bgp_large_community large[1];
	uint8_t unknown[5];
	struct bgp_attrs a;
};

static void scratch_init(struct scratch *s, uint32_t first_as, uint32_t nh)
{
	memset(s, 0, sizeof(*s));
	static const uint8_t ap[10] = { AS_SEQUENCE, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfe, 0x4d };
	memcpy(s->aspath, ap, sizeof(ap));
	s->aspath[2] = (uint8_t)(first_as >> 24);
	s->aspath[3] = (uint8_t)(first_as >> 16);
	s->aspath[4] = (uint8_t)(first_as >> 8);
	s->aspath[5] = (uint8_t)first_as;
	s->comm[0] = 65000u << 16 | 1;
	s->comm[1] = 65000u << 16 | 2;
	s->large[0] = (struct bgp_large_community){ 65000, 1, 2 };
	static const uint8_t unk[5] = { 0xe0, 99, 2, 0xab, 0xcd };
	memcpy(s->unknown, unk, sizeof(unk));
	s->a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES) |
		    BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	s->a.origin = BGP_ORIGIN_IGP;
	s->a.aspath = s->aspath;
	s->a.aspath_len = sizeof(s->aspath);
	s->a.nexthop.s_addr = htonl(nh);
	s->a.communities = s->comm;
	s->a.ncommunities = 2;
	s->a.large = s->large;
	s->a.nlarge = 1;
	s->a.unknown = s->unknown;
	s->a.unknown_len = sizeof(s->unknown);
}

static void assert_empty(const struct rib_attr_cache *c)
{
	struct rib_attr_stats st;
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.attrs, 0);
	assert_int_equal(st.attrs_bytes, 0);
	assert_int_equal(st.aspaths, 0);
	assert_int_equal(st.aspath_bytes, 0);
	assert_int_equal(st.commlists, 0);
	assert_int_equal(st.commlist_bytes, 0);
	assert_int_equal(st.unknowns, 0);
	assert_int_equal(st.unknown_bytes, 0);
	assert_int_equal(st.refs, 0);
	assert_int_equal(st.table_bytes, 0);
}

static void test_equal_sets_share(void **state)
{
	(void)state;
	struct rib_attr_cache *c = rib_attr_cache_new();
	struct scratch s1, s2;
	scratch_init(&s1, 65001, 0x0a000001);
	scratch_init(&s2, 65001, 0x0a000001); /* same content, other memory */
	struct rib_attrs *a = rib_attrs_intern(c, &s1.a);
	struct rib_attrs *b = rib_attrs_intern(c, &s2.a);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(rib_attrs_refcnt(a), 2);

	/* deep copy: the scratch memory can be reused */
	const struct bgp_attrs *g = rib_attrs_get(a);
	assert_ptr_not_equal(g->aspath, s1.aspath);
	memset(&s1, 0xff, sizeof(s1));
	assert_int_equal(g->aspath_len, 10);
	assert_memory_equal(g->aspath, s2.aspath, 10);
	assert_int_equal(g->ncommunities, 2);
	assert_int_equal(g->communities[1], 65000u << 16 | 2);
	assert_int_equal(g->nlarge, 1);
	assert_int_equal(g->large[0].local2, 2);
	assert_int_equal(g->unknown_len, 5);
	assert_memory_equal(g->unknown, s2.unknown, 5);
	assert_int_equal(ntohl(g->nexthop.s_addr), 0x0a000001);

	struct rib_attr_stats st;
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.attrs, 1);
	assert_int_equal(st.refs, 2);
	assert_int_equal(st.aspaths, 1);
	assert_int_equal(st.commlists, 2); /* communities + large communities */
	assert_int_equal(st.unknowns, 1);
	assert_true(st.attrs_bytes > 0 && st.aspath_bytes >= 10 && st.unknown_bytes >= 5);

	assert_ptr_equal(rib_attrs_ref(a), a);
	assert_int_equal(rib_attrs_refcnt(a), 3);
	rib_attrs_unref(a);
	rib_attrs_unref(a);
	assert_int_equal(rib_attrs_refcnt(a), 1);
	rib_attrs_unref(a);
	assert_empty(c);
	rib_attr_cache_free(c);
}

static void test_different_sets_share_pieces(void **state)
{
	(void)state;
	struct rib_attr_cache *c = rib_attr_cache_new();
	struct scratch s1, s2, s3;
	scratch_init(&s1, 65001, 0x0a000001);
	scratch_init(&s2, 65001, 0x0a000002); /* other next hop */
	scratch_init(&s3, 65002, 0x0a000001); /* other AS_PATH */
	struct rib_attrs *a = rib_attrs_intern(c, &s1.a);
	struct rib_attrs *b = rib_attrs_intern(c, &s2.a);
	struct rib_attrs *d = rib_attrs_intern(c, &s3.a);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(a, d);
	assert_ptr_not_equal(b, d);
	const struct bgp_attrs *ga = rib_attrs_get(a), *gb = rib_attrs_get(b), *gd = rib_attrs_get(d);
	assert_ptr_equal(ga->aspath, gb->aspath);     /* shared piece */
	assert_ptr_not_equal(ga->aspath, gd->aspath);
	assert_ptr_equal(ga->communities, gd->communities);
	assert_ptr_equal(ga->large, gb->large);

	struct rib_attr_stats st;
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.attrs, 3);
	assert_int_equal(st.aspaths, 2);
	assert_int_equal(st.commlists, 2);
	assert_int_equal(st.unknowns, 1);

	/* a scalar difference alone makes another set */
	s1.a.med = 7;
	s1.a.seen |= BGP_ATTR_BIT(BGP_ATTR_MED);
	struct rib_attrs *e = rib_attrs_intern(c, &s1.a);
	assert_ptr_not_equal(e, a);
	/* absent pieces are NULL, not shared empties */
	struct bgp_attrs bare = { .origin = BGP_ORIGIN_INCOMPLETE };
	struct rib_attrs *f = rib_attrs_intern(c, &bare);
	assert_null(rib_attrs_get(f)->aspath);
	assert_null(rib_attrs_get(f)->communities);
	assert_ptr_equal(rib_attrs_intern(c, &bare), f);

	rib_attrs_unref(a);
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.aspaths, 2); /* still used by b and e */
	rib_attrs_unref(d);
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.aspaths, 1);
	rib_attrs_unref(b);
	rib_attrs_unref(e);
	rib_attrs_unref(f);
	rib_attrs_unref(f);
	assert_empty(c);
	rib_attr_cache_free(c);
}

/* Enough sets to grow and then shrink both hash tables. */
static void test_many_sets(void **state)
{
	(void)state;
	struct rib_attr_cache *c = rib_attr_cache_new();
	enum { N = 5000 };
	static struct rib_attrs *ra[N];
	struct scratch s;
	for (uint32_t i = 0; i < N; i++) {
		scratch_init(&s, 65000 + i % 50, 0x0a000000 + i);
		ra[i] = rib_attrs_intern(c, &s.a);
		assert_non_null(ra[i]);
	}
	struct rib_attr_stats st;
	rib_attr_cache_stats(c, &st);
	assert_int_equal(st.attrs, N);
	assert_int_equal(st.aspaths, 50);
	assert_int_equal(st.refs, N);
	for (uint32_t i = 0; i < N; i++) { /* all found again */
		scratch_init(&s, 65000 + i % 50, 0x0a000000 + i);
		assert_ptr_equal(rib_attrs_intern(c, &s.a), ra[i]);
		rib_attrs_unref(ra[i]);
	}
	for (uint32_t i = 0; i < N; i++)
		rib_attrs_unref(ra[i]);
	assert_empty(c);
	rib_attr_cache_free(c);
}

/* Freeing the cache while a set is still referenced is our leak: abort. */
static void test_free_with_live_set_aborts(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rib_attr_cache *c = rib_attr_cache_new();
		struct scratch s;
		scratch_init(&s, 65001, 1);
		(void)rib_attrs_intern(c, &s.a);
		rib_attr_cache_free(c);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_sets_share),
		cmocka_unit_test(test_different_sets_share_pieces),
		cmocka_unit_test(test_many_sets),
		cmocka_unit_test(test_free_with_live_set_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
