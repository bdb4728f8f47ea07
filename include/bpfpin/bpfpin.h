/* bpfpin/bpfpin.h: libbpfpin, the C client of bpfpind.
 *
 * A struct bpfpin is one connection to the daemon's Unix socket. Every call
 * returns 0 (or a count, or an fd) on success and -errno on failure; after
 * a failure bpfpin_errmsg() gives the daemon's human message. The library
 * never logs and never raises SIGPIPE. A connection is not thread-safe:
 * use one per thread. */
#ifndef BPFPIN_BPFPIN_H
#define BPFPIN_BPFPIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BPFPIN_DEFAULT_SOCKET "/run/bpfpin/bpfpind.sock"
#define BPFPIN_SOCKET_ENV "BPFPIN_SOCKET"

struct bpfpin;

enum bpfpin_node_type {
	BPFPIN_NODE_DIR = 1,
	BPFPIN_NODE_PIN = 2,
	BPFPIN_NODE_SYMLINK = 3,
};

enum bpfpin_obj_kind {
	BPFPIN_OBJ_NONE = 0,
	BPFPIN_OBJ_MAP = 1,
	BPFPIN_OBJ_PROG = 2,
	BPFPIN_OBJ_LINK = 3,
};

struct bpfpin_stat {
	uint64_t ino;
	enum bpfpin_node_type type;
	uint32_t mode;          /* S_IFDIR / S_IFREG / S_IFLNK | permissions */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;          /* 0, as bpffs reports (symlinks too) */
	struct timespec atime, mtime, ctime;
	int32_t pid;            /* pid of the peer that created the node */
	enum bpfpin_obj_kind obj_kind;  /* pins only */
	uint32_t obj_id;        /* kernel object id */
	uint32_t obj_type;      /* enum bpf_map_type / bpf_prog_type / bpf_link_type */
	char obj_type_name[32]; /* bpftool's name: "hash", "xdp", ... */
	char obj_name[16];
};

struct bpfpin_dirent {
	char name[256];
	struct bpfpin_stat st;
};

/* Connect to path; NULL means $BPFPIN_SOCKET, else BPFPIN_DEFAULT_SOCKET.
 * The process's umask is read here, once: pins and directories made over
 * this connection are masked with it, not with a umask set later (pass
 * bpfpin_pin_opts.umask, or connect again, after changing it). */
int bpfpin_connect(const char *path, struct bpfpin **out);
void bpfpin_close(struct bpfpin *b);
/* The connection's socket (for poll). */
int bpfpin_socket_fd(const struct bpfpin *b);
/* The daemon's message for the last failed call ("" if none). */
const char *bpfpin_errmsg(const struct bpfpin *b);

struct bpfpin_pin_opts {
	size_t sz;              /* sizeof(struct bpfpin_pin_opts) */
	int umask;              /* -1 (or sz == 0): the connection's umask */
};

/* Pin the BPF map, program or link behind fd at path. fd stays the
 * caller's. opts may be NULL. */
int bpfpin_pin(struct bpfpin *b, int fd, const char *path,
	       const struct bpfpin_pin_opts *opts);
/* Get a pinned object, following symlinks. flags: O_RDONLY, O_WRONLY or
 * O_RDWR (0 == O_RDONLY, so pass O_RDWR for read-write). Returns a new
 * O_CLOEXEC fd. A map fd is opened read-only or write-only by the kernel. */
int bpfpin_get(struct bpfpin *b, const char *path, int flags);
/* Get n objects in as few round trips as possible. fds[i] receives an fd
 * or -errno for paths[i]. Returns 0 if the exchange worked (individual
 * entries may still have failed) or -errno. */
int bpfpin_get_many(struct bpfpin *b, const char *const *paths, size_t n,
		    int flags, int *fds);
/* The object's info in the JSON shape of bpftool -j {map,prog,link} show,
 * as a malloc'd string in *json (caller frees). */
int bpfpin_info(struct bpfpin *b, const char *path, char **json);
int bpfpin_unlink(struct bpfpin *b, const char *path);
int bpfpin_mkdir(struct bpfpin *b, const char *path, mode_t mode);
int bpfpin_rmdir(struct bpfpin *b, const char *path);
/* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE. */
int bpfpin_rename(struct bpfpin *b, const char *from, const char *to,
		  unsigned int flags);
int bpfpin_link(struct bpfpin *b, const char *oldpath, const char *newpath);
int bpfpin_symlink(struct bpfpin *b, const char *target, const char *linkpath);
/* Copies the target into buf (NUL-terminated); returns its length. */
int bpfpin_readlink(struct bpfpin *b, const char *path, char *buf, size_t size);
int bpfpin_chmod(struct bpfpin *b, const char *path, mode_t mode);
/* (uid_t)-1 / (gid_t)-1 leave that id unchanged. */
int bpfpin_chown(struct bpfpin *b, const char *path, uid_t uid, gid_t gid);
/* As utimensat(2): UTIME_NOW and UTIME_OMIT work; NULL means now. */
int bpfpin_utimens(struct bpfpin *b, const char *path,
		   const struct timespec times[2]);
