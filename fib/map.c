/* Chained hash map over byte-string keys, used for the FIB's nexthop,
 * group and route tables. FNV-1a hashing; doubles at load factor 1. */
#include "fib/map.h"

#include <stdlib.h>
#include <string.h>

uint64_t fib_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

int fib_map_init(struct fib_map *m)
{
	m->nb = 64;
	m->n = 0;
	m->b = calloc(m->nb, sizeof(*m->b));
	return m->b ? 0 : -1;
}

void fib_map_free(struct fib_map *m)
{
	for (size_t i = 0; i < m->nb; i++) {
		struct fib_map_ent *e = m->b[i];
		while (e) {
			struct fib_map_ent *n = e->next;
			free(e);
			e = n;
		}
	}
	free(m->b);
	m->b = NULL;
	m->nb = m->n = 0;
}

static struct fib_map_ent **fib_map_slot(const struct fib_map *m, const void *key, size_t len,
					 uint64_t h)
{
	struct fib_map_ent **pp = &m->b[h & (m->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->keylen == len && memcmp((*pp)->key, key, len) == 0)
			break;
	return pp;
}

void *fib_map_get(const struct fib_map *m, const void *key, size_t len)
{
	struct fib_map_ent **pp = fib_map_slot(m, key, len, fib_hash(key, len));

	return *pp ? (*pp)->value : NULL;
}

static void fib_map_grow(struct fib_map *m)
{
	size_t nb = m->nb * 2;
	struct fib_map_ent **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* stay at this size; still correct, only slower */
	for (size_t i = 0; i < m->nb; i++) {
		struct fib_map_ent *e = m->b[i];
		while (e) {
			struct fib_map_ent *n = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
			e = n;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

int fib_map_put(struct fib_map *m, const void *key, size_t len, void *value)
{
	uint64_t h = fib_hash(key, len);
	struct fib_map_ent **pp = fib_map_slot(m, key, len, h);

	if (*pp) {
		(*pp)->value = value;
		return 0;
	}
	struct fib_map_ent *e = malloc(sizeof(*e) + len);
	if (!e)
		return -1;
	e->next = NULL;
	e->hash = h;
	e->value = value;
	e->keylen = len;
	memcpy(e->key, key, len);
	*pp = e;
	if (++m->n > m->nb)
		fib_map_grow(m);
	return 0;
}

void *fib_map_del(struct fib_map *m, const void *key, size_t len)
{
	struct fib_map_ent **pp = fib_map_slot(m, key, len, fib_hash(key, len));
	struct fib_map_ent *e = *pp;
	void *v;

	if (!e)
		return NULL;
	*pp = e->next;
	v = e->value;
	free(e);
	m->n--;
	return v;
}

void fib_map_each(const struct fib_map *m, void (*cb)(void *value, void *arg), void *arg)
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct fib_map_ent *e = m->b[i]; e; e = e->next)
			cb(e->value, arg);
}
