/* fs/ns.h: the pin namespace, a tree of directories, pins and symlinks.
 *
 * It is the single source of truth behind both faces (the RPC and FUSE):
 * every operation is one function here that takes the caller's credentials
 * and returns 0 or -errno with the kernel bpffs's semantics. The tree lives
 * in memory and is mirrored one to one onto a private bpffs mount (the
 * store, fs/store.h), which holds the BPF objects and survives a crash of
 * the daemon. Only one thread (the daemon's loop) calls into a struct ns. */
#ifndef BPFPIN_FS_NS_H
#define BPFPIN_FS_NS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "bpf/obj.h"

#define NS_ROOT_INO 1          /* inode number of "/" (FUSE_ROOT_ID too) */
#define NS_PATH_MAX 4096       /* bytes of a path, NUL included */
#define NS_NAME_MAX 255        /* bytes of one component */
#define NS_SYMLOOP_MAX 40      /* symlinks followed in one resolution */
#define NS_NGROUPS_MAX 65536

struct ns;

/* Who is asking. groups may be NULL when ngroups is 0. */
struct ns_cred {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	mode_t umask;          /* applied to created pins and directories */
	int ngroups;
	const gid_t *groups;   /* supplementary groups */
	bool checked;          /* the kernel already checked DAC (FUSE with
	                        * default_permissions): skip mode checks */
};

enum ns_type { NS_DIR = 1, NS_PIN = 2, NS_SYMLINK = 3 };

struct ns_stat {
	uint64_t ino;
	enum ns_type type;
	mode_t mode;           /* S_IFDIR/S_IFREG/S_IFLNK | permission bits */
	uid_t uid;
	gid_t gid;
	uint32_t nlink;
	uint64_t size;         /* always 0, as bpffs reports (symlinks too) */
	struct timespec atime, mtime, ctime;
	pid_t pid;             /* peer that created the node (0: unknown) */
	struct obj_ident obj;  /* pins: the kernel object; else kind OBJ_NONE */
};

/* Where an operation applies: path resolved relative to the directory
 * whose inode number is dir. An absolute path ignores dir (it starts at
 * the root); FUSE passes a single name with its parent's inode. */
struct ns_at {
	uint64_t dir;
	const char *path;
};
#define NS_AT(p) ((struct ns_at){ .dir = NS_ROOT_INO, .path = (p) })
/* As AT_EMPTY_PATH: an empty path names the node whose inode number is dir
 * itself, whatever its type (also one kept alive only by FUSE lookup
 * references), and is never followed. ns_chmod, ns_chown, ns_utimens,
 * ns_readlink, ns_link (oldat) and ns_stat accept it. */
#define NS_AT_INO(ino) ((struct ns_at){ .dir = (ino), .path = "" })

/* Names are bytes on bpffs; here they must also be valid UTF-8 (as must
 * a symlink's target), so that the RPC can carry every name in JSON: any
 * operation that meets a name that is not there and not UTF-8 fails with
 * -EILSEQ (creating it, or looking it up) where bpffs would go on.
 *
 * The length rules of bpffs for a whole path (4095 bytes, components of
 * 255), for a face that holds the path before resolving it (the RPC) and
 * names what is wrong: 0, or -ENAMETOOLONG with *why set ("component
 * longer than 255 bytes"). Resolution applies the same rules. */
int ns_path_check(const char *path, size_t len, const char **why);

/* Open the namespace over the store directory (a bpffs is mounted there if
 * none is, mode 0700), rebuild the tree from what the store holds (which
 * object a pin holds is read from the store the first time it is asked
 * about, not here), and take away what a change a crash cut off made
 * (ns_intent_begin). */
int ns_open(struct ns **out, const char *store_dir);
void ns_close(struct ns *ns);
/* Count of nodes (dirs, pins, symlinks), for statfs and logs. */
uint64_t ns_node_count(const struct ns *ns);
/* Nodes of one type (the root directory included; a pin with several
 * names counts once). */
uint64_t ns_type_count(const struct ns *ns, enum ns_type type);
/* Bound the number of BPF object fds kept open to speed up GET (LRU). */
void ns_set_fd_cache(struct ns *ns, unsigned max_fds);
/* Hold the side log's lines (who made a node) back until ns_flush: the
 * daemon flushes once a reply is sent, so the write is not on the
 * request's path. A kill before the flush loses those pids, as a crash
 * may anyway (fs/ns_meta.c). Off by default. */
