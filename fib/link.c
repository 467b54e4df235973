/* Links and addresses: a mirror of the kernel's interfaces and their
 * addresses (dumped at start, then kept current from RTNLGRP_LINK and
 * RTNLGRP_IPV4/6_IFADDR notifications). Link loss is reported at once so
 * sessions over it close without waiting for the hold timer. */
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/log.h"
#include "fib/fib_int.h"

static struct fib_link *fib_link_find(struct fib *f, uint32_t ifindex)
{
	for (size_t i = 0; i < f->nlinks; i++)
		if (f->links[i].ifindex == ifindex)
			return &f->links[i];
	return NULL;
}

const char *fib_ifname(const struct fib *f, uint32_t ifindex)
{
	for (size_t i = 0; i < f->nlinks; i++)
		if (f->links[i].ifindex == ifindex)
			return f->links[i].name;
	return "?";
}

static bool prefix_match(const uint8_t *net, const uint8_t *addr, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(net, addr, bytes) != 0)
		return false;
	if (!bits)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (net[bytes] & mask) == (addr[bytes] & mask);
}

/* A direct-mapped cache of fib_addr_ifindex: the longest-match scan over
 * every address was a third of the daemon's CPU in a 24-peer fan-in (three
 * lookups per route, the same 48 next hops). Any address change makes
 * every slot stale (addr_gen). */
#define FIB_ACACHE 64

struct fib_addr_cache {
	uint32_t gen;		/* addr_gen + 1 when filled; 0 = empty */
	uint32_t ifindex;
	uint8_t family;
	uint8_t addr[16];
};

static unsigned acache_slot(uint8_t family, const uint8_t *addr)
{
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < (family == AF_INET ? 4u : 16u); i++)
		h = (h ^ addr[i]) * 16777619u;
	return (h ^ (h >> 16)) & (FIB_ACACHE - 1);
}

static uint32_t addr_scan(const struct fib *f, uint8_t family, const uint8_t *addr)
{
	unsigned best = 0;
	uint32_t ifindex = 0;

	for (size_t i = 0; i < f->naddrs; i++) {
		const struct fib_addr *a = &f->addrs[i];
		if (a->family == family && a->plen >= best && prefix_match(a->addr, addr, a->plen)) {
			best = a->plen;
			ifindex = a->ifindex;
		}
	}
	return ifindex;
}

uint32_t fib_addr_ifindex(const struct fib *f, uint8_t family, const uint8_t *addr)
{
	size_t len = family == AF_INET ? 4 : 16;
	struct fib_addr_cache *c;

	if (!f->acache || (family != AF_INET && family != AF_INET6))
		return addr_scan(f, family, addr);
	c = &f->acache[acache_slot(family, addr)];
	if (c->gen == f->addr_gen + 1 && c->family == family && !memcmp(c->addr, addr, len))
		return c->ifindex;
	c->ifindex = addr_scan(f, family, addr);
	c->family = family;
	memcpy(c->addr, addr, len);
	c->gen = f->addr_gen + 1;
	return c->ifindex;
}

int fib_addr_cache_init(struct fib *f)
{
	f->acache = calloc(FIB_ACACHE, sizeof(*f->acache));
	return f->acache ? 0 : -1;
}

bool fib_link_known_down(const struct fib *f, uint32_t ifindex)
{
	for (size_t i = 0; i < f->nlinks; i++)
		if (f->links[i].ifindex == ifindex)
			return !f->links[i].up;
	return false;
}

bool fib_link_connected_net(const struct fib *f, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < f->naddrs; i++) {
		const struct fib_addr *a = &f->addrs[i];
		if (a->family == p->family && a->plen == p->len && prefix_match(a->addr, p->addr, a->plen))
			return true;
	}
	return false;
}

uint32_t fib_local_ifindex(const struct fib *f, uint8_t family, const uint8_t *addr)
{
	size_t len = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < f->naddrs; i++)
		if (f->addrs[i].family == family && memcmp(f->addrs[i].addr, addr, len) == 0)
			return f->addrs[i].ifindex;
	return 0;
}

static void fib_link_update(struct fib *f, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;
	struct fib_link *l = fib_link_find(f, (uint32_t)ifi->ifi_index);
	bool up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
		  (ifi->ifi_flags & IFF_LOWER_UP);

	if (!l) {
		struct fib_link *v = realloc(f->links, (f->nlinks + 1) * sizeof(*v));
		if (!v)
			return;
		f->links = v;
		l = &f->links[f->nlinks++];
		memset(l, 0, sizeof(*l));
		l->ifindex = (uint32_t)ifi->ifi_index;
		l->up = up;
	}
	mnl_attr_for_each(attr, nlh, sizeof(*ifi))
		if (mnl_attr_get_type(attr) == IFLA_IFNAME) /* not read past the attribute */
			snprintf(l->name, sizeof(l->name), "%.*s", (int)mnl_attr_get_payload_len(attr),
				 mnl_attr_get_str(attr));
	if (l->up == up)
		return;
	l->up = up;
	log_notice("fib", "link %s (%u) %s", l->name, l->ifindex, up ? "up" : "down");
	if (!up) {
		/* Shrunk and failed-over groups (and the routes the kernel
		 * dropped with them) go out now, before the sessions of the
		 * link are torn down and the RIB recomputes. */
		fib_obj_link_down(f, l->ifindex);
		fib_flush(f);
	}
	if (f->ops.link_change)
		f->ops.link_change(f->ops.arg, l->ifindex, up);
}

