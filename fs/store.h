/* fs/store.h: the private bpffs that mirrors the namespace one to one and
 * holds its BPF objects across a crash of the daemon (or, behind the same
 * functions, systemd's fd store and a state file: fs/store_fd.c, for
 * --store=fdstore; paths under its root go to it). The kernel operations
 * on exact store paths (a symlink of the store is never followed by the
 * kernel: the namespace resolves its own symlinks), each change made whole
 * or not at all (a staging dir beside the namespace's root, an undo record
 * for several attributes), and the walk that rebuilds the tree at start.
 * All return 0 or -errno. */
#ifndef BPFPIN_FS_STORE_H
#define BPFPIN_FS_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* A private bpffs (the default), or systemd's fd store and a state file
 * (fs/store_fd.c, doc/fdstore.md) where no bpffs can be mounted. */
enum store_kind { STORE_BPFFS = 0, STORE_FDSTORE };

struct store_fd;

struct store {
	enum store_kind kind;
	struct store_fd *fd;        /* STORE_FDSTORE: its insides */
	char root[PATH_MAX];        /* the namespace's root: mount/ns */
	size_t rootlen;
	char stage[PATH_MAX];       /* mount/stage: nodes being made, the
	                             * undo record; emptied at open */
	char meta[PATH_MAX];        /* the side log, next to the mount */
	uid_t uid;                  /* what the kernel gives the nodes the */
	gid_t gid;                  /* daemon makes: its own ids and umask */
	mode_t umask;
	uint64_t staged;            /* names handed out in stage */
	char crash_at[32];          /* test hook: $BPFPIND_CRASH_AT */
};

/* Create dir (mode 0700 for missing components) and mount a bpffs there
 * unless one already is (then it is reused: it outlived a crash); the
 * namespace's root is dir/ns. What a crash left half done is put back
 * (the undo record) or thrown away (the staging dir) before anything
 * reads the store. *fresh tells whether the root is new. */
int store_open(struct store *s, const char *dir, bool *fresh);

/* What an fd store needs of the service manager, given by daemon/ (fs/
 * does not talk to it). The fds stay the caller's. */
struct store_fd_ops {
	/* Send state ("FDSTORE=1\nFDNAME=...") with fd; 0 or -errno. */
	int (*send)(const char *state, int fd);
	/* Send state ("FDSTOREREMOVE=1\nFDNAME=..."); 0 or -errno. */
	int (*notify)(const char *state);
	/* Hand every fd passed at start whose name starts with prefix to fn,
	 * which consumes it. */
	int (*take)(const char *prefix,
		    int (*fn)(void *arg, const char *name, int fd), void *arg);
	/* A line for the log (what was dropped, refused, or failed). */
	void (*log)(const char *line);
	unsigned max;               /* objects sent at most (--fdstore-max) */
};
/* The next store_open opens an fd store over ops (which must outlive it)
 * in place of a bpffs: one per process. Its objects go to the service
 * manager's fd store, the rest to STATE/fdstore.{state,journal}. */
void store_use_fdstore(const struct store_fd_ops *ops);
/* Frees what the store holds in memory (an fd store: its tree and fds;
 * the service manager keeps the objects). */
void store_close(struct store *s);

/* A node to create, as it must be when it first shows under its name. */
struct store_new {
	mode_t mode;                /* S_IFREG (a pin), S_IFDIR, S_IFLNK | 07777 */
	uid_t uid;
	gid_t gid;
	int fd;                     /* a pin's object (not consumed) */
	const char *target;         /* a symlink's target */
};
/* Create nw at path whole or not at all. Where the kernel makes it right
 * by itself (the daemon's ids and umask; pmode and pgid, the parent's mode
 * and group, for the set-group-ID rule) that is one kernel operation in
 * place; else the node is made complete under a staging name and renamed
 * into place with RENAME_NOREPLACE. *st: the node as the store has it. */
int store_create(struct store *s, const char *path,
		 const struct store_new *nw, mode_t pmode, gid_t pgid,
		 struct stat *st);

/* Attributes of an inode: what a change sets (what says which), or what
 * it had before. uid/gid (uid_t)-1 and times UTIME_OMIT leave one as is. */
enum { STORE_OWNER = 1, STORE_MODE = 2, STORE_TIMES = 4 };
struct store_attr {
	unsigned what;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	struct timespec ts[2];      /* atime, mtime */
};
/* Apply to to path, whole or not at all: a change that takes more than
 * one kernel operation is bracketed by an undo record holding old (the
 * attributes of store inode ino now), which store_open puts back. */
int store_change(struct store *s, const char *path, uint64_t ino,
		 const struct store_attr *old, const struct store_attr *to);

/* accmode O_RDONLY/O_WRONLY/O_RDWR; returns the new fd or -errno. */
int store_get(const char *path, int accmode);
int store_rmdir(const char *path);
int store_unlink(const char *path);
int store_rename(const char *from, const char *to, unsigned flags);
int store_link(const char *from, const char *to);
int store_lstat(const char *path, struct stat *st);

/* store_stage.c, for store_open: put back the attributes a crash caught
 * half changed and empty the stage; make a missing root, whole. */
int store_stage_recover(struct store *s);
int store_stage_root(struct store *s, bool *fresh);

/* Test hook (tests/test_crash.c): the daemon dies by SIGKILL at the named
 * point when $BPFPIND_CRASH_AT names it. */
void store_crash_point(const struct store *s, const char *point);

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
