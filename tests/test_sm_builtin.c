/* tests/test_sm_builtin.c: the built-in sockmap programs of
 * sockmap/builtin.h loaded on a real sockmap or sockhash, attached to it
 * and run on real loopback TCP (v4, v6) and AF_UNIX stream sockets: pass
 * and drop on the receive and the send path, pair splicing two
 * connections, lenprefix's frames, the tap's rules and disconnects, the
 * counters to the byte, and a member's removal. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "sockmap/builtin.h"
#include "tests/sm_util.h"

#define SLOTS 8

/* The sockmap of a test, its aux maps and the sockets it made. */
static int map = -1;
static struct sockmap_aux aux;
static int socks[16], nsocks;

static void setup(void)
{
	sockmap_aux_init(&aux);
}

static void teardown(void)
{
	while (nsocks)
		close(socks[--nsocks]);
	sockmap_aux_close(&aux);
	if (map >= 0)
		close(map);
	map = -1;
}

TestSuite(builtin, .init = setup, .fini = teardown, .timeout = 20);

static void make_map(enum bpf_map_type type, unsigned key_size)
{
	char why[256] = "";

	map = bpf_map_create(type, "t_sock", key_size, 4, SLOTS, NULL);
	cr_assert_geq(map, 0, "map: %s", strerror(errno));
	cr_assert_eq(sockmap_aux_create(SLOTS, &aux, why, sizeof(why)), 0, "aux: %s", why);
}

/* Load built-in name for hook and attach it to the map (which then holds
 * the program: its fd is closed here). */
static void attach(const char *name, enum sockmap_hook hook)
{
	char why[512] = "";
	int prog = sockmap_builtin_load(name, hook, map, &aux, why, sizeof(why));

	cr_assert_geq(prog, 0, "load %s: %d %s", name, prog, why);
	cr_assert_eq(bpf_prog_attach(prog, map, sockmap_hook_attach_type(hook), 0), 0,
		     "attach %s: %s", name, strerror(errno));
	close(prog);
}

/* The same through a BPF link (kept in socks[], closed with them). */
static void attach_link(const char *name, enum sockmap_hook hook)
{
	char why[512] = "";
	int prog = sockmap_builtin_load(name, hook, map, &aux, why, sizeof(why));
	int link;

	cr_assert_geq(prog, 0, "load %s: %d %s", name, prog, why);
	link = bpf_link_create(prog, map, sockmap_hook_attach_type(hook), NULL);
	cr_assert_geq(link, 0, "link %s: %s", name, strerror(errno));
	socks[nsocks++] = link;
	close(prog);
}

static void pair_of(int family, int fd[2])
{
	su_pair(family, fd);
	socks[nsocks++] = fd[0];
	socks[nsocks++] = fd[1];
}

/* Announce fd to the aux maps (paired with peer when peer >= 0). */
static void announce(int fd, int peer)
{
	struct sockmap_member_cfg cfg = { su_cookie(fd), peer >= 0, peer };
	char why[256] = "";

	cr_assert_eq(sockmap_aux_member_add(&aux, fd, &cfg, why, sizeof(why)), 0,
		     "member: %s", why);
}

/* Announce fd, then insert it at key; kick what was queued before. */
static void insert(uint32_t key, int fd, int peer)
{
	announce(fd, peer);
	cr_assert_eq(bpf_map_update_elem(map, &key, &fd, BPF_ANY), 0,
		     "insert: %s", strerror(errno));
	su_kick(fd);
}

static struct sockmap_counters counters(int fd)
{
	struct sockmap_counters c;

	cr_assert_eq(sockmap_aux_counters(&aux, su_cookie(fd), &c), 0);
	return c;
}

static void fill(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(seed + i * 31 + (i >> 9));
}

/* pass and drop, receive side: fd[1] is in the map, fd[0] sends. */

static void rx_pass(int family, enum sockmap_hook hook)
{
	char out[300], in[300];
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("pass", hook);
	pair_of(family, fd);
	insert(0, fd[1], -1);
	fill(out, sizeof(out), 1);
	for (int i = 0; i < 3; i++) {
		su_write_all(fd[0], out, 100);
		cr_assert(su_read_all(fd[1], in, 100, 2000), "pass lost data");
		cr_assert_eq(memcmp(in, out, 100), 0);
	}
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.rx_bytes, 300);
	cr_assert_eq(c.rx_msgs, 3);
	cr_assert_eq(c.passed, 3);
	cr_assert_eq(c.dropped + c.tx_bytes + c.tx_msgs + c.redirected + c.redirect_miss, 0);
}

