/* Device configuration loader: RFC 7951 JSON validated by libyang against
 * closbgp-device, semantic checks, then plain structs (bgpd/config.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "bgpd/config_int.h"
#include "bgpd/self.h"

#ifndef YANG_DIR
#define YANG_DIR "topo/yang"
#endif
#ifndef INSTALLED_YANG_DIR
#define INSTALLED_YANG_DIR "/usr/local/share/closbgp/yang"
#endif
#ifndef INSTALLED_CLOSBGPD
#define INSTALLED_CLOSBGPD "/usr/local/sbin/closbgpd"
#endif

#define CFG_MODULE "closbgp-device"

/* RFC 1997 well-known communities, RFC 3765 NO_PEER. */
#define CFG_COMM_NO_EXPORT 0xFFFFFF01u
#define CFG_COMM_NO_ADVERTISE 0xFFFFFF02u
#define CFG_COMM_NO_EXPORT_SUBCONFED 0xFFFFFF03u
#define CFG_COMM_NO_PEER 0xFFFFFF04u

/* Settings a neighbor or a peer-group may give; has_* = explicitly set. */
struct cfg_opts {
	bool has_remote_as, has_passive, has_ttl, has_shutdown, has_desc, has_afi;
	bool has_hold, has_keepalive, has_retry, has_gr_helper, has_gr_stale, has_auth;
	uint32_t remote_as;
	bool passive, ttl_security, shutdown, ipv4, ipv6, gr_helper;
	uint16_t hold, keepalive, retry, gr_stale;
	char desc[128];
	struct cfg_auth auth;		  /* password or tcp-ao (YANG: not both) */
	const struct lyd_node *auth_long; /* a key longer than CFG_AUTH_KEY_MAX bytes */
};

struct cfg_group {
	char name[64];
	struct cfg_opts opts;
	const struct lyd_node *node; /* for its policy chains */
};

/* Everything the builder needs, passed down instead of globals. */
struct cfg_build {
	struct cfg_err *err;
	struct bgp_config *cfg;
	struct cfg_timers global;
	struct cfg_gr gr;	/* global graceful-restart settings */
	struct cfg_group *groups;
	size_t ngroups;
};

/* One line "NAME: PATH[LEAF]: REASON"; path NULL = the whole document. */
void cfg_error(struct cfg_err *e, const char *path, const char *leaf, const char *fmt, ...)
{
	e->count++;
	if (!e->buf || e->len == 0 || e->used + 1 >= e->len)
		return;
	char *p = e->buf + e->used;
	size_t room = e->len - e->used;
	int n = snprintf(p, room, "%s%s: %s%s: ", e->used ? "\n" : "", e->name,
			 path ? path : "/", leaf ? leaf : "");
	if (n > 0 && (size_t)n < room) {
		va_list ap;
		va_start(ap, fmt);
		int m = vsnprintf(p + n, room - n, fmt, ap);
		va_end(ap);
		n = m < 0 ? n : n + m;
	}
	e->used += (n < 0 || (size_t)n >= room) ? room - 1 : (size_t)n;
}

/* ---- libyang plumbing ---- */

static struct ly_ctx *cfg_yang_ctx(const char *dir)
{
	struct ly_ctx *ctx = NULL;
	if (ly_ctx_new(dir, LY_CTX_NO_YANGLIBRARY, &ctx) != LY_SUCCESS)
		return NULL;
	if (!ly_ctx_load_module(ctx, CFG_MODULE, NULL, NULL)) {
		ly_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

/* libyang 2.1 item paths read 'Data location "/a:b/c", line number 5.'
 * (or "Schema location"); keep the quoted path and the line number. */
static void cfg_yang_path(const char *raw, char *path, size_t len, unsigned *line)
{
	const char *q = raw ? strchr(raw, '"') : NULL;
	const char *end = q ? strchr(q + 1, '"') : NULL;
	const char *ln = raw ? strstr(raw, "line number ") : NULL;
	*line = ln ? (unsigned)strtoul(ln + 12, NULL, 10) : 0;
	if (q && end)
		snprintf(path, len, "%.*s", (int)(end - q - 1), q + 1);
	else
		snprintf(path, len, "%s", raw && raw[0] == '/' ? raw : "/");
}

/* Copy libyang's stored errors into the sink as "PATH: REASON (line N)". */
static void cfg_yang_errors(struct ly_ctx *ctx, struct cfg_err *e)
{
	unsigned before = e->count;
	for (const struct ly_err_item *it = ly_err_first(ctx); it; it = it->next) {
		if (it->level != LY_LLERR)
			continue;
		char path[512];
		unsigned line;
		const char *msg = it->msg ? it->msg : "invalid";
		size_t mlen = strlen(msg);
		cfg_yang_path(it->path, path, sizeof(path), &line);
		if (mlen && msg[mlen - 1] == '.')
			mlen--;
		if (line)
			cfg_error(e, path, NULL, "%.*s (line %u)", (int)mlen, msg, line);
		else
			cfg_error(e, path, NULL, "%.*s", (int)mlen, msg);
	}
	if (e->count == before)
		cfg_error(e, NULL, NULL, "invalid configuration");
	ly_err_clean(ctx, NULL);
}

/* ---- typed accessors on the data tree ---- */

const struct lyd_node *cfg_child(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n;
	LY_LIST_FOR(lyd_child(parent), n) {
		if (n->schema && strcmp(n->schema->name, name) == 0)
			return n;
	}
	return NULL;
}

const char *cfg_str(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n = cfg_child(parent, name);
	return n ? lyd_get_value(n) : NULL;
}

uint32_t cfg_u32(const struct lyd_node *n)
{
	return ((const struct lyd_node_term *)n)->value.uint32;
}

uint16_t cfg_u16(const struct lyd_node *n)
{
	return ((const struct lyd_node_term *)n)->value.uint16;
}

bool cfg_bool(const struct lyd_node *n)
{
	return ((const struct lyd_node_term *)n)->value.boolean != 0;
}

bool cfg_is(const struct lyd_node *n, const char *name)
{
	return n->schema && strcmp(n->schema->name, name) == 0;
}

/* Data path of a node, for messages. */
void cfg_path(const struct lyd_node *n, char *out, size_t len)
{
	if (!lyd_path(n, LYD_PATH_STD, out, len))
		snprintf(out, len, "/%s:bgp", CFG_MODULE);
}

/* ---- value parsers ---- */

/* "a.b.c.d" or "x::y" with an optional "%zone"; port in host order. */
static bool cfg_sockaddr(const char *s, uint16_t port, struct sockaddr_storage *ss, char *zone,
			 size_t zonelen)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	snprintf(host, sizeof(host), "%s", s);
	char *pct = strchr(host, '%');
	if (zone && zonelen)
		zone[0] = '\0';
	if (pct) {
		*pct = '\0';
		if (!zone || strlen(pct + 1) >= zonelen)
			return false;
		memcpy(zone, pct + 1, strlen(pct + 1) + 1);
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return true;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return true;
	}
	return false;
}

/* "a.b.c.d/len" or "x::/len"; host bits cleared. Private stand-in for
 * bgp_prefix_parse so this module links alone. */
bool cfg_prefix(const char *s, struct bgp_prefix *p)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(host))
		return false;
	memcpy(host, s, slash - s);
	host[slash - s] = '\0';
	char *end;
	errno = 0;
	unsigned long len = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end)
		return false;
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, host, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, host, p->addr) == 1)
		p->family = AF_INET6;
	else
		return false;
	unsigned max = p->family == AF_INET ? 32 : 128;
	if (len > max)
		return false;
	p->len = (uint8_t)len;
	for (unsigned bit = p->len; bit < max; bit++)
		p->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return true;
}

