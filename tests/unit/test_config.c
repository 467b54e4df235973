/* Configuration loader: every tests/config/good file loads with the
 * expected values, every tests/config/bad file is refused with its .err. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/config.h"

#ifndef CONFIG_TEST_DIR
#define CONFIG_TEST_DIR "tests/config"
#endif

static struct bgp_config *load(const char *name)
{
	char path[512], err[2048];
	snprintf(path, sizeof(path), "%s/good/%s", CONFIG_TEST_DIR, name);
	struct bgp_config *c = config_load(path, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	return c;
}

static const struct cfg_peer *peer(const struct bgp_config *c, const char *name)
{
	for (size_t i = 0; i < c->npeers; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	fail_msg("no peer %s", name);
	return NULL;
}

static void assert_v4(const struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	char buf[INET_ADDRSTRLEN];
	assert_int_equal(ss->ss_family, AF_INET);
	assert_non_null(inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf)));
	assert_string_equal(buf, addr);
	assert_int_equal(ntohs(s4->sin_port), port);
}

static void assert_v6(const struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN];
	assert_int_equal(ss->ss_family, AF_INET6);
	assert_non_null(inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf)));
	assert_string_equal(buf, addr);
	assert_int_equal(ntohs(s6->sin6_port), port);
}

static void assert_timers(const struct cfg_peer *p, unsigned hold, unsigned ka, unsigned retry)
{
	assert_int_equal(p->timers.hold_time, hold);
	assert_int_equal(p->timers.keepalive, ka);
	assert_int_equal(p->timers.connect_retry, retry);
}

static void test_minimal(void **state)
{
	struct bgp_config *c = load("minimal.json");
	assert_int_equal(ntohl(c->router_id.s_addr), 0x0a000001);
	assert_int_equal(c->local_as, 65001);
	assert_int_equal(c->confed_id, 0);
	assert_int_equal(c->nlisten, 0);
	assert_int_equal(c->nnetworks, 0);
	assert_string_equal(c->ctl_socket, "");
	assert_int_equal(c->npeers, 1);
	const struct cfg_peer *p = &c->peers[0];
	assert_v4(&p->addr, "10.0.0.2", 179);
	assert_int_equal(p->remote_as, 65002);
	/* Defaults: family of the address, active, GTSM on, global timers. */
	assert_true(p->ipv4_unicast);
	assert_false(p->ipv6_unicast);
	assert_false(p->passive);
	assert_true(p->ttl_security);
	assert_false(p->shutdown);
	assert_int_equal(p->local_addr.ss_family, 0);
	assert_timers(p, CFG_DEFAULT_HOLD, CFG_DEFAULT_KEEPALIVE, CFG_DEFAULT_CONNECT_RETRY);
	assert_false(config_is_confed_member(c, 65001));
	/* route-selection defaults (YANG): 64-way ECMP, relax on, MED per AS. */
	assert_int_equal(c->selection.max_paths, 64);
	assert_true(c->selection.multipath_relax);
	assert_false(c->selection.always_compare_med);
	assert_false(c->selection.count_confed);
	assert_int_equal(c->selection.max_aspath_len, 64);
	assert_int_equal(c->selection.eor_wait, 120);
	/* graceful-restart defaults (YANG): helper on, FRR's stalepath-time. */
	assert_int_equal(c->gr_restart_time, CFG_DEFAULT_GR_RESTART);
	assert_true(p->gr.helper);
	assert_int_equal(p->gr.stale_time, CFG_DEFAULT_GR_STALE);
	config_free(c);
}

