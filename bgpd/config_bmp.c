/* The bmp container of the device configuration: BMP stations (RFC 7854)
 * closbgpd exports to (bgpd/bmp.c). YANG has checked types and ranges;
 * what it cannot say (max-backoff below initial-backoff) is checked here. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/config_int.h"

static bool cfg_bmp_addr(const char *s, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (s && inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return true;
	}
	if (s && inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return true;
	}
	return false;
}

static bool cfg_bmp_flag(const struct lyd_node *parent, const char *name, bool dflt)
{
	const struct lyd_node *n = cfg_child(parent, name);

	return n ? cfg_bool(n) : dflt;
}

static uint16_t cfg_bmp_u16(const struct lyd_node *parent, const char *name, uint16_t dflt)
{
	const struct lyd_node *n = cfg_child(parent, name);

	return n ? cfg_u16(n) : dflt;
}

static void cfg_bmp_one(struct cfg_err *e, const struct lyd_node *n, struct cfg_bmp *b)
{
	const struct lyd_node *rm = cfg_child(n, "route-monitoring");
	char path[600];

	cfg_path(n, path, sizeof(path));
	snprintf(b->name, sizeof(b->name), "%s", cfg_str(n, "name") ? cfg_str(n, "name") : "");
	if (!cfg_bmp_addr(cfg_str(n, "address"), cfg_bmp_u16(n, "port", CFG_DEFAULT_BMP_PORT),
			  &b->addr))
		cfg_error(e, path, "/address", "not a usable address");
	b->pre_policy = cfg_bmp_flag(rm, "pre-policy", true);
	b->post_policy = cfg_bmp_flag(rm, "post-policy", true);
	b->stats_interval = cfg_bmp_u16(n, "statistics-interval", 0);
	b->backoff_initial = cfg_bmp_u16(n, "initial-backoff", 1);
	b->backoff_max = cfg_bmp_u16(n, "max-backoff", 60);
	if (b->backoff_max < b->backoff_initial)
		cfg_error(e, path, "/max-backoff", "max-backoff %u is below initial-backoff %u",
			  b->backoff_max, b->backoff_initial);
}

int cfg_bmp_build(struct cfg_err *e, const struct lyd_node *bgp, struct bgp_config *c)
{
	const struct lyd_node *bmp = cfg_child(bgp, "bmp"), *n;
	size_t count = 0;

	c->bmp = NULL;
	c->nbmp = 0;
	if (!bmp)
		return 0;
	LY_LIST_FOR(lyd_child(bmp), n) count += cfg_is(n, "collector");
	if (!count)
		return 0;
	if (!(c->bmp = calloc(count, sizeof(*c->bmp))))
		return -1;
	LY_LIST_FOR(lyd_child(bmp), n) {
		if (cfg_is(n, "collector"))
			cfg_bmp_one(e, n, &c->bmp[c->nbmp++]);
	}
	return 0;
}
