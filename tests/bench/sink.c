/*
 * benchsink: the sink role of tests/bench/speaker.py in C, so that the
 * benchmark harness is no longer slower than the devices it measures.
 *
 * Same observable protocol as a speaker.py whose sessions are all sinks:
 * the same BGP conversation (OPEN with MP, route refresh and 4-octet AS,
 * End-of-RIB once Established, keepalives), the same line commands on stdin
 * and the same JSON events on stdout, with CLOCK_MONOTONIC times. Prefixes
 * are kept in one set per family shared by every session of the process.
 * Independent of bgpd/ and rib/ on purpose: it is the benchmark's oracle.
 *
 * With --aggregates M (the aggregation benchmark), M of the --expect
 * prefixes are the DUT's aggregates: every prefix shorter than the fed
 * ones (IPv4 /24, IPv6 /48: bgpwire.py) is counted as one, and the fed
 * prefixes and the aggregates each get their own events when they are
 * complete and when they are gone (fed_full, agg_full, fed_empty,
 * agg_empty), next to full and empty for the whole.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BGP_PORT	179
#define BGP_HDR		19
#define BGP_MAXLEN	65535		/* RFC 8654 extended messages at most */
#define AS_TRANS	23456		/* RFC 6793 */
#define RECV_SIZE	(1 << 20)
#define RX_CAP		(RECV_SIZE + BGP_MAXLEN)
#define OUT_CAP		(64 * 1024)
#define SOCKBUF		(4 << 20)
#define MAX_LOOPS	100000000L	/* the loop is also bounded by a deadline */
#define POLL_MS		200
#define MAX_SECTIONS	8		/* NLRI fields of one UPDATE */
#define BATCH		16		/* prefixes looked up together */
#define SET_MAX_CAP	((size_t)1 << 30)
#define SET_HINT_CAP	((size_t)1 << 25)	/* what --expect may reserve */
#define FED_BITS4	24		/* bgpwire.py: the feeders' prefix lengths */
#define FED_BITS6	48

enum { BGP_OPEN = 1, BGP_UPDATE, BGP_NOTIFICATION, BGP_KEEPALIVE };
enum { AFI_IPV4 = 1, AFI_IPV6 = 2 };
enum { ATTR_MP_REACH = 14, ATTR_MP_UNREACH = 15 };
#define ATTR_EXTLEN	0x10

/* ---------------------------------------------------------------------- */
/* Time and events                                                         */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Every event opens with its name and time; ev_end() flushes the line. */
static void ev_begin(const char *ev, double t)
{
	printf("{\"ev\": \"%s\", \"t\": %.6f", ev, t);
}

static void ev_end(void)
{
	fputs("}\n", stdout);
	fflush(stdout);
}

static void ev_time(const char *key, bool set, double t)
{
	if (set)
		printf(", \"%s\": %.6f", key, t);
	else
		printf(", \"%s\": null", key);
}

static void ev_error(const char *id, const char *reason)
{
	ev_begin("error", mono_now());
	fputs(", \"id\": ", stdout);
	json_str(id);
	fputs(", \"reason\": ", stdout);
	json_str(reason);
	ev_end();
}

/* ---------------------------------------------------------------------- */
/* Prefix set: open addressing, linear probing, backward-shift deletion.  */
/* A key is (prefix length + 1, address bytes padded with zeros): the     */
/* same identity as speaker.py's encoded prefixes.                         */

struct pfx_set {
	uint8_t		*slot;		/* cap * width bytes; byte 0 == 0: empty */
	size_t		 cap;		/* a power of two */
	size_t		 count;
	unsigned	 width;		/* 1 + address bytes */
	unsigned	 maxbits;	/* 32 or 128 */
};

#define KEY_MAX		17

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Keys are 5 (IPv4) or 17 (IPv6) bytes: fixed-size loads, one mix. */
static uint64_t pfx_hash(const uint8_t *key, unsigned width)
{
	uint64_t a = 0, b, c;

	if (width == 5) {
		memcpy(&a, key, 5);
		return mix64(a);
	}
	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	c = key[16];
	return mix64(a ^ mix64(b ^ (c << 56 | 0x9e3779b97f4a7c15ULL)));
}

static uint8_t *pfx_slot(const struct pfx_set *s, size_t i)
{
	return s->slot + i * s->width;
}

static size_t pfx_home(const struct pfx_set *s, const uint8_t *key)
{
	return (size_t)pfx_hash(key, s->width) & (s->cap - 1);
}

/* Constant-size compares, inlined by the compiler. */
static bool pfx_eq(const uint8_t *a, const uint8_t *b, unsigned width)
{
	if (width == 5)
		return memcmp(a, b, 5) == 0;
	return memcmp(a, b, KEY_MAX) == 0;
}

/* Start loading the home slot of a key (batches: sink_apply_field()). */
static void pfx_prefetch(const struct pfx_set *s, uint64_t hash)
{
	__builtin_prefetch(pfx_slot(s, (size_t)hash & (s->cap - 1)));
}

static bool pfx_set_init(struct pfx_set *s, unsigned addr_len, size_t cap)
{
	s->width = 1 + addr_len;
	s->maxbits = addr_len * 8;
	s->cap = cap;
	s->count = 0;
	s->slot = calloc(cap, s->width);
	return s->slot != NULL;
}

static void pfx_set_free(struct pfx_set *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->count = 0;
}

