/* The Prometheus endpoint: the exposition writer (bgpd/prom.c) byte for
 * byte, the request parser, what metrics_collect writes for a struct bgpd
 * filled by the test (checked line by line against the text format's
 * rules), and the HTTP server on 127.0.0.1 with a client in a second
 * thread while the test runs the event loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
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
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bgpd/bgpd.h"
#include "bgpd/metrics.h"
#include "bgpd/prom.h"

/* ---- the exposition writer ------------------------------------------------ */
static void test_prom_family_and_samples(void **state)
{
	struct prom_buf b;
	struct prom_label l[2] = { { "peer", "10.0.0.2" }, { "type", "open" } };

	prom_buf_init(&b, 4096);
	prom_family(&b, "x_total", PROM_COUNTER, "Things.");
	prom_sample(&b, "x_total", l, 2, 7);
	prom_sample(&b, "x_total", l, 1, UINT64_C(18446744073709551615));
	prom_family(&b, "y", PROM_GAUGE, "A gauge.");
	prom_sample(&b, "y", NULL, 0, 0);
	prom_buf_append(&b, "", 1);
	assert_false(b.full);
	assert_string_equal(b.p, "# HELP x_total Things.\n"
				 "# TYPE x_total counter\n"
				 "x_total{peer=\"10.0.0.2\",type=\"open\"} 7\n"
				 "x_total{peer=\"10.0.0.2\"} 18446744073709551615\n"
				 "# HELP y A gauge.\n"
				 "# TYPE y gauge\n"
				 "y 0\n");
	prom_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

/* Label values escape \, " and line feed; HELP escapes \ and line feed only. */
static void test_prom_escaping(void **state)
{
	struct prom_buf b;
	struct prom_label l = { "d", "a\\b\"c\nd" };

	prom_buf_init(&b, 4096);
	prom_family(&b, "z", PROM_GAUGE, "back\\slash \"quoted\"\nnext");
	prom_sample(&b, "z", &l, 1, 1);
	prom_buf_append(&b, "", 1);
	assert_string_equal(b.p, "# HELP z back\\\\slash \"quoted\"\\nnext\n"
				 "# TYPE z gauge\n"
				 "z{d=\"a\\\\b\\\"c\\nd\"} 1\n");
	prom_buf_free(&b);
}

/* Bounded: a line that does not fit is not written at all, nor anything after. */
static void test_prom_bounded(void **state)
{
	struct prom_buf b;
	struct prom_label l = { "peer", "192.0.2.1" };

	prom_buf_init(&b, 40);
	prom_sample(&b, "a", &l, 1, 1); /* 22 bytes */
	assert_int_equal(b.len, 22);
	prom_sample(&b, "abc", &l, 1, 12345); /* 28: over */
	assert_true(b.full);
	assert_int_equal(b.len, 22);
	prom_sample(&b, "a", NULL, 0, 1); /* would fit, but the text is cut */
	assert_int_equal(b.len, 22);
	assert_memory_equal(b.p, "a{peer=\"192.0.2.1\"} 1\n", 22);
	prom_buf_free(&b);
}

/* ---- requests ------------------------------------------------------------------- */
static enum metrics_req parse(const char *s)
{
	return metrics_parse_request(s, strlen(s), METRICS_REQ_MAX);
}

static void test_parse_request(void **state)
{
	char big[METRICS_REQ_MAX];

	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"),
			 METRICS_REQ_METRICS);
	assert_int_equal(parse("GET /metrics HTTP/1.0\r\n\r\n"), METRICS_REQ_METRICS);
	assert_int_equal(parse("GET /metrics HTTP/1.0\n\n"), METRICS_REQ_METRICS);
	assert_int_equal(parse("GET /metrics?name[]=x HTTP/1.1\r\n\r\n"), METRICS_REQ_METRICS);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n"), METRICS_REQ_INCOMPLETE);
	assert_int_equal(parse("GET /metr"), METRICS_REQ_INCOMPLETE);
	assert_int_equal(parse(""), METRICS_REQ_INCOMPLETE);
	assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n"), METRICS_REQ_NOT_FOUND);
	assert_int_equal(parse("GET /metricsx HTTP/1.1\r\n\r\n"), METRICS_REQ_NOT_FOUND);
	assert_int_equal(parse("GET /metrics/ HTTP/1.1\r\n\r\n"), METRICS_REQ_NOT_FOUND);
	assert_int_equal(parse("POST /metrics HTTP/1.1\r\n\r\n"), METRICS_REQ_BAD_METHOD);
	assert_int_equal(parse("HEAD /metrics HTTP/1.1\r\n\r\n"), METRICS_REQ_BAD_METHOD);
	assert_int_equal(parse("get /metrics HTTP/1.1\r\n\r\n"), METRICS_REQ_BAD_METHOD);
	assert_int_equal(parse("GET /metrics\r\n\r\n"), METRICS_REQ_BAD); /* HTTP/0.9 */
	assert_int_equal(parse("GET /metrics HTTP/2.0\r\n\r\n"), METRICS_REQ_BAD);
	assert_int_equal(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), METRICS_REQ_BAD);
	assert_int_equal(parse("GET  HTTP/1.1\r\n\r\n"), METRICS_REQ_BAD);
	assert_int_equal(parse(" /metrics HTTP/1.1\r\n\r\n"), METRICS_REQ_BAD);
	assert_int_equal(parse("\r\n\r\n"), METRICS_REQ_BAD);
	memset(big, 'a', sizeof(big));
	assert_int_equal(metrics_parse_request(big, sizeof(big), sizeof(big)),
			 METRICS_REQ_TOO_LARGE);
	assert_int_equal(metrics_parse_request(big, sizeof(big) - 1, sizeof(big)),
			 METRICS_REQ_INCOMPLETE);
}

