/* Policy intent checks: every tier's own prefixes must be able to leave
 * it — some out rule towards some peer tier lets each route type the tier
 * originates out (the first rule that can match it permits). A fabric
 * failing this would black-hole its racks; it is refused with the path of
 * the policy in the fabric file. */
#include "topo/topo.h"

#define POLICY_PATH "/closbgp-fabric:fabric/policy"

/* May the (t, out, peer) rules let route type r out? Rules with an AS_PATH
 * expression may or may not match: a permit counts, a deny does not stop. */
static bool lets_out(const struct topo_fabric *f, enum topo_tier t, enum topo_tier peer, int r)
{
	const struct topo_rule *first = NULL;

	for (size_t i = 0; i < f->nrules; i++) {
		const struct topo_rule *x = &f->rules[i];
		if (x->tier != t || !x->out || x->peer_tier != peer)
			continue;
		if (x->match && !(x->match & (1u << r)))
			continue;
		if (x->regex[0] && !x->permit)
			continue;
		if (!first || x->seq < first->seq)
			first = x;
	}
	return first && first->permit;
}

int topo_check_policy(const struct topo_fabric *f, struct topo_err *err)
{
	uint32_t orig[TOPO_NTIERS] = { 0 };

	if (!f->nrules)
		return 0;
	for (size_t i = 0; i < f->ndevs; i++)
		for (size_t k = 0; k < f->devs[i].norigs; k++)
			if (f->devs[i].origs[k].route_type >= 0 && f->devs[i].tier < TOPO_NTIERS)
				orig[f->devs[i].tier] |= 1u << f->devs[i].origs[k].route_type;
	for (enum topo_tier t = TOPO_SSW; t <= TOPO_RSW; t++)
		for (size_t r = 0; r < f->nrtypes; r++) {
			bool ok = false;
			if (!(orig[t] & (1u << r)))
				continue;
			for (enum topo_tier p = TOPO_SSW; p <= TOPO_RSW && !ok; p++)
				ok = lets_out(f, t, p, (int)r);
			if (!ok)
				return topo_errf(err, "%s: no out rule of tier %s lets its own %s "
						 "prefixes out", POLICY_PATH, topo_tier_name(t),
						 f->rtypes[r].name);
		}
	return 0;
}