/* The slot holding key, or the empty slot where it belongs. */
static size_t pfx_find(const struct pfx_set *s, const uint8_t *key, uint64_t hash,
    bool *found)
{
	size_t mask = s->cap - 1;
	size_t i = (size_t)hash & mask;

	/* Bounded: the table is never full (load factor <= 0.7). */
	for (size_t n = 0; n < s->cap; n++, i = (i + 1) & mask) {
		const uint8_t *p = pfx_slot(s, i);

		if (p[0] == 0)
			break;
		if (pfx_eq(p, key, s->width)) {
			*found = true;
			return i;
		}
	}
	*found = false;
	return i;
}

static bool pfx_set_resize(struct pfx_set *s, size_t cap)
{
	struct pfx_set n;
	bool found;

	if (!pfx_set_init(&n, s->width - 1, cap))
		return false;
	for (size_t j = 0; j < s->cap; j++) {
		const uint8_t *p = pfx_slot(s, j);
		size_t i;

		if (p[0] == 0)
			continue;
		i = pfx_find(&n, p, pfx_hash(p, n.width), &found);
		memcpy(pfx_slot(&n, i), p, s->width);
		n.count++;
	}
	free(s->slot);
	*s = n;
	return true;
}

/* Write to every page, so that page faults happen before the clock runs. */
static void touch_pages(void *mem, size_t len)
{
	volatile uint8_t *p = mem;

	for (size_t i = 0; i < len; i += 4096)
		p[i] = 0;
}

/* Room for n entries without growing (a hint: false if it can't). */
static bool pfx_set_reserve(struct pfx_set *s, size_t n)
{
	size_t cap = s->cap;

	while (cap < SET_HINT_CAP && cap / 10 * 7 < n)
		cap *= 2;
	if (cap != s->cap && !pfx_set_resize(s, cap))
		return false;
	touch_pages(s->slot, s->cap * s->width);
	return true;
}

/* 1: added, 0: already there, -1: out of memory. hash: pfx_hash(key). */
static int pfx_set_add(struct pfx_set *s, const uint8_t *key, uint64_t hash)
{
	bool found;
	size_t i;

	if ((s->count + 1) * 10 > s->cap * 7) {
		if (s->cap >= SET_MAX_CAP || !pfx_set_resize(s, s->cap * 2))
			return -1;
	}
	i = pfx_find(s, key, hash, &found);
	if (found)
		return 0;
	memcpy(pfx_slot(s, i), key, s->width);
	s->count++;
	return 1;
}

/*
 * Backward-shift deletion: close the hole by moving back every later entry
 * of the probe run whose home lies cyclically at or before the hole, so
 * that lookups never need tombstones.
 */
static bool pfx_set_del(struct pfx_set *s, const uint8_t *key, uint64_t hash)
{
	size_t mask = s->cap - 1;
	size_t hole, j;
	bool found;

	hole = pfx_find(s, key, hash, &found);
	if (!found)
		return false;
	j = hole;
	for (size_t n = 0; n < s->cap; n++) {
		uint8_t *p;

		j = (j + 1) & mask;
		p = pfx_slot(s, j);
		if (p[0] == 0)
			break;
		if (((j - pfx_home(s, p)) & mask) >= ((j - hole) & mask)) {
			memcpy(pfx_slot(s, hole), p, s->width);
			hole = j;
		}
	}
	pfx_slot(s, hole)[0] = 0;
	s->count--;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Bounds-checked reader for wire input: every getter fails, none reads   */
/* past the view.                                                          */

struct rd {
	const uint8_t	*p;
	size_t		 n;
};

static bool rd_u8(struct rd *r, uint8_t *v)
{
	if (r->n < 1)
		return false;
	*v = r->p[0];
	r->p++;
	r->n--;
	return true;
}

static bool rd_u16(struct rd *r, uint16_t *v)
{
	if (r->n < 2)
		return false;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->n -= 2;
	return true;
}

static bool rd_u32(struct rd *r, uint32_t *v)
{
	if (r->n < 4)
		return false;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->n -= 4;
	return true;
}

/* Cut the next n bytes off r into sub. */
static bool rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	if (r->n < n)
		return false;
	sub->p = r->p;
	sub->n = n;
	r->p += n;
	r->n -= n;
	return true;
}

static bool rd_skip(struct rd *r, size_t n)
{
	struct rd dummy;

	return rd_sub(r, n, &dummy);
}

/* ---------------------------------------------------------------------- */
/* UPDATE parsing (RFC 4271 4.3, RFC 4760): cut into NLRI fields and      */
/* validated first, applied to the sets only if the whole message is good. */

struct nlri_field {
	int		 fam;		/* 0: IPv4 set, 1: IPv6 set */
	bool		 add;
	struct rd	 r;
};

struct update {
	struct nlri_field f[MAX_SECTIONS];
	size_t		 n;
};

/* Next prefix of an NLRI field as a set key: 1, 0 at the end, -1 if bad. */
static int nlri_next(struct rd *r, unsigned maxbits, uint8_t *key)
{
	uint8_t plen;
	struct rd a;

	if (r->n == 0)
		return 0;
	if (!rd_u8(r, &plen) || plen > maxbits ||
	    !rd_sub(r, ((size_t)plen + 7) / 8, &a))
		return -1;
	key[0] = (uint8_t)(plen + 1);
	memset(key + 1, 0, maxbits / 8);
	memcpy(key + 1, a.p, a.n);
	return 1;
}

