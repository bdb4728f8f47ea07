/* sockmap/sm_add.c: one insert (a socket, or a pair of them): what the
 * socket is, its key, the record written before the kernel's insert (a
 * crash in between leaves a record the next listing prunes, never a
 * member without one), the kick for data queued before the insert, and
 * taking a given socket's fd. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "sockmap/sm_int.h"
#include "sockmap/sm_sock.h"

/* One socket of the insert, checked and with its key resolved. */
struct side {
	int *fd;
	struct sm_sock k;
	struct sockmap_key *key;
	struct sockmap_rec old;     /* the member its key held, if any */
	bool had_old;
};

static bool has_parser(struct sockmap *s)
{
	char label[8];

	return sockmap_attached(s, SOCKMAP_STREAM_PARSER, label, sizeof(label)) == 0;
}

static int check_sock(struct sockmap *s, struct side *d, char *why, size_t whylen)
{
	int r = sm_sock_facts(*d->fd, &d->k, why, whylen);

	if (r == -EBADF)
		return sm_err(why, whylen, r, "the fd is not open");
	if (r == 0)
		r = sm_sock_check(&d->k, why, whylen);
	if (r == 0 && d->k.family == AF_UNIX && d->k.type == SOCK_STREAM &&
	    has_parser(s))
		r = sm_err(why, whylen, -EOPNOTSUPP, "an AF_UNIX stream socket cannot "
			   "be in a sockmap with a stream parser (the kernel's parser "
			   "works on TCP only)");
	return r;
}

/* The first index of a sockmap that holds nothing; on a sockhash the
 * cookie's bytes (a key of 8 bytes) or its low 32 bits (4). */
static int auto_key(struct sockmap *s, const struct side *d,
		    const struct sockmap_key *skip, char *why, size_t whylen)
{
	uint64_t cookie;
	uint32_t i;

	d->key->len = s->key_size;
	memset(d->key->b, 0, sizeof(d->key->b));
	if (s->type == BPF_MAP_TYPE_SOCKHASH) {
		if (s->key_size != 4 && s->key_size != 8)
			return sm_err(why, whylen, -EINVAL, "key auto on a sockhash needs "
				      "key-size 4 or 8, not %u", s->key_size);
		memcpy(d->key->b, &d->k.cookie, s->key_size);
		return 0;
	}
	for (i = 0; i < s->max_entries; i++)
		if ((!skip || memcmp(skip->b, &i, sizeof(i))) &&
		    bpf_map_lookup_elem(s->map_fd, &i, &cookie) < 0 && errno == ENOENT) {
			memcpy(d->key->b, &i, sizeof(i));
			return 0;
		}
	return sm_err(why, whylen, -ENOSPC, "the sockmap is full (%u entries)",
		      s->max_entries);
}

static int check_key(struct sockmap *s, struct side *d, bool replace,
		     const struct sockmap_key *skip, char *why, size_t whylen)
{
	struct sockmap_key k;
	struct sockmap_rec r;
	uint32_t idx;

	if (d->key->is_auto) {
		int e = auto_key(s, d, skip, why, whylen);

		if (e < 0)
			return e;
	}
	if (d->key->len != s->key_size)
		return sm_err(why, whylen, -EINVAL, "a key of %u bytes for a map with "
			      "key-size %u", d->key->len, s->key_size);
	memcpy(&idx, d->key->b, sizeof(idx));
	if (s->type == BPF_MAP_TYPE_SOCKMAP && idx >= s->max_entries)
		return sm_err(why, whylen, -E2BIG, "index %u is past the sockmap's "
			      "max_entries %u", idx, s->max_entries);
	if (sm_rec_find_cookie(s, d->k.cookie, &k, &r) == 0 && sm_member_live(s, &k, &r))
		return sm_err(why, whylen, -EBUSY, "the socket (cookie %llu) is a member "
			      "of this map already", (unsigned long long)d->k.cookie);
	d->had_old = sm_rec_get(s, d->key, &d->old) == 0 &&
		     sm_member_live(s, d->key, &d->old);
	if (d->had_old && !replace)
		return sm_err(why, whylen, -EEXIST, "the key holds a member already "
			      "(cookie %llu): remove it, or add with replace",
			      (unsigned long long)d->old.cookie);
	return 0;
}

