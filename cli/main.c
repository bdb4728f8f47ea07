/* cli/main.c: bpfpin, the command-line client of bpfpind, in bpftool's
 * grammar: global options, a table of commands chosen by name or unique
 * prefix, help and version, and the one connection every command shares. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

struct cli_global cli;

static struct bpfpin *conn;

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "pin", cmd_pin,
	  "pin {map|prog|link} {id ID|pinned KPATH} PATH\n"
	  "pin {pinned KPATH|fd FD} PATH",
	  "Pin a BPF object at PATH: a map, program or link by its kernel id,\n"
	  "one pinned on a kernel bpffs, or an fd this command inherited." },
	{ "get", cmd_get,
	  "get PATH [rdonly|wronly|rdwr]\n"
	  "get PATH [rdonly|wronly|rdwr] -- CMD [ARG...]",
	  "Print the object's info, as bpftool map/prog/link show does. With\n"
	  "CMD, run it with the object as fd 3, LISTEN_FDS=1, LISTEN_PID and\n"
	  "LISTEN_FDNAMES=<basename of PATH> set (sd_listen_fds_with_names(3)).\n"
	  "The access mode defaults to rdwr." },
	{ "export", cmd_export, "export PATH KPATH",
	  "Pin the object at PATH on a kernel bpffs as KPATH. KPATH's directory\n"
	  "must already be on a bpffs; nothing is mounted." },
	{ "ls", cmd_ls, "ls [-l] [-R] [PATH]",
	  "List a directory (default /). -l: mode, links, owner, group, size,\n"
	  "mtime, name, symlink target and object; -R: recursively." },
	{ "stat", cmd_stat, "stat [-L] PATH...",
	  "Print every attribute of a node, and a pin's object info. -L\n"
	  "follows a final symlink." },
	{ "rm", cmd_rm, "rm PATH...", "Remove pins and symlinks." },
	{ "mkdir", cmd_mkdir, "mkdir [-p] [-m MODE] PATH...",
	  "Create directories. -p: parents too, no error if it exists;\n"
	  "-m: this mode (octal or symbolic) regardless of the umask." },
	{ "rmdir", cmd_rmdir, "rmdir PATH...", "Remove empty directories." },
	{ "mv", cmd_mv, "mv [-n|--noreplace|-x|--exchange|-T] FROM TO",
	  "Rename FROM to TO, replacing TO unless --noreplace; --exchange swaps\n"
	  "them. Into TO/ if TO is a directory, unless -T or a flag is given." },
	{ "ln", cmd_ln, "ln [-s] TARGET PATH",
	  "Make PATH a hard link to the pin TARGET, or with -s a symlink\n"
	  "holding TARGET." },
	{ "chmod", cmd_chmod, "chmod MODE PATH...",
	  "Change permissions: octal (0640) or symbolic (u+rw,go-w)." },
	{ "chown", cmd_chown, "chown OWNER[:GROUP] PATH...",
	  "Change owner and/or group (names or numbers; \":GROUP\" alone)." },
	{ "dump", cmd_dump, "dump PATH",
	  "Print every entry of the map at PATH: a table, or JSON with -j." },
	{ "lookup", cmd_lookup, "lookup PATH [key] KEY...",
	  "Print one entry. KEY: hex bytes (\"01 00 00 00\", \"0x01 0 0 0\")\n"
	  "or a JSON value typed by the map's BTF." },
	{ "attach", cmd_attach,
	  "attach cgroup CGROUP ATTACH_TYPE PROG [replace] PATH [multi|override]\n"
	  "attach xdp DEV PROG [replace] PATH\n"
	  "attach tcx DEV {ingress|egress} PROG [replace] PATH\n"
	  "attach netns NETNS {sk_lookup|flow_dissector} PROG [replace] PATH\n"
	  "attach tracing PROG [tp TRACEPOINT] [replace] PATH\n"
	  "attach sockmap MAP ATTACH_TYPE PROG [replace] PATH",
	  "Attach the program pinned at PROG as a BPF link pinned at PATH;\n"
	  "removing that pin detaches it once nothing else holds the link.\n"
	  "With replace, PATH is a link attached there already: its program\n"
	  "becomes PROG, atomically. CGROUP (a cgroup v2 directory) and NETNS\n"
	  "(/proc/PID/ns/net, /run/netns/NAME) are paths on this machine; MAP\n"
	  "is a sockmap pinned in the namespace. ATTACH_TYPE as bpftool names\n"
	  "it (egress, cgroup_inet_egress, connect4, sk_msg_verdict, ...). A\n"
	  "cgroup link is always multi; override is refused." },
	{ "detach", cmd_detach, "detach PATH...",
	  "Detach the links pinned at PATH; the pins stay." },
	{ "sockmap", cmd_sockmap,
	  "sockmap create PATH [sockmap|sockhash] [max N] [key-size K]\n"
	  "sockmap attach PATH HOOK PROG [cgroup CGROUP] [replace]\n"
	  "sockmap detach PATH HOOK",
	  "A sockmap (or sockhash) bpfpind owns, pinned at PATH, and the programs\n"
	  "on its hooks (stream_parser, stream_verdict, skb_verdict, msg_verdict),\n"
	  "each held by a link in bpfpind's store. PROG: a program pinned in the\n"
	  "namespace (a path) or a built-in: pass, drop, pair, lenprefix, tap,\n"
	  "and accelerate (a msg_verdict on a sockhash of key-size 48, with the\n"
	  "cgroup whose TCP connections it speeds up). Programs apply to the\n"
	  "sockets added after them (the kernel copies them in at the insert):\n"
	  "attach first, then add." },
	{ "sock", cmd_sock,
	  "sock add PATH [key K] [give|lend] [replace] [pid PID] fd N [peer-fd M] [peer-key K]\n"
	  "sock add PATH accept [pid PID] fd N\n"
	  "sock rm PATH {key K|cookie C}\n"
	  "sock kill PATH {key K|cookie C}\n"
	  "sock ls PATH",
	  "Hand a socket to the sockmap at PATH: fd N of this command, or with\n"
	  "pid the fd N of process PID (taken with pidfd_getfd, if you may\n"
	  "ptrace it). K: an index, the key's value, \"auto\" (the default) or\n"
	  "0x and hex bytes. lend (the default): bpfpind keeps no reference, and\n"
	  "the socket leaves the map when its owner closes it. give: bpfpind\n"
	  "holds it until it is removed or killed or its peer closes, across\n"
	  "a crash or restart of bpfpind (under systemd its fd store keeps a\n"
	  "copy, else a holder process; a service stop ends them). peer-fd pairs\n"
	  "two sockets for the pair built-in. accept: fd N is a listening TCP\n"
	  "socket; each connection accepted on it joins the map (a sockhash of\n"
	  "key-size 8, keyed by cookie) as it is established; rm by its cookie\n"
	  "stops that. rm takes a member out; kill ends its connection; ls\n"
	  "lists the members with their counters, and the listeners." },
	{ "tap", cmd_tap,
	  "tap rule add PATH [rx|tx|both] PREFIX [pass|drop|disconnect]\n"
	  "tap rule rm PATH [rx|tx|both] PREFIX\n"
	  "tap rule ls PATH",
	  "The socket tap's rules of the sockmap at PATH, which the tap built-in\n"
	  "applies to each message: the longest PREFIX (the message's first\n"
	  "bytes, or 0x and hex; at most 16; \"\" the default) the message starts\n"
	  "with decides: pass, drop, or disconnect (drop, and bpfpind ends the\n"
	  "connection). rx: what members receive; tx: what they send." },
	{ "limits", cmd_limits, "limits [uid UID]",
	  "Print what a uid (default: yours; root may name any) holds of the\n"
	  "daemon, each beside its limit: connections, requests in flight, fds\n"
	  "in unread replies, nodes owned, bytes of symlink targets, pin files\n"
	  "open on the mount." },
	{ "load", cmd_load,
	  "load OBJ PATH [type TYPE] [map [name] NAME PINPATH]... [pinmaps DIR]\n"
	  "     [log LEVEL]",
	  "Have the daemon load the ELF object file OBJ and pin each program at\n"
	  "PATH/NAME (a '.' in a name becomes '_'); all or nothing. map: the\n"
	  "object's map NAME reuses the map pinned at PINPATH; pinmaps: every map\n"
	  "is pinned under DIR (a LIBBPF_PIN_BY_NAME map reuses DIR/NAME if it is\n"
	  "there). log: the verifier's log at LEVEL (1, 2; 4 stats) even on\n"
	  "success. A failed load prints the verifier log. Root or bpfpind's\n"
	  "--load-group only." },
	{ "help", cmd_help, "help [COMMAND]", "Print help." },
	{ "version", cmd_version, "version", "Print the version." },
	{ NULL, NULL, NULL, NULL },
};

/* Each synopsis line as "bpfpin LINE", the first behind prefix. */
static void print_synopsis(const char *prefix, const char *syn)
{
	size_t pad = strlen(prefix);

	for (const char *line = syn; line;) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);

		printf("%*s%sbpfpin %.*s\n", line == syn ? 0 : (int)pad, "",
		       line == syn ? prefix : "", len, line);
		line = nl ? nl + 1 : NULL;
	}
}

