/* IPv4/IPv6 prefixes: text form (parse/print), ordering, and the NLRI wire
 * encoding <length, prefix> of RFC 4271 4.3 and RFC 4760 5. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgpd/wire_int.h"

static unsigned prefix_maxlen(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* Clear the bits beyond len; true if any was set. Whole bytes past the
 * prefix are cleared in one go (this runs for every decoded NLRI). */
static bool prefix_mask(struct bgp_prefix *p)
{
	unsigned full = p->len / 8, rem = p->len % 8;
	bool dirty = false;

	if (full >= sizeof(p->addr))
		return false;
	if (rem) {
		uint8_t keep = (uint8_t)(0xff << (8 - rem));
		dirty = (p->addr[full] & ~keep) != 0;
		p->addr[full] &= keep;
		full++;
	}
	for (unsigned i = full; i < sizeof(p->addr); i++)
		dirty |= p->addr[i] != 0;
	memset(p->addr + full, 0, sizeof(p->addr) - full);
	return dirty;
}

static int prefix_parse_len(const char *s, unsigned max, unsigned *len)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9' || strlen(s) > 3)
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*len = (unsigned)v;
	return 0;
}

/* "10.1.0.0/16", "2001:db8::/32"; a bare address is a host prefix. Host
 * bits set beyond the length are refused. */
int bgp_prefix_parse(const char *s, struct bgp_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned len;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1)
		p->family = AF_INET6;
	else
		return -1;
	len = prefix_maxlen(p->family);
	if (slash && prefix_parse_len(slash + 1, len, &len) < 0)
		return -1;
	p->len = (uint8_t)len;
	return prefix_mask(p) ? -1 : 0;
}

char *bgp_prefix_str(const struct bgp_prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (!len)
		return buf;
	if (!inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, len, "%s/%u", addr, p->len);
	return buf;
}

/* Order: IPv4 before IPv6, then by address, then shorter first. */
int bgp_prefix_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, a->family == AF_INET6 ? 16 : 4);
	if (c)
		return c < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

size_t wire_prefix_size(const struct bgp_prefix *p)
{
	return 1 + ((size_t)p->len + 7) / 8;
}

void wire_prefix_put(struct wbuf *w, const struct bgp_prefix *p)
{
	wbuf_u8(w, p->len);
	wbuf_bytes(w, p->addr, ((size_t)p->len + 7) / 8);
}

/* Read one <length, prefix>; trailing bits are cleared (RFC 4271 4.3:
 * they are irrelevant). */
static bool prefix_get(struct rbuf *r, uint8_t family, struct bgp_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	if (!rbuf_u8(r, &p->len) || p->len > prefix_maxlen(family))
		return false;
	if (!rbuf_bytes(r, p->addr, ((size_t)p->len + 7) / 8))
		return false;
	/* Only the last byte read can carry bits beyond the length (the rest
	 * of addr is still zero): clear them, RFC 4271 4.3 calls them
	 * irrelevant. */
	if (p->len % 8)
		p->addr[p->len / 8] &= (uint8_t)(0xff << (8 - p->len % 8));
	return true;
}

/* Two passes: validate and count (RFC 7606 5.3: the whole field must parse
 * before treat-as-withdraw can be used), then append. */
enum pfx_rc wire_prefix_field(struct rbuf f, uint8_t family, struct arena *a, struct pfx_list *l)
{
	struct rbuf scan = f;
	struct bgp_prefix tmp, *v;
	size_t n = 0;

	while (rbuf_left(&scan)) {
		if (!prefix_get(&scan, family, &tmp))
			return PFX_SYNTAX;
		n++;
	}
	if (!n)
		return PFX_OK;
	v = arena_alloc(a, (l->n + n) * sizeof(*v));
	if (!v)
		return PFX_NOMEM;
	if (l->n)
		memcpy(v, l->v, l->n * sizeof(*v));
	while (rbuf_left(&f))
		prefix_get(&f, family, &v[l->n++]);
	l->v = v;
	return PFX_OK;
}
