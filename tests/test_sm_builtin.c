/* tests/test_sm_builtin.c: the built-in sockmap programs of
 * sockmap/builtin.h loaded on a real sockmap or sockhash, attached to it
 * and run on real loopback TCP (v4, v6) and AF_UNIX stream sockets: pass
 * and drop on the receive and the send path, pair splicing two
 * connections, lenprefix's frames, the tap's rules and disconnects, the
 * counters to the byte, and a member's removal. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static void pair_of(int family, int fd[2])
{
	su_pair(family, fd);
	socks[nsocks++] = fd[0];
	socks[nsocks++] = fd[1];
}

/* Announce fd to the aux maps (paired with peer when peer >= 0), then
 * insert it at key; kick what was queued before. */
static void insert(uint32_t key, int fd, int peer)
{
	struct sockmap_member_cfg cfg = { su_cookie(fd), peer >= 0, peer };
	char why[256] = "";

	cr_assert_eq(sockmap_aux_member_add(&aux, fd, &cfg, why, sizeof(why)), 0,
		     "member: %s", why);
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

/* The socket an sk_skb program sees for what fd[1] receives: measured,
 * an AF_UNIX skb still belongs to its sender, so bpf_get_socket_cookie
 * there is fd[0]'s and so are the counters (and any state keyed by it). */
static int rx_owner(int family, const int fd[2])
{
	return family == AF_UNIX ? fd[0] : fd[1];
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
	struct sockmap_counters c = counters(rx_owner(family, fd));

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
	struct sockmap_counters c = counters(rx_owner(family, fd));

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
	char why[256] = "";
	int hmap;

	make_map(BPF_MAP_TYPE_SOCKMAP, 4);
	cr_assert_eq(sockmap_builtin_load("nosuch", SOCKMAP_STREAM_VERDICT, map, &aux,
					  why, sizeof(why)), -ENOENT);
	cr_assert_eq(sockmap_builtin_load("pair", SOCKMAP_MSG_VERDICT, map, &aux,
					  why, sizeof(why)), -EINVAL);
	cr_assert_eq(sockmap_builtin_load("pass", SOCKMAP_STREAM_VERDICT, aux.fds[0],
					  &aux, why, sizeof(why)), -EINVAL);
	hmap = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "t_hash8", 8, 4, SLOTS, NULL);
	cr_assert_geq(hmap, 0);
	why[0] = '\0';
	cr_assert_eq(sockmap_builtin_load("pair", SOCKMAP_STREAM_VERDICT, hmap, &aux,
					  why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "pair on a sockhash needs key-size 4");
	int prog = sockmap_builtin_load("pass", SOCKMAP_STREAM_VERDICT, hmap, &aux,
					why, sizeof(why));

	cr_assert_geq(prog, 0, "pass on a sockhash: %s", why);
	close(prog);
	close(hmap);
}