static void test_pod_confed_globals(void **state)
{
	struct bgp_config *c = load("pod-confed.json");
	assert_int_equal(ntohl(c->router_id.s_addr), 0x0aff000b);
	assert_int_equal(c->local_as, 65301);
	assert_int_equal(c->confed_id, 65101);
	assert_int_equal(c->nconfed_members, 3);
	assert_int_equal(c->confed_members[0], 65302);
	assert_int_equal(c->confed_members[2], 65402);
	assert_true(config_is_confed_member(c, 65301));
	assert_true(config_is_confed_member(c, 65401));
	assert_false(config_is_confed_member(c, 65101));
	assert_false(config_is_confed_member(c, 65001));
	assert_string_equal(c->ctl_socket, "/run/closbgp/fsw1.sock");
	assert_int_equal(c->nlisten, 2);
	assert_v4(&c->listen[0].addr, "0.0.0.0", 179);
	assert_v6(&c->listen[1].addr, "::", 1179);
	assert_string_equal(c->source, CONFIG_TEST_DIR "/good/pod-confed.json");
	config_free(c);
}

static void test_pod_confed_peers(void **state)
{
	struct bgp_config *c = load("pod-confed.json");
	assert_int_equal(c->npeers, 5);

	/* Group ssw: remote-as, both families, timers 15/5; retry global 2. */
	const struct cfg_peer *p = peer(c, "10.1.0.1");
	assert_int_equal(p->remote_as, 65001);
	assert_string_equal(p->group, "ssw");
	assert_string_equal(p->description, "spine plane 1");
	assert_true(p->ipv4_unicast && p->ipv6_unicast);
	assert_timers(p, 15, 5, 2);
	assert_true(p->ttl_security);

	/* Link-local through lo: scope resolved; neighbor keepalive wins. */
	p = peer(c, "fe80::1");
	assert_v6(&p->addr, "fe80::1", 179);
	assert_string_equal(p->interface, "lo");
	assert_int_equal(((const struct sockaddr_in6 *)&p->addr)->sin6_scope_id,
			 if_nametoindex("lo"));
	assert_string_equal(p->description, "ssw2 over link-local");
	assert_timers(p, 15, 4, 2);

	/* Group rsw: passive/no GTSM, but the neighbor turns passive off. */
	p = peer(c, "10.2.0.1");
	assert_int_equal(p->remote_as, 65401);
	assert_false(p->passive);
	assert_false(p->ttl_security);
	assert_true(p->ipv4_unicast);
	assert_false(p->ipv6_unicast);
	assert_timers(p, 9, 3, 2);

	p = peer(c, "2001:db8::2");
	assert_v6(&p->addr, "2001:db8::2", 1179);
	assert_v6(&p->local_addr, "2001:db8::1", 0);
	assert_true(p->shutdown);
	assert_false(p->ipv4_unicast);
	assert_true(p->ipv6_unicast);
	assert_string_equal(p->group, "");

	/* Zone in the address gives the interface; unknown one: scope 0. */
	p = peer(c, "fe80::2%eth7");
	assert_string_equal(p->interface, "eth7");
	assert_true(p->passive);
	assert_int_equal(((const struct sockaddr_in6 *)&p->addr)->sin6_scope_id,
			 if_nametoindex("eth7"));
	config_free(c);
}

static void test_pod_confed_networks(void **state)
{
	struct bgp_config *c = load("pod-confed.json");
	assert_int_equal(c->nnetworks, 3);
	const struct cfg_network *n = &c->networks[0];
	assert_int_equal(n->prefix.family, AF_INET);
	assert_int_equal(n->prefix.len, 16);
	assert_memory_equal(n->prefix.addr, "\x0a\x01\x00\x00", 4);
	assert_int_equal(n->ncommunities, 2);
	assert_int_equal(n->communities[0], (65101u << 16) | 100);
	assert_int_equal(n->communities[1], 0xFFFFFF01u);
	assert_int_equal(n->nlarge, 2);
	assert_int_equal(n->large[0].global, 65101);
	assert_int_equal(n->large[0].local1, 1);
	assert_int_equal(n->large[0].local2, 2);
	assert_int_equal(n->large[1].global, 4294967295u);
	assert_int_equal(n->large[1].local2, 7);

	n = &c->networks[1];
	assert_int_equal(n->prefix.family, AF_INET6);
	assert_int_equal(n->prefix.len, 48);
	assert_memory_equal(n->prefix.addr, "\x20\x01\x0d\xb8\x01\x00\x00\x00", 8);
	assert_int_equal(n->ncommunities, 4);
	assert_int_equal(n->communities[0], 0xFFFFFF02u);
	assert_int_equal(n->communities[1], 0xFFFFFF03u);
	assert_int_equal(n->communities[2], 65535);
	assert_int_equal(n->communities[3], 0xFFFFFF04u);
	assert_int_equal(n->nlarge, 0);
	assert_int_equal(c->networks[2].ncommunities, 0);
	config_free(c);
}

