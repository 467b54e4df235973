/* The fabric's policy intent in each switch's configuration: for closbgpd
 * the route types, LOCAL_PREF names, AS_PATH sets and one policy per
 * (direction, peer tier) — "in-from-fsw", statements "seq-10" … — on the
 * peer groups of that tier; for FRR the same as community lists, as-path
 * access lists and route-maps.  Rules apply in sequence order, the first
 * match wins, what no rule permits is denied (NSDI 2021 section 3). */
#include <string.h>

#include "topo/topo.h"

/* The rules of one (tier, direction, peer tier), by sequence. */
static size_t rules_of(const struct topo_fabric *f, enum topo_tier t, bool out,
		       enum topo_tier peer, const struct topo_rule **v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nrules && n < max; i++) {
		const struct topo_rule *r = &f->rules[i];
		if (r->tier == t && r->out == out && r->peer_tier == peer) {
			size_t k = n++;
			while (k && v[k - 1]->seq > r->seq) {
				v[k] = v[k - 1];
				k--;
			}
			v[k] = r;
		}
	}
	return n;
}

#define MAX_RULES 64

bool topo_policy_on(const struct topo_fabric *f)
{
	return f->nrules > 0;
}

const char *topo_policy_name(enum topo_tier peer, bool out, char *buf)
{
	snprintf(buf, 24, "%s-%s", out ? "out-to" : "in-from", topo_tier_name(peer));
	return buf;
}

bool topo_policy_has(const struct topo_fabric *f, enum topo_tier t, bool out,
		     enum topo_tier peer)
{
	const struct topo_rule *v[MAX_RULES];

	return rules_of(f, t, out, peer, v, MAX_RULES) > 0;
}

/* A neighbour draining (docs/operations.md) sends every path with the
 * GRACEFUL_SHUTDOWN community (RFC 8326). Import rules that set a
 * LOCAL_PREF get a twin just before them that sets the "drained" one for
 * such paths instead, so traffic leaves a draining switch before it
 * withdraws anything — the rule's own LOCAL_PREF would otherwise undo the
 * drain signal. Only when the intent names a "drained" LOCAL_PREF. */
static int gshut_lpref(const struct topo_fabric *f)
{
	for (size_t i = 0; i < f->nlprefs; i++)
		if (!strcmp(f->lprefs[i].name, "drained"))
			return (int)i;
	return -1;
}

static bool gshut_twin(const struct topo_fabric *f, const struct topo_rule *r)
{
	return !r->out && r->permit && r->lpref >= 0 && r->lpref != gshut_lpref(f) &&
	       gshut_lpref(f) >= 0;
}

/* DRAINED sends only infrastructure routes: a policy in front of the
 * export policy lets infra paths through to it and rejects the rest. */
#define DRAINED_POLICY "drained-only-infra"

/* Peer tiers d has sessions with, as a bit set. */
static unsigned peer_tiers(const struct topo_session *s, size_t n)
{
	unsigned set = 0;

	for (size_t i = 0; i < n; i++)
		set |= 1u << s[i].peer->tier;
	return set;
}

/* ---- closbgpd ------------------------------------------------------------ */

static void json_types(const struct topo_fabric *f, const char *key, uint32_t set, FILE *out)
{
	size_t k = 0;

	fprintf(out, "\"%s\": [", key);
	for (size_t i = 0; i < f->nrtypes; i++)
		if (set & (1u << i))
			fprintf(out, "%s\"%s\"", k++ ? ", " : "", f->rtypes[i].name);
	fprintf(out, "]");
}

static void aspath_set_name(const struct topo_rule *r, char *buf)
{
	snprintf(buf, 48, "re-%s-%s-%s-%u", topo_tier_name(r->tier), r->out ? "out" : "in",
		 topo_tier_name(r->peer_tier), r->seq);
}

static void device_statement(const struct topo_fabric *f, const struct topo_rule *r, bool first,
			     bool gshut, FILE *out)
{
	char b[48];
	bool m = false;
	int lp = gshut ? gshut_lpref(f) : r->lpref;

	fprintf(out, "%s\n        {\"name\": \"seq-%u%s\", \"match\": {", first ? "" : ",", r->seq,
		gshut ? "-gshut" : "");
	if (r->match) {
		json_types(f, "route-type", r->match, out);
		m = true;
	}
	if (gshut) {
		fprintf(out, "%s\"community\": {\"set\": \"gshut\"}", m ? ", " : "");
		m = true;
	}
	if (r->regex[0]) {
		aspath_set_name(r, b);
		fprintf(out, "%s\"as-path-set\": \"%s\"", m ? ", " : "", b);
	}
	fprintf(out, "}, \"actions\": {\"result\": \"%s\"", r->permit ? "accept" : "reject");
	if (r->permit && lp >= 0)
		fprintf(out, ", \"set-local-preference\": \"%s\"", f->lprefs[lp].name);
	if (r->permit && r->add) {
		fprintf(out, ", ");
		json_types(f, "add-route-type", r->add, out);
	}
	if (r->permit && r->remove) {
		fprintf(out, ", ");
		json_types(f, "remove-route-type", r->remove, out);
	}
	fprintf(out, "}}");
}

