/* daemon/svc.h: what bpfpind says to its service manager and what it takes
 * from it: systemd's notify protocol (READY, STATUS, WATCHDOG, FDSTORE...)
 * and the fds it passes at start (LISTEN_FDS, LISTEN_FDNAMES). Through
 * libsystemd when the build has it (HAVE_LIBSYSTEMD); without it nothing
 * is inherited and notifications are dropped. */
#ifndef BPFPIN_DAEMON_SVC_H
#define BPFPIN_DAEMON_SVC_H

#include <stdbool.h>
#include <stdint.h>

/* The listening socket's name (bpfpind.socket: FileDescriptorName=). */
#define SVC_SOCKET_NAME "bpfpind"

/* Read LISTEN_FDS/LISTEN_FDNAMES once, unset them (a child never sees
 * them) and mark every passed fd O_CLOEXEC. The fds are held here until a
 * svc_take* call hands one over. Returns how many were passed. */
int svc_fds_init(void);
/* The first held fd named name (its owner is now the caller), or -1. */
int svc_take(const char *name);
/* Hand every held fd whose name starts with prefix to fn (fn consumes the
 * fd, also when it fails); stops at the first error fn returns. */
int svc_take_prefix(const char *prefix,
		    int (*fn)(void *arg, const char *name, int fd), void *arg);
/* Close the fds nobody took, each logged by name. */
void svc_close_rest(void);

/* Whether a service manager listens (NOTIFY_SOCKET is set). */
bool svc_managed(void);
/* Send state ("READY=1\nSTATUS=..."); 0, or -errno. Dropped when no
 * manager listens. */
int svc_notify(const char *state);
int svc_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with fds attached (FDSTORE=1): the fds stay the caller's. */
int svc_notify_fds(const char *state, const int *fds, unsigned n);
/* WatchdogSec= in µs when the manager wants keep-alives from us, else 0. */
uint64_t svc_watchdog_usec(void);

#endif
