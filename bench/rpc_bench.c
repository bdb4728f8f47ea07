/* bench/rpc_bench.c: the cost of one pin, get and unlink through bpfpind
 * against its anchors, measured in one run: the kernel's own BPF_OBJ_PIN /
 * BPF_OBJ_GET / unlink on a bpffs, and a bare SOCK_SEQPACKET round trip
 * carrying one fd each way; also the per-object cost of a bulk get. Each
 * repeat runs every measurement once, so that the machine's noise falls on
 * all of them alike; the figures are medians over the repeats. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench/bare.h"
#include "bench/bench.h"
#include "bpfpin/bpfpin.h"

#define BULK 253
#define BULK_CALLS 8
#define MAX_REPEATS 64
#define CPU_AS_CLIENT (-2)

struct cfg {
	const char *sock, *bpffs, *label;
	int cpu, server_cpu, iters, repeats;
};

/* Microseconds per operation, one sample per repeat. */
enum { K_PIN, K_GET, K_UNLINK, K_STORE, BARE, D_PIN, D_GET, D_UNLINK, BULK_GET,
       NFIG };

struct run {
	const struct cfg *c;
	int map;
	int *fds;                       /* iters (at least BULK) slots */
	struct bare bare;
	struct bpfpin *b;               /* NULL without --socket */
	char *bulk_paths[BULK];
	double fig[NFIG][MAX_REPEATS];
	/* Where the ends ran: bare round trips across CPUs (of all timed),
	 * and repeats that ended with bpfpind on another CPU than ours. */
	long bare_crossed, bare_total;
	int daemon_crossed;
	pid_t daemon_pid;
};

static double per_op_us(uint64_t t0, uint64_t t1, int n)
{
	return (double)(t1 - t0) / 1e3 / n;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void kernel_path(const struct run *x, char *buf, size_t size, int i)
{
	snprintf(buf, size, "%s/k%05d", x->c->bpffs, i);
}

/* The fds a get returns are closed after the clock stops, on both sides,
 * so that a get is timed alone. */
static int kernel_round(struct run *x, int rep)
{
	char path[4096];
	int n = x->c->iters, r = 0;
	uint64_t t0, t1, t2;

	t0 = bench_now_ns();
	for (int i = 0; i < n && r == 0; i++) {
		kernel_path(x, path, sizeof(path), i);
		r = bpf_obj_pin(x->map, path) < 0 ? -errno : 0;
	}
	t1 = bench_now_ns();
	for (int i = 0; i < n; i++)
		x->fds[i] = -1;
	for (int i = 0; i < n && r == 0; i++) {
		kernel_path(x, path, sizeof(path), i);
		if ((x->fds[i] = bpf_obj_get(path)) < 0)
			r = -errno;
	}
	t2 = bench_now_ns();
	close_all(x->fds, n);
	x->fig[K_PIN][rep] = per_op_us(t0, t1, n);
	x->fig[K_GET][rep] = per_op_us(t1, t2, n);
	t0 = bench_now_ns();
	for (int i = 0; i < n; i++) {
		kernel_path(x, path, sizeof(path), i);
		if (unlink(path) < 0 && r == 0)
			r = -errno;
	}
	x->fig[K_UNLINK][rep] = per_op_us(t0, bench_now_ns(), n);
	return r;
}

/* What the crash-atomic store does for one pin, in the kernel alone: pin
 * under a staging name (no dot: bpffs refuses dots in names with EPERM),
 * give it the caller's owner and mode, and rename it into place without
 * replacing anything. The anchor of bpfpind's pin, beside a bare round
 * trip. Removed untimed. */
static int store_one(const struct run *x, int i)
{
	char stage[4096], path[4096];

	snprintf(stage, sizeof(stage), "%s/_s%05d", x->c->bpffs, i);
	snprintf(path, sizeof(path), "%s/s%05d", x->c->bpffs, i);
	if (bpf_obj_pin(x->map, stage) < 0 || chown(stage, 65534, 65534) < 0 ||
	    chmod(stage, 0600) < 0 ||
	    renameat2(AT_FDCWD, stage, AT_FDCWD, path, RENAME_NOREPLACE) < 0)
		return -errno;
	return 0;
}

static int store_round(struct run *x, int rep)
{
	char path[4096];
	int n = x->c->iters, r = 0;
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < n && r == 0; i++)
		r = store_one(x, i);
	x->fig[K_STORE][rep] = per_op_us(t0, bench_now_ns(), n);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/s%05d", x->c->bpffs, i);
		unlink(path);
		snprintf(path, sizeof(path), "%s/_s%05d", x->c->bpffs, i);
		unlink(path);
	}
	return r;
}

static void daemon_path(char *buf, size_t size, int i)
{
	snprintf(buf, size, "/bench-rpc/p%05d", i);
}

