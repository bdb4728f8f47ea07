# bench/sm_accel.mk: accelerate against direct loopback TCP and AF_UNIX
# (stream, round trips, p99). Built by `make`, run by hand (needs root):
# bench/sm_accel_bench [-r runs] [-t seconds] [-c cpu] [-C cpu].
noinst_PROGRAMS += bench/sm_accel_bench
bench_sm_accel_bench_SOURCES = bench/sm_accel_bench.c
bench_sm_accel_bench_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_sm_accel_bench_LDADD = bench/libbench.la sockmap/libsockmap.la $(LIBBPF_LIBS)
bench_sm_accel_bench_LDFLAGS = -no-install
EXTRA_DIST += bench/sm_accel.mk
