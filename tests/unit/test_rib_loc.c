/* Loc-RIB: best path and ECMP set per prefix, incremental changes queued
 * for export, reference counts back to zero when paths go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rib/loc.h"

static struct rib_attr_cache *cache;

static struct rib_attrs *attrs(uint32_t first_as, uint8_t pathlen, uint32_t lp)
{
	uint8_t ap[2 + 4 * 8];
	struct bgp_attrs a = { 0 };

	ap[0] = AS_SEQUENCE;
	ap[1] = pathlen;
	for (uint8_t i = 0; i < pathlen; i++) {
		uint32_t asn = first_as + i;
		ap[2 + 4 * i] = (uint8_t)(asn >> 24);
		ap[3 + 4 * i] = (uint8_t)(asn >> 16);
		ap[4 + 4 * i] = (uint8_t)(asn >> 8);
		ap[5 + 4 * i] = (uint8_t)asn;
	}
	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a.aspath = ap;
	a.aspath_len = (uint16_t)(2 + 4 * pathlen);
	a.nexthop.s_addr = first_as;
	if (lp) {
		a.seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
		a.local_pref = lp;
	}
	return rib_attrs_intern(cache, &a);
}

static struct bgp_prefix pfx(uint8_t third)
{
	struct bgp_prefix p = { .family = AF_INET, .len = 24, .addr = { 10, 0, third, 0 } };
	return p;
}

static int setup(void **state)
{
	cache = rib_attr_cache_new();
	return cache ? 0 : -1;
}

static int teardown(void **state)
{
	rib_attr_cache_free(cache); /* aborts if a reference leaked */
	return 0;
}

static int count_cb(const struct rib_entry *e, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static void drained(struct rib_entry *e, void *arg)
{
	(*(size_t *)arg)++;
}

static int count_cb_out(struct rib_entry *e, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static void test_ecmp_set_and_changes(void **state)
{
	struct rib_decide_cfg cfg = { .multipath_relax = true, .max_paths = 64 };
	struct rib_loc *loc = rib_loc_new(&cfg);
	struct rib_src s[4];
	struct bgp_prefix p = pfx(1);
	size_t n = 0;

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 4; i++) {
		s[i].kind = RIB_SRC_EBGP;
		s[i].peer_as = 65001 + (uint32_t)i;
		s[i].router_id = 10 + (uint32_t)i;
	}
	struct rib_attrs *a0 = attrs(65001, 2, 0), *a1 = attrs(65002, 2, 0);
	struct rib_attrs *a2 = attrs(65003, 3, 0), *a3 = attrs(65004, 2, 50);
	assert_true(rib_loc_update(loc, &p, &s[0], a0));
	assert_true(rib_loc_update(loc, &p, &s[1], a1));  /* joins the ECMP set */
	/* Longer, lower LOCAL_PREF: not in the ECMP set, but candidates (the
	 * backup set the FIB keeps ready), so they are changes too. */
	assert_true(rib_loc_update(loc, &p, &s[2], a2));
	assert_true(rib_loc_update(loc, &p, &s[3], a3));
	const struct rib_entry *e = rib_loc_get(loc, &p);
	assert_int_equal(e->npaths, 4);
	assert_int_equal(e->nmulti, 2);
	assert_ptr_equal(rib_entry_paths(e)->src, &s[0]); /* lower router id first */
	assert_int_equal(rib_loc_drain(loc, 100, drained, &n), 1); /* queued once */
	/* Same attributes again: nothing. */
	assert_false(rib_loc_update(loc, &p, &s[0], a0));
	/* The best leaves: the other ECMP member remains. */
	assert_true(rib_loc_withdraw(loc, &p, &s[0]));
	assert_int_equal(e->nmulti, 1);
	assert_ptr_equal(rib_entry_paths(e)->src, &s[1]);
	assert_true(rib_loc_withdraw(loc, &p, &s[1]));
	assert_ptr_equal(rib_entry_paths(e)->src, &s[2]); /* the longer path takes over */
	assert_true(rib_loc_withdraw(loc, &p, &s[3])); /* a candidate left */
	assert_true(rib_loc_withdraw(loc, &p, &s[2]));
	n = 0;
	assert_int_equal(rib_loc_drain(loc, 100, drained, &n), 1);
	assert_null(rib_loc_get(loc, &p)); /* freed after the drain */
	assert_int_equal(rib_loc_paths(loc), 0);
	rib_attrs_unref(a0);
	rib_attrs_unref(a1);
	rib_attrs_unref(a2);
	rib_attrs_unref(a3);
	rib_loc_free(loc);
}

static void test_max_paths_and_walk(void **state)
{
	struct rib_decide_cfg cfg = { .multipath_relax = true, .max_paths = 3 };
	struct rib_loc *loc = rib_loc_new(&cfg);
	struct rib_src s[8];
	size_t n = 0;

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 8; i++) {
		s[i].kind = RIB_SRC_EBGP;
		s[i].router_id = (uint32_t)i;
		struct rib_attrs *a = attrs(65000 + (uint32_t)i, 1, 0);
		for (uint8_t j = 0; j < 5; j++) {
			struct bgp_prefix p = pfx(j);
			rib_loc_update(loc, &p, &s[i], a);
		}
		rib_attrs_unref(a);
	}
	struct bgp_prefix p0 = pfx(0);
	assert_int_equal(rib_loc_get(loc, &p0)->nmulti, 3);
	assert_int_equal(rib_loc_count(loc, 0), 5);
	assert_int_equal(rib_loc_paths(loc), 40);
	rib_loc_walk(loc, 0, count_cb, &n);
	assert_int_equal(n, 5);
	rib_loc_free(loc); /* drops every path's reference */
}

