# tests/obj.mk: bpf/obj.h (identify fds, type names, bpftool's show JSON).
check_PROGRAMS += tests/test_obj
TESTS += tests/test_obj
tests_test_obj_SOURCES = tests/test_obj.c
tests_test_obj_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(LIBBPF_CFLAGS) \
	$(JSONC_CFLAGS)
tests_test_obj_LDADD = bpf/libbpfobj.la $(CRITERION_LIBS) $(LIBBPF_LIBS) \
	$(JSONC_LIBS)
