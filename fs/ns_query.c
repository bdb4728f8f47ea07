/* fs/ns_query.c: the operations that read the namespace: stat, readlink,
 * readdir with its resumable cookies, and get, which hands out the object
 * behind a pin opened with the access mode asked for. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "fs/ns_int.h"

int ns_stat(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	    bool follow, struct ns_stat *st)
{
	struct ns_node *n;
	int r = ns_path_lookup(ns, cred, at, follow, &n);

	if (r == 0)
		ns_node_stat(ns, n, st);
	return r;
}

int ns_stat_ino(struct ns *ns, uint64_t ino, struct ns_stat *st)
{
	struct ns_node *n = ns_node_find(ns, ino);

	if (!n)
		return -ENOENT;
	ns_node_stat(ns, n, st);
	return 0;
}

static int readlink_node(const struct ns_node *n, char *buf, size_t size)
{
	size_t len;

	if (n->type != NS_SYMLINK)
		return -EINVAL;
	if (size) {
		len = n->u.sym.len < size ? n->u.sym.len : size - 1;
		memcpy(buf, n->u.sym.target, len);
		buf[len] = '\0';
	}
	return (int)n->u.sym.len;
}

int ns_readlink(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		char *buf, size_t size)
{
	struct ns_node *n;
	int r = ns_path_lookup(ns, cred, at, false, &n);

	return r < 0 ? r : readlink_node(n, buf, size);
}

int ns_readlink_ino(struct ns *ns, uint64_t ino, char *buf, size_t size)
{
	const struct ns_node *n = ns_node_find(ns, ino);

	return n ? readlink_node(n, buf, size) : -ENOENT;
}

/* fn must not change the namespace: entries are read in place. */
int ns_readdir(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	       uint64_t cookie, ns_dirent_fn fn, void *arg)
{
	struct ns_node *n;
	struct ns_dir *dir;
	int r = ns_path_lookup(ns, cred, at, true, &n);

	if (r < 0)
		return r;
	if (n->type != NS_DIR)
		return -ENOTDIR;
	r = ns_perm_check(cred, n, MAY_R);
	if (r < 0)
		return r;
	dir = &n->u.dir;
	for (uint32_t i = ns_dir_seek(dir, cookie); i < dir->n; i++) {
		const struct ns_dentry *d = dir->slots[i].d;
		struct ns_dirent de;

		if (!d)
			continue;
		de.name = d->name;
		de.cookie = d->cookie;
		ns_node_stat(ns, d->node, &de.st);
		if (fn(&de, arg))
			break;
	}
	return 0;
}

static int accmode_mask(int accmode)
{
	switch (accmode) {
	case O_RDONLY:
		return MAY_R;
	case O_WRONLY:
		return MAY_W;
	case O_RDWR:
		return MAY_R | MAY_W;
	default:
		return -EINVAL;
	}
}

/* The pin at at, if cred may open it with accmode. */
static int get_node(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		    int accmode, struct ns_node **n)
{
	int mask = accmode_mask(accmode), r;

	if (mask < 0)
		return -EINVAL;
	r = ns_path_lookup(ns, cred, at, true, n);
	if (r == 0)
		r = ns_perm_check(cred, *n, mask);
	if (r == 0)
		r = ns_obj_check(ns, *n, accmode);
	return r;
}

int ns_get(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	   int accmode, int *fd, struct ns_stat *st)
{
	struct ns_node *n;
	int r = fd ? get_node(ns, cred, at, accmode, &n) : -EINVAL;

	if (r == 0)
		r = ns_obj_open(ns, n, accmode, fd);
	if (r == 0)
		ns_node_stat(ns, n, st);
	return r;
}

int ns_get_lent(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		int accmode, int *fd, bool *lent, struct ns_stat *st)
{
	struct ns_node *n;
	int r = fd && lent ? get_node(ns, cred, at, accmode, &n) : -EINVAL;

	if (r == 0)
		r = ns_obj_lend(ns, n, accmode, fd, lent);
	if (r == 0)
		ns_node_stat(ns, n, st);
	return r;
}
