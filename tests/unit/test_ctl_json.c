/* closctl output: the JSON writer's escaping and nesting, and the exact JSON
 * documents closctl prints for each reply (the integration tests' contract). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/ctl_render.h"
#include "tools/json.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

static char *mem_close(struct mem *m)
{
	fclose(m->f);
	return m->buf;
}

static void assert_escaped(const char *in, const char *want)
{
	struct mem m;

	mem_open(&m);
	json_write_string(m.f, in);
	char *got = mem_close(&m);
	assert_string_equal(got, want);
	free(got);
}

static void test_escaping(void **state)
{
	assert_escaped("plain", "\"plain\"");
	assert_escaped("a\"b\\c", "\"a\\\"b\\\\c\"");
	assert_escaped("l1\nl2\r\t\b\f", "\"l1\\nl2\\r\\t\\b\\f\"");
	assert_escaped("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	assert_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* invalid UTF-8: stray continuation, truncated sequence, overlong, surrogate */
	assert_escaped("a\x80z", "\"a\\ufffdz\"");
	assert_escaped("\xe2\x82", "\"\\ufffd\\ufffd\"");
	assert_escaped("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_escaped("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escaped("", "\"\"");
}

static void test_nesting(void **state)
{
	struct mem m;
	struct json_writer w;

	mem_open(&m);
	json_init(&w, m.f);
	json_obj_begin(&w);
	json_kv_uint(&w, "a", 1);
	json_key(&w, "b");
	json_arr_begin(&w);
	json_bool(&w, true);
	json_null(&w);
	json_str(&w, "x");
	json_obj_begin(&w);
	json_obj_end(&w);
	json_arr_end(&w);
	json_key(&w, "c");
	json_obj_begin(&w);
	json_kv_str(&w, "k\"", NULL);
	json_kv_bool(&w, "f", false);
	json_obj_end(&w);
	json_kv_uint(&w, "big", UINT64_MAX);
	json_obj_end(&w);
	char *got = mem_close(&m);
	assert_string_equal(got, "{\"a\":1,\"b\":[true,null,\"x\",{}],\"c\":{\"k\\\"\":null,\"f\":false},"
				 "\"big\":18446744073709551615}");
	free(got);
}

static void test_helpers(void **state)
{
	char buf[32];

	assert_string_equal(ctl_community_str(65000u << 16 | 1, buf, sizeof(buf)), "65000:1");
	assert_string_equal(ctl_community_str(0xFFFFFF01, buf, sizeof(buf)), "no-export");
	assert_string_equal(ctl_community_str(0xFFFF0000, buf, sizeof(buf)), "graceful-shutdown");
	assert_string_equal(ctl_duration_str(0, buf, sizeof(buf)), "00:00:00");
	assert_string_equal(ctl_duration_str(3725, buf, sizeof(buf)), "01:02:05");
	assert_string_equal(ctl_duration_str(2 * 86400 + 3 * 3600 + 4 * 60 + 5, buf, sizeof(buf)),
			    "2d03h04m");
}

/* Render a reply of one frame and return what was printed. */
static char *render1(Closbgp__Ctl__Response *r, bool json)
{
	struct ctl_reply rep = { &r, 1 };
	struct mem m;

	mem_open(&m);
	ctl_render(m.f, &rep, json);
	return mem_close(&m);
}

