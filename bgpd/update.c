/* UPDATE messages (RFC 4271 4.3, 6.3; RFC 4760; RFC 7606 error handling):
 * decoding into a scratch arena with an RFC 7606 verdict, and encoding
 * packed UPDATEs for one family. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "bgpd/wire_int.h"

#define UPD_FIXED (BGP_HDR_LEN + 4) /* header + two length fields */

void upd_note(struct upd_dec *d, const char *fmt, ...)
{
	char *r = d->u->reason;
	size_t off = strlen(r);
	va_list ap;

	if (off && off + 2 < sizeof(d->u->reason)) {
		memcpy(r + off, "; ", 3);
		off += 2;
	}
	if (off + 1 >= sizeof(d->u->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(r + off, sizeof(d->u->reason) - off, fmt, ap);
	va_end(ap);
}

enum attr_act upd_prefixes(struct upd_dec *d, struct rbuf f, uint8_t family, bool reach,
			   const char *what, const struct attr_raw *raw)
{
	struct pfx_list *l = reach ? &d->nlri : &d->wd;
	size_t before = l->n;

	switch (wire_prefix_field(f, family, d->a, l)) {
	case PFX_SYNTAX:
		/* RFC 4760 7: an incorrect MP_REACH_NLRI/MP_UNREACH_NLRI
		 * ends the session with Optional Attribute Error. */
		if (raw)
			wire_error(d->err, BGP_ERR_UPDATE, BGP_UPD_OPT_ATTR, raw->p, raw->len,
				   "%s: malformed prefix", what);
		else
			wire_error(d->err, BGP_ERR_UPDATE, BGP_UPD_BAD_NETWORK, NULL, 0,
				   "%s: malformed prefix", what);
		return ATTR_RESET;
	case PFX_NOMEM:
		wire_error(d->err, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL, 0,
			   "UPDATE scratch arena exhausted");
		return ATTR_RESET;
	default:
		break;
	}
	if (reach && family == AF_INET)
		d->nlri4 += l->n - before;
	return ATTR_OK;
}

/* RFC 6793 4.2.3: rebuild AGGREGATOR and AS_PATH from their AS4_ forms
 * received from a 2-octet speaker. */
static void upd_as4_merge(struct upd_dec *d)
{
	struct bgp_attrs *a = &d->u->attrs;
	uint8_t *out;
	size_t len;

	if (a->seen & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		if (a->aggregator_as != BGP_AS_TRANS) {
			if (d->as4path || d->has_as4agg)
				upd_note(d, "AS4_PATH/AS4_AGGREGATOR ignored: AGGREGATOR AS is not AS_TRANS");
			return;
		}
		/* RFC 6793 4.2.2 sends AS4_AGGREGATOR only for a non-mappable
		 * ASN; a mappable one would not survive re-encoding. */
		if (d->has_as4agg && d->as4agg_as > 0xffff) {
			a->aggregator_as = d->as4agg_as;
			a->aggregator_id = d->as4agg_id;
		} else if (d->has_as4agg) {
			upd_note(d, "AS4_AGGREGATOR with 2-octet AS %u ignored", d->as4agg_as);
		}
	}
	if (!d->as4path || !(a->seen & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)))
		return;
	out = arena_alloc(d->a, (size_t)a->aspath_len + d->as4path_len);
	if (!out)
		return;
	len = aspath_merge_as4(out, (size_t)a->aspath_len + d->as4path_len, a->aspath,
			       a->aspath_len, d->as4path, d->as4path_len);
	if (len == SIZE_MAX || len > 0xffff) {
		upd_note(d, "AS4_PATH ignored: longer than AS_PATH");
		return;
	}
	a->aspath = out;
	a->aspath_len = (uint16_t)len;
}

static void upd_taw(struct upd_dec *d, const char *what)
{
	d->taw = true;
	upd_note(d, "%s (treat-as-withdraw)", what);
}

/* The MP_REACH_NLRI IPv6 next hop must be a host address too: the
 * NEXT_HOP check of RFC 4271 6.3 (RFC 4760 and 2545 have none). */
static void upd_check_nh6(struct upd_dec *d)
{
	const struct in6_addr *nh = &d->u->attrs.nh6;
	char buf[INET6_ADDRSTRLEN], what[80];

	if (!IN6_IS_ADDR_UNSPECIFIED(nh) && !IN6_IS_ADDR_LOOPBACK(nh) &&
	    !IN6_IS_ADDR_MULTICAST(nh))
		return;
	inet_ntop(AF_INET6, nh, buf, sizeof(buf));
	snprintf(what, sizeof(what), "invalid MP_REACH_NLRI next hop %s", buf);
	upd_taw(d, what);
}

/* RFC 7606 3 d: mandatory attributes, only when there are NLRI; NEXT_HOP
 * only for IPv4 NLRI. RFC 4271 6.3: semantically wrong NEXT_HOP. */
static void upd_check_nlri_attrs(struct upd_dec *d)
{
	const struct bgp_attrs *a = &d->u->attrs;
	uint32_t nh = ntohl(a->nexthop.s_addr);

	if (!(a->seen & BGP_ATTR_BIT(BGP_ATTR_ORIGIN)) && !d->taw)
		upd_taw(d, "missing ORIGIN");
	if (!(a->seen & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)) && !d->taw)
		upd_taw(d, "missing AS_PATH");
	if (d->nlri.n > d->nlri4)
		upd_check_nh6(d);
	if (!d->nlri4)
		return;
	if (!(a->seen & BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP)) && !d->mp_nh4) {
		if (!d->taw)
			upd_taw(d, "missing NEXT_HOP");
	} else if ((nh >> 24) == 0 || (nh >> 24) == 127 || nh >= 0xe0000000u) {
		char buf[INET_ADDRSTRLEN], what[48];
		inet_ntop(AF_INET, &a->nexthop, buf, sizeof(buf));
		snprintf(what, sizeof(what), "invalid NEXT_HOP %s", buf);
		upd_taw(d, what);
	}
}

