/* fs/store_fd_int.h: the insides of the fd store (--store=fdstore), shared
 * by fs/store_fd.c (the store.h API and systemd's fd store), store_fd_mem.c
 * (the tree held in memory) and store_fd_log.c (the state file: a snapshot
 * and its journal). See doc/fdstore.md. */
#ifndef BPFPIN_FS_STORE_FD_INT_H
#define BPFPIN_FS_STORE_FD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/store.h"
#include "fs/u64map.h"

/* A kernel object some pins name (fs/store_fd_obj.c). */
struct fdo {
	uint64_t num;               /* FDNAME obj-<num>, recorded */
	uint32_t kind, id;          /* obj_kind, kernel id */
	int fd;                     /* the store's own, or -1 (not back) */
	int acc;                    /* its access mode (O_RDONLY...) */
	uint64_t refs;              /* pin inodes naming it */
};

/* An inode: a directory, a pin or a symlink. */
struct fdn {
	struct fdn *inext;          /* ino table chain */
	uint64_t ino;               /* stable: recorded; FDNAME obj-<ino> */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime, ctime;
	uint32_t nlink;             /* names (dirs: 2 + subdirectories) */
	struct fdo *obj;            /* a pin's object (a reference) */
	char *target;               /* a symlink's */
	struct fdd *kids;           /* a directory's names, newest first */
	struct fdd *up;             /* a directory's own (only) name */
	uint64_t mark;              /* the snapshot that wrote it (hard links) */
};

/* A name of an inode in a directory. */
struct fdd {
	struct fdd *hnext;          /* (parent, name) hash chain */
	struct fdd *next, *prev;    /* siblings */
	struct fdn *parent, *node;
	uint32_t hash;
	char name[];
};

struct store_fd {
	const struct store_fd_ops *ops;
	struct fdn *root;
	struct fdd **htab;
	size_t hmask, hcount;
	struct fdn **itab;
	size_t imask, icount;
	uint64_t next_ino;
	struct u64map onum, oid;    /* objects (struct fdo *) by number, by
	                             * kind << 32 | id */
	uint64_t next_obj;
	unsigned objects;           /* objects holding an fd (ops->max) */
	bool full_logged;           /* "fd store full" said since last room */
	bool replaying;             /* loading: no fd, no notification */
	int jfd;                    /* the journal, O_APPEND, or -1 */
	uint64_t gen;               /* snapshot generation the journal extends */
	uint64_t jrecs;             /* records in the journal */
	char state[PATH_MAX];       /* STATE/fdstore.state */
	char journal[PATH_MAX];     /* STATE/fdstore.journal */
	char boot_id[40];
};

/* store_fd_mem.c: the tree. Paths are relative to the root ("" is the
 * root, "a/b"), exact (no symlink followed, no "." or ".."). Each change
 * is checked (and what it needs allocated) before anything moves, so
 * that the journal is written between the check and the change, which
 * then cannot fail. */
int fdm_init(struct store_fd *f, uid_t uid, gid_t gid);
void fdm_fini(struct store_fd *f);
struct fdn *fdm_find_ino(const struct store_fd *f, uint64_t ino);
/* -ENOENT, -ENOTDIR, -ENAMETOOLONG, or 0 with *d (NULL for the root). */
int fdm_lookup(const struct store_fd *f, const char *path, struct fdd **d);
struct fdn *fdm_node(const struct store_fd *f, const char *path);
/* The parent directory of path and its last name. */
int fdm_parent(const struct store_fd *f, const char *path, struct fdn **dir,
	       const char **name);
void fdm_stat(const struct fdn *n, struct stat *st);
/* A new inode (not yet named); ino 0: the next free one. */
struct fdn *fdm_new(struct store_fd *f, uint64_t ino, mode_t mode);
void fdm_free(struct store_fd *f, struct fdn *n);
/* Name n at path: checked (-EEXIST...) and allocated by fdm_name_check,
 * linked in by fdm_name_add. */
int fdm_name_check(struct store_fd *f, const char *path, struct fdn **dir,
		   struct fdd **d);
