/* BMP collectors (RFC 7854 3.2: the monitored router connects): one
 * non-blocking TCP connection per configured station on the daemon's
 * loop, reconnected with exponential backoff; an Initiation on connect,
 * then every Established peer's Peer Up and table, paced by the
 * collector (bmp_peer.c), then live messages; a Termination when it is
 * removed or closbgpd stops. Each collector has a bounded output queue:
 * a collector that cannot keep up is dropped and resynced when it is
 * back, so it never blocks the BGP loop nor grows without bound. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgpd/bmp_int.h"
#include "bgpd/log.h"

#define BMP_OUT_INITIAL (64u << 10)

static void bmp_connect(struct bmp_collector *c);

static const char *bmp_addr_str(const struct bmp_collector *c, char *buf, size_t len)
{
	const struct sockaddr_storage *ss = &c->cfg.addr;
	uint16_t port = ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
						 : ((const struct sockaddr_in6 *)ss)->sin6_port;
	char a[INET6_ADDRSTRLEN];

	inet_ntop(ss->ss_family, sockaddr_addr(ss), a, sizeof(a));
	snprintf(buf, len, "%s port %u", a, ntohs(port));
	return buf;
}

/* ---- output queue ------------------------------------------------------ */

static bool bmp_out_room(struct bmp_collector *c, size_t len)
{
	size_t need;
	uint8_t *n;

	if (c->off && c->len + len > c->cap) {
		memmove(c->out, c->out + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len + len <= c->cap)
		return true;
	need = c->cap ? c->cap : BMP_OUT_INITIAL;
	while (need < c->len + len)
		need *= 2;
	if (!(n = realloc(c->out, need)))
		return false;
	c->out = n;
	c->cap = need;
	return true;
}

static void bmp_drop(struct bmp_collector *c, const char *why);

bool bmp_out_put(struct bmp_collector *c, const uint8_t *msg, size_t len)
{
	char a[80];

	if (c->state != BMP_UP || !len)
		return false;
	if (c->len - c->off + len > BMP_OUT_MAX || !bmp_out_room(c, len)) {
		log_event_warn("bmp", "collector_overflow", NULL,
			       "collector %s (%s): output queue over %u bytes: dropping it, "
			       "everything is sent again when it is back",
			       c->cfg.name, bmp_addr_str(c, a, sizeof(a)), BMP_OUT_MAX);
		bmp_drop(c, "output queue full");
		return false;
	}
	memcpy(c->out + c->len, msg, len);
	c->len += len;
	c->msgs++;
	ev_io_start(c->b->d->loop, &c->wio);
	return true;
}

void bmp_emit(struct bmp *b, struct bmp_collector *only, const struct peer *p, enum bmp_view v,
	      const uint8_t *msg, size_t len)
{
	for (struct bmp_collector *c = b->collectors; c; c = c->next) {
		if ((only && c != only) || c->state != BMP_UP || !p->bmp ||
		    !(p->bmp->up & (1u << c->slot)))
			continue;
		if ((v == BMP_VIEW_PRE && !c->cfg.pre_policy) ||
		    (v == BMP_VIEW_POST && !c->cfg.post_policy))
			continue;
		bmp_out_put(c, msg, len);
	}
}

/* ---- connection -------------------------------------------------------- */

static void bmp_close_fd(struct bmp_collector *c)
{
	struct ev_loop *loop = c->b->d->loop;

	ev_io_stop(loop, &c->wio);
	ev_io_stop(loop, &c->rio);
	ev_timer_stop(loop, &c->stats);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->off = c->len = 0;
	c->state = BMP_IDLE;
	c->synced = false;
	/* What it had is gone with the connection: resync on the next one. */
	for (struct peer *p = c->b->d->peers; p; p = p->next)
		if (p->bmp)
			p->bmp->up &= (uint8_t)~(1u << c->slot);
}

static void bmp_schedule(struct bmp_collector *c)
{
	ev_timer_stop(c->b->d->loop, &c->retry);
	ev_timer_set(&c->retry, c->backoff, 0.);
	ev_timer_start(c->b->d->loop, &c->retry);
	c->backoff *= 2;
	if (c->backoff > c->cfg.backoff_max)
		c->backoff = c->cfg.backoff_max;
}

static void bmp_drop(struct bmp_collector *c, const char *why)
{
	char a[80];

	log_event_notice("bmp", "collector_down", NULL, "collector %s (%s): %s; retry in %.0f s",
			 c->cfg.name, bmp_addr_str(c, a, sizeof(a)), why, c->backoff);
	c->resets++;
	bmp_close_fd(c);
	bmp_schedule(c);
}

/* Up to BMP_FLUSH_TRIES x 50 ms for what is queued (the Termination). */
static void bmp_flush(struct bmp_collector *c)
{
	for (unsigned i = 0; i < BMP_FLUSH_TRIES && c->off < c->len; i++) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n > 0) {
			c->off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return;
		struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
		poll(&pfd, 1, 50);
	}
}

