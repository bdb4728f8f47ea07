/* bench/load_bench.c: GET latency while bpfpind loads a program its
 * verifier takes long over (tests/progs/load_slow.bpf.o, about 1.5 s
 * here), against GET latency with nothing loading. The load runs on the
 * daemon's worker; the loop keeps answering. Prints the median, the 99th
 * percentile and the worst of each, and the ratio of the medians.
 * Usage: load_bench --socket SOCK --object OBJ [--repeats N] */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfpin/bpfpin.h>

#include "bench/bench.h"

#define SAMPLES_MAX 200000

struct run {
	const char *sock, *object;
	char path[64];
	volatile int done;
	int r;
	double secs;
};

static void *load_thread(void *arg)
{
	struct run *ru = arg;
	struct bpfpin *c;
	int fd = open(ru->object, O_RDONLY | O_CLOEXEC);
	uint64_t t0 = bench_now_ns();

	ru->r = fd < 0 ? -errno : bpfpin_connect(ru->sock, &c);
	if (ru->r == 0) {
		ru->r = bpfpin_load(c, fd, ru->path, NULL);
		bpfpin_close(c);
	}
	ru->secs = (bench_now_ns() - t0) / 1e9;
	if (fd >= 0)
		close(fd);
	ru->done = 1;
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* GETs of /g until *stop (or for secs when stop is NULL); latencies in
 * µs into v, sorted; returns their count. */
static size_t gets(struct bpfpin *b, volatile int *stop, double secs, double *v)
{
	uint64_t end = bench_now_ns() + (uint64_t)(secs * 1e9);
	size_t n = 0;

	while (n < SAMPLES_MAX && (stop ? !*stop : bench_now_ns() < end)) {
		uint64_t t0 = bench_now_ns();
		int fd = bpfpin_get(b, "/g", O_RDONLY);

		if (fd < 0)
			return 0;
		close(fd);
		v[n++] = (bench_now_ns() - t0) / 1e3;
		usleep(200);
	}
	qsort(v, n, sizeof(*v), cmp_double);
	return n;
}

static void rows(const char *what, const double *v, size_t n)
{
	char label[96];

	snprintf(label, sizeof(label), "get %s: median", what);
	bench_row(label, v[n / 2], "us");
	snprintf(label, sizeof(label), "get %s: p99", what);
	bench_row(label, v[n * 99 / 100], "us");
	snprintf(label, sizeof(label), "get %s: worst", what);
	bench_row(label, v[n - 1], "us");
}

static int one(struct bpfpin *b, struct run *ru, int i, double *idle, double *busy)
{
	pthread_t t;
	size_t ni, nb;

	snprintf(ru->path, sizeof(ru->path), "/slow%d", i);
	ni = gets(b, NULL, 1.0, idle);
	ru->done = 0;
	if (pthread_create(&t, NULL, load_thread, ru) != 0)
		return -1;
	nb = gets(b, &ru->done, 0, busy);
	pthread_join(t, NULL);
	if (ru->r < 0 || !ni || !nb) {
		fprintf(stderr, "load_bench: load %s: %s\n", ru->object, strerror(-ru->r));
		return -1;
	}
	printf("(repeat %d: the load took %.2f s, %zu GETs meanwhile)\n", i, ru->secs, nb);
	rows("idle", idle, ni);
	rows("during a load", busy, nb);
	/* the tail is the machine's noise (2 shared CPUs): the ratio is of
	 * medians; p99 and the worst are rows */
	bench_ratio("get median during a load / idle", busy[nb / 2] / idle[ni / 2],
		    BENCH_AT_MOST, 1.5);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "object", required_argument, NULL, 'o' },
		{ "repeats", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct run ru = { 0 };
	double *idle = calloc(SAMPLES_MAX, sizeof(double));
	double *busy = calloc(SAMPLES_MAX, sizeof(double));
	int c, repeats = 3, map, st = 0;
	struct bpfpin *b;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			ru.sock = optarg;
		else if (c == 'o')
			ru.object = optarg;
		else if (c == 'r')
			repeats = atoi(optarg);
		else
			return 2;
	}
	if (!ru.sock || !ru.object || !idle || !busy) {
		fprintf(stderr, "usage: load_bench --socket SOCK --object OBJ [--repeats N]\n");
		return 2;
	}
	map = bench_map_create("g", 1);
	if (map < 0 || bpfpin_connect(ru.sock, &b) < 0 || bpfpin_pin(b, map, "/g", NULL) < 0) {
		fprintf(stderr, "load_bench: cannot pin /g\n");
		return 1;
	}
	for (int i = 0; i < repeats && st == 0; i++)
		st = one(b, &ru, i, idle, busy);
	bpfpin_close(b);
	close(map);
	free(idle);
	free(busy);
	return st ? 1 : 0;
}
