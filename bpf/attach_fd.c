/* bpf/attach_fd.c: what a client's target fd is, told without a call on
 * it that could reach a filesystem server: its mount's type from fdinfo
 * and mountinfo first (a file on our own mount is refused there), then,
 * once the mount is known to be the kernel's cgroup2 or nsfs, statx with
 * AT_STATX_DONT_SYNC and nsfs's ioctl. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/attach.h"
#include "bpf/obj.h"

static int refuse(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* What /proc/self/fd says fd is: a path, or for a file of no mounted
 * filesystem its kernel name ("pipe:[12]", "net:[4026531840]"). */
static int fd_link(int fd, char *buf, size_t size)
{
	char path[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* A file of no mounted filesystem, in words. */
static int not_mounted(const char *link, const char *want, char *why,
		       size_t whylen)
{
	if (!strncmp(link, "pipe:", 5))
		return refuse(why, whylen, "fd is a pipe, not %s", want);
	if (!strncmp(link, "socket:", 7))
		return refuse(why, whylen, "fd is a socket, not %s", want);
	return refuse(why, whylen, "fd is %.128s, no file of a mounted "
		      "filesystem, not %s", link, want);
}

/* The fd's mount type and link, or a refusal naming what the fd is. */
static int fd_type(int fd, char *type, size_t size, char *link, size_t lsize,
		   const char *want, char *why, size_t whylen)
{
	char msg[160];
	int r;

	if (fd < 0)
		return refuse(why, whylen, "fd is not an open file descriptor");
	r = obj_fd_fstype(fd, type, size, msg, sizeof(msg));
	if (r < 0) {
		snprintf(why, whylen, "%s, not %s", msg, want);
		return r == -EBADF ? r : -EINVAL;
	}
	if ((r = fd_link(fd, link, lsize)) < 0)
		return refuse(why, whylen, "cannot tell what fd %d is: %s", fd,
			      strerror(-r));
	return 0;
}

static int cached_statx(int fd, struct statx *stx)
{
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC | AT_SYMLINK_NOFOLLOW,
		  STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_INO,
		  stx) < 0)
		return -errno;
	return 0;
}

int attach_cgroup_fd(int fd, struct attach_dir *out, char *why, size_t whylen)
{
	static const char want[] = "a cgroup v2 directory";
	struct statx stx;
	char type[64], link[256];
	int r = fd_type(fd, type, sizeof(type), link, sizeof(link), want, why,
			whylen);

	if (r < 0)
		return r;
	if (link[0] != '/')
		return not_mounted(link, want, why, whylen);
	if (strcmp(type, "cgroup2"))
		return refuse(why, whylen, "fd is on a filesystem of type %s, not %s",
			      type, want);
	if ((r = cached_statx(fd, &stx)) < 0)
		return refuse(why, whylen, "statx of the cgroup fd: %s", strerror(-r));
	if (!S_ISDIR(stx.stx_mode))
		return refuse(why, whylen, "fd is a file of a cgroup, not %s", want);
	*out = (struct attach_dir){ .ino = stx.stx_ino, .uid = stx.stx_uid,
				    .gid = stx.stx_gid, .mode = stx.stx_mode };
	return 0;
}

int attach_netns_fd(int fd, uint64_t *ino, char *why, size_t whylen)
{
	static const char want[] = "a network namespace";
	struct statx stx;
	char type[64], link[256];
	int r = fd_type(fd, type, sizeof(type), link, sizeof(link), want, why,
			whylen), t;

	if (r < 0)
		return r;
	/* nsfs is no mount of mountinfo: its files are named "net:[INO]",
	 * which no file with a path (a FUSE one) can be called */
	if (link[0] == '/')
		return refuse(why, whylen, "fd is a file on a filesystem of type "
			      "%s, not %s", type, want);
	if (strncmp(link, "net:[", 5))
		return not_mounted(link, want, why, whylen);
	t = ioctl(fd, NS_GET_NSTYPE);
	if (t != CLONE_NEWNET)
		return refuse(why, whylen, "fd is a namespace of another kind, not %s",
			      want);
	if ((r = cached_statx(fd, &stx)) < 0)
		return refuse(why, whylen, "statx of the netns fd: %s", strerror(-r));
	*ino = stx.stx_ino;
	return 0;
}
