/* daemon/dispatch.c: the op table, and serving one message: parse and
 * check the envelope (v, id, op), run the op, wrap its result or error. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "daemon/log.h"
#include "daemon/ops.h"

static const struct op op_table[] = {
	{ "hello", op_hello },
	{ "pin", op_pin },
	{ "get", op_get },
	{ "get_many", op_get_many },
	{ "info", op_info },
	{ "stat", op_stat },
	{ "list", op_list },
	{ "unlink", op_unlink },
	{ "mkdir", op_mkdir },
	{ "rmdir", op_rmdir },
	{ "rename", op_rename },
	{ "link", op_link },
	{ "symlink", op_symlink },
	{ "readlink", op_readlink },
	{ "chmod", op_chmod },
	{ "chown", op_chown },
	{ "utimens", op_utimens },
};

const struct op *ops_find(const char *name)
{
	for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (strcmp(op_table[i].name, name) == 0)
			return &op_table[i];
	return NULL;
}

/* Check the envelope; returns the op or NULL with an error reply made. */
static const struct op *envelope(struct request *req, struct json_object **reply)
{
	struct json_object *v, *id, *op;
	const struct op *o;

	if (!json_object_is_type(req->msg, json_type_object)) {
		*reply = proto_error(0, EBADMSG, "the request is not a JSON object");
		return NULL;
	}
	if (json_object_object_get_ex(req->msg, "id", &id) &&
	    json_object_is_type(id, json_type_int))
		req->id = json_object_get_uint64(id);
	if (!json_object_object_get_ex(req->msg, "v", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != PROTO_VERSION) {
		*reply = proto_error(req->id, EPROTO, "unsupported or missing protocol version \"v\" (this daemon speaks 1)");
		return NULL;
	}
	if (!id || !json_object_is_type(id, json_type_int)) {
		*reply = proto_error(0, EINVAL, "member \"id\" is missing or not an integer");
		return NULL;
	}
	if (!json_object_object_get_ex(req->msg, "op", &op) ||
	    !json_object_is_type(op, json_type_string)) {
		*reply = proto_error(req->id, EINVAL, "member \"op\" is missing or not a string");
		return NULL;
	}
	o = ops_find(json_object_get_string(op));
	if (!o) {
		char msg[128];

		snprintf(msg, sizeof(msg), "unknown op \"%.64s\"", json_object_get_string(op));
		*reply = proto_error(req->id, EOPNOTSUPP, msg);
	}
	return o;
}

/* One tokener for the loop thread, reset per message, nesting depth 32. */
static struct json_object *parse(const char *buf, size_t len)
{
	static struct json_tokener *tok;
	struct json_object *o;

	if (!tok && !(tok = json_tokener_new_ex(32)))
		return NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != len)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

struct json_object *dispatch(struct request *req, const char *buf, size_t len)
{
	struct json_object *reply = NULL;
	const struct op *op;
	int r;

	req->msg = parse(buf, len);
	if (!req->msg)
		return proto_error(0, EBADMSG, "the request is not one valid JSON object");
	if (!(op = envelope(req, &reply)))
		return reply;
	r = op->fn(req);
	if (r < 0) {
		if (!req->errmsg[0])
			snprintf(req->errmsg, sizeof(req->errmsg), "%s", strerror(-r));
		conn_out_close(req);
		return proto_error(req->id, -r, req->errmsg);
	}
	reply = proto_result(req->id, req->result);
	req->result = NULL;
	return reply;
}
