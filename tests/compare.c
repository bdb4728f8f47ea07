/* tests/compare.c: the comparison engine of compare.h: each op once per
 * kind of backend (syscalls on a directory, or libbpfpin calls). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>

#include "tests/compare.h"

static const char *const op_names[] = {
	"pin", "get-ro", "get-wo", "get-rw", "mkdir", "rmdir", "unlink",
	"rename", "link", "symlink", "readlink", "chmod", "chown", "stat",
	"lstat", "create", "mkfifo",
};

struct cmp_backend cmp_kernel(const char *root, int map_fd)
{
	return (struct cmp_backend){ .name = "bpffs", .root = root, .map_fd = map_fd };
}

struct cmp_backend cmp_rpc(struct bpfpin *rpc, int map_fd)
{
	return (struct cmp_backend){ .name = "bpfpind", .rpc = rpc, .map_fd = map_fd };
}

struct cmp_backend cmp_mount(const char *root, struct bpfpin *rpc, int map_fd)
{
	return (struct cmp_backend){ .name = "mount", .root = root, .rpc = rpc,
				     .map_fd = map_fd };
}

static const char *full(const struct cmp_backend *be, const char *p, char *buf)
{
	snprintf(buf, PATH_MAX, "%s%s", be->root, p);
	return buf;
}

static int sys(int r)
{
	return r < 0 ? -errno : 0;
}

static int kernel_get(const char *path, int flags)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = flags);
	int fd = bpf_obj_get_opts(path, &o);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int rpc_get(struct bpfpin *b, const char *path, int acc)
{
	int fd = bpfpin_get(b, path, acc);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

static int get_step(const struct cmp_backend *be, const struct cmp_step *s, char *x)
{
	static const int acc[] = { O_RDONLY, O_WRONLY, O_RDWR };
	static const int flags[] = { BPF_F_RDONLY, BPF_F_WRONLY, 0 };
	int i = s->op - C_GET_RO;

	if (be->rpc)
		return rpc_get(be->rpc, s->a, acc[i]);
	return kernel_get(full(be, s->a, x), flags[i]);
}

static int pin_step(const struct cmp_backend *be, const struct cmp_step *s, char *x)
{
	if (be->rpc)
		return bpfpin_pin(be->rpc, be->map_fd, s->a, NULL);
	return sys(bpf_obj_pin(be->map_fd, full(be, s->a, x)));
}

/* Ops through syscalls on be->root (kernel bpffs or the FUSE mount). */
static int sys_step(const struct cmp_backend *be, const struct cmp_step *s,
		    char *x, char *y, struct stat *st)
{
	char buf[PATH_MAX];

	switch (s->op) {
	case C_MKDIR: return sys(mkdir(full(be, s->a, x), s->arg));
	case C_RMDIR: return sys(rmdir(full(be, s->a, x)));
	case C_UNLINK: return sys(unlink(full(be, s->a, x)));
	case C_RENAME: return sys(renameat2(AT_FDCWD, full(be, s->a, x), AT_FDCWD,
					    full(be, s->b, y), s->arg));
	case C_LINK: return sys(link(full(be, s->a, x), full(be, s->b, y)));
	case C_SYMLINK: return sys(symlink(s->a, full(be, s->b, y)));
	case C_READLINK: return sys(readlink(full(be, s->a, x), buf, sizeof(buf)));
	case C_CHMOD: return sys(chmod(full(be, s->a, x), s->arg));
	case C_CHOWN: return sys(chown(full(be, s->a, x), s->arg >> 16, s->arg & 0xffff));
	case C_STAT: return sys(stat(full(be, s->a, x), st));
	case C_LSTAT: return sys(lstat(full(be, s->a, x), st));
	case C_CREATE: {
		int fd = open(full(be, s->a, x), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
		return sys(fd);
	}
	case C_MKFIFO: return sys(mkfifo(full(be, s->a, x), 0644));
	default: return -ENOSYS;
	}
}

static void to_stat(const struct bpfpin_stat *b, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = b->mode;
	st->st_uid = b->uid;
	st->st_gid = b->gid;
	st->st_nlink = b->nlink;
	st->st_size = b->size;
}

/* Ops through libbpfpin. */
static int rpc_step(const struct cmp_backend *be, const struct cmp_step *s,
		    struct stat *st)
{
	struct bpfpin *b = be->rpc;
	struct bpfpin_stat bs;
	char buf[PATH_MAX];
	int r;

	switch (s->op) {
	case C_MKDIR: return bpfpin_mkdir(b, s->a, s->arg);
	case C_RMDIR: return bpfpin_rmdir(b, s->a);
	case C_UNLINK: return bpfpin_unlink(b, s->a);
	case C_RENAME: return bpfpin_rename(b, s->a, s->b, s->arg);
	case C_LINK: return bpfpin_link(b, s->a, s->b);
	case C_SYMLINK: return bpfpin_symlink(b, s->a, s->b);
	case C_READLINK: r = bpfpin_readlink(b, s->a, buf, sizeof(buf));
		return r < 0 ? r : 0;
	case C_CHMOD: return bpfpin_chmod(b, s->a, s->arg);
	case C_CHOWN: return bpfpin_chown(b, s->a, s->arg >> 16, s->arg & 0xffff);
	case C_STAT:
	case C_LSTAT:
		r = s->op == C_STAT ? bpfpin_stat(b, s->a, &bs) : bpfpin_lstat(b, s->a, &bs);
		if (r == 0)
			to_stat(&bs, st);
		return r;
	default: return -ENOSYS;
	}
}

static int run(const struct cmp_backend *be, const struct cmp_step *s, struct stat *st)
{
	char x[PATH_MAX], y[PATH_MAX];

	if (s->op == C_PIN)
		return pin_step(be, s, x);
	if (s->op >= C_GET_RO && s->op <= C_GET_RW)
		return get_step(be, s, x);
	if (be->root)
		return sys_step(be, s, x, y, st);
	return rpc_step(be, s, st);
}

int cmp_run(const struct cmp_backend *be, const struct cmp_step *s)
{
	struct stat st;

	return run(be, s, &st);
}

static size_t describe(char *out, size_t size, size_t i, const struct cmp_step *s)
{
	return snprintf(out, size, "step %zu %s %s%s%s: ", i, op_names[s->op],
			s->a ? s->a : "", s->b ? " " : "", s->b ? s->b : "");
}

int cmp_sequence(const struct cmp_backend *x, const struct cmp_backend *y,
		 const struct cmp_step *steps, size_t n, char *report, size_t size)
{
	int diffs = 0;
	size_t len = 0;

	report[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		struct stat sx, sy;
		int rx = run(x, &steps[i], &sx), ry = run(y, &steps[i], &sy);
		bool stat_op = steps[i].op == C_STAT || steps[i].op == C_LSTAT;

		if (rx == ry && (!stat_op || rx < 0 ||
				 (sx.st_mode == sy.st_mode && sx.st_uid == sy.st_uid &&
				  sx.st_gid == sy.st_gid && sx.st_nlink == sy.st_nlink)))
			continue;
		diffs++;
		len += describe(report + len, size - len, i, &steps[i]);
		if (len < size)
			len += snprintf(report + len, size - len,
					"%s %s (mode %o uid %u nlink %u), %s %s (mode %o uid %u nlink %u)\n",
					x->name, rx ? strerrorname_np(-rx) : "ok",
					rx ? 0 : sx.st_mode, rx ? 0 : sx.st_uid, rx ? 0 : (unsigned)sx.st_nlink,
					y->name, ry ? strerrorname_np(-ry) : "ok",
					ry ? 0 : sy.st_mode, ry ? 0 : sy.st_uid, ry ? 0 : (unsigned)sy.st_nlink);
	}
	return diffs;
}
