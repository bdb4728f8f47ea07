/* sockmap/sm_bp.c: backpressure for given pairs. Redirect to egress has
 * no backpressure of its own: a member receives (and TCP acknowledges) as
 * fast as its sender writes, and the skbs wait on the peer's backlog, in
 * kernel memory, for a reader that may never read (measured: 1 GiB in
 * 0.4 s). A verdict cannot hold data back, only pass, drop or redirect
 * what TCP has already acknowledged. So the manager does: every MiB a
 * member redirects, pair tells it (sm_common.bpf.h, sm_budget_tick); when
 * the peer's backlog is then over the budget, the member's TCP window is
 * clamped to its floor (about 2 KiB: a window the verdict keeps emptying
 * cannot close further), so its sender trickles instead of filling the
 * backlog; under half the budget the clamp is lifted. A tick while paused
 * sets the clamp again: the kernel raises it when it grows the receive
 * buffer (measured: a young connection's pause did not hold). Taking the member
 * out of the map instead would stop the sender for good, but a delete
 * while bytes flow loses the skb being read (measured, even after a
 * quiet millisecond: an echo lost bytes at the first pause). Given pairs
 * here; a lent one has no fd here to clamp: sm_bp_lent.c does those. */
#include "config.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "sockmap/sm_int.h"

static int clamp(struct sm_given *g, int v)
{
	return setsockopt(g->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v, sizeof(v));
}

void sm_bp_tick(struct sockmap *s, uint64_t cookie)
{
	struct sm_given *g = sm_given_find(s, cookie);
	uint64_t budget = s->mgr->lim.pair_budget;
	socklen_t len = sizeof(int);

	if (!g) {
		sm_lent_tick(s, cookie);
		return;
	}
	if (!g->peer || g->rd_closed || !budget || sm_fin_backlog(g) <= (int64_t)budget)
		return;
	/* Paused and still redirecting: the kernel's receive buffer tuning
	 * (tcp_rcv_space_adjust, on the verdict's reads too) raised the
	 * clamp with the buffer while the connection was young. Again. */
	if (g->paused) {
		clamp(g, 1);
		return;
	}
	if (getsockopt(g->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &g->clamp, &len) < 0 ||
	    clamp(g, 1) < 0)
		return;
	g->paused = true;
	s->mgr->paused++;
}

static void resume(struct sm_given *g)
{
	char c;

	clamp(g, g->clamp);
	g->paused = false;
	g->s->mgr->paused--;
	recv(g->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
}

bool sm_bp_step(struct sockmap_mgr *m)
{
	int64_t low = (int64_t)(m->lim.pair_budget / 2);
	struct sockmap *s;
	struct sm_given *g;
	bool lent = sm_lent_step(m);

	if (!m->paused)
		return lent;
	LIST_FOREACH(s, &m->maps, entry)
		LIST_FOREACH(g, &s->given, entry)
			if (g->paused && (!g->peer || sm_fin_backlog(g) < low))
				resume(g);
	return m->paused > 0 || lent;
}
