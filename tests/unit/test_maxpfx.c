/* bgpd/route.c: the max-prefix count of paths accepted by import policy
 * (struct peer accepted, prefixes_in) stays exact under implicit
 * withdraws, duplicate announcements, withdraws of unknown prefixes,
 * paths that import policy accepts, rejects and accepts again, IPv4 and
 * IPv6 together and session resets; the warning threshold and the
 * over-limit verdict of route_peer_update; graceful restart (RFC 4724 4.2:
 * paths kept stale over a drop without NOTIFICATION, refreshed, swept at
 * End-of-RIB or when it ends, not counted against max-prefix); and a
 * randomized sequence against a reference count (fixed seed). A struct bgpd of its own,
 * route_init without the kernel FIB (-n: every next hop resolves),
 * UPDATEs handed to route_peer_update as the session would. */
#include <inttypes.h>
#include <unistd.h>

#include "bgpd/bgpd.h"
#include "bgpd/log.h"
#include "bgpd/session.h"
#include "tests/unit/policy_test.h"

#define LOCAL_AS 65301
#define PEER_AS 65001

struct fx {
	struct bgpd d;
	struct bgp_config cfg;
	struct peer *p;
	struct pol_chain *no666, *no777; /* import: reject a community, accept the rest */
	FILE *log;			 /* stderr, to count warnings */
	int saved_stderr;		 /* while captured */
};

static void no_change(struct rib_entry *e, void *arg)
{
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	f->log = tmpfile();
	assert_non_null(f->log);
	f->saved_stderr = -1;
	log_init(LOG_WARNING, false, "test_maxpfx");

	f->d.loop = ev_loop_new(EVFLAG_AUTO);
	f->d.attr_cache = rib_attr_cache_new();
	f->d.cfg = &f->cfg;
	f->d.no_fib = true;
	inet_pton(AF_INET, "10.255.1.1", &f->cfg.router_id);
	f->cfg.local_as = LOCAL_AS;
	f->cfg.selection.max_paths = 4;
	f->cfg.selection.max_aspath_len = 255;
	f->cfg.selection.eor_wait = 1;
	f->cfg.gr_restart_time = 120;
	f->cfg.policy = pt_config(LOCAL_AS);
	assert_true(f->d.loop && f->d.attr_cache);

	struct pol_config *pc = f->cfg.policy;
	const struct pol_commset *c666 = pt_commset(pc, "c666", "65000:666");
	const struct pol_commset *c777 = pt_commset(pc, "c777", "65000:777");
	struct pol_policy *a = pt_policy(pc, "no666"), *b = pt_policy(pc, "no777");
	const struct pt_act reject = { .result = POL_REJECT };
	pt_stmt(pc, a, "bad", &(struct pt_match){ .comm = c666 }, &reject);
	pt_stmt(pc, a, "rest", NULL, NULL);
	pt_stmt(pc, b, "bad", &(struct pt_match){ .comm = c777 }, &reject);
	pt_stmt(pc, b, "rest", NULL, &(struct pt_act){ .set_lpref = true, .lpref = 50 });
	f->no666 = pt_chain1(pc, a);
	f->no777 = pt_chain1(pc, b);
	if (route_init(&f->d, err, sizeof(err)) != 0)
		fail_msg("route_init: %s", err);

	struct peer *p = f->p = calloc(1, sizeof(*p));
	struct sockaddr_in *sin = (struct sockaddr_in *)&p->cfg.addr;
	assert_non_null(p);
	p->d = &f->d;
	snprintf(p->cfg.name, sizeof(p->cfg.name), "10.0.1.1");
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.1.1", &sin->sin_addr);
	p->cfg.remote_as = PEER_AS;
	p->cfg.group_idx = -1;
	p->cfg.ipv4_unicast = p->cfg.ipv6_unicast = true;
	p->ebgp = true;
	/* a Loc-RIB source as route_peer_up makes it (without joining an
	 * update group: nothing is exported here) */
	p->src.kind = RIB_SRC_EBGP;
	p->src.peer_as = PEER_AS;
	p->src.family = AF_INET;
	memcpy(p->src.addr, &sin->sin_addr, 4);
	p->src.router_id = 0x0a000101;
	p->src.owner = p;
	p->state = FSM_ESTABLISHED;
	route_gr_init(p);
	p->cfg.gr = (struct cfg_gr){ .helper = true, .stale_time = 360 };
	f->d.peers = p;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct rib_attr_stats st;

	route_gr_end(f->p, "test over");
	route_peer_down(f->p, false);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	route_gr_stop_timer(f->p);
	route_free(&f->d);
	pol_config_free(f->cfg.policy);
	free(f->p);
	rib_attr_cache_stats(f->d.attr_cache, &st);
	assert_int_equal(st.attrs, 0); /* every path's reference given back */
	rib_attr_cache_free(f->d.attr_cache);
	ev_loop_destroy(f->d.loop);
	fclose(f->log);
	free(f);
	return 0;
}

/* The daemon's log (stderr) into f->log while it runs, so the test can
 * count warnings; cmocka's own messages stay on stderr. */
