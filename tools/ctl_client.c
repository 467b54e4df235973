/* Client side of the control protocol: blocking I/O is fine here, closctl
 * does one request per run. Framing is shared with the server (ctl_frame.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "bgpd/control.h"
#include "tools/ctl_client.h"

#define CTL_CLIENT_TIMEOUT 30 /* seconds without a byte from the daemon */

int ctl_client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_CLIENT_TIMEOUT };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "cannot connect to %s: path too long", path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s (is closbgpd running?)", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 when len bytes were read, 0 on EOF before the first, -1 on error. */
static int read_all(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ECONNRESET;
			return got == 0 ? 0 : -1;
		}
		got += (size_t)n;
	}
	return 1;
}

int ctl_client_send(int fd, const Closbgp__Ctl__Request *q, char *err, size_t errlen)
{
	size_t len;
	uint8_t *frame = ctl_frame_pack(&q->base, &len);
	int rc;

	if (!frame) {
		snprintf(err, errlen, "request too large");
		return -1;
	}
	rc = write_all(fd, frame, len);
	free(frame);
	if (rc < 0)
		snprintf(err, errlen, "sending the request: %s", strerror(errno));
	return rc;
}

Closbgp__Ctl__Response *ctl_client_recv(int fd, char *err, size_t errlen)
{
	uint8_t hdr[4], *body;
	size_t blen;
	int rc = read_all(fd, hdr, sizeof(hdr));
	Closbgp__Ctl__Response *r;

	if (rc <= 0) {
		snprintf(err, errlen, "reading the reply: %s",
			 rc == 0 ? "the daemon closed the connection" :
			 errno == EAGAIN ? "timed out" : strerror(errno));
		return NULL;
	}
	blen = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (blen > CTL_MAX_MSG) {
		snprintf(err, errlen, "reply larger than %u bytes", CTL_MAX_MSG);
		return NULL;
	}
	body = malloc(blen ? blen : 1);
	if (!body || read_all(fd, body, blen) < 0) {
		snprintf(err, errlen, "reading the reply: %s", body ? strerror(errno) : "out of memory");
		free(body);
		return NULL;
	}
	r = closbgp__ctl__response__unpack(NULL, blen, body);
	free(body);
	if (!r)
		snprintf(err, errlen, "malformed reply from the daemon");
	return r;
}

int ctl_response_is_final(const Closbgp__Ctl__Response *f)
{
	if (f->error && f->error[0])
		return 1;
	switch (f->payload_case) {
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_PEERS:
		return f->peers->last;
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_ROUTES:
		return f->routes->last;
	case CLOSBGP__CTL__RESPONSE__PAYLOAD_FIB:
		return f->fib->last;
	default:
		return 1;
	}
}

static int reply_append(struct ctl_reply *r, Closbgp__Ctl__Response *f)
{
	Closbgp__Ctl__Response **n = realloc(r->frames, (r->n + 1) * sizeof(*n));

	if (!n)
		return -1;
	r->frames = n;
	r->frames[r->n++] = f;
	return 0;
}

int ctl_client_call(int fd, const Closbgp__Ctl__Request *q, struct ctl_reply *r,
		    char *err, size_t errlen)
{
	Closbgp__Ctl__Response *f;

	memset(r, 0, sizeof(*r));
	if (ctl_client_send(fd, q, err, errlen) < 0)
		return -1;
	do {
		f = ctl_client_recv(fd, err, errlen);
		if (!f)
			return -1;
		if (reply_append(r, f) < 0) {
			closbgp__ctl__response__free_unpacked(f, NULL);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} while (!ctl_response_is_final(f));
	return 0;
}

const char *ctl_reply_error(const struct ctl_reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->frames[i]->error && r->frames[i]->error[0])
			return r->frames[i]->error;
	return NULL;
}

void ctl_reply_free(struct ctl_reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		closbgp__ctl__response__free_unpacked(r->frames[i], NULL);
	free(r->frames);
	r->frames = NULL;
	r->n = 0;
}
