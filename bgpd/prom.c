/* Prometheus text exposition format 0.0.4 (prometheus/docs,
 * "Exposition formats"): one "# HELP" and one "# TYPE" line per metric
 * family, then its samples, each "name{label="value",...} value" with
 * backslash, double quote and line feed escaped in label values (only
 * backslash and line feed in HELP text). Lines end with a line feed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/prom.h"

void prom_buf_init(struct prom_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void prom_buf_free(struct prom_buf *b)
{
	free(b->p);
	prom_buf_init(b, b->max);
}

/* Room for n more bytes; false (and full) when over max or out of memory. */
static bool buf_room(struct prom_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->full || n > b->max - b->len) {
		b->full = true;
		return false;
	}
	if (b->cap - b->len >= n)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap = cap > b->max / 2 ? b->max : cap * 2;
	if (!(p = realloc(b->p, cap))) {
		b->full = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void prom_buf_append(struct prom_buf *b, const char *s, size_t n)
{
	if (n == 0 || !buf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void buf_str(struct prom_buf *b, const char *s)
{
	prom_buf_append(b, s, strlen(s));
}

/* s with \ and line feed escaped, and " too when quote (label values). */
static void buf_escaped(struct prom_buf *b, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
				  : quote && *s == '"' ? "\\\"" : NULL;
		if (!esc)
			continue;
		prom_buf_append(b, run, (size_t)(s - run));
		buf_str(b, esc);
		run = s + 1;
	}
	prom_buf_append(b, run, (size_t)(s - run));
}

void prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help)
{
	size_t start = b->len;

	buf_str(b, "# HELP ");
	buf_str(b, name);
	buf_str(b, " ");
	buf_escaped(b, help, false);
	buf_str(b, "\n# TYPE ");
	buf_str(b, name);
	buf_str(b, type == PROM_COUNTER ? " counter\n" : " gauge\n");
	if (b->full)
		b->len = start;
}

void prom_sample(struct prom_buf *b, const char *name, const struct prom_label *labels,
		 size_t nlabels, uint64_t value)
{
	size_t start = b->len;
	char num[32];

	buf_str(b, name);
	for (size_t i = 0; i < nlabels; i++) {
		buf_str(b, i ? "," : "{");
		buf_str(b, labels[i].name);
		buf_str(b, "=\"");
		buf_escaped(b, labels[i].value, true);
		buf_str(b, "\"");
	}
	snprintf(num, sizeof(num), "%s %" PRIu64 "\n", nlabels ? "}" : "", value);
	buf_str(b, num);
	if (b->full)
		b->len = start;
}
