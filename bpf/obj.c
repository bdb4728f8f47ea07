/* bpf/obj.c: what a file descriptor is. The kernel names the anonymous
 * inode behind every BPF object fd (/proc/self/fd/N reads
 * "anon_inode:bpf-map" and the like), so one readlink tells a map, program
 * or link from anything else. The failure path names the rest from fdinfo,
 * mountinfo and a statx that asks no filesystem: a client's fd may be on a
 * FUSE mount that never answers, or on our own. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/obj.h"
#include "bpf/obj_int.h"

#define ANON_PREFIX "anon_inode:"

/* The names the kernel gives BPF object files. A link is "bpf_link" when
 * created and "bpf-link" when reopened by id or from a pin. */
static const struct {
	const char *name;
	enum obj_kind kind;
} bpf_anon[] = {
	{ "bpf-map", OBJ_MAP },
	{ "bpf-prog", OBJ_PROG },
	{ "bpf_link", OBJ_LINK },
	{ "bpf-link", OBJ_LINK },
};

#define NOT_BPF ", not a BPF object"

static int refused_mnt = -1;    /* obj_refuse_mount */
static int proc_fd_dir = -1;    /* obj_keep_proc_fd */
#define NO_PIN ", which cannot be pinned here"

/* Other anonymous inodes a client might send by mistake, in words. */
static const struct {
	const char *name;
	const char *what, *tail;
} other_anon[] = {
	{ "btf", "a BTF object", NO_PIN },
	{ "bpf_iter", "a BPF iterator", NO_PIN },
	{ "[eventfd]", "an eventfd", NOT_BPF },
	{ "[eventpoll]", "an epoll instance", NOT_BPF },
	{ "[timerfd]", "a timerfd", NOT_BPF },
	{ "[signalfd]", "a signalfd", NOT_BPF },
	{ "[pidfd]", "a pidfd", NOT_BPF },
	{ "[perf_event]", "a perf event", NOT_BPF },
	{ "[io_uring]", "an io_uring instance", NOT_BPF },
	{ "[userfaultfd]", "a userfaultfd", NOT_BPF },
	{ "inotify", "an inotify instance", NOT_BPF },
	{ "[fanotify]", "a fanotify instance", NOT_BPF },
};

const char *obj_kind_name(enum obj_kind kind)
{
	switch (kind) {
	case OBJ_MAP:
		return "map";
	case OBJ_PROG:
		return "prog";
	case OBJ_LINK:
		return "link";
	default:
		return "none";
	}
}

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int not_bpf(char *why, size_t whylen, const char *what)
{
	say(why, whylen, "fd is %s" NOT_BPF, what);
	return -EINVAL;
}

/* An anonymous inode that is not a map, program or link. */
static int other_anon_inode(const char *link, char *why, size_t whylen)
{
	const char *name = link + strlen(ANON_PREFIX);
	size_t i;

	for (i = 0; i < sizeof(other_anon) / sizeof(other_anon[0]); i++) {
		if (strcmp(name, other_anon[i].name))
			continue;
		say(why, whylen, "fd is %s%s", other_anon[i].what,
		    other_anon[i].tail);
		return -EINVAL;
	}
	say(why, whylen, "fd is an anonymous inode (%s)" NOT_BPF, link);
	return -EINVAL;
}

/* What /proc/self/fdinfo/N says of fd: its mount. The kernel writes it
 * from the open file itself, asking no filesystem. */
int obj_fd_mount(int fd, int *mnt_id)
{
	char path[40], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (!(f = fopen(path, "re")))
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, "mnt_id:");
	if (!p)
		return -ENOENT;
	*mnt_id = atoi(p + 7);
	return 0;
}

static const char *mode_word(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFSOCK:
		return "a socket";
	case S_IFIFO:
		return "a pipe (fifo)";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "a file of unknown type";
}

/* The file type from the inode the kernel has in memory: with
 * AT_STATX_DONT_SYNC a FUSE (or network) filesystem is not asked. */
static int cached_mode(int fd, mode_t *mode)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC | AT_SYMLINK_NOFOLLOW,
		  STATX_TYPE, &stx) < 0)
		return -errno;
	*mode = stx.stx_mode;
	return 0;
}

/* A file with a path. On a bpffs it is a pin opened with open(2) or
 * O_PATH, which is not the object (that takes BPF_OBJ_GET). */
static int path_file(int fd, int mnt_id, char *why, size_t whylen)
{
	char type[64];
	mode_t mode = 0;
	int r;

	if ((r = cached_mode(fd, &mode)) < 0) {
		say(why, whylen, "cannot tell what fd %d is: statx: %s", fd,
		    strerror(-r));
		return r;
	}
	if (obj_mount_fstype(mnt_id, type, sizeof(type)) == 0 &&
	    !strcmp(type, "bpf")) {
		say(why, whylen, "fd is a file on a bpffs, not a BPF object "
		    "(open pins with BPF_OBJ_GET)");
		return -EINVAL;
	}
	return not_bpf(why, whylen, mode_word(mode));
}

