/* daemon/drain.c: a clean stop at SIGTERM (or SIGINT): no new connection
 * is accepted, and the loop goes on until every request read so far has
 * its reply on the socket (a load's too, answered later by its job), or
 * DRAIN_MS have passed; then main.c unmounts and exits. Clients already
 * connected may send more meanwhile: the deadline bounds it. A new
 * client meanwhile is refused (ECONNREFUSED), or under socket activation
 * waits in systemd's backlog for the next daemon. */
#include "config.h"

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/svc.h"

#define DRAIN_TICK_MS 10

static unsigned in_flight(const struct server *srv)
{
	const struct conn *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &srv->conns, entry)
		n += c->inflight;
	return n;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	unsigned n = in_flight(&d->srv);

	(void)fd, (void)what;
	if (n == 0) {
		log_info("drained: every request answered");
		event_base_loopbreak(d->srv.base);
	} else if (++d->drain_ticks >= DRAIN_MS / DRAIN_TICK_MS) {
		log_warnx("drain: %u requests still in flight after %d ms: stopping",
			  n, DRAIN_MS);
		event_base_loopbreak(d->srv.base);
	}
}

void drain_begin(struct daemon *d)
{
	struct timeval tv = { 0, DRAIN_TICK_MS * 1000 };

	if (d->drain_ev) {
		log_info("a second signal: stopping now");
		event_base_loopbreak(d->srv.base);
		return;
	}
	svc_notify("STOPPING=1");
	server_stop_accepting(&d->srv);
	d->drain_ev = event_new(d->srv.base, -1, EV_PERSIST, on_tick, d);
	if (!d->drain_ev || event_add(d->drain_ev, &tv) < 0) {
		event_base_loopbreak(d->srv.base);
		return;
	}
	status_say(d, NULL);
	log_info("draining %u requests in flight", in_flight(&d->srv));
	on_tick(-1, 0, d);
}

void drain_stop(struct daemon *d)
{
	if (d->drain_ev)
		event_free(d->drain_ev);
	d->drain_ev = NULL;
}
