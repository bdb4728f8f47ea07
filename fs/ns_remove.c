/* fs/ns_remove.c: unlink and rmdir, with do_unlinkat()'s and do_rmdir()'s
 * errno for each shape of path, applied to the store before the tree. */
#include "config.h"

#include <errno.h>

#include "fs/ns_int.h"

/* The store has dropped d's name: drop it from the tree. */
static void remove_name(struct ns *ns, struct ns_dentry *d)
{
	struct ns_node *n = d->node, *dir = d->parent;
	struct timespec now;

	ns_now(&now);
	n->ctime = now;
	ns_node_touch_dir(dir, &now);
	ns_dentry_del(ns, d);
	ns_node_release(ns, n);
	ns->generation++;
}

static int remove_apply(struct ns *ns, struct ns_dentry *d, bool isdir)
{
	char path[PATH_MAX];
	int r = ns_tree_path(ns, d->parent, d->name, d->len, path,
			     sizeof(path));

	if (r < 0)
		return r;
	ns_obj_keep(ns, d->node);
	r = isdir ? store_rmdir(path) : store_unlink(path);
	if (r < 0)
		return r;
	remove_name(ns, d);
	return 0;
}

int ns_unlink(struct ns *ns, const struct ns_cred *cred, struct ns_at at)
{
	struct ns_dentry *d;
	struct ns_nd nd;
	int links, r = ns_path_parent(&nd, &links, ns, cred, at);

	if (r < 0)
		return r;
	if (nd.type != LAST_NORM)
		return -EISDIR;
	r = ns_path_child(&nd, &d);
	if (r < 0)
		return r;
	/* "name/": the entry itself (never followed) had to be a dir. */
	if (nd.slash)
		return d->node->type == NS_DIR ? -EISDIR : -ENOTDIR;
	r = ns_perm_may_delete(cred, nd.dir, d->node, false);
	return r < 0 ? r : remove_apply(ns, d, false);
}

static int rmdir_last_type(enum ns_last type)
{
	switch (type) {
	case LAST_DOTDOT:
		return -ENOTEMPTY;
	case LAST_DOT:
		return -EINVAL;
	case LAST_ROOT:
		return -EBUSY;
	default:
		return 0;
	}
}

int ns_rmdir(struct ns *ns, const struct ns_cred *cred, struct ns_at at)
{
	struct ns_dentry *d;
	struct ns_nd nd;
	int links, r = ns_path_parent(&nd, &links, ns, cred, at);

	if (r == 0)
		r = rmdir_last_type(nd.type);
	if (r == 0)
		r = ns_path_child(&nd, &d);
	if (r == 0)
		r = ns_perm_may_delete(cred, nd.dir, d->node, true);
	if (r == 0 && d->node->u.dir.live)
		r = -ENOTEMPTY;
	return r < 0 ? r : remove_apply(ns, d, true);
}
