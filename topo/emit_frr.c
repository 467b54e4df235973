/* DIR/<switch>/frr.conf: the same eBGP / confederation / multipath /
 * origination configuration as closbgpd.json, for FRR 8.4 (interfaces,
 * router bgp, one route-map per route-type community), and the FRR
 * daemons file that enables bgpd. */
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

static void emit_ifaces(const struct topo_device *d, FILE *out)
{
	char b[64];
	size_t i;

	for (i = 0; i < d->nifs; i++) {
		const struct topo_iface *ifc = &d->ifs[i];

		fprintf(out, "interface %s\n", ifc->name);
		if (ifc->v4.af)
			fprintf(out, " ip address %s\n",
				topo_prefix_str(&ifc->v4, true, b));
		if (ifc->v6.af && ifc->v6.addr[0] != 0xfe)
			fprintf(out, " ipv6 address %s\n",
				topo_prefix_str(&ifc->v6, true, b));
		fprintf(out, "exit\n!\n");
	}
	fprintf(out, "interface lo\n ip address %s\n",
		topo_prefix_str(&d->lo4, true, b));
	if (d->lo6.af)
		fprintf(out, " ipv6 address %s\n",
			topo_prefix_str(&d->lo6, true, b));
	fprintf(out, "exit\n!\n");
}

/* The neighbor handle: an address, or the interface for link-local
 * IPv6 (FRR "neighbor IFNAME interface", RFC 5549-style unnumbered). */
static const char *nbr(const struct topo_session *s, char *b)
{
	if (s->linklocal) {
		snprintf(b, 64, "%s", s->ifc->name);
		return b;
	}
	return topo_prefix_str(s->af == 4 ? &s->peer_ifc->v4 : &s->peer_ifc->v6,
			       false, b);
}

static void emit_groups(const struct topo_fabric *f,
			const struct topo_session *s, size_t n, FILE *out)
{
	char seen[8][16], g[16];
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		topo_peer_group(&s[i], g);
		for (j = 0; j < k && strcmp(seen[j], g); j++)
			;
		if (j < k || k == 8)
			continue;
		strcpy(seen[k++], g);
		fprintf(out, " neighbor %s peer-group\n", g);
		fprintf(out, " neighbor %s ttl-security hops 1\n", g);
		fprintf(out, " neighbor %s timers connect %u\n", g,
			f->timers.connect_retry);
	}
}

static void emit_neighbors(const struct topo_session *s, size_t n, FILE *out)
{
	char b[64], g[16];
	size_t i;

	for (i = 0; i < n; i++) {
		nbr(&s[i], b);
		fprintf(out, " neighbor %s%s remote-as %u\n", b,
			s[i].linklocal ? " interface" : "", s[i].remote_as);
		fprintf(out, " neighbor %s peer-group %s\n", b,
			topo_peer_group(&s[i], g));
		fprintf(out, " neighbor %s description %s\n", b, s[i].peer->name);
	}
}

/* FRR counts per address family (one group per family here) and restarts
 * after whole minutes. */
static void emit_maxpfx(const struct topo_fabric *f, const char *g, FILE *out)
{
	const struct topo_maxpfx *m = &f->maxpfx;

	if (!m->limit)
		return;
	fprintf(out, "  neighbor %s maximum-prefix %u %u", g, m->limit, m->threshold);
	if (m->warning_only)
		fprintf(out, " warning-only\n");
	else
		fprintf(out, " restart %u\n", (m->restart_time + 59) / 60);
}

static void emit_af(const struct topo_fabric *f, const struct topo_device *d,
		    const struct topo_session *s, size_t n, int af, FILE *out)
{
	char b[64], g[16], last[16] = "";
	size_t i;

	fprintf(out, " !\n address-family ipv%d unicast\n", af);
	for (i = 0; i < d->norigs; i++) {
		const struct topo_orig *o = &d->origs[i];
		struct topo_prefix net = topo_prefix_net(&o->pfx);

		if (o->pfx.af != af)
			continue;
		topo_prefix_str(&net, true, b);
		/* FRR's aggregate-address originates while at least one
		 * more-specific exists (of any route type: FRR has no
		 * minimum and no contributor filter); a network is
		 * unconditional. */
		fprintf(out, "  %s %s", o->min_ms > 0 && topo_orig_is_aggregate(f, d, o)
			? "aggregate-address" : "network", b);
		if (o->route_type >= 0)
			fprintf(out, " route-map rt-%s",
				f->rtypes[o->route_type].name);
		fprintf(out, "\n");
	}
	for (i = 0; i < n; i++) {
		if (s[i].af != af || !strcmp(topo_peer_group(&s[i], g), last))
			continue;
		strcpy(last, g);
		/* Single-hop fabric: we are the next hop for everything we
		 * send. FRR keeps a received next hop towards confederation
		 * members unless told. */
		fprintf(out, "  neighbor %s activate\n  neighbor %s next-hop-self\n", g, g);
		emit_maxpfx(f, g, out);
		topo_emit_frr_group_policy(f, d, g, s[i].peer->tier, out);
	}
	fprintf(out, "  maximum-paths 64\n exit-address-family\n");
}

