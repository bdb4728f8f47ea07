/* daemon/params.c: table-driven parsing of request members (params.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "daemon/params.h"
#include "daemon/server.h"

static int bad(struct request *req, int err, const char *name, const char *what)
{
	snprintf(req->errmsg, sizeof(req->errmsg), "member \"%s\" %s", name, what);
	return -err;
}

/* As bad(), for the item at index i of an array member ("paths"[3]). */
static int bad_item(struct request *req, int err, const char *name, size_t i,
		    const char *what)
{
	snprintf(req->errmsg, sizeof(req->errmsg), "member \"%s\"[%zu] %s",
		 name, i, what);
	return -err;
}

/* The rules of every string member: JSON strings are UTF-8 (a client
 * that sends other bytes gets EINVAL, never a reply that is not JSON),
 * and a NUL inside ("\u0000") would cut the C string short. Returns a
 * fixed-text reason (the errno is EINVAL), or NULL if v is fine. */
static const char *text_fault(struct json_object *v)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return "must be a string";
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', len))
		return "contains a NUL byte";
	if (!proto_utf8_valid(s, len))
		return "is not valid UTF-8";
	return NULL;
}

/* A path or a symlink target: text, at most 4095 bytes (ENAMETOOLONG,
 * as the kernel says of a longer one). */
static const char *string_fault(struct json_object *v, int *err)
{
	const char *why = text_fault(v);

	*err = EINVAL;
	if (why)
		return why;
	if (json_object_get_string_len(v) >= NS_PATH_MAX) {
		*err = ENAMETOOLONG;
		return "is longer than 4095 bytes";
	}
	return NULL;
}

/* A path: a string as above, not empty, absolute (a relative one would
 * resolve from the root and mean something the client did not), and
 * within bpffs's lengths, whose rule is the namespace's (ns_path_check). */
static const char *path_fault(struct json_object *v, int *err)
{
	const char *why = string_fault(v, err);
	const char *s;

	if (why)
		return why;
	s = json_object_get_string(v);
	/* "" is ENOENT, as the kernel says; it never reaches the namespace,
	 * where an empty path names the starting directory (NS_AT_INO) */
	if (!s[0]) {
		*err = ENOENT;
		return "is empty";
	}
	if (s[0] != '/')
		return "is not an absolute path";
	*err = -ns_path_check(s, (size_t)json_object_get_string_len(v), &why);
	return *err ? why : NULL;
}

static int get_string(struct request *req, const struct param *p,
		      struct json_object *v, const char **out)
{
	int err;
	const char *why = p->type == P_PATH ? path_fault(v, &err) :
			  string_fault(v, &err);

	if (why)
		return bad(req, err, p->name, why);
	*out = json_object_get_string(v);
	return 0;
}

static int get_int(struct request *req, const struct param *p,
		   struct json_object *v, int64_t lo, int64_t hi, int64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(req, EINVAL, p->name, "must be an integer");
	/* json-c clamps an integer that overflows to INT64_MAX (or
	 * UINT64_MAX, read here as INT64_MAX): no table allows that value,
	 * so a huge number is refused, never taken as another. */
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < lo || *out > hi || *out == INT64_MAX)
		return bad(req, EINVAL, p->name, "is out of range");
	return 0;
}

static int get_fd(struct request *req, const struct param *p,
		  struct json_object *v, int **out)
{
	int64_t i;
	int r = get_int(req, p, v, 0, PROTO_FDS_MAX - 1, &i);

	if (r < 0)
		return r;
	if (i >= req->nfds) {
		snprintf(req->errmsg, sizeof(req->errmsg),
			 "member \"%s\" names fd %lld but %d fds came with the request",
			 p->name, (long long)i, req->nfds);
		return -EINVAL;
	}
	*out = &req->fds[i];
	return 0;
}

static int get_access(struct request *req, const struct param *p,
		      struct json_object *v, int *out)
{
	const char *why = text_fault(v);
	const char *s = json_object_get_string(v);

