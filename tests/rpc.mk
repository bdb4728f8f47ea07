# The RPC suite: the daemon end to end through libbpfpin and raw sockets.
check_PROGRAMS += tests/test_rpc
TESTS += tests/test_rpc
tests_test_rpc_SOURCES = tests/test_rpc.c
tests_test_rpc_CFLAGS = $(TEST_CFLAGS)
tests_test_rpc_LDADD = lib/libbpfpin.la lib/libproto.la $(TEST_LIBS)

# bpfpind beside a kernel bpffs, over the RPC and through the mount.
check_PROGRAMS += tests/test_compare
TESTS += tests/test_compare
tests_test_compare_SOURCES = tests/test_compare.c tests/compare.c tests/compare.h
tests_test_compare_CFLAGS = $(TEST_CFLAGS)
tests_test_compare_LDADD = lib/libbpfpin.la $(TEST_LIBS)

# bpfpind as a process: options, signals, restart, background, Python client.
check_PROGRAMS += tests/test_daemon
TESTS += tests/test_daemon
tests_test_daemon_SOURCES = tests/test_daemon.c
tests_test_daemon_CFLAGS = $(TEST_CFLAGS)
tests_test_daemon_LDADD = lib/libbpfpin.la $(TEST_LIBS)
