/* BMP (RFC 7854) message encoders: pure functions writing into caller
 * buffers, no I/O, so unit tests and fuzz targets build from them alone.
 * Every encoder returns the length written, or 0 when it does not fit. */
#ifndef CLOS_BMP_WIRE_H
#define CLOS_BMP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BMP_VERSION 3
#define BMP_COMMON_LEN 6      /* version, length, type (RFC 7854 4.1) */
#define BMP_PEER_HDR_LEN 42   /* RFC 7854 4.2 */
#define BMP_RM_HDR_LEN (BMP_COMMON_LEN + BMP_PEER_HDR_LEN)

/* Message types (RFC 7854 4.1). */
enum bmp_msg_type {
	BMP_ROUTE_MONITORING = 0,
	BMP_STATISTICS = 1,
	BMP_PEER_DOWN = 2,
	BMP_PEER_UP = 3,
	BMP_INITIATION = 4,
	BMP_TERMINATION = 5,
};

/* Per-peer header flags (RFC 7854 4.2). */
enum {
	BMP_PEER_FLAG_V = 0x80, /* the peer address is IPv6 */
	BMP_PEER_FLAG_L = 0x40, /* post-policy Adj-RIB-In */
	BMP_PEER_FLAG_A = 0x20, /* UPDATEs in the legacy 2-octet AS_PATH format */
};
#define BMP_PEER_GLOBAL 0	/* peer type: global instance peer */

/* Initiation and Termination information TLV types (RFC 7854 4.3, 4.4). */
enum { BMP_INFO_STRING = 0, BMP_INFO_SYSDESCR = 1, BMP_INFO_SYSNAME = 2 };
enum { BMP_TERM_STRING = 0, BMP_TERM_REASON = 1 };
enum {
	BMP_TERM_ADMIN_CLOSE = 0,
	BMP_TERM_UNSPECIFIED = 1,
	BMP_TERM_OUT_OF_RESOURCES = 2,
	BMP_TERM_REDUNDANT = 3,
	BMP_TERM_PERM_ADMIN_CLOSE = 4,
};

/* Peer Down reasons (RFC 7854 4.9). */
enum bmp_down_reason {
	BMP_DOWN_LOCAL_NOTIFY = 1,   /* data: the NOTIFICATION we sent */
	BMP_DOWN_LOCAL_NO_NOTIFY = 2, /* data: the RFC 4271 FSM event, 2 octets */
	BMP_DOWN_REMOTE_NOTIFY = 3,  /* data: the NOTIFICATION received */
	BMP_DOWN_REMOTE_NO_NOTIFY = 4, /* no data */
	BMP_DOWN_DECONFIGURED = 5,   /* no data */
};

/* Statistics types (RFC 7854 4.8) closbgpd reports. */
enum {
	BMP_STAT_REJECTED = 0,	     /* 32-bit */
	BMP_STAT_ADJ_RIB_IN = 7,     /* 64-bit gauge */
	BMP_STAT_LOC_RIB = 8,	     /* 64-bit gauge */
	BMP_STAT_ADJ_RIB_IN_AF = 9,  /* AFI, SAFI, 64-bit gauge */
	BMP_STAT_TREAT_AS_WITHDRAW = 11, /* 32-bit counter: UPDATEs */
};

/* What the per-peer header says about a peer. */
struct bmp_peer_hdr {
	uint8_t type;		/* BMP_PEER_GLOBAL */
	uint8_t flags;		/* BMP_PEER_FLAG_*; V is set from family */
	uint64_t distinguisher; /* 0 for a global instance peer */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* 4 or 16 octets used */
	uint32_t asn;
	uint32_t bgp_id;	/* host order */
	uint32_t sec, usec;	/* timestamp; 0: unavailable */
};

struct bmp_stat {
	uint16_t type;
	uint16_t afi;		/* BMP_STAT_ADJ_RIB_IN_AF only */
	uint8_t safi;
	uint64_t value;		/* written as 4 or 8 octets by type */
};

/* The 6-octet common header. */
size_t bmp_common_encode(uint8_t *out, size_t cap, uint8_t type, uint32_t len);
/* The 42-octet per-peer header. */
size_t bmp_peer_hdr_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h);
/* Common and per-peer headers of a Route Monitoring message carrying a BGP
 * PDU of pdu_len octets, which the caller puts right after them. */
size_t bmp_rm_hdr_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h, size_t pdu_len);
/* Route Monitoring with the PDU copied in. */
size_t bmp_route_monitoring_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
				   const uint8_t *pdu, size_t pdu_len);
/* Initiation: sysDescr and sysName TLVs (either may be NULL: left out). */
size_t bmp_initiation_encode(uint8_t *out, size_t cap, const char *sysdescr, const char *sysname);
/* Termination: a reason TLV and, when text is not NULL, a string TLV. */
size_t bmp_termination_encode(uint8_t *out, size_t cap, uint16_t reason, const char *text);
/* Peer Up: our end (family, 4 or 16 octets, port), the peer's port, and the
 * OPEN messages sent and received, whole (with their BGP headers). */
size_t bmp_peer_up_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
			  uint8_t local_family, const uint8_t *local_addr, uint16_t local_port,
			  uint16_t remote_port, const uint8_t *open_sent, size_t sent_len,
			  const uint8_t *open_recv, size_t recv_len);
/* Peer Down: reason and its data (a NOTIFICATION PDU, or the FSM event as
 * 2 octets for BMP_DOWN_LOCAL_NO_NOTIFY; none for 4 and 5). */
size_t bmp_peer_down_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
			    uint8_t reason, const uint8_t *data, size_t data_len);
/* The FSM event data of a BMP_DOWN_LOCAL_NO_NOTIFY. */
size_t bmp_peer_down_event_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
				  uint16_t fsm_event);
/* Statistics Report with n counters. */
size_t bmp_stats_encode(uint8_t *out, size_t cap, const struct bmp_peer_hdr *h,
			const struct bmp_stat *st, size_t n);

#endif
