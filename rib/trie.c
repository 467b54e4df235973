/* Prefix table: a path-compressed binary trie (PATRICIA) per address family.
 * Nodes live in chunked slabs and link by 32-bit indices to stay small. A
 * table holds either a pointer per route or, made with
 * rib_table_new_inline, the value itself inside the route node (no
 * allocation per route, and the prefix is not stored twice). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "rib/asan.h"
#include "rib/rib_int.h"

/* struct rt_node (rib_int.h): every node stores its own prefix (addr
 * masked to len). Children have a strictly longer prefix that extends the
 * parent's; child[b] continues with bit b at position len. "Route" nodes
 * carry a value; "glue" nodes exist only where two branches split and
 * always have two children. The two kinds come from separate pools so that
 * glue nodes do not pay for a value pointer: IPv4 route 24 bytes, glue 16;
 * IPv6 route 40, glue 28. */

#define RT_F_VALUE 0x01		/* node holds a route */
#define RT_NIL 0u
#define RT_ROUTE 0x80000000u	/* index tag: node is in the route pool */
#define RT_CHUNK_SHIFT 8	/* 256 nodes per slab chunk */
#define RT_CHUNK (1u << RT_CHUNK_SHIFT)
#define RT_MAX_DEPTH 130	/* a path grows by >= 1 bit per node */

/* Chunks are carved from regions mapped with MAP_POPULATE, each as big as
 * all before it (up to RT_REGION_MAX): a table of a million routes is
 * faulted in with a few dozen system calls instead of one page fault per
 * 4 KB, and fresh slots are already zero. */
#define RT_REGION_MAX (256u << 10)

struct rt_region {
	struct rt_region *next;
	size_t len; /* mapped bytes, this header included */
};

struct rt_pool {
	uint8_t **chunks;
	uint32_t nchunks, chunks_cap;
	struct rt_region *regions;
	uint8_t *carve;	    /* unused rest of the newest region */
	size_t carve_left;
	size_t mapped;	    /* bytes of all regions */
	uint32_t used;	    /* slots ever handed out */
	uint32_t free_head; /* free list through child[0], 1-based, 0 = empty */
	uint32_t live;
	uint32_t nodesize;
};

/* The finger: the path (node indices from the root) of the last exact
 * lookup or removal, valid while no node was made or freed since (ver).
 * The next one starts from the deepest node of it that covers its prefix:
 * prefixes arrive in runs of neighbours (one UPDATE's NLRI), so most
 * walks are a few levels instead of ~20 for a million routes. */
struct rt_finger {
	uint64_t ver;	/* table version it was recorded at */
	uint32_t depth; /* nodes in path */
	uint32_t path[RT_MAX_DEPTH];
};

struct rib_table {
	uint8_t family;
	uint8_t alen, maxlen;
	uint64_t ver;	/* bumped whenever a node is made or freed (never wraps) */
	uint64_t freed; /* nodes freed: a made node leaves the finger's path intact */
	struct rt_finger finger;
	uint32_t voff; /* offset of the value (pointer) in a route node */
	uint32_t vsize; /* inline value bytes; 0: the node holds a pointer */
	uint32_t root;
	size_t count;
	struct rt_pool route, glue;
};

/* ---- slab pools ------------------------------------------------------- */

static void pool_init(struct rt_pool *p, uint32_t nodesize)
{
	memset(p, 0, sizeof(*p));
	p->nodesize = nodesize;
}

static void pool_release(struct rt_pool *p)
{
	for (struct rt_region *r = p->regions, *next; r; r = next) {
		next = r->next;
		RT_UNPOISON(r, r->len);
		munmap(r, r->len);
	}
	free(p->chunks);
	pool_init(p, p->nodesize);
}

static inline uint8_t *pool_slot(const struct rt_pool *p, uint32_t slot)
{
	return p->chunks[slot >> RT_CHUNK_SHIFT] + (size_t)(slot & (RT_CHUNK - 1)) * p->nodesize;
}

