/* daemon/server.h: the RPC server's shared types: the server (listener and
 * its connections on one libevent loop), a connection with its peer's
 * credentials, and one request with the fds it carried. */
#ifndef BPFPIN_DAEMON_SERVER_H
#define BPFPIN_DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "fs/ns.h"
#include "lib/proto.h"

struct event_base;
struct event;
struct json_object;

#define CONN_MAX_QUEUED 16      /* replies waiting for the peer to read */

/* What clients can make the server hold, in total and per uid (root, uid
 * 0, is held only to the totals). Defaults in daemon/options.c, each a
 * bpfpind option (bpfpind(8)). */
struct server_limits {
	unsigned conns;                 /* open connections, all uids */
	unsigned conns_per_uid;
	unsigned inflight_per_uid;      /* requests read but not yet answered */
	unsigned queued_fds;            /* fds in replies the peers have not read */
	unsigned queued_fds_per_uid;
};

struct outmsg;
struct uid_acct;
struct later;
struct workers;
struct sockmap_mgr;

#define UID_BUCKETS 64

/* Why a connection is not being read, besides its own full queue. */
enum conn_pause { PAUSE_NONE, PAUSE_UID, PAUSE_ALL };

struct conn {
	TAILQ_ENTRY(conn) entry;
	struct server *srv;
	int fd;
	struct event *ev;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t *groups;
	STAILQ_HEAD(, outmsg) outq;
	unsigned nqueued;
	short events;                   /* what c->ev waits for now */
	/* read_some: whether requests come pipelined, and the count towards
	 * the next look for a second one */
	bool burst;
	unsigned since_probe;
	/* held against the limits (usage.c) */
	struct uid_acct *acct;
	unsigned inflight, queued_fds;
	enum conn_pause paused;
	TAILQ_ENTRY(conn) pause_entry;  /* on its uid's or the server's list */
	/* a request answered later (daemon/later.h): none is read meanwhile */
	struct later *later;
};

struct server {
	struct event_base *base;
	struct ns *ns;
	int listen_fd;
	struct event *listen_ev;
	char *path;
	TAILQ_HEAD(, conn) conns;
	unsigned nconns;
	struct server_limits limits;
	/* usage.c: per uid, and the total of queued fds */
	LIST_HEAD(, uid_acct) uids[UID_BUCKETS];
	unsigned queued_fds;
	TAILQ_HEAD(, conn) paused;      /* waiting for the total fd budget */
	/* listener.c: accept paused while the daemon is out of fds */
	struct event *accept_timer;
	bool accept_paused;
	/* lib/worker.h: long work off the loop (loads) */
	struct workers *workers;
	/* sockmap/sm.h: sockmaps with members handed over by clients */
	struct sockmap_mgr *sm;
	struct event *sm_ev, *sm_timer;
	/* daemon/ops_load.c: who may load programs (bpfpind --load-group) */
	bool load_group_set;
	gid_t load_group;
};

/* A request being served: its parsed message, its fds (the dispatcher
 * closes all the op did not take afterwards), and what the reply will
 * carry. */
struct request {
	struct conn *conn;
	uint64_t id;
	struct json_object *msg;
	int *fds;               /* an op may take one, leaving -1 */
	int nfds;
	/* the reply: a result object and its fds, closed after sending
	 * unless lent (the fd cache's own, sent as they are) */
	struct json_object *result;
	/* or, when text_len > 0, the result already written as JSON text
	 * (a plain get's, lib/proto_text.c, and the {} of ops with no result) */
	char text[PROTO_GET_RESULT_MAX];
	size_t text_len;
	int out_fds[PROTO_FDS_MAX];
	bool out_lent[PROTO_FDS_MAX];
	int nout;
	char errmsg[512];
	bool deferred;      /* later_begin: the reply is sent later */
};

/* What one uid holds now, against the limits above (usage.c). */
struct server_usage {
	unsigned conns, inflight, queued_fds;
};
void server_usage(const struct server *srv, uid_t uid, struct server_usage *u);

/* usage.c: the accounting behind it (doc/protocol.md, Limits). */
void usage_init(struct server *srv);
/* Account a new connection of c->uid, or refuse it: -EDQUOT at its uid's
 * limit, -EUSERS at the total, with why[] naming the limit and option. */
int usage_conn_add(struct server *srv, struct conn *c, char *why, size_t len);
/* Release all c holds (its connection, requests, queued fds). */
void usage_conn_remove(struct conn *c);
/* May c's next request be read? PAUSE_NONE, or the limit in the way. A
 * request is read only while a full reply (PROTO_FDS_MAX fds) fits in the
 * fd budgets, or nothing is queued there, so a budget is never passed. */
enum conn_pause usage_may_read(const struct conn *c);
/* Put c on the list of connections waiting for limit why to free up. */
void usage_pause(struct conn *c, enum conn_pause why);
/* A request taken from c / answered or dropped. */
void usage_request_begin(struct conn *c);
void usage_request_end(struct conn *c);
/* n fds queued in c's unread replies / sent or dropped. */
void usage_fds_queued(struct conn *c, unsigned n);
void usage_fds_done(struct conn *c, unsigned n);

/* listener.c */
int server_listen(struct server *srv, const char *path);
void server_shutdown(struct server *srv);
/* Accept no more (daemon/drain.c): the listening fd is closed, the
 * socket's file stays until server_shutdown. */
void server_stop_accepting(struct server *srv);
/* A connection closed: an accept paused for want of fds can go on. */
void server_accept_resume(struct server *srv);

/* conn.c */
int conn_accept(struct server *srv, int fd);
void conn_free(struct conn *c);
void conn_cred(const struct conn *c, mode_t umask, struct ns_cred *cred);
/* Close the reply's fds that are not lent; the reply then carries none. */
void conn_out_close(struct request *req);
/* A limit that paused c freed up: read it again (usage.c calls it). */
void conn_resume(struct conn *c);
/* Send the reply of c's deferred request (later.c), end it in usage.c
 * and read c again; c may be freed (its send failed). */
void conn_reply_later(struct conn *c, struct json_object *reply,
		      struct request *req);

/* dispatch.c: serve one received message; returns the reply to send, or
 * NULL when the result is req->text or the op deferred it (req->deferred). */
struct json_object *dispatch(struct request *req, const char *buf, size_t len);

#endif
