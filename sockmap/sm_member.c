/* sockmap/sm_member.c: the member records (a BPF hash map, key -> struct
 * sockmap_rec), told live by the kernel (a sockmap lookup from user space
 * gives the member's cookie), listed, removed and killed. A lent socket
 * its owner closed has left the sockmap by itself: its record is stale
 * and is pruned before anything is shown. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <arpa/inet.h>
#include <linux/bpf.h>

#include "sockmap/accel.h"
#include "sockmap/sm_accept.h"
#include "sockmap/sm_diag.h"
#include "sockmap/sm_int.h"

int sm_rec_get(struct sockmap *s, const struct sockmap_key *k, struct sockmap_rec *r)
{
	return bpf_map_lookup_elem(s->members_fd, k->b, r) < 0 ? -errno : 0;
}

bool sm_member_live(struct sockmap *s, const struct sockmap_key *k,
		    const struct sockmap_rec *r)
{
	uint64_t cookie = 0;

	return bpf_map_lookup_elem(s->map_fd, k->b, &cookie) == 0 && cookie == r->cookie;
}

/* Drop what we keep of it: the record, the aux state, a given fd. */
void sm_member_forget(struct sockmap *s, const struct sockmap_key *k,
		      const struct sockmap_rec *r)
{
	struct sm_given *g = sm_given_find(s, r->cookie);

	sm_rec_del(s, k);
	sockmap_aux_member_rm(&s->aux, r->cookie);
	sm_lent_forget(s->mgr, r->cookie);
	if (g)
		sm_given_close(g);
}

int sm_rec_walk(struct sockmap *s, sm_rec_fn fn, void *arg)
{
	struct sockmap_key k = { .len = s->key_size }, next = { .len = s->key_size };
	struct sockmap_rec rec;
	bool first = true;
	int r;

	while (bpf_map_get_next_key(s->members_fd, first ? NULL : k.b, next.b) == 0) {
		first = false;
		k = next;
		if (sm_rec_get(s, &k, &rec) < 0)
			continue;
		if ((r = fn(s, &k, &rec, arg)))
			return r;
	}
	return 0;
}

struct stale {
	unsigned n, cap;
	struct sockmap_key *keys;
};

static int collect_stale(struct sockmap *s, const struct sockmap_key *k,
			 const struct sockmap_rec *rec, void *arg)
{
	struct stale *st = arg;
	struct sockmap_key *grown;
	struct sm_given *g;

	if (sm_member_live(s, k, rec))
		return 0;
	if ((g = sm_given_find(s, rec->cookie)) && g->paused)
		return 0;           /* out of the map for a moment (sm_bp.c) */
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		if (!(grown = realloc(st->keys, st->cap * sizeof(*grown))))
			return -ENOMEM;
		st->keys = grown;
	}
	st->keys[st->n++] = *k;
	return 0;
}

static int prune(struct sockmap *s)
{
	struct stale st = { 0 };
	struct sockmap_rec rec;
	int r = sm_rec_walk(s, collect_stale, &st);

	for (unsigned i = 0; i < st.n; i++)
		if (sm_rec_get(s, &st.keys[i], &rec) == 0)
			sm_member_forget(s, &st.keys[i], &rec);
	free(st.keys);
	return r;
}

int sm_rec_find_cookie(struct sockmap *s, uint64_t cookie, struct sockmap_key *k,
		       struct sockmap_rec *r)
{
	return sm_cidx_find(s, cookie, k, r);
}

/* The live member sel names: its key and record. */
static int select_member(struct sockmap *s, const struct sockmap_sel *sel,
			 struct sockmap_key *k, struct sockmap_rec *r,
			 char *why, size_t whylen)
{
	int e;

	prune(s);
	if (sel->key.len) {
		*k = sel->key;
		e = sm_rec_get(s, k, r);
	} else {
		e = sm_rec_find_cookie(s, sel->cookie, k, r);
	}
	if (e < 0)
		return sm_err(why, whylen, -ENOENT, sel->key.len ? "no member at that key" :
			      "no member has cookie %llu", (unsigned long long)sel->cookie);
	return 0;
}

/* A member the kernel added (accelerate, accept mode): no record, only
 * what sockmap_members builds of it from the map. */
struct find_kernel {
	uint64_t cookie;
	struct sockmap_member mb;
};

static int match_kernel(const struct sockmap_member *mb, void *arg)
{
	struct find_kernel *f = arg;

	if (!mb->kernel || mb->rec.cookie != f->cookie)
		return 0;
	f->mb = *mb;
	return 1;
}

/* rm or kill of a kernel-added member, by cookie: 0, or -ENOENT. */
static int kernel_member(struct sockmap *s, const struct sockmap_sel *sel, bool kill,
			 char *why, size_t whylen)
{
	struct find_kernel f = { .cookie = sel->cookie };
	int e;

	if (sel->key.len || sockmap_members(s, match_kernel, &f) != 1)
		return -ENOENT;
	if (kill && (e = sm_diag_destroy(&f.mb.rec)) < 0 && e != -ENOENT)
		return sm_err(why, whylen, e, "the kernel would not destroy it "
			      "(SOCK_DESTROY): %s", strerror(-e));
	bpf_map_delete_elem(s->map_fd, f.mb.key.b);
	sockmap_aux_member_rm(&s->aux, sel->cookie);
	return 0;
}