/* The Loc-RIB is also the Adj-RIB-In: an unusable path (looped, next hop
 * unreachable) is kept after the candidates, never best, never counted as a
 * route; becoming usable is a change; a source's paths go in one sweep. */
static void test_unusable_paths_and_source_sweep(void **state)
{
	struct rib_decide_cfg cfg = { .multipath_relax = true, .max_paths = 64 };
	struct rib_loc *loc = rib_loc_new(&cfg);
	struct rib_src s[2];
	struct bgp_prefix p = pfx(1), q = pfx(2);
	struct rib_attrs *a0 = attrs(65001, 1, 0), *a1 = attrs(65002, 2, 0);
	unsigned idx = 9;
	size_t n = 0;

	memset(s, 0, sizeof(s));
	s[0].kind = s[1].kind = RIB_SRC_EBGP;
	s[1].router_id = 1;
	/* An unusable path alone: stored, no route, nothing queued. */
	assert_int_equal(rib_loc_set(loc, &p, &s[0], a0, false), RIB_LOC_NEW);
	const struct rib_entry *e = rib_loc_get(loc, &p);
	assert_non_null(e);
	assert_int_equal(e->npaths, 1);
	assert_int_equal(e->nusable, 0);
	assert_int_equal(e->nmulti, 0);
	assert_int_equal(rib_loc_count(loc, AF_INET), 0);
	assert_false(rib_loc_pending(loc));
	assert_int_equal(rib_loc_set(loc, &p, &s[0], a0, false), RIB_LOC_SAME);
	/* A longer usable path is best over the unusable shorter one. */
	assert_int_equal(rib_loc_set(loc, &p, &s[1], a1, true), RIB_LOC_NEW | RIB_LOC_CHANGED);
	assert_ptr_equal(rib_entry_paths(e)->src, &s[1]);
	assert_int_equal(e->nusable, 1);
	assert_ptr_equal(rib_loc_path_of(e, &s[0], &idx)->src, &s[0]);
	assert_int_equal(idx, 1); /* after the candidates */
	assert_int_equal(rib_loc_count(loc, AF_INET), 1);
	/* The same attributes, now usable: a change, and it wins (shorter). */
	assert_int_equal(rib_loc_set(loc, &p, &s[0], a0, true), RIB_LOC_REPLACED | RIB_LOC_CHANGED);
	assert_ptr_equal(rib_entry_paths(e)->src, &s[0]);
	assert_int_equal(e->nusable, 2);
	assert_int_equal(rib_loc_drain(loc, 100, drained, &n), 1);
	/* Unusable again: the other one is best. */
	assert_int_equal(rib_loc_set(loc, &p, &s[0], a0, false), RIB_LOC_REPLACED | RIB_LOC_CHANGED);
	assert_ptr_equal(rib_entry_paths(e)->src, &s[1]);
	assert_int_equal(e->nmulti, 1);
	/* s[0] also sent q (unusable only); its session ends: both go, the
	 * emptied entry q is freed by the drain, p keeps s[1]'s path. */
	rib_loc_set(loc, &q, &s[0], a0, false);
	assert_int_equal(rib_loc_unset_src(loc, &s[0]), 2);
	assert_int_equal(rib_loc_get(loc, &p)->npaths, 1);
	assert_int_equal(rib_loc_unset(loc, &p, &s[0]), 0); /* gone already */
	n = 0;
	rib_loc_drain(loc, 100, drained, &n);
	assert_null(rib_loc_get(loc, &q));
	assert_int_equal(rib_loc_paths(loc), 1);
	assert_int_equal(rib_loc_unset(loc, &p, &s[1]), RIB_LOC_GONE | RIB_LOC_CHANGED);
	assert_int_equal(rib_loc_count(loc, 0), 0);
	rib_loc_drain(loc, 100, drained, &n);
	assert_null(rib_loc_get(loc, &p));
	rib_attrs_unref(a0);
	rib_attrs_unref(a1);
	rib_loc_free(loc);
}