static void log_capture(struct fx *f, bool on)
{
	fflush(stderr);
	if (on) {
		f->saved_stderr = dup(STDERR_FILENO);
		assert_true(f->saved_stderr >= 0 && dup2(fileno(f->log), STDERR_FILENO) >= 0);
	} else {
		dup2(f->saved_stderr, STDERR_FILENO);
		close(f->saved_stderr);
		f->saved_stderr = -1;
	}
}

/* Lines of the log so far that contain s. */
static int logged(struct fx *f, const char *s)
{
	char line[1024];
	int n = 0;

	fflush(stderr);
	rewind(f->log);
	while (fgets(line, sizeof(line), f->log))
		n += strstr(line, s) != NULL;
	fseek(f->log, 0, SEEK_END);
	return n;
}

/* ---- UPDATEs -------------------------------------------------------------- */

/* One UPDATE from the peer: path for the prefixes of nlri (IPv4 and IPv6
 * mixed, as the decoder merges MP_REACH), withdrawn ones; the verdict of
 * route_peer_update (true: over max-prefix with restart). */
static bool update(struct fx *f, const struct pt_path *path, const char *nlri,
		   const char *withdrawn)
{
	static const struct pt_path plain = { .aspath = "65001" };
	struct pt_attrs_buf b;
	struct bgp_update u;
	struct bgp_prefix in[PT_LIST], out[PT_LIST];
	char w[PT_LIST][64];
	bool r;

	memset(&u, 0, sizeof(u));
	u.nnlri = pt_words(nlri, w, PT_LIST);
	for (size_t i = 0; i < u.nnlri; i++)
		in[i] = pt_prefix(w[i]);
	u.nwithdrawn = pt_words(withdrawn, w, PT_LIST);
	for (size_t i = 0; i < u.nwithdrawn; i++)
		out[i] = pt_prefix(w[i]);
	u.nlri = in;
	u.withdrawn = out;
	if (u.nnlri) {
		u.attrs = *pt_attrs(path ? path : &plain, &b);
		inet_pton(AF_INET6, "2001:db8::1", &u.attrs.nh6);
		u.attrs.seen |= BGP_ATTR_BIT(BGP_ATTR_MP_REACH);
	}
	log_capture(f, true);
	r = route_peer_update(f->p, &u);
	log_capture(f, false);
	/* what the event loop does between UPDATEs */
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	return r;
}

static bool announce(struct fx *f, const struct pt_path *path, const char *nlri)
{
	return update(f, path, nlri, NULL);
}

static bool withdraw(struct fx *f, const char *prefixes)
{
	return update(f, NULL, NULL, prefixes);
}

/* The counters, and the Loc-RIB agreeing on the number of paths. */
static void counts(struct fx *f, size_t accepted, size_t v4, size_t v6)
{
	assert_int_equal(f->p->accepted, accepted);
	assert_int_equal(f->p->prefixes_in[0], v4);
	assert_int_equal(f->p->prefixes_in[1], v6);
	assert_int_equal(rib_loc_paths(f->d.loc), v4 + v6);
}

static const struct pt_path pa = { .aspath = "65001" };
static const struct pt_path pb = { .aspath = "65001 65002", .med = 5 };
static const struct pt_path pc_ = { .aspath = "65001 65003", .comm = "1:1" };
static const struct pt_path p666 = { .aspath = "65001", .comm = "65000:666" };
static const struct pt_path looped = { .aspath = "65001 65301" };

/* ---- the cases ------------------------------------------------------------ */

/* The same prefix again with other attributes replaces the path. */
static void t_implicit_withdraw(void **state)
{
	struct fx *f = *state;

	announce(f, &pa, "10.1.0.0/24 10.1.1.0/24");
	counts(f, 2, 2, 0);
	announce(f, &pb, "10.1.0.0/24");
	counts(f, 2, 2, 0);
	announce(f, &pc_, "10.1.0.0/24 10.1.1.0/24");
	counts(f, 2, 2, 0);
	/* unusable (looped) is still accepted by import policy */
	announce(f, &looped, "10.1.1.0/24");
	counts(f, 2, 2, 0);
	announce(f, &pa, "10.1.1.0/24");
	counts(f, 2, 2, 0);
	/* with an import policy that edits the path (a set with an origin) */
	f->p->cfg.import = f->no777;
	announce(f, &pb, "10.1.0.0/24 10.1.2.0/24");
	counts(f, 3, 3, 0);
	announce(f, &pc_, "10.1.0.0/24 10.1.2.0/24");
	counts(f, 3, 3, 0);
}

static void t_duplicates(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 3; i++) {
		announce(f, &pa, "10.1.0.0/24 10.1.1.0/24");
		counts(f, 2, 2, 0);
	}
	/* the same prefix twice in one UPDATE */
	announce(f, &pb, "10.1.2.0/24 10.1.2.0/24 10.1.2.0/24");
	counts(f, 3, 3, 0);
	/* duplicates of a rejected path */
	f->p->cfg.import = f->no666;
	for (int i = 0; i < 3; i++) {
		announce(f, &p666, "10.1.3.0/24 10.1.3.0/24");
		counts(f, 3, 4, 0);
	}
	/* duplicates through a policy that edits the path */
	f->p->cfg.import = f->no777;
	for (int i = 0; i < 3; i++) {
		announce(f, &pc_, "10.1.4.0/24");
		counts(f, 4, 5, 0);
	}
}

