/* Export of Loc-RIB best paths to one peer: the outbound attributes its
 * relationship calls for (RFC 4271 5.1, RFC 5065 5.1: AS_PATH prepend or
 * confederation segments, next-hop-self, LOCAL_PREF and MED scope), the
 * Adj-RIB-Out that suppresses duplicates, and UPDATEs packed many prefixes
 * per message, sent only while the socket keeps up (backpressure). */
#include <stdlib.h>
#include <string.h>

#include "bgpd/log.h"
#include "bgpd/session.h"

#define EXPORT_CHUNK 8192 /* prefixes encoded per round */

static bool pq_push(struct pfx_queue *q, const struct bgp_prefix *p)
{
	if (q->head + q->n == q->cap) {
		if (q->head) {
			memmove(q->v, q->v + q->head, q->n * sizeof(*q->v));
			q->head = 0;
		}
		if (q->n == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 256;
			struct bgp_prefix *v = realloc(q->v, cap * sizeof(*v));
			if (!v)
				return false;
			q->v = v;
			q->cap = cap;
		}
	}
	q->v[q->head + q->n++] = *p;
	return true;
}

static void export_memo_clear(struct peer *p)
{
	if (p->xmemo.in)
		rib_attrs_unref(p->xmemo.in);
	if (p->xmemo.out)
		rib_attrs_unref(p->xmemo.out);
	memset(&p->xmemo, 0, sizeof(p->xmemo));
}

void export_reset(struct peer *p)
{
	export_memo_clear(p);
	free(p->outq.v);
	memset(&p->outq, 0, sizeof(p->outq));
	rib_adj_clear(p->adj_out);
	p->stats.prefixes_out = 0;
	p->eor_sent = false;
}

/* May this path go to this peer at all? */
static bool export_allowed(const struct peer *p, const struct rib_path *best)
{
	const struct rib_src *s = best->src;

	if (s->owner == p)
		return false; /* never back to the peer it came from */
	/* RFC 4271 9.2: iBGP-learned routes are not sent to iBGP peers. */
	if (s->kind == RIB_SRC_IBGP && !p->ebgp && !p->confed_member)
		return false;
	return true;
}

/* Build the attributes as sent to p. aspath_buf holds the new AS_PATH. */
static bool export_attrs(const struct peer *p, const struct rib_path *best, uint8_t family,
			 struct bgp_attrs *out, uint8_t *aspath_buf, size_t bufsize)
{
	const struct bgp_config *cfg = p->d->cfg;
	const struct bgp_attrs *in = rib_attrs_get(best->attrs);
	const struct sockaddr_storage *la = &p->local_addr;
	uint8_t tmp[BGP_MAX_MSG];
	size_t len = in->aspath_len;

	*out = *in;
	out->seen &= ~(BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_MP_REACH) |
		       BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF));
	if (family == AF_INET) {
		if (!p->codec.ipv4 || la->ss_family != AF_INET)
			return false;
		out->nexthop = ((const struct sockaddr_in *)la)->sin_addr;
		out->seen |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	} else {
		if (!p->codec.ipv6 || la->ss_family != AF_INET6)
			return false;
		out->nh6 = ((const struct sockaddr_in6 *)la)->sin6_addr;
		out->nh6_has_ll = false;
		out->seen |= BGP_ATTR_BIT(BGP_ATTR_MP_REACH);
	}
	if (p->ebgp) {
		/* RFC 5065 5.1: confederation segments never leave it; then our
		 * AS (or the confederation identifier) goes in front. */
		len = aspath_strip_confed(tmp, sizeof(tmp), in->aspath, in->aspath_len);
		len = aspath_prepend(aspath_buf, bufsize, tmp, len, AS_SEQUENCE,
				     cfg->confed_id ? cfg->confed_id : cfg->local_as);
		/* RFC 4271 5.1.4: a MED learned from a neighbouring AS stays here. */
		if (best->src->kind != RIB_SRC_LOCAL)
			out->seen &= ~BGP_ATTR_BIT(BGP_ATTR_MED);
	} else {
		if (p->confed_member)
			len = aspath_prepend(aspath_buf, bufsize, in->aspath, in->aspath_len,
					     AS_CONFED_SEQUENCE, cfg->local_as);
		else if (len <= bufsize)
			memcpy(aspath_buf, in->aspath, len);
		/* RFC 4271 5.1.5: LOCAL_PREF inside the AS/confederation. */
		out->local_pref = (in->seen & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF)) ? in->local_pref : 100;
		out->seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	}
	if ((len == 0 && in->aspath_len) || len > bufsize)
		return false;
	out->aspath = aspath_buf;
	out->aspath_len = (uint16_t)len;
	out->seen |= BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	return true;
}

/* The interned outbound attributes of best for p, or NULL if it cannot go.
 * Consecutive prefixes mostly share their attributes (one UPDATE's worth),
 * so the last answer is remembered: no rebuild, no re-intern. */
static struct rib_attrs *export_out(struct peer *p, const struct rib_path *best, uint8_t family)
{
	uint8_t aspath[BGP_MAX_MSG];
	struct bgp_attrs out;
	struct rib_attrs *ra;

