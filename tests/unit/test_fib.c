/* The kernel FIB module against a real kernel, inside a network namespace
 * of its own (clos-ut-fib-PID, unnamed once entered, so it goes with the
 * process however the test ends): nexthop groups shared
 * by routes, link loss shrinking a group in one update, restart adoption
 * without reinstalling, IPv6 with link-local gateways, precomputed backup
 * sets taking over on link loss before the RIB reacts, blackhole routes.
 * Skips without root. */
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "fib/fib.h"

struct ctx {
	struct ev_loop *loop;
	int downs, ups, acks, nacks;
	uint32_t watch_ifindex; /* counts downs of this link only */
};

static char nsname[64];

static void link_change(void *arg, uint32_t ifindex, bool up)
{
	struct ctx *c = arg;

	if (up) {
		c->ups++;
	} else if (ifindex == c->watch_ifindex) {
		c->downs++;
	}
}

static void route_done(void *arg, const struct bgp_prefix *p, int err)
{
	struct ctx *c = arg;

	if (err)
		c->nacks++;
	else
		c->acks++;
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Output of a shell command, first line as a number. */
static long sh_num(const char *fmt, ...)
{
	char cmd[512], line[128] = "";
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	pclose(p);
	return strtol(line, NULL, 10);
}

static int setup(void **state)
{
	char path[128];
	int fd, rc;

	if (geteuid() != 0)
		return 0;
	snprintf(nsname, sizeof(nsname), "clos-ut-fib-%d", (int)getpid());
	if (sh("ip netns add %s", nsname) != 0)
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", nsname);
	fd = open(path, O_RDONLY);
	rc = fd >= 0 && setns(fd, CLONE_NEWNET) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	/* The name goes at once: the namespace lives while this process (and
	 * the ip commands it runs) is in it, and dies with it even when a
	 * test aborts. */
	if (sh("ip netns del %s", nsname) != 0)
		fprintf(stderr, "setup: ip netns del %s failed\n", nsname);
	if (rc < 0)
		return -1;
	/* Three links with a gateway each; the peer ends stay in this namespace. */
	if (sh("ip link set lo up && "
	       "ip link add v1 type veth peer name v1p && ip link add v2 type veth peer name v2p && "
	       "ip link add v3 type veth peer name v3p && "
	       "ip addr add 10.1.0.1/24 dev v1 && ip addr add 10.2.0.1/24 dev v2 && "
	       "ip addr add 10.3.0.1/24 dev v3 && "
	       "ip -6 addr add 2001:db8:1::1/64 dev v1 nodad && "
	       "for l in v1 v1p v2 v2p v3 v3p; do ip link set $l up; done") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return 0; /* the namespace goes with the process (setup) */
}

/* Before each test: every link up (bounded wait for carrier) and nothing
 * of ours left in the kernel, so a failed test does not fail the next. */
static int fresh(void **state)
{
	if (geteuid() != 0)
		return 0;
	sh("for l in v1p v2p v3p; do ip link set $l up; done; "
	   "ip route flush proto 210; ip -6 route flush proto 210; ip nexthop flush proto 210 >/dev/null");
	for (int i = 0; i < 200; i++) {
		if (sh("for l in v1 v2 v3; do ip -o link show $l | grep -q LOWER_UP || exit 1; done") == 0)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Output of a shell command, first line, newline dropped. */
static char *sh_str(char *out, size_t len, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = 0;
	p = popen(cmd, "r");
	if (!p)
		return out;
	if (!fgets(out, (int)len, p))
		out[0] = 0;
	pclose(p);
	out[strcspn(out, "\n")] = 0;
	return out;
}

static void pump(struct ctx *c, int *counter, int want)
{
	/* Bounded: at most 200 x 10 ms. */
	for (int i = 0; i < 200 && *counter < want; i++) {
		ev_run(c->loop, EVRUN_NOWAIT);
		usleep(10000);
	}
}

/* Carrier loss on dev (its veth peer goes down), seen by the FIB. */
static void link_down(struct ctx *c, const char *dev)
{
	c->watch_ifindex = if_nametoindex(dev);
	c->downs = 0;
	sh("ip link set %sp down", dev);
	pump(c, &c->downs, 1);
	assert_int_equal(c->downs, 1);
}

/* Carrier back on dev; waits (bounded) until the kernel shows it. */
static void link_up(struct ctx *c, const char *dev)
{
	sh("ip link set %sp up", dev);
	for (int i = 0; i < 200 && sh_num("ip -o link show %s | grep -c LOWER_UP", dev) != 1; i++) {
		ev_run(c->loop, EVRUN_NOWAIT);
		usleep(10000);
	}
	assert_int_equal(sh_num("ip -o link show %s | grep -c LOWER_UP", dev), 1);
	ev_run(c->loop, EVRUN_NOWAIT);
}

static struct bgp_prefix pfx4(uint32_t host_order, uint8_t len)
{
	struct bgp_prefix p = { .family = AF_INET, .len = len };
	uint32_t n = htonl(host_order);

	memcpy(p.addr, &n, 4);
	return p;
}

static struct fib_nh nh4(const char *gw)
{
	struct fib_nh nh = { .family = AF_INET };

	inet_pton(AF_INET, gw, nh.addr);
	return nh;
}

static struct fib *open_fib(struct ctx *c)
{
	char err[256];
	struct fib_ops ops = { .link_change = link_change, .route_done = route_done, .arg = c };
	struct fib *f = fib_new(c->loop, &ops, err, sizeof(err));

	if (!f)
		fail_msg("fib_new: %s", err);
	return f;
}

/* The kernel id of our nexthop object for gateway gw (0 if none). */
static long nh_id(const char *gw)
{
	return sh_num("ip nexthop show proto 210 | grep 'via %s ' | awk '{print $2}'", gw);
}

/* "1001/1002": the members of kernel group id, as ip prints them. */
static char *group_members(char *out, size_t len, long id)
{
	return sh_str(out, len, "ip nexthop show id %ld 2>/dev/null | awk '$3 == \"group\" {print $4}'", id);
}

static uint64_t msgs_sent(const struct fib *f)
{
	struct fib_stats st;

	fib_get_stats(f, &st);
	return st.msgs_sent;
}

#define NROUTES 1000

static void test_group_shared_then_shrunk_then_adopted(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh gws[2] = { nh4("10.1.0.2"), nh4("10.2.0.2") };
	struct fib_stats st;

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	for (uint32_t i = 0; i < NROUTES; i++) {
		struct bgp_prefix p = pfx4(0xC6120000u + (i << 8), 24); /* 198.18.x.0/24 */
		assert_int_equal(fib_route_set(f, &p, gws, 2), 0);
	}
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_installed, NROUTES);
	assert_int_equal(c.acks, NROUTES);
	assert_int_equal(st.nexthops, 2);
	assert_int_equal(st.groups, 1);
	/* The kernel: NROUTES routes of our protocol, all on one group of two. */
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), NROUTES);
	assert_int_equal(sh_num("ip -o route show proto 210 | awk '{print $3}' | sort -u | wc -l"), 1);
	long gid = sh_num("ip -o route show 198.18.0.0/24 | awk '{print $3}'");
	assert_true(gid >= 1000);
	assert_int_equal(sh_num("ip nexthop show id %ld | grep -o 'id [0-9]*/' | wc -l", gid), 0);
	assert_int_equal(sh_num("ip nexthop show id %ld | tr '/' '\\n' | wc -l", gid), 2);

	/* Carrier loss on v2: one group update, routes keep the group. */
	uint64_t msgs = st.msgs_sent;
	c.watch_ifindex = if_nametoindex("v2");
	sh("ip link set v2p down");
	pump(&c, &c.downs, 1);
	assert_int_equal(c.downs, 1);
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_true(st.msgs_sent - msgs <= 2); /* the group replace (+ a nexthop delete) */
	assert_int_equal(sh_num("ip nexthop show id %ld | tr '/' '\\n' | wc -l", gid), 1);
	assert_int_equal(sh_num("ip -o route show proto 210 | grep -c \"nhid %ld \"", gid), NROUTES);
	sh("ip link set v2p up");

	/* Restart: a new instance adopts the routes; re-setting half of them
	 * with the same next hop sends nothing; the sweep removes the rest. */
	fib_free(f, false);
	f = open_fib(&c);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_stale, NROUTES);
	struct fib_nh one = nh4("10.1.0.2");
	for (uint32_t i = 0; i < NROUTES / 2; i++) {
		struct bgp_prefix p = pfx4(0xC6120000u + (i << 8), 24);
		fib_route_set(f, &p, &one, 1);
	}
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.msgs_sent, 0);
	assert_int_equal(st.routes_installed, NROUTES / 2);
	fib_sweep_stale(f);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), NROUTES / 2);
	fib_free(f, true);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 0);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

