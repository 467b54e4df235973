/* RFC 4271 section 8.2.2: the BGP finite state machine, one pure function.
 * It decides the next state and the actions; peer.c performs them. */
#include "bgpd/fsm.h"

#include "bgpd/wire.h"

#define STEP(n, a) ((struct fsm_step){ .next = (n), .actions = (a) })
#define NOTIFY_STEP(n, a, c, s) \
	((struct fsm_step){ .next = (n), .actions = (a) | ACT_SEND_NOTIFY, .notify_code = (c), .notify_subcode = (s) })

/* Leaving a running session because of an error (8.2.2 "any other event"):
 * release everything, count the failure for the restart backoff. */
#define DROP (ACT_RELEASE | ACT_STOP_CONNRETRY | ACT_INC_CONNRETRY_CNT)

static struct fsm_step fsm_idle(enum fsm_event ev, int passive)
{
	switch (ev) {
	case EV_MANUAL_START:
	case EV_AUTO_START:
		/* 8.2.2 Idle, Events 1/3: start ConnectRetryTimer, initiate
		 * a TCP connection, listen, move to Connect. */
		if (passive)
			return STEP(FSM_ACTIVE, ACT_LISTEN | ACT_START_CONNRETRY);
		return STEP(FSM_CONNECT, ACT_CONNECT | ACT_LISTEN | ACT_START_CONNRETRY);
	case EV_AUTO_START_PASSIVE:
		return STEP(FSM_ACTIVE, ACT_LISTEN | ACT_START_CONNRETRY);
	default:
		/* Any other event is ignored in Idle (connections refused). */
		return STEP(FSM_IDLE, ACT_NONE);
	}
}

static struct fsm_step fsm_connect(enum fsm_event ev, int passive)
{
	switch (ev) {
	case EV_MANUAL_STOP:
		return STEP(FSM_IDLE, ACT_RELEASE | ACT_STOP_CONNRETRY | ACT_RESET_CONNRETRY_CNT);
	case EV_CONNECT_RETRY_EXPIRES:
		/* Drop the attempt, restart the timer, try again. */
		if (passive)
			return STEP(FSM_ACTIVE, ACT_RELEASE | ACT_START_CONNRETRY);
		return STEP(FSM_CONNECT, ACT_RELEASE | ACT_CONNECT | ACT_START_CONNRETRY);
	case EV_TCP_CONN_VALID:
	case EV_TCP_CONN_CONFIRMED:
		return STEP(FSM_OPENSENT, ACT_STOP_CONNRETRY | ACT_SEND_OPEN | ACT_START_HOLD_LARGE);
	case EV_TCP_CONN_FAILS:
		/* Restart ConnectRetryTimer, keep listening, go to Active. */
		return STEP(FSM_ACTIVE, ACT_RELEASE | ACT_START_CONNRETRY);
	default:
		return STEP(FSM_IDLE, DROP);
	}
}

static struct fsm_step fsm_active(enum fsm_event ev, int passive)
{
	switch (ev) {
	case EV_MANUAL_STOP:
		return STEP(FSM_IDLE, ACT_RELEASE | ACT_STOP_CONNRETRY | ACT_RESET_CONNRETRY_CNT);
	case EV_CONNECT_RETRY_EXPIRES:
		if (passive)
			return STEP(FSM_ACTIVE, ACT_START_CONNRETRY);
		return STEP(FSM_CONNECT, ACT_CONNECT | ACT_START_CONNRETRY);
	case EV_TCP_CONN_VALID:
	case EV_TCP_CONN_CONFIRMED:
		return STEP(FSM_OPENSENT, ACT_STOP_CONNRETRY | ACT_SEND_OPEN | ACT_START_HOLD_LARGE);
	case EV_TCP_CONN_FAILS:
		return STEP(FSM_IDLE, DROP);
	default:
		return STEP(FSM_IDLE, DROP);
	}
}

static struct fsm_step fsm_opensent(enum fsm_event ev)
{
	switch (ev) {
	case EV_MANUAL_STOP:
		return NOTIFY_STEP(FSM_IDLE, ACT_RELEASE | ACT_STOP_CONNRETRY | ACT_RESET_CONNRETRY_CNT,
				   BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	case EV_HOLD_EXPIRES:
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_HOLD, 0);
	case EV_TCP_CONN_FAILS:
		/* Close, restart ConnectRetryTimer, continue to listen: Active. */
		return STEP(FSM_ACTIVE, ACT_RELEASE | ACT_START_CONNRETRY);
	case EV_OPEN_OK:
		return STEP(FSM_OPENCONFIRM, ACT_STOP_CONNRETRY | ACT_SEND_KEEPALIVE |
						     ACT_START_KEEPALIVE | ACT_START_HOLD);
	case EV_HEADER_ERR:
	case EV_OPEN_ERR:
		return NOTIFY_STEP(FSM_IDLE, DROP, 0, 0); /* caller's code */
	case EV_OPEN_COLLISION_DUMP:
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_CEASE, BGP_CEASE_COLLISION);
	case EV_NOTIF_VERSION_ERR:
		return STEP(FSM_IDLE, ACT_RELEASE | ACT_STOP_CONNRETRY);
	case EV_NOTIF:
		return STEP(FSM_IDLE, DROP);
	default:
		/* RFC 6608: Receive Unexpected Message in OpenSent State. */
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_FSM, 1);
	}
}

