/* daemon/ops_ns.c: the namespace ops of the RPC (stat, list, unlink,
 * mkdir, rmdir, rename, link, symlink, readlink, chmod, chown, utimens):
 * parameters in, one fs/ns.h call, the stat or nothing out. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "daemon/ops.h"
#include "daemon/ops_sock.h"

/* Every op here takes a subset of these members. */
struct ns_args {
	const char *path, *from, *to, *target;
	mode_t mode, umask;
	unsigned flags;
	int64_t uid, gid;
	bool follow;
	uint64_t cursor, limit;
	struct timespec times[2];
};

#define A(member, type, req) PARAM(struct ns_args, member, type, req)
static const struct param path_only[] = { A(path, P_PATH, true), { 0 } };
static const struct param stat_params[] = {
	A(path, P_PATH, true), A(follow, P_BOOL, false), { 0 } };
static const struct param list_params[] = {
	A(path, P_PATH, true), A(cursor, P_U64, false), A(limit, P_U64, false), { 0 } };
static const struct param mkdir_params[] = {
	A(path, P_PATH, true), A(mode, P_MODE, false), A(umask, P_UMASK, false), { 0 } };
static const struct param rename_params[] = {
	A(from, P_PATH, true), A(to, P_PATH, true), A(flags, P_RENAME, false), { 0 } };
static const struct param link_params[] = {
	A(target, P_PATH, true), A(path, P_PATH, true), A(umask, P_UMASK, false), { 0 } };
static const struct param symlink_params[] = {
	A(target, P_STRING, true), A(path, P_PATH, true), { 0 } };
static const struct param chmod_params[] = {
	A(path, P_PATH, true), A(mode, P_MODE, true), { 0 } };
static const struct param chown_params[] = {
	A(path, P_PATH, true), A(uid, P_ID, true), A(gid, P_ID, true), { 0 } };
static const struct param utimens_params[] = {
	A(path, P_PATH, true),
	PARAM_AS("atime_ns", struct ns_args, times[0], P_TIME, false),
	PARAM_AS("mtime_ns", struct ns_args, times[1], P_TIME, false),
	{ 0 } };
#undef A

/* Parse args with table and fill the caller's credentials. */
static int prepare(struct request *req, const struct param *table,
		   struct ns_args *a, struct ns_cred *cred)
{
	int r;

	*a = (struct ns_args){
		.mode = 0777, .umask = 022, .follow = true, .limit = 256,
		.times = { { .tv_nsec = UTIME_NOW }, { .tv_nsec = UTIME_NOW } },
	};
	if ((r = params_parse(table, req, a)) < 0)
		return r;
	conn_cred(req->conn, a->umask, cred);
	return 0;
}

#define NS(req) ((req)->conn->srv->ns)

/* A name or target as a JSON string. The namespace makes only UTF-8
 * names, but a store written by an older bpfpind may hold others: they
 * are shown with U+FFFD in place of what is not UTF-8, so the reply stays
 * JSON (the mount still reaches them by their bytes). */
static struct json_object *name_json(const char *s)
{
	size_t len = strlen(s);
	char *fixed;
	struct json_object *o;

	if (proto_utf8_valid(s, len) || !(fixed = proto_utf8_repair(s, len)))
		return json_object_new_string(s);
	o = json_object_new_string(fixed);
	free(fixed);
	return o;
}

/* Finish an op that produced a stat. */
static int with_stat(struct request *req, const char *path, int r,
		     const struct ns_stat *st)
{
	if (r < 0)
		return op_fail(req, path, r);
	req->result = stat_result(st);
	return 0;
}

static int done(struct request *req, const char *path, int r)
{
	return r < 0 ? op_fail(req, path, r) : 0;
}

int op_stat(struct request *req)
{
	struct ns_args a; struct ns_cred c; struct ns_stat st;
	int r = prepare(req, stat_params, &a, &c);

	r = r < 0 ? r : with_stat(req, a.path,
			ns_stat(NS(req), &c, NS_AT(a.path), a.follow, &st), &st);
	if (r == 0)
		prov_result(req, st.ino);
	if (r == 0 && st.obj.kind == OBJ_MAP)
		sockmap_result(req, st.obj.id);
	return r;
}

int op_unlink(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	int r = prepare(req, path_only, &a, &c);

	return r < 0 ? r : done(req, a.path, ns_unlink(NS(req), &c, NS_AT(a.path)));
}

