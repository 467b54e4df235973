/* closctl output: text tables and JSON for each reply payload. The JSON shape
 * is a contract with the integration tests; see docs/closctl.md. */
#include <inttypes.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ctl_render.h"
#include "tools/json.h"

/* ---- a small aligned text table ----------------------------------------- */
#define TABLE_MAX_COLS 8

struct table {
	size_t ncols, nrows;
	char **cells; /* nrows x ncols, malloc'd strings */
	size_t width[TABLE_MAX_COLS];
};

static void table_add(struct table *t, const char *const cols[])
{
	char **n = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*n));

	if (!n)
		return; /* out of memory: the row is dropped, closctl keeps going */
	t->cells = n;
	for (size_t i = 0; i < t->ncols; i++) {
		char *s = strdup(cols[i] ? cols[i] : "");
		size_t w = s ? strlen(s) : 0;
		n[t->nrows * t->ncols + i] = s;
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

static void table_print(FILE *f, struct table *t)
{
	for (size_t r = 0; r < t->nrows; r++) {
		char **row = t->cells + r * t->ncols;
		size_t last = t->ncols; /* print up to the last non-empty cell */
		while (last > 1 && (!row[last - 1] || !row[last - 1][0]))
			last--;
		for (size_t i = 0; i < last; i++) {
			const char *s = row[i] ? row[i] : "";
			if (i + 1 == last)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)t->width[i], s);
		}
	}
	table_free(t);
}

/* ---- formatting helpers ---------------------------------------------------- */
const char *ctl_duration_str(uint64_t s, char *buf, size_t len)
{
	if (s < 86400)
		snprintf(buf, len, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h%02" PRIu64 "m", s / 86400, s / 3600 % 24,
			 s / 60 % 60);
	return buf;
}

const char *ctl_community_str(uint32_t c, char *buf, size_t len)
{
	static const struct {
		uint32_t v;
		const char *name;
	} wk[] = {
		{ 0xFFFF0000, "graceful-shutdown" }, /* RFC 8326 */
		{ 0xFFFF0001, "accept-own" },	     /* RFC 7611 */
		{ 0xFFFF029A, "blackhole" },	     /* RFC 7999 */
		{ 0xFFFFFF01, "no-export" },	     /* RFC 1997 */
		{ 0xFFFFFF02, "no-advertise" },	     /* RFC 1997 */
		{ 0xFFFFFF03, "no-export-subconfed" }, /* RFC 1997 */
		{ 0xFFFFFF04, "no-peer" },	     /* RFC 3765 */
	};

	for (size_t i = 0; i < sizeof(wk) / sizeof(wk[0]); i++)
		if (wk[i].v == c)
			return wk[i].name;
	snprintf(buf, len, "%u:%u", c >> 16, c & 0xffff);
	return buf;
}

static const char *origin_str(Closbgp__Ctl__Origin o)
{
	switch (o) {
	case CLOSBGP__CTL__ORIGIN__IGP: return "igp";
	case CLOSBGP__CTL__ORIGIN__EGP: return "egp";
	default: return "incomplete";
	}
}

/* ---- show summary ------------------------------------------------------------ */
static void fib_stats_json(struct json_writer *w, const Closbgp__Ctl__FibStats *st)
{
	json_obj_begin(w);
	json_kv_uint(w, "routes", st->routes);
	json_kv_uint(w, "installed", st->installed);
	json_kv_uint(w, "failed", st->failed);
	json_kv_uint(w, "stale", st->stale);
	json_kv_uint(w, "nexthops", st->nexthops);
	json_kv_uint(w, "groups", st->groups);
	json_kv_uint(w, "batches", st->batches);
	json_kv_uint(w, "messages", st->messages);
	json_kv_uint(w, "errors", st->errors);
	json_kv_uint(w, "retries", st->retries);
	json_kv_uint(w, "failovers", st->failovers);
	json_kv_uint(w, "takeovers", st->takeovers);
	json_kv_bool(w, "nexthop_objects", st->nexthop_objects);
	json_obj_end(w);
}

static void memory_json(struct json_writer *w, const Closbgp__Ctl__MemorySummary *m)
{
	Closbgp__Ctl__MemorySummary zero = CLOSBGP__CTL__MEMORY_SUMMARY__INIT;

	if (!m)
		m = &zero;
	json_obj_begin(w);
	json_kv_uint(w, "attr_sets", m->attr_sets);
	json_kv_uint(w, "attr_bytes", m->attr_bytes);
	json_kv_uint(w, "aspaths", m->aspaths);
	json_kv_uint(w, "aspath_bytes", m->aspath_bytes);
	json_kv_uint(w, "community_lists", m->community_lists);
	json_kv_uint(w, "community_bytes", m->community_bytes);
	json_kv_uint(w, "unknown_attrs", m->unknown_attrs);
	json_kv_uint(w, "unknown_bytes", m->unknown_bytes);
	json_kv_uint(w, "intern_table_bytes", m->intern_table_bytes);
	json_kv_uint(w, "refs", m->refs);
	json_kv_uint(w, "loc_rib_bytes", m->loc_rib_bytes);
	json_kv_uint(w, "adj_rib_out_bytes", m->adj_rib_out_bytes);
	json_kv_uint(w, "update_groups", m->update_groups);
	json_obj_end(w);
}

