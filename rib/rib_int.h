/* rib/ private interface: calls between trie.c, attr.c and adj.c that can
 * report allocation failure, plus node counters for tests and benchmarks.
 * Not for use outside rib/ (and its unit tests). */
#ifndef CLOS_RIB_INT_H
#define CLOS_RIB_INT_H

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

#endif
