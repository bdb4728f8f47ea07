/* fs/fuse_attr.c: the FUSE operations on one node's attributes: getattr,
 * setattr (chmod, chown, utimens; bpffs pins have no size to change),
 * readlink, and statfs. FUSE names the node by inode number only. */
#include "config.h"

#include <errno.h>
#include <sys/statvfs.h>

#include "fs/fuse_int.h"

static void fsx_reply_stat(fuse_req_t req, int r, const struct ns_stat *nst)
{
	struct stat st;

	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fsx_stat(nst, &st);
	fuse_reply_attr(req, &st, FSX_ATTR_TIMEOUT);
}

void fsx_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ns_stat nst;

	fsx_reply_stat(req, ns_stat_ino(fsx_of(req)->ns, ino, &nst), &nst);
}

/* One of utimensat's times from FUSE's valid bits. */
static void fsx_time(struct ns_setattr *sa, unsigned bit, int valid, int set,
		     int now, struct timespec t, struct timespec *out)
{
	if (!(valid & set))
		return;
	sa->valid |= bit;
	*out = t;
	if (valid & now)
		out->tv_nsec = UTIME_NOW;
}

/* bpffs pins have no content to truncate: refused like a write open. */
static int fsx_setattr_from(struct ns_setattr *sa, const struct stat *attr,
			    int valid)
{
	if (valid & FUSE_SET_ATTR_SIZE)
		return -EACCES;
	*sa = (struct ns_setattr){
		.mode = attr->st_mode & 07777,
		.uid = attr->st_uid,
		.gid = attr->st_gid,
	};
	if (valid & FUSE_SET_ATTR_MODE)
		sa->valid |= NS_SA_MODE;
	if (valid & FUSE_SET_ATTR_UID)
		sa->valid |= NS_SA_UID;
	if (valid & FUSE_SET_ATTR_GID)
		sa->valid |= NS_SA_GID;
	fsx_time(sa, NS_SA_ATIME, valid, FUSE_SET_ATTR_ATIME,
		 FUSE_SET_ATTR_ATIME_NOW, attr->st_atim, &sa->atime);
	fsx_time(sa, NS_SA_MTIME, valid, FUSE_SET_ATTR_MTIME,
		 FUSE_SET_ATTR_MTIME_NOW, attr->st_mtim, &sa->mtime);
	return 0;
}

/* Groups decide a chown or chgrp (to one of them; which set-group-ID
 * bit it takes away) and whether a mode keeps set-group-ID: only then
 * are they read (a read of /proc/PID/status). */
static bool fsx_setattr_needs_groups(const struct ns_setattr *sa)
{
	return (sa->valid & (NS_SA_UID | NS_SA_GID)) ||
	       ((sa->valid & NS_SA_MODE) && (sa->mode & S_ISGID));
}

void fsx_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		 int valid, struct fuse_file_info *fi)
{
	struct ns_cred cred = fsx_cred(req);
	struct fsx_groups groups = { .heap = NULL };
	struct ns_setattr sa;
	struct ns_stat nst;
	int r;

	r = fsx_setattr_from(&sa, attr, valid);
	if (r == 0 && fsx_setattr_needs_groups(&sa))
		fsx_cred_groups(req, &cred, &groups);
	if (r == 0)
		r = ns_setattr_ino(fsx_of(req)->ns, &cred, ino, &sa, &nst);
	fsx_groups_free(&groups);
	fsx_reply_stat(req, r, &nst);
}

void fsx_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char target[NS_PATH_MAX];
	int r;

	r = ns_readlink_ino(fsx_of(req)->ns, ino, target, sizeof(target));
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_readlink(req, target);
}

/* bpffs reports no blocks; the node count is the one useful number. */
void fsx_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = {
		.f_bsize = 4096,
		.f_frsize = 4096,
		.f_files = ns_node_count(fsx_of(req)->ns),
		.f_namemax = NS_NAME_MAX,
	};

	fuse_reply_statfs(req, &sv);
}
