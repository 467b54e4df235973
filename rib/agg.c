/* Aggregates with a minimum number of contributors (RFC 4271 9.2.2.2,
 * without AS_SET): per configured aggregate, how many more-specifics with a
 * usable best path of the right route type the Loc-RIB holds, kept up to
 * date from the drained changes alone.
 *
 * The aggregates of a family sit in an array in walk order (by address,
 * shorter first), each knowing its parent: the longest aggregate strictly
 * covering it. Prefixes nest or are disjoint, so the aggregates covering a
 * prefix are found with one binary search and a climb along parents.
 * Because the old best path is gone when a change is drained, what each
 * prefix was counted in is kept: a per-family table of 64-bit masks, bit k
 * for the aggregate at depth k of the prefix's covering chain (shortest
 * first). A change only counts the difference between the old and the new
 * mask, so a repeated or meaningless change costs one lookup.
 *
 * Most changes fall in the chain the change before found (one UPDATE's
 * prefixes): its per-change fields sit at the head of struct rib_agg,
 * where the inline part of rib_agg_entry (agg.h) counts an IPv4 change
 * there without a call; everything else comes to rib_agg_entry_chain. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rib/agg.h"
#include "rib/rib_int.h"

/* Nesting levels: one mask bit each. IPv4 can never exceed 32. */
#define AGG_MAX_DEPTH 64

/* One configured aggregate, in configuration order. */
struct agg {
	struct rib_agg_def def; /* prefix masked to its length */
	uint32_t count;		/* contributors now */
	bool active;
	bool reported;		/* the state last handed to rib_agg_report's callback */
	struct rib_attrs *attrs; /* the caller's, kept (rib_agg_keep_attrs): a reference, or NULL */
};

/* An aggregate's place among its family's aggregates. */
struct agg_node {
	struct bgp_prefix p;
	uint8_t depth;	/* aggregates strictly covering it: its bit in masks */
	int32_t parent; /* node of the longest aggregate strictly covering it, -1: none */
	uint32_t agg;	/* index in rib_agg.v */
};

struct agg_fam {
	struct agg_node *node;	   /* walk order: by address, shorter prefix first */
	size_t n;
	struct rib_table *contrib; /* prefix -> uint64_t mask of the depths it counts in */
	/* The last chain found whose longest aggregate has no aggregate inside
	 * it: every prefix strictly inside that one has the same chain, and
	 * consecutive changes (one UPDATE's NLRI) mostly fall there. Only a
	 * chain whose mask fits the entries' state bits. What the per-change
	 * path reads (its prefix, its wants, the run not counted yet) is in
	 * rib_agg.hot.last[family], where rib_agg_entry's inline part finds
	 * it; its aggregates are here. */
	unsigned last_n;	   /* how many: at most RIB_E_AGG_BITS */
	struct agg *last_chain[AGG_MAX_DEPTH];
};

/* rib_agg_last.len without a last chain: longer than any prefix, so no
 * prefix lies strictly inside. */
#define LAST_NONE RIB_AGG_LAST_NONE

/* What the aggregates of a chain want of a contributor: nothing, all the
 * same community (route type), or different ones. */
enum { NEED_NONE = RIB_AGG_NEED_NONE, NEED_ONE = RIB_AGG_NEED_ONE, NEED_MIXED = RIB_AGG_NEED_MIXED };

struct rib_agg {
	struct rib_agg_hot hot; /* first: rib_agg_entry's inline part reads it (agg.h) */
	struct agg *v;	/* configuration order */
	size_t n;
	size_t ncontrib; /* prefixes counted in at least one aggregate, but the runs */
	size_t pending; /* aggregates whose active != reported */
	size_t first;	/* none of them before v[first] */
	struct agg_fam fam[2]; /* AF_INET, AF_INET6; no table while a family has none */
	/* Removed by a reconfigure while reported active: the next report
	 * says inactive once, so the daemon withdraws them. */
	struct rib_agg_def *retired;
	size_t nretired;
};

/* ---- prefixes ------------------------------------------------------------ */

