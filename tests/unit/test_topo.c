/* Property tests of closgen's model over several fabric shapes: link and
 * device counts, matching session ends (addresses, ASNs), ASN reuse exactly
 * as the scheme says, no address used twice, every device config valid
 * against closbgp-device, explicit-form round trip, determinism, pool
 * exhaustion; the policy-intent prediction of the small fabric, checked
 * by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "topo/topo.h"

#ifndef YANG_DIR
#define YANG_DIR "topo/yang"
#endif

struct shape_case {
	unsigned planes, ssws, pods, rsws, servers, plinks;
	bool linklocal, rfc7938;
};

static const struct shape_case cases[] = {
	{1, 1, 1, 1, 0, 1, false, false},
	{2, 2, 2, 2, 1, 1, false, false},
	{2, 3, 3, 4, 2, 2, false, false},
	{4, 2, 2, 3, 0, 1, true, false},
	{3, 2, 2, 5, 1, 1, false, true},
};

static void set_pool(struct topo_prefix *p, const char *s)
{
	assert_int_equal(topo_prefix_parse(s, p), 0);
}

/* RFC 7938 style: one ASN for all SSWs, one per pod for FSWs, one per
 * RSW, no confederations. */
static void rfc7938(struct topo_fabric *f)
{
	f->scheme.rule[TOPO_SSW] = (struct topo_asn_rule){65534, TOPO_PER_TIER};
	f->scheme.rule[TOPO_FSW] = (struct topo_asn_rule){65000, TOPO_PER_POD};
	f->scheme.rule[TOPO_RSW] = (struct topo_asn_rule){64512, TOPO_PER_DEVICE};
	f->scheme.confed = false;
}

static int build(struct topo_fabric *f, const struct shape_case *c,
		 struct topo_err *err)
{
	topo_fabric_init(f);
	snprintf(f->name, sizeof(f->name), "prop");
	f->shape = (struct topo_shape){true, c->planes, c->ssws, c->pods,
				       c->rsws, c->servers, c->plinks};
	set_pool(&f->pools.lo4, "10.0.0.0/16");
	set_pool(&f->pools.lo6, "fd00:0:0:1::/64");
	set_pool(&f->pools.p2p4, "10.1.0.0/16");
	set_pool(&f->pools.p2p6, "fd00:0:0:2::/64");
	set_pool(&f->pools.pod4, "10.128.0.0/9");
	set_pool(&f->pools.pod6, "fd00:100::/40");
	set_pool(&f->pools.vip4, "10.2.0.0/16");
	f->pools.pod4_len = 16;
	f->pools.pod6_len = 48;
	f->pools.vip4_len = 28;
	f->pools.p2p6_linklocal = c->linklocal;
	if (c->rfc7938)
		rfc7938(f);
	if (topo_defaults(f, err) || topo_expand(f, err) || topo_alloc(f, err))
		return -1;
	return topo_check(f, err);
}

static size_t count_tier(const struct topo_fabric *f, enum topo_tier t)
{
	size_t i, n = 0;

	for (i = 0; i < f->ndevs; i++)
		n += f->devs[i].tier == t;
	return n;
}

static void check_counts(const struct topo_fabric *f, const struct shape_case *c)
{
	assert_int_equal(count_tier(f, TOPO_SSW), c->planes * c->ssws);
	assert_int_equal(count_tier(f, TOPO_FSW), c->pods * c->planes);
	assert_int_equal(count_tier(f, TOPO_RSW), c->pods * c->rsws);
	assert_int_equal(count_tier(f, TOPO_SERVER),
			 c->pods * c->rsws * c->servers);
	assert_int_equal(f->nlinks,
			 c->pods * c->rsws * c->planes * c->plinks +
			 c->pods * c->planes * c->ssws * c->plinks +
			 c->pods * c->rsws * c->servers);
}

