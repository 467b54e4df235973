/* The standard policy intent (NSDI 2021 section 3): communities only,
 * never prefixes; rack prefixes stay inside their pod; FSWs re-advertise
 * rack prefixes down as backup_path, RSWs pass backups up, FSWs install
 * them at lower preference tagged completed_backup_path; rules apply in
 * sequence order, the first match wins, what no rule matches is denied.  Added when the input has no policy at all. */
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

struct rule_spec {
	enum topo_tier tier;
	bool out;
	enum topo_tier peer;
	unsigned seq;
	const char *match, *add, *remove, *lpref;
	bool permit;
};

static const struct rule_spec std_rules[] = {
	{TOPO_RSW, false, TOPO_FSW, 10, "backup_path", NULL, NULL, "backup", true},
	{TOPO_RSW, false, TOPO_FSW, 20, "rack_prefix pod_aggregate infra vip",
	 NULL, NULL, "primary", true},
	{TOPO_RSW, true, TOPO_FSW, 10, "rack_prefix infra vip", NULL, NULL, NULL,
	 true},
	{TOPO_RSW, true, TOPO_FSW, 20, "backup_path", NULL, NULL, NULL, true},
	{TOPO_FSW, false, TOPO_RSW, 10, "backup_path", "completed_backup_path",
	 "backup_path", "backup", true},
	{TOPO_FSW, false, TOPO_RSW, 20, "rack_prefix infra vip", NULL, NULL,
	 "primary", true},
	{TOPO_FSW, true, TOPO_RSW, 10, "completed_backup_path", NULL, NULL, NULL,
	 false},
	{TOPO_FSW, true, TOPO_RSW, 20, "rack_prefix", "backup_path", NULL, NULL,
	 true},
	{TOPO_FSW, true, TOPO_RSW, 30, "pod_aggregate infra vip", NULL, NULL,
	 NULL, true},
	{TOPO_FSW, false, TOPO_SSW, 10, "pod_aggregate infra vip", NULL, NULL,
	 "primary", true},
	{TOPO_FSW, true, TOPO_SSW, 10, "pod_aggregate infra vip", NULL, NULL,
	 NULL, true},
	{TOPO_SSW, false, TOPO_FSW, 10, "pod_aggregate infra vip", NULL, NULL,
	 "primary", true},
	{TOPO_SSW, true, TOPO_FSW, 10, "pod_aggregate infra vip", NULL, NULL,
	 NULL, true},
};

static const struct topo_lpref std_lprefs[] = {
	{"primary", 100}, {"backup", 90}, {"drained", 50},
};

/* Space-separated route-type names -> bit set; -1 if one is unknown. */
static int64_t type_set(const struct topo_fabric *f, const char *names)
{
	char buf[128], *tok, *save = NULL;
	uint32_t set = 0;

	if (!names)
		return 0;
	snprintf(buf, sizeof(buf), "%s", names);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		int t = topo_rtype_find(f, tok);

		if (t < 0)
			return -1;
		set |= 1u << t;
	}
	return set;
}

static int lpref_find(const struct topo_fabric *f, const char *name)
{
	size_t i;

	for (i = 0; name && i < f->nlprefs; i++)
		if (!strcmp(f->lprefs[i].name, name))
			return (int)i;
	return -1;
}

int topo_policy_defaults(struct topo_fabric *f, struct topo_err *err)
{
	size_t n = sizeof(std_rules) / sizeof(std_rules[0]), i;

	if (f->nrules || f->nlprefs)
		return 0;
	for (i = 0; i < n; i++)
		if (type_set(f, std_rules[i].match) < 0 ||
		    type_set(f, std_rules[i].add) < 0 ||
		    type_set(f, std_rules[i].remove) < 0)
			return 0; /* custom route types: no standard policy */
	f->lprefs = calloc(3, sizeof(*f->lprefs));
	f->rules = calloc(n, sizeof(*f->rules));
	if (!f->lprefs || !f->rules)
		return topo_errf(err, "out of memory");
	memcpy(f->lprefs, std_lprefs, sizeof(std_lprefs));
	f->nlprefs = 3;
	for (i = 0; i < n; i++) {
		const struct rule_spec *r = &std_rules[i];

		f->rules[i] = (struct topo_rule){
			.tier = r->tier, .peer_tier = r->peer, .out = r->out,
			.seq = r->seq, .permit = r->permit,
			.match = (uint32_t)type_set(f, r->match),
			.add = (uint32_t)type_set(f, r->add),
			.remove = (uint32_t)type_set(f, r->remove),
			.lpref = lpref_find(f, r->lpref),
		};
	}
	f->nrules = n;
	return 0;
}
