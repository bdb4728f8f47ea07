# sockmap/builtin.mk: the built-in programs and their aux maps. Each
# bpf/progs/sm_X.bpf.c becomes bpf/progs/sm_X.bpf.o and its skeleton
# sockmap/sm_X.skel.h in the build dir, carried inside the library.
sockmap_libsockmap_la_SOURCES += sockmap/builtin.c sockmap/builtin_aux.c \
	sockmap/builtin_tap.c sockmap/builtin_int.h
SM_BUILTIN_SKELS = sockmap/sm_aux.skel.h sockmap/sm_basic.skel.h \
	sockmap/sm_pair.skel.h sockmap/sm_lenprefix.skel.h sockmap/sm_tap.skel.h
SM_BUILTIN_OBJS = bpf/progs/sm_aux.bpf.o bpf/progs/sm_basic.bpf.o \
	bpf/progs/sm_pair.bpf.o bpf/progs/sm_lenprefix.bpf.o bpf/progs/sm_tap.bpf.o
SM_BUILTIN_DEPS = $(srcdir)/bpf/progs/sm_common.bpf.h $(srcdir)/bpf/progs/sm_aux_maps.bpf.h
BUILT_SOURCES += $(SM_BUILTIN_SKELS)
CLEANFILES += $(SM_BUILTIN_SKELS) $(SM_BUILTIN_OBJS) sockmap/sm_*.skel.h.tmp
EXTRA_DIST += bpf/progs/sm_aux.bpf.c bpf/progs/sm_basic.bpf.c \
	bpf/progs/sm_pair.bpf.c bpf/progs/sm_lenprefix.bpf.c \
	bpf/progs/sm_tap.bpf.c bpf/progs/sm_common.bpf.h bpf/progs/sm_aux_maps.bpf.h

SM_BPF_COMPILE = $(MKDIR_P) bpf/progs && $(CLANG) $(SOCKMAP_BPF_CFLAGS) -c
SM_SKEL_GEN = $(MKDIR_P) sockmap && $(BPFTOOL) gen skeleton

bpf/progs/sm_aux.bpf.o: $(srcdir)/bpf/progs/sm_aux.bpf.c $(SM_BUILTIN_DEPS)
	$(AM_V_GEN)$(SM_BPF_COMPILE) $(srcdir)/bpf/progs/sm_aux.bpf.c -o $@
bpf/progs/sm_basic.bpf.o: $(srcdir)/bpf/progs/sm_basic.bpf.c $(SM_BUILTIN_DEPS)
	$(AM_V_GEN)$(SM_BPF_COMPILE) $(srcdir)/bpf/progs/sm_basic.bpf.c -o $@
bpf/progs/sm_pair.bpf.o: $(srcdir)/bpf/progs/sm_pair.bpf.c $(SM_BUILTIN_DEPS)
	$(AM_V_GEN)$(SM_BPF_COMPILE) $(srcdir)/bpf/progs/sm_pair.bpf.c -o $@
bpf/progs/sm_lenprefix.bpf.o: $(srcdir)/bpf/progs/sm_lenprefix.bpf.c $(SM_BUILTIN_DEPS)
	$(AM_V_GEN)$(SM_BPF_COMPILE) $(srcdir)/bpf/progs/sm_lenprefix.bpf.c -o $@
bpf/progs/sm_tap.bpf.o: $(srcdir)/bpf/progs/sm_tap.bpf.c $(SM_BUILTIN_DEPS)
	$(AM_V_GEN)$(SM_BPF_COMPILE) $(srcdir)/bpf/progs/sm_tap.bpf.c -o $@

# The temporary keeps a failed bpftool from leaving a half header behind.
sockmap/sm_aux.skel.h: bpf/progs/sm_aux.bpf.o
	$(AM_V_GEN)$(SM_SKEL_GEN) bpf/progs/sm_aux.bpf.o name sm_aux > $@.tmp && mv $@.tmp $@
sockmap/sm_basic.skel.h: bpf/progs/sm_basic.bpf.o
	$(AM_V_GEN)$(SM_SKEL_GEN) bpf/progs/sm_basic.bpf.o name sm_basic > $@.tmp && mv $@.tmp $@
sockmap/sm_pair.skel.h: bpf/progs/sm_pair.bpf.o
	$(AM_V_GEN)$(SM_SKEL_GEN) bpf/progs/sm_pair.bpf.o name sm_pair > $@.tmp && mv $@.tmp $@
sockmap/sm_lenprefix.skel.h: bpf/progs/sm_lenprefix.bpf.o
	$(AM_V_GEN)$(SM_SKEL_GEN) bpf/progs/sm_lenprefix.bpf.o name sm_lenprefix > $@.tmp && mv $@.tmp $@
sockmap/sm_tap.skel.h: bpf/progs/sm_tap.bpf.o
	$(AM_V_GEN)$(SM_SKEL_GEN) bpf/progs/sm_tap.bpf.o name sm_tap > $@.tmp && mv $@.tmp $@
