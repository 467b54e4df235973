/* BGP messages other than UPDATE: header (RFC 4271 4.1, 6.1), OPEN and
 * capabilities (4.2, 6.2; RFC 5492, 4760, 2918, 4724, 6793, 9072),
 * KEEPALIVE, NOTIFICATION (4.5), ROUTE-REFRESH (RFC 2918, 7313), End-of-RIB
 * (RFC 4724 2), and the names of message types and error codes. */
#include <stdio.h>
#include <string.h>

#include "bgpd/wire_int.h"

enum { OPT_PARAM_CAPA = 2, OPT_PARAM_EXT = 255 };
enum { CAPA_MP = 1, CAPA_RR = 2, CAPA_GR = 64, CAPA_AS4 = 65 };

void wire_error(struct bgp_error *err, uint8_t code, uint8_t subcode, const void *data,
		size_t data_len, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->subcode = subcode;
	if (data_len > sizeof(err->data))
		data_len = sizeof(err->data);
	err->data_len = (uint16_t)data_len;
	if (data_len)
		memcpy(err->data, data, data_len);
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

static void error_clear(struct bgp_error *err)
{
	err->code = err->subcode = 0;
	err->data_len = 0;
	err->reason[0] = '\0';
}

void wire_header_put(struct wbuf *w, uint8_t type)
{
	static const uint8_t marker[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	wbuf_bytes(w, marker, sizeof(marker));
	wbuf_u16(w, 0);
	wbuf_u8(w, type);
}

size_t wire_finish(struct wbuf *w)
{
	if (!wbuf_ok(w) || w->len > BGP_MAX_MSG)
		return 0;
	wbuf_put_u16_at(w, 16, (uint16_t)w->len);
	return w->len;
}

/* --- header (RFC 4271 4.1, 6.1) ---------------------------------------- */

static uint16_t header_min_len(uint8_t type)
{
	switch (type) {
	case BGP_OPEN:
		return 29;
	case BGP_UPDATE:
		return 23;
	case BGP_NOTIFICATION:
		return 21;
	case BGP_KEEPALIVE:
		return 19;
	case BGP_ROUTE_REFRESH:
		return 23;
	default:
		return 0;
	}
}

enum bgp_verdict bgp_header_decode(const uint8_t hdr[BGP_HDR_LEN], uint16_t *len, uint8_t *type,
				   struct bgp_error *err)
{
	uint16_t min;

	error_clear(err);
	for (int i = 0; i < 16; i++)
		if (hdr[i] != 0xff) {
			wire_error(err, BGP_ERR_HEADER, BGP_HDR_NOT_SYNC, NULL, 0, "bad marker");
			return BGP_SESSION_RESET;
		}
	*len = (uint16_t)(hdr[16] << 8 | hdr[17]);
	*type = hdr[18];
	if (*len < BGP_HDR_LEN || *len > BGP_MAX_MSG) {
		wire_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, hdr + 16, 2,
			   "bad message length %u", *len);
		return BGP_SESSION_RESET;
	}
	min = header_min_len(*type);
	if (!min) {
		wire_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_TYPE, hdr + 18, 1,
			   "unknown message type %u", *type);
		return BGP_SESSION_RESET;
	}
	if (*len < min || (*type == BGP_KEEPALIVE && *len != BGP_HDR_LEN)) {
		wire_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, hdr + 16, 2,
			   "bad length %u for %s", *len, bgp_msg_type_str(*type));
		return BGP_SESSION_RESET;
	}
	return BGP_OK;
}

/* --- OPEN (RFC 4271 4.2, 6.2) ------------------------------------------- */

static void cap_put(struct wbuf *w, uint8_t code, const uint8_t *val, uint8_t len)
{
	/* One capability per optional parameter, as FRR does (RFC 5492 4). */
	wbuf_u8(w, OPT_PARAM_CAPA);
	wbuf_u8(w, (uint8_t)(len + 2));
	wbuf_u8(w, code);
	wbuf_u8(w, len);
	wbuf_bytes(w, val, len);
}