/* Move every NLRI into the withdrawn list (RFC 7606 2). */
static bool upd_withdraw_all(struct upd_dec *d)
{
	struct bgp_prefix *v;

	if (!d->nlri.n)
		return true;
	v = arena_alloc(d->a, (d->wd.n + d->nlri.n) * sizeof(*v));
	if (!v)
		return false;
	if (d->wd.n)
		memcpy(v, d->wd.v, d->wd.n * sizeof(*v));
	memcpy(v + d->wd.n, d->nlri.v, d->nlri.n * sizeof(*v));
	d->wd.v = v;
	d->wd.n += d->nlri.n;
	d->nlri.n = 0;
	return true;
}

/* RFC 4271 6.3: a semantically incorrect prefix ("an unexpected multicast
 * IP address") is logged and ignored, the rest of the UPDATE stands. IPv6
 * multicast and link-local prefixes likewise (as FRR does). */
static bool upd_nlri_bad(const struct bgp_prefix *p)
{
	if (p->family == AF_INET)
		return (p->addr[0] & 0xf0) == 0xe0; /* 224.0.0.0/4 */
	return p->addr[0] == 0xff || (p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80);
}

static void upd_ignore_nlri(struct upd_dec *d)
{
	char buf[64];
	size_t k = 0;

	for (size_t i = 0; i < d->nlri.n; i++) {
		if (!upd_nlri_bad(&d->nlri.v[i])) {
			d->nlri.v[k++] = d->nlri.v[i];
		} else if (!d->u->nignored++) {
			bgp_prefix_str(&d->nlri.v[i], buf, sizeof(buf));
			upd_note(d, "NLRI %s ignored (multicast or link-local)", buf);
		}
	}
	d->nlri.n = k;
}

static enum bgp_verdict upd_finish(struct upd_dec *d, uint16_t attr_len)
{
	struct bgp_update *u = d->u;

	if (!d->ctx->as4)
		upd_as4_merge(d);
	if (d->nlri.n) {
		upd_check_nlri_attrs(d);
	} else if (d->taw) {
		/* RFC 7606 5.2: no NLRI, nothing to withdraw. */
		upd_note(d, "no NLRI, error has no effect");
		d->taw = false;
	}
	if (d->taw && !upd_withdraw_all(d)) {
		wire_error(d->err, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL, 0,
			   "UPDATE scratch arena exhausted");
		return BGP_SESSION_RESET;
	}
	u->treat_as_withdraw = d->taw;
	/* RFC 4724 2: End-of-RIB markers. */
	if (!d->wd.n && !d->nlri.n && (attr_len == 0 || d->mp_unreach_empty6)) {
		u->eor = true;
		u->eor_afi = attr_len == 0 ? AFI_IPV4 : AFI_IPV6;
	}
	upd_ignore_nlri(d);
	u->withdrawn = d->wd.v;
	u->nwithdrawn = d->wd.n;
	u->nlri = d->nlri.v;
	u->nnlri = d->nlri.n;
	return d->taw ? BGP_TREAT_AS_WITHDRAW : BGP_OK;
}

