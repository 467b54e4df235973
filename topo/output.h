/* closgen's atomic output directory (see output.c). */
#ifndef CLOSBGP_TOPO_OUTPUT_H
#define CLOSBGP_TOPO_OUTPUT_H

#include <limits.h>
#include <stddef.h>

#include "topo/topo.h"

struct topo_out {
	char dir[PATH_MAX - 32];
	char tmp[PATH_MAX];
	size_t made;	/* length of the first parent of dir we created; 0: none */
};

/* Creates DIR's missing parents (mkdir -p; removed again by
 * topo_out_abort) and the temporary directory next to DIR. */
int topo_out_begin(struct topo_out *o, const char *dir, struct topo_err *err);
/* Writes tmp/sub/name (sub may be NULL). */
int topo_out_write(struct topo_out *o, const char *sub, const char *name,
		   const char *data, size_t len, struct topo_err *err);
int topo_out_commit(struct topo_out *o, struct topo_err *err);
void topo_out_abort(struct topo_out *o);
int topo_out_rmtree(const char *path);

/* generate.c: every output file of the fabric into o; v (may be NULL)
 * validates each closbgpd.json first; routes.json when pred (may be NULL)
 * holds a prediction. */
int topo_write_all(const struct topo_fabric *f, const struct topo_prediction *pred,
		   struct topo_out *o, struct topo_validator *v, bool explicit_out,
		   struct topo_err *err);

#endif
