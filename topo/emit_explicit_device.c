/* One device of the explicit fabric form: placement, ASNs, loopbacks,
 * interfaces, originated prefixes and VIP ranges. */
#include <string.h>

#include "topo/topo.h"

static void emit_ifaces(const struct topo_device *d, FILE *out)
{
	char b[64];
	size_t i;

	fprintf(out, ",\n       \"interface\": [");
	for (i = 0; i < d->nifs; i++) {
		const struct topo_iface *ifc = &d->ifs[i];

		fprintf(out, "%s\n         {\"name\": \"%s\"", i ? "," : "",
			ifc->name);
		if (ifc->v4.af)
			fprintf(out, ", \"ipv4\": \"%s\"",
				topo_prefix_str(&ifc->v4, true, b));
		if (ifc->v6.af)
			fprintf(out, ", \"ipv6\": \"%s\"",
				topo_prefix_str(&ifc->v6, true, b));
		fprintf(out, "}");
	}
	fprintf(out, "%s]", d->nifs ? "\n       " : "");
}

static void emit_origs(const struct topo_fabric *f,
		       const struct topo_device *d, FILE *out)
{
	char b[64];
	size_t i;

	if (!d->norigs)
		return;
	fprintf(out, ",\n       \"prefix\": [");
	for (i = 0; i < d->norigs; i++) {
		const struct topo_orig *o = &d->origs[i];
		struct topo_prefix net = topo_prefix_net(&o->pfx);

		fprintf(out, "%s\n         {\"prefix\": \"%s\", \"route-type\": "
			"\"%s\"", i ? "," : "", topo_prefix_str(&net, true, b),
			o->route_type >= 0 ? f->rtypes[o->route_type].name : "");
		if (o->min_ms >= 0)
			fprintf(out, ", \"min-more-specifics\": %d", o->min_ms);
		fprintf(out, "}");
	}
	fprintf(out, "\n       ]");
}

int topo_emit_explicit_device(const struct topo_fabric *f,
			      const struct topo_device *d, FILE *out)
{
	char b[64];
	size_t i;

	fprintf(out, "      {\"name\": \"%s\", \"tier\": \"%s\"", d->name,
		topo_tier_name(d->tier));
	if (d->pod)
		fprintf(out, ", \"pod\": %u", d->pod);
	if (d->plane)
		fprintf(out, ", \"plane\": %u", d->plane);
	fprintf(out, ", \"index\": %u", d->index);
	if (d->rack >= 0)
		fprintf(out, ", \"rack\": \"%s\"", f->devs[d->rack].name);
	if (d->asn)
		fprintf(out, ", \"asn\": %u", d->asn);
	if (d->confed_id)
		fprintf(out, ", \"confederation-id\": %u", d->confed_id);
	if (d->tier != TOPO_SERVER)
		fprintf(out, ",\n       \"router-id\": \"%s\"",
			topo_prefix_str(topo_router_id(d), false, b));
	if (d->lo4.af)
		fprintf(out, ", \"loopback-ipv4\": \"%s\"",
			topo_prefix_str(&d->lo4, true, b));
	if (d->lo6.af)
		fprintf(out, ", \"loopback-ipv6\": \"%s\"",
			topo_prefix_str(&d->lo6, true, b));
	emit_ifaces(d, out);
	emit_origs(f, d, out);
	if (d->nvips) {
		fprintf(out, ",\n       \"vip-range\": [");
		for (i = 0; i < d->nvips; i++)
			fprintf(out, "%s\"%s\"", i ? ", " : "",
				topo_prefix_str(&d->vips[i], true, b));
		fprintf(out, "]");
	}
	fprintf(out, "}");
	return 0;
}
