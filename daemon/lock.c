/* daemon/lock.c: the lock files of daemon/lock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon/lock.h"
#include "daemon/log.h"

/* The pid the holder wrote, or 0 if none yet (it is between its flock
 * and its write: give it a moment). */
static long holder_pid(int fd)
{
	char buf[24];
	ssize_t n = 0;

	for (int i = 0; i < 20; i++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0)
			break;
		usleep(5000);
	}
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int lock_take(const char *path, const char *what)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	char pid[24];
	long other;
	int n;

	if (fd < 0)
		return log_warn(-errno, "lock file %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

		if (r == -EBUSY && (other = holder_pid(fd)) > 0)
			log_error("%s is in use by bpfpind pid %ld (lock %s)",
				  what, other, path);
		else if (r == -EBUSY)
			log_error("%s is in use by another bpfpind (lock %s)", what, path);
		else
			log_warn(r, "locking %s", path);
		close(fd);
		return r;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn(-errno, "writing our pid into %s", path);
	return fd;
}
