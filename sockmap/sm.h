/* sockmap/sm.h: the sockmap manager. It keeps, for each sockmap or
 * sockhash a client hands sockets to, who its members are (a record per
 * key in a BPF hash map pinned in the daemon's private store, so a crash
 * of the daemon forgets nothing the kernel still holds), the programs
 * attached to it (links pinned in the same store) and the sockets given
 * to the daemon. Who may do what is fs/ns's to say and daemon/ops_sock*.c
 * asks it; this layer checks what a socket is and talks to the kernel. */
#ifndef BPFPIN_SOCKMAP_SM_H
#define BPFPIN_SOCKMAP_SM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockmap/builtin.h"
#include "sockmap/hooks.h"

struct sockmap_mgr;
struct sockmap;

/* What clients can make the manager hold (bpfpind options). */
struct sockmap_limits {
	unsigned maps;              /* sockmaps managed, all uids */
	unsigned maps_per_uid;
	unsigned given;             /* sockets given (fds held), all uids */
	unsigned given_per_uid;
	uint64_t pair_budget;       /* bytes a given pair member may have
	                             * waiting on its peer's backlog (0: none) */
};

/* What keeps a copy of every given socket across a restart of the daemon
 * when it is not the holder: the service manager's fd store, under
 * systemd (daemon/sockmaps.c). hold does not consume fd; list hands each
 * kept socket's fd to fn (fn's from then on), at start. */
struct sm_keeper {
	int (*hold)(void *arg, uint64_t cookie, int64_t fin_base, int fd);
	void (*drop)(void *arg, uint64_t cookie, int64_t fin_base);
	void (*list)(void *arg,
		     void (*fn)(uint64_t cookie, int64_t fin_base, int fd, void *fnarg),
		     void *fnarg);
	void *arg;
};

/* Open the manager on dir (a directory on the store's bpffs: it is made
 * if missing; what an earlier run left there is taken up again), with
 * given sockets kept by keeper (copied: NULL for none), else by the
 * holder at holder_path (sockmap/holder.h); with neither, given sockets
 * die with the daemon. */
int sockmap_mgr_open(struct sockmap_mgr **out, const char *dir,
		     const char *holder_path, const struct sm_keeper *keeper,
		     const struct sockmap_limits *lim, char *why, size_t whylen);
/* Close all fds; given sockets stay with the holder (without one, they
 * die with them: their connections close). */
void sockmap_mgr_close(struct sockmap_mgr *m);
void sockmap_mgr_set_limits(struct sockmap_mgr *m, const struct sockmap_limits *lim);
/* Let go of every managed sockmap for which pinned(id) says false (at
 * start), or of the sockmap id (its last pin went). */
void sockmap_mgr_gc(struct sockmap_mgr *m, bool (*pinned)(uint32_t id, void *arg),
		    void *arg);
void sockmap_mgr_forget(struct sockmap_mgr *m, uint32_t id);
/* The fd the daemon's loop polls for the manager's own events (given
 * sockets closed by their peer, sockets a program asked to disconnect):
 * readable when sockmap_mgr_poll has work; poll returns the milliseconds
 * until it wants to be called again (-1: only when readable). */
int sockmap_mgr_fd(const struct sockmap_mgr *m);
int sockmap_mgr_poll(struct sockmap_mgr *m);

/* The manager's sockmap of map_fd (a sockmap or sockhash; not consumed),
 * taken up on first use, held to the budgets of uid (-EDQUOT, -EUSERS
 * with why). With m NULL (no manager), -EOPNOTSUPP; sockmap_find gives
 * NULL then. */
int sockmap_get(struct sockmap_mgr *m, int map_fd, uid_t uid,
		struct sockmap **out, char *why, size_t whylen);
/* The managed sockmap of map id, or NULL. */
struct sockmap *sockmap_find(struct sockmap_mgr *m, uint32_t id);

/* Attach a program to hook: prog_fd (not consumed) with label (what
 * stat shows: "builtin:pass", "prog:/path"), as a link pinned in the
 * store; replace swaps the program of the link there (BPF_LINK_UPDATE),
 * else -EEXIST when one is. 0 or -errno with why. */
int sockmap_attach(struct sockmap *s, enum sockmap_hook hook, int prog_fd,
		   const char *label, bool replace, char *why, size_t whylen);
/* Load built-in name for hook on this sockmap and attach it. */
int sockmap_attach_builtin(struct sockmap *s, enum sockmap_hook hook,
			   const char *name, bool replace, char *why, size_t whylen);
