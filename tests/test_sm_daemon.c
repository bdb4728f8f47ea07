/* tests/test_sm_daemon.c: the built-in sockmap programs through the real
 * daemon, on real loopback TCP (v4, v6) and AF_UNIX stream sockets: pair
 * splicing two connections (100 MiB byte-exact, a close in the middle, data
 * queued before the insert, a SIGKILL of the daemon mid-transfer), the
 * counters of sock ls to the byte for pair, pass and tap, lenprefix's
 * frames, the tap's rules over the RPC, and members that leave with the
 * process that lent them. The kernel copies a map's programs into a socket
 * at its insert: every test attaches first, then adds. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bpfpin/bpfpin.h"
#include "tests/dt_util.h"
#include "tests/harness.h"
#include "tests/sm_util.h"

#define MiB (1u << 20)

static struct th_daemon d;
static struct bpfpin *b;

static void setup(void)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, false, NULL), 0, "bpfpind did not start");
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_eq(bpfpin_mkdir(b, "/s", 0755), 0);
}

static void teardown(void)
{
	if (b)
		bpfpin_close(b);
	b = NULL;
	th_daemon_stop(&d);
}

TestSuite(smd, .init = setup, .fini = teardown, .timeout = 30);

/* A sockmap at path with built-in prog on each of the hooks (a
 * NULL-terminated list), attached before any member is added. */
static void sockmap_with(const char *path, const char *prog, const char *const *hooks)
{
	struct bpfpin_sockmap_opts o = { .sz = sizeof(o), .umask = -1 };

	cr_assert_eq(bpfpin_sockmap_create(b, path, &o), 0, "%s", bpfpin_errmsg(b));
	for (; *hooks; hooks++)
		cr_assert_eq(bpfpin_sockmap_attach(b, path, *hooks, prog, -1, 0), 0,
			     "attach %s %s: %s", prog, *hooks, bpfpin_errmsg(b));
}

static void add_one(const char *path, int fd, bool give)
{
	struct bpfpin_sock_opts o = { .sz = sizeof(o), .peer_fd = -1, .give = give };

	cr_assert_eq(bpfpin_sock_add(b, path, fd, &o, NULL), 0, "%s", bpfpin_errmsg(b));
}

static void add_pair(const char *path, int fd, int peer, bool give)
{
	struct bpfpin_sock_opts o = { .sz = sizeof(o), .peer_fd = peer, .give = give };

	cr_assert_eq(bpfpin_sock_add(b, path, fd, &o, NULL), 0, "%s", bpfpin_errmsg(b));
}

/* The splice of every pair test: client A talks to A' (pa[1], accepted),
 * B' (pb[0], connected) talks to server B (pb[1]); A' and B' go into the
 * sockmap at path (with pair attached there) as a pair. */
struct splice {
	int a, a2, b2, bb;
	uint64_t ca2, cb2;      /* cookies of A' and B' */
};

static void splice_make(int family, struct splice *s)
{
	int pa[2], pb[2];

	su_pair(family, pa);
	su_pair(family, pb);
	s->a = pa[0], s->a2 = pa[1], s->b2 = pb[0], s->bb = pb[1];
	s->ca2 = su_cookie(s->a2);
	s->cb2 = su_cookie(s->b2);
}

static const char *pair_hook(int family)
{
	/* AF_UNIX has no stream parser in the kernel: skb_verdict */
	return family == AF_UNIX ? "skb_verdict" : "stream_verdict";
}

/* The pair built-in on /s/m for family, and a splice given to it (the
 * test's fds of A' and B' closed: the daemon holds them alone). */
static void given_splice(int family, struct splice *s)
{
	const char *hooks[] = { pair_hook(family), NULL };

	sockmap_with("/s/m", "pair", hooks);
	splice_make(family, s);
	add_pair("/s/m", s->a2, s->b2, true);
	close(s->a2), close(s->b2);
	s->a2 = s->b2 = -1;
}

static void echo(int a, int bb, uint64_t total, const char *what)
{
	struct dt_echo e = { .a = a, .b = bb, .total = total, .stall_ms = 5000 };
	int r = dt_echo_run(&e);

	cr_assert_eq(r, 0, "%s: echo %s at %llu of %llu (first bad byte %lld)", what,
		     strerror(-r), (unsigned long long)atomic_load(&e.got),
		     (unsigned long long)total, (long long)e.bad_at);
}

static void pair_echo(int family, uint64_t total)
{
	struct splice s;
	struct json_object *root;

	given_splice(family, &s);
	echo(s.a, s.bb, total, "pair");
	root = dt_ls(b, "/s/m");
	cr_assert_eq(dt_counter(dt_member(root, s.ca2), "rx_bytes"), (int64_t)total);
	cr_assert_eq(dt_counter(dt_member(root, s.cb2), "rx_bytes"), (int64_t)total);
	cr_assert_str_eq(dt_attached(root, pair_hook(family)), "builtin:pair");
	json_object_put(root);
	close(s.a), close(s.bb);
}

Test(smd, pair_echoes_100MiB_byte_exact_v4) { pair_echo(AF_INET, 100 * MiB); }
Test(smd, pair_echoes_byte_exact_v6) { pair_echo(AF_INET6, 32 * MiB); }
Test(smd, pair_echoes_byte_exact_unix) { pair_echo(AF_UNIX, 16 * MiB); }
