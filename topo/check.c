/* Topology rules of the paper, checked on the explicit form (and so on
 * every expansion): FSWs per pod = planes, every RSW connects to every FSW
 * of its pod, FSW k connects to every SSW of plane k, SSWs never connect to
 * each other.  Errors name the devices. */
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

static int check_fields(const struct topo_fabric *f, unsigned *planes,
			unsigned *pods, struct topo_err *err)
{
	size_t i;

	*planes = *pods = 0;
	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];

		if ((d->tier == TOPO_SSW || d->tier == TOPO_FSW) && !d->plane)
			return topo_errf(err, "%s: %s without a plane", d->name,
					 topo_tier_name(d->tier));
		if (d->tier != TOPO_SSW && !d->pod)
			return topo_errf(err, "%s: %s without a pod", d->name,
					 topo_tier_name(d->tier));
		if (d->tier == TOPO_SERVER &&
		    (d->rack < 0 || f->devs[d->rack].tier != TOPO_RSW))
			return topo_errf(err, "%s: server without a rack switch",
					 d->name);
		if (d->tier != TOPO_SERVER && (!d->asn || d->lo4.af != 4))
			return topo_errf(err, "%s: switch without %s", d->name,
					 d->asn ? "loopback-ipv4" : "asn");
		if (d->tier == TOPO_SSW && d->plane > *planes)
			*planes = d->plane;
		if (d->pod > *pods)
			*pods = d->pod;
	}
	return 0;
}

/* One link: only rsw-fsw of a pod, fsw-ssw of a plane, server-rsw. */
static int check_link(const struct topo_fabric *f, const struct topo_link *l,
		      struct topo_err *err)
{
	const struct topo_device *a = &f->devs[l->a], *b = &f->devs[l->b];
	const struct topo_device *t;

	if (a->tier > b->tier) {
		t = a;
		a = b;
		b = t;
	}
	if (a->tier == TOPO_SSW && b->tier == TOPO_SSW)
		return topo_errf(err, "%s and %s: SSWs never connect to each "
				 "other", a->name, b->name);
	if (a->tier == TOPO_SSW && b->tier == TOPO_FSW) {
		if (a->plane != b->plane)
			return topo_errf(err, "%s (plane %u) connects to %s of "
					 "plane %u", b->name, b->plane,
					 a->name, a->plane);
		return 0;
	}
	if (a->tier == TOPO_FSW && b->tier == TOPO_RSW) {
		if (a->pod != b->pod)
			return topo_errf(err, "%s (pod %u) connects to %s of "
					 "pod %u", b->name, b->pod, a->name,
					 a->pod);
		return 0;
	}
	if (a->tier == TOPO_RSW && b->tier == TOPO_SERVER &&
	    &f->devs[b->rack] == a)
		return 0;
	return topo_errf(err, "%s (%s) and %s (%s) must not be connected",
			 a->name, topo_tier_name(a->tier), b->name,
			 topo_tier_name(b->tier));
}

/* Distinct peers of d in tier t (parallel links count once). */
static unsigned distinct_peers(const struct topo_fabric *f, size_t di,
			       enum topo_tier t, size_t *stamp)
{
	const struct topo_device *d = &f->devs[di];
	unsigned n = 0;
	size_t i;

	for (i = 0; i < d->nifs; i++) {
		int p = d->ifs[i].peer_dev;

		if (p < 0 || f->devs[p].tier != t || stamp[p] == di + 1)
			continue;
		stamp[p] = di + 1;
		n++;
	}
	return n;
}

/* Counts per pod (FSWs, and which planes) and per plane (SSWs). */
static int check_counts(const struct topo_fabric *f, unsigned planes,
			unsigned pods, unsigned *ssw_in, unsigned *fsw_in,
			struct topo_err *err)
{
	size_t i;

	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];

		if (d->tier == TOPO_SSW)
			ssw_in[d->plane]++;
		if (d->tier == TOPO_FSW) {
			if (d->plane > planes)
				return topo_errf(err, "%s: plane %u has no SSWs",
						 d->name, d->plane);
			fsw_in[d->pod]++;
		}
	}
	for (i = 1; i <= planes; i++)
		if (!ssw_in[i])
			return topo_errf(err, "spine plane %zu has no SSWs", i);
	for (i = 1; i <= pods; i++)
		if (fsw_in[i] && fsw_in[i] != planes)
			return topo_errf(err, "pod %zu has %u FSWs but the fabric "
					 "has %u spine planes", i, fsw_in[i],
					 planes);
	return 0;
}

static int check_full_mesh(const struct topo_fabric *f, const unsigned *ssw_in,
			   const unsigned *fsw_in, size_t *stamp,
			   struct topo_err *err)
{
	size_t i;

	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];

		if (d->tier == TOPO_RSW &&
		    distinct_peers(f, i, TOPO_FSW, stamp) != fsw_in[d->pod])
			return topo_errf(err, "%s does not connect to every FSW "
					 "of pod %u", d->name, d->pod);
		if (d->tier == TOPO_FSW &&
		    distinct_peers(f, i, TOPO_SSW, stamp) != ssw_in[d->plane])
			return topo_errf(err, "%s does not connect to every SSW "
					 "of plane %u", d->name, d->plane);
	}
	return 0;
}

static int check_topology(const struct topo_fabric *f, struct topo_err *err)
{
	unsigned planes, pods, *ssw_in = NULL, *fsw_in = NULL;
	size_t i, *stamp = NULL;
	int rc = -1;

	if (check_fields(f, &planes, &pods, err))
		return -1;
	for (i = 0; i < f->nlinks; i++)
		if (check_link(f, &f->links[i], err))
			return -1;
	ssw_in = calloc(planes + 1u, sizeof(*ssw_in));
	fsw_in = calloc(pods + 1u, sizeof(*fsw_in));
	stamp = calloc(f->ndevs + 1, sizeof(*stamp));
	if (!ssw_in || !fsw_in || !stamp)
		topo_errf(err, "out of memory");
	else if (!check_counts(f, planes, pods, ssw_in, fsw_in, err) &&
		 !check_full_mesh(f, ssw_in, fsw_in, stamp, err))
		rc = 0;
	free(ssw_in);
	free(fsw_in);
	free(stamp);
	return rc;
}

int topo_check(const struct topo_fabric *f, struct topo_err *err)
{
	if (!f->ndevs)
		return topo_errf(err, "fabric '%s' has no devices", f->name);
	if (check_topology(f, err) || topo_check_asn(f, err) ||
	    topo_check_addr(f, err) || topo_check_policy(f, err) ||
	    topo_check_gr(f, err))
		return -1;
	return 0;
}
