/* fs/ns_load.c: rebuilding the tree from the store when the namespace
 * opens: every directory, pin and symlink with its owner, mode and times
 * (one fstatat each), hard links made one node again (same store inode),
 * the pids of the side log put back, and what each uid owns counted
 * again. Which object a pin holds is read later, the first time it is
 * asked (ns_pin_obj): opening every object at start (BPF_OBJ_GET, the
 * readlink that tells its kind, its info, a close) was most of the time
 * a store of 100,000 pins took to open. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/obj.h"
#include "fs/ns_int.h"

struct load {
	struct ns *ns;
	struct u64map meta;  /* store inode -> obj id << 32 | pid */
	struct u64map links; /* store inode -> node, nlink > 1 */
};

static void load_attrs(struct ns_node *n, const struct stat *st)
{
	n->mode = st->st_mode;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->atime = st->st_atim;
	n->mtime = st->st_mtim;
	n->ctime = st->st_ctim;
	n->store_ino = st->st_ino;
}

/* The side log's line of a node that holds no object has id 0; a pin's
 * pid waits for the pin's identification (ns_pin_obj). */
static void load_pid(const struct load *l, struct ns_node *n)
{
	uint32_t logged;
	uint64_t v;

	if (!u64map_get(&l->meta, n->store_ino, &v))
		return;
	logged = (uint32_t)(v >> 32);
	if (n->type == NS_PIN)
		n->u.pin.logged_id = logged;
	if (n->type == NS_PIN || logged == 0)
		n->pid = (pid_t)(uint32_t)v;
}

/* Resources may come back: the next ask tries again. Anything else
 * leaves a pin whose object cannot be told, as kind OBJ_NONE. */
static bool transient(int err)
{
	return err == -EMFILE || err == -ENFILE || err == -ENOMEM;
}

static void identify(const struct ns *ns, struct ns_node *n)
{
	struct ns_pin_node *p = &n->u.pin;
	char path[PATH_MAX], why[128];
	int r = ns_node_path(ns, n, path, sizeof(path));
	int fd = r < 0 ? r : store_get(path, O_RDWR);

	if (transient(fd))
		return;
	p->pending = false;
	if (fd >= 0 && obj_identify(fd, &p->obj, why, sizeof(why)) < 0)
		memset(&p->obj, 0, sizeof(p->obj));
	if (fd >= 0)
		close(fd);
	if (p->obj.id != p->logged_id)
		n->pid = 0;
}

const struct obj_ident *ns_pin_obj(const struct ns *ns, struct ns_node *n)
{
	if (n->u.pin.pending)
		identify(ns, n);
	return &n->u.pin.obj;
}

static enum ns_type load_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return NS_DIR;
	if (S_ISREG(mode))
		return NS_PIN;
	return S_ISLNK(mode) ? NS_SYMLINK : 0;
}

static int load_node(struct load *l, const struct store_entry *e,
		     enum ns_type type, struct ns_node **out)
{
	struct ns_node *n = ns_node_new(l->ns, type);

	if (!n)
		return -ENOMEM;
	load_attrs(n, e->st);
	if (type == NS_SYMLINK) {
		n->u.sym.len = strlen(e->target);
		n->u.sym.target = strdup(e->target);
		if (!n->u.sym.target) {
			ns_node_free(l->ns, n);
			return -ENOMEM;
		}
	}
	if (type == NS_PIN)
		n->u.pin.pending = true;
	load_pid(l, n);
	*out = n;
	return 0;
}

static int load_entry(void *arg, const struct store_entry *e, void **dir)
{
	struct load *l = arg;
	enum ns_type type = load_type(e->st->st_mode);
	struct ns_node *n = NULL;
	uint64_t v;
	int r;

	if (!type)
		return 0;
	if (e->st->st_nlink > 1 && type != NS_DIR &&
	    u64map_get(&l->links, e->st->st_ino, &v))
		n = (struct ns_node *)(uintptr_t)v;
	if (!n) {
		r = load_node(l, e, type, &n);
		if (r < 0)
			return r;
		if (e->st->st_nlink > 1 && type != NS_DIR)
			u64map_put(&l->links, e->st->st_ino, (uintptr_t)n);
	}
	r = ns_dentry_add(l->ns, e->parent, e->name, strlen(e->name), n);
	if (r < 0 && !n->names)
		ns_node_free(l->ns, n);
	*dir = n;
	return r;
}

int ns_load_tree(struct ns *ns)
{
	struct load l = { .ns = ns };
	struct stat st;
	int r = store_lstat(ns->store.root, &st);

	if (r < 0)
		return r;
	load_attrs(ns->root, &st);
	u64map_init(&l.meta);
	u64map_init(&l.links);
	r = ns_meta_load(ns, &l.meta);
	if (r == 0) {
		load_pid(&l, ns->root);
		r = store_walk(&ns->store, ns->root, load_entry, &l);
	}
	if (r == 0)
		r = ns_quota_load(ns);
	u64map_fini(&l.meta);
	u64map_fini(&l.links);
	return r;
}
