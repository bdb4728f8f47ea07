/* daemon/ops_sock.c: sock_add, sock_rm, sock_kill: sockets handed to a
 * managed sockmap (with the request, or taken from another process by
 * pid), removed and ended. The namespace says who may (write permission
 * on the sockmap's pin; the socket's owner or root; the ptrace rule for
 * a pid), sockmap/ does it. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/bpf.h>

#include "daemon/ops.h"
#include "daemon/ops_sock.h"
#include "sockmap/sm_accept.h"
#include "sockmap/sm_pid.h"

int sock_fail(struct request *req, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->errmsg, sizeof(req->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

/* A request's key as the map's bytes: an integer is a key of 4 or 8
 * bytes in host byte order, hex gives the bytes themselves. */
static int key_bytes(struct request *req, const char *member, const struct param_key *pk,
		     struct sockmap *s, struct sockmap_key *k)
{
	struct sockmap_info in;

	sockmap_info(s, &in);
	memset(k, 0, sizeof(*k));
	k->is_auto = !pk->set || pk->is_auto;
	if (k->is_auto)
		return 0;
	k->len = in.key_size;
	if (pk->is_num) {
		uint32_t v32 = (uint32_t)pk->num;

		if (in.key_size == 8)
			memcpy(k->b, &pk->num, 8);
		else if (in.key_size == 4 && pk->num <= UINT32_MAX)
			memcpy(k->b, &v32, 4);
		else
			return sock_fail(req, -EINVAL, "member \"%s\": an integer key fits "
					 "key-size 4 (up to 4294967295) or 8; this map's "
					 "keys are %u bytes: give \"0x\" and hex digits",
					 member, in.key_size);
		return 0;
	}
	if (pk->len != in.key_size)
		return sock_fail(req, -EINVAL, "member \"%s\" has %u bytes; this map's "
				 "keys are %u", member, pk->len, in.key_size);
	memcpy(k->b, pk->b, pk->len);
	return 0;
}

struct json_object *sock_key_json(const struct sockmap_key *k)
{
	char hex[2 + 2 * SOCKMAP_KEY_MAX + 1] = "0x";
	uint32_t v;

