/* daemon/options.c: bpfpind's options: one table of every option, each
 * set from a string (the command line's or the configuration file's),
 * and the command line over the file over the defaults. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/conffile.h"
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
"  -c, --config FILE     read options from FILE (default " DEFAULT_CONFIG ";\n"
"                        the command line wins over it)\n"
"  -l, --log-level LVL   error, warning, info (default) or debug\n"
"      --log-file FILE   log to FILE instead of standard error (reopened\n"
"                        on SIGHUP)\n"
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
"      --pair-budget BYTES       bytes a pair member may have waiting\n"
"                                for its peer (default 4194304)\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"SIGTERM or SIGINT stop it cleanly, SIGHUP reloads the configuration file\n"
"and reopens the log file. See bpfpind(8) and bpfpind.conf(5).\n";


enum {
	OPT_NO_MOUNT = 256, OPT_FD_CACHE, OPT_MAX_CONNS, OPT_MAX_CONNS_UID,
	OPT_MAX_INFLIGHT_UID, OPT_MAX_QFDS, OPT_MAX_QFDS_UID, OPT_MAX_NODES_UID,
	OPT_MAX_SYMLINK_UID, OPT_MAX_SNAP_UID, OPT_LOAD_GROUP, OPT_MAX_SM,
	OPT_MAX_SM_UID, OPT_MAX_GIVEN, OPT_MAX_GIVEN_UID, OPT_PAIR_BUDGET,
	OPT_LOG_FILE, OPT_STORE, OPT_FDSTORE_MAX,
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "state-dir", required_argument, NULL, 'd' },
	{ "mount", required_argument, NULL, 'm' },
	{ "no-mount", no_argument, NULL, OPT_NO_MOUNT },
	{ "foreground", no_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'c' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
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

static const char shortopts[] = "s:d:m:fc:l:hV";

static const char *name_of(int code)
{
	for (const struct option *p = longopts; p->name; p++)
		if (p->val == code)
			return p->name;
	return "?";
}

int options_lookup(const char *name, bool *takes_value)
{
	for (const struct option *p = longopts; p->name; p++) {
		if (strcmp(p->name, name) == 0) {
			*takes_value = p->has_arg == required_argument;
			return p->val;
		}
	}
	return -1;
}

bool options_in_file(int code)
{
	return code != 'c' && code != 'h' && code != 'V';
}

/* A count: decimal digits only (no sign, no blanks), up to max. */
static int count_arg(const char *arg, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || *end || arg[0] < '0' || arg[0] > '9' || *out > max)
		return -1;
	return 0;
}

/* In parse_limit: set field to arg, a count up to max, or say max. */
#define LIMIT(field, max) do {						\
		unsigned long long v;					\
		*bound = (max);						\
		if (count_arg(arg, *bound, &v) < 0)			\
			return -1;					\
		field = v;						\
		return 0;						\
	} while (0)

/* A limit (or the fd cache): 0 when set, -1 when arg is no count up to
 * *bound, 1 when c is no limit. */
static int parse_limit(struct options *o, int c, const char *arg,
		       unsigned long long *bound)
{
	struct server_limits *s = &o->srv_limits;
	struct ns_limits *n = &o->ns_limits;
	struct sockmap_limits *m = &o->sm_limits;

	switch (c) {
	case OPT_MAX_CONNS: LIMIT(s->conns, 16384);
	case OPT_MAX_CONNS_UID: LIMIT(s->conns_per_uid, 16384);
	case OPT_MAX_INFLIGHT_UID: LIMIT(s->inflight_per_uid, 1u << 20);
	case OPT_MAX_QFDS: LIMIT(s->queued_fds, 1u << 20);
	case OPT_MAX_QFDS_UID: LIMIT(s->queued_fds_per_uid, 1u << 20);
	case OPT_MAX_NODES_UID: LIMIT(n->nodes, UINT64_MAX >> 1);
	case OPT_MAX_SYMLINK_UID: LIMIT(n->symlink_bytes, UINT64_MAX >> 1);
	case OPT_MAX_SNAP_UID: LIMIT(n->snapshots, 1u << 20);
	case OPT_FD_CACHE: LIMIT(o->fd_cache, 16384);
	case OPT_MAX_SM: LIMIT(m->maps, 4096);
	case OPT_MAX_SM_UID: LIMIT(m->maps_per_uid, 4096);
	case OPT_MAX_GIVEN: LIMIT(m->given, 16384);
	case OPT_MAX_GIVEN_UID: LIMIT(m->given_per_uid, 16384);
	case OPT_PAIR_BUDGET: LIMIT(m->pair_budget, 1ull << 34);
	}
	return 1;
}

/* 1 to 2^20 objects (0 would refuse every pin: not a limit lifted). */
static int fdstore_max_arg(struct options *o, const char *arg)
{
	unsigned long long v;

	if (count_arg(arg, 1u << 20, &v) < 0 || v == 0)
		return -1;
	o->fdstore_max = (unsigned)v;
	return 0;
}

/* A group by name, or by number (decimal digits only). */
static int load_group_arg(struct options *o, const char *arg)
{
	struct group *g = getgrnam(arg);
	unsigned long long v;

	if (g) {
		o->load_group = g->gr_gid;
	} else {
		if (count_arg(arg, UINT32_MAX - 1, &v) < 0)
			return -1;
		o->load_group = (gid_t)v;
	}
	o->load_group_set = true;
	return 0;
}

