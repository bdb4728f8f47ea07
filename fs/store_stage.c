/* fs/store_stage.c: changes to the store made whole or not at all, so that
 * a SIGKILL at any instant never leaves a node nobody asked for. A node the
 * kernel would not make right by itself is made complete under a private
 * staging name (mount/stage, beside the namespace's root) and renamed into
 * place; a change of several attributes is bracketed by an undo record.
 * store_stage_recover() puts back or throws away what a crash left. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fs/store.h"
#include "fs/store_fd.h"

#define UNDO_NAME "undo"

static int neg_errno(int r)
{
	return r < 0 ? -errno : r;
}

static int stage_path(const struct store *s, const char *name, char *buf)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", s->stage, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int make_node(const char *path, const struct store_new *nw)
{
	switch (nw->mode & S_IFMT) {
	case S_IFREG:
		return neg_errno(bpf_obj_pin(nw->fd, path));
	case S_IFDIR:
		return neg_errno(mkdir(path, nw->mode & 07777));
	case S_IFLNK:
		return neg_errno(symlink(nw->target, path));
	default:
		return -EINVAL;
	}
}

static void remove_node(const char *path, mode_t mode)
{
	if (S_ISDIR(mode))
		rmdir(path);
	else
		unlink(path);
}

/* inode_init_owner() and the umask: what the kernel gives a node the
 * daemon makes in a directory of mode pmode and group pgid. */
static void born_as(const struct store *s, const struct store_new *nw,
		    mode_t pmode, gid_t pgid, struct store_new *born)
{
	mode_t type = nw->mode & S_IFMT, perm;

	if (type == S_IFREG)
		perm = 0600 & ~s->umask;       /* bpf_obj_pin's mode */
	else if (type == S_IFLNK)
		perm = 0777;
	else
		perm = (nw->mode & 01777 & ~s->umask) | (pmode & S_ISGID);
	*born = *nw;
	born->mode = type | perm;
	born->uid = s->uid;
	born->gid = pmode & S_ISGID ? pgid : s->gid;
}

static bool same_node(const struct store_new *a, uid_t uid, gid_t gid,
		      mode_t mode)
{
	return a->uid == uid && a->gid == gid &&
	       (S_ISLNK(a->mode) || (a->mode & 07777) == (mode & 07777));
}

/* chown first: the kernel's chown takes set-user-ID away, chmod then
 * gives the mode wanted. Symlinks have no mode of their own. */
static int settle(const char *path, const struct store_new *nw,
		  const struct store_new *born)
{
	int r = 0;

	if (nw->uid != born->uid || nw->gid != born->gid)
		r = neg_errno(fchownat(AT_FDCWD, path, nw->uid, nw->gid,
				       AT_SYMLINK_NOFOLLOW));
	if (r == 0 && !S_ISLNK(nw->mode) &&
	    (nw->mode & 07777) != (born->mode & 07777))
		r = neg_errno(fchmodat(AT_FDCWD, path, nw->mode & 07777, 0));
	return r;
}

static const char *kind_name(mode_t mode)
{
	return S_ISDIR(mode) ? "mkdir" : S_ISLNK(mode) ? "symlink" : "pin";
}

static void crash_point2(const struct store *s, mode_t mode, const char *at)
{
	char point[32];

	snprintf(point, sizeof(point), "%s-%s", kind_name(mode), at);
	store_crash_point(s, point);
}

/* Made and settled under a fresh staging name, then put in place. */
static int create_staged(struct store *s, const char *path,
			 const struct store_new *nw)
{
	struct store_new born;
	char tmp[PATH_MAX], name[32];
	int r;

	snprintf(name, sizeof(name), "n%" PRIu64, ++s->staged);
	r = stage_path(s, name, tmp);
	if (r == 0)
		r = make_node(tmp, nw);
	if (r < 0)
		return r;
	born_as(s, nw, 0700, 0, &born);        /* stage: 0700, not setgid */
	r = settle(tmp, nw, &born);
	if (r == 0) {
		crash_point2(s, nw->mode, "staged");
		r = neg_errno(renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
					RENAME_NOREPLACE));
	}
	if (r < 0)
		remove_node(tmp, nw->mode);
	return r;
}

int store_create(struct store *s, const char *path,
		 const struct store_new *nw, mode_t pmode, gid_t pgid,
		 struct stat *st)
{
	struct store_new born;
	bool in_place;
	int r;

	if (s->kind == STORE_FDSTORE)
		return store_fd_create(s, path, nw, st);
	born_as(s, nw, pmode, pgid, &born);
	in_place = same_node(&born, nw->uid, nw->gid, nw->mode);
	r = in_place ? make_node(path, nw) : create_staged(s, path, nw);
	if (r < 0)
		return r;
	crash_point2(s, nw->mode, "placed");
	r = store_lstat(path, st);
	/* Made in place but not as foreseen (the umask changed?): again,
	 * the staged way. */
	if (r == 0 && in_place && !same_node(nw, st->st_uid, st->st_gid,
					     st->st_mode)) {
		remove_node(path, nw->mode);
		r = create_staged(s, path, nw);
		if (r == 0)
			r = store_lstat(path, st);
	}
	if (r < 0)
		remove_node(path, nw->mode);
	return r;
}

