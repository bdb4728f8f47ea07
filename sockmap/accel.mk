# sockmap/accel.mk: the accelerate built-in: its BPF programs
# (bpf/progs/sm_accel.bpf.c, carried as a bpftool skeleton) and the code
# that loads, attaches and catches up (sockmap/accel*.c).
sockmap_libsockmap_la_SOURCES += sockmap/accel.c
BUILT_SOURCES += sockmap/sm_accel.skel.h

bpf/progs/sm_accel.bpf.o: $(srcdir)/bpf/progs/sm_accel.bpf.c $(srcdir)/bpf/progs/sm_aux_maps.bpf.h \
		$(srcdir)/bpf/progs/sm_iter_tcp.bpf.h
	$(AM_V_GEN)$(MKDIR_P) bpf/progs && \
	$(CLANG) $(SOCKMAP_BPF_CFLAGS) \
		-c $(srcdir)/bpf/progs/sm_accel.bpf.c -o $@
sockmap/sm_accel.skel.h: bpf/progs/sm_accel.bpf.o
	$(AM_V_GEN)$(MKDIR_P) sockmap && \
	$(BPFTOOL) gen skeleton bpf/progs/sm_accel.bpf.o name sm_accel > $@.tmp && \
	mv $@.tmp $@

CLEANFILES += bpf/progs/sm_accel.bpf.o sockmap/sm_accel.skel.h
EXTRA_DIST += bpf/progs/sm_accel.bpf.c