/* The Adj-RIB-Out pairs in the entry: duplicate suppression per group, the
 * inline pair refilled from the heap ones, walks and clearing per group. */
static void test_adj_rib_out_pairs(void **state)
{
	struct rib_decide_cfg cfg = { .multipath_relax = true, .max_paths = 64 };
	struct rib_loc *loc = rib_loc_new(&cfg);
	struct rib_src s = { .kind = RIB_SRC_EBGP, .peer_as = 65001, .router_id = 1 };
	struct rib_attrs *in = attrs(65001, 1, 0), *o1 = attrs(65100, 2, 0), *o2 = attrs(65200, 2, 0);
	struct bgp_prefix p = pfx(7), q = pfx(8);
	size_t n = 0;

	assert_true(rib_loc_update(loc, &p, &s, in));
	assert_true(rib_loc_update(loc, &q, &s, in));
	struct rib_entry *e = (struct rib_entry *)rib_loc_get(loc, &p);
	struct rib_entry *f = (struct rib_entry *)rib_loc_get(loc, &q);
	assert_int_equal(rib_loc_out_set(loc, e, 3, o1), RIB_OUT_ADDED);
	assert_int_equal(rib_loc_out_set(loc, e, 3, o1), RIB_OUT_SAME); /* duplicate */
	assert_int_equal(rib_loc_out_set(loc, e, 5, o2), RIB_OUT_ADDED);
	assert_int_equal(rib_loc_out_set(loc, e, 9, o1), RIB_OUT_ADDED);
	assert_int_equal(rib_loc_out_set(loc, e, 5, o1), RIB_OUT_REPLACED);
	assert_int_equal(rib_loc_out_set(loc, e, 7, NULL), RIB_OUT_SAME); /* never sent */
	assert_int_equal(rib_loc_out_set(loc, f, 9, o2), RIB_OUT_ADDED);
	assert_ptr_equal(rib_loc_out_get(e, 5), o1);
	assert_null(rib_loc_out_get(e, 7));
	assert_int_equal(rib_attrs_refcnt(o1), 1 + 3);
	assert_int_equal(rib_loc_out_bytes(loc), 2 * sizeof(void *) + 2 * sizeof(struct rib_out));
	/* The inline pair goes: a heap pair takes its place. */
	assert_int_equal(rib_loc_out_set(loc, e, 3, NULL), RIB_OUT_REMOVED);
	assert_int_not_equal(e->out1_id, RIB_OUT_NONE);
	assert_ptr_equal(rib_loc_out_get(e, 5), o1);
	assert_ptr_equal(rib_loc_out_get(e, 9), o1);
	assert_int_equal(e->nxout, 1);
	assert_int_equal(rib_loc_out_walk(loc, 9, count_cb_out, &n), 0);
	assert_int_equal(n, 2);
	rib_loc_out_clear(loc, 9);
	assert_null(rib_loc_out_get(e, 9));
	assert_null(rib_loc_out_get(f, 9));
	assert_ptr_equal(rib_loc_out_get(e, 5), o1);
	assert_int_equal(rib_attrs_refcnt(o2), 1);
	/* Withdrawn but still in an export queue (pinned): kept until unpinned. */
	rib_loc_pin(e);
	assert_int_equal(rib_loc_out_set(loc, e, 5, NULL), RIB_OUT_REMOVED);
	assert_true(rib_loc_withdraw(loc, &p, &s));
	n = 0;
	assert_int_equal(rib_loc_drain(loc, 100, drained, &n), 2); /* p once, q */
	assert_ptr_equal(rib_loc_get(loc, &p), e);
	assert_int_equal(e->npaths, 0);
	rib_loc_unpin(loc, e);
	assert_null(rib_loc_get(loc, &p));
	assert_int_equal(rib_loc_out_bytes(loc), 0);
	rib_attrs_unref(in);
	rib_attrs_unref(o1);
	rib_attrs_unref(o2);
	rib_loc_free(loc); /* teardown's cache free aborts on a leaked reference */
}

