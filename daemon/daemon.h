/* daemon/daemon.h: the running daemon as main.c holds it, shared with the
 * parts of its life kept in their own files: READY (ready.c), STATUS and
 * the watchdog (status.c), SIGHUP (reload.c), the drain at SIGTERM
 * (drain.c). */
#ifndef BPFPIN_DAEMON_DAEMON_H
#define BPFPIN_DAEMON_DAEMON_H

#include <stdbool.h>

#include "daemon/options.h"
#include "daemon/server.h"

struct fsx;
struct event;

struct daemon {
	struct options opt;
	int argc;                   /* the command line, parsed again at */
	char **argv;                /* each reload */
	struct server srv;
	struct fsx *fsx;
	struct event *sigterm, *sigint, *sighup;
	int state_lock, socket_lock;   /* daemon/lock.h: held until exit */
	/* ready.c */
	int parent_fd;              /* background(): the parent waits on it */
	struct event *ready_ev;
	bool ready;
	int exit_err;               /* why the loop was broken, or 0 */
	/* status.c */
	struct event *status_ev, *watchdog_ev;
	char status_sent[256];
	unsigned status_age;        /* ticks since status_sent went out */
	/* drain.c */
	struct event *drain_ev;
	unsigned drain_ticks;
};

/* ready.c: after the socket listens, with the loop about to run: READY=1
 * (and the background parent told) once the mount answers a statfs. */
int ready_start(struct daemon *d);
void ready_stop(struct daemon *d);

/* status.c: STATUS= every few seconds and on a change (at most once a
 * second); WATCHDOG=1 every WatchdogSec/2 from the loop thread. */
int status_start(struct daemon *d);
/* Send STATUS=text now (also when it was the last one). */
void status_say(struct daemon *d, const char *text);
void status_stop(struct daemon *d);

/* reload.c: SIGHUP. */
void reload(struct daemon *d);

/* drain.c: SIGTERM or SIGINT: stop accepting, let the requests in flight
 * be answered (DRAIN_MS at most), then break the loop. A second signal
 * breaks it at once. */
#define DRAIN_MS 5000
void drain_begin(struct daemon *d);
void drain_stop(struct daemon *d);

#endif
