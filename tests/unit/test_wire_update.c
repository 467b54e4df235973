/* Unit tests: UPDATE decode/encode (bgpd/update.c, bgpd/attr.c): byte
 * vectors both ways, AS4 handling, packing, and one test per RFC 7606
 * malformed-attribute case asserting the verdict and NOTIFICATION. */
#include <arpa/inet.h>

#include "tests/unit/wire_test.h"

#define MARKER "ffffffffffffffffffffffffffffffff"
#define ORIGIN "40 01 01 00"
#define ASPATH4 "40 02 0a 02 02 0000fde9 0000fdea" /* 65001 65002, 4-octet */
#define ASPATH2 "40 02 06 02 02 fde9 fdea"	 /* same, 2-octet */
#define NH "40 03 04 0a000001"
#define NLRI2 "10 0a01 18 0a0201" /* 10.1.0.0/16 10.2.1.0/24 */
#define BASE4 ORIGIN ASPATH4 NH

static const struct bgp_codec_ctx ebgp4 = { .as4 = true, .ipv4 = true, .ipv6 = true, .ebgp = true };
static const struct bgp_codec_ctx ebgp2 = { .as4 = false, .ipv4 = true, .ipv6 = true, .ebgp = true };
static const struct bgp_codec_ctx ibgp4 = { .as4 = true, .ipv4 = true, .ipv6 = true };
static const struct bgp_codec_ctx confed4 = { .as4 = true, .ipv4 = true, .ipv6 = true,
					      .ebgp = true, .confed_member = true };

struct fx {
	struct arena a;
	struct bgp_update u;
	struct bgp_error err;
	uint8_t body[BGP_MAX_MSG];
	uint8_t msg[BGP_MAX_MSG];
	uint8_t block[ARENA_UPDATE_SIZE];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	arena_init(&f->a, f->block, sizeof(f->block));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static enum bgp_verdict dec(struct fx *f, const struct bgp_codec_ctx *ctx, const char *wd,
			    const char *attrs, const char *nlri)
{
	struct rbuf r = rbuf_make(f->body, upd_body(f->body, wd, attrs, nlri));

	arena_reset(&f->a);
	return bgp_update_decode(&r, ctx, &f->a, &f->u, &f->err);
}

/* Decode a whole encoded message (header checked too). */
static enum bgp_verdict dec_msg(struct fx *f, const struct bgp_codec_ctx *ctx, const uint8_t *m,
				size_t len)
{
	uint16_t hl;
	uint8_t type;

	assert_int_equal(bgp_header_decode(m, &hl, &type, &f->err), BGP_OK);
	assert_int_equal(hl, len);
	assert_int_equal(type, BGP_UPDATE);
	struct rbuf r = rbuf_make(m + BGP_HDR_LEN, len - BGP_HDR_LEN);
	arena_reset(&f->a);
	return bgp_update_decode(&r, ctx, &f->a, &f->u, &f->err);
}

static struct bgp_prefix pfx(const char *s)
{
	struct bgp_prefix p;

	assert_int_equal(bgp_prefix_parse(s, &p), 0);
	return p;
}

static void assert_pfx(const struct bgp_prefix *p, const char *want)
{
	char buf[64];

	assert_string_equal(bgp_prefix_str(p, buf, sizeof(buf)), want);
}

/* The verdict was treat-as-withdraw: the NLRI moved to withdrawn. */
static void assert_taw(struct fx *f, enum bgp_verdict v, const char *reason_part)
{
	assert_int_equal(v, BGP_TREAT_AS_WITHDRAW);
	assert_true(f->u.treat_as_withdraw);
	assert_int_equal(f->u.nnlri, 0);
	assert_int_equal(f->u.nwithdrawn, 2);
	assert_pfx(&f->u.withdrawn[0], "10.1.0.0/16");
	if (!strstr(f->u.reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", f->u.reason, reason_part);
}

static void assert_reset(struct fx *f, enum bgp_verdict v, uint8_t sub, const char *data)
{
	assert_int_equal(v, BGP_SESSION_RESET);
	assert_int_equal(f->err.code, BGP_ERR_UPDATE);
	assert_int_equal(f->err.subcode, sub);
	assert_hex(f->err.data, f->err.data_len, data);
	assert_true(f->err.reason[0] != '\0');
}

/* ---- byte vectors both ways ------------------------------------------ */

static struct bgp_attrs attrs4(uint8_t *ap_store)
{
	static const uint32_t comm[] = { 0xfde90064 };
	struct bgp_attrs a = { 0 };

	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	a.aspath = ap_store;
	a.aspath_len = (uint16_t)hex("02 02 0000fde9 0000fdea", ap_store);
	inet_pton(AF_INET, "10.0.0.1", &a.nexthop);
	a.communities = comm;
	a.ncommunities = 1;
	return a;
}

#define UPD4_ATTRS ORIGIN ASPATH4 NH "c0 08 04 fde90064"

static void test_ipv4_both_ways(void **state)
{
	struct fx *f = *state;
	uint8_t ap[16];
	struct bgp_attrs a = attrs4(ap);
	struct bgp_prefix p[2] = { pfx("10.1.0.0/16"), pfx("10.2.1.0/24") };
	size_t done, len;
	char buf[64];

	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, p, 2, &done);
	assert_int_equal(done, 2);
	assert_hex(f->msg, len, MARKER "003d 02 0000 001f" UPD4_ATTRS NLRI2);

	assert_int_equal(dec(f, &ebgp4, "", UPD4_ATTRS, NLRI2), BGP_OK);
	assert_int_equal(f->u.nnlri, 2);
	assert_pfx(&f->u.nlri[1], "10.2.1.0/24");
	assert_int_equal(f->u.attrs.origin, BGP_ORIGIN_IGP);
	assert_string_equal(aspath_str(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, 64),
			    "65001 65002");
	assert_int_equal(ntohl(f->u.attrs.nexthop.s_addr), 0x0a000001);
	assert_int_equal(f->u.attrs.ncommunities, 1);
	assert_int_equal(f->u.attrs.communities[0], 0xfde90064);
	assert_int_equal(f->u.attrs.seen, a.seen);
	assert_false(f->u.eor);
	assert_string_equal(f->u.reason, "");
}

/* 2-octet session: the same path in 2-octet form. */
static void test_ipv4_as2_both_ways(void **state)
{
	struct fx *f = *state;
	uint8_t ap[16];
	struct bgp_attrs a = attrs4(ap);
	struct bgp_prefix p[2] = { pfx("10.1.0.0/16"), pfx("10.2.1.0/24") };
	size_t done, len;

	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp2, &a, NULL, 0, NULL, p, 2, &done);
	assert_hex(f->msg, len,
		   MARKER "0039 02 0000 001b" ORIGIN ASPATH2 NH "c0 08 04 fde90064" NLRI2);
	assert_int_equal(dec_msg(f, &ebgp2, f->msg, len), BGP_OK);
	assert_int_equal(f->u.attrs.aspath_len, 10);
	assert_memory_equal(f->u.attrs.aspath, ap, 10);
}

/* All other attributes, one by one in type order. */
static void test_all_attrs_both_ways(void **state)
{
	struct fx *f = *state;
	static const struct bgp_large_community lc[] = { { 65001, 1, 2 } };
	uint8_t ap[16];
	struct bgp_attrs a = attrs4(ap);
	struct bgp_prefix p = pfx("10.1.0.0/16");
	size_t done, len;
	const char *attrs = ORIGIN ASPATH4 NH "80 04 04 00000032"	/* MED 50 */
		"40 05 04 000000c8"					/* LOCAL_PREF 200 */
		"40 06 00"						/* ATOMIC_AGGREGATE */
		"c0 07 08 0000fde9 0a000001"				/* AGGREGATOR */
		"c0 08 04 fde90064"
		"c0 20 0c 0000fde9 00000001 00000002";			/* LARGE */

	a.seen |= BGP_ATTR_BIT(BGP_ATTR_MED) | BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF) |
		  BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE) | BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR) |
		  BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	a.med = 50;
	a.local_pref = 200;
	a.aggregator_as = 65001;
	inet_pton(AF_INET, "10.0.0.1", &a.aggregator_id);
	a.large = lc;
	a.nlarge = 1;
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ibgp4, &a, NULL, 0, NULL, &p, 1, &done);
	uint8_t want[512];
	size_t wl = upd_body(want, "", attrs, "10 0a01");
	assert_int_equal(len, BGP_HDR_LEN + wl);
	assert_memory_equal(f->msg + BGP_HDR_LEN, want, wl);

	assert_int_equal(dec(f, &ibgp4, "", attrs, "10 0a01"), BGP_OK);
	assert_int_equal(f->u.attrs.seen, a.seen);
	assert_int_equal(f->u.attrs.med, 50);
	assert_int_equal(f->u.attrs.local_pref, 200);
	assert_int_equal(f->u.attrs.aggregator_as, 65001);
	assert_int_equal(f->u.attrs.nlarge, 1);
	assert_int_equal(f->u.attrs.large[0].local2, 2);

	/* Towards an external peer LOCAL_PREF is left out (RFC 4271 5.1.5). */
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p, 1, &done);
	assert_int_equal(len, BGP_HDR_LEN + wl - 7);
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_false(f->u.attrs.seen & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF));
}

