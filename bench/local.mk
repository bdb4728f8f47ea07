# bench/: benchmarks against the anchors (kernel bpffs, bare sockets,
# bpftool). Built by `make`, run only by `make bench`; never part of TESTS.
noinst_LTLIBRARIES += bench/libbench.la
bench_libbench_la_SOURCES = bench/bench_util.c bench/bench.h bench/bare.c \
	bench/bare.h
bench_libbench_la_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_libbench_la_LIBADD = $(LIBBPF_LIBS)

BENCH_LIBS = bench/libbench.la lib/libbpfpin.la $(LIBBPF_LIBS)

noinst_PROGRAMS += bench/rpc_bench bench/fuse_bench bench/fuse_bare bench/mkmap \
	bench/rpc_count bench/load_bench bench/startup_bench
bench_rpc_bench_SOURCES = bench/rpc_bench.c
bench_rpc_bench_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_rpc_bench_LDADD = $(BENCH_LIBS)
bench_rpc_bench_LDFLAGS = -no-install

# Untimed: N requests of one kind, for syscall and instruction counts.
bench_rpc_count_SOURCES = bench/rpc_count.c
bench_rpc_count_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_rpc_count_LDADD = $(BENCH_LIBS)
bench_rpc_count_LDFLAGS = -no-install

bench_fuse_bench_SOURCES = bench/fuse_bench.c
bench_fuse_bench_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_fuse_bench_LDADD = $(BENCH_LIBS)
bench_fuse_bench_LDFLAGS = -no-install

# fuse_bench's FUSE anchor: libfuse only, none of bpfpind's code.
bench_fuse_bare_SOURCES = bench/fuse_bare.c
bench_fuse_bare_CFLAGS = $(AM_CFLAGS) $(FUSE_CFLAGS)
bench_fuse_bare_LDADD = $(FUSE_LIBS)

# GET latency while the daemon verifies a long program (tests/progs/load_slow).
bench_load_bench_SOURCES = bench/load_bench.c
bench_load_bench_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_load_bench_LDADD = $(BENCH_LIBS)
bench_load_bench_LDFLAGS = -no-install
EXTRA_bench_load_bench_DEPENDENCIES = tests/progs/load_slow.bpf.o

# exec -> first hello over a store of 100,000 pins (bench/startup_bench.sh).
bench_startup_bench_SOURCES = bench/startup_bench.c
bench_startup_bench_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_startup_bench_LDADD = $(BENCH_LIBS)
bench_startup_bench_LDFLAGS = -no-install

bench_mkmap_SOURCES = bench/mkmap.c
bench_mkmap_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_mkmap_LDADD = lib/libbpfpin.la $(LIBBPF_LIBS)
bench_mkmap_LDFLAGS = -no-install

EXTRA_DIST += bench/run.sh bench/lib.sh bench/dump_bench.sh bench/counts.sh \
	bench/startup_bench.sh bench/crash_load.sh bench/README.md

.PHONY: bench
bench: all
	$(srcdir)/bench/run.sh $(abs_top_builddir)

include $(srcdir)/bench/sm_bench.mk
