# tests/attach.mk: links made by bpfpind (attach, replace, detach), with
# real programs compiled here (tests/progs/attach_*.bpf.c), real cgroups,
# real traffic on loopback, and bpftool side by side.
ATTACH_BPF_OBJS = tests/progs/attach_count.bpf.o tests/progs/attach_types.bpf.o \
	tests/progs/attach_fentry.bpf.o
ATTACH_BPF_CFLAGS = -target bpf -mcpu=v3 -g -O2 -I/usr/include/x86_64-linux-gnu

check_PROGRAMS += tests/test_attach
TESTS += tests/test_attach
tests_test_attach_SOURCES = tests/test_attach.c tests/test_attach_types.c \
	tests/attach_util.c tests/attach_util.h
tests_test_attach_CFLAGS = $(TEST_CFLAGS)
tests_test_attach_LDADD = lib/libbpfpin.la $(TEST_LIBS)
EXTRA_tests_test_attach_DEPENDENCIES = $(ATTACH_BPF_OBJS)

tests/progs/attach_count.bpf.o: $(srcdir)/tests/progs/attach_count.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(ATTACH_BPF_CFLAGS) -c $(srcdir)/tests/progs/attach_count.bpf.c -o $@
tests/progs/attach_types.bpf.o: $(srcdir)/tests/progs/attach_types.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(ATTACH_BPF_CFLAGS) -c $(srcdir)/tests/progs/attach_types.bpf.c -o $@

tests/progs/attach_fentry.bpf.o: $(srcdir)/tests/progs/attach_fentry.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests/progs && \
	$(CLANG) $(ATTACH_BPF_CFLAGS) -c $(srcdir)/tests/progs/attach_fentry.bpf.c -o $@

CLEANFILES += $(ATTACH_BPF_OBJS)
EXTRA_DIST += tests/progs/attach_count.bpf.c tests/progs/attach_types.bpf.c \
	tests/progs/attach_fentry.bpf.c
