/* Deterministic address allocation from the pools: loopbacks in device
 * order, one /31 (/127) per switch-to-switch link in link order, pod
 * aggregates with rack prefixes carved from them, server addresses inside
 * the rack prefix, one VIP range per rack.  Exhaustion names the pool and
 * the device that did not fit. */
#include <stdio.h>
#include <string.h>

#include "topo/topo.h"

static int nth(const struct topo_prefix *pool, unsigned len, uint64_t n,
	       struct topo_prefix *out, const char *what, const char *who,
	       struct topo_err *err)
{
	char buf[64];

	if (topo_prefix_nth(pool, (uint8_t)len, n, out))
		return topo_errf(err, "%s pool %s is exhausted at %s (needs "
				 "/%u number %llu)", what,
				 topo_prefix_str(pool, true, buf), who, len,
				 (unsigned long long)n + 1);
	return 0;
}

/* A host address inside net: the n-th address with net's length. */
static int host(const struct topo_prefix *net, uint64_t n,
		struct topo_prefix *out, const char *who, struct topo_err *err)
{
	unsigned max = net->af == 4 ? 32 : 128;

	if (nth(net, max, n, out, "rack", who, err))
		return -1;
	out->len = net->len;
	return 0;
}

static int alloc_loopbacks(struct topo_fabric *f, struct topo_err *err)
{
	const struct topo_pools *p = &f->pools;
	uint64_t k = 1;
	size_t i;

	if (p->lo4.af != 4)
		return topo_errf(err, "address-pools/loopback/ipv4 is missing");
	for (i = 0; i < f->ndevs; i++) {
		struct topo_device *d = &f->devs[i];

		if (d->tier == TOPO_SERVER)
			continue;
		if (nth(&p->lo4, 32, k, &d->lo4, "loopback", d->name, err))
			return -1;
		if (p->lo6.af == 6 &&
		    nth(&p->lo6, 128, k, &d->lo6, "loopback", d->name, err))
			return -1;
		k++;
	}
	return 0;
}

static void linklocal(struct topo_prefix *out, unsigned last)
{
	memset(out, 0, sizeof(*out));
	out->af = 6;
	out->len = 64;
	out->addr[0] = 0xfe;
	out->addr[1] = 0x80;
	out->addr[15] = (uint8_t)last;
}

static int alloc_p2p(struct topo_fabric *f, struct topo_err *err)
{
	const struct topo_pools *p = &f->pools;
	uint64_t k = 0;
	size_t i;

	if (p->p2p4.af != 4)
		return topo_errf(err, "address-pools/point-to-point/ipv4 is "
				 "missing");
	for (i = 0; i < f->nlinks; i++) {
		const struct topo_link *l = &f->links[i];
		struct topo_iface *a = &f->devs[l->a].ifs[l->a_if];
		struct topo_iface *b = &f->devs[l->b].ifs[l->b_if];
		char who[2 * TOPO_NAME_MAX + 40];

		if (f->devs[l->b].tier == TOPO_SERVER)
			continue;
		snprintf(who, sizeof(who), "link %s:%s", f->devs[l->a].name,
			 a->name);
		if (nth(&p->p2p4, 31, k, &a->v4, "point-to-point", who, err))
			return -1;
		b->v4 = a->v4;
		b->v4.addr[3] |= 1;
		if (p->p2p6_linklocal) {
			linklocal(&a->v6, 1);
			linklocal(&b->v6, 2);
		} else if (p->p2p6.af == 6) {
			if (nth(&p->p2p6, 127, k, &a->v6, "point-to-point",
				who, err))
				return -1;
			b->v6 = a->v6;
			b->v6.addr[15] |= 1;
		}
		k++;
	}
	return 0;
}

