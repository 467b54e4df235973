/* libFuzzer target for what the FIB reads from the kernel: the replies to
 * its dumps at start-up (RTM_NEWNEXTHOP, RTM_NEWROUTE, RTM_NEWLINK,
 * RTM_NEWADDR, NLMSG_DONE, NLMSG_ERROR), the link and address events of its
 * monitor socket, and the acks and errors (NLMSG_ERROR) of its batches.
 *
 * fib/fib.c and fib/link.c are compiled into this file, so the real code
 * runs unchanged, from fib_new() to fib_free(): only the netlink sockets
 * are replaced by a fake kernel whose answers come from the input (the
 * mnl_socket_* functions below take the place of libmnl's, and fib.c's
 * poll() is renamed to fake_poll). Nothing reaches the real kernel.
 *
 * Every datagram the fake kernel hands over is also parsed a second time
 * from a heap copy of exactly its size, by the same callback, into a
 * scratch FIB: the FIB's own receive buffers are larger than a datagram,
 * so an over-read past a message would stay inside them and AddressSanitizer
 * would not see it there.
 *
 * Input: one flags byte (bit 0: fib_free removes our routes, which sends
 * one more batch), then records [type][length, 2 octets big-endian][data]:
 *   'K' data is one datagram the kernel will send next (queued)
 *   'E' the kernel ends the current dump without NLMSG_DONE (recv returns 0)
 *   'M' data is one link/address event, handled by the monitor callback
 *   'R' a route: family, prefix length, 16 octets of prefix, then next hops
 *       (4 octets ifindex, 16 octets gateway) and, after a 0xff octet, backups
 *   'B' a blackhole route (family, length, 16 octets)
 *   'D' delete a route (family, length, 16 octets)
 *   'F' flush (batches; their acks are the queued 'K' datagrams)
 *   'S' sweep the stale routes adopted at start-up
 *   'L' dump links and addresses again (as after an ENOBUFS)
 * fib_new() runs before the first record that is not 'K' or 'E' (the
 * datagrams queued so far answer its dumps), or at the end. */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpd/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int fake_poll(struct pollfd *fds, nfds_t n, int timeout);
#define poll fake_poll
#include "fib/fib.c"
#include "fib/link.c"
#undef poll

#define CHECK(c)                                  \
	do {                                      \
		if (!(c))                         \
			__builtin_trap();         \
	} while (0)

/* ---- the fake kernel ------------------------------------------------------ */
#define QMAX 256

struct dgram {
	const uint8_t *p;
	size_t len; /* 0: end of dump */
};

static struct {
	struct dgram q[QMAX];
	size_t head, tail;
	int pipefd[2];	  /* a real fd for ev_io; never readable */
	uint16_t last_req; /* type of the last request sent */
	bool scratch;	  /* the scratch pass runs: no kernel at all */
	struct fib *g;	  /* the scratch FIB */
} K;

static long sock_storage[2][8];

/* libmnl's mnl_nlmsg_ok() compares (int)nlmsg_len with the bytes left, so
 * a header claiming 2 GiB or more passes as a valid message (and the next
 * one is looked for 2 GiB further on). The kernel never sends such a
 * length; the fake kernel stops a datagram before such a message. */
static size_t kernel_len(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		uint32_t l;
		memcpy(&l, p + off, sizeof(l));
		if (l >= 0x80000000u)
			break;
		if (l < sizeof(struct nlmsghdr) || l > len - off)
			return len; /* libmnl stops here by itself */
		off += NLMSG_ALIGN(l) < len - off ? NLMSG_ALIGN(l) : len - off;
	}
	return len - off < sizeof(struct nlmsghdr) ? len : off;
}

static void queue(const uint8_t *p, size_t len)
{
	if (len)
		len = kernel_len(p, len);
	if (K.tail - K.head < QMAX)
		K.q[K.tail++ % QMAX] = (struct dgram){ p, len };
}

