/* fs/ns_int.h: the namespace's insides, shared by the fs/ns_*.c files:
 * nodes and dentries (ns_tree.c), path walks (ns_path.c), permission checks
 * (ns_perm.c), the object fd cache (ns_fdcache.c), the side log of pids
 * (ns_meta.c) and the rebuild from the store (ns_load.c). */
#ifndef BPFPIN_FS_NS_INT_H
#define BPFPIN_FS_NS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fs/ns.h"
#include "fs/store.h"
#include "fs/u64map.h"

/* Slots of the fd cache per pin, indexed by O_RDONLY, O_WRONLY, O_RDWR. */
#define NS_ACC_N 3

struct ns_dentry;
struct ns_fdc;
struct ns_quota;

/* A directory's children in cookie order. Removed entries leave a
 * tombstone (d == NULL) so that cookies stay sorted for binary search. */
struct ns_slot {
	uint64_t cookie;
	struct ns_dentry *d;
};

struct ns_dir {
	struct ns_slot *slots;
	uint32_t n, cap, live;
	uint64_t next_cookie;
};

struct ns_pin_node {
	struct obj_ident obj;           /* read it with ns_pin_obj */
	struct ns_fdc *fdc[NS_ACC_N];
	/* Loaded from the store and not yet identified (ns_load.c): obj is
	 * zero, and the side log's pid stands only if the object turns out
	 * to have logged_id, the id logged with it. */
	bool pending;
	uint32_t logged_id;
};

struct ns_sym_node {
	char *target;
	size_t len;
};

struct ns_node {
	uint64_t ino;
	struct ns_node *ino_next;       /* inode table chain */
	struct ns_dentry *names;        /* its dentries (several: hard links) */
	enum ns_type type;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint32_t nlink;
	pid_t pid;
	uint64_t nlookup;               /* FUSE lookup count */
	uint64_t store_ino;             /* st_ino in the store, for the log */
	bool charged;                   /* counted in its owner's quota */
	struct ns_provs *prov;          /* who loaded / attached it, or NULL */
	struct timespec atime, mtime, ctime;
	union {
		struct ns_dir dir;
		struct ns_pin_node pin;
		struct ns_sym_node sym;
	} u;
};

struct ns_dentry {
	struct ns_dentry *hnext;        /* name hash chain */
	struct ns_dentry *alias_next, *alias_prev;
	struct ns_node *parent;
	struct ns_node *node;
	uint64_t cookie;
	uint32_t slot;                  /* index in parent->u.dir.slots */
	uint32_t hash;
	uint16_t len;
	char name[];
};

struct ns_fdcache {
	struct ns_fdc *head;            /* most recently used */
	struct ns_fdc *tail;
	unsigned count, max;
};

struct ns {
	struct store store;
	struct ns_node *root;
	uint64_t next_ino;
	uint64_t nodes;
	uint64_t of_type[4];         /* nodes by enum ns_type */
	uint64_t generation;
	struct ns_node **itab;          /* ino -> node */
	size_t imask;
	struct ns_dentry **htab;        /* (parent ino, name) -> dentry */
	size_t hmask, hcount;
	struct ns_fdcache fdc;
	struct ns_limits limits;
	struct ns_quota *quota;         /* charges per uid (ns_quota.c) */
	int meta_fd;                    /* append-only side log, or -1 */
	uint64_t meta_lines;            /* lines in it, live or not */
	/* lines held back for ns_flush (ns_set_meta_defer) */
	bool meta_defer;
	size_t meta_plen;
	char meta_pend[4096];
	int prov_fd;                    /* provenance file, or -1 */
	uint64_t prov_lines, prov_live; /* its lines, and records held */
	int intent_fd;                  /* the intent journal, or -1 */
	unsigned intent_pins;           /* pins it names (the crash hook) */
	ns_unpin_fn unpin_fn;           /* ns_set_unpin_hook, or NULL */
	void *unpin_arg;
};

/* ns_sock.c: a pin's last name went (ns_node_release). */
void ns_unpinned(struct ns *ns, const struct obj_ident *obj);

/* ns_intent.c: a journal left by a crash, undone as the namespace opens. */
int ns_intent_recover(struct ns *ns);

/* ns_tree.c: nodes, the inode table, store paths. */
int ns_tree_init(struct ns *ns);
void ns_tree_fini(struct ns *ns);
struct ns_node *ns_node_new(struct ns *ns, enum ns_type type);
/* Frees a node that has no names left (closes its cached fds). */
void ns_node_free(struct ns *ns, struct ns_node *n);
/* After a name of n went away: frees n once it has no names and no lookup
 * references; a nameless pin still looked up keeps its cached fds. */