static void summary_json(struct json_writer *w, const Closbgp__Ctl__Summary *s)
{
	Closbgp__Ctl__LocRibSummary noloc = CLOSBGP__CTL__LOC_RIB_SUMMARY__INIT;
	const Closbgp__Ctl__LocRibSummary *loc = s->loc_rib ? s->loc_rib : &noloc;

	json_obj_begin(w);
	json_kv_str(w, "router_id", s->router_id);
	json_kv_uint(w, "local_as", s->local_as);
	json_kv_uint(w, "confed_id", s->confed_id);
	json_kv_uint(w, "peers_configured", s->peers_configured);
	json_kv_uint(w, "peers_established", s->peers_established);
	json_kv_uint(w, "prefixes_received", s->prefixes_received);
	json_key(w, "loc_rib");
	json_obj_begin(w);
	json_kv_uint(w, "ipv4", loc->ipv4);
	json_kv_uint(w, "ipv6", loc->ipv6);
	json_kv_uint(w, "paths", loc->paths);
	json_obj_end(w);
	json_key(w, "fib");
	if (s->fib)
		fib_stats_json(w, s->fib);
	else
		json_null(w);
	json_key(w, "memory");
	memory_json(w, s->memory);
	json_key(w, "peers");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_peers; i++) {
		const Closbgp__Ctl__PeerSummary *p = s->peers[i];
		json_obj_begin(w);
		json_kv_str(w, "address", p->address);
		json_kv_uint(w, "remote_as", p->remote_as);
		json_kv_str(w, "state", p->state);
		json_kv_uint(w, "uptime", p->uptime);
		json_kv_uint(w, "prefixes_received", p->prefixes_received);
		json_kv_uint(w, "prefixes_sent", p->prefixes_sent);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

static void summary_text(FILE *f, const Closbgp__Ctl__Summary *s)
{
	struct table t = { .ncols = 8 };
	static const char *const head[] = { "Neighbor", "AS", "State", "Up/Down",
					    "PfxRcd", "PfxSnt", "MsgRcvd", "MsgSent" };

	fprintf(f, "BGP router identifier %s, local AS number %u", s->router_id, s->local_as);
	if (s->confed_id)
		fprintf(f, ", confederation %u", s->confed_id);
	fprintf(f, "\nPeers %u, established %u, prefixes received %" PRIu64 "\n",
		s->peers_configured, s->peers_established, s->prefixes_received);
	if (s->loc_rib)
		fprintf(f, "Loc-RIB: %" PRIu64 " IPv4 + %" PRIu64 " IPv6 prefixes, %" PRIu64 " paths\n",
			s->loc_rib->ipv4, s->loc_rib->ipv6, s->loc_rib->paths);
	if (s->fib)
		fprintf(f, "FIB: %" PRIu64 " routes (%" PRIu64 " installed, %" PRIu64 " failed, %" PRIu64
			" stale), %" PRIu64 " nexthops, %" PRIu64 " groups\n", s->fib->routes,
			s->fib->installed, s->fib->failed, s->fib->stale, s->fib->nexthops, s->fib->groups);
	else
		fputs("FIB: disabled (-n)\n", f);
	fputc('\n', f);
	table_add(&t, head);
	for (size_t i = 0; i < s->n_peers; i++) {
		const Closbgp__Ctl__PeerSummary *p = s->peers[i];
		char as[12], up[24], rcd[24], snt[24], mr[24], ms[24];
		snprintf(as, sizeof(as), "%u", p->remote_as);
		ctl_duration_str(strcmp(p->state, "Established") == 0 ? p->uptime : p->state_age,
				 up, sizeof(up));
		snprintf(rcd, sizeof(rcd), "%" PRIu64, p->prefixes_received);
		snprintf(snt, sizeof(snt), "%" PRIu64, p->prefixes_sent);
		snprintf(mr, sizeof(mr), "%" PRIu64, p->messages_received);
		snprintf(ms, sizeof(ms), "%" PRIu64, p->messages_sent);
		table_add(&t, (const char *const[]){ p->address, as, p->state, up, rcd, snt, mr, ms });
	}
	table_print(f, &t);
}

/* ---- show peers ----------------------------------------------------------------- */
static void counters_json(struct json_writer *w, const char *key, const Closbgp__Ctl__MessageCounters *m)
{
	Closbgp__Ctl__MessageCounters zero = CLOSBGP__CTL__MESSAGE_COUNTERS__INIT;

	if (!m)
		m = &zero;
	json_key(w, key);
	json_obj_begin(w);
	json_kv_uint(w, "open", m->open);
	json_kv_uint(w, "update", m->update);
	json_kv_uint(w, "notification", m->notification);
	json_kv_uint(w, "keepalive", m->keepalive);
	json_kv_uint(w, "route_refresh", m->route_refresh);
	json_obj_end(w);
}

static void caps_json(struct json_writer *w, const Closbgp__Ctl__Capabilities *c)
{
	Closbgp__Ctl__Capabilities none = CLOSBGP__CTL__CAPABILITIES__INIT;

	if (!c)
		c = &none;
	json_key(w, "capabilities");
	json_obj_begin(w);
	json_kv_bool(w, "ipv4_unicast", c->ipv4_unicast);
	json_kv_bool(w, "ipv6_unicast", c->ipv6_unicast);
	json_kv_bool(w, "as4", c->as4);
	json_kv_bool(w, "route_refresh", c->route_refresh);
	json_kv_bool(w, "graceful_restart", c->graceful_restart);
	json_obj_end(w);
}

static void strings_json(struct json_writer *w, const char *key, char **v, size_t n)
{
	json_key(w, key);
	json_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		json_str(w, v[i]);
	json_arr_end(w);
}

static void gr_json(struct json_writer *w, const Closbgp__Ctl__GracefulRestart *g)
{
	Closbgp__Ctl__GracefulRestart none = CLOSBGP__CTL__GRACEFUL_RESTART__INIT;

	if (!g)
		g = &none;
	json_key(w, "graceful_restart");
	json_obj_begin(w);
	json_kv_bool(w, "helper", g->helper);
	json_kv_uint(w, "stale_time", g->stale_time);
	json_kv_bool(w, "peer_capable", g->peer_capable);
	json_kv_uint(w, "restart_time", g->restart_time);
	strings_json(w, "families", g->families, g->n_families);
	strings_json(w, "forwarding", g->forwarding, g->n_forwarding);
	json_kv_str(w, "state", g->state);
	json_kv_uint(w, "stale_paths", g->stale_paths);
	json_kv_uint(w, "timer_left", g->timer_left);
	json_kv_uint(w, "restarts", g->restarts);
	json_obj_end(w);
}

static void error_json(struct json_writer *w, const Closbgp__Ctl__PeerError *e)
{
	json_key(w, "last_error");
	if (!e) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_str(w, "direction", e->sent ? "sent" : "received");
	json_kv_uint(w, "code", e->code);
	json_kv_uint(w, "subcode", e->subcode);
	json_kv_str(w, "name", e->name);
	json_kv_str(w, "text", e->text);
	json_kv_uint(w, "age", e->age);
	json_obj_end(w);
}

static void tcp_ao_json(struct json_writer *w, const Closbgp__Ctl__TcpAo *a)
{
	json_key(w, "tcp_ao");
	if (!a) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_uint(w, "mkts", a->mkts);
	json_kv_uint(w, "configured_send_id", a->configured_send_id);
	json_key(w, "current_key");
	if (a->has_current)
		json_uint(w, a->current_key);
	else
		json_null(w);
	json_key(w, "rnext_key");
	if (a->has_rnext)
		json_uint(w, a->rnext_key);
	else
		json_null(w);
	json_kv_uint(w, "good", a->good);
	json_kv_uint(w, "bad", a->bad);
	json_kv_uint(w, "key_not_found", a->key_not_found);
	json_kv_uint(w, "ao_required", a->ao_required);
	json_obj_end(w);
}

static void tcp_ao_text(FILE *f, const Closbgp__Ctl__TcpAo *a)
{
	if (!a)
		return;
	fprintf(f, "  TCP-AO: %u MKT%s, sending with KeyID ", a->mkts, a->mkts == 1 ? "" : "s");
	if (a->has_current)
		fprintf(f, "%u%s", a->current_key,
			a->current_key == a->configured_send_id ? "" : " (the peer asked for it)");
	else
		fputs("none", f);
	if (a->has_rnext)
		fprintf(f, ", asking for KeyID %u", a->rnext_key);
	fprintf(f, "; segments: good %" PRIu64 ", bad MAC %" PRIu64 ", unknown KeyID %" PRIu64
		", unsigned %" PRIu64 "\n", a->good, a->bad, a->key_not_found, a->ao_required);
}

static void peer_json(struct json_writer *w, const Closbgp__Ctl__Peer *p)
{
	json_obj_begin(w);
	json_kv_str(w, "address", p->address);
	json_kv_uint(w, "remote_as", p->remote_as);
	json_kv_uint(w, "local_as", p->local_as);
	json_kv_str(w, "description", p->description);
	json_kv_str(w, "state", p->state);
	json_kv_uint(w, "uptime", p->uptime);
	json_kv_uint(w, "state_age", p->state_age);
	json_kv_str(w, "remote_id", p->remote_id);
	json_kv_uint(w, "hold_time", p->hold_time);
	json_kv_uint(w, "keepalive", p->keepalive);
	json_kv_uint(w, "prefixes_received", p->prefixes_received);
	json_kv_uint(w, "prefixes_sent", p->prefixes_sent);
	counters_json(w, "messages_received", p->messages_received);
	counters_json(w, "messages_sent", p->messages_sent);
	json_kv_uint(w, "established_count", p->established_count);
	json_kv_uint(w, "update_group", p->update_group);
	json_kv_uint(w, "update_group_members", p->update_group_members);
	json_kv_uint(w, "update_group_messages", p->update_group_messages);
	caps_json(w, p->capabilities);
	gr_json(w, p->graceful_restart);
	tcp_ao_json(w, p->tcp_ao);
	error_json(w, p->last_error);
	json_obj_end(w);
}

static void caps_text(FILE *f, const Closbgp__Ctl__Capabilities *c)
{
	fputs("  Capabilities:", f);
	if (!c || !(c->ipv4_unicast || c->ipv6_unicast || c->as4 || c->route_refresh ||
		    c->graceful_restart)) {
		fputs(" none negotiated\n", f);
		return;
	}
	fprintf(f, "%s%s%s%s%s\n", c->ipv4_unicast ? " ipv4-unicast" : "",
		c->ipv6_unicast ? " ipv6-unicast" : "", c->as4 ? " as4" : "",
		c->route_refresh ? " route-refresh" : "", c->graceful_restart ? " graceful-restart" : "");
}

/* "Graceful restart: helper, stale-time 360 s; its restart time 120 s
 * (ipv4-unicast F); restarting: 5 stale paths, 118 s left; 1 restart". */
static void gr_text(FILE *f, const Closbgp__Ctl__GracefulRestart *g)
{
	if (!g)
		return;
	fprintf(f, "  Graceful restart: %s, stale-time %u s", g->helper ? "helper" : "not helping",
		g->stale_time);
	if (g->peer_capable) {
		fprintf(f, "; its restart time %u s (", g->restart_time);
		for (size_t i = 0; i < g->n_families; i++) {
			bool fwd = false;
			for (size_t j = 0; j < g->n_forwarding; j++)
				fwd |= strcmp(g->forwarding[j], g->families[i]) == 0;
			fprintf(f, "%s%s%s", i ? ", " : "", g->families[i], fwd ? " F" : "");
		}
		fprintf(f, "%s)", g->n_families ? "" : "no families: helper only");
	} else {
		fputs("; peer not capable", f);
	}
	if (g->state[0])
		fprintf(f, "; %s: %" PRIu64 " stale path%s, %u s left", g->state, g->stale_paths,
			g->stale_paths == 1 ? "" : "s", g->timer_left);
	if (g->restarts)
		fprintf(f, "; %u restart%s helped", g->restarts, g->restarts == 1 ? "" : "s");
	fputc('\n', f);
}

static void counters_text(FILE *f, const Closbgp__Ctl__Peer *p)
{
	static const char *const names[] = { "Open", "Update", "Notification", "Keepalive",
					     "Route refresh" };
	const Closbgp__Ctl__MessageCounters *in = p->messages_received, *out = p->messages_sent;
	struct table t = { .ncols = 3 };

	if (!in || !out)
		return;
	uint64_t vi[] = { in->open, in->update, in->notification, in->keepalive, in->route_refresh };
	uint64_t vo[] = { out->open, out->update, out->notification, out->keepalive, out->route_refresh };
	table_add(&t, (const char *const[]){ "  Messages", "Sent", "Received" });
	for (size_t i = 0; i < 5; i++) {
		char n[40], a[24], b[24];
		snprintf(n, sizeof(n), "    %s", names[i]);
		snprintf(a, sizeof(a), "%" PRIu64, vo[i]);
		snprintf(b, sizeof(b), "%" PRIu64, vi[i]);
		table_add(&t, (const char *const[]){ n, a, b });
	}
	table_print(f, &t);
}

static void peer_text(FILE *f, const Closbgp__Ctl__Peer *p)
{
	char d[24];
	const Closbgp__Ctl__PeerError *e = p->last_error;

	fprintf(f, "Neighbor %s, remote AS %u, local AS %u\n", p->address, p->remote_as, p->local_as);
	if (p->description[0])
		fprintf(f, "  Description: %s\n", p->description);
	fprintf(f, "  State: %s for %s, established %u time%s\n", p->state,
		ctl_duration_str(p->state_age, d, sizeof(d)), p->established_count,
		p->established_count == 1 ? "" : "s");
	if (strcmp(p->state, "Established") == 0)
		fprintf(f, "  Up for %s, remote router ID %s\n", ctl_duration_str(p->uptime, d, sizeof(d)),
			p->remote_id);
	if (p->update_group)
		fprintf(f, "  Update group %u, %u member%s, %" PRIu64 " UPDATEs encoded for it\n",
			p->update_group, p->update_group_members,
			p->update_group_members == 1 ? "" : "s", p->update_group_messages);
	fprintf(f, "  Hold time %u s, keepalive %u s\n", p->hold_time, p->keepalive);
	caps_text(f, p->capabilities);
	gr_text(f, p->graceful_restart);
	tcp_ao_text(f, p->tcp_ao);
	fprintf(f, "  Prefixes: received %" PRIu64 ", sent %" PRIu64 "\n", p->prefixes_received,
		p->prefixes_sent);
	counters_text(f, p);
	if (e)
		fprintf(f, "  Last error: %s %u/%u (%s)%s%s, %" PRIu64 " s ago\n",
			e->sent ? "sent" : "received", e->code, e->subcode, e->name,
			e->text[0] ? ": " : "", e->text, e->age);
	else
		fputs("  Last error: none\n", f);
}

/* ---- show routes -------------------------------------------------------------------- */
static void route_json(struct json_writer *w, const Closbgp__Ctl__Route *r)
{
	char buf[32];

	json_obj_begin(w);
	json_kv_str(w, "prefix", r->prefix);
	json_kv_str(w, "peer", r->peer);
	json_kv_str(w, "source", r->source);
	json_kv_bool(w, "best", r->best);
	json_kv_bool(w, "multipath", r->multipath);
	json_kv_bool(w, "valid", r->valid);
	json_kv_str(w, "fib", r->fib ? r->fib : "");
	json_kv_str(w, "next_hop", r->next_hop);
	if (r->next_hop_link_local[0])
		json_kv_str(w, "next_hop_link_local", r->next_hop_link_local);
	json_kv_str(w, "as_path", r->as_path);
	json_kv_str(w, "origin", origin_str(r->origin));
	if (r->med)
		json_kv_uint(w, "med", r->med->value);
	if (r->local_pref)
		json_kv_uint(w, "local_pref", r->local_pref->value);
	json_key(w, "communities");
	json_arr_begin(w);
	for (size_t i = 0; i < r->n_communities; i++)
		json_str(w, ctl_community_str(r->communities[i], buf, sizeof(buf)));
	json_arr_end(w);
	json_key(w, "large_communities");
	json_arr_begin(w);
	for (size_t i = 0; i < r->n_large_communities; i++) {
		const Closbgp__Ctl__LargeCommunity *l = r->large_communities[i];
		snprintf(buf, sizeof(buf), "%u:%u:%u", l->global, l->local1, l->local2);
		json_str(w, buf);
	}
	json_arr_end(w);
	json_kv_bool(w, "atomic_aggregate", r->atomic_aggregate);
	json_kv_bool(w, "stale", r->stale);
	if (r->filtered) {
		json_kv_bool(w, "filtered", true);
		json_key(w, "filtered_by");
		json_obj_begin(w);
		json_kv_str(w, "policy", r->filtered_by ? r->filtered_by->policy : "");
		json_kv_str(w, "statement", r->filtered_by ? r->filtered_by->statement : "");
		json_kv_str(w, "reason", r->filtered_by ? r->filtered_by->reason : "");
		json_obj_end(w);
	}
	json_obj_end(w);
}

/* Communities and large communities, space separated. */
static char *route_comms(const Closbgp__Ctl__Route *r)
{
	size_t cap = 1 + (r->n_communities + r->n_large_communities) * 36;
	char *s = calloc(1, cap), buf[36];
	size_t len = 0;

	for (size_t i = 0; s && i < r->n_communities; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%s", len ? " " : "",
					ctl_community_str(r->communities[i], buf, sizeof(buf)));
	for (size_t i = 0; s && i < r->n_large_communities; i++) {
		const Closbgp__Ctl__LargeCommunity *l = r->large_communities[i];
		len += (size_t)snprintf(s + len, cap - len, "%s%u:%u:%u", len ? " " : "", l->global,
					l->local1, l->local2);
	}
	return s;
}

/* FRR's status codes: "*>" best, "*=" multipath, "*" valid; a stale path
 * (kept over its peer's restart) has "S" in place of "*", as in FRR. */
static const char *route_status(const Closbgp__Ctl__Route *r)
{
	if (!r->valid)
		return r->stale ? "S" : "";
	if (r->stale)
		return r->best ? "S>" : r->multipath ? "S=" : "S";
	return r->best ? "*>" : r->multipath ? "*=" : "*";
}

/* "POLICY/STATEMENT", or the reason when no statement decided. */
static void rejection_str(const Closbgp__Ctl__Route *r, char *buf, size_t len)
{
	const Closbgp__Ctl__Rejection *x = r->filtered_by;

	if (x && x->statement && x->statement[0])
		snprintf(buf, len, "%s/%s", x->policy, x->statement);
	else
		snprintf(buf, len, "%s", x && x->reason ? x->reason : "?");
}

static void routes_text(FILE *f, const struct ctl_reply *rep)
{
	struct table t = { .ncols = 7 };
	size_t n = 0;
	bool filtered = false;

	for (size_t i = 0; i < rep->n && !filtered; i++) {
		const Closbgp__Ctl__RouteList *rl = rep->frames[i]->routes;
		filtered = rl && rl->n_routes && rl->routes[0]->filtered;
	}
	table_add(&t, (const char *const[]){ "", "Prefix", "Peer", "Next hop", "AS path", "Origin",
					     filtered ? "Rejected by" : "Communities" });
	for (size_t i = 0; i < rep->n; i++) {
		const Closbgp__Ctl__RouteList *rl = rep->frames[i]->routes;
		for (size_t j = 0; rl && j < rl->n_routes; j++, n++) {
			const Closbgp__Ctl__Route *r = rl->routes[j];
			char *comms = route_comms(r), why[2 * 64 + 2];
			if (r->filtered)
				rejection_str(r, why, sizeof(why));
			table_add(&t, (const char *const[]){ r->filtered ? "x" : route_status(r),
							     r->prefix, r->peer, r->next_hop,
							     r->as_path, origin_str(r->origin),
							     r->filtered ? why : comms });
			free(comms);
		}
	}
	if (n == 0) {
		fputs("No routes.\n", f);
		table_free(&t);
		return;
	}
	fputs(filtered ? "Status: x filtered (rejected by import policy, kept)\n"
		       : "Status: *> best, *= multipath (ECMP), * valid, S stale (kept over "
			 "its peer's restart)\n", f);
	table_print(f, &t);
}

/* ---- show policy -------------------------------------------------------------------- */
static void names_json(struct json_writer *w, const char *key, char **v, size_t n)
{
	json_key(w, key);
	json_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		json_str(w, v[i]);
	json_arr_end(w);
}

static void policy_json(FILE *f, const Closbgp__Ctl__PolicyList *pl)
{
	const Closbgp__Ctl__PolicyCache *c = pl->cache;
	struct json_writer w;

	json_init(&w, f);
	json_obj_begin(&w);
	json_kv_bool(&w, "policy_required", pl->required);
	json_key(&w, "cache");
	json_obj_begin(&w);
	json_kv_uint(&w, "entries", c ? c->entries : 0);
	json_kv_uint(&w, "capacity", c ? c->capacity : 0);
	json_kv_uint(&w, "hits", c ? c->hits : 0);
	json_kv_uint(&w, "misses", c ? c->misses : 0);
	json_kv_uint(&w, "bypass", c ? c->bypass : 0);
	json_key(&w, "hit_rate");
	json_ratio(&w, c ? c->hits : 0, c ? c->hits + c->misses : 0);
	json_obj_end(&w);
	json_key(&w, "policies");
	json_arr_begin(&w);
	for (size_t i = 0; i < pl->n_policies; i++) {
		const Closbgp__Ctl__Policy *p = pl->policies[i];
		json_obj_begin(&w);
		json_kv_str(&w, "name", p->name);
		json_kv_uint(&w, "evaluations", p->evaluations);
		names_json(&w, "import_peers", p->import_peers, p->n_import_peers);
		names_json(&w, "export_peers", p->export_peers, p->n_export_peers);
		json_key(&w, "statements");
		json_arr_begin(&w);
		for (size_t k = 0; k < p->n_statements; k++) {
			const Closbgp__Ctl__PolicyStatement *s = p->statements[k];
			json_obj_begin(&w);
			json_kv_str(&w, "name", s->name);
			json_kv_str(&w, "result", s->result);
			json_kv_uint(&w, "matches", s->matches);
			json_obj_end(&w);
		}
		json_arr_end(&w);
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	fputc('\n', f);
}

static void names_text(FILE *f, const char *what, char **v, size_t n)
{
	fprintf(f, "  %s:", what);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", v[i]);
	fputs(n ? "\n" : " -\n", f);
}

static void policy_text(FILE *f, const Closbgp__Ctl__PolicyList *pl)
{
	const Closbgp__Ctl__PolicyCache *c = pl->cache;
	uint64_t looked = c ? c->hits + c->misses : 0;

	if (c && c->capacity)
		fprintf(f, "Result cache: %" PRIu64 " of %" PRIu64 " entries, hit rate %.1f%% (%" PRIu64
			" hits, %" PRIu64 " misses, %" PRIu64 " not cacheable)\n", c->entries,
			c->capacity, looked ? 100.0 * (double)c->hits / (double)looked : 0.0, c->hits,
			c->misses, c->bypass);
	else
		fputs("Result cache: off\n", f);
	fprintf(f, "Policy required (RFC 8212): %s\n", pl->required ? "yes" : "no");
	if (!pl->n_policies)
		fputs("No policies.\n", f);
	for (size_t i = 0; i < pl->n_policies; i++) {
		const Closbgp__Ctl__Policy *p = pl->policies[i];
		struct table t = { .ncols = 4 };
		char seq[24], m[24];

		fprintf(f, "\nPolicy %s, %" PRIu64 " evaluations\n", p->name, p->evaluations);
		names_text(f, "import", p->import_peers, p->n_import_peers);
		names_text(f, "export", p->export_peers, p->n_export_peers);
		table_add(&t, (const char *const[]){ "  #", "Statement", "Result", "Matches" });
		for (size_t k = 0; k < p->n_statements; k++) {
			const Closbgp__Ctl__PolicyStatement *s = p->statements[k];
			snprintf(seq, sizeof(seq), "  %zu", k + 1);
			snprintf(m, sizeof(m), "%" PRIu64, s->matches);
			table_add(&t, (const char *const[]){ seq, s->name, s->result, m });
		}
		table_print(f, &t);
	}
}

/* ---- show fib ----------------------------------------------------------------------- */
static void fib_nexthops_json(struct json_writer *w, const char *key, Closbgp__Ctl__FibNexthop *const *v,
			      size_t n)
{
	json_key(w, key);
	json_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(w);
		json_kv_uint(w, "id", v[i]->id);
		json_kv_str(w, "gateway", v[i]->gateway);
		json_kv_str(w, "interface", v[i]->interface);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void fib_route_json(struct json_writer *w, const Closbgp__Ctl__FibRoute *r)
{
	json_obj_begin(w);
	json_kv_str(w, "prefix", r->prefix);
	json_kv_uint(w, "nexthop_id", r->nexthop_id);
	json_kv_bool(w, "group", r->group);
	json_kv_bool(w, "blackhole", r->blackhole);
	json_kv_str(w, "state", r->state);
	json_kv_uint(w, "metric", r->metric);
	fib_nexthops_json(w, "nexthops", r->nexthops, r->n_nexthops);
	fib_nexthops_json(w, "backups", r->backups, r->n_backups);
	json_kv_uint(w, "standby_id", r->standby_id);
	json_obj_end(w);
}

static const Closbgp__Ctl__FibStats *fib_reply_stats(const struct ctl_reply *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->frames[i]->payload_case == CLOSBGP__CTL__RESPONSE__PAYLOAD_FIB &&
		    rep->frames[i]->fib->stats)
			return rep->frames[i]->fib->stats;
	return NULL;
}

static void fib_json(FILE *f, const struct ctl_reply *rep)
{
	struct json_writer w;
	const Closbgp__Ctl__FibStats *st = fib_reply_stats(rep);

	json_init(&w, f);
	json_obj_begin(&w);
	json_key(&w, "routes");
	json_arr_begin(&w);
	for (size_t i = 0; i < rep->n; i++) {
		const Closbgp__Ctl__Response *fr = rep->frames[i];
		if (fr->payload_case != CLOSBGP__CTL__RESPONSE__PAYLOAD_FIB)
			continue;
		for (size_t j = 0; j < fr->fib->n_routes; j++)
			fib_route_json(&w, fr->fib->routes[j]);
	}
	json_arr_end(&w);
	json_key(&w, "stats");
	if (st)
		fib_stats_json(&w, st);
	else
		json_null(&w);
	json_obj_end(&w);
	fputc('\n', f);
}

/* "10.0.1.2 up1 (1000), 10.0.2.2 up2 (1001)", then the backups as
 * "; backup 10.0.3.2 up3 (1002)" and their standby route as
 * "; standby (1003)", or "drop" for a blackhole. */
static char *fib_nexthops_str(const Closbgp__Ctl__FibRoute *r)
{
	size_t cap = 40, len = 0;
	char *s;

	for (size_t i = 0; i < r->n_nexthops; i++)
		cap += strlen(r->nexthops[i]->gateway) + strlen(r->nexthops[i]->interface) + 20;
	for (size_t i = 0; i < r->n_backups; i++)
		cap += strlen(r->backups[i]->gateway) + strlen(r->backups[i]->interface) + 20;
	s = calloc(1, cap);
	if (s && r->blackhole)
		len += (size_t)snprintf(s + len, cap - len, "drop");
	for (size_t i = 0; s && i < r->n_nexthops; i++) {
		const Closbgp__Ctl__FibNexthop *nh = r->nexthops[i];
		len += (size_t)snprintf(s + len, cap - len, "%s%s %s (%u)", i ? ", " : "", nh->gateway,
					nh->interface, nh->id);
	}
	for (size_t i = 0; s && i < r->n_backups; i++) {
		const Closbgp__Ctl__FibNexthop *nh = r->backups[i];
		len += (size_t)snprintf(s + len, cap - len, "%s%s %s (%u)", i ? ", " : "; backup ",
					nh->gateway, nh->interface, nh->id);
	}
	if (s && r->standby_id)
		snprintf(s + len, cap - len, "; standby (%u)", r->standby_id);
	return s;
}

static void fib_text(FILE *f, const struct ctl_reply *rep)
{
	const Closbgp__Ctl__FibStats *st = fib_reply_stats(rep);
	struct table t = { .ncols = 5 };
	size_t n = 0;

	if (st)
		fprintf(f, "FIB: %" PRIu64 " routes (%" PRIu64 " installed, %" PRIu64 " failed, %" PRIu64
			" stale), %" PRIu64 " nexthops, %" PRIu64 " groups%s\n"
			"     %" PRIu64 " batches, %" PRIu64 " messages, %" PRIu64 " errors, %" PRIu64
			" retries, %" PRIu64 " failovers, %" PRIu64 " takeovers\n\n", st->routes, st->installed, st->failed,
			st->stale, st->nexthops, st->groups,
			st->nexthop_objects ? "" : " (RTA_MULTIPATH fallback)", st->batches, st->messages,
			st->errors, st->retries, st->failovers, st->takeovers);
	table_add(&t, (const char *const[]){ "Prefix", "NH id", "Type", "State", "Next hops" });
	for (size_t i = 0; i < rep->n; i++) {
		const Closbgp__Ctl__FibList *fl = rep->frames[i]->fib;
		if (rep->frames[i]->payload_case != CLOSBGP__CTL__RESPONSE__PAYLOAD_FIB)
			continue;
		for (size_t j = 0; j < fl->n_routes; j++, n++) {
			const Closbgp__Ctl__FibRoute *r = fl->routes[j];
			char id[12], *nhs = fib_nexthops_str(r);
			snprintf(id, sizeof(id), "%u", r->nexthop_id);
			const char *type = r->blackhole ? "blackhole" : r->group ? "group" : "single";
			table_add(&t, (const char *const[]){ r->prefix, id, type, r->state, nhs });
			free(nhs);
		}
	}
	if (n == 0) {
		fputs("No routes in the FIB.\n", f);
		table_free(&t);
		return;
	}
	table_print(f, &t);
}

/* ---- show memory -------------------------------------------------------------------- */
void ctl_render_memory(FILE *f, const struct ctl_reply *r, bool json)
{
	const Closbgp__Ctl__Summary *s;
	const Closbgp__Ctl__MemorySummary *m;
	struct json_writer w;

	if (r->n == 0 || r->frames[0]->payload_case != CLOSBGP__CTL__RESPONSE__PAYLOAD_SUMMARY)
		return;
	s = r->frames[0]->summary;
	m = s->memory;
	if (json) {
		json_init(&w, f);
		memory_json(&w, m);
		fputc('\n', f);
		return;
	}
	if (!m) {
		fputs("No memory statistics.\n", f);
		return;
	}
	fprintf(f, "Attribute sets     %10" PRIu64 "  %12" PRIu64 " bytes  (%" PRIu64 " references)\n"
		   "AS paths           %10" PRIu64 "  %12" PRIu64 " bytes\n"
		   "Community lists    %10" PRIu64 "  %12" PRIu64 " bytes\n"
		   "Unknown attributes %10" PRIu64 "  %12" PRIu64 " bytes\n"
		   "Intern tables                  %12" PRIu64 " bytes\n"
		   "Loc-RIB, Adj-RIBs-In and -Out  %12" PRIu64 " bytes\n"
		   "  of which Adj-RIBs-Out %5" PRIu64 "  %12" PRIu64 " bytes  (update groups)\n",
		m->attr_sets, m->attr_bytes, m->refs, m->aspaths, m->aspath_bytes, m->community_lists,
		m->community_bytes, m->unknown_attrs, m->unknown_bytes, m->intern_table_bytes,
		m->loc_rib_bytes, m->update_groups, m->adj_rib_out_bytes);
}

/* ---- dispatch ------------------------------------------------------------------------- */
static void list_json(FILE *f, const struct ctl_reply *rep, bool peers)
{
	struct json_writer w;

	json_init(&w, f);
	json_obj_begin(&w);
	json_key(&w, peers ? "peers" : "routes");
	json_arr_begin(&w);
	for (size_t i = 0; i < rep->n; i++) {
		const Closbgp__Ctl__Response *fr = rep->frames[i];
		if (peers && fr->payload_case == CLOSBGP__CTL__RESPONSE__PAYLOAD_PEERS)
			for (size_t j = 0; j < fr->peers->n_peers; j++)
				peer_json(&w, fr->peers->peers[j]);
		if (!peers && fr->payload_case == CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES)
			for (size_t j = 0; j < fr->routes->n_routes; j++)
				route_json(&w, fr->routes->routes[j]);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	fputc('\n', f);
}

static void peers_text(FILE *f, const struct ctl_reply *rep)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->n; i++) {
		const Closbgp__Ctl__PeerList *pl = rep->frames[i]->peers;
		for (size_t j = 0; pl && j < pl->n_peers; j++) {
			if (n++)
				fputc('\n', f);
			peer_text(f, pl->peers[j]);
		}
	}
	if (n == 0)
		fputs("No peers.\n", f);
}

/* ---- show state ------------------------------------------------------------------ */

const char *ctl_state_str(Closbgp__Ctl__DeviceState s)
{
	switch (s) {
	case CLOSBGP__CTL__DEVICE_STATE__LIVE:
		return "live";
	case CLOSBGP__CTL__DEVICE_STATE__WARM:
		return "warm";
	case CLOSBGP__CTL__DEVICE_STATE__DRAINED:
		return "drained";
	default:
		return "unknown";
	}
}

static void state_json(FILE *f, const Closbgp__Ctl__DeviceStateInfo *st)
{
	struct json_writer w;

	json_init(&w, f);
	json_obj_begin(&w);
	json_kv_str(&w, "state", ctl_state_str(st->state));
	json_kv_str(&w, "target", ctl_state_str(st->target));
	json_kv_uint(&w, "since", st->since);
	json_kv_uint(&w, "transitions", st->transitions);
	json_kv_uint(&w, "kernel_pending", st->kernel_pending);
	json_kv_bool(&w, "initial_table_wait", st->initial_table_wait);
	json_kv_str(&w, "state_file", st->state_file[0] ? st->state_file : NULL);
	json_kv_uint(&w, "drain_time", st->drain_time);
	json_kv_uint(&w, "drain_left_ms", (uint64_t)(st->drain_left * 1000 + 0.5));
	json_key(&w, "groups");
	json_arr_begin(&w);
	for (size_t i = 0; i < st->n_groups; i++) {
		const Closbgp__Ctl__StateGroup *g = st->groups[i];
		json_obj_begin(&w);
		json_kv_uint(&w, "update_group", g->update_group);
		json_kv_str(&w, "peer_group", g->peer_group[0] ? g->peer_group : NULL);
		strings_json(&w, "members", g->members, g->n_members);
		json_kv_str(&w, "export_chain", g->export_chain);
		json_kv_bool(&w, "drain_signal", g->drain_signal);
		json_kv_uint(&w, "prefixes", g->prefixes);
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	fputc('\n', f);
}

static void state_text(FILE *f, const Closbgp__Ctl__DeviceStateInfo *st)
{
	struct table t = { .ncols = 6 };
	static const char *const head[] = { "Group", "Peer-group", "Signal", "Prefixes",
					    "Export", "Members" };
	char when[32] = "?", age[24];
	time_t since = (time_t)st->since, now = time(NULL);
	struct tm tm;

	if (localtime_r(&since, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	ctl_duration_str(now > since ? (uint64_t)(now - since) : 0, age, sizeof(age));
	fprintf(f, "State: %s", ctl_state_str(st->state));
	if (st->target != st->state)
		fprintf(f, " (going %s)", ctl_state_str(st->target));
	fprintf(f, ", since %s (%s), %u transitions\n", when, age, st->transitions);
	if (st->drain_left > 0)
		fprintf(f, "Drain: WARM for %.1f s more of drain-time %u s\n", st->drain_left,
			st->drain_time);
	fprintf(f, "Kernel routes pending: %" PRIu64 "\n", st->kernel_pending);
	if (st->initial_table_wait)
		fputs("Initial table: waiting (nothing advertised yet)\n", f);
	fprintf(f, "State file: %s\n\n", st->state_file[0] ? st->state_file : "none");
	table_add(&t, head);
	for (size_t i = 0; i < st->n_groups; i++) {
		const Closbgp__Ctl__StateGroup *g = st->groups[i];
		char id[12], pfx[24], members[512] = "";
		snprintf(id, sizeof(id), "%u", g->update_group);
		snprintf(pfx, sizeof(pfx), "%u", g->prefixes);
		for (size_t k = 0; k < g->n_members; k++) {
			size_t l = strlen(members);
			snprintf(members + l, sizeof(members) - l, "%s%s", k ? " " : "", g->members[k]);
		}
		table_add(&t, (const char *const[]){ id, g->peer_group[0] ? g->peer_group : "-",
						     g->drain_signal ? "drain" : "-", pfx,
						     g->export_chain[0] ? g->export_chain : "(all)",
						     members });
	}
	table_print(f, &t);
}

void ctl_render(FILE *f, const struct ctl_reply *r, bool json)
{
	struct json_writer w;

	if (r->n == 0)
		return;
	switch (r->frames[0]->payload_case) {
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_SUMMARY:
		if (json) {
			json_init(&w, f);
			summary_json(&w, r->frames[0]->summary);
			fputc('\n', f);
		} else {
			summary_text(f, r->frames[0]->summary);
		}
		break;
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_PEERS:
		json ? list_json(f, r, true) : peers_text(f, r);
		break;
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES:
		json ? list_json(f, r, false) : routes_text(f, r);
		break;
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_FIB:
		json ? fib_json(f, r) : fib_text(f, r);
		break;
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_POLICIES:
		json ? policy_json(f, r->frames[0]->policies) : policy_text(f, r->frames[0]->policies);
		break;
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_STATE:
		json ? state_json(f, r->frames[0]->state) : state_text(f, r->frames[0]->state);
		break;
	default:
		if (json)
			fputs("{}\n", f);
		break;
	}
}
