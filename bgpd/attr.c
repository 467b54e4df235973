/* Path attributes: one handler table indexed by type code (expected flags,
 * length bounds, RFC 7606 action when malformed, decoder, encoder). Each
 * attribute is decoded from a sub-view cut to its declared length. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "bgpd/wire_int.h"

#define OPT BGP_AF_OPTIONAL
#define TRN BGP_AF_TRANSITIVE
#define ANYLEN 0xffff

typedef enum attr_act (*attr_decode_fn)(struct upd_dec *d, struct rbuf *v,
					const struct attr_raw *raw);
typedef void (*attr_encode_fn)(struct wbuf *w, const struct attr_enc *e);

struct attr_handler {
	const char *name;
	uint8_t mask, want;	 /* (flags & mask) must equal want (RFC 4271 5) */
	uint16_t min, max;	 /* value length bounds */
	enum attr_act on_error;	 /* RFC 7606 7.x action when malformed */
	bool ebgp_discard;	 /* RFC 4271 5.1.5 / RFC 7606 7.5 */
	attr_decode_fn decode;
	attr_encode_fn encode;
};

static const struct attr_handler attr_table[256];

/* Report a malformed attribute with the given RFC 7606 action. */
__attribute__((format(printf, 5, 6))) static enum attr_act
attr_fail(struct upd_dec *d, const struct attr_raw *raw, enum attr_act act, uint8_t subcode,
	  const char *fmt, ...)
{
	const char *name = attr_table[raw->type].name;
	char what[96], tname[16];
	va_list ap;

	if (!name) {
		snprintf(tname, sizeof(tname), "attribute %u", raw->type);
		name = tname;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (act == ATTR_RESET) {
		wire_error(d->err, BGP_ERR_UPDATE, subcode, raw->p, raw->len, "%s: %s", name, what);
	} else if (act == ATTR_TAW) {
		d->taw = true;
		upd_note(d, "%s: %s (treat-as-withdraw)", name, what);
	} else if (act == ATTR_DISCARD) {
		d->u->ndiscarded++;
		upd_note(d, "%s: %s (discarded)", name, what);
	}
	return act;
}

static void *attr_copy(struct upd_dec *d, const struct rbuf *v)
{
	void *p = arena_alloc(d->a, v->len);

	if (p && v->len)
		memcpy(p, v->p, v->len);
	return p;
}

static enum attr_act attr_nomem(struct upd_dec *d)
{
	wire_error(d->err, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL, 0,
		   "UPDATE scratch arena exhausted");
	return ATTR_RESET;
}

/* --- decoders (RFC 7606 7.x for each) ---------------------------------- */

static enum attr_act dec_origin(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	rbuf_u8(v, &d->u->attrs.origin);
	if (d->u->attrs.origin > BGP_ORIGIN_INCOMPLETE)
		return attr_fail(d, raw, ATTR_TAW, BGP_UPD_BAD_ORIGIN, "undefined value %u",
				 d->u->attrs.origin);
	return ATTR_OK;
}

/* RFC 7606 7.2; 2-octet paths are widened to the canonical form. */
static enum attr_act dec_aspath(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	unsigned asz = d->ctx->as4 ? 4 : 2;
	struct bgp_attrs *a = &d->u->attrs;
	bool confed;
	uint8_t *p;

	if (!aspath_wire_valid(v->p, v->len, asz, &confed))
		return attr_fail(d, raw, ATTR_TAW, BGP_UPD_BAD_ASPATH, "malformed segment");
	if (confed && d->ctx->ebgp && !d->ctx->confed_member)
		return attr_fail(d, raw, ATTR_TAW, BGP_UPD_BAD_ASPATH,
				 "confederation segment from an external peer (RFC 5065 5)");
	/* RFC 7607 2: AS 0 makes AS_PATH malformed, handled per RFC 7606. */
	if (aspath_wire_has_as0(v->p, v->len, asz))
		return attr_fail(d, raw, ATTR_TAW, BGP_UPD_BAD_ASPATH, "AS 0 (RFC 7607)");
	p = arena_alloc(d->a, v->len * (4 / asz));
	if (!p)
		return attr_nomem(d);
	if (asz == 4)
		memcpy(p, v->p, v->len);
	a->aspath_len = (uint16_t)(asz == 4 ? v->len : aspath_widen(v->p, v->len, p));
	a->aspath = p;
	return ATTR_OK;
}

static enum attr_act dec_nexthop(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	/* Semantic checks (RFC 4271 6.3) wait until the NLRI are known. */
	rbuf_bytes(v, &d->u->attrs.nexthop, 4);
	return ATTR_OK;
}

static enum attr_act dec_med(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	rbuf_u32(v, &d->u->attrs.med);
	return ATTR_OK;
}

static enum attr_act dec_local_pref(struct upd_dec *d, struct rbuf *v,
				    const struct attr_raw *raw)
{
	rbuf_u32(v, &d->u->attrs.local_pref);
	return ATTR_OK;
}

static enum attr_act dec_atomic(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	return ATTR_OK;
}

/* RFC 7606 7.7: 6 octets from a 2-octet speaker, 8 with AS4. */
static enum attr_act dec_aggregator(struct upd_dec *d, struct rbuf *v,
				    const struct attr_raw *raw)
{
	struct bgp_attrs *a = &d->u->attrs;
	uint16_t as2;

	if (rbuf_left(v) != (d->ctx->as4 ? 8u : 6u))
		return attr_fail(d, raw, ATTR_DISCARD, BGP_UPD_ATTR_LEN, "bad length %zu",
				 rbuf_left(v));
	if (d->ctx->as4) {
		rbuf_u32(v, &a->aggregator_as);
	} else {
		rbuf_u16(v, &as2);
		a->aggregator_as = as2;
	}
	rbuf_bytes(v, &a->aggregator_id, 4);
	/* RFC 7607 2: AS 0 makes AGGREGATOR malformed: discard (7606 7.7). */
	if (!a->aggregator_as)
		return attr_fail(d, raw, ATTR_DISCARD, 0, "AS 0 (RFC 7607)");
	return ATTR_OK;
}

/* RFC 7606 7.8 (COMMUNITIES) and RFC 8092 6 (LARGE_COMMUNITIES). */
static enum attr_act dec_communities(struct upd_dec *d, struct rbuf *v,
				     const struct attr_raw *raw)
{
	struct bgp_attrs *a = &d->u->attrs;
	size_t n = rbuf_left(v) / 4;
	uint32_t *c;

	if (rbuf_left(v) % 4)
		return attr_fail(d, raw, ATTR_TAW, BGP_UPD_OPT_ATTR, "length %zu not a multiple of 4",
				 rbuf_left(v));
	if (!(c = arena_alloc(d->a, n * sizeof(*c))))
		return attr_nomem(d);
	for (size_t i = 0; i < n; i++)
		rbuf_u32(v, &c[i]);
	a->communities = c;
	a->ncommunities = (uint16_t)n;
	return ATTR_OK;
}

static enum attr_act dec_large(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	struct bgp_attrs *a = &d->u->attrs;
	size_t n = rbuf_left(v) / 12;
	struct bgp_large_community *c;

	if (rbuf_left(v) % 12)
		return attr_fail(d, raw, ATTR_TAW, BGP_UPD_OPT_ATTR,
				 "length %zu not a multiple of 12", rbuf_left(v));
	if (!(c = arena_alloc(d->a, n * sizeof(*c))))
		return attr_nomem(d);
	for (size_t i = 0; i < n; i++) {
		rbuf_u32(v, &c[i].global);
		rbuf_u32(v, &c[i].local1);
		rbuf_u32(v, &c[i].local2);
	}
	a->large = c;
	a->nlarge = (uint16_t)n;
	return ATTR_OK;
}

/* AFI/SAFI the codec carries: IPv4 unicast always (as the classic NLRI
 * field), IPv6 unicast when negotiated (RFC 4760 7: others are ignored). */
static bool mp_supported(const struct upd_dec *d, uint16_t afi, uint8_t safi)
{
	return safi == SAFI_UNICAST && (afi == AFI_IPV4 || (afi == AFI_IPV6 && d->ctx->ipv6));
}

/* MP_REACH_NLRI next hop (RFC 4760 3; RFC 2545 3: global [+ link-local]).
 * A wrong length leaves the NLRI unlocatable: session reset (RFC 7606 7.11). */
static enum attr_act mp_nexthop(struct upd_dec *d, uint16_t afi, struct rbuf *nh,
				const struct attr_raw *raw)
{
	struct bgp_attrs *a = &d->u->attrs;
	size_t len = rbuf_left(nh);

	if (afi == AFI_IPV4 && len == 4) {
		if (!(a->seen & BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP)))
			rbuf_bytes(nh, &a->nexthop, 4);
		d->mp_nh4 = true;
		return ATTR_OK;
	}
	if (afi == AFI_IPV6 && (len == 16 || len == 32)) {
		rbuf_bytes(nh, &a->nh6, 16);
		a->nh6_has_ll = len == 32;
		rbuf_bytes(nh, &a->nh6_ll, len - 16);
		return ATTR_OK;
	}
	return attr_fail(d, raw, ATTR_RESET, BGP_UPD_OPT_ATTR, "bad next hop length %zu", len);
}

