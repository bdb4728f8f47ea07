/* lib/client_stat.c: decoding the protocol's stat object (doc/protocol.md,
 * "The stat object") into struct bpfpin_stat, by tables of member name,
 * type and offset. An absent member reads as 0; an ill-typed one is a
 * protocol error. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/client.h"

enum field_kind { F_U64, F_U32, F_I32, F_TIME, F_STR };

struct field {
	const char *name;
	enum field_kind kind;
	size_t off;
	size_t size;
	bool required;
};

#define FIELD(name, kind, member, required) \
	{ name, kind, offsetof(struct bpfpin_stat, member), \
	  sizeof(((struct bpfpin_stat *)0)->member), required }

static const struct field stat_fields[] = {
	FIELD("ino", F_U64, ino, true),
	FIELD("mode", F_U32, mode, true),
	FIELD("uid", F_U32, uid, false),
	FIELD("gid", F_U32, gid, false),
	FIELD("nlink", F_U32, nlink, false),
	FIELD("size", F_U64, size, false),
	FIELD("pid", F_I32, pid, false),
	FIELD("atime_ns", F_TIME, atime, false),
	FIELD("mtime_ns", F_TIME, mtime, false),
	FIELD("ctime_ns", F_TIME, ctime, false),
};

static const struct field object_fields[] = {
	FIELD("id", F_U32, obj_id, false),
	FIELD("type_id", F_U32, obj_type, false),
	FIELD("type", F_STR, obj_type_name, false),
	FIELD("name", F_STR, obj_name, false),
};

static const char *const node_types[] = {
	[BPFPIN_NODE_DIR] = "dir",
	[BPFPIN_NODE_PIN] = "pin",
	[BPFPIN_NODE_SYMLINK] = "symlink",
};

static const char *const obj_kinds[] = {
	[BPFPIN_OBJ_MAP] = "map",
	[BPFPIN_OBJ_PROG] = "prog",
	[BPFPIN_OBJ_LINK] = "link",
};

static struct timespec ns_to_timespec(int64_t ns)
{
	struct timespec t = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	if (t.tv_nsec < 0) {
		t.tv_sec--;
		t.tv_nsec += 1000000000;
	}
	return t;
}

/* Store v into the field; false if it has the wrong type or range. */
static bool decode_field(struct json_object *v, const struct field *f, void *base)
{
	char *p = (char *)base + f->off;
	int64_t x = json_object_get_int64(v);

	if (f->kind == F_STR) {
		if (!json_object_is_type(v, json_type_string))
			return false;
		snprintf(p, f->size, "%s", json_object_get_string(v));
		return true;
	}
	if (!json_object_is_type(v, json_type_int))
		return false;
	switch (f->kind) {
	case F_U64:
		*(uint64_t *)p = json_object_get_uint64(v);
		return x >= 0;
	case F_U32:
		*(uint32_t *)p = x;
		return x >= 0 && x <= UINT32_MAX;
	case F_I32:
		*(int32_t *)p = x;
		return x >= INT32_MIN && x <= INT32_MAX;
	case F_TIME:
		*(struct timespec *)p = ns_to_timespec(x);
		return true;
	default:
		return false;
	}
}

static int decode_fields(struct bpfpin *b, struct json_object *o,
			 const struct field *fields, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *v;

		if (!json_object_object_get_ex(o, fields[i].name, &v)) {
			if (fields[i].required)
				return client_fail(b, -EPROTO, "the daemon's stat has no \"%s\"",
						   fields[i].name);
			continue;
		}
		if (!decode_field(v, &fields[i], base))
			return client_fail(b, -EPROTO, "the daemon's stat has a bad \"%s\"",
					   fields[i].name);
	}
	return 0;
}

/* The index of the name in names[] (index 0 unused), or 0. */
static int lookup(const char *const *names, size_t n, struct json_object *v)
{
	const char *s = v ? json_object_get_string(v) : NULL;

	for (size_t i = 1; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

/* A kind this library does not know (the daemon shows "none" for a pin it
 * cannot identify) reads as BPFPIN_OBJ_NONE rather than failing a whole
 * listing. */
static int decode_object(struct bpfpin *b, struct json_object *o,
			 struct bpfpin_stat *st)
{
	struct json_object *kind = client_member(o, "kind", json_type_string);

	st->obj_kind = lookup(obj_kinds, sizeof(obj_kinds) / sizeof(obj_kinds[0]), kind);
	return decode_fields(b, o, object_fields,
			     sizeof(object_fields) / sizeof(object_fields[0]), st);
}

int client_stat_decode(struct bpfpin *b, struct json_object *o,
		       struct bpfpin_stat *st)
{
	struct json_object *type = client_member(o, "type", json_type_string);
	struct json_object *obj;
	int r;

	memset(st, 0, sizeof(*st));
	if (!o || !json_object_is_type(o, json_type_object))
		return client_fail(b, -EPROTO, "the daemon's reply has no stat object");
	st->type = lookup(node_types, sizeof(node_types) / sizeof(node_types[0]), type);
	if (!st->type)
		return client_fail(b, -EPROTO, "the daemon's stat has a bad \"type\"");
	r = decode_fields(b, o, stat_fields, sizeof(stat_fields) / sizeof(stat_fields[0]), st);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(o, "object", &obj) || json_object_is_type(obj, json_type_null))
		return 0;
	if (!json_object_is_type(obj, json_type_object))
		return client_fail(b, -EPROTO, "the daemon's stat has a bad \"object\"");
	return decode_object(b, obj, st);
}

int client_result_stat(struct bpfpin *b, struct json_object *result,
		       struct bpfpin_stat *st)
{
	struct json_object *o = NULL;

	if (!st)
		return 0;
	json_object_object_get_ex(result, "stat", &o);
	return client_stat_decode(b, o, st);
}
