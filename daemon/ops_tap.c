/* daemon/ops_tap.c: tap_add, tap_rm, tap_ls: the socket tap's rules of a
 * managed sockmap (sockmap/builtin.h), which the tap built-in applies to
 * every message. Write permission on the pin to change them, read to
 * list them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/ops.h"
#include "daemon/ops_sock.h"

struct tap_args {
	const char *path, *prefix, *dir, *action;
};

static const struct param tap_params[] = {
	PARAM(struct tap_args, path, P_PATH, true),
	PARAM(struct tap_args, prefix, P_STRING, true),
	PARAM(struct tap_args, dir, P_STRING, false),
	PARAM(struct tap_args, action, P_STRING, false),
	{ 0 },
};

static const char *const actions[] = { "pass", "drop", "disconnect" };
static const char *const dirs[] = { "", "rx", "tx", "both" };

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A prefix: "0x" and hex digits, or the string's own bytes. */
static int prefix(struct request *req, const char *s, struct sockmap_tap_rule *r)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '0' && s[1] == 'x') {
		if (n % 2 || (n - 2) / 2 > SOCKMAP_TAP_PREFIX_MAX)
			return sock_fail(req, -EINVAL, "member \"prefix\": \"0x\" and an even "
					 "number of hex digits, at most %d bytes",
					 SOCKMAP_TAP_PREFIX_MAX);
		for (size_t i = 2; i < n; i += 2) {
			int hi = hex(s[i]), lo = hex(s[i + 1]);

			if (hi < 0 || lo < 0)
				return sock_fail(req, -EINVAL, "member \"prefix\" holds a "
						 "character that is no hex digit");
			r->prefix[r->len++] = (uint8_t)(hi << 4 | lo);
		}
		return 0;
	}
	if (n > SOCKMAP_TAP_PREFIX_MAX)
		return sock_fail(req, -EINVAL, "member \"prefix\" is longer than %d bytes",
				 SOCKMAP_TAP_PREFIX_MAX);
	memcpy(r->prefix, s, n);
	r->len = (uint8_t)n;
	return 0;
}

static int word(struct request *req, const char *member, const char *v,
		const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++)
		if (names[i][0] && !strcmp(names[i], v)) {
			*out = i;
			return 0;
		}
	return sock_fail(req, -EINVAL, "member \"%s\" names no %s: \"%.64s\"", member,
			 member, v);
}

static int rule_of(struct request *req, const struct tap_args *a,
		   struct sockmap_tap_rule *r)
{
	int dir = SOCKMAP_TAP_BOTH, act = SOCKMAP_TAP_PASS, e;

	memset(r, 0, sizeof(*r));
	if ((e = prefix(req, a->prefix, r)) < 0 ||
	    (a->dir && (e = word(req, "dir", a->dir, dirs, 4, &dir)) < 0) ||
	    (a->action && (e = word(req, "action", a->action, actions, 3, &act)) < 0))
		return e;
	r->dir = dir;
	r->action = act;
	return 0;
}

static int tap_change(struct request *req, bool add)
{
	struct tap_args a = { 0 };
	struct sockmap_tap_rule rule;
	struct ns_cred cred;
	struct ns_stat st;
	struct sockmap *s;
	int r = params_parse(tap_params, req, &a);

	if (r < 0)
		return r;
	conn_cred(req->conn, 0, &cred);
	if ((r = sockmap_open(req, &cred, a.path, &s, &st)) < 0)
		return op_fail(req, a.path, r);
	if (!add && a.action)
		return sock_fail(req, -EINVAL, "member \"action\" is tap_add's only");
	if ((r = rule_of(req, &a, &rule)) < 0)
		return r;
	r = add ? sockmap_tap_rule_add(sockmap_aux(s), &rule, req->errmsg,
				       sizeof(req->errmsg)) :
		  sockmap_tap_rule_rm(sockmap_aux(s), &rule);
	if (r == -ENOENT)
		return sock_fail(req, r, "no such rule");
	return r < 0 ? op_fail(req, a.path, r) : 0;
}

int op_tap_add(struct request *req)
{
	return tap_change(req, true);
}

int op_tap_rm(struct request *req)
{
	return tap_change(req, false);
}

static struct json_object *rule_json(const struct sockmap_tap_rule *r)
{
	struct json_object *o = json_object_new_object();
	char hexs[2 + 2 * SOCKMAP_TAP_PREFIX_MAX + 1] = "0x";

	for (unsigned i = 0; i < r->len; i++)
		snprintf(hexs + 2 + 2 * i, 3, "%02x", r->prefix[i]);
	json_object_object_add(o, "prefix", json_object_new_string(hexs));
	json_object_object_add(o, "dir", json_object_new_string(dirs[r->dir & 3]));
	json_object_object_add(o, "action", json_object_new_string(actions[r->action]));
	return o;
}

int op_tap_ls(struct request *req)
{
	struct sockmap_tap_rule rules[SOCKMAP_TAP_RULES_MAX];
	struct json_object *list;
	const char *path;
	struct sockmap *s;
	int n = 0, r = sockmap_show(req, &path, &s);

	if (r < 0)
		return r;
	if (s && (n = sockmap_tap_rules(sockmap_aux(s), rules, SOCKMAP_TAP_RULES_MAX)) < 0)
		return op_fail(req, path, n);
	list = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(list, rule_json(&rules[i]));
	req->result = json_object_new_object();
	json_object_object_add(req->result, "rules", list);
	return 0;
}
