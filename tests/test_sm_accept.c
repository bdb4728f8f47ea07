/* tests/test_sm_accept.c: accept mode (sockmap/sm_accept.h) through the
 * manager's functions, on a scratch bpffs, with real loopback TCP (v4 and
 * v6): connections accepted on the listener after the add are members of
 * the sockhash (keyed by their cookie), those before the add, the client
 * side and another listener's are not; a closed listener stops adding
 * (a new listener on its port is not picked up) and goes from the list
 * with the link; rm stops it; it goes on after a SIGKILL of the process
 * that added it (the link is pinned); the map's verdict and counters
 * apply to the members; sock ls shows them; a listener in another
 * network namespace works the same; the refusals. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "sockmap/sm.h"
#include "sockmap/sm_accept.h"
#include "tests/harness.h"

static char bpffs[128], store[256];
static struct sockmap_mgr *mgr;
static struct sockmap *sm;
static int hash_fd = -1;
static char why[512];

static void open_mgr(void)
{
	struct sockmap_limits lim = { 0 };

	cr_assert_eq(sockmap_mgr_open(&mgr, store, NULL, NULL, &lim, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(sockmap_get(mgr, hash_fd, 0, &sm, why, sizeof(why)), 0, "%s", why);
}

static void setup(void)
{
	cr_assert_eq(th_bpffs_mount(bpffs, sizeof(bpffs)), 0);
	snprintf(store, sizeof(store), "%s/sockmap", bpffs);
	hash_fd = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "t_accept", 8, 8, 64, NULL);
	cr_assert_geq(hash_fd, 0, "sockhash: %s", strerror(errno));
	open_mgr();
}

static void teardown(void)
{
	sockmap_mgr_close(mgr);
	th_bpffs_umount(bpffs);
	close(hash_fd);
}

TestSuite(accept, .init = setup, .fini = teardown, .timeout = 20);

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len), 0);
	return c;
}

static bool member(uint64_t cookie)
{
	uint64_t v = 0;

	return bpf_map_lookup_elem(hash_fd, &cookie, &v) == 0 && v == cookie;
}

static socklen_t loopback(int family, uint16_t port, struct sockaddr_in6 *sa)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

	memset(sa, 0, sizeof(*sa));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s4);
	}
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons(port);
	sa->sin6_addr = in6addr_loopback;
	return sizeof(*sa);
}

/* A listener on loopback at port (0: any), its port in *out. */
static int listener(int family, uint16_t port, uint16_t *out)
{
	struct sockaddr_in6 sa;
	socklen_t len = loopback(family, port, &sa);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, len), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(fd, 16), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*out = ntohs(sa.sin6_port);     /* sin_port sits at the same place */
	return fd;
}

/* One connection to lfd's port: the accepted socket, the client in *cli. */
static int connection(int family, int lfd, uint16_t port, int *cli)
{
	struct sockaddr_in6 sa;
	socklen_t len = loopback(family, port, &sa);
	int fd;

	*cli = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(*cli, 0);
	cr_assert_eq(connect(*cli, (struct sockaddr *)&sa, len), 0, "connect: %s",
		     strerror(errno));
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(fd, 0, "accept: %s", strerror(errno));
	return fd;
}

static void add(int lfd)
{
	cr_assert_eq(sockmap_accept_add(sm, lfd, 0, why, sizeof(why)), 0, "%s", why);
}

static bool link_pinned(void)
{
	char path[512];
	struct sockmap_info info;

	sockmap_info(sm, &info);
	snprintf(path, sizeof(path), "%s/m%u_u0/accept_link", store, info.id);
	return access(path, F_OK) == 0;
}

struct seen {
	unsigned n;
	uint64_t cookie;
	uint16_t port;
};

static int count_listener(uint64_t cookie, const struct sockaddr_in6 *local, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->cookie = cookie;
	s->port = ntohs(local->sin6_port);
	return 0;
}

static struct seen listed(void)
{
	struct seen s = { 0 };

	cr_assert_eq(sockmap_accept_list(sm, count_listener, &s), 0);
	return s;
}

/* Before the add: not a member; after: each accepted one is, the client
 * side is not, another listener's connection is not. */
static void accepted_become_members(int family)
{
	uint16_t port, other_port;
	int lfd = listener(family, 0, &port), other = listener(family, 0, &other_port);
	int c0, a0 = connection(family, lfd, port, &c0), c[3], a[3], oc, oa;

	add(lfd);
	for (int i = 0; i < 3; i++) {
		a[i] = connection(family, lfd, port, &c[i]);
		cr_assert(member(cookie_of(a[i])), "accepted connection %d is a member", i);
		cr_assert_not(member(cookie_of(c[i])), "the client side is not");
	}
	cr_assert_not(member(cookie_of(a0)), "accepted before the add: not a member");
	oa = connection(family, other, other_port, &oc);
	cr_assert_not(member(cookie_of(oa)), "another listener's connection");
	for (int i = 0; i < 3; i++) {
		close(a[i]);
		close(c[i]);
	}
	close(a0), close(c0), close(oa), close(oc), close(other), close(lfd);
}

