/* fs/fuse_int.h: what the files of the FUSE face share: the session state,
 * the worker pool that runs long reads off the loop, conversions from
 * fs/ns.h's types to FUSE's, and the handlers the ops table binds. */
#ifndef BPFPIN_FS_FUSE_INT_H
#define BPFPIN_FS_FUSE_INT_H

#define FUSE_USE_VERSION 314

#include <stdbool.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <fuse_lowlevel.h>

#include "fs/fuse.h"
#include "fs/ns.h"
#include "lib/worker.h"

struct event;
struct event_base;

/* How long the kernel may trust a name or attributes without asking again:
 * a change made over the RPC shows on the mount within this delay. The loop
 * thread never sends invalidations (that can deadlock against requests it
 * is serving), so this bound is the whole coherence story. */
#define FSX_ENTRY_TIMEOUT 1.0
#define FSX_ATTR_TIMEOUT 1.0

/* Work that must not run on the loop (dumps of big maps) goes to a pool
 * of lib/worker.h: run() on a worker thread, then done() back on the loop
 * thread, which alone replies and touches ns. */
#define FSX_NWORKERS 2          /* two dumps at once; more would only
                                 * compete for the 2 cores */

/* A document read through an open pin: fixed at open (one consistent
 * JSON document per reader), spooled to an unlinked file in the state dir
 * and read while it is being written (fuse_file.c), freed at release once
 * written. Each costs the daemon an fd and its size in disk space (page
 * cache the kernel can reclaim): readers get ENFILE past this many. */
#define FSX_SNAPS_MAX 1024
struct fsx_snap;
struct fsx_read;

struct fsx {
	struct ns *ns;
	struct fuse_session *se;
	struct event *ev;
	struct fuse_buf buf;            /* one request at a time */
	struct workers *workers;
	LIST_HEAD(, fsx_snap) snaps;    /* open or still being written */
	unsigned nsnaps;                /* on snaps: FSX_SNAPS_MAX at most */
	LIST_HEAD(, fsx_snap) waiting;  /* with reads parked past their data */
	struct event *tick;             /* wakes parked reads while any is */
	TAILQ_HEAD(, fsx_read) intr;    /* parked reads interrupted, to answer */
	char *spool_dir;
	bool spool_in_memory;           /* O_TMPFILE failed once: said so */
	char *dir;
	fsx_note_fn note_fn;            /* fsx_set_note, or NULL */
	void *note_arg;
};

static inline struct fsx *fsx_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

struct ns_cred fsx_cred(fuse_req_t req);
/* The caller's supplementary groups, put into *cred: the few rules the
 * kernel leaves to the namespace need them (chgrp to one of them, which
 * set-group-ID bits chmod and chown keep). libfuse reads them from
 * /proc/PID/status, a cost paid only by requests that need them. Where
 * they cannot be read the caller has none (the stricter answer). */
#define FSX_GROUPS_INLINE 32
struct fsx_groups {
	gid_t inl[FSX_GROUPS_INLINE];
	gid_t *heap;            /* more than FSX_GROUPS_INLINE of them */
};
void fsx_cred_groups(fuse_req_t req, struct ns_cred *cred,
		     struct fsx_groups *g);
void fsx_groups_free(struct fsx_groups *g);
void fsx_stat(const struct ns_stat *nst, struct stat *st);
/* Reply with a node on which the caller took a lookup reference. A reply
 * fails only when the connection is gone; fsx_stop then forgets all. */
void fsx_reply_entry(fuse_req_t req, const struct ns_stat *st);

void fsx_init(void *userdata, struct fuse_conn_info *conn);

void fsx_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fsx_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void fsx_forget_multi(fuse_req_t req, size_t count,
		      struct fuse_forget_data *forgets);
void fsx_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode);
void fsx_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void fsx_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fsx_symlink(fuse_req_t req, const char *target, fuse_ino_t parent,
		 const char *name);
void fsx_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		fuse_ino_t newparent, const char *newname, unsigned flags);
void fsx_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	      const char *newname);
void fsx_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, dev_t rdev);
void fsx_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		mode_t mode, struct fuse_file_info *fi);

void fsx_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fsx_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		 int valid, struct fuse_file_info *fi);
void fsx_readlink(fuse_req_t req, fuse_ino_t ino);
void fsx_statfs(fuse_req_t req, fuse_ino_t ino);

void fsx_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi);
void fsx_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi);

void fsx_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fsx_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	      struct fuse_file_info *fi);
void fsx_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fsx_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fsx_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	       struct fuse_file_info *fi);
/* Answer the reads interrupted while a request was processed. */
void fsx_answer_interrupted(struct fsx *fsx);
/* Set up and tear down what open pins need on the loop: the timer of
 * parked reads, and the snapshots of files the kernel will never release
 * (call fsx_files_free after workers_stop). 0 or -errno. */
int fsx_files_init(struct fsx *fsx, struct event_base *base);
void fsx_files_free(struct fsx *fsx);

void fsx_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		  size_t size);
void fsx_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
/* fuse_xattr_prov.c: the user.bpfpin.* attributes (provenance). The
 * value of name into buf (its length, or -ENODATA), and the names ino
 * has into list (their length, NULs included). */
#define FSX_PROV_PREFIX "user.bpfpin."
#define FSX_PROV_VALUE_MAX 320
int fsx_prov_xattr(struct ns *ns, fuse_ino_t ino, const char *name,
		   char *buf, size_t size);
int fsx_prov_list(struct ns *ns, fuse_ino_t ino, char *list, size_t size);

extern const struct fuse_lowlevel_ops fsx_ops;

#endif
