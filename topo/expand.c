/* Expands the compact form (planes, SSWs per plane, pods, RSWs per pod,
 * servers, parallel links) into devices, interfaces, links and ASNs.
 * Interface order is fixed so that the output is deterministic: RSW
 * uplinks by FSW then parallel link, then server ports; FSW downlinks by
 * RSW, then uplinks by SSW; SSW links by pod. */
#include <stdio.h>
#include <string.h>

#include "topo/topo.h"

uint32_t topo_scheme_asn(const struct topo_fabric *f,
			 const struct topo_device *d)
{
	const struct topo_asn_rule *r;
	const struct topo_shape *s = &f->shape;
	uint32_t off = 0;

	if (d->tier == TOPO_SERVER)
		return 0;
	r = &f->scheme.rule[d->tier];
	switch (r->per) {
	case TOPO_PER_TIER:
		off = 0;
		break;
	case TOPO_PER_PLANE:
		off = d->plane;
		break;
	case TOPO_PER_POD:
		off = d->pod;
		break;
	case TOPO_PER_INDEX:
		off = d->index;
		break;
	case TOPO_PER_DEVICE:
		if (d->tier == TOPO_SSW)
			off = (d->plane - 1) * s->ssws + d->index;
		else if (d->tier == TOPO_FSW)
			off = (d->pod - 1) * s->planes + d->index;
		else
			off = (d->pod - 1) * s->rsws + d->index;
		break;
	}
	return r->base + off;
}

static int add_switch(struct topo_fabric *f, enum topo_tier tier,
		      unsigned pod, unsigned plane, unsigned index,
		      struct topo_err *err)
{
	char name[TOPO_NAME_MAX];
	struct topo_device *d;

	if (tier == TOPO_SSW)
		snprintf(name, sizeof(name), "ssw-%u-%u", plane, index);
	else
		snprintf(name, sizeof(name), "%s-%u-%u", topo_tier_name(tier),
			 pod, index);
	if (!(d = topo_dev_add(f, tier, name, err)))
		return -1;
	d->pod = pod;
	d->plane = plane;
	d->index = index;
	d->asn = topo_scheme_asn(f, d);
	if (f->scheme.confed && tier != TOPO_SSW)
		d->confed_id = f->scheme.confed_base + pod;
	return 0;
}

/* Connects devices a and b with one new interface on each end. */
static int connect(struct topo_fabric *f, int a, int b, struct topo_err *err)
{
	char name[16];
	struct topo_device *da = &f->devs[a], *db = &f->devs[b];

	snprintf(name, sizeof(name), "eth%zu", da->nifs + 1 -
		 (topo_if_find(da, "br0") >= 0));
	if (!topo_if_add(da, name, err))
		return -1;
	snprintf(name, sizeof(name), "eth%zu", db->nifs + 1 -
		 (topo_if_find(db, "br0") >= 0));
	if (!topo_if_add(db, name, err))
		return -1;
	return topo_link_add(f, a, (int)da->nifs - 1, b, (int)db->nifs - 1,
			     err);
}

/* Device index helpers for the layout built by add_devices(). */
static int ssw_at(const struct topo_shape *s, unsigned plane, unsigned i)
{
	return (int)((plane - 1) * s->ssws + (i - 1));
}

static int pod_base(const struct topo_shape *s, unsigned pod)
{
	return (int)(s->planes * s->ssws + (pod - 1) * (s->planes + s->rsws));
}

static int add_devices(struct topo_fabric *f, struct topo_err *err)
{
	const struct topo_shape *s = &f->shape;
	unsigned p, k, j;

	for (p = 1; p <= s->planes; p++)
		for (k = 1; k <= s->ssws; k++)
			if (add_switch(f, TOPO_SSW, 0, p, k, err))
				return -1;
	for (p = 1; p <= s->pods; p++) {
		for (k = 1; k <= s->planes; k++)
			if (add_switch(f, TOPO_FSW, p, k, k, err))
				return -1;
		for (j = 1; j <= s->rsws; j++)
			if (add_switch(f, TOPO_RSW, p, 0, j, err))
				return -1;
	}
	return 0;
}

static int add_servers(struct topo_fabric *f, struct topo_err *err)
{
	const struct topo_shape *s = &f->shape;
	unsigned p, j, k;

	for (p = 1; p <= s->pods; p++) {
		for (j = 1; j <= s->rsws && s->servers; j++) {
			int rsw = pod_base(s, p) + (int)(s->planes + j - 1);

			if (!topo_if_add(&f->devs[rsw], "br0", err))
				return -1;
			for (k = 1; k <= s->servers; k++) {
				char name[TOPO_NAME_MAX];
				struct topo_device *d;

				snprintf(name, sizeof(name), "srv-%u-%u-%u", p, j, k);
				if (!(d = topo_dev_add(f, TOPO_SERVER, name, err)))
					return -1;
				d->pod = p;
				d->index = k;
				d->rack = rsw;
				if (connect(f, rsw, (int)f->ndevs - 1, err))
					return -1;
			}
		}
	}
	return 0;
}

static int add_links(struct topo_fabric *f, struct topo_err *err)
{
	const struct topo_shape *s = &f->shape;
	unsigned p, k, j, i, l;

	for (p = 1; p <= s->pods; p++) {
		int base = pod_base(s, p);

		for (j = 1; j <= s->rsws; j++)
			for (k = 1; k <= s->planes; k++)
				for (l = 0; l < s->plinks; l++)
					if (connect(f, base + (int)(k - 1),
						    base + (int)(s->planes + j - 1),
						    err))
						return -1;
	}
	for (p = 1; p <= s->pods; p++)
		for (k = 1; k <= s->planes; k++)
			for (i = 1; i <= s->ssws; i++)
				for (l = 0; l < s->plinks; l++)
					if (connect(f, ssw_at(s, k, i),
						    pod_base(s, p) + (int)(k - 1),
						    err))
						return -1;
	return 0;
}

int topo_expand(struct topo_fabric *f, struct topo_err *err)
{
	if (f->explicit_form)
		return 0;
	if (!f->shape.present)
		return topo_errf(err, "fabric '%s': no shape to expand", f->name);
	if (add_devices(f, err) || add_links(f, err) || add_servers(f, err))
		return -1;
	return 0;
}
