/* What BMP says about the peers (RFC 7854 4.6-4.10): Peer Up with both
 * OPENs, Route Monitoring of the Adj-RIB-In pre-policy (the UPDATE as
 * received, L = 0) and post-policy (what import policy accepted, with the
 * attributes it set, L = 1), Peer Down with its reason, Statistics
 * Reports, and a collector's table dump (its routes from the Loc-RIB,
 * which holds every peer's Adj-RIB-In, then End-of-RIB per family). */
#include <stdlib.h>
#include <string.h>

#include "bgpd/bmp_int.h"
#include "bgpd/log.h"

#define BMP_BATCH 256 /* prefixes sharing attributes, encoded together */

/* UPDATEs we encode ourselves: 4-octet AS_PATH (A flag clear), MP-BGP for
 * IPv6, LOCAL_PREF kept (the post-policy view shows what policy set). */
static const struct bgp_codec_ctx bmp_codec = { .as4 = true, .ipv4 = true, .ipv6 = true };

static uint16_t bmp_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

void bmp_peer_hdr_fill(const struct peer *p, uint8_t flags, double ts, struct bmp_peer_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->type = BMP_PEER_GLOBAL;
	h->flags = flags;
	h->family = (uint8_t)p->cfg.addr.ss_family;
	memcpy(h->addr, sockaddr_addr(&p->cfg.addr), sockaddr_addr_len(&p->cfg.addr));
	h->asn = p->remote_open.asn;
	h->bgp_id = p->remote_id;
	if (ts > 0) {
		h->sec = (uint32_t)ts;
		h->usec = (uint32_t)((ts - (double)h->sec) * 1e6);
	}
}

static struct bmp_peer *bmp_peer_get(struct peer *p)
{
	if (!p->bmp)
		p->bmp = calloc(1, sizeof(*p->bmp));
	return p->bmp;
}

/* A whole BGP message: its header rebuilt in front of a received body. */
static uint8_t *bmp_msg_copy(uint8_t type, const uint8_t *body, size_t len, uint16_t *out_len)
{
	size_t total = BGP_HDR_LEN + len;
	uint8_t *m;

	if (total > BGP_MAX_MSG || !(m = malloc(total)))
		return NULL;
	memset(m, 0xff, 16);
	m[16] = (uint8_t)(total >> 8);
	m[17] = (uint8_t)total;
	m[18] = type;
	memcpy(m + BGP_HDR_LEN, body, len);
	*out_len = (uint16_t)total;
	return m;
}

static void bmp_keep(uint8_t **slot, uint16_t *slot_len, uint8_t *m, uint16_t len)
{
	free(*slot);
	*slot = m;
	*slot_len = m ? len : 0;
}

void bmp_peer_open_sent(struct peer *p, const uint8_t *msg, size_t len)
{
	struct bmp_peer *bp = bmp_peer_get(p);
	uint8_t *m;

	if (!bp || len < BGP_HDR_LEN || len > BGP_MAX_MSG || !(m = malloc(len)))
		return;
	memcpy(m, msg, len);
	bmp_keep(&bp->open_sent, &bp->sent_len, m, (uint16_t)len);
}

void bmp_peer_open_received(struct peer *p, const uint8_t *body, size_t len)
{
	struct bmp_peer *bp = bmp_peer_get(p);
	uint16_t n = 0;
	uint8_t *m;

	if (bp && (m = bmp_msg_copy(BGP_OPEN, body, len, &n)))
		bmp_keep(&bp->open_recv, &bp->recv_len, m, n);
}

static void bmp_note(struct peer *p, enum bmp_down_note note, uint8_t *m, uint16_t len)
{
	struct bmp_peer *bp = p->bmp;

	if (!bp || p->state != FSM_ESTABLISHED || bp->note != BMP_NOTE_NONE) {
		free(m);
		return; /* the first reason stands */
	}
	bp->note = note;
	bmp_keep(&bp->notif, &bp->notif_len, m, len);
}

void bmp_peer_notification_sent(struct peer *p, const uint8_t *msg, size_t len)
{
	uint8_t *m = NULL;

	if (!p->d->bmp || len > BGP_MAX_MSG || !(m = malloc(len ? len : 1)))
		return;
	memcpy(m, msg, len);
	bmp_note(p, BMP_NOTE_LOCAL, m, (uint16_t)len);
}

void bmp_peer_notification_received(struct peer *p, const uint8_t *body, size_t len)
{
	uint16_t n = 0;
	uint8_t *m;

	if (p->d->bmp && (m = bmp_msg_copy(BGP_NOTIFICATION, body, len, &n)))
		bmp_note(p, BMP_NOTE_REMOTE, m, n);
}

