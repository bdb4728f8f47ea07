/* sockmap/sm_bp.c: backpressure for given pairs. Redirect to egress has
 * no backpressure of its own: a member receives (and TCP acknowledges) as
 * fast as its sender writes, and the skbs wait on the peer's backlog, in
 * kernel memory, for a reader that may never read (measured: 1 GiB in
 * 0.4 s). A verdict cannot hold data back, only pass, drop or redirect
 * what TCP has already acknowledged. So the manager does: every MiB a
 * member redirects, pair tells it (sm_common.bpf.h, sm_budget_tick); when
 * the peer's backlog is then over the budget, the member's TCP window is
 * clamped shut, and once no byte has come for a step (the window it had
 * offered is used up) the member is taken out of the map and the clamp
 * lifted: its bytes then wait in its own receive queue, where TCP's own
 * window stops its sender. Once the backlog is under half the budget, the
 * member goes back in at its key and is kicked: the verdict reads what
 * queued meanwhile, in order, and TCP's reading sends the window update
 * that starts the sender again. Neither step alone works (measured): a
 * delete while bytes flow loses the skb being read, and a clamp lifted
 * sends no window update, so the sender waited for its persist timer
 * (200 ms and more; 0.33 Gbit/s streams). Given pairs only: a lent socket
 * has no fd here to put back. */
#include "config.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "sockmap/sm_int.h"

static uint64_t rx(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ?
	       ti.tcpi_bytes_received : 0;
}

static int clamp(struct sm_given *g, int v)
{
	return setsockopt(g->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v, sizeof(v));
}

void sm_bp_tick(struct sockmap *s, uint64_t cookie)
{
	struct sm_given *g = sm_given_find(s, cookie);
	uint64_t budget = s->mgr->lim.pair_budget;
	socklen_t len = sizeof(int);

	if (!g || !g->peer || g->paused || g->rd_closed || !budget ||
	    sm_fin_backlog(g) <= (int64_t)budget)
		return;
	if (getsockopt(g->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &g->clamp, &len) < 0 ||
	    clamp(g, 1) < 0)
		return;
	g->paused = true;
	g->bp_out = false;
	g->bp_rx = rx(g->fd);
	s->mgr->paused++;
}

/* Clamped and quiet: out of the map, clamp lifted. */
static void take_out(struct sm_given *g)
{
	uint64_t now = rx(g->fd);

	if (now != g->bp_rx) {
		g->bp_rx = now;
		return;
	}
	if (bpf_map_delete_elem(g->s->map_fd, g->key.b) < 0)
		return;
	clamp(g, g->clamp);
	g->bp_out = true;
}

static void resume(struct sm_given *g)
{
	uint64_t v = (uint64_t)g->fd;
	char c;

	if (!g->bp_out)
		clamp(g, g->clamp);
	else if (bpf_map_update_elem(g->s->map_fd, g->key.b, &v, BPF_NOEXIST) < 0)
		return;     /* its key was taken meanwhile: it stays out */
	g->paused = false;
	g->s->mgr->paused--;
	recv(g->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
}

bool sm_bp_step(struct sockmap_mgr *m)
{
	int64_t low = (int64_t)(m->lim.pair_budget / 2);
	struct sockmap *s;
	struct sm_given *g;

	if (!m->paused)
		return false;
	LIST_FOREACH(s, &m->maps, entry)
		LIST_FOREACH(g, &s->given, entry) {
			if (!g->paused)
				continue;
			if (!g->peer || sm_fin_backlog(g) < low)
				resume(g);
			else if (!g->bp_out)
				take_out(g);
		}
	return m->paused > 0;
}
