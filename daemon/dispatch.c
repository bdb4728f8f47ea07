/* daemon/dispatch.c: the op table, and serving one message: parse it
 * (strict JSON, no member twice), check the envelope (v, id, op), run
 * the op, wrap its result or error. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "daemon/log.h"
#include "daemon/ops.h"

/* A bare op takes no members besides the envelope. */
#define OP(n) { #n, op_##n, false }
#define BARE(n) { #n, op_##n, true }
static const struct op op_table[] = {
	BARE(hello),
	OP(pin),
	OP(get),
	OP(get_many),
	OP(info),
	OP(stat),
	OP(list),
	OP(unlink),
	OP(mkdir),
	OP(rmdir),
	OP(rename),
	OP(link),
	OP(symlink),
	OP(readlink),
	OP(chmod),
	OP(chown),
	OP(utimens),
	OP(limits),
	OP(load),
	OP(attach),
	OP(detach),
	OP(sockmap_create),
	OP(sockmap_attach),
	OP(sockmap_detach),
	OP(sock_add),
	OP(sock_rm),
	OP(sock_kill),
	OP(sock_ls),
	OP(tap_add),
	OP(tap_rm),
	OP(tap_ls),
};
#undef OP
#undef BARE

static const struct param no_params[] = { { 0 } };

const struct op *ops_find(const char *name)
{
	for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (strcmp(op_table[i].name, name) == 0)
			return &op_table[i];
	return NULL;
}

/* Ids a client may use: 1 to 2^53 - 1, what every JSON parser keeps
 * exactly. 0 is what a reply carries when the request's id was unusable. */
#define ID_MAX ((UINT64_C(1) << 53) - 1)

/* The request's id, or 0 with an error reply made: a negative, fractional,
 * huge or non-numeric id is refused, never answered as if it were 0. */
static uint64_t envelope_id(struct request *req, struct json_object **reply)
{
	struct json_object *id;
	int64_t v;

	if (!json_object_object_get_ex(req->msg, "id", &id)) {
		*reply = proto_error(0, EINVAL, "member \"id\" is missing");
		return 0;
	}
	if (!json_object_is_type(id, json_type_int)) {
		*reply = proto_error(0, EINVAL, "member \"id\" must be an integer");
		return 0;
	}
	v = json_object_get_int64(id);
	if (v < 1 || (uint64_t)v > ID_MAX) {
		*reply = proto_error(0, EINVAL, "member \"id\" is out of range (1 to 2^53 - 1)");
		return 0;
	}
	return (uint64_t)v;
}

/* Check the envelope; returns the op or NULL with an error reply made. */
static const struct op *envelope(struct request *req, struct json_object **reply)
{
	struct json_object *v, *op;
	const struct op *o;
	const char *name;
	size_t len;

	if (!json_object_is_type(req->msg, json_type_object)) {
		*reply = proto_error(0, EBADMSG, "the request is not a JSON object");
		return NULL;
	}
	if (!(req->id = envelope_id(req, reply)))
		return NULL;
	if (!json_object_object_get_ex(req->msg, "v", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != PROTO_VERSION) {
		*reply = proto_error(req->id, EPROTO, "unsupported or missing protocol version \"v\" (this daemon speaks 1)");
		return NULL;
	}
	if (!json_object_object_get_ex(req->msg, "op", &op) ||
	    !json_object_is_type(op, json_type_string)) {
		*reply = proto_error(req->id, EINVAL, "member \"op\" is missing or not a string");
		return NULL;
	}
	name = json_object_get_string(op);
	len = (size_t)json_object_get_string_len(op);
	if (memchr(name, '\0', len) || !proto_utf8_valid(name, len)) {
		*reply = proto_error(req->id, EINVAL, "member \"op\" holds a NUL byte or is not valid UTF-8");
		return NULL;
	}
	o = ops_find(name);
	if (!o) {
		char msg[128];

		snprintf(msg, sizeof(msg), "unknown op \"%.64s\"", name);
		*reply = proto_error(req->id, EOPNOTSUPP, msg);
	}
	return o;
}

/* End of the string literal opened at buf[i] (its quote), json-c style:
 * '"' or '\'', a backslash escapes the next byte. */
static size_t string_end(const char *buf, size_t len, size_t i)
{
	char q = buf[i];

	for (i++; i < len && buf[i] != q; i++)
		if (buf[i] == '\\')
			i++;
	return i;
}

/* Calls fn on each key of the top-level object, as its raw literal
 * (klen bytes, quotes included), until fn returns nonzero. The text has
 * been parsed by json-c already, so it is well formed. */
static int each_key(const char *buf, size_t len,
		    int (*fn)(const char *key, size_t klen, void *arg), void *arg)
{
	int depth = 0, r;
	bool key_next = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		size_t e;

		if (c == '"' || c == '\'') {
			e = string_end(buf, len, i);
			if (depth == 1 && key_next && (r = fn(buf + i, e + 1 - i, arg)))
				return r;
			key_next = false;
			i = e;
		} else if (c == '{' || c == '[') {
			key_next = ++depth == 1;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == ',' && depth == 1) {
			key_next = true;
		}
	}
	return 0;
}