struct mnl_socket *mnl_socket_open2(int bus, int flags)
{
	static int which;

	return (struct mnl_socket *)sock_storage[which++ & 1];
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	return 4242;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	return K.pipefd[0];
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len)
{
	return 0;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	return 0;
}

/* What the FIB sends must be well-formed netlink; a dump request tells
 * which callback will read the answer. */
ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	CHECK(len > 0);
	while (mnl_nlmsg_ok(nlh, left)) {
		CHECK(nlh->nlmsg_flags & NLM_F_REQUEST);
		if (nlh->nlmsg_flags & NLM_F_DUMP)
			K.last_req = nlh->nlmsg_type;
		else
			K.last_req = NLMSG_ERROR; /* a batch: acks come back */
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	CHECK(left == 0);
	if (K.scratch) {
		errno = ENOBUFS;
		return -1;
	}
	return (ssize_t)len;
}

static void scratch_parse(const uint8_t *p, size_t len, bool event);

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t bufsiz)
{
	struct dgram d;

	if (K.scratch || K.head == K.tail) {
		errno = EAGAIN;
		return -1;
	}
	d = K.q[K.head++ % QMAX];
	if (d.len == 0)
		return 0;
	if (d.len > bufsiz)
		d.len = bufsiz; /* a real recv truncates (MSG_TRUNC) */
	memcpy(buf, d.p, d.len);
	scratch_parse(d.p, d.len, nl == (const struct mnl_socket *)sock_storage[1]);
	return (ssize_t)d.len;
}

static int fake_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (K.scratch || K.head == K.tail)
		return 0;
	fds[0].revents = POLLIN;
	return 1;
}

/* ---- the scratch pass: the same callbacks over an exact-size copy --------- */
static void scratch_parse(const uint8_t *p, size_t len, bool event)
{
	uint8_t *copy;
	struct item items[8] = { { 0 } };
	struct batch bt = { .items = items, .n = 8, .first_seq = 1 };
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = err_cb };
	uint16_t req = K.last_req;

	if (!K.g || K.scratch)
		return;
	copy = malloc(len);
	CHECK(copy);
	memcpy(copy, p, len);
	K.scratch = true;
	if (event || K.last_req == RTM_GETLINK || K.last_req == RTM_GETADDR)
		mnl_cb_run(copy, len, 0, 0, fib_link_msg_cb, K.g);
	else if (K.last_req == RTM_GETNEXTHOP)
		mnl_cb_run(copy, len, 0, 0, adopt_nexthop_cb, K.g);
	else if (K.last_req == RTM_GETROUTE)
		mnl_cb_run(copy, len, 0, 0, adopt_route_cb, K.g);
	else
		mnl_cb_run2(copy, len, 0, 0, ack_cb, &bt, ctl, NLMSG_MIN_TYPE);
	K.scratch = false;
	K.last_req = req; /* the scratch FIB may have sent a batch */
	free(copy);
}

/* ---- the FIB's users ------------------------------------------------------ */
static void on_link(void *arg, uint32_t ifindex, bool up)
{
}

static void on_addr(void *arg, uint32_t ifindex, uint8_t family, const uint8_t *addr)
{
	CHECK(family == AF_INET || family == AF_INET6);
}

static void on_route(void *arg, const struct bgp_prefix *p, int err)
{
	/* err is the kernel's NLMSG_ERROR code as sent (0 or -errno from a
	 * real kernel; the fake one may send anything) */
	CHECK(p->family == AF_INET || p->family == AF_INET6);
}

static int on_walk(const struct fib_route_info *ri, void *arg)
{
	char buf[64];

	CHECK(ri->nmembers <= FIB_MAX_ECMP && ri->nbackups <= FIB_MAX_ECMP);
	(void)bgp_prefix_str(&ri->prefix, buf, sizeof(buf));
	for (size_t i = 0; i < ri->nmembers; i++)
		(void)fib_ifname(arg, ri->members[i].ifindex);
	return 0;
}

