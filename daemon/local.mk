# daemon/: bpfpind.
sbin_PROGRAMS += daemon/bpfpind
daemon_bpfpind_SOURCES = \
	daemon/main.c daemon/options.c daemon/options.h daemon/paths.c daemon/paths.h daemon/log.c daemon/log.h \
	daemon/server.h daemon/listener.c daemon/conn.c daemon/dispatch.c \
	daemon/params.c daemon/params.h daemon/ops.h daemon/ops_obj.c \
	daemon/ops_ns.c daemon/ops_limits.c daemon/ops_attach.c daemon/stat_json.c daemon/usage.c \
	daemon/nofile.c daemon/nofile.h daemon/svc.c daemon/svc.h \
	daemon/later.c daemon/later.h daemon/ops_load.c daemon/load_job.h \
	daemon/load_pin.c daemon/load_commit.c \
	daemon/ops_sock.h daemon/ops_sockmap.c daemon/ops_sock.c daemon/ops_sock_ls.c daemon/ops_tap.c \
	daemon/sockmaps.c daemon/sockmaps.h \
	daemon/daemon.h daemon/conffile.c daemon/conffile.h daemon/lock.c daemon/lock.h \
	daemon/ready.c daemon/status.c daemon/reload.c daemon/drain.c
daemon_bpfpind_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
daemon_bpfpind_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS) \
	$(SYSTEMD_CFLAGS) $(FUSE_CFLAGS) $(LIBBPF_CFLAGS)
daemon_bpfpind_LDADD = sockmap/libsockmap.la fs/libnsfuse.la fs/libns.la bpf/libbpfobj.la \
	lib/libproto.la lib/libworker.la $(LIBEVENT_LIBS) $(JSONC_LIBS) $(SYSTEMD_LIBS) \
	$(FUSE_LIBS) $(LIBBPF_LIBS) $(LIBELF_LIBS)
