/* The eBGP sessions of a switch derived from its links: one session per
 * link and address family (parallel links = parallel sessions), the AS the
 * switch configures for each, its peer groups and confederation peers. */
#include <stdio.h>
#include <stdlib.h>

#include "topo/topo.h"

static bool is_linklocal(const struct topo_prefix *p)
{
	return p->af == 6 && p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80;
}

size_t topo_sessions(const struct topo_fabric *f, const struct topo_device *d,
		     struct topo_session *out)
{
	size_t i, n = 0;
	int af;

	if (d->tier == TOPO_SERVER)
		return 0;
	for (i = 0; i < d->nifs; i++) {
		const struct topo_iface *ifc = &d->ifs[i];
		const struct topo_device *peer;
		const struct topo_iface *pifc;

		if (ifc->peer_dev < 0 ||
		    f->devs[ifc->peer_dev].tier == TOPO_SERVER)
			continue;
		peer = &f->devs[ifc->peer_dev];
		pifc = &peer->ifs[ifc->peer_if];
		for (af = 4; af <= 6; af += 2) {
			const struct topo_prefix *a = af == 4 ? &pifc->v4 : &pifc->v6;

			if (!a->af)
				continue;
			out[n++] = (struct topo_session){peer, ifc, pifc, af,
				topo_peer_asn(f, d, peer), is_linklocal(a)};
		}
	}
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t topo_confed_peers(const struct topo_fabric *f,
			 const struct topo_device *d, uint32_t *out)
{
	size_t i, n = 0, k = 0;

	if (!d->confed_id)
		return 0;
	for (i = 0; i < d->nifs; i++) {
		const struct topo_device *p;

		if (d->ifs[i].peer_dev < 0)
			continue;
		p = &f->devs[d->ifs[i].peer_dev];
		if (p->tier != TOPO_SERVER && p->confed_id == d->confed_id)
			out[n++] = p->asn;
	}
	qsort(out, n, sizeof(*out), cmp_u32);
	for (i = 0; i < n; i++)
		if (!k || out[k - 1] != out[i])
			out[k++] = out[i];
	return k;
}

const char *topo_peer_group(const struct topo_session *s, char *buf)
{
	snprintf(buf, 16, "%s-v%d", topo_tier_name(s->peer->tier), s->af);
	return buf;
}

const struct topo_prefix *topo_router_id(const struct topo_device *d)
{
	return d->rid.af ? &d->rid : &d->lo4;
}
