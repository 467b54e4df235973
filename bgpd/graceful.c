/* Graceful restart, helper side (RFC 4724 4.2): the paths of a peer
 * whose session ended without a NOTIFICATION stay, marked stale, until it
 * is back and sends them again, its End-of-RIB, or a timer. The route
 * counts (route.c) and the Loc-RIB's stale flag (rib/) are shared. */
#include <stdint.h>
#include <stdlib.h>

#include "bgpd/log.h"
#include "bgpd/session.h"

/* A session that ends without a NOTIFICATION (the peer's TCP connection
 * closed or reset, or the peer connecting anew while we thought it up)
 * keeps the peer's paths of every family its last OPEN listed in its
 * Graceful Restart capability: they are marked stale in place (their
 * attribute set is swapped for the same one with RIB_ATTRS_STALE: no
 * per-path memory, no re-sorting, nothing queued), stay candidates ranked
 * as before and stay in the kernel ("MUST NOT differentiate between stale
 * and other routing information during forwarding"), and are still
 * advertised: the rest of the fabric sees nothing. The restart timer is
 * the peer's restart time (bounded by our stale-time); once the session is
 * back, each path it sends again replaces its stale one, and End-of-RIB
 * for a family removes the family's paths still stale, as does the end of
 * stale-time, counted from the drop (FRR's stalepath-time). A NOTIFICATION
 * either way, our hold timer (it sends one: RFC 8538's N bit, which would
 * change that, is not negotiated), a lost link or local address (its
 * forwarding state is not viable), a peer stopped or removed, a second drop
 * while paths are stale (those paths go, RFC 4724 4.2), or a returning
 * peer without the capability or the F bit for the family end them at once. */

#define GR_MEMO 256 /* attribute sets remembered while marking a table */

static size_t gr_stale_total(const struct peer *p)
{
	return p->gr.stale[0] + p->gr.stale[1];
}

static bool gr_active(const struct peer *p)
{
	return p->gr.restarting || p->gr.waiting[0] || p->gr.waiting[1] || gr_stale_total(p);
}

static const char *fam_str(int v6)
{
	return v6 ? "IPv6" : "IPv4";
}

/* Is the family in the peer's Graceful Restart capability; its F bit. */
static bool gr_listed(const struct bgp_caps *c, int v6, bool *fwd)
{
	for (unsigned i = 0; c->gr && i < c->gr_nafi && i < 4; i++)
		if (c->gr_afi[i].afi == (v6 ? AFI_IPV6 : AFI_IPV4) && c->gr_afi[i].safi == SAFI_UNICAST) {
			*fwd = c->gr_afi[i].flags & 0x80;
			return true;
		}
	*fwd = false;
	return false;
}

static void gr_timer_set(struct peer *p, double secs)
{
	ev_timer_stop(p->d->loop, &p->gr.timer);
	if (secs < 0.001)
		secs = 0.001;
	ev_timer_set(&p->gr.timer, secs, 0.);
	ev_timer_start(p->d->loop, &p->gr.timer);
	p->gr.timer_end = ev_now(p->d->loop) + secs;
}

static void gr_timer_clear(struct peer *p)
{
	ev_timer_stop(p->d->loop, &p->gr.timer);
	p->gr.timer_end = 0;
}

/* Every path of v6's family (both: -1) that is still stale goes. */
static size_t gr_sweep(struct peer *p, int v6)
{
	size_t n = 0;

	for (int f = 0; f < 2; f++) {
		if (v6 >= 0 && f != v6)
			continue;
		p->gr.waiting[f] = false;
		if (!p->gr.stale[f])
			continue;
		size_t k = rib_loc_unset_src_flagged(p->d->loc, &p->src, f ? AF_INET6 : AF_INET,
						     RIB_ATTRS_STALE);
		p->prefixes_in[f] -= k;
		p->gr.stale[f] = 0; /* == k unless memory ran out marking them */
		n += k;
	}
	if (!p->gr.restarting && !p->gr.waiting[0] && !p->gr.waiting[1]) {
		gr_timer_clear(p);
	}
	return n;
}

void route_gr_end(struct peer *p, const char *why)
{
	if (!gr_active(p))
		return;
	p->gr.restarting = false;
	size_t n = gr_sweep(p, -1);
	log_event_notice("route", "gr_end", peer_name(p),
			 "graceful restart ended (%s): %zu stale paths removed",
		   why ? why : "stopped", n);
}

static void gr_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct peer *p = w->data;
	bool down = p->gr.restarting;

	p->gr.timer_end = 0;
	route_gr_end(p, down ? (ev_now(loop) + 0.5 >= p->gr.stale_end
					? "stale-time expired while it was down"
					: "its restart time expired before it came back")
			     : "stale-time expired before its End-of-RIB");
}

void route_gr_init(struct peer *p)
{
	ev_init(&p->gr.timer, gr_timer_cb);
	p->gr.timer.data = p;
}