static void test_summary_json(void **state)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__Summary s = CLOSBGP__CTL__SUMMARY__INIT;
	Closbgp__Ctl__PeerSummary p = CLOSBGP__CTL__PEER_SUMMARY__INIT;
	Closbgp__Ctl__PeerSummary *pp[] = { &p };
	Closbgp__Ctl__LocRibSummary loc = CLOSBGP__CTL__LOC_RIB_SUMMARY__INIT;
	Closbgp__Ctl__MemorySummary mem = CLOSBGP__CTL__MEMORY_SUMMARY__INIT;
	Closbgp__Ctl__FibStats fs = CLOSBGP__CTL__FIB_STATS__INIT;

	loc.ipv4 = 10000;
	loc.ipv6 = 10;
	loc.paths = 20020;
	s.loc_rib = &loc;
	mem.attr_sets = 3;
	mem.attr_bytes = 300;
	mem.loc_rib_bytes = 123456;
	s.memory = &mem;
	s.router_id = "1.2.3.4";
	s.local_as = 65001;
	s.confed_id = 65100;
	s.peers_configured = 2;
	s.peers_established = 1;
	s.prefixes_received = 10000;
	s.peers = pp;
	s.n_peers = 1;
	p.address = "10.0.0.2";
	p.remote_as = 65002;
	p.state = "Established";
	p.uptime = 12;
	p.prefixes_received = 10000;
	p.prefixes_sent = 5;
	p.messages_received = 44;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_SUMMARY;
	r.summary = &s;
	char *got = render1(&r, true);
	assert_string_equal(got,
		"{\"router_id\":\"1.2.3.4\",\"local_as\":65001,\"confed_id\":65100,\"peers_configured\":2,"
		"\"peers_established\":1,\"prefixes_received\":10000,"
		"\"loc_rib\":{\"ipv4\":10000,\"ipv6\":10,\"paths\":20020},\"fib\":null,"
		"\"memory\":{\"attr_sets\":3,\"attr_bytes\":300,\"aspaths\":0,\"aspath_bytes\":0,"
		"\"community_lists\":0,\"community_bytes\":0,\"unknown_attrs\":0,\"unknown_bytes\":0,"
		"\"intern_table_bytes\":0,\"refs\":0,\"loc_rib_bytes\":123456,\"adj_rib_out_bytes\":0,\"update_groups\":0},"
		"\"peers\":[{\"address\":\"10.0.0.2\","
		"\"remote_as\":65002,\"state\":\"Established\",\"uptime\":12,\"prefixes_received\":10000,"
		"\"prefixes_sent\":5}]}\n");
	free(got);
	got = render1(&r, false);
	assert_non_null(strstr(got, "Loc-RIB: 10000 IPv4 + 10 IPv6 prefixes, 20020 paths\n"));
	assert_non_null(strstr(got, "FIB: disabled (-n)\n"));
	free(got);
	fs.routes = 60;
	fs.installed = 59;
	fs.failed = 1;
	fs.nexthops = 4;
	fs.groups = 2;
	fs.batches = 3;
	fs.messages = 66;
	fs.nexthop_objects = true;
	s.fib = &fs;
	got = render1(&r, true);
	assert_non_null(strstr(got, "\"fib\":{\"routes\":60,\"installed\":59,\"failed\":1,\"stale\":0,"
				    "\"nexthops\":4,\"groups\":2,\"batches\":3,\"messages\":66,"
				    "\"errors\":0,\"retries\":0,\"failovers\":0,\"takeovers\":0,"
				    "\"nexthop_objects\":true},"));
	free(got);
	got = render1(&r, false);
	assert_non_null(strstr(got, "BGP router identifier 1.2.3.4, local AS number 65001, confederation 65100"));
	assert_non_null(strstr(got, "Neighbor  AS     State        Up/Down   PfxRcd  PfxSnt  MsgRcvd  MsgSent\n"));
	assert_non_null(strstr(got, "10.0.0.2  65002  Established  00:00:12  10000   5       44       0\n"));
	free(got);
}

