/* lib/client_call.c: one round trip with the daemon: send a request with
 * its fds, receive the reply, check its envelope (version, id), turn an
 * error object into -errno and a message, and own the fds that arrived
 * until the caller takes them. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "lib/client.h"

struct json_object *client_member(struct json_object *o, const char *key,
				  enum json_type t)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* A caller may have made the socket non-blocking to poll it; the calls
 * of this library still block. */
static int wait_ready(int sock, short events)
{
	struct pollfd p = { .fd = sock, .events = events };
	int r;

	do
		r = poll(&p, 1, -1);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/* Send len bytes of s with nfds fds (json NULL), or json serialized. */
static int send_msg(struct bpfpin *b, struct json_object *json, const char *s,
		    size_t len, const int *fds, int nfds)
{
	int r;

	while ((r = json ? proto_send_json(b->sock, json, fds, nfds) :
		    proto_send(b->sock, s, len, fds, nfds)) == -EAGAIN)
		if ((r = wait_ready(b->sock, POLLOUT)) < 0)
			break;
	if (r == -EMSGSIZE)
		return client_fail(b, r, "the request exceeds %d bytes or %d fds",
				   PROTO_MSG_MAX, PROTO_FDS_MAX);
	if (r < 0)
		return client_fail(b, r, "cannot send to the daemon: %s", strerror(-r));
	return 0;
}

static ssize_t recv_msg(struct bpfpin *b, struct client_reply *rep)
{
	ssize_t n;
	int r;

	while ((n = proto_recv(b->sock, b->buf, PROTO_MSG_MAX + 1, rep->fds,
			       &rep->nfds)) == -EAGAIN)
		if ((r = wait_ready(b->sock, POLLIN)) < 0)
			return r;
	return n;
}

static int parse_reply(struct bpfpin *b, struct client_reply *rep, size_t len)
{
	bool whole;

	json_tokener_reset(b->tok);
	rep->root = json_tokener_parse_ex(b->tok, b->buf, len);
	whole = rep->root && json_tokener_get_parse_end(b->tok) == len;
	if (!whole || !json_object_is_type(rep->root, json_type_object))
		return client_fail(b, -EBADMSG, "the daemon's reply is not one JSON object");
	return 0;
}

/* A reply received whole into b->buf: its length, or -errno. */
static ssize_t recv_text(struct bpfpin *b, struct client_reply *rep)
{
	ssize_t n = recv_msg(b, rep);

	/* A truncated reply was still consumed whole: the stream is in step. */
	if (n == -EMSGSIZE)
		return client_fail(b, -EMSGSIZE, "the daemon's reply exceeds %d bytes",
				   PROTO_MSG_MAX);
	if (n == 0) {
		b->broken = -ECONNRESET;
		return client_fail(b, -ECONNRESET, "the daemon closed the connection");
	}
	if (n < 0) {
		b->broken = n;
		return client_fail(b, n, "cannot receive from the daemon: %s",
				   strerror(-n));
	}
	return n;
}

/* Whether the reply answers request id: its own id, or 0 for an error
 * about a request the daemon could not parse (only one is in flight). */
static bool answers(struct json_object *root, uint64_t id)
{
	struct json_object *v = client_member(root, "id", json_type_int);
	uint64_t got;

	if (!v || json_object_get_int64(v) < 0)
		return false;
	got = json_object_get_uint64(v);
	return got == id || (got == 0 && client_member(root, "error", json_type_object));
}

static int check_envelope(struct bpfpin *b, struct client_reply *rep, uint64_t id)
{
	struct json_object *v = client_member(rep->root, "v", json_type_int);
	struct json_object *err;

	if (!v || json_object_get_int64(v) != PROTO_VERSION)
		return client_fail(b, -EPROTO, "the daemon's reply is not protocol version %d",
				   PROTO_VERSION);
	if (!answers(rep->root, id)) {
		b->broken = -EPROTO;
		return client_fail(b, -EPROTO, "the daemon's reply does not answer request %llu",
				   (unsigned long long)id);
	}
	err = client_member(rep->root, "error", json_type_object);
	if (err)
		return client_decode_error(b, err);
	rep->result = client_member(rep->root, "result", json_type_object);
	if (!rep->result)
		return client_fail(b, -EPROTO, "the daemon's reply has neither result nor error");
	return 0;
}

/* The reply {} to most ops is matched as text (lib/proto_text.c): parsing
 * those 30 bytes with json-c was ~8k instructions. */
int client_reply_decode(struct bpfpin *b, struct client_reply *rep,
			size_t len, uint64_t id)
{
	int r;

	if (proto_reply_empty(b->buf, len, id)) {
		rep->root = rep->result = json_object_new_object();
		return rep->root ? 0 : client_fail(b, -ENOMEM, "out of memory");
	}
	r = parse_reply(b, rep, len);
	return r < 0 ? r : check_envelope(b, rep, id);
}

static int exchange(struct bpfpin *b, struct client_req *q, const int *fds,
		    int nfds, struct client_reply *rep)
{
	int r = send_msg(b, q->obj, NULL, 0, fds, nfds);
	ssize_t n;

	if (r < 0)
		return r;
	n = recv_text(b, rep);
	return n < 0 ? (int)n : client_reply_decode(b, rep, (size_t)n, q->id);
}

ssize_t client_call_text(struct bpfpin *b, size_t len, const int *fds, int nfds,
			 struct client_reply *rep)
{
	ssize_t n;
	int r;

	*rep = (struct client_reply){ .nfds = 0 };
	if (b->broken)
		return client_fail(b, b->broken, "the connection failed earlier: reconnect");
	b->errmsg[0] = '\0';
	r = send_msg(b, NULL, b->buf, len, fds, nfds);
	n = r < 0 ? r : recv_text(b, rep);
	if (n < 0)
		client_reply_release(rep);
	return n;
}

int client_call(struct bpfpin *b, struct client_req *q, const int *fds,
		int nfds, struct client_reply *rep)
{
	int r = client_call_keep(b, q, fds, nfds, rep);

	if (r < 0)
		client_reply_release(rep);
	return r;
}

int client_call_keep(struct bpfpin *b, struct client_req *q, const int *fds,
		     int nfds, struct client_reply *rep)
{
	int r;

	*rep = (struct client_reply){ .nfds = 0 };
	if (!b)
		r = -EINVAL;
	else if (q->err)
		r = client_fail(b, q->err, "%s", q->why);
	else if (b->broken)
		r = client_fail(b, b->broken, "the connection failed earlier: reconnect");
	else {
		b->errmsg[0] = '\0';
		r = exchange(b, q, fds, nfds, rep);
	}
	json_object_put(q->obj);
	q->obj = NULL;
	return r;
}

int client_call_simple(struct bpfpin *b, struct client_req *q)
{
	struct client_reply rep;
	int r = client_call(b, q, NULL, 0, &rep);

	client_reply_release(&rep);
	return r;
}

int client_reply_take_fd(struct bpfpin *b, struct client_reply *rep,
			 struct json_object *index)
{
	if (!index || !json_object_is_type(index, json_type_int))
		return client_fail(b, -EPROTO, "the daemon's reply names no fd");
	return client_reply_take_fd_at(b, rep, json_object_get_int64(index));
}

int client_reply_take_fd_at(struct bpfpin *b, struct client_reply *rep,
			    int64_t i)
{
	int fd;

	if (i < 0 || i >= rep->nfds || rep->fds[i] < 0)
		return client_fail(b, -EPROTO, "the daemon's reply names fd %lld, which did not arrive",
				   (long long)i);
	fd = rep->fds[i];
	rep->fds[i] = -1;
	return fd;
}

void client_reply_release(struct client_reply *rep)
{
	proto_close_fds(rep->fds, rep->nfds);
	rep->nfds = 0;
	json_object_put(rep->root);
	rep->root = NULL;
	rep->result = NULL;
}

int client_decode_error(struct bpfpin *b, struct json_object *e)
{
	struct json_object *no = client_member(e, "errno", json_type_int);
	struct json_object *name = client_member(e, "name", json_type_string);
	struct json_object *msg = client_member(e, "message", json_type_string);
	int64_t err = no ? json_object_get_int64(no) : 0;

	if ((err <= 0 || err >= 4096) && name)
		err = proto_errno_value(json_object_get_string(name));
	if (err <= 0 || err >= 4096)
		return b ? client_fail(b, -EPROTO, "the daemon's error has no errno") : -EPROTO;
	if (b)
		client_fail(b, -err, "%s", msg ? json_object_get_string(msg) : strerror(err));
	return -err;
}
