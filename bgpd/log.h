/* Daemon logging: one line per event, "module: message", to stderr or syslog.
 * Levels follow syslog(3). Messages a peer can trigger go through
 * log_ratelimited() so a misbehaving neighbour cannot flood the log. */
#ifndef CLOS_LOG_H
#define CLOS_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_init(int min_level, bool use_syslog, const char *ident);
int log_level_parse(const char *name); /* "debug".."err"; -1 if unknown */
bool log_enabled(int level);
void log_msg(int level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(mod, ...) log_msg(LOG_ERR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_WARNING, mod, __VA_ARGS__)
#define log_notice(mod, ...) log_msg(LOG_NOTICE, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...)                                    \
	do {                                                   \
		if (log_enabled(LOG_DEBUG))                    \
			log_msg(LOG_DEBUG, mod, __VA_ARGS__);  \
	} while (0)

#endif
