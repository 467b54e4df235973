/* Loc-RIB storage (also the Adj-RIBs-In: unusable paths are kept after the
 * candidates) and per-prefix best path / multipath selection. A path change
 * re-sorts only that prefix's list (incremental, RFC 4271 9.1.2); the entry
 * is queued when what is exported or installed changes. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rib/loc_int.h"

/* The entry's size is what the memory benchmark pays per prefix. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct rib_entry) == 56,
	       "struct rib_entry grew: 56 bytes on 64-bit hosts");

struct rib_loc *rib_loc_new(const struct rib_decide_cfg *cfg)
{
	struct rib_loc *loc = calloc(1, sizeof(*loc));

	if (!loc)
		return NULL;
	loc->cfg = *cfg;
	if (!loc->cfg.max_paths)
		loc->cfg.max_paths = 64;
	slab_init(&loc->paths, sizeof(struct rib_path));
	loc->t[0] = rib_table_new_inline(AF_INET, sizeof(struct rib_entry));
	loc->t[1] = rib_table_new_inline(AF_INET6, sizeof(struct rib_entry));
	if (!loc->t[0] || !loc->t[1]) {
		rib_loc_free(loc);
		return NULL;
	}
	return loc;
}

static void entry_free(void *value, void *arg)
{
	struct rib_loc *loc = arg;
	struct rib_entry *e = value;

	rib_loc_out_drop_all(e);
	if (!e->npaths)
		return;
	rib_attrs_unref(e->head.attrs);
	for (struct rib_path *p = e->head.next, *next; p; p = next) {
		next = p->next;
		rib_attrs_unref(p->attrs);
		slab_free(&loc->paths, p);
	}
}

void rib_loc_free(struct rib_loc *loc)
{
	if (!loc)
		return;
	for (int i = 0; i < 2; i++)
		if (loc->t[i])
			rib_table_free(loc->t[i], entry_free, loc);
	slab_destroy(&loc->paths);
	free(loc->q.v);
	free(loc);
}

void rib_loc_set_cfg(struct rib_loc *loc, const struct rib_decide_cfg *cfg)
{
	struct rib_decide_cfg old = loc->cfg;

	loc->cfg = *cfg;
	if (!loc->cfg.max_paths)
		loc->cfg.max_paths = 64;
	/* Entries are re-sorted as they next change; until then an ECMP set
	 * is not known to be one under the new rules, so it is recomputed
	 * whole on every change from now on. */
	if (old.always_compare_med != loc->cfg.always_compare_med ||
	    old.multipath_relax != loc->cfg.multipath_relax ||
	    old.count_confed != loc->cfg.count_confed || old.max_paths != loc->cfg.max_paths)
		loc->cfg_changed = true;
}

static int path_cmp(const struct rib_loc *loc, const struct rib_path *a, const struct rib_path *b)
{
	return rib_path_cmp_key(&loc->cfg, a->src, rib_attrs_dkey(a->attrs), b->src,
				rib_attrs_dkey(b->attrs), NULL);
}

/* Insert src's path: into the sorted candidates, or first among the
 * unusable. A new best moves the old one out of `head` to a slab node.
 * Returns the path's position, -1 when out of memory. */
static int entry_insert(struct rib_loc *loc, struct rib_entry *e, const struct rib_src *src,
			struct rib_attrs *ra, bool usable)
{
	struct rib_path val = { NULL, src, ra }, *prev = NULL, *cur = e->npaths ? &e->head : NULL;
	uint16_t i = 0;

	while (cur && i < e->nusable && (!usable || path_cmp(loc, cur, &val) <= 0)) {
		prev = cur;
		cur = cur->next;
		i++;
	}
	if (prev || e->npaths) {
		struct rib_path *n = slab_alloc(&loc->paths);
		if (!n)
			return -1;
		if (prev) {
			val.next = cur;
			*n = val;
			prev->next = n;
		} else {
			*n = e->head;
			val.next = n;
			e->head = val;
		}
	} else {
		e->head = val;
	}
	e->npaths++;
	e->nusable += usable;
	return i;
}

/* n plus the paths from p on that are multipath-equal to lead, up to max
 * in all. */
static unsigned equal_run(const struct rib_loc *loc, const struct rib_path *lead,
			  const struct rib_path *p, unsigned n, unsigned max)
{
	const struct rib_dkey *lk = rib_attrs_dkey(lead->attrs);

	for (; p && n < max; p = p->next, n++)
		if (!rib_path_multipath_key(&loc->cfg, lead->src, lk, p->src, rib_attrs_dkey(p->attrs)))
			break;
	return n;
}

