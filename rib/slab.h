/* Fixed-size object slab: objects carved from chunks of a few hundred,
 * freed ones kept on a free list and handed out again first. For the
 * Loc-RIB's path nodes, which come and go by the million in a fan-in:
 * no allocator call per path, and a table that shrinks and grows again
 * reuses its memory (RSS stays flat under churn). Memory goes back to the
 * system only when the slab is destroyed. */
#ifndef CLOS_RIB_SLAB_H
#define CLOS_RIB_SLAB_H

#include <stddef.h>

struct slab_chunk;

struct slab {
	size_t size;		   /* object size, rounded up to pointer alignment */
	size_t per_chunk;	   /* objects per chunk */
	void *free;		   /* free list, linked through each object's first word */
	struct slab_chunk *chunks; /* newest first */
	size_t carved;		   /* objects handed out of the newest chunk */
	size_t live;		   /* objects in use */
	size_t bytes;		   /* chunk bytes held */
};

void slab_init(struct slab *s, size_t size);
void *slab_alloc(struct slab *s); /* NULL when out of memory; not zeroed */
void slab_free(struct slab *s, void *obj);
void slab_destroy(struct slab *s); /* every object goes with it */

#endif
