/* Routing information base: prefix tables, interned attribute sets and
 * per-peer Adj-RIBs. A route is a prefix plus a pointer to a shared,
 * reference-counted attribute set (BIRD's rta / OpenBGPD's rde_aspath). */
#ifndef CLOS_RIB_H
#define CLOS_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgpd/wire.h"
#include "rib/decide.h"

/* ---- interned attribute sets ------------------------------------------
 * rib_attrs holds a private deep copy of a struct bgp_attrs (AS_PATH,
 * communities, large communities, unknown attributes are themselves
 * interned and shared). Identical sets share one rib_attrs. */
struct rib_attrs;
struct rib_attr_cache; /* the intern table; one per daemon */

struct rib_attr_stats {
	size_t attrs, attrs_bytes;   /* live attribute sets and their bytes */
	size_t aspaths, aspath_bytes;
	size_t commlists, commlist_bytes;
	size_t refs;		     /* sum of reference counts */
	/* additive (rib): large-community lists are counted in commlists;
	 * unknown-attribute blobs and the hash tables' bucket arrays here. */
	size_t unknowns, unknown_bytes;
	size_t table_bytes;
};

struct rib_attr_cache *rib_attr_cache_new(void);
/* Frees the table; every rib_attrs must have been unref'd (aborts otherwise:
 * that is a leak in our code, not an input error). */
void rib_attr_cache_free(struct rib_attr_cache *c);
void rib_attr_cache_stats(const struct rib_attr_cache *c, struct rib_attr_stats *st);

/* Returns a reference the caller owns (refcount +1); never NULL unless
 * out of memory. The input may point into a scratch arena. */
struct rib_attrs *rib_attrs_intern(struct rib_attr_cache *c, const struct bgp_attrs *a);
/* The same for a set derived from origin by import policy: it keeps a
 * reference on what the peer sent (origin's own origin if it has one), so
 * a changed policy can be applied again. Equal content, origin and flags
 * share one set; content equal to origin with no flags is origin itself.
 * RIB_ATTRS_FILTERED marks a path import policy rejected (kept, never a
 * candidate); RIB_ATTRS_STALE a path kept over its peer's restart
 * (graceful restart, RFC 4724 4.2): the flag lives in the interned set, so
 * marking costs no per-path memory. */
enum { RIB_ATTRS_FILTERED = 1, RIB_ATTRS_STALE = 2 };
struct rib_attrs *rib_attrs_intern_from(struct rib_attr_cache *c, const struct bgp_attrs *a,
					struct rib_attrs *origin, uint8_t flags);
/* ra with flags set and clear applied: the same content and origin (so the
 * same decision key), a reference the caller owns; ra itself (+1) when
 * nothing changes. NULL when out of memory. */
struct rib_attrs *rib_attrs_with_flags(struct rib_attrs *ra, uint8_t set, uint8_t clear);
/* What the peer sent: the origin, or ra itself (no new reference). */
struct rib_attrs *rib_attrs_origin(struct rib_attrs *ra);
uint8_t rib_attrs_flags(const struct rib_attrs *ra);
struct rib_attrs *rib_attrs_ref(struct rib_attrs *ra);
void rib_attrs_unref(struct rib_attrs *ra); /* aborts on refcount underflow */
const struct bgp_attrs *rib_attrs_get(const struct rib_attrs *ra);
/* The set's decision key, resolved when it was interned (rib/decide.h). */
const struct rib_dkey *rib_attrs_dkey(const struct rib_attrs *ra);
uint32_t rib_attrs_refcnt(const struct rib_attrs *ra);

/* ---- prefix table (path-compressed binary trie, one per family) ------- */
struct rib_table;
struct rib_table *rib_table_new(uint8_t family); /* AF_INET or AF_INET6 */
/* A table whose values live in the route nodes (vsize bytes each, zeroed
 * when added): values are addressed by pointer, stay in place until their
 * prefix is removed, and need no allocation of their own. Such a table
 * uses rib_table_get_or_add instead of insert/get_or_insert; remove
 * returns non-NULL if the prefix was there (its storage is then gone),
 * and free_value must not free the value itself. */
struct rib_table *rib_table_new_inline(uint8_t family, size_t vsize);
void *rib_table_get_or_add(struct rib_table *t, const struct bgp_prefix *p, bool *added);
/* The prefix of an inline value of a table of that family. */
void rib_table_value_prefix(uint8_t family, const void *value, struct bgp_prefix *p);
void rib_table_free(struct rib_table *t, void (*free_value)(void *value, void *arg), void *arg);
/* Insert or replace; returns the previous value (or NULL). */
void *rib_table_insert(struct rib_table *t, const struct bgp_prefix *p, void *value);
void *rib_table_get(const struct rib_table *t, const struct bgp_prefix *p); /* exact */
/* The value at p, or make(p, arg)'s new value inserted there (one walk).
 * NULL if make() returned NULL or memory ran out (make()'s value, which
 * must come from malloc, is then freed). */
void *rib_table_get_or_insert(struct rib_table *t, const struct bgp_prefix *p,
			      void *(*make)(const struct bgp_prefix *p, void *arg), void *arg);
void *rib_table_remove(struct rib_table *t, const struct bgp_prefix *p);     /* returns the value */
/* Longest match of an address (full-length prefix) or of a prefix. */
void *rib_table_lookup(const struct rib_table *t, const struct bgp_prefix *p, struct bgp_prefix *matched);
size_t rib_table_count(const struct rib_table *t);
size_t rib_table_bytes(const struct rib_table *t); /* all memory held by the table */
/* In-order walk (by address, shorter prefix first); stop when cb returns
 * non-zero, which is then returned. cb must not modify the table. */
int rib_table_walk(const struct rib_table *t,
		   int (*cb)(const struct bgp_prefix *p, void *value, void *arg), void *arg);

/* ---- Adj-RIB (per peer, one per direction) ---------------------------- */
struct rib_adj;
struct rib_adj *rib_adj_new(struct rib_attr_cache *c);
void rib_adj_free(struct rib_adj *adj); /* drops all routes and their refs */
/* Store p with attrs a (interned here). Returns true if this changed the
 * table (new prefix or different attributes) - Adj-RIB-Out uses that to
 * suppress duplicate UPDATEs. */
bool rib_adj_update(struct rib_adj *adj, const struct bgp_prefix *p, const struct bgp_attrs *a);
/* The same with attributes interned already (one intern per UPDATE, not
 * per prefix); the table takes its own reference, the caller keeps its. */
bool rib_adj_set(struct rib_adj *adj, const struct bgp_prefix *p, struct rib_attrs *ra);
bool rib_adj_withdraw(struct rib_adj *adj, const struct bgp_prefix *p); /* true if it was there */
void rib_adj_clear(struct rib_adj *adj);
size_t rib_adj_count(const struct rib_adj *adj, uint8_t family); /* 0 = all families */
size_t rib_adj_bytes(const struct rib_adj *adj); /* its tables; attribute sets are in the cache */
const struct rib_attrs *rib_adj_get(const struct rib_adj *adj, const struct bgp_prefix *p);
int rib_adj_walk(const struct rib_adj *adj, uint8_t family,
		 int (*cb)(const struct bgp_prefix *p, const struct rib_attrs *ra, void *arg), void *arg);

#endif