#define NH6 "20010db8000000000000000000000001"
#define LL6 "fe800000000000000000000000000001"

static void test_ipv6_both_ways(void **state)
{
	struct fx *f = *state;
	uint8_t ap[16];
	struct bgp_attrs a = { 0 };
	struct bgp_prefix p = pfx("2001:db8:1::/48");
	size_t done, len;
	const char *attrs = ORIGIN "40 02 06 02 01 0000fde9"
		"80 0e 2c 0002 01 20" NH6 LL6 "00 30 20010db80001";

	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_MP_REACH);
	a.aspath = ap;
	a.aspath_len = (uint16_t)hex("02 01 0000fde9", ap);
	inet_pton(AF_INET6, "2001:db8::1", &a.nh6);
	inet_pton(AF_INET6, "fe80::1", &a.nh6_ll);
	a.nh6_has_ll = true;
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p, 1, &done);
	assert_int_equal(done, 1);
	assert_hex(f->msg, len, MARKER "0053 02 0000 003c" ORIGIN "40 02 06 02 01 0000fde9"
				       "80 0e 2c 0002 01 20" NH6 LL6 "00 30 20010db80001");

	assert_int_equal(dec(f, &ebgp4, "", attrs, ""), BGP_OK);
	assert_int_equal(f->u.nnlri, 1);
	assert_pfx(&f->u.nlri[0], "2001:db8:1::/48");
	assert_true(f->u.attrs.nh6_has_ll);
	assert_memory_equal(&f->u.attrs.nh6, &a.nh6, 16);
	assert_memory_equal(&f->u.attrs.nh6_ll, &a.nh6_ll, 16);
	assert_false(f->u.attrs.seen & BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP));

	/* Global next hop only (16 octets). */
	a.nh6_has_ll = false;
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p, 1, &done);
	assert_hex(f->msg, len, MARKER "0043 02 0000 002c" ORIGIN "40 02 06 02 01 0000fde9"
				       "80 0e 1c 0002 01 10" NH6 "00 30 20010db80001");
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_false(f->u.attrs.nh6_has_ll);
}

static void test_withdraw_both_ways(void **state)
{
	struct fx *f = *state;
	struct bgp_prefix p4[2] = { pfx("10.1.0.0/16"), pfx("10.2.1.0/24") };
	struct bgp_prefix p6 = pfx("2001:db8:1::/48");
	size_t done, len;

	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, NULL, p4, 2, &done, NULL, 0, NULL);
	assert_int_equal(done, 2);
	assert_hex(f->msg, len, MARKER "001e 02 0007" NLRI2 "0000");
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_int_equal(f->u.nwithdrawn, 2);
	assert_false(f->u.eor);

	/* IPv6 withdrawals travel in MP_UNREACH_NLRI. */
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, NULL, &p6, 1, &done, NULL, 0, NULL);
	assert_hex(f->msg, len, MARKER "0024 02 0000 000d 80 0f 0a 0002 01 30 20010db80001");
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_int_equal(f->u.nwithdrawn, 1);
	assert_pfx(&f->u.withdrawn[0], "2001:db8:1::/48");
	assert_false(f->u.eor);
}

/* RFC 6793: 4-octet ASNs towards a 2-octet speaker. */
static void test_as4_trans_both_ways(void **state)
{
	struct fx *f = *state;
	uint8_t ap[32];
	struct bgp_attrs a = { 0 };
	struct bgp_prefix p = pfx("10.1.0.0/16");
	size_t done, len;
	char buf[64];

	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR);
	a.aspath = ap;
	a.aspath_len = (uint16_t)hex("02 02 0000fde9 fa56ea00", ap);
	inet_pton(AF_INET, "10.0.0.1", &a.nexthop);
	a.aggregator_as = 4200000000u;
	inet_pton(AF_INET, "10.0.0.9", &a.aggregator_id);
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp2, &a, NULL, 0, NULL, &p, 1, &done);
	assert_hex(f->msg, len,
		   MARKER "004f 02 0000 0035" ORIGIN "40 02 06 02 02 fde9 5ba0" NH
			  "c0 07 06 5ba0 0a000009"
			  "c0 11 0a 02 02 0000fde9 fa56ea00"
			  "c0 12 08 fa56ea00 0a000009"
			  "10 0a01");
	assert_int_equal(dec_msg(f, &ebgp2, f->msg, len), BGP_OK);
	assert_string_equal(aspath_str(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, 64),
			    "65001 4200000000");
	assert_int_equal(f->u.attrs.aggregator_as, 4200000000u);

	/* The same towards a 4-octet speaker: no AS4_ attributes. */
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p, 1, &done);
	assert_hex(f->msg, len,
		   MARKER "003d 02 0000 0023" ORIGIN "40 02 0a 02 02 0000fde9 fa56ea00" NH
			  "c0 07 08 fa56ea00 0a000009 10 0a01");
}

