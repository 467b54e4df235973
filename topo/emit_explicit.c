/* The explicit form of the fabric (closbgp-fabric JSON): everything the
 * compact form implies, written out so an operator can edit any detail
 * and feed it back to closgen. */
#include <string.h>

#include "topo/topo.h"

static const char *const per_names[] = {
	"tier", "plane", "pod", "index", "device"
};
static const char *const scope_names[] = { "rack", "pod", "plane" };

static void emit_pool(FILE *out, const char *name, const struct topo_prefix *v4,
		      const struct topo_prefix *v6, unsigned l4, unsigned l6,
		      const char *extra, bool comma)
{
	char b[64];
	const char *sep = "";

	fprintf(out, "      \"%s\": {", name);
	if (v4 && v4->af) {
		fprintf(out, "\"ipv4\": \"%s\"", topo_prefix_str(v4, true, b));
		sep = ", ";
	}
	if (l4) {
		fprintf(out, "%s\"ipv4-length\": %u", sep, l4);
		sep = ", ";
	}
	if (v6 && v6->af) {
		fprintf(out, "%s\"ipv6\": \"%s\"", sep, topo_prefix_str(v6, true, b));
		sep = ", ";
	}
	if (l6) {
		fprintf(out, "%s\"ipv6-length\": %u", sep, l6);
		sep = ", ";
	}
	if (extra)
		fprintf(out, "%s%s", sep, extra);
	fprintf(out, "}%s\n", comma ? "," : "");
}


/* graceful-restart: each switch tier whose timers are not the defaults,
 * all three (the explicit form spells the fabric out). */
static void emit_gr(const struct topo_fabric *f, FILE *out)
{
	static const unsigned dflt[TOPO_GR_NTIMERS] = { 120, 360, 120 };
	enum topo_tier t;
	int k, n = 0;

	for (t = TOPO_SSW; t <= TOPO_RSW; t++) {
		const struct topo_gr *g = &f->gr[t];

		for (k = 0; k < TOPO_GR_NTIMERS && g->t[k] == dflt[k]; k++)
			;
		if (k == TOPO_GR_NTIMERS)
			continue;
		fprintf(out, "%s\n      {\"name\": \"%s\", \"restart-time\": %u, "
			"\"stale-time\": %u, \"end-of-rib-wait\": %u}",
			n++ ? "," : "    \"graceful-restart\": {\"tier\": [",
			topo_tier_name(t), g->t[TOPO_GR_RESTART], g->t[TOPO_GR_STALE],
			g->t[TOPO_GR_EOR]);
	}
	if (n)
		fprintf(out, "\n    ]},\n");
}

static void emit_common(const struct topo_fabric *f, FILE *out)
{
	const struct topo_scheme *s = &f->scheme;
	const struct topo_pools *p = &f->pools;
	int t;

	fprintf(out, "    \"asn-scheme\": {\n      \"min\": %u,\n      \"max\": %u,\n",
		s->min, s->max);
	for (t = TOPO_SSW; t <= TOPO_RSW; t++)
		fprintf(out, "      \"%s\": {\"base\": %u, \"per\": \"%s\"},\n",
			topo_tier_name((enum topo_tier)t), s->rule[t].base,
			per_names[s->rule[t].per]);
	fprintf(out, "      \"confederation\": {\"enabled\": %s, "
		"\"identifier-base\": %u}\n    },\n", s->confed ? "true" : "false",
		s->confed_base);
	fprintf(out, "    \"address-pools\": {\n");
	emit_pool(out, "loopback", &p->lo4, &p->lo6, 0, 0, NULL, true);
	emit_pool(out, "point-to-point", &p->p2p4, &p->p2p6, 0, 0,
		  p->p2p6_linklocal ? "\"ipv6-mode\": \"link-local\""
				    : "\"ipv6-mode\": \"global\"", true);
	emit_pool(out, "pod", &p->pod4, &p->pod6, p->pod4_len, p->pod6_len,
		  NULL, true);
	emit_pool(out, "rack", NULL, NULL, p->rack4_len, p->rack6_len, NULL,
		  true);
	emit_pool(out, "vip", &p->vip4, &p->vip6, p->vip4_len, p->vip6_len,
		  NULL, false);
	fprintf(out, "    },\n    \"timers\": {\"hold-time\": %u, \"keepalive\": "
		"%u, \"connect-retry\": %u},\n", f->timers.hold,
		f->timers.keepalive, f->timers.connect_retry);
	if (f->maxpfx.limit) {
		fprintf(out, "    \"max-prefix\": ");
		topo_emit_maxpfx(&f->maxpfx, out);
		fprintf(out, ",\n");
	}
	emit_gr(f, out);
}

