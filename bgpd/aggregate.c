/* Originated aggregates (RFC 4271 9.2.2.2, no AS_SET): rib/agg.c counts
 * the contributing more-specifics as Loc-RIB changes are drained; here an
 * aggregate whose count reached its minimum enters the Loc-RIB as a path
 * of our own aggregate source (with ATOMIC_AGGREGATE and AGGREGATOR, RFC
 * 4271 5.1.6/5.1.7) and leaves it when the count falls below. route.c
 * installs such a path in the kernel as a blackhole. */
#include <stdlib.h>

#include "bgpd/log.h"
#include "bgpd/session.h"
#include "rib/agg.h"

/* A definition's configuration entry, NULL if it is not configured. Its
 * id is its index there (route_agg_configure; rib/agg.c hands it back
 * unchanged), so this is one compare per flip -- unless a configure
 * failed and left the definitions of the previous configuration: then a
 * search by prefix. */
static const struct cfg_aggregate *agg_cfg(const struct bgpd *d, const struct rib_agg_def *def)
{
	const struct bgp_config *cfg = d->cfg;

	if (def->id < cfg->naggregates &&
	    bgp_prefix_cmp(&cfg->aggregates[def->id].net.prefix, &def->prefix) == 0)
		return &cfg->aggregates[def->id];
	for (size_t i = 0; i < cfg->naggregates; i++)
		if (bgp_prefix_cmp(&cfg->aggregates[i].net.prefix, &def->prefix) == 0)
			return &cfg->aggregates[i];
	return NULL;
}

/* The aggregate's path: a network's (ours, IGP, an empty AS_PATH, its
 * communities) with ATOMIC_AGGREGATE and AGGREGATOR. */
static void agg_attrs(const struct bgpd *d, const struct cfg_aggregate *ca, struct bgp_attrs *a)
{
	route_network_attrs(&ca->net, a);
	a->seen |= BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE) | BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR);
	a->aggregator_as = d->cfg->local_as;
	a->aggregator_id = d->cfg->router_id;
}

/* Originate (ca non-NULL) or withdraw p. */
static void agg_set(struct bgpd *d, const struct bgp_prefix *p, const struct cfg_aggregate *ca)
{
	char buf[64];

	if (!ca) {
		if (rib_adj_withdraw(d->aggregated, p)) {
			rib_loc_withdraw(d->loc, p, &d->agg_src);
			log_info("route", "aggregate %s withdrawn",
				 bgp_prefix_str(p, buf, sizeof(buf)));
		}
		return;
	}
	struct bgp_attrs a;
	bool was = rib_adj_get(d->aggregated, p) != NULL;

	agg_attrs(d, ca, &a);
	if (!rib_adj_update(d->aggregated, p, &a))
		return; /* unchanged */
	rib_loc_update(d->loc, p, &d->agg_src, (struct rib_attrs *)rib_adj_get(d->aggregated, p));
	if (!was)
		log_info("route", "aggregate %s originated", bgp_prefix_str(p, buf, sizeof(buf)));
}

static void agg_flip(const struct rib_agg_def *def, bool active, void *arg)
{
	struct bgpd *d = arg;

	agg_set(d, &def->prefix, active ? agg_cfg(d, def) : NULL);
}

void route_agg_apply(struct bgpd *d)
{
	rib_agg_report(d->agg, agg_flip, d);
}

static bool agg_listed(const struct bgpd *d, const struct bgp_prefix *p)
{
	return rib_agg_has(d->agg, p);
}

int route_agg_configure(struct bgpd *d)
{
	const struct bgp_config *cfg = d->cfg;
	struct rib_agg_def *defs = calloc(cfg->naggregates + 1, sizeof(*defs));
	struct rib_agg_info info;
	struct bgp_prefix *gone;
	size_t ngone;

	if (!defs)
		return -1;
	for (size_t i = 0; i < cfg->naggregates; i++) {
		const struct cfg_aggregate *ca = &cfg->aggregates[i];
		defs[i] = (struct rib_agg_def){ .prefix = ca->net.prefix, .min = ca->min,
						.need_community = ca->need_community,
						.community = ca->community,
						.id = (uint32_t)i };
	}
	int rc = rib_agg_configure(d->agg, defs, cfg->naggregates, d->loc);
	free(defs);
	if (rc < 0)
		return -1;
	/* Gone from the configuration: withdrawn. */
	ngone = route_unlisted(d, d->aggregated, agg_listed, &gone);
	for (size_t i = 0; i < ngone; i++)
		agg_set(d, &gone[i], NULL);
	free(gone);
	/* Flips first, then the active ones again: their communities may
	 * have changed (agg_set sends nothing when they did not). */
	route_agg_apply(d);
	for (size_t i = 0; rib_agg_get(d->agg, i, &info); i++)
		if (info.active)
			agg_set(d, &info.def->prefix, agg_cfg(d, info.def));
	return 0;
}
