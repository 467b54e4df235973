/* closctl show fib: a copy of the kernel FIB taken when the request arrives
 * (the FIB is a hash map and cannot be resumed in order), sorted by prefix
 * (IPv4 first, by address, shorter first) so the control server can send it
 * in pages. Nexthops and groups are shared, so they are copied once per id. */
#ifndef CLOS_CTL_FIB_H
#define CLOS_CTL_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"

struct fib_snap_route {
	struct bgp_prefix prefix;
	uint32_t nh_id;
	uint32_t metric, standby_id; /* standby_id 0: no standby route */
	const char *state; /* static strings of fib.c */
	bool group;
	bool blackhole;
};

struct fib_snap_member {
	uint32_t id, ifindex;
	uint8_t family;
	uint8_t addr[16];
};

struct fib_snap_obj {
	uint32_t id;
	uint32_t first, n; /* members mem[first .. first + n) */
	uint32_t nbk;	   /* then backups mem[first + n .. first + n + nbk) */
};

struct fib_snap {
	struct fib_snap_route *routes;
	size_t nroutes, routes_cap;
	struct fib_snap_obj *objs;
	size_t nobjs, objs_cap;
	uint32_t *hash; /* open addressing over objs: index + 1, 0 = free */
	size_t hash_cap;
	struct fib_snap_member *mem;
	size_t nmem, mem_cap;
	struct fib_stats stats;
	bool oom;
};

/* NULL if out of memory. */
struct fib_snap *fib_snap_take(const struct fib *f);
void fib_snap_free(struct fib_snap *s); /* NULL is ok */
/* The members (and backups) of nexthop (or group) id, NULL if the copy has none. */
const struct fib_snap_obj *fib_snap_obj(const struct fib_snap *s, uint32_t id);

#endif