Test(builtin, pass_rx_stream_v4) { rx_pass(AF_INET, SOCKMAP_STREAM_VERDICT); }
Test(builtin, pass_rx_skb_v6) { rx_pass(AF_INET6, SOCKMAP_SKB_VERDICT); }
Test(builtin, pass_rx_skb_unix) { rx_pass(AF_UNIX, SOCKMAP_SKB_VERDICT); }

static void rx_drop(int family, enum sockmap_hook hook)
{
	char out[100] = "dropped";
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("drop", hook);
	pair_of(family, fd);
	insert(0, fd[1], -1);
	su_write_all(fd[0], out, sizeof(out));
	cr_assert_not(su_any_within(fd[1], 300), "drop let data through");
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.rx_bytes, 100);
	cr_assert_eq(c.rx_msgs, 1);
	cr_assert_eq(c.dropped, 1);
	cr_assert_eq(c.passed, 0);
}

Test(builtin, drop_rx_stream_v4) { rx_drop(AF_INET, SOCKMAP_STREAM_VERDICT); }
Test(builtin, drop_rx_skb_v6) { rx_drop(AF_INET6, SOCKMAP_SKB_VERDICT); }
Test(builtin, drop_rx_skb_unix) { rx_drop(AF_UNIX, SOCKMAP_SKB_VERDICT); }

/* pass and drop, send side: fd[1] is in the map and sends. */

static void tx_pass(int family)
{
	char out[60], in[60];
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("pass", SOCKMAP_MSG_VERDICT);
	pair_of(family, fd);
	insert(0, fd[1], -1);
	fill(out, sizeof(out), 2);
	su_write_all(fd[1], out, 10);
	su_write_all(fd[1], out + 10, 20);
	su_write_all(fd[1], out + 30, 30);
	cr_assert(su_read_all(fd[0], in, 60, 2000), "pass lost data");
	cr_assert_eq(memcmp(in, out, 60), 0);
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.tx_bytes, 60);
	cr_assert_eq(c.tx_msgs, 3);
	cr_assert_eq(c.passed, 3);
	cr_assert_eq(c.rx_bytes + c.rx_msgs + c.dropped, 0);
}

Test(builtin, pass_tx_v4) { tx_pass(AF_INET); }
Test(builtin, pass_tx_v6) { tx_pass(AF_INET6); }

static void tx_drop(int family)
{
	char out[50] = "refused";
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("drop", SOCKMAP_MSG_VERDICT);
	pair_of(family, fd);
	insert(0, fd[1], -1);
	cr_assert_eq(send(fd[1], out, sizeof(out), MSG_NOSIGNAL), -1);
	cr_assert_eq(errno, EACCES, "send: %s", strerror(errno));
	cr_assert_not(su_any_within(fd[0], 200), "drop let data through");
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.tx_bytes, 50);
	cr_assert_eq(c.tx_msgs, 1);
	cr_assert_eq(c.dropped, 1);
}

Test(builtin, drop_tx_v4) { tx_drop(AF_INET); }
Test(builtin, drop_tx_v6) { tx_drop(AF_INET6); }

/* Both paths on one socket, many sizes: the counters to the byte. */
Test(builtin, counters_exact_both_paths)
{
	static char out[1 << 16], in[1 << 16];
	uint64_t sent = 0, got = 0;
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("pass", SOCKMAP_STREAM_VERDICT);
	attach("pass", SOCKMAP_MSG_VERDICT);
	pair_of(AF_INET, fd);
	insert(0, fd[1], -1);
	fill(out, sizeof(out), 3);
	for (unsigned i = 1; i <= 200; i++) {
		size_t n = (i * 7919) % 3000 + 1;

		su_write_all(fd[1], out, n);    /* tx of fd[1] */
		cr_assert(su_read_all(fd[0], in, n, 2000));
		cr_assert_eq(memcmp(in, out, n), 0);
		sent += n;
		su_write_all(fd[0], out, n + 5);        /* rx of fd[1] */
		cr_assert(su_read_all(fd[1], in, n + 5, 2000));
		got += n + 5;
	}
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.tx_bytes, sent);
	cr_assert_eq(c.tx_msgs, 200);
	cr_assert_eq(c.rx_bytes, got);
	cr_assert_geq(c.rx_msgs, 200);
	cr_assert_eq(c.passed, c.tx_msgs + c.rx_msgs);
	cr_assert_eq(c.dropped, 0);
}