static int count_key(const char *key, size_t klen, void *arg)
{
	(void)key, (void)klen;
	++*(size_t *)arg;
	return 0;
}

struct dup_ctx {
	struct json_object *seen;
	char name[80];
};

/* Decode a key literal and stop at the first one seen before. */
static int find_dup(const char *key, size_t klen, void *arg)
{
	struct dup_ctx *dc = arg;
	char *lit = strndup(key, klen);
	struct json_object *k = lit ? json_tokener_parse(lit) : NULL;
	const char *s = json_object_get_string(k);
	int dup = 0;

	free(lit);
	if (s && json_object_object_get_ex(dc->seen, s, NULL)) {
		snprintf(dc->name, sizeof(dc->name), "%.64s", s);
		dup = 1;
	} else if (s) {
		json_object_object_add(dc->seen, s, NULL);
	}
	json_object_put(k);
	return dup;
}

/* json-c keeps the last of two equal keys; a request that says a member
 * twice is ambiguous (another reader may take the first), so it is
 * refused, naming the member. Counting the keys of the text is a pass
 * over its bytes; the decoding runs only on the error path. */
static struct json_object *duplicate_keys(struct request *req, const char *buf,
					  size_t len)
{
	struct dup_ctx dc = { .name = "?" };
	char msg[128];
	size_t n = 0;

	if (!json_object_is_type(req->msg, json_type_object))
		return NULL;
	each_key(buf, len, count_key, &n);
	if (n == (size_t)json_object_object_length(req->msg))
		return NULL;
	if ((dc.seen = json_object_new_object()))
		each_key(buf, len, find_dup, &dc);
	json_object_put(dc.seen);
	snprintf(msg, sizeof(msg), "member \"%s\" appears more than once", dc.name);
	return proto_error(0, EINVAL, msg);
}

/* One tokener for the loop thread, reset per message, nesting depth 32,
 * strict (no trailing commas, no leading zeros). */
static struct json_object *parse(const char *buf, size_t len)
{
	static struct json_tokener *tok;
	struct json_object *o;

	if (!tok) {
		if (!(tok = json_tokener_new_ex(32)))
			return NULL;
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	}
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != len)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

struct json_object *dispatch(struct request *req, const char *buf, size_t len)
{
	struct json_object *reply = NULL;
	const struct op *op;
	int r;

	req->msg = parse(buf, len);
	if (!req->msg)
		return proto_error(0, EBADMSG, "the request is not one valid JSON object");
	if ((reply = duplicate_keys(req, buf, len)))
		return reply;
	if (!(op = envelope(req, &reply)))
		return reply;
	r = op->bare ? params_parse(no_params, req, NULL) : 0;
	if (r == 0)
		r = op->fn(req);
	if (r < 0) {
		if (!req->errmsg[0])
			snprintf(req->errmsg, sizeof(req->errmsg), "%s", strerror(-r));
		conn_out_close(req);
		return proto_error(req->id, -r, req->errmsg);
	}
	if (req->deferred)
		return NULL;
	/* The result {} of most ops is text as well (no envelope object to
	 * build, serialize and free): conn.c wraps req->text. */
	if (!req->result && !req->text_len)
		req->text_len = (size_t)(stpcpy(req->text, "{}") - req->text);
	if (req->text_len)
		return NULL;
	reply = proto_result(req->id, req->result);
	req->result = NULL;
	return reply;
}
