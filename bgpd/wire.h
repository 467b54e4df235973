/* BGP-4 wire codec (RFC 4271, 4760, 6793, 2918, 1997, 8092, 4724, 5065,
 * 7606). Pure functions: no I/O, no globals, so unit tests and fuzz targets
 * build from the same sources. All input is read through struct rbuf. */
#ifndef CLOS_WIRE_H
#define CLOS_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgpd/arena.h"
#include "bgpd/buf.h"

#define BGP_HDR_LEN 19
#define BGP_MAX_MSG 4096
#define BGP_PORT 179
#define BGP_VERSION 4
#define BGP_AS_TRANS 23456

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,
};

enum { AFI_IPV4 = 1, AFI_IPV6 = 2 };
enum { SAFI_UNICAST = 1 };

/* NOTIFICATION codes and subcodes (RFC 4271 4.5, 6; RFC 4486; RFC 7313). */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_REFRESH = 7,
};
enum { BGP_HDR_NOT_SYNC = 1, BGP_HDR_BAD_LEN = 2, BGP_HDR_BAD_TYPE = 3 };
enum {
	BGP_OPEN_BAD_VERSION = 1,
	BGP_OPEN_BAD_PEER_AS = 2,
	BGP_OPEN_BAD_BGP_ID = 3,
	BGP_OPEN_UNSUP_PARAM = 4,
	BGP_OPEN_BAD_HOLD = 6,
	BGP_OPEN_UNSUP_CAPA = 7,
};
enum {
	BGP_UPD_MALFORMED_ATTR_LIST = 1,
	BGP_UPD_UNRECOGNIZED_WK = 2,
	BGP_UPD_MISSING_WK = 3,
	BGP_UPD_ATTR_FLAGS = 4,
	BGP_UPD_ATTR_LEN = 5,
	BGP_UPD_BAD_ORIGIN = 6,
	BGP_UPD_BAD_NEXTHOP = 8,
	BGP_UPD_OPT_ATTR = 9,
	BGP_UPD_BAD_NETWORK = 10,
	BGP_UPD_BAD_ASPATH = 11,
};
enum {
	BGP_CEASE_MAX_PREFIX = 1,
	BGP_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_CEASE_PEER_UNCONFIG = 3,
	BGP_CEASE_ADMIN_RESET = 4,
	BGP_CEASE_CONN_REJECTED = 5,
	BGP_CEASE_CONFIG_CHANGE = 6,
	BGP_CEASE_COLLISION = 7,
	BGP_CEASE_OUT_OF_RESOURCES = 8,
};

/* Path attribute type codes. */
enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};
#define BGP_ATTR_BIT(t) (1ull << (t)) /* all codes we track are < 64 */

enum { BGP_AF_OPTIONAL = 0x80, BGP_AF_TRANSITIVE = 0x40, BGP_AF_PARTIAL = 0x20, BGP_AF_EXTLEN = 0x10 };
enum { BGP_ORIGIN_IGP = 0, BGP_ORIGIN_EGP = 1, BGP_ORIGIN_INCOMPLETE = 2 };
enum { AS_SET = 1, AS_SEQUENCE = 2, AS_CONFED_SEQUENCE = 3, AS_CONFED_SET = 4 };

/* A prefix; bits beyond len are zero. family is AF_INET or AF_INET6. */
struct bgp_prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

struct bgp_large_community {
	uint32_t global, local1, local2;
};

/* Decoded path attributes. Pointers refer to the decode arena (or, for
 * encoding, to caller memory). AS_PATH is kept in canonical 4-octet wire
 * form (segment type, count, count x 4-octet ASN), with AS4_PATH already
 * merged per RFC 6793 4.2.3. */
struct bgp_attrs {
	uint64_t seen; /* BGP_ATTR_BIT(type) for every attribute present */
	uint8_t origin;
	const uint8_t *aspath;
	uint16_t aspath_len;
	struct in_addr nexthop; /* NEXT_HOP, network order */
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggregator_as;
	struct in_addr aggregator_id;
	const uint32_t *communities;
	uint16_t ncommunities;
	const struct bgp_large_community *large;
	uint16_t nlarge;
	/* MP_REACH next hop for IPv6 unicast: global, optional link-local. */
	struct in6_addr nh6;
	struct in6_addr nh6_ll;
	bool nh6_has_ll;
	/* Unrecognized optional transitive attributes, re-encoded with the
	 * Partial bit set, to pass along unchanged (RFC 4271 5). */
	const uint8_t *unknown;
	uint16_t unknown_len;
};