/* RFC 6793 4.2.3: AGGREGATOR AS other than AS_TRANS -> AS4_* ignored. */
static void test_as4_ignored_when_aggregator_not_trans(void **state)
{
	struct fx *f = *state;
	char buf[64];

	assert_int_equal(dec(f, &ebgp2, "",
			     ORIGIN "40 02 06 02 02 fde9 5ba0" NH "c0 07 06 fde9 0a000009"
				    "c0 11 0a 02 02 0000fde9 fa56ea00"
				    "c0 12 08 fa56ea00 0a000009",
			     "10 0a01"),
			 BGP_OK);
	assert_string_equal(aspath_str(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, 64),
			    "65001 23456");
	assert_int_equal(f->u.attrs.aggregator_as, 65001);
	assert_non_null(strstr(f->u.reason, "ignored"));
}

/* Attributes over 255 octets use the extended length flag. */
static void test_extended_length(void **state)
{
	struct fx *f = *state;
	uint8_t ap[16];
	uint32_t comm[100];
	struct bgp_attrs a = attrs4(ap);
	struct bgp_prefix p = pfx("10.1.0.0/16");
	size_t done, len;

	for (unsigned i = 0; i < 100; i++)
		comm[i] = 0xfde90000 + i;
	a.communities = comm;
	a.ncommunities = 100;
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p, 1, &done);
	/* header 23 + ORIGIN 4 + AS_PATH 13 + NEXT_HOP 7 = 47: COMMUNITIES. */
	assert_hex(f->msg + 47, 4, "d0 08 0190");
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_int_equal(f->u.attrs.ncommunities, 100);
	assert_int_equal(f->u.attrs.communities[99], 0xfde90063);
}

/* Pack as many NLRI as fit in 4096 octets; the caller loops. */
static void test_packing(void **state)
{
	struct fx *f = *state;
	enum { N = 2000 };
	struct bgp_prefix *p = calloc(N, sizeof(*p));
	uint8_t ap[16];
	struct bgp_attrs a = attrs4(ap);
	size_t sent = 0, msgs = 0, got = 0, done, len;

	for (unsigned i = 0; i < N; i++) {
		p[i].family = AF_INET;
		p[i].len = 24;
		p[i].addr[0] = 10;
		p[i].addr[1] = (uint8_t)(i >> 8);
		p[i].addr[2] = (uint8_t)i;
	}
	while (sent < N) {
		len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL,
					p + sent, N - sent, &done);
		assert_true(len > 0 && len <= BGP_MAX_MSG);
		assert_true(done > 0);
		if (sent + done < N) /* full: not even a /24 more would fit */
			assert_true(len + 4 > BGP_MAX_MSG);
		assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
		assert_int_equal(f->u.nnlri, done);
		assert_int_equal(bgp_prefix_cmp(&f->u.nlri[0], &p[sent]), 0);
		got += f->u.nnlri;
		sent += done;
		msgs++;
	}
	assert_int_equal(got, N);
	assert_int_equal(msgs, 2); /* (4096 - 54) / 4 = 1010 per message */

	/* IPv6 withdrawals pack too. */
	for (unsigned i = 0; i < N; i++) {
		p[i].family = AF_INET6;
		p[i].len = 64;
		p[i].addr[0] = 0x20;
	}
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, NULL, p, N, &done, NULL, 0, NULL);
	assert_int_equal(done, (4096 - 23 - 7) / 9);
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_int_equal(f->u.nwithdrawn, done);
	/* A small cap limits too; nothing fits -> 0. */
	assert_int_equal(bgp_update_encode(f->msg, 30, &ebgp4, NULL, p, N, &done, NULL, 0, NULL), 0);
	assert_int_equal(done, 0);
	free(p);
}

/* Unknown optional transitive: kept with Partial set and passed on in type
 * order; unknown optional non-transitive: dropped silently. */
static void test_unknown_attrs(void **state)
{
	struct fx *f = *state;
	struct bgp_attrs a;
	struct bgp_prefix p = pfx("10.1.0.0/16");
	size_t done, len;

	assert_int_equal(dec(f, &ebgp4, "", BASE4 "c0 63 02 abcd 80 0a 04 01020304 c0 10 01 ee",
			     "10 0a01"),
			 BGP_OK);
	assert_hex(f->u.attrs.unknown, f->u.attrs.unknown_len, "e0 63 02 abcd e0 10 01 ee");
	assert_int_equal(f->u.ndiscarded, 0);
	a = f->u.attrs;
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p, 1, &done);
	assert_hex(f->msg, len, MARKER "003b 02 0000 0021" BASE4 "e0 10 01 ee e0 63 02 abcd 10 0a01");
}

/* ---- RFC 7606 malformed cases ------------------------------------------ */

static void test_7606_origin(void **state)
{
	struct fx *f = *state;

	assert_taw(f, dec(f, &ebgp4, "", "40 01 01 03" ASPATH4 NH, NLRI2), "ORIGIN");
	assert_taw(f, dec(f, &ebgp4, "", "40 01 02 0000" ASPATH4 NH, NLRI2), "ORIGIN");
	assert_taw(f, dec(f, &ebgp4, "", "c0 01 01 00" ASPATH4 NH, NLRI2), "flags");
}

static void test_7606_aspath(void **state)
{
	struct fx *f = *state;

	assert_taw(f, dec(f, &ebgp4, "", ORIGIN "40 02 02 02 00" NH, NLRI2), "AS_PATH");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN "40 02 06 05 01 0000fde9" NH, NLRI2), "AS_PATH");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN "40 02 06 02 02 0000fde9" NH, NLRI2), "AS_PATH");
	assert_taw(f, dec(f, &ebgp2, "", ORIGIN "40 02 05 02 02 fde9 fd" NH, NLRI2), "AS_PATH");
	/* Confederation segments only from inside the confederation. */
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN "40 02 06 03 01 0000ff45" NH, NLRI2),
		   "confederation");
	assert_int_equal(dec(f, &confed4, "", ORIGIN "40 02 06 03 01 0000ff45" NH, NLRI2), BGP_OK);
	assert_int_equal(dec(f, &ibgp4, "", ORIGIN "40 02 06 04 01 0000ff45" NH, NLRI2), BGP_OK);
}

static void test_7606_nexthop(void **state)
{
	struct fx *f = *state;

	assert_taw(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "40 03 05 0a00000100", NLRI2), "NEXT_HOP");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "40 03 04 00000000", NLRI2), "0.0.0.0");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "40 03 04 e0000001", NLRI2), "224.0.0.1");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "40 03 04 f0000001", NLRI2), "NEXT_HOP");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "40 03 04 7f000001", NLRI2), "NEXT_HOP");
}

static void test_7606_med_local_pref(void **state)
{
	struct fx *f = *state;

	assert_taw(f, dec(f, &ebgp4, "", BASE4 "80 04 03 000001", NLRI2), "MULTI_EXIT_DISC");
	assert_taw(f, dec(f, &ebgp4, "", BASE4 "40 04 04 00000001", NLRI2), "flags");
	assert_taw(f, dec(f, &ibgp4, "", BASE4 "40 05 03 000001", NLRI2), "LOCAL_PREF");
	/* From an external peer LOCAL_PREF is discarded, whatever it looks like. */
	assert_int_equal(dec(f, &ebgp4, "", BASE4 "40 05 03 000001", NLRI2), BGP_OK);
	assert_int_equal(f->u.ndiscarded, 1);
	assert_false(f->u.attrs.seen & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF));
	assert_non_null(strstr(f->u.reason, "LOCAL_PREF"));
	assert_int_equal(dec(f, &confed4, "", BASE4 "40 05 04 00000064", NLRI2), BGP_OK);
	assert_int_equal(f->u.attrs.local_pref, 100);
}

