/* daemon/options.h: bpfpind's options, from its command line and its
 * configuration file (daemon/config.h), and which of them a reload may
 * change in a running daemon. */
#ifndef BPFPIN_DAEMON_OPTIONS_H
#define BPFPIN_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "daemon/server.h"
#include "fs/ns.h"
#include "sockmap/sm.h"

#define DEFAULT_STATE_DIR "/var/lib/bpfpin"
#define DEFAULT_MOUNT_DIR "/run/bpfpin/fs"
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/bpfpin/bpfpind.conf"

/* Every string is the struct's own (options_free frees them). */
struct options {
	/* fixed for the life of the daemon: a reload reports a change as
	 * needing a restart */
	char *socket_path;
	char *state_dir;           /* the store is state_dir/store */
	char *mount_dir;           /* NULL: --no-mount */
	bool foreground;
	char *config_path;         /* --config, or DEFAULT_CONFIG */
	bool config_given;         /* --config: a missing file is an error */
	/* applied live at a reload */
	char *log_file;            /* NULL: standard error (and syslog) */
	int log_level;
	unsigned fd_cache;
	bool fdstore;              /* --store=fdstore (doc/fdstore.md) */
	unsigned fdstore_max;      /* objects sent to the fd store at most */
	bool load_group_set;       /* --load-group: who besides root may load */
	gid_t load_group;
	struct server_limits srv_limits;   /* connections, requests, queued fds */
	struct ns_limits ns_limits;        /* nodes, symlink bytes, snapshots */
	struct sockmap_limits sm_limits;   /* sockmaps, given sockets */
};

/* Build o: the defaults, then the configuration file, then the command
 * line over both. 0: run; 1: done (help or version printed); -1: an
 * error, printed to stderr (a bad file's as FILE:LINE: message). */
int options_parse(struct options *o, int argc, char **argv);
/* The same again for a reload (SIGHUP), into a fresh o, printing
 * nothing: 0, or -1 with err[] saying what is wrong. */
int options_reparse(struct options *o, int argc, char **argv,
		    char *err, size_t len);
void options_free(struct options *o);

/* The option called name (a long option without "--"): its code for
 * options_set and whether it takes a value; -1 if there is none. */
int options_lookup(const char *name, bool *takes_value);
/* Set option code to value (NULL for a flag): 0, or -1 with err[]
 * saying what is wrong (the option named without "--"). */
int options_set(struct options *o, int code, const char *value,
		char *err, size_t len);
/* Whether code may appear in a configuration file (not --config, --help,
 * --version). */
bool options_in_file(int code);

#endif
