/* fs/ns_attr.c: chmod, chown, utimens and FUSE's setattr, which does any
 * of them at once: the ownership rules of the kernel's setattr_prepare()
 * and may_setattr(), the bits chown takes away (set-user-ID,
 * set-group-ID), applied to the store (whole, however many kernel
 * operations it takes) and then to the tree. */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include "fs/ns_int.h"

#define SA_OWNER (NS_SA_UID | NS_SA_GID)
#define SA_TIMES (NS_SA_ATIME | NS_SA_MTIME)

/* A change checked and ready: valid bits, the final mode, the new ids,
 * and the times with "now" resolved (UTIME_OMIT: unchanged). */
struct attr_set {
	unsigned valid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec ts[2];
	struct timespec now;
};

static void attr_init(struct attr_set *a, const struct ns_node *n)
{
	*a = (struct attr_set){ .mode = n->mode, .uid = (uid_t)-1,
				.gid = (gid_t)-1 };
	a->ts[0].tv_nsec = UTIME_OMIT;
	a->ts[1].tv_nsec = UTIME_OMIT;
	ns_now(&a->now);
}

/* setattr_prepare(): only the owner changes the mode, and set-group-ID
 * stays only for a member of the (new) group. */
static int chmod_check(const struct ns_cred *cred, const struct ns_node *n,
		       mode_t mode, gid_t gid, struct attr_set *a)
{
	if (n->type == NS_SYMLINK)
		return -EOPNOTSUPP;
	if (!ns_perm_owner(cred, n))
		return -EPERM;
	a->mode = (n->mode & S_IFMT) | (mode & 07777);
	if (!ns_perm_root(cred) && !ns_perm_in_group(cred, gid))
		a->mode &= ~S_ISGID;
	a->valid |= NS_SA_MODE;
	return 0;
}

static int chown_check(const struct ns_cred *cred, const struct ns_node *n,
		       uid_t uid, gid_t gid, struct attr_set *a)
{
	bool owner = cred->uid == n->uid, root = ns_perm_root(cred);

	if (uid != (uid_t)-1 && !root && !(owner && uid == n->uid))
		return -EPERM;
	if (gid != (gid_t)-1 && !root &&
	    !(owner && (gid == n->gid || ns_perm_in_group(cred, gid))))
		return -EPERM;
	a->uid = uid;
	a->gid = gid;
	a->valid |= SA_OWNER;
	return 0;
}

/* chown_common() and notify_change(): a non-directory loses set-user-ID,
 * and set-group-ID when group-executable or not the caller's group; that
 * mode change is then checked as a chmod. */
static int chown_kill(const struct ns_cred *cred, const struct ns_node *n,
		      struct attr_set *a)
{
	mode_t mode;

	if (n->type == NS_DIR)
		return 0;
	mode = n->mode & ~S_ISUID;
	if ((mode & S_ISGID) && ((mode & S_IXGRP) ||
	    !(ns_perm_root(cred) || ns_perm_in_group(cred, n->gid))))
		mode &= ~S_ISGID;
	if (mode == n->mode)
		return 0;
	return chmod_check(cred, n, mode,
			   a->gid == (gid_t)-1 ? n->gid : a->gid, a);
}

static bool nsec_valid(long nsec)
{
	return (nsec >= 0 && nsec <= 999999999) || nsec == UTIME_NOW ||
	       nsec == UTIME_OMIT;
}

/* Times set to "now" need the owner or write permission; explicit ones
 * the owner (may_setattr(), setattr_prepare()). */
static int times_check(const struct ns_cred *cred, const struct ns_node *n,
		       const struct timespec ts[2], struct attr_set *a)
{
	if (!nsec_valid(ts[0].tv_nsec) || !nsec_valid(ts[1].tv_nsec))
		return -EINVAL;
	if (!ns_perm_owner(cred, n)) {
		if (ts[0].tv_nsec != UTIME_NOW || ts[1].tv_nsec != UTIME_NOW)
			return -EPERM;
		if (ns_perm_check(cred, n, MAY_W) < 0)
			return -EACCES;
	}
	/* The store gets the very times the tree keeps. */
	for (int i = 0; i < 2; i++)
		a->ts[i] = ts[i].tv_nsec == UTIME_NOW ? a->now : ts[i];
	a->valid |= SA_TIMES;
	return 0;
}

/* The store gets the change in one piece (store_change): the undo record
 * holds what the tree says the inode has now. */
