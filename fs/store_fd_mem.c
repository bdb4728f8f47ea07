/* fs/store_fd_mem.c: the fd store's tree in memory: inodes by number,
 * names hashed by (directory, name), exact paths resolved from the root,
 * and the changes of fs/store_fd.c in two steps (check, then apply) so
 * that the journal goes between them. Errnos are the kernel's for the
 * same change on a bpffs. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>

#include "fs/store_fd_int.h"

#define TAB_MIN 64
#define NAME_MAX_LEN 255

static uint32_t name_hash(uint64_t dir, const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 8; i++)
		h = (h ^ (uint8_t)(dir >> (8 * i))) * 16777619u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

static int grow(void ***tab, size_t *mask, size_t count, size_t off_next,
		size_t (*slot)(const void *e, size_t mask))
{
	size_t cap = *mask + 1, ncap = cap * 2;
	void **nt;

	if (count < cap)
		return 0;
	if (!(nt = calloc(ncap, sizeof(*nt))))
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++) {
		for (void *e = (*tab)[i], *next; e; e = next) {
			void **link = (void **)((char *)e + off_next);
			size_t s = slot(e, ncap - 1);

			next = *link;
			*link = nt[s];
			nt[s] = e;
		}
	}
	free(*tab);
	*tab = nt;
	*mask = ncap - 1;
	return 0;
}

static size_t ino_slot(const void *e, size_t mask)
{
	return ((const struct fdn *)e)->ino & mask;
}

static size_t name_slot(const void *e, size_t mask)
{
	return ((const struct fdd *)e)->hash & mask;
}

struct fdn *fdm_find_ino(const struct store_fd *f, uint64_t ino)
{
	struct fdn *n = f->itab[ino & f->imask];

	while (n && n->ino != ino)
		n = n->inext;
	return n;
}

struct fdn *fdm_new(struct store_fd *f, uint64_t ino, mode_t mode)
{
	struct fdn *n;

	if (ino == 0)
		ino = f->next_ino;
	if (fdm_find_ino(f, ino) ||
	    grow((void ***)&f->itab, &f->imask, f->icount,
		 offsetof(struct fdn, inext), ino_slot) < 0 ||
	    !(n = calloc(1, sizeof(*n))))
		return NULL;
	n->ino = ino;
	n->mode = mode;
	n->nlink = S_ISDIR(mode) ? 2 : 0;
	n->inext = f->itab[ino & f->imask];
	f->itab[ino & f->imask] = n;
	f->icount++;
	if (ino >= f->next_ino)
		f->next_ino = ino + 1;
	return n;
}

void fdm_free(struct store_fd *f, struct fdn *n)
{
	struct fdn **p = &f->itab[n->ino & f->imask];

	while (*p && *p != n)
		p = &(*p)->inext;
	if (*p) {
		*p = n->inext;
		f->icount--;
	}
	fdo_unref(f, n->obj, false);
	free(n->target);
	free(n);
}

int fdm_init(struct store_fd *f, uid_t uid, gid_t gid)
{
	f->itab = calloc(TAB_MIN, sizeof(*f->itab));
	f->htab = calloc(TAB_MIN, sizeof(*f->htab));
	f->imask = f->hmask = TAB_MIN - 1;
	f->next_ino = 1;
	if (!f->itab || !f->htab || !(f->root = fdm_new(f, 1, S_IFDIR | 01777)))
		return -ENOMEM;
	f->root->uid = uid;
	f->root->gid = gid;
	clock_gettime(CLOCK_REALTIME, &f->root->mtime);
	f->root->atime = f->root->ctime = f->root->mtime;
	return 0;
}

static void free_tree(struct store_fd *f, struct fdn *dir)
{
	for (struct fdd *d = dir->kids, *next; d; d = next) {
		next = d->next;
		if (S_ISDIR(d->node->mode))
			free_tree(f, d->node);
		if (--d->node->nlink == 0 || S_ISDIR(d->node->mode))
			fdm_free(f, d->node);
		free(d);
	}
}

/* Frees the tree; the objects are fdo_fini's. */
void fdm_fini(struct store_fd *f)
{
	if (f->root && f->itab)
		free_tree(f, f->root);
	if (f->root)
		fdm_free(f, f->root);
	free(f->itab);
	free(f->htab);
	f->root = NULL;
	f->itab = NULL;
	f->htab = NULL;
}

