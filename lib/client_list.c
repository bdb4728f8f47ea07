/* lib/client_list.c: bpfpin_list, one page of a directory per call. The
 * protocol's cursor is 0 both to start and once a listing is complete;
 * the caller's cursor turns the latter into LIST_DONE so that calling
 * again gives 0 entries instead of starting over. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/client.h"

#define LIST_LIMIT 256
#define LIST_DONE UINT64_MAX

static int decode_entry(struct bpfpin *b, struct json_object *e,
			struct bpfpin_dirent *d)
{
	struct json_object *name = client_member(e, "name", json_type_string);
	size_t len = name ? (size_t)json_object_get_string_len(name) : 0;

	if (len == 0 || len >= sizeof(d->name))
		return client_fail(b, -EPROTO, "the daemon's entry has a bad name");
	memcpy(d->name, json_object_get_string(name), len + 1);
	return client_stat_decode(b, client_member(e, "stat", json_type_object), &d->st);
}

static int decode_page(struct bpfpin *b, struct json_object *result,
		       struct bpfpin_dirent *ents, size_t max, uint64_t *cursor)
{
	struct json_object *entries = client_member(result, "entries", json_type_array);
	struct json_object *next = client_member(result, "cursor", json_type_int);
	size_t n = entries ? json_object_array_length(entries) : 0;

	if (!entries || !next || json_object_get_int64(next) < 0 || n > max)
		return client_fail(b, -EPROTO, "the daemon's listing is malformed");
	for (size_t i = 0; i < n; i++) {
		int r = decode_entry(b, json_object_array_get_idx(entries, i), &ents[i]);

		if (r < 0)
			return r;
	}
	*cursor = json_object_get_uint64(next);
	if (*cursor == 0)
		*cursor = LIST_DONE;
	return n;
}

BPFPIN_API int bpfpin_list(struct bpfpin *b, const char *path, uint64_t *cursor,
			   struct bpfpin_dirent *ents, size_t max)
{
	struct client_req q;
	struct client_reply rep;
	int r;

	if (b && cursor && *cursor == LIST_DONE) {
		b->errmsg[0] = '\0';
		return 0;
	}
	client_req_init(&q, b, "list");
	client_req_path(&q, "path", path);
	if (!cursor || !ents || max == 0)
		client_req_fail(&q, -EINVAL, "no cursor or no room for entries");
	else {
		client_req_add(&q, "cursor", json_object_new_uint64(*cursor));
		client_req_int(&q, "limit", max < LIST_LIMIT ? max : LIST_LIMIT);
	}
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	r = decode_page(b, rep.result, ents, max < LIST_LIMIT ? max : LIST_LIMIT, cursor);
	client_reply_release(&rep);
	return r;
}