/* The mirror of kernel_round, through bpfpind. */
static int daemon_round(struct run *x, int rep)
{
	char path[64];
	int n = x->c->iters, r = 0, u;
	uint64_t t0, t1, t2;

	t0 = bench_now_ns();
	for (int i = 0; i < n && r == 0; i++) {
		daemon_path(path, sizeof(path), i);
		r = bpfpin_pin(x->b, x->map, path, NULL);
	}
	t1 = bench_now_ns();
	for (int i = 0; i < n; i++)
		x->fds[i] = -1;
	for (int i = 0; i < n && r == 0; i++) {
		daemon_path(path, sizeof(path), i);
		if ((x->fds[i] = bpfpin_get(x->b, path, O_RDWR)) < 0)
			r = x->fds[i];
	}
	t2 = bench_now_ns();
	close_all(x->fds, n);
	x->fig[D_PIN][rep] = per_op_us(t0, t1, n);
	x->fig[D_GET][rep] = per_op_us(t1, t2, n);
	t0 = bench_now_ns();
	for (int i = 0; i < n; i++) {
		daemon_path(path, sizeof(path), i);
		if ((u = bpfpin_unlink(x->b, path)) < 0 && r == 0)
			r = u;
	}
	x->fig[D_UNLINK][rep] = per_op_us(t0, bench_now_ns(), n);
	return r;
}

/* BULK_CALLS calls of bpfpin_get_many over the BULK paths pinned for it. */
static int bulk_round(struct run *x, int rep)
{
	uint64_t spent = 0;
	int r = 0;

	for (int k = 0; k < BULK_CALLS && r == 0; k++) {
		uint64_t t0 = bench_now_ns();

		r = bpfpin_get_many(x->b, (const char *const *)x->bulk_paths, BULK,
				    O_RDWR, x->fds);
		spent += bench_now_ns() - t0;
		if (r < 0)
			break;
		for (int i = 0; i < BULK && r == 0; i++)
			if (x->fds[i] < 0)
				r = x->fds[i];
		close_all(x->fds, BULK);
	}
	x->fig[BULK_GET][rep] = (double)spent / 1e3 / (BULK_CALLS * BULK);
	return r;
}

/* The CPU a process last ran on: field 39 of /proc/PID/stat, the 37th
 * after the parenthesized command name. -1 if unknown. */
static int last_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	int cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	for (int field = 2; p && field < 39; field++)
		p = strchr(p + 1, ' ');
	if (p)
		cpu = atoi(p + 1);
	fclose(f);
	return cpu;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "rpc_bench: %s: %s\n", what, strerror(-r));
	return r;
}

/* A failed libbpfpin call: also the daemon's message. */
static int fail_daemon(struct run *x, const char *what, int r)
{
	fprintf(stderr, "rpc_bench: %s: %s (%s)\n", what, strerror(-r),
		bpfpin_errmsg(x->b));
	return r;
}

/* Every measurement once; rep < 0 warms up (its samples land in slot 0
 * and are overwritten). */
static int one_repeat(struct run *x, int rep)
{
	int slot = rep < 0 ? 0 : rep, r, crossed;

	if ((r = kernel_round(x, slot)) < 0)
		return fail("kernel bpffs", r);
	if ((r = store_round(x, slot)) < 0)
		return fail("kernel store sequence", r);
	r = bare_round(&x->bare, x->map, x->fds, x->c->iters, &x->fig[BARE][slot],
		       &crossed);
	close_all(x->fds, x->c->iters);
	if (r < 0)
		return fail("bare round trip", r);
	x->bare_crossed += rep < 0 ? 0 : crossed;
	x->bare_total += rep < 0 ? 0 : x->c->iters;
	if (!x->b)
		return 0;
	if ((r = daemon_round(x, slot)) < 0)
		return fail_daemon(x, "bpfpind pin/get/unlink", r);
	x->daemon_crossed += rep >= 0 && last_cpu(x->daemon_pid) != sched_getcpu();
	if ((r = bulk_round(x, slot)) < 0)
		return fail_daemon(x, "bpfpind get_many", r);
	return 0;
}

static int pin_bulk(struct run *x)
{
	int r = bpfpin_mkdir(x->b, "/bench-rpc", 0755);

	if (r < 0 && r != -EEXIST)
		return fail_daemon(x, "mkdir /bench-rpc", r);
	for (int i = 0; i < BULK; i++) {
		if (asprintf(&x->bulk_paths[i], "/bench-rpc/bulk%03d", i) < 0) {
			x->bulk_paths[i] = NULL;
			return -ENOMEM;
		}
		if ((r = bpfpin_pin(x->b, x->map, x->bulk_paths[i], NULL)) < 0)
			return fail_daemon(x, x->bulk_paths[i], r);
	}
	return 0;
}

static pid_t daemon_pid(struct bpfpin *b)
{
	struct ucred uc = { 0 };
	socklen_t len = sizeof(uc);

	getsockopt(bpfpin_socket_fd(b), SOL_SOCKET, SO_PEERCRED, &uc, &len);
	return uc.pid;
}

