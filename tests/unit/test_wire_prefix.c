/* Unit tests: prefix text parsing/printing, ordering (bgpd/prefix.c). */
#include <arpa/inet.h>

#include "tests/unit/wire_test.h"

static void test_parse_good(void **state)
{
	struct bgp_prefix p;
	char buf[64];

	assert_int_equal(bgp_prefix_parse("10.1.0.0/16", &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 16);
	assert_int_equal(p.addr[0], 10);
	assert_int_equal(p.addr[1], 1);
	assert_string_equal(bgp_prefix_str(&p, buf, sizeof(buf)), "10.1.0.0/16");

	assert_int_equal(bgp_prefix_parse("2001:db8::/32", &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.len, 32);
	assert_string_equal(bgp_prefix_str(&p, buf, sizeof(buf)), "2001:db8::/32");

	assert_int_equal(bgp_prefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(bgp_prefix_parse("192.0.2.1", &p), 0); /* host route */
	assert_int_equal(p.len, 32);
	assert_int_equal(bgp_prefix_parse("::1", &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(bgp_prefix_parse("10.0.0.0/008", &p), 0);
	assert_int_equal(p.len, 8);
}

static void test_parse_bad(void **state)
{
	static const char *bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8x", "10.0.0.0/-1",
		"10.0.0.0/ 8", "10.0.0.0/+8", "1.2.3/8", "::/129", "abc", "10.0.0.0/1000",
		"10.0.0.1/8", /* host bits */ "2001:db8::1/64", "10.0.0.0/8/8",
	};
	struct bgp_prefix p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bgp_prefix_parse(bad[i], &p) != -1)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_str_truncates(void **state)
{
	struct bgp_prefix p;
	char buf[6];

	assert_int_equal(bgp_prefix_parse("10.1.0.0/16", &p), 0);
	assert_string_equal(bgp_prefix_str(&p, buf, sizeof(buf)), "10.1.");
}

static void test_cmp(void **state)
{
	struct bgp_prefix a, b;

	bgp_prefix_parse("10.0.0.0/8", &a);
	bgp_prefix_parse("10.0.0.0/16", &b);
	assert_int_equal(bgp_prefix_cmp(&a, &b), -1);
	assert_int_equal(bgp_prefix_cmp(&b, &a), 1);
	assert_int_equal(bgp_prefix_cmp(&a, &a), 0);
	bgp_prefix_parse("9.0.0.0/8", &b);
	assert_int_equal(bgp_prefix_cmp(&a, &b), 1);
	bgp_prefix_parse("::/0", &b);
	assert_int_equal(bgp_prefix_cmp(&a, &b), -1); /* IPv4 sorts first */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_str_truncates),
		cmocka_unit_test(test_cmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
