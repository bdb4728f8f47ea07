# tests/test_lib: libbpfpin's own pieces (framing, fd passing, errno names,
# the round trip, decoding) over socketpairs; no daemon needed. It links the
# client's objects directly to reach the private functions of lib/client.h.
check_PROGRAMS += tests/test_lib
TESTS += tests/test_lib
tests_test_lib_SOURCES = tests/test_lib.c
tests_test_lib_CFLAGS = $(TEST_CFLAGS)
tests_test_lib_LDADD = lib/libclient.la $(CRITERION_LIBS) $(LIBBPF_LIBS) $(JSONC_LIBS)
