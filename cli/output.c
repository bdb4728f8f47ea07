/* cli/output.c: picks the output backend for the current options, reports
 * errors (on stderr in text, as JSON on stdout alone with -j, as bpftool
 * does), and holds the small formatting helpers both backends use. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"

/* Room for two protocol paths (mv) and the words around them. */
#define MSG_MAX 9000

static bool wrote;

const struct output_ops *out(void)
{
	return cli.json ? &output_json : &output_text;
}

void out_wrote(void)
{
	wrote = true;
}

int out_flush(void)
{
	if (fflush(stdout) != 0)
		return -errno;
	return cli.json ? out_json_flush() : 0;
}

/* stdio's buffer first: whatever a command printed there comes before
 * the writer's. */
int out_end(void)
{
	int r = fflush(stdout) != 0 ? -errno : 0, w;

	w = cli.json ? out_json_end(wrote) : 0;
	return r ? r : w;
}

const char *out_kind_name(enum bpfpin_obj_kind kind)
{
	switch (kind) {
	case BPFPIN_OBJ_MAP:
		return "map";
	case BPFPIN_OBJ_PROG:
		return "prog";
	case BPFPIN_OBJ_LINK:
		return "link";
	case BPFPIN_OBJ_NONE:
		break;
	}
	return "";
}

void out_time(char *buf, size_t size, const struct timespec *ts, bool full)
{
	time_t t = ts->tv_sec;
	char date[32], zone[8];
	struct tm tm;

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, size, "%lld", (long long)t);
		return;
	}
	if (!full) {
		strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, size, "%s.%09ld %s", date, ts->tv_nsec, zone);
}

int cli_fail(const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out()->error(msg);
	return CLI_FAIL;
}

/* The daemon's message usually reads "PATH: why"; we print our own
 * "VERB PATH:" prefix, so keep only the why, and only if it says more
 * than strerror. A path too long for the library's message buffer leaves
 * no why at all. */
static const char *reason(const char *msg, int err)
{
	const char *plain = strerror(-err), *sep;

	if (msg[0] == '/') {
		sep = strstr(msg, ": ");
		msg = sep ? sep + 2 : "";
	}
	return !*msg || strcmp(msg, plain) == 0 ? plain : msg;
}

int cli_fail_call(const char *verb, const char *path, int err)
{
	return cli_fail("%s %s: %s", verb, path, reason(cli_errmsg(), err));
}

int cli_usage(const char *fmt, ...)
{
	char msg[MSG_MAX], full[MSG_MAX + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli.cmd)
		snprintf(full, sizeof(full), "%s: %s", cli.cmd->name, msg);
	else
		snprintf(full, sizeof(full), "%s", msg);
	out()->error(full);
	if (cli.json)
		return CLI_USAGE;
	if (cli.cmd)
		fprintf(stderr, "Try 'bpfpin help %s'.\n", cli.cmd->name);
	else
		fprintf(stderr, "Try 'bpfpin --help'.\n");
	return CLI_USAGE;
}
