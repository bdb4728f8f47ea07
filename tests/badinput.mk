# The bad-input suite: malformed and hostile requests over the socket of a
# real bpfpind, and the name rules on both faces beside a kernel bpffs;
# and the doc check, doc/protocol.md's table of members against the
# daemon. Both build their requests from tests/opspec.c.
check_PROGRAMS += tests/test_badinput tests/test_protodoc
TESTS += tests/test_badinput tests/test_protodoc
tests_test_badinput_SOURCES = tests/test_badinput.c tests/opspec.c tests/opspec.h
tests_test_badinput_CFLAGS = $(TEST_CFLAGS)
tests_test_badinput_LDADD = lib/libbpfpin.la lib/libproto.la $(TEST_LIBS)
tests_test_protodoc_SOURCES = tests/test_protodoc.c tests/opspec.c tests/opspec.h
tests_test_protodoc_CFLAGS = $(TEST_CFLAGS)
tests_test_protodoc_LDADD = lib/libproto.la $(TEST_LIBS)
