/* fs/store_fd_open.c: opening the fd store at start: its paths, the state
 * file read back (fs/store_fd_load.c), the objects the service manager
 * passes back (LISTEN_FDS, names obj-<ino>) matched to the pins the state
 * names, and what does not match let go: an fd no pin names (a crash
 * between FDSTORE and its record, or an object unpinned before a crash
 * cut FDSTOREREMOVE short) is closed and removed from the manager's
 * store; a pin whose object did not come back (the manager lost it: a
 * FileDescriptorStoreMax= too small, a stop that flushed the store) is
 * dropped. Each is logged. Then a new snapshot of what is left. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/obj.h"
#include "fs/store_fd_int.h"

static int set(char *buf, const char *a, const char *b)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", a, b);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : n;
}

/* dir (STATE/store) is never made: the tree is in memory; the files are
 * in STATE, beside the side log, as the bpffs store has them. */
static int set_paths(struct store *s, const char *dir)
{
	char parent[PATH_MAX], real[PATH_MAX], sub[PATH_MAX];
	const char *slash = strrchr(dir, '/'), *base = slash ? slash + 1 : dir;
	struct store_fd *f = s->fd;
	int r;

	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - dir) : 1,
		 slash ? (slash == dir ? "/" : dir) : ".");
	if (!realpath(parent, real))
		return -errno;
	if ((r = set(sub, real, base)) < 0 || (r = set(s->root, sub, "ns")) < 0)
		return r;
	s->rootlen = (size_t)r;
	s->stage[0] = '\0';
	if ((r = set(s->meta, real, "meta.log")) < 0 ||
	    (r = set(f->state, real, "fdstore.state")) < 0 ||
	    (r = set(f->journal, real, "fdstore.journal")) < 0)
		return r;
	return 0;
}

static void self_init(struct store *s)
{
	const char *crash = getenv("BPFPIND_CRASH_AT");
	char boot[64] = "";
	FILE *b = fopen("/proc/sys/kernel/random/boot_id", "re");

	s->uid = geteuid();
	s->gid = getegid();
	s->umask = umask(022);
	umask(s->umask);
	s->staged = 0;
	snprintf(s->crash_at, sizeof(s->crash_at), "%s", crash ? crash : "");
	if (b) {
		if (!fgets(boot, sizeof(boot), b))
			boot[0] = '\0';
		fclose(b);
	}
	boot[strcspn(boot, "\n ")] = '\0';
	/* a boot id is 36 characters */
	snprintf(s->fd->boot_id, sizeof(s->fd->boot_id), "%.36s",
		 boot[0] ? boot : "unknown");
}

/* "obj-" and a number as fds_fdname writes it (no sign, no leading 0). */
static uint64_t name_num(const char *name)
{
	const char *p = name + 4;
	uint64_t v = 0;

	if (strncmp(name, "obj-", 4) || *p < '1' || *p > '9' ||
	    strlen(p) > 19)
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

/* A name fit to send back in FDSTOREREMOVE (systemd's own rule). */
static bool name_sendable(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == ':')
			return false;
	return true;
}

static int take_one(void *arg, const char *name, int fd)
{
	struct store_fd *f = arg;
	uint64_t num = name_num(name);
	struct fdo *o = num ? fdo_by_num(f, num) : NULL;
	struct obj_ident id;
	char why[128];

	if (!o) {
		fds_log(f, "fd store: %.64s passed back: no pin of that number "
			"in the state file: closed and removed", name);
		close(fd);
		if (name_sendable(name))
			fds_remove(f, name);
		return 0;
	}
	if (o->fd >= 0) {
		fds_log(f, "fd store: %s passed back twice: the second closed",
			name);
		close(fd);
		return 0;
	}
	if (obj_identify(fd, &id, why, sizeof(why)) < 0 ||
	    id.kind != o->kind || id.id != o->id) {
		fds_log(f, "fd store: %s passed back is not the %s of id %u the "
			"state file names: closed", name,
			obj_kind_name((enum obj_kind)o->kind), o->id);
		close(fd);
		return 0;
	}
	o->fd = fd;
	o->acc = id.kind == OBJ_MAP ? fcntl(fd, F_GETFL) & O_ACCMODE : O_RDWR;
	f->objects++;
	return 0;
}

struct lost {
	struct store_fd *f;
	struct fdd **d;
	size_t n, cap;
};

static int find_lost(void *arg, struct fdd *d, const char *path, void **dir,
		     void *parent)
{
	struct lost *l = arg;

	(void)parent;
	*dir = NULL;
	if (!S_ISREG(d->node->mode) || (d->node->obj && d->node->obj->fd >= 0))
		return 0;
	fds_log(l->f, "fd store: pin %s: its object (%s) did not come back "
		"from the service manager: dropped", path, d->node->obj ?
		obj_kind_name((enum obj_kind)d->node->obj->kind) : "none");
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct fdd **more = realloc(l->d, cap * sizeof(*more));

		if (!more)
			return -ENOMEM;
		l->d = more;
		l->cap = cap;
	}
	l->d[l->n++] = d;
	return 0;
}

static int drop_lost(struct store_fd *f)
{
	struct lost l = { .f = f };
	struct timespec now;
	int r = fdm_walk(f, NULL, find_lost, &l);

	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		struct fdn *gone = fdm_name_del(f, l.d[i], &now);

		/* the manager may hold a wrong fd by that name */
		if (gone && gone->obj && gone->obj->refs == 1) {
			char name[32];

			fds_fdname(gone->obj->num, name, sizeof(name));
			fds_remove(f, name);
		}
		if (gone)
			fdm_free(f, gone);
	}
	free(l.d);
	return r;
}

int fds_open(struct store *s, const char *dir, bool *fresh)
{
	struct store_fd *f = s->fd;
	int r = set_paths(s, dir);

	if (r < 0)
		return r;
	self_init(s);
	if ((r = fdo_init(f)) < 0 || (r = fdm_init(f, s->uid, s->gid)) < 0 ||
	    (r = fdl_load(f, fresh)) < 0)
		return r;
	if ((r = f->ops->take("obj-", take_one, f)) < 0 ||
	    (r = drop_lost(f)) < 0)
		return r;
	if (f->objects > f->ops->max)
		fds_log(f, "fd store: %u objects came back, more than "
			"--fdstore-max %u: no pin is taken until some go",
			f->objects, f->ops->max);
	return fdl_compact(f);
}