/* The ECMP set's size. The first `known` paths are known to be in it: the
 * best, and the ones before a change that left the best in place. */
static uint16_t entry_multi(const struct rib_loc *loc, const struct rib_entry *e, unsigned known)
{
	const struct rib_path *best = rib_entry_paths(e), *p = best;
	unsigned n, max = loc->cfg.max_paths < e->nusable ? loc->cfg.max_paths : e->nusable;

	if (!best || !max)
		return 0;
	if (loc->cfg_changed || known < 1)
		known = 1;
	if (known > max)
		known = max;
	for (n = 1; n < known; n++)
		p = p->next;
	return (uint16_t)equal_run(loc, best, p->next, n, max);
}

uint16_t rib_loc_nbackup(const struct rib_loc *loc, const struct rib_entry *e)
{
	const struct rib_path *lead = rib_entry_paths(e);

	if (e->nmulti >= e->nusable)
		return 0;
	for (uint16_t i = 0; i < e->nmulti; i++)
		lead = lead->next;
	return (uint16_t)equal_run(loc, lead, lead->next, 1, e->nusable - e->nmulti);
}

bool rib_entry_queue_push(struct rib_entry_queue *q, struct rib_entry *e)
{
	if (q->head + q->n == q->cap) {
		if (q->head) {
			memmove(q->v, q->v + q->head, q->n * sizeof(*q->v));
			q->head = 0;
		}
		if (q->n == q->cap) {
			size_t cap = q->cap ? 2 * q->cap : 1024;
			struct rib_entry **v = realloc(q->v, cap * sizeof(*v));
			if (!v)
				return false;
			q->v = v;
			q->cap = cap;
		}
	}
	q->v[q->head + q->n++] = e;
	return true;
}

static void entry_queue(struct rib_loc *loc, struct rib_entry *e)
{
	/* Out of memory: the change is not exported. */
	if (!(e->state & RIB_E_QUEUED) && rib_entry_queue_push(&loc->q, e))
		e->state |= RIB_E_QUEUED;
}

/* Take src's path out of the list: its source and attributes (the caller
 * owns that reference now) in *val, whether it was a candidate and its
 * position. */
static bool entry_take(struct rib_loc *loc, struct rib_entry *e, const struct rib_src *src,
		       struct rib_path *val, bool *usable, unsigned *index)
{
	struct rib_path *prev = NULL, *cur = e->npaths ? &e->head : NULL;
	uint16_t i = 0;

	while (cur && cur->src != src) {
		prev = cur;
		cur = cur->next;
		i++;
	}
	if (!cur)
		return false;
	*val = *cur;
	val->next = NULL;
	*usable = i < e->nusable;
	*index = i;
	if (prev) {
		prev->next = cur->next;
		slab_free(&loc->paths, cur);
	} else if (e->head.next) { /* the second becomes the head */
		struct rib_path *n = e->head.next;
		e->head = *n;
		slab_free(&loc->paths, n);
	} else {
		memset(&e->head, 0, sizeof(e->head));
	}
	e->npaths--;
	e->nusable -= *usable;
	return true;
}

const struct rib_path *rib_loc_path_of(const struct rib_entry *e, const struct rib_src *src,
				       unsigned *index)
{
	unsigned i = 0;

	for (const struct rib_path *p = rib_entry_paths(e); p; p = p->next, i++)
		if (p->src == src) {
			*index = i;
			return p;
		}
	return NULL;
}

/* After one path was taken out or put in at position `first` (the lower
 * of the two when replaced): what is exported and installed, the ECMP set
 * (the first nmulti paths), changed unless its size is the same and the
 * change lay behind it. A change to another candidate (`candidate`: the
 * path was or is usable) counts too: the candidates after the ECMP set
 * are the backup set the FIB keeps ready. Queues the entry if it
 * changed. */
static bool entry_changed(struct rib_loc *loc, struct rib_entry *e, uint16_t before,
			  unsigned first, bool candidate)
{
	e->nmulti = entry_multi(loc, e, first < before ? first : before);
	if ((before > 0) != (e->nmulti > 0)) {
		size_t *n = &loc->nroutes[(e->state & RIB_E_V6) != 0];
		*n = before ? *n - 1 : *n + 1;
	}
	if (e->nmulti == before && first >= before && !candidate)
		return false;
	entry_queue(loc, e);
	return true;
}

