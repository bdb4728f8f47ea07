/* daemon/log.c: leveled logging to stderr and, in the background, syslog. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "daemon/log.h"

static enum log_level max_level = LOG_LVL_INFO;
static bool to_syslog;

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void log_init(enum log_level level, bool use_syslog)
{
	max_level = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog("bpfpind", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_level_parse(const char *name)
{
	for (int i = 0; i <= LOG_LVL_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

__attribute__((format(printf, 2, 0)))
static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level > max_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "bpfpind: %s: %s\n", level_names[level], line);
	if (to_syslog)
		syslog(syslog_prio[level], "%s", line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

int log_warn(int err, const char *fmt, ...)
{
	char head[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_WARN, "%s: %s", head, strerror(err < 0 ? -err : err));
	return err;
}