static enum attr_act dec_mp_reach(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	uint16_t afi;
	uint8_t safi, nhlen, reserved;
	struct rbuf nh;
	enum attr_act act;

	rbuf_u16(v, &afi);
	rbuf_u8(v, &safi);
	rbuf_u8(v, &nhlen);
	if (!rbuf_sub(v, nhlen, &nh) || !rbuf_u8(v, &reserved))
		return attr_fail(d, raw, ATTR_RESET, BGP_UPD_OPT_ATTR, "next hop overruns attribute");
	if (!mp_supported(d, afi, safi))
		return attr_fail(d, raw, ATTR_DISCARD, 0, "AFI %u SAFI %u not negotiated", afi,
				 safi);
	if ((act = mp_nexthop(d, afi, &nh, raw)) != ATTR_OK)
		return act;
	return upd_prefixes(d, *v, afi == AFI_IPV6 ? AF_INET6 : AF_INET, true, "MP_REACH_NLRI",
			    raw);
}

static enum attr_act dec_mp_unreach(struct upd_dec *d, struct rbuf *v,
				    const struct attr_raw *raw)
{
	uint16_t afi;
	uint8_t safi;

	rbuf_u16(v, &afi);
	rbuf_u8(v, &safi);
	if (!mp_supported(d, afi, safi))
		return attr_fail(d, raw, ATTR_DISCARD, 0, "AFI %u SAFI %u not negotiated", afi,
				 safi);
	if (afi == AFI_IPV6 && !rbuf_left(v))
		d->mp_unreach_empty6 = true; /* End-of-RIB candidate (RFC 4724 2) */
	return upd_prefixes(d, *v, afi == AFI_IPV6 ? AF_INET6 : AF_INET, false,
			    "MP_UNREACH_NLRI", raw);
}

