# tests/service.mk: bpfpind's life as a system daemon, against the real
# daemon: its configuration file (errors by line, the command line over
# it), SIGHUP (a limit applied live, a bad file refused, the log reopened),
# the lock on its state dir and socket, and the drain at SIGTERM (a slow
# load in flight is answered before the daemon exits).
check_PROGRAMS += tests/test_service
TESTS += tests/test_service
tests_test_service_SOURCES = tests/test_service.c
tests_test_service_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLOAD_PROGS_DIR='"$(abs_top_builddir)/tests/progs"'
tests_test_service_CFLAGS = $(TEST_CFLAGS)
tests_test_service_LDADD = lib/libbpfpin.la $(TEST_LIBS)
EXTRA_tests_test_service_DEPENDENCIES = tests/progs/load_slow.bpf.o
