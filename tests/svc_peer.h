/* tests/svc_peer.h: a service manager's side of systemd's notify protocol,
 * for suites that run bpfpind as systemd would without booting systemd:
 * an AF_UNIX datagram socket named by NOTIFY_SOCKET that takes READY=,
 * STATUS=, STOPPING=, RELOADING=, WATCHDOG=, FDSTORE= (with FDNAME= and
 * the fds of SCM_RIGHTS), FDSTOREREMOVE=, as systemd 252 does (messages
 * from the main process only: NotifyAccess=main; a store of at most
 * fd_max fds, FileDescriptorStoreMax=; an fd already stored is not stored
 * twice; fds without FDSTORE=1 closed), and a start that passes the fd
 * store back as systemd does: fds from 3, LISTEN_FDS, LISTEN_FDNAMES and
 * LISTEN_PID (set in the child after fork), NOTIFY_SOCKET, and
 * WATCHDOG_USEC/WATCHDOG_PID when a watchdog is set. */
#ifndef BPFPIN_TESTS_SVC_PEER_H
#define BPFPIN_TESTS_SVC_PEER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct svc_peer_raw;

struct svc_peer_fd {
	char *name;
	int fd;                  /* the peer's own */
};

struct svc_peer {
	char dir[64];            /* a temporary directory holding the rest */
	char notify[108];        /* dir/notify: NOTIFY_SOCKET */
	char log[100];           /* dir/log: the service's stderr */
	int sock;
	pid_t pid;               /* the main process, or 0 */
	int status;              /* its last wait status */
	char **argv;             /* the command (a copy) */
	uint64_t watchdog_usec;  /* WatchdogSec= in µs, or 0 */
	unsigned fd_max;         /* FileDescriptorStoreMax= */
	struct svc_peer_fd *fds; /* the fd store, in the order stored */
	unsigned nfds;
	char **msgs;             /* every accepted message, in order */
	unsigned nmsgs, cursor;  /* svc_peer_wait looks from cursor on */
	unsigned removed;        /* FDSTOREREMOVE names that matched */
	unsigned refused;        /* messages or fds refused (logged) */
	/* a thread reads the socket as systemd does, at once (the kernel
	 * queues only net.unix.max_dgram_qlen datagrams, then the service
	 * waits); what it read waits here for svc_peer_pump, which handles
	 * it in the caller's thread: everything above is the caller's. */
	pthread_t thread;
	pthread_mutex_t lock;
	atomic_bool stop;
	bool running;
	struct svc_peer_raw *raw, **raw_tail;
};

/* A peer with a store of at most fd_max fds (0: systemd 252's default,
 * no fd store). 0 or -errno. */
int svc_peer_init(struct svc_peer *p, unsigned fd_max);
/* Remove everything (kills the service with SIGKILL if it runs). */
void svc_peer_fini(struct svc_peer *p);

/* Start argv (copied; argv[0] a path) with the fd store passed back.
 * The service's stderr is appended to p->log. 0 or -errno. */
int svc_peer_start(struct svc_peer *p, const char *const *argv);
/* Send sig, reap the main process (at most 10 s, then SIGKILL), then take
 * the messages it sent before it died (systemd reads them before the
 * exit). Returns its wait status, or -errno. */
int svc_peer_stop(struct svc_peer *p, int sig);
/* svc_peer_stop, then svc_peer_start with the same command. */
int svc_peer_restart(struct svc_peer *p, int sig);

/* Take every datagram waiting. */
void svc_peer_pump(struct svc_peer *p);
/* Wait up to ms for an accepted message (from cursor on) with a line that
 * starts with prefix ("READY=1", "STATUS="); the message is returned and
 * cursor moves past it. NULL on timeout, or when the service exited
 * without sending it. */
const char *svc_peer_wait(struct svc_peer *p, const char *prefix, int ms);
/* Messages with such a line received so far, from the first. */
unsigned svc_peer_count(const struct svc_peer *p, const char *prefix);

/* The fd store: how many fds; the first fd by name (the peer's, -1 if
 * none); drop every fd of a name (as systemd's store losing it); put
 * one in (dup'ed) as if the service had sent it. */
unsigned svc_peer_fd_count(const struct svc_peer *p);
int svc_peer_fd_find(const struct svc_peer *p, const char *name);
unsigned svc_peer_fd_drop(struct svc_peer *p, const char *name);
int svc_peer_fd_add(struct svc_peer *p, const char *name, int fd);

#endif