/* ---- a checker of the text format ----------------------------------------------- */
/* Every line is "# HELP", "# TYPE" or a sample of the family announced just
 * before; a family appears once; counters end in _total; label values are
 * properly quoted and escaped; values are numbers. Returns the samples. */
static int check_exposition(const char *text, size_t len)
{
	char family[128] = "", type[16] = "";
	char seen[200][128];
	int nseen = 0, samples = 0;
	const char *p = text, *end = text + len;

	assert_true(len > 0 && text[len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[1024];
		assert_non_null(nl);
		assert_true((size_t)(nl - p) < sizeof(line));
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			for (int i = 0; i < nseen; i++)
				if (!strcmp(seen[i], family))
					fail_msg("family %s twice", family);
			assert_true(nseen < 200);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", family);
			type[0] = '\0';
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char name[128];
			assert_int_equal(sscanf(line + 7, "%127s %15s", name, type), 2);
			assert_string_equal(name, family);
			assert_true(!strcmp(type, "counter") || !strcmp(type, "gauge"));
			if (!strcmp(type, "counter"))
				assert_true(strlen(family) > 6 &&
					    !strcmp(family + strlen(family) - 6, "_total"));
			continue;
		}
		assert_true(line[0] != '#' && type[0]);
		size_t n = strcspn(line, "{ ");
		if (strlen(family) != n || strncmp(line, family, n) != 0)
			fail_msg("sample %s outside its family %s", line, family);
		const char *q = line + n;
		if (*q == '{') {
			for (q++; *q != '}';) {
				size_t k = strspn(q, "abcdefghijklmnopqrstuvwxyz_");
				assert_true(k > 0 && q[k] == '=' && q[k + 1] == '"');
				for (q += k + 2; *q != '"'; q++) {
					assert_true(*q != '\0' && *q != '\n');
					if (*q == '\\') {
						q++;
						assert_true(*q == '\\' || *q == '"' || *q == 'n');
					}
				}
				q++;
				if (*q == ',')
					q++;
				else
					assert_int_equal(*q, '}');
			}
			q++;
		}
		assert_int_equal(*q, ' ');
		char *e;
		double v = strtod(q + 1, &e);
		assert_true(*e == '\0' && e > q + 1 && isfinite(v) && v >= 0);
		samples++;
	}
	return samples;
}

