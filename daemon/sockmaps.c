/* daemon/sockmaps.c: the sockmap manager in the daemon: opened beside the
 * namespace in the store's bpffs (STATE/store/sockmap), told when a pin's
 * last name goes so it lets go of a sockmap nobody pins, rid at start of
 * what a crash left of such ones, and its events served on the loop.
 * Under a service manager, given sockets are kept in its fd store (named
 * sock-COOKIE-FINBASE) rather than by the holder: a service's stop or
 * restart kills every process of its cgroup, the holder too. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/log.h"
#include "daemon/server.h"
#include "daemon/sockmaps.h"
#include "daemon/svc.h"
#include "sockmap/sm.h"

static bool pinned(uint32_t id, void *arg)
{
	return ns_obj_pinned(arg, OBJ_MAP, id);
}

static void on_unpin(const struct obj_ident *obj, void *arg)
{
	struct server *srv = arg;

	if (obj->kind == OBJ_MAP && sockmap_find(srv->sm, obj->id) &&
	    !ns_obj_pinned(srv->ns, OBJ_MAP, obj->id))
		sockmap_mgr_forget(srv->sm, obj->id);
}

#define KEEP_PREFIX "sock-"

static void keep_name(char *buf, size_t size, uint64_t cookie, int64_t fin_base)
{
	snprintf(buf, size, KEEP_PREFIX "%016" PRIx64 "-%" PRId64, cookie, fin_base);
}

static int keep_hold(void *arg, uint64_t cookie, int64_t fin_base, int fd)
{
	static const char tag[] = "FDSTORE=1\nFDNAME=";
	char state[96];
	int r;

	memcpy(state, tag, sizeof(tag) - 1);
	keep_name(state + sizeof(tag) - 1, sizeof(state) - sizeof(tag) + 1, cookie, fin_base);
	if ((r = svc_notify_fds(state, &fd, 1)) < 0)
		log_warn(r, "keeping given socket %s in the fd store", state + sizeof(tag) - 1);
	return r;
}

static void keep_drop(void *arg, uint64_t cookie, int64_t fin_base)
{
	static const char tag[] = "FDSTOREREMOVE=1\nFDNAME=";
	char state[96];

	memcpy(state, tag, sizeof(tag) - 1);
	keep_name(state + sizeof(tag) - 1, sizeof(state) - sizeof(tag) + 1, cookie, fin_base);
	svc_notify(state);
}

struct keep_walk {
	void (*fn)(uint64_t cookie, int64_t fin_base, int fd, void *fnarg);
	void *fnarg;
};

/* One fd of the store back at start: its name gives cookie and fin_base;
 * one named otherwise is closed and taken out of the store. */
static int keep_one(void *arg, const char *name, int fd)
{
	struct keep_walk *w = arg;
	const char *p = name + strlen(KEEP_PREFIX);
	char *end;
	uint64_t cookie;
	int64_t fin_base;

	errno = 0;
	cookie = strtoull(p, &end, 16);
	if (end == p + 16 && *end == '-') {
		p = end + 1;
		fin_base = strtoll(p, &end, 10);
		if (!errno && end != p && !*end) {
			w->fn(cookie, fin_base, fd, w->fnarg);
			return 0;
		}
	}
	log_warnx("fd store: %s is no given socket's name: let go", name);
	close(fd);
	svc_notifyf("FDSTOREREMOVE=1\nFDNAME=%s", name);
	return 0;
}

static void keep_list(void *arg,
		      void (*fn)(uint64_t cookie, int64_t fin_base, int fd, void *fnarg),
		      void *fnarg)
{
	struct keep_walk w = { fn, fnarg };

	svc_take_prefix(KEEP_PREFIX, keep_one, &w);
}

static const struct sm_keeper fd_store_keeper = {
	.hold = keep_hold, .drop = keep_drop, .list = keep_list,
};

static void on_event(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	int ms = sockmap_mgr_poll(srv->sm);

	(void)fd;
	(void)what;
	if (ms >= 0) {
		struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

		event_add(srv->sm_timer, &tv);
	}
}

int sockmaps_start(struct server *srv, const char *state_dir,
		   const struct sockmap_limits *lim)
{
	char dir[4096], holder[4096], why[512];
	int r;

	snprintf(dir, sizeof(dir), "%s/store/sockmap", state_dir);
	snprintf(holder, sizeof(holder), "%s/holder.sock", state_dir);
	if (svc_managed())
		log_info("given sockets are kept in the service manager's fd store");
	if ((r = sockmap_mgr_open(&srv->sm, dir, holder,
				  svc_managed() ? &fd_store_keeper : NULL,
				  lim, why, sizeof(why))) < 0)
		return log_warn(r, "%s", why);
	sockmap_mgr_gc(srv->sm, pinned, srv->ns);
	ns_set_unpin_hook(srv->ns, on_unpin, srv);
	srv->sm_ev = event_new(srv->base, sockmap_mgr_fd(srv->sm), EV_READ | EV_PERSIST,
			       on_event, srv);
	srv->sm_timer = evtimer_new(srv->base, on_event, srv);
	if (!srv->sm_ev || !srv->sm_timer || event_add(srv->sm_ev, NULL) < 0)
		return log_warn(-ENOMEM, "sockmap events");
	/* one poll at once: what an earlier run left paused is stepped */
	event_active(srv->sm_timer, EV_TIMEOUT, 0);
	return 0;
}

void sockmaps_stop(struct server *srv)
{
	if (srv->sm_ev)
		event_free(srv->sm_ev);
	if (srv->sm_timer)
		event_free(srv->sm_timer);
	if (srv->ns)
		ns_set_unpin_hook(srv->ns, NULL, NULL);
	sockmap_mgr_close(srv->sm);
	srv->sm = NULL;
}