/* The entry of p, made (in its trie node) if there is none. */
static struct rib_entry *entry_get(struct rib_loc *loc, const struct bgp_prefix *p)
{
	bool added;
	struct rib_entry *e = rib_table_get_or_add(loc_table(loc, p->family), p, &added);

	if (e && added) {
		e->state = p->family == AF_INET6 ? RIB_E_V6 : 0;
		e->out1_id = RIB_OUT_NONE;
	}
	return e;
}

/* An entry goes once nothing refers to it: no path, not in the change
 * queue, in no export queue, nothing left in its Adj-RIB-Out. */
void rib_loc_release(struct rib_loc *loc, struct rib_entry *e)
{
	struct bgp_prefix p;

	if (e->npaths || (e->state & RIB_E_QUEUED) || e->pins || e->out1_id != RIB_OUT_NONE)
		return;
	rib_entry_prefix(e, &p);
	rib_table_remove(loc_table(loc, p.family), &p); /* e is gone with it */
}

void rib_loc_pin(struct rib_entry *e)
{
	e->pins++;
}

void rib_loc_unpin(struct rib_loc *loc, struct rib_entry *e)
{
	if (e->pins && --e->pins == 0)
		rib_loc_release(loc, e);
}

unsigned rib_loc_set(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src,
		     struct rib_attrs *ra, bool usable)
{
	struct rib_entry *e = entry_get(loc, p);
	unsigned flags;

	if (!e)
		return 0;
	flags = rib_loc_set_entry(loc, e, src, ra, usable);
	if (!(flags & (RIB_LOC_NEW | RIB_LOC_REPLACED | RIB_LOC_SAME)))
		rib_loc_release(loc, e); /* out of memory: maybe nothing left */
	return flags;
}

/* What a path taken out was: filtered, stale (RIB_LOC_OLD_*). */
static unsigned old_flags(const struct rib_attrs *ra)
{
	uint8_t f = rib_attrs_flags(ra);

	return ((f & RIB_ATTRS_FILTERED) ? RIB_LOC_OLD_FILTERED : 0) |
	       ((f & RIB_ATTRS_STALE) ? RIB_LOC_OLD_STALE : 0);
}

unsigned rib_loc_set_entry(struct rib_loc *loc, struct rib_entry *e, const struct rib_src *src,
			   struct rib_attrs *ra, bool usable)
{
	const struct rib_path *old;
	struct rib_path taken;
	uint16_t before = e->nmulti;
	unsigned idx, first = UINT_MAX, flags = RIB_LOC_NEW;
	bool was_usable = false;
	int at;

	old = rib_loc_path_of(e, src, &idx);
	if (old && old->attrs == ra && (idx < e->nusable) == usable)
		return RIB_LOC_SAME; /* a duplicate */
	if (old && entry_take(loc, e, src, &taken, &was_usable, &first)) {
		flags = old_flags(taken.attrs) | RIB_LOC_GONE; /* until it is back in */
		rib_attrs_unref(taken.attrs);
		loc->npaths[rib_entry_family(e) == AF_INET6]--;
	}
	if ((at = entry_insert(loc, e, src, ra, usable)) < 0) {
		return (flags & (RIB_LOC_GONE | RIB_LOC_OLD_FILTERED | RIB_LOC_OLD_STALE)) |
		       (entry_changed(loc, e, before, first, was_usable) ? RIB_LOC_CHANGED : 0);
		/* out of memory: src's path is gone */
	}
	if ((unsigned)at < first)
		first = (unsigned)at;
	rib_attrs_ref(ra);
	loc->npaths[rib_entry_family(e) == AF_INET6]++;
	if (flags & RIB_LOC_GONE) /* replaced: neither new nor gone */
		flags = (flags & (RIB_LOC_OLD_FILTERED | RIB_LOC_OLD_STALE)) | RIB_LOC_REPLACED;
	return flags |
	       (entry_changed(loc, e, before, first, was_usable || usable) ? RIB_LOC_CHANGED : 0);
}

/* Take src's path out of e; e is left in the table even when empty. */
static unsigned entry_unset(struct rib_loc *loc, struct rib_entry *e, const struct rib_src *src)
{
	struct rib_path taken;
	uint16_t before = e->nmulti;
	unsigned at, flags = RIB_LOC_GONE;
	bool was_usable;

	if (!entry_take(loc, e, src, &taken, &was_usable, &at))
		return 0;
	flags |= old_flags(taken.attrs);
	rib_attrs_unref(taken.attrs);
	loc->npaths[rib_entry_family(e) == AF_INET6]--;
	return flags | (entry_changed(loc, e, before, at, was_usable) ? RIB_LOC_CHANGED : 0);
}