static void test_fsw(void **state)
{
	struct bgp_config *c = load("fsw.json");
	/* route-selection: set values, and the YANG default of the one not set */
	assert_int_equal(c->selection.max_paths, 24);
	assert_true(c->selection.always_compare_med);
	assert_true(c->selection.count_confed);
	assert_true(c->selection.multipath_relax);
	assert_int_equal(c->selection.max_aspath_len, 16);
	assert_int_equal(c->selection.eor_wait, 30);
	assert_int_equal(c->npeers, 4);
	assert_int_equal(c->local_as, 65301);
	assert_int_equal(c->confed_id, 65101);
	const struct cfg_peer *p = peer(c, "10.0.1.2");
	assert_int_equal(p->remote_as, 65001);
	assert_timers(p, 30, 10, 5);
	p = peer(c, "10.1.1.3");
	assert_int_equal(p->remote_as, 65402);
	assert_true(p->ipv4_unicast && p->ipv6_unicast);
	assert_true(config_is_confed_member(c, p->remote_as));
	assert_int_equal(c->networks[0].communities[0], (65101u << 16) | 2);
	/* aggregates: minimum, contributor route type, their route type */
	assert_int_equal(c->naggregates, 2);
	assert_int_equal(c->aggregates[0].min, 2);
	assert_true(c->aggregates[0].need_community);
	assert_int_equal(c->aggregates[0].community, (65520u << 16) | 101);
	assert_int_equal(c->aggregates[0].net.ncommunities, 1);
	assert_int_equal(c->aggregates[0].net.communities[0], (65520u << 16) | 102);
	assert_int_equal(c->aggregates[1].min, 0); /* the YANG default */
	assert_false(c->aggregates[1].need_community);
	assert_int_equal(c->aggregates[1].net.prefix.family, AF_INET6);
	config_free(c);
}

/* graceful-restart: the global settings, a peer-group's, a neighbor's own. */
static void test_graceful_restart(void **state)
{
	struct bgp_config *c = load("graceful-restart.json");
	assert_int_equal(c->gr_restart_time, 90);
	assert_true(c->gr.helper);
	assert_int_equal(c->gr.stale_time, 300);
	assert_int_equal(c->selection.eor_wait, 60);
	const struct cfg_peer *p = peer(c, "10.0.2.0"); /* the group's helper off */
	assert_false(p->gr.helper);
	assert_int_equal(p->gr.stale_time, 300);
	p = peer(c, "10.0.2.2"); /* its own helper on wins */
	assert_true(p->gr.helper);
	assert_int_equal(p->gr.stale_time, 300);
	p = peer(c, "10.1.2.1"); /* the group's stale-time */
	assert_true(p->gr.helper);
	assert_int_equal(p->gr.stale_time, 600);
	p = peer(c, "10.1.2.3"); /* its own */
	assert_int_equal(p->gr.stale_time, 120);
	p = peer(c, "10.2.2.1"); /* no group: the global ones */
	assert_true(p->gr.helper);
	assert_int_equal(p->gr.stale_time, 300);
	/* Helper settings change nothing on the wire: no session reset. */
	struct cfg_peer q = *p;
	q.gr.helper = false;
	q.gr.stale_time = 30;
	assert_false(config_peer_needs_reset(p, &q));
	config_free(c);
}

/* password (TCP-MD5) and tcp-ao: one setting, the neighbor's own replacing
 * its group's whichever each is; a new key resets the session. */
