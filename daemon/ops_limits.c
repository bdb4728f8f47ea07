/* daemon/ops_limits.c: the `limits` op: what a uid holds of the server
 * (connections, requests in flight, queued fds) and of the namespace
 * (nodes, symlink bytes, snapshots), each beside its limit. A uid sees its
 * own; root may ask for any. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include <json-c/json.h>

#include "daemon/ops.h"

struct limits_args {
	int64_t uid;
};

static const struct param limits_params[] = {
	PARAM(struct limits_args, uid, P_ID, false),
	{ 0 },
};

/* {"used": U, "limit": L}; a limit of 0 is none. */
static void add_pair(struct json_object *o, const char *name, uint64_t used,
		     uint64_t limit)
{
	struct json_object *p = json_object_new_object();

	if (!p)
		return;
	json_object_object_add(p, "used", json_object_new_uint64(used));
	json_object_object_add(p, "limit", json_object_new_uint64(limit));
	json_object_object_add(o, name, p);
}

/* Root is held to no per-uid limit: all read 0 for it. */
static struct json_object *limits_json(const struct server *srv, uid_t uid)
{
	const struct server_limits *sl = &srv->limits;
	struct json_object *o = json_object_new_object();
	bool lim = uid != 0;
	struct server_usage su;
	struct ns_limits nl;
	struct ns_usage nu;

	if (!o)
		return NULL;
	server_usage(srv, uid, &su);
	ns_get_limits(srv->ns, &nl);
	ns_usage(srv->ns, uid, &nu);
	json_object_object_add(o, "uid", json_object_new_int64(uid));
	json_object_object_add(o, "limited", json_object_new_boolean(lim));
	add_pair(o, "connections", su.conns, lim ? sl->conns_per_uid : 0);
	add_pair(o, "requests", su.inflight, lim ? sl->inflight_per_uid : 0);
	add_pair(o, "queued_fds", su.queued_fds,
		 lim ? sl->queued_fds_per_uid : 0);
	add_pair(o, "nodes", nu.nodes, lim ? nl.nodes : 0);
	add_pair(o, "symlink_bytes", nu.symlink_bytes,
		 lim ? nl.symlink_bytes : 0);
	add_pair(o, "snapshots", nu.snapshots, lim ? nl.snapshots : 0);
	return o;
}

int op_limits(struct request *req)
{
	struct limits_args a = { .uid = -1 };
	const struct conn *c = req->conn;
	int r = params_parse(limits_params, req, &a);

	if (r < 0)
		return r;
	if (a.uid == -1)
		a.uid = c->uid;
	/* What another uid holds is its business and root's. */
	if ((uid_t)a.uid != c->uid && c->uid != 0) {
		snprintf(req->errmsg, sizeof(req->errmsg),
			 "uid %lld: only root may see another uid's usage",
			 (long long)a.uid);
		return -EPERM;
	}
	req->result = limits_json(c->srv, (uid_t)a.uid);
	return req->result ? 0 : -ENOMEM;
}