void fdm_name_add(struct store_fd *f, struct fdn *dir, struct fdd *d,
		  struct fdn *n, const struct timespec *now);
/* Drop the name d; returns its node when that was its last name (the
 * caller frees it, after letting go of its object). */
struct fdn *fdm_name_del(struct store_fd *f, struct fdd *d,
			 const struct timespec *now);
int fdm_unlink_check(const struct store_fd *f, const char *path, bool dir,
		     struct fdd **d);
struct fdm_rename {
	struct fdd *od, *nd;        /* source, target (NULL: none) */
	struct fdn *todir;
	struct fdd *moved;          /* the source's new name (not exchange) */
	unsigned flags;
};
int fdm_rename_check(struct store_fd *f, const char *from, const char *to,
		     unsigned flags, struct fdm_rename *rn);
/* Returns a node that lost its last name (a replaced target), or NULL. */
struct fdn *fdm_rename_apply(struct store_fd *f, struct fdm_rename *rn,
			     const struct timespec *now);
void fdm_attr_apply(struct fdn *n, const struct store_attr *a,
		    const struct timespec *now);
/* Depth first, parents before children; a node with several names is
 * met under each. fn returns 0 to go on. path is relative. */
typedef int (*fdm_walk_fn)(void *arg, struct fdd *d, const char *path,
			   void **dir, void *parent);
int fdm_walk(const struct store_fd *f, void *root, fdm_walk_fn fn, void *arg);

/* store_fd_obj.c: objects. fdo_new: num 0 takes the next number; NULL
 * when taken (by number or by object) or out of memory. fdo_unref: a pin
 * inode let go; the last one closes the fd (and with notify sends
 * FDSTOREREMOVE). */
int fdo_init(struct store_fd *f);
void fdo_fini(struct store_fd *f);
struct fdo *fdo_by_num(const struct store_fd *f, uint64_t num);
struct fdo *fdo_by_id(const struct store_fd *f, uint32_t kind, uint32_t id);
struct fdo *fdo_new(struct store_fd *f, uint64_t num, uint32_t kind,
		    uint32_t id);
void fdo_unref(struct store_fd *f, struct fdo *o, bool notify);

/* store_fd_log.c: the state file (its format: there). */
#define FDL_VERSION 1
#define FDL_FILE_MAX (256u << 20)   /* bytes read back of either file */
#define FDL_REC_MAX (2 * PATH_MAX + 512)
uint32_t fdl_sum(const char *p, size_t len);
/* store_fd_load.c: reads the snapshot and replays the journal into f
 * (fresh from fdm_init); a state of another boot is left out, as are a
 * torn tail and records that do not apply (each logged). *fresh: no
 * state was there. */
int fdl_load(struct store_fd *f, bool *fresh);
/* A new snapshot of f and an empty journal after it, each written whole
 * (write, fsync, rename, fsync of the directory). */
int fdl_compact(struct store_fd *f);
/* Journal records (fsync'd before they return 0). now: the change's
 * time, replayed as is. */
int fdl_create(struct store_fd *f, const char *path, const struct fdn *n);
int fdl_attr(struct store_fd *f, const char *path, const struct store_attr *a,
	     const struct timespec *now);
int fdl_remove(struct store_fd *f, const char *path, bool dir,
	       const struct timespec *now);
int fdl_rename(struct store_fd *f, const char *from, const char *to,
	       unsigned flags, const struct timespec *now);
int fdl_link(struct store_fd *f, uint64_t ino, const char *to,
	     const struct timespec *now);
/* After a change: a new snapshot once the journal outgrew the tree. */
void fdl_maybe_compact(struct store_fd *f);

/* store_fd_open.c: paths, the state read back, the objects taken back
 * from the manager and matched to it, a new snapshot. */
int fds_open(struct store *s, const char *dir, bool *fresh);

/* store_fd.c: a line for the daemon's log. */
void fds_log(const struct store_fd *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* FDSTOREREMOVE=1 of name (failures logged). */
void fds_remove(const struct store_fd *f, const char *name);
/* The name object number num has in systemd's fd store. */
void fds_fdname(uint64_t num, char *buf, size_t size);

#endif
