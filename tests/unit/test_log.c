/* Unit tests: the log lines (bgpd/log.c): JSON escaping and fields, the
 * event names, the cut of long messages, one line per write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bgpd/log.h"

/* 2026-12-06T23:18:42.123Z */
static const struct timespec TS = { .tv_sec = 1796599122, .tv_nsec = 123456789 };

/* A strict reader of what log_json_line writes: one object of string
 * members, nothing else, then "\n". Values are decoded (\u00XX as the byte
 * XX) into vals; returns the member count, -1 if the line is not that. */
#define MAXM 8
struct member {
	char key[32];
	char val[8192];
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *read_str(const char *s, char *out, size_t size)
{
	size_t n = 0;

	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		int c = (unsigned char)*s++;
		if (c < 0x20 || c == 0x7f)
			return NULL; /* raw control character (or the NUL) */
		if (c == '\\') {
			switch (*s++) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case '/': c = '/'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				int v = 0;
				for (int i = 0; i < 4; i++) {
					int h = hexval(*s++);
					if (h < 0)
						return NULL;
					v = v * 16 + h;
				}
				if (v > 0xff)
					return NULL; /* we never write those */
				c = v;
				break;
			}
			default: return NULL;
			}
		}
		if (n + 1 >= size)
			return NULL;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return s + 1;
}

static int parse_line(const char *s, struct member *m)
{
	int n = 0;

	if (*s++ != '{')
		return -1;
	for (;;) {
		if (n == MAXM)
			return -1;
		s = read_str(s, m[n].key, sizeof(m[n].key));
		if (!s || *s++ != ':')
			return -1;
		s = read_str(s, m[n].val, sizeof(m[n].val));
		if (!s)
			return -1;
		n++;
		if (*s == ',') {
			s++;
			continue;
		}
		if (strcmp(s, "}\n") != 0)
			return -1;
		return n;
	}
}

static const char *get(struct member *m, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].key, key) == 0)
			return m[i].val;
	return NULL;
}

static void test_fields(void **state)
{
	static struct member m[MAXM];
	char buf[4096];
	size_t len;
	int n;

	len = log_json_line(buf, sizeof(buf), &TS, LOG_NOTICE, "peer", "established", "10.0.0.2",
			    "session established (AS 65002)");
	assert_int_equal(len, strlen(buf));
	assert_string_equal(buf, "{\"ts\":\"2026-12-06T23:18:42.123Z\",\"level\":\"notice\","
			    "\"module\":\"peer\",\"peer\":\"10.0.0.2\",\"event\":\"peer.established\","
			    "\"msg\":\"session established (AS 65002)\"}\n");
	n = parse_line(buf, m);
	assert_int_equal(n, 6);
	assert_string_equal(get(m, n, "event"), "peer.established");

	/* No key: the event is the module; no peer: no member. */
	log_json_line(buf, sizeof(buf), &TS, LOG_ERR, "fib", NULL, NULL, "x");
	assert_string_equal(buf, "{\"ts\":\"2026-12-06T23:18:42.123Z\",\"level\":\"error\","
			    "\"module\":\"fib\",\"event\":\"fib\",\"msg\":\"x\"}\n");
	n = parse_line(buf, m);
	assert_int_equal(n, 5);
	assert_null(get(m, n, "peer"));

	/* Milliseconds are zero-padded. */
	struct timespec t0 = { .tv_sec = 0, .tv_nsec = 7000000 };
	log_json_line(buf, sizeof(buf), &t0, LOG_DEBUG, "m", NULL, NULL, "");
	assert_non_null(strstr(buf, "\"ts\":\"1970-01-01T00:00:00.007Z\",\"level\":\"debug\""));
}

static void test_escaping(void **state)
{
	static struct member m[MAXM];
	char buf[4096];
	int n;

	log_json_line(buf, sizeof(buf), &TS, LOG_INFO, "peer", "k", "a\"b\\c",
		      "q\" b\\ n\n r\r t\t b\b f\f nul\x01 esc\x1b del\x7f /");
	assert_non_null(strstr(buf, "\"peer\":\"a\\\"b\\\\c\""));
	assert_non_null(strstr(buf, "\"msg\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f nul\\u0001 "
				    "esc\\u001b del\\u007f /\"}\n"));
	n = parse_line(buf, m);
	assert_int_equal(n, 6);
	assert_string_equal(get(m, n, "peer"), "a\"b\\c");
	assert_string_equal(get(m, n, "msg"),
			    "q\" b\\ n\n r\r t\t b\b f\f nul\x01 esc\x1b del\x7f /");
	assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);
}