void route_gr_stop_timer(struct peer *p)
{
	ev_timer_stop(p->d->loop, &p->gr.timer);
}

/* Marking a table: the paths of one peer share few attribute sets. */
struct gr_memo {
	struct rib_attrs *in[GR_MEMO], *out[GR_MEMO]; /* a reference each */
	bool oom;
};

static struct rib_attrs *gr_mark(struct rib_attrs *ra, void *arg)
{
	struct gr_memo *m = arg;
	size_t h = ((uintptr_t)ra >> 6) % GR_MEMO;

	if (m->in[h] != ra) {
		struct rib_attrs *out = rib_attrs_with_flags(ra, RIB_ATTRS_STALE, 0);
		if (!out) {
			m->oom = true;
			return NULL;
		}
		rib_attrs_unref(m->in[h]);
		rib_attrs_unref(m->out[h]);
		m->in[h] = rib_attrs_ref(ra);
		m->out[h] = out;
	}
	return rib_attrs_ref(m->out[h]);
}

/* Mark every path of the family stale; false when memory ran out (the
 * family's paths are then withdrawn instead). */
static bool gr_mark_family(struct peer *p, int v6)
{
	struct gr_memo *m = calloc(1, sizeof(*m));
	size_t n = 0;

	if (m)
		n = rib_loc_restamp_src(p->d->loc, &p->src, v6 ? AF_INET6 : AF_INET, gr_mark, m);
	p->gr.stale[v6] = n;
	bool ok = m && !m->oom && n == p->prefixes_in[v6];
	for (size_t i = 0; m && i < GR_MEMO; i++) {
		rib_attrs_unref(m->in[i]);
		rib_attrs_unref(m->out[i]);
	}
	free(m);
	return ok;
}

/* Withdraw every path of the family (0/1; -1: both), stale or not. */
static size_t gr_withdraw(struct peer *p, int v6)
{
	size_t n = 0;

	for (int f = 0; f < 2; f++) {
		if ((v6 >= 0 && f != v6) || !p->prefixes_in[f])
			continue;
		n += rib_loc_unset_src_flagged(p->d->loc, &p->src, f ? AF_INET6 : AF_INET, 0);
		p->prefixes_in[f] = 0;
		p->gr.stale[f] = 0;
		p->gr.waiting[f] = false;
	}
	return n;
}

void route_peer_down(struct peer *p, bool graceful)
{
	const struct bgp_caps *c = &p->remote_open.caps;
	bool was_up = p->state == FSM_ESTABLISHED, keep[2] = { false, false }, fwd;
	uint16_t restart = c->gr ? c->gr_time : 0;
	size_t n = 0, kept = 0, swept = 0;

	if (!was_up) {
		/* A session that never came back up: stale paths (if any) wait
		 * on, under the restart timer. Nothing else was learned. */
		export_leave(p);
		return;
	}
	if (graceful && p->cfg.gr.helper && restart) {
		keep[0] = p->codec.ipv4 && gr_listed(c, 0, &fwd);
		keep[1] = p->codec.ipv6 && gr_listed(c, 1, &fwd);
	}
	/* RFC 4724 4.2: "To deal with possible consecutive restarts, a route
	 * (from the peer) previously marked as stale MUST be deleted." */
	if (gr_stale_total(p))
		swept = gr_sweep(p, -1);
	p->gr.restarting = false;
	for (int f = 0; f < 2; f++) {
		if (keep[f] && p->prefixes_in[f] && gr_mark_family(p, f)) {
			kept += p->prefixes_in[f];
			continue;
		}
		if (keep[f] && p->prefixes_in[f])
			log_err("route", "%s: out of memory marking %s paths stale; withdrawing them",
				peer_name(p), fam_str(f));
		keep[f] = false;
		n += gr_withdraw(p, f);
	}
	p->accepted = 0; /* stale paths are not this (or the next) session's */
	p->maxpfx_warned = p->maxpfx_over = false;
	if (swept && graceful)
		log_info("route", "%s: %zu paths still stale from its previous restart removed "
			 "(RFC 4724 4.2)", peer_name(p), swept);
	else
		n += swept;
	if (keep[0] || keep[1]) {
		unsigned stale_time = p->cfg.gr.stale_time;
		ev_tstamp now = ev_now(p->d->loop);
		p->gr.restarting = true;
		p->gr.count++;
		p->gr.stale_end = now + stale_time;
		gr_timer_set(p, restart < stale_time ? restart : stale_time);
		log_event_notice("route", "gr_begin", peer_name(p),
				 "session down without NOTIFICATION: keeping its %zu paths "
			   "stale (%s%s%s) for its restart time %u s, stale-time %u s (graceful "
			   "restart, RFC 4724 4.2)", kept, keep[0] ? "IPv4" : "",
			   keep[0] && keep[1] ? ", " : "", keep[1] ? "IPv6" : "", restart, stale_time);
	} else {
		gr_timer_clear(p);
	}
	if (n)
		log_info("route", "%s: withdrew %zu prefixes learned from it", peer_name(p), n);
	export_leave(p);
}

