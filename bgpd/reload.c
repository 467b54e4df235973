/* SIGHUP: re-read the configuration. Validate first; a bad file is
 * rejected and the running configuration stays. A good one is applied as
 * per-peer events: removed peers get Cease/Peer De-configured, changed ones
 * Cease/Other Configuration Change and restart, new ones start, and every
 * established session gets the difference in what we originate. A changed
 * policy needs no reset: stored paths are re-evaluated from what the peers
 * sent, and update groups re-export the difference. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/bmp.h"
#include "bgpd/log.h"
#include "bgpd/metrics.h"
#include "bgpd/session.h"

static bool reload_global_changed(const struct bgp_config *a, const struct bgp_config *b)
{
	return a->router_id.s_addr != b->router_id.s_addr || a->local_as != b->local_as ||
	       a->confed_id != b->confed_id || a->nconfed_members != b->nconfed_members ||
	       (a->nconfed_members &&
		memcmp(a->confed_members, b->confed_members,
		       a->nconfed_members * sizeof(*a->confed_members)) != 0);
}

static bool reload_listen_changed(const struct bgp_config *a, const struct bgp_config *b)
{
	if (a->nlisten != b->nlisten)
		return true;
	for (size_t i = 0; i < a->nlisten; i++)
		if (memcmp(&a->listen[i].addr, &b->listen[i].addr, sizeof(a->listen[i].addr)) != 0)
			return true;
	return false;
}

static const struct cfg_peer *reload_find(const struct bgp_config *c, const char *name)
{
	for (size_t i = 0; i < c->npeers; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	return NULL;
}

/* The peer's old TCP-MD5 key / TCP-AO MKT off the listening sockets, unless
 * the new one simply overwrites it (a password for a password: no moment
 * without one). Before the new one goes on: the kernel refuses an MKT for
 * an address with an MD5 key, or one sharing an ID with an older MKT. */
static void reload_auth_off(struct bgpd *d, const struct cfg_peer *old, const struct cfg_peer *nw)
{
	char why[256];

	if (old->auth.kind == CFG_AUTH_NONE)
		return;
	if (nw && old->auth.kind == CFG_AUTH_MD5 && nw->auth.kind == CFG_AUTH_MD5)
		return;
	listen_auth(d, old, true, why, sizeof(why));
}

/* TCP-AO MKTs added, removed or made current on the running session
 * (RFC 5925 7.3): the listening sockets and the peer's connections go from
 * p's MKTs to cp's. False, logged, when the kernel refuses a step: the
 * session is then reset as for any other key change. */
static bool reload_ao_rekey(struct bgpd *d, struct peer *p, const struct cfg_peer *cp)
{
	struct conn *conns[2] = { p->conn, p->collide };
	char why[256] = "";

	if (listen_ao_rekey(d, &p->cfg, cp, why, sizeof(why)) < 0)
		goto fail;
	for (size_t i = 0; i < 2; i++)
		if (conns[i] && conn_ao_rekey(conns[i]->fd, &p->cfg, cp, false) < 0) {
			snprintf(why, sizeof(why), "TCP-AO key change on the session's connection: %s",
				 strerror(errno));
			goto fail;
		}
	log_event_notice("config", "peer_rekeyed", peer_name(p),
			 "TCP-AO keys changed on the running session: %u MKTs, sending with "
			 "KeyID %u, asking for KeyID %u", 1u + cp->auth.naccept, cp->auth.send_id,
			 cp->auth.recv_id);
	return true;
fail:
	log_event_warn("config", "peer_rekey_failed", peer_name(p),
		       "TCP-AO key change refused by the kernel, resetting: %s", why);
	return false;
}