static unsigned fam_index(uint8_t family)
{
	return family == AF_INET6;
}

static bool prefix_valid(const struct bgp_prefix *p)
{
	return (p->family == AF_INET && p->len <= 32) || (p->family == AF_INET6 && p->len <= 128);
}

/* p with every bit past its length cleared (and the bytes a family does
 * not use), so equal prefixes compare equal byte for byte. */
static struct bgp_prefix prefix_masked(const struct bgp_prefix *p)
{
	struct bgp_prefix m;

	memset(&m, 0, sizeof(m));
	m.family = p->family;
	m.len = p->len;
	memcpy(m.addr, p->addr, p->len / 8u);
	if (p->len % 8)
		m.addr[p->len / 8] = (uint8_t)(p->addr[p->len / 8] & (0xff00 >> (p->len % 8)));
	return m;
}

/* Bytes i..i+7 of an address as a big-endian number (the compiler makes
 * this one load and a byte swap). */
static inline uint64_t addr_be64(const uint8_t *addr, unsigned i)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < 8; k++)
		v = v << 8 | addr[i + k];
	return v;
}

static inline uint32_t addr_be32(const uint8_t *addr)
{
	return (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
}

static inline int word_cmp(uint64_t x, uint64_t y)
{
	return x < y ? -1 : x > y;
}

/* Walk order (rib_table_walk's): by address, then the shorter first. By
 * words, not memcmp: the binary search for a prefix no aggregate covers
 * runs once per drained change. */
static inline int prefix_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	int r;

	if (a->family == AF_INET)
		r = word_cmp(addr_be32(a->addr), addr_be32(b->addr));
	else if (!(r = word_cmp(addr_be64(a->addr, 0), addr_be64(b->addr, 0))))
		r = word_cmp(addr_be64(a->addr, 8), addr_be64(b->addr, 8));
	if (r)
		return r;
	return (int)a->len - (int)b->len;
}

/* a (masked) covers b: a is not longer and b starts with a's bits. A
 * byte loop, not memcmp: this runs once per drained change, mostly over
 * 2 or 3 bytes, where a library call costs more than the compare. */
static inline bool prefix_covers(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	unsigned full = a->len / 8u, rest = a->len % 8u;

	if (a->len > b->len)
		return false;
	for (unsigned i = 0; i < full; i++)
		if (a->addr[i] != b->addr[i])
			return false;
	return !rest || ((a->addr[full] ^ b->addr[full]) & (0xff00 >> rest)) == 0;
}

/* ---- the covering chain ---------------------------------------------------- */

