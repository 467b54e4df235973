/* IPv4/IPv6 prefixes and interface addresses for closgen: parse, format,
 * compare and carve the n-th subnet out of a pool. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

int topo_prefix_parse(const char *s, struct topo_prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	long len;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (!slash || (n = (size_t)(slash - s)) >= sizeof(buf) || n == 0)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1)
		return -1;
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->af = 4;
		if (len < 0 || len > 32)
			return -1;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->af = 6;
		if (len < 0 || len > 128)
			return -1;
	} else {
		return -1;
	}
	p->len = (uint8_t)len;
	return 0;
}

const char *topo_prefix_str(const struct topo_prefix *p, bool with_len,
			    char *buf)
{
	char a[INET6_ADDRSTRLEN];

	if (!p->af) {
		strcpy(buf, "-");
		return buf;
	}
	inet_ntop(p->af == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (with_len)
		snprintf(buf, 64, "%s/%u", a, p->len);
	else
		snprintf(buf, 64, "%s", a);
	return buf;
}

static size_t prefix_bytes(const struct topo_prefix *p)
{
	return p->af == 4 ? 4 : 16;
}

struct topo_prefix topo_prefix_net(const struct topo_prefix *p)
{
	struct topo_prefix n = *p;
	size_t i, bytes = prefix_bytes(p);

	for (i = 0; i < bytes; i++) {
		int keep = (int)p->len - (int)i * 8;

		if (keep >= 8)
			continue;
		n.addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
	return n;
}

int topo_prefix_cmp(const struct topo_prefix *a, const struct topo_prefix *b)
{
	int c;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

bool topo_prefix_contains(const struct topo_prefix *outer,
			  const struct topo_prefix *inner)
{
	struct topo_prefix cut;

	if (outer->af != inner->af || inner->len < outer->len)
		return false;
	cut = *inner;
	cut.len = outer->len;
	cut = topo_prefix_net(&cut);
	return memcmp(cut.addr, topo_prefix_net(outer).addr, 16) == 0;
}

/* Adds n << (maxbits - len) to the address, big-endian. */
int topo_prefix_nth(const struct topo_prefix *pool, uint8_t len, uint64_t n,
		    struct topo_prefix *out)
{
	unsigned maxbits = pool->af == 4 ? 32 : 128;
	unsigned bits = len - pool->len, shift = maxbits - len;
	unsigned carry = 0;
	int i;

	if (!pool->af || len < pool->len || len > maxbits)
		return -1;
	if (bits < 64 && n >> bits)
		return -1; /* pool exhausted */
	*out = topo_prefix_net(pool);
	out->len = len;
	for (i = (int)prefix_bytes(pool) - 1; i >= 0; i--) {
		unsigned bitpos = (unsigned)(prefix_bytes(pool) - 1 - i) * 8;
		unsigned byteval = 0;

		/* the byte of (n << shift) that lands at position i */
		if (bitpos + 8 > shift && bitpos < shift + 64) {
			int s = (int)bitpos - (int)shift;
			byteval = s >= 0 ? (unsigned)(n >> s) & 0xff
					 : (unsigned)(n << -s) & 0xff;
		}
		byteval += out->addr[i] + carry;
		out->addr[i] = (uint8_t)byteval;
		carry = byteval >> 8;
	}
	return 0;
}