static void test_7606_discards(void **state)
{
	struct fx *f = *state;
	static const char *const cases[] = {
		BASE4 "40 06 01 00",		       /* ATOMIC_AGGREGATE length */
		BASE4 "80 06 00",		       /* ATOMIC_AGGREGATE flags */
		BASE4 "c0 07 07 0000fde9 0a0000",      /* AGGREGATOR length (AS4) */
		BASE4 "c0 07 06 fde9 0a000001",	       /* AGGREGATOR 2-octet on AS4 */
		BASE4 "c0 11 06 02 01 fa56ea00",       /* AS4_PATH from AS4 speaker */
		BASE4 "c0 12 08 fa56ea00 0a000001",    /* AS4_AGGREGATOR likewise */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dec(f, &ebgp4, "", cases[i], NLRI2), BGP_OK);
		assert_int_equal(f->u.ndiscarded, 1);
		assert_int_equal(f->u.nnlri, 2);
		assert_true(strstr(f->u.reason, "discarded") != NULL);
	}
	/* From a 2-octet speaker: malformed AS4_PATH / AS4_AGGREGATOR. */
	assert_int_equal(dec(f, &ebgp2, "", ORIGIN ASPATH2 NH "c0 11 06 02 02 fa56ea00", NLRI2),
			 BGP_OK);
	assert_int_equal(f->u.ndiscarded, 1);
	assert_int_equal(dec(f, &ebgp2, "", ORIGIN ASPATH2 NH "c0 11 06 03 01 fa56ea00", NLRI2),
			 BGP_OK);
	assert_int_equal(f->u.ndiscarded, 1);
	assert_int_equal(dec(f, &ebgp2, "", ORIGIN ASPATH2 NH "c0 12 06 fa56ea00 0a00", NLRI2),
			 BGP_OK);
	assert_int_equal(f->u.ndiscarded, 1);
}

static void test_7606_communities(void **state)
{
	struct fx *f = *state;

	assert_taw(f, dec(f, &ebgp4, "", BASE4 "c0 08 05 fde9006400", NLRI2), "COMMUNITIES");
	assert_taw(f, dec(f, &ebgp4, "", BASE4 "c0 08 00", NLRI2), "COMMUNITIES");
	assert_taw(f, dec(f, &ebgp4, "", BASE4 "c0 20 0d 0000fde9 00000001 00000002 00", NLRI2),
		   "LARGE_COMMUNITIES");
	assert_taw(f, dec(f, &ebgp4, "", BASE4 "40 20 0c 0000fde9 00000001 00000002", NLRI2),
		   "flags");
}

/* RFC 7606 3 d: mandatory attributes when NLRI are present. */
static void test_7606_missing(void **state)
{
	struct fx *f = *state;

	assert_taw(f, dec(f, &ebgp4, "", ASPATH4 NH, NLRI2), "missing ORIGIN");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN NH, NLRI2), "missing AS_PATH");
	assert_taw(f, dec(f, &ebgp4, "", ORIGIN ASPATH4, NLRI2), "missing NEXT_HOP");
	/* IPv6 NLRI need no NEXT_HOP. */
	assert_int_equal(dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 1c 0002 01 10" NH6 "00 30 20010db80001",
			     ""),
			 BGP_OK);
	assert_int_equal(f->u.nnlri, 1);
	/* Without NLRI nothing is missing. */
	assert_int_equal(dec(f, &ebgp4, "08 0a", "", ""), BGP_OK);
	assert_int_equal(f->u.nwithdrawn, 1);
}

/* RFC 7606 3 g: duplicates. */
static void test_7606_duplicates(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dec(f, &ebgp4, "", BASE4 "40 01 01 02", NLRI2), BGP_OK);
	assert_int_equal(f->u.attrs.origin, BGP_ORIGIN_IGP);
	assert_int_equal(f->u.ndiscarded, 1);
	assert_non_null(strstr(f->u.reason, "duplicate"));
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0f 03 0002 01 80 0f 03 0002 01", ""),
		     BGP_UPD_MALFORMED_ATTR_LIST, "80 0f 03 0002 01");
}

/* RFC 7606 7.11, 5.3; RFC 4760 7: MP attributes that cannot be parsed. */
static void test_7606_mp(void **state)
{
	struct fx *f = *state;

	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 0d 0002 01 08 2001db8000000001 00", ""),
		     BGP_UPD_OPT_ATTR, "80 0e 0d 0002 01 08 2001db8000000001 00");
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 06 0002 01 10 2001", ""),
		     BGP_UPD_OPT_ATTR, "80 0e 06 0002 01 10 2001");
	/* Malformed prefixes in MP attributes: 3/9 and the attribute
	 * (RFC 4760 7), not 3/10 as in the classic fields. */
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 16 0002 01 10" NH6 "00 81 20", ""),
		     BGP_UPD_OPT_ATTR, "80 0e 16 0002 01 10" NH6 "00 81");
	assert_reset(f, dec(f, &ebgp4, "", "80 0f 05 0002 01 30 20", ""), BGP_UPD_OPT_ATTR,
		     "80 0f 05 0002 01 30 20");
	assert_reset(f, dec(f, &ebgp4, "", "80 0f 07 0001 01 21 0a0000", ""), BGP_UPD_OPT_ATTR,
		     "80 0f 07 0001 01 21 0a0000");
	/* IPv4 in MP_REACH_NLRI: a 4-octet next hop, nothing else. */
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 18 0001 01 10" NH6 "00 10 0a01", ""),
		     BGP_UPD_OPT_ATTR, "80 0e 18 0001 01 10" NH6 "00 10 0a01");
	assert_reset(f, dec(f, &ebgp4, "", "80 0f 02 0002", ""), BGP_UPD_ATTR_LEN, "80 0f 02 0002");
	/* Wrong flags: still parsed, then treat-as-withdraw (RFC 7606 3 c, j). */
	assert_int_equal(dec(f, &ebgp4, "", ORIGIN ASPATH4 "c0 0e 1c 0002 01 10" NH6 "00 30 20010db80001", ""),
			 BGP_TREAT_AS_WITHDRAW);
	assert_int_equal(f->u.nwithdrawn, 1);
	assert_pfx(&f->u.withdrawn[0], "2001:db8:1::/48");
	/* AFI/SAFI not negotiated: ignored. */
	struct bgp_codec_ctx v4only = ebgp4;
	v4only.ipv6 = false;
	assert_int_equal(dec(f, &v4only, "", ORIGIN ASPATH4 "80 0e 1c 0002 01 10" NH6 "00 30 20010db80001", ""),
			 BGP_OK);
	assert_int_equal(f->u.nnlri, 0);
	assert_int_equal(f->u.ndiscarded, 1);
}

