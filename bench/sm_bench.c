/* bench/sm_bench.c: bpfpin's sockmap paths against their anchors, side by
 * side in one run: direct loopback TCP, an AF_UNIX socketpair, a user-space
 * copy proxy and a splice proxy between two TCP connections, the built-in
 * pair splicing two connections in the kernel (wired here directly, and
 * the same given and lent to a real bpfpind, which bounds a pair's
 * backlog), a bare sk_skb redirect, accelerate (with and without
 * counters), a bare sk_msg redirect (bench/progs/sm_bare.bpf.c)
 * and the built-in pass on msg_verdict with counters against a pass that
 * counts nothing. Figures: stream Gbit/s (64 KiB writes), receive over
 * send rate, CPU per KiB, round trips/s with 64 B messages over 1 and 16
 * connections and their p99, peak kernel memory during a stream to a slow
 * reader. Each figure is taken for every mode in turn (the order reversed
 * every other run) and the median over runs is printed, with ratio rows
 * against the targets. Three placements: everything on one CPU, then
 * client and server (and proxy) on given CPUs, then both ends in one
 * thread (no wake-up between them). Needs root (cgroups, BPF); starts
 * and stops its own bpfpind on a temporary directory.
 * Usage: sm_bench [-r runs] [-t seconds] [-c cpu] [-C cpu] [-P cpu]
 * [-D bpfpind] (default: daemon/bpfpind of the build dir we run from). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpfpin/bpfpin.h>

#include "bench/bench.h"
#include "bench/sm_bare.skel.h"
#include "sockmap/accel.h"
#include "sockmap/builtin.h"

#define CGROUP2_ROOT "/sys/fs/cgroup/unified"
#define MAXC 16
#define CHUNK (64 * 1024)
#define MSG 64
#define MAX_SAMPLES (1 << 22)
#define MAP_SLOTS 64        /* sockmap entries: 2 per connection, and room */
#define SLOW_READ_NS 2000000    /* the slow reader: 64 KiB every 2 ms */
/* The slow reader's run ends early when this much is in flight: a path
 * without backpressure would take the kernel's TCP memory otherwise. */
#define FLIGHT_CAP (256ull << 20)
/* pair-bpfpind: the --pair-budget bpfpind is started with (its default),
 * and the bound its slow reader's bytes in flight are held to: the
 * budget plus what the window and socket buffers of the path hold
 * besides (16 MiB: see bench/README.md, "pair-bpfpind"). */
#define PAIR_BUDGET (4ull << 20)
#define PAIR_BOUND (PAIR_BUDGET + (16ull << 20))
#define DAEMON_MAP "/sm_bench_pair"

enum mode { TCP, UNIX, COPY, SPLICE, BARE_SKB, PAIR, PAIR_D, PAIR_DL, ACCEL, ACCEL_CNT,
	    BARE, PASS, PASS_CNT, MODES };
static const char *const mode_name[MODES] = {
	"tcp", "unix", "copy-proxy", "splice-proxy", "bare-skb-redirect", "pair",
	"pair-bpfpind", "pair-bpfpind-lent", "accelerate", "accelerate+counters",
	"bare-redirect", "pass", "pass+counters",
};

enum fig { STREAM, RXTX, CPU_PROC, CPU_SYS, RT1, P99_1, RT16, P99_16, MEM_FLIGHT,
	   MEM_SOCK, MEM_TCP, MEM_SYS, FIGS };
static const struct { const char *name, *unit; } fig_info[FIGS] = {
	{ "stream 64 KiB writes", "Gbit/s" },
	{ "stream receive/send rate", "x" },
	{ "stream cpu/KiB (process)", "ns" },
	{ "stream cpu/KiB (system)", "ns" },
	{ "round trips 64 B x1", "rt/s" },
	{ "p99 round trip x1", "us" },
	{ "round trips 64 B x16", "rt/s" },
	{ "p99 round trip x16", "us" },
	{ "slow reader peak bytes in flight", "KiB" },
	{ "slow reader peak socket mem", "KiB" },
	{ "slow reader peak tcp mem", "KiB" },
	{ "slow reader peak MemAvailable drop", "KiB" },
};

static double seconds = 0.15;

/* The kernel side of the modes, set up once: accelerate's cgroups; the
 * anchors' skeleton; pair's and pass+counters' sockmaps with their aux
 * maps. Links and attachments live until the process exits. */
static char home[512], cg[2][600];
static struct sm_bare *bare;
static int pair_map = -1, pass_map = -1;
static struct sockmap_aux pair_aux, pass_aux;