static void caps_put(struct wbuf *w, const struct bgp_open *o)
{
	const struct bgp_caps *c = &o->caps;
	uint8_t v[2 + 4 * 4];

	if (c->mp_ipv4)
		cap_put(w, CAPA_MP, (const uint8_t[]){ 0, AFI_IPV4, 0, SAFI_UNICAST }, 4);
	if (c->mp_ipv6)
		cap_put(w, CAPA_MP, (const uint8_t[]){ 0, AFI_IPV6, 0, SAFI_UNICAST }, 4);
	if (c->route_refresh)
		cap_put(w, CAPA_RR, NULL, 0);
	if (c->as4) {
		uint32_t asn = c->as4_asn ? c->as4_asn : o->asn;
		cap_put(w, CAPA_AS4,
			(const uint8_t[]){ asn >> 24, asn >> 16 & 0xff, asn >> 8 & 0xff, asn & 0xff },
			4);
	}
	if (c->gr) {
		/* RFC 4724 3: flags in the top 4 bits, restart time in 12. */
		uint16_t ft = (uint16_t)((c->gr_flags & 0xf000) | (c->gr_time & 0x0fff));
		unsigned n = c->gr_nafi < 4 ? c->gr_nafi : 4;
		v[0] = (uint8_t)(ft >> 8);
		v[1] = (uint8_t)ft;
		for (unsigned i = 0; i < n; i++) {
			v[2 + 4 * i] = (uint8_t)(c->gr_afi[i].afi >> 8);
			v[3 + 4 * i] = (uint8_t)c->gr_afi[i].afi;
			v[4 + 4 * i] = c->gr_afi[i].safi;
			v[5 + 4 * i] = c->gr_afi[i].flags;
		}
		cap_put(w, CAPA_GR, v, (uint8_t)(2 + 4 * n));
	}
}

size_t bgp_open_encode(uint8_t *out, size_t cap, const struct bgp_open *o)
{
	struct wbuf w = wbuf_make(out, cap);
	uint16_t my_as = o->asn > 0xffff ? BGP_AS_TRANS : o->asn ? (uint16_t)o->asn : o->my_as;
	size_t optlen_at;

	wire_header_put(&w, BGP_OPEN);
	wbuf_u8(&w, o->version ? o->version : BGP_VERSION);
	wbuf_u16(&w, my_as);
	wbuf_u16(&w, o->hold_time);
	wbuf_u32(&w, o->bgp_id);
	optlen_at = wbuf_reserve(&w, 1);
	caps_put(&w, o);
	if (!wbuf_ok(&w) || w.len - optlen_at - 1 > 255)
		return 0;
	wbuf_put_u8_at(&w, optlen_at, (uint8_t)(w.len - optlen_at - 1));
	return wire_finish(&w);
}

static void cap_gr(struct rbuf *v, struct bgp_caps *c)
{
	uint16_t ft;

	if (!rbuf_u16(v, &ft))
		return;
	c->gr = true;
	c->gr_flags = ft & 0xf000;
	c->gr_time = ft & 0x0fff;
	c->gr_nafi = 0;
	while (rbuf_left(v) >= 4 && c->gr_nafi < 4) {
		unsigned i = c->gr_nafi++;
		rbuf_u16(v, &c->gr_afi[i].afi);
		rbuf_u8(v, &c->gr_afi[i].safi);
		rbuf_u8(v, &c->gr_afi[i].flags);
	}
}

/* One capability; unknown ones and ones of the wrong size are ignored
 * (RFC 5492 4). */
static void cap_decode(uint8_t code, struct rbuf *v, struct bgp_caps *c)
{
	uint16_t afi;
	uint8_t res, safi;

	switch (code) {
	case CAPA_MP:
		if (rbuf_left(v) != 4)
			return;
		rbuf_u16(v, &afi);
		rbuf_u8(v, &res);
		rbuf_u8(v, &safi);
		c->mp_seen = true;
		if (afi == AFI_IPV4 && safi == SAFI_UNICAST)
			c->mp_ipv4 = true;
		if (afi == AFI_IPV6 && safi == SAFI_UNICAST)
			c->mp_ipv6 = true;
		return;
	case CAPA_RR:
		c->route_refresh = true;
		return;
	case CAPA_GR:
		cap_gr(v, c);
		return;
	case CAPA_AS4:
		if (rbuf_left(v) == 4 && rbuf_u32(v, &c->as4_asn))
			c->as4 = true;
		return;
	default:
		return;
	}
}

