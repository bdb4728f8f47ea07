/* fs/ns_path.c: path resolution in the namespace, as the kernel's namei
 * does it: search permission on every directory walked, "." and "..",
 * symlinks followed in the middle (at most NS_SYMLOOP_MAX in all, absolute
 * targets from the namespace root), trailing slashes asking for a
 * directory. The last component is left to the operation. A name that
 * is not there and not UTF-8 is EILSEQ (fs/ns_name.c). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fs/ns_int.h"

static int walk(struct ns_nd *nd, struct ns_node *dir, const char *p);

static enum ns_last name_type(const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return LAST_DOT;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return LAST_DOTDOT;
	return LAST_NORM;
}

static int follow(struct ns_nd *nd, struct ns_node *linkdir,
		  const struct ns_node *link, struct ns_node **out)
{
	struct ns_nd sub = { .ns = nd->ns, .cred = nd->cred,
			     .links = nd->links };
	int r;

	if ((*nd->links)++ >= NS_SYMLOOP_MAX)
		return -ELOOP;
	r = walk(&sub, linkdir, link->u.sym.target);
	return r < 0 ? r : ns_path_final(&sub, true, out);
}

static int step(struct ns_nd *nd, struct ns_node **dir, const char *name,
		size_t len)
{
	struct ns_dentry *d;
	struct ns_node *n;
	int r;

	switch (name_type(name, len)) {
	case LAST_DOT:
		return 0;
	case LAST_DOTDOT:
		n = ns_node_parent(*dir);
		if (!n)
			return -ENOENT;
		*dir = n;
		return 0;
	default:
		break;
	}
	if (len > NS_NAME_MAX)
		return -ENAMETOOLONG;
	d = ns_dentry_find(nd->ns, *dir, name, len);
	if (!d)
		return ns_name_absent(name, len);
	n = d->node;
	if (n->type == NS_SYMLINK) {
		r = follow(nd, *dir, n, &n);
		if (r < 0)
			return r;
	}
	if (n->type != NS_DIR)
		return -ENOTDIR;
	*dir = n;
	return 0;
}

static void set_last(struct ns_nd *nd, struct ns_node *dir, const char *p,
		     size_t len)
{
	nd->dir = dir;
	nd->last = p;
	nd->len = len;
	nd->type = len ? name_type(p, len) : LAST_ROOT;
	nd->slash = !len || p[len] == '/';
}

static int walk(struct ns_nd *nd, struct ns_node *dir, const char *p)
{
	if (*p == '/') {
		dir = nd->ns->root;
		while (*p == '/')
			p++;
	}
	if (!*p) {
		set_last(nd, dir, p, 0);
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, "/");
		const char *rest = p + len;
		int r;

		while (*rest == '/')
			rest++;
		r = ns_perm_check(nd->cred, dir, MAY_X);
		if (r < 0)
			return r;
		if (!*rest) {
			set_last(nd, dir, p, len);
			return 0;
		}
		r = step(nd, &dir, p, len);
		if (r < 0)
			return r;
		p = rest;
	}
}

static int start_dir(struct ns *ns, struct ns_at at, struct ns_node **dir)
{
	struct ns_node *n;

	if (at.path[0] == '/') {
		*dir = ns->root;
		return 0;
	}
	n = ns_node_find(ns, at.dir);
	if (!n)
		return -ENOENT;
	if (n->type != NS_DIR)
		return -ENOTDIR;
	*dir = n;
	return 0;
}

static int path_check(const char *path)
{
	size_t len;

	if (!path)
		return -EINVAL;
	len = strnlen(path, NS_PATH_MAX);
	if (len == 0)
		return -ENOENT;
	return len >= NS_PATH_MAX ? -ENAMETOOLONG : 0;
}

int ns_path_parent(struct ns_nd *nd, int *links, struct ns *ns,
		const struct ns_cred *cred, struct ns_at at)
{
	struct ns_node *dir = NULL;
	int r = ns_perm_cred_valid(cred);

	if (r == 0)
		r = path_check(at.path);
	if (r == 0)
		r = start_dir(ns, at, &dir);
	if (r < 0)
		return r;
	*links = 0;
	*nd = (struct ns_nd){ .ns = ns, .cred = cred, .links = links };
	return walk(nd, dir, at.path);
}

int ns_path_child(const struct ns_nd *nd, struct ns_dentry **d)
{
	*d = NULL;
	if (nd->type != LAST_NORM)
		return 0;
	if (nd->len > NS_NAME_MAX)
		return -ENAMETOOLONG;
	*d = ns_dentry_find(nd->ns, nd->dir, nd->last, nd->len);
	return *d ? 0 : ns_name_absent(nd->last, nd->len);
}

int ns_path_final(struct ns_nd *nd, bool follow_last, struct ns_node **out)
{
	struct ns_dentry *d;
	struct ns_node *n = nd->dir;
	int r;

	if (nd->type == LAST_DOTDOT) {
		n = ns_node_parent(nd->dir);
		if (!n)
			return -ENOENT;
	} else if (nd->type == LAST_NORM) {
		r = ns_path_child(nd, &d);
		if (r < 0)
			return r;
		n = d->node;
	}
	if (n->type == NS_SYMLINK && (follow_last || nd->slash)) {
		r = follow(nd, nd->dir, n, &n);
		if (r < 0)
			return r;
	}
	if (nd->slash && n->type != NS_DIR)
		return -ENOTDIR;
	*out = n;
	return 0;
}

int ns_path_lookup(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		bool follow_last, struct ns_node **out)
{
	struct ns_nd nd;
	int links, r = ns_path_parent(&nd, &links, ns, cred, at);

	return r < 0 ? r : ns_path_final(&nd, follow_last, out);
}

int ns_path_new_name(const struct ns_nd *nd, bool want_dir)
{
	struct ns_dentry *d;
	int r;

	if (nd->type != LAST_NORM)
		return -EEXIST;
	r = ns_path_child(nd, &d);
	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	/* "name/" that does not exist asks for a directory, not a pin. */
	if (nd->slash && !want_dir)
		return -ENOENT;
	return 0;
}

int ns_path_may_create(const struct ns_nd *nd, bool want_dir)
{
	int r = ns_path_new_name(nd, want_dir);

	return r < 0 ? r : ns_perm_may_create(nd->cred, nd->dir);
}
