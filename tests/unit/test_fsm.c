/* The RFC 4271 8.2.2 transition table, checked row by row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bgpd/fsm.h"
#include "bgpd/wire.h"

struct row {
	enum fsm_state from;
	enum fsm_event ev;
	int passive;
	enum fsm_state to;
	uint32_t must;	   /* actions that must be present */
	uint32_t must_not; /* actions that must be absent */
	uint8_t code, subcode;
};

static const struct row table[] = {
	/* Idle */
	{ FSM_IDLE, EV_MANUAL_START, 0, FSM_CONNECT, ACT_CONNECT | ACT_START_CONNRETRY, 0, 0, 0 },
	{ FSM_IDLE, EV_AUTO_START, 0, FSM_CONNECT, ACT_CONNECT | ACT_LISTEN, 0, 0, 0 },
	{ FSM_IDLE, EV_MANUAL_START, 1, FSM_ACTIVE, ACT_LISTEN, ACT_CONNECT, 0, 0 },
	{ FSM_IDLE, EV_AUTO_START_PASSIVE, 0, FSM_ACTIVE, ACT_LISTEN, ACT_CONNECT, 0, 0 },
	{ FSM_IDLE, EV_KEEPALIVE, 0, FSM_IDLE, 0, ACT_SEND_NOTIFY | ACT_CONNECT, 0, 0 },
	{ FSM_IDLE, EV_TCP_CONN_VALID, 0, FSM_IDLE, 0, ACT_SEND_OPEN, 0, 0 },
	/* Connect */
	{ FSM_CONNECT, EV_TCP_CONN_CONFIRMED, 0, FSM_OPENSENT,
	  ACT_SEND_OPEN | ACT_START_HOLD_LARGE | ACT_STOP_CONNRETRY, 0, 0, 0 },
	{ FSM_CONNECT, EV_TCP_CONN_VALID, 0, FSM_OPENSENT, ACT_SEND_OPEN, 0, 0, 0 },
	{ FSM_CONNECT, EV_TCP_CONN_FAILS, 0, FSM_ACTIVE, ACT_START_CONNRETRY, ACT_CONNECT, 0, 0 },
	{ FSM_CONNECT, EV_CONNECT_RETRY_EXPIRES, 0, FSM_CONNECT,
	  ACT_CONNECT | ACT_START_CONNRETRY | ACT_RELEASE, 0, 0, 0 },
	{ FSM_CONNECT, EV_MANUAL_STOP, 0, FSM_IDLE, ACT_RELEASE | ACT_RESET_CONNRETRY_CNT,
	  ACT_SEND_NOTIFY, 0, 0 },
	{ FSM_CONNECT, EV_KEEPALIVE, 0, FSM_IDLE, ACT_RELEASE | ACT_INC_CONNRETRY_CNT, 0, 0, 0 },
	/* Active */
	{ FSM_ACTIVE, EV_CONNECT_RETRY_EXPIRES, 0, FSM_CONNECT, ACT_CONNECT, 0, 0, 0 },
	{ FSM_ACTIVE, EV_CONNECT_RETRY_EXPIRES, 1, FSM_ACTIVE, ACT_START_CONNRETRY, ACT_CONNECT, 0, 0 },
	{ FSM_ACTIVE, EV_TCP_CONN_VALID, 1, FSM_OPENSENT, ACT_SEND_OPEN, 0, 0, 0 },
	{ FSM_ACTIVE, EV_TCP_CONN_FAILS, 0, FSM_IDLE, ACT_RELEASE | ACT_INC_CONNRETRY_CNT, 0, 0, 0 },
	{ FSM_ACTIVE, EV_MANUAL_STOP, 0, FSM_IDLE, ACT_RELEASE, ACT_SEND_NOTIFY, 0, 0 },
	/* OpenSent */
	{ FSM_OPENSENT, EV_OPEN_OK, 0, FSM_OPENCONFIRM,
	  ACT_SEND_KEEPALIVE | ACT_START_KEEPALIVE | ACT_START_HOLD, ACT_RELEASE, 0, 0 },
	{ FSM_OPENSENT, EV_HOLD_EXPIRES, 0, FSM_IDLE, ACT_RELEASE | ACT_SEND_NOTIFY, 0,
	  BGP_ERR_HOLD, 0 },
	{ FSM_OPENSENT, EV_TCP_CONN_FAILS, 0, FSM_ACTIVE, ACT_RELEASE | ACT_START_CONNRETRY, 0, 0, 0 },
	{ FSM_OPENSENT, EV_OPEN_ERR, 0, FSM_IDLE, ACT_RELEASE | ACT_SEND_NOTIFY, 0, 0, 0 },
	{ FSM_OPENSENT, EV_HEADER_ERR, 0, FSM_IDLE, ACT_RELEASE | ACT_SEND_NOTIFY, 0, 0, 0 },
	{ FSM_OPENSENT, EV_OPEN_COLLISION_DUMP, 0, FSM_IDLE, ACT_SEND_NOTIFY, 0, BGP_ERR_CEASE,
	  BGP_CEASE_COLLISION },
	{ FSM_OPENSENT, EV_NOTIF_VERSION_ERR, 0, FSM_IDLE, ACT_RELEASE,
	  ACT_SEND_NOTIFY | ACT_INC_CONNRETRY_CNT, 0, 0 },
	{ FSM_OPENSENT, EV_KEEPALIVE, 0, FSM_IDLE, ACT_SEND_NOTIFY | ACT_RELEASE, 0, BGP_ERR_FSM, 1 },
	{ FSM_OPENSENT, EV_UPDATE, 0, FSM_IDLE, ACT_SEND_NOTIFY, 0, BGP_ERR_FSM, 1 },
	{ FSM_OPENSENT, EV_MANUAL_STOP, 0, FSM_IDLE, ACT_SEND_NOTIFY | ACT_RELEASE, 0, BGP_ERR_CEASE,
	  BGP_CEASE_ADMIN_SHUTDOWN },
	/* OpenConfirm */
	{ FSM_OPENCONFIRM, EV_KEEPALIVE, 0, FSM_ESTABLISHED, ACT_RESTART_HOLD | ACT_ESTABLISHED, 0, 0, 0 },
	{ FSM_OPENCONFIRM, EV_KEEPALIVE_EXPIRES, 0, FSM_OPENCONFIRM,
	  ACT_SEND_KEEPALIVE | ACT_START_KEEPALIVE, ACT_RELEASE, 0, 0 },
	{ FSM_OPENCONFIRM, EV_HOLD_EXPIRES, 0, FSM_IDLE, ACT_SEND_NOTIFY, 0, BGP_ERR_HOLD, 0 },
	{ FSM_OPENCONFIRM, EV_NOTIF, 0, FSM_IDLE, ACT_RELEASE, ACT_SEND_NOTIFY, 0, 0 },
	{ FSM_OPENCONFIRM, EV_UPDATE, 0, FSM_IDLE, ACT_SEND_NOTIFY, 0, BGP_ERR_FSM, 2 },
	{ FSM_OPENCONFIRM, EV_OPEN_OK, 0, FSM_IDLE, ACT_SEND_NOTIFY, 0, BGP_ERR_FSM, 2 },
	{ FSM_OPENCONFIRM, EV_TCP_CONN_FAILS, 0, FSM_IDLE, ACT_RELEASE, ACT_SEND_NOTIFY, 0, 0 },
	/* Established */
	{ FSM_ESTABLISHED, EV_UPDATE, 0, FSM_ESTABLISHED, ACT_PROCESS_UPDATE | ACT_RESTART_HOLD,
	  ACT_RELEASE, 0, 0 },
	{ FSM_ESTABLISHED, EV_KEEPALIVE, 0, FSM_ESTABLISHED, ACT_RESTART_HOLD, ACT_RELEASE, 0, 0 },
	{ FSM_ESTABLISHED, EV_KEEPALIVE_EXPIRES, 0, FSM_ESTABLISHED, ACT_SEND_KEEPALIVE, 0, 0, 0 },
	{ FSM_ESTABLISHED, EV_HOLD_EXPIRES, 0, FSM_IDLE, ACT_SEND_NOTIFY | ACT_RELEASE, 0,
	  BGP_ERR_HOLD, 0 },
	{ FSM_ESTABLISHED, EV_UPDATE_ERR, 0, FSM_IDLE, ACT_SEND_NOTIFY | ACT_RELEASE, 0, 0, 0 },
	{ FSM_ESTABLISHED, EV_NOTIF, 0, FSM_IDLE, ACT_RELEASE, ACT_SEND_NOTIFY, 0, 0 },
	{ FSM_ESTABLISHED, EV_TCP_CONN_FAILS, 0, FSM_IDLE, ACT_RELEASE, ACT_SEND_NOTIFY, 0, 0 },
	{ FSM_ESTABLISHED, EV_OPEN_OK, 0, FSM_IDLE, ACT_SEND_NOTIFY, 0, BGP_ERR_FSM, 3 },
	{ FSM_ESTABLISHED, EV_MANUAL_STOP, 0, FSM_IDLE, ACT_SEND_NOTIFY | ACT_RESET_CONNRETRY_CNT, 0,
	  BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN },
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		struct fsm_step st = fsm_step(r->from, r->ev, r->passive);
		if (st.next != r->to || (st.actions & r->must) != r->must ||
		    (st.actions & r->must_not) || st.notify_code != r->code ||
		    st.notify_subcode != r->subcode)
			fail_msg("row %zu: %s + %s -> %s actions %#x notify %u/%u", i,
				 fsm_state_str(r->from), fsm_event_str(r->ev), fsm_state_str(st.next),
				 st.actions, st.notify_code, st.notify_subcode);
	}
}

