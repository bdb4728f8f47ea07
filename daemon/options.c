/* daemon/options.c: parse bpfpind's command line into struct options. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/log.h"
#include "daemon/options.h"
#include "lib/proto.h"

static const char usage_text[] =
"Usage: bpfpind [OPTION]...\n"
"Keep BPF maps, programs and links alive in a namespace of directories,\n"
"pins and symlinks; serve it over a Unix socket and as a FUSE mount.\n"
"\n"
"  -s, --socket PATH     listen on PATH (default " PROTO_DEFAULT_SOCKET ")\n"
"  -d, --state-dir DIR   keep the store in DIR (default " DEFAULT_STATE_DIR ")\n"
"  -m, --mount DIR       mount the namespace on DIR (default " DEFAULT_MOUNT_DIR ")\n"
"      --no-mount        serve only the socket\n"
"  -f, --foreground      stay in the foreground, log to stderr only\n"
"  -l, --log-level LVL   error, warning, info (default) or debug\n"
"      --fd-cache N      keep at most N object fds open (default 4096)\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"SIGTERM or SIGINT stop it cleanly. See bpfpind(8).\n";

enum { OPT_NO_MOUNT = 256, OPT_FD_CACHE };

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "state-dir", required_argument, NULL, 'd' },
	{ "mount", required_argument, NULL, 'm' },
	{ "no-mount", no_argument, NULL, OPT_NO_MOUNT },
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "fd-cache", required_argument, NULL, OPT_FD_CACHE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "bpfpind: %s '%s'\nTry 'bpfpind --help'.\n", what, arg);
	return -1;
}

static int parse_one(struct options *o, int c)
{
	char *end;

	switch (c) {
	case 's': o->socket_path = optarg; return 0;
	case 'd': o->state_dir = optarg; return 0;
	case 'm': o->mount_dir = optarg; return 0;
	case OPT_NO_MOUNT: o->mount_dir = NULL; return 0;
	case 'f': o->foreground = true; return 0;
	case 'l':
		o->log_level = log_level_parse(optarg);
		return o->log_level < 0 ? usage_error("unknown log level", optarg) : 0;
	case OPT_FD_CACHE:
		o->fd_cache = strtoul(optarg, &end, 10);
		return *end || o->fd_cache > 16384 ?
			usage_error("bad --fd-cache (0 to 16384)", optarg) : 0;
	case 'h': fputs(usage_text, stdout); return 1;
	case 'V': printf("bpfpind %s\n", PACKAGE_VERSION); return 1;
	default:
		fputs("Try 'bpfpind --help'.\n", stderr);
		return -1;
	}
}

int options_parse(struct options *o, int argc, char **argv)
{
	int c, r;

	*o = (struct options){
		.socket_path = PROTO_DEFAULT_SOCKET,
		.state_dir = DEFAULT_STATE_DIR,
		.mount_dir = DEFAULT_MOUNT_DIR,
		.log_level = LOG_LVL_INFO,
		.fd_cache = 4096,
	};
	while ((c = getopt_long(argc, argv, "s:d:m:fl:hV", longopts, NULL)) != -1)
		if ((r = parse_one(o, c)) != 0)
			return r;
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	return 0;
}
