/* Unit tests: AS_PATH helpers and the RFC 6793 AS4_PATH merge
 * (bgpd/aspath.c). */
#include "tests/unit/wire_test.h"
#include "bgpd/wire_int.h"

static void test_str_all_segments(void **state)
{
	uint8_t ap[128];
	char buf[128];
	size_t n = hex("02 02 0000fde9 0000fdea"   /* 65001 65002 */
		       "01 02 00000001 00000002"   /* {1 2} */
		       "03 02 0000ff45 0000ff46"   /* (65349 65350) */
		       "04 01 0000ff47", ap);	   /* [65351] */

	assert_string_equal(aspath_str(ap, n, buf, sizeof(buf)),
			    "65001 65002 {1 2} (65349 65350) [65351]");
	assert_int_equal(aspath_length(ap, n), 3); /* seq 2 + set 1 + confed 0 */
	assert_true(aspath_contains(ap, n, 65350));
	assert_false(aspath_contains(ap, n, 3));
	assert_int_equal(aspath_first_as(ap, n), 65001);
	assert_string_equal(aspath_str(NULL, 0, buf, sizeof(buf)), "");
	assert_string_equal(aspath_str(ap, n, buf, 8), "65001 6");
}

static void test_first_as_skips_confed(void **state)
{
	uint8_t ap[32];
	size_t n = hex("03 01 0000ff45 02 01 fa56ea00", ap);

	assert_int_equal(aspath_first_as(ap, n), 4200000000u);
	n = hex("03 01 0000ff45", ap);
	assert_int_equal(aspath_first_as(ap, n), 0);
}

static void test_prepend(void **state)
{
	uint8_t ap[1200], out[1200];
	char buf[64];
	size_t n;

	/* Merge into a leading AS_SEQUENCE. */
	n = hex("02 01 0000fde9", ap);
	n = aspath_prepend(out, sizeof(out), ap, n, AS_SEQUENCE, 65000);
	assert_int_equal(n, 10);
	assert_string_equal(aspath_str(out, n, buf, sizeof(buf)), "65000 65001");
	/* New segment in front of a different type, in place. */
	n = aspath_prepend(out, sizeof(out), out, n, AS_CONFED_SEQUENCE, 65301);
	assert_int_equal(n, 16);
	assert_string_equal(aspath_str(out, n, buf, sizeof(buf)), "(65301) 65000 65001");
	/* Empty path. */
	n = aspath_prepend(out, sizeof(out), NULL, 0, AS_SEQUENCE, 7);
	assert_hex(out, n, "02 01 00000007");
	/* Too small. */
	assert_int_equal(aspath_prepend(out, 9, ap, 6, AS_SEQUENCE, 1), 0);
	/* A full segment (255 ASNs) starts a new one. */
	ap[0] = AS_SEQUENCE;
	ap[1] = 255;
	memset(ap + 2, 0, 255 * 4);
	n = aspath_prepend(out, sizeof(out), ap, 2 + 255 * 4, AS_SEQUENCE, 9);
	assert_int_equal(n, 2 + 255 * 4 + 6);
	assert_int_equal(out[1], 1);
	assert_int_equal(aspath_length(out, n), 256);
}

static void test_strip_confed(void **state)
{
	uint8_t ap[64], out[64];
	char buf[64];
	size_t n = hex("03 01 0000ff45 04 01 0000ff46 02 01 0000fde9", ap);

	n = aspath_strip_confed(out, sizeof(out), ap, n);
	assert_string_equal(aspath_str(out, n, buf, sizeof(buf)), "65001");
	n = aspath_strip_confed(out, sizeof(out), out, n); /* nothing to strip, in place */
	assert_int_equal(n, 6);
}

