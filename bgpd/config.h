/* Device configuration: RFC 7951 JSON validated by libyang against the
 * closbgp-device YANG module, turned into plain structs the daemon uses.
 * Peer-group settings are already folded into each peer. */
#ifndef CLOS_CONFIG_H
#define CLOS_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bgpd/wire.h"
#include "policy/policy.h"

#define CFG_DEFAULT_HOLD 30
#define CFG_DEFAULT_KEEPALIVE 10
#define CFG_DEFAULT_CONNECT_RETRY 5

struct cfg_timers {
	uint16_t hold_time;	/* 0 or 3..65535 */
	uint16_t keepalive;	/* 1.. ; <= hold/3 is advised, not enforced */
	uint16_t connect_retry; /* initial connect-retry, backs off to 8x */
};

/* max-prefix: a limit on the paths import policy accepted (limit 0: none). */
struct cfg_maxpfx {
	uint32_t limit;
	bool restart;		/* Cease and restart after restart_time; else warn */
	uint16_t restart_time;	/* seconds */
	uint8_t warn_pct;	/* warning at this share of the limit */
};

/* Graceful restart, helper side (RFC 4724 4.2): a peer's paths are kept,
 * stale, while it restarts. */
#define CFG_DEFAULT_GR_RESTART 120 /* restart time we advertise (RFC 4724 3) */
#define CFG_DEFAULT_GR_STALE 360   /* FRR's stalepath-time */
struct cfg_gr {
	bool helper;		/* keep a restarting peer's paths */
	uint16_t stale_time;	/* at most this long from the drop, s (1..3600) */
};

/* TCP authentication of a session: RFC 2385 TCP-MD5 (password) or
 * RFC 5925 TCP-AO: the master key tuple (MKT, RFC 5925 3.1) in use and
 * up to CFG_AO_MKT_MAX - 1 more accepted during a key change. */
enum cfg_auth_kind { CFG_AUTH_NONE = 0, CFG_AUTH_MD5, CFG_AUTH_AO };
enum cfg_ao_alg { CFG_AO_HMAC_SHA1_96 = 0, CFG_AO_AES128_CMAC_96 }; /* RFC 5926 */
#define CFG_AUTH_KEY_MAX 80 /* bytes: TCP_MD5SIG_MAXKEYLEN, TCP_AO_MAXKEYLEN */
#define CFG_AO_MKT_MAX 4    /* the MKT in use and 3 accept-keys (YANG max-elements) */
struct cfg_ao_mkt {
	uint8_t send_id, recv_id;
	enum cfg_ao_alg alg;
	char key[CFG_AUTH_KEY_MAX + 1];
};
struct cfg_auth {
	enum cfg_auth_kind kind;
	char key[CFG_AUTH_KEY_MAX + 1]; /* the password, or the TCP-AO master key */
	uint8_t send_id, recv_id;	/* TCP-AO SendID and RecvID of the MKT */
	enum cfg_ao_alg alg;		/* TCP-AO MAC */
	struct cfg_ao_mkt accept[CFG_AO_MKT_MAX - 1]; /* tcp-ao/accept-key */
	uint8_t naccept;
};

/* The TCP-AO MKTs of a, the one in use first; returns how many (0 when a
 * is not TCP-AO). */
size_t config_ao_mkts(const struct cfg_auth *a, struct cfg_ao_mkt out[CFG_AO_MKT_MAX]);
/* a and b are both TCP-AO and a KeyID that both have names the same MKT
 * in both (key, algorithm, the other ID): going from a to b adds and
 * removes MKTs and moves the current one, with no reset (RFC 5925 7.3). */
bool config_ao_rekeyable(const struct cfg_auth *a, const struct cfg_auth *b);
/* Any difference in kind, key, or TCP-AO MKTs (their order too: the first
 * is the one in use). */
bool config_auth_differs(const struct cfg_auth *a, const struct cfg_auth *b);

struct cfg_peer {
	char name[64];		/* the address as configured (list key) */
	struct sockaddr_storage addr; /* with port (default 179) */
	uint32_t remote_as;
	char description[128];
	char group[64];		/* peer group name or "" */
	char interface[16];	/* required for IPv6 link-local peers, else "" */
	struct sockaddr_storage local_addr; /* ss_family == 0 when unset */
	bool passive;		/* never connect, only accept */
	bool ttl_security;	/* GTSM, RFC 5082 (default on) */
	bool ipv4_unicast, ipv6_unicast; /* address families to negotiate */
	bool shutdown;		/* administratively down */
	struct cfg_timers timers;
	int group_idx;		/* index of group in policy->groups, -1: none */
	struct pol_chain *import, *export; /* owned by bgp_config.policy; NULL: none */
	/* Export chains while WARM and DRAINED (config: absent = the WARM
	 * one, then export); never NULL where export is not. */
	struct pol_chain *export_warm, *export_drained;
	struct cfg_maxpfx maxpfx;
	struct cfg_gr gr;	/* its own, else its group's, else the global */
	struct cfg_auth auth;	/* its own, else its group's; never logged */
};

struct cfg_network {
	struct bgp_prefix prefix;
	uint32_t *communities; /* RFC 1997 values (asn << 16 | value) */
	size_t ncommunities;
	struct bgp_large_community *large;
	size_t nlarge;
};