static int apply_attr(const struct store *s, const char *path,
		      const struct store_attr *a, bool partial_point)
{
	int r = 0;

	if (a->what & STORE_OWNER)
		r = neg_errno(fchownat(AT_FDCWD, path, a->uid, a->gid,
				       AT_SYMLINK_NOFOLLOW));
	if (partial_point && r == 0)
		store_crash_point(s, "attr-partial");
	if (r == 0 && (a->what & STORE_MODE))
		r = neg_errno(fchmodat(AT_FDCWD, path, a->mode & 07777, 0));
	if (r == 0 && (a->what & STORE_TIMES))
		r = neg_errno(utimensat(AT_FDCWD, path, a->ts,
					AT_SYMLINK_NOFOLLOW));
	return r;
}

/* The undo record is a symlink in the stage (bpffs holds no regular
 * files): its target is the inode's number and its attributes before. */
static int undo_write(const struct store *s, uint64_t ino,
		      const struct store_attr *old)
{
	char path[PATH_MAX], rec[160];

	snprintf(rec, sizeof(rec), "%" PRIu64 " %u %u %o %lld %ld %lld %ld",
		 ino, (unsigned)old->uid, (unsigned)old->gid,
		 (unsigned)(old->mode & 07777), (long long)old->ts[0].tv_sec,
		 old->ts[0].tv_nsec, (long long)old->ts[1].tv_sec,
		 old->ts[1].tv_nsec);
	if (stage_path(s, UNDO_NAME, path) < 0)
		return -ENAMETOOLONG;
	return neg_errno(symlink(rec, path));
}

static void undo_drop(const struct store *s)
{
	char path[PATH_MAX];

	if (stage_path(s, UNDO_NAME, path) == 0)
		unlink(path);
}

static int steps(unsigned what)
{
	return !!(what & STORE_OWNER) + !!(what & STORE_MODE) +
	       !!(what & STORE_TIMES);
}

int store_change(struct store *s, const char *path, uint64_t ino,
		 const struct store_attr *old, const struct store_attr *to)
{
	bool undo = steps(to->what) > 1;
	struct store_attr back = *old;
	int r;

	if (s->kind == STORE_FDSTORE)
		return store_fd_change(s, path, to);
	if ((r = undo ? undo_write(s, ino, old) : 0) < 0)
		return r;
	r = apply_attr(s, path, to, undo);
	if (!undo)
		return r;
	back.what = STORE_OWNER | STORE_MODE | STORE_TIMES;
	if (r < 0)
		apply_attr(s, path, &back, false);
	undo_drop(s);
	return r;
}

struct undo {
	uint64_t ino;
	struct store_attr old;
	bool done;
};

static int undo_parse(const char *rec, struct undo *u)
{
	unsigned uid, gid, mode;
	long long as, ms;
	long an, mn;

	if (sscanf(rec, "%" SCNu64 " %u %u %o %lld %ld %lld %ld", &u->ino,
		   &uid, &gid, &mode, &as, &an, &ms, &mn) != 8)
		return -EINVAL;
	u->old = (struct store_attr){
		.what = STORE_OWNER | STORE_MODE | STORE_TIMES,
		.uid = uid, .gid = gid, .mode = mode,
		.ts = { { .tv_sec = as, .tv_nsec = an },
			{ .tv_sec = ms, .tv_nsec = mn } },
	};
	return 0;
}

static int undo_match(void *arg, const struct store_entry *e, void **dir)
{
	struct undo *u = arg;

	*dir = NULL;
	if (u->done || e->st->st_ino != u->ino)
		return 0;
	u->done = true;
	return apply_attr(NULL, e->path, &u->old, false);
}

/* Puts back the attributes a crash caught half changed: the record names
 * the inode by number (names may not hold one), found by a walk. */
static int undo_recover(struct store *s)
{
	char path[PATH_MAX], rec[256];
	struct undo u = { 0 };
	struct stat st;
	ssize_t n;
	int r = stage_path(s, UNDO_NAME, path);

	if (r < 0)
		return r;
	n = readlink(path, rec, sizeof(rec) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	rec[n] = '\0';
	if (undo_parse(rec, &u) == 0 && store_lstat(s->root, &st) == 0) {
		if (st.st_ino == u.ino)
			r = apply_attr(NULL, s->root, &u.old, false);
		else
			r = store_walk(s, NULL, undo_match, &u);
	}
	return r < 0 ? r : neg_errno(unlink(path));
}

static int clear_dir(int dfd);

static int clear_sub(int dfd, const char *name)
{
	int r = clear_dir(openat(dfd, name, O_RDONLY | O_DIRECTORY |
				 O_NOFOLLOW | O_CLOEXEC));

	return r < 0 ? r : neg_errno(unlinkat(dfd, name, AT_REMOVEDIR));
}

/* Consumes dfd. Staged dirs are empty, but nothing here is trusted. */
static int clear_dir(int dfd)
{
	struct dirent *de;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	int r = 0;

	if (!d) {
		r = -errno;
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		r = errno == EISDIR ? clear_sub(dirfd(d), de->d_name) : -errno;
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

int store_stage_recover(struct store *s)
{
	int r;

	if (mkdir(s->stage, 0700) < 0 && errno != EEXIST)
		return -errno;
	r = undo_recover(s);
	if (r == 0)
		r = clear_dir(open(s->stage, O_RDONLY | O_DIRECTORY |
				   O_NOFOLLOW | O_CLOEXEC));
	return r;
}

/* A fresh root looks like a fresh /sys/fs/bpf: 01777, made so under a
 * staging name so that a crash never leaves it 0700. */
int store_stage_root(struct store *s, bool *fresh)
{
	const struct store_new nw = { .mode = S_IFDIR | 01777,
				      .uid = s->uid, .gid = s->gid };
	int r;

	*fresh = false;
	if (access(s->root, F_OK) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	r = create_staged(s, s->root, &nw);
	*fresh = r == 0;
	return r == -EEXIST ? 0 : r;
}