	if (p->xmemo.in == best->attrs && p->xmemo.family == family &&
	    p->xmemo.kind == best->src->kind)
		return p->xmemo.out;
	if (!export_attrs(p, best, family, &out, aspath, sizeof(aspath)))
		return NULL;
	ra = rib_attrs_intern(p->d->attr_cache, &out);
	if (!ra)
		return NULL;
	export_memo_clear(p);
	p->xmemo.in = rib_attrs_ref(best->attrs);
	p->xmemo.out = ra; /* the intern reference */
	p->xmemo.family = family;
	p->xmemo.kind = (uint8_t)best->src->kind;
	return ra;
}

void export_entry(struct peer *p, const struct rib_entry *e)
{
	const struct rib_path *best = e->paths;
	struct rib_attrs *out = NULL;
	bool changed;

	if (p->state != FSM_ESTABLISHED)
		return;
	if (best && export_allowed(p, best))
		out = export_out(p, best, e->prefix.family);
	if (out)
		changed = rib_adj_set(p->adj_out, &e->prefix, out);
	else
		changed = rib_adj_withdraw(p->adj_out, &e->prefix);
	if (changed)
		pq_push(&p->outq, &e->prefix);
}

/* ---- encoding --------------------------------------------------------- */

struct item {
	struct bgp_prefix prefix;
	const struct rib_attrs *attrs; /* NULL: withdraw */
};

static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	uintptr_t pa = (uintptr_t)a->attrs, pb = (uintptr_t)b->attrs;

	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return 0;
}

/* Send runs of prefixes sharing family and attributes, packed. Returns
 * false if the connection refused more. */
static bool export_send(struct peer *p, struct item *it, size_t n, struct bgp_prefix *pfx)
{
	uint8_t msg[BGP_MAX_MSG];
	size_t i = 0;

	/* Most chunks are one UPDATE's worth of prefixes with one attribute
	 * set: sort only when they are not in runs already. */
	for (size_t k = 1; k < n; k++)
		if (item_cmp(&it[k - 1], &it[k]) > 0) {
			qsort(it, n, sizeof(*it), item_cmp);
			break;
		}
	while (i < n) {
		size_t j = i, k = 0;
		while (j < n && item_cmp(&it[i], &it[j]) == 0)
			pfx[k++] = it[j++].prefix;
		const struct bgp_attrs *a = it[i].attrs ? rib_attrs_get(it[i].attrs) : NULL;
		for (size_t done = 0; done < k;) {
			size_t took = 0, len;
			if (a)
				len = bgp_update_encode(msg, sizeof(msg), &p->codec, a, NULL, 0, NULL,
							pfx + done, k - done, &took);
			else
				len = bgp_update_encode(msg, sizeof(msg), &p->codec, NULL, pfx + done,
							k - done, &took, NULL, 0, NULL);
			if (len == 0 || took == 0) {
				log_err("export", "%s: cannot encode an UPDATE; dropping %zu prefixes",
					peer_name(p), k - done);
				break;
			}
			if (!conn_send(p->conn, msg, len))
				return false;
			p->stats.msgs_out[BGP_UPDATE]++;
			p->stats.updates_out++;
			done += took;
		}
		i = j;
	}
	return true;
}

static void export_eor(struct peer *p)
{
	uint8_t msg[64];

	if (p->codec.ipv4 && conn_send(p->conn, msg, bgp_eor_encode(msg, sizeof(msg), AFI_IPV4)))
		p->stats.msgs_out[BGP_UPDATE]++;
	if (p->codec.ipv6 && conn_send(p->conn, msg, bgp_eor_encode(msg, sizeof(msg), AFI_IPV6)))
		p->stats.msgs_out[BGP_UPDATE]++;
	p->eor_sent = true;
	log_info("export", "%s: initial table sent (%zu prefixes), End-of-RIB", peer_name(p),
		 rib_adj_count(p->adj_out, 0));
}

void export_flush(struct peer *p)
{
	struct item *it;
	struct bgp_prefix *pfx;

	if (p->state != FSM_ESTABLISHED || !p->conn)
		return;
	it = malloc(EXPORT_CHUNK * sizeof(*it));
	pfx = malloc(EXPORT_CHUNK * sizeof(*pfx));
	/* Bounded by the queue; stops while the socket is over its mark and
	 * resumes from peer_output_drained(). */
	while (it && pfx && p->outq.n && conn_writable_room(p->conn)) {
		size_t n = p->outq.n < EXPORT_CHUNK ? p->outq.n : EXPORT_CHUNK;
		for (size_t i = 0; i < n; i++) {
			it[i].prefix = p->outq.v[p->outq.head + i];
			it[i].attrs = rib_adj_get(p->adj_out, &it[i].prefix);
		}
		p->outq.head += n;
		p->outq.n -= n;
		if (!export_send(p, it, n, pfx)) {
			log_err("export", "%s: output queue overflow", peer_name(p));
			break;
		}
	}
	free(it);
	free(pfx);
	if (p->outq.n == 0) {
		p->outq.head = 0;
		if (!p->eor_sent && !p->dumping)
			export_eor(p);
	}
	p->stats.prefixes_out = (uint32_t)rib_adj_count(p->adj_out, 0);
}
