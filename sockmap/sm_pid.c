/* sockmap/sm_pid.c: pidfd_open, the /proc facts of the process it names,
 * and pidfd_getfd. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sockmap/sm_pid.h"

static int ids(const char *status, const char *tag, unsigned v[3])
{
	const char *p = strstr(status, tag);

	return p && sscanf(p + strlen(tag), "%u %u %u", &v[0], &v[1], &v[2]) == 3 ? 0 : -EIO;
}

/* /proc/PID/status for the ids; the owner of /proc/PID for dumpability
 * (the kernel shows a process that is not dumpable as root's). */
static int facts(pid_t pid, struct ns_proc *p)
{
	char path[64], buf[4096];
	unsigned u[3], g[3];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (ids(buf, "\nUid:", u) < 0 || ids(buf, "\nGid:", g) < 0 || stat(path, &st) < 0)
		return -EIO;
	for (int i = 0; i < 3; i++) {
		p->uids[i] = u[i];
		p->gids[i] = g[i];
	}
	p->dumpable = st.st_uid == u[1] && st.st_gid == g[1];
	p->pid = pid;
	p->is_self = pid == getpid();
	return 0;
}

int sm_pid_open(pid_t pid, struct ns_proc *p, int *pidfd, char *why, size_t whylen)
{
	int fd, r;

	if (pid <= 0) {
		snprintf(why, whylen, "pid %d names no process", (int)pid);
		return -ESRCH;
	}
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "pid %d: %s", (int)pid, strerror(-r));
		return r;
	}
	/* read after the pidfd, then checked alive: the facts are of the
	 * process the pidfd names, not of one that had its pid before */
	r = facts(pid, p);
	if (r == 0 && syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0)
		r = -ESRCH;
	if (r < 0) {
		close(fd);
		snprintf(why, whylen, "pid %d: no such process", (int)pid);
		return -ESRCH;
	}
	*pidfd = fd;
	return 0;
}

int sm_pid_getfd(int pidfd, pid_t pid, int fdnum, char *why, size_t whylen)
{
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, fdnum, 0);
	int r;

	if (fd >= 0)
		return fd;      /* pidfd_getfd sets O_CLOEXEC itself */
	r = -errno;
	snprintf(why, whylen, "pid %d fd %d: %s", (int)pid, fdnum,
		 r == -EBADF ? "no such fd in that process" : strerror(-r));
	return r;
}