static void test_ipv6_link_local_and_delete(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh nh = { .family = AF_INET6, .ifindex = 0 };
	struct bgp_prefix p = { .family = AF_INET6, .len = 48 };

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	nh.ifindex = if_nametoindex("v1");
	inet_pton(AF_INET6, "fe80::2", nh.addr);
	inet_pton(AF_INET6, "2001:db8:100::", p.addr);
	assert_int_equal(fib_route_set(f, &p, &nh, 1), 0);
	fib_flush(f);
	assert_int_equal(sh_num("ip -o -6 route show proto 210 | grep -c 2001:db8:100::/48"), 1);
	assert_int_equal(sh_num("ip -6 nexthop show | grep -c 'via fe80::2 dev v1'"), 1);
	/* Unreachable gateway: refused without touching the kernel. */
	struct fib_nh bad = nh4("192.0.2.1");
	struct bgp_prefix p4 = pfx4(0xC6330000u, 16);
	assert_int_equal(fib_route_set(f, &p4, &bad, 1), -1);
	/* Delete. */
	assert_int_equal(fib_route_set(f, &p, NULL, 0), 0);
	fib_flush(f);
	assert_int_equal(sh_num("ip -o -6 route show proto 210 | wc -l"), 0);
	fib_free(f, true);
	ev_loop_destroy(c.loop);
}

