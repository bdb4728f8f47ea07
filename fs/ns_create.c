/* fs/ns_create.c: the operations that make a new name: pin, mkdir,
 * symlink and link. Each is applied to the store first, whole (the store
 * gives the node the caller's owner and mode before its name shows: see
 * store_create), and to the tree only once the store has taken it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/ns_int.h"

/* inode_init_owner(): a set-group-ID directory hands down its group, and
 * its set-group-ID bit to subdirectories. */
static void init_owner(struct ns_node *n, const struct ns_node *dir,
		       const struct ns_cred *cred, mode_t mode)
{
	n->uid = cred->uid;
	n->gid = cred->gid;
	n->mode = mode;
	n->pid = cred->pid;
	if (dir->mode & S_ISGID) {
		n->gid = dir->gid;
		if (n->type == NS_DIR)
			n->mode |= S_ISGID;
	}
}

static void store_undo(const char *path, const struct ns_node *n)
{
	if (n->type == NS_DIR)
		store_rmdir(path);
	else
		store_unlink(path);
}

/* Make n at path in the store, whole, then name it in the tree. On
 * failure the store entry and the node are removed. */
static int create_finish(struct ns *ns, const struct ns_nd *nd,
			 struct ns_node *n, const char *path,
			 struct store_new *nw, struct ns_stat *st)
{
	struct stat sst;
	int r;

	nw->mode = n->mode;
	nw->uid = n->uid;
	nw->gid = n->gid;
	r = store_create(&ns->store, path, nw, nd->dir->mode, nd->dir->gid,
			 &sst);
	if (r < 0) {
		ns_node_free(ns, n);
		return r;
	}
	r = ns_dentry_add(ns, nd->dir, nd->last, nd->len, n);
	if (r < 0) {
		store_undo(path, n);
		ns_node_free(ns, n);
		return r;
	}
	n->store_ino = sst.st_ino;
	n->atime = sst.st_atim;
	n->mtime = sst.st_mtim;
	n->ctime = sst.st_ctim;
	ns_node_touch_dir(nd->dir, &n->ctime);
	ns->generation++;
	ns_meta_append(ns, n);
	ns_node_stat(ns, n, st);
	return 0;
}

/* Resolves at for a new name and computes its store path. */
static int create_prepare(struct ns *ns, const struct ns_cred *cred,
			  struct ns_at at, bool want_dir, struct ns_nd *nd,
			  int *links, char *path)
{
	int r = ns_path_parent(nd, links, ns, cred, at);

	if (r == 0)
		r = ns_path_may_create(nd, want_dir);
	if (r == 0)
		r = ns_tree_path(ns, nd->dir, nd->last, nd->len, path,
				 PATH_MAX);
	return r;
}

/* The fd the caller pinned is the first GET's answer; the cache keeps it
 * (or, when not *fd's to give, a dup of it) under the access mode it was
 * opened with. */
static void cache_pinned(struct ns *ns, struct ns_node *n, int *fd, bool give,
			 int acc)
{
	int mine = -1;

	if (!ns->fdc.max)
		return;
	if (give) {
		mine = *fd;
		*fd = -1;
	} else {
		mine = fcntl(*fd, F_DUPFD_CLOEXEC, 0);
	}
	if (mine >= 0)
		ns_fdc_put(ns, n, ns_obj_slot(ns, n, acc), mine);
}

/* The object is told from the fd itself (bpf/obj.h), first, as
 * BPF_OBJ_PIN looks at its fd before the path. */
static int pin(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	       int *fdp, bool give, char *why, size_t whylen,
	       struct ns_stat *st)
{
	int fd = *fdp;
	struct store_new nw = { .fd = fd };
	struct obj_ident ident;
	char path[PATH_MAX];
	struct ns_node *n;
	struct ns_nd nd;
	int links, fl, r;

	r = obj_identify(fd, &ident, why, whylen);
	if (r < 0)
		return r;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -EBADF;
	r = create_prepare(ns, cred, at, false, &nd, &links, path);
	if (r < 0)
		return r;
	n = ns_node_new(ns, NS_PIN);
	if (!n)
		return -ENOMEM;
	init_owner(n, nd.dir, cred, S_IFREG | (0600 & ~cred->umask));
	n->u.pin.obj = ident;
	r = ns_quota_charge(ns, n);
	if (r < 0) {
		ns_node_free(ns, n);
		return r;
	}
	r = create_finish(ns, &nd, n, path, &nw, st);
	if (r == 0)
		cache_pinned(ns, n, fdp, give, fl & O_ACCMODE);
	/* the one ENOSPC of a pin: the fd store holds --fdstore-max objects */
	if (r == -ENOSPC && ns->store.kind == STORE_FDSTORE)
		snprintf(why, whylen, "%.400s: No space left on device: the fd "
			 "store is full (--fdstore-max objects)",
			 at.path ? at.path : "");
	return r;
}

