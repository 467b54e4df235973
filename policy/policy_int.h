/* policy/ private: one evaluation's state and the scratch it edits in. */
#ifndef CLOS_POLICY_INT_H
#define CLOS_POLICY_INT_H

#include "policy/policy.h"

#define POL_MAX_COMM 1024  /* a 4096-byte UPDATE holds fewer */
#define POL_MAX_LCOMM 512
#define POL_TRACE 6	   /* matched statements a cache entry remembers */

struct pol_scratch {
	struct bgp_attrs a;
	uint32_t comm[POL_MAX_COMM];
	struct bgp_large_community lcomm[POL_MAX_LCOMM];
	uint8_t aspath[2][BGP_MAX_MSG + 64]; /* edits alternate between the two */
	int cur_path;
	char aspath_str[12 * BGP_MAX_MSG / 4 + 16];
};

struct pol_run {
	const struct pol_config *cfg;
	const struct pol_env *env;
	const struct bgp_prefix *pfx;
	const struct bgp_attrs *cur;	/* the input, or s->a once edited */
	struct pol_scratch *s;
	bool aspath_ready;
	bool quiet;			/* pol_explain: no counters moved */
	/* results */
	bool accept, nh_self;
	size_t ipol;			/* index of the deciding policy (n: none) */
	struct pol_stmt *decider;
	struct pol_stmt *st[POL_TRACE];	/* statements that matched, in order */
	size_t nst;
};

void pol_run_chain(struct pol_run *r, struct pol_chain *c);

#endif