static const char global_help[] =
	"Options:\n"
	"  -j, --json          print JSON\n"
	"  -p, --pretty        print pretty JSON (implies -j)\n"
	"  -s, --socket PATH   bpfpind's socket (default: $" BPFPIN_SOCKET_ENV
	", else\n"
	"                      " BPFPIN_DEFAULT_SOCKET ")\n"
	"  -h, --help          print help (bpfpin help COMMAND: one command's)\n"
	"  -V, --version       print the version\n";

/* Help is text, and -j prints only JSON: there it is "null", as bpftool's. */
void cli_cmd_help(const struct cmd *c)
{
	if (cli.json)
		return;
	print_synopsis("Usage: ", c->synopsis);
	printf("\n%s\n\n%s", c->help, global_help);
	out_wrote();
}

static void tool_help(void)
{
	if (cli.json)
		return;
	fputs("Usage: bpfpin [OPTIONS] COMMAND [ARGS...]\n\nCommands:\n", stdout);
	for (const struct cmd *c = cmds; c->name; c++)
		print_synopsis("  ", c->synopsis);
	printf("\nCommands may be shortened to a unique prefix.\n\n%s",
	       global_help);
	out_wrote();
}

static int cmd_help(int argc, char **argv)
{
	struct cli_args a;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), i;

	if (r)
		return r;
	if (a.argc == 0) {
		tool_help();
		return CLI_OK;
	}
	if (a.argc > 1)
		return cli_usage("one command at a time");
	i = CLI_MATCH(a.argv[0], cmds);
	if (i < 0)
		return cli_usage("%s command '%s'",
				 i == -EINVAL ? "ambiguous" : "unknown", a.argv[0]);
	cli_cmd_help(&cmds[i]);
	return CLI_OK;
}

