/* cli/output_json.c: the JSON backend. Each result is one json-c object,
 * printed whole; a listing streams its entries as the elements of one
 * array, so that ls of a huge directory never holds it all. A node reads
 * as the protocol's stat object (doc/protocol.md). */
#include "config.h"

#include <stdio.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/output.h"

static bool in_list;
static size_t list_len;

static const char *string_of(struct json_object *v)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (cli.pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);

	return json_object_to_json_string_ext(v, flags);
}

/* Print v (consumed) alone, or as the next element of the open list. */
static void emit(struct json_object *v)
{
	if (in_list && list_len++)
		fputs(cli.pretty ? ",\n" : ",", stdout);
	fputs(string_of(v), stdout);
	if (!in_list)
		putchar('\n');
	json_object_put(v);
	out_wrote();
}

static void add_ns(struct json_object *o, const char *key,
		   const struct timespec *ts)
{
	json_object_object_add(o, key, json_object_new_int64(
		(int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec));
}

static struct json_object *object_json(const struct bpfpin_stat *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "kind",
		json_object_new_string(out_kind_name(st->obj_kind)));
	json_object_object_add(o, "id", json_object_new_int64(st->obj_id));
	json_object_object_add(o, "type",
		json_object_new_string(st->obj_type_name));
	json_object_object_add(o, "type_id", json_object_new_int64(st->obj_type));
	json_object_object_add(o, "name", json_object_new_string(st->obj_name));
	return o;
}

static const char *node_type(enum bpfpin_node_type type)
{
	return type == BPFPIN_NODE_DIR ? "dir" :
	       type == BPFPIN_NODE_SYMLINK ? "symlink" : "pin";
}

static struct json_object *stat_json(const struct bpfpin_stat *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ino", json_object_new_uint64(st->ino));
	json_object_object_add(o, "type",
		json_object_new_string(node_type(st->type)));
	json_object_object_add(o, "mode", json_object_new_int64(st->mode));
	json_object_object_add(o, "uid", json_object_new_int64(st->uid));
	json_object_object_add(o, "gid", json_object_new_int64(st->gid));
	json_object_object_add(o, "nlink", json_object_new_int64(st->nlink));
	json_object_object_add(o, "size", json_object_new_uint64(st->size));
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	add_ns(o, "atime_ns", &st->atime);
	add_ns(o, "mtime_ns", &st->mtime);
	add_ns(o, "ctime_ns", &st->ctime);
	if (st->type == BPFPIN_NODE_PIN)
		json_object_object_add(o, "object", object_json(st));
	return o;
}

static struct json_object *node_json(const struct out_node *n)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "path", json_object_new_string(n->path));
	json_object_object_add(o, "stat", stat_json(n->st));
	if (n->target)
		json_object_object_add(o, "target",
				       json_object_new_string(n->target));
	return o;
}

static void list_begin(void)
{
	fputs(cli.pretty ? "[\n" : "[", stdout);
	in_list = true;
	list_len = 0;
	out_wrote();
}

static void list_heading(const char *dir, bool first)
{
}

static void list_entry(const struct out_node *n, bool lng)
{
	emit(node_json(n));
}

static void list_end(void)
{
	fputs(cli.pretty && list_len ? "\n]\n" : "]\n", stdout);
	in_list = false;
}

static void node(const struct out_node *n, struct json_object *info)
{
	struct json_object *o = node_json(n);

	if (info)
		json_object_object_add(o, "info", json_object_get(info));
	emit(o);
}

static void info(enum bpfpin_obj_kind kind, struct json_object *obj)
{
	emit(json_object_get(obj));
}

static void version(const char *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_string(v));
	emit(o);
}

static void error(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	emit(o);
}

const struct output_ops output_json = {
	.list_begin = list_begin,
	.list_heading = list_heading,
	.list_entry = list_entry,
	.list_end = list_end,
	.node = node,
	.info = info,
	.version = version,
	.error = error,
};
