/* Control protocol framing: a 4-byte big-endian length, then one protobuf
 * message (bgpd/control.proto). Shared by the server and closctl. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "bgpd/control.h"

void ctl_addr_norm(const char *in, char *out, size_t outlen)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, in, &a4) == 1 && inet_ntop(AF_INET, &a4, out, outlen))
		return;
	if (inet_pton(AF_INET6, in, &a6) == 1 && inet_ntop(AF_INET6, &a6, out, outlen))
		return;
	snprintf(out, outlen, "%s", in);
}

uint8_t *ctl_frame_pack(const ProtobufCMessage *m, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf;

	if (n > CTL_MAX_MSG)
		return NULL;
	buf = malloc(4 + n);
	if (!buf)
		return NULL;
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	protobuf_c_message_pack(m, buf + 4);
	*len = 4 + n;
	return buf;
}

int ctl_frame_check(const uint8_t *buf, size_t len, size_t *body_len)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if (n > CTL_MAX_MSG)
		return -1;
	if (len - 4 < n)
		return 0;
	*body_len = n;
	return 1;
}
