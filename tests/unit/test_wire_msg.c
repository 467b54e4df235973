/* Unit tests: header, OPEN/capabilities, KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH, End-of-RIB and names (bgpd/msg.c), byte vectors both ways. */
#include <arpa/inet.h>

#include "tests/unit/wire_test.h"

#define MARKER "ffffffffffffffffffffffffffffffff"

static enum bgp_verdict hdr(const char *h, uint16_t *len, uint8_t *type, struct bgp_error *err)
{
	uint8_t b[BGP_HDR_LEN];

	assert_int_equal(hex(h, b), BGP_HDR_LEN);
	return bgp_header_decode(b, len, type, err);
}

static void test_header(void **state)
{
	struct bgp_error err;
	uint16_t len;
	uint8_t type;

	assert_int_equal(hdr(MARKER "0013 04", &len, &type, &err), BGP_OK);
	assert_int_equal(len, 19);
	assert_int_equal(type, BGP_KEEPALIVE);
	assert_int_equal(hdr(MARKER "1000 02", &len, &type, &err), BGP_OK);

	assert_int_equal(hdr("fe" MARKER "0013", &len, &type, &err) /* marker */,
			 BGP_SESSION_RESET);
	assert_int_equal(err.code, 1);
	assert_int_equal(err.subcode, 1);

	assert_int_equal(hdr(MARKER "1001 02", &len, &type, &err), BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 2);
	assert_hex(err.data, err.data_len, "1001");
	assert_int_equal(hdr(MARKER "0012 04", &len, &type, &err), BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 2);
	/* Per-type minimums (RFC 4271 6.1). */
	static const char *const short_msgs[] = {
		MARKER "001c 01", MARKER "0016 02", MARKER "0014 03", MARKER "0014 04",
		MARKER "0016 05",
	};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(hdr(short_msgs[i], &len, &type, &err), BGP_SESSION_RESET);
		assert_int_equal(err.code, 1);
		assert_int_equal(err.subcode, 2);
		assert_int_equal(err.data_len, 2);
		assert_int_equal(err.data[0] << 8 | err.data[1], len);
	}
	assert_int_equal(hdr(MARKER "0013 06", &len, &type, &err), BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 3);
	assert_hex(err.data, err.data_len, "06");
}

static void test_keepalive(void **state)
{
	uint8_t out[64];

	assert_hex(out, bgp_keepalive_encode(out, sizeof(out)), MARKER "0013 04");
	assert_int_equal(bgp_keepalive_encode(out, 18), 0);
}

static void test_open_encode(void **state)
{
	struct bgp_open o = { .version = 4, .asn = 65001, .hold_time = 180,
			      .bgp_id = 0x0a000001 };
	uint8_t out[256];

	o.caps.mp_ipv4 = o.caps.mp_ipv6 = o.caps.route_refresh = o.caps.as4 = true;
	o.caps.as4_asn = 65001;
	assert_hex(out, bgp_open_encode(out, sizeof(out), &o),
		   MARKER "0039 01 04 fde9 00b4 0a000001 1c"
		   "02 06 01 04 0001 00 01"
		   "02 06 01 04 0002 00 01"
		   "02 02 02 00"
		   "02 06 41 04 0000fde9");
	assert_int_equal(bgp_open_encode(out, 40, &o), 0);
}

/* 4-octet ASN: AS_TRANS in My AS (RFC 6793 4.1); GR capability. */
static void test_open_encode_as4_gr(void **state)
{
	struct bgp_open o = { .asn = 4200000000u, .hold_time = 30, .bgp_id = 0x0a000002 };
	struct bgp_open d;
	struct bgp_error err;
	uint8_t out[256];
	size_t n;

	o.caps.as4 = true;
	o.caps.gr = true;
	o.caps.gr_flags = 0x8000;
	o.caps.gr_time = 120;
	o.caps.gr_nafi = 1;
	o.caps.gr_afi[0].afi = AFI_IPV4;
	o.caps.gr_afi[0].safi = SAFI_UNICAST;
	o.caps.gr_afi[0].flags = 0x80;
	n = bgp_open_encode(out, sizeof(out), &o);
	assert_hex(out, n,
		   MARKER "002f 01 04 5ba0 001e 0a000002 12"
		   "02 06 41 04 fa56ea00"
		   "02 08 40 06 8078 0001 01 80");
	struct rbuf body = rbuf_make(out + BGP_HDR_LEN, n - BGP_HDR_LEN);
	assert_int_equal(bgp_open_decode(&body, &d, &err), BGP_OK);
	assert_int_equal(d.my_as, BGP_AS_TRANS);
	assert_int_equal(d.asn, 4200000000u);
	assert_true(d.caps.gr);
	assert_int_equal(d.caps.gr_flags, 0x8000);
	assert_int_equal(d.caps.gr_time, 120);
	assert_int_equal(d.caps.gr_nafi, 1);
	assert_int_equal(d.caps.gr_afi[0].afi, AFI_IPV4);
	assert_int_equal(d.caps.gr_afi[0].flags, 0x80);
	assert_false(d.caps.mp_seen);
}

