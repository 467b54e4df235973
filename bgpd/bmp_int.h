/* bgpd/bmp*.c private: a collector's connection and output buffer
 * (bmp.c), the peers' messages and the table dump (bmp_peer.c). */
#ifndef CLOS_BMP_INT_H
#define CLOS_BMP_INT_H

#include "bgpd/bmp.h"
#include "bgpd/bmp_wire.h"
#include "bgpd/session.h"

/* Bytes queued for one collector at most: a collector slower than the
 * routes it is sent is dropped when its queue would pass this, and gets
 * everything again (resync) when it is back. */
#define BMP_OUT_MAX (16u << 20)
/* The table dump after a connect goes on, a peer at a time, while less
 * than this is queued: it follows the collector's pace. */
#define BMP_DUMP_LOWAT (256u << 10)
#define BMP_DUMP_BURST 4	/* peers dumped per loop turn at most */
#define BMP_MSG_MAX (2 * BGP_MAX_MSG + 256) /* Peer Up with two OPENs */
#define BMP_FLUSH_TRIES 20	/* x 50 ms: Termination flushed at close */

enum bmp_state { BMP_IDLE = 0, BMP_CONNECTING, BMP_UP };

/* Which messages a collector takes: route monitoring of one view, or
 * anything else about a peer (Peer Up/Down, statistics). */
enum bmp_view { BMP_VIEW_PRE, BMP_VIEW_POST, BMP_VIEW_PEER };

struct bmp;
struct bmp_rm;

struct bmp_collector {
	struct bmp_collector *next;
	struct bmp *b;
	struct cfg_bmp cfg;
	unsigned slot;		/* its bit in bmp_peer.up */
	enum bmp_state state;
	int fd;
	ev_io rio, wio;
	ev_timer retry, stats;
	double backoff;		/* s before the next reconnect */
	uint8_t *out;		/* queued bytes: out[off..len) */
	size_t off, len, cap;
	bool synced;		/* every Established peer had its Peer Up and table */
	uint64_t msgs, resets;
};

struct bmp {
	struct bgpd *d;
	struct bmp_collector *collectors;
	uint8_t scratch[BMP_MSG_MAX];	/* one message being encoded */
};

/* What closbgpd keeps per peer: its OPENs and how its session ended. */
enum bmp_down_note { BMP_NOTE_NONE = 0, BMP_NOTE_LOCAL, BMP_NOTE_REMOTE, BMP_NOTE_CLOSED };
struct bmp_peer {
	uint8_t *open_sent, *open_recv;	/* whole messages */
	uint16_t sent_len, recv_len;
	uint8_t up;			/* collector slots that have its Peer Up */
	enum bmp_down_note note;
	uint8_t *notif;			/* the NOTIFICATION, whole (note LOCAL/REMOTE) */
	uint16_t notif_len;
	struct bmp_rm *reimport;	/* post-policy changes of a reload, batched */
};

/* bmp.c: queue a whole message for c; false (and c dropped, to resync
 * later) when its queue would pass BMP_OUT_MAX. */
bool bmp_out_put(struct bmp_collector *c, const uint8_t *msg, size_t len);
/* To every connected collector (or only `only`) that has p's Peer Up and
 * takes view v. */
void bmp_emit(struct bmp *b, struct bmp_collector *only, const struct peer *p, enum bmp_view v,
	      const uint8_t *msg, size_t len);

/* bmp_peer.c: the next Established peer c has not had: its Peer Up, its
 * table and End-of-RIB. False when there is none left (c is synced). */
bool bmp_dump_next(struct bmp_collector *c);
/* Statistics Report of every peer c has. */
void bmp_stats_send(struct bmp_collector *c);
void bmp_peer_hdr_fill(const struct peer *p, uint8_t flags, double ts, struct bmp_peer_hdr *h);

#endif
