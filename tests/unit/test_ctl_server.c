/* The control server end to end: a struct bgpd filled with test peers and
 * routes, ctl_server_new on a temporary socket, and closctl's client code
 * talking to it from a second thread while the test runs the event loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "bgpd/bgpd.h"
#include "bgpd/control.h"
#include "tools/ctl_client.h"

#define NROUTES_V4 2500

struct fx {
	struct bgpd d;
	struct bgp_config cfg;
	struct peer *p1, *p2, *p3;
	char dir[64], path[128];
	ev_async done;
	ev_timer guard;
	bool timed_out;
	/* the client job, run in a thread */
	void (*job)(struct fx *);
	Closbgp__Ctl__Request *req;
	struct ctl_reply reply;
	int rc;
	char err[256];
	uint8_t raw[256]; /* raw-socket jobs: bytes to send / received */
	size_t rawlen;
};

/* ---- test data ---------------------------------------------------------- */
static const uint8_t aspath_2[] = { AS_SEQUENCE, 2, 0, 0, 0xfd, 0xea, 0, 0, 0xfd, 0xeb };
static const uint32_t comms[] = { 65000u << 16 | 1, 0xFFFFFF01 };
static const struct bgp_large_community large[] = { { 65000, 1, 2 } };

static void prefix4(struct bgp_prefix *p, uint8_t a, uint8_t b, uint8_t c, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->len = len;
	p->addr[0] = a;
	p->addr[1] = b;
	p->addr[2] = c;
}

/* A route from p, as route_peer_update takes it: into the Loc-RIB (its
 * Adj-RIB-In), unusable when our AS is in the AS_PATH (looped). */
static void peer_recv(struct peer *p, const struct bgp_prefix *pfx, const struct bgp_attrs *a)
{
	struct rib_attrs *ra = rib_attrs_intern(p->d->attr_cache, a);
	bool usable = !aspath_contains(a->aspath, a->aspath_len, p->d->cfg->local_as);

	assert_non_null(ra);
	if (rib_loc_set(p->d->loc, pfx, &p->src, ra, usable) & RIB_LOC_NEW)
		p->prefixes_in[pfx->family == AF_INET6]++;
	rib_attrs_unref(ra);
}

static void add_routes_p1(struct peer *p)
{
	struct bgp_attrs a = { 0 };
	struct bgp_prefix pfx;

	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_MED) |
		 BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES) | BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	a.origin = BGP_ORIGIN_IGP;
	a.aspath = aspath_2;
	a.aspath_len = sizeof(aspath_2);
	inet_pton(AF_INET, "10.0.0.2", &a.nexthop);
	a.med = 7;
	a.communities = comms;
	a.ncommunities = 2;
	a.large = large;
	a.nlarge = 1;
	for (int i = 0; i < NROUTES_V4; i++) {
		prefix4(&pfx, 10, (uint8_t)(1 + i / 256), (uint8_t)(i % 256), 24);
		peer_recv(p, &pfx, &a);
	}
	/* one IPv6 route with a link-local next hop (RFC 2545 3) */
	memset(&pfx, 0, sizeof(pfx));
	pfx.family = AF_INET6;
	pfx.len = 48;
	inet_pton(AF_INET6, "2001:db8:1::", pfx.addr);
	a.seen &= ~BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	inet_pton(AF_INET6, "2001:db8::2", &a.nh6);
	inet_pton(AF_INET6, "fe80::2", &a.nh6_ll);
	a.nh6_has_ll = true;
	peer_recv(p, &pfx, &a);
}

static void add_routes_p2(struct peer *p)
{
	struct bgp_attrs a = { 0 };
	struct bgp_prefix pfx;
	static const uint8_t ap[] = { AS_SEQUENCE, 1, 0, 0, 0xfd, 0xec };

	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		 BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF) |
		 BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE);
	a.origin = BGP_ORIGIN_INCOMPLETE;
	a.aspath = ap;
	a.aspath_len = sizeof(ap);
	a.local_pref = 100;
	inet_pton(AF_INET, "10.0.0.3", &a.nexthop);
	prefix4(&pfx, 192, 0, 2, 24);
	peer_recv(p, &pfx, &a);
}

static struct peer *make_peer(struct fx *f, const char *addr, uint32_t as, enum fsm_state st)
{
	struct peer *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->d = &f->d;
	snprintf(p->cfg.name, sizeof(p->cfg.name), "%s", addr);
	p->cfg.remote_as = as;
	/* as a Loc-RIB source, the way route.c classifies an eBGP peer */
	p->src.kind = RIB_SRC_EBGP;
	p->src.peer_as = as;
	p->src.family = AF_INET;
	inet_pton(AF_INET, addr, p->src.addr);
	p->src.router_id = ntohl(inet_addr(addr));
	p->src.owner = p;
	p->state = st;
	p->state_since = time(NULL) - 30;
	return p;
}

