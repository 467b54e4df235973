/* The kernel FIB module against a real kernel, inside a network namespace
 * of its own (clos-ut-fib-PID, removed at the end): nexthop groups shared
 * by routes, link loss shrinking a group in one update, restart adoption
 * without reinstalling, IPv6 with link-local gateways. Skips without root. */
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
	int fd;

	if (geteuid() != 0)
		return 0;
	snprintf(nsname, sizeof(nsname), "clos-ut-fib-%d", (int)getpid());
	if (sh("ip netns add %s", nsname) != 0)
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", nsname);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return -1;
	close(fd);
	/* Two links with a gateway each; the peer ends stay in this namespace. */
	if (sh("ip link set lo up && "
	       "ip link add v1 type veth peer name v1p && ip link add v2 type veth peer name v2p && "
	       "ip addr add 10.1.0.1/24 dev v1 && ip addr add 10.2.0.1/24 dev v2 && "
	       "ip -6 addr add 2001:db8:1::1/64 dev v1 nodad && "
	       "for l in v1 v1p v2 v2p; do ip link set $l up; done") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	if (nsname[0])
		if (sh("ip netns del %s", nsname) != 0)
			fprintf(stderr, "teardown: ip netns del %s failed\n", nsname);
	return 0;
}

static void pump(struct ctx *c, int *counter, int want)
{
	/* Bounded: at most 200 x 10 ms. */
	for (int i = 0; i < 200 && *counter < want; i++) {
		ev_run(c->loop, EVRUN_NOWAIT);
		usleep(10000);
	}
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_shared_then_shrunk_then_adopted),
		cmocka_unit_test(test_ipv6_link_local_and_delete),
		cmocka_unit_test(test_error_in_batch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