/* First node not before p in walk order. */
static size_t fam_lower_bound(const struct agg_fam *f, const struct bgp_prefix *p)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (prefix_cmp(&f->node[mid].p, p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The aggregates strictly covering p (masked), shortest first, in chain
 * (v: the aggregates the nodes index); returns how many, and in *leaf the
 * node of the longest. Each of them comes before p in walk order and p
 * lies in its subtree, which is contiguous in that order: so all of them
 * are the last node before p or ancestors of it, and the first one met
 * climbing from there that covers p is the longest. */
static unsigned fam_chain_search(const struct agg_fam *f, struct agg *v,
				 const struct bgp_prefix *p, struct agg *chain[AGG_MAX_DEPTH],
				 int32_t *leaf)
{
	int32_t i = (int32_t)fam_lower_bound(f, p) - 1;

	while (i >= 0 && !prefix_covers(&f->node[i].p, p))
		i = f->node[i].parent;
	if (i < 0)
		return 0;
	*leaf = i;
	unsigned n = f->node[i].depth + 1u;
	for (unsigned k = n; k-- > 0; i = f->node[i].parent)
		chain[k] = &v[f->node[i].agg];
	return n;
}

/* An aggregate with no other aggregate inside it (the next one in walk
 * order is not within it). */
static bool fam_leaf(const struct agg_fam *f, int32_t i)
{
	return (size_t)i + 1 >= f->n || !prefix_covers(&f->node[i].p, &f->node[i + 1].p);
}

/* The last chain when the prefix (its bytes and length, as in the table)
 * lies strictly inside its longest aggregate and that one has none inside
 * it: most changes, as one UPDATE's prefixes mostly fall there. A masked
 * compare of one or two words. */
static inline uint64_t word8(const uint8_t *b)
{
	uint64_t w;

	memcpy(&w, b, sizeof(w));
	return w;
}

static bool last_covers(const struct rib_agg_last *l, bool v6, const uint8_t *addr, uint8_t len)
{
	if (len <= l->len) /* LAST_NONE: no last chain */
		return false;
	if (!v6)
		return ((rib_agg_word4(addr) ^ rib_agg_word4(l->key)) & rib_agg_word4(l->bits)) == 0;
	return ((word8(addr) ^ word8(l->key)) & word8(l->bits)) == 0 &&
	       ((word8(addr + 8) ^ word8(l->key + 8)) & word8(l->bits + 8)) == 0;
}

/* key and bits for last_covers: p's (masked) address bytes and the mask
 * of its length, byte for byte. */
static void last_key_of(const struct bgp_prefix *p, uint8_t key[16], uint8_t bits[16])
{
	memset(key, 0, 16);
	memset(bits, 0, 16);
	memcpy(key, p->addr, p->family == AF_INET ? 4 : 16);
	memset(bits, 0xff, p->len / 8u);
	if (p->len % 8)
		bits[p->len / 8] = (uint8_t)(0xff00 >> (p->len % 8));
}

/* What the n aggregates of chain want of a contributor (NEED_*). */
static void chain_need(struct agg *const *chain, unsigned n, uint8_t *need, uint32_t *comm)
{
	const struct rib_agg_def *d0 = &chain[0]->def;

	*need = d0->need_community ? NEED_ONE : NEED_NONE;
	*comm = d0->community;
	for (unsigned k = 1; k < n; k++) {
		const struct rib_agg_def *d = &chain[k]->def;
		if (d->need_community != d0->need_community ||
		    (d->need_community && d->community != d0->community)) {
			*need = NEED_MIXED;
			return;
		}
	}
}

/* l's attribute set known to carry what its aggregates want: ra (NULL:
 * none), holding a reference. */
static void last_keep_attrs(struct rib_agg_last *l, struct rib_attrs *ra)
{
	if (l->ra == ra)
		return;
	if (ra)
		rib_attrs_ref(ra);
	if (l->ra)
		rib_attrs_unref(l->ra);
	l->ra = ra;
}

/* fam_chain_search into buf, remembered as the last chain (f's, and l
 * its per-change part; *last set) when its longest aggregate has none
 * inside it. The caller flushed l's run. */
static unsigned fam_chain(struct agg_fam *f, struct rib_agg_last *l, struct agg *v,
			  const struct bgp_prefix *p, struct agg *buf[AGG_MAX_DEPTH], bool *last)
{
	int32_t leaf;
	unsigned n = fam_chain_search(f, v, p, buf, &leaf);

	*last = n && n <= RIB_E_AGG_BITS && fam_leaf(f, leaf);
	if (*last) {
		last_keep_attrs(l, NULL); /* until a contributor shows one */
		l->len = f->node[leaf].p.len;
		l->all = (uint8_t)(((1u << n) - 1) << RIB_E_AGG_SHIFT);
		f->last_n = n;
		last_key_of(&f->node[leaf].p, l->key, l->bits);
		memcpy(f->last_chain, buf, n * sizeof(buf[0]));
		chain_need(buf, n, &l->need, &l->comm);
	}
	return n;
}

/* ---- counting -------------------------------------------------------------- */

/* Which aggregates of the chain e contributes to now: bit k for chain[k]. */
static uint64_t entry_mask(struct agg *const *chain, unsigned n, const struct rib_entry *e)
{
	uint64_t m = 0;

	if (!e->npaths || !e->nmulti) /* no usable best path */
		return 0;
	const struct bgp_attrs *at = rib_attrs_bgp(e->head.attrs);
	for (unsigned k = 0; k < n; k++) {
		const struct rib_agg_def *d = &chain[k]->def;
		if (!d->need_community || rib_agg_has_community(at, d->community))
			m |= (uint64_t)1 << k;
	}
	return m;
}

static bool agg_active_at(const struct agg *g, uint32_t count)
{
	return g->def.min == 0 || count >= g->def.min;
}

static void agg_set_count(struct rib_agg *a, struct agg *g, uint32_t count)
{
	bool active = agg_active_at(g, count);

	g->count = count;
	if (active == g->active)
		return;
	g->active = active;
	if (active != g->reported) {
		size_t i = (size_t)(g - a->v);
		if (!a->pending++ || i < a->first)
			a->first = i;
	} else {
		a->pending--;
	}
}

/* Count the difference between what a prefix was counted in (old) and
 * what it contributes to now. */
static void chain_apply(struct rib_agg *a, struct agg *const *chain, uint64_t old, uint64_t now)
{
	for (uint64_t d = old ^ now; d; d &= d - 1) {
		unsigned k = (unsigned)__builtin_ctzll(d);
		struct agg *g = chain[k];
		agg_set_count(a, g, (now >> k) & 1 ? g->count + 1 : g->count - 1);
	}
}

/* What e was counted in, and now is: in its state bits for a chain of up
 * to RIB_E_AGG_BITS aggregates (no memory, no lookup), else in a record
 * (find-or-add when it contributes, find-and-remove when not). -1 when out
 * of memory for a record: e is then counted nowhere. */
static int agg_swap_mask(struct agg_fam *f, struct rib_entry *e, unsigned n, uint64_t now,
			 uint64_t *old)
{
	struct bgp_prefix p;
	uint64_t *rec;
	bool added;

	if (n <= RIB_E_AGG_BITS) {
		*old = rib_agg_entry_bits(e);
		rib_agg_entry_set_bits(e, (unsigned)now);
		return 0;
	}
	*old = 0;
	rib_entry_prefix(e, &p);
	if (now) {
		/* Fails only for a prefix not there yet: nothing to undo. */
		if (!(rec = rib_table_get_or_add(f->contrib, &p, &added)))
			return -1;
		*old = *rec; /* 0 when just added */
		*rec = now;
	} else if ((rec = rib_table_get(f->contrib, &p))) {
		*old = *rec;
		rib_table_remove(f->contrib, &p);
	}
	return 0;
}

/* Family i's run into the counts of its last chain's aggregates (and
 * into ncontrib: a step of the run is a prefix counted in all of them
 * or in none). */
static void fam_flush(struct rib_agg *a, unsigned i)
{
	struct agg_fam *f = &a->fam[i];
	struct rib_agg_last *l = &a->hot.last[i];

	if (!l->run)
		return;
	for (unsigned k = 0; k < f->last_n; k++) {
		struct agg *g = f->last_chain[k];
		agg_set_count(a, g, (uint32_t)((int64_t)g->count + l->run));
	}
	a->ncontrib = (size_t)((int64_t)a->ncontrib + l->run);
	l->run = 0;
}

static void agg_flush(struct rib_agg *a)
{
	fam_flush(a, 0);
	fam_flush(a, 1);
}

/* g's contributors with the runs not flushed yet. */
static uint32_t agg_count_now(const struct rib_agg *a, const struct agg *g)
{
	int64_t c = g->count;

	for (unsigned i = 0; i < 2; i++) {
		int64_t run = a->hot.last[i].run;
		for (unsigned k = 0; run && k < a->fam[i].last_n; k++)
			if (a->fam[i].last_chain[k] == g)
				c += run;
	}
	return (uint32_t)c;
}

/* The count of what e contributes to, old and now. */
static void count_change(struct rib_agg *a, struct agg *const *chain, uint64_t old, uint64_t now)
{
	if (!old && now)
		a->ncontrib++;
	else if (old && !now)
		a->ncontrib--;
	chain_apply(a, chain, old, now);
}

/* Bring e's contributions up to date: one chain search, then the
 * difference between what it was counted in and what it contributes to.
 * Out of memory for a record: the prefix stays uncounted until it changes
 * again or the aggregates are reconfigured; counts never go wrong the
 * other way (a withdrawal of an uncounted prefix finds no record). */
static void agg_update(struct rib_agg *a, unsigned i, struct rib_entry *e)
{
	struct agg *buf[AGG_MAX_DEPTH];
	struct agg_fam *f = &a->fam[i];
	struct rib_agg_last *l = &a->hot.last[i];
	struct bgp_prefix p;
	uint64_t old, now;
	unsigned n;
	bool last;

	fam_flush(a, i); /* the last chain may change, and counts are direct here */
	rib_entry_prefix(e, &p);
	if (!(n = fam_chain(f, l, a->v, &p, buf, &last)))
		return;
	now = entry_mask(buf, n, e);
	/* The first contributor of a new last chain: the prefixes after it
	 * mostly carry the same set (one UPDATE's NLRI). */
	if (last && l->need != NEED_MIXED && now == ((uint64_t)1 << n) - 1)
		last_keep_attrs(l, e->head.attrs);
	if (agg_swap_mask(f, e, n, now, &old) < 0)
		return;
	count_change(a, buf, old, now);
}

/* A change in family i's last chain (last_covers): what e contributes to
 * there, then the run's step or, for a change that joins some of its
 * aggregates and not others (different route types) or leaves some,
 * direct counts. */
static void agg_update_last(struct rib_agg *a, unsigned i, struct rib_entry *e)
{
	struct agg_fam *f = &a->fam[i];
	struct rib_agg_last *l = &a->hot.last[i];
	uint64_t all = (uint64_t)l->all >> RIB_E_AGG_SHIFT;
	int wants = rib_agg_last_wants(l, e);
	uint64_t old = rib_agg_entry_bits(e);
	uint64_t now = wants < 0 ? entry_mask(f->last_chain, f->last_n, e) : wants ? all : 0;

	if (old == now)
		return;
	rib_agg_entry_set_bits(e, (unsigned)now);
	if ((old == 0 && now == all) || (old == all && now == 0)) {
		l->run += now ? 1 : -1;
		return;
	}
	fam_flush(a, i);
	count_change(a, f->last_chain, old, now);
}

void rib_agg_entry_chain(struct rib_agg *a, struct rib_entry *e)
{
	unsigned i = (e->state & RIB_E_V6) != 0;
	const uint8_t *addr;
	uint8_t len;

	if (!a->fam[i].n)
		return;
	addr = rib_value_addr(i ? AF_INET6 : AF_INET, e, &len);
	if (last_covers(&a->hot.last[i], i, addr, len))
		agg_update_last(a, i, e);
	else
		agg_update(a, i, e);
}

/* ---- configuration --------------------------------------------------------- */

/* The attribute sets kept for the caller go (a configure invalidates
 * them, as the configuration they were made from changed). */
static void agg_drop_attrs(struct rib_agg *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].attrs) {
			rib_attrs_unref(a->v[i].attrs);
			a->v[i].attrs = NULL;
		}
}

