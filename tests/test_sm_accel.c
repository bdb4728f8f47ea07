/* tests/test_sm_accel.c: accelerate (sockmap/accel.h) on real loopback TCP
 * (v4, v6, v4-mapped) from a child cgroup the test moves itself into: a
 * new connection's bytes go by sk_msg redirect, not TCP, exact for 16 MiB
 * each way; a peer outside the cgroup still gets its bytes through TCP;
 * connections made before the start are caught up, bytes in order even
 * when some were still unread; a close gives the other side EOF after
 * every byte; pinned links keep accelerating after every fd is closed. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/tcp.h>

#include "sockmap/accel.h"
#include "sockmap/builtin.h"
#include "tests/harness.h"

#define CGROUP2_ROOT "/sys/fs/cgroup/unified"
#define MIB (1024 * 1024)
#define CHUNK (64 * 1024)

enum fam { V4, V6, MAPPED };    /* MAPPED: a v6 client, a v4 listener */

static char cg_home[512], cg_path[600];
static char bpffs[128];         /* a scratch bpffs when a test mounts one */
static int cg_fd = -1;          /* the test cgroup's directory */
static int hash_fd = -1;
static struct sockmap_aux aux;

static void move_to(const char *cgroup)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	f = fopen(path, "we");
	cr_assert(f, "%s: %s", path, strerror(errno));
	fprintf(f, "%d\n", getpid());
	cr_assert_eq(fclose(f), 0, "move to %s: %s", cgroup, strerror(errno));
}

/* Where this process lives now ("0::/path" in /proc/self/cgroup). */
static void home_cgroup(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/cgroup", "re");

	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = 0;
			snprintf(cg_home, sizeof(cg_home), CGROUP2_ROOT "%s", line + 3);
		}
	fclose(f);
	cr_assert(cg_home[0], "not on cgroup v2");
}

/* sm_sk is socket storage, which the kernel creates only with BTF for
 * its key and value. */
static int sk_storage_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	struct btf *btf = btf__new_empty();
	int key, val, fd;

	cr_assert(btf);
	key = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	val = btf__add_int(btf, "unsigned long long", 8, 0);
	cr_assert(key > 0 && val > 0 && btf__load_into_kernel(btf) == 0);
	o.btf_fd = btf__fd(btf);
	o.btf_key_type_id = key;
	o.btf_value_type_id = val;
	fd = bpf_map_create(BPF_MAP_TYPE_SK_STORAGE, "sm_sk", 4, 8, 0, &o);
	cr_assert(fd >= 0, "sk_storage: %s", strerror(errno));
	btf__free(btf);     /* the map holds its own reference */
	return fd;
}

static void setup(void)
{
	home_cgroup();
	snprintf(cg_path, sizeof(cg_path), "%s/bpfpin-accel.%d", cg_home, getpid());
	cr_assert(mkdir(cg_path, 0755) == 0, "%s: %s", cg_path, strerror(errno));
	cg_fd = open(cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(cg_fd >= 0);
	hash_fd = th_map_create(BPF_MAP_TYPE_SOCKHASH, SOCKMAP_ACCEL_KEY_SIZE, 8, 1024);
	cr_assert(hash_fd >= 0, "sockhash: %s", strerror(-hash_fd));
	for (int i = 0; i < SOCKMAP_AUX_MAX; i++)
		aux.fds[i] = -1;
	aux.fds[SOCKMAP_AUX_CNT] = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "sm_cnt", 8,
						  sizeof(struct sockmap_counters),
						  1024, NULL);
	cr_assert(aux.fds[SOCKMAP_AUX_CNT] >= 0);
	aux.fds[SOCKMAP_AUX_SK] = sk_storage_create();
}

static void teardown(void)
{
	move_to(cg_home);
	rmdir(cg_path);
	if (bpffs[0])
		th_bpffs_umount(bpffs);
}

TestSuite(sm_accel, .init = setup, .fini = teardown, .timeout = 20);

static void start(struct sockmap_accel *a)
{
	char why[256] = "";
	int r = sockmap_accel_start(hash_fd, cg_fd, &aux, a, why, sizeof(why));

	cr_assert_eq(r, 0, "start: %d %s", r, why);
}