/* A message the kernel refuses in the middle of a batch is reported for
 * that route alone; the others of the batch are installed. */
static void test_error_in_batch(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh gw = nh4("10.1.0.2");
	struct fib_stats st;

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	for (uint32_t i = 0; i < 10; i++) {
		struct bgp_prefix p = pfx4(0xC6400000u + (i << 8), 24);
		assert_int_equal(fib_route_set(f, &p, &gw, 1), 0);
		if (i == 5) {
			/* An IPv6 route on an IPv4 gateway: the kernel says EINVAL. */
			struct bgp_prefix bad = { .family = AF_INET6, .len = 64 };
			inet_pton(AF_INET6, "2001:db8:bad::", bad.addr);
			assert_int_equal(fib_route_set(f, &bad, &gw, 1), 0);
		}
	}
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_installed, 10);
	assert_int_equal(st.routes_failed, 1);
	assert_int_equal(c.acks, 10);
	assert_int_equal(c.nacks, 1);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 10);
	fib_free(f, true);
	ev_loop_destroy(c.loop);
}


/* ---- backup sets and standby routes ------------------------------------ */

struct walk_expect {
	size_t routes, nmembers, nbackups;
	uint32_t nh_id, metric, standby_id;
	bool ok;
};

static int walk_check(const struct fib_route_info *ri, void *arg)
{
	struct walk_expect *w = arg;

	w->routes++;
	if (!ri->group || ri->nh_id != w->nh_id || ri->nmembers != w->nmembers ||
	    ri->nbackups != w->nbackups || ri->metric != w->metric || ri->standby_id != w->standby_id)
		w->ok = false;
	return 0;
}

/* Every route of f on group id at metric, with nmem members, nbk backups
 * and its standby route on sb (0: none). */
static void assert_walk(const struct fib *f, long id, size_t routes, size_t nmem, size_t nbk,
			uint32_t metric, long sb)
{
	struct walk_expect w = { .nmembers = nmem, .nbackups = nbk, .nh_id = (uint32_t)id,
				 .metric = metric, .standby_id = (uint32_t)sb, .ok = true };

	fib_walk(f, walk_check, &w);
	assert_int_equal(w.routes, routes);
	assert_true(w.ok);
}

/* Kernel routes of ours at metric on nexthop/group id. */
static long routes_on(long id, int metric)
{
	return sh_num("ip -o route show proto 210 metric %d | grep -c \"nhid %ld \"", metric, id);
}

/* The nexthop/group id of the kernel route for dst at metric (0: none). */
static long route_nhid(const char *dst, int metric)
{
	return sh_num("ip -o route show %s proto 210 metric %d | awk '{print $3}'", dst, metric);
}

#define NBACKUP 50

static struct bgp_prefix backup_pfx(uint32_t base, uint32_t i)
{
	return pfx4(base + (i << 8), 24);
}