static void test_tcp_auth(void **state)
{
	struct bgp_config *c = load("tcp-auth.json");
	const struct cfg_peer *p = peer(c, "10.0.1.0"); /* the group's password */
	assert_int_equal(p->auth.kind, CFG_AUTH_MD5);
	assert_string_equal(p->auth.key, "group secret");
	p = peer(c, "10.0.1.2"); /* its own */
	assert_int_equal(p->auth.kind, CFG_AUTH_MD5);
	assert_string_equal(p->auth.key, "its own");
	p = peer(c, "10.0.1.4"); /* its own tcp-ao instead of the group's password */
	assert_int_equal(p->auth.kind, CFG_AUTH_AO);
	assert_string_equal(p->auth.key, "ao key");
	assert_int_equal(p->auth.send_id, 1);
	assert_int_equal(p->auth.recv_id, 2);
	assert_int_equal(p->auth.alg, CFG_AO_HMAC_SHA1_96); /* the default */
	p = peer(c, "10.1.1.1"); /* the group's tcp-ao */
	assert_int_equal(p->auth.kind, CFG_AUTH_AO);
	assert_string_equal(p->auth.key, "rack key");
	assert_int_equal(p->auth.send_id, 5);
	assert_int_equal(p->auth.recv_id, 6);
	assert_int_equal(p->auth.alg, CFG_AO_AES128_CMAC_96);
	assert_int_equal(p->auth.naccept, 1); /* and its accept-key */
	assert_int_equal(p->auth.accept[0].send_id, 7);
	assert_int_equal(p->auth.accept[0].recv_id, 8);
	assert_string_equal(p->auth.accept[0].key, "next rack key");
	assert_int_equal(p->auth.accept[0].alg, CFG_AO_HMAC_SHA1_96); /* its own default */
	assert_int_equal(peer(c, "10.0.1.4")->auth.naccept, 0);
	p = peer(c, "10.1.1.3"); /* its own password instead of the group's tcp-ao */
	assert_int_equal(p->auth.kind, CFG_AUTH_MD5);
	assert_string_equal(p->auth.key, "md5 instead");
	p = peer(c, "fd00::1");
	assert_int_equal(p->auth.kind, CFG_AUTH_NONE);

	/* A change of key, kind, or an MKT's key, algorithm or ID pairing
	 * resets the session. */
	struct cfg_peer a = *peer(c, "10.1.1.1"), b = a;
	assert_false(config_peer_needs_reset(&a, &b));
	assert_false(config_auth_differs(&a.auth, &b.auth));
	b.auth.recv_id++;
	assert_true(config_peer_needs_reset(&a, &b));
	b = a;
	b.auth.alg = CFG_AO_HMAC_SHA1_96;
	assert_true(config_peer_needs_reset(&a, &b));
	b = a;
	snprintf(b.auth.accept[0].key, sizeof(b.auth.accept[0].key), "another");
	assert_true(config_peer_needs_reset(&a, &b));
	b = a;
	b.auth.kind = CFG_AUTH_MD5;
	assert_true(config_peer_needs_reset(&a, &b));
	a = *peer(c, "10.0.1.0");
	b = a;
	snprintf(b.auth.key, sizeof(b.auth.key), "new secret");
	assert_true(config_peer_needs_reset(&a, &b));
	b.auth.kind = CFG_AUTH_NONE;
	b.auth.key[0] = '\0';
	assert_true(config_peer_needs_reset(&a, &b));
	config_free(c);
}

/* TCP-AO MKTs added, removed or swapped with the one in use: a change
 * (config_auth_differs) made on the running session, no reset. */