static int listener(enum fam f, struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(f == V6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(ss, 0, sizeof(*ss));
	if (f == V6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*s4);
	}
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)ss, *len) == 0 &&
		  listen(fd, 8) == 0 && getsockname(fd, (struct sockaddr *)ss, len) == 0);
	return fd;
}

/* Connect to listener lfd (address ss) as family f; the accepted end in *b. */
static int connect_to(enum fam f, int lfd, const struct sockaddr_storage *ss,
		      socklen_t len, int *b)
{
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
	int fd = socket(f == V4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	if (f == MAPPED) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		m.sin6_port = s4->sin_port;
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
		ss = (const struct sockaddr_storage *)&m;
		len = sizeof(m);
	}
	cr_assert(connect(fd, (const struct sockaddr *)ss, len) == 0, "%s", strerror(errno));
	*b = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert(*b >= 0);
	return fd;
}

/* A connection made from inside the test cgroup: client in *a, accepted in *b. */
static void pair(enum fam f, int *a, int *b)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd = listener(f, &ss, &len);

	*a = connect_to(f, lfd, &ss, len, b);
	close(lfd);
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 9));
}

static void send_bytes(int fd, uint64_t from, uint64_t n)
{
	static __thread uint8_t buf[CHUNK];

	for (uint64_t off = 0; off < n;) {
		size_t len = n - off < CHUNK ? n - off : CHUNK;
		ssize_t w;

		for (size_t i = 0; i < len; i++)
			buf[i] = pattern(from + off + i);
		w = write(fd, buf, len);
		cr_assert(w > 0, "write: %s", strerror(errno));
		off += w;
	}
}

/* Read exactly n bytes and check they are the pattern from offset from. */
static void recv_bytes(int fd, uint64_t from, uint64_t n)
{
	static __thread uint8_t buf[CHUNK];

	for (uint64_t off = 0; off < n;) {
		ssize_t r = read(fd, buf, n - off < CHUNK ? n - off : CHUNK);

		cr_assert(r > 0, "read at %lu of %lu: %zd %s", (unsigned long)off,
			  (unsigned long)n, r, strerror(errno));
		for (ssize_t i = 0; i < r; i++)
			cr_assert_eq(buf[i], pattern(from + off + i), "byte %lu",
				     (unsigned long)(from + off + i));
		off += r;
	}
}

struct flow {
	int fd;
	uint64_t from, n;
	bool closes;    /* close fd after the last byte */
	pthread_t t;
};

static void *flow_send(void *arg)
{
	struct flow *f = arg;

	send_bytes(f->fd, f->from, f->n);
	if (f->closes)
		close(f->fd);
	return NULL;
}

static void flow_start(struct flow *f, int fd, uint64_t from, uint64_t n, bool closes)
{
	*f = (struct flow){ .fd = fd, .from = from, .n = n, .closes = closes };
	cr_assert_eq(pthread_create(&f->t, NULL, flow_send, f), 0);
}

/* n bytes each way at once (each direction has its own writer). */
static void exchange(int a, int b, uint64_t n)
{
	struct flow fa, fb;

	flow_start(&fa, a, 0, n, false);
	flow_start(&fb, b, 0, n, false);
	recv_bytes(b, 0, n);
	recv_bytes(a, 0, n);
	pthread_join(fa.t, NULL);
	pthread_join(fb.t, NULL);
}

static uint64_t cookie_of(int fd)
{
	uint64_t c;
	socklen_t len = sizeof(c);

	cr_assert(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) == 0);
	return c;
}

static struct sockmap_counters counters(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sockmap_counters per[ncpu], sum = { 0 };
	uint64_t c = cookie_of(fd);

	if (bpf_map_lookup_elem(aux.fds[SOCKMAP_AUX_CNT], &c, per) < 0)
		return sum;
	for (int i = 0; i < ncpu; i++) {
		sum.tx_bytes += per[i].tx_bytes;
		sum.tx_msgs += per[i].tx_msgs;
		sum.passed += per[i].passed;
		sum.redirected += per[i].redirected;
		sum.redirect_miss += per[i].redirect_miss;
	}
	return sum;
}

/* Bytes this socket handed to TCP: none when its data was redirected. */
static uint64_t tcp_sent(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	cr_assert(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0);
	return ti.tcpi_bytes_sent;
}