static void set_all(struct fib *f, uint32_t base, uint32_t count, const struct fib_nh *nh, size_t n,
		    const struct fib_nh *bk, size_t nb)
{
	for (uint32_t i = 0; i < count; i++) {
		struct bgp_prefix p = backup_pfx(base, i);
		assert_int_equal(fib_route_set_backup(f, &p, nh, n, bk, nb), 0);
	}
	fib_flush(f);
}

/* (a) 50 routes on primary A with backups {B, C}: group P (kernel member
 * A, backups B, C) at metric 0 and, per prefix, a standby route at metric
 * 1 on the group of {B, C}. A's link loses carrier: the kernel removes A,
 * P and the 50 main routes itself (net/ipv4/nexthop.c), and the standby
 * routes are what it uses from that moment. The FIB takes them as the
 * routes without a message; the RIB's recomputation,
 * fib_route_set_backup(p, {B, C}) or fib_route_set(p, {B, C}), sends
 * nothing either. A back: the routes return to metric 0 on a new group,
 * the standby routes stay as they are. */
static void test_backup_failover(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh a = nh4("10.1.0.2"), bk[2] = { nh4("10.2.0.2"), nh4("10.3.0.2") };
	const uint32_t base = 0xC6130000u; /* 198.19.i.0/24 */
	struct fib_stats st;
	char buf[128], want[64];

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	set_all(f, base, NBACKUP, &a, 1, bk, 2);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_installed, NBACKUP);
	assert_int_equal(st.nexthops, 3);
	assert_int_equal(st.groups, 2); /* P (one member, still a group) and {B, C} */
	long gid = route_nhid("198.19.0.0/24", 0), sid = route_nhid("198.19.0.0/24", 1);
	long ida = nh_id("10.1.0.2"), idb = nh_id("10.2.0.2"), idc = nh_id("10.3.0.2");
	assert_true(gid >= 1000 && sid >= 1000 && ida >= 1000 && idb >= 1000 && idc >= 1000);
	assert_true(gid != sid);
	snprintf(want, sizeof(want), "%ld", ida);
	assert_string_equal(group_members(buf, sizeof(buf), gid), want);
	snprintf(want, sizeof(want), "%ld/%ld", idb < idc ? idb : idc, idb < idc ? idc : idb);
	assert_string_equal(group_members(buf, sizeof(buf), sid), want);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 2 * NBACKUP);
	assert_int_equal(routes_on(sid, 1), NBACKUP);
	assert_walk(f, gid, NBACKUP, 1, 2, 0, sid);

	/* Carrier loss on A's link: the standby routes take over. */
	uint64_t msgs = msgs_sent(f);
	int acks = c.acks;
	link_down(&c, "v1");
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.failovers, 1);
	assert_int_equal(st.takeovers, NBACKUP);
	assert_int_equal(st.msgs_sent - msgs, 0);
	assert_int_equal(st.routes_installed, NBACKUP);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), NBACKUP);
	assert_int_equal(routes_on(sid, 1), NBACKUP);
	assert_walk(f, sid, NBACKUP, 2, 0, 1, 0);
	assert_int_equal(st.nexthops, 2); /* A is gone (the kernel flushed it) */
	assert_int_equal(st.groups, 1);	  /* and P */

	/* The RIB recomputes: the backups are now the ECMP set, no backup. */
	msgs = msgs_sent(f);
	for (uint32_t i = 0; i < NBACKUP; i++) {
		struct bgp_prefix p = backup_pfx(base, i);
		assert_int_equal(fib_route_set_backup(f, &p, bk, 2, NULL, 0), 0);
		assert_int_equal(fib_route_set(f, &p, bk, 2), 0);
	}
	fib_flush(f);
	assert_int_equal(msgs_sent(f) - msgs, 0);
	assert_int_equal(c.acks - acks, 2 * NBACKUP); /* acknowledged as in the kernel */
	assert_walk(f, sid, NBACKUP, 2, 0, 1, 0);

	/* A is back and the primary again: one group, A's nexthop, and the
	 * main routes; the standby routes already are what they must be. */
	link_up(&c, "v1");
	msgs = msgs_sent(f);
	set_all(f, base, NBACKUP, &a, 1, bk, 2);
	assert_int_equal(msgs_sent(f) - msgs, 2 + NBACKUP);
	gid = route_nhid("198.19.0.0/24", 0);
	assert_true(gid >= 1000 && gid != sid);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 2 * NBACKUP);
	assert_int_equal(routes_on(sid, 1), NBACKUP);
	assert_walk(f, gid, NBACKUP, 1, 2, 0, sid);

	fib_free(f, true);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 0);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