static void t_withdraw_unknown(void **state)
{
	struct fx *f = *state;

	withdraw(f, "10.9.0.0/24 2001:db8:9::/48");
	counts(f, 0, 0, 0);
	announce(f, &pa, "10.1.0.0/24 2001:db8:1::/48");
	counts(f, 2, 1, 1);
	withdraw(f, "10.9.0.0/24 10.1.0.0/25 10.1.0.0/23 2001:db8:9::/48");
	counts(f, 2, 1, 1);
	withdraw(f, "10.1.0.0/24");
	counts(f, 1, 0, 1);
	withdraw(f, "10.1.0.0/24"); /* again: unknown now */
	counts(f, 1, 0, 1);
	/* a withdraw and an announcement of the same prefix in one UPDATE:
	 * the withdraw goes first (RFC 4271 4.3 order) */
	update(f, &pa, "10.1.0.0/24", "10.1.0.0/24");
	counts(f, 2, 1, 1);
	/* withdrawing a rejected path leaves the accepted count */
	f->p->cfg.import = f->no666;
	announce(f, &p666, "10.1.5.0/24");
	counts(f, 2, 2, 1);
	withdraw(f, "10.1.5.0/24 10.1.5.0/24");
	counts(f, 2, 1, 1);
	withdraw(f, "10.1.0.0/24 2001:db8:1::/48");
	counts(f, 0, 0, 0);
	withdraw(f, "10.1.0.0/24 2001:db8:1::/48");
	counts(f, 0, 0, 0);
}

/* Accepted, rejected, accepted again: by the path's attributes, then by
 * a new import policy (reload: the stored paths re-evaluated). */
static void t_flip_by_policy(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;

	p->cfg.import = f->no666;
	announce(f, &pa, "10.1.0.0/24 2001:db8:1::/48");
	counts(f, 2, 1, 1);
	announce(f, &p666, "10.1.0.0/24");
	counts(f, 1, 1, 1); /* rejected, kept as filtered */
	announce(f, &p666, "10.1.0.0/24");
	counts(f, 1, 1, 1);
	announce(f, &(struct pt_path){ .aspath = "65001 65009", .comm = "65000:666" },
		 "10.1.0.0/24"); /* rejected replaces rejected */
	counts(f, 1, 1, 1);
	announce(f, &pb, "10.1.0.0/24");
	counts(f, 2, 1, 1);
	announce(f, &p666, "2001:db8:1::/48 10.1.0.0/24");
	counts(f, 0, 1, 1);
	announce(f, &pa, "2001:db8:1::/48 10.1.0.0/24");
	counts(f, 2, 1, 1);

	/* the policy changes under stored paths */
	announce(f, &(struct pt_path){ .aspath = "65001", .comm = "65000:777" }, "10.1.1.0/24");
	announce(f, &p666, "10.1.2.0/24");
	counts(f, 3, 3, 1);
	p->cfg.import = f->no777;
	p->reimport = true;
	route_reimport(&f->d);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	counts(f, 3, 3, 1); /* 10.1.1.0 out, 10.1.2.0 in */
	p->cfg.import = NULL; /* none: everything */
	p->reimport = true;
	route_reimport(&f->d);
	counts(f, 4, 3, 1);
	p->cfg.import = f->no666;
	p->reimport = true;
	route_reimport(&f->d);
	counts(f, 3, 3, 1);
	/* re-evaluated from what the peer sent, not from the edited result */
	p->cfg.import = f->no777;
	p->reimport = true;
	route_reimport(&f->d);
	p->cfg.import = f->no666;
	p->reimport = true;
	route_reimport(&f->d);
	counts(f, 3, 3, 1);
	/* the same policy again changes nothing */
	p->reimport = true;
	assert_int_equal(route_reimport(&f->d), 0);
	counts(f, 3, 3, 1);
}

static void t_v4_v6(void **state)
{
	struct fx *f = *state;

	announce(f, &pa, "10.1.0.0/24 2001:db8:1::/48 10.1.1.0/24 2001:db8:2::/48 10.1.2.0/24");
	counts(f, 5, 3, 2);
	/* the same bits in both families are two prefixes */
	announce(f, &pb, "10.0.0.0/8 a00::/8");
	counts(f, 7, 4, 3);
	withdraw(f, "2001:db8:1::/48 10.1.1.0/24 a00::/8");
	counts(f, 4, 3, 1);
	f->p->cfg.import = f->no666;
	announce(f, &p666, "2001:db8:2::/48 10.1.3.0/24");
	counts(f, 3, 4, 1);
	update(f, &pa, "2001:db8:2::/48", "10.1.0.0/24 10.1.3.0/24");
	counts(f, 3, 2, 1);
}

