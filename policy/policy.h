/* Routing policy: named sets, policies of ordered statements and the chains
 * that neighbours apply on import and export. A configuration compiles into
 * a struct pol_config once (regular expressions compiled, references
 * resolved, unreachable statements refused); paths are then evaluated
 * against a chain with a bounded cache of results keyed by (chain,
 * interned attribute set). Semantics: docs/policy.md. */
#ifndef CLOS_POLICY_H
#define CLOS_POLICY_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgpd/wire.h"
#include "rib/rib.h"

#define POL_NAME 64

enum pol_result { POL_ACCEPT = 0, POL_REJECT, POL_NEXT };
enum pol_setmatch { POL_SET_ANY = 0, POL_SET_ALL, POL_SET_NONE };

/* ---- sets ---------------------------------------------------------------- */
struct pol_commset {
	char name[POL_NAME];
	uint32_t *v;	/* sorted, unique */
	size_t n;
};

struct pol_lcommset {
	char name[POL_NAME];
	struct bgp_large_community *v;
	size_t n;
};

struct pol_aspathset {
	char name[POL_NAME];
	char **src;	/* as configured */
	regex_t *re;	/* compiled, '_' expanded */
	size_t n;
};

struct pol_pfx {
	struct bgp_prefix p;
	uint8_t min, max; /* length range */
};

struct pol_pfxset {
	char name[POL_NAME];
	struct pol_pfx *v;
	size_t n;
};

/* ---- statements ---------------------------------------------------------- */
/* What a statement's conditions look at (pol_match.has, pol_chain.uses). */
enum {
	POL_M_RTYPE = 1u << 0,
	POL_M_COMM = 1u << 1,
	POL_M_LCOMM = 1u << 2,
	POL_M_ASPATH = 1u << 3,
	POL_M_ASLEN = 1u << 4,
	POL_M_ORIGIN = 1u << 5,
	POL_M_NBR_AS = 1u << 6,
	POL_M_GROUP = 1u << 7,
	POL_M_FAMILY = 1u << 8,
	POL_M_PREFIX = 1u << 9,
};

struct pol_match {
	uint32_t has;			/* POL_M_* given */
	uint32_t *rtypes;		/* route-type communities: any of them */
	size_t nrtypes;
	const struct pol_commset *comm;
	uint8_t comm_mode;		/* enum pol_setmatch */
	const struct pol_lcommset *lcomm;
	uint8_t lcomm_mode;
	const struct pol_aspathset *aspath;
	uint16_t aslen_min, aslen_max;
	uint8_t origins;		/* bit (1 << ORIGIN) per value */
	uint32_t *nbr_as;
	size_t nnbr_as;
	int *groups;			/* peer-group indices (pol_config.groups) */
	size_t ngroups;
	uint8_t family;			/* AF_INET / AF_INET6 */
	const struct pol_pfxset *pfx;
	bool pfx_invert;
};

/* Community edits: replace (or clear) first, then remove, then add. */
struct pol_comm_edit {
	bool replace;			/* the list becomes repl (empty: cleared) */
	uint32_t *repl, *del, *add;
	size_t nrepl, ndel, nadd;
};

struct pol_lcomm_edit {
	bool replace;
	struct bgp_large_community *repl, *del, *add;
	size_t nrepl, ndel, nadd;
};

struct pol_actions {
	uint8_t result;			/* enum pol_result */
	bool set_lpref;
	uint32_t lpref;
	char lpref_name[POL_NAME];
	struct pol_comm_edit comm;	/* route types folded in */
	struct pol_lcomm_edit lcomm;
	uint32_t prepend_as;		/* 0: our local AS */
	uint8_t prepend_n;		/* 0: no prepend */
	bool remove_private;
	bool nh_self;
	bool modifies;			/* any of the above changes the path */
};

struct pol_stmt {
	char name[POL_NAME];
	struct pol_match m;
	struct pol_actions a;
	uint64_t matches;		/* evaluations in which it matched */
};

struct pol_policy {
	char name[POL_NAME];
	struct pol_stmt *st;
	size_t n;
	uint64_t evals;			/* chains evaluated through it */
};

/* What one neighbour applies in one direction: policies in order. Chains
 * with the same policy list are one object, so peers compare chains by
 * pointer (update groups key on it). */
struct pol_chain {
	struct pol_chain *next;
	struct pol_policy **pol;
	size_t n;
	uint32_t uses;			/* POL_M_* of every statement */
	bool modifies;			/* some statement edits the path */
	uint64_t digest;		/* of the policies' text (pol_chain_same) */
};

struct pol_named_value {
	char name[POL_NAME];
	uint32_t value;
};

