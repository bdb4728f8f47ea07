/* fs/ns_obj.c: opening the BPF object behind a pin node: the access rule
 * of both faces for showing it (ns_open_obj); from the fd cache, else with
 * BPF_OBJ_GET on its store path; and for a pin whose last name is gone
 * while FUSE still knows its inode, by its kernel id: the object lives on
 * while a cached fd (or anyone else) holds it. No fd is held outside the
 * cache's bound, so removals never pile up fds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fs/ns_int.h"

/* The kernel hands out program and link fds rdwr whatever was asked, so
 * one cache slot serves every mode. */
int ns_obj_slot(const struct ns *ns, struct ns_node *n, int accmode)
{
	return ns_pin_obj(ns, n)->kind == OBJ_MAP ? accmode : O_RDWR;
}

/* What BPF_OBJ_GET says of a path that is no object. */
#define NOT_AN_OBJECT (-EACCES)

int ns_obj_check(const struct ns *ns, struct ns_node *n, int accmode)
{
	if (n->type != NS_PIN)
		return NOT_AN_OBJECT;
	if (ns_pin_obj(ns, n)->kind == OBJ_LINK && accmode != O_RDWR)
		return -EINVAL;
	return 0;
}

static int open_by_id(const struct ns_node *n, int acc)
{
	static const unsigned flags[] = {
		[O_RDONLY] = BPF_F_RDONLY, [O_WRONLY] = BPF_F_WRONLY,
	};
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts);
	uint32_t id = n->u.pin.obj.id;
	int fd;

	switch (n->u.pin.obj.kind) {
	case OBJ_MAP:
		opts.open_flags = flags[acc];
		fd = bpf_map_get_fd_by_id_opts(id, &opts);
		break;
	case OBJ_PROG:
		fd = bpf_prog_get_fd_by_id(id);
		break;
	case OBJ_LINK:
		fd = bpf_link_get_fd_by_id(id);
		break;
	default:
		return -ENOENT;
	}
	return fd < 0 ? -ENOENT : fd;
}

static int open_fresh(struct ns *ns, const struct ns_node *n, int acc)
{
	char path[PATH_MAX];
	int r;

	if (!n->names)
		return open_by_id(n, acc);
	r = ns_node_path(ns, n, path, sizeof(path));
	return r < 0 ? r : store_get(path, acc);
}

int ns_obj_open(struct ns *ns, struct ns_node *n, int accmode, int *fd)
{
	int acc = ns_obj_slot(ns, n, accmode);
	int r = ns_fdc_get(ns, n, acc), dup;

	if (r >= 0) {
		*fd = r;
		return 0;
	}
	r = open_fresh(ns, n, acc);
	if (r < 0)
		return r;
	dup = ns->fdc.max ? fcntl(r, F_DUPFD_CLOEXEC, 0) : -1;
	if (dup < 0) {
		*fd = r;
		return 0;
	}
	ns_fdc_put(ns, n, acc, r);
	*fd = dup;
	return 0;
}

/* A hit lends the cache's own fd, so a GET that only sends it needs no
 * dup and no close (SCM_RIGHTS takes its own reference). A miss opens as
 * ns_obj_open does: an fd the cache keeps could be closed again by the
 * very put that stores it. */
int ns_obj_lend(struct ns *ns, struct ns_node *n, int accmode, int *fd,
		bool *lent)
{
	int r = ns_fdc_peek(ns, n, ns_obj_slot(ns, n, accmode));

	*lent = r >= 0;
	if (r < 0)
		return ns_obj_open(ns, n, accmode, fd);
	*fd = r;
	return 0;
}

/* Before a pin's name goes, make sure it is identified (its store path
 * may be about to vanish: ns_pin_obj needs it) and, for its last name,
 * that the cache holds it: FUSE may still read it by inode. Not a link:
 * holding it would keep it attached after its last pin went. */
void ns_obj_keep(struct ns *ns, struct ns_node *n)
{
	int fd;

	if (n->type != NS_PIN || ns_pin_obj(ns, n)->kind == OBJ_LINK ||
	    n->nlookup == 0 || n->nlink > 1 ||
	    !ns->fdc.max || ns_obj_open(ns, n, O_RDWR, &fd) < 0)
		return;
	close(fd);
}

/* NS_AT_INO: the node by number, never followed; else a path, followed. */
static int use_lookup(struct ns *ns, const struct ns_cred *cred,
		      struct ns_at at, struct ns_node **n)
{
	if (at.path && !at.path[0]) {
		*n = ns_node_find(ns, at.dir);
		return *n ? ns_perm_cred_valid(cred) : -ENOENT;
	}
	return ns_path_lookup(ns, cred, at, true, n);
}

int ns_open_obj(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		enum ns_use use, int *fd, struct ns_stat *st)
{
	struct ns_node *n;
	int r;

	if ((use != NS_USE_SHOW && use != NS_USE_ATTACH) || !fd)
		return -EINVAL;
	r = use_lookup(ns, cred, at, &n);
	if (r < 0)
		return r;
	if (n->type != NS_PIN)
		return n->type == NS_DIR ? -EISDIR : -EINVAL;
	r = ns_perm_check(cred, n, use == NS_USE_SHOW ? MAY_R : MAY_W);
	if (r == 0)
		r = ns_obj_open(ns, n, ns_pin_obj(ns, n)->kind == OBJ_MAP &&
				use == NS_USE_SHOW ? O_RDONLY : O_RDWR, fd);
	if (r == 0)
		ns_node_stat(ns, n, st);
	return r;
}
