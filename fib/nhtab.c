/* Kernel nexthop objects and groups (RTM_NEWNEXTHOP, Linux 5.3+): one
 * object per gateway+interface, one blackhole per family, one group per
 * ECMP set (with its precomputed backup set, if any), shared by every route
 * with that set and reference-counted by the routes using them; link loss
 * shrinks groups and fails them over to their backups. */
#include <arpa/inet.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/log.h"
#include "fib/fib_int.h"

/* Keys of objs_by_key: 'S' family gateway ifindex (a gateway), 'H' family
 * (a blackhole), 'G' members (a group without backups: the key it always
 * had), 'P' nmem members backups (a group with backups). */
size_t fib_obj_key(const struct fib_obj *o, uint8_t *key)
{
	if (o->blackhole) {
		key[0] = 'H';
		key[1] = o->nh.family;
		return 2;
	}
	if (!o->group) {
		key[0] = 'S';
		key[1] = o->nh.family;
		memcpy(key + 2, o->nh.addr, 16);
		memcpy(key + 18, &o->nh.ifindex, 4);
		return 22;
	}
	if (o->nbk == 0) {
		key[0] = 'G';
		memcpy(key + 1, o->mem, o->nmem * 4);
		return 1 + o->nmem * 4;
	}
	key[0] = 'P';
	key[1] = (uint8_t)o->nmem;
	memcpy(key + 2, o->mem, o->nmem * 4);
	memcpy(key + 2 + o->nmem * 4, o->bk, o->nbk * 4);
	return 2 + (o->nmem + o->nbk) * 4;
}

struct fib_obj *fib_obj_by_id(const struct fib *f, uint32_t id)
{
	return fib_map_get(&f->objs_by_id, &id, sizeof(id));
}

static struct fib_obj *fib_obj_insert(struct fib *f, struct fib_obj *o)
{
	uint8_t key[FIB_KEY_MAX];
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

/* A new object like probe under a fresh id, in the tables and queued for
 * the kernel; NULL when out of memory. */
static struct fib_obj *fib_obj_new(struct fib *f, const struct fib_obj *probe)
{
	struct fib_obj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	*o = *probe;
	o->id = f->next_id++;
	if (!fib_obj_insert(f, o))
		return NULL;
	fib_obj_queue(f, o);
	return o;
}

struct fib_obj *fib_obj_single(struct fib *f, const struct fib_nh *nh)
{
	struct fib_obj probe = { .nh = *nh };
	uint8_t key[FIB_KEY_MAX];
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
	return fib_obj_new(f, &probe);
}

struct fib_obj *fib_obj_blackhole(struct fib *f, uint8_t family)
{
	struct fib_obj probe = { .blackhole = true, .nh.family = family };
	uint8_t key[FIB_KEY_MAX];
	struct fib_obj *o = fib_map_get(&f->objs_by_key, key, fib_obj_key(&probe, key));

