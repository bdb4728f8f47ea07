/* fs/store_fd.c: the store over systemd's fd store (--store=fdstore), for
 * hosts where no private bpffs can be mounted. Each pinned kernel object's
 * fd (one per object, however many pins name it: store_fd_obj.c) is sent
 * to the service manager (FDSTORE=1, FDNAME=obj-<num>, a number the state
 * file keeps) and comes back through LISTEN_FDS at the next start; the
 * tree itself lives in memory (store_fd_mem.c) and in the state
 * file (store_fd_log.c), each change journalled and fsync'd before it is
 * applied, so before the namespace replies. Order, so that a crash never
 * leaves a name without its object: an object is sent before its record
 * is written, and its record goes before FDSTOREREMOVE. What a crash
 * leaves between the two is an fd no record names: closed, and removed
 * from the manager's store, at the next start. See doc/fdstore.md. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/obj.h"
#include "fs/store_fd.h"
#include "fs/store_fd_int.h"

#define FDNAME_PREFIX "obj-"

static const struct store_fd_ops *wanted;
static struct store *active;    /* the one fd store of the process */

void store_use_fdstore(const struct store_fd_ops *ops)
{
	wanted = ops;
}

bool store_fd_wanted(void)
{
	return wanted != NULL;
}

bool store_fd_owns(const char *path)
{
	return active && !strncmp(path, active->root, active->rootlen) &&
	       (path[active->rootlen] == '/' || !path[active->rootlen]);
}

/* The path inside the tree: "" for the root. */
static const char *rel(const char *path)
{
	const char *p = path + active->rootlen;

	return *p == '/' ? p + 1 : p;
}

void fds_log(const struct store_fd *f, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (f->ops->log)
		f->ops->log(line);
}

void fds_fdname(uint64_t num, char *buf, size_t size)
{
	snprintf(buf, size, FDNAME_PREFIX "%" PRIu64, num);
}

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

