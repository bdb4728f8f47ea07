/* sockmap/sm_int.h: the manager's own structures, shared by sockmap/sm*.c. */
#ifndef BPFPIN_SOCKMAP_SM_INT_H
#define BPFPIN_SOCKMAP_SM_INT_H

#include <limits.h>
#include <sys/queue.h>

#include "sockmap/sm.h"

/* What an epoll event of the manager is about. */
enum sm_watch_kind { SM_WATCH_GIVEN = 1, SM_WATCH_EVENTS };
struct sm_watch {
	enum sm_watch_kind kind;
};

/* A socket given to the daemon: its fd is the manager's. */
struct sm_given {
	struct sm_watch w;          /* first: the epoll data points here */
	LIST_ENTRY(sm_given) entry;
	int fd;
	uint64_t cookie;
	uid_t uid;
	/* pair: the closed side's FIN waits until the peer sent all it was
	 * given (sm_fin.c) */
	bool rd_closed, wr_closed, fin_wait;
	struct sm_given *peer;
	int64_t fin_base;           /* peer's acked + queued - our received,
	                             * when paired */
	int64_t fin_base_ns;        /* when the FIN came (CLOCK_MONOTONIC) */
	struct sockmap_key key;     /* where it is in the map */
	bool paused;                /* its window clamped: its peer's backlog
	                             * is over budget (sm_bp.c) */
	int clamp;                  /* TCP_WINDOW_CLAMP before the pause */
	unsigned quiet;             /* AF_UNIX: steps the peer had none unread */
	uint64_t quiet_rx;          /* and the rx bytes counted at the first */
	struct sockmap *s;
};

/* Budget of one uid (only uids holding something are listed). */
struct sm_uid {
	LIST_ENTRY(sm_uid) entry;
	uid_t uid;
	unsigned maps, given;
};

struct sockmap {
	struct sm_watch w;          /* first: its aux event fd's epoll data */
	LIST_ENTRY(sockmap) entry;
	struct sockmap_mgr *mgr;
	uint32_t id, type, key_size, max_entries;
	uid_t uid;                  /* charged for it: who took it up */
	int map_fd;                 /* the sockmap, read-write */
	int members_fd;             /* hash: key -> struct sockmap_rec */
	struct sockmap_aux aux;
	char dir[PATH_MAX];         /* its private directory in the store */
	LIST_HEAD(, sm_given) given;
	unsigned ngiven;
	struct sm_cidx **cidx;      /* cookie -> key (sm_cidx.c), or NULL */
};

struct sockmap_mgr {
	char dir[PATH_MAX - 64];    /* room for /m<ID>_u<UID> in a sockmap's */
	struct sockmap_limits lim;
	LIST_HEAD(, sockmap) maps;
	unsigned nmaps, ngiven;
	LIST_HEAD(, sm_uid) uids;
	int epfd;                   /* given sockets, aux event fds */
	int holder;                 /* the holder's connection, or -1 */
	char holder_path[108];      /* where it listens ("": no holder) */
	struct sm_keeper keeper;    /* used instead when keeper.hold is set */
	unsigned fin_pending;       /* sockets waiting to pass a FIN on */
	unsigned paused;            /* given sockets paused by sm_bp.c */
	struct sm_lent *lent;       /* lent pairs' budget (sm_bp_lent.c), or
	                             * NULL until the first */
};