/* RFC 7854 4.5: a Termination, then the connection closes. */
static void bmp_terminate(struct bmp_collector *c, uint16_t reason, const char *text)
{
	size_t n;

	if (c->state == BMP_UP) {
		n = bmp_termination_encode(c->b->scratch, sizeof(c->b->scratch), reason, text);
		bmp_out_put(c, c->b->scratch, n);
		bmp_flush(c);
		shutdown(c->fd, SHUT_WR);
	}
	bmp_close_fd(c);
}

static void bmp_dump(struct bmp_collector *c)
{
	for (unsigned i = 0; i < BMP_DUMP_BURST && c->state == BMP_UP && !c->synced; i++) {
		if (c->len - c->off >= BMP_DUMP_LOWAT)
			return;
		if (!bmp_dump_next(c) && c->state == BMP_UP) {
			c->synced = true;
			c->backoff = c->cfg.backoff_initial; /* it took everything */
			log_info("bmp", "collector %s: initial table sent", c->cfg.name);
		}
	}
}

static void bmp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bmp_collector *c = w->data;
	ssize_t n;

	(void)loop;
	(void)revents;
	if (c->off < c->len) {
		n = send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			bmp_drop(c, strerror(errno));
			return;
		}
		if (n > 0)
			c->off += (size_t)n;
		if (c->off == c->len)
			c->off = c->len = 0;
	}
	bmp_dump(c);
	if (c->state == BMP_UP && c->off == c->len && c->synced)
		ev_io_stop(c->b->d->loop, &c->wio);
}

/* A collector sends nothing (RFC 7854 3.3): what it does send is read and
 * ignored; end of file or an error is the end of the connection. */
static void bmp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bmp_collector *c = w->data;
	uint8_t buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	(void)loop;
	(void)revents;
	if (n == 0)
		bmp_drop(c, "closed by the collector");
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		bmp_drop(c, strerror(errno));
}

static void bmp_initiation(struct bmp_collector *c)
{
	const struct bgp_config *cfg = c->b->d->cfg;
	char host[256] = "", descr[160], rid[INET_ADDRSTRLEN];
	size_t n;

	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "closbgpd");
	inet_ntop(AF_INET, &cfg->router_id, rid, sizeof(rid));
	snprintf(descr, sizeof(descr), "closbgpd %s, router-id %s, AS %u", PACKAGE_VERSION, rid,
		 cfg->local_as);
	n = bmp_initiation_encode(c->b->scratch, sizeof(c->b->scratch), descr, host);
	bmp_out_put(c, c->b->scratch, n);
}

static void bmp_connected(struct bmp_collector *c)
{
	struct ev_loop *loop = c->b->d->loop;
	char a[80];

	c->state = BMP_UP;
	c->synced = false;
	log_event_notice("bmp", "collector_up", NULL, "collector %s (%s): connected", c->cfg.name,
			 bmp_addr_str(c, a, sizeof(a)));
	ev_io_stop(loop, &c->wio);
	ev_io_set(&c->wio, c->fd, EV_WRITE);
	ev_io_set(&c->rio, c->fd, EV_READ);
	ev_io_start(loop, &c->rio);
	bmp_initiation(c);
	ev_io_start(loop, &c->wio); /* the dump starts as the socket takes it */
	if (c->cfg.stats_interval) {
		ev_timer_set(&c->stats, c->cfg.stats_interval, c->cfg.stats_interval);
		ev_timer_start(loop, &c->stats);
	}
}

static void bmp_connect_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bmp_collector *c = w->data;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)loop;
	(void)revents;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		bmp_drop(c, strerror(err));
		return;
	}
	ev_set_cb(&c->wio, bmp_write_cb);
	bmp_connected(c);
}

static void bmp_connect(struct bmp_collector *c)
{
	const struct sockaddr_storage *ss = &c->cfg.addr;
	socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6);

	bmp_close_fd(c);
	c->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		bmp_drop(c, strerror(errno));
		return;
	}
	if (connect(c->fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS) {
		bmp_drop(c, strerror(errno));
		return;
	}
	c->state = BMP_CONNECTING;
	ev_io_init(&c->wio, bmp_connect_cb, c->fd, EV_WRITE);
	c->wio.data = c;
	ev_io_start(c->b->d->loop, &c->wio);
}

static void bmp_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	bmp_connect(w->data);
}

static void bmp_stats_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bmp_collector *c = w->data;

	(void)loop;
	(void)revents;
	if (c->state == BMP_UP)
		bmp_stats_send(c);
}

/* ---- configuration ----------------------------------------------------- */

static struct bmp_collector *bmp_collector_new(struct bmp *b, const struct cfg_bmp *cfg)
{
	struct bmp_collector *c = calloc(1, sizeof(*c));
	unsigned used = 0;