/* (b) Primaries A1, A2 with backup B (the standby route on B's nexthop),
 * adopted by a restarted FIB without a message, standby routes included:
 * losing A1 shrinks the group to A2 in one replace (the kernel kept the
 * group and its routes), no failover; the RIB's (A2 | B) finds the same
 * group. */
static void test_backup_partial_loss(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh pri[2] = { nh4("10.1.0.2"), nh4("10.2.0.2") }, b = nh4("10.3.0.2");
	const uint32_t base = 0xC6140000u; /* 198.20.i.0/24 */
	struct fib_stats st;
	char buf[128], want[64];

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	set_all(f, base, 20, pri, 2, &b, 1);
	long gid = route_nhid("198.20.0.0/24", 0);
	long id2 = nh_id("10.2.0.2"), idb = nh_id("10.3.0.2");
	assert_int_equal(route_nhid("198.20.0.0/24", 1), idb);
	assert_walk(f, gid, 20, 2, 1, 0, idb);
	assert_int_equal(sh_num("ip nexthop show id %ld | tr '/' '\\n' | wc -l", gid), 2);

	/* Restart: the kernel group has no backups; setting (A1 A2 | B)
	 * again claims it, B's nexthop and the standby routes without a
	 * message. */
	fib_free(f, false);
	f = open_fib(&c);
	set_all(f, base, 20, pri, 2, &b, 1);
	fib_get_stats(f, &st);
	assert_int_equal(st.msgs_sent, 0);
	assert_int_equal(st.routes_installed, 20);
	fib_sweep_stale(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.msgs_sent, 0);
	assert_int_equal(st.nexthops, 3);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 40);
	assert_walk(f, gid, 20, 2, 1, 0, idb);

	uint64_t msgs = msgs_sent(f);
	link_down(&c, "v1");
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.failovers, 0);
	assert_int_equal(st.takeovers, 0);
	assert_int_equal(st.msgs_sent - msgs, 1); /* the group replace */
	snprintf(want, sizeof(want), "%ld", id2);
	assert_string_equal(group_members(buf, sizeof(buf), gid), want);
	assert_int_equal(routes_on(gid, 0), 20);
	assert_walk(f, gid, 20, 1, 1, 0, idb);

	msgs = msgs_sent(f);
	set_all(f, base, 20, &pri[1], 1, &b, 1);
	assert_int_equal(msgs_sent(f) - msgs, 0);

	link_up(&c, "v1");
	fib_free(f, true);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

/* (c) Primary A with backups {B, C}. C's link goes first: the standby
 * group shrinks to B (one replace), nothing else changes (nor when the
 * RIB offers C again while its link is down). Then A's: the standby
 * routes on the one-member group take over, and the RIB's one-next-hop
 * fib_route_set(p, {B}) finds that group: no message per prefix. */
static void test_backup_single_live(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh a = nh4("10.1.0.2"), bk[2] = { nh4("10.2.0.2"), nh4("10.3.0.2") };
	const uint32_t base = 0xC6150000u; /* 198.21.i.0/24 */
	struct fib_stats st;
	char buf[128], want[64];

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	set_all(f, base, 20, &a, 1, bk, 2);
	long gid = route_nhid("198.21.0.0/24", 0), sid = route_nhid("198.21.0.0/24", 1);
	long idb = nh_id("10.2.0.2");

	uint64_t msgs = msgs_sent(f);
	link_down(&c, "v3");
	fib_flush(f);
	assert_int_equal(msgs_sent(f) - msgs, 1); /* the standby group shrinks */
	snprintf(want, sizeof(want), "%ld", idb);
	assert_string_equal(group_members(buf, sizeof(buf), sid), want);
	assert_walk(f, gid, 20, 1, 1, 0, sid);
	/* A RIB that still offers C: left out while its link is down. */
	set_all(f, base, 20, &a, 1, bk, 2);
	assert_int_equal(msgs_sent(f) - msgs, 1);
	assert_walk(f, gid, 20, 1, 1, 0, sid);

	msgs = msgs_sent(f);
	link_down(&c, "v1");
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.failovers, 1);
	assert_int_equal(st.takeovers, 20);
	assert_int_equal(st.msgs_sent - msgs, 0);
	assert_int_equal(routes_on(sid, 1), 20);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 20);
	assert_walk(f, sid, 20, 1, 0, 1, 0);

	msgs = msgs_sent(f);
	for (uint32_t i = 0; i < 20; i++) {
		struct bgp_prefix p = backup_pfx(base, i);
		assert_int_equal(fib_route_set(f, &p, &bk[0], 1), 0);
		assert_int_equal(fib_route_set_backup(f, &p, &bk[0], 1, NULL, 0), 0);
	}
	fib_flush(f);
	assert_int_equal(msgs_sent(f) - msgs, 0);
	assert_walk(f, sid, 20, 1, 0, 1, 0);

	link_up(&c, "v1");
	link_up(&c, "v3");
	fib_free(f, true);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

