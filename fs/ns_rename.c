/* fs/ns_rename.c: rename with RENAME_NOREPLACE and RENAME_EXCHANGE, in
 * the order do_renameat2() and vfs_rename() check things (so that each
 * shape of mistake gets the kernel's errno), applied to the store with
 * renameat2() and then to the tree, which may no longer fail by then. */
#include "config.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>

#include "fs/ns_int.h"

struct rn {
	struct ns *ns;
	const struct ns_cred *cred;
	unsigned flags;
	struct ns_nd from, to;
	int links_from, links_to;
	struct ns_dentry *od, *nd;      /* source, target (NULL: none) */
	struct ns_node *old, *new;
};

static int rename_lookup(struct rn *rn, struct ns_at from, struct ns_at to)
{
	int r = ns_path_parent(&rn->from, &rn->links_from, rn->ns, rn->cred,
			       from);

	if (r == 0)
		r = ns_path_parent(&rn->to, &rn->links_to, rn->ns, rn->cred,
				   to);
	if (r < 0)
		return r;
	if (rn->from.type != LAST_NORM)
		return -EBUSY;
	if (rn->to.type != LAST_NORM)
		return rn->flags & RENAME_NOREPLACE ? -EEXIST : -EBUSY;
	r = ns_path_child(&rn->from, &rn->od);
	if (r < 0)
		return r;
	rn->old = rn->od->node;
	r = ns_path_child(&rn->to, &rn->nd);
	if (r < 0 && r != -ENOENT)
		return r;
	rn->new = rn->nd ? rn->nd->node : NULL;
	return 0;
}

static int rename_slashes(const struct rn *rn)
{
	bool exchange = rn->flags & RENAME_EXCHANGE;

	if ((rn->flags & RENAME_NOREPLACE) && rn->new)
		return -EEXIST;
	if (exchange && !rn->new)
		return -ENOENT;
	if (exchange && rn->new->type != NS_DIR && rn->to.slash)
		return -ENOTDIR;
	if (rn->old->type != NS_DIR &&
	    (rn->from.slash || (!exchange && rn->to.slash)))
		return -ENOTDIR;
	return 0;
}

/* The child of top on the way down to n, or NULL if n is not below top. */
static struct ns_node *child_toward(const struct ns *ns,
				    const struct ns_node *top,
				    struct ns_node *n)
{
	while (n != ns->root && n->names) {
		if (n->names->parent == top)
			return n;
		n = n->names->parent;
	}
	return NULL;
}

/* lock_rename()'s trap: a directory moved below itself, or a target that
 * holds the source. */
static int rename_trap(const struct rn *rn)
{
	const struct ns_node *t;

	if (rn->from.dir == rn->to.dir)
		return 0;
	t = child_toward(rn->ns, rn->from.dir, rn->to.dir);
	if (t)
		return t == rn->old ? -EINVAL : 0;
	t = child_toward(rn->ns, rn->to.dir, rn->from.dir);
	if (t && t == rn->new)
		return rn->flags & RENAME_EXCHANGE ? -EINVAL : -ENOTEMPTY;
	return 0;
}

/* vfs_rename(): deleting the source, deleting or creating the target, and
 * write permission on a directory that changes parent (its ".."). */
static int rename_perm(const struct rn *rn)
{
	bool isdir = rn->old->type == NS_DIR, exchange;
	int r = ns_perm_may_delete(rn->cred, rn->from.dir, rn->old, isdir);

	exchange = rn->flags & RENAME_EXCHANGE;
	if (r == 0 && !rn->new)
		r = ns_perm_may_create(rn->cred, rn->to.dir);
	else if (r == 0)
		r = ns_perm_may_delete(rn->cred, rn->to.dir, rn->new,
				    exchange ? rn->new->type == NS_DIR : isdir);
	if (r == 0 && rn->from.dir != rn->to.dir && isdir)
		r = ns_perm_check(rn->cred, rn->old, MAY_W);
	if (r == 0 && rn->from.dir != rn->to.dir && exchange &&
	    rn->new->type == NS_DIR)
		r = ns_perm_check(rn->cred, rn->new, MAY_W);
	if (r == 0 && !exchange && rn->new && rn->new->type == NS_DIR &&
	    rn->new->u.dir.live)
		r = -ENOTEMPTY;
	return r;
}

static void rename_tree(struct rn *rn, struct ns_dentry *moved)
{
	struct timespec now;

	ns_now(&now);
	rn->old->ctime = now;
	if (rn->new)
		rn->new->ctime = now;
	ns_node_touch_dir(rn->from.dir, &now);
	ns_node_touch_dir(rn->to.dir, &now);
	if (rn->flags & RENAME_EXCHANGE) {
		ns_dentry_swap(rn->od, rn->nd);
	} else {
		if (rn->nd) {
			ns_dentry_del(rn->ns, rn->nd);
			ns_node_release(rn->ns, rn->new);
		}
		ns_dentry_del(rn->ns, rn->od);
		ns_dentry_attach(rn->ns, rn->to.dir, moved, rn->old);
	}
	rn->ns->generation++;
}

static int rename_apply(struct rn *rn)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct ns_dentry *moved = NULL;
	int r = ns_tree_path(rn->ns, rn->from.dir, rn->od->name, rn->od->len,
			  from, sizeof(from));

	if (r == 0)
		r = ns_tree_path(rn->ns, rn->to.dir, rn->to.last, rn->to.len,
				 to, sizeof(to));
	if (r == 0 && !(rn->flags & RENAME_EXCHANGE)) {
		moved = ns_dentry_alloc(rn->to.last, rn->to.len);
		r = moved ? ns_dentry_reserve(rn->ns, rn->to.dir) : -ENOMEM;
	}
	if (r == 0 && rn->new && !(rn->flags & RENAME_EXCHANGE))
		ns_obj_keep(rn->ns, rn->new);
	if (r == 0)
		r = store_rename(from, to, rn->flags);
	if (r < 0) {
		free(moved);
		return r;
	}
	rename_tree(rn, moved);
	return 0;
}

int ns_rename(struct ns *ns, const struct ns_cred *cred, struct ns_at from,
	      struct ns_at to, unsigned flags)
{
	struct rn rn = { .ns = ns, .cred = cred, .flags = flags };
	int r;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) ||
	    flags == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	r = rename_lookup(&rn, from, to);
	if (r == 0)
		r = rename_slashes(&rn);
	if (r == 0)
		r = rename_trap(&rn);
	if (r < 0)
		return r;
	/* Two names of one node: nothing to do, as in vfs_rename(). */
	if (rn.old == rn.new)
		return 0;
	r = rename_perm(&rn);
	return r < 0 ? r : rename_apply(&rn);
}