void ns_node_release(struct ns *ns, struct ns_node *n);
struct ns_node *ns_node_find(const struct ns *ns, uint64_t ino);
/* The parent of a directory (root: root; removed: NULL). */
struct ns_node *ns_node_parent(const struct ns_node *dir);
bool ns_node_is_dead(const struct ns_node *n);
/* Identifies a pin loaded from the store first (ns_pin_obj). */
void ns_node_stat(const struct ns *ns, struct ns_node *n, struct ns_stat *st);
/* Store path of name inside dir (name NULL: of dir itself). */
int ns_tree_path(const struct ns *ns, const struct ns_node *dir,
		 const char *name, size_t len, char *buf, size_t size);
int ns_node_path(const struct ns *ns, const struct ns_node *n, char *buf,
		 size_t size);
void ns_now(struct timespec *ts);
void ns_node_touch_dir(struct ns_node *dir, const struct timespec *now);

/* ns_dentry.c: names, their hash and the child arrays. Adding and
 * removing names keeps link counts. */
struct ns_dentry *ns_dentry_find(const struct ns *ns,
				 const struct ns_node *dir, const char *name,
				 size_t len);
int ns_dentry_add(struct ns *ns, struct ns_node *dir, const char *name,
		  size_t len, struct ns_node *n);
/* The same in steps, for rename, which may not fail once the store has
 * renamed: allocate, make room in dir, then attach (cannot fail). */
struct ns_dentry *ns_dentry_alloc(const char *name, size_t len);
int ns_dentry_reserve(struct ns *ns, struct ns_node *dir);
void ns_dentry_attach(struct ns *ns, struct ns_node *dir,
		      struct ns_dentry *d, struct ns_node *n);
/* Unhashes and frees d; the node lives on (see ns_node_release). */
void ns_dentry_del(struct ns *ns, struct ns_dentry *d);
/* Gives d's child to e and e's to d (RENAME_EXCHANGE). */
void ns_dentry_swap(struct ns_dentry *d, struct ns_dentry *e);
/* First slot whose cookie is above cookie. */
uint32_t ns_dir_seek(const struct ns_dir *dir, uint64_t cookie);

