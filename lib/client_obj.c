/* lib/client_obj.c: the operations on pinned objects themselves: pin an fd,
 * get one back with an access mode the kernel enforces, and read its
 * bpftool-shaped info. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/client.h"

const char *client_access_name(int flags)
{
	static const char *const names[] = {
		[O_RDONLY] = "rdonly", [O_WRONLY] = "wronly", [O_RDWR] = "rdwr",
	};
	int acc = flags & O_ACCMODE;

	/* Every fd handed out is close-on-exec already: O_CLOEXEC is fine. */
	if ((flags & ~(O_ACCMODE | O_CLOEXEC)) || acc >= 3)
		return NULL;
	return names[acc];
}

void client_req_access(struct client_req *q, int flags)
{
	const char *name = client_access_name(flags);

	if (!name)
		client_req_fail(q, -EINVAL, "flags: O_RDONLY, O_WRONLY or O_RDWR");
	else
		client_req_str(q, "access", name);
}

/* The umask the options ask for, -1 for the process's; as libbpf does,
 * a larger struct from a newer caller is fine if its extra bytes are 0. */
static int pin_umask(struct client_req *q, const struct bpfpin_pin_opts *opts)
{
	size_t need = offsetof(struct bpfpin_pin_opts, umask) + sizeof(opts->umask);

	if (!opts || opts->sz < need)
		return -1;
	for (size_t i = sizeof(*opts); i < opts->sz; i++)
		if (((const char *)opts)[i]) {
			client_req_fail(q, -EINVAL, "unknown pin options set");
			return -1;
		}
	return opts->umask;
}

/* The umask a pin sends as text, or -1 when opts need pin_umask's
 * checks (a larger struct, a umask out of range). */
static int text_umask(const struct bpfpin *b, const struct bpfpin_pin_opts *opts)
{
	size_t need = offsetof(struct bpfpin_pin_opts, umask) + sizeof(opts->umask);

	if (!opts || opts->sz < need)
		return b->umask;
	if (opts->sz != sizeof(*opts) || opts->umask > 0777)
		return -1;
	return opts->umask < 0 ? b->umask : opts->umask;
}

/* A pin's hot path: the request written as text (lib/proto_text.c); the
 * reply {} is matched as text by client_reply_decode. 1: the request
 * cannot be written so, take the general way. */
static int pin_text(struct bpfpin *b, int fd, const char *path, int umask)
{
	uint64_t id = b->next_id;
	size_t len = proto_pin_request(b->buf, PROTO_MSG_MAX, id, path,
				       (unsigned)umask);
	struct client_reply rep;
	ssize_t n;
	int r;

	if (!len)
		return 1;
	b->next_id++;
	n = client_call_text(b, len, &fd, 1, &rep);
	if (n < 0)
		return (int)n;
	r = client_reply_decode(b, &rep, (size_t)n, id);
	client_reply_release(&rep);
	return r;
}

BPFPIN_API int bpfpin_pin(struct bpfpin *b, int fd, const char *path,
			  const struct bpfpin_pin_opts *opts)
{
	struct client_req q;
	struct client_reply rep;
	int r, umask = b ? text_umask(b, opts) : -1;

	if (umask >= 0 && fd >= 0 && path &&
	    strnlen(path, CLIENT_PATH_MAX + 1) <= CLIENT_PATH_MAX &&
	    (r = pin_text(b, fd, path, umask)) != 1)
		return r;

	client_req_init(&q, b, "pin");
	client_req_path(&q, "path", path);
	client_req_int(&q, "fd", 0);
	client_req_umask(&q, pin_umask(&q, opts));
	/* nothing here reads the stat: not building and parsing it is most
	 * of a pin's user-space work, on both ends */
	client_req_bool(&q, "stat", false);
	if (fd < 0)
		client_req_fail(&q, -EBADF, "the fd to pin is negative");
	r = client_call(b, &q, &fd, 1, &rep);
	client_reply_release(&rep);
	return r;
}

/* GET's hot path (lib/proto_text.c): the request written as text and the
 * reply matched as text; a reply of any other shape (an error above all)
 * is decoded the general way. 1: the request cannot be written so (a
 * path with bytes to escape), take the general way. */
static int get_text(struct bpfpin *b, const char *path, const char *access)
{
	uint64_t id = b->next_id;
	size_t len = proto_get_request(b->buf, PROTO_MSG_MAX, id, path, access);
	struct client_reply rep;
	ssize_t n;
	int r;

	if (!len)
		return 1;
	b->next_id++;
	n = client_call_text(b, len, NULL, 0, &rep);
	if (n < 0)
		return (int)n;
	if (proto_get_reply_plain(b->buf, (size_t)n, id))
		r = client_reply_take_fd_at(b, &rep, 0);
	else if ((r = client_reply_decode(b, &rep, (size_t)n, id)) == 0)
		r = client_reply_take_fd(b, &rep, client_member(rep.result, "fd",
								 json_type_int));
	client_reply_release(&rep);
	return r;
}

BPFPIN_API int bpfpin_get(struct bpfpin *b, const char *path, int flags)
{
	const char *access = client_access_name(flags);
	struct client_req q;
	struct client_reply rep;
	int r;

	if (b && path && access && strnlen(path, CLIENT_PATH_MAX + 1) <= CLIENT_PATH_MAX &&
	    (r = get_text(b, path, access)) != 1)
		return r;
	client_req_init(&q, b, "get");
	client_req_path(&q, "path", path);
	client_req_access(&q, flags);
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	r = client_reply_take_fd(b, &rep, client_member(rep.result, "fd", json_type_int));
	client_reply_release(&rep);
	return r;
}

BPFPIN_API int bpfpin_info(struct bpfpin *b, const char *path, char **json)
{
	struct client_req q;
	struct client_reply rep;
	struct json_object *info;
	const char *s;
	int r;

	client_req_init(&q, b, "info");
	client_req_path(&q, "path", path);
	if (!json)
		client_req_fail(&q, -EINVAL, "no place for the info");
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	info = client_member(rep.result, "info", json_type_object);
	s = info ? json_object_to_json_string_ext(info,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	if (!info)
		r = client_fail(b, -EPROTO, "the daemon's reply has no info");
	else if (!s || !(*json = strdup(s)))
		r = client_fail(b, -ENOMEM, "out of memory");
	client_reply_release(&rep);
	return r;
}
