/* Loc-RIB internals shared by loc.c (paths, decision, change queue) and
 * out.c (the Adj-RIB-Out pairs kept in each entry). Private to rib/. */
#ifndef CLOS_RIB_LOC_INT_H
#define CLOS_RIB_LOC_INT_H

#include "rib/loc.h"
#include "rib/slab.h"

struct rib_loc {
	struct rib_table *t[2];
	struct rib_decide_cfg cfg;
	bool cfg_changed;	/* since the start: ECMP sets recomputed whole */
	struct slab paths;	/* the paths after each entry's first */
	struct rib_entry_queue q; /* changes, drained every loop turn */
	size_t npaths[2];	/* paths, per family (IPv4, IPv6) */
	size_t nroutes[2];	/* entries with a usable path, per family */
	size_t nout;		/* Adj-RIB-Out pairs, all groups */
	size_t nxout;		/* of them on the heap (not the inline first) */
};

static inline struct rib_table *loc_table(const struct rib_loc *loc, uint8_t family)
{
	return loc->t[family == AF_INET6];
}

/* Every entry of both families (IPv4 first), until cb returns non-zero. */
static inline int loc_walk_tables(const struct rib_loc *loc,
				  int (*cb)(const struct bgp_prefix *p, void *value, void *arg),
				  void *arg)
{
	int rc = rib_table_walk(loc->t[0], cb, arg);

	return rc ? rc : rib_table_walk(loc->t[1], cb, arg);
}

/* Free e if nothing refers to it any more (loc.c). */
void rib_loc_release(struct rib_loc *loc, struct rib_entry *e);
/* Drop every Adj-RIB-Out pair of an entry being freed (out.c). */
void rib_loc_out_drop_all(struct rib_entry *e);

#endif