static void fill_peers(struct fx *f)
{
	struct peer *p1 = make_peer(f, "10.0.0.2", 65002, FSM_ESTABLISHED);
	struct peer *p2 = make_peer(f, "10.0.0.3", 65003, FSM_IDLE);

	snprintf(p1->cfg.description, sizeof(p1->cfg.description), "ssw1 plane 1");
	ev_now_update(f->d.loop);
	p1->up_since = ev_now(f->d.loop) - 12;
	p1->remote_id = 0x02020202;
	p1->hold_time = 30;
	p1->keepalive_time = 10;
	p1->codec.ipv4 = p1->codec.as4 = true;
	p1->remote_open.caps.route_refresh = true;
	p1->stats.msgs_in[BGP_OPEN] = 1;
	p1->stats.msgs_in[BGP_UPDATE] = 40;
	p1->stats.msgs_in[BGP_KEEPALIVE] = 3;
	p1->stats.msgs_out[BGP_OPEN] = 1;
	p1->stats.msgs_out[BGP_KEEPALIVE] = 2;
	p1->stats.prefixes_out = 5;
	p1->stats.established_count = 1;
	add_routes_p1(p1);

	p2->last_error.valid = true;
	p2->last_error.sent = true;
	p2->last_error.code = BGP_ERR_OPEN;
	p2->last_error.subcode = BGP_OPEN_BAD_PEER_AS;
	p2->last_error.when = time(NULL) - 5;
	snprintf(p2->last_error.text, sizeof(p2->last_error.text), "peer says AS 65009");
	add_routes_p2(p2);

	p1->next = p2;
	f->d.peers = f->p1 = p1;
	f->p2 = p2;
}

/* One of our own networks, as route_originate enters it. */
static void originate(struct fx *f, const char *prefix)
{
	struct bgp_attrs a = { .seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH),
			       .origin = BGP_ORIGIN_IGP };
	struct bgp_prefix pfx;

	assert_int_equal(bgp_prefix_parse(prefix, &pfx), 0);
	rib_adj_update(f->d.originated, &pfx, &a);
	rib_loc_update(f->d.loc, &pfx, &f->d.local_src,
		       (struct rib_attrs *)rib_adj_get(f->d.originated, &pfx));
}