/* The AS d must configure for peer p, computed from the scheme alone. */
static uint32_t expected_remote(const struct topo_device *d,
				const struct topo_device *p, bool confed)
{
	if (confed && p->tier != TOPO_SSW && d->tier != TOPO_SSW)
		return p->asn;
	if (confed && p->tier != TOPO_SSW)
		return 65100 + p->pod;
	return p->asn;
}

static void check_one_session(const struct topo_fabric *f,
			      const struct topo_device *d,
			      const struct topo_session *s, bool confed)
{
	struct topo_session *ps = calloc(2 * s->peer->nifs + 1, sizeof(*ps));
	size_t n = topo_sessions(f, s->peer, ps), i, hits = 0;

	assert_non_null(ps);
	assert_int_equal(s->remote_as, expected_remote(d, s->peer, confed));
	for (i = 0; i < n; i++) {
		if (ps[i].ifc != s->peer_ifc || ps[i].af != s->af)
			continue;
		hits++;
		assert_ptr_equal(ps[i].peer, d);
		assert_ptr_equal(ps[i].peer_ifc, s->ifc);
		assert_int_equal(ps[i].remote_as, expected_remote(s->peer, d, confed));
		assert_int_not_equal(ps[i].remote_as, s->remote_as);
	}
	assert_int_equal(hits, 1);
	free(ps);
}

static void check_sessions(const struct topo_fabric *f, const struct shape_case *c)
{
	size_t i, j, total = 0;

	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];
		struct topo_session *s = calloc(2 * d->nifs + 1, sizeof(*s));
		size_t n = topo_sessions(f, d, s);

		assert_non_null(s);
		for (j = 0; j < n; j++)
			check_one_session(f, d, &s[j], !c->rfc7938);
		total += n;
		free(s);
	}
	/* two families per switch link, counted at both ends */
	assert_int_equal(total, 2 * 2 * (f->nlinks - count_tier(f, TOPO_SERVER)));
}

static void check_asns(const struct topo_fabric *f, const struct shape_case *c)
{
	size_t i;

	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];

		if (c->rfc7938) {
			if (d->tier == TOPO_SSW)
				assert_int_equal(d->asn, 65534);
			if (d->tier == TOPO_FSW)
				assert_int_equal(d->asn, 65000 + d->pod);
			if (d->tier == TOPO_RSW)
				assert_int_equal(d->asn, 64512 + (d->pod - 1) *
						 c->rsws + d->index);
			assert_int_equal(d->confed_id, 0);
			continue;
		}
		if (d->tier == TOPO_SSW)
			assert_int_equal(d->asn, 65000 + d->plane);
		if (d->tier == TOPO_FSW)
			assert_int_equal(d->asn, 65300 + d->plane);
		if (d->tier == TOPO_RSW)
			assert_int_equal(d->asn, 65400 + d->index);
		if (d->tier == TOPO_FSW || d->tier == TOPO_RSW)
			assert_int_equal(d->confed_id, 65100 + d->pod);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every global address (loopbacks, interfaces) appears once. */
static void check_unique_addresses(const struct topo_fabric *f)
{
	size_t i, j, n = 0, cap = 0;
	char (*all)[64];

	for (i = 0; i < f->ndevs; i++)
		cap += 2 + 2 * f->devs[i].nifs;
	all = calloc(cap, sizeof(*all));
	assert_non_null(all);
	for (i = 0; i < f->ndevs; i++) {
		const struct topo_device *d = &f->devs[i];
		const struct topo_prefix *p[2] = {&d->lo4, &d->lo6};

		for (j = 0; j < 2; j++)
			if (p[j]->af)
				topo_prefix_str(p[j], false, all[n++]);
		for (j = 0; j < d->nifs; j++) {
			if (d->ifs[j].v4.af)
				topo_prefix_str(&d->ifs[j].v4, false, all[n++]);
			if (d->ifs[j].v6.af && d->ifs[j].v6.addr[0] != 0xfe)
				topo_prefix_str(&d->ifs[j].v6, false, all[n++]);
		}
	}
	qsort(all, n, sizeof(*all), cmp_str);
	for (i = 1; i < n; i++)
		if (!strcmp(all[i], all[i - 1]))
			fail_msg("address %s used twice", all[i]);
	free(all);
}

