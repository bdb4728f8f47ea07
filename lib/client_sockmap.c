/* lib/client_sockmap.c: sockmaps bpfpind manages: create, attach and
 * detach programs, sockets added, removed, ended and listed. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/client.h"

BPFPIN_API int bpfpin_sockmap_create(struct bpfpin *b, const char *path,
				     const struct bpfpin_sockmap_opts *opts)
{
	struct bpfpin_sockmap_opts o = { .umask = -1 };
	struct client_req q;

	client_req_init(&q, b, "sockmap_create");
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (opts && opts->sz < offsetof(struct bpfpin_sockmap_opts, umask) + sizeof(int))
		o.umask = -1;
	client_req_path(&q, "path", path);
	if (o.type)
		client_req_str(&q, "type", o.type);
	if (o.max_entries)
		client_req_int(&q, "max_entries", o.max_entries);
	if (o.key_size)
		client_req_int(&q, "key_size", o.key_size);
	client_req_umask(&q, o.umask);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_sockmap_attach(struct bpfpin *b, const char *path,
				     const char *hook, const char *prog,
				     int cgroup_fd, int replace)
{
	struct client_req q;
	struct client_reply rep;
	int r;

	client_req_init(&q, b, "sockmap_attach");
	client_req_path(&q, "path", path);
	client_req_str(&q, "hook", hook);
	if (prog && prog[0] == '/')
		client_req_path(&q, "prog", prog);
	else
		client_req_str(&q, "builtin", prog);
	if (cgroup_fd >= 0)
		client_req_int(&q, "fd", 0);
	if (replace)
		client_req_bool(&q, "replace", true);
	r = client_call(b, &q, &cgroup_fd, cgroup_fd >= 0, &rep);
	if (r == 0)
		client_reply_release(&rep);
	return r;
}

BPFPIN_API int bpfpin_sockmap_detach(struct bpfpin *b, const char *path,
				     const char *hook)
{
	struct client_req q;

	client_req_init(&q, b, "sockmap_detach");
	client_req_path(&q, "path", path);
	client_req_str(&q, "hook", hook);
	return client_call_simple(b, &q);
}

/* A key string: decimal digits go as a JSON integer, the rest as text. */
static void req_key(struct client_req *q, const char *member, const char *key)
{
	char *end;
	unsigned long long v;

	if (!key)
		return;
	errno = 0;
	v = strtoull(key, &end, 10);
	if (key[0] >= '0' && key[0] <= '9' && !*end && !errno && strncmp(key, "0x", 2))
		client_req_int(q, member, (int64_t)v);
	else
		client_req_str(q, member, key);
}

static int result_text(struct bpfpin *b, struct client_reply *rep, char **json)
{
	const char *s = json_object_to_json_string_ext(rep->result, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s || !(*json = strdup(s)))
		return client_fail(b, -ENOMEM, "out of memory");
	return 0;
}

BPFPIN_API int bpfpin_sock_add(struct bpfpin *b, const char *path, int fd,
			       const struct bpfpin_sock_opts *opts, char **json)
{
	struct bpfpin_sock_opts o = { .peer_fd = -1 };
	struct client_req q;
	struct client_reply rep;
	int fds[2] = { fd, -1 }, n = 1, r;

	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (opts && opts->sz < offsetof(struct bpfpin_sock_opts, peer_fd) + sizeof(int))
		o.peer_fd = -1;
	client_req_init(&q, b, "sock_add");
	client_req_path(&q, "path", path);
	if (o.pid) {
		client_req_int(&q, "pid", o.pid);
		client_req_int(&q, "pid_fd", fd);
		if (o.peer_fd >= 0)
			client_req_int(&q, "peer_pid_fd", o.peer_fd);
		n = 0;
	} else {
		client_req_int(&q, "fd", 0);
		if (o.peer_fd >= 0) {
			client_req_int(&q, "peer_fd", 1);
			fds[n++] = o.peer_fd;
		}
	}
	req_key(&q, "key", o.key);
	req_key(&q, "peer_key", o.peer_key);
	if (o.give || o.accept)
		client_req_str(&q, "mode", o.accept ? "accept" : "give");
	if (o.replace)
		client_req_bool(&q, "replace", true);
	r = client_call(b, &q, fds, n, &rep);
	if (r < 0)
		return r;
	if (json)
		r = result_text(b, &rep, json);
	client_reply_release(&rep);
	return r;
}

static int on_member(struct bpfpin *b, const char *op, const char *path,
		     const char *key, uint64_t cookie)
{
	struct client_req q;

	client_req_init(&q, b, op);
	client_req_path(&q, "path", path);
	if (key)
		req_key(&q, "key", key);
	else
		client_req_int(&q, "cookie", (int64_t)cookie);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_sock_rm(struct bpfpin *b, const char *path, const char *key,
			      uint64_t cookie)
{
	return on_member(b, "sock_rm", path, key, cookie);
}

BPFPIN_API int bpfpin_sock_kill(struct bpfpin *b, const char *path, const char *key,
				uint64_t cookie)
{
	return on_member(b, "sock_kill", path, key, cookie);
}

/* An op of one member, path, whose result goes back as JSON text. */
static int path_op_text(struct bpfpin *b, const char *op, const char *path, char **json)
{
	struct client_req q;
	struct client_reply rep;
	int r;

	client_req_init(&q, b, op);
	client_req_path(&q, "path", path);
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	r = result_text(b, &rep, json);
	client_reply_release(&rep);
	return r;
}

BPFPIN_API int bpfpin_sock_ls(struct bpfpin *b, const char *path, char **json)
{
	return path_op_text(b, "sock_ls", path, json);
}

BPFPIN_API int bpfpin_tap_add(struct bpfpin *b, const char *path, const char *prefix,
			      const char *dir, const char *action)
{
	struct client_req q;

	client_req_init(&q, b, "tap_add");
	client_req_path(&q, "path", path);
	client_req_str(&q, "prefix", prefix);
	if (dir)
		client_req_str(&q, "dir", dir);
	if (action)
		client_req_str(&q, "action", action);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_tap_rm(struct bpfpin *b, const char *path, const char *prefix,
			     const char *dir)
{
	struct client_req q;

	client_req_init(&q, b, "tap_rm");
	client_req_path(&q, "path", path);
	client_req_str(&q, "prefix", prefix);
	if (dir)
		client_req_str(&q, "dir", dir);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_tap_ls(struct bpfpin *b, const char *path, char **json)
{
	return path_op_text(b, "tap_ls", path, json);
}