/* ns_path.c */
enum ns_last { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

struct ns_nd {
	struct ns *ns;
	const struct ns_cred *cred;
	int *links;                     /* symlinks followed so far */
	struct ns_node *dir;            /* directory of the last component */
	const char *last;
	size_t len;
	enum ns_last type;
	bool slash;                     /* the path ended in '/' */
};

/* Walks all but the last component of at (following symlinks). */
int ns_path_parent(struct ns_nd *nd, int *links, struct ns *ns,
		const struct ns_cred *cred, struct ns_at at);
/* Looks the last component up in nd->dir without following it: -ENOENT,
 * -ENAMETOOLONG, -EILSEQ (no such name can exist), or 0 with *d (NULL for "." ".." and "/"). */
int ns_path_child(const struct ns_nd *nd, struct ns_dentry **d);
/* Resolves the last component, following a final symlink if follow or if
 * the path ended in '/'. */
int ns_path_final(struct ns_nd *nd, bool follow, struct ns_node **out);
int ns_path_lookup(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		bool follow, struct ns_node **out);
/* For the creation of nd's last component: -EEXIST, -ENOENT, -EACCES...
 * want_dir: mkdir (a trailing '/' is fine). */
int ns_path_may_create(const struct ns_nd *nd, bool want_dir);
/* Only the name checks of path_may_create (EEXIST, ENOENT, ENAMETOOLONG,
 * EILSEQ). */
int ns_path_new_name(const struct ns_nd *nd, bool want_dir);

/* ns_name.c: names and symlink targets must be valid UTF-8. */
bool ns_name_utf8(const char *s, size_t len);
/* What looking up a name that is not there gives: -ENOENT, or -EILSEQ
 * for a name that cannot exist (not UTF-8), so that creating it fails. */
int ns_name_absent(const char *name, size_t len);

/* ns_perm.c: mask of MAY_* bits. */
#define MAY_X 1
#define MAY_W 2
#define MAY_R 4
bool ns_perm_root(const struct ns_cred *c);
bool ns_perm_in_group(const struct ns_cred *c, gid_t gid);
bool ns_perm_owner(const struct ns_cred *c, const struct ns_node *n);
int ns_perm_check(const struct ns_cred *c, const struct ns_node *n, int mask);
int ns_perm_may_delete(const struct ns_cred *c, const struct ns_node *dir,
		    const struct ns_node *victim, bool isdir);
int ns_perm_may_create(const struct ns_cred *c, const struct ns_node *dir);
int ns_perm_may_link(const struct ns_cred *c, const struct ns_node *n);
int ns_perm_cred_valid(const struct ns_cred *c);

/* ns_fdcache.c */
void ns_fdc_init(struct ns_fdcache *c, unsigned max);
void ns_fdc_fini(struct ns *ns);
void ns_fdc_set_max(struct ns *ns, unsigned max);
/* A dup of the cached fd for (n, acc), or -ENOENT. */
int ns_fdc_get(struct ns *ns, struct ns_node *n, int acc);
/* The cached fd of (n, acc) itself, still the cache's, or -ENOENT. */
int ns_fdc_peek(struct ns *ns, struct ns_node *n, int acc);
/* Keeps fd (consumed) for (n, acc). */
void ns_fdc_put(struct ns *ns, struct ns_node *n, int acc, int fd);
/* Hands the cached fd of (n, acc) over to the caller, or -ENOENT. */
int ns_fdc_take(struct ns *ns, struct ns_node *n, int acc);
void ns_fdc_drop_node(struct ns *ns, struct ns_node *n);

/* ns_obj.c: opening the objects behind pins. */
/* -EACCES for a non-pin (as BPF_OBJ_GET), -EINVAL for a link asked for
 * anything but O_RDWR. */
int ns_obj_check(const struct ns *ns, struct ns_node *n, int accmode);
int ns_obj_slot(const struct ns *ns, struct ns_node *n, int accmode);
int ns_obj_open(struct ns *ns, struct ns_node *n, int accmode, int *fd);
/* As ns_obj_open, but a cached fd is lent (*lent true), not dup'ed. */
int ns_obj_lend(struct ns *ns, struct ns_node *n, int accmode, int *fd,
		bool *lent);
/* Before n's last name goes: have a rdwr fd of it in the cache if FUSE
 * still knows it (evictable like any other). */
void ns_obj_keep(struct ns *ns, struct ns_node *n);

/* ns_meta.c: the side log of who pinned what (lossy by design). */
int ns_meta_open(struct ns *ns);
void ns_meta_close(struct ns *ns);
void ns_meta_append(struct ns *ns, const struct ns_node *n);
void ns_meta_flush(struct ns *ns);
/* Reads the log into a map store_ino -> (obj id << 32 | pid). */
struct u64map;
int ns_meta_load(struct ns *ns, struct u64map *m);
/* Rewrites the log with the live nodes only. */
int ns_meta_compact(struct ns *ns);
/* Rewrite the side file path whole: write() fills a new file, renamed
 * over path, so a crash leaves the old file or the new one. 0 or -errno. */
int ns_side_rewrite(struct ns *ns, const char *path,
		    int (*write)(struct ns *ns, FILE *f));

/* ns_prov.c: the provenance records and their file. */
struct ns_provs {
	bool has[NS_PROV_KINDS];
	struct ns_prov p[NS_PROV_KINDS];
};
/* Read the file into the tree just loaded, then rewrite it with the live
 * records only. */
int ns_prov_open(struct ns *ns);
void ns_prov_close(struct ns *ns);
/* n's last name went: its records go, on file too. */
void ns_prov_forget(struct ns *ns, struct ns_node *n);
/* n is freed: its records' memory. */
void ns_prov_free(struct ns_node *n);


/* ns_quota.c: what each uid owns (nodes, symlink bytes) against
 * ns->limits. A node is charged to its owner from its creation until its
 * last name goes (n->charged), whatever FUSE still remembers of it. */
/* Before the store makes n (owner and symlink target set): -EDQUOT past
 * the owner's limits. ns_node_free gives the charge back. */
int ns_quota_charge(struct ns *ns, struct ns_node *n);
void ns_quota_uncharge(struct ns *ns, struct ns_node *n);
/* chown: -EDQUOT if uid ((uid_t)-1: unchanged) may not own n as well;
 * after the store changed, ns_quota_chown moves the charge (before n->uid
 * changes). */
int ns_quota_may_chown(const struct ns *ns, const struct ns_node *n, uid_t uid);
void ns_quota_chown(struct ns *ns, struct ns_node *n, uid_t uid);
/* Charge every named node of the tree just loaded, limits or not. */
int ns_quota_load(struct ns *ns);
void ns_quota_fini(struct ns *ns);

/* ns_load.c */
int ns_load_tree(struct ns *ns);
/* The object of pin n. A pin loaded from the store is identified here,
 * the first time it is asked about, by its store path (kind OBJ_NONE if
 * that fails). So a pin's last name must not go before this was called
 * (ns_obj_keep calls it). */
const struct obj_ident *ns_pin_obj(const struct ns *ns, struct ns_node *n);

#endif
