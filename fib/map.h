/* A small hash map keyed by fixed-size byte strings (chained, growing). */
#ifndef CLOS_FIB_MAP_H
#define CLOS_FIB_MAP_H

#include <stddef.h>
#include <stdint.h>

struct fib_map_ent {
	struct fib_map_ent *next;
	uint64_t hash;
	void *value;
	size_t keylen;
	uint8_t key[];
};

struct fib_map {
	struct fib_map_ent **b;
	size_t nb, n;
};

uint64_t fib_hash(const void *key, size_t len);
int fib_map_init(struct fib_map *m);
void fib_map_free(struct fib_map *m);
void *fib_map_get(const struct fib_map *m, const void *key, size_t len);
int fib_map_put(struct fib_map *m, const void *key, size_t len, void *value); /* replaces */
void *fib_map_del(struct fib_map *m, const void *key, size_t len);
/* Visit every value; cb may not modify the map. */
void fib_map_each(const struct fib_map *m, void (*cb)(void *value, void *arg), void *arg);

#endif
