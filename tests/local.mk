# tests/: criterion suites against a real bpfpind, real kernel objects and
# real mounts. Each suite's rules live in tests/SUITE.mk.
noinst_LTLIBRARIES += tests/libharness.la
tests_libharness_la_SOURCES = tests/harness.c tests/harness.h
tests_libharness_la_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
tests_libharness_la_LIBADD = $(LIBBPF_LIBS)

TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(LIBBPF_CFLAGS) $(JSONC_CFLAGS)
TEST_LIBS = tests/libharness.la $(CRITERION_LIBS) $(LIBBPF_LIBS) $(JSONC_LIBS)

AM_TESTS_ENVIRONMENT = \
	BPFPIND='$(abs_top_builddir)/daemon/bpfpind'; \
	BPFPIN_CLI='$(abs_top_builddir)/cli/bpfpin'; \
	BPFPIN_SRCDIR='$(abs_top_srcdir)'; \
	BPFPIN_BUILDDIR='$(abs_top_builddir)'; \
	export BPFPIND BPFPIN_CLI BPFPIN_SRCDIR BPFPIN_BUILDDIR;
EXTRA_DIST += $(srcdir)/tests/*.mk tests/lsan.supp

include $(srcdir)/tests/rpc.mk
include $(srcdir)/tests/badinput.mk
include $(srcdir)/tests/ns.mk
include $(srcdir)/tests/obj.mk
include $(srcdir)/tests/dump.mk
include $(srcdir)/tests/lib.mk
include $(srcdir)/tests/fuse.mk
include $(srcdir)/tests/cli.mk
include $(srcdir)/tests/quota.mk
include $(srcdir)/tests/crash.mk
include $(srcdir)/tests/crash_load.mk
include $(srcdir)/tests/groups.mk
include $(srcdir)/tests/hostile.mk
include $(srcdir)/tests/load.mk
include $(srcdir)/tests/attach.mk
include $(srcdir)/tests/sm_builtin.mk
include $(srcdir)/tests/sm_accel.mk
include $(srcdir)/tests/sockmap.mk
include $(srcdir)/tests/sm_daemon.mk
include $(srcdir)/tests/sm_accept.mk
include $(srcdir)/tests/service.mk
include $(srcdir)/tests/systemd.mk
include $(srcdir)/tests/package.mk
include $(srcdir)/tests/fdstore.mk
