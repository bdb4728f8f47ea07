/* fs/ns_tree.c: the namespace's nodes: their inode numbers (a hash from ino
 * to node, for FUSE), their lifetime (freed once nameless and no longer
 * looked up), and the store path of a node, built by walking names up. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/ns_int.h"

#define ITAB_MIN 1024

static int itab_grow(struct ns *ns)
{
	size_t size = (ns->imask + 1) * 2;
	struct ns_node **t = calloc(size, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i <= ns->imask; i++) {
		struct ns_node *n = ns->itab[i], *next;

		for (; n; n = next) {
			next = n->ino_next;
			n->ino_next = t[n->ino & (size - 1)];
			t[n->ino & (size - 1)] = n;
		}
	}
	free(ns->itab);
	ns->itab = t;
	ns->imask = size - 1;
	return 0;
}

static void itab_del(struct ns *ns, struct ns_node *n)
{
	struct ns_node **p = &ns->itab[n->ino & ns->imask];

	while (*p != n)
		p = &(*p)->ino_next;
	*p = n->ino_next;
}

struct ns_node *ns_node_find(const struct ns *ns, uint64_t ino)
{
	struct ns_node *n = ns->itab[ino & ns->imask];

	while (n && n->ino != ino)
		n = n->ino_next;
	return n;
}

struct ns_node *ns_node_new(struct ns *ns, enum ns_type type)
{
	struct ns_node *n;

	if (ns->nodes > ns->imask && itab_grow(ns) < 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->type = type;
	n->ino = ns->next_ino++;
	/* Cookies 1 and 2 are FUSE's "." and "..". */
	if (type == NS_DIR)
		n->u.dir.next_cookie = 3;
	n->ino_next = ns->itab[n->ino & ns->imask];
	ns->itab[n->ino & ns->imask] = n;
	ns->nodes++;
	ns->of_type[type]++;
	return n;
}

void ns_node_free(struct ns *ns, struct ns_node *n)
{
	ns_quota_uncharge(ns, n);
	ns_prov_free(n);
	itab_del(ns, n);
	ns->nodes--;
	ns->of_type[n->type]--;
	switch (n->type) {
	case NS_DIR:
		free(n->u.dir.slots);
		break;
	case NS_PIN:
		ns_fdc_drop_node(ns, n);
		break;
	case NS_SYMLINK:
		free(n->u.sym.target);
		break;
	}
	free(n);
}

void ns_node_release(struct ns *ns, struct ns_node *n)
{
	if (n->names || n == ns->root)
		return;
	ns_quota_uncharge(ns, n);
	ns_prov_forget(ns, n);
	/* a link the daemon held would stay attached: removing its last
	 * pin detaches it, whatever FUSE still remembers of the inode */
	if (n->type == NS_PIN && ns_pin_obj(ns, n)->kind == OBJ_LINK)
		ns_fdc_drop_node(ns, n);
	if (n->type == NS_PIN)
		ns_unpinned(ns, ns_pin_obj(ns, n));
	/* A nameless pin FUSE still knows keeps its cached fds, within the
	 * cache's bound, until it is forgotten or evicted. */
	if (n->nlookup == 0)
		ns_node_free(ns, n);
}

bool ns_node_is_dead(const struct ns_node *n)
{
	return n->ino != NS_ROOT_INO && !n->names;
}

struct ns_node *ns_node_parent(const struct ns_node *dir)
{
	if (dir->ino == NS_ROOT_INO)
		return (struct ns_node *)dir;
	return dir->names ? dir->names->parent : NULL;
}

void ns_node_stat(const struct ns *ns, struct ns_node *n, struct ns_stat *st)
{
	if (!st)
		return;
	/* first: identifying may find the side log's pid is not this pin's */
	if (n->type == NS_PIN)
		ns_pin_obj(ns, n);
	memset(st, 0, sizeof(*st));
	st->ino = n->ino;
	st->type = n->type;
	st->mode = n->mode;
	st->uid = n->uid;
	st->gid = n->gid;
	st->nlink = n->nlink;
	st->atime = n->atime;
	st->mtime = n->mtime;
	st->ctime = n->ctime;
	st->pid = n->pid;
	/* size stays 0 for every node, symlinks too, as bpffs reports it */
	if (n->type == NS_PIN)
		st->obj = n->u.pin.obj;
}

void ns_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

void ns_node_touch_dir(struct ns_node *dir, const struct timespec *now)
{
	dir->mtime = *now;
	dir->ctime = *now;
}

static int prepend(char *buf, size_t *pos, const char *s, size_t len)
{
	if (*pos < len)
		return -ENAMETOOLONG;
	*pos -= len;
	memcpy(buf + *pos, s, len);
	return 0;
}

static int prepend_name(char *buf, size_t *pos, const char *s, size_t len)
{
	int r = prepend(buf, pos, s, len);

	return r < 0 ? r : prepend(buf, pos, "/", 1);
}

int ns_tree_path(const struct ns *ns, const struct ns_node *dir,
	      const char *name, size_t len, char *buf, size_t size)
{
	size_t pos = size - 1;
	int r = 0;

	buf[pos] = '\0';
	if (name)
		r = prepend_name(buf, &pos, name, len);
	for (const struct ns_node *n = dir; r == 0 && n != ns->root;
	     n = n->names->parent) {
		if (!n->names)
			return -ENOENT;
		r = prepend_name(buf, &pos, n->names->name, n->names->len);
	}
	if (r == 0)
		r = prepend(buf, &pos, ns->store.root, ns->store.rootlen);
	if (r < 0)
		return r;
	memmove(buf, buf + pos, size - pos);
	return 0;
}

int ns_node_path(const struct ns *ns, const struct ns_node *n, char *buf,
	      size_t size)
{
	if (n == ns->root)
		return ns_tree_path(ns, n, NULL, 0, buf, size);
	if (!n->names)
		return -ENOENT;
	return ns_tree_path(ns, n->names->parent, n->names->name, n->names->len,
			 buf, size);
}

int ns_tree_init(struct ns *ns)
{
	ns->itab = calloc(ITAB_MIN, sizeof(*ns->itab));
	if (!ns->itab)
		return -ENOMEM;
	ns->imask = ITAB_MIN - 1;
	ns->next_ino = NS_ROOT_INO;
	ns->root = ns_node_new(ns, NS_DIR);
	if (!ns->root)
		return -ENOMEM;
	ns->root->nlink = 2;
	return 0;
}

/* Names go first, all at once: their directories may be freed before them
 * in inode table order. The charges go before them: nothing is left to
 * count. */
void ns_tree_fini(struct ns *ns)
{
	ns_quota_fini(ns);
	for (size_t i = 0; ns->htab && i <= ns->hmask; i++) {
		struct ns_dentry *d = ns->htab[i], *next;

		for (; d; d = next) {
			next = d->hnext;
			free(d);
		}
	}
	for (size_t i = 0; ns->itab && i <= ns->imask; i++) {
		while (ns->itab[i]) {
			ns->itab[i]->names = NULL;
			ns_node_free(ns, ns->itab[i]);
		}
	}
	free(ns->itab);
	free(ns->htab);
	ns->itab = NULL;
	ns->htab = NULL;
}
