/* daemon/server.h: the RPC server's shared types: the server (listener and
 * its connections on one libevent loop), a connection with its peer's
 * credentials, and one request with the fds it carried. */
#ifndef BPFPIN_DAEMON_SERVER_H
#define BPFPIN_DAEMON_SERVER_H

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
	bool reading;
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
};

/* A request being served: its parsed message, its fds (the dispatcher
 * closes them all afterwards), and what the reply will carry. */
struct request {
	struct conn *conn;
	uint64_t id;
	struct json_object *msg;
	const int *fds;
	int nfds;
	/* the reply: a result object and its fds, closed after sending
	 * unless lent (the fd cache's own, sent as they are) */
	struct json_object *result;
	int out_fds[PROTO_FDS_MAX];
	bool out_lent[PROTO_FDS_MAX];
	int nout;
	char errmsg[512];
};

/* What one uid holds now, against the limits above (usage.c). */
struct server_usage {
	unsigned conns, inflight, queued_fds;
};
void server_usage(const struct server *srv, uid_t uid, struct server_usage *u);

/* listener.c */
int server_listen(struct server *srv, const char *path);
void server_shutdown(struct server *srv);

/* conn.c */
int conn_accept(struct server *srv, int fd);
void conn_free(struct conn *c);
void conn_cred(const struct conn *c, mode_t umask, struct ns_cred *cred);
/* Close the reply's fds that are not lent; the reply then carries none. */
void conn_out_close(struct request *req);

/* dispatch.c: serve one received message; returns the reply to send. */
struct json_object *dispatch(struct request *req, const char *buf, size_t len);

#endif
