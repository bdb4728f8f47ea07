/* fs/ns_dentry.c: names in the namespace: one hash table keyed by (parent
 * inode, name) for O(1) lookups, and per directory an array of entries in
 * cookie order (tombstones, compacted now and then) so that a listing can
 * resume at any cookie by binary search. Link counts follow the names. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ns_int.h"

#define HTAB_MIN 1024
#define COMPACT_MIN 64

static uint32_t name_hash(uint64_t parent, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (parent * 0x9e3779b97f4a7c15ULL);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static int htab_grow(struct ns *ns)
{
	size_t size = ns->htab ? (ns->hmask + 1) * 2 : HTAB_MIN;
	struct ns_dentry **t = calloc(size, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; ns->htab && i <= ns->hmask; i++) {
		struct ns_dentry *d = ns->htab[i], *next;

		for (; d; d = next) {
			next = d->hnext;
			d->hnext = t[d->hash & (size - 1)];
			t[d->hash & (size - 1)] = d;
		}
	}
	free(ns->htab);
	ns->htab = t;
	ns->hmask = size - 1;
	return 0;
}

struct ns_dentry *ns_dentry_find(const struct ns *ns, const struct ns_node *dir,
			      const char *name, size_t len)
{
	uint32_t h = name_hash(dir->ino, name, len);
	struct ns_dentry *d;

	if (!ns->htab)
		return NULL;
	for (d = ns->htab[h & ns->hmask]; d; d = d->hnext) {
		if (d->hash == h && d->parent == dir && d->len == len &&
		    memcmp(d->name, name, len) == 0)
			return d;
	}
	return NULL;
}

static int slots_reserve(struct ns_dir *dir)
{
	uint32_t cap = dir->cap ? dir->cap * 2 : 8;
	struct ns_slot *s;

	if (dir->n < dir->cap)
		return 0;
	s = realloc(dir->slots, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	dir->slots = s;
	dir->cap = cap;
	return 0;
}

static void slot_append(struct ns_dir *dir, struct ns_dentry *d)
{
	d->cookie = dir->next_cookie++;
	d->slot = dir->n;
	dir->slots[dir->n++] = (struct ns_slot){ d->cookie, d };
	dir->live++;
}

static void slots_compact(struct ns_dir *dir)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < dir->n; i++) {
		if (!dir->slots[i].d)
			continue;
		dir->slots[j] = dir->slots[i];
		dir->slots[j].d->slot = j;
		j++;
	}
	dir->n = j;
}

/* Gives memory back after mass removals; a failed shrink is fine. */
static void slots_shrink(struct ns_dir *dir)
{
	uint32_t cap = 2 * (dir->n + COMPACT_MIN);
	struct ns_slot *s;

	if (dir->cap <= 2 * cap)
		return;
	s = realloc(dir->slots, cap * sizeof(*s));
	if (s) {
		dir->slots = s;
		dir->cap = cap;
	}
}

static void slot_del(struct ns_dir *dir, struct ns_dentry *d)
{
	uint32_t dead;

	dir->slots[d->slot].d = NULL;
	dir->live--;
	while (dir->n && !dir->slots[dir->n - 1].d)
		dir->n--;
	dead = dir->n - dir->live;
	if (dead >= COMPACT_MIN && dead > dir->live)
		slots_compact(dir);
	slots_shrink(dir);
}

uint32_t ns_dir_seek(const struct ns_dir *dir, uint64_t cookie)
{
	uint32_t lo = 0, hi = dir->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (dir->slots[mid].cookie <= cookie)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void alias_link(struct ns_dentry *d, struct ns_node *n)
{
	d->node = n;
	d->alias_prev = NULL;
	d->alias_next = n->names;
	if (n->names)
		n->names->alias_prev = d;
	n->names = d;
}

static void alias_unlink(struct ns_dentry *d)
{
	if (d->alias_prev)
		d->alias_prev->alias_next = d->alias_next;
	else
		d->node->names = d->alias_next;
	if (d->alias_next)
		d->alias_next->alias_prev = d->alias_prev;
}

/* A directory counts 2 (its name and its "."), plus one per subdirectory
 * (their ".."); anything else one per name. */
static void nlink_add(struct ns_node *parent, struct ns_node *n, int sign)
{
	if (n->type == NS_DIR) {
		parent->nlink += sign;
		n->nlink += 2 * sign;
	} else {
		n->nlink += sign;
	}
}

struct ns_dentry *ns_dentry_alloc(const char *name, size_t len)
{
	struct ns_dentry *d = malloc(sizeof(*d) + len + 1);

	if (!d)
		return NULL;
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->len = (uint16_t)len;
	return d;
}

int ns_dentry_reserve(struct ns *ns, struct ns_node *dir)
{
	if (ns->hcount >= (ns->htab ? ns->hmask + 1 : 0) && htab_grow(ns) < 0)
		return -ENOMEM;
	return slots_reserve(&dir->u.dir);
}

void ns_dentry_attach(struct ns *ns, struct ns_node *dir, struct ns_dentry *d,
		   struct ns_node *n)
{
	d->parent = dir;
	d->hash = name_hash(dir->ino, d->name, d->len);
	slot_append(&dir->u.dir, d);
	d->hnext = ns->htab[d->hash & ns->hmask];
	ns->htab[d->hash & ns->hmask] = d;
	ns->hcount++;
	alias_link(d, n);
	nlink_add(dir, n, 1);
}

int ns_dentry_add(struct ns *ns, struct ns_node *dir, const char *name,
	       size_t len, struct ns_node *n)
{
	struct ns_dentry *d;

	if (ns_dentry_reserve(ns, dir) < 0)
		return -ENOMEM;
	d = ns_dentry_alloc(name, len);
	if (!d)
		return -ENOMEM;
	ns_dentry_attach(ns, dir, d, n);
	return 0;
}

void ns_dentry_del(struct ns *ns, struct ns_dentry *d)
{
	struct ns_dentry **p = &ns->htab[d->hash & ns->hmask];

	while (*p != d)
		p = &(*p)->hnext;
	*p = d->hnext;
	ns->hcount--;
	slot_del(&d->parent->u.dir, d);
	nlink_add(d->parent, d->node, -1);
	alias_unlink(d);
	free(d);
}

void ns_dentry_swap(struct ns_dentry *d, struct ns_dentry *e)
{
	struct ns_node *a = d->node, *b = e->node;

	nlink_add(d->parent, a, -1);
	nlink_add(e->parent, b, -1);
	alias_unlink(d);
	alias_unlink(e);
	alias_link(d, b);
	alias_link(e, a);
	nlink_add(d->parent, b, 1);
	nlink_add(e->parent, a, 1);
}