/* One decoded UPDATE. IPv4 NLRI/withdrawn and MP_REACH/MP_UNREACH NLRI are
 * merged into one list each; a prefix's family says which next hop applies
 * (attrs.nexthop for IPv4, attrs.nh6 for IPv6). */
struct bgp_update {
	struct bgp_attrs attrs;
	struct bgp_prefix *withdrawn;
	size_t nwithdrawn;
	struct bgp_prefix *nlri;
	size_t nnlri;
	bool eor;	  /* End-of-RIB marker (RFC 4724 2) */
	uint16_t eor_afi; /* AFI_IPV4 or AFI_IPV6 */
	bool treat_as_withdraw; /* RFC 7606: all NLRI moved to withdrawn */
	unsigned ndiscarded;	/* attributes discarded (RFC 7606 attribute discard) */
	unsigned nignored;	/* NLRI left out as semantically incorrect (RFC 4271 6.3) */
	char reason[128];	/* why treat-as-withdraw / discard, for the log */
};

/* RFC 8326: GRACEFUL_SHUTDOWN (65535:0), the drain signal. */
#define BGP_COMM_GRACEFUL_SHUTDOWN 0xFFFF0000u

/* Capabilities (RFC 5492) we understand. */
struct bgp_caps {
	bool mp_ipv4, mp_ipv6; /* RFC 4760 multiprotocol, unicast */
	bool mp_seen;	       /* any MP capability was sent */
	bool as4;	       /* RFC 6793 */
	uint32_t as4_asn;
	bool route_refresh; /* RFC 2918 (code 2) */
	bool gr;	    /* RFC 4724 graceful restart */
	uint16_t gr_flags;  /* restart state (R) bit etc., top 4 bits */
	uint16_t gr_time;   /* restart time in seconds */
	uint8_t gr_nafi;
	struct {
		uint16_t afi;
		uint8_t safi;
		uint8_t flags;
	} gr_afi[4];
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as;	    /* the 2-octet field as sent */
	uint32_t asn;	    /* effective ASN: as4_asn if AS4 capability, else my_as */
	uint16_t hold_time;
	uint32_t bgp_id;    /* host order */
	struct bgp_caps caps;
};

struct bgp_notification {
	uint8_t code, subcode;
	uint16_t data_len;
	uint8_t data[BGP_MAX_MSG];
};

/* What to do with an input error (RFC 7606 2, 4271 6). */
enum bgp_verdict {
	BGP_OK = 0,
	BGP_TREAT_AS_WITHDRAW = 1, /* decoded; NLRI are in withdrawn */
	BGP_SESSION_RESET = 2,	   /* send NOTIFICATION err.code/subcode/data */
};

struct bgp_error {
	uint8_t code, subcode;
	uint16_t data_len;
	uint8_t data[BGP_MAX_MSG];
	char reason[128];
};

/* Negotiated session properties the codec needs. */
struct bgp_codec_ctx {
	bool as4;	     /* both sides sent the AS4 capability */
	bool ipv4, ipv6;     /* negotiated unicast AFIs */
	bool ebgp;	     /* external peer (LOCAL_PREF ignored on input) */
	bool confed_member;  /* peer is in our confederation (confed segments allowed) */
};

/* --- header ---------------------------------------------------------- */
/* Check a 19-byte header: marker, length bounds for the type (RFC 4271
 * 6.1). On error returns BGP_SESSION_RESET with err filled. */
enum bgp_verdict bgp_header_decode(const uint8_t hdr[BGP_HDR_LEN], uint16_t *len,
				   uint8_t *type, struct bgp_error *err);

/* --- encoders: write a whole message (header included) into out; return
 * its length, or 0 if it does not fit in cap. --------------------------- */
size_t bgp_open_encode(uint8_t *out, size_t cap, const struct bgp_open *o);
size_t bgp_keepalive_encode(uint8_t *out, size_t cap);
size_t bgp_notification_encode(uint8_t *out, size_t cap, uint8_t code, uint8_t subcode,
			       const uint8_t *data, size_t data_len);