Test(accept, v4_accepted_are_members)
{
	accepted_become_members(AF_INET);
}

Test(accept, v6_accepted_are_members)
{
	accepted_become_members(AF_INET6);
}

/* The listener's owner closes it; someone else listens on that port. */
Test(accept, closed_listener_stops)
{
	uint16_t port, port2;
	int lfd = listener(AF_INET, 0, &port), c, a, lfd2;

	add(lfd);
	cr_assert(link_pinned());
	close(lfd);
	lfd2 = listener(AF_INET, port, &port2);
	cr_assert_eq(port2, port);
	a = connection(AF_INET, lfd2, port, &c);
	cr_assert_not(member(cookie_of(a)), "a new listener on the port is not picked up");
	cr_assert_eq(listed().n, 0, "the closed listener left the list");
	cr_assert_not(link_pinned(), "the link went with the last listener");
	close(a), close(c), close(lfd2);
}

/* With another listener still in accept mode (so the link stays). */
Test(accept, rm_stops)
{
	uint16_t port, kept_port;
	int lfd = listener(AF_INET6, 0, &port), kept = listener(AF_INET, 0, &kept_port);
	int c1, a1, c2, a2, kc, ka;
	uint64_t lc = cookie_of(lfd);

	add(lfd);
	add(kept);
	a1 = connection(AF_INET6, lfd, port, &c1);
	cr_assert(member(cookie_of(a1)));
	cr_assert_eq(sockmap_accept_rm(sm, lc, why, sizeof(why)), 0, "%s", why);
	a2 = connection(AF_INET6, lfd, port, &c2);
	cr_assert_not(member(cookie_of(a2)), "accepted after rm: not a member");
	cr_assert(member(cookie_of(a1)), "those added stay");
	ka = connection(AF_INET, kept, kept_port, &kc);
	cr_assert(member(cookie_of(ka)), "the other listener goes on");
	cr_assert_eq(sockmap_accept_rm(sm, lc, why, sizeof(why)), -ENOENT);
	cr_assert(link_pinned());
	cr_assert_eq(sockmap_accept_rm(sm, cookie_of(kept), why, sizeof(why)), 0, "%s", why);
	cr_assert_not(link_pinned(), "the link went with the last listener");
	close(a1), close(c1), close(a2), close(c2), close(ka), close(kc);
	close(kept), close(lfd);
}

Test(accept, idempotent_and_listed)
{
	uint16_t port, port2;
	int lfd = listener(AF_INET, 0, &port), lfd2 = listener(AF_INET6, 0, &port2);
	struct seen s;

	add(lfd);
	add(lfd);
	s = listed();
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.cookie, cookie_of(lfd));
	cr_assert_eq(s.port, port);
	add(lfd2);
	cr_assert_eq(listed().n, 2);
	close(lfd2);
	cr_assert_eq(listed().n, 1, "the closed one is dropped, the other stays");
	cr_assert(link_pinned());
	close(lfd);
}

/* One listener in accept mode on two sockhashes: each gets its
 * connections; rm on one leaves the other adding. */
Test(accept, two_sockhashes)
{
	int hash2 = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "t_accept2", 8, 8, 64, NULL);
	struct sockmap *sm2;
	uint16_t port;
	int lfd = listener(AF_INET, 0, &port), c, a;
	uint64_t v, ac;

	cr_assert_geq(hash2, 0);
	cr_assert_eq(sockmap_get(mgr, hash2, 0, &sm2, why, sizeof(why)), 0, "%s", why);
	add(lfd);
	cr_assert_eq(sockmap_accept_add(sm2, lfd, 0, why, sizeof(why)), 0, "%s", why);
	a = connection(AF_INET, lfd, port, &c);
	ac = cookie_of(a);
	cr_assert(member(ac));
	cr_assert_eq(bpf_map_lookup_elem(hash2, &ac, &v), 0, "a member of the second");
	close(a), close(c);
	cr_assert_eq(sockmap_accept_rm(sm, cookie_of(lfd), why, sizeof(why)), 0, "%s", why);
	a = connection(AF_INET, lfd, port, &c);
	ac = cookie_of(a);
	cr_assert_not(member(ac));
	cr_assert_eq(bpf_map_lookup_elem(hash2, &ac, &v), 0, "still added to the second");
	close(a), close(c), close(lfd), close(hash2);
}

struct want {
	uint64_t cookie;
	uint16_t local_port, remote_port;
	unsigned seen;
	struct sockmap_member mb;
};

