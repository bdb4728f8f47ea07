/* daemon/nofile.c: the fd budget the limits are sized for, made real at
 * start. A service's soft RLIMIT_NOFILE is often 1024 (systemd's default)
 * while its hard limit is far higher: left there, one uid's budget of
 * queued fds alone would fill the daemon's fd table, and the limits would
 * protect nothing. The daemon polls with epoll, never select, so the soft
 * limit is raised to the hard one; if even that is short of what the
 * limits allow, the log says so. */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>

#include "daemon/log.h"
#include "daemon/nofile.h"
#include "lib/proto.h"

/* fds beside the budgets: stdio, the listener, libevent, the FUSE
 * device, the store, the side log, spool files of snapshots. */
#define NOFILE_SLACK 256

/* What the limits let clients make the daemon hold at once; 0 when a
 * limit is lifted (nothing bounds it then). */
static rlim_t nofile_needed(const struct options *o)
{
	const struct server_limits *l = &o->srv_limits;

	if (!l->conns || !l->queued_fds)
		return 0;
	return (rlim_t)l->conns + l->queued_fds + PROTO_FDS_MAX + o->fd_cache +
	       (o->fdstore ? o->fdstore_max : 0) + NOFILE_SLACK;
}

void nofile_raise(const struct options *o)
{
	struct rlimit rl;
	rlim_t need = nofile_needed(o);

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn(-errno, "getrlimit(RLIMIT_NOFILE)");
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn(-errno, "raising RLIMIT_NOFILE to %llu",
				 (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	if (need && rl.rlim_cur < need)
		log_warnx("RLIMIT_NOFILE is %llu, short of the %llu fds the limits "
			  "allow (--max-conns, --max-queued-fds, --fd-cache, --fdstore-max): "
			  "raise it or lower them", (unsigned long long)rl.rlim_cur,
			  (unsigned long long)need);
}
