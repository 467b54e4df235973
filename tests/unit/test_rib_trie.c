/* rib/trie.c: exact, longest-match, removal and ordered walk, plus 20k
 * random operations per family checked against a naive array. */
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

#include "rib/rib.h"
#include "rib/rib_int.h"

/* "10.0.0.0/8" or "2001:db8::/32" -> prefix (bits past len cleared). */
static struct bgp_prefix P(const char *s)
{
	struct bgp_prefix p;
	char buf[64];
	memset(&p, 0, sizeof(p));
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = 0;
	p.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(p.family, buf, p.addr), 1);
	p.len = (uint8_t)atoi(slash + 1);
	return p;
}

static void *V(uintptr_t x)
{
	return (void *)x;
}

static void test_basic_v4(void **state)
{
	(void)state;
	struct rib_table *t = rib_table_new(AF_INET);
	assert_non_null(t);
	struct bgp_prefix p8 = P("10.0.0.0/8"), p16 = P("10.1.0.0/16"), p24 = P("10.1.2.0/24");
	struct bgp_prefix p0 = P("0.0.0.0/0"), m;

	assert_null(rib_table_insert(t, &p8, V(8)));
	assert_ptr_equal(rib_table_get(t, &p8), V(8));
	assert_ptr_equal(rib_table_insert(t, &p8, V(88)), V(8)); /* replace */
	assert_int_equal(rib_table_count(t), 1);
	assert_null(rib_table_insert(t, &p24, V(24)));
	assert_null(rib_table_insert(t, &p16, V(16)));
	assert_null(rib_table_insert(t, &p0, V(1)));
	assert_int_equal(rib_table_count(t), 4);

	struct bgp_prefix q = P("10.1.0.0/17");
	assert_null(rib_table_get(t, &q));
	q = P("10.1.2.3/32");
	assert_ptr_equal(rib_table_lookup(t, &q, &m), V(24));
	assert_memory_equal(&m, &p24, sizeof(m));
	q = P("10.1.3.0/24");
	assert_ptr_equal(rib_table_lookup(t, &q, &m), V(16));
	assert_int_equal(m.len, 16);
	q = P("10.2.0.1/32");
	assert_ptr_equal(rib_table_lookup(t, &q, NULL), V(88));
	q = P("11.0.0.0/32");
	assert_ptr_equal(rib_table_lookup(t, &q, &m), V(1));
	assert_int_equal(m.len, 0);

	assert_ptr_equal(rib_table_remove(t, &p8), V(88));
	assert_null(rib_table_remove(t, &p8));
	q = P("10.2.0.1/32");
	assert_ptr_equal(rib_table_lookup(t, &q, NULL), V(1));
	assert_int_equal(rib_table_count(t), 3);

	/* wrong family or impossible length: ignored */
	struct bgp_prefix v6 = P("::/0");
	assert_null(rib_table_insert(t, &v6, V(6)));
	assert_null(rib_table_get(t, &v6));
	q = p24;
	q.len = 33;
	assert_null(rib_table_insert(t, &q, V(33)));
	assert_int_equal(rib_table_count(t), 3);
	rib_table_free(t, NULL, NULL);
}

static void test_basic_v6(void **state)
{
	(void)state;
	struct rib_table *t = rib_table_new(AF_INET6);
	struct bgp_prefix a = P("2001:db8::/32"), b = P("2001:db8:1::/48"), c = P("2001:db8:1::1/128");
	struct bgp_prefix m;
	assert_null(rib_table_insert(t, &c, V(3)));
	assert_null(rib_table_insert(t, &a, V(1)));
	assert_null(rib_table_insert(t, &b, V(2)));
	struct bgp_prefix q = P("2001:db8:1::2/128");
	assert_ptr_equal(rib_table_lookup(t, &q, &m), V(2));
	assert_int_equal(m.len, 48);
	assert_ptr_equal(rib_table_lookup(t, &c, NULL), V(3));
	q = P("2001:db9::/128");
	assert_null(rib_table_lookup(t, &q, NULL));
	assert_ptr_equal(rib_table_remove(t, &b), V(2));
	q = P("2001:db8:1::2/128");
	assert_ptr_equal(rib_table_lookup(t, &q, NULL), V(1));
	rib_table_free(t, NULL, NULL);
	assert_null(rib_table_new(99));
}