/* RFC 6793 4.2.2, 6: only from 2-octet speakers; malformed -> discard. */
static enum attr_act dec_as4_path(struct upd_dec *d, struct rbuf *v, const struct attr_raw *raw)
{
	bool confed;

	if (d->ctx->as4)
		return attr_fail(d, raw, ATTR_DISCARD, 0, "sent by a 4-octet AS speaker");
	if (!aspath_wire_valid(v->p, v->len, 4, &confed))
		return attr_fail(d, raw, ATTR_DISCARD, 0, "malformed segment");
	if (confed)
		return attr_fail(d, raw, ATTR_DISCARD, 0, "confederation segment");
	/* RFC 7607 2: AS 0 in AS4_PATH is handled per RFC 6793: discard. */
	if (aspath_wire_has_as0(v->p, v->len, 4))
		return attr_fail(d, raw, ATTR_DISCARD, 0, "AS 0 (RFC 7607)");
	if (!(d->as4path = attr_copy(d, v)))
		return attr_nomem(d);
	d->as4path_len = (uint16_t)v->len;
	return ATTR_OK;
}

static enum attr_act dec_as4_aggregator(struct upd_dec *d, struct rbuf *v,
					const struct attr_raw *raw)
{
	if (d->ctx->as4)
		return attr_fail(d, raw, ATTR_DISCARD, 0, "sent by a 4-octet AS speaker");
	rbuf_u32(v, &d->as4agg_as);
	rbuf_bytes(v, &d->as4agg_id, 4);
	/* RFC 7607 2: AS 0 in AS4_AGGREGATOR: discard (RFC 6793 6). */
	if (!d->as4agg_as)
		return attr_fail(d, raw, ATTR_DISCARD, 0, "AS 0 (RFC 7607)");
	d->has_as4agg = true;
	return ATTR_OK;
}

