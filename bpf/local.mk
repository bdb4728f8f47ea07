# bpf/: kernel BPF objects: identity and info, JSON writer, map dumps.
noinst_LTLIBRARIES += bpf/libbpfobj.la
bpf_libbpfobj_la_SOURCES = bpf/obj.c bpf/obj.h bpf/obj_int.h \
	bpf/obj_names.c bpf/obj_json.c bpf/obj_map.c bpf/obj_prog.c \
	bpf/obj_link.c bpf/obj_mnt.c bpf/obj_file.c bpf/obj_file.h \
	bpf/attach.h bpf/attach_names.c bpf/attach_fd.c bpf/attach_link.c
bpf_libbpfobj_la_SOURCES += bpf/load.c bpf/load.h bpf/load_log.c \
	bpf/load_tail.c bpf/sha256.c bpf/sha256.h
bpf_libbpfobj_la_SOURCES += bpf/jw.c bpf/jw.h bpf/btf_fmt.c bpf/btf_fmt.h \
	bpf/dump.c bpf/dump.h bpf/dump_int.h bpf/dump_kind.c bpf/dump_setup.c \
	bpf/dump_entry.c bpf/dump_iter.c bpf/dump_par.c bpf/dump_par.h \
	bpf/dump_part.c bpf/dump_special.c \
	bpf/dump_ksym.c bpf/dump_stack.c bpf/dump_key.c bpf/dump_keyjson.c
bpf_libbpfobj_la_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) $(JSONC_CFLAGS)
bpf_libbpfobj_la_LIBADD = $(LIBBPF_LIBS) $(LIBELF_LIBS) $(JSONC_LIBS)
