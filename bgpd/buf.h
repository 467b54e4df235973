/* Bounds-checked reader and writer for all wire input and output.
 * Every getter returns false instead of reading past the end; a sub-view
 * (rbuf_sub) cuts a reader to a declared length, so each attribute or
 * capability is parsed without being able to touch its neighbours. */
#ifndef CLOS_BUF_H
#define CLOS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len; /* bytes left */
};

static inline struct rbuf rbuf_make(const void *p, size_t len)
{
	struct rbuf r = { (const uint8_t *)p, len };
	return r;
}
static inline size_t rbuf_left(const struct rbuf *r) { return r->len; }

bool rbuf_u8(struct rbuf *r, uint8_t *v);
bool rbuf_u16(struct rbuf *r, uint16_t *v); /* network byte order in, host out */
bool rbuf_u32(struct rbuf *r, uint32_t *v);
bool rbuf_bytes(struct rbuf *r, void *dst, size_t n);
bool rbuf_skip(struct rbuf *r, size_t n);
/* Cut the next n bytes into *sub and advance r past them. */
bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub);

/* Writer over a caller-owned fixed buffer. After an overflow every further
 * put is ignored and wbuf_ok() reports false. */
struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow;
};

static inline struct wbuf wbuf_make(void *p, size_t cap)
{
	struct wbuf w = { (uint8_t *)p, cap, 0, false };
	return w;
}
static inline bool wbuf_ok(const struct wbuf *w) { return !w->overflow; }
static inline size_t wbuf_room(const struct wbuf *w) { return w->overflow ? 0 : w->cap - w->len; }

void wbuf_u8(struct wbuf *w, uint8_t v);
void wbuf_u16(struct wbuf *w, uint16_t v);
void wbuf_u32(struct wbuf *w, uint32_t v);
void wbuf_bytes(struct wbuf *w, const void *src, size_t n);
/* Reserve n bytes to fill later (lengths); returns their offset or SIZE_MAX. */
size_t wbuf_reserve(struct wbuf *w, size_t n);
void wbuf_put_u16_at(struct wbuf *w, size_t off, uint16_t v);
void wbuf_put_u8_at(struct wbuf *w, size_t off, uint8_t v);

#endif
