/* A sorted copy of the kernel FIB for closctl show fib (see ctl_fib.h). */
#include <stdlib.h>
#include <string.h>

#include "bgpd/ctl_fib.h"

void fib_snap_free(struct fib_snap *s)
{
	if (!s)
		return;
	free(s->routes);
	free(s->objs);
	free(s->hash);
	free(s->mem);
	free(s);
}

/* v with room for need (> 0) elements of size, doubling; NULL (v is left
 * alone) if out of memory. */
static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;

	if (need <= *cap)
		return v;
	while (n < need)
		n *= 2;
	v = realloc(v, n * size);
	if (v)
		*cap = n;
	return v;
}

static size_t snap_slot(const struct fib_snap *s, uint32_t id)
{
	size_t i = (id * 2654435761u) & (s->hash_cap - 1);

	while (s->hash[i] && s->objs[s->hash[i] - 1].id != id)
		i = (i + 1) & (s->hash_cap - 1);
	return i;
}

static int snap_rehash(struct fib_snap *s)
{
	size_t cap = s->hash_cap ? s->hash_cap * 2 : 256;
	uint32_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -1;
	free(s->hash);
	s->hash = h;
	s->hash_cap = cap;
	for (size_t i = 0; i < s->nobjs; i++)
		s->hash[snap_slot(s, s->objs[i].id)] = (uint32_t)i + 1;
	return 0;
}

const struct fib_snap_obj *fib_snap_obj(const struct fib_snap *s, uint32_t id)
{
	size_t i;

	if (!s->hash_cap)
		return NULL;
	i = snap_slot(s, id);
	return s->hash[i] ? &s->objs[s->hash[i] - 1] : NULL;
}

static void snap_add_members(struct fib_snap *s, const struct fib *f, const struct fib_nh *nhs,
			     const uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fib_nh *nh = &nhs[i];
		struct fib_snap_member *m = &s->mem[s->nmem++];
		m->id = ids[i];
		m->family = nh->family;
		memcpy(m->addr, nh->addr, sizeof(m->addr));
		m->ifindex = nh->ifindex ? nh->ifindex : fib_addr_ifindex(f, nh->family, nh->addr);
	}
}

/* Copy the members and backups of ri's nexthop object once per id. */
static int snap_add_obj(struct fib_snap *s, const struct fib *f, const struct fib_route_info *ri)
{
	struct fib_snap_obj *o;
	void *v;

	if (fib_snap_obj(s, ri->nh_id))
		return 0;
	if (2 * (s->nobjs + 1) > s->hash_cap && snap_rehash(s) < 0)
		return -1;
	if (!(v = grow(s->objs, &s->objs_cap, s->nobjs + 1, sizeof(*s->objs))))
		return -1;
	s->objs = v;
	if (!(v = grow(s->mem, &s->mem_cap, s->nmem + ri->nmembers + ri->nbackups + 1, sizeof(*s->mem))))
		return -1;
	s->mem = v;
	o = &s->objs[s->nobjs];
	o->id = ri->nh_id;
	o->first = (uint32_t)s->nmem;
	o->n = (uint32_t)ri->nmembers;
	o->nbk = (uint32_t)ri->nbackups;
	snap_add_members(s, f, ri->members, ri->member_ids, ri->nmembers);
	snap_add_members(s, f, ri->backups, ri->backup_ids, ri->nbackups);
	s->nobjs++;
	s->hash[snap_slot(s, o->id)] = (uint32_t)s->nobjs;
	return 0;
}

struct snap_ctx {
	struct fib_snap *s;
	const struct fib *f;
};

static int snap_route_cb(const struct fib_route_info *ri, void *arg)
{
	struct snap_ctx *x = arg;
	struct fib_snap *s = x->s;
	struct fib_snap_route *r;
	void *v = grow(s->routes, &s->routes_cap, s->nroutes + 1, sizeof(*s->routes));

	if (v)
		s->routes = v;
	if (!v || snap_add_obj(s, x->f, ri) < 0) {
		s->oom = true;
		return 1;
	}
	r = &s->routes[s->nroutes++];
	r->prefix = ri->prefix;
	r->nh_id = ri->nh_id;
	r->metric = ri->metric;
	r->standby_id = ri->standby_id;
	r->group = ri->group;
	r->blackhole = ri->blackhole;
	r->state = ri->state;
	return 0;
}

static int snap_route_cmp(const void *a, const void *b)
{
	const struct fib_snap_route *x = a, *y = b;

	if (x->prefix.family != y->prefix.family)
		return x->prefix.family == AF_INET ? -1 : 1;
	int r = memcmp(x->prefix.addr, y->prefix.addr, sizeof(x->prefix.addr));

	return r ? r : (int)x->prefix.len - (int)y->prefix.len;
}

struct fib_snap *fib_snap_take(const struct fib *f)
{
	struct fib_snap *s = calloc(1, sizeof(*s));
	struct snap_ctx x = { s, f };

	if (!s)
		return NULL;
	fib_get_stats(f, &s->stats);
	fib_walk(f, snap_route_cb, &x);
	if (s->oom) {
		fib_snap_free(s);
		return NULL;
	}
	if (s->nroutes > 1)
		qsort(s->routes, s->nroutes, sizeof(*s->routes), snap_route_cmp);
	return s;
}