/* ---- fixture ------------------------------------------------------------- */
static void done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fx *f = w->data;

	f->timed_out = true;
	ev_break(loop, EVBREAK_ALL);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	f->d.loop = ev_loop_new(EVFLAG_AUTO);
	f->d.attr_cache = rib_attr_cache_new();
	f->d.cfg = &f->cfg;
	inet_pton(AF_INET, "1.2.3.4", &f->cfg.router_id);
	f->cfg.local_as = 65001;
	f->d.loc = rib_loc_new(&(struct rib_decide_cfg){ .multipath_relax = true, .max_paths = 64 });
	f->d.originated = rib_adj_new(f->d.attr_cache);
	assert_non_null(f->d.loc);
	assert_non_null(f->d.originated);
	f->d.local_src.kind = RIB_SRC_LOCAL;
	f->d.local_src.router_id = 0x01020304;
	fill_peers(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* a subdirectory that does not exist yet: the server creates it */
	snprintf(f->path, sizeof(f->path), "%s/run/ctl.sock", f->dir);
	f->d.ctl = ctl_server_new(&f->d, f->path, err, sizeof(err));
	if (!f->d.ctl)
		fail_msg("ctl_server_new: %s", err);
	ev_async_init(&f->done, done_cb);
	ev_async_start(f->d.loop, &f->done);
	ev_timer_init(&f->guard, guard_cb, 10., 0.);
	f->guard.data = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char sub[160];

	ctl_server_free(f->d.ctl);
	assert_int_equal(access(f->path, F_OK), -1); /* the socket was unlinked */
	ctl_reply_free(&f->reply);
	rib_loc_free(f->d.loc);
	rib_adj_free(f->d.originated);
	for (struct peer *p = f->d.peers, *n; p; p = n) {
		n = p->next;
		free(p);
	}
	rib_attr_cache_free(f->d.attr_cache);
	ev_async_stop(f->d.loop, &f->done);
	ev_loop_destroy(f->d.loop);
	snprintf(sub, sizeof(sub), "%s/run", f->dir);
	rmdir(sub);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void *client_thread(void *arg)
{
	struct fx *f = arg;

	f->job(f);
	ev_async_send(f->d.loop, &f->done);
	return NULL;
}

/* Run f->job in a thread while this thread runs the daemon's loop. */
static void run_job(struct fx *f, void (*job)(struct fx *))
{
	pthread_t t;

	ctl_reply_free(&f->reply);
	f->job = job;
	f->rc = -1;
	f->err[0] = '\0';
	ev_timer_start(f->d.loop, &f->guard);
	assert_int_equal(pthread_create(&t, NULL, client_thread, f), 0);
	ev_run(f->d.loop, 0);
	pthread_join(t, NULL);
	ev_timer_stop(f->d.loop, &f->guard);
	assert_false(f->timed_out);
}

static void call_job(struct fx *f)
{
	int fd = ctl_client_connect(f->path, f->err, sizeof(f->err));

	if (fd < 0)
		return;
	f->rc = ctl_client_call(fd, f->req, &f->reply, f->err, sizeof(f->err));
	close(fd);
}

static void call(struct fx *f, Closbgp__Ctl__Request *q)
{
	f->req = q;
	run_job(f, call_job);
	if (f->rc != 0)
		fail_msg("client: %s", f->err);
}

/* ---- tests ----------------------------------------------------------------- */
static void test_summary(void **state)
{
	struct fx *f = *state;
	Closbgp__Ctl__Request q = CLOSBGP__CTL__REQUEST__INIT;
	Closbgp__Ctl__ShowSummaryRequest s = CLOSBGP__CTL__SHOW_SUMMARY_REQUEST__INIT;

	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_SUMMARY;
	q.show_summary = &s;
	call(f, &q);
	assert_int_equal(f->reply.n, 1);
	assert_null(ctl_reply_error(&f->reply));
	const Closbgp__Ctl__Summary *sum = f->reply.frames[0]->summary;
	assert_int_equal(f->reply.frames[0]->payload_case, CLOSBGP__CTL__RESPONSE__PAYLOAD_SUMMARY);
	assert_string_equal(sum->router_id, "1.2.3.4");
	assert_int_equal(sum->local_as, 65001);
	assert_int_equal(sum->confed_id, 0);
	assert_int_equal(sum->peers_configured, 2);
	assert_int_equal(sum->peers_established, 1);
	assert_int_equal(sum->prefixes_received, NROUTES_V4 + 2);
	assert_non_null(sum->loc_rib);
	assert_int_equal(sum->loc_rib->ipv4, NROUTES_V4 + 1);
	assert_int_equal(sum->loc_rib->ipv6, 1);
	assert_int_equal(sum->loc_rib->paths, NROUTES_V4 + 2);
	assert_null(sum->fib); /* no kernel FIB in this test, as with -n */
	assert_non_null(sum->memory);
	assert_true(sum->memory->attr_sets >= 2);
	assert_true(sum->memory->attr_bytes > 0);
	assert_true(sum->memory->loc_rib_bytes > (NROUTES_V4 + 2) * sizeof(struct rib_path));
	assert_int_equal(sum->n_peers, 2);
	assert_string_equal(sum->peers[0]->address, "10.0.0.2");
	assert_string_equal(sum->peers[0]->state, "Established");
	assert_in_range(sum->peers[0]->uptime, 12, 22); /* slack for slow sanitizer runs */
	assert_int_equal(sum->peers[0]->prefixes_received, NROUTES_V4 + 1);
	assert_int_equal(sum->peers[0]->prefixes_sent, 5);
	assert_int_equal(sum->peers[0]->messages_received, 44);
	assert_int_equal(sum->peers[0]->messages_sent, 3);
	assert_string_equal(sum->peers[1]->state, "Idle");
	assert_int_equal(sum->peers[1]->uptime, 0);
	assert_in_range(sum->peers[1]->state_age, 30, 40);
}

static void show_peers(struct fx *f, const char *addr)
{
	static Closbgp__Ctl__Request q;
	static Closbgp__Ctl__ShowPeersRequest s;

	closbgp__ctl__request__init(&q);
	closbgp__ctl__show_peers_request__init(&s);
	s.address = (char *)addr;
	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_PEERS;
	q.show_peers = &s;
	call(f, &q);
}

static void test_peers(void **state)
{
	struct fx *f = *state;

	show_peers(f, "");
	assert_null(ctl_reply_error(&f->reply));
	assert_int_equal(f->reply.n, 1);
	const Closbgp__Ctl__PeerList *pl = f->reply.frames[0]->peers;
	assert_true(pl->last);
	assert_int_equal(pl->n_peers, 2);
	const Closbgp__Ctl__Peer *p = pl->peers[0];
	assert_string_equal(p->address, "10.0.0.2");
	assert_string_equal(p->description, "ssw1 plane 1");
	assert_int_equal(p->local_as, 65001);
	assert_string_equal(p->remote_id, "2.2.2.2");
	assert_int_equal(p->hold_time, 30);
	assert_int_equal(p->keepalive, 10);
	assert_int_equal(p->messages_received->update, 40);
	assert_int_equal(p->messages_sent->keepalive, 2);
	assert_true(p->capabilities->ipv4_unicast);
	assert_false(p->capabilities->ipv6_unicast);
	assert_true(p->capabilities->as4);
	assert_true(p->capabilities->route_refresh);
	assert_null(p->last_error);
	assert_int_equal(p->established_count, 1);
}

static void test_peers_filter_and_error(void **state)
{
	struct fx *f = *state;

	show_peers(f, "10.0.0.3");
	assert_null(ctl_reply_error(&f->reply));
	const Closbgp__Ctl__PeerList *pl = f->reply.frames[0]->peers;
	assert_int_equal(pl->n_peers, 1);
	const Closbgp__Ctl__Peer *p = pl->peers[0];
	assert_string_equal(p->address, "10.0.0.3");
	assert_false(p->capabilities->as4); /* not negotiated in Idle */
	assert_non_null(p->last_error);
	assert_true(p->last_error->sent);
	assert_int_equal(p->last_error->code, 2);
	assert_int_equal(p->last_error->subcode, 2);
	assert_string_equal(p->last_error->name, "OPEN Message Error/Bad Peer AS");
	assert_string_equal(p->last_error->text, "peer says AS 65009");
	assert_in_range(p->last_error->age, 5, 15);

	show_peers(f, "10.9.9.9");
	assert_string_equal(ctl_reply_error(&f->reply), "no such peer");
}

static void show_routes_view(struct fx *f, const char *prefix, const char *peer, bool received)
{
	static Closbgp__Ctl__Request q;
	static Closbgp__Ctl__ShowRoutesRequest s;

	closbgp__ctl__request__init(&q);
	closbgp__ctl__show_routes_request__init(&s);
	s.prefix = (char *)prefix;
	s.peer = (char *)peer;
	s.received = received;
	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES;
	q.show_routes = &s;
	call(f, &q);
}

/* The Adj-RIB-In view (show routes received). */
static void show_routes(struct fx *f, const char *prefix, const char *peer)
{
	show_routes_view(f, prefix, peer, true);
}

/* All received routes: pages of at most 1000, in order, each route once. */
static void test_routes_paged(void **state)
{
	struct fx *f = *state;
	size_t n = 0;
	char want[32];

	show_routes(f, "", "");
	assert_null(ctl_reply_error(&f->reply));
	assert_true(f->reply.n >= 3);
	for (size_t i = 0; i < f->reply.n; i++) {
		const Closbgp__Ctl__RouteList *rl = f->reply.frames[i]->routes;
		assert_int_equal(f->reply.frames[i]->payload_case, CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES);
		assert_true(rl->n_routes <= CTL_PAGE_ROUTES);
		assert_int_equal(rl->last, i + 1 == f->reply.n);
		for (size_t j = 0; j < rl->n_routes; j++, n++) {
			const Closbgp__Ctl__Route *r = rl->routes[j];
			if (n < NROUTES_V4) {
				snprintf(want, sizeof(want), "10.%zu.%zu.0/24", 1 + n / 256, n % 256);
				assert_string_equal(r->prefix, want);
				assert_string_equal(r->peer, "10.0.0.2");
				assert_string_equal(r->next_hop, "10.0.0.2");
			}
		}
	}
	assert_int_equal(n, NROUTES_V4 + 2);
	const Closbgp__Ctl__RouteList *last = f->reply.frames[f->reply.n - 1]->routes;
	const Closbgp__Ctl__Route *v6 = last->routes[last->n_routes - 2];
	assert_string_equal(v6->prefix, "2001:db8:1::/48");
	assert_string_equal(v6->next_hop, "2001:db8::2");
	assert_string_equal(v6->next_hop_link_local, "fe80::2");
	const Closbgp__Ctl__Route *r2 = last->routes[last->n_routes - 1];
	assert_string_equal(r2->prefix, "192.0.2.0/24");
	assert_string_equal(r2->peer, "10.0.0.3");
	/* alone for its prefix: the best path and the whole ECMP set */
	assert_true(r2->valid && r2->best && r2->multipath);
	assert_string_equal(r2->source, "ebgp");
}

static void test_routes_attrs_and_filters(void **state)
{
	struct fx *f = *state;

	show_routes(f, "10.1.5.0/24", "");
	assert_null(ctl_reply_error(&f->reply));
	assert_int_equal(f->reply.n, 1);
	const Closbgp__Ctl__RouteList *rl = f->reply.frames[0]->routes;
	assert_int_equal(rl->n_routes, 1);
	const Closbgp__Ctl__Route *r = rl->routes[0];
	assert_string_equal(r->prefix, "10.1.5.0/24");
	assert_string_equal(r->as_path, "65002 65003");
	assert_int_equal(r->origin, CLOSBGP__CTL__ORIGIN__IGP);
	assert_non_null(r->med);
	assert_int_equal(r->med->value, 7);
	assert_null(r->local_pref);
	assert_int_equal(r->n_communities, 2);
	assert_int_equal(r->communities[0], 65000u << 16 | 1);
	assert_int_equal(r->n_large_communities, 1);
	assert_int_equal(r->large_communities[0]->local2, 2);
	assert_false(r->atomic_aggregate);

	show_routes(f, "", "10.0.0.3");
	rl = f->reply.frames[0]->routes;
	assert_int_equal(f->reply.n, 1);
	assert_int_equal(rl->n_routes, 1);
	r = rl->routes[0];
	assert_string_equal(r->as_path, "65004");
	assert_int_equal(r->origin, CLOSBGP__CTL__ORIGIN__INCOMPLETE);
	assert_null(r->med);
	assert_int_equal(r->local_pref->value, 100);
	assert_true(r->atomic_aggregate);

	show_routes(f, "10.99.0.0/16", "");
	assert_int_equal(f->reply.frames[0]->routes->n_routes, 0);
	assert_true(f->reply.frames[0]->routes->last);
	show_routes(f, "not-a-prefix", "");
	assert_string_equal(ctl_reply_error(&f->reply), "invalid prefix");
	show_routes(f, "", "10.9.9.9");
	assert_string_equal(ctl_reply_error(&f->reply), "no such peer");
}

/* ---- the Loc-RIB view ---------------------------------------------------------- */
#define NMULTI 1200 /* prefixes p3 sends as well, equal to p1's: ECMP */
#define NLONGER 10  /* after those, with a longer AS_PATH: valid only */

/* p3 (10.0.0.4, AS 65005, router id 11.11.11.11 so p1 stays best) repeats
 * p1's first prefixes; p2 sends 10.1.0.0/24 with a longer path, so the
 * first entry has 3 paths and pages end inside entries; p3 also sends a
 * looped route; we originate 203.0.113.0/24. */
static void add_ecmp_data(struct fx *f)
{
	static const uint8_t eq[] = { AS_SEQUENCE, 2, 0, 0, 0xfd, 0xed, 0, 0, 0xfd, 0xeb };
	static const uint8_t longer[] = { AS_SEQUENCE, 3, 0, 0, 0xfd, 0xed, 0, 0, 0xfd, 0xee,
					  0, 0, 0xfd, 0xeb };
	static const uint8_t looped[] = { AS_SEQUENCE, 2, 0, 0, 0xfd, 0xed, 0, 0, 0xfd, 0xe9 };
	struct peer *p3 = make_peer(f, "10.0.0.4", 65005, FSM_ESTABLISHED);
	struct bgp_attrs a = { .seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
				       BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_MED),
			       .origin = BGP_ORIGIN_IGP, .med = 7 };
	struct bgp_prefix pfx;

	p3->src.router_id = 0x0b0b0b0b; /* above p1's 10.0.0.2 */
	inet_pton(AF_INET, "10.0.0.4", &a.nexthop);
	for (int i = 0; i < NMULTI + NLONGER; i++) {
		a.aspath = i < NMULTI ? eq : longer;
		a.aspath_len = i < NMULTI ? sizeof(eq) : sizeof(longer);
		prefix4(&pfx, 10, (uint8_t)(1 + i / 256), (uint8_t)(i % 256), 24);
		peer_recv(p3, &pfx, &a);
	}
	a.aspath = looped;
	a.aspath_len = sizeof(looped);
	prefix4(&pfx, 198, 51, 100, 24);
	peer_recv(p3, &pfx, &a);
	f->p2->next = p3;
	f->p3 = p3;

	a.aspath = longer;
	a.aspath_len = sizeof(longer);
	inet_pton(AF_INET, "10.0.0.3", &a.nexthop);
	prefix4(&pfx, 10, 1, 0, 24);
	peer_recv(f->p2, &pfx, &a);
	originate(f, "203.0.113.0/24");
}