	if (!c)
		return NULL;
	for (struct bmp_collector *o = b->collectors; o; o = o->next)
		used |= 1u << o->slot;
	while (used & (1u << c->slot))
		c->slot++; /* YANG allows CFG_BMP_MAX collectors: a free bit exists */
	c->b = b;
	c->cfg = *cfg;
	c->fd = -1;
	c->backoff = cfg->backoff_initial;
	ev_io_init(&c->rio, bmp_read_cb, -1, EV_READ);
	ev_io_init(&c->wio, bmp_connect_cb, -1, EV_WRITE);
	ev_timer_init(&c->retry, bmp_retry_cb, 0., 0.);
	ev_timer_init(&c->stats, bmp_stats_cb, 0., 0.);
	c->rio.data = c->wio.data = c->retry.data = c->stats.data = c;
	return c;
}

static void bmp_collector_free(struct bmp_collector *c, uint16_t reason, const char *text)
{
	bmp_terminate(c, reason, text);
	ev_timer_stop(c->b->d->loop, &c->retry);
	free(c->out);
	free(c);
}

static const struct cfg_bmp *bmp_cfg_find(const struct bgp_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nbmp; i++)
		if (strcmp(cfg->bmp[i].name, name) == 0)
			return &cfg->bmp[i];
	return NULL;
}

/* A collector still configured: a new address or other views mean a new
 * connection (Termination, then connect at once); timers apply in place. */
static void bmp_collector_update(struct bmp_collector *c, const struct cfg_bmp *nc)
{
	struct cfg_bmp old = c->cfg;

	c->cfg = *nc;
	if (memcmp(&old.addr, &nc->addr, sizeof(old.addr)) != 0 ||
	    old.pre_policy != nc->pre_policy || old.post_policy != nc->post_policy) {
		log_notice("bmp", "collector %s: configuration changed, reconnecting", nc->name);
		bmp_terminate(c, BMP_TERM_ADMIN_CLOSE, "configuration changed");
		c->backoff = nc->backoff_initial;
		ev_timer_stop(c->b->d->loop, &c->retry);
		bmp_connect(c);
		return;
	}
	if (c->backoff > nc->backoff_max || c->backoff < nc->backoff_initial)
		c->backoff = nc->backoff_initial;
	if (old.stats_interval != nc->stats_interval && c->state == BMP_UP) {
		ev_timer_stop(c->b->d->loop, &c->stats);
		ev_timer_set(&c->stats, nc->stats_interval, nc->stats_interval);
		if (nc->stats_interval)
			ev_timer_start(c->b->d->loop, &c->stats);
	}
}

/* Collectors no longer configured get a Termination and go. */
static void bmp_remove_unlisted(struct bmp *b, const struct bgp_config *cfg)
{
	struct bmp_collector **cp = &b->collectors;

	while (*cp) {
		struct bmp_collector *c = *cp;
		const struct cfg_bmp *nc = bmp_cfg_find(cfg, c->cfg.name);
		if (nc) {
			bmp_collector_update(c, nc);
			cp = &c->next;
			continue;
		}
		log_event_notice("bmp", "collector_removed", NULL, "collector %s: removed",
				 c->cfg.name);
		*cp = c->next;
		bmp_collector_free(c, BMP_TERM_PERM_ADMIN_CLOSE, "collector removed from the "
				   "configuration");
	}
}

static void bmp_add_new(struct bmp *b, const struct bgp_config *cfg)
{
	for (size_t i = 0; i < cfg->nbmp; i++) {
		bool known = false;
		for (struct bmp_collector *c = b->collectors; c; c = c->next)
			known |= strcmp(c->cfg.name, cfg->bmp[i].name) == 0;
		if (known)
			continue;
		struct bmp_collector *c = bmp_collector_new(b, &cfg->bmp[i]);
		if (!c) {
			log_err("bmp", "collector %s: out of memory", cfg->bmp[i].name);
			continue;
		}
		c->next = b->collectors;
		b->collectors = c;
		bmp_connect(c);
	}
}

void bmp_configure(struct bgpd *d)
{
	struct bmp *b = d->bmp;

	if (!b && !d->cfg->nbmp)
		return;
	if (!b) {
		if (!(b = calloc(1, sizeof(*b)))) {
			log_err("bmp", "out of memory: BMP off");
			return;
		}
		b->d = d;
		d->bmp = b;
	}
	bmp_remove_unlisted(b, d->cfg);
	bmp_add_new(b, d->cfg);
	if (!b->collectors) {
		free(b);
		d->bmp = NULL; /* off: the hooks are one test again */
	}
}

void bmp_free(struct bgpd *d)
{
	struct bmp *b = d->bmp;

	if (!b)
		return;
	while (b->collectors) {
		struct bmp_collector *c = b->collectors;
		b->collectors = c->next;
		bmp_collector_free(c, BMP_TERM_ADMIN_CLOSE, "closbgpd shutting down");
	}
	free(b);
	d->bmp = NULL;
}
