/* sockmap/sm_bp_lent.c: backpressure for lent pairs, as sm_bp.c gives it
 * to given ones: every MiB a member redirects, its peer's backlog is
 * measured, and over the budget the member's TCP window is clamped to its
 * floor until the backlog is under half. bpfpind holds no fd of a lent
 * socket, so both halves go another way: the counts come from sock_diag
 * (an exact lookup by 4-tuple and cookie, sm_diag.c), and the clamp is set
 * by a tcp iterator (bpf/progs/sm_bp.bpf.c, run only to pause or resume,
 * the requests of a step in one walk, all of this work within a tenth of
 * the daemon's loop). The state of each lent pair member (its base for the backlog, the clamp
 * it had while paused) is in a hash map pinned in the sockmap store, so a
 * restarted daemon measures and resumes them as the last one would. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* A set of cookies, small and unordered. */
struct cvec {
	uint64_t *v;
	unsigned n, cap;
};

struct sm_lent {
	struct sm_bp *skel;
	struct bpf_link *link;      /* the iterator's */
	int map;                    /* skel's sm_lent (pinned) */
	struct cvec paused;         /* members whose clamp is at the floor */
	struct cvec pause, resume;  /* requests in the map for the next walk */
	int64_t credit_ns, credit_at;   /* work time left, and when counted */
	int64_t checked_at;         /* the paused members' last check */
};

/* A walk visits every TCP socket of the host (ms with thousands) in the
 * daemon's loop, and each check of a member costs two sock_diag requests.
 * So this work may take a tenth of the loop's time, whatever clients make
 * happen: a credit of work time, earned at 100 ms a second up to 100 ms
 * and spent by each tick's check and each step; with none left, ticks are
 * skipped and steps wait (the 1 ms polls of sm_bp_step retry). */
#define LENT_SHARE 10
#define LENT_CREDIT_MAX_NS (100 * 1000000LL)
/* Paused members are checked this often (a resume may wait that long; a
 * pause, which keeps the bound, is walked at the step that asks it). */
#define LENT_CHECK_GAP_NS (2 * 1000000LL)

static bool cvec_has(const struct cvec *c, uint64_t x)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->v[i] == x)
			return true;
	return false;
}

static bool cvec_add(struct cvec *c, uint64_t x)
{
	if (cvec_has(c, x))
		return true;
	if (c->n == c->cap) {
		unsigned cap = c->cap ? 2 * c->cap : 16;
		uint64_t *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return false;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = x;
	return true;
}

static void cvec_del(struct cvec *c, uint64_t x)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->v[i] == x) {
			c->v[i] = c->v[--c->n];
			return;
		}
}

static void lent_free(struct sm_lent *l)
{
	bpf_link__destroy(l->link);
	sm_bp__destroy(l->skel);
	free(l->paused.v);
	free(l->pause.v);
	free(l->resume.v);
	free(l);
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Earn credit for the time since the last count; true if some is left. */
static bool credit(struct sm_lent *l, int64_t now)
{
	l->credit_ns += (now - l->credit_at) / LENT_SHARE;
	if (l->credit_ns > LENT_CREDIT_MAX_NS)
		l->credit_ns = LENT_CREDIT_MAX_NS;
	l->credit_at = now;
	return l->credit_ns > 0;
}

static void spend(struct sm_lent *l, int64_t since)
{
	l->credit_ns -= now_ns() - since;
}

/* Take up the pinned state (create: or make it), load the iterator. Only
 * at the start (sm_lent_resume) and at the first lent pair: m->lent then
 * says whether there is any. */
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
	l->credit_at = now_ns();
	l->credit_ns = LENT_CREDIT_MAX_NS;
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
	    !(l = lent_open(s->mgr, true)))
		return;
	bpf_map_update_elem(l->map, &cookie, &a, BPF_ANY);
	bpf_map_update_elem(l->map, &peer_cookie, &b, BPF_ANY);
}

void sm_lent_forget(struct sockmap_mgr *m, uint64_t cookie)
{
	struct sm_lent *l = m->lent;
	struct lent_state st;

	if (!l || bpf_map_lookup_elem(l->map, &cookie, &st) < 0)
		return;
	cvec_del(&l->paused, cookie);
	cvec_del(&l->pause, cookie);
	cvec_del(&l->resume, cookie);
	bpf_map_delete_elem(l->map, &cookie);
}

static int forget_one(struct sockmap *s, const struct sockmap_key *k,
		      const struct sockmap_rec *r, void *arg)
{
	(void)k;
	(void)arg;
	sm_lent_forget(s->mgr, r->cookie);
	return 0;
}