static enum bgp_verdict open_dec(const char *body_hex, struct bgp_open *o,
				 struct bgp_error *err)
{
	uint8_t b[BGP_MAX_MSG];
	struct rbuf r = rbuf_make(b, hex(body_hex, b));

	return bgp_open_decode(&r, o, err);
}

/* An OPEN as FRR 8.4 sends it: one capability per parameter, several we
 * do not know (enhanced route refresh, add-path, FQDN, LLGR) to ignore. */
static void test_open_decode_frr(void **state)
{
	struct bgp_open o;
	struct bgp_error err;

	assert_int_equal(open_dec("04 fdea 00b4 0a000002 40"
				  "02 06 01 04 0001 00 01"
				  "02 06 01 04 0002 00 01"
				  "02 02 80 00"
				  "02 02 02 00"
				  "02 02 46 00"
				  "02 06 41 04 0000fdea"
				  "02 06 45 04 0001 01 01"
				  "02 08 49 06 04 6c656166 00"
				  "02 04 40 02 40 78"
				  "02 02 47 00",
				  &o, &err),
			 BGP_OK);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, 65002);
	assert_int_equal(o.asn, 65002);
	assert_int_equal(o.hold_time, 180);
	assert_int_equal(o.bgp_id, 0x0a000002);
	assert_true(o.caps.mp_seen);
	assert_true(o.caps.mp_ipv4);
	assert_true(o.caps.mp_ipv6);
	assert_true(o.caps.route_refresh);
	assert_true(o.caps.as4);
	assert_int_equal(o.caps.as4_asn, 65002);
	assert_true(o.caps.gr);
	assert_int_equal(o.caps.gr_flags, 0x4000);
	assert_int_equal(o.caps.gr_time, 120);
	assert_int_equal(o.caps.gr_nafi, 0);
}

/* BIRD style: all capabilities in one parameter; RFC 9072 extended form. */
static void test_open_decode_forms(void **state)
{
	struct bgp_open o;
	struct bgp_error err;

	assert_int_equal(open_dec("04 5ba0 005a c0000201 10"
				  "02 0e 01 04 0001 00 01 02 00 41 04 fa56ea00",
				  &o, &err),
			 BGP_OK);
	assert_int_equal(o.asn, 4200000000u);
	assert_true(o.caps.mp_ipv4 && !o.caps.mp_ipv6 && o.caps.route_refresh);

	assert_int_equal(open_dec("04 fde9 0000 0a000001 ff ff 000b 02 0008"
				  "01 04 0002 00 01 02 00",
				  &o, &err),
			 BGP_OK);
	assert_true(o.caps.mp_ipv6 && o.caps.route_refresh && !o.caps.mp_ipv4);
	assert_int_equal(o.hold_time, 0);

	/* No optional parameters at all. */
	assert_int_equal(open_dec("04 fde9 0003 0a000001 00", &o, &err), BGP_OK);
	assert_false(o.caps.as4);
	assert_int_equal(o.asn, 65001);
}

