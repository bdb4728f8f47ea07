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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
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

/* One side's writer: n pattern bytes to fd, then its close. */
struct writer {
	int fd;
	uint64_t n;
	int r;
	atomic_bool done;
	pthread_t t;
};

static void *write_then_close(void *arg)
{
	struct writer *w = arg;

	w->r = dt_send_pattern(w->fd, w->n);
	close(w->fd);
	atomic_store(&w->done, true);
	return NULL;
}

static void wait_done(struct writer *w, int ms)
{
	for (int i = 0; i < ms / 10 && !atomic_load(&w->done); i++)
		usleep(10000);
}

/* The writer end sends n bytes and closes while the reader end has read
 * nothing yet; the reader then gets exactly n bytes and EOF (the FIN came
 * after the bytes), closes too, and the pair leaves the map. */
static void close_mid(int family, uint64_t n, bool a_closes)
{
	struct writer w = { .n = n };
	struct splice s;
	uint64_t got = 0;
	bool closed_first;
	int reader, r;

	given_splice(family, &s);
	w.fd = a_closes ? s.a : s.bb;
	reader = a_closes ? s.bb : s.a;
	cr_assert_eq(pthread_create(&w.t, NULL, write_then_close, &w), 0);
	/* the reader waits for the close: n fits in what the kernel queues
	 * on the way (the psock's backlog takes TCP's MiBs, up to the
	 * daemon's --pair-budget of 4 MiB and the socket buffers) */
	wait_done(&w, 3000);
	closed_first = atomic_load(&w.done);
	r = dt_recv_pattern(reader, 5000, &got);
	pthread_join(w.t, NULL);
	cr_assert_eq(w.r, 0, "the writer: %s", strerror(-w.r));
	cr_assert(closed_first, "the writer could not finish before the reader read");
	cr_assert_neq(r, -ETIMEDOUT, "read %llu of %llu, then no EOF within 5 s",
		      (unsigned long long)got, (unsigned long long)n);
	cr_assert_eq(r, 0, "read %llu of %llu, then %s", (unsigned long long)got,
		     (unsigned long long)n, strerror(-r));
	cr_assert_eq(got, n, "got %llu of %llu bytes before EOF",
		     (unsigned long long)got, (unsigned long long)n);
	close(reader);
	cr_assert(dt_wait_nmembers(b, "/s/m", 0, 5000),
		  "both sides closed, the pair still has members");
}

Test(smd, a_closing_mid_transfer_loses_nothing_v4) { close_mid(AF_INET, 8 * MiB, true); }
Test(smd, b_closing_mid_transfer_loses_nothing_v4) { close_mid(AF_INET, 8 * MiB, false); }
Test(smd, a_closing_mid_transfer_loses_nothing_v6) { close_mid(AF_INET6, 8 * MiB, true); }
Test(smd, b_closing_mid_transfer_loses_nothing_unix) { close_mid(AF_UNIX, 128 << 10, false); }
Test(smd, a_closing_mid_transfer_loses_nothing_unix) { close_mid(AF_UNIX, 128 << 10, true); }

/* Bytes each side wrote before the pair's insert reach the other side
 * with nothing more sent: the daemon kicks them through. */
static void queued_before_add(int family)
{
	const char *hooks[] = { pair_hook(family), NULL };
	static char in[96 << 10], want[96 << 10];
	struct splice s;
	struct json_object *root;

	sockmap_with("/s/m", "pair", hooks);
	splice_make(family, &s);
	dt_pattern(want, sizeof(want), 0);
	su_write_all(s.a, want, 64 << 10);
	su_write_all(s.bb, want, 32 << 10);
	usleep(20000);          /* into A's and B's receive queues */
	add_pair("/s/m", s.a2, s.b2, true);
	close(s.a2), close(s.b2);
	cr_assert(su_read_all(s.bb, in, 64 << 10, 3000), "A's queued bytes stuck");
	cr_assert_eq(memcmp(in, want, 64 << 10), 0);
	cr_assert(su_read_all(s.a, in, 32 << 10, 3000), "B's queued bytes stuck");
	cr_assert_eq(memcmp(in, want, 32 << 10), 0);
	root = dt_ls(b, "/s/m");
	/* AF_UNIX: moved by the daemon before the insert, not counted */
	cr_assert_eq(dt_counter(dt_member(root, s.ca2), "rx_bytes"),
		     family == AF_UNIX ? 0 : 64 << 10);
	cr_assert_eq(dt_counter(dt_member(root, s.cb2), "rx_bytes"),
		     family == AF_UNIX ? 0 : 32 << 10);
	/* and what comes next goes by the verdict, after them */
	su_write_all(s.a, want, 100);
	cr_assert(su_read_all(s.bb, in, 100, 3000), "later bytes stuck");
	cr_assert_eq(memcmp(in, want, 100), 0);
	json_object_put(root);
	close(s.a), close(s.bb);
}