/* RFC 4271 6.3, RFC 7606 5.3: NLRI / withdrawn field syntax. */
static void test_7606_nlri_fields(void **state)
{
	struct fx *f = *state;

	assert_reset(f, dec(f, &ebgp4, "", BASE4, "21 0a000000 00"), BGP_UPD_BAD_NETWORK, "");
	assert_reset(f, dec(f, &ebgp4, "", BASE4, "18 0a01"), BGP_UPD_BAD_NETWORK, "");
	assert_reset(f, dec(f, &ebgp4, "18 0a", "", ""), BGP_UPD_BAD_NETWORK, "");
	/* Lengths inconsistent with the message. */
	struct rbuf r = rbuf_make(f->body, hex("0005 0a0a", f->body));
	assert_reset(f, bgp_update_decode(&r, &ebgp4, &f->a, &f->u, &f->err),
		     BGP_UPD_MALFORMED_ATTR_LIST, "");
	r = rbuf_make(f->body, hex("0000 0010 40010100", f->body));
	assert_reset(f, bgp_update_decode(&r, &ebgp4, &f->a, &f->u, &f->err),
		     BGP_UPD_MALFORMED_ATTR_LIST, "");
	r = rbuf_make(f->body, hex("00", f->body));
	assert_reset(f, bgp_update_decode(&r, &ebgp4, &f->a, &f->u, &f->err),
		     BGP_UPD_MALFORMED_ATTR_LIST, "");
	/* Host bits in NLRI are cleared (RFC 4271 4.3). */
	assert_int_equal(dec(f, &ebgp4, "", BASE4, "18 0a0203 09 ffff"), BGP_OK);
	assert_pfx(&f->u.nlri[0], "10.2.3.0/24");
	assert_pfx(&f->u.nlri[1], "255.128.0.0/9");
}

/* RFC 7606 4: an attribute overrunning the list -> treat-as-withdraw,
 * except MP attributes, whose NLRI would be lost -> reset. */
static void test_7606_attr_overrun(void **state)
{
	struct fx *f = *state;

	assert_taw(f, dec(f, &ebgp4, "", BASE4 "c0 08 08 fde90064", NLRI2), "overruns");
	assert_taw(f, dec(f, &ebgp4, "", BASE4 "c0 08", NLRI2), "truncated");
	assert_taw(f, dec(f, &ebgp4, "", BASE4 "d0 08 00", NLRI2), "truncated");
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 40 0002 01 10", ""),
		     BGP_UPD_MALFORMED_ATTR_LIST, "80 0e 40 0002 01 10");
}

/* RFC 4271 6.3: unrecognized well-known attribute -> 3/2 with it as data. */
static void test_unrecognized_well_known(void **state)
{
	struct fx *f = *state;

	assert_reset(f, dec(f, &ebgp4, "", BASE4 "40 63 02 abcd", NLRI2),
		     BGP_UPD_UNRECOGNIZED_WK, "40 63 02 abcd");
}

/* Errors that would withdraw are harmless without NLRI (RFC 7606 5.2); the
 * strongest action wins when several apply (RFC 7606 3 h). */
static void test_7606_no_nlri_and_combined(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dec(f, &ebgp4, "10 0a01", "40 01 01 07" ASPATH4, ""), BGP_OK);
	assert_false(f->u.treat_as_withdraw);
	assert_int_equal(f->u.nwithdrawn, 1);
	assert_non_null(strstr(f->u.reason, "no NLRI"));

	assert_taw(f, dec(f, &ebgp4, "", BASE4 "40 06 01 00 c0 08 03 000000", NLRI2), "COMMUNITIES");
	assert_int_equal(f->u.ndiscarded, 1);
	assert_non_null(strstr(f->u.reason, "ATOMIC_AGGREGATE"));
	assert_reset(f, dec(f, &ebgp4, "", "40 01 01 07 40 63 00", NLRI2), BGP_UPD_UNRECOGNIZED_WK,
		     "40 63 00");
}

/* Withdrawn IPv4 + withdrawn IPv6 in one message; EoR is not claimed. */
static void test_mixed_withdraw_not_eor(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dec(f, &ebgp4, "10 0a01", "80 0f 0a 0002 01 30 20010db80001", ""), BGP_OK);
	assert_int_equal(f->u.nwithdrawn, 2);
	assert_pfx(&f->u.withdrawn[1], "2001:db8:1::/48");
	assert_false(f->u.eor);
	/* MP_UNREACH for IPv4 (AFI 1) works too. */
	assert_int_equal(dec(f, &ebgp4, "", "80 0f 06 0001 01 10 0a01", ""), BGP_OK);
	assert_pfx(&f->u.withdrawn[0], "10.1.0.0/16");
	assert_false(f->u.eor);
}

/* ---- every RFC 7606 / RFC 6793 / RFC 7607 case, both families ------------
 * (docs/malformed.md lists the cases). The malformed attribute goes first:
 * a good one of the same type in the base after it is then a duplicate
 * (RFC 7606 3 g: discarded), so one attribute list serves an IPv4 UPDATE
 * (NLRI field) and an IPv6 one (MP_REACH_NLRI). */

#define MP6 "80 0e 1c 0002 01 10" NH6 "00 30 20010db80001" /* 2001:db8:1::/48 */

struct mal {
	const char *attr, *why;
};

static enum bgp_verdict dec_fam(struct fx *f, const struct bgp_codec_ctx *ctx, bool v6,
				const char *attr)
{
	char attrs[1024];
	const char *ap = ctx->as4 ? ASPATH4 : ASPATH2;

	snprintf(attrs, sizeof(attrs), "%s " ORIGIN " %s %s", attr, ap, v6 ? MP6 : NH);
	return dec(f, ctx, "", attrs, v6 ? "" : NLRI2);
}

static void assert_taw_fam(struct fx *f, enum bgp_verdict v, bool v6, const char *why)
{
	if (!v6) {
		assert_taw(f, v, why);
		return;
	}
	assert_int_equal(v, BGP_TREAT_AS_WITHDRAW);
	assert_int_equal(f->u.nnlri, 0);
	assert_int_equal(f->u.nwithdrawn, 1);
	assert_pfx(&f->u.withdrawn[0], "2001:db8:1::/48");
	if (!strstr(f->u.reason, why))
		fail_msg("reason '%s' lacks '%s'", f->u.reason, why);
}

/* Discarded: the UPDATE stands without the attribute. */
static void assert_discard_fam(struct fx *f, enum bgp_verdict v, bool v6, uint8_t type,
			       const char *why)
{
	assert_int_equal(v, BGP_OK);
	assert_int_equal(f->u.nnlri, v6 ? 1 : 2);
	assert_int_equal(f->u.nwithdrawn, 0);
	assert_int_equal(f->u.ndiscarded, 1);
	assert_false(f->u.attrs.seen & BGP_ATTR_BIT(type));
	if (!strstr(f->u.reason, why) || !strstr(f->u.reason, "discarded"))
		fail_msg("reason '%s' lacks '%s' or 'discarded'", f->u.reason, why);
}

