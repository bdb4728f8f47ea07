# tests/sockmap.mk: the sockmap manager through the daemon, with real
# sockets on loopback.
check_PROGRAMS += tests/test_sockmap
TESTS += tests/test_sockmap
tests_test_sockmap_SOURCES = tests/test_sockmap.c tests/sock_util.c tests/sock_util.h
tests_test_sockmap_CFLAGS = $(TEST_CFLAGS)
tests_test_sockmap_LDADD = lib/libbpfpin.la $(TEST_LIBS)
