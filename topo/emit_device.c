/* DIR/<switch>/closbgpd.json (the closbgp-device module) and
 * DIR/<switch>/interfaces.json (addresses a lab runner configures). */
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

static void emit_confed(const struct topo_fabric *f,
			const struct topo_device *d, FILE *out)
{
	uint32_t *m = calloc(d->nifs + 1, sizeof(*m));
	size_t i, n = m ? topo_confed_peers(f, d, m) : 0;

	fprintf(out, "    \"confederation\": {\"identifier\": %u, "
		"\"member-as\": [", d->confed_id);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? ", " : "", m[i]);
	fprintf(out, "]},\n");
	free(m);
}

/* Peer groups in order of first use: "<tier>-v4", "<tier>-v6". */
void topo_emit_maxpfx(const struct topo_maxpfx *m, FILE *out)
{
	fprintf(out, "{\"limit\": %u, \"action\": \"%s\", \"restart-time\": %u, "
		"\"warning-threshold\": %u}", m->limit, m->warning_only ? "warning" : "restart",
		m->restart_time, m->threshold);
}

static void emit_groups(const struct topo_fabric *f, const struct topo_device *d,
			const struct topo_session *s, size_t n, FILE *out)
{
	char seen[8][16], buf[16];
	size_t i, j, k = 0;

	fprintf(out, "    \"peer-group\": [");
	for (i = 0; i < n; i++) {
		topo_peer_group(&s[i], buf);
		for (j = 0; j < k && strcmp(seen[j], buf); j++)
			;
		if (j < k || k == 8)
			continue;
		strcpy(seen[k], buf);
		fprintf(out, "%s\n      {\"name\": \"%s\", \"ttl-security\": true, "
			"\"address-family\": [\"ipv%d-unicast\"]", k ? "," : "",
			buf, s[i].af);
		topo_emit_group_policy(f, d, s[i].peer->tier, out);
		if (f->maxpfx.limit) {
			fprintf(out, ", \"max-prefix\": ");
			topo_emit_maxpfx(&f->maxpfx, out);
		}
		fprintf(out, "}");
		k++;
	}
	fprintf(out, "%s],\n", k ? "\n    " : "");
}

static void emit_neighbors(const struct topo_session *s, size_t n, FILE *out)
{
	char a[64], g[16];
	size_t i;

	fprintf(out, "    \"neighbor\": [");
	for (i = 0; i < n; i++) {
		const struct topo_prefix *p =
			s[i].af == 4 ? &s[i].peer_ifc->v4 : &s[i].peer_ifc->v6;

		topo_prefix_str(p, false, a);
		if (s[i].linklocal) /* zone: link-local addresses repeat */
			snprintf(a + strlen(a), sizeof(a) - strlen(a), "%%%s",
				 s[i].ifc->name);
		fprintf(out, "%s\n      {\"address\": \"%s\", \"remote-as\": %u, "
			"\"peer-group\": \"%s\", \"description\": ",
			i ? "," : "", a, s[i].remote_as, topo_peer_group(&s[i], g));
		topo_json_str(out, s[i].peer->name);
		fprintf(out, ", \"interface\": \"%s\"}", s[i].ifc->name);
	}
	fprintf(out, "%s],\n", n ? "\n    " : "");
}

static void emit_orig(const struct topo_fabric *f, const struct topo_orig *o, bool first,
		      FILE *out)
{
	struct topo_prefix net = topo_prefix_net(&o->pfx);
	char b[64];

	fprintf(out, "%s\n      {\"prefix\": \"%s\"", first ? "" : ",",
		topo_prefix_str(&net, true, b));
	if (o->route_type >= 0)
		fprintf(out, ", \"community\": [\"%s\"]", f->rtypes[o->route_type].community);
}

/* Plain networks (loopbacks, the rack prefix: the rack's connected
 * subnet), then the aggregates with their minimum and, when the fabric
 * has route types in the device config, the contributors' route type. */
static void emit_networks(const struct topo_fabric *f,
			  const struct topo_device *d, FILE *out)
{
	size_t i, k = 0;

	fprintf(out, "    \"network\": [");
	for (i = 0; i < d->norigs; i++) {
		if (topo_orig_is_aggregate(f, d, &d->origs[i]))
			continue;
		emit_orig(f, &d->origs[i], k++ == 0, out);
		fprintf(out, "}");
	}
	fprintf(out, "%s]", k ? "\n    " : "");
	for (i = 0, k = 0; i < d->norigs; i++) {
		const struct topo_orig *o = &d->origs[i];
		const struct topo_aggregate *a = topo_orig_intent(f, d, o);

		if (!topo_orig_is_aggregate(f, d, o))
			continue;
		if (k == 0)
			fprintf(out, ",\n    \"aggregate\": [");
		emit_orig(f, o, k++ == 0, out);
		fprintf(out, ", \"min-more-specifics\": %d", o->min_ms);
		if (a && a->covers >= 0 && topo_policy_on(f))
			fprintf(out, ", \"contributor-route-type\": \"%s\"",
				f->rtypes[a->covers].name);
		fprintf(out, "}");
	}
	fprintf(out, "%s\n", k ? "\n    ]" : "");
}

