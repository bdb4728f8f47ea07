# sockmap/: the sockmap manager (a layer between daemon/ and fs/): members
# handed over by clients, the built-in programs and acceleration.
noinst_LTLIBRARIES += sockmap/libsockmap.la
sockmap_libsockmap_la_SOURCES = sockmap/hooks.c sockmap/hooks.h \
	sockmap/builtin.h sockmap/accel.h
sockmap_libsockmap_la_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
sockmap_libsockmap_la_LIBADD = $(LIBBPF_LIBS) $(LIBELF_LIBS)
SOCKMAP_BPF_CFLAGS = -target bpf -mcpu=v3 -g -O2 -I/usr/include/x86_64-linux-gnu
EXTRA_DIST += sockmap/builtin.mk sockmap/accel.mk sockmap/sm.mk
include $(srcdir)/sockmap/builtin.mk
include $(srcdir)/sockmap/accel.mk
include $(srcdir)/sockmap/sm.mk
include $(srcdir)/sockmap/accept.mk
