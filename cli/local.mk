# cli/: bpfpin, the command-line client (bpftool's grammar) over libbpfpin.
bin_PROGRAMS += cli/bpfpin
cli_bpfpin_SOURCES = cli/cli.h cli/main.c cli/args.c \
	cli/output.h cli/output.c cli/output_text.c cli/output_json.c \
	cli/info_text.c cli/mode.h cli/mode.c cli/ids.h cli/ids.c \
	cli/cmd_pin.c cli/cmd_ls.c cli/cmd_ns.c cli/cmd_map.c cli/cmd_limits.c \
	cli/cmd_load.c cli/cmd_attach.c cli/prov_text.c \
	cli/cmd_sockmap.c cli/cmd_sock.c cli/cmd_tap.c cli/cmd_complete.c
cli_bpfpin_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) $(JSONC_CFLAGS)
cli_bpfpin_LDADD = lib/libbpfpin.la bpf/libbpfobj.la $(LIBBPF_LIBS) $(JSONC_LIBS)

dist_man_MANS += doc/man/bpfpin.8
