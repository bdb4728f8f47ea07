/* daemon/lock.h: one bpfpind per state directory and per socket path. A
 * lock file (an exclusive flock held for the daemon's life; the kernel
 * drops it when the daemon dies, so a crash leaves no stale lock) holds
 * the owner's pid, for the message a second daemon gives. */
#ifndef BPFPIN_DAEMON_LOCK_H
#define BPFPIN_DAEMON_LOCK_H

/* Take the lock at path (made mode 0600 if missing) and write our pid in
 * it. The fd, the caller's to keep open (closing it lets go), or -errno:
 * -EBUSY when another process holds it, logged as "WHAT is in use by
 * bpfpind pid N" (what: the state dir or socket it guards). */
int lock_take(const char *path, const char *what);

#endif
