/* Loc-RIB storage (also the Adj-RIBs-In: unusable paths are kept after the
 * candidates) and per-prefix best path / multipath selection. A path change
 * re-sorts only that prefix's list (incremental, RFC 4271 9.1.2); the entry
 * is queued when what is exported or installed changes. */
#include <stdlib.h>
#include <string.h>

#include "rib/loc_int.h"

struct rib_loc *rib_loc_new(const struct rib_decide_cfg *cfg)
{
	struct rib_loc *loc = calloc(1, sizeof(*loc));

	if (!loc)
		return NULL;
	loc->cfg = *cfg;
	if (!loc->cfg.max_paths)
		loc->cfg.max_paths = 64;
	loc->qtail = &loc->q;
	loc->t[0] = rib_table_new_inline(AF_INET, sizeof(struct rib_entry));
	loc->t[1] = rib_table_new_inline(AF_INET6, sizeof(struct rib_entry));
	if (!loc->t[0] || !loc->t[1]) {
		rib_loc_free(loc);
		return NULL;
	}
	return loc;
}

/* A path lives in the entry's slot when it is free, else on the heap. */
static struct rib_path *path_alloc(struct rib_entry *e)
{
	if (!e->slot_used) {
		e->slot_used = true;
		memset(&e->slot, 0, sizeof(e->slot));
		return &e->slot;
	}
	return calloc(1, sizeof(struct rib_path));
}

static void path_free(struct rib_entry *e, struct rib_path *p)
{
	if (p == &e->slot)
		e->slot_used = false;
	else
		free(p);
}

static void entry_free(void *value, void *arg)
{
	struct rib_entry *e = value;

	rib_loc_out_drop_all(e);
	while (e->paths) {
		struct rib_path *p = e->paths;
		e->paths = p->next;
		rib_attrs_unref(p->attrs);
		path_free(e, p);
	}
}

void rib_loc_free(struct rib_loc *loc)
{
	if (!loc)
		return;
	for (int i = 0; i < 2; i++)
		if (loc->t[i])
			rib_table_free(loc->t[i], entry_free, NULL);
	free(loc);
}

void rib_loc_set_cfg(struct rib_loc *loc, const struct rib_decide_cfg *cfg)
{
	loc->cfg = *cfg;
	if (!loc->cfg.max_paths)
		loc->cfg.max_paths = 64;
}

static int path_cmp(const struct rib_loc *loc, const struct rib_path *a, const struct rib_path *b)
{
	return rib_path_cmp(&loc->cfg, a->src, rib_attrs_get(a->attrs), b->src,
			    rib_attrs_get(b->attrs), NULL);
}

/* Insert p: into the sorted candidates, or first among the unusable. */
static void entry_insert(const struct rib_loc *loc, struct rib_entry *e, struct rib_path *p,
			 bool usable)
{
	struct rib_path **pp = &e->paths;
	uint16_t i = 0;

	while (*pp && i < e->nusable && (!usable || path_cmp(loc, *pp, p) <= 0)) {
		pp = &(*pp)->next;
		i++;
	}
	p->next = *pp;
	*pp = p;
	e->npaths++;
	e->nusable += usable;
}

static uint16_t entry_multi(const struct rib_loc *loc, const struct rib_entry *e)
{
	const struct rib_path *best = e->paths, *p;
	uint16_t n = 0;

	if (!best)
		return 0;
	const struct bgp_attrs *ba = rib_attrs_get(best->attrs);
	if (!e->nusable)
		return 0;
	for (p = best; p && n < loc->cfg.max_paths && n < e->nusable; p = p->next, n++)
		if (p != best && !rib_path_multipath(&loc->cfg, best->src, ba, p->src,
						      rib_attrs_get(p->attrs)))
			break;
	return n;
}

/* What is exported and installed: the ECMP set's sources and attributes. */
struct snapshot {
	uint16_t n;
	const void *v[2 * 64];
};

static void snap(const struct rib_entry *e, struct snapshot *s)
{
	const struct rib_path *p = e->paths;

	s->n = 0;
	for (uint16_t i = 0; p && i < e->nmulti && i < 64; i++, p = p->next) {
		s->v[s->n++] = p->src;
		s->v[s->n++] = p->attrs;
	}
}

static void entry_queue(struct rib_loc *loc, struct rib_entry *e)
{
	if (e->queued)
		return;
	e->queued = true;
	e->qnext = NULL;
	*loc->qtail = e;
	loc->qtail = &e->qnext;
}

/* Unlink src's path; returns it (or NULL) and whether it was usable. */
static struct rib_path *entry_take(struct rib_entry *e, const struct rib_src *src, bool *usable)
{
	uint16_t i = 0;

