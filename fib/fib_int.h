/* FIB internals shared by fib.c (routes, batches), nhtab.c (nexthop
 * objects and groups) and link.c (links and addresses). */
#ifndef CLOS_FIB_INT_H
#define CLOS_FIB_INT_H

#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include "fib/fib.h"
#include "fib/map.h"

#define FIB_MAX_ECMP 64
/* Longest key of objs_by_key: a group with backups, see fib_obj_key(). */
#define FIB_KEY_MAX (2 + 2 * FIB_MAX_ECMP * 4)

/* A kernel nexthop object (one gateway on one interface, or a blackhole
 * of one family) or a group. A group's kernel members are mem; bk is its
 * precomputed backup set (never overlapping mem), which replaces mem when
 * link loss kills every member of mem (fib_obj_link_down). A group holds a
 * reference on every id of mem and bk. */
struct fib_obj {
	uint32_t id;
	bool group;
	bool blackhole;	  /* NHA_BLACKHOLE; nh.family only */
	bool installed;	  /* the kernel has it as we want it */
	bool stale;	  /* adopted at start-up, not yet claimed */
	bool dead;	  /* its interface went down */
	bool queued;	  /* on the install queue */
	bool lost;	  /* link-down pass: the kernel deleted it and its routes */
	uint32_t refs;	  /* routes (and groups, for singles) pointing at it */
	struct fib_nh nh; /* single: gateway and interface */
	uint32_t nmem;	  /* group: member object ids, sorted */
	uint32_t mem[FIB_MAX_ECMP];
	uint32_t nbk;	  /* group: backup object ids, sorted */
	uint32_t bk[FIB_MAX_ECMP];
	struct fib_obj *succ; /* link-down pass: where its routes move */
	struct fib_obj *qnext;
};

enum fib_route_state { FR_PENDING, FR_INSTALLED, FR_STALE, FR_FAILED, FR_DELETING };

/* A prefix has its route at the main metric (fib_metric(family, 0)) and,
 * when its group has a backup set, a standby route at the next metric
 * pointing at the backup set's object: when the kernel deletes the group
 * with its last member's link, the standby route is already there and
 * carries the traffic (fib/README.md, "Standby routes"). After such a
 * takeover the standby route is the prefix's route (on_sb) until a new
 * backup set moves it back to the main metric. */
struct fib_route {
	struct bgp_prefix prefix;
	struct fib_obj *want;	/* NULL: delete */
	uint32_t kernel_id;	/* what the kernel route points at (0 unknown) */
	struct fib_obj *sb;	/* the standby route's object (NULL: none wanted) */
	uint32_t sb_kid;	/* what the kernel's route at the other metric points at (0 none) */
	enum fib_route_state state;
	bool dirty;		/* on the dirty list */
	bool send_main;		/* want (or its delete) to be sent */
	bool send_sb;		/* the other metric's route to be synced */
	bool on_sb;		/* want sits at the standby metric (after a takeover) */
	bool sb_failed;		/* the kernel refused the standby route */
	uint8_t retries;
	struct fib_route *dnext; /* dirty list */
};

/* The metric of a route of family in slot 0 (main) or 1 (standby): the
 * kernel's defaults for routes given without one (0 for IPv4, 1024 for
 * IPv6), and the next. */
static inline uint32_t fib_metric(uint8_t family, int slot)
{
	return (family == AF_INET6 ? 1024u : 0u) + (uint32_t)slot;
}

struct fib_link {
	uint32_t ifindex;
	char name[16];
	bool up;
};

struct fib_addr {
	uint32_t ifindex;
	uint8_t family, plen;
	bool usable;		/* not tentative (IPv6 DAD) or failed */
	uint8_t addr[16];
};

struct fib {
	struct ev_loop *loop;
	struct fib_ops ops;
	struct mnl_socket *nl;	  /* requests */
	struct mnl_socket *mon;	  /* link/address notifications */
	uint32_t portid, seq;
	ev_io mon_io;
	ev_prepare prepare;
	ev_timer retry;
	bool nhobj;		  /* kernel has nexthop objects */
	uint32_t next_id;
	struct fib_map objs_by_key; /* nh key or member list -> obj */
	struct fib_map objs_by_id;  /* id -> obj */
	struct fib_map routes;	    /* prefix -> route */
	struct fib_obj *objq;	    /* objects to (re)install */
	struct fib_route *dirty, **dirty_tail;
	struct fib_link *links;
	size_t nlinks;
	struct fib_addr *addrs;
	size_t naddrs, caddrs;
	/* fib_addr_ifindex answers (a route's next hops repeat: the same few
	 * peers), valid while addr_gen is what it was when filled. Behind a
	 * pointer: the lookup is const on the FIB. */
	struct fib_addr_cache *acache;
	uint32_t addr_gen;
	struct fib_stats st;
	char *buf;		  /* batch buffer */
	size_t bufsize;
};

/* nhtab.c */
struct fib_obj *fib_obj_single(struct fib *f, const struct fib_nh *nh);
/* The blackhole nexthop of family (one per family: an IPv6 route may not
 * use an IPv4 nexthop). */
struct fib_obj *fib_obj_blackhole(struct fib *f, uint8_t family);
/* The object for primaries mem[0..n) with backups bk[0..nb): an existing
 * one with the same sets, or a new group; with no backup left, a single
 * member is the nexthop itself. n == 0: the backups are the set. */
struct fib_obj *fib_obj_for_set(struct fib *f, struct fib_obj **mem, size_t n,
				struct fib_obj **bk, size_t nb);
struct fib_obj *fib_obj_by_id(const struct fib *f, uint32_t id);
/* A nexthop found in the kernel: a group (mem), a blackhole, or a gateway (nh). */
struct fib_obj *fib_obj_adopt(struct fib *f, uint32_t id, const struct fib_nh *nh, bool blackhole,
			      const uint32_t *mem, size_t nmem);
void fib_obj_ref(struct fib_obj *o);
void fib_obj_unref(struct fib *f, struct fib_obj *o);
void fib_obj_queue(struct fib *f, struct fib_obj *o);
/* Link down: drop dead members from every group (one replace per group),
 * fail groups with no live member over to their live backups, and tell
 * fib.c which routes the kernel deleted (fib_routes_lost). */
void fib_obj_link_down(struct fib *f, uint32_t ifindex);
/* Put an object's NEWNEXTHOP/DELNEXTHOP into the batch. */
void fib_obj_msg(struct fib *f, struct mnl_nlmsg_batch *b, struct fib_obj *o, bool del);
void fib_obj_destroy(struct fib *f, struct fib_obj *o);
size_t fib_obj_key(const struct fib_obj *o, uint8_t *key);

/* link.c */
int fib_link_init(struct fib *f, char *err, size_t errlen);
int fib_addr_cache_init(struct fib *f); /* link.c: fib_addr_ifindex's cache */
void fib_link_free(struct fib *f);
void fib_link_dump(struct fib *f);
/* ifindex is a link we know to be down (no carrier or not up). */
bool fib_link_known_down(const struct fib *f, uint32_t ifindex);
/* p is the network of one of our connected addresses. */
bool fib_link_connected_net(const struct fib *f, const struct bgp_prefix *p);

/* fib.c */
int fib_request_dump(struct fib *f, uint16_t type, uint8_t family,
		     int (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg);
/* After a link-down pass: routes on objects marked lost were deleted by
 * the kernel; those whose object has a successor (a failover) are moved
 * to it and sent again, the others wait for the RIB. */
void fib_routes_lost(struct fib *f);

#endif