	return o ? o : fib_obj_new(f, &probe);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort ids and drop duplicates; the new count. */
static uint32_t ids_sort(uint32_t *v, size_t n)
{
	uint32_t k = 0;

	qsort(v, n, sizeof(uint32_t), u32_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			v[k++] = v[i];
	return k;
}

static bool ids_has(const uint32_t *v, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

/* Give group g the members mem and backups bk (sorted, disjoint) and the
 * key that goes with them (unless another object holds that key). The new
 * ids are referenced before the old ones are released, so an id in both
 * never reaches zero. */
static void fib_obj_set_members(struct fib *f, struct fib_obj *g, const uint32_t *mem, size_t n,
				const uint32_t *bk, size_t nb)
{
	uint8_t key[FIB_KEY_MAX];
	size_t klen = fib_obj_key(g, key);
	uint32_t old[2 * FIB_MAX_ECMP];
	size_t nold = 0;

	if (fib_map_get(&f->objs_by_key, key, klen) == g)
		fib_map_del(&f->objs_by_key, key, klen);
	memcpy(old, g->mem, g->nmem * 4);
	memcpy(old + g->nmem, g->bk, g->nbk * 4);
	nold = g->nmem + g->nbk;
	for (size_t i = 0; i < n; i++)
		fib_obj_ref(fib_obj_by_id(f, mem[i]));
	for (size_t i = 0; i < nb; i++)
		fib_obj_ref(fib_obj_by_id(f, bk[i]));
	if (n)
		memmove(g->mem, mem, n * 4);
	g->nmem = (uint32_t)n;
	if (nb)
		memmove(g->bk, bk, nb * 4);
	g->nbk = (uint32_t)nb;
	for (size_t i = 0; i < nold; i++)
		fib_obj_unref(f, fib_obj_by_id(f, old[i]));
	klen = fib_obj_key(g, key);
	if (!fib_map_get(&f->objs_by_key, key, klen))
		fib_map_put(&f->objs_by_key, key, klen, g);
}

struct fib_obj *fib_obj_for_set(struct fib *f, struct fib_obj **mem, size_t n,
				struct fib_obj **bk, size_t nb)
{
	struct fib_obj probe = { .group = true };
	uint8_t key[FIB_KEY_MAX];
	struct fib_obj *o;

	if (n == 0) { /* no primary is usable: the backups are the set */
		mem = bk;
		n = nb;
		nb = 0;
	}
	if (n == 0)
		return NULL;
	if (n > FIB_MAX_ECMP)
		n = FIB_MAX_ECMP;
	for (size_t i = 0; i < n; i++)
		probe.mem[i] = mem[i]->id;
	probe.nmem = ids_sort(probe.mem, n);
	for (size_t i = 0; i < nb && probe.nbk < FIB_MAX_ECMP; i++)
		if (!ids_has(probe.mem, probe.nmem, bk[i]->id))
			probe.bk[probe.nbk++] = bk[i]->id;
	probe.nbk = ids_sort(probe.bk, probe.nbk);
	/* A group (possibly shrunk or failed over by a link failure) with
	 * exactly these sets is preferred, so routes keep pointing at it. */
	o = fib_map_get(&f->objs_by_key, key, fib_obj_key(&probe, key));
	if (o) {
		if (!o->installed && f->nhobj) /* the kernel dropped it with its last member */
			fib_obj_queue(f, o);
		return o;
	}
	if (probe.nbk == 0 && probe.nmem == 1)
		return fib_obj_by_id(f, probe.mem[0]);
	if (probe.nbk) {
		/* After a restart the kernel has the primaries' group; the
		 * backups were only ours: claim it and add them back. */
		struct fib_obj plain = probe;
		plain.nbk = 0;
		o = fib_map_get(&f->objs_by_key, key, fib_obj_key(&plain, key));
		if (o && o->stale && o->group) {
			fib_obj_set_members(f, o, probe.mem, probe.nmem, probe.bk, probe.nbk);
			return o;
		}
	}
	if (!(o = fib_obj_new(f, &probe)))
		return NULL;
	for (size_t i = 0; i < o->nmem; i++)
		fib_obj_ref(fib_obj_by_id(f, o->mem[i]));
	for (size_t i = 0; i < o->nbk; i++)
		fib_obj_ref(fib_obj_by_id(f, o->bk[i]));
	return o;
}

struct fib_obj *fib_obj_adopt(struct fib *f, uint32_t id, const struct fib_nh *nh, bool blackhole,
			      const uint32_t *mem, size_t nmem)
{
	struct fib_obj *o = fib_obj_by_id(f, id);

	if (o) /* the dump repeated an id: the first one stays (no leak of it) */
		return o;
	if (!(o = calloc(1, sizeof(*o))))
		return NULL;
	o->id = id;
	o->installed = o->stale = true;
	if (nh) {
		o->nh = *nh;
		o->blackhole = blackhole;
	} else {
		/* Backups are not in the kernel: an adopted group has none
		 * until fib_obj_for_set claims it with them. */
		o->group = true;
		o->nmem = nmem > FIB_MAX_ECMP ? FIB_MAX_ECMP : (uint32_t)nmem;
		memcpy(o->mem, mem, o->nmem * 4);
		o->nmem = ids_sort(o->mem, o->nmem);
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

void fib_obj_destroy(struct fib *f, struct fib_obj *o)
{
	uint8_t key[FIB_KEY_MAX];
	size_t klen = fib_obj_key(o, key);

	if (fib_map_get(&f->objs_by_key, key, klen) == o)
		fib_map_del(&f->objs_by_key, key, klen);
	fib_map_del(&f->objs_by_id, &o->id, sizeof(o->id));
	if (o->group) {
		f->st.groups--;
		for (size_t i = 0; i < o->nmem; i++)
			fib_obj_unref(f, fib_obj_by_id(f, o->mem[i]));
		for (size_t i = 0; i < o->nbk; i++)
			fib_obj_unref(f, fib_obj_by_id(f, o->bk[i]));
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

/* The ids of v[0..n) whose objects are alive, into live; their count. */
static size_t ids_live(const struct fib *f, const uint32_t *v, size_t n, uint32_t *live)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct fib_obj *m = fib_obj_by_id(f, v[i]);
		if (m && !m->dead)
			live[k++] = v[i];
	}
	return k;
}

/* Group g after members died. Linux flushes every nexthop object of a
 * link that loses carrier or goes down (net/ipv4/nexthop.c,
 * nexthop_flush_dev), takes it out of its groups, and removes a group
 * whose last member goes together with every route using it — before we
 * hear of the link. So: some members left, the kernel group shrank and
 * our replace says the same; no member left, the group and its routes are
 * gone (g->lost) and a failover re-creates the group, under its id, with
 * the live backups (g->succ == g), or moves its routes to the group that
 * already is that set (g->succ). True when routes were lost. */
static bool fib_obj_group_down(struct fib *f, struct fib_obj *g)
{
	uint32_t live[FIB_MAX_ECMP], livebk[FIB_MAX_ECMP];
	size_t n = ids_live(f, g->mem, g->nmem, live);
	size_t nb = ids_live(f, g->bk, g->nbk, livebk);

	if (n == g->nmem && nb == g->nbk)
		return false; /* nothing of it died */
	if (g->refs == 0)
		return false; /* unused: the next flush deletes it */
	if (n > 0) {
		bool shrunk = n != g->nmem;
		fib_obj_set_members(f, g, live, n, livebk, nb);
		if (shrunk) { /* a lost backup alone changes nothing in the kernel */
			g->installed = false;
			fib_obj_queue(f, g);
			log_info("fib", "group %u: shrunk to %zu members", g->id, n);
		}
		return false;
	}
	if (!f->nhobj)
		return false; /* RTA_MULTIPATH: the kernel keeps the routes; the RIB moves them */
	if (!g->installed && !g->queued)
		return false; /* not in the kernel (lost before): nothing more to lose */
	g->installed = false;
	g->lost = true;
	if (nb == 0)
		return true; /* nothing to fail over to: the routes go with the RIB */
	struct fib_obj probe = { .group = true, .nmem = (uint32_t)nb };
	uint8_t key[FIB_KEY_MAX];
	memcpy(probe.mem, livebk, nb * 4);
	/* One backup: its nexthop itself, which is what the RIB's later
	 * fib_route_set(p, {backup}) points at and what a standby route
	 * uses. */
	struct fib_obj *holder = nb == 1 ? fib_obj_by_id(f, livebk[0])
					 : fib_map_get(&f->objs_by_key, key, fib_obj_key(&probe, key));
	f->st.failovers++;
	log_info("fib", "group %u: primaries lost, %zu backups take over", g->id, nb);
	if (holder && holder != g) {
		g->succ = holder;
		return true;
	}
	/* Re-keyed as the plain group of its backups: the RIB's next
	 * fib_route_set(p, backups) finds it (one member too). */
	fib_obj_set_members(f, g, livebk, nb, NULL, 0);
	g->succ = g;
	fib_obj_queue(f, g);
	return true;
}

void fib_obj_link_down(struct fib *f, uint32_t ifindex)
{
	struct collect c = { 0 };
	bool lost = false;

	fib_map_each(&f->objs_by_id, collect_obj, &c);
	for (size_t i = 0; i < c.n; i++) {
		struct fib_obj *o = c.v[i];
		if (o->group || o->blackhole || o->nh.ifindex != ifindex || o->dead)
			continue;
		o->dead = true;
		o->installed = false; /* flushed by the kernel */
		/* Routes straight on it went with it. */
		o->lost = f->nhobj;
		lost |= o->lost;
	}
	for (size_t i = 0; i < c.n; i++)
		if (c.v[i]->group)
			lost |= fib_obj_group_down(f, c.v[i]);
	if (lost)
		fib_routes_lost(f);
	/* Objects are only queued above, freed by the next flush. */
	for (size_t i = 0; i < c.n; i++) {
		c.v[i]->lost = false;
		c.v[i]->succ = NULL;
	}
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
	if (!del && o->blackhole) {
		mnl_attr_put(nlh, NHA_BLACKHOLE, 0, NULL);
	} else if (!del && o->group) {
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