static void t_session_reset(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;

	p->cfg.maxpfx = (struct cfg_maxpfx){ .limit = 3, .warn_pct = 50, .restart = true };
	p->cfg.import = f->no666;
	announce(f, &pa, "10.1.0.0/24 10.1.1.0/24 2001:db8:1::/48");
	announce(f, &p666, "10.1.2.0/24");
	assert_true(announce(f, &pb, "2001:db8:2::/48"));
	counts(f, 4, 3, 2);
	assert_true(p->maxpfx_warned && p->maxpfx_over);
	route_peer_down(p, false);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	counts(f, 0, 0, 0);
	assert_false(p->maxpfx_warned || p->maxpfx_over);
	route_peer_down(p, false); /* twice: nothing left to do */
	counts(f, 0, 0, 0);
	/* the next session counts from zero, whatever came before */
	assert_false(announce(f, &pa, "10.1.0.0/24 10.1.1.0/24"));
	withdraw(f, "10.1.2.0/24 2001:db8:2::/48");
	counts(f, 2, 2, 0);
	assert_false(announce(f, &pa, "10.1.1.0/24 10.1.0.0/24"));
	counts(f, 2, 2, 0);
	assert_true(announce(f, &pa, "10.1.3.0/24 10.1.4.0/24"));
	counts(f, 4, 4, 0);
}

/* Warning action: the threshold and the limit are logged once per
 * crossing, and the session never has to go. */
static void t_maxpfx_warning(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;
	char pfx[32];

	p->cfg.maxpfx = (struct cfg_maxpfx){ .limit = 10, .warn_pct = 50, .restart = false };
	for (int i = 0; i < 5; i++) {
		snprintf(pfx, sizeof(pfx), "10.1.%d.0/24", i);
		assert_false(announce(f, &pa, pfx));
	}
	assert_false(p->maxpfx_warned); /* 5 is the threshold: not above it */
	assert_int_equal(logged(f, "of the max-prefix limit"), 0);
	assert_false(announce(f, &pa, "10.1.5.0/24"));
	assert_true(p->maxpfx_warned);
	assert_int_equal(logged(f, "6 accepted prefixes, 50% of the max-prefix limit 10"), 1);
	for (int i = 6; i < 10; i++) {
		snprintf(pfx, sizeof(pfx), "10.1.%d.0/24", i);
		assert_false(announce(f, &pa, pfx));
	}
	assert_false(p->maxpfx_over); /* at the limit */
	assert_false(announce(f, &pa, "10.1.10.0/24 10.1.11.0/24"));
	assert_true(p->maxpfx_over);
	counts(f, 12, 12, 0);
	assert_int_equal(logged(f, "of the max-prefix limit"), 1);
	assert_int_equal(logged(f, "12 accepted prefixes, over the max-prefix limit 10 "
				   "(warning only)"), 1);
	assert_false(announce(f, &pa, "10.1.12.0/24"));
	assert_int_equal(logged(f, "over the max-prefix limit"), 1);
	/* back to the threshold and over it again: warned again */
	withdraw(f, "10.1.5.0/24 10.1.6.0/24 10.1.7.0/24 10.1.8.0/24 10.1.9.0/24 10.1.10.0/24 "
		    "10.1.11.0/24 10.1.12.0/24");
	assert_false(p->maxpfx_warned);
	counts(f, 5, 5, 0);
	assert_false(announce(f, &pa, "10.1.5.0/24"));
	assert_int_equal(logged(f, "of the max-prefix limit"), 2);
	/* rejected paths do not count */
	p->cfg.import = f->no666;
	assert_false(announce(f, &p666, "10.2.0.0/24 10.2.1.0/24 10.2.2.0/24 10.2.3.0/24 "
				      "10.2.4.0/24 10.2.5.0/24"));
	counts(f, 6, 12, 0);
	/* a limit of 0 is no limit */
	p->cfg.maxpfx.limit = 0;
	p->maxpfx_warned = false;
	assert_false(announce(f, &pa, "10.3.0.0/24"));
	assert_false(p->maxpfx_warned);
}

/* Restart action: over the limit, route_peer_update says the session
 * must go (peer_stop_maxprefix is the caller's). */
static void t_maxpfx_restart(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;

	p->cfg.maxpfx = (struct cfg_maxpfx){ .limit = 4, .warn_pct = 75, .restart = true,
					     .restart_time = 5 };
	p->cfg.import = f->no666;
	assert_false(announce(f, &pa, "10.1.0.0/24 10.1.1.0/24 10.1.2.0/24"));
	assert_false(p->maxpfx_warned); /* 3 = 75% of 4 */
	assert_false(announce(f, &p666, "10.1.4.0/24 10.1.5.0/24 10.1.6.0/24"));
	assert_false(announce(f, &pa, "2001:db8:1::/48"));
	assert_true(p->maxpfx_warned);
	assert_false(p->maxpfx_over); /* 4: at the limit */
	assert_true(announce(f, &pa, "10.1.4.0/24")); /* a rejected path now accepted */
	assert_true(p->maxpfx_over);
	counts(f, 5, 6, 1);
	assert_int_equal(logged(f, "5 accepted prefixes, over the max-prefix limit 4\n"), 1);
	/* a withdraw that brings it back: the session may stay */
	assert_false(withdraw(f, "10.1.4.0/24"));
	assert_true(announce(f, &pa, "10.1.4.0/24"));
	/* an UPDATE that only withdraws unknown prefixes says the same */
	assert_true(withdraw(f, "10.7.0.0/24"));
	counts(f, 5, 6, 1);
}