int topo_emit_device(const struct topo_fabric *f, const struct topo_device *d,
		     FILE *out)
{
	struct topo_session *s = calloc(2 * d->nifs + 1, sizeof(*s));
	char b[64];
	size_t n;

	if (!s)
		return -1;
	n = topo_sessions(f, d, s);
	fprintf(out, "{\n  \"closbgp-device:bgp\": {\n");
	fprintf(out, "    \"router-id\": \"%s\",\n",
		topo_prefix_str(topo_router_id(d), false, b));
	fprintf(out, "    \"local-as\": %u,\n", d->asn);
	if (d->confed_id)
		emit_confed(f, d, out);
	fprintf(out, "    \"listen\": [{\"address\": \"0.0.0.0\", \"port\": 179}, "
		"{\"address\": \"::\", \"port\": 179}],\n");
	/* confed: like the FRR configs' "bgp bestpath as-path confed" */
	fprintf(out, "    \"route-selection\": {%s\"end-of-rib-wait\": %u},\n",
		d->confed_id ? "\"count-confederation-segments\": true, " : "",
		f->gr[d->tier].t[TOPO_GR_EOR]);
	fprintf(out, "    \"graceful-restart\": {\"restart-time\": %u, \"stale-time\": %u},\n",
		f->gr[d->tier].t[TOPO_GR_RESTART], f->gr[d->tier].t[TOPO_GR_STALE]);
	fprintf(out, "    \"timers\": {\"hold-time\": %u, \"keepalive\": %u, "
		"\"connect-retry\": %u},\n", f->timers.hold, f->timers.keepalive,
		f->timers.connect_retry);
	/* Device states: a cold start comes up DRAINED and undrains itself
	 * once its initial table is in; the state file (next to this
	 * configuration) brings a restarted daemon back in its state. */
	fprintf(out, "    \"device-state\": {\"initial\": \"drained\", \"auto-undrain\": true, "
		"\"state-file\": \"%s.state\", \"drain-time\": %u},\n", d->name,
		TOPO_DRAIN_TIME);
	topo_emit_device_policy(f, d, s, n, out);
	emit_groups(f, d, s, n, out);
	emit_neighbors(s, n, out);
	emit_networks(f, d, out);
	fprintf(out, "  }\n}\n");
	free(s);
	return ferror(out) ? -1 : 0;
}

static void emit_iface(const struct topo_fabric *f, const struct topo_device *d,
		       const struct topo_iface *i, FILE *out)
{
	char b[64];
	size_t j, k = 0;

	fprintf(out, "    {\"name\": \"%s\"", i->name);
	if (i->v4.af)
		fprintf(out, ", \"ipv4\": \"%s\"", topo_prefix_str(&i->v4, true, b));
	if (i->v6.af)
		fprintf(out, ", \"ipv6\": \"%s\"", topo_prefix_str(&i->v6, true, b));
	if (i->peer_dev >= 0) {
		const struct topo_device *p = &f->devs[i->peer_dev];

		fprintf(out, ", \"peer\": ");
		topo_json_str(out, p->name);
		fprintf(out, ", \"peer-interface\": \"%s\"",
			p->ifs[i->peer_if].name);
	}
	if (!strcmp(i->name, "br0")) {
		fprintf(out, ", \"members\": [");
		for (j = 0; j < d->nifs; j++)
			if (d->ifs[j].peer_dev >= 0 &&
			    f->devs[d->ifs[j].peer_dev].tier == TOPO_SERVER)
				fprintf(out, "%s\"%s\"", k++ ? ", " : "",
					d->ifs[j].name);
		fprintf(out, "]");
	}
	fprintf(out, "}");
}

int topo_emit_interfaces(const struct topo_fabric *f,
			 const struct topo_device *d, FILE *out)
{
	char b[64];
	size_t i;

	fprintf(out, "{\n  \"device\": ");
	topo_json_str(out, d->name);
	fprintf(out, ",\n  \"tier\": \"%s\",\n", topo_tier_name(d->tier));
	fprintf(out, "  \"loopback\": {\"ipv4\": \"%s\"",
		topo_prefix_str(&d->lo4, true, b));
	if (d->lo6.af)
		fprintf(out, ", \"ipv6\": \"%s\"", topo_prefix_str(&d->lo6, true, b));
	fprintf(out, "},\n  \"interfaces\": [");
	for (i = 0; i < d->nifs; i++) {
		fprintf(out, "%s\n", i ? "," : "");
		emit_iface(f, d, &d->ifs[i], out);
	}
	fprintf(out, "%s],\n  \"vip-ranges\": [", d->nifs ? "\n  " : "");
	for (i = 0; i < d->nvips; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "",
			topo_prefix_str(&d->vips[i], true, b));
	fprintf(out, "]\n}\n");
	return ferror(out) ? -1 : 0;
}
