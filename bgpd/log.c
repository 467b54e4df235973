/* Daemon logging to stderr (default, with timestamps; text or JSON lines) or
 * syslog. Every stderr line goes out in one write(2) of at most PIPE_BUF
 * bytes, so lines of one process never interleave, even on a pipe. */
#include "bgpd/log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef PIPE_BUF
#define PIPE_BUF 4096
#endif
#define LOG_MSG_MAX 1024   /* the formatted message, before escaping */
#define LOG_LINE_MAX PIPE_BUF
#define JSON_TAIL_ROOM 40  /* what follows module, peer or event, all empty */

static struct {
	int min_level;
	bool use_syslog;
	enum log_format format;
} logcfg = { LOG_INFO, false, LOG_FORMAT_TEXT };

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",   [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_init(int min_level, bool use_syslog, const char *ident)
{
	logcfg.min_level = min_level;
	logcfg.use_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_format(enum log_format format)
{
	logcfg.format = format;
}

int log_level_parse(const char *name)
{
	for (int i = 0; i <= LOG_DEBUG; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	if (strcasecmp(name, "err") == 0)
		return LOG_ERR;
	if (strcasecmp(name, "warn") == 0)
		return LOG_WARNING;
	return -1;
}

int log_format_parse(const char *name)
{
	if (strcmp(name, "text") == 0)
		return LOG_FORMAT_TEXT;
	if (strcmp(name, "json") == 0)
		return LOG_FORMAT_JSON;
	return -1;
}

bool log_enabled(int level)
{
	return level <= logcfg.min_level;
}

static const char *level_name(int level)
{
	return level >= 0 && level <= LOG_DEBUG ? level_names[level] : "unknown";
}

/* ---- JSON ------------------------------------------------------------- */

struct jbuf {
	char *p;
	size_t len, size; /* size includes the terminating NUL */
};

/* Appends n bytes if they fit before the last `room` bytes; all or nothing. */
static bool jput(struct jbuf *j, const char *s, size_t n, size_t room)
{
	if (j->len + n + room + 1 > j->size)
		return false;
	memcpy(j->p + j->len, s, n);
	j->len += n;
	j->p[j->len] = '\0';
	return true;
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629 table 3:
 * no overlong forms, no surrogates, nothing above U+10FFFF), 0 if there
 * is none. The NUL that ends s is never a continuation byte, so this
 * never reads past it. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Appends s escaped as JSON string content (RFC 8259 7): quote, backslash
 * and control characters escaped, DEL too; a byte that does not start a
 * well-formed UTF-8 sequence is written \u00XX (its Latin-1 reading).
 * Stops, never mid-escape, where the rest would not leave `room`. */
static void jput_escaped(struct jbuf *j, const char *str, size_t room)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		char esc[8];
		const char *out = esc;
		size_t n = utf8_seq(s), adv = n ? n : 1;

		switch (*s) {
		case '"': out = "\\\""; n = 2; break;
		case '\\': out = "\\\\"; n = 2; break;
		case '\n': out = "\\n"; n = 2; break;
		case '\r': out = "\\r"; n = 2; break;
		case '\t': out = "\\t"; n = 2; break;
		case '\b': out = "\\b"; n = 2; break;
		case '\f': out = "\\f"; n = 2; break;
		default:
			if (*s < 0x20 || *s == 0x7f || n == 0) {
				snprintf(esc, sizeof(esc), "\\u%04x", *s);
				n = 6;
			} else {
				out = (const char *)s;
			}
		}
		if (!jput(j, out, n, room))
			return;
		s += adv;
	}
}

static void jput_str(struct jbuf *j, const char *s)
{
	jput(j, s, strlen(s), 0);
}

size_t log_json_line(char *buf, size_t size, const struct timespec *ts, int level,
		     const char *module, const char *key, const char *peer, const char *msg)
{
	struct jbuf j = { buf, 0, size };
	struct tm tm;
	char stamp[96]; /* room for any int in each field: gcc checks the worst case */

	if (size == 0)
		return 0;
	buf[0] = '\0';
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (ts->tv_nsec / 1000000L) % 1000);
	jput_str(&j, "{\"ts\":\"");
	jput_str(&j, stamp);
	jput_str(&j, "\",\"level\":\"");
	jput_str(&j, level_name(level));
	jput_str(&j, "\",\"module\":\"");
	jput_escaped(&j, module, JSON_TAIL_ROOM);
	if (peer) {
		jput_str(&j, "\",\"peer\":\"");
		jput_escaped(&j, peer, JSON_TAIL_ROOM);
	}
	jput_str(&j, "\",\"event\":\"");
	jput_escaped(&j, module, JSON_TAIL_ROOM);
	if (key) {
		jput(&j, ".", 1, JSON_TAIL_ROOM);
		jput_escaped(&j, key, JSON_TAIL_ROOM);
	}
	jput_str(&j, "\",\"msg\":\"");
	jput_escaped(&j, msg, 3);
	jput_str(&j, "\"}\n");
	return j.len;
}

/* ---- output ----------------------------------------------------------- */

static void write_line(const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere else to say it */
		buf += w;
		n -= (size_t)w;
	}
}

static void log_vemit(int level, const char *module, const char *key, const char *peer,
		      const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX], line[LOG_LINE_MAX];
	struct timespec ts;
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (logcfg.use_syslog) {
		syslog(level, "%s: %s%s%s%s%s%s%s", module, peer ? peer : "", peer ? ": " : "", msg,
		       key ? " event=" : "", key ? module : "", key ? "." : "", key ? key : "");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (logcfg.format == LOG_FORMAT_JSON) {
		n = log_json_line(line, sizeof(line), &ts, level, module, key, peer, msg);
	} else {
		struct tm tm;
		char stamp[32];
		int r;

		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		r = snprintf(line, sizeof(line), "%s.%03ldZ %s %s: %s%s%s%s%s%s%s\n", stamp,
			     ts.tv_nsec / 1000000L, level_name(level), module, peer ? peer : "",
			     peer ? ": " : "", msg, key ? " event=" : "", key ? module : "",
			     key ? "." : "", key ? key : "");
		if (r < 0)
			return;
		n = (size_t)r;
		if (n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
	}
	write_line(line, n);
}

void log_msg(int level, const char *module, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vemit(level, module, NULL, NULL, fmt, ap);
	va_end(ap);
}

void log_event(int level, const char *module, const char *key, const char *peer,
	       const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vemit(level, module, key, peer, fmt, ap);
	va_end(ap);
}