static void die(const char *what, int err)
{
	fprintf(stderr, "sm_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

/* Move this process into cgroup: 0 or -errno. */
static int enter(const char *cgroup)
{
	char path[700];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", getpid()) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

/* At exit, also after die(): home again, and the cgroups gone (their
 * links go with the process). */
static void cleanup(void)
{
	if (!home[0] || enter(home) < 0)
		return;
	for (int i = 0; i < 2; i++)
		if (cg[i][0])
			rmdir(cg[i]);
}

static void move_to(const char *cgroup)
{
	int r = enter(cgroup);

	if (r < 0)
		die(cgroup, -r);
}

static void find_home(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/cgroup", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = 0;
			snprintf(home, sizeof(home), CGROUP2_ROOT "%s", line + 3);
		}
	if (f)
		fclose(f);
	if (!home[0])
		die("cgroup v2", ENOENT);
}

/* A cgroup beside ours with accelerate on it (counting into aux maps or
 * not); sockets made while this process is in it are accelerated. */
static void accel_setup(int i, bool count)
{
	struct sockmap_accel acc;
	struct sockmap_aux aux;
	char why[256];
	int hash, cgfd;

	snprintf(cg[i], sizeof(cg[i]), "%s/bpfpin-sm-bench.%d.%d", home, getpid(), i);
	if (mkdir(cg[i], 0755) < 0)
		die(cg[i], errno);
	cgfd = open(cg[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	hash = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "sm_bench_acc",
			      SOCKMAP_ACCEL_KEY_SIZE, 8, 1024, NULL);
	if (cgfd < 0 || hash < 0)
		die("cgroup or sockhash", errno);
	if (count && sockmap_aux_create(1024, &aux, why, sizeof(why)) < 0)
		die(why, EINVAL);
	if (sockmap_accel_start(hash, cgfd, count ? &aux : NULL, &acc, why,
				sizeof(why)) < 0)
		die(why, EINVAL);
	/* The links stay open (attached) until exit; they hold the maps. */
	close(hash);
	close(cgfd);
	if (count)
		sockmap_aux_close(&aux);
}

/* A sockmap with built-in name on hook and its aux maps (kept: members
 * are announced to them). The map holds the program. */
static int builtin_setup(const char *name, enum sockmap_hook hook,
			 struct sockmap_aux *aux)
{
	char why[512];
	int map = bpf_map_create(BPF_MAP_TYPE_SOCKMAP, "sm_bench", 4, 4, MAP_SLOTS, NULL);
	int prog;

	if (map < 0)
		die("sockmap", errno);
	if (sockmap_aux_create(MAP_SLOTS, aux, why, sizeof(why)) < 0)
		die(why, EINVAL);
	prog = sockmap_builtin_load(name, hook, map, aux, why, sizeof(why));
	if (prog < 0)
		die(why, -prog);
	if (bpf_prog_attach(prog, map, sockmap_hook_attach_type(hook), 0) < 0)
		die(name, errno);
	close(prog);
	return map;
}

static void attach(struct bpf_program *prog, struct bpf_map *map,
		   enum bpf_attach_type type)
{
	if (bpf_prog_attach(bpf_program__fd(prog), bpf_map__fd(map), type, 0) < 0)
		die(bpf_program__name(prog), errno);
}

static void kernel_setup(void)
{
	find_home();
	atexit(cleanup);
	accel_setup(0, false);
	accel_setup(1, true);
	bare = sm_bare__open_and_load();
	if (!bare)
		die("sm_bare", errno);
	attach(bare->progs.bare_redirect, bare->maps.bare_hash, BPF_SK_MSG_VERDICT);
	attach(bare->progs.bare_pass, bare->maps.pass_map, BPF_SK_MSG_VERDICT);
	attach(bare->progs.bare_skb_redirect, bare->maps.skb_map,
	       BPF_SK_SKB_STREAM_VERDICT);
	pair_map = builtin_setup("pair", SOCKMAP_STREAM_VERDICT, &pair_aux);
	pass_map = builtin_setup("pass", SOCKMAP_MSG_VERDICT, &pass_aux);
}

/* pair-bpfpind's daemon: a real bpfpind on a temporary directory of its
 * own (socket, state, log; no mount), as bench/run.sh starts one, and our
 * connection to it. It holds a sockmap with the built-in pair on
 * stream_verdict; each path gives it its two proxy sockets as a pair. */
static struct {
	char dir[64], sock[96], state[96], log[96];
	pid_t pid;
	struct bpfpin *b;
} bpd;

static void die_rpc(const char *what)
{
	fprintf(stderr, "sm_bench: bpfpind %s: %s\n", what, bpfpin_errmsg(bpd.b));
	exit(1);
}

/* daemon/bpfpind beside the bench/ directory this program runs from. */
static void default_daemon(char *out, size_t len)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		die("/proc/self/exe", errno);
	exe[n] = 0;
	snprintf(out, len, "%s/daemon/bpfpind", dirname(dirname(exe)));
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

static void log_to_stderr(void)
{
	char buf[4096];
	FILE *f = fopen(bpd.log, "re");
	size_t n;

	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	if (f)
		fclose(f);
}

/* At exit, also after die(): SIGTERM (SIGKILL after 5 s), its store
 * unmounted, the directory removed (the holder process bpfpind started
 * exits once its socket file is gone). */
static void daemon_stop(void)
{
	char store[128];

	if (bpd.b)
		bpfpin_close(bpd.b);
	bpd.b = NULL;
	if (bpd.pid > 0 && kill(bpd.pid, SIGTERM) == 0) {
		for (int i = 0; i < 500 && waitpid(bpd.pid, NULL, WNOHANG) != bpd.pid; i++)
			usleep(10000);
		if (kill(bpd.pid, SIGKILL) == 0)
			waitpid(bpd.pid, NULL, 0);
	}
	bpd.pid = 0;
	snprintf(store, sizeof(store), "%s/store", bpd.state);
	umount2(store, MNT_DETACH);
	nftw(bpd.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* The child: stdout and stderr to the log, then bpfpind. */
static void daemon_exec(const char *bin)
{
	char budget[32];
	/* the log; O_CLOEXEC: the exec closes it, its dups stay bpfpind's */
	int fd = open(bpd.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	snprintf(budget, sizeof(budget), "%llu", PAIR_BUDGET);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	execl(bin, bin, "-f", "--no-mount", "-s", bpd.sock, "-d", bpd.state,
	      "--log-level", "warning", "--pair-budget", budget, (char *)NULL);
	_exit(127);
}

/* Start bpfpind (bin) and wait up to 20 s for it to answer; make its
 * pair sockmap. Before any thread or cgroup of ours exists. */
static void daemon_start(const char *bin)
{
	struct bpfpin_sockmap_opts o = { .sz = sizeof(o), .max_entries = MAP_SLOTS,
					 .umask = -1 };
	int r = -1;

	if (access(bin, X_OK) < 0)
		die(bin, errno);
	strcpy(bpd.dir, "/tmp/bpfpin-sm-bench.XXXXXX");
	if (!mkdtemp(bpd.dir))
		die("mkdtemp", errno);
	atexit(daemon_stop);
	snprintf(bpd.sock, sizeof(bpd.sock), "%s/sock", bpd.dir);
	snprintf(bpd.state, sizeof(bpd.state), "%s/state", bpd.dir);
	snprintf(bpd.log, sizeof(bpd.log), "%s/log", bpd.dir);
	if (mkdir(bpd.state, 0700) < 0 || (bpd.pid = fork()) < 0)
		die("bpfpind start", errno);
	if (bpd.pid == 0)
		daemon_exec(bin);
	for (int i = 0; i < 2000 && r < 0; i++) {
		if (waitpid(bpd.pid, NULL, WNOHANG) == bpd.pid) {
			bpd.pid = 0;
			log_to_stderr();
			die("bpfpind died at start (its log above)", ECHILD);
		}
		if ((r = bpfpin_connect(bpd.sock, &bpd.b)) < 0)
			usleep(10000);
	}
	if (r < 0)
		die("bpfpind did not answer in 20 s", -r);
	if (bpfpin_sockmap_create(bpd.b, DAEMON_MAP, &o) < 0)
		die_rpc("sockmap_create");
	if (bpfpin_sockmap_attach(bpd.b, DAEMON_MAP, "stream_verdict", "pair", -1, 0) < 0)
		die_rpc("sockmap_attach pair");
}

/* Give (or lend) fd (key) and peer (peer_key) to bpfpind as a pair; our
 * fds stay ours (the path closes them); given, bpfpind holds its own. */
static void daemon_pair(int key, int fd, int peer_key, int peer, bool give)
{
	char k[16], pk[16];
	struct bpfpin_sock_opts o = { .sz = sizeof(o), .key = k, .peer_fd = peer,
				      .peer_key = pk, .give = give };

	snprintf(k, sizeof(k), "%d", key);
	snprintf(pk, sizeof(pk), "%d", peer_key);
	if (bpfpin_sock_add(bpd.b, DAEMON_MAP, fd, &o, NULL) < 0)
		die_rpc("sock_add");
}

/* End a member (its connection too); ENOENT: bpfpind let it go already
 * (both sides of a given pair had closed). */
static void daemon_kill(int key)
{
	char k[16];
	int r;

	snprintf(k, sizeof(k), "%d", key);
	r = bpfpin_sock_kill(bpd.b, DAEMON_MAP, k, 0);
	if (r < 0 && r != -ENOENT)
		die_rpc("sock_kill");
}

static void pin(int cpu)
{
	int r = bench_pin_cpu(cpu);

	if (r < 0)
		die("pin", -r);
}

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) < 0)
		die("SO_COOKIE", errno);
	return c;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* n loopback TCP connections made in cgroup: a[i] connected, b[i]
 * accepted (the caller's). */
static void tcp_pairs(const char *cgroup, int n, int *a, int *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int lfd;

	move_to(cgroup);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, len) < 0 || listen(lfd, MAXC) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		die("listen", errno);
	for (int i = 0; i < n; i++) {
		a[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (a[i] < 0 || connect(a[i], (struct sockaddr *)&sin, len) < 0 ||
		    (b[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			die("connect", errno);
		nodelay(a[i]);
		nodelay(b[i]);
	}
	close(lfd);
	move_to(home);
}

static uint16_t port_of(int fd, bool peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&sin, &len) < 0)
		die("port", errno);
	return ntohs(sin.sin_port);
}

static void map_insert(int map, uint32_t key, int fd)
{
	if (bpf_map_update_elem(map, &key, &fd, BPF_ANY) < 0)
		die("sockmap insert", errno);
}

/* Announce fd to aux (paired with peer when peer >= 0), then insert it
 * at key: its counters start at its first byte. */
static void member_insert(int map, const struct sockmap_aux *aux, uint32_t key,
			  int fd, int peer)
{
	struct sockmap_member_cfg cfg = { cookie_of(fd), peer >= 0, (uint32_t)peer };
	char why[256];

	if (sockmap_aux_member_add(aux, fd, &cfg, why, sizeof(why)) < 0)
		die(why, EINVAL);
	map_insert(map, key, fd);
}

/* The user-space proxies: one thread, epoll over both sides of every
 * connection (and stop, an eventfd); what one side reads it writes to the
 * other, copying through a buffer or splicing through a pipe per
 * direction. Blocking writes: in these runs only one direction carries
 * more than a socket buffer at a time. */
struct proxy {
	int n, cpu, stop;
	bool splice;
	int *p1, *p2;
	int pipes[2 * MAXC][2];
	pthread_t th;
};

static void write_all(int fd, const char *buf, size_t n)
{
	for (ssize_t w; n > 0; buf += w, n -= w)
		if ((w = write(fd, buf, n)) <= 0)
			die("proxy write", errno);
}

/* Move what from has to to (from is readable): bytes moved, 0 at EOF
 * or a reset; splice_once also -1 when the pipe took nothing yet. */
static ssize_t copy_once(int from, int to)
{
	static char buf[CHUNK];     /* one proxy thread at a time */
	ssize_t r = read(from, buf, sizeof(buf));

	if (r <= 0)
		return 0;
	write_all(to, buf, r);
	return r;
}

static ssize_t splice_once(int from, const int pipe[2], int to)
{
	ssize_t r = splice(from, NULL, pipe[1], NULL, CHUNK,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

	if (r < 0)
		return errno == EAGAIN ? -1 : 0;
	for (ssize_t left = r, w; left > 0; left -= w)
		if ((w = splice(pipe[0], NULL, to, NULL, left, SPLICE_F_MOVE)) <= 0)
			die("proxy splice", errno);
	return r;
}

static void *proxy_loop(void *arg)
{
	struct proxy *p = arg;
	struct epoll_event ev[2 * MAXC + 1];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	pin(p->cpu);
	for (int j = 0; j <= 2 * p->n; j++) {
		struct epoll_event one = { .events = EPOLLIN, .data.u32 = j };
		int fd = j == 2 * p->n ? p->stop : j < p->n ? p->p1[j] : p->p2[j - p->n];

		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &one);
	}
	for (;;) {
		int k = epoll_wait(ep, ev, 2 * MAXC + 1, -1);

		for (int i = 0; i < k; i++) {
			int j = ev[i].data.u32, c = j % p->n;
			int from = j < p->n ? p->p1[c] : p->p2[c];
			int to = j < p->n ? p->p2[c] : p->p1[c];

			if (j == 2 * p->n) {
				close(ep);
				return NULL;
			}
			if ((p->splice ? splice_once(from, p->pipes[j], to) :
			     copy_once(from, to)) == 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, from, NULL);
				shutdown(to, SHUT_WR);
			}
		}
	}
}

static void proxy_start(struct proxy *p, int n, int *p1, int *p2, bool splice, int cpu)
{
	*p = (struct proxy){ .n = n, .cpu = cpu, .splice = splice, .p1 = p1, .p2 = p2 };
	p->stop = eventfd(0, EFD_CLOEXEC);
	for (int j = 0; splice && j < 2 * n; j++)
		if (pipe2(p->pipes[j], O_CLOEXEC) < 0)
			die("pipe", errno);
	if (p->stop < 0 || pthread_create(&p->th, NULL, proxy_loop, p) != 0)
		die("proxy", errno);
}

static void proxy_stop(struct proxy *p)
{
	uint64_t one = 1;

	if (write(p->stop, &one, sizeof(one)) != sizeof(one))
		die("proxy stop", errno);
	pthread_join(p->th, NULL);
	close(p->stop);
	for (int j = 0; p->splice && j < 2 * p->n; j++) {
		close(p->pipes[j][0]);
		close(p->pipes[j][1]);
	}
}

/* The sockets of one measurement: a[i] the client's end, b[i] the
 * server's; through COPY, SPLICE and PAIR they are two TCP connections
 * a[i]-p1[i] and p2[i]-b[i] with the proxy (user space or pair) between
 * p1[i] and p2[i]. All fds are the path's. */
struct path {
	enum mode m;
	int n, a[MAXC], b[MAXC], p1[MAXC], p2[MAXC];
	bool proxied;
	struct proxy proxy;
};

static uint32_t port_key(int fd)
{
	return (uint32_t)port_of(fd, false) << 16 | port_of(fd, true);
}

/* The direct modes: one connection each, in a cgroup for accelerate, in
 * a sockmap for the sk_msg modes (inserted before any byte is sent). */
static void direct_open(struct path *p)
{
	int hash = bpf_map__fd(bare->maps.bare_hash);
	int nocount = bpf_map__fd(bare->maps.pass_map);

	tcp_pairs(p->m == ACCEL ? cg[0] : p->m == ACCEL_CNT ? cg[1] : home, p->n,
		  p->a, p->b);
	for (int i = 0; i < p->n; i++)
		if (p->m == BARE) {
			map_insert(hash, port_key(p->a[i]), p->a[i]);
			map_insert(hash, port_key(p->b[i]), p->b[i]);
		} else if (p->m == PASS) {
			map_insert(nocount, 2 * i, p->a[i]);
			map_insert(nocount, 2 * i + 1, p->b[i]);
		} else if (p->m == PASS_CNT) {
			member_insert(pass_map, &pass_aux, 2 * i, p->a[i], -1);
			member_insert(pass_map, &pass_aux, 2 * i + 1, p->b[i], -1);
		}
}

/* bare-skb-redirect: fd at key, redirecting to peer's key. */
static void skb_insert(uint32_t key, int fd, uint32_t peer)
{
	uint64_t cookie = cookie_of(fd);

	if (bpf_map_update_elem(bpf_map__fd(bare->maps.skb_peer), &cookie, &peer,
				BPF_ANY) < 0)
		die("skb_peer", errno);
	map_insert(bpf_map__fd(bare->maps.skb_map), key, fd);
}

static void path_open(struct path *p, enum mode m, int n, int proxy_cpu)
{
	int sv[2];

	*p = (struct path){ .m = m, .n = n,
			    .proxied = m == COPY || m == SPLICE || m == BARE_SKB ||
				        m == PAIR || m == PAIR_D || m == PAIR_DL };
	if (m == UNIX) {
		for (int i = 0; i < n; i++) {
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
				die("socketpair", errno);
			p->a[i] = sv[0];
			p->b[i] = sv[1];
		}
		return;
	}
	if (!p->proxied) {
		direct_open(p);
		return;
	}
	tcp_pairs(home, n, p->a, p->p1);
	tcp_pairs(home, n, p->p2, p->b);
	if (m == BARE_SKB)
		for (int i = 0; i < n; i++) {
			skb_insert(2 * i, p->p1[i], 2 * i + 1);
			skb_insert(2 * i + 1, p->p2[i], 2 * i);
		}
	else if (m == PAIR)
		for (int i = 0; i < n; i++) {
			member_insert(pair_map, &pair_aux, 2 * i, p->p1[i], 2 * i + 1);
			member_insert(pair_map, &pair_aux, 2 * i + 1, p->p2[i], 2 * i);
		}
	else if (m == PAIR_D || m == PAIR_DL)
		for (int i = 0; i < n; i++)
			daemon_pair(2 * i, p->p1[i], 2 * i + 1, p->p2[i], m == PAIR_D);
	else
		proxy_start(&p->proxy, n, p->p1, p->p2, m == SPLICE, proxy_cpu);
}

/* That the built-in ran where it should: pass+counters counted the
 * client's sends, pair redirected what the client sent (else the figures
 * would be of another path). */
static void check_counted(enum mode m, const struct sockmap_aux *aux, uint64_t cookie)
{
	struct sockmap_counters c;
	int r = sockmap_aux_counters(aux, cookie, &c);

	if (r < 0)
		die("counters", -r);
	if (m == PASS_CNT ? c.tx_msgs == 0 || c.passed != c.tx_msgs :
	    c.redirected == 0 || c.redirect_miss != 0)
		die(mode_name[m], EPROTO);
}

static void cookies_of(int n, const int *fds, uint64_t *cookies)
{
	for (int i = 0; i < n; i++)
		cookies[i] = cookie_of(fds[i]);
}

/* Close the path; the sockmaps drop closed members themselves, and only
 * then are the aux maps told (a late skb of a member still in the map
 * would count it anew, an entry no one removes). bpfpind is told to end
 * the members it holds first, so that their keys are free for the next
 * path. (pair-bpfpind needs no counter check: nothing but the redirect
 * moves bytes between its proxy sockets.) */
static void path_close(struct path *p)
{
	uint64_t c1[MAXC] = { 0 }, c2[MAXC] = { 0 };
	const struct sockmap_aux *aux = p->m == PAIR ? &pair_aux :
					p->m == PASS_CNT ? &pass_aux : NULL;

	if (p->m == COPY || p->m == SPLICE)
		proxy_stop(&p->proxy);
	for (int i = 0; (p->m == PAIR_D || p->m == PAIR_DL) && i < p->n; i++) {
		daemon_kill(2 * i);
		daemon_kill(2 * i + 1);
	}
	if (aux) {
		cookies_of(p->n, p->m == PAIR ? p->p1 : p->a, c1);
		cookies_of(p->n, p->m == PAIR ? p->p2 : p->b, c2);
		check_counted(p->m, aux, c1[0]);
	}
	for (int i = 0; p->m == BARE_SKB && i < p->n; i++) {
		uint64_t c[2] = { cookie_of(p->p1[i]), cookie_of(p->p2[i]) };

		bpf_map_delete_elem(bpf_map__fd(bare->maps.skb_peer), &c[0]);
		bpf_map_delete_elem(bpf_map__fd(bare->maps.skb_peer), &c[1]);
	}
	for (int i = 0; i < p->n; i++) {
		close(p->a[i]);
		close(p->b[i]);
		if (p->proxied) {
			close(p->p1[i]);
			close(p->p2[i]);
		}
	}
	for (int i = 0; aux && i < p->n; i++) {
		sockmap_aux_member_rm(aux, c1[i]);
		sockmap_aux_member_rm(aux, c2[i]);
	}
}

/* The writer of a stream: 64 KiB writes until told to stop; written
 * (bytes) is updated after each write for the reader to sample. */
struct writer {
	int fd, cpu, stop, done;
	uint64_t written;
	pthread_t th;
};

static void *write_loop(void *arg)
{
	static char buf[CHUNK];
	struct writer *w = arg;

	pin(w->cpu);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		ssize_t r = write(w->fd, buf, sizeof(buf));

		if (r < 0)
			die("stream write", errno);
		__atomic_store_n(&w->written, w->written + r, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void writer_start(struct writer *w, int fd, int cpu)
{
	*w = (struct writer){ .fd = fd, .cpu = cpu };
	if (pthread_create(&w->th, NULL, write_loop, w) != 0)
		die("writer", EAGAIN);
}

/* Stop the writer and read until every byte it wrote has arrived (none
 * may be lost on any path: 2 s without progress is an error). */
static void writer_stop_drain(struct writer *w, int fd, uint64_t got)
{
	static char buf[CHUNK];
	uint64_t last = bench_now_ns();

	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) ||
	       got < __atomic_load_n(&w->written, __ATOMIC_ACQUIRE)) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (r > 0) {
			got += r;
			last = bench_now_ns();
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			die("stream drain", r == 0 ? EPIPE : errno);
		} else if (bench_now_ns() - last > 2000000000ull) {
			die("stream drain: bytes lost", ETIMEDOUT);
		} else {
			usleep(100);
		}
	}
	pthread_join(w->th, NULL);
}

static double rusage_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* Busy time of all CPUs from /proc/stat (user, nice, system, irq,
 * softirq: kernel workers and softirqs included, other tenants too), ns. */
static double system_busy_ns(void)
{
	unsigned long long v[7] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			 &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
		die("/proc/stat", EIO);
	fclose(f);
	return (v[0] + v[1] + v[2] + v[5] + v[6]) * 1e9 / sysconf(_SC_CLK_TCK);
}

/* One connection's stream: Gbit/s, received/written bytes at the same
 * instant, CPU per KiB received (process, system). */
static void stream_run(struct path *p, int cpu_w, int cpu_r, double *f)
{
	static char buf[CHUNK];
	double proc0, sys0;
	uint64_t got = 0, t0, t = 0, sent = 0;
	struct writer w;

	pin(cpu_r);
	proc0 = rusage_ns();
	sys0 = system_busy_ns();
	t0 = bench_now_ns();
	writer_start(&w, p->a[0], cpu_w);
	while (t < seconds * 1e9) {
		ssize_t r = read(p->b[0], buf, sizeof(buf));

		if (r <= 0)
			die("stream read", r < 0 ? errno : EPIPE);
		got += r;
		t = bench_now_ns() - t0;
	}
	sent = __atomic_load_n(&w.written, __ATOMIC_ACQUIRE);
	f[CPU_PROC] = (rusage_ns() - proc0) / (got / 1024.0);
	f[CPU_SYS] = (system_busy_ns() - sys0) / (got / 1024.0);
	f[STREAM] = got * 8 / (double)t;   /* bits per ns = Gbit/s */
	f[RXTX] = sent ? got / (double)sent : 0;
	writer_stop_drain(&w, p->b[0], got);
}

/* The same stream in one thread (the one_thread placement): write 64 KiB
 * on the client's end, read all of it at the server's, again. Nothing
 * waits for a wake-up between the two ends; bytes that pass through a
 * proxy thread or a kworker still wait for it. Nothing is in flight
 * after a turn, so there is no receive/send rate to give. */
static void stream_inline(struct path *p, int cpu, double *f)
{
	static char buf[CHUNK];
	double proc0, sys0;
	uint64_t got = 0, t0, t = 0;

	pin(cpu);
	proc0 = rusage_ns();
	sys0 = system_busy_ns();
	t0 = bench_now_ns();
	while (t < seconds * 1e9) {
		write_all(p->a[0], buf, sizeof(buf));
		for (size_t n = 0; n < sizeof(buf);) {
			ssize_t r = read(p->b[0], buf, sizeof(buf) - n);

			if (r <= 0)
				die("stream read", r < 0 ? errno : EPIPE);
			n += r;
		}
		got += sizeof(buf);
		t = bench_now_ns() - t0;
	}
	f[CPU_PROC] = (rusage_ns() - proc0) / (got / 1024.0);
	f[CPU_SYS] = (system_busy_ns() - sys0) / (got / 1024.0);
	f[STREAM] = got * 8 / (double)t;
}

/* The server of the round trips: echo every 64 B message on b[] until
 * stop (an eventfd) is readable. */
struct echo {
	int n, cpu, stop, *fds;
	pthread_t th;
};

static void *echo_loop(void *arg)
{
	struct echo *e = arg;
	struct epoll_event ev[MAXC + 1];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char buf[MSG];

	pin(e->cpu);
	for (int i = 0; i <= e->n; i++) {
		struct epoll_event one = { .events = EPOLLIN, .data.u32 = i };

		epoll_ctl(ep, EPOLL_CTL_ADD, i == e->n ? e->stop : e->fds[i], &one);
	}
	for (;;) {
		int k = epoll_wait(ep, ev, MAXC + 1, -1);

		for (int j = 0; j < k; j++) {
			int i = ev[j].data.u32;
			ssize_t r;

			if (i == e->n) {
				close(ep);
				return NULL;
			}
			r = read(e->fds[i], buf, sizeof(buf));
			if (r <= 0 || write(e->fds[i], buf, r) != r)
				die("echo", r == 0 ? EPIPE : errno);
		}
	}
}

/* One whole 64 B message (TCP may hand it over in pieces). */
static void read_msg(int fd, char *buf)
{
	for (ssize_t got = 0, r; got < MSG; got += r)
		if ((r = read(fd, buf + got, MSG - got)) <= 0)
			die("rt read", r < 0 ? errno : EPIPE);
}

static double *samples;     /* round trip times (us) of one run */

/* Write the first message of every connection; then, for seconds, send
 * the next one on each connection its echo came back on. The count. */
static size_t rt_loop(struct path *p, uint64_t *t_end)
{
	uint64_t sent[MAXC], t0 = bench_now_ns(), now;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev[MAXC];
	char buf[MSG] = { 0 };
	size_t count = 0;

	for (int i = 0; i < p->n; i++) {
		struct epoll_event one = { .events = EPOLLIN, .data.u32 = i };

		epoll_ctl(ep, EPOLL_CTL_ADD, p->a[i], &one);
		sent[i] = bench_now_ns();
		if (write(p->a[i], buf, MSG) != MSG)
			die("rt write", errno);
	}
	do {
		int k = epoll_wait(ep, ev, MAXC, -1);

		now = bench_now_ns();
		for (int j = 0; j < k; j++) {
			int i = ev[j].data.u32;

			read_msg(p->a[i], buf);
			if (count < MAX_SAMPLES)
				samples[count++] = (now - sent[i]) / 1e3;
			sent[i] = bench_now_ns();
			if (write(p->a[i], buf, MSG) != MSG)
				die("rt write", errno);
		}
	} while (now - t0 < seconds * 1e9);
	close(ep);
	*t_end = now - t0;
	return count;
}

/* Round trips/s over the path's connections, one 64 B message each in
 * flight; the p99 round trip (us) in *p99. */
static double rt_run(struct path *p, int cpu_c, int cpu_s, double *p99)
{
	struct echo e = { .n = p->n, .cpu = cpu_s, .fds = p->b };
	uint64_t one = 1, t;
	size_t count;

	e.stop = eventfd(0, EFD_CLOEXEC);
	if (e.stop < 0 || pthread_create(&e.th, NULL, echo_loop, &e) != 0)
		die("echo", errno);
	pin(cpu_c);
	count = rt_loop(p, &t);
	if (write(e.stop, &one, sizeof(one)) != sizeof(one))
		die("echo stop", errno);
	pthread_join(e.th, NULL);
	close(e.stop);
	bench_median(samples, count);   /* sorts */
	*p99 = samples[(size_t)(count * 0.99)];
	return count / (t / 1e9);
}

/* Round trips in one thread: a 64 B message on every client end, each
 * read and echoed at its server end, each echo read back; the round
 * trip of each is the turn's time. */
static double rt_inline(struct path *p, int cpu, double *p99)
{
	char buf[MSG] = { 0 };
	uint64_t t0 = bench_now_ns(), s, t = 0;
	size_t count = 0;

	pin(cpu);
	while (t < seconds * 1e9) {
		s = bench_now_ns();
		for (int i = 0; i < p->n; i++)
			write_all(p->a[i], buf, MSG);
		for (int i = 0; i < p->n; i++) {
			read_msg(p->b[i], buf);
			write_all(p->b[i], buf, MSG);
		}
		for (int i = 0; i < p->n; i++)
			read_msg(p->a[i], buf);
		t = bench_now_ns() - t0;
		for (int i = 0; i < p->n && count < MAX_SAMPLES; i++)
			samples[count++] = (t0 + t - s) / 1e3;
	}
	bench_median(samples, count);   /* sorts */
	*p99 = samples[(size_t)(count * 0.99)];
	return count / (t / 1e9);
}

/* What the kernel holds for one socket (SO_MEMINFO): its receive queue
 * and backlog, its write queue, and skbs still charged to it as sender
 * (on AF_UNIX that is everything queued at the peer). Bytes. */
static uint64_t sock_mem(int fd)
{
	uint32_t mi[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mi);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) < 0)
		die("SO_MEMINFO", errno);
	return (uint64_t)mi[SK_MEMINFO_RMEM_ALLOC] + mi[SK_MEMINFO_BACKLOG] +
	       mi[SK_MEMINFO_WMEM_QUEUED] + mi[SK_MEMINFO_WMEM_ALLOC];
}

static uint64_t path_mem(const struct path *p)
{
	uint64_t sum = 0;

	for (int i = 0; i < p->n; i++) {
		sum += sock_mem(p->a[i]) + sock_mem(p->b[i]);
		if (p->proxied)
			sum += sock_mem(p->p1[i]) + sock_mem(p->p2[i]);
	}
	return sum;
}

/* The kernel's whole TCP memory (the "mem" pages of /proc/net/sockstat):
 * it also sees what sockmap queues outside the sockets' own counts (an
 * sk_msg redirect's ingress messages). Bytes. */
static uint64_t tcp_mem(void)
{
	char line[256];
	long pages = -1;
	FILE *f = fopen("/proc/net/sockstat", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "TCP: inuse %*d orphan %*d tw %*d alloc %*d mem %ld",
			   &pages) == 1)
			break;
	if (f)
		fclose(f);
	if (pages < 0)
		die("/proc/net/sockstat", EIO);
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* MemAvailable of /proc/meminfo (system-wide: sees memory that no
 * socket is charged for, and other tenants' too). Bytes. */
static uint64_t mem_available(void)
{
	char line[256];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	if (!kib)
		die("/proc/meminfo", EIO);
	return kib * 1024;
}

/* Peaks of one slow-reader run, bytes. */
struct mem_peaks {
	uint64_t flight, sock, tcp, avail_drop;
};

static void mem_sample(const struct path *p, uint64_t flight, uint64_t tcp0,
		       uint64_t avail0, struct mem_peaks *pk)
{
	uint64_t s = path_mem(p), t = tcp_mem(), a = mem_available();

#define PEAK(field, v) pk->field = (v) > pk->field ? (v) : pk->field
	PEAK(flight, flight);
	PEAK(sock, s);
	PEAK(tcp, t > tcp0 ? t - tcp0 : 0);
	PEAK(avail_drop, avail0 > a ? avail0 - a : 0);
#undef PEAK
}

/* A stream to a reader taking 64 KiB every 2 ms, for seconds (or until
 * FLIGHT_CAP is in flight): the peaks, sampled at each read, of the
 * bytes written and not yet read, of path_mem, and of tcp_mem and
 * mem_available against where they were before. KiB. */
static void mem_run(struct path *p, int cpu_w, int cpu_r, double *f)
{
	static char buf[CHUNK];
	uint64_t got = 0, t0, tcp0 = tcp_mem(), avail0 = mem_available(), flight = 0;
	struct timespec pause = { 0, SLOW_READ_NS };
	struct mem_peaks pk = { 0 };
	struct writer w;

	pin(cpu_r);
	t0 = bench_now_ns();
	writer_start(&w, p->a[0], cpu_w);
	while (bench_now_ns() - t0 < seconds * 1e9 && flight < FLIGHT_CAP) {
		ssize_t r = read(p->b[0], buf, sizeof(buf));
		uint64_t sent;

		if (r <= 0)
			die("slow read", r < 0 ? errno : EPIPE);
		got += r;
		sent = __atomic_load_n(&w.written, __ATOMIC_ACQUIRE);
		flight = sent > got ? sent - got : 0;
		mem_sample(p, flight, tcp0, avail0, &pk);
		nanosleep(&pause, NULL);
	}
	writer_stop_drain(&w, p->b[0], got);
	f[MEM_FLIGHT] = pk.flight / 1024.0;
	f[MEM_SOCK] = pk.sock / 1024.0;
	f[MEM_TCP] = pk.tcp / 1024.0;
	f[MEM_SYS] = pk.avail_drop / 1024.0;
}

/* Where the ends run: the client (writer), the server (reader, echo) and
 * the user-space proxies; one_thread: the client's and the server's ends
 * in one thread (the stream and the round trips only: a slow reader
 * needs a writer beside it). */
struct placement {
	char label[32];
	int client, server, proxy;
	bool one_thread;
};

typedef double figures[FIGS][MODES];

/* Whether the placement makes figure i (one_thread has no slow reader
 * and nothing in flight to compare). */
static bool measured(const struct placement *pl, enum fig i)
{
	return !pl->one_thread || (i != RXTX && i < MEM_FLIGHT);
}

/* One figure group (0 stream, 1 and 2 round trips over 1 and 16
 * connections, 3 slow reader) of mode m, on a fresh path. */
static void measure(int group, enum mode m, const struct placement *pl, figures f)
{
	double v[FIGS];
	struct path p;

	path_open(&p, m, group == 2 ? MAXC : 1, pl->proxy);
	if (group == 0 && pl->one_thread)
		stream_inline(&p, pl->client, v);
	else if (group == 0)
		stream_run(&p, pl->client, pl->server, v);
	else if (group == 1 && pl->one_thread)
		v[RT1] = rt_inline(&p, pl->client, &v[P99_1]);
	else if (group == 1)
		v[RT1] = rt_run(&p, pl->client, pl->server, &v[P99_1]);
	else if (group == 2 && pl->one_thread)
		v[RT16] = rt_inline(&p, pl->client, &v[P99_16]);
	else if (group == 2)
		v[RT16] = rt_run(&p, pl->client, pl->server, &v[P99_16]);
	else
		mem_run(&p, pl->client, pl->server, v);
	path_close(&p);
	for (int i = 0; i < FIGS; i++) {
		bool mine = group == 0 ? i <= CPU_SYS : group == 1 ? i == RT1 || i == P99_1 :
			    group == 2 ? i == RT16 || i == P99_16 : i >= MEM_FLIGHT;

		if (mine && measured(pl, i))
			f[i][m] = v[i];
	}
}

/* Every figure of every mode once; the modes in turn, in reverse order
 * on odd runs so that no mode always follows the same one. */
static void one_run(int run, const struct placement *pl, figures f)
{
	for (int group = 0; group < (pl->one_thread ? 3 : 4); group++)
		for (int k = 0; k < MODES; k++)
			measure(group, run % 2 ? MODES - 1 - k : k, pl, f);
}

static double median_of(figures *f, int runs, enum fig i, int m)
{
	double v[runs];

	for (int r = 0; r < runs; r++)
		v[r] = f[r][i][m];
	return bench_median(v, runs);
}

/* The targets: a figure of mode m over the same of anchor (ITSELF: the
 * figure itself; BOUND: over PAIR_BOUND, the figure being in KiB). */
enum { ITSELF = -1, BOUND = -2 };

static const struct target {
	enum fig fig;
	int m, anchor;
	enum bench_cmp cmp;
	double t;
} targets[] = {
#define ACCEL_TARGETS(M) \
	{ STREAM, M, TCP, BENCH_AT_LEAST, 2 }, { RT1, M, TCP, BENCH_AT_LEAST, 1.5 }, \
	{ RT16, M, TCP, BENCH_AT_LEAST, 2 }, { P99_1, M, TCP, BENCH_AT_MOST, 1 }, \
	{ P99_16, M, TCP, BENCH_AT_MOST, 1 }, { STREAM, M, BARE, BENCH_AT_LEAST, 0.9 }, \
	{ RT1, M, BARE, BENCH_AT_LEAST, 0.9 }, { RT16, M, BARE, BENCH_AT_LEAST, 0.9 }, \
	{ STREAM, M, UNIX, BENCH_AT_LEAST, 1 }, { RT1, M, UNIX, BENCH_AT_LEAST, 1 }, \
	{ RT16, M, UNIX, BENCH_AT_LEAST, 1 }
	ACCEL_TARGETS(ACCEL),
	ACCEL_TARGETS(ACCEL_CNT),
#undef ACCEL_TARGETS
	{ RT1, PAIR, COPY, BENCH_AT_LEAST, 1.2 }, { RT16, PAIR, COPY, BENCH_AT_LEAST, 1.2 },
	{ RT1, PAIR, SPLICE, BENCH_AT_LEAST, 1.2 }, { RT16, PAIR, SPLICE, BENCH_AT_LEAST, 1.2 },
	{ RXTX, PAIR, ITSELF, BENCH_AT_LEAST, 0.95 },
	{ RT1, PAIR, BARE_SKB, BENCH_AT_LEAST, 0.9 }, { RT16, PAIR, BARE_SKB, BENCH_AT_LEAST, 0.9 },
	{ RT1, PAIR_D, COPY, BENCH_AT_LEAST, 1.2 }, { RT16, PAIR_D, COPY, BENCH_AT_LEAST, 1.2 },
	{ MEM_FLIGHT, PAIR_D, BOUND, BENCH_AT_MOST, 1 },
	{ RT1, PAIR_DL, COPY, BENCH_AT_LEAST, 1.2 }, { RT16, PAIR_DL, COPY, BENCH_AT_LEAST, 1.2 },
	{ MEM_FLIGHT, PAIR_DL, BOUND, BENCH_AT_MOST, 1 },
	{ RT1, PASS_CNT, PASS, BENCH_AT_LEAST, 0.9 }, { RT16, PASS_CNT, PASS, BENCH_AT_LEAST, 0.9 },
};

static void report(const struct placement *pl, figures *f, int runs)
{
	char label[160];

	printf("sockmap, %s: client cpu %d, server cpu %d, proxy cpu %d "
	       "(median of %d runs of %.2f s)\n", pl->label, pl->client, pl->server,
	       pl->proxy, runs, seconds);
	for (int i = 0; i < FIGS; i++)
		for (int m = 0; m < MODES && measured(pl, i); m++) {
			snprintf(label, sizeof(label), "%s, %s", fig_info[i].name, mode_name[m]);
			bench_row(label, median_of(f, runs, i, m), fig_info[i].unit);
		}
	for (size_t k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
		const struct target *t = &targets[k];
		double v = median_of(f, runs, t->fig, t->m);

		if (!measured(pl, t->fig))
			continue;
		if (t->anchor >= 0) {
			snprintf(label, sizeof(label), "%s %s/%s, %s", fig_info[t->fig].name,
				 mode_name[t->m], mode_name[t->anchor], pl->label);
			v /= median_of(f, runs, t->fig, t->anchor);
		} else if (t->anchor == BOUND) {
			snprintf(label, sizeof(label), "%s %s/(budget+16 MiB), %s",
				 fig_info[t->fig].name, mode_name[t->m], pl->label);
			v /= PAIR_BOUND / 1024.0;
		} else {
			snprintf(label, sizeof(label), "%s %s, %s", fig_info[t->fig].name,
				 mode_name[t->m], pl->label);
		}
		bench_ratio(label, v, t->cmp, t->t);
	}
	fflush(stdout);
}

static void placement(const struct placement *pl, int runs)
{
	figures *f = calloc(runs, sizeof(*f));

	if (!f)
		die("figures", ENOMEM);
	for (int r = 0; r < runs; r++)
		one_run(r, pl, f[r]);
	report(pl, f, runs);
	free(f);
}

int main(int argc, char **argv)
{
	int runs = 9, cpu_a = 0, cpu_b = 1, cpu_p = -2, o;
	char daemon_bin[600] = "";
	struct placement pl;

	while ((o = getopt(argc, argv, "r:t:c:C:P:D:")) != -1)
		switch (o) {
		case 'r': runs = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'c': cpu_a = atoi(optarg); break;
		case 'C': cpu_b = atoi(optarg); break;
		case 'P': cpu_p = atoi(optarg); break;
		case 'D': snprintf(daemon_bin, sizeof(daemon_bin), "%s", optarg); break;
		default:
			fprintf(stderr, "usage: %s [-r runs] [-t seconds] [-c client-cpu] "
				"[-C server-cpu] [-P proxy-cpu] [-D bpfpind]\n", argv[0]);
			return 2;
		}
	if (runs < 1 || seconds <= 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);   /* a closed peer is an error return */
	if (!daemon_bin[0])
		default_daemon(daemon_bin, sizeof(daemon_bin));
	daemon_start(daemon_bin);
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (!samples)
		die("samples", ENOMEM);
	kernel_setup();
	pl = (struct placement){ .client = cpu_a, .server = cpu_a, .proxy = cpu_a };
	snprintf(pl.label, sizeof(pl.label), "cpu %d", cpu_a);
	placement(&pl, runs);
	pl = (struct placement){ .client = cpu_a, .server = cpu_b,
				 .proxy = cpu_p == -2 ? cpu_b : cpu_p };
	snprintf(pl.label, sizeof(pl.label), "cpu %d->%d", cpu_a, cpu_b);
	placement(&pl, runs);
	pl = (struct placement){ .client = cpu_a, .server = cpu_a, .proxy = cpu_a,
				 .one_thread = true };
	snprintf(pl.label, sizeof(pl.label), "cpu %d, one thread", cpu_a);
	placement(&pl, runs);
	free(samples);
	return 0;
}
