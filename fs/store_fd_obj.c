/* fs/store_fd_obj.c: the fd store's objects: one fd per kernel object,
 * however many pins name it (a pin is an inode; several pins and hard
 * links may share one object), numbered for good (obj-<num> in systemd's
 * fd store, the number never reused), found by number and by kernel
 * (kind, id). One fd per object also keeps systemd from taking two pins'
 * fds for one (it stores an open file description once). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs/store_fd_int.h"

#define OTAB 1024               /* chains (objects are bounded: --fdstore-max) */

int fdo_init(struct store_fd *f)
{
	f->onum = calloc(OTAB, sizeof(*f->onum));
	f->oid = calloc(OTAB, sizeof(*f->oid));
	f->next_obj = 1;
	return f->onum && f->oid ? 0 : -ENOMEM;
}

struct fdo *fdo_by_num(const struct store_fd *f, uint64_t num)
{
	struct fdo *o = f->onum[num % OTAB];

	while (o && o->num != num)
		o = o->nnext;
	return o;
}

struct fdo *fdo_by_id(const struct store_fd *f, uint32_t kind, uint32_t id)
{
	struct fdo *o = f->oid[id % OTAB];

	while (o && (o->id != id || o->kind != kind))
		o = o->inext;
	return o;
}

struct fdo *fdo_new(struct store_fd *f, uint64_t num, uint32_t kind,
		    uint32_t id)
{
	struct fdo *o;

	if (num == 0)
		num = f->next_obj;
	if (fdo_by_num(f, num) || fdo_by_id(f, kind, id) ||
	    !(o = calloc(1, sizeof(*o))))
		return NULL;
	*o = (struct fdo){ .num = num, .kind = kind, .id = id, .fd = -1 };
	o->nnext = f->onum[num % OTAB];
	f->onum[num % OTAB] = o;
	o->inext = f->oid[id % OTAB];
	f->oid[id % OTAB] = o;
	if (num >= f->next_obj)
		f->next_obj = num + 1;
	return o;
}

static void unchain(struct store_fd *f, struct fdo *o)
{
	struct fdo **p = &f->onum[o->num % OTAB];

	while (*p != o)
		p = &(*p)->nnext;
	*p = o->nnext;
	p = &f->oid[o->id % OTAB];
	while (*p != o)
		p = &(*p)->inext;
	*p = o->inext;
}

void fdo_unref(struct store_fd *f, struct fdo *o, bool notify)
{
	if (!o || (o->refs > 0 && --o->refs > 0))
		return;
	if (o->fd >= 0) {
		if (notify) {
			char name[32];

			fds_fdname(o->num, name, sizeof(name));
			fds_remove(f, name);
		}
		close(o->fd);
		f->objects--;
	}
	unchain(f, o);
	free(o);
}

void fdo_fini(struct store_fd *f)
{
	for (size_t i = 0; f->onum && i < OTAB; i++)
		for (struct fdo *o = f->onum[i], *next; o; o = next) {
			next = o->nnext;
			if (o->fd >= 0)
				close(o->fd);
			free(o);
		}
	free(f->onum);
	free(f->oid);
	f->onum = f->oid = NULL;
}