static struct fdd *child(const struct store_fd *f, const struct fdn *dir,
			 const char *name, size_t len)
{
	uint32_t h = name_hash(dir->ino, name, len);

	for (struct fdd *d = f->htab[h & f->hmask]; d; d = d->hnext)
		if (d->hash == h && d->parent == dir &&
		    !strncmp(d->name, name, len) && !d->name[len])
			return d;
	return NULL;
}

/* Walks path's components but the last; *last: the last one. */
static int walk_parent(const struct store_fd *f, const char *path,
		       struct fdn **dir, const char **last)
{
	struct fdn *n = f->root;
	const char *p = path, *slash;

	while ((slash = strchr(p, '/'))) {
		struct fdd *d = child(f, n, p, (size_t)(slash - p));

		if (!d)
			return -ENOENT;
		if (!S_ISDIR(d->node->mode))
			return -ENOTDIR;
		n = d->node;
		p = slash + 1;
	}
	if (strlen(p) > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	*dir = n;
	*last = p;
	return 0;
}

int fdm_parent(const struct store_fd *f, const char *path, struct fdn **dir,
	       const char **name)
{
	int r = walk_parent(f, path, dir, name);

	return r == 0 && !**name ? -EEXIST : r;
}

int fdm_lookup(const struct store_fd *f, const char *path, struct fdd **d)
{
	struct fdn *dir;
	const char *last;
	int r;

	*d = NULL;
	if (!path[0])
		return 0;
	if ((r = walk_parent(f, path, &dir, &last)) < 0)
		return r;
	*d = last[0] ? child(f, dir, last, strlen(last)) : NULL;
	return *d ? 0 : -ENOENT;
}

struct fdn *fdm_node(const struct store_fd *f, const char *path)
{
	struct fdd *d;