void ns_set_meta_defer(struct ns *ns, bool on);
void ns_flush(struct ns *ns);

/* What one uid may make the namespace hold (root, uid 0, is not limited).
 * 0 means no limit. Creating past nodes or symlink_bytes fails with
 * -EDQUOT, and so does a chown to a uid that may not own one more (a hard
 * link is no new node); opening a snapshot past snapshots (FUSE face)
 * too. Lowered limits leave what is owned already in place. */
struct ns_limits {
	uint64_t nodes;            /* dirs, pins and symlinks owned */
	uint64_t symlink_bytes;    /* bytes of the targets of symlinks owned */
	unsigned snapshots;        /* pin files open on the mount */
};
void ns_set_limits(struct ns *ns, const struct ns_limits *lim);
void ns_get_limits(const struct ns *ns, struct ns_limits *lim);
/* What uid holds now, against those limits (ns_quota.c). */
struct ns_usage {
	uint64_t nodes, symlink_bytes;
	unsigned snapshots;
};
void ns_usage(const struct ns *ns, uid_t uid, struct ns_usage *u);
/* A snapshot (a pin file open on the mount) held for uid, from open until
 * the daemon lets it go: -EDQUOT past uid's limit. Every successful hold
 * is dropped once. */
int ns_snapshot_hold(struct ns *ns, uid_t uid);
void ns_snapshot_drop(struct ns *ns, uid_t uid);

/* Pin the BPF object fd at a new path. The fd is not consumed; what it
 * holds is told from the fd itself: -EINVAL for one that is no BPF map,
 * program or link, with why (whylen bytes, may be NULL) saying what it
 * is. The pin's mode is 0600 & ~cred->umask. */
int ns_pin(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	   int fd, char *why, size_t whylen, struct ns_stat *st);
/* As ns_pin, but on success the fd cache may take *fd itself (its first
 * GET's answer) instead of a dup of it, and then sets *fd to -1; the
 * caller still closes *fd if it is not -1. */
int ns_pin_take(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		int *fd, char *why, size_t whylen, struct ns_stat *st);
/* Open a pinned object, following symlinks. accmode is O_RDONLY, O_WRONLY
 * or O_RDWR; the caller needs the matching permission. A map fd is opened
 * by the kernel with that access mode; a link only O_RDWR (else -EINVAL).
 * On success *fd is a new fd owned by the caller (O_CLOEXEC). */
int ns_get(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	   int accmode, int *fd, struct ns_stat *st);
/* As ns_get, but an fd from the cache is lent (*lent true): still the
 * cache's, valid only until the namespace is next called; send it, never
 * close it. With *lent false, *fd is owned as from ns_get. */
int ns_get_lent(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		int accmode, int *fd, bool *lent, struct ns_stat *st);
int ns_unlink(struct ns *ns, const struct ns_cred *cred, struct ns_at at);
int ns_mkdir(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	     mode_t mode, struct ns_stat *st);
int ns_rmdir(struct ns *ns, const struct ns_cred *cred, struct ns_at at);
/* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE (linux/fs.h values). */
int ns_rename(struct ns *ns, const struct ns_cred *cred, struct ns_at from,
	      struct ns_at to, unsigned flags);
/* Hard link: oldat names an existing pin (not followed if a symlink). */
int ns_link(struct ns *ns, const struct ns_cred *cred, struct ns_at oldat,
	    struct ns_at newat, struct ns_stat *st);
int ns_symlink(struct ns *ns, const struct ns_cred *cred, const char *target,
	       struct ns_at at, struct ns_stat *st);
/* Copies the target into buf (NUL-terminated, truncated to size); returns
 * its full length or -errno (-EINVAL if not a symlink). */
int ns_readlink(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		char *buf, size_t size);
/* The final component is followed if it is a symlink, as chmod(2) does. */
int ns_chmod(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	     mode_t mode);
/* (uid_t)-1 / (gid_t)-1 leave that id unchanged. Follows symlinks. */
int ns_chown(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	     uid_t uid, gid_t gid);
/* times[0] atime, times[1] mtime; UTIME_NOW and UTIME_OMIT as utimensat. */
int ns_utimens(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	       const struct timespec times[2]);
/* follow: stat (true) or lstat (false) semantics on the final component. */
int ns_stat(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	    bool follow, struct ns_stat *st);
/* Same as ns_stat on an inode number (FUSE getattr); -ENOENT if unknown. */
int ns_stat_ino(struct ns *ns, uint64_t ino, struct ns_stat *st);

