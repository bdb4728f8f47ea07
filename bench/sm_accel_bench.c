/* bench/sm_accel_bench.c: accelerate (sockmap/accel.h) against its anchors,
 * side by side in one run: direct loopback TCP, an AF_UNIX socketpair, and
 * loopback TCP accelerated by sk_msg redirect. Stream Gbit/s with 64 KiB
 * writes on one connection; round trips/s with 64 B messages over 1 and
 * 16 connections and their p99; the two ends on one thread each, pinned to
 * one CPU and then across two. Medians of several runs, the modes
 * interleaved so that a noisy neighbour hits all alike. Needs root (a
 * cgroup and BPF links). Usage: sm_accel_bench [-r runs] [-t seconds]
 * [-c cpu_a] [-C cpu_b]. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bench/bench.h"
#include "sockmap/accel.h"
#include "sockmap/builtin.h"

#define CGROUP2_ROOT "/sys/fs/cgroup/unified"
#define MAXC 16
#define STREAM_CHUNK (64 * 1024)
#define MSG 64
#define MAX_SAMPLES (1 << 22)

/* ACCEL_CNT: accelerate counting per socket into aux maps, as the
 * manager runs it; ACCEL: without them. */
enum mode { TCP, UNIX, ACCEL, ACCEL_CNT, MODES };
static const char *const mode_name[MODES] = {
	"tcp", "unix", "accelerate", "accelerate+counters"
};

static char home[512], cg[2][600];  /* for ACCEL, ACCEL_CNT */
static double seconds = 0.3;

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

static void die(const char *what, int err)
{
	fprintf(stderr, "sm_accel_bench: %s: %s\n", what, strerror(err));
	exit(1);
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

/* The aux maps accelerate counts into (sockmap/builtin.h); socket
 * storage needs BTF for its key and value. */
static void aux_create(struct sockmap_aux *aux)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	struct btf *btf = btf__new_empty();
	int key, val;

	for (int i = 0; i < SOCKMAP_AUX_MAX; i++)
		aux->fds[i] = -1;
	if (!btf)
		die("btf", errno);
	key = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	val = btf__add_int(btf, "unsigned long long", 8, 0);
	if (key < 0 || val < 0 || btf__load_into_kernel(btf) < 0)
		die("btf", errno);
	o.btf_fd = btf__fd(btf);
	o.btf_key_type_id = key;
	o.btf_value_type_id = val;
	aux->fds[SOCKMAP_AUX_SK] = bpf_map_create(BPF_MAP_TYPE_SK_STORAGE, "sm_sk",
						  4, 8, 0, &o);
	aux->fds[SOCKMAP_AUX_CNT] = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "sm_cnt",
						   8, sizeof(struct sockmap_counters),
						   1024, NULL);
	if (aux->fds[SOCKMAP_AUX_SK] < 0 || aux->fds[SOCKMAP_AUX_CNT] < 0)
		die("aux maps", errno);
	btf__free(btf);
}

/* A cgroup beside ours with accelerate on it (counting into aux maps or
 * not); sockets made while this process is in it are accelerated, those
 * made at home are not. */
