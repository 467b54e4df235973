/* Addressing checks: no address used twice in the fabric (link-local
 * addresses only per link), both ends of a switch link in one subnet with
 * different addresses, every switch link numbered in IPv4. */
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

struct addr_use {
	struct topo_prefix a;
	int dev;
	const char *what;
};

static int cmp_addr(const void *x, const void *y)
{
	const struct addr_use *a = x, *b = y;
	int c = memcmp(a->a.addr, b->a.addr, 16);

	if (a->a.af != b->a.af)
		return a->a.af - b->a.af;
	return c ? c : a->dev - b->dev;
}

static bool linklocal(const struct topo_prefix *p)
{
	return p->af == 6 && p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80;
}

static size_t collect(const struct topo_fabric *f, struct addr_use *u)
{
	size_t i, j, n = 0;

	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];

		if (d->lo4.af)
			u[n++] = (struct addr_use){d->lo4, (int)i, "loopback"};
		if (d->lo6.af)
			u[n++] = (struct addr_use){d->lo6, (int)i, "loopback"};
		for (j = 0; j < d->nifs; j++) {
			if (d->ifs[j].v4.af)
				u[n++] = (struct addr_use){d->ifs[j].v4, (int)i,
							   d->ifs[j].name};
			if (d->ifs[j].v6.af && !linklocal(&d->ifs[j].v6))
				u[n++] = (struct addr_use){d->ifs[j].v6, (int)i,
							   d->ifs[j].name};
		}
	}
	return n;
}

static int check_unique(const struct topo_fabric *f, struct topo_err *err)
{
	struct addr_use *u;
	size_t i, n, cap = 0;
	char buf[64];
	int rc = 0;

	for (i = 0; i < f->ndevs; i++)
		cap += 2 + 2 * f->devs[i].nifs;
	if (!(u = calloc(cap + 1, sizeof(*u))))
		return topo_errf(err, "out of memory");
	n = collect(f, u);
	qsort(u, n, sizeof(*u), cmp_addr);
	for (i = 1; i < n && !rc; i++)
		if (u[i].a.af == u[i - 1].a.af &&
		    !memcmp(u[i].a.addr, u[i - 1].a.addr, 16))
			rc = topo_errf(err, "address %s is used twice: %s %s "
				       "and %s %s",
				       topo_prefix_str(&u[i].a, false, buf),
				       f->devs[u[i - 1].dev].name, u[i - 1].what,
				       f->devs[u[i].dev].name, u[i].what);
	free(u);
	return rc;
}

static int same_subnet(const struct topo_prefix *a, const struct topo_prefix *b)
{
	struct topo_prefix na = topo_prefix_net(a), nb = topo_prefix_net(b);

	return a->af == b->af && a->len == b->len &&
	       !topo_prefix_cmp(&na, &nb) && memcmp(a->addr, b->addr, 16);
}

static int check_links(const struct topo_fabric *f, struct topo_err *err)
{
	size_t i;

	for (i = 0; i < f->nlinks; i++) {
		const struct topo_link *l = &f->links[i];
		const struct topo_device *a = &f->devs[l->a], *b = &f->devs[l->b];
		const struct topo_iface *ia = &a->ifs[l->a_if];
		const struct topo_iface *ib = &b->ifs[l->b_if];

		if (a->tier == TOPO_SERVER || b->tier == TOPO_SERVER)
			continue;
		if (!ia->v4.af || !ib->v4.af || !same_subnet(&ia->v4, &ib->v4))
			return topo_errf(err, "link %s:%s - %s:%s: IPv4 ends "
					 "must be two addresses of one subnet",
					 a->name, ia->name, b->name, ib->name);
		if ((ia->v6.af || ib->v6.af) && !same_subnet(&ia->v6, &ib->v6))
			return topo_errf(err, "link %s:%s - %s:%s: IPv6 ends "
					 "must be two addresses of one subnet",
					 a->name, ia->name, b->name, ib->name);
	}
	return 0;
}

int topo_check_addr(const struct topo_fabric *f, struct topo_err *err)
{
	return check_links(f, err) || check_unique(f, err) ? -1 : 0;
}