static void test_peers_json(void **state)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__PeerList pl = CLOSBGP__CTL__PEER_LIST__INIT;
	Closbgp__Ctl__Peer p = CLOSBGP__CTL__PEER__INIT;
	Closbgp__Ctl__Peer *pp[] = { &p };
	Closbgp__Ctl__MessageCounters in = CLOSBGP__CTL__MESSAGE_COUNTERS__INIT;
	Closbgp__Ctl__Capabilities caps = CLOSBGP__CTL__CAPABILITIES__INIT;
	Closbgp__Ctl__PeerError e = CLOSBGP__CTL__PEER_ERROR__INIT;
	Closbgp__Ctl__GracefulRestart gr = CLOSBGP__CTL__GRACEFUL_RESTART__INIT;
	Closbgp__Ctl__TcpAo ao = CLOSBGP__CTL__TCP_AO__INIT;
	char *fams[] = { "ipv4-unicast", "ipv6-unicast" };

	p.address = "10.0.0.2";
	p.remote_as = 65002;
	p.local_as = 65001;
	p.description = "ssw \"1\"";
	p.state = "Idle";
	p.state_age = 7;
	p.remote_id = "0.0.0.0";
	in.open = 1;
	in.update = 40;
	p.messages_received = &in;
	p.capabilities = &caps;
	caps.as4 = true;
	e.code = 2;
	e.subcode = 2;
	e.name = "OPEN Message Error/Bad Peer AS";
	e.text = "peer AS 65009";
	e.age = 5;
	p.last_error = &e;
	gr.helper = gr.peer_capable = true;
	gr.stale_time = 360;
	gr.restart_time = 120;
	gr.families = fams;
	gr.n_families = 2;
	gr.forwarding = fams;
	gr.n_forwarding = 1;
	gr.state = "restarting";
	gr.stale_paths = 5;
	gr.timer_left = 118;
	gr.restarts = 1;
	p.graceful_restart = &gr;
	ao.mkts = 2;
	ao.configured_send_id = 7;
	ao.has_current = true;
	ao.current_key = 8;
	ao.good = 12;
	ao.bad = 1;
	p.tcp_ao = &ao;
	pl.peers = pp;
	pl.n_peers = 1;
	pl.last = true;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_PEERS;
	r.peers = &pl;
	char *got = render1(&r, true);
	assert_string_equal(got,
		"{\"peers\":[{\"address\":\"10.0.0.2\",\"remote_as\":65002,\"local_as\":65001,"
		"\"description\":\"ssw \\\"1\\\"\",\"state\":\"Idle\",\"uptime\":0,\"state_age\":7,"
		"\"remote_id\":\"0.0.0.0\",\"hold_time\":0,\"keepalive\":0,\"prefixes_received\":0,"
		"\"prefixes_sent\":0,\"messages_received\":{\"open\":1,\"update\":40,\"notification\":0,"
		"\"keepalive\":0,\"route_refresh\":0},\"messages_sent\":{\"open\":0,\"update\":0,"
		"\"notification\":0,\"keepalive\":0,\"route_refresh\":0},\"established_count\":0,\"update_group\":0,\"update_group_members\":0,\"update_group_messages\":0,"
		"\"capabilities\":{\"ipv4_unicast\":false,\"ipv6_unicast\":false,\"as4\":true,"
		"\"route_refresh\":false,\"graceful_restart\":false},\"graceful_restart\":{"
		"\"helper\":true,\"stale_time\":360,\"peer_capable\":true,\"restart_time\":120,"
		"\"families\":[\"ipv4-unicast\",\"ipv6-unicast\"],\"forwarding\":[\"ipv4-unicast\"],"
		"\"state\":\"restarting\",\"stale_paths\":5,\"timer_left\":118,\"restarts\":1},"
		"\"tcp_ao\":{\"mkts\":2,\"configured_send_id\":7,\"current_key\":8,"
		"\"rnext_key\":null,\"good\":12,\"bad\":1,\"key_not_found\":0,\"ao_required\":0},"
		"\"last_error\":{\"direction\":\"received\",\"code\":2,\"subcode\":2,\"name\":\"OPEN Message Error/Bad Peer AS\","
		"\"text\":\"peer AS 65009\",\"age\":5}}]}\n");
	free(got);
	got = render1(&r, false);
	assert_non_null(strstr(got, "  TCP-AO: 2 MKTs, sending with KeyID 8 (the peer asked for "
				    "it); segments: good 12, bad MAC 1, unknown KeyID 0, unsigned 0\n"));
	free(got);
	p.last_error = NULL;
	p.tcp_ao = NULL;
	got = render1(&r, true);
	assert_non_null(strstr(got, "\"tcp_ao\":null,\"last_error\":null}]}"));
	free(got);
	got = render1(&r, false);
	assert_null(strstr(got, "TCP-AO"));
	assert_non_null(strstr(got, "  Graceful restart: helper, stale-time 360 s; its restart "
				    "time 120 s (ipv4-unicast F, ipv6-unicast); restarting: 5 stale "
				    "paths, 118 s left; 1 restart helped\n"));
	free(got);
}

