/* Unit tests: the BMP encoders (bgpd/bmp_wire.c, RFC 7854), byte for
 * byte: common and per-peer headers and their flags, Initiation and
 * Termination TLVs, Route Monitoring, Peer Up, Peer Down reasons,
 * Statistics Reports; every encoder refuses a buffer one byte short. */
#include <arpa/inet.h>

#include "bgpd/bmp_wire.h"
#include "tests/unit/wire_test.h"

#define MARKER "ffffffffffffffffffffffffffffffff"
/* Per-peer header of 192.0.2.1, AS 65001, id 10.0.0.1, ts 1.000002. */
#define PH_V4(flags) "00" flags "0000000000000000" \
	"000000000000000000000000 c0000201" "0000fde9" "0a000001" "00000001" "00000002"

static void peer_v4(struct bmp_peer_hdr *h, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	h->type = BMP_PEER_GLOBAL;
	h->flags = flags;
	h->family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", h->addr);
	h->asn = 65001;
	h->bgp_id = 0x0a000001;
	h->sec = 1;
	h->usec = 2;
}

/* Every encoder: 0 when the buffer is one byte short. */
static void short_by_one(size_t (*enc)(uint8_t *out, size_t cap), size_t len)
{
	uint8_t out[BGP_MAX_MSG * 3];

	assert_int_equal(enc(out, len), len);
	assert_int_equal(enc(out, len - 1), 0);
}

static void test_common(void **state)
{
	uint8_t out[16];

	(void)state;
	assert_hex(out, bmp_common_encode(out, sizeof(out), BMP_INITIATION, 0x01020304),
		   "03 01020304 04");
	assert_int_equal(bmp_common_encode(out, 5, BMP_INITIATION, 6), 0);
}

static void test_peer_hdr_flags(void **state)
{
	struct bmp_peer_hdr h;
	uint8_t out[64];

	(void)state;
	peer_v4(&h, 0);
	assert_hex(out, bmp_peer_hdr_encode(out, sizeof(out), &h), PH_V4("00"));
	/* L (post-policy) and A (2-octet AS_PATH); V is the family's, not the caller's. */
	peer_v4(&h, BMP_PEER_FLAG_L | BMP_PEER_FLAG_A | BMP_PEER_FLAG_V);
	assert_hex(out, bmp_peer_hdr_encode(out, sizeof(out), &h), PH_V4("60"));
	h.distinguisher = 0x0001000200030004ull;
	h.flags = 0;
	assert_hex(out, bmp_peer_hdr_encode(out, sizeof(out), &h),
		   "00 00 0001000200030004 000000000000000000000000 c0000201"
		   "0000fde9 0a000001 00000001 00000002");
	/* IPv6: V set, the whole 16 octets. */
	h.distinguisher = 0;
	h.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", h.addr);
	h.flags = BMP_PEER_FLAG_L;
	assert_hex(out, bmp_peer_hdr_encode(out, sizeof(out), &h),
		   "00 c0 0000000000000000 20010db8000000000000000000000001"
		   "0000fde9 0a000001 00000001 00000002");
	assert_int_equal(bmp_peer_hdr_encode(out, BMP_PEER_HDR_LEN - 1, &h), 0);
}

static size_t init_enc(uint8_t *out, size_t cap)
{
	return bmp_initiation_encode(out, cap, "closbgpd", "rsw1");
}

static void test_initiation(void **state)
{
	uint8_t out[128];

	(void)state;
	/* 6 + (4 + 8) sysDescr + (4 + 4) sysName = 26 */
	assert_hex(out, init_enc(out, sizeof(out)),
		   "03 0000001a 04  0001 0008 636c6f7362677064  0002 0004 72737731");
	short_by_one(init_enc, 26);
	assert_hex(out, bmp_initiation_encode(out, sizeof(out), NULL, NULL), "03 00000006 04");
}

static size_t term_enc(uint8_t *out, size_t cap)
{
	return bmp_termination_encode(out, cap, BMP_TERM_PERM_ADMIN_CLOSE, "bye");
}

static void test_termination(void **state)
{
	uint8_t out[64];

	(void)state;
	assert_hex(out, term_enc(out, sizeof(out)),
		   "03 00000013 05  0000 0003 627965  0001 0002 0004");
	short_by_one(term_enc, 19);
	assert_hex(out, bmp_termination_encode(out, sizeof(out), BMP_TERM_ADMIN_CLOSE, NULL),
		   "03 0000000c 05 0001 0002 0000");
}