static bool caps_decode(struct rbuf *p, struct bgp_caps *c)
{
	while (rbuf_left(p)) {
		uint8_t code, len;
		struct rbuf v;
		if (!rbuf_u8(p, &code) || !rbuf_u8(p, &len) || !rbuf_sub(p, len, &v))
			return false;
		cap_decode(code, &v, c);
	}
	return true;
}

/* Optional parameters, in the RFC 9072 extended form when the length is
 * 255 and the first type octet is 255. */
static enum bgp_verdict open_params(struct rbuf *body, uint8_t optlen, struct bgp_open *o,
				    struct bgp_error *err)
{
	bool ext = optlen == 255 && rbuf_left(body) >= 1 && body->p[0] == OPT_PARAM_EXT;
	uint16_t plen = optlen;
	struct rbuf params;

	if (ext && (!rbuf_skip(body, 1) || !rbuf_u16(body, &plen)))
		goto malformed;
	if (!rbuf_sub(body, plen, &params) || rbuf_left(body))
		goto malformed;
	while (rbuf_left(&params)) {
		uint8_t type, len8;
		uint16_t len = 0;
		struct rbuf v;
		if (!rbuf_u8(&params, &type))
			goto malformed;
		if (ext ? !rbuf_u16(&params, &len) : !rbuf_u8(&params, &len8))
			goto malformed;
		if (!ext)
			len = len8;
		if (!rbuf_sub(&params, len, &v))
			goto malformed;
		if (type != OPT_PARAM_CAPA) {
			wire_error(err, BGP_ERR_OPEN, BGP_OPEN_UNSUP_PARAM, NULL, 0,
				   "unsupported optional parameter %u", type);
			return BGP_SESSION_RESET;
		}
		if (!caps_decode(&v, &o->caps))
			goto malformed;
	}
	return BGP_OK;
malformed:
	/* RFC 4271 6.2: recognized but malformed -> Unspecific. */
	wire_error(err, BGP_ERR_OPEN, 0, NULL, 0, "malformed optional parameters");
	return BGP_SESSION_RESET;
}

enum bgp_verdict bgp_open_decode(struct rbuf *body, struct bgp_open *o, struct bgp_error *err)
{
	static const uint8_t our_version[2] = { 0, BGP_VERSION };
	uint8_t optlen;

	memset(o, 0, sizeof(*o));
	error_clear(err);
	if (!rbuf_u8(body, &o->version) || !rbuf_u16(body, &o->my_as) ||
	    !rbuf_u16(body, &o->hold_time) || !rbuf_u32(body, &o->bgp_id) ||
	    !rbuf_u8(body, &optlen)) {
		wire_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, NULL, 0, "OPEN too short");
		return BGP_SESSION_RESET;
	}
	if (o->version != BGP_VERSION) {
		wire_error(err, BGP_ERR_OPEN, BGP_OPEN_BAD_VERSION, our_version, 2,
			   "unsupported version %u", o->version);
		return BGP_SESSION_RESET;
	}
	if (o->hold_time == 1 || o->hold_time == 2) {
		wire_error(err, BGP_ERR_OPEN, BGP_OPEN_BAD_HOLD, NULL, 0,
			   "unacceptable hold time %u", o->hold_time);
		return BGP_SESSION_RESET;
	}
	if (o->bgp_id == 0) {
		wire_error(err, BGP_ERR_OPEN, BGP_OPEN_BAD_BGP_ID, NULL, 0, "BGP identifier 0");
		return BGP_SESSION_RESET;
	}
	if (open_params(body, optlen, o, err) != BGP_OK)
		return BGP_SESSION_RESET;
	o->asn = o->caps.as4 ? o->caps.as4_asn : o->my_as;
	return BGP_OK;
}

