/* One TCP connection of a peer: non-blocking connect, GTSM socket options,
 * splitting the byte stream into BGP messages, and a bounded output queue
 * that is drained whenever the socket is writable. Its TCP-MD5 / TCP-AO
 * keys are tcp_auth.c's. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgpd/log.h"
#include "bgpd/session.h"

#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

#define CONN_OUT_CHUNK 16384

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents);

int conn_setsockopts(int fd, int family, const struct cfg_peer *cfg)
{
	int one = 1, ttl = 255, minttl = 254;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -1;
	if (!cfg->ttl_security)
		return 0;
	/* RFC 5082 3: send with TTL 255, accept only 254 and up (one hop). */
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MINTTL, &minttl, sizeof(minttl)) < 0)
			return -1;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &minttl, sizeof(minttl)) < 0)
			return -1;
	}
	return 0;
}

struct conn *conn_new(struct peer *p, int fd, bool outbound, bool connecting)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->peer = p;
	c->outbound = outbound;
	c->connecting = connecting;
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	c->rio.data = c;
	c->wio.data = c;
	if (connecting)
		ev_io_start(p->d->loop, &c->wio);
	else
		ev_io_start(p->d->loop, &c->rio);
	return c;
}

void conn_free(struct conn *c)
{
	struct ev_loop *loop;

	if (!c)
		return;
	loop = c->peer->d->loop;
	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	close(c->fd);
	while (c->outq) {
		struct outbuf *b = c->outq;
		c->outq = b->next;
		free(b);
	}
	free(c);
}

static struct sockaddr_storage conn_peer_sockaddr(const struct peer *p)
{
	struct sockaddr_storage ss = p->cfg.addr;

	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) && s6->sin6_scope_id == 0 &&
		    p->cfg.interface[0])
			s6->sin6_scope_id = if_nametoindex(p->cfg.interface);
	}
	return ss;
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

struct conn *conn_connect(struct peer *p)
{
	struct sockaddr_storage to = conn_peer_sockaddr(p);
	int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return NULL;
	if (conn_setsockopts(fd, to.ss_family, &p->cfg) < 0)
		goto fail;
	/* Before connect(): the SYN is signed too (RFC 2385 2, RFC 5925 7.1). */
	if (conn_auth_set(fd, &p->cfg, false, false) < 0)
		goto fail;
	if (p->cfg.interface[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->cfg.interface,
		       strlen(p->cfg.interface)) < 0)
		goto fail;
	if (p->cfg.local_addr.ss_family == to.ss_family &&
	    bind(fd, (const struct sockaddr *)&p->cfg.local_addr, sa_len(&p->cfg.local_addr)) < 0)
		goto fail;
	if (connect(fd, (const struct sockaddr *)&to, sa_len(&to)) < 0 && errno != EINPROGRESS)
		goto fail;
	struct conn *c = conn_new(p, fd, true, true);
	if (c)
		return c;
fail:;
	int saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

bool conn_writable_room(const struct conn *c)
{
	return c->outq_bytes < PEER_OUTQ_HIWAT;
}

bool conn_stalled(const struct conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (c->connecting || getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return false;
	/* A retransmission timeout already fired on unacknowledged data: a
	 * live peer acknowledges within a round trip. */
	return ti.tcpi_unacked > 0 && (ti.tcpi_backoff > 0 || ti.tcpi_retransmits > 0);
}

/* Write as much of the queue as the socket takes. Returns -1 on error. */
static int conn_drain(struct conn *c)
{
	while (c->outq) {
		struct outbuf *b = c->outq;
		ssize_t n = send(c->fd, b->data + b->off, b->len - b->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		b->off += (size_t)n;
		c->outq_bytes -= (size_t)n;
		if (b->off < b->len)
			return 0;
		c->outq = b->next;
		if (!c->outq)
			c->outq_tail = NULL;
		free(b);
	}
	return 0;
}

bool conn_send(struct conn *c, const uint8_t *msg, size_t len)
{
	struct outbuf *t = c->outq_tail;

	if (c->outq_bytes + len > PEER_OUTQ_HIWAT * 2)
		return false; /* producer ignored the high-water mark */
	/* Append to the tail chunk if it has room, else a new chunk; small
	 * messages are coalesced so one send() carries many. */
	if (!t || t->len + len > CONN_OUT_CHUNK || t->off > 0) {
		size_t cap = len > CONN_OUT_CHUNK ? len : CONN_OUT_CHUNK;
		t = malloc(sizeof(*t) + cap);
		if (!t)
			return false;
		t->next = NULL;
		t->len = t->off = 0;
		if (c->outq_tail)
			c->outq_tail->next = t;
		else
			c->outq = t;
		c->outq_tail = t;
	}
	memcpy(t->data + t->len, msg, len);
	t->len += len;
	c->outq_bytes += len;
	if (!c->connecting)
		ev_io_start(c->peer->d->loop, &c->wio);
	return true;
}

void conn_flush(struct conn *c)
{
	int flags;

	if (!c || c->connecting || !c->outq)
		return;
	/* A NOTIFICATION should reach the peer before we close: switch to a
	 * short blocking send. */
	flags = fcntl(c->fd, F_GETFL);
	struct timeval tv = { 1, 0 };
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (flags >= 0)
		fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
	conn_drain(c);
}

static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	struct peer *p = c->peer;

	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		c->connecting = false;
		ev_io_stop(loop, &c->wio);
		if (err == 0)
			ev_io_start(loop, &c->rio);
		peer_conn_connected(p, c, err);
		return;
	}
	bool was_full = !conn_writable_room(c);
	if (conn_drain(c) < 0) {
		peer_conn_closed(p, c, errno);
		return;
	}
	if (!c->outq)
		ev_io_stop(loop, &c->wio);
	if (was_full && conn_writable_room(c) && c == p->conn)
		peer_output_drained(p);
}

/* Deliver every complete message in the input buffer. */
static bool conn_deliver(struct conn *c)
{
	size_t off = 0;
	bool alive = true;

	while (alive && c->inlen - off >= BGP_HDR_LEN) {
		struct bgp_error err;
		uint16_t len;
		uint8_t type;

		if (bgp_header_decode(c->in + off, &len, &type, &err) != BGP_OK)
			return peer_conn_header_error(c->peer, c, &err);
		if (c->inlen - off < len)
			break;
		struct rbuf body = rbuf_make(c->in + off + BGP_HDR_LEN, len - BGP_HDR_LEN);
		off += len;
		alive = peer_conn_message(c->peer, c, type, &body);
	}
	if (!alive)
		return false;
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	return true;
}

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		peer_conn_closed(c->peer, c, n == 0 ? 0 : errno);
		return;
	}
	c->inlen += (size_t)n;
	conn_deliver(c);
}
