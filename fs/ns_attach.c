/* fs/ns_attach.c: who may attach a link to what (fs/ns.h): a cgroup
 * directory by the kernel's permission rule on its owner, group and mode;
 * what reaches the whole system, root only; and whether a pin could be
 * made at a name, asked before a link is made for it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/ns_int.h"

int ns_may_attach_dir(const struct ns_cred *cred, uid_t uid, gid_t gid,
		      mode_t mode, char *why, size_t whylen)
{
	mode_t bits;

	if (ns_perm_cred_valid(cred) < 0)
		return -EINVAL;
	if (ns_perm_root(cred))
		return 0;
	if (cred->uid == uid)
		bits = mode >> 6;
	else if (ns_perm_in_group(cred, gid))
		bits = mode >> 3;
	else
		bits = mode;
	if (bits & 2)
		return 0;
	snprintf(why, whylen, "uid %u may not write the cgroup directory "
		 "(owner %u, group %u, mode %04o): attaching to it needs that",
		 (unsigned)cred->uid, (unsigned)uid, (unsigned)gid,
		 (unsigned)(mode & 07777));
	return -EACCES;
}

int ns_may_attach_system(const struct ns_cred *cred, const char *what,
			 char *why, size_t whylen)
{
	if (ns_perm_cred_valid(cred) < 0)
		return -EINVAL;
	if (ns_perm_root(cred))
		return 0;
	snprintf(why, whylen, "attaching to %s is for root (uid 0) only", what);
	return -EPERM;
}

/* The checks ns_pin makes of the new name (fs/ns_create.c and the
 * store's bpffs rule of a '.'), and the caller's node quota. */
int ns_may_pin(struct ns *ns, const struct ns_cred *cred, struct ns_at at)
{
	struct ns_usage u;
	struct ns_nd nd;
	int links, r = ns_path_parent(&nd, &links, ns, cred, at);

	if (r == 0)
		r = ns_path_may_create(&nd, false);
	if (r == 0 && memchr(nd.last, '.', nd.len))
		r = -EPERM;
	if (r < 0 || ns_perm_root(cred) || !ns->limits.nodes)
		return r;
	ns_usage(ns, cred->uid, &u);
	return u.nodes >= ns->limits.nodes ? -EDQUOT : 0;
}
