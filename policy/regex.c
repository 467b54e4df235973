/* AS_PATH regular expressions as FRR's 'bgp as-path access-list' reads
 * them: POSIX extended expressions over the path printed the FRR way, with
 * '_' standing for a boundary: start, end, space, ',', a brace or a
 * parenthesis, FRR's (^|[,{}() ]|$); the brackets of confederation sets
 * are not boundaries, as in FRR. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#define POL_BOUNDARY "(^|[,{}() ]|$)"

/* glibc's regcomp copies a repeated expression once per repetition ('+'
 * twice, {m,n} max(m,n) times) before it builds its automaton, and its
 * time and memory grow steeply with the anchors that can follow one
 * another, the more so inside an unbounded repetition and with unbounded
 * repetitions nested in one another ('a**', '(a*)*'): 128 '_' (two
 * anchors each) took 2.3 GB and 10 s, 20 nested '+' 830 MB, 13 '_' and
 * 60 '*' 9 s, found by the config fuzz target; 16 '(^|$)' in '( ... a*)*'
 * more than 20 s; 22 '_', a '+' and 7 '_' more than 25 s. So an
 * expression is refused when, copies counted, it passes any of these
 * (each case within them compiles in a few ms). That also refuses some
 * that compile fast (anchors apart, with ASes between them: a path of 8
 * ASes, '^([0-9]+_){10,}'); what costs is anchors that can follow one
 * another without a character between, which a finer count could allow.
 * FRR's examples ('_65001_', '^65001(_65001)*$', '(_[0-9]+)*') pass. */
#define POL_RE_MAX_ANCHORS 16	   /* '^', '$'; '_' counts two */
#define POL_RE_MAX_STAR_ANCHORS 8  /* of those inside '*', '+' or '{m,}' */
#define POL_RE_MAX_STARS 2	   /* unbounded repetitions nested */
#define POL_RE_MAX_DEEP 4	   /* unbounded repetitions inside another */
#define POL_RE_MAX_ATOMS 16384
#define POL_RE_MAX_DEPTH 32	   /* nested groups */

struct re_cost {
	size_t atoms, anchors, star_anchors, deep;
	unsigned stars; /* the deepest nesting of unbounded repetitions */
};

static size_t re_sat(size_t v, size_t max)
{
	return v > max ? max + 1 : v;
}

/* a + b * k (stars: the larger), saturating above the limits. */
static void re_add(struct re_cost *a, const struct re_cost *b, size_t k)
{
	a->atoms = re_sat(a->atoms + b->atoms * k, POL_RE_MAX_ATOMS);
	a->anchors = re_sat(a->anchors + b->anchors * k, POL_RE_MAX_ANCHORS);
	a->star_anchors = re_sat(a->star_anchors + b->star_anchors * k, POL_RE_MAX_STAR_ANCHORS);
	a->deep = re_sat(a->deep + b->deep * k, POL_RE_MAX_DEEP);
	if (b->stars > a->stars)
		a->stars = b->stars;
}

/* The last character of the bracket expression that starts at p. */
static const char *re_bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++) {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *e = strchr(p + 2, p[1]);
			while (e && e[1] != ']')
				e = strchr(e + 1, p[1]);
			if (!e)
				break;
			p = e + 1;
		}
	}
	return *p ? p : p - 1;
}

/* The repetition at p: how many times it copies what it repeats (0: not a
 * repetition, a '{' taken literally), whether it is unbounded; *end is its
 * last character. */
static size_t re_repeat(const char *p, const char **end, bool *star)
{
	unsigned long m, n;
	char *q;

	*end = p;
	*star = *p == '*' || *p == '+';
	if (*p != '{')
		return *p == '+' ? 2 : 1;
	if (p[1] != ',' && (p[1] < '0' || p[1] > '9'))
		return 0;
	m = n = strtoul(p + 1, &q, 10); /* {,n}: glibc's {0,n} */
	if (*q == ',' && q[1] >= '0' && q[1] <= '9') {
		n = strtoul(q + 1, &q, 10);
	} else if (*q == ',') {
		n = m + 1, q++; /* {m,}: m copies and a star */
		*star = true;
	}
	if (*q != '}')
		return 0;
	*end = q;
	m = m > n ? m : n;
	return m > POL_RE_MAX_ATOMS ? POL_RE_MAX_ATOMS + 1 : (m ? m : 1);
}

/* Whether the ERE x, '_' already expanded, is within the limits above. */
static bool re_cheap(const char *x, char *err, size_t errlen)
{
	struct re_cost group[POL_RE_MAX_DEPTH + 1] = { { 0 } };
	struct re_cost last = { 0 }, atom;
	int depth = 0;

	for (const char *p = x; *p; p++) {
		struct re_cost unit;
		size_t k;
		bool star;

		atom = (struct re_cost){ .atoms = 1 };
		switch (*p) {
		case '\\':
			p += p[1] != '\0';
			break;
		case '[':
			p = re_bracket_end(p);
			break;
		case '^':
		case '$':
			atom.anchors = 1;
			break;
		case '(':
			if (depth == POL_RE_MAX_DEPTH) {
				snprintf(err, errlen, "more than %d nested groups",
					 POL_RE_MAX_DEPTH);
				return false;
			}
			group[++depth] = (struct re_cost){ 0 };
			last = (struct re_cost){ 0 };
			continue;
		case ')':
			if (depth)
				atom = group[depth--];
			break;
		case '|':
			last = (struct re_cost){ 0 };
			continue;
		case '*':
		case '?':
		case '+':
		case '{':
			if (!(k = re_repeat(p, &p, &star)))
				break;
			/* k copies of last (the group holds one already); an
			 * unbounded repetition makes the last of them starred,
			 * once: its anchors are inside a star, the other
			 * copies' are not ('{10,}' is 10 copies and a star) */
			re_add(&group[depth], &last, k - 1);
			unit = (struct re_cost){ 0 };
			re_add(&unit, &last, k);
			if (star) {
				struct re_cost starred = { .star_anchors = last.anchors - last.star_anchors,
							   .deep = last.stars > 0,
							   .stars = last.stars + 1 };
				re_add(&group[depth], &starred, 1);
				re_add(&unit, &starred, 1);
			}
			last = unit;
			continue;
		}
		re_add(&group[depth], &atom, 1);
		last = atom;
	}
	for (; depth; depth--) /* unclosed: regcomp refuses them */
		re_add(&group[depth - 1], &group[depth], 1);
	if (group[0].anchors > POL_RE_MAX_ANCHORS ||
	    group[0].star_anchors > POL_RE_MAX_STAR_ANCHORS) {
		snprintf(err, errlen, "too complex: over %d anchors ('_' counts two) or %d "
			 "inside '*', '+', '{m,}', repetitions counted", POL_RE_MAX_ANCHORS,
			 POL_RE_MAX_STAR_ANCHORS);
		return false;
	}
	if (group[0].stars > POL_RE_MAX_STARS || group[0].deep > POL_RE_MAX_DEEP ||
	    group[0].atoms > POL_RE_MAX_ATOMS) {
		snprintf(err, errlen, "too complex: '*', '+', '{m,}' nested over %d deep or "
			 "%d times, or over %d atoms, repetitions counted", POL_RE_MAX_STARS,
			 POL_RE_MAX_DEEP, POL_RE_MAX_ATOMS);
		return false;
	}
	return true;
}

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
	if (!re_cheap(x, err, errlen)) {
		free(x);
		return REG_ESPACE;
	}
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
