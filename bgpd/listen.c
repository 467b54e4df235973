/* Listening sockets: accept BGP connections and hand them to the peer they
 * come from; connections from unconfigured addresses are refused at once.
 * They carry every authenticated neighbour's TCP-MD5 key or TCP-AO MKT, so
 * the kernel drops that neighbour's unsigned or badly signed SYNs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpd/log.h"
#include "bgpd/session.h"

/* v4-mapped IPv6 source → plain IPv4, so it matches IPv4 peers. */
static void unmap_v4(struct sockaddr_storage *ss)
{
	struct sockaddr_in6 s6 = *(struct sockaddr_in6 *)ss;

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr))
		return;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	s4->sin_family = AF_INET;
	s4->sin_port = s6.sin6_port;
	memcpy(&s4->sin_addr, &s6.sin6_addr.s6_addr[12], 4);
}

static void listen_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgpd *d = w->data;

	/* Bounded: at most 32 connections per loop turn. */
	for (int i = 0; i < 32; i++) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		int fd = accept4(w->fd, (struct sockaddr *)&from, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("listen", "accept: %s", strerror(errno));
			return;
		}
		unmap_v4(&from);
		if (!peer_find(d, (struct sockaddr *)&from)) {
			char a[INET6_ADDRSTRLEN] = "?";
			if (from.ss_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, a, sizeof(a));
			else
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, a, sizeof(a));
			log_notice("listen", "refused connection from unconfigured address %s", a);
			close(fd);
			continue;
		}
		peer_accept(d, fd, &from);
	}
}

static int listen_one(const struct sockaddr_storage *ss, char *err, size_t errlen)
{
	int one = 1, ttl = 255;
	socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6);
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* RFC 5082: the SYN-ACK must leave with TTL 255 too, or a GTSM peer
	 * drops it; accepted sockets inherit this. */
	if (ss->ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	}
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, 64) < 0)
		goto fail;
	return fd;
fail:;
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(ss->ss_family, sockaddr_addr(ss), a, sizeof(a));
	snprintf(err, errlen, "listen on %s port %u: %s", a,
		 ntohs(((const struct sockaddr_in *)ss)->sin_port), strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int listen_open(struct bgpd *d, char *err, size_t errlen)
{
	const struct bgp_config *cfg = d->cfg;
	struct sockaddr_storage dflt[2];
	const struct sockaddr_storage *addrs[16];
	size_t n = 0;

	if (cfg->nlisten == 0) {
		/* Default: every address, both families, port 179. */
		memset(dflt, 0, sizeof(dflt));
		struct sockaddr_in *s4 = (struct sockaddr_in *)&dflt[0];
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dflt[1];
		s4->sin_family = AF_INET;
		s4->sin_port = htons(BGP_PORT);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(BGP_PORT);
		addrs[n++] = &dflt[0];
		addrs[n++] = &dflt[1];
	}
	for (size_t i = 0; i < cfg->nlisten && n < 16; i++)
		addrs[n++] = &cfg->listen[i].addr;
	d->listen_fds = calloc(n, sizeof(int));
	d->listen_io = calloc(n, sizeof(ev_io));
	if (!d->listen_fds || !d->listen_io)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int fd = listen_one(addrs[i], err, errlen);
		if (fd < 0) {
			/* An IPv6 wildcard on a host without IPv6 is not fatal. */
			if (cfg->nlisten == 0 && i == 1)
				continue;
			return -1;
		}
		d->listen_fds[d->nlisten] = fd;
		ev_io_init(&d->listen_io[d->nlisten], listen_accept_cb, fd, EV_READ);
		d->listen_io[d->nlisten].data = d;
		ev_io_start(d->loop, &d->listen_io[d->nlisten]);
		d->nlisten++;
	}
	return 0;
}

static bool listen_family_is(int fd, int family)
{
	int f = 0;
	socklen_t flen = sizeof(f);

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &f, &flen) == 0 && f == family;
}

static int listen_auth_failed(int fd, const char *what, char *why, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	int err = errno;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		inet_ntop(ss.ss_family, sockaddr_addr(&ss), a, sizeof(a));
	snprintf(why, len, "%s on the listening socket %s: %s", what, a, strerror(err));
	return -1;
}

int listen_auth(struct bgpd *d, const struct cfg_peer *cp, bool remove, char *why, size_t len)
{
	for (size_t i = 0; i < d->nlisten; i++) {
		int fd = d->listen_fds[i];
		if (listen_family_is(fd, cp->addr.ss_family) &&
		    conn_auth_set(fd, cp, true, remove) < 0 && !remove)
			return listen_auth_failed(fd, cp->auth.kind == CFG_AUTH_AO ? "TCP-AO key"
										  : "TCP-MD5 key",
						  why, len);
	}
	return 0;
}

int listen_ao_rekey(struct bgpd *d, const struct cfg_peer *old, const struct cfg_peer *nw,
		    char *why, size_t len)
{
	for (size_t i = 0; i < d->nlisten; i++) {
		int fd = d->listen_fds[i];
		if (listen_family_is(fd, nw->addr.ss_family) &&
		    conn_ao_rekey(fd, old, nw, true) < 0)
			return listen_auth_failed(fd, "TCP-AO key change", why, len);
	}
	return 0;
}

void listen_close(struct bgpd *d)
{
	for (size_t i = 0; i < d->nlisten; i++) {
		ev_io_stop(d->loop, &d->listen_io[i]);
		close(d->listen_fds[i]);
	}
	free(d->listen_fds);
	free(d->listen_io);
	d->listen_fds = NULL;
	d->listen_io = NULL;
	d->nlisten = 0;
}
