/* Aggregates with a minimum number of contributing more-specifics
 * (RFC 4271 9.2.2.2 without AS_SET): which configured aggregate prefixes
 * should be originated, kept up to date incrementally from the Loc-RIB's
 * changes (no walk per change). The daemon originates and withdraws them;
 * this module only counts. */
#ifndef CLOS_RIB_AGG_H
#define CLOS_RIB_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rib/loc.h"

/* One configured aggregate. A contributor is a prefix strictly inside
 * `prefix` with a usable best path in the Loc-RIB (any source, our own
 * networks and other aggregates included) that, when `need_community`,
 * carries `community` (the contributors' route type). With min == 0 the
 * aggregate is always active; otherwise while count >= min. */
struct rib_agg_def {
	struct bgp_prefix prefix;
	uint32_t min;
	bool need_community;
	uint32_t community;
	uint32_t id; /* the caller's (its index, say): handed back unchanged */
};

struct rib_agg;

struct rib_agg *rib_agg_new(void);
void rib_agg_free(struct rib_agg *a);

/* Replace the definitions (copied) and recount every contributor with one
 * walk of loc (configuration load and reload only). Aggregates whose
 * active state differs from what was last reported are reported by the
 * next rib_agg_report; an aggregate removed while last reported active
 * is reported once as inactive. Duplicate prefixes: the last definition
 * wins. -1 with errno ENOMEM (out of memory) or EINVAL (an impossible
 * prefix, aggregates nested deeper than 64): the old definitions stay.
 * Definition pointers handed out (rib_agg_get, the report callback) are
 * valid until the next configure or free. */
int rib_agg_configure(struct rib_agg *a, const struct rib_agg_def *defs, size_t n,
		      const struct rib_loc *loc);

/* e changed (it is being drained from the Loc-RIB's change queue, or its
 * best path's attributes changed): update the counts of every aggregate
 * covering it. e->npaths == 0 or e->nmulti == 0: no longer a contributor.
 * What e was counted in is kept in its state bits (RIB_E_AGG_*) when at
 * most 6 aggregates cover it, else in a record of this module. Cost: a
 * masked compare when e lies inside the last chain found (most changes),
 * else one binary search among the aggregates (and a record lookup past
 * 6); one test when there are no aggregates. Calling
 * it again for an unchanged entry changes nothing. Out of memory: the
 * prefix stays uncounted until it next changes (counts may be low, never
 * high). */
void rib_agg_entry(struct rib_agg *a, struct rib_entry *e);

/* Hand every aggregate whose active state changed since it was last
 * reported to cb (each once, in configuration order), then forget the
 * changes. Returns how many. */
size_t rib_agg_report(struct rib_agg *a,
		      void (*cb)(const struct rib_agg_def *def, bool active, void *arg), void *arg);

/* An aggregate with exactly prefix p is configured. */
bool rib_agg_has(const struct rib_agg *a, const struct bgp_prefix *p);

/* For show commands and tests. */
struct rib_agg_info {
	const struct rib_agg_def *def;
	uint32_t count;	/* contributors now */
	bool active;
};
size_t rib_agg_count(const struct rib_agg *a);
/* i < rib_agg_count, configuration order; false if out of range. */
bool rib_agg_get(const struct rib_agg *a, size_t i, struct rib_agg_info *info);
/* Prefixes counted in at least one aggregate. */
size_t rib_agg_contributors(const struct rib_agg *a);
size_t rib_agg_bytes(const struct rib_agg *a);

#endif