/* RFC 7606 7.1-7.4, 7.8, 3 c (flags, Partial too), RFC 8092 6, RFC 7607 2. */
static void test_7606_taw_both_families(void **state)
{
	struct fx *f = *state;
	static const struct mal cases[] = {
		{ "40 01 01 03", "ORIGIN" },			/* 7.1 undefined value */
		{ "40 01 02 0000", "ORIGIN" },			/* 7.1 length */
		{ "40 01 00", "ORIGIN" },			/* 4: zero length */
		{ "c0 01 01 00", "flags" },			/* 3 c */
		{ "60 01 01 00", "flags" },			/* Partial on well-known */
		{ "40 02 02 02 00", "AS_PATH" },		/* 7.2 zero count */
		{ "40 02 06 05 01 0000fde9", "AS_PATH" },	/* 7.2 segment type */
		{ "40 02 06 02 02 0000fde9", "AS_PATH" },	/* 7.2 overrun */
		{ "40 02 07 02 01 0000fde9 02", "AS_PATH" },	/* 7.2 one octet left */
		{ "40 02 01 02", "AS_PATH" },			/* 7.2 no segment header */
		{ "40 02 0a 02 02 0000fde9 00000000", "AS 0" }, /* RFC 7607 2 */
		{ "40 02 06 01 01 00000000", "AS 0" },		/* in an AS_SET too */
		{ "40 02 06 03 01 0000ff45", "confederation" }, /* 7.2, RFC 5065 5 */
		{ "80 02 06 02 01 0000fde9", "flags" },
		{ "40 03 05 0a00000100", "NEXT_HOP" },		/* 7.3 length */
		{ "40 03 00", "NEXT_HOP" },
		{ "c0 03 04 0a000001", "flags" },
		{ "80 04 03 000001", "MULTI_EXIT_DISC" },	/* 7.4 */
		{ "80 04 00", "MULTI_EXIT_DISC" },
		{ "40 04 04 00000001", "flags" },
		{ "a0 04 04 00000001", "flags" },		/* Partial on opt. non-transitive */
		{ "c0 08 05 fde9006400", "COMMUNITIES" },	/* 7.8 */
		{ "c0 08 00", "COMMUNITIES" },
		{ "40 08 04 fde90064", "flags" },
		{ "c0 20 0d 0000fde9 00000001 00000002 00", "LARGE_COMMUNITIES" }, /* RFC 8092 6 */
		{ "c0 20 00", "LARGE_COMMUNITIES" },
		{ "80 20 0c 0000fde9 00000001 00000002", "flags" },
	};
	static const struct mal ibgp_cases[] = {
		{ "40 05 03 000001", "LOCAL_PREF" },		/* 7.5, internal peer */
		{ "40 05 00", "LOCAL_PREF" },
		{ "c0 05 04 00000064", "flags" },
		{ "60 05 04 00000064", "flags" },
	};

	for (int v6 = 0; v6 < 2; v6++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			print_message("%s %s\n", v6 ? "IPv6" : "IPv4", cases[i].attr);
			assert_taw_fam(f, dec_fam(f, &ebgp4, v6, cases[i].attr), v6, cases[i].why);
		}
		for (size_t i = 0; i < sizeof(ibgp_cases) / sizeof(ibgp_cases[0]); i++) {
			assert_taw_fam(f, dec_fam(f, &ibgp4, v6, ibgp_cases[i].attr), v6,
				       ibgp_cases[i].why);
			assert_taw_fam(f, dec_fam(f, &confed4, v6, ibgp_cases[i].attr), v6,
				       ibgp_cases[i].why);
		}
		/* 2-octet session: AS 0 and a malformed path in the 2-octet form. */
		assert_taw_fam(f, dec_fam(f, &ebgp2, v6, "40 02 06 02 02 fde9 0000"), v6, "AS 0");
		assert_taw_fam(f, dec_fam(f, &ebgp2, v6, "40 02 05 02 02 fde9 fd"), v6, "AS_PATH");
	}
}

/* RFC 7606 7.5-7.7, 3 f; RFC 6793 6; RFC 7607 2: attribute discard. */
static void test_7606_discard_both_families(void **state)
{
	struct fx *f = *state;
	static const struct {
		const struct bgp_codec_ctx *ctx;
		uint8_t type;
		const char *attr, *why;
	} cases[] = {
		{ &ebgp4, BGP_ATTR_ATOMIC_AGGREGATE, "40 06 01 00", "ATOMIC_AGGREGATE" }, /* 7.6 */
		{ &ebgp4, BGP_ATTR_ATOMIC_AGGREGATE, "80 06 00", "flags" },		  /* 3 f */
		{ &ebgp4, BGP_ATTR_ATOMIC_AGGREGATE, "60 06 00", "flags" },		  /* Partial */
		{ &ebgp4, BGP_ATTR_AGGREGATOR, "c0 07 07 0000fde9 0a0000", "AGGREGATOR" }, /* 7.7 */
		{ &ebgp4, BGP_ATTR_AGGREGATOR, "c0 07 06 fde9 0a000001", "AGGREGATOR" },
		{ &ebgp4, BGP_ATTR_AGGREGATOR, "c0 07 00", "AGGREGATOR" },
		{ &ebgp4, BGP_ATTR_AGGREGATOR, "40 07 08 0000fde9 0a000001", "flags" },
		{ &ebgp4, BGP_ATTR_AGGREGATOR, "c0 07 08 00000000 0a000001", "AS 0" }, /* 7607 */
		{ &ebgp2, BGP_ATTR_AGGREGATOR, "c0 07 08 0000fde9 0a000001", "AGGREGATOR" },
		{ &ebgp2, BGP_ATTR_AGGREGATOR, "c0 07 06 0000 0a000001", "AS 0" },
		{ &ebgp4, BGP_ATTR_LOCAL_PREF, "40 05 04 00000064", "external" },	/* 7.5 */
		{ &ebgp4, BGP_ATTR_LOCAL_PREF, "40 05 03 000001", "external" },
		/* RFC 6793: AS4_PATH / AS4_AGGREGATOR from a 4-octet speaker ... */
		{ &ebgp4, BGP_ATTR_AS4_PATH, "c0 11 06 02 01 fa56ea00", "4-octet" },
		{ &ebgp4, BGP_ATTR_AS4_AGGREGATOR, "c0 12 08 fa56ea00 0a000001", "4-octet" },
		/* ... and malformed ones from a 2-octet speaker (6793 6, 7606 4). */
		{ &ebgp2, BGP_ATTR_AS4_PATH, "c0 11 06 02 02 fa56ea00", "malformed" },
		{ &ebgp2, BGP_ATTR_AS4_PATH, "c0 11 07 02 01 fa56ea00 02", "malformed" },
		{ &ebgp2, BGP_ATTR_AS4_PATH, "c0 11 06 03 01 fa56ea00", "confederation" },
		{ &ebgp2, BGP_ATTR_AS4_PATH, "c0 11 06 02 01 00000000", "AS 0" },
		{ &ebgp2, BGP_ATTR_AS4_PATH, "c0 11 00", "length 0" },
		{ &ebgp2, BGP_ATTR_AS4_PATH, "80 11 06 02 01 fa56ea00", "flags" },
		{ &ebgp2, BGP_ATTR_AS4_AGGREGATOR, "c0 12 06 fa56ea00 0a00", "length" },
		{ &ebgp2, BGP_ATTR_AS4_AGGREGATOR, "c0 12 08 00000000 0a000001", "AS 0" },
		{ &ebgp2, BGP_ATTR_AS4_AGGREGATOR, "80 12 08 fa56ea00 0a000001", "flags" },
	};
	char buf[64];

	for (int v6 = 0; v6 < 2; v6++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			print_message("%s %s\n", v6 ? "IPv6" : "IPv4", cases[i].attr);
			assert_discard_fam(f, dec_fam(f, cases[i].ctx, v6, cases[i].attr), v6,
					   cases[i].type, cases[i].why);
			/* A discarded AS4_* changes nothing in the path. */
			assert_string_equal(aspath_str(f->u.attrs.aspath, f->u.attrs.aspath_len,
						       buf, sizeof(buf)), "65001 65002");
		}
	}
	/* Allowed flags: Partial on optional transitive ones; empty AS_PATH
	 * (internal) and ATOMIC_AGGREGATE are the only valid zero lengths. */
	for (int v6 = 0; v6 < 2; v6++) {
		assert_int_equal(dec_fam(f, &ebgp4, v6, "e0 07 08 0000fde9 0a000001 e0 08 04 fde90064"
						       " 40 06 00"), BGP_OK);
		assert_int_equal(f->u.ndiscarded, 0);
		assert_int_equal(f->u.nnlri, v6 ? 1 : 2);
		assert_int_equal(f->u.attrs.ncommunities, 1);
		assert_int_equal(dec_fam(f, &ibgp4, v6, "40 02 00"), BGP_OK);
		assert_int_equal(f->u.attrs.aspath_len, 0);
	}
}

