/* lib/client_ns.c: the namespace operations of libbpfpin (mkdir, unlink,
 * rename, links, modes, owners, times, stat), each one request built from
 * its arguments as doc/protocol.md lists them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/client.h"

static int path_op(struct bpfpin *b, const char *op, const char *path)
{
	struct client_req q;

	client_req_init(&q, b, op);
	client_req_path(&q, "path", path);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_unlink(struct bpfpin *b, const char *path)
{
	return path_op(b, "unlink", path);
}

BPFPIN_API int bpfpin_rmdir(struct bpfpin *b, const char *path)
{
	return path_op(b, "rmdir", path);
}

/* As mkdir(2), bits beyond the permissions are ignored. */
BPFPIN_API int bpfpin_mkdir(struct bpfpin *b, const char *path, mode_t mode)
{
	struct client_req q;

	client_req_init(&q, b, "mkdir");
	client_req_path(&q, "path", path);
	client_req_int(&q, "mode", mode & 07777);
	client_req_umask(&q, -1);
	return client_call_simple(b, &q);
}

static void req_rename_flags(struct client_req *q, unsigned int flags)
{
	static const struct { unsigned int bit; const char *name; } names[] = {
		{ RENAME_NOREPLACE, "noreplace" },
		{ RENAME_EXCHANGE, "exchange" },
	};
	struct json_object *a;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		client_req_fail(q, -EINVAL, "unknown rename flags");
		return;
	}
	a = json_object_new_array();
	for (size_t i = 0; a && i < sizeof(names) / sizeof(names[0]); i++) {
		struct json_object *s;

		if (!(flags & names[i].bit))
			continue;
		s = json_object_new_string(names[i].name);
		if (!s || json_object_array_add(a, s) < 0) {
			json_object_put(s);
			json_object_put(a);
			a = NULL;
		}
	}
	client_req_add(q, "flags", a);
}

BPFPIN_API int bpfpin_rename(struct bpfpin *b, const char *from, const char *to,
			     unsigned int flags)
{
	struct client_req q;

	client_req_init(&q, b, "rename");
	client_req_path(&q, "from", from);
	client_req_path(&q, "to", to);
	if (flags)
		req_rename_flags(&q, flags);
	return client_call_simple(b, &q);
}

static int two_path_op(struct bpfpin *b, const char *op, const char *target,
		       const char *path)
{
	struct client_req q;

	client_req_init(&q, b, op);
	client_req_path(&q, "target", target);
	client_req_path(&q, "path", path);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_link(struct bpfpin *b, const char *oldpath, const char *newpath)
{
	return two_path_op(b, "link", oldpath, newpath);
}

BPFPIN_API int bpfpin_symlink(struct bpfpin *b, const char *target,
			      const char *linkpath)
{
	return two_path_op(b, "symlink", target, linkpath);
}

BPFPIN_API int bpfpin_readlink(struct bpfpin *b, const char *path, char *buf,
			       size_t size)
{
	struct client_req q;
	struct client_reply rep;
	struct json_object *t;
	size_t len;
	int r;

	client_req_init(&q, b, "readlink");
	client_req_path(&q, "path", path);
	if (!buf || size == 0)
		client_req_fail(&q, -EINVAL, "no buffer for the target");
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	t = client_member(rep.result, "target", json_type_string);
	len = t ? (size_t)json_object_get_string_len(t) : 0;
	if (!t)
		r = client_fail(b, -EPROTO, "the daemon's reply has no target");
	else if (len >= size)
		r = client_fail(b, -ERANGE, "the target (%zu bytes) does not fit", len);
	else {
		memcpy(buf, json_object_get_string(t), len + 1);
		r = len;
	}
	client_reply_release(&rep);
	return r;
}

/* As chmod(2), bits beyond the permissions are ignored. */
BPFPIN_API int bpfpin_chmod(struct bpfpin *b, const char *path, mode_t mode)
{
	struct client_req q;

	client_req_init(&q, b, "chmod");
	client_req_path(&q, "path", path);
	client_req_int(&q, "mode", mode & 07777);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_chown(struct bpfpin *b, const char *path, uid_t uid, gid_t gid)
{
	struct client_req q;

	client_req_init(&q, b, "chown");
	client_req_path(&q, "path", path);
	client_req_int(&q, "uid", uid == (uid_t)-1 ? -1 : (int64_t)uid);
	client_req_int(&q, "gid", gid == (gid_t)-1 ? -1 : (int64_t)gid);
	return client_call_simple(b, &q);
}

/* One time of utimensat(2) as the protocol's member: absent for now, -1
 * to leave it. */
static void req_time(struct client_req *q, const char *key, const struct timespec *t)
{
	int64_t ns;

	if (t->tv_nsec == UTIME_NOW)
		return;
	if (t->tv_nsec == UTIME_OMIT) {
		client_req_int(q, key, -1);
		return;
	}
	if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000)
		client_req_fail(q, -EINVAL, "tv_nsec out of range");
	else if (__builtin_mul_overflow((int64_t)t->tv_sec, 1000000000, &ns) ||
		 __builtin_add_overflow(ns, (int64_t)t->tv_nsec, &ns))
		client_req_fail(q, -EOVERFLOW, "time out of range");
	else
		client_req_int(q, key, ns);
}

BPFPIN_API int bpfpin_utimens(struct bpfpin *b, const char *path,
			      const struct timespec times[2])
{
	struct client_req q;

	client_req_init(&q, b, "utimens");
	client_req_path(&q, "path", path);
	if (times) {
		req_time(&q, "atime_ns", &times[0]);
		req_time(&q, "mtime_ns", &times[1]);
	}
	return client_call_simple(b, &q);
}

static int stat_op(struct bpfpin *b, const char *path, bool follow,
		   struct bpfpin_stat *st)
{
	struct client_req q;
	struct client_reply rep;
	int r;

	client_req_init(&q, b, "stat");
	client_req_path(&q, "path", path);
	client_req_bool(&q, "follow", follow);
	if (!st)
		client_req_fail(&q, -EINVAL, "no stat buffer");
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	r = client_result_stat(b, rep.result, st);
	client_reply_release(&rep);
	return r;
}

BPFPIN_API int bpfpin_stat(struct bpfpin *b, const char *path, struct bpfpin_stat *st)
{
	return stat_op(b, path, true, st);
}

BPFPIN_API int bpfpin_lstat(struct bpfpin *b, const char *path, struct bpfpin_stat *st)
{
	return stat_op(b, path, false, st);
}
