/* bench/fuse_bare.c: fuse_bench's FUSE anchor. A bare low-level libfuse
 * filesystem (an in-memory tree of directories and empty files) mounted with
 * bpfpind's options and init capabilities: listed and stat'ed like
 * bpfpind's mount, it shows what any FUSE server costs on this kernel, so a
 * bench run tells bpfpind's own cost apart from FUSE's.
 * Usage: fuse_bare MOUNTPOINT (foreground; SIGTERM or an unmount stops it).
 * Reading the attribute BARE_XATTR_FORGET of a directory makes the kernel
 * forget every entry in it (see forget_start). */
#define FUSE_USE_VERSION 314
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include <fuse_lowlevel.h>

/* bpfpind's entry and attribute timeouts (fs/fuse_int.h). */
#define BARE_TIMEOUT 1.0
#define BARE_BUCKETS (1u << 16)
/* Listing offsets 1 and 2 are "." and ".."; children's cookies follow. */
#define BARE_OFF_DOT 1
#define BARE_OFF_DOTDOT 2
#define BARE_XATTR_FORGET "user.fuse_bare.forget"

struct node {
	uint64_t ino;                  /* never reused */
	uint64_t nlookup;              /* the kernel's references */
	uint64_t cookie;               /* listing offset, in parent's order */
	struct node *parent;           /* NULL for the root and once removed */
	char *name;
	struct stat st;
	struct node *ino_next, *name_next;     /* hash chains */
	TAILQ_ENTRY(node) sib;
	/* Directories: children in creation order, and where the last
	 * listing stopped, so a big one resumes without a scan. */
	TAILQ_HEAD(, node) kids;
	uint64_t nkids, next_cookie;
	struct node *resume;
	off_t resume_off;
};

struct tree {
	struct node root;
	uint64_t next_ino;
	struct fuse_session *se;
	pthread_t forgetter;
	bool forgetter_started;
	atomic_bool forgetting;        /* until the forgetter has replied */
	struct node *by_ino[BARE_BUCKETS];
	struct node *by_name[BARE_BUCKETS];    /* (parent ino, name) */
};

static size_t hash_ino(uint64_t ino)
{
	return (ino * 0x9e3779b97f4a7c15ull) >> 48 & (BARE_BUCKETS - 1);
}

/* FNV-1a over the name, seeded with the parent. */
static size_t hash_name(uint64_t parent, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull ^ parent;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	return hash_ino(h);
}

static struct node *node_find(struct tree *t, fuse_ino_t ino)
{
	struct node *n = t->by_ino[hash_ino(ino)];

	while (n && n->ino != ino)
		n = n->ino_next;
	return n;
}

static struct node *child_find(struct tree *t, const struct node *dir,
			       const char *name)
{
	struct node *n = t->by_name[hash_name(dir->ino, name)];

	while (n && (n->parent != dir || strcmp(n->name, name) != 0))
		n = n->name_next;
	return n;
}

/* Unlink n from the chain at *head. */
static void chain_remove(struct node **head, struct node *n, bool by_ino)
{
	struct node **p = head;

	while (*p != n)
		p = by_ino ? &(*p)->ino_next : &(*p)->name_next;
	*p = by_ino ? n->ino_next : n->name_next;
}

static void node_init(struct tree *t, struct node *n, mode_t mode,
		      const struct fuse_ctx *ctx)
{
	n->ino = t->next_ino++;
	n->st.st_ino = n->ino;
	n->st.st_mode = mode;
	n->st.st_nlink = S_ISDIR(mode) ? 2 : 1;
	n->st.st_uid = ctx ? ctx->uid : 0;
	n->st.st_gid = ctx ? ctx->gid : 0;
	n->st.st_blksize = 4096;
	clock_gettime(CLOCK_REALTIME, &n->st.st_mtim);
	n->st.st_atim = n->st.st_ctim = n->st.st_mtim;
	TAILQ_INIT(&n->kids);
	n->next_cookie = BARE_OFF_DOTDOT + 1;
	n->ino_next = t->by_ino[hash_ino(n->ino)];
	t->by_ino[hash_ino(n->ino)] = n;
}

