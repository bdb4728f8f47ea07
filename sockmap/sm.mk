# sockmap/sm.mk: the manager: members, ownership, kill.
sockmap_libsockmap_la_SOURCES += sockmap/sm.h sockmap/sm_int.h sockmap/sm.c \
	sockmap/sm_attach.c sockmap/sm_add.c sockmap/sm_member.c \
	sockmap/sm_given.c sockmap/sm_fin.c sockmap/sm_bp.c sockmap/sm_bp_lent.c sockmap/sm_cidx.c sockmap/sm_diag.c sockmap/sm_diag.h \
	sockmap/sm_sock.c sockmap/sm_sock.h sockmap/sm_pid.c sockmap/sm_pid.h \
	sockmap/sm_hold.c sockmap/holder.h sockmap/holder_int.h sockmap/holder.c \
	sockmap/holder_client.c

# The lent pairs' window clamp (bpf/progs/sm_bp.bpf.c), as a skeleton.
BUILT_SOURCES += sockmap/sm_bp.skel.h
# (SM_BPF_COMPILE and SM_SKEL_GEN: sockmap/builtin.mk)
bpf/progs/sm_bp.bpf.o: $(srcdir)/bpf/progs/sm_bp.bpf.c $(srcdir)/bpf/progs/sm_iter_tcp.bpf.h
	$(AM_V_GEN)$(SM_BPF_COMPILE) $(srcdir)/bpf/progs/sm_bp.bpf.c -o $@
sockmap/sm_bp.skel.h: bpf/progs/sm_bp.bpf.o
	$(AM_V_GEN)$(SM_SKEL_GEN) bpf/progs/sm_bp.bpf.o name sm_bp > $@.tmp && mv $@.tmp $@
CLEANFILES += bpf/progs/sm_bp.bpf.o sockmap/sm_bp.skel.h
EXTRA_DIST += bpf/progs/sm_bp.bpf.c bpf/progs/sm_iter_tcp.bpf.h