static void agg_release(struct rib_agg *a)
{
	agg_drop_attrs(a);
	for (unsigned i = 0; i < 2; i++) {
		last_keep_attrs(&a->hot.last[i], NULL);
		free(a->fam[i].node);
		rib_table_free(a->fam[i].contrib, NULL, NULL);
	}
	free(a->v);
	free(a->retired);
	memset(a, 0, sizeof(*a));
	a->hot.last[0].len = a->hot.last[1].len = LAST_NONE;
}

struct rib_agg *rib_agg_new(void)
{
	struct rib_agg *a = calloc(1, sizeof(struct rib_agg));

	if (a)
		a->hot.last[0].len = a->hot.last[1].len = LAST_NONE;
	return a;
}

void rib_agg_free(struct rib_agg *a)
{
	if (!a)
		return;
	agg_release(a);
	free(a);
}

/* A definition with its prefix masked and where it was given. */
struct agg_tmp {
	struct rib_agg_def def;
	size_t pos;
};

/* Family, then walk order, then the order given. */
static int tmp_cmp(const void *x, const void *y)
{
	const struct agg_tmp *a = x, *b = y;

	if (a->def.prefix.family != b->def.prefix.family)
		return a->def.prefix.family < b->def.prefix.family ? -1 : 1;
	int r = prefix_cmp(&a->def.prefix, &b->def.prefix);
	if (r)
		return r;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The definitions, masked, sorted and without the earlier of duplicate
 * prefixes; *m how many are left. NULL with *err set on failure. */
static struct agg_tmp *defs_sorted(const struct rib_agg_def *defs, size_t n, size_t *m, int *err)
{
	struct agg_tmp *t = malloc(n * sizeof(*t));
	size_t k = 0;

	if (!t) {
		*err = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!prefix_valid(&defs[i].prefix)) {
			free(t);
			*err = EINVAL;
			return NULL;
		}
		t[i].def = defs[i];
		t[i].def.prefix = prefix_masked(&defs[i].prefix);
		t[i].pos = i;
	}
	qsort(t, n, sizeof(*t), tmp_cmp);
	for (size_t i = 0; i < n; i++) /* the last of a run of equal prefixes wins */
		if (i + 1 == n || prefix_cmp(&t[i].def.prefix, &t[i + 1].def.prefix) != 0 ||
		    t[i].def.prefix.family != t[i + 1].def.prefix.family)
			t[k++] = t[i];
	*m = k;
	return t;
}