/* Decimal field of a community, up to max, ended by stop. */
static bool cfg_num(const char **s, uint32_t max, char stop, uint32_t *out)
{
	if (**s < '0' || **s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(*s, &end, 10);
	if (errno || v > max || *end != stop)
		return false;
	*out = (uint32_t)v;
	*s = end + (stop ? 1 : 0);
	return true;
}

/* RFC 1997 "ASN:VALUE" or a well-known name. */
bool cfg_community(const char *s, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t value;
	} wk[] = {
		{ "no-export", CFG_COMM_NO_EXPORT },
		{ "no-advertise", CFG_COMM_NO_ADVERTISE },
		{ "no-export-subconfed", CFG_COMM_NO_EXPORT_SUBCONFED },
		{ "no-peer", CFG_COMM_NO_PEER },
	};
	for (size_t i = 0; i < sizeof(wk) / sizeof(wk[0]); i++) {
		if (strcmp(s, wk[i].name) == 0) {
			*out = wk[i].value;
			return true;
		}
	}
	uint32_t hi, lo;
	if (!cfg_num(&s, 0xFFFF, ':', &hi) || !cfg_num(&s, 0xFFFF, '\0', &lo))
		return false;
	*out = hi << 16 | lo;
	return true;
}

/* RFC 8092 "GLOBAL:LOCAL1:LOCAL2". */
bool cfg_large(const char *s, struct bgp_large_community *out)
{
	return cfg_num(&s, UINT32_MAX, ':', &out->global) &&
	       cfg_num(&s, UINT32_MAX, ':', &out->local1) &&
	       cfg_num(&s, UINT32_MAX, '\0', &out->local2);
}

/* ---- global parts ---- */

static void cfg_build_timers(struct cfg_build *b, const struct lyd_node *bgp)
{
	b->global = (struct cfg_timers){ CFG_DEFAULT_HOLD, CFG_DEFAULT_KEEPALIVE,
					 CFG_DEFAULT_CONNECT_RETRY };
	const struct lyd_node *t = cfg_child(bgp, "timers");
	const struct lyd_node *n;
	if ((n = cfg_child(t, "hold-time")))
		b->global.hold_time = cfg_u16(n);
	if ((n = cfg_child(t, "keepalive")))
		b->global.keepalive = cfg_u16(n);
	if ((n = cfg_child(t, "connect-retry")))
		b->global.connect_retry = cfg_u16(n);
}

/* graceful-restart: the restart time we advertise, and the helper
 * settings every neighbor inherits unless it or its group sets its own. */
static void cfg_build_gr(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *g = cfg_child(bgp, "graceful-restart"), *n;

	b->gr = (struct cfg_gr){ true, CFG_DEFAULT_GR_STALE };
	b->cfg->gr_restart_time = CFG_DEFAULT_GR_RESTART;
	if ((n = cfg_child(g, "helper")))
		b->gr.helper = cfg_bool(n);
	if ((n = cfg_child(g, "stale-time")))
		b->gr.stale_time = cfg_u16(n);
	if ((n = cfg_child(g, "restart-time")))
		b->cfg->gr_restart_time = cfg_u16(n);
	b->cfg->gr = b->gr;
}

static int cfg_build_confed(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *c = cfg_child(bgp, "confederation");
	const struct lyd_node *n, *id = cfg_child(c, "identifier");
	size_t count = 0;
	if (!c)
		return 0;
	b->cfg->confed_id = id ? cfg_u32(id) : 0;
	LY_LIST_FOR(lyd_child(c), n) count += cfg_is(n, "member-as");
	if (count && !(b->cfg->confed_members = calloc(count, sizeof(uint32_t))))
		return -1;
	LY_LIST_FOR(lyd_child(c), n) {
		if (!cfg_is(n, "member-as"))
			continue;
		uint32_t asn = cfg_u32(n);
		if (asn == b->cfg->confed_id) {
			char path[600];
			cfg_path(n, path, sizeof(path));
			cfg_error(b->err, path, NULL,
				  "confederation member-as %u equals the confederation identifier "
				  "(RFC 5065 4: the identifier is not a member AS)",
				  asn);
		}
		b->cfg->confed_members[b->cfg->nconfed_members++] = asn;
	}
	return 0;
}