/* ---- graceful restart (RFC 4724 4.2) ---------------------------------------- */

/* The peer's OPEN: the Graceful Restart capability for IPv4 and IPv6 with
 * their F bits (fwd4/fwd6), or none. */
static void gr_caps(struct peer *p, bool gr, bool fwd4, bool fwd6, bool list6)
{
	struct bgp_caps *c = &p->remote_open.caps;

	memset(c, 0, sizeof(*c));
	p->codec.ipv4 = p->codec.ipv6 = true;
	p->remote_id = p->src.router_id;
	if (!gr)
		return;
	c->gr = true;
	c->gr_time = 120;
	for (int v6 = 0; v6 < 1 + list6; v6++) {
		unsigned i = c->gr_nafi++;
		c->gr_afi[i].afi = v6 ? AFI_IPV6 : AFI_IPV4;
		c->gr_afi[i].safi = SAFI_UNICAST;
		c->gr_afi[i].flags = (v6 ? fwd6 : fwd4) ? 0x80 : 0; /* F bit */
	}
}

static size_t stale_paths(struct fx *f, const char *prefix)
{
	struct bgp_prefix pfx = pt_prefix(prefix);
	const struct rib_entry *e = rib_loc_get(f->d.loc, &pfx);
	unsigned idx;
	const struct rib_path *path = e ? rib_loc_path_of(e, &f->p->src, &idx) : NULL;

	assert_non_null(path);
	return (rib_attrs_flags(path->attrs) & RIB_ATTRS_STALE) != 0;
}

static bool gone(struct fx *f, const char *prefix)
{
	struct bgp_prefix pfx = pt_prefix(prefix);
	const struct rib_entry *e = rib_loc_get(f->d.loc, &pfx);
	unsigned idx;

	return !e || !rib_loc_path_of(e, &f->p->src, &idx);
}

/* The session drops without NOTIFICATION (TCP), then comes back. */
static void gr_drop(struct fx *f, bool graceful)
{
	log_capture(f, true);
	route_peer_down(f->p, graceful);
	log_capture(f, false);
}

static void gr_up(struct fx *f)
{
	log_capture(f, true);
	route_gr_up(f->p);
	log_capture(f, false);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
}

static void gr_eor(struct fx *f, uint16_t afi)
{
	log_capture(f, true);
	route_peer_eor(f->p, afi);
	log_capture(f, false);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
}

static void t_gr_refresh_and_eor(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;

	log_init(LOG_INFO, false, "test_maxpfx"); /* the graceful restart notices */
	p->cfg.maxpfx = (struct cfg_maxpfx){ .limit = 5, .warn_pct = 100, .restart = true };
	p->cfg.import = f->no666;
	gr_caps(p, true, true, true, true);
	announce(f, &pa, "10.1.0.0/24 10.1.1.0/24 10.1.2.0/24 2001:db8:1::/48");
	announce(f, &p666, "10.1.3.0/24"); /* filtered: kept, stale too */
	counts(f, 4, 4, 1);

	gr_drop(f, true);
	/* Every path kept, marked in place: nothing queued for the FIB or
	 * the peers. Not this session's any more: accepted 0. */
	assert_false(rib_loc_pending(f->d.loc));
	counts(f, 0, 4, 1);
	assert_int_equal(p->gr.stale[0], 4);
	assert_int_equal(p->gr.stale[1], 1);
	assert_true(p->gr.restarting && ev_is_active(&p->gr.timer));
	assert_int_equal(stale_paths(f, "10.1.0.0/24") + stale_paths(f, "10.1.3.0/24") +
			 stale_paths(f, "2001:db8:1::/48"), 3);
	assert_int_equal(rib_loc_count(f->d.loc, AF_INET), 3); /* still candidates */
	assert_int_equal(logged(f, "keeping its 5 paths stale (IPv4, IPv6) for its restart "
			       "time 120 s, stale-time 360 s"), 1);

	gr_up(f);
	assert_false(p->gr.restarting);
	assert_true(p->gr.waiting[0] && p->gr.waiting[1]);
	/* It sends part of its table again, one path changed, and three new
	 * prefixes: 5 accepted (at the limit) with 2 stale paths besides,
	 * which do not count against it. */
	assert_false(announce(f, &pa, "10.1.0.0/24"));
	assert_false(announce(f, &pb, "10.1.1.0/24 10.1.5.0/24 10.1.6.0/24 10.1.7.0/24"));
	assert_int_equal(stale_paths(f, "10.1.0.0/24") + stale_paths(f, "10.1.1.0/24"), 0);
	assert_int_equal(stale_paths(f, "10.1.2.0/24"), 1);
	counts(f, 5, 7, 1);
	assert_int_equal(p->gr.stale[0], 2);
	/* A stale path withdrawn goes, and is not counted twice. */
	assert_false(withdraw(f, "10.1.2.0/24"));
	counts(f, 5, 6, 1);
	assert_int_equal(p->gr.stale[0], 1);
	/* A new import policy keeps stale paths stale (10.1.3.0 accepted now,
	 * but not counted: it is still the old session's). */
	p->cfg.import = NULL;
	p->reimport = true;
	route_reimport(&f->d);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	assert_int_equal(stale_paths(f, "10.1.3.0/24"), 1);
	counts(f, 5, 6, 1);
	assert_int_equal(p->gr.stale[0], 1);

	gr_eor(f, AFI_IPV4); /* the IPv4 stale ones go, the IPv6 one waits */
	assert_true(gone(f, "10.1.3.0/24"));
	assert_false(gone(f, "2001:db8:1::/48"));
	counts(f, 5, 5, 1);
	assert_int_equal(logged(f, "End-of-RIB for IPv4: graceful restart done, 1 stale paths"), 1);
	assert_true(ev_is_active(&p->gr.timer));
	gr_eor(f, AFI_IPV6);
	assert_true(gone(f, "2001:db8:1::/48"));
	counts(f, 5, 5, 0);
	assert_false(ev_is_active(&p->gr.timer));
	assert_int_equal(p->gr.stale[0] + p->gr.stale[1], 0);
	/* End-of-RIB with nothing stale: nothing. */
	gr_eor(f, AFI_IPV4);
	counts(f, 5, 5, 0);
}