/* Whatever happens, a connection is never left half-released: every move to
 * Idle from a state that owns a connection releases it. */
static void test_idle_always_releases(void **state)
{
	for (int s = FSM_CONNECT; s < FSM_NSTATES; s++)
		for (int ev = 1; ev < EV_MAX; ev++) {
			struct fsm_step st = fsm_step((enum fsm_state)s, (enum fsm_event)ev, 0);
			if (st.next == FSM_IDLE && !(st.actions & ACT_RELEASE))
				fail_msg("%s + %s goes Idle without release",
					 fsm_state_str((enum fsm_state)s),
					 fsm_event_str((enum fsm_event)ev));
		}
}

/* A passive peer never initiates a connection. */
static void test_passive_never_connects(void **state)
{
	for (int s = 0; s < FSM_NSTATES; s++)
		for (int ev = 1; ev < EV_MAX; ev++)
			assert_false(fsm_step((enum fsm_state)s, (enum fsm_event)ev, 1).actions &
				     ACT_CONNECT);
}

static void test_names(void **state)
{
	assert_string_equal(fsm_state_str(FSM_ESTABLISHED), "Established");
	assert_string_equal(fsm_state_str(FSM_OPENCONFIRM), "OpenConfirm");
	assert_string_equal(fsm_event_str(EV_HOLD_EXPIRES), "HoldTimer_Expires");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_idle_always_releases),
		cmocka_unit_test(test_passive_never_connects),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