/* The ECMP set as (source, attributes) pairs, and its size computed from
 * scratch: what the incremental bookkeeping of rib/loc.c must agree with. */
struct ecmp_snap {
	unsigned n;
	const void *v[2 * 12];
};

static void ecmp_snap(const struct rib_entry *e, struct ecmp_snap *sn)
{
	const struct rib_path *q = e ? rib_entry_paths(e) : NULL;

	sn->n = 0;
	for (unsigned i = 0; q && i < e->nmulti; i++, q = q->next) {
		sn->v[sn->n++] = q->src;
		sn->v[sn->n++] = q->attrs;
	}
}

static unsigned ecmp_size(const struct rib_decide_cfg *cfg, const struct rib_entry *e)
{
	const struct rib_path *best = rib_entry_paths(e), *q;
	unsigned n = 0;

	for (q = best; q && n < e->nusable && n < cfg->max_paths; q = q->next, n++)
		if (q != best && !rib_path_multipath(cfg, best->src, rib_attrs_get(best->attrs),
						     q->src, rib_attrs_get(q->attrs)))
			break;
	return n;
}

/* The backup set from scratch: the candidates after the ECMP set equal
 * (attribute by attribute, not by decision key) to the first of them. */
static unsigned backup_size(const struct rib_decide_cfg *cfg, const struct rib_entry *e)
{
	const struct rib_path *lead = rib_entry_paths(e), *q;
	unsigned n = 0;

	for (unsigned i = 0; lead && i < e->nmulti; i++)
		lead = lead->next;
	for (q = lead; q && e->nmulti + n < e->nusable; q = q->next, n++)
		if (q != lead && !rib_path_multipath(cfg, lead->src, rib_attrs_get(lead->attrs),
						     q->src, rib_attrs_get(q->attrs)))
			break;
	return n;
}

/* Random adds, replacements and removals of 12 sources' paths on one
 * prefix, checked after every step against a plain array: the list holds
 * exactly the present paths, candidates first and sorted, the unusable
 * ones after them, whichever of them is stored in the entry itself; the
 * ECMP set is what a fresh computation gives, and RIB_LOC_CHANGED is set
 * exactly when it or another candidate (the backup set) changed. */