	if (k->len == 4) {
		memcpy(&v, k->b, 4);
		return json_object_new_int64(v);
	}
	for (uint32_t i = 0; i < k->len; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", k->b[i]);
	return json_object_new_string(hex);
}

#define NO_FD UINT64_MAX      /* pid_fd, peer_pid_fd absent */

struct add_args {
	const char *path, *mode;
	int *fd, *peer_fd;
	uint64_t pid, pid_fd, peer_pid_fd;
	struct param_key key, peer_key;
	bool replace;
};

static const struct param add_params[] = {
	PARAM(struct add_args, path, P_PATH, true),
	PARAM(struct add_args, fd, P_FD, false),
	PARAM(struct add_args, pid, P_U64, false),
	PARAM(struct add_args, pid_fd, P_U64, false),
	PARAM(struct add_args, key, P_KEY, false),
	PARAM(struct add_args, peer_fd, P_FD, false),
	PARAM(struct add_args, peer_pid_fd, P_U64, false),
	PARAM(struct add_args, peer_key, P_KEY, false),
	PARAM(struct add_args, mode, P_STRING, false),
	PARAM(struct add_args, replace, P_BOOL, false),
	{ 0 },
};

/* Everything one add holds: sockets taken by pid are ours to close. */
struct add_ctx {
	struct request *req;
	struct add_args a;
	struct ns_cred cred;
	int pidfd, taken[2];
	struct sockmap *s;
	struct sockmap_add add;
};

/* The socket fdnum of the process the request names, if the caller may
 * take it. */
static int take_by_pid(struct add_ctx *x, uint64_t fdnum, int *slot)
{
	char *why = x->req->errmsg;
	size_t len = sizeof(x->req->errmsg);
	struct ns_proc p;
	int r;

	if (fdnum > INT32_MAX)
		return sock_fail(x->req, -EBADF, "fd number %llu is out of range",
				 (unsigned long long)fdnum);
	if (x->pidfd < 0) {
		if (x->a.pid > INT32_MAX)
			return sock_fail(x->req, -ESRCH, "pid %llu names no process",
					 (unsigned long long)x->a.pid);
		if ((r = sm_pid_open((pid_t)x->a.pid, &p, &x->pidfd, why, len)) < 0)
			return r;
		if ((r = ns_may_take_fd(&x->cred, &p, why, len)) < 0)
			return r;
	}
	r = sm_pid_getfd(x->pidfd, (pid_t)x->a.pid, (int)fdnum, why, len);
	if (r < 0)
		return r;
	*slot = r;
	return 0;
}

/* Where the socket (and its peer) come from: the request's fds, or the
 * process pid. */
static int sources(struct add_ctx *x)
{
	struct add_args *a = &x->a;
	int r;

	if (!a->fd == !a->pid)
		return sock_fail(x->req, -EINVAL, "one of members \"fd\" and \"pid\" "
				 "is needed, not both");
	if (a->pid && (a->peer_fd || a->pid_fd == NO_FD))
		return sock_fail(x->req, -EINVAL, "with \"pid\", the sockets are "
				 "\"pid_fd\" (needed) and \"peer_pid_fd\"");
	if (!a->pid) {
		if (a->pid_fd != NO_FD || a->peer_pid_fd != NO_FD)
			return sock_fail(x->req, -EINVAL, "members \"pid_fd\" and "
					 "\"peer_pid_fd\" need \"pid\"");
		x->add.sock_fd = a->fd;
		x->add.peer_fd = a->peer_fd;
		return 0;
	}
	if ((r = take_by_pid(x, a->pid_fd, &x->taken[0])) < 0)
		return r;
	x->add.sock_fd = &x->taken[0];
	if (a->peer_pid_fd != NO_FD) {
		if ((r = take_by_pid(x, a->peer_pid_fd, &x->taken[1])) < 0)
			return r;
		x->add.peer_fd = &x->taken[1];
	}
	return 0;
}

/* The socket's owner or root, for each socket. */
static int owners(struct add_ctx *x)
{
	int *fds[2] = { x->add.sock_fd, x->add.peer_fd };
	uid_t uid;
	int r;

	for (int i = 0; i < 2 && fds[i]; i++)
		if ((r = sockmap_sock_owner(*fds[i], &uid, x->req->errmsg,
					    sizeof(x->req->errmsg))) < 0 ||
		    (r = ns_may_add_sock(&x->cred, uid, x->req->errmsg,
					 sizeof(x->req->errmsg))) < 0)
			return r;
	return 0;
}

static struct json_object *add_result(struct add_ctx *x)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "key", sock_key_json(&x->add.key));
	if (x->add.peer_fd)
		json_object_object_add(o, "peer_key", sock_key_json(&x->add.peer_key));
	return o;
}

/* accept: the listening socket's accepted connections join the map; no
 * key (their cookies are), no peer. */
static int add_accept(struct add_ctx *x)
{
	struct add_args *a = &x->a;
	int r;

	if (a->key.set || a->peer_fd || a->peer_pid_fd != NO_FD || a->peer_key.set ||
	    a->replace)
		return sock_fail(x->req, -EINVAL, "mode \"accept\" takes no key, peer or "
				 "replace: each accepted connection is keyed by its cookie");
	r = ns_may_attach_system(&x->cred, "accept mode (a sock_ops program on the "
				 "cgroup v2 root sees every TCP connection of the host)",
				 x->req->errmsg, sizeof(x->req->errmsg));
	if (r < 0)
		return r;
	return sockmap_accept_add(x->s, *x->add.sock_fd, x->cred.uid, x->req->errmsg,
				  sizeof(x->req->errmsg));
}