/* --- encoders ------------------------------------------------------------ */

static void attr_hdr(struct wbuf *w, uint8_t flags, uint8_t type, size_t len)
{
	if (len > 0xffff) {
		w->overflow = true;
		return;
	}
	wbuf_u8(w, (uint8_t)(len > 255 ? flags | BGP_AF_EXTLEN : flags));
	wbuf_u8(w, type);
	if (len > 255)
		wbuf_u16(w, (uint16_t)len);
	else
		wbuf_u8(w, (uint8_t)len);
}

static bool has(const struct attr_enc *e, uint8_t type)
{
	return e->attrs && (e->attrs->seen & BGP_ATTR_BIT(type));
}

static void enc_origin(struct wbuf *w, const struct attr_enc *e)
{
	if (!e->attrs)
		return;
	attr_hdr(w, TRN, BGP_ATTR_ORIGIN, 1);
	wbuf_u8(w, e->attrs->origin);
}

/* RFC 6793 4.2.2: 2-octet form with AS_TRANS towards an old speaker. */
static void enc_aspath(struct wbuf *w, const struct attr_enc *e)
{
	const struct bgp_attrs *a = e->attrs;

	if (!a)
		return;
	if (e->ctx->as4) {
		attr_hdr(w, TRN, BGP_ATTR_AS_PATH, a->aspath_len);
		wbuf_bytes(w, a->aspath, a->aspath_len);
	} else {
		attr_hdr(w, TRN, BGP_ATTR_AS_PATH, aspath_size2(a->aspath, a->aspath_len));
		aspath_put2(w, a->aspath, a->aspath_len);
	}
}

/* Only with IPv4 NLRI: an MP_REACH-only UPDATE carries no NEXT_HOP
 * (RFC 4760 3). */
static void enc_nexthop(struct wbuf *w, const struct attr_enc *e)
{
	if (!e->attrs || e->family != AF_INET)
		return;
	attr_hdr(w, TRN, BGP_ATTR_NEXT_HOP, 4);
	wbuf_bytes(w, &e->attrs->nexthop, 4);
}

static void enc_med(struct wbuf *w, const struct attr_enc *e)
{
	if (!has(e, BGP_ATTR_MED))
		return;
	attr_hdr(w, OPT, BGP_ATTR_MED, 4);
	wbuf_u32(w, e->attrs->med);
}

/* RFC 4271 5.1.5: never to external peers (but inside a confederation,
 * RFC 5065 5.3). */
static void enc_local_pref(struct wbuf *w, const struct attr_enc *e)
{
	if (!has(e, BGP_ATTR_LOCAL_PREF) || (e->ctx->ebgp && !e->ctx->confed_member))
		return;
	attr_hdr(w, TRN, BGP_ATTR_LOCAL_PREF, 4);
	wbuf_u32(w, e->attrs->local_pref);
}

static void enc_atomic(struct wbuf *w, const struct attr_enc *e)
{
	if (has(e, BGP_ATTR_ATOMIC_AGGREGATE))
		attr_hdr(w, TRN, BGP_ATTR_ATOMIC_AGGREGATE, 0);
}

static void enc_aggregator(struct wbuf *w, const struct attr_enc *e)
{
	uint32_t as;

	if (!has(e, BGP_ATTR_AGGREGATOR))
		return;
	as = e->attrs->aggregator_as;
	attr_hdr(w, OPT | TRN, BGP_ATTR_AGGREGATOR, e->ctx->as4 ? 8 : 6);
	if (e->ctx->as4)
		wbuf_u32(w, as);
	else
		wbuf_u16(w, as > 0xffff ? BGP_AS_TRANS : (uint16_t)as);
	wbuf_bytes(w, &e->attrs->aggregator_id, 4);
}

static void enc_communities(struct wbuf *w, const struct attr_enc *e)
{
	if (!has(e, BGP_ATTR_COMMUNITIES) || !e->attrs->ncommunities)
		return;
	attr_hdr(w, OPT | TRN, BGP_ATTR_COMMUNITIES, (size_t)e->attrs->ncommunities * 4);
	for (unsigned i = 0; i < e->attrs->ncommunities; i++)
		wbuf_u32(w, e->attrs->communities[i]);
}

static size_t prefixes_size(const struct bgp_prefix *v, size_t n)
{
	size_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += wire_prefix_size(&v[i]);
	return s;
}