static void test_routes_json(void **state)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__RouteList rl = CLOSBGP__CTL__ROUTE_LIST__INIT;
	Closbgp__Ctl__Route a = CLOSBGP__CTL__ROUTE__INIT, b = CLOSBGP__CTL__ROUTE__INIT;
	Closbgp__Ctl__Route *rr[] = { &a, &b };
	Closbgp__Ctl__Uint32Value lp = CLOSBGP__CTL__UINT32_VALUE__INIT;
	Closbgp__Ctl__LargeCommunity lc = CLOSBGP__CTL__LARGE_COMMUNITY__INIT;
	Closbgp__Ctl__LargeCommunity *lcs[] = { &lc };
	uint32_t comms[] = { 65000u << 16 | 1, 0xFFFFFF01 };

	a.prefix = "10.1.0.0/24";
	a.peer = "10.0.0.2";
	a.source = "ebgp";
	a.best = a.multipath = a.valid = true;
	a.fib = "installed";
	a.next_hop = "10.0.0.2";
	a.as_path = "65002 65003";
	a.communities = comms;
	a.n_communities = 2;
	lc.global = 65000;
	lc.local1 = 1;
	lc.local2 = 2;
	a.large_communities = lcs;
	a.n_large_communities = 1;
	lp.value = 100;
	a.local_pref = &lp;
	b.prefix = "2001:db8:1::/48";
	b.peer = "fe80::2";
	b.source = "confed";
	b.multipath = b.valid = true;
	b.next_hop = "2001:db8::2";
	b.next_hop_link_local = "fe80::2";
	b.as_path = "";
	b.origin = CLOSBGP__CTL__ORIGIN__EGP;
	b.atomic_aggregate = true;
	b.stale = true; /* kept over its peer's restart */
	rl.routes = rr;
	rl.n_routes = 2;
	rl.last = true;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES;
	r.routes = &rl;
	char *got = render1(&r, true);
	assert_string_equal(got,
		"{\"routes\":[{\"prefix\":\"10.1.0.0/24\",\"peer\":\"10.0.0.2\",\"source\":\"ebgp\","
		"\"best\":true,\"multipath\":true,\"valid\":true,\"fib\":\"installed\","
		"\"next_hop\":\"10.0.0.2\","
		"\"as_path\":\"65002 65003\",\"origin\":\"igp\",\"local_pref\":100,\"communities\":"
		"[\"65000:1\",\"no-export\"],\"large_communities\":[\"65000:1:2\"],\"atomic_aggregate\":false,"
		"\"stale\":false},"
		"{\"prefix\":\"2001:db8:1::/48\",\"peer\":\"fe80::2\",\"source\":\"confed\","
		"\"best\":false,\"multipath\":true,\"valid\":true,\"fib\":\"\","
		"\"next_hop\":\"2001:db8::2\","
		"\"next_hop_link_local\":\"fe80::2\",\"as_path\":\"\",\"origin\":\"egp\",\"communities\":[],"
		"\"large_communities\":[],\"atomic_aggregate\":true,\"stale\":true}]}\n");
	free(got);
	got = render1(&r, false);
	assert_non_null(strstr(got, "    Prefix           Peer      Next hop     AS path      Origin  Communities\n"));
	assert_non_null(strstr(got, "*>  10.1.0.0/24      10.0.0.2  10.0.0.2     65002 65003  igp     65000:1 no-export 65000:1:2\n"));
	/* no trailing blanks when the last columns are empty */
	assert_non_null(strstr(got, "\nS=  2001:db8:1::/48  fe80::2   2001:db8::2               egp\n"));
	free(got);
	/* a received route the Loc-RIB does not use: no status */
	a.best = a.multipath = a.valid = false;
	b.multipath = false;
	got = render1(&r, false);
	assert_non_null(strstr(got, "\n   10.1.0.0/24 "));
	assert_non_null(strstr(got, "\nS  2001:db8:1::/48 "));
	free(got);
}