/* Removing a member forgets its counters and its peer. */
Test(builtin, member_rm_clears)
{
	char buf[64] = "x";
	int fd[2], other[2];
	struct sockmap_counters c;

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("pair", SOCKMAP_STREAM_VERDICT);
	pair_of(AF_INET, fd);
	pair_of(AF_INET, other);
	insert(1, other[1], -1);
	insert(0, fd[1], 1);
	su_write_all(fd[0], buf, sizeof(buf));
	cr_assert(su_read_all(other[0], buf, sizeof(buf), 2000), "pair did not redirect");
	c = counters(fd[1]);
	cr_assert_eq(c.redirected, 1);
	cr_assert_eq(c.rx_bytes, 64);
	sockmap_aux_member_rm(&aux, su_cookie(fd[1]));
	c = counters(fd[1]);
	cr_assert_eq(c.rx_bytes + c.rx_msgs + c.redirected, 0, "counters stay");
	/* no peer any more: passed here and a miss */
	su_write_all(fd[0], buf, sizeof(buf));
	cr_assert(su_read_all(fd[1], buf, sizeof(buf), 2000), "peer stays");
	c = counters(fd[1]);
	cr_assert_eq(c.redirect_miss, 1);
	cr_assert_eq(c.redirected, 0);
	cr_assert_eq(c.rx_bytes, 64);
}