static void fill_rec(struct sockmap_rec *r, const struct side *d,
		     const struct sockmap_add *a)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	memset(r, 0, sizeof(*r));
	r->cookie = d->k.cookie;
	r->time_ns = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
	r->uid = a->uid;
	r->pid = (uint32_t)a->pid;
	r->sock_uid = d->k.uid;
	r->give = a->give;
	r->family = (uint8_t)d->k.family;
	r->type = (uint8_t)d->k.type;
	r->proto = (uint8_t)d->k.proto;
	memcpy(&r->local, &d->k.local, sizeof(r->local));
	memcpy(&r->remote, &d->k.remote, sizeof(r->remote));
	if (d->k.family == AF_UNIX)
		r->local.sin6_family = r->remote.sin6_family = AF_UNIX;
}

static int kernel_refusal(const struct side *d, int err, char *why, size_t whylen)
{
	switch (err) {
	case -EOPNOTSUPP:
		return sm_err(why, whylen, err, "the kernel refused the %s socket "
			      "(EOPNOTSUPP: a socket in a state or of a kind a sockmap "
			      "cannot hold)", sm_sock_kind(&d->k));
	case -EBUSY:
		return sm_err(why, whylen, err, "the kernel refused the socket (EBUSY: "
			      "it is held by another user of its hooks, such as kTLS)");
	case -EEXIST:
		return sm_err(why, whylen, err, "the key was taken meanwhile");
	case -E2BIG:
		return sm_err(why, whylen, err, "the map is full");
	}
	return sm_err(why, whylen, err, "the kernel refused the insert: %s",
		      strerror(-err));
}

/* Record it, then insert it: BPF_NOEXIST unless replacing. */
static int insert(struct sockmap *s, struct side *d, const struct sockmap_add *a,
		  const struct sockmap_member_cfg *cfg, char *why, size_t whylen)
{
	struct sockmap_rec rec;
	uint64_t v = (uint64_t)*d->fd;
	int r;

	fill_rec(&rec, d, a);
	if (cfg->paired) {
		rec.peer_key_len = sizeof(cfg->peer_key);
		memcpy(rec.peer_key, &cfg->peer_key, sizeof(cfg->peer_key));
	}
	if ((r = sockmap_aux_member_add(&s->aux, *d->fd, cfg, why, whylen)) < 0)
		return r;
	if ((r = sm_rec_put(s, d->key, &rec)) < 0)
		return sm_err(why, whylen, r, "cannot record the member: %s",
			      strerror(-r));
	if (bpf_map_update_elem(s->map_fd, d->key->b, &v,
				d->had_old ? BPF_ANY : BPF_NOEXIST) < 0) {
		r = -errno;
		sm_rec_del(s, d->key);
		sockmap_aux_member_rm(&s->aux, d->k.cookie);
		return kernel_refusal(d, r, why, whylen);
	}
	return 0;
}

/* Data that came before the insert waits in the receive queue, unseen by
 * the verdict, until more arrives (a ping-pong would deadlock): one
 * non-blocking 1-byte peek makes the kernel run it through, consuming
 * nothing (measured on 6.18, with and without a verdict). */
static void kick(int fd)
{
	char c;

	recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
}

/* AF_UNIX has no kick: its verdict path takes one skb a wake-up (the
 * next write), so bytes queued before a pair's insert would lag behind
 * for good. Before the insert, while both sockets are still plain ones
 * here, what waits in each goes to the other's far end by hand. */
static void unix_flush(const struct side *d, const struct side *p)
{
	if (!p || d->k.family != AF_UNIX || d->k.type != SOCK_STREAM)
		return;
	sm_sock_move(*d->fd, *p->fd);
	sm_sock_move(*p->fd, *d->fd);
}

/* What the old member at a replaced key leaves. */
static void drop_old(struct sockmap *s, struct side *d)
{
	struct sm_given *g;

	if (!d->had_old)
		return;
	sockmap_aux_member_rm(&s->aux, d->old.cookie);
	sm_lent_forget(s->mgr, d->old.cookie);
	if ((g = sm_given_find(s, d->old.cookie)))
		sm_given_close(g);
}

