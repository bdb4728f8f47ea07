# The groups suite: a user with supplementary groups on the mount and over
# the RPC, beside a kernel bpffs; the access rule both faces share.
check_PROGRAMS += tests/test_groups
TESTS += tests/test_groups
tests_test_groups_SOURCES = tests/test_groups.c
tests_test_groups_CFLAGS = $(TEST_CFLAGS)
tests_test_groups_LDADD = lib/libbpfpin.la $(TEST_LIBS)
