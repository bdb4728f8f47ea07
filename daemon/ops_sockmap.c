/* daemon/ops_sockmap.c: sockmap_create, sockmap_attach, sockmap_detach,
 * and the "sockmap" object stat and sock_ls show. Who may is fs/ns's to
 * say (write permission on the pin, as for attach); what a sockmap holds
 * and how it is attached is sockmap/'s. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <json-c/json.h>
#include <linux/bpf.h>

#include "bpf/attach.h"
#include "daemon/ops.h"
#include "daemon/ops_sock.h"
#include "sockmap/sm.h"

int sockmap_open(struct request *req, const struct ns_cred *cred, const char *path,
		 struct sockmap **out, struct ns_stat *st)
{
	struct server *srv = req->conn->srv;
	int fd = -1, r = ns_open_obj(srv->ns, cred, NS_AT(path), NS_USE_ATTACH, &fd, st);

	if (r == -EACCES)
		return sock_fail(req, r, "%.400s: Permission denied (a sockmap's members "
				 "and programs change only with write permission on "
				 "its pin)", path);
	if (r < 0)
		return op_fail(req, path, r);
	if (st->obj.kind != OBJ_MAP || (st->obj.type != BPF_MAP_TYPE_SOCKMAP &&
					st->obj.type != BPF_MAP_TYPE_SOCKHASH))
		r = sock_fail(req, -EINVAL, "%.400s: holds a %s, not a sockmap or "
			      "sockhash", path, st->obj.kind == OBJ_MAP ?
			      obj_map_type_name(st->obj.type) : obj_kind_name(st->obj.kind));
	else
		r = sockmap_get(srv->sm, fd, cred->uid, out, req->errmsg,
				sizeof(req->errmsg));
	close(fd);
	return r;
}

struct show_args {
	const char *path;
};

static const struct param show_params[] = {
	PARAM(struct show_args, path, P_PATH, true),
	{ 0 },
};

int sockmap_show(struct request *req, const char **path, struct sockmap **out)
{
	struct show_args a = { 0 };
	struct ns_cred cred;
	struct ns_stat st;
	int fd = -1, r = params_parse(show_params, req, &a);

	if (r < 0)
		return r;
	*path = a.path;
	conn_cred(req->conn, 0, &cred);
	r = ns_open_obj(req->conn->srv->ns, &cred, NS_AT(a.path), NS_USE_SHOW, &fd, &st);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return op_fail(req, a.path, r);
	if (st.obj.kind != OBJ_MAP || (st.obj.type != BPF_MAP_TYPE_SOCKMAP &&
				       st.obj.type != BPF_MAP_TYPE_SOCKHASH))
		return sock_fail(req, -EINVAL, "%.400s: holds no sockmap or sockhash", a.path);
	*out = sockmap_find(req->conn->srv->sm, st.obj.id);
	return 0;
}

struct json_object *sockmap_state_json(struct sockmap *s)
{
	struct json_object *o = json_object_new_object(), *h = json_object_new_object();
	struct sockmap_info in;
	char label[512];

	sockmap_info(s, &in);
	json_object_object_add(o, "members", json_object_new_int64(in.members));
	json_object_object_add(o, "given", json_object_new_int64(in.given));
	for (int k = 0; k < SOCKMAP_HOOKS; k++)
		if (sockmap_attached(s, k, label, sizeof(label)) == 0)
			json_object_object_add(h, sockmap_hook_name(k),
					       json_object_new_string(label));
	json_object_object_add(o, "attached", h);
	return o;
}

void sockmap_result(struct request *req, uint32_t id)
{
	struct sockmap *s = sockmap_find(req->conn->srv->sm, id);

	if (s && req->result)
		json_object_object_add(req->result, "sockmap", sockmap_state_json(s));
}

struct create_args {
	const char *path, *type;
	uint64_t max_entries, key_size;
	mode_t umask;
};

static const struct param create_params[] = {
	PARAM(struct create_args, path, P_PATH, true),
	PARAM(struct create_args, type, P_STRING, false),
	PARAM(struct create_args, max_entries, P_U64, false),
	PARAM(struct create_args, key_size, P_U64, false),
	PARAM(struct create_args, umask, P_UMASK, false),
	{ 0 },
};

static int create_map(struct request *req, const struct create_args *a)
{
	bool hash = !strcmp(a->type, "sockhash");
	uint64_t ks = a->key_size ? a->key_size : hash ? 8 : 4;
	int fd;

	if (!hash && strcmp(a->type, "sockmap"))
		return sock_fail(req, -EINVAL, "member \"type\" must be \"sockmap\" or "
				 "\"sockhash\", not \"%.64s\"", a->type);
	if (!a->max_entries || a->max_entries > SOCKMAP_MAX_ENTRIES)
		return sock_fail(req, -EINVAL, "member \"max_entries\" must be 1 to %u",
				 SOCKMAP_MAX_ENTRIES);
	if (!hash && ks != 4)
		return sock_fail(req, -EINVAL, "a sockmap's keys are 4-byte indexes: "
				 "member \"key_size\" must be 4 (or use a sockhash)");
	if (ks > SOCKMAP_KEY_MAX)
		return sock_fail(req, -EINVAL, "member \"key_size\" must be 1 to %u",
				 SOCKMAP_KEY_MAX);
	fd = bpf_map_create(hash ? BPF_MAP_TYPE_SOCKHASH : BPF_MAP_TYPE_SOCKMAP,
			    "bpfpin_sock", (uint32_t)ks, 8, (uint32_t)a->max_entries, NULL);
	if (fd < 0)
		return sock_fail(req, -errno, "the kernel would not make the map: %s",
				 strerror(errno));
	return fd;
}

int op_sockmap_create(struct request *req)
{
	struct create_args a = { .type = "sockmap", .max_entries = 1024, .umask = 022 };
	struct ns_stat st;
	struct ns_cred cred;
	struct sockmap *s;
	int fd, r = params_parse(create_params, req, &a);

	if (r < 0)
		return r;
	conn_cred(req->conn, a.umask, &cred);
	if ((r = ns_may_pin(req->conn->srv->ns, &cred, NS_AT(a.path))) < 0)
		return op_fail(req, a.path, r);
	if ((fd = create_map(req, &a)) < 0)
		return fd;
	/* taken up first, so a sockmap over the budget is never pinned; one
	 * that could not be pinned is let go */
	r = sockmap_get(req->conn->srv->sm, fd, cred.uid, &s, req->errmsg,
			sizeof(req->errmsg));
	if (r == 0) {
		r = ns_pin(req->conn->srv->ns, &cred, NS_AT(a.path), fd, req->errmsg,
			   sizeof(req->errmsg), &st);
		if (r < 0) {
			struct sockmap_info in;

			sockmap_info(s, &in);
			sockmap_mgr_forget(req->conn->srv->sm, in.id);
		}
	}
	close(fd);
	if (r < 0)
		return op_fail(req, a.path, r);
	req->result = stat_result(&st);
	sockmap_result(req, st.obj.id);
	return 0;
}

