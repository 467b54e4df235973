/* The RFC 4271 section 8 finite state machine as one pure function:
 * (state, event) -> (next state, actions). peer.c performs the actions.
 * Keeping it pure lets the whole transition table be unit-tested. */
#ifndef CLOS_FSM_H
#define CLOS_FSM_H

#include <stdint.h>

enum fsm_state {
	FSM_IDLE = 0,
	FSM_CONNECT,
	FSM_ACTIVE,
	FSM_OPENSENT,
	FSM_OPENCONFIRM,
	FSM_ESTABLISHED,
	FSM_NSTATES
};

/* RFC 4271 8.1 events (the mandatory ones and those we use). */
enum fsm_event {
	EV_MANUAL_START = 1,	      /* Event 1 */
	EV_MANUAL_STOP = 2,	      /* Event 2 */
	EV_AUTO_START = 3,	      /* Event 3 */
	EV_AUTO_START_PASSIVE = 5,    /* Event 5 */
	EV_CONNECT_RETRY_EXPIRES = 9, /* Event 9 */
	EV_HOLD_EXPIRES = 10,	      /* Event 10 */
	EV_KEEPALIVE_EXPIRES = 11,    /* Event 11 */
	EV_TCP_CONN_VALID = 14,	      /* Event 14 (inbound accepted) */
	EV_TCP_CONN_CONFIRMED = 17,   /* Event 16/17 (outbound/inbound connected) */
	EV_TCP_CONN_FAILS = 18,	      /* Event 18 */
	EV_OPEN_OK = 19,	      /* Event 19: BGPOpen, checked */
	EV_OPEN_COLLISION_DUMP = 23,  /* Event 23 */
	EV_HEADER_ERR = 21,	      /* Event 21 */
	EV_OPEN_ERR = 22,	      /* Event 22 */
	EV_NOTIF_VERSION_ERR = 24,    /* Event 24 */
	EV_NOTIF = 25,		      /* Event 25 */
	EV_KEEPALIVE = 26,	      /* Event 26 */
	EV_UPDATE = 27,		      /* Event 27 */
	EV_UPDATE_ERR = 28,	      /* Event 28 */
	EV_MAX = 29
};

/* Actions, performed by peer.c in this bit order. */
enum fsm_action {
	ACT_NONE = 0,
	ACT_RELEASE = 1u << 0,		/* close connection, drop session state */
	ACT_SEND_NOTIFY = 1u << 1,	/* NOTIFICATION: code chosen by the caller/event */
	ACT_CONNECT = 1u << 2,		/* initiate TCP connection */
	ACT_LISTEN = 1u << 3,		/* accept incoming connections */
	ACT_START_CONNRETRY = 1u << 4,	/* (re)start ConnectRetryTimer */
	ACT_STOP_CONNRETRY = 1u << 5,
	ACT_SEND_OPEN = 1u << 6,
	ACT_SEND_KEEPALIVE = 1u << 7,
	ACT_START_HOLD_LARGE = 1u << 8, /* HoldTimer = 4 minutes (8.2.2) */
	ACT_START_HOLD = 1u << 9,	/* HoldTimer = negotiated */
	ACT_RESTART_HOLD = 1u << 10,	/* a KEEPALIVE/UPDATE arrived */
	ACT_START_KEEPALIVE = 1u << 11,
	ACT_ESTABLISHED = 1u << 12,	/* session up: send initial routes */
	ACT_PROCESS_UPDATE = 1u << 13,
	ACT_INC_CONNRETRY_CNT = 1u << 14, /* backoff */
	ACT_RESET_CONNRETRY_CNT = 1u << 15,
};

/* Result of one step. notify_code is BGP_ERR_FSM etc. when ACT_SEND_NOTIFY
 * is set and the NOTIFICATION code is decided by the FSM itself (0 means the
 * caller supplies it, e.g. the decoder's error). */
struct fsm_step {
	enum fsm_state next;
	uint32_t actions;
	uint8_t notify_code, notify_subcode;
};

/* passive: the peer never initiates (ACT_CONNECT is never emitted). */
struct fsm_step fsm_step(enum fsm_state s, enum fsm_event ev, int passive);
const char *fsm_state_str(enum fsm_state s);
const char *fsm_event_str(enum fsm_event ev);

#endif
