/* The readable summary printed by closgen --summary: devices per tier,
 * the ASNs each tier uses, links and sessions, prefixes per route type,
 * and the predicted prefixes per switch (emit_routes.c). */
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct values of v[0..n) (sorted in place), min and max. */
static void tier_asns(FILE *out, const char *what, uint32_t *v, size_t n)
{
	size_t i, k = 0;

	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 0; i < n; i++)
		k += !i || v[i] != v[i - 1];
	fprintf(out, "  %-24s %u..%u (%zu distinct)\n", what, v[0], v[n - 1], k);
}

static void summary_tiers(const struct topo_fabric *f, uint32_t *v, FILE *out)
{
	size_t i, n, nc;
	int t;

	for (t = 0; t < TOPO_NTIERS; t++) {
		char what[64];

		for (i = n = 0; i < f->ndevs; i++)
			n += f->devs[i].tier == (enum topo_tier)t;
		fprintf(out, "%-8s %6zu devices\n", topo_tier_name((enum topo_tier)t),
			n);
		if (t == TOPO_SERVER)
			continue;
		for (i = n = 0; i < f->ndevs; i++)
			if (f->devs[i].tier == (enum topo_tier)t)
				v[n++] = f->devs[i].asn;
		snprintf(what, sizeof(what), "AS");
		tier_asns(out, what, v, n);
		for (i = nc = 0; i < f->ndevs; i++)
			if (f->devs[i].tier == (enum topo_tier)t &&
			    f->devs[i].confed_id)
				v[nc++] = f->devs[i].confed_id;
		tier_asns(out, "confederation identifier", v, nc);
	}
}

static void summary_prefixes(const struct topo_fabric *f, FILE *out)
{
	size_t i, j, cnt[TOPO_MAX_ROUTE_TYPES] = {0}, sessions = 0;
	struct topo_session *s = NULL;
	size_t cap = 0;

	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];

		for (j = 0; j < d->norigs; j++)
			if (d->origs[j].route_type >= 0)
				cnt[d->origs[j].route_type]++;
		if (2 * d->nifs + 1 > cap) {
			free(s);
			cap = 2 * d->nifs + 1;
			s = calloc(cap, sizeof(*s));
			if (!s)
				return;
		}
		sessions += topo_sessions(f, d, s);
	}
	free(s);
	fprintf(out, "links    %6zu\neBGP sessions %zu (counted at both ends: "
		"%zu)\n", f->nlinks, sessions / 2, sessions);
	fprintf(out, "originated prefixes by route type:\n");
	for (i = 0; i < f->nrtypes; i++)
		fprintf(out, "  %-24s %-12s %zu\n", f->rtypes[i].name,
			f->rtypes[i].community, cnt[i]);
}

int topo_emit_summary(const struct topo_fabric *f, const struct topo_prediction *p, FILE *out)
{
	uint32_t *v = calloc(f->ndevs + 1, sizeof(*v));

	if (!v)
		return -1;
	fprintf(out, "fabric %s (%s form)\n", f->name,
		f->explicit_form ? "explicit" : "compact");
	summary_tiers(f, v, out);
	summary_prefixes(f, out);
	topo_emit_route_summary(f, p, out);
	free(v);
	return ferror(out) ? -1 : 0;
}