static void test_utf8(void **state)
{
	char buf[4096];

	/* Well-formed UTF-8 passes as it is: é, €, U+10348, U+10FFFF. */
	log_json_line(buf, sizeof(buf), &TS, LOG_INFO, "m", NULL, NULL,
		      "\xc3\xa9 \xe2\x82\xac \xf0\x90\x8d\x88 \xf4\x8f\xbf\xbf");
	assert_non_null(strstr(buf, "\"msg\":\"\xc3\xa9 \xe2\x82\xac \xf0\x90\x8d\x88 "
				    "\xf4\x8f\xbf\xbf\"}\n"));

	/* Every byte of an ill-formed sequence is written \u00XX: a lone
	 * continuation byte, a truncated sequence, overlong forms, a
	 * surrogate, above U+10FFFF, 0xff. */
	log_json_line(buf, sizeof(buf), &TS, LOG_INFO, "m", NULL, NULL,
		      "\x80|\xc3|\xe2\x82|\xc0\xaf|\xe0\x80\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xff");
	assert_non_null(strstr(buf, "\"msg\":\"\\u0080|\\u00c3|\\u00e2\\u0082|\\u00c0\\u00af|"
				    "\\u00e0\\u0080\\u00af|\\u00ed\\u00a0\\u0080|"
				    "\\u00f4\\u0090\\u0080\\u0080|\\u00ff\"}\n"));

	/* A truncated sequence at the very end of the string. */
	log_json_line(buf, sizeof(buf), &TS, LOG_INFO, "m", NULL, NULL, "x\xf0\x90\x8d");
	assert_non_null(strstr(buf, "\"msg\":\"x\\u00f0\\u0090\\u008d\"}\n"));
}

/* A message that does not fit is cut between two escapes, never inside
 * one, and the line stays one valid object within the buffer. */
static void test_cut(void **state)
{
	static struct member m[MAXM];
	static char msg[3000], buf[512];

	for (size_t size = 128; size <= sizeof(buf); size += 7) {
		for (int fill = 0; fill < 3; fill++) {
			memset(msg, fill == 0 ? '"' : fill == 1 ? '\x01' : 'a', sizeof(msg) - 1);
			msg[sizeof(msg) - 1] = '\0';
			size_t len = log_json_line(buf, size, &TS, LOG_INFO, "peer", "k", "p", msg);
			assert_true(len < size);
			assert_int_equal(len, strlen(buf));
			assert_int_equal(parse_line(buf, m), 6);
			assert_true(len + 6 >= size - 1); /* filled up to the last escape */
		}
	}
	/* Long module, peer and key are cut too, and the line still parses. */
	memset(msg, 'p', 600);
	msg[600] = '\0';
	size_t len = log_json_line(buf, 256, &TS, LOG_INFO, msg, msg, msg, "m");
	assert_true(len < 256);
	assert_int_equal(parse_line(buf, m), 6);
}

static void test_parse(void **state)
{
	assert_int_equal(log_format_parse("text"), LOG_FORMAT_TEXT);
	assert_int_equal(log_format_parse("json"), LOG_FORMAT_JSON);
	assert_int_equal(log_format_parse("JSON lines"), -1);
	assert_int_equal(log_format_parse(""), -1);
}

/* log_event/log_msg to stderr: one complete line each, in both formats. */
static char *capture(enum log_format fmt, void (*fn)(void))
{
	static char out[16384];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);

	assert_non_null(f);
	assert_true(saved >= 0 && dup2(fileno(f), STDERR_FILENO) >= 0);
	log_init(LOG_INFO, false, "test_log");
	log_set_format(fmt);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	log_set_format(LOG_FORMAT_TEXT);
	rewind(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void emit(void)
{
	log_event_notice("peer", "established", "10.0.0.2", "session established (AS %u)", 65002);
	log_warn("fib", "delete %s: %s", "10.1.0.0/24", "No such process");
	log_debug("fib", "not shown at info");
	log_event_err("config", "reload_rejected", NULL, "reload rejected: %s", "bad \"x\"\n");
}

static void test_stderr_json(void **state)
{
	static struct member m[MAXM];
	char *out = capture(LOG_FORMAT_JSON, emit), *line, *save;
	const char *events[] = { "peer.established", "fib", "config.reload_rejected" };
	int i = 0;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char l[8192];
		snprintf(l, sizeof(l), "%s\n", line);
		int n = parse_line(l, m);
		assert_true(n >= 5);
		assert_true(i < 3);
		assert_string_equal(get(m, n, "event"), events[i]);
		if (i == 0) {
			assert_string_equal(get(m, n, "peer"), "10.0.0.2");
			assert_string_equal(get(m, n, "msg"), "session established (AS 65002)");
		}
		if (i == 2)
			assert_string_equal(get(m, n, "msg"), "reload rejected: bad \"x\"\n");
	}
	assert_int_equal(i, 3);
}

static void test_stderr_text(void **state)
{
	char *out = capture(LOG_FORMAT_TEXT, emit);

	assert_non_null(strstr(out, "Z notice peer: 10.0.0.2: session established (AS 65002) "
				    "event=peer.established\n"));
	assert_non_null(strstr(out, "Z warning fib: delete 10.1.0.0/24: No such process\n"));
	assert_null(strstr(out, "not shown"));
	assert_non_null(strstr(out, "Z error config: reload rejected: bad \"x\"\n "
				    "event=config.reload_rejected\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_stderr_json),
		cmocka_unit_test(test_stderr_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
