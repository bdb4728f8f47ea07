/* sockmap/sm_bp_lent.c: backpressure for lent pairs, as sm_bp.c gives it
 * to given ones: every MiB a member redirects, its peer's backlog is
 * measured, and over the budget the member's TCP window is clamped to its
 * floor until the backlog is under half. bpfpind holds no fd of a lent
 * socket, so both halves go another way: the counts come from sock_diag
 * (an exact lookup by 4-tuple and cookie, sm_diag.c), and the clamp is set
 * by a tcp iterator (bpf/progs/sm_bp.bpf.c, run only to pause or resume).
 * The state of each lent pair member (its base for the backlog, the clamp
 * it had while paused) is in a hash map pinned in the sockmap store, so a
 * restarted daemon measures and resumes them as the last one would. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sockmap/sm_diag.h"
#include "sockmap/sm_int.h"
#include "sockmap/sm_bp.skel.h"

#define LENT_PIN "lent"

/* Value of sm_lent (bpf/progs/sm_bp.bpf.c). */
struct lent_state {
	int64_t base;               /* the peer's sent - our received, paired */
	int32_t set;                /* request: clamp to this (> 0) */
	int32_t was;                /* the clamp before the pause; 0: running */
	uint32_t seen;              /* walks that found the socket */
	int32_t err;                /* the iterator's setsockopt answer */
};

struct sm_lent {
	struct sm_bp *skel;
	struct bpf_link *link;      /* the iterator's */
	int map;                    /* skel's sm_lent (pinned) */
	uint64_t *paused;           /* cookies of the paused members */
	unsigned npaused, cap;
};

static void lent_free(struct sm_lent *l)
{
	bpf_link__destroy(l->link);
	sm_bp__destroy(l->skel);
	free(l->paused);
	free(l);
}

static bool paused_add(struct sm_lent *l, uint64_t cookie)
{
	if (l->npaused == l->cap) {
		unsigned cap = l->cap ? 2 * l->cap : 16;
		uint64_t *v = realloc(l->paused, cap * sizeof(*v));

		if (!v)
			return false;
		l->paused = v;
		l->cap = cap;
	}
	l->paused[l->npaused++] = cookie;
	return true;
}

static void paused_del(struct sm_lent *l, uint64_t cookie)
{
	for (unsigned i = 0; i < l->npaused; i++)
		if (l->paused[i] == cookie) {
			l->paused[i] = l->paused[--l->npaused];
			return;
		}
}

/* Take up the pinned state (create: or make it), load the iterator. */
static struct sm_lent *lent_open(struct sockmap_mgr *m, bool create)
{
	char path[PATH_MAX];
	struct sm_lent *l;
	int pinned;

	if (m->lent)
		return m->lent;
	snprintf(path, sizeof(path), "%s/" LENT_PIN, m->dir);
	pinned = bpf_obj_get(path);
	if ((pinned < 0 && !create) || !(l = calloc(1, sizeof(*l)))) {
		if (pinned >= 0)
			close(pinned);
		return NULL;
	}
	l->skel = sm_bp__open();
	if (!l->skel || (pinned >= 0 && bpf_map__reuse_fd(l->skel->maps.sm_lent, pinned)) ||
	    sm_bp__load(l->skel) ||
	    (pinned < 0 && bpf_obj_pin(bpf_map__fd(l->skel->maps.sm_lent), path)) ||
	    !(l->link = bpf_program__attach_iter(l->skel->progs.sm_bp_iter, NULL))) {
		if (pinned >= 0)
			close(pinned);
		lent_free(l);
		return NULL;
	}
	if (pinned >= 0)
		close(pinned);      /* reuse_fd took a dup */
	l->map = bpf_map__fd(l->skel->maps.sm_lent);
	m->lent = l;
	return l;
}

/* Run the iterator once over the host's TCP sockets: it applies every
 * request in the map. */