void sm_lent_forget_map(struct sockmap *s)
{
	if (s->mgr->lent)
		sm_rec_walk(s, forget_one, NULL);
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

/* Ask the next walk to set cookie's clamp to v: 1 (the kernel makes it
 * its floor) to pause, the clamp it had (over 1) to resume. */
static void request(struct sm_lent *l, uint64_t cookie, struct lent_state *st, int v)
{
	bool resume = v > 1;

	st->set = v;
	if (bpf_map_update_elem(l->map, &cookie, st, BPF_EXIST) < 0 ||
	    !cvec_add(resume ? &l->resume : &l->pause, cookie))
		return;
	cvec_del(resume ? &l->pause : &l->resume, cookie);
}

void sm_lent_tick(struct sockmap *s, uint64_t cookie)
{
	struct sm_lent *l = s->mgr->lent;
	uint64_t budget = s->mgr->lim.pair_budget;
	struct lent_state st;
	struct sockmap_rec r;
	struct sockmap_key k;

	int64_t t0 = now_ns(), b;

	/* also when paused already and still redirecting: the kernel's
	 * receive buffer tuning raised the clamp (sm_bp.c), set it again */
	if (!l || !budget || !credit(l, t0) || bpf_map_lookup_elem(l->map, &cookie, &st) < 0 ||
	    sm_rec_find_cookie(s, cookie, &k, &r) < 0)
		return;
	b = backlog(s, &r, &st);
	spend(l, t0);
	if (b > (int64_t)budget)
		request(l, cookie, &st, 1);
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

/* After a walk: what became of one request. The walk clears set when it
 * finds the socket; one it did not find is gone. */
static void applied(struct sockmap_mgr *m, struct sm_lent *l, uint64_t cookie,
		    bool resume)
{
	struct lent_state st;

	if (bpf_map_lookup_elem(l->map, &cookie, &st) < 0)
		return;
	if (st.set) {
		sm_lent_forget(m, cookie);
		return;
	}
	if (!resume && st.was && !st.err && cvec_add(&l->paused, cookie))
		return;
	/* resumed, or the clamp did not take: running */
	st.was = 0;
	bpf_map_update_elem(l->map, &cookie, &st, BPF_EXIST);
	cvec_del(&l->paused, cookie);
}

static void walk_requests(struct sockmap_mgr *m, struct sm_lent *l)
{
	/* a walk that failed applied nothing: the requests wait */
	if ((!l->pause.n && !l->resume.n) || walk(l) < 0)
		return;
	while (l->pause.n)
		applied(m, l, l->pause.v[--l->pause.n], false);
	while (l->resume.n)
		applied(m, l, l->resume.v[--l->resume.n], true);
}

/* A paused member whose peer's backlog is under half the budget (or whose
 * peer is gone: nothing to wait for) is to resume; one that left is
 * forgotten. */
static void check_paused(struct sockmap_mgr *m, struct sm_lent *l, uint64_t cookie)
{
	int64_t low = (int64_t)(m->lim.pair_budget / 2), b = 0;
	struct lent_state st;
	struct sockmap_rec r;
	struct sockmap *s = owner(m, cookie, &r);

	if (cvec_has(&l->pause, cookie) || cvec_has(&l->resume, cookie))
		return;
	if (bpf_map_lookup_elem(l->map, &cookie, &st) < 0 || !st.was) {
		cvec_del(&l->paused, cookie);
		return;
	}
	if (s && m->lim.pair_budget)
		b = backlog(s, &r, &st);
	if (!s || b == -ESRCH)
		sm_lent_forget(m, cookie);      /* the socket is gone */
	else if (b < low)
		request(l, cookie, &st, st.was);
}

bool sm_lent_step(struct sockmap_mgr *m)
{
	struct sm_lent *l = m->lent;
	int64_t now = now_ns();

	if (!l)
		return false;
	if (credit(l, now)) {
		walk_requests(m, l);
		/* from the end: a check may take the one it looks at out */
		for (unsigned i = l->paused.n; now - l->checked_at >= LENT_CHECK_GAP_NS && i-- > 0;)
			if (i < l->paused.n)
				check_paused(m, l, l->paused.v[i]);
		if (now - l->checked_at >= LENT_CHECK_GAP_NS)
			l->checked_at = now;
		spend(l, now);
	}
	return l->paused.n || l->pause.n || l->resume.n;
}

/* After a restart: the paused members the last run left (a resume it
 * asked is asked again by their next check). */
void sm_lent_resume(struct sockmap_mgr *m)
{
	struct sm_lent *l = lent_open(m, false);
	uint64_t key, next;
	struct lent_state st;
	void *prev = NULL;

	while (l && bpf_map_get_next_key(l->map, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(l->map, &key, &st) < 0)
			continue;
		if (st.was)
			cvec_add(&l->paused, key);
		else if (st.set) {
			/* a pause the last run asked and no walk applied */
			st.set = 0;
			bpf_map_update_elem(l->map, &key, &st, BPF_EXIST);
		}
	}
}

void sm_lent_close(struct sockmap_mgr *m)
{
	if (m->lent)
		lent_free(m->lent);
	m->lent = NULL;
}
