# bpf/: kernel BPF objects: identity and info, JSON writer, map dumps.
noinst_LTLIBRARIES += bpf/libbpfobj.la
bpf_libbpfobj_la_SOURCES = bpf/obj.c bpf/obj.h bpf/obj_int.h \
	bpf/obj_names.c bpf/obj_json.c bpf/obj_map.c bpf/obj_prog.c \
	bpf/obj_link.c
bpf_libbpfobj_la_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) $(JSONC_CFLAGS)
bpf_libbpfobj_la_LIBADD = $(LIBBPF_LIBS) $(LIBELF_LIBS) $(JSONC_LIBS)
