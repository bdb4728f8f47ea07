# tests/sm_daemon.mk: the built-in sockmap programs through the daemon,
# on real loopback sockets.
check_PROGRAMS += tests/test_sm_daemon
TESTS += tests/test_sm_daemon
tests_test_sm_daemon_SOURCES = tests/test_sm_daemon.c tests/dt_util.c \
	tests/dt_util.h tests/sm_util.c tests/sm_util.h
tests_test_sm_daemon_CFLAGS = $(TEST_CFLAGS)
tests_test_sm_daemon_LDADD = lib/libbpfpin.la $(TEST_LIBS) -lpthread
