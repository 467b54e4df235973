/* AS_PATH regular expressions as FRR's 'bgp as-path access-list' reads
 * them: POSIX extended expressions over the path printed the FRR way, with
 * '_' standing for a boundary: start, end, space, ',', a brace or a
 * parenthesis, FRR's (^|[,{}() ]|$); the brackets of confederation sets
 * are not boundaries, as in FRR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#define POL_BOUNDARY "(^|[,{}() ]|$)"

int pol_regex_compile(regex_t *re, const char *expr, char *err, size_t errlen)
{
	size_t n = 0, len = strlen(expr);
	char *x;
	int rc;

	for (size_t i = 0; i < len; i++)
		n += expr[i] == '_';
	x = malloc(len + n * (sizeof(POL_BOUNDARY) - 2) + 1);
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return REG_ESPACE;
	}
	n = 0;
	for (size_t i = 0; i < len; i++) {
		if (expr[i] == '_') {
			memcpy(x + n, POL_BOUNDARY, sizeof(POL_BOUNDARY) - 1);
			n += sizeof(POL_BOUNDARY) - 1;
		} else {
			x[n++] = expr[i];
		}
	}
	x[n] = '\0';
	rc = regcomp(re, x, REG_EXTENDED | REG_NOSUB);
	free(x);
	if (rc)
		regerror(rc, re, err, errlen);
	return rc;
}

/* FRR's delimiters: a set's members are separated by ',', a sequence's by
 * ' '; segments by ' '. */
static void seg_marks(uint8_t type, char *open, char *close, char *sep)
{
	*open = *close = '\0';
	*sep = ' ';
	switch (type) {
	case AS_SET:
		*open = '{', *close = '}', *sep = ',';
		break;
	case AS_CONFED_SEQUENCE:
		*open = '(', *close = ')';
		break;
	case AS_CONFED_SET:
		*open = '[', *close = ']', *sep = ',';
		break;
	}
}

/* Truncates like snprintf: what fits is written, then nothing more. */
static void put(char *buf, size_t buflen, size_t *o, const char *s, size_t n)
{
	if (*o >= buflen)
		return;
	if (*o + n < buflen) {
		memcpy(buf + *o, s, n);
		*o += n;
	} else {
		memcpy(buf + *o, s, buflen - 1 - *o);
		*o = buflen;
	}
}

char *pol_aspath_str(const uint8_t *ap, size_t len, char *buf, size_t buflen)
{
	size_t o = 0, i = 0;
	char num[12];

	if (!buflen)
		return buf;
	while (i + 2 <= len && o < buflen) {
		uint8_t type = ap[i], cnt = ap[i + 1];
		char open, close, sep;
		i += 2;
		if (i + 4u * cnt > len)
			break;
		seg_marks(type, &open, &close, &sep);
		if (o)
			put(buf, buflen, &o, " ", 1);
		if (open)
			put(buf, buflen, &o, &open, 1);
		for (unsigned k = 0; k < cnt; k++, i += 4) {
			uint32_t asn = (uint32_t)ap[i] << 24 | (uint32_t)ap[i + 1] << 16 |
				       (uint32_t)ap[i + 2] << 8 | ap[i + 3];
			int m = snprintf(num, sizeof(num), "%u", asn);
			if (k)
				put(buf, buflen, &o, &sep, 1);
			put(buf, buflen, &o, num, (size_t)m);
		}
		if (close)
			put(buf, buflen, &o, &close, 1);
	}
	buf[o < buflen ? o : buflen - 1] = '\0';
	return buf;
}
