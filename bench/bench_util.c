/* bench/bench_util.c: clock, medians, CPU placement and the output rows
 * shared by the bench programs (see bench.h). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench/bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_pin_cpu(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	for (long i = 0; cpu < 0 && i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

int bench_map_create(const char *name, uint32_t max_entries)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, name, sizeof(uint32_t),
				sizeof(uint64_t), max_entries, NULL);

	return fd < 0 ? -errno : fd;
}

void bench_row(const char *label, double value, const char *unit)
{
	printf("  %-52s %10.2f %s\n", label, value, unit);
}

static int target_met(double value, enum bench_cmp cmp, double target)
{
	switch (cmp) {
	case BENCH_AT_MOST: return value <= target;
	case BENCH_BELOW: return value < target;
	default: return value >= target;
	}
}

void bench_ratio(const char *label, double value, enum bench_cmp cmp,
		 double target)
{
	static const char *const ops[] = { "<=", "<", ">=" };
	double miss = cmp == BENCH_AT_LEAST ? target / value : value / target;

	printf("ratio %-48s %8.2fx  target %s %.2fx  ", label, value, ops[cmp], target);
	if (target_met(value, cmp, target))
		printf("met\n");
	else
		printf("MISSED by %.1f%%\n", (miss - 1) * 100);
	fflush(stdout);
}
