/* daemon/conn.c: one client connection: its credentials (SO_PEERCRED and
 * SO_PEERGROUPS, read once at accept), reading requests, and replies with
 * their fds, queued while the peer is not reading. A connection whose
 * queue is full, or whose uid (or everyone) is at a limit of usage.c, is
 * not read from until that frees up, so a client cannot make the daemon
 * buffer without bound. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon/later.h"
#include "daemon/log.h"
#include "daemon/server.h"

struct outmsg {
	STAILQ_ENTRY(outmsg) entry;
	int nfds;
	int fds[PROTO_FDS_MAX];
	size_t len;
	char buf[];
};

#define READS_PER_WAKEUP 64
#define PROBE_EVERY 16

static char rxbuf[PROTO_MSG_MAX + 1];
static int rxfds[PROTO_FDS_MAX];

static int read_groups(struct conn *c)
{
	socklen_t len = 64 * sizeof(gid_t);

	for (;;) {
		gid_t *g = realloc(c->groups, len ? len : sizeof(gid_t));

		if (!g)
			return -ENOMEM;
		c->groups = g;
		if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			c->ngroups = len / sizeof(gid_t);
			return 0;
		}
		if (errno != ERANGE)
			return -errno;
	}
}

static int read_cred(struct conn *c)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	c->pid = uc.pid;
	c->uid = uc.uid;
	c->gid = uc.gid;
	return read_groups(c);
}

void conn_cred(const struct conn *c, mode_t umask, struct ns_cred *cred)
{
	*cred = (struct ns_cred){
		.uid = c->uid, .gid = c->gid, .pid = c->pid, .umask = umask,
		.ngroups = c->ngroups, .groups = c->groups,
	};
}

void conn_out_close(struct request *req)
{
	for (int i = 0; i < req->nout; i++)
		if (!req->out_lent[i] && req->out_fds[i] >= 0)
			close(req->out_fds[i]);
	req->nout = 0;
}

/* Close a reply's fds; its accounting is the caller's. */
static void outmsg_free(struct outmsg *m)
{
	proto_close_fds(m->fds, m->nfds);
	free(m);
}

void conn_free(struct conn *c)
{
	struct server *srv = c->srv;
	struct outmsg *m;

	if (c->later)
		later_orphan(c->later);
	while ((m = STAILQ_FIRST(&c->outq))) {
		STAILQ_REMOVE_HEAD(&c->outq, entry);
		outmsg_free(m);
	}
	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->nconns--;
	event_free(c->ev);
	close(c->fd);
	usage_conn_remove(c);
	free(c->groups);
	free(c);
	server_accept_resume(srv);
}

/* Wait for what c can do now: read while its queue has room and no limit
 * pauses it, write while replies are queued. */
static void set_events(struct conn *c)
{
	short what = EV_PERSIST;

	if (c->nqueued < CONN_MAX_QUEUED && c->paused == PAUSE_NONE && !c->later)
		what |= EV_READ;
	if (c->later)
		what |= EV_CLOSED;      /* a peer gone while its reply waits */
	if (c->nqueued)
		what |= EV_WRITE;
	if (what == c->events)
		return;
	c->events = what;
	event_del(c->ev);
	event_assign(c->ev, c->srv->base, c->fd, what, event_get_callback(c->ev), c);
	event_add(c->ev, NULL);
}

void conn_resume(struct conn *c)
{
	set_events(c);
}

/* Queue a reply the socket could not take now; takes the fds it owns and
 * dups the lent ones, which the cache may close before the queue drains. */