int bpfpin_stat(struct bpfpin *b, const char *path, struct bpfpin_stat *st);
int bpfpin_lstat(struct bpfpin *b, const char *path, struct bpfpin_stat *st);
/* List a directory: up to max entries after *cursor (start with 0). Returns
 * the number of entries stored (0 at the end) and advances *cursor. */
int bpfpin_list(struct bpfpin *b, const char *path, uint64_t *cursor,
		struct bpfpin_dirent *ents, size_t max);

/* What a link is attached to (bpfpin_attach). Fields beyond sz are
 * taken as zero; umask is -1 for the process's umask. */
struct bpfpin_attach_opts {
	size_t sz;              /* sizeof(struct bpfpin_attach_opts) */
	const char *target;     /* "cgroup", "xdp", "tcx", "netns", "tracing"
	                         * or "sockmap" */
	const char *attach_type;/* bpftool's name ("egress" or
	                         * "cgroup_inet_egress", "ingress" of tcx,
	                         * "sk_lookup", "sk_msg_verdict"); NULL for
	                         * tracing and xdp */
	int target_fd;          /* cgroup: a cgroup v2 directory opened
	                         * O_RDONLY|O_DIRECTORY; netns: a network
	                         * namespace (/proc/self/ns/net); else unused */
	const char *dev;        /* xdp, tcx: a network device's name */
	const char *map;        /* sockmap: the sockmap's path in the namespace */
	const char *tp_name;    /* tracing: a raw_tp program's tracepoint */
	int replace;            /* nonzero: path is a link attached there
	                         * already; swap its program for prog */
	int umask;              /* the new pin's umask, -1: the process's */
};

/* Attach the program pinned at prog as a new BPF link pinned at path
 * (removing that pin, once nothing else holds the link, detaches it), or
 * with opts->replace give the link at path the program atomically. The
 * caller needs write permission on the pins and the right to the target
 * (doc/protocol.md). target_fd stays the caller's. */
int bpfpin_attach(struct bpfpin *b, const char *prog, const char *path,
		  const struct bpfpin_attach_opts *opts);
/* Detach the link pinned at path; the pin stays, attached to nothing. */
int bpfpin_detach(struct bpfpin *b, const char *path);
/* Who attached and who loaded what the node at path holds, as the JSON
 * object {"attached": {...}, "loaded": {...}} of doc/protocol.md's stat
 * ({} when nothing is recorded), malloc'd in *json (caller frees).
 * follow: follow a final symlink. */
int bpfpin_provenance(struct bpfpin *b, const char *path, int follow,
		      char **json);

/* Sockmaps managed by bpfpind (doc/protocol.md, sockmap_create ...).
 * Fields beyond sz are taken as zero. */
struct bpfpin_sockmap_opts {
	size_t sz;              /* sizeof(struct bpfpin_sockmap_opts) */
	const char *type;       /* "sockmap" (NULL) or "sockhash" */
	uint32_t max_entries;   /* 0: 1024 */
	uint32_t key_size;      /* 0: 4 for a sockmap, 8 for a sockhash */
	int umask;              /* -1: the process's */
};
/* Make a sockmap or sockhash bpfpind owns, pinned at path. */
int bpfpin_sockmap_create(struct bpfpin *b, const char *path,
			  const struct bpfpin_sockmap_opts *opts);
/* Attach to hook ("stream_parser", "stream_verdict", "skb_verdict",
 * "msg_verdict") the program pinned at prog (a path, from '/') or the
 * built-in named prog ("pass", "drop", "pair", "lenprefix", "tap",
 * "accelerate"; accelerate takes cgroup_fd, a cgroup v2 directory). */
int bpfpin_sockmap_attach(struct bpfpin *b, const char *path, const char *hook,
			  const char *prog, int cgroup_fd, int replace);
int bpfpin_sockmap_detach(struct bpfpin *b, const char *path, const char *hook);

/* One socket handed to the sockmap at path. A key is "auto", a decimal
 * integer or "0x" and hex digits (the key's bytes); NULL is "auto". */