static void test_fib_json(void **state)
{
	Closbgp__Ctl__Response r1 = CLOSBGP__CTL__RESPONSE__INIT, r2 = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__Response *frames[] = { &r1, &r2 };
	struct ctl_reply rep = { frames, 2 };
	Closbgp__Ctl__FibList l1 = CLOSBGP__CTL__FIB_LIST__INIT, l2 = CLOSBGP__CTL__FIB_LIST__INIT;
	Closbgp__Ctl__FibRoute g = CLOSBGP__CTL__FIB_ROUTE__INIT, one = CLOSBGP__CTL__FIB_ROUTE__INIT;
	Closbgp__Ctl__FibRoute bk = CLOSBGP__CTL__FIB_ROUTE__INIT, bh = CLOSBGP__CTL__FIB_ROUTE__INIT;
	Closbgp__Ctl__FibRoute *p1[] = { &g }, *p2[] = { &one, &bk, &bh };
	Closbgp__Ctl__FibNexthop n1 = CLOSBGP__CTL__FIB_NEXTHOP__INIT, n2 = CLOSBGP__CTL__FIB_NEXTHOP__INIT;
	Closbgp__Ctl__FibNexthop *gn[] = { &n1, &n2 }, *on[] = { &n1 }, *bn[] = { &n2 };
	Closbgp__Ctl__FibStats st = CLOSBGP__CTL__FIB_STATS__INIT;
	struct mem m;

	n1.id = 1000;
	n1.gateway = "10.0.1.2";
	n1.interface = "up1";
	n2.id = 1001;
	n2.gateway = "10.0.2.2";
	n2.interface = "up2";
	g.prefix = "100.64.0.0/24";
	g.nexthop_id = 1002;
	g.group = true;
	g.state = "installed";
	g.nexthops = gn;
	g.n_nexthops = 2;
	one.prefix = "100.64.1.0/24";
	one.nexthop_id = 1000;
	one.state = "pending";
	one.nexthops = on;
	one.n_nexthops = 1;
	/* A group with a backup, and a blackhole. */
	bk.prefix = "100.64.2.0/24";
	bk.nexthop_id = 1003;
	bk.group = true;
	bk.state = "installed";
	bk.nexthops = on;
	bk.n_nexthops = 1;
	bk.backups = bn;
	bk.n_backups = 1;
	bk.standby_id = 1001;
	bh.prefix = "100.64.0.0/16";
	bh.nexthop_id = 1004;
	bh.blackhole = true;
	bh.state = "installed";
	st.routes = 2;
	st.installed = 1;
	st.nexthops = 2;
	st.groups = 1;
	st.nexthop_objects = true;
	l1.routes = p1;
	l1.n_routes = 1;
	l1.stats = &st;
	l2.routes = p2;
	l2.n_routes = 3;
	l2.last = true;
	r1.payload_case = r2.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_FIB;
	r1.fib = &l1;
	r2.fib = &l2;
	mem_open(&m);
	ctl_render(m.f, &rep, true);
	char *got = mem_close(&m);
	assert_string_equal(got,
		"{\"routes\":[{\"prefix\":\"100.64.0.0/24\",\"nexthop_id\":1002,\"group\":true,"
		"\"blackhole\":false,"
		"\"state\":\"installed\",\"metric\":0,\"nexthops\":[{\"id\":1000,\"gateway\":\"10.0.1.2\","
		"\"interface\":\"up1\"},{\"id\":1001,\"gateway\":\"10.0.2.2\",\"interface\":\"up2\"}],"
		"\"backups\":[],\"standby_id\":0},"
		"{\"prefix\":\"100.64.1.0/24\",\"nexthop_id\":1000,\"group\":false,\"blackhole\":false,"
		"\"state\":\"pending\",\"metric\":0,"
		"\"nexthops\":[{\"id\":1000,\"gateway\":\"10.0.1.2\",\"interface\":\"up1\"}],\"backups\":[],"
		"\"standby_id\":0},"
		"{\"prefix\":\"100.64.2.0/24\",\"nexthop_id\":1003,\"group\":true,\"blackhole\":false,"
		"\"state\":\"installed\",\"metric\":0,"
		"\"nexthops\":[{\"id\":1000,\"gateway\":\"10.0.1.2\",\"interface\":\"up1\"}],"
		"\"backups\":[{\"id\":1001,\"gateway\":\"10.0.2.2\",\"interface\":\"up2\"}],"
		"\"standby_id\":1001},"
		"{\"prefix\":\"100.64.0.0/16\",\"nexthop_id\":1004,\"group\":false,\"blackhole\":true,"
		"\"state\":\"installed\",\"metric\":0,\"nexthops\":[],\"backups\":[],\"standby_id\":0}],"
		"\"stats\":{\"routes\":2,\"installed\":1,\"failed\":0,\"stale\":0,\"nexthops\":2,"
		"\"groups\":1,\"batches\":0,\"messages\":0,\"errors\":0,\"retries\":0,"
		"\"failovers\":0,\"takeovers\":0,\"nexthop_objects\":true}}\n");
	free(got);
	mem_open(&m);
	ctl_render(m.f, &rep, false);
	got = mem_close(&m);
	assert_non_null(strstr(got, "FIB: 2 routes (1 installed, 0 failed, 0 stale), 2 nexthops, 1 groups\n"));
	assert_non_null(strstr(got, "Prefix         NH id  Type       State      Next hops\n"));
	assert_non_null(strstr(got, "100.64.0.0/24  1002   group      installed  "
				    "10.0.1.2 up1 (1000), 10.0.2.2 up2 (1001)\n"));
	assert_non_null(strstr(got, "100.64.1.0/24  1000   single     pending    10.0.1.2 up1 (1000)\n"));
	assert_non_null(strstr(got, "100.64.2.0/24  1003   group      installed  "
				    "10.0.1.2 up1 (1000); backup 10.0.2.2 up2 (1001); standby (1001)\n"));
	assert_non_null(strstr(got, "100.64.0.0/16  1004   blackhole  installed  drop\n"));
	assert_non_null(strstr(got, "0 retries, 0 failovers, 0 takeovers\n"));
	free(got);
}