int ns_pin(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	   int fd, char *why, size_t whylen, struct ns_stat *st)
{
	return pin(ns, cred, at, &fd, false, why, whylen, st);
}

int ns_pin_take(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		int *fd, char *why, size_t whylen, struct ns_stat *st)
{
	return pin(ns, cred, at, fd, true, why, whylen, st);
}

int ns_mkdir(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	     mode_t mode, struct ns_stat *st)
{
	struct store_new nw = { .fd = -1 };
	char path[PATH_MAX];
	struct ns_node *n;
	struct ns_nd nd;
	int links, r = create_prepare(ns, cred, at, true, &nd, &links, path);

	if (r < 0)
		return r;
	n = ns_node_new(ns, NS_DIR);
	if (!n)
		return -ENOMEM;
	init_owner(n, nd.dir, cred,
		   S_IFDIR | (mode & ~cred->umask & (ACCESSPERMS | S_ISVTX)));
	r = ns_quota_charge(ns, n);
	if (r < 0) {
		ns_node_free(ns, n);
		return r;
	}
	return create_finish(ns, &nd, n, path, &nw, st);
}

static int symlink_target_check(const char *target)
{
	size_t len;

	if (!target)
		return -EINVAL;
	len = strnlen(target, NS_PATH_MAX);
	if (len == 0)
		return -ENOENT;
	if (len >= NS_PATH_MAX)
		return -ENAMETOOLONG;
	return ns_name_utf8(target, len) ? 0 : -EILSEQ;
}

int ns_symlink(struct ns *ns, const struct ns_cred *cred, const char *target,
	       struct ns_at at, struct ns_stat *st)
{
	struct store_new nw = { .fd = -1, .target = target };
	char path[PATH_MAX];
	struct ns_node *n;
	struct ns_nd nd;
	int links, r = symlink_target_check(target);

	if (r == 0)
		r = create_prepare(ns, cred, at, false, &nd, &links, path);
	if (r < 0)
		return r;
	n = ns_node_new(ns, NS_SYMLINK);
	if (!n)
		return -ENOMEM;
	init_owner(n, nd.dir, cred, S_IFLNK | 0777);
	n->u.sym.len = strlen(target);
	n->u.sym.target = strdup(target);
	r = n->u.sym.target ? ns_quota_charge(ns, n) : -ENOMEM;
	if (r < 0) {
		ns_node_free(ns, n);
		return r;
	}
	return create_finish(ns, &nd, n, path, &nw, st);
}

/* do_linkat()'s order: the new name, protected_hardlinks, then may_create,
 * then directories. */
static int link_check(const struct ns_cred *cred, const struct ns_nd *nd,
		      const struct ns_node *old)
{
	int r = ns_path_new_name(nd, false);

	if (r == 0)
		r = ns_perm_may_link(cred, old);
	if (r == 0)
		r = ns_perm_may_create(cred, nd->dir);
	if (r == 0 && old->type == NS_DIR)
		r = -EPERM;
	return r;
}

static int link_node(struct ns *ns, const struct ns_cred *cred,
		     struct ns_node *old, struct ns_at newat,
		     struct ns_stat *st)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct timespec now;
	struct ns_nd nd;
	int links, r = ns_path_parent(&nd, &links, ns, cred, newat);

	if (r == 0)
		r = link_check(cred, &nd, old);
	/* A node without names has no store path: ENOENT, as the kernel
	 * says of linking an inode whose link count is zero. */
	if (r == 0)
		r = ns_node_path(ns, old, from, sizeof(from));
	if (r == 0)
		r = ns_tree_path(ns, nd.dir, nd.last, nd.len, to, sizeof(to));
	if (r == 0)
		r = store_link(from, to);
	if (r < 0)
		return r;
	r = ns_dentry_add(ns, nd.dir, nd.last, nd.len, old);
	if (r < 0) {
		store_unlink(to);
		return r;
	}
	ns_now(&now);
	old->ctime = now;
	ns_node_touch_dir(nd.dir, &now);
	ns->generation++;
	ns_node_stat(ns, old, st);
	return 0;
}

int ns_link(struct ns *ns, const struct ns_cred *cred, struct ns_at oldat,
	    struct ns_at newat, struct ns_stat *st)
{
	struct ns_node *old;
	int r = ns_path_lookup(ns, cred, oldat, false, &old);

	return r < 0 ? r : link_node(ns, cred, old, newat, st);
}

int ns_link_ino(struct ns *ns, const struct ns_cred *cred, uint64_t ino,
		struct ns_at newat, struct ns_stat *st)
{
	struct ns_node *old = ns_node_find(ns, ino);

	return old ? link_node(ns, cred, old, newat, st) : -ENOENT;
}