/* What the Loc-RIB must hold for p1's i-th prefix: peers best first. */
static size_t want_paths(size_t i, const char *peers[3], const char *marks[3])
{
	size_t n = 0;

	peers[n] = "10.0.0.2";
	marks[n++] = "*>";
	if (i < NMULTI + NLONGER) {
		peers[n] = "10.0.0.4";
		marks[n++] = i < NMULTI ? "*=" : "*";
	}
	if (i == 0) {
		peers[n] = "10.0.0.3";
		marks[n++] = "*";
	}
	return n;
}

static const char *mark(const Closbgp__Ctl__Route *r)
{
	assert_true(r->valid);
	assert_false(r->best && !r->multipath);
	return r->best ? "*>" : r->multipath ? "*=" : "*";
}

/* Every route of a reply, in order. */
static size_t reply_routes(const struct fx *f, const Closbgp__Ctl__Route ***out)
{
	size_t n = 0;

	assert_null(ctl_reply_error(&f->reply));
	for (size_t i = 0; i < f->reply.n; i++)
		n += f->reply.frames[i]->routes->n_routes;
	*out = calloc(n ? n : 1, sizeof(**out));
	assert_non_null(*out);
	n = 0;
	for (size_t i = 0; i < f->reply.n; i++) {
		const Closbgp__Ctl__RouteList *rl = f->reply.frames[i]->routes;
		assert_int_equal(f->reply.frames[i]->payload_case, CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES);
		assert_true(rl->n_routes <= CTL_PAGE_ROUTES);
		assert_int_equal(rl->last, i + 1 == f->reply.n);
		for (size_t j = 0; j < rl->n_routes; j++)
			(*out)[n++] = rl->routes[j];
	}
	return n;
}

