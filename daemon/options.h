/* daemon/options.h: bpfpind's command line. */
#ifndef BPFPIN_DAEMON_OPTIONS_H
#define BPFPIN_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

#include "daemon/server.h"
#include "fs/ns.h"
#include "sockmap/sm.h"

#define DEFAULT_STATE_DIR "/var/lib/bpfpin"
#define DEFAULT_MOUNT_DIR "/run/bpfpin/fs"

struct options {
	const char *socket_path;
	const char *state_dir;     /* the store is state_dir/store */
	const char *mount_dir;     /* NULL: --no-mount */
	bool foreground;
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

/* 0: run; 1: done (help or version printed); -1: usage error (printed). */
int options_parse(struct options *o, int argc, char **argv);

#endif