static void test_route_monitoring(void **state)
{
	struct bmp_peer_hdr h;
	uint8_t out[256], pdu[64];
	size_t n = bgp_keepalive_encode(pdu, sizeof(pdu)); /* any PDU: 19 octets */

	(void)state;
	peer_v4(&h, BMP_PEER_FLAG_L);
	/* 6 + 42 + 19 = 67 = 0x43 */
	assert_hex(out, bmp_route_monitoring_encode(out, sizeof(out), &h, pdu, n),
		   "03 00000043 00" PH_V4("40") MARKER "0013 04");
	/* The header alone, for a PDU encoded in place after it. */
	assert_hex(out, bmp_rm_hdr_encode(out, sizeof(out), &h, n), "03 00000043 00" PH_V4("40"));
	assert_int_equal(bmp_rm_hdr_encode(out, BMP_RM_HDR_LEN - 1, &h, n), 0);
	assert_int_equal(bmp_route_monitoring_encode(out, 66, &h, pdu, n), 0);
}

static void test_peer_up(void **state)
{
	struct bmp_peer_hdr h;
	uint8_t out[512], o1[64], o2[64], local[4];
	size_t n1 = hex(MARKER "001d 01 04 fde9 001e 0a000002 00", o1);
	size_t n2 = hex(MARKER "001d 01 04 fdea 005a 0a000001 00", o2);

	(void)state;
	peer_v4(&h, 0);
	inet_pton(AF_INET, "192.0.2.2", local);
	/* 6 + 42 + 16 + 2 + 2 + 29 + 29 = 126 = 0x7e */
	assert_hex(out,
		   bmp_peer_up_encode(out, sizeof(out), &h, AF_INET, local, 179, 50123, o1, n1,
				      o2, n2),
		   "03 0000007e 03" PH_V4("00") "000000000000000000000000 c0000202 00b3 c3cb"
		   MARKER "001d 01 04 fde9 001e 0a000002 00"
		   MARKER "001d 01 04 fdea 005a 0a000001 00");
	assert_int_equal(bmp_peer_up_encode(out, 125, &h, AF_INET, local, 179, 50123, o1, n1, o2,
					    n2), 0);
}

static void test_peer_down_reasons(void **state)
{
	struct bmp_peer_hdr h;
	uint8_t out[256], note[64];
	size_t nn = bgp_notification_encode(note, sizeof(note), 6, 2, NULL, 0);

	(void)state;
	peer_v4(&h, 0);
	/* 1: local NOTIFICATION, the PDU follows. 6+42+1+21 = 70 */
	assert_hex(out, bmp_peer_down_encode(out, sizeof(out), &h, BMP_DOWN_LOCAL_NOTIFY, note, nn),
		   "03 00000046 02" PH_V4("00") "01" MARKER "0015 03 06 02");
	/* 2: local close without one: the FSM event (18, TcpConnectionFails). */
	assert_hex(out, bmp_peer_down_event_encode(out, sizeof(out), &h, 18),
		   "03 00000033 02" PH_V4("00") "02 0012");
	/* 3: remote NOTIFICATION. */
	assert_hex(out, bmp_peer_down_encode(out, sizeof(out), &h, BMP_DOWN_REMOTE_NOTIFY, note, nn),
		   "03 00000046 02" PH_V4("00") "03" MARKER "0015 03 06 02");
	/* 4: closed by the peer, 5: de-configured: no data. */
	assert_hex(out, bmp_peer_down_encode(out, sizeof(out), &h, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0),
		   "03 00000031 02" PH_V4("00") "04");
	assert_hex(out, bmp_peer_down_encode(out, sizeof(out), &h, BMP_DOWN_DECONFIGURED, NULL, 0),
		   "03 00000031 02" PH_V4("00") "05");
	assert_int_equal(bmp_peer_down_event_encode(out, 50, &h, 18), 0);
}

static void test_stats(void **state)
{
	struct bmp_peer_hdr h;
	uint8_t out[256];
	const struct bmp_stat st[] = {
		{ .type = BMP_STAT_REJECTED, .value = 3 },
		{ .type = BMP_STAT_ADJ_RIB_IN, .value = 0x100000002ull },
		{ .type = BMP_STAT_LOC_RIB, .value = 7 },
		{ .type = BMP_STAT_ADJ_RIB_IN_AF, .afi = 2, .safi = 1, .value = 5 },
		{ .type = BMP_STAT_TREAT_AS_WITHDRAW, .value = 0x1ffffffffull }, /* capped */
	};

	(void)state;
	peer_v4(&h, 0);
	/* 6+42+4 + (4+4) + (4+8) + (4+8) + (4+11) + (4+4) = 107 = 0x6b */
	assert_hex(out, bmp_stats_encode(out, sizeof(out), &h, st, 5),
		   "03 0000006b 01" PH_V4("00") "00000005"
		   "0000 0004 00000003"
		   "0007 0008 0000000100000002"
		   "0008 0008 0000000000000007"
		   "0009 000b 0002 01 0000000000000005"
		   "000b 0004 ffffffff");
	assert_int_equal(bmp_stats_encode(out, 106, &h, st, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_peer_hdr_flags),
		cmocka_unit_test(test_initiation),
		cmocka_unit_test(test_termination),
		cmocka_unit_test(test_route_monitoring),
		cmocka_unit_test(test_peer_up),
		cmocka_unit_test(test_peer_down_reasons),
		cmocka_unit_test(test_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