static bool nlri_valid(struct rd r, unsigned maxbits)
{
	uint8_t key[KEY_MAX];
	int rc;

	while ((rc = nlri_next(&r, maxbits, key)) == 1)
		;
	return rc == 0;
}

static const char *update_field(struct update *u, int fam, bool add, struct rd r)
{
	if (u->n == MAX_SECTIONS)
		return "too many NLRI fields";
	if (!nlri_valid(r, fam == 0 ? 32 : 128))
		return "bad prefix in NLRI";
	u->f[u->n].fam = fam;
	u->f[u->n].add = add;
	u->f[u->n].r = r;
	u->n++;
	return NULL;
}

/* MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 3, 4); other AFI/SAFI ignored. */
static const char *update_mp(struct update *u, uint8_t code, struct rd v)
{
	uint16_t afi;
	uint8_t safi, nhlen;

	if (!rd_u16(&v, &afi) || !rd_u8(&v, &safi))
		return "short MP attribute";
	if (code == ATTR_MP_REACH &&
	    (!rd_u8(&v, &nhlen) || !rd_skip(&v, nhlen) || !rd_skip(&v, 1)))
		return "short MP_REACH_NLRI";
	if ((afi != AFI_IPV4 && afi != AFI_IPV6) || safi != 1)
		return NULL;
	return update_field(u, afi == AFI_IPV4 ? 0 : 1, code == ATTR_MP_REACH, v);
}

static const char *update_attrs(struct update *u, struct rd r)
{
	while (r.n > 0) {
		uint8_t flags, code, len8;
		uint16_t len16;
		struct rd v;
		const char *err;

		if (!rd_u8(&r, &flags) || !rd_u8(&r, &code))
			return "short attribute header";
		if (flags & ATTR_EXTLEN) {
			if (!rd_u16(&r, &len16))
				return "short attribute header";
		} else {
			if (!rd_u8(&r, &len8))
				return "short attribute header";
			len16 = len8;
		}
		if (!rd_sub(&r, len16, &v))
			return "attribute longer than the path attributes";
		if (code != ATTR_MP_REACH && code != ATTR_MP_UNREACH)
			continue;
		if ((err = update_mp(u, code, v)) != NULL)
			return err;
	}
	return NULL;
}