/* Anything but a BPF object; link is what /proc/self/fd said of it. */
static int not_bpf_object(int fd, const char *link, char *why, size_t whylen)
{
	int mnt_id = -1, r;

	if ((r = obj_fd_mount(fd, &mnt_id)) < 0) {
		say(why, whylen, "cannot tell what fd %d is: fdinfo: %s", fd,
		    strerror(-r));
		return r;
	}
	if (refused_mnt >= 0 && mnt_id == refused_mnt) {
		say(why, whylen, "fd is a file on bpfpind's own mount, not a "
		    "BPF object (open pins with the get op)");
		return -EINVAL;
	}
	if (!strncmp(link, ANON_PREFIX, strlen(ANON_PREFIX)))
		return other_anon_inode(link, why, whylen);
	if (!strncmp(link, "pipe:", 5))
		return not_bpf(why, whylen, "a pipe (fifo)");
	if (!strncmp(link, "socket:", 7))
		return not_bpf(why, whylen, "a socket");
	if (link[0] != '/') {
		say(why, whylen, "fd is a special file (%s)" NOT_BPF, link);
		return -EINVAL;
	}
	return path_file(fd, mnt_id, why, whylen);
}

void obj_refuse_mount(int mnt_id)
{
	refused_mnt = mnt_id;
}

bool obj_mount_refused(int mnt_id)
{
	return refused_mnt >= 0 && mnt_id == refused_mnt;
}

int obj_keep_proc_fd(void)
{
	if (proc_fd_dir < 0)
		proc_fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return proc_fd_dir < 0 ? -errno : 0;
}

/* What /proc/self/fd/N links to; readlink's return. */
static ssize_t fd_link(int fd, char *buf, size_t size)
{
	char path[32];

	if (proc_fd_dir >= 0) {
		snprintf(path, sizeof(path), "%d", fd);
		return readlinkat(proc_fd_dir, path, buf, size);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return readlink(path, buf, size);
}

int obj_fd_fstype(int fd, char *type, size_t size, char *why, size_t whylen)
{
	int mnt_id = -1, r = obj_fd_mount(fd, &mnt_id);

	if (r < 0) {
		say(why, whylen, "cannot tell what fd %d is: fdinfo: %s", fd,
		    strerror(-r));
		return r == -ENOENT ? -EBADF : r;
	}
	if (refused_mnt >= 0 && mnt_id == refused_mnt) {
		say(why, whylen, "fd is a file on bpfpind's own mount");
		return -EINVAL;
	}
	if (obj_mount_fstype(mnt_id, type, size) < 0)
		snprintf(type, size, "?");
	return 0;
}

static enum obj_kind anon_kind(const char *link)
{
	const char *name = link + strlen(ANON_PREFIX);
	size_t i;

	if (strncmp(link, ANON_PREFIX, strlen(ANON_PREFIX)))
		return OBJ_NONE;
	for (i = 0; i < sizeof(bpf_anon) / sizeof(bpf_anon[0]); i++)
		if (!strcmp(name, bpf_anon[i].name))
			return bpf_anon[i].kind;
	return OBJ_NONE;
}

/* One BPF_OBJ_GET_INFO_BY_FD; the info structs differ by kind. */
static int fill_ident(int fd, struct obj_ident *out, char *why,
		      size_t whylen)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		int err = errno;

		say(why, whylen, "cannot read the BPF %s's info: %s",
		    obj_kind_name(out->kind), strerror(err));
		return -err;
	}
	out->name[0] = '\0';
	if (out->kind == OBJ_MAP) {
		out->id = info.map.id;
		out->type = info.map.type;
		snprintf(out->name, sizeof(out->name), "%s", info.map.name);
	} else if (out->kind == OBJ_PROG) {
		out->id = info.prog.id;
		out->type = info.prog.type;
		snprintf(out->name, sizeof(out->name), "%s", info.prog.name);
	} else {
		out->id = info.link.id;
		out->type = info.link.type;
	}
	return 0;
}

int obj_identify(int fd, struct obj_ident *out, char *why, size_t whylen)
{
	char link[256];
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (fd < 0) {
		say(why, whylen, "fd is not an open file descriptor");
		return -EBADF;
	}
	n = fd_link(fd, link, sizeof(link) - 1);
	if (n < 0) {
		int err = errno;

		if (err == ENOENT) {
			say(why, whylen, "fd is not an open file descriptor");
			return -EBADF;
		}
		say(why, whylen, "cannot tell what fd %d is: /proc/self/fd: %s",
		    fd, strerror(err));
		return -err;
	}
	link[n] = '\0';
	out->kind = anon_kind(link);
	if (out->kind != OBJ_NONE) {
		int r = fill_ident(fd, out, why, whylen);

		if (r < 0)
			memset(out, 0, sizeof(*out));
		return r;
	}
	return not_bpf_object(fd, link, why, whylen);
}