Test(smd, data_queued_before_the_add_is_kicked_through_v4) { queued_before_add(AF_INET); }
Test(smd, data_queued_before_the_add_is_moved_through_unix) { queued_before_add(AF_UNIX); }

/* Send n pattern bytes from `from`, and see them arrive whole at `to`. */
static void through(int from, int to, size_t n, const char *what)
{
	static char out[4096], in[4096];

	cr_assert_leq(n, sizeof(out));
	dt_pattern(out, n, n * 7);
	su_write_all(from, out, n);
	cr_assert(su_read_all(to, in, n, 3000), "%s: %zu bytes did not come", what, n);
	cr_assert_eq(memcmp(in, out, n), 0, "%s: other bytes came", what);
}

/* Send n bytes of msg from `from`; nothing of them may arrive at `to`. */
static void held_back_n(int from, int to, const char *msg, size_t n)
{
	su_write_all(from, msg, n);
	cr_assert_not(su_any_within(to, 150), "%s came through", msg);
}

static void held_back(int from, int to, const char *msg)
{
	held_back_n(from, to, msg, strlen(msg));
}

static void counters_are(struct json_object *m, const char *what, int64_t rx_bytes,
			 int64_t rx_msgs, int64_t tx_bytes, int64_t tx_msgs,
			 int64_t passed, int64_t dropped, int64_t redirected)
{
	const struct { const char *k; int64_t v; } want[] = {
		{ "rx_bytes", rx_bytes }, { "rx_msgs", rx_msgs },
		{ "tx_bytes", tx_bytes }, { "tx_msgs", tx_msgs },
		{ "passed", passed }, { "dropped", dropped },
		{ "redirected", redirected }, { "redirect_miss", 0 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(dt_counter(m, want[i].k), want[i].v, "%s: %s is %lld, not %lld",
			     what, want[i].k, (long long)dt_counter(m, want[i].k),
			     (long long)want[i].v);
}

/* One message at a time (each waited for, so each is an skb of its own):
 * A' and B' count every byte and message they redirect. */
Test(smd, pair_counters_exact_in_sock_ls)
{
	struct splice s;
	struct json_object *root;
	int64_t ab = 0, ba = 0;

	given_splice(AF_INET, &s);
	for (unsigned i = 0; i < 40; i++) {
		size_t n = (i * 997) % 3000 + 1;

		through(s.a, s.bb, n, "A to B");
		through(s.bb, s.a, n + 3, "B to A");
		ab += n, ba += n + 3;
	}
	root = dt_ls(b, "/s/m");
	counters_are(dt_member(root, s.ca2), "A'", ab, 40, 0, 0, 0, 0, 40);
	counters_are(dt_member(root, s.cb2), "B'", ba, 40, 0, 0, 0, 0, 40);
	json_object_put(root);
	close(s.a), close(s.bb);
}

/* pass on both paths of a lent member X (fd[1]): what it receives and
 * what it sends, counted apart. */
Test(smd, pass_counters_exact_in_sock_ls)
{
	const char *hooks[] = { "stream_verdict", "msg_verdict", NULL };
	struct json_object *root;
	int64_t rx = 0, tx = 0;
	int fd[2];

	sockmap_with("/s/p", "pass", hooks);
	su_pair(AF_INET6, fd);
	add_one("/s/p", fd[1], false);
	for (unsigned i = 0; i < 30; i++) {
		through(fd[0], fd[1], i * 50 + 1, "to X");
		rx += i * 50 + 1;
	}
	for (unsigned i = 0; i < 20; i++) {
		through(fd[1], fd[0], i * 70 + 2, "from X");
		tx += i * 70 + 2;
	}
	root = dt_ls(b, "/s/p");
	counters_are(dt_member(root, su_cookie(fd[1])), "X", rx, 30, tx, 20, 50, 0, 0);
	cr_assert_str_eq(dt_attached(root, "msg_verdict"), "builtin:pass");
	json_object_put(root);
	close(fd[0]), close(fd[1]);
}

/* tap with a drop rule each way: the dropped messages count as received
 * or sent, and as dropped; the others as passed. */
Test(smd, tap_counters_exact_in_sock_ls)
{
	const char *hooks[] = { "stream_verdict", "msg_verdict", NULL };
	struct json_object *root;
	int fd[2];

	sockmap_with("/s/t", "tap", hooks);
	cr_assert_eq(bpfpin_tap_add(b, "/s/t", "DROP", "rx", "drop"), 0, "%s",
		     bpfpin_errmsg(b));
	cr_assert_eq(bpfpin_tap_add(b, "/s/t", "NOTX", "tx", "drop"), 0);
	su_pair(AF_INET, fd);
	add_one("/s/t", fd[1], false);
	for (unsigned i = 0; i < 10; i++)
		through(fd[0], fd[1], 100, "to X");
	held_back(fd[0], fd[1], "DROP me");
	held_back(fd[0], fd[1], "DROP me too");
	through(fd[0], fd[1], 10, "to X after drops");
	for (unsigned i = 0; i < 5; i++)
		through(fd[1], fd[0], 20, "from X");
	held_back(fd[1], fd[0], "NOTX");
	through(fd[1], fd[0], 20, "from X after a drop");
	root = dt_ls(b, "/s/t");
	counters_are(dt_member(root, su_cookie(fd[1])), "X", 1000 + 7 + 11 + 10, 13,
		     100 + 4 + 20, 7, 11 + 6, 3, 0);
	json_object_put(root);
	close(fd[0]), close(fd[1]);
}

/* Frames of a 4-byte big-endian length and body_len(i) bytes of pattern,
 * into buf; their total size. */
static size_t frames(char *buf, size_t size, unsigned n, size_t (*body_len)(unsigned))
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t len = body_len(i), be = htonl(len);

		cr_assert_leq(off + 4 + len, size);
		memcpy(buf + off, &be, 4);
		dt_pattern(buf + off + 4, len, off + i);
		off += 4 + len;
	}
	return off;
}