static char *render_dev(const struct topo_fabric *f, const struct topo_device *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(topo_emit_device(f, d, fp), 0);
	fclose(fp);
	return buf;
}

static void check_device_configs(const struct topo_fabric *f)
{
	struct topo_err err = {{0}};
	struct topo_validator *v = topo_validator_new(YANG_DIR, &err);
	size_t i;

	if (!v)
		fail_msg("%s", err.msg);
	for (i = 0; i < f->ndevs; i++) {
		char *json;

		if (f->devs[i].tier == TOPO_SERVER)
			continue;
		json = render_dev(f, &f->devs[i]);
		if (topo_validator_check(v, json, f->devs[i].name, &err))
			fail_msg("%s", err.msg);
		free(json);
	}
	topo_validator_free(v);
}

/* Explicit form written and read back gives byte-identical configs. */
static void check_roundtrip(const struct topo_fabric *f)
{
	char path[] = "/tmp/test_topo_XXXXXX";
	struct topo_fabric g;
	struct topo_err err = {{0}};
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	size_t i;

	assert_non_null(fp);
	assert_int_equal(topo_emit_explicit(f, fp), 0);
	fclose(fp);
	topo_fabric_init(&g);
	if (topo_load(&g, path, YANG_DIR, &err) || topo_check(&g, &err))
		fail_msg("%s", err.msg);
	unlink(path);
	assert_true(g.explicit_form);
	assert_int_equal(g.ndevs, f->ndevs);
	for (i = 0; i < f->ndevs; i++) {
		char *a, *b;

		if (f->devs[i].tier == TOPO_SERVER)
			continue;
		a = render_dev(f, &f->devs[i]);
		b = render_dev(&g, &g.devs[i]);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	topo_fabric_free(&g);
}

static void test_shapes(void **state)
{
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct topo_fabric f;
		struct topo_err err = {{0}};

		if (build(&f, &cases[k], &err))
			fail_msg("shape %zu: %s", k, err.msg);
		check_counts(&f, &cases[k]);
		check_sessions(&f, &cases[k]);
		check_asns(&f, &cases[k]);
		check_unique_addresses(&f);
		check_device_configs(&f);
		check_roundtrip(&f);
		topo_fabric_free(&f);
	}
}

/* The compact form through the YANG loader: schema defaults must give the
 * paper's scheme (plane k's SSWs share 65000+k). */
static void test_load_compact(void **state)
{
	static const char json[] =
		"{\"closbgp-fabric:fabric\": {\"name\": \"c\", \"shape\": "
		"{\"planes\": 2, \"ssws-per-plane\": 3, \"pods\": 2, "
		"\"rsws-per-pod\": 2}, \"address-pools\": {\"loopback\": "
		"{\"ipv4\": \"10.0.0.0/24\"}, \"point-to-point\": {\"ipv4\": "
		"\"10.1.0.0/24\", \"ipv6\": \"fd00::/64\"}}}}";
	struct shape_case c = {2, 3, 2, 2, 0, 1, false, false};
	char path[] = "/tmp/test_topo_XXXXXX";
	struct topo_fabric f;
	struct topo_err err = {{0}};
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	topo_fabric_init(&f);
	if (topo_load(&f, path, YANG_DIR, &err) || topo_expand(&f, &err) ||
	    topo_alloc(&f, &err) || topo_check(&f, &err))
		fail_msg("%s", err.msg);
	unlink(path);
	check_counts(&f, &c);
	check_asns(&f, &c);
	check_sessions(&f, &c);
	topo_fabric_free(&f);
}

static char *explicit_text(const struct topo_fabric *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	topo_emit_explicit(f, fp);
	fclose(fp);
	return buf;
}

