/* The BGP decision process (RFC 4271 9.1.2.2 with the RFC 5065
 * confederation rules) and the multipath equality used for ECMP. Pure
 * functions over attributes and their source, table-tested. */
#ifndef CLOS_RIB_DECIDE_H
#define CLOS_RIB_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "bgpd/wire.h"

enum rib_src_kind {
	RIB_SRC_LOCAL = 0, /* originated by this router */
	RIB_SRC_EBGP,
	RIB_SRC_CONFED,	   /* confederation-external, same confederation */
	RIB_SRC_IBGP,
};

/* Who a path came from. */
struct rib_src {
	enum rib_src_kind kind;
	uint32_t peer_as;   /* the neighbour's AS */
	uint32_t router_id; /* the neighbour's BGP Identifier, host order */
	uint8_t family;	    /* the neighbour's address, for the last tie-break */
	uint8_t addr[16];
	void *owner;	    /* the peer (opaque to the RIB) */
};

struct rib_decide_cfg {
	bool always_compare_med; /* compare MED across neighbour ASes */
	bool multipath_relax;	 /* equal paths via different ASes are ECMP (default on) */
	bool count_confed;	 /* AS_CONFED_SEQUENCE ASes count in the length */
	unsigned max_paths;	 /* ECMP width, default 64 */
};

/* Which rule decided, for "show routes" and tests. */
enum rib_decide_step {
	RIB_STEP_EQUAL = 0,
	RIB_STEP_LOCAL,
	RIB_STEP_LOCAL_PREF,
	RIB_STEP_AS_PATH,
	RIB_STEP_ORIGIN,
	RIB_STEP_MED,
	RIB_STEP_PEER_TYPE,
	RIB_STEP_ROUTER_ID,
	RIB_STEP_PEER_ADDR,
};

/* What the decision process reads of an attribute set, resolved once:
 * defaults applied, AS_PATH lengths and first AS counted. The Loc-RIB keeps
 * one per interned set (rib_attrs_dkey), so a comparison never walks an
 * AS_PATH. */
struct rib_dkey {
	uint32_t local_pref; /* 100 when absent */
	uint32_t med;	     /* 0 when absent (RFC 4271 9.1.2.2 c) */
	uint32_t first_as;   /* leftmost AS of the first AS_SEQUENCE, 0 if none */
	uint16_t path_len;   /* RFC 4271 9.1.2.2 a, confederation segments 0 */
	uint16_t confed_len; /* ASes in AS_CONFED_SEQUENCE segments */
	uint8_t origin;
};
void rib_dkey_of(const struct bgp_attrs *a, struct rib_dkey *k);

/* < 0 if path a is better than b, > 0 if b is better, 0 if identical in
 * every rule. *step (may be NULL) tells which rule decided. */
int rib_path_cmp(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
		 const struct bgp_attrs *a, const struct rib_src *sb, const struct bgp_attrs *b,
		 enum rib_decide_step *step);
/* True if b may join a's ECMP set: equal through the peer-type rule, and
 * (without multipath relax) from the same neighbour AS. */
bool rib_path_multipath(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
			const struct bgp_attrs *a, const struct rib_src *sb,
			const struct bgp_attrs *b);
/* The same two over resolved keys (what the Loc-RIB uses). */
int rib_path_cmp_key(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
		     const struct rib_dkey *a, const struct rib_src *sb, const struct rib_dkey *b,
		     enum rib_decide_step *step);
bool rib_path_multipath_key(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
			    const struct rib_dkey *a, const struct rib_src *sb,
			    const struct rib_dkey *b);
const char *rib_decide_step_str(enum rib_decide_step s);

#endif
