/* Attribute intern table: identical path-attribute sets share one
 * reference-counted rib_attrs, and AS_PATHs, community lists and unknown
 * attributes are interned once more on their own and shared between sets. */
#include <stdlib.h>
#include <string.h>

#include "rib/rib_int.h"

/* A chained hash table of intrusive entries (struct ht_entry, rib_int.h),
 * power-of-two buckets, grown at load 1 and shrunk at load 1/8, so it gives
 * memory back as routes leave. */
struct htab {
	struct ht_entry **b;
	size_t nb, n;
};

#define HT_MIN 16

enum blob_kind { BLOB_ASPATH, BLOB_COMM, BLOB_LARGE, BLOB_UNKNOWN, BLOB_NKINDS };

/* One interned piece; data holds the wire bytes, u32 communities or large
 * communities (u32-aligned). */
struct rib_blob {
	struct ht_entry h;
	uint32_t refcnt;
	uint32_t len; /* bytes */
	uint8_t kind;
	uint32_t data[];
};

/* struct rib_attrs: rib_int.h */

struct rib_attr_cache {
	struct htab attrs;
	struct htab blobs; /* all kinds; kind is part of the key */
	size_t nblobs[BLOB_NKINDS], blob_bytes[BLOB_NKINDS];
	size_t refs;
};

/* ---- hashing (FNV-1a for bytes, a multiplicative mix for fields) ------ */

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

#define HASH_SEED 0xcbf29ce484222325ull

/* ---- generic hash table ------------------------------------------------ */

static int ht_resize(struct htab *t, size_t nb)
{
	struct ht_entry **nbk = calloc(nb, sizeof(*nbk));
	if (!nbk)
		return -1;
	for (size_t i = 0; i < t->nb; i++) {
		struct ht_entry *e = t->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			size_t j = e->hash & (nb - 1);
			e->next = nbk[j];
			nbk[j] = e;
		}
	}
	free(t->b);
	t->b = nbk;
	t->nb = nb;
	return 0;
}

static int ht_insert(struct htab *t, struct ht_entry *e)
{
	if (!t->nb && ht_resize(t, HT_MIN) < 0)
		return -1;
	if (t->n >= t->nb)
		(void)ht_resize(t, t->nb * 2); /* a failed grow only costs speed */
	size_t j = e->hash & (t->nb - 1);
	e->next = t->b[j];
	t->b[j] = e;
	t->n++;
	return 0;
}

static void ht_remove(struct htab *t, struct ht_entry *e)
{
	struct ht_entry **pp = &t->b[e->hash & (t->nb - 1)];
	while (*pp != e) {
		if (!*pp)
			abort(); /* entry not in its table: our bug */
		pp = &(*pp)->next;
	}
	*pp = e->next;
	t->n--;
	if (t->n == 0) {
		free(t->b);
		t->b = NULL;
		t->nb = 0;
	} else if (t->nb > HT_MIN && t->n < t->nb / 8) {
		(void)ht_resize(t, t->nb / 2);
	}
}

static struct ht_entry *ht_first(const struct htab *t, uint64_t hash)
{
	return t->nb ? t->b[hash & (t->nb - 1)] : NULL;
}

/* ---- blobs ------------------------------------------------------------ */

static size_t blob_size(uint32_t len)
{
	return sizeof(struct rib_blob) + len;
}

static struct rib_blob *blob_of(const void *data)
{
	return (struct rib_blob *)((uint8_t *)(uintptr_t)data - offsetof(struct rib_blob, data));
}

/* Interned copy of len bytes at p; the caller gets one reference. NULL
 * data for an empty piece; *err set when out of memory. */
static const void *blob_intern(struct rib_attr_cache *c, enum blob_kind kind, const void *p,
			       size_t len, bool *err)
{
	if (len == 0 || !p)
		return NULL;
	uint64_t h = hash_bytes(hash_u64(HASH_SEED, kind), p, len);
	for (struct ht_entry *e = ht_first(&c->blobs, h); e; e = e->next) {
		struct rib_blob *b = (struct rib_blob *)e;
		if (e->hash == h && b->kind == kind && b->len == len && !memcmp(b->data, p, len)) {
			b->refcnt++;
			return b->data;
		}
	}
	struct rib_blob *b = malloc(blob_size((uint32_t)len));
	if (!b) {
		*err = true;
		return NULL;
	}
	b->h.hash = h;
	b->refcnt = 1;
	b->len = (uint32_t)len;
	b->kind = (uint8_t)kind;
	memcpy(b->data, p, len);
	if (ht_insert(&c->blobs, &b->h) < 0) {
		free(b);
		*err = true;
		return NULL;
	}
	c->nblobs[kind]++;
	c->blob_bytes[kind] += blob_size(b->len);
	return b->data;
}