static size_t body_60(unsigned i) { (void)i; return 60; }
static size_t body_1020(unsigned i) { (void)i; return 1020; }
static size_t body_mixed(unsigned i) { return i % 7 == 0 ? 0 : (i * 2654435761u) % 3000; }

/* lenprefix on the parser and the verdict of /s/l; fd[1] lent to it. */
static void lenprefix_member(int fd[2])
{
	const char *hooks[] = { "stream_parser", "stream_verdict", NULL };

	sockmap_with("/s/l", "lenprefix", hooks);
	su_pair(AF_INET, fd);
	add_one("/s/l", fd[1], false);
}

static void rx_msgs_is(int fd, int64_t msgs, int64_t bytes)
{
	struct json_object *root = dt_ls(b, "/s/l"), *m = dt_member(root, su_cookie(fd));

	cr_assert_eq(dt_counter(m, "rx_msgs"), msgs, "rx_msgs %lld, frames %lld",
		     (long long)dt_counter(m, "rx_msgs"), (long long)msgs);
	cr_assert_eq(dt_counter(m, "rx_bytes"), bytes);
	cr_assert_eq(dt_counter(m, "dropped"), 0);
	json_object_put(root);
}

/* 16 writes of 64 KiB, each packed with frames of frame_size bytes. */
static void lenprefix_packed(size_t (*body_len)(unsigned), unsigned frame_size)
{
	static char out[1 << 16], in[1 << 16];
	unsigned per = sizeof(out) / frame_size;
	int fd[2];

	lenprefix_member(fd);
	cr_assert_eq(frames(out, sizeof(out), per, body_len), sizeof(out));
	for (int w = 0; w < 16; w++) {
		su_write_all(fd[0], out, sizeof(out));
		cr_assert(su_read_all(fd[1], in, sizeof(in), 3000), "write %d lost", w);
		cr_assert_eq(memcmp(in, out, sizeof(in)), 0, "write %d differs", w);
	}
	rx_msgs_is(fd[1], 16 * per, 16 * sizeof(out));
	close(fd[0]), close(fd[1]);
}