/* Cut an UPDATE body into its NLRI fields; NULL or the reason it is bad. */
static const char *update_parse(const uint8_t *body, size_t len, struct update *u)
{
	struct rd r = { body, len }, wdr, attrs;
	uint16_t wlen, alen;
	const char *err;

	u->n = 0;
	if (!rd_u16(&r, &wlen) || !rd_sub(&r, wlen, &wdr))
		return "bad withdrawn routes length";
	if (!rd_u16(&r, &alen) || !rd_sub(&r, alen, &attrs))
		return "bad path attributes length";
	if (wdr.n > 0 && (err = update_field(u, 0, false, wdr)) != NULL)
		return err;
	if ((err = update_attrs(u, attrs)) != NULL)
		return err;
	if (r.n > 0 && (err = update_field(u, 0, true, r)) != NULL)
		return err;
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Sessions and the sink                                                   */

enum sess_state {
	S_IDLE, S_LISTEN, S_CONNECTING, S_OPENSENT, S_OPENCONFIRM, S_ESTABLISHED
};

static const char *const state_names[] = {
	[S_IDLE] = "idle", [S_LISTEN] = "listen", [S_CONNECTING] = "connecting",
	[S_OPENSENT] = "opensent", [S_OPENCONFIRM] = "openconfirm",
	[S_ESTABLISHED] = "established",
};

struct session {
	char			 id[64];
	bool			 listen;
	int			 family;
	struct sockaddr_storage	 local, peer;
	socklen_t		 salen;
	uint32_t		 local_as, peer_as;
	uint8_t			 router_id[4];
	uint16_t		 afi;
	int			 fd, lfd;
	enum sess_state		 state;
	double			 ka_interval, next_ka, next_connect;
	uint8_t			*rx;
	size_t			 rx_len;
	uint8_t			 out[OUT_CAP];
	size_t			 out_len;
};

struct sink {
	struct session	*sess;
	size_t		 nsess;
	unsigned	 hold;
	uint64_t	 expect;
	uint64_t	 aggs;		/* --aggregates: how many of expect */
	uint64_t	 nagg;		/* prefixes held shorter than the fed ones */
	bool		 agg_seen, fed_seen;	/* agg_full / fed_full sent */
	double		 max_seconds;
	struct pfx_set	 set[2];	/* IPv4 (AFI 1), IPv6 (AFI 2) */
	uint64_t	 rx_updates, rx_ann, rx_wdr;
	bool		 have_rx;
	double		 t_first_rx, t_last_rx;
	bool		 full_seen, ready_sent;
	const char	*phase;		/* a command whose "sent" is due */
	double		 phase_t;
	char		 in[4096];	/* stdin, up to the next newline */
	size_t		 in_len;
};

static uint64_t sink_count(const struct sink *sk)
{
	return sk->set[0].count + sk->set[1].count;
}

static void sink_status(const struct sink *sk)
{
	size_t pending = 0;

	ev_begin("status", mono_now());
	printf(", \"count\": %" PRIu64 ", \"v4\": %zu, \"v6\": %zu", sink_count(sk),
	    sk->set[0].count, sk->set[1].count);
	if (sk->aggs)
		printf(", \"aggregates\": %" PRIu64, sk->nagg);
	printf(", \"rx_updates\": %" PRIu64 ", \"rx_announced\": %" PRIu64
	    ", \"rx_withdrawn\": %" PRIu64, sk->rx_updates, sk->rx_ann, sk->rx_wdr);
	ev_time("t_first_rx", sk->have_rx, sk->t_first_rx);
	ev_time("t_last_rx", sk->have_rx, sk->t_last_rx);
	fputs(", \"sessions\": {", stdout);
	for (size_t i = 0; i < sk->nsess; i++) {
		fputs(i ? ", " : "", stdout);
		json_str(sk->sess[i].id);
		printf(": \"%s\"", state_names[sk->sess[i].state]);
		pending += sk->sess[i].out_len;
	}
	printf("}, \"pending\": %zu", pending);
	ev_end();
}

/* --aggregates: the fed prefixes and the aggregates complete or gone. */
static void sink_parts(struct sink *sk, double t, uint64_t c)
{
	uint64_t fed = c - sk->nagg;

	if (!sk->agg_seen && sk->nagg >= sk->aggs) {
		sk->agg_seen = true;
		ev_begin("agg_full", t);
		printf(", \"count\": %" PRIu64, sk->nagg);
		ev_end();
	} else if (sk->agg_seen && sk->nagg == 0) {
		sk->agg_seen = false;
		ev_begin("agg_empty", t);
		ev_end();
	}
	if (!sk->fed_seen && fed >= sk->expect - sk->aggs) {
		sk->fed_seen = true;
		ev_begin("fed_full", t);
		printf(", \"count\": %" PRIu64, fed);
		ev_end();
	} else if (sk->fed_seen && fed == 0) {
		sk->fed_seen = false;
		ev_begin("fed_empty", t);
		ev_end();
	}
}

/* After every UPDATE: the counters, then "full" or "empty" as speaker.py. */
static void sink_progress(struct sink *sk, uint64_t na, uint64_t nw)
{
	uint64_t c;
	double t;

	sk->rx_updates++;
	if (na == 0 && nw == 0)
		return;
	t = mono_now();
	sk->rx_ann += na;
	sk->rx_wdr += nw;
	if (!sk->have_rx)
		sk->t_first_rx = t;
	sk->have_rx = true;
	sk->t_last_rx = t;
	c = sink_count(sk);
	if (sk->aggs)
		sink_parts(sk, t, c);
	if (!sk->full_seen && sk->expect && c >= sk->expect) {
		sk->full_seen = true;
		ev_begin("full", t);
		printf(", \"count\": %" PRIu64, c);
		ev_time("t_first_rx", true, sk->t_first_rx);
		printf(", \"rx_updates\": %" PRIu64 ", \"rx_announced\": %" PRIu64,
		    sk->rx_updates, sk->rx_ann);
		ev_end();
	} else if (sk->full_seen && c == 0) {
		sk->full_seen = false;
		ev_begin("empty", t);
		ev_time("t_first_rx", true, sk->t_first_rx);
		printf(", \"rx_updates\": %" PRIu64 ", \"rx_withdrawn\": %" PRIu64,
		    sk->rx_updates, sk->rx_wdr);
		ev_end();
	}
}

/*
 * Apply one validated NLRI field; how many prefixes were added/removed.
 * Keys go in batches whose home slots are prefetched first: the set is far
 * larger than the caches, and a miss per prefix would dominate.
 */
static int64_t sink_apply_field(struct sink *sk, const struct nlri_field *f)
{
	struct pfx_set *s = &sk->set[f->fam];
	uint8_t key[BATCH][KEY_MAX];
	uint64_t hash[BATCH];
	struct rd r = f->r;
	int64_t changed = 0;
	/* key[0] is the length + 1: shorter than the fed prefixes = aggregate */
	unsigned fed = (f->fam == 0 ? FED_BITS4 : FED_BITS6) + 1;
	size_t n;
	int rc;

	do {
		for (n = 0; n < BATCH && nlri_next(&r, s->maxbits, key[n]) == 1; n++) {
			hash[n] = pfx_hash(key[n], s->width);
			pfx_prefetch(s, hash[n]);
		}
		for (size_t i = 0; i < n; i++) {
			if (!f->add) {
				rc = pfx_set_del(s, key[i], hash[i]);
				if (rc && sk->aggs && key[i][0] < fed)
					sk->nagg--;
				changed += rc;
				continue;
			}
			if ((rc = pfx_set_add(s, key[i], hash[i])) < 0)
				return -1;
			if (rc && sk->aggs && key[i][0] < fed)
				sk->nagg++;
			changed += rc;
		}
	} while (n == BATCH);
	return changed;
}

/* NULL, or why the UPDATE is bad (the session is then dropped). */
static const char *sink_update(struct sink *sk, const uint8_t *body, size_t len)
{
	struct update u;
	uint64_t na = 0, nw = 0;
	const char *err;

	if ((err = update_parse(body, len, &u)) != NULL)
		return err;
	for (size_t i = 0; i < u.n; i++) {
		int64_t n = sink_apply_field(sk, &u.f[i]);

		if (n < 0) {
			ev_error("*", "out of memory for the prefix set");
			exit(1);
		}
		if (u.f[i].add)
			na += (uint64_t)n;
		else
			nw += (uint64_t)n;
	}
	sink_progress(sk, na, nw);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Session I/O                                                             */

static void sess_drop(struct session *s, const char *reason, bool always)
{
	if (s->fd >= 0)
		close(s->fd);
	if (reason != NULL && (always || s->state == S_ESTABLISHED))
		ev_error(s->id, reason);
	s->fd = -1;
	s->rx_len = 0;
	s->out_len = 0;
	s->state = s->listen ? S_LISTEN : S_IDLE;
}

static void sess_flush(struct session *s)
{
	size_t off = 0;
	char why[128];

	while (off < s->out_len) {
		ssize_t n = send(s->fd, s->out + off, s->out_len - off,
		    MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, sizeof(why), "send: %s", strerror(errno));
			sess_drop(s, why, false);
			return;
		}
		off += (size_t)n;
	}
	memmove(s->out, s->out + off, s->out_len - off);
	s->out_len -= off;
}

static bool sess_queue(struct session *s, const uint8_t *msg, size_t len)
{
	if (len > OUT_CAP - s->out_len) {
		sess_drop(s, "output queue full", true);
		return false;
	}
	memcpy(s->out + s->out_len, msg, len);
	s->out_len += len;
	sess_flush(s);
	return s->fd >= 0;
}

/* Message building: a header whose length is filled in by msg_end(). */
struct wr {
	uint8_t	buf[128];
	size_t	len;
};

static void wr_u8(struct wr *w, unsigned v)
{
	if (w->len < sizeof(w->buf))
		w->buf[w->len++] = (uint8_t)v;
}

static void wr_u16(struct wr *w, unsigned v)
{
	wr_u8(w, v >> 8);
	wr_u8(w, v);
}

static void wr_u32(struct wr *w, uint32_t v)
{
	wr_u16(w, v >> 16);
	wr_u16(w, v & 0xffff);
}

static void msg_begin(struct wr *w, unsigned type)
{
	memset(w->buf, 0xff, 16);
	w->len = 16;
	wr_u16(w, 0);
	wr_u8(w, type);
}

static bool msg_send(struct session *s, struct wr *w)
{
	w->buf[16] = (uint8_t)(w->len >> 8);
	w->buf[17] = (uint8_t)w->len;
	return sess_queue(s, w->buf, w->len);
}

/* OPEN (RFC 4271 4.2) with MP (RFC 4760), route refresh, 4-octet AS. */
static bool send_open(struct session *s, unsigned hold)
{
	struct wr w;

	s->state = S_OPENSENT;
	msg_begin(&w, BGP_OPEN);
	wr_u8(&w, 4);
	wr_u16(&w, s->local_as > 0xffff ? AS_TRANS : s->local_as);
	wr_u16(&w, hold);
	for (int i = 0; i < 4; i++)
		wr_u8(&w, s->router_id[i]);
	wr_u8(&w, 16);			/* optional parameters */
	wr_u8(&w, 2);			/* capabilities */
	wr_u8(&w, 14);
	wr_u8(&w, 1);			/* multiprotocol: AFI, 0, SAFI unicast */
	wr_u8(&w, 4);
	wr_u16(&w, s->afi);
	wr_u8(&w, 0);
	wr_u8(&w, 1);
	wr_u8(&w, 2);			/* route refresh */
	wr_u8(&w, 0);
	wr_u8(&w, 65);			/* 4-octet AS */
	wr_u8(&w, 4);
	wr_u32(&w, s->local_as);
	return msg_send(s, &w);
}

static bool send_keepalive(struct session *s)
{
	struct wr w;

	msg_begin(&w, BGP_KEEPALIVE);
	return msg_send(s, &w);
}

/* End-of-RIB (RFC 4724 2): an empty UPDATE, or an empty MP_UNREACH_NLRI. */
static bool send_eor(struct session *s)
{
	struct wr w;

	msg_begin(&w, BGP_UPDATE);
	wr_u16(&w, 0);
	if (s->afi == AFI_IPV4) {
		wr_u16(&w, 0);
		return msg_send(s, &w);
	}
	wr_u16(&w, 6);
	wr_u8(&w, 0x80);
	wr_u8(&w, ATTR_MP_UNREACH);
	wr_u8(&w, 3);
	wr_u16(&w, s->afi);
	wr_u8(&w, 1);
	return msg_send(s, &w);
}

static void sock_tune(int fd, int family)
{
	int one = 1, ttl = 255, size = SOCKBUF;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* GTSM (RFC 5082): send with TTL 255 so ttl-security peers accept us. */
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static void sess_listen(struct session *s)
{
	int one = 1;
	char why[160];

	s->lfd = socket(s->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s->lfd, (struct sockaddr *)&s->local, s->salen) < 0 ||
	    listen(s->lfd, 4) < 0) {
		snprintf(why, sizeof(why), "listen: %s", strerror(errno));
		ev_error(s->id, why);
		exit(1);
	}
	s->state = S_LISTEN;
}

/* Connect mode: a nonblocking connect at most once a second while idle. */
static void sess_try_connect(struct session *s, double t)
{
	int fd;

	if (s->listen || s->state != S_IDLE || t < s->next_connect)
		return;
	s->next_connect = t + 1.0;
	fd = socket(s->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sock_tune(fd, s->family);
	if (bind(fd, (struct sockaddr *)&s->local, s->salen) < 0 ||
	    (connect(fd, (struct sockaddr *)&s->peer, s->salen) < 0 &&
	    errno != EINPROGRESS)) {
		close(fd);
		return;
	}
	s->fd = fd;
	s->state = S_CONNECTING;
}

static void sess_connected(struct session *s, unsigned hold)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		sess_drop(s, NULL, false);
		return;
	}
	send_open(s, hold);
}