/* RFC 6793 4.2.3: AS4_PATH longer than AS_PATH is ignored; a valid one
 * replaces the AS_TRANS entries; AS4_AGGREGATOR without AGGREGATOR is
 * ignored. */
static void test_as4_merge_rules(void **state)
{
	struct fx *f = *state;
	char buf[64];

	assert_int_equal(dec(f, &ebgp2, "",
			     ORIGIN "40 02 04 02 01 5ba0" NH "c0 11 0a 02 02 fa56ea00 fa56ea01",
			     NLRI2), BGP_OK);
	assert_string_equal(aspath_str(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, 64), "23456");
	assert_non_null(strstr(f->u.reason, "longer"));
	assert_int_equal(dec(f, &ebgp2, "",
			     ORIGIN "40 02 06 02 02 fde9 5ba0" NH "c0 11 06 02 01 fa56ea00"
				    "c0 12 08 fa56ea00 0a000009",
			     NLRI2), BGP_OK);
	assert_string_equal(aspath_str(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, 64),
			    "65001 4200000000");
	assert_false(f->u.attrs.seen & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR));
	/* AGGREGATOR AS_TRANS with a 2-octet ASN in AS4_AGGREGATOR (which
	 * RFC 6793 4.2.2 never sends): AS_TRANS is kept, so that the path
	 * re-encoded for a 2-octet speaker keeps its AS4_PATH (4.2.3). */
	assert_int_equal(dec(f, &ebgp2, "",
			     ORIGIN "40 02 06 02 02 fde9 5ba0" NH "c0 07 06 5ba0 0a000009"
				    "c0 11 0a 02 02 0000fde9 fa56ea00 c0 12 08 0000fdea 0a000002",
			     NLRI2), BGP_OK);
	assert_int_equal(f->u.attrs.aggregator_as, BGP_AS_TRANS);
	assert_string_equal(aspath_str(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, 64),
			    "65001 4200000000");
	assert_non_null(strstr(f->u.reason, "2-octet AS 65002 ignored"));
}

/* RFC 7606 3 g: MP_REACH_NLRI twice -> 3/1; MP attribute too short for its
 * fixed fields -> 3/5 with the attribute (RFC 4271 6.3, 7606 3 j); Partial
 * on MP_REACH_NLRI: parsed, then treat-as-withdraw like its other flags. */
static void test_7606_mp_more(void **state)
{
	struct fx *f = *state;

	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 MP6 MP6, ""),
		     BGP_UPD_MALFORMED_ATTR_LIST, MP6);
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 00", ""), BGP_UPD_ATTR_LEN,
		     "80 0e 00");
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 04 0002 01 00", ""),
		     BGP_UPD_ATTR_LEN, "80 0e 04 0002 01 00");
	assert_reset(f, dec(f, &ebgp4, "", "80 0f 00", ""), BGP_UPD_ATTR_LEN, "80 0f 00");
	assert_taw_fam(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "a0 0e 1c 0002 01 10" NH6
				   "00 30 20010db80001", ""), true, "flags");
	/* Its flags wrong and its NLRI malformed: the reset wins (3 h). */
	assert_reset(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "c0 0e 16 0002 01 10" NH6 "00 81 20", ""),
		     BGP_UPD_OPT_ATTR, "c0 0e 16 0002 01 10" NH6 "00 81");
	/* An MP_UNREACH_NLRI with wrong flags still withdraws (no NLRI, 5.2). */
	assert_int_equal(dec(f, &ebgp4, "", "c0 0f 0a 0002 01 30 20010db80001", ""), BGP_OK);
	assert_int_equal(f->u.nwithdrawn, 1);
}

/* RFC 4271 6.3 (NEXT_HOP not a host address), applied to the IPv6 next hop
 * of MP_REACH_NLRI: ::, ::1 and multicast -> treat-as-withdraw; link-local
 * alone is usable on a single-hop session. The IPv4 NEXT_HOP is not looked
 * at when the UPDATE has no IPv4 NLRI (RFC 4760 3). */
static void test_mp_nexthop_semantic(void **state)
{
	struct fx *f = *state;

	assert_taw_fam(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 1c 0002 01 10"
			      "00000000000000000000000000000000 00 30 20010db80001", ""),
		       true, "::");
	assert_taw_fam(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 1c 0002 01 10"
			      "00000000000000000000000000000001 00 30 20010db80001", ""),
		       true, "::1");
	assert_taw_fam(f, dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 1c 0002 01 10"
			      "ff020000000000000000000000000001 00 30 20010db80001", ""),
		       true, "ff02::1");
	assert_int_equal(dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 1c 0002 01 10" LL6
			     "00 30 20010db80001", ""), BGP_OK);
	assert_int_equal(dec(f, &ebgp4, "", ORIGIN ASPATH4 "40 03 04 00000000" MP6, ""), BGP_OK);
	assert_int_equal(f->u.nnlri, 1);
	/* Both families in one UPDATE: a bad IPv6 next hop withdraws all. */
	assert_int_equal(dec(f, &ebgp4, "", BASE4 "80 0e 1c 0002 01 10"
			     "00000000000000000000000000000000 00 30 20010db80001", NLRI2),
			 BGP_TREAT_AS_WITHDRAW);
	assert_int_equal(f->u.nwithdrawn, 3);
}

/* RFC 4271 6.3: semantically incorrect prefixes (multicast; IPv6 link-local
 * too) are ignored, the rest of the UPDATE stands; withdrawing them is
 * harmless. */
