/* sockmap/sm_fin.c: passing a FIN across a pair. The kernel does not
 * forward a FIN over a redirect, and a FIN passed on at once can overtake
 * bytes still on their way (redirected skbs wait on the peer's backlog
 * before they reach its send queue): measured, a shutdown at the first
 * EOF lost about 14 MiB of 32. So the closed side's FIN is passed on only
 * once the peer has taken into its send queue every byte the closed side
 * received (its acked bytes plus what is queued, less what it had before
 * the pair, reach what the closed side received); TCP then sends the FIN
 * after them. When both sides are closed, both sockets are let go. */
#include "config.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockmap/sm_int.h"
#include "sockmap/sm_sock.h"

#define FIN_WAIT_MAX_NS (10LL * 1000000000)   /* a peer that never drains */

static bool tcp_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0;
}

/* Bytes fd has taken to send: acked, and queued still. -1 if not TCP. */
static int64_t sent_total(int fd)
{
	struct tcp_info ti;
	int outq = 0;

	if (!tcp_info(fd, &ti) || ioctl(fd, SIOCOUTQ, &outq) < 0)
		return -1;
	return (int64_t)ti.tcpi_bytes_acked + outq;
}

static int64_t received(int fd)
{
	struct tcp_info ti;

	return tcp_info(fd, &ti) ? (int64_t)ti.tcpi_bytes_received : -1;
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

bool sm_fin_bases(int fd, int peer, int64_t *base, int64_t *peer_base)
{
	int64_t s1 = sent_total(fd), s2 = sent_total(peer);
	int64_t r1 = received(fd), r2 = received(peer);

	if (s1 < 0 || s2 < 0 || r1 < 0 || r2 < 0)
		return false;
	*base = s2 - r1;
	*peer_base = s1 - r2;
	return true;
}

void sm_given_pair(struct sm_given *a, struct sm_given *b)
{
	a->peer = b;
	b->peer = a;
	if (!sm_fin_bases(a->fd, b->fd, &a->fin_base, &b->fin_base))
		a->fin_base = b->fin_base = 0;      /* AF_UNIX: no counts */
}

static void forget_given(struct sm_given *g)
{
	struct sockmap_key k;
	struct sockmap_rec r;

	if (sm_rec_find_cookie(g->s, g->cookie, &k, &r) == 0)
		sm_member_forget(g->s, &k, &r);
	else
		sm_given_close(g);
}

/* The peer of g closed its side (or the connection broke). */
void sm_given_event(struct sm_given *g, uint32_t events)
{
	int err = 0;
	socklen_t len = sizeof(err);

	/* An error alone is no close: measured, the peer of a pair whose
	 * other side got a FIN reports EPIPE (the redirect of that FIN's skb)
	 * while its own connection is fine. Reading it clears it. */
	if ((events & EPOLLERR) && !(events & (EPOLLRDHUP | EPOLLHUP)))
		getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (!(events & (EPOLLRDHUP | EPOLLHUP)) || g->rd_closed)
		return;
	g->rd_closed = true;
	epoll_ctl(g->s->mgr->epfd, EPOLL_CTL_DEL, g->fd, NULL);
	g->fin_wait = true;         /* sm_fin_step decides, paired or not */
	g->fin_base_ns = now_ns();
	g->s->mgr->fin_pending++;
}

int64_t sm_fin_backlog(const struct sm_given *g)
{
	int64_t got = received(g->fd), sent = sent_total(g->peer->fd);
	int inq = 0;

	if (got < 0 || sent < 0 || ioctl(g->fd, SIOCINQ, &inq) < 0)
		return -1;
	/* a FIN takes a sequence number, which tcpi_bytes_received counts */
	if (g->rd_closed && got > 0)
		got--;
	return got - inq - (sent - g->fin_base);
}

/* Not TCP (AF_UNIX): no byte counts to compare. The peer's backlog is
 * taken as empty once, for UNIX_QUIET_STEPS steps in a row (5 ms apart),
 * the peer has nothing unread (SIOCOUTQ) and the closed side redirected
 * nothing new: with room in the peer, the kernel's backlog worker would
 * have moved anything still queued, unless it was kept from running
 * that long. Measured: passing the FIN at once lost a sixth of 128 KiB;
 * two quiet steps still lost the tail under load. */
#define UNIX_QUIET_STEPS 10

static bool unix_drained(struct sm_given *g)
{
	struct sockmap_counters c = { 0 };
	int outq = -1;

	sockmap_aux_counters(&g->s->aux, g->cookie, &c);
	if (ioctl(g->peer->fd, SIOCOUTQ, &outq) < 0 || outq != 0 ||
	    c.rx_bytes != g->quiet_rx) {
		g->quiet = 0;
		g->quiet_rx = c.rx_bytes;
		return false;
	}
	return ++g->quiet >= UNIX_QUIET_STEPS;
}

static bool drained(struct sm_given *g)
{
	int64_t backlog = sm_fin_backlog(g);

	if (now_ns() - g->fin_base_ns > FIN_WAIT_MAX_NS)
		return true;
	return backlog < 0 ? unix_drained(g) : backlog <= 0;
}

/* One given socket's step; true if it was let go (with its peer). */
static bool step(struct sm_given *g)
{
	struct sockmap_mgr *m = g->s->mgr;

	/* a paused member's bytes wait in its own queue: not drained yet */
	if (g->fin_wait && (!g->peer || (!g->paused && drained(g)))) {
		g->fin_wait = false;
		m->fin_pending--;
		if (g->peer) {
			/* AF_UNIX: the last skbs may wait unseen by the verdict
			 * (one skb a wake-up, and a close wakes nobody); the peer
			 * has sent all before them, so they go after, by hand */
			if (sm_fin_backlog(g) < 0)
				sm_sock_move(g->fd, g->peer->fd);
			shutdown(g->peer->fd, SHUT_WR);
			g->peer->wr_closed = true;
		}
	}
	if (g->fin_wait || !g->rd_closed)
		return false;
	if (g->peer && (!g->peer->rd_closed || g->peer->fin_wait))
		return false;
	if (g->peer)
		forget_given(g->peer);
	forget_given(g);
	return true;
}

bool sm_fin_step(struct sockmap_mgr *m)
{
	struct sockmap *s;
	struct sm_given *g;

	if (!m->fin_pending)
		return false;
	LIST_FOREACH(s, &m->maps, entry) {
again:
		LIST_FOREACH(g, &s->given, entry)
			if (g->rd_closed && step(g))
				goto again;     /* the list changed */
	}
	return m->fin_pending > 0;
}