struct bpfpin_sock_opts {
	size_t sz;              /* sizeof(struct bpfpin_sock_opts) */
	const char *key;
	int peer_fd;            /* pair: the peer socket, or -1 */
	const char *peer_key;
	int give;               /* hand the socket to bpfpind (else lent) */
	int replace;            /* the key may hold a member: swap it */
	int pid;                /* nonzero: fd and peer_fd are fd numbers of
	                         * this process, taken by pidfd_getfd */
	int accept;             /* fd is a listening TCP socket: the
	                         * connections accepted on it join the map
	                         * (a sockhash of key-size 8, keyed by their
	                         * cookies); no key, peer or give */
};
/* Add fd (not consumed: with give, close yours when you like; the daemon
 * holds its own). *json (may be NULL) gets the result object, malloc'd:
 * {"key": K, "peer_key": K}. */
int bpfpin_sock_add(struct bpfpin *b, const char *path, int fd,
		    const struct bpfpin_sock_opts *opts, char **json);
/* Remove / end the member at key (a string as above), or with key NULL
 * the one whose cookie is cookie. */
int bpfpin_sock_rm(struct bpfpin *b, const char *path, const char *key,
		   uint64_t cookie);
int bpfpin_sock_kill(struct bpfpin *b, const char *path, const char *key,
		     uint64_t cookie);
/* The sock_ls result ({"members": [...], "sockmap": {...}}) as JSON text,
 * malloc'd in *json. */
int bpfpin_sock_ls(struct bpfpin *b, const char *path, char **json);

/* The socket tap's rules of the sockmap at path: prefix is the
 * message's first bytes (or "0x" and hex), dir "rx", "tx" or "both"
 * (NULL: both), action "pass", "drop" or "disconnect". tap_ls gives
 * {"rules": [...]} as JSON text, malloc'd in *json. */
int bpfpin_tap_add(struct bpfpin *b, const char *path, const char *prefix,
		   const char *dir, const char *action);
int bpfpin_tap_rm(struct bpfpin *b, const char *path, const char *prefix,
		  const char *dir);
int bpfpin_tap_ls(struct bpfpin *b, const char *path, char **json);

/* One thing a uid holds of the daemon, and its limit (0: none). */
struct bpfpin_usage {
	uint64_t used;
	uint64_t limit;
};

struct bpfpin_limits {
	size_t sz;              /* sizeof(struct bpfpin_limits), set by the caller */
	uint32_t uid;
	int limited;            /* 0 for root: no per-uid limit applies */
	struct bpfpin_usage connections;    /* open connections */
	struct bpfpin_usage requests;       /* requests being served */
	struct bpfpin_usage queued_fds;     /* fds in replies not yet read */
	struct bpfpin_usage nodes;          /* dirs, pins and symlinks owned */
	struct bpfpin_usage symlink_bytes;  /* bytes of their targets */
	struct bpfpin_usage snapshots;      /* pin files open on the mount */
};

/* What uid holds of the daemon, against its limits; uid (uid_t)-1 is the
 * caller's own. Only root may ask about another uid (-EPERM). Fills the
 * members that fit in out->sz (an older caller's smaller struct) and
 * zeroes what lies beyond this library's struct (a newer caller's). */
int bpfpin_limits(struct bpfpin *b, uid_t uid, struct bpfpin_limits *out);

/* A map of the object that is to reuse a map pinned in the namespace
 * (bpftool's "map name NAME PINPATH"). */
struct bpfpin_load_map {
	const char *name;       /* the map's name in the object */
	const char *path;       /* a pinned map; the caller needs rdwr on it */
};

struct bpfpin_load_opts {
	size_t sz;              /* sizeof(struct bpfpin_load_opts) */
	const char *prog_type;  /* NULL, or every program's type ("xdp") */
	const struct bpfpin_load_map *maps;
	size_t nmaps;           /* at most 64 */
	const char *pinmaps;    /* NULL, or a dir for every map (and for
	                         * LIBBPF_PIN_BY_NAME maps, to reuse) */
	unsigned log_level;     /* 0: a verifier log only on failure; 1, 2,
	                         * 4 (stats): a log on success too */
	const char *file_name;  /* the object file's name for the daemon's
	                         * record (a basename), or NULL */
	int umask;              /* -1: the process's umask */
	/* filled by bpfpin_load, also on failure (the caller closes/frees): */
	int log_fd;             /* the whole verifier log (a sealed memfd), or -1 */
	uint64_t log_size;      /* its length in bytes */
	char *json;             /* the result, or on failure the error's
	                         * "log" object (tail, insn, source, libbpf),
	                         * as JSON; NULL if none */
};

/* Load the ELF object file open at obj_fd (not consumed; the daemon reads
 * it, never its path) in the daemon: every program is pinned at
 * path/NAME ('.' in a name becomes '_'), with pinmaps every map under it;
 * all or nothing. Needs root or bpfpind's --load-group. opts may be NULL. */
int bpfpin_load(struct bpfpin *b, int obj_fd, const char *path,
		struct bpfpin_load_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