/* Parents and depths from the walk order: a stack of the open ancestors. */
static int fam_link(struct agg_fam *f)
{
	int32_t stack[AGG_MAX_DEPTH];
	unsigned sp = 0;

	for (size_t i = 0; i < f->n; i++) {
		struct agg_node *x = &f->node[i];
		while (sp && !prefix_covers(&f->node[stack[sp - 1]].p, &x->p))
			sp--;
		if (sp == AGG_MAX_DEPTH)
			return EINVAL; /* more nested levels than mask bits */
		x->parent = sp ? stack[sp - 1] : -1;
		x->depth = (uint8_t)sp;
		stack[sp++] = (int32_t)i;
	}
	return 0;
}

static int fam_build(struct agg_fam *f, uint8_t family)
{
	int err = fam_link(f);

	if (err)
		return err;
	f->contrib = rib_table_new_inline(family, sizeof(uint64_t));
	return f->contrib ? 0 : ENOMEM;
}

/* nx->v in the order given (cfg[pos]: where definition pos went, or
 * SIZE_MAX for an earlier duplicate); t holds the m kept ones sorted. */
static int agg_order(struct rib_agg *nx, const struct agg_tmp *t, size_t m, size_t *cfg, size_t n)
{
	size_t k = 0;

	if (!(nx->v = calloc(m, sizeof(*nx->v))))
		return ENOMEM;
	for (size_t i = 0; i < n; i++)
		cfg[i] = SIZE_MAX;
	for (size_t i = 0; i < m; i++)
		cfg[t[i].pos] = i; /* kept: where it is in t, for now */
	for (size_t pos = 0; pos < n; pos++)
		if (cfg[pos] != SIZE_MAX) {
			nx->v[k].def = t[cfg[pos]].def;
			cfg[pos] = k++;
		}
	nx->n = k;
	return 0;
}

