/* fs/store.h: the private bpffs that mirrors the namespace one to one and
 * holds its BPF objects across a crash of the daemon. Thin wrappers of the
 * kernel operations on exact store paths (a symlink of the store is never
 * followed by the kernel: the namespace resolves its own symlinks), and the
 * walk that rebuilds the tree at start. All return 0 or -errno. */
#ifndef BPFPIN_FS_STORE_H
#define BPFPIN_FS_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct store {
	char root[PATH_MAX];        /* the namespace's root: mount/ns */
	size_t rootlen;
	char meta[PATH_MAX];        /* the side log, next to the mount */
};

/* Create dir (mode 0700 for missing components) and mount a bpffs there
 * unless one already is (then it is reused: it outlived a crash); the
 * namespace's root is dir/ns. *fresh tells whether that root is new. */
int store_open(struct store *s, const char *dir, bool *fresh);

int store_pin(const char *path, int fd);
/* accmode O_RDONLY/O_WRONLY/O_RDWR; returns the new fd or -errno. */
int store_get(const char *path, int accmode);
int store_mkdir(const char *path, mode_t mode);
int store_rmdir(const char *path);
int store_unlink(const char *path);
int store_rename(const char *from, const char *to, unsigned flags);
int store_link(const char *from, const char *to);
int store_symlink(const char *target, const char *path);
int store_chmod(const char *path, mode_t mode);
int store_chown(const char *path, uid_t uid, gid_t gid);
int store_utimens(const char *path, const struct timespec ts[2]);
int store_lstat(const char *path, struct stat *st);

/* One entry met by store_walk. parent is what the callback gave back for
 * the directory holding it (the root argument for the top). */
struct store_entry {
	void *parent;
	const char *name;
	const char *path;
	const struct stat *st;
	const char *target;         /* symlinks: their target */
};
/* Returns 0 to go on, or -errno to stop the walk. For a directory, *dir
 * receives what its entries will see as parent. */
typedef int (*store_walk_fn)(void *arg, const struct store_entry *e,
			     void **dir);
int store_walk(const struct store *s, void *root, store_walk_fn fn,
	       void *arg);

#endif
