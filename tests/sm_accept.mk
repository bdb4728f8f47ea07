# tests/sm_accept.mk: accept mode (sockmap/sm_accept.h) on real loopback
# TCP listeners, through the manager's functions.
check_PROGRAMS += tests/test_sm_accept
TESTS += tests/test_sm_accept
tests_test_sm_accept_SOURCES = tests/test_sm_accept.c
tests_test_sm_accept_CFLAGS = $(TEST_CFLAGS)
tests_test_sm_accept_LDADD = sockmap/libsockmap.la $(TEST_LIBS)