static void test_nlri_semantic(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dec(f, &ebgp4, "", BASE4, "18 e00001" NLRI2 "04 e0"), BGP_OK);
	assert_int_equal(f->u.nnlri, 2);
	assert_int_equal(f->u.nignored, 2);
	assert_pfx(&f->u.nlri[0], "10.1.0.0/16");
	assert_non_null(strstr(f->u.reason, "224.0.1.0/24"));
	assert_int_equal(dec(f, &ebgp4, "", ORIGIN ASPATH4 "80 0e 28 0002 01 10" NH6
			     "00 30 20010db80001 10 ff02 40 fe80000000000000", ""), BGP_OK);
	assert_int_equal(f->u.nnlri, 1);
	assert_int_equal(f->u.nignored, 2);
	assert_pfx(&f->u.nlri[0], "2001:db8:1::/48");
	/* Only ignored prefixes: neither a route nor an End-of-RIB. */
	assert_int_equal(dec(f, &ebgp4, "", BASE4, "18 e00001"), BGP_OK);
	assert_int_equal(f->u.nnlri + f->u.nwithdrawn, 0);
	assert_false(f->u.eor);
	assert_int_equal(dec(f, &ebgp4, "18 e00001", "", ""), BGP_OK);
	assert_int_equal(f->u.nwithdrawn, 1);
	/* 224.0.0.0/3 starts at a multicast address too; 192.0.0.0/2 does not. */
	assert_int_equal(dec(f, &ebgp4, "", BASE4, "03 e0 02 c0"), BGP_OK);
	assert_int_equal(f->u.nnlri, 1);
	assert_pfx(&f->u.nlri[0], "192.0.0.0/2");
}

/* After decoding: the caller's own checks (the next hop is our address,
 * RFC 4271 6.3) withdraw one family's NLRI. */
static void test_withdraw_family(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dec(f, &ebgp4, "08 0b", BASE4 MP6, NLRI2), BGP_OK);
	assert_int_equal(f->u.nnlri, 3);
	assert_int_equal(bgp_update_withdraw_family(&f->u, &f->a, AF_INET), 2);
	assert_true(f->u.treat_as_withdraw);
	assert_int_equal(f->u.nnlri, 1);
	assert_pfx(&f->u.nlri[0], "2001:db8:1::/48");
	assert_int_equal(f->u.nwithdrawn, 3);
	assert_pfx(&f->u.withdrawn[0], "11.0.0.0/8");
	assert_pfx(&f->u.withdrawn[2], "10.2.1.0/24");
	assert_int_equal(bgp_update_withdraw_family(&f->u, &f->a, AF_INET), 0);
	assert_int_equal(bgp_update_withdraw_family(&f->u, &f->a, AF_UNSPEC), 1);
	assert_int_equal(f->u.nnlri + f->u.nwithdrawn, 4);
	/* No room left: -1, the UPDATE unchanged. */
	assert_int_equal(dec(f, &ebgp4, "", BASE4, NLRI2), BGP_OK);
	f->a.used = f->a.cap;
	assert_int_equal(bgp_update_withdraw_family(&f->u, &f->a, AF_UNSPEC), -1);
	assert_int_equal(f->u.nnlri, 2);
}

/* Scratch arena too small: reset with Cease/Out of Resources, no crash. */
static void test_arena_exhausted(void **state)
{
	struct fx *f = *state;
	uint8_t small[64];
	struct arena a;

	arena_init(&a, small, sizeof(small));
	struct rbuf r = rbuf_make(f->body, upd_body(f->body, "", BASE4, NLRI2 NLRI2 NLRI2));
	assert_int_equal(bgp_update_decode(&r, &ebgp4, &a, &f->u, &f->err), BGP_SESSION_RESET);
	assert_int_equal(f->err.code, BGP_ERR_CEASE);
	assert_int_equal(f->err.subcode, BGP_CEASE_OUT_OF_RESOURCES);
}

/* Update groups encode once and patch each member's next hop: the locator
 * finds NEXT_HOP (IPv4) and the MP_REACH next hop field (IPv6), also
 * behind an extended-length attribute, and nothing in a withdrawal. */
static void test_nexthop_locator(void **state)
{
	struct fx *f = *state;
	uint8_t ap[16], want[4] = { 10, 0, 0, 1 };
	struct bgp_attrs a = attrs4(ap);
	struct bgp_prefix p[2] = { pfx("10.1.0.0/16"), pfx("10.2.1.0/24") };
	struct bgp_prefix p6 = pfx("2001:db8:1::/48");
	size_t done, len, off, nhlen;
	struct in6_addr patched;

	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, p, 2, &done);
	assert_true(bgp_update_nexthop_at(f->msg, len, &off, &nhlen));
	assert_int_equal(nhlen, 4);
	assert_memory_equal(f->msg + off, want, 4);
	/* Patched in place, it decodes as the new next hop. */
	f->msg[off + 3] = 9;
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_int_equal(ntohl(f->u.attrs.nexthop.s_addr), 0x0a000009);

	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_MP_REACH);
	inet_pton(AF_INET6, "2001:db8::1", &a.nh6);
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p6, 1, &done);
	assert_true(bgp_update_nexthop_at(f->msg, len, &off, &nhlen));
	assert_int_equal(nhlen, 16);
	assert_memory_equal(f->msg + off, &a.nh6, 16);
	inet_pton(AF_INET6, "2001:db8::2", &patched);
	memcpy(f->msg + off, &patched, 16);
	assert_int_equal(dec_msg(f, &ebgp4, f->msg, len), BGP_OK);
	assert_memory_equal(&f->u.attrs.nh6, &patched, 16);

	/* Many IPv6 NLRI: MP_REACH takes the extended length. */
	struct bgp_prefix many[200];
	for (int i = 0; i < 200; i++) {
		char s[64];
		snprintf(s, sizeof(s), "2001:db8:%x::/48", i + 1);
		many[i] = pfx(s);
	}
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, many, 200, &done);
	assert_int_equal(done, 200);
	assert_true(bgp_update_nexthop_at(f->msg, len, &off, &nhlen));
	assert_memory_equal(f->msg + off, &a.nh6, 16);

	/* A withdrawal has no next hop; a truncated message is refused. */
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, NULL, p, 2, &done, NULL, 0, NULL);
	assert_false(bgp_update_nexthop_at(f->msg, len, &off, &nhlen));
	len = bgp_update_encode(f->msg, sizeof(f->msg), &ebgp4, &a, NULL, 0, NULL, &p6, 1, &done);
	assert_false(bgp_update_nexthop_at(f->msg, 30, &off, &nhlen));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ipv4_both_ways),
		T(test_ipv4_as2_both_ways),
		T(test_all_attrs_both_ways),
		T(test_ipv6_both_ways),
		T(test_withdraw_both_ways),
		T(test_as4_trans_both_ways),
		T(test_as4_ignored_when_aggregator_not_trans),
		T(test_extended_length),
		T(test_packing),
		T(test_unknown_attrs),
		T(test_7606_origin),
		T(test_7606_aspath),
		T(test_7606_nexthop),
		T(test_7606_med_local_pref),
		T(test_7606_discards),
		T(test_7606_communities),
		T(test_7606_missing),
		T(test_7606_duplicates),
		T(test_7606_mp),
		T(test_7606_nlri_fields),
		T(test_7606_attr_overrun),
		T(test_unrecognized_well_known),
		T(test_7606_no_nlri_and_combined),
		T(test_mixed_withdraw_not_eor),
		T(test_7606_taw_both_families),
		T(test_7606_discard_both_families),
		T(test_as4_merge_rules),
		T(test_7606_mp_more),
		T(test_mp_nexthop_semantic),
		T(test_nlri_semantic),
		T(test_withdraw_family),
		T(test_arena_exhausted),
		T(test_nexthop_locator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