/* What ends the stale paths at once (RFC 4724 4.2), and what keeps none. */
static void t_gr_endings(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;

	log_init(LOG_INFO, false, "test_maxpfx");	const char *all = "10.1.0.0/24 10.1.1.0/24 2001:db8:1::/48";

	/* A second drop while stale: what is still stale goes, what was
	 * sent again becomes stale. */
	gr_caps(p, true, true, true, true);
	announce(f, &pa, all);
	gr_drop(f, true);
	gr_up(f);
	announce(f, &pa, "10.1.0.0/24");
	counts(f, 1, 2, 1);
	gr_drop(f, true);
	assert_true(gone(f, "10.1.1.0/24") && gone(f, "2001:db8:1::/48"));
	assert_int_equal(stale_paths(f, "10.1.0.0/24"), 1);
	counts(f, 0, 1, 0);
	assert_int_equal(p->gr.stale[0], 1);
	assert_int_equal(p->gr.count, 2);

	/* The restart or stale timer (the same code): everything stale goes. */
	log_capture(f, true);
	route_gr_end(p, "its restart time expired");
	log_capture(f, false);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	counts(f, 0, 0, 0);
	assert_false(p->gr.restarting || ev_is_active(&p->gr.timer));

	/* Back without the F bit for IPv6 (its forwarding state was not
	 * kept): the IPv6 stale paths go when it is up, IPv4 ones wait. */
	announce(f, &pa, all);
	gr_drop(f, true);
	gr_caps(p, true, true, false, true);
	gr_up(f);
	counts(f, 0, 2, 0);
	assert_int_equal(logged(f, "without the forwarding-state (F) bit for IPv6: 1 stale"), 1);
	assert_true(p->gr.waiting[0] && !p->gr.waiting[1]);
	/* ... then a NOTIFICATION (a drop that is not graceful): all gone. */
	announce(f, &pa, "10.1.5.0/24");
	gr_drop(f, false);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	counts(f, 0, 0, 0);
	assert_int_equal(p->gr.stale[0] + p->gr.stale[1], 0);
	assert_false(ev_is_active(&p->gr.timer));

	/* Back without the capability at all: everything stale goes. */
	gr_caps(p, true, true, true, true);
	announce(f, &pa, all);
	gr_drop(f, true);
	gr_caps(p, false, false, false, false);
	gr_up(f);
	counts(f, 0, 0, 0);

	/* IPv6 missing from its capability: only IPv4 is kept over the drop. */
	gr_caps(p, true, true, true, false);
	announce(f, &pa, all);
	gr_drop(f, true);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	counts(f, 0, 2, 0);
	gr_up(f);
	announce(f, &pa, all);
	gr_eor(f, AFI_IPV4);
	counts(f, 3, 2, 1);

	/* Helper switched off: nothing is kept. */
	p->cfg.gr.helper = false;
	gr_drop(f, true);
	rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
	counts(f, 0, 0, 0);
	p->cfg.gr.helper = true;

	/* A peer that came back with another BGP identifier is another
	 * speaker: its stale paths (ranked by the old one) go. */
	gr_caps(p, true, true, true, true);
	announce(f, &pa, all);
	gr_drop(f, true);
	p->remote_id = p->src.router_id + 1;
	gr_up(f);
	counts(f, 0, 0, 0);
	p->remote_id = p->src.router_id;

	/* A session that failed before Established (a NOTIFICATION in
	 * OpenSent) leaves the stale paths to the restart timer. */
	announce(f, &pa, all);
	gr_drop(f, true);
	p->state = FSM_OPENSENT;
	gr_drop(f, false);
	p->state = FSM_ESTABLISHED;
	counts(f, 0, 2, 1);
	assert_true(p->gr.restarting);
}