/* Room for one more chunk: a new region when the current one is used up. */
static uint8_t *pool_carve(struct rt_pool *p, size_t bytes)
{
	if (p->carve_left < bytes) {
		size_t page = 4096, len = p->mapped < RT_REGION_MAX ? p->mapped : RT_REGION_MAX;
		if (len < bytes + sizeof(struct rt_region))
			len = bytes + sizeof(struct rt_region);
		len = (len + page - 1) & ~(page - 1);
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		struct rt_region *r = m;
		r->len = len;
		r->next = p->regions;
		p->regions = r;
		p->mapped += len;
		p->carve = (uint8_t *)m + ((sizeof(*r) + 63) & ~(size_t)63);
		p->carve_left = len - (size_t)(p->carve - (uint8_t *)m);
		RT_POISON(p->carve, p->carve_left);
	}
	uint8_t *c = p->carve;
	p->carve += bytes;
	p->carve_left -= bytes;
	return c;
}

static int pool_grow(struct rt_pool *p)
{
	if (p->nchunks == p->chunks_cap) {
		uint32_t ncap = p->chunks_cap ? p->chunks_cap * 2 : 4;
		uint8_t **nc = realloc(p->chunks, ncap * sizeof(*nc));
		if (!nc)
			return -1;
		p->chunks = nc;
		p->chunks_cap = ncap;
	}
	uint8_t *c = pool_carve(p, (size_t)RT_CHUNK * p->nodesize);
	if (!c)
		return -1;
	p->chunks[p->nchunks++] = c;
	return 0;
}

/* Returns a zeroed node's 1-based slot number, 0 when out of memory. */
static uint32_t pool_alloc(struct rt_pool *p)
{
	uint32_t slot;
	if (p->free_head) {
		slot = p->free_head - 1;
		memcpy(&p->free_head, pool_slot(p, slot), sizeof(uint32_t));
		RT_UNPOISON(pool_slot(p, slot), p->nodesize);
		memset(pool_slot(p, slot), 0, p->nodesize);
	} else {
		if (p->used >= RT_ROUTE - 1) /* indices must stay below the tag bit */
			return 0;
		if (p->used == p->nchunks * RT_CHUNK && pool_grow(p) < 0)
			return 0;
		slot = p->used++; /* never used: still zero from mmap */
		RT_UNPOISON(pool_slot(p, slot), p->nodesize);
		/* The next node will be written soon: start fetching its
		 * lines now (fresh pages are usually not in the cache). */
		if (p->used < p->nchunks * RT_CHUNK) {
			uint8_t *next = pool_slot(p, p->used);
			__builtin_prefetch(next, 1);
			__builtin_prefetch(next + p->nodesize - 1, 1);
		}
	}
	p->live++;
	return slot + 1;
}

static void pool_free(struct rt_pool *p, uint32_t slot1)
{
	uint8_t *n = pool_slot(p, slot1 - 1);

	memcpy(n, &p->free_head, sizeof(uint32_t)); /* the free list link stays readable */
	RT_POISON(n + sizeof(uint32_t), p->nodesize - sizeof(uint32_t));
	p->free_head = slot1;
	p->live--;
}

/* ---- nodes ------------------------------------------------------------ */

static inline struct rt_node *node(const struct rib_table *t, uint32_t idx)
{
	if (idx & RT_ROUTE)
		return (struct rt_node *)pool_slot(&t->route, (idx & ~RT_ROUTE) - 1);
	return (struct rt_node *)pool_slot(&t->glue, idx - 1);
}

static inline void *node_value(const struct rib_table *t, const struct rt_node *n)
{
	void *v;
	if (t->vsize)
		return (uint8_t *)n + t->voff;
	memcpy(&v, (const uint8_t *)n + t->voff, sizeof(v));
	return v;
}

static void node_set_value(const struct rib_table *t, struct rt_node *n, void *v)
{
	if (!t->vsize) /* inline values are written in place by the caller */
		memcpy((uint8_t *)n + t->voff, &v, sizeof(v));
}

static void node_free(struct rib_table *t, uint32_t idx)
{
	t->ver++;
	t->freed++;
	if (idx & RT_ROUTE)
		pool_free(&t->route, idx & ~RT_ROUTE);
	else
		pool_free(&t->glue, idx);
}

/* New node of the given kind holding the first len bits of addr. */
static uint32_t node_new(struct rib_table *t, bool route, const uint8_t *addr, uint8_t len)
{
	t->ver++;
	uint32_t s = pool_alloc(route ? &t->route : &t->glue);
	if (!s)
		return RT_NIL;
	uint32_t idx = route ? (s | RT_ROUTE) : s;
	struct rt_node *n = node(t, idx);
	n->len = len;
	memcpy(n->addr, addr, (len + 7) / 8);
	if (len % 8)
		n->addr[len / 8] &= (uint8_t)(0xff00 >> (len % 8));
	return idx;
}