/* The standby routes share the group that already is the backup set (the
 * ECMP set of other prefixes): no group of the same set twice; after the
 * takeover the RIB's recomputation sends nothing. */
static void test_backup_set_is_a_group(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh a = nh4("10.1.0.2"), bk[2] = { nh4("10.2.0.2"), nh4("10.3.0.2") };
	struct bgp_prefix other = pfx4(0xC6160000u, 16); /* 198.22.0.0/16 on {B, C} */
	const uint32_t base = 0xC6170000u;		 /* 198.23.i.0/24 */
	struct fib_stats st;

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	assert_int_equal(fib_route_set(f, &other, bk, 2), 0);
	set_all(f, base, 10, &a, 1, bk, 2);
	fib_get_stats(f, &st);
	assert_int_equal(st.groups, 2);
	long plain = route_nhid("198.22.0.0/16", 0);
	assert_int_equal(route_nhid("198.23.0.0/24", 1), plain);

	uint64_t msgs = msgs_sent(f);
	link_down(&c, "v1");
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.failovers, 1);
	assert_int_equal(st.takeovers, 10);
	assert_int_equal(st.msgs_sent - msgs, 0);
	assert_int_equal(st.groups, 1);
	assert_int_equal(sh_num("ip -o route show proto 210 | grep -c \"nhid %ld \"", plain), 11);

	msgs = msgs_sent(f);
	set_all(f, base, 10, bk, 2, NULL, 0);
	assert_int_equal(msgs_sent(f) - msgs, 0);

	link_up(&c, "v1");
	fib_free(f, true);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

/* The RIB drops the primaries (a withdraw, not a link): the standby route
 * becomes the route and only the main ones are deleted — the kernel
 * forwards on the backups throughout. A restarted FIB adopts the routes
 * left at the standby metric and re-claims them without a message. A
 * primary failing a second time with no backup left waits for the RIB. */
static void test_standby_promoted_by_rib(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh a = nh4("10.1.0.2"), bk[2] = { nh4("10.2.0.2"), nh4("10.3.0.2") };
	const uint32_t base = 0xC6190000u; /* 198.25.i.0/24 */
	struct fib_stats st;

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	set_all(f, base, 20, &a, 1, bk, 2);
	long sid = route_nhid("198.25.0.0/24", 1);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 40);

	uint64_t msgs = msgs_sent(f);
	set_all(f, base, 20, bk, 2, NULL, 0);
	/* 20 main-route deletes, then group P and A's nexthop */
	assert_int_equal(msgs_sent(f) - msgs, 20 + 2);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 20);
	assert_int_equal(routes_on(sid, 1), 20);
	assert_walk(f, sid, 20, 2, 0, 1, 0);

	fib_free(f, false);
	f = open_fib(&c);
	set_all(f, base, 20, bk, 2, NULL, 0);
	fib_sweep_stale(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.msgs_sent, 0);
	assert_int_equal(st.routes_installed, 20);
	assert_walk(f, sid, 20, 2, 0, 1, 0);

	/* The same routes with a backup again (B alone primary, C backup):
	 * new main routes at metric 0, standby routes re-pointed at C. */
	msgs = msgs_sent(f);
	set_all(f, base, 20, &bk[0], 1, &bk[1], 1);
	long gid = route_nhid("198.25.0.0/24", 0), idc = nh_id("10.3.0.2");
	assert_true(gid >= 1000);
	assert_int_equal(route_nhid("198.25.0.0/24", 1), idc);
	assert_int_equal(msgs_sent(f) - msgs, 1 + 20 + 20 + 1); /* P2, routes, standbys, {B, C} */
	assert_walk(f, gid, 20, 1, 1, 0, idc);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 40);

	fib_free(f, true);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 0);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