static int enqueue(struct conn *c, const char *s, size_t len, struct request *req)
{
	struct outmsg *m = malloc(sizeof(*m) + len);

	if (!m)
		return -ENOMEM;
	memcpy(m->buf, s, len);
	m->len = len;
	m->nfds = 0;
	for (int i = 0; i < req->nout; i++) {
		int fd = req->out_fds[i];

		if (req->out_lent[i] && (fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
			int r = -errno;

			outmsg_free(m);
			return r;
		}
		/* now m's: outmsg_free closes it if a later dup fails */
		req->out_lent[i] = true;
		m->fds[m->nfds++] = fd;
	}
	req->nout = 0;
	STAILQ_INSERT_TAIL(&c->outq, m, entry);
	c->nqueued++;
	usage_fds_queued(c, m->nfds);
	return 0;
}

/* Send the reply now if nothing is queued before it, else queue it. A
 * result written as text (req->text) is wrapped as text too. 0 if sent,
 * 1 if queued (the request stays in flight until flush_queue sends it),
 * or -errno. */
static int send_reply(struct conn *c, struct json_object *reply, struct request *req)
{
	char text[PROTO_GET_RESULT_MAX + 48];
	const char *s = text;
	size_t len;
	int r = -EAGAIN;

	if (!reply && req->text_len)
		len = proto_result_text(text, req->id, req->text, req->text_len);
	else
		s = json_object_to_json_string_length(reply,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	if (len > PROTO_MSG_MAX)
		return log_warn(-EMSGSIZE, "reply to request %llu",
				(unsigned long long)req->id);
	if (!c->nqueued)
		r = proto_send(c->fd, s, len, req->out_fds, req->nout);
	if (r == -EAGAIN && (r = enqueue(c, s, len, req)) == 0)
		r = 1;
	conn_out_close(req);
	return r;
}

static int flush_queue(struct conn *c)
{
	struct outmsg *m;

	if (c->later)
		later_orphan(c->later);
	while ((m = STAILQ_FIRST(&c->outq))) {
		int r = proto_send(c->fd, m->buf, m->len, m->fds, m->nfds);

		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		STAILQ_REMOVE_HEAD(&c->outq, entry);
		c->nqueued--;
		usage_fds_done(c, m->nfds);
		usage_request_end(c);   /* its reply is the peer's now */
		outmsg_free(m);
	}
	return 0;
}

/* The reply to a message that is not a request at all. */
static struct json_object *refuse_message(ssize_t n)
{
	if (n == -EBADMSG)
		return proto_error(0, EBADMSG, "empty message (0 bytes): a request "
				   "is one JSON object; its fds were closed");
	return proto_error(0, EMSGSIZE, "message too large or too many fds "
			   "(limits: 65536 bytes, 253 fds); its fds were closed");
}

/* Serve one message already in rxbuf/rxfds (n < 0: one proto_recv
 * refused, its fds already closed). The request is in flight from here
 * until its reply reaches the socket: now, or from the queue later. */
static int serve(struct conn *c, ssize_t n, int nfds)
{
	struct request req = { .conn = c, .fds = rxfds, .nfds = nfds };
	struct json_object *reply;
	int r;

	usage_request_begin(c);
	if (n < 0)
		reply = refuse_message(n);
	else
		reply = dispatch(&req, rxbuf, n);
	proto_close_fds(rxfds, nfds);
	if (req.deferred) {
		/* in flight until conn_reply_later */
		json_object_put(req.msg);
		return 0;
	}
	r = send_reply(c, reply, &req);
	ns_flush(c->srv->ns);   /* what could wait until the reply was sent */
	if (r != 1)
		usage_request_end(c);
	json_object_put(reply);
	json_object_put(req.result);
	json_object_put(req.msg);
	conn_out_close(&req);
	return r;
}

/* A client that waits for each reply (most do) never has a second
 * request queued once the first is served: reading again would only find
 * EAGAIN, a syscall per request. Such a connection is read once per
 * wake-up (the event is level-triggered: a request that is there brings
 * the loop back at once), with a look for a second request every
 * PROBE_EVERY; one found, and it is read in bursts until a burst is one
 * request long again. */
static bool read_on(struct conn *c)
{
	if (c->burst || ++c->since_probe < PROBE_EVERY)
		return c->burst;
	c->since_probe = 0;
	return true;
}

/* Read and serve requests while c's queue has room and no limit pauses
 * it; a paused connection waits on its list in usage.c. */
static int read_some(struct conn *c)
{
	for (int i = 0; i < READS_PER_WAKEUP && c->nqueued < CONN_MAX_QUEUED &&
	     !c->later; i++) {
		enum conn_pause why = usage_may_read(c);
		ssize_t n;
		int nfds;

		if (why != PAUSE_NONE) {
			usage_pause(c, why);
			return 0;
		}
		n = proto_recv(c->fd, rxbuf, sizeof(rxbuf), rxfds, &nfds);
		if (i == 1)
			c->burst = n != -EAGAIN;
		if (n == -EAGAIN)
			return 0;
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && n != -EMSGSIZE && n != -EBADMSG)
			return (int)n;
		if (serve(c, n, nfds) < 0)
			return -EPIPE;
		if (!read_on(c))
			return 0;
	}
	return 0;
}

void conn_reply_later(struct conn *c, struct json_object *reply,
		      struct request *req)
{
	int r = send_reply(c, reply, req);

	c->later = NULL;
	if (r != 1)
		usage_request_end(c);   /* else when the queue sends it */
	if (r < 0) {
		conn_free(c);
		return;
	}
	set_events(c);
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if ((what & EV_CLOSED) ||
	    ((what & EV_WRITE) && flush_queue(c) < 0) ||
	    ((what & EV_READ) && read_some(c) < 0)) {
		conn_free(c);
		return;
	}
	set_events(c);
}

/* A connection over a limit is told why in one reply (id 0), then closed. */
static void refuse(int fd, int err, const char *why)
{
	struct json_object *reply = proto_error(0, err, why);

	if (reply)
		proto_send_json(fd, reply, NULL, 0);
	json_object_put(reply);
	close(fd);
}

int conn_accept(struct server *srv, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	char why[160];
	int r;

	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->srv = srv;
	c->fd = fd;
	STAILQ_INIT(&c->outq);
	if ((r = read_cred(c)) < 0 ||
	    !(c->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_event, c))) {
		free(c->groups);
		free(c);
		close(fd);
		return log_warn(r ? r : -ENOMEM, "new connection");
	}
	if ((r = usage_conn_add(srv, c, why, sizeof(why))) < 0) {
		log_debug("refusing a connection of uid %u: %s", (unsigned)c->uid, why);
		event_free(c->ev);
		free(c->groups);
		free(c);
		refuse(fd, r, why);
		return r;
	}
	c->events = EV_READ | EV_PERSIST;
	event_add(c->ev, NULL);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	log_debug("connection from pid %d uid %u gid %u", (int)c->pid,
		  (unsigned)c->uid, (unsigned)c->gid);
	return 0;
}
