# bench/sm_bench.mk: the sockmap bench: direct loopback TCP, AF_UNIX, a
# copy and a splice proxy, pair (direct and through a bpfpind it starts,
# hence libbpfpin), accelerate, bare sk_msg redirect and pass with and
# without counters, side by side. Built by `make`, run by bench/run.sh's
# sockmap part or by hand (needs root): bench/sm_bench [-r runs]
# [-t seconds] [-c cpu] [-C cpu] [-P cpu] [-D bpfpind].
noinst_PROGRAMS += bench/sm_bench
bench_sm_bench_SOURCES = bench/sm_bench.c
nodist_bench_sm_bench_SOURCES = bench/sm_bare.skel.h
bench_sm_bench_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
bench_sm_bench_LDADD = bench/libbench.la sockmap/libsockmap.la lib/libbpfpin.la \
	$(LIBBPF_LIBS)
bench_sm_bench_LDFLAGS = -no-install

# Its own anchors (bench/progs/sm_bare.bpf.c), carried as a skeleton.
BUILT_SOURCES += bench/sm_bare.skel.h
bench/sm_bench-sm_bench.$(OBJEXT): bench/sm_bare.skel.h
bench/progs/sm_bare.bpf.o: $(srcdir)/bench/progs/sm_bare.bpf.c
	$(AM_V_GEN)$(MKDIR_P) bench/progs && \
	$(CLANG) $(SOCKMAP_BPF_CFLAGS) -c $(srcdir)/bench/progs/sm_bare.bpf.c -o $@
# The temporary keeps a failed bpftool from leaving a half header behind.
bench/sm_bare.skel.h: bench/progs/sm_bare.bpf.o
	$(AM_V_GEN)$(MKDIR_P) bench && \
	$(BPFTOOL) gen skeleton bench/progs/sm_bare.bpf.o name sm_bare > $@.tmp && \
	mv $@.tmp $@

CLEANFILES += bench/progs/sm_bare.bpf.o bench/sm_bare.skel.h bench/sm_bare.skel.h.tmp
EXTRA_DIST += bench/sm_bench.mk bench/progs/sm_bare.bpf.c