static void test_tcp_ao_rekeyable(void **state)
{
	struct bgp_config *c = load("tcp-auth.json");
	struct cfg_peer a = *peer(c, "10.1.1.1"), b = a;
	struct cfg_ao_mkt k[CFG_AO_MKT_MAX];

	(void)state;
	assert_int_equal(config_ao_mkts(&a.auth, k), 2);
	assert_int_equal(k[0].send_id, 5); /* the one in use first */
	assert_string_equal(k[0].key, "rack key");
	assert_int_equal(k[1].send_id, 7);
	assert_int_equal(config_ao_mkts(&peer(c, "10.0.1.0")->auth, k), 0); /* MD5 */

	b.auth.naccept = 0; /* the accept-key removed */
	assert_true(config_auth_differs(&a.auth, &b.auth));
	assert_true(config_ao_rekeyable(&a.auth, &b.auth));
	assert_false(config_peer_needs_reset(&a, &b));
	assert_false(config_peer_needs_reset(&b, &a)); /* and added */

	/* the accept-key made the one in use, the old one kept to accept */
	b = a;
	b.auth.send_id = 7;
	b.auth.recv_id = 8;
	b.auth.alg = CFG_AO_HMAC_SHA1_96;
	snprintf(b.auth.key, sizeof(b.auth.key), "next rack key");
	b.auth.accept[0] = (struct cfg_ao_mkt){ .send_id = 5, .recv_id = 6,
						.alg = CFG_AO_AES128_CMAC_96 };
	snprintf(b.auth.accept[0].key, sizeof(b.auth.accept[0].key), "rack key");
	assert_true(config_auth_differs(&a.auth, &b.auth));
	assert_false(config_peer_needs_reset(&a, &b));

	/* a KeyID both have, paired with another ID: reset */
	b.auth.accept[0].recv_id = 9;
	assert_false(config_ao_rekeyable(&a.auth, &b.auth));
	assert_true(config_peer_needs_reset(&a, &b));
	/* to or from TCP-MD5 or none: reset */
	assert_false(config_ao_rekeyable(&a.auth, &peer(c, "10.0.1.0")->auth));
	assert_false(config_ao_rekeyable(&peer(c, "fd00::1")->auth, &a.auth));
	config_free(c);
}

/* accept-key: its own IDs, unique RecvIDs, at most three. */
static void test_tcp_ao_accept_key_errors(void **state)
{
	char err[1024];
	const char *head = "{\"closbgp-device:bgp\":{\"router-id\":\"192.0.2.1\",\"local-as\":65001,"
			   "\"neighbor\":[{\"address\":\"192.0.2.2\",\"remote-as\":65002,"
			   "\"tcp-ao\":{\"send-id\":1,\"recv-id\":2,\"key\":\"k\",\"accept-key\":[";
	struct {
		const char *keys, *want;
	} bad[] = {
		{ "{\"send-id\":1,\"recv-id\":9,\"key\":\"x\"}",
		  "an accept-key needs its own send-id and recv-id, not the tcp-ao's" },
		{ "{\"send-id\":3,\"recv-id\":2,\"key\":\"x\"}",
		  "an accept-key needs its own send-id and recv-id, not the tcp-ao's" },
		{ "{\"send-id\":3,\"recv-id\":4,\"key\":\"x\"},{\"send-id\":5,\"recv-id\":4,"
		  "\"key\":\"y\"}",
		  "recv-id" },
		{ "{\"send-id\":3,\"recv-id\":4,\"key\":\"x\"},{\"send-id\":5,\"recv-id\":6,"
		  "\"key\":\"x\"},{\"send-id\":7,\"recv-id\":8,\"key\":\"x\"},"
		  "{\"send-id\":9,\"recv-id\":10,\"key\":\"x\"}",
		  "accept-key" },
		{ "{\"send-id\":3,\"recv-id\":4}", "/tcp-ao/accept-key/key: Mandatory node \"key\"" },
	};
	char json[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "%s%s]}}]}}", head, bad[i].keys);
		assert_null(config_parse(json, "a.json", err, sizeof(err)));
		if (!strstr(err, bad[i].want))
			fail_msg("case %zu: %s", i, err);
		assert_non_null(strstr(err, "a.json: "));
	}
	snprintf(json, sizeof(json), "%s%s]}}]}}", head,
		 "{\"send-id\":3,\"recv-id\":4,\"key\":\"x\"}");
	struct bgp_config *c = config_parse(json, "ok.json", err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	config_free(c);
}

