# The hostile-client suite: floods, non-reading and vanishing clients, fd
# budgets, accept under EMFILE, and every kind of non-BPF fd, against a real
# bpfpind (a blocking libfuse server stands in for a FUSE mount that never
# answers).
check_PROGRAMS += tests/test_hostile
TESTS += tests/test_hostile
tests_test_hostile_SOURCES = tests/test_hostile.c
tests_test_hostile_CFLAGS = $(TEST_CFLAGS) $(FUSE_CFLAGS)
tests_test_hostile_LDADD = lib/libbpfpin.la lib/libproto.la $(TEST_LIBS) $(FUSE_LIBS)
