/* The Prometheus endpoint (docs/monitoring.md): what closbgpd exposes, read
 * from the structs the control socket reads, and a small HTTP/1.0-1.1
 * server for it on the daemon's libev loop. It never blocks the loop:
 * non-blocking sockets, a bounded request (headers only), a bounded
 * response written as the socket takes it, at most METRICS_MAX_CLIENTS
 * clients, each closed when its whole request has not come within
 * METRICS_IDLE seconds or the response makes no progress for as long (a
 * slow sender cannot hold a slot). One request per connection
 * (Connection: close). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpd/log.h"
#include "bgpd/metrics.h"
#include "bgpd/session.h"

#define METRICS_ACCEPT_BURST 16 /* connections accepted per loop turn */
#define METRICS_HDR_ROOM 256	/* the status line and headers go before the body */

/* ---- what is served ------------------------------------------------------ */

/* peer="address", peer_as="AS": the labels of every per-peer series. */
struct peer_labels {
	char as[12];
	struct prom_label l[3]; /* and room for one more */
};

static void peer_labels(const struct peer *p, struct peer_labels *pl)
{
	snprintf(pl->as, sizeof(pl->as), "%u", p->cfg.remote_as);
	pl->l[0] = (struct prom_label){ "peer", p->cfg.name };
	pl->l[1] = (struct prom_label){ "peer_as", pl->as };
}

static uint64_t pm_uptime(const struct peer *p) { return peer_uptime(p); }
static uint64_t pm_established(const struct peer *p) { return p->stats.established_count; }
static uint64_t pm_received(const struct peer *p) { return peer_prefixes_received(p); }
static uint64_t pm_accepted(const struct peer *p) { return p->accepted; }
static uint64_t pm_advertised(const struct peer *p) { return p->stats.prefixes_out; }
static uint64_t pm_stale(const struct peer *p) { return p->gr.stale[0] + p->gr.stale[1]; }

/* One value per peer. */
static const struct peer_metric {
	const char *name;
	enum prom_type type;
	const char *help;
	uint64_t (*get)(const struct peer *p);
} peer_metrics[] = {
	{ "closbgp_peer_uptime_seconds", PROM_GAUGE,
	  "Seconds the session has been Established (0 in any other state).", pm_uptime },
	{ "closbgp_peer_established_transitions_total", PROM_COUNTER,
	  "Times the session reached Established.", pm_established },
	{ "closbgp_peer_prefixes_received", PROM_GAUGE,
	  "Prefixes held from the peer (its Adj-RIB-In, IPv4 and IPv6, accepted by import "
	  "policy or not).", pm_received },
	{ "closbgp_peer_prefixes_accepted", PROM_GAUGE,
	  "Prefixes from the peer accepted by import policy and not stale (what max-prefix "
	  "counts).", pm_accepted },
	{ "closbgp_peer_prefixes_advertised", PROM_GAUGE,
	  "Prefixes currently advertised to the peer.", pm_advertised },
	{ "closbgp_peer_stale_paths", PROM_GAUGE,
	  "Paths of the peer kept stale while it restarts (graceful restart helper, RFC 4724).",
	  pm_stale },
};

/* Message types as counted in struct peer_stats (index 0: any other). */
static const char *const msg_types[6] = { "other",	  "open",      "update",
					  "notification", "keepalive", "route_refresh" };

static void collect_peer_values(struct bgpd *d, struct prom_buf *b, const struct peer_metric *m)
{
	struct peer_labels pl;

	prom_family(b, m->name, m->type, m->help);
	for (const struct peer *p = d->peers; p; p = p->next) {
		if (p->deleted)
			continue;
		peer_labels(p, &pl);
		prom_sample(b, m->name, pl.l, 2, m->get(p));
	}
}

/* One series per FSM state, 1 for the state the session is in. */
static void collect_peer_state(struct bgpd *d, struct prom_buf *b)
{
	static const char name[] = "closbgp_peer_state";
	struct peer_labels pl;

	prom_family(b, name, PROM_GAUGE,
		    "1 for the RFC 4271 state the session is in (label state: Idle, Connect, "
		    "Active, OpenSent, OpenConfirm, Established, as closctl shows them), 0 for "
		    "the others.");
	for (const struct peer *p = d->peers; p; p = p->next) {
		if (p->deleted)
			continue;
		peer_labels(p, &pl);
		for (int s = 0; s < FSM_NSTATES; s++) {
			pl.l[2] = (struct prom_label){ "state", fsm_state_str((enum fsm_state)s) };
			prom_sample(b, name, pl.l, 3, p->state == (enum fsm_state)s);
		}
	}
}