/* Copy a node into the other pool (glue <-> route); 0 when out of memory. */
static uint32_t node_convert(struct rib_table *t, uint32_t idx)
{
	struct rt_node *o = node(t, idx);
	uint32_t nidx = node_new(t, !(idx & RT_ROUTE), o->addr, o->len);
	if (nidx == RT_NIL)
		return RT_NIL;
	struct rt_node *n = node(t, nidx);
	n->child[0] = o->child[0];
	n->child[1] = o->child[1];
	node_free(t, idx);
	return nidx;
}

/* ---- bit helpers ------------------------------------------------------ */

static inline unsigned bit_at(const uint8_t *a, unsigned i)
{
	return (a[i >> 3] >> (7 - (i & 7))) & 1;
}

/* First bit index < max where a and b differ, or max. */
static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 32 bits at a time (one step for IPv4, at most four for IPv6): this runs
 * for every node on every lookup, so it is the trie's hot spot. */
static inline unsigned first_diff(const uint8_t *a, const uint8_t *b, unsigned max)
{
	for (unsigned i = 0; i < max; i += 32) {
		uint32_t x = load_be32(a + i / 8) ^ load_be32(b + i / 8);
		if (x) {
			unsigned d = i + (unsigned)__builtin_clz(x);
			return d < max ? d : max;
		}
	}
	return max;
}

static bool prefix_covers(const struct rt_node *n, const struct bgp_prefix *p)
{
	return n->len <= p->len && first_diff(n->addr, p->addr, n->len) == n->len;
}

static bool prefix_ok(const struct rib_table *t, const struct bgp_prefix *p)
{
	return p && p->family == t->family && p->len <= t->maxlen;
}


/* ---- public API ------------------------------------------------------- */

static uint32_t value_offset(uint8_t family)
{
	return rt_value_offset(family);
}

struct rib_table *rib_table_new_inline(uint8_t family, size_t vsize)
{
	if ((family != AF_INET && family != AF_INET6) || vsize > 4096)
		return NULL;
	struct rib_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->family = family;
	t->alen = family == AF_INET ? 4 : 16;
	t->maxlen = (uint8_t)(t->alen * 8);
	uint32_t hdr = (uint32_t)offsetof(struct rt_node, addr) + t->alen;
	t->voff = value_offset(family);
	t->vsize = (uint32_t)vsize;
	pool_init(&t->route, t->voff + (vsize ? ((uint32_t)vsize + 7) & ~7u
					       : (uint32_t)sizeof(void *)));
	pool_init(&t->glue, (hdr + 3) & ~3u);
	return t;
}

struct rib_table *rib_table_new(uint8_t family)
{
	return rib_table_new_inline(family, 0);
}

static void node_prefix(uint8_t family, const struct rt_node *n, struct bgp_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = n->len;
	if (family == AF_INET) /* constant sizes: moves, not a library call */
		memcpy(p->addr, n->addr, 4);
	else
		memcpy(p->addr, n->addr, 16);
}

void rib_table_value_prefix(uint8_t family, const void *value, struct bgp_prefix *p)
{
	node_prefix(family, (const struct rt_node *)((const uint8_t *)value - value_offset(family)),
		    p);
}

void rib_table_clear(struct rib_table *t, void (*free_value)(void *value, void *arg), void *arg)
{
	if (free_value && t->root != RT_NIL) {
		uint32_t stack[2 * RT_MAX_DEPTH];
		size_t sp = 0;
		stack[sp++] = t->root;
		while (sp) {
			struct rt_node *n = node(t, stack[--sp]);
			for (int i = 1; i >= 0; i--)
				if (n->child[i] != RT_NIL)
					stack[sp++] = n->child[i];
			if (n->flags & RT_F_VALUE)
				free_value(node_value(t, n), arg);
		}
	}
	pool_release(&t->route);
	pool_release(&t->glue);
	t->ver++;
	t->root = RT_NIL;
	t->count = 0;
}

void rib_table_free(struct rib_table *t, void (*free_value)(void *value, void *arg), void *arg)
{
	if (!t)
		return;
	rib_table_clear(t, free_value, arg);
	free(t);
}