/* Primary A with backup B, and both links go: the group, its routes and
 * the standby routes are gone, nothing to fail over to. Once both are
 * back, the RIB's same (A | B) re-sends the routes and their standby
 * routes (the standby route's re-send must not hide the route's). */
static void test_backup_all_lost_then_back(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh a = nh4("10.1.0.2"), b = nh4("10.2.0.2");
	const uint32_t base = 0xC61A0000u; /* 198.26.i.0/24 */
	struct fib_stats st;

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	set_all(f, base, 10, &a, 1, &b, 1);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 20);
	link_down(&c, "v1");
	link_down(&c, "v2");
	fib_flush(f);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 0);
	link_up(&c, "v1");
	link_up(&c, "v2");
	set_all(f, base, 10, &a, 1, &b, 1);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_installed, 10);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 20);
	long gid = route_nhid("198.26.0.0/24", 0);
	assert_true(gid >= 1000);
	assert_int_equal(route_nhid("198.26.0.0/24", 1), nh_id("10.2.0.2"));
	fib_free(f, true);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

/* Without backups, routes whose next hops all went with a link were
 * removed by the kernel: they wait as pending, and the same next hops set
 * again once the link is back install them again. */
static void test_routes_lost_with_link(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct fib_nh one = nh4("10.2.0.2"), two[2] = { nh4("10.2.0.2"), nh4("10.2.0.3") };
	struct bgp_prefix p1 = pfx4(0xC6180000u, 24), p2 = pfx4(0xC6180100u, 24); /* 198.24.0-1.0/24 */
	struct fib_stats st;

	if (geteuid() != 0)
		skip();
	struct fib *f = open_fib(&c);
	assert_int_equal(fib_route_set(f, &p1, &one, 1), 0);
	assert_int_equal(fib_route_set(f, &p2, two, 2), 0);
	fib_flush(f);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 2);
	link_down(&c, "v2");
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.failovers, 0);
	assert_int_equal(st.routes_installed, 0); /* pending: not in the kernel */
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 0);
	link_up(&c, "v2");
	assert_int_equal(fib_route_set(f, &p1, &one, 1), 0);
	assert_int_equal(fib_route_set(f, &p2, two, 2), 0);
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_installed, 2);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 2);
	fib_free(f, true);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

/* ---- blackholes -------------------------------------------------------- */

static int walk_blackholes(const struct fib_route_info *ri, void *arg)
{
	if (ri->blackhole && !ri->group && ri->nmembers == 0)
		(*(int *)arg)++;
	return 0;
}

/* (d) Blackholes for IPv4 and IPv6 aggregates on one blackhole nexthop per
 * family; lookups fail; a connected network is refused and its route left
 * alone; a restarted FIB adopts them, re-claims without a message and
 * sweeps the rest (routes and the unused blackhole nexthop). */
