/* libFuzzer target for OPEN and its capabilities (RFC 4271 4.2, 5492, 4760,
 * 6793, 2918, 4724): the input is an OPEN message body (after the 19-byte
 * header). A decoded OPEN is encoded again; the encoding must decode to
 * the same OPEN and re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/wire.h"
#include "tests/fuzz/fuzz.h"


static void check_same_caps(const struct bgp_caps *a, const struct bgp_caps *b)
{
	CHECK(a->mp_ipv4 == b->mp_ipv4 && a->mp_ipv6 == b->mp_ipv6);
	CHECK(a->as4 == b->as4 && (!a->as4 || a->as4_asn == b->as4_asn));
	CHECK(a->route_refresh == b->route_refresh);
	CHECK(a->gr == b->gr);
	if (!a->gr)
		return;
	CHECK(a->gr_time == b->gr_time && a->gr_nafi == b->gr_nafi);
	for (unsigned i = 0; i < a->gr_nafi; i++)
		CHECK(a->gr_afi[i].afi == b->gr_afi[i].afi && a->gr_afi[i].safi == b->gr_afi[i].safi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[BGP_MAX_MSG], out2[BGP_MAX_MSG];
	struct bgp_open o, o2;
	struct bgp_error err;
	struct rbuf r = rbuf_make(data, size);
	size_t n, n2;

	memset(&err, 0, sizeof(err));
	if (bgp_open_decode(&r, &o, &err) != BGP_OK) {
		/* A refusal names an OPEN (or header) error and fits its data. */
		CHECK(err.code == BGP_ERR_OPEN || err.code == BGP_ERR_HEADER);
		CHECK(err.data_len <= sizeof(err.data));
		CHECK(memchr(err.reason, '\0', sizeof(err.reason)) != NULL);
		(void)bgp_err_str(err.code, err.subcode);
		return 0;
	}
	CHECK(o.caps.gr_nafi <= sizeof(o.caps.gr_afi) / sizeof(o.caps.gr_afi[0]));
	CHECK(o.asn == (o.caps.as4 ? o.caps.as4_asn : o.my_as));
	n = bgp_open_encode(out, sizeof(out), &o);
	CHECK(n > BGP_HDR_LEN && n <= sizeof(out));
	r = rbuf_make(out + BGP_HDR_LEN, n - BGP_HDR_LEN);
	CHECK(bgp_open_decode(&r, &o2, &err) == BGP_OK);
	CHECK(o2.version == o.version && o2.asn == o.asn && o2.hold_time == o.hold_time &&
	      o2.bgp_id == o.bgp_id);
	check_same_caps(&o.caps, &o2.caps);
	n2 = bgp_open_encode(out2, sizeof(out2), &o2);
	CHECK(n2 == n && memcmp(out, out2, n) == 0);
	return 0;
}