void bmp_peer_closed_by_peer(struct peer *p)
{
	if (p->d->bmp)
		bmp_note(p, BMP_NOTE_CLOSED, NULL, 0);
}

/* ---- Peer Up ----------------------------------------------------------- */

static size_t bmp_peer_up_msg(struct bmp *b, const struct peer *p)
{
	const struct bmp_peer *bp = p->bmp;
	struct sockaddr_storage ra;
	socklen_t len = sizeof(ra);
	uint16_t rport = bmp_port(&p->cfg.addr);
	struct bmp_peer_hdr h;

	if (p->conn && getpeername(p->conn->fd, (struct sockaddr *)&ra, &len) == 0)
		rport = bmp_port(&ra);
	bmp_peer_hdr_fill(p, 0, (double)p->state_since, &h);
	return bmp_peer_up_encode(b->scratch, sizeof(b->scratch), &h,
				  (uint8_t)p->local_addr.ss_family, sockaddr_addr(&p->local_addr),
				  bmp_port(&p->local_addr), rport, bp->open_sent, bp->sent_len,
				  bp->open_recv, bp->recv_len);
}

static bool bmp_peer_ready(const struct peer *p)
{
	return p->state == FSM_ESTABLISHED && !p->deleted && p->bmp && p->bmp->open_sent &&
	       p->bmp->open_recv;
}

/* Peer Up to c; from now on c gets p's messages. */
static void bmp_peer_up_to(struct bmp *b, struct bmp_collector *c, struct peer *p)
{
	size_t n = bmp_peer_up_msg(b, p);

	if (!n) {
		log_err("bmp", "%s: Peer Up does not fit", peer_name(p));
		return;
	}
	p->bmp->up |= (uint8_t)(1u << c->slot);
	bmp_emit(b, c, p, BMP_VIEW_PEER, b->scratch, n);
}

void bmp_peer_up(struct peer *p)
{
	struct bmp *b = p->d->bmp;

	if (p->bmp) {
		p->bmp->note = BMP_NOTE_NONE;
		bmp_keep(&p->bmp->notif, &p->bmp->notif_len, NULL, 0);
	}
	if (!b || !bmp_peer_ready(p))
		return;
	for (struct bmp_collector *c = b->collectors; c; c = c->next)
		if (c->state == BMP_UP)
			bmp_peer_up_to(b, c, p);
}

/* ---- Peer Down --------------------------------------------------------- */

static size_t bmp_peer_down_msg(struct bmp *b, const struct peer *p, uint16_t event)
{
	const struct bmp_peer *bp = p->bmp;
	struct bmp_peer_hdr h;
	uint8_t *out = b->scratch;
	size_t cap = sizeof(b->scratch);

	bmp_peer_hdr_fill(p, 0, ev_now(p->d->loop), &h);
	if (p->deleted)
		return bmp_peer_down_encode(out, cap, &h, BMP_DOWN_DECONFIGURED, NULL, 0);
	switch (bp->note) {
	case BMP_NOTE_LOCAL:
		return bmp_peer_down_encode(out, cap, &h, BMP_DOWN_LOCAL_NOTIFY, bp->notif,
					    bp->notif_len);
	case BMP_NOTE_REMOTE:
		return bmp_peer_down_encode(out, cap, &h, BMP_DOWN_REMOTE_NOTIFY, bp->notif,
					    bp->notif_len);
	case BMP_NOTE_CLOSED:
		return bmp_peer_down_encode(out, cap, &h, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0);
	default:
		return bmp_peer_down_event_encode(out, cap, &h, event);
	}
}

/* Without a NOTIFICATION either way and not closed by the peer, the
 * session ended on a local TcpConnectionFails (a lost link, a peer seen
 * restarting): RFC 4271 Event 18; event is the one to report instead. */
static void bmp_peer_down_event(struct peer *p, uint16_t event)
{
	struct bmp_peer *bp = p->bmp;
	struct bmp *b = p->d->bmp;

	if (!bp)
		return;
	if (b && bp->up) {
		size_t n = bmp_peer_down_msg(b, p, event);
		bmp_emit(b, NULL, p, BMP_VIEW_PEER, b->scratch, n);
	}
	bp->up = 0;
	bp->note = BMP_NOTE_NONE;
	bmp_keep(&bp->notif, &bp->notif_len, NULL, 0);
}

void bmp_peer_down(struct peer *p)
{
	bmp_peer_down_event(p, EV_TCP_CONN_FAILS);
}