	for (struct rib_path **pp = &e->paths; *pp; pp = &(*pp)->next, i++)
		if ((*pp)->src == src) {
			struct rib_path *p = *pp;
			*pp = p->next;
			*usable = i < e->nusable;
			e->npaths--;
			e->nusable -= *usable;
			return p;
		}
	return NULL;
}

const struct rib_path *rib_loc_path_of(const struct rib_entry *e, const struct rib_src *src,
				       unsigned *index)
{
	unsigned i = 0;

	for (const struct rib_path *p = e->paths; p; p = p->next, i++)
		if (p->src == src) {
			*index = i;
			return p;
		}
	return NULL;
}

static bool entry_changed(struct rib_loc *loc, struct rib_entry *e, const struct snapshot *before)
{
	struct snapshot after;
	bool had = before->n > 0;

	e->nmulti = entry_multi(loc, e);
	snap(e, &after);
	if (had != (after.n > 0)) {
		size_t *n = &loc->nroutes[e->family == AF_INET6];
		*n = had ? *n - 1 : *n + 1;
	}
	if (after.n == before->n && memcmp(after.v, before->v, after.n * sizeof(void *)) == 0)
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
		e->family = p->family;
		e->out1_id = RIB_OUT_NONE;
	}
	return e;
}

/* An entry goes once nothing refers to it: no path, not in the change
 * queue, in no export queue, nothing left in its Adj-RIB-Out. */
void rib_loc_release(struct rib_loc *loc, struct rib_entry *e)
{
	struct bgp_prefix p;

	if (e->npaths || e->queued || e->pins || e->out1_id != RIB_OUT_NONE)
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
	struct snapshot before = { 0 };
	struct rib_path *path;
	unsigned flags = 0;
	bool was_usable;

	if (!e)
		return 0;
	snap(e, &before);
	path = entry_take(e, src, &was_usable);
	if (path) {
		if (path->attrs == ra && was_usable == usable) { /* a duplicate */
			entry_insert(loc, e, path, usable);
			return RIB_LOC_SAME;
		}
		rib_attrs_unref(path->attrs);
	} else {
		path = path_alloc(e);
		if (!path) {
			rib_loc_release(loc, e);
			return 0;
		}
		path->src = src;
		loc->npaths++;
		flags |= RIB_LOC_NEW;
	}
	path->attrs = rib_attrs_ref(ra);
	entry_insert(loc, e, path, usable);
	return flags | (entry_changed(loc, e, &before) ? RIB_LOC_CHANGED : 0);
}

/* Take src's path out of e; e is left in the table even when empty. */
static unsigned entry_unset(struct rib_loc *loc, struct rib_entry *e, const struct rib_src *src)
{
	struct snapshot before;
	struct rib_path *path;
	bool was_usable;

	snap(e, &before);
	path = entry_take(e, src, &was_usable);
	if (!path)
		return 0;
	rib_attrs_unref(path->attrs);
	path_free(e, path);
	loc->npaths--;
	return RIB_LOC_GONE | (entry_changed(loc, e, &before) ? RIB_LOC_CHANGED : 0);
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

	rib_table_walk(loc->t[0], unset_src_one, &u);
	rib_table_walk(loc->t[1], unset_src_one, &u);
	return u.n;
}

const struct rib_entry *rib_loc_get(const struct rib_loc *loc, const struct bgp_prefix *p)
{
	return rib_table_get(loc_table(loc, p->family), p);
}

void rib_loc_set_fib(struct rib_loc *loc, const struct bgp_prefix *p, enum rib_fib_state st)
{
	struct rib_entry *e = rib_table_get(loc_table(loc, p->family), p);

	if (e)
		e->fib = (uint8_t)st;
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
	return loc->npaths;
}

bool rib_loc_pending(const struct rib_loc *loc)
{
	return loc->q != NULL;
}

size_t rib_loc_drain(struct rib_loc *loc, size_t max,
		     void (*cb)(struct rib_entry *e, void *arg), void *arg)
{
	size_t n = 0;

	while (loc->q && n < max) {
		struct rib_entry *e = loc->q;
		loc->q = e->qnext;
		if (!loc->q)
			loc->qtail = &loc->q;
		e->queued = false;
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
	size_t entries = rib_table_count(loc->t[0]) + rib_table_count(loc->t[1]);

	/* The entries are in the tries' route nodes, each with one path in
	 * its slot; the other paths and the Adj-RIB-Out pairs beyond the
	 * first are on the heap. */
	return sizeof(*loc) + rib_table_bytes(loc->t[0]) + rib_table_bytes(loc->t[1]) +
	       (loc->npaths > entries ? loc->npaths - entries : 0) * sizeof(struct rib_path) +
	       loc->nxout * sizeof(struct rib_out);
}
