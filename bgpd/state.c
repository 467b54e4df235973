/* Device states (docs/operations.md): LIVE carries production traffic;
 * WARM holds the full RIB and FIB but attracts none (every path goes out
 * through the export-warm chains with the drain signal: GRACEFUL_SHUTDOWN,
 * AS_PATH prepend towards eBGP, a low LOCAL_PREF inside); DRAINED sends
 * only what the export-drained chains accept, with the same signal.
 *
 * Transitions are make-before-break. A drain goes LIVE -> WARM and stays
 * WARM for drain-time, so neighbours move traffic to their other paths
 * while ours still exist, before DRAINED withdraws anything. An undrain
 * goes DRAINED -> WARM, again for drain-time (the neighbours, and theirs,
 * learn and program our paths while they are still the worse ones: a
 * router that advertises before its kernel has the route, as FRR does by
 * default, would otherwise drop the first packets) -> LIVE, and only once
 * every best route is in our kernel too. The
 * operator's target is kept in the state file, so a restarted daemon comes
 * back in the state it had. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bgpd/log.h"
#include "bgpd/session.h"

const char *state_name(enum dev_state s)
{
	return s == DEV_LIVE ? "live" : s == DEV_WARM ? "warm" : "drained";
}

bool state_parse(const char *s, enum dev_state *out)
{
	for (int i = DEV_LIVE; i <= DEV_DRAINED; i++)
		if (!strcmp(s, state_name((enum dev_state)i))) {
			*out = (enum dev_state)i;
			return true;
		}
	return false;
}

/* ---- the state file -------------------------------------------------------- */

/* The state kept by the last run; false when there is none (or no file is
 * configured), with a warning when the file is there but unreadable. */
static bool state_file_read(const struct bgpd *d, enum dev_state *s)
{
	const char *path = d->cfg->dev.state_file;
	char buf[32] = "";
	FILE *f;

	if (!path[0] || !(f = fopen(path, "r"))) {
		if (path[0] && errno != ENOENT)
			log_warn("state", "cannot read %s: %s", path, strerror(errno));
		return false;
	}
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	buf[strcspn(buf, " \t\r\n")] = '\0';
	if (!ok || !state_parse(buf, s)) {
		log_warn("state", "%s: not a state (live, warm or drained): \"%s\"", path, buf);
		return false;
	}
	return true;
}