void bmp_peer_free(struct peer *p)
{
	struct bmp_peer *bp = p->bmp;

	if (!bp)
		return;
	/* Still up: closed without a NOTIFICATION (SIGUSR2), ManualStop. */
	bmp_peer_down_event(p, EV_MANUAL_STOP);
	free(bp->open_sent);
	free(bp->open_recv);
	free(bp->notif);
	free(bp->reimport);
	free(bp);
	p->bmp = NULL;
}

/* ---- Route Monitoring -------------------------------------------------- */

struct bmp_batch {
	enum bmp_view view;
	struct rib_attrs *ra;	/* the prefixes' attributes; NULL: withdrawn */
	struct bgp_prefix v[BMP_BATCH];
	size_t n;
};

struct bmp_rm {
	struct bmp *b;
	struct bmp_collector *only; /* the dump's collector, or NULL: all */
	const struct peer *p;
	double ts;		    /* 0: unknown (a dump) */
	struct bmp_batch pre, post, gone;
};

static void bmp_rm_init(struct bmp_rm *x, struct bmp *b, struct bmp_collector *only,
			const struct peer *p, double ts)
{
	x->b = b;
	x->only = only;
	x->p = p;
	x->ts = ts;
	x->pre.view = BMP_VIEW_PRE;
	x->post.view = x->gone.view = BMP_VIEW_POST;
	x->pre.n = x->post.n = x->gone.n = 0;
	x->pre.ra = x->post.ra = x->gone.ra = NULL;
}

/* The batch as Route Monitoring messages, as many UPDATEs as it takes. */
static void bmp_batch_flush(struct bmp_rm *x, struct bmp_batch *bt)
{
	uint8_t *pdu = x->b->scratch + BMP_RM_HDR_LEN;
	const struct bgp_prefix *v = bt->v;
	size_t n = bt->n;
	struct bmp_peer_hdr h;

	if (!n)
		return;
	const struct bgp_attrs *a = bt->ra ? rib_attrs_get(bt->ra) : NULL;
	bmp_peer_hdr_fill(x->p, bt->view == BMP_VIEW_POST ? BMP_PEER_FLAG_L : 0, x->ts, &h);
	while (n) {
		size_t done = 0, len;
		if (a)
			len = bgp_update_encode(pdu, BGP_MAX_MSG, &bmp_codec, a, NULL, 0, NULL, v, n,
						&done);
		else
			len = bgp_update_encode(pdu, BGP_MAX_MSG, &bmp_codec, NULL, v, n, &done, NULL,
						0, NULL);
		if (!len || !done) {
			log_err("bmp", "%s: an UPDATE for BMP cannot be encoded", peer_name(x->p));
			break;
		}
		bmp_rm_hdr_encode(x->b->scratch, BMP_RM_HDR_LEN, &h, len);
		bmp_emit(x->b, x->only, x->p, bt->view, x->b->scratch, BMP_RM_HDR_LEN + len);
		v += done;
		n -= done;
	}
	bt->n = 0;
}

static void bmp_batch_add(struct bmp_rm *x, struct bmp_batch *bt, struct rib_attrs *ra,
			  const struct bgp_prefix *pfx)
{
	if (bt->n && (bt->ra != ra || bt->v[0].family != pfx->family || bt->n == BMP_BATCH))
		bmp_batch_flush(x, bt);
	bt->ra = ra;
	bt->v[bt->n++] = *pfx;
}

static void bmp_rm_flush(struct bmp_rm *x)
{
	bmp_batch_flush(x, &x->gone);
	bmp_batch_flush(x, &x->pre);
	bmp_batch_flush(x, &x->post);
}

static void bmp_eor(struct bmp_rm *x, enum bmp_view v, uint16_t afi)
{
	struct bmp_peer_hdr h;
	size_t len = bgp_eor_encode(x->b->scratch + BMP_RM_HDR_LEN, BGP_MAX_MSG, afi);

	bmp_peer_hdr_fill(x->p, v == BMP_VIEW_POST ? BMP_PEER_FLAG_L : 0, x->ts, &h);
	bmp_rm_hdr_encode(x->b->scratch, BMP_RM_HDR_LEN, &h, len);
	bmp_emit(x->b, x->only, x->p, v, x->b->scratch, BMP_RM_HDR_LEN + len);
}

/* The post-policy view of what one UPDATE did: each prefix's path as the
 * Loc-RIB now has it (import policy applied), or withdrawn when it is
 * gone or import policy rejected it. */