static void accel_setup(int i, bool count)
{
	struct sockmap_accel acc;
	struct sockmap_aux aux;
	char why[256];
	int hash, cgfd;

	snprintf(cg[i], sizeof(cg[i]), "%s/bpfpin-accel-bench.%d.%d", home, getpid(), i);
	if (mkdir(cg[i], 0755) < 0)
		die(cg[i], errno);
	cgfd = open(cg[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	hash = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "accel_bench",
			      SOCKMAP_ACCEL_KEY_SIZE, 8, 1024, NULL);
	if (cgfd < 0 || hash < 0)
		die("cgroup or sockhash", errno);
	if (count)
		aux_create(&aux);
	if (sockmap_accel_start(hash, cgfd, count ? &aux : NULL, &acc, why,
				sizeof(why)) < 0)
		die(why, EINVAL);
	/* The links stay open (and attached) until the process exits; they
	 * hold the maps. */
	close(hash);
	close(cgfd);
	if (count) {
		close(aux.fds[SOCKMAP_AUX_SK]);
		close(aux.fds[SOCKMAP_AUX_CNT]);
	}
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* n connected pairs of mode m: a[i] the client end, b[i] the server's. */
static void make_pairs(enum mode m, int n, int *a, int *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int lfd, sv[2];

	if (m == UNIX) {
		for (int i = 0; i < n; i++) {
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
				die("socketpair", errno);
			a[i] = sv[0];
			b[i] = sv[1];
		}
		return;
	}
	move_to(m == ACCEL ? cg[0] : m == ACCEL_CNT ? cg[1] : home);
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

static void close_all(int n, int *fds)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void pin(int cpu)
{
	int r = bench_pin_cpu(cpu);

	if (r < 0)
		die("pin", -r);
}

struct stream {
	int fd, cpu;
	volatile bool stop;
};

/* The writer: 64 KiB writes until told to stop, then EOF. */
static void *stream_write(void *arg)
{
	static char buf[STREAM_CHUNK];
	struct stream *s = arg;

	pin(s->cpu);
	while (!s->stop)
		if (write(s->fd, buf, sizeof(buf)) < 0)
			die("stream write", errno);
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

/* Gbit/s one connection carries, the reader on cpu_r. */
static double stream_run(enum mode m, int cpu_w, int cpu_r)
{
	static char buf[STREAM_CHUNK];
	struct stream s = { .cpu = cpu_w };
	uint64_t bytes = 0, t0, t = 0;
	pthread_t th;
	ssize_t r;
	int a, b;

	make_pairs(m, 1, &a, &b);
	s.fd = a;
	pthread_create(&th, NULL, stream_write, &s);
	pin(cpu_r);
	t0 = bench_now_ns();
	while ((r = read(b, buf, sizeof(buf))) > 0) {
		if (s.stop)
			continue;   /* draining to EOF */
		bytes += r;
		t = bench_now_ns() - t0;
		s.stop = t >= seconds * 1e9;
	}
	pthread_join(th, NULL);
	close(a);
	close(b);
	return bytes * 8 / (double)t;   /* bits per ns = Gbit/s */
}

struct echo {
	int n, cpu, *fds;
};

/* The server: echo every 64 B message until every client has closed. */
static void *echo_serve(void *arg)
{
	struct echo *e = arg;
	struct epoll_event ev[MAXC];
	int ep = epoll_create1(EPOLL_CLOEXEC), open_ = e->n;
	char buf[MSG];

	pin(e->cpu);
	for (int i = 0; i < e->n; i++) {
		struct epoll_event one = { .events = EPOLLIN, .data.fd = e->fds[i] };

		epoll_ctl(ep, EPOLL_CTL_ADD, e->fds[i], &one);
	}
	while (open_ > 0) {
		int k = epoll_wait(ep, ev, MAXC, -1);

		for (int i = 0; i < k; i++) {
			ssize_t r = read(ev[i].data.fd, buf, sizeof(buf));

			/* A client that closed may miss its last echo. */
			if (r <= 0 || write(ev[i].data.fd, buf, r) != r) {
				epoll_ctl(ep, EPOLL_CTL_DEL, ev[i].data.fd, NULL);
				open_--;
			}
		}
	}
	close(ep);
	return NULL;
}

/* One whole 64 B message (TCP may hand it over in pieces). */
static void read_msg(int fd, char *buf)
{
	for (ssize_t got = 0, r; got < MSG; got += r)
		if ((r = read(fd, buf + got, MSG - got)) <= 0)
			die("rt read", r < 0 ? errno : EPIPE);
}

static double *samples;     /* round trip times (us) of one run */

/* Round trips/s with n connections in flight, each one 64 B message at a
 * time; the p99 round trip in *p99 (us). */
static double rt_run(enum mode m, int n, int cpu_c, int cpu_s, double *p99)
{
	int a[MAXC], b[MAXC], ep = epoll_create1(EPOLL_CLOEXEC);
	struct echo e = { .n = n, .cpu = cpu_s, .fds = b };
	struct epoll_event ev[MAXC];
	uint64_t sent[MAXC], t0, now;
	size_t count = 0;
	char buf[MSG] = { 0 };
	pthread_t th;

	make_pairs(m, n, a, b);
	pthread_create(&th, NULL, echo_serve, &e);
	pin(cpu_c);
	t0 = bench_now_ns();
	for (int i = 0; i < n; i++) {
		struct epoll_event one = { .events = EPOLLIN, .data.u32 = i };

		epoll_ctl(ep, EPOLL_CTL_ADD, a[i], &one);
		sent[i] = bench_now_ns();
		if (write(a[i], buf, MSG) != MSG)
			die("rt write", errno);
	}
	do {
		int k = epoll_wait(ep, ev, MAXC, -1);

		now = bench_now_ns();
		for (int j = 0; j < k; j++) {
			int i = ev[j].data.u32;

			read_msg(a[i], buf);
			if (count < MAX_SAMPLES)
				samples[count++] = (now - sent[i]) / 1e3;
			sent[i] = bench_now_ns();
			if (write(a[i], buf, MSG) != MSG)
				die("rt write", errno);
		}
	} while (now - t0 < seconds * 1e9);
	close_all(n, a);    /* the server exits on their EOF */
	pthread_join(th, NULL);
	close_all(n, b);
	close(ep);
	bench_median(samples, count);   /* sorts */
	*p99 = samples[(size_t)(count * 0.99)];
	return count / ((now - t0) / 1e9);
}

struct figures {
	double stream[MODES], rt1[MODES], rt16[MODES], p99_1[MODES], p99_16[MODES];
};

static void one_round(int cpu_a, int cpu_b, struct figures *f)
{
	for (int m = 0; m < MODES; m++) {
		f->stream[m] = stream_run(m, cpu_a, cpu_b);
		f->rt1[m] = rt_run(m, 1, cpu_a, cpu_b, &f->p99_1[m]);
		f->rt16[m] = rt_run(m, MAXC, cpu_a, cpu_b, &f->p99_16[m]);
	}
}

/* The median over runs of one figure of one mode. */
static double median_of(struct figures *f, int runs, size_t off, int m)
{
	double v[runs];

	for (int r = 0; r < runs; r++)
		v[r] = ((double *)((char *)&f[r] + off))[m];
	return bench_median(v, runs);
}

static void report(const char *where, struct figures *f, int runs)
{
	static const struct { const char *name, *unit; size_t off; } fig[] = {
		{ "stream 64 KiB writes", "Gbit/s", offsetof(struct figures, stream) },
		{ "round trips 64 B x1", "rt/s", offsetof(struct figures, rt1) },
		{ "round trips 64 B x16", "rt/s", offsetof(struct figures, rt16) },
		{ "p99 round trip x1", "us", offsetof(struct figures, p99_1) },
		{ "p99 round trip x16", "us", offsetof(struct figures, p99_16) },
	};
	static const struct { double target; enum bench_cmp cmp; } goal[] = {
		{ 2, BENCH_AT_LEAST }, { 1.5, BENCH_AT_LEAST }, { 2, BENCH_AT_LEAST },
		{ 1, BENCH_AT_MOST }, { 1, BENCH_AT_MOST },
	};
	char label[128];

	printf("accelerate, %s (median of %d runs of %.1f s):\n", where, runs, seconds);
	for (size_t i = 0; i < sizeof(fig) / sizeof(fig[0]); i++)
		for (int m = 0; m < MODES; m++) {
			snprintf(label, sizeof(label), "%s, %s", fig[i].name, mode_name[m]);
			bench_row(label, median_of(f, runs, fig[i].off, m), fig[i].unit);
		}
	for (int m = ACCEL; m <= ACCEL_CNT; m++)
		for (size_t i = 0; i < sizeof(fig) / sizeof(fig[0]); i++) {
			snprintf(label, sizeof(label), "%s %s/tcp, %s", fig[i].name,
				 mode_name[m], where);
			bench_ratio(label, median_of(f, runs, fig[i].off, m) /
				    median_of(f, runs, fig[i].off, TCP), goal[i].cmp,
				    goal[i].target);
		}
}

static void placement(const char *where, int cpu_a, int cpu_b, int runs)
{
	struct figures f[runs];

	for (int r = 0; r < runs; r++)
		one_round(cpu_a, cpu_b, &f[r]);
	report(where, f, runs);
}

int main(int argc, char **argv)
{
	int runs = 5, cpu_a = 0, cpu_b = 1, o;
	char where[64];

	while ((o = getopt(argc, argv, "r:t:c:C:")) != -1)
		switch (o) {
		case 'r': runs = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'c': cpu_a = atoi(optarg); break;
		case 'C': cpu_b = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-r runs] [-t seconds] [-c cpu] [-C cpu]\n",
				argv[0]);
			return 2;
		}
	if (runs < 1 || seconds <= 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);   /* a closed peer is an error return */
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (!samples)
		die("samples", ENOMEM);
	find_home();
	atexit(cleanup);
	accel_setup(0, false);
	accel_setup(1, true);
	snprintf(where, sizeof(where), "both on cpu %d", cpu_a);
	placement(where, cpu_a, cpu_a, runs);
	snprintf(where, sizeof(where), "cpu %d to cpu %d", cpu_a, cpu_b);
	placement(where, cpu_a, cpu_b, runs);
	free(samples);
	return 0;
}