enum bgp_verdict bgp_update_decode(struct rbuf *body, const struct bgp_codec_ctx *ctx,
				   struct arena *a, struct bgp_update *u, struct bgp_error *err)
{
	struct upd_dec d = { .ctx = ctx, .a = a, .u = u, .err = err };
	struct rbuf wf, af;
	uint16_t wlen, alen;

	memset(u, 0, sizeof(*u));
	wire_error(err, 0, 0, NULL, 0, "%s", "");
	/* RFC 4271 6.3: lengths inconsistent with the message -> 3/1. */
	if (!rbuf_u16(body, &wlen) || !rbuf_sub(body, wlen, &wf)) {
		wire_error(err, BGP_ERR_UPDATE, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
			   "withdrawn routes length exceeds the message");
		return BGP_SESSION_RESET;
	}
	if (!rbuf_u16(body, &alen) || !rbuf_sub(body, alen, &af)) {
		wire_error(err, BGP_ERR_UPDATE, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
			   "total path attribute length exceeds the message");
		return BGP_SESSION_RESET;
	}
	if (upd_prefixes(&d, wf, AF_INET, false, "withdrawn routes", NULL) == ATTR_RESET ||
	    attr_decode_list(&d, &af) == ATTR_RESET ||
	    upd_prefixes(&d, *body, AF_INET, true, "NLRI", NULL) == ATTR_RESET)
		return BGP_SESSION_RESET;
	return upd_finish(&d, alen);
}

int bgp_update_withdraw_family(struct bgp_update *u, struct arena *a, uint8_t family)
{
	struct bgp_prefix *w;
	size_t n = 0, k = 0;

	for (size_t i = 0; i < u->nnlri; i++)
		n += family == AF_UNSPEC || u->nlri[i].family == family;
	if (!n)
		return 0;
	if (!(w = arena_alloc(a, (u->nwithdrawn + n) * sizeof(*w))))
		return -1;
	if (u->nwithdrawn)
		memcpy(w, u->withdrawn, u->nwithdrawn * sizeof(*w));
	for (size_t i = 0; i < u->nnlri; i++) {
		if (family == AF_UNSPEC || u->nlri[i].family == family)
			w[u->nwithdrawn++] = u->nlri[i];
		else
			u->nlri[k++] = u->nlri[i];
	}
	u->withdrawn = w;
	u->nnlri = k;
	u->treat_as_withdraw = true;
	return (int)n;
}

/* --- encoding ------------------------------------------------------------ */

/* Leading prefixes of v of the given family that fit in *room. */
static size_t upd_take(const struct bgp_prefix *v, size_t n, uint8_t family, size_t *room)
{
	size_t i = 0;

	while (i < n && v[i].family == family && wire_prefix_size(&v[i]) <= *room)
		*room -= wire_prefix_size(&v[i++]);
	return i;
}

/* Size of the path attributes without MP NLRI; SIZE_MAX if too large. */
static size_t upd_attrs_size(const struct bgp_codec_ctx *ctx, const struct bgp_attrs *attrs,
			     uint8_t family)
{
	uint8_t tmp[BGP_MAX_MSG];
	struct wbuf w = wbuf_make(tmp, sizeof(tmp));
	struct attr_enc e = { .ctx = ctx, .attrs = attrs, .family = family };

	attr_encode_list(&w, &e);
	return wbuf_ok(&w) ? w.len : SIZE_MAX;
}

/* How many withdrawn (*tw) and NLRI (*tn) prefixes fit in room octets. MP
 * attribute overheads assume an extended-length header (the worst case). */
static void upd_plan(const struct bgp_codec_ctx *ctx, const struct bgp_attrs *attrs,
		     uint8_t fam, const struct bgp_prefix *wd, size_t nw,
		     const struct bgp_prefix *nlri, size_t nn, size_t room, size_t *tw, size_t *tn)
{
	size_t unreach_ovh = fam == AF_INET6 ? 4 + 3 : 0;
	size_t reach_ovh = fam == AF_INET6 ? 4 + 5 + (attrs && attrs->nh6_has_ll ? 32 : 16) : 0;
	size_t asize;

	*tw = *tn = 0;
	if (nw && room > unreach_ovh) {
		room -= unreach_ovh;
		*tw = upd_take(wd, nw, fam, &room);
		if (!*tw)
			room += unreach_ovh;
	}
	if (!nn)
		return;
	asize = upd_attrs_size(ctx, attrs, fam);
	if (asize == SIZE_MAX || asize + reach_ovh >= room)
		return;
	room -= asize + reach_ovh;
	*tn = upd_take(nlri, nn, fam, &room);
}