static int add_run(struct add_ctx *x)
{
	struct add_args *a = &x->a;
	struct ns_stat st;
	int r;

	if (a->mode && strcmp(a->mode, "lend") && strcmp(a->mode, "give") &&
	    strcmp(a->mode, "accept"))
		return sock_fail(x->req, -EINVAL, "member \"mode\" must be \"lend\", "
				 "\"give\" or \"accept\", not \"%.64s\"", a->mode);
	if (!a->peer_fd && a->peer_key.set && a->peer_pid_fd == NO_FD)
		return sock_fail(x->req, -EINVAL, "member \"peer_key\" needs a peer");
	if ((r = sockmap_open(x->req, &x->cred, a->path, &x->s, &st)) < 0 ||
	    (r = sources(x)) < 0 || (r = owners(x)) < 0)
		return r;
	if (a->mode && !strcmp(a->mode, "accept"))
		return add_accept(x);
	if ((r = key_bytes(x->req, "key", &a->key, x->s, &x->add.key)) < 0 ||
	    (r = key_bytes(x->req, "peer_key", &a->peer_key, x->s, &x->add.peer_key)) < 0)
		return r;
	x->add.give = a->mode && !strcmp(a->mode, "give");
	x->add.replace = a->replace;
	x->add.uid = x->cred.uid;
	x->add.pid = x->cred.pid;
	return sockmap_member_add(x->s, &x->add, x->req->errmsg, sizeof(x->req->errmsg));
}

int op_sock_add(struct request *req)
{
	struct add_ctx x = { .req = req, .pidfd = -1, .taken = { -1, -1 },
			     .a = { .pid_fd = NO_FD, .peer_pid_fd = NO_FD } };
	int r = params_parse(add_params, req, &x.a);

	if (r < 0)
		return r;
	conn_cred(req->conn, 0, &x.cred);
	r = add_run(&x);
	/* a given socket's fd was taken (set to -1); a lent one's (and a
	 * listener's) closed here, or by the dispatcher for the request's own */
	for (int i = 0; i < 2; i++)
		if (x.taken[i] >= 0)
			close(x.taken[i]);
	if (x.pidfd >= 0)
		close(x.pidfd);
	if (r < 0)
		return op_fail(req, x.a.path, r);
	req->result = x.a.mode && !strcmp(x.a.mode, "accept") ? json_object_new_object() :
		      add_result(&x);
	return 0;
}

struct sel_args {
	const char *path;
	struct param_key key;
	uint64_t cookie;
};

static const struct param sel_params[] = {
	PARAM(struct sel_args, path, P_PATH, true),
	PARAM(struct sel_args, key, P_KEY, false),
	PARAM(struct sel_args, cookie, P_U64, false),
	{ 0 },
};

typedef int (*sel_fn)(struct sockmap *s, const struct sockmap_sel *sel,
		      char *why, size_t whylen);

/* sock_rm and sock_kill: a member by key or by cookie. */
static int on_member(struct request *req, sel_fn fn)
{
	struct sel_args a = { 0 };
	struct sockmap_sel sel = { 0 };
	struct ns_cred cred;
	struct ns_stat st;
	struct sockmap *s;
	int r = params_parse(sel_params, req, &a);

	if (r < 0)
		return r;
	conn_cred(req->conn, 0, &cred);
	if ((r = sockmap_open(req, &cred, a.path, &s, &st)) < 0)
		return op_fail(req, a.path, r);
	if (a.key.set == (a.cookie != 0))
		return sock_fail(req, -EINVAL, "one of members \"key\" and \"cookie\" "
				 "is needed, not both");
	if (a.key.is_auto)
		return sock_fail(req, -EINVAL, "member \"key\" cannot be \"auto\" here");
	if (a.key.set && (r = key_bytes(req, "key", &a.key, s, &sel.key)) < 0)
		return op_fail(req, a.path, r);
	sel.cookie = a.cookie;
	if ((r = fn(s, &sel, req->errmsg, sizeof(req->errmsg))) < 0)
		return op_fail(req, a.path, r);
	return 0;
}

/* A cookie that names no member may name a listener in accept mode. */
static int rm_member_or_listener(struct sockmap *s, const struct sockmap_sel *sel,
				 char *why, size_t whylen)
{
	int r = sockmap_member_rm(s, sel, why, whylen);

	if (r == -ENOENT && !sel->key.len)
		r = sockmap_accept_rm(s, sel->cookie, why, whylen);
	if (r == -ENOENT && !sel->key.len)
		snprintf(why, whylen, "no member and no listener has cookie %llu",
			 (unsigned long long)sel->cookie);
	return r;
}

int op_sock_rm(struct request *req)
{
	return on_member(req, rm_member_or_listener);
}

int op_sock_kill(struct request *req)
{
	return on_member(req, sockmap_member_kill);
}