static void random_path_lists(struct rib_decide_cfg cfg, uint32_t r)
{
	struct rib_loc *loc = rib_loc_new(&cfg);
	struct rib_src s[12];
	struct rib_attrs *a[6];
	int have[12], usable[12]; /* attrs index or -1 */
	struct bgp_prefix p = pfx(9);
	struct ecmp_snap before, after;
	unsigned flags;
	size_t n;

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 12; i++) {
		s[i].kind = RIB_SRC_EBGP;
		s[i].peer_as = 65001 + (uint32_t)i;
		s[i].router_id = 100 + (uint32_t)((i * 7) % 12);
		have[i] = -1;
		usable[i] = 0;
	}
	for (int k = 0; k < 6; k++)
		a[k] = attrs(65100 + (uint32_t)k, (uint8_t)(1 + k % 3), k == 5 ? 50 : 0);
	for (int step = 0; step < 4000; step++) {
		r = r * 1103515245u + 12345u;
		int i = (int)((r >> 8) % 12), k = (int)((r >> 16) % 7);
		bool u = (r >> 24) % 4 != 0;
		if (step == 2000) { /* a reload: the ECMP rules change (not the order) */
			cfg.max_paths = cfg.max_paths == 64 ? 3 : 64;
			cfg.multipath_relax = !cfg.multipath_relax;
			rib_loc_set_cfg(loc, &cfg);
		}
		ecmp_snap(rib_loc_get(loc, &p), &before);
		bool was_candidate = have[i] >= 0 && usable[i];
		if (k == 6) {
			flags = rib_loc_unset(loc, &p, &s[i]);
			have[i] = -1;
		} else {
			flags = rib_loc_set(loc, &p, &s[i], a[k], u);
			have[i] = k;
			usable[i] = u;
		}
		const struct rib_entry *e = rib_loc_get(loc, &p);
		ecmp_snap(e, &after);
		bool candidate = !(flags & RIB_LOC_SAME) && flags &&
				 (was_candidate || (k != 6 && u));
		assert_int_equal(!!(flags & RIB_LOC_CHANGED),
				 candidate || before.n != after.n ||
					 memcmp(before.v, after.v, after.n * sizeof(void *)) != 0);
		if (e)
			assert_int_equal(e->nmulti, ecmp_size(&cfg, e));
		if (e)
			assert_int_equal(rib_loc_nbackup(loc, e), backup_size(&cfg, e));
		size_t want = 0, want_usable = 0;
		for (int j = 0; j < 12; j++) {
			want += have[j] >= 0;
			want_usable += have[j] >= 0 && usable[j];
		}
		if (!want) {
			n = 0;
			rib_loc_drain(loc, 100, drained, &n);
			assert_null(rib_loc_get(loc, &p));
			continue;
		}
		assert_non_null(e);
		assert_int_equal(e->npaths, want);
		assert_int_equal(e->nusable, want_usable);
		unsigned idx = 0;
		const struct rib_path *prev = NULL;
		for (const struct rib_path *q = rib_entry_paths(e); q; q = q->next, idx++) {
			int j = (int)(q->src - s);
			assert_true(j >= 0 && j < 12);
			assert_ptr_equal(q->attrs, a[have[j]]);
			assert_int_equal(idx < e->nusable, usable[j]);
			if (prev && idx < e->nusable)
				assert_true(rib_path_cmp(&cfg, prev->src, rib_attrs_get(prev->attrs), q->src,
							 rib_attrs_get(q->attrs), NULL) <= 0);
			prev = q;
		}
		assert_int_equal(idx, want);
	}
	for (int i = 0; i < 12; i++)
		rib_loc_unset(loc, &p, &s[i]);
	n = 0;
	rib_loc_drain(loc, 100, drained, &n);
	assert_int_equal(rib_loc_paths(loc), 0);
	for (int k = 0; k < 6; k++)
		rib_attrs_unref(a[k]);
	rib_loc_free(loc);
}

static struct rib_attrs *mark_stale(struct rib_attrs *ra, void *arg)
{
	(*(size_t *)arg)++;
	return rib_attrs_with_flags(ra, RIB_ATTRS_STALE, 0);
}

static int stale_paths_cb(const struct rib_entry *e, void *arg)
{
	for (const struct rib_path *p = rib_entry_paths(e); p; p = p->next)
		*(size_t *)arg += (rib_attrs_flags(p->attrs) & RIB_ATTRS_STALE) != 0;
	return 0;
}

