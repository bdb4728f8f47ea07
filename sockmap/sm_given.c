/* sockmap/sm_given.c: sockets given to the daemon (it holds their fds
 * until they are removed or killed or their peer closes), the budgets
 * they are held to, and the manager's event loop step. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sockmap/holder.h"
#include "sockmap/sm_int.h"

int sm_given_room(struct sockmap *s, uid_t uid, unsigned n, char *why, size_t whylen)
{
	struct sockmap_mgr *m = s->mgr;
	struct sm_uid *u = sm_uid_get(m, uid, false);
	unsigned held = u ? u->given : 0;

	if (m->lim.given && m->ngiven + n > m->lim.given)
		return sm_err(why, whylen, -EUSERS, "bpfpind holds %u given sockets, "
			      "its limit is %u (--max-given-sockets)", m->ngiven, m->lim.given);
	if (uid != 0 && m->lim.given_per_uid && held + n > m->lim.given_per_uid)
		return sm_err(why, whylen, -EDQUOT, "uid %u has given %u sockets, its "
			      "limit is %u (--max-given-sockets-per-uid)", (unsigned)uid, held,
			      m->lim.given_per_uid);
	return 0;
}

int sm_given_add(struct sockmap *s, int fd, uint64_t cookie, uid_t uid,
		 const struct sockmap_key *key, struct sm_given **out)
{
	struct sm_given *g = calloc(1, sizeof(*g));
	struct epoll_event ev = { .events = EPOLLRDHUP };
	struct sm_uid *u = sm_uid_get(s->mgr, uid, true);

	if (!g || !u) {
		free(g);
		sm_uid_put(s->mgr, u);
		return -ENOMEM;
	}
	g->w.kind = SM_WATCH_GIVEN;
	g->fd = fd;
	g->cookie = cookie;
	g->uid = uid;
	g->key = *key;
	g->s = s;
	ev.data.ptr = g;
	epoll_ctl(s->mgr->epfd, EPOLL_CTL_ADD, fd, &ev);
	LIST_INSERT_HEAD(&s->given, g, entry);
	s->ngiven++;
	s->mgr->ngiven++;
	u->given++;
	*out = g;
	return 0;
}

struct sm_given *sm_given_find(struct sockmap *s, uint64_t cookie)
{
	struct sm_given *g;

	LIST_FOREACH(g, &s->given, entry)
		if (g->cookie == cookie)
			return g;
	return NULL;
}

/* Closing the daemon's fd of a given socket: its last reference, so the
 * kernel takes it out of the sockmap and ends its connection. */
void sm_given_close(struct sm_given *g)
{
	struct sockmap_mgr *m = g->s->mgr;
	struct sm_uid *u = sm_uid_get(m, g->uid, false);

	if (g->peer)
		g->peer->peer = NULL;
	if (g->fin_wait)
		m->fin_pending--;
	if (g->paused)
		m->paused--;
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, g->fd, NULL);
	sm_unhold(g);
	close(g->fd);
	LIST_REMOVE(g, entry);
	g->s->ngiven--;
	m->ngiven--;
	if (u) {
		u->given--;
		sm_uid_put(m, u);
	}
	free(g);
}

void sm_given_close_all(struct sockmap *s)
{
	struct sm_given *g;

	while ((g = LIST_FIRST(&s->given)))
		sm_given_close(g);
}

/* What the programs asked: sockets to disconnect (killed by cookie),
 * pair members that redirected another MiB (their peer's backlog is
 * checked). */
static void take_events(struct sockmap *s)
{
	struct sockmap_sel sel = { .key.len = 0 };
	struct sockmap_event ev[64];
	char why[256];
	int n;

	while ((n = sockmap_aux_take_events(&s->aux, ev, 64)) > 0)
		for (int i = 0; i < n; i++) {
			if (ev[i].kind == SOCKMAP_EV_BUDGET) {
				sm_bp_tick(s, ev[i].cookie);
				continue;
			}
			sel.cookie = ev[i].cookie;
			sockmap_member_kill(s, &sel, why, sizeof(why));
		}
}

int sockmap_mgr_poll(struct sockmap_mgr *m)
{
	struct epoll_event ev[32];
	int n;

	while ((n = epoll_wait(m->epfd, ev, 32, 0)) > 0)
		for (int i = 0; i < n; i++) {
			struct sm_watch *w = ev[i].data.ptr;

			if (w->kind == SM_WATCH_GIVEN)
				sm_given_event((struct sm_given *)w, ev[i].events);
			else
				take_events((struct sockmap *)w);
		}
	if (sm_bp_step(m))
		return 1;
	return sm_fin_step(m) ? 5 : -1;
}
