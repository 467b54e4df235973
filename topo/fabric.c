/* The in-memory fabric model: devices, interfaces, links, originated
 * prefixes, and the standard route types and aggregation intent. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

int topo_errf(struct topo_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *const tier_names[TOPO_NTIERS] = {
	"ssw", "fsw", "rsw", "server"
};

const char *topo_tier_name(enum topo_tier t)
{
	return (unsigned)t < TOPO_NTIERS ? tier_names[t] : "?";
}

int topo_tier_parse(const char *s, enum topo_tier *t)
{
	int i;

	for (i = 0; i < TOPO_NTIERS; i++) {
		if (!strcmp(s, tier_names[i])) {
			*t = (enum topo_tier)i;
			return 0;
		}
	}
	return -1;
}

void topo_fabric_init(struct topo_fabric *f)
{
	memset(f, 0, sizeof(*f));
	f->scheme.min = 64512;
	f->scheme.max = 65534;
	f->scheme.rule[TOPO_SSW] = (struct topo_asn_rule){65000, TOPO_PER_PLANE};
	f->scheme.rule[TOPO_FSW] = (struct topo_asn_rule){65300, TOPO_PER_INDEX};
	f->scheme.rule[TOPO_RSW] = (struct topo_asn_rule){65400, TOPO_PER_INDEX};
	f->scheme.confed = true;
	f->scheme.confed_base = 65100;
	f->timers = (struct topo_timers){30, 10, 5};
	for (int t = 0; t < TOPO_NTIERS; t++)
		f->gr[t] = (struct topo_gr){ .t = { 120, 360, 120 } };
	f->pools.rack4_len = 24;
	f->pools.rack6_len = 64;
}

void topo_fabric_free(struct topo_fabric *f)
{
	size_t i;

	for (i = 0; i < f->ndevs; i++) {
		free(f->devs[i].ifs);
		free(f->devs[i].origs);
	}
	free(f->devs);
	free(f->links);
	free(f->aggs);
	free(f->lprefs);
	free(f->rules);
	memset(f, 0, sizeof(*f));
}

/* Grows *arr (of elements of size sz) to hold one more; 0 or -1. */
static int grow(void **arr, size_t n, size_t *cap, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct topo_device *topo_dev_add(struct topo_fabric *f, enum topo_tier tier,
				 const char *name, struct topo_err *err)
{
	struct topo_device *d;

	if (strlen(name) >= TOPO_NAME_MAX) {
		topo_errf(err, "device name '%s' is too long", name);
		return NULL;
	}
	if (grow((void **)&f->devs, f->ndevs, &f->capdevs, sizeof(*d))) {
		topo_errf(err, "out of memory");
		return NULL;
	}
	d = &f->devs[f->ndevs++];
	memset(d, 0, sizeof(*d));
	strcpy(d->name, name);
	d->tier = tier;
	d->rack = -1;
	return d;
}

struct topo_iface *topo_if_add(struct topo_device *d, const char *name,
			       struct topo_err *err)
{
	struct topo_iface *i;

	if (strlen(name) >= sizeof(i->name)) {
		topo_errf(err, "%s: interface name '%s' is too long", d->name,
			  name);
		return NULL;
	}
	if (grow((void **)&d->ifs, d->nifs, &d->capifs, sizeof(*i))) {
		topo_errf(err, "out of memory");
		return NULL;
	}
	i = &d->ifs[d->nifs++];
	memset(i, 0, sizeof(*i));
	strcpy(i->name, name);
	i->link = i->peer_dev = i->peer_if = -1;
	return i;
}

int topo_orig_add(struct topo_device *d, const struct topo_prefix *p,
		  int route_type, int min_ms, struct topo_err *err)
{
	if (grow((void **)&d->origs, d->norigs, &d->caporigs,
		 sizeof(*d->origs)))
		return topo_errf(err, "out of memory");
	d->origs[d->norigs++] = (struct topo_orig){*p, route_type, min_ms};
	return 0;
}

int topo_link_add(struct topo_fabric *f, int a, int a_if, int b, int b_if,
		  struct topo_err *err)
{
	struct topo_iface *ia = &f->devs[a].ifs[a_if];
	struct topo_iface *ib = &f->devs[b].ifs[b_if];

	if (ia->link >= 0 || ib->link >= 0)
		return topo_errf(err, "interface %s:%s is used by two links",
				 f->devs[ia->link >= 0 ? a : b].name,
				 (ia->link >= 0 ? ia : ib)->name);
	if (grow((void **)&f->links, f->nlinks, &f->caplinks,
		 sizeof(*f->links)))
		return topo_errf(err, "out of memory");
	f->links[f->nlinks] = (struct topo_link){a, a_if, b, b_if};
	ia->link = ib->link = (int)f->nlinks;
	ia->peer_dev = b;
	ia->peer_if = b_if;
	ib->peer_dev = a;
	ib->peer_if = a_if;
	f->nlinks++;
	return 0;
}

int topo_dev_find(const struct topo_fabric *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ndevs; i++)
		if (!strcmp(f->devs[i].name, name))
			return (int)i;
	return -1;
}

int topo_if_find(const struct topo_device *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nifs; i++)
		if (!strcmp(d->ifs[i].name, name))
			return (int)i;
	return -1;
}

int topo_rtype_find(const struct topo_fabric *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nrtypes; i++)
		if (!strcmp(f->rtypes[i].name, name))
			return (int)i;
	return -1;
}

static const struct topo_route_type std_rtypes[] = {
	{"rack_prefix", "65520:101", "rack (server) prefix, stays in its pod"},
	{"pod_aggregate", "65520:102", "pod aggregate originated by FSWs"},
	{"infra", "65520:103", "infrastructure: loopbacks, infra aggregates"},
	{"vip", "65520:104", "service VIP learned from a dynamic peer"},
	{"backup_path", "65520:105", "rack prefix re-advertised down as backup"},
	{"completed_backup_path", "65520:106",
	 "backup installed by an FSW; not propagated further"},
};

/* Standard intent: RSW originates its rack prefix, FSW the pod aggregate
 * while at least one rack prefix is present, SSW the infra aggregate. */
static int default_aggs(struct topo_fabric *f, struct topo_err *err)
{
	f->aggs = calloc(3, sizeof(*f->aggs));
	if (!f->aggs)
		return topo_errf(err, "out of memory");
	f->aggs[0] = (struct topo_aggregate){TOPO_SSW, topo_rtype_find(f, "infra"),
		topo_rtype_find(f, "infra"), TOPO_SCOPE_PLANE, 0};
	f->aggs[1] = (struct topo_aggregate){TOPO_FSW,
		topo_rtype_find(f, "pod_aggregate"),
		topo_rtype_find(f, "rack_prefix"), TOPO_SCOPE_POD, 1};
	f->aggs[2] = (struct topo_aggregate){TOPO_RSW,
		topo_rtype_find(f, "rack_prefix"), -1, TOPO_SCOPE_RACK, 0};
	f->naggs = 3;
	return 0;
}

int topo_defaults(struct topo_fabric *f, struct topo_err *err)
{
	size_t i;

	if (f->nrtypes == 0) {
		for (i = 0; i < sizeof(std_rtypes) / sizeof(std_rtypes[0]); i++)
			f->rtypes[i] = std_rtypes[i];
		f->nrtypes = i;
	}
	if (f->naggs == 0 && topo_rtype_find(f, "infra") >= 0 &&
	    topo_rtype_find(f, "pod_aggregate") >= 0 &&
	    topo_rtype_find(f, "rack_prefix") >= 0 && default_aggs(f, err))
		return -1;
	return topo_policy_defaults(f, err);
}