static void emit_route_maps(const struct topo_fabric *f,
			    const struct topo_device *d, FILE *out)
{
	uint32_t used = 0;
	size_t i;

	for (i = 0; i < d->norigs; i++)
		if (d->origs[i].route_type >= 0)
			used |= 1u << d->origs[i].route_type;
	for (i = 0; i < f->nrtypes; i++)
		if (used & (1u << i))
			fprintf(out, "route-map rt-%s permit 10\n set community "
				"%s\nexit\n!\n", f->rtypes[i].name,
				f->rtypes[i].community);
}

int topo_emit_frr(const struct topo_fabric *f, const struct topo_device *d,
		  FILE *out)
{
	struct topo_session *s = calloc(2 * d->nifs + 1, sizeof(*s));
	uint32_t *m = calloc(d->nifs + 1, sizeof(*m));
	size_t n, nm, i;
	char b[64];

	if (!s || !m) {
		free(s);
		free(m);
		return -1;
	}
	n = topo_sessions(f, d, s);
	nm = topo_confed_peers(f, d, m);
	fprintf(out, "frr version 8.4\nfrr defaults datacenter\nhostname %s\n"
		"service integrated-vtysh-config\n!\n", d->name);
	emit_ifaces(d, out);
	fprintf(out, "router bgp %u\n bgp router-id %s\n", d->asn,
		topo_prefix_str(topo_router_id(d), false, b));
	if (d->confed_id) {
		fprintf(out, " bgp confederation identifier %u\n", d->confed_id);
		if (nm)
			fprintf(out, " bgp confederation peers");
		for (i = 0; i < nm; i++)
			fprintf(out, " %u%s", m[i], i + 1 == nm ? "\n" : "");
	}
	/* multipath-relax: ECMP over FSWs of different member ASes; confed:
	 * count member ASes in the path length (RFC 5065 leaves them out) so
	 * that a detour through another RSW never ties the direct path. */
	fprintf(out, " no bgp ebgp-requires-policy\n no bgp default ipv4-unicast\n"
		" no bgp network import-check\n"
		" bgp bestpath as-path multipath-relax\n"
		" bgp bestpath as-path confed\n timers bgp %u %u\n",
		f->timers.keepalive, f->timers.hold);
	/* Graceful restart both ways (RFC 4724): helper for its neighbours
	 * and restarting speaker itself, the F bit set (zebra keeps the
	 * routes over a bgpd restart), the fabric's timers (checked against
	 * every neighbour's by closgen). */
	fprintf(out, " bgp graceful-restart\n bgp graceful-restart preserve-fw-state\n"
		" bgp graceful-restart restart-time %u\n"
		" bgp graceful-restart stalepath-time %u\n"
		" bgp graceful-restart select-defer-time %u\n",
		f->gr[d->tier].t[TOPO_GR_RESTART], f->gr[d->tier].t[TOPO_GR_STALE],
		f->gr[d->tier].t[TOPO_GR_EOR]);
	emit_groups(f, s, n, out);
	emit_neighbors(s, n, out);
	emit_af(f, d, s, n, 4, out);
	emit_af(f, d, s, n, 6, out);
	fprintf(out, "exit\n!\n");
	emit_route_maps(f, d, out);
	topo_emit_frr_policy(f, d, s, n, out);
	free(s);
	free(m);
	return ferror(out) ? -1 : 0;
}

int topo_emit_frr_daemons(FILE *out)
{
	fprintf(out, "bgpd=yes\nzebra=yes\nstaticd=no\nvtysh_enable=yes\n"
		"zebra_options=\"  -A 127.0.0.1 -s 90000000\"\n"
		"bgpd_options=\"   -A 127.0.0.1\"\n");
	return ferror(out) ? -1 : 0;
}