/* Directory listing with a resumable cursor. Entries come in a stable
 * order; each has a cookie > 0, and a listing started at cookie c returns
 * the entries after c (start with 0). "." and ".." are not listed. fn
 * returns nonzero to stop early (that entry is then not consumed). The
 * caller needs read permission on the directory. */
struct ns_dirent {
	const char *name;
	uint64_t cookie;
	struct ns_stat st;
};
typedef int (*ns_dirent_fn)(const struct ns_dirent *de, void *arg);
int ns_readdir(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
	       uint64_t cookie, ns_dirent_fn fn, void *arg);

/* FUSE lookup counts: a node stays known by its inode number (ns_stat_ino,
 * ns_open_obj at NS_AT_INO) while its lookup count is above zero, even
 * after its last name is gone. ns_lookup_ref resolves like ns_stat(follow=false) and
 * takes one reference on success. */
int ns_lookup_ref(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		  struct ns_stat *st);
void ns_forget(struct ns *ns, uint64_t ino, uint64_t nlookup);
/* Forget every lookup reference (the FUSE session ended). */
void ns_forget_all(struct ns *ns);

/* The inode face, for FUSE (which names a node by inode number only).
 * ns_setattr_ino applies the members selected in valid, in one operation,
 * with the rules of chmod/chown/utimensat (ownership checks from cred). */
enum {
	NS_SA_MODE = 1 << 0,
	NS_SA_UID = 1 << 1,
	NS_SA_GID = 1 << 2,
	NS_SA_ATIME = 1 << 3,   /* atime as given (tv_nsec may be UTIME_NOW) */
	NS_SA_MTIME = 1 << 4,
};
struct ns_setattr {
	unsigned valid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime;
};
int ns_setattr_ino(struct ns *ns, const struct ns_cred *cred, uint64_t ino,
		   const struct ns_setattr *sa, struct ns_stat *st);
int ns_readlink_ino(struct ns *ns, uint64_t ino, char *buf, size_t size);
/* Hard link to the node ino (a pin) under a new name. */
int ns_link_ino(struct ns *ns, const struct ns_cred *cred, uint64_t ino,
		struct ns_at newat, struct ns_stat *st);

/* What a face opens a pin's object for (ns_open_obj). */
enum ns_use {
	/* Its contents (a file read on the mount) or its info (the RPC's
	 * info): read permission on the pin, as open(2) for reading. */
	NS_USE_SHOW = 1,
	/* Attaching it: the program of a new link or the one a link's is
	 * replaced with, the sockmap a link is made on, the link replace or
	 * detach acts on: write permission on the pin, as changing what the
	 * object does is writing it. *fd is read-write for every kind. */
	NS_USE_ATTACH = 2,
};
/* Open the object of the pin at at for use: the one rule both faces share
 * and its errno. at is followed if a symlink; NS_AT_INO(ino) names the
 * node ino itself (also one only FUSE lookup references keep). -EACCES
 * without the permission, -EISDIR for a directory, -EINVAL for another
 * node that is no pin. *fd (the caller's, O_CLOEXEC) is opened read-only
 * for a map, read-write for a program or link (the kernel opens those no
 * other way); st (may be NULL) gets the pin's stat. */
int ns_open_obj(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		enum ns_use use, int *fd, struct ns_stat *st);

/* Who may attach a link (fs/ns_attach.c). A link is made with the
 * daemon's capabilities on the caller's behalf, so the caller must have
 * the right to change the target itself. A directory outside the
 * namespace (a cgroup v2 directory, by the owner, group and mode statx
 * shows): write permission, root always; -EACCES with why. */
int ns_may_attach_dir(const struct ns_cred *cred, uid_t uid, gid_t gid,
		      mode_t mode, char *why, size_t whylen);
/* What reaches beyond one cgroup (a network device, a network namespace,
 * a tracing point of the kernel): root (uid 0) only, -EPERM with why.
 * The capabilities of a peer are not in its socket's credentials, and
 * /proc/PID/status of its pid may by then be another program's (exec of
 * a set-user-ID one): so uid 0, which SO_PEERCRED does carry. */
