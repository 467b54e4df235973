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
#include <string.h>

#include "rib/loc.h"
#include "rib/rib_int.h" /* the trie node and attribute set, read inline */

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
 * masked compare when e lies inside the last chain found (most changes;
 * IPv4 inline, below), else one binary search among the aggregates (and a
 * record lookup past 6); one test when there are no aggregates. Calling
 * it again for an unchanged entry changes nothing. Out of memory: the
 * prefix stays uncounted until it next changes (counts may be low, never
 * high). */
static inline void rib_agg_entry(struct rib_agg *a, struct rib_entry *e);

/* rib_agg_entry's out-of-line part: any family, any chain (the inline
 * part hands it what it does not count itself). */
void rib_agg_entry_chain(struct rib_agg *a, struct rib_entry *e);

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

/* The caller's interned attribute set for an aggregate, kept here so that
 * originating it again (each time its count reaches the minimum) needs no
 * interning. def is a definition pointer handed out (rib_agg_get, the
 * report callback). rib_agg_keep_attrs hands ra (a reference) over, in
 * place of the one kept before; false when def is not a current
 * definition (a retired one): the reference stays the caller's.
 * rib_agg_attrs lends the one kept (no new reference), or NULL. Every
 * rib_agg_configure, also a failed one, drops them all. */
bool rib_agg_keep_attrs(struct rib_agg *a, const struct rib_agg_def *def, struct rib_attrs *ra);
struct rib_attrs *rib_agg_attrs(const struct rib_agg *a, const struct rib_agg_def *def);

/* ---- rib_agg_entry's inline part -------------------------------------------
 * It runs once per drained Loc-RIB change, so its common case makes no
 * call: one UPDATE's prefixes mostly fall under the same aggregates, and
 * rib/agg.c keeps the chain the last out-of-line change found where this
 * part reads it. An IPv4 change strictly inside that chain's longest
 * aggregate (which has none inside it) that joins or leaves all of its
 * aggregates costs a masked compare and an add; anything else goes to
 * rib_agg_entry_chain. The layout below is rib/agg.c's, public only for
 * this part. */

/* The last chain's longest aggregate: none. */
#define RIB_AGG_LAST_NONE 255
/* What the last chain's aggregates want of a contributor: any usable best
 * path, one carrying `comm` (all want the same route type), or different
 * things (left to rib/agg.c). */
enum { RIB_AGG_NEED_NONE, RIB_AGG_NEED_ONE, RIB_AGG_NEED_MIXED };

/* A family's last chain (see above). */
struct rib_agg_last {
	/* Its longest aggregate's address and the mask of its length, bytes
	 * as in a prefix (IPv4: the first 4), 8-aligned: a masked compare of
	 * words loaded alike needs no byte swap. */
	_Alignas(8) uint8_t key[16];
	_Alignas(8) uint8_t bits[16];
	/* Prefixes that joined (negative: left) every one of its aggregates
	 * and are in no count yet (rib/agg.c adds them before the chain
	 * changes, before any other count changes and before a report). */
	int64_t run;
	/* An attribute set known to carry what its aggregates want (that of
	 * the first contributor after the chain was found; a reference), or
	 * NULL: a prefix with it needs no community lookup. */
	struct rib_attrs *ra;
	uint32_t comm;	  /* RIB_AGG_NEED_ONE: the community wanted */
	uint8_t len;	  /* its longest aggregate's length; RIB_AGG_LAST_NONE: no chain */
	uint8_t all;	  /* e->state's bits of a prefix counted in all of them (in place) */
	uint8_t need;	  /* RIB_AGG_NEED_* */
};

/* The head of struct rib_agg (rib/agg.c). */
struct rib_agg_hot {
	bool on;		     /* any aggregate configured */
	struct rib_agg_last last[2]; /* AF_INET, AF_INET6 */
};

#define RIB_AGG_ENTRY_MASK ((1u << RIB_E_AGG_BITS) - 1)

/* What e is counted in (a chain of at most RIB_E_AGG_BITS aggregates, bit
 * k for the one at depth k), kept in its state bits; and setting it. */
static inline unsigned rib_agg_entry_bits(const struct rib_entry *e)
{
	return (e->state >> RIB_E_AGG_SHIFT) & RIB_AGG_ENTRY_MASK;
}

static inline void rib_agg_entry_set_bits(struct rib_entry *e, unsigned m)
{
	e->state = (uint8_t)((e->state & ((1u << RIB_E_AGG_SHIFT) - 1)) | m << RIB_E_AGG_SHIFT);
}

/* The first 4 bytes at b as one word, in memory order: for masked
 * compares with rib_agg_last's key (one load, no byte swap). */
static inline uint32_t rib_agg_word4(const uint8_t *b)
{
	uint32_t w;

	memcpy(&w, b, sizeof(w));
	return w;
}

/* An IPv4 entry lies strictly inside l's longest aggregate. */
static inline bool rib_agg_last_covers4(const struct rib_agg_last *l, const struct rib_entry *e)
{
	uint8_t len;
	const uint8_t *addr = rib_value_addr(AF_INET, e, &len);

	return len > l->len &&
	       ((rib_agg_word4(addr) ^ rib_agg_word4(l->key)) & rib_agg_word4(l->bits)) == 0;
}

static inline bool rib_agg_has_community(const struct bgp_attrs *at, uint32_t c)
{
	for (uint16_t i = 0; i < at->ncommunities; i++)
		if (at->communities[i] == c)
			return true;
	return false;
}

/* Whether e contributes to l's chain's aggregates: 1 to all, 0 to
 * none, -1 when they want different route types (not known here). A
 * usable best path: nmulti > 0 (the ECMP set is never larger than the
 * paths). */
static inline int rib_agg_last_wants(const struct rib_agg_last *l, const struct rib_entry *e)
{
	if (!e->nmulti)
		return 0;
	if (e->head.attrs == l->ra)
		return 1;
	if (l->need == RIB_AGG_NEED_ONE)
		return rib_agg_has_community(rib_attrs_bgp(e->head.attrs), l->comm);
	return l->need == RIB_AGG_NEED_NONE ? 1 : -1;
}

/* The step of l's run when e, strictly inside its chain, changed: +1 it
 * joined all of its aggregates, -1 it left all of them, 0 nothing to
 * count; 2 anything else (some of them: rib_agg_entry_chain's work). */
static inline int rib_agg_last_step(const struct rib_agg_last *l, const struct rib_entry *e)
{
	unsigned old = e->state & (RIB_AGG_ENTRY_MASK << RIB_E_AGG_SHIFT);
	int wants = rib_agg_last_wants(l, e);

	if (wants > 0) /* most often a join */
		return !old ? 1 : old == l->all ? 0 : 2;
	if (wants == 0)
		return !old ? 0 : old == l->all ? -1 : 2;
	return 2;
}

static inline void rib_agg_entry(struct rib_agg *a, struct rib_entry *e)
{
	struct rib_agg_hot *h = (struct rib_agg_hot *)a; /* its first member */
	struct rib_agg_last *l = &h->last[0];
	int step;

	if (!h->on) /* before anything: most daemons have no aggregates */
		return;
	if ((e->state & RIB_E_V6) || !rib_agg_last_covers4(l, e) ||
	    (step = rib_agg_last_step(l, e)) == 2) {
		rib_agg_entry_chain(a, e);
		return;
	}
	if (step) { /* counted in none of them and now in all, or the other way round */
		l->run += step;
		e->state ^= l->all;
	}
}

#endif