size_t bgp_refresh_encode(uint8_t *out, size_t cap, uint16_t afi, uint8_t safi);
size_t bgp_eor_encode(uint8_t *out, size_t cap, uint16_t afi);

/* Encode one UPDATE carrying withdrawn prefixes and/or NLRI with attrs.
 * All prefixes of one call share one family. Packs as many as fit in
 * BGP_MAX_MSG (or cap), in order, and reports how many were taken through
 * *nw_done / *nn_done; the caller loops until all are sent. attrs may be NULL
 * when nn == 0. With ctx->as4 false, AS_PATH/AGGREGATOR are written in
 * 2-octet form with AS_TRANS and AS4_PATH/AS4_AGGREGATOR added as needed. */
size_t bgp_update_encode(uint8_t *out, size_t cap, const struct bgp_codec_ctx *ctx,
			 const struct bgp_attrs *attrs,
			 const struct bgp_prefix *withdrawn, size_t nw, size_t *nw_done,
			 const struct bgp_prefix *nlri, size_t nn, size_t *nn_done);
/* Offset and length of the next hop in an encoded UPDATE (NEXT_HOP or the
 * MP_REACH_NLRI next hop field); false if it has none. */
bool bgp_update_nexthop_at(const uint8_t *msg, size_t len, size_t *off, size_t *nhlen);

/* --- decoders: body is the message after the 19-byte header. ----------- */
enum bgp_verdict bgp_open_decode(struct rbuf *body, struct bgp_open *o, struct bgp_error *err);
enum bgp_verdict bgp_notification_decode(struct rbuf *body, struct bgp_notification *n,
					 struct bgp_error *err);
enum bgp_verdict bgp_refresh_decode(struct rbuf *body, uint16_t *afi, uint8_t *safi,
				    struct bgp_error *err);
enum bgp_verdict bgp_update_decode(struct rbuf *body, const struct bgp_codec_ctx *ctx,
				   struct arena *a, struct bgp_update *u, struct bgp_error *err);
/* Treat-as-withdraw (RFC 7606 2) after decoding, for what only the caller
 * can check (a next hop that is our own address, RFC 4271 6.3): move u's
 * NLRI of one family (AF_UNSPEC: all) into its withdrawn list, in a (the
 * decode arena). Returns how many moved, -1 if a is full. */
int bgp_update_withdraw_family(struct bgp_update *u, struct arena *a, uint8_t family);

/* --- helpers ----------------------------------------------------------- */
const char *bgp_msg_type_str(uint8_t type);
const char *bgp_err_str(uint8_t code, uint8_t subcode); /* "OPEN Message Error/Bad Peer AS" */
int bgp_prefix_parse(const char *s, struct bgp_prefix *p);  /* 0 ok, -1 bad */
char *bgp_prefix_str(const struct bgp_prefix *p, char *buf, size_t len);
int bgp_prefix_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b);

/* AS_PATH helpers over the canonical 4-octet form. */
unsigned aspath_length(const uint8_t *ap, size_t len); /* RFC 4271 9.1.2.2 a + RFC 5065 5.3: SET counts 1, confed segments 0 */
bool aspath_contains(const uint8_t *ap, size_t len, uint32_t asn); /* any segment type */
uint32_t aspath_first_as(const uint8_t *ap, size_t len); /* leftmost AS of the first AS_SEQUENCE, 0 if none */
/* Prepend asn as a segment of type seg (AS_SEQUENCE or AS_CONFED_SEQUENCE),
 * merging into a leading segment of that type when it has room. Returns the
 * new length, or 0 if out is too small. */
size_t aspath_prepend(uint8_t *out, size_t cap, const uint8_t *ap, size_t len,
		      uint8_t seg, uint32_t asn);
/* Remove leading AS_CONFED_SEQUENCE/AS_CONFED_SET segments (RFC 5065 5.1,
 * when sending to a peer outside the confederation). Returns the new length. */
size_t aspath_strip_confed(uint8_t *out, size_t cap, const uint8_t *ap, size_t len);
/* Format like FRR/BIRD: "65001 65002 {1 2} (65301 65302) [65303]". */
char *aspath_str(const uint8_t *ap, size_t len, char *buf, size_t buflen);

#endif
