/* Kernel nexthop objects and groups (RTM_NEWNEXTHOP, Linux 5.3+): one
 * object per gateway+interface, one group per ECMP set, shared by every
 * route with that set and reference-counted by the routes using them. */
#include <arpa/inet.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/log.h"
#include "fib/fib_int.h"

size_t fib_obj_key(const struct fib_obj *o, uint8_t *key)
{
	if (!o->group) {
		key[0] = 'S';
		key[1] = o->nh.family;
		memcpy(key + 2, o->nh.addr, 16);
		memcpy(key + 18, &o->nh.ifindex, 4);
		return 22;
	}
	key[0] = 'G';
	memcpy(key + 1, o->mem, o->nmem * 4);
	return 1 + o->nmem * 4;
}

struct fib_obj *fib_obj_by_id(const struct fib *f, uint32_t id)
{
	return fib_map_get(&f->objs_by_id, &id, sizeof(id));
}

static struct fib_obj *fib_obj_insert(struct fib *f, struct fib_obj *o)
{
	uint8_t key[1 + FIB_MAX_ECMP * 4];
	size_t klen = fib_obj_key(o, key);

	if (fib_map_put(&f->objs_by_id, &o->id, sizeof(o->id), o) < 0) {
		free(o);
		return NULL;
	}
	if (!fib_map_get(&f->objs_by_key, key, klen) &&
	    fib_map_put(&f->objs_by_key, key, klen, o) < 0) {
		fib_map_del(&f->objs_by_id, &o->id, sizeof(o->id));
		free(o);
		return NULL;
	}
	if (o->group)
		f->st.groups++;
	else
		f->st.nexthops++;
	return o;
}

void fib_obj_queue(struct fib *f, struct fib_obj *o)
{
	if (o->queued)
		return;
	o->queued = true;
	o->qnext = f->objq;
	f->objq = o;
}

struct fib_obj *fib_obj_single(struct fib *f, const struct fib_nh *nh)
{
	struct fib_obj probe = { .nh = *nh };
	uint8_t key[32];
	struct fib_obj *o;