static struct node *node_new(struct tree *t, struct node *dir, const char *name,
			     mode_t mode, const struct fuse_ctx *ctx)
{
	struct node *n = calloc(1, sizeof(*n));
	size_t h = hash_name(dir->ino, name);

	if (!n || !(n->name = strdup(name))) {
		free(n);
		return NULL;
	}
	node_init(t, n, mode, ctx);
	n->parent = dir;
	n->cookie = dir->next_cookie++;
	n->name_next = t->by_name[h];
	t->by_name[h] = n;
	TAILQ_INSERT_TAIL(&dir->kids, n, sib);
	dir->nkids++;
	if (S_ISDIR(mode))
		dir->st.st_nlink++;
	return n;
}

/* Out of its directory; freed now or at its last forget. */
static void node_detach(struct tree *t, struct node *n)
{
	struct node *dir = n->parent;

	if (dir->resume == n)
		dir->resume = TAILQ_NEXT(n, sib);
	TAILQ_REMOVE(&dir->kids, n, sib);
	dir->nkids--;
	if (S_ISDIR(n->st.st_mode))
		dir->st.st_nlink--;
	chain_remove(&t->by_name[hash_name(dir->ino, n->name)], n, false);
	n->parent = NULL;
	n->st.st_nlink = 0;
}

static void node_free(struct tree *t, struct node *n)
{
	chain_remove(&t->by_ino[hash_ino(n->ino)], n, true);
	free(n->name);
	free(n);
}

static void node_forget(struct tree *t, fuse_ino_t ino, uint64_t count)
{
	struct node *n = node_find(t, ino);

	if (!n || n == &t->root)
		return;
	n->nlookup -= count < n->nlookup ? count : n->nlookup;
	if (n->nlookup == 0 && !n->parent)
		node_free(t, n);
}

static void reply_entry(fuse_req_t req, struct node *n)
{
	struct fuse_entry_param e = {
		.ino = n->ino,
		.generation = 1,
		.attr = n->st,
		.attr_timeout = BARE_TIMEOUT,
		.entry_timeout = BARE_TIMEOUT,
	};

	if (fuse_reply_entry(req, &e) == 0)
		n->nlookup++;
}

/* The directory ino names, or NULL with *err set. */
static struct node *dir_find(fuse_req_t req, fuse_ino_t ino, int *err)
{
	struct node *dir = node_find(fuse_req_userdata(req), ino);

	*err = !dir ? ENOENT : !S_ISDIR(dir->st.st_mode) ? ENOTDIR : 0;
	return *err ? NULL : dir;
}

static void bare_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node *dir, *n;
	int err;

	if (!(dir = dir_find(req, parent, &err)))
		fuse_reply_err(req, err);
	else if (!(n = child_find(fuse_req_userdata(req), dir, name)))
		fuse_reply_err(req, ENOENT);
	else
		reply_entry(req, n);
}

static void bare_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct node *n = node_find(fuse_req_userdata(req), ino);

	if (!n)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &n->st, BARE_TIMEOUT);
}

/* The kernel does not apply the umask (DONT_MASK, as in bpfpind). */
static void make(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct tree *t = fuse_req_userdata(req);
	struct node *dir, *n;
	int err;

	mode = (mode & S_IFMT) | (mode & 07777 & ~ctx->umask);
	if (!(dir = dir_find(req, parent, &err)))
		fuse_reply_err(req, err);
	else if (child_find(t, dir, name))
		fuse_reply_err(req, EEXIST);
	else if (!(n = node_new(t, dir, name, mode, ctx)))
		fuse_reply_err(req, ENOMEM);
	else
		reply_entry(req, n);
}

static void bare_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, dev_t rdev)
{
	if (!S_ISREG(mode))
		fuse_reply_err(req, EPERM);
	else
		make(req, parent, name, mode);
}