	if (why)
		return bad(req, EINVAL, p->name, why);
	if (strcmp(s, "rdonly") == 0)
		*out = O_RDONLY;
	else if (strcmp(s, "wronly") == 0)
		*out = O_WRONLY;
	else if (strcmp(s, "rdwr") == 0)
		*out = O_RDWR;
	else
		return bad(req, EINVAL, p->name, "must be rdonly, wronly or rdwr");
	return 0;
}

static int get_rename(struct request *req, const struct param *p,
		      struct json_object *v, unsigned *out)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return bad(req, EINVAL, p->name, "must be an array of strings");
	*out = 0;
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(v, i);
		const char *why = text_fault(f);
		const char *s = json_object_get_string(f);

		if (why)
			return bad_item(req, EINVAL, p->name, i, why);
		if (strcmp(s, "noreplace") == 0)
			*out |= RENAME_NOREPLACE;
		else if (strcmp(s, "exchange") == 0)
			*out |= RENAME_EXCHANGE;
		else
			return bad(req, EINVAL, p->name, "has an unknown flag (noreplace, exchange)");
	}
	return 0;
}

static int get_paths(struct request *req, const struct param *p,
		     struct json_object *v, struct json_object **out)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return bad(req, EINVAL, p->name, "must be an array of paths");
	n = json_object_array_length(v);
	if (n < 1 || n > PROTO_FDS_MAX)
		return bad(req, EINVAL, p->name, "must hold 1 to 253 paths");
	for (size_t i = 0; i < n; i++) {
		int err;
		const char *why = path_fault(json_object_array_get_idx(v, i), &err);

		if (why)
			return bad_item(req, err, p->name, i, why);
	}
	*out = v;
	return 0;
}

static int get_time(struct request *req, const struct param *p,
		    struct json_object *v, struct timespec *out)
{
	int64_t ns;
	int r = get_int(req, p, v, -1, INT64_MAX, &ns);

	if (r < 0)
		return r;
	if (ns < 0)
		*out = (struct timespec){ .tv_nsec = UTIME_OMIT };
	else
		*out = (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	return 0;
}

/* One item of a P_MAPS array: exactly a name and a path. */
static int get_map_item(struct request *req, const struct param *p, size_t i,
			struct json_object *it)
{
	struct json_object *name, *path;
	const char *why;
	int err;

	if (!json_object_is_type(it, json_type_object) ||
	    json_object_object_length(it) != 2 ||
	    !json_object_object_get_ex(it, "name", &name) ||
	    !json_object_object_get_ex(it, "path", &path))
		return bad_item(req, EINVAL, p->name, i,
				"must be an object of exactly \"name\" and \"path\"");
	if ((why = text_fault(name)))
		return bad_item(req, EINVAL, p->name, i, "has a \"name\" that is not text");
	if (!json_object_get_string_len(name) || json_object_get_string_len(name) > NS_NAME_MAX)
		return bad_item(req, EINVAL, p->name, i, "has a \"name\" of 0 or more than 255 bytes");
	if ((why = path_fault(path, &err)))
		return bad_item(req, err, p->name, i, why);
	return 0;
}

static int get_maps(struct request *req, const struct param *p,
		    struct json_object *v, struct json_object **out)
{
	size_t n;
	int r;

	if (!json_object_is_type(v, json_type_array))
		return bad(req, EINVAL, p->name, "must be an array of {\"name\", \"path\"}");
	n = json_object_array_length(v);
	if (n > PARAM_MAPS_MAX)
		return bad(req, EINVAL, p->name, "must hold at most 64 maps");
	for (size_t i = 0; i < n; i++)
		if ((r = get_map_item(req, p, i, json_object_array_get_idx(v, i))) < 0)
			return r;
	*out = v;
	return 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int get_key(struct request *req, const struct param *p,
		   struct json_object *v, struct param_key *k)
{
	const char *s;
	size_t n;

