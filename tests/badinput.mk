# The bad-input suite: malformed and hostile requests over the socket of a
# real bpfpind, and the name rules on both faces beside a kernel bpffs.
check_PROGRAMS += tests/test_badinput
TESTS += tests/test_badinput
tests_test_badinput_SOURCES = tests/test_badinput.c
tests_test_badinput_CFLAGS = $(TEST_CFLAGS)
tests_test_badinput_LDADD = lib/libbpfpin.la lib/libproto.la $(TEST_LIBS)