/* Graceful restart (RFC 4724 4.2): a source's paths marked stale in place
 * (the ECMP set, the order and the queue untouched), one refreshed by the
 * same attributes again, the rest swept by flag, per family. */
static void test_graceful_restart_stale(void **state)
{
	struct rib_decide_cfg cfg = { .multipath_relax = true, .max_paths = 64 };
	struct rib_loc *loc = rib_loc_new(&cfg);
	struct rib_src s[2];
	struct bgp_prefix p6 = { .family = AF_INET6, .len = 48,
				 .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } };
	size_t n = 0, calls = 0, stale = 0;

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 2; i++) {
		s[i].kind = RIB_SRC_EBGP;
		s[i].peer_as = 65001 + (uint32_t)i;
		s[i].router_id = 10 + (uint32_t)i;
	}
	struct rib_attrs *a0 = attrs(65001, 2, 0), *a1 = attrs(65002, 2, 0);
	for (uint8_t i = 1; i <= 3; i++) {
		struct bgp_prefix p = pfx(i);
		rib_loc_update(loc, &p, &s[0], a0);
		rib_loc_update(loc, &p, &s[1], a1);
	}
	struct bgp_prefix p4 = pfx(4), p1 = pfx(1);
	rib_loc_set(loc, &p4, &s[0], a0, false); /* unusable: kept, stale too */
	rib_loc_update(loc, &p6, &s[0], a0);
	rib_loc_drain(loc, 100, drained, &n);

	/* IPv4 only: 4 paths, in place, nothing queued. */
	assert_int_equal(rib_loc_restamp_src(loc, &s[0], AF_INET, mark_stale, &calls), 4);
	assert_int_equal(calls, 4);
	assert_false(rib_loc_pending(loc));
	rib_loc_walk(loc, 0, stale_paths_cb, &stale);
	assert_int_equal(stale, 4);
	const struct rib_entry *e = rib_loc_get(loc, &p1);
	const struct rib_path *best = rib_entry_paths(e);
	assert_int_equal(e->nmulti, 2);
	assert_ptr_equal(best->src, &s[0]); /* still first: ranked the same */
	assert_true(rib_attrs_flags(best->attrs) & RIB_ATTRS_STALE);
	assert_ptr_equal(rib_attrs_origin(best->attrs), a0); /* what the peer sent */
	assert_int_equal(rib_attrs_dkey(best->attrs)->path_len, rib_attrs_dkey(a0)->path_len);
	struct rib_attrs *back = rib_attrs_with_flags(best->attrs, 0, RIB_ATTRS_STALE);
	assert_ptr_equal(back, a0);
	rib_attrs_unref(back);
	/* Marking again changes nothing (the same set comes back). */
	calls = 0;
	assert_int_equal(rib_loc_restamp_src(loc, &s[0], AF_INET, mark_stale, &calls), 0);
	assert_int_equal(calls, 4);

	/* The peer sends prefix 1 again: the stale path is replaced. */
	unsigned r = rib_loc_set(loc, &p1, &s[0], a0, true);
	assert_true(r & RIB_LOC_REPLACED);
	assert_true(r & RIB_LOC_OLD_STALE);
	assert_false(r & RIB_LOC_OLD_FILTERED);
	assert_ptr_equal(rib_loc_path_of(e, &s[0], &(unsigned){ 0 })->attrs, a0);
	rib_loc_drain(loc, 100, drained, &n);

	/* End-of-RIB for IPv4: the three still stale go, the IPv6 path stays. */
	assert_int_equal(rib_loc_unset_src_flagged(loc, &s[0], AF_INET, RIB_ATTRS_STALE), 3);
	assert_int_equal(rib_loc_unset_src_flagged(loc, &s[0], AF_INET, RIB_ATTRS_STALE), 0);
	n = 0;
	rib_loc_drain(loc, 100, drained, &n);
	assert_int_equal(n, 3); /* two ECMP sets shrank, one entry emptied */
	assert_null(rib_loc_get(loc, &p4));
	struct bgp_prefix p2 = pfx(2);
	assert_int_equal(rib_loc_get(loc, &p2)->nmulti, 1);
	assert_non_null(rib_loc_path_of(rib_loc_get(loc, &p6), &s[0], &(unsigned){ 0 }));
	assert_int_equal(rib_loc_paths(loc), 3 + 1 + 1); /* s1 x3, s0 on p1 and p6 */
	/* A stale path removed reports it. */
	rib_loc_restamp_src(loc, &s[0], 0, mark_stale, &calls);
	r = rib_loc_unset(loc, &p6, &s[0]);
	assert_true((r & RIB_LOC_GONE) && (r & RIB_LOC_OLD_STALE));
	rib_loc_drain(loc, 100, drained, &n);
	rib_loc_free(loc);
	rib_attrs_unref(a0);
	rib_attrs_unref(a1);
}