static void bare_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode)
{
	make(req, parent, name, S_IFDIR | mode);
}

/* 0 when name in dir can go by unlink (rmdir if is_dir), or an errno. */
static int removable(struct tree *t, struct node *dir, const char *name,
		     bool is_dir, struct node **out)
{
	struct node *n = child_find(t, dir, name);

	if (!n)
		return ENOENT;
	if (S_ISDIR(n->st.st_mode) != is_dir)
		return is_dir ? ENOTDIR : EISDIR;
	if (n->nkids)
		return ENOTEMPTY;
	*out = n;
	return 0;
}

static void remove_child(fuse_req_t req, fuse_ino_t parent, const char *name,
			 bool is_dir)
{
	struct tree *t = fuse_req_userdata(req);
	struct node *dir, *n = NULL;
	int err;

	if ((dir = dir_find(req, parent, &err)))
		err = removable(t, dir, name, is_dir, &n);
	if (err == 0) {
		node_detach(t, n);
		if (n->nlookup == 0)
			node_free(t, n);
	}
	fuse_reply_err(req, err);
}

static void bare_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_child(req, parent, name, false);
}

static void bare_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_child(req, parent, name, true);
}

static void bare_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	node_forget(fuse_req_userdata(req), ino, nlookup);
	fuse_reply_none(req);
}

static void bare_forget_multi(fuse_req_t req, size_t count,
			      struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		node_forget(fuse_req_userdata(req), forgets[i].ino,
			    forgets[i].nlookup);
	fuse_reply_none(req);
}

struct fill {
	fuse_req_t req;
	bool plus;
	char *buf;
	size_t size, used;
	off_t last;                    /* offset of the last entry added */
};

/* Add one entry if it fits. In plus mode, ino 0 sends no entry (the
 * kernel takes no reference): used for "." and "..", as bpfpind does. */
static bool fill_add(struct fill *f, const char *name, const struct stat *st,
		     fuse_ino_t ino, off_t next)
{
	struct fuse_entry_param e = {
		.ino = ino,
		.generation = 1,
		.attr = *st,
		.attr_timeout = BARE_TIMEOUT,
		.entry_timeout = BARE_TIMEOUT,
	};
	size_t room = f->size - f->used, n;

	if (f->plus)
		n = fuse_add_direntry_plus(f->req, f->buf + f->used, room, name,
					   &e, next);
	else
		n = fuse_add_direntry(f->req, f->buf + f->used, room, name, st,
				      next);
	if (n > room)
		return false;
	f->used += n;
	f->last = next;
	return true;
}

/* The first child listed after offset off. */
static struct node *list_start(struct node *dir, off_t off)
{
	struct node *n;

	if (dir->resume && dir->resume_off == off)
		return dir->resume;
	TAILQ_FOREACH(n, &dir->kids, sib)
		if ((off_t)n->cookie > off)
			break;
	return n;
}

/* Fill f from offset off; the first child left out (NULL: none). */
static struct node *list_fill(struct fill *f, struct node *dir, off_t off,
			      struct node **first)
{
	const struct stat *up = dir->parent ? &dir->parent->st : &dir->st;
	struct node *n;

	*first = NULL;
	if (off < BARE_OFF_DOT && !fill_add(f, ".", &dir->st, 0, BARE_OFF_DOT))
		return NULL;
	if (off < BARE_OFF_DOTDOT &&
	    !fill_add(f, "..", up, 0, BARE_OFF_DOTDOT))
		return NULL;
	*first = n = list_start(dir, off);
	while (n && fill_add(f, n->name, &n->st, n->ino, n->cookie))
		n = TAILQ_NEXT(n, sib);
	return n;
}