/* Keys: at most 80 bytes (YANG counts characters); both on a peer-group. */
static void test_tcp_auth_errors(void **state)
{
	char json[1024], err[1024], key[128];
	/* 41 two-byte characters: 82 bytes */
	key[0] = '\0';
	for (int i = 0; i < 41; i++)
		strcat(key, "\xc3\xa9");
	snprintf(json, sizeof(json),
		 "{\"closbgp-device:bgp\":{\"router-id\":\"192.0.2.1\",\"local-as\":65001,"
		 "\"neighbor\":[{\"address\":\"192.0.2.2\",\"remote-as\":65002,"
		 "\"password\":\"%s\"}]}}",
		 key);
	assert_null(config_parse(json, "k.json", err, sizeof(err)));
	assert_non_null(strstr(err, "k.json: /closbgp-device:bgp/neighbor[address='192.0.2.2']"
				    "/password: key too long: 82 bytes, at most 80"));
	snprintf(json, sizeof(json),
		 "{\"closbgp-device:bgp\":{\"router-id\":\"192.0.2.1\",\"local-as\":65001,"
		 "\"peer-group\":[{\"name\":\"g\",\"tcp-ao\":{\"send-id\":1,\"recv-id\":1,"
		 "\"key\":\"%s\"}}]}}",
		 key);
	assert_null(config_parse(json, "g.json", err, sizeof(err)));
	assert_non_null(strstr(err, "g.json: /closbgp-device:bgp/peer-group[name='g']/tcp-ao/key: "
				    "key too long"));
	assert_null(config_parse("{\"closbgp-device:bgp\":{\"router-id\":\"192.0.2.1\","
				 "\"local-as\":65001,\"peer-group\":[{\"name\":\"g\","
				 "\"password\":\"x\",\"tcp-ao\":{\"send-id\":1,\"recv-id\":1,"
				 "\"key\":\"y\"}}]}}",
				 "b.json", err, sizeof(err)));
	assert_non_null(strstr(err, "b.json: /closbgp-device:bgp/peer-group[name='g']/tcp-ao: "
				    "password (TCP-MD5) and tcp-ao exclude each other"));
	/* tcp-ao needs its IDs and key */
	assert_null(config_parse("{\"closbgp-device:bgp\":{\"router-id\":\"192.0.2.1\","
				 "\"local-as\":65001,\"neighbor\":[{\"address\":\"192.0.2.2\","
				 "\"remote-as\":65002,\"tcp-ao\":{\"key\":\"y\"}}]}}",
				 "m.json", err, sizeof(err)));
	assert_non_null(strstr(err, "/tcp-ao/send-id"));
}