static int cfg_build_listen(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *n;
	size_t count = 0;
	LY_LIST_FOR(lyd_child(bgp), n) count += cfg_is(n, "listen");
	if (count && !(b->cfg->listen = calloc(count, sizeof(*b->cfg->listen))))
		return -1;
	LY_LIST_FOR(lyd_child(bgp), n) {
		if (!cfg_is(n, "listen"))
			continue;
		const struct lyd_node *port = cfg_child(n, "port");
		struct cfg_listen *l = &b->cfg->listen[b->cfg->nlisten];
		if (!cfg_sockaddr(cfg_str(n, "address"), port ? cfg_u16(port) : BGP_PORT, &l->addr,
				  NULL, 0)) {
			char path[600];
			cfg_path(n, path, sizeof(path));
			cfg_error(b->err, path, "/address", "not a usable address");
			continue;
		}
		b->cfg->nlisten++;
	}
	return 0;
}

/* metrics: the HTTP endpoint's address and port; no address, no endpoint. */
static void cfg_build_metrics(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *m = cfg_child(bgp, "metrics"), *port;
	const char *addr = cfg_str(m, "address");

	memset(&b->cfg->metrics, 0, sizeof(b->cfg->metrics));
	if (!addr)
		return;
	port = cfg_child(m, "port");
	if (!cfg_sockaddr(addr, port ? cfg_u16(port) : CFG_DEFAULT_METRICS_PORT,
			  &b->cfg->metrics.addr, NULL, 0))
		cfg_error(b->err, "/closbgp-device:bgp/metrics", "/address", "not a usable address");
}

/* ---- peer groups and neighbors ---- */

/* The key of password, tcp-ao or an accept-key into dst; YANG counts
 * characters, the kernel bytes (UTF-8), so a long one is remembered for
 * cfg_auth_check. */
static void cfg_auth_key(const struct lyd_node *n, struct cfg_opts *o, char *dst)
{
	const char *v = lyd_get_value(n);

	if (strlen(v) > CFG_AUTH_KEY_MAX && !o->auth_long)
		o->auth_long = n;
	snprintf(dst, CFG_AUTH_KEY_MAX + 1, "%s", v);
}

/* An MKT's IDs, key and algorithm: the tcp-ao container or an accept-key. */
static void cfg_read_mkt(const struct lyd_node *m, struct cfg_opts *o, struct cfg_ao_mkt *k)
{
	const struct lyd_node *n;
	const char *alg = cfg_str(m, "algorithm");

	if ((n = cfg_child(m, "key")))
		cfg_auth_key(n, o, k->key);
	if ((n = cfg_child(m, "send-id")))
		k->send_id = ((const struct lyd_node_term *)n)->value.uint8;
	if ((n = cfg_child(m, "recv-id")))
		k->recv_id = ((const struct lyd_node_term *)n)->value.uint8;
	k->alg = alg && !strcmp(alg, "aes-128-cmac-96") ? CFG_AO_AES128_CMAC_96
						      : CFG_AO_HMAC_SHA1_96;
}

/* password (TCP-MD5, RFC 2385) or tcp-ao (RFC 5925): one setting, so a
 * neighbor's own replaces its group's, whichever each is. */
static void cfg_read_auth(const struct lyd_node *entry, struct cfg_opts *o)
{
	const struct lyd_node *ao = cfg_child(entry, "tcp-ao"), *n;
	struct cfg_ao_mkt main_mkt = { 0 };

	if ((n = cfg_child(entry, "password"))) {
		o->has_auth = true;
		o->auth.kind = CFG_AUTH_MD5;
		cfg_auth_key(n, o, o->auth.key);
	}
	if (!ao)
		return;
	o->has_auth = true;
	o->auth.kind = CFG_AUTH_AO;
	cfg_read_mkt(ao, o, &main_mkt);
	o->auth.send_id = main_mkt.send_id;
	o->auth.recv_id = main_mkt.recv_id;
	o->auth.alg = main_mkt.alg;
	memcpy(o->auth.key, main_mkt.key, sizeof(o->auth.key));
	LY_LIST_FOR(lyd_child(ao), n) {
		if (!cfg_is(n, "accept-key") || o->auth.naccept == CFG_AO_MKT_MAX - 1)
			continue; /* YANG: max-elements */
		cfg_read_mkt(n, o, &o->auth.accept[o->auth.naccept++]);
	}
}

size_t config_ao_mkts(const struct cfg_auth *a, struct cfg_ao_mkt out[CFG_AO_MKT_MAX])
{
	if (a->kind != CFG_AUTH_AO)
		return 0;
	out[0] = (struct cfg_ao_mkt){ .send_id = a->send_id, .recv_id = a->recv_id,
				      .alg = a->alg };
	memcpy(out[0].key, a->key, sizeof(out[0].key));
	for (size_t i = 0; i < a->naccept; i++)
		out[i + 1] = a->accept[i];
	return 1 + (size_t)a->naccept;
}

static bool cfg_mkt_same(const struct cfg_ao_mkt *x, const struct cfg_ao_mkt *y)
{
	return x->send_id == y->send_id && x->recv_id == y->recv_id && x->alg == y->alg &&
	       strcmp(x->key, y->key) == 0;
}

bool config_ao_rekeyable(const struct cfg_auth *a, const struct cfg_auth *b)
{
	struct cfg_ao_mkt ka[CFG_AO_MKT_MAX], kb[CFG_AO_MKT_MAX];
	size_t na = config_ao_mkts(a, ka), nb = config_ao_mkts(b, kb);

	if (!na || !nb)
		return false;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if ((ka[i].send_id == kb[j].send_id || ka[i].recv_id == kb[j].recv_id) &&
			    !cfg_mkt_same(&ka[i], &kb[j]))
				return false;
	return true;
}

/* A key the kernel would not take (TCP_MD5SIG_MAXKEYLEN, TCP_AO_MAXKEYLEN). */
static void cfg_auth_check(struct cfg_build *b, const struct cfg_opts *o)
{
	char path[600];

	if (!o->auth_long)
		return;
	cfg_path(o->auth_long, path, sizeof(path));
	cfg_error(b->err, path, NULL, "key too long: %zu bytes, at most %d (the kernel's limit)",
		  strlen(lyd_get_value(o->auth_long)), CFG_AUTH_KEY_MAX);
}