struct pol_config {
	uint64_t digest;		/* of the policy text, set before chains are made */
	uint32_t local_as;		/* prepend default (our AS or member AS) */
	bool required;			/* RFC 8212: no chain = nothing */
	struct pol_named_value *lprefs, *rtypes; /* LOCAL_PREF names; route types */
	size_t nlprefs, nrtypes;
	char (*groups)[POL_NAME];	/* peer-group names, by index */
	size_t ngroups;
	struct pol_commset *commsets;
	struct pol_lcommset *lcommsets;
	struct pol_aspathset *aspathsets;
	struct pol_pfxset *pfxsets;
	size_t ncommsets, nlcommsets, naspathsets, npfxsets;
	struct pol_policy *policies;
	size_t npolicies;
	struct pol_chain *chains;
};

/* ---- building (bgpd/config_policy.c, tests) ------------------------------ */
struct pol_config *pol_config_new(void);
void pol_config_free(struct pol_config *c);
/* Lookups by name; NULL if none. */
const struct pol_commset *pol_commset_find(const struct pol_config *c, const char *name);
const struct pol_lcommset *pol_lcommset_find(const struct pol_config *c, const char *name);
const struct pol_aspathset *pol_aspathset_find(const struct pol_config *c, const char *name);
const struct pol_pfxset *pol_pfxset_find(const struct pol_config *c, const char *name);
struct pol_policy *pol_policy_find(const struct pol_config *c, const char *name);
const struct pol_named_value *pol_named_find(const struct pol_named_value *v, size_t n,
					     const char *name);
int pol_group_index(const struct pol_config *c, const char *name); /* -1: none */

/* Compile an FRR-style AS_PATH expression ('_' = boundary) as POSIX ERE.
 * 0, or the regcomp error with its text in err; REG_ESPACE for one that
 * would take regcomp too much time and memory (regex.c). */
int pol_regex_compile(regex_t *re, const char *expr, char *err, size_t errlen);
/* The AS_PATH as FRR prints it, which the expressions match:
 * "65001 65002 {1,2} (65301 65302) [3,4]". Returns buf. */
char *pol_aspath_str(const uint8_t *ap, size_t len, char *buf, size_t buflen);

/* Sort and deduplicate set members and edits; fills pol_actions.modifies
 * and the chain summaries. Call once after all statements are built. */
void pol_stmt_finish(struct pol_stmt *s);
/* Index of the first statement of p that an earlier one makes
 * unreachable (same conditions, or none, with a final result), and that
 * earlier one's index in *by; -1 if every statement can be reached. */
int pol_policy_unreachable(const struct pol_policy *p, size_t *by);
/* The chain for this list of policies (made once, shared); NULL when out
 * of memory. n == 0 gives NULL too: no chain. */
struct pol_chain *pol_chain_get(struct pol_config *c, struct pol_policy *const *pol, size_t n,
				bool *oom);
/* True if two chains (of different configurations) apply the same
 * statements: a reload that changes nothing keeps the paths as they are. */
bool pol_chain_same(const struct pol_chain *a, const struct pol_chain *b);

/* ---- evaluation ---------------------------------------------------------- */
/* The session a path comes from (import) or goes to (export). */
struct pol_env {
	uint32_t peer_as;
	int group;			/* peer-group index, -1: none */
	bool import;
};

struct pol_verdict {
	bool accept;
	const struct pol_policy *policy; /* deciding statement's policy; */
	const struct pol_stmt *stmt;	 /* NULL: nothing matched (default deny) */
	bool nh_self;
};

/* Evaluate c on the path (in, family, prefix). Accepted: *out is the
 * resulting attribute set (in itself when nothing changed), a reference
 * the caller owns; rejected: *out is NULL. Imported results that differ
 * from their input remember it (rib_attrs_origin), so a new policy can be
 * applied to what the peer sent. -1 when out of memory. */
struct pol_cache;
int pol_eval(struct pol_cache *pc, const struct pol_config *cfg, struct pol_chain *c,
	     const struct pol_env *env, const struct bgp_prefix *pfx, struct rib_attrs *in,
	     struct rib_attrs **out, struct pol_verdict *v);

/* The verdict alone, for display (closctl show routes filtered): no
 * cache, no result set, no counters moved. pc lends its scratch. */
int pol_explain(struct pol_cache *pc, const struct pol_config *cfg, struct pol_chain *c,
		const struct pol_env *env, const struct bgp_prefix *pfx, const struct rib_attrs *in,
		struct pol_verdict *v);

/* Result cache: a bounded set-associative table keyed by (chain, input
 * attribute set, the parts of the session and family the chain looks at);
 * entries hold references on their input and result sets. Chains that
 * match prefixes bypass it. cap 0 disables it. */
struct pol_cache_stats {
	uint64_t hits, misses, bypass;
	size_t entries, capacity;
};
struct pol_cache *pol_cache_new(struct rib_attr_cache *ac, size_t cap);
void pol_cache_free(struct pol_cache *pc);
void pol_cache_flush(struct pol_cache *pc); /* before the chains it keys on go */
void pol_cache_stats(const struct pol_cache *pc, struct pol_cache_stats *st);

#endif
