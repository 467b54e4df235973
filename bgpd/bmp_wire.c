/* BMP (RFC 7854) message encoders: the common header (4.1), the per-peer
 * header (4.2), Initiation (4.3), Termination (4.5), Route Monitoring
 * (4.6), Statistics Report (4.8), Peer Down (4.9) and Peer Up (4.10)
 * Notifications. No I/O. */
#include <netinet/in.h>
#include <string.h>

#include "bgpd/bmp_wire.h"
#include "bgpd/buf.h"

/* The common header with a 0 length, patched by bmp_finish. */
static void bmp_begin(struct wbuf *w, uint8_t type)
{
	wbuf_u8(w, BMP_VERSION);
	wbuf_u32(w, 0);
	wbuf_u8(w, type);
}

static size_t bmp_finish(struct wbuf *w)
{
	if (!wbuf_ok(w) || w->len > UINT32_MAX)
		return 0;
	w->p[1] = (uint8_t)(w->len >> 24);
	w->p[2] = (uint8_t)(w->len >> 16);
	w->p[3] = (uint8_t)(w->len >> 8);
	w->p[4] = (uint8_t)w->len;
	return w->len;
}

/* 16 octets: an IPv6 address, or an IPv4 one in the low-order 4 (4.2). */
static void bmp_addr16(struct wbuf *w, uint8_t family, const uint8_t *addr)
{
	static const uint8_t zero[12];

	if (family == AF_INET6) {
		wbuf_bytes(w, addr, 16);
		return;
	}
	wbuf_bytes(w, zero, sizeof(zero));
	wbuf_bytes(w, addr, 4);
}

static void bmp_peer_hdr_put(struct wbuf *w, const struct bmp_peer_hdr *h)
{
	uint8_t flags = h->flags & (uint8_t)~BMP_PEER_FLAG_V;

	if (h->family == AF_INET6)
		flags |= BMP_PEER_FLAG_V;
	wbuf_u8(w, h->type);
	wbuf_u8(w, flags);
	wbuf_u32(w, (uint32_t)(h->distinguisher >> 32));
	wbuf_u32(w, (uint32_t)h->distinguisher);
	bmp_addr16(w, h->family, h->addr);
	wbuf_u32(w, h->asn);
	wbuf_u32(w, h->bgp_id);
	wbuf_u32(w, h->sec);
	wbuf_u32(w, h->usec);
}

/* An information TLV (2-octet type and length); a string without its NUL. */
static void bmp_tlv(struct wbuf *w, uint16_t type, const void *v, size_t len)
{
	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	wbuf_u16(w, type);
	wbuf_u16(w, (uint16_t)len);
	wbuf_bytes(w, v, len);
}

size_t bmp_common_encode(uint8_t *out, size_t cap, uint8_t type, uint32_t len)
{
	struct wbuf w = wbuf_make(out, cap);

	wbuf_u8(&w, BMP_VERSION);
	wbuf_u32(&w, len);
	wbuf_u8(&w, type);
	return wbuf_ok(&w) ? w.len : 0;
}

size_t bmp_peer_hdr_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h)
{
	struct wbuf w = wbuf_make(out, cap);

	bmp_peer_hdr_put(&w, h);
	return wbuf_ok(&w) ? w.len : 0;
}

size_t bmp_rm_hdr_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h, size_t pdu_len)
{
	struct wbuf w = wbuf_make(out, cap);

	if (pdu_len > UINT32_MAX - BMP_RM_HDR_LEN)
		return 0;
	wbuf_u8(&w, BMP_VERSION);
	wbuf_u32(&w, (uint32_t)(BMP_RM_HDR_LEN + pdu_len));
	wbuf_u8(&w, BMP_ROUTE_MONITORING);
	bmp_peer_hdr_put(&w, h);
	return wbuf_ok(&w) ? w.len : 0;
}

size_t bmp_route_monitoring_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
				   const uint8_t *pdu, size_t pdu_len)
{
	struct wbuf w = wbuf_make(out, cap);

	bmp_begin(&w, BMP_ROUTE_MONITORING);
	bmp_peer_hdr_put(&w, h);
	wbuf_bytes(&w, pdu, pdu_len);
	return bmp_finish(&w);
}

