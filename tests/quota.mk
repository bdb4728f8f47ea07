# tests/test_quota: the per-uid limits of the namespace (nodes, symlink
# bytes, snapshots on the mount) and the `limits` report, on a real bpfpind.
check_PROGRAMS += tests/test_quota
TESTS += tests/test_quota
tests_test_quota_SOURCES = tests/test_quota.c
tests_test_quota_CFLAGS = $(TEST_CFLAGS)
tests_test_quota_LDADD = lib/libbpfpin.la $(TEST_LIBS)
