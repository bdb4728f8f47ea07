/* bpf/obj.c: what a file descriptor is. The kernel names the anonymous
 * inode behind every BPF object fd (/proc/self/fd/N reads
 * "anon_inode:bpf-map" and the like), so one readlink tells a map, program
 * or link from anything else; only the failure path pays for an fstat. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "bpf/obj.h"

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

/* A regular file is worth a second look: on a bpffs it is a pin opened
 * with open(2), which is not the object (that takes BPF_OBJ_GET). */
static int regular_file(int fd, const char *link, char *why, size_t whylen)
{
	struct statfs sfs;

	if (link[0] != '/') {
		say(why, whylen, "fd is a special file (%s)" NOT_BPF, link);
		return -EINVAL;
	}
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC) {
		say(why, whylen, "fd is a file on a bpffs, not a BPF object "
		    "(open pins with BPF_OBJ_GET)");
		return -EINVAL;
	}
	return not_bpf(why, whylen, "a regular file");
}

static const char *mode_word(mode_t mode)
{
	switch (mode & S_IFMT) {
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
	return NULL;
}

/* Anything but a BPF object, named from fstat's mode; link is what
 * /proc/self/fd said, or "" if it could not say (lerr: its errno). */
static int by_mode(int fd, const char *link, int lerr, char *why,
		   size_t whylen)
{
	struct stat st;
	const char *word;

	if (fstat(fd, &st) < 0) {
		int err = errno;

		if (err == EBADF)
			say(why, whylen, "fd is not an open file descriptor");
		else
			say(why, whylen, "cannot stat fd: %s", strerror(err));
		return -err;
	}
	if (S_ISREG(st.st_mode))
		return regular_file(fd, link, why, whylen);
	if ((word = mode_word(st.st_mode)))
		return not_bpf(why, whylen, word);
	if (!strncmp(link, ANON_PREFIX, strlen(ANON_PREFIX)))
		return other_anon_inode(link, why, whylen);
	if (!link[0]) {
		say(why, whylen, "cannot tell what fd %d is: /proc/self/fd: %s",
		    fd, strerror(lerr));
		return -lerr;
	}
	say(why, whylen, "fd is a file of unknown type (%s)" NOT_BPF, link);
	return -EINVAL;
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
	char path[32], link[256];
	ssize_t n;
	int lerr;

	memset(out, 0, sizeof(*out));
	if (fd < 0) {
		say(why, whylen, "fd is not an open file descriptor");
		return -EBADF;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	lerr = n < 0 ? errno : 0;
	link[n < 0 ? 0 : n] = '\0';
	out->kind = anon_kind(link);
	if (out->kind != OBJ_NONE) {
		int r = fill_ident(fd, out, why, whylen);

		if (r < 0)
			memset(out, 0, sizeof(*out));
		return r;
	}
	return by_mode(fd, link, lerr, why, whylen);
}