size_t bmp_initiation_encode(uint8_t *out, size_t cap, const char *sysdescr, const char *sysname)
{
	struct wbuf w = wbuf_make(out, cap);

	bmp_begin(&w, BMP_INITIATION);
	if (sysdescr)
		bmp_tlv(&w, BMP_INFO_SYSDESCR, sysdescr, strlen(sysdescr));
	if (sysname)
		bmp_tlv(&w, BMP_INFO_SYSNAME, sysname, strlen(sysname));
	return bmp_finish(&w);
}

size_t bmp_termination_encode(uint8_t *out, size_t cap, uint16_t reason, const char *text)
{
	struct wbuf w = wbuf_make(out, cap);
	uint8_t r[2] = { (uint8_t)(reason >> 8), (uint8_t)reason };

	bmp_begin(&w, BMP_TERMINATION);
	if (text)
		bmp_tlv(&w, BMP_TERM_STRING, text, strlen(text));
	bmp_tlv(&w, BMP_TERM_REASON, r, sizeof(r));
	return bmp_finish(&w);
}

size_t bmp_peer_up_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
			  uint8_t local_family, const uint8_t *local_addr, uint16_t local_port,
			  uint16_t remote_port, const uint8_t *open_sent, size_t sent_len,
			  const uint8_t *open_recv, size_t recv_len)
{
	struct wbuf w = wbuf_make(out, cap);

	bmp_begin(&w, BMP_PEER_UP);
	bmp_peer_hdr_put(&w, h);
	bmp_addr16(&w, local_family, local_addr);
	wbuf_u16(&w, local_port);
	wbuf_u16(&w, remote_port);
	wbuf_bytes(&w, open_sent, sent_len);
	wbuf_bytes(&w, open_recv, recv_len);
	return bmp_finish(&w);
}

size_t bmp_peer_down_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
			    uint8_t reason, const uint8_t *data, size_t data_len)
{
	struct wbuf w = wbuf_make(out, cap);

	bmp_begin(&w, BMP_PEER_DOWN);
	bmp_peer_hdr_put(&w, h);
	wbuf_u8(&w, reason);
	wbuf_bytes(&w, data, data_len);
	return bmp_finish(&w);
}

size_t bmp_peer_down_event_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
				  uint16_t fsm_event)
{
	uint8_t ev[2] = { (uint8_t)(fsm_event >> 8), (uint8_t)fsm_event };

	return bmp_peer_down_encode(out, cap, h, BMP_DOWN_LOCAL_NO_NOTIFY, ev, sizeof(ev));
}

/* 4.8: types 7 to 10 are 64-bit gauges (9 and 10 after an AFI and SAFI),
 * the others 32-bit counters. */
static void bmp_stat_put(struct wbuf *w, const struct bmp_stat *s)
{
	wbuf_u16(w, s->type);
	switch (s->type) {
	case 9:
	case 10:
		wbuf_u16(w, 11);
		wbuf_u16(w, s->afi);
		wbuf_u8(w, s->safi);
		wbuf_u32(w, (uint32_t)(s->value >> 32));
		wbuf_u32(w, (uint32_t)s->value);
		break;
	case 7:
	case 8:
		wbuf_u16(w, 8);
		wbuf_u32(w, (uint32_t)(s->value >> 32));
		wbuf_u32(w, (uint32_t)s->value);
		break;
	default:
		wbuf_u16(w, 4);
		wbuf_u32(w, s->value > UINT32_MAX ? UINT32_MAX : (uint32_t)s->value);
		break;
	}
}

size_t bmp_stats_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
			const struct bmp_stat *st, size_t n)
{
	struct wbuf w = wbuf_make(out, cap);

	if (n > UINT32_MAX)
		return 0;
	bmp_begin(&w, BMP_STATISTICS);
	bmp_peer_hdr_put(&w, h);
	wbuf_u32(&w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		bmp_stat_put(&w, &st[i]);
	return bmp_finish(&w);
}
