/* bench/startup_bench.c: how long bpfpind takes from exec to its first
 * answered hello over a store of many pins. It starts a bpfpind on DIR,
 * pins N names (one map per directory of M pins, over the RPC), stops it,
 * then R times execs it again on the same state and times exec -> the
 * first bpfpin_connect that succeeds (connect plus the hello exchange),
 * checks that the last pin is there (stat: its object identified), and
 * stops it. With a second --daemon (another build, the "before") each
 * run starts both in turn on the same store, so noise falls on both.
 * Prints each run, the medians, the ratio to the 1 s target and between
 * the two. The store's bpffs stays mounted under DIR/state/store
 * (bench/startup_bench.sh unmounts it).
 * Usage: startup_bench --daemon BPFPIND [--daemon OTHER] --dir DIR
 *        [--pins N] [--per-dir M] [--runs R] [--cpu C] [--client-cpu C]
 *        [--mount] */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfpin/bpfpin.h>

#include "bench/bench.h"

#define RUNS_MAX 101

struct cfg {
	const char *daemons[2], *daemon, *dir;
	int ndaemons;
	long pins, per_dir;
	int runs, cpu, client_cpu;
	bool mount;
	char sock[256], state[256], mnt[256], log[256];
};

static void exec_daemon(const struct cfg *c)
{
	const char *argv[] = { c->daemon, "--foreground", "--socket", c->sock,
			       "--state-dir", c->state, "--log-level", "warning",
			       c->mount ? "--mount" : "--no-mount",
			       c->mount ? c->mnt : NULL, NULL };
	int fd = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (bench_pin_cpu(c->cpu) < 0)
		_exit(126);
	if (fd >= 0)
		dup2(fd, STDERR_FILENO);
	close_range(3, ~0U, 0);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* Fork and exec the daemon; connect until its hello answers (20 s at
 * most). *ms: exec -> hello. The pid, or -1. */
static pid_t start(const struct cfg *c, struct bpfpin **b, double *ms)
{
	uint64_t t0 = bench_now_ns();
	pid_t pid = fork();

	if (pid == 0)
		exec_daemon(c);
	if (pid < 0)
		return -1;
	for (int i = 0; i < 200000; i++) {
		if (bpfpin_connect(c->sock, b) == 0) {
			*ms = (bench_now_ns() - t0) / 1e6;
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "startup_bench: bpfpind died (see %s)\n", c->log);
			return -1;
		}
		usleep(100);
	}
	fprintf(stderr, "startup_bench: no hello in 20 s (see %s)\n", c->log);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static int stop(pid_t pid)
{
	int status;

	if (kill(pid, SIGTERM) < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void pin_path(char *buf, size_t size, const struct cfg *c, long i)
{
	snprintf(buf, size, "/d%04ld/p%06ld", i / c->per_dir, i);
}

/* One map per directory of per_dir pins. */
static int fill(const struct cfg *c, struct bpfpin *b)
{
	char path[64];
	int map = -1, r = 0;
	uint64_t t0 = bench_now_ns();

	for (long i = 0; i < c->pins && r == 0; i++) {
		if (i % c->per_dir == 0) {
			if (map >= 0)
				close(map);
			snprintf(path, sizeof(path), "/d%04ld", i / c->per_dir);
			map = bench_map_create("startup", 1);
			r = map < 0 ? map : bpfpin_mkdir(b, path, 0755);
		}
		pin_path(path, sizeof(path), c, i);
		if (r == 0)
			r = bpfpin_pin(b, map, path, NULL);
	}
	if (map >= 0)
		close(map);
	if (r < 0)
		fprintf(stderr, "startup_bench: pinning: %s\n", strerror(-r));
	else
		printf("(%ld pins in %ld directories made in %.1f s)\n", c->pins,
		       (c->pins + c->per_dir - 1) / c->per_dir,
		       (bench_now_ns() - t0) / 1e9);
	return r;
}

/* The namespace is whole once hello answers: the last pin is there. */
static int check(const struct cfg *c, struct bpfpin *b)
{
	struct bpfpin_stat st;
	char path[64];
	int r;

	pin_path(path, sizeof(path), c, c->pins - 1);
	r = bpfpin_lstat(b, path, &st);
	if (r < 0)
		fprintf(stderr, "startup_bench: %s after start: %s\n", path, strerror(-r));
	return r;
}

/* What moved out of the start: the first listing of a directory (its
 * pins' stats, so their objects) right after hello. */
static int first_list(const struct cfg *c, struct bpfpin *b, double *ms)
{
	static struct bpfpin_dirent ents[256];
	uint64_t t0 = bench_now_ns(), cursor = 0;
	long n = 0;
	int r;

	while ((r = bpfpin_list(b, "/d0000", &cursor, ents, 256)) > 0)
		n += r;
	*ms = (bench_now_ns() - t0) / 1e6;
	if (r < 0 || n != (c->pins < c->per_dir ? c->pins : c->per_dir)) {
		fprintf(stderr, "startup_bench: listing /d0000: %ld entries, %s\n", n,
			strerror(-r));
		return -1;
	}
	return 0;
}

static int one_run(struct cfg *c, int which, double *ms, double *list_ms)
{
	struct bpfpin *b;
	pid_t pid;
	int r;

	c->daemon = c->daemons[which];
	pid = start(c, &b, ms);
	if (pid < 0)
		return -1;
	r = check(c, b);
	if (r == 0)
		r = first_list(c, b, list_ms);
	bpfpin_close(b);
	return stop(pid) < 0 || r < 0 ? -1 : 0;
}

static double report(const struct cfg *c, int which, double *v, double *l)
{
	char label[96];
	double med = bench_median(v, (size_t)c->runs);

	printf("bpfpind %d: %s\n", which, c->daemons[which]);
	snprintf(label, sizeof(label), "startup to hello, %ld pins: median", c->pins);
	bench_row(label, med, "ms");
	bench_row("  fastest run", v[0], "ms");
	bench_row("  slowest run", v[c->runs - 1], "ms");
	snprintf(label, sizeof(label), "then the first listing of %ld pins: median",
		 c->pins < c->per_dir ? c->pins : c->per_dir);
	bench_row(label, bench_median(l, (size_t)c->runs), "ms");
	snprintf(label, sizeof(label), "startup to hello, %ld pins / 1 s", c->pins);
	bench_ratio(label, med / 1000, BENCH_AT_MOST, 1.0);
	return med;
}

static int make_store(struct cfg *c)
{
	struct bpfpin *b;
	double ms;
	pid_t pid;

	c->daemon = c->daemons[0];
	if ((pid = start(c, &b, &ms)) < 0)
		return -1;
	if (fill(c, b) < 0) {
		bpfpin_close(b);
		stop(pid);
		return -1;
	}
	bpfpin_close(b);
	return stop(pid);
}

static int run(struct cfg *c)
{
	double v[2][RUNS_MAX], l[2][RUNS_MAX], med[2];

	if (make_store(c) < 0)
		return 1;
	for (int i = 0; i < c->runs; i++) {
		for (int w = 0; w < c->ndaemons; w++) {
			if (one_run(c, w, &v[w][i], &l[w][i]) < 0)
				return 1;
			printf("  run %d, bpfpind %d: exec -> hello %.1f ms, then a "
			       "listing %.1f ms\n", i, w, v[w][i], l[w][i]);
			fflush(stdout);
		}
	}
	for (int w = 0; w < c->ndaemons; w++)
		med[w] = report(c, w, v[w], l[w]);
	if (c->ndaemons == 2)
		bench_ratio("startup to hello, bpfpind 1 / bpfpind 0 (speed-up)", med[1] / med[0],
			    BENCH_AT_LEAST, 1.0);
	return 0;
}

static int setup(struct cfg *c)
{
	snprintf(c->sock, sizeof(c->sock), "%s/sock", c->dir);
	snprintf(c->state, sizeof(c->state), "%s/state", c->dir);
	snprintf(c->mnt, sizeof(c->mnt), "%s/mnt", c->dir);
	snprintf(c->log, sizeof(c->log), "%s/log", c->dir);
	if ((mkdir(c->state, 0700) < 0 && errno != EEXIST) ||
	    (c->mount && mkdir(c->mnt, 0755) < 0 && errno != EEXIST)) {
		perror("startup_bench: mkdir");
		return -1;
	}
	return bench_pin_cpu(c->client_cpu);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", required_argument, NULL, 'd' },
		{ "dir", required_argument, NULL, 'D' },
		{ "pins", required_argument, NULL, 'n' },
		{ "per-dir", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "client-cpu", required_argument, NULL, 'C' },
		{ "mount", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct cfg c = { .pins = 100000, .per_dir = 1000, .runs = 7,
			 .cpu = -1, .client_cpu = -1 };
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			if (c.ndaemons == 2)
				goto usage;
			c.daemons[c.ndaemons++] = optarg;
			break;
		case 'D': c.dir = optarg; break;
		case 'n': c.pins = atol(optarg); break;
		case 'p': c.per_dir = atol(optarg); break;
		case 'r': c.runs = atoi(optarg); break;
		case 'c': c.cpu = atoi(optarg); break;
		case 'C': c.client_cpu = atoi(optarg); break;
		case 'm': c.mount = true; break;
		default: goto usage;
		}
	}
	if (!c.ndaemons || !c.dir || c.pins < 1 || c.per_dir < 1 || c.runs < 1 ||
	    c.runs > RUNS_MAX)
		goto usage;
	if (setup(&c) < 0)
		return 1;
	printf("(bpfpind on cpu %d, client on cpu %d; -1: unpinned; %s)\n",
	       c.cpu, c.client_cpu, c.mount ? "with the FUSE mount" : "--no-mount");
	return run(&c);
usage:
	fprintf(stderr, "usage: startup_bench --daemon BPFPIND [--daemon OTHER] --dir DIR "
		"[--pins N] [--per-dir M] [--runs R (<= %d)] [--cpu C] [--client-cpu C] "
		"[--mount]\n", RUNS_MAX);
	return 2;
}