static void test_random_path_lists(void **state)
{
	(void)state;
	random_path_lists((struct rib_decide_cfg){ .multipath_relax = true, .max_paths = 4 }, 12345);
	random_path_lists((struct rib_decide_cfg){ .multipath_relax = true, .max_paths = 64 }, 777);
	random_path_lists((struct rib_decide_cfg){ .max_paths = 2 }, 4242);
	random_path_lists((struct rib_decide_cfg){ .multipath_relax = true, .max_paths = 1 }, 99);
}

/* What a prefix costs in the Loc-RIB, the daemon's one route store (paths,
 * Adj-RIB-In and Adj-RIB-Out): 100k consecutive IPv4 /24s from one peer,
 * each sent to one update group. The entry sits in its trie node (72
 * bytes) with about one glue node (16); fails above 96 bytes per route.
 * BIRD 2 needs ~94 for the same table (tests/bench, docs/benchmarks.md). */
static void test_bytes_per_route(void **state)
{
	struct rib_decide_cfg cfg = { .multipath_relax = true, .max_paths = 64 };
	struct rib_loc *loc = rib_loc_new(&cfg);
	struct rib_src s = { .kind = RIB_SRC_EBGP, .peer_as = 65001, .router_id = 1 };
	struct rib_attrs *in = attrs(65001, 2, 0), *out = attrs(65000, 3, 0);
	const size_t n = 100000;
	size_t drained_n = 0;

	size_t empty = rib_loc_bytes(loc);
	for (size_t i = 0; i < n; i++) {
		struct bgp_prefix p = { .family = AF_INET, .len = 24,
					.addr = { (uint8_t)(10 + (i >> 16)), (uint8_t)(i >> 8), (uint8_t)i } };
		assert_true(rib_loc_update(loc, &p, &s, in));
		struct rib_entry *e = (struct rib_entry *)rib_loc_get(loc, &p);
		assert_int_equal(rib_loc_out_set(loc, e, 0, out), RIB_OUT_ADDED);
	}
	assert_int_equal(rib_loc_drain(loc, n, drained, &drained_n), n);
	assert_int_equal(rib_loc_count(loc, AF_INET), n);
	double per = (double)(rib_loc_bytes(loc) - empty) / (double)n;
	printf("rib-loc ipv4 dense: %zu routes, %.1f B/route (entry %zu B)\n", n, per,
	       sizeof(struct rib_entry));
	assert_true(per <= 96.0);
	assert_int_equal(rib_loc_unset_src(loc, &s), n);
	drained_n = 0;
	rib_loc_drain(loc, n, drained, &drained_n); /* entries with a pair stay */
	rib_attrs_unref(in);
	rib_attrs_unref(out);
	rib_loc_free(loc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecmp_set_and_changes),
		cmocka_unit_test(test_max_paths_and_walk),
		cmocka_unit_test(test_unusable_paths_and_source_sweep),
		cmocka_unit_test(test_adj_rib_out_pairs),
		cmocka_unit_test(test_graceful_restart_stale),
		cmocka_unit_test(test_random_path_lists),
		cmocka_unit_test(test_bytes_per_route),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
