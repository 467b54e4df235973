/* Adj-RIB (RFC 4271 3.2): one peer's routes in one direction, a prefix
 * table per family mapping to interned attribute sets. Comparing interned
 * pointers makes duplicate suppression for Adj-RIB-Out a pointer compare. */
#include <stdlib.h>
#include <sys/socket.h>

#include "rib/rib_int.h"

struct rib_adj {
	struct rib_attr_cache *cache;
	struct rib_table *v4, *v6;
};

static void adj_unref_value(void *value, void *arg)
{
	(void)arg;
	rib_attrs_unref(value);
}

static struct rib_table *adj_table(const struct rib_adj *adj, uint8_t family)
{
	if (family == AF_INET)
		return adj->v4;
	if (family == AF_INET6)
		return adj->v6;
	return NULL;
}

struct rib_adj *rib_adj_new(struct rib_attr_cache *c)
{
	struct rib_adj *adj = calloc(1, sizeof(*adj));
	if (!adj)
		return NULL;
	adj->cache = c;
	adj->v4 = rib_table_new(AF_INET);
	adj->v6 = rib_table_new(AF_INET6);
	if (!adj->v4 || !adj->v6) {
		rib_adj_free(adj);
		return NULL;
	}
	return adj;
}

void rib_adj_free(struct rib_adj *adj)
{
	if (!adj)
		return;
	rib_table_free(adj->v4, adj_unref_value, NULL);
	rib_table_free(adj->v6, adj_unref_value, NULL);
	free(adj);
}

/* The table keeps one reference per route. Same interned pointer as before
 * means the same attributes: nothing changed. Returns false, leaving the
 * table as it was, also for an unknown family or when out of memory. */
bool rib_adj_set(struct rib_adj *adj, const struct bgp_prefix *p, struct rib_attrs *ra)
{
	struct rib_table *t = adj_table(adj, p->family);
	void *prev;

	if (!t || !ra)
		return false;
	rib_attrs_ref(ra);
	if (rib_table_insert_ex(t, p, ra, &prev) < 0) {
		rib_attrs_unref(ra);
		return false;
	}
	if (prev)
		rib_attrs_unref(prev); /* when prev == ra this drops our extra ref */
	return prev != ra;
}

bool rib_adj_update(struct rib_adj *adj, const struct bgp_prefix *p, const struct bgp_attrs *a)
{
	struct rib_attrs *ra;
	bool changed;

	if (!adj_table(adj, p->family))
		return false;
	ra = rib_attrs_intern(adj->cache, a);
	changed = rib_adj_set(adj, p, ra);
	if (ra)
		rib_attrs_unref(ra);
	return changed;
}

bool rib_adj_withdraw(struct rib_adj *adj, const struct bgp_prefix *p)
{
	struct rib_table *t = adj_table(adj, p->family);
	struct rib_attrs *ra = t ? rib_table_remove(t, p) : NULL;
	if (!ra)
		return false;
	rib_attrs_unref(ra);
	return true;
}

void rib_adj_clear(struct rib_adj *adj)
{
	rib_table_clear(adj->v4, adj_unref_value, NULL);
	rib_table_clear(adj->v6, adj_unref_value, NULL);
}

size_t rib_adj_count(const struct rib_adj *adj, uint8_t family)
{
	if (family == 0)
		return rib_table_count(adj->v4) + rib_table_count(adj->v6);
	const struct rib_table *t = adj_table(adj, family);
	return t ? rib_table_count(t) : 0;
}

size_t rib_adj_bytes(const struct rib_adj *adj)
{
	return sizeof(*adj) + rib_table_bytes(adj->v4) + rib_table_bytes(adj->v6);
}

const struct rib_attrs *rib_adj_get(const struct rib_adj *adj, const struct bgp_prefix *p)
{
	const struct rib_table *t = adj_table(adj, p->family);
	return t ? rib_table_get(t, p) : NULL;
}

struct adj_walk {
	int (*cb)(const struct bgp_prefix *p, const struct rib_attrs *ra, void *arg);
	void *arg;
};

static int adj_walk_one(const struct bgp_prefix *p, void *value, void *arg)
{
	struct adj_walk *w = arg;
	return w->cb(p, value, w->arg);
}

/* family 0 walks IPv4 then IPv6. */
int rib_adj_walk(const struct rib_adj *adj, uint8_t family,
		 int (*cb)(const struct bgp_prefix *p, const struct rib_attrs *ra, void *arg), void *arg)
{
	struct adj_walk w = { cb, arg };
	int rc = 0;
	if (family == 0 || family == AF_INET)
		rc = rib_table_walk(adj->v4, adj_walk_one, &w);
	if (rc == 0 && (family == 0 || family == AF_INET6))
		rc = rib_table_walk(adj->v6, adj_walk_one, &w);
	return rc;
}