static void test_deterministic(void **state)
{
	struct topo_fabric a, b;
	struct topo_err err = {{0}};
	char *ta, *tb;

	assert_int_equal(build(&a, &cases[2], &err), 0);
	assert_int_equal(build(&b, &cases[2], &err), 0);
	ta = explicit_text(&a);
	tb = explicit_text(&b);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	topo_fabric_free(&a);
	topo_fabric_free(&b);
}

static void test_pool_exhausted(void **state)
{
	struct topo_fabric f;
	struct topo_err err = {{0}};

	topo_fabric_init(&f);
	f.shape = (struct topo_shape){true, 2, 2, 2, 2, 0, 1};
	set_pool(&f.pools.lo4, "10.0.0.0/29");
	set_pool(&f.pools.p2p4, "10.1.0.0/16");
	assert_int_equal(topo_defaults(&f, &err), 0);
	assert_int_equal(topo_expand(&f, &err), 0);
	assert_int_equal(topo_alloc(&f, &err), -1);
	assert_non_null(strstr(err.msg, "loopback pool 10.0.0.0/29 is exhausted"));
	topo_fabric_free(&f);
}

static void test_asn_overflow(void **state)
{
	struct topo_fabric f;
	struct topo_err err = {{0}};
	struct shape_case c = {1, 1, 1, 3, 0, 1, false, false};

	/* RSW j gets 65400+j: narrowing the range makes rsw-1-3 overflow */
	assert_int_equal(build(&f, &c, &err), 0);
	f.scheme.max = 65402;
	assert_int_equal(topo_check(&f, &err), -1);
	assert_non_null(strstr(err.msg, "rsw-1-3: AS 65403 is outside"));
	topo_fabric_free(&f);
}

static void test_prefix_nth(void **state)
{
	struct topo_prefix pool, out;
	char b[64];

	set_pool(&pool, "10.0.0.0/30");
	assert_int_equal(topo_prefix_nth(&pool, 31, 1, &out), 0);
	assert_string_equal(topo_prefix_str(&out, true, b), "10.0.0.2/31");
	assert_int_equal(topo_prefix_nth(&pool, 31, 2, &out), -1);
	set_pool(&pool, "fd00::/64");
	assert_int_equal(topo_prefix_nth(&pool, 127, 0x81, &out), 0);
	assert_string_equal(topo_prefix_str(&out, true, b), "fd00::102/127");
	set_pool(&pool, "10.255.255.0/16");
	assert_int_equal(topo_prefix_nth(&pool, 24, 256, &out), -1);
	assert_int_equal(topo_prefix_nth(&pool, 24, 255, &out), 0);
	assert_string_equal(topo_prefix_str(&out, true, b), "10.255.255.0/24");
	assert_int_equal(topo_prefix_parse("10.0.0.1/33", &out), -1);
	assert_int_equal(topo_prefix_parse("nonsense", &out), -1);
}

/* ---- the policy-intent prediction (topo/predict.c) ------------------------- */

static void load_small(struct topo_fabric *f)
{
	struct topo_err err = {{0}};

	topo_fabric_init(f);
	if (topo_load(f, YANG_DIR "/../../tests/topo/input/small.json", YANG_DIR, &err) ||
	    topo_expand(f, &err) || topo_alloc(f, &err) || topo_check(f, &err))
		fail_msg("%s", err.msg);
}

/* Every switch of a tier holds n prefixes of each family; servers none. */
static void check_predicted(const struct topo_fabric *f, unsigned ssw, unsigned fsw,
			    unsigned rsw)
{
	const unsigned want[TOPO_NTIERS] = {ssw, fsw, rsw, 0};
	struct topo_prediction p;
	struct topo_err err = {{0}};

	assert_int_equal(topo_predict(f, &p, &err), 0);
	assert_true(p.ok);
	assert_int_equal(p.ndevs, f->ndevs);
	for (size_t i = 0; i < f->ndevs; i++) {
		if (p.v4[i] != want[f->devs[i].tier] || p.v6[i] != want[f->devs[i].tier])
			fail_msg("%s: %u IPv4 / %u IPv6 prefixes predicted, want %u", f->devs[i].name,
				 p.v4[i], p.v6[i], want[f->devs[i].tier]);
	}
	topo_prediction_free(&p);
}

