# The FUSE suite: the mount of a real bpfpind used with ordinary tools,
# beside a kernel bpffs and bpftool.
check_PROGRAMS += tests/test_fuse
TESTS += tests/test_fuse
tests_test_fuse_SOURCES = tests/test_fuse.c
tests_test_fuse_CFLAGS = $(TEST_CFLAGS)
tests_test_fuse_LDADD = lib/libbpfpin.la $(TEST_LIBS)