static int cmd_version(int argc, char **argv)
{
	struct cli_args a;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r)
		return r;
	if (a.argc)
		return cli_usage("no arguments expected");
	out()->version(PACKAGE_VERSION);
	return CLI_OK;
}

struct bpfpin *cli_conn(void)
{
	const char *path = cli.socket;
	int r;

	if (conn)
		return conn;
	r = bpfpin_connect(path, &conn);
	if (r == 0)
		return conn;
	conn = NULL;
	if (!path)
		path = getenv(BPFPIN_SOCKET_ENV);
	cli_fail("connect %s: %s", path && *path ? path : BPFPIN_DEFAULT_SOCKET,
		 strerror(-r));
	return NULL;
}

const char *cli_errmsg(void)
{
	return conn ? bpfpin_errmsg(conn) : "";
}

void cli_disconnect(void)
{
	if (conn)
		bpfpin_close(conn);
	conn = NULL;
}

static const struct option main_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "socket", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A usage error found before the command could parse its options: the
 * rest of the line may still ask for JSON. Without a command to own a
 * letter, -j and -p are the global ones; after a known command only -j
 * is sure (mkdir has a -p of its own). */
static void scan_format(int argc, char **argv, int from, bool cmd_seen)
{
	bool p_global = true;

	for (int i = from; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			if (!cmd_seen)
				p_global = CLI_MATCH(a, cmds) < 0;
			cmd_seen = true;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--socket")) {
			i++;
		} else if (!strcmp(a, "--json") || !strcmp(a, "--pretty")) {
			cli_global_opt(a[2], NULL);
		} else if (a[1] != '-' && strchr(a, 'p') && p_global) {
			cli_global_opt('p', NULL);
		} else if (a[1] != '-' && strchr(a, 'j')) {
			cli_global_opt('j', NULL);
		}
	}
}

static int global_usage(int argc, char **argv, int c)
{
	scan_format(argc, argv, optind, false);
	if (c == ':')
		return cli_usage("option %s needs an argument", argv[optind - 1]);
	return optopt ? cli_usage("unknown option -%c", optopt) :
			cli_usage("unknown option %s", argv[optind - 1]);
}

/* Options before the command; '+' stops at the command's name. -h and
 * -V act once all of them are read, so that "-V -j" prints JSON. */
static int global_options(int argc, char **argv)
{
	int c, act = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jps:hV", main_longopts,
				NULL)) != -1) {
		if (c == ':' || c == '?')
			return global_usage(argc, argv, c);
		if (c == 'h' || c == 'V')
			act = act ? act : c;
		else
			cli_global_opt(c, optarg);
	}
	if (act == 'h')
		tool_help();
	else if (act == 'V')
		out()->version(PACKAGE_VERSION);
	return act ? CLI_DONE : 0;
}

static int run(int argc, char **argv)
{
	int r = global_options(argc, argv), i;

	if (r)
		return r;
	if (optind == argc)
		return cli_usage("missing command");
	if (!strcmp(argv[optind], "__complete"))    /* hidden: for bash */
		return cmd_complete(argc - optind, argv + optind);
	i = CLI_MATCH(argv[optind], cmds);
	if (i < 0) {
		scan_format(argc, argv, optind + 1, true);
		return cli_usage("%s command '%s'",
				 i == -EINVAL ? "ambiguous" : "unknown", argv[optind]);
	}
	cli.cmd = &cmds[i];
	return cmds[i].fn(argc - optind, argv + optind);
}

/* libbpf's warnings go to stderr, which -j keeps empty. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return cli.json || level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	int r, w;

	libbpf_set_print(libbpf_print);
	r = run(argc, argv);
	cli_disconnect();
	w = out_end();
	if (w < 0 && r == CLI_OK) {
		/* stdout is what failed: stderr is all that is left */
		fprintf(stderr, "bpfpin: write error: %s\n", strerror(-w));
		r = CLI_FAIL;
	}
	return r == CLI_DONE ? CLI_OK : r;
}