static void set_pod_aggregate_min(struct topo_fabric *f, int min)
{
	int pa = topo_rtype_find(f, "pod_aggregate");

	for (size_t i = 0; i < f->ndevs; i++)
		for (size_t j = 0; j < f->devs[i].norigs; j++)
			if (f->devs[i].origs[j].route_type == pa)
				f->devs[i].origs[j].min_ms = min;
}

/* tests/topo/input/small.json: 2 planes x 2 SSWs, 2 pods x (2 FSWs + 2
 * RSWs), the standard intent (topo/policy_defaults.c).  Per family there
 * are 19 prefixes: 12 loopbacks (infra), 4 rack prefixes (rack_prefix),
 * 2 pod aggregates (pod_aggregate, each FSW of the pod while >= 1 rack
 * prefix is there) and the infra aggregate (every SSW, unconditional).
 *
 * - rack_prefix: RSW out-to-fsw seq 10 and FSW in-from-rsw seq 20 let it
 *   up, FSW out-to-rsw seq 20 sends it down tagged backup_path (RSW
 *   in-from-fsw seq 10 takes it at "backup"); FSW out-to-ssw only lets
 *   pod_aggregate/infra/vip out: an FSW and an RSW hold their pod's 2
 *   racks, an SSW none.
 * - pod_aggregate: both pods' FSWs have their 2 racks, so originate it;
 *   FSW out-to-ssw, SSW in/out and FSW in-from-ssw/out-to-rsw permit it:
 *   every switch holds both (no RSW sends it up, none needs to).
 * - infra passes every tier pair both ways, so loopbacks and the infra
 *   aggregate reach every switch that loop prevention lets them: the two
 *   SSWs of a plane share AS 6500k, so an SSW drops its plane mate's
 *   loopback (any path to it ends in 6500k): SSWs hold 11 loopbacks, the
 *   others 12.
 *
 * SSW 11 + 1 + 2 = 14, FSW 12 + 1 + 2 + 2 = 17, RSW 12 + 1 + 2 + 2 = 17. */
static void test_predict_small(void **state)
{
	struct topo_fabric f;

	load_small(&f);
	check_predicted(&f, 14, 17, 17);
	/* min-more-specifics 2: both racks of each pod are there, same */
	set_pod_aggregate_min(&f, 2);
	check_predicted(&f, 14, 17, 17);
	/* 3 > 2 racks: no pod aggregate anywhere (2 fewer everywhere) */
	set_pod_aggregate_min(&f, 3);
	check_predicted(&f, 12, 15, 15);
	topo_fabric_free(&f);
}

/* Without any policy everything passes (nothing is policy-required): the
 * 4 rack prefixes reach the spine and the other pod too; only AS_PATH loop
 * prevention still keeps a plane mate's loopback from an SSW. */
static void test_predict_no_policy(void **state)
{
	struct topo_fabric f;

	load_small(&f);
	free(f.rules);
	f.rules = NULL;
	f.nrules = 0;
	check_predicted(&f, 18, 19, 19);
	topo_fabric_free(&f);
}

/* An AS_PATH regex is not simulated: no prediction, a note says why. */
static void test_predict_regex_refused(void **state)
{
	struct topo_fabric f;
	struct topo_prediction p;
	struct topo_err err = {{0}};

	load_small(&f);
	snprintf(f.rules[0].regex, sizeof(f.rules[0].regex), "^65001_");
	assert_int_equal(topo_predict(&f, &p, &err), 0);
	assert_false(p.ok);
	assert_non_null(strstr(p.note, "as-path-regex"));
	topo_prediction_free(&p);
	topo_fabric_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_nth),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_load_compact),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_pool_exhausted),
		cmocka_unit_test(test_asn_overflow),
		cmocka_unit_test(test_predict_small),
		cmocka_unit_test(test_predict_no_policy),
		cmocka_unit_test(test_predict_regex_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
