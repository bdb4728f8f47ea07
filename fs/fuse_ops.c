/* fs/fuse_ops.c: the FUSE low-level ops table and the operations on names
 * (lookup and forget, mkdir, unlink, rmdir, symlink, rename, link, and the
 * creations bpffs refuses). Each handler is one ns_* call with the
 * caller's credentials and one reply. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fuse_int.h"

const struct fuse_lowlevel_ops fsx_ops = {
	.init = fsx_init,
	.lookup = fsx_lookup,
	.forget = fsx_forget,
	.forget_multi = fsx_forget_multi,
	.getattr = fsx_getattr,
	.setattr = fsx_setattr,
	.readlink = fsx_readlink,
	.mknod = fsx_mknod,
	.mkdir = fsx_mkdir,
	.unlink = fsx_unlink,
	.rmdir = fsx_rmdir,
	.symlink = fsx_symlink,
	.rename = fsx_rename,
	.link = fsx_link,
	.open = fsx_open,
	.read = fsx_read,
	.flush = fsx_flush,
	.release = fsx_release,
	.fsync = fsx_fsync,
	.readdir = fsx_readdir,
	.readdirplus = fsx_readdirplus,
	.statfs = fsx_statfs,
	.getxattr = fsx_getxattr,
	.listxattr = fsx_listxattr,
	.create = fsx_create,
};

/* The kernel checked DAC against the mode bits (default_permissions), so
 * ns need not; the supplementary groups are fetched only where ns's own
 * rules need them (fsx_cred_groups). */
struct ns_cred fsx_cred(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return (struct ns_cred){
		.uid = ctx->uid,
		.gid = ctx->gid,
		.pid = ctx->pid,
		.umask = ctx->umask,
		.checked = true,
	};
}

/* The "Groups:" line of /proc/PID/status, as fuse_req_getgroups reads
 * it; libfuse 3.14's own version runs strstr past its unterminated
 * buffer, so the file is read here into a NUL-terminated one. Returns the
 * count of groups (storing at most size), 0 if they cannot be read. */
static int fsx_getgroups(fuse_req_t req, int size, gid_t *list)
{
	char path[64], *buf, *s, *end;
	size_t cap = 8192, len = 0;
	int fd, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)fuse_req_ctx(req)->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(buf = malloc(cap))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	for (ssize_t r; len < cap - 1 && (r = read(fd, buf + len, cap - 1 - len)) > 0; )
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	s = strstr(buf, "\nGroups:");
	for (s = s ? s + 8 : NULL; s; s = end) {
		unsigned long g = strtoul(s, &end, 10);

		if (end == s)
			break;
		if (n < size)
			list[n] = (gid_t)g;
		n++;
		if (*end == '\n' || !*end)
			break;
	}
	free(buf);
	return n;
}

void fsx_cred_groups(fuse_req_t req, struct ns_cred *cred,
		     struct fsx_groups *g)
{
	int n = fsx_getgroups(req, FSX_GROUPS_INLINE, g->inl), m;

	g->heap = NULL;
	cred->groups = g->inl;
	cred->ngroups = n < FSX_GROUPS_INLINE ? n : FSX_GROUPS_INLINE;
	if (n <= FSX_GROUPS_INLINE || n > NS_NGROUPS_MAX)
		return;
	g->heap = malloc(sizeof(gid_t) * (size_t)n);
	if (!g->heap)
		return;
	/* The process may have changed its groups in between: the second
	 * answer counts, as far as the buffer holds it. */
	m = fsx_getgroups(req, n, g->heap);
	cred->groups = g->heap;
	cred->ngroups = m < n ? m : n;
}

void fsx_groups_free(struct fsx_groups *g)
{
	free(g->heap);
	g->heap = NULL;
}

void fsx_stat(const struct ns_stat *nst, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = nst->ino;
	st->st_mode = nst->mode;
	st->st_nlink = nst->nlink;
	st->st_uid = nst->uid;
	st->st_gid = nst->gid;
	st->st_size = nst->size;
	st->st_blksize = 4096;
	st->st_atim = nst->atime;
	st->st_mtim = nst->mtime;
	st->st_ctim = nst->ctime;
}

