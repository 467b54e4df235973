/* The Adj-RIB-Out, kept in the Loc-RIB entries: per prefix, what each
 * update group was sent, as (out id, interned outbound attributes) pairs.
 * The first pair is inline in the entry (most prefixes go to one or two
 * groups); more live in a small array sized to fit. One table lookup per
 * changed prefix serves the decision, every group's duplicate suppression
 * and the encoding. */
#include <stdlib.h>
#include <string.h>

#include "rib/loc_int.h"

/* Where group id's attributes are kept in e, and which pair that is
 * (*i: 0 = the inline one, k > 0 = xout[k - 1]); NULL if it has none. */
static struct rib_attrs **out_find(struct rib_entry *e, uint16_t id, unsigned *i)
{
	*i = 0;
	if (e->out1_id == id)
		return &e->out1;
	for (uint16_t k = 0; k < e->nxout; k++)
		if (e->xout[k].id == id) {
			*i = k + 1u;
			return &e->xout[k].attrs;
		}
	return NULL;
}

struct rib_attrs *rib_loc_out_get(const struct rib_entry *e, uint16_t id)
{
	unsigned i;
	/* Read only: out_find hands out the slot for rib_loc_out_set too. */
	struct rib_attrs **slot = out_find((struct rib_entry *)e, id, &i);

	return slot ? *slot : NULL;
}

/* Remove pair i (0 = the inline one, k > 0 = xout[k - 1]); the last heap
 * pair moves into its place, so the inline slot is used whenever any is. */
static void out_remove(struct rib_loc *loc, struct rib_entry *e, unsigned i)
{
	struct rib_out last = { NULL, RIB_OUT_NONE };

	if (e->nxout) {
		last = e->xout[--e->nxout];
		loc->nxout--;
		if (!e->nxout) {
			free(e->xout);
			e->xout = NULL;
		}
	}
	loc->nout--;
	if (i == 0) {
		e->out1 = last.attrs;
		e->out1_id = last.id;
	} else if (i - 1 < e->nxout) {
		e->xout[i - 1] = last;
	}
}

static int out_add(struct rib_loc *loc, struct rib_entry *e, uint16_t id, struct rib_attrs *ra)
{
	if (e->out1_id == RIB_OUT_NONE) {
		e->out1_id = id;
		e->out1 = rib_attrs_ref(ra);
	} else {
		struct rib_out *v = NULL;
		if (e->nxout < UINT16_MAX)
			v = realloc(e->xout, (e->nxout + 1u) * sizeof(*v));
		if (!v)
			return -1;
		e->xout = v;
		v[e->nxout].id = id;
		v[e->nxout++].attrs = rib_attrs_ref(ra);
		loc->nxout++;
	}
	loc->nout++;
	return RIB_OUT_ADDED;
}

int rib_loc_out_set(struct rib_loc *loc, struct rib_entry *e, uint16_t id, struct rib_attrs *ra)
{
	unsigned i;
	struct rib_attrs **slot = out_find(e, id, &i);

	if (!slot)
		return ra ? out_add(loc, e, id, ra) : RIB_OUT_SAME;
	if (*slot == ra) /* interned: equal pointers are equal attributes */
		return RIB_OUT_SAME;
	rib_attrs_unref(*slot);
	if (ra) {
		*slot = rib_attrs_ref(ra);
		return RIB_OUT_REPLACED;
	}
	out_remove(loc, e, i);
	return RIB_OUT_REMOVED;
}

void rib_loc_out_drop_all(struct rib_entry *e)
{
	if (e->out1_id != RIB_OUT_NONE)
		rib_attrs_unref(e->out1);
	for (uint16_t i = 0; i < e->nxout; i++)
		rib_attrs_unref(e->xout[i].attrs);
	free(e->xout);
	e->xout = NULL;
	e->nxout = 0;
	e->out1 = NULL;
	e->out1_id = RIB_OUT_NONE;
}

struct out_clear {
	struct rib_loc *loc;
	uint16_t id;
};

static int out_clear_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct out_clear *c = arg;

	/* An entry left with nothing stays until its next change or the
	 * end (the walk must not remove); only a withdrawn entry whose
	 * queued change is still pending can be in that state. */
	rib_loc_out_set(c->loc, value, c->id, NULL);
	return 0;
}

void rib_loc_out_clear(struct rib_loc *loc, uint16_t id)
{
	struct out_clear c = { loc, id };

	loc_walk_tables(loc, out_clear_one, &c);
}

struct out_walk {
	uint16_t id;
	int (*cb)(struct rib_entry *e, void *arg);
	void *arg;
};

static int out_walk_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct out_walk *w = arg;

	return rib_loc_out_get(value, w->id) ? w->cb(value, w->arg) : 0;
}

int rib_loc_out_walk(const struct rib_loc *loc, uint16_t id,
		     int (*cb)(struct rib_entry *e, void *arg), void *arg)
{
	struct out_walk w = { id, cb, arg };

	return loc_walk_tables(loc, out_walk_one, &w);
}

size_t rib_loc_out_bytes(const struct rib_loc *loc)
{
	return (loc->nout - loc->nxout) * sizeof(struct rib_attrs *) +
	       loc->nxout * sizeof(struct rib_out);
}