/* Read the options shared by neighbor and peer-group entries. */
static void cfg_read_opts(const struct lyd_node *entry, struct cfg_opts *o)
{
	const struct lyd_node *n;
	memset(o, 0, sizeof(*o));
	LY_LIST_FOR(lyd_child(entry), n) {
		if (cfg_is(n, "remote-as")) {
			o->has_remote_as = true;
			o->remote_as = cfg_u32(n);
		} else if (cfg_is(n, "passive")) {
			o->has_passive = true;
			o->passive = cfg_bool(n);
		} else if (cfg_is(n, "ttl-security")) {
			o->has_ttl = true;
			o->ttl_security = cfg_bool(n);
		} else if (cfg_is(n, "shutdown")) {
			o->has_shutdown = true;
			o->shutdown = cfg_bool(n);
		} else if (cfg_is(n, "description")) {
			o->has_desc = true;
			snprintf(o->desc, sizeof(o->desc), "%s", lyd_get_value(n));
		} else if (cfg_is(n, "address-family")) {
			const char *v = lyd_get_value(n);
			o->has_afi = true;
			o->ipv4 |= strcmp(v, "ipv4-unicast") == 0;
			o->ipv6 |= strcmp(v, "ipv6-unicast") == 0;
		}
	}
	const struct lyd_node *t = cfg_child(entry, "timers");
	if ((n = cfg_child(t, "hold-time"))) {
		o->has_hold = true;
		o->hold = cfg_u16(n);
	}
	if ((n = cfg_child(t, "keepalive"))) {
		o->has_keepalive = true;
		o->keepalive = cfg_u16(n);
	}
	if ((n = cfg_child(t, "connect-retry"))) {
		o->has_retry = true;
		o->retry = cfg_u16(n);
	}
	const struct lyd_node *g = cfg_child(entry, "graceful-restart");
	if ((n = cfg_child(g, "helper"))) {
		o->has_gr_helper = true;
		o->gr_helper = cfg_bool(n);
	}
	if ((n = cfg_child(g, "stale-time"))) {
		o->has_gr_stale = true;
		o->gr_stale = cfg_u16(n);
	}
	cfg_read_auth(entry, o);
}

/* Overlay the options that o sets onto p. */
static void cfg_apply_opts(struct cfg_peer *p, const struct cfg_opts *o)
{
	if (o->has_remote_as)
		p->remote_as = o->remote_as;
	if (o->has_passive)
		p->passive = o->passive;
	if (o->has_ttl)
		p->ttl_security = o->ttl_security;
	if (o->has_shutdown)
		p->shutdown = o->shutdown;
	if (o->has_desc)
		snprintf(p->description, sizeof(p->description), "%s", o->desc);
	if (o->has_afi) {
		p->ipv4_unicast = o->ipv4;
		p->ipv6_unicast = o->ipv6;
	}
	if (o->has_hold)
		p->timers.hold_time = o->hold;
	if (o->has_keepalive)
		p->timers.keepalive = o->keepalive;
	if (o->has_retry)
		p->timers.connect_retry = o->retry;
	if (o->has_gr_helper)
		p->gr.helper = o->gr_helper;
	if (o->has_gr_stale)
		p->gr.stale_time = o->gr_stale;
	if (o->has_auth)
		p->auth = o->auth;
}

static int cfg_build_groups(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *n;
	size_t count = 0;
	LY_LIST_FOR(lyd_child(bgp), n) count += cfg_is(n, "peer-group");
	if (count && !(b->groups = calloc(count, sizeof(*b->groups))))
		return -1;
	LY_LIST_FOR(lyd_child(bgp), n) {
		if (!cfg_is(n, "peer-group"))
			continue;
		struct cfg_group *g = &b->groups[b->ngroups++];
		snprintf(g->name, sizeof(g->name), "%s", cfg_str(n, "name"));
		cfg_read_opts(n, &g->opts);
		cfg_auth_check(b, &g->opts);
		g->node = n;
	}
	return 0;
}

static const struct cfg_group *cfg_group_find(const struct cfg_build *b, const char *name)
{
	for (size_t i = 0; i < b->ngroups; i++)
		if (strcmp(b->groups[i].name, name) == 0)
			return &b->groups[i];
	return NULL;
}

static bool cfg_is_link_local(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* Same remote endpoint, for duplicate detection (port ignored). */
static bool cfg_same_neighbor(const struct cfg_peer *a, const struct cfg_peer *b)
{
	if (a->addr.ss_family != b->addr.ss_family)
		return false;
	if (a->addr.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->addr)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&b->addr)->sin_addr.s_addr;
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->addr;
	const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->addr;
	if (memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) != 0)
		return false;
	return !cfg_is_link_local(&a->addr) || strcmp(a->interface, b->interface) == 0;
}

/* Addresses, interface and scope of one neighbor. */
static bool cfg_peer_addresses(struct cfg_build *b, const struct lyd_node *n, struct cfg_peer *p,
			       const char *base)
{
	char zone[sizeof(((struct cfg_peer *)0)->interface)];
	const struct lyd_node *port = cfg_child(n, "port");
	const char *ifname = cfg_str(n, "interface");
	if (!cfg_sockaddr(p->name, port ? cfg_u16(port) : BGP_PORT, &p->addr, zone, sizeof(zone))) {
		cfg_error(b->err, base, "/address", "not a usable address");
		return false;
	}
	if (ifname && zone[0] && strcmp(ifname, zone) != 0) {
		cfg_error(b->err, base, "/interface",
			  "interface \"%s\" contradicts the address zone \"%s\"", ifname, zone);
		return false;
	}
	if (ifname)
		snprintf(p->interface, sizeof(p->interface), "%s", ifname);
	else
		memcpy(p->interface, zone, sizeof(p->interface));
	if (cfg_is_link_local(&p->addr)) {
		if (!p->interface[0]) {
			cfg_error(b->err, base, "/interface",
				  "an IPv6 link-local neighbor needs an interface "
				  "(set \"interface\" or write the address as fe80::x%%IFNAME)");
			return false;
		}
		/* Unknown interface: leave 0, the daemon resolves it when it connects. */
		((struct sockaddr_in6 *)&p->addr)->sin6_scope_id = if_nametoindex(p->interface);
	}
	const char *local = cfg_str(n, "local-address");
	if (local) {
		if (!cfg_sockaddr(local, 0, &p->local_addr, NULL, 0)) {
			cfg_error(b->err, base, "/local-address", "not a usable address");
			return false;
		}
		if (p->local_addr.ss_family != p->addr.ss_family) {
			cfg_error(b->err, base, "/local-address",
				  "local-address %s is not of the same family as the neighbor "
				  "address %s",
				  local, p->name);
			return false;
		}
	}
	return true;
}