static void device_sets(const struct topo_fabric *f, const struct topo_device *d, FILE *out)
{
	char b[48];
	size_t k = 0;

	fprintf(out, "    \"defined-sets\": {\"community-set\": [{\"name\": \"gshut\", "
		"\"member\": [\"65535:0\"]}]");
	for (size_t i = 0; i < f->nrules; i++) {
		const struct topo_rule *r = &f->rules[i];
		if (r->tier != d->tier || !r->regex[0])
			continue;
		if (!k)
			fprintf(out, ", \"as-path-set\": [");
		aspath_set_name(r, b);
		fprintf(out, "%s\n      {\"name\": \"%s\", \"regex\": [", k++ ? "," : "", b);
		topo_json_str(out, r->regex);
		fprintf(out, "]}");
	}
	fprintf(out, "%s},\n", k ? "\n    ]" : "");
}

void topo_emit_device_policy(const struct topo_fabric *f, const struct topo_device *d,
			     const struct topo_session *s, size_t n, FILE *out)
{
	const struct topo_rule *v[MAX_RULES];
	unsigned tiers = peer_tiers(s, n);
	char b[24];
	size_t k = 0;

	if (!topo_policy_on(f))
		return;
	fprintf(out, "    \"policy-required\": true,\n    \"local-preference\": [");
	for (size_t i = 0; i < f->nlprefs; i++)
		fprintf(out, "%s{\"name\": \"%s\", \"value\": %u}", i ? ", " : "",
			f->lprefs[i].name, f->lprefs[i].value);
	fprintf(out, "],\n    \"route-type\": [");
	for (size_t i = 0; i < f->nrtypes; i++) {
		fprintf(out, "%s\n      {\"name\": \"%s\", \"community\": \"%s\"", i ? "," : "",
			f->rtypes[i].name, f->rtypes[i].community);
		if (f->rtypes[i].descr[0]) {
			fprintf(out, ", \"description\": ");
			topo_json_str(out, f->rtypes[i].descr);
		}
		fprintf(out, "}");
	}
	fprintf(out, "\n    ],\n");
	device_sets(f, d, out);
	fprintf(out, "    \"policy\": [");
	for (int dir = 0; dir < 2; dir++)
		for (enum topo_tier t = 0; t < TOPO_NTIERS; t++) {
			size_t nr = (tiers & (1u << t)) ? rules_of(f, d->tier, dir, t, v, MAX_RULES) : 0;
			if (!nr)
				continue;
			fprintf(out, "%s\n      {\"name\": \"%s\", \"statement\": [", k++ ? "," : "",
				topo_policy_name(t, dir, b));
			for (size_t i = 0; i < nr; i++) {
				if (gshut_twin(f, v[i]))
					device_statement(f, v[i], i == 0, true, out);
				device_statement(f, v[i], i == 0 && !gshut_twin(f, v[i]), false,
						 out);
			}
			fprintf(out, "\n      ]}");
		}
	int infra = topo_rtype_find(f, "infra");
	if (infra >= 0) {
		fprintf(out, "%s\n      {\"name\": \"" DRAINED_POLICY "\", \"statement\": [\n"
			"        {\"name\": \"infra\", \"match\": {\"route-type\": [\"infra\"]}, "
			"\"actions\": {\"result\": \"next-statement\"}},\n"
			"        {\"name\": \"rest\", \"actions\": {\"result\": \"reject\"}}\n      ]}",
			k++ ? "," : "");
	}
	fprintf(out, "%s],\n", k ? "\n    " : "");
}

/* ", \"policy\": {...}" of the peer group towards tier peer. */
void topo_emit_group_policy(const struct topo_fabric *f, const struct topo_device *d,
			    enum topo_tier peer, FILE *out)
{
	char b[24];
	bool in = topo_policy_has(f, d->tier, false, peer);
	bool ex = topo_policy_has(f, d->tier, true, peer);

	if (!topo_policy_on(f) || (!in && !ex))
		return;
	fprintf(out, ", \"policy\": {");
	if (in)
		fprintf(out, "\"import\": [\"%s\"]", topo_policy_name(peer, false, b));
	if (ex)
		fprintf(out, "%s\"export\": [\"%s\"]", in ? ", " : "", topo_policy_name(peer, true, b));
	if (ex && topo_rtype_find(f, "infra") >= 0)
		fprintf(out, ", \"export-drained\": [\"" DRAINED_POLICY "\", \"%s\"]", b);
	fprintf(out, "}");
}

/* ---- FRR ------------------------------------------------------------------ */

/* One community list per rule and purpose, one permit line per community:
 * FRR matches a standard list when any line matches (any-of). */