static size_t upd_write(uint8_t *out, size_t cap, const struct bgp_codec_ctx *ctx,
			const struct bgp_attrs *attrs, uint8_t fam, const struct bgp_prefix *wd,
			size_t tw, const struct bgp_prefix *nlri, size_t tn)
{
	struct wbuf w = wbuf_make(out, cap);
	bool v4 = fam == AF_INET;
	struct attr_enc e = { .ctx = ctx, .attrs = tn ? attrs : NULL, .family = fam };
	size_t at;

	wire_header_put(&w, BGP_UPDATE);
	at = wbuf_reserve(&w, 2);
	for (size_t i = 0; v4 && i < tw; i++)
		wire_prefix_put(&w, &wd[i]);
	wbuf_put_u16_at(&w, at, (uint16_t)(w.len - at - 2));
	at = wbuf_reserve(&w, 2);
	if (!v4) {
		e.mp_nlri = nlri;
		e.mp_nn = tn;
		e.mp_wd = wd;
		e.mp_nw = tw;
	}
	if (tn || (!v4 && tw))
		attr_encode_list(&w, &e);
	wbuf_put_u16_at(&w, at, (uint16_t)(w.len - at - 2));
	for (size_t i = 0; v4 && i < tn; i++)
		wire_prefix_put(&w, &nlri[i]);
	return wire_finish(&w);
}

size_t bgp_update_encode(uint8_t *out, size_t cap, const struct bgp_codec_ctx *ctx,
			 const struct bgp_attrs *attrs,
			 const struct bgp_prefix *withdrawn, size_t nw, size_t *nw_done,
			 const struct bgp_prefix *nlri, size_t nn, size_t *nn_done)
{
	size_t limit = cap < BGP_MAX_MSG ? cap : BGP_MAX_MSG;
	uint8_t fam = nn ? nlri[0].family : nw ? withdrawn[0].family : AF_INET;
	size_t tw, tn, len;

	if (nw_done)
		*nw_done = 0;
	if (nn_done)
		*nn_done = 0;
	if (limit < UPD_FIXED || (nn && !attrs) || (fam != AF_INET && fam != AF_INET6))
		return 0;
	upd_plan(ctx, attrs, fam, withdrawn, nw, nlri, nn, limit - UPD_FIXED, &tw, &tn);
	if ((nw || nn) && !tw && !tn)
		return 0;
	len = upd_write(out, limit, ctx, attrs, fam, withdrawn, tw, nlri, tn);
	if (!len)
		return 0;
	if (nw_done)
		*nw_done = tw;
	if (nn_done)
		*nn_done = tn;
	return len;
}

/* Where the next hop sits in an UPDATE we encoded: the NEXT_HOP value or
 * the next hop field of MP_REACH_NLRI (RFC 4760 3). Update groups encode a
 * message once and patch each member's own address in here. */
bool bgp_update_nexthop_at(const uint8_t *msg, size_t len, size_t *off, size_t *nhlen)
{
	struct rbuf r = rbuf_make(msg, len), attrs;
	uint16_t wlen, alen;

	if (!rbuf_skip(&r, BGP_HDR_LEN) || !rbuf_u16(&r, &wlen) || !rbuf_skip(&r, wlen) ||
	    !rbuf_u16(&r, &alen) || !rbuf_sub(&r, alen, &attrs))
		return false;
	while (rbuf_left(&attrs)) {
		uint8_t flags, type, l8;
		uint16_t alen2;
		if (!rbuf_u8(&attrs, &flags) || !rbuf_u8(&attrs, &type))
			return false;
		if (flags & BGP_AF_EXTLEN) {
			if (!rbuf_u16(&attrs, &alen2))
				return false;
		} else {
			if (!rbuf_u8(&attrs, &l8))
				return false;
			alen2 = l8;
		}
		size_t at = (size_t)(attrs.p - msg);
		if (type == BGP_ATTR_NEXT_HOP && alen2 == 4) {
			*off = at;
			*nhlen = 4;
			return true;
		}
		if (type == BGP_ATTR_MP_REACH && alen2 >= 4 && at + 4 <= len) {
			uint8_t n = msg[at + 3];
			if (at + 4 + n > len)
				return false;
			*off = at + 4;
			*nhlen = n;
			return true;
		}
		if (!rbuf_skip(&attrs, alen2))
			return false;
	}
	return false;
}
