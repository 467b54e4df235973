/* Bounds-checked wire reader and writer (buf.h). Getters fail rather than
 * over-read; writers latch an overflow flag rather than over-write. */
#include "bgpd/buf.h"

#include <string.h>

bool rbuf_u8(struct rbuf *r, uint8_t *v)
{
	if (r->len < 1)
		return false;
	*v = r->p[0];
	r->p++;
	r->len--;
	return true;
}

bool rbuf_u16(struct rbuf *r, uint16_t *v)
{
	if (r->len < 2)
		return false;
	*v = (uint16_t)((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	r->len -= 2;
	return true;
}

bool rbuf_u32(struct rbuf *r, uint32_t *v)
{
	if (r->len < 4)
		return false;
	*v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) |
	     r->p[3];
	r->p += 4;
	r->len -= 4;
	return true;
}

bool rbuf_bytes(struct rbuf *r, void *dst, size_t n)
{
	if (r->len < n)
		return false;
	if (n)
		memcpy(dst, r->p, n);
	r->p += n;
	r->len -= n;
	return true;
}

bool rbuf_skip(struct rbuf *r, size_t n)
{
	if (r->len < n)
		return false;
	r->p += n;
	r->len -= n;
	return true;
}

bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub)
{
	if (r->len < n)
		return false;
	sub->p = r->p;
	sub->len = n;
	r->p += n;
	r->len -= n;
	return true;
}

/* Room for n more bytes; latches the overflow flag otherwise. */
static bool wbuf_need(struct wbuf *w, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return false;
	}
	return true;
}

void wbuf_u8(struct wbuf *w, uint8_t v)
{
	if (wbuf_need(w, 1))
		w->p[w->len++] = v;
}

void wbuf_u16(struct wbuf *w, uint16_t v)
{
	if (!wbuf_need(w, 2))
		return;
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

void wbuf_u32(struct wbuf *w, uint32_t v)
{
	if (!wbuf_need(w, 4))
		return;
	w->p[w->len++] = (uint8_t)(v >> 24);
	w->p[w->len++] = (uint8_t)(v >> 16);
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

void wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (!wbuf_need(w, n))
		return;
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

size_t wbuf_reserve(struct wbuf *w, size_t n)
{
	size_t off = w->len;

	if (!wbuf_need(w, n))
		return SIZE_MAX;
	memset(w->p + off, 0, n);
	w->len += n;
	return off;
}

void wbuf_put_u16_at(struct wbuf *w, size_t off, uint16_t v)
{
	if (w->overflow || off > w->len || w->len - off < 2)
		return;
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
}

void wbuf_put_u8_at(struct wbuf *w, size_t off, uint8_t v)
{
	if (w->overflow || off >= w->len)
		return;
	w->p[off] = v;
}
