/* closctl's side of the control protocol (bgpd/control.proto): connect to
 * the daemon's Unix socket, send one Request, collect the Response frames. */
#ifndef CLOS_CTL_CLIENT_H
#define CLOS_CTL_CLIENT_H

#include <stddef.h>

#include "bgpd/control.pb-c.h"

/* Every frame of one reply: one, or the pages of a list up to last = true. */
struct ctl_reply {
	Closbgp__Ctl__Response **frames;
	size_t n;
};

/* Returns a connected fd, or -1 with err set to one line:
 * "cannot connect to PATH: REASON (is closbgpd running?)". */
int ctl_client_connect(const char *path, char *err, size_t errlen);
int ctl_client_send(int fd, const Closbgp__Ctl__Request *q, char *err, size_t errlen);
/* Blocking read of one frame; NULL with err set on EOF, timeout or garbage. */
Closbgp__Ctl__Response *ctl_client_recv(int fd, char *err, size_t errlen);
/* True if no frame follows f in its reply. */
int ctl_response_is_final(const Closbgp__Ctl__Response *f);
/* Send q and read frames until the final one. 0 on success (the reply may
 * still carry an error from the server: see ctl_reply_error). */
int ctl_client_call(int fd, const Closbgp__Ctl__Request *q, struct ctl_reply *r,
		    char *err, size_t errlen);
/* The server's error message, or NULL. */
const char *ctl_reply_error(const struct ctl_reply *r);
void ctl_reply_free(struct ctl_reply *r);

#endif