/* ---- randomized against a reference ---------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

#define NPFX 48	/* 32 IPv4, 16 IPv6 */
#define NOPS 4000

static const struct pt_path variants[] = {
	{ .aspath = "65001" },
	{ .aspath = "65001", .comm = "65000:666" },
	{ .aspath = "65001", .comm = "65000:777" },
	{ .aspath = "65001 65301" }, /* looped: accepted, not usable */
	{ .aspath = "65001 65002", .med = 5 },
	{ .aspath = "65001", .comm = "65000:666 65000:777" },
};
#define NVAR (sizeof(variants) / sizeof(variants[0]))

static bool ref_accepts(const struct fx *f, const struct pol_chain *ch, size_t var)
{
	const char *c = variants[var].comm ? variants[var].comm : "";

	if (ch == f->no666)
		return !strstr(c, "666");
	if (ch == f->no777)
		return !strstr(c, "777");
	return true;
}

static void pfx_name(int i, char *buf, size_t len)
{
	if (i < 32)
		snprintf(buf, len, "10.%d.%d.0/24", i / 8, i % 8);
	else
		snprintf(buf, len, "2001:db8:%x::/48", i);
}

static void t_random(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;
	int have[NPFX];		/* variant + 1, 0: absent */
	struct pol_chain *chains[3] = { NULL, f->no666, f->no777 };
	uint64_t ops[5] = { 0 }, over = 0;

	memset(have, 0, sizeof(have));
	p->cfg.maxpfx = (struct cfg_maxpfx){ .limit = 30, .warn_pct = 60, .restart = true };
	p->cfg.import = f->no666;
	for (int n = 0; n < NOPS; n++) {
		uint32_t op = rnd(100);
		char nlri[PT_LIST * 24] = "", wd[PT_LIST * 24] = "", name[32];
		bool r = false, from_update = true;

		if (op < 55) { /* announce a few prefixes, maybe repeated, maybe one withdrawn */
			size_t var = rnd(NVAR);
			int k = 1 + (int)rnd(6);
			if (rnd(4) == 0) { /* withdrawn first (RFC 4271 4.3), then the NLRI */
				int x = (int)rnd(NPFX);
				pfx_name(x, wd, sizeof(wd));
				have[x] = 0;
			}
			for (int i = 0; i < k; i++) {
				int x = (int)rnd(NPFX);
				pfx_name(x, name, sizeof(name));
				strcat(strcat(nlri, " "), name);
				have[x] = (int)var + 1;
			}
			r = update(f, &variants[var], nlri, wd);
			ops[0]++;
		} else if (op < 90) { /* withdraw, known or not */
			int k = 1 + (int)rnd(4);
			for (int i = 0; i < k; i++) {
				int x = (int)rnd(NPFX);
				pfx_name(x, name, sizeof(name));
				strcat(strcat(wd, " "), name);
				have[x] = 0;
			}
			r = withdraw(f, wd);
			ops[1]++;
		} else if (op < 97) { /* a new import policy (reload) */
			p->cfg.import = chains[rnd(3)];
			p->reimport = true;
			route_reimport(&f->d);
			rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
			from_update = false;
			ops[2]++;
		} else { /* the session resets */
			route_peer_down(p, false);
			rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
			memset(have, 0, sizeof(have));
			from_update = false;
			ops[3]++;
		}
		size_t acc = 0, v4 = 0, v6 = 0;
		for (int i = 0; i < NPFX; i++) {
			if (!have[i])
				continue;
			acc += ref_accepts(f, p->cfg.import, (size_t)have[i] - 1);
			v4 += i < 32;
			v6 += i >= 32;
		}
		if (p->accepted != acc || p->prefixes_in[0] != v4 || p->prefixes_in[1] != v6)
			fail_msg("operation %d (%u): accepted %zu v4 %zu v6 %zu, reference %zu %zu %zu "
				 "(nlri '%s' withdrawn '%s')", n, op, p->accepted, p->prefixes_in[0],
				 p->prefixes_in[1], acc, v4, v6, nlri, wd);
		assert_int_equal(rib_loc_paths(f->d.loc), v4 + v6);
		if (from_update) {
			assert_int_equal(r, acc > 30);
			assert_int_equal(p->maxpfx_warned, acc > 18);
			over += r;
		}
	}
	print_message("%" PRIu64 " updates, %" PRIu64 " withdraws, %" PRIu64 " reloads, %" PRIu64
		      " resets; %" PRIu64 " over the limit\n", ops[0], ops[1], ops[2], ops[3],
		      over);
	assert_true(over > 0 && ops[2] > 0 && ops[3] > 0);
}

/* Graceful restarts in a random sequence: drops without NOTIFICATION
 * (consecutive ones too), returns with or without the F bit, End-of-RIB
 * per family, expiry, resets; counts and stale marks against a reference. */
