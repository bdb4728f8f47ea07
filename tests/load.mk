# tests/load.mk: the load suite (the load op against a real bpfpind, with
# objects compiled here from tests/progs/load_*.bpf.c, checked against
# bpftool's lists of programs and maps).
LOAD_BPF_OBJS = tests/progs/load_count.bpf.o tests/progs/load_bad.bpf.o \
	tests/progs/load_second_bad.bpf.o tests/progs/load_share.bpf.o \
	tests/progs/load_plain.bpf.o tests/progs/load_slow.bpf.o
LOAD_BPF_CFLAGS = -target bpf -mcpu=v3 -g -O2 -I/usr/include/x86_64-linux-gnu

check_PROGRAMS += tests/test_load
TESTS += tests/test_load
tests_test_load_SOURCES = tests/test_load.c
tests_test_load_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLOAD_PROGS_DIR='"$(abs_top_builddir)/tests/progs"'
tests_test_load_CFLAGS = $(TEST_CFLAGS)
tests_test_load_LDADD = lib/libbpfpin.la $(TEST_LIBS)
EXTRA_tests_test_load_DEPENDENCIES = $(LOAD_BPF_OBJS)

tests/progs/load_count.bpf.o: $(srcdir)/tests/progs/load_count.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(LOAD_BPF_CFLAGS) -c $(srcdir)/tests/progs/load_count.bpf.c -o $@
tests/progs/load_bad.bpf.o: $(srcdir)/tests/progs/load_bad.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(LOAD_BPF_CFLAGS) -c $(srcdir)/tests/progs/load_bad.bpf.c -o $@
tests/progs/load_second_bad.bpf.o: $(srcdir)/tests/progs/load_second_bad.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(LOAD_BPF_CFLAGS) -c $(srcdir)/tests/progs/load_second_bad.bpf.c -o $@
tests/progs/load_share.bpf.o: $(srcdir)/tests/progs/load_share.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(LOAD_BPF_CFLAGS) -c $(srcdir)/tests/progs/load_share.bpf.c -o $@
tests/progs/load_plain.bpf.o: $(srcdir)/tests/progs/load_plain.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(LOAD_BPF_CFLAGS) -c $(srcdir)/tests/progs/load_plain.bpf.c -o $@
tests/progs/load_slow.bpf.o: $(srcdir)/tests/progs/load_slow.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(LOAD_BPF_CFLAGS) -c $(srcdir)/tests/progs/load_slow.bpf.c -o $@

CLEANFILES += $(LOAD_BPF_OBJS)
EXTRA_DIST += tests/progs/load_count.bpf.c tests/progs/load_bad.bpf.c \
	tests/progs/load_second_bad.bpf.c tests/progs/load_share.bpf.c \
	tests/progs/load_plain.bpf.c tests/progs/load_slow.bpf.c
