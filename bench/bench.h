/* bench/bench.h: what the bench programs share: a monotonic clock, the
 * median of repeated samples, CPU placement, and the one output format
 * (a row per figure, a "ratio" row per target) that bench/run.sh collects
 * into its summary. */
#ifndef BPFPIN_BENCH_BENCH_H
#define BPFPIN_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);
/* Median of n samples (sorts v in place); 0 when n is 0. */
double bench_median(double *v, size_t n);
/* Run the calling thread (and children forked later) on cpu only; cpu < 0
 * allows every CPU again, leaving the placement to the scheduler. 0 or
 * -errno. */
int bench_pin_cpu(int cpu);
/* A bpf hash map u32 -> u64 of max_entries; fd or -errno. */
int bench_map_create(const char *name, uint32_t max_entries);

enum bench_cmp { BENCH_AT_MOST, BENCH_BELOW, BENCH_AT_LEAST };

/* "  label ........ value unit" */
void bench_row(const char *label, double value, const char *unit);
/* "ratio label value x (target <= t: met | MISSED by p%)" */
void bench_ratio(const char *label, double value, enum bench_cmp cmp,
		 double target);

#endif
