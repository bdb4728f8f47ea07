/* lib/client_many.c: bpfpin_get_many, which packs paths into get_many
 * requests as large as the limits allow (fds per message, and bytes both
 * of the request and of the reply it may bring back) and spreads the
 * items of each reply back over the caller's array. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/client.h"

/* Budget per path beyond its own JSON: an error item of the reply
 * repeats the path in its message, with its errno, name and wording. */
#define ITEM_COST 128
/* The rest of a request or reply: v, id, op, access, brackets. */
#define ENVELOPE_COST 256

struct batch {
	struct json_object *paths;
	size_t idx[PROTO_FDS_MAX];      /* where each path came from */
	size_t n;
	size_t bytes;
};

static int take_items(struct bpfpin *b, struct batch *bt,
		      struct client_reply *rep, int *fds)
{
	struct json_object *items = client_member(rep->result, "items", json_type_array);

	if (!items || json_object_array_length(items) != bt->n)
		return client_fail(b, -EPROTO, "the daemon's reply does not have %zu items",
				   bt->n);
	for (size_t k = 0; k < bt->n; k++) {
		struct json_object *it = json_object_array_get_idx(items, k);
		struct json_object *err = client_member(it, "error", json_type_object);

		if (err)
			fds[bt->idx[k]] = client_decode_error(NULL, err);
		else
			fds[bt->idx[k]] = client_reply_take_fd(b, rep,
					client_member(it, "fd", json_type_int));
	}
	return 0;
}

static int flush(struct bpfpin *b, struct batch *bt, const char *access, int *fds)
{
	struct client_req q;
	struct client_reply rep;
	int r;

	if (bt->n == 0)
		return 0;
	client_req_init(&q, b, "get_many");
	client_req_add(&q, "paths", bt->paths);
	client_req_str(&q, "access", access);
	bt->paths = NULL;
	r = client_call(b, &q, NULL, 0, &rep);
	if (r == 0)
		r = take_items(b, bt, &rep, fds);
	client_reply_release(&rep);
	bt->n = 0;
	bt->bytes = 0;
	return r;
}

/* Append path i, first sending the batch if it would not fit. */
static int add(struct bpfpin *b, struct batch *bt, const char *path, size_t i,
	       const char *access, int *fds)
{
	struct json_object *s = json_object_new_string(path);
	size_t cost;
	int r;

	if (!s)
		return client_fail(b, -ENOMEM, "out of memory");
	cost = client_json_len(s) + 1 + ITEM_COST;
	if (bt->n == (size_t)b->max_fds || bt->bytes + cost > b->max_msg - ENVELOPE_COST) {
		r = flush(b, bt, access, fds);
		if (r < 0) {
			json_object_put(s);
			return r;
		}
	}
	if (!bt->paths)
		bt->paths = json_object_new_array();
	if (!bt->paths || json_object_array_add(bt->paths, s) < 0) {
		json_object_put(s);
		return client_fail(b, -ENOMEM, "out of memory");
	}
	bt->idx[bt->n++] = i;
	bt->bytes += cost;
	return 0;
}

/* A path the daemon would refuse anyway is answered here, so that one
 * path can never be too large for a message. */
static int local_error(const char *path)
{
	if (!path)
		return -EINVAL;
	if (strnlen(path, CLIENT_PATH_MAX + 1) > CLIENT_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* On failure no fd is left to the caller: those already received are
 * closed and every entry holds the error. */
static int fail_all(int *fds, size_t n, int err)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = err;
	}
	return err;
}

BPFPIN_API int bpfpin_get_many(struct bpfpin *b, const char *const *paths,
			       size_t n, int flags, int *fds)
{
	const char *access = client_access_name(flags);
	struct batch bt = { .paths = NULL };
	int r = 0;

	if (!b || (n && (!paths || !fds)))
		return -EINVAL;
	b->errmsg[0] = '\0';
	if (!access)
		return client_fail(b, -EINVAL, "flags: O_RDONLY, O_WRONLY or O_RDWR");
	for (size_t i = 0; i < n; i++)
		fds[i] = -ECANCELED;
	for (size_t i = 0; i < n && r == 0; i++) {
		int e = local_error(paths[i]);

		if (e < 0)
			fds[i] = e;
		else
			r = add(b, &bt, paths[i], i, access, fds);
	}
	if (r == 0)
		r = flush(b, &bt, access, fds);
	json_object_put(bt.paths);
	if (r < 0)
		return fail_all(fds, n, r);
	return 0;
}
