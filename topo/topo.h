/* topo: the fabric model of closgen (closbgp-fabric.yang in memory), its
 * expansion, address allocation, rule checks and the output emitters. */
#ifndef CLOSBGP_TOPO_H
#define CLOSBGP_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TOPO_NAME_MAX 48
/* Seconds a drain keeps a switch WARM (every path with the drain signal)
 * before DRAINED withdraws what is not infrastructure: the demo fabric
 * moves its traffic in well under a second. */
#define TOPO_DRAIN_TIME 2
#define TOPO_MAX_ROUTE_TYPES 32

/* One clear error message; every failing function fills it and returns -1. */
struct topo_err {
	char msg[768];
};
int topo_errf(struct topo_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum topo_tier { TOPO_SSW, TOPO_FSW, TOPO_RSW, TOPO_SERVER, TOPO_NTIERS };
const char *topo_tier_name(enum topo_tier t);
int topo_tier_parse(const char *s, enum topo_tier *t);

/* af 0 means absent; addr keeps host bits (interface addresses). */
struct topo_prefix {
	uint8_t af; /* 0, 4 or 6 */
	uint8_t len;
	uint8_t addr[16];
};
int topo_prefix_parse(const char *s, struct topo_prefix *p);
/* Formats "addr/len" (with_len) or "addr"; buf needs 64 bytes. */
const char *topo_prefix_str(const struct topo_prefix *p, bool with_len,
			    char *buf);
/* The network of p (host bits cleared). */
struct topo_prefix topo_prefix_net(const struct topo_prefix *p);
int topo_prefix_cmp(const struct topo_prefix *a, const struct topo_prefix *b);
bool topo_prefix_contains(const struct topo_prefix *outer,
			  const struct topo_prefix *inner);
/* p with n added to its address at bit position len (the n-th subnet of
 * length len inside p); returns -1 when it does not fit. */
int topo_prefix_nth(const struct topo_prefix *pool, uint8_t len, uint64_t n,
		    struct topo_prefix *out);

struct topo_iface {
	char name[16];
	struct topo_prefix v4, v6;
	int link; /* index into fabric links, -1: not a link (bridge) */
	int peer_dev, peer_if;
};

struct topo_orig {
	struct topo_prefix pfx;
	int route_type;
	int min_ms; /* -1: plain network; >= 0: aggregate threshold */
};

struct topo_device {
	char name[TOPO_NAME_MAX];
	enum topo_tier tier;
	unsigned pod, plane, index;
	int rack; /* servers: device index of the RSW, else -1 */
	uint32_t asn, confed_id;
	struct topo_prefix lo4, lo6;
	struct topo_prefix rid; /* router id (af 4, len 32); af 0: lo4 */
	struct topo_iface *ifs;
	size_t nifs, capifs;
	struct topo_orig *origs;
	size_t norigs, caporigs;
	struct topo_prefix vips[2];
	size_t nvips;
	bool frr;
};

struct topo_link {
	int a, a_if, b, b_if;
};

enum topo_asn_per { TOPO_PER_TIER, TOPO_PER_PLANE, TOPO_PER_POD,
		    TOPO_PER_INDEX, TOPO_PER_DEVICE };
struct topo_asn_rule {
	uint32_t base;
	enum topo_asn_per per;
};
struct topo_scheme {
	uint32_t min, max;
	struct topo_asn_rule rule[3]; /* ssw, fsw, rsw */
	bool confed;
	uint32_t confed_base;
};

struct topo_shape {
	bool present;
	unsigned planes, ssws, pods, rsws, servers, plinks;
};

struct topo_pools {
	struct topo_prefix lo4, lo6, p2p4, p2p6, pod4, pod6, vip4, vip6;
	unsigned pod4_len, pod6_len, rack4_len, rack6_len, vip4_len, vip6_len;
	bool p2p6_linklocal;
};

struct topo_route_type {
	char name[TOPO_NAME_MAX];
	char community[16];
	char descr[96];
};

enum topo_agg_scope { TOPO_SCOPE_RACK, TOPO_SCOPE_POD, TOPO_SCOPE_PLANE };
struct topo_aggregate {
	enum topo_tier tier;
	int route_type, covers; /* covers -1: none */
	enum topo_agg_scope scope;
	unsigned min_ms;
};

struct topo_lpref {
	char name[TOPO_NAME_MAX];
	uint32_t value;
};

struct topo_rule {
	enum topo_tier tier, peer_tier;
	bool out;
	unsigned seq;
	uint32_t match, add, remove; /* bit sets of route types */
	char regex[128];
	bool permit;
	int lpref; /* index into lprefs, -1 */
};

struct topo_timers {
	unsigned hold, keepalive, connect_retry;
};

/* Graceful restart timers of one tier (seconds), and which of them the
 * fabric file set on the tier itself (for the path in an error). */
enum { TOPO_GR_RESTART, TOPO_GR_STALE, TOPO_GR_EOR, TOPO_GR_NTIMERS };
struct topo_gr {
	unsigned t[TOPO_GR_NTIMERS];
	bool own[TOPO_GR_NTIMERS];
};

/* max-prefix on every session; limit 0: none. */
struct topo_maxpfx {
	uint32_t limit;
	bool warning_only;
	unsigned restart_time, threshold; /* seconds, percent */
};

struct topo_fabric {
	char name[TOPO_NAME_MAX];
	struct topo_shape shape;
	struct topo_scheme scheme;
	struct topo_pools pools;
	struct topo_timers timers;
	struct topo_maxpfx maxpfx;
	struct topo_gr gr[TOPO_NTIERS]; /* per switch tier (servers unused) */
	struct topo_route_type rtypes[TOPO_MAX_ROUTE_TYPES];
	size_t nrtypes;
	struct topo_aggregate *aggs;
	size_t naggs;
	struct topo_lpref *lprefs;
	size_t nlprefs;
	struct topo_rule *rules;
	size_t nrules;
	struct topo_device *devs;
	size_t ndevs, capdevs;
	struct topo_link *links;
	size_t nlinks, caplinks;
	bool explicit_form; /* devices came from the input */
};

/* fabric.c: the in-memory model. */
void topo_fabric_init(struct topo_fabric *f);
void topo_fabric_free(struct topo_fabric *f);
struct topo_device *topo_dev_add(struct topo_fabric *f, enum topo_tier tier,
				 const char *name, struct topo_err *err);
struct topo_iface *topo_if_add(struct topo_device *d, const char *name,
			       struct topo_err *err);
int topo_orig_add(struct topo_device *d, const struct topo_prefix *p,
		  int route_type, int min_ms, struct topo_err *err);
int topo_link_add(struct topo_fabric *f, int a, int a_if, int b, int b_if,
		  struct topo_err *err);
int topo_dev_find(const struct topo_fabric *f, const char *name);
int topo_if_find(const struct topo_device *d, const char *name);
int topo_rtype_find(const struct topo_fabric *f, const char *name);
/* The aggregation intent an originated prefix comes from (NULL: a plain
 * network such as a loopback), and whether the switch originates it as an
 * aggregate: a rack prefix with no minimum is the rack's connected subnet
 * and stays a network (no blackhole may shadow it). */
const struct topo_aggregate *topo_orig_intent(const struct topo_fabric *f,
					      const struct topo_device *d,
					      const struct topo_orig *o);
bool topo_orig_is_aggregate(const struct topo_fabric *f, const struct topo_device *d,
			    const struct topo_orig *o);
/* Fills defaults: standard route types, aggregation and policy intent. */
int topo_defaults(struct topo_fabric *f, struct topo_err *err);
/* policy_defaults.c: the standard policy intent when none is given. */
int topo_policy_defaults(struct topo_fabric *f, struct topo_err *err);

/* load.c: FABRIC.json (compact or explicit) through libyang. */
int topo_load(struct topo_fabric *f, const char *path, const char *yang_dir,
	      struct topo_err *err);
/* The same with the closbgp-fabric schema (a libyang context) loaded once
 * for many files: topo_load loads it for every call, which costs more than
 * a small fabric (the fuzz target loads millions). The context keeps only
 * the schema: each load frees its data tree and clears libyang's stored
 * errors, so its result does not depend on earlier loads. */
struct topo_schema;
struct topo_schema *topo_schema_new(const char *yang_dir, struct topo_err *err);
int topo_schema_load(struct topo_schema *s, struct topo_fabric *f,
		     const char *path, struct topo_err *err);
void topo_schema_free(struct topo_schema *s);

/* expand.c: compact shape -> devices, interfaces, links, ASNs. */
int topo_expand(struct topo_fabric *f, struct topo_err *err);
/* ASN of a switch under the scheme (0 for servers). */
uint32_t topo_scheme_asn(const struct topo_fabric *f,
			 const struct topo_device *d);

/* alloc.c: addresses from the pools, deterministic. */
int topo_alloc(struct topo_fabric *f, struct topo_err *err);
/* The pod aggregate / rack prefix of d in family af: 0, 1 when that family
 * has no pod pool, -1 on error. */
int topo_pod_prefix(const struct topo_fabric *f, const struct topo_device *d,
		    int af, struct topo_prefix *out, struct topo_err *err);
int topo_rack_prefix(const struct topo_fabric *f, const struct topo_device *d,
		     int af, struct topo_prefix *out, struct topo_err *err);

/* originate.c: prefixes each switch originates, from the aggregation
 * intent (rack prefix, pod aggregate, infra) and its loopbacks. */
int topo_originate(struct topo_fabric *f, struct topo_err *err);

/* check.c: topology rules, ASN scheme and addressing checks. */
int topo_check(const struct topo_fabric *f, struct topo_err *err);
/* check_asn.c: the ASN scheme keeps loop prevention and reachability. */
int topo_check_asn(const struct topo_fabric *f, struct topo_err *err);
/* check_addr.c: no address used twice, both ends of a link agree. */
int topo_check_addr(const struct topo_fabric *f, struct topo_err *err);
/* check_policy.c: every tier's own route types can leave it. */
int topo_check_policy(const struct topo_fabric *f, struct topo_err *err);
/* check_gr.c: graceful restart timers agree between every two neighbours. */
int topo_check_gr(const struct topo_fabric *f, struct topo_err *err);
/* The data path of a graceful restart timer of tier t, where it is set. */
const char *topo_gr_path(const struct topo_fabric *f, enum topo_tier t, int timer,
			 char *buf, size_t len);

/* emit_*.c: text outputs.  Each writes one file's content to out. */
int topo_emit_device(const struct topo_fabric *f, const struct topo_device *d,
		     FILE *out);
int topo_emit_interfaces(const struct topo_fabric *f,
			 const struct topo_device *d, FILE *out);
int topo_emit_frr(const struct topo_fabric *f, const struct topo_device *d,
		  FILE *out);
int topo_emit_frr_daemons(FILE *out);
/* emit_policy.c: the policy intent in closbgpd.json and frr.conf. */
struct topo_session;
bool topo_policy_on(const struct topo_fabric *f);
bool topo_policy_has(const struct topo_fabric *f, enum topo_tier t, bool out,
		     enum topo_tier peer);
const char *topo_policy_name(enum topo_tier peer, bool out, char *buf); /* buf[24] */
void topo_emit_device_policy(const struct topo_fabric *f, const struct topo_device *d,
			     const struct topo_session *s, size_t n, FILE *out);
/* max-prefix as the device and fabric JSON spell it (same leaves). */
void topo_emit_maxpfx(const struct topo_maxpfx *m, FILE *out);
void topo_emit_group_policy(const struct topo_fabric *f, const struct topo_device *d,
			    enum topo_tier peer, FILE *out);
void topo_emit_frr_policy(const struct topo_fabric *f, const struct topo_device *d,
			  const struct topo_session *s, size_t n, FILE *out);
void topo_emit_frr_group_policy(const struct topo_fabric *f, const struct topo_device *d,
				const char *group, enum topo_tier peer, FILE *out);
int topo_emit_clab(const struct topo_fabric *f, FILE *out);
int topo_emit_host(const struct topo_fabric *f, const struct topo_device *d,
		   FILE *out);
/* A server's routes to the fabric pools via its rack switch. */
#define TOPO_HOST_ROUTES_MAX 8
struct topo_route {
	struct topo_prefix dst, via;
};
size_t topo_host_routes(const struct topo_fabric *f,
			const struct topo_device *d, struct topo_route *r);
int topo_emit_explicit(const struct topo_fabric *f, FILE *out);
int topo_emit_explicit_device(const struct topo_fabric *f,
			      const struct topo_device *d, FILE *out);
/* predict.c: the policy-intent prediction — how many prefixes each switch
 * will hold, per family: every originated prefix propagated over the
 * sessions with the generated configurations' policy, AS_PATH and
 * decision semantics and closbgpd's export rule, to a fixed point
 * (docs/topology.md says what is simulated and what is assumed). */
struct topo_prediction {
	bool ok;	   /* false: not predicted, note says why */
	char note[200];
	uint32_t *v4, *v6; /* prefixes per device, f->devs order (servers 0) */
	size_t ndevs;
	unsigned classes, simulations, rounds; /* route classes, runs, aggregate rounds */
};
/* 0 with p->ok or a note, -1 on error (out of memory); free p afterwards. */
int topo_predict(const struct topo_fabric *f, struct topo_prediction *p, struct topo_err *err);
void topo_prediction_free(struct topo_prediction *p);
/* emit_routes.c: DIR/routes.json and the summary's section (p may be NULL:
 * no section). */
int topo_emit_routes(const struct topo_fabric *f, const struct topo_prediction *p, FILE *out);
void topo_emit_route_summary(const struct topo_fabric *f, const struct topo_prediction *p,
			     FILE *out);
int topo_emit_summary(const struct topo_fabric *f, const struct topo_prediction *p, FILE *out);

/* session.c: the eBGP sessions of a switch, one per link and family, in
 * interface order (IPv4 first).  out needs 2 * d->nifs entries. */
struct topo_session {
	const struct topo_device *peer;
	const struct topo_iface *ifc, *peer_ifc;
	int af;
	uint32_t remote_as;
	bool linklocal;
};
size_t topo_sessions(const struct topo_fabric *f, const struct topo_device *d,
		     struct topo_session *out);
/* Member ASes of d's confederation among its peers, sorted, unique;
 * out needs d->nifs entries. */
size_t topo_confed_peers(const struct topo_fabric *f,
			 const struct topo_device *d, uint32_t *out);
/* "<peer tier>-v4" / "-v6": the peer group of a session; buf 16 bytes. */
const char *topo_peer_group(const struct topo_session *s, char *buf);
/* The router id of d (explicit router-id, else the IPv4 loopback). */
const struct topo_prefix *topo_router_id(const struct topo_device *d);

/* Shared emitter helpers (emit_json.c). */
void topo_json_str(FILE *out, const char *s);
/* The peer's name, AS as seen from d, and whether the peer is inside d's
 * confederation. */
uint32_t topo_peer_asn(const struct topo_fabric *f, const struct topo_device *d,
		       const struct topo_device *peer);

/* validate.c: generated device configs against closbgp-device. */
struct topo_validator;
struct topo_validator *topo_validator_new(const char *yang_dir,
					  struct topo_err *err);
int topo_validator_check(struct topo_validator *v, const char *json,
			 const char *what, struct topo_err *err);
void topo_validator_free(struct topo_validator *v);

#endif