static void cfg_for(struct sockmap_member_cfg *cfg, const struct side *d,
		    const struct side *peer)
{
	cfg->cookie = d->k.cookie;
	cfg->paired = peer != NULL;
	if (peer)
		memcpy(&cfg->peer_key, peer->key->b, sizeof(cfg->peer_key));
}

static int check_pair(struct sockmap *s, struct side *d, struct side *p,
		      bool replace, char *why, size_t whylen)
{
	int r;

	if (s->key_size != 4)
		return sm_err(why, whylen, -EINVAL, "a pair needs a map with key-size "
			      "4 (the peer's key is what the verdict redirects to)");
	if ((r = check_sock(s, p, why, whylen)) < 0)
		return r;
	if (d->k.cookie == p->k.cookie)
		return sm_err(why, whylen, -EINVAL, "a socket cannot be its own peer");
	if ((r = check_key(s, p, replace, d->key, why, whylen)) < 0)
		return r;
	if (!memcmp(d->key->b, p->key->b, s->key_size))
		return sm_err(why, whylen, -EINVAL, "the socket and its peer have the "
			      "same key");
	return 0;
}

static int insert_all(struct sockmap *s, struct side *d, struct side *p,
		      const struct sockmap_add *a, char *why, size_t whylen)
{
	struct sockmap_member_cfg cfg;
	int r;

	cfg_for(&cfg, d, p);
	if ((r = insert(s, d, a, &cfg, why, whylen)) < 0 || !p)
		return r;
	cfg_for(&cfg, p, d);
	if ((r = insert(s, p, a, &cfg, why, whylen)) < 0) {
		bpf_map_delete_elem(s->map_fd, d->key->b);
		sm_rec_del(s, d->key);
		sockmap_aux_member_rm(&s->aux, d->k.cookie);
	}
	return r;
}

static void take(struct sockmap *s, struct side *d, struct side *p, uid_t uid)
{
	struct sm_given *gd = NULL, *gp = NULL;

	if (sm_given_add(s, *d->fd, d->k.cookie, uid, d->key, &gd) == 0)
		*d->fd = -1;
	if (p && sm_given_add(s, *p->fd, p->k.cookie, uid, p->key, &gp) == 0)
		*p->fd = -1;
	if (gd && gp)
		sm_given_pair(gd, gp);
	if (gd)
		sm_hold(gd);
	if (gp)
		sm_hold(gp);
}

int sockmap_member_add(struct sockmap *s, struct sockmap_add *a,
		       char *why, size_t whylen)
{
	struct side d = { .fd = a->sock_fd, .key = &a->key };
	struct side p = { .fd = a->peer_fd, .key = &a->peer_key };
	struct side *pp = a->peer_fd ? &p : NULL;
	int r = check_sock(s, &d, why, whylen);

	if (r == 0)
		r = check_key(s, &d, a->replace, NULL, why, whylen);
	if (r == 0 && pp)
		r = check_pair(s, &d, pp, a->replace, why, whylen);
	if (r == 0 && a->give)
		r = sm_given_room(s, a->uid, pp ? 2 : 1, why, whylen);
	if (r == 0) {
		unix_flush(&d, pp);
		r = insert_all(s, &d, pp, a, why, whylen);
	}
	if (r < 0)
		return r;
	drop_old(s, &d);
	if (pp)
		drop_old(s, pp);
	if (d.k.type == SOCK_STREAM)
		kick(*d.fd);
	if (pp && p.k.type == SOCK_STREAM)
		kick(*p.fd);
	if (a->give)
		take(s, &d, pp, a->uid);
	else if (pp)
		sm_lent_pair(s, *d.fd, d.k.cookie, *p.fd, p.k.cookie);
	return 0;
}

int sockmap_sock_owner(int fd, uid_t *uid, char *why, size_t whylen)
{
	struct sm_sock k;
	int r = sm_sock_facts(fd, &k, why, whylen);

	if (r == -EBADF)
		return sm_err(why, whylen, r, "the fd is not open");
	if (r == 0)
		*uid = k.uid;
	return r;
}
