/* lib/client_load.c: bpfpin_load, the load op: the object file goes as
 * an fd, and what comes back (the result, or a failed load's verifier
 * log with its memfd) is handed to the caller. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/client.h"

static void add_maps(struct client_req *q, const struct bpfpin_load_opts *o)
{
	struct json_object *a;

	if (!o->nmaps)
		return;
	if (!o->maps || o->nmaps > 64) {
		client_req_fail(q, -EINVAL, "maps: 1 to 64 of them, not NULL");
		return;
	}
	a = json_object_new_array();
	for (size_t i = 0; a && i < o->nmaps; i++) {
		struct json_object *m = json_object_new_object();

		if (!o->maps[i].name || !o->maps[i].path) {
			json_object_put(m);
			client_req_fail(q, -EINVAL, "maps: a name and a path each");
			break;
		}
		json_object_object_add(m, "name", json_object_new_string(o->maps[i].name));
		json_object_object_add(m, "path", json_object_new_string(o->maps[i].path));
		json_object_array_add(a, m);
	}
	client_req_add(q, "maps", a);
}

static void add_opts(struct client_req *q, const struct bpfpin_load_opts *o)
{
	if (!o) {
		client_req_umask(q, -1);
		return;
	}
	if (o->sz < sizeof(*o)) {
		client_req_fail(q, -EINVAL, "bpfpin_load_opts: sz is too small");
		return;
	}
	if (o->prog_type)
		client_req_str(q, "type", o->prog_type);
	add_maps(q, o);
	if (o->pinmaps)
		client_req_path(q, "pinmaps", o->pinmaps);
	if (o->log_level)
		client_req_int(q, "log_level", o->log_level);
	if (o->file_name)
		client_req_str(q, "file", o->file_name);
	client_req_umask(q, o->umask);
}

/* What came back for the caller: JSON of what (the result, or the
 * error's log), and the log's memfd that what names. */
static void take_log(struct bpfpin *b, struct client_reply *rep,
		     struct json_object *what, struct bpfpin_load_opts *o)
{
	struct json_object *log = what ? client_member(what, "log", json_type_object) : NULL;
	struct json_object *size = client_member(log, "size", json_type_int);
	const char *s;

	if (!o || !what)
		return;
	if (log && client_member(log, "fd", json_type_int)) {
		int fd = client_reply_take_fd(b, rep, client_member(log, "fd", json_type_int));

		o->log_fd = fd >= 0 ? fd : -1;
		o->log_size = size ? json_object_get_uint64(size) : 0;
	}
	s = json_object_to_json_string_ext(what, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	o->json = s ? strdup(s) : NULL;
}

BPFPIN_API int bpfpin_load(struct bpfpin *b, int obj_fd, const char *path,
			   struct bpfpin_load_opts *opts)
{
	struct client_req q;
	struct client_reply rep;
	char msg[sizeof(b->errmsg)];
	int r;

	if (opts) {
		opts->log_fd = -1;
		opts->log_size = 0;
		opts->json = NULL;
	}
	client_req_init(&q, b, "load");
	client_req_int(&q, "fd", 0);
	client_req_path(&q, "path", path);
	add_opts(&q, opts);
	r = client_call_keep(b, &q, &obj_fd, 1, &rep);
	if (b)
		memcpy(msg, b->errmsg, sizeof(msg));
	if (r == 0)
		take_log(b, &rep, rep.result, opts);
	else if (rep.root)
		take_log(b, &rep, client_member(rep.root, "error", json_type_object), opts);
	/* the error's message, not one of taking the log */
	if (r < 0 && b)
		memcpy(b->errmsg, msg, sizeof(msg));
	client_reply_release(&rep);
	return r;
}