/* The loader's refusals, with a sentence. */
Test(builtin, load_refusals)
{
	struct sockmap_aux none;
	char why[256] = "";
	int hmap;

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	cr_assert_eq(sockmap_builtin_load("nosuch", SOCKMAP_STREAM_VERDICT, map, &aux,
					  why, sizeof(why)), -ENOENT);
	cr_assert_eq(sockmap_builtin_load("pair", SOCKMAP_MSG_VERDICT, map, &aux,
					  why, sizeof(why)), -EINVAL);
	cr_assert_eq(sockmap_builtin_load("pass", SOCKMAP_STREAM_VERDICT, aux.fds[0],
					  &aux, why, sizeof(why)), -EINVAL);
	sockmap_aux_init(&none);
	cr_assert_eq(sockmap_builtin_load("pass", SOCKMAP_STREAM_VERDICT, map, &none,
					  why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "aux map sm_cnt is not open");
	hmap = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "t_hash8", 8, 4, SLOTS, NULL);
	cr_assert_geq(hmap, 0);
	why[0] = '\0';
	cr_assert_eq(sockmap_builtin_load("pair", SOCKMAP_STREAM_VERDICT, hmap, &aux,
					  why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "pair on a sockhash needs key-size 4");
	int parser = sockmap_builtin_load("lenprefix", SOCKMAP_STREAM_PARSER, hmap, &aux,
					  why, sizeof(why));

	cr_assert_geq(parser, 0, "a parser does not redirect: %s", why);
	close(parser);
	int prog = sockmap_builtin_load("pass", SOCKMAP_STREAM_VERDICT, hmap, &aux,
					why, sizeof(why));

	cr_assert_geq(prog, 0, "pass on a sockhash: %s", why);
	close(prog);
	close(hmap);
}

#define ECHO_BYTES (16u << 20)

/* One step of the echo: what B has is written back (nonblocking). */
static void echo_step(int b, char *buf, size_t size, size_t *have)
{
	ssize_t r, w;

	if (*have < size) {
		r = recv(b, buf + *have, size - *have, MSG_DONTWAIT);
		if (r > 0)
			*have += r;
	}
	if (*have) {
		w = send(b, buf, *have, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0) {
			memmove(buf, buf + w, *have - w);
			*have -= w;
		}
	}
}

/* Client A sends ECHO_BYTES through the spliced A'-B' to client B, which
 * echoes them back the same way; A reads them all, byte-exact. */
static void echo_through(int a, int b)
{
	static char out[ECHO_BYTES], in[1 << 16], ebuf[1 << 16];
	size_t sent = 0, got = 0, have = 0;

	time_t start = time(NULL);

	fill(out, sizeof(out), 4);
	while (got < ECHO_BYTES) {
		struct pollfd p[2] = { { .fd = a, .events = POLLIN },
				       { .fd = b, .events = POLLIN } };
		ssize_t r;

		if (sent < ECHO_BYTES)
			p[0].events |= POLLOUT;
		if (have)
			p[1].events |= POLLOUT;
		cr_assert_gt(poll(p, 2, 3000), 0, "echo stalled at %zu of %u", got,
			     ECHO_BYTES);
		cr_assert_lt(time(NULL) - start, 10, "echo too slow: %zu of %u", got,
			     ECHO_BYTES);
		if (sent < ECHO_BYTES) {
			r = send(a, out + sent, ECHO_BYTES - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r > 0)
				sent += r;
		}
		echo_step(b, ebuf, sizeof(ebuf), &have);
		r = recv(a, in, sizeof(in), MSG_DONTWAIT);
		cr_assert_neq(r, 0, "A closed");
		if (r > 0) {
			cr_assert_leq(got + r, ECHO_BYTES);
			cr_assert_eq(memcmp(in, out + got, r), 0, "echo differs at %zu", got);
			got += r;
		}
	}
}

static void pair_echo(int family, enum bpf_map_type type, enum sockmap_hook hook,
		      void (*attach_by)(const char *, enum sockmap_hook))
{
	int pa[2], pb[2];

	make_map(type, 4);
	attach_by("pair", hook);
	pair_of(family, pa);
	pair_of(family, pb);
	insert(0, pa[1], 1);
	insert(1, pb[1], 0);
	echo_through(pa[0], pb[0]);
	struct sockmap_counters ca = counters(pa[1]), cb = counters(pb[1]);

	cr_assert_eq(ca.rx_bytes, ECHO_BYTES);
	cr_assert_eq(cb.rx_bytes, ECHO_BYTES);
	cr_assert_eq(ca.redirected, ca.rx_msgs);
	cr_assert_eq(cb.redirected, cb.rx_msgs);
	cr_assert_eq(ca.redirect_miss + cb.redirect_miss + ca.passed + cb.passed, 0);
	/* nothing came up to the proxy's side */
	cr_assert_not(su_any_within(pa[1], 50) || su_any_within(pb[1], 50));
}

Test(builtin, pair_echo_v4_stream)
{
	pair_echo(AF_INET, BPF_MAP_TYPE_SOCKMAP, SOCKMAP_STREAM_VERDICT, attach);
}

Test(builtin, pair_echo_unix_skb)
{
	pair_echo(AF_UNIX, BPF_MAP_TYPE_SOCKMAP, SOCKMAP_SKB_VERDICT, attach);
}

Test(builtin, pair_echo_v6_skb_hash_link)
{
	pair_echo(AF_INET6, BPF_MAP_TYPE_SOCKHASH, SOCKMAP_SKB_VERDICT, attach_link);
}

/* A peer that is not in the map: the data stays here, a miss. */
Test(builtin, pair_miss_passes)
{
	char out[500], in[500];
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("pair", SOCKMAP_SKB_VERDICT);
	pair_of(AF_INET, fd);
	insert(0, fd[1], 5);
	fill(out, sizeof(out), 5);
	su_write_all(fd[0], out, sizeof(out));
	cr_assert(su_read_all(fd[1], in, sizeof(in), 2000), "a miss lost data");
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.redirect_miss, c.rx_msgs);
	cr_assert_eq(c.rx_bytes, sizeof(out));
}

/* Frames of a 4-byte big-endian length and body_len(i) bytes of body,
 * into buf; their total size. */
static size_t frames(char *buf, size_t size, unsigned n, size_t (*body_len)(unsigned))
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t len = body_len(i), be = htonl(len);

		cr_assert_leq(off + 4 + len, size);
		memcpy(buf + off, &be, 4);
		fill(buf + off + 4, len, i);
		off += 4 + len;
	}
	return off;
}

static size_t body_60(unsigned i) { (void)i; return 60; }
static size_t body_1020(unsigned i) { (void)i; return 1020; }
static size_t body_mixed(unsigned i) { return i % 7 == 0 ? 0 : (i * 2654435761u) % 3000; }