int op_rmdir(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	int r = prepare(req, path_only, &a, &c);

	return r < 0 ? r : done(req, a.path, ns_rmdir(NS(req), &c, NS_AT(a.path)));
}

int op_mkdir(struct request *req)
{
	struct ns_args a; struct ns_cred c; struct ns_stat st;
	int r = prepare(req, mkdir_params, &a, &c);

	return r < 0 ? r : with_stat(req, a.path,
			ns_mkdir(NS(req), &c, NS_AT(a.path), a.mode, &st), &st);
}

int op_rename(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	int r = prepare(req, rename_params, &a, &c);

	return r < 0 ? r : done(req, a.from,
			ns_rename(NS(req), &c, NS_AT(a.from), NS_AT(a.to), a.flags));
}

int op_link(struct request *req)
{
	struct ns_args a; struct ns_cred c; struct ns_stat st;
	int r = prepare(req, link_params, &a, &c);

	return r < 0 ? r : with_stat(req, a.path,
			ns_link(NS(req), &c, NS_AT(a.target), NS_AT(a.path), &st), &st);
}

int op_symlink(struct request *req)
{
	struct ns_args a; struct ns_cred c; struct ns_stat st;
	int r = prepare(req, symlink_params, &a, &c);

	return r < 0 ? r : with_stat(req, a.path,
			ns_symlink(NS(req), &c, a.target, NS_AT(a.path), &st), &st);
}

int op_readlink(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	char buf[NS_PATH_MAX];
	int r = prepare(req, path_only, &a, &c);

	if (r < 0)
		return r;
	r = ns_readlink(NS(req), &c, NS_AT(a.path), buf, sizeof(buf));
	if (r < 0)
		return op_fail(req, a.path, r);
	req->result = json_object_new_object();
	json_object_object_add(req->result, "target", name_json(buf));
	return 0;
}

int op_chmod(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	int r = prepare(req, chmod_params, &a, &c);

	return r < 0 ? r : done(req, a.path, ns_chmod(NS(req), &c, NS_AT(a.path), a.mode));
}

int op_chown(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	int r = prepare(req, chown_params, &a, &c);

	return r < 0 ? r : done(req, a.path, ns_chown(NS(req), &c, NS_AT(a.path),
						      (uid_t)a.uid, (gid_t)a.gid));
}

int op_utimens(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	int r = prepare(req, utimens_params, &a, &c);

	return r < 0 ? r : done(req, a.path, ns_utimens(NS(req), &c, NS_AT(a.path), a.times));
}

/* list: collect entries until the limit or the message budget is reached. */
#define LIST_BUDGET (PROTO_MSG_MAX - 4096)

struct list_ctx {
	struct json_object *entries;
	uint64_t limit, count, last, bytes;
	bool more;
};

static int list_one(const struct ns_dirent *de, void *arg)
{
	struct list_ctx *lc = arg;
	struct json_object *e;
	/* a stat object is under 400 bytes; a name escapes to 6x at worst */
	uint64_t cost = 400 + 6 * strlen(de->name);

	if (lc->count == lc->limit || lc->bytes + cost > LIST_BUDGET) {
		lc->more = true;
		return 1;
	}
	e = json_object_new_object();
	json_object_object_add(e, "name", name_json(de->name));
	json_object_object_add(e, "cookie", json_object_new_uint64(de->cookie));
	json_object_object_add(e, "stat", stat_json(&de->st));
	json_object_array_add(lc->entries, e);
	lc->count++;
	lc->bytes += cost;
	lc->last = de->cookie;
	return 0;
}

int op_list(struct request *req)
{
	struct ns_args a; struct ns_cred c;
	struct list_ctx lc;
	int r = prepare(req, list_params, &a, &c);

	if (r < 0)
		return r;
	lc = (struct list_ctx){ .entries = json_object_new_array(),
				.limit = a.limit && a.limit < 256 ? a.limit : 256 };
	r = ns_readdir(NS(req), &c, NS_AT(a.path), a.cursor, list_one, &lc);
	if (r < 0) {
		json_object_put(lc.entries);
		return op_fail(req, a.path, r);
	}
	req->result = json_object_new_object();
	json_object_object_add(req->result, "entries", lc.entries);
	json_object_object_add(req->result, "cursor",
			       json_object_new_uint64(lc.more ? lc.last : 0));
	return 0;
}