/* The kernel holds one reference per entry of a plus listing it got. */
static void list(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 bool plus)
{
	struct fill f = { .req = req, .plus = plus, .size = size,
			  .last = off };
	struct node *dir, *n, *stop;
	int err;

	if (!(dir = dir_find(req, ino, &err))) {
		fuse_reply_err(req, err);
		return;
	}
	if (!(f.buf = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	stop = list_fill(&f, dir, off, &n);
	dir->resume = stop;
	dir->resume_off = f.last;
	if (fuse_reply_buf(req, f.buf, f.used) == 0 && plus)
		for (; n != stop; n = TAILQ_NEXT(n, sib))
			n->nlookup++;
	free(f.buf);
}

static void bare_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	list(req, ino, size, off, false);
}

static void bare_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			     off_t off, struct fuse_file_info *fi)
{
	list(req, ino, size, off, true);
}

static void bare_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = { .f_bsize = 4096, .f_frsize = 4096,
			      .f_namemax = 255 };

	fuse_reply_statfs(req, &sv);
}

/* A request to forget the entries of dir, for the forgetter thread: it
 * never touches the tree, only this copy of the names. */
struct forget_job {
	struct tree *t;
	fuse_req_t req;
	fuse_ino_t dir;
	size_t size;                   /* of the getxattr */
	size_t len;
	char names[];                  /* NUL-separated */
};

static struct forget_job *forget_job_new(struct tree *t, fuse_req_t req,
					 struct node *dir, size_t size)
{
	struct forget_job *j;
	struct node *n;
	size_t len = 0;

	TAILQ_FOREACH(n, &dir->kids, sib)
		len += strlen(n->name) + 1;
	if (!(j = malloc(sizeof(*j) + len)))
		return NULL;
	*j = (struct forget_job){ .t = t, .req = req, .dir = dir->ino,
				  .size = size };
	TAILQ_FOREACH(n, &dir->kids, sib) {
		memcpy(j->names + j->len, n->name, strlen(n->name) + 1);
		j->len += strlen(n->name) + 1;
	}
	return j;
}

/* Each invalidation drops the kernel's dentry, and with it the inode
 * (FUSE keeps no unused inode): a FORGET comes to the loop. */
static void *forget_run(void *arg)
{
	struct forget_job *j = arg;
	struct tree *t = j->t;

	for (size_t i = 0; i < j->len; i += strlen(j->names + i) + 1)
		fuse_lowlevel_notify_inval_entry(t->se, j->dir, j->names + i,
						 strlen(j->names + i));
	if (j->size == 0)
		fuse_reply_xattr(j->req, 0);
	else
		fuse_reply_buf(j->req, NULL, 0);
	free(j);
	atomic_store(&t->forgetting, false);
	return NULL;
}

/* fuse_bench makes its files through the mount, so the kernel holds all
 * their inodes before its first ls -l; bpfpind's pins come over the RPC,
 * unseen. This drops them, so that a first listing meets names the kernel
 * never looked up on both. An invalidation waits for the directory's lock,
 * which a syscall waiting for the loop may hold: hence a thread, and the
 * reply only once all are done (getxattr holds no lock). */
