/* Kernel FIB through rtnetlink (libmnl): nexthop objects per gateway,
 * nexthop groups per ECMP set shared by every route with that set, routes
 * pointing at a group id; precomputed backup sets that the FIB fails over
 * to by itself when a link dies; blackhole routes; batched programming with
 * per-message errors, restart reconciliation by protocol number, and
 * link/address monitoring. The FIB never calls into sessions or the RIB
 * except through fib_ops. */
#ifndef CLOS_FIB_H
#define CLOS_FIB_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgpd/wire.h"

/* Our routing protocol number (iproute2 name "closbgp", see
 * tools/rt_protos.d/closbgp.conf); a restarted daemon finds its routes by it. */
#define FIB_RTPROT 210

struct fib_nh {
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* gateway */
	uint32_t ifindex; /* 0: the interface whose connected subnet holds addr */
};

struct fib_ops {
	/* A link lost carrier/went down or came back (RTM_NEWLINK/DELLINK). */
	void (*link_change)(void *arg, uint32_t ifindex, bool up);
	/* An address was removed from an interface. */
	void (*addr_del)(void *arg, uint32_t ifindex, uint8_t family, const uint8_t *addr);
	/* An address became usable as a source: added, or its IPv6 duplicate
	 * address detection finished. */
	void (*addr_add)(void *arg, uint32_t ifindex, uint8_t family, const uint8_t *addr);
	/* A route reached the kernel (err 0) or failed (-errno) — the FIB
	 * acknowledgement that advertisement can wait for. */
	void (*route_done)(void *arg, const struct bgp_prefix *p, int err);
	void *arg;
};

struct fib_stats {
	size_t routes, routes_installed, routes_failed, routes_stale;
	size_t nexthops, groups;
	uint64_t msgs_sent, batches, errors, retries;
	uint64_t failovers; /* groups moved to their backups on link loss */
	uint64_t takeovers; /* routes whose standby route took over on link loss */
	bool nexthop_objects; /* false: RTA_MULTIPATH fallback */
};

struct fib;

/* Opens the netlink sockets, learns links/addresses, and adopts routes and
 * nexthops of protocol FIB_RTPROT already in the kernel as stale. */
struct fib *fib_new(struct ev_loop *loop, const struct fib_ops *ops, char *err, size_t errlen);
/* remove_routes: also delete every route and nexthop we installed. */
void fib_free(struct fib *f, bool remove_routes);

/* Desired state for a prefix: n next hops (ECMP), n == 0 deletes. Changes
 * are batched and sent when the event loop is about to block. -1 (and the
 * prefix is deleted) when no next hop is on a connected network. */
int fib_route_set(struct fib *f, const struct bgp_prefix *p, const struct fib_nh *nh, size_t n);
/* Desired state with a precomputed backup: nh[0..n) is the ECMP set and
 * bk[0..nb) the set that takes over when link failures leave no member
 * of nh alive. Routes sharing (nh, bk) share one kernel group; each also
 * has a standby route one metric behind it (fib_metric) on the backups'
 * own object, so when the kernel deletes the group and the main routes
 * with the primaries' links, it forwards on the standby routes at once,
 * and the FIB takes them as the routes without a message. n == 0 deletes.
 *
 * Backups that are also in nh, not on a connected network, or on a link
 * that is down are left out; with none left this is fib_route_set(). If no
 * primary is on a connected network, the backups are the set. Otherwise
 * the route points at a group even for n == 1, whose kernel members are
 * the primaries (-1 as for fib_route_set when nothing is usable). After a
 * takeover the RIB's fib_route_set(p, bk, nb) — or
 * fib_route_set_backup(p, bk, nb, NULL, 0) — finds the route on that
 * object and sends nothing. A route whose standby route the kernel refused
 * fails over the older way: its group re-created under its id with the
 * backups and the route re-added (1 + routes messages, fib/README.md).
 * Without nexthop objects (RTA_MULTIPATH) only the primaries are used and
 * the FIB does not fail over: the RIB's next fib_route_set does. */
int fib_route_set_backup(struct fib *f, const struct bgp_prefix *p, const struct fib_nh *nh, size_t n,
			 const struct fib_nh *bk, size_t nb);
/* p as a blackhole: an originated aggregate drops packets for absent
 * more-specifics here instead of looping them back up the fabric. -1 (and
 * nothing changes) when p is the network of a connected address: the
 * kernel's prefix route for it must stay. fib_route_set(p, NULL, 0)
 * removes it. */
int fib_route_blackhole(struct fib *f, const struct bgp_prefix *p);
/* Send everything pending now (also called from the loop's prepare hook). */
void fib_flush(struct fib *f);
/* After convergence: delete adopted routes and nexthops nobody re-set. */
void fib_sweep_stale(struct fib *f);
void fib_get_stats(const struct fib *f, struct fib_stats *st);

/* Interface whose connected subnet contains addr (0 if none). */
uint32_t fib_addr_ifindex(const struct fib *f, uint8_t family, const uint8_t *addr);
/* Interface that holds local address addr (0 if none). */
uint32_t fib_local_ifindex(const struct fib *f, uint8_t family, const uint8_t *addr);
const char *fib_ifname(const struct fib *f, uint32_t ifindex);

/* Walk programmed routes (for closctl show fib). nh_id is the kernel
 * nexthop or group id; members lists the gateways the kernel uses, backups
 * the group's precomputed backup set (nbackups 0 without one). A blackhole
 * route has no members. */
struct fib_route_info {
	struct bgp_prefix prefix;
	uint32_t nh_id;
	bool group;
	bool blackhole;
	const char *state; /* "installed", "pending", "stale", "failed" */
	size_t nmembers;
	const struct fib_nh *members;
	const uint32_t *member_ids;
	size_t nbackups;
	const struct fib_nh *backups;
	const uint32_t *backup_ids;
	uint32_t metric;     /* of the route (the standby metric after a takeover) */
	uint32_t standby_id; /* the standby route's nexthop or group in the kernel (0: none) */
};
int fib_walk(const struct fib *f, int (*cb)(const struct fib_route_info *ri, void *arg), void *arg);

#endif
