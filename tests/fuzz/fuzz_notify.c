/* libFuzzer target for NOTIFICATION (RFC 4271 4.5, 4486, 9003) and
 * ROUTE-REFRESH (RFC 2918, 7313): the input is a whole message. The header
 * is decoded; the body goes to the decoder its type byte names (another
 * type feeds both), also when the header is refused, so mutations of the
 * length field do not hide the body decoders. A decoded NOTIFICATION or
 * ROUTE-REFRESH is encoded again and must decode to the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/wire.h"
#include "tests/fuzz/fuzz.h"


static struct bgp_notification n, n2;
static struct bgp_error err;
static uint8_t out[BGP_MAX_MSG];

static void notification(const uint8_t *body, size_t len)
{
	struct rbuf r = rbuf_make(body, len);
	size_t m;

	if (bgp_notification_decode(&r, &n, &err) != BGP_OK)
		return;
	CHECK(n.data_len == len - 2 && n.data_len <= sizeof(n.data));
	CHECK(bgp_err_str(n.code, n.subcode) != NULL);
	m = bgp_notification_encode(out, sizeof(out), n.code, n.subcode, n.data, n.data_len);
	CHECK(m >= BGP_HDR_LEN + 2 && m <= BGP_MAX_MSG);
	if (n.data_len > BGP_MAX_MSG - BGP_HDR_LEN - 2)
		return; /* the encoder clips data that cannot fit one message */
	r = rbuf_make(out + BGP_HDR_LEN, m - BGP_HDR_LEN);
	CHECK(bgp_notification_decode(&r, &n2, &err) == BGP_OK);
	CHECK(n2.code == n.code && n2.subcode == n.subcode && n2.data_len == n.data_len);
	CHECK(memcmp(n2.data, n.data, n.data_len) == 0);
}

static void refresh(const uint8_t *body, size_t len)
{
	struct rbuf r = rbuf_make(body, len);
	uint16_t afi, afi2;
	uint8_t safi, safi2;
	size_t m;

	if (bgp_refresh_decode(&r, &afi, &safi, &err) != BGP_OK)
		return;
	m = bgp_refresh_encode(out, sizeof(out), afi, safi);
	CHECK(m == BGP_HDR_LEN + 4);
	r = rbuf_make(out + BGP_HDR_LEN, m - BGP_HDR_LEN);
	CHECK(bgp_refresh_decode(&r, &afi2, &safi2, &err) == BGP_OK);
	CHECK(afi2 == afi && safi2 == safi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t len;
	uint8_t type;

	if (size < BGP_HDR_LEN)
		return 0;
	if (bgp_header_decode(data, &len, &type, &err) != BGP_OK || len > size) {
		CHECK(err.code == BGP_ERR_HEADER || len > size);
		(void)bgp_msg_type_str(data[18]);
		len = (uint16_t)(size > BGP_MAX_MSG ? BGP_MAX_MSG : size);
	}
	type = data[18];
	if (type != BGP_ROUTE_REFRESH)
		notification(data + BGP_HDR_LEN, len - BGP_HDR_LEN);
	if (type != BGP_NOTIFICATION)
		refresh(data + BGP_HDR_LEN, len - BGP_HDR_LEN);
	return 0;
}