static void collect_peer_messages(struct bgpd *d, struct prom_buf *b, bool in)
{
	const char *name = in ? "closbgp_peer_messages_received_total"
			      : "closbgp_peer_messages_sent_total";
	struct peer_labels pl;

	prom_family(b, name, PROM_COUNTER,
		    in ? "BGP messages received from the peer, by type."
		       : "BGP messages sent to the peer, by type.");
	for (const struct peer *p = d->peers; p; p = p->next) {
		if (p->deleted)
			continue;
		peer_labels(p, &pl);
		for (int t = 1; t <= 6; t++) { /* "other" last */
			pl.l[2] = (struct prom_label){ "type", msg_types[t % 6] };
			prom_sample(b, name, pl.l, 3, (in ? p->stats.msgs_in : p->stats.msgs_out)[t % 6]);
		}
	}
}

static void collect_peer_errors(struct bgpd *d, struct prom_buf *b)
{
	static const char name[] = "closbgp_peer_update_errors_total";
	struct peer_labels pl;

	prom_family(b, name, PROM_COUNTER,
		    "Malformed UPDATEs from the peer handled without a reset (RFC 7606), by action: "
		    "treat_as_withdraw, attribute_discard.");
	for (const struct peer *p = d->peers; p; p = p->next) {
		if (p->deleted)
			continue;
		peer_labels(p, &pl);
		pl.l[2] = (struct prom_label){ "action", "treat_as_withdraw" };
		prom_sample(b, name, pl.l, 3, p->stats.treat_as_withdraw);
		pl.l[2] = (struct prom_label){ "action", "attribute_discard" };
		prom_sample(b, name, pl.l, 3, p->stats.attr_discard);
	}
}

static void collect_peers(struct bgpd *d, struct prom_buf *b)
{
	collect_peer_state(d, b);
	for (size_t i = 0; i < sizeof(peer_metrics) / sizeof(peer_metrics[0]); i++)
		collect_peer_values(d, b, &peer_metrics[i]);
	collect_peer_messages(d, b, true);
	collect_peer_messages(d, b, false);
	collect_peer_errors(d, b);
}

/* A family of one series per label value. */
static void family_by(struct prom_buf *b, const char *name, enum prom_type type, const char *help,
		      const char *label, size_t n, const char *const *values, const uint64_t *v)
{
	prom_family(b, name, type, help);
	for (size_t i = 0; i < n; i++) {
		struct prom_label l = { label, values[i] };
		prom_sample(b, name, &l, 1, v[i]);
	}
}

static void family_one(struct prom_buf *b, const char *name, enum prom_type type, const char *help,
		       uint64_t v)
{
	prom_family(b, name, type, help);
	prom_sample(b, name, NULL, 0, v);
}

static void collect_device(struct bgpd *d, struct prom_buf *b)
{
	static const char *const states[3] = { "live", "warm", "drained" };
	const struct devstate *v = &d->dev;
	uint64_t cur[3], tgt[3];
	char rid[INET_ADDRSTRLEN], as[12];
	struct prom_label info[3] = { { "version", PACKAGE_VERSION }, { "router_id", rid },
				      { "local_as", as } };

	inet_ntop(AF_INET, &d->cfg->router_id, rid, sizeof(rid));
	snprintf(as, sizeof(as), "%u", d->cfg->local_as);
	prom_family(b, "closbgp_info", PROM_GAUGE,
		    "Always 1: the closbgp version, the router id and the local AS.");
	prom_sample(b, "closbgp_info", info, 3, 1);
	family_one(b, "closbgp_start_time_seconds", PROM_GAUGE,
		   "When closbgpd started, seconds since the Unix epoch.", (uint64_t)d->started);
	for (int i = 0; i < 3; i++) {
		cur[i] = v->state == (enum dev_state)i;
		tgt[i] = v->target == (enum dev_state)i;
	}
	family_by(b, "closbgp_device_state", PROM_GAUGE,
		  "1 for the device state in effect (live, warm, drained; docs/operations.md), 0 "
		  "for the others.", "state", 3, states, cur);
	family_by(b, "closbgp_device_target_state", PROM_GAUGE,
		  "1 for the state the operator asked for (drain, undrain, state), 0 for the others.",
		  "state", 3, states, tgt);
	family_one(b, "closbgp_device_state_transitions_total", PROM_COUNTER,
		   "Device state changes since the start.", v->transitions);
	family_one(b, "closbgp_device_state_changed_timestamp_seconds", PROM_GAUGE,
		   "When the device state last changed, seconds since the Unix epoch.",
		   (uint64_t)v->since);
	family_one(b, "closbgp_device_initial_table_wait", PROM_GAUGE,
		   "1 while a start waits for the peers' initial tables (nothing advertised yet).",
		   v->initial);
	family_one(b, "closbgp_device_kernel_pending_routes", PROM_GAUGE,
		   "Best routes not yet in the kernel (an undrain reaches live only at 0).",
		   d->loc ? state_fib_pending(d) : 0);
}

