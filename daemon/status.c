/* daemon/status.c: what bpfpind tells its service manager while it runs:
 * a STATUS= line (what it does, how many pins, dirs, symlinks and
 * connections it holds),
 * looked at every second and sent when it changed or every STATUS_EVERY
 * ticks, so `systemctl status` is never far behind and a busy daemon
 * sends at most one a second; and WATCHDOG=1 every WatchdogSec/2 from the
 * loop thread, so a loop that no longer runs is caught. Both only when a
 * manager listens (NOTIFY_SOCKET). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/svc.h"

#define STATUS_EVERY 10   /* ticks of a second */

static unsigned long long count(const struct daemon *d, enum ns_type type)
{
	return d->srv.ns ? ns_type_count(d->srv.ns, type) : 0;
}

static void status_text(const struct daemon *d, char *buf, size_t len)
{
	unsigned long long dirs = count(d, NS_DIR);

	/* the root directory is no node anyone made */
	snprintf(buf, len, "%s: %llu pins, %llu dirs, %llu symlinks, %u connections",
		 d->drain_ev ? "draining" : d->ready ? "serving" : "starting",
		 count(d, NS_PIN), dirs > 0 ? dirs - 1 : 0, count(d, NS_SYMLINK),
		 d->srv.nconns);
}

void status_say(struct daemon *d, const char *text)
{
	char buf[sizeof(d->status_sent)], line[sizeof(buf) + 8];

	if (!svc_managed())
		return;
	if (!text)
		status_text(d, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", text);
	snprintf(line, sizeof(line), "STATUS=%s", buf);
	svc_notify(line);
	memcpy(d->status_sent, buf, sizeof(buf));
	d->status_age = 0;
}

static void on_status(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	char buf[sizeof(d->status_sent)];

	(void)fd, (void)what;
	status_text(d, buf, sizeof(buf));
	if (strcmp(buf, d->status_sent) || ++d->status_age >= STATUS_EVERY)
		status_say(d, buf);
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	svc_notify("WATCHDOG=1");
}

static struct event *every(struct daemon *d, uint64_t usec,
			   event_callback_fn fn)
{
	struct timeval tv = { (time_t)(usec / 1000000), (suseconds_t)(usec % 1000000) };
	struct event *ev = event_new(d->srv.base, -1, EV_PERSIST, fn, d);

	if (ev && event_add(ev, &tv) < 0) {
		event_free(ev);
		ev = NULL;
	}
	return ev;
}

int status_start(struct daemon *d)
{
	uint64_t wd = svc_watchdog_usec();

	if (!svc_managed())
		return 0;
	if (!(d->status_ev = every(d, 1000000, on_status)))
		return log_warn(-ENOMEM, "status timer");
	if (wd > 0) {
		if (!(d->watchdog_ev = every(d, wd / 2, on_watchdog)))
			return log_warn(-ENOMEM, "watchdog timer");
		log_info("watchdog: a keep-alive every %llu ms",
			 (unsigned long long)(wd / 2000));
	}
	return 0;
}

void status_stop(struct daemon *d)
{
	if (d->status_ev)
		event_free(d->status_ev);
	if (d->watchdog_ev)
		event_free(d->watchdog_ev);
	d->status_ev = d->watchdog_ev = NULL;
}
