# fs/: the namespace and its store (fs/libns.la: a bpffs, or systemd's fd
# store and a state file), the FUSE face.
noinst_LTLIBRARIES += fs/libns.la
fs_libns_la_SOURCES = fs/ns.h fs/ns_int.h fs/ns.c fs/ns_tree.c \
	fs/ns_dentry.c fs/ns_path.c fs/ns_name.c fs/ns_perm.c fs/ns_fdcache.c fs/ns_obj.c \
	fs/ns_create.c fs/ns_remove.c fs/ns_rename.c fs/ns_attr.c \
	fs/ns_query.c fs/ns_lookup.c fs/ns_meta.c fs/u64map.c fs/u64map.h \
	fs/ns_load.c fs/ns_quota.c fs/ns_prov.c fs/ns_intent.c fs/ns_attach.c fs/ns_sock.c fs/store.c fs/store_stage.c fs/store.h \
	fs/store_fd.h fs/store_fd_int.h fs/store_fd.c fs/store_fd_open.c fs/store_fd_obj.c \
	fs/store_fd_mem.c fs/store_fd_log.c fs/store_fd_load.c
fs_libns_la_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
fs_libns_la_LIBADD = bpf/libbpfobj.la lib/libutf8.la $(LIBBPF_LIBS)
include $(srcdir)/fs/fuse.mk
