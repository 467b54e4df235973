/* The predicted prefixes per switch (predict.c): DIR/routes.json, one
 * entry per switch in device order, and the section of closgen --summary
 * with each tier's minimum, maximum and total. */
#include "topo/topo.h"

int topo_emit_routes(const struct topo_fabric *f, const struct topo_prediction *p, FILE *out)
{
	size_t k = 0;

	if (!p->ok || p->ndevs != f->ndevs)
		return -1;
	fprintf(out, "{");
	for (size_t i = 0; i < f->ndevs; i++) {
		if (f->devs[i].tier == TOPO_SERVER)
			continue;
		fprintf(out, "%s\n  ", k++ ? "," : "");
		topo_json_str(out, f->devs[i].name);
		fprintf(out, ": {\"ipv4\": %u, \"ipv6\": %u}", p->v4[i], p->v6[i]);
	}
	fprintf(out, "\n}\n");
	return ferror(out) ? -1 : 0;
}

struct tier_sum {
	size_t n;
	uint32_t min[2], max[2];
	uint64_t total[2];
};

static void tier_add(struct tier_sum *t, uint32_t v4, uint32_t v6)
{
	uint32_t v[2] = {v4, v6};

	for (int af = 0; af < 2; af++) {
		if (!t->n || v[af] < t->min[af])
			t->min[af] = v[af];
		if (!t->n || v[af] > t->max[af])
			t->max[af] = v[af];
		t->total[af] += v[af];
	}
	t->n++;
}

void topo_emit_route_summary(const struct topo_fabric *f, const struct topo_prediction *p,
			     FILE *out)
{
	struct tier_sum t[TOPO_NTIERS] = {{0}};

	if (!p)
		return;
	fprintf(out, "prefixes per switch (policy intent):\n");
	if (!p->ok || p->ndevs != f->ndevs) {
		fprintf(out, "  not predicted: %s\n", p->note);
		return;
	}
	for (size_t i = 0; i < f->ndevs; i++)
		if (f->devs[i].tier != TOPO_SERVER)
			tier_add(&t[f->devs[i].tier], p->v4[i], p->v6[i]);
	fprintf(out, "  %-6s %8s  %8s %8s %10s  %8s %8s %10s\n", "tier", "switches",
		"ipv4 min", "max", "total", "ipv6 min", "max", "total");
	for (int k = 0; k < TOPO_NTIERS; k++) {
		if (!t[k].n)
			continue;
		fprintf(out, "  %-6s %8zu  %8u %8u %10llu  %8u %8u %10llu\n",
			topo_tier_name((enum topo_tier)k), t[k].n, t[k].min[0], t[k].max[0],
			(unsigned long long)t[k].total[0], t[k].min[1], t[k].max[1],
			(unsigned long long)t[k].total[1]);
	}
	fprintf(out, "  (%u route classes, %u simulations, %u aggregate round%s)\n", p->classes,
		p->simulations, p->rounds, p->rounds == 1 ? "" : "s");
}
