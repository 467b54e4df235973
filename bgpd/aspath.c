/* AS_PATH helpers over the canonical 4-octet form (RFC 4271 4.3, 9.1.2.2;
 * RFC 5065 confederation segments; RFC 6793 2-octet form, AS4_PATH merge). */
#include <stdio.h>
#include <string.h>

#include "bgpd/wire_int.h"

/* One segment: type, count and a pointer to count ASNs of asz octets. */
struct seg {
	uint8_t type, count;
	const uint8_t *asns;
};

struct seg_iter {
	const uint8_t *p;
	size_t left;
	unsigned asz;
};

static struct seg_iter seg_iter(const uint8_t *ap, size_t len, unsigned asz)
{
	struct seg_iter it = { ap, ap ? len : 0, asz };
	return it;
}

/* Next whole segment; false at the end or on a truncated one. */
static bool seg_next(struct seg_iter *it, struct seg *s)
{
	size_t n;

	if (it->left < 2)
		return false;
	s->type = it->p[0];
	s->count = it->p[1];
	n = 2 + (size_t)s->count * it->asz;
	if (n > it->left)
		return false;
	s->asns = it->p + 2;
	it->p += n;
	it->left -= n;
	return true;
}

static uint32_t seg_asn(const struct seg *s, unsigned i, unsigned asz)
{
	const uint8_t *q = s->asns + (size_t)i * asz;

	if (asz == 2)
		return (uint32_t)(q[0] << 8 | q[1]);
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

static bool seg_is_confed(uint8_t type)
{
	return type == AS_CONFED_SEQUENCE || type == AS_CONFED_SET;
}

unsigned aspath_length(const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;
	unsigned n = 0;

	while (seg_next(&it, &s)) {
		if (s.type == AS_SEQUENCE)
			n += s.count;
		else if (s.type == AS_SET)
			n += 1;
	}
	return n;
}

bool aspath_contains(const uint8_t *ap, size_t len, uint32_t asn)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;

	while (seg_next(&it, &s))
		for (unsigned i = 0; i < s.count; i++)
			if (seg_asn(&s, i, 4) == asn)
				return true;
	return false;
}

uint32_t aspath_first_as(const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;

	while (seg_next(&it, &s))
		if (s.type == AS_SEQUENCE && s.count)
			return seg_asn(&s, 0, 4);
	return 0;
}

static void put_asn(uint8_t *q, uint32_t asn)
{
	q[0] = (uint8_t)(asn >> 24);
	q[1] = (uint8_t)(asn >> 16);
	q[2] = (uint8_t)(asn >> 8);
	q[3] = (uint8_t)asn;
}

/* out may be the same buffer as ap (memmove). */
size_t aspath_prepend(uint8_t *out, size_t cap, const uint8_t *ap, size_t len, uint8_t seg,
		      uint32_t asn)
{
	bool merge = len >= 2 && ap[0] == seg && ap[1] < 255;

	if (len + (merge ? 4 : 6) > cap)
		return 0;
	if (merge) {
		uint8_t count = ap[1];
		memmove(out + 6, ap + 2, len - 2);
		out[0] = seg;
		out[1] = (uint8_t)(count + 1);
		put_asn(out + 2, asn);
		return len + 4;
	}
	if (len)
		memmove(out + 6, ap, len);
	out[0] = seg;
	out[1] = 1;
	put_asn(out + 2, asn);
	return len + 6;
}

size_t aspath_strip_confed(uint8_t *out, size_t cap, const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;
	size_t skip = 0;

	while (seg_next(&it, &s) && seg_is_confed(s.type))
		skip = len - it.left;
	if (len - skip > cap)
		return 0;
	if (len - skip)
		memmove(out, ap + skip, len - skip);
	return len - skip;
}

/* Append text to buf at *off, truncating like snprintf. */
static void str_add(char *buf, size_t buflen, size_t *off, const char *text)
{
	size_t n = strlen(text);

	if (*off + 1 >= buflen)
		return;
	if (n > buflen - 1 - *off)
		n = buflen - 1 - *off;
	memcpy(buf + *off, text, n);
	*off += n;
	buf[*off] = '\0';
}

char *aspath_str(const uint8_t *ap, size_t len, char *buf, size_t buflen)
{
	static const char *const open[] = { "", "{", "", "(", "[" };
	static const char *const close[] = { "", "}", "", ")", "]" };
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;
	size_t off = 0;
	char num[12];

	if (!buflen)
		return buf;
	buf[0] = '\0';
	while (seg_next(&it, &s)) {
		unsigned t = s.type <= AS_CONFED_SET ? s.type : 0;
		if (off)
			str_add(buf, buflen, &off, " ");
		str_add(buf, buflen, &off, open[t]);
		for (unsigned i = 0; i < s.count; i++) {
			snprintf(num, sizeof(num), i ? " %u" : "%u", seg_asn(&s, i, 4));
			str_add(buf, buflen, &off, num);
		}
		str_add(buf, buflen, &off, close[t]);
	}
	return buf;
}