/* --- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH, End-of-RIB ----------------- */

size_t bgp_keepalive_encode(uint8_t *out, size_t cap)
{
	struct wbuf w = wbuf_make(out, cap);

	wire_header_put(&w, BGP_KEEPALIVE);
	return wire_finish(&w);
}

size_t bgp_notification_encode(uint8_t *out, size_t cap, uint8_t code, uint8_t subcode,
			       const uint8_t *data, size_t data_len)
{
	struct wbuf w = wbuf_make(out, cap);
	size_t room = (cap < BGP_MAX_MSG ? cap : BGP_MAX_MSG);

	/* A NOTIFICATION is the last word: clip the data rather than fail. */
	room = room > BGP_HDR_LEN + 2 ? room - BGP_HDR_LEN - 2 : 0;
	if (data_len > room)
		data_len = room;
	wire_header_put(&w, BGP_NOTIFICATION);
	wbuf_u8(&w, code);
	wbuf_u8(&w, subcode);
	if (data && data_len)
		wbuf_bytes(&w, data, data_len);
	return wire_finish(&w);
}

enum bgp_verdict bgp_notification_decode(struct rbuf *body, struct bgp_notification *n,
					 struct bgp_error *err)
{
	memset(n, 0, offsetof(struct bgp_notification, data));
	error_clear(err);
	if (!rbuf_u8(body, &n->code) || !rbuf_u8(body, &n->subcode) ||
	    rbuf_left(body) > sizeof(n->data)) {
		wire_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, NULL, 0, "bad NOTIFICATION length");
		return BGP_SESSION_RESET;
	}
	n->data_len = (uint16_t)rbuf_left(body);
	rbuf_bytes(body, n->data, n->data_len);
	return BGP_OK;
}

size_t bgp_refresh_encode(uint8_t *out, size_t cap, uint16_t afi, uint8_t safi)
{
	struct wbuf w = wbuf_make(out, cap);

	wire_header_put(&w, BGP_ROUTE_REFRESH);
	wbuf_u16(&w, afi);
	wbuf_u8(&w, 0);
	wbuf_u8(&w, safi);
	return wire_finish(&w);
}

enum bgp_verdict bgp_refresh_decode(struct rbuf *body, uint16_t *afi, uint8_t *safi,
				    struct bgp_error *err)
{
	uint8_t subtype, msg[BGP_HDR_LEN + 4];
	struct wbuf w;

	error_clear(err);
	if (rbuf_left(body) == 4) {
		rbuf_u16(body, afi);
		rbuf_u8(body, &subtype); /* RFC 7313 BoRR/EoRR: not acted on */
		rbuf_u8(body, safi);
		return BGP_OK;
	}
	/* RFC 7313 5: data is the whole ROUTE-REFRESH message (its start
	 * when long). */
	w = wbuf_make(msg, sizeof(msg));
	wire_header_put(&w, BGP_ROUTE_REFRESH);
	wbuf_put_u16_at(&w, 16, (uint16_t)(BGP_HDR_LEN + rbuf_left(body)));
	wbuf_bytes(&w, body->p, rbuf_left(body) < 4 ? rbuf_left(body) : 4);
	wire_error(err, BGP_ERR_REFRESH, 1, msg, w.len, "bad ROUTE-REFRESH length %zu",
		   BGP_HDR_LEN + rbuf_left(body));
	return BGP_SESSION_RESET;
}

/* RFC 4724 2: an empty UPDATE for IPv4 unicast, otherwise an UPDATE with
 * only an empty MP_UNREACH_NLRI for the AFI/SAFI. */
size_t bgp_eor_encode(uint8_t *out, size_t cap, uint16_t afi)
{
	struct wbuf w = wbuf_make(out, cap);

	wire_header_put(&w, BGP_UPDATE);
	wbuf_u16(&w, 0);
	if (afi == AFI_IPV4) {
		wbuf_u16(&w, 0);
	} else {
		wbuf_u16(&w, 6);
		wbuf_u8(&w, BGP_AF_OPTIONAL);
		wbuf_u8(&w, BGP_ATTR_MP_UNREACH);
		wbuf_u8(&w, 3);
		wbuf_u16(&w, afi);
		wbuf_u8(&w, SAFI_UNICAST);
	}
	return wire_finish(&w);
}