static void sess_accept(struct session *s, unsigned hold)
{
	int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (s->fd >= 0) {
		close(fd);
		return;
	}
	sock_tune(fd, s->family);
	s->fd = fd;
	send_open(s, hold);
}

static void sess_tick(struct session *s, double t)
{
	if (s->state == S_ESTABLISHED && t >= s->next_ka) {
		s->next_ka = t + s->ka_interval;
		send_keepalive(s);
	}
}

/* An OPEN (RFC 4271 4.2): the peer's AS, from capability 65 if present. */
static const char *open_parse(struct rd r, uint32_t *asn, uint16_t *hold)
{
	uint8_t version, optlen, ptype, plen, code, clen;
	uint16_t as2;
	struct rd opt, par, cap;

	if (!rd_u8(&r, &version) || !rd_u16(&r, &as2) || !rd_u16(&r, hold) ||
	    !rd_skip(&r, 4) || !rd_u8(&r, &optlen) || !rd_sub(&r, optlen, &opt))
		return "malformed OPEN";
	*asn = as2;
	while (opt.n > 0) {
		if (!rd_u8(&opt, &ptype) || !rd_u8(&opt, &plen) ||
		    !rd_sub(&opt, plen, &par))
			return "malformed OPEN parameter";
		while (ptype == 2 && par.n > 0) {
			if (!rd_u8(&par, &code) || !rd_u8(&par, &clen) ||
			    !rd_sub(&par, clen, &cap))
				return "malformed OPEN capability";
			if (code == 65 && clen == 4)
				rd_u32(&cap, asn);
		}
	}
	return NULL;
}

