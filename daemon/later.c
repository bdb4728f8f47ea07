/* daemon/later.c: replies sent after the op returned (later.h). The
 * handle outlives its connection if need be; the connection clears its
 * side at close (later_orphan), so a job never reaches a freed conn. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "daemon/later.h"

struct later {
	struct conn *conn;
	uint64_t id;
};

struct later *later_begin(struct request *req)
{
	struct later *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->conn = req->conn;
	l->id = req->id;
	req->conn->later = l;
	req->deferred = true;
	return l;
}

struct conn *later_conn(const struct later *l)
{
	return l->conn;
}

void later_orphan(struct later *l)
{
	l->conn = NULL;
}

/* Send reply with fds on l's connection (or drop both), free l. */
static void finish(struct later *l, struct json_object *reply, int *fds,
		   int nfds)
{
	struct request req = { .id = l->id };

	if (nfds > PROTO_FDS_MAX)
		nfds = PROTO_FDS_MAX;
	if (nfds < 0)
		nfds = 0;
	if (nfds > 0)
		memcpy(req.out_fds, fds, sizeof(int) * nfds);
	req.nout = nfds;
	req.conn = l->conn;
	if (l->conn && !reply)
		reply = proto_error(l->id, ENOMEM, "out of memory");
	if (l->conn && reply)
		conn_reply_later(l->conn, reply, &req);
	conn_out_close(&req);
	json_object_put(reply);
	free(l);
}

void later_result(struct later *l, struct json_object *result, int *fds,
		  int nfds)
{
	finish(l, l->conn ? proto_result(l->id, result) : (json_object_put(result), NULL),
	       fds, nfds);
}

void later_error(struct later *l, int err, const char *msg,
		 struct json_object *extra, int *fds, int nfds)
{
	struct json_object *reply = NULL, *e;

	if (l->conn && (reply = proto_error(l->id, err, msg)) &&
	    (e = json_object_object_get(reply, "error")) && extra) {
		json_object_object_foreach(extra, k, v)
			json_object_object_add(e, k, json_object_get(v));
	}
	json_object_put(extra);
	finish(l, reply, fds, nfds);
}