static void collect_rib(struct bgpd *d, struct prom_buf *b)
{
	static const char *const fam[2] = { "ipv4", "ipv6" };
	uint64_t pfx[2] = { 0 }, paths[2] = { 0 }, groups = 0;

	if (d->loc) {
		pfx[0] = rib_loc_count(d->loc, AF_INET);
		pfx[1] = rib_loc_count(d->loc, AF_INET6);
		paths[0] = rib_loc_paths_family(d->loc, AF_INET);
		paths[1] = rib_loc_paths_family(d->loc, AF_INET6);
	}
	for (const struct export_group *g = d->groups; g; g = g->next)
		groups++;
	family_by(b, "closbgp_rib_prefixes", PROM_GAUGE,
		  "Loc-RIB prefixes with a usable path, by family.", "family", 2, fam, pfx);
	family_by(b, "closbgp_rib_paths", PROM_GAUGE,
		  "Loc-RIB paths by family: every path held, usable or not (the Adj-RIBs-In).",
		  "family", 2, fam, paths);
	family_one(b, "closbgp_update_groups", PROM_GAUGE,
		   "Update groups (peers sharing one Adj-RIB-Out and one encoding of each UPDATE).",
		   groups);
}

/* The kernel FIB; absent with -n. */
static void collect_fib(struct bgpd *d, struct prom_buf *b)
{
	static const char *const states[4] = { "installed", "pending", "failed", "stale" };
	struct fib_stats st;
	uint64_t r[4];

	if (!d->fib)
		return;
	fib_get_stats(d->fib, &st);
	r[0] = st.routes_installed;
	r[1] = st.routes - st.routes_installed - st.routes_failed - st.routes_stale;
	r[2] = st.routes_failed;
	r[3] = st.routes_stale;
	family_by(b, "closbgp_fib_routes", PROM_GAUGE,
		  "Kernel routes by state: installed, pending (sent, or being removed, and not "
		  "acknowledged yet), failed (refused by the kernel), stale (adopted at a restart, "
		  "not confirmed yet).", "state", 4, states, r);
	family_one(b, "closbgp_fib_nexthops", PROM_GAUGE, "Kernel nexthop objects (single).",
		   st.nexthops);
	family_one(b, "closbgp_fib_groups", PROM_GAUGE, "Kernel nexthop groups (ECMP sets).",
		   st.groups);
	family_one(b, "closbgp_fib_errors_total", PROM_COUNTER,
		   "Netlink requests the kernel refused.", st.errors);
	family_one(b, "closbgp_fib_retries_total", PROM_COUNTER,
		   "Refused routes sent again.", st.retries);
	family_one(b, "closbgp_fib_failovers_total", PROM_COUNTER,
		   "Nexthop groups moved to their backup set by the FIB on a link loss.",
		   st.failovers);
	family_one(b, "closbgp_fib_takeovers_total", PROM_COUNTER,
		   "Routes whose standby route (backup set, next metric) took over on a link loss.",
		   st.takeovers);
	family_one(b, "closbgp_fib_netlink_messages_total", PROM_COUNTER,
		   "Netlink messages sent to the kernel.", st.msgs_sent);
	family_one(b, "closbgp_fib_batches_total", PROM_COUNTER,
		   "Netlink batches sent (one per loop turn with changes).", st.batches);
}

/* The figures of closctl show memory, by type; the types add up (the
 * Adj-RIB-Out pairs, part of the Loc-RIB's memory, are counted apart). */