/* A passive neighbor must be able to reach one of our listen addresses. */
static bool cfg_peer_listen_ok(const struct bgp_config *c, const struct cfg_peer *p)
{
	if (!p->passive || c->nlisten == 0)
		return true;
	for (size_t i = 0; i < c->nlisten; i++)
		if (c->listen[i].addr.ss_family == p->addr.ss_family)
			return true;
	return false;
}

/* Checks on the folded peer (after inheritance). */
static void cfg_peer_check(struct cfg_build *b, const struct cfg_peer *p, const char *base)
{
	if (p->remote_as == 0) {
		cfg_error(b->err, base, "/remote-as",
			  "remote-as is required (set it on the neighbor or on its peer-group)");
	}
	if (p->timers.hold_time != 0 && p->timers.keepalive >= p->timers.hold_time) {
		cfg_error(b->err, base, "/timers",
			  "keepalive must be less than hold-time (unless hold-time is 0): "
			  "in effect keepalive %u, hold-time %u after inheritance",
			  p->timers.keepalive, p->timers.hold_time);
	}
	if (!p->ipv4_unicast && !p->ipv6_unicast) {
		cfg_error(b->err, base, "/address-family", "no address family to negotiate");
	}
	if (!cfg_peer_listen_ok(b->cfg, p)) {
		cfg_error(b->err, base, "/passive",
			  "passive neighbor %s cannot connect: no listen address of its family",
			  p->name);
	}
	for (size_t i = 0; i < b->cfg->npeers; i++) {
		if (cfg_same_neighbor(&b->cfg->peers[i], p)) {
			cfg_error(b->err, base, "/address", "duplicate neighbor: same address as neighbor %s",
				  b->cfg->peers[i].name);
			break;
		}
	}
}

static int cfg_build_neighbor(struct cfg_build *b, const struct lyd_node *n)
{
	char base[600];
	struct cfg_peer p;
	struct cfg_opts own;
	memset(&p, 0, sizeof(p));
	cfg_path(n, base, sizeof(base));
	snprintf(p.name, sizeof(p.name), "%s", cfg_str(n, "address"));
	if (!cfg_peer_addresses(b, n, &p, base))
		return 0;
	/* Defaults, then global timers, then the group, then the neighbor. */
	p.ttl_security = true;
	p.ipv4_unicast = p.addr.ss_family == AF_INET;
	p.ipv6_unicast = p.addr.ss_family == AF_INET6;
	p.timers = b->global;
	p.gr = b->gr;
	const char *group = cfg_str(n, "peer-group");
	const struct cfg_group *g = NULL;
	if (group) {
		g = cfg_group_find(b, group);
		if (!g) {
			cfg_error(b->err, base, "/peer-group", "unknown peer-group \"%s\"", group);
			return 0;
		}
		snprintf(p.group, sizeof(p.group), "%s", group);
		cfg_apply_opts(&p, &g->opts);
	}
	cfg_read_opts(n, &own);
	cfg_apply_opts(&p, &own);
	unsigned before = b->err->count;
	cfg_auth_check(b, &own);
	if (cfg_policy_peer(b->err, b->cfg, n, g ? g->node : NULL, &p, base) < 0)
		return -1;
	cfg_peer_check(b, &p, base);
	if (b->err->count == before)
		b->cfg->peers[b->cfg->npeers++] = p;
	return 0;
}

static int cfg_build_neighbors(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *n;
	size_t count = 0;
	LY_LIST_FOR(lyd_child(bgp), n) count += cfg_is(n, "neighbor");
	if (count && !(b->cfg->peers = calloc(count, sizeof(*b->cfg->peers))))
		return -1;
	LY_LIST_FOR(lyd_child(bgp), n) {
		if (cfg_is(n, "neighbor") && cfg_build_neighbor(b, n) < 0)
			return -1;
	}
	return 0;
}

/* ---- networks ---- */

static int cfg_build_network(struct cfg_build *b, const struct lyd_node *n, struct cfg_network *net)
{
	char path[600];
	const struct lyd_node *c;
	size_t ncomm = 0, nlarge = 0;
	if (!cfg_prefix(cfg_str(n, "prefix"), &net->prefix)) {
		cfg_path(n, path, sizeof(path));
		cfg_error(b->err, path, "/prefix", "not a usable prefix");
		return 0;
	}
	LY_LIST_FOR(lyd_child(n), c) {
		ncomm += cfg_is(c, "community");
		nlarge += cfg_is(c, "large-community");
	}
	if (ncomm && !(net->communities = calloc(ncomm, sizeof(uint32_t))))
		return -1;
	if (nlarge && !(net->large = calloc(nlarge, sizeof(*net->large))))
		return -1;
	LY_LIST_FOR(lyd_child(n), c) {
		const char *v = lyd_get_value(c);
		bool ok = true;
		if (cfg_is(c, "community"))
			ok = cfg_community(v, &net->communities[net->ncommunities++]);
		else if (cfg_is(c, "large-community"))
			ok = cfg_large(v, &net->large[net->nlarge++]);
		if (!ok) {
			cfg_path(c, path, sizeof(path));
			cfg_error(b->err, path, NULL, "bad %s \"%s\": %s", c->schema->name, v,
				  cfg_is(c, "community")
					  ? "want ASN:VALUE, each 0..65535 (RFC 1997)"
					  : "want GLOBAL:LOCAL1:LOCAL2, each 0..4294967295 (RFC 8092)");
		}
	}
	return cfg_policy_network_rtypes(b->err, b->cfg, n, net);
}