/* Make the node at *link (exact prefix p) hold value. */
static int set_route(struct rib_table *t, uint32_t *link, void *value, void **prev)
{
	if (!(*link & RT_ROUTE)) {
		uint32_t n = node_convert(t, *link);
		if (n == RT_NIL)
			return -1;
		*link = n;
	}
	struct rt_node *n = node(t, *link);
	if (n->flags & RT_F_VALUE) {
		*prev = node_value(t, n);
	} else {
		n->flags |= RT_F_VALUE;
		t->count++;
		if (t->vsize) /* a route node kept empty may hold an old value */
			memset((uint8_t *)n + t->voff, 0, t->vsize);
	}
	node_set_value(t, n, value);
	return 0;
}

/* Put a new route node for p at *link, in front of the subtree there,
 * which starts with a node of prefix length nlen that diverges from p at
 * bit d (d == p->len: p covers it). Adds a glue node when they branch. */
static int splice_route(struct rib_table *t, uint32_t *link, const struct bgp_prefix *p,
			void *value, unsigned d, struct rt_node **made)
{
	uint32_t old = *link;
	uint32_t r = node_new(t, true, p->addr, p->len);
	if (r == RT_NIL)
		return -1;
	*made = node(t, r);
	node(t, r)->flags = RT_F_VALUE;
	node_set_value(t, node(t, r), value);
	if (old == RT_NIL) {
		*link = r;
	} else if (d == p->len) {
		struct rt_node *o = node(t, old);
		node(t, r)->child[bit_at(o->addr, d)] = old;
		*link = r;
	} else {
		uint32_t g = node_new(t, false, p->addr, (uint8_t)d);
		if (g == RT_NIL) {
			node_free(t, r);
			return -1;
		}
		unsigned b = bit_at(p->addr, d);
		node(t, g)->child[b] = r;
		node(t, g)->child[!b] = old;
		*link = g;
	}
	t->count++;
	return 0;
}

/* Walk towards p from link (the root, or a link to a node covering p):
 * returns the link that holds p's node (*exact) or where a node for p
 * goes, in front of a subtree diverging from p at bit *d. */
static uint32_t *locate_from(struct rib_table *t, uint32_t *link, const struct bgp_prefix *p,
			     unsigned *d, bool *exact)
{
	/* link points into a parent node: safe across allocations, which may
	 * move a pool's chunk table but never a chunk. */
	*exact = false;
	for (;;) {
		*d = p->len;
		if (*link == RT_NIL)
			return link;
		struct rt_node *n = node(t, *link);
		unsigned min = n->len < p->len ? n->len : p->len;
		*d = first_diff(n->addr, p->addr, min);
		if (*d == n->len && n->len == p->len) {
			*exact = true;
			return link;
		}
		if (*d < n->len)
			return link;
		link = &n->child[bit_at(p->addr, n->len)];
	}
}

static uint32_t *locate(struct rib_table *t, const struct bgp_prefix *p, unsigned *d, bool *exact)
{
	return locate_from(t, &t->root, p, d, exact);
}

static int finger_find(struct rib_table *t, const struct bgp_prefix *p);
static uint32_t *finger_link(struct rib_table *t, const struct bgp_prefix *p, int d);

/* Make p hold value (pointer tables) at the located link; *made is the
 * route node. */
static int place(struct rib_table *t, uint32_t *link, const struct bgp_prefix *p, void *value,
		 unsigned d, bool exact, void **prev, struct rt_node **made)
{
	if (!exact)
		return splice_route(t, link, p, value, d, made);
	if (set_route(t, link, value, prev) < 0)
		return -1;
	*made = node(t, *link);
	return 0;
}

int rib_table_insert_ex(struct rib_table *t, const struct bgp_prefix *p, void *value, void **prev)
{
	struct rt_node *made;
	unsigned d;
	bool exact;

	*prev = NULL;
	if (!prefix_ok(t, p) || t->vsize)
		return -1;
	uint32_t *link = locate(t, p, &d, &exact);
	return place(t, link, p, value, d, exact, prev, &made);
}

/* One walk for "find, or create and insert": the Loc-RIB's hot path. */
void *rib_table_get_or_insert(struct rib_table *t, const struct bgp_prefix *p,
			      void *(*make)(const struct bgp_prefix *p, void *arg), void *arg)
{
	struct rt_node *made;
	void *value, *prev;
	unsigned d;
	bool exact;

	if (!prefix_ok(t, p) || t->vsize)
		return NULL;
	uint32_t *link = locate(t, p, &d, &exact);
	if (exact && (node(t, *link)->flags & RT_F_VALUE))
		return node_value(t, node(t, *link));
	value = make(p, arg);
	if (value && place(t, link, p, value, d, exact, &prev, &made) < 0) {
		free(value);
		return NULL;
	}
	return value;
}

