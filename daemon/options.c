/* daemon/options.c: parse bpfpind's command line into struct options. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
"      --store KIND      where objects outlive the daemon: bpffs (a private\n"
"                        bpffs in the state dir, default) or fdstore (the\n"
"                        service manager's fd store; needs systemd)\n"
"      --fdstore-max N   objects sent to the fd store at most (default 16384;\n"
"                        FileDescriptorStoreMax= must be at least N)\n"
"      --load-group GROUP  members of GROUP may load BPF objects (the load\n"
"                        op; default: root only)\n"
"\n"
"Limits (0: none; per-uid limits do not apply to root):\n"
"      --max-conns N             connections in all (default 1024)\n"
"      --max-conns-per-uid N     connections of one uid (default 64)\n"
"      --max-inflight-per-uid N  requests of one uid being served (default 256)\n"
"      --max-queued-fds N        fds in replies not yet read, in all (default 8192)\n"
"      --max-queued-fds-per-uid N  the same, for one uid (default 1024)\n"
"      --max-nodes-per-uid N     dirs, pins and symlinks one uid owns (default 16384)\n"
"      --max-symlink-bytes-per-uid N  bytes of symlink targets one uid owns\n"
"                                (default 1048576)\n"
"      --max-snapshots-per-uid N  pin files one uid holds open on the mount\n"
"                                (default 64)\n"
"      --max-sockmaps N          sockmaps with members, in all (default 256)\n"
"      --max-sockmaps-per-uid N  the same, taken up by one uid (default 16)\n"
"      --max-given-sockets N     sockets given to bpfpind, in all (default 2048)\n"
"      --max-given-sockets-per-uid N  the same, for one uid (default 256)\n"
"      --pair-budget BYTES       bytes a given pair member may have waiting\n"
"                                for its peer (default 4194304)\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"SIGTERM or SIGINT stop it cleanly. See bpfpind(8).\n";

enum {
	OPT_NO_MOUNT = 256, OPT_FD_CACHE, OPT_MAX_CONNS, OPT_MAX_CONNS_UID,
	OPT_MAX_INFLIGHT_UID, OPT_MAX_QFDS, OPT_MAX_QFDS_UID, OPT_MAX_NODES_UID,
	OPT_MAX_SYMLINK_UID, OPT_MAX_SNAP_UID, OPT_LOAD_GROUP, OPT_MAX_SM,
	OPT_MAX_SM_UID, OPT_MAX_GIVEN, OPT_MAX_GIVEN_UID, OPT_PAIR_BUDGET,
	OPT_STORE, OPT_FDSTORE_MAX,
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "state-dir", required_argument, NULL, 'd' },
	{ "mount", required_argument, NULL, 'm' },
	{ "no-mount", no_argument, NULL, OPT_NO_MOUNT },
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "fd-cache", required_argument, NULL, OPT_FD_CACHE },
	{ "load-group", required_argument, NULL, OPT_LOAD_GROUP },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-conns-per-uid", required_argument, NULL, OPT_MAX_CONNS_UID },
	{ "max-inflight-per-uid", required_argument, NULL, OPT_MAX_INFLIGHT_UID },
	{ "max-queued-fds", required_argument, NULL, OPT_MAX_QFDS },
	{ "max-queued-fds-per-uid", required_argument, NULL, OPT_MAX_QFDS_UID },
	{ "max-nodes-per-uid", required_argument, NULL, OPT_MAX_NODES_UID },
	{ "max-symlink-bytes-per-uid", required_argument, NULL, OPT_MAX_SYMLINK_UID },
	{ "max-snapshots-per-uid", required_argument, NULL, OPT_MAX_SNAP_UID },
	{ "max-sockmaps", required_argument, NULL, OPT_MAX_SM },
	{ "max-sockmaps-per-uid", required_argument, NULL, OPT_MAX_SM_UID },
	{ "max-given-sockets", required_argument, NULL, OPT_MAX_GIVEN },
	{ "max-given-sockets-per-uid", required_argument, NULL, OPT_MAX_GIVEN_UID },
	{ "pair-budget", required_argument, NULL, OPT_PAIR_BUDGET },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "fdstore-max", required_argument, NULL, OPT_FDSTORE_MAX },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "bpfpind: %s '%s'\nTry 'bpfpind --help'.\n", what, arg);
	return -1;
}

/* A limit's value: a decimal count up to max (no sign, no blanks). */
static int limit_arg(const char *name, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(optarg, &end, 10);
	if (errno || *end || optarg[0] < '0' || optarg[0] > '9' || *out > max) {
		fprintf(stderr, "bpfpind: bad --%s '%s' (0 to %llu)\n"
			"Try 'bpfpind --help'.\n", name, optarg, max);
		return -1;
	}
	return 0;
}

