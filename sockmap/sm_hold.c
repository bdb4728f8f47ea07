/* sockmap/sm_hold.c: given sockets kept by the holder (sockmap/holder.h)
 * or by a keeper (the service manager's fd store, struct sm_keeper) as
 * well as by the daemon, and taken back at start: each one the holder
 * kept is given again to the sockmap whose record names its cookie (and
 * still holds it), pairs are linked again by their records' peer keys,
 * and one nobody records any more is let go. */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "sockmap/holder.h"
#include "sockmap/sm_int.h"

void sm_hold(struct sm_given *g)
{
	struct sockmap_mgr *m = g->s->mgr;

	if (m->keeper.hold) {
		m->keeper.hold(m->keeper.arg, g->cookie, g->fin_base, g->fd);
		return;
	}
	if (m->holder < 0 && m->holder_path[0])
		m->holder = holder_connect(m->holder_path, true);
	if (m->holder >= 0 && holder_hold(m->holder, g->cookie, g->fin_base, g->fd) < 0) {
		close(m->holder);   /* it went away: the next give starts one */
		m->holder = -1;
	}
}

void sm_unhold(struct sm_given *g)
{
	struct sockmap_mgr *m = g->s->mgr;

	if (m->keeper.drop)
		m->keeper.drop(m->keeper.arg, g->cookie, g->fin_base);
	else if (m->holder >= 0)
		holder_drop(m->holder, g->cookie);
}

/* A member a daemon that died had taken out of the map for a moment
 * (sm_bp.c) goes back in at its key, if that is still free. */
static bool put_back(struct sockmap *s, const struct sockmap_key *k, int fd)
{
	uint64_t v = (uint64_t)fd;
	char c;

	if (bpf_map_update_elem(s->map_fd, k->b, &v, BPF_NOEXIST) < 0)
		return false;
	recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
	return true;
}

/* The map and key whose record has cookie, the socket there (or put
 * back there). */
static struct sockmap *owner(struct sockmap_mgr *m, uint64_t cookie, int fd,
			     struct sockmap_key *k, struct sockmap_rec *r)
{
	struct sockmap *s;

	LIST_FOREACH(s, &m->maps, entry) {
		k->len = s->key_size;
		if (sm_rec_find_cookie(s, cookie, k, r) == 0 &&
		    (sm_member_live(s, k, r) || put_back(s, k, fd)))
			return s;
	}
	return NULL;
}

/* A daemon that died while it held a pair member back (sm_bp.c) left its
 * window clamped to a byte: open it, or its sender would stay stopped. */
static void unclamp(int fd)
{
	int clamp = 0, open = 1 << 30;
	socklen_t len = sizeof(clamp);
	char c;

	if (getsockopt(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp, &len) == 0 &&
	    clamp < 65536) {
		setsockopt(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &open, sizeof(open));
		recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
	}
}

static void take_back(uint64_t cookie, int64_t fin_base, int fd, void *arg)
{
	struct sockmap_mgr *m = arg;
	struct sockmap_key k;
	struct sockmap_rec r;
	struct sockmap *s = owner(m, cookie, fd, &k, &r);
	struct sm_given *g;

	if (!s || sm_given_find(s, cookie) ||
	    sm_given_add(s, fd, cookie, r.uid, &k, &g) < 0) {
		if (m->keeper.drop)
			m->keeper.drop(m->keeper.arg, cookie, fin_base);
		else
			holder_drop(m->holder, cookie);
		close(fd);
		return;
	}
	g->fin_base = fin_base;
	unclamp(fd);
}

static struct sm_given *at_key(struct sockmap *s, const uint8_t *key, uint32_t len)
{
	struct sm_given *g;

	LIST_FOREACH(g, &s->given, entry)
		if (g->key.len == len && !memcmp(g->key.b, key, len))
			return g;
	return NULL;
}

static void relink(struct sockmap *s)
{
	struct sockmap_rec r;
	struct sm_given *g, *p;

	LIST_FOREACH(g, &s->given, entry)
		if (!g->peer && sm_rec_get(s, &g->key, &r) == 0 && r.peer_key_len &&
		    (p = at_key(s, r.peer_key, r.peer_key_len)) && !p->peer) {
			g->peer = p;
			p->peer = g;
		}
}

void sm_hold_resume(struct sockmap_mgr *m)
{
	struct sockmap *s;

	if (m->keeper.list)
		m->keeper.list(m->keeper.arg, take_back, m);
	else if (m->holder < 0 || holder_list(m->holder, take_back, m) < 0)
		return;
	LIST_FOREACH(s, &m->maps, entry)
		relink(s);
}
