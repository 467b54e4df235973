/* What we advertise to a peer: the configured networks, with next-hop-self
 * and the AS_PATH the peer's relationship calls for (RFC 4271 5.1.2,
 * RFC 5065 5.1). The Adj-RIB-Out remembers what was sent, so only changes
 * go out (duplicate suppression) and many prefixes share one UPDATE. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/log.h"
#include "bgpd/session.h"

struct ann {
	struct bgp_prefix prefix;
	const struct rib_attrs *attrs; /* NULL: withdraw */
};

struct ann_list {
	struct ann *v;
	size_t n, cap;
};

static bool ann_push(struct ann_list *l, const struct bgp_prefix *p, const struct rib_attrs *ra)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct ann *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].prefix = *p;
	l->v[l->n].attrs = ra;
	l->n++;
	return true;
}

/* AS_PATH for a route we originate: empty towards iBGP, our member AS in an
 * AS_CONFED_SEQUENCE towards confederation peers, else our AS (or the
 * confederation identifier) in an AS_SEQUENCE. */
static uint16_t announce_aspath(const struct peer *p, uint8_t buf[6])
{
	const struct bgp_config *cfg = p->d->cfg;
	uint32_t asn = cfg->confed_id ? cfg->confed_id : cfg->local_as;

	if (!p->ebgp && !p->confed_member)
		return 0;
	buf[0] = p->confed_member ? AS_CONFED_SEQUENCE : AS_SEQUENCE;
	buf[1] = 1;
	if (p->confed_member)
		asn = cfg->local_as;
	buf[2] = (uint8_t)(asn >> 24);
	buf[3] = (uint8_t)(asn >> 16);
	buf[4] = (uint8_t)(asn >> 8);
	buf[5] = (uint8_t)asn;
	return 6;
}

/* Fill attrs for network n; false if the session cannot carry it (no
 * next hop of that family on this session). */
static bool announce_attrs(const struct peer *p, const struct cfg_network *n,
			   const uint8_t *aspath, uint16_t aspath_len, struct bgp_attrs *a)
{
	const struct sockaddr_storage *la = &p->local_addr;

	memset(a, 0, sizeof(*a));
	a->seen = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	a->origin = BGP_ORIGIN_IGP;
	a->aspath = aspath;
	a->aspath_len = aspath_len;
	if (n->prefix.family == AF_INET) {
		if (!p->codec.ipv4 || la->ss_family != AF_INET)
			return false;
		a->nexthop = ((const struct sockaddr_in *)la)->sin_addr;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	} else {
		if (!p->codec.ipv6 || la->ss_family != AF_INET6)
			return false;
		a->nh6 = ((const struct sockaddr_in6 *)la)->sin6_addr;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_MP_REACH);
	}
	if (!p->ebgp) {
		/* RFC 4271 5.1.5 / RFC 5065 5.3: LOCAL_PREF inside the AS or
		 * confederation. */
		a->local_pref = 100;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	}
	if (n->ncommunities) {
		a->communities = n->communities;
		a->ncommunities = (uint16_t)n->ncommunities;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	}
	if (n->nlarge) {
		a->large = n->large;
		a->nlarge = (uint16_t)n->nlarge;
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	}
	return true;
}

static int ann_cmp(const void *x, const void *y)
{
	const struct ann *a = x, *b = y;
	uintptr_t pa = (uintptr_t)a->attrs, pb = (uintptr_t)b->attrs;

	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return 0;
}

/* Send runs of prefixes sharing family and attributes, packed. */
static void announce_send(struct peer *p, struct ann_list *l)
{
	uint8_t msg[BGP_MAX_MSG];
	struct bgp_prefix *pfx = malloc((l->n ? l->n : 1) * sizeof(*pfx));
	size_t i = 0;

	if (!pfx)
		return;
	qsort(l->v, l->n, sizeof(*l->v), ann_cmp);
	while (i < l->n) {
		size_t j = i, k = 0;
		while (j < l->n && ann_cmp(&l->v[i], &l->v[j]) == 0)
			pfx[k++] = l->v[j++].prefix;
		const struct bgp_attrs *a = l->v[i].attrs ? rib_attrs_get(l->v[i].attrs) : NULL;
		for (size_t done = 0; done < k;) {
			size_t took = 0, len;
			if (a)
				len = bgp_update_encode(msg, sizeof(msg), &p->codec, a, NULL, 0, NULL,
							pfx + done, k - done, &took);
			else
				len = bgp_update_encode(msg, sizeof(msg), &p->codec, NULL, pfx + done,
							k - done, &took, NULL, 0, NULL);
			if (len == 0 || took == 0) {
				log_err("announce", "%s: cannot encode UPDATE", peer_name(p));
				break;
			}
			if (!conn_send(p->conn, msg, len))
				break;
			p->stats.msgs_out[BGP_UPDATE]++;
			p->stats.updates_out++;
			done += took;
		}
		i = j;
	}
	free(pfx);
}

static void announce_eor(struct peer *p)
{
	uint8_t msg[64];

	if (p->codec.ipv4 && conn_send(p->conn, msg, bgp_eor_encode(msg, sizeof(msg), AFI_IPV4)))
		p->stats.msgs_out[BGP_UPDATE]++;
	if (p->codec.ipv6 && conn_send(p->conn, msg, bgp_eor_encode(msg, sizeof(msg), AFI_IPV6)))
		p->stats.msgs_out[BGP_UPDATE]++;
	p->eor_sent = true;
}

struct stale_ctx {
	struct rib_table *want[2];
	struct ann_list *out;
};

static int collect_stale(const struct bgp_prefix *pfx, const struct rib_attrs *ra, void *arg)
{
	struct stale_ctx *s = arg;

	if (!rib_table_get(s->want[pfx->family == AF_INET6], pfx))
		ann_push(s->out, pfx, NULL);
	return 0;
}

void announce_sync(struct peer *p)
{
	const struct bgp_config *cfg = p->d->cfg;
	struct ann_list add = { 0 }, del = { 0 };
	struct stale_ctx sc = { { rib_table_new(AF_INET), rib_table_new(AF_INET6) }, &del };
	uint8_t aspath[6];
	uint16_t aspath_len = announce_aspath(p, aspath);

	if (p->state != FSM_ESTABLISHED || !p->conn || !sc.want[0] || !sc.want[1])
		goto out;
	for (size_t i = 0; i < cfg->nnetworks; i++) {
		const struct cfg_network *n = &cfg->networks[i];
		struct bgp_attrs a;
		if (!announce_attrs(p, n, aspath, aspath_len, &a))
			continue;
		rib_table_insert(sc.want[n->prefix.family == AF_INET6], &n->prefix, (void *)n);
		if (rib_adj_update(p->adj_out, &n->prefix, &a))
			ann_push(&add, &n->prefix, rib_adj_get(p->adj_out, &n->prefix));
	}
	rib_adj_walk(p->adj_out, 0, collect_stale, &sc);
	for (size_t i = 0; i < del.n; i++)
		rib_adj_withdraw(p->adj_out, &del.v[i].prefix);
	announce_send(p, &del);
	announce_send(p, &add);
	if (!p->eor_sent)
		announce_eor(p);
	p->stats.prefixes_out = (uint32_t)rib_adj_count(p->adj_out, 0);
	if (add.n || del.n)
		log_info("announce", "%s: advertised %zu, withdrew %zu prefixes", peer_name(p),
			 add.n, del.n);
out:
	free(add.v);
	free(del.v);
	if (sc.want[0])
		rib_table_free(sc.want[0], NULL, NULL);
	if (sc.want[1])
		rib_table_free(sc.want[1], NULL, NULL);
}
