/* The control socket: a Unix stream socket speaking the protobuf contract of
 * bgpd/control.proto (4-byte big-endian length + one message per frame). */
#ifndef CLOS_CONTROL_H
#define CLOS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* Listen on path (creating its directory; the configuration's
 * control/socket-mode, 0600 by default, and control/socket-group). A stale socket is
 * replaced, but if a daemon answers on it we refuse. Watchers run on
 * d->loop. Returns NULL with a reason in err on failure. */
struct ctl_server *ctl_server_new(struct bgpd *d, const char *path, char *err, size_t errlen);
/* Close every client and the listener and unlink the socket. NULL is ok. */
void ctl_server_free(struct ctl_server *s);
size_t ctl_server_nclients(const struct ctl_server *s);
/* Give the socket to the user the daemon drops to (closbgpd -u). */
int ctl_server_chown(struct ctl_server *s, uid_t uid, char *err, size_t errlen);

/* Roles (docs/security.md). A client is an admin when it is root, the
 * daemon's own user (self) or, with admin_gid set, has it as its primary
 * or a supplementary group. */
bool ctl_cred_is_admin(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, uid_t self,
		       const gid_t *admin_gid);
/* NULL when anyone who can connect may make the request (show ...), else
 * the command's name for "permission denied: NAME needs the admin group". */
const char *ctl_request_admin_only(int req_case);

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