unsigned rib_loc_unset(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src)
{
	struct rib_entry *e = rib_table_get(loc_table(loc, p->family), p);
	unsigned flags = e ? entry_unset(loc, e, src) : 0;

	if (e)
		rib_loc_release(loc, e);
	return flags;
}

bool rib_loc_update(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src,
		    struct rib_attrs *ra)
{
	return rib_loc_set(loc, p, src, ra, true) & RIB_LOC_CHANGED;
}

bool rib_loc_withdraw(struct rib_loc *loc, const struct bgp_prefix *p, const struct rib_src *src)
{
	return rib_loc_unset(loc, p, src) & RIB_LOC_CHANGED;
}

struct unset_src {
	struct rib_loc *loc;
	const struct rib_src *src;
	size_t n;
};

static int unset_src_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct unset_src *u = arg;
	struct rib_entry *e = value;

	if (entry_unset(u->loc, e, u->src)) {
		u->n++;
		/* Not removed during the walk: the drain frees it. */
		if (e->npaths == 0)
			entry_queue(u->loc, e);
	}
	return 0;
}

size_t rib_loc_unset_src(struct rib_loc *loc, const struct rib_src *src)
{
	struct unset_src u = { loc, src, 0 };

	loc_walk_tables(loc, unset_src_one, &u);
	return u.n;
}

/* ---- graceful restart: stale paths ---------------------------------------- */

struct restamp_ctx {
	struct rib_loc *loc;
	const struct rib_src *src;
	struct rib_attrs *(*fn)(struct rib_attrs *ra, void *arg);
	void *arg;
	uint8_t flags; /* unset_src_flagged */
	size_t n;
};

static bool dkey_equal(const struct rib_dkey *a, const struct rib_dkey *b)
{
	return a->local_pref == b->local_pref && a->med == b->med && a->first_as == b->first_as &&
	       a->path_len == b->path_len && a->confed_len == b->confed_len &&
	       a->origin == b->origin;
}

static int restamp_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct restamp_ctx *c = arg;
	struct rib_entry *e = value;
	unsigned idx;
	/* The walk's entries are ours: a path is found, then changed. */
	struct rib_path *path = (struct rib_path *)rib_loc_path_of(e, c->src, &idx);
	struct rib_attrs *ra;

	if (!path || !(ra = c->fn(path->attrs, c->arg)))
		return 0;
	if (ra == path->attrs) {
		rib_attrs_unref(ra);
		return 0;
	}
	c->n++;
	/* The same rank against every other path (the decision key and the
	 * source decide, RFC 4271 9.1.2.2): swapped where it stands. */
	if (dkey_equal(rib_attrs_dkey(path->attrs), rib_attrs_dkey(ra))) {
		rib_attrs_unref(path->attrs);
		path->attrs = ra;
		return 0;
	}
	rib_loc_set_entry(c->loc, e, c->src, ra, idx < e->nusable);
	rib_attrs_unref(ra);
	return 0;
}

size_t rib_loc_restamp_src(struct rib_loc *loc, const struct rib_src *src, uint8_t family,
			   struct rib_attrs *(*restamp)(struct rib_attrs *ra, void *arg), void *arg)
{
	struct restamp_ctx c = { .loc = loc, .src = src, .fn = restamp, .arg = arg };

	if (family != AF_INET6)
		rib_table_walk(loc->t[0], restamp_one, &c);
	if (family != AF_INET)
		rib_table_walk(loc->t[1], restamp_one, &c);
	return c.n;
}

static int unset_flagged_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct restamp_ctx *c = arg;
	struct rib_entry *e = value;
	unsigned idx;
	const struct rib_path *path = rib_loc_path_of(e, c->src, &idx);

	if (!path || (c->flags && !(rib_attrs_flags(path->attrs) & c->flags)))
		return 0;
	if (entry_unset(c->loc, e, c->src)) {
		c->n++;
		if (e->npaths == 0) /* not removed during the walk: the drain frees it */
			entry_queue(c->loc, e);
	}
	return 0;
}