static void bmp_post_update(struct bmp_rm *x, const struct bgp_update *u)
{
	const struct rib_loc *loc = x->p->d->loc;

	for (size_t i = 0; i < u->nwithdrawn; i++)
		bmp_batch_add(x, &x->gone, NULL, &u->withdrawn[i]);
	for (size_t i = 0; i < u->nnlri; i++) {
		const struct rib_entry *e = rib_loc_get(loc, &u->nlri[i]);
		unsigned idx;
		const struct rib_path *path = e ? rib_loc_path_of(e, &x->p->src, &idx) : NULL;
		if (!path || (rib_attrs_flags(path->attrs) & RIB_ATTRS_FILTERED))
			bmp_batch_add(x, &x->gone, NULL, &u->nlri[i]);
		else
			bmp_batch_add(x, &x->post, path->attrs, &u->nlri[i]);
	}
	bmp_rm_flush(x);
	if (u->eor)
		bmp_eor(x, BMP_VIEW_POST, u->eor_afi);
}

/* The UPDATE as received, header rebuilt; A flag when the peer speaks
 * 2-octet AS numbers (RFC 6793: its AS_PATH is in that form). */
static void bmp_pre_update(struct bmp_rm *x, const uint8_t *body, size_t len)
{
	struct bmp_peer_hdr h;
	uint8_t *m = x->b->scratch + BMP_RM_HDR_LEN;
	size_t total = BGP_HDR_LEN + len;

	if (total > BGP_MAX_MSG)
		return;
	bmp_peer_hdr_fill(x->p, x->p->codec.as4 ? 0 : BMP_PEER_FLAG_A, x->ts, &h);
	memset(m, 0xff, 16);
	m[16] = (uint8_t)(total >> 8);
	m[17] = (uint8_t)total;
	m[18] = BGP_UPDATE;
	memcpy(m + BGP_HDR_LEN, body, len);
	bmp_rm_hdr_encode(x->b->scratch, BMP_RM_HDR_LEN, &h, total);
	bmp_emit(x->b, NULL, x->p, BMP_VIEW_PRE, x->b->scratch, BMP_RM_HDR_LEN + total);
}

/* Which views some connected collector that has p's Peer Up takes. */
static void bmp_views_wanted(const struct peer *p, bool *pre, bool *post)
{
	*pre = *post = false;
	if (!p->d->bmp || !p->bmp || !p->bmp->up)
		return;
	for (struct bmp_collector *c = p->d->bmp->collectors; c; c = c->next) {
		if (c->state != BMP_UP || !(p->bmp->up & (1u << c->slot)))
			continue;
		*pre |= c->cfg.pre_policy;
		*post |= c->cfg.post_policy;
	}
}

void bmp_route_in(struct peer *p, const uint8_t *body, size_t len, const struct bgp_update *u)
{
	bool pre, post;
	struct bmp_rm x;

	bmp_views_wanted(p, &pre, &post);
	if (!pre && !post)
		return;
	bmp_rm_init(&x, p->d->bmp, NULL, p, ev_now(p->d->loop));
	if (pre)
		bmp_pre_update(&x, body, len);
	if (post)
		bmp_post_update(&x, u);
}

/* ---- import policy run again (reload) --------------------------------- */

/* The walk of route_reimport meets the re-imported peers' paths prefix by
 * prefix, interleaved: each peer batches its own changes until the end. */
void bmp_route_reimported(struct peer *p, const struct bgp_prefix *pfx, bool was_filtered,
			  struct rib_attrs *now)
{
	bool filtered = rib_attrs_flags(now) & RIB_ATTRS_FILTERED;
	bool pre, post;
	struct bmp_rm *x;

	if (filtered && was_filtered)
		return; /* rejected before and after: not in the view either time */
	bmp_views_wanted(p, &pre, &post);
	if (!post)
		return;
	if (!(x = p->bmp->reimport)) {
		if (!(x = malloc(sizeof(*x)))) {
			log_err("bmp", "%s: out of memory for the post-policy view of a new "
				"import policy", peer_name(p));
			return;
		}
		bmp_rm_init(x, p->d->bmp, NULL, p, ev_now(p->d->loop));
		p->bmp->reimport = x;
	}
	/* The batches hold now unreferenced: the path keeps it until the
	 * walk is over and bmp_reimport_done has sent them. */
	if (filtered)
		bmp_batch_add(x, &x->gone, NULL, pfx);
	else
		bmp_batch_add(x, &x->post, now, pfx);
}

void bmp_reimport_done(struct bgpd *d)
{
	for (struct peer *p = d->peers; p; p = p->next) {
		struct bmp_rm *x = p->bmp ? p->bmp->reimport : NULL;
		if (!x)
			continue;
		bmp_rm_flush(x);
		free(x);
		p->bmp->reimport = NULL;
	}
}

/* ---- a collector's table dump ----------------------------------------- */

