/* The policy-intent simulator's engine (predict_sim.c) as predict.c uses
 * it: BGP path-vector propagation of one class of prefixes (the same
 * originating switches with the same route types) over one address
 * family's sessions, to a fixed point. */
#ifndef CLOSBGP_TOPO_PREDICT_H
#define CLOSBGP_TOPO_PREDICT_H

#include "topo/topo.h"

/* The sessions of one family: who receives from whom, in the order the
 * daemon ranks equal paths (the sender's router id). */
struct topo_sim_graph;
struct topo_sim_graph *topo_sim_graph_new(const struct topo_fabric *f, int af,
					  struct topo_err *err);
/* Whether two families have the same sessions (then they behave alike). */
bool topo_sim_graph_same(const struct topo_sim_graph *a, const struct topo_sim_graph *b);
void topo_sim_graph_free(struct topo_sim_graph *g);

/* One originating switch of a class and the route types it tags with. */
struct topo_sim_origin {
	uint32_t dev;
	uint32_t types;
};

/* Per-class state, reused from one class to the next (memory is bounded
 * by the graph, plus the AS_PATHs one class makes). */
struct topo_sim;
struct topo_sim *topo_sim_new(const struct topo_fabric *f, const struct topo_sim_graph *g,
			      struct topo_err *err);
/* Propagates a class from its originators: 0 at the fixed point, 1 when
 * the class cannot be predicted (topo_sim_why says why), -1 on error. */
int topo_sim_run(struct topo_sim *s, const struct topo_sim_origin *o, size_t n,
		 struct topo_err *err);
/* After a run: whether switch dev holds a usable route (its own included),
 * and the route types of its best path. */
bool topo_sim_has(const struct topo_sim *s, uint32_t dev, uint32_t *types);
const char *topo_sim_why(const struct topo_sim *s);
void topo_sim_free(struct topo_sim *s);

#endif
