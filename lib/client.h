/* lib/client.h: libbpfpin's private interface between its files: the
 * connection, request building, the round trip and stat decoding. Nothing
 * here is exported; only functions marked BPFPIN_API leave the .so. */
#ifndef BPFPIN_LIB_CLIENT_H
#define BPFPIN_LIB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "include/bpfpin/bpfpin.h"
#include "lib/proto.h"

#define BPFPIN_API __attribute__((visibility("default")))

/* The longest path the protocol accepts (doc/protocol.md, "Paths"). */
#define CLIENT_PATH_MAX 4095

struct bpfpin {
	int sock;
	/* The first error that left the exchange out of step (a reply lost
	 * or not ours); every later call fails with it. 0 while in step. */
	int broken;
	uint64_t next_id;
	size_t max_msg;         /* the smaller of ours and the daemon's */
	int max_fds;
	char errmsg[256];
	char *buf;              /* one received message: PROTO_MSG_MAX + 1 */
	/* Reset for every reply rather than made anew: a tokener is three
	 * allocations and their frees per call. */
	struct json_tokener *tok;
	/* The process's umask when the connection was made: reading it costs
	 * an open, a read and a close of /proc/self/status (~12 us, more than
	 * the rest of a pin's client side), too much for every pin. */
	int umask;
};

/* A request being built. A failing step records the first error in err
 * (and why); client_call() then returns it without sending. */
struct client_req {
	struct json_object *obj;
	uint64_t id;
	int umask;              /* the connection's, for client_req_umask(-1) */
	int err;
	const char *why;
};

/* A reply: result is borrowed from root. Every fd still in fds[] (not
 * taken with client_reply_take_fd) is closed by client_reply_release. */
struct client_reply {
	struct json_object *root;
	struct json_object *result;
	int fds[PROTO_FDS_MAX];
	int nfds;
};

/* client_conn.c */
/* Wrap a connected socket (taken: closed on failure too); no hello. */
int client_open_fd(int sock, struct bpfpin **out);
/* Exchange hello and adopt the daemon's limits; -EPROTONOSUPPORT if it
 * does not speak PROTO_VERSION. */
int client_hello(struct bpfpin *b);
/* Record a message for bpfpin_errmsg(); returns err. */
int client_fail(struct bpfpin *b, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* client_req.c */
void client_req_init(struct client_req *q, struct bpfpin *b, const char *op);
void client_req_fail(struct client_req *q, int err, const char *why);
/* Add key: v (consumed; NULL means allocation failed). key is kept, not
 * copied: a string literal, as are the keys of every client_req_*. */
void client_req_add(struct client_req *q, const char *key, struct json_object *v);
void client_req_str(struct client_req *q, const char *key, const char *s);
/* A string checked against the protocol's path limits. */
void client_req_path(struct client_req *q, const char *key, const char *path);
void client_req_int(struct client_req *q, const char *key, int64_t v);
void client_req_bool(struct client_req *q, const char *key, bool v);
/* "umask": mask, or the connection's (the process's umask when it was
 * made) when mask < 0. */
void client_req_umask(struct client_req *q, int mask);
/* The process's umask, read without changing it where possible. */
int client_umask(void);
/* The serialized length of a JSON value, as proto_send_json writes it. */
size_t client_json_len(struct json_object *v);

/* client_obj.c */
/* "rdonly", "wronly" or "rdwr" for open flags; NULL if they are bad. */
const char *client_access_name(int flags);
/* "access" from open flags. */
void client_req_access(struct client_req *q, int flags);

/* client_call.c */
/* Send q with nfds fds (not consumed), receive and check the reply. On 0,
 * rep holds the result and the fds that came with it; on -errno, rep is
 * empty. q->obj is released either way. */
int client_call(struct bpfpin *b, struct client_req *q, const int *fds,
		int nfds, struct client_reply *rep);
/* As client_call, but rep is kept on failure too (an error reply's
 * members and fds: a failed load's log); release it always. */
int client_call_keep(struct bpfpin *b, struct client_req *q, const int *fds,
		     int nfds, struct client_reply *rep);
/* A round trip whose result is not needed. */
int client_call_simple(struct bpfpin *b, struct client_req *q);
/* A round trip of a request already written as text in b->buf[0..len),
 * with nfds fds (not consumed): the reply's length in b->buf, undecoded
 * (rep holds only its fds), or -errno with rep empty. */
ssize_t client_call_text(struct bpfpin *b, size_t len, const int *fds, int nfds,
			 struct client_reply *rep);
/* Decode the reply of len bytes in b->buf to request id into rep, as
 * client_call does. */
int client_reply_decode(struct bpfpin *b, struct client_reply *rep,
			size_t len, uint64_t id);
/* Take the fd a result names by its index; -EPROTO if absent or taken. */
int client_reply_take_fd(struct bpfpin *b, struct client_reply *rep,
			 struct json_object *index);
int client_reply_take_fd_at(struct bpfpin *b, struct client_reply *rep,
			    int64_t i);
void client_reply_release(struct client_reply *rep);
/* The error object of a reply (or of a get_many item) as -errno, its
 * message kept for bpfpin_errmsg() when b is not NULL. */
int client_decode_error(struct bpfpin *b, struct json_object *err);
/* Member key of o, or NULL when absent or not of type t. */
struct json_object *client_member(struct json_object *o, const char *key,
				  enum json_type t);

/* client_stat.c */
int client_stat_decode(struct bpfpin *b, struct json_object *o,
		       struct bpfpin_stat *st);
/* Decode result["stat"] into st (NULL: skip). */
int client_result_stat(struct bpfpin *b, struct json_object *result,
		       struct bpfpin_stat *st);

#endif