struct bmp_dump_ctx {
	struct bmp_rm rm;
	struct bmp_collector *c;
};

/* The peer's path for the prefix, if it has one: pre-policy as it sent it
 * (decoded and encoded again: what import policy saw), post-policy unless
 * import policy rejected it. */
static int bmp_dump_entry(const struct rib_entry *e, void *arg)
{
	struct bmp_dump_ctx *dc = arg;
	struct bmp_rm *x = &dc->rm;
	unsigned idx;
	const struct rib_path *path = rib_loc_path_of(e, &x->p->src, &idx);
	struct bgp_prefix pfx;

	if (!path)
		return 0;
	rib_entry_prefix(e, &pfx);
	if (dc->c->cfg.pre_policy)
		bmp_batch_add(x, &x->pre, rib_attrs_origin(path->attrs), &pfx);
	if (dc->c->cfg.post_policy && !(rib_attrs_flags(path->attrs) & RIB_ATTRS_FILTERED))
		bmp_batch_add(x, &x->post, path->attrs, &pfx);
	return dc->c->state != BMP_UP; /* dropped (queue full): stop */
}

static void bmp_dump_family(struct bmp_dump_ctx *dc, uint8_t family, uint16_t afi)
{
	struct bmp_collector *c = dc->c;

	rib_loc_walk(dc->rm.p->d->loc, family, bmp_dump_entry, dc);
	bmp_rm_flush(&dc->rm);
	if (c->cfg.pre_policy)
		bmp_eor(&dc->rm, BMP_VIEW_PRE, afi);
	if (c->cfg.post_policy)
		bmp_eor(&dc->rm, BMP_VIEW_POST, afi);
}

bool bmp_dump_next(struct bmp_collector *c)
{
	struct bmp *b = c->b;
	struct bmp_dump_ctx dc;
	struct peer *p;

	for (p = b->d->peers; p; p = p->next)
		if (bmp_peer_ready(p) && !(p->bmp->up & (1u << c->slot)))
			break;
	if (!p)
		return false;
	bmp_peer_up_to(b, c, p);
	dc.c = c;
	bmp_rm_init(&dc.rm, b, c, p, 0);
	if (p->codec.ipv4 && c->state == BMP_UP)
		bmp_dump_family(&dc, AF_INET, AFI_IPV4);
	if (p->codec.ipv6 && c->state == BMP_UP)
		bmp_dump_family(&dc, AF_INET6, AFI_IPV6);
	return true;
}

/* ---- Statistics Reports ------------------------------------------------ */

static size_t bmp_peer_stats(const struct peer *p, struct bmp_stat *st)
{
	size_t in = p->prefixes_in[0] + p->prefixes_in[1];
	size_t stale = p->gr.stale[0] + p->gr.stale[1];
	size_t kept = p->accepted + stale;
	size_t n = 0;

	/* 0: held and rejected by import policy now (the filtered paths). */
	st[n++] = (struct bmp_stat){ .type = BMP_STAT_REJECTED, .value = in > kept ? in - kept : 0 };
	st[n++] = (struct bmp_stat){ .type = BMP_STAT_ADJ_RIB_IN, .value = in };
	st[n++] = (struct bmp_stat){ .type = BMP_STAT_LOC_RIB, .value = kept };
	if (p->codec.ipv4)
		st[n++] = (struct bmp_stat){ .type = BMP_STAT_ADJ_RIB_IN_AF, .afi = AFI_IPV4,
					     .safi = SAFI_UNICAST, .value = p->prefixes_in[0] };
	if (p->codec.ipv6)
		st[n++] = (struct bmp_stat){ .type = BMP_STAT_ADJ_RIB_IN_AF, .afi = AFI_IPV6,
					     .safi = SAFI_UNICAST, .value = p->prefixes_in[1] };
	st[n++] = (struct bmp_stat){ .type = BMP_STAT_TREAT_AS_WITHDRAW,
				     .value = p->stats.treat_as_withdraw };
	return n;
}

void bmp_stats_send(struct bmp_collector *c)
{
	struct bmp *b = c->b;
	double now = ev_now(b->d->loop);

	for (struct peer *p = b->d->peers; p && c->state == BMP_UP; p = p->next) {
		struct bmp_stat st[8];
		struct bmp_peer_hdr h;
		if (!p->bmp || !(p->bmp->up & (1u << c->slot)))
			continue;
		size_t n = bmp_peer_stats(p, st);
		bmp_peer_hdr_fill(p, 0, now, &h);
		n = bmp_stats_encode(b->scratch, sizeof(b->scratch), &h, st, n);
		bmp_emit(b, c, p, BMP_VIEW_PEER, b->scratch, n);
	}
}
