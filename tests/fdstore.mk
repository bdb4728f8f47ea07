# tests/fdstore.mk: bpfpind under a notify-socket peer that speaks
# systemd's protocol (tests/svc_peer.c, a library other suites may link):
# the protocol itself (test_svc_peer) and --store=fdstore (test_fdstore).
noinst_LTLIBRARIES += tests/libsvcpeer.la
tests_libsvcpeer_la_SOURCES = tests/svc_peer.c tests/svc_peer.h
tests_libsvcpeer_la_CFLAGS = $(AM_CFLAGS)
tests_libsvcpeer_la_LIBADD = -lpthread

check_PROGRAMS += tests/test_svc_peer tests/test_fdstore
TESTS += tests/test_svc_peer tests/test_fdstore
tests_test_svc_peer_SOURCES = tests/test_svc_peer.c
tests_test_svc_peer_CFLAGS = $(TEST_CFLAGS)
tests_test_svc_peer_LDADD = tests/libsvcpeer.la lib/libbpfpin.la $(TEST_LIBS)
tests_test_fdstore_SOURCES = tests/test_fdstore.c
tests_test_fdstore_CFLAGS = $(TEST_CFLAGS)
tests_test_fdstore_LDADD = tests/libsvcpeer.la lib/libbpfpin.la $(TEST_LIBS)
EXTRA_DIST += tests/systemd/check_fdstore.sh