static void test_open_decode_errors(void **state)
{
	struct bgp_open o;
	struct bgp_error err;

	assert_int_equal(open_dec("03 fde9 00b4 0a000001 00", &o, &err), BGP_SESSION_RESET);
	assert_int_equal(err.code, 2);
	assert_int_equal(err.subcode, 1);
	assert_hex(err.data, err.data_len, "0004");

	assert_int_equal(open_dec("04 fde9 0001 0a000001 00", &o, &err), BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 6);
	assert_int_equal(open_dec("04 fde9 0002 0a000001 00", &o, &err), BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 6);

	assert_int_equal(open_dec("04 fde9 00b4 00000000 00", &o, &err), BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 3);

	/* Parameter type 1 (authentication, deprecated): unsupported. */
	assert_int_equal(open_dec("04 fde9 00b4 0a000001 03 01 01 00", &o, &err),
			 BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 4);

	/* Capability overruns its parameter: malformed -> Unspecific. */
	assert_int_equal(open_dec("04 fde9 00b4 0a000001 04 02 02 41 04", &o, &err),
			 BGP_SESSION_RESET);
	assert_int_equal(err.code, 2);
	assert_int_equal(err.subcode, 0);
	/* Parameter length beyond the message; trailing junk. */
	assert_int_equal(open_dec("04 fde9 00b4 0a000001 08 02 06 01 04", &o, &err),
			 BGP_SESSION_RESET);
	assert_int_equal(err.subcode, 0);
	assert_int_equal(open_dec("04 fde9 00b4 0a000001 00 00", &o, &err), BGP_SESSION_RESET);
	/* Truncated fixed part. */
	assert_int_equal(open_dec("04 fde9 00b4", &o, &err), BGP_SESSION_RESET);
	assert_int_equal(err.code, 1);
}

/* RFC 4271 6.1, every case with its subcode and data: the marker (no
 * data), the length outside 19..4096 or below the type's minimum (the
 * Length field), an unknown type (the Type field). */
static void test_header_errors_data(void **state)
{
	static const struct {
		const char *hdr;
		uint8_t subcode;
		const char *data;
	} cases[] = {
		{ "ffffffffffffffffffffffffffff00ff 0013 04", BGP_HDR_NOT_SYNC, "" },
		{ MARKER "0000 04", BGP_HDR_BAD_LEN, "0000" },
		{ MARKER "0012 04", BGP_HDR_BAD_LEN, "0012" },
		{ MARKER "1001 02", BGP_HDR_BAD_LEN, "1001" },
		{ MARKER "ffff 02", BGP_HDR_BAD_LEN, "ffff" },
		{ MARKER "001c 01", BGP_HDR_BAD_LEN, "001c" }, /* OPEN < 29 */
		{ MARKER "0016 02", BGP_HDR_BAD_LEN, "0016" }, /* UPDATE < 23 */
		{ MARKER "0014 03", BGP_HDR_BAD_LEN, "0014" }, /* NOTIFICATION < 21 */
		{ MARKER "0014 04", BGP_HDR_BAD_LEN, "0014" }, /* KEEPALIVE != 19 */
		{ MARKER "1000 04", BGP_HDR_BAD_LEN, "1000" },
		{ MARKER "0013 00", BGP_HDR_BAD_TYPE, "00" },
		{ MARKER "0013 07", BGP_HDR_BAD_TYPE, "07" },
		{ MARKER "0013 ff", BGP_HDR_BAD_TYPE, "ff" },
	};
	struct bgp_error err;
	uint16_t len;
	uint8_t type;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].hdr);
		assert_int_equal(hdr(cases[i].hdr, &len, &type, &err), BGP_SESSION_RESET);
		assert_int_equal(err.code, BGP_ERR_HEADER);
		assert_int_equal(err.subcode, cases[i].subcode);
		assert_hex(err.data, err.data_len, cases[i].data);
	}
	/* The largest message and the smallest of each type pass. */
	assert_int_equal(hdr(MARKER "1000 02", &len, &type, &err), BGP_OK);
	assert_int_equal(hdr(MARKER "001d 01", &len, &type, &err), BGP_OK);
	assert_int_equal(hdr(MARKER "0015 03", &len, &type, &err), BGP_OK);
}

/* RFC 4271 6.2 (RFC 6286 2.2, RFC 5492 3, RFC 9072), every OPEN case the
 * decoder owns with its subcode and data; the peer AS check (2/2) and the
 * internal peer's identifier (2/3) need the configuration: bgpd/peer.c. */
