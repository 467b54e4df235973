/* The Prometheus text exposition format, version 0.0.4: metric families
 * (# HELP, # TYPE, then every sample of the family) appended to a bounded
 * buffer. No I/O; bgpd/metrics.c serves what is written here. */
#ifndef CLOS_PROM_H
#define CLOS_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A growing text buffer that never exceeds max bytes: an append that does
 * not fit (or finds no memory) sets full and is dropped whole. */
struct prom_buf {
	char *p;
	size_t len, cap, max;
	bool full;
};

enum prom_type { PROM_COUNTER, PROM_GAUGE };

struct prom_label {
	const char *name;	/* [a-zA-Z_][a-zA-Z0-9_]*, ours: not escaped */
	const char *value;	/* any UTF-8: escaped */
};

void prom_buf_init(struct prom_buf *b, size_t max);
void prom_buf_free(struct prom_buf *b);	/* and empty again */
void prom_buf_append(struct prom_buf *b, const char *s, size_t n);

/* "# HELP name help" (help escaped: \\ and \n) and "# TYPE name type".
 * Every sample of the family must follow before the next family. */
void prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help);
/* "name{l1="v1",...} value": label values escaped (\\, \" and \n); no
 * braces without labels. Counters carry the _total suffix in name. */
void prom_sample(struct prom_buf *b, const char *name, const struct prom_label *labels,
		 size_t nlabels, uint64_t value);

#endif