static int set_string(char **field, const char *arg)
{
	char *s = arg ? strdup(arg) : NULL;

	if (arg && !s)
		return -1;
	free(*field);
	*field = s;
	return 0;
}

static int fail(char *err, size_t len, int code, const char *what,
		const char *arg)
{
	snprintf(err, len, "%s: %s '%s'", name_of(code), what, arg ? arg : "");
	return -1;
}

int options_set(struct options *o, int c, const char *arg, char *err, size_t len)
{
	unsigned long long bound;
	int r = parse_limit(o, c, arg, &bound);
	char what[64];

	if (r <= 0) {
		if (r == 0)
			return 0;
		snprintf(what, sizeof(what), "not a count from 0 to %llu:", bound);
		return fail(err, len, c, what, arg);
	}
	switch (c) {
	case 's': return set_string(&o->socket_path, arg);
	case 'd': return set_string(&o->state_dir, arg);
	case 'm': return set_string(&o->mount_dir, arg);
	case OPT_NO_MOUNT: return set_string(&o->mount_dir, NULL);
	case OPT_LOG_FILE: return set_string(&o->log_file, arg);
	case 'c':
		o->config_given = true;
		return set_string(&o->config_path, arg);
	case OPT_LOAD_GROUP:
		return load_group_arg(o, arg) < 0 ?
		       fail(err, len, c, "no such group", arg) : 0;
	case OPT_FDSTORE_MAX:
		return fdstore_max_arg(o, arg) < 0 ?
		       fail(err, len, c, "not a count from 1 to 1048576:", arg) : 0;
	case OPT_STORE:
		if (strcmp(arg, "bpffs") && strcmp(arg, "fdstore"))
			return fail(err, len, c, "not bpffs or fdstore:", arg);
		o->fdstore = !strcmp(arg, "fdstore");
		return 0;
	case 'f': o->foreground = true; return 0;
	case 'l':
		o->log_level = log_level_parse(arg);
		return o->log_level < 0 ?
		       fail(err, len, c, "not error, warning, info or debug:", arg) : 0;
	}
	snprintf(err, len, "option %d is not known", c);
	return -1;
}

static int defaults(struct options *o)
{
	*o = (struct options){
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
	if (set_string(&o->socket_path, PROTO_DEFAULT_SOCKET) < 0 ||
	    set_string(&o->state_dir, DEFAULT_STATE_DIR) < 0 ||
	    set_string(&o->mount_dir, DEFAULT_MOUNT_DIR) < 0 ||
	    set_string(&o->config_path, DEFAULT_CONFIG) < 0)
		return -1;
	return 0;
}

void options_free(struct options *o)
{
	free(o->socket_path);
	free(o->state_dir);
	free(o->mount_dir);
	free(o->config_path);
	free(o->log_file);
	o->socket_path = o->state_dir = o->mount_dir = NULL;
	o->config_path = o->log_file = NULL;
}

/* The command line onto o: 0, 1 for --help or --version (printed only if
 * print), -1 with err[] (a usage error; getopt printed its own). */
static int command_line(struct options *o, int argc, char **argv, bool print,
			char *err, size_t len)
{
	int c;

	optind = 0;   /* from the start, also at a reload */
	opterr = print;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h' || c == 'V') {
			if (print && c == 'h')
				fputs(usage_text, stdout);
			else if (print)
				printf("bpfpind %s\n", PACKAGE_VERSION);
			return 1;
		}
		if (c == '?' || c == ':') {
			snprintf(err, len, "bad option");
			return -1;
		}
		if (options_set(o, c, optarg, err, len) < 0)
			return -1;
	}
	if (optind < argc) {
		snprintf(err, len, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* Defaults, the file (--config's, found by a first pass over the command
 * line), the command line again. 0, 1 (--help, --version), -1 (a usage
 * error), -2: the file is bad (err says where). */
static int build(struct options *o, int argc, char **argv, bool print,
		 char *err, size_t len)
{
	struct options first = { 0 };
	int r = -1;

	*o = (struct options){ 0 };
	snprintf(err, len, "out of memory");
	if (defaults(&first) == 0 && defaults(o) == 0) {
		r = command_line(&first, argc, argv, print, err, len);
		if (r == 0 && config_load(o, first.config_path, first.config_given,
					  err, len) < 0)
			r = -2;
		else if (r == 0)
			r = command_line(o, argc, argv, false, err, len);
	}
	options_free(&first);
	return r;
}

int options_parse(struct options *o, int argc, char **argv)
{
	char err[768] = "";
	int r = build(o, argc, argv, true, err, sizeof(err));

	if (r == -2)
		fprintf(stderr, "bpfpind: %s\n", err);
	else if (r < 0 && strcmp(err, "bad option"))
		fprintf(stderr, "bpfpind: %s\nTry 'bpfpind --help'.\n", err);
	else if (r < 0)
		fputs("Try 'bpfpind --help'.\n", stderr);
	if (r != 0)
		options_free(o);
	return r < 0 ? -1 : r;
}

int options_reparse(struct options *o, int argc, char **argv,
		    char *err, size_t len)
{
	int r = build(o, argc, argv, false, err, len);

	if (r != 0)
		options_free(o);
	return r != 0 ? -1 : 0;
}
