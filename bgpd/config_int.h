/* bgpd/config*.c private: the error sink and the data-tree accessors that
 * config.c (sessions, networks) and config_policy.c (routing policy) share. */
#ifndef CLOS_CONFIG_INT_H
#define CLOS_CONFIG_INT_H

#include <libyang/libyang.h>

#include "bgpd/config.h"

/* Error sink: "NAME: PATH: REASON" lines, '\n'-separated. */
struct cfg_err {
	const char *name;
	char *buf;
	size_t len, used;
	unsigned count;
};

/* One line "NAME: PATH[LEAF]: REASON"; path NULL = the whole document. */
void cfg_error(struct cfg_err *e, const char *path, const char *leaf, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

const struct lyd_node *cfg_child(const struct lyd_node *parent, const char *name);
const char *cfg_str(const struct lyd_node *parent, const char *name);
uint32_t cfg_u32(const struct lyd_node *n);
uint16_t cfg_u16(const struct lyd_node *n);
bool cfg_bool(const struct lyd_node *n);
bool cfg_is(const struct lyd_node *n, const char *name);
void cfg_path(const struct lyd_node *n, char *out, size_t len); /* data path, for messages */

bool cfg_prefix(const char *s, struct bgp_prefix *p);	 /* host bits cleared */
bool cfg_community(const char *s, uint32_t *out);	 /* "ASN:VALUE" or well-known */
bool cfg_large(const char *s, struct bgp_large_community *out);

/* config_policy.c: the routing policy of the device (bgp_config.policy),
 * and each neighbor's chains and max-prefix, from its own entry or else
 * its peer-group's (group may be NULL). -1 when out of memory; other
 * errors go to e. */
int cfg_policy_build(struct cfg_err *e, const struct lyd_node *bgp, struct bgp_config *c);
int cfg_policy_peer(struct cfg_err *e, const struct bgp_config *c, const struct lyd_node *n,
		    const struct lyd_node *group, struct cfg_peer *p, const char *base);
/* Route types of a network entry appended to its communities. */
int cfg_policy_network_rtypes(struct cfg_err *e, const struct bgp_config *c,
			      const struct lyd_node *n, struct cfg_network *net);
/* An aggregate's contributor-route-type, resolved to its community. */
int cfg_policy_aggregate_rtype(struct cfg_err *e, const struct bgp_config *c,
			       const struct lyd_node *n, struct cfg_aggregate *agg);

/* config_bmp.c: the bmp container's collectors into c->bmp. -1 when out
 * of memory; other errors go to e. */
int cfg_bmp_build(struct cfg_err *e, const struct lyd_node *bgp, struct bgp_config *c);

#endif