	if (nh->family == AF_INET)
		memset(probe.nh.addr + 4, 0, 12);
	if (!probe.nh.ifindex)
		probe.nh.ifindex = fib_addr_ifindex(f, nh->family, nh->addr);
	if (!probe.nh.ifindex)
		return NULL; /* gateway not on a connected subnet */
	o = fib_map_get(&f->objs_by_key, key, fib_obj_key(&probe, key));
	if (o) {
		if (o->dead) {
			o->dead = false;
			o->installed = false;
			fib_obj_queue(f, o);
		}
		return o;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	*o = probe;
	o->id = f->next_id++;
	if (!fib_obj_insert(f, o))
		return NULL;
	fib_obj_queue(f, o);
	return o;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct fib_obj *fib_obj_for_set(struct fib *f, struct fib_obj **mem, size_t n)
{
	struct fib_obj probe = { .group = true };
	uint8_t key[1 + FIB_MAX_ECMP * 4];
	struct fib_obj *o;

	if (n == 0)
		return NULL;
	if (n > FIB_MAX_ECMP)
		n = FIB_MAX_ECMP;
	for (size_t i = 0; i < n; i++)
		probe.mem[i] = mem[i]->id;
	qsort(probe.mem, n, sizeof(uint32_t), u32_cmp);
	probe.nmem = 0;
	for (size_t i = 0; i < n; i++) /* drop duplicates */
		if (i == 0 || probe.mem[i] != probe.mem[i - 1])
			probe.mem[probe.nmem++] = probe.mem[i];
	/* A group (possibly shrunk by a link failure) with exactly this set
	 * is preferred, so routes keep pointing at it. */
	o = fib_map_get(&f->objs_by_key, key, fib_obj_key(&probe, key));
	if (o)
		return o;
	if (probe.nmem == 1)
		return mem[0];
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	*o = probe;
	o->id = f->next_id++;
	for (size_t i = 0; i < o->nmem; i++)
		fib_obj_ref(fib_obj_by_id(f, o->mem[i]));
	if (!fib_obj_insert(f, o))
		return NULL;
	fib_obj_queue(f, o);
	return o;
}

struct fib_obj *fib_obj_adopt(struct fib *f, uint32_t id, const struct fib_nh *nh,
			      const uint32_t *mem, size_t nmem)
{
	struct fib_obj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->id = id;
	o->installed = o->stale = true;
	if (nh) {
		o->nh = *nh;
	} else {
		o->group = true;
		o->nmem = nmem > FIB_MAX_ECMP ? FIB_MAX_ECMP : (uint32_t)nmem;
		memcpy(o->mem, mem, o->nmem * 4);
		qsort(o->mem, o->nmem, sizeof(uint32_t), u32_cmp);
	}
	if (id >= f->next_id)
		f->next_id = id + 1;
	return fib_obj_insert(f, o);
}

void fib_obj_ref(struct fib_obj *o)
{
	if (o)
		o->refs++;
}

void fib_obj_unref(struct fib *f, struct fib_obj *o)
{
	if (!o)
		return;
	if (o->refs == 0) {
		log_err("fib", "nexthop %u: reference count underflow", o->id);
		abort(); /* our bug, never input */
	}
	if (--o->refs == 0)
		fib_obj_queue(f, o); /* flush deletes it */
}

void fib_obj_rekey(struct fib *f, struct fib_obj *o, const uint32_t *mem, size_t n)
{
	uint8_t key[1 + FIB_MAX_ECMP * 4];
	size_t klen = fib_obj_key(o, key);

	if (fib_map_get(&f->objs_by_key, key, klen) == o)
		fib_map_del(&f->objs_by_key, key, klen);
	memcpy(o->mem, mem, n * 4);
	o->nmem = (uint32_t)n;
	klen = fib_obj_key(o, key);
	if (!fib_map_get(&f->objs_by_key, key, klen))
		fib_map_put(&f->objs_by_key, key, klen, o);
}

void fib_obj_destroy(struct fib *f, struct fib_obj *o)
{
	uint8_t key[1 + FIB_MAX_ECMP * 4];
	size_t klen = fib_obj_key(o, key);

	if (fib_map_get(&f->objs_by_key, key, klen) == o)
		fib_map_del(&f->objs_by_key, key, klen);
	fib_map_del(&f->objs_by_id, &o->id, sizeof(o->id));
	if (o->group) {
		f->st.groups--;
		for (size_t i = 0; i < o->nmem; i++)
			fib_obj_unref(f, fib_obj_by_id(f, o->mem[i]));
	} else {
		f->st.nexthops--;
	}
	free(o);
}

struct collect {
	struct fib_obj **v;
	size_t n, cap;
};

static void collect_obj(void *value, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct fib_obj **v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = value;
}

static void fib_obj_shrink(struct fib *f, struct fib_obj *g)
{
	uint32_t live[FIB_MAX_ECMP];
	size_t n = 0;

	for (size_t i = 0; i < g->nmem; i++) {
		struct fib_obj *m = fib_obj_by_id(f, g->mem[i]);
		if (m && !m->dead)
			live[n++] = g->mem[i];
	}
	if (n == g->nmem || n == 0)
		return; /* nothing lost, or nothing left: routes go with the RIB */
	uint32_t old[FIB_MAX_ECMP];
	size_t nold = g->nmem;
	memcpy(old, g->mem, nold * 4);
	fib_obj_rekey(f, g, live, n);
	/* The group no longer references the dropped members. */
	for (size_t i = 0; i < nold; i++) {
		bool kept = false;
		for (size_t j = 0; j < n; j++)
			kept |= old[i] == live[j];
		if (!kept)
			fib_obj_unref(f, fib_obj_by_id(f, old[i]));
	}
	g->installed = false;
	fib_obj_queue(f, g);
	log_info("fib", "group %u: shrunk to %zu members", g->id, n);
}

void fib_obj_link_down(struct fib *f, uint32_t ifindex)
{
	struct collect c = { 0 };

	fib_map_each(&f->objs_by_id, collect_obj, &c);
	for (size_t i = 0; i < c.n; i++)
		if (!c.v[i]->group && c.v[i]->nh.ifindex == ifindex) {
			c.v[i]->dead = true;
			c.v[i]->installed = false;
		}
	for (size_t i = 0; i < c.n; i++)
		if (c.v[i]->group)
			fib_obj_shrink(f, c.v[i]);
	free(c.v);
}

void fib_obj_msg(struct fib *f, struct mnl_nlmsg_batch *b, struct fib_obj *o, bool del)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct nhmsg *nhm;

	nlh->nlmsg_type = del ? RTM_DELNEXTHOP : RTM_NEWNEXTHOP;
	nlh->nlmsg_flags = NLM_F_REQUEST | (del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	nlh->nlmsg_seq = ++f->seq;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	/* The kernel refuses a delete whose header carries anything but the id. */
	nhm->nh_family = (o->group || del) ? AF_UNSPEC : o->nh.family;
	nhm->nh_protocol = del ? 0 : FIB_RTPROT;
	mnl_attr_put_u32(nlh, NHA_ID, o->id);
	if (!del && o->group) {
		struct nexthop_grp grp[FIB_MAX_ECMP];
		memset(grp, 0, sizeof(grp));
		for (size_t i = 0; i < o->nmem; i++)
			grp[i].id = o->mem[i];
		mnl_attr_put(nlh, NHA_GROUP, o->nmem * sizeof(grp[0]), grp);
	} else if (!del) {
		mnl_attr_put_u32(nlh, NHA_OIF, o->nh.ifindex);
		mnl_attr_put(nlh, NHA_GATEWAY, o->nh.family == AF_INET ? 4 : 16, o->nh.addr);
	}
	mnl_nlmsg_batch_next(b);
}