static void test_open_errors_data(void **state)
{
	static const struct {
		const char *body;
		uint8_t code, subcode;
		const char *data;
	} cases[] = {
		/* Version: the data is our version, 4, whichever was bid. */
		{ "03 fde9 00b4 0a000001 00", 2, BGP_OPEN_BAD_VERSION, "0004" },
		{ "05 fde9 00b4 0a000001 00", 2, BGP_OPEN_BAD_VERSION, "0004" },
		{ "00 fde9 00b4 0a000001 00", 2, BGP_OPEN_BAD_VERSION, "0004" },
		/* Hold time 1 and 2 MUST be refused. */
		{ "04 fde9 0001 0a000001 00", 2, BGP_OPEN_BAD_HOLD, "" },
		{ "04 fde9 0002 0a000001 00", 2, BGP_OPEN_BAD_HOLD, "" },
		/* BGP Identifier 0. */
		{ "04 fde9 00b4 00000000 00", 2, BGP_OPEN_BAD_BGP_ID, "" },
		/* Optional parameter type 1 (authentication, deprecated), 3. */
		{ "04 fde9 00b4 0a000001 03 01 01 00", 2, BGP_OPEN_UNSUP_PARAM, "" },
		{ "04 fde9 00b4 0a000001 02 03 00", 2, BGP_OPEN_UNSUP_PARAM, "" },
		/* Recognized but malformed: Unspecific (0). */
		{ "04 fde9 00b4 0a000001 04 02 02 41 04", 2, 0, "" },
		{ "04 fde9 00b4 0a000001 03 02 01 41", 2, 0, "" },
		{ "04 fde9 00b4 0a000001 01 02", 2, 0, "" },
		{ "04 fde9 00b4 0a000001 08 02 06 01 04", 2, 0, "" },
		{ "04 fde9 00b4 0a000001 00 00", 2, 0, "" },
		{ "04 fde9 00b4 0a000001 ff ff 0010 02 0004", 2, 0, "" }, /* RFC 9072 overrun */
	};
	struct bgp_open o;
	struct bgp_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].body);
		assert_int_equal(open_dec(cases[i].body, &o, &err), BGP_SESSION_RESET);
		assert_int_equal(err.code, cases[i].code);
		assert_int_equal(err.subcode, cases[i].subcode);
		assert_hex(err.data, err.data_len, cases[i].data);
		assert_true(err.reason[0] != '\0');
	}
}

/* What the decoder accepts: hold time 0 and 3; unknown capabilities and
 * known ones of the wrong size are ignored (RFC 5492 3); an identifier
 * that is not a host address is fine (RFC 6286 2.2); AS 0 decodes (the
 * peer AS check refuses it, RFC 7607 3). */
static void test_open_accepted(void **state)
{
	struct bgp_open o;
	struct bgp_error err;

	assert_int_equal(open_dec("04 fde9 0000 0a000001 00", &o, &err), BGP_OK);
	assert_int_equal(open_dec("04 fde9 0003 ffffffff 00", &o, &err), BGP_OK);
	assert_int_equal(o.hold_time, 3);
	assert_int_equal(open_dec("04 fde9 00b4 0a000001 0c 02 02 99 00 02 06 41 02 0000 01 00",
				  &o, &err), BGP_OK);
	assert_false(o.caps.as4);
	assert_int_equal(o.asn, 65001);
	assert_int_equal(open_dec("04 0000 00b4 0a000001 08 02 06 41 04 00000000", &o, &err),
			 BGP_OK);
	assert_int_equal(o.asn, 0);
	assert_int_equal(open_dec("04 fde9 00b4 0a000001 07 02 05 01 03 0002 00", &o, &err), BGP_OK);
	assert_false(o.caps.mp_ipv6);
}

static void test_notification(void **state)
{
	struct bgp_notification n;
	struct bgp_error err;
	uint8_t out[BGP_MAX_MSG + 16], big[BGP_MAX_MSG];
	size_t len;

	len = bgp_notification_encode(out, sizeof(out), 6, 2, (const uint8_t *)"bye", 3);
	assert_hex(out, len, MARKER "0018 03 06 02 627965");
	struct rbuf body = rbuf_make(out + BGP_HDR_LEN, len - BGP_HDR_LEN);
	assert_int_equal(bgp_notification_decode(&body, &n, &err), BGP_OK);
	assert_int_equal(n.code, 6);
	assert_int_equal(n.subcode, 2);
	assert_int_equal(n.data_len, 3);
	assert_memory_equal(n.data, "bye", 3);

	/* Data clipped to the largest message. */
	memset(big, 0xab, sizeof(big));
	len = bgp_notification_encode(out, sizeof(out), 3, 1, big, sizeof(big));
	assert_int_equal(len, BGP_MAX_MSG);

	body = rbuf_make(out, 1);
	assert_int_equal(bgp_notification_decode(&body, &n, &err), BGP_SESSION_RESET);
}

