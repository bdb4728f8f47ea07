# sockmap/accept.mk: accept mode: its sock_ops program
# (bpf/progs/sm_accept.bpf.c, carried as a bpftool skeleton) and the
# manager's side (sockmap/sm_accept.c).
sockmap_libsockmap_la_SOURCES += sockmap/sm_accept.c sockmap/sm_accept.h
BUILT_SOURCES += sockmap/sm_accept.skel.h

bpf/progs/sm_accept.bpf.o: $(srcdir)/bpf/progs/sm_accept.bpf.c $(srcdir)/bpf/progs/sm_aux_maps.bpf.h
	$(AM_V_GEN)$(MKDIR_P) bpf/progs && \
	$(CLANG) $(SOCKMAP_BPF_CFLAGS) \
		-c $(srcdir)/bpf/progs/sm_accept.bpf.c -o $@
sockmap/sm_accept.skel.h: bpf/progs/sm_accept.bpf.o
	$(AM_V_GEN)$(MKDIR_P) sockmap && \
	$(BPFTOOL) gen skeleton bpf/progs/sm_accept.bpf.o name sm_accept > $@.tmp && \
	mv $@.tmp $@

CLEANFILES += bpf/progs/sm_accept.bpf.o sockmap/sm_accept.skel.h
EXTRA_DIST += bpf/progs/sm_accept.bpf.c sockmap/accept.mk
