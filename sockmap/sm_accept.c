/* sockmap/sm_accept.c: accept mode (sockmap/sm_accept.h). What lives in
 * the sockmap's private directory while some listener is in accept mode:
 * the sock_ops link on the cgroup v2 root (accept_link) and the maps of
 * its program (bpf/progs/sm_accept.bpf.c): accept_listen (listener cookie
 * -> struct accept_listener), accept_tag (socket storage copied into the
 * listener's children) and accept_lsk (the listeners as sockets, which a
 * closed one leaves by itself); and accept_conn (what each added
 * connection is, for listing it), which stays as long as the members it
 * describes. Each call opens them from their pins: the daemon keeps no fd
 * of them, and a restart finds them as they were. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/tcp.h>

#include "sockmap/sm_accept.h"
#include "sockmap/sm_diag.h"
#include "sockmap/sm_int.h"
#include "sockmap/sm_sock.h"
#include "sockmap/sm_accept.skel.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define LISTENERS_MAX 256       /* max_entries of accept_listen, accept_lsk */

/* A listener as the manager records it (fixed layout: the program
 * declares the same 56 bytes, and the record outlives the binary). */
struct accept_listener {
	uint64_t cookie, netns;
	uint32_t uid, port;
	struct sockaddr_in6 local;  /* or a sockaddr_in in the same space */
	uint32_t pad;
};
_Static_assert(sizeof(struct accept_listener) == 56, "sm_accept.bpf.c's record");

/* An added connection (the program's struct sm_conn). */
struct accept_conn {
	uint64_t listener;
	uint32_t family;
	uint16_t local_port, remote_port;   /* host order */
	uint32_t local[4], remote[4];       /* network order; IPv4 in [0] */
};
_Static_assert(sizeof(struct accept_conn) == 48, "sm_accept.bpf.c's conn");
#define CONN_PIN "accept_conn"

static const char *const pins[] = { "accept_listen", "accept_tag", "accept_lsk" };
#define LINK_PIN "accept_link"

/* The maps, opened from their pins (each fd ours, closed by acc_close). */
struct acc {
	int fds[3];                 /* in the order of pins[] */
};
#define LISTEN(a) ((a)->fds[0])
#define TAG(a) ((a)->fds[1])
#define LSK(a) ((a)->fds[2])

static void acc_close(struct acc *a)
{
	for (unsigned i = 0; i < 3; i++)
		if (a->fds[i] >= 0)
			close(a->fds[i]);
}

/* 0, or -ENOENT when accept mode is off on s (no link pinned). */
static int acc_open(struct sockmap *s, struct acc *a)
{
	char path[PATH_MAX];

	sm_path(s, LINK_PIN, path, sizeof(path));
	if (access(path, F_OK) < 0)
		return -ENOENT;
	for (unsigned i = 0; i < 3; i++) {
		sm_path(s, pins[i], path, sizeof(path));
		a->fds[i] = bpf_obj_get(path);
	}
	if (LISTEN(a) < 0 || TAG(a) < 0 || LSK(a) < 0) {
		acc_close(a);
		return -ENOENT;
	}
	return 0;
}