static int cfg_build_networks(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *n;
	size_t count = 0;
	LY_LIST_FOR(lyd_child(bgp), n) count += cfg_is(n, "network");
	if (count && !(b->cfg->networks = calloc(count, sizeof(*b->cfg->networks))))
		return -1;
	LY_LIST_FOR(lyd_child(bgp), n) {
		if (cfg_is(n, "network") &&
		    cfg_build_network(b, n, &b->cfg->networks[b->cfg->nnetworks++]) < 0)
			return -1;
	}
	return 0;
}

/* ---- aggregates ---- */

static int cfg_build_aggregate(struct cfg_build *b, const struct lyd_node *n,
			       struct cfg_aggregate *agg)
{
	const struct lyd_node *m = cfg_child(n, "min-more-specifics");
	const struct bgp_config *c = b->cfg;
	char path[600];

	if (cfg_build_network(b, n, &agg->net) < 0)
		return -1;
	agg->min = m ? cfg_u32(m) : 0;
	for (size_t i = 0; i < c->nnetworks; i++)
		if (bgp_prefix_cmp(&c->networks[i].prefix, &agg->net.prefix) == 0) {
			cfg_path(n, path, sizeof(path));
			cfg_error(b->err, path, "/prefix",
				  "also configured as a network: a prefix is either one");
			break;
		}
	return cfg_policy_aggregate_rtype(b->err, c, n, agg);
}

static int cfg_build_aggregates(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *n;
	size_t count = 0;
	LY_LIST_FOR(lyd_child(bgp), n) count += cfg_is(n, "aggregate");
	if (count && !(b->cfg->aggregates = calloc(count, sizeof(*b->cfg->aggregates))))
		return -1;
	LY_LIST_FOR(lyd_child(bgp), n) {
		if (cfg_is(n, "aggregate") &&
		    cfg_build_aggregate(b, n, &b->cfg->aggregates[b->cfg->naggregates++]) < 0)
			return -1;
	}
	return 0;
}

/* ---- route selection ---- */

/* Defaults come from the YANG module (LYD_VALIDATE_PRESENT adds them). */
static void cfg_build_selection(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *rs = cfg_child(bgp, "route-selection"), *n;
	struct cfg_selection *s = &b->cfg->selection;

	s->max_paths = 64;
	s->multipath_relax = true;
	s->always_compare_med = false;
	s->max_aspath_len = 64;
	s->eor_wait = 120;
	if ((n = cfg_child(rs, "multipath-max-paths")))
		s->max_paths = ((const struct lyd_node_term *)n)->value.uint8;
	if ((n = cfg_child(rs, "multipath-relax")))
		s->multipath_relax = cfg_bool(n);
	if ((n = cfg_child(rs, "count-confederation-segments")))
		s->count_confed = cfg_bool(n);
	if ((n = cfg_child(rs, "always-compare-med")))
		s->always_compare_med = cfg_bool(n);
	if ((n = cfg_child(rs, "max-as-path-length")))
		s->max_aspath_len = cfg_u16(n);
	if ((n = cfg_child(rs, "end-of-rib-wait")))
		s->eor_wait = cfg_u16(n);
}

/* device-state: present or not, the drain signal has its defaults. A
 * relative state file is taken from the configuration file's directory. */
static void cfg_build_devstate(struct cfg_build *b, const struct lyd_node *bgp)
{
	const struct lyd_node *ds = cfg_child(bgp, "device-state"), *n;
	struct cfg_devstate *v = &b->cfg->dev;
	const char *s;

	*v = (struct cfg_devstate){ .initial = DEV_LIVE, .drain_time = 5, .prepend = 3,
				    .gshut = true };
	if (!ds)
		return;
	v->configured = true;
	v->initial = DEV_DRAINED;
	if ((s = cfg_str(ds, "initial")))
		v->initial = !strcmp(s, "live") ? DEV_LIVE : !strcmp(s, "warm") ? DEV_WARM
										 : DEV_DRAINED;
	if ((n = cfg_child(ds, "auto-undrain")))
		v->auto_undrain = cfg_bool(n);
	if ((n = cfg_child(ds, "drain-time")))
		v->drain_time = cfg_u16(n);
	if ((n = cfg_child(ds, "as-path-prepend")))
		v->prepend = ((const struct lyd_node_term *)n)->value.uint8;
	if ((n = cfg_child(ds, "local-preference")))
		v->local_pref = cfg_u32(n);
	if ((n = cfg_child(ds, "graceful-shutdown")))
		v->gshut = cfg_bool(n);
	if (!(s = cfg_str(ds, "state-file")))
		return;
	const char *src = b->err->name, *slash = src ? strrchr(src, '/') : NULL;
	int len;
	if (s[0] == '/' || !slash)
		len = snprintf(v->state_file, sizeof(v->state_file), "%s", s);
	else
		len = snprintf(v->state_file, sizeof(v->state_file), "%.*s/%s",
			       (int)(slash - src), src, s);
	if (len < 0 || (size_t)len >= sizeof(v->state_file)) {
		cfg_error(b->err, "/closbgp-device:bgp/device-state", "/state-file",
			  "path too long (at most %zu characters with the directory)",
			  sizeof(v->state_file) - 1);
		v->state_file[0] = '\0';
	}
}

/* ---- the control socket (docs/security.md) ---- */

static void cfg_build_control(struct cfg_build *b, const struct lyd_node *bgp)
{
	struct bgp_config *c = b->cfg;
	const struct lyd_node *ctl = cfg_child(bgp, "control");
	const char *s;

	c->ctl_mode = 0600;
	if ((s = cfg_str(ctl, "socket")))
		snprintf(c->ctl_socket, sizeof(c->ctl_socket), "%s", s);
	if ((s = cfg_str(ctl, "socket-group")))
		snprintf(c->ctl_group, sizeof(c->ctl_group), "%s", s);
	if ((s = cfg_str(ctl, "admin-group")))
		snprintf(c->ctl_admin_group, sizeof(c->ctl_admin_group), "%s", s);
	if ((s = cfg_str(ctl, "socket-mode"))) {
		/* The YANG pattern allows only 3 or 4 octal digits. */
		unsigned long m = strtoul(s, NULL, 8);
		if (m & 0007)
			cfg_error(b->err, "/closbgp-device:bgp/control", "/socket-mode",
				  "%s gives other users access to the control socket: "
				  "use socket-group", s);
		c->ctl_mode = (uint16_t)(m & 0777);
	}
}

