# tests/test_cli: the bpfpin command run as a user runs it, against a real
# bpfpind, real maps, a scratch kernel bpffs and bpftool, side by side.
check_PROGRAMS += tests/test_cli tests/listen_probe
TESTS += tests/test_cli
tests_test_cli_SOURCES = tests/test_cli.c
tests_test_cli_CFLAGS = $(TEST_CFLAGS)
tests_test_cli_LDADD = $(TEST_LIBS)
# The helper that `bpfpin get PATH -- CMD` runs (found in $BPFPIN_BUILDDIR).
tests_listen_probe_SOURCES = tests/listen_probe.c
tests_listen_probe_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) $(SYSTEMD_CFLAGS)
tests_listen_probe_LDADD = $(LIBBPF_LIBS) $(SYSTEMD_LIBS)
