/* rib/ private interface: calls between trie.c, attr.c and adj.c that can
 * report allocation failure, node counters for tests and benchmarks, and
 * the trie node and attribute set layouts for inline readers (agg.c, and
 * the inline part of rib_agg_entry in agg.h, which the daemon's drain
 * callback compiles in). Not for use outside rib/ (its unit tests and
 * such inline parts of rib/ headers). */
#ifndef CLOS_RIB_INT_H
#define CLOS_RIB_INT_H

#include <stddef.h>
#include <sys/socket.h>

#include "rib/rib.h"

/* Like rib_table_insert, but reports failure: 0 on success (the previous
 * value, or NULL, is stored in *prev), -1 if the prefix does not belong to
 * the table or memory ran out (the table is then unchanged). */
int rib_table_insert_ex(struct rib_table *t, const struct bgp_prefix *p, void *value, void **prev);

/* Drop every route (calling free_value on each value, may be NULL) but
 * keep the table usable. */
void rib_table_clear(struct rib_table *t, void (*free_value)(void *value, void *arg), void *arg);

struct rib_table_nodes {
	size_t route_nodes, glue_nodes;	  /* live nodes of each kind */
	size_t route_node_size, glue_node_size;
	size_t bytes;			  /* == rib_table_bytes() */
};
void rib_table_nodes(const struct rib_table *t, struct rib_table_nodes *n);

/* ---- layouts shared inside rib/ ----------------------------------------
 * For readers on a per-change path (rib/agg.c, agg.h) that must not pay a
 * call:
 * the table's node (trie.c) and the interned attribute set (attr.c). */

/* A trie node (trie.c). */
struct rt_node {
	uint32_t child[2];
	uint8_t len;
	uint8_t flags;
	uint8_t addr[]; /* 4 or 16 bytes; route nodes add a value pointer after */
};

/* Where a route node's value starts (inline tables: the value itself). */
static inline uint32_t rt_value_offset(uint8_t family)
{
	uint32_t hdr = (uint32_t)offsetof(struct rt_node, addr) + (family == AF_INET ? 4 : 16);

	return (hdr + 7) & ~7u;
}

/* The address bytes (4 or 16) and length of an inline table's value's
 * prefix, without a copy (rib_table_value_prefix copies). */
static inline const uint8_t *rib_value_addr(uint8_t family, const void *value, uint8_t *len)
{
	const struct rt_node *n =
		(const struct rt_node *)((const uint8_t *)value - rt_value_offset(family));

	*len = n->len;
	return n->addr;
}

/* An entry of attr.c's intrusive hash tables. */
struct ht_entry {
	struct ht_entry *next;
	uint64_t hash;
};

/* An interned attribute set (attr.c). */
struct rib_attrs {
	struct ht_entry h;
	uint32_t refcnt;
	uint8_t flags;		      /* RIB_ATTRS_* */
	struct rib_attr_cache *cache; /* unref needs its table */
	struct rib_attrs *origin;     /* what the peer sent (a reference), or NULL */
	struct rib_dkey dk;	      /* what the decision process compares */
	struct bgp_attrs a;	      /* pointers refer to rib_blob data */
};

/* rib_attrs_get, inline. */
static inline const struct bgp_attrs *rib_attrs_bgp(const struct rib_attrs *ra)
{
	return &ra->a;
}

#endif