static void test_wire_valid(void **state)
{
	uint8_t ap[64];
	bool confed;

	assert_true(aspath_wire_valid(ap, hex("02 02 fde9 fdea", ap), 2, &confed));
	assert_false(confed);
	assert_true(aspath_wire_valid(ap, hex("03 01 ff45", ap), 2, &confed));
	assert_true(confed);
	assert_false(aspath_wire_valid(ap, hex("02 00", ap), 2, &confed));	/* empty segment */
	assert_false(aspath_wire_valid(ap, hex("05 01 0001", ap), 2, &confed)); /* bad type */
	assert_false(aspath_wire_valid(ap, hex("02 02 0001", ap), 2, &confed)); /* truncated */
	assert_false(aspath_wire_valid(ap, hex("02 01 0001 02", ap), 2, &confed));
	assert_true(aspath_wire_valid(ap, 0, 4, &confed));
	/* RFC 7607 2: AS 0 in any segment, either width. */
	assert_true(aspath_wire_has_as0(ap, hex("02 02 fde9 0000", ap), 2));
	assert_true(aspath_wire_has_as0(ap, hex("02 01 0000fde9 04 01 00000000", ap), 4));
	assert_false(aspath_wire_has_as0(ap, hex("02 02 0000fde9 00010000", ap), 4));
	assert_false(aspath_wire_has_as0(ap, 0, 4));
}

static void test_widen_and_narrow(void **state)
{
	uint8_t ap[64], wide[128], out[64];
	struct wbuf w = wbuf_make(out, sizeof(out));
	size_t n = hex("02 02 fde9 5ba0 01 01 0001", ap);

	n = aspath_widen(ap, n, wide);
	assert_hex(wide, n, "02 02 0000fde9 00005ba0 01 01 00000001");
	n = hex("02 02 0000fde9 fa56ea00 03 01 0000ff45", wide);
	assert_true(aspath_has_wide_asn(wide, n));
	assert_int_equal(aspath_size2(wide, n), 10);
	aspath_put2(&w, wide, n);
	assert_hex(out, w.len, "02 02 fde9 5ba0 03 01 ff45");
	w = wbuf_make(out, sizeof(out));
	assert_int_equal(aspath_size_noconfed(wide, n), 10);
	aspath_put_noconfed(&w, wide, n);
	assert_hex(out, w.len, "02 02 0000fde9 fa56ea00");
}

/* RFC 6793 4.2.3: leading ASNs of AS_PATH, then AS4_PATH. */
static void test_merge_as4(void **state)
{
	uint8_t ap[64], as4[64], out[128];
	char buf[128];
	size_t n, m, r;

	/* AS_PATH 65001 23456 23456, AS4_PATH 4200000000 4200000001 */
	n = hex("02 03 0000fde9 00005ba0 00005ba0", ap);
	m = hex("02 02 fa56ea00 fa56ea01", as4);
	r = aspath_merge_as4(out, sizeof(out), ap, n, as4, m);
	assert_string_equal(aspath_str(out, r, buf, sizeof(buf)), "65001 4200000000 4200000001");
	assert_hex(out, r, "02 03 0000fde9 fa56ea00 fa56ea01"); /* one segment */

	/* AS4_PATH longer than AS_PATH: ignored. */
	n = hex("02 01 00005ba0", ap);
	assert_int_equal(aspath_merge_as4(out, sizeof(out), ap, n, as4, m), SIZE_MAX);

	/* Confed segments are kept, sets count as one. */
	n = hex("03 01 0000ff45 02 01 0000fde9 01 02 00005ba0 00000005", ap);
	m = hex("01 02 fa56ea00 00000005", as4);
	r = aspath_merge_as4(out, sizeof(out), ap, n, as4, m);
	assert_string_equal(aspath_str(out, r, buf, sizeof(buf)),
			    "(65349) 65001 {4200000000 5}");

	/* Equal lengths: AS4_PATH replaces the path. */
	n = hex("02 02 00005ba0 0000fde9", ap);
	m = hex("02 02 fa56ea00 0000fde9", as4);
	r = aspath_merge_as4(out, sizeof(out), ap, n, as4, m);
	assert_string_equal(aspath_str(out, r, buf, sizeof(buf)), "4200000000 65001");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_all_segments), cmocka_unit_test(test_first_as_skips_confed),
		cmocka_unit_test(test_prepend),		 cmocka_unit_test(test_strip_confed),
		cmocka_unit_test(test_wire_valid),	 cmocka_unit_test(test_widen_and_narrow),
		cmocka_unit_test(test_merge_as4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