void fds_remove(const struct store_fd *f, const char *name)
{
	char state[320];
	int r;

	snprintf(state, sizeof(state), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	if ((r = f->ops->notify(state)) < 0)
		fds_log(f, "fd store: FDSTOREREMOVE of %s: %s (the service "
			"manager keeps the object until it is restarted)",
			name, strerror(-r));
}

/* n lost its last name: its object goes from the manager's store if no
 * other pin names it. */
static void release(struct store *s, struct fdn *n)
{
	if (!n)
		return;
	if (n->obj && n->obj->refs == 1 && n->obj->fd >= 0)
		store_crash_point(s, "fdstore-journaled");
	fdo_unref(s->fd, n->obj, true);
	n->obj = NULL;
	fdm_free(s->fd, n);
}

void store_fd_close(struct store *s)
{
	struct store_fd *f = s->fd;

	if (!f)
		return;
	if (f->jfd >= 0)
		close(f->jfd);
	fdm_fini(f);
	fdo_fini(f);
	free(f);
	s->fd = NULL;
	if (active == s)
		active = NULL;
}

/* The store's own fd of the object behind fd (the caller's). A map it
 * may only read or only write is opened again read-write by id: a pin's
 * mode is the pin's, not its first fd's, as BPF_OBJ_GET on a bpffs. */
static int own_fd(struct fdo *o, int fd, int acc)
{
	o->acc = o->kind == OBJ_MAP ? acc & O_ACCMODE : O_RDWR;
	if (o->kind == OBJ_MAP && o->acc != O_RDWR &&
	    (o->fd = bpf_map_get_fd_by_id(o->id)) >= 0) {
		o->acc = O_RDWR;
		return 0;
	}
	o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return o->fd < 0 ? -errno : 0;
}

static int send_object(struct store *s, const struct fdo *o)
{
	char state[96], name[32];
	int r;

	fds_fdname(o->num, name, sizeof(name));
	snprintf(state, sizeof(state), "FDSTORE=1\nFDPOLL=0\nFDNAME=%s", name);
	if ((r = s->fd->ops->send(state, o->fd)) < 0) {
		fds_log(s->fd, "fd store: sending %s to the service manager: %s",
			name, strerror(-r));
		return r;
	}
	store_crash_point(s, "fdstore-sent");
	return 0;
}

/* Logged once until there is room again: refusals cost a client nothing,
 * and the log is not theirs to fill. */
static int full(struct store_fd *f)
{
	if (!f->full_logged)
		fds_log(f, "fd store full: %u objects held (--fdstore-max): a pin "
			"is refused with ENOSPC", f->objects);
	f->full_logged = true;
	return -ENOSPC;
}

/* The object behind fd, known already or new: then numbered, given an fd
 * of the store's own and sent to the manager (*sent). */
static int object(struct store *s, int fd, struct fdo **out, bool *sent)
{
	struct store_fd *f = s->fd;
	struct obj_ident id;
	char why[128];
	int acc, r = obj_identify(fd, &id, why, sizeof(why));

	*sent = false;
	if (r < 0)
		return r;
	if ((*out = fdo_by_id(f, id.kind, id.id)))
		return 0;               /* (every object holds its fd) */
	if (f->objects >= f->ops->max)
		return full(f);
	f->full_logged = false;
	if ((acc = fcntl(fd, F_GETFL)) < 0)
		return -errno;
	if (!(*out = fdo_new(f, 0, id.kind, id.id)))
		return -ENOMEM;
	/* on failure, no reference: freed, its fd closed */
	if ((r = own_fd(*out, fd, acc)) < 0) {
		fdo_unref(f, *out, false);
		return r;
	}
	f->objects++;
	if ((r = send_object(s, *out)) < 0) {
		fdo_unref(f, *out, false);
		return r;
	}
	*sent = true;
	return 0;
}

static int fill(struct store *s, struct fdn *n, const struct store_new *nw,
		bool *sent)
{
	int r;

	*sent = false;
	switch (nw->mode & S_IFMT) {
	case S_IFDIR:
		return 0;
	case S_IFLNK:
		n->target = strdup(nw->target ? nw->target : "");
		return n->target ? 0 : -ENOMEM;
	case S_IFREG:
		if ((r = object(s, nw->fd, &n->obj, sent)) < 0) {
			n->obj = NULL;
			return r;
		}
		n->obj->refs++;
		return 0;
	default:
		return -EINVAL;
	}
}

int store_fd_create(struct store *s, const char *path,
		    const struct store_new *nw, struct stat *st)
{
	struct store_fd *f = s->fd;
	const char *p = rel(path);
	struct timespec t;
	struct fdn *n, *dir;
	struct fdd *d;
	bool sent;
	int r;

	if ((r = fdm_name_check(f, p, &dir, &d)) < 0)
		return r;
	if (!(n = fdm_new(f, 0, nw->mode))) {
		free(d);
		return -ENOMEM;
	}
	n->uid = nw->uid;
	n->gid = nw->gid;
	now(&t);
	n->atime = n->mtime = n->ctime = t;
	r = fill(s, n, nw, &sent);
	if (r == 0)
		r = fdl_create(f, p, n);
	if (r < 0) {
		/* the last reference to an object just sent takes it back */
		if (n->obj)
			fdo_unref(f, n->obj, sent);
		n->obj = NULL;
		fdm_free(f, n);
		free(d);
		return r;
	}
	fdm_name_add(f, dir, d, n, &t);
	fdm_stat(n, st);
	fdl_maybe_compact(f);
	return 0;
}

int store_fd_change(struct store *s, const char *path,
		    const struct store_attr *to)
{
	struct store_fd *f = s->fd;
	struct fdn *n = fdm_node(f, rel(path));
	struct timespec t;
	int r;

	if (!n)
		return -ENOENT;
	now(&t);
	if ((r = fdl_attr(f, rel(path), to, &t)) < 0)
		return r;
	fdm_attr_apply(n, to, &t);
	fdl_maybe_compact(f);
	return 0;
}

/* One fd per object: a dup, or for a map in another mode a new fd by id
 * with that mode, so that the kernel still enforces it. */
int store_fd_get(const char *path, int accmode)
{
	static const unsigned flags[] = {
		[O_RDONLY] = BPF_F_RDONLY, [O_WRONLY] = BPF_F_WRONLY,
		[O_RDWR] = 0,
	};
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts);
	struct fdn *n = fdm_node(active->fd, rel(path));
	struct fdo *o = n ? n->obj : NULL;
	int fd;

	if (!n)
		return -ENOENT;
	if (!S_ISREG(n->mode))
		return -EACCES;         /* BPF_OBJ_GET of no object */
	if (!o || o->fd < 0)
		return -ENOENT;
	if (o->kind != OBJ_MAP || accmode == o->acc) {
		fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
	opts.open_flags = flags[accmode];
	fd = bpf_map_get_fd_by_id_opts(o->id, &opts);
	return fd < 0 ? -errno : fd;
}

int store_fd_remove(const char *path, bool dir)
{
	struct store_fd *f = active->fd;
	struct timespec t;
	struct fdd *d;
	int r = fdm_unlink_check(f, rel(path), dir, &d);

	if (r < 0)
		return r;
	now(&t);
	if ((r = fdl_remove(f, rel(path), dir, &t)) < 0)
		return r;
	release(active, fdm_name_del(f, d, &t));
	fdl_maybe_compact(f);
	return 0;
}

int store_fd_rename(const char *from, const char *to, unsigned flags)
{
	struct store_fd *f = active->fd;
	struct fdm_rename rn;
	struct timespec t;
	int r = fdm_rename_check(f, rel(from), rel(to), flags, &rn);

	if (r < 0)
		return r;
	if (rn.nd && rn.nd->node == rn.od->node) {
		free(rn.moved);
		return 0;
	}
	now(&t);
	if ((r = fdl_rename(f, rel(from), rel(to), flags, &t)) < 0) {
		free(rn.moved);
		return r;
	}
	release(active, fdm_rename_apply(f, &rn, &t));
	fdl_maybe_compact(f);
	return 0;
}

int store_fd_link(const char *from, const char *to)
{
	struct store_fd *f = active->fd;
	struct fdn *n = fdm_node(f, rel(from)), *dir;
	struct timespec t;
	struct fdd *d;
	int r;

	if (!n)
		return -ENOENT;
	if (S_ISDIR(n->mode))
		return -EPERM;
	if ((r = fdm_name_check(f, rel(to), &dir, &d)) < 0)
		return r;
	now(&t);
	if ((r = fdl_link(f, n->ino, rel(to), &t)) < 0) {
		free(d);
		return r;
	}
	fdm_name_add(f, dir, d, n, &t);
	n->ctime = t;
	fdl_maybe_compact(f);
	return 0;
}

int store_fd_lstat(const char *path, struct stat *st)
{
	struct fdn *n = fdm_node(active->fd, rel(path));

	if (!n)
		return -ENOENT;
	fdm_stat(n, st);
	return 0;
}

struct walk_abs {
	store_walk_fn fn;
	void *arg;
	const struct store *s;
	char path[PATH_MAX];
};

static int walk_one(void *arg, struct fdd *d, const char *path, void **dir,
		    void *parent)
{
	struct walk_abs *w = arg;
	struct stat st;
	struct store_entry e = { .parent = parent, .name = d->name,
				 .path = w->path, .st = &st,
				 .target = d->node->target };
	int n = snprintf(w->path, sizeof(w->path), "%s/%s", w->s->root, path);

	if (n < 0 || (size_t)n >= sizeof(w->path))
		return -ENAMETOOLONG;
	fdm_stat(d->node, &st);
	return w->fn(w->arg, &e, dir);
}

int store_fd_walk(const struct store *s, void *root, store_walk_fn fn,
		  void *arg)
{
	struct walk_abs *w = malloc(sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	*w = (struct walk_abs){ .fn = fn, .arg = arg, .s = s };
	r = fdm_walk(s->fd, root, walk_one, w);
	free(w);
	return r;
}

int store_fd_open(struct store *s, const char *dir, bool *fresh)
{
	struct store_fd *f;
	int r;

	if (active)
		return -EBUSY;
	if (!(f = calloc(1, sizeof(*f))))
		return -ENOMEM;
	f->ops = wanted;
	f->jfd = -1;
	s->kind = STORE_FDSTORE;
	s->fd = f;
	active = s;
	if ((r = fds_open(s, dir, fresh)) < 0)
		store_fd_close(s);
	return r;
}