static void blob_unref(struct rib_attr_cache *c, const void *data)
{
	if (!data)
		return;
	struct rib_blob *b = blob_of(data);
	if (b->refcnt == 0)
		abort(); /* refcount underflow: our bug */
	if (--b->refcnt)
		return;
	ht_remove(&c->blobs, &b->h);
	c->nblobs[b->kind]--;
	c->blob_bytes[b->kind] -= blob_size(b->len);
	free(b);
}

static void attrs_unref_pieces(struct rib_attr_cache *c, const struct bgp_attrs *a)
{
	blob_unref(c, a->aspath);
	blob_unref(c, a->communities);
	blob_unref(c, a->large);
	blob_unref(c, a->unknown);
}

/* ---- attribute sets ---------------------------------------------------- */

/* Canonical form: scalars copied field by field, pieces replaced by their
 * interned copies (so equal pieces compare by pointer), and the IPv6
 * link-local next hop cleared when absent. */
static int attrs_canon(struct rib_attr_cache *c, const struct bgp_attrs *in, struct bgp_attrs *out)
{
	bool err = false;
	memset(out, 0, sizeof(*out));
	out->seen = in->seen;
	out->origin = in->origin;
	out->nexthop = in->nexthop;
	out->med = in->med;
	out->local_pref = in->local_pref;
	out->aggregator_as = in->aggregator_as;
	out->aggregator_id = in->aggregator_id;
	out->nh6 = in->nh6;
	out->nh6_has_ll = in->nh6_has_ll;
	if (in->nh6_has_ll)
		out->nh6_ll = in->nh6_ll;
	out->aspath = blob_intern(c, BLOB_ASPATH, in->aspath, in->aspath_len, &err);
	out->aspath_len = out->aspath ? in->aspath_len : 0;
	out->communities = blob_intern(c, BLOB_COMM, in->communities,
				       (size_t)in->ncommunities * sizeof(uint32_t), &err);
	out->ncommunities = out->communities ? in->ncommunities : 0;
	out->large = blob_intern(c, BLOB_LARGE, in->large,
				 (size_t)in->nlarge * sizeof(struct bgp_large_community), &err);
	out->nlarge = out->large ? in->nlarge : 0;
	out->unknown = blob_intern(c, BLOB_UNKNOWN, in->unknown, in->unknown_len, &err);
	out->unknown_len = out->unknown ? in->unknown_len : 0;
	if (err) {
		attrs_unref_pieces(c, out);
		return -1;
	}
	return 0;
}

static uint64_t attrs_hash(const struct bgp_attrs *a)
{
	uint64_t h = HASH_SEED;
	h = hash_u64(h, a->seen);
	h = hash_u64(h, ((uint64_t)a->origin << 32) | a->nexthop.s_addr);
	h = hash_u64(h, ((uint64_t)a->med << 32) | a->local_pref);
	h = hash_u64(h, ((uint64_t)a->aggregator_as << 32) | a->aggregator_id.s_addr);
	h = hash_u64(h, (uintptr_t)a->aspath);
	h = hash_u64(h, (uintptr_t)a->communities);
	h = hash_u64(h, (uintptr_t)a->large);
	h = hash_u64(h, (uintptr_t)a->unknown);
	h = hash_bytes(h, &a->nh6, sizeof(a->nh6));
	h = hash_bytes(h, &a->nh6_ll, sizeof(a->nh6_ll));
	return hash_u64(h, a->nh6_has_ll);
}

/* Both sides canonical: pieces compare by pointer. */
static bool attrs_equal(const struct bgp_attrs *x, const struct bgp_attrs *y)
{
	return x->seen == y->seen && x->origin == y->origin &&
	       x->nexthop.s_addr == y->nexthop.s_addr && x->med == y->med &&
	       x->local_pref == y->local_pref && x->aggregator_as == y->aggregator_as &&
	       x->aggregator_id.s_addr == y->aggregator_id.s_addr &&
	       x->aspath == y->aspath && x->aspath_len == y->aspath_len &&
	       x->communities == y->communities && x->ncommunities == y->ncommunities &&
	       x->large == y->large && x->nlarge == y->nlarge &&
	       x->unknown == y->unknown && x->unknown_len == y->unknown_len &&
	       !memcmp(&x->nh6, &y->nh6, sizeof(x->nh6)) &&
	       !memcmp(&x->nh6_ll, &y->nh6_ll, sizeof(x->nh6_ll)) &&
	       x->nh6_has_ll == y->nh6_has_ll;
}

struct rib_attrs *rib_attrs_intern(struct rib_attr_cache *c, const struct bgp_attrs *a)
{
	return rib_attrs_intern_from(c, a, NULL, 0);
}

