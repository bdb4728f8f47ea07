/* lib/client_limits.c: bpfpin_limits, what a uid holds of the daemon
 * against its limits (doc/protocol.md, `limits`), decoded by a table of
 * member names and offsets into the caller's struct, as far as its size
 * goes. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/client.h"

static const struct {
	const char *name;
	size_t off;
} usage_members[] = {
	{ "connections", offsetof(struct bpfpin_limits, connections) },
	{ "requests", offsetof(struct bpfpin_limits, requests) },
	{ "queued_fds", offsetof(struct bpfpin_limits, queued_fds) },
	{ "nodes", offsetof(struct bpfpin_limits, nodes) },
	{ "symlink_bytes", offsetof(struct bpfpin_limits, symlink_bytes) },
	{ "snapshots", offsetof(struct bpfpin_limits, snapshots) },
};

static bool get_u64(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object *m = client_member(o, key, json_type_int);

	if (!m || json_object_get_int64(m) < 0)
		return false;
	*v = json_object_get_uint64(m);
	return true;
}

static int decode_usage(struct bpfpin *b, struct json_object *result,
			const char *name, struct bpfpin_usage *u)
{
	struct json_object *o = client_member(result, name, json_type_object);

	if (!o || !get_u64(o, "used", &u->used) ||
	    !get_u64(o, "limit", &u->limit))
		return client_fail(b, -EPROTO, "the daemon's limits have a bad \"%s\"",
				   name);
	return 0;
}

/* Into a whole struct first; the caller gets the part its size covers. */
static int decode_limits(struct bpfpin *b, struct json_object *result,
			 struct bpfpin_limits *l)
{
	struct json_object *lim = client_member(result, "limited", json_type_boolean);
	uint64_t uid;

	if (!get_u64(result, "uid", &uid) || uid > UINT32_MAX || !lim)
		return client_fail(b, -EPROTO, "the daemon's limits have no uid");
	l->uid = uid;
	l->limited = json_object_get_boolean(lim);
	for (size_t i = 0; i < sizeof(usage_members) / sizeof(usage_members[0]); i++) {
		int r = decode_usage(b, result, usage_members[i].name,
				     (struct bpfpin_usage *)((char *)l + usage_members[i].off));

		if (r < 0)
			return r;
	}
	return 0;
}

BPFPIN_API int bpfpin_limits(struct bpfpin *b, uid_t uid, struct bpfpin_limits *out)
{
	struct bpfpin_limits l = { .sz = sizeof(l) };
	size_t need = offsetof(struct bpfpin_limits, uid) + sizeof(l.uid);
	struct client_reply rep;
	struct client_req q;
	int r;

	client_req_init(&q, b, "limits");
	if (uid != (uid_t)-1)
		client_req_int(&q, "uid", uid);
	if (!out || out->sz < need)
		client_req_fail(&q, -EINVAL, "no struct bpfpin_limits, or its sz is unset");
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	r = decode_limits(b, rep.result, &l);
	client_reply_release(&rep);
	if (r < 0)
		return r;
	/* A newer caller's members this library does not know read as 0. */
	if (out->sz > sizeof(l))
		memset((char *)out + sizeof(l), 0, out->sz - sizeof(l));
	memcpy((char *)out + sizeof(out->sz), (char *)&l + sizeof(l.sz),
	       (out->sz < sizeof(l) ? out->sz : sizeof(l)) - sizeof(out->sz));
	return 0;
}
