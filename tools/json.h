/* A tiny streaming JSON writer for closctl's --json output: keeps track of
 * commas and nesting, escapes strings (RFC 8259 7), never allocates. */
#ifndef CLOS_JSON_H
#define CLOS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* nothing written yet at this level */
	bool after_key;		    /* the next value completes a "key": pair */
};

void json_init(struct json_writer *w, FILE *f);
void json_obj_begin(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_begin(struct json_writer *w);
void json_arr_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_str(struct json_writer *w, const char *s); /* NULL writes null */
void json_uint(struct json_writer *w, uint64_t v);
void json_bool(struct json_writer *w, bool v);
void json_ratio(struct json_writer *w, uint64_t num, uint64_t den); /* 0 if den is 0 */
void json_null(struct json_writer *w);

/* Shorthands for "key": value inside an object. */
void json_kv_str(struct json_writer *w, const char *key, const char *s);
void json_kv_uint(struct json_writer *w, const char *key, uint64_t v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);

/* Write s as a quoted JSON string: ", \ and control characters escaped,
 * invalid UTF-8 replaced by U+FFFD so the output is always valid JSON. */
void json_write_string(FILE *f, const char *s);

#endif