static int find_kernel(const struct sockmap_member *mb, void *arg)
{
	struct want *w = arg;

	if (mb->rec.cookie == w->cookie) {
		w->seen++;
		w->mb = *mb;
	}
	return 0;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in6 sa;
	socklen_t len = sizeof(sa);

	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin6_port);
}

/* sock ls: once, as added by the kernel, with its addresses and state,
 * also after accept mode went off (it is still a member). */
static void listed_as_kernel(int family)
{
	uint16_t port;
	int lfd = listener(family, 0, &port), c, a;
	struct want w = { 0 };

	add(lfd);
	a = connection(family, lfd, port, &c);
	w.cookie = cookie_of(a);
	cr_assert_eq(sockmap_accept_rm(sm, cookie_of(lfd), why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(sockmap_members(sm, find_kernel, &w), 0);
	cr_assert_eq(w.seen, 1, "listed once");
	cr_assert(w.mb.kernel, "as added by the kernel");
	cr_assert_eq(w.mb.rec.family, family);
	cr_assert_eq(w.mb.rec.local.sin6_family, family);
	cr_assert_eq(ntohs(w.mb.rec.local.sin6_port), port);
	cr_assert_eq(ntohs(w.mb.rec.remote.sin6_port), local_port(c));
	cr_assert_eq(w.mb.tcp_state, 1 /* TCP_ESTABLISHED */);
	close(a), close(c), close(lfd);
}

Test(accept, v4_members_listed_as_kernel)
{
	listed_as_kernel(AF_INET);
}

Test(accept, v6_members_listed_as_kernel)
{
	listed_as_kernel(AF_INET6);
}

/* fd over a Unix socket (SCM_RIGHTS), with one byte b. */
static int send_fd(int sock, int fd, char b)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1 || !(c = CMSG_FIRSTHDR(&mh)) ||
	    c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The child of netns_listener, in a network namespace of its own with lo
 * up: it hands over a listener, then (told to) makes one connection to
 * it and hands over the accepted socket. No criterion asserts here. */
static void netns_child(int sock)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int io, lfd, c, a;
	char b;

	alarm(20);                  /* never outlive a failed test */
	if (unshare(CLONE_NEWNET) < 0 ||
	    (io = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    ioctl(io, SIOCGIFFLAGS, &ifr) < 0)
		_exit(1);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(io, SIOCSIFFLAGS, &ifr) < 0 ||
	    (lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, len) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0 ||
	    send_fd(sock, lfd, 'l') < 0 || read(sock, &b, 1) != 1 ||
	    (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&sa, len) < 0 ||
	    (a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 || send_fd(sock, a, 'a') < 0)
		_exit(1);
	pause();                    /* the parent kills it when done */
	_exit(0);
}

/* A listener in another network namespace (the sock_ops program is on
 * the cgroup, which spans namespaces). */
Test(accept, listener_in_another_netns)
{
	uint64_t ours = 0, theirs = 0;
	socklen_t len = sizeof(ours);
	int sv[2], lfd, a, st, self = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		netns_child(sv[1]);
	}
	close(sv[1]);
	lfd = recv_fd(sv[0]);
	cr_assert_geq(lfd, 0, "the child's listener");
	getsockopt(self, SOL_SOCKET, SO_NETNS_COOKIE, &ours, &len);
	getsockopt(lfd, SOL_SOCKET, SO_NETNS_COOKIE, &theirs, &len);
	cr_assert_neq(ours, theirs, "another netns");
	add(lfd);
	cr_assert_eq(write(sv[0], "g", 1), 1);
	a = recv_fd(sv[0]);
	cr_assert_geq(a, 0, "the child's accepted socket");
	cr_assert(member(cookie_of(a)), "accepted in the other netns: a member");
	cr_assert_eq(listed().n, 1);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	close(a), close(lfd), close(self), close(sv[0]);
}

/* The map's verdict applies to them, counted in its aux maps by their
 * cookie (sm_sk filled by the program); a connection from before the add
 * is untouched; the counters go when the socket closes. */
Test(accept, verdict_applies_and_counts)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int cnt_fd = sockmap_aux(sm)->fds[SOCKMAP_AUX_CNT];
	struct sockmap_counters cnt[256];
	struct sockmap_counters sum;
	uint16_t port;
	int lfd = listener(AF_INET, 0, &port), c0, a0 = connection(AF_INET, lfd, port, &c0);
	int c, a;
	uint64_t ac;
	char b = 'x';

	cr_assert_eq(sockmap_attach_builtin(sm, SOCKMAP_MSG_VERDICT, "drop", false, why,
					    sizeof(why)), 0, "%s", why);
	add(lfd);
	a = connection(AF_INET, lfd, port, &c);
	ac = cookie_of(a);
	cr_assert_eq(send(a, &b, 1, MSG_NOSIGNAL), -1, "dropped by the verdict");
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(send(a0, &b, 1, MSG_NOSIGNAL), 1, "the earlier one is not a member");
	cr_assert_eq(sockmap_aux_counters(sockmap_aux(sm), ac, &sum), 0);
	cr_assert_eq(sum.tx_msgs, 1);
	cr_assert_eq(sum.dropped, 1);
	setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(a);           /* a reset: TCP_CLOSE at once */
	cr_assert_lt(bpf_map_lookup_elem(cnt_fd, &ac, cnt), 0, "its counters went");
	close(c), close(a0), close(c0), close(lfd);
}