void *rib_table_get_or_add(struct rib_table *t, const struct bgp_prefix *p, bool *added)
{
	struct rt_node *made;
	void *prev;
	unsigned d;
	bool exact;

	*added = false;
	if (!prefix_ok(t, p) || !t->vsize)
		return NULL;
	/* Mostly the prefix is there, next to the last one looked up: the
	 * finger finds it in a few steps; else locate goes on from the
	 * deepest node the finger walk found covering p. */
	int fd = finger_find(t, p);
	if (fd >= 0)
		return node_value(t, node(t, t->finger.path[fd]));
	uint32_t *link = t->finger.depth ? finger_link(t, p, (int)t->finger.depth - 1) : &t->root;
	link = locate_from(t, link, p, &d, &exact);
	if (exact && (node(t, *link)->flags & RT_F_VALUE))
		return node_value(t, node(t, *link));
	uint64_t freed = t->freed;
	if (place(t, link, p, NULL, d, exact, &prev, &made) < 0)
		return NULL;
	/* The new nodes went in below the finger's last node (a child slot of
	 * it, or deeper): its path is still exact unless a node was freed (a
	 * glue node turned into a route node), so the next prefix, mostly
	 * beside this one, starts from it instead of the root. */
	if (t->freed == freed)
		t->finger.ver = t->ver;
	*added = true;
	return node_value(t, made);
}

void *rib_table_insert(struct rib_table *t, const struct bgp_prefix *p, void *value)
{
	void *prev;
	if (rib_table_insert_ex(t, p, value, &prev) < 0)
		return NULL;
	return prev;
}

/* Walk to p's node, from the deepest finger node covering p (binary
 * search: along the path, covering p is monotone) or from the root, and
 * record the path as the new finger. Returns the depth of the node that
 * holds exactly p with a value, or -1. */
/* How many of the finger's last nodes are tried one by one before a
 * binary search of the rest. */
#define FINGER_NEAR 4