int ns_may_attach_system(const struct ns_cred *cred, const char *what,
			 char *why, size_t whylen);
/* Would ns_pin at at pass its checks of the name (EEXIST, ENOENT,
 * EACCES, EPERM for a '.', EDQUOT)? Asked before a link is made, so that
 * a link refused its name is not attached even for a moment. The name
 * may still be taken before the pin (then the link is closed, detached). */
int ns_may_pin(struct ns *ns, const struct ns_cred *cred, struct ns_at at);

/* Provenance (fs/ns_prov.c): who attached the link, or loaded the program
 * or map, a pin holds. Kept per node (hard links share it) in a side file
 * next to the store, rebuilt at start, gone with the node's last name. */
enum ns_prov_kind { NS_PROV_LOADED = 0, NS_PROV_ATTACHED = 1 };
#define NS_PROV_KINDS 2
#define NS_PROV_FILE_MAX 255    /* bytes of an object file's name */
struct ns_prov {
	enum ns_prov_kind kind;
	uid_t uid;
	pid_t pid;
	struct timespec time;
	char file[NS_PROV_FILE_MAX + 1];  /* loaded: object file name, or "" */
	char sha256[65];        /* loaded: its SHA-256 in hex, or "" */
};
/* Record p for the pin at at (not followed; NS_AT_INO names a node by
 * number), replacing the record of that kind. For the daemon's ops after
 * they made the pin: no permission check. -ENOENT, -EINVAL (not a pin, a
 * sha256 that is not 64 hex digits), -EILSEQ (file not UTF-8),
 * -ENAMETOOLONG. The record is written before this returns (no fsync: it
 * lives as long as the store, which a reboot clears). */
int ns_set_prov(struct ns *ns, struct ns_at at, const struct ns_prov *p);

/* The intent journal of a change of many nodes (a load), so that a crash
 * leaves none of them (fs/ns_intent.c): begin, then ns_intent_add each
 * path (absolute) before making it, then end once the change is certain.
 * add gives -EEXIST if something is at path (seen with cred's rights,
 * not followed) and records nothing; ns_open removes the nodes a journal
 * left behind names, newest first, directories only if empty. One
 * journal at a time (-EBUSY). No fsync: the store is lost on reboot. */
int ns_intent_begin(struct ns *ns);
int ns_intent_add(struct ns *ns, const struct ns_cred *cred, const char *path,
		  bool dir);
void ns_intent_end(struct ns *ns);
/* The record of kind for the node at at (not followed): 0, -ENODATA if
 * there is none, -ENOENT. */
int ns_get_prov(struct ns *ns, struct ns_at at, enum ns_prov_kind kind,
		struct ns_prov *out);

/* Sockets and sockmaps (fs/ns_sock.c). A socket handed over to be added
 * to a sockmap: its owner (sock_uid, the uid that created it) or root
 * only; -EPERM with why. */
int ns_may_add_sock(const struct ns_cred *cred, uid_t sock_uid, char *why,
		    size_t whylen);
/* A process whose fd a caller asks to take (pidfd_getfd): its real,
 * effective and saved ids, whether it is dumpable, and whether it is the
 * daemon itself. */
struct ns_proc {
	pid_t pid;
	uid_t uids[3];
	gid_t gids[3];
	bool dumpable;
	bool is_self;
};
/* The ptrace rule (same ids, dumpable; root any), never the daemon's own
 * process: 0 or -EPERM with why. */
int ns_may_take_fd(const struct ns_cred *cred, const struct ns_proc *p,
		   char *why, size_t whylen);
/* Does some name of the namespace still pin object id of kind? (A walk of
 * every node: for the rare release of a managed object.) */
bool ns_obj_pinned(const struct ns *ns, enum obj_kind kind, uint32_t id);
/* fn is called (from the namespace's thread, with no change of the
 * namespace allowed in it) each time a pin's last name goes. */
typedef void (*ns_unpin_fn)(const struct obj_ident *obj, void *arg);
void ns_set_unpin_hook(struct ns *ns, ns_unpin_fn fn, void *arg);

/* Change counter, bumped by every successful mutation (for caches). */
uint64_t ns_generation(const struct ns *ns);

#endif