static void lenprefix_on(int fd[2], int peer)
{
	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("lenprefix", SOCKMAP_STREAM_PARSER);
	attach("lenprefix", SOCKMAP_STREAM_VERDICT);
	pair_of(AF_INET, fd);
	insert(0, fd[1], peer);
}

/* 16 writes of 64 KiB, each packed with frames of frame_size bytes. */
static void lenprefix_packed(size_t (*body_len)(unsigned), unsigned frame_size)
{
	static char out[1 << 16], in[1 << 16];
	unsigned per = sizeof(out) / frame_size;
	int fd[2];

	lenprefix_on(fd, -1);
	cr_assert_eq(frames(out, sizeof(out), per, body_len), sizeof(out));
	for (int w = 0; w < 16; w++) {
		su_write_all(fd[0], out, sizeof(out));
		cr_assert(su_read_all(fd[1], in, sizeof(in), 2000), "write %d lost", w);
		cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	}
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.rx_msgs, 16 * per);
	cr_assert_eq(c.rx_bytes, 16 * sizeof(out));
	cr_assert_eq(c.dropped, 0);
}

Test(builtin, lenprefix_64b_packed) { lenprefix_packed(body_60, 64); }
Test(builtin, lenprefix_1k_packed) { lenprefix_packed(body_1020, 1024); }

/* Frames of 0 to 3000 bytes written in pieces that cut bodies and
 * headers (a pause after each, so that they come as skbs of their own). */
Test(builtin, lenprefix_spanning_writes)
{
	static char out[1 << 20], in[1 << 20];
	static const size_t cuts[] = { 1, 3, 2, 4093, 7, 1, 1, 1, 1500, 5 };
	size_t total = frames(out, sizeof(out), 600, body_mixed), off = 0;
	int fd[2], one = 1;

	lenprefix_on(fd, -1);
	cr_assert_eq(setsockopt(fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	for (unsigned i = 0; off < total; i++) {
		size_t n = cuts[i % 10] < total - off ? cuts[i % 10] : total - off;

		su_write_all(fd[0], out + off, n);
		off += n;
		if (n < 8)
			usleep(200);
	}
	cr_assert(su_read_all(fd[1], in, total, 5000), "data lost");
	cr_assert_eq(memcmp(in, out, total), 0);
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.rx_msgs, 600);
	cr_assert_eq(c.rx_bytes, total);
	cr_assert_geq(c.passed, 100, "pieces were not skbs of their own");
}

/* Paired, the frames go on to the peer's client, counted. */
Test(builtin, lenprefix_paired)
{
	static char out[1 << 16], in[1 << 16];
	int fd[2], other[2];

	lenprefix_on(fd, 1);
	pair_of(AF_INET, other);
	insert(1, other[1], -1);
	cr_assert_eq(frames(out, sizeof(out), 64, body_1020), sizeof(out));
	su_write_all(fd[0], out, sizeof(out));
	cr_assert(su_read_all(other[0], in, sizeof(in), 2000), "not redirected");
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.rx_msgs, 64);
	cr_assert_eq(c.rx_bytes, sizeof(out));
	cr_assert_gt(c.redirected, 0);
	cr_assert_eq(c.passed + c.redirect_miss, 0);
}

static void rule_n(const char *prefix, size_t len, enum sockmap_tap_dir dir,
		   enum sockmap_tap_action action)
{
	struct sockmap_tap_rule r = { .len = len, .dir = dir, .action = action };
	char why[256] = "";

	memcpy(r.prefix, prefix, r.len);
	cr_assert_eq(sockmap_tap_rule_add(&aux, &r, why, sizeof(why)), 0, "rule: %s", why);
}

static void rule(const char *prefix, enum sockmap_tap_dir dir,
		 enum sockmap_tap_action action)
{
	rule_n(prefix, strlen(prefix), dir, action);
}

/* Send msg from `from`; whether it arrives whole at `to` within ms. */
static bool arrives(int from, int to, const char *msg, int ms)
{
	char in[64];
	size_t n = strlen(msg);

	su_write_all(from, msg, n);
	if (!su_read_all(to, in, n, ms))
		return false;
	cr_assert_eq(memcmp(in, msg, n), 0, "got other bytes than %s", msg);
	return true;
}

