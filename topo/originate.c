/* What each switch originates, from the aggregation intent: its loopbacks
 * tagged infra, the RSW's rack prefix, the FSW's pod aggregate and the
 * SSW's infrastructure aggregate (the loopback pool), each tagged with its
 * route-type community. */
#include <string.h>

#include "topo/topo.h"

static int add_scope(struct topo_fabric *f, struct topo_device *d,
		     const struct topo_aggregate *a, int af,
		     struct topo_err *err)
{
	struct topo_prefix p;
	int rc = 1;

	if (a->scope == TOPO_SCOPE_RACK)
		rc = topo_rack_prefix(f, d, af, &p, err);
	else if (a->scope == TOPO_SCOPE_POD)
		rc = topo_pod_prefix(f, d, af, &p, err);
	else if ((af == 4 ? f->pools.lo4.af : f->pools.lo6.af) == af) {
		p = topo_prefix_net(af == 4 ? &f->pools.lo4 : &f->pools.lo6);
		rc = 0;
	}
	if (rc)
		return rc < 0 ? -1 : 0;
	return topo_orig_add(d, &p, a->route_type, (int)a->min_ms, err);
}

static int originate_dev(struct topo_fabric *f, struct topo_device *d,
			 struct topo_err *err)
{
	int infra = topo_rtype_find(f, "infra");
	struct topo_prefix p;
	size_t i;

	if (d->tier == TOPO_SERVER)
		return 0;
	if (infra >= 0) {
		p = d->lo4;
		if (p.af && topo_orig_add(d, &p, infra, -1, err))
			return -1;
		p = d->lo6;
		if (p.af && topo_orig_add(d, &p, infra, -1, err))
			return -1;
	}
	for (i = 0; i < f->naggs; i++) {
		const struct topo_aggregate *a = &f->aggs[i];

		if (a->tier != d->tier || a->route_type < 0)
			continue;
		if (add_scope(f, d, a, 4, err) || add_scope(f, d, a, 6, err))
			return -1;
	}
	return 0;
}

int topo_originate(struct topo_fabric *f, struct topo_err *err)
{
	size_t i;

	for (i = 0; i < f->ndevs; i++)
		if (originate_dev(f, &f->devs[i], err))
			return -1;
	return 0;
}

const struct topo_aggregate *topo_orig_intent(const struct topo_fabric *f,
					      const struct topo_device *d,
					      const struct topo_orig *o)
{
	if (o->min_ms < 0)
		return NULL;
	for (size_t i = 0; i < f->naggs; i++)
		if (f->aggs[i].tier == d->tier && f->aggs[i].route_type == o->route_type)
			return &f->aggs[i];
	return NULL;
}

bool topo_orig_is_aggregate(const struct topo_fabric *f, const struct topo_device *d,
			    const struct topo_orig *o)
{
	const struct topo_aggregate *a = topo_orig_intent(f, d, o);

	if (o->min_ms < 0)
		return false;
	return o->min_ms > 0 || !a || a->scope != TOPO_SCOPE_RACK;
}