/* Start accelerate on the cgroup v2 directory cgroup_fd (not consumed),
 * label its path: both links pinned in the store. */
int sockmap_accelerate(struct sockmap *s, int cgroup_fd, const char *label,
		       char *why, size_t whylen);
/* Remove the link of hook (-ENOENT if none): the program is detached. */
int sockmap_detach(struct sockmap *s, enum sockmap_hook hook, char *why,
		   size_t whylen);
/* The label of what is attached at hook into buf; 0, or -ENOENT. */
int sockmap_attached(struct sockmap *s, enum sockmap_hook hook, char *buf,
		     size_t size);
/* The sockmap's kernel facts. */
struct sockmap_info {
	uint32_t id, type, key_size, max_entries;
	unsigned members, given;
};
void sockmap_info(struct sockmap *s, struct sockmap_info *out);
const struct sockmap_aux *sockmap_aux(struct sockmap *s);

/* A key: its bytes (key_size of the map), or auto (the first free index
 * of a sockmap; on a sockhash the socket's cookie as key bytes). */
#define SOCKMAP_KEY_MAX 64
struct sockmap_key {
	bool is_auto;
	uint32_t len;
	uint8_t b[SOCKMAP_KEY_MAX];
};

/* One member as the manager records it (the value of its members map:
 * fixed layout, it outlives the daemon's binary across a restart). */
struct sockmap_rec {
	uint64_t cookie;
	uint64_t peer_cookie;       /* pair: the peer's, else 0 */
	int64_t time_ns;            /* added at (CLOCK_REALTIME) */
	uint32_t uid, pid;          /* who added it */
	uint32_t sock_uid;          /* the socket's owner */
	uint8_t give, family, type, proto;
	uint32_t peer_key_len;
	uint8_t peer_key[SOCKMAP_KEY_MAX];
	struct sockaddr_in6 local, remote;  /* sockaddr_in or _un (path
	                                     * cut) fit in the same space */
};

/* One insert. */
struct sockmap_add {
	int *sock_fd;               /* the socket; with give it is taken
	                             * (set to -1), else left to the caller */
	struct sockmap_key key;
	int *peer_fd;               /* pair: the peer socket (as sock_fd), or NULL */
	struct sockmap_key peer_key;
	bool give, replace;
	uid_t uid;
	pid_t pid;
};
/* Check the socket, insert it (and its peer), record it; with data
 * queued on it already, kick it through. The key used (auto resolved)
 * goes back in a->key. 0 or -errno with why naming what was wrong. */
int sockmap_member_add(struct sockmap *s, struct sockmap_add *a,
		       char *why, size_t whylen);

/* The owner of socket fd (the uid that made it), for the namespace's
 * rule: 0, or -EBADF / -ENOTSOCK with why. */
int sockmap_sock_owner(int fd, uid_t *uid, char *why, size_t whylen);

/* Which member: by key, or by cookie (key.len 0). */
struct sockmap_sel {
	struct sockmap_key key;
	uint64_t cookie;
};
/* Take it out of the map (a given socket is closed: the daemon's was the
 * last reference, or its owner's remains). -ENOENT if not a member. */
int sockmap_member_rm(struct sockmap *s, const struct sockmap_sel *sel,
		      char *why, size_t whylen);
/* End its connection: shutdown of a given socket; SOCK_DESTROY (sock
 * diag) of a lent TCP or UDP one; a lent AF_UNIX socket cannot be ended
 * from outside its owner (-EOPNOTSUPP). */
int sockmap_member_kill(struct sockmap *s, const struct sockmap_sel *sel,
			char *why, size_t whylen);

/* A member as sock ls shows it: the record, its key, live facts. */
struct sockmap_member {
	struct sockmap_key key;
	struct sockmap_rec rec;
	int tcp_state;              /* TCP_ESTABLISHED...; -1 if none/unknown */
	struct sockmap_counters cnt;
	bool kernel;                /* added by accelerate, not by a client:
	                             * rec holds only what the key says */
};
/* "ESTABLISHED", ... for a TCP state. */
const char *sockmap_tcp_state_name(int state);
/* Call fn for each live member (stale ones, whose socket is gone or was
 * replaced behind our back, are pruned first); stops at fn's non-zero. */
typedef int (*sockmap_member_fn)(const struct sockmap_member *mb, void *arg);
int sockmap_members(struct sockmap *s, sockmap_member_fn fn, void *arg);

#endif