static void enc_mp_reach(struct wbuf *w, const struct attr_enc *e)
{
	const struct bgp_attrs *a = e->attrs;
	bool v6 = e->family == AF_INET6;
	uint8_t nhlen;

	if (!a || !e->mp_nn)
		return;
	nhlen = v6 ? (a->nh6_has_ll ? 32 : 16) : 4;
	attr_hdr(w, OPT, BGP_ATTR_MP_REACH, 5 + nhlen + prefixes_size(e->mp_nlri, e->mp_nn));
	wbuf_u16(w, v6 ? AFI_IPV6 : AFI_IPV4);
	wbuf_u8(w, SAFI_UNICAST);
	wbuf_u8(w, nhlen);
	if (v6) {
		wbuf_bytes(w, &a->nh6, 16);
		if (a->nh6_has_ll)
			wbuf_bytes(w, &a->nh6_ll, 16);
	} else {
		wbuf_bytes(w, &a->nexthop, 4);
	}
	wbuf_u8(w, 0); /* reserved */
	for (size_t i = 0; i < e->mp_nn; i++)
		wire_prefix_put(w, &e->mp_nlri[i]);
}

static void enc_mp_unreach(struct wbuf *w, const struct attr_enc *e)
{
	if (!e->mp_nw)
		return;
	attr_hdr(w, OPT, BGP_ATTR_MP_UNREACH, 3 + prefixes_size(e->mp_wd, e->mp_nw));
	wbuf_u16(w, e->family == AF_INET6 ? AFI_IPV6 : AFI_IPV4);
	wbuf_u8(w, SAFI_UNICAST);
	for (size_t i = 0; i < e->mp_nw; i++)
		wire_prefix_put(w, &e->mp_wd[i]);
}

/* RFC 6793 4.2.2: AS4_PATH / AS4_AGGREGATOR only towards 2-octet speakers
 * and only when some ASN does not fit in 2 octets. */
static void enc_as4_path(struct wbuf *w, const struct attr_enc *e)
{
	const struct bgp_attrs *a = e->attrs;

	if (!a || e->ctx->as4 || !aspath_has_wide_asn(a->aspath, a->aspath_len))
		return;
	attr_hdr(w, OPT | TRN, BGP_ATTR_AS4_PATH, aspath_size_noconfed(a->aspath, a->aspath_len));
	aspath_put_noconfed(w, a->aspath, a->aspath_len);
}

static void enc_as4_aggregator(struct wbuf *w, const struct attr_enc *e)
{
	if (!has(e, BGP_ATTR_AGGREGATOR) || e->ctx->as4 || e->attrs->aggregator_as <= 0xffff)
		return;
	attr_hdr(w, OPT | TRN, BGP_ATTR_AS4_AGGREGATOR, 8);
	wbuf_u32(w, e->attrs->aggregator_as);
	wbuf_bytes(w, &e->attrs->aggregator_id, 4);
}

static void enc_large(struct wbuf *w, const struct attr_enc *e)
{
	const struct bgp_attrs *a = e->attrs;

	if (!has(e, BGP_ATTR_LARGE_COMMUNITIES) || !a->nlarge)
		return;
	attr_hdr(w, OPT | TRN, BGP_ATTR_LARGE_COMMUNITIES, (size_t)a->nlarge * 12);
	for (unsigned i = 0; i < a->nlarge; i++) {
		wbuf_u32(w, a->large[i].global);
		wbuf_u32(w, a->large[i].local1);
		wbuf_u32(w, a->large[i].local2);
	}
}

/* --- the table ------------------------------------------------------------ */

#define WK(n, lo, hi, err, dec, enc) { n, OPT | TRN, TRN, lo, hi, err, false, dec, enc }
#define OT(n, lo, hi, err, dec, enc) { n, OPT | TRN, OPT | TRN, lo, hi, err, false, dec, enc }
#define ON(n, lo, hi, err, dec, enc) { n, OPT | TRN, OPT, lo, hi, err, false, dec, enc }