/* The whole Loc-RIB over several pages, some ending inside a prefix: every
 * path exactly once, prefixes in order, each prefix best first with the
 * ECMP set marked. */
static void test_loc_routes_paged(void **state)
{
	struct fx *f = *state;
	const Closbgp__Ctl__Route **rs;
	const char *peers[3], *marks[3];
	size_t n, k = 0;
	char want[32];

	add_ecmp_data(f);
	show_routes_view(f, "", "", false);
	n = reply_routes(f, &rs);
	assert_int_equal(n, NROUTES_V4 + NMULTI + NLONGER + 1 + 1 + 1 + 1);
	assert_true(f->reply.n >= 4);
	for (size_t i = 0; i < NROUTES_V4; i++) {
		size_t np = want_paths(i, peers, marks);
		snprintf(want, sizeof(want), "10.%zu.%zu.0/24", 1 + i / 256, i % 256);
		for (size_t j = 0; j < np; j++, k++) {
			assert_string_equal(rs[k]->prefix, want);
			assert_string_equal(rs[k]->peer, peers[j]);
			assert_string_equal(mark(rs[k]), marks[j]);
			assert_string_equal(rs[k]->source, "ebgp");
			assert_string_equal(rs[k]->next_hop, peers[j]);
		}
	}
	assert_string_equal(rs[k]->prefix, "192.0.2.0/24");
	assert_string_equal(mark(rs[k++]), "*>");
	/* 198.51.100.0/24 looped (AS 65001 in the path): not in the Loc-RIB */
	assert_string_equal(rs[k]->prefix, "203.0.113.0/24");
	assert_string_equal(rs[k]->peer, "local");
	assert_string_equal(rs[k]->source, "local");
	assert_string_equal(rs[k]->next_hop, "0.0.0.0");
	assert_string_equal(rs[k]->as_path, "");
	assert_string_equal(mark(rs[k++]), "*>");
	assert_string_equal(rs[k]->prefix, "2001:db8:1::/48");
	assert_string_equal(rs[k]->next_hop_link_local, "fe80::2");
	assert_string_equal(mark(rs[k++]), "*>");
	assert_int_equal(k, n);
	free(rs);
}

