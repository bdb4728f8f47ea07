/* bpf/obj_file.c: a client's object file, checked and read (obj_file.h).
 * The check runs on the loop thread, so it must not wait on any
 * filesystem; the read runs on a worker. FUSE files are refused outright:
 * our own mount would have the loop wait on itself, and another's server
 * could stall the worker for as long as it likes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/obj_file.h"
#include "bpf/obj_int.h"

static int say(char *why, size_t whylen, int err, const char *what)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", what);
	return err;
}

/* What /proc/self/fd says: files with a path (memfds too) go on. */
static int check_link(int fd, char *why, size_t whylen)
{
	char path[32], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
		return say(why, whylen, -EBADF, "the object's fd is not open");
	link[n] = '\0';
	if (!strncmp(link, "pipe:", 5))
		return say(why, whylen, -EINVAL, "the object's fd is a pipe, not a regular file");
	if (!strncmp(link, "socket:", 7))
		return say(why, whylen, -EINVAL, "the object's fd is a socket, not a regular file");
	if (link[0] != '/')
		return say(why, whylen, -EINVAL, "the object's fd is not a regular file");
	return 0;
}

static int check_mount(int fd, char *why, size_t whylen)
{
	char type[64];
	int mnt_id, r;

	if ((r = obj_fd_mount(fd, &mnt_id)) < 0)
		return say(why, whylen, r, "cannot tell where the object's fd is (fdinfo)");
	if (obj_mount_refused(mnt_id))
		return say(why, whylen, -EINVAL, "the object's fd is a file on "
			   "bpfpind's own mount, which it cannot read");
	if (obj_mount_fstype(mnt_id, type, sizeof(type)) == 0 &&
	    (!strcmp(type, "fuse") || !strncmp(type, "fuse.", 5) ||
	     !strcmp(type, "fuseblk")))
		return say(why, whylen, -EINVAL, "the object's fd is a file on a "
			   "FUSE filesystem, which bpfpind does not read (copy it "
			   "to a local file or a memfd)");
	return 0;
}

int obj_file_check(int fd, uint64_t max, uint64_t *size, char *why,
		   size_t whylen)
{
	struct statx stx;
	char msg[128];
	int fl, r;

	if ((r = check_link(fd, why, whylen)) < 0 ||
	    (r = check_mount(fd, why, whylen)) < 0)
		return r;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY)
		return say(why, whylen, -EBADF, "the object's fd is not open for reading");
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_SIZE,
		  &stx) < 0)
		return say(why, whylen, -errno, "cannot tell what the object's fd is (statx)");
	if (!S_ISREG(stx.stx_mode))
		return say(why, whylen, -EINVAL, "the object's fd is not a regular file");
	if (stx.stx_size > max) {
		snprintf(msg, sizeof(msg), "the object file is %llu bytes, more "
			 "than the %llu a load reads", (unsigned long long)stx.stx_size,
			 (unsigned long long)max);
		return say(why, whylen, -EFBIG, msg);
	}
	*size = stx.stx_size;
	return 0;
}

/* Room for more: double the buffer, up to one byte past max (a file
 * that reaches it is too big). */
static int grow(char **b, size_t *cap, uint64_t max)
{
	size_t ncap = *cap * 2 > max + 1 ? (size_t)max + 1 : *cap * 2;
	char *nb = realloc(*b, ncap);

	if (!nb)
		return -ENOMEM;
	*b = nb;
	*cap = ncap;
	return 0;
}

int obj_file_read(int fd, uint64_t max, void **buf, size_t *len, char *why,
		  size_t whylen)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	ssize_t got;
	int r = b ? 0 : -ENOMEM;

	while (r == 0) {
		if (n == cap && (r = grow(&b, &cap, max)) < 0)
			break;
		got = pread(fd, b + n, cap - n, (off_t)n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? -errno : 0;
			break;
		}
		n += (size_t)got;
		if (n > max)
			r = -EFBIG;
	}
	if (r < 0) {
		free(b);
		return say(why, whylen, r, r == -EFBIG ? "the object file grew "
			   "past the size a load reads" : r == -ENOMEM ?
			   "out of memory reading the object file" :
			   "cannot read the object file");
	}
	*buf = b;
	*len = n;
	return 0;
}
