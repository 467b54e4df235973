/* closctl: the command-line client of closbgpd's control socket. A thin
 * client of bgpd/control.proto: parse the command, send one Request, render
 * the Response frames as text tables or JSON. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/ctl_client.h"
#include "tools/ctl_render.h"

#define CLOSCTL_DEFAULT_SOCKET "/run/closbgp/closbgpd.sock"

struct closctl_opts {
	const char *socket;
	bool json, help;
	bool wait;	     /* --wait: until the state transition is complete */
	double timeout;	     /* --timeout SECONDS for --wait */
	bool received;	     /* --received */
	const char *peer;    /* --peer */
	const char *pos[4];  /* the command words */
	int npos;
};

static void usage(FILE *f)
{
	fputs("usage: closctl [-s SOCKET] [--json] COMMAND\n"
	      "\n"
	      "commands:\n"
	      "  show summary                          sessions at a glance\n"
	      "  show peers [ADDRESS]                  session details\n"
	      "  show routes [PREFIX] [--peer ADDRESS] the Loc-RIB: every usable path, marked\n"
	      "                                        *> best, *= multipath (ECMP), * valid\n"
	      "  show routes received [PREFIX] [--peer ADDRESS]\n"
	      "                                        what peers sent (Adj-RIB-In), looped too\n"
	      "  show routes filtered [PREFIX] [--peer ADDRESS]\n"
	      "                                        paths import policy rejected (kept), with\n"
	      "                                        the policy and statement that rejected them\n"
	      "  show policy [NAME]                    policies: statements in order, match\n"
	      "                                        counters, result cache size and hit rate\n"
	      "  show fib                              routes in the kernel, nexthop ids, groups\n"
	      "  show memory                           interned attributes and table memory\n"
	      "  show state                            device state (live, warm, drained), its\n"
	      "                                        target, what each update group is sent\n"
	      "  drain [--wait]                        LIVE -> WARM -> DRAINED: traffic moves away\n"
	      "                                        first, then routes are withdrawn\n"
	      "  undrain [--wait]                      DRAINED -> WARM -> LIVE, once every best\n"
	      "                                        route is in the kernel\n"
	      "  state live|drained|warm [--wait]      set the state (drained and live go the\n"
	      "                                        same way as drain and undrain)\n"
	      "  clear peer ADDRESS                    (not supported yet)\n"
	      "\n"
	      "options:\n"
	      "  -s, --socket PATH  control socket (default " CLOSCTL_DEFAULT_SOCKET ")\n"
	      "  -j, --json         JSON output\n"
	      "  -w, --wait         drain/undrain/state: return when the state is reached\n"
	      "  -t, --timeout SEC  give up waiting after SEC seconds (default 300; exit 1)\n"
	      "  -h, --help         this text\n",
	      f);
}

/* Options may appear anywhere; the rest are the command words. -1 on misuse. */
static int parse_args(int argc, char **argv, struct closctl_opts *o)
{
	o->socket = CLOSCTL_DEFAULT_SOCKET;
	o->timeout = 300;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			o->help = true;
		else if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			o->json = true;
		else if (!strcmp(a, "--received"))
			o->received = true;
		else if (!strcmp(a, "-w") || !strcmp(a, "--wait"))
			o->wait = true;
		else if (!strcmp(a, "-t") || !strcmp(a, "--timeout")) {
			char *end;
			if (++i == argc)
				return -1;
			o->timeout = strtod(argv[i], &end);
			if (*end || end == argv[i] || !(o->timeout > 0))
				return -1;
		}
		else if (!strncmp(a, "--socket=", 9))
			o->socket = a + 9;
		else if (!strcmp(a, "-s") || !strcmp(a, "--socket") || !strcmp(a, "--peer")) {
			if (++i == argc)
				return -1;
			*(a[2] == 'p' ? &o->peer : &o->socket) = argv[i];
		} else if (a[0] == '-' && a[1])
			return -1;
		else if (o->npos == (int)(sizeof(o->pos) / sizeof(o->pos[0])))
			return -1;
		else
			o->pos[o->npos++] = a;
	}
	return 0;
}

static bool is(const struct closctl_opts *o, int n, const char *w0, const char *w1)
{
	return o->npos >= n && !strcmp(o->pos[0], w0) && (!w1 || !strcmp(o->pos[1], w1));
}

