/* Scratch arena: a bump allocator over one fixed block, reset after each
 * UPDATE is processed (BIRD's linpool idea). Parsing never mallocs. */
#ifndef CLOS_ARENA_H
#define CLOS_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena {
	uint8_t *base;
	size_t cap;
	size_t used;
};

/* Allocation fails (NULL) rather than growing; callers treat that as
 * "message too complex" which cannot happen for a 4096-byte message with the
 * default capacity. */
void arena_init(struct arena *a, void *block, size_t cap);
void *arena_alloc(struct arena *a, size_t n); /* 8-byte aligned, zeroed */
static inline void arena_reset(struct arena *a) { a->used = 0; }

/* Enough for every structure one 4096-byte UPDATE can decode into. */
#define ARENA_UPDATE_SIZE (256 * 1024)

#endif