/* The child: no criterion asserts here (they are the worker's); it tells
 * by closing the pipe without a byte when it failed. */
static void added_then_pause(int lfd, int done)
{
	struct sockmap_limits lim = { 0 };
	struct sockmap *s;

	alarm(20);                  /* never outlive a failed test */
	if (sockmap_mgr_open(&mgr, store, NULL, NULL, &lim, why, sizeof(why)) < 0 ||
	    sockmap_get(mgr, hash_fd, 0, &s, why, sizeof(why)) < 0 ||
	    sockmap_accept_add(s, lfd, 0, why, sizeof(why)) < 0)
		_exit(1);
	(void)!write(done, "k", 1);
	pause();
	_exit(0);
}

/* A process that did the add (as the daemon would) is killed with
 * SIGKILL: the pinned link goes on adding, and a new manager on the
 * store finds the listener. */
Test(accept, goes_on_after_sigkill)
{
	uint16_t port;
	int lfd = listener(AF_INET, 0, &port), c, a, p[2], st;
	char b;
	pid_t pid;

	sockmap_mgr_close(mgr);
	mgr = NULL;                 /* teardown's, should an assert stop here */
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		added_then_pause(lfd, p[1]);
	close(p[1]);
	if (read(p[0], &b, 1) != 1) {
		waitpid(pid, &st, 0);
		cr_assert_fail("the child could not add the listener");
	}
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFSIGNALED(st));
	a = connection(AF_INET, lfd, port, &c);
	cr_assert(member(cookie_of(a)), "the pinned link still adds");
	open_mgr();
	cr_assert_eq(listed().n, 1, "a new manager finds the listener");
	close(a), close(c), close(lfd), close(p[0]);
}

static void refused(int fd, int err, const char *what)
{
	why[0] = '\0';
	cr_assert_eq(sockmap_accept_add(sm, fd, 0, why, sizeof(why)), err, "%s: %s", what, why);
	cr_assert(why[0], "%s: a sentence", what);
	if (err == -EINVAL)
		cr_assert(strstr(why, "sockhash with key-size 8"), "%s: says why: %s", what, why);
	cr_log_info("%s: %s", what, why);
}

Test(accept, refuses_non_listeners)
{
	uint16_t port;
	int lfd = listener(AF_INET, 0, &port), c, a = connection(AF_INET, lfd, port, &c);
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int fresh = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ux = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	/* abstract, autobound: no path to clean up */
	cr_assert_eq(bind(ux, (struct sockaddr *)&un, sizeof(sa_family_t)), 0);
	cr_assert_eq(listen(ux, 1), 0);

	refused(c, -EOPNOTSUPP, "a connected socket");
	refused(a, -EOPNOTSUPP, "an accepted socket");
	refused(udp, -EOPNOTSUPP, "a UDP socket");
	cr_assert(strstr(why, "not a UDP socket"), "%s", why);
	refused(ux, -EOPNOTSUPP, "a listening AF_UNIX socket");
	cr_assert(strstr(why, "not a AF_UNIX"), "%s", why);
	refused(fresh, -EOPNOTSUPP, "a TCP socket not listening");
	cr_assert_not(link_pinned());
	close(a), close(c), close(udp), close(fresh), close(ux), close(lfd);
}

static void refused_map(int type, uint32_t key_size)
{
	int fd = bpf_map_create(type, "t_other", key_size, 8, 8, NULL);
	uint16_t port;
	int lfd = listener(AF_INET, 0, &port);

	cr_assert_geq(fd, 0);
	cr_assert_eq(sockmap_get(mgr, fd, 0, &sm, why, sizeof(why)), 0, "%s", why);
	refused(lfd, -EINVAL, type == BPF_MAP_TYPE_SOCKMAP ? "a sockmap" : "key-size 4");
	close(lfd);
	close(fd);
}

Test(accept, refuses_sockmap)
{
	refused_map(BPF_MAP_TYPE_SOCKMAP, 4);
}

Test(accept, refuses_key_size_4)
{
	refused_map(BPF_MAP_TYPE_SOCKHASH, 4);
}
