/* closbgpd: the closbgp BGP daemon. One libev loop runs sessions, timers
 * and the control socket. SIGHUP re-reads the configuration, SIGTERM and
 * SIGINT send Cease to every peer and exit, SIGUSR2 exits for a graceful
 * restart (RFC 4724 4.1: no NOTIFICATION). The kernel routes stay either way.
 * With -u, once every privileged socket is open, it becomes that user with
 * only the capabilities it still needs (docs/security.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpd/bmp.h"
#include "bgpd/control.h"
#include "bgpd/log.h"
#include "bgpd/metrics.h"
#include "bgpd/session.h"

#define DEFAULT_CTL_SOCKET "/run/closbgp/closbgpd.sock"

struct options {
	const char *config;
	const char *socket;
	const char *user;
	int log_level;
	int log_format;
	bool use_syslog;
	bool no_fib;
	bool check_only;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s -c FILE [-s SOCKET] [-u USER] [-n] [-t] [--log-level LEVEL]\n"
		"       [--log-format FMT] [--syslog]\n"
		"\n"
		"  -c, --config FILE      device configuration (RFC 7951 JSON, YANG module\n"
		"                         closbgp-device)\n"
		"  -s, --socket PATH      control socket (default: the configuration's\n"
		"                         control/socket, else " DEFAULT_CTL_SOCKET ")\n"
		"  -u, --user USER        once the sockets are open, run as USER with only\n"
		"                         CAP_NET_ADMIN and CAP_NET_BIND_SERVICE\n"
		"  -n, --no-fib           never change the kernel routing table\n"
		"  -t, --check            validate the configuration and exit\n"
		"  -l, --log-level LEVEL  debug, info, notice, warning or error (default info)\n"
		"      --log-format FMT   text (default) or json: one JSON object per line\n"
		"                         on stderr (docs/logging.md)\n"
		"      --syslog           log to syslog instead of stderr\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration; SIGTERM or SIGINT sends every\n"
		"peer a Cease NOTIFICATION and exits; SIGUSR2 exits for a graceful restart\n"
		"(RFC 4724): sessions closed without a NOTIFICATION, so the neighbours keep\n"
		"our paths, stale, for our restart time. The kernel routes stay either way;\n"
		"started again, closbgpd adopts them and tells its peers it kept them.\n",
		prog);
}

/* Returns 0 to run, 1 to exit 0 (help/version), -1 on usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-fib", no_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->log_level = LOG_INFO;
	while ((c = getopt_long(argc, argv, "c:s:u:ntl:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 's': o->socket = optarg; break;
		case 'u': o->user = optarg; break;
		case 'n': o->no_fib = true; break;
		case 't': o->check_only = true; break;
		case 'S': o->use_syslog = true; break;
		case 'l':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "%s: unknown log level '%s'\n", argv[0], optarg);
				return -1;
			}
			break;
		case 'F':
			o->log_format = log_format_parse(optarg);
			if (o->log_format < 0) {
				fprintf(stderr, "%s: unknown log format '%s'\n", argv[0], optarg);
				return -1;
			}
			break;
		case 'h': usage(stdout, argv[0]); return 1;
		case 'V': printf("closbgpd %s\n", PACKAGE_VERSION); return 1;
		default: return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return -1;
	}
	if (!o->config) {
		fprintf(stderr, "%s: -c FILE is required\n", argv[0]);
		return -1;
	}
	return 0;
}

static void sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct bgpd *d = w->data;

	log_notice("main", "SIGHUP: reloading %s", d->cfg_path);
	bgpd_reload(d);
}

static void sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct bgpd *d = w->data;

	log_notice("main", "signal %d: shutting down", w->signum);
	d->stopping = true;
	for (struct peer *p = d->peers; p; p = p->next)
		peer_stop(p, BGP_CEASE_ADMIN_SHUTDOWN, "daemon shutting down");
	ev_break(loop, EVBREAK_ALL);
}

/* SIGUSR2: a planned restart (upgrade, new binary) that the neighbours
 * should not see as a failure. RFC 4724 4.1 asks nothing of the restarting
 * speaker on the way down but to keep its forwarding state: every session's
 * TCP connection is closed without a NOTIFICATION (a Cease would make every
 * helper flush our paths at once, 4.2), the kernel routes stay (route_free
 * leaves them, as for SIGTERM). The helpers keep our paths, stale, for our
 * advertised restart time; started again, we adopt the kernel routes and
 * send the Restart State bit and each family's Forwarding State bit
 * (peer.c, peer_send_open), and remove what is left over only after
 * End-of-RIB from every peer or end-of-rib-wait. */