/* --- names ------------------------------------------------------------- */

const char *bgp_msg_type_str(uint8_t type)
{
	switch (type) {
	case BGP_OPEN:
		return "OPEN";
	case BGP_UPDATE:
		return "UPDATE";
	case BGP_NOTIFICATION:
		return "NOTIFICATION";
	case BGP_KEEPALIVE:
		return "KEEPALIVE";
	case BGP_ROUTE_REFRESH:
		return "ROUTE-REFRESH";
	default:
		return "UNKNOWN";
	}
}

#define HDR "Message Header Error"
#define OPN "OPEN Message Error"
#define UPD "UPDATE Message Error"
#define FSM "Finite State Machine Error"
#define CEA "Cease"
#define RRE "ROUTE-REFRESH Message Error"

/* IANA "BGP Error (Notification) Codes" and subcodes. */
static const struct {
	uint8_t code, subcode;
	const char *name;
} err_names[] = {
	{ 1, 0, HDR }, { 1, 1, HDR "/Connection Not Synchronized" },
	{ 1, 2, HDR "/Bad Message Length" }, { 1, 3, HDR "/Bad Message Type" },
	{ 2, 0, OPN }, { 2, 1, OPN "/Unsupported Version Number" },
	{ 2, 2, OPN "/Bad Peer AS" }, { 2, 3, OPN "/Bad BGP Identifier" },
	{ 2, 4, OPN "/Unsupported Optional Parameter" },
	{ 2, 6, OPN "/Unacceptable Hold Time" }, { 2, 7, OPN "/Unsupported Capability" },
	{ 2, 11, OPN "/Role Mismatch" },
	{ 3, 0, UPD }, { 3, 1, UPD "/Malformed Attribute List" },
	{ 3, 2, UPD "/Unrecognized Well-known Attribute" },
	{ 3, 3, UPD "/Missing Well-known Attribute" }, { 3, 4, UPD "/Attribute Flags Error" },
	{ 3, 5, UPD "/Attribute Length Error" }, { 3, 6, UPD "/Invalid ORIGIN Attribute" },
	{ 3, 8, UPD "/Invalid NEXT_HOP Attribute" }, { 3, 9, UPD "/Optional Attribute Error" },
	{ 3, 10, UPD "/Invalid Network Field" }, { 3, 11, UPD "/Malformed AS_PATH" },
	{ 4, 0, "Hold Timer Expired" },
	{ 5, 0, FSM }, { 5, 1, FSM "/Unexpected Message in OpenSent" },
	{ 5, 2, FSM "/Unexpected Message in OpenConfirm" },
	{ 5, 3, FSM "/Unexpected Message in Established" },
	{ 6, 0, CEA }, { 6, 1, CEA "/Maximum Number of Prefixes Reached" },
	{ 6, 2, CEA "/Administrative Shutdown" }, { 6, 3, CEA "/Peer De-configured" },
	{ 6, 4, CEA "/Administrative Reset" }, { 6, 5, CEA "/Connection Rejected" },
	{ 6, 6, CEA "/Other Configuration Change" },
	{ 6, 7, CEA "/Connection Collision Resolution" }, { 6, 8, CEA "/Out of Resources" },
	{ 6, 9, CEA "/Hard Reset" }, { 6, 10, CEA "/BFD Down" },
	{ 7, 0, RRE }, { 7, 1, RRE "/Invalid Message Length" },
};

/* "Code/Subcode"; an unknown subcode gives the code's name alone. */
const char *bgp_err_str(uint8_t code, uint8_t subcode)
{
	const char *code_only = NULL;

	for (size_t i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++) {
		if (err_names[i].code != code)
			continue;
		if (err_names[i].subcode == subcode)
			return err_names[i].name;
		if (err_names[i].subcode == 0)
			code_only = err_names[i].name;
	}
	return code_only ? code_only : "Unknown Error";
}