/* Calls fn(dir, file name) for every *.json in CONFIG_TEST_DIR/sub. */
static int each_json(const char *sub, void (*fn)(const char *, const char *))
{
	char dir[512];
	int n = 0;
	snprintf(dir, sizeof(dir), "%s/%s", CONFIG_TEST_DIR, sub);
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			fn(dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

static void check_good(const char *dir, const char *name)
{
	char path[1024], err[2048];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct bgp_config *c = config_load(path, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_true(c->npeers > 0);
	config_free(c);
}

static void check_bad(const char *dir, const char *name)
{
	char path[1024], errpath[1024], want[1024], err[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(strlen(path) - 5), path);
	FILE *f = fopen(errpath, "r");
	if (!f)
		fail_msg("%s has no .err sibling", path);
	if (!fgets(want, sizeof(want), f))
		want[0] = '\0';
	fclose(f);
	want[strcspn(want, "\n")] = '\0';
	assert_true(want[0] != '\0');

	struct bgp_config *c = config_load(path, err, sizeof(err));
	if (c)
		fail_msg("%s: accepted", path);
	if (strncmp(err, path, strlen(path)) != 0 || strncmp(err + strlen(path), ": /", 3) != 0)
		fail_msg("%s: message does not start with 'FILE: /': %s", path, err);
	if (!strstr(err, want))
		fail_msg("%s:\n  got:  %s\n  want: %s", path, err, want);
}

/* bmp: collectors with their defaults (port 1790, both views, no
 * statistics, backoff 1..60 s) and their own values. */
static void test_bmp(void **state)
{
	struct bgp_config *c = load("bmp.json");
	const struct sockaddr_in *a;
	const struct sockaddr_in6 *a6;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(c->nbmp, 2);
	assert_string_equal(c->bmp[0].name, "pmacct");
	a = (const struct sockaddr_in *)&c->bmp[0].addr;
	assert_int_equal(a->sin_family, AF_INET);
	assert_string_equal(inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf)), "192.0.2.50");
	assert_int_equal(ntohs(a->sin_port), 1790);
	assert_true(c->bmp[0].pre_policy && c->bmp[0].post_policy);
	assert_int_equal(c->bmp[0].stats_interval, 30);
	assert_int_equal(c->bmp[0].backoff_initial, 1);
	assert_int_equal(c->bmp[0].backoff_max, 60);
	a6 = (const struct sockaddr_in6 *)&c->bmp[1].addr;
	assert_int_equal(a6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(a6->sin6_port), 11019);
	assert_false(c->bmp[1].pre_policy);
	assert_true(c->bmp[1].post_policy);
	assert_int_equal(c->bmp[1].stats_interval, 0);
	assert_int_equal(c->bmp[1].backoff_initial, 2);
	assert_int_equal(c->bmp[1].backoff_max, 120);
	config_free(c);
	c = load("minimal.json");
	assert_int_equal(c->nbmp, 0);
	assert_null(c->bmp);
	config_free(c);
}

static void test_all_good(void **state)
{
	assert_true(each_json("good", check_good) >= 3);
}

static void test_all_bad(void **state)
{
	assert_true(each_json("bad", check_bad) >= 10);
}

static const char *const small =
	"{\"closbgp-device:bgp\":{\"router-id\":\"192.0.2.1\",\"local-as\":65001,"
	"\"neighbor\":[{\"address\":\"192.0.2.2\",\"remote-as\":65002},"
	"{\"address\":\"fe80::9\",\"interface\":\"lo\",\"remote-as\":65003},"
	"{\"address\":\"fe80::9%nosuch0\",\"remote-as\":65004}]}}";

static void test_find_peer(void **state)
{
	char err[512];
	struct bgp_config *c = config_parse(small, "mem", err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(40000) };
	inet_pton(AF_INET, "192.0.2.2", &s4.sin_addr);
	const struct cfg_peer *p = config_find_peer(c, (struct sockaddr *)&s4);
	assert_non_null(p);
	assert_int_equal(p->remote_as, 65002); /* port ignored */
	inet_pton(AF_INET, "192.0.2.3", &s4.sin_addr);
	assert_null(config_find_peer(c, (struct sockaddr *)&s4));

	/* Link-local: the scope picks the peer; scope 0 on one side matches. */
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "fe80::9", &s6.sin6_addr);
	s6.sin6_scope_id = if_nametoindex("lo");
	p = config_find_peer(c, (struct sockaddr *)&s6);
	assert_non_null(p);
	assert_int_equal(p->remote_as, 65003);
	s6.sin6_scope_id = 9999; /* no exact match: the unresolved one */
	p = config_find_peer(c, (struct sockaddr *)&s6);
	assert_non_null(p);
	assert_int_equal(p->remote_as, 65004);
	inet_pton(AF_INET6, "fe80::8", &s6.sin6_addr);
	assert_null(config_find_peer(c, (struct sockaddr *)&s6));
	config_free(c);
}