struct collect {
	char out[16][64];
	int n, stop_at;
};

static int collect_cb(const struct bgp_prefix *p, void *value, void *arg)
{
	struct collect *c = arg;
	char a[INET6_ADDRSTRLEN];
	(void)value;
	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(c->out[c->n], sizeof(c->out[0]), "%s/%u", a, p->len);
	c->n++;
	return c->n == c->stop_at ? 42 : 0;
}

static void test_walk_order(void **state)
{
	(void)state;
	static const char *in[] = { "10.1.2.0/24", "192.168.0.0/16", "10.0.0.0/8", "0.0.0.0/0",
				    "10.1.0.0/16", "10.128.0.0/9", "10.1.2.128/25", "9.0.0.0/8" };
	static const char *want[] = { "0.0.0.0/0", "9.0.0.0/8", "10.0.0.0/8", "10.1.0.0/16",
				      "10.1.2.0/24", "10.1.2.128/25", "10.128.0.0/9", "192.168.0.0/16" };
	struct rib_table *t = rib_table_new(AF_INET);
	for (size_t i = 0; i < 8; i++) {
		struct bgp_prefix p = P(in[i]);
		rib_table_insert(t, &p, V(i + 1));
	}
	struct collect c = { .n = 0, .stop_at = -1 };
	assert_int_equal(rib_table_walk(t, collect_cb, &c), 0);
	assert_int_equal(c.n, 8);
	for (int i = 0; i < 8; i++)
		assert_string_equal(c.out[i], want[i]);
	struct collect s = { .n = 0, .stop_at = 3 };
	assert_int_equal(rib_table_walk(t, collect_cb, &s), 42);
	assert_int_equal(s.n, 3);
	rib_table_free(t, NULL, NULL);
}

static void count_free(void *value, void *arg)
{
	(void)value;
	(*(int *)arg)++;
}

static void test_free_values(void **state)
{
	(void)state;
	struct rib_table *t = rib_table_new(AF_INET);
	for (unsigned i = 0; i < 1000; i++) {
		struct bgp_prefix p = { .family = AF_INET, .len = 24 };
		p.addr[0] = 10;
		p.addr[1] = (uint8_t)(i >> 8);
		p.addr[2] = (uint8_t)i;
		rib_table_insert(t, &p, V(i + 1));
	}
	struct rib_table_nodes n;
	rib_table_nodes(t, &n);
	assert_int_equal(n.route_nodes, 1000);
	assert_true(n.glue_nodes <= 999);
	int freed = 0;
	rib_table_free(t, count_free, &freed);
	assert_int_equal(freed, 1000);
}

/* ---- randomized test against an array --------------------------------- */

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

struct ref {
	struct bgp_prefix p[8192];
	uintptr_t v[8192];
	size_t n;
	unsigned alen;
};

static void mask(struct bgp_prefix *p, unsigned alen)
{
	for (unsigned i = p->len; i < alen * 8; i++)
		p->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

static bool covers(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	if (a->len > b->len)
		return false;
	for (unsigned i = 0; i < a->len; i++)
		if (((a->addr[i / 8] ^ b->addr[i / 8]) << (i % 8)) & 0x80)
			return false;
	return true;
}

static long ref_find(const struct ref *r, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->p[i].len == p->len && !memcmp(r->p[i].addr, p->addr, r->alen))
			return (long)i;
	return -1;
}

/* Unused address bytes are zero, so comparing all 16 works for IPv4 too. */
static int ref_cmp(const void *x, const void *y)
{
	const struct bgp_prefix *a = x, *b = y;
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));
	return c ? c : (int)a->len - (int)b->len;
}

struct walk_check {
	const struct ref *sorted;
	size_t i;
};

static int walk_check_cb(const struct bgp_prefix *p, void *value, void *arg)
{
	struct walk_check *w = arg;
	assert_true(w->i < w->sorted->n);
	assert_memory_equal(p, &w->sorted->p[w->i], sizeof(*p));
	(void)value;
	w->i++;
	return 0;
}

