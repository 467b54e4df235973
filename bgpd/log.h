/* Daemon logging: one line per event, "module: message", to stderr (text or
 * JSON lines) or syslog. Levels follow syslog(3).
 *
 * log_err()..log_debug() take (module, fmt, ...): their event name is the
 * module. The important events go through log_event_*(module, key, peer,
 * fmt, ...): their event name is "<module>.<key>", stable, documented in
 * docs/logging.md; peer is peer_name(p) or NULL. */
#ifndef CLOS_LOG_H
#define CLOS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <time.h>

enum log_format {
	LOG_FORMAT_TEXT, /* "TS level module: [peer: ]msg[ event=E]" */
	LOG_FORMAT_JSON, /* one JSON object per line (docs/logging.md) */
};

void log_init(int min_level, bool use_syslog, const char *ident);
void log_set_format(enum log_format format); /* stderr only; syslog stays text */
int log_level_parse(const char *name); /* "debug".."err"; -1 if unknown */
int log_format_parse(const char *name); /* "text" or "json"; -1 if unknown */
bool log_enabled(int level);
void log_msg(int level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_event(int level, const char *module, const char *key, const char *peer,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The line log_event() writes to stderr in JSON, newline included, for the
 * unit tests: key and peer may be NULL. Never longer than size - 1 (the
 * message is cut, never an escape); returns the length. size >= 128. */
size_t log_json_line(char *buf, size_t size, const struct timespec *ts, int level,
		     const char *module, const char *key, const char *peer, const char *msg);

#define log_err(mod, ...) log_msg(LOG_ERR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_WARNING, mod, __VA_ARGS__)
#define log_notice(mod, ...) log_msg(LOG_NOTICE, mod, __VA_ARGS__)
/* info and debug evaluate their arguments (a prefix formatted, say) only
 * when the level is logged: they are the ones on busy paths. */
#define log_info(mod, ...)                                     \
	do {                                                   \
		if (log_enabled(LOG_INFO))                     \
			log_msg(LOG_INFO, mod, __VA_ARGS__);   \
	} while (0)
#define log_debug(mod, ...)                                    \
	do {                                                   \
		if (log_enabled(LOG_DEBUG))                    \
			log_msg(LOG_DEBUG, mod, __VA_ARGS__);  \
	} while (0)

#define log_event_err(mod, key, peer, ...) log_event(LOG_ERR, mod, key, peer, __VA_ARGS__)
#define log_event_warn(mod, key, peer, ...) log_event(LOG_WARNING, mod, key, peer, __VA_ARGS__)
#define log_event_notice(mod, key, peer, ...) log_event(LOG_NOTICE, mod, key, peer, __VA_ARGS__)
#define log_event_info(mod, key, peer, ...) log_event(LOG_INFO, mod, key, peer, __VA_ARGS__)

#endif