static void collect_memory(struct bgpd *d, struct prom_buf *b)
{
	static const char *const types[7] = { "attr_sets",     "aspaths",	"community_lists",
					      "unknown_attrs", "intern_tables", "loc_rib",
					      "adj_rib_out" };
	struct rib_attr_stats as = { 0 };
	uint64_t bytes[7], objs[4];
	size_t loc = d->loc ? rib_loc_bytes(d->loc) : 0, out = d->loc ? rib_loc_out_bytes(d->loc) : 0;

	if (d->attr_cache)
		rib_attr_cache_stats(d->attr_cache, &as);
	bytes[0] = as.attrs_bytes;
	bytes[1] = as.aspath_bytes;
	bytes[2] = as.commlist_bytes;
	bytes[3] = as.unknown_bytes;
	bytes[4] = as.table_bytes;
	bytes[5] = loc > out ? loc - out : 0;
	bytes[6] = out;
	objs[0] = as.attrs;
	objs[1] = as.aspaths;
	objs[2] = as.commlists;
	objs[3] = as.unknowns;
	family_by(b, "closbgp_memory_bytes", PROM_GAUGE,
		  "Memory held, by type (closctl show memory): interned attribute sets, AS paths, "
		  "community lists, unknown attributes, intern tables, the Loc-RIB with the "
		  "Adj-RIBs-In, the Adj-RIBs-Out.", "type", 7, types, bytes);
	family_by(b, "closbgp_interned_objects", PROM_GAUGE,
		  "Interned (shared) route attribute pieces, by type.", "type", 4, types, objs);
	family_one(b, "closbgp_interned_references", PROM_GAUGE,
		   "References held on interned route attributes.", as.refs);
}

static void collect_policy(struct bgpd *d, struct prom_buf *b)
{
	struct pol_cache_stats cs = { 0 };

	if (d->pol_cache)
		pol_cache_stats(d->pol_cache, &cs);
	family_one(b, "closbgp_policy_cache_hits_total", PROM_COUNTER,
		   "Policy evaluations answered from the result cache.", cs.hits);
	family_one(b, "closbgp_policy_cache_misses_total", PROM_COUNTER,
		   "Policy evaluations not in the cache (evaluated, then cached).", cs.misses);
	family_one(b, "closbgp_policy_cache_bypass_total", PROM_COUNTER,
		   "Policy evaluations that cannot be cached (chains matching prefixes).", cs.bypass);
	family_one(b, "closbgp_policy_cache_entries", PROM_GAUGE, "Results in the cache.",
		   cs.entries);
	family_one(b, "closbgp_policy_cache_capacity", PROM_GAUGE, "Results the cache can hold.",
		   cs.capacity);
}

void metrics_collect(struct bgpd *d, struct prom_buf *b)
{
	collect_device(d, b);
	collect_peers(d, b);
	collect_rib(d, b);
	collect_fib(d, b);
	collect_memory(d, b);
	collect_policy(d, b);
}

/* ---- HTTP requests -------------------------------------------------------- */

/* The end of the headers: the empty line (CRLF CRLF, or bare LFs). */
static bool headers_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n' || (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n'))
			return true;
	}
	return false;
}

/* RFC 9112 3: request-line = method SP request-target SP HTTP-version. */
enum metrics_req metrics_parse_request(const char *buf, size_t len, size_t max)
{
	const char *nl, *sp1, *sp2, *target, *ver;
	size_t ll, vl, tl;

	if (!headers_end(buf, len))
		return len >= max ? METRICS_REQ_TOO_LARGE : METRICS_REQ_INCOMPLETE;
	nl = memchr(buf, '\n', len);
	ll = (size_t)(nl - buf);
	if (ll && buf[ll - 1] == '\r')
		ll--;
	if (!(sp1 = memchr(buf, ' ', ll)) || sp1 == buf)
		return METRICS_REQ_BAD;
	target = sp1 + 1;
	if (!(sp2 = memchr(target, ' ', ll - (size_t)(target - buf))) || sp2 == target)
		return METRICS_REQ_BAD;
	ver = sp2 + 1;
	vl = ll - (size_t)(ver - buf);
	if (vl != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || ver[7] < '0' || ver[7] > '9')
		return METRICS_REQ_BAD;
	if (sp1 - buf != 3 || memcmp(buf, "GET", 3) != 0)
		return METRICS_REQ_BAD_METHOD;
	tl = (size_t)(sp2 - target);
	if (tl >= 8 && memcmp(target, "/metrics", 8) == 0 && (tl == 8 || target[8] == '?'))
		return METRICS_REQ_METRICS;
	return METRICS_REQ_NOT_FOUND;
}

/* ---- the server ---------------------------------------------------------------- */

enum client_phase {
	MC_READING,	/* the request */
	MC_WRITING,	/* the response */
	MC_DRAINING,	/* written, our side shut: read until the client closes */
};

