/* fs/ns_perm.c: the kernel's file permission rules applied to the
 * namespace's nodes for a caller's credentials: mode bits (uid 0 as a
 * process with CAP_DAC_OVERRIDE and CAP_FOWNER), the sticky bit, and the
 * protected_hardlinks rule. A cred marked checked had its DAC checks made
 * by the kernel already (FUSE with default_permissions). */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include "fs/ns_int.h"

bool ns_perm_root(const struct ns_cred *c)
{
	return c->uid == 0;
}

bool ns_perm_in_group(const struct ns_cred *c, gid_t gid)
{
	if (c->gid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++) {
		if (c->groups[i] == gid)
			return true;
	}
	return false;
}

bool ns_perm_owner(const struct ns_cred *c, const struct ns_node *n)
{
	return c->uid == n->uid || ns_perm_root(c);
}

int ns_perm_check(const struct ns_cred *c, const struct ns_node *n, int mask)
{
	mode_t bits;

	if (c->checked)
		return 0;
	if (ns_perm_root(c)) {
		/* Even root executes only what someone may execute. */
		if (!(mask & MAY_X) || n->type == NS_DIR || (n->mode & 0111))
			return 0;
		return -EACCES;
	}
	if (c->uid == n->uid)
		bits = n->mode >> 6;
	else if (ns_perm_in_group(c, n->gid))
		bits = n->mode >> 3;
	else
		bits = n->mode;
	return ((int)bits & mask) == mask ? 0 : -EACCES;
}

static bool sticky_denies(const struct ns_cred *c, const struct ns_node *dir,
			  const struct ns_node *victim)
{
	if (c->checked || !(dir->mode & S_ISVTX))
		return false;
	return victim->uid != c->uid && dir->uid != c->uid && !ns_perm_root(c);
}

int ns_perm_may_delete(const struct ns_cred *c, const struct ns_node *dir,
		    const struct ns_node *victim, bool isdir)
{
	int r = ns_perm_check(c, dir, MAY_W | MAY_X);

	if (r < 0)
		return r;
	if (sticky_denies(c, dir, victim))
		return -EPERM;
	if (isdir && victim->type != NS_DIR)
		return -ENOTDIR;
	if (isdir && victim->ino == NS_ROOT_INO)
		return -EBUSY;
	if (!isdir && victim->type == NS_DIR)
		return -EISDIR;
	if (ns_node_is_dead(dir))
		return -ENOENT;
	return 0;
}

int ns_perm_may_create(const struct ns_cred *c, const struct ns_node *dir)
{
	if (ns_node_is_dead(dir))
		return -ENOENT;
	return ns_perm_check(c, dir, MAY_W | MAY_X);
}

/* fs.protected_hardlinks: linking what one does not own needs a plain
 * pin one may read and write. */
int ns_perm_may_link(const struct ns_cred *c, const struct ns_node *n)
{
	if (c->checked || ns_perm_owner(c, n))
		return 0;
	if (n->type != NS_PIN || (n->mode & S_ISUID) ||
	    (n->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		return -EPERM;
	return ns_perm_check(c, n, MAY_R | MAY_W) < 0 ? -EPERM : 0;
}

int ns_perm_cred_valid(const struct ns_cred *c)
{
	if (!c || c->ngroups < 0 || c->ngroups > NS_NGROUPS_MAX ||
	    (c->ngroups > 0 && !c->groups))
		return -EINVAL;
	return 0;
}
