/* sockmap/sm_pid.h: another process's socket by pid and fd number
 * (pidfd_getfd), with the facts the namespace's ptrace rule is decided
 * on, read for the very process the pidfd names. */
#ifndef BPFPIN_SOCKMAP_SM_PID_H
#define BPFPIN_SOCKMAP_SM_PID_H

#include <stddef.h>
#include <sys/types.h>

#include "fs/ns.h"

/* Open pid (a pidfd, O_CLOEXEC, the caller's) and read its ids and
 * dumpability into p. -ESRCH with why if there is no such process. */
int sm_pid_open(pid_t pid, struct ns_proc *p, int *pidfd, char *why, size_t whylen);
/* Its fd number fdnum, dup'd into the daemon (O_CLOEXEC, the caller's):
 * the fd or -errno with why (-EBADF: no such fd in it). */
int sm_pid_getfd(int pidfd, pid_t pid, int fdnum, char *why, size_t whylen);

#endif
