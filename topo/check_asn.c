/* ASN scheme checks.  Loop prevention in the fabric is AS_PATH based and
 * relies on ASN reuse being confined: every ASN lies in the scheme's range
 * (2-octet private by default); the two ends of a session differ (no iBGP);
 * an ASN never serves two tiers or a tier and a confederation identifier;
 * each pod has its own identifier; RSWs (and FSWs of different pods) share
 * an ASN only when their pods are confederations, otherwise one would
 * reject the other's routes.  Errors name the devices. */
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

/* One use of an ASN: by a switch (class = tier) or as the confederation
 * identifier of a pod (class TOPO_SERVER stands for "pod identifier"). */
struct asn_use {
	uint32_t asn;
	int cls;
	int dev;
};

static int cmp_use(const void *a, const void *b)
{
	const struct asn_use *x = a, *y = b;

	if (x->asn != y->asn)
		return x->asn < y->asn ? -1 : 1;
	if (x->cls != y->cls)
		return x->cls - y->cls;
	return x->dev - y->dev;
}

static const char *cls_name(int cls)
{
	return cls == TOPO_SERVER ? "confederation identifier"
				  : topo_tier_name((enum topo_tier)cls);
}

/* The AS a neighbour configures for d: the member AS inside d's pod
 * confederation, otherwise its external AS. */
uint32_t topo_peer_asn(const struct topo_fabric *f, const struct topo_device *d,
		       const struct topo_device *peer)
{
	if (peer->confed_id && d->confed_id == peer->confed_id)
		return peer->asn;
	return peer->confed_id ? peer->confed_id : peer->asn;
}

static int check_range(const struct topo_fabric *f, const struct topo_device *d,
		       struct topo_err *err)
{
	const struct topo_scheme *s = &f->scheme;

	if (d->asn < s->min || d->asn > s->max)
		return topo_errf(err, "%s: AS %u is outside the allowed range "
				 "%u..%u", d->name, d->asn, s->min, s->max);
	if (d->confed_id && (d->confed_id < s->min || d->confed_id > s->max))
		return topo_errf(err, "%s: confederation identifier %u is "
				 "outside the allowed range %u..%u", d->name,
				 d->confed_id, s->min, s->max);
	return 0;
}

static int check_sessions(const struct topo_fabric *f, struct topo_err *err)
{
	size_t i;

	for (i = 0; i < f->nlinks; i++) {
		const struct topo_device *a = &f->devs[f->links[i].a];
		const struct topo_device *b = &f->devs[f->links[i].b];

		if (a->tier == TOPO_SERVER || b->tier == TOPO_SERVER)
			continue;
		if (topo_peer_asn(f, a, b) == topo_peer_asn(f, b, a))
			return topo_errf(err, "%s and %s are both AS %u: their "
					 "session would be iBGP", a->name,
					 b->name, topo_peer_asn(f, a, b));
		if (a->tier != TOPO_SSW && b->tier != TOPO_SSW &&
		    a->confed_id != b->confed_id)
			return topo_errf(err, "%s and %s are in the same pod but "
					 "not the same confederation", a->name,
					 b->name);
	}
	return 0;
}

/* Two uses of one ASN (x before y in sort order). */
static int check_pair(const struct topo_fabric *f, const struct asn_use *x,
		      const struct asn_use *y, struct topo_err *err)
{
	const struct topo_device *a = &f->devs[x->dev], *b = &f->devs[y->dev];

	if (x->cls != y->cls)
		return topo_errf(err, "AS %u is used as %s by %s%s and as %s by "
				 "%s%s: reuse across tiers breaks loop "
				 "prevention", x->asn, cls_name(x->cls),
				 x->cls == TOPO_SERVER ? "the pod of " : "",
				 a->name, cls_name(y->cls),
				 y->cls == TOPO_SERVER ? "the pod of " : "",
				 b->name);
	if (x->cls == TOPO_SERVER && a->pod != b->pod)
		return topo_errf(err, "pods %u (%s) and %u (%s) share "
				 "confederation identifier %u", a->pod, a->name,
				 b->pod, b->name, x->asn);
	if (x->cls == TOPO_RSW && (a->pod == b->pod || !a->confed_id))
		return topo_errf(err, "%s and %s share AS %u: each would reject "
				 "the other's rack prefixes", a->name, b->name,
				 x->asn);
	if (x->cls == TOPO_FSW && a->pod != b->pod && !a->confed_id)
		return topo_errf(err, "%s and %s share AS %u outside a "
				 "confederation: their pods could not reach "
				 "each other", a->name, b->name, x->asn);
	return 0;
}

static int check_reuse(const struct topo_fabric *f, struct asn_use *u,
		       struct topo_err *err)
{
	size_t i, n = 0;

	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];

		if (d->tier == TOPO_SERVER)
			continue;
		u[n++] = (struct asn_use){d->asn, (int)d->tier, (int)i};
		if (d->confed_id)
			u[n++] = (struct asn_use){d->confed_id, TOPO_SERVER,
						  (int)i};
	}
	qsort(u, n, sizeof(*u), cmp_use);
	for (i = 1; i < n; i++)
		if (u[i].asn == u[i - 1].asn &&
		    check_pair(f, &u[i - 1], &u[i], err))
			return -1;
	return 0;
}

int topo_check_asn(const struct topo_fabric *f, struct topo_err *err)
{
	struct asn_use *u;
	size_t i;
	int rc;

	for (i = 0; i < f->ndevs; i++)
		if (f->devs[i].tier != TOPO_SERVER &&
		    check_range(f, &f->devs[i], err))
			return -1;
	if (check_sessions(f, err))
		return -1;
	if (!(u = calloc(2 * f->ndevs + 1, sizeof(*u))))
		return topo_errf(err, "out of memory");
	rc = check_reuse(f, u, err);
	free(u);
	return rc;
}