/* Apply the new peer list; returns the new linked list. */
static void reload_peers(struct bgpd *d, const struct bgp_config *nc, bool global_change,
			 bool redo_policy)
{
	struct peer **pp = &d->peers;

	while (*pp) {
		struct peer *p = *pp;
		const struct cfg_peer *cp = reload_find(nc, p->cfg.name);
		if (!cp) {
			log_event_notice("config", "peer_removed", peer_name(p), "removed");
			p->deleted = true;
			peer_stop(p, BGP_CEASE_PEER_UNCONFIG, "peer removed from the configuration");
			reload_auth_off(d, &p->cfg, NULL);
			*pp = p->next;
			peer_free(p);
			continue;
		}
		bool reset = global_change || config_peer_needs_reset(&p->cfg, cp);
		if (!reset && config_auth_differs(&p->cfg.auth, &cp->auth))
			reset = p->cfg.shutdown || p->auth_refused || !reload_ao_rekey(d, p, cp);
		if (reset) {
			log_event_notice("config", "peer_reset", peer_name(p),
					 "configuration changed, resetting");
			peer_stop(p, BGP_CEASE_CONFIG_CHANGE, "configuration changed");
			reload_auth_off(d, &p->cfg, cp);
		}
		p->reimport = !reset && p->prefixes_in[0] + p->prefixes_in[1] &&
			      (redo_policy || !pol_chain_same(p->cfg.import, cp->import));
		p->cfg = *cp; /* its chains are the new configuration's now */
		peer_classify(p);
		if (!p->cfg.gr.helper)
			route_gr_end(p, "graceful-restart helper switched off");
		if (reset || (p->state == FSM_IDLE && !p->held_down))
			peer_start(p); /* a max-prefix hold-down runs its time */
		pp = &p->next;
	}
	for (size_t i = 0; i < nc->npeers; i++) {
		const struct cfg_peer *cp = &nc->peers[i];
		bool known = false;
		for (struct peer *p = d->peers; p; p = p->next)
			known |= strcmp(p->cfg.name, cp->name) == 0;
		if (known)
			continue;
		struct peer *p = peer_new(d, cp);
		if (!p) {
			log_err("config", "%s: out of memory", cp->name);
			continue;
		}
		*pp = p;
		pp = &p->next;
		log_event_notice("config", "peer_added", peer_name(p), "added");
		peer_start(p);
	}
}

/* A new policy or a lower limit may put a peer over its max-prefix. */
static void reload_maxprefix(struct bgpd *d)
{
	for (struct peer *p = d->peers; p; p = p->next)
		if (p->state == FSM_ESTABLISHED && route_maxpfx(p))
			peer_stop_maxprefix(p);
}

int bgpd_reload(struct bgpd *d)
{
	char err[4096];
	struct bgp_config *nc = config_load(d->cfg_path, err, sizeof(err));
	struct bgp_config *old = d->cfg;

	if (!nc) {
		log_event_err("config", "reload_rejected", NULL,
				 "reload rejected, keeping the running configuration: %s", err);
		return -1;
	}
	bool global_change = reload_global_changed(old, nc);
	bool listen_change = reload_listen_changed(old, nc);
	const struct cfg_devstate *os = &old->dev, *ns = &nc->dev;
	bool redo_policy = old->policy->required != nc->policy->required;
	/* Outside LIVE a new drain signal changes every path sent. */
	bool redo_export = redo_policy ||
			   (d->dev.state != DEV_LIVE &&
			    (os->prepend != ns->prepend || os->local_pref != ns->local_pref ||
			     os->gshut != ns->gshut));
	/* Cached results are keyed by the old chains, about to be freed. */
	pol_cache_flush(d->pol_cache);
	d->cfg = nc;
	reload_peers(d, nc, global_change, redo_policy);
	route_reimport(d);
	export_reconfigure(d, redo_export);
	reload_maxprefix(d);
	if (listen_change) {
		listen_close(d);
		if (listen_open(d, err, sizeof(err)) < 0)
			log_err("config", "%s", err);
		/* New sockets: every neighbour's key again, or no session. */
		for (struct peer *p = d->peers; p; p = p->next)
			if (p->cfg.auth.kind != CFG_AUTH_NONE && !p->cfg.shutdown &&
			    !peer_auth_install(p))
				peer_stop(p, BGP_CEASE_CONFIG_CHANGE, "TCP authentication refused");
	}
	/* A new address or port re-binds the endpoint (a failed one is tried
	 * again); the sessions are not touched. */
	if (metrics_configure(d, err, sizeof(err)) < 0)
		log_err("config", "metrics: %s (off until a reload)", err);
	bmp_configure(d); /* collectors added, removed, changed; sessions untouched */
	struct rib_decide_cfg dc;
	route_selection_cfg(nc, &dc);
	rib_loc_set_cfg(d->loc, &dc); /* applies as prefixes next change */
	route_originate(d);
	route_gr_check_config(d);
	config_free(old);
	log_event_notice("config", "reloaded", NULL,
			 "reloaded %s: %zu peers, %zu networks", d->cfg_path, nc->npeers,
		   nc->nnetworks);
	return 0;
}