static void test_needs_reset(void **state)
{
	char err[512];
	struct bgp_config *c = config_parse(small, "mem", err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	struct cfg_peer a = c->peers[0], b = a;
	assert_false(config_peer_needs_reset(&a, &b));
	snprintf(b.description, sizeof(b.description), "new text");
	b.timers.connect_retry = 60;
	assert_false(config_peer_needs_reset(&a, &b));
	b = a;
	b.remote_as++;
	assert_true(config_peer_needs_reset(&a, &b));
	b = a;
	b.timers.hold_time = 90;
	assert_true(config_peer_needs_reset(&a, &b));
	b = a;
	b.shutdown = true;
	assert_true(config_peer_needs_reset(&a, &b));
	b = a;
	b.ipv6_unicast = true;
	assert_true(config_peer_needs_reset(&a, &b));
	b = a;
	((struct sockaddr_in *)&b.addr)->sin_port = htons(1179);
	assert_true(config_peer_needs_reset(&a, &b));
	assert_true(config_peer_needs_reset(&c->peers[1], &c->peers[2]));
	config_free(c);
}

static void test_errors_misc(void **state)
{
	char err[64];
	assert_null(config_load("/nonexistent/x.json", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/x.json: /: cannot open: No such file or directory");
	/* Truncated to errlen, still NUL-terminated; NULL buffer is fine. */
	char tiny[16];
	assert_null(config_parse("{}", "a-long-file-name.json", tiny, sizeof(tiny)));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_null(config_parse("[", "x", NULL, 0));
	/* Empty object: the module's mandatory leaves are reported. */
	char big[1024];
	assert_null(config_parse("{\"closbgp-device:bgp\":{}}", "e.json", big, sizeof(big)));
	assert_non_null(strstr(big, "e.json: /closbgp-device:bgp/"));
	assert_non_null(strstr(big, "Mandatory node"));
	config_free(NULL);
}

/* control/: socket group and mode, admin group (docs/security.md). */
static void test_control_access(void **state)
{
	char err[1024];
	struct bgp_config *c = config_parse(
		"{\"closbgp-device:bgp\":{\"router-id\":\"10.0.0.1\",\"local-as\":65001,"
		"\"control\":{\"socket-group\":\"closbgp\",\"socket-mode\":\"0660\","
		"\"admin-group\":\"netadmin\"}}}", "ctl.json", err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_string_equal(c->ctl_group, "closbgp");
	assert_string_equal(c->ctl_admin_group, "netadmin");
	assert_int_equal(c->ctl_mode, 0660);
	config_free(c);
	/* Defaults: no group, 0600. */
	c = config_parse("{\"closbgp-device:bgp\":{\"router-id\":\"10.0.0.1\",\"local-as\":1}}",
			 "d.json", err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_string_equal(c->ctl_group, "");
	assert_string_equal(c->ctl_admin_group, "");
	assert_int_equal(c->ctl_mode, 0600);
	config_free(c);
	/* Others get nothing: socket-group is the way; not octal: YANG. */
	assert_null(config_parse("{\"closbgp-device:bgp\":{\"router-id\":\"10.0.0.1\","
				 "\"local-as\":1,\"control\":{\"socket-mode\":\"0666\"}}}",
				 "o.json", err, sizeof(err)));
	assert_non_null(strstr(err, "/control/socket-mode"));
	assert_non_null(strstr(err, "use socket-group"));
	assert_null(config_parse("{\"closbgp-device:bgp\":{\"router-id\":\"10.0.0.1\","
				 "\"local-as\":1,\"control\":{\"socket-mode\":\"rw\"}}}",
				 "r.json", err, sizeof(err)));
	assert_null(config_parse("{\"closbgp-device:bgp\":{\"router-id\":\"10.0.0.1\","
				 "\"local-as\":1,\"control\":{\"admin-group\":\"a b\"}}}",
				 "g.json", err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_pod_confed_globals),
		cmocka_unit_test(test_pod_confed_peers),
		cmocka_unit_test(test_pod_confed_networks),
		cmocka_unit_test(test_fsw),
		cmocka_unit_test(test_graceful_restart),
		cmocka_unit_test(test_tcp_auth),
		cmocka_unit_test(test_tcp_auth_errors),
		cmocka_unit_test(test_tcp_ao_rekeyable),
		cmocka_unit_test(test_tcp_ao_accept_key_errors),
		cmocka_unit_test(test_bmp),
		cmocka_unit_test(test_all_good),
		cmocka_unit_test(test_all_bad),
		cmocka_unit_test(test_find_peer),
		cmocka_unit_test(test_needs_reset),
		cmocka_unit_test(test_errors_misc),
		cmocka_unit_test(test_control_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
