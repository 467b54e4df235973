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

/* p's aggregate goes, if we originated it. */
static void agg_withdraw(struct bgpd *d, const struct bgp_prefix *p)
{
	char buf[64];

	if (rib_adj_withdraw(d->aggregated, p)) {
		rib_loc_withdraw(d->loc, p, &d->agg_src);
		log_info("route", "aggregate %s withdrawn", bgp_prefix_str(p, buf, sizeof(buf)));
	}
}

/* The aggregate's interned path, made once per configuration: rib/agg.c
 * keeps it for us, so an aggregate that comes and goes with its
 * contributors is not interned again each time. *own: a reference the
 * caller must drop (the definition was not one rib/agg.c keeps it for). */
static struct rib_attrs *agg_path(struct bgpd *d, const struct rib_agg_def *def,
				  const struct cfg_aggregate *ca, struct rib_attrs **own)
{
	struct rib_attrs *ra = rib_agg_attrs(d->agg, def);
	struct bgp_attrs a;

	*own = NULL;
	if (ra)
		return ra;
	agg_attrs(d, ca, &a);
	if ((ra = rib_attrs_intern(d->attr_cache, &a)) && !rib_agg_keep_attrs(d->agg, def, ra))
		*own = ra;
	return ra;
}

/* Originate def's aggregate (its configuration entry ca), or withdraw it
 * (ca NULL). */
static void agg_set(struct bgpd *d, const struct rib_agg_def *def, const struct cfg_aggregate *ca)
{
	const struct bgp_prefix *p = &def->prefix;
	struct rib_attrs *ra, *own;
	char buf[64];

	if (!ca) {
		agg_withdraw(d, p);
		return;
	}
	if (!(ra = agg_path(d, def, ca, &own)))
		return; /* out of memory */
	/* Unchanged (the same set is there already): nothing to do. */
	if (rib_adj_set(d->aggregated, p, ra) &&
	    (rib_loc_set(d->loc, p, &d->agg_src, ra, true) & RIB_LOC_NEW))
		log_info("route", "aggregate %s originated", bgp_prefix_str(p, buf, sizeof(buf)));
	if (own)
		rib_attrs_unref(own);
}

static void agg_flip(const struct rib_agg_def *def, bool active, void *arg)
{
	struct bgpd *d = arg;

	agg_set(d, def, active ? agg_cfg(d, def) : NULL);
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
		agg_withdraw(d, &gone[i]);
	free(gone);
	/* Flips first, then the active ones again: their communities may
	 * have changed (agg_set sends nothing when they did not). */
	route_agg_apply(d);
	for (size_t i = 0; rib_agg_get(d->agg, i, &info); i++)
		if (info.active)
			agg_set(d, info.def, agg_cfg(d, info.def));
	return 0;
}
