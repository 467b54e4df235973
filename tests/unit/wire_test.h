/* Helpers shared by the wire codec unit tests: hex byte vectors and
 * UPDATE bodies assembled from their three fields. */
#ifndef CLOS_WIRE_TEST_H
#define CLOS_WIRE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgpd/wire.h"

/* "ff 00 0a" -> bytes; spaces ignored. Returns the byte count. */
static inline size_t hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			fail_msg("bad hex at '%s'", s);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Compare a buffer with a hex vector, printing both on mismatch. */
static inline void assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t exp[BGP_MAX_MSG * 2];
	size_t n = hex(want, exp);

	if (n != len || memcmp(got, exp, n)) {
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, "%02x%s", got[i], i + 1 < len ? " " : "\n");
		fail_msg("bytes differ: got %zu, want %zu", len, n);
	}
}

/* UPDATE body: withdrawn-length, withdrawn, attr-length, attrs, NLRI. */
static inline size_t upd_body(uint8_t *out, const char *wd, const char *attrs, const char *nlri)
{
	size_t n = 0, w, a;

	w = hex(wd, out + 2);
	out[0] = (uint8_t)(w >> 8);
	out[1] = (uint8_t)w;
	n = 2 + w;
	a = hex(attrs, out + n + 2);
	out[n] = (uint8_t)(a >> 8);
	out[n + 1] = (uint8_t)a;
	n += 2 + a;
	n += hex(nlri, out + n);
	return n;
}

#endif
