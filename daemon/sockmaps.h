/* daemon/sockmaps.h: the sockmap manager's place in the daemon. */
#ifndef BPFPIN_DAEMON_SOCKMAPS_H
#define BPFPIN_DAEMON_SOCKMAPS_H

#include "daemon/server.h"
#include "sockmap/sm.h"

/* After the namespace is open: 0 or -errno (logged). */
int sockmaps_start(struct server *srv, const char *state_dir,
		   const struct sockmap_limits *lim);
/* Before the namespace closes. */
void sockmaps_stop(struct server *srv);

#endif
