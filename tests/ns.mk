# tests/ns.mk: the namespace suite (fs/ns.h) on a real store and real maps,
# side by side with a scratch kernel bpffs.
check_PROGRAMS += tests/test_ns
TESTS += tests/test_ns
tests_test_ns_SOURCES = tests/test_ns.c tests/test_ns_tables.c tests/test_ns_prov.c \
	tests/test_ns_cmp.c \
	tests/test_ns_cmp.h tests/test_ns_fix.c tests/test_ns_fix.h
tests_test_ns_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(LIBBPF_CFLAGS)
tests_test_ns_LDADD = fs/libns.la bpf/libbpfobj.la $(CRITERION_LIBS) \
	$(LIBBPF_LIBS)
