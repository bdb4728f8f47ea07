/* daemon/sockmaps.c: the sockmap manager in the daemon: opened beside the
 * namespace in the store's bpffs (STATE/store/sockmap), told when a pin's
 * last name goes so it lets go of a sockmap nobody pins, rid at start of
 * what a crash left of such ones, and its events served on the loop. */
#include "config.h"

#include <stdio.h>

#include <event2/event.h>

#include "daemon/log.h"
#include "daemon/server.h"
#include "daemon/sockmaps.h"
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
	if ((r = sockmap_mgr_open(&srv->sm, dir, holder, lim, why, sizeof(why))) < 0)
		return log_warn(r, "%s", why);
	sockmap_mgr_gc(srv->sm, pinned, srv->ns);
	ns_set_unpin_hook(srv->ns, on_unpin, srv);
	srv->sm_ev = event_new(srv->base, sockmap_mgr_fd(srv->sm), EV_READ | EV_PERSIST,
			       on_event, srv);
	srv->sm_timer = evtimer_new(srv->base, on_event, srv);
	if (!srv->sm_ev || !srv->sm_timer || event_add(srv->sm_ev, NULL) < 0)
		return log_warn(-ENOMEM, "sockmap events");
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
