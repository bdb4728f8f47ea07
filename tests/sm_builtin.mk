# tests/sm_builtin.mk: the built-in sockmap programs on real sockets.
check_PROGRAMS += tests/test_sm_builtin
TESTS += tests/test_sm_builtin
tests_test_sm_builtin_SOURCES = tests/test_sm_builtin.c tests/sm_util.c \
	tests/sm_util.h
tests_test_sm_builtin_CFLAGS = $(TEST_CFLAGS)
tests_test_sm_builtin_LDADD = sockmap/libsockmap.la $(TEST_LIBS)