static int hash_count(void)
{
	uint8_t k[SOCKMAP_ACCEL_KEY_SIZE], next[SOCKMAP_ACCEL_KEY_SIZE];
	int n = 0;

	for (void *prev = NULL; bpf_map_get_next_key(hash_fd, prev, next) == 0; prev = k) {
		memcpy(k, next, sizeof(k));
		n++;
	}
	return n;
}

static void assert_redirected(int fd, uint64_t n)
{
	struct sockmap_counters c = counters(fd);

	cr_assert_eq(c.tx_bytes, n);
	cr_assert_gt(c.redirected, 0);
	cr_assert_eq(c.redirect_miss, 0);
	cr_assert_eq(c.redirected + c.passed, c.tx_msgs);
	cr_assert_lt(tcp_sent(fd), 64 * 1024, "%lu bytes went by TCP",
		     (unsigned long)tcp_sent(fd));
}

static void redirect_exact(enum fam f)
{
	struct sockmap_accel acc;
	int a, b;

	start(&acc);
	move_to(cg_path);
	pair(f, &a, &b);
	cr_assert_eq(hash_count(), 2);
	exchange(a, b, 16 * MIB);
	assert_redirected(a, 16 * MIB);
	assert_redirected(b, 16 * MIB);
}

Test(sm_accel, v4_redirected_16mib_each_way_exact) { redirect_exact(V4); }
Test(sm_accel, v6_redirected_16mib_each_way_exact) { redirect_exact(V6); }
Test(sm_accel, v4_mapped_client_meets_v4_server) { redirect_exact(MAPPED); }

Test(sm_accel, peer_outside_the_cgroup_passes_to_tcp)
{
	struct sockaddr_storage ss;
	struct sockmap_accel acc;
	socklen_t len;
	int lfd, a, b, x, y;

	lfd = listener(V4, &ss, &len);  /* made outside: so is what it accepts */
	pair(V6, &x, &y);               /* outside too: not caught up */
	start(&acc);
	cr_assert_eq(acc.caught_up, 0);
	move_to(cg_path);
	a = connect_to(V4, lfd, &ss, len, &b);
	cr_assert_eq(hash_count(), 1);
	exchange(a, b, 4 * MIB);
	struct sockmap_counters c = counters(a);

	cr_assert_eq(c.tx_bytes, 4 * MIB);
	cr_assert_eq(c.redirected, 0);
	cr_assert_gt(c.redirect_miss, 0);
	cr_assert_eq(c.passed, c.tx_msgs);
	cr_assert_geq(tcp_sent(a), 4 * MIB);
}

static void wait_acked(int fd);

Test(sm_accel, connection_made_before_start_is_caught_up)
{
	struct sockmap_accel acc;
	int a, b;

	move_to(cg_path);
	pair(V6, &a, &b);
	exchange(a, b, MIB);
	/* a side switches to redirect only once its TCP bytes are acked; a
	 * delayed ACK of the last exchange left b on TCP in one CI run */
	wait_acked(a);
	wait_acked(b);
	start(&acc);
	cr_assert_eq(acc.caught_up, 2);
	cr_assert_eq(hash_count(), 2);
	uint64_t before = tcp_sent(a);

	exchange(a, b, 16 * MIB);
	cr_assert_gt(counters(a).redirected, 0);
	cr_assert_gt(counters(b).redirected, 0);
	cr_assert_lt(tcp_sent(a) - before, 64 * 1024);
}

/* Until all fd sent by TCP is acknowledged (an ACK may be delayed). */
static void wait_acked(int fd)
{
	for (int i = 0; i < 500; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		cr_assert(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0);
		if (ti.tcpi_unacked == 0)
			return;
		usleep(1000);
	}
	cr_assert_fail("never acknowledged");
}

/* b has TCP bytes unread at the start: it is left out (a's next bytes
 * would overtake them), a later catch-up adds it once it has read. */