/* Each family's aggregates in walk order (t is sorted IPv4 first). */
static int agg_fams(struct rib_agg *nx, const struct agg_tmp *t, size_t m, const size_t *cfg)
{
	size_t n4 = 0;
	int err = 0;

	while (n4 < m && t[n4].def.prefix.family == AF_INET)
		n4++;
	for (unsigned i = 0; i < 2 && !err; i++) {
		struct agg_fam *f = &nx->fam[i];
		const struct agg_tmp *ft = i ? t + n4 : t;
		size_t fn = i ? m - n4 : n4;
		if (!fn)
			continue;
		if (!(f->node = malloc(fn * sizeof(*f->node))))
			return ENOMEM;
		for (f->n = 0; f->n < fn; f->n++)
			f->node[f->n] = (struct agg_node){ .p = ft[f->n].def.prefix,
							   .agg = (uint32_t)cfg[ft[f->n].pos] };
		err = fam_build(f, i ? AF_INET6 : AF_INET);
	}
	return err;
}

static int agg_build(struct rib_agg *nx, const struct rib_agg_def *defs, size_t n)
{
	struct agg_tmp *t;
	size_t m;
	int err = 0;

	if (!n)
		return 0;
	if (!defs || n > INT32_MAX)
		return EINVAL;
	if (!(t = defs_sorted(defs, n, &m, &err)))
		return err;
	size_t *cfg = malloc(n * sizeof(*cfg));
	err = cfg ? agg_order(nx, t, m, cfg, n) : ENOMEM;
	if (!err)
		err = agg_fams(nx, t, m, cfg);
	free(cfg);
	free(t);
	return err;
}

