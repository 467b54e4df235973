/* The explicit form's devices, interfaces, originated prefixes and links,
 * copied from the libyang tree; names are resolved with clear errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/load_tree.h"

static int load_ifaces(struct topo_device *d, const struct lyd_node *dn,
		       struct topo_err *err)
{
	const struct lyd_node *n;

	for (n = lyd_child(dn); n; n = n->next) {
		struct topo_iface *i;

		if (strcmp(LYD_NAME(n), "interface"))
			continue;
		if (!(i = topo_if_add(d, topo_yd_leaf(n, "name"), err)))
			return -1;
		if (topo_yd_prefix(n, "ipv4", &i->v4, err) ||
		    topo_yd_prefix(n, "ipv6", &i->v6, err))
			return topo_errf(err, "%s: interface %s: bad address",
					 d->name, i->name);
		if ((i->v4.af && i->v4.af != 4) || (i->v6.af && i->v6.af != 6))
			return topo_errf(err, "%s: interface %s: address of "
					 "the wrong family", d->name, i->name);
	}
	return 0;
}

static int load_origs(struct topo_fabric *f, struct topo_device *d,
		      const struct lyd_node *dn, struct topo_err *err)
{
	const struct lyd_node *n;

	for (n = lyd_child(dn); n; n = n->next) {
		struct topo_prefix p;
		const char *ms;

		if (!strcmp(LYD_NAME(n), "vip-range") && d->nvips < 2) {
			if (topo_prefix_parse(lyd_get_value(n), &d->vips[d->nvips]))
				return topo_errf(err, "%s: bad vip-range", d->name);
			d->nvips++;
			continue;
		}
		if (strcmp(LYD_NAME(n), "prefix"))
			continue;
		if (topo_yd_prefix(n, "prefix", &p, err))
			return -1;
		ms = topo_yd_leaf(n, "min-more-specifics");
		if (topo_orig_add(d, &p,
				  topo_rtype_find(f, topo_yd_leaf(n, "route-type")),
				  ms ? atoi(ms) : -1, err))
			return -1;
	}
	return 0;
}

static int load_device(struct topo_fabric *f, const struct lyd_node *n,
		       struct topo_err *err)
{
	enum topo_tier tier = TOPO_SSW;
	struct topo_device *d;

	topo_tier_parse(topo_yd_leaf(n, "tier"), &tier);
	if (!(d = topo_dev_add(f, tier, topo_yd_leaf(n, "name"), err)))
		return -1;
	d->pod = topo_yd_uint(n, "pod", 0);
	d->plane = topo_yd_uint(n, "plane", 0);
	d->index = topo_yd_uint(n, "index", 0);
	d->asn = topo_yd_uint(n, "asn", 0);
	d->confed_id = topo_yd_uint(n, "confederation-id", 0);
	if (topo_yd_leaf(n, "router-id")) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%s/32", topo_yd_leaf(n, "router-id"));
		topo_prefix_parse(buf, &d->rid);
	}
	if (topo_yd_prefix(n, "loopback-ipv4", &d->lo4, err) ||
	    topo_yd_prefix(n, "loopback-ipv6", &d->lo6, err))
		return -1;
	return load_ifaces(d, n, err) || load_origs(f, d, n, err) ? -1 : 0;
}

static int resolve_racks(struct topo_fabric *f, const struct lyd_node *fab,
			 struct topo_err *err)
{
	const struct lyd_node *n;
	size_t k = 0;

	for (n = lyd_child(fab); n; n = n->next) {
		const char *r;

		if (strcmp(LYD_NAME(n), "device"))
			continue;
		if ((r = topo_yd_leaf(n, "rack")))
			f->devs[k].rack = topo_dev_find(f, r);
		k++;
	}
	return 0;
}

static int load_link(struct topo_fabric *f, const struct lyd_node *n,
		     struct topo_err *err)
{
	const char *an = topo_yd_leaf(n, "a-device"), *bn = topo_yd_leaf(n, "b-device");
	const char *ai = topo_yd_leaf(n, "a-interface");
	const char *bi = topo_yd_leaf(n, "b-interface");
	int a = topo_dev_find(f, an), b = topo_dev_find(f, bn), aif, bif;

	if (a < 0 || b < 0)
		return topo_errf(err, "link %s:%s - %s:%s: unknown device",
				 an, ai, bn, bi);
	aif = topo_if_find(&f->devs[a], ai);
	bif = topo_if_find(&f->devs[b], bi);
	if (aif < 0 || bif < 0)
		return topo_errf(err, "link %s:%s - %s:%s: %s has no interface "
				 "%s", an, ai, bn, bi, aif < 0 ? an : bn,
				 aif < 0 ? ai : bi);
	if (a == b)
		return topo_errf(err, "link %s:%s - %s:%s connects a device to "
				 "itself", an, ai, bn, bi);
	return topo_link_add(f, a, aif, b, bif, err);
}

int topo_load_devices(struct topo_fabric *f, const struct lyd_node *fab,
		      struct topo_err *err)
{
	const struct lyd_node *n;

	for (n = lyd_child(fab); n; n = n->next)
		if (!strcmp(LYD_NAME(n), "device") && load_device(f, n, err))
			return -1;
	if (!f->ndevs)
		return 0;
	f->explicit_form = true;
	if (resolve_racks(f, fab, err))
		return -1;
	for (n = lyd_child(fab); n; n = n->next)
		if (!strcmp(LYD_NAME(n), "link") && load_link(f, n, err))
			return -1;
	return 0;
}
