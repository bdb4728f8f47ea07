/* daemon/stat_json.c: a namespace node's stat as the protocol's JSON
 * object, and the common error message of the ops. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "daemon/ops.h"

static const char *const type_names[] = {
	[NS_DIR] = "dir", [NS_PIN] = "pin", [NS_SYMLINK] = "symlink",
};

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static const char *obj_type_name(const struct obj_ident *id)
{
	const char *s = NULL;

	if (id->kind == OBJ_MAP)
		s = obj_map_type_name(id->type);
	else if (id->kind == OBJ_PROG)
		s = obj_prog_type_name(id->type);
	else if (id->kind == OBJ_LINK)
		s = obj_link_type_name(id->type);
	return s ? s : "unknown";
}

static struct json_object *object_json(const struct obj_ident *id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(obj_kind_name(id->kind)));
	json_object_object_add(o, "id", json_object_new_int64(id->id));
	json_object_object_add(o, "type", json_object_new_string(obj_type_name(id)));
	json_object_object_add(o, "type_id", json_object_new_int64(id->type));
	json_object_object_add(o, "name", json_object_new_string(id->name));
	return o;
}

#define ADD_INT(o, k, v) json_object_object_add(o, k, json_object_new_int64(v))

struct json_object *stat_json(const struct ns_stat *st)
{
	struct json_object *o = json_object_new_object();

	ADD_INT(o, "ino", (int64_t)st->ino);
	json_object_object_add(o, "type", json_object_new_string(type_names[st->type]));
	ADD_INT(o, "mode", st->mode);
	ADD_INT(o, "uid", st->uid);
	ADD_INT(o, "gid", st->gid);
	ADD_INT(o, "nlink", st->nlink);
	ADD_INT(o, "size", (int64_t)st->size);
	ADD_INT(o, "pid", st->pid);
	ADD_INT(o, "atime_ns", ts_ns(&st->atime));
	ADD_INT(o, "mtime_ns", ts_ns(&st->mtime));
	ADD_INT(o, "ctime_ns", ts_ns(&st->ctime));
	if (st->type == NS_PIN)
		json_object_object_add(o, "object", object_json(&st->obj));
	return o;
}

struct json_object *stat_result(const struct ns_stat *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "stat", stat_json(st));
	return o;
}

int op_fail(struct request *req, const char *path, int err)
{
	if (!req->errmsg[0])
		snprintf(req->errmsg, sizeof(req->errmsg), "%.400s: %s",
			 path ? path : "", strerror(-err));
	return err;
}
