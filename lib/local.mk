# libbpfpin: wire protocol (shared with the daemon) and the public client API.
# The pool of worker threads, for the daemon and the FUSE face.
noinst_LTLIBRARIES += lib/libworker.la
lib_libworker_la_SOURCES = lib/worker.c lib/worker.h
lib_libworker_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
lib_libworker_la_LIBADD = $(LIBEVENT_LIBS)
# UTF-8 validation, for the codec and the namespace (fs/libns.la).
noinst_LTLIBRARIES += lib/libutf8.la
lib_libutf8_la_SOURCES = lib/utf8.c lib/utf8.h
lib_libutf8_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
noinst_LTLIBRARIES += lib/libproto.la
lib_libproto_la_SOURCES = lib/proto.c lib/proto.h lib/proto_text.c
lib_libproto_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(JSONC_CFLAGS)
lib_libproto_la_LIBADD = lib/libutf8.la $(JSONC_LIBS)

# The client's objects, also linked whole into tests/test_lib, which reaches
# the private functions of lib/client.h.
noinst_LTLIBRARIES += lib/libclient.la
lib_libclient_la_SOURCES = lib/client.h lib/client_conn.c lib/client_req.c \
	lib/client_call.c lib/client_stat.c lib/client_obj.c lib/client_many.c \
	lib/client_list.c lib/client_ns.c lib/client_limits.c \
	lib/client_load.c lib/client_attach.c lib/client_sockmap.c
lib_libclient_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(JSONC_CFLAGS)
lib_libclient_la_LIBADD = lib/libproto.la $(JSONC_LIBS)

lib_LTLIBRARIES += lib/libbpfpin.la
lib_libbpfpin_la_SOURCES =
lib_libbpfpin_la_LIBADD = lib/libclient.la $(JSONC_LIBS)
lib_libbpfpin_la_LDFLAGS = -version-info 1:0:0 -no-undefined \
	-Wl,--version-script=$(srcdir)/lib/libbpfpin.map
EXTRA_lib_libbpfpin_la_DEPENDENCIES = $(srcdir)/lib/libbpfpin.map
EXTRA_DIST += lib/libbpfpin.map lib/libbpfpin.pc.in

bpfpinincludedir = $(includedir)/bpfpin
bpfpininclude_HEADERS = include/bpfpin/bpfpin.h

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = lib/libbpfpin.pc