/* Accept mode off: the link detached and unpinned, then its maps. */
static void acc_stop(struct sockmap *s)
{
	char path[PATH_MAX];
	int fd;

	sm_path(s, LINK_PIN, path, sizeof(path));
	if ((fd = bpf_obj_get(path)) >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
	for (unsigned i = 0; i < 3; i++) {
		sm_path(s, pins[i], path, sizeof(path));
		unlink(path);
	}
}

/* The cgroup v2 root as this process sees it (its mount), opened. */
static int cgroup2_root(char *why, size_t whylen)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *e;
	int fd = -ENOENT;

	if (!f)
		return sm_err(why, whylen, -errno, "/proc/self/mounts: %s", strerror(errno));
	while (fd == -ENOENT && (e = getmntent(f)))
		if (!strcmp(e->mnt_type, "cgroup2")) {
			fd = open(e->mnt_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				fd = sm_err(why, whylen, -errno, "%s: %s", e->mnt_dir,
					    strerror(errno));
		}
	endmntent(f);
	if (fd == -ENOENT)
		sm_err(why, whylen, fd, "accept mode needs cgroup v2 mounted");
	return fd;
}

static int reuse(struct bpf_map *map, int fd, char *why, size_t whylen)
{
	int r = bpf_map__reuse_fd(map, fd);

	return r < 0 ? sm_err(why, whylen, r, "accept mode: %s: %s",
			      bpf_map__name(map), strerror(-r)) : 0;
}

/* accept_conn outlives accept mode (the members it describes stay): the
 * pinned one is reused, else the new one is made as big as the sockhash. */
static int reuse_conn(struct sockmap *s, struct sm_accept *skel, char *why,
		      size_t whylen)
{
	char path[PATH_MAX];
	int fd, r;

	sm_path(s, CONN_PIN, path, sizeof(path));
	if ((fd = bpf_obj_get(path)) < 0)
		return bpf_map__set_max_entries(skel->maps.sm_conn, s->max_entries);
	r = reuse(skel->maps.sm_conn, fd, why, whylen);
	close(fd);                  /* libbpf holds its own dup */
	return r;
}

/* The loaded program on s's sockhash and aux maps; NULL with *err. */
static struct sm_accept *load(struct sockmap *s, int *err, char *why, size_t whylen)
{
	struct sm_accept *skel = sm_accept__open();

	if (!skel) {
		*err = sm_err(why, whylen, -errno, "accept mode: cannot open its "
			      "program: %s", strerror(errno));
		return NULL;
	}
	if ((*err = reuse(skel->maps.sm_hash, s->map_fd, why, whylen)) < 0 ||
	    (*err = reuse(skel->maps.sm_cnt, s->aux.fds[SOCKMAP_AUX_CNT], why, whylen)) < 0 ||
	    (*err = reuse(skel->maps.sm_sk, s->aux.fds[SOCKMAP_AUX_SK], why, whylen)) < 0 ||
	    (*err = reuse_conn(s, skel, why, whylen)) < 0)
		goto fail;
	if ((*err = sm_accept__load(skel)) < 0) {
		sm_err(why, whylen, *err, "accept mode: the kernel refused its "
		       "program: %s", strerror(-*err));
		goto fail;
	}
	return skel;
fail:
	sm_accept__destroy(skel);
	return NULL;
}

/* Pin the maps (then a link without them is never seen) and the link. */
static int pin_all(struct sockmap *s, struct sm_accept *skel, int link, char *why,
		   size_t whylen)
{
	struct bpf_map *maps[3] = { skel->maps.sm_listen, skel->maps.sm_tag,
				    skel->maps.sm_lsk };
	char path[PATH_MAX];

	sm_path(s, CONN_PIN, path, sizeof(path));
	if (bpf_obj_pin(bpf_map__fd(skel->maps.sm_conn), path) < 0 && errno != EEXIST)
		return sm_err(why, whylen, -errno, "cannot pin accept mode's "
			      CONN_PIN " in the store: %s", strerror(errno));
	for (unsigned i = 0; i <= 3; i++) {
		sm_path(s, i < 3 ? pins[i] : LINK_PIN, path, sizeof(path));
		unlink(path);
		if (bpf_obj_pin(i < 3 ? bpf_map__fd(maps[i]) : link, path) < 0)
			return sm_err(why, whylen, -errno, "cannot pin accept mode's %s "
				      "in the store: %s", i < 3 ? pins[i] : "link",
				      strerror(errno));
	}
	return 0;
}

/* Accept mode on: load, attach to the cgroup v2 root, pin; then open. */
static int acc_start(struct sockmap *s, struct acc *a, char *why, size_t whylen)
{
	struct sm_accept *skel;
	int cg, link, r;

	if ((cg = cgroup2_root(why, whylen)) < 0)
		return cg;
	if (!(skel = load(s, &r, why, whylen))) {
		close(cg);
		return r;
	}
	link = bpf_link_create(bpf_program__fd(skel->progs.sm_accept_ops), cg,
			       BPF_CGROUP_SOCK_OPS, NULL);
	close(cg);
	if (link < 0)
		r = sm_err(why, whylen, -errno, "accept mode: the kernel refused the "
			   "sock_ops link on the cgroup v2 root: %s", strerror(errno));
	else
		r = pin_all(s, skel, link, why, whylen);
	if (link >= 0)
		close(link);            /* pinned, or detached by this close */
	sm_accept__destroy(skel);   /* the pins hold the maps */
	if (r < 0) {
		acc_stop(s);
		return r;
	}
	if (acc_open(s, a) < 0)
		return sm_err(why, whylen, -EIO, "accept mode: its pins went away");
	return 0;
}

/* Is the listener of cookie still open (still in accept_lsk)? */
static bool listener_live(struct acc *a, uint64_t cookie)
{
	uint64_t v = 0;

	return bpf_map_lookup_elem(LSK(a), &cookie, &v) == 0 && v == cookie;
}

/* The cookies of accept_listen into out (up to LISTENERS_MAX). */
static unsigned listener_keys(struct acc *a, uint64_t *out)
{
	unsigned n = 0;

	while (n < LISTENERS_MAX &&
	       bpf_map_get_next_key(LISTEN(a), n ? &out[n - 1] : NULL, &out[n]) == 0)
		n++;
	return n;
}

/* Drop the records of closed listeners; how many are left. */
static unsigned prune(struct acc *a)
{
	uint64_t keys[LISTENERS_MAX];
	unsigned n = listener_keys(a, keys), left = 0;

	for (unsigned i = 0; i < n; i++) {
		if (listener_live(a, keys[i]))
			left++;
		else
			bpf_map_delete_elem(LISTEN(a), &keys[i]);
	}
	return left;
}

static int check_map(struct sockmap *s, char *why, size_t whylen)
{
	if (s->type != BPF_MAP_TYPE_SOCKHASH || s->key_size != sizeof(uint64_t))
		return sm_err(why, whylen, -EINVAL, "accept mode needs a sockhash with "
			      "key-size 8 (an accepted socket's key is its cookie); "
			      "map %u is a %s with key-size %u", s->id,
			      s->type == BPF_MAP_TYPE_SOCKHASH ? "sockhash" : "sockmap",
			      s->key_size);
	return 0;
}

/* The record of listener fd, or -EOPNOTSUPP if it is none. */
static int listener_facts(int fd, uid_t uid, struct accept_listener *out,
			  char *why, size_t whylen)
{
	socklen_t len = sizeof(out->netns);
	struct sm_sock k;
	int r = sm_sock_facts(fd, &k, why, whylen);

	if (r < 0)
		return r;
	if ((k.family != AF_INET && k.family != AF_INET6) || k.proto != IPPROTO_TCP)
		return sm_err(why, whylen, -EOPNOTSUPP, "accept mode takes a listening "
			      "TCP socket, not a %s socket", sm_sock_kind(&k));
	if (k.tcp_state != TCP_LISTEN)
		return sm_err(why, whylen, -EOPNOTSUPP, "accept mode takes a listening "
			      "TCP socket; this one is %s%s", sm_tcp_state_name(k.tcp_state),
			      k.tcp_state == TCP_CLOSE ? " (call listen first)" : "");
	memset(out, 0, sizeof(*out));
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &out->netns, &len) < 0)
		return sm_err(why, whylen, -errno, "SO_NETNS_COOKIE: %s", strerror(errno));
	out->cookie = k.cookie;
	out->uid = (uint32_t)uid;
	memcpy(&out->local, &k.local, sizeof(out->local));
	out->port = ntohs(out->local.sin6_port);   /* sin_port is at the same place */
	return 0;
}