static void test_loc_routes_filters(void **state)
{
	struct fx *f = *state;
	const Closbgp__Ctl__Route **rs;
	size_t n;

	add_ecmp_data(f);
	/* one prefix: its three paths, best first */
	show_routes_view(f, "10.1.0.0/24", "", false);
	n = reply_routes(f, &rs);
	assert_int_equal(n, 3);
	assert_string_equal(rs[0]->peer, "10.0.0.2");
	assert_string_equal(mark(rs[0]), "*>");
	assert_string_equal(rs[1]->peer, "10.0.0.4");
	assert_string_equal(mark(rs[1]), "*=");
	assert_string_equal(rs[2]->peer, "10.0.0.3");
	assert_string_equal(mark(rs[2]), "*");
	assert_string_equal(rs[2]->as_path, "65005 65006 65003");
	free(rs);

	/* one peer's paths: never best here (p1 wins the router-id tie-break) */
	show_routes_view(f, "", "10.0.0.4", false);
	n = reply_routes(f, &rs);
	assert_int_equal(n, NMULTI + NLONGER);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(rs[i]->peer, "10.0.0.4");
		assert_string_equal(mark(rs[i]), i < NMULTI ? "*=" : "*");
	}
	free(rs);

	show_routes_view(f, "", "local", false);
	n = reply_routes(f, &rs);
	assert_int_equal(n, 1);
	assert_string_equal(rs[0]->prefix, "203.0.113.0/24");
	free(rs);

	show_routes_view(f, "198.51.100.0/24", "", false); /* looped: not used */
	assert_int_equal(reply_routes(f, &rs), 0);
	free(rs);
	show_routes_view(f, "", "10.9.9.9", false);
	assert_string_equal(ctl_reply_error(&f->reply), "no such peer");
	show_routes_view(f, "", "local", true); /* no Adj-RIB-In of ours */
	assert_string_equal(ctl_reply_error(&f->reply), "no such peer");
}

/* The received view keeps what the Loc-RIB leaves out, marked not valid,
 * and shows where the others stand in the Loc-RIB. */