static const struct fib_ops ops = {
	.link_change = on_link, .addr_del = on_addr, .addr_add = on_addr, .route_done = on_route,
};

/* ---- input ---------------------------------------------------------------- */
static bool read_prefix(const uint8_t **p, size_t *left, struct bgp_prefix *pfx)
{
	if (*left < 18)
		return false;
	memset(pfx, 0, sizeof(*pfx));
	pfx->family = (*p)[0] & 1 ? AF_INET6 : AF_INET;
	pfx->len = (uint8_t)((*p)[1] % ((pfx->family == AF_INET ? 32 : 128) + 1));
	memcpy(pfx->addr, *p + 2, pfx->family == AF_INET ? 4 : 16);
	for (unsigned b = pfx->len; b < 128; b++) /* bits beyond len are zero */
		pfx->addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	*p += 18;
	*left -= 18;
	return true;
}

static void do_route(struct fib *f, const uint8_t *p, size_t left, char op)
{
	struct fib_nh nh[FIB_MAX_ECMP + 1], bk[FIB_MAX_ECMP + 1];
	size_t n = 0, nb = 0;
	bool backup = false;
	struct bgp_prefix pfx;

	if (!read_prefix(&p, &left, &pfx))
		return;
	if (op == 'B') {
		fib_route_blackhole(f, &pfx);
		return;
	}
	while (op == 'R' && left >= 1) {
		struct fib_nh *v = backup ? bk : nh;
		size_t *k = backup ? &nb : &n;
		if (*p == 0xff) {
			backup = true;
			p++;
			left--;
			continue;
		}
		if (left < 20 || *k > FIB_MAX_ECMP)
			break;
		memset(&v[*k], 0, sizeof(v[*k]));
		v[*k].family = pfx.family;
		v[*k].ifindex = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		memcpy(v[*k].addr, p + 4, pfx.family == AF_INET ? 4 : 16);
		(*k)++;
		p += 20;
		left -= 20;
	}
	fib_route_set_backup(f, &pfx, nh, n, bk, nb);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(LOG_CRIT, false, "fuzz_netlink"); /* the FIB's complaints are expected */
	CHECK(pipe2(K.pipefd, O_CLOEXEC) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ev_loop *loop;
	struct fib *f = NULL;
	struct fib_stats st;
	char err[256];
	size_t off = 1;
	bool remove = size && (data[0] & 1);

	if (!loop)
		loop = ev_loop_new(EVFLAG_AUTO);
	CHECK(loop);
	K.head = K.tail = 0;
	K.last_req = 0;
	K.g = fib_new(loop, NULL, err, sizeof(err)); /* no datagram queued: empty kernel */
	CHECK(K.g);
	while (off + 3 <= size) {
		char type = (char)data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		const uint8_t *p = data + off + 3;
		if (len > size - off - 3)
			len = size - off - 3;
		off += 3 + len;
		if (type == 'K' || type == 'E') {
			queue(p, type == 'K' ? len : 0);
			continue;
		}
		if (!f && !(f = fib_new(loop, &ops, err, sizeof(err))))
			break;
		switch (type) {
		case 'M':
			queue(p, len);
			fib_mon_cb(loop, &f->mon_io, EV_READ);
			break;
		case 'R':
		case 'B':
		case 'D':
			do_route(f, p, len, type);
			break;
		case 'F':
			fib_flush(f);
			break;
		case 'S':
			fib_sweep_stale(f);
			break;
		case 'L':
			fib_link_dump(f);
			break;
		default:
			break;
		}
	}
	if (!f)
		f = fib_new(loop, &ops, err, sizeof(err));
	if (f) {
		fib_get_stats(f, &st);
		CHECK(st.routes_installed + st.routes_failed + st.routes_stale <= st.routes);
		fib_walk(f, on_walk, f);
		fib_free(f, remove);
	}
	fib_free(K.g, false);
	K.g = NULL;
	return 0;
}