/* ---- top level ---- */

static int cfg_build_all(struct cfg_build *b, const struct lyd_node *bgp)
{
	struct bgp_config *c = b->cfg;
	const struct lyd_node *n = cfg_child(bgp, "local-as");
	const char *rid = cfg_str(bgp, "router-id");
	/* Both are mandatory in YANG; checked again rather than trusted. */
	if (!rid || inet_pton(AF_INET, rid, &c->router_id) != 1 || !n) {
		cfg_error(b->err, "/closbgp-device:bgp", NULL, "router-id and local-as are required");
		return 0;
	}
	c->local_as = cfg_u32(n);
	cfg_build_control(b, bgp);
	cfg_build_metrics(b, bgp);
	cfg_build_timers(b, bgp);
	cfg_build_selection(b, bgp);
	cfg_build_gr(b, bgp);
	cfg_build_devstate(b, bgp);
	n = cfg_child(bgp, "fib-acknowledgement");
	c->fib_ack = n ? cfg_bool(n) : true;
	if (cfg_build_confed(b, bgp) < 0 || cfg_build_listen(b, bgp) < 0 ||
	    cfg_bmp_build(b->err, bgp, c) < 0 ||
	    cfg_policy_build(b->err, bgp, c) < 0 || cfg_build_groups(b, bgp) < 0 ||
	    cfg_build_neighbors(b, bgp) < 0 || cfg_build_networks(b, bgp) < 0 ||
	    cfg_build_aggregates(b, bgp) < 0)
		return -1;
	return 0;
}

/* Parse and validate with libyang; *bgp is the bgp container. */
static struct lyd_node *cfg_yang_parse(struct ly_ctx *ctx, const char *json, struct cfg_err *e,
				       const struct lyd_node **bgp)
{
	struct lyd_node *tree = NULL;
	if (lyd_parse_data_mem(ctx, json, LYD_JSON, LYD_PARSE_STRICT, LYD_VALIDATE_PRESENT, &tree) !=
	    LY_SUCCESS) {
		cfg_yang_errors(ctx, e);
		lyd_free_all(tree);
		return NULL;
	}
	LY_LIST_FOR(tree, *bgp) {
		if ((*bgp)->schema && strcmp((*bgp)->schema->name, "bgp") == 0 &&
		    strcmp((*bgp)->schema->module->name, CFG_MODULE) == 0)
			return tree;
	}
	cfg_error(e, NULL, NULL, "no \"%s:bgp\" container", CFG_MODULE);
	lyd_free_all(tree);
	return NULL;
}

/* The installed closbgpd reads the installed modules only: the tree it was
 * built in may be gone, or be anyone's directory by now (a package built in
 * /tmp). Any other binary (build tree, DESTDIR, tests): the source tree's
 * modules first, the installed ones second. */
static struct ly_ctx *cfg_yang_ctx_any(struct cfg_err *e)
{
	bool installed = self_is_installed(INSTALLED_CLOSBGPD);
	struct ly_ctx *ctx = installed ? NULL : cfg_yang_ctx(YANG_DIR);
	if (!ctx)
		ctx = cfg_yang_ctx(INSTALLED_YANG_DIR);
	if (!ctx && installed)
		cfg_error(e, NULL, NULL, "cannot load YANG module %s from %s", CFG_MODULE,
			  INSTALLED_YANG_DIR);
	else if (!ctx)
		cfg_error(e, NULL, NULL, "cannot load YANG module %s from %s or %s", CFG_MODULE, YANG_DIR,
			  INSTALLED_YANG_DIR);
	return ctx;
}