struct rib_attrs *rib_attrs_intern_from(struct rib_attr_cache *c, const struct bgp_attrs *a,
					struct rib_attrs *origin, uint8_t flags)
{
	struct bgp_attrs canon;
	if (origin && origin->origin)
		origin = origin->origin; /* always what the peer sent */
	if (attrs_canon(c, a, &canon) < 0)
		return NULL;
	if (origin && !flags && attrs_equal(&origin->a, &canon)) {
		attrs_unref_pieces(c, &canon); /* unchanged: the original itself */
		return rib_attrs_ref(origin);
	}
	uint64_t h = hash_u64(attrs_hash(&canon), (uintptr_t)origin ^ flags);
	for (struct ht_entry *e = ht_first(&c->attrs, h); e; e = e->next) {
		struct rib_attrs *ra = (struct rib_attrs *)e;
		if (e->hash == h && ra->origin == origin && ra->flags == flags &&
		    attrs_equal(&ra->a, &canon)) {
			attrs_unref_pieces(c, &canon); /* ra already holds them */
			return rib_attrs_ref(ra);
		}
	}
	struct rib_attrs *ra = malloc(sizeof(*ra));
	if (!ra) {
		attrs_unref_pieces(c, &canon);
		return NULL;
	}
	ra->h.hash = h;
	ra->refcnt = 1;
	ra->flags = flags;
	ra->cache = c;
	ra->origin = origin;
	ra->a = canon;
	rib_dkey_of(&ra->a, &ra->dk);
	if (ht_insert(&c->attrs, &ra->h) < 0) {
		attrs_unref_pieces(c, &canon);
		free(ra);
		return NULL;
	}
	c->refs++;
	if (origin)
		rib_attrs_ref(origin);
	return ra;
}

struct rib_attrs *rib_attrs_origin(struct rib_attrs *ra)
{
	return ra->origin ? ra->origin : ra;
}

uint8_t rib_attrs_flags(const struct rib_attrs *ra)
{
	return ra->flags;
}

/* The origin stays what the peer sent: a set without one is that itself.
 * Clearing the last flag of a set equal to its origin gives the origin back
 * (rib_attrs_intern_from). */
struct rib_attrs *rib_attrs_with_flags(struct rib_attrs *ra, uint8_t set, uint8_t clear)
{
	uint8_t flags = (uint8_t)((ra->flags | set) & ~clear);

	if (flags == ra->flags)
		return rib_attrs_ref(ra);
	return rib_attrs_intern_from(ra->cache, &ra->a, ra->origin ? ra->origin : ra, flags);
}

struct rib_attrs *rib_attrs_ref(struct rib_attrs *ra)
{
	if (ra->refcnt == 0 || ra->refcnt == UINT32_MAX)
		abort(); /* ref of a dead set, or overflow: our bug */
	ra->refcnt++;
	ra->cache->refs++;
	return ra;
}

void rib_attrs_unref(struct rib_attrs *ra)
{
	if (!ra)
		return;
	if (ra->refcnt == 0)
		abort(); /* refcount underflow: our bug */
	struct rib_attr_cache *c = ra->cache;
	c->refs--;
	if (--ra->refcnt)
		return;
	ht_remove(&c->attrs, &ra->h);
	attrs_unref_pieces(c, &ra->a);
	struct rib_attrs *origin = ra->origin;
	free(ra);
	rib_attrs_unref(origin);
}

const struct bgp_attrs *rib_attrs_get(const struct rib_attrs *ra)
{
	return &ra->a;
}

const struct rib_dkey *rib_attrs_dkey(const struct rib_attrs *ra)
{
	return &ra->dk;
}

uint32_t rib_attrs_refcnt(const struct rib_attrs *ra)
{
	return ra->refcnt;
}

/* ---- the cache ---------------------------------------------------------- */

struct rib_attr_cache *rib_attr_cache_new(void)
{
	return calloc(1, sizeof(struct rib_attr_cache));
}

void rib_attr_cache_free(struct rib_attr_cache *c)
{
	if (!c)
		return;
	if (c->attrs.n || c->blobs.n)
		abort(); /* attribute sets still referenced: a leak in our code */
	free(c->attrs.b);
	free(c->blobs.b);
	free(c);
}

void rib_attr_cache_stats(const struct rib_attr_cache *c, struct rib_attr_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->attrs = c->attrs.n;
	st->attrs_bytes = c->attrs.n * sizeof(struct rib_attrs);
	st->aspaths = c->nblobs[BLOB_ASPATH];
	st->aspath_bytes = c->blob_bytes[BLOB_ASPATH];
	st->commlists = c->nblobs[BLOB_COMM] + c->nblobs[BLOB_LARGE];
	st->commlist_bytes = c->blob_bytes[BLOB_COMM] + c->blob_bytes[BLOB_LARGE];
	st->unknowns = c->nblobs[BLOB_UNKNOWN];
	st->unknown_bytes = c->blob_bytes[BLOB_UNKNOWN];
	st->refs = c->refs;
	st->table_bytes = (c->attrs.nb + c->blobs.nb) * sizeof(struct ht_entry *);
}