/* The aggregate with exactly prefix p, or NULL. */
static struct agg *agg_find(const struct rib_agg *a, const struct bgp_prefix *p)
{
	const struct agg_fam *f = &a->fam[fam_index(p->family)];
	size_t i = fam_lower_bound(f, p);

	if (i == f->n || prefix_cmp(&f->node[i].p, p) != 0)
		return NULL;
	return &a->v[f->node[i].agg];
}

bool rib_agg_has(const struct rib_agg *a, const struct bgp_prefix *p)
{
	struct bgp_prefix m;

	if (!prefix_valid(p))
		return false;
	m = prefix_masked(p);
	return agg_find(a, &m) != NULL;
}

/* A prefix the daemon was told is active: still configured, it stays
 * reported active; gone, it becomes a retired one. */
static void carry_one(struct rib_agg *nx, const struct rib_agg_def *def)
{
	struct agg *g = agg_find(nx, &def->prefix);

	if (g)
		g->reported = true;
	else
		nx->retired[nx->nretired++] = *def;
}

/* What was last reported, carried over by prefix from the old set: the
 * reported-active prefixes that are gone become retired. */
static int agg_carry(struct rib_agg *nx, const struct rib_agg *old)
{
	size_t gone = old->nretired; /* never also in old->v: no prefix counts twice */

	for (size_t i = 0; i < old->n; i++)
		gone += old->v[i].reported && !agg_find(nx, &old->v[i].def.prefix);
	for (size_t i = 0; i < old->nretired; i++)
		gone -= agg_find(nx, &old->retired[i].prefix) != NULL;
	if (gone && !(nx->retired = malloc(gone * sizeof(*nx->retired))))
		return ENOMEM;
	for (size_t i = 0; i < old->n; i++)
		if (old->v[i].reported)
			carry_one(nx, &old->v[i].def);
	for (size_t i = 0; i < old->nretired; i++)
		carry_one(nx, &old->retired[i]);
	for (size_t i = 0; i < nx->n; i++) {
		struct agg *g = &nx->v[i];
		g->active = agg_active_at(g, 0);
		nx->pending += g->active != g->reported;
	}
	nx->first = 0;
	return 0;
}

/* Every entry's state bits are rewritten for the new chains (cleared
 * where none covers it). Cannot fail: a record that finds no memory
 * leaves its prefix uncounted, as in rib_agg_entry. */
static int recount_one(const struct rib_entry *ce, void *arg)
{
	/* The walk hands out const entries; the agg bits are ours. */
	struct rib_entry *e = (struct rib_entry *)ce;

	rib_agg_entry_set_bits(e, 0);
	rib_agg_entry(arg, e);
	return 0;
}

static void agg_recount(struct rib_agg *nx, const struct rib_loc *loc)
{
	if (!loc)
		return;
	for (unsigned i = 0; i < 2; i++)
		if (nx->fam[i].n)
			rib_loc_walk(loc, i ? AF_INET6 : AF_INET, recount_one, nx);
	agg_flush(nx);
}