static int setup(struct run *x)
{
	int r;

	if (!(x->fds = calloc(x->c->iters > BULK ? x->c->iters : BULK, sizeof(int))))
		return -ENOMEM;
	if ((x->map = bench_map_create("rpc_bench", 1)) < 0)
		return fail("map", x->map);
	if ((r = bare_start(&x->bare, x->c->server_cpu)) < 0) {
		x->bare.pid = 0;
		return fail("echo server", r);
	}
	if (!x->c->sock)
		return 0;
	if ((r = bpfpin_connect(x->c->sock, &x->b)) < 0) {
		x->b = NULL;
		return fail(x->c->sock, r);
	}
	x->daemon_pid = daemon_pid(x->b);
	return pin_bulk(x);
}

static void teardown(struct run *x)
{
	for (int i = 0; i < BULK && x->bulk_paths[i]; i++) {
		bpfpin_unlink(x->b, x->bulk_paths[i]);
		free(x->bulk_paths[i]);
	}
	if (x->b) {
		bpfpin_rmdir(x->b, "/bench-rpc");
		bpfpin_close(x->b);
	}
	if (x->bare.pid > 0)
		bare_stop(&x->bare);
	if (x->map >= 0)
		close(x->map);
	free(x->fds);
}

static void report(struct run *x)
{
	static const char *const names[NFIG] = {
		"kernel BPF_OBJ_PIN", "kernel BPF_OBJ_GET", "kernel unlink",
		"kernel store: pin staged, chown, chmod, rename", 
		"bare SEQPACKET round trip, 1 fd each way", "bpfpind pin",
		"bpfpind get", "bpfpind unlink", "bpfpind get_many of 253, per object",
	};
	const struct cfg *c = x->c;
	double m[NFIG];
	char label[128];

	printf("rpc [%s]: client cpu %d, daemon and echo server cpu %d (-1: any);"
	       " median of %d repeats of %d ops, bulk %d x %d paths\n", c->label,
	       c->cpu, c->server_cpu, c->repeats, c->iters, BULK_CALLS, BULK);
	for (int i = 0; i < (x->b ? NFIG : D_PIN); i++) {
		m[i] = bench_median(x->fig[i], c->repeats);
		bench_row(names[i], m[i], i == BULK_GET ? "us/obj" : "us/op");
	}
	printf("  placement seen: %.0f%% of bare round trips crossed CPUs", x->bare_total ?
	       100.0 * x->bare_crossed / x->bare_total : 0);
	if (!x->b) {
		printf("\n  (no --socket: bpfpind not measured)\n");
		return;
	}
	printf("; bpfpind was on another CPU after %d of %d repeats\n",
	       x->daemon_crossed, c->repeats);
	snprintf(label, sizeof(label), "rpc get / bare round trip [%s]", c->label);
	bench_ratio(label, m[D_GET] / m[BARE], BENCH_AT_MOST, 1.3);
	snprintf(label, sizeof(label), "rpc bulk get / kernel get [%s]", c->label);
	bench_ratio(label, m[BULK_GET] / m[K_GET], BENCH_BELOW, 1.0);
	snprintf(label, sizeof(label), "rpc pin / (bare round trip + store) [%s]", c->label);
	bench_ratio(label, m[D_PIN] / (m[BARE] + m[K_STORE]), BENCH_AT_MOST, 1.3);
	printf("  (no target) pin / kernel pin %.2fx, unlink / kernel unlink %.2fx\n",
	       m[D_PIN] / m[K_PIN], m[D_UNLINK] / m[K_UNLINK]);
}

static const char usage[] =
	"Usage: rpc_bench --bpffs DIR [--socket SOCK] [--cpu N] [--server-cpu N]\n"
	"                 [--label L] [--iters N] [--repeats N]\n"
	"--cpu: this process's CPU; --server-cpu: the bare echo server's, which\n"
	"should be the daemon's (default: as --cpu). -1: any CPU.\n";

static int parse(struct cfg *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "bpffs", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "server-cpu", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "iters", required_argument, NULL, 'n' },
		{ "repeats", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*c = (struct cfg){ .cpu = -1, .server_cpu = CPU_AS_CLIENT, .label = "unpinned",
			   .iters = 1000, .repeats = 7 };
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': c->sock = optarg; break;
		case 'b': c->bpffs = optarg; break;
		case 'c': c->cpu = atoi(optarg); break;
		case 'S': c->server_cpu = atoi(optarg); break;
		case 'l': c->label = optarg; break;
		case 'n': c->iters = atoi(optarg); break;
		case 'r': c->repeats = atoi(optarg); break;
		default: return -EINVAL;
		}
	}
	if (c->server_cpu == CPU_AS_CLIENT)
		c->server_cpu = c->cpu;
	if (!c->bpffs || c->iters < 1 || c->iters > 10000 ||
	    c->repeats < 1 || c->repeats > MAX_REPEATS || optind != argc)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct cfg c;
	struct run x = { .c = &c, .map = -1 };
	int r;

	if (parse(&c, argc, argv) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	if ((r = bench_pin_cpu(c.cpu)) < 0) {
		fprintf(stderr, "rpc_bench: cpu %d: %s\n", c.cpu, strerror(-r));
		return 1;
	}
	r = setup(&x);
	for (int rep = -1; rep < c.repeats && r == 0; rep++)
		r = one_repeat(&x, rep);
	if (r == 0)
		report(&x);
	teardown(&x);
	return r < 0;
}