int sockmap_member_rm(struct sockmap *s, const struct sockmap_sel *sel,
		      char *why, size_t whylen)
{
	struct sockmap_key k;
	struct sockmap_rec r;
	int e = select_member(s, sel, &k, &r, why, whylen);

	if (e == -ENOENT && kernel_member(s, sel, false, why, whylen) == 0)
		return 0;
	if (e < 0)
		return e;
	if (bpf_map_delete_elem(s->map_fd, k.b) < 0 && errno != ENOENT)
		return sm_err(why, whylen, -errno, "the kernel would not remove it: %s",
			      strerror(errno));
	sm_member_forget(s, &k, &r);
	return 0;
}

int sockmap_member_kill(struct sockmap *s, const struct sockmap_sel *sel,
			char *why, size_t whylen)
{
	struct sockmap_key k;
	struct sockmap_rec r;
	struct sm_given *g;
	int e = select_member(s, sel, &k, &r, why, whylen);

	if (e == -ENOENT && (e = kernel_member(s, sel, true, why, whylen)) != -ENOENT)
		return e;
	if (e < 0)
		return sm_err(why, whylen, e, sel->key.len ? "no member at that key" :
			      "no member has cookie %llu", (unsigned long long)sel->cookie);
	if ((g = sm_given_find(s, r.cookie))) {
		shutdown(g->fd, SHUT_RDWR);
		bpf_map_delete_elem(s->map_fd, k.b);
		sm_member_forget(s, &k, &r);
		return 0;
	}
	e = sm_diag_destroy(&r);
	if (e == -EOPNOTSUPP)
		return sm_err(why, whylen, e, "a lent AF_UNIX socket cannot be ended "
			      "from outside its owner (give it to end it with sock kill)");
	if (e < 0 && e != -ENOENT)
		return sm_err(why, whylen, e, "the kernel would not destroy it "
			      "(SOCK_DESTROY): %s", strerror(-e));
	bpf_map_delete_elem(s->map_fd, k.b);
	sm_member_forget(s, &k, &r);
	return 0;
}

static int tcp_state(struct sockmap *s, const struct sockmap_rec *r)
{
	struct sm_given *g = sm_given_find(s, r->cookie);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int st;

	if (r->proto != IPPROTO_TCP)
		return -1;
	if (g)
		return getsockopt(g->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ?
		       ti.tcpi_state : -1;
	st = sm_diag_tcp_state(r);
	return st < 0 ? -1 : st;
}

struct show {
	sockmap_member_fn fn;
	void *arg;
};

static int show_one(struct sockmap *s, const struct sockmap_key *k,
		    const struct sockmap_rec *rec, void *arg)
{
	struct show *sh = arg;
	struct sockmap_member mb = { .key = *k, .rec = *rec };

	mb.tcp_state = tcp_state(s, rec);
	sockmap_aux_counters(&s->aux, rec->cookie, &mb.cnt);
	return sh->fn(&mb, sh->arg);
}

/* An accelerate key's address (v4-mapped IPv6 for IPv4) as a sockaddr. */
static void accel_addr(const uint8_t ip[16], uint16_t port, struct sockaddr_in6 *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;

	memset(out, 0, sizeof(*out));
	if (!memcmp(ip, mapped, 12)) {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, ip + 12, 4);
		s4->sin_port = htons(port);
		return;
	}
	out->sin6_family = AF_INET6;
	memcpy(&out->sin6_addr, ip, 16);
	out->sin6_port = htons(port);
}

/* The sockets accelerate's sock_ops and iterator put in the sockhash:
 * no client added them, so no record names them; the key says what they
 * are (sockmap/accel.h). */
static int show_kernel(struct sockmap *s, struct show *sh)
{
	struct sockmap_member mb = { .kernel = true, .key.len = s->key_size };
	struct sockmap_key next = { .len = s->key_size };
	struct sockmap_rec rec;
	bool first = true;
	uint16_t ports[2];
	int r;

	while (bpf_map_get_next_key(s->map_fd, first ? NULL : mb.key.b, next.b) == 0) {
		first = false;
		mb.key = next;
		if (sm_rec_get(s, &mb.key, &rec) == 0 ||
		    bpf_map_lookup_elem(s->map_fd, mb.key.b, &mb.rec.cookie) < 0)
			continue;
		memcpy(ports, mb.key.b + 40, sizeof(ports));
		accel_addr(mb.key.b + 8, ports[0], &mb.rec.local);
		accel_addr(mb.key.b + 24, ports[1], &mb.rec.remote);
		mb.rec.family = (uint8_t)mb.rec.local.sin6_family;
		mb.rec.type = SOCK_STREAM;
		mb.rec.proto = IPPROTO_TCP;
		mb.tcp_state = tcp_state(s, &mb.rec);
		sockmap_aux_counters(&s->aux, mb.rec.cookie, &mb.cnt);
		if ((r = sh->fn(&mb, sh->arg)))
			return r;
	}
	return 0;
}

static bool accelerated(struct sockmap *s)
{
	char label[64];

	return s->type == BPF_MAP_TYPE_SOCKHASH && s->key_size == SOCKMAP_ACCEL_KEY_SIZE &&
	       sockmap_attached(s, SOCKMAP_MSG_VERDICT, label, sizeof(label)) == 0 &&
	       !strncmp(label, "builtin:accelerate", 18);
}

int sockmap_members(struct sockmap *s, sockmap_member_fn fn, void *arg)
{
	struct show sh = { fn, arg };
	int r = prune(s);

	if (r == 0)
		r = sm_rec_walk(s, show_one, &sh);
	if (r == 0 && accelerated(s))
		r = show_kernel(s, &sh);
	if (r == 0)
		r = sm_accept_members(s, fn, arg);
	return r;
}