/* The show commands. Fills the request's sub-message from storage in u. */
static int build_show(const struct closctl_opts *o, Closbgp__Ctl__Request *q, void *u)
{
	if ((is(o, 2, "show", "summary") || is(o, 2, "show", "memory")) && o->npos == 2) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_SUMMARY;
		closbgp__ctl__show_summary_request__init(q->show_summary = u);
	} else if (is(o, 2, "show", "peers") && o->npos <= 3) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_PEERS;
		closbgp__ctl__show_peers_request__init(q->show_peers = u);
		if (o->npos == 3)
			q->show_peers->address = (char *)o->pos[2];
	} else if (is(o, 2, "show", "routes") && o->npos <= 4) {
		/* "show routes received [PREFIX]" = "show routes [PREFIX] --received";
		 * "show routes filtered [PREFIX]" the same for rejected paths */
		bool filtered = o->npos >= 3 && !strcmp(o->pos[2], "filtered");
		int w = o->npos >= 3 && (filtered || !strcmp(o->pos[2], "received")) ? 3 : 2;
		if (o->npos > w + 1)
			return -1;
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES;
		closbgp__ctl__show_routes_request__init(q->show_routes = u);
		if (o->npos == w + 1)
			q->show_routes->prefix = (char *)o->pos[w];
		if (o->peer)
			q->show_routes->peer = (char *)o->peer;
		q->show_routes->received = o->received || (w == 3 && !filtered);
		q->show_routes->filtered = filtered;
	} else if (is(o, 2, "show", "policy") && o->npos <= 3) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_POLICY;
		closbgp__ctl__show_policy_request__init(q->show_policy = u);
		if (o->npos == 3)
			q->show_policy->name = (char *)o->pos[2];
	} else if (is(o, 2, "show", "fib") && o->npos == 2) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_FIB;
		closbgp__ctl__show_fib_request__init(q->show_fib = u);
	} else if (is(o, 2, "show", "state") && o->npos == 2) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_STATE;
		closbgp__ctl__show_state_request__init(q->show_state = u);
	} else {
		return -1;
	}
	return 0;
}

static int parse_state(const char *s, Closbgp__Ctl__DeviceState *st)
{
	if (!strcmp(s, "live"))
		*st = CLOSBGP__CTL__DEVICE_STATE__LIVE;
	else if (!strcmp(s, "drained"))
		*st = CLOSBGP__CTL__DEVICE_STATE__DRAINED;
	else if (!strcmp(s, "warm"))
		*st = CLOSBGP__CTL__DEVICE_STATE__WARM;
	else
		return -1;
	return 0;
}

/* The device-state and session commands. */
static int build_action(const struct closctl_opts *o, Closbgp__Ctl__Request *q, void *u)
{
	if (is(o, 1, "drain", NULL) && o->npos == 1) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_DRAIN;
		closbgp__ctl__drain_request__init(q->drain = u);
	} else if (is(o, 1, "undrain", NULL) && o->npos == 1) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_UNDRAIN;
		closbgp__ctl__undrain_request__init(q->undrain = u);
	} else if (is(o, 1, "state", NULL) && o->npos == 2) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_SET_STATE;
		closbgp__ctl__set_state_request__init(q->set_state = u);
		return parse_state(o->pos[1], &q->set_state->state);
	} else if (is(o, 2, "clear", "peer") && o->npos == 3) {
		q->req_case = CLOSBGP__CTL__REQUEST__REQ_PEER_RESET;
		closbgp__ctl__peer_reset_request__init(q->peer_reset = u);
		q->peer_reset->address = (char *)o->pos[2];
	} else {
		return -1;
	}
	return 0;
}

union closctl_sub {
	Closbgp__Ctl__ShowSummaryRequest summary;
	Closbgp__Ctl__ShowPeersRequest peers;
	Closbgp__Ctl__ShowRoutesRequest routes;
	Closbgp__Ctl__ShowFibRequest fib;
	Closbgp__Ctl__ShowStateRequest state;
	Closbgp__Ctl__ShowPolicyRequest policy;
	Closbgp__Ctl__DrainRequest drain;
	Closbgp__Ctl__UndrainRequest undrain;
	Closbgp__Ctl__SetStateRequest set_state;
	Closbgp__Ctl__PeerResetRequest reset;
};