static void test_err_str(void **state)
{
	assert_string_equal(bgp_err_str(2, 2), "OPEN Message Error/Bad Peer AS");
	assert_string_equal(bgp_err_str(6, 2), "Cease/Administrative Shutdown");
	assert_string_equal(bgp_err_str(3, 1), "UPDATE Message Error/Malformed Attribute List");
	assert_string_equal(bgp_err_str(1, 1), "Message Header Error/Connection Not Synchronized");
	assert_string_equal(bgp_err_str(4, 0), "Hold Timer Expired");
	assert_string_equal(bgp_err_str(6, 99), "Cease");
	assert_string_equal(bgp_err_str(99, 1), "Unknown Error");
	assert_string_equal(bgp_msg_type_str(BGP_ROUTE_REFRESH), "ROUTE-REFRESH");
	assert_string_equal(bgp_msg_type_str(9), "UNKNOWN");
}

static void test_refresh(void **state)
{
	uint8_t out[64];
	uint16_t afi;
	uint8_t safi;
	struct bgp_error err;
	size_t len = bgp_refresh_encode(out, sizeof(out), AFI_IPV6, SAFI_UNICAST);

	assert_hex(out, len, MARKER "0017 05 0002 00 01");
	struct rbuf body = rbuf_make(out + BGP_HDR_LEN, 4);
	assert_int_equal(bgp_refresh_decode(&body, &afi, &safi, &err), BGP_OK);
	assert_int_equal(afi, AFI_IPV6);
	assert_int_equal(safi, SAFI_UNICAST);

	/* RFC 7313 5: bad length -> 7/1 with the message as data. */
	out[BGP_HDR_LEN + 4] = 0xee;
	body = rbuf_make(out + BGP_HDR_LEN, 5);
	assert_int_equal(bgp_refresh_decode(&body, &afi, &safi, &err), BGP_SESSION_RESET);
	assert_int_equal(err.code, 7);
	assert_int_equal(err.subcode, 1);
	assert_hex(err.data, err.data_len, MARKER "0018 05 0002 00 01");
}

static void test_eor(void **state)
{
	uint8_t out[64], block[4096];
	struct arena a;
	struct bgp_update u;
	struct bgp_error err;
	struct bgp_codec_ctx ctx = { .as4 = true, .ipv4 = true, .ipv6 = true, .ebgp = true };
	size_t len;

	arena_init(&a, block, sizeof(block));
	len = bgp_eor_encode(out, sizeof(out), AFI_IPV4);
	assert_hex(out, len, MARKER "0017 02 0000 0000");
	struct rbuf body = rbuf_make(out + BGP_HDR_LEN, len - BGP_HDR_LEN);
	assert_int_equal(bgp_update_decode(&body, &ctx, &a, &u, &err), BGP_OK);
	assert_true(u.eor);
	assert_int_equal(u.eor_afi, AFI_IPV4);

	len = bgp_eor_encode(out, sizeof(out), AFI_IPV6);
	assert_hex(out, len, MARKER "001d 02 0000 0006 80 0f 03 0002 01");
	body = rbuf_make(out + BGP_HDR_LEN, len - BGP_HDR_LEN);
	assert_int_equal(bgp_update_decode(&body, &ctx, &a, &u, &err), BGP_OK);
	assert_true(u.eor);
	assert_int_equal(u.eor_afi, AFI_IPV6);
	assert_int_equal(u.nwithdrawn + u.nnlri, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),		   cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_open_encode),	   cmocka_unit_test(test_open_encode_as4_gr),
		cmocka_unit_test(test_open_decode_frr),   cmocka_unit_test(test_open_decode_forms),
		cmocka_unit_test(test_open_decode_errors), cmocka_unit_test(test_notification),
		cmocka_unit_test(test_err_str),		   cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_eor),		   cmocka_unit_test(test_header_errors_data),
		cmocka_unit_test(test_open_errors_data),   cmocka_unit_test(test_open_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