/* Back in Established (before its table arrives): what it kept. RFC 4724
 * 4.2: no capability now, a family missing from it, or its F bit clear
 * (the peer did not keep its forwarding state) ends the family's stale
 * paths at once; the others wait for End-of-RIB or the rest of stale-time. */
void route_gr_up(struct peer *p)
{
	const struct bgp_caps *c = &p->remote_open.caps;
	ev_tstamp left = p->gr.stale_end - ev_now(p->d->loop);
	bool waiting = false, fwd;

	if (!gr_active(p))
		return;
	p->gr.restarting = false;
	if (p->src.router_id != p->remote_id || !p->cfg.gr.helper) {
		route_gr_end(p, p->cfg.gr.helper ? "its BGP identifier changed"
						 : "helper switched off");
		return;
	}
	for (int f = 0; f < 2; f++) {
		bool listed = gr_listed(c, f, &fwd);
		bool negotiated = f ? p->codec.ipv6 : p->codec.ipv4;
		if (!p->gr.stale[f])
			continue;
		if (listed && fwd && negotiated && left > 0) {
			p->gr.waiting[f] = waiting = true;
			continue;
		}
		size_t n = gr_sweep(p, f);
		log_event_notice("route", "gr_flushed", peer_name(p),
				 "back up %s for %s: %zu stale paths removed (RFC 4724 4.2)",
			   !c->gr ? "without the Graceful Restart capability"
			   : !listed ? "with the family missing from its capability"
			   : !fwd ? "without the forwarding-state (F) bit" : "without the family",
			   fam_str(f), n);
	}
	if (waiting) {
		gr_timer_set(p, left);
		log_info("route", "%s: back up; %zu stale paths wait for its End-of-RIB (%.0f s of "
			 "stale-time left)", peer_name(p), gr_stale_total(p), left);
	} else {
		gr_timer_clear(p);
	}
}

/* End-of-RIB for a family: what it did not send again goes. */
void route_gr_eor(struct peer *p, uint16_t afi)
{
	int f = afi == AFI_IPV6;

	if (!p->gr.waiting[f] && !p->gr.stale[f])
		return;
	size_t n = gr_sweep(p, f);
	log_event_notice("route", "gr_done", peer_name(p),
			 "End-of-RIB for %s: graceful restart done, %zu stale paths "
		   "removed", fam_str(f), n);
}

/* Timer consistency (the NSDI'21 incident: a 30 s stale timer against a
 * 120 s End-of-RIB wait lost traffic for 90 s). Our end-of-rib-wait is
 * the longest a restarted speaker of this fabric takes to send End-of-RIB. */
void route_gr_check_config(struct bgpd *d)
{
	const struct bgp_config *cfg = d->cfg;
	unsigned w = cfg->selection.eor_wait, r = cfg->gr_restart_time;

	if (r < w)
		log_warn("route", "graceful-restart restart-time %u s is shorter than "
			 "end-of-rib-wait %u s: a helper that keeps our paths only for our restart "
			 "time drops them before we send End-of-RIB", r, w);
	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct cfg_peer *p = &cfg->peers[i];
		if (p->gr.helper && p->gr.stale_time < w)
			log_warn("route", "%s: graceful-restart stale-time %u s is shorter than "
				 "end-of-rib-wait %u s: a restarting neighbour that waits as long "
				 "before its End-of-RIB loses its paths here first", p->name,
				 p->gr.stale_time, w);
	}
}

void route_gr_check_peer(struct peer *p)
{
	const struct bgp_caps *c = &p->remote_open.caps;
	unsigned w = p->d->cfg->selection.eor_wait, s = p->cfg.gr.stale_time;
	bool fwd;

	if (!c->gr || !(gr_listed(c, 0, &fwd) || gr_listed(c, 1, &fwd)) || !p->cfg.gr.helper ||
	    p->gr.warned_time == c->gr_time + 1)
		return;
	p->gr.warned_time = (uint16_t)(c->gr_time + 1);
	if (c->gr_time < w)
		log_warn("route", "%s: its restart time %u s is shorter than end-of-rib-wait "
			 "%u s: a helper that keeps its paths only for its restart time drops them "
			 "before it sends End-of-RIB after a restart", peer_name(p), c->gr_time, w);
	if (s < c->gr_time)
		log_warn("route", "%s: our stale-time %u s is shorter than its restart time %u s: "
			 "its paths go after %u s", peer_name(p), s, c->gr_time, s);
	else if (s < (unsigned)c->gr_time + w)
		log_warn("route", "%s: our stale-time %u s is shorter than its restart time %u s "
			 "plus end-of-rib-wait %u s: its paths may go before its End-of-RIB",
			 peer_name(p), s, c->gr_time, w);
}
