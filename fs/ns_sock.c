/* fs/ns_sock.c: what the namespace says about sockets handed to a sockmap
 * (who may add a socket, who may take one from another process by pid)
 * and about the sockmaps it pins (is an object still pinned anywhere, and
 * the hook told when a pin's last name goes, so the sockmap manager can
 * let go of a sockmap nobody pins). */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "fs/ns_int.h"

int ns_may_add_sock(const struct ns_cred *cred, uid_t sock_uid, char *why,
		    size_t whylen)
{
	if (cred->uid == 0 || cred->uid == sock_uid)
		return 0;
	snprintf(why, whylen, "the socket belongs to uid %u: only its owner or "
		 "root may add it to a sockmap", (unsigned)sock_uid);
	return -EPERM;
}

/* The rule of ptrace's PTRACE_MODE_REALCREDS without capabilities: every
 * uid and gid of the target is the caller's, and the target is dumpable
 * (a set-user-ID program is not). Root may take any but the daemon's. */
int ns_may_take_fd(const struct ns_cred *cred, const struct ns_proc *p,
		   char *why, size_t whylen)
{
	if (p->is_self) {
		snprintf(why, whylen, "pid %d is bpfpind itself: its fds are never "
			 "taken", (int)p->pid);
		return -EPERM;
	}
	if (cred->uid == 0)
		return 0;
	for (int i = 0; i < 3; i++)
		if (p->uids[i] != cred->uid || p->gids[i] != cred->gid) {
			snprintf(why, whylen, "pid %d runs as another user: taking its "
				 "fds needs the right to ptrace it", (int)p->pid);
			return -EPERM;
		}
	if (!p->dumpable) {
		snprintf(why, whylen, "pid %d is not dumpable (set-user-ID, or it "
			 "said so): taking its fds needs the right to ptrace it",
			 (int)p->pid);
		return -EPERM;
	}
	return 0;
}

bool ns_obj_pinned(const struct ns *ns, enum obj_kind kind, uint32_t id)
{
	for (size_t i = 0; i <= ns->imask; i++)
		for (struct ns_node *n = ns->itab[i]; n; n = n->ino_next)
			if (n->type == NS_PIN && n->names &&
			    ns_pin_obj(ns, n)->kind == kind &&
			    n->u.pin.obj.id == id)
				return true;
	return false;
}

void ns_set_unpin_hook(struct ns *ns, ns_unpin_fn fn, void *arg)
{
	ns->unpin_fn = fn;
	ns->unpin_arg = arg;
}

void ns_unpinned(struct ns *ns, const struct obj_ident *obj)
{
	if (ns->unpin_fn)
		ns->unpin_fn(obj, ns->unpin_arg);
}
