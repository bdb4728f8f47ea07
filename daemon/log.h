/* daemon/log.h: the daemon's log: stderr always (or a log file put in
 * its place), syslog when not in the foreground. log_warn appends
 * strerror of a -errno value, log_warnx not. */
#ifndef BPFPIN_DAEMON_LOG_H
#define BPFPIN_DAEMON_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(enum log_level level, bool use_syslog);
void log_set_level(enum log_level level);
/* Open path (append, made mode 0640) in the place of stderr, so that all
 * the daemon writes there (its lines, a sanitizer's) goes to the file;
 * again at each SIGHUP, for logrotate. 0 or -errno (stderr is kept). */
int log_open_file(const char *path);
/* "error", "warning", "info", "debug" -> level; -1 if unknown. */
int log_level_parse(const char *name);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As log_msg at LOG_LVL_WARN, with ": strerror(-err)" appended; returns err. */
int log_warn(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warnx(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