int topo_pod_prefix(const struct topo_fabric *f, const struct topo_device *d,
		    int af, struct topo_prefix *out, struct topo_err *err)
{
	const struct topo_pools *p = &f->pools;
	const struct topo_prefix *pool = af == 4 ? &p->pod4 : &p->pod6;
	unsigned plen = af == 4 ? p->pod4_len : p->pod6_len;
	unsigned rlen = af == 4 ? p->rack4_len : p->rack6_len;

	if (pool->af != af)
		return 1;
	if (!plen || plen < pool->len || rlen < plen)
		return topo_errf(err, "address-pools: pod/rack lengths (/%u, "
				 "/%u) do not fit pod pool /%u", plen, rlen,
				 pool->len);
	return nth(pool, plen, d->pod - 1, out, "pod", d->name, err);
}

int topo_rack_prefix(const struct topo_fabric *f, const struct topo_device *d,
		     int af, struct topo_prefix *out, struct topo_err *err)
{
	struct topo_prefix pod;
	int rc = topo_pod_prefix(f, d, af, &pod, err);

	if (rc)
		return rc;
	return nth(&pod, af == 4 ? f->pools.rack4_len : f->pools.rack6_len,
		   d->index - 1, out, "rack", d->name, err);
}

/* Gateway on the RSW's br0, servers after it, for one family. */
static int alloc_rack(struct topo_fabric *f, size_t r, int af,
		      struct topo_err *err)
{
	struct topo_device *d = &f->devs[r];
	struct topo_prefix rack;
	int br = topo_if_find(d, "br0"), rc;
	size_t i;

	if ((rc = topo_rack_prefix(f, d, af, &rack, err)))
		return rc < 0 ? -1 : 0;
	if (br < 0)
		return 0;
	if (host(&rack, 1, af == 4 ? &d->ifs[br].v4 : &d->ifs[br].v6, d->name,
		 err))
		return -1;
	for (i = 0; i < d->nifs; i++) {
		struct topo_iface *ri = &d->ifs[i];
		struct topo_device *s;

		if (ri->peer_dev < 0 || f->devs[ri->peer_dev].tier != TOPO_SERVER)
			continue;
		s = &f->devs[ri->peer_dev];
		if (host(&rack, 1 + s->index,
			 af == 4 ? &s->ifs[ri->peer_if].v4 : &s->ifs[ri->peer_if].v6,
			 s->name, err))
			return -1;
	}
	return 0;
}

static int alloc_racks(struct topo_fabric *f, struct topo_err *err)
{
	const struct topo_pools *p = &f->pools;
	uint64_t k = 0;
	size_t i;

	if ((p->vip4.af && p->vip4_len < p->vip4.len) ||
	    (p->vip6.af && p->vip6_len < p->vip6.len))
		return topo_errf(err, "address-pools/vip: ipv4-length/ipv6-length "
				 "missing or shorter than the pool");
	for (i = 0; i < f->ndevs; i++) {
		struct topo_device *d = &f->devs[i];

		if (d->tier != TOPO_RSW)
			continue;
		if (topo_if_find(d, "br0") >= 0 && p->pod4.af != 4)
			return topo_errf(err, "%s has servers but "
					 "address-pools/pod/ipv4 is missing",
					 d->name);
		if (alloc_rack(f, i, 4, err) || alloc_rack(f, i, 6, err))
			return -1;
		d->nvips = 0;
		if (p->vip4.af == 4 && nth(&p->vip4, p->vip4_len, k,
					   &d->vips[d->nvips++], "vip", d->name,
					   err))
			return -1;
		if (p->vip6.af == 6 && nth(&p->vip6, p->vip6_len, k,
					   &d->vips[d->nvips++], "vip", d->name,
					   err))
			return -1;
		k++;
	}
	return 0;
}

int topo_alloc(struct topo_fabric *f, struct topo_err *err)
{
	if (f->explicit_form)
		return 0;
	if (alloc_loopbacks(f, err) || alloc_p2p(f, err) ||
	    alloc_racks(f, err))
		return -1;
	return topo_originate(f, err);
}