void fsx_reply_entry(fuse_req_t req, const struct ns_stat *st)
{
	struct fuse_entry_param e = {
		.ino = st->ino,
		.generation = 1,
		.attr_timeout = FSX_ATTR_TIMEOUT,
		.entry_timeout = FSX_ENTRY_TIMEOUT,
	};

	fsx_stat(st, &e.attr);
	fuse_reply_entry(req, &e);
}

static struct ns_at fsx_at(fuse_ino_t dir, const char *name)
{
	return (struct ns_at){ .dir = dir, .path = name };
}

void fsx_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ns_cred cred = fsx_cred(req);
	struct ns_stat st;
	int r;

	r = ns_lookup_ref(fsx_of(req)->ns, &cred, fsx_at(parent, name), &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fsx_reply_entry(req, &st);
}

void fsx_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	ns_forget(fsx_of(req)->ns, ino, nlookup);
	fuse_reply_none(req);
}

void fsx_forget_multi(fuse_req_t req, size_t count,
		      struct fuse_forget_data *forgets)
{
	struct ns *ns = fsx_of(req)->ns;
	size_t i;

	for (i = 0; i < count; i++)
		ns_forget(ns, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* A node created here is known to the kernel from this reply on: it holds
 * a lookup reference like one from lookup. */
static void fsx_reply_created(fuse_req_t req, fuse_ino_t parent,
			      const char *name, int r)
{
	struct ns_cred cred = fsx_cred(req);
	struct ns_stat st;

	if (r == 0)
		r = ns_lookup_ref(fsx_of(req)->ns, &cred, fsx_at(parent, name),
				  &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fsx_reply_entry(req, &st);
}

void fsx_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode)
{
	struct ns_cred cred = fsx_cred(req);
	struct ns_stat st;
	int r;

	r = ns_mkdir(fsx_of(req)->ns, &cred, fsx_at(parent, name),
		     mode & 07777, &st);
	fsx_reply_created(req, parent, name, r);
}

void fsx_symlink(fuse_req_t req, const char *target, fuse_ino_t parent,
		 const char *name)
{
	struct ns_cred cred = fsx_cred(req);
	struct ns_stat st;
	int r;

	r = ns_symlink(fsx_of(req)->ns, &cred, target, fsx_at(parent, name),
		       &st);
	fsx_reply_created(req, parent, name, r);
}

void fsx_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	      const char *newname)
{
	struct ns_cred cred = fsx_cred(req);
	struct ns_stat st;
	int r;

	r = ns_link_ino(fsx_of(req)->ns, &cred, ino,
			fsx_at(newparent, newname), &st);
	fsx_reply_created(req, newparent, newname, r);
}

void fsx_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ns_cred cred = fsx_cred(req);

	fuse_reply_err(req, -ns_unlink(fsx_of(req)->ns, &cred,
				       fsx_at(parent, name)));
}

void fsx_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ns_cred cred = fsx_cred(req);

	fuse_reply_err(req, -ns_rmdir(fsx_of(req)->ns, &cred,
				      fsx_at(parent, name)));
}

void fsx_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		fuse_ino_t newparent, const char *newname, unsigned flags)
{
	struct ns_cred cred = fsx_cred(req);

	fuse_reply_err(req, -ns_rename(fsx_of(req)->ns, &cred,
				       fsx_at(parent, name),
				       fsx_at(newparent, newname), flags));
}

/* bpffs has neither mknod nor create: the kernel answers EPERM for a
 * device or fifo, and EACCES for a regular file (mknod(2) of one goes to
 * create, as FUSE sends it here). */
void fsx_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, S_ISREG(mode) ? EACCES : EPERM);
}

/* bpffs has no create: open(O_CREAT) of a new name fails with EACCES
 * (touch, shell redirections, cp). Pins are made by the RPC only. */
void fsx_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		mode_t mode, struct fuse_file_info *fi)
{
	fuse_reply_err(req, EACCES);
}