/* Written whole or not at all: a temporary file, synced, renamed. */
static void state_file_write(const struct bgpd *d, enum dev_state s)
{
	const char *path = d->cfg->dev.state_file;
	char tmp[sizeof(d->cfg->dev.state_file) + 8];
	char line[16];
	int fd, len;

	if (!path[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	len = snprintf(line, sizeof(line), "%s\n", state_name(s));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, (size_t)len) != len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		log_event_err("state", "save_failed", NULL,
				 "cannot keep the state in %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
}

/* ---- transitions ----------------------------------------------------------- */

static void state_enter(struct bgpd *d, enum dev_state s, const char *why)
{
	struct devstate *v = &d->dev;

	if (v->state == s)
		return;
	log_event_notice("state", "transition", NULL,
			 "%s -> %s (%s)", state_name(v->state), state_name(s), why);
	v->state = s;
	v->since = time(NULL);
	v->since_mono = ev_now(d->loop);
	v->transitions++;
	export_reconfigure(d, false); /* groups take the state's chains */
}

/* Every best route in the kernel: no Loc-RIB change left to program and no
 * route waiting for the kernel's answer. */
size_t state_fib_pending(const struct bgpd *d)
{
	struct fib_stats st;
	size_t n = rib_loc_pending(d->loc);

	if (d->fib) {
		fib_get_stats(d->fib, &st);
		n += st.routes - st.routes_installed - st.routes_failed - st.routes_stale;
	}
	return n;
}

static void state_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	state_poll(w->data);
}

/* True while WARM has not lasted drain-time yet; the timer polls again then. */
static bool state_warm_wait(struct bgpd *d)
{
	struct devstate *v = &d->dev;
	ev_tstamp left = v->since_mono + d->cfg->dev.drain_time - ev_now(d->loop);

	if (left <= 0)
		return false;
	if (!ev_is_active(&v->timer)) {
		ev_timer_set(&v->timer, left, 0.);
		ev_timer_start(d->loop, &v->timer);
	}
	return true;
}

/* One step towards the target, when its condition holds. */
void state_poll(struct bgpd *d)
{
	struct devstate *v = &d->dev;

	if (v->state == v->target || v->initial)
		return;
	switch (v->target) {
	case DEV_WARM:
		state_enter(d, DEV_WARM, "asked");
		break;
	case DEV_LIVE:
		/* WARM for drain-time: the neighbours (and theirs) learn and
		 * program our paths while they are still the worse ones, so no
		 * traffic arrives anywhere before a kernel route for it. */
		if (v->state == DEV_DRAINED)
			state_enter(d, DEV_WARM, "undrain: advertising with the drain signal");
		if (state_warm_wait(d) || state_fib_pending(d))
			return;
		state_enter(d, DEV_LIVE, "undrain: drain-time over, every best route in the kernel");
		break;
	case DEV_DRAINED:
		if (v->state == DEV_LIVE)
			state_enter(d, DEV_WARM, "drain: advertising with the drain signal");
		/* WARM for drain-time before anything is withdrawn. */
		if (state_warm_wait(d))
			return;
		state_enter(d, DEV_DRAINED, "drain: drain-time over");
		break;
	}
}

void state_request(struct bgpd *d, enum dev_state target, const char *who)
{
	struct devstate *v = &d->dev;

	if (v->target != target)
		log_event_notice("state", "target", NULL,
				 "%s: target %s (now %s)", who, state_name(target),
			   state_name(v->state));
	v->target = target;
	ev_timer_stop(d->loop, &v->timer);
	state_file_write(d, target);
	state_poll(d);
}

/* ---- start-up: the initial table ----------------------------------------- */

/* Nothing is advertised before the configuration is processed and the
 * initial table has arrived: End-of-RIB (RFC 4724 2) for every family of
 * every established peer that can send one (it advertised the graceful
 * restart capability; from one that did not, no End-of-RIB is waited
 * for), with no session half-way through its OPEN exchange; or
 * end-of-rib-wait after the start. Meanwhile a peer that comes up is sent
 * an End-of-RIB alone: a neighbour starting at the same time waits for
 * ours as we wait for its, and both would sit out the whole wait. After
 * our own graceful restart the wait is route.c's (route_deferring: our
 * End-of-RIB then must follow our whole table). */
bool state_startup_waiting(const struct bgpd *d)
{
	return d->dev.initial;
}

static bool startup_table_in(const struct peer *p)
{
	if (!p->remote_open.caps.gr)
		return true;
	return (!p->codec.ipv4 || p->eor_received_v4) && (!p->codec.ipv6 || p->eor_received_v6);
}

void state_startup_check(struct bgpd *d)
{
	size_t up = 0;

	if (!d->dev.initial || route_deferring(d))
		return;
	for (const struct peer *p = d->peers; p; p = p->next) {
		if (p->cfg.shutdown)
			continue;
		if (p->state == FSM_OPENSENT || p->state == FSM_OPENCONFIRM)
			return;
		if (p->state == FSM_ESTABLISHED) {
			if (!startup_table_in(p))
				return;
			up++;
		}
	}
	if (up)
		state_startup_end(d, "End-of-RIB from every established peer");
}

static void startup_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	state_startup_end(w->data, "end-of-rib-wait expired");
}

void state_startup_end(struct bgpd *d, const char *why)
{
	struct devstate *v = &d->dev;

	if (!v->initial)
		return;
	ev_timer_stop(d->loop, &v->startup);
	log_event_notice("state", "initial_table", NULL,
			 "initial table in (%s): advertising, %s", why, state_name(v->state));
	v->initial = false;
	if (d->cfg->dev.auto_undrain && v->target != DEV_LIVE)
		state_request(d, DEV_LIVE, "auto-undrain after the initial table");
	else
		state_poll(d);
	for (struct peer *p = d->peers; p; p = p->next)
		if (p->join_deferred) {
			p->join_deferred = false;
			if (p->state == FSM_ESTABLISHED)
				export_join(p);
		}
}

/* A start: the state kept in the state file, else the configured initial
 * one. Until the initial table has arrived (state_startup_end) nothing
 * moves: nothing is advertised then anyway. */
void state_init(struct bgpd *d)
{
	struct devstate *v = &d->dev;
	enum dev_state s = d->cfg->dev.initial;
	bool kept = state_file_read(d, &s);

	v->state = v->target = s;
	v->since = time(NULL);
	v->since_mono = ev_now(d->loop);
	v->initial = true;
	ev_timer_init(&v->timer, state_timer_cb, 0., 0.);
	v->timer.data = d;
	ev_timer_init(&v->startup, startup_cb, d->cfg->selection.eor_wait, 0.);
	v->startup.data = d;
	ev_timer_start(d->loop, &v->startup);
	log_notice("state", "starting %s (%s)", state_name(s),
		   kept ? "kept in the state file" : d->cfg->dev.configured ? "initial" : "default");
}

void state_free(struct bgpd *d)
{
	if (d->loop) {
		ev_timer_stop(d->loop, &d->dev.timer);
		ev_timer_stop(d->loop, &d->dev.startup);
	}
}
