/* sockmap/sm_bp.c: backpressure for given pairs. Redirect to egress has
 * no backpressure of its own: a member receives (and TCP acknowledges) as
 * fast as its sender writes, and the skbs wait on the peer's backlog, in
 * kernel memory, for a reader that may never read (measured: 1 GiB in
 * 0.4 s). A verdict cannot hold data back, only pass, drop or redirect
 * what TCP has already acknowledged. So the manager does: every MiB a
 * member redirects, pair tells it (sm_common.bpf.h, sm_budget_tick); when
 * the peer's backlog is then over the budget, the member is taken out of
 * the map. Its bytes then wait in its own receive queue, where TCP's
 * window stops its sender. Once the backlog is under half the budget,
 * the member goes back in at its key and is kicked, so what queued meanwhile
 * is run through the verdict first, in order. Given pairs only: a lent
 * socket has no fd here to put back. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "sockmap/sm_int.h"

static struct sm_given *given_of(struct sockmap *s, uint64_t cookie)
{
	struct sm_given *g = sm_given_find(s, cookie);

	return g && g->peer && !g->paused && !g->rd_closed ? g : NULL;
}

void sm_bp_tick(struct sockmap *s, uint64_t cookie)
{
	struct sm_given *g = given_of(s, cookie);
	uint64_t budget = s->mgr->lim.pair_budget;

	socklen_t len = sizeof(g ? g->clamp : 0);
	int tiny = 1;

	if (!g || !budget || sm_fin_backlog(g) <= (int64_t)budget)
		return;
	if (getsockopt(g->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &g->clamp, &len) < 0 ||
	    setsockopt(g->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &tiny, sizeof(tiny)) < 0)
		return;
	g->paused = true;
	s->mgr->paused++;
}

static void resume(struct sm_given *g)
{
	char c;

	setsockopt(g->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &g->clamp, sizeof(g->clamp));
	g->paused = false;
	g->s->mgr->paused--;
	recv(g->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
}

bool sm_bp_step(struct sockmap_mgr *m)
{
	struct sockmap *s;
	struct sm_given *g;

	if (!m->paused)
		return false;
	LIST_FOREACH(s, &m->maps, entry)
		LIST_FOREACH(g, &s->given, entry)
			if (g->paused && (!g->peer ||
					  sm_fin_backlog(g) < (int64_t)(m->lim.pair_budget / 2)))
				resume(g);
	return m->paused > 0;
}