static void sigusr2_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct bgpd *d = w->data;
	unsigned up = 0;

	for (struct peer *p = d->peers; p; p = p->next)
		up += p->state == FSM_ESTABLISHED;
	log_notice("main", "SIGUSR2: graceful restart: closing %u established sessions without "
		   "NOTIFICATION, keeping the kernel routes; restart within %u s (restart-time)",
		   up, d->cfg->gr_restart_time);
	if (d->no_fib)
		log_warn("main", "-n: no kernel routes to keep; the next start will not set the "
			 "Forwarding State bit");
	d->stopping = true;
	/* The sessions' sockets are closed by peer_free (bgpd_free): no
	 * NOTIFICATION, no withdrawal, nothing flushed from the kernel. */
	ev_break(loop, EVBREAK_ALL);
}

static void signals_start(struct bgpd *d)
{
	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&d->sig_hup, sighup_cb, SIGHUP);
	ev_signal_init(&d->sig_term, sigterm_cb, SIGTERM);
	ev_signal_init(&d->sig_int, sigterm_cb, SIGINT);
	ev_signal_init(&d->sig_usr2, sigusr2_cb, SIGUSR2);
	d->sig_hup.data = d->sig_term.data = d->sig_int.data = d->sig_usr2.data = d;
	ev_signal_start(d->loop, &d->sig_hup);
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);
	ev_signal_start(d->loop, &d->sig_usr2);
}

static int peers_create(struct bgpd *d)
{
	struct peer **tail = &d->peers;

	for (size_t i = 0; i < d->cfg->npeers; i++) {
		struct peer *p = peer_new(d, &d->cfg->peers[i]);
		if (!p)
			return -1;
		*tail = p;
		tail = &p->next;
	}
	return 0;
}

static void bgpd_free(struct bgpd *d)
{
	while (d->peers) {
		struct peer *p = d->peers;
		d->peers = p->next;
		peer_free(p);
	}
	ctl_server_free(d->ctl);
	metrics_server_free(d->metrics);
	bmp_free(d);	/* after the peers: their Peer Down first, then Termination */
	state_free(d);
	listen_close(d);
	route_free(d);
	if (d->attr_cache)
		rib_attr_cache_free(d->attr_cache);
	free(d->scratch_block);
	config_free(d->cfg);
}

static int bgpd_setup(struct bgpd *d, const struct options *o)
{
	char err[4096];
	const char *sock = o->socket;

	d->loop = EV_DEFAULT;
	d->started = time(NULL);
	d->no_fib = o->no_fib;
	d->scratch_block = malloc(ARENA_UPDATE_SIZE);
	d->attr_cache = rib_attr_cache_new();
	if (!d->scratch_block || !d->attr_cache)
		return -1;
	arena_init(&d->scratch, d->scratch_block, ARENA_UPDATE_SIZE);
	if (!sock)
		sock = d->cfg->ctl_socket[0] ? d->cfg->ctl_socket : DEFAULT_CTL_SOCKET;
	if (listen_open(d, err, sizeof(err)) < 0) {
		log_err("main", "%s", err);
		return -1;
	}
	d->ctl = ctl_server_new(d, sock, err, sizeof(err));
	if (!d->ctl) {
		log_err("main", "control socket %s: %s", sock, err);
		return -1;
	}
	if (route_init(d, err, sizeof(err)) < 0) {
		log_err("main", "%s", err);
		return -1;
	}
	state_init(d);
	/* Monitoring must not keep the routing down: logged, retried on SIGHUP. */
	if (metrics_configure(d, err, sizeof(err)) < 0)
		log_err("main", "metrics: %s (off until a reload)", err);
	signals_start(d);
	if (peers_create(d) < 0)
		return -1;
	bmp_configure(d); /* off without collectors; connects in the loop */
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct bgpd d = { 0 };
	char err[4096];
	int rc;

	rc = parse_options(argc, argv, &o);
	if (rc != 0) {
		if (rc < 0)
			usage(stderr, argv[0]);
		return rc < 0 ? 2 : 0;
	}
	log_init(o.log_level, o.use_syslog, "closbgpd");
	log_set_format((enum log_format)o.log_format);
	d.cfg_path = o.config;
	d.cfg = config_load(o.config, err, sizeof(err));
	if (!d.cfg) {
		fprintf(stderr, "closbgpd: invalid configuration:\n%s\n", err);
		return 1;
	}
	if (o.check_only) {
		printf("%s: configuration valid (%zu peers, %zu networks)\n", o.config,
		       d.cfg->npeers, d.cfg->nnetworks);
		config_free(d.cfg);
		return 0;
	}
	if (bgpd_setup(&d, &o) < 0) {
		bgpd_free(&d);
		return 1;
	}
	if (o.user && priv_drop(&d, o.user, err, sizeof(err)) < 0) {
		log_err("main", "%s: refusing to start", err);
		bgpd_free(&d);
		return 1;
	}
	log_notice("main", "closbgpd %s started: router-id %s, AS %u, %zu peers", PACKAGE_VERSION,
		   inet_ntoa(d.cfg->router_id), d.cfg->local_as, d.cfg->npeers);
	for (struct peer *p = d.peers; p; p = p->next)
		peer_start(p);
	ev_run(d.loop, 0);
	bgpd_free(&d);
	log_notice("main", "stopped");
	return 0;
}