/* Expecting it through, wait long; expecting it dropped, not so long (a
 * late arrival would still show in the next read). */
#define goes_through(from, to, msg) arrives(from, to, msg, 2000)
#define blocked(from, to, msg) (!arrives(from, to, msg, 300))

static bool event_waiting(int ms)
{
	struct pollfd p = { .fd = sockmap_aux_event_fd(&aux), .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

Test(builtin, tap_rx)
{
	uint64_t cookies[4];
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("tap", SOCKMAP_STREAM_VERDICT);
	rule("BAD", SOCKMAP_TAP_RX, SOCKMAP_TAP_DROP);
	rule("BADGE", SOCKMAP_TAP_RX, SOCKMAP_TAP_PASS);
	rule_n("LONG\0\0", 6, SOCKMAP_TAP_RX, SOCKMAP_TAP_DROP);
	rule("KILL", SOCKMAP_TAP_RX, SOCKMAP_TAP_DISCONNECT);
	rule("OUT", SOCKMAP_TAP_TX, SOCKMAP_TAP_DROP);
	pair_of(AF_INET, fd);
	insert(0, fd[1], -1);
	cr_assert(goes_through(fd[0], fd[1], "hello"));
	cr_assert(blocked(fd[0], fd[1], "BAD thing"));
	cr_assert(goes_through(fd[0], fd[1], "BADGE"), "not the longest prefix");
	cr_assert(goes_through(fd[0], fd[1], "LONG"), "a rule longer than the message");
	cr_assert(goes_through(fd[0], fd[1], "OUTward"), "a tx rule on rx");
	cr_assert(goes_through(fd[0], fd[1], "fine"), "a drop stuck");
	cr_assert_not(event_waiting(0));
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.dropped, 1);
	cr_assert_eq(c.passed, 5);
	cr_assert(blocked(fd[0], fd[1], "KILL it"));
	cr_assert(event_waiting(1000), "no event");
	cr_assert_eq(sockmap_aux_take_disconnects(&aux, cookies, 4), 1);
	cr_assert_eq(cookies[0], su_cookie(fd[1]));
	cr_assert(blocked(fd[0], fd[1], "hello"), "a dead socket got data");
	cr_assert_eq(sockmap_aux_take_disconnects(&aux, cookies, 4), 0, "told twice");
	/* a member announced again is alive */
	announce(fd[1], -1);
	cr_assert(goes_through(fd[0], fd[1], "hello"));
}

Test(builtin, tap_tx)
{
	uint64_t cookies[1];
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("tap", SOCKMAP_MSG_VERDICT);
	rule("", SOCKMAP_TAP_TX, SOCKMAP_TAP_DROP);
	rule("OK", SOCKMAP_TAP_BOTH, SOCKMAP_TAP_PASS);
	rule("BYE", SOCKMAP_TAP_TX, SOCKMAP_TAP_DISCONNECT);
	pair_of(AF_INET6, fd);
	insert(0, fd[1], -1);
	cr_assert(goes_through(fd[1], fd[0], "OKAY"));
	/* dropped: trimmed away, the send itself succeeds */
	cr_assert(blocked(fd[1], fd[0], "nope"));
	cr_assert(goes_through(fd[1], fd[0], "OK again"), "a tx drop stuck");
	struct sockmap_counters c = counters(fd[1]);

	cr_assert_eq(c.tx_msgs, 3);
	cr_assert_eq(c.tx_bytes, 16);
	cr_assert_eq(c.dropped, 1);
	cr_assert_eq(c.passed, 2);
	cr_assert_eq(send(fd[1], "BYE", 3, MSG_NOSIGNAL), -1);
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(sockmap_aux_take_disconnects(&aux, cookies, 1), 1);
	cr_assert_eq(cookies[0], su_cookie(fd[1]));
	cr_assert_eq(send(fd[1], "OK", 2, MSG_NOSIGNAL), -1, "a dead socket sent");
	cr_assert_not(su_any_within(fd[0], 100));
}

static int list_rules(struct sockmap_tap_rule *out, unsigned max)
{
	int n = sockmap_tap_rules(&aux, out, max);

	cr_assert_geq(n, 0, "rules: %s", strerror(-n));
	return n;
}

Test(builtin, tap_rules_add_list_rm)
{
	struct sockmap_tap_rule out[8], r = { .prefix = "A", .len = 1,
					       .dir = SOCKMAP_TAP_BOTH };
	char why[128];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	rule("A", SOCKMAP_TAP_RX, SOCKMAP_TAP_DROP);
	rule("A", SOCKMAP_TAP_TX, SOCKMAP_TAP_DROP);
	rule("B", SOCKMAP_TAP_BOTH, SOCKMAP_TAP_DISCONNECT);
	rule("B", SOCKMAP_TAP_BOTH, SOCKMAP_TAP_PASS);     /* replaces */
	rule("", SOCKMAP_TAP_RX, SOCKMAP_TAP_DROP);
	cr_assert_eq(list_rules(out, 8), 3);
	cr_assert_eq(list_rules(out, 2), 2, "more than max");
	list_rules(out, 8);
	for (int i = 0; i < 3; i++) {
		if (out[i].len == 0)
			cr_assert_eq(out[i].dir, SOCKMAP_TAP_RX);
		else if (out[i].prefix[0] == 'A')
			cr_assert(out[i].dir == SOCKMAP_TAP_BOTH && out[i].action == SOCKMAP_TAP_DROP);
		else
			cr_assert(out[i].dir == SOCKMAP_TAP_BOTH && out[i].action == SOCKMAP_TAP_PASS);
	}
	cr_assert_eq(sockmap_tap_rule_rm(&aux, &r), 0);
	cr_assert_eq(sockmap_tap_rule_rm(&aux, &r), -ENOENT);
	cr_assert_eq(list_rules(out, 8), 2);
	r.len = SOCKMAP_TAP_PREFIX_MAX + 1;
	cr_assert_eq(sockmap_tap_rule_add(&aux, &r, why, sizeof(why)), -EINVAL);
}

/* Data queued before the insert goes through the program after the
 * kick, counted. */
Test(builtin, queued_before_insert)
{
	char out[100], in[100];
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("pass", SOCKMAP_STREAM_VERDICT);
	pair_of(AF_INET, fd);
	fill(out, sizeof(out), 6);
	su_write_all(fd[0], out, sizeof(out));
	usleep(10000);
	insert(0, fd[1], -1);
	cr_assert(su_read_all(fd[1], in, sizeof(in), 2000));
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	cr_assert_eq(counters(fd[1]).rx_bytes, sizeof(out));
}

/* A socket marked dead on rx has its tx dropped too. */
Test(builtin, tap_dead_both_ways)
{
	uint64_t cookie;
	int fd[2];

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	attach("tap", SOCKMAP_SKB_VERDICT);
	attach("tap", SOCKMAP_MSG_VERDICT);
	rule("KILL", SOCKMAP_TAP_RX, SOCKMAP_TAP_DISCONNECT);
	pair_of(AF_INET, fd);
	insert(0, fd[1], -1);
	cr_assert(goes_through(fd[1], fd[0], "KILL"), "a tx message hit an rx rule");
	cr_assert(blocked(fd[0], fd[1], "KILL"));
	cr_assert_eq(sockmap_aux_take_disconnects(&aux, &cookie, 1), 1);
	cr_assert_eq(send(fd[1], "hello", 5, MSG_NOSIGNAL), -1, "a dead socket sent");
	cr_assert_eq(errno, EACCES);
	cr_assert_not(su_any_within(fd[0], 100));
}

/* Removing a member forgets where it was in a frame. */
Test(builtin, member_rm_clears_frame)
{
	static char out[200], in[200];
	int fd[2], one = 1;

	lenprefix_on(fd, -1);
	cr_assert_eq(setsockopt(fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	frames(out, sizeof(out), 1, body_60);
	su_write_all(fd[0], out, 30);   /* the header and 26 of 60 */
	cr_assert(su_read_all(fd[1], in, 30, 2000));
	sockmap_aux_member_rm(&aux, su_cookie(fd[1]));
	frames(out, sizeof(out), 2, body_60);
	su_write_all(fd[0], out, 128);
	cr_assert(su_read_all(fd[1], in, 128, 2000));
	cr_assert_eq(counters(fd[1]).rx_msgs, 2, "the old frame went on");
}