static void test_received_marks(void **state)
{
	struct fx *f = *state;
	const Closbgp__Ctl__Route **rs;
	size_t n;

	add_ecmp_data(f);
	show_routes_view(f, "198.51.100.0/24", "", true);
	n = reply_routes(f, &rs);
	assert_int_equal(n, 1);
	assert_string_equal(rs[0]->peer, "10.0.0.4");
	assert_string_equal(rs[0]->as_path, "65005 65001");
	assert_false(rs[0]->valid || rs[0]->best || rs[0]->multipath);
	free(rs);

	show_routes_view(f, "", "10.0.0.4", true);
	n = reply_routes(f, &rs);
	assert_int_equal(n, NMULTI + NLONGER + 1);
	assert_string_equal(mark(rs[0]), "*=");
	assert_string_equal(mark(rs[NMULTI]), "*");
	free(rs);
}

static void test_fib_disabled(void **state)
{
	struct fx *f = *state;
	Closbgp__Ctl__Request q = CLOSBGP__CTL__REQUEST__INIT;
	Closbgp__Ctl__ShowFibRequest s = CLOSBGP__CTL__SHOW_FIB_REQUEST__INIT;

	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_FIB;
	q.show_fib = &s;
	call(f, &q);
	assert_int_equal(f->reply.n, 1);
	assert_string_equal(ctl_reply_error(&f->reply), CTL_ERR_NO_FIB);
}

/* state drained: the target is taken (drain-time 0 here: DRAINED at once)
 * and the reply is the state; a peer reset is still not supported. */
static void test_set_state_and_not_supported(void **state)
{
	struct fx *f = *state;
	Closbgp__Ctl__Request q = CLOSBGP__CTL__REQUEST__INIT;
	Closbgp__Ctl__SetStateRequest s = CLOSBGP__CTL__SET_STATE_REQUEST__INIT;
	Closbgp__Ctl__PeerResetRequest r = CLOSBGP__CTL__PEER_RESET_REQUEST__INIT;

	s.state = CLOSBGP__CTL__DEVICE_STATE__DRAINED;
	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SET_STATE;
	q.set_state = &s;
	call(f, &q);
	assert_null(ctl_reply_error(&f->reply));
	assert_int_equal(f->reply.n, 1);
	assert_int_equal(f->reply.frames[0]->payload_case, CLOSBGP__CTL__RESPONSE__PAYLOAD_STATE);
	assert_int_equal(f->reply.frames[0]->state->target, CLOSBGP__CTL__DEVICE_STATE__DRAINED);
	assert_int_equal(f->reply.frames[0]->state->state, CLOSBGP__CTL__DEVICE_STATE__DRAINED);
	assert_int_equal(f->reply.frames[0]->state->transitions, 2); /* via WARM */
	assert_int_equal(f->d.dev.state, DEV_DRAINED);

	ctl_reply_free(&f->reply);
	r.address = "10.0.0.1";
	q.req_case = CLOSBGP__CTL__REQUEST__REQ_PEER_RESET;
	q.peer_reset = &r;
	call(f, &q);
	assert_string_equal(ctl_reply_error(&f->reply), CTL_ERR_UNSUPPORTED);
}

/* Roles (docs/security.md): who is an admin, which requests need one. */
static void test_roles(void **state)
{
	const gid_t adm = 4, groups[] = { 100, 4 }, other[] = { 100 };

	assert_true(ctl_cred_is_admin(0, 0, NULL, 0, 65534, NULL));	  /* root */
	assert_true(ctl_cred_is_admin(65534, 65534, NULL, 0, 65534, NULL)); /* ourselves */
	assert_false(ctl_cred_is_admin(1000, 1000, NULL, 0, 65534, NULL));
	assert_true(ctl_cred_is_admin(1000, 4, NULL, 0, 65534, &adm));	  /* primary */
	assert_true(ctl_cred_is_admin(1000, 1000, groups, 2, 65534, &adm)); /* supplementary */
	assert_false(ctl_cred_is_admin(1000, 1000, other, 1, 65534, &adm));
	assert_null(ctl_request_admin_only(CLOSBGP__CTL__REQUEST__REQ_SHOW_SUMMARY));
	assert_null(ctl_request_admin_only(CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES));
	assert_null(ctl_request_admin_only(CLOSBGP__CTL__REQUEST__REQ_SHOW_STATE));
	assert_string_equal(ctl_request_admin_only(CLOSBGP__CTL__REQUEST__REQ_DRAIN), "drain");
	assert_string_equal(ctl_request_admin_only(CLOSBGP__CTL__REQUEST__REQ_UNDRAIN), "undrain");
	assert_string_equal(ctl_request_admin_only(CLOSBGP__CTL__REQUEST__REQ_SET_STATE), "state");
	assert_string_equal(ctl_request_admin_only(CLOSBGP__CTL__REQUEST__REQ_PEER_RESET), "clear");
}