/* ---- a daemon context ----------------------------------------------------------- */
struct fx {
	struct bgpd d;
	struct bgp_config cfg;
	struct peer *p1, *p2;
	ev_async done;
	ev_timer guard;
	bool timed_out;
	uint16_t port;
	/* the client job, run in a thread */
	void (*job)(struct fx *);
	char req[METRICS_REQ_MAX + 16];
	size_t reqlen;
	char resp[1 << 16];
	size_t resplen;
	double took;	/* seconds from connect to the server's close */
	int nbusy;	/* clients refused (503) in the too-many job */
};

static void prefix(struct bgp_prefix *p, const char *s)
{
	assert_int_equal(bgp_prefix_parse(s, p), 0);
}

/* p's path for pfx into the Loc-RIB (its Adj-RIB-In), as route.c counts it. */
static void peer_recv(struct peer *p, const char *pfx_s)
{
	static const uint8_t ap[] = { AS_SEQUENCE, 1, 0, 0, 0xfd, 0xea };
	struct bgp_attrs a = { 0 };
	struct bgp_prefix pfx;
	struct rib_attrs *ra;

	prefix(&pfx, pfx_s);
	a.seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	a.aspath = ap;
	a.aspath_len = sizeof(ap);
	ra = rib_attrs_intern(p->d->attr_cache, &a);
	assert_non_null(ra);
	if (rib_loc_set(p->d->loc, &pfx, &p->src, ra, true) & RIB_LOC_NEW)
		p->prefixes_in[pfx.family == AF_INET6]++;
	rib_attrs_unref(ra);
}

static struct peer *make_peer(struct fx *f, const char *addr, uint32_t as, enum fsm_state st)
{
	struct peer *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->d = &f->d;
	snprintf(p->cfg.name, sizeof(p->cfg.name), "%s", addr);
	p->cfg.remote_as = as;
	p->src.kind = RIB_SRC_EBGP;
	p->src.peer_as = as;
	p->src.family = AF_INET;
	inet_pton(AF_INET, addr, p->src.addr);
	p->src.router_id = ntohl(inet_addr(addr));
	p->src.owner = p;
	p->state = st;
	return p;
}

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

/* A port nobody listens on now. */
static uint16_t free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static void set_metrics(struct fx *f, const char *addr, uint16_t port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&f->cfg.metrics.addr;

	memset(&f->cfg.metrics, 0, sizeof(f->cfg.metrics));
	if (!addr)
		return;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->d.loop = ev_loop_new(EVFLAG_AUTO);
	f->d.attr_cache = rib_attr_cache_new();
	f->d.pol_cache = pol_cache_new(f->d.attr_cache, 64);
	f->d.cfg = &f->cfg;
	f->d.started = 1700000000;
	inet_pton(AF_INET, "1.2.3.4", &f->cfg.router_id);
	f->cfg.local_as = 65001;
	f->d.loc = rib_loc_new(&(struct rib_decide_cfg){ .multipath_relax = true, .max_paths = 64 });
	assert_non_null(f->d.loc);
	assert_non_null(f->d.pol_cache);
	f->d.dev.state = DEV_WARM;
	f->d.dev.target = DEV_LIVE;
	f->d.dev.transitions = 2;
	f->d.dev.since = 1700000100;

	f->p1 = make_peer(f, "10.0.0.2", 65002, FSM_ESTABLISHED);
	f->p2 = make_peer(f, "10.0.0.3", 65003, FSM_ACTIVE);
	ev_now_update(f->d.loop);
	f->p1->up_since = ev_now(f->d.loop) - 42;
	f->p1->stats.msgs_in[BGP_OPEN] = 1;
	f->p1->stats.msgs_in[BGP_UPDATE] = 40;
	f->p1->stats.msgs_in[BGP_KEEPALIVE] = 3;
	f->p1->stats.msgs_out[BGP_KEEPALIVE] = 2;
	f->p1->stats.prefixes_out = 5;
	f->p1->stats.established_count = 3;
	f->p1->stats.treat_as_withdraw = 1;
	f->p1->accepted = 2;
	peer_recv(f->p1, "10.1.0.0/24");
	peer_recv(f->p1, "10.2.0.0/24");
	peer_recv(f->p1, "2001:db8:1::/48");
	peer_recv(f->p2, "10.1.0.0/24");
	f->p1->next = f->p2;
	f->d.peers = f->p1;

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

	metrics_server_free(f->d.metrics);
	rib_loc_free(f->d.loc);
	pol_cache_free(f->d.pol_cache);
	for (struct peer *p = f->d.peers, *n; p; p = n) {
		n = p->next;
		free(p);
	}
	rib_attr_cache_free(f->d.attr_cache);
	ev_async_stop(f->d.loop, &f->done);
	ev_loop_destroy(f->d.loop);
	free(f);
	return 0;
}