static const struct attr_handler attr_table[256] = {
	[BGP_ATTR_ORIGIN] = WK("ORIGIN", 1, 1, ATTR_TAW, dec_origin, enc_origin),
	[BGP_ATTR_AS_PATH] = WK("AS_PATH", 0, ANYLEN, ATTR_TAW, dec_aspath, enc_aspath),
	[BGP_ATTR_NEXT_HOP] = WK("NEXT_HOP", 4, 4, ATTR_TAW, dec_nexthop, enc_nexthop),
	[BGP_ATTR_MED] = ON("MULTI_EXIT_DISC", 4, 4, ATTR_TAW, dec_med, enc_med),
	[BGP_ATTR_LOCAL_PREF] = { "LOCAL_PREF", OPT | TRN, TRN, 4, 4, ATTR_TAW, true,
				  dec_local_pref, enc_local_pref },
	[BGP_ATTR_ATOMIC_AGGREGATE] = WK("ATOMIC_AGGREGATE", 0, 0, ATTR_DISCARD, dec_atomic,
					 enc_atomic),
	[BGP_ATTR_AGGREGATOR] = OT("AGGREGATOR", 6, 8, ATTR_DISCARD, dec_aggregator,
				   enc_aggregator),
	[BGP_ATTR_COMMUNITIES] = OT("COMMUNITIES", 4, ANYLEN, ATTR_TAW, dec_communities,
				    enc_communities),
	[BGP_ATTR_MP_REACH] = ON("MP_REACH_NLRI", 5, ANYLEN, ATTR_RESET, dec_mp_reach,
				 enc_mp_reach),
	[BGP_ATTR_MP_UNREACH] = ON("MP_UNREACH_NLRI", 3, ANYLEN, ATTR_RESET, dec_mp_unreach,
				   enc_mp_unreach),
	/* RFC 7606 4: only AS_PATH and ATOMIC_AGGREGATE may be empty. */
	[BGP_ATTR_AS4_PATH] = OT("AS4_PATH", 1, ANYLEN, ATTR_DISCARD, dec_as4_path, enc_as4_path),
	[BGP_ATTR_AS4_AGGREGATOR] = OT("AS4_AGGREGATOR", 8, 8, ATTR_DISCARD, dec_as4_aggregator,
				       enc_as4_aggregator),
	[BGP_ATTR_LARGE_COMMUNITIES] = OT("LARGE_COMMUNITIES", 12, ANYLEN, ATTR_TAW, dec_large,
					  enc_large),
};

/* --- decoding the attribute list ------------------------------------------ */

static bool attr_met(struct upd_dec *d, uint8_t type)
{
	uint64_t bit = 1ull << (type & 63);
	bool met = d->met[type >> 6] & bit;

	d->met[type >> 6] |= bit;
	return met;
}

/* RFC 4271 5, 6.3: unknown optional transitive attributes travel on with
 * the Partial bit; unknown optional non-transitive ones are dropped. */
static enum attr_act attr_unknown(struct upd_dec *d, const struct attr_raw *raw)
{
	struct bgp_attrs *a = &d->u->attrs;

	if (!(raw->flags & OPT))
		return attr_fail(d, raw, ATTR_RESET, BGP_UPD_UNRECOGNIZED_WK,
				 "unrecognized well-known attribute");
	if (!(raw->flags & TRN))
		return ATTR_OK;
	if (!d->unknown && !(d->unknown = arena_alloc(d->a, BGP_MAX_MSG)))
		return attr_nomem(d);
	if (a->unknown_len + raw->len > BGP_MAX_MSG)
		return attr_nomem(d);
	memcpy(d->unknown + a->unknown_len, raw->p, raw->len);
	d->unknown[a->unknown_len] |= BGP_AF_PARTIAL;
	a->unknown = d->unknown;
	a->unknown_len = (uint16_t)(a->unknown_len + raw->len);
	return ATTR_OK;
}

static enum attr_act attr_one(struct upd_dec *d, const struct attr_raw *raw, struct rbuf *v)
{
	const struct attr_handler *h = &attr_table[raw->type];
	bool mp = raw->type == BGP_ATTR_MP_REACH || raw->type == BGP_ATTR_MP_UNREACH;
	enum attr_act act;