/* Record the listener (sockets first: the record is what turns it on). */
static int enlist(struct acc *a, int fd, const struct accept_listener *rec,
		  unsigned have, char *why, size_t whylen)
{
	struct accept_listener old;
	uint64_t ufd = (uint64_t)fd;

	if (bpf_map_lookup_elem(LISTEN(a), &rec->cookie, &old) == 0 &&
	    listener_live(a, rec->cookie))
		return 0;
	if (have >= LISTENERS_MAX)
		return sm_err(why, whylen, -ENOSPC, "a sockhash takes up to %u listeners "
			      "in accept mode", LISTENERS_MAX);
	if (bpf_map_update_elem(LSK(a), &rec->cookie, &ufd, BPF_ANY) < 0)
		return sm_err(why, whylen, -errno, "the kernel would not take the "
			      "listener (in accept mode's sockhash): %s", strerror(errno));
	if (bpf_map_update_elem(TAG(a), &fd, &rec->cookie, BPF_ANY) < 0 ||
	    bpf_map_update_elem(LISTEN(a), &rec->cookie, rec, BPF_ANY) < 0) {
		int r = -errno;

		bpf_map_delete_elem(LSK(a), &rec->cookie);
		return sm_err(why, whylen, r, "accept mode: cannot record the "
			      "listener: %s", strerror(-r));
	}
	return 0;
}