static char *collect(struct fx *f, size_t *len)
{
	struct prom_buf b;

	prom_buf_init(&b, 1 << 20);
	metrics_collect(&f->d, &b);
	assert_false(b.full);
	*len = b.len;
	prom_buf_append(&b, "", 1);
	return b.p;
}

static void has_line(const char *text, const char *line)
{
	char want[512];
	const char *p = text;

	snprintf(want, sizeof(want), "%s\n", line);
	while ((p = strstr(p, want)) && p != text && p[-1] != '\n')
		p++;
	if (!p)
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

/* ---- what is collected ------------------------------------------------------------ */
static void test_collect(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *t = collect(f, &len);

	assert_true(check_exposition(t, len) > 60);
	has_line(t, "# TYPE closbgp_peer_state gauge");
	has_line(t, "closbgp_peer_state{peer=\"10.0.0.2\",peer_as=\"65002\",state=\"Established\"} 1");
	has_line(t, "closbgp_peer_state{peer=\"10.0.0.2\",peer_as=\"65002\",state=\"Idle\"} 0");
	has_line(t, "closbgp_peer_state{peer=\"10.0.0.3\",peer_as=\"65003\",state=\"Active\"} 1");
	has_line(t, "closbgp_peer_state{peer=\"10.0.0.3\",peer_as=\"65003\",state=\"Established\"} 0");
	has_line(t, "closbgp_peer_uptime_seconds{peer=\"10.0.0.3\",peer_as=\"65003\"} 0");
	has_line(t, "closbgp_peer_prefixes_received{peer=\"10.0.0.2\",peer_as=\"65002\"} 3");
	has_line(t, "closbgp_peer_prefixes_received{peer=\"10.0.0.3\",peer_as=\"65003\"} 1");
	has_line(t, "closbgp_peer_prefixes_accepted{peer=\"10.0.0.2\",peer_as=\"65002\"} 2");
	has_line(t, "closbgp_peer_prefixes_advertised{peer=\"10.0.0.2\",peer_as=\"65002\"} 5");
	has_line(t, "closbgp_peer_established_transitions_total{peer=\"10.0.0.2\",peer_as=\"65002\"} 3");
	has_line(t, "# TYPE closbgp_peer_messages_received_total counter");
	has_line(t, "closbgp_peer_messages_received_total{peer=\"10.0.0.2\",peer_as=\"65002\",type=\"update\"} 40");
	has_line(t, "closbgp_peer_messages_received_total{peer=\"10.0.0.2\",peer_as=\"65002\",type=\"route_refresh\"} 0");
	has_line(t, "closbgp_peer_messages_sent_total{peer=\"10.0.0.2\",peer_as=\"65002\",type=\"keepalive\"} 2");
	has_line(t, "closbgp_peer_update_errors_total{peer=\"10.0.0.2\",peer_as=\"65002\",action=\"treat_as_withdraw\"} 1");
	has_line(t, "closbgp_rib_prefixes{family=\"ipv4\"} 2");
	has_line(t, "closbgp_rib_prefixes{family=\"ipv6\"} 1");
	has_line(t, "closbgp_rib_paths{family=\"ipv4\"} 3");
	has_line(t, "closbgp_rib_paths{family=\"ipv6\"} 1");
	has_line(t, "closbgp_device_state{state=\"warm\"} 1");
	has_line(t, "closbgp_device_state{state=\"live\"} 0");
	has_line(t, "closbgp_device_target_state{state=\"live\"} 1");
	has_line(t, "closbgp_device_state_transitions_total 2");
	has_line(t, "closbgp_device_state_changed_timestamp_seconds 1700000100");
	has_line(t, "closbgp_start_time_seconds 1700000000");
	has_line(t, "closbgp_info{version=\"" PACKAGE_VERSION "\",router_id=\"1.2.3.4\",local_as=\"65001\"} 1");
	has_line(t, "closbgp_policy_cache_capacity 64");
	has_line(t, "closbgp_policy_cache_hits_total 0");
	has_line(t, "# TYPE closbgp_memory_bytes gauge");
	has_line(t, "closbgp_interned_objects{type=\"attr_sets\"} 1");
	assert_null(strstr(t, "closbgp_fib_")); /* -n: no kernel FIB */
	/* the uptime is the control socket's (42 s ago) */
	assert_non_null(strstr(t, "closbgp_peer_uptime_seconds{peer=\"10.0.0.2\",peer_as=\"65002\"} 4"));
	free(t);
}

/* A peer removed by a reload but not freed yet is not shown, as closctl does. */
static void test_collect_skips_deleted(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *t;

	f->p2->deleted = true;
	t = collect(f, &len);
	check_exposition(t, len);
	assert_null(strstr(t, "10.0.0.3"));
	free(t);
}

/* ---- the server ---------------------------------------------------------------------- */
static void *client_thread(void *arg)
{
	struct fx *f = arg;

	f->job(f);
	ev_async_send(f->d.loop, &f->done);
	return NULL;
}

static void run_job(struct fx *f, void (*job)(struct fx *))
{
	pthread_t t;

	f->job = job;
	f->resplen = 0;
	f->timed_out = false;
	ev_timer_start(f->d.loop, &f->guard);
	assert_int_equal(pthread_create(&t, NULL, client_thread, f), 0);
	ev_run(f->d.loop, 0);
	pthread_join(t, NULL);
	ev_timer_stop(f->d.loop, &f->guard);
	assert_false(f->timed_out);
}

static int connect_port(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read until the server closes (bounded by the buffer and SO_RCVTIMEO). */
static void read_all(struct fx *f, int fd)
{
	ssize_t n;

	while (f->resplen < sizeof(f->resp) - 1 &&
	       (n = read(fd, f->resp + f->resplen, sizeof(f->resp) - 1 - f->resplen)) > 0)
		f->resplen += (size_t)n;
	f->resp[f->resplen] = '\0';
}

/* Send f->req, read the whole response. */
static void http_job(struct fx *f)
{
	int fd = connect_port(f->port);
	double t0 = now();

	if (fd < 0)
		return;
	if (f->reqlen && send(fd, f->req, f->reqlen, MSG_NOSIGNAL) < 0) {
		close(fd);
		return;
	}
	read_all(f, fd);
	f->took = now() - t0;
	close(fd);
}

static void http(struct fx *f, const char *req)
{
	f->reqlen = strlen(req);
	memcpy(f->req, req, f->reqlen);
	run_job(f, http_job);
}

static void start_server(struct fx *f)
{
	char err[256];

	f->port = free_port();
	set_metrics(f, "127.0.0.1", f->port);
	if (metrics_configure(&f->d, err, sizeof(err)) < 0)
		fail_msg("metrics_configure: %s", err);
	assert_non_null(f->d.metrics);
}

/* The body of f->resp, after checking the headers give its length. */
static const char *body(struct fx *f, const char *status)
{
	const char *b = strstr(f->resp, "\r\n\r\n"), *cl;

	if (strncmp(f->resp, status, strlen(status)) != 0)
		fail_msg("want %s, got: %.200s", status, f->resp);
	assert_non_null(b);
	b += 4;
	assert_non_null(cl = strstr(f->resp, "\r\nContent-Length: "));
	assert_int_equal(strtoul(cl + 18, NULL, 10), f->resplen - (size_t)(b - f->resp));
	assert_non_null(strstr(f->resp, "\r\nConnection: close\r\n"));
	return b;
}

static void test_http_get(void **state)
{
	struct fx *f = *state;
	const char *b;

	start_server(f);
	http(f, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n"
		"Accept-Encoding: gzip\r\n\r\n");
	b = body(f, "HTTP/1.1 200 OK\r\n");
	assert_non_null(strstr(f->resp, "\r\nContent-Type: text/plain; version=0.0.4; "
					 "charset=utf-8\r\n"));
	assert_true(check_exposition(b, strlen(b)) > 60);
	has_line(b, "closbgp_peer_state{peer=\"10.0.0.2\",peer_as=\"65002\",state=\"Established\"} 1");
	/* HTTP/1.0, bare line feeds, a query string */
	http(f, "GET /metrics?x=1 HTTP/1.0\n\n");
	b = body(f, "HTTP/1.1 200 OK\r\n");
	has_line(b, "closbgp_rib_paths{family=\"ipv4\"} 3");
}

static void test_http_errors(void **state)
{
	struct fx *f = *state;

	start_server(f);
	http(f, "GET / HTTP/1.1\r\n\r\n");
	body(f, "HTTP/1.1 404 Not Found\r\n");
	http(f, "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
	body(f, "HTTP/1.1 405 Method Not Allowed\r\n");
	assert_non_null(strstr(f->resp, "\r\nAllow: GET\r\n"));
	http(f, "hello\r\n\r\n");
	body(f, "HTTP/1.1 400 Bad Request\r\n");
	/* headers without an end: answered at the limit, not read further */
	memset(f->req, 'a', METRICS_REQ_MAX);
	f->reqlen = METRICS_REQ_MAX;
	run_job(f, http_job);
	body(f, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
	/* and the server still serves */
	http(f, "GET /metrics HTTP/1.1\r\n\r\n");
	body(f, "HTTP/1.1 200 OK\r\n");
}

/* A client that sends nothing is closed after the idle time. */
static void test_http_idle(void **state)
{
	struct fx *f = *state;

	start_server(f);
	metrics_server_set_idle(f->d.metrics, 0.2);
	http(f, "GET /metrics HTTP/1.1\r\n"); /* never ends */
	assert_int_equal(f->resplen, 0);
	assert_true(f->took >= 0.15 && f->took < 4);
}

/* A request trickling in a byte at a time gets no more time than an idle
 * one: the whole request must come within the idle time. */
static void slow_job(struct fx *f)
{
	int fd = connect_port(f->port);
	double t0 = now();

	if (fd < 0)
		return;
	for (int i = 0; i < 40 && send(fd, "G", 1, MSG_NOSIGNAL) == 1; i++)
		usleep(50000);
	read_all(f, fd);
	f->took = now() - t0;
	close(fd);
}

static void test_http_slow_request(void **state)
{
	struct fx *f = *state;

	start_server(f);
	metrics_server_set_idle(f->d.metrics, 0.3);
	run_job(f, slow_job);
	assert_int_equal(f->resplen, 0);
	assert_true(f->took < 1.5); /* not 40 x 50 ms */
}

/* METRICS_MAX_CLIENTS idle clients; one more is answered 503 at once. */
static void busy_job(struct fx *f)
{
	int fds[METRICS_MAX_CLIENTS], fd;

	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		fds[i] = connect_port(f->port);
	/* each is accepted before the next one arrives: the server answers
	 * a request once it has accepted all of them */
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (fds[i] < 0 || send(fds[i], "G", 1, MSG_NOSIGNAL) != 1)
			return;
	usleep(100000);
	fd = connect_port(f->port);
	if (fd >= 0) {
		read_all(f, fd);
		close(fd);
	}
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		close(fds[i]);
	usleep(100000); /* the loop sees them go */
}

static void test_http_too_many_clients(void **state)
{
	struct fx *f = *state;

	start_server(f);
	run_job(f, busy_job);
	body(f, "HTTP/1.1 503 Service Unavailable\r\n");
	/* the idle ones are gone when they close: a new client is served */
	http(f, "GET /metrics HTTP/1.1\r\n\r\n");
	body(f, "HTTP/1.1 200 OK\r\n");
}

/* The configuration drives the endpoint: same (kept), new port (re-bound),
 * no address (off). */
static void test_configure(void **state)
{
	struct fx *f = *state;
	struct metrics_server *s;
	char err[256];
	uint16_t old;

	assert_int_equal(metrics_configure(&f->d, err, sizeof(err)), 0);
	assert_null(f->d.metrics); /* off by default */
	start_server(f);
	s = f->d.metrics;
	assert_int_equal(metrics_configure(&f->d, err, sizeof(err)), 0);
	assert_ptr_equal(f->d.metrics, s);
	old = f->port;
	f->port = free_port();
	set_metrics(f, "127.0.0.1", f->port);
	assert_int_equal(metrics_configure(&f->d, err, sizeof(err)), 0);
	assert_non_null(f->d.metrics);
	http(f, "GET /metrics HTTP/1.1\r\n\r\n");
	body(f, "HTTP/1.1 200 OK\r\n");
	f->port = old; /* closed */
	assert_int_equal(connect_port(old), -1);
	/* an address that is not ours: an error, and off */
	set_metrics(f, "192.0.2.1", f->port);
	assert_int_equal(metrics_configure(&f->d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "192.0.2.1 port"));
	assert_null(f->d.metrics);
	set_metrics(f, NULL, 0);
	assert_int_equal(metrics_configure(&f->d, err, sizeof(err)), 0);
	assert_null(f->d.metrics);
}

/* The metrics container: no address, no endpoint; the default port. */
static void test_config(void **state)
{
	static const char *const json[] = {
		"{\"closbgp-device:bgp\": {\"router-id\": \"10.0.0.1\", \"local-as\": 65001}}",
		"{\"closbgp-device:bgp\": {\"router-id\": \"10.0.0.1\", \"local-as\": 65001, "
		"\"metrics\": {\"address\": \"127.0.0.1\"}}}",
		"{\"closbgp-device:bgp\": {\"router-id\": \"10.0.0.1\", \"local-as\": 65001, "
		"\"metrics\": {\"address\": \"2001:db8::1\", \"port\": 9100}}}",
		"{\"closbgp-device:bgp\": {\"router-id\": \"10.0.0.1\", \"local-as\": 65001, "
		"\"metrics\": {\"port\": 9100}}}",
	};
	char err[1024];
	struct bgp_config *c[4];

	for (int i = 0; i < 4; i++)
		if (!(c[i] = config_parse(json[i], "t.json", err, sizeof(err))))
			fail_msg("%d: %s", i, err);
	assert_int_equal(c[0]->metrics.addr.ss_family, 0);
	assert_int_equal(c[3]->metrics.addr.ss_family, 0); /* a port alone: off */
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&c[1]->metrics.addr;
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), CFG_DEFAULT_METRICS_PORT);
	assert_int_equal(s4->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&c[2]->metrics.addr;
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 9100);
	for (int i = 0; i < 4; i++)
		config_free(c[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_family_and_samples),
		cmocka_unit_test(test_prom_escaping),
		cmocka_unit_test(test_prom_bounded),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_config),
		cmocka_unit_test_setup_teardown(test_collect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collect_skips_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_slow_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_too_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
