/* Internal interfaces shared by the wire codec files (buf/msg/update/attr/
 * aspath/prefix.c). Not part of the codec's public API (wire.h). */
#ifndef CLOS_WIRE_INT_H
#define CLOS_WIRE_INT_H

#include <stdarg.h>

#include "bgpd/wire.h"

/* --- prefix.c: NLRI encoding (RFC 4271 4.3, RFC 4760 5) ---------------- */
struct pfx_list {
	struct bgp_prefix *v;
	size_t n;
};
enum pfx_rc { PFX_OK = 0, PFX_SYNTAX, PFX_NOMEM };

size_t wire_prefix_size(const struct bgp_prefix *p); /* octets on the wire */
void wire_prefix_put(struct wbuf *w, const struct bgp_prefix *p);
/* Validate a whole NLRI field, then append its prefixes to l (grown in a). */
enum pfx_rc wire_prefix_field(struct rbuf f, uint8_t family, struct arena *a, struct pfx_list *l);

/* --- aspath.c: AS_PATH wire forms (RFC 4271 4.3, RFC 6793) ------------- */
/* Check segments of an AS_PATH in wire form with asn_size 2 or 4 octets:
 * known segment type, non-zero count, no truncation (RFC 7606 7.2).
 * *confed tells whether confederation segments occur. */
bool aspath_wire_valid(const uint8_t *ap, size_t len, unsigned asn_size, bool *confed);
/* AS 0 in any segment of a valid wire-form path (RFC 7607 2). */
bool aspath_wire_has_as0(const uint8_t *ap, size_t len, unsigned asn_size);
/* Widen a valid 2-octet AS_PATH into canonical 4-octet form; out needs
 * 2 * len bytes. Returns the new length. */
size_t aspath_widen(const uint8_t *ap, size_t len, uint8_t *out);
bool aspath_has_wide_asn(const uint8_t *ap, size_t len); /* any ASN > 65535 */
/* Encoded sizes and writers for the 2-octet form (AS_TRANS substituted)
 * and for AS4_PATH (4-octet, confederation segments left out). */
size_t aspath_size2(const uint8_t *ap, size_t len);
void aspath_put2(struct wbuf *w, const uint8_t *ap, size_t len);
size_t aspath_size_noconfed(const uint8_t *ap, size_t len);
void aspath_put_noconfed(struct wbuf *w, const uint8_t *ap, size_t len);
/* RFC 6793 4.2.3: rebuild the path from AS_PATH and AS4_PATH into out
 * (cap >= len + as4_len). Returns the new length, or SIZE_MAX when
 * AS4_PATH must be ignored (it is longer than AS_PATH). */
size_t aspath_merge_as4(uint8_t *out, size_t cap, const uint8_t *ap, size_t len,
			const uint8_t *as4, size_t as4_len);

/* --- msg.c -------------------------------------------------------------- */
void wire_error(struct bgp_error *err, uint8_t code, uint8_t subcode, const void *data,
		size_t data_len, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void wire_header_put(struct wbuf *w, uint8_t type); /* length patched by wire_finish */
size_t wire_finish(struct wbuf *w);		     /* patch length; 0 on overflow */

/* --- update.c / attr.c: UPDATE decoding state ---------------------------- */
enum attr_act { ATTR_OK = 0, ATTR_DISCARD, ATTR_TAW, ATTR_RESET };

struct upd_dec {
	const struct bgp_codec_ctx *ctx;
	struct arena *a;
	struct bgp_update *u;
	struct bgp_error *err;
	uint64_t met[4]; /* every type code met, for duplicates (RFC 7606 3 g) */
	bool taw;	 /* a treat-as-withdraw error was found */
	bool mp_nh4;	 /* IPv4 next hop taken from MP_REACH (AFI 1) */
	struct pfx_list wd, nlri;
	size_t nlri4; /* IPv4 prefixes among nlri */
	bool mp_unreach_empty6; /* MP_UNREACH for AFI 2 with no prefixes */
	const uint8_t *as4path;
	uint16_t as4path_len;
	bool has_as4agg;
	uint32_t as4agg_as;
	struct in_addr as4agg_id;
	uint8_t *unknown; /* arena block for attrs.unknown */
};

/* One attribute as met on the wire, for NOTIFICATION data (RFC 4271 6.3). */
struct attr_raw {
	uint8_t flags, type;
	const uint8_t *p; /* from the flags octet */
	size_t len;	  /* header + value */
};

void upd_note(struct upd_dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum attr_act attr_decode_list(struct upd_dec *d, struct rbuf *attrs);
/* Parse an NLRI/withdrawn field (classic, or MP with raw its attribute)
 * into d's lists; syntax errors reset the session (RFC 7606 5.3, 3 j) with
 * 3/10 (RFC 4271 6.3), or 3/9 and the attribute for MP (RFC 4760 7). */
enum attr_act upd_prefixes(struct upd_dec *d, struct rbuf f, uint8_t family, bool reach,
			   const char *what, const struct attr_raw *raw);

/* What to encode in one UPDATE's path attributes. */
struct attr_enc {
	const struct bgp_codec_ctx *ctx;
	const struct bgp_attrs *attrs; /* NULL: only MP_UNREACH */
	uint8_t family;		       /* of the NLRI */
	const struct bgp_prefix *mp_nlri;
	size_t mp_nn;
	const struct bgp_prefix *mp_wd;
	size_t mp_nw;
};
void attr_encode_list(struct wbuf *w, const struct attr_enc *e);

#endif