static void t_gr_random(void **state)
{
	struct fx *f = *state;
	struct peer *p = f->p;
	int have[NPFX];		/* variant + 1, 0: absent */
	bool stale[NPFX], down = false;
	uint64_t ops[6] = { 0 };

	memset(have, 0, sizeof(have));
	memset(stale, 0, sizeof(stale));
	p->cfg.maxpfx = (struct cfg_maxpfx){ .limit = 20, .warn_pct = 100, .restart = false };
	p->cfg.import = f->no666;
	gr_caps(p, true, true, true, true);
	for (int n = 0; n < NOPS; n++) {
		uint32_t op = rnd(100);
		char nlri[PT_LIST * 24] = "", wd[PT_LIST * 24] = "", name[32];

		if (down) { /* back up (F bits at random), or the timer first */
			if (op < 15) {
				route_gr_end(p, "timer");
				for (int i = 0; i < NPFX; i++)
					if (stale[i])
						have[i] = stale[i] = 0;
				ops[4]++;
			} else {
				bool fwd4 = rnd(5), fwd6 = rnd(5);
				gr_caps(p, true, fwd4, fwd6, true);
				route_gr_up(p);
				for (int i = 0; i < NPFX; i++)
					if (stale[i] && !(i < 32 ? fwd4 : fwd6))
						have[i] = stale[i] = 0;
				gr_caps(p, true, true, true, true);
			}
			down = false;
		} else if (op < 60) {
			size_t var = rnd(NVAR);
			int k = 1 + (int)rnd(6);
			for (int i = 0; i < k; i++) {
				int x = (int)rnd(NPFX);
				pfx_name(x, name, sizeof(name));
				strcat(strcat(nlri, " "), name);
				have[x] = (int)var + 1;
				stale[x] = false;
			}
			update(f, &variants[var], nlri, NULL);
			ops[0]++;
		} else if (op < 85) {
			int x = (int)rnd(NPFX);
			pfx_name(x, wd, sizeof(wd));
			have[x] = stale[x] = 0;
			withdraw(f, wd);
			ops[1]++;
		} else if (op < 91) { /* End-of-RIB for one family */
			int v6 = (int)rnd(2);
			route_peer_eor(p, v6 ? AFI_IPV6 : AFI_IPV4);
			for (int i = 0; i < NPFX; i++)
				if (stale[i] && (i >= 32) == v6)
					have[i] = stale[i] = 0;
			ops[2]++;
		} else if (op < 98) { /* dropped without NOTIFICATION */
			route_peer_down(p, true);
			for (int i = 0; i < NPFX; i++) {
				if (stale[i])
					have[i] = stale[i] = 0; /* consecutive restart */
				else if (have[i])
					stale[i] = true;
			}
			down = true;
			ops[3]++;
		} else { /* a NOTIFICATION */
			route_peer_down(p, false);
			memset(have, 0, sizeof(have));
			memset(stale, 0, sizeof(stale));
			ops[5]++;
		}
		rib_loc_drain(f->d.loc, SIZE_MAX, no_change, NULL);
		size_t acc = 0, v4 = 0, v6 = 0, st[2] = { 0, 0 };
		for (int i = 0; i < NPFX; i++) {
			if (!have[i])
				continue;
			if (stale[i])
				st[i >= 32]++;
			else
				acc += ref_accepts(f, p->cfg.import, (size_t)have[i] - 1);
			v4 += i < 32;
			v6 += i >= 32;
		}
		if (p->accepted != acc || p->prefixes_in[0] != v4 || p->prefixes_in[1] != v6 ||
		    p->gr.stale[0] != st[0] || p->gr.stale[1] != st[1])
			fail_msg("operation %d (%u): accepted %zu v4 %zu v6 %zu stale %zu/%zu, "
				 "reference %zu %zu %zu %zu/%zu", n, op, p->accepted,
				 p->prefixes_in[0], p->prefixes_in[1], p->gr.stale[0], p->gr.stale[1],
				 acc, v4, v6, st[0], st[1]);
		assert_int_equal(rib_loc_paths(f->d.loc), v4 + v6);
		for (int i = 0; i < NPFX; i += 7) { /* the marks themselves, a sample */
			if (!have[i])
				continue;
			pfx_name(i, name, sizeof(name));
			assert_int_equal(stale_paths(f, name), stale[i]);
		}
	}
	print_message("%" PRIu64 " updates, %" PRIu64 " withdraws, %" PRIu64 " End-of-RIBs, %"
		      PRIu64 " graceful drops, %" PRIu64 " expiries, %" PRIu64 " NOTIFICATIONs\n",
		      ops[0], ops[1], ops[2], ops[3], ops[4], ops[5]);
	assert_true(ops[3] > 50 && ops[4] > 0 && ops[5] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_implicit_withdraw, setup, teardown),
		cmocka_unit_test_setup_teardown(t_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(t_withdraw_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(t_flip_by_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(t_v4_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(t_session_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(t_maxpfx_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(t_maxpfx_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gr_refresh_and_eor, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gr_endings, setup, teardown),
		cmocka_unit_test_setup_teardown(t_random, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gr_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
