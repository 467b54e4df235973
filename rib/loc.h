/* The Loc-RIB: every path per prefix, the usable ones (candidates) kept
 * ordered best-first by the decision process with the ECMP set at the
 * front, then the unusable ones (looped, unreachable next hop). It is also
 * every peer's Adj-RIB-In: a path is what one source sent for the prefix,
 * usable or not, so there is one table and one lookup per received route.
 * Changes are queued per prefix so the daemon can export and program them
 * in batches. */
#ifndef CLOS_RIB_LOC_H
#define CLOS_RIB_LOC_H

#include "rib/decide.h"
#include "rib/rib.h"

struct rib_path {
	struct rib_path *next;
	const struct rib_src *src; /* owned by its peer; outlives the path */
	struct rib_attrs *attrs;   /* a reference owned by the path */
};

/* The Adj-RIB-Out (RFC 4271 3.2) lives in the entry too: what each update
 * group (numbered by its out id) was last sent for the prefix, as the
 * interned outbound attributes; no pair = withdrawn / never sent. */
#define RIB_OUT_NONE UINT16_MAX
struct rib_out {
	struct rib_attrs *attrs;
	uint16_t id;
};

/* An entry lives inside its Loc-RIB trie node (which holds the prefix:
 * rib_entry_prefix), stays at its address until it is freed, and is
 * freed once it has no path and nothing refers to it. The best path is
 * stored in the entry (`head`); further paths are slab nodes linked from
 * it. 56 bytes: with its IPv4 trie node and a share of glue, ~88 per
 * prefix. */
#define RIB_E_V6 0x01		/* state: an IPv6 prefix */
#define RIB_E_QUEUED 0x02	/* state: in the change queue */
/* state bits 2..7 belong to rib/agg.c: which of the (up to 6) aggregates
 * covering the prefix it is counted in, so counting needs no record of
 * its own (rib_agg_entry). */
#define RIB_E_AGG_SHIFT 2
#define RIB_E_AGG_BITS 6
struct rib_entry {
	struct rib_attrs *out1; /* first Adj-RIB-Out pair, inline */
	struct rib_out *xout;
	struct rib_path head;	/* the first path, valid when npaths > 0 */
	uint32_t pins;		/* export queues holding the entry */
	uint16_t npaths;	/* all paths, usable first */
	uint16_t nusable;	/* the first nusable paths are candidates */
	uint16_t nmulti;	/* the first nmulti paths are the ECMP set */
	uint16_t out1_id;	/* group of out1, RIB_OUT_NONE: no pair at all */
	uint16_t nxout;		/* further pairs in xout */
	uint8_t state;		/* RIB_E_* */
	uint8_t fib;		/* enum rib_fib_state: what the kernel has */
};

static inline uint8_t rib_entry_family(const struct rib_entry *e)
{
	return (e->state & RIB_E_V6) ? AF_INET6 : AF_INET;
}

/* A FIFO of entries: an array consumed from the front (head), compacted
 * or grown when its end is reached. The Loc-RIB's change queue and the
 * export queues (which pin what they hold) are both one. */
struct rib_entry_queue {
	struct rib_entry **v;
	size_t head, n, cap;
};
/* false when out of memory (e is then not queued). */
bool rib_entry_queue_push(struct rib_entry_queue *q, struct rib_entry *e);
static inline struct rib_entry *rib_entry_queue_pop(struct rib_entry_queue *q)
{
	struct rib_entry *e = q->v[q->head++];

	if (--q->n == 0)
		q->head = 0;
	return e;
}

/* The entry's prefix, read from the trie node around it. */
static inline void rib_entry_prefix(const struct rib_entry *e, struct bgp_prefix *p)
{
	rib_table_value_prefix(rib_entry_family(e), e, p);
}

/* Its paths, best first (NULL: none). */
static inline const struct rib_path *rib_entry_paths(const struct rib_entry *e)
{
	return e->npaths ? &e->head : NULL;
}

/* Where the prefix stands in the kernel FIB (FIB acknowledgement). */
enum rib_fib_state { RIB_FIB_NONE = 0, RIB_FIB_PENDING, RIB_FIB_INSTALLED, RIB_FIB_FAILED };

struct rib_loc;

struct rib_loc *rib_loc_new(const struct rib_decide_cfg *cfg);
void rib_loc_free(struct rib_loc *loc);
void rib_loc_set_cfg(struct rib_loc *loc, const struct rib_decide_cfg *cfg);

/* What a change did (flags). */
enum {
	RIB_LOC_CHANGED = 1, /* best path, ECMP set or another candidate (the
				backup set) changed: entry queued */
	RIB_LOC_NEW = 2,     /* src had no path for the prefix before */
	RIB_LOC_SAME = 4,    /* the same attributes and usability: nothing done */
	RIB_LOC_GONE = 8,    /* withdraw: src's path was there and is removed */
	RIB_LOC_REPLACED = 16, /* set: src's previous path was replaced */
	RIB_LOC_OLD_FILTERED = 32, /* the replaced or removed path was filtered */
	RIB_LOC_OLD_STALE = 64, /* the replaced or removed path was stale */
};

/* Add or replace src's path for p, usable (a candidate) or not; the Loc-RIB
 * takes its own reference on ra. Returns RIB_LOC_* flags (0 on no memory). */
unsigned rib_loc_set(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src,
		     struct rib_attrs *ra, bool usable);
/* The same on an entry the caller holds, e.g. in a rib_loc_walk callback
 * (a re-evaluation of stored paths): it never adds or removes a trie node,
 * so the walk goes on; an entry left empty is queued, the drain frees it. */
