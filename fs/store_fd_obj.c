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

/* ids are nonzero, so the key is too */
static uint64_t id_key(uint32_t kind, uint32_t id)
{
	return (uint64_t)kind << 32 | id;
}

int fdo_init(struct store_fd *f)
{
	u64map_init(&f->onum);
	u64map_init(&f->oid);
	f->next_obj = 1;
	return 0;
}

static struct fdo *get(const struct u64map *m, uint64_t key)
{
	uint64_t v;

	return key && u64map_get(m, key, &v) ? (struct fdo *)(uintptr_t)v : NULL;
}

struct fdo *fdo_by_num(const struct store_fd *f, uint64_t num)
{
	return get(&f->onum, num);
}

struct fdo *fdo_by_id(const struct store_fd *f, uint32_t kind, uint32_t id)
{
	return get(&f->oid, id_key(kind, id));
}

struct fdo *fdo_new(struct store_fd *f, uint64_t num, uint32_t kind,
		    uint32_t id)
{
	struct fdo *o;

	if (num == 0)
		num = f->next_obj;
	if (!id_key(kind, id) || fdo_by_num(f, num) || fdo_by_id(f, kind, id) ||
	    !(o = calloc(1, sizeof(*o))))
		return NULL;
	*o = (struct fdo){ .num = num, .kind = kind, .id = id, .fd = -1 };
	if (u64map_put(&f->onum, num, (uintptr_t)o) < 0) {
		free(o);
		return NULL;
	}
	if (u64map_put(&f->oid, id_key(kind, id), (uintptr_t)o) < 0) {
		u64map_del(&f->onum, num);
		free(o);
		return NULL;
	}
	if (num >= f->next_obj)
		f->next_obj = num + 1;
	return o;
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
	u64map_del(&f->onum, o->num);
	u64map_del(&f->oid, id_key(o->kind, o->id));
	free(o);
}

void fdo_fini(struct store_fd *f)
{
	for (size_t i = 0; f->onum.keys && i <= f->onum.mask; i++) {
		struct fdo *o = get(&f->onum, f->onum.keys[i]);

		if (o && o->fd >= 0)
			close(o->fd);
		free(o);
	}
	u64map_fini(&f->onum);
	u64map_fini(&f->oid);
}