struct attach_args {
	const char *path, *hook, *builtin, *prog;
	int *fd;
	bool replace;
};

static const struct param attach_params[] = {
	PARAM(struct attach_args, path, P_PATH, true),
	PARAM(struct attach_args, hook, P_STRING, true),
	PARAM(struct attach_args, builtin, P_STRING, false),
	PARAM(struct attach_args, prog, P_PATH, false),
	PARAM(struct attach_args, fd, P_FD, false),
	PARAM(struct attach_args, replace, P_BOOL, false),
	{ 0 },
};

/* accelerate: the cgroup v2 directory of fd, which the caller may write. */
static int accelerate(struct request *req, const struct ns_cred *cred,
		      struct sockmap *s, const struct attach_args *a)
{
	char *why = req->errmsg, label[64];
	size_t len = sizeof(req->errmsg);
	struct attach_dir d;
	int r;

	if (!a->fd)
		return sock_fail(req, -EINVAL, "accelerate needs member \"fd\": the "
				 "cgroup v2 directory whose connections it speeds up");
	if (a->replace)
		return sock_fail(req, -EINVAL, "accelerate cannot replace: detach first");
	if ((r = attach_cgroup_fd(*a->fd, &d, why, len)) < 0 ||
	    (r = ns_may_attach_dir(cred, d.uid, d.gid, d.mode, why, len)) < 0)
		return r;
	snprintf(label, sizeof(label), "%llu", (unsigned long long)d.ino);
	return sockmap_accelerate(s, *a->fd, label, why, len);
}