static void frr_list(const struct topo_fabric *f, const char *name, uint32_t set, FILE *out)
{
	for (size_t i = 0; i < f->nrtypes; i++)
		if (set & (1u << i))
			fprintf(out, "bgp community-list standard %s permit %s\n", name,
				f->rtypes[i].community);
}

/* The GRACEFUL_SHUTDOWN twin's list: a standard list's line with several
 * communities matches only paths with all of them. */
static void frr_gshut_list(const struct topo_fabric *f, const char *name, uint32_t set,
			   FILE *out)
{
	if (!set)
		fprintf(out, "bgp community-list standard %s permit graceful-shutdown\n", name);
	for (size_t i = 0; i < f->nrtypes; i++)
		if (set & (1u << i))
			fprintf(out, "bgp community-list standard %s permit %s graceful-shutdown\n",
				name, f->rtypes[i].community);
}

/* The twin goes at seq - 1: not when another rule is there. */
static bool frr_twin(const struct topo_fabric *f, const struct topo_rule *const *v, size_t n,
		     size_t i)
{
	if (!gshut_twin(f, v[i]) || v[i]->seq < 1)
		return false;
	for (size_t j = 0; j < n; j++)
		if (v[j]->seq == v[i]->seq - 1)
			return false;
	return true;
}

static void frr_entry(const struct topo_fabric *f, const char *map, const struct topo_rule *r,
		      bool gshut, FILE *out)
{
	int lp = gshut ? gshut_lpref(f) : r->lpref;

	fprintf(out, "route-map %s %s %u\n", map, r->permit ? "permit" : "deny", r->seq - gshut);
	if (gshut)
		fprintf(out, " match community %s-%u-g\n", map, r->seq);
	else if (r->match)
		fprintf(out, " match community %s-%u-m\n", map, r->seq);
	if (r->regex[0])
		fprintf(out, " match as-path %s-%u\n", map, r->seq);
	if (r->permit && lp >= 0)
		fprintf(out, " set local-preference %u\n", f->lprefs[lp].value);
	if (r->permit && r->remove)
		fprintf(out, " set comm-list %s-%u-r delete\n", map, r->seq);
	if (r->permit && r->add) {
		fprintf(out, " set community");
		for (size_t i = 0; i < f->nrtypes; i++)
			if (r->add & (1u << i))
				fprintf(out, " %s", f->rtypes[i].community);
		fprintf(out, " additive\n");
	}
	fprintf(out, "exit\n!\n");
}

void topo_emit_frr_policy(const struct topo_fabric *f, const struct topo_device *d,
			  const struct topo_session *s, size_t n, FILE *out)
{
	const struct topo_rule *v[MAX_RULES];
	unsigned tiers = peer_tiers(s, n);
	char map[24], name[48];

	if (!topo_policy_on(f))
		return;
	for (int dir = 0; dir < 2; dir++)
		for (enum topo_tier t = 0; t < TOPO_NTIERS; t++) {
			size_t nr = (tiers & (1u << t)) ? rules_of(f, d->tier, dir, t, v, MAX_RULES) : 0;
			topo_policy_name(t, dir, map);
			for (size_t i = 0; i < nr; i++) {
				snprintf(name, sizeof(name), "%s-%u-m", map, v[i]->seq);
				frr_list(f, name, v[i]->match, out);
				snprintf(name, sizeof(name), "%s-%u-r", map, v[i]->seq);
				frr_list(f, name, v[i]->permit ? v[i]->remove : 0, out);
				if (frr_twin(f, v, nr, i)) {
					snprintf(name, sizeof(name), "%s-%u-g", map, v[i]->seq);
					frr_gshut_list(f, name, v[i]->match, out);
				}
				if (v[i]->regex[0])
					fprintf(out, "bgp as-path access-list %s-%u seq 5 permit %s\n",
						map, v[i]->seq, v[i]->regex);
			}
			if (nr)
				fprintf(out, "!\n");
			for (size_t i = 0; i < nr; i++) {
				if (frr_twin(f, v, nr, i))
					frr_entry(f, map, v[i], true, out);
				frr_entry(f, map, v[i], false, out);
			}
		}
	/* Sessions of a tier without rules get nothing, as closbgpd's
	 * policy-required does (FRR would otherwise accept everything). */
	fprintf(out, "route-map deny-all deny 10\nexit\n!\n");
}

/* "neighbor GROUP route-map X in|out" lines of an address family. */
void topo_emit_frr_group_policy(const struct topo_fabric *f, const struct topo_device *d,
				const char *group, enum topo_tier peer, FILE *out)
{
	char b[24];

	if (!topo_policy_on(f))
		return;
	for (int dir = 0; dir < 2; dir++)
		fprintf(out, "  neighbor %s route-map %s %s\n", group,
			topo_policy_has(f, d->tier, dir, peer) ? topo_policy_name(peer, dir, b)
								: "deny-all",
			dir ? "out" : "in");
}
