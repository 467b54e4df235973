/* Helpers shared by the two halves of the fabric loader (load.c: the
 * common parts; load_devices.c: the explicit form's devices and links). */
#ifndef CLOSBGP_TOPO_LOAD_TREE_H
#define CLOSBGP_TOPO_LOAD_TREE_H

#include <libyang/libyang.h>

#include "topo/topo.h"

const struct lyd_node *topo_yd_child(const struct lyd_node *p,
				     const char *name);
const char *topo_yd_leaf(const struct lyd_node *p, const char *name);
unsigned topo_yd_uint(const struct lyd_node *p, const char *name,
		      unsigned dflt);
void topo_yd_copy(char *dst, size_t sz, const char *src);
int topo_yd_prefix(const struct lyd_node *p, const char *name,
		   struct topo_prefix *out, struct topo_err *err);
int topo_load_devices(struct topo_fabric *f, const struct lyd_node *fab,
		      struct topo_err *err);

#endif
