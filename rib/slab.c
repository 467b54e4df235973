/* Fixed-size object slab (slab.h). */
#include "rib/slab.h"

#include <stdint.h>
#include <stdlib.h>

#include "rib/asan.h"

struct slab_chunk {
	struct slab_chunk *next;
	max_align_t objs[]; /* per_chunk objects of size bytes */
};

#define SLAB_CHUNK_BYTES 16384

void slab_init(struct slab *s, size_t size)
{
	size_t a = sizeof(void *);

	s->size = size < a ? a : (size + a - 1) / a * a;
	s->per_chunk = (SLAB_CHUNK_BYTES - sizeof(struct slab_chunk)) / s->size;
	if (!s->per_chunk)
		s->per_chunk = 1;
	s->free = NULL;
	s->chunks = NULL;
	s->carved = 0;
	s->live = 0;
	s->bytes = 0;
}

void *slab_alloc(struct slab *s)
{
	void *o;

	if (s->free) {
		o = s->free;
		RT_UNPOISON(o, s->size);
		s->free = *(void **)o;
	} else {
		if (!s->chunks || s->carved == s->per_chunk) {
			size_t len = sizeof(struct slab_chunk) + s->per_chunk * s->size;
			struct slab_chunk *c = malloc(len);
			if (!c)
				return NULL;
			c->next = s->chunks;
			s->chunks = c;
			s->carved = 0;
			s->bytes += len;
			RT_POISON(c->objs, s->per_chunk * s->size);
		}
		o = (uint8_t *)s->chunks->objs + s->carved++ * s->size;
		RT_UNPOISON(o, s->size);
	}
	s->live++;
	return o;
}

void slab_free(struct slab *s, void *obj)
{
	if (!obj)
		return;
	*(void **)obj = s->free;
	s->free = obj;
	RT_POISON(obj, s->size);
	s->live--;
}

void slab_destroy(struct slab *s)
{
	for (struct slab_chunk *c = s->chunks, *next; c; c = next) {
		next = c->next;
		RT_UNPOISON(c->objs, s->per_chunk * s->size);
		free(c);
	}
	slab_init(s, s->size);
}