static void test_blackhole(void **state)
{
	struct ctx c = { .loop = ev_loop_new(0) };
	struct bgp_prefix bh4 = pfx4(0xC6336400u, 24);  /* 198.51.100.0/24 */
	struct bgp_prefix bh4b = pfx4(0xC6336500u, 24); /* 198.51.101.0/24 */
	struct bgp_prefix bh6 = { .family = AF_INET6, .len = 48 };
	struct bgp_prefix conn4 = pfx4(0x0A010000u, 24); /* 10.1.0.0/24 on v1 */
	struct bgp_prefix conn6 = { .family = AF_INET6, .len = 64 };
	struct fib_stats st;
	int nbh = 0;

	if (geteuid() != 0)
		skip();
	inet_pton(AF_INET6, "2001:db8:bb::", bh6.addr);
	inet_pton(AF_INET6, "2001:db8:1::", conn6.addr);
	struct fib *f = open_fib(&c);
	assert_int_equal(fib_route_blackhole(f, &bh4), 0);
	assert_int_equal(fib_route_blackhole(f, &bh4b), 0);
	assert_int_equal(fib_route_blackhole(f, &bh6), 0);
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_installed, 3);
	assert_int_equal(st.nexthops, 2); /* one blackhole per family */
	assert_int_equal(sh_num("ip nexthop show proto 210 | grep -c blackhole"), 2);
	assert_int_equal(sh_num("ip -j route show 198.51.100.0/24 | grep -c '\"type\":\"blackhole\"'"), 1);
	assert_int_equal(sh_num("ip -j -6 route show 2001:db8:bb::/48 | grep -c '\"type\":\"blackhole\"'"), 1);
	assert_int_equal(sh_num("ip route get 198.51.100.7 2>&1 | grep -c 'Invalid argument'"), 1);
	assert_int_equal(sh_num("ip -6 route get 2001:db8:bb::7 2>&1 | grep -c 'Invalid argument'"), 1);
	fib_walk(f, walk_blackholes, &nbh);
	assert_int_equal(nbh, 3);

	/* The network of a connected address: refused, the kernel's route stays. */
	uint64_t msgs = msgs_sent(f);
	assert_int_equal(fib_route_blackhole(f, &conn4), -1);
	assert_int_equal(fib_route_blackhole(f, &conn6), -1);
	fib_flush(f);
	assert_int_equal(msgs_sent(f) - msgs, 0);
	assert_int_equal(sh_num("ip -o route show 10.1.0.0/24 | grep -c 'dev v1 proto kernel'"), 1);
	assert_int_equal(sh_num("ip -o route show 10.1.0.0/24 | wc -l"), 1);
	assert_int_equal(sh_num("ip -o -6 route show 2001:db8:1::/64 | grep -c 'dev v1 proto kernel'"), 1);
	assert_int_equal(sh_num("ip route get 10.1.0.9 2>&1 | grep -c 'dev v1'"), 1);

	/* Restart: adopted as stale; the IPv6 one is set again (no message),
	 * the sweep removes the IPv4 ones and their blackhole nexthop. */
	fib_free(f, false);
	f = open_fib(&c);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes_stale, 3);
	assert_int_equal(st.nexthops, 2);
	assert_int_equal(fib_route_blackhole(f, &bh6), 0);
	fib_flush(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.msgs_sent, 0);
	assert_int_equal(st.routes_installed, 1);
	fib_sweep_stale(f);
	fib_get_stats(f, &st);
	assert_int_equal(st.routes, 1);
	assert_int_equal(st.nexthops, 1);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 0);
	assert_int_equal(sh_num("ip -o -6 route show proto 210 | wc -l"), 1);
	assert_int_equal(sh_num("ip nexthop show proto 210 | grep -c blackhole"), 1);

	/* A blackhole becomes a route over a gateway and back. */
	struct fib_nh gw = nh4("10.2.0.2");
	assert_int_equal(fib_route_set(f, &bh4, &gw, 1), 0);
	fib_flush(f);
	assert_int_equal(sh_num("ip -j route show 198.51.100.0/24 | grep -c '\"gateway\":\"10.2.0.2\"'"), 1);
	assert_int_equal(fib_route_blackhole(f, &bh4), 0);
	fib_flush(f);
	assert_int_equal(sh_num("ip -j route show 198.51.100.0/24 | grep -c '\"type\":\"blackhole\"'"), 1);

	fib_free(f, true);
	assert_int_equal(sh_num("ip -o route show proto 210 | wc -l"), 0);
	assert_int_equal(sh_num("ip -o -6 route show proto 210 | wc -l"), 0);
	assert_int_equal(sh_num("ip nexthop show | grep -c 'proto 210'"), 0);
	ev_loop_destroy(c.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_group_shared_then_shrunk_then_adopted, fresh),
		cmocka_unit_test_setup(test_ipv6_link_local_and_delete, fresh),
		cmocka_unit_test_setup(test_error_in_batch, fresh),
		cmocka_unit_test_setup(test_backup_failover, fresh),
		cmocka_unit_test_setup(test_backup_partial_loss, fresh),
		cmocka_unit_test_setup(test_backup_single_live, fresh),
		cmocka_unit_test_setup(test_backup_set_is_a_group, fresh),
		cmocka_unit_test_setup(test_standby_promoted_by_rib, fresh),
		cmocka_unit_test_setup(test_backup_all_lost_then_back, fresh),
		cmocka_unit_test_setup(test_routes_lost_with_link, fresh),
		cmocka_unit_test_setup(test_blackhole, fresh),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
