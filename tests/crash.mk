# The crash suite: a real bpfpind killed inside each multi-step change of
# its store (the BPFPIND_CRASH_AT test hook) and at random instants.
check_PROGRAMS += tests/test_crash
TESTS += tests/test_crash
tests_test_crash_SOURCES = tests/test_crash.c
tests_test_crash_CFLAGS = $(TEST_CFLAGS)
tests_test_crash_LDADD = lib/libbpfpin.la $(TEST_LIBS)