static int attach_prog(struct request *req, const struct ns_cred *cred,
		       struct sockmap *s, const struct attach_args *a,
		       enum sockmap_hook hook)
{
	char label[4200];
	struct ns_stat pst;
	int fd = -1, r = ns_open_obj(req->conn->srv->ns, cred, NS_AT(a->prog),
				     NS_USE_ATTACH, &fd, &pst);

	if (r < 0)
		return op_fail(req, a->prog, r);
	if (pst.obj.kind != OBJ_PROG)
		r = sock_fail(req, -EINVAL, "%.400s: holds a %s, not a program", a->prog,
			      obj_kind_name(pst.obj.kind));
	else {
		snprintf(label, sizeof(label), "prog:%s", a->prog);
		r = sockmap_attach(s, hook, fd, label, a->replace, req->errmsg,
				   sizeof(req->errmsg));
	}
	close(fd);
	return r;
}

static int attach_run(struct request *req, const struct ns_cred *cred,
		      struct sockmap *s, const struct attach_args *a)
{
	int hook = sockmap_hook_find(a->hook);

	if (hook < 0)
		return sock_fail(req, -EINVAL, "member \"hook\" must be stream_parser, "
				 "stream_verdict, skb_verdict or msg_verdict, not "
				 "\"%.64s\"", a->hook);
	if (!a->builtin == !a->prog)
		return sock_fail(req, -EINVAL, "one of members \"builtin\" and \"prog\" "
				 "is needed, not both");
	if (a->prog) {
		if (a->fd)
			return sock_fail(req, -EINVAL, "member \"fd\" is accelerate's only");
		return attach_prog(req, cred, s, a, hook);
	}
	if (!strcmp(a->builtin, "accelerate")) {
		if (hook != SOCKMAP_MSG_VERDICT)
			return sock_fail(req, -EINVAL, "accelerate is a msg_verdict");
		return accelerate(req, cred, s, a);
	}
	if (a->fd)
		return sock_fail(req, -EINVAL, "member \"fd\" is accelerate's only");
	return sockmap_attach_builtin(s, hook, a->builtin, a->replace, req->errmsg,
				      sizeof(req->errmsg));
}

int op_sockmap_attach(struct request *req)
{
	struct attach_args a = { 0 };
	struct ns_cred cred;
	struct ns_stat st;
	struct sockmap *s;
	int r = params_parse(attach_params, req, &a);

	if (r < 0)
		return r;
	conn_cred(req->conn, 0, &cred);
	if ((r = sockmap_open(req, &cred, a.path, &s, &st)) < 0 ||
	    (r = attach_run(req, &cred, s, &a)) < 0)
		return op_fail(req, a.path, r);
	req->result = stat_result(&st);
	sockmap_result(req, st.obj.id);
	return 0;
}

struct detach_args {
	const char *path, *hook;
};

static const struct param detach_params[] = {
	PARAM(struct detach_args, path, P_PATH, true),
	PARAM(struct detach_args, hook, P_STRING, true),
	{ 0 },
};

int op_sockmap_detach(struct request *req)
{
	struct detach_args a = { 0 };
	struct ns_cred cred;
	struct ns_stat st;
	struct sockmap *s;
	int hook, r = params_parse(detach_params, req, &a);

	if (r < 0)
		return r;
	conn_cred(req->conn, 0, &cred);
	if ((r = sockmap_open(req, &cred, a.path, &s, &st)) < 0)
		return op_fail(req, a.path, r);
	if ((hook = sockmap_hook_find(a.hook)) < 0)
		return sock_fail(req, -EINVAL, "member \"hook\" must be stream_parser, "
				 "stream_verdict, skb_verdict or msg_verdict, not "
				 "\"%.64s\"", a.hook);
	if ((r = sockmap_detach(s, hook, req->errmsg, sizeof(req->errmsg))) < 0)
		return op_fail(req, a.path, r);
	req->result = stat_result(&st);
	sockmap_result(req, st.obj.id);
	return 0;
}