/* sm.c */
int sm_err(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct sm_uid *sm_uid_get(struct sockmap_mgr *m, uid_t uid, bool create);
void sm_uid_put(struct sockmap_mgr *m, struct sm_uid *u);
/* path of name in s's private directory */
void sm_path(const struct sockmap *s, const char *name, char *buf, size_t size);

/* sm_given.c */
int sm_given_room(struct sockmap *s, uid_t uid, unsigned n, char *why, size_t whylen);
int sm_given_add(struct sockmap *s, int fd, uint64_t cookie, uid_t uid,
		 const struct sockmap_key *key, struct sm_given **out);
struct sm_given *sm_given_find(struct sockmap *s, uint64_t cookie);
void sm_given_close(struct sm_given *g);
void sm_given_close_all(struct sockmap *s);
void sm_given_event(struct sm_given *g, uint32_t events);
/* Have the holder or the keeper keep a copy of g's socket, or let go of
 * it (sm_hold.c). */
void sm_hold(struct sm_given *g);
void sm_unhold(struct sm_given *g);
/* Take back what the holder kept from an earlier run (after resume). */
void sm_hold_resume(struct sockmap_mgr *m);
/* Pair two given sockets: a closed side's FIN waits for the other to send
 * all it was given (sm_fin.c). */
void sm_given_pair(struct sm_given *a, struct sm_given *b);
/* Pass on the FINs that can go now; true while some still wait. */
bool sm_fin_step(struct sockmap_mgr *m);
/* Bytes redirected to g's peer that are not in the peer's send queue yet
 * (its backlog), less what sits unread in g: < 0 if not TCP. */
int64_t sm_fin_backlog(const struct sm_given *g);
/* The two fin_base values of a pair of TCP sockets fd and peer (the
 * peer's sent less fd's received, and the other way); false if either is
 * not TCP. */
bool sm_fin_bases(int fd, int peer, int64_t *base, int64_t *peer_base);

/* sm_bp.c: a pair member redirected another MiB: pause it if its peer's
 * backlog is over budget; resume paused ones whose peer drained (true
 * while some are paused). */
void sm_bp_tick(struct sockmap *s, uint64_t cookie);
bool sm_bp_step(struct sockmap_mgr *m);

/* sm_bp_lent.c: the same for lent pairs, through sock_diag and a tcp
 * iterator (no fd of theirs is held). sm_lent_pair records a lent pair
 * just added (fds the caller's); sm_lent_forget drops a member's state. */
struct sm_lent;
void sm_lent_pair(struct sockmap *s, int fd, uint64_t cookie, int peer_fd,
		  uint64_t peer_cookie);
void sm_lent_forget(struct sockmap_mgr *m, uint64_t cookie);
/* ... and of every member of s (s is going) */
void sm_lent_forget_map(struct sockmap *s);
void sm_lent_tick(struct sockmap *s, uint64_t cookie);
bool sm_lent_step(struct sockmap_mgr *m);
void sm_lent_resume(struct sockmap_mgr *m);
void sm_lent_close(struct sockmap_mgr *m);

/* sm_cidx.c: records written and removed, and found by cookie, through
 * the in-memory index. */
struct sm_cidx;
int sm_rec_put(struct sockmap *s, const struct sockmap_key *k, const struct sockmap_rec *r);
void sm_rec_del(struct sockmap *s, const struct sockmap_key *k);
int sm_cidx_find(struct sockmap *s, uint64_t cookie, struct sockmap_key *k,
		 struct sockmap_rec *r);
void sm_cidx_build(struct sockmap *s);
void sm_cidx_free(struct sockmap *s);

/* sm_member.c */
int sm_rec_get(struct sockmap *s, const struct sockmap_key *k, struct sockmap_rec *r);
/* Walk the records; fn gets each (key, record), may not delete, and
 * stops the walk with a non-zero return, which is returned. */
typedef int (*sm_rec_fn)(struct sockmap *s, const struct sockmap_key *k,
			 const struct sockmap_rec *r, void *arg);
int sm_rec_walk(struct sockmap *s, sm_rec_fn fn, void *arg);
int sm_rec_find_cookie(struct sockmap *s, uint64_t cookie, struct sockmap_key *k,
		       struct sockmap_rec *r);
/* Is the member at k still the socket r records? */
bool sm_member_live(struct sockmap *s, const struct sockmap_key *k,
		    const struct sockmap_rec *r);
void sm_member_forget(struct sockmap *s, const struct sockmap_key *k,
		      const struct sockmap_rec *r);

#endif
