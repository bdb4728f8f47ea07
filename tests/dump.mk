# tests/dump.mk: the map dump suites (bpf/dump.h called directly, and map
# dumps read through a real bpfpind's mount and CLI), the maps they share
# (tests/maps.c), the BPF objects those load (tests/progs/dump_*.bpf.c)
# and a benchmark of a big dump.
DUMP_BPF_OBJS = tests/progs/dump_types.bpf.o tests/progs/dump_stack.bpf.o \
	tests/progs/dump_cgroup.bpf.o
DUMP_BPF_CFLAGS = -target bpf -g -O2 -I/usr/include/x86_64-linux-gnu

check_PROGRAMS += tests/test_dump tests/test_dump_par tests/test_mount_dump \
	tests/dump_bench
TESTS += tests/test_dump tests/test_dump_par tests/test_mount_dump
DUMP_PROGS_CPPFLAGS = -DDUMP_PROGS_DIR='"$(abs_top_builddir)/tests/progs"'
tests_test_dump_SOURCES = tests/test_dump.c tests/dump_check.c \
	tests/dump_check.h tests/maps.c tests/maps.h
tests_test_dump_CPPFLAGS = $(AM_CPPFLAGS) $(DUMP_PROGS_CPPFLAGS)
tests_test_dump_CFLAGS = $(TEST_CFLAGS)
tests_test_dump_LDADD = bpf/libbpfobj.la $(TEST_LIBS)
EXTRA_tests_test_dump_DEPENDENCIES = $(DUMP_BPF_OBJS)

tests_test_dump_par_SOURCES = tests/test_dump_par.c tests/dump_check.c \
	tests/dump_check.h tests/maps.c tests/maps.h
tests_test_dump_par_CPPFLAGS = $(AM_CPPFLAGS) $(DUMP_PROGS_CPPFLAGS)
tests_test_dump_par_CFLAGS = $(TEST_CFLAGS)
tests_test_dump_par_LDADD = bpf/libbpfobj.la $(TEST_LIBS)

tests_test_mount_dump_SOURCES = tests/test_mount_dump.c tests/maps.c \
	tests/maps.h
tests_test_mount_dump_CPPFLAGS = $(AM_CPPFLAGS) $(DUMP_PROGS_CPPFLAGS)
tests_test_mount_dump_CFLAGS = $(TEST_CFLAGS)
tests_test_mount_dump_LDADD = lib/libbpfpin.la $(TEST_LIBS)
EXTRA_tests_test_mount_dump_DEPENDENCIES = $(DUMP_BPF_OBJS)

tests_dump_bench_SOURCES = tests/dump_bench.c
tests_dump_bench_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
tests_dump_bench_LDADD = bpf/libbpfobj.la $(LIBBPF_LIBS)

tests/progs/dump_types.bpf.o: $(srcdir)/tests/progs/dump_types.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(DUMP_BPF_CFLAGS) -c $(srcdir)/tests/progs/dump_types.bpf.c -o $@
tests/progs/dump_stack.bpf.o: $(srcdir)/tests/progs/dump_stack.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(DUMP_BPF_CFLAGS) -c $(srcdir)/tests/progs/dump_stack.bpf.c -o $@
tests/progs/dump_cgroup.bpf.o: $(srcdir)/tests/progs/dump_cgroup.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(DUMP_BPF_CFLAGS) -c $(srcdir)/tests/progs/dump_cgroup.bpf.c -o $@

CLEANFILES += $(DUMP_BPF_OBJS)
EXTRA_DIST += tests/progs/dump_types.bpf.c tests/progs/dump_stack.bpf.c \
	tests/progs/dump_cgroup.bpf.c
