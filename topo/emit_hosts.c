/* DIR/<server>/host.json: a server's address in its rack prefix and its
 * routes to the fabric's pools through the rack switch (the default route
 * stays on the management interface). */
#include <string.h>

#include "topo/topo.h"

static void pool_routes(const struct topo_fabric *f,
			const struct topo_prefix *gw, int af,
			struct topo_route *r, size_t *n)
{
	const struct topo_pools *p = &f->pools;
	const struct topo_prefix *pools[] = {
		af == 4 ? &p->lo4 : &p->lo6, af == 4 ? &p->p2p4 : &p->p2p6,
		af == 4 ? &p->pod4 : &p->pod6, af == 4 ? &p->vip4 : &p->vip6,
	};
	size_t i;

	if (!gw->af)
		return;
	for (i = 0; i < 4; i++) {
		if (pools[i]->af != af)
			continue;
		r[*n].dst = topo_prefix_net(pools[i]);
		r[*n].via = *gw;
		(*n)++;
	}
}

size_t topo_host_routes(const struct topo_fabric *f,
			const struct topo_device *d, struct topo_route *r)
{
	const struct topo_device *rsw = &f->devs[d->rack];
	int br = topo_if_find(rsw, "br0");
	size_t n = 0;

	if (br < 0)
		return 0;
	pool_routes(f, &rsw->ifs[br].v4, 4, r, &n);
	pool_routes(f, &rsw->ifs[br].v6, 6, r, &n);
	return n;
}

int topo_emit_host(const struct topo_fabric *f, const struct topo_device *d,
		   FILE *out)
{
	const struct topo_iface *ifc = d->nifs ? &d->ifs[0] : NULL;
	struct topo_route r[TOPO_HOST_ROUTES_MAX];
	size_t i, n = topo_host_routes(f, d, r);
	char b[64], g[64];

	fprintf(out, "{\n  \"server\": ");
	topo_json_str(out, d->name);
	fprintf(out, ",\n  \"rack\": ");
	topo_json_str(out, f->devs[d->rack].name);
	fprintf(out, ",\n  \"interface\": \"%s\"", ifc ? ifc->name : "eth1");
	if (ifc && ifc->v4.af)
		fprintf(out, ",\n  \"ipv4\": \"%s\"", topo_prefix_str(&ifc->v4, true, b));
	if (ifc && ifc->v6.af)
		fprintf(out, ",\n  \"ipv6\": \"%s\"", topo_prefix_str(&ifc->v6, true, b));
	fprintf(out, ",\n  \"routes\": [");
	for (i = 0; i < n; i++)
		fprintf(out, "%s\n    {\"prefix\": \"%s\", \"via\": \"%s\"}",
			i ? "," : "", topo_prefix_str(&r[i].dst, true, b),
			topo_prefix_str(&r[i].via, false, g));
	fprintf(out, "%s]\n}\n", n ? "\n  " : "");
	return ferror(out) ? -1 : 0;
}