	*k = (struct param_key){ .set = true };
	if (json_object_is_type(v, json_type_int)) {
		int64_t i;
		int r = get_int(req, p, v, 0, INT64_MAX, &i);

		k->is_num = true;
		k->num = (uint64_t)i;
		return r;
	}
	if (!json_object_is_type(v, json_type_string))
		return bad(req, EINVAL, p->name, "must be an integer, \"auto\" or "
			   "\"0x\" and hex digits");
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 4 && !strcmp(s, "auto")) {
		k->is_auto = true;
		return 0;
	}
	if (n < 4 || n % 2 || n > 2 + 2 * PARAM_KEY_MAX || s[0] != '0' || s[1] != 'x')
		return bad(req, EINVAL, p->name, "must be an integer, \"auto\" or "
			   "\"0x\" and 2 to 128 hex digits");
	for (size_t i = 2; i < n; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0)
			return bad(req, EINVAL, p->name, "holds a character that is no "
				   "hex digit");
		k->b[k->len++] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_one(const struct param *p, struct request *req,
		     struct json_object *v, char *dst)
{
	int64_t i;
	int r;

	switch (p->type) {
	case P_PATH:
	case P_STRING: return get_string(req, p, v, (const char **)dst);
	case P_FD: return get_fd(req, p, v, (int **)dst);
	case P_ACCESS: return get_access(req, p, v, (int *)dst);
	case P_RENAME: return get_rename(req, p, v, (unsigned *)dst);
	case P_PATHS: return get_paths(req, p, v, (struct json_object **)dst);
	case P_TIME: return get_time(req, p, v, (struct timespec *)dst);
	case P_MAPS: return get_maps(req, p, v, (struct json_object **)dst);
	case P_KEY: return get_key(req, p, v, (struct param_key *)dst);
	case P_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return bad(req, EINVAL, p->name, "must be true or false");
		*(bool *)dst = json_object_get_boolean(v);
		return 0;
	case P_U64:
		r = get_int(req, p, v, 0, INT64_MAX, &i);
		*(uint64_t *)dst = (uint64_t)i;
		return r;
	case P_ID:
		r = get_int(req, p, v, -1, UINT32_MAX - 1, &i);
		*(int64_t *)dst = i;
		return r;
	case P_MODE:
	case P_UMASK:
		r = get_int(req, p, v, 0, p->type == P_MODE ? 07777 : 0777, &i);
		*(mode_t *)dst = (mode_t)i;
		return r;
	}
	return bad(req, EINVAL, p->name, "has an unknown type");
}

/* The envelope's members, which every op takes (dispatch.c checks them). */
static bool envelope_member(const char *key)
{
	return strcmp(key, "v") == 0 || strcmp(key, "id") == 0 ||
	       strcmp(key, "op") == 0;
}

/* A member the op does not know is refused rather than ignored: a typo
 * ("umaks") or a parameter of a later version must not be silently
 * dropped, changing what the request does. */
static int unknown_members(const struct param *table, struct request *req)
{
	json_object_object_foreach(req->msg, key, val) {
		const struct param *p = table;

		(void)val;
		while (p->name && strcmp(p->name, key) != 0)
			p++;
		if (!p->name && !envelope_member(key)) {
			snprintf(req->errmsg, sizeof(req->errmsg),
				 "member \"%.64s\" is unknown", key);
			return -EINVAL;
		}
	}
	return 0;
}

int params_parse(const struct param *table, struct request *req, void *args)
{
	int r = unknown_members(table, req);

	if (r < 0)
		return r;
	for (const struct param *p = table; p->name; p++) {
		struct json_object *v;

		/* a member given as null is ill-typed, not absent */
		if (!json_object_object_get_ex(req->msg, p->name, &v)) {
			if (p->required)
				return bad(req, EINVAL, p->name, "is missing");
			continue;
		}
		r = parse_one(p, req, v, (char *)args + p->offset);
		if (r < 0)
			return r;
	}
	return 0;
}