Test(smd, lenprefix_counts_64B_frames_packed_in_64KiB_writes) { lenprefix_packed(body_60, 64); }
Test(smd, lenprefix_counts_1KiB_frames_packed_in_64KiB_writes) { lenprefix_packed(body_1020, 1024); }

/* Frames of 0 to 3000 bytes written in pieces that cut headers and bodies
 * (TCP_NODELAY and a pause after the small ones: skbs of their own). */
Test(smd, lenprefix_counts_frames_spanning_writes)
{
	static char out[1 << 20], in[1 << 20];
	static const size_t cuts[] = { 1, 3, 2, 4093, 7, 1, 1, 1, 1500, 5, 65536 };
	size_t total = frames(out, sizeof(out), 600, body_mixed), off = 0;
	int fd[2], one = 1;

	lenprefix_member(fd);
	cr_assert_eq(setsockopt(fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	for (unsigned i = 0; off < total; i++) {
		size_t c = cuts[i % 11], n = c < total - off ? c : total - off;

		su_write_all(fd[0], out + off, n);
		off += n;
		if (n < 8)
			usleep(200);
	}
	cr_assert(su_read_all(fd[1], in, total, 5000), "data lost");
	cr_assert_eq(memcmp(in, out, total), 0);
	rx_msgs_is(fd[1], 600, total);
	close(fd[0]), close(fd[1]);
}

/* tap_ls's rules as "prefix dir action;" items into out. */
static void tap_rules(const char *path, char *out, size_t len)
{
	struct json_object *root, *rules;
	char *text = NULL;
	size_t off = 0;

	cr_assert_eq(bpfpin_tap_ls(b, path, &text), 0, "%s", bpfpin_errmsg(b));
	root = json_tokener_parse(text);
	free(text);
	cr_assert(root && json_object_object_get_ex(root, "rules", &rules));
	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *p, *dd, *a;

		cr_assert(json_object_object_get_ex(r, "prefix", &p) &&
			  json_object_object_get_ex(r, "dir", &dd) &&
			  json_object_object_get_ex(r, "action", &a));
		off += snprintf(out + off, len - off, "%s %s %s;", json_object_get_string(p),
				json_object_get_string(dd), json_object_get_string(a));
		cr_assert_lt(off, len);
	}
	json_object_put(root);
}

/* A drop rule drops what it matches and nothing after it; tap_ls shows
 * the rules, tap_rm takes one away. */
Test(smd, tap_drop_rule_drops_then_passes_and_rules_list_and_go)
{
	const char *hooks[] = { "stream_verdict", "msg_verdict", NULL };
	char rules[512], in[16];
	int fd[2];

	sockmap_with("/s/t", "tap", hooks);
	cr_assert_eq(bpfpin_tap_add(b, "/s/t", "BAD", "rx", "drop"), 0, "%s",
		     bpfpin_errmsg(b));
	cr_assert_eq(bpfpin_tap_add(b, "/s/t", "0x00ff", "both", "drop"), 0, "%s",
		     bpfpin_errmsg(b));
	cr_assert_eq(bpfpin_tap_add(b, "/s/t", "KILL", "tx", "disconnect"), 0);
	tap_rules("/s/t", rules, sizeof(rules));
	cr_assert(strstr(rules, "0x424144 rx drop;"), "%s", rules);
	cr_assert(strstr(rules, "0x00ff both drop;"), "%s", rules);
	cr_assert(strstr(rules, "0x4b494c4c tx disconnect;"), "%s", rules);
	su_pair(AF_INET, fd);
	add_one("/s/t", fd[1], false);
	held_back(fd[0], fd[1], "BAD bytes");
	through(fd[0], fd[1], 300, "after a drop");
	held_back_n(fd[1], fd[0], "\x00\xff from X", 9);
	through(fd[1], fd[0], 300, "a send after a tx drop");
	su_write_all(fd[0], "BAD", 3);
	usleep(50000);
	cr_assert_eq(bpfpin_tap_rm(b, "/s/t", "BAD", "rx"), 0, "%s", bpfpin_errmsg(b));
	cr_assert_eq(bpfpin_tap_rm(b, "/s/t", "BAD", "rx"), -ENOENT);
	tap_rules("/s/t", rules, sizeof(rules));
	cr_assert_null(strstr(rules, "0x424144"), "%s", rules);
	su_write_all(fd[0], "BAD again", 9);
	cr_assert(su_read_all(fd[1], in, 9, 3000), "a removed rule still drops");
	cr_assert_eq(memcmp(in, "BAD again", 9), 0, "the dropped BAD came after all");
	cr_assert_eq(dt_nmembers(b, "/s/t"), 1);
	close(fd[0]), close(fd[1]);
}

/* The peer of a disconnected member sees its connection end soon: EOF,
 * or a reset. */
static void ends_within(int fd, int ms)
{
	char c;
	ssize_t r;

	struct pollfd p = { .fd = fd, .events = POLLIN };

	cr_assert_eq(poll(&p, 1, ms), 1, "the peer's connection did not end");
	r = recv(fd, &c, 1, MSG_DONTWAIT);
	cr_assert(r == 0 || (r < 0 && (errno == ECONNRESET || errno == ECONNABORTED)),
		  "recv gave %zd (%s), not the end", r, strerror(errno));
}

/* A message that hits a disconnect rule ends the member's connection
 * (received by a lent v4 member, sent by a given v6 one). */
static void tap_disconnect(int family, bool give, const char *dir)
{
	const char *hooks[] = { "stream_verdict", "msg_verdict", NULL };
	bool rx = strcmp(dir, "rx") == 0;
	int fd[2], other[2];

	sockmap_with("/s/t", "tap", hooks);
	cr_assert_eq(bpfpin_tap_add(b, "/s/t", "QUIT", dir, "disconnect"), 0);
	su_pair(family, fd);
	su_pair(family, other);
	add_one("/s/t", fd[1], give);
	add_one("/s/t", other[1], false);
	through(fd[0], fd[1], 100, "before");
	if (rx)
		su_write_all(fd[0], "QUIT now", 8);
	else    /* dropped: the send fails with EACCES */
		(void)!send(fd[1], "QUIT now", 8, MSG_NOSIGNAL);
	if (give)
		close(fd[1]);   /* the daemon's fd is the last */
	ends_within(fd[0], 2000);
	cr_assert(dt_wait_nmembers(b, "/s/t", 1, 2000), "the member is still listed");
	struct json_object *root = dt_ls(b, "/s/t");

	cr_assert_not_null(dt_member(root, su_cookie(other[1])), "the other one went");
	json_object_put(root);
	through(other[0], other[1], 100, "the other member");
	close(fd[0]), close(other[0]), close(other[1]);
	if (!give)
		close(fd[1]);
}

Test(smd, tap_disconnect_rx_ends_a_lent_v4_member) { tap_disconnect(AF_INET, false, "rx"); }
Test(smd, tap_disconnect_rx_ends_a_given_v6_member) { tap_disconnect(AF_INET6, true, "rx"); }
Test(smd, tap_disconnect_tx_ends_a_lent_v4_member) { tap_disconnect(AF_INET, false, "tx"); }

/* The daemon killed with SIGKILL once half the echo is back, from another
 * thread while the echo runs. */
struct killer {
	struct dt_echo *e;
	uint64_t at;            /* bytes back when the kill came */
	int r;
	pthread_t t;
};

static void *kill_midway(void *arg)
{
	struct killer *k = arg;

	while (atomic_load(&k->e->got) < k->e->total / 4)
		usleep(1000);
	k->at = atomic_load(&k->e->got);
	k->r = th_daemon_restart(&d, SIGKILL);
	return NULL;
}

/* A lent pair goes on splicing while the daemon dies and comes back, and
 * the daemon knows it again afterwards. */
Test(smd, sigkill_of_the_daemon_mid_transfer_loses_no_byte_of_a_lent_pair)
{
	const char *hooks[] = { "stream_verdict", NULL };
	struct dt_echo e = { .total = 100 * MiB, .stall_ms = 5000 };
	struct killer k = { .e = &e };
	struct json_object *root, *ma, *mb;
	struct splice s;
	int r;

	sockmap_with("/s/m", "pair", hooks);
	splice_make(AF_INET, &s);
	add_pair("/s/m", s.a2, s.b2, false);
	bpfpin_close(b);
	b = NULL;
	e.a = s.a, e.b = s.bb;
	cr_assert_eq(pthread_create(&k.t, NULL, kill_midway, &k), 0);
	r = dt_echo_run(&e);
	pthread_join(k.t, NULL);
	cr_assert_eq(r, 0, "echo %s at %llu (first bad byte %lld)", strerror(-r),
		     (unsigned long long)atomic_load(&e.got), (long long)e.bad_at);
	cr_assert_eq(k.r, 0, "the restart failed");
	cr_assert_lt(k.at, e.total / 2, "the kill came too late: at %llu",
		     (unsigned long long)k.at);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	root = dt_ls(b, "/s/m");
	cr_assert_eq(json_object_array_length(json_object_object_get(root, "members")), 2);
	ma = dt_member(root, s.ca2);
	mb = dt_member(root, s.cb2);
	cr_assert(ma && mb, "A' or B' is no longer listed");
	cr_assert_eq(dt_int(ma, "peer_key"), dt_int(mb, "key"));
	cr_assert_eq(dt_int(mb, "peer_key"), dt_int(ma, "key"));
	cr_assert_eq(dt_counter(ma, "rx_bytes"), (int64_t)e.total);
	cr_assert_str_eq(dt_attached(root, "stream_verdict"), "builtin:pair");
	json_object_put(root);
	close(s.a), close(s.a2), close(s.b2), close(s.bb);
	cr_assert(dt_wait_nmembers(b, "/s/m", 0, 3000));
}

/* A child lends a socket through its own connection and exits: its end
 * closes with it and no member stays. */
Test(smd, a_process_that_exits_leaves_no_member)
{
	const char *hooks[] = { "stream_verdict", NULL };
	int ctl[2], st;
	char c = 0;
	pid_t pid;

	sockmap_with("/s/m", "pass", hooks);
	/* both ways: the child says it added, the parent that it looked */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct bpfpin_sock_opts o = { .sz = sizeof(o), .peer_fd = -1 };
		struct bpfpin *cb;
		int fd[2];

		close(ctl[0]);
		if (bpfpin_connect(d.sock, &cb) < 0)
			_exit(2);
		su_pair(AF_INET, fd);
		c = bpfpin_sock_add(cb, "/s/m", fd[1], &o, NULL) == 0 ? 'y' : 'n';
		(void)!write(ctl[1], &c, 1);
		/* wait for the parent's look, then exit with both ends open */
		(void)!read(ctl[1], &c, 1);
		_exit(0);
	}
	close(ctl[1]);
	cr_assert_eq(read(ctl[0], &c, 1), 1);
	cr_assert_eq(c, 'y', "the child's add failed");
	struct json_object *root = dt_ls(b, "/s/m"), *m;

	m = json_object_array_get_idx(json_object_object_get(root, "members"), 0);
	cr_assert_not_null(m, "the child's member is not listed");
	cr_assert_eq(dt_int(m, "pid"), pid);
	json_object_put(root);
	cr_assert_eq(write(ctl[0], "g", 1), 1);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	close(ctl[0]);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert(dt_wait_nmembers(b, "/s/m", 0, 2000), "the child's member stays");
}
