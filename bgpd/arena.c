/* Scratch arena (arena.h): a bump allocator over one caller-owned block,
 * reset after each UPDATE; allocation fails instead of growing. */
#include "bgpd/arena.h"

#include <string.h>

void arena_init(struct arena *a, void *block, size_t cap)
{
	a->base = block;
	a->cap = block ? cap : 0;
	a->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t start = (a->used + 7) & ~(size_t)7;
	void *p;

	if (n == 0)
		n = 1;
	if (start > a->cap || n > a->cap - start)
		return NULL;
	p = a->base + start;
	memset(p, 0, n);
	a->used = start + n;
	return p;
}
