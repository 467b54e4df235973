/* The control socket: a Unix stream socket speaking the protobuf contract of
 * bgpd/control.proto (4-byte big-endian length + one message per frame). */
#ifndef CLOS_CONTROL_H
#define CLOS_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#define CTL_MAX_MSG (1u << 20)	/* largest frame body, both directions */
#define CTL_MAX_CLIENTS 16
#define CTL_PAGE_ROUTES 1000	/* routes per RouteList frame */
#define CTL_PAGE_PEERS 100	/* peers per PeerList frame */
#define CTL_OUT_HIWAT (256u << 10) /* stop producing pages above this */
#define CTL_ERR_UNSUPPORTED "not supported yet"
#define CTL_ERR_NO_FIB "the kernel FIB is disabled (-n)"

struct bgpd;
struct ctl_server;

/* Listen on path (creating its directory; mode 0600). A stale socket is
 * replaced, but if a daemon answers on it we refuse. Watchers run on
 * d->loop. Returns NULL with a reason in err on failure. */
struct ctl_server *ctl_server_new(struct bgpd *d, const char *path, char *err, size_t errlen);
/* Close every client and the listener and unlink the socket. NULL is ok. */
void ctl_server_free(struct ctl_server *s);
size_t ctl_server_nclients(const struct ctl_server *s);

/* ---- framing (shared by the server and closctl; ctl_frame.c) ---------- */
/* Pack m behind its 4-byte length into a malloc'd buffer; *len gets the
 * frame size. NULL if out of memory or larger than CTL_MAX_MSG. */
uint8_t *ctl_frame_pack(const ProtobufCMessage *m, size_t *len);
/* Canonical text of an address so "2001:DB8::1" matches "2001:db8::1"
 * (request filters); anything else is copied as it is. */
void ctl_addr_norm(const char *in, char *out, size_t outlen);
/* Look at buffered input: 1 and *body_len when a whole frame is there,
 * 0 when more bytes are needed, -1 when the length exceeds CTL_MAX_MSG. */
int ctl_frame_check(const uint8_t *buf, size_t len, size_t *body_len);

#endif
