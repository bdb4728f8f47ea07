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

static int get_string(struct request *req, const struct param *p,
		      struct json_object *v, const char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return bad(req, EINVAL, p->name, "must be a string");
	if (json_object_get_string_len(v) >= NS_PATH_MAX)
		return bad(req, ENAMETOOLONG, p->name, "is longer than 4095 bytes");
	*out = json_object_get_string(v);
	if (strlen(*out) != (size_t)json_object_get_string_len(v))
		return bad(req, EINVAL, p->name, "contains a NUL byte");
	return 0;
}

static int get_int(struct request *req, const struct param *p,
		   struct json_object *v, int64_t lo, int64_t hi, int64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(req, EINVAL, p->name, "must be an integer");
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < lo || *out > hi)
		return bad(req, EINVAL, p->name, "is out of range");
	return 0;
}

static int get_fd(struct request *req, const struct param *p,
		  struct json_object *v, int *out)
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
	*out = req->fds[i];
	return 0;
}

static int get_access(struct request *req, const struct param *p,
		      struct json_object *v, int *out)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return bad(req, EINVAL, p->name, "must be a string");
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
		const char *s = json_object_get_string(json_object_array_get_idx(v, i));

		if (s && strcmp(s, "noreplace") == 0)
			*out |= RENAME_NOREPLACE;
		else if (s && strcmp(s, "exchange") == 0)
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
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return bad(req, EINVAL, p->name, "must hold only strings");
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

static int parse_one(const struct param *p, struct request *req,
		     struct json_object *v, char *dst)
{
	int64_t i;
	int r;

	switch (p->type) {
	case P_PATH:
	case P_STRING: return get_string(req, p, v, (const char **)dst);
	case P_FD: return get_fd(req, p, v, (int *)dst);
	case P_ACCESS: return get_access(req, p, v, (int *)dst);
	case P_RENAME: return get_rename(req, p, v, (unsigned *)dst);
	case P_PATHS: return get_paths(req, p, v, (struct json_object **)dst);
	case P_TIME: return get_time(req, p, v, (struct timespec *)dst);
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

int params_parse(const struct param *table, struct request *req, void *args)
{
	for (const struct param *p = table; p->name; p++) {
		struct json_object *v;
		int r;

		if (!json_object_object_get_ex(req->msg, p->name, &v) || !v) {
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