struct metrics_client {
	struct metrics_client *next;
	struct metrics_server *srv;
	int fd;
	enum client_phase phase;
	ev_io rio, wio;
	ev_timer idle;
	char in[METRICS_REQ_MAX];
	size_t inlen;
	struct prom_buf out;	/* the response from off */
	size_t off;
};

struct metrics_server {
	struct bgpd *d;
	int fd;
	ev_io lio;
	struct sockaddr_storage addr;
	char name[INET6_ADDRSTRLEN + 16]; /* "ADDR port N", for logs */
	struct metrics_client *clients;
	size_t nclients;
	double idle;
};

static void client_close(struct metrics_client *c)
{
	struct metrics_server *s = c->srv;

	for (struct metrics_client **pp = &s->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->nclients--;
	ev_io_stop(s->d->loop, &c->rio);
	ev_io_stop(s->d->loop, &c->wio);
	ev_timer_stop(s->d->loop, &c->idle);
	close(c->fd);
	prom_buf_free(&c->out);
	free(c);
}

/* Accepted, or response bytes taken: METRICS_IDLE seconds more. */
static void client_touch(struct metrics_client *c)
{
	ev_timer_again(c->srv->d->loop, &c->idle);
}

/* Write what the socket takes; once all is out, shut our side and wait for
 * the client to close (closing with its bytes unread could reset the
 * connection before it has read the response). May free c. */
static void client_write(struct metrics_client *c)
{
	struct ev_loop *loop = c->srv->d->loop;

	while (c->off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->off, c->out.len - c->off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(loop, &c->wio);
			return;
		}
		if (n <= 0) {
			client_close(c);
			return;
		}
		c->off += (size_t)n;
		client_touch(c);
	}
	ev_io_stop(loop, &c->wio);
	prom_buf_free(&c->out);
	shutdown(c->fd, SHUT_WR);
	c->phase = MC_DRAINING;
	ev_io_start(loop, &c->rio);
}

static const char *status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	default: return "Service Unavailable";
	}
}

/* The body from METRICS_HDR_ROOM on: the metrics, or an error text. */
static int response_body(struct metrics_client *c, enum metrics_req r, const char **ctype)
{
	static const char room[METRICS_HDR_ROOM];
	static const char *const text[] = {
		[METRICS_REQ_NOT_FOUND] = "not found: closbgpd serves /metrics only\n",
		[METRICS_REQ_BAD_METHOD] = "method not allowed: GET /metrics\n",
		[METRICS_REQ_BAD] = "bad request\n",
		[METRICS_REQ_TOO_LARGE] = "request headers too large\n",
	};
	int code = r == METRICS_REQ_METRICS ? 200 : r == METRICS_REQ_NOT_FOUND ? 404
		   : r == METRICS_REQ_BAD_METHOD ? 405 : r == METRICS_REQ_TOO_LARGE ? 431 : 400;

	*ctype = "text/plain; charset=utf-8";
	prom_buf_init(&c->out, METRICS_HDR_ROOM + METRICS_BODY_MAX);
	prom_buf_append(&c->out, room, sizeof(room));
	if (code == 200) {
		metrics_collect(c->srv->d, &c->out);
		*ctype = PROM_CONTENT_TYPE;
		if (!c->out.full)
			return code;
		log_warn("metrics", "the exposition is over %u bytes or out of memory: 500",
			 METRICS_BODY_MAX);
		prom_buf_free(&c->out);
		prom_buf_append(&c->out, room, sizeof(room));
		prom_buf_append(&c->out, "metrics too large\n", 18);
		*ctype = "text/plain; charset=utf-8";
		return c->out.full ? -1 : 500;
	}
	prom_buf_append(&c->out, text[r], strlen(text[r]));
	return c->out.full ? -1 : code;
}

static void respond(struct metrics_client *c, enum metrics_req r)
{
	char hdr[METRICS_HDR_ROOM];
	const char *ctype;
	int code = response_body(c, r, &ctype), n;

	if (code < 0) {
		client_close(c);
		return;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		     "Connection: close\r\n\r\n",
		     code, status_text(code), ctype, c->out.len - METRICS_HDR_ROOM,
		     code == 405 ? "Allow: GET\r\n" : "");
	/* The headers end where the body starts. */
	c->off = METRICS_HDR_ROOM - (size_t)n;
	memcpy(c->out.p + c->off, hdr, (size_t)n);
	if (code == 200)
		log_debug("metrics", "GET /metrics: %zu bytes", c->out.len - METRICS_HDR_ROOM);
	else
		log_debug("metrics", "request answered %d", code);
	c->phase = MC_WRITING;
	ev_io_stop(c->srv->d->loop, &c->rio);
	client_write(c);
}