/* --- wire forms ------------------------------------------------------- */

bool aspath_wire_valid(const uint8_t *ap, size_t len, unsigned asn_size, bool *confed)
{
	struct seg_iter it = seg_iter(ap, len, asn_size);
	struct seg s;

	*confed = false;
	while (seg_next(&it, &s)) {
		if (s.type < AS_SET || s.type > AS_CONFED_SET || s.count == 0)
			return false;
		if (seg_is_confed(s.type))
			*confed = true;
	}
	return it.left == 0;
}

bool aspath_wire_has_as0(const uint8_t *ap, size_t len, unsigned asn_size)
{
	struct seg_iter it = seg_iter(ap, len, asn_size);
	struct seg s;

	while (seg_next(&it, &s))
		for (unsigned i = 0; i < s.count; i++)
			if (seg_asn(&s, i, asn_size) == 0)
				return true;
	return false;
}

size_t aspath_widen(const uint8_t *ap, size_t len, uint8_t *out)
{
	struct seg_iter it = seg_iter(ap, len, 2);
	struct seg s;
	size_t o = 0;

	while (seg_next(&it, &s)) {
		out[o++] = s.type;
		out[o++] = s.count;
		for (unsigned i = 0; i < s.count; i++, o += 4)
			put_asn(out + o, seg_asn(&s, i, 2));
	}
	return o;
}

bool aspath_has_wide_asn(const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;

	while (seg_next(&it, &s))
		for (unsigned i = 0; i < s.count; i++)
			if (seg_asn(&s, i, 4) > 0xffff)
				return true;
	return false;
}

size_t aspath_size2(const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;
	size_t n = 0;

	while (seg_next(&it, &s))
		n += 2 + (size_t)s.count * 2;
	return n;
}

/* RFC 6793 4.2.2: non-mappable ASNs become AS_TRANS. */
void aspath_put2(struct wbuf *w, const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;

	while (seg_next(&it, &s)) {
		wbuf_u8(w, s.type);
		wbuf_u8(w, s.count);
		for (unsigned i = 0; i < s.count; i++) {
			uint32_t asn = seg_asn(&s, i, 4);
			wbuf_u16(w, asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn);
		}
	}
}

size_t aspath_size_noconfed(const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;
	size_t n = 0;

	while (seg_next(&it, &s))
		if (!seg_is_confed(s.type))
			n += 2 + (size_t)s.count * 4;
	return n;
}

/* RFC 6793 4.2.2: AS4_PATH carries no confederation segments. */
void aspath_put_noconfed(struct wbuf *w, const uint8_t *ap, size_t len)
{
	struct seg_iter it = seg_iter(ap, len, 4);
	struct seg s;

	while (seg_next(&it, &s))
		if (!seg_is_confed(s.type))
			wbuf_bytes(w, s.asns - 2, 2 + (size_t)s.count * 4);
}

/* Append a segment (first count ASNs of s), merging an AS_SEQUENCE into a
 * preceding AS_SEQUENCE while the count stays within 255. */
static void seg_append(struct wbuf *w, size_t *last, const struct seg *s, uint8_t count)
{
	if (s->type == AS_SEQUENCE && *last != SIZE_MAX && w->p[*last] == AS_SEQUENCE &&
	    w->p[*last + 1] + count <= 255) {
		w->p[*last + 1] = (uint8_t)(w->p[*last + 1] + count);
	} else {
		*last = w->len;
		wbuf_u8(w, s->type);
		wbuf_u8(w, count);
	}
	wbuf_bytes(w, s->asns, (size_t)count * 4);
}

size_t aspath_merge_as4(uint8_t *out, size_t cap, const uint8_t *ap, size_t len,
			const uint8_t *as4, size_t as4_len)
{
	unsigned n = aspath_length(ap, len), m = aspath_length(as4, as4_len);
	struct seg_iter it = seg_iter(ap, len, 4);
	struct wbuf w = wbuf_make(out, cap);
	size_t last = SIZE_MAX;
	unsigned need;
	struct seg s;

	if (n < m)
		return SIZE_MAX;
	/* Take as many leading ASNs of AS_PATH as AS4_PATH lacks; confed
	 * segments count zero and are kept (RFC 6793 4.2.3). */
	need = n - m;
	while (seg_next(&it, &s)) {
		if (seg_is_confed(s.type)) {
			seg_append(&w, &last, &s, s.count);
			continue;
		}
		if (!need)
			break;
		uint8_t k = s.type == AS_SET ? s.count : (uint8_t)(s.count < need ? s.count : need);
		seg_append(&w, &last, &s, k);
		need -= s.type == AS_SET ? 1 : k;
	}
	it = seg_iter(as4, as4_len, 4);
	while (seg_next(&it, &s))
		seg_append(&w, &last, &s, s.count);
	return wbuf_ok(&w) ? w.len : SIZE_MAX;
}
