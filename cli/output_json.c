/* cli/output_json.c: the JSON backend. Results are json-c objects written
 * through bpf/'s streaming writer, so -j and -p lay them out as bpftool
 * does; a listing streams its entries as the elements of one array. stdout
 * holds one JSON value: an error is {"error": MSG}, an element of the
 * array when a listing is open (as bpftool's show does), else the whole
 * output. A node reads as the protocol's stat object (doc/protocol.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf/jw.h"
#include "cli/cli.h"
#include "cli/output.h"

static struct jw w;
static bool w_open, in_list;
/* Errors outside a listing, one a line, printed as one object at the end. */
static char *pending;
static size_t pending_len;

static struct jw *writer(void)
{
	if (!w_open) {
		fflush(stdout);
		if (jw_open(&w, STDOUT_FILENO, cli.pretty) < 0)
			return NULL;
		w_open = true;
	}
	return &w;
}

static void put_key(struct jw *jw, const char *key)
{
	size_t n = strlen(key);
	char small[512], *buf = 6 * n + 2 <= sizeof(small) ? small :
				malloc(6 * n + 2);

	if (!buf)
		return;
	jw_key(jw, buf, (size_t)(jw_fmt_escaped(buf, key, n) - buf));
	if (buf != small)
		free(buf);
}

/* A json-c value, walked into the writer (json-c's own printer indents
 * by two and writes "key":value). */
static void put(struct jw *jw, struct json_object *v)
{
	const char *s;
	int64_t i;

	switch (json_object_get_type(v)) {
	case json_type_boolean:
		jw_bool(jw, json_object_get_boolean(v));
		return;
	case json_type_int:
		i = json_object_get_int64(v);
		if (i < 0)
			jw_s64(jw, i);
		else
			jw_u64(jw, json_object_get_uint64(v));
		return;
	case json_type_double:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		jw_raw(jw, s, strlen(s));
		return;
	case json_type_string:
		jw_string(jw, json_object_get_string(v),
			  (size_t)json_object_get_string_len(v));
		return;
	case json_type_array:
		jw_arr_begin(jw);
		for (size_t k = 0; k < json_object_array_length(v); k++)
			put(jw, json_object_array_get_idx(v, k));
		jw_arr_end(jw);
		return;
	case json_type_object:
		jw_obj_begin(jw);
		json_object_object_foreach(v, key, val) {
			put_key(jw, key);
			put(jw, val);
		}
		jw_obj_end(jw);
		return;
	case json_type_null:
		break;
	}
	jw_null(jw);
}

/* Print v (consumed) alone, or as the next element of the open list. */
static void emit(struct json_object *v)
{
	struct jw *jw = writer();

	if (jw) {
		put(jw, v);
		if (!in_list)
			JW_TEXT(jw, "\n");
	}
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
	struct jw *jw = writer();

	if (jw)
		jw_arr_begin(jw);
	in_list = true;
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
	struct jw *jw = writer();

	if (jw) {
		jw_arr_end(jw);
		JW_TEXT(jw, "\n");
	}
	in_list = false;
}

static void node(const struct out_node *n, struct json_object *info)
{
	struct json_object *o = node_json(n);

	if (n->prov)
		json_object_object_add(o, "provenance", json_object_get(n->prov));
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

static void emit_error(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	emit(o);
}

/* Nothing on stderr: inside a listing the error is one of its elements;
 * else it waits for out_json_end, joined to any others by newlines. */
static void error(const char *msg)
{
	size_t n = strlen(msg);
	char *more;

	if (in_list) {
		emit_error(msg);
		return;
	}
	more = realloc(pending, pending_len + n + 2);
	if (!more)
		return;
	pending = more;
	if (pending_len)
		pending[pending_len++] = '\n';
	memcpy(pending + pending_len, msg, n + 1);
	pending_len += n;
}

int out_json_flush(void)
{
	return w_open ? jw_flush(&w) : 0;
}

int out_json_end(bool wrote)
{
	struct jw *jw = pending || !wrote ? writer() : NULL;
	int r;

	if (pending) {
		emit_error(pending);
		free(pending);
		pending = NULL;
	} else if (!wrote && jw) {
		jw_null(jw);
		JW_TEXT(jw, "\n");
	}
	if (!w_open)
		return jw || wrote ? 0 : -ENOMEM;
	r = jw_close(&w);
	w_open = false;
	return r;
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