size_t rib_loc_unset_src_flagged(struct rib_loc *loc, const struct rib_src *src, uint8_t family,
				 uint8_t flags)
{
	struct restamp_ctx c = { .loc = loc, .src = src, .flags = flags };

	if (family != AF_INET6)
		rib_table_walk(loc->t[0], unset_flagged_one, &c);
	if (family != AF_INET)
		rib_table_walk(loc->t[1], unset_flagged_one, &c);
	return c.n;
}

const struct rib_entry *rib_loc_get(const struct rib_loc *loc, const struct bgp_prefix *p)
{
	return rib_table_get(loc_table(loc, p->family), p);
}

struct rib_entry *rib_loc_set_fib(struct rib_loc *loc, const struct bgp_prefix *p,
				  enum rib_fib_state st, enum rib_fib_state *old)
{
	struct rib_entry *e = rib_table_get(loc_table(loc, p->family), p);

	if (e) {
		*old = (enum rib_fib_state)e->fib;
		e->fib = (uint8_t)st;
	}
	return e;
}

const char *rib_fib_state_str(enum rib_fib_state st)
{
	static const char *const names[] = { "", "pending", "installed", "failed" };

	return (unsigned)st < 4 ? names[st] : "";
}

size_t rib_loc_count(const struct rib_loc *loc, uint8_t family)
{
	if (family)
		return loc->nroutes[family == AF_INET6];
	return loc->nroutes[0] + loc->nroutes[1];
}

size_t rib_loc_paths(const struct rib_loc *loc)
{
	return loc->npaths[0] + loc->npaths[1];
}

size_t rib_loc_paths_family(const struct rib_loc *loc, uint8_t family)
{
	return loc->npaths[family == AF_INET6];
}

bool rib_loc_pending(const struct rib_loc *loc)
{
	return loc->q.n != 0;
}

size_t rib_loc_drain(struct rib_loc *loc, size_t max,
		     void (*cb)(struct rib_entry *e, void *arg), void *arg)
{
	size_t n = 0;

	while (loc->q.n && n < max) {
		struct rib_entry *e = rib_entry_queue_pop(&loc->q);
		e->state &= (uint8_t)~RIB_E_QUEUED;
		cb(e, arg);
		n++;
		rib_loc_release(loc, e);
	}
	return n;
}

struct walk_ctx {
	int (*cb)(const struct rib_entry *e, void *arg);
	void *arg;
};

static int walk_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct walk_ctx *w = arg;
	const struct rib_entry *e = value;

	return e->npaths ? w->cb(e, w->arg) : 0;
}

int rib_loc_walk(const struct rib_loc *loc, uint8_t family,
		 int (*cb)(const struct rib_entry *e, void *arg), void *arg)
{
	struct walk_ctx w = { cb, arg };
	int rc = 0;

	if (family != AF_INET6)
		rc = rib_table_walk(loc->t[0], walk_one, &w);
	if (!rc && family != AF_INET)
		rc = rib_table_walk(loc->t[1], walk_one, &w);
	return rc;
}

/* The walk order of rib_table_walk: by address, then shorter first. */
static int walk_order_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	int r = memcmp(a->addr, b->addr, sizeof(a->addr));

	return r ? r : (int)a->len - (int)b->len;
}

struct walk_from_ctx {
	const struct bgp_prefix *from;
	struct walk_ctx w;
};

static int walk_from_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct walk_from_ctx *wf = arg;

	if (wf->from && walk_order_cmp(p, wf->from) < 0)
		return 0;
	wf->from = NULL; /* the rest is after it */
	return walk_one(p, value, &wf->w);
}

/* The trie has no seek yet: the prefixes before from are passed over (a
 * cheap comparison each); a trie-level seek would make this O(log n). */
int rib_loc_walk_from(const struct rib_loc *loc, uint8_t family, const struct bgp_prefix *from,
		      int (*cb)(const struct rib_entry *e, void *arg), void *arg)
{
	struct walk_from_ctx wf = { from, { cb, arg } };

	if (family != AF_INET && family != AF_INET6)
		return 0;
	return rib_table_walk(loc_table(loc, family), walk_from_one, &wf);
}

size_t rib_loc_bytes(const struct rib_loc *loc)
{
	/* The entries are in the tries' route nodes, each with one path in
	 * its slot; the other paths are in the path slab (with its free
	 * list), the Adj-RIB-Out pairs beyond the first on the heap. */
	return sizeof(*loc) + rib_table_bytes(loc->t[0]) + rib_table_bytes(loc->t[1]) +
	       loc->paths.bytes + loc->nxout * sizeof(struct rib_out);
}