/* Build the new set beside the old one and swap only when all went well.
 * Besides out of memory, -1 with errno EINVAL for a definition with an
 * unknown family or impossible length, or nested deeper than 64 levels. */
int rib_agg_configure(struct rib_agg *a, const struct rib_agg_def *defs, size_t n,
		      const struct rib_loc *loc)
{
	struct rib_agg nx;
	int err;

	memset(&nx, 0, sizeof(nx));
	nx.hot.last[0].len = nx.hot.last[1].len = LAST_NONE;
	err = agg_build(&nx, defs, n);
	if (!err)
		err = agg_carry(&nx, a);
	if (err) {
		agg_release(&nx);
		agg_drop_attrs(a); /* made from the configuration before */
		errno = err;
		return -1;
	}
	/* Last, as it cannot fail: it rewrites the entries' bits. */
	nx.hot.on = nx.n > 0;
	agg_recount(&nx, loc);
	agg_release(a);
	*a = nx;
	return 0;
}

/* ---- reports and queries --------------------------------------------------- */

/* Retired ones first (they are no longer in the configuration), then the
 * flips in configuration order. State is updated before each callback. */
size_t rib_agg_report(struct rib_agg *a,
		      void (*cb)(const struct rib_agg_def *def, bool active, void *arg), void *arg)
{
	struct rib_agg_def *retired = a->retired;
	size_t nretired = a->nretired, n = 0;

	agg_flush(a);
	a->retired = NULL;
	a->nretired = 0;
	for (size_t i = 0; i < nretired; i++, n++)
		if (cb)
			cb(&retired[i], false, arg);
	free(retired);
	for (size_t i = a->first; a->pending && i < a->n; i++) {
		struct agg *g = &a->v[i];
		if (g->active == g->reported)
			continue;
		g->reported = g->active;
		a->pending--;
		n++;
		if (cb)
			cb(&g->def, g->active, arg);
	}
	return n;
}

size_t rib_agg_count(const struct rib_agg *a)
{
	return a->n;
}

bool rib_agg_get(const struct rib_agg *a, size_t i, struct rib_agg_info *info)
{
	if (i >= a->n)
		return false;
	info->def = &a->v[i].def;
	info->count = agg_count_now(a, &a->v[i]);
	info->active = agg_active_at(&a->v[i], info->count);
	return true;
}

size_t rib_agg_contributors(const struct rib_agg *a)
{
	return (size_t)((int64_t)a->ncontrib + a->hot.last[0].run + a->hot.last[1].run);
}

size_t rib_agg_bytes(const struct rib_agg *a)
{
	size_t b = sizeof(*a) + a->n * sizeof(*a->v) + a->nretired * sizeof(*a->retired);

	for (unsigned i = 0; i < 2; i++) {
		b += a->fam[i].n * sizeof(struct agg_node);
		if (a->fam[i].contrib)
			b += rib_table_bytes(a->fam[i].contrib);
	}
	return b;
}

/* The aggregate of a definition pointer handed out (rib_agg_get, the
 * report callback), NULL for any other (a retired one). */
static struct agg *agg_of_def(const struct rib_agg *a, const struct rib_agg_def *def)
{
	uintptr_t p = (uintptr_t)def, lo = (uintptr_t)a->v;

	if (!a->n || p < lo || p >= lo + a->n * sizeof(*a->v) ||
	    (p - lo) % sizeof(*a->v) != offsetof(struct agg, def))
		return NULL;
	return &a->v[(p - lo) / sizeof(*a->v)];
}

struct rib_attrs *rib_agg_attrs(const struct rib_agg *a, const struct rib_agg_def *def)
{
	const struct agg *g = agg_of_def(a, def);

	return g ? g->attrs : NULL;
}

bool rib_agg_keep_attrs(struct rib_agg *a, const struct rib_agg_def *def, struct rib_attrs *ra)
{
	struct agg *g = agg_of_def(a, def);

	if (!g)
		return false;
	if (g->attrs)
		rib_attrs_unref(g->attrs);
	g->attrs = ra;
	return true;
}