static int walk(struct sm_lent *l)
{
	char buf[64];
	ssize_t n;
	int fd = bpf_iter_create(bpf_link__fd(l->link));  /* closed here */

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

void sm_lent_pair(struct sockmap *s, int fd, uint64_t cookie, int peer_fd,
		  uint64_t peer_cookie)
{
	struct lent_state a = { 0 }, b = { 0 };
	struct sm_lent *l;

	if (!sm_fin_bases(fd, peer_fd, &a.base, &b.base) ||
	    !(l = lent_open(s->mgr, true))) {
		return;
	}
	bpf_map_update_elem(l->map, &cookie, &a, BPF_ANY);
	bpf_map_update_elem(l->map, &peer_cookie, &b, BPF_ANY);
}

void sm_lent_forget(struct sockmap_mgr *m, uint64_t cookie)
{
	struct sm_lent *l = lent_open(m, false);
	struct lent_state st;

	if (!l || bpf_map_lookup_elem(l->map, &cookie, &st) < 0)
		return;
	if (st.was)
		paused_del(l, cookie);
	bpf_map_delete_elem(l->map, &cookie);
}

/* The member's peer's backlog, as sm_fin_backlog gives it for a given
 * one: -ESRCH if the member itself is gone, -ENOENT if its peer is. */
static int64_t backlog(struct sockmap *s, const struct sockmap_rec *r,
		       const struct lent_state *st)
{
	struct sockmap_key pk = { .len = r->peer_key_len };
	struct sm_diag_bytes me, peer;
	struct sockmap_rec pr;

	if (sm_diag_tcp_bytes(r, &me) < 0)
		return -ESRCH;
	if (!pk.len || pk.len > sizeof(pk.b))
		return -ENOENT;
	memcpy(pk.b, r->peer_key, pk.len);
	if (sm_rec_get(s, &pk, &pr) < 0 || sm_diag_tcp_bytes(&pr, &peer) < 0)
		return -ENOENT;
	return me.received - me.unread - (peer.sent - st->base);
}

/* Ask the iterator to set cookie's clamp to v (> 0); 0 if it did. */
static int clamp(struct sm_lent *l, uint64_t cookie, struct lent_state *st, int v)
{
	uint32_t seen = st->seen;
	int e;

	st->set = v;
	if (bpf_map_update_elem(l->map, &cookie, st, BPF_EXIST) < 0)
		return -errno;
	if ((e = walk(l)) < 0)
		return e;
	if (bpf_map_lookup_elem(l->map, &cookie, st) < 0)
		return -errno;
	return st->seen == seen ? -ENOENT : st->err;
}

void sm_lent_tick(struct sockmap *s, uint64_t cookie)
{
	struct sm_lent *l = lent_open(s->mgr, false);
	uint64_t budget = s->mgr->lim.pair_budget;
	struct lent_state st;
	struct sockmap_rec r;
	struct sockmap_key k;

	bool paused;

	if (!l || !budget || bpf_map_lookup_elem(l->map, &cookie, &st) < 0 ||
	    sm_rec_find_cookie(s, cookie, &k, &r) < 0 ||
	    backlog(s, &r, &st) <= (int64_t)budget)
		return;
	/* paused already, and still redirecting: the kernel's receive
	 * buffer tuning raised the clamp (sm_bp.c); set it again */
	paused = st.was != 0;
	if (clamp(l, cookie, &st, 1) == 0 && st.was && (paused || paused_add(l, cookie)))
		return;
	/* not clamped after all (or not listed): not paused */
	if (st.was) {
		st.was = 0;
		bpf_map_update_elem(l->map, &cookie, &st, BPF_EXIST);
	}
}

/* A paused member's record, in whichever map holds it. */
static struct sockmap *owner(struct sockmap_mgr *m, uint64_t cookie,
			     struct sockmap_rec *r)
{
	struct sockmap_key k;
	struct sockmap *s;

	LIST_FOREACH(s, &m->maps, entry)
		if (sm_rec_find_cookie(s, cookie, &k, r) == 0)
			return s;
	return NULL;
}

/* Resume a paused member whose peer's backlog is under half the budget
 * (or whose peer is gone: nothing to wait for); forget one that left. */
static void step_one(struct sockmap_mgr *m, struct sm_lent *l, uint64_t cookie)
{
	int64_t low = (int64_t)(m->lim.pair_budget / 2), b = 0;
	struct lent_state st;
	struct sockmap_rec r;
	struct sockmap *s = owner(m, cookie, &r);

	if (bpf_map_lookup_elem(l->map, &cookie, &st) < 0 || !st.was) {
		paused_del(l, cookie);
		return;
	}
	if (s && m->lim.pair_budget)
		b = backlog(s, &r, &st);
	if (b >= low)
		return;
	if (!s || b == -ESRCH || clamp(l, cookie, &st, st.was) == -ENOENT) {
		sm_lent_forget(m, cookie);      /* the socket is gone */
		return;
	}
	st.was = 0;
	st.set = 0;
	bpf_map_update_elem(l->map, &cookie, &st, BPF_EXIST);
	paused_del(l, cookie);
}

bool sm_lent_step(struct sockmap_mgr *m)
{
	struct sm_lent *l = m->lent;

	/* from the end: step_one may take the one it looks at out */
	for (unsigned i = l ? l->npaused : 0; i-- > 0;)
		if (i < l->npaused)
			step_one(m, l, l->paused[i]);
	return l && l->npaused > 0;
}

/* After a restart: the paused members the last run left. */
void sm_lent_resume(struct sockmap_mgr *m)
{
	struct sm_lent *l = lent_open(m, false);
	uint64_t key, next;
	struct lent_state st;
	void *prev = NULL;

	while (l && bpf_map_get_next_key(l->map, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(l->map, &key, &st) == 0 && st.was)
			paused_add(l, key);
	}
}

void sm_lent_close(struct sockmap_mgr *m)
{
	if (m->lent)
		lent_free(m->lent);
	m->lent = NULL;
}