	if (fdm_lookup(f, path, &d) < 0)
		return NULL;
	return d ? d->node : f->root;
}

void fdm_stat(const struct fdn *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	/* st_size 0, as a bpffs has it (symlinks too) */
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

static struct fdd *dentry_new(const struct fdn *dir, const char *name)
{
	size_t len = strlen(name);
	struct fdd *d = calloc(1, sizeof(*d) + len + 1);

	if (d) {
		memcpy(d->name, name, len + 1);
		d->hash = name_hash(dir->ino, name, len);
	}
	return d;
}

int fdm_name_check(struct store_fd *f, const char *path, struct fdn **dir,
		   struct fdd **d)
{
	const char *name;
	int r = fdm_parent(f, path, dir, &name);

	if (r < 0)
		return r;
	if (child(f, *dir, name, strlen(name)))
		return -EEXIST;
	if (grow((void ***)&f->htab, &f->hmask, f->hcount,
		 offsetof(struct fdd, hnext), name_slot) < 0 ||
	    !(*d = dentry_new(*dir, name)))
		return -ENOMEM;
	return 0;
}

/* now NULL: a snapshot's replay, which keeps the times recorded. */
static void touch(struct fdn *n, const struct timespec *now)
{
	if (now)
		n->mtime = n->ctime = *now;
}

void fdm_name_add(struct store_fd *f, struct fdn *dir, struct fdd *d,
		  struct fdn *n, const struct timespec *now)
{
	d->parent = dir;
	d->node = n;
	d->hash = name_hash(dir->ino, d->name, strlen(d->name));
	d->hnext = f->htab[d->hash & f->hmask];
	f->htab[d->hash & f->hmask] = d;
	f->hcount++;
	d->prev = NULL;
	d->next = dir->kids;
	if (dir->kids)
		dir->kids->prev = d;
	dir->kids = d;
	if (S_ISDIR(n->mode)) {
		dir->nlink++;
		n->up = d;
	} else
		n->nlink++;
	touch(dir, now);
}

/* Out of the hash and the sibling list; counts stay. */
static void unhook(struct store_fd *f, struct fdd *d)
{
	struct fdd **p = &f->htab[d->hash & f->hmask];

	while (*p && *p != d)
		p = &(*p)->hnext;
	if (*p) {
		*p = d->hnext;
		f->hcount--;
	}
	if (d->prev)
		d->prev->next = d->next;
	else
		d->parent->kids = d->next;
	if (d->next)
		d->next->prev = d->prev;
}

struct fdn *fdm_name_del(struct store_fd *f, struct fdd *d,
			 const struct timespec *now)
{
	struct fdn *n = d->node, *dir = d->parent;
	bool isdir = S_ISDIR(n->mode);

	unhook(f, d);
	free(d);
	touch(dir, now);
	n->ctime = *now;
	if (isdir) {
		dir->nlink--;
		n->up = NULL;
		return n;
	}
	return --n->nlink == 0 ? n : NULL;
}

int fdm_unlink_check(const struct store_fd *f, const char *path, bool dir,
		     struct fdd **d)
{
	int r = fdm_lookup(f, path, d);

	if (r == 0 && !*d)
		return dir ? -EBUSY : -EISDIR;
	if (r < 0)
		return r;
	if (dir && !S_ISDIR((*d)->node->mode))
		return -ENOTDIR;
	if (!dir && S_ISDIR((*d)->node->mode))
		return -EISDIR;
	return dir && (*d)->node->kids ? -ENOTEMPTY : 0;
}

/* Whether dir is n or below it (a directory has one name: up). */
static bool below(const struct store_fd *f, const struct fdn *dir,
		  const struct fdn *n)
{
	while (dir && dir != n && dir != f->root)
		dir = dir->up ? dir->up->parent : NULL;
	return dir == n;
}

static int rename_types(const struct fdm_rename *rn)
{
	bool odir = S_ISDIR(rn->od->node->mode);

	if (!rn->nd || (rn->flags & RENAME_EXCHANGE))
		return 0;
	if (odir && !S_ISDIR(rn->nd->node->mode))
		return -ENOTDIR;
	if (!odir && S_ISDIR(rn->nd->node->mode))
		return -EISDIR;
	return odir && rn->nd->node->kids ? -ENOTEMPTY : 0;
}

int fdm_rename_check(struct store_fd *f, const char *from, const char *to,
		     unsigned flags, struct fdm_rename *rn)
{
	const char *name;
	int r = fdm_lookup(f, from, &rn->od);

	*rn = (struct fdm_rename){ .od = rn->od, .flags = flags };
	if (r == 0 && !rn->od)
		r = -EBUSY;
	if (r == 0)
		r = fdm_parent(f, to, &rn->todir, &name);
	if (r < 0)
		return r == -EEXIST ? -EBUSY : r;
	rn->nd = child(f, rn->todir, name, strlen(name));
	if ((flags & RENAME_NOREPLACE) && rn->nd)
		return -EEXIST;
	if ((flags & RENAME_EXCHANGE) && !rn->nd)
		return -ENOENT;
	if (rn->nd && rn->nd->node == rn->od->node)
		return 0;
	if ((r = rename_types(rn)) < 0)
		return r;
	if (S_ISDIR(rn->od->node->mode) && below(f, rn->todir, rn->od->node))
		return -EINVAL;
	if (rn->nd && (flags & RENAME_EXCHANGE) &&
	    S_ISDIR(rn->nd->node->mode) &&
	    below(f, rn->od->parent, rn->nd->node))
		return -EINVAL;
	if (flags & RENAME_EXCHANGE)
		return 0;
	if (grow((void ***)&f->htab, &f->hmask, f->hcount + 1,
		 offsetof(struct fdd, hnext), name_slot) < 0 ||
	    !(rn->moved = dentry_new(rn->todir, name)))
		return -ENOMEM;
	return 0;
}

static void exchange(struct fdd *a, struct fdd *b, const struct timespec *now)
{
	struct fdn *na = a->node, *nb = b->node;

	if (a->parent != b->parent) {
		a->parent->nlink += S_ISDIR(nb->mode) - S_ISDIR(na->mode);
		b->parent->nlink += S_ISDIR(na->mode) - S_ISDIR(nb->mode);
	}
	a->node = nb;
	b->node = na;
	if (S_ISDIR(nb->mode))
		nb->up = a;
	if (S_ISDIR(na->mode))
		na->up = b;
	na->ctime = nb->ctime = *now;
	touch(a->parent, now);
	touch(b->parent, now);
}

struct fdn *fdm_rename_apply(struct store_fd *f, struct fdm_rename *rn,
			     const struct timespec *now)
{
	struct fdn *n = rn->od->node, *gone = NULL;

	if (rn->nd && rn->nd->node == n) {
		free(rn->moved);
		return NULL;
	}
	if (rn->flags & RENAME_EXCHANGE) {
		exchange(rn->od, rn->nd, now);
		return NULL;
	}
	if (rn->nd)
		gone = fdm_name_del(f, rn->nd, now);
	/* n keeps its count: one name goes, one comes */
	if (!S_ISDIR(n->mode))
		n->nlink++;
	fdm_name_del(f, rn->od, now);
	fdm_name_add(f, rn->todir, rn->moved, n, now);
	if (!S_ISDIR(n->mode))
		n->nlink--;
	n->ctime = *now;
	return gone;
}

void fdm_attr_apply(struct fdn *n, const struct store_attr *a,
		    const struct timespec *now)
{
	if (a->what & STORE_OWNER) {
		if (a->uid != (uid_t)-1)
			n->uid = a->uid;
		if (a->gid != (gid_t)-1)
			n->gid = a->gid;
		/* chown's rule for root: a non-directory loses set-user-ID,
		 * and set-group-ID when group-executable */
		if (!S_ISDIR(n->mode) && !S_ISLNK(n->mode)) {
			n->mode &= ~(mode_t)S_ISUID;
			if (n->mode & S_IXGRP)
				n->mode &= ~(mode_t)S_ISGID;
		}
	}
	if (a->what & STORE_MODE && !S_ISLNK(n->mode))
		n->mode = (n->mode & S_IFMT) | (a->mode & 07777);
	if (a->what & STORE_TIMES) {
		if (a->ts[0].tv_nsec != UTIME_OMIT)
			n->atime = a->ts[0];
		if (a->ts[1].tv_nsec != UTIME_OMIT)
			n->mtime = a->ts[1];
	}
	n->ctime = *now;
}

struct walk {
	const struct store_fd *f;
	fdm_walk_fn fn;
	void *arg;
	char path[PATH_MAX];
};

static int walk_dir(struct walk *w, const struct fdn *dir, size_t plen,
		    void *parent)
{
	/* Oldest first, as they were made: the list is newest first. */
	struct fdd *d = dir->kids;
	int r = 0;

	while (d && d->next)
		d = d->next;
	for (; d && r == 0; d = d->prev) {
		size_t nlen = strlen(d->name), off = plen ? plen + 1 : 0;
		void *sub = NULL;

		if (off + nlen >= sizeof(w->path))
			return -ENAMETOOLONG;
		if (plen)
			w->path[plen] = '/';
		memcpy(w->path + off, d->name, nlen + 1);
		r = w->fn(w->arg, d, w->path, &sub, parent);
		if (r == 0 && S_ISDIR(d->node->mode))
			r = walk_dir(w, d->node, off + nlen, sub);
		w->path[plen] = '\0';
	}
	return r;
}

int fdm_walk(const struct store_fd *f, void *root, fdm_walk_fn fn, void *arg)
{
	struct walk *w = malloc(sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->f = f;
	w->fn = fn;
	w->arg = arg;
	w->path[0] = '\0';
	r = walk_dir(w, f->root, 0, root);
	free(w);
	return r;
}