static void check_walk(struct rib_table *t, const struct ref *r)
{
	static struct ref sorted;
	sorted.n = r->n;
	sorted.alen = r->alen;
	memcpy(sorted.p, r->p, r->n * sizeof(r->p[0]));
	qsort(sorted.p, sorted.n, sizeof(sorted.p[0]), ref_cmp);
	struct walk_check w = { &sorted, 0 };
	assert_int_equal(rib_table_walk(t, walk_check_cb, &w), 0);
	assert_int_equal(w.i, r->n);
	struct rib_table_nodes nodes;
	rib_table_nodes(t, &nodes);
	assert_int_equal(nodes.route_nodes, r->n);
	assert_true(nodes.glue_nodes + 1 <= r->n + (r->n == 0)); /* glue < routes */
}

static struct bgp_prefix rand_prefix(struct rng *g, uint8_t family, const uint8_t bases[][16])
{
	unsigned alen = family == AF_INET ? 4 : 16;
	struct bgp_prefix p = { .family = family };
	memcpy(p.addr, bases[rnd(g) % 16], 16);
	p.len = (uint8_t)(rnd(g) % (alen * 8 + 1));
	if (rnd(g) % 4 == 0 && p.len) {
		unsigned b = (unsigned)(rnd(g) % p.len);
		p.addr[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	}
	memset(p.addr + alen, 0, 16 - alen);
	mask(&p, alen);
	return p;
}

/* An empty reference for family, and 16 random base addresses. */
static void ref_start(struct ref *r, struct rng *g, uint8_t family, uint8_t bases[16][16])
{
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			bases[i][j] = (uint8_t)rnd(g);
	memset(r, 0, sizeof(*r));
	r->alen = family == AF_INET ? 4 : 16;
}

/* Remove everything in random order (pointer tables: each remove hands
 * back its value); every glue node must go too. Frees t. */
static void drain_random(struct rib_table *t, struct ref *r, struct rng *g, bool values)
{
	while (r->n) {
		size_t i = rnd(g) % r->n;
		void *v = rib_table_remove(t, &r->p[i]);
		if (values)
			assert_ptr_equal(v, V(r->v[i]));
		else
			assert_non_null(v);
		r->p[i] = r->p[r->n - 1];
		r->v[i] = r->v[--r->n];
		if (r->n % 97 == 0)
			check_walk(t, r);
	}
	struct rib_table_nodes nodes;
	rib_table_nodes(t, &nodes);
	assert_int_equal(nodes.route_nodes, 0);
	assert_int_equal(nodes.glue_nodes, 0);
	rib_table_free(t, NULL, NULL);
}

static void random_ops(uint8_t family)
{
	static struct ref r;
	struct rng g = { 0x9e3779b97f4a7c15ull ^ family };
	uint8_t bases[16][16];
	ref_start(&r, &g, family, bases);
	struct rib_table *t = rib_table_new(family);

	for (uintptr_t op = 1; op <= 20000; op++) {
		struct bgp_prefix p = rand_prefix(&g, family, (const uint8_t(*)[16])bases);
		long i = ref_find(&r, &p);
		switch (rnd(&g) % 10) {
		case 0: case 1: case 2: case 3: case 4: /* insert or replace */
			assert_ptr_equal(rib_table_insert(t, &p, V(op)), i < 0 ? NULL : V(r.v[i]));
			if (i < 0) {
				assert_true(r.n < 8192);
				i = (long)r.n++;
				r.p[i] = p;
			}
			r.v[i] = op;
			break;
		case 5: case 6: /* remove */
			assert_ptr_equal(rib_table_remove(t, &p), i < 0 ? NULL : V(r.v[i]));
			if (i >= 0) {
				r.p[i] = r.p[r.n - 1];
				r.v[i] = r.v[--r.n];
			}
			break;
		case 7:
			assert_ptr_equal(rib_table_get(t, &p), i < 0 ? NULL : V(r.v[i]));
			break;
		default: { /* longest match of the prefix */
			long best = -1;
			for (size_t k = 0; k < r.n; k++)
				if (covers(&r.p[k], &p) && (best < 0 || r.p[k].len > r.p[best].len))
					best = (long)k;
			struct bgp_prefix m;
			void *v = rib_table_lookup(t, &p, &m);
			assert_ptr_equal(v, best < 0 ? NULL : V(r.v[best]));
			if (best >= 0)
				assert_memory_equal(&m, &r.p[best], sizeof(m));
		}
		}
		assert_int_equal(rib_table_count(t), r.n);
		if (op % 2000 == 0)
			check_walk(t, &r);
	}
	assert_true(r.n > 100); /* the test exercised a real table */
	drain_random(t, &r, &g, true);
}

static void test_random_v4(void **state)
{
	(void)state;
	random_ops(AF_INET);
}

static void test_random_v6(void **state)
{
	(void)state;
	random_ops(AF_INET6);
}

/* The same against an inline table, the Loc-RIB's kind, whose lookups
 * start from the finger (the path to the last prefix looked up): runs of
 * neighbouring prefixes, as one UPDATE's NLRI, mixed with random ones,
 * so that each get-or-add, get and remove finds the path of the one
 * before it still there, or a node made or freed on it. */
static void random_inline_ops(uint8_t family)
{
	static struct ref r;
	struct rng g = { 0x2545f4914f6cdd1dull ^ family };
	uint8_t bases[16][16];
	ref_start(&r, &g, family, bases);
	struct rib_table *t = rib_table_new_inline(family, sizeof(uint64_t));
	struct bgp_prefix p = rand_prefix(&g, family, (const uint8_t(*)[16])bases);
	bool added;

	for (uint64_t op = 1; op <= 40000; op++) {
		if (p.len && rnd(&g) % 3) { /* the next one of a run: one step further */
			unsigned b = p.len - 1u;
			for (unsigned k = b + 1; k-- > 0;) { /* add 1 at bit b, carrying */
				p.addr[k / 8] ^= (uint8_t)(0x80 >> (k % 8));
				if (p.addr[k / 8] & (0x80 >> (k % 8)))
					break;
			}
		} else {
			p = rand_prefix(&g, family, (const uint8_t(*)[16])bases);
		}
		long i = ref_find(&r, &p);
		uint64_t *v;
		switch (rnd(&g) % 8) {
		case 0: case 1: case 2: /* get or add */
			v = rib_table_get_or_add(t, &p, &added);
			assert_non_null(v);
			assert_int_equal(added, i < 0);
			if (i < 0) {
				assert_int_equal(*v, 0);
				assert_true(r.n < 8192);
				i = (long)r.n++;
				r.p[i] = p;
				r.v[i] = op;
				*v = op;
			}
			assert_int_equal(*v, r.v[i]);
			break;
		case 3: case 4: /* remove: mostly one that is there (a run goes on from it) */
			if (r.n && rnd(&g) % 4) {
				i = (long)(rnd(&g) % r.n);
				p = r.p[i];
			}
			assert_int_equal(rib_table_remove(t, &p) != NULL, i >= 0);
			if (i >= 0) {
				r.p[i] = r.p[r.n - 1];
				r.v[i] = r.v[--r.n];
			}
			break;
		default:
			v = rib_table_get(t, &p);
			assert_int_equal(v != NULL, i >= 0);
			if (v)
				assert_int_equal(*v, r.v[i]);
		}
		assert_int_equal(rib_table_count(t), r.n);
		if (op % 4000 == 0) {
			check_walk(t, &r);
			for (size_t k = 0; k < r.n; k++) { /* every one there, its value */
				v = rib_table_get(t, &r.p[k]);
				assert_non_null(v);
				assert_int_equal(*v, r.v[k]);
			}
		}
	}
	assert_true(r.n > 100);
	drain_random(t, &r, &g, false);
}

static void test_random_inline_v4(void **state)
{
	(void)state;
	random_inline_ops(AF_INET);
}

static void test_random_inline_v6(void **state)
{
	(void)state;
	random_inline_ops(AF_INET6);
}

static void *make_tag(const struct bgp_prefix *p, void *arg)
{
	int *made = arg;
	int *v = malloc(sizeof(*v));

	if (v)
		*v = 1000 + (*made)++;
	return v;
}

static void free_tag(void *value, void *arg)
{
	free(value);
}

/* get-or-insert: creates only where nothing is, in every trie shape
 * (empty, exact glue node, split below, covering above), one value each. */
static void test_get_or_insert(void **state)
{
	struct rib_table *t = rib_table_new(AF_INET);
	const char *order[] = { "10.0.0.0/24", "10.0.1.0/24", "10.0.0.0/23", "10.0.0.0/8",
				"10.0.0.0/24", "10.0.0.128/25", "0.0.0.0/0" };
	int made = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct bgp_prefix p = P(order[i]);
		int *v = rib_table_get_or_insert(t, &p, make_tag, &made);
		assert_non_null(v);
		assert_ptr_equal(v, rib_table_get(t, &p));
	}
	/* 10.0.0.0/24 came twice: created once. 10.0.0.0/23 is a glue node
	 * when asked for, and becomes a route. */
	assert_int_equal(made, 6);
	assert_int_equal(rib_table_count(t), 6);
	struct bgp_prefix p = P("10.0.0.0/24");
	assert_int_equal(*(int *)rib_table_get(t, &p), 1000);
	rib_table_free(t, free_tag, NULL);
}

