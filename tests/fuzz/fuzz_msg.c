/* libFuzzer target for the wire codec: header, then by type the OPEN,
 * UPDATE (AS4 on and off, IPv6 on), NOTIFICATION and ROUTE-REFRESH
 * decoders; decoded OPENs and UPDATEs are re-encoded and decoded again,
 * and that round trip must succeed and give the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/wire.h"
#include "tests/fuzz/fuzz.h"


/* Harness scratch space (the codec itself has no globals). */
static uint8_t block1[ARENA_UPDATE_SIZE], block2[ARENA_UPDATE_SIZE];
static struct bgp_prefix wd[BGP_MAX_MSG], nl[BGP_MAX_MSG];

static size_t pick(const struct bgp_prefix *v, size_t n, uint8_t fam, struct bgp_prefix *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].family == fam)
			out[k++] = v[i];
	return k;
}

static void check_same_path(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
	CHECK(a->aspath_len == b->aspath_len);
	CHECK(!a->aspath_len || memcmp(a->aspath, b->aspath, a->aspath_len) == 0);
	CHECK(a->origin == b->origin);
}

/* Re-decode one encoded UPDATE and compare it with what was sent. */
static void check_message(const struct bgp_codec_ctx *ctx, const uint8_t *m, size_t len,
			  const struct bgp_update *orig, size_t wi, size_t dw, size_t ni, size_t dn)
{
	struct arena a;
	struct bgp_update u;
	struct bgp_error err;
	uint16_t hl;
	uint8_t type;

	CHECK(len <= BGP_MAX_MSG);
	CHECK(bgp_header_decode(m, &hl, &type, &err) == BGP_OK && hl == len);
	arena_init(&a, block2, sizeof(block2));
	struct rbuf r = rbuf_make(m + BGP_HDR_LEN, len - BGP_HDR_LEN);
	CHECK(bgp_update_decode(&r, ctx, &a, &u, &err) == BGP_OK);
	CHECK(u.nwithdrawn == dw && u.nnlri == dn);
	for (size_t i = 0; i < dw; i++)
		CHECK(bgp_prefix_cmp(&u.withdrawn[i], &wd[wi + i]) == 0);
	for (size_t i = 0; i < dn; i++)
		CHECK(bgp_prefix_cmp(&u.nlri[i], &nl[ni + i]) == 0);
	if (dn)
		check_same_path(&orig->attrs, &u.attrs);
}

static void roundtrip_family(const struct bgp_codec_ctx *ctx, const struct bgp_update *u,
			     uint8_t fam)
{
	size_t nw = pick(u->withdrawn, u->nwithdrawn, fam, wd);
	size_t nn = pick(u->nlri, u->nnlri, fam, nl);
	size_t wi = 0, ni = 0;
	uint8_t out[BGP_MAX_MSG];

	while (wi < nw || ni < nn) {
		size_t dw = 0, dn = 0;
		size_t len = bgp_update_encode(out, sizeof(out), ctx, &u->attrs, wd + wi, nw - wi,
					       &dw, nl + ni, nn - ni, &dn);
		if (!len) {
			/* Only attributes too large to re-encode may fail. */
			CHECK(wi == nw);
			return;
		}
		CHECK(dw + dn > 0);
		check_message(ctx, out, len, u, wi, dw, ni, dn);
		wi += dw;
		ni += dn;
	}
}

static void fuzz_update(const struct bgp_codec_ctx *ctx, const uint8_t *body, size_t len)
{
	struct arena a;
	struct bgp_update u;
	struct bgp_error err;
	struct rbuf r = rbuf_make(body, len);

	arena_init(&a, block1, sizeof(block1));
	if (bgp_update_decode(&r, ctx, &a, &u, &err) == BGP_SESSION_RESET) {
		CHECK(err.code != 0);
		return;
	}
	CHECK(u.treat_as_withdraw ? u.nnlri == 0 : true);
	roundtrip_family(ctx, &u, AF_INET);
	roundtrip_family(ctx, &u, AF_INET6);
}

static void fuzz_open(const uint8_t *body, size_t len)
{
	struct bgp_open o, o2;
	struct bgp_error err;
	uint8_t out[BGP_MAX_MSG];
	struct rbuf r = rbuf_make(body, len);
	size_t n;

	if (bgp_open_decode(&r, &o, &err) != BGP_OK)
		return;
	n = bgp_open_encode(out, sizeof(out), &o);
	CHECK(n > 0);
	r = rbuf_make(out + BGP_HDR_LEN, n - BGP_HDR_LEN);
	CHECK(bgp_open_decode(&r, &o2, &err) == BGP_OK);
	CHECK(o2.asn == o.asn && o2.hold_time == o.hold_time && o2.bgp_id == o.bgp_id);
	CHECK(o2.caps.as4 == o.caps.as4 && o2.caps.mp_ipv6 == o.caps.mp_ipv6);
	CHECK(o2.caps.route_refresh == o.caps.route_refresh && o2.caps.gr == o.caps.gr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bgp_codec_ctx as4 = { .as4 = true, .ipv4 = true, .ipv6 = true,
						  .ebgp = true };
	static const struct bgp_codec_ctx as2 = { .as4 = false, .ipv4 = true, .ipv6 = true,
						  .ebgp = true };
	struct bgp_error err;
	struct bgp_notification n;
	uint16_t len, afi;
	uint8_t type, safi;
	size_t body_len;

	if (size < BGP_HDR_LEN)
		return 0;
	/* Decode the header, but feed the body even when it is refused, so
	 * mutations of the length field do not hide the body decoders. */
	if (bgp_header_decode(data, &len, &type, &err) != BGP_OK || len > size)
		len = (uint16_t)(size > BGP_MAX_MSG ? BGP_MAX_MSG : size);
	type = data[18];
	body_len = len - BGP_HDR_LEN;
	const uint8_t *body = data + BGP_HDR_LEN;
	struct rbuf r = rbuf_make(body, body_len);

	switch (type) {
	case BGP_OPEN:
		fuzz_open(body, body_len);
		break;
	case BGP_UPDATE:
		fuzz_update(&as4, body, body_len);
		fuzz_update(&as2, body, body_len);
		break;
	case BGP_NOTIFICATION:
		if (bgp_notification_decode(&r, &n, &err) == BGP_OK)
			CHECK(n.data_len == body_len - 2);
		(void)bgp_err_str(n.code, n.subcode);
		break;
	case BGP_ROUTE_REFRESH:
		bgp_refresh_decode(&r, &afi, &safi, &err);
		break;
	default:
		break;
	}
	return 0;
}
