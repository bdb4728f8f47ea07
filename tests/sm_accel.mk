# tests/sm_accel.mk: accelerate on real loopback TCP.
check_PROGRAMS += tests/test_sm_accel
TESTS += tests/test_sm_accel
tests_test_sm_accel_SOURCES = tests/test_sm_accel.c
tests_test_sm_accel_CFLAGS = $(TEST_CFLAGS)
tests_test_sm_accel_LDADD = sockmap/libsockmap.la $(TEST_LIBS)
