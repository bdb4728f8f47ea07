# fs/fuse.mk: the FUSE face of the namespace (fs/libnsfuse.la), included
# from fs/local.mk. The daemon links it with fs/libns.la.
noinst_LTLIBRARIES += fs/libnsfuse.la
fs_libnsfuse_la_SOURCES = fs/fuse.h fs/fuse_int.h fs/fuse_session.c \
	fs/fuse_ops.c fs/fuse_attr.c fs/fuse_dir.c fs/fuse_file.c \
	fs/fuse_doc.c fs/fuse_doc.h \
	fs/fuse_xattr.c fs/fuse_xattr_prov.c
fs_libnsfuse_la_CFLAGS = $(AM_CFLAGS) $(FUSE_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSONC_CFLAGS) $(LIBBPF_CFLAGS)
fs_libnsfuse_la_LIBADD = fs/libns.la bpf/libbpfobj.la lib/libworker.la $(FUSE_LIBS) \
	$(LIBEVENT_LIBS) $(JSONC_LIBS)
