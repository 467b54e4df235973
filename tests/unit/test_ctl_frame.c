/* Control protocol framing (bgpd/ctl_frame.c): requests and responses survive
 * pack -> frame -> check -> unpack, and bad lengths are caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bgpd/control.h"
#include "bgpd/control.pb-c.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_request_round_trip(void **state)
{
	Closbgp__Ctl__Request q = CLOSBGP__CTL__REQUEST__INIT;
	Closbgp__Ctl__ShowRoutesRequest sr = CLOSBGP__CTL__SHOW_ROUTES_REQUEST__INIT;
	Closbgp__Ctl__Request *out;
	size_t len, blen;
	uint8_t *frame;

	sr.prefix = "10.1.0.0/24";
	sr.peer = "10.0.0.2";
	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES;
	q.show_routes = &sr;
	frame = ctl_frame_pack(&q.base, &len);
	assert_non_null(frame);
	assert_int_equal(be32(frame), len - 4);
	assert_int_equal(ctl_frame_check(frame, len, &blen), 1);
	assert_int_equal(blen, len - 4);
	/* every shorter prefix of the frame is "need more" */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(ctl_frame_check(frame, i, &blen), 0);
	out = closbgp__ctl__request__unpack(NULL, blen, frame + 4);
	assert_non_null(out);
	assert_int_equal(out->req_case, CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES);
	assert_string_equal(out->show_routes->prefix, "10.1.0.0/24");
	assert_string_equal(out->show_routes->peer, "10.0.0.2");
	closbgp__ctl__request__free_unpacked(out, NULL);
	free(frame);
}

/* Scalar-with-presence fields (MED, LOCAL_PREF) keep "absent" apart from 0. */
static void test_response_presence(void **state)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__RouteList rl = CLOSBGP__CTL__ROUTE_LIST__INIT;
	Closbgp__Ctl__Route a = CLOSBGP__CTL__ROUTE__INIT, b = CLOSBGP__CTL__ROUTE__INIT;
	Closbgp__Ctl__Uint32Value med = CLOSBGP__CTL__UINT32_VALUE__INIT;
	Closbgp__Ctl__Route *routes[] = { &a, &b };
	uint32_t comms[] = { 65000u << 16 | 1, 0xFFFFFF01 };
	Closbgp__Ctl__Response *out;
	size_t len, blen;
	uint8_t *frame;

	med.value = 0;
	a.prefix = "10.0.0.0/8";
	a.med = &med;
	a.communities = comms;
	a.n_communities = 2;
	b.prefix = "2001:db8::/32";
	b.origin = CLOSBGP__CTL__ORIGIN__INCOMPLETE;
	rl.routes = routes;
	rl.n_routes = 2;
	rl.last = true;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES;
	r.routes = &rl;
	frame = ctl_frame_pack(&r.base, &len);
	assert_int_equal(ctl_frame_check(frame, len, &blen), 1);
	out = closbgp__ctl__response__unpack(NULL, blen, frame + 4);
	assert_non_null(out);
	assert_int_equal(out->payload_case, CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES);
	assert_true(out->routes->last);
	assert_int_equal(out->routes->n_routes, 2);
	assert_non_null(out->routes->routes[0]->med);
	assert_int_equal(out->routes->routes[0]->med->value, 0);
	assert_null(out->routes->routes[0]->local_pref);
	assert_int_equal(out->routes->routes[0]->n_communities, 2);
	assert_int_equal(out->routes->routes[0]->communities[1], 0xFFFFFF01);
	assert_null(out->routes->routes[1]->med);
	assert_int_equal(out->routes->routes[1]->origin, CLOSBGP__CTL__ORIGIN__INCOMPLETE);
	closbgp__ctl__response__free_unpacked(out, NULL);
	free(frame);
}

static void test_bad_lengths(void **state)
{
	uint8_t big[4] = { 0x00, 0x10, 0x00, 0x01 }; /* 1 MiB + 1 */
	uint8_t max[4] = { 0x00, 0x10, 0x00, 0x00 }; /* exactly 1 MiB: wait for it */
	uint8_t empty[4] = { 0, 0, 0, 0 };
	size_t blen = 99;

	assert_int_equal(ctl_frame_check(big, sizeof(big), &blen), -1);
	assert_int_equal(ctl_frame_check(max, sizeof(max), &blen), 0);
	assert_int_equal(ctl_frame_check(empty, sizeof(empty), &blen), 1);
	assert_int_equal(blen, 0);
	/* garbage does not decode as a Request */
	uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_null(closbgp__ctl__request__unpack(NULL, sizeof(junk), junk));
}

static void test_pack_too_large(void **state)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	size_t n = CTL_MAX_MSG + 1, len = 0;
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, 'x', n);
	s[n] = '\0';
	r.error = s;
	assert_null(ctl_frame_pack(&r.base, &len));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_response_presence),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_pack_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