/* The socket is created with the configured mode (0600 when unset). */
static void test_socket_mode(void **state)
{
	struct fx *f = *state;
	struct stat st;
	char err[256];

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	ctl_server_free(f->d.ctl);
	f->cfg.ctl_mode = 0660;
	f->cfg.ctl_group[0] = '\0';
	f->d.ctl = ctl_server_new(&f->d, f->path, err, sizeof(err));
	if (!f->d.ctl)
		fail_msg("ctl_server_new: %s", err);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	/* An unknown group: refused, with the leaf's name. */
	ctl_server_free(f->d.ctl);
	snprintf(f->cfg.ctl_group, sizeof(f->cfg.ctl_group), "no-such-group-closbgp");
	assert_null(ctl_server_new(&f->d, f->path, err, sizeof(err)));
	assert_string_equal(err, "control/socket-group: no group 'no-such-group-closbgp'");
	f->cfg.ctl_group[0] = '\0';
	f->d.ctl = ctl_server_new(&f->d, f->path, err, sizeof(err));
	assert_non_null(f->d.ctl);
}

/* Send f->raw as is, then read everything until the server closes. */
static void raw_job(struct fx *f)
{
	int fd = ctl_client_connect(f->path, f->err, sizeof(f->err));
	ssize_t n;

	if (fd < 0)
		return;
	if (send(fd, f->raw, f->rawlen, MSG_NOSIGNAL) != (ssize_t)f->rawlen) {
		close(fd);
		return;
	}
	f->rawlen = 0;
	while ((n = read(fd, f->raw + f->rawlen, sizeof(f->raw) - f->rawlen)) > 0)
		f->rawlen += (size_t)n;
	f->rc = n == 0 ? 0 : -1; /* 0: the server closed the connection */
	close(fd);
}

static void assert_raw_error(struct fx *f, const uint8_t *req, size_t len, const char *want)
{
	size_t blen;
	Closbgp__Ctl__Response *r;

	memcpy(f->raw, req, len);
	f->rawlen = len;
	run_job(f, raw_job);
	assert_int_equal(f->rc, 0);
	assert_int_equal(ctl_frame_check(f->raw, f->rawlen, &blen), 1);
	assert_int_equal(f->rawlen, 4 + blen); /* one reply, then closed */
	r = closbgp__ctl__response__unpack(NULL, blen, f->raw + 4);
	assert_non_null(r);
	assert_string_equal(r->error, want);
	closbgp__ctl__response__free_unpacked(r, NULL);
}

static void test_garbage_then_survives(void **state)
{
	struct fx *f = *state;
	static const uint8_t junk[] = { 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t huge[] = { 0x7f, 0xff, 0xff, 0xff, 1, 2, 3 };

	assert_raw_error(f, junk, sizeof(junk), "malformed request");
	assert_raw_error(f, huge, sizeof(huge), "request too large");
	assert_int_equal(ctl_server_nclients(f->d.ctl), 0);
	test_summary(state); /* the server still answers */
}

/* A client that asks for every route and never reads must not hold up the
 * loop: another client is still answered. */
static void test_slow_client_does_not_block(void **state)
{
	struct fx *f = *state;
	Closbgp__Ctl__Request q = CLOSBGP__CTL__REQUEST__INIT;
	Closbgp__Ctl__ShowRoutesRequest sr = CLOSBGP__CTL__SHOW_ROUTES_REQUEST__INIT;
	char err[256];
	int fd = ctl_client_connect(f->path, err, sizeof(err));

	assert_true(fd >= 0);
	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES;
	q.show_routes = &sr;
	assert_int_equal(ctl_client_send(fd, &q, err, sizeof(err)), 0);
	for (int i = 0; i < 20; i++)
		ev_run(f->d.loop, EVRUN_NOWAIT);
	assert_int_equal(ctl_server_nclients(f->d.ctl), 1);
	test_summary(state);
	close(fd);
}

static void test_second_server_refused(void **state)
{
	struct fx *f = *state;
	char err[256] = "";
	struct bgpd d2 = { .loop = f->d.loop, .cfg = &f->cfg };

	assert_null(ctl_server_new(&d2, f->path, err, sizeof(err)));
	assert_non_null(strstr(err, "another closbgpd"));
	assert_int_equal(access(f->path, F_OK), 0); /* left alone */
}

/* A socket file nobody listens on is replaced; the mode is 0600. */
static void test_stale_socket(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct bgpd d2 = { .loop = f->d.loop, .cfg = &f->cfg };
	char path[100], err[256] = "";
	struct ctl_server *s;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/stale.sock", f->dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd); /* bound, never listened: stale */
	s = ctl_server_new(&d2, path, err, sizeof(err));
	if (!s)
		fail_msg("stale socket not replaced: %s", err);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	ctl_server_free(s);
	assert_int_equal(access(path, F_OK), -1);

	/* a regular file in the way is not removed */
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	assert_null(ctl_server_new(&d2, path, err, sizeof(err)));
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peers_filter_and_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes_paged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes_attrs_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loc_routes_paged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loc_routes_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_received_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_state_and_not_supported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_then_survives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client_does_not_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_server_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket, setup, teardown),
		cmocka_unit_test(test_roles),
		cmocka_unit_test_setup_teardown(test_socket_mode, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