Test(sm_accel, unread_bytes_keep_their_order_across_catch_up)
{
	struct sockmap_accel acc;
	char why[256] = "";
	struct flow f;
	int a, b;

	move_to(cg_path);
	pair(V4, &a, &b);
	send_bytes(a, 0, CHUNK);
	wait_acked(a);
	start(&acc);
	cr_assert_eq(acc.caught_up, 1, "%lu", (unsigned long)acc.caught_up);
	send_bytes(a, CHUNK, CHUNK);
	recv_bytes(b, 0, 2 * CHUNK);
	cr_assert_eq(counters(a).redirected, 0);
	cr_assert_eq(sockmap_accel_catch_up(hash_fd, cg_fd, why, sizeof(why)), 1, "%s", why);
	flow_start(&f, a, 2 * CHUNK, 4 * MIB, false);
	recv_bytes(b, 2 * CHUNK, 4 * MIB);
	pthread_join(f.t, NULL);
	cr_assert_gt(counters(a).redirected, 0);
}

struct reader {
	int fd;
	uint64_t n;
	pthread_t t;
};

/* Read the n pattern bytes, then expect EOF. */
static void *read_to_eof(void *arg)
{
	struct reader *r = arg;
	char c;

	recv_bytes(r->fd, 0, r->n);
	cr_assert_eq(read(r->fd, &c, 1), 0, "no EOF after %lu bytes", (unsigned long)r->n);
	return NULL;
}

/* The closer writes n bytes (redirected) and closes while the other end
 * is still reading them: it reads all n, then EOF. */
static void close_after(int closer, int other, uint64_t n)
{
	struct reader r = { .fd = other, .n = n };

	cr_assert_eq(pthread_create(&r.t, NULL, read_to_eof, &r), 0);
	send_bytes(closer, 0, n);
	cr_assert_gt(counters(closer).redirected, 0);
	close(closer);
	pthread_join(r.t, NULL);
}

Test(sm_accel, close_of_either_side_gives_eof_after_every_byte)
{
	struct sockmap_accel acc;
	int a, b, c, d;

	start(&acc);
	move_to(cg_path);
	pair(V4, &a, &b);
	pair(V6, &c, &d);
	close_after(a, b, 8 * MIB);
	close_after(d, c, 8 * MIB);
}

Test(sm_accel, pinned_links_keep_accelerating_with_every_fd_closed)
{
	struct sockmap_accel acc;
	char ops[200], msg[200];
	int a, b;

	cr_assert_eq(th_bpffs_mount(bpffs, sizeof(bpffs)), 0);
	start(&acc);
	snprintf(ops, sizeof(ops), "%s/ops", bpffs);
	snprintf(msg, sizeof(msg), "%s/msg", bpffs);
	cr_assert_eq(bpf_obj_pin(acc.ops_link, ops), 0);
	cr_assert_eq(bpf_obj_pin(acc.msg_link, msg), 0);
	close(acc.ops_link);
	close(acc.msg_link);
	close(hash_fd);
	close(aux.fds[SOCKMAP_AUX_CNT]);
	close(aux.fds[SOCKMAP_AUX_SK]);
	move_to(cg_path);
	pair(V4, &a, &b);
	exchange(a, b, 4 * MIB);
	cr_assert_lt(tcp_sent(a), 64 * 1024);
	cr_assert_lt(tcp_sent(b), 64 * 1024);
}

Test(sm_accel, without_aux_it_accelerates_and_counts_nothing)
{
	struct sockmap_accel acc;
	char why[256] = "";
	int a, b;

	cr_assert_eq(sockmap_accel_start(hash_fd, cg_fd, NULL, &acc, why, sizeof(why)), 0,
		     "%s", why);
	move_to(cg_path);
	pair(V6, &a, &b);
	exchange(a, b, 4 * MIB);
	cr_assert_lt(tcp_sent(a), 64 * 1024);
	cr_assert_eq(counters(a).tx_msgs, 0);
}

Test(sm_accel, refuses_a_wrong_map_or_cgroup)
{
	struct sockmap_accel acc;
	char why[256] = "";
	int bad = th_map_create(BPF_MAP_TYPE_SOCKHASH, 40, 8, 16);
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	cr_assert_eq(sockmap_accel_start(bad, cg_fd, &aux, &acc, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "key-size 48"), "%s", why);
	cr_assert_eq(sockmap_accel_start(hash_fd, tmp, &aux, &acc, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "cgroup"), "%s", why);
	cr_assert_eq(sockmap_accel_catch_up(bad, cg_fd, why, sizeof(why)), -EINVAL);
}