/* An aggregate (RFC 4271 9.2.2.2, no AS_SET): originated while at least
 * min more-specifics (with the contributor community, when need_community)
 * have a usable best path; its communities are in net. */
struct cfg_aggregate {
	struct cfg_network net;
	uint32_t min;
	bool need_community;
	uint32_t community; /* the contributor route type's community */
};

/* Device states (docs/operations.md): LIVE, WARM, DRAINED. */
enum dev_state { DEV_LIVE = 0, DEV_WARM, DEV_DRAINED };

struct cfg_devstate {
	bool configured;	/* the device-state container is present */
	enum dev_state initial;	/* with no state file (or none kept) */
	char state_file[256];	/* "" = not kept; absolute (made so at load) */
	bool auto_undrain;	/* undrain after a start's initial table */
	uint16_t drain_time;	/* seconds WARM before DRAINED on a drain */
	uint8_t prepend;	/* drain signal: extra own-AS towards eBGP */
	uint32_t local_pref;	/* drain signal: LOCAL_PREF inside */
	bool gshut;		/* drain signal: GRACEFUL_SHUTDOWN community */
};

struct cfg_listen {
	struct sockaddr_storage addr; /* with port */
};

/* The Prometheus metrics endpoint (bgpd/metrics.c). */
#define CFG_DEFAULT_METRICS_PORT 9179
struct cfg_metrics {
	struct sockaddr_storage addr; /* with port; ss_family 0: off */
};

/* A BMP station (RFC 7854; bgpd/bmp.c, docs/monitoring.md). */
#define CFG_BMP_MAX 8
#define CFG_DEFAULT_BMP_PORT 1790 /* pmacct's pmbmpd default; RFC 7854 has none */
struct cfg_bmp {
	char name[64];
	struct sockaddr_storage addr; /* with port */
	bool pre_policy, post_policy; /* route monitoring of either view */
	uint16_t stats_interval;      /* s between Statistics Reports; 0: none */
	uint16_t backoff_initial, backoff_max; /* s, reconnect */
};

struct cfg_selection {
	uint8_t max_paths;	 /* ECMP width, 1..64 */
	bool multipath_relax;
	bool always_compare_med;
	bool count_confed;	 /* confederation segments count in length */
	uint16_t max_aspath_len; /* longer paths are not used */
	uint16_t eor_wait;	 /* seconds */
};

struct bgp_config {
	char *source;	    /* file name, for messages */
	struct in_addr router_id;
	uint32_t local_as;  /* our AS; a confederation member AS when confed_id set */
	uint32_t confed_id; /* 0 when not in a confederation */
	uint32_t *confed_members; /* other member ASes of our confederation */
	size_t nconfed_members;
	struct cfg_listen *listen;
	size_t nlisten;
	struct cfg_peer *peers;
	size_t npeers;
	struct cfg_network *networks;
	size_t nnetworks;
	struct cfg_aggregate *aggregates;
	size_t naggregates;
	char ctl_socket[108]; /* "" = command-line / default */
	/* The control socket's group and mode (control/socket-group, socket-mode)
	 * and the group whose members may change the device state
	 * (control/admin-group); "" = none, 0 = 0600 (docs/security.md). */
	char ctl_group[64];
	char ctl_admin_group[64];
	uint16_t ctl_mode;
	struct cfg_metrics metrics; /* HTTP /metrics endpoint */
	struct cfg_bmp *bmp;	    /* BMP collectors (none: off) */
	size_t nbmp;
	struct cfg_selection selection;
	uint16_t gr_restart_time; /* advertised in our GR capability, s */
	struct cfg_gr gr;	  /* the global graceful-restart settings */
	struct cfg_devstate dev;  /* device states */
	bool fib_ack;		  /* advertise a route only once the kernel has it */
	struct pol_config *policy; /* sets, policies and the peers' chains */
};

/* Load and validate. On failure returns NULL and writes one or more lines
 * "FILE: PATH: REASON" to err (NUL-terminated, truncated to errlen). */
struct bgp_config *config_load(const char *path, char *err, size_t errlen);
/* Same, from a JSON string (tests); name is used in messages. */
struct bgp_config *config_parse(const char *json, const char *name, char *err, size_t errlen);
void config_free(struct bgp_config *c);

/* The closbgp-device schema (a libyang context, found as config_load finds
 * it), loaded once for many parses: config_load and config_parse load it
 * for every call, which costs far more than a small configuration (the
 * fuzz target parses millions). The context keeps only the schema: each
 * parse frees its data tree and clears libyang's stored errors, so its
 * result does not depend on earlier parses. On failure config_schema_new
 * returns NULL with the reason in err. Not thread-safe, as config_parse. */
struct config_schema;
struct config_schema *config_schema_new(char *err, size_t errlen);
struct bgp_config *config_schema_parse(struct config_schema *s, const char *json, const char *name,
				       char *err, size_t errlen);
void config_schema_free(struct config_schema *s);

/* True if asn is one of our confederation's member ASes (ours included). */
bool config_is_confed_member(const struct bgp_config *c, uint32_t asn);
/* Find a peer by address (and, for link-local, interface index ignored). */
const struct cfg_peer *config_find_peer(const struct bgp_config *c, const struct sockaddr *sa);
/* True if two peer configs differ in anything that needs a session reset. */
bool config_peer_needs_reset(const struct cfg_peer *a, const struct cfg_peer *b);

#endif
