/* daemon/svc.c: the service manager's side of bpfpind (daemon/svc.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "daemon/log.h"
#include "daemon/svc.h"

static struct held {
	int fd;
	char *name;
} *held;
static unsigned nheld;

#ifdef HAVE_LIBSYSTEMD
int svc_fds_init(void)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	if (n <= 0)
		return n < 0 ? log_warn(n, "LISTEN_FDS") : 0;
	held = calloc((size_t)n, sizeof(*held));
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (!held) {
			close(fd);
			free(names[i]);
			continue;
		}
		held[nheld].fd = fd;
		held[nheld++].name = names[i];
	}
	free(names);
	return held ? n : log_warn(-ENOMEM, "taking LISTEN_FDS");
}

bool svc_managed(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s && *s;
}

int svc_notify(const char *state)
{
	int r = sd_notify(0, state);

	return r < 0 ? r : 0;
}

int svc_notify_fds(const char *state, const int *fds, unsigned n)
{
	int r = sd_pid_notify_with_fds(0, 0, state, fds, n);

	return r < 0 ? r : r == 0 ? -ENOTCONN : 0;
}

uint64_t svc_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}
#else
int svc_fds_init(void)
{
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return 0;
}

bool svc_managed(void)
{
	return false;
}

int svc_notify(const char *state)
{
	(void)state;
	return 0;
}

int svc_notify_fds(const char *state, const int *fds, unsigned n)
{
	(void)state, (void)fds, (void)n;
	return -EOPNOTSUPP;
}

uint64_t svc_watchdog_usec(void)
{
	return 0;
}
#endif

int svc_notifyf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return svc_notify(buf);
}

int svc_take(const char *name)
{
	for (unsigned i = 0; i < nheld; i++) {
		if (held[i].fd >= 0 && held[i].name && !strcmp(held[i].name, name)) {
			int fd = held[i].fd;

			held[i].fd = -1;
			return fd;
		}
	}
	return -1;
}

int svc_take_prefix(const char *prefix,
		    int (*fn)(void *arg, const char *name, int fd), void *arg)
{
	size_t len = strlen(prefix);
	int r;

	for (unsigned i = 0; i < nheld; i++) {
		int fd = held[i].fd;

		if (fd < 0 || !held[i].name || strncmp(held[i].name, prefix, len))
			continue;
		held[i].fd = -1;
		if ((r = fn(arg, held[i].name, fd)) < 0)
			return r;
	}
	return 0;
}

void svc_close_rest(void)
{
	for (unsigned i = 0; i < nheld; i++) {
		if (held[i].fd >= 0) {
			log_warnx("closing fd %d (%s) passed by the service manager: nobody took it",
				  held[i].fd, held[i].name ? held[i].name : "no name");
			close(held[i].fd);
		}
		free(held[i].name);
	}
	free(held);
	held = NULL;
	nheld = 0;
}