	/* RFC 7606 3 g: duplicates. */
	if (attr_met(d, raw->type))
		return attr_fail(d, raw, mp ? ATTR_RESET : ATTR_DISCARD,
				 BGP_UPD_MALFORMED_ATTR_LIST, "duplicate");
	if (!h->decode)
		return attr_unknown(d, raw);
	if (h->ebgp_discard && d->ctx->ebgp && !d->ctx->confed_member)
		return attr_fail(d, raw, ATTR_DISCARD, 0, "from an external peer");
	/* RFC 7606 3 c: Optional/Transitive bits in conflict. RFC 4271 4.3:
	 * the Partial bit must be 0 unless optional transitive; 6.3 makes
	 * that an Attribute Flags Error too, which RFC 7606 3 e/f turn into
	 * treat-as-withdraw / discard like the rest. */
	if ((raw->flags & h->mask) != h->want ||
	    ((raw->flags & BGP_AF_PARTIAL) && h->want != (OPT | TRN))) {
		/* For MP attributes treat-as-withdraw still needs their NLRI
		 * (3 j), so parse them first. */
		if (h->on_error == ATTR_RESET && (act = h->decode(d, v, raw)) == ATTR_RESET)
			return act;
		return attr_fail(d, raw, h->on_error == ATTR_RESET ? ATTR_TAW : h->on_error,
				 BGP_UPD_ATTR_FLAGS, "bad flags 0x%02x", raw->flags);
	}
	if (v->len < h->min || v->len > h->max)
		return attr_fail(d, raw, h->on_error, BGP_UPD_ATTR_LEN, "bad length %zu", v->len);
	act = h->decode(d, v, raw);
	if (act == ATTR_OK && raw->type < 64)
		d->u->attrs.seen |= BGP_ATTR_BIT(raw->type);
	return act;
}

/* Read one attribute header; false if fewer octets remain than it needs. */
static bool attr_header(struct rbuf *r, struct attr_raw *raw, uint16_t *len)
{
	uint8_t len8;

	raw->p = r->p;
	if (!rbuf_u8(r, &raw->flags) || !rbuf_u8(r, &raw->type))
		return false;
	if (raw->flags & BGP_AF_EXTLEN)
		return rbuf_u16(r, len);
	if (!rbuf_u8(r, &len8))
		return false;
	*len = len8;
	return true;
}

enum attr_act attr_decode_list(struct upd_dec *d, struct rbuf *attrs)
{
	while (rbuf_left(attrs)) {
		struct attr_raw raw = { 0 };
		struct rbuf v;
		uint16_t len;
		size_t hdr_len;

		if (!attr_header(attrs, &raw, &len)) {
			/* RFC 7606 4: too few octets for a header. */
			d->taw = true;
			upd_note(d, "truncated attribute header (treat-as-withdraw)");
			return ATTR_TAW;
		}
		hdr_len = (size_t)(attrs->p - raw.p);
		raw.len = hdr_len + len;
		if (!rbuf_sub(attrs, len, &v)) {
			/* RFC 7606 4: the last attribute overruns the list;
			 * an overrunning MP attribute hides NLRI (3 h). */
			raw.len = hdr_len + rbuf_left(attrs);
			return attr_fail(d, &raw,
					 raw.type == BGP_ATTR_MP_REACH ||
							 raw.type == BGP_ATTR_MP_UNREACH ?
						 ATTR_RESET : ATTR_TAW,
					 BGP_UPD_MALFORMED_ATTR_LIST,
					 "length %u overruns the attribute list", len);
		}
		if (attr_one(d, &raw, &v) == ATTR_RESET)
			return ATTR_RESET;
	}
	return ATTR_OK;
}

/* --- encoding the attribute list ------------------------------------------ */

/* Unknown transitive attributes of the given type, as received. */
static void enc_unknown(struct wbuf *w, const struct attr_enc *e, uint8_t type)
{
	struct rbuf r = rbuf_make(e->attrs->unknown, e->attrs->unknown_len);

	while (rbuf_left(&r)) {
		struct attr_raw raw;
		struct rbuf v;
		uint16_t len;
		if (!attr_header(&r, &raw, &len) || !rbuf_sub(&r, len, &v))
			return;
		if (raw.type == type)
			wbuf_bytes(w, raw.p, (size_t)(r.p - raw.p));
	}
}

/* In ascending type code order (RFC 4271 5: SHOULD). */
void attr_encode_list(struct wbuf *w, const struct attr_enc *e)
{
	bool unknown = e->attrs && e->attrs->unknown && e->attrs->unknown_len;

	for (unsigned t = 0; t < 256; t++) {
		if (attr_table[t].encode)
			attr_table[t].encode(w, e);
		else if (unknown)
			enc_unknown(w, e, (uint8_t)t);
	}
}