static void test_memory(void **state)
{
	Closbgp__Ctl__Response r = CLOSBGP__CTL__RESPONSE__INIT;
	Closbgp__Ctl__Summary s = CLOSBGP__CTL__SUMMARY__INIT;
	Closbgp__Ctl__MemorySummary mem = CLOSBGP__CTL__MEMORY_SUMMARY__INIT;
	struct ctl_reply rep = { (Closbgp__Ctl__Response *[]){ &r }, 1 };
	struct mem m;

	mem.attr_sets = 2;
	mem.attr_bytes = 256;
	mem.refs = 5000;
	mem.loc_rib_bytes = 1000000;
	s.memory = &mem;
	r.payload_case = CLOSBGP__CTL__RESPONSE__PAYLOAD_SUMMARY;
	r.summary = &s;
	mem_open(&m);
	ctl_render_memory(m.f, &rep, true);
	char *got = mem_close(&m);
	assert_non_null(strstr(got, "{\"attr_sets\":2,\"attr_bytes\":256,"));
	assert_non_null(strstr(got, "\"refs\":5000,\"loc_rib_bytes\":1000000,\"adj_rib_out_bytes\":0,\"update_groups\":0}\n"));
	free(got);
	mem_open(&m);
	ctl_render_memory(m.f, &rep, false);
	got = mem_close(&m);
	assert_non_null(strstr(got, "Attribute sets              2           256 bytes  (5000 references)\n"));
	assert_non_null(strstr(got, "Loc-RIB, Adj-RIBs-In and -Out       1000000 bytes\n"));
	assert_non_null(strstr(got, "  of which Adj-RIBs-Out     0             0 bytes  (update groups)\n"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_peers_json),
		cmocka_unit_test(test_routes_json),
		cmocka_unit_test(test_fib_json),
		cmocka_unit_test(test_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