/* After the response: discard what comes until the client closes. */
static void client_drain(struct metrics_client *c)
{
	char sink[1024];
	ssize_t n = read(c->fd, sink, sizeof(sink));

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
		return;
	client_close(c);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct metrics_client *c = w->data;
	enum metrics_req r;
	ssize_t n;

	if (c->phase == MC_DRAINING) {
		client_drain(c);
		return;
	}
	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->inlen += (size_t)n; /* no more time: the request within METRICS_IDLE */
	r = metrics_parse_request(c->in, c->inlen, sizeof(c->in));
	if (r != METRICS_REQ_INCOMPLETE)
		respond(c, r);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	client_write(w->data);
}

static void client_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct metrics_client *c = w->data;

	log_debug("metrics", "client idle for %.0f s, closed", c->srv->idle);
	client_close(c);
}

static void client_new(struct metrics_server *s, int fd)
{
	struct metrics_client *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	ev_init(&c->idle, client_idle_cb);
	c->idle.repeat = s->idle;
	c->rio.data = c->wio.data = c->idle.data = c;
	c->next = s->clients;
	s->clients = c;
	s->nclients++;
	ev_io_start(s->d->loop, &c->rio);
	client_touch(c);
}

/* Over the limit: say so without waiting for the request. */
static void reject_busy(int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				   "Connection: close\r\n\r\n";

	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("metrics", "busy reply: %s", strerror(errno));
	close(fd);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct metrics_server *s = w->data;

	for (int i = 0; i < METRICS_ACCEPT_BURST; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("metrics", "accept on %s: %s", s->name, strerror(errno));
			return;
		}
		if (s->nclients >= METRICS_MAX_CLIENTS) {
			log_debug("metrics", "client refused: %d clients already", METRICS_MAX_CLIENTS);
			reject_busy(fd);
			continue;
		}
		client_new(s, fd);
	}
}

static int server_listen(struct metrics_server *s, char *err, size_t errlen)
{
	const struct sockaddr_storage *ss = &s->addr;
	socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6);
	int one = 1;

	s->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s->fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(s->fd, METRICS_MAX_CLIENTS) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "listen on %s: %s", s->name, strerror(errno));
	return -1;
}

static struct metrics_server *server_new(struct bgpd *d, const struct sockaddr_storage *addr,
					 char *err, size_t errlen)
{
	struct metrics_server *s = calloc(1, sizeof(*s));
	char a[INET6_ADDRSTRLEN] = "?";

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->d = d;
	s->addr = *addr;
	s->idle = METRICS_IDLE;
	inet_ntop(addr->ss_family, sockaddr_addr(addr), a, sizeof(a));
	snprintf(s->name, sizeof(s->name), "%s port %u", a,
		 ntohs(((const struct sockaddr_in *)addr)->sin_port));
	if (server_listen(s, err, errlen) < 0) {
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	ev_io_init(&s->lio, accept_cb, s->fd, EV_READ);
	s->lio.data = s;
	ev_io_start(d->loop, &s->lio);
	log_notice("metrics", "Prometheus endpoint http://%s%s%s:%u/metrics",
		   addr->ss_family == AF_INET6 ? "[" : "", a, addr->ss_family == AF_INET6 ? "]" : "",
		   ntohs(((const struct sockaddr_in *)addr)->sin_port));
	return s;
}

void metrics_server_free(struct metrics_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_close(s->clients);
	ev_io_stop(s->d->loop, &s->lio);
	close(s->fd);
	free(s);
}

void metrics_server_set_idle(struct metrics_server *s, double secs)
{
	if (s)
		s->idle = secs;
}

int metrics_configure(struct bgpd *d, char *err, size_t errlen)
{
	const struct sockaddr_storage *want = &d->cfg->metrics.addr;
	struct metrics_server *s = d->metrics;

	if (s && memcmp(&s->addr, want, sizeof(*want)) == 0)
		return 0;
	if (s)
		log_notice("metrics", "endpoint %s closed", s->name);
	/* Closed first: the new address may conflict with the old one (a
	 * wildcard and a specific address on one port). */
	metrics_server_free(s);
	d->metrics = NULL;
	if (!want->ss_family)
		return 0;
	d->metrics = server_new(d, want, err, errlen);
	return d->metrics ? 0 : -1;
}
