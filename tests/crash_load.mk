# The crash-under-load suite: four clients of two uids pin, rename and
# unpin while a real bpfpind is SIGKILLed at random instants and
# restarted, $BPFPIN_CRASH_CYCLES times (20 here; bench/crash_load.sh
# runs 200).
check_PROGRAMS += tests/test_crash_load
TESTS += tests/test_crash_load
tests_test_crash_load_SOURCES = tests/test_crash_load.c
tests_test_crash_load_CFLAGS = $(TEST_CFLAGS)
tests_test_crash_load_LDADD = lib/libbpfpin.la $(TEST_LIBS)
