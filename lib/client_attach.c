/* lib/client_attach.c: links: attach a pinned program (a new link pinned
 * at a path, or the program of a pinned link swapped), detach a link, and
 * read who loaded and attached what a pin holds. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/client.h"

/* The options the caller's struct holds: a smaller one (an older caller)
 * leaves the rest zero, a larger one's extra bytes must be zero. */
static int attach_opts(struct client_req *q, const struct bpfpin_attach_opts *in,
		       struct bpfpin_attach_opts *out)
{
	memset(out, 0, sizeof(*out));
	out->umask = -1;
	if (!in || in->sz < offsetof(struct bpfpin_attach_opts, target) + sizeof(in->target)) {
		client_req_fail(q, -EINVAL, "attach options without a target");
		return -EINVAL;
	}
	for (size_t i = sizeof(*out); i < in->sz; i++)
		if (((const char *)in)[i]) {
			client_req_fail(q, -EINVAL, "unknown attach options set");
			return -EINVAL;
		}
	memcpy(out, in, in->sz < sizeof(*out) ? in->sz : sizeof(*out));
	if (in->sz < offsetof(struct bpfpin_attach_opts, umask) + sizeof(in->umask))
		out->umask = -1;
	return 0;
}

static bool takes_fd(const char *target)
{
	return !strcmp(target, "cgroup") || !strcmp(target, "netns");
}

BPFPIN_API int bpfpin_attach(struct bpfpin *b, const char *prog, const char *path,
			     const struct bpfpin_attach_opts *opts)
{
	struct bpfpin_attach_opts o;
	struct client_req q;
	struct client_reply rep;
	int r, nfds = 0;

	client_req_init(&q, b, "attach");
	if (attach_opts(&q, opts, &o) == 0 && o.target) {
		client_req_str(&q, "target", o.target);
		nfds = takes_fd(o.target);
	}
	client_req_path(&q, "prog", prog);
	client_req_path(&q, "path", path);
	if (o.attach_type)
		client_req_str(&q, "attach_type", o.attach_type);
	if (nfds)
		client_req_int(&q, "fd", 0);
	if (nfds && o.target_fd < 0)
		client_req_fail(&q, -EBADF, "the target fd is negative");
	if (o.dev)
		client_req_str(&q, "dev", o.dev);
	if (o.map)
		client_req_path(&q, "map", o.map);
	if (o.tp_name)
		client_req_str(&q, "tp_name", o.tp_name);
	if (o.replace)
		client_req_bool(&q, "replace", true);
	client_req_umask(&q, o.umask);
	r = client_call(b, &q, &o.target_fd, nfds, &rep);
	client_reply_release(&rep);
	return r;
}

BPFPIN_API int bpfpin_detach(struct bpfpin *b, const char *path)
{
	struct client_req q;

	client_req_init(&q, b, "detach");
	client_req_path(&q, "path", path);
	return client_call_simple(b, &q);
}

BPFPIN_API int bpfpin_provenance(struct bpfpin *b, const char *path, int follow,
				 char **json)
{
	struct client_req q;
	struct client_reply rep;
	struct json_object *p;
	const char *s;
	int r;

	client_req_init(&q, b, "stat");
	client_req_path(&q, "path", path);
	client_req_bool(&q, "follow", follow != 0);
	if (!json)
		client_req_fail(&q, -EINVAL, "no place for the provenance");
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	p = client_member(rep.result, "provenance", json_type_object);
	s = p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE) : "{}";
	if (!s || !(*json = strdup(s)))
		r = client_fail(b, -ENOMEM, "out of memory");
	client_reply_release(&rep);
	return r;
}
