/* daemon/ops_obj.c: the ops that move BPF objects: hello, pin (an fd in),
 * get and get_many (fds out, opened by the kernel with the access mode
 * asked), and info (bpftool's show JSON). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/ops.h"

int op_hello(struct request *req)
{
	struct json_object *o = json_object_new_object();
	const struct conn *c = req->conn;

	json_object_object_add(o, "version", json_object_new_int(PROTO_VERSION));
	json_object_object_add(o, "server", json_object_new_string("bpfpind " PACKAGE_VERSION));
	json_object_object_add(o, "max_msg", json_object_new_int(PROTO_MSG_MAX));
	json_object_object_add(o, "max_fds", json_object_new_int(PROTO_FDS_MAX));
	json_object_object_add(o, "uid", json_object_new_int64(c->uid));
	json_object_object_add(o, "gid", json_object_new_int64(c->gid));
	json_object_object_add(o, "pid", json_object_new_int64(c->pid));
	req->result = o;
	return 0;
}

struct pin_args {
	const char *path;
	int *fd;                /* its slot in req->fds */
	mode_t umask;
	bool stat;
};

static const struct param pin_params[] = {
	PARAM(struct pin_args, path, P_PATH, true),
	PARAM(struct pin_args, fd, P_FD, true),
	PARAM(struct pin_args, umask, P_UMASK, false),
	PARAM(struct pin_args, stat, P_BOOL, false),
	{ 0 },
};

int op_pin(struct request *req)
{
	struct pin_args a = { .umask = 022, .stat = true };
	struct ns_cred cred;
	struct ns_stat st;
	int r;

	if ((r = params_parse(pin_params, req, &a)) < 0)
		return r;
	conn_cred(req->conn, a.umask, &cred);
	/* A refused fd: the namespace says what it was, in req->errmsg. The
	 * fd cache may take the received fd itself (no dup, no close). */
	r = ns_pin_take(req->conn->srv->ns, &cred, NS_AT(a.path), a.fd,
			req->errmsg, sizeof(req->errmsg), &st);
	if (r < 0)
		return op_fail(req, a.path, r);
	/* A client that does not want the stat (libbpfpin's pin) saves both
	 * ends building and parsing it: most of a pin's user-space work. No
	 * result is {}, written as text by the dispatcher. */
	if (a.stat)
		req->result = stat_result(&st);
	return 0;
}

struct get_args {
	const char *path;
	int access;
	bool info, stat;
	struct json_object *paths;
};

static const struct param get_params[] = {
	PARAM(struct get_args, path, P_PATH, true),
	PARAM(struct get_args, access, P_ACCESS, false),
	PARAM(struct get_args, info, P_BOOL, false),
	PARAM(struct get_args, stat, P_BOOL, false),
	{ 0 },
};

/* Add the object's info JSON to o under "info". */
static int add_info(struct request *req, struct json_object *o, int fd,
		    const struct ns_stat *st, const char *path)
{
	struct json_object *info = obj_info_json(fd, &st->obj);

	if (!info)
		return op_fail(req, path, -errno);
	json_object_object_add(o, "info", info);
	return 0;
}

/* A member under a literal key, which json-c then need not copy: get and
 * get_many build these for every reply and every item. */
static void add_lit(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

int op_get(struct request *req)
{
	struct get_args a = { .access = O_RDWR };
	struct ns_cred cred;
	struct ns_stat st;
	int r, fd;

	if ((r = params_parse(get_params, req, &a)) < 0)
		return r;
	conn_cred(req->conn, 0, &cred);
	r = ns_get_lent(req->conn->srv->ns, &cred, NS_AT(a.path), a.access, &fd,
			&req->out_lent[req->nout], &st);
	if (r < 0)
		return op_fail(req, a.path, r);
	/* a lent fd is sent as it is: no dup before, no close after */
	req->out_fds[req->nout++] = fd;
	/* GET is the hot path: the stat only when asked (building and parsing
	 * it costs more than the rest of the round trip's user-space work),
	 * and a plain reply written as text, no json-c objects */
	if (!a.stat && !a.info) {
		req->text_len = proto_get_result(req->text,
				obj_kind_name(st.obj.kind), st.obj.id);
		return 0;
	}
	req->result = a.stat ? stat_result(&st) : json_object_new_object();
	add_lit(req->result, "fd", json_object_new_int(0));
	add_lit(req->result, "kind",
		json_object_new_string(obj_kind_name(st.obj.kind)));
	add_lit(req->result, "id", json_object_new_int64(st.obj.id));
	return a.info ? add_info(req, req->result, fd, &st, a.path) : 0;
}

static const struct param get_many_params[] = {
	PARAM(struct get_args, paths, P_PATHS, true),
	PARAM(struct get_args, access, P_ACCESS, false),
	{ 0 },
};

/* An item's error repeats no path, so 253 of them fit in one reply. */
static struct json_object *item_error(int err)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = proto_error(0, err, NULL);

	json_object_object_add(o, "error",
			       json_object_get(json_object_object_get(e, "error")));
	json_object_put(e);
	return o;
}

int op_get_many(struct request *req)
{
	struct get_args a = { .access = O_RDWR };
	struct json_object *items;
	struct ns_cred cred;
	size_t n;
	int r;

	if ((r = params_parse(get_many_params, req, &a)) < 0)
		return r;
	conn_cred(req->conn, 0, &cred);
	n = json_object_array_length(a.paths);
	items = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++) {
		const char *path = json_object_get_string(json_object_array_get_idx(a.paths, i));
		struct json_object *item;
		struct ns_stat st;
		int fd;

		r = ns_get(req->conn->srv->ns, &cred, NS_AT(path), a.access, &fd, &st);
		if (r < 0) {
			json_object_array_add(items, item_error(r));
			continue;
		}
		item = json_object_new_object();
		add_lit(item, "fd", json_object_new_int(req->nout));
		req->out_fds[req->nout++] = fd;
		json_object_array_add(items, item);
	}
	req->result = json_object_new_object();
	add_lit(req->result, "items", items);
	return 0;
}

/* info takes a path only: get's access, info and stat would mean nothing
 * here, and a member that means nothing is refused like any unknown one. */
static const struct param info_params[] = {
	PARAM(struct get_args, path, P_PATH, true),
	{ 0 },
};

/* Showing an object's info needs read permission on the pin, the rule of
 * reading its file on the mount (ns_open_obj owns it). */
int op_info(struct request *req)
{
	struct get_args a = { 0 };
	struct ns_cred cred;
	struct ns_stat st;
	int r, fd;

	if ((r = params_parse(info_params, req, &a)) < 0)
		return r;
	conn_cred(req->conn, 0, &cred);
	r = ns_open_obj(req->conn->srv->ns, &cred, NS_AT(a.path), NS_USE_SHOW,
			&fd, &st);
	if (r < 0)
		return op_fail(req, a.path, r);
	req->result = json_object_new_object();
	r = add_info(req, req->result, fd, &st, a.path);
	close(fd);
	return r;
}