static struct fsm_step fsm_openconfirm(enum fsm_event ev)
{
	switch (ev) {
	case EV_MANUAL_STOP:
		return NOTIFY_STEP(FSM_IDLE, ACT_RELEASE | ACT_STOP_CONNRETRY | ACT_RESET_CONNRETRY_CNT,
				   BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	case EV_HOLD_EXPIRES:
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_HOLD, 0);
	case EV_KEEPALIVE_EXPIRES:
		return STEP(FSM_OPENCONFIRM, ACT_SEND_KEEPALIVE | ACT_START_KEEPALIVE);
	case EV_TCP_CONN_FAILS:
	case EV_NOTIF:
		return STEP(FSM_IDLE, DROP);
	case EV_NOTIF_VERSION_ERR:
		return STEP(FSM_IDLE, ACT_RELEASE | ACT_STOP_CONNRETRY);
	case EV_OPEN_COLLISION_DUMP:
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_CEASE, BGP_CEASE_COLLISION);
	case EV_KEEPALIVE:
		return STEP(FSM_ESTABLISHED, ACT_RESTART_HOLD | ACT_ESTABLISHED | ACT_RESET_CONNRETRY_CNT);
	case EV_HEADER_ERR:
	case EV_OPEN_ERR:
		return NOTIFY_STEP(FSM_IDLE, DROP, 0, 0);
	default:
		/* RFC 6608: Receive Unexpected Message in OpenConfirm State. */
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_FSM, 2);
	}
}

static struct fsm_step fsm_established(enum fsm_event ev)
{
	switch (ev) {
	case EV_MANUAL_STOP:
		return NOTIFY_STEP(FSM_IDLE, ACT_RELEASE | ACT_STOP_CONNRETRY | ACT_RESET_CONNRETRY_CNT,
				   BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	case EV_HOLD_EXPIRES:
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_HOLD, 0);
	case EV_KEEPALIVE_EXPIRES:
		return STEP(FSM_ESTABLISHED, ACT_SEND_KEEPALIVE | ACT_START_KEEPALIVE);
	case EV_KEEPALIVE:
		return STEP(FSM_ESTABLISHED, ACT_RESTART_HOLD);
	case EV_UPDATE:
		return STEP(FSM_ESTABLISHED, ACT_RESTART_HOLD | ACT_PROCESS_UPDATE);
	case EV_TCP_CONN_FAILS:
	case EV_NOTIF:
	case EV_NOTIF_VERSION_ERR:
		return STEP(FSM_IDLE, DROP);
	case EV_OPEN_COLLISION_DUMP:
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_CEASE, BGP_CEASE_COLLISION);
	case EV_HEADER_ERR:
	case EV_UPDATE_ERR:
	case EV_OPEN_ERR:
		return NOTIFY_STEP(FSM_IDLE, DROP, 0, 0);
	default:
		/* RFC 6608: Receive Unexpected Message in Established State. */
		return NOTIFY_STEP(FSM_IDLE, DROP, BGP_ERR_FSM, 3);
	}
}

struct fsm_step fsm_step(enum fsm_state s, enum fsm_event ev, int passive)
{
	switch (s) {
	case FSM_IDLE:
		return fsm_idle(ev, passive);
	case FSM_CONNECT:
		return fsm_connect(ev, passive);
	case FSM_ACTIVE:
		return fsm_active(ev, passive);
	case FSM_OPENSENT:
		return fsm_opensent(ev);
	case FSM_OPENCONFIRM:
		return fsm_openconfirm(ev);
	case FSM_ESTABLISHED:
		return fsm_established(ev);
	default:
		return STEP(FSM_IDLE, ACT_RELEASE);
	}
}

const char *fsm_state_str(enum fsm_state s)
{
	static const char *const names[FSM_NSTATES] = {
		"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established",
	};
	return (unsigned)s < FSM_NSTATES ? names[s] : "Unknown";
}

const char *fsm_event_str(enum fsm_event ev)
{
	switch (ev) {
	case EV_MANUAL_START: return "ManualStart";
	case EV_MANUAL_STOP: return "ManualStop";
	case EV_AUTO_START: return "AutomaticStart";
	case EV_AUTO_START_PASSIVE: return "AutomaticStart_with_PassiveTcpEstablishment";
	case EV_CONNECT_RETRY_EXPIRES: return "ConnectRetryTimer_Expires";
	case EV_HOLD_EXPIRES: return "HoldTimer_Expires";
	case EV_KEEPALIVE_EXPIRES: return "KeepaliveTimer_Expires";
	case EV_TCP_CONN_VALID: return "TcpConnection_Valid";
	case EV_TCP_CONN_CONFIRMED: return "TcpConnectionConfirmed";
	case EV_TCP_CONN_FAILS: return "TcpConnectionFails";
	case EV_OPEN_OK: return "BGPOpen";
	case EV_HEADER_ERR: return "BGPHeaderErr";
	case EV_OPEN_ERR: return "BGPOpenMsgErr";
	case EV_OPEN_COLLISION_DUMP: return "OpenCollisionDump";
	case EV_NOTIF_VERSION_ERR: return "NotifMsgVerErr";
	case EV_NOTIF: return "NotifMsg";
	case EV_KEEPALIVE: return "KeepAliveMsg";
	case EV_UPDATE: return "UpdateMsg";
	case EV_UPDATE_ERR: return "UpdateMsgErr";
	default: return "Unknown";
	}
}