/* One request; its reply printed unless quiet. 0, or 1 on any error. */
static int run(const struct closctl_opts *o, const Closbgp__Ctl__Request *q, bool quiet)
{
	char err[256];
	struct ctl_reply r;
	const char *serr;
	int fd = ctl_client_connect(o->socket, err, sizeof(err));

	if (fd < 0) {
		fprintf(stderr, "closctl: %s\n", err);
		return 1;
	}
	if (ctl_client_call(fd, q, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "closctl: %s\n", err);
		close(fd);
		ctl_reply_free(&r);
		return 1;
	}
	close(fd);
	serr = ctl_reply_error(&r);
	if (serr)
		fprintf(stderr, "closctl: %s\n", serr);
	else if (quiet)
		;
	else if (is(o, 2, "show", "memory"))
		ctl_render_memory(stdout, &r, o->json);
	else
		ctl_render(stdout, &r, o->json);
	ctl_reply_free(&r);
	return serr ? 1 : 0;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --wait: poll show state every 50 ms until the state is the target and
 * the start-up wait is over, then print it. 0 reached, 1 error or timeout. */
static int wait_state(const struct closctl_opts *o)
{
	Closbgp__Ctl__Request q = CLOSBGP__CTL__REQUEST__INIT;
	Closbgp__Ctl__ShowStateRequest sq = CLOSBGP__CTL__SHOW_STATE_REQUEST__INIT;
	double start = now_mono();
	char err[256];

	q.req_case = CLOSBGP__CTL__REQUEST__REQ_SHOW_STATE;
	q.show_state = &sq;
	for (;;) {
		struct ctl_reply r = { 0 };
		int fd = ctl_client_connect(o->socket, err, sizeof(err));
		if (fd < 0 || ctl_client_call(fd, &q, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "closctl: %s\n", err);
			if (fd >= 0)
				close(fd);
			ctl_reply_free(&r);
			return 1;
		}
		close(fd);
		const char *serr = ctl_reply_error(&r);
		const Closbgp__Ctl__DeviceStateInfo *st =
			!serr && r.n && r.frames[0]->payload_case == CLOSBGP__CTL__RESPONSE__PAYLOAD_STATE
				? r.frames[0]->state : NULL;
		if (!st) {
			fprintf(stderr, "closctl: %s\n", serr ? serr : "unexpected reply");
			ctl_reply_free(&r);
			return 1;
		}
		double took = now_mono() - start;
		if (st->state == st->target && !st->initial_table_wait) {
			if (!o->json)
				printf("%s after %.2f s\n\n", ctl_state_str(st->state), took);
			ctl_render(stdout, &r, o->json);
			ctl_reply_free(&r);
			return 0;
		}
		if (took >= o->timeout) {
			fprintf(stderr, "closctl: still %s (target %s) after %.0f s\n",
				ctl_state_str(st->state), ctl_state_str(st->target), took);
			ctl_reply_free(&r);
			return 1;
		}
		ctl_reply_free(&r);
		usleep(50 * 1000);
	}
}

int main(int argc, char **argv)
{
	struct closctl_opts o = { 0 };
	Closbgp__Ctl__Request q = CLOSBGP__CTL__REQUEST__INIT;
	union closctl_sub sub;

	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	if (o.help) {
		usage(stdout);
		return 0;
	}
	if ((o.peer || o.received) && !is(&o, 2, "show", "routes")) {
		usage(stderr);
		return 2;
	}
	if (build_show(&o, &q, &sub) < 0 && build_action(&o, &q, &sub) < 0) {
		usage(stderr);
		return 2;
	}
	bool state_cmd = q.req_case == CLOSBGP__CTL__REQUEST__REQ_DRAIN ||
			 q.req_case == CLOSBGP__CTL__REQUEST__REQ_UNDRAIN ||
			 q.req_case == CLOSBGP__CTL__REQUEST__REQ_SET_STATE;
	if (o.wait && !state_cmd) {
		usage(stderr);
		return 2;
	}
	/* With --wait the final state is printed, not the first answer. */
	int rc = run(&o, &q, o.wait);
	return rc || !o.wait ? rc : wait_state(&o);
}