/* Values inside the route nodes: zeroed when added, found again at the
 * same address while thousands of other prefixes come and go (glue nodes
 * turning into route nodes and back), and they know their prefix. */
struct inl {
	uint64_t tag;
	uint32_t more[5];
};

static void test_inline_values(void **state)
{
	struct rib_table *t = rib_table_new_inline(AF_INET, sizeof(struct inl));
	struct bgp_prefix p = P("10.1.0.0/16"), q, back;
	bool added;

	assert_null(rib_table_get_or_insert(t, &p, make_tag, NULL)); /* wrong kind */
	struct inl *v = rib_table_get_or_add(t, &p, &added);
	assert_non_null(v);
	assert_true(added);
	assert_int_equal(v->tag, 0);
	v->tag = 0xfeed;
	assert_ptr_equal(rib_table_get_or_add(t, &p, &added), v);
	assert_false(added);
	for (unsigned i = 0; i < 20000; i++) { /* around and below p */
		q = P("10.0.0.0/24");
		q.addr[1] = (uint8_t)(i >> 8);
		q.addr[2] = (uint8_t)i;
		struct inl *w = rib_table_get_or_add(t, &q, &added);
		assert_non_null(w);
		if (added)
			w->tag = i;
	}
	q = P("10.1.0.0/15"); /* a covering glue position becomes a route node */
	assert_non_null(rib_table_get_or_add(t, &q, &added));
	assert_true(added);
	for (unsigned i = 0; i < 20000; i += 2) {
		q = P("10.0.0.0/24");
		q.addr[1] = (uint8_t)(i >> 8);
		q.addr[2] = (uint8_t)i;
		assert_non_null(rib_table_remove(t, &q));
	}
	assert_ptr_equal(rib_table_get(t, &p), v);
	assert_int_equal(v->tag, 0xfeed);
	rib_table_value_prefix(AF_INET, v, &back);
	assert_memory_equal(&back, &p, sizeof(p));
	q = P("10.0.78.0/24"); /* i = 78: even, removed */
	assert_null(rib_table_get(t, &q));
	q = P("10.0.79.0/24");
	struct inl *w = rib_table_get(t, &q);
	assert_non_null(w);
	assert_int_equal(w->tag, 79);
	assert_non_null(rib_table_remove(t, &p));
	assert_null(rib_table_get(t, &p));
	/* Re-added: zeroed again. */
	v = rib_table_get_or_add(t, &p, &added);
	assert_true(added);
	assert_int_equal(v->tag, 0);
	rib_table_free(t, NULL, NULL);

	t = rib_table_new_inline(AF_INET6, sizeof(struct inl));
	p = P("2001:db8::/32");
	v = rib_table_get_or_add(t, &p, &added);
	rib_table_value_prefix(AF_INET6, v, &back);
	assert_memory_equal(&back, &p, sizeof(p));
	rib_table_free(t, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_v4),
		cmocka_unit_test(test_basic_v6),
		cmocka_unit_test(test_walk_order),
		cmocka_unit_test(test_free_values),
		cmocka_unit_test(test_random_v4),
		cmocka_unit_test(test_random_v6),
		cmocka_unit_test(test_random_inline_v4),
		cmocka_unit_test(test_random_inline_v6),
		cmocka_unit_test(test_inline_values),
		cmocka_unit_test(test_get_or_insert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
