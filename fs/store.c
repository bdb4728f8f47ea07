/* fs/store.c: the private bpffs mirror of the namespace: mounting it, the
 * kernel operations the namespace applies to it before changing its tree
 * (those of one step; fs/store_stage.c makes the others whole), and the
 * walk that rebuilds the tree from it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fs/store.h"
#include "fs/store_fd.h"

static int neg_errno(int r)
{
	return r < 0 ? -errno : r;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

/* The side log lives next to the mount, in the private state dir. */
static int set_meta_path(struct store *s, const char *mnt)
{
	const char *slash = strrchr(mnt, '/');
	size_t dirlen = slash ? (size_t)(slash - mnt) : 0;
	int n = snprintf(s->meta, sizeof(s->meta), "%.*s/meta.log",
			 (int)dirlen, mnt);

	return n < 0 || (size_t)n >= sizeof(s->meta) ? -ENAMETOOLONG : 0;
}

static int mount_bpffs(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return -errno;
	if (sf.f_type == BPF_FS_MAGIC)
		return 0;
	return neg_errno(mount("bpffs", dir, "bpf",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"));
}

/* What the kernel gives the nodes the daemon makes (store_create foresees
 * it), and the test hook, read once. Nothing else runs yet: the umask is
 * read by setting it back at once. */
static void self_init(struct store *s)
{
	const char *crash = getenv("BPFPIND_CRASH_AT");

	s->uid = geteuid();
	s->gid = getegid();
	s->umask = umask(022);
	umask(s->umask);
	snprintf(s->crash_at, sizeof(s->crash_at), "%s", crash ? crash : "");
}

static int set_path(char *buf, const char *mnt, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", mnt, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : n;
}

/* The namespace's root is a directory of the mount, not the mount's own
 * root, where the kernel may preload entries of its own (maps.debug and
 * progs.debug); the stage is its sibling, outside the namespace. */
int store_open(struct store *s, const char *dir, bool *fresh)
{
	char mnt[PATH_MAX];
	int r;

	if (store_fd_wanted())
		return store_fd_open(s, dir, fresh);
	s->kind = STORE_BPFFS;
	if ((r = mkdir_p(dir)) < 0)
		return r;
	if (!realpath(dir, mnt))
		return -errno;
	if ((r = set_meta_path(s, mnt)) < 0 || (r = mount_bpffs(mnt)) < 0)
		return r;
	if ((r = set_path(s->stage, mnt, "stage")) < 0 ||
	    (r = set_path(s->root, mnt, "ns")) < 0)
		return r;
	s->rootlen = (size_t)r;
	s->staged = 0;
	self_init(s);
	r = store_stage_recover(s);
	return r < 0 ? r : store_stage_root(s, fresh);
}

void store_close(struct store *s)
{
	if (s->kind == STORE_FDSTORE)
		store_fd_close(s);
}

void store_crash_point(const struct store *s, const char *point)
{
	if (s && s->crash_at[0] && !strcmp(s->crash_at, point))
		raise(SIGKILL);
}

int store_get(const char *path, int accmode)
{
	static const unsigned flags[] = {
		[O_RDONLY] = BPF_F_RDONLY, [O_WRONLY] = BPF_F_WRONLY,
		[O_RDWR] = 0,
	};
	LIBBPF_OPTS(bpf_obj_get_opts, opts);

	if (accmode < 0 || accmode > O_RDWR)
		return -EINVAL;
	if (store_fd_owns(path))
		return store_fd_get(path, accmode);
	opts.file_flags = flags[accmode];
	return neg_errno(bpf_obj_get_opts(path, &opts));
}

int store_rmdir(const char *path)
{
	if (store_fd_owns(path))
		return store_fd_remove(path, true);
	return neg_errno(rmdir(path));
}

int store_unlink(const char *path)
{
	if (store_fd_owns(path))
		return store_fd_remove(path, false);
	return neg_errno(unlink(path));
}

int store_rename(const char *from, const char *to, unsigned flags)
{
	if (store_fd_owns(from))
		return store_fd_rename(from, to, flags);
	return neg_errno(renameat2(AT_FDCWD, from, AT_FDCWD, to, flags));
}

int store_link(const char *from, const char *to)
{
	if (store_fd_owns(from))
		return store_fd_link(from, to);
	return neg_errno(linkat(AT_FDCWD, from, AT_FDCWD, to, 0));
}

int store_lstat(const char *path, struct stat *st)
{
	if (store_fd_owns(path))
		return store_fd_lstat(path, st);
	return neg_errno(fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}

struct walk {
	store_walk_fn fn;
	void *arg;
	char path[PATH_MAX];
	char target[PATH_MAX];
};

static int walk_dir(struct walk *w, int dfd, size_t plen, void *parent);

static int walk_entry(struct walk *w, int dfd, size_t plen, const char *name,
		      void *parent)
{
	size_t nlen = strlen(name);
	struct stat st;
	struct store_entry e = { .parent = parent, .name = name,
				 .path = w->path, .st = &st };
	void *sub = NULL;
	int r;

	if (plen + 1 + nlen >= sizeof(w->path))
		return -ENAMETOOLONG;
	w->path[plen] = '/';
	memcpy(w->path + plen + 1, name, nlen + 1);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(dfd, name, w->target,
				       sizeof(w->target) - 1);

		if (n < 0)
			return -errno;
		w->target[n] = '\0';
		e.target = w->target;
	}
	r = w->fn(w->arg, &e, &sub);
	if (r == 0 && S_ISDIR(st.st_mode))
		r = walk_dir(w, openat(dfd, name, O_RDONLY | O_DIRECTORY |
				       O_NOFOLLOW | O_CLOEXEC),
			     plen + 1 + nlen, sub);
	w->path[plen] = '\0';
	return r;
}

/* Consumes dfd. */
static int walk_dir(struct walk *w, int dfd, size_t plen, void *parent)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = walk_entry(w, dirfd(d), plen, de->d_name, parent);
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

int store_walk(const struct store *s, void *root, store_walk_fn fn,
	       void *arg)
{
	struct walk *w;
	int r;

	if (s->kind == STORE_FDSTORE)
		return store_fd_walk(s, root, fn, arg);
	if (!(w = malloc(sizeof(*w))))
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;
	memcpy(w->path, s->root, s->rootlen + 1);
	r = walk_dir(w, open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
		     s->rootlen, root);
	free(w);
	return r;
}
