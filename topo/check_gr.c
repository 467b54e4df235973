/* Graceful restart timer consistency (RFC 4724 4.2): when a switch
 * restarts, each neighbour keeps its paths stale for at most its own
 * stale-time from the session's end; the restarted switch may take its
 * restart-time to come back and then its end-of-rib-wait to send
 * End-of-RIB. A neighbour whose stale-time is shorter drops the paths
 * first and the traffic through them is lost until they come back (the
 * NSDI'21 incident: a 30 s stale timer against a 120 s End-of-RIB wait,
 * about 90 s lost). Checked both ways over every link; a fabric that
 * fails is refused with the path of the stale-time in the file. */
#include <stdio.h>

#include "topo/topo.h"

#define GR_PATH "/closbgp-fabric:fabric/graceful-restart"

static const char *const gr_leaf[TOPO_GR_NTIMERS] = { "restart-time", "stale-time",
						      "end-of-rib-wait" };

const char *topo_gr_path(const struct topo_fabric *f, enum topo_tier t, int timer,
			 char *buf, size_t len)
{
	if (f->gr[t].own[timer])
		snprintf(buf, len, "%s/tier[name='%s']/%s", GR_PATH, topo_tier_name(t),
			 gr_leaf[timer]);
	else
		snprintf(buf, len, "%s/%s", GR_PATH, gr_leaf[timer]);
	return buf;
}

/* helper keeps restarting's paths long enough? */
static int check_pair(const struct topo_fabric *f, const struct topo_device *helper,
		      const struct topo_device *restarting, struct topo_err *err)
{
	const struct topo_gr *h = &f->gr[helper->tier], *r = &f->gr[restarting->tier];
	unsigned need = r->t[TOPO_GR_RESTART] + r->t[TOPO_GR_EOR];
	char path[160];

	if (h->t[TOPO_GR_STALE] >= need)
		return 0;
	return topo_errf(err, "%s: %s keeps a restarting %s's paths for stale-time %u s, but %s "
			 "may take its restart-time %u s plus end-of-rib-wait %u s = %u s to "
			 "send End-of-RIB: raise the %s stale-time to %u s or more",
			 topo_gr_path(f, helper->tier, TOPO_GR_STALE, path, sizeof(path)),
			 helper->name, topo_tier_name(restarting->tier),
			 h->t[TOPO_GR_STALE], restarting->name, r->t[TOPO_GR_RESTART],
			 r->t[TOPO_GR_EOR], need, topo_tier_name(helper->tier), need);
}

int topo_check_gr(const struct topo_fabric *f, struct topo_err *err)
{
	for (size_t i = 0; i < f->nlinks; i++) {
		const struct topo_device *a = &f->devs[f->links[i].a], *b = &f->devs[f->links[i].b];
		if (a->tier == TOPO_SERVER || b->tier == TOPO_SERVER)
			continue; /* servers run no BGP */
		if (check_pair(f, a, b, err) || check_pair(f, b, a, err))
			return -1;
	}
	return 0;
}