#define LIMIT(field, name, max) do {					\
		unsigned long long v;					\
		if (limit_arg(name, max, &v) < 0)			\
			return -1;					\
		field = v;						\
		return 0;						\
	} while (0)

static int parse_limit(struct options *o, int c)
{
	struct server_limits *s = &o->srv_limits;
	struct ns_limits *n = &o->ns_limits;
	struct sockmap_limits *m = &o->sm_limits;

	switch (c) {
	case OPT_MAX_CONNS: LIMIT(s->conns, "max-conns", 16384);
	case OPT_MAX_CONNS_UID: LIMIT(s->conns_per_uid, "max-conns-per-uid", 16384);
	case OPT_MAX_INFLIGHT_UID: LIMIT(s->inflight_per_uid, "max-inflight-per-uid", 1u << 20);
	case OPT_MAX_QFDS: LIMIT(s->queued_fds, "max-queued-fds", 1u << 20);
	case OPT_MAX_QFDS_UID: LIMIT(s->queued_fds_per_uid, "max-queued-fds-per-uid", 1u << 20);
	case OPT_MAX_NODES_UID: LIMIT(n->nodes, "max-nodes-per-uid", UINT64_MAX >> 1);
	case OPT_MAX_SYMLINK_UID: LIMIT(n->symlink_bytes, "max-symlink-bytes-per-uid", UINT64_MAX >> 1);
	case OPT_MAX_SNAP_UID: LIMIT(n->snapshots, "max-snapshots-per-uid", 1u << 20);
	case OPT_FD_CACHE: LIMIT(o->fd_cache, "fd-cache", 16384);
	case OPT_MAX_SM: LIMIT(m->maps, "max-sockmaps", 4096);
	case OPT_MAX_SM_UID: LIMIT(m->maps_per_uid, "max-sockmaps-per-uid", 4096);
	case OPT_MAX_GIVEN: LIMIT(m->given, "max-given-sockets", 16384);
	case OPT_MAX_GIVEN_UID: LIMIT(m->given_per_uid, "max-given-sockets-per-uid", 16384);
	case OPT_PAIR_BUDGET: LIMIT(m->pair_budget, "pair-budget", 1ull << 34);
	}
	return 1;
}

/* 1 to 2^20 objects (0 would refuse every pin: not a limit lifted). */
static int fdstore_max_arg(struct options *o)
{
	unsigned long long v;

	if (limit_arg("fdstore-max", 1u << 20, &v) < 0)
		return -1;
	if (v == 0)
		return usage_error("--fdstore-max must be 1 or more, not", optarg);
	o->fdstore_max = (unsigned)v;
	return 0;
}

/* A group by name, or by number (decimal digits only). */
static int load_group_arg(struct options *o, const char *arg)
{
	struct group *g = getgrnam(arg);
	unsigned long long v;
	char *end;

	if (g) {
		o->load_group = g->gr_gid;
	} else {
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (errno || *end || arg[0] < '0' || arg[0] > '9' || v >= UINT32_MAX)
			return usage_error("unknown group for --load-group", arg);
		o->load_group = (gid_t)v;
	}
	o->load_group_set = true;
	return 0;
}

static int parse_one(struct options *o, int c)
{
	int r;

	if ((r = parse_limit(o, c)) <= 0)
		return r;

	switch (c) {
	case 's': o->socket_path = optarg; return 0;
	case 'd': o->state_dir = optarg; return 0;
	case 'm': o->mount_dir = optarg; return 0;
	case OPT_NO_MOUNT: o->mount_dir = NULL; return 0;
	case OPT_LOAD_GROUP: return load_group_arg(o, optarg);
	case OPT_FDSTORE_MAX:
		return fdstore_max_arg(o);
	case OPT_STORE:
		if (strcmp(optarg, "bpffs") && strcmp(optarg, "fdstore"))
			return usage_error("--store must be bpffs or fdstore, not", optarg);
		o->fdstore = !strcmp(optarg, "fdstore");
		return 0;
	case 'f': o->foreground = true; return 0;
	case 'l':
		o->log_level = log_level_parse(optarg);
		return o->log_level < 0 ? usage_error("unknown log level", optarg) : 0;
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
		.fdstore_max = 16384,
		.srv_limits = {
			.conns = 1024, .conns_per_uid = 64,
			.inflight_per_uid = 256,
			.queued_fds = 8192, .queued_fds_per_uid = 1024,
		},
		.ns_limits = {
			.nodes = 16384, .symlink_bytes = 1 << 20,
			.snapshots = 64,
		},
		.sm_limits = {
			.maps = 256, .maps_per_uid = 16,
			.given = 2048, .given_per_uid = 256,
			.pair_budget = 4 << 20,
		},
	};
	while ((c = getopt_long(argc, argv, "s:d:m:fl:hV", longopts, NULL)) != -1)
		if ((r = parse_one(o, c)) != 0)
			return r;
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	return 0;
}