unsigned rib_loc_set_entry(struct rib_loc *loc, struct rib_entry *e, const struct rib_src *src,
			   struct rib_attrs *ra, bool usable);
unsigned rib_loc_unset(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src);
/* Shorthands: a usable path; true if RIB_LOC_CHANGED. */
bool rib_loc_update(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src,
		    struct rib_attrs *ra);
bool rib_loc_withdraw(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src);
/* Every path of src goes (its session ended); returns how many. Entries
 * left empty are queued and freed by rib_loc_drain. */
size_t rib_loc_unset_src(struct rib_loc *loc, const struct rib_src *src);
/* Graceful restart (RFC 4724 4.2). Every path of src of one family (0:
 * both) gets the set restamp(attrs, arg) returns (a reference handed to
 * the path; NULL leaves the path as it is), e.g. the same set marked
 * RIB_ATTRS_STALE. A set the decision process ranks the same (same content)
 * replaces the old one in place: nothing moves, nothing is queued, the FIB
 * and the peers see no change. Any other is put in like rib_loc_set_entry.
 * Returns how many paths got a new set. */
size_t rib_loc_restamp_src(struct rib_loc *loc, const struct rib_src *src, uint8_t family,
			   struct rib_attrs *(*restamp)(struct rib_attrs *ra, void *arg), void *arg);
/* src's paths of one family (0: both) whose set carries any of flags (0:
 * every path) go; returns how many. Entries left empty are queued and freed by the drain. */
size_t rib_loc_unset_src_flagged(struct rib_loc *loc, const struct rib_src *src, uint8_t family,
				 uint8_t flags);
/* The backup set's size: the candidates right after the ECMP set that are
 * multipath-equal to the first of them (the next-best ECMP set, e.g. the
 * fabric's backup paths at a lower LOCAL_PREF); 0 when there is none. */
uint16_t rib_loc_nbackup(const struct rib_loc *loc, const struct rib_entry *e);
/* src's path for p and whether it is a candidate; NULL if none. */
const struct rib_path *rib_loc_path_of(const struct rib_entry *e, const struct rib_src *src,
				       unsigned *index);
const struct rib_entry *rib_loc_get(const struct rib_loc *loc, const struct bgp_prefix *p);
/* Prefixes with a usable path; 0 = all families. */
size_t rib_loc_count(const struct rib_loc *loc, uint8_t family);
/* Record what the FIB reported for p (ignored if p is gone). */
/* The kernel's answer for p: the entry (NULL if none) and its state before. */
struct rib_entry *rib_loc_set_fib(struct rib_loc *loc, const struct bgp_prefix *p,
				  enum rib_fib_state st, enum rib_fib_state *old);
const char *rib_fib_state_str(enum rib_fib_state st);
/* Paths, usable or not (the Adj-RIBs-In): all, or one family's. */
size_t rib_loc_paths(const struct rib_loc *loc);
size_t rib_loc_paths_family(const struct rib_loc *loc, uint8_t family);
bool rib_loc_pending(const struct rib_loc *loc);

/* Hand up to max changed entries to cb, oldest first; an entry left with
 * no path is freed after cb saw it (npaths == 0 means: withdrawn) unless
 * an export queue still holds it. Returns the number handed out. */
size_t rib_loc_drain(struct rib_loc *loc, size_t max,
		     void (*cb)(struct rib_entry *e, void *arg), void *arg);

/* ---- Adj-RIB-Out ---------------------------------------------------------
 * Update groups number themselves with small out ids (reused after
 * rib_loc_out_clear). Setting what a group sent reports what changed, so
 * an UPDATE identical to what the group already has is never queued. */
enum { RIB_OUT_SAME = 0, RIB_OUT_ADDED, RIB_OUT_REPLACED, RIB_OUT_REMOVED };
struct rib_attrs *rib_loc_out_get(const struct rib_entry *e, uint16_t id);
/* ra NULL = withdrawn. Takes its own reference. -1 when out of memory. */
int rib_loc_out_set(struct rib_loc *loc, struct rib_entry *e, uint16_t id, struct rib_attrs *ra);
/* The group is gone: drop its pairs from every entry. */
void rib_loc_out_clear(struct rib_loc *loc, uint16_t id);
/* Entries the group was sent (the group's Adj-RIB-Out), in walk order. */
int rib_loc_out_walk(const struct rib_loc *loc, uint16_t id,
		     int (*cb)(struct rib_entry *e, void *arg), void *arg);
/* An export queue holds e: it is not freed, even withdrawn, until unpinned. */
void rib_loc_pin(struct rib_entry *e);
void rib_loc_unpin(struct rib_loc *loc, struct rib_entry *e);
/* Bytes of Adj-RIB-Out pairs (part of rib_loc_bytes). */
size_t rib_loc_out_bytes(const struct rib_loc *loc);
/* Ordered walk over all entries; stop when cb returns non-zero. */
int rib_loc_walk(const struct rib_loc *loc, uint8_t family,
		 int (*cb)(const struct rib_entry *e, void *arg), void *arg);
/* The same walk of one family (AF_INET or AF_INET6) starting at the first
 * entry at or after from in walk order (by address, shorter prefix first);
 * from NULL = from the start. For paging (closctl show routes). */
int rib_loc_walk_from(const struct rib_loc *loc, uint8_t family, const struct bgp_prefix *from,
		      int (*cb)(const struct rib_entry *e, void *arg), void *arg);
/* Memory held: both tries, the entries and the paths (not the attribute
 * sets, which are in the attribute cache). */
size_t rib_loc_bytes(const struct rib_loc *loc);

#endif