int sockmap_accept_add(struct sockmap *s, int listen_fd, uid_t uid, char *why,
		       size_t whylen)
{
	struct accept_listener rec;
	struct acc a;
	unsigned left;
	int r;

	if ((r = check_map(s, why, whylen)) < 0 ||
	    (r = listener_facts(listen_fd, uid, &rec, why, whylen)) < 0)
		return r;
	r = acc_open(s, &a);
	if (r == -ENOENT)
		r = acc_start(s, &a, why, whylen);
	if (r < 0)
		return r;
	left = prune(&a);
	r = enlist(&a, listen_fd, &rec, left, why, whylen);
	acc_close(&a);
	if (r < 0 && !left)
		acc_stop(s);
	return r;
}

int sockmap_accept_rm(struct sockmap *s, uint64_t cookie, char *why, size_t whylen)
{
	struct acc a;
	unsigned left;
	int r;

	if (acc_open(s, &a) < 0)
		return sm_err(why, whylen, -ENOENT, "no listener is in accept mode on "
			      "map %u", s->id);
	r = bpf_map_delete_elem(LISTEN(&a), &cookie) < 0 ? -errno : 0;
	bpf_map_delete_elem(LSK(&a), &cookie);
	left = prune(&a);
	acc_close(&a);
	if (!left)
		acc_stop(s);
	if (r < 0)
		return sm_err(why, whylen, -ENOENT, "listener %llu is not in accept mode "
			      "on map %u", (unsigned long long)cookie, s->id);
	return 0;
}

int sockmap_accept_list(struct sockmap *s, sockmap_listener_fn fn, void *arg)
{
	static struct accept_listener recs[LISTENERS_MAX];  /* the daemon is one thread */
	uint64_t keys[LISTENERS_MAX];
	unsigned n, m = 0;
	struct acc a;
	int r;

	if (acc_open(s, &a) < 0)
		return 0;
	if (!prune(&a)) {
		acc_close(&a);
		acc_stop(s);
		return 0;
	}
	n = listener_keys(&a, keys);
	for (unsigned i = 0; i < n; i++)
		if (bpf_map_lookup_elem(LISTEN(&a), &keys[i], &recs[m]) == 0)
			m++;
	acc_close(&a);
	/* fn is called on a copy: it may remove listeners */
	for (unsigned i = 0; i < m; i++)
		if ((r = fn(recs[i].cookie, &recs[i].local, arg)))
			return r;
	return 0;
}

static void conn_addr(uint32_t family, const uint32_t ip[4], uint16_t port,
		      struct sockaddr_in6 *out)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;

	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = ip[0];
		s4->sin_port = htons(port);
		return;
	}
	out->sin6_family = AF_INET6;
	memcpy(&out->sin6_addr, ip, 16);
	out->sin6_port = htons(port);
}

/* What a kernel-added member is: its cookie, and what accept_conn (fd,
 * or -1) says of it. */
static void kernel_member(int conn_fd, struct sockmap_member *mb)
{
	struct accept_conn c;
	int st;

	mb->rec.type = SOCK_STREAM;
	mb->rec.proto = IPPROTO_TCP;
	mb->tcp_state = -1;
	if (conn_fd < 0 || bpf_map_lookup_elem(conn_fd, &mb->rec.cookie, &c) < 0)
		return;
	mb->rec.family = (uint8_t)c.family;
	conn_addr(c.family, c.local, c.local_port, &mb->rec.local);
	conn_addr(c.family, c.remote, c.remote_port, &mb->rec.remote);
	st = sm_diag_tcp_state(&mb->rec);
	mb->tcp_state = st < 0 ? -1 : st;
}

int sm_accept_members(struct sockmap *s, sockmap_member_fn fn, void *arg)
{
	struct sockmap_key k = { .len = sizeof(uint64_t) }, next = k;
	struct sockmap_member mb;
	struct sockmap_rec rec;
	char path[PATH_MAX];
	bool first = true;
	int conn, r = 0;    /* conn: accept_conn, closed here */

	if (s->type != BPF_MAP_TYPE_SOCKHASH || s->key_size != sizeof(uint64_t))
		return 0;
	sm_path(s, CONN_PIN, path, sizeof(path));
	conn = bpf_obj_get(path);
	while (!r && bpf_map_get_next_key(s->map_fd, first ? NULL : k.b, next.b) == 0) {
		first = false;
		k = next;
		mb = (struct sockmap_member){ .kernel = true, .key = k };
		if (sm_rec_get(s, &k, &rec) == 0 ||
		    bpf_map_lookup_elem(s->map_fd, k.b, &mb.rec.cookie) < 0)
			continue;
		kernel_member(conn, &mb);
		sockmap_aux_counters(&s->aux, mb.rec.cookie, &mb.cnt);
		r = fn(&mb, arg);
	}
	if (conn >= 0)
		close(conn);
	return r;
}