static const char *sess_open(struct session *s, const struct sink *sk, struct rd body)
{
	uint32_t asn;
	uint16_t hold;
	unsigned neg;
	const char *err;
	char why[96];

	if ((err = open_parse(body, &asn, &hold)) != NULL)
		return err;
	if (asn != s->peer_as) {
		snprintf(why, sizeof(why), "peer AS %" PRIu32 ", expected %" PRIu32,
		    asn, s->peer_as);
		ev_error(s->id, why);
	}
	neg = hold < sk->hold ? hold : sk->hold;
	s->ka_interval = neg ? neg / 3.0 : 3600.0;
	if (send_keepalive(s))
		s->state = S_OPENCONFIRM;
	return NULL;
}

static void sess_keepalive(struct session *s)
{
	if (s->state != S_OPENCONFIRM)
		return;
	s->state = S_ESTABLISHED;
	s->next_ka = mono_now() + s->ka_interval;
	/* An empty table first: End-of-RIB, so no DUT waits for it. */
	if (!send_eor(s))
		return;
	ev_begin("established", mono_now());
	fputs(", \"id\": ", stdout);
	json_str(s->id);
	ev_end();
}

/* One message; NULL, or why the session must be dropped. */
static const char *sess_message(struct sink *sk, struct session *s, uint8_t type,
    const uint8_t *body, size_t len)
{
	struct rd r = { body, len };
	uint8_t code = 0, sub = 0;
	char why[64];

	switch (type) {
	case BGP_UPDATE:
		return sink_update(sk, body, len);
	case BGP_OPEN:
		return sess_open(s, sk, r);
	case BGP_KEEPALIVE:
		sess_keepalive(s);
		return NULL;
	case BGP_NOTIFICATION:
		rd_u8(&r, &code);
		rd_u8(&r, &sub);
		snprintf(why, sizeof(why), "NOTIFICATION %u/%u", code, sub);
		ev_error(s->id, why);
		sess_drop(s, NULL, false);
		return NULL;
	default:
		return NULL;
	}
}

/* Parse every complete message in the buffer in place; keep the tail. */
static void sess_parse(struct sink *sk, struct session *s)
{
	size_t off = 0;
	char why[160];

	while (s->rx_len - off >= BGP_HDR) {
		const uint8_t *m = s->rx + off;
		size_t mlen = (size_t)m[16] << 8 | m[17];
		const char *err;

		if (mlen < BGP_HDR) {
			snprintf(why, sizeof(why), "bad message length %zu", mlen);
			sess_drop(s, why, true);
			return;
		}
		if (s->rx_len - off < mlen)
			break;
		err = sess_message(sk, s, m[18], m + BGP_HDR, mlen - BGP_HDR);
		if (err != NULL) {
			snprintf(why, sizeof(why), "type %u: %s", m[18], err);
			sess_drop(s, why, true);
			return;
		}
		if (s->fd < 0)
			return;
		off += mlen;
	}
	memmove(s->rx, s->rx + off, s->rx_len - off);
	s->rx_len -= off;
}

static void sess_readable(struct sink *sk, struct session *s)
{
	ssize_t n;
	char why[128];

	n = recv(s->fd, s->rx + s->rx_len, RX_CAP - s->rx_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		snprintf(why, sizeof(why), "recv: %s", strerror(errno));
		sess_drop(s, why, false);
		return;
	}
	if (n == 0) {
		sess_drop(s, "connection closed by peer", false);
		return;
	}
	s->rx_len += (size_t)n;
	sess_parse(sk, s);
}

/* ---------------------------------------------------------------------- */
/* Commands on stdin                                                       */