static int attr_store(struct ns *ns, const struct ns_node *n,
		      const struct attr_set *a)
{
	char path[PATH_MAX];
	bool chowned = a->valid & SA_OWNER;
	struct store_attr old = { .uid = n->uid, .gid = n->gid,
				  .mode = n->mode,
				  .ts = { n->atime, n->mtime } };
	struct store_attr to = { .uid = a->uid, .gid = a->gid,
				 .mode = a->mode,
				 .ts = { a->ts[0], a->ts[1] } };
	int r = ns_node_path(ns, n, path, sizeof(path));

	if (r < 0)
		return r;
	if (chowned)
		to.what |= STORE_OWNER;
	/* The store obeyed root's chown rules; the caller's may differ. */
	if (a->mode != n->mode ||
	    (chowned && (a->mode & (S_ISUID | S_ISGID))))
		to.what |= STORE_MODE;
	if (a->valid & SA_TIMES)
		to.what |= STORE_TIMES;
	return store_change(&ns->store, path, n->store_ino, &old, &to);
}

static int attr_apply(struct ns *ns, struct ns_node *n,
		      const struct attr_set *a)
{
	int r = ns_quota_may_chown(ns, n, a->uid);

	if (r == 0)
		r = attr_store(ns, n, a);
	if (r < 0)
		return r;
	ns_quota_chown(ns, n, a->uid);
	if (a->uid != (uid_t)-1)
		n->uid = a->uid;
	if (a->gid != (gid_t)-1)
		n->gid = a->gid;
	n->mode = a->mode;
	if (a->ts[0].tv_nsec != UTIME_OMIT)
		n->atime = a->ts[0];
	if (a->ts[1].tv_nsec != UTIME_OMIT)
		n->mtime = a->ts[1];
	n->ctime = a->now;
	ns->generation++;
	return 0;
}

int ns_chmod(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	     mode_t mode)
{
	struct attr_set a;
	struct ns_node *n;
	int r = ns_path_lookup(ns, cred, at, true, &n);

	if (r < 0)
		return r;
	attr_init(&a, n);
	r = chmod_check(cred, n, mode, n->gid, &a);
	return r < 0 ? r : attr_apply(ns, n, &a);
}

int ns_chown(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	     uid_t uid, gid_t gid)
{
	struct attr_set a;
	struct ns_node *n;
	int r = ns_path_lookup(ns, cred, at, true, &n);

	if (r < 0)
		return r;
	attr_init(&a, n);
	r = chown_check(cred, n, uid, gid, &a);
	if (r == 0)
		r = chown_kill(cred, n, &a);
	return r < 0 ? r : attr_apply(ns, n, &a);
}

int ns_utimens(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	       const struct timespec times[2])
{
	const struct timespec now2[2] = { { .tv_nsec = UTIME_NOW },
					  { .tv_nsec = UTIME_NOW } };
	const struct timespec *ts = times ? times : now2;
	struct attr_set a;
	struct ns_node *n;
	int r;

	/* As utimensat(): nothing to do, not even a path to check. */
	if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
		return 0;
	r = ns_path_lookup(ns, cred, at, true, &n);
	if (r < 0)
		return r;
	attr_init(&a, n);
	r = times_check(cred, n, ts, &a);
	return r < 0 ? r : attr_apply(ns, n, &a);
}

/* FUSE's setattr in setattr_prepare()'s order: owner, group, mode, times.
 * A mode given with a chown is final (the kernel computed what chown
 * takes away); without one, chown takes it here. */
static int setattr_check(const struct ns_cred *cred, const struct ns_node *n,
			 const struct ns_setattr *sa, struct attr_set *a)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };
	int r = 0;

	if (sa->valid & SA_OWNER)
		r = chown_check(cred, n,
				sa->valid & NS_SA_UID ? sa->uid : (uid_t)-1,
				sa->valid & NS_SA_GID ? sa->gid : (gid_t)-1, a);
	if (r == 0 && (sa->valid & SA_OWNER) && !(sa->valid & NS_SA_MODE))
		r = chown_kill(cred, n, a);
	if (r == 0 && (sa->valid & NS_SA_MODE))
		r = chmod_check(cred, n, sa->mode,
				a->gid == (gid_t)-1 ? n->gid : a->gid, a);
	if (sa->valid & NS_SA_ATIME)
		ts[0] = sa->atime;
	if (sa->valid & NS_SA_MTIME)
		ts[1] = sa->mtime;
	if (r == 0 && (sa->valid & SA_TIMES))
		r = times_check(cred, n, ts, a);
	return r;
}

int ns_setattr_ino(struct ns *ns, const struct ns_cred *cred, uint64_t ino,
		   const struct ns_setattr *sa, struct ns_stat *st)
{
	struct ns_node *n = ns_node_find(ns, ino);
	struct attr_set a;
	int r = ns_perm_cred_valid(cred);

	if (r < 0 || !sa)
		return r < 0 ? r : -EINVAL;
	if (!n)
		return -ENOENT;
	attr_init(&a, n);
	r = setattr_check(cred, n, sa, &a);
	if (r == 0 && a.valid)
		r = attr_apply(ns, n, &a);
	if (r == 0)
		ns_node_stat(ns, n, st);
	return r;
}
