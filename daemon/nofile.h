/* daemon/nofile.h: raising RLIMIT_NOFILE to what the limits need. */
#ifndef BPFPIN_DAEMON_NOFILE_H
#define BPFPIN_DAEMON_NOFILE_H

#include "daemon/options.h"

/* Raise the soft RLIMIT_NOFILE to the hard one, and log a warning if that
 * is below what o's limits let clients make the daemon hold (or if it
 * cannot be raised: the daemon runs on all the same). */
void nofile_raise(const struct options *o);

#endif