static void forget_start(fuse_req_t req, struct node *dir, size_t size)
{
	struct tree *t = fuse_req_userdata(req);
	struct forget_job *j;
	int err;

	if (atomic_load(&t->forgetting)) {
		fuse_reply_err(req, EBUSY);
		return;
	}
	if (t->forgetter_started)
		pthread_join(t->forgetter, NULL);
	t->forgetter_started = false;
	if (!(j = forget_job_new(t, req, dir, size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	atomic_store(&t->forgetting, true);
	if ((err = pthread_create(&t->forgetter, NULL, forget_run, j)) != 0) {
		atomic_store(&t->forgetting, false);
		free(j);
		fuse_reply_err(req, err);
		return;
	}
	t->forgetter_started = true;
}

/* Other names: as bpfpind answers names it does not hold, so that ls -l
 * stops asking for ACLs and labels and both servers see the same requests. */
static void bare_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			  size_t size)
{
	struct node *dir;
	int err;

	if (strcmp(name, BARE_XATTR_FORGET) != 0)
		fuse_reply_err(req, EOPNOTSUPP);
	else if (!(dir = dir_find(req, ino, &err)))
		fuse_reply_err(req, err);
	else
		forget_start(req, dir, size);
}

/* bpfpind's choices (fs/fuse_session.c, fsx_init); keep them in step, or
 * the two mounts get different kernel behaviour. */
static const struct {
	unsigned cap;
	bool on;
} bare_caps[] = {
	{ FUSE_CAP_READDIRPLUS, true },
	{ FUSE_CAP_READDIRPLUS_AUTO, false },
	{ FUSE_CAP_DONT_MASK, true },
	{ FUSE_CAP_SPLICE_WRITE, true },
	{ FUSE_CAP_SPLICE_MOVE, false },
	{ FUSE_CAP_SPLICE_READ, false },
	{ FUSE_CAP_ATOMIC_O_TRUNC, true },
	{ FUSE_CAP_CACHE_SYMLINKS, true },
};

static void bare_init(void *userdata, struct fuse_conn_info *conn)
{
	for (size_t i = 0; i < sizeof(bare_caps) / sizeof(bare_caps[0]); i++) {
		if (!bare_caps[i].on)
			conn->want &= ~bare_caps[i].cap;
		else if (conn->capable & bare_caps[i].cap)
			conn->want |= bare_caps[i].cap;
	}
	conn->max_readahead = 0;
}

static const struct fuse_lowlevel_ops bare_ops = {
	.init = bare_init,
	.lookup = bare_lookup,
	.forget = bare_forget,
	.forget_multi = bare_forget_multi,
	.getattr = bare_getattr,
	.mknod = bare_mknod,
	.mkdir = bare_mkdir,
	.unlink = bare_unlink,
	.rmdir = bare_rmdir,
	.readdir = bare_readdir,
	.readdirplus = bare_readdirplus,
	.statfs = bare_statfs,
	.getxattr = bare_getxattr,
};

static struct tree *tree_new(void)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->next_ino = FUSE_ROOT_ID;
	node_init(t, &t->root, S_IFDIR | 0755, NULL);
	return t;
}

/* Every node but the root (part of t), removed ones still looked up too. */
static void tree_free(struct tree *t)
{
	struct node *n;

	for (size_t i = 0; i < BARE_BUCKETS; i++)
		while ((n = t->by_ino[i])) {
			t->by_ino[i] = n->ino_next;
			if (n != &t->root) {
				free(n->name);
				free(n);
			}
		}
	free(t);
}

static int serve(struct fuse_session *se, const char *dir)
{
	int fd, r;

	if (fuse_session_mount(se, dir) != 0)
		return -1;
	fd = fuse_session_fd(se);
	/* The loop returns the signal that stopped it: a clean stop too. */
	r = fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ? -1 : fuse_session_loop(se);
	fuse_session_unmount(se);
	return r < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	char name[] = "fuse_bare", o[] = "-o",
	     opts[] = "allow_other,default_permissions,fsname=fuse_bare,"
		      "subtype=fuse_bare";
	char *fargv[] = { name, o, opts, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se;
	struct tree *t;
	int r = -1;

	if (argc != 2 || argv[1][0] == '-') {
		fputs("Usage: fuse_bare MOUNTPOINT\n", stderr);
		return 2;
	}
	if (!(t = tree_new()))
		return 1;
	se = fuse_session_new(&args, &bare_ops, sizeof(bare_ops), t);
	fuse_opt_free_args(&args);
	t->se = se;
	if (se && fuse_set_signal_handlers(se) == 0) {
		r = serve(se, argv[1]);
		fuse_remove_signal_handlers(se);
	}
	/* Unmounted: a forgetter still running fails its writes and ends. */
	if (t->forgetter_started)
		pthread_join(t->forgetter, NULL);
	if (se)
		fuse_session_destroy(se);
	tree_free(t);
	return r == 0 ? 0 : 1;
}