static void fib_addr_update(struct fib *f, const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;
	struct fib_addr a = { .ifindex = ifa->ifa_index, .family = ifa->ifa_family,
			      .plen = ifa->ifa_prefixlen };
	uint32_t flags = ifa->ifa_flags;
	bool have = false;

	if (a.family != AF_INET && a.family != AF_INET6)
		return;
	/* Never from Linux, but a longer prefix would make the matches read
	 * past an IPv4 address (found by the netlink fuzz target). */
	if (a.plen > (a.family == AF_INET ? 32 : 128))
		return;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		uint16_t t = mnl_attr_get_type(attr);
		/* IFA_LOCAL is our address on point-to-point links. */
		if ((t == IFA_ADDRESS && !have) || t == IFA_LOCAL) {
			size_t len = a.family == AF_INET ? 4 : 16;
			if (mnl_attr_get_payload_len(attr) >= len) {
				memcpy(a.addr, mnl_attr_get_payload(attr), len);
				have = true;
			}
		} else if (t == IFA_FLAGS && mnl_attr_get_payload_len(attr) >= 4) {
			flags = mnl_attr_get_u32(attr);
		}
	}
	if (!have)
		return;
	/* A tentative IPv6 address cannot be a connection's source yet. */
	a.usable = !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
	f->addr_gen++; /* fib_addr_ifindex's cache is stale now */
	for (size_t i = 0; i < f->naddrs; i++) {
		struct fib_addr *o = &f->addrs[i];
		if (o->ifindex == a.ifindex && o->family == a.family && memcmp(o->addr, a.addr, 16) == 0) {
			if (nlh->nlmsg_type == RTM_DELADDR) {
				*o = f->addrs[--f->naddrs];
				if (f->ops.addr_del)
					f->ops.addr_del(f->ops.arg, a.ifindex, a.family, a.addr);
			} else {
				bool became = a.usable && !o->usable;
				o->plen = a.plen;
				o->usable = a.usable;
				if (became && f->ops.addr_add)
					f->ops.addr_add(f->ops.arg, a.ifindex, a.family, a.addr);
			}
			return;
		}
	}
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return;
	if (f->naddrs == f->caddrs) {
		size_t cap = f->caddrs ? f->caddrs * 2 : 16;
		struct fib_addr *v = realloc(f->addrs, cap * sizeof(*v));
		if (!v)
			return;
		f->addrs = v;
		f->caddrs = cap;
	}
	f->addrs[f->naddrs++] = a;
	if (a.usable && f->ops.addr_add)
		f->ops.addr_add(f->ops.arg, a.ifindex, a.family, a.addr);
}

static int fib_link_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct fib *f = arg;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct ifinfomsg))
			fib_link_update(f, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct ifaddrmsg))
			fib_addr_update(f, nlh);
		break;
	}
	return MNL_CB_OK;
}

static void fib_mon_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fib *f = w->data;
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];

	/* Bounded: drain what is there now, at most 64 datagrams. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = mnl_socket_recvfrom(f->mon, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENOBUFS) {
				log_warn("fib", "link notifications overran; re-reading links");
				fib_link_dump(f);
				continue;
			}
			return;
		}
		mnl_cb_run(buf, (size_t)n, 0, 0, fib_link_msg_cb, f);
	}
}

void fib_link_dump(struct fib *f)
{
	fib_request_dump(f, RTM_GETLINK, AF_UNSPEC, fib_link_msg_cb, f);
	f->naddrs = 0;
	f->addr_gen++;
	fib_request_dump(f, RTM_GETADDR, AF_UNSPEC, fib_link_msg_cb, f);
}

int fib_link_init(struct fib *f, char *err, size_t errlen)
{
	int fd;

	if (fib_addr_cache_init(f) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!f->mon || mnl_socket_bind(f->mon, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
				       MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink monitor socket: %s", strerror(errno));
		return -1;
	}
	fd = mnl_socket_get_fd(f->mon);
	ev_io_init(&f->mon_io, fib_mon_cb, fd, EV_READ);
	f->mon_io.data = f;
	ev_io_start(f->loop, &f->mon_io);
	fib_link_dump(f);
	return 0;
}

void fib_link_free(struct fib *f)
{
	if (f->mon) {
		ev_io_stop(f->loop, &f->mon_io);
		mnl_socket_close(f->mon);
	}
	free(f->links);
	free(f->addrs);
	free(f->acache);
	f->acache = NULL;
}