/* false: stop (quit). */
static bool sink_command(struct sink *sk, char *line)
{
	char *end = line + strlen(line);

	while (*line == ' ' || *line == '\t' || *line == '\r')
		line++;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	if (strcmp(line, "announce") == 0 || strcmp(line, "withdraw") == 0) {
		/* A new phase: the counters restart (no feed sessions here). */
		sk->rx_updates = sk->rx_ann = sk->rx_wdr = 0;
		sk->have_rx = false;
		sk->phase = line[0] == 'a' ? "announce" : "withdraw";
		sk->phase_t = mono_now();
		return true;
	}
	if (strcmp(line, "status") == 0) {
		sink_status(sk);
		return true;
	}
	return strcmp(line, "quit") != 0;
}

/* false: EOF or quit. */
static bool sink_stdin(struct sink *sk)
{
	ssize_t n;
	char *nl;

	n = read(STDIN_FILENO, sk->in + sk->in_len, sizeof(sk->in) - 1 - sk->in_len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	sk->in_len += (size_t)n;
	sk->in[sk->in_len] = '\0';
	while ((nl = memchr(sk->in, '\n', sk->in_len)) != NULL) {
		size_t used = (size_t)(nl - sk->in) + 1;

		*nl = '\0';
		if (!sink_command(sk, sk->in))
			return false;
		memmove(sk->in, sk->in + used, sk->in_len - used);
		sk->in_len -= used;
	}
	if (sk->in_len == sizeof(sk->in) - 1)
		sk->in_len = 0;			/* an overlong line: dropped */
	return true;
}

/* speaker.py's "sent": no feed session has anything left to send. */
static void sink_check_sent(struct sink *sk)
{
	if (sk->phase == NULL)
		return;
	ev_begin("sent", mono_now());
	printf(", \"phase\": \"%s\", \"t_first\": %.6f", sk->phase, sk->phase_t);
	ev_end();
	sk->phase = NULL;
}

/* ---------------------------------------------------------------------- */
/* The loop                                                                */

enum pkind { P_STDIN, P_LISTEN, P_CONNECT, P_IO };

struct pslot {
	enum pkind	 kind;
	struct session	*s;
};

static size_t sink_pollset(struct sink *sk, struct pollfd *pfd, struct pslot *ps)
{
	size_t n = 0;

	pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	ps[n++] = (struct pslot){ P_STDIN, NULL };
	for (size_t i = 0; i < sk->nsess; i++) {
		struct session *s = &sk->sess[i];

		if (s->lfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
			ps[n++] = (struct pslot){ P_LISTEN, s };
		}
		if (s->fd < 0)
			continue;
		if (s->state == S_CONNECTING) {
			pfd[n] = (struct pollfd){ .fd = s->fd, .events = POLLOUT };
			ps[n++] = (struct pslot){ P_CONNECT, s };
			continue;
		}
		pfd[n] = (struct pollfd){ .fd = s->fd,
		    .events = POLLIN | (s->out_len ? POLLOUT : 0) };
		ps[n++] = (struct pslot){ P_IO, s };
	}
	return n;
}

/* false: stop. */
static bool sink_dispatch(struct sink *sk, const struct pollfd *p, const struct pslot *ps)
{
	struct session *s = ps->s;

	if (p->revents == 0)
		return true;
	if (ps->kind == P_STDIN)
		return sink_stdin(sk);
	if (ps->kind == P_LISTEN) {
		sess_accept(s, sk->hold);
		return true;
	}
	if (s->fd != p->fd)
		return true;			/* dropped meanwhile */
	if (ps->kind == P_CONNECT) {
		sess_connected(s, sk->hold);
		return true;
	}
	if (p->revents & POLLOUT)
		sess_flush(s);
	if (s->fd >= 0 && (p->revents & (POLLIN | POLLERR | POLLHUP)))
		sess_readable(sk, s);
	return true;
}

static bool sink_all_established(const struct sink *sk)
{
	for (size_t i = 0; i < sk->nsess; i++)
		if (sk->sess[i].state != S_ESTABLISHED)
			return false;
	return true;
}

static void sink_run(struct sink *sk, struct pollfd *pfd, struct pslot *ps)
{
	double deadline = mono_now() + sk->max_seconds;
	double next_status = mono_now() + 1.0;

	for (size_t i = 0; i < sk->nsess; i++)
		if (sk->sess[i].listen)
			sess_listen(&sk->sess[i]);
	for (long loop = 0; loop < MAX_LOOPS; loop++) {
		double t = mono_now();
		size_t n;

		if (t > deadline) {
			ev_error("*", "speaker deadline reached");
			return;
		}
		for (size_t i = 0; i < sk->nsess; i++) {
			sess_try_connect(&sk->sess[i], t);
			sess_tick(&sk->sess[i], t);
		}
		n = sink_pollset(sk, pfd, ps);
		if (poll(pfd, n, POLL_MS) < 0 && errno != EINTR) {
			ev_error("*", "poll failed");
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (!sink_dispatch(sk, &pfd[i], &ps[i]))
				return;
		sink_check_sent(sk);
		if (!sk->ready_sent && sink_all_established(sk)) {
			sk->ready_sent = true;
			ev_begin("ready", mono_now());
			ev_end();
		}
		if (t >= next_status) {
			next_status = t + 1.0;
			sink_status(sk);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Command line                                                            */

static void usage(void)
{
	fputs("usage: benchsink [--expect N [--aggregates M]] [--hold S] [--max-seconds S]\n"
	    "\t--session ID,MODE,LOCAL,PEER,LOCAL_AS,PEER_AS,ROUTER_ID,AFI ...\n"
	    "MODE connect|listen, AFI ipv4|ipv6; the sink role of "
	    "tests/bench/speaker.py\n", stderr);
	exit(2);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end != '\0' || x > max)
		return false;
	*v = x;
	return true;
}

static bool parse_addr(const char *s, int family, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return inet_pton(AF_INET, s, &sin->sin_addr) == 1;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	return inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1;
}

/* ID,MODE,LOCAL,PEER,LOCAL_AS,PEER_AS,ROUTER_ID,AFI */
static bool parse_session(char *arg, struct session *s)
{
	char *f[8], *save = NULL, *tok;
	uint64_t las, pas;
	size_t n = 0;
	socklen_t len;

	for (tok = strtok_r(arg, ",", &save); tok != NULL && n < 8;
	    tok = strtok_r(NULL, ",", &save))
		f[n++] = tok;
	if (n != 8 || tok != NULL || strlen(f[0]) >= sizeof(s->id))
		return false;
	memset(s, 0, sizeof(*s));
	s->fd = s->lfd = -1;
	strcpy(s->id, f[0]);
	if (strcmp(f[1], "listen") != 0 && strcmp(f[1], "connect") != 0)
		return false;
	s->listen = f[1][0] == 'l';
	s->family = strchr(f[3], ':') != NULL ? AF_INET6 : AF_INET;
	if (!parse_addr(f[2], s->family, s->listen ? BGP_PORT : 0, &s->local,
	    &s->salen) ||
	    !parse_addr(f[3], s->family, BGP_PORT, &s->peer, &len))
		return false;
	if (!parse_u64(f[4], UINT32_MAX, &las) || las == 0 ||
	    !parse_u64(f[5], UINT32_MAX, &pas) || pas == 0)
		return false;
	s->local_as = (uint32_t)las;
	s->peer_as = (uint32_t)pas;
	if (inet_pton(AF_INET, f[6], s->router_id) != 1)
		return false;
	if (strcmp(f[7], "ipv4") == 0)
		s->afi = AFI_IPV4;
	else if (strcmp(f[7], "ipv6") == 0)
		s->afi = AFI_IPV6;
	else
		return false;
	s->state = s->listen ? S_LISTEN : S_IDLE;
	s->ka_interval = 60.0;
	return true;
}

static void parse_args(int argc, char **argv, struct sink *sk)
{
	static const struct option opts[] = {
		{ "expect", required_argument, NULL, 'e' },
		{ "aggregates", required_argument, NULL, 'a' },
		{ "hold", required_argument, NULL, 'H' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "session", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	char *end;
	int c;

	sk->hold = 180;
	sk->max_seconds = 7200;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!parse_u64(optarg, UINT64_MAX, &sk->expect))
				usage();
			break;
		case 'a':
			if (!parse_u64(optarg, UINT64_MAX, &sk->aggs))
				usage();
			break;
		case 'H':
			if (!parse_u64(optarg, 65535, &v) || v == 1 || v == 2)
				usage();
			sk->hold = (unsigned)v;
			break;
		case 'm':
			sk->max_seconds = strtod(optarg, &end);
			if (*end != '\0' || !(sk->max_seconds > 0))
				usage();
			break;
		case 's':
			sk->sess = realloc(sk->sess, (sk->nsess + 1) * sizeof(*sk->sess));
			if (sk->sess == NULL)
				exit(1);
			if (!parse_session(optarg, &sk->sess[sk->nsess++]))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || sk->nsess == 0 || sk->aggs > sk->expect)
		usage();
}

/*
 * Buffers and sets, sized once before the loop: each family used by a
 * session reserves its share of --expect, so that the sets seldom grow
 * while the clock runs (they still grow when the split is uneven).
 */
static void sink_setup(struct sink *sk)
{
	bool fam[2] = { false, false };
	unsigned nfam;

	for (size_t i = 0; i < sk->nsess; i++) {
		sk->sess[i].rx = malloc(RX_CAP);
		if (sk->sess[i].rx == NULL)
			exit(1);
		touch_pages(sk->sess[i].rx, RX_CAP);
		fam[sk->sess[i].afi == AFI_IPV6] = true;
	}
	if (!pfx_set_init(&sk->set[0], 4, 1024) ||
	    !pfx_set_init(&sk->set[1], 16, 1024))
		exit(1);
	nfam = (unsigned)fam[0] + (unsigned)fam[1];
	for (int f = 0; f < 2; f++)
		if (fam[f])
			(void)pfx_set_reserve(&sk->set[f], sk->expect / nfam);
}

int main(int argc, char **argv)
{
	struct sink sk;
	struct pollfd *pfd;
	struct pslot *ps;

	memset(&sk, 0, sizeof(sk));
	parse_args(argc, argv, &sk);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sink_setup(&sk);
	pfd = calloc(2 * sk.nsess + 1, sizeof(*pfd));
	ps = calloc(2 * sk.nsess + 1, sizeof(*ps));
	if (pfd == NULL || ps == NULL)
		return 1;
	ev_begin("started", mono_now());
	printf(", \"pid\": %ld", (long)getpid());
	ev_end();
	sink_run(&sk, pfd, ps);
	for (size_t i = 0; i < sk.nsess; i++) {
		if (sk.sess[i].fd >= 0)
			close(sk.sess[i].fd);
		if (sk.sess[i].lfd >= 0)
			close(sk.sess[i].lfd);
		free(sk.sess[i].rx);
	}
	pfx_set_free(&sk.set[0]);
	pfx_set_free(&sk.set[1]);
	free(sk.sess);
	free(pfd);
	free(ps);
	return 0;
}