static void emit_rtypes(const struct topo_fabric *f, FILE *out)
{
	size_t i;

	fprintf(out, "    \"route-types\": {\"route-type\": [");
	for (i = 0; i < f->nrtypes; i++) {
		fprintf(out, "%s\n      {\"name\": \"%s\", \"community\": \"%s\"",
			i ? "," : "", f->rtypes[i].name, f->rtypes[i].community);
		if (f->rtypes[i].descr[0]) {
			fprintf(out, ", \"description\": ");
			topo_json_str(out, f->rtypes[i].descr);
		}
		fprintf(out, "}");
	}
	fprintf(out, "\n    ]},\n    \"aggregation\": {\"aggregate\": [");
	for (i = 0; i < f->naggs; i++) {
		const struct topo_aggregate *a = &f->aggs[i];

		fprintf(out, "%s\n      {\"tier\": \"%s\", \"route-type\": \"%s\"",
			i ? "," : "", topo_tier_name(a->tier),
			f->rtypes[a->route_type].name);
		if (a->covers >= 0)
			fprintf(out, ", \"covers\": \"%s\"",
				f->rtypes[a->covers].name);
		fprintf(out, ", \"scope\": \"%s\", \"min-more-specifics\": %u}",
			scope_names[a->scope], a->min_ms);
	}
	fprintf(out, "%s]},\n", f->naggs ? "\n    " : "");
}

static void emit_types(const struct topo_fabric *f, const char *key,
		       uint32_t set, FILE *out)
{
	size_t i, k = 0;

	if (!set)
		return;
	fprintf(out, ", \"%s\": [", key);
	for (i = 0; i < f->nrtypes; i++)
		if (set & (1u << i))
			fprintf(out, "%s\"%s\"", k++ ? ", " : "", f->rtypes[i].name);
	fprintf(out, "]");
}

static void emit_policy(const struct topo_fabric *f, FILE *out)
{
	size_t i;

	fprintf(out, "    \"policy\": {\"local-preference\": [");
	for (i = 0; i < f->nlprefs; i++)
		fprintf(out, "%s\n      {\"name\": \"%s\", \"value\": %u}",
			i ? "," : "", f->lprefs[i].name, f->lprefs[i].value);
	fprintf(out, "%s], \"rule\": [", f->nlprefs ? "\n    " : "");
	for (i = 0; i < f->nrules; i++) {
		const struct topo_rule *r = &f->rules[i];

		fprintf(out, "%s\n      {\"tier\": \"%s\", \"direction\": \"%s\", "
			"\"peer-tier\": \"%s\", \"sequence\": %u, \"action\": "
			"\"%s\"", i ? "," : "", topo_tier_name(r->tier),
			r->out ? "out" : "in", topo_tier_name(r->peer_tier),
			r->seq, r->permit ? "permit" : "deny");
		emit_types(f, "match-route-type", r->match, out);
		if (r->regex[0]) {
			fprintf(out, ", \"as-path-regex\": ");
			topo_json_str(out, r->regex);
		}
		if (r->lpref >= 0)
			fprintf(out, ", \"set-local-preference\": \"%s\"",
				f->lprefs[r->lpref].name);
		emit_types(f, "add-route-type", r->add, out);
		emit_types(f, "remove-route-type", r->remove, out);
		fprintf(out, "}");
	}
	fprintf(out, "%s]},\n", f->nrules ? "\n    " : "");
}

int topo_emit_explicit(const struct topo_fabric *f, FILE *out)
{
	size_t i;

	fprintf(out, "{\n  \"closbgp-fabric:fabric\": {\n    \"name\": \"%s\",\n",
		f->name);
	emit_common(f, out);
	emit_rtypes(f, out);
	emit_policy(f, out);
	fprintf(out, "    \"device\": [");
	for (i = 0; i < f->ndevs; i++) {
		fprintf(out, "%s\n", i ? "," : "");
		topo_emit_explicit_device(f, &f->devs[i], out);
	}
	fprintf(out, "\n    ],\n    \"link\": [");
	for (i = 0; i < f->nlinks; i++) {
		const struct topo_link *l = &f->links[i];

		fprintf(out, "%s\n      {\"a-device\": \"%s\", \"a-interface\": "
			"\"%s\", \"b-device\": \"%s\", \"b-interface\": \"%s\"}",
			i ? "," : "", f->devs[l->a].name,
			f->devs[l->a].ifs[l->a_if].name, f->devs[l->b].name,
			f->devs[l->b].ifs[l->b_if].name);
	}
	fprintf(out, "%s]\n  }\n}\n", f->nlinks ? "\n    " : "");
	return ferror(out) ? -1 : 0;
}