static int finger_find(struct rib_table *t, const struct bgp_prefix *p)
{
	struct rt_finger *f = &t->finger;
	int from = -1;
	uint32_t idx = t->root, d = 0;

	if (f->ver == t->ver && f->depth) {
		int lo = 0, hi = (int)f->depth - 1;
		/* The next prefix of an UPDATE mostly shares all but the last
		 * few nodes of the path to the one before (neighbours: the
		 * common ancestor is k levels up with odds 2^-k): look there
		 * first, bottom up. */
		for (int k = hi; k >= 0 && k >= hi - (FINGER_NEAR - 1); k--)
			if (prefix_covers(node(t, f->path[k]), p)) {
				from = k;
				lo = hi + 1; /* found: no search */
				break;
			}
		if (from < 0)
			hi -= FINGER_NEAR;
		while (lo <= hi) {
			int mid = (lo + hi) / 2;
			if (prefix_covers(node(t, f->path[mid]), p)) {
				from = mid;
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
	}
	if (from >= 0) {
		d = (uint32_t)from;
		idx = f->path[from];
	}
	f->ver = t->ver;
	while (idx != RT_NIL && d < RT_MAX_DEPTH) {
		const struct rt_node *n = node(t, idx);
		if (!prefix_covers(n, p))
			break;
		f->path[d] = idx;
		if (n->len == p->len) {
			f->depth = d + 1;
			return (n->flags & RT_F_VALUE) ? (int)d : -1;
		}
		idx = n->child[bit_at(p->addr, n->len)];
		d++;
	}
	f->depth = d;
	return -1;
}

static const struct rt_node *find_exact(const struct rib_table *t, const struct bgp_prefix *p)
{
	if (!prefix_ok(t, p))
		return NULL;
	/* The finger is a cache: updating it does not change the table. */
	struct rib_table *mt = (struct rib_table *)t;
	int d = finger_find(mt, p);
	return d < 0 ? NULL : node(t, mt->finger.path[d]);
}

void *rib_table_get(const struct rib_table *t, const struct bgp_prefix *p)
{
	const struct rt_node *n = find_exact(t, p);
	return n ? node_value(t, n) : NULL;
}

void *rib_table_lookup(const struct rib_table *t, const struct bgp_prefix *p, struct bgp_prefix *matched)
{
	if (!prefix_ok(t, p))
		return NULL;
	const struct rt_node *best = NULL;
	uint32_t idx = t->root;
	while (idx != RT_NIL) {
		const struct rt_node *n = node(t, idx);
		if (!prefix_covers(n, p))
			break;
		if (n->flags & RT_F_VALUE)
			best = n;
		if (n->len == p->len)
			break;
		idx = n->child[bit_at(p->addr, n->len)];
	}
	if (!best)
		return NULL;
	if (matched)
		node_prefix(t->family, best, matched);
	return node_value(t, best);
}

/* Remove the route node at *link; plink is its parent's link (or NULL).
 * A value-less node must keep two children, so it is spliced out or, with
 * two children, turned into a glue node. */
static void unlink_route(struct rib_table *t, uint32_t *plink, uint32_t *link)
{
	uint32_t idx = *link;
	struct rt_node *n = node(t, idx);
	n->flags &= (uint8_t)~RT_F_VALUE;
	t->count--;
	if (n->child[0] != RT_NIL && n->child[1] != RT_NIL) {
		uint32_t g = node_convert(t, idx);
		if (g != RT_NIL)
			*link = g; /* out of memory: keep it as an empty route node */
		return;
	}
	*link = n->child[0] != RT_NIL ? n->child[0] : n->child[1];
	node_free(t, idx);
	if (*link != RT_NIL || !plink)
		return;
	struct rt_node *pn = node(t, *plink);
	if (pn->flags & RT_F_VALUE)
		return;
	uint32_t pidx = *plink;
	*plink = pn->child[0] != RT_NIL ? pn->child[0] : pn->child[1];
	node_free(t, pidx);
}

/* The link (root or a child slot of the parent) to the finger node at depth d. */
static uint32_t *finger_link(struct rib_table *t, const struct bgp_prefix *p, int d)
{
	if (d == 0)
		return &t->root;
	struct rt_node *parent = node(t, t->finger.path[d - 1]);
	return &parent->child[bit_at(p->addr, parent->len)];
}

void *rib_table_remove(struct rib_table *t, const struct bgp_prefix *p)
{
	if (!prefix_ok(t, p))
		return NULL;
	int d = finger_find(t, p);
	if (d < 0)
		return NULL;
	void *v = node_value(t, node(t, t->finger.path[d]));
	unlink_route(t, d > 0 ? finger_link(t, p, d - 1) : NULL, finger_link(t, p, d));
	/* The node and its parent may be gone or replaced; from the
	 * grandparent up the path is intact. */
	t->finger.depth = d > 0 ? (uint32_t)d - 1 : 0;
	t->finger.ver = t->ver;
	return v;
}

size_t rib_table_count(const struct rib_table *t)
{
	return t->count;
}

static size_t pool_bytes(const struct rt_pool *p)
{
	return p->mapped + p->chunks_cap * sizeof(uint8_t *);
}

size_t rib_table_bytes(const struct rib_table *t)
{
	return sizeof(*t) + pool_bytes(&t->route) + pool_bytes(&t->glue);
}

void rib_table_nodes(const struct rib_table *t, struct rib_table_nodes *n)
{
	n->route_nodes = t->route.live;
	n->glue_nodes = t->glue.live;
	n->route_node_size = t->route.nodesize;
	n->glue_node_size = t->glue.nodesize;
	n->bytes = rib_table_bytes(t);
}

/* Pre-order: a node's (masked) address is <= everything below it and its
 * prefix is shorter, and child[0]'s subtree sorts before child[1]'s. */
int rib_table_walk(const struct rib_table *t,
		   int (*cb)(const struct bgp_prefix *p, void *value, void *arg), void *arg)
{
	if (t->root == RT_NIL)
		return 0;
	uint32_t stack[2 * RT_MAX_DEPTH];
	size_t sp = 0;
	stack[sp++] = t->root;
	while (sp) {
		const struct rt_node *n = node(t, stack[--sp]);
		if (n->child[1] != RT_NIL)
			stack[sp++] = n->child[1];
		if (n->child[0] != RT_NIL)
			stack[sp++] = n->child[0];
		if (!(n->flags & RT_F_VALUE))
			continue;
		struct bgp_prefix p;
		node_prefix(t->family, n, &p);
		int rc = cb(&p, node_value(t, n), arg);
		if (rc)
			return rc;
	}
	return 0;
}
