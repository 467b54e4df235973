/* The path slab (rib/slab.c): objects are distinct and writable, freed
 * ones are handed out again before any new chunk, counts stay exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rib/slab.h"

struct obj {
	void *a, *b, *c;
};

static void test_alloc_free_reuse(void **state)
{
	enum { N = 5000 };
	static struct obj *v[N];
	struct slab s;

	(void)state;
	slab_init(&s, sizeof(struct obj));
	assert_int_equal(s.size, sizeof(struct obj));
	for (int i = 0; i < N; i++) {
		v[i] = slab_alloc(&s);
		assert_non_null(v[i]);
		v[i]->a = v[i]->b = v[i]->c = &v[i];
	}
	assert_int_equal(s.live, N);
	size_t bytes = s.bytes;
	assert_true(bytes >= N * sizeof(struct obj));
	for (int i = 0; i < N; i++) /* distinct, nothing overwritten */
		assert_ptr_equal(v[i]->a, &v[i]);
	for (int i = 0; i < N; i += 2)
		slab_free(&s, v[i]);
	assert_int_equal(s.live, N / 2);
	for (int i = 0; i < N; i += 2) { /* the freed ones come back, no new chunk */
		v[i] = slab_alloc(&s);
		assert_non_null(v[i]);
		v[i]->a = &v[i];
	}
	assert_int_equal(s.bytes, bytes);
	assert_int_equal(s.live, N);
	for (int i = 1; i < N; i += 2)
		assert_ptr_equal(v[i]->c, &v[i]);
	slab_destroy(&s);
	assert_int_equal(s.bytes, 0);
	assert_int_equal(s.live, 0);
}

/* Randomized churn: live count matches a reference and memory stays at
 * what the peak needed. */
static void test_churn_is_flat(void **state)
{
	enum { N = 3000 };
	static struct obj *v[N];
	struct slab s;
	uint32_t r = 1;
	size_t live = 0, peak_bytes = 0;

	(void)state;
	memset(v, 0, sizeof(v));
	slab_init(&s, 20); /* rounded up to pointer alignment */
	assert_int_equal(s.size % sizeof(void *), 0);
	for (int round = 0; round < 20; round++) {
		for (int step = 0; step < 20000; step++) {
			r = r * 1103515245u + 12345u;
			int i = (int)((r >> 8) % N);
			if (v[i]) {
				slab_free(&s, v[i]);
				v[i] = NULL;
				live--;
			} else {
				v[i] = slab_alloc(&s);
				assert_non_null(v[i]);
				live++;
			}
			assert_int_equal(s.live, live);
		}
		if (round == 0)
			peak_bytes = s.bytes;
	}
	/* N objects at most ever live: never more chunks than N needs. */
	assert_true(s.bytes <= (N / s.per_chunk + 1) * (s.per_chunk * s.size + 64));
	assert_true(peak_bytes <= s.bytes);
	slab_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_free_reuse),
		cmocka_unit_test(test_churn_is_flat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