static struct bgp_config *cfg_from_tree(const struct lyd_node *bgp, struct cfg_err *e)
{
	struct bgp_config *cfg = calloc(1, sizeof(*cfg));
	struct cfg_build b = { .err = e, .cfg = cfg };
	if (!cfg || !(cfg->source = strdup(e->name)) || cfg_build_all(&b, bgp) < 0)
		cfg_error(e, NULL, NULL, "out of memory");
	free(b.groups);
	if (e->count) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* One document against a context holding the schema. The context leaves
 * as it came: the data tree freed, libyang's stored errors cleared (before
 * too, so that no earlier parse's error is reported for this one). */
static struct bgp_config *cfg_parse_ctx(struct ly_ctx *ctx, const char *json, struct cfg_err *e)
{
	struct bgp_config *cfg = NULL;
	const struct lyd_node *bgp = NULL;
	ly_err_clean(ctx, NULL);
	struct lyd_node *tree = cfg_yang_parse(ctx, json, e, &bgp);
	if (tree)
		cfg = cfg_from_tree(bgp, e);
	lyd_free_all(tree);
	ly_err_clean(ctx, NULL);
	return cfg;
}

struct bgp_config *config_parse(const char *json, const char *name, char *err, size_t errlen)
{
	struct cfg_err e = { .name = name ? name : "config", .buf = err, .len = errlen };
	if (err && errlen)
		err[0] = '\0';
	/* Store errors instead of printing them. libyang resets its
	 * thread-local options internally, so the process-wide option is set
	 * for the duration of the call and restored (the daemon is single
	 * threaded); the same in config_schema_new and _parse. */
	uint32_t prev_logopts = ly_log_options(LY_LOSTORE);
	struct ly_ctx *ctx = cfg_yang_ctx_any(&e);
	struct bgp_config *cfg = ctx ? cfg_parse_ctx(ctx, json, &e) : NULL;
	ly_ctx_destroy(ctx);
	ly_log_options(prev_logopts);
	return cfg;
}

struct config_schema {
	struct ly_ctx *ctx; /* closbgp-device loaded; never holds data */
};

struct config_schema *config_schema_new(char *err, size_t errlen)
{
	struct cfg_err e = { .name = "config", .buf = err, .len = errlen };
	struct config_schema *s = calloc(1, sizeof(*s));
	if (err && errlen)
		err[0] = '\0';
	if (!s) {
		cfg_error(&e, NULL, NULL, "out of memory");
		return NULL;
	}
	uint32_t prev_logopts = ly_log_options(LY_LOSTORE);
	s->ctx = cfg_yang_ctx_any(&e);
	if (s->ctx)
		ly_err_clean(s->ctx, NULL);
	ly_log_options(prev_logopts);
	if (!s->ctx) {
		free(s);
		return NULL;
	}
	return s;
}

struct bgp_config *config_schema_parse(struct config_schema *s, const char *json, const char *name,
				       char *err, size_t errlen)
{
	struct cfg_err e = { .name = name ? name : "config", .buf = err, .len = errlen };
	if (err && errlen)
		err[0] = '\0';
	uint32_t prev_logopts = ly_log_options(LY_LOSTORE);
	struct bgp_config *cfg = cfg_parse_ctx(s->ctx, json, &e);
	ly_log_options(prev_logopts);
	return cfg;
}

void config_schema_free(struct config_schema *s)
{
	if (!s)
		return;
	ly_ctx_destroy(s->ctx);
	free(s);
}

/* Whole file into memory (configs are small; cap at 16 MiB). */
static char *cfg_read_file(const char *path, struct cfg_err *e)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!f) {
		cfg_error(e, NULL, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = cap < (16u << 20) ? realloc(buf, cap + 65536) : NULL;
			if (!nb) {
				cfg_error(e, NULL, NULL, cap ? "file too large" : "out of memory");
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		cfg_error(e, NULL, NULL, "read error");
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

struct bgp_config *config_load(const char *path, char *err, size_t errlen)
{
	struct cfg_err e = { .name = path, .buf = err, .len = errlen };
	if (err && errlen)
		err[0] = '\0';
	char *json = cfg_read_file(path, &e);
	if (!json)
		return NULL;
	struct bgp_config *c = config_parse(json, path, err, errlen);
	free(json);
	return c;
}

void config_free(struct bgp_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nnetworks; i++) {
		free(c->networks[i].communities);
		free(c->networks[i].large);
	}
	free(c->networks);
	for (size_t i = 0; i < c->naggregates; i++) {
		free(c->aggregates[i].net.communities);
		free(c->aggregates[i].net.large);
	}
	free(c->aggregates);
	free(c->peers);
	free(c->listen);
	free(c->bmp);
	free(c->confed_members);
	free(c->source);
	pol_config_free(c->policy);
	free(c);
}

/* ---- queries ---- */

bool config_is_confed_member(const struct bgp_config *c, uint32_t asn)
{
	if (!c->confed_id)
		return false;
	if (asn == c->local_as)
		return true;
	for (size_t i = 0; i < c->nconfed_members; i++)
		if (c->confed_members[i] == asn)
			return true;
	return false;
}

/* Address equality, port ignored; 1 = exact, 2 = link-local with an
 * unresolved scope on one side, 0 = different. */
static int cfg_addr_match(const struct sockaddr_storage *cfg, const struct sockaddr *sa)
{
	if (cfg->ss_family != sa->sa_family)
		return 0;
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)cfg)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
	if (sa->sa_family != AF_INET6)
		return 0;
	const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)cfg;
	const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)sa;
	if (memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) != 0)
		return 0;
	if (!IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) || a->sin6_scope_id == b->sin6_scope_id)
		return 1;
	return (a->sin6_scope_id == 0 || b->sin6_scope_id == 0) ? 2 : 0;
}

const struct cfg_peer *config_find_peer(const struct bgp_config *c, const struct sockaddr *sa)
{
	const struct cfg_peer *loose = NULL;
	if (!c || !sa)
		return NULL;
	for (size_t i = 0; i < c->npeers; i++) {
		int m = cfg_addr_match(&c->peers[i].addr, sa);
		if (m == 1)
			return &c->peers[i];
		if (m == 2 && !loose)
			loose = &c->peers[i];
	}
	return loose;
}

static bool cfg_sockaddr_differs(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return true;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_addr.s_addr != y->sin_addr.s_addr || x->sin_port != y->sin_port;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) != 0 ||
		       x->sin6_port != y->sin6_port || x->sin6_scope_id != y->sin6_scope_id;
	}
	return false;
}

bool config_auth_differs(const struct cfg_auth *a, const struct cfg_auth *b)
{
	struct cfg_ao_mkt ka[CFG_AO_MKT_MAX], kb[CFG_AO_MKT_MAX];
	size_t na = config_ao_mkts(a, ka), nb = config_ao_mkts(b, kb);

	if (a->kind != b->kind || na != nb)
		return true;
	if (a->kind != CFG_AUTH_AO)
		return strcmp(a->key, b->key) != 0;
	for (size_t i = 0; i < na; i++)
		if (!cfg_mkt_same(&ka[i], &kb[i]))
			return true;
	return false;
}

/* Description, group name and connect-retry change nothing on the wire;
 * a new key does (the session's TCP connection carries the old one),
 * except TCP-AO MKTs added, removed or made current (RFC 5925 7.3). */
bool config_peer_needs_reset(const struct cfg_peer *a, const struct cfg_peer *b)
{
	bool auth = config_auth_differs(&a->auth, &b->auth) &&
		    !config_ao_rekeyable(&a->auth, &b->auth);

	return cfg_sockaddr_differs(&a->addr, &b->addr) || auth ||
	       cfg_sockaddr_differs(&a->local_addr, &b->local_addr) ||
	       a->remote_as != b->remote_as || a->passive != b->passive ||
	       a->ttl_security != b->ttl_security || a->ipv4_unicast != b->ipv4_unicast ||
	       a->ipv6_unicast != b->ipv6_unicast || strcmp(a->interface, b->interface) != 0 ||
	       a->timers.hold_time != b->timers.hold_time ||
	       a->timers.keepalive != b->timers.keepalive || a->shutdown != b->shutdown;
}
